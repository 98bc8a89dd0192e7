//! What each incremental update changes (ISO 32000-2, 7.5.6 and 12.8.2.2): a first, object-level
//! classification used by the verdict. Each revision is classified once, whatever the number of
//! signatures before it.
//!
//! An update is *permitted* when every object it replaces is structure (xref and object
//! streams), signature material (signature dictionaries written for the first time, signature
//! fields and widgets, the AcroForm dictionary, the DSS and its VRI entries), document metadata,
//! or a catalog or page whose visible content entries are unchanged; it is *forbidden* when it
//! replaces or frees anything else (page content, resources, the page tree, catalog actions).

use serde::Serialize;

use super::object::{Dictionary, Object, ObjectId, Value};
use super::xref::Resolver;
use super::{PdfError, Revision};
use crate::verdict::Modifications;

/// The classification of one revision's changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RevisionChanges {
    /// The revision (1-based).
    pub revision: usize,
    /// `permitted` or `forbidden` (`none` is not used here).
    pub class: Modifications,
    /// The changed objects that make the update forbidden, with what they are.
    pub forbidden: Vec<ChangedObject>,
}

/// One changed object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangedObject {
    /// Object number.
    pub object: u32,
    /// What changed, e.g. `page content`, `freed`.
    pub what: String,
}

/// Keys of a page (§7.7.3.3 Table 31) whose change alters what is displayed.
const PAGE_VISIBLE: [&[u8]; 6] = [
    b"Contents",
    b"Resources",
    b"MediaBox",
    b"CropBox",
    b"Rotate",
    b"UserUnit",
];
/// Page tree node keys (§7.7.3.2 Table 30, with the inheritable page attributes).
const PAGES_VISIBLE: [&[u8]; 6] = [
    b"Kids",
    b"Count",
    b"Resources",
    b"MediaBox",
    b"CropBox",
    b"Rotate",
];
/// Catalog keys (§7.7.2 Table 29) whose change alters the document or its behaviour.
const CATALOG_VISIBLE: [&[u8]; 6] = [
    b"Pages",
    b"OpenAction",
    b"AA",
    b"Names",
    b"Outlines",
    b"Collection",
];

/// Classifies revisions 2.. of the file (the first revision has nothing before it).
pub(super) fn analyse(r: &mut Resolver<'_>, revisions: &[Revision]) -> Vec<RevisionChanges> {
    let mut out = Vec::new();
    for (i, rev) in revisions.iter().enumerate().skip(1) {
        let mut forbidden = Vec::new();
        for &num in &rev.freed {
            forbidden.push(ChangedObject {
                object: num,
                what: "freed".into(),
            });
        }
        for &num in &rev.replaced {
            match classify(r, num, i) {
                Ok(None) => {}
                Ok(Some(what)) => forbidden.push(ChangedObject { object: num, what }),
                Err(e) => forbidden.push(ChangedObject {
                    object: num,
                    what: format!("unreadable: {e}"),
                }),
            }
        }
        out.push(RevisionChanges {
            revision: rev.index,
            class: if forbidden.is_empty() {
                Modifications::Permitted
            } else {
                Modifications::Forbidden
            },
            forbidden,
        });
    }
    out
}

/// `None` when replacing object `num` in revision `rev` (0-based) is permitted, else what it is.
fn classify(r: &mut Resolver<'_>, num: u32, rev: usize) -> Result<Option<String>, PdfError> {
    let id = ObjectId { num, gen: 0 };
    let Some(new) = r.get(id, rev, 0)? else {
        return Ok(None);
    };
    let old = r.get(id, rev - 1, 0)?;
    let new_dict = new.object.as_dict();
    let old_dict = old.as_ref().and_then(|o| o.object.as_dict());
    let Some(d) = new_dict else {
        // An indirect array that only grows (a /Fields, /Annots or DSS /Certs list gaining
        // entries) is what signing and LTV updates write. (An appended page /Contents array
        // also grows; telling the two apart needs reachability, left to the full analysis.)
        if let (Value::Array(n), Some(Value::Array(o))) =
            (&new.object.value, old.as_ref().map(|o| &o.object.value))
        {
            if o.len() <= n.len() && o.iter().zip(n).all(|(a, b)| same(a, b)) {
                return Ok(None);
            }
        }
        return Ok(Some(format!("{} replaced", new.object.type_name())));
    };
    let ty = d.name(b"Type");
    let is_sig = |d: &Dictionary<'_>| {
        matches!(d.name(b"Type"), Some(b"Sig" | b"DocTimeStamp")) || d.get(b"ByteRange").is_some()
    };
    if matches!(
        ty,
        Some(b"XRef" | b"ObjStm" | b"Metadata" | b"DSS" | b"VRI")
    ) {
        return Ok(None);
    }
    if is_sig(d) {
        return Ok(if old_dict.is_some_and(is_sig) {
            Some("signature dictionary overwritten".into())
        } else {
            None
        });
    }
    if d.name(b"FT") == Some(b"Sig")
        || ty == Some(b"Annot") && d.name(b"Subtype") == Some(b"Widget")
    {
        return Ok(None);
    }
    if d.get(b"Fields").is_some()
        || [
            "Certs", "CRLs", "OCSPs", "VRI", "Cert", "CRL", "OCSP", "TU", "TS",
        ]
        .iter()
        .any(|k| d.get(k.as_bytes()).is_some())
        || d.get(b"Producer").is_some()
        || d.get(b"ModDate").is_some()
    {
        return Ok(None);
    }
    let changed = |keys: &[&[u8]]| -> Option<String> {
        let old = old_dict?;
        keys.iter()
            .find(|k| !same_opt(d.get(k), old.get(k)))
            .map(|k| String::from_utf8_lossy(k).into_owned())
    };
    match ty {
        Some(b"Catalog") => Ok(changed(&CATALOG_VISIBLE).map(|k| format!("catalog /{k} changed"))),
        Some(b"Page") => Ok(changed(&PAGE_VISIBLE).map(|k| format!("page /{k} changed"))),
        Some(b"Pages") => Ok(changed(&PAGES_VISIBLE).map(|k| format!("page tree /{k} changed"))),
        Some(b"Annot") => Ok(None),
        Some(t) => Ok(Some(format!(
            "/{} object replaced",
            String::from_utf8_lossy(t)
        ))),
        None if new.stream.is_some() => {
            Ok(Some("stream replaced (page content or resource)".into()))
        }
        None => Ok(Some("dictionary replaced".into())),
    }
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
        (x, y) => x == y,
    }
}
