//! What a corpus embeds for a verifier: revocation data (`--revocation`) and certificate chains
//! (`--chain`).
//!
//! Real Vietnamese government documents carry only the signer's certificate in each CMS: no
//! intermediate, no CRL or OCSP response, no document security store, no document timestamp.
//! A verifier must fetch the issuing CA's certificate (the certificate's caIssuers URL), the
//! CRLs (its CRL distribution points) or OCSP responses (its OCSP URL) over HTTP; the corpus'
//! `pki/www` mirror and `sigaudit-corpus serve` answer those URLs.
//!
//! The manifest's verdicts are always those of a verifier that gets what it needs: the offline
//! files (`--trust pki/roots --certs pki/intermediates --crl pki/crls`) or, equally, the
//! served mirror. Whatever is left out of the documents is on the mirror, so every case keeps
//! its meaning except the two that are about embedded validation data, which
//! [`Revocation::Omitted`] does not generate (see [`Modes::dropped_cases`]).

use clap::ValueEnum;
use serde::{Deserialize, Serialize};

use crate::cases::Case;

/// Whether documents embed revocation and validation data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, ValueEnum, Serialize, Deserialize)]
pub enum Revocation {
    /// Today's documents: valid documents draw the LTV updates (a DSS with the chain
    /// certificates, the CAs' CRLs and one OCSP response per signer, then a document
    /// timestamp) one time in five, and the LTV cases always have them. (No CMS ever carries
    /// CRLs or an adbe-revocationInfoArchival attribute.)
    #[default]
    #[value(name = "embedded")]
    #[serde(rename = "embedded")]
    Embedded,
    /// As real government documents: no DSS, no document timestamp, no CRL or OCSP response
    /// anywhere in the file. Signature timestamps (proofs of existence, not validation data)
    /// stay as drawn.
    #[value(name = "none")]
    #[serde(rename = "none")]
    Omitted,
}

/// Which certificates the signatures' CMS carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, ValueEnum, Serialize, Deserialize)]
pub enum Chain {
    /// The signer's certificate and its issuing CA's (today's documents).
    #[default]
    #[value(name = "full")]
    #[serde(rename = "full")]
    Full,
    /// The signer's certificate only; a verifier fetches the issuing CA from the certificate's
    /// caIssuers URL. Timestamp tokens keep the TSA's certificate, as real ones do.
    #[value(name = "leaf")]
    #[serde(rename = "leaf")]
    Leaf,
}

/// The corpus' modes. The default is today's corpora, byte for byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Modes {
    /// What the documents embed of revocation and validation data.
    pub revocation: Revocation,
    /// What the signatures' CMS carries of the chain.
    pub chain: Chain,
}

/// The cases [`Revocation::Omitted`] drops: their meaning is embedded validation data.
///
/// - [`Case::OcspRevokedSigner`]: a revoked signer whose *DSS* OCSP response says so. Without
///   a DSS it is [`Case::RevokedSigner`] (REVOKED_NO_POE from the fetched CRL or OCSP
///   response), which the corpus already holds.
/// - [`Case::TamperedDocumentTimestamp`]: a tampered document timestamp, which only the LTV
///   updates carry.
///
/// Every other case means the same with the mirror: revoked, late-revoked and timestamped
/// signers are judged from the served CRLs and OCSP responses (the same revocation data the
/// offline `pki/crls` hold, the OCSP responder answering from those CRLs); expired signers
/// are out of bounds whatever the revocation data; unknown-root signers' caIssuers URLs lead
/// to the rogue root, which no trust store holds; a CMS without the signer's certificate
/// names no URL to fetch it from; the other cases are about the signed bytes.
const DROPPED_WITHOUT_REVOCATION: [Case; 2] =
    [Case::OcspRevokedSigner, Case::TamperedDocumentTimestamp];

impl Modes {
    /// The cases these modes do not generate (the profiles' cycles skip them).
    pub fn dropped_cases(&self) -> &'static [Case] {
        match self.revocation {
            Revocation::Embedded => &[],
            Revocation::Omitted => &DROPPED_WITHOUT_REVOCATION,
        }
    }

    /// Whether `case` is generated under these modes.
    pub fn generates(&self, case: Case) -> bool {
        !self.dropped_cases().contains(&case)
    }

    /// Whether documents may end with the LTV updates (DSS, document timestamp).
    pub fn allows_ltv(&self) -> bool {
        self.revocation == Revocation::Embedded
    }

    /// Whether a signature's CMS carries its issuing CA's certificate.
    pub fn embeds_issuer(&self) -> bool {
        self.chain == Chain::Full
    }
}

impl Revocation {
    /// The command-line and `params.json` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Revocation::Embedded => "embedded",
            Revocation::Omitted => "none",
        }
    }
}

impl Chain {
    /// The command-line and `params.json` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Chain::Full => "full",
            Chain::Leaf => "leaf",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_drop_nothing_and_none_drops_the_embedded_data_cases() {
        let default = Modes::default();
        assert!(default.dropped_cases().is_empty());
        assert!(default.allows_ltv() && default.embeds_issuer());
        let none = Modes {
            revocation: Revocation::Omitted,
            chain: Chain::Leaf,
        };
        assert!(!none.generates(Case::OcspRevokedSigner));
        assert!(!none.generates(Case::TamperedDocumentTimestamp));
        assert!(none.generates(Case::RevokedSigner));
        assert!(!none.allows_ltv() && !none.embeds_issuer());
        assert_eq!(
            serde_json::to_string(&none).unwrap(),
            r#"{"revocation":"none","chain":"leaf"}"#
        );
    }
}
