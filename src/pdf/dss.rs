//! The Document Security Store (ETSI EN 319 142-1 §5.4.2.2: `/DSS` with `/Certs`, `/CRLs`,
//! `/OCSPs` and `/VRI`), located from the catalog without decoding its streams.

use super::error::PdfError;
use super::limits::MAX_FIELDS;
use super::object::{Object, ObjectId, Value};
use super::xref::Resolver;
use super::{Dss, StreamLocation, VriEntry};

/// Locate the DSS streams (ETSI EN 319 142-1 §5.4.2.2) without decoding them.
pub(super) fn read<'a>(
    r: &mut Resolver<'a>,
    o: &Object<'a>,
    rev: usize,
) -> Result<Option<Dss>, PdfError> {
    let (d, _) = r.resolve(o, rev)?;
    let Value::Dictionary(d) = d.value else {
        return Ok(None);
    };
    let mut out = Dss::default();
    let mut budget = MAX_FIELDS;
    for (key, slot) in [
        (&b"Certs"[..], &mut out.certs),
        (b"CRLs", &mut out.crls),
        (b"OCSPs", &mut out.ocsps),
    ] {
        let Some(arr) = d.get(key) else { continue };
        let (arr, _) = r.resolve(arr, rev)?;
        for item in arr.as_array().unwrap_or_default() {
            let Some(id) = item.as_reference() else {
                continue;
            };
            budget = budget.checked_sub(1).ok_or(PdfError::TooManyFields)?;
            if let Some(ind) = r.get(id, rev, 0)? {
                let filters = match ind.object.as_dict().and_then(|d| d.get(b"Filter")) {
                    Some(Object {
                        value: Value::Name(n),
                        ..
                    }) => vec![String::from_utf8_lossy(n).into_owned()],
                    Some(Object {
                        value: Value::Array(a),
                        ..
                    }) => a
                        .iter()
                        .filter_map(Object::as_name)
                        .map(|n| String::from_utf8_lossy(n).into_owned())
                        .collect(),
                    _ => Vec::new(),
                };
                if let Some(data) = ind.stream {
                    slot.push(StreamLocation {
                        object: id,
                        data,
                        filters,
                    });
                }
            }
        }
    }
    if let Some(vri) = d.get(b"VRI") {
        let (vri, _) = r.resolve(vri, rev)?;
        if let Some(vri) = vri.as_dict() {
            for (key, v) in &vri.entries {
                budget = budget.checked_sub(1).ok_or(PdfError::TooManyFields)?;
                let (v, _) = r.resolve(v, rev)?;
                let Some(v) = v.as_dict() else { continue };
                let mut refs = |k: &[u8]| -> Result<Vec<ObjectId>, PdfError> {
                    Ok(match v.get(k) {
                        Some(a) => r
                            .resolve(a, rev)?
                            .0
                            .as_array()
                            .unwrap_or_default()
                            .iter()
                            .filter_map(Object::as_reference)
                            .collect(),
                        None => Vec::new(),
                    })
                };
                out.vri.push(VriEntry {
                    key: String::from_utf8_lossy(key).into_owned(),
                    certs: refs(b"Cert")?,
                    crls: refs(b"CRL")?,
                    ocsps: refs(b"OCSP")?,
                });
            }
        }
    }
    Ok(Some(out))
}
