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
    /// DSS CRL streams already decoded: SHA-256 of (filters, raw stream bytes) → SHA-256 of
    /// the decoded CRL and its decoded length. A known stream is not inflated again; its CRL
    /// is taken from `crls` (and inflated as usual when `crls` has evicted it).
    pub dss_streams: Bounded<Fingerprint, (Fingerprint, u64)>,
}

/// Bytes of the DSS stream memo: 32 + 40 bytes an entry and a slot, so some 9,000 distinct
/// CRL streams — every CA CRL an archive's documents embed, many times over.
const DSS_STREAMS: u64 = 1 << 20;

impl Caches {
    /// Empty caches of at most these many estimated bytes each.
    pub fn new(crls: u64, crl_signatures: u64, ocsp: u64) -> Caches {
        Caches {
            crls: Bounded::new(crls, 1 << 20, |_, c| {
                SLOT + 40 + c.as_ref().map_or(0, |c| c.heap_bytes)
            }),
            crl_signatures: Bounded::new(crl_signatures, 128, flat),
            ocsp: Bounded::new(ocsp, 160, flat),
            dss_streams: Bounded::new(DSS_STREAMS, 120, flat),
        }
    }

    /// The parsed CRL a DSS stream with raw key `key` decoded to before, with its decoded
    /// length, if both are still cached.
    pub fn known_stream(&self, key: &Fingerprint) -> Option<(Arc<Crl>, u64)> {
        let (fp, len) = self.dss_streams.get(key)?;
        self.crls.get(&fp).flatten().map(|c| (c, len))
    }
}
