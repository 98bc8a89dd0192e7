//! Tar and zip archives: members located from their headers, never read to be skipped.
//!
//! The enumerator reads headers through a file handle of its own; the items it yields carry a
//! second handle, shared by the workers, who read only with explicit offsets (maps and
//! positional reads). So no worker can move the enumerator, whatever it reads or fails to.

use std::fs::File;
use std::io::{self, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use super::{directory_entry, missing, unreadable, Item, Source};

/// Tar blocks are 512 bytes (POSIX.1-2017, pax: "ustar Interchange Format").
const BLOCK: u64 = 512;

/// Two handles on an archive, its length, or why it cannot be read: the enumerator's (its
/// offset moves as headers are read) and the workers' (only ever read at explicit offsets).
fn open_archive(path: &Path) -> Result<(File, Arc<File>, u64), String> {
    let open = || File::open(path).map_err(|e| format!("cannot read the archive: {e}"));
    let own = open()?;
    let len = own.metadata().map(|m| m.len()).unwrap_or(0);
    Ok((own, Arc::new(open()?), len))
}

/// Every member of a tar archive. A damaged header does not end the walk: the next block
/// that holds a valid header is searched for (as GNU tar does), and the damaged stretch gets a
/// line of its own, so that every member that can be located is reported.
pub(super) fn tar_members(input: &str, path: &Path, emit: &mut dyn FnMut(Item) -> bool) -> bool {
    let (mut own, shared, archive_len) = match open_archive(path) {
        Ok(f) => f,
        Err(e) => return emit(missing(input, input, e)),
    };
    let mut base = 0u64;
    loop {
        let walk = match tar_walk(input, &mut own, base, &shared, archive_len, emit) {
            Ok(w) => w,
            Err(e) => return emit(missing(input, input, format!("not a tar archive: {e}"))),
        };
        let (damaged_at, why) = match walk {
            TarWalk::Stopped => return false,
            TarWalk::Ended => return true,
            TarWalk::Damaged { at, why } => (at, why),
        };
        let resume = next_valid_header(&shared, damaged_at + BLOCK, archive_len);
        let what = match resume {
            Some(next) => format!(
                "damaged tar archive: {why} (header at byte {damaged_at}); \
                 skipped to the next valid header at byte {next}"
            ),
            None => format!(
                "damaged tar archive: {why} (header at byte {damaged_at}); \
                 no valid header follows"
            ),
        };
        if !emit(unreadable(input, &format!("{input}#{damaged_at}"), what)) {
            return false;
        }
        match resume {
            Some(next) => base = next,
            None => return true,
        }
    }
}

/// How a walk over tar headers ended.
enum TarWalk {
    /// At the end-of-archive marker or the file's end.
    Ended,
    /// `emit` asked to stop.
    Stopped,
    /// At a header that does not read, at byte `at`.
    Damaged { at: u64, why: String },
}

/// Walks the headers from byte `base` of the archive (a header boundary).
fn tar_walk(
    input: &str,
    own: &mut File,
    base: u64,
    shared: &Arc<File>,
    archive_len: u64,
    emit: &mut dyn FnMut(Item) -> bool,
) -> io::Result<TarWalk> {
    // The tar crate counts positions from where its reader starts: it sees the archive from
    // `base` on as a file of its own.
    own.seek(SeekFrom::Start(base))?;
    let mut archive = tar::Archive::new(io::BufReader::new(From { file: own, base }));
    // Headers are read with seeks over the member data: enumerating never reads a document.
    let entries = archive.entries_with_seek()?;
    // Where the header after the last member read starts (positions are relative to `base`).
    let mut next_header = 0u64;
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                return Ok(TarWalk::Damaged {
                    at: base + next_header,
                    why: e.to_string(),
                })
            }
        };
        let start = base + entry.raw_file_position();
        let size = entry.size();
        next_header =
            (entry.raw_file_position()).saturating_add(size.div_ceil(BLOCK).saturating_mul(BLOCK));
        let name = entry
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| String::from_utf8_lossy(&entry.path_bytes()).into_owned());
        let kind = entry.header().entry_type();
        let item = if kind.is_file() {
            match start.checked_add(size).filter(|&end| end <= archive_len) {
                Some(_) => Item {
                    input: input.to_string(),
                    name,
                    source: Source::Range {
                        file: shared.clone(),
                        start,
                        len: size,
                    },
                },
                None => unreadable(
                    input,
                    &name,
                    "truncated: the member runs past the archive's end".into(),
                ),
            }
        } else if kind.is_dir() {
            match directory_entry(input, &name) {
                Some(item) => item,
                None => continue,
            }
        } else if kind.is_pax_global_extensions()
            || kind.is_pax_local_extensions()
            || kind.is_gnu_longname()
            || kind.is_gnu_longlink()
        {
            continue;
        } else {
            unreadable(input, &name, format!("not a regular file ({kind:?})"))
        };
        if !emit(item) {
            return Ok(TarWalk::Stopped);
        }
    }
    Ok(TarWalk::Ended)
}

/// A file seen from byte `base` on: positions and seeks are relative to `base`.
struct From<'a> {
    file: &'a mut File,
    base: u64,
}

impl io::Read for From<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.file.read(buf)
    }
}

impl Seek for From<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(n) => SeekFrom::Start(self.base.saturating_add(n)),
            other => other,
        };
        let at = self.file.seek(target)?;
        at.checked_sub(self.base)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))
    }
}

/// The first block at or after `from` that holds a tar header with a valid checksum, read
/// with positional reads. The scan reads the damaged stretch once; it is bounded by the
/// archive's length.
fn next_valid_header(file: &File, from: u64, archive_len: u64) -> Option<u64> {
    // Blocks read per positional read while scanning.
    const CHUNK: usize = 256;
    let mut buf = vec![0u8; CHUNK * BLOCK as usize];
    let mut pos = from;
    while pos + BLOCK <= archive_len {
        let want = ((archive_len - pos) / BLOCK).min(CHUNK as u64) as usize * BLOCK as usize;
        let got = &mut buf[..want];
        super::bytes::read_exact_at(file, got, pos).ok()?;
        for (i, block) in got.chunks_exact(BLOCK as usize).enumerate() {
            if is_header(block) {
                return Some(pos + i as u64 * BLOCK);
            }
        }
        pos += want as u64;
    }
    None
}

/// Whether a 512-byte block is a tar header: not all zeros, and its checksum field (octal, at
/// bytes 148..156) equals the sum of its bytes with that field read as spaces.
fn is_header(block: &[u8]) -> bool {
    if block.iter().all(|&b| b == 0) {
        return false;
    }
    let sum: u32 = block[..148]
        .iter()
        .chain(&block[156..])
        .map(|&b| u32::from(b))
        .sum::<u32>()
        + 8 * u32::from(b' ');
    let field = std::str::from_utf8(&block[148..156]).unwrap_or("");
    let digits = field.trim_matches(|c: char| c == ' ' || c == '\0');
    !digits.is_empty() && u32::from_str_radix(digits, 8).ok() == Some(sum)
}

/// Every entry of a zip archive's central directory.
pub(super) fn zip_members(input: &str, path: &Path, emit: &mut dyn FnMut(Item) -> bool) -> bool {
    let (own, shared, archive_len) = match open_archive(path) {
        Ok(f) => f,
        Err(e) => return emit(missing(input, input, e)),
    };
    // The central directory and local headers are read through the enumerator's handle;
    // entry data is located, not read.
    let mut zip = match zip::ZipArchive::new(io::BufReader::new(own)) {
        Ok(z) => z,
        Err(e) => return emit(missing(input, input, format!("not a zip archive: {e}"))),
    };
    for index in 0..zip.len() {
        let item = match zip.by_index_raw(index) {
            Err(e) => unreadable(
                input,
                &format!("{input}#{index}"),
                format!("damaged zip entry: {e}"),
            ),
            Ok(f) => {
                let name = f.name().to_string();
                if f.is_dir() {
                    match directory_entry(input, &name) {
                        Some(item) => item,
                        None => continue,
                    }
                } else {
                    zip_entry(input, name, &f, &shared, archive_len)
                }
            }
        };
        if !emit(item) {
            return false;
        }
    }
    true
}

/// Where a zip file entry's document is, or why it has none.
fn zip_entry<R: io::Read>(
    input: &str,
    name: String,
    f: &zip::read::ZipFile<'_, R>,
    shared: &Arc<File>,
    archive_len: u64,
) -> Item {
    let start = f.data_start().unwrap_or(u64::MAX);
    let compressed = f.compressed_size();
    let in_bounds = start
        .checked_add(compressed)
        .is_some_and(|end| end <= archive_len);
    if !in_bounds {
        return unreadable(
            input,
            &name,
            "truncated: the entry runs past the archive's end".into(),
        );
    }
    if f.encrypted() {
        return unreadable(input, &name, "an encrypted zip entry (no password)".into());
    }
    let source = match f.compression() {
        zip::CompressionMethod::Stored => Source::Range {
            file: shared.clone(),
            start,
            len: compressed,
        },
        zip::CompressionMethod::DEFLATE => Source::Deflated {
            file: shared.clone(),
            start,
            compressed,
            size: f.size(),
        },
        other => {
            return unreadable(
                input,
                &name,
                format!("unsupported zip compression {other:?}"),
            )
        }
    };
    Item {
        input: input.to_string(),
        name,
        source,
    }
}
