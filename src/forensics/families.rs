//! The object families whose changes are looked at in detail: the catalog, the form, the page
//! tree and pages, fields and annotations, XObjects.

use crate::cache::FastSet as HashSet;

use super::classify::{
    array_refs, change, existed, field_name, field_type, forbidden, is_field, list_change, refs,
    resources_only_grow, same, same_dicts, same_opt, Pass, CATALOG_PERMITTED, HIDING_FLAGS,
    MAX_EMPTINESS_PROBE, PAGES_VISIBLE, PAGE_VISIBLE,
};
use super::{Change, ChangeClass, FindingKind};
use crate::pdf::objects::{is_white, scan_objects, Entry, Resolver};
use crate::pdf::{Dictionary, Object, ObjectId, Value};

/// Whether widget `id`, which names no field, is a kid of a signature field of revision
/// `i`'s form (a field may list its widgets in an indirect `/Kids` array without the widgets
/// pointing back, §12.7.4.1).
pub(super) fn signing_widget<'a>(r: &mut Resolver<'a>, id: ObjectId, i: usize) -> bool {
    let Some(af) = catalog_dict(r, i, b"AcroForm") else {
        return false;
    };
    let fields = array_refs(r, af.get(b"Fields"), i);
    for f in fields.into_iter().take(crate::pdf::limits::MAX_FIELDS) {
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
pub(super) fn der_stream(data: &[u8], el: &crate::pdf::objects::Indirect<'_>) -> bool {
    let Some(raw) = el.stream.and_then(|s| data.get(s.start..s.end)) else {
        return false;
    };
    let filtered = el
        .object
        .as_dict()
        .is_some_and(|d| d.get(b"Filter").is_some());
    let head = if filtered {
        match crate::pdf::objects::inflate(raw, 16) {
            Ok(v) => v,
            Err(()) => return false,
        }
    } else {
        raw.iter().take(2).copied().collect()
    };
    head.first() == Some(&0x30) && head.get(1).is_some_and(|b| (0x81..=0x84).contains(b))
}

/// The dictionary under `key` in revision `i`'s catalog, references followed.
pub(super) fn catalog_dict<'a>(
    r: &mut Resolver<'a>,
    i: usize,
    key: &[u8],
) -> Option<Dictionary<'a>> {
    let root = r.trailer(i)?.get(b"Root")?.clone();
    let (root, _) = r.resolve(&root, i).ok()?;
    let value = root.as_dict()?.get(key)?.clone();
    let (value, _) = r.resolve(&value, i).ok()?;
    value.as_dict().cloned()
}

/// Whether array `num` is one of the DSS arrays of revision `i`'s catalog.
pub(super) fn dss_array<'a>(r: &mut Resolver<'a>, num: u32, i: usize) -> bool {
    catalog_dict(r, i, b"DSS").is_some_and(|d| {
        ["Certs", "CRLs", "OCSPs"].iter().any(|k| {
            d.get(k.as_bytes())
                .and_then(Object::as_reference)
                .is_some_and(|id| id.num == num)
        })
    })
}

pub(super) fn catalog<'a>(
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

pub(super) fn acroform<'a>(
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

pub(super) fn pages<'a>(
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

pub(super) fn page<'a>(
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
pub(super) fn field_or_annotation<'a>(
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
pub(super) fn classify_xobject<'a>(
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
        let mut seen = HashSet::default();
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
        crate::pdf::objects::inflate(raw, MAX_EMPTINESS_PROBE).ok()
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
pub(super) fn referrers(r: &Resolver<'_>, num: u32, i: usize) -> Vec<u32> {
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
            .is_some_and(|&b| crate::pdf::objects::is_regular(b))
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
