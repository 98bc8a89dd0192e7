//! The fallback scan (§7.5.4 is unusable or the chain broken): objects and revisions found
//! by their `n g obj` headers and `%%EOF` markers, within budgets.

use crate::cache::FastMap as HashMap;
use std::rc::Rc;

use memchr::memmem;

use super::{eol_len, Entry, Resolver, Section, SectionKind};
use crate::memory::pages;
use crate::pdf::error::{Finding, PdfError};
use crate::pdf::lexer::{is_regular, is_white, Lexer};
use crate::pdf::limits::{MAX_SCANNED_OBJECTS, MAX_XREF_SECTIONS};
use crate::pdf::object::{Dictionary, Object, ObjectId, Value};

impl<'a> Resolver<'a> {
    /// File offset of the last `num g obj` in the file, by the fallback scan.
    pub(super) fn scanned(&mut self, num: u32) -> Option<usize> {
        if self.scan.is_none() {
            self.scan = Some(
                scan_objects(self.data)
                    .into_iter()
                    .map(|(n, _, o)| (n, o))
                    .collect(),
            );
        }
        self.scan.as_ref().and_then(|m| m.get(&num).copied())
    }

    /// Sections rebuilt by scanning `[0, upto)`: one pseudo-section per `%%EOF`-terminated
    /// segment, holding the objects defined in it and the last trailer (or cross-reference
    /// stream dictionary with `/Root`) seen so far. Oldest first.
    ///
    /// More than [`MAX_XREF_SECTIONS`] segments is [`PdfError::TooManyRevisions`], as for the
    /// chain: each segment is a revision, and the work per revision grows with their number.
    pub(super) fn scan_sections(&mut self, upto: usize) -> Result<Vec<Section<'a>>, PdfError> {
        let data = self.data;
        let mut objects: Vec<_> = scan_objects(data)
            .into_iter()
            .filter(|o| o.2 < upto)
            .collect();
        // By offset (the scan's order already), so each segment's objects are one slice.
        objects.sort_by_key(|o| o.2);
        let mut ends: Vec<(usize, usize)> = Vec::new();
        for p in pages::find_iter(&data[..upto], b"%%EOF") {
            // Past the budget already: stop, rather than list every marker of a file made of
            // millions of them (the check after the loop counts a missing final marker too).
            if ends.len() > MAX_XREF_SECTIONS {
                return Err(PdfError::TooManyRevisions);
            }
            ends.push((p + 5, p + 5 + eol_len(data, p + 5)));
        }
        let last_obj = objects.iter().map(|o| o.2).max();
        if let Some(last_obj) = last_obj {
            if ends.last().is_none_or(|&(e, _)| e < last_obj) {
                ends.push((upto, upto));
                self.findings
                    .push(Finding::MissingEof { xref_offset: upto });
            }
        }
        if ends.len() > MAX_XREF_SECTIONS {
            return Err(PdfError::TooManyRevisions);
        }
        let mut sections: Vec<Section<'a>> = Vec::new();
        let mut start = 0;
        let mut trailer: Option<Rc<Dictionary<'a>>> = None;
        for (rev, &(eof, end)) in ends.iter().enumerate() {
            let from = objects.partition_point(|o| o.2 < start);
            let to = objects.partition_point(|o| o.2 < eof);
            let segment = &objects[from..to.max(from)];
            let mut entries = HashMap::default();
            for &(num, gen, off) in segment {
                entries.insert(num, Entry::InFile { offset: off, gen });
            }
            for p in pages::find_iter(&data[start..eof], b"trailer") {
                let mut lx = Lexer::new(data, start + p + 7, 0);
                if let Ok(Object {
                    value: Value::Dictionary(d),
                    ..
                }) = lx.parse_object(0)
                {
                    if d.get(b"Root").is_some() {
                        trailer = Some(scanned_trailer(d));
                    }
                }
            }
            for &(num, gen, off) in segment {
                let window = &data[off..data.len().min(off + 512)];
                if memmem::find(window, b"/XRef").is_some() {
                    if let Ok(ind) = self.parse_at(off, ObjectId { num, gen }, 0) {
                        if let Value::Dictionary(d) = ind.object.value {
                            if d.name(b"Type") == Some(b"XRef") && d.get(b"Root").is_some() {
                                trailer = Some(scanned_trailer(d));
                            }
                        }
                    }
                }
            }
            sections.push(Section {
                offset: start,
                kind: SectionKind::Scan,
                entries,
                trailer: trailer.clone().unwrap_or_default(),
                eof: Some((eof, end)),
                revision: rev,
            });
            start = end;
        }
        Ok(sections)
    }
}

/// What a scanned segment keeps of the trailer it found (or inherited): the first `/Root`, and
/// `/Encrypt` and `/ID` for decryption, the only entries the reader reads from a scanned
/// trailer. Every later segment shares it and each revision's walk copies it, so the rest of a
/// hostile trailer (any number of keys) must not come along.
fn scanned_trailer(mut d: Dictionary<'_>) -> Rc<Dictionary<'_>> {
    let mut kept = [false; 3];
    d.entries.retain(|(k, _)| {
        let slot = match k.as_ref() {
            b"Root" => 0,
            b"Encrypt" => 1,
            b"ID" => 2,
            _ => return false,
        };
        !std::mem::replace(&mut kept[slot], true)
    });
    Rc::new(d)
}

/// Every `n g obj` header in the file that starts a line or follows white space:
/// (number, generation, offset), bounded by [`MAX_SCANNED_OBJECTS`].
pub(crate) fn scan_objects(data: &[u8]) -> Vec<(u32, u16, usize)> {
    let mut out = Vec::new();
    for p in pages::find_iter(data, b"obj") {
        if out.len() >= MAX_SCANNED_OBJECTS {
            break;
        }
        // `obj` must stand alone: preceded by white space, followed by a non-regular byte.
        if p == 0 || !is_white(data[p - 1]) || data.get(p + 3).is_some_and(|&b| is_regular(b)) {
            continue;
        }
        // Walk back over "num gen ".
        let mut i = p;
        let mut fields = [0usize; 2];
        let mut ok = true;
        for f in fields.iter_mut().rev() {
            while i > 0 && is_white(data[i - 1]) {
                i -= 1;
            }
            let end = i;
            while i > 0 && data[i - 1].is_ascii_digit() && end - i < 10 {
                i -= 1;
            }
            if i == end {
                ok = false;
                break;
            }
            *f = i;
        }
        if !ok || (i > 0 && is_regular(data[i - 1])) {
            continue;
        }
        let mut lx = Lexer::new(data, i, 0);
        if let Some(id) = lx.read_object_header() {
            out.push((id.num, id.gen, i));
        }
    }
    out
}
