//! One replaced object classified: what it is, as far as permissions go.

use super::families::{
    acroform, catalog, der_stream, dss_array, field_or_annotation, page, pages, signing_widget,
};
use super::{Change, ChangeClass, FindingKind};
use crate::cache::FastSet as HashSet;
use crate::pdf::objects::{Entry, Resolver};
use crate::pdf::{Dictionary, Object, ObjectId, Origin, Value};

/// Keys of a page (§7.7.3.3 Table 31) whose change alters what is displayed, besides
/// `/Contents`, `/Resources` and `/Annots`, which are looked at in detail.
pub(super) const PAGE_VISIBLE: [&[u8]; 4] = [b"MediaBox", b"CropBox", b"Rotate", b"UserUnit"];
/// Page tree node keys (§7.7.3.2 Table 30, with the inheritable page attributes).
pub(super) const PAGES_VISIBLE: [&[u8]; 5] =
    [b"Resources", b"MediaBox", b"CropBox", b"Rotate", b"Kids"];
/// Catalog keys (§7.7.2 Table 29) that signing and long-term validation updates write; any
/// other catalog change alters the document or its behaviour.
pub(super) const CATALOG_PERMITTED: [&[u8]; 9] = [
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
pub(super) const HIDING_FLAGS: i64 = 2 | 32;
/// Largest appearance or XObject stream inflated to tell an emptied one from a replaced one
/// (an empty form XObject is a few bytes; real appearances are far smaller than this).
pub(super) const MAX_EMPTINESS_PROBE: usize = 64 << 10;

/// Classification still to come: an XObject whose fate depends on the form fields.
pub(super) struct Deferred;

/// What the first pass over a revision learns for the second.
#[derive(Default)]
pub(super) struct Pass {
    /// Appearance streams of fields whose value changes in this revision.
    pub(super) filled_appearances: HashSet<u32>,
    /// The widgets filled or signed in this revision: they may reference those appearance
    /// streams.
    pub(super) widgets: HashSet<u32>,
    /// Their indirect `/AP` dictionaries: they may too, if nothing else references them.
    pub(super) ap_dicts: HashSet<u32>,
    /// What is left of [`crate::pdf::limits::MAX_CHANGE_LOOKUPS`] for the document.
    pub(super) lookups_left: usize,
}

pub(super) fn dict<'o, 'a>(o: &'o Object<'a>) -> Option<&'o Dictionary<'a>> {
    o.as_dict()
}

pub(super) fn is_sig_dict(d: &Dictionary<'_>) -> bool {
    matches!(d.name(b"Type"), Some(b"Sig" | b"DocTimeStamp"))
        || (d.get(b"ByteRange").is_some() && d.get(b"Contents").is_some())
}

pub(super) fn is_annotation(d: &Dictionary<'_>) -> bool {
    d.name(b"Type") == Some(b"Annot") || (d.get(b"Subtype").is_some() && d.get(b"Rect").is_some())
}

pub(super) fn is_field(d: &Dictionary<'_>) -> bool {
    d.get(b"FT").is_some() || (d.get(b"T").is_some() && d.get(b"Parent").is_none())
}

/// `/FT`, inherited through `/Parent` (§12.7.4.1).
pub(super) fn field_type<'a>(
    r: &mut Resolver<'a>,
    d: &Dictionary<'a>,
    rev: usize,
) -> Option<Vec<u8>> {
    if let Some(ft) = d.name(b"FT") {
        return Some(ft.to_vec());
    }
    let mut cur = r
        .get(d.get(b"Parent")?.as_reference()?, rev, 0)
        .ok()??
        .object
        .as_dict()?
        .clone();
    for _ in 0..crate::pdf::limits::MAX_FIELD_DEPTH {
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
pub(super) fn field_name<'a>(
    r: &mut Resolver<'a>,
    num: u32,
    d: &Dictionary<'a>,
    rev: usize,
) -> String {
    let holder_of =
        |i: &crate::pdf::objects::Indirect<'_>| (i.origin == Origin::File).then_some(i.id);
    let mut parts = Vec::new();
    let mut cur = d.clone().into_owned();
    // Only an encrypted file needs the holder (the lookup is cached either way).
    let mut holder = match r.encrypted {
        true => r.get(ObjectId { num, gen: 0 }, rev, 0).ok().flatten(),
        false => None,
    }
    .and_then(|i| holder_of(&i));
    for _ in 0..crate::pdf::limits::MAX_FIELD_DEPTH {
        if let Some(t) = crate::pdf::objects::field_text(r, cur.get(b"T"), holder) {
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

pub(super) fn same_opt(a: Option<&Object<'_>>, b: Option<&Object<'_>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => same(a, b),
        _ => false,
    }
}

/// Structural equality, ignoring where the objects are.
pub(super) fn same(a: &Object<'_>, b: &Object<'_>) -> bool {
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
pub(super) fn refs(o: Option<&Object<'_>>) -> Vec<ObjectId> {
    match o.map(|o| &o.value) {
        Some(Value::Array(a)) => a.iter().filter_map(Object::as_reference).collect(),
        Some(Value::Reference(id)) => vec![*id],
        _ => Vec::new(),
    }
}

/// An array value, following one indirection, as of revision `rev`.
pub(super) fn array_refs<'a>(
    r: &mut Resolver<'a>,
    o: Option<&Object<'a>>,
    rev: usize,
) -> Vec<ObjectId> {
    match o {
        Some(o) if o.as_reference().is_some() => match r.resolve(o, rev) {
            Ok((v, _)) => refs(Some(&v)),
            Err(_) => Vec::new(),
        },
        other => refs(other),
    }
}

/// Whether object `num` was in use in revision `rev`.
pub(super) fn existed<'a>(r: &Resolver<'a>, num: u32, rev: usize) -> bool {
    !matches!(r.entry(num, rev), None | Some(Entry::Free))
}

pub(super) fn forbidden(num: u32, kind: FindingKind, detail: impl Into<String>) -> Option<Change> {
    Some(Change {
        object: Some(num),
        class: ChangeClass::Forbidden { kind },
        detail: detail.into(),
    })
}

pub(super) fn change(num: u32, class: ChangeClass, detail: impl Into<String>) -> Option<Change> {
    Some(Change {
        object: Some(num),
        class,
        detail: detail.into(),
    })
}

/// An object the update marks free.
pub(super) fn freed<'a>(r: &mut Resolver<'a>, num: u32, i: usize) -> Option<Change> {
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
pub(super) fn classify<'a>(
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
    let old_dict = old.as_ref().and_then(|o| dict(&o.object));
    let Some(d) = dict(&new.object) else {
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
    let was_sig = old_dict.is_some_and(is_sig_dict);
    if is_sig_dict(d) || was_sig {
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
    if old_drawn && !is_field(d) && !is_annotation(d) {
        return Ok(forbidden(
            num,
            FindingKind::ShadowHide,
            format!("annotation or field {num} emptied: what it drew disappears"),
        ));
    }
    if is_field(d) || is_annotation(d) {
        return Ok(field_or_annotation(r, num, i, d, old_dict, ctx));
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
        return Ok(acroform(r, ctx, num, i, Some(d), old_dict));
    }
    match ty.as_deref() {
        Some(b"Catalog") => return Ok(catalog(r, ctx, num, i, d, old_dict)),
        Some(b"Pages") => return Ok(pages(r, num, i, d, old_dict)),
        Some(b"Page") => return Ok(page(r, ctx, num, i, d, old_dict)),
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
        if old_dict.is_some_and(|o| only_grows(o, d, 0)) {
            return Ok(change(num, ChangeClass::Metadata, "resources gain entries"));
        }
        return Ok(forbidden(
            num,
            FindingKind::ShadowReplace,
            format!("resource dictionary {num} replaced: fonts or images change"),
        ));
    }
    if old_dict.is_some_and(|o| same_dicts(o, d)) {
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
pub(super) fn only_grows(old: &Dictionary<'_>, new: &Dictionary<'_>, depth: usize) -> bool {
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
pub(super) fn resources_only_grow<'a>(
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

pub(super) fn same_dicts(a: &Dictionary<'_>, b: &Dictionary<'_>) -> bool {
    a.entries.len() == b.entries.len()
        && a.entries
            .iter()
            .zip(&b.entries)
            .all(|((k1, v1), (k2, v2))| k1 == k2 && same(v1, v2))
}

/// An indirect array (or other non-dictionary object) replaced.
pub(super) fn classify_array<'a>(
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
pub(super) fn list_change<'a>(
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
pub(super) fn added_elements<'a>(
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
