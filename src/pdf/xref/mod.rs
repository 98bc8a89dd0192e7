//! Cross-reference sections and the object resolver (ISO 32000-1 §7.5.4–§7.5.8).
//!
//! ```text
//! startxref            % §7.5.5: byte offset of the last cross-reference section
//! 123456
//! %%EOF
//! ```
//!
//! Each section is a classic table (`xref … trailer << … >>`, §7.5.4) or a cross-reference
//! stream (`/Type /XRef`, §7.5.8); a hybrid-reference file's table trailer also names a stream
//! with `/XRefStm` (§7.5.8.4). `/Prev` links every section to the previous revision's. The
//! resolver looks an object up as of a given revision, newest section first, and reads it
//! where the entry says: in the file or inside an object stream (§7.5.7).

use crate::cache::{FastMap as HashMap, FastSet as HashSet};
use std::rc::Rc;

use memchr::memmem;

use super::error::{Finding, PdfError};
use super::lexer::Lexer;
use super::limits::{MAX_INDIRECTION, MAX_XREF_ENTRIES, MAX_XREF_SECTIONS};
use super::object::{Dictionary, Object, ObjectId, Origin, Span, Value};
use crate::memory::{pages, Allowance};

mod scan;
mod streams;

pub(crate) use scan::scan_objects;
use streams::ObjStm;

/// Why a string of an encrypted file cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unreadable {
    /// The document cannot be decrypted: the string is ciphertext.
    Encrypted,
    /// The ciphertext is malformed (not whole AES blocks after the IV, bad padding).
    Malformed,
}

/// One cross-reference entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    /// `f`: free (type 0).
    Free,
    /// `n`: at a byte offset in the file (type 1).
    InFile { offset: usize, gen: u16 },
    /// Type 2: the `index`-th object of object stream `stream`.
    Compressed { stream: u32, index: u32 },
}

/// How a section was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SectionKind {
    /// A classic `xref` table.
    Table,
    /// A classic table whose trailer names a cross-reference stream with `/XRefStm`.
    Hybrid,
    /// A cross-reference stream.
    Stream,
    /// No section: objects located by the fallback scan.
    Scan,
}

/// A section as read from the file.
pub(crate) struct Section<'a> {
    pub offset: usize,
    pub kind: SectionKind,
    pub entries: HashMap<u32, Entry>,
    /// Shared: the fallback scan gives every segment after a trailer that trailer.
    pub trailer: Rc<Dictionary<'a>>,
    /// End of the `%%EOF` marker that closes this section, and of its end-of-line.
    pub eof: Option<(usize, usize)>,
    /// Index (0-based, oldest first) of the revision the section belongs to.
    pub revision: usize,
}

/// An indirect object read from the file or an object stream.
#[derive(Clone, Debug)]
pub(crate) struct Indirect<'a> {
    pub id: ObjectId,
    pub object: Object<'a>,
    pub origin: Origin,
    /// For a stream: its raw (undecoded) data in the file.
    pub stream: Option<Span>,
    /// File offset of the object (for a compressed object, of its object stream).
    pub file_offset: usize,
}

/// Resolves objects against the sections of one file.
pub(crate) struct Resolver<'a> {
    pub data: &'a [u8],
    /// Sections in chain order: newest first.
    pub sections: Vec<Section<'a>>,
    pub findings: Vec<Finding>,
    pub recovered: bool,
    /// Decoded object streams by object number and file offset: an update may redefine an
    /// object stream, and earlier revisions must keep reading their own.
    objstms: HashMap<(u32, usize), Rc<ObjStm>>,
    /// Objects already parsed, by file offset: the walks of earlier revisions meet the same
    /// signature dictionaries again. Values borrow the file, so a clone is cheap.
    parsed: HashMap<usize, Indirect<'a>>,
    /// Every section's entries, newest winning: the final revision's view (built once the
    /// chain is read; until then lookups walk the sections read so far).
    merged: Option<HashMap<u32, Entry>>,
    decoded_total: usize,
    scan: Option<HashMap<u32, usize>>,
    entries_total: usize,
    /// An older section could not be read or the chain looped.
    chain_broken: bool,
    /// The standard security handler, when the file is encrypted and opens with the empty
    /// password.
    pub crypt: Option<super::crypt::Decryptor>,
    /// True when the file is encrypted (`/Encrypt` in a trailer).
    pub encrypted: bool,
    /// Why an encrypted file cannot be decrypted.
    crypt_error: Option<String>,
    /// The document's memory allowance: decoded streams draw from it.
    memory: &'a Allowance<'a>,
}

fn eol_len(data: &[u8], pos: usize) -> usize {
    match (data.get(pos), data.get(pos + 1)) {
        (Some(b'\r'), Some(b'\n')) => 2,
        (Some(b'\r' | b'\n'), _) => 1,
        _ => 0,
    }
}

/// Position just after the first `%%EOF` at or after `from`, and after its end-of-line.
pub(crate) fn eof_after(data: &[u8], from: usize) -> Option<(usize, usize)> {
    let p = memmem::find(data.get(from..)?, b"%%EOF")? + from + 5;
    Some((p, p + eol_len(data, p)))
}

impl<'a> Resolver<'a> {
    /// Read the chain from `startxref`; on failure fall back to scanning the file.
    pub(crate) fn open(data: &'a [u8], memory: &'a Allowance<'a>) -> Result<Self, PdfError> {
        let mut r = Resolver {
            memory,
            data,
            sections: Vec::new(),
            findings: Vec::new(),
            recovered: false,
            objstms: HashMap::default(),
            parsed: HashMap::default(),
            merged: None,
            decoded_total: 0,
            scan: None,
            entries_total: 0,
            chain_broken: false,
            crypt: None,
            encrypted: false,
            crypt_error: None,
        };
        let chain = match r.find_startxref() {
            Ok(off) => r.read_chain(off),
            Err(reason) => Err(reason),
        };
        if let Err(reason) = chain {
            if let ChainError::Fatal(
                e @ (PdfError::TooManyRevisions
                | PdfError::TooManyObjects
                | PdfError::DecodeBudget { .. }
                | PdfError::NestingTooDeep { .. }),
            ) = reason
            {
                return Err(e);
            }
            r.sections.clear();
            r.findings.push(Finding::FallbackScan {
                reason: reason.to_string(),
            });
            r.recovered = true;
            let sections = r.scan_sections(data.len())?;
            if sections.iter().all(|s| s.trailer.get(b"Root").is_none()) {
                return Err(PdfError::NoTrailer);
            }
            r.sections = sections;
            r.sections.reverse();
        } else if r.chain_broken {
            // The older part of the chain is unreadable: the segments of the file before the
            // oldest readable section become scanned pseudo-revisions, so objects defined
            // there are still found (and reported as recovered).
            let oldest = r.sections.iter().map(|s| s.offset).min().unwrap_or(0);
            let boundary = pages::find_iter(&data[..oldest], b"%%EOF")
                .last()
                .map(|p| p + 5 + eol_len(data, p + 5));
            if let Some(b) = boundary {
                let mut older = r.scan_sections(b)?;
                older.reverse();
                r.sections.extend(older);
                r.recovered = true;
            }
        }
        r.assign_revisions();
        r.setup_crypt();
        Ok(r)
    }

    fn find_startxref(&self) -> Result<usize, ChainError> {
        let data = self.data;
        // §7.5.5: the last line holds %%EOF and the two before it startxref and the offset;
        // trailing garbage is common, so look further back than the 1024 bytes of the spec.
        let tail_start = data.len().saturating_sub(64 << 10);
        let pos = memmem::rfind(&data[tail_start..], b"startxref")
            .map(|p| p + tail_start)
            .ok_or(ChainError::Msg("no startxref".into()))?;
        let mut lx = Lexer::new(data, pos + 9, 0);
        let off = lx
            .read_uint()
            .ok_or_else(|| ChainError::Msg(format!("no offset after startxref at byte {pos}")))?;
        let off = usize::try_from(off).unwrap_or(usize::MAX);
        if off >= data.len() {
            return Err(ChainError::Msg(format!(
                "startxref {off} points past the end of the file ({} bytes)",
                data.len()
            )));
        }
        Ok(off)
    }

    fn read_chain(&mut self, start: usize) -> Result<(), ChainError> {
        let mut visited = HashSet::default();
        let mut next = Some(start);
        while let Some(off) = next.take() {
            if !visited.insert(off) {
                self.findings.push(Finding::PrevLoop { offset: off });
                self.chain_broken = true;
                break;
            }
            if self.sections.len() >= MAX_XREF_SECTIONS {
                return Err(ChainError::Fatal(PdfError::TooManyRevisions));
            }
            let section = match self.read_section(off) {
                Ok(mut s) => {
                    if let Some(stm) = s.trailer.get(b"XRefStm").and_then(Object::as_i64) {
                        let stm = usize::try_from(stm).unwrap_or(usize::MAX);
                        if visited.insert(stm) {
                            match self.read_section(stm) {
                                Ok(hidden) if hidden.kind == SectionKind::Stream => {
                                    // §7.5.8.4: entries absent from the table, or free in it,
                                    // are taken from the stream.
                                    for (num, e) in hidden.entries {
                                        let slot = s.entries.entry(num).or_insert(e);
                                        if *slot == Entry::Free {
                                            *slot = e;
                                        }
                                    }
                                    s.kind = SectionKind::Hybrid;
                                }
                                Ok(_) => self.findings.push(Finding::BrokenPrev {
                                    offset: stm,
                                    reason: "/XRefStm does not point at a stream".into(),
                                }),
                                Err(e) => self.findings.push(Finding::BrokenPrev {
                                    offset: stm,
                                    reason: e.to_string(),
                                }),
                            }
                        } else {
                            self.findings.push(Finding::PrevLoop { offset: stm });
                        }
                    }
                    s
                }
                Err(e @ ChainError::Fatal(PdfError::TooManyObjects)) => return Err(e),
                Err(e) if self.sections.is_empty() => return Err(e),
                Err(e) => {
                    self.findings.push(Finding::BrokenPrev {
                        offset: off,
                        reason: e.to_string(),
                    });
                    self.chain_broken = true;
                    break;
                }
            };
            next = match section.trailer.get(b"Prev").map(|o| &o.value) {
                Some(Value::Integer(p)) => Some(usize::try_from(*p).unwrap_or(usize::MAX)),
                Some(Value::Real(p)) if *p >= 0.0 => Some(*p as usize),
                _ => None,
            };
            if let Some(p) = next {
                if p >= self.data.len() {
                    self.findings.push(Finding::BrokenPrev {
                        offset: p,
                        reason: "/Prev points past the end of the file".into(),
                    });
                    self.chain_broken = true;
                    next = None;
                }
            }
            self.sections.push(section);
        }
        Ok(())
    }

    fn read_section(&mut self, off: usize) -> Result<Section<'a>, ChainError> {
        let data = self.data;
        if off >= data.len() {
            return Err(ChainError::Msg(format!(
                "section offset {off} out of the file"
            )));
        }
        let mut lx = Lexer::new(data, off, 0);
        if lx.eat_keyword(b"xref") {
            let mut entries = HashMap::default();
            loop {
                if lx.eat_keyword(b"trailer") {
                    break;
                }
                let here = lx.offset();
                let (Some(first), Some(count)) = (lx.read_uint(), lx.read_uint()) else {
                    return Err(ChainError::Msg(format!(
                        "bad cross-reference subsection header at byte {here}"
                    )));
                };
                // Each entry takes at least 6 bytes ("0 0 n "), so a count larger than what
                // is left of the file is a lie.
                if count > ((data.len() - lx.pos()) / 6) as u64 {
                    return Err(ChainError::Msg(format!(
                        "subsection at byte {here} claims {count} entries"
                    )));
                }
                self.charge_entries(count as usize)?;
                for i in 0..count {
                    let at = lx.offset();
                    let (Some(o), Some(g)) = (lx.read_uint(), lx.read_uint()) else {
                        return Err(ChainError::Msg(format!("bad xref entry at byte {at}")));
                    };
                    let kind = if lx.eat_keyword(b"n") {
                        true
                    } else if lx.eat_keyword(b"f") {
                        false
                    } else {
                        return Err(ChainError::Msg(format!("bad xref entry at byte {at}")));
                    };
                    let Some(num) = first.checked_add(i).and_then(|n| u32::try_from(n).ok()) else {
                        return Err(ChainError::Msg(format!("object number overflow at {at}")));
                    };
                    let e = if kind && o > 0 {
                        Entry::InFile {
                            offset: usize::try_from(o).unwrap_or(usize::MAX),
                            gen: u16::try_from(g).unwrap_or(u16::MAX),
                        }
                    } else {
                        Entry::Free
                    };
                    // Within one table the first entry for an object wins.
                    entries.entry(num).or_insert(e);
                }
            }
            let t = lx.parse_object(0).map_err(ChainError::Fatal)?;
            let Value::Dictionary(trailer) = t.value else {
                return Err(ChainError::Msg(format!(
                    "trailer at byte {} is not a dictionary",
                    t.span.start
                )));
            };
            Ok(Section {
                offset: off,
                kind: SectionKind::Table,
                entries,
                trailer: Rc::new(trailer),
                eof: eof_after(data, t.span.end),
                revision: 0,
            })
        } else if let Some(id) = lx.read_object_header() {
            let ind = self.parse_at(off, id, 0).map_err(ChainError::Fatal)?;
            let end = ind.stream.map_or(ind.object.span.end, |s| s.end);
            let entries = self.xref_stream_entries(&ind)?;
            let Value::Dictionary(trailer) = ind.object.value else {
                unreachable!("xref_stream_entries checked the dictionary")
            };
            Ok(Section {
                offset: off,
                kind: SectionKind::Stream,
                entries,
                trailer: Rc::new(trailer),
                eof: eof_after(data, end),
                revision: 0,
            })
        } else {
            Err(ChainError::Msg(format!(
                "byte {off} holds neither an xref table nor an xref stream"
            )))
        }
    }

    fn charge_entries(&mut self, n: usize) -> Result<(), ChainError> {
        self.entries_total = self.entries_total.saturating_add(n);
        if self.entries_total > MAX_XREF_ENTRIES {
            return Err(ChainError::Fatal(PdfError::TooManyObjects));
        }
        Ok(())
    }

    /// Entries of a cross-reference stream (§7.5.8.2, §7.5.8.3).
    fn xref_stream_entries(
        &mut self,
        ind: &Indirect<'a>,
    ) -> Result<HashMap<u32, Entry>, ChainError> {
        let id = ind.id;
        let bad = |reason| ChainError::Fatal(PdfError::BadStream { id, reason });
        let dict = ind.object.as_dict().ok_or(bad("not a dictionary"))?;
        if dict.name(b"Type") != Some(b"XRef") {
            return Err(bad("not /Type /XRef"));
        }
        let w: Vec<usize> = dict
            .get(b"W")
            .and_then(Object::as_array)
            .ok_or(bad("no /W"))?
            .iter()
            .map(|o| o.as_i64().and_then(|v| usize::try_from(v).ok()))
            .collect::<Option<_>>()
            .ok_or(bad("/W is not three integers"))?;
        if w.len() != 3 || w.iter().any(|&x| x > 8) || w[1] == 0 {
            return Err(bad("/W is not three field widths of at most 8 bytes"));
        }
        let size = dict
            .get(b"Size")
            .and_then(Object::as_i64)
            .ok_or(bad("no /Size"))?;
        let index: Vec<i64> = match dict.get(b"Index") {
            Some(o) => o
                .as_array()
                .ok_or(bad("/Index is not an array"))?
                .iter()
                .map(Object::as_i64)
                .collect::<Option<_>>()
                .ok_or(bad("/Index holds a non-integer"))?,
            None => vec![0, size],
        };
        if index.len() % 2 != 0 || index.iter().any(|&v| v < 0 || v > u32::MAX as i64) {
            return Err(bad("/Index is not pairs of object numbers and counts"));
        }
        let decoded = self.decode_stream(ind, dict).map_err(ChainError::Fatal)?;
        let row = w[0] + w[1] + w[2];
        let rows: u64 = index.chunks(2).map(|c| c[1] as u64).sum();
        if rows.saturating_mul(row as u64) > decoded.len() as u64 {
            return Err(bad("fewer entry bytes than /Index announces"));
        }
        self.charge_entries(rows as usize)?;
        let field = |bytes: &[u8]| bytes.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
        let mut entries = HashMap::with_capacity_and_hasher(rows as usize, Default::default());
        let mut pos = 0;
        for c in index.chunks(2) {
            for i in 0..c[1] as u64 {
                let r = &decoded[pos..pos + row];
                pos += row;
                // §7.5.8.3: a zero-width type field means type 1.
                let t = if w[0] == 0 { 1 } else { field(&r[..w[0]]) };
                let f2 = field(&r[w[0]..w[0] + w[1]]);
                let f3 = field(&r[w[0] + w[1]..]);
                let Some(num) = u32::try_from(c[0] as u64 + i).ok() else {
                    return Err(bad("object number overflow"));
                };
                let e = match t {
                    0 => Entry::Free,
                    1 => Entry::InFile {
                        offset: usize::try_from(f2).unwrap_or(usize::MAX),
                        gen: u16::try_from(f3).unwrap_or(u16::MAX),
                    },
                    2 => Entry::Compressed {
                        stream: u32::try_from(f2).unwrap_or(u32::MAX),
                        index: u32::try_from(f3).unwrap_or(u32::MAX),
                    },
                    // §7.5.8.3: other types are references to null.
                    _ => Entry::Free,
                };
                entries.entry(num).or_insert(e);
            }
        }
        Ok(entries)
    }

    /// Group sections into revisions, oldest first. A section placed in the file *before*
    /// the section it points back to (the first-page table of a linearized file, §F.3) belongs
    /// to the same revision as that section.
    fn assign_revisions(&mut self) {
        let n = self.sections.len();
        let mut rev = 0;
        for i in (0..n).rev() {
            if i + 1 < n && self.sections[i].offset > self.sections[i + 1].offset {
                rev += 1;
            }
            self.sections[i].revision = rev;
        }
        let mut merged = HashMap::default();
        for s in self.sections.iter().rev() {
            merged.extend(s.entries.iter().map(|(&k, &v)| (k, v)));
        }
        self.merged = Some(merged);
    }

    /// Find `/Encrypt` in the newest trailer that has one and set up decryption.
    fn setup_crypt(&mut self) {
        let found = self.sections.iter().find_map(|s| {
            let e = s.trailer.get(b"Encrypt")?;
            if e.value == Value::Null {
                return None;
            }
            let id0 = s
                .trailer
                .get(b"ID")
                .and_then(Object::as_array)
                .and_then(|a| a.first())
                .and_then(Object::as_string)
                .map(|x| x.decode())
                .unwrap_or_default();
            Some((e.clone(), id0, s.revision))
        });
        let Some((enc, id0, rev)) = found else {
            return;
        };
        self.encrypted = true;
        let dict = match self.resolve(&enc, rev) {
            Ok((
                Object {
                    value: Value::Dictionary(d),
                    ..
                },
                _,
            )) => d,
            _ => {
                self.refuse_crypt(String::new(), "/Encrypt is not a dictionary".into());
                return;
            }
        };
        let handler = dict
            .name(b"Filter")
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        match super::crypt::Decryptor::new(&dict, &id0) {
            Ok(d) => {
                if let Some(reason) = d.perms_mismatch() {
                    self.findings.push(Finding::EncryptPermsMismatch {
                        reason: reason.into(),
                    });
                }
                self.crypt = Some(d);
                self.findings.push(Finding::Encrypted {
                    handler,
                    decrypted: true,
                    reason: None,
                });
            }
            Err(e) => self.refuse_crypt(handler, e.to_string()),
        }
    }

    /// The file is encrypted and cannot be decrypted, because of `reason`.
    fn refuse_crypt(&mut self, handler: String, reason: String) {
        self.crypt_error = Some(reason.clone());
        self.findings.push(Finding::Encrypted {
            handler,
            decrypted: false,
            reason: Some(reason),
        });
    }

    /// The plaintext of the string bytes `raw` read through indirect object `holder` (`None`
    /// for the objects of an object stream, whose strings are not encrypted separately,
    /// §7.6.2).
    pub(crate) fn plain(
        &self,
        raw: Vec<u8>,
        holder: Option<ObjectId>,
    ) -> Result<Vec<u8>, Unreadable> {
        if !self.encrypted {
            return Ok(raw);
        }
        match (&self.crypt, holder) {
            (None, _) => Err(Unreadable::Encrypted),
            (Some(c), Some(id)) => c.string(id, &raw).ok_or(Unreadable::Malformed),
            (Some(_), None) => Ok(raw),
        }
    }

    /// Every object number the final revision's cross-reference data names (in use, free or
    /// compressed), sorted: for the fuzzing entry point, which resolves each one.
    pub(crate) fn object_numbers(&self) -> Vec<u32> {
        let mut nums: Vec<u32> = self.merged.iter().flat_map(|m| m.keys().copied()).collect();
        nums.sort_unstable();
        nums
    }

    /// Number of revisions.
    pub(crate) fn revision_count(&self) -> usize {
        self.sections.first().map_or(0, |s| s.revision + 1)
    }

    /// The trailer of revision `rev`: that of its newest section holding `/Root`.
    pub(crate) fn trailer(&self, rev: usize) -> Option<&Dictionary<'a>> {
        let mut any = None;
        for s in self.sections.iter().filter(|s| s.revision == rev) {
            if s.trailer.get(b"Root").is_some() {
                return Some(&*s.trailer);
            }
            any.get_or_insert(&*s.trailer);
        }
        any
    }

    /// The `/Root` reference as of revision `rev`, and the revision whose trailer gives it:
    /// its own, or the newest earlier one when its trailer lacks the entry.
    pub(crate) fn root(&self, rev: usize) -> Option<(Object<'a>, usize)> {
        (0..=rev)
            .rev()
            .find_map(|r| Some((self.trailer(r)?.get(b"Root")?.clone(), r)))
    }

    pub(crate) fn entry(&self, num: u32, rev: usize) -> Option<Entry> {
        // The final revision (what the signature walk reads) has its own merged table, so a
        // lookup costs one hash probe however many sections a file has.
        if let Some(merged) = &self.merged {
            if rev >= self.sections.first().map_or(0, |s| s.revision) {
                return merged.get(&num).copied();
            }
        }
        self.sections
            .iter()
            .filter(|s| s.revision <= rev)
            .find_map(|s| s.entries.get(&num).copied())
    }

    /// The offset of object `id` as of revision `rev` when its entry points into the file at
    /// an object header of that number: where [`Resolver::get`] reads it without looking
    /// elsewhere (and without a finding). Two revisions with the same answer read the same
    /// bytes.
    pub(crate) fn in_file_at(&self, id: ObjectId, rev: usize) -> Option<usize> {
        match self.entry(id.num, rev)? {
            Entry::InFile { offset, .. } if offset < self.data.len() => {
                let mut lx = Lexer::new(self.data, offset, 0);
                let here = lx.read_object_header().is_some_and(|h| h.num == id.num);
                here.then_some(offset)
            }
            _ => None,
        }
    }

    /// The object `id` as of revision `rev`; `None` for a free or absent object (a
    /// reference to which is a reference to null, §7.3.10).
    pub(crate) fn get(
        &mut self,
        id: ObjectId,
        rev: usize,
        depth: usize,
    ) -> Result<Option<Indirect<'a>>, PdfError> {
        if depth > MAX_INDIRECTION {
            return Err(PdfError::IndirectionTooDeep { id });
        }
        match self.entry(id.num, rev) {
            None | Some(Entry::Free) => Ok(None),
            Some(Entry::InFile { offset, .. }) => {
                let at_object = offset < self.data.len() && {
                    let mut lx = Lexer::new(self.data, offset, 0);
                    lx.read_object_header().is_some_and(|h| h.num == id.num)
                };
                if at_object {
                    return self.parse_at(offset, id, depth + 1).map(Some);
                }
                // The entry is wrong: look for the object where it really is.
                match self.scanned(id.num) {
                    Some(real) => {
                        self.findings.push(Finding::XrefEntryMismatch {
                            object: id.to_string(),
                            offset,
                        });
                        self.parse_at(real, id, depth + 1).map(Some)
                    }
                    None => Err(PdfError::BadObject {
                        id,
                        reason: "cross-reference entry points elsewhere",
                    }),
                }
            }
            Some(Entry::Compressed { stream, index }) => {
                let stm = self.objstm(stream, rev, depth + 1)?;
                let pos = match stm.index.get(index as usize) {
                    Some(&(n, p)) if n == id.num => p,
                    _ => stm
                        .index
                        .iter()
                        .find(|(n, _)| *n == id.num)
                        .map(|&(_, p)| p)
                        .ok_or(PdfError::BadObject {
                            id,
                            reason: "not in its object stream",
                        })?,
                };
                let start = stm.first.checked_add(pos).ok_or(PdfError::BadObject {
                    id,
                    reason: "offset overflow in object stream",
                })?;
                if start >= stm.data.len() {
                    return Err(PdfError::BadObject {
                        id,
                        reason: "offset past the end of its object stream",
                    });
                }
                let object = Lexer::new(&stm.data, start, 0)
                    .parse_object(0)?
                    .into_owned();
                let file_offset = match self.entry(stream, rev) {
                    Some(Entry::InFile { offset, .. }) => offset,
                    _ => 0,
                };
                Ok(Some(Indirect {
                    id,
                    object,
                    origin: Origin::ObjectStream { stream },
                    stream: None,
                    file_offset,
                }))
            }
        }
    }

    /// Follow references from `obj` until a direct object; missing objects read as null.
    /// Returns the object and, when it came from an indirect object, that object's identity,
    /// origin and stream: its `object` field is not filled in (null), the value being the
    /// first element, so that a resolution copies the object once, not twice.
    pub(crate) fn resolve(
        &mut self,
        obj: &Object<'a>,
        rev: usize,
    ) -> Result<(Object<'a>, Option<Indirect<'a>>), PdfError> {
        let mut cur = obj.clone();
        let mut last = None;
        for _ in 0..=MAX_INDIRECTION {
            let Some(id) = cur.as_reference() else {
                return Ok((cur, last));
            };
            match self.get(id, rev, 0)? {
                Some(mut ind) => {
                    let null = Object {
                        span: ind.object.span,
                        value: Value::Null,
                    };
                    cur = std::mem::replace(&mut ind.object, null);
                    last = Some(ind);
                }
                None => {
                    return Ok((
                        Object {
                            span: cur.span,
                            value: Value::Null,
                        },
                        last,
                    ))
                }
            }
        }
        Err(PdfError::IndirectionTooDeep {
            id: obj.as_reference().unwrap_or(ObjectId { num: 0, gen: 0 }),
        })
    }

    /// Parse `n g obj … endobj` at `offset`, with its stream's data span if it has one.
    pub(crate) fn parse_at(
        &mut self,
        offset: usize,
        expect: ObjectId,
        depth: usize,
    ) -> Result<Indirect<'a>, PdfError> {
        if let Some(ind) = self.parsed.get(&offset) {
            if ind.id.num == expect.num {
                return Ok(ind.clone());
            }
        }
        let ind = self.parse_uncached(offset, expect, depth)?;
        self.parsed.insert(offset, ind.clone());
        Ok(ind)
    }

    fn parse_uncached(
        &mut self,
        offset: usize,
        expect: ObjectId,
        depth: usize,
    ) -> Result<Indirect<'a>, PdfError> {
        let data = self.data;
        let mut lx = Lexer::new(data, offset, 0);
        let id = lx.read_object_header().ok_or(PdfError::Syntax {
            offset,
            expected: "n g obj",
        })?;
        if id.num != expect.num {
            return Err(PdfError::BadObject {
                id: expect,
                reason: "cross-reference entry points at another object",
            });
        }
        let object = lx.parse_object(0)?;
        let mut stream = None;
        if let Value::Dictionary(dict) = &object.value {
            let save = lx.pos();
            if lx.eat_keyword(b"stream") {
                // §7.3.8.1: the keyword is followed by CRLF or LF (a lone CR is tolerated).
                let start = lx.pos() + eol_len(data, lx.pos());
                let declared = match dict.get(b"Length").map(|o| &o.value) {
                    Some(Value::Integer(n)) => usize::try_from(*n).ok(),
                    Some(Value::Reference(r)) if *r != id => self
                        .get(*r, usize::MAX, depth + 1)?
                        .and_then(|o| o.object.as_i64())
                        .and_then(|n| usize::try_from(n).ok()),
                    _ => None,
                };
                let ends_right = |len: usize| {
                    start.checked_add(len).is_some_and(|end| {
                        end <= data.len() && {
                            let mut l = Lexer::new(data, end, 0);
                            l.eat_keyword(b"endstream")
                        }
                    })
                };
                let end = match declared {
                    Some(len) if ends_right(len) => start + len,
                    _ => {
                        let Some(p) = memmem::find(&data[start.min(data.len())..], b"endstream")
                        else {
                            return Err(PdfError::UnexpectedEof { offset });
                        };
                        self.findings.push(Finding::StreamLength {
                            object: id.to_string(),
                        });
                        let mut e = start + p;
                        // The end-of-line before `endstream` is not data (§7.3.8.1).
                        if e > start && data[e - 1] == b'\n' {
                            e -= 1;
                        }
                        if e > start && data[e - 1] == b'\r' {
                            e -= 1;
                        }
                        e
                    }
                };
                stream = Some(Span::new(start, end));
            } else {
                lx.seek(save);
            }
        }
        Ok(Indirect {
            id,
            object,
            origin: Origin::File,
            stream,
            file_offset: offset,
        })
    }
}

/// Why the `startxref` chain could not be used.
pub(crate) enum ChainError {
    /// A budget was exceeded or the input is hostile: stop.
    Fatal(PdfError),
    /// The chain is broken: fall back to scanning.
    Msg(String),
}

impl std::fmt::Display for ChainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainError::Fatal(e) => e.fmt(f),
            ChainError::Msg(m) => f.write_str(m),
        }
    }
}
