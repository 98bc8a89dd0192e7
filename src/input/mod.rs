//! Inputs: PDF files, directories (walked recursively), tar and zip archives, and lists of
//! paths on standard input. Each document of [`bytes::READ_BELOW`] (1 MiB) or more is
//! memory-mapped on its own, by the worker that verifies it: a file whole, a tar member or
//! stored zip entry as the page-aligned range of the archive that holds it (never copied); a
//! smaller one is read with one positional read into a reused buffer (cheaper than a map's
//! set-up and tear-down at that size). Deflated zip entries are inflated from their mapped
//! range into a buffer of bounded size.
//!
//! Enumeration is lazy and cheap: archive headers are read with seeks (member data is never
//! read to skip it), and it yields [`Item`]s that say where a document is. So memory — mapped
//! pages included — is bounded by the documents in flight, not by the archive's size.

mod archive;
mod bytes;
mod load;

use std::fmt;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use bytes::{Access, Backing, Blob, POPULATE, READ_BELOW};
pub use load::Load;

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
        len: u64,
    },
    /// A deflated zip entry, inflated on load.
    Deflated {
        /// The archive.
        file: Arc<File>,
        /// Offset of the compressed data.
        start: u64,
        /// Its compressed length.
        compressed: u64,
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
        Kind::Tar => archive::tar_members(input, path, emit),
        Kind::Zip => archive::zip_members(input, path, emit),
    }
}

/// Depth-first: a directory's files sorted by name, then its subdirectories sorted by name, so
/// that the files of one directory are listed together (a dossier, `--dossier`); symbolic
/// links are not followed (reported instead: following them could loop or leave the tree).
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
    let mut paths: Vec<(bool, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| (e.file_type().is_ok_and(|t| t.is_dir()), e.path()))
        .collect();
    paths.sort();
    for (_, p) in paths {
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
                Kind::Tar => archive::tar_members(&name, &p, emit),
                Kind::Zip => archive::zip_members(&name, &p, emit),
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
