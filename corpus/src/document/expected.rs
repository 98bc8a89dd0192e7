//! The manifest line of a built document: what a correct verifier must say of each signature
//! and of the document.

use super::ltv::{DocTimestamp, DOC_TS_FIELD};
use super::shape::SigSpec;
use super::signing::Signed;
use super::{doc_name, Draft, Outcome};
use crate::keys::KeyKind;
use crate::manifest;
use crate::pki::{cert_path, Tsa};
use crate::time::{rfc3339, VALIDATION_TIME};
use crate::verdict::{DocumentStatus, Indication, Modifications, SubIndication};

/// The manifest line (without `bytes`/`sha256`, filled by the caller).
pub(super) fn document(
    d: &Draft<'_>,
    sigs: &[SigSpec<'_>],
    signed: &Signed,
    doc_ts: Option<&DocTimestamp>,
    outcome: Outcome,
    tsa: &Tsa,
) -> manifest::Document {
    let file_len = d.w.buf.len();
    // A truncated file keeps the signatures of the revisions its cut leaves whole.
    let whole_revisions = d.w.revision_ends.iter().filter(|&&e| e <= file_len).count();
    let mut signatures = Vec::new();
    for (n, s) in sigs.iter().enumerate() {
        if outcome.truncated && n + 2 > whole_revisions {
            break;
        }
        signatures.push(signature(n, s, signed, &outcome, file_len as u64, tsa));
    }
    if let Some(ts) = doc_ts.filter(|_| !outcome.truncated) {
        signatures.push(doc_timestamp(ts, tsa, file_len as u64));
    }
    let plan = d.plan;
    manifest::Document {
        name: doc_name(plan.index),
        bytes: 0,
        sha256: String::new(),
        status: status(&signatures, &outcome),
        case: plan.case.name().to_string(),
        reason: outcome.reason,
        validation_time: rfc3339(VALIDATION_TIME),
        xref: Some(d.w.style().name().to_string()),
        pages: d.shape.total_pages as u32,
        attachments: plan
            .attachments
            .iter()
            .copied()
            .filter(|&s| s > 0)
            .collect(),
        revisions: whole_revisions as u32,
        signatures,
        ltv: doc_ts.is_some(),
        dss: doc_ts.map(|ts| ts.dss.clone()),
        policy_fail: None,
        policy_inform: None,
        dossier: None,
        dossier_role: None,
    }
}

/// Signature `n`: its own expected verdict unless a tampered byte breaks its range;
/// `forbidden` after an attacking update, in a wrapped signature or a truncated file, else
/// `none` when it covers the whole file and `permitted` before later signatures; the findings
/// of the update after it and of its own damage.
fn signature(
    n: usize,
    s: &SigSpec<'_>,
    signed: &Signed,
    outcome: &Outcome,
    file_len: u64,
    tsa: &Tsa,
) -> manifest::Signature {
    let br = signed.byte_ranges[n];
    let mut expected = s.expected;
    if outcome.hash_broken_from.is_some_and(|from| n >= from) {
        expected = (Indication::TotalFailed, Some(SubIndication::HashFailure));
    }
    let covers_whole_file = br[2] + br[3] == file_len;
    // Unsigned bytes inside a wrapped signature's gap modify what its signer signed.
    let wrapped = outcome
        .damaged
        .is_some_and(|(d, k)| d == n && k == "signature_wrapping");
    let modifications = if outcome.forbidden_after || wrapped || outcome.truncated {
        Modifications::Forbidden
    } else if covers_whole_file {
        Modifications::None
    } else {
        Modifications::Permitted
    };
    let mut findings: Vec<String> = outcome
        .finding_after
        .iter()
        .map(|k| k.to_string())
        .collect();
    if let Some((_, kind)) = outcome.damaged.filter(|&(d, _)| d == n) {
        findings.push(kind.to_string());
    }
    findings.sort();
    findings.dedup();
    manifest::Signature {
        field: format!("Sig{}_{}", n + 1, s.role),
        subfilter: s.subfilter.name().to_string(),
        digest: s.digest.name().to_string(),
        key: s.signer.kind.to_string(),
        signer: s.signer.subject.clone(),
        byte_range: br,
        revision: n as u32 + 2,
        covers_whole_file,
        indication: expected.0,
        sub_indication: expected.1,
        modifications,
        timestamp: signed.timestamps[n].map(rfc3339),
        path: Some(cert_path(&s.signer.der, s.signer.issuer)),
        timestamp_signer: signed.timestamps[n].map(|_| tsa.token_signer()),
        findings,
        algorithm: None,
        integrity: None,
        warnings: Vec::new(),
        role: None,
    }
}

/// The document timestamp, listed like a signature (its signer the TSA).
fn doc_timestamp(ts: &DocTimestamp, tsa: &Tsa, file_len: u64) -> manifest::Signature {
    manifest::Signature {
        field: DOC_TS_FIELD.to_string(),
        subfilter: "ETSI.RFC3161".to_string(),
        digest: "sha256".to_string(),
        key: KeyKind::P256.to_string(),
        signer: tsa.subject.clone(),
        byte_range: ts.byte_range,
        revision: ts.revision,
        covers_whole_file: ts.byte_range[2] + ts.byte_range[3] == file_len,
        indication: if ts.tampered {
            Indication::TotalFailed
        } else {
            Indication::TotalPassed
        },
        sub_indication: ts.tampered.then_some(SubIndication::HashFailure),
        modifications: Modifications::None,
        timestamp: None,
        path: Some(tsa.token_signer().path),
        timestamp_signer: None,
        findings: Vec::new(),
        algorithm: None,
        integrity: None,
        warnings: Vec::new(),
        role: None,
    }
}

/// The document's status: `ERROR` when a cut leaves no signature, `TOTAL_FAILED` after an
/// attacking update or a cut, else the worst signature's.
fn status(signatures: &[manifest::Signature], outcome: &Outcome) -> DocumentStatus {
    if outcome.truncated && signatures.is_empty() {
        DocumentStatus::Error
    } else if outcome.forbidden_after || outcome.truncated {
        DocumentStatus::TotalFailed
    } else {
        signatures
            .iter()
            .map(|s| DocumentStatus::from(s.indication))
            .max()
            .unwrap_or(DocumentStatus::Error)
    }
}
