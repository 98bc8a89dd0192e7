//! The revocation stage's caches: CRL parses with their serial index, CRL signature checks
//! and OCSP results, each bounded in bytes.

use std::sync::Arc;

use super::{Crl, OcspStatus};
use crate::cache::{flat, Bounded, SLOT};
use crate::pki::cert::Fingerprint;

/// CRLs and OCSP results shared by every document of a run.
pub struct Caches {
    /// Parsed CRLs with their revoked-serial index, by SHA-256 of their DER.
    pub crls: Bounded<Fingerprint, Option<Arc<Crl>>>,
    /// CRL signature checks by (CRL, issuer) fingerprints.
    pub crl_signatures: Bounded<(Fingerprint, Fingerprint), bool>,
    /// OCSP results by (response, certificate, issuer) fingerprints.
    pub ocsp: Bounded<(Fingerprint, Fingerprint, Fingerprint), Option<OcspStatus>>,
}

impl Caches {
    /// Empty caches of at most these many estimated bytes each.
    pub fn new(crls: u64, crl_signatures: u64, ocsp: u64) -> Caches {
        Caches {
            crls: Bounded::new(crls, 1 << 20, |_, c| {
                SLOT + 40 + c.as_ref().map_or(0, |c| c.heap_bytes)
            }),
            crl_signatures: Bounded::new(crl_signatures, 128, flat),
            ocsp: Bounded::new(ocsp, 160, flat),
        }
    }
}
