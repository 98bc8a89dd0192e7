//! One document: its signatures judged and its verdict composed (ETSI EN 319 102-1, 5.1.3:
//! the validation of each signature, and of the document as what its signatures and later
//! revisions make of it).

use std::sync::Arc;

use rayon::prelude::*;

use super::findings::{
    damage_finding, encryption_findings, orphan_findings, signature_findings, trailing_update,
};
use super::issued;
use super::signature::{self, Parsed};
use super::time::covered_by;
use super::{Caches, Context, Outcome, Shared};
use crate::asn1::hex;
use crate::cache::{BytesKey, FastMap};
use crate::digest::{self, RangeCheck, Request};
use crate::forensics::{self, ChangeFinding, Modifications, RevisionDiff};
use crate::memory::Allowance;
use crate::pdf::{self, Document, ObjectId, Signature};
use crate::pki::cert::Cert;
use crate::policy::{Finding, Role};
use crate::report::{
    DocumentReport, Integrity, Permissions, PolicyReport, SignatureReport, SignerReport,
};
use crate::revocation::{Crl, KnownBytes, KnownStream, Sources};
use crate::verdict::{DocumentStatus, Indication};

/// Verifies one document: reads it, analyses its revisions, judges every signature, composes
/// the document's verdict.
pub(super) fn verify(
    name: &str,
    data: &[u8],
    ctx: &Context,
    caches: &Caches,
    allowance: &Allowance<'_>,
) -> DocumentReport {
    let mut report = DocumentReport {
        name: name.to_string(),
        bytes: data.len() as u64,
        status: DocumentStatus::Error,
        error: None,
        reason: None,
        signatures: Vec::new(),
        findings: Vec::new(),
        policy: PolicyReport {
            name: ctx.policy.name.clone(),
            findings: Vec::new(),
        },
        dossier: None,
        held: Vec::new(),
    };
    let (doc, changes) = match read(data, allowance) {
        Ok(d) => d,
        Err(e) => {
            report.error = Some(e.to_string());
            return report;
        }
    };
    report.findings.extend(encryption_findings(&doc));
    let checks: Vec<RangeCheck> = doc
        .signatures
        .iter()
        .map(|s| digest::check(&doc, s))
        .collect();
    // Document security store material (ETSI EN 319 142-1, 5.4.2), decoded within one budget
    // over all of the document's DSS streams (`limits::MAX_DSS_DECODED`); a refused stream is
    // validation material the document does not get, which the revocation and path checks
    // then report as missing.
    let mut known = KnownStreams::default();
    let dss = doc
        .dss
        .as_ref()
        .map(|d| {
            pdf::dss_data_sparing(data, d, allowance, &mut |s, part| {
                known.spare(data, s, part, caches, allowance)
            })
        })
        .unwrap_or_default();
    let dss_certs: Vec<Cert> = dss
        .certs
        .iter()
        .filter_map(|b| caches.certificate(b))
        .collect();
    let base_sources = base_sources(&dss, &known, ctx, caches);
    let shared = Shared {
        data,
        ctx,
        caches,
        dss_certs: &dss_certs,
        base_sources: &base_sources,
    };
    let outcomes = judge_signatures(&shared, &doc, &checks);
    file_evidence(ctx, name, &outcomes);
    let mut signed_revisions = Vec::with_capacity(checks.len());
    for ((sig, check), mut o) in doc.signatures.iter().zip(&checks).zip(outcomes) {
        let (modifications, findings) = changes_after(&doc, &changes, sig, check);
        report
            .policy
            .findings
            .extend(
                std::mem::take(&mut o.policy)
                    .into_iter()
                    .map(|(rule, level, detail)| Finding {
                        rule,
                        level,
                        signature: Some(sig.field.clone()),
                        detail,
                    }),
            );
        signed_revisions.push(check.ends_revision.unwrap_or(sig.revision));
        report
            .signatures
            .push(signature_report(sig, check, o, modifications, findings));
    }
    compose(&mut report, &doc, data);
    let issued = issued::findings(&ctx.policy, &report.signatures, &signed_revisions, &changes);
    if ctx.dossier {
        report.held = issued;
    } else {
        issued::apply(&mut report, issued);
    }
    report
}

/// Records which evidence items the document's verdicts used (`--evidence`); a write that
/// fails is counted by the evidence directory and fails the run at its end.
fn file_evidence(ctx: &Context, name: &str, outcomes: &[Outcome]) {
    let Some(ev) = &ctx.evidence else {
        return;
    };
    let mut uses: Vec<String> = outcomes
        .iter()
        .flat_map(|o| o.evidence.iter().cloned())
        .collect();
    uses.sort();
    uses.dedup();
    ev.record(name, &uses);
}

/// The document and the classified changes of its revisions (analysed only when there is a
/// signature whose later changes matter).
fn read(
    data: &[u8],
    allowance: &Allowance<'_>,
) -> Result<(Document, Vec<RevisionDiff>), pdf::PdfError> {
    let mut reading = pdf::open(data, allowance)?;
    let changes = if reading.document().signatures.is_empty() {
        Vec::new()
    } else {
        forensics::analyse(&mut reading)
    };
    Ok((reading.into_document(), changes))
}

/// The document's DSS revocation data and the run's, parsed once per document; the DSS CRL
/// streams decoded here are remembered by their raw bytes for the documents after.
fn base_sources<'a>(
    dss: &'a pdf::DssData<'a>,
    known: &KnownStreams<'_>,
    ctx: &'a Context,
    caches: &Caches,
) -> Sources<'a> {
    let mut sources = Sources::default();
    known.remember_decoded(dss, caches);
    for (der, object) in dss.crls.iter().zip(&dss.crl_objects) {
        let fp = crate::pki::cert::fingerprint(der);
        sources.add_crl_known(fp, der, &caches.revocation);
        if let Some((key, filters, raw)) = known.missed(pdf::DssPart::Crls, *object) {
            let stream = KnownStream {
                filters: filters.clone(),
                raw: (*raw).into(),
                crl: fp,
                decoded: der.len() as u64,
            };
            caches.revocation.dss_streams.insert(*key, Arc::new(stream));
        }
    }
    for crl in &known.spared {
        sources.add_parsed(Arc::clone(crl));
    }
    sources.extend_crls(&ctx.crls);
    for o in &dss.ocsps {
        sources.add_ocsp(o);
    }
    for o in &ctx.ocsps {
        sources.add_ocsp(o);
    }
    sources
}

/// DSS streams recognised by their raw bytes (the filters and the stream's bytes as stored,
/// which decode deterministically, compared byte for byte with a stream decoded before), so
/// that the same CA CRL embedded in thousands of documents is inflated, hashed and parsed once
/// per run, not once per document, and the same CA certificate or OCSP response inflated once.
/// Finding the candidate costs a fast hash and the comparison a `memcmp` of the raw bytes: a
/// tenth of a SHA-256 pass over them.
#[derive(Default)]
struct KnownStreams<'d> {
    /// CRLs of streams seen before, taken from the caches.
    spared: Vec<Arc<Crl>>,
    /// Streams not seen before, by part and object: their keys, filters and raw bytes,
    /// remembered once decoded. A map: a DSS may list any number of streams, and each decoded
    /// one is looked up here once.
    missed: FastMap<(pdf::DssPart, ObjectId), Missed<'d>>,
}

/// A stream not seen before: its memo key, filters and stored bytes.
type Missed<'d> = (BytesKey, String, &'d [u8]);

impl<'d> KnownStreams<'d> {
    /// What to do with stream `s` of `part`: a CRL stream seen before is held (its CRL kept
    /// in `spared`), a certificate or OCSP stream seen before is given its decoded bytes; the
    /// decompression-bomb rule is applied to the recorded decoded size as if decoded. An
    /// unfiltered stream is borrowed from the file as it is: nothing to spare but the parse of
    /// a CRL.
    fn spare(
        &mut self,
        data: &'d [u8],
        s: &pdf::StreamLocation,
        part: pdf::DssPart,
        caches: &Caches,
        allowance: &Allowance<'_>,
    ) -> pdf::Spare {
        let Some(raw) = data.get(s.data.start..s.data.end) else {
            return pdf::Spare::Decode;
        };
        if part != pdf::DssPart::Crls && s.filters.is_empty() {
            return pdf::Spare::Decode;
        }
        let filters = s.filters.join("/");
        let key = caches.revocation.stream_key(&filters, raw);
        let bomb_check = |decoded: u64| {
            if !s.filters.is_empty() {
                let name = || format!("object {}", s.object.num);
                allowance.check_bomb(name, raw.len() as u64, decoded);
            }
        };
        if part == pdf::DssPart::Crls {
            if let Some((crl, decoded)) = caches.revocation.known_stream(&key, &filters, raw) {
                bomb_check(decoded);
                self.spared.push(crl);
                return pdf::Spare::Held;
            }
        } else if let Some(known) = caches.revocation.dss_objects.get(&key) {
            if let Some(decoded) = known.decoded(&filters, raw) {
                return pdf::Spare::Decoded(decoded.to_vec());
            }
        }
        self.missed.insert((part, s.object), (key, filters, raw));
        pdf::Spare::Decode
    }

    /// The stream of `part` not seen before whose object is `object`.
    fn missed(&self, part: pdf::DssPart, object: ObjectId) -> Option<&Missed<'d>> {
        self.missed.get(&(part, object))
    }

    /// Remembers the certificate and OCSP streams decoded for this document, for the
    /// documents after.
    fn remember_decoded(&self, dss: &pdf::DssData<'_>, caches: &Caches) {
        let parts = [
            (pdf::DssPart::Certs, &dss.certs, &dss.cert_objects),
            (pdf::DssPart::Ocsps, &dss.ocsps, &dss.ocsp_objects),
        ];
        for (part, decoded, objects) in parts {
            for (bytes, object) in decoded.iter().zip(objects) {
                if let Some((key, filters, raw)) = self.missed(part, *object) {
                    let known = KnownBytes {
                        filters: filters.clone(),
                        raw: (*raw).into(),
                        decoded: bytes.as_ref().into(),
                    };
                    caches.revocation.dss_objects.insert(*key, Arc::new(known));
                }
            }
        }
    }
}

/// Every signature's outcome, in the document's order. Phase 1 parses each CMS to learn how
/// its ranges are hashed; phase 2 hashes every range in one pass over the file; then the
/// document timestamps are judged first, in order (their times are proofs of existence for
/// what they cover), and every other signature in parallel (work stealing across the
/// signatures of one document as well as across documents).
fn judge_signatures(sh: &Shared<'_>, doc: &Document, checks: &[RangeCheck]) -> Vec<Outcome> {
    let parsed: Vec<Parsed<'_>> = doc
        .signatures
        .iter()
        .zip(checks)
        .map(|(sig, check)| {
            let contents = sig.contents.as_ref().map(|c| &c.bytes[..]);
            signature::parse(sig, check, contents, sh.data.len())
        })
        .collect();
    let digests = hash_all(sh.data, &parsed, checks);
    let judge = |i: usize, p: Parsed<'_>, doc_ts_poe: &[(usize, i64)]| -> Outcome {
        let (sig, check) = (&doc.signatures[i], &checks[i]);
        let covered = covered_by(check.signed_end, doc_ts_poe);
        match p {
            Parsed::Decided(o) => *o,
            Parsed::RawRsa(value) => signature::raw_rsa(sh, sig, &value, check.ranges, covered),
            Parsed::Cms {
                cms,
                algorithm,
                kind,
            } => {
                let digest = digests[i].as_deref();
                let mut o =
                    signature::validate(sh, &cms, kind, algorithm, digest, check.ranges, covered);
                signature::format_rules(&mut o, &cms, kind, check);
                o
            }
        }
    };
    let mut outcomes: Vec<Option<Outcome>> = (0..parsed.len()).map(|_| None).collect();
    let mut doc_ts_poe: Vec<(usize, i64)> = Vec::new(); // (signed end, genTime)
    let mut rest = Vec::new();
    for (i, p) in parsed.into_iter().enumerate() {
        if !p.is_document_timestamp() {
            rest.push((i, p));
            continue;
        }
        let o = judge(i, p, &doc_ts_poe);
        if o.verdict.is_none() {
            if let (Some(end), Some(t)) = (checks[i].signed_end, o.timestamp_time) {
                doc_ts_poe.push((end, t));
            }
        }
        outcomes[i] = Some(o);
    }
    let judged: Vec<(usize, Outcome)> = rest
        .into_par_iter()
        .map(|(i, p)| (i, judge(i, p, &doc_ts_poe)))
        .collect();
    for (i, o) in judged {
        outcomes[i] = Some(o);
    }
    outcomes.into_iter().flatten().collect()
}

/// One pass over the file for every signature's digest (pillar 3: digest states cloned at
/// each signature boundary). `None` for a signature that is not hashed.
fn hash_all(data: &[u8], parsed: &[Parsed<'_>], checks: &[RangeCheck]) -> Vec<Option<Vec<u8>>> {
    let mut requests = Vec::new();
    let mut request_of = vec![None; parsed.len()];
    for (i, p) in parsed.iter().enumerate() {
        if let (Parsed::Cms { algorithm, .. }, Some(ranges)) = (p, checks[i].ranges) {
            request_of[i] = Some(requests.len());
            requests.push(Request {
                algorithm: *algorithm,
                ranges,
            });
        }
    }
    let (digests, _) = digest::one_pass(data, &requests);
    request_of
        .into_iter()
        .map(|r| r.map(|r| digests[r].as_ref().to_vec()))
        .collect()
}

/// The changes after a signature's revision, judged against its permissions, and the attacks
/// on its own dictionary.
fn changes_after(
    doc: &Document,
    changes: &[RevisionDiff],
    sig: &Signature,
    check: &RangeCheck,
) -> (Modifications, Vec<ChangeFinding>) {
    let signed_rev = check.ends_revision.unwrap_or(sig.revision);
    let (mut modifications, mut findings) = forensics::evaluate(doc, changes, signed_rev);
    if check.covers_whole_file {
        modifications = Modifications::None;
    }
    findings.extend(signature_findings(sig, check));
    // Unsigned bytes inside the signature dictionary are a modification of what the signer
    // signed, whatever follows the revision.
    if findings
        .iter()
        .any(|f| f.kind == forensics::FindingKind::SignatureWrapping)
    {
        modifications = Modifications::Forbidden;
    }
    (modifications, findings)
}

/// A signature's outcome in the report's terms.
fn signature_report(
    sig: &Signature,
    check: &RangeCheck,
    o: Outcome,
    modifications: Modifications,
    findings: Vec<ChangeFinding>,
) -> SignatureReport {
    let (indication, sub_indication, reason) = verdict_parts(&o);
    SignatureReport {
        field: sig.field.clone(),
        subfilter: sig.sub_filter.clone(),
        byte_range: sig.byte_range.clone(),
        revision: sig.revision,
        covers_whole_file: check.covers_whole_file,
        integrity: o.integrity,
        indication,
        sub_indication,
        reason,
        signer: o.signer.as_ref().map(signer_report),
        role: o.signer.as_deref().map(Role::of),
        signing_time: o.claimed_time.or_else(|| sig.m.clone()),
        warnings: o.warnings,
        fetched: o.fetched,
        objects: o.objects,
        timestamp: o.timestamp,
        revocation: o.revocation,
        chain: o.chain,
        modifications,
        findings,
        permissions: permissions(sig),
    }
}

/// The indication, sub-indication and reason of an outcome (ETSI EN 319 102-1, 5.1.3).
pub(super) fn verdict_parts(
    o: &Outcome,
) -> (
    Indication,
    Option<crate::verdict::SubIndication>,
    Option<String>,
) {
    match &o.verdict {
        None => (Indication::TotalPassed, None, None),
        Some(r) => {
            let s = r.sub_indication();
            (s.indication(), Some(s), Some(r.to_string()))
        }
    }
}

/// The signer certificate as reports show it.
pub(super) fn signer_report(c: &Cert) -> SignerReport {
    SignerReport {
        subject: c.subject.clone(),
        issuer: c.issuer.clone(),
        serial: c.serial_hex(),
        sha256: hex(&c.sha256),
        key: c.key.describe(),
        ids: c.subject_uids.clone(),
    }
}

/// What a signature's `/Reference` transforms (and its field's `/Lock`) declare.
fn permissions(sig: &Signature) -> Permissions {
    let by = |m: &str| sig.references.iter().find(|r| r.method == m);
    let lock = |action: &Option<String>, fields: &Vec<String>| {
        (
            action.clone().unwrap_or_else(|| "All".into()),
            fields.clone(),
        )
    };
    Permissions {
        certification: sig
            .certification
            .then(|| by("DocMDP").and_then(|r| r.p).unwrap_or(2)),
        field_lock: by("FieldMDP")
            .map(|r| lock(&r.action, &r.fields))
            .or_else(|| sig.lock.as_ref().map(|l| lock(&l.action, &l.fields))),
        usage_rights: by("UR3").or_else(|| by("UR")).map(|r| r.method.clone()),
    }
}

/// The document's verdict from its signatures' verdicts and what follows them. Signed bytes
/// that verify followed by what no cross-reference chain reads (a table that is unusable, or
/// an update cut short without `%%EOF`) are a change after signing: a lenient reader rebuilds
/// the structure from the objects it finds, a strict one refuses the file, and either way the
/// signed revision is not what is shown.
fn compose(report: &mut DocumentReport, doc: &Document, data: &[u8]) {
    let cut_off = trailing_update(doc, data);
    let intact = report
        .signatures
        .iter()
        .any(|s| s.integrity == Integrity::Ok);
    if (doc.recovered || cut_off) && intact {
        let finding = damage_finding(doc, cut_off);
        for s in report
            .signatures
            .iter_mut()
            .filter(|s| !s.covers_whole_file)
        {
            s.modifications = Modifications::Forbidden;
            if !s.findings.iter().any(|f| f.kind == finding.kind) {
                s.findings.push(finding.clone()); // after what the change analysis named
            }
        }
    }
    for s in &report.signatures {
        for f in &s.findings {
            if !report.findings.contains(f) {
                report.findings.push(f.clone());
            }
        }
    }
    report.findings.extend(orphan_findings(doc));
    let (status, error, reason) = status(report, doc, cut_off);
    report.status = status;
    report.error = error;
    report.reason = reason;
}

/// The document's status, and its error or reason.
fn status(
    report: &DocumentReport,
    doc: &Document,
    cut_off: bool,
) -> (DocumentStatus, Option<String>, Option<String>) {
    if report.signatures.is_empty() && (doc.recovered || cut_off) {
        // No signature is located in what can be read: the file is damaged, not unsigned.
        let error = if cut_off {
            "the file ends with an incomplete incremental update (truncated or damaged)"
        } else {
            "the cross-reference data is unusable; the file is damaged"
        };
        return (DocumentStatus::Error, Some(error.into()), None);
    }
    let Some(worst) = report
        .signatures
        .iter()
        .enumerate()
        .max_by_key(|(i, s)| (s.indication, std::cmp::Reverse(*i)))
        .map(|(_, s)| s)
    else {
        let reason = "the document carries no signature".to_string();
        return (DocumentStatus::Indeterminate, None, Some(reason));
    };
    let changed = report
        .signatures
        .iter()
        .filter(|s| s.modifications == Modifications::Forbidden)
        .find_map(|s| s.findings.first());
    if let Some(f) = changed {
        return (DocumentStatus::TotalFailed, None, Some(changed_reason(f)));
    }
    let reason = (worst.indication != Indication::TotalPassed).then(|| {
        format!(
            "signature {}: {}",
            worst.field,
            worst.sub_indication.map_or("", |s| s.as_str())
        )
    });
    (DocumentStatus::from(worst.indication), None, reason)
}

/// "changed after signing: …", naming the finding, its revision and up to four objects.
fn changed_reason(f: &ChangeFinding) -> String {
    let objects = if f.objects.is_empty() {
        String::new()
    } else {
        let listed: Vec<String> = f.objects.iter().take(4).map(u32::to_string).collect();
        format!(" (object {})", listed.join(", "))
    };
    format!(
        "changed after signing: {} in revision {}{objects}: {}",
        f.kind.as_str(),
        f.revision,
        f.detail
    )
}
