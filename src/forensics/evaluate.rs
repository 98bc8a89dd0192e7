//! One signature's view of the changes after it: DocMDP and FieldMDP (ISO 32000-2 §12.8.2).

use super::{ChangeClass, ChangeFinding, FindingKind, Modifications, RevisionDiff};
use crate::pdf::{Document, SignatureType};
use std::collections::BTreeMap;

/// The certification signature's DocMDP level (§12.8.2.2; `/P` defaults to 2) and the
/// revision holding it.
pub(super) fn certification(doc: &Document) -> Option<(i64, usize)> {
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
pub(super) fn locks(doc: &Document) -> Vec<(usize, String, Vec<String>)> {
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

pub(super) fn locked(action: &str, fields: &[String], field: &str) -> bool {
    // A name that could not be decrypted matches none: it is not known to be listed.
    let known = |n: &str| !n.split('.').any(|p| p == crate::pdf::ENCRYPTED_TEXT);
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
pub fn evaluate(
    doc: &Document,
    changes: &[RevisionDiff],
    signed_rev: usize,
) -> (Modifications, Vec<ChangeFinding>) {
    let cert = certification(doc);
    let locks = locks(doc);
    let mut any = false;
    let mut found: BTreeMap<(FindingKind, usize), ChangeFinding> = BTreeMap::new();
    for diff in changes.iter().filter(|d| d.revision > signed_rev) {
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
