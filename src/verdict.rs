//! ETSI EN 319 102-1 validation statuses: the vocabulary of every verdict sigaudit gives.
//!
//! ETSI EN 319 102-1 V1.3.1, clause 5.1.3 (Table 4 "Validation Report Structure and Semantics",
//! Table 5 "Main status indications"): a signature validation process returns one of three main
//! indications, `TOTAL-PASSED`, `TOTAL-FAILED` or `INDETERMINATE`, and, for the latter two, a
//! sub-indication giving the reason. sigaudit writes them with underscores (`TOTAL_PASSED`), as
//! the ETSI TS 119 102-2 validation report and EU DSS do.
//!
//! A verdict is data, not an error: a forged signature is a successful validation whose result is
//! `TOTAL_FAILED`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The main status indication (ETSI EN 319 102-1, clause 5.1.3, Table 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Indication {
    /// "The signature validation process results into TOTAL-PASSED based on the following
    /// considerations: the cryptographic checks of the signature succeeded … and all the
    /// validation constraints … are satisfied."
    TotalPassed,
    /// "The available information is insufficient to ascertain the signature to be TOTAL-PASSED
    /// or TOTAL-FAILED."
    Indeterminate,
    /// "The signature validation process results into TOTAL-FAILED because the cryptographic
    /// checks of the signature failed (including checks of hashes of individual data objects
    /// that have been signed indirectly), or it is proven that the generation of the signature
    /// took place after the revocation of the signing certificate."
    TotalFailed,
}

impl Indication {
    /// The name as written in reports, e.g. `TOTAL_PASSED`.
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

/// Sub-indications (ETSI EN 319 102-1, clause 5.1.3, Table 6), each with the main indication it
/// belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum SubIndication {
    /// TOTAL-FAILED: "the signature is not conformant to one of the base standards".
    FormatFailure,
    /// TOTAL-FAILED: "at least one hash of a signed data object(s) that has been included in the
    /// signing process does not match the corresponding hash value in the signature".
    HashFailure,
    /// TOTAL-FAILED: "the signature value in the signature could not be verified using the
    /// signer's public key in the signing certificate".
    SigCryptoFailure,
    /// TOTAL-FAILED: "the signing certificate was revoked at the signing time" (proven by a POE).
    Revoked,
    /// TOTAL-FAILED: "the signing certificate was expired at the signing time" (proven by a POE).
    Expired,
    /// TOTAL-FAILED: "the signing time lies before the issuance date of the signing
    /// certificate" (proven by a POE).
    NotYetValid,
    /// INDETERMINATE: "the signature does not match one of the constraints of the validation
    /// policy" (signature constraints).
    SigConstraintsFailure,
    /// INDETERMINATE: "the certificate chain used in the validation process does not match the
    /// validation constraints related to the certificate".
    ChainConstraintsFailure,
    /// INDETERMINATE: "the set of certificates available for chain validation produced an error
    /// for an unspecified reason".
    CertificateChainGeneralFailure,
    /// INDETERMINATE: "at least one of the algorithms that have been used in material (e.g. the
    /// signature value, a certificate…) involved in validating the signature, or the size of a
    /// key used with such an algorithm, is below the required cryptographic security level, and
    /// … this material was produced after the time up to which this algorithm/key was considered
    /// secure (if such a time is known)".
    CryptoConstraintsFailure,
    /// INDETERMINATE: as [`SubIndication::CryptoConstraintsFailure`], "and there is no proof of
    /// existence of this material prior to the time up to which this algorithm/key was
    /// considered secure".
    CryptoConstraintsFailureNoPoe,
    /// INDETERMINATE: "the signing certificate is expired or not yet valid at the validation
    /// date/time and the Signature Validation Algorithm cannot ascertain that the signing time
    /// lies within the validity interval of the signing certificate".
    OutOfBoundsNoPoe,
    /// INDETERMINATE: as [`SubIndication::OutOfBoundsNoPoe`], but "the signing certificate is not
    /// revoked".
    OutOfBoundsNotRevoked,
    /// INDETERMINATE: "the signing certificate was revoked at the validation date/time. However,
    /// the Signature Validation Algorithm cannot ascertain that the signing time lies before or
    /// after the revocation time".
    RevokedNoPoe,
    /// INDETERMINATE: "at least one certificate chain was found but an intermediate CA
    /// certificate is revoked".
    RevokedCaNoPoe,
    /// INDETERMINATE: "a proof of existence is missing to ascertain that a signed object has
    /// been produced before some compromising event".
    NoPoe,
    /// INDETERMINATE: "not all constraints can be fulfilled using available information.
    /// However, it may be possible to do so using additional revocation information that will be
    /// available at a later point of time".
    TryLater,
    /// INDETERMINATE: "the signed data cannot be obtained".
    SignedDataNotFound,
    /// INDETERMINATE: "the signing certificate cannot be identified".
    NoSigningCertificateFound,
    /// INDETERMINATE: "the certificate chain for the signing certificate cannot be built up to a
    /// trust anchor".
    NoCertificateChainFound,
    /// INDETERMINATE: "a given formal policy file could not be processed".
    PolicyProcessingError,
    /// INDETERMINATE: "for a custom diagnostic not specified in the present document"
    /// (§5.1.3: when no sub-indication of Table 6 maps to the reason, "the SVA shall return a
    /// custom diagnostic"). sigaudit returns it when it cannot perform a check at all — an
    /// algorithm no crate here verifies — with the reason naming what: the signature is
    /// neither shown good nor bad, and no constraint of the policy rejected it.
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

    /// The name as written in reports, e.g. `HASH_FAILURE`.
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

/// The status of a whole document: an ETSI indication, or `ERROR` when the document could not
/// be validated at all (not a PDF, truncated, unreadable).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DocumentStatus {
    /// Every signature is `TOTAL_PASSED` and nothing but permitted updates follows them.
    TotalPassed,
    /// The worst signature is `INDETERMINATE`.
    Indeterminate,
    /// A signature is `TOTAL_FAILED`, or the document was changed in a forbidden way after
    /// signing.
    TotalFailed,
    /// The document could not be read as a signed PDF.
    Error,
}

impl DocumentStatus {
    /// The name as written in reports, e.g. `TOTAL_PASSED`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde() {
        for s in [
            SubIndication::HashFailure,
            SubIndication::CryptoConstraintsFailureNoPoe,
            SubIndication::NoCertificateChainFound,
            SubIndication::OutOfBoundsNoPoe,
        ] {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<SubIndication>(&json).unwrap(), s);
        }
        assert_eq!(
            serde_json::to_string(&Indication::TotalPassed).unwrap(),
            "\"TOTAL_PASSED\""
        );
        assert_eq!(
            serde_json::to_string(&DocumentStatus::Error).unwrap(),
            "\"ERROR\""
        );
    }

    #[test]
    fn sub_indications_belong_to_their_table_6_indication() {
        assert_eq!(
            SubIndication::HashFailure.indication(),
            Indication::TotalFailed
        );
        assert_eq!(SubIndication::Revoked.indication(), Indication::TotalFailed);
        assert_eq!(
            SubIndication::RevokedNoPoe.indication(),
            Indication::Indeterminate
        );
        assert_eq!(
            SubIndication::NoCertificateChainFound.indication(),
            Indication::Indeterminate
        );
    }

    #[test]
    fn document_status_orders_worst_last() {
        assert!(DocumentStatus::TotalPassed < DocumentStatus::Indeterminate);
        assert!(DocumentStatus::Indeterminate < DocumentStatus::TotalFailed);
        assert!(Indication::Indeterminate < Indication::TotalFailed);
    }
}
