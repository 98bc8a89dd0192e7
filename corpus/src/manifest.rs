//! `manifest.jsonl`: one line per document with the verdict a correct verifier must give.

use crate::verdict::{DocumentStatus, Indication, Modifications, SubIndication};
use serde::{Deserialize, Serialize};

/// One manifest line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Path relative to the corpus directory, e.g. `docs/doc-000001.pdf`.
    pub name: String,
    /// File size.
    pub bytes: u64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Expected document status.
    pub status: DocumentStatus,
    /// The labelled case (see [`crate::cases::Case::name`]).
    pub case: String,
    /// Why the status is not `TOTAL_PASSED`, in words; `null` for valid documents.
    pub reason: Option<String>,
    /// The instant at which the verdicts hold (RFC 3339).
    pub validation_time: String,
    /// Cross-reference style of the file (`xref-table`, `xref-stream`, `xref-stream+objstm`).
    pub xref: Option<String>,
    /// Number of pages.
    pub pages: u32,
    /// Sizes of the embedded file attachments, in bytes.
    pub attachments: Vec<u64>,
    /// Number of revisions (`%%EOF`-terminated sections) in the file.
    pub revisions: u32,
    /// The signatures, in file order; empty for `ERROR` documents. A document timestamp
    /// (`/SubFilter /ETSI.RFC3161`) is listed like a signature, its signer being the TSA.
    pub signatures: Vec<Signature>,
    /// Whether the document ends with the LTV updates: a document security store (`/DSS` with
    /// the chain certificates, the CAs' CRLs and one OCSP response per signer certificate), then
    /// a document timestamp.
    #[serde(default)]
    pub ltv: bool,
    /// What the document security store of an LTV document holds (for pricing what a verifier
    /// must at least read of it); absent when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dss: Option<Dss>,
    /// The rule ids the document fails under the `vn-gov-issued` policy, sorted (`[]` when it
    /// passes every rule). Written by the `vn-policy` profile only; absent elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_fail: Option<Vec<String>>,
    /// The rule ids the `vn-gov-issued` policy must report at INFORM, sorted. Written by the
    /// `vn-policy` profile only; absent elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_inform: Option<Vec<String>>,
    /// The dossier (the sub-directory of `docs/`, e.g. `dossier-0001`) the document belongs
    /// to; absent for a document on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dossier: Option<String>,
    /// The document's place in its dossier: `main` or `appendix`; absent outside a dossier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dossier_role: Option<String>,
}

/// A certificate and the CAs above it: what a verifier checks to build its path (priced by
/// the lower bound of `profiling/compare.py`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertPath {
    /// SHA-256 (hex) of the certificate's DER.
    pub certificate: String,
    /// The CAs above it, from its issuer up to the self-signed root: each one's file stem
    /// (`pki/*/{ca}.pem`) and the kind of its key, the key that signed the certificate below
    /// it (the root's also signs itself).
    pub issuers: Vec<Issuer>,
}

/// A CA of a [`CertPath`], or the signer of a DSS item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issuer {
    /// The CA's file stem (`root`, `ca-personal`, …; `tsa` for the time-stamping authority).
    pub ca: String,
    /// Its key's kind, e.g. `RSA-4096`.
    pub key: String,
}

/// The document security store (`/DSS`) of an LTV document: each stream's identity, its size
/// as stored in the file (compressed) and who signed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dss {
    /// `/Certs`.
    pub certs: Vec<DssItem>,
    /// `/CRLs`.
    pub crls: Vec<DssItem>,
    /// `/OCSPs`.
    pub ocsps: Vec<DssItem>,
}

/// One stream of the DSS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DssItem {
    /// SHA-256 (hex) of the decoded DER (the same certificate, CRL or OCSP response recurs
    /// across documents byte for byte).
    pub sha256: String,
    /// The stream's length in the file (its raw, compressed bytes).
    pub raw_bytes: u64,
    /// Who signed it: the CA (or, for an OCSP response, the issuing CA answering for its
    /// certificate) and its key's kind.
    pub signed_by: Issuer,
}

/// Expected verdict of one signature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    /// Fully qualified field name.
    pub field: String,
    /// `/SubFilter`.
    pub subfilter: String,
    /// Message digest algorithm (`sha256`, `sha1`).
    pub digest: String,
    /// Signer key, e.g. `RSA-2048`, `ECDSA-P256`.
    pub key: String,
    /// Signer certificate subject (RFC 4514).
    pub signer: String,
    /// `/ByteRange`.
    pub byte_range: [u64; 4],
    /// The revision (1-based) that introduced the signature.
    pub revision: u32,
    /// Whether the byte range covers the entire file.
    pub covers_whole_file: bool,
    /// Expected ETSI main indication.
    pub indication: Indication,
    /// Expected ETSI sub-indication.
    pub sub_indication: Option<SubIndication>,
    /// What follows the signed revision.
    pub modifications: Modifications,
    /// `genTime` (RFC 3339) of the signature timestamp (RFC 3161 token in the SignerInfo's
    /// unsigned attribute id-aa-signatureTimeStampToken) the signature carries, whether or not
    /// its imprint matches; `null` when there is none (and for document timestamps).
    #[serde(default)]
    pub timestamp: Option<String>,
    /// The signer's certificate and its CAs (the TSA's for a document timestamp); absent in
    /// the `algorithms` profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<CertPath>,
    /// The kind of the key that signed the signature timestamp token (the TSA's) and the
    /// TSA's certificate path; absent when `timestamp` is `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_signer: Option<TokenSigner>,
    /// What the change analysis must find about this signature, as the sorted, distinct `kind`s
    /// of its findings: `incremental_saving`, `unreachable_update`, `shadow_hide`,
    /// `shadow_replace`, `shadow_hide_and_replace`, `signature_wrapping`, `universal_forgery`,
    /// `certification_violation`, `field_lock_violation`. Attacks made by an update after the
    /// signatures are found on every signature before it; `signature_wrapping` and
    /// `universal_forgery` on the damaged signature only. Absent when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// The signature algorithm as the CMS names it, with its parameters (e.g.
    /// `sha384WithRSAEncryption`, `RSASSA-PSS SHA-256 MGF1-SHA-512 salt 32`, `Ed448`). Written
    /// by the `algorithms` profile only; absent elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    /// What a verifier must find of the signature's own bytes (digest and signature value),
    /// before any certificate question. Written by the `algorithms` profile only; absent
    /// elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<Integrity>,
    /// Substrings the verifier's warnings on this signature must contain, one warning each
    /// (a workaround it made visible: a modulus that is not DER, a digest algorithm its
    /// signature algorithm's profile forbids). Absent when none is expected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Whose certificate signed: `personal` (a person's, UID `CCCD:`/`CMND:`/`PID:`) or
    /// `organisation` (UID `MST:`). Written by the `vn-policy` profile only; absent elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// The signer of a signature timestamp token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSigner {
    /// Its key's kind, e.g. `ECDSA-P256`.
    pub key: String,
    /// Its certificate and CAs.
    pub path: CertPath,
}

/// The integrity a signature's own bytes must get (sigaudit's report `integrity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Integrity {
    /// The message digest matches and the signature value verifies.
    Ok,
    /// The message digest does not match the signed bytes.
    HashMismatch,
    /// The signature value does not verify with the signer's key.
    SignatureInvalid,
    /// The algorithm cannot be checked (neither valid nor invalid).
    Unsupported,
}

impl Integrity {
    /// The name sigaudit's report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Integrity::Ok => "ok",
            Integrity::HashMismatch => "hash_mismatch",
            Integrity::SignatureInvalid => "signature_invalid",
            Integrity::Unsupported => "unsupported",
        }
    }
}
