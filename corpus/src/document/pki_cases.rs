//! Cases decided by the PKI and by proofs of existence: a revoked, expired or untrusted signer,
//! signature timestamps that prove (or fail to prove) when a signature was made, a DSS OCSP
//! response that says revoked, a tampered document timestamp.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::ltv::DOC_TS_FIELD;
use super::shape::{draw, SigSpec};
use crate::cases::Case;
use crate::pki::{Pki, SignerStatus, LATE_REVOCATION};
use crate::time::{rfc3339, Unix};
use crate::verdict::{Indication, SubIndication};

/// Gives `s` the signer of `case`, with the verdict it must get; other cases leave it alone.
pub(super) fn apply<'a>(case: Case, s: &mut SigSpec<'a>, pki: &'a Pki, rng: &mut ChaCha8Rng) {
    let pools = &pki.pools;
    match case {
        Case::RevokedSigner => {
            s.sign_as(draw(pki, &pools.revoked, rng));
            s.expected = (Indication::Indeterminate, Some(SubIndication::RevokedNoPoe));
        }
        Case::RevokedSignerTimestamped | Case::OcspRevokedSigner => {
            s.sign_as(draw(pki, &pools.revoked, rng));
            s.expected = if case == Case::RevokedSignerTimestamped {
                // The timestamp (2025+) proves the signature was made after the revocation.
                (Indication::TotalFailed, Some(SubIndication::Revoked))
            } else {
                (Indication::Indeterminate, Some(SubIndication::RevokedNoPoe))
            };
        }
        Case::RevokedAfterTimestamp | Case::ForgedSignatureTimestamp => {
            s.sign_as(&pki.late_revoked[rng.gen_range(0..pki.late_revoked.len())]);
            if case == Case::ForgedSignatureTimestamp {
                s.wrong_timestamp = true;
                s.expected = (Indication::Indeterminate, Some(SubIndication::RevokedNoPoe));
            }
        }
        Case::ExpiredSigner => {
            s.sign_as(draw(pki, &pools.expired, rng));
            s.expected = (
                Indication::Indeterminate,
                Some(SubIndication::OutOfBoundsNoPoe),
            );
        }
        Case::UnknownRoot => {
            s.sign_as(&pki.rogue_signers[rng.gen_range(0..pki.rogue_signers.len())]);
            s.expected = (
                Indication::Indeterminate,
                Some(SubIndication::NoCertificateChainFound),
            );
        }
        _ => {}
    }
}

/// The reason of the timestamp and LTV cases, which say what the proofs of existence prove;
/// `None` for other cases. Signature `k` is the one [`apply`] changed; `timestamps` are the
/// signatures' signature timestamps.
pub(super) fn reason(
    case: Case,
    k: usize,
    sigs: &[SigSpec<'_>],
    timestamps: &[Option<Unix>],
) -> Option<String> {
    let field = format!("Sig{}_{}", k + 1, sigs[k].role);
    let revoked_at = || match sigs[k].signer.status {
        SignerStatus::Revoked(at) => at,
        _ => unreachable!("revoked signer"),
    };
    let timestamp = || rfc3339(timestamps[k].expect("timestamped"));
    Some(match case {
        Case::RevokedAfterTimestamp => format!(
            "signature {field}: signer certificate revoked {}, after its signature timestamp {}: the timestamp proves the signature existed before the revocation",
            rfc3339(LATE_REVOCATION),
            timestamp()
        ),
        Case::ForgedSignatureTimestamp => format!(
            "signature {field}: REVOKED_NO_POE (signer certificate revoked {}; the signature timestamp's messageImprint does not match the signature value, so it proves nothing)",
            rfc3339(LATE_REVOCATION)
        ),
        Case::RevokedSignerTimestamped => format!(
            "signature {field}: REVOKED (certificate revoked {}; the signature timestamp {} proves the signature was made after that)",
            rfc3339(revoked_at()),
            timestamp()
        ),
        Case::OcspRevokedSigner => format!(
            "signature {field}: REVOKED_NO_POE (the DSS OCSP response says revoked {}; no signature timestamp)",
            rfc3339(revoked_at())
        ),
        Case::TamperedDocumentTimestamp => format!(
            "document timestamp {DOC_TS_FIELD}: HASH_FAILURE (its messageImprint does not match its byte range)"
        ),
        _ => return None,
    })
}
