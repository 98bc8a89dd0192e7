//! Dossiers (`--dossier`): each directory, or archive folder, holds one document set — the
//! main document and its appendices — judged together by the policy's `dossier.*` rules.
//!
//! Decree 30/2020/NĐ-CP, Appendix I (as summarised; the text was not available to confirm
//! the clause): an appendix filed as a separate file carries the organisation's signature, the
//! same organisation as the main document's. The writer receives lines in input order, and
//! the walk lists a directory's files together, so a dossier's lines arrive together: they are
//! held until the next dossier starts (memory: one dossier's reports).

use std::path::Path;

use super::Line;
use crate::policy::{organisation_id, Finding, Level, Policy, Role, Rule};
use crate::report::{DocumentReport, DossierReport};
use crate::validate::{apply_issued, fail_document};

/// The lines of the dossier being read.
#[derive(Default)]
pub(super) struct Dossiers {
    key: Option<(String, String)>,
    held: Vec<Line>,
}

/// The dossier a line belongs to: its input and the folder holding it.
fn key(line: &Line) -> (String, String) {
    let name = &line.report.name;
    let folder = Path::new(name)
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    (line.input.clone(), folder)
}

impl Dossiers {
    /// Takes the next line (input order); returns the lines of a dossier that is complete.
    pub(super) fn push(&mut self, line: Line, policy: &Policy) -> Vec<Line> {
        let k = key(&line);
        let done = if self.key.as_ref() != Some(&k) {
            self.key = Some(k);
            self.finish(policy)
        } else {
            Vec::new()
        };
        self.held.push(line);
        done
    }

    /// The held dossier's lines, judged.
    pub(super) fn finish(&mut self, policy: &Policy) -> Vec<Line> {
        let mut lines = std::mem::take(&mut self.held);
        judge(&mut lines, policy);
        lines
    }
}

/// Whose organisation signs `report` last, if an organisation signs it.
fn last_organisation(report: &DocumentReport) -> Option<String> {
    report
        .signatures
        .iter()
        .rev()
        .filter(|s| s.role == Some(Role::Organisation))
        .find_map(|s| s.signer.as_ref())
        .map(|signer| organisation_id(&signer.ids, &signer.subject))
}

/// The main document: the first carrying a personal signature (the competent person's), else
/// the first with the most signatures.
fn main_document(lines: &[Line]) -> usize {
    let personal = |l: &Line| {
        l.report
            .signatures
            .iter()
            .any(|s| s.role == Some(Role::Personal))
    };
    lines.iter().position(personal).unwrap_or_else(|| {
        let most = lines
            .iter()
            .map(|l| l.report.signatures.len())
            .max()
            .unwrap_or(0);
        lines
            .iter()
            .position(|l| l.report.signatures.len() == most)
            .unwrap_or(0)
    })
}

/// Marks each line's place in the dossier and applies `dossier.appendix-organisation`.
fn judge(lines: &mut [Line], policy: &Policy) {
    if lines.is_empty() {
        return;
    }
    let name = key(&lines[0]).1;
    let main = main_document(lines);
    let main_org = last_organisation(&lines[main].report);
    let level = policy.level(Rule::DossierAppendixOrganisation);
    for (i, line) in lines.iter_mut().enumerate() {
        let report = &mut line.report;
        report.dossier = Some(DossierReport {
            name: name.clone(),
            role: if i == main { "main" } else { "appendix" },
        });
        let held = std::mem::take(&mut report.held);
        if i == main {
            apply_issued(report, held);
            continue;
        }
        if level == Level::Ignore {
            continue;
        }
        let Some(detail) = appendix_fault(report, main_org.as_deref()) else {
            continue;
        };
        let finding = Finding {
            rule: Rule::DossierAppendixOrganisation,
            level,
            signature: None,
            detail,
        };
        if level == Level::Fail {
            fail_document(report, &finding);
        }
        report.policy.findings.push(finding);
    }
}

/// Why an appendix does not carry the main document's organisation signature, if it does not.
fn appendix_fault(report: &DocumentReport, main_org: Option<&str>) -> Option<String> {
    let orgs: Vec<String> = report
        .signatures
        .iter()
        .filter(|s| s.role == Some(Role::Organisation))
        .filter_map(|s| s.signer.as_ref())
        .map(|signer| organisation_id(&signer.ids, &signer.subject))
        .collect();
    let Some(main_org) = main_org else {
        return Some("the dossier's main document carries no organisation signature".into());
    };
    if orgs.iter().any(|o| o == main_org) {
        return None;
    }
    Some(match (report.signatures.is_empty(), orgs.first()) {
        (true, _) => format!("the appendix carries no signature; it must carry {main_org}'s"),
        (false, None) => {
            format!("the appendix carries no organisation signature; it must carry {main_org}'s")
        }
        (false, Some(other)) => {
            format!("the appendix is signed by organisation {other}, not by the main document's {main_org}")
        }
    })
}
