//! Why a signature is not TOTAL-PASSED: one typed reason per check that can fail, each with
//! its context, and the one place a reason becomes an ETSI EN 319 102-1 sub-indication and
//! text.
//!
//! ETSI EN 319 102-1 V1.3.1, clause 5.1.3: "the SVA shall return … a sub-indication" and
//! "may provide additional information … why the validation result has been obtained". The
//! sub-indication is [`Reason::sub_indication`]; the additional information is the reason's
//! text ([`std::fmt::Display`]), which reports carry as written.
//!
//! Where each family of errors leads: a CMS that cannot be read is not conformant to its base
//! standard (FORMAT_FAILURE). A signature value that does not verify is SIG_CRYPTO_FAILURE;
//! one whose signature algorithm contradicts the signer's key is FORMAT_FAILURE ("not
//! conformant to one of the base standards to the extent that the cryptographic verification
//! building block is unable to process it"); one whose algorithm sigaudit cannot check is
//! INDETERMINATE/CUSTOM (§5.1.3: no Table 6 sub-indication maps to "the validator does not
//! implement the algorithm", and CRYPTO_CONSTRAINTS_FAILURE would say the algorithm is below
//! the required security level, which nobody established). Path errors: a constraint
//! violation is CHAIN_CONSTRAINTS_FAILURE, a path whose certificates do not verify is
//! CERTIFICATE_CHAIN_GENERAL_FAILURE, an unverifiable algorithm in the path CUSTOM, and no
//! path at all NO_CERTIFICATE_CHAIN_FOUND.

use std::fmt;

use super::time::rfc3339;
use crate::asn1::Oid;
use crate::cms::CmsError;
use crate::crypto::{self, VerifyError};
use crate::digest::RangeProblem;
use crate::pki::PkiError;
use crate::policy::Rule;
use crate::verdict::SubIndication;

/// Why a signature (or document timestamp) failed a check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    // --- Format (ISO 32000 §12.8, RFC 5652, RFC 3161) ---
    /// `[0 a b c]` reaching past the end of the file, its gap exactly this signature's
    /// `/Contents`: the range was made for this signature and the bytes have changed since.
    ByteRangePastEnd {
        byte_range: Vec<i64>,
        file_len: usize,
    },
    /// A `/ByteRange` that cannot be used to hash anything.
    UnusableByteRange { problems: Vec<RangeProblem> },
    /// A usable range that is not the standard one (the gap is not exactly `/Contents`).
    NonStandardByteRange { problems: Vec<RangeProblem> },
    /// No `/Contents` value.
    NoContents,
    /// A `/SubFilter` outside the formats the policy accepts.
    UnsupportedSubFilter(String),
    /// The CMS does not parse.
    Cms(CmsError),
    /// A document timestamp token without its TSTInfo.
    TimestampWithoutTstInfo,
    /// A document timestamp's TSTInfo does not parse.
    TstInfo(CmsError),
    /// The TSTInfo cannot be read where integrity is checked.
    UnreadableTstInfo,
    /// ISO 32000-2, 12.8.3.3.1: "only a single signer shall be present".
    SignerInfoCount(usize),
    /// ETSI EN 319 142-1, 6.3: a detached signature's eContent is absent.
    ContentInDetached,
    /// RFC 5652, 5.3: exactly one message-digest and at most one content-type.
    SignedAttributeCount,
    /// RFC 5652, 11.1: the content-type attribute names the content's type.
    ContentTypeMismatch,
    /// RFC 6211: the algorithm protection attribute names the SignerInfo's algorithms.
    AlgorithmProtectionMismatch,
    /// Neither signed attributes nor content: nothing the signature value could cover.
    NothingToVerify,
    // --- Integrity ---
    /// The digest algorithm is not one sigaudit computes.
    UnsupportedDigest(Oid),
    /// The message-digest attribute is not the digest of the signed bytes.
    MessageDigestMismatch,
    /// `adbe.pkcs7.sha1`: the encapsulated SHA-1 is not the digest of the signed bytes.
    EmbeddedSha1Mismatch,
    /// A document timestamp's message imprint is not the digest of the signed bytes.
    ImprintMismatch,
    /// The signature value was checked and failed, or could not be checked.
    SignatureValue(VerifyError),
    // --- Signer identification ---
    /// The SignerIdentifier matches no certificate at hand.
    SignerCertificateNotFound,
    /// `adbe.x509.rsa_sha1` without a readable `/Cert`.
    RawRsaWithoutCertificate,
    /// The ESS signing-certificate attribute does not name the signer.
    SigningCertificate(EssFault),
    // --- Certificates (path, usage, validity, revocation) ---
    /// No acceptable path to a trust anchor.
    Path(PkiError),
    /// No path, and fetching the missing issuer failed (each failure names its URL).
    IssuerNotFetched { path: PkiError, fetching: String },
    /// The signer certificate's key usage allows neither signing bit.
    KeyUsage,
    /// A TSA certificate without id-kp-timeStamping.
    NoTimestampingUsage,
    /// The signer certificate expired before the signature's proven signing time.
    ExpiredBeforeSigning { not_after: i64, signing: i64 },
    /// The proven time precedes the signer certificate's notBefore.
    NotYetValid { proven: i64, not_before: i64 },
    /// A certificate of the path is not valid at the validation time and no proof of
    /// existence shows an earlier time at which it was.
    OutOfBounds {
        subject: String,
        not_before: i64,
        not_after: i64,
    },
    /// The signer certificate was revoked before the signature's proven signing time.
    RevokedBeforeSigning { revoked: i64, signing: i64 },
    /// The signer certificate is revoked and nothing proves the signature older.
    RevokedNoPoe { revoked: i64 },
    /// A CA certificate of the path is revoked.
    CaRevoked { subject: String, revoked: i64 },
    /// The policy requires revocation data and there is none usable for the signer.
    NoRevocationData { reason: String },
    /// The signer certificate has expired at the validation time and no revocation data able
    /// to speak for it is at hand (revocation data issued after the expiry need not list it:
    /// RFC 5280, 3.3); the proof of existence before the expiry cannot be completed.
    ExpiredNoRevocationData { not_after: i64, reason: String },
    // --- Policy ---
    /// A rule of the validation policy at FAIL (ETSI EN 319 102-1, 5.1.3 and 5.2.8: the
    /// signature does not meet the constraints of the signature validation policy).
    Policy { rule: Rule, detail: String },
    /// An algorithm or key size acceptable only for signatures proven to exist before
    /// `until`; `proven` is the proof of existence there is, if any.
    WeakAlgorithm {
        weakness: Weakness,
        until: i64,
        proven: Option<i64>,
    },
}

/// What is wrong with an ESS signing-certificate attribute (RFC 2634, 5.4; RFC 5035, 3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EssFault {
    /// No SigningCertificate value.
    Empty,
    /// No ESSCertID in it.
    NoCertId,
    /// The ESSCertID is not a SEQUENCE of its fields.
    MalformedCertId,
    /// The ESSCertID is an empty SEQUENCE.
    EmptyCertId,
    /// The hashAlgorithm does not parse.
    BadHashAlgorithm,
    /// No certHash.
    NoCertHash,
    /// A hash sigaudit does not compute.
    UnsupportedHash(Oid),
    /// The hash is another certificate's.
    OtherCertificate,
}

/// Algorithms and key sizes the policy accepts only before a date (ETSI TS 119 312).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Weakness {
    /// A SHA-1 digest.
    Sha1,
    /// A key smaller than the policy's minimum for its kind.
    SmallKey {
        /// `RSA` or `EC`.
        kind: &'static str,
        /// The key's size, bits.
        bits: u32,
        /// The policy's minimum, bits.
        min: u32,
    },
}

impl Reason {
    /// The sub-indication (ETSI EN 319 102-1, clause 5.1.3, Table 6) the reason leads to.
    pub(crate) fn sub_indication(&self) -> SubIndication {
        use Reason::*;
        use SubIndication as S;
        match self {
            ByteRangePastEnd { .. }
            | MessageDigestMismatch
            | EmbeddedSha1Mismatch
            | ImprintMismatch => S::HashFailure,
            UnusableByteRange { .. }
            | NonStandardByteRange { .. }
            | NoContents
            | Cms(_)
            | TimestampWithoutTstInfo
            | TstInfo(_)
            | UnreadableTstInfo
            | SignerInfoCount(_)
            | ContentInDetached
            | SignedAttributeCount
            | ContentTypeMismatch
            | AlgorithmProtectionMismatch
            | NothingToVerify => S::FormatFailure,
            UnsupportedSubFilter(_) => S::SigConstraintsFailure,
            UnsupportedDigest(_) => S::CryptoConstraintsFailure,
            SignatureValue(e) => signature(e),
            SignerCertificateNotFound | RawRsaWithoutCertificate | SigningCertificate(_) => {
                S::NoSigningCertificateFound
            }
            Path(e) => path(e),
            IssuerNotFetched { path: e, .. } => path(e),
            KeyUsage | NoTimestampingUsage => S::ChainConstraintsFailure,
            ExpiredBeforeSigning { .. } => S::Expired,
            NotYetValid { .. } => S::NotYetValid,
            OutOfBounds { .. } => S::OutOfBoundsNoPoe,
            RevokedBeforeSigning { .. } => S::Revoked,
            RevokedNoPoe { .. } => S::RevokedNoPoe,
            CaRevoked { .. } => S::RevokedCaNoPoe,
            NoRevocationData { .. } => S::TryLater,
            ExpiredNoRevocationData { .. } => S::OutOfBoundsNoPoe,
            Policy {
                rule: Rule::TrustAnchor,
                ..
            } => S::ChainConstraintsFailure,
            Policy { .. } => S::SigConstraintsFailure,
            WeakAlgorithm {
                proven: Some(_), ..
            } => S::CryptoConstraintsFailure,
            WeakAlgorithm { proven: None, .. } => S::CryptoConstraintsFailureNoPoe,
        }
    }
}

/// A failed signature-value check.
fn signature(e: &VerifyError) -> SubIndication {
    match e {
        VerifyError::Invalid => SubIndication::SigCryptoFailure,
        VerifyError::Mismatch(_) => SubIndication::FormatFailure,
        _ => SubIndication::Custom,
    }
}

/// A failed path search.
fn path(e: &PkiError) -> SubIndication {
    match e {
        PkiError::Constraints(_) => SubIndication::ChainConstraintsFailure,
        PkiError::BadSignature { .. } => SubIndication::CertificateChainGeneralFailure,
        PkiError::UnsupportedAlgorithm(_) => SubIndication::Custom,
        _ => SubIndication::NoCertificateChainFound,
    }
}

/// `RangeProblem`s as reports list them.
fn problems(p: &[RangeProblem]) -> String {
    p.iter()
        .map(|p| format!("{p:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Reason::*;
        match self {
            ByteRangePastEnd {
                byte_range,
                file_len,
            } => write!(
                f,
                "the /ByteRange {byte_range:?} reaches past the end of the file ({file_len} \
                 bytes): the bytes it signed are no longer all in this file (cut short or \
                 rewritten after signing)"
            ),
            UnusableByteRange { problems: p } if p.is_empty() => f.write_str("unusable /ByteRange"),
            UnusableByteRange { problems: p } => write!(f, "unusable /ByteRange: {}", problems(p)),
            NonStandardByteRange { problems: p } => {
                write!(f, "non-standard /ByteRange: {}", problems(p))
            }
            NoContents => f.write_str("no /Contents"),
            UnsupportedSubFilter(s) => write!(f, "SubFilter /{s} is not supported"),
            Cms(e) => write!(f, "{e}"),
            TimestampWithoutTstInfo => f.write_str("timestamp token without TSTInfo"),
            TstInfo(e) => write!(f, "TSTInfo: {e}"),
            UnreadableTstInfo => f.write_str("unreadable TSTInfo"),
            SignerInfoCount(n) => write!(f, "{n} SignerInfos; a PDF signature has exactly one"),
            ContentInDetached => f.write_str("encapsulated content in a detached signature"),
            SignedAttributeCount => f.write_str(
                "signed attributes need exactly one message-digest and at most one content-type",
            ),
            ContentTypeMismatch => f.write_str("content-type attribute does not match the content"),
            AlgorithmProtectionMismatch => {
                f.write_str("CMS algorithm protection attribute does not match the SignerInfo")
            }
            NothingToVerify => f.write_str("no signed attributes and no content to verify"),
            UnsupportedDigest(oid) => write!(
                f,
                "digest algorithm {} is not supported",
                crypto::oid::name(oid)
            ),
            MessageDigestMismatch => {
                f.write_str("the message-digest attribute does not match the signed bytes")
            }
            EmbeddedSha1Mismatch => {
                f.write_str("the encapsulated SHA-1 does not match the signed bytes")
            }
            ImprintMismatch => {
                f.write_str("the timestamp's message imprint does not match the signed bytes")
            }
            SignatureValue(VerifyError::Unsupported(m)) => {
                write!(f, "cannot verify: {m} is not supported")
            }
            SignatureValue(VerifyError::Mismatch(m)) => f.write_str(m),
            SignatureValue(_) => {
                f.write_str("the signature value does not verify with the signer's public key")
            }
            SignerCertificateNotFound => f.write_str(
                "the signer's certificate is in neither the CMS, the DSS nor the given \
                 certificates",
            ),
            RawRsaWithoutCertificate => {
                f.write_str("adbe.x509.rsa_sha1 signature without a readable /Cert")
            }
            SigningCertificate(e) => write!(f, "signing-certificate attribute: {e}"),
            Path(e) => write!(f, "{e}"),
            IssuerNotFetched { path, fetching } => {
                write!(f, "{path}; fetching the issuer: {fetching}")
            }
            KeyUsage => f.write_str(
                "the signer certificate allows neither digitalSignature nor nonRepudiation",
            ),
            NoTimestampingUsage => {
                f.write_str("the TSA certificate lacks the id-kp-timeStamping extended key usage")
            }
            ExpiredBeforeSigning { not_after, signing } => write!(
                f,
                "the signer certificate expired on {}, before the signature's proven time {}",
                rfc3339(*not_after),
                rfc3339(*signing)
            ),
            NotYetValid { proven, not_before } => write!(
                f,
                "the signature's proven time {} precedes the signer certificate's notBefore {}",
                rfc3339(*proven),
                rfc3339(*not_before)
            ),
            OutOfBounds {
                subject,
                not_before,
                not_after,
            } => write!(
                f,
                "certificate {subject:?} is valid {} .. {}, not at the validation time, and no \
                 timestamp proves an earlier signing time",
                rfc3339(*not_before),
                rfc3339(*not_after)
            ),
            RevokedBeforeSigning { revoked, signing } => write!(
                f,
                "the signer certificate was revoked on {}, before the signature's proven time {}",
                rfc3339(*revoked),
                rfc3339(*signing)
            ),
            RevokedNoPoe { revoked } => write!(
                f,
                "the signer certificate was revoked on {} and no timestamp proves the signature \
                 is older",
                rfc3339(*revoked)
            ),
            CaRevoked { subject, revoked } => write!(
                f,
                "CA certificate {subject:?} was revoked on {}",
                rfc3339(*revoked)
            ),
            NoRevocationData { reason } => write!(
                f,
                "no usable revocation data for the signer certificate: {reason}"
            ),
            ExpiredNoRevocationData { not_after, reason } => write!(
                f,
                "the signer certificate expired on {} and no revocation data shows it was not \
                 revoked before then: {reason}",
                rfc3339(*not_after)
            ),
            Policy { rule, detail } => write!(f, "policy rule {rule}: {detail}"),
            WeakAlgorithm {
                weakness,
                until,
                proven,
            } => write!(
                f,
                "uses {weakness}, acceptable only before {}; {}",
                rfc3339(*until),
                match proven {
                    Some(_) => "the signature is proven to exist only later",
                    None => "no timestamp proves the signature existed then",
                }
            ),
        }
    }
}

impl fmt::Display for EssFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EssFault::Empty => f.write_str("empty"),
            EssFault::NoCertId => f.write_str("no ESSCertID"),
            EssFault::MalformedCertId => f.write_str("malformed ESSCertID"),
            EssFault::EmptyCertId => f.write_str("empty ESSCertID"),
            EssFault::BadHashAlgorithm => f.write_str("bad hashAlgorithm"),
            EssFault::NoCertHash => f.write_str("no certHash"),
            EssFault::UnsupportedHash(oid) => {
                write!(f, "hash {} not supported", crypto::oid::name(oid))
            }
            EssFault::OtherCertificate => {
                f.write_str("names a certificate other than the signer's")
            }
        }
    }
}

impl fmt::Display for Weakness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Weakness::Sha1 => f.write_str("SHA-1"),
            Weakness::SmallKey { kind, bits, min } => {
                write!(f, "a {bits}-bit {kind} key (the policy's minimum is {min})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_family_leads_to_its_table_6_sub_indication() {
        let cases = [
            (Reason::MessageDigestMismatch, SubIndication::HashFailure),
            (
                Reason::SignatureValue(VerifyError::Invalid),
                SubIndication::SigCryptoFailure,
            ),
            (
                Reason::SignatureValue(VerifyError::Unsupported("Ed448".into())),
                SubIndication::Custom,
            ),
            (
                Reason::SignatureValue(VerifyError::Mismatch("x".into())),
                SubIndication::FormatFailure,
            ),
            (
                Reason::Path(PkiError::Constraints("pathLen".into())),
                SubIndication::ChainConstraintsFailure,
            ),
            (
                Reason::Path(PkiError::NoIssuer { issuer: "X".into() }),
                SubIndication::NoCertificateChainFound,
            ),
            (
                Reason::WeakAlgorithm {
                    weakness: Weakness::Sha1,
                    until: 0,
                    proven: None,
                },
                SubIndication::CryptoConstraintsFailureNoPoe,
            ),
            (
                Reason::WeakAlgorithm {
                    weakness: Weakness::Sha1,
                    until: 0,
                    proven: Some(1),
                },
                SubIndication::CryptoConstraintsFailure,
            ),
            (
                Reason::RevokedBeforeSigning {
                    revoked: 1,
                    signing: 2,
                },
                SubIndication::Revoked,
            ),
        ];
        for (reason, sub) in cases {
            assert_eq!(reason.sub_indication(), sub, "{reason}");
        }
    }

    #[test]
    fn reasons_carry_their_context_into_the_text() {
        let r = Reason::ExpiredBeforeSigning {
            not_after: 1_600_000_000,
            signing: 1_700_000_000,
        };
        assert_eq!(
            r.to_string(),
            "the signer certificate expired on 2020-09-13T12:26:40Z, before the signature's \
             proven time 2023-11-14T22:13:20Z"
        );
        assert_eq!(
            Reason::UnusableByteRange {
                problems: vec![RangeProblem::Missing]
            }
            .to_string(),
            "unusable /ByteRange: Missing"
        );
        assert_eq!(
            Reason::UnusableByteRange { problems: vec![] }.to_string(),
            "unusable /ByteRange"
        );
    }
}
