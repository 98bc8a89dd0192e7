//! The labelled cases a corpus mixes, and the profiles that choose them.

use clap::ValueEnum;

/// What a generated document is, and therefore what a correct verifier must say of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Case {
    /// Every signature valid, trusted, not revoked; later revisions only add signatures.
    Valid,
    /// One signature uses SHA-1 (legacy software): below today's crypto constraints.
    LegacySha1,
    /// A byte inside a signed range changed after signing (HASH_FAILURE for each signature
    /// covering it).
    TamperedSignedByte,
    /// One signature's value is corrupted (SIG_CRYPTO_FAILURE).
    BadSignatureValue,
    /// One signature was made with a key other than its certificate's (SIG_CRYPTO_FAILURE).
    WrongSigningKey,
    /// One signature's signed message-digest attribute does not match the document
    /// (HASH_FAILURE).
    MessageDigestMismatch,
    /// One signer's certificate is on its CA's CRL (REVOKED_NO_POE: no timestamp proves the
    /// signature predates the revocation).
    RevokedSigner,
    /// One signer's certificate expired before the signing time (OUT_OF_BOUNDS_NO_POE).
    ExpiredSigner,
    /// One signer's certificate chains to a root no verifier trusts (NO_CERTIFICATE_CHAIN_FOUND).
    UnknownRoot,
    /// One signature's CMS lacks the signer certificate (NO_SIGNING_CERTIFICATE_FOUND).
    NoSigningCertificate,
    /// An unsigned incremental update after the last signature rewrites page content.
    ModifiedAfterSigning,
    /// The file was cut short (ERROR).
    Truncated,
    /// The file is not a PDF (ERROR).
    NotPdf,
    /// The file is empty (ERROR).
    EmptyFile,
    /// One signer's certificate was revoked in 2024; its signature carries a valid signature
    /// timestamp from 2025 or later, which proves the signature was made after the revocation
    /// (TOTAL_FAILED/REVOKED).
    RevokedSignerTimestamped,
    /// One signer's certificate was revoked on 2026-05-31 at noon; its signature carries a
    /// valid signature timestamp from before that, which proves it existed before the
    /// revocation (TOTAL_PASSED).
    RevokedAfterTimestamp,
    /// As [`Case::RevokedAfterTimestamp`], but the timestamp's messageImprint does not match
    /// the signature value: no proof of existence (REVOKED_NO_POE).
    ForgedSignatureTimestamp,
    /// An LTV document whose document timestamp's messageImprint does not match its byte
    /// range (HASH_FAILURE on the document timestamp).
    TamperedDocumentTimestamp,
    /// An LTV document where one signer was revoked in 2024 and its DSS OCSP response says so;
    /// no signature timestamp (REVOKED_NO_POE).
    OcspRevokedSigner,
    /// Shadow attack, hide variant: page 1's content ends by drawing a form XObject (`/Ov0 Do`)
    /// that paints an opaque white box with a benign amount over the page's real amount line;
    /// after the signatures an unsigned update replaces that XObject by an empty one (same
    /// `/BBox`), revealing the amount beneath (finding `shadow_hide`).
    ShadowHide,
    /// Shadow attack, replace variant: after the signatures an unsigned update replaces the font
    /// page 1 uses by one whose `/Differences [49 /nine]` renders every `1` as `9` (finding
    /// `shadow_replace`).
    ShadowReplace,
    /// Shadow attack, hide-and-replace variant: the original revision also holds a content
    /// stream no page uses (page 1's text with another amount); after the signatures an unsigned
    /// update points page 1's `/Contents` at it (finding `shadow_hide_and_replace`).
    ShadowHideAndReplace,
    /// Incremental saving attack with a parser differential: after the signatures, page 1's
    /// content stream is redefined by bytes no cross-reference section reaches (no xref at
    /// all, or a table that the last `startxref` does not point to); a reader rebuilding the
    /// xref by scanning would show them (finding `unreachable_update`). Documents with an odd
    /// 0-based index get the table, the others `%%EOF` only, so the `attacks` cycle (27 long)
    /// alternates between the two.
    UnreachableUpdate,
    /// Signature wrapping: the last signature's `/ByteRange` gap holds its `/Contents` (the DER
    /// without its zero padding) followed by ` /Wrapped <00…>`; every signed byte unchanged
    /// (TOTAL_FAILED/FORMAT_FAILURE, finding `signature_wrapping`, modifications forbidden).
    SignatureWrapping,
    /// Universal signature forgery: the last signature's `/Contents` is all zeros, every other
    /// byte unchanged (TOTAL_FAILED/FORMAT_FAILURE, finding `universal_forgery`).
    UniversalForgery,
    /// Evil annotation attack: the first signature certifies the document (DocMDP, P=2: form
    /// filling and signing allowed), later ones approve it; after them an unsigned update adds a
    /// FreeText annotation to page 1 (finding `certification_violation`).
    CertificationViolation,
    /// A text field (`SoVanBan`, the document number) locked by the first signature's FieldMDP
    /// (`/Lock` on its field, `/Reference` in its dictionary) changes value and appearance in
    /// an unsigned update after the signatures (finding `field_lock_violation`).
    FieldLockViolation,
    /// Positive: the first signature certifies the document (DocMDP, P=2), later signatures
    /// approve it (signing is permitted at P=2); no unsigned update (TOTAL_PASSED).
    CertifiedValid,
    /// A document of the `algorithms` profile: one signature with the key and algorithm of
    /// [`crate::algorithms::CASES`]`[case]`, or (`twin`) the same with one bit of the
    /// signature value flipped.
    Algorithm {
        /// Index into [`crate::algorithms::CASES`].
        case: u8,
        /// The negative twin.
        twin: bool,
    },
    /// A case of the `vn-policy` profile (see [`crate::vn::VnCase`]).
    Vn(crate::vn::VnCase),
}

impl Case {
    /// Every negative case, in the order profiles cycle through them. The published PDF
    /// signature attacks come last, so that the first eighteen entries of the cycle (and the
    /// 32-document sample, which reaches only the first thirteen) stay what they were.
    pub const NEGATIVE: [Case; 26] = [
        Case::TamperedSignedByte,
        Case::BadSignatureValue,
        Case::RevokedSigner,
        Case::ExpiredSigner,
        Case::UnknownRoot,
        Case::ModifiedAfterSigning,
        Case::Truncated,
        Case::NotPdf,
        Case::LegacySha1,
        Case::WrongSigningKey,
        Case::MessageDigestMismatch,
        Case::NoSigningCertificate,
        Case::EmptyFile,
        Case::RevokedSignerTimestamped,
        Case::RevokedAfterTimestamp,
        Case::ForgedSignatureTimestamp,
        Case::TamperedDocumentTimestamp,
        Case::OcspRevokedSigner,
        Case::ShadowHide,
        Case::ShadowReplace,
        Case::ShadowHideAndReplace,
        Case::UnreachableUpdate,
        Case::SignatureWrapping,
        Case::UniversalForgery,
        Case::CertificationViolation,
        Case::FieldLockViolation,
    ];

    /// What the `attacks` and `mixed` profiles cycle through: every negative case, then one
    /// positive certified document ([`Case::CertifiedValid`]), the benign counterpart of
    /// [`Case::CertificationViolation`] (one labelled document in 27).
    pub const LABELLED: [Case; 27] = {
        let mut out = [Case::CertifiedValid; 27];
        let mut i = 0;
        while i < Case::NEGATIVE.len() {
            out[i] = Case::NEGATIVE[i];
            i += 1;
        }
        out
    };

    /// The negative cases of the `national` profile (one document in ten): the first nine of
    /// [`Case::NEGATIVE`], then the timestamp and LTV cases.
    pub const NATIONAL_NEGATIVE: &'static [Case] = &[
        Case::TamperedSignedByte,
        Case::BadSignatureValue,
        Case::RevokedSigner,
        Case::ExpiredSigner,
        Case::UnknownRoot,
        Case::ModifiedAfterSigning,
        Case::Truncated,
        Case::NotPdf,
        Case::LegacySha1,
        Case::RevokedSignerTimestamped,
        Case::RevokedAfterTimestamp,
        Case::ForgedSignatureTimestamp,
        Case::TamperedDocumentTimestamp,
        Case::OcspRevokedSigner,
    ];

    /// The negative cases of the `benchmark` profile: ones that integrity-only and full
    /// validators alike can judge offline.
    pub const BENCHMARK_NEGATIVE: &'static [Case] = &[
        Case::TamperedSignedByte,
        Case::BadSignatureValue,
        Case::RevokedSigner,
    ];

    /// The label written in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Case::Valid => "valid",
            Case::LegacySha1 => "legacy_sha1",
            Case::TamperedSignedByte => "tampered_signed_byte",
            Case::BadSignatureValue => "bad_signature_value",
            Case::WrongSigningKey => "wrong_signing_key",
            Case::MessageDigestMismatch => "message_digest_mismatch",
            Case::RevokedSigner => "revoked_signer",
            Case::ExpiredSigner => "expired_signer",
            Case::UnknownRoot => "unknown_root",
            Case::NoSigningCertificate => "no_signing_certificate",
            Case::ModifiedAfterSigning => "modified_after_signing",
            Case::Truncated => "truncated",
            Case::NotPdf => "not_pdf",
            Case::EmptyFile => "empty_file",
            Case::RevokedSignerTimestamped => "revoked_signer_timestamped",
            Case::RevokedAfterTimestamp => "revoked_after_timestamp",
            Case::ForgedSignatureTimestamp => "forged_signature_timestamp",
            Case::TamperedDocumentTimestamp => "tampered_document_timestamp",
            Case::OcspRevokedSigner => "ocsp_revoked_signer",
            Case::ShadowHide => "shadow_hide",
            Case::ShadowReplace => "shadow_replace",
            Case::ShadowHideAndReplace => "shadow_hide_and_replace",
            Case::UnreachableUpdate => "unreachable_update",
            Case::SignatureWrapping => "signature_wrapping",
            Case::UniversalForgery => "universal_forgery",
            Case::CertificationViolation => "certification_violation",
            Case::FieldLockViolation => "field_lock_violation",
            Case::CertifiedValid => "certified_valid",
            Case::Algorithm { case, twin } => crate::algorithms::CASES[case as usize].name(twin),
            Case::Vn(case) => case.name(),
        }
    }

    /// Whether the generator writes no signed PDF at all for this case.
    pub fn is_unreadable(self) -> bool {
        matches!(self, Case::NotPdf | Case::EmptyFile)
    }

    /// Whether every signature of the document carries a signature timestamp.
    pub fn timestamps_signatures(self) -> bool {
        matches!(
            self,
            Case::RevokedSignerTimestamped
                | Case::RevokedAfterTimestamp
                | Case::ForgedSignatureTimestamp
        )
    }

    /// Whether the first signature is a certification signature (DocMDP, P=2).
    pub fn certifies(self) -> bool {
        matches!(self, Case::CertificationViolation | Case::CertifiedValid)
    }

    /// Whether the document always ends with the LTV updates (DSS, document timestamp).
    pub fn always_ltv(self) -> bool {
        matches!(
            self,
            Case::TamperedDocumentTimestamp | Case::OcspRevokedSigner
        )
    }
}

/// Which cases a corpus holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// Modelled on Vietnamese government e-documents: one document in ten is a labelled
    /// negative case.
    National,
    /// Every document is labelled, cycling through all negative kinds (the published PDF
    /// signature attacks included) and, one document in 27, a certified valid document.
    Attacks,
    /// Both: about 60 % valid documents, the rest cycling as in `attacks`.
    Mixed,
    /// The profiling classes (`profiling/`): exactly six signatures per document (four by an
    /// organisation's RSA-2048 key, two by people's ECDSA P-256 keys), no timestamps, no DSS;
    /// one document in twenty is a tampered byte, a bad signature value or a revoked signer,
    /// so that tools comparing speeds also have verdicts to agree on.
    Benchmark,
    /// Every signer key and signature algorithm sigaudit verifies (RSA PKCS#1 v1.5 and PSS of
    /// 512 to 4096 bits with SHA-1, SHA-2 and SHA-3, a modulus that is not DER, ECDSA on the
    /// NIST and brainpool curves, Ed25519, Ed448), one signature per document, each followed
    /// by its negative twin (one bit of the signature flipped): documents cycle through
    /// [`crate::algorithms::CYCLE`].
    Algorithms,
    /// Vietnamese government issued documents (Circular 01/2019/TT-BNV: the competent person's
    /// signature, then the organisation's seal and its signatures on the number, day, month and
    /// year) under a Vietnamese-like test PKI of their own, cycling through
    /// [`crate::vn::CASES`]: one document passing every rule of the `vn-gov-issued` policy, one
    /// breaking each rule, and a dossier of three files; the manifest adds the policy's
    /// expected findings.
    VnPolicy,
}

impl Profile {
    /// Whether documents have the fixed shape of [`Profile::Benchmark`].
    pub fn fixed_shape(self) -> bool {
        self == Profile::Benchmark
    }
}

/// Chooses each document's case. Negatives cycle through their list so that even a small corpus
/// holds every kind; whether a document is negative is drawn from `u` (uniform in `[0,1)`).
pub struct CasePicker {
    negative_share: f64,
    list: Vec<Case>,
    next_negative: usize,
}

impl CasePicker {
    /// A picker for `profile`.
    pub fn new(profile: Profile) -> Self {
        CasePicker::with_modes(profile, &crate::modes::Modes::default())
    }

    /// A picker for `profile` whose cycle skips the cases `modes` does not generate
    /// ([`crate::modes::Modes::dropped_cases`]).
    pub fn with_modes(profile: Profile, modes: &crate::modes::Modes) -> Self {
        let (negative_share, list): (f64, &[Case]) = match profile {
            Profile::National => (0.10, Case::NATIONAL_NEGATIVE),
            Profile::Attacks => (1.0, &Case::LABELLED),
            Profile::Mixed => (0.40, &Case::LABELLED),
            Profile::Benchmark => (0.05, Case::BENCHMARK_NEGATIVE),
            Profile::Algorithms => (1.0, &crate::algorithms::CYCLE),
            Profile::VnPolicy => (1.0, &crate::vn::CYCLE),
        };
        CasePicker {
            negative_share,
            list: list
                .iter()
                .copied()
                .filter(|&c| modes.generates(c))
                .collect(),
            next_negative: 0,
        }
    }

    /// The case of the next document.
    pub fn pick(&mut self, u: f64) -> Case {
        if u < self.negative_share {
            let c = self.list[self.next_negative % self.list.len()];
            self.next_negative += 1;
            c
        } else {
            Case::Valid
        }
    }
}
