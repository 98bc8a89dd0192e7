//! The policy's rules on a document's signatures taken together: who signed an issued
//! document, and in which order (the `issued.*` rules of [`Rule`]; Circular 01/2019/TT-BNV,
//! Decree 30/2020/NĐ-CP). A signature is a person's or an organisation's by its certificate
//! ([`Role`]); document timestamps are not signatures here.

use super::Reason;
use crate::forensics::{ChangeClass, Modifications, RevisionDiff};
use crate::policy::{Finding, Level, Policy, Role, Rule};
use crate::report::{DocumentReport, SignatureReport};
use crate::verdict::{DocumentStatus, Indication};

/// The `issued.*` findings on a document's signatures (in file order), `signed_revisions`
/// the revision each signature's bytes end, `changes` what each later revision changes.
pub(super) fn findings(
    policy: &Policy,
    sigs: &[SignatureReport],
    signed_revisions: &[usize],
    changes: &[RevisionDiff],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut broke = |rule: Rule, signature: Option<&str>, detail: String| {
        let level = policy.level(rule);
        if level != Level::Ignore {
            out.push(Finding {
                rule,
                level,
                signature: signature.map(str::to_string),
                detail,
            });
        }
    };
    let issued = Rule::ALL
        .iter()
        .any(|r| r.id().starts_with("issued.") && policy.checks(*r));
    if !issued {
        return Vec::new();
    }
    // The signatures proper, with their index in file order.
    let signed: Vec<(usize, &SignatureReport)> = sigs
        .iter()
        .enumerate()
        .filter(|(_, s)| s.subfilter.as_deref() != Some("ETSI.RFC3161"))
        .collect();
    let min = policy.params.min_signatures as usize;
    if signed.len() < min {
        broke(
            Rule::IssuedSignatureCount,
            None,
            format!(
                "{} signatures; an issued document carries at least {min} (the competent person, the organisation, the number, day, month and year)",
                signed.len()
            ),
        );
    }
    let with_role = |role| signed.iter().filter(move |(_, s)| s.role == Some(role));
    let first_personal = with_role(Role::Personal).next().map(|(i, _)| *i);
    let any_organisation = with_role(Role::Organisation).next().is_some();
    if first_personal.is_none() || !any_organisation {
        let missing = match (first_personal, any_organisation) {
            (None, false) => "no personal and no organisation signature",
            (None, true) => "no personal signature (the competent person's)",
            _ => "no organisation signature (the organisation's seal)",
        };
        broke(Rule::IssuedPersonalAndOrganisation, None, missing.into());
    }
    if let Some(first) = first_personal {
        for (_, s) in with_role(Role::Organisation).filter(|(i, _)| *i < first) {
            broke(
                Rule::IssuedOrganisationAfterPersonal,
                Some(&s.field),
                "an organisation signature before the competent person's signature".into(),
            );
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for (_, s) in with_role(Role::Personal) {
        let Some(signer) = &s.signer else { continue };
        if seen.contains(&signer.sha256.as_str()) {
            broke(
                Rule::IssuedSealByOrganisation,
                Some(&s.field),
                format!(
                    "the personal certificate of \"{}\" signs again, where the organisation's seal belongs",
                    signer.subject
                ),
            );
        } else {
            seen.push(&signer.sha256);
        }
    }
    if let Some((last, s)) = with_role(Role::Organisation).next_back() {
        if let Some(why) = after_last_organisation(sigs, *last, signed_revisions, changes) {
            broke(Rule::IssuedLastOrganisationCovers, Some(&s.field), why);
        }
    }
    out
}

/// What follows the last organisation signature (index `last`) besides DSS and document
/// timestamp updates, if anything.
fn after_last_organisation(
    sigs: &[SignatureReport],
    last: usize,
    signed_revisions: &[usize],
    changes: &[RevisionDiff],
) -> Option<String> {
    if let Some(s) = sigs[last + 1..]
        .iter()
        .find(|s| s.subfilter.as_deref() != Some("ETSI.RFC3161"))
    {
        return Some(format!(
            "signature {} follows the last organisation signature",
            s.field
        ));
    }
    if sigs[last].modifications == Modifications::Forbidden {
        return Some("a change after the last organisation signature that is not permitted".into());
    }
    let revision = signed_revisions[last];
    changes
        .iter()
        .filter(|d| d.revision > revision)
        .flat_map(|d| d.changes.iter().map(move |c| (d.revision, c)))
        .find(|(_, c)| {
            !matches!(
                c.class,
                ChangeClass::Dss | ChangeClass::Signing | ChangeClass::Metadata
            )
        })
        .map(|(rev, c)| {
            format!(
                "revision {rev}, after the last organisation signature, changes more than DSS and document timestamps: {}",
                c.detail
            )
        })
}

/// Applies `findings` to a composed report: a FAIL naming a signature makes that signature
/// INDETERMINATE/SIG_CONSTRAINTS_FAILURE (unless it failed already), a FAIL about the whole
/// document makes it INDETERMINATE; a document that passed is then INDETERMINATE (its verdict
/// the worst of its signatures', ETSI EN 319 102-1, 5.1.3). Every finding is reported.
pub(crate) fn apply(report: &mut DocumentReport, findings: Vec<Finding>) {
    for f in findings.iter().filter(|f| f.level == Level::Fail) {
        match &f.signature {
            Some(field) => {
                let Some(s) = report.signatures.iter_mut().find(|s| &s.field == field) else {
                    continue;
                };
                fail_signature(s, f);
                if report.status == DocumentStatus::TotalPassed {
                    report.status = DocumentStatus::Indeterminate;
                    report.reason = Some(format!(
                        "signature {field}: {}",
                        s.sub_indication.map(|x| x.to_string()).unwrap_or_default()
                    ));
                }
            }
            None => fail_document(report, f),
        }
    }
    report.policy.findings.extend(findings);
}

/// A passed signature failing a policy rule (ETSI EN 319 102-1, 5.1.3).
fn fail_signature(s: &mut SignatureReport, f: &Finding) {
    if s.indication != Indication::TotalPassed {
        return;
    }
    let reason = Reason::Policy {
        rule: f.rule,
        detail: f.detail.clone(),
    };
    let sub = reason.sub_indication();
    s.indication = sub.indication();
    s.sub_indication = Some(sub);
    s.reason = Some(reason.to_string());
}

/// A passed document failing a policy rule about the whole document (or its dossier):
/// INDETERMINATE, with the rule as its reason.
pub(crate) fn fail_document(report: &mut DocumentReport, f: &Finding) {
    if report.status != DocumentStatus::TotalPassed {
        return;
    }
    let reason = Reason::Policy {
        rule: f.rule,
        detail: f.detail.clone(),
    };
    report.status = match reason.sub_indication().indication() {
        Indication::TotalFailed => DocumentStatus::TotalFailed,
        _ => DocumentStatus::Indeterminate,
    };
    report.reason = Some(reason.to_string());
}
