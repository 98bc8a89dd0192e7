//! The caches shared by every document of a run: one [`Caches`] passed by reference.
//!
//! The government CA has issued more than 150,000 certificates, but a run meets the same few
//! CAs, CRLs and signers again and again. Every cache is bounded in bytes (estimated from what
//! its entries hold) and evicts with quick_cache's CLOCK-Pro-style policy, so that memory stays
//! flat however long a national sweep runs; evictions are counted and reported. Every entry is
//! computed outside the cache's locks (two threads may compute the same entry once each; both
//! results are equal because every cached function is deterministic in its key), and every
//! lookup is counted so that the summary can show hit rates.

use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::Serialize;

use crate::pki::cert::{Cert, Fingerprint};
use crate::pki::PathOutcome;
use crate::revocation::{Crl, OcspStatus};

/// Weighs an entry: its estimated bytes in memory.
struct Weigh<K, V>(fn(&K, &V) -> u64);

impl<K, V> Clone for Weigh<K, V> {
    fn clone(&self) -> Self {
        Weigh(self.0)
    }
}

impl<K, V> quick_cache::Weighter<K, V> for Weigh<K, V> {
    fn weight(&self, key: &K, val: &V) -> u64 {
        // quick_cache never evicts a zero-weight entry: every entry weighs at least 1.
        (self.0)(key, val).max(1)
    }
}

/// Counts the entries a cache evicts (or refuses, when one alone exceeds its capacity).
#[derive(Clone, Default)]
struct Evictions(Arc<AtomicU64>);

impl<K, V> quick_cache::Lifecycle<K, V> for Evictions {
    type RequestState = ();
    fn on_evict(&self, _state: &mut (), _key: K, _val: V) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// A concurrent cache bounded in bytes, with hit, miss and eviction counters.
pub struct Bounded<K, V> {
    cache: quick_cache::sync::Cache<K, V, Weigh<K, V>, quick_cache::DefaultHashBuilder, Evictions>,
    evictions: Evictions,
    hits: AtomicU64,
    misses: AtomicU64,
    limit: u64,
}

impl<K: Eq + Hash + Clone, V: Clone> Bounded<K, V> {
    /// A cache of at most `limit` bytes (as `weigh` estimates its entries), expecting entries
    /// of about `typical` bytes.
    fn new(limit: u64, typical: u64, weigh: fn(&K, &V) -> u64) -> Self {
        let evictions = Evictions::default();
        let estimated_items = (limit / typical.max(1)).clamp(16, 1 << 22) as usize;
        Bounded {
            cache: quick_cache::sync::Cache::with(
                estimated_items,
                limit.max(1),
                Weigh(weigh),
                Default::default(),
                evictions.clone(),
            ),
            evictions,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            limit,
        }
    }

    /// The cached value for `key`, computing it with `f` (outside any lock) on a miss.
    pub fn get_or_compute(&self, key: K, f: impl FnOnce() -> V) -> V {
        if let Some(v) = self.cache.get(&key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return v;
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let v = f();
        self.cache.insert(key, v.clone());
        v
    }

    /// Counters so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: self.cache.len() as u64,
            evictions: self.evictions.0.load(Ordering::Relaxed),
            bytes: self.cache.weight(),
            limit: self.limit,
        }
    }
}

/// Hits, misses, evictions and size of one cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that computed their entry.
    pub misses: u64,
    /// Entries held.
    pub entries: u64,
    /// Entries evicted to stay within the limit.
    pub evictions: u64,
    /// Estimated bytes held.
    pub bytes: u64,
    /// The limit, in estimated bytes.
    pub limit: u64,
}

/// The byte limit of each cache (estimated bytes of the entries held).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheLimits {
    /// Parsed certificates.
    pub certificates: u64,
    /// Certificate signature checks.
    pub signatures: u64,
    /// Path results.
    pub paths: u64,
    /// Parsed CRLs with their serial indexes.
    pub crls: u64,
    /// CRL signature checks.
    pub crl_signatures: u64,
    /// OCSP results.
    pub ocsp: u64,
}

const MIB: u64 = 1 << 20;

impl Default for CacheLimits {
    /// 224 MiB in all: room for about 40,000 parsed certificates and their paths, and for
    /// national CRLs of several hundred thousand serials, before anything is evicted.
    fn default() -> Self {
        CacheLimits {
            certificates: 96 * MIB,
            signatures: 16 * MIB,
            paths: 32 * MIB,
            crls: 64 * MIB,
            crl_signatures: MIB,
            ocsp: 15 * MIB,
        }
    }
}

/// A `--cache-size` setting that does not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLimit(pub String);

impl fmt::Display for BadLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl CacheLimits {
    /// The caches' names, as the summary and `NAME=SIZE` settings spell them.
    pub const NAMES: [&'static str; 6] = [
        "certificates",
        "signatures",
        "paths",
        "crls",
        "crl_signatures",
        "ocsp",
    ];

    /// Sets one limit from `NAME=SIZE` (SIZE in bytes, with an optional K, M or G binary
    /// suffix), e.g. `certificates=256M`.
    pub fn set(&mut self, setting: &str) -> Result<(), BadLimit> {
        let (name, size) = setting
            .split_once('=')
            .ok_or_else(|| BadLimit(format!("{setting:?}: expected NAME=SIZE")))?;
        let bytes = crate::memory::parse_size(size)
            .ok_or_else(|| BadLimit(format!("{setting:?}: bad size {size:?} (e.g. 64M)")))?;
        let slot = match name {
            "certificates" => &mut self.certificates,
            "signatures" => &mut self.signatures,
            "paths" => &mut self.paths,
            "crls" => &mut self.crls,
            "crl_signatures" => &mut self.crl_signatures,
            "ocsp" => &mut self.ocsp,
            _ => {
                return Err(BadLimit(format!(
                    "{name:?}: no such cache (one of {})",
                    Self::NAMES.join(", ")
                )))
            }
        };
        *slot = bytes;
        Ok(())
    }
}

/// Bytes a hash-table slot costs beyond its key and value (control bytes, load factor,
/// quick_cache's own bookkeeping).
const SLOT: u64 = 48;

/// The weight of an entry whose key and value own no heap memory.
fn flat<K, V>(_: &K, _: &V) -> u64 {
    (std::mem::size_of::<K>() + std::mem::size_of::<V>()) as u64 + SLOT
}

/// Every cache of a run.
pub struct Caches {
    /// Certificates by SHA-256 of their DER (`None`: the DER does not parse).
    pub certificates: Bounded<Fingerprint, Option<Cert>>,
    /// Issuer→subject signature checks by (subject, issuer) fingerprints.
    pub signatures: Bounded<(Fingerprint, Fingerprint), bool>,
    /// Whole path results by (leaf, trust store (anchors and run intermediates), validity
    /// epoch of the time, CA certificates the document offers).
    pub paths: Bounded<(Fingerprint, Fingerprint, i64, Fingerprint), Arc<PathOutcome>>,
    /// Parsed CRLs with their revoked-serial index, by SHA-256 of their DER.
    pub crls: Bounded<Fingerprint, Option<Arc<Crl>>>,
    /// CRL signature checks by (CRL, issuer) fingerprints.
    pub crl_signatures: Bounded<(Fingerprint, Fingerprint), bool>,
    /// OCSP results by (response, certificate, issuer) fingerprints.
    pub ocsp: Bounded<(Fingerprint, Fingerprint, Fingerprint), Option<OcspStatus>>,
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

impl CachesStats {
    /// Each cache's counters with its name.
    pub fn named(&self) -> [(&'static str, CacheStats); 6] {
        [
            ("certificates", self.certificates),
            ("signatures", self.signatures),
            ("paths", self.paths),
            ("crls", self.crls),
            ("crl_signatures", self.crl_signatures),
            ("ocsp", self.ocsp),
        ]
    }
}

impl Default for Caches {
    fn default() -> Self {
        Caches::with_limits(CacheLimits::default())
    }
}

impl Caches {
    /// Empty caches with the default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Empty caches with the given limits.
    pub fn with_limits(limits: CacheLimits) -> Self {
        Caches {
            certificates: Bounded::new(limits.certificates, 4096, |_, c| {
                SLOT + 40 + c.as_ref().map_or(0, |c| c.heap_bytes())
            }),
            signatures: Bounded::new(limits.signatures, 128, flat),
            paths: Bounded::new(limits.paths, 256, |k, p| {
                flat(k, p)
                    + match &**p {
                        PathOutcome::Found(path) => 16 + 8 * path.len() as u64,
                        PathOutcome::Failed(_) => 128, // the error's message
                    }
            }),
            crls: Bounded::new(limits.crls, 1 << 20, |_, c| {
                SLOT + 40 + c.as_ref().map_or(0, |c| c.heap_bytes)
            }),
            crl_signatures: Bounded::new(limits.crl_signatures, 128, flat),
            ocsp: Bounded::new(limits.ocsp, 160, flat),
        }
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

    /// A certificate from its DER, parsed once per run (while it stays cached).
    pub fn certificate(&self, der: &[u8]) -> Option<Cert> {
        let fp = crate::pki::cert::fingerprint(der);
        self.certificates.get_or_compute(fp, || {
            crate::pki::cert::Certificate::parse(der).ok().map(Arc::new)
        })
    }
}
