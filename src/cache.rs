//! The caches shared by every document of a run: one [`Caches`] passed by reference.
//!
//! The government CA has issued hundreds of thousands of certificates, but a run meets the same
//! few CAs, CRLs and signers again and again. Every entry is computed outside the map's locks
//! (two threads may compute the same entry once each; the first insert wins and both results
//! are equal because every cached function is deterministic in its key), and every lookup is
//! counted so that the summary can show hit rates.

use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use dashmap::DashMap;
use serde::Serialize;

use crate::pki::cert::{Cert, Fingerprint};
use crate::pki::PathOutcome;
use crate::revocation::{Crl, OcspStatus};

/// A concurrent map with hit and miss counters.
pub struct Counted<K, V> {
    map: DashMap<K, V>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl<K: Eq + Hash, V: Clone> Default for Counted<K, V> {
    fn default() -> Self {
        Counted {
            map: DashMap::new(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }
}

impl<K: Eq + Hash, V: Clone> Counted<K, V> {
    /// The cached value for `key`, computing it with `f` (outside any lock) on a miss.
    pub fn get_or_compute(&self, key: K, f: impl FnOnce() -> V) -> V {
        if let Some(v) = self.map.get(&key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return v.clone();
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let v = f();
        self.map.entry(key).or_insert(v).clone()
    }

    /// Counters so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: self.map.len() as u64,
        }
    }
}

/// Hits, misses and size of one cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that computed their entry.
    pub misses: u64,
    /// Entries held.
    pub entries: u64,
}

/// Every cache of a run.
#[derive(Default)]
pub struct Caches {
    /// Certificates by SHA-256 of their DER (`None`: the DER does not parse).
    pub certificates: Counted<Fingerprint, Option<Cert>>,
    /// Issuer→subject signature checks by (subject, issuer) fingerprints.
    pub signatures: Counted<(Fingerprint, Fingerprint), bool>,
    /// Whole path results by (leaf, trust store (anchors and run intermediates), validity
    /// epoch of the time, CA certificates the document offers).
    pub paths: Counted<(Fingerprint, Fingerprint, i64, Fingerprint), Arc<PathOutcome>>,
    /// Parsed CRLs with their revoked-serial index, by SHA-256 of their DER.
    pub crls: Counted<Fingerprint, Option<Arc<Crl>>>,
    /// CRL signature checks by (CRL, issuer) fingerprints.
    pub crl_signatures: Counted<(Fingerprint, Fingerprint), bool>,
    /// OCSP results by (response, certificate, issuer) fingerprints.
    pub ocsp: Counted<(Fingerprint, Fingerprint, Fingerprint), Option<OcspStatus>>,
}

/// The counters of every cache, as the summary prints them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CachesStats {
    /// Certificate parses.
    pub certificates: CacheStats,
    /// Certificate signature checks.
    pub signatures: CacheStats,
    /// Path results.
    pub paths: CacheStats,
    /// CRL parses.
    pub crls: CacheStats,
    /// CRL signature checks.
    pub crl_signatures: CacheStats,
    /// OCSP results.
    pub ocsp: CacheStats,
}

impl Caches {
    /// Empty caches.
    pub fn new() -> Self {
        Self::default()
    }

    /// The counters of every cache.
    pub fn stats(&self) -> CachesStats {
        CachesStats {
            certificates: self.certificates.stats(),
            signatures: self.signatures.stats(),
            paths: self.paths.stats(),
            crls: self.crls.stats(),
            crl_signatures: self.crl_signatures.stats(),
            ocsp: self.ocsp.stats(),
        }
    }

    /// A certificate from its DER, parsed once per run.
    pub fn certificate(&self, der: &[u8]) -> Option<Cert> {
        let fp = crate::pki::cert::fingerprint(der);
        self.certificates.get_or_compute(fp, || {
            crate::pki::cert::Certificate::parse(der).ok().map(Arc::new)
        })
    }
}
