//! From the trailer to the signature dictionaries (§12.7 interactive forms, §12.8 digital
//! signatures), for the final revision and, to report superseded signatures, each earlier one.

use crate::cache::{FastMap as HashMap, FastSet as HashSet};

use super::error::{Finding, PdfError};
use super::limits::{MAX_CERT_STRINGS, MAX_FIELDS, MAX_FIELD_DEPTH, MAX_ORPHAN_FINDINGS};
use super::object::{Dictionary, Object, ObjectId, Origin, Value};
use super::xref::{Entry, Resolver, Unreadable};
use super::{
    Contents, Document, Lock, Reading, Revision, SigReference, Signature, SignatureType,
    ENCRYPTED_TEXT,
};
use crate::memory::{pages, Allowance};

pub(super) fn read_document<'a>(
    data: &'a [u8],
    version: String,
    memory: &'a Allowance<'a>,
) -> Result<Reading<'a>, PdfError> {
    let mut r = Resolver::open(data, memory)?;
    let revisions = revisions(&mut r);
    let last = r.revision_count().saturating_sub(1);
    // The revision whose catalog is read: the last, or — when its /Root does not resolve to a
    // dictionary (an update cut short or damaged where it redefines the catalog) — the newest
    // one whose does, so that the signatures of the intact revisions are still found.
    let (root, view) = readable_root(&mut r, last)?;

    let mut walk = Walk::new(&mut r, view, &revisions);
    walk.form(&root)?;
    // /ByteRange keys outside the signatures the form reaches. A signature field may also be
    // reached through a page's widget annotation only (a file rewritten after signing keeps the
    // widget and loses /AcroForm): then the pages are walked too, as viewers do.
    let found: Vec<(usize, usize)> = walk
        .signatures
        .iter()
        .map(|s| (s.dict_span.start, s.dict_span.end))
        .collect();
    let candidates = byte_ranges_outside(data, &found);
    if walk.signatures.is_empty() || !candidates.is_empty() {
        if let Err(e) = walk.page_widgets(&root) {
            walk.r.findings.push(Finding::BadSignatureField {
                field: "(page widgets)".into(),
                reason: e.to_string(),
            });
        }
    }
    let Walk {
        mut signatures,
        unsigned,
        same,
        ..
    } = walk;

    // /Perms /DocMDP names the certification signature's dictionary (§12.8.4 Table 258).
    if let Some(perms) = root.get(b"Perms") {
        if let Ok((
            Object {
                value: Value::Dictionary(p),
                ..
            },
            _,
        )) = r.resolve(perms, view)
        {
            if let Some(id) = p.get(b"DocMDP").and_then(Object::as_reference) {
                for s in signatures.iter_mut().filter(|s| s.object == Some(id)) {
                    s.certification = true;
                }
            }
        }
    }

    // A broken DSS costs the long-term validation material, not the signatures.
    let dss = match root.get(b"DSS").map(|o| super::dss::read(&mut r, o, view)) {
        Some(Ok(d)) => d,
        Some(Err(e)) => {
            r.findings.push(Finding::BadDss {
                reason: e.to_string(),
            });
            None
        }
        None => None,
    };

    // Signatures the form of an earlier revision reached and the final one no longer does.
    let mut seen: HashSet<(usize, usize)> = signatures
        .iter()
        .filter(|s| s.origin == Origin::File)
        .map(|s| (s.dict_span.start, s.dict_span.end))
        .collect();
    // Signature dictionaries' objects, in this revision's form or an earlier one's.
    let mut located: HashSet<u32> = signatures
        .iter()
        .filter_map(|s| s.object.map(|o| o.num))
        .collect();
    let mut earlier_fields: usize = 0;
    for rev in 0..view {
        // Only `/Root` is taken from the trailer, and the catalog's entries are charged to the
        // field budget below: a file of thousands of revisions sharing a huge trailer or
        // catalog cannot make each walk copy it.
        let Some((root_ref, _)) = r.root(rev) else {
            continue;
        };
        let Ok((root, _)) = r.resolve(&root_ref, rev) else {
            continue;
        };
        let Some(root) = root.as_dict().cloned() else {
            continue;
        };
        earlier_fields = earlier_fields.saturating_add(root.entries.len());
        // One field budget for all the earlier revisions' walks together: a crafted file with
        // thousands of revisions of a large form cannot multiply the work.
        if earlier_fields >= MAX_FIELDS {
            r.findings.push(Finding::FindingsTruncated {
                of: "superseded_signature".into(),
                reason: format!("earlier revisions' forms hold more than {MAX_FIELDS} fields"),
            });
            break;
        }
        let mut w = Walk::new(&mut r, rev, &revisions);
        w.count = earlier_fields;
        w.light = true;
        w.known = Some(&same);
        let walked = w.form(&root);
        earlier_fields = w.count;
        if walked.is_err() {
            continue;
        }
        let old = std::mem::take(&mut w.signatures);
        for s in old {
            located.extend(s.object.map(|o| o.num));
            if s.origin == Origin::File && seen.insert((s.dict_span.start, s.dict_span.end)) {
                r.findings.push(Finding::SupersededSignature {
                    field: s.field,
                    revision: rev + 1,
                    byte_range: s.byte_range,
                });
            }
        }
    }

    // /ByteRange keys in the file that no signature dictionary found above contains.
    let spans = Spans::new(&seen.into_iter().collect::<Vec<_>>());
    let mut orphans = 0usize;
    for p in candidates {
        if spans.contain(p) {
            continue;
        }
        orphans += 1;
        if orphans <= MAX_ORPHAN_FINDINGS {
            r.findings.push(Finding::OrphanByteRange { offset: p });
        }
    }
    // And inside object streams, which the scan of the raw file cannot see.
    for (object, stream) in r.compressed_objects_with(b"/ByteRange") {
        if located.contains(&object) {
            continue;
        }
        orphans += 1;
        if orphans <= MAX_ORPHAN_FINDINGS {
            r.findings.push(Finding::OrphanSignature { object, stream });
        }
    }
    if orphans > MAX_ORPHAN_FINDINGS {
        r.findings.push(Finding::FindingsTruncated {
            of: "orphan_byte_range".into(),
            reason: format!("{orphans} in all; the first {MAX_ORPHAN_FINDINGS} are listed"),
        });
    }

    if let Some(last) = revisions.last() {
        let tail = data.get(last.end..).unwrap_or_default();
        if tail.iter().any(|&b| !super::lexer::is_white(b)) {
            r.findings.push(Finding::TrailingBytes {
                offset: last.end,
                len: tail.len(),
            });
        }
    }

    let document = Document {
        len: data.len(),
        version,
        recovered: r.recovered,
        revisions,
        signatures,
        unsigned_fields: unsigned,
        dss,
        findings: std::mem::take(&mut r.findings),
    };
    Ok(Reading {
        document,
        objects: r,
    })
}

/// Revisions with their ends and object changes, oldest first.
/// The catalog of revision `last` or of the newest earlier revision whose `/Root` resolves to a
/// dictionary, with that revision; each revision passed over is a finding. The error is the
/// last revision's when no revision has a readable catalog.
fn readable_root<'a>(
    r: &mut Resolver<'a>,
    last: usize,
) -> Result<(Dictionary<'a>, usize), PdfError> {
    let mut first_error = None;
    for rev in (0..=last).rev() {
        let Some((root_ref, from)) = r.root(rev) else {
            first_error.get_or_insert(PdfError::NoTrailer);
            continue;
        };
        let error = match r.resolve(&root_ref, rev) {
            Ok((obj, _)) => match obj.as_dict() {
                Some(d) => {
                    if from != rev {
                        r.findings.push(Finding::TrailerWithoutRoot {
                            revision: rev + 1,
                            from: from + 1,
                        });
                    }
                    if rev != last {
                        r.findings.push(Finding::UnreadableCatalog {
                            revision: last + 1,
                            read: rev + 1,
                            reason: first_error
                                .as_ref()
                                .map_or_else(String::new, ToString::to_string),
                        });
                    }
                    return Ok((d.clone(), rev));
                }
                None => PdfError::WrongType {
                    what: "/Root",
                    offset: obj.span.start,
                },
            },
            Err(e) => e,
        };
        first_error.get_or_insert(error);
    }
    Err(first_error.unwrap_or(PdfError::NoTrailer))
}

fn revisions(r: &mut Resolver<'_>) -> Vec<Revision> {
    let n = r.revision_count();
    let mut in_use: HashMap<u32, bool> = HashMap::default();
    let mut out = Vec::with_capacity(n);
    let len = r.data.len();
    let mut missing = Vec::new();
    for rev in 0..n {
        // Sections of this revision, newest first (chain order).
        let secs: Vec<usize> = (0..r.sections.len())
            .filter(|&i| r.sections[i].revision == rev)
            .collect();
        let mut merged: HashMap<u32, Entry> = HashMap::default();
        for &i in secs.iter().rev() {
            for (&num, &e) in &r.sections[i].entries {
                merged.insert(num, e);
            }
        }
        let (mut added, mut replaced, mut freed) = (Vec::new(), Vec::new(), Vec::new());
        for (&num, &e) in &merged {
            let used = e != Entry::Free;
            match (used, in_use.get(&num).copied().unwrap_or(false)) {
                (true, false) => added.push(num),
                (true, true) => replaced.push(num),
                (false, _) if num != 0 => freed.push(num),
                _ => {}
            }
            in_use.insert(num, used);
        }
        added.sort_unstable();
        replaced.sort_unstable();
        freed.sort_unstable();
        let (eof, end) = secs
            .iter()
            .filter_map(|&i| r.sections[i].eof)
            .max()
            .unwrap_or_else(|| {
                missing.push(r.sections[secs[0]].offset);
                (len, len)
            });
        let mut xref: Vec<_> = secs
            .iter()
            .map(|&i| (r.sections[i].offset, r.sections[i].kind))
            .collect();
        xref.sort_unstable_by_key(|x| x.0);
        out.push(Revision {
            index: rev + 1,
            xref,
            eof,
            end,
            added,
            replaced,
            freed,
        });
    }
    for xref_offset in missing {
        r.findings.push(Finding::MissingEof { xref_offset });
    }
    out
}

/// A text string; in an encrypted file, decrypted with the key of `holder`, the indirect
/// object (in the file, not in an object stream) that contains the string. `None` when it
/// cannot be decrypted.
fn text(r: &Resolver<'_>, o: Option<&Object<'_>>, holder: Option<ObjectId>) -> Option<String> {
    let s = o.and_then(Object::as_string)?;
    r.plain(s.decode(), holder)
        .ok()
        .map(|b| super::object::decode_text(&b))
}

/// A field name as [`text`] reads it, or [`ENCRYPTED_TEXT`] when the document cannot be
/// decrypted: the name exists, its ciphertext is not shown.
pub(crate) fn field_text(
    r: &Resolver<'_>,
    o: Option<&Object<'_>>,
    holder: Option<ObjectId>,
) -> Option<String> {
    let s = o.and_then(Object::as_string)?;
    match r.plain(s.decode(), holder) {
        Ok(b) => Some(super::object::decode_text(&b)),
        Err(Unreadable::Encrypted) => Some(ENCRYPTED_TEXT.into()),
        Err(Unreadable::Malformed) => None,
    }
}

/// The object id whose key encrypts strings read through `ind` (§7.6.2: strings in objects
/// of an object stream are not encrypted separately).
fn holder(ind: &Option<super::xref::Indirect<'_>>, parent: Option<ObjectId>) -> Option<ObjectId> {
    match ind {
        Some(i) if i.origin == Origin::File => Some(i.id),
        Some(_) => None,
        None => parent,
    }
}

/// Positions of `/ByteRange` keys in `data` that lie in none of `spans` (signature
/// dictionaries already located), in one pass over the file.
fn byte_ranges_outside(data: &[u8], spans: &[(usize, usize)]) -> Vec<usize> {
    let spans = Spans::new(spans);
    pages::find_iter(data, b"/ByteRange")
        .filter(|&p| !spans.contain(p))
        .collect()
}

/// Spans sorted by start with the running maximum of their ends: a binary search finds
/// whether any span starting at or before a position reaches past it (thousands of
/// signature dictionaries cost a logarithm per position, not a scan).
struct Spans {
    sorted: Vec<(usize, usize)>,
    reach: Vec<usize>,
}

impl Spans {
    fn new(spans: &[(usize, usize)]) -> Spans {
        let mut sorted = spans.to_vec();
        sorted.sort_unstable();
        let mut max_end = 0;
        let reach = sorted
            .iter()
            .map(|&(_, e)| {
                max_end = max_end.max(e);
                max_end
            })
            .collect();
        Spans { sorted, reach }
    }

    fn contain(&self, p: usize) -> bool {
        let n = self.sorted.partition_point(|&(s, _)| s <= p);
        n > 0 && self.reach[n - 1] > p
    }
}

fn name(o: Option<&Object<'_>>) -> Option<String> {
    o.and_then(Object::as_name)
        .map(|n| String::from_utf8_lossy(n).into_owned())
}

struct Walk<'r, 'a> {
    r: &'r mut Resolver<'a>,
    rev: usize,
    revisions: &'r [Revision],
    visited: HashSet<ObjectId>,
    count: usize,
    signatures: Vec<Signature>,
    unsigned: Vec<String>,
    /// Only locate signatures (field, span, byte range): for earlier revisions' walks.
    light: bool,
    /// Signature fields the final revision's walk read (see [`SameLeaves`]); an earlier
    /// revision's walk passes over those whose bytes it would read again.
    same: SameLeaves,
    /// In an earlier revision's walk, the final walk's [`SameLeaves`].
    known: Option<&'r SameLeaves>,
}

/// Signature fields of the final revision's form that a walk of an earlier revision would read
/// to no effect when their bytes are the same: terminal fields (no `/Kids`) with their own
/// `/T` and `/FT /Sig`, whose `/V` was read without error, by object → (the field's offset,
/// and `/V`'s object and offset when `/V` is indirect). An earlier revision whose entries give
/// the same offsets (read through [`Resolver::in_file_at`]) reads the same field and the same
/// signature dictionary: a signature the final walk found, so neither superseded nor new.
type SameLeaves = HashMap<ObjectId, (usize, Option<(ObjectId, usize)>)>;

impl<'r, 'a> Walk<'r, 'a> {
    fn new(r: &'r mut Resolver<'a>, rev: usize, revisions: &'r [Revision]) -> Self {
        Walk {
            r,
            rev,
            revisions,
            visited: HashSet::default(),
            count: 0,
            signatures: Vec::new(),
            unsigned: Vec::new(),
            light: false,
            same: HashMap::default(),
            known: None,
        }
    }

    /// In an earlier revision's walk: whether field `id` and its signature dictionary are at
    /// the offsets the final walk read them from (see [`SameLeaves`]).
    fn same_as_final(&self, id: ObjectId) -> bool {
        let Some(&(offset, v)) = self.known.and_then(|k| k.get(&id)) else {
            return false;
        };
        self.r.in_file_at(id, self.rev) == Some(offset)
            && v.is_none_or(|(vid, voff)| self.r.in_file_at(vid, self.rev) == Some(voff))
    }

    /// In the final walk: remembers terminal signature field `id` (see [`SameLeaves`]) whose
    /// `/V` (`v`) was read without error.
    fn remember(&mut self, id: Option<ObjectId>, dict: &Dictionary<'a>, v: &Object<'a>) {
        let Some(id) = id.filter(|_| !self.light) else {
            return;
        };
        let own = dict.name(b"FT") == Some(b"Sig") && dict.get(b"T").is_some();
        if !own || dict.get(b"Kids").is_some() {
            return;
        }
        let Some(offset) = self.r.in_file_at(id, self.rev) else {
            return;
        };
        let v = match v.as_reference() {
            Some(vid) => match self.r.in_file_at(vid, self.rev) {
                Some(voff) => Some((vid, voff)),
                None => return,
            },
            None => None,
        };
        self.same.insert(id, (offset, v));
    }

    fn resolve_dict(&mut self, o: &Object<'a>) -> Result<Option<Dictionary<'a>>, PdfError> {
        Ok(match self.r.resolve(o, self.rev)?.0.value {
            Value::Dictionary(d) => Some(d),
            _ => None,
        })
    }

    fn resolve_array(&mut self, o: &Object<'a>) -> Result<Vec<Object<'a>>, PdfError> {
        Ok(match self.r.resolve(o, self.rev)?.0.value {
            Value::Array(a) => a,
            _ => Vec::new(),
        })
    }

    /// `/AcroForm /Fields` of a catalog (§12.7.2 Table 218).
    fn form(&mut self, root: &Dictionary<'a>) -> Result<(), PdfError> {
        let Some(af) = root.get(b"AcroForm") else {
            return Ok(());
        };
        let Some(af) = self.resolve_dict(af)? else {
            return Ok(());
        };
        let Some(fields) = af.get(b"Fields") else {
            return Ok(());
        };
        let fields = self.resolve_array(fields)?;
        // Iterative depth-first walk keeping field order: (node, parent name, inherited /FT).
        #[allow(clippy::type_complexity)]
        let mut stack: Vec<(Object<'a>, String, Option<Vec<u8>>, usize, Option<ObjectId>)> = fields
            .into_iter()
            .rev()
            .map(|f| (f, String::new(), None, 0, None))
            .collect();
        while let Some((node, parent, ft, depth, parent_holder)) = stack.pop() {
            self.count += 1;
            if self.count > MAX_FIELDS {
                return Err(PdfError::TooManyFields);
            }
            let id = node.as_reference();
            if let Some(id) = id {
                if !self.visited.insert(id) {
                    self.r.findings.push(Finding::FieldLoop {
                        object: id.to_string(),
                    });
                    continue;
                }
                if self.same_as_final(id) {
                    continue;
                }
            }
            let (resolved, ind) = self.r.resolve(&node, self.rev)?;
            let Value::Dictionary(dict) = resolved.value else {
                continue;
            };
            let holder = holder(&ind, parent_holder);
            // §12.7.3.2: the fully qualified name joins the partial names /T with periods.
            let partial = field_text(self.r, dict.get(b"T"), holder);
            let full = match (&partial, parent.is_empty()) {
                (Some(t), true) => t.clone(),
                (Some(t), false) => format!("{parent}.{t}"),
                (None, _) => parent.clone(),
            };
            let ft = dict.name(b"FT").map(<[u8]>::to_vec).or(ft);
            if ft.as_deref() == Some(b"Sig") && (partial.is_some() || depth == 0) {
                match dict.get(b"V") {
                    Some(v) if !matches!(v.value, Value::Null) => {
                        let v = v.clone();
                        match self.signature(&full, id, &dict, &v, holder) {
                            Ok(()) => self.remember(id, &dict, &v),
                            Err(e) => self.r.findings.push(Finding::BadSignatureField {
                                field: full.clone(),
                                reason: e.to_string(),
                            }),
                        }
                    }
                    _ => self.unsigned.push(full.clone()),
                }
            }
            if let Some(kids) = dict.get(b"Kids") {
                if depth + 1 > MAX_FIELD_DEPTH {
                    self.r.findings.push(Finding::BadSignatureField {
                        field: full,
                        reason: format!("/Kids nested deeper than {MAX_FIELD_DEPTH}"),
                    });
                    continue;
                }
                let kids = self.resolve_array(kids)?;
                for k in kids.into_iter().rev() {
                    stack.push((k, full.clone(), ft.clone(), depth + 1, holder));
                }
            }
        }
        Ok(())
    }

    /// Signature fields reached through the pages' widget annotations (§12.5.6.19: a widget
    /// is a field's annotation, merged with it or its kid) that the `/AcroForm` walk did not
    /// reach: each widget's `/Parent` chain gives the field's name, type and value, as for a
    /// field met in the form. Pages and annotations count against the field budget.
    fn page_widgets(&mut self, root: &Dictionary<'a>) -> Result<(), PdfError> {
        let Some(pages) = root.get(b"Pages") else {
            return Ok(());
        };
        let mut stack = vec![pages.clone()];
        let mut seen_nodes: HashSet<ObjectId> = HashSet::default();
        while let Some(node) = stack.pop() {
            self.count += 1;
            if self.count > MAX_FIELDS {
                return Err(PdfError::TooManyFields);
            }
            if let Some(id) = node.as_reference() {
                if !seen_nodes.insert(id) {
                    continue; // a /Kids loop
                }
            }
            let Some(dict) = self.resolve_dict(&node)? else {
                continue;
            };
            if let Some(kids) = dict.get(b"Kids") {
                stack.extend(self.resolve_array(kids)?.into_iter().rev());
                continue;
            }
            if let Some(annots) = dict.get(b"Annots") {
                for annot in self.resolve_array(annots)? {
                    self.count += 1;
                    if self.count > MAX_FIELDS {
                        return Err(PdfError::TooManyFields);
                    }
                    self.widget(&annot)?;
                }
            }
        }
        Ok(())
    }

    /// A widget annotation's signature field, if it is one the walk has not met.
    fn widget(&mut self, annot: &Object<'a>) -> Result<(), PdfError> {
        let Some(w) = self.resolve_dict(annot)? else {
            return Ok(());
        };
        if w.name(b"Subtype") != Some(b"Widget") {
            return Ok(());
        }
        // Up the /Parent chain: the partial names (leaf first), the first /FT and the node
        // that holds the value.
        let mut names = Vec::new();
        let mut ft: Option<Vec<u8>> = None;
        let mut value: Option<(Object<'a>, Option<ObjectId>, Dictionary<'a>)> = None;
        let mut node = annot.clone();
        let mut dict = w;
        for _ in 0..MAX_FIELD_DEPTH {
            let id = node.as_reference();
            if let Some(t) = text(self.r, dict.get(b"T"), id) {
                names.push(t);
            }
            if ft.is_none() {
                ft = dict.name(b"FT").map(<[u8]>::to_vec);
            }
            if value.is_none() {
                if let Some(v) = dict.get(b"V").filter(|v| !matches!(v.value, Value::Null)) {
                    value = Some((v.clone(), id, dict.clone()));
                }
            }
            let Some(parent) = dict.get(b"Parent").cloned() else {
                break;
            };
            let Some(p) = self.resolve_dict(&parent)? else {
                break;
            };
            node = parent;
            dict = p;
        }
        let Some((v, holder_id, holder_dict)) = value else {
            return Ok(());
        };
        if ft.as_deref() != Some(b"Sig") {
            return Ok(());
        }
        if let Some(id) = holder_id {
            if !self.visited.insert(id) {
                return Ok(()); // the form walk reached this field already
            }
        }
        names.reverse();
        let full = names.join(".");
        if let Err(e) = self.signature(&full, holder_id, &holder_dict, &v, holder_id) {
            self.r.findings.push(Finding::BadSignatureField {
                field: full,
                reason: e.to_string(),
            });
        }
        Ok(())
    }

    /// Read the signature dictionary `v` of field `field` (§12.8.1 Table 252).
    fn signature(
        &mut self,
        field: &str,
        field_object: Option<ObjectId>,
        field_dict: &Dictionary<'a>,
        v: &Object<'a>,
        field_holder: Option<ObjectId>,
    ) -> Result<(), PdfError> {
        let (obj, ind) = self.r.resolve(v, self.rev)?;
        let sig_holder = holder(&ind, field_holder);
        let Value::Dictionary(d) = &obj.value else {
            return Err(PdfError::WrongType {
                what: "signature field /V",
                offset: obj.span.start,
            });
        };
        let (object, origin, file_offset) = match &ind {
            Some(i) => (Some(i.id), i.origin, i.file_offset),
            None => (None, Origin::File, obj.span.start),
        };
        for key in [&b"Contents"[..], b"ByteRange"] {
            if d.count(key) > 1 {
                self.r.findings.push(Finding::DuplicateKey {
                    key: String::from_utf8_lossy(key).into_owned(),
                    offset: obj.span.start,
                });
            }
        }
        let sig_type = match d.name(b"Type") {
            None | Some(b"Sig") => SignatureType::Sig,
            Some(b"DocTimeStamp") => SignatureType::DocTimeStamp,
            Some(_) => SignatureType::Other,
        };
        if sig_type == SignatureType::Other
            && d.get(b"ByteRange").is_none()
            && d.get(b"Contents").is_none()
        {
            return Err(PdfError::WrongType {
                what: "signature field /V (not a signature dictionary)",
                offset: obj.span.start,
            });
        }
        let byte_range = match d.get(b"ByteRange") {
            Some(br) => {
                let arr = self.resolve_array(br)?;
                arr.iter().map(Object::as_i64).collect::<Option<Vec<_>>>()
            }
            None => None,
        };
        let contents = match d.get(b"Contents") {
            Some(_) if self.light => None,
            Some(c) => {
                let (c, cind) = self.r.resolve(c, self.rev)?;
                let in_file = match &cind {
                    Some(i) => i.origin == Origin::File,
                    None => origin == Origin::File,
                };
                match (&c.value, in_file) {
                    (Value::String(s), true) => Some(contents(s, c.span)),
                    _ => None,
                }
            }
            None => None,
        };
        let references = match (self.light, d.get(b"Reference")) {
            (false, Some(refs)) => self.references(refs, sig_holder)?,
            _ => Vec::new(),
        };
        let lock = match (self.light, field_dict.get(b"Lock")) {
            (false, Some(l)) => self.lock(l, field_holder)?,
            _ => None,
        };
        let mut strings = [None, None, None, None, None];
        // An earlier revision's walk only locates signatures: their texts are not read.
        let keys: &[&[u8]] = if self.light {
            &[]
        } else {
            &[b"M", b"Name", b"Reason", b"Location", b"ContactInfo"]
        };
        for (slot, &key) in strings.iter_mut().zip(keys) {
            if let Some(o) = d.get(key) {
                let (o, ind) = self.r.resolve(o, self.rev)?;
                *slot = text(self.r, Some(&o), holder(&ind, sig_holder));
            }
        }
        let [m, name_, reason, location, contact_info] = strings;
        // §12.8.1 Table 255 /Cert: "an array of byte strings … or a single byte string"
        // holding DER certificates (adbe.x509.rsa_sha1).
        let mut certs = Vec::new();
        if let (false, Some(c)) = (self.light, d.get(b"Cert")) {
            let (c, ind) = self.r.resolve(c, self.rev)?;
            let h = holder(&ind, sig_holder);
            let items = match &c.value {
                Value::Array(_) => self.resolve_array(&c)?,
                _ => vec![c],
            };
            for item in items.iter().take(MAX_CERT_STRINGS) {
                if let Some(s) = item.as_string() {
                    // Malformed ciphertext is kept as read (the certificate parser refuses
                    // it); a document that cannot be decrypted has no readable /Cert.
                    match self.r.plain(s.decode(), h) {
                        Ok(bytes) => certs.push(bytes),
                        Err(Unreadable::Malformed) => certs.push(s.decode()),
                        Err(Unreadable::Encrypted) => {}
                    }
                }
            }
        }
        let anchor = if origin == Origin::File {
            obj.span.end
        } else {
            file_offset
        };
        let revision = self
            .revisions
            .iter()
            .find(|r| anchor <= r.end)
            .map_or(self.revisions.len(), |r| r.index);
        self.signatures.push(Signature {
            field: field.to_owned(),
            field_object,
            object,
            origin,
            dict_span: obj.span,
            sig_type,
            filter: name(d.get(b"Filter")),
            sub_filter: name(d.get(b"SubFilter")),
            byte_range,
            contents,
            contents_keys: d.count(b"Contents"),
            m,
            name: name_,
            reason,
            location,
            contact_info,
            revision,
            references,
            lock,
            certification: false,
            certs,
        });
        Ok(())
    }

    /// `o` resolved to a dictionary, with the holder of its strings (`parent`'s when `o` is
    /// direct).
    #[allow(clippy::type_complexity)]
    fn resolve_dict_in(
        &mut self,
        o: &Object<'a>,
        parent: Option<ObjectId>,
    ) -> Result<Option<(Dictionary<'a>, Option<ObjectId>)>, PdfError> {
        let (o, ind) = self.r.resolve(o, self.rev)?;
        Ok(match o.value {
            Value::Dictionary(d) => Some((d, holder(&ind, parent))),
            _ => None,
        })
    }

    /// A signature's `/Reference` array (§12.8.1 Table 253).
    fn references(
        &mut self,
        refs: &Object<'a>,
        sig_holder: Option<ObjectId>,
    ) -> Result<Vec<SigReference>, PdfError> {
        let (arr, ind) = self.r.resolve(refs, self.rev)?;
        let arr_holder = holder(&ind, sig_holder);
        let mut out = Vec::new();
        for item in arr.as_array().unwrap_or_default() {
            let Some((rd, h)) = self.resolve_dict_in(item, arr_holder)? else {
                continue;
            };
            let (params, h) = match rd.get(b"TransformParams") {
                Some(p) => self.resolve_dict_in(p, h)?.unwrap_or_default(),
                None => (Dictionary::default(), h),
            };
            let fields = match params.get(b"Fields") {
                Some(f) => self.texts(f, h)?,
                None => Vec::new(),
            };
            out.push(SigReference {
                method: name(rd.get(b"TransformMethod")).unwrap_or_default(),
                p: params.get(b"P").and_then(Object::as_i64),
                action: name(params.get(b"Action")),
                fields,
            });
        }
        Ok(out)
    }

    /// A signature field's `/Lock` (§12.7.5.5 Table 233).
    fn lock(
        &mut self,
        l: &Object<'a>,
        field_holder: Option<ObjectId>,
    ) -> Result<Option<Lock>, PdfError> {
        let Some((ld, h)) = self.resolve_dict_in(l, field_holder)? else {
            return Ok(None);
        };
        let fields = match ld.get(b"Fields") {
            Some(f) => self.texts(f, h)?,
            None => Vec::new(),
        };
        Ok(Some(Lock {
            action: name(ld.get(b"Action")),
            fields,
            p: ld.get(b"P").and_then(Object::as_i64),
        }))
    }

    /// An array of field names (`/Fields` of a lock or FieldMDP transform).
    fn texts(&mut self, o: &Object<'a>, parent: Option<ObjectId>) -> Result<Vec<String>, PdfError> {
        let (arr, ind) = self.r.resolve(o, self.rev)?;
        let h = holder(&ind, parent);
        Ok(arr
            .as_array()
            .unwrap_or_default()
            .iter()
            .filter_map(|x| field_text(self.r, Some(x), h))
            .collect())
    }
}

/// Length of the BER object at the start of `b` (X.690 §8.1.3), definite or indefinite length
/// (end-of-contents octets included); `None` when `b` does not start with a readable SEQUENCE.
/// The `/Contents` of a signature: the CMS object at its start, and how much padding follows.
/// A hexadecimal string whose first bytes announce a definite-length SEQUENCE is decoded only
/// that far (the reserved padding, often most of the string, is counted, never decoded);
/// anything else is decoded whole and cut at its DER length or its last non-zero byte.
fn contents(s: &super::object::PdfString<'_>, span: super::Span) -> Contents {
    use asn1_rs::FromBer;
    if s.hex {
        // Identifier and length octets of any CMS object fit in 6 bytes (X.690 §8.1.2-3).
        let head = super::object::decode_hex_prefix(&s.raw, 6);
        if let Ok((rest, header)) = asn1_rs::Header::from_ber(&head) {
            if let (Some(0x30), asn1_rs::Length::Definite(n)) = (head.first(), header.length()) {
                let whole = super::object::hex_decoded_len(&s.raw);
                let len = (head.len() - rest.len()).checked_add(n);
                if let Some(len) = len.filter(|&l| l <= whole) {
                    let bytes = super::object::decode_hex_prefix(&s.raw, len);
                    if der_len(&bytes) == Some(len) {
                        return Contents {
                            span,
                            hex: true,
                            len,
                            bytes,
                            padding: whole - len,
                        };
                    }
                }
            }
        }
    }
    let mut bytes = s.decode();
    let len =
        der_len(&bytes).unwrap_or_else(|| bytes.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1));
    let padding = bytes.len() - len;
    bytes.truncate(len);
    Contents {
        span,
        hex: s.hex,
        len,
        bytes,
        padding,
    }
}

fn der_len(b: &[u8]) -> Option<usize> {
    if b.first() != Some(&0x30) {
        return None;
    }
    let (t, _) = crate::asn1::Tlv::parse(b).ok()?;
    Some(t.raw.len())
}

#[cfg(test)]
mod tests {
    use super::der_len;

    #[test]
    fn contents_length_counts_indefinite_encodings_to_their_end_of_contents() {
        // SEQUENCE (indefinite) { INTEGER 5 } EOC, then zero padding: the EOC is part of the
        // object, not padding.
        let b = [0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00];
        assert_eq!(der_len(&b), Some(7));
        // Definite: the header's length.
        assert_eq!(
            der_len(&[0x30, 0x03, 0x02, 0x01, 0x05, 0x00, 0x00]),
            Some(5)
        );
        // Not a SEQUENCE, or cut short: unknown.
        assert_eq!(der_len(&[0x04, 0x01, 0x00]), None);
        assert_eq!(der_len(&[0x30, 0x80, 0x02, 0x01]), None);
    }
}
