//! The report: one JSON line per document.
//!
//! ```text
//! {"name":…,"bytes":…,"status":"TOTAL_PASSED|TOTAL_FAILED|INDETERMINATE|ERROR","error":null|"…",
//!  "reason":…,"signatures":[{"field":…,"subfilter":…,"byte_range":[…],"revision":…,
//!  "covers_whole_file":…,"integrity":"ok|hash_mismatch|signature_invalid|unsupported|malformed",
//!  "indication":…,"sub_indication":…,"reason":…,"signer":{"subject":…,"issuer":…,"serial":…,
//!  "sha256":…},"signing_time":…,"timestamp":…,"revocation":"good|revoked|unknown|not_checked",
//!  "chain":[…],"modifications":"none|permitted|forbidden","findings":[{"kind":…,"revision":…,
//!  "objects":[…],"detail":…}]}],"findings":[…]}
//! ```

use serde::Serialize;

use crate::crypto::DigestAlgorithm;
use crate::forensics::{ChangeFinding, Modifications};
use crate::pki::cert::Cert;
use crate::policy::{Finding, Role};
use crate::verdict::{DocumentStatus, Indication, SubIndication};

/// One document's line: its status, and a verdict per signature.
///
/// It serialises to the report's JSON line (`serde`):
///
/// ```
/// use sigaudit::{DocumentReport, DocumentStatus};
///
/// let report = DocumentReport::unreadable("scan.pdf", "not a PDF".into());
/// assert_eq!(report.status, DocumentStatus::Error);
/// let line = serde_json::to_value(&report).unwrap();
/// assert_eq!(line["status"], "ERROR");
/// assert_eq!(line["error"], "not a PDF");
/// assert_eq!(line["signatures"], serde_json::json!([]));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DocumentReport {
    /// The document's name (its path as given, or its member name).
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// The document's status.
    pub status: DocumentStatus,
    /// Why the document could not be validated (`ERROR` only).
    pub error: Option<String>,
    /// Why the status is what it is, when not `TOTAL_PASSED`.
    pub reason: Option<String>,
    /// The signatures, in file order.
    pub signatures: Vec<SignatureReport>,
    /// What the document's signatures found, each once: forbidden changes after signing
    /// (with the attack class they match), parser differentials, signature wrapping.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<ChangeFinding>,
    /// The validation policy the document was judged under, and what its rules found.
    pub policy: PolicyReport,
    /// The dossier the document belongs to (`--dossier`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dossier: Option<DossierReport>,
    /// With dossiers, the `issued.*` findings, held until the dossier says whether this is
    /// the main document (they apply to it alone: an appendix is not an issued document).
    #[serde(skip)]
    pub(crate) held: Vec<Finding>,
}

/// The policy a document was judged under and what its rules found (signature rules and
/// document rules, FAIL, WARN and INFORM alike).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PolicyReport {
    /// The policy's name.
    pub name: String,
    /// What its rules found.
    pub findings: Vec<Finding>,
}

/// A document's place in its dossier: the directory (or archive folder) holding a main
/// document and its appendices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DossierReport {
    /// The dossier: its directory or folder.
    pub name: String,
    /// `main` or `appendix`.
    pub role: &'static str,
}

impl DocumentReport {
    /// The line of a document whose bytes could not be had, with the reason.
    pub fn unreadable(name: &str, error: String) -> Self {
        DocumentReport {
            name: name.to_string(),
            bytes: 0,
            status: DocumentStatus::Error,
            error: Some(error),
            reason: None,
            signatures: Vec::new(),
            findings: Vec::new(),
            policy: PolicyReport::default(),
            dossier: None,
            held: Vec::new(),
        }
    }
}

/// How far the signature's own bytes check out, before any certificate question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Integrity {
    /// The digest matches and the signature value verifies.
    Ok,
    /// The signed digest does not match the document.
    HashMismatch,
    /// The signature value does not verify with the signer's key.
    SignatureInvalid,
    /// sigaudit cannot check it (algorithm, missing signer certificate, SubFilter).
    Unsupported,
    /// The signature dictionary or CMS is malformed.
    Malformed,
}

/// The signer certificate, as reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignerReport {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// SHA-256 of the certificate, hex.
    pub sha256: String,
    /// Key, e.g. `RSA-2048`.
    pub key: String,
    /// The subject's UID attributes (a Vietnamese certificate's `CCCD:…`, `MST:…`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
}

/// A signature timestamp (or, for a document timestamp, its own token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimestampReport {
    /// genTime (RFC 3339).
    pub time: String,
    /// Whether the token verified (imprint, signature, TSA certificate and path).
    pub valid: bool,
    /// Why not, if not.
    pub reason: Option<String>,
    /// TSA certificate subject, if found.
    pub tsa: Option<String>,
}

/// Revocation status of the signer certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReport {
    /// A current CRL or OCSP response says not revoked.
    Good,
    /// Revoked.
    Revoked,
    /// No usable revocation data.
    Unknown,
    /// Not reached (an earlier check decided the verdict).
    NotChecked,
}

/// One signature's line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SignatureReport {
    /// Fully qualified field name.
    pub field: String,
    /// `/SubFilter`.
    pub subfilter: Option<String>,
    /// `/ByteRange` as written.
    pub byte_range: Option<Vec<i64>>,
    /// The revision (1-based) whose bytes hold the signature dictionary.
    pub revision: usize,
    /// Whether the signed ranges cover the whole file.
    pub covers_whole_file: bool,
    /// Integrity of the signature's own bytes.
    pub integrity: Integrity,
    /// ETSI main indication.
    pub indication: Indication,
    /// ETSI sub-indication.
    pub sub_indication: Option<SubIndication>,
    /// Why, in words.
    pub reason: Option<String>,
    /// The signer certificate, if identified.
    pub signer: Option<SignerReport>,
    /// Whose signature it is, from the signer certificate: `personal`, `organisation` or
    /// `unknown` (none when no signer was identified).
    pub role: Option<Role>,
    /// The signing time the signer claims (`/M` or the signing-time attribute; not trusted).
    pub signing_time: Option<String>,
    /// The signature timestamp, if any.
    pub timestamp: Option<TimestampReport>,
    /// Revocation status of the signer certificate.
    pub revocation: RevocationReport,
    /// The certificate path, leaf first, as subject DNs.
    pub chain: Vec<String>,
    /// What follows the signed revision.
    pub modifications: Modifications,
    /// Forbidden changes after the signed revision, and attacks on the signature itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<ChangeFinding>,
    /// What the signature declares about later changes (absent when nothing).
    #[serde(skip_serializing_if = "Permissions::is_empty")]
    pub permissions: Permissions,
    /// What did not stop the signature verifying but is not as the standards require: a
    /// signer key or signature value that was not DER (read as NSS reads it), a digest
    /// algorithm the signature algorithm's CMS profile forbids. Each is a workaround made
    /// visible, never a silent repair.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The URLs whose material this signature's checks used (`--online`): issuers from
    /// caIssuers, CRLs from distribution points, OCSP responders.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fetched: Vec<String>,
    /// What an ETSI TS 119 102-2 report names beyond this line, kept when the verifier is
    /// asked to (`VerifierBuilder::keep_validation_objects`).
    #[serde(skip)]
    pub(crate) objects: Option<Box<ValidationObjects>>,
}

/// A signature's validation objects and identifiers (ETSI TS 119 102-2, 4.3.2 and 4.4):
/// what the JSON line summarises, as bytes.
#[derive(Clone, Debug)]
pub(crate) struct ValidationObjects {
    /// The SignerInfo's signature value (or the raw PKCS#1 value of `adbe.x509.rsa_sha1`).
    pub(crate) signature_value: Vec<u8>,
    /// The digest of the signed bytes, with its algorithm.
    pub(crate) signed_digest: Option<(DigestAlgorithm, Vec<u8>)>,
    /// The certificate path, signer first, anchor last.
    pub(crate) path: Vec<Cert>,
    /// The signature timestamp token (DER), if any.
    pub(crate) timestamp_token: Option<Vec<u8>>,
    /// The earliest proof of existence of the signature, if any (seconds since the epoch).
    pub(crate) poe: Option<i64>,
    /// The CRL or OCSP response (`crl`/`ocsp`, its SHA-256) that settled the signer's status,
    /// and the revocation time when it says revoked.
    pub(crate) revocation: Option<(&'static str, [u8; 32], Option<i64>)>,
}

impl PartialEq for ValidationObjects {
    /// Certificates are the same when their DER is (their SHA-256 says so).
    fn eq(&self, other: &Self) -> bool {
        let path = |o: &Self| o.path.iter().map(|c| c.sha256).collect::<Vec<_>>();
        self.signature_value == other.signature_value
            && self.signed_digest == other.signed_digest
            && path(self) == path(other)
            && self.timestamp_token == other.timestamp_token
            && self.poe == other.poe
            && self.revocation == other.revocation
    }
}

/// What a signature's transform methods declare (ISO 32000-1 §12.8.2, Table 253).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Permissions {
    /// DocMDP level `P` (1–3) when the signature certifies the document (`/Perms /DocMDP`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certification: Option<i64>,
    /// FieldMDP: `/Action` (`All`, `Include`, `Exclude`) and `/Fields`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_lock: Option<(String, Vec<String>)>,
    /// Usage rights (`UR` or `UR3`, §12.8.2.3): reported, not enforced (they enable viewer
    /// features; they do not restrict changes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_rights: Option<String>,
}

impl Permissions {
    /// Whether the signature declares nothing.
    pub fn is_empty(&self) -> bool {
        self.certification.is_none() && self.field_lock.is_none() && self.usage_rights.is_none()
    }
}
