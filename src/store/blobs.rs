//! Content-addressed blob files: `blobs/ab/abcdef…` holds the body whose SHA-256 is
//! `abcdef…`, written to a temporary file and renamed into place, hashed again on every read.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::asn1::hex;
use crate::pki::cert::fingerprint;

/// How old an unreferenced blob file must be before a prune deletes it: a peer process
/// writes a blob before it indexes it, and the two steps are far less than a minute apart
/// even for the largest CRL; ten minutes leaves a wide margin.
pub const GRACE: Duration = Duration::from_secs(600);

/// Why a blob could not be returned.
#[derive(Debug)]
pub(super) struct Bad {
    /// No such file (as opposed to a file with the wrong contents or length).
    pub missing: bool,
}

/// The blob directory.
pub(super) struct Blobs {
    dir: PathBuf,
    /// Numbers this process's temporary files.
    counter: AtomicU64,
}

impl Blobs {
    /// The blob directory at `dir`, created if need be.
    pub fn open(dir: &Path) -> std::io::Result<Blobs> {
        std::fs::create_dir_all(dir)?;
        Ok(Blobs {
            dir: dir.to_path_buf(),
            counter: AtomicU64::new(0),
        })
    }

    fn path(&self, sha256: &[u8; 32]) -> PathBuf {
        let name = hex(sha256);
        self.dir.join(&name[..2]).join(name)
    }

    /// The blob `sha256` of `len` bytes, its hash checked.
    pub fn read(&self, sha256: &[u8; 32], len: u64) -> Result<Vec<u8>, Bad> {
        let path = self.path(sha256);
        let meta = std::fs::metadata(&path).map_err(|e| Bad {
            missing: e.kind() == std::io::ErrorKind::NotFound,
        })?;
        // The length is checked before reading, so a damaged index entry never makes the
        // store read a file larger than the body it recorded.
        if meta.len() != len {
            return Err(Bad { missing: false });
        }
        let body = std::fs::read(&path).map_err(|_| Bad { missing: false })?;
        if fingerprint(&body) != *sha256 {
            return Err(Bad { missing: false });
        }
        Ok(body)
    }

    /// Writes the blob `sha256` (= SHA-256 of `body`) unless a file of its length is there
    /// (its contents are checked on every read).
    pub fn write(&self, sha256: &[u8; 32], body: &[u8]) -> std::io::Result<()> {
        let path = self.path(sha256);
        if std::fs::metadata(&path).is_ok_and(|m| m.len() == body.len() as u64) {
            return Ok(());
        }
        let parent = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent)?;
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let tmp = self.dir.join(format!(
            "tmp-{}-{n}-{}",
            std::process::id(),
            hex(&sha256[..4])
        ));
        let written = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(body)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written
    }

    /// Deletes the blob `sha256` (a damaged one).
    pub fn remove(&self, sha256: &[u8; 32]) {
        let _ = std::fs::remove_file(self.path(sha256));
    }

    /// Deletes every blob file (and leftover temporary file) older than [`GRACE`] whose hash
    /// is not in `live`; returns how many files and bytes went.
    pub fn sweep(&self, live: &HashSet<[u8; 32]>) -> (u64, u64) {
        let (mut files, mut bytes) = (0, 0);
        let Ok(top) = std::fs::read_dir(&self.dir) else {
            return (0, 0);
        };
        for entry in top.flatten() {
            let path = entry.path();
            if path.is_dir() {
                for blob in std::fs::read_dir(&path).into_iter().flatten().flatten() {
                    let name = blob.file_name();
                    let keep =
                        parse_hex(&name.to_string_lossy()).is_some_and(|h| live.contains(&h));
                    if !keep {
                        sweep_one(&blob.path(), &mut files, &mut bytes);
                    }
                }
            } else {
                sweep_one(&path, &mut files, &mut bytes);
            }
        }
        (files, bytes)
    }
}

/// Deletes `path` if it is older than [`GRACE`], counting it.
fn sweep_one(path: &Path, files: &mut u64, bytes: &mut u64) {
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    let old = meta
        .modified()
        .ok()
        .and_then(|m| m.elapsed().ok())
        .is_some_and(|age| age >= GRACE);
    if old && std::fs::remove_file(path).is_ok() {
        *files += 1;
        *bytes += meta.len();
    }
}

/// A blob file's name back to its hash.
fn parse_hex(name: &str) -> Option<[u8; 32]> {
    if name.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(name.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}
