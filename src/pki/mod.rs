//! Certificate paths: trust anchors, intermediates, and path building (RFC 5280, 6.1).
//!
//! Paths are built from the signer up, webpki-style: every certificate whose subject equals the
//! current issuer name (and whose subject key identifier matches the authority key identifier,
//! where both exist) is a candidate; anchors are tried first, a certificate never appears twice
//! in a path, and the search is budgeted. When every candidate fails, the most specific failure
//! is reported (a constraint violation beats a bad signature, which beats "no issuer found").
//! Validity periods are checked by the caller at the time that applies (validation time, or a
//! proven signing time), because that time depends on timestamps, not on the path.

mod caches;
pub mod cert;

pub use caches::Caches;

use std::fmt;
use std::sync::Arc;

use cert::{fingerprint, Cert, Fingerprint};

/// Why a certificate or path was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PkiError {
    /// The certificate (or CRL, or response) does not parse.
    Malformed(String),
    /// No path leads to a trust anchor: no issuer certificate is known.
    NoIssuer {
        /// The issuer name that could not be found.
        issuer: String,
    },
    /// Issuer candidates exist but none signed the certificate.
    BadSignature {
        /// The subject of the certificate whose signature failed.
        subject: String,
    },
    /// A signature in the path uses an algorithm sigaudit cannot verify.
    UnsupportedAlgorithm(String),
    /// A CA certificate in the path is not allowed to issue (basicConstraints, keyUsage,
    /// pathLenConstraint).
    Constraints(String),
    /// The search budget ran out.
    Budget,
}

impl PkiError {
    /// Rank for "most specific failure wins".
    fn rank(&self) -> u8 {
        match self {
            PkiError::Constraints(_) => 5,
            PkiError::BadSignature { .. } => 4,
            PkiError::UnsupportedAlgorithm(_) => 3,
            PkiError::Budget => 2,
            PkiError::Malformed(_) => 1,
            PkiError::NoIssuer { .. } => 0,
        }
    }
}

impl fmt::Display for PkiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PkiError::Malformed(m) => write!(f, "malformed: {m}"),
            PkiError::NoIssuer { issuer } => {
                write!(f, "no path to a trust anchor: issuer {issuer:?} not found")
            }
            PkiError::BadSignature { subject } => {
                write!(
                    f,
                    "certificate {subject:?} is not signed by any issuer candidate"
                )
            }
            PkiError::UnsupportedAlgorithm(m) => write!(f, "unsupported algorithm: {m}"),
            PkiError::Constraints(m) => write!(f, "chain constraints: {m}"),
            PkiError::Budget => f.write_str("path building budget exhausted"),
        }
    }
}

impl std::error::Error for PkiError {}

/// Longest path searched, anchor included (RFC 5280 sets no limit; national hierarchies have
/// three levels, and web PKI paths rarely exceed five).
pub const MAX_PATH_LEN: usize = 8;
/// Most signature checks one path search may make (webpki uses 100): bounds the work a
/// hostile pool of same-named certificates can cause.
pub const MAX_SIGNATURE_CHECKS: u32 = 100;

/// Trust anchors and the intermediates supplied for the run.
#[derive(Default)]
pub struct TrustStore {
    anchors: Vec<Cert>,
    intermediates: Vec<Cert>,
    id: Fingerprint,
}

impl TrustStore {
    /// A store from parsed anchors and intermediates.
    pub fn new(anchors: Vec<Cert>, intermediates: Vec<Cert>) -> Self {
        // The identity of what a path search may use besides the document: the anchors and
        // the run's intermediates (path results are cached under it).
        let set = |certs: &[Cert]| {
            let mut ids: Vec<Fingerprint> = certs.iter().map(|c| c.sha256).collect();
            ids.sort();
            ids.dedup();
            fingerprint(&ids.concat())
        };
        let id = fingerprint(&[set(&anchors), set(&intermediates)].concat());
        TrustStore {
            anchors,
            intermediates,
            id,
        }
    }

    /// The anchors.
    pub fn anchors(&self) -> &[Cert] {
        &self.anchors
    }

    /// The run's intermediates (`--certs`).
    pub fn intermediates(&self) -> &[Cert] {
        &self.intermediates
    }

    /// Whether `c` is an anchor.
    pub fn is_anchor(&self, c: &Cert) -> bool {
        self.anchors.iter().any(|a| a.sha256 == c.sha256)
    }
}

/// The result of a path search for one leaf.
#[derive(Clone, Debug)]
pub enum PathOutcome {
    /// A path from the leaf (first) to an anchor (last).
    Found(Vec<Cert>),
    /// No acceptable path.
    Failed(PkiError),
}

/// Checks (once per run) that `issuer` signed `subject`.
pub fn signed_by(subject: &Cert, issuer: &Cert, caches: &Caches) -> Result<(), PkiError> {
    let ok = caches
        .signatures
        .get_or_compute((subject.sha256, issuer.sha256), || {
            subject.signed.verify(&issuer.key).is_ok()
        });
    if ok {
        return Ok(());
    }
    match subject.signed.verify(&issuer.key) {
        Err(crate::crypto::VerifyError::Unsupported(m)) => Err(PkiError::UnsupportedAlgorithm(m)),
        _ => Err(PkiError::BadSignature {
            subject: subject.subject.clone(),
        }),
    }
}

/// Builds a path for `leaf` using the store and the certificates the document offers
/// (`offered`: the CMS's and the DSS's). Candidates valid at `time` are tried first. Cached per
/// (leaf, store, validity epoch of `time`, offered CA set).
pub fn build_path(
    leaf: &Cert,
    offered: &[Cert],
    store: &TrustStore,
    time: i64,
    caches: &Caches,
) -> Arc<PathOutcome> {
    // Only CA certificates can be issuers in a path (`check_constraints`): the other
    // certificates a document offers (its other signers', the TSA's) do not belong in the key,
    // so documents with the same CAs share their path results.
    let offered: Vec<Cert> = offered
        .iter()
        .filter(|c| matches!(c.basic_constraints, Some((true, _))))
        .cloned()
        .collect();
    let mut ids: Vec<Fingerprint> = offered.iter().map(|c| c.sha256).collect();
    ids.sort();
    ids.dedup();
    // The search depends on `time` only through which candidates are valid at it: the number
    // of validity boundaries at or before `time` names that state exactly (it changes exactly
    // where some candidate's validity does), so times in the same interval share a result.
    let epoch = store
        .anchors()
        .iter()
        .chain(store.intermediates())
        .chain(&offered)
        .flat_map(|c| [c.not_before, c.not_after.saturating_add(1)])
        .filter(|&b| b <= time)
        .count() as i64;
    let key = (leaf.sha256, store.id, epoch, fingerprint(&ids.concat()));
    caches.paths.get_or_compute(key, || {
        // The search sees the offered certificates in a canonical order, so that the result
        // is a function of the cache key alone.
        let mut offered = offered;
        offered.sort_by_key(|c| c.sha256);
        offered.dedup_by_key(|c| c.sha256);
        let mut search = Search {
            store,
            offered: &offered,
            time,
            caches,
            budget: MAX_SIGNATURE_CHECKS,
        };
        let mut path = vec![leaf.clone()];
        Arc::new(match search.extend(&mut path) {
            Ok(()) => PathOutcome::Found(path),
            Err(e) => PathOutcome::Failed(e),
        })
    })
}

struct Search<'a> {
    store: &'a TrustStore,
    offered: &'a [Cert],
    time: i64,
    caches: &'a Caches,
    budget: u32,
}

impl Search<'_> {
    fn extend(&mut self, path: &mut Vec<Cert>) -> Result<(), PkiError> {
        let cur = path.last().expect("path starts with the leaf").clone();
        if self.store.is_anchor(&cur) {
            return check_constraints(path);
        }
        let mut candidates: Vec<(bool, bool, Cert)> = Vec::new();
        let mut seen: Vec<Fingerprint> = Vec::new();
        let pools = [
            (true, self.store.anchors()),
            (false, self.offered),
            (false, self.store.intermediates()),
        ];
        for (anchor, pool) in pools {
            for c in pool {
                if cur.could_be_issued_by(c)
                    && !seen.contains(&c.sha256)
                    && !path.iter().any(|p| p.sha256 == c.sha256)
                {
                    seen.push(c.sha256);
                    let anchor = anchor || self.store.is_anchor(c);
                    candidates.push((anchor, c.valid_at(self.time), c.clone()));
                }
            }
        }
        // Anchors first, then certificates valid at the time; stable within each group.
        candidates.sort_by_key(|(a, v, _)| (!*a, !*v));
        let mut best = PkiError::NoIssuer {
            issuer: cur.issuer.clone(),
        };
        for (anchor, _, c) in candidates {
            if self.budget == 0 {
                return Err(PkiError::Budget);
            }
            self.budget -= 1;
            let depth = path.len();
            let attempt = signed_by(&cur, &c, self.caches).and_then(|()| {
                path.push(c.clone());
                let r = if anchor {
                    check_constraints(path)
                } else if path.len() >= MAX_PATH_LEN {
                    Err(PkiError::Constraints(format!(
                        "path longer than {MAX_PATH_LEN} certificates"
                    )))
                } else {
                    self.extend(path)
                };
                if r.is_err() {
                    path.truncate(depth);
                }
                r
            });
            match attempt {
                Ok(()) => return Ok(()),
                Err(PkiError::Budget) => return Err(PkiError::Budget),
                Err(e) if e.rank() >= best.rank() => best = e,
                Err(_) => {}
            }
        }
        Err(best)
    }
}

/// Checks the CA certificates of a complete path (leaf first, anchor last): each issuer must be
/// a CA (`basicConstraints cA TRUE`, RFC 5280 4.2.1.9), may sign certificates if it has a key
/// usage (`keyCertSign`, 4.2.1.3), and its `pathLenConstraint` must cover the non-self-issued
/// intermediates below it. The anchor's own constraints are honoured where it has them.
pub fn check_constraints(path: &[Cert]) -> Result<(), PkiError> {
    for (i, ca) in path.iter().enumerate().skip(1) {
        let anchor = i == path.len() - 1;
        match ca.basic_constraints {
            Some((true, path_len)) => {
                if let Some(max) = path_len {
                    // Intermediates strictly between the leaf and this CA.
                    let below = path[1..i].iter().filter(|c| !c.self_issued()).count();
                    if below > max as usize {
                        return Err(PkiError::Constraints(format!(
                            "{:?} allows {max} intermediate(s) below it, the path has {below}",
                            ca.subject
                        )));
                    }
                }
            }
            // A v1 anchor without extensions is trusted as configured.
            None if anchor => {}
            _ => {
                return Err(PkiError::Constraints(format!(
                    "{:?} issues certificates but is not a CA",
                    ca.subject
                )))
            }
        }
        if let Some((_, _, cert_sign, _)) = ca.key_usage {
            if !cert_sign {
                return Err(PkiError::Constraints(format!(
                    "{:?} lacks the keyCertSign key usage",
                    ca.subject
                )));
            }
        }
    }
    Ok(())
}
