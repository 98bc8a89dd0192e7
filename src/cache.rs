//! A concurrent cache bounded in bytes ([`Bounded`]): the building block of the caches shared
//! by every document of a run (the certificate and path caches of `pki`, the CRL and OCSP
//! caches of `revocation`, gathered by the validation stage). A leaf.
//!
//! The government CA has issued more than 150,000 certificates, but a run meets the same few
//! CAs, CRLs and signers again and again. Every cache is bounded in bytes (estimated from what
//! its entries hold) and evicts with quick_cache's CLOCK-Pro-style policy, so that memory stays
//! flat however long a national sweep runs; evictions are counted and reported. Every entry is
//! computed outside the cache's locks (two threads may compute the same entry once each; both
//! results are equal because every cached function is deterministic in its key), and every
//! lookup is counted so that the summary can show hit rates.

use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

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
    pub fn new(limit: u64, typical: u64, weigh: fn(&K, &V) -> u64) -> Self {
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

    /// The cached value for `key`, if any (counted as a hit or a miss).
    pub fn get(&self, key: &K) -> Option<V> {
        let v = self.cache.get(key);
        let counter = if v.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        v
    }

    /// Caches `value` for `key`, replacing any value it had.
    pub fn insert(&self, key: K, value: V) {
        self.cache.insert(key, value);
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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

/// Bytes a hash-table slot costs beyond its key and value (control bytes, load factor,
/// quick_cache's own bookkeeping).
pub const SLOT: u64 = 48;

/// The weight of an entry whose key and value own no heap memory.
pub fn flat<K, V>(_: &K, _: &V) -> u64 {
    (std::mem::size_of::<K>() + std::mem::size_of::<V>()) as u64 + SLOT
}

/// A `HashMap` hashed with foldhash: the per-document maps of the reader and the change
/// analysis (object numbers, offsets, identities), where std's SipHash showed in callgrind
/// profiles of 150 national documents (36 M instructions; 5 M with foldhash). The state is seeded at random per map, so a crafted file cannot aim collisions.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A `HashSet` hashed with foldhash (see [`FastMap`]).
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// Where bytes are looked up in a cache that confirms a hit by comparing them: a fast hash of
/// the bytes (foldhash, seeded at random per [`Keyer`]) and their length. The key only finds a
/// candidate; the cache's user compares the candidate's bytes with the ones asked for, so a
/// collision costs the work the cache saves, never a wrong answer. Used where a SHA-256 of
/// the bytes cost more than the lookup it keyed: DER certificates and DSS streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BytesKey {
    hash: u64,
    len: u64,
}

/// Makes [`BytesKey`]s with one random seed: one per cache, for the cache's lifetime.
#[derive(Default)]
pub struct Keyer(foldhash::fast::RandomState);

impl Keyer {
    /// The key of `parts`, read one after the other; each part's length is hashed with it, so
    /// that the parts cannot run into each other.
    pub fn key(&self, parts: &[&[u8]]) -> BytesKey {
        use std::hash::{BuildHasher, Hasher};
        let mut h = self.0.build_hasher();
        for part in parts {
            h.write_usize(part.len());
            h.write(part);
        }
        BytesKey {
            hash: h.finish(),
            len: parts.iter().map(|p| p.len() as u64).sum(),
        }
    }
}
