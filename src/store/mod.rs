//! The persistent fetch cache (`--cache DIR`): what the fetcher downloaded — issuer
//! certificates, CRLs, OCSP responses — kept across runs and shared by processes running at
//! once (the shards of one audit). Depends only on `asn1` (hex names) and `pki` (the SHA-256
//! fingerprint that identifies bodies everywhere in the crate).
//!
//! # Layout
//!
//! ```text
//! DIR/index.redb          key → (SHA-256, length, stored at): the index, a redb database
//! DIR/blobs/ab/abcd…      the bodies, one file each, named by their SHA-256
//! DIR/index.redb.corrupt-… an index found corrupt, moved aside (never read again)
//! DIR/flights/ab/abcd….lock one lock file per key fetched, named by the SHA-256 of the key
//! ```
//!
//! Bodies are content-addressed: one CRL fetched under two URLs is stored once, a blob is
//! written to a temporary file and renamed into place (atomic: a reader never sees half a
//! blob), and every read hashes the blob again — a mismatch (bit rot, a truncated copy, a
//! hand edit) drops the entry and counts it; it is never returned.
//!
//! # Many processes at once
//!
//! redb is ACID and crash-safe (copy-on-write pages, checksums, a repair pass after an
//! unclean shutdown) but holds an exclusive `flock` on its file for as long as a `Database`
//! is open, so two processes cannot keep one index open together. The store therefore never
//! keeps it open: every operation opens the index, runs one short transaction (a lookup, an
//! insert, a removal — the bodies are outside redb) and closes it, and an open that finds the
//! lock taken by a peer retries with backoff for up to [`LOCK_WAIT`]. Inside one process a
//! mutex serialises the opens (a second `flock` from the same process would conflict as
//! well). The lock is thus held for milliseconds per operation, the bodies (CRLs up to
//! hundreds of MiB) are written and hashed outside it, and a process killed mid-operation
//! leaves either the old or the new index (redb's commit) and at worst an unreferenced blob,
//! which [`Store::prune`] removes. SQLite in WAL mode would allow concurrent readers, but
//! needs a C build; the fetcher reads the store once per distinct URL and run, so one open per
//! operation costs nothing that matters.
//!
//! # One fetch per cluster
//!
//! The shards of one audit (`verify --shard K/N` on many machines, one cache directory on a
//! shared file system) would otherwise all miss the store at the start and fetch every CRL
//! once each. [`Store::flight`] gives the fetcher an exclusive advisory lock per key
//! (`flock(LOCK_EX | LOCK_NB)`, what std's `File::try_lock` does on Unix) on
//! `DIR/flights/…/KEY.lock`. The
//! fetcher takes it after a store miss, looks in the store again once it holds it (a peer may
//! have fetched the body while it waited), and only then fetches, storing the body before it
//! lets go; a peer that waited finds it in the store. What `flock(2)` guarantees (Linux
//! man-pages 6.03):
//!
//! - "Only one process may hold an exclusive lock for a given file at a given time", and
//!   locks "are associated with an open file description": two opens of the file, in two
//!   processes or in one, exclude each other; the lock goes "when all such file descriptors
//!   have been closed" — a holder that dies (killed, crashed) releases it, so a stale lock
//!   file is harmless and only its name stays (`cache prune` removes lock files untouched
//!   for [`LOCK_GRACE`]).
//! - It is advisory only: "a process is free to ignore the use of flock()" — processes that
//!   do not take it (older sigaudit versions) just fetch again, as before.
//!
//! Where it does not hold:
//!
//! - NFS: "Up to Linux 2.6.11, flock() does not lock files over NFS (i.e., the scope of locks
//!   was limited to the local system)"; since 2.6.12 the client emulates it "as fcntl(2)
//!   byte-range locks on the entire file", which reach the server's lock manager (the file
//!   is therefore opened for writing: "in order to place an exclusive lock, the file must be
//!   opened for writing"). A mount with `nolock` or `local_lock=flock|all` keeps locks local
//!   to one client: processes on one machine still share one fetch, machines do not — each
//!   machine fetches once, and nothing is wrong but the count. An NFS mount without a lock
//!   manager refuses the lock (`ENOLCK`): the fetcher then goes on without locks for the rest
//!   of the run, counting each fetch made so (`FetchStats::unlocked`).
//! - CIFS/SMB: before Linux 5.5 "flock() is not propagated over SMB" (local only, as above);
//!   since 5.5 it is an SMB byte-range lock whose "locks are not advisory anymore": a
//!   waiter's read of the lock file's record may fail, which only loses the sharing of a
//!   peer's failure (below).
//! - A client that loses its NFS lease or crashes holds the lock until the server reclaims it;
//!   the fetcher never waits longer than a fetch can take (`FetchConfig::flight_wait`) and
//!   then fetches without the lock: no deadlock, and no document fails because of a lock.
//!
//! The holder writes one line into the lock file before letting go (a generation number,
//! `ok` or the failure's message); a waiter that sees the generation move on while it waited
//! and a failure recorded takes that failure as its own instead of trying the dead server
//! again (counted as `FetchStats::peer_failed`), just as the threads of one process share the
//! outcome of one request.

mod blobs;
mod index;
mod locks;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use blobs::Blobs;
use index::{Index, Slot};

pub use locks::{Flight, FlightLock, PeerFetch, LOCK_GRACE};

/// What a URL is fetched for: decides its size cap and how its body is read. Defined here
/// (the store is the leaf) and re-exported by the fetcher as `fetch::Kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Kind {
    /// An issuer certificate (AIA caIssuers): DER, PEM or a certs-only PKCS#7.
    Certificate,
    /// A CRL (CRL distribution points).
    Crl,
    /// An OCSP response.
    Ocsp,
}

impl Kind {
    fn code(self) -> u8 {
        match self {
            Kind::Certificate => 1,
            Kind::Crl => 2,
            Kind::Ocsp => 3,
        }
    }

    fn from_code(code: u8) -> Option<Kind> {
        Some(match code {
            1 => Kind::Certificate,
            2 => Kind::Crl,
            3 => Kind::Ocsp,
            _ => return None,
        })
    }
}

/// What a stored body was fetched as.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StoreKey {
    /// The body at a URL.
    Url {
        /// What it was fetched for.
        kind: Kind,
        /// The URL as requested (before any redirect).
        url: String,
    },
    /// An OCSP response from a responder, for one certificate (whatever the request's nonce).
    Ocsp {
        /// The responder's URL.
        url: String,
        /// The request's CertID, whole DER element.
        cert_id: Vec<u8>,
    },
}

impl StoreKey {
    /// What the key's body is.
    pub fn kind(&self) -> Kind {
        match self {
            StoreKey::Url { kind, .. } => *kind,
            StoreKey::Ocsp { .. } => Kind::Ocsp,
        }
    }

    /// The URL the body came from.
    pub fn url(&self) -> &str {
        match self {
            StoreKey::Url { url, .. } | StoreKey::Ocsp { url, .. } => url,
        }
    }

    /// The index's key bytes: a tag octet, then the fields (the URL length-prefixed).
    fn encode(&self) -> Vec<u8> {
        let (tag, url, rest): (u8, &str, &[u8]) = match self {
            StoreKey::Url { kind, url } => (kind.code(), url, &[]),
            StoreKey::Ocsp { url, cert_id } => (0x80, url, cert_id),
        };
        let mut out = Vec::with_capacity(5 + url.len() + rest.len());
        out.push(tag);
        out.extend_from_slice(&(url.len() as u32).to_be_bytes());
        out.extend_from_slice(url.as_bytes());
        out.extend_from_slice(rest);
        out
    }

    fn decode(bytes: &[u8]) -> Option<StoreKey> {
        let (&tag, rest) = bytes.split_first()?;
        let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let url = std::str::from_utf8(rest.get(4..4 + len)?).ok()?.to_owned();
        let tail = &rest[4 + len..];
        if tag == 0x80 {
            return Some(StoreKey::Ocsp {
                url,
                cert_id: tail.to_vec(),
            });
        }
        if !tail.is_empty() {
            return None;
        }
        Some(StoreKey::Url {
            kind: Kind::from_code(tag)?,
            url,
        })
    }
}

/// Why the store could not be used.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// A file or directory of the store could not be created, read or written.
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
    /// The index stayed locked by another process for longer than [`LOCK_WAIT`].
    Busy {
        /// The index file.
        path: PathBuf,
    },
    /// The index database failed (other than by corruption, which [`Store::open`] repairs).
    Database {
        /// The index file.
        path: PathBuf,
        /// redb's error.
        error: String,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io { path, error } => write!(f, "cache {}: {error}", path.display()),
            StoreError::Busy { path } => write!(
                f,
                "cache {}: locked by another process for more than {} s",
                path.display(),
                LOCK_WAIT.as_secs()
            ),
            StoreError::Database { path, error } => {
                write!(f, "cache {}: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// How long an operation waits for a peer process's lock on the index before giving up (a
/// lookup then misses, a write is dropped, both counted as `busy`). A peer holds the lock for
/// one small transaction — milliseconds — or, once after a crash, for redb's repair of the
/// index (seconds for a large one); longer means a stuck peer, and an audit must not stall
/// on its cache.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Counters of one [`Store`] (this process) and the index's contents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StoreStats {
    /// Index entries for certificates.
    pub certificates: u64,
    /// Index entries for CRLs.
    pub crls: u64,
    /// Index entries for OCSP responses.
    pub ocsp: u64,
    /// Bytes of the bodies the index refers to (a blob shared by two keys counted twice).
    pub bytes: u64,
    /// Lookups answered.
    pub hits: u64,
    /// Lookups not answered (no entry, or the entry was dropped).
    pub misses: u64,
    /// Entries dropped because their blob did not hash to the indexed SHA-256.
    pub corrupt: u64,
    /// Entries dropped because their blob was missing.
    pub missing: u64,
    /// Bodies stored.
    pub puts: u64,
    /// Operations skipped: the index stayed locked by a peer, or failed (see `last_error`).
    pub busy: u64,
    /// The last error an operation met, if any.
    pub last_error: Option<String>,
}

/// What [`Store::prune`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PruneStats {
    /// Entries kept.
    pub kept: u64,
    /// Entries removed (not kept by the caller, or their blob missing or corrupt).
    pub removed: u64,
    /// Blob files deleted (no entry refers to them any more).
    pub blobs_removed: u64,
    /// Bytes of the deleted blob files.
    pub bytes_freed: u64,
    /// Lock files deleted (untouched for [`LOCK_GRACE`]).
    pub locks_removed: u64,
}

/// One index entry, for `cache stats`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreEntry {
    /// The key.
    pub key: StoreKey,
    /// SHA-256 of the body.
    pub sha256: [u8; 32],
    /// The body's length.
    pub len: u64,
    /// When it was stored, seconds since the epoch.
    pub stored_at: i64,
}

/// The persistent cache directory. `Send + Sync`: shared by every worker of a run.
pub struct Store {
    index: Index,
    blobs: Blobs,
    /// `DIR/flights`: the per-key lock files.
    flights: PathBuf,
    /// Set when the file system refused a lock: no further lock is tried.
    locks_refused: AtomicBool,
    /// Serialises this process's opens of the index (see the module documentation).
    lock: Mutex<()>,
    recovered: Option<String>,
    hits: AtomicU64,
    misses: AtomicU64,
    corrupt: AtomicU64,
    missing: AtomicU64,
    puts: AtomicU64,
    busy: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl Store {
    /// Opens (creating it if need be) the cache directory `dir`. An index that is corrupt or
    /// truncated is detected (redb's header checks and a full integrity check of its pages),
    /// moved aside to `index.redb.corrupt-<time>` and replaced by an empty one; what happened is
    /// in [`Store::recovered`]. It is never read again.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |error| StoreError::Io { path, error }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let blobs = Blobs::open(&dir.join("blobs")).map_err(io(&dir.join("blobs")))?;
        let (index, recovered) = Index::open_checked(&dir.join("index.redb"))?;
        Ok(Store {
            index,
            blobs,
            flights: dir.join("flights"),
            locks_refused: AtomicBool::new(false),
            lock: Mutex::new(()),
            recovered,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            corrupt: AtomicU64::new(0),
            missing: AtomicU64::new(0),
            puts: AtomicU64::new(0),
            busy: AtomicU64::new(0),
            last_error: Mutex::new(None),
        })
    }

    /// When [`Store::open`] found the index corrupt: what was wrong and where the file went.
    pub fn recovered(&self) -> Option<&str> {
        self.recovered.as_deref()
    }

    /// The body stored under `key`, its SHA-256 checked again. An entry whose blob is missing or
    /// does not hash to the indexed value is removed and counted, and `None` returned.
    pub fn get(&self, key: &StoreKey) -> Option<Arc<[u8]>> {
        let k = key.encode();
        let slot = match self.with_index(|ix| ix.get(&k)) {
            Some(Some(slot)) => slot,
            _ => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                return None;
            }
        };
        match self.blobs.read(&slot.sha256, slot.len) {
            Ok(body) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                Some(body.into())
            }
            Err(bad) => {
                let counter = if bad.missing {
                    &self.missing
                } else {
                    &self.corrupt
                };
                counter.fetch_add(1, Ordering::Relaxed);
                self.misses.fetch_add(1, Ordering::Relaxed);
                self.with_index(|ix| ix.remove_if(&k, &slot.sha256));
                if !bad.missing {
                    self.blobs.remove(&slot.sha256);
                }
                None
            }
        }
    }

    /// Stores `body` under `key` (replacing what the key held). A failure is counted in
    /// [`StoreStats::busy`] and remembered in `last_error`; the run goes on without it.
    pub fn put(&self, key: &StoreKey, body: &[u8]) {
        let sha256 = crate::pki::cert::fingerprint(body);
        if let Err(e) = self.blobs.write(&sha256, body) {
            self.note_failure(format!("writing a blob: {e}"));
            return;
        }
        let slot = Slot {
            sha256,
            len: body.len() as u64,
            stored_at: now(),
        };
        if self
            .with_index(|ix| ix.insert(&key.encode(), &slot))
            .is_some()
        {
            self.puts.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Every index entry (keys that do not decode — written by another version — are left out).
    pub fn entries(&self) -> Result<Vec<StoreEntry>, StoreError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let raw = self.index.run(Index::all)?;
        Ok(raw
            .into_iter()
            .filter_map(|(k, slot)| {
                Some(StoreEntry {
                    key: StoreKey::decode(&k)?,
                    sha256: slot.sha256,
                    len: slot.len,
                    stored_at: slot.stored_at,
                })
            })
            .collect())
    }

    /// Counters of this process, and the index's entries by kind (left at zero, with
    /// `last_error` set, when the index cannot be read).
    pub fn stats(&self) -> StoreStats {
        let mut stats = StoreStats::default();
        match self.entries() {
            Ok(entries) => {
                for e in entries {
                    match e.key.kind() {
                        Kind::Certificate => stats.certificates += 1,
                        Kind::Crl => stats.crls += 1,
                        Kind::Ocsp => stats.ocsp += 1,
                    }
                    stats.bytes += e.len;
                }
            }
            Err(e) => self.note_failure(e.to_string()),
        }
        stats.hits = self.hits.load(Ordering::Relaxed);
        stats.misses = self.misses.load(Ordering::Relaxed);
        stats.corrupt = self.corrupt.load(Ordering::Relaxed);
        stats.missing = self.missing.load(Ordering::Relaxed);
        stats.puts = self.puts.load(Ordering::Relaxed);
        stats.busy = self.busy.load(Ordering::Relaxed);
        stats.last_error = self
            .last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        stats
    }

    /// Removes every entry that `keep` rejects (`sigaudit cache prune` keeps what is still fresh
    /// at a time it chooses) or whose blob is missing or corrupt, then deletes the blob files
    /// no entry refers to. `keep` runs without the index lock held; an entry a peer replaced
    /// meanwhile is left alone. Blob files younger than ten minutes are kept: a peer may
    /// have written one and not yet indexed it. Lock files untouched for [`LOCK_GRACE`] go too.
    pub fn prune(&self, keep: &dyn Fn(&StoreKey, &[u8]) -> bool) -> Result<PruneStats, StoreError> {
        let all = {
            let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
            self.index.run(Index::all)?
        };
        let mut stats = PruneStats::default();
        let mut drop = Vec::new();
        for (k, slot) in all {
            let kept = match (
                StoreKey::decode(&k),
                self.blobs.read(&slot.sha256, slot.len),
            ) {
                (Some(key), Ok(body)) => keep(&key, &body),
                _ => false,
            };
            if kept {
                stats.kept += 1;
            } else {
                drop.push((k, slot.sha256));
            }
        }
        {
            let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
            stats.removed = self.index.run(|ix| ix.remove_all(&drop))?;
            let referenced = self.index.run(Index::all)?;
            let live = referenced.iter().map(|(_, s)| s.sha256).collect();
            let (files, bytes) = self.blobs.sweep(&live);
            stats.blobs_removed = files;
            stats.bytes_freed = bytes;
        }
        stats.locks_removed = locks::sweep(&self.flights);
        Ok(stats)
    }

    /// Takes the cross-process lock of `key` (`DIR/flights/ab/abcd….lock`, named by the
    /// SHA-256 of the key), waiting up to `wait` for a peer that holds it. The fetcher takes it
    /// before fetching what the store does not hold, then looks in the store again: see the
    /// module documentation. Once the file system has refused a lock, none is tried again.
    pub fn flight(&self, key: &StoreKey, wait: std::time::Duration) -> Flight {
        if self.locks_refused.load(Ordering::Relaxed) {
            return Flight::Unavailable("the cache's file system refused a lock earlier".into());
        }
        let flight = locks::acquire(&locks::lock_path(&self.flights, &key.encode()), wait);
        if matches!(flight, Flight::Unavailable(_)) {
            self.locks_refused.store(true, Ordering::Relaxed);
        }
        flight
    }

    /// Runs `f` on the index under this process's lock; a failure is counted and gives `None`.
    fn with_index<T>(&self, f: impl FnOnce(&Index) -> Result<T, StoreError>) -> Option<T> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        match self.index.run(f) {
            Ok(v) => Some(v),
            Err(e) => {
                self.note_failure(e.to_string());
                None
            }
        }
    }

    fn note_failure(&self, message: String) {
        self.busy.fetch_add(1, Ordering::Relaxed);
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(message);
    }
}

/// Seconds since the epoch (when an entry was stored: shown by `cache stats`, never used to
/// judge freshness).
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let keys = [
            StoreKey::Url {
                kind: Kind::Crl,
                url: "http://ca.example/x.crl".into(),
            },
            StoreKey::Url {
                kind: Kind::Certificate,
                url: String::new(),
            },
            StoreKey::Ocsp {
                url: "http://ocsp.example".into(),
                cert_id: vec![0x30, 0x03, 1, 2, 3],
            },
        ];
        for k in keys {
            assert_eq!(StoreKey::decode(&k.encode()), Some(k));
        }
        assert_eq!(StoreKey::decode(&[9, 0, 0, 0, 0]), None);
        assert_eq!(StoreKey::decode(&[1, 0, 0, 0, 9, b'a']), None);
    }
}
