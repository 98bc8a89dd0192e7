//! Per-key lock files (`DIR/flights/ab/abcd….lock`, named by the SHA-256 of the store key):
//! the processes sharing a cache directory take a key's lock before fetching what the store
//! does not hold, so that one of them fetches it while the others wait and then read its body
//! from the store. See the module documentation of `store` for what the locks guarantee.
//!
//! A lock file also holds one line about the last fetch made under it, written by the holder
//! before it lets go: `sigaudit-flight 1 GENERATION ok` or `… failed LENGTH MESSAGE`. A waiter
//! reads it before it waits and again once it holds the lock: a generation that moved on in
//! between is a fetch a peer made while this process waited, and its failure is shared
//! rather than repeated — otherwise N processes waiting on a dead server would each spend a
//! whole timeout on it, one after the other.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::asn1::hex;
use crate::pki::cert::fingerprint;

/// Lock files untouched for this long are removed by [`super::Store::prune`]: a holder
/// touches its file when it takes the lock and writes it when it lets go, and no fetch holds a
/// lock for anything near an hour (the fetcher's timeouts bound it to minutes).
pub const LOCK_GRACE: Duration = Duration::from_secs(3600);

/// The longest failure message kept in a lock file, in bytes.
const MESSAGE_MAX: usize = 1024;

/// The first pause between two attempts at a held lock; doubled up to [`POLL_MAX`].
const POLL_MIN: Duration = Duration::from_millis(5);

/// The longest pause between two attempts at a held lock: a peer's fetch takes from
/// milliseconds (a certificate) to minutes (a national CRL over a slow link).
const POLL_MAX: Duration = Duration::from_millis(200);

/// What a peer process did under a key's lock while this process waited for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerFetch {
    /// Nothing this process can tell.
    Unknown,
    /// A peer fetched the body (and stored it before letting go).
    Fetched,
    /// A peer's fetch failed, with its message.
    Failed(String),
}

/// The outcome of asking for a key's lock.
#[derive(Debug)]
pub enum Flight {
    /// The lock is held until the [`FlightLock`] is released or dropped.
    Held {
        /// The lock.
        lock: FlightLock,
        /// Whether a peer held the lock when it was first tried (this process waited).
        waited: bool,
        /// What a peer did under the lock while this process waited.
        peer: PeerFetch,
    },
    /// A peer held the lock for the whole wait: fetch without it.
    TimedOut,
    /// No lock can be had here: the lock file cannot be created, or the file system refuses
    /// locks (some NFS mounts: no lock manager). Fetch without it.
    Unavailable(String),
}

/// A held lock on one key's lock file; released when dropped (the file is closed).
#[derive(Debug)]
pub struct FlightLock {
    file: File,
    generation: u64,
}

/// The lock file of a key (its encoded form) under `dir` (`DIR/flights`).
pub(super) fn lock_path(dir: &Path, encoded_key: &[u8]) -> PathBuf {
    let name = hex(&fingerprint(encoded_key));
    dir.join(&name[..2]).join(format!("{name}.lock"))
}

/// Takes the lock at `path`, polling with backoff for up to `wait` while a peer holds it.
pub(super) fn acquire(path: &Path, wait: Duration) -> Flight {
    let file = match open(path) {
        Ok(f) => f,
        Err(e) => return Flight::Unavailable(format!("{}: {e}", path.display())),
    };
    // Before waiting, what the last fetch under the lock was (unreadable while a peer writes
    // it, or where the file system enforces the lock on reads: then no failure is shared).
    let before = read_record(&file);
    let start = Instant::now();
    let mut pause = POLL_MIN;
    let mut waited = false;
    loop {
        match try_lock(&file) {
            Ok(true) => break,
            Ok(false) => {
                waited = true;
                let spent = start.elapsed();
                if spent >= wait {
                    return Flight::TimedOut;
                }
                std::thread::sleep(pause.min(wait - spent));
                pause = (pause * 2).min(POLL_MAX);
            }
            Err(e) => return Flight::Unavailable(format!("{}: locking: {e}", path.display())),
        }
    }
    // Touched, so that a prune does not take the file of a lock in use for an old one.
    let _ = file.set_modified(SystemTime::now());
    let after = read_record(&file);
    let generation = after.as_ref().map_or(0, |r| r.generation);
    let peer = match (before, after) {
        (Some(b), Some(a)) if a.generation > b.generation => a.outcome,
        _ => PeerFetch::Unknown,
    };
    Flight::Held {
        lock: FlightLock { file, generation },
        waited,
        peer,
    }
}

/// `flock(fd, LOCK_EX | LOCK_NB)`: `Ok(true)` when the lock is taken, `Ok(false)` when another
/// open file description holds it. This is what std's `File::try_lock` does on Unix, which is
/// stable only since Rust 1.89, after this crate's rust-version (1.85): rustix's safe `flock`
/// (already in the tree through `tempfile`) until then. (The targets where rustix has it.)
#[cfg(all(
    unix,
    not(any(
        target_os = "solaris",
        target_os = "espidf",
        target_os = "horizon",
        target_os = "vita"
    ))
))]
fn try_lock(file: &File) -> std::io::Result<bool> {
    use rustix::fs::{flock, FlockOperation};
    use rustix::io::Errno;
    match flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        // Interrupted: tried again after the pause, like a lock found held.
        Err(e) if e == Errno::WOULDBLOCK || e == Errno::INTR => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// No advisory file locks here: the fetcher goes on without them.
#[cfg(not(all(
    unix,
    not(any(
        target_os = "solaris",
        target_os = "espidf",
        target_os = "horizon",
        target_os = "vita"
    ))
)))]
fn try_lock(_: &File) -> std::io::Result<bool> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "no advisory file locks on this platform",
    ))
}

/// The lock file, created if need be (with its directory), opened for writing: NFS places an
/// exclusive `flock` only on a file open for writing.
fn open(path: &Path) -> std::io::Result<File> {
    let options = || {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
    };
    match options() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            options()
        }
        other => other,
    }
}

impl FlightLock {
    /// Records how the fetch made under the lock went (`Err`: its failure, shared with the
    /// peers waiting now), then lets go. A failure to write the record only loses the sharing.
    pub fn release(mut self, outcome: Result<(), &str>) {
        let record = Record {
            generation: self.generation + 1,
            outcome: match outcome {
                Ok(()) => PeerFetch::Fetched,
                Err(m) => PeerFetch::Failed(m.to_owned()),
            },
        };
        let line = record.encode();
        let _ = (|| {
            self.file.seek(SeekFrom::Start(0))?;
            self.file.write_all(line.as_bytes())?;
            self.file.set_len(line.len() as u64)
        })();
        self.file.flush().ok();
        // Dropping the file closes it, which releases the lock.
    }
}

/// The line a lock file holds.
#[derive(Debug, PartialEq, Eq)]
struct Record {
    generation: u64,
    outcome: PeerFetch,
}

const MAGIC: &str = "sigaudit-flight 1";

impl Record {
    fn encode(&self) -> String {
        match &self.outcome {
            PeerFetch::Failed(m) => {
                let mut line = String::new();
                for c in m.chars().map(|c| if c.is_control() { ' ' } else { c }) {
                    if line.len() + c.len_utf8() > MESSAGE_MAX {
                        break;
                    }
                    line.push(c);
                }
                let m = line;
                format!("{MAGIC} {} failed {} {m}\n", self.generation, m.len())
            }
            _ => format!("{MAGIC} {} ok\n", self.generation),
        }
    }

    /// The record, or `None` for anything else (an empty file, a record being written).
    fn decode(text: &str) -> Option<Record> {
        let line = text.strip_suffix('\n')?;
        let rest = line.strip_prefix(MAGIC)?.strip_prefix(' ')?;
        let (generation, rest) = rest.split_once(' ')?;
        let generation = generation.parse().ok()?;
        let outcome = if rest == "ok" {
            PeerFetch::Fetched
        } else {
            let (len, message) = rest.strip_prefix("failed ")?.split_once(' ')?;
            if len.parse::<usize>().ok()? != message.len() {
                return None;
            }
            PeerFetch::Failed(message.to_owned())
        };
        Some(Record {
            generation,
            outcome,
        })
    }
}

/// The record of an open lock file, read from its start; an empty file (no fetch was made
/// under the lock yet) is generation 0.
fn read_record(mut file: &File) -> Option<Record> {
    file.seek(SeekFrom::Start(0)).ok()?;
    let mut text = String::new();
    file.take(MESSAGE_MAX as u64 + 128)
        .read_to_string(&mut text)
        .ok()?;
    if text.is_empty() {
        return Some(Record {
            generation: 0,
            outcome: PeerFetch::Unknown,
        });
    }
    Record::decode(&text)
}

/// Deletes the lock files under `dir` untouched for [`LOCK_GRACE`] (and directories left
/// empty); returns how many files went. A lock file deleted while a peer waits on it costs at
/// most one fetch made twice.
pub(super) fn sweep(dir: &Path) -> u64 {
    let mut removed = 0;
    let Ok(top) = std::fs::read_dir(dir) else {
        return 0;
    };
    for sub in top.flatten() {
        let sub = sub.path();
        if !sub.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(&sub).into_iter().flatten().flatten() {
            let path = entry.path();
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| m.elapsed().ok())
                .is_some_and(|age| age >= LOCK_GRACE);
            let is_lock = path.extension().is_some_and(|e| e == "lock");
            if is_lock && old && std::fs::remove_file(&path).is_ok() {
                removed += 1;
            }
        }
        // Fails, harmlessly, unless empty.
        let _ = std::fs::remove_dir(&sub);
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        for outcome in [
            PeerFetch::Fetched,
            PeerFetch::Failed("http://a.example/x.crl: timed out".into()),
            PeerFetch::Failed(String::new()),
        ] {
            let r = Record {
                generation: 7,
                outcome,
            };
            assert_eq!(Record::decode(&r.encode()), Some(r));
        }
        let failed = Record {
            generation: 1,
            outcome: PeerFetch::Failed("a\nb".into()),
        };
        assert_eq!(
            Record::decode(&failed.encode()).map(|r| r.outcome),
            Some(PeerFetch::Failed("a b".into()))
        );
        // Being written, or cut short: not a record.
        for bad in [
            "",
            "sigaudit-flight 1 3 ok",
            "sigaudit-flight 1 3 failed 10 short\n",
            "sigaudit-flight 1 x ok\n",
            "other 1 3 ok\n",
        ] {
            assert_eq!(Record::decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_second_open_file_description_waits_and_sees_the_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = lock_path(dir.path(), b"key");
        let Flight::Held { lock, waited, .. } = acquire(&path, Duration::from_secs(5)) else {
            panic!("the first lock is taken");
        };
        assert!(!waited);
        // Held: a second open file description (even in this process) cannot have it.
        assert!(matches!(
            acquire(&path, Duration::from_millis(50)),
            Flight::TimedOut
        ));
        let waiter = {
            let path = path.clone();
            std::thread::spawn(move || acquire(&path, Duration::from_secs(10)))
        };
        std::thread::sleep(Duration::from_millis(100));
        lock.release(Err("http://a.example/x.crl: timed out"));
        match waiter.join().unwrap() {
            Flight::Held { waited, peer, .. } => {
                assert!(waited);
                assert_eq!(
                    peer,
                    PeerFetch::Failed("http://a.example/x.crl: timed out".into())
                );
            }
            other => panic!("{other:?}"),
        }
        // Taken again later, with nobody waiting: nothing to share.
        let Flight::Held { peer, waited, .. } = acquire(&path, Duration::from_secs(1)) else {
            panic!("free again");
        };
        assert!(!waited);
        assert_eq!(peer, PeerFetch::Unknown);
    }
}
