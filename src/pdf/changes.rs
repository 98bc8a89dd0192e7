//! What each incremental update changes (ISO 32000-2 §7.5.6, §12.8.2.2–12.8.2.4), and whether
//! a signature permits it.
//!
//! The analysis has two halves:
//!
//! * [`analyse`] diffs every revision against the one before it, **once per revision pair**,
//!   and classifies each changed object ([`ChangeClass`]): structure, metadata, long-term
//!   validation material, signing, form filling, annotations, or a forbidden change named by
//!   the attack class it matches ([`FindingKind`]). It also checks each update's bytes against
//!   its cross-reference section, the parser differential behind the incremental saving
//!   attacks: an object defined in an update that no entry reaches, or an entry that lands on
//!   another object, past the file, or back in already-signed bytes, means a strict reader
//!   and a lenient one (which rebuilds the table by scanning `n g obj`) see different
//!   documents.
//! * [`evaluate`] judges those classified changes for one signature: every revision after the
//!   signed one, against the certification signature's DocMDP level (§12.8.2.2 Table 254:
//!   1 no changes; 2 form filling and signing; 3 also annotations) and every earlier
//!   signature's FieldMDP locks (§12.8.2.4). Document timestamps and the DSS are permitted at
//!   every level (ISO 32000-2 §12.8.4.3 and ETSI EN 319 142-1 §5.4). Without a certification
//!   signature the document is held to level 2, as pyHanko does: annotations added after
//!   signing overlay signed content (the shadow and evil-annotation attacks) and are
//!   reported.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::lexer::{is_white, Lexer};
use super::object::{Dictionary, Object, ObjectId, Origin, Value};
use super::xref::{scan_objects, Entry, Resolver};
use super::{Document, Revision, SignatureType};
use crate::verdict::Modifications;

/// The attack class (or rule) a forbidden change matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// An incremental update after signing changes what a reader sees (page content, pages,
    /// catalog actions, added annotations in an uncertified document…) and fits no shadow
    /// pattern: the incremental saving attack (ISA) with a valid cross-reference section.
    IncrementalSaving,
    /// Bytes after the signed revision define objects that no cross-reference section
    /// reaches, but a lenient reader that rebuilds the table would use (ISA with a parser
    /// differential).
    UnreachableUpdate,
    /// A cross-reference entry of an update points at another object's definition or past
    /// the end of the file, or the table is unusable: strict and lenient readers resolve the
    /// object differently.
    XrefDifferential,
    /// An object drawn at signing time (an overlay XObject, an annotation or its appearance)
    /// is removed, emptied or hidden, revealing what it covered (shadow attack, hide).
    ShadowHide,
    /// An object that existed at signing and affects rendering (a font, an XObject, an
    /// appearance, resources) is replaced by different content (shadow attack, replace).
    ShadowReplace,
    /// Pages or page content are redirected to objects that already existed, undisplayed,
    /// in the signed bytes (shadow attack, hide-and-replace).
    ShadowHideAndReplace,
    /// The `/ByteRange` gap holds more than the `/Contents` string (signature wrapping).
    SignatureWrapping,
    /// The signature dictionary has no usable `/Contents` or `/ByteRange` (universal
    /// signature forgery).
    UniversalForgery,
    /// A change the certification signature's DocMDP level does not permit (including the
    /// evil annotation attack: annotations on a level-2 document).
    CertificationViolation,
    /// A form field locked by an earlier signature's FieldMDP changed.
    FieldLockViolation,
    /// A stream of the document, or the archive member it came in, inflates at a ratio no
    /// document data reaches (a decompression bomb, by the run's `--bomb-ratio` rule). It is
    /// reported, not judged: the document is verified as far as its memory allows.
    CompressionBomb,
    /// A signature dictionary (a `/ByteRange`) that no form field or page widget reaches: no
    /// viewer presents it as a signature, and what it signed is not a signature of this
    /// document. Reported so that an auditor sees it; it judges nothing.
    OrphanSignature,
    /// The document is encrypted and cannot be decrypted (the public-key handler, a user
    /// password, a handler sigaudit does not implement). `/ByteRange` and `/Contents` are
    /// never encrypted (§7.6.1), so the signatures are located, hashed and verified, but field
    /// names and other strings are not read: names show as `(encrypted)`. Reported, not
    /// judged.
    EncryptedStrings,
    /// An AES-256 document's `/Perms` contradicts its `/P` or `/EncryptMetadata` (ISO 32000-2
    /// §7.6.4.4 Algorithm 13): the permissions were altered or the entry is damaged. Reported,
    /// not judged.
    EncryptPermsMismatch,
}

impl FindingKind {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::IncrementalSaving => "incremental_saving",
            FindingKind::UnreachableUpdate => "unreachable_update",
            FindingKind::XrefDifferential => "xref_differential",
            FindingKind::ShadowHide => "shadow_hide",
            FindingKind::ShadowReplace => "shadow_replace",
            FindingKind::ShadowHideAndReplace => "shadow_hide_and_replace",
            FindingKind::SignatureWrapping => "signature_wrapping",
            FindingKind::UniversalForgery => "universal_forgery",
            FindingKind::CertificationViolation => "certification_violation",
            FindingKind::FieldLockViolation => "field_lock_violation",
            FindingKind::CompressionBomb => "compression_bomb",
            FindingKind::OrphanSignature => "orphan_signature",
            FindingKind::EncryptedStrings => "encrypted_strings",
            FindingKind::EncryptPermsMismatch => "encrypt_perms_mismatch",
        }
    }
}

/// What one changed object is, as far as permissions go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "class", rename_all = "snake_case")]
pub enum ChangeClass {
    /// Document metadata, the information dictionary, the logical structure tree.
    Metadata,
    /// The DSS, its VRI entries and validation data (permitted at every level).
    Dss,
    /// Signature fields, their widgets and values, the AcroForm bookkeeping (DocMDP ≥ 2).
    Signing,
    /// A form field's value and its appearance (DocMDP ≥ 2, unless a FieldMDP lock holds
    /// the field).
    FormFill {
        /// The field's fully qualified name.
        field: String,
    },
    /// An annotation added or changed (DocMDP 3 only).
    Annotation,
    /// Never permitted after signing.
    Forbidden {
        /// The attack class it matches.
        kind: FindingKind,
    },
}

/// One classified change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The object changed, if the change is an object's.
    pub object: Option<u32>,
    /// What it is.
    #[serde(flatten)]
    pub class: ChangeClass,
    /// In words.
    pub detail: String,
}

/// The classified changes one revision makes to the one before it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RevisionDiff {
    /// The revision (1-based) that makes the changes; one past the last revision for bytes
    /// after the final `%%EOF`.
    pub revision: usize,
    /// Its changes; structure (cross-reference and object streams) is left out.
    pub changes: Vec<Change>,
}

/// A finding about the changes after one signature, as reports show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangeFinding {
    /// The attack class.
    pub kind: FindingKind,
    /// The revision (1-based) that makes the change.
    pub revision: usize,
    /// The objects involved.
    pub objects: Vec<u32>,
    /// What was found, in words.
    pub detail: String,
}

/// Keys of a page (§7.7.3.3 Table 31) whose change alters what is displayed, besides
/// `/Contents`, `/Resources` and `/Annots`, which are looked at in detail.
const PAGE_VISIBLE: [&[u8]; 4] = [b"MediaBox", b"CropBox", b"Rotate", b"UserUnit"];
/// Page tree node keys (§7.7.3.2 Table 30, with the inheritable page attributes).
const PAGES_VISIBLE: [&[u8]; 5] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate", b"Kids"];
/// Catalog keys (§7.7.2 Table 29) that signing and long-term validation updates write; any
/// other catalog change alters the document or its behaviour.
const CATALOG_PERMITTED: [&[u8]; 9] = [
    b"Type",
    b"AcroForm",
    b"DSS",
    b"Metadata",
    b"Extensions",
    b"Version",
    b"StructTreeRoot",
    b"MarkInfo",
    b"Lang",
];
/// Annotation flags (§12.5.3 Table 165) that stop an annotation being drawn: Hidden (2) and
/// NoView (32); Invisible (1) only matters for unknown annotation types.
const HIDING_FLAGS: i64 = 2 | 32;
/// Largest appearance or XObject stream inflated to tell an emptied one from a replaced one
/// (an empty form XObject is a few bytes; real appearances are far smaller than this).
const MAX_EMPTINESS_PROBE: usize = 64 << 10;

/// The classified changes of revisions 2.. of the file, and of bytes after the last one.
pub(super) fn analyse<'a>(r: &mut Resolver<'a>, revisions: &[Revision]) -> Vec<RevisionDiff> {
    let data = r.data;
    let mut out = Vec::new();
    let mut lookups_left = super::limits::MAX_CHANGE_LOOKUPS;
    // The cross-reference view as of the previous revision, kept up to date revision by
    // revision: an update's entries are compared with it in one probe each, not by walking
    // every newer section (quadratic in the number of revisions).
    let mut view: HashMap<u32, Entry> = HashMap::new();
    if !revisions.is_empty() {
        view = revision_entries(r, 0).0;
    }
    for i in 1..revisions.len() {
        let mut changes = Vec::new();
        let mut settled: HashSet<u32> = HashSet::new();
        let (entries, scanned) = revision_entries(r, i);
        if !scanned {
            differential(r, revisions, i, &entries, &view, &mut changes, &mut settled);
        }
        view.extend(entries);
        let rev = &revisions[i];
        for &num in &rev.freed {
            if settled.contains(&num) {
                continue;
            }
            if let Some(c) = freed(r, num, i) {
                changes.push(c);
            }
        }
        let replaced: Vec<u32> = rev
            .replaced
            .iter()
            .copied()
            .filter(|n| !settled.contains(n))
            .collect();
        let mut ctx = Pass {
            lookups_left,
            ..Pass::default()
        };
        let mut pending = Vec::new();
        for num in replaced {
            match classify(r, num, i, &mut ctx) {
                Ok(Some(c)) => changes.push(c),
                Ok(None) => {}
                Err(Deferred) => pending.push(num),
            }
        }
        // Appearance streams last: whether one belongs to a field filled in this revision
        // is known once every field is classified.
        for num in pending {
            if let Some(c) = classify_xobject(r, num, i, &mut ctx) {
                changes.push(c);
            }
        }
        lookups_left = ctx.lookups_left;
        out.push(RevisionDiff {
            revision: rev.index,
            changes,
        });
    }
    // Bytes after the last revision that hold object syntax: an update a lenient reader
    // applies and the cross-reference chain does not reach (ISA without its own section).
    if let Some(last) = revisions.last() {
        let tail = data.get(last.end..).unwrap_or_default();
        let objects = scan_objects(tail);
        let syntax = [&b"xref"[..], b"trailer", b"startxref"]
            .iter()
            .any(|k| memchr::memmem::find(tail, k).is_some());
        if !objects.is_empty() || syntax {
            let nums: Vec<String> = objects.iter().take(8).map(|o| o.0.to_string()).collect();
            out.push(RevisionDiff {
                revision: last.index + 1,
                changes: vec![Change {
                    object: objects.first().map(|o| o.0),
                    class: ChangeClass::Forbidden {
                        kind: FindingKind::UnreachableUpdate,
                    },
                    detail: if objects.is_empty() {
                        format!(
                            "{} bytes after the last %%EOF hold cross-reference syntax that no \
                             startxref reaches",
                            tail.len()
                        )
                    } else {
                        format!(
                            "{} bytes after the last %%EOF define object(s) {} that no \
                             cross-reference section reaches: a lenient reader applies them",
                            tail.len(),
                            nums.join(", ")
                        )
                    },
                }],
            });
        }
    }
    out
}

/// Revision `i`'s own cross-reference entries (its sections merged, newest winning), and
/// whether it is a scanned pseudo-revision, which has no table to compare with.
fn revision_entries(r: &Resolver<'_>, i: usize) -> (HashMap<u32, Entry>, bool) {
    let mut entries: HashMap<u32, Entry> = HashMap::new();
    let mut scanned = false;
    for s in r.sections.iter().rev().filter(|s| s.revision == i) {
        scanned |= s.kind == super::SectionKind::Scan;
        entries.extend(s.entries.iter().map(|(&n, &e)| (n, e)));
    }
    (entries, scanned)
}

/// The update's bytes (revision `i`) against its cross-reference `entries`; `before` is the
/// view as of revision `i - 1`.
fn differential<'a>(
    r: &mut Resolver<'a>,
    revisions: &[Revision],
    i: usize,
    entries: &HashMap<u32, Entry>,
    before: &HashMap<u32, Entry>,
    changes: &mut Vec<Change>,
    settled: &mut HashSet<u32>,
) {
    let data = r.data;
    let start = revisions[i - 1].end.min(data.len());
    let end = revisions[i].end.clamp(start, data.len());
    let xref_offsets: HashSet<usize> = revisions[i].xref.iter().map(|x| x.0).collect();
    let mut nums: Vec<u32> = entries.keys().copied().collect();
    nums.sort_unstable();
    for num in nums {
        let Entry::InFile { offset, .. } = entries[&num] else {
            continue;
        };
        if before.get(&num) == Some(&entries[&num]) {
            settled.insert(num); // listed again, unchanged
            continue;
        }
        let forbid = |kind, detail: String| Change {
            object: Some(num),
            class: ChangeClass::Forbidden { kind },
            detail,
        };
        if offset >= data.len() {
            settled.insert(num);
            changes.push(forbid(
                FindingKind::XrefDifferential,
                format!(
                    "the entry for object {num} points past the end of the file (byte {offset})"
                ),
            ));
            continue;
        }
        let header = Lexer::new(data, offset, 0).read_object_header();
        match header {
            Some(h) if h.num == num => {}
            other => {
                settled.insert(num);
                changes.push(forbid(
                    FindingKind::XrefDifferential,
                    match other {
                        Some(h) => format!(
                            "the entry for object {num} points at object {}'s definition \
                             (byte {offset}): strict and lenient readers disagree",
                            h.num
                        ),
                        None => format!(
                            "the entry for object {num} points at byte {offset}, where no \
                             object starts"
                        ),
                    },
                ));
                continue;
            }
        }
        if offset < start {
            settled.insert(num);
            let was = revisions
                .iter()
                .position(|rv| offset < rv.end)
                .map_or(0, |p| p + 1);
            changes.push(forbid(
                FindingKind::ShadowHideAndReplace,
                format!(
                    "object {num} is redirected to a definition already in revision {was}'s \
                     bytes (byte {offset})"
                ),
            ));
        }
    }
    // Definitions in the update's bytes that no entry reaches.
    let reached: HashSet<usize> = entries
        .values()
        .filter_map(|e| match e {
            Entry::InFile { offset, .. } => Some(*offset),
            _ => None,
        })
        .collect();
    let mut unreached: BTreeMap<u32, usize> = BTreeMap::new();
    for (num, _gen, off) in scan_objects(&data[start..end]) {
        let at = start + off;
        if reached.contains(&at) || xref_offsets.contains(&at) {
            continue;
        }
        // The scan may land inside a stream's data: only a definition that is not inside
        // another object reached from this section counts.
        if inside_reached_object(data, &reached, at) {
            continue;
        }
        unreached.entry(num).or_insert(at);
    }
    let mut scans_left = MAX_REFERENCE_SCANS;
    for (num, at) in unreached {
        let live = entries.contains_key(&num) || before.contains_key(&num);
        if !shown_by_a_lenient_reader(data, num, at, live, &mut scans_left) {
            continue;
        }
        settled.insert(num);
        changes.push(Change {
            object: Some(num),
            class: ChangeClass::Forbidden {
                kind: FindingKind::UnreachableUpdate,
            },
            detail: format!(
                "object {num} is defined at byte {at} in this update but its cross-reference \
                 section does not reach it: a lenient reader would use it"
            ),
        });
    }
}

/// Whether an object defined at `at` that no cross-reference entry reaches changes what a
/// lenient reader (one that rebuilds the table by scanning, taking each object's last
/// definition) shows. Not a cross-reference stream: ISO 32000-1 locates one through
/// `startxref` and `/Prev` (§7.5.5, §7.5.8), never through an entry of its own, and writers
/// that leave their stream out of its own index leave nothing a reader could display. Of
/// other objects, only one whose number the document already uses (it would replace a live
/// object) or that something refers to (`num … R`) can be shown; a definition nothing
/// names is invisible to every reader.
fn shown_by_a_lenient_reader(
    data: &[u8],
    num: u32,
    at: usize,
    live: bool,
    scans_left: &mut usize,
) -> bool {
    // The object's own dictionary: up to its `stream` or `endobj`, whichever comes first.
    let head = &data[at..data.len().min(at + 512)];
    let dict_end = [&b"stream"[..], b"endobj"]
        .iter()
        .filter_map(|k| memchr::memmem::find(head, k))
        .min()
        .unwrap_or(head.len());
    let is_xref_stream = memchr::memmem::find(&head[..dict_end], b"/XRef").is_some()
        && memchr::memmem::find(&head[..dict_end], b"/Type").is_some();
    if is_xref_stream {
        return false;
    }
    if live {
        return true;
    }
    // Each look for a reference reads the whole file: past the budget, an unreached object
    // is taken to be shown (flagged), never cleared unchecked.
    if *scans_left == 0 {
        return true;
    }
    *scans_left -= 1;
    referenced(data, num)
}

/// Unreached objects per update whose references are looked for in the whole file (each look
/// reads the file once). A benign writer leaves one or two such objects; an update with more
/// is flagged without looking.
const MAX_REFERENCE_SCANS: usize = 16;

/// Whether `data` holds an indirect reference to object `num` (`num gen R`, §7.3.10).
fn referenced(data: &[u8], num: u32) -> bool {
    let needle = format!("{num} ");
    memchr::memmem::find_iter(data, needle.as_bytes()).any(|p| {
        let boundary = p == 0 || !data[p - 1].is_ascii_digit();
        let rest = &data[p + needle.len()..data.len().min(p + needle.len() + 8)];
        let gen = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        boundary
            && gen > 0
            && rest.get(gen) == Some(&b' ')
            && rest.get(gen + 1) == Some(&b'R')
            && rest
                .get(gen + 2)
                .is_none_or(|&b| !super::lexer::is_regular(b))
    })
}

/// Whether `at` lies inside the `obj … endobj` of an object starting at one of `reached`.
fn inside_reached_object(data: &[u8], reached: &HashSet<usize>, at: usize) -> bool {
    // The nearest reached definition before `at`, and whether its `endobj` comes after.
    let Some(&start) = reached.iter().filter(|&&o| o < at).max() else {
        return false;
    };
    memchr::memmem::find(&data[start..at], b"endobj").is_none()
}

/// Classification still to come: an XObject whose fate depends on the form fields.
struct Deferred;

/// What the first pass over a revision learns for the second.
#[derive(Default)]
struct Pass {
    /// Appearance streams of fields whose value changes in this revision.
    filled_appearances: HashSet<u32>,
    /// The widgets filled or signed in this revision: they may reference those appearance
    /// streams.
    widgets: HashSet<u32>,
    /// Their indirect `/AP` dictionaries: they may too, if nothing else references them.
    ap_dicts: HashSet<u32>,
    /// What is left of [`super::limits::MAX_CHANGE_LOOKUPS`] for the document.
    lookups_left: usize,
}

fn dict<'o, 'a>(o: &'o Object<'a>) -> Option<&'o Dictionary<'a>> {
    o.as_dict()
}

fn is_sig_dict(d: &Dictionary<'_>) -> bool {
    matches!(d.name(b"Type"), Some(b"Sig" | b"DocTimeStamp"))
        || (d.get(b"ByteRange").is_some() && d.get(b"Contents").is_some())
}

fn is_annotation(d: &Dictionary<'_>) -> bool {
    d.name(b"Type") == Some(b"Annot") || (d.get(b"Subtype").is_some() && d.get(b"Rect").is_some())
}

fn is_field(d: &Dictionary<'_>) -> bool {
    d.get(b"FT").is_some() || (d.get(b"T").is_some() && d.get(b"Parent").is_none())
}

/// `/FT`, inherited through `/Parent` (§12.7.4.1).
fn field_type<'a>(r: &mut Resolver<'a>, d: &Dictionary<'a>, rev: usize) -> Option<Vec<u8>> {
    if let Some(ft) = d.name(b"FT") {
        return Some(ft.to_vec());
    }
    let mut cur = r
        .get(d.get(b"Parent")?.as_reference()?, rev, 0)
        .ok()??
        .object
        .as_dict()?
        .clone();
    for _ in 0..super::limits::MAX_FIELD_DEPTH {
        if let Some(ft) = cur.name(b"FT") {
            return Some(ft.to_vec());
        }
        let parent = cur.get(b"Parent")?.as_reference()?;
        cur = r.get(parent, rev, 0).ok()??.object.as_dict()?.clone();
    }
    None
}

/// The fully qualified field name (§12.7.3.2) of object `num`: partial names joined with
/// `.`, each decrypted with the key of the object that holds it (§7.6.2).
fn field_name<'a>(r: &mut Resolver<'a>, num: u32, d: &Dictionary<'a>, rev: usize) -> String {
    let holder_of = |i: &super::xref::Indirect<'_>| (i.origin == Origin::File).then_some(i.id);
    let mut parts = Vec::new();
    let mut cur = d.clone().into_owned();
    // Only an encrypted file needs the holder (the lookup is cached either way).
    let mut holder = match r.encrypted {
        true => r.get(ObjectId { num, gen: 0 }, rev, 0).ok().flatten(),
        false => None,
    }
    .and_then(|i| holder_of(&i));
    for _ in 0..super::limits::MAX_FIELD_DEPTH {
        if let Some(t) = super::form::field_text(r, cur.get(b"T"), holder) {
            parts.push(t);
        }
        let Some(parent) = cur.get(b"Parent").and_then(Object::as_reference) else {
            break;
        };
        match r.get(parent, rev, 0).ok().flatten() {
            Some(p) => match p.object.as_dict() {
                Some(pd) => {
                    holder = holder_of(&p);
                    cur = pd.clone().into_owned();
                }
                None => break,
            },
            None => break,
        }
    }
    parts.reverse();
    parts.join(".")
}

fn same_opt(a: Option<&Object<'_>>, b: Option<&Object<'_>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => same(a, b),
        _ => false,
    }
}

/// Structural equality, ignoring where the objects are.
fn same(a: &Object<'_>, b: &Object<'_>) -> bool {
    match (&a.value, &b.value) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Dictionary(x), Value::Dictionary(y)) => {
            x.entries.len() == y.entries.len()
                && x.entries
                    .iter()
                    .zip(&y.entries)
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && same(v1, v2))
        }
        (Value::String(x), Value::String(y)) => x.decode() == y.decode(),
        (Value::Integer(x), Value::Real(y)) | (Value::Real(y), Value::Integer(x)) => {
            (*x as f64 - y).abs() < 1e-6
        }
        (x, y) => x == y,
    }
}

/// The references an object holds directly (an array's elements, or one reference).
fn refs(o: Option<&Object<'_>>) -> Vec<ObjectId> {
    match o.map(|o| &o.value) {
        Some(Value::Array(a)) => a.iter().filter_map(Object::as_reference).collect(),
        Some(Value::Reference(id)) => vec![*id],
        _ => Vec::new(),
    }
}

/// An array value, following one indirection, as of revision `rev`.
fn array_refs<'a>(r: &mut Resolver<'a>, o: Option<&Object<'a>>, rev: usize) -> Vec<ObjectId> {
    match o {
        Some(o) if o.as_reference().is_some() => match r.resolve(o, rev) {
            Ok((v, _)) => refs(Some(&v)),
            Err(_) => Vec::new(),
        },
        other => refs(other),
    }
}

/// Whether object `num` was in use in revision `rev`.
fn existed<'a>(r: &Resolver<'a>, num: u32, rev: usize) -> bool {
    !matches!(r.entry(num, rev), None | Some(Entry::Free))
}

fn forbidden(num: u32, kind: FindingKind, detail: impl Into<String>) -> Option<Change> {
    Some(Change {
        object: Some(num),
        class: ChangeClass::Forbidden { kind },
        detail: detail.into(),
    })
}

fn change(num: u32, class: ChangeClass, detail: impl Into<String>) -> Option<Change> {
    Some(Change {
        object: Some(num),
        class,
        detail: detail.into(),
    })
}

/// An object the update marks free.
fn freed<'a>(r: &mut Resolver<'a>, num: u32, i: usize) -> Option<Change> {
    let old = r.get(ObjectId { num, gen: 0 }, i - 1, 0).ok().flatten()?;
    let what = match dict(&old.object) {
        Some(d) if is_sig_dict(d) => {
            return forbidden(
                num,
                FindingKind::IncrementalSaving,
                format!("signature dictionary {num} deleted"),
            )
        }
        Some(d) => d
            .name(b"Subtype")
            .or_else(|| d.name(b"Type"))
            .map(|t| format!("/{}", String::from_utf8_lossy(t)))
            .unwrap_or_else(|| old.object.type_name().to_string()),
        None => old.object.type_name().to_string(),
    };
    forbidden(
        num,
        FindingKind::ShadowHide,
        format!("object {num} ({what}) deleted: whatever it drew disappears"),
    )
}

/// A replaced object, when its class does not wait for the second pass.
fn classify<'a>(
    r: &mut Resolver<'a>,
    num: u32,
    i: usize,
    ctx: &mut Pass,
) -> Result<Option<Change>, Deferred> {
    let id = ObjectId { num, gen: 0 };
    let new = match r.get(id, i, 0) {
        Ok(Some(n)) => n,
        Ok(None) => return Ok(None),
        Err(e) => {
            return Ok(forbidden(
                num,
                FindingKind::XrefDifferential,
                format!("object {num} of the update cannot be read: {e}"),
            ))
        }
    };
    let old = r.get(id, i - 1, 0).ok().flatten();
    let old_dict = old.as_ref().and_then(|o| dict(&o.object)).cloned();
    let Some(d) = dict(&new.object).cloned() else {
        return Ok(classify_array(
            r,
            ctx,
            num,
            i,
            &new.object,
            old.as_ref().map(|o| &o.object),
        ));
    };
    let ty = d.name(b"Type").map(<[u8]>::to_vec);
    let subtype = d.name(b"Subtype").map(<[u8]>::to_vec);
    let was_sig = old_dict.as_ref().is_some_and(is_sig_dict);
    if is_sig_dict(&d) || was_sig {
        return Ok(if was_sig {
            forbidden(
                num,
                FindingKind::IncrementalSaving,
                format!("signature dictionary {num} overwritten"),
            )
        } else {
            change(num, ChangeClass::Signing, "signature dictionary written")
        });
    }
    match ty.as_deref() {
        Some(b"XRef" | b"ObjStm") => return Ok(None),
        Some(b"Metadata" | b"StructTreeRoot" | b"StructElem" | b"MCR" | b"OBJR") => {
            return Ok(change(num, ChangeClass::Metadata, "metadata or structure"))
        }
        Some(b"DSS" | b"VRI") => return Ok(change(num, ChangeClass::Dss, "DSS")),
        _ => {}
    }
    let old_drawn = old_dict
        .as_ref()
        .is_some_and(|o| is_field(o) || is_annotation(o));
    if old_drawn && !is_field(&d) && !is_annotation(&d) {
        return Ok(forbidden(
            num,
            FindingKind::ShadowHide,
            format!("annotation or field {num} emptied: what it drew disappears"),
        ));
    }
    if is_field(&d) || is_annotation(&d) {
        return Ok(field_or_annotation(r, num, i, &d, old_dict.as_ref(), ctx));
    }
    // ETSI EN 319 142-1 §5.4.2.2–3: DSS (/Certs, /CRLs, /OCSPs, /VRI) and VRI entries
    // (/Cert, /CRL, /OCSP, /TU, /TS), checked after fields, whose /TU is a tooltip.
    if [
        "Certs", "CRLs", "OCSPs", "VRI", "Cert", "CRL", "OCSP", "TU", "TS",
    ]
    .iter()
    .any(|k| d.get(k.as_bytes()).is_some())
    {
        return Ok(change(num, ChangeClass::Dss, "DSS or VRI"));
    }
    if ty.is_none()
        && d.get(b"Fields").is_none()
        && [
            "Producer",
            "ModDate",
            "CreationDate",
            "Creator",
            "Title",
            "Author",
        ]
        .iter()
        .any(|k| d.get(k.as_bytes()).is_some())
    {
        return Ok(change(num, ChangeClass::Metadata, "document information"));
    }
    // §7.12 developer extensions: `/ADBE << /BaseVersion … /ExtensionLevel … >>`, which
    // PAdES updates extend (ESIC).
    let extension = |o: &Object<'_>| {
        o.as_dict().is_some_and(|x| x.get(b"BaseVersion").is_some())
            || o.as_array().is_some_and(|a| {
                a.iter()
                    .all(|e| e.as_dict().is_some_and(|x| x.get(b"BaseVersion").is_some()))
            })
    };
    if !d.entries.is_empty()
        && d.entries
            .iter()
            .all(|(k, v)| k.as_ref() == b"Type" || extension(v))
    {
        return Ok(change(num, ChangeClass::Metadata, "developer extensions"));
    }
    if d.get(b"Nums").is_some() || d.get(b"ParentTreeNextKey").is_some() {
        return Ok(change(num, ChangeClass::Metadata, "structure tree"));
    }
    if d.get(b"Fields").is_some() && ty.as_deref() != Some(b"Catalog") {
        return Ok(acroform(r, ctx, num, i, Some(&d), old_dict.as_ref()));
    }
    match ty.as_deref() {
        Some(b"Catalog") => return Ok(catalog(r, ctx, num, i, &d, old_dict.as_ref())),
        Some(b"Pages") => return Ok(pages(r, num, i, &d, old_dict.as_ref())),
        Some(b"Page") => return Ok(page(r, ctx, num, i, &d, old_dict.as_ref())),
        Some(b"Font" | b"FontDescriptor" | b"Encoding" | b"CMap") => {
            return Ok(forbidden(
                num,
                FindingKind::ShadowReplace,
                format!(
                    "font object {num} (/{}) replaced: signed text may render as other glyphs",
                    String::from_utf8_lossy(ty.as_deref().unwrap_or_default())
                ),
            ))
        }
        _ => {}
    }
    if new.stream.is_some() {
        if ["Length1", "Length2", "Length3"]
            .iter()
            .any(|k| d.get(k.as_bytes()).is_some())
            || matches!(
                subtype.as_deref(),
                Some(b"Type1C" | b"CIDFontType0C" | b"OpenType")
            )
        {
            return Ok(forbidden(
                num,
                FindingKind::ShadowReplace,
                format!("embedded font program {num} replaced"),
            ));
        }
        if ty.as_deref() == Some(b"XObject") || subtype.is_some() {
            return Err(Deferred);
        }
        return Ok(forbidden(
            num,
            FindingKind::IncrementalSaving,
            format!("stream {num} replaced (page content)"),
        ));
    }
    if [
        "Font",
        "XObject",
        "ExtGState",
        "ColorSpace",
        "Pattern",
        "Shading",
    ]
    .iter()
    .any(|k| d.get(k.as_bytes()).is_some())
    {
        if old_dict.as_ref().is_some_and(|o| only_grows(o, &d, 0)) {
            return Ok(change(num, ChangeClass::Metadata, "resources gain entries"));
        }
        return Ok(forbidden(
            num,
            FindingKind::ShadowReplace,
            format!("resource dictionary {num} replaced: fonts or images change"),
        ));
    }
    if old_dict.as_ref().is_some_and(|o| same_dicts(o, &d)) {
        return Ok(None);
    }
    Ok(forbidden(
        num,
        FindingKind::IncrementalSaving,
        format!("dictionary {num} replaced"),
    ))
}

/// Whether `new` keeps every entry of `old` (sub-dictionaries compared the same way, to a
/// small depth) and only adds: names a signed content stream uses still mean the same
/// fonts and images, so new entries cannot change what it draws.
fn only_grows(old: &Dictionary<'_>, new: &Dictionary<'_>, depth: usize) -> bool {
    old.entries
        .iter()
        .all(|(k, v)| match (new.get(k), &v.value) {
            (Some(n), Value::Dictionary(od)) if depth < 3 => match &n.value {
                Value::Dictionary(nd) => only_grows(od, nd, depth + 1),
                _ => false,
            },
            (Some(n), _) => same(n, v),
            (None, _) => false,
        })
}

/// [`only_grows`] for `/Resources` values, direct or indirect.
fn resources_only_grow<'a>(
    r: &mut Resolver<'a>,
    i: usize,
    new: Option<&Object<'a>>,
    old: Option<&Object<'a>>,
) -> bool {
    let (Some(new), Some(old)) = (new, old) else {
        return old.is_none();
    };
    let (Ok((n, _)), Ok((o, _))) = (r.resolve(new, i), r.resolve(old, i - 1)) else {
        return false;
    };
    match (n.as_dict(), o.as_dict()) {
        (Some(nd), Some(od)) => only_grows(od, nd, 0),
        _ => false,
    }
}

fn same_dicts(a: &Dictionary<'_>, b: &Dictionary<'_>) -> bool {
    a.entries.len() == b.entries.len()
        && a.entries
            .iter()
            .zip(&b.entries)
            .all(|((k1, v1), (k2, v2))| k1 == k2 && same(v1, v2))
}

/// An indirect array (or other non-dictionary object) replaced.
fn classify_array<'a>(
    r: &mut Resolver<'a>,
    ctx: &mut Pass,
    num: u32,
    i: usize,
    new: &Object<'a>,
    old: Option<&Object<'a>>,
) -> Option<Change> {
    if old.is_some_and(|o| same(o, new)) {
        return None;
    }
    let (Value::Array(_), Some(Value::Array(_))) = (&new.value, old.map(|o| &o.value)) else {
        return forbidden(
            num,
            FindingKind::IncrementalSaving,
            format!("{} {num} replaced", new.type_name()),
        );
    };
    list_change(r, ctx, num, i, &refs(old), &refs(Some(new)), "array")
}

/// A list of references (form fields, annotations, array elements) that changed: an entry
/// lost hides what it drew (or removes a field); entries gained are judged one by one.
fn list_change<'a>(
    r: &mut Resolver<'a>,
    ctx: &mut Pass,
    num: u32,
    i: usize,
    old: &[ObjectId],
    new: &[ObjectId],
    what: &str,
) -> Option<Change> {
    let (old_set, new_set): (HashSet<_>, HashSet<_>) = (old.iter().collect(), new.iter().collect());
    let removed: Vec<String> = old
        .iter()
        .filter(|x| !new_set.contains(x))
        .map(ToString::to_string)
        .collect();
    if !removed.is_empty() {
        return forbidden(
            num,
            FindingKind::ShadowHide,
            format!(
                "{what} {num} loses {} (annotations, fields or content no longer shown)",
                removed.join(", ")
            ),
        );
    }
    let added: Vec<ObjectId> = new
        .iter()
        .filter(|x| !old_set.contains(x))
        .copied()
        .collect();
    if added.is_empty() {
        return change(num, ChangeClass::Signing, format!("{what} {num} rewritten"));
    }
    added_elements(r, ctx, num, i, &added, what)
}

/// Judges the references an array gains.
fn added_elements<'a>(
    r: &mut Resolver<'a>,
    ctx: &mut Pass,
    num: u32,
    i: usize,
    added: &[ObjectId],
    what: &str,
) -> Option<Change> {
    let mut worst: Option<Change> = None;
    for id in added {
        let Some(el) = r.get(*id, i, 0).ok().flatten() else {
            continue;
        };
        let c = match dict(&el.object) {
            Some(d) if matches!(d.name(b"Type"), Some(b"Page" | b"Pages")) => forbidden(
                num,
                if existed(r, id.num, i - 1) {
                    FindingKind::ShadowHideAndReplace
                } else {
                    FindingKind::IncrementalSaving
                },
                format!("{what} {num} gains page {id}"),
            ),
            Some(d) if is_field(d) || is_annotation(d) => {
                let ft = field_type(r, d, i);
                let orphan_widget = ft.is_none()
                    && d.name(b"Subtype") == Some(b"Widget")
                    && ctx.lookups_left > 0
                    && {
                        ctx.lookups_left -= 1;
                        signing_widget(r, *id, i)
                    };
                if ft.as_deref() == Some(b"Sig") || orphan_widget {
                    change(num, ChangeClass::Signing, "signature field added")
                } else {
                    change(
                        num,
                        ChangeClass::Annotation,
                        format!("{what} {num} gains annotation or field {id}"),
                    )
                }
            }
            Some(d) if d.get(b"Length").is_some() && el.stream.is_some() => {
                // A stream added to an array: DSS material, or content appended to a page.
                if d.name(b"Type").is_some()
                    || d.name(b"Subtype").is_some()
                    || dss_array(r, num, i)
                    || der_stream(r.data, &el)
                {
                    change(num, ChangeClass::Dss, "validation data added")
                } else {
                    forbidden(
                        num,
                        FindingKind::IncrementalSaving,
                        format!("{what} {num} gains stream {id} (page content appended?)"),
                    )
                }
            }
            _ => change(num, ChangeClass::Dss, "entries added"),
        };
        if let Some(c) = c {
            let rank = |c: &Change| match c.class {
                ChangeClass::Forbidden { .. } => 3,
                ChangeClass::Annotation => 2,
                _ => 1,
            };
            if worst.as_ref().is_none_or(|w| rank(&c) > rank(w)) {
                worst = Some(c);
            }
        }
    }
    worst.or_else(|| change(num, ChangeClass::Signing, format!("{what} {num} grows")))
}

/// Whether widget `id`, which names no field, is a kid of a signature field of revision
/// `i`'s form (a field may list its widgets in an indirect `/Kids` array without the widgets
/// pointing back, §12.7.4.1).
fn signing_widget<'a>(r: &mut Resolver<'a>, id: ObjectId, i: usize) -> bool {
    let Some(af) = catalog_dict(r, i, b"AcroForm") else {
        return false;
    };
    let fields = array_refs(r, af.get(b"Fields"), i);
    for f in fields.into_iter().take(super::limits::MAX_FIELDS) {
        let Some(fd) = r.get(f, i, 0).ok().flatten() else {
            continue;
        };
        let Some(fd) = fd.object.as_dict().cloned() else {
            continue;
        };
        if fd.name(b"FT") == Some(b"Sig") && array_refs(r, fd.get(b"Kids"), i).contains(&id) {
            return true;
        }
    }
    false
}

/// Whether a stream holds a DER object (a certificate, CRL or OCSP response of the DSS or a
/// VRI entry): `SEQUENCE` with a long-form length. Page content cannot start that way
/// (operators and operands are text).
fn der_stream(data: &[u8], el: &super::xref::Indirect<'_>) -> bool {
    let Some(raw) = el.stream.and_then(|s| data.get(s.start..s.end)) else {
        return false;
    };
    let filtered = el
        .object
        .as_dict()
        .is_some_and(|d| d.get(b"Filter").is_some());
    let head = if filtered {
        match super::inflate(raw, 16) {
            Ok(v) => v,
            Err(()) => return false,
        }
    } else {
        raw.iter().take(2).copied().collect()
    };
    head.first() == Some(&0x30) && head.get(1).is_some_and(|b| (0x81..=0x84).contains(b))
}

/// The dictionary under `key` in revision `i`'s catalog, references followed.
fn catalog_dict<'a>(r: &mut Resolver<'a>, i: usize, key: &[u8]) -> Option<Dictionary<'a>> {
    let root = r.trailer(i)?.get(b"Root")?.clone();
    let (root, _) = r.resolve(&root, i).ok()?;
    let value = root.as_dict()?.get(key)?.clone();
    let (value, _) = r.resolve(&value, i).ok()?;
    value.as_dict().cloned()
}

/// Whether array `num` is one of the DSS arrays of revision `i`'s catalog.
fn dss_array<'a>(r: &mut Resolver<'a>, num: u32, i: usize) -> bool {
    catalog_dict(r, i, b"DSS").is_some_and(|d| {
        ["Certs", "CRLs", "OCSPs"].iter().any(|k| {
            d.get(k.as_bytes())
                .and_then(Object::as_reference)
                .is_some_and(|id| id.num == num)
        })
    })
}

fn catalog<'a>(
    r: &mut Resolver<'a>,
    ctx: &mut Pass,
    num: u32,
    i: usize,
    d: &Dictionary<'a>,
    old: Option<&Dictionary<'a>>,
) -> Option<Change> {
    let Some(old) = old else {
        return forbidden(num, FindingKind::IncrementalSaving, "catalog replaced");
    };
    let mut keys: Vec<&[u8]> = d.entries.iter().map(|(k, _)| k.as_ref()).collect();
    keys.extend(old.entries.iter().map(|(k, _)| k.as_ref()));
    keys.sort_unstable();
    keys.dedup();
    let mut form_changed = false;
    for k in keys {
        if same_opt(d.get(k), old.get(k)) {
            continue;
        }
        if k == b"AcroForm" {
            form_changed = true;
            // Inline or replaced by another object: judge the dictionaries.
            let new_af = d.get(k).and_then(|o| r.resolve(o, i).ok()).map(|x| x.0);
            let old_af = old
                .get(k)
                .and_then(|o| r.resolve(o, i - 1).ok())
                .map(|x| x.0);
            let (Some(n), o) = (new_af, old_af) else {
                return forbidden(num, FindingKind::IncrementalSaving, "form removed");
            };
            if let Some(nd) = n.as_dict() {
                if let Some(c) = acroform(
                    r,
                    ctx,
                    num,
                    i,
                    Some(nd),
                    o.as_ref().and_then(|o| o.as_dict()),
                ) {
                    if matches!(
                        c.class,
                        ChangeClass::Forbidden { .. } | ChangeClass::Annotation
                    ) {
                        return Some(c);
                    }
                }
            }
            continue;
        }
        if CATALOG_PERMITTED.contains(&k) {
            continue;
        }
        if k == b"Pages" {
            let target = d.get(k).and_then(Object::as_reference);
            return forbidden(
                num,
                if target.is_some_and(|t| existed(r, t.num, i - 1)) {
                    FindingKind::ShadowHideAndReplace
                } else {
                    FindingKind::IncrementalSaving
                },
                "catalog /Pages redirected: another page tree is displayed",
            );
        }
        return forbidden(
            num,
            FindingKind::IncrementalSaving,
            format!("catalog /{} changed", String::from_utf8_lossy(k)),
        );
    }
    if form_changed {
        change(num, ChangeClass::Signing, "catalog: form entries")
    } else {
        // DSS, metadata, extensions: long-term validation updates, permitted at every level.
        change(
            num,
            ChangeClass::Dss,
            "catalog: DSS, metadata or extensions",
        )
    }
}

fn acroform<'a>(
    r: &mut Resolver<'a>,
    ctx: &mut Pass,
    num: u32,
    i: usize,
    d: Option<&Dictionary<'a>>,
    old: Option<&Dictionary<'a>>,
) -> Option<Change> {
    let d = d?;
    let new_fields = array_refs(r, d.get(b"Fields"), i);
    let old_fields = old.map_or_else(Vec::new, |o| array_refs(r, o.get(b"Fields"), i - 1));
    list_change(r, ctx, num, i, &old_fields, &new_fields, "form")
}

fn pages<'a>(
    r: &mut Resolver<'a>,
    num: u32,
    i: usize,
    d: &Dictionary<'a>,
    old: Option<&Dictionary<'a>>,
) -> Option<Change> {
    let old = old?;
    let k = PAGES_VISIBLE
        .iter()
        .find(|k| !same_opt(d.get(k), old.get(k)))?;
    if *k == b"Kids" {
        let new_kids = refs(d.get(b"Kids"));
        let old_kids = refs(old.get(b"Kids"));
        let old_kids: HashSet<&ObjectId> = old_kids.iter().collect();
        let gained: Vec<&ObjectId> = new_kids.iter().filter(|x| !old_kids.contains(x)).collect();
        let kind = if gained.iter().any(|x| existed(r, x.num, i - 1)) {
            FindingKind::ShadowHideAndReplace
        } else if gained.is_empty() {
            FindingKind::ShadowHide
        } else {
            FindingKind::IncrementalSaving
        };
        return forbidden(
            num,
            kind,
            format!("page tree {num} /Kids changed: pages replaced, added or removed"),
        );
    }
    forbidden(
        num,
        FindingKind::IncrementalSaving,
        format!("page tree {num} /{} changed", String::from_utf8_lossy(k)),
    )
}

fn page<'a>(
    r: &mut Resolver<'a>,
    ctx: &mut Pass,
    num: u32,
    i: usize,
    d: &Dictionary<'a>,
    old: Option<&Dictionary<'a>>,
) -> Option<Change> {
    let old = old?;
    if !same_opt(d.get(b"Contents"), old.get(b"Contents")) {
        let new_c = refs(d.get(b"Contents"));
        let old_c = refs(old.get(b"Contents"));
        let old_c: HashSet<&ObjectId> = old_c.iter().collect();
        let gained: Vec<&ObjectId> = new_c.iter().filter(|x| !old_c.contains(x)).collect();
        let redirected = gained.iter().any(|x| existed(r, x.num, i - 1));
        return forbidden(
            num,
            if redirected {
                FindingKind::ShadowHideAndReplace
            } else {
                FindingKind::IncrementalSaving
            },
            if redirected {
                format!(
                    "page {num} /Contents redirected to {} already in the signed bytes but not \
                     displayed",
                    gained
                        .iter()
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                format!("page {num} /Contents changed")
            },
        );
    }
    if !same_opt(d.get(b"Resources"), old.get(b"Resources"))
        && !resources_only_grow(r, i, d.get(b"Resources"), old.get(b"Resources"))
    {
        return forbidden(
            num,
            FindingKind::ShadowReplace,
            format!("page {num} /Resources changed: fonts or images swapped"),
        );
    }
    if let Some(k) = PAGE_VISIBLE
        .iter()
        .find(|k| !same_opt(d.get(k), old.get(k)))
    {
        return forbidden(
            num,
            FindingKind::IncrementalSaving,
            format!("page {num} /{} changed", String::from_utf8_lossy(k)),
        );
    }
    if !same_opt(d.get(b"Annots"), old.get(b"Annots")) {
        let new_a = array_refs(r, d.get(b"Annots"), i);
        let old_a = array_refs(r, old.get(b"Annots"), i - 1);
        return list_change(r, ctx, num, i, &old_a, &new_a, "page");
    }
    change(
        num,
        ChangeClass::Metadata,
        format!("page {num}: no visible entry changed"),
    )
}

/// A form field, widget or other annotation replaced.
fn field_or_annotation<'a>(
    r: &mut Resolver<'a>,
    num: u32,
    i: usize,
    d: &Dictionary<'a>,
    old: Option<&Dictionary<'a>>,
    ctx: &mut Pass,
) -> Option<Change> {
    let Some(old) = old else {
        return forbidden(
            num,
            FindingKind::ShadowReplace,
            format!("object {num} replaced by an annotation or field"),
        );
    };
    if same_dicts(d, old) {
        return None;
    }
    let ft = field_type(r, d, i).or_else(|| field_type(r, old, i - 1));
    let widget = d.name(b"Subtype") == Some(b"Widget");
    let ap_refs = |r: &mut Resolver<'a>, x: &Dictionary<'a>| -> Vec<u32> {
        let mut v = vec![num];
        if let Some(id) = x.get(b"AP").and_then(Object::as_reference) {
            v.push(id.num);
            // The dictionary itself as of the signed revision, when this one replaces it.
            if let Some(old) = r.get(id, i - 1, 0).ok().flatten() {
                if let Some(n) = old
                    .object
                    .as_dict()
                    .and_then(|d| d.get(b"N"))
                    .and_then(Object::as_reference)
                {
                    v.push(n.num);
                }
            }
        }
        let ap = x.get(b"AP").and_then(|o| r.resolve(o, i).ok()).map(|x| x.0);
        if let Some(ap) = ap.as_ref().and_then(Object::as_dict) {
            for (_, o) in &ap.entries {
                match &o.value {
                    Value::Reference(id) => v.push(id.num),
                    Value::Dictionary(states) => v.extend(
                        states
                            .entries
                            .iter()
                            .filter_map(|(_, s)| s.as_reference().map(|x| x.num)),
                    ),
                    _ => {}
                }
            }
        }
        v
    };
    let hidden_now = |x: &Dictionary<'_>| {
        x.get(b"F")
            .and_then(Object::as_i64)
            .is_some_and(|f| f & HIDING_FLAGS != 0)
    };
    let appearance_lost =
        (old.get(b"AP").is_some() && d.get(b"AP").is_none()) || (hidden_now(d) && !hidden_now(old));
    if ft.as_deref() == Some(b"Sig") {
        let (nv, ov) = (d.get(b"V"), old.get(b"V"));
        return match (ov, nv) {
            (None, Some(_)) => {
                {
                    let refs = ap_refs(r, d);
                    ctx.widgets.insert(num);
                    if let Some(id) = d.get(b"AP").and_then(Object::as_reference) {
                        ctx.ap_dicts.insert(id.num);
                    }
                    ctx.filled_appearances.extend(refs);
                }
                change(num, ChangeClass::Signing, "signature field signed")
            }
            (Some(a), Some(b)) if same(a, b) => forbidden(
                num,
                FindingKind::ShadowReplace,
                format!("signed signature field {num}'s widget or appearance changed"),
            ),
            (None, None) if !appearance_lost => forbidden(
                num,
                FindingKind::ShadowReplace,
                format!(
                    "signature field {num}'s appearance changed without a signature \
                     (sneaky signature)"
                ),
            ),
            (None, None) => forbidden(
                num,
                FindingKind::ShadowHide,
                format!("signature field {num}'s appearance removed or hidden"),
            ),
            _ => forbidden(
                num,
                FindingKind::IncrementalSaving,
                format!("signature field {num}'s value replaced or removed"),
            ),
        };
    }
    if ft.is_some() && (is_field(d) || widget) {
        let name = field_name(r, num, d, i);
        let read_only = old
            .get(b"Ff")
            .and_then(Object::as_i64)
            .is_some_and(|f| f & 1 != 0);
        let value_changed = !same_opt(d.get(b"V"), old.get(b"V"));
        let parent_changed = d
            .get(b"Parent")
            .and_then(Object::as_reference)
            .is_some_and(|p| {
                let a = r.get(p, i, 0).ok().flatten();
                let b = r.get(p, i - 1, 0).ok().flatten();
                match (a, b) {
                    (Some(a), Some(b)) => !same_opt(
                        a.object.as_dict().and_then(|x| x.get(b"V")),
                        b.object.as_dict().and_then(|x| x.get(b"V")),
                    ),
                    _ => false,
                }
            });
        if appearance_lost {
            return forbidden(
                num,
                FindingKind::ShadowHide,
                format!("field {name} ({num}): appearance removed or hidden"),
            );
        }
        if read_only && (value_changed || parent_changed || !same_opt(d.get(b"AP"), old.get(b"AP")))
        {
            return forbidden(
                num,
                FindingKind::ShadowReplace,
                format!("read-only field {name} ({num}) changed"),
            );
        }
        if value_changed || parent_changed {
            {
                let refs = ap_refs(r, d);
                ctx.widgets.insert(num);
                if let Some(id) = d.get(b"AP").and_then(Object::as_reference) {
                    ctx.ap_dicts.insert(id.num);
                }
                ctx.filled_appearances.extend(refs);
            }
            return change(
                num,
                ChangeClass::FormFill {
                    field: name.clone(),
                },
                format!("field {name} ({num}) filled"),
            );
        }
        let moved = ["Rect", "MK", "DA", "Q", "Ff", "Kids", "Opt"]
            .iter()
            .any(|k| !same_opt(d.get(k.as_bytes()), old.get(k.as_bytes())));
        if moved || !same_opt(d.get(b"AP"), old.get(b"AP")) {
            return forbidden(
                num,
                FindingKind::ShadowReplace,
                format!("field {name} ({num}): appearance or layout changed, value unchanged"),
            );
        }
        return change(
            num,
            ChangeClass::FormFill { field: name },
            "field bookkeeping",
        );
    }
    if appearance_lost {
        return forbidden(
            num,
            FindingKind::ShadowHide,
            format!("annotation {num} hidden or its appearance removed"),
        );
    }
    change(
        num,
        ChangeClass::Annotation,
        format!("annotation {num} changed"),
    )
}

/// An XObject (or other typed stream) replaced: the appearance of a field filled in this
/// revision, an overlay emptied (hide), or other content (replace).
fn classify_xobject<'a>(
    r: &mut Resolver<'a>,
    num: u32,
    i: usize,
    ctx: &mut Pass,
) -> Option<Change> {
    let id = ObjectId { num, gen: 0 };
    let new = r.get(id, i, 0).ok().flatten()?;
    if ctx.filled_appearances.contains(&num) {
        // An appearance that something else in the signed revision also uses (pyHanko's
        // "sneaky" form updates): overwriting it changes more than the field.
        let mut check = vec![num];
        let mut seen = HashSet::new();
        while let Some(x) = check.pop() {
            if !seen.insert(x) || seen.len() > 8 {
                break;
            }
            if ctx.lookups_left == 0 {
                return forbidden(
                    num,
                    FindingKind::ShadowReplace,
                    format!(
                        "appearance stream {num} is overwritten and the document exceeds the \
                         analysis budget: it is not known what else uses it"
                    ),
                );
            }
            ctx.lookups_left -= 1;
            for by in referrers(r, x, i) {
                if ctx.ap_dicts.contains(&by) {
                    check.push(by);
                } else if !ctx.widgets.contains(&by) {
                    return forbidden(
                        num,
                        FindingKind::ShadowReplace,
                        format!(
                            "appearance stream {num} is overwritten while object {by} of the \
                             signed revision also uses it"
                        ),
                    );
                }
            }
        }
        return change(
            num,
            ChangeClass::FormFill {
                field: String::new(),
            },
            format!("appearance {num} of a filled field"),
        );
    }
    let data = r.data;
    let raw = new
        .stream
        .and_then(|s| data.get(s.start..s.end))
        .unwrap_or_default();
    let filtered = new
        .object
        .as_dict()
        .is_some_and(|d| d.get(b"Filter").is_some());
    let decoded = if !filtered {
        Some(raw.to_vec())
    } else if raw.len() <= MAX_EMPTINESS_PROBE {
        super::inflate(raw, MAX_EMPTINESS_PROBE).ok()
    } else {
        None
    };
    let empty = decoded.is_some_and(|b| {
        b.iter()
            .all(|&c| is_white(c) || matches!(c, b'q' | b'Q' | b'n'))
    });
    if empty {
        forbidden(
            num,
            FindingKind::ShadowHide,
            format!("XObject {num} replaced by an empty one: the overlay it drew disappears"),
        )
    } else {
        forbidden(
            num,
            FindingKind::ShadowReplace,
            format!("XObject {num} replaced by other content"),
        )
    }
}

/// The objects of revision `i - 1` (their current definitions in the file) whose text holds a
/// reference `num 0 R`. Objects inside object streams are not searched.
fn referrers(r: &Resolver<'_>, num: u32, i: usize) -> Vec<u32> {
    let data = r.data;
    let Some(end) = r
        .sections
        .iter()
        .filter(|s| s.revision == i - 1)
        .filter_map(|s| s.eof.map(|e| e.1))
        .max()
    else {
        return Vec::new();
    };
    let prefix = &data[..end.min(data.len())];
    let headers = scan_objects(prefix);
    let needle = format!("{num} 0 R");
    let mut out = Vec::new();
    for p in memchr::memmem::find_iter(prefix, needle.as_bytes()) {
        if p > 0 && prefix[p - 1].is_ascii_digit() {
            continue;
        }
        if prefix
            .get(p + needle.len())
            .is_some_and(|&b| super::lexer::is_regular(b))
        {
            continue;
        }
        let k = headers.partition_point(|h| h.2 < p);
        let Some(&(owner, _, at)) = k.checked_sub(1).and_then(|k| headers.get(k)) else {
            continue;
        };
        let current =
            matches!(r.entry(owner, i - 1), Some(Entry::InFile { offset, .. }) if offset == at);
        if current && owner != num && !out.contains(&owner) {
            out.push(owner);
        }
    }
    out
}

/// The certification signature's DocMDP level (§12.8.2.2; `/P` defaults to 2) and the
/// revision holding it.
fn certification(doc: &Document) -> Option<(i64, usize)> {
    doc.signatures.iter().find(|s| s.certification).map(|s| {
        let p = s
            .references
            .iter()
            .find(|x| x.method == "DocMDP")
            .and_then(|x| x.p)
            .unwrap_or(2);
        (p.clamp(1, 3), s.revision)
    })
}

/// FieldMDP locks: (revision holding the signature, action, fields).
fn locks(doc: &Document) -> Vec<(usize, String, Vec<String>)> {
    let mut out = Vec::new();
    for s in &doc.signatures {
        for x in s.references.iter().filter(|x| x.method == "FieldMDP") {
            out.push((
                s.revision,
                x.action.clone().unwrap_or_else(|| "All".into()),
                x.fields.clone(),
            ));
        }
        if let Some(l) = &s.lock {
            out.push((
                s.revision,
                l.action.clone().unwrap_or_else(|| "All".into()),
                l.fields.clone(),
            ));
        }
    }
    out
}

fn locked(action: &str, fields: &[String], field: &str) -> bool {
    // A name that could not be decrypted matches none: it is not known to be listed.
    let known = |n: &str| !n.split('.').any(|p| p == super::ENCRYPTED_TEXT);
    let listed = fields
        .iter()
        .any(|f| known(f) && (f == field || field.starts_with(&format!("{f}."))));
    match action {
        "Include" => listed,
        "Exclude" => !listed,
        _ => true,
    }
}

/// The modifications after a signature whose signed bytes end with revision `signed_rev`
/// (1-based), and what is forbidden among them.
pub fn evaluate(doc: &Document, signed_rev: usize) -> (Modifications, Vec<ChangeFinding>) {
    let cert = certification(doc);
    let locks = locks(doc);
    let mut any = false;
    let mut found: BTreeMap<(FindingKind, usize), ChangeFinding> = BTreeMap::new();
    for diff in doc.changes.iter().filter(|d| d.revision > signed_rev) {
        let k = diff.revision;
        let timestamp_only = doc
            .signatures
            .iter()
            .any(|s| s.revision == k && s.sig_type == SignatureType::DocTimeStamp);
        let level = cert.filter(|c| c.1 < k).map(|c| c.0);
        for c in &diff.changes {
            any = true;
            let verdict = match &c.class {
                ChangeClass::Metadata | ChangeClass::Dss => None,
                ChangeClass::Signing if level == Some(1) && !timestamp_only => {
                    Some(FindingKind::CertificationViolation)
                }
                ChangeClass::Signing => None,
                ChangeClass::FormFill { field } => {
                    if level == Some(1) {
                        Some(FindingKind::CertificationViolation)
                    } else if !field.is_empty()
                        && locks
                            .iter()
                            .any(|(rv, a, f)| *rv < k && locked(a, f, field))
                    {
                        Some(FindingKind::FieldLockViolation)
                    } else {
                        None
                    }
                }
                ChangeClass::Annotation => match level {
                    Some(3) => None,
                    Some(_) => Some(FindingKind::CertificationViolation),
                    None => Some(FindingKind::IncrementalSaving),
                },
                ChangeClass::Forbidden { kind } => Some(*kind),
            };
            if let Some(kind) = verdict {
                let f = found.entry((kind, k)).or_insert_with(|| ChangeFinding {
                    kind,
                    revision: k,
                    objects: Vec::new(),
                    detail: match (kind, &c.class) {
                        (FindingKind::CertificationViolation, _) => format!(
                            "certification level {} does not permit: {}",
                            level.unwrap_or(2),
                            c.detail
                        ),
                        (FindingKind::FieldLockViolation, _) => {
                            format!("locked by an earlier signature: {}", c.detail)
                        }
                        (FindingKind::IncrementalSaving, ChangeClass::Annotation) => {
                            format!("added after signing: {}", c.detail)
                        }
                        _ => c.detail.clone(),
                    },
                });
                if let Some(o) = c.object {
                    if !f.objects.contains(&o) {
                        f.objects.push(o);
                    }
                }
            }
        }
    }
    let findings: Vec<ChangeFinding> = found.into_values().collect();
    let m = if !findings.is_empty() {
        Modifications::Forbidden
    } else if any || doc.revisions.len() > signed_rev {
        Modifications::Permitted
    } else {
        Modifications::None
    };
    (m, findings)
}
