//! How a document's bytes are had: mapped in place, read, or inflated — on the heap within the
//! document's memory allowance, or into an unlinked temporary file within the run's temporary
//! space — and what that costs before the document is loaded.

use std::io::{self, Read, Write};
use std::sync::Arc;

use super::bytes::{self, Access, Backing, Blob};
use super::{Item, LoadError, Source};
use crate::memory::{Allowance, TempSpace};

/// Inflated bytes copied per step into a temporary file.
const CHUNK: usize = 1 << 20;

/// How documents' bytes are had.
#[derive(Clone, Debug)]
pub struct Load {
    /// Map or read.
    pub access: Access,
    /// Deflated members declaring more than this are inflated into a temporary file (if
    /// there is [`Load::temp`]) rather than onto the heap.
    pub heap_max: u64,
    /// Temporary space for large inflated members; `None`: every member is inflated onto
    /// the heap, within the allowance.
    pub temp: Option<Arc<TempSpace>>,
}

impl Default for Load {
    /// Mapped, members inflated onto the heap.
    fn default() -> Self {
        Load {
            access: Access::Map,
            heap_max: u64::MAX,
            temp: None,
        }
    }
}

/// Bytes from a document's start that [`Item::prefetch`] asks the kernel to read ahead: all of
/// a typical signed document (national ones run to a few hundred KB), and a bounded share of
/// a large one, whose map is read ahead sequentially as it is hashed anyway. With the
/// engine's enumerator at most 128 documents ahead (8 batches of 16), what is asked for at once
/// stays within some 128 MiB.
const PREFETCH: u64 = 1 << 20;

impl Item {
    /// Asks the kernel to start reading this document's first bytes into the page cache
    /// (`posix_fadvise(POSIX_FADV_WILLNEED)`), without waiting: the enumerator calls it as it
    /// queues a document, so that a worker reaching it later finds its bytes in memory rather
    /// than waiting on the disk, which on an archive larger than memory (or a page cache the
    /// system trims) would leave a core idle for every document. Only advice: a file that does
    /// not open or a kernel that ignores it changes nothing.
    pub fn prefetch(&self) {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{fadvise, Advice};
            let len = std::num::NonZeroU64::new(PREFETCH);
            match &self.source {
                Source::File(p) => {
                    if let Ok(f) = std::fs::File::open(p) {
                        let _ = fadvise(&f, 0, len, Advice::WillNeed);
                    }
                }
                Source::Range {
                    file,
                    start,
                    len: n,
                } => {
                    let n = std::num::NonZeroU64::new((*n).min(PREFETCH));
                    let _ = fadvise(&**file, *start, n, Advice::WillNeed);
                }
                Source::Deflated {
                    file,
                    start,
                    compressed,
                    ..
                } => {
                    let n = std::num::NonZeroU64::new((*compressed).min(PREFETCH));
                    let _ = fadvise(&**file, *start, n, Advice::WillNeed);
                }
                Source::Unreadable(_) | Source::Missing(_) => {}
            }
        }
    }

    /// Heap bytes loading this item takes from its allowance (a map takes none; a large
    /// member inflated into a temporary file takes none).
    pub fn heap_need(&self, how: &Load) -> u64 {
        match &self.source {
            Source::Range { len, .. } if how.access == Access::Read => *len,
            Source::File(p) if how.access == Access::Read => {
                std::fs::metadata(p).map_or(0, |m| m.len())
            }
            Source::Deflated { size, .. } if *size <= how.heap_max || how.temp.is_none() => *size,
            _ => 0,
        }
    }

    /// Whether loading this item takes temporary space.
    pub fn needs_temp(&self, how: &Load) -> bool {
        matches!(&self.source, Source::Deflated { size, .. }
            if *size > how.heap_max && how.temp.is_some())
    }

    /// The document's bytes, had as `how` says; heap buffers are charged to `allowance`, and
    /// an inflated member that is a decompression bomb is recorded there.
    pub fn load(&self, how: &Load, allowance: &Allowance) -> Result<Blob, LoadError> {
        let cannot_read = |e: io::Error| LoadError(format!("cannot read: {e}"));
        let need = self.heap_need(how);
        if need > 0 && !allowance.charge(need) {
            return Err(LoadError(format!(
                "needs {} of memory, more than the {} a document may have \
                 (--memory-budget)",
                mib(need),
                mib(allowance.limit())
            )));
        }
        match &self.source {
            Source::File(p) => bytes::open(p, how.access).map_err(cannot_read),
            Source::Range { file, start, len } => {
                bytes::load_range(file, *start, length(*len)?, how.access).map_err(cannot_read)
            }
            Source::Deflated {
                file,
                start,
                compressed,
                size,
            } => {
                // A zip entry's data is a raw DEFLATE stream (APPNOTE 4.4.5, method 8).
                let raw = bytes::load_range(file, *start, length(*compressed)?, how.access)
                    .map_err(cannot_read)?;
                let member = Member {
                    raw: &raw,
                    declared: *size,
                    allowance,
                };
                match (&how.temp, self.needs_temp(how)) {
                    (Some(temp), true) => member.to_temp_file(temp),
                    _ => member.to_heap(),
                }
            }
            Source::Unreadable(why) | Source::Missing(why) => Err(LoadError(why.clone())),
        }
    }
}

/// A deflated archive member being inflated.
struct Member<'a> {
    raw: &'a [u8],
    declared: u64,
    allowance: &'a Allowance<'a>,
}

impl Member<'_> {
    /// Inflated onto the heap (its declared size was charged).
    fn to_heap(&self) -> Result<Blob, LoadError> {
        let cap = self.declared.min(isize::MAX as u64) as usize;
        let mut out = Vec::with_capacity(cap);
        let mut inflater = flate2::read::DeflateDecoder::new(self.raw);
        (&mut inflater)
            .take(self.declared.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| LoadError(format!("cannot inflate: {e}")))?;
        self.finish(out.len() as u64, inflater.total_in())?;
        Ok(Blob::whole(Arc::new(Backing::Owned(out))))
    }

    /// Inflated into an unlinked temporary file within the run's temporary space, mapped.
    fn to_temp_file(&self, temp: &Arc<TempSpace>) -> Result<Blob, LoadError> {
        let lease = temp.lease(self.declared).ok_or_else(|| {
            LoadError(format!(
                "inflates to {}, more than the temporary space (--temp-budget {})",
                mib(self.declared),
                mib(temp.total())
            ))
        })?;
        let temp_error = |e: io::Error| {
            LoadError(format!(
                "cannot write a temporary file in {}: {e}",
                temp.dir.display()
            ))
        };
        let file = tempfile::tempfile_in(&temp.dir).map_err(temp_error)?;
        let mut inflater = flate2::read::DeflateDecoder::new(self.raw);
        let mut written = 0u64;
        let mut buf = vec![0u8; CHUNK];
        let mut out = io::BufWriter::with_capacity(CHUNK, &file);
        loop {
            let n = inflater
                .read(&mut buf)
                .map_err(|e| LoadError(format!("cannot inflate: {e}")))?;
            if n == 0 {
                break;
            }
            written += n as u64;
            if written > self.declared {
                break; // past its declared size: `finish` says so
            }
            out.write_all(&buf[..n]).map_err(temp_error)?;
        }
        out.flush().map_err(temp_error)?;
        drop(out);
        self.finish(written, inflater.total_in())?;
        if written == 0 {
            return Ok(Blob::empty());
        }
        // SAFETY (of the map, in `bytes::map_file`): the file is unlinked and private to this
        // process, and nothing writes to it once it is mapped.
        let map = bytes::map_file(&file, written).map_err(|e| {
            LoadError(format!(
                "cannot map the inflated member's temporary file: {e}"
            ))
        })?;
        Ok(Blob::whole(Arc::new(Backing::map(map, Some(lease)))))
    }

    /// Checks the inflated size against the declared one and the bomb rule.
    fn finish(&self, inflated: u64, consumed: u64) -> Result<(), LoadError> {
        self.allowance
            .check_bomb(|| "archive member".into(), consumed, inflated);
        if inflated > self.declared {
            return Err(LoadError(format!(
                "inflates past its declared size ({} bytes): a damaged or forged entry",
                self.declared
            )));
        }
        Ok(())
    }
}

/// A member's length as this platform's size.
fn length(len: u64) -> Result<usize, LoadError> {
    usize::try_from(len).map_err(|_| {
        LoadError(format!(
            "oversized: {len} bytes, more than this platform maps"
        ))
    })
}

/// Bytes as MiB for messages.
fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}
