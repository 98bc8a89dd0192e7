//! Signature-level defects: one signature's own bytes are wrong (a flipped bit of its value, the
//! wrong key, a message-digest attribute that does not match, no signer certificate, SHA-1),
//! whatever the rest of the document is.

use super::shape::SigSpec;
use crate::cases::Case;
use crate::cms::{DigestAlg, SubFilter};
use crate::keys::{KeyKind, KeyStore};
use crate::verdict::{Indication, SubIndication};

/// Gives `s` the defect of `case`, with the verdict it must get; other cases leave it alone.
pub(super) fn apply(case: Case, s: &mut SigSpec<'_>, keys: &KeyStore) {
    match case {
        Case::LegacySha1 => {
            s.digest = DigestAlg::Sha1;
            s.subfilter = SubFilter::Pkcs7Detached;
            s.expected = (
                Indication::Indeterminate,
                Some(SubIndication::CryptoConstraintsFailureNoPoe),
            );
        }
        Case::BadSignatureValue => {
            s.defects.corrupt_signature = true;
            s.expected = (
                Indication::TotalFailed,
                Some(SubIndication::SigCryptoFailure),
            );
        }
        Case::WrongSigningKey => {
            s.signing_key = same_kind(keys, s.signer.kind, s.signer.key);
            s.expected = (
                Indication::TotalFailed,
                Some(SubIndication::SigCryptoFailure),
            );
        }
        Case::MessageDigestMismatch => {
            s.defects.wrong_message_digest = true;
            s.expected = (Indication::TotalFailed, Some(SubIndication::HashFailure));
        }
        Case::NoSigningCertificate => {
            s.defects.omit_signer_certificate = true;
            s.expected = (
                Indication::Indeterminate,
                Some(SubIndication::NoSigningCertificateFound),
            );
        }
        _ => {}
    }
}

/// The next signer key after `not` of the same kind.
fn same_kind(keys: &KeyStore, kind: KeyKind, not: usize) -> usize {
    (0..keys.signers.len())
        .map(|i| (i + not + 1) % keys.signers.len())
        .find(|&i| keys.signers[i].kind() == kind && i != not)
        .expect("another key of the same kind")
}

/// The usual reason: the first signature that is not `TOTAL_PASSED` and its sub-indication.
pub(super) fn first_failure(sigs: &[SigSpec<'_>]) -> Option<String> {
    let k = sigs
        .iter()
        .position(|s| s.expected.0 != Indication::TotalPassed)?;
    Some(format!(
        "signature Sig{}_{}: {}",
        k + 1,
        sigs[k].role,
        sigs[k].expected.1.map_or("", |s| s.as_str())
    ))
}
