//! A document's bytes: a read-only map of (a range of) a file, or a buffer (a small document
//! read into a reused one, the read fallback, an inflated entry).
//!
//! Workers never share a file offset with each other or with the enumerator: a map takes an
//! explicit offset, and the read fallback uses positional reads (`pread`), so a worker reading
//! one member can never move the archive reader that is looking for the next header.

use std::fs::File;
use std::io::{self, Read};
use std::ops::{Deref, Range};
use std::path::Path;
use std::sync::Arc;

use crate::memory::{pages, TempLease};

/// Bytes a document lives in: a memory map, or a buffer (read fallback, inflated entry).
pub enum Backing {
    /// A read-only map of (part of) a file.
    Map {
        /// The map.
        map: Arc<memmap2::Mmap>,
        /// Its registration for page release, when it is large ([`pages::REGISTER_FROM`]).
        registration: Option<pages::Registration>,
        /// The temporary space its file holds, when it is an inflated archive member.
        lease: Option<TempLease>,
    },
    /// Bytes held in memory.
    Owned(Vec<u8>),
    /// A small document read into a buffer that goes back to the pool when it is dropped.
    Pooled(Pooled),
}

/// Documents up to this size are read (`pread`) into a reused buffer rather than mapped: for
/// a document of a few hundred KB, making a map, faulting it in and tearing it down (a TLB
/// shootdown on every core that ran the process) costs more than copying its bytes out of
/// the page cache, and a reused buffer is never faulted in again. Larger documents are mapped
/// (no copy; their pages stream through hashing).
pub const READ_BELOW: usize = 1 << 20;

/// Idle buffers kept for reuse (each at most [`READ_BELOW`] bytes): with the documents in
/// flight, this bounds what the read path holds to (in flight + 16) MiB.
const POOL: usize = 16;

static BUFFERS: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());

/// A buffer from the pool, returned to it when dropped.
pub struct Pooled(Vec<u8>);

impl Pooled {
    /// `len` bytes of `file` from `start`, read into a pooled buffer.
    fn read(file: &File, start: u64, len: usize) -> io::Result<Pooled> {
        let mut buf = BUFFERS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            // Every buffer has room for any small document, so a reused one never grows
            // (a reallocation would fault in fresh pages, the cost the pool is there to avoid).
            .unwrap_or_else(|| Vec::with_capacity(READ_BELOW));
        // A reused buffer keeps its old bytes (the read overwrites all `len` of them, or the
        // document is not loaded): only what it never held is zeroed.
        buf.resize(len, 0);
        let mut pooled = Pooled(buf);
        read_exact_at(file, &mut pooled.0, start)?;
        Ok(pooled)
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.0);
        if buf.capacity() <= READ_BELOW {
            let mut pool = BUFFERS.lock().unwrap_or_else(|p| p.into_inner());
            if pool.len() < POOL {
                pool.push(buf);
            }
        }
    }
}

impl Deref for Backing {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Backing::Map { map, .. } => map,
            Backing::Owned(v) => v,
            Backing::Pooled(p) => &p.0,
        }
    }
}

impl Backing {
    /// A map, registered for page release when it is large.
    pub(super) fn map(map: memmap2::Mmap, lease: Option<TempLease>) -> Backing {
        let map = Arc::new(map);
        let registration = (map.len() >= pages::REGISTER_FROM).then(|| pages::register(&map));
        Backing::Map {
            map,
            registration,
            lease,
        }
    }
}

/// Largest map that is populated (faulted in) when it is made.
pub const POPULATE: usize = 64 << 20;

/// How a document's bytes are had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Memory-map them (the default): zero copy, pages faulted in as they are read.
    Map,
    /// Read them into a buffer with positional reads: for file systems where a map is
    /// unsupported or unsafe (a network file system whose file is truncated under a map
    /// raises SIGBUS). Each document in flight is then held in memory.
    Read,
}

/// `len` bytes of `file` from `start`: mapped read-only (the map starts at the page boundary
/// at or before `start`) when `access` allows it and the kernel agrees, else read with
/// positional reads. An empty range needs neither.
pub fn load_range(file: &File, start: u64, len: usize, access: Access) -> io::Result<Blob> {
    if len == 0 {
        return Ok(Blob::empty());
    }
    if access == Access::Map && len <= READ_BELOW {
        let pooled = Pooled::read(file, start, len)?;
        return Ok(Blob::whole(Arc::new(Backing::Pooled(pooled))));
    }
    if access == Access::Map {
        if let Some(blob) = map(file, start, len) {
            return Ok(blob);
        }
    }
    let mut buf = vec![0u8; len];
    read_exact_at(file, &mut buf, start)?;
    Ok(Blob::whole(Arc::new(Backing::Owned(buf))))
}

/// Maps `len > 0` bytes of `file` from `start`, or `None` when the kernel refuses (a pipe, a
/// file system without mmap, the process' map count exhausted).
#[allow(unsafe_code)]
fn map(file: &File, start: u64, len: usize) -> Option<Blob> {
    const PAGE: u64 = 4096; // a multiple of the page size on every supported platform
    let aligned = start - start % PAGE;
    let lead = (start - aligned) as usize;
    // SAFETY: the map is read-only and private to this process. If another process
    // truncates or rewrites the file while it is mapped, reads of the vanished pages raise
    // SIGBUS and reads of rewritten pages see the new bytes: sigaudit verifies archives at
    // rest, and a document whose bytes change under it is not one whose verdict can hold
    // anyway (`Access::Read` is for file systems where that cannot be promised). Nothing in
    // sigaudit writes to its inputs.
    let mapped = unsafe {
        let mut options = memmap2::MmapOptions::new();
        options.offset(aligned).len(lead + len);
        // Every byte of a document is hashed: a map of up to POPULATE bytes is faulted in
        // with the mmap call itself (one kernel entry instead of one per 16 pages). Larger
        // documents fault in as they are hashed, with sequential read-ahead, so that memory
        // in flight stays small.
        if lead + len <= POPULATE {
            options.populate();
        }
        options.map(file)
    };
    let m = mapped.ok()?;
    // Documents are read front to back, once (a populated map is already in).
    #[cfg(unix)]
    if lead + len > POPULATE {
        let _ = m.advise(memmap2::Advice::Sequential);
    }
    Some(Blob {
        backing: Arc::new(Backing::map(m, None)),
        range: lead..lead + len,
    })
}

/// Maps the first `len > 0` bytes of a file sigaudit wrote itself (an unlinked temporary file
/// holding an inflated member), read-only.
#[allow(unsafe_code)]
pub(super) fn map_file(file: &File, len: u64) -> io::Result<memmap2::Mmap> {
    let len = usize::try_from(len).map_err(io::Error::other)?;
    // SAFETY: the file is unlinked and private to this process (no other process can open
    // it), it is written completely before it is mapped, and nothing writes to it afterwards;
    // the map is read-only.
    let map = unsafe { memmap2::MmapOptions::new().len(len).map(file)? };
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(map)
}

/// Fills `buf` from `file` at `offset` without moving (or reading) the file's shared offset.
#[cfg(unix)]
pub(super) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Fills `buf` from `file` at `offset`. Windows' positional read moves the handle's offset,
/// so it reads through a handle of its own.
#[cfg(windows)]
pub(super) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    let own = file.try_clone()?;
    let mut done = 0;
    while done < buf.len() {
        match own.seek_read(&mut buf[done..], offset + done as u64)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => done += n,
        }
    }
    Ok(())
}

/// A whole file: mapped (or read, per `access`); a file that is not a regular file (a pipe,
/// a device) is read to its end.
pub fn open(path: &Path, access: Access) -> io::Result<Blob> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        let mut buf = Vec::new();
        (&file).read_to_end(&mut buf)?;
        return Ok(Blob::whole(Arc::new(Backing::Owned(buf))));
    }
    let len = usize::try_from(meta.len())
        .map_err(|_| io::Error::other("larger than this platform can address"))?;
    load_range(&file, 0, len, access)
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

    /// No bytes (an empty file or member: nothing to map or read).
    pub fn empty() -> Blob {
        Blob::whole(Arc::new(Backing::Owned(Vec::new())))
    }
}

impl Deref for Blob {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.backing[self.range.clone()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small documents are read into pooled buffers, large ones mapped: the bytes are the
    /// same either way, at any offset (a tar member's is not page-aligned), and a buffer
    /// dropped goes back to the pool.
    #[test]
    fn read_and_mapped_ranges_hold_the_same_bytes() {
        let data: Vec<u8> = (0..(READ_BELOW + 3 * 4096))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let mut file = tempfile::tempfile().expect("temp file");
        std::io::Write::write_all(&mut file, &data).expect("written");
        for (start, len) in [(0, 1), (5, 100), (4099, READ_BELOW), (7, READ_BELOW + 1)] {
            let blob = load_range(&file, start as u64, len, Access::Map).expect("loaded");
            assert_eq!(&blob[..], &data[start..start + len], "{start}+{len}");
            let pooled = matches!(*blob.backing, Backing::Pooled(_));
            assert_eq!(pooled, len <= READ_BELOW, "{start}+{len}");
        }
        drop(load_range(&file, 0, 10, Access::Map).expect("loaded"));
        assert!(
            !BUFFERS.lock().expect("pool").is_empty(),
            "the buffer came back"
        );
    }
}
