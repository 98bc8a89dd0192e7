//! The validation policy's constraints (ETSI EN 319 102-1, 5.2.8 signature acceptance
//! validation; the cryptographic constraints of ETSI TS 119 312).

use super::reason::Weakness;
use super::{Outcome, Reason};
use crate::crypto::oid as alg;
use crate::pki::cert::Cert;

/// The validation policy's graded constraints.
///
/// ```
/// use sigaudit::{Policy, ValidationTime};
///
/// let policy = Policy {
///     require_revocation: false,
///     ..Policy::default()
/// };
/// assert_eq!(
///     ValidationTime::from_unix(policy.sha1_until).to_string(),
///     "2016-01-01T00:00:00Z"
/// );
/// ```
#[derive(Clone, Debug)]
pub struct Policy {
    /// SHA-1 digests are acceptable for signatures proven to exist before this instant
    /// (seconds since the epoch; ETSI TS 119 312 and SOG-IS retire SHA-1 for signatures;
    /// default 2016-01-01).
    pub sha1_until: i64,
    /// RSA keys shorter than 2048 bits are acceptable for signatures proven to exist before
    /// this instant (default 2014-01-01, when NIST SP 800-131A disallowed them).
    pub small_rsa_until: i64,
    /// Whether a signer certificate without usable revocation data is INDETERMINATE/TRY_LATER
    /// (true) or accepted and reported as `unknown` (false).
    pub require_revocation: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            sha1_until: 1_451_606_400,      // 2016-01-01T00:00:00Z
            small_rsa_until: 1_388_534_400, // 2014-01-01T00:00:00Z
            require_revocation: true,
        }
    }
}

/// Graded algorithm constraints: SHA-1 and RSA keys under 2048 bits are acceptable for
/// signatures proven to exist before the policy's cut-off dates (ETSI TS 119 312). `poe` is
/// the earliest proof of existence of the signature; the validation time `at` is the latest
/// any signature has (whatever is at hand exists then).
pub(super) fn constraints(
    o: &mut Outcome,
    policy: &Policy,
    at: i64,
    legacy_digest: bool,
    signer: &Cert,
    poe: Option<i64>,
) {
    let small_rsa =
        matches!(signer.key.algorithm, alg::RSA | alg::RSA_PSS) && signer.key.size < 2048;
    for (weak, until, weakness) in [
        (legacy_digest, policy.sha1_until, Weakness::Sha1),
        (small_rsa, policy.small_rsa_until, Weakness::SmallRsa),
    ] {
        if !weak {
            continue;
        }
        match poe {
            _ if at < until => {}
            Some(t) if t < until => {}
            proven => o.fail(Reason::WeakAlgorithm {
                weakness,
                until,
                proven,
            }),
        }
    }
}
