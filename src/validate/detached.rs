//! A detached CMS signature over a file that is not a PDF (an audit's signed HTML report or
//! manifest, `report.html.p7s` beside `report.html`): judged as a PDF's signatures are, with
//! the same checks, paths, revocation, time and policy (RFC 5652, 5.4 and 5.6; ETSI EN 319
//! 102-1, 5.3), its content the whole file.

use super::document::{signer_report, verdict_parts};
use super::signature::{self, Kind};
use super::{Caches, Context, Outcome, Reason, Shared};
use crate::cms;
use crate::digest::SignedRanges;
use crate::forensics::Modifications;
use crate::policy::{Finding, Role};
use crate::report::{DocumentReport, Integrity, Permissions, PolicyReport, SignatureReport};
use crate::revocation::Sources;
use crate::verdict::{DocumentStatus, Indication};

/// Verifies `signature` (DER CMS, detached) over `content`; the report is `name`'s.
pub(super) fn verify(
    name: &str,
    content: &[u8],
    signature: &[u8],
    ctx: &Context,
    caches: &Caches,
) -> DocumentReport {
    let mut sources = Sources::default();
    sources.extend_crls(&ctx.crls);
    for o in &ctx.ocsps {
        sources.add_ocsp(o);
    }
    let sh = Shared {
        data: content,
        ctx,
        caches,
        dss_certs: &[],
        base_sources: &sources,
    };
    let o = outcome(&sh, signature);
    let (indication, sub_indication, reason) = verdict_parts(&o);
    let field = "detached".to_string();
    let findings = o
        .policy
        .iter()
        .map(|(rule, level, detail)| Finding {
            rule: *rule,
            level: *level,
            signature: Some(field.clone()),
            detail: detail.clone(),
        })
        .collect();
    let report = SignatureReport {
        field,
        subfilter: None,
        byte_range: None,
        revision: 1,
        covers_whole_file: true,
        integrity: o.integrity,
        indication,
        sub_indication,
        reason: reason.clone(),
        signer: o.signer.as_ref().map(signer_report),
        role: o.signer.as_deref().map(Role::of),
        signing_time: o.claimed_time,
        timestamp: o.timestamp,
        revocation: o.revocation,
        chain: o.chain,
        modifications: Modifications::None,
        findings: Vec::new(),
        permissions: Permissions::default(),
        warnings: o.warnings,
        fetched: o.fetched,
        objects: o.objects,
    };
    let status = match indication {
        Indication::TotalPassed => DocumentStatus::TotalPassed,
        Indication::TotalFailed => DocumentStatus::TotalFailed,
        Indication::Indeterminate => DocumentStatus::Indeterminate,
    };
    let reason = sub_indication.map(|s| format!("signature detached: {s}"));
    DocumentReport {
        name: name.to_string(),
        bytes: content.len() as u64,
        status,
        error: None,
        reason,
        signatures: vec![report],
        findings: Vec::new(),
        policy: PolicyReport {
            name: ctx.policy.name.clone(),
            findings,
        },
        dossier: None,
        held: Vec::new(),
    }
}

/// The signature's outcome: the CMS read, the content hashed with its digest algorithm, then
/// validated as a detached PDF signature is.
fn outcome(sh: &Shared<'_>, signature: &[u8]) -> Outcome {
    let mut o = Outcome::new();
    let cms = match cms::parse(signature) {
        Ok(c) => c,
        Err(e) => {
            o.fail(Reason::Cms(e));
            return o;
        }
    };
    let algorithm = match signature::digest_algorithm(&cms, Kind::Detached) {
        Ok(a) => a,
        Err(reason) => {
            if matches!(reason, Reason::UnsupportedDigest(_)) {
                o.integrity = Integrity::Unsupported;
            }
            o.fail(reason);
            return o;
        }
    };
    let digest = algorithm.digest(sh.data);
    // The whole file is the signed content: a SignerInfo without signed attributes signs it
    // directly (RFC 5652, 5.4) and is checked over it, as a PDF's is over its ranges.
    let n = sh.data.len();
    let whole = SignedRanges { a: n, b: n, end: n };
    let mut o = signature::validate(
        sh,
        &cms,
        Kind::Detached,
        algorithm,
        Some(digest.as_ref()),
        Some(whole),
        None,
    );
    if cms.signer_infos.len() > 1 && o.verdict.is_none() {
        o.verdict = Some(Reason::SignerInfoCount(cms.signer_infos.len()));
    }
    if cms.content.is_some() && o.verdict.is_none() {
        o.verdict = Some(Reason::ContentInDetached);
    }
    o
}
