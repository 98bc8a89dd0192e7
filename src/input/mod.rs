//! Inputs: PDF files, directories (walked recursively), tar and zip archives, and lists of
//! paths on standard input. Each document is memory-mapped on its own, by the worker that
//! verifies it: a file whole, a tar member or stored zip entry as the page-aligned range of the
//! archive that holds it (never copied). Deflated zip entries are inflated from their mapped
//! range into a buffer of bounded size.
//!
//! Enumeration is lazy and cheap: archive headers are read with seeks (member data is never
//! read to skip it), and it yields [`Item`]s that say where a document is. So memory — mapped
//! pages included — is bounded by the documents in flight, not by the archive's size.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::ops::{Deref, Range};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The largest deflated zip entry inflated into memory (documents of several hundred
/// megabytes exist; beyond this a member is reported as oversized rather than risking memory).
pub const MAX_INFLATED_ENTRY: u64 = 1 << 30;

/// Bytes a document lives in: a memory map, or a buffer (read fallback, inflated entry).
pub enum Backing {
    /// A read-only map of a whole file.
    Map(memmap2::Mmap),
    /// Bytes held in memory.
    Owned(Vec<u8>),
}

impl Deref for Backing {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Backing::Map(m) => m,
            Backing::Owned(v) => v,
        }
    }
}

/// Largest map that is populated (faulted in) when it is made.
pub const POPULATE: usize = 64 << 20;

/// Maps `len` bytes of `file` from `start` read-only (the map starts at the page boundary at
/// or before `start`); falls back to reading them when they cannot be mapped (an empty range, a
/// pipe, a file system without mmap). The crate's one `unsafe`.
#[allow(unsafe_code)]
pub fn map(file: &File, start: u64, len: usize) -> io::Result<Blob> {
    const PAGE: u64 = 4096; // a multiple of the page size on every supported platform
    let aligned = start - start % PAGE;
    let lead = (start - aligned) as usize;
    if len > 0 {
        // SAFETY: the map is read-only and private to this process. If another process
        // truncates or rewrites the file while it is mapped, reads of the vanished pages raise
        // SIGBUS and reads of rewritten pages see the new bytes: sigaudit verifies archives at
        // rest, and a document whose bytes change under it is not one whose verdict can hold
        // anyway. Nothing in sigaudit writes to its inputs.
        let mapped = unsafe {
            let mut options = memmap2::MmapOptions::new();
            options.offset(aligned).len(lead + len);
            // Every byte of a document is hashed: a map of up to POPULATE bytes is faulted in
            // with the mmap call itself (one kernel entry instead of one per 16 pages).
            // Larger documents fault in as they are hashed, with sequential read-ahead, so
            // that memory in flight stays small.
            if lead + len <= POPULATE {
                options.populate();
            }
            options.map(file)
        };
        if let Ok(m) = mapped {
            // Documents are read front to back, once (a populated map is already in).
            #[cfg(unix)]
            if lead + len > POPULATE {
                let _ = m.advise(memmap2::Advice::Sequential);
            }
            return Ok(Blob {
                backing: Arc::new(Backing::Map(m)),
                range: lead..lead + len,
            });
        }
    }
    let mut buf = vec![0u8; len];
    let mut f = file;
    io::Seek::seek(&mut f, io::SeekFrom::Start(start))?;
    f.read_exact(&mut buf)?;
    Ok(Blob::whole(Arc::new(Backing::Owned(buf))))
}

/// Maps a whole file.
pub fn open(path: &Path) -> io::Result<Blob> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        let mut buf = Vec::new();
        (&file).read_to_end(&mut buf)?;
        return Ok(Blob::whole(Arc::new(Backing::Owned(buf))));
    }
    map(&file, 0, meta.len() as usize)
}

/// A document's bytes: a range of a shared backing.
#[derive(Clone)]
pub struct Blob {
    backing: Arc<Backing>,
    range: Range<usize>,
}

impl Blob {
    /// The whole of a backing.
    pub fn whole(backing: Arc<Backing>) -> Blob {
        let range = 0..backing.len();
        Blob { backing, range }
    }
}

impl Deref for Blob {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.backing[self.range.clone()]
    }
}

/// Where one document is.
pub enum Source {
    /// A file to map.
    File(PathBuf),
    /// A range of an archive (tar member, stored zip entry), mapped on load.
    Range {
        /// The archive.
        file: Arc<File>,
        /// Offset of the document's first byte.
        start: u64,
        /// Its length.
        len: usize,
    },
    /// A deflated zip entry, inflated on load.
    Deflated {
        /// The archive.
        file: Arc<File>,
        /// Offset of the compressed data.
        start: u64,
        /// Its compressed length.
        compressed: usize,
        /// Its uncompressed size, as the archive claims.
        size: u64,
    },
    /// Not a document; the reason says what it is.
    Unreadable(String),
    /// An input that could not be read at all (no such path, an archive that does not open):
    /// an operational error, reported as one line.
    Missing(String),
}

/// One document of the input.
pub struct Item {
    /// The input it came from, as given (a file, directory, archive, or `-`).
    pub input: String,
    /// Its name: the path of a file, or the member name within an archive.
    pub name: String,
    /// Where its bytes are.
    pub source: Source,
}

/// Why a document's bytes could not be had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError(pub String);

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Item {
    /// The document's bytes.
    pub fn load(&self) -> Result<Blob, LoadError> {
        match &self.source {
            Source::File(p) => open(p).map_err(|e| LoadError(format!("cannot read: {e}"))),
            Source::Range { file, start, len } => {
                map(file, *start, *len).map_err(|e| LoadError(format!("cannot read: {e}")))
            }
            Source::Deflated {
                file,
                start,
                compressed,
                size,
            } => {
                if *size > MAX_INFLATED_ENTRY {
                    return Err(LoadError(format!(
                        "oversized: inflates to {size} bytes, more than {MAX_INFLATED_ENTRY}"
                    )));
                }
                let raw = map(file, *start, *compressed)
                    .map_err(|e| LoadError(format!("cannot read: {e}")))?;
                // A zip entry's data is a raw DEFLATE stream (APPNOTE 4.4.5, method 8).
                let mut out = Vec::with_capacity((*size).min(MAX_INFLATED_ENTRY) as usize);
                flate2::read::DeflateDecoder::new(&raw[..])
                    .take(MAX_INFLATED_ENTRY + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| LoadError(format!("cannot inflate: {e}")))?;
                if out.len() as u64 > MAX_INFLATED_ENTRY {
                    return Err(LoadError("oversized: inflates past the limit".into()));
                }
                Ok(Blob::whole(Arc::new(Backing::Owned(out))))
            }
            Source::Unreadable(why) | Source::Missing(why) => Err(LoadError(why.clone())),
        }
    }
}

/// What kind of input a path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A single document.
    File,
    /// A directory to walk.
    Directory,
    /// A tar archive (by name: `.tar`).
    Tar,
    /// A zip archive (by name: `.zip`).
    Zip,
}

/// Classifies an input path.
pub fn kind(path: &Path) -> Kind {
    let lower = path.to_string_lossy().to_ascii_lowercase();
    if path.is_dir() {
        Kind::Directory
    } else if lower.ends_with(".tar") {
        Kind::Tar
    } else if lower.ends_with(".zip") {
        Kind::Zip
    } else {
        Kind::File
    }
}

/// Calls `emit` for every document of `input` (a path, or `-` for a list of paths on standard
/// input), in a stable order: directory entries sorted by name, archive members in archive
/// order. Stops early when `emit` returns false. Errors of the input itself (an archive that
/// cannot be opened) become one unreadable item, so nothing is lost.
pub fn enumerate(input: &str, emit: &mut dyn FnMut(Item) -> bool) {
    if input == "-" {
        let stdin = io::stdin();
        let mut line = String::new();
        loop {
            line.clear();
            match io::BufRead::read_line(&mut stdin.lock(), &mut line) {
                Ok(0) => break,
                Ok(_) => {
                    let p = line.trim_end_matches(['\n', '\r']);
                    if p.is_empty() {
                        continue;
                    }
                    if !enumerate_path("-", Path::new(p), emit) {
                        return;
                    }
                }
                Err(e) => {
                    emit(missing("-", "-", format!("cannot read the list: {e}")));
                    return;
                }
            }
        }
        return;
    }
    enumerate_path(input, Path::new(input), emit);
}

fn missing(input: &str, name: &str, why: String) -> Item {
    Item {
        input: input.to_string(),
        name: name.to_string(),
        source: Source::Missing(why),
    }
}

fn unreadable(input: &str, name: &str, why: String) -> Item {
    Item {
        input: input.to_string(),
        name: name.to_string(),
        source: Source::Unreadable(why),
    }
}

fn enumerate_path(input: &str, path: &Path, emit: &mut dyn FnMut(Item) -> bool) -> bool {
    let name = path.display().to_string();
    if !path.exists() {
        return emit(missing(input, &name, "cannot read: no such file".into()));
    }
    match kind(path) {
        Kind::File => emit(Item {
            input: input.to_string(),
            name,
            source: Source::File(path.to_path_buf()),
        }),
        Kind::Directory => walk(input, path, emit),
        Kind::Tar => tar_members(input, path, emit),
        Kind::Zip => zip_members(input, path, emit),
    }
}

/// Depth-first, entries sorted by name; symbolic links are not followed (reported instead:
/// following them could loop or leave the tree).
fn walk(input: &str, dir: &Path, emit: &mut dyn FnMut(Item) -> bool) -> bool {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            return emit(unreadable(
                input,
                &dir.display().to_string(),
                format!("cannot read the directory: {e}"),
            ))
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        let name = p.display().to_string();
        let meta = match std::fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(e) => {
                if !emit(unreadable(input, &name, format!("cannot read: {e}"))) {
                    return false;
                }
                continue;
            }
        };
        let go_on = if meta.file_type().is_symlink() {
            emit(unreadable(
                input,
                &name,
                "a symbolic link, not followed".into(),
            ))
        } else if meta.is_dir() {
            walk(input, &p, emit)
        } else if meta.is_file() {
            // Archives inside a directory are expanded like archives given directly; their
            // members name the archive as their input.
            match kind(&p) {
                Kind::Tar => tar_members(&name, &p, emit),
                Kind::Zip => zip_members(&name, &p, emit),
                _ => emit(Item {
                    input: input.to_string(),
                    name,
                    source: Source::File(p.clone()),
                }),
            }
        } else {
            emit(unreadable(input, &name, "not a regular file".into()))
        };
        if !go_on {
            return false;
        }
    }
    true
}

/// An archive's directory entry: structure, skipped, unless it is named like a document
/// (`*.pdf`), which gets its line saying what it is.
fn directory_entry(input: &str, name: &str) -> Option<Item> {
    let pdf_like = name
        .trim_end_matches('/')
        .to_ascii_lowercase()
        .ends_with(".pdf");
    pdf_like.then(|| unreadable(input, name, "a directory, not a document".into()))
}

/// An archive opened for its members, with its length, or why it cannot be read.
fn open_archive(path: &Path) -> Result<(Arc<File>, u64), String> {
    let file = File::open(path).map_err(|e| format!("cannot read the archive: {e}"))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    Ok((Arc::new(file), len))
}

fn tar_members(input: &str, path: &Path, emit: &mut dyn FnMut(Item) -> bool) -> bool {
    let (file, archive_len) = match open_archive(path) {
        Ok(f) => f,
        Err(e) => return emit(missing(input, input, e)),
    };
    let mut archive = tar::Archive::new(io::BufReader::new(&*file));
    // Headers are read with seeks over the member data: enumerating never reads a document.
    let entries = match archive.entries_with_seek() {
        Ok(e) => e,
        Err(e) => return emit(missing(input, input, format!("not a tar archive: {e}"))),
    };
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                // A damaged header ends the walk: the members after it cannot be located.
                return emit(unreadable(
                    input,
                    input,
                    format!("damaged tar archive: {e}"),
                ));
            }
        };
        let name = entry
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| String::from_utf8_lossy(&entry.path_bytes()).into_owned());
        let kind = entry.header().entry_type();
        let item = if kind.is_file() {
            let start = entry.raw_file_position();
            let size = entry.size();
            match start.checked_add(size).filter(|&end| end <= archive_len) {
                Some(_) => Item {
                    input: input.to_string(),
                    name,
                    source: Source::Range {
                        file: file.clone(),
                        start,
                        len: size as usize,
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
            return false;
        }
    }
    true
}

fn zip_members(input: &str, path: &Path, emit: &mut dyn FnMut(Item) -> bool) -> bool {
    let (file, archive_len) = match open_archive(path) {
        Ok(f) => f,
        Err(e) => return emit(missing(input, input, e)),
    };
    // The central directory is read with seeks; entry data is located, not read.
    let mut zip = match zip::ZipArchive::new(io::BufReader::new(&*file)) {
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
                let start = f.data_start().unwrap_or(u64::MAX);
                let compressed = f.compressed_size();
                let in_bounds = start
                    .checked_add(compressed)
                    .is_some_and(|end| end <= archive_len);
                if f.is_dir() {
                    match directory_entry(input, &name) {
                        Some(item) => item,
                        None => continue,
                    }
                } else if !in_bounds {
                    unreadable(
                        input,
                        &name,
                        "truncated: the entry runs past the archive's end".into(),
                    )
                } else if f.compression() == zip::CompressionMethod::Stored {
                    Item {
                        input: input.to_string(),
                        name,
                        source: Source::Range {
                            file: file.clone(),
                            start,
                            len: compressed as usize,
                        },
                    }
                } else if f.compression() == zip::CompressionMethod::DEFLATE {
                    Item {
                        input: input.to_string(),
                        name,
                        source: Source::Deflated {
                            file: file.clone(),
                            start,
                            compressed: compressed as usize,
                            size: f.size(),
                        },
                    }
                } else {
                    unreadable(
                        input,
                        &name,
                        format!("unsupported zip compression {:?}", f.compression()),
                    )
                }
            }
        };
        if !emit(item) {
            return false;
        }
    }
    true
}
