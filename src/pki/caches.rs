//! The path stage's caches: certificate parses, issuer→subject signature checks, and whole
//! path results, each bounded in bytes.

use std::sync::Arc;

use super::cert::{Cert, Certificate, Fingerprint};
use super::PathOutcome;
use crate::cache::{flat, Bounded, SLOT};

/// Certificates, signature checks and paths shared by every document of a run.
pub struct Caches {
    /// Certificates by SHA-256 of their DER (`None`: the DER does not parse).
    pub certificates: Bounded<Fingerprint, Option<Cert>>,
    /// Issuer→subject signature checks by (subject, issuer) fingerprints.
    pub signatures: Bounded<(Fingerprint, Fingerprint), bool>,
    /// Whole path results by (leaf, trust store (anchors and run intermediates), validity
    /// epoch of the time, CA certificates the document offers).
    pub paths: Bounded<(Fingerprint, Fingerprint, i64, Fingerprint), Arc<PathOutcome>>,
}

impl Caches {
    /// Empty caches of at most these many estimated bytes each.
    pub fn new(certificates: u64, signatures: u64, paths: u64) -> Caches {
        Caches {
            certificates: Bounded::new(certificates, 4096, |_, c| {
                SLOT + 40 + c.as_ref().map_or(0, |c| c.heap_bytes())
            }),
            signatures: Bounded::new(signatures, 128, flat),
            paths: Bounded::new(paths, 256, |k, p| {
                flat(k, p)
                    + match &**p {
                        PathOutcome::Found(path) => 16 + 8 * path.len() as u64,
                        PathOutcome::Failed(_) => 128, // the error's message
                    }
            }),
        }
    }

    /// A certificate from its DER, parsed once per run (while it stays cached).
    pub fn certificate(&self, der: &[u8]) -> Option<Cert> {
        let fp = super::cert::fingerprint(der);
        self.certificates
            .get_or_compute(fp, || Certificate::parse(der).ok().map(Arc::new))
    }
}
