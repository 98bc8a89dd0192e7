//! Resident pages of large file maps, released behind passes over a whole document.
//!
//! A document mapped from a file costs no heap, but every page a pass reads stays resident
//! (and counts in the process' memory) while the map lives: hashing or scanning a 1 GB
//! document would hold a gigabyte. Large maps register here; [`Behind`] and [`find_iter`],
//! used by every pass over a whole document, give the pages behind them back to the kernel
//! every [`WINDOW`] bytes. A page read again later is faulted in again from the page cache.

use std::ops::Range;
use std::sync::{Arc, RwLock, Weak};

/// Maps at least this large register (smaller ones are populated whole when made, and a pass
/// over them holds little).
pub const REGISTER_FROM: usize = 64 << 20;

/// Bytes a pass reads between two releases: what a pass over a registered map keeps resident.
pub const WINDOW: usize = 16 << 20;

/// The registered maps: address range and map.
static MAPS: RwLock<Vec<(Range<usize>, Weak<memmap2::Mmap>)>> = RwLock::new(Vec::new());

/// A map's registration; the map leaves the registry when it is dropped.
#[derive(Debug)]
pub struct Registration(Range<usize>);

impl Drop for Registration {
    fn drop(&mut self) {
        if let Ok(mut maps) = MAPS.write() {
            maps.retain(|(r, _)| *r != self.0);
        }
    }
}

/// Registers `map` so that passes over it release the pages behind them.
pub fn register(map: &Arc<memmap2::Mmap>) -> Registration {
    let start = map.as_ptr() as usize;
    let range = start..start + map.len();
    if let Ok(mut maps) = MAPS.write() {
        maps.push((range.clone(), Arc::downgrade(map)));
    }
    Registration(range)
}

/// The registered map holding all of `part`, with `part`'s offset in it.
fn holder(part: &[u8]) -> Option<(Arc<memmap2::Mmap>, usize)> {
    let start = part.as_ptr() as usize;
    let end = start + part.len();
    let maps = MAPS.read().ok()?;
    maps.iter().find_map(|(r, map)| {
        (r.start <= start && end <= r.end)
            .then(|| map.upgrade().map(|m| (m, start - r.start)))
            .flatten()
    })
}

/// Gives the resident pages of `part` back to the kernel, if `part` lies in a registered map.
#[allow(unsafe_code)]
pub fn release(part: &[u8]) {
    if part.len() < 4096 {
        return;
    }
    let Some((map, offset)) = holder(part) else {
        return;
    };
    #[cfg(unix)]
    // SAFETY: `map` is a private, read-only map of a file that sigaudit never writes through
    // it (its input, or an unlinked temporary file written before it was mapped). Dropping its
    // pages with MADV_DONTNEED only unmaps them from this process: the next read of an
    // address faults the same bytes in again from the file, so every slice of the map keeps
    // its contents. The range lies within the map (checked by `holder`), and memmap2 rounds
    // the offset down to a page boundary, which at worst drops one page read earlier.
    unsafe {
        let _ = map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, part.len());
    }
    #[cfg(not(unix))]
    let _ = (map, offset);
}

/// A pass over `data` that releases the pages behind it, if `data` lies in a registered map.
pub struct Behind<'a> {
    data: &'a [u8],
    released: usize,
    active: bool,
}

impl<'a> Behind<'a> {
    /// Starts a pass over `data`.
    pub fn new(data: &'a [u8]) -> Behind<'a> {
        let active = data.len() >= REGISTER_FROM && holder(data).is_some();
        Behind {
            data,
            released: 0,
            active,
        }
    }

    /// Whether passes over this data release pages.
    pub fn active(&self) -> bool {
        self.active
    }

    /// The pass has read everything before `pos`: releases it once a window has gathered.
    pub fn reached(&mut self, pos: usize) {
        if self.active && pos >= self.released + WINDOW {
            let pos = pos.min(self.data.len());
            release(&self.data[self.released..pos]);
            self.released = pos;
        }
    }
}

/// Every position of `needle` in `data`, in order, as `memchr::memmem::find_iter` gives them;
/// over a registered map, found window by window with the pages behind released.
pub fn find_iter<'a>(data: &'a [u8], needle: &'a [u8]) -> Box<dyn Iterator<Item = usize> + 'a> {
    let behind = Behind::new(data);
    if !behind.active() || needle.is_empty() {
        if data.len() >= PARALLEL_FROM && needle.len() >= PARALLEL_NEEDLE {
            return Box::new(par_find_iter(data, needle));
        }
        return Box::new(memchr::memmem::find_iter(data, needle));
    }
    let finder = memchr::memmem::Finder::new(needle).into_owned();
    let mut window = 0usize;
    let mut behind = behind;
    let mut pending: std::vec::IntoIter<usize> = Vec::new().into_iter();
    Box::new(std::iter::from_fn(move || loop {
        if let Some(p) = pending.next() {
            return Some(p);
        }
        if window >= data.len() {
            return None;
        }
        // Matches starting in [window, window + WINDOW): the slice reaches needle − 1 bytes
        // further so that a match across the boundary is found in the window it starts in.
        let end = (window + WINDOW).min(data.len());
        let reach = (end + needle.len() - 1).min(data.len());
        let found: Vec<usize> = finder
            .find_iter(&data[window..reach])
            .map(|p| window + p)
            .filter(|&p| p < end)
            .collect();
        behind.reached(window);
        window = end;
        pending = found.into_iter();
    }))
}

/// Documents at least this large are searched in [`PIECE`]s on every worker at once: the scan
/// of a 50 MB attachment for `/ByteRange` costs some 6 ms on one core, a sixth of hashing it,
/// and it comes before the hashing can start (issue 20: one large document's latency).
const PARALLEL_FROM: usize = 8 << 20;

/// Bytes one worker searches at a time.
const PIECE: usize = 2 << 20;

/// Needles at least this long are searched in parallel: the positions of one round of pieces
/// are held at once, at most `PIECE / needle` each (a crafted file of nothing but `%%EOF` holds
/// some 3 MB of positions a round on two workers). Shorter needles keep the lazy search.
const PARALLEL_NEEDLE: usize = 5;

/// [`find_iter`] over `data` in rounds of one [`PIECE`] per worker, searched in parallel
/// (rayon), positions in order.
fn par_find_iter<'a>(data: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    use rayon::prelude::*;
    let finder = memchr::memmem::Finder::new(needle);
    let pieces = data.len().div_ceil(PIECE);
    let per_round = rayon::current_num_threads().max(1);
    (0..pieces.div_ceil(per_round)).flat_map(move |round| {
        let first = round * per_round;
        let found: Vec<usize> = (first..(first + per_round).min(pieces))
            .into_par_iter()
            .flat_map_iter(|i| {
                let (start, end) = (i * PIECE, ((i + 1) * PIECE).min(data.len()));
                // A match across the piece's end is found in the piece it starts in.
                let reach = (end + needle.len() - 1).min(data.len());
                finder
                    .find_iter(&data[start..reach])
                    .map(move |p| start + p)
                    .filter(move |&p| p < end)
                    .collect::<Vec<_>>()
            })
            .collect();
        found
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_search_equals_memmem_across_piece_boundaries() {
        let mut data = vec![b'x'; 5 * PIECE + 100];
        let needle = b"%%EOF";
        let mut at = vec![0, data.len() - needle.len()];
        for k in 1..=5 {
            at.extend([k * PIECE - 12, k * PIECE - 2, k * PIECE + 6]);
        }
        at.sort_unstable();
        at.dedup();
        at.retain(|&p| p + needle.len() <= data.len());
        for &p in &at {
            data[p..p + needle.len()].copy_from_slice(needle);
        }
        let want: Vec<usize> = memchr::memmem::find_iter(&data, needle).collect();
        assert_eq!(want, at);
        assert_eq!(par_find_iter(&data, needle).collect::<Vec<_>>(), want);
        assert_eq!(find_iter(&data, needle).collect::<Vec<_>>(), want);
    }

    #[test]
    fn windowed_search_equals_memmem_across_window_boundaries() {
        let mut data = vec![b'x'; 3 * WINDOW + 100];
        // Matches at the start, across each boundary, and at the end.
        for at in [0, WINDOW - 2, 2 * WINDOW - 1, 3 * WINDOW, data.len() - 3] {
            data[at..at + 3].copy_from_slice(b"obj");
        }
        let file = tempfile_with(&data);
        let map = Arc::new(unsafe_free_map(&file));
        let _reg = register(&map);
        let want: Vec<usize> = memchr::memmem::find_iter(&map[..], b"obj").collect();
        let got: Vec<usize> = find_iter(&map[..], b"obj").collect();
        assert_eq!(want.len(), 5);
        assert_eq!(got, want);
        // The released pages read back the same bytes.
        assert_eq!(&map[..], &data[..]);
    }

    fn tempfile_with(data: &[u8]) -> std::fs::File {
        use std::io::Write;
        let mut f = tempfile::tempfile().expect("tempfile");
        f.write_all(data).expect("write");
        f
    }

    #[allow(unsafe_code)]
    fn unsafe_free_map(file: &std::fs::File) -> memmap2::Mmap {
        // SAFETY: the file is private to this test and not modified while mapped.
        unsafe { memmap2::Mmap::map(file).expect("map") }
    }
}
