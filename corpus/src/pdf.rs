//! A minimal PDF writer for incremental updates (ISO 32000-1, 7.5 "File structure").
//!
//! It writes exactly what a signer writes: an original revision, then one incremental update per
//! signature (7.5.6), each ending with a cross-reference section — a classic `xref` table
//! (7.5.4) or a cross-reference stream (7.5.8), optionally with object streams (7.5.7) — a
//! trailer whose `/Prev` points at the previous section, `startxref` and `%%EOF`.

use std::fmt::Write as _;
use std::io::Write as _;

/// How a revision's cross-reference section is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XrefStyle {
    /// Classic `xref` table and `trailer` dictionary.
    Table,
    /// Cross-reference stream; every object written plainly.
    Stream,
    /// Cross-reference stream, and the original revision's dictionaries packed into an object
    /// stream.
    StreamWithObjStm,
}

impl XrefStyle {
    /// Name used in manifests.
    pub fn name(self) -> &'static str {
        match self {
            XrefStyle::Table => "xref-table",
            XrefStyle::Stream => "xref-stream",
            XrefStyle::StreamWithObjStm => "xref-stream+objstm",
        }
    }
}

#[derive(Clone, Copy)]
enum Entry {
    InFile(usize),
    InObjStm { stream: u32, index: u32 },
}

/// A PDF file being written, revision by revision.
pub struct Writer {
    /// The file's bytes so far.
    pub buf: Vec<u8>,
    style: XrefStyle,
    size: u32,
    entries: Vec<(u32, Entry)>,
    queued: Vec<(u32, Vec<u8>)>,
    prev_xref: Option<usize>,
    /// First element of the trailer `/ID`.
    id0: [u8; 16],
    /// Byte offset just past each revision's `%%EOF` line.
    pub revision_ends: Vec<usize>,
}

/// Compresses with zlib (FlateDecode, 7.4.4).
pub fn flate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(data).expect("write to Vec");
    e.finish().expect("finish to Vec")
}

/// A PDF literal string `( … )` with `\`, `(` and `)` escaped (7.3.4.2).
pub fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('(');
    for c in s.chars() {
        match c {
            '\\' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii() => out.push(c),
            _ => out.push('?'),
        }
    }
    out.push(')');
    out
}

/// A text string (7.9.2.2): PDFDocEncoding literal when ASCII, else UTF-16BE with a BOM, in hex.
pub fn text_string(s: &str) -> String {
    if s.is_ascii() {
        return literal(s);
    }
    let mut out = String::from("<FEFF");
    for u in s.encode_utf16() {
        write!(out, "{u:04X}").expect("write to String");
    }
    out.push('>');
    out
}

impl Writer {
    /// Starts a file with the header and a binary comment (7.5.2).
    pub fn new(style: XrefStyle, id0: [u8; 16]) -> Self {
        let mut buf = Vec::with_capacity(1 << 16);
        buf.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
        Writer {
            buf,
            style,
            size: 1,
            entries: Vec::new(),
            queued: Vec::new(),
            prev_xref: None,
            id0,
            revision_ends: Vec::new(),
        }
    }

    /// The cross-reference style.
    pub fn style(&self) -> XrefStyle {
        self.style
    }

    /// Allocates a new object number.
    pub fn alloc(&mut self) -> u32 {
        self.size += 1;
        self.size - 1
    }

    /// Writes `num 0 obj <body> endobj` at the end of the file; returns the body's offset.
    pub fn object(&mut self, num: u32, body: &[u8]) -> usize {
        self.entries.push((num, Entry::InFile(self.buf.len())));
        writeln!(self.buf, "{num} 0 obj").expect("Vec");
        let at = self.buf.len();
        self.buf.extend_from_slice(body);
        self.buf.extend_from_slice(b"\nendobj\n");
        at
    }

    /// Writes a non-stream object, into the pending object stream when the style packs them
    /// (only the original revision does).
    pub fn dict_object(&mut self, num: u32, body: &str, packable: bool) {
        if packable && self.style == XrefStyle::StreamWithObjStm {
            self.queued.push((num, body.as_bytes().to_vec()));
        } else {
            self.object(num, body.as_bytes());
        }
    }

    /// Writes a stream object; `dict` holds the entries besides `/Length` (and `/Filter` when
    /// `compress`).
    pub fn stream(&mut self, num: u32, dict: &str, data: &[u8], compress: bool) {
        self.stream_stored(num, dict, data, compress);
    }

    /// [`Writer::stream`], returning the length of the stream's data as stored in the file.
    pub fn stream_stored(&mut self, num: u32, dict: &str, data: &[u8], compress: bool) -> usize {
        if compress {
            let z = flate(data);
            let dict = format!("{dict} /Filter /FlateDecode");
            self.stream_with(num, &dict, z.len(), |out| out.copy_from_slice(&z));
            z.len()
        } else {
            self.stream_with(num, dict, data.len(), |out| out.copy_from_slice(data));
            data.len()
        }
    }

    /// Writes an unfiltered stream object of `len` bytes that `fill` writes in place (large
    /// attachments are generated straight into the file buffer, never copied).
    pub fn stream_with(&mut self, num: u32, dict: &str, len: usize, fill: impl FnOnce(&mut [u8])) {
        self.entries.push((num, Entry::InFile(self.buf.len())));
        write!(
            self.buf,
            "{num} 0 obj\n<< {dict} /Length {len} >>\nstream\n"
        )
        .expect("Vec");
        let at = self.buf.len();
        self.buf.resize(at + len, 0);
        fill(&mut self.buf[at..]);
        self.buf.extend_from_slice(b"\nendstream\nendobj\n");
    }

    fn flush_objstm(&mut self) {
        if self.queued.is_empty() {
            return;
        }
        let queued = std::mem::take(&mut self.queued);
        let stm = self.alloc();
        let mut header = String::new();
        let mut body = Vec::new();
        for (i, (num, obj)) in queued.iter().enumerate() {
            write!(header, "{num} {} ", body.len()).expect("String");
            body.extend_from_slice(obj);
            body.push(b'\n');
            self.entries.push((
                *num,
                Entry::InObjStm {
                    stream: stm,
                    index: i as u32,
                },
            ));
        }
        let first = header.len();
        let mut data = header.into_bytes();
        data.extend_from_slice(&body);
        let dict = format!("/Type /ObjStm /N {} /First {first}", queued.len());
        self.stream(stm, &dict, &data, true);
    }

    /// Ends the revision: cross-reference section, trailer, `startxref`, `%%EOF`.
    /// `trailer` holds `/Root` and `/Info` entries; `id1` is the second `/ID` element.
    pub fn end_revision(&mut self, trailer: &str, id1: [u8; 16]) {
        self.flush_objstm();
        let hex = |b: &[u8; 16]| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
        let id = format!("/ID [<{}> <{}>]", hex(&self.id0), hex(&id1));
        let prev = self
            .prev_xref
            .map(|p| format!(" /Prev {p}"))
            .unwrap_or_default();
        let xref_at;
        match self.style {
            XrefStyle::Table => {
                xref_at = self.buf.len();
                let mut entries = std::mem::take(&mut self.entries);
                if self.prev_xref.is_none() {
                    entries.push((0, Entry::InFile(usize::MAX)));
                }
                entries.sort_by_key(|e| e.0);
                let mut out = String::from("xref\n");
                let mut i = 0;
                while i < entries.len() {
                    let mut j = i + 1;
                    while j < entries.len() && entries[j].0 == entries[j - 1].0 + 1 {
                        j += 1;
                    }
                    writeln!(out, "{} {}", entries[i].0, j - i).expect("String");
                    for e in &entries[i..j] {
                        match e.1 {
                            Entry::InFile(usize::MAX) => out.push_str("0000000000 65535 f\r\n"),
                            Entry::InFile(off) => write!(out, "{off:010} 00000 n\r\n").expect("S"),
                            Entry::InObjStm { .. } => unreachable!("tables have no object streams"),
                        }
                    }
                    i = j;
                }
                write!(
                    out,
                    "trailer\n<< /Size {} {trailer}{prev} {id} >>\n",
                    self.size
                )
                .expect("String");
                self.buf.extend_from_slice(out.as_bytes());
            }
            XrefStyle::Stream | XrefStyle::StreamWithObjStm => {
                let num = self.alloc();
                xref_at = self.buf.len();
                let mut entries = std::mem::take(&mut self.entries);
                entries.push((num, Entry::InFile(xref_at)));
                if self.prev_xref.is_none() {
                    entries.push((0, Entry::InFile(usize::MAX)));
                }
                entries.sort_by_key(|e| e.0);
                let mut index = Vec::new();
                let mut data = Vec::new();
                let mut i = 0;
                while i < entries.len() {
                    let mut j = i + 1;
                    while j < entries.len() && entries[j].0 == entries[j - 1].0 + 1 {
                        j += 1;
                    }
                    index.push(format!("{} {}", entries[i].0, j - i));
                    for e in &entries[i..j] {
                        // /W [1 4 2]: type, offset or object stream number, generation or index.
                        let (t, a, b): (u8, u32, u16) = match e.1 {
                            Entry::InFile(usize::MAX) => (0, 0, 65535),
                            Entry::InFile(off) => (1, off as u32, 0),
                            Entry::InObjStm { stream, index } => (2, stream, index as u16),
                        };
                        data.push(t);
                        data.extend_from_slice(&a.to_be_bytes());
                        data.extend_from_slice(&b.to_be_bytes());
                    }
                    i = j;
                }
                let dict = format!(
                    "/Type /XRef /Size {} /W [1 4 2] /Index [{}] {trailer}{prev} {id}",
                    self.size,
                    index.join(" ")
                );
                // Written by hand: the stream object itself is already in `entries`.
                let z = flate(&data);
                write!(
                    self.buf,
                    "{num} 0 obj\n<< {dict} /Filter /FlateDecode /Length {} >>\nstream\n",
                    z.len()
                )
                .expect("Vec");
                self.buf.extend_from_slice(&z);
                self.buf.extend_from_slice(b"\nendstream\nendobj\n");
            }
        }
        write!(self.buf, "startxref\n{xref_at}\n%%EOF\n").expect("Vec");
        self.prev_xref = Some(xref_at);
        self.revision_ends.push(self.buf.len());
    }

    /// Offset of the last cross-reference section (what the last `startxref` says).
    pub fn last_xref(&self) -> Option<usize> {
        self.prev_xref
    }

    /// Ends an update that no cross-reference chain reaches (an incremental saving attack
    /// aimed at lenient readers, not a revision): after the objects written since the last
    /// revision, either just `%%EOF` (`table` false), or (`table` true) a classic `xref` table
    /// listing them, a trailer with `/Prev` the last section, and `startxref` naming the last
    /// *real* section, not this table, then `%%EOF`. A reader following `startxref` never sees
    /// the objects; one rebuilding the cross-reference by scanning for `N G obj` does. The
    /// writer's own chain is unchanged (a later [`Writer::end_revision`] would ignore them).
    pub fn end_unreachable(&mut self, trailer: &str, id1: [u8; 16], table: bool) {
        let entries = std::mem::take(&mut self.entries);
        let last = self.prev_xref.expect("an earlier revision");
        if table {
            let hex = |b: &[u8; 16]| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
            let mut entries = entries;
            entries.sort_by_key(|e| e.0);
            let mut out = String::from("xref\n");
            for (num, e) in &entries {
                let Entry::InFile(off) = e else {
                    unreachable!("unreachable updates write plain objects")
                };
                write!(out, "{num} 1\n{off:010} 00000 n\r\n").expect("String");
            }
            write!(
                out,
                "trailer\n<< /Size {} {trailer} /Prev {last} /ID [<{}> <{}>] >>\nstartxref\n{last}\n",
                self.size,
                hex(&self.id0),
                hex(&id1)
            )
            .expect("String");
            self.buf.extend_from_slice(out.as_bytes());
        }
        self.buf.extend_from_slice(b"%%EOF\n");
        self.revision_ends.push(self.buf.len());
    }
}
