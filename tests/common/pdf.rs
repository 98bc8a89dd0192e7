//! One PDF builder for the tests that assemble hostile or hand-made files in memory
//! (`tests/hostile.rs`, `tests/dos.rs`, `tests/changes.rs`).
//!
//! [`Pdf`] writes a file object by object, remembering where each object starts, so its
//! cross-reference sections are exact: [`Pdf::table`] ends a revision with a classic table
//! (`/Size`, `/Root 1 0 R` and `/Prev` written for the caller), [`Pdf::xref_stream`] with a
//! cross-reference stream, and writing more objects and another section appends an incremental
//! update. A signature dictionary carries a blank [`BYTE_RANGE_SLOT`] that [`Pdf::seal`] (or
//! [`seal`]) fills once the signed bytes are final, without moving any offset; the other free
//! functions damage or inspect the bytes in place.

use std::collections::BTreeMap;
use std::io::Write;

use memchr::memmem;
use sigaudit::internals::pdf::Span;

/// A `/ByteRange` with room for four 20-digit numbers, filled by [`seal`] or
/// [`set_byte_range`] in place (same width, so no offset moves).
pub const BYTE_RANGE_SLOT: &str = "/ByteRange [                                                                                     ]";

/// A `/Contents` value: a five-byte DER SEQUENCE and zero padding. The reader only locates it;
/// nothing built here needs a CMS that verifies.
pub const CONTENTS: &str = "<3003020100000000>";

/// Bytes per row of the cross-reference streams [`Pdf::xref_stream`] writes (`/W [1 4 2]`).
pub const XREF_ROW_BYTES: usize = 7;

/// A signature dictionary with the blank [`BYTE_RANGE_SLOT`], `/Contents` [`CONTENTS`] and
/// `extra` entries.
pub fn sig_dict(extra: &str) -> String {
    format!(
        "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached \
         {BYTE_RANGE_SLOT} /Contents {CONTENTS} {extra}>>"
    )
}

/// Where a cross-reference stream row says an object is.
#[derive(Clone, Copy, Debug)]
pub enum Row {
    /// In the file, at this offset (type 1).
    At(usize),
    /// The `index`-th object of object stream `stream` (type 2).
    InStream { stream: u32, index: u16 },
}

/// A PDF file written object by object, revision by revision.
pub struct Pdf {
    /// The file's bytes so far.
    pub buf: Vec<u8>,
    /// The latest offset of every object written, by number.
    pub offsets: BTreeMap<u32, usize>,
    /// One more than the highest object number written (the trailers' `/Size`).
    size: u32,
    /// Offset of the last cross-reference section (the next trailer's `/Prev`).
    last_xref: Option<usize>,
}

impl Default for Pdf {
    fn default() -> Self {
        Self::new()
    }
}

impl Pdf {
    /// A file holding the `%PDF-1.7` header and a binary comment line.
    pub fn new() -> Self {
        Pdf {
            buf: b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec(),
            offsets: BTreeMap::new(),
            size: 1,
            last_xref: None,
        }
    }

    /// The offset the next byte written will have.
    pub fn pos(&self) -> usize {
        self.buf.len()
    }

    /// Offset of the last cross-reference section written (table, stream or
    /// [`Pdf::startxref`]), if any.
    pub fn last_xref(&self) -> Option<usize> {
        self.last_xref
    }

    fn record(&mut self, num: u32) {
        self.offsets.insert(num, self.buf.len());
        self.size = self.size.max(num + 1);
    }

    /// Writes `num 0 obj\n{body}\nendobj\n`.
    pub fn obj(&mut self, num: u32, body: &str) -> &mut Self {
        self.record(num);
        write!(self.buf, "{num} 0 obj\n{body}\nendobj\n").unwrap();
        self
    }

    /// Writes a stream object `<< {dict} /Length n >>` holding `data` (`dict` must not hold
    /// `/Length`: it is written as the data's).
    pub fn stream(&mut self, num: u32, dict: &str, data: &[u8]) -> &mut Self {
        self.stream_with_length(num, dict, &data.len().to_string(), data)
    }

    /// Writes a stream object whose `/Length` is written as `length` (a number or a
    /// reference), whatever the data's.
    pub fn stream_with_length(
        &mut self,
        num: u32,
        dict: &str,
        length: &str,
        data: &[u8],
    ) -> &mut Self {
        self.record(num);
        write!(
            self.buf,
            "{num} 0 obj\n<< {dict} /Length {length} >>\nstream\n"
        )
        .unwrap();
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\nendstream\nendobj\n");
        self
    }

    /// Ends a revision with a classic cross-reference table listing `nums` at their latest
    /// offsets (a number never written is listed free); see [`Pdf::table_at`]. Returns the
    /// table's offset.
    pub fn table(&mut self, nums: &[u32], trailer: &str) -> usize {
        let entries: Vec<(u32, Option<usize>)> = nums
            .iter()
            .map(|n| (*n, self.offsets.get(n).copied()))
            .collect();
        self.write_table(&entries, trailer)
    }

    /// [`Pdf::table`] of every number from 1 to the highest written: the table of a file's
    /// first revision.
    pub fn table_all(&mut self, trailer: &str) -> usize {
        let nums: Vec<u32> = (1..self.size).collect();
        self.table(&nums, trailer)
    }

    /// Ends a revision with a classic cross-reference table whose entries are `entries`
    /// (object, offset), whatever was written there. The table always starts with object 0,
    /// the head of the free list; entries are sorted by number, one subsection per run of
    /// consecutive numbers. Then `trailer\n<< /Size n /Root 1 0 R /Prev p {trailer} >>`
    /// (`/Size` one more than the highest number written, `/Prev` the previous section if
    /// any), `startxref` and `%%EOF`. Returns the table's offset.
    pub fn table_at(&mut self, entries: &[(u32, usize)], trailer: &str) -> usize {
        let entries: Vec<(u32, Option<usize>)> =
            entries.iter().map(|&(n, at)| (n, Some(at))).collect();
        self.write_table(&entries, trailer)
    }

    fn write_table(&mut self, entries: &[(u32, Option<usize>)], trailer: &str) -> usize {
        let mut rows: BTreeMap<u32, Option<usize>> = entries.iter().copied().collect();
        rows.remove(&0);
        let rows: Vec<(u32, Option<usize>)> = std::iter::once((0, None)).chain(rows).collect();
        let at = self.pos();
        self.buf.extend_from_slice(b"xref\n");
        for run in rows.chunk_by(|a, b| b.0 == a.0 + 1) {
            writeln!(self.buf, "{} {}", run[0].0, run.len()).unwrap();
            for &(n, off) in run {
                let line = match (n, off) {
                    (0, _) => "0000000000 65535 f\r\n".to_string(),
                    (_, Some(off)) => format!("{off:010} 00000 n\r\n"),
                    (_, None) => "0000000000 00000 f\r\n".to_string(),
                };
                assert_eq!(line.len(), 20, "xref entries are 20 bytes");
                self.buf.extend_from_slice(line.as_bytes());
            }
        }
        let dict = self.trailer_entries(trailer);
        write!(self.buf, "trailer\n<< {dict} >>\n").unwrap();
        self.startxref(at);
        at
    }

    /// `/Size n /Root 1 0 R[ /Prev p] {extra}`.
    fn trailer_entries(&self, extra: &str) -> String {
        let prev = self
            .last_xref
            .map(|p| format!(" /Prev {p}"))
            .unwrap_or_default();
        format!("/Size {} /Root 1 0 R{prev} {extra}", self.size)
    }

    /// Ends a revision with cross-reference stream object `num` (`/W [1 4 2]`, unfiltered):
    /// a row for object 0 (the head of the free list), one per entry of `rows`, and one for
    /// the stream itself, sorted by number, with the `/Index` of their runs; its dictionary
    /// holds the trailer entries as [`Pdf::table_at`] writes them. Then `startxref` and
    /// `%%EOF`. Returns the stream's offset.
    pub fn xref_stream(&mut self, num: u32, rows: &[(u32, Row)], trailer: &str) -> usize {
        let at = self.pos();
        self.size = self.size.max(num + 1);
        let mut all: BTreeMap<u32, (u8, u32, u16)> = BTreeMap::new();
        all.insert(0, (0, 0, 0xffff));
        for &(n, row) in rows {
            let fields = match row {
                Row::At(off) => (1, u32::try_from(off).expect("offset fits"), 0),
                Row::InStream { stream, index } => (2, stream, index),
            };
            all.insert(n, fields);
        }
        all.insert(num, (1, at as u32, 0));
        let all: Vec<(u32, (u8, u32, u16))> = all.into_iter().collect();
        let mut index = Vec::new();
        let mut data = Vec::with_capacity(all.len() * XREF_ROW_BYTES);
        for run in all.chunk_by(|a, b| b.0 == a.0 + 1) {
            index.push(format!("{} {}", run[0].0, run.len()));
            for &(_, (t, f2, f3)) in run {
                data.push(t);
                data.extend_from_slice(&f2.to_be_bytes());
                data.extend_from_slice(&f3.to_be_bytes());
            }
        }
        let dict = format!(
            "/Type /XRef /W [1 4 2] /Index [{}] {}",
            index.join(" "),
            self.trailer_entries(trailer)
        );
        self.stream(num, &dict, &data);
        self.startxref(at);
        at
    }

    /// Writes `startxref\n{at}\n%%EOF\n`, ending a revision whose cross-reference section
    /// starts at `at` (the caller's own when it wrote one by hand); `at` becomes the next
    /// trailer's `/Prev`.
    pub fn startxref(&mut self, at: usize) -> &mut Self {
        write!(self.buf, "startxref\n{at}\n%%EOF\n").unwrap();
        self.last_xref = Some(at);
        self
    }

    /// Fills the `/ByteRange` slot over the file written so far; see [`seal`].
    pub fn seal(&mut self) -> &mut Self {
        seal(&mut self.buf);
        self
    }

    /// The file, sealed: [`Pdf::seal`], then the bytes.
    pub fn sealed(mut self) -> Vec<u8> {
        self.seal();
        self.buf
    }
}

/// Fills the only `/ByteRange` slot with `[0 a b c]` bracketing the `/Contents` string after
/// it exactly ([`contents_span`]) and reaching the end of `buf`. Call once the signed bytes
/// are final: a later byte is outside the range.
pub fn seal(buf: &mut [u8]) {
    let c = contents_span(buf);
    let len = buf.len();
    set_byte_range(buf, &format!("0 {} {} {}", c.start, c.end, len - c.end));
}

/// Replaces the inside of the only `/ByteRange [ … ]` with `text`, padded with spaces to the
/// same width (no offset moves).
pub fn set_byte_range(buf: &mut [u8], text: &str) {
    let open = find_once(buf, b"/ByteRange [") + b"/ByteRange [".len();
    let close = open + memchr::memchr(b']', &buf[open..]).expect("closing bracket");
    let width = close - open;
    assert!(
        text.len() <= width,
        "{text:?} does not fit in {width} bytes"
    );
    buf[open..close].copy_from_slice(format!("{text:<width$}").as_bytes());
}

/// The span of the first hex string of the first `/Contents` after the only `/ByteRange [`,
/// angle brackets included.
pub fn contents_span(buf: &[u8]) -> Span {
    let br = find_once(buf, b"/ByteRange [");
    let key = br + memmem::find(&buf[br..], b"/Contents").expect("/Contents after /ByteRange");
    let start = key + memchr::memchr(b'<', &buf[key..]).expect("hex string after /Contents");
    let end = start + memchr::memchr(b'>', &buf[start..]).expect("end of hex string") + 1;
    Span::new(start, end)
}

/// Offset of the only occurrence of `needle` in `hay` (asserted to occur exactly once).
pub fn find_once(hay: &[u8], needle: &[u8]) -> usize {
    let mut all = memmem::find_iter(hay, needle);
    let first = all.next();
    let more = all.count();
    match first {
        Some(at) if more == 0 => at,
        _ => panic!(
            "{:?} occurs {} times",
            String::from_utf8_lossy(needle),
            usize::from(first.is_some()) + more
        ),
    }
}

/// Replaces the only occurrence of `from` with `to`, of the same length (no offset moves).
pub fn patch(buf: &mut [u8], from: &str, to: &str) {
    assert_eq!(from.len(), to.len(), "patch must keep the length");
    let at = find_once(buf, from.as_bytes());
    buf[at..at + to.len()].copy_from_slice(to.as_bytes());
}

/// `n` right-padded with spaces to `width`: a number to [`patch`] into a slot of that width.
pub fn padded(n: usize, width: usize) -> String {
    format!("{n:<width$}")
}

/// zlib (best compression, for `/FlateDecode`) of `data` followed by `zeros` zero bytes (PDF
/// white space), written 1 MiB at a time: a bomb's inflated size is never held in memory.
pub fn deflate(data: &[u8], zeros: usize) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    let chunk = vec![0u8; zeros.min(1 << 20)];
    let mut left = zeros;
    while left > 0 {
        let n = left.min(chunk.len());
        enc.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    enc.finish().unwrap()
}
