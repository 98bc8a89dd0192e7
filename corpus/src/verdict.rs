//! The verdict vocabulary of the manifest: ETSI EN 319 102-1 validation statuses.
//!
//! The generator is the test oracle, so it has a vocabulary of its own rather than the
//! verifier's types: a change to sigaudit cannot silently change what the manifest expects.
//! ETSI EN 319 102-1 V1.3.1, clause 5.1.3: three main indications (Table 5), `TOTAL-PASSED`,
//! `TOTAL-FAILED` and `INDETERMINATE`, the latter two with a sub-indication (Table 6), written
//! with underscores (`TOTAL_PASSED`) as the ETSI TS 119 102-2 validation report and sigaudit's
//! reports do. Tests compare the manifest with a verifier's report by these names
//! ([`Indication::as_str`] and the like), never by type.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The main status indication (ETSI EN 319 102-1, clause 5.1.3, Table 5). Ordered from best to
/// worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Indication {
    /// The cryptographic checks succeeded and every validation constraint is satisfied.
    TotalPassed,
    /// The available information does not decide between passed and failed.
    Indeterminate,
    /// The cryptographic checks failed, or the signature is proven to postdate the revocation
    /// of its signing certificate.
    TotalFailed,
}

impl Indication {
    /// The name as the manifest writes it, e.g. `TOTAL_PASSED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Indication::TotalPassed => "TOTAL_PASSED",
            Indication::Indeterminate => "INDETERMINATE",
            Indication::TotalFailed => "TOTAL_FAILED",
        }
    }
}

impl fmt::Display for Indication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Sub-indications (ETSI EN 319 102-1, clause 5.1.3, Table 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubIndication {
    /// TOTAL-FAILED: the signature is not conformant to one of the base standards.
    FormatFailure,
    /// TOTAL-FAILED: a hash of signed data does not match the signature's.
    HashFailure,
    /// TOTAL-FAILED: the signature value does not verify with the signer's public key.
    SigCryptoFailure,
    /// TOTAL-FAILED: the signing certificate was revoked at the signing time (proven by a POE).
    Revoked,
    /// TOTAL-FAILED: the signing certificate was expired at the signing time (proven by a POE).
    Expired,
    /// TOTAL-FAILED: the signing time lies before the signing certificate's issuance.
    NotYetValid,
    /// INDETERMINATE: the signature does not match the policy's signature constraints.
    SigConstraintsFailure,
    /// INDETERMINATE: the certificate chain does not match the policy's constraints.
    ChainConstraintsFailure,
    /// INDETERMINATE: chain validation failed for an unspecified reason.
    CertificateChainGeneralFailure,
    /// INDETERMINATE: an algorithm or key size is below the required security level.
    CryptoConstraintsFailure,
    /// INDETERMINATE: as [`SubIndication::CryptoConstraintsFailure`], with no proof of existence
    /// before the algorithm or key stopped being considered secure.
    CryptoConstraintsFailureNoPoe,
    /// INDETERMINATE: the signing certificate is outside its validity and no POE places the
    /// signing time inside it.
    OutOfBoundsNoPoe,
    /// INDETERMINATE: as [`SubIndication::OutOfBoundsNoPoe`], the certificate not revoked.
    OutOfBoundsNotRevoked,
    /// INDETERMINATE: the signing certificate is revoked and no POE places the signing time
    /// before the revocation.
    RevokedNoPoe,
    /// INDETERMINATE: an intermediate CA certificate is revoked.
    RevokedCaNoPoe,
    /// INDETERMINATE: a proof of existence is missing.
    NoPoe,
    /// INDETERMINATE: revocation information available later may decide.
    TryLater,
    /// INDETERMINATE: the signed data cannot be obtained.
    SignedDataNotFound,
    /// INDETERMINATE: the signing certificate cannot be identified.
    NoSigningCertificateFound,
    /// INDETERMINATE: no certificate chain up to a trust anchor can be built.
    NoCertificateChainFound,
    /// INDETERMINATE: a formal policy file could not be processed.
    PolicyProcessingError,
    /// INDETERMINATE: a custom diagnostic (a check that cannot be performed at all).
    Custom,
}

impl SubIndication {
    /// The main indication this sub-indication belongs to (Table 6).
    pub fn indication(self) -> Indication {
        use SubIndication::*;
        match self {
            FormatFailure | HashFailure | SigCryptoFailure | Revoked | Expired | NotYetValid => {
                Indication::TotalFailed
            }
            _ => Indication::Indeterminate,
        }
    }

    /// The name as the manifest writes it, e.g. `HASH_FAILURE`.
    pub fn as_str(self) -> &'static str {
        use SubIndication::*;
        match self {
            FormatFailure => "FORMAT_FAILURE",
            HashFailure => "HASH_FAILURE",
            SigCryptoFailure => "SIG_CRYPTO_FAILURE",
            Revoked => "REVOKED",
            Expired => "EXPIRED",
            NotYetValid => "NOT_YET_VALID",
            SigConstraintsFailure => "SIG_CONSTRAINTS_FAILURE",
            ChainConstraintsFailure => "CHAIN_CONSTRAINTS_FAILURE",
            CertificateChainGeneralFailure => "CERTIFICATE_CHAIN_GENERAL_FAILURE",
            CryptoConstraintsFailure => "CRYPTO_CONSTRAINTS_FAILURE",
            CryptoConstraintsFailureNoPoe => "CRYPTO_CONSTRAINTS_FAILURE_NO_POE",
            OutOfBoundsNoPoe => "OUT_OF_BOUNDS_NO_POE",
            OutOfBoundsNotRevoked => "OUT_OF_BOUNDS_NOT_REVOKED",
            RevokedNoPoe => "REVOKED_NO_POE",
            RevokedCaNoPoe => "REVOKED_CA_NO_POE",
            NoPoe => "NO_POE",
            TryLater => "TRY_LATER",
            SignedDataNotFound => "SIGNED_DATA_NOT_FOUND",
            NoSigningCertificateFound => "NO_SIGNING_CERTIFICATE_FOUND",
            NoCertificateChainFound => "NO_CERTIFICATE_CHAIN_FOUND",
            PolicyProcessingError => "POLICY_PROCESSING_ERROR",
            Custom => "CUSTOM",
        }
    }
}

impl fmt::Display for SubIndication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status of a whole document: an indication, or `ERROR` when it cannot be validated at
/// all. Ordered from best to worst (a document gets its worst signature's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DocumentStatus {
    /// Every signature is `TOTAL_PASSED` and nothing but permitted updates follows them.
    TotalPassed,
    /// The worst signature is `INDETERMINATE`.
    Indeterminate,
    /// A signature is `TOTAL_FAILED`, or the document was changed in a forbidden way.
    TotalFailed,
    /// The document cannot be read as a signed PDF.
    Error,
}

impl DocumentStatus {
    /// The name as the manifest writes it, e.g. `TOTAL_PASSED`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::TotalPassed => "TOTAL_PASSED",
            DocumentStatus::Indeterminate => "INDETERMINATE",
            DocumentStatus::TotalFailed => "TOTAL_FAILED",
            DocumentStatus::Error => "ERROR",
        }
    }
}

impl From<Indication> for DocumentStatus {
    fn from(i: Indication) -> Self {
        match i {
            Indication::TotalPassed => DocumentStatus::TotalPassed,
            Indication::Indeterminate => DocumentStatus::Indeterminate,
            Indication::TotalFailed => DocumentStatus::TotalFailed,
        }
    }
}

impl fmt::Display for DocumentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What follows a signature's revision (ISO 32000-2, 12.8.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Modifications {
    /// Nothing: the signature covers the whole file.
    None,
    /// Only permitted updates: signature fields and their values, DSS, document timestamps.
    Permitted,
    /// An update that changes what a reader sees.
    Forbidden,
}

impl Modifications {
    /// The name as the manifest writes it, e.g. `permitted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Modifications::None => "none",
            Modifications::Permitted => "permitted",
            Modifications::Forbidden => "forbidden",
        }
    }
}

impl fmt::Display for Modifications {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name serialises to itself (the manifest's bytes depend on it).
    #[test]
    fn serialised_names_are_the_etsi_names() {
        use SubIndication::*;
        let subs = [
            FormatFailure,
            HashFailure,
            SigCryptoFailure,
            Revoked,
            Expired,
            NotYetValid,
            SigConstraintsFailure,
            ChainConstraintsFailure,
            CertificateChainGeneralFailure,
            CryptoConstraintsFailure,
            CryptoConstraintsFailureNoPoe,
            OutOfBoundsNoPoe,
            OutOfBoundsNotRevoked,
            RevokedNoPoe,
            RevokedCaNoPoe,
            NoPoe,
            TryLater,
            SignedDataNotFound,
            NoSigningCertificateFound,
            NoCertificateChainFound,
            PolicyProcessingError,
            Custom,
        ];
        let json = |v: serde_json::Value| v.as_str().expect("a string").to_string();
        for s in subs {
            assert_eq!(json(serde_json::to_value(s).unwrap()), s.as_str());
            let back: SubIndication = serde_json::from_value(s.as_str().into()).unwrap();
            assert_eq!(back, s);
        }
        for i in [
            Indication::TotalPassed,
            Indication::Indeterminate,
            Indication::TotalFailed,
        ] {
            assert_eq!(json(serde_json::to_value(i).unwrap()), i.as_str());
            assert_eq!(DocumentStatus::from(i).as_str(), i.as_str(), "same names");
        }
        assert_eq!(
            json(serde_json::to_value(DocumentStatus::Error).unwrap()),
            "ERROR"
        );
        for m in [
            Modifications::None,
            Modifications::Permitted,
            Modifications::Forbidden,
        ] {
            assert_eq!(json(serde_json::to_value(m).unwrap()), m.as_str());
        }
    }

    #[test]
    fn sub_indications_belong_to_their_table_6_indication() {
        assert_eq!(
            SubIndication::FormatFailure.indication(),
            Indication::TotalFailed
        );
        assert_eq!(SubIndication::Revoked.indication(), Indication::TotalFailed);
        assert_eq!(
            SubIndication::RevokedNoPoe.indication(),
            Indication::Indeterminate
        );
        assert_eq!(
            SubIndication::Custom.indication(),
            Indication::Indeterminate
        );
    }

    #[test]
    fn document_status_orders_worst_last() {
        assert!(DocumentStatus::TotalPassed < DocumentStatus::Indeterminate);
        assert!(DocumentStatus::Indeterminate < DocumentStatus::TotalFailed);
        assert!(DocumentStatus::TotalFailed < DocumentStatus::Error);
    }
}
