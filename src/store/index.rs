//! The index: a redb table from encoded [`super::StoreKey`]s to [`Slot`]s, opened for one
//! transaction at a time (see the module documentation of `store` for why).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use redb::{Database, DatabaseError, ReadableTable, StorageError, TableDefinition, TableError};

use super::{StoreError, LOCK_WAIT};

/// Encoded key → encoded [`Slot`].
const TABLE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("entries");

/// redb's page cache for one open: the index holds small entries and each open runs one
/// transaction, so a few MiB is plenty (redb's default reserves up to 1 GiB per open).
const CACHE_BYTES: usize = 4 << 20;

/// Where an index entry points: the blob's SHA-256 and length, and when it was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Slot {
    pub sha256: [u8; 32],
    pub len: u64,
    pub stored_at: i64,
}

impl Slot {
    fn encode(&self) -> [u8; 48] {
        let mut out = [0u8; 48];
        out[..32].copy_from_slice(&self.sha256);
        out[32..40].copy_from_slice(&self.len.to_be_bytes());
        out[40..].copy_from_slice(&self.stored_at.to_be_bytes());
        out
    }

    fn decode(bytes: &[u8]) -> Option<Slot> {
        let bytes: &[u8; 48] = bytes.try_into().ok()?;
        Some(Slot {
            sha256: bytes[..32].try_into().ok()?,
            len: u64::from_be_bytes(bytes[32..40].try_into().ok()?),
            stored_at: i64::from_be_bytes(bytes[40..].try_into().ok()?),
        })
    }
}

/// The index file; every method opens it, runs one transaction and closes it.
pub(super) struct Index {
    path: PathBuf,
}

impl Index {
    /// Opens the index at `path`, creating it; a corrupt one is moved aside and replaced. The
    /// second value says what was wrong, when something was.
    pub fn open_checked(path: &Path) -> Result<(Index, Option<String>), StoreError> {
        let index = Index {
            path: path.to_path_buf(),
        };
        let problem = match index.open().and_then(|mut db| index.check(&mut db)) {
            Ok(()) => return Ok((index, None)),
            Err(Opened::Corrupt(why)) => why,
            Err(Opened::Failed(e)) => return Err(e),
        };
        let aside = path.with_extension(format!("redb.corrupt-{}", unique_suffix()));
        // A peer that found the same damage at the same moment may have moved it already
        // (NotFound). Two processes opening one damaged cache at once may also both move an
        // index aside — the second then moves the peer's fresh, empty one: nothing stored is
        // lost but what the peer wrote in between, which is fetched again.
        match std::fs::rename(path, &aside) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(StoreError::Io {
                    path: path.to_path_buf(),
                    error,
                })
            }
            _ => {}
        }
        let report = format!(
            "the cache index {} was unusable ({problem}); moved to {} and rebuilt empty",
            path.display(),
            aside.display()
        );
        match index.open().and_then(|mut db| index.check(&mut db)) {
            Ok(()) => Ok((index, Some(report))),
            Err(Opened::Corrupt(why)) => Err(StoreError::Database {
                path: path.to_path_buf(),
                error: format!("a new index is unusable too: {why}"),
            }),
            Err(Opened::Failed(e)) => Err(e),
        }
    }

    /// redb's integrity check of every page, and the table created if missing.
    fn check(&self, db: &mut Database) -> Result<(), Opened> {
        match guard(|| db.check_integrity()) {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => return Err(Opened::Corrupt("pages fail their checksums".into())),
            Ok(Err(e)) => return Err(classify(&self.path, e)),
            Err(why) => return Err(Opened::Corrupt(why)),
        }
        let tx = db.begin_write().map_err(|e| self.failed(e))?;
        tx.open_table(TABLE).map_err(|e| self.failed(e))?;
        tx.commit().map_err(|e| self.failed(e))
    }

    /// Opens the database, waiting up to [`LOCK_WAIT`] for a peer to release it.
    fn open(&self) -> Result<Database, Opened> {
        let start = Instant::now();
        // Backoff between attempts: short first (a peer's transaction takes milliseconds),
        // doubling to at most 100 ms so that a long wait costs few wake-ups.
        let mut pause = Duration::from_millis(1);
        loop {
            let opened = guard(|| {
                Database::builder()
                    .set_cache_size(CACHE_BYTES)
                    .create(&self.path)
            });
            let opened = match opened {
                Ok(o) => o,
                Err(why) => return Err(Opened::Corrupt(why)),
            };
            match opened {
                Ok(db) => return Ok(db),
                Err(DatabaseError::DatabaseAlreadyOpen) if start.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(100));
                }
                Err(DatabaseError::DatabaseAlreadyOpen) => {
                    return Err(Opened::Failed(StoreError::Busy {
                        path: self.path.clone(),
                    }))
                }
                Err(e) => return Err(classify(&self.path, e)),
            }
        }
    }

    fn db(&self) -> Result<Database, StoreError> {
        self.open().map_err(|e| match e {
            Opened::Failed(e) => e,
            Opened::Corrupt(why) => StoreError::Database {
                path: self.path.clone(),
                error: format!("corrupt: {why}"),
            },
        })
    }

    fn failed(&self, e: impl std::fmt::Display) -> Opened {
        Opened::Failed(self.error(e))
    }

    fn error(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Database {
            path: self.path.clone(),
            error: e.to_string(),
        }
    }

    /// Runs `op` on the index, a panic inside redb (a file damaged while open) reported as an
    /// error.
    pub fn run<T>(
        &self,
        op: impl FnOnce(&Index) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        guard(|| op(self)).unwrap_or_else(|why| Err(self.error(why)))
    }

    /// The slot for `key`, if any.
    pub fn get(&self, key: &[u8]) -> Result<Option<Slot>, StoreError> {
        let db = self.db()?;
        let tx = db.begin_read().map_err(|e| self.error(e))?;
        let table = match tx.open_table(TABLE) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(self.error(e)),
        };
        let got = table.get(key).map_err(|e| self.error(e))?;
        Ok(got.and_then(|v| Slot::decode(v.value())))
    }

    /// Sets `key` to `slot`.
    pub fn insert(&self, key: &[u8], slot: &Slot) -> Result<(), StoreError> {
        let db = self.db()?;
        let tx = db.begin_write().map_err(|e| self.error(e))?;
        {
            let mut table = tx.open_table(TABLE).map_err(|e| self.error(e))?;
            table
                .insert(key, &slot.encode()[..])
                .map_err(|e| self.error(e))?;
        }
        tx.commit().map_err(|e| self.error(e))
    }

    /// Removes `key` if it still points to `sha256` (a peer may have replaced it).
    pub fn remove_if(&self, key: &[u8], sha256: &[u8; 32]) -> Result<(), StoreError> {
        self.remove_all(&[(key.to_vec(), *sha256)]).map(|_| ())
    }

    /// Removes each key that still points to its hash; returns how many were removed.
    pub fn remove_all(&self, keys: &[(Vec<u8>, [u8; 32])]) -> Result<u64, StoreError> {
        if keys.is_empty() {
            return Ok(0);
        }
        let db = self.db()?;
        let tx = db.begin_write().map_err(|e| self.error(e))?;
        let mut removed = 0;
        {
            let mut table = tx.open_table(TABLE).map_err(|e| self.error(e))?;
            for (key, sha256) in keys {
                let current = table.get(key.as_slice()).map_err(|e| self.error(e))?;
                let same = current
                    .and_then(|v| Slot::decode(v.value()))
                    .is_some_and(|s| &s.sha256 == sha256);
                if same {
                    table.remove(key.as_slice()).map_err(|e| self.error(e))?;
                    removed += 1;
                }
            }
        }
        tx.commit().map_err(|e| self.error(e))?;
        Ok(removed)
    }

    /// Every entry, keys encoded (slots that do not decode are left out).
    pub fn all(&self) -> Result<Vec<(Vec<u8>, Slot)>, StoreError> {
        let db = self.db()?;
        let tx = db.begin_read().map_err(|e| self.error(e))?;
        let table = match tx.open_table(TABLE) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(self.error(e)),
        };
        let mut out = Vec::new();
        for item in table.iter().map_err(|e| self.error(e))? {
            let (k, v) = item.map_err(|e| self.error(e))?;
            if let Some(slot) = Slot::decode(v.value()) {
                out.push((k.value().to_vec(), slot));
            }
        }
        Ok(out)
    }
}

/// An open that failed: the file is corrupt (moved aside by `open_checked`), or something
/// else went wrong (reported).
enum Opened {
    Corrupt(String),
    Failed(StoreError),
}

/// Sorts redb's open errors: what says the file is damaged, from what says the disk or the
/// lock failed.
fn classify(path: &Path, e: DatabaseError) -> Opened {
    use std::io::ErrorKind;
    match e {
        DatabaseError::Storage(StorageError::Corrupted(why)) => Opened::Corrupt(why),
        DatabaseError::UpgradeRequired(v) => Opened::Corrupt(format!("file format version {v}")),
        DatabaseError::Storage(StorageError::Io(io))
            if matches!(io.kind(), ErrorKind::UnexpectedEof | ErrorKind::InvalidData) =>
        {
            Opened::Corrupt(io.to_string())
        }
        e => Opened::Failed(StoreError::Database {
            path: path.to_path_buf(),
            error: e.to_string(),
        }),
    }
}

/// Runs `f`, turning a panic into its message: redb 2 asserts, rather than reports, some
/// inconsistencies of a damaged file (a file shorter than its header's layout), and a
/// damaged cache must never bring a run down. redb's state is dropped with the panic (its
/// file lock included), and the file is then treated as corrupt.
pub(super) fn guard<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        format!("the database library panicked: {message}")
    })
}

/// A suffix no other process picks at the same moment: the time in nanoseconds and the pid.
fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos}-{}", std::process::id())
}
