//! Verification of one document: every signature from its bytes to an ETSI EN 319 102-1
//! verdict, and the document's verdict.
//!
//! Per document: read the signatures (lazy reader), parse each CMS to learn its digest
//! algorithm, hash every signed range in one pass, then validate each signature — integrity,
//! signer identification, certificate path, validity and revocation at the time that applies,
//! algorithm constraints — and finally combine the signatures with what later revisions
//! change. The validation time is an input ([`Context::at`]); nothing here reads the clock.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::memory::Allowance;

use crate::asn1;
use crate::cms::{self, hex, oid, SignedData, SignerId, SignerInfo};
use crate::crypto::{self, oid as alg, DigestAlgorithm, Verified, VerifyError};
use crate::digest::{self, Request};
use crate::pdf::{self, Document, Signature, SignatureType};
use crate::pki::cert::Cert;
use crate::pki::{build_path, PathOutcome, TrustStore};
use crate::report::{
    DocumentReport, Integrity, RevocationReport, SignatureReport, SignerReport, TimestampReport,
};
use crate::revocation::{self, Sources, Status};
use crate::validate::Caches;
use crate::verdict::{DocumentStatus, Indication, Modifications, SubIndication};

/// The validation policy's graded constraints.
#[derive(Clone, Debug)]
pub struct Policy {
    /// SHA-1 digests are acceptable for signatures proven to exist before this instant
    /// (ETSI TS 119 312 and SOG-IS retire SHA-1 for signatures; default 2016-01-01).
    pub sha1_until: i64,
    /// RSA keys shorter than 2048 bits are acceptable for signatures proven to exist before
    /// this instant (default 2014-01-01, when NIST SP 800-131A disallowed them).
    pub small_rsa_until: i64,
    /// Whether a signer certificate without usable revocation data is INDETERMINATE/TRY_LATER
    /// (true) or accepted and reported as `unknown` (false).
    pub require_revocation: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            sha1_until: 1_451_606_400,      // 2016-01-01T00:00:00Z
            small_rsa_until: 1_388_534_400, // 2014-01-01T00:00:00Z
            require_revocation: true,
        }
    }
}

/// Everything a run verifies against.
pub struct Context {
    /// Trust anchors and `--certs` intermediates.
    pub store: TrustStore,
    /// CRLs given with `--crl`, parsed once.
    pub crls: Vec<std::sync::Arc<revocation::Crl>>,
    /// OCSP responses given with `--ocsp`.
    pub ocsps: Vec<Vec<u8>>,
    /// The validation time, seconds since the epoch.
    pub at: i64,
    /// The policy.
    pub policy: Policy,
}

/// RFC 3339 form of an instant (UTC, seconds).
pub fn rfc3339(t: i64) -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("@{t}"))
}

/// Parses an RFC 3339 instant such as `2026-07-01T00:00:00Z` or `…+07:00`.
pub fn parse_rfc3339(s: &str) -> Result<i64, String> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("{s:?} is not an RFC 3339 time: {e}"))?;
    Ok(t.unix_timestamp())
}

/// A signature's outcome while it is being decided.
struct Outcome {
    integrity: Integrity,
    verdict: Option<(SubIndication, String)>,
    signer: Option<Cert>,
    timestamp: Option<TimestampReport>,
    /// The genTime of `timestamp` when it verified.
    timestamp_time: Option<i64>,
    revocation: RevocationReport,
    chain: Vec<String>,
    claimed_time: Option<String>,
    /// Defects that did not stop the signature verifying (a key or value that was not DER, an
    /// algorithm pairing its profile forbids).
    warnings: Vec<String>,
    /// The hash the signature scheme binds the signed attributes with, once it verified.
    scheme_hash: Option<DigestAlgorithm>,
}

impl Outcome {
    fn new() -> Self {
        Outcome {
            integrity: Integrity::Malformed,
            verdict: None,
            signer: None,
            timestamp: None,
            timestamp_time: None,
            revocation: RevocationReport::NotChecked,
            chain: Vec::new(),
            claimed_time: None,
            warnings: Vec::new(),
            scheme_hash: None,
        }
    }

    fn fail(&mut self, s: SubIndication, reason: impl Into<String>) -> &mut Self {
        if self.verdict.is_none() {
            self.verdict = Some((s, reason.into()));
        }
        self
    }
}

/// What phase 1 learnt about a signature: how its bytes must be hashed.
enum Parsed<'a> {
    /// The CMS parsed; the ranges are hashed with `algorithm`.
    Cms {
        cms: SignedData<'a>,
        algorithm: DigestAlgorithm,
        kind: Kind,
    },
    /// `adbe.x509.rsa_sha1`: a bare PKCS#1 v1.5 signature value, certificates in `/Cert`.
    RawRsa(Vec<u8>),
    /// Decided already (malformed, unsupported).
    Decided(Outcome),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `adbe.pkcs7.detached`, `ETSI.CAdES.detached`: the ranges' digest is the content digest.
    Detached,
    /// `adbe.pkcs7.sha1`: the SHA-1 of the ranges is the encapsulated content.
    Sha1Embedded,
    /// `ETSI.RFC3161`: the token's imprint is the ranges' digest.
    DocTimestamp,
}

/// Verifies one document.
pub fn verify_document(name: &str, data: &[u8], ctx: &Context, caches: &Caches) -> DocumentReport {
    verify_document_with(name, data, ctx, caches, &crate::memory::UNLIMITED)
}

/// [`verify_document`], with the document's decoded streams drawn from `allowance`; the
/// decompression bombs recorded there are reported as findings.
pub fn verify_document_with(
    name: &str,
    data: &[u8],
    ctx: &Context,
    caches: &Caches,
    allowance: &Allowance<'_>,
) -> DocumentReport {
    let mut report = judge_document(name, data, ctx, caches, allowance);
    report.findings.extend(bomb_findings(allowance));
    report
}

/// The decompression bombs `allowance` met, as report findings.
pub fn bomb_findings(allowance: &Allowance<'_>) -> Vec<pdf::ChangeFinding> {
    allowance
        .bombs()
        .into_iter()
        .map(|b| pdf::ChangeFinding {
            kind: pdf::FindingKind::CompressionBomb,
            revision: 0,
            objects: Vec::new(),
            detail: format!(
                "{} inflates from {} to {} bytes ({}:1)",
                b.what,
                b.compressed,
                b.inflated,
                b.inflated / b.compressed.max(1)
            ),
        })
        .collect()
}

/// What the reader found about the document's encryption, as report findings: names and
/// strings that could not be decrypted, and a `/Perms` that contradicts `/P`.
fn encryption_findings(doc: &Document) -> Vec<pdf::ChangeFinding> {
    let finding = |kind, detail| pdf::ChangeFinding {
        kind,
        revision: 0,
        objects: Vec::new(),
        detail,
    };
    doc.findings
        .iter()
        .filter_map(|f| match f {
            pdf::Finding::Encrypted {
                handler,
                decrypted: false,
                reason,
            } => Some(finding(
                pdf::FindingKind::EncryptedStrings,
                format!(
                    "the document is encrypted (security handler {}) and cannot be decrypted: \
                     {}; field names and other strings are encrypted and shown as {}; \
                     /ByteRange and /Contents are not encrypted, so signatures are verified",
                    match handler.as_str() {
                        "" => "unnamed".to_string(),
                        h => format!("/{h}"),
                    },
                    reason.as_deref().unwrap_or("no reason given"),
                    pdf::ENCRYPTED_TEXT
                ),
            )),
            pdf::Finding::EncryptPermsMismatch { reason } => Some(finding(
                pdf::FindingKind::EncryptPermsMismatch,
                reason.clone(),
            )),
            _ => None,
        })
        .collect()
}

fn judge_document(
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
    };
    let doc = match pdf::read_with(data, allowance) {
        Ok(d) => d,
        Err(e) => {
            report.error = Some(e.to_string());
            return report;
        }
    };
    report.findings.extend(encryption_findings(&doc));
    let checks: Vec<digest::RangeCheck> = doc
        .signatures
        .iter()
        .map(|s| digest::check(&doc, s))
        .collect();

    // Phase 1: parse each CMS to learn how its ranges are hashed.
    let mut parsed: Vec<Parsed<'_>> = Vec::with_capacity(doc.signatures.len());
    for (i, sig) in doc.signatures.iter().enumerate() {
        let contents = sig.contents.as_ref().map(|c| &c.bytes[..]);
        parsed.push(parse_signature(sig, &checks[i], contents, data.len()));
    }

    // Phase 2: one pass over the file for every signature's digest.
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

    // Document security store material (ETSI EN 319 142-1, 5.4.2).
    // Decoded within one budget over all of the document's DSS streams
    // (`limits::MAX_DSS_DECODED`); a refused stream is validation material the document does
    // not get, which the revocation and path checks then report as missing.
    let mut dss_certs: Vec<Cert> = Vec::new();
    let mut dss_crls: Vec<Cow<'_, [u8]>> = Vec::new();
    let mut dss_ocsps: Vec<Cow<'_, [u8]>> = Vec::new();
    if let Some(dss) = &doc.dss {
        let d = pdf::dss_data_with(data, dss, allowance);
        dss_certs.extend(d.certs.iter().filter_map(|b| caches.certificate(b)));
        dss_crls = d.crls;
        dss_ocsps = d.ocsps;
    }

    let mut base_sources = Sources::default();
    for c in &dss_crls {
        base_sources.add_crl(c, &caches.revocation);
    }
    base_sources.crls.extend(ctx.crls.iter().cloned());
    for o in &dss_ocsps {
        base_sources.add_ocsp(o);
    }
    for o in &ctx.ocsps {
        base_sources.add_ocsp(o);
    }

    // Document timestamps first: their times are proofs of existence for what they cover.
    let mut outcomes: Vec<Option<Outcome>> = (0..parsed.len()).map(|_| None).collect();
    let mut doc_ts_poe: Vec<(usize, i64)> = Vec::new(); // (signed end, genTime)
    let shared = Shared {
        data,
        ctx,
        caches,
        dss_certs: &dss_certs,
        base_sources: &base_sources,
    };
    let order: Vec<usize> = {
        let mut o: Vec<usize> = (0..parsed.len()).collect();
        o.sort_by_key(|&i| {
            !matches!(
                &parsed[i],
                Parsed::Cms {
                    kind: Kind::DocTimestamp,
                    ..
                }
            )
        });
        o
    };
    let mut parsed: Vec<Option<Parsed<'_>>> = parsed.into_iter().map(Some).collect();
    // Judges signature `i` given the document timestamps' proofs of existence so far.
    let judge = |i: usize, p: Parsed<'_>, doc_ts_poe: &[(usize, i64)]| -> Outcome {
        let digest = request_of[i].map(|r| digests[r].as_ref().to_vec());
        let sig = &doc.signatures[i];
        let covered_poe = checks[i].signed_end.and_then(|end| {
            doc_ts_poe
                .iter()
                .filter(|(ts_end, _)| *ts_end > end)
                .map(|&(_, t)| t)
                .min()
        });
        match p {
            Parsed::Decided(o) => o,
            Parsed::RawRsa(value) => raw_rsa(&shared, sig, &value, checks[i].ranges, covered_poe),
            Parsed::Cms {
                cms,
                algorithm,
                kind,
            } => {
                let mut o = validate(
                    &shared,
                    &cms,
                    kind,
                    algorithm,
                    digest.as_deref(),
                    checks[i].ranges,
                    covered_poe,
                );
                // ISO 32000-2, 12.8.3.3.1: "only a single signer shall be present" (one
                // SignerInfo). The first is judged; the verdict is a format failure.
                if cms.signer_infos.len() > 1
                    && o.verdict
                        .as_ref()
                        .is_none_or(|(s, _)| s.indication() != Indication::TotalFailed)
                {
                    o.verdict = Some((
                        SubIndication::FormatFailure,
                        format!(
                            "{} SignerInfos; a PDF signature has exactly one",
                            cms.signer_infos.len()
                        ),
                    ));
                }
                // ETSI EN 319 142-1, 6.3 (and ISO 32000-2, 12.8.3.3.1): a detached signature's
                // eContent is absent. Integrity was still checked over what was signed.
                if kind == Kind::Detached
                    && cms.content.is_some()
                    && o.verdict
                        .as_ref()
                        .is_none_or(|(s, _)| s.indication() != Indication::TotalFailed)
                {
                    o.verdict = Some((
                        SubIndication::FormatFailure,
                        "encapsulated content in a detached signature".into(),
                    ));
                }
                // A well-formed range that is not the standard one (§12.8.1: the gap is exactly
                // the /Contents string, held once): the bytes are checked, the format fails.
                if !checks[i].problems.is_empty()
                    && o.verdict
                        .as_ref()
                        .is_none_or(|(s, _)| s.indication() != Indication::TotalFailed)
                {
                    let problems: Vec<String> = checks[i]
                        .problems
                        .iter()
                        .map(|p| format!("{p:?}"))
                        .collect();
                    o.verdict = Some((
                        SubIndication::FormatFailure,
                        format!("non-standard /ByteRange: {}", problems.join(", ")),
                    ));
                }
                o
            }
        }
    };
    // Document timestamps first, in order: their times are proofs of existence for what
    // they cover. Then every other signature, in parallel (work stealing across the
    // signatures of one document as well as across documents).
    let mut rest = Vec::new();
    for i in order {
        let p = parsed[i].take().expect("each signature once");
        if matches!(
            p,
            Parsed::Cms {
                kind: Kind::DocTimestamp,
                ..
            }
        ) {
            let o = judge(i, p, &doc_ts_poe);
            if o.verdict.is_none() {
                if let (Some(end), Some(t)) = (checks[i].signed_end, o.poe_time()) {
                    doc_ts_poe.push((end, t));
                }
            }
            outcomes[i] = Some(o);
        } else {
            rest.push((i, p));
        }
    }
    let judged: Vec<(usize, Outcome)> = rest
        .into_par_iter()
        .map(|(i, p)| (i, judge(i, p, &doc_ts_poe)))
        .collect();
    for (i, o) in judged {
        outcomes[i] = Some(o);
    }

    // Changes after each signature: the revisions' diffs are classified once, when the file
    // is read; each signature judges those after its own revision against its permissions.
    for (i, sig) in doc.signatures.iter().enumerate() {
        let o = outcomes[i].take().expect("every signature decided");
        let check = &checks[i];
        let signed_rev = check.ends_revision.unwrap_or(sig.revision);
        let (mut modifications, mut findings) = pdf::evaluate(&doc, signed_rev);
        if check.covers_whole_file {
            modifications = Modifications::None;
        }
        findings.extend(signature_findings(sig, check));
        // Unsigned bytes inside the signature dictionary are a modification of what the
        // signer signed, whatever follows the revision.
        if findings
            .iter()
            .any(|f| f.kind == pdf::FindingKind::SignatureWrapping)
        {
            modifications = Modifications::Forbidden;
        }
        let (indication, sub_indication, reason) = match o.verdict {
            None => (Indication::TotalPassed, None, None),
            Some((s, r)) => (s.indication(), Some(s), Some(r)),
        };
        report.signatures.push(SignatureReport {
            field: sig.field.clone(),
            subfilter: sig.sub_filter.clone(),
            byte_range: sig.byte_range.clone(),
            revision: sig.revision,
            covers_whole_file: check.covers_whole_file,
            integrity: o.integrity,
            indication,
            sub_indication,
            reason,
            signer: o.signer.as_ref().map(|c| SignerReport {
                subject: c.subject.clone(),
                issuer: c.issuer.clone(),
                serial: c.serial_hex(),
                sha256: hex(&c.sha256),
                key: c.key.describe(),
            }),
            signing_time: o.claimed_time.or_else(|| sig.m.clone()),
            warnings: o.warnings,
            timestamp: o.timestamp,
            revocation: o.revocation,
            chain: o.chain,
            modifications,
            findings,
            permissions: permissions(sig),
        });
    }

    // The document's verdict. Signed bytes that verify followed by what no cross-reference
    // chain reads (a table that is unusable, or an update cut short without `%%EOF`) are a
    // change after signing: a lenient reader rebuilds the structure from the objects it finds,
    // a strict one refuses the file, and either way the signed revision is not what is shown.
    let cut_off = trailing_update(&doc, data);
    let intact = report
        .signatures
        .iter()
        .any(|s| s.integrity == Integrity::Ok);
    if (doc.recovered || cut_off) && intact {
        let finding = damage_finding(&doc, cut_off);
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
    report.findings.extend(orphan_findings(&doc));
    if report.signatures.is_empty() && (doc.recovered || cut_off) {
        // No signature is located in what can be read: the file is damaged, not unsigned.
        report.error = Some(if cut_off {
            "the file ends with an incomplete incremental update (truncated or damaged)".into()
        } else {
            "the cross-reference data is unusable; the file is damaged".into()
        });
        report.status = DocumentStatus::Error;
    } else if report.signatures.is_empty() {
        report.status = DocumentStatus::Indeterminate;
        report.reason = Some("the document carries no signature".into());
    } else {
        let worst = report
            .signatures
            .iter()
            .enumerate()
            .max_by_key(|(i, s)| (s.indication, std::cmp::Reverse(*i)))
            .map(|(_, s)| s)
            .expect("at least one signature");
        report.status = DocumentStatus::from(worst.indication);
        if worst.indication != Indication::TotalPassed {
            report.reason = Some(format!(
                "signature {}: {}",
                worst.field,
                worst.sub_indication.map_or("", |s| s.as_str())
            ));
        }
        let changed = report
            .signatures
            .iter()
            .filter(|s| s.modifications == Modifications::Forbidden)
            .find_map(|s| s.findings.first());
        if let Some(f) = changed {
            report.status = DocumentStatus::TotalFailed;
            let objects = if f.objects.is_empty() {
                String::new()
            } else {
                format!(
                    " (object {})",
                    f.objects
                        .iter()
                        .take(4)
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            report.reason = Some(format!(
                "changed after signing: {} in revision {}{objects}: {}",
                f.kind.as_str(),
                f.revision,
                f.detail
            ));
        }
    }
    report
}

/// What a signature's `/Reference` transforms (and its field's `/Lock`) declare.
fn permissions(sig: &Signature) -> crate::report::Permissions {
    let by = |m: &str| sig.references.iter().find(|r| r.method == m);
    crate::report::Permissions {
        certification: sig
            .certification
            .then(|| by("DocMDP").and_then(|r| r.p).unwrap_or(2)),
        field_lock: by("FieldMDP")
            .map(|r| {
                (
                    r.action.clone().unwrap_or_else(|| "All".into()),
                    r.fields.clone(),
                )
            })
            .or_else(|| {
                sig.lock.as_ref().map(|l| {
                    (
                        l.action.clone().unwrap_or_else(|| "All".into()),
                        l.fields.clone(),
                    )
                })
            }),
        usage_rights: by("UR3").or_else(|| by("UR")).map(|r| r.method.clone()),
    }
}

/// Attacks on a signature's own dictionary: a `/ByteRange` gap that holds more than the
/// `/Contents` string (signature wrapping), and a dictionary without usable `/Contents` or
/// `/ByteRange` (universal signature forgery).
fn signature_findings(sig: &Signature, check: &digest::RangeCheck) -> Vec<pdf::ChangeFinding> {
    use digest::RangeProblem as P;
    let mut out = Vec::new();
    let finding = |kind, detail: String| pdf::ChangeFinding {
        kind,
        revision: sig.revision,
        objects: sig.object.map(|o| vec![o.num]).unwrap_or_default(),
        detail,
    };
    if check
        .problems
        .iter()
        .any(|p| matches!(p, P::GapNotContents | P::DuplicateContents))
        || sig.contents_keys > 1
    {
        out.push(finding(
            pdf::FindingKind::SignatureWrapping,
            "the /ByteRange gap is not exactly the /Contents string: unsigned bytes sit in \
             the signature dictionary"
                .into(),
        ));
    }
    let no_contents = sig
        .contents
        .as_ref()
        .is_none_or(|c| c.bytes.is_empty() || c.bytes.iter().all(|&b| b == 0));
    let no_range = check
        .problems
        .iter()
        .any(|p| matches!(p, P::Missing | P::NotFourIntegers));
    if no_contents || no_range {
        out.push(finding(
            pdf::FindingKind::UniversalForgery,
            if no_contents {
                "the signature dictionary has no signature value (/Contents missing, empty \
                 or all zero)"
                    .into()
            } else {
                "the signature dictionary has no usable /ByteRange".into()
            },
        ));
    }
    out
}

/// Signature dictionaries no field or widget reaches, as report findings.
fn orphan_findings(doc: &Document) -> Vec<pdf::ChangeFinding> {
    doc.findings
        .iter()
        .filter_map(|f| {
            let (objects, detail) = match f {
                pdf::Finding::OrphanByteRange { offset } => (
                    Vec::new(),
                    format!("a /ByteRange at byte {offset} belongs to no signature field"),
                ),
                pdf::Finding::OrphanSignature { object, stream } => (
                    vec![*object],
                    format!(
                        "object {object}, in object stream {stream}, is a signature dictionary \
                         that no form field or page widget reaches"
                    ),
                ),
                _ => return None,
            };
            Some(pdf::ChangeFinding {
                kind: pdf::FindingKind::OrphanSignature,
                revision: 0,
                objects,
                detail,
            })
        })
        .collect()
}

/// The finding a damaged end of file makes: an update cut short (no `%%EOF`), or
/// cross-reference data that only a lenient reader gets past.
fn damage_finding(doc: &Document, cut_off: bool) -> pdf::ChangeFinding {
    let scan_reason = doc.findings.iter().find_map(|f| match f {
        pdf::Finding::FallbackScan { reason } => Some(reason.clone()),
        _ => None,
    });
    let detail = match (cut_off, scan_reason) {
        (true, _) => "the file ends inside an incremental update (no %%EOF after it): its \
                      objects exist only as a lenient reader rebuilds them"
            .to_string(),
        (false, Some(reason)) => format!(
            "the cross-reference data is unusable ({reason}); the structure after the signed \
             revision exists only as a lenient reader rebuilds it"
        ),
        (false, None) => "the cross-reference chain is broken; the structure is rebuilt by \
                          scanning"
            .to_string(),
    };
    pdf::ChangeFinding {
        kind: if cut_off {
            pdf::FindingKind::UnreachableUpdate
        } else {
            pdf::FindingKind::XrefDifferential
        },
        revision: doc.revisions.len() + usize::from(cut_off),
        objects: Vec::new(),
        detail,
    }
}

/// Whether the last non-white bytes of `data` are `%%EOF` (§7.5.5).
fn ends_with_eof(data: &[u8]) -> bool {
    data.iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .is_some_and(|p| data[..=p].ends_with(b"%%EOF"))
}

/// Whether the file was cut off inside an incremental update: bytes after the last revision
/// hold object syntax but do not end with an `%%EOF` marker (an appended update that does
/// is an attack, reported by the change analysis).
fn trailing_update(doc: &Document, data: &[u8]) -> bool {
    doc.findings.iter().any(|f| match f {
        pdf::Finding::TrailingBytes { offset, .. } => {
            let tail = data.get(*offset..).unwrap_or_default();
            !ends_with_eof(tail)
                && [&b"obj"[..], b"xref", b"trailer"]
                    .iter()
                    .any(|kw| memchr::memmem::find(tail, kw).is_some())
        }
        _ => false,
    })
}

struct Shared<'a> {
    data: &'a [u8],
    ctx: &'a Context,
    caches: &'a Caches,
    dss_certs: &'a [Cert],
    /// The document's DSS and the run's revocation data, parsed once per document.
    base_sources: &'a Sources<'a>,
}

impl Outcome {
    /// For a document timestamp that passed: its genTime.
    fn poe_time(&self) -> Option<i64> {
        self.timestamp_time
    }
}

fn parse_signature<'a>(
    sig: &Signature,
    check: &digest::RangeCheck,
    contents: Option<&'a [u8]>,
    file_len: usize,
) -> Parsed<'a> {
    use digest::RangeProblem as P;
    let mut o = Outcome::new();
    if check.ranges.is_none() {
        // `[0 a b c]` whose only fault is to reach past the end, and whose gap is exactly
        // this signature's `/Contents` string as the file holds it: the range was made for
        // this signature, and the bytes around it have changed since.
        let contents_len = sig.contents.as_ref().map(|c| c.span.end - c.span.start);
        let past_the_end = check.problems == [P::OutOfBounds]
            && matches!(sig.byte_range.as_deref(), Some(&[0, a, b, c])
                if 0 < a && a < b && c >= 0 && usize::try_from(b - a).ok() == contents_len);
        if past_the_end {
            // The signature covers bytes this file no longer has: whatever was signed, this
            // file is not it (a copy cut short, or rewritten after signing).
            o.integrity = Integrity::HashMismatch;
            o.fail(
                SubIndication::HashFailure,
                format!(
                    "the /ByteRange {:?} reaches past the end of the file ({file_len} bytes): the \
                     bytes it signed are no longer all in this file (cut short or rewritten \
                     after signing)",
                    sig.byte_range.as_deref().unwrap_or_default()
                ),
            );
            return Parsed::Decided(o);
        }
        let problems: Vec<String> = check.problems.iter().map(|p| format!("{p:?}")).collect();
        o.fail(
            SubIndication::FormatFailure,
            format!("unusable /ByteRange: {}", problems.join(", ")),
        );
        return Parsed::Decided(o);
    }
    let Some(bytes) = contents.filter(|b| !b.is_empty()) else {
        o.fail(SubIndication::FormatFailure, "no /Contents");
        return Parsed::Decided(o);
    };
    let sub_filter = sig.sub_filter.as_deref().unwrap_or("");
    let kind = match (sig.sig_type, sub_filter) {
        (SignatureType::DocTimeStamp, _) | (_, "ETSI.RFC3161") => Kind::DocTimestamp,
        (_, "adbe.pkcs7.detached" | "ETSI.CAdES.detached") => Kind::Detached,
        (_, "adbe.pkcs7.sha1") => Kind::Sha1Embedded,
        (_, "adbe.x509.rsa_sha1") => {
            // §12.8.3.2: /Contents is a DER OCTET STRING holding the PKCS#1 signature value;
            // some writers store the bare value.
            let value = asn1::Tlv::parse(bytes)
                .ok()
                .filter(|(t, _)| t.is(asn1::tag::OCTET_STRING))
                .and_then(|(t, _)| t.octets().ok())
                .map_or_else(|| bytes.to_vec(), |v| v.into_owned());
            return Parsed::RawRsa(value);
        }
        (_, other) => {
            // Not a broken signature but one outside the formats the validation policy
            // accepts: INDETERMINATE, never a false TOTAL_FAILED.
            o.integrity = Integrity::Unsupported;
            o.fail(
                SubIndication::SigConstraintsFailure,
                format!("SubFilter /{other} is not supported"),
            );
            return Parsed::Decided(o);
        }
    };
    let cms = match cms::parse(bytes) {
        Ok(c) => c,
        Err(e) => {
            o.fail(crate::verdict::map::cms(&e), e.to_string());
            return Parsed::Decided(o);
        }
    };
    let algorithm = match kind {
        Kind::Sha1Embedded => Some(DigestAlgorithm::Sha1),
        Kind::Detached => DigestAlgorithm::from_oid(&cms.signer_infos[0].digest_algorithm.oid),
        Kind::DocTimestamp => match cms.content.as_deref().map(cms::parse_tst_info).transpose() {
            Ok(Some(tst)) => DigestAlgorithm::from_oid(&tst.imprint_algorithm),
            Ok(None) => {
                o.fail(
                    SubIndication::FormatFailure,
                    "timestamp token without TSTInfo",
                );
                return Parsed::Decided(o);
            }
            Err(e) => {
                o.fail(SubIndication::FormatFailure, format!("TSTInfo: {e}"));
                return Parsed::Decided(o);
            }
        },
    };
    let Some(algorithm) = algorithm else {
        o.integrity = Integrity::Unsupported;
        let oid_s = &cms.signer_infos[0].digest_algorithm.oid;
        o.fail(
            SubIndication::CryptoConstraintsFailure,
            format!(
                "digest algorithm {} is not supported",
                crypto::oid::name(oid_s)
            ),
        );
        return Parsed::Decided(o);
    };
    Parsed::Cms {
        cms,
        algorithm,
        kind,
    }
}

/// Finds the signer's certificate among `pool` (RFC 5652, 5.3: issuerAndSerialNumber or
/// subjectKeyIdentifier).
fn find_signer(sid: &SignerId<'_>, pool: &[Cert]) -> Option<Cert> {
    pool.iter()
        .find(|c| match sid {
            SignerId::IssuerSerial { issuer, serial } => {
                c.issuer_raw == *issuer && c.serial == *serial
            }
            SignerId::SubjectKeyId(k) => c.ski.as_deref() == Some(&k[..]),
        })
        .cloned()
}

/// Checks the signer-info's own bytes: attributes, message digest, signature value. Returns
/// the signer certificate when the signature verifies.
fn check_signer_info(
    o: &mut Outcome,
    si: &SignerInfo<'_>,
    content_type: asn1::Oid,
    content_digest: &[u8],
    content: Option<&[u8]>,
    pool: &[Cert],
) -> Option<Cert> {
    let Some(digest_alg) = DigestAlgorithm::from_oid(&si.digest_algorithm.oid) else {
        o.integrity = Integrity::Unsupported;
        o.fail(
            SubIndication::CryptoConstraintsFailure,
            format!(
                "digest algorithm {} is not supported",
                crypto::oid::name(&si.digest_algorithm.oid)
            ),
        );
        return None;
    };
    let to_verify: Cow<'_, [u8]> = match si.signed_attrs_to_verify() {
        Some(attrs) => {
            let (md, n_md) = si.signed_attr(oid::MESSAGE_DIGEST);
            let (ct, n_ct) = si.signed_attr(oid::CONTENT_TYPE);
            if n_md != 1 || n_ct > 1 {
                o.fail(
                    SubIndication::FormatFailure,
                    "signed attributes need exactly one message-digest and at most one content-type",
                );
                return None;
            }
            if let Some(ct) = ct {
                if ct.oid().ok() != Some(content_type) {
                    o.fail(
                        SubIndication::FormatFailure,
                        "content-type attribute does not match the content",
                    );
                    return None;
                }
            }
            let md = md.and_then(|m| m.octets().ok());
            if md.as_deref() != Some(content_digest) {
                o.integrity = Integrity::HashMismatch;
                o.fail(
                    SubIndication::HashFailure,
                    "the message-digest attribute does not match the signed bytes",
                );
                return None;
            }
            if let (Some(t), _) = si.signed_attr(oid::SIGNING_TIME) {
                o.claimed_time = t.time().ok().map(rfc3339);
            }
            if let Err(m) = algorithm_protection(si) {
                o.fail(SubIndication::FormatFailure, m);
                return None;
            }
            Cow::Owned(attrs)
        }
        None => match content {
            Some(c) => Cow::Borrowed(c),
            None => {
                o.integrity = Integrity::Unsupported;
                o.fail(
                    SubIndication::FormatFailure,
                    "no signed attributes and no content to verify",
                );
                return None;
            }
        },
    };
    let Some(signer) = find_signer(&si.sid, pool) else {
        o.integrity = Integrity::Unsupported;
        o.fail(
            SubIndication::NoSigningCertificateFound,
            "the signer's certificate is in neither the CMS, the DSS nor the given certificates",
        );
        return None;
    };
    o.signer = Some(signer.clone());
    // What is wrong with the key itself is said whatever the signature turns out to be.
    o.warnings.extend(signer.key.defects.iter().cloned());
    let result = crypto::verify(
        &signer.key,
        &si.signature_algorithm,
        Some(digest_alg),
        &to_verify,
        &si.signature,
    );
    if !judge_signature_value(o, result) {
        return None;
    }
    o.integrity = Integrity::Ok;
    if let Err(m) = signing_certificate(si, &signer) {
        o.fail(SubIndication::NoSigningCertificateFound, m);
        return None;
    }
    Some(signer)
}

/// `CMSAlgorithmProtection ::= SEQUENCE { digestAlgorithm DigestAlgorithmIdentifier,
/// signatureAlgorithm [1] SignatureAlgorithmIdentifier OPTIONAL, macAlgorithm [2] … OPTIONAL }`
/// (RFC 6211, 2): when present it must name the SignerInfo's algorithms.
fn algorithm_protection(si: &SignerInfo<'_>) -> Result<(), String> {
    let (Some(v), _) = si.signed_attr(oid::ALGORITHM_PROTECTION) else {
        return Ok(());
    };
    let bad = || "CMS algorithm protection attribute does not match the SignerInfo".to_string();
    let items = v.items().map_err(|_| bad())?;
    let digest = items
        .first()
        .and_then(|t| cms::AlgorithmIdentifier::from_tlv(*t).ok())
        .ok_or_else(bad)?;
    if digest.oid != si.digest_algorithm.oid {
        return Err(bad());
    }
    for t in &items[1..] {
        if t.is_context(1) {
            let oid_t = t.children().next().and_then(Result::ok).ok_or_else(bad)?;
            if oid_t.oid().ok() != Some(si.signature_algorithm.oid) {
                return Err(bad());
            }
        }
    }
    Ok(())
}

/// ESS signing-certificate (RFC 2634, 5.4: `ESSCertID ::= SEQUENCE { certHash Hash (SHA-1),
/// issuerSerial IssuerSerial OPTIONAL }`) and signing-certificate-v2 (RFC 5035, 3:
/// `ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
/// certHash Hash, issuerSerial IssuerSerial OPTIONAL }`): the first ESSCertID names the signer.
fn signing_certificate(si: &SignerInfo<'_>, signer: &Cert) -> Result<(), String> {
    for (attr, v2) in [
        (oid::SIGNING_CERTIFICATE_V2, true),
        (oid::SIGNING_CERTIFICATE, false),
    ] {
        let (Some(v), _) = si.signed_attr(attr) else {
            continue;
        };
        let bad = |m: &str| format!("signing-certificate attribute: {m}");
        let certs = v
            .children()
            .next()
            .and_then(Result::ok)
            .ok_or_else(|| bad("empty"))?;
        let first = certs
            .children()
            .next()
            .and_then(Result::ok)
            .ok_or_else(|| bad("no ESSCertID"))?;
        let items = first.items().map_err(|_| bad("malformed ESSCertID"))?;
        let (alg_oid, hash_t) = match items.first() {
            Some(t) if v2 && t.is(asn1::tag::SEQUENCE) => (
                cms::AlgorithmIdentifier::from_tlv(*t)
                    .map_err(|_| bad("bad hashAlgorithm"))?
                    .oid,
                items.get(1),
            ),
            Some(t) => (if v2 { alg::SHA256 } else { alg::SHA1 }, Some(t)),
            None => return Err(bad("empty ESSCertID")),
        };
        let hash = hash_t
            .and_then(|t| t.octets().ok())
            .ok_or_else(|| bad("no certHash"))?;
        let Some(a) = DigestAlgorithm::from_oid(&alg_oid) else {
            return Err(bad(&format!(
                "hash {} not supported",
                crypto::oid::name(&alg_oid)
            )));
        };
        if a.digest(&signer.der).as_ref() != &hash[..] {
            return Err(bad("names a certificate other than the signer's"));
        }
        return Ok(());
    }
    Ok(())
}

/// The certificates the document offers for a CMS (its own and the DSS's: path building
/// uses them), and the pool its signer is looked for in (those and the run's intermediates).
fn certificate_pools(sh: &Shared<'_>, cms: &SignedData<'_>) -> (Vec<Cert>, Vec<Cert>) {
    let mut offered = cms_certs(cms, sh.caches);
    offered.extend(sh.dss_certs.iter().cloned());
    let mut pool = offered.clone();
    pool.extend(sh.ctx.store.intermediates().iter().cloned());
    (offered, pool)
}

/// The certificates a CMS carries.
fn cms_certs(cms: &SignedData<'_>, caches: &Caches) -> Vec<Cert> {
    cms.certificates
        .iter()
        .filter_map(|d| caches.certificate(d))
        .collect()
}

/// adbe-revocationInfoArchival (ISO 32000-1 12.8.3.3.2): `RevocationInfoArchival ::= SEQUENCE
/// { crl [0] EXPLICIT SEQUENCE OF CRLs OPTIONAL, ocsp [1] EXPLICIT SEQUENCE OF OCSPResponse
/// OPTIONAL, otherRevInfo [2] … OPTIONAL }`.
fn archival<'a>(si: &SignerInfo<'a>) -> (Vec<&'a [u8]>, Vec<&'a [u8]>) {
    let (mut crls, mut ocsps) = (Vec::new(), Vec::new());
    if let (Some(v), _) = si.signed_attr(oid::REVOCATION_ARCHIVAL) {
        for part in v.children().filter_map(Result::ok) {
            let Some(Ok(seq)) = part.children().next() else {
                continue;
            };
            for item in seq.children().filter_map(Result::ok) {
                if part.is_context(0) {
                    crls.push(item.raw);
                } else if part.is_context(1) {
                    ocsps.push(item.raw);
                }
            }
        }
    }
    (crls, ocsps)
}

/// Validates a parsed signature or document timestamp.
fn validate(
    sh: &Shared<'_>,
    cms: &SignedData<'_>,
    kind: Kind,
    algorithm: DigestAlgorithm,
    digest: Option<&[u8]>,
    ranges: Option<digest::SignedRanges>,
    covered_poe: Option<i64>,
) -> Outcome {
    let mut o = Outcome::new();
    let Some(digest) = digest else {
        o.fail(SubIndication::FormatFailure, "unusable /ByteRange");
        return o;
    };
    let si = &cms.signer_infos[0];
    let (offered, pool) = certificate_pools(sh, cms);

    // Integrity.
    let mut tst_time = None;
    let signer = match kind {
        Kind::Detached => {
            // Without signed attributes the signature covers the content itself (RFC 5652,
            // 5.4): the signed byte ranges, joined.
            let content: Option<Vec<u8>> = ranges
                .filter(|_| si.signed_attrs_raw.is_none())
                .map(|r| r.joined(sh.data));
            check_signer_info(&mut o, si, oid::DATA, digest, content.as_deref(), &pool)
        }
        Kind::Sha1Embedded => {
            let content = cms.content.as_deref().unwrap_or_default();
            if content != digest {
                o.integrity = Integrity::HashMismatch;
                o.fail(
                    SubIndication::HashFailure,
                    "the encapsulated SHA-1 does not match the signed bytes",
                );
                None
            } else {
                let a = DigestAlgorithm::from_oid(&si.digest_algorithm.oid)
                    .unwrap_or(DigestAlgorithm::Sha1);
                let cd = a.digest(content);
                check_signer_info(
                    &mut o,
                    si,
                    cms.content_type,
                    cd.as_ref(),
                    Some(content),
                    &pool,
                )
            }
        }
        Kind::DocTimestamp => {
            let tst = cms
                .content
                .as_deref()
                .and_then(|c| cms::parse_tst_info(c).ok());
            match tst {
                Some(tst) if tst.imprint != digest => {
                    o.integrity = Integrity::HashMismatch;
                    o.fail(
                        SubIndication::HashFailure,
                        "the timestamp's message imprint does not match the signed bytes",
                    );
                    None
                }
                Some(tst) => {
                    tst_time = Some(tst.gen_time);
                    let content = cms.content.as_deref().unwrap_or_default();
                    let a = DigestAlgorithm::from_oid(&si.digest_algorithm.oid)
                        .unwrap_or(DigestAlgorithm::Sha256);
                    let cd = a.digest(content);
                    check_signer_info(&mut o, si, oid::TST_INFO, cd.as_ref(), Some(content), &pool)
                }
                None => {
                    o.fail(SubIndication::FormatFailure, "unreadable TSTInfo");
                    None
                }
            }
        }
    };
    let Some(signer) = signer else {
        return o;
    };

    // Proof of existence: a valid signature timestamp, or a document timestamp covering this
    // signature. A document timestamp's own time is its genTime.
    if kind == Kind::DocTimestamp {
        o.timestamp = tst_time.map(|t| TimestampReport {
            time: rfc3339(t),
            valid: true,
            reason: None,
            tsa: Some(signer.subject.clone()),
        });
        o.timestamp_time = tst_time;
    } else if let Some(token) = si.unsigned_values(oid::SIGNATURE_TIMESTAMP).next() {
        let (report, time) = signature_timestamp(sh, token.raw, &si.signature);
        o.timestamp = Some(report);
        o.timestamp_time = time;
    }
    let sig_ts = o.timestamp_time.filter(|_| kind != Kind::DocTimestamp);
    let poe = match (sig_ts, covered_poe) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    // For a document timestamp, its own genTime is the time of signing, proven only by itself.
    let own_time = if kind == Kind::DocTimestamp {
        tst_time
    } else {
        None
    };

    // Path, validity, revocation.
    let (crl_arch, ocsp_arch) = archival(si);
    let mut sources = sh.base_sources.clone();
    for c in cms.crls.iter().copied().chain(crl_arch) {
        sources.add_crl(c, &sh.caches.revocation);
    }
    for o in cms.ocsps.iter().map(|c| &c[..]).chain(ocsp_arch) {
        sources.add_ocsp(o);
    }
    let purpose = if kind == Kind::DocTimestamp {
        Purpose::Timestamping
    } else {
        Purpose::Signing
    };
    // The trusted signing time: a signature timestamp's genTime (made right after signing),
    // or a document timestamp's own genTime. A later document timestamp covering the
    // signature only bounds the signing time from above.
    let signing_time = sig_ts.or(own_time);
    certificate_checks(
        sh,
        &mut o,
        &signer,
        &offered,
        &sources,
        purpose,
        Times {
            poe: poe.or(own_time),
            signing: signing_time,
        },
    );
    if o.verdict.is_some() {
        return o;
    }

    // Algorithm constraints (graded by when the signature is proven to exist).
    let legacy_digest = [
        Some(algorithm),
        DigestAlgorithm::from_oid(&si.digest_algorithm.oid),
        o.scheme_hash,
    ]
    .contains(&Some(DigestAlgorithm::Sha1));
    constraints(
        &mut o,
        &sh.ctx.policy,
        sh.ctx.at,
        legacy_digest,
        &signer,
        poe,
    );
    o
}

/// What timestamps prove about when a signature was made.
#[derive(Clone, Copy)]
struct Times {
    /// The signature existed at this time (earliest valid timestamp covering it).
    poe: Option<i64>,
    /// The signature was made at (just before) this time: its signature timestamp.
    signing: Option<i64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Signing,
    Timestamping,
}

/// Path, key usage, validity at the applicable time and revocation of `signer`.
fn certificate_checks(
    sh: &Shared<'_>,
    o: &mut Outcome,
    signer: &Cert,
    offered: &[Cert],
    sources: &Sources<'_>,
    purpose: Purpose,
    times: Times,
) {
    let at = sh.ctx.at;
    let poe = times.poe;
    let path = build_path(
        signer,
        offered,
        &sh.ctx.store,
        poe.unwrap_or(at),
        &sh.caches.pki,
    );
    let chain = match &*path {
        PathOutcome::Found(c) => c.clone(),
        PathOutcome::Failed(e) => {
            let s = crate::verdict::map::path(e);
            o.fail(s, e.to_string());
            return;
        }
    };
    o.chain = chain.iter().map(|c| c.subject.clone()).collect();
    match purpose {
        Purpose::Signing => {
            if let Some((ds, nr, _, _)) = signer.key_usage {
                if !ds && !nr {
                    o.fail(
                        SubIndication::ChainConstraintsFailure,
                        "the signer certificate allows neither digitalSignature nor nonRepudiation",
                    );
                    return;
                }
            }
        }
        Purpose::Timestamping => {
            if !signer.eku.as_ref().is_some_and(|e| e.time_stamping) {
                o.fail(
                    SubIndication::ChainConstraintsFailure,
                    "the TSA certificate lacks the id-kp-timeStamping extended key usage",
                );
                return;
            }
        }
    }

    // Validity: at the validation time, or at a proven earlier time.
    let non_anchor = &chain[..chain.len() - 1];
    let valid_at = |t: i64| non_anchor.iter().all(|c| c.valid_at(t));
    if !valid_at(at) {
        match poe {
            Some(t) if valid_at(t) => {}
            _ if times.signing.is_some_and(|t| t > signer.not_after) => {
                let t = times.signing.unwrap_or_default();
                o.fail(
                    SubIndication::Expired,
                    format!(
                        "the signer certificate expired on {}, before the signature's proven time {}",
                        rfc3339(signer.not_after),
                        rfc3339(t)
                    ),
                );
                return;
            }
            Some(t) if t < signer.not_before => {
                o.fail(
                    SubIndication::NotYetValid,
                    format!(
                        "the signature's proven time {} precedes the signer certificate's notBefore {}",
                        rfc3339(t),
                        rfc3339(signer.not_before)
                    ),
                );
                return;
            }
            _ => {
                let bad = non_anchor
                    .iter()
                    .find(|c| !c.valid_at(at))
                    .expect("one is invalid");
                o.fail(
                    SubIndication::OutOfBoundsNoPoe,
                    format!(
                        "certificate {:?} is valid {} .. {}, not at the validation time, and no timestamp proves an earlier signing time",
                        bad.subject,
                        rfc3339(bad.not_before),
                        rfc3339(bad.not_after)
                    ),
                );
                return;
            }
        }
    }

    // Revocation of each certificate below the anchor.
    for (i, cert) in non_anchor.iter().enumerate() {
        let issuer = &chain[i + 1];
        let st = revocation::status(
            cert,
            issuer,
            sources,
            at,
            &sh.caches.pki,
            &sh.caches.revocation,
        );
        let leaf = i == 0;
        match st {
            Status::Good { .. } => {
                if leaf {
                    o.revocation = RevocationReport::Good;
                }
            }
            Status::Revoked { at: r, .. } => {
                if leaf {
                    o.revocation = RevocationReport::Revoked;
                }
                match poe {
                    Some(t) if t < r => {}
                    _ if leaf && times.signing.is_some_and(|t| t >= r) => {
                        let t = times.signing.unwrap_or_default();
                        o.fail(
                            SubIndication::Revoked,
                            format!(
                                "the signer certificate was revoked on {}, before the signature's proven time {}",
                                rfc3339(r),
                                rfc3339(t)
                            ),
                        );
                        return;
                    }
                    _ if leaf => {
                        o.fail(
                            SubIndication::RevokedNoPoe,
                            format!(
                                "the signer certificate was revoked on {} and no timestamp proves the signature is older",
                                rfc3339(r)
                            ),
                        );
                        return;
                    }
                    _ => {
                        o.fail(
                            SubIndication::RevokedCaNoPoe,
                            format!(
                                "CA certificate {:?} was revoked on {}",
                                cert.subject,
                                rfc3339(r)
                            ),
                        );
                        return;
                    }
                }
            }
            Status::Unknown { reason } => {
                if leaf {
                    o.revocation = RevocationReport::Unknown;
                    if sh.ctx.policy.require_revocation {
                        o.fail(
                            SubIndication::TryLater,
                            format!(
                                "no usable revocation data for the signer certificate: {reason}"
                            ),
                        );
                        return;
                    }
                }
            }
        }
    }
}

/// Verifies an RFC 3161 signature timestamp (RFC 3161 Appendix A: the imprint is the hash of
/// the SignerInfo's signature value) and reports it.
fn signature_timestamp(
    sh: &Shared<'_>,
    token: &[u8],
    signature_value: &[u8],
) -> (TimestampReport, Option<i64>) {
    let mut valid_time = None;
    let mut rep = TimestampReport {
        time: String::new(),
        valid: false,
        reason: None,
        tsa: None,
    };
    let cms = match cms::parse(token) {
        Ok(c) => c,
        Err(e) => {
            rep.reason = Some(e.to_string());
            return (rep, None);
        }
    };
    let Some(content) = cms.content.as_deref() else {
        rep.reason = Some("token without TSTInfo".into());
        return (rep, None);
    };
    let tst = match cms::parse_tst_info(content) {
        Ok(t) => t,
        Err(e) => {
            rep.reason = Some(e.to_string());
            return (rep, None);
        }
    };
    rep.time = rfc3339(tst.gen_time);
    let imprint_ok = DigestAlgorithm::from_oid(&tst.imprint_algorithm)
        .is_some_and(|a| a.digest(signature_value).as_ref() == tst.imprint);
    if !imprint_ok {
        rep.reason = Some("message imprint does not match the signature value".into());
        return (rep, None);
    }
    let si = &cms.signer_infos[0];
    let (offered, pool) = certificate_pools(sh, &cms);
    let a = DigestAlgorithm::from_oid(&si.digest_algorithm.oid).unwrap_or(DigestAlgorithm::Sha256);
    let cd = a.digest(content);
    let mut o = Outcome::new();
    let Some(tsa) = check_signer_info(&mut o, si, oid::TST_INFO, cd.as_ref(), Some(content), &pool)
    else {
        rep.reason = o.verdict.map(|(_, r)| r);
        return (rep, None);
    };
    rep.tsa = Some(tsa.subject.clone());
    // The token's own path, checked at its genTime; revocation below.
    let path = build_path(&tsa, &offered, &sh.ctx.store, tst.gen_time, &sh.caches.pki);
    match &*path {
        PathOutcome::Found(chain) => {
            if !tsa.eku.as_ref().is_some_and(|e| e.time_stamping) {
                rep.reason = Some("TSA certificate lacks id-kp-timeStamping".into());
            } else if !chain[..chain.len() - 1]
                .iter()
                .all(|c| c.valid_at(tst.gen_time))
            {
                rep.reason = Some("TSA certificate not valid at genTime".into());
            } else {
                // The TSA certificate's revocation: revoked at or before genTime voids the
                // token; no data voids it too unless the policy accepts missing revocation data.
                let issuer = chain.get(1).unwrap_or(&chain[0]);
                match revocation::status(
                    &tsa,
                    issuer,
                    sh.base_sources,
                    sh.ctx.at,
                    &sh.caches.pki,
                    &sh.caches.revocation,
                ) {
                    Status::Revoked { at, .. } if at <= tst.gen_time => {
                        rep.reason = Some(format!(
                            "TSA certificate revoked on {}, before genTime",
                            rfc3339(at)
                        ));
                    }
                    Status::Unknown { reason } if sh.ctx.policy.require_revocation => {
                        rep.reason = Some(format!(
                            "no revocation data for the TSA certificate: {reason}"
                        ));
                    }
                    _ => {
                        rep.valid = true;
                        valid_time = Some(tst.gen_time);
                    }
                }
            }
        }
        PathOutcome::Failed(e) => rep.reason = Some(format!("TSA: {e}")),
    }
    (rep, valid_time)
}

impl Context {
    /// Loads anchors (`--trust`), intermediates (`--certs`), CRLs (`--crl`) and OCSP responses
    /// (`--ocsp`) from PEM or DER files or directories.
    pub fn load(
        trust: &[std::path::PathBuf],
        certs: &[std::path::PathBuf],
        crls: &[std::path::PathBuf],
        ocsps: &[std::path::PathBuf],
        at: i64,
        policy: Policy,
        caches: &Caches,
    ) -> Result<Context, String> {
        let anchors = crate::pki::load_certificates(trust, &caches.pki)?;
        if anchors.is_empty() && !trust.is_empty() {
            return Err("no trust anchor found in the --trust paths".into());
        }
        let intermediates = crate::pki::load_certificates(certs, &caches.pki)?;
        let mut crl_list = Vec::new();
        for (name, der) in crate::pki::load_blobs(crls, "X509 CRL")? {
            let mut one = Sources::default();
            one.add_crl(&der, &caches.revocation);
            match one.crls.pop() {
                Some(c) => crl_list.push(c),
                None => return Err(format!("{name}: not a parsable CRL")),
            }
        }
        let crls = crl_list;
        let ocsps = crate::pki::load_blobs(ocsps, "OCSP RESPONSE")?
            .into_iter()
            .map(|(_, d)| d)
            .collect();
        Ok(Context {
            store: TrustStore::new(anchors, intermediates),
            crls,
            ocsps,
            at,
            policy,
        })
    }
}

/// `adbe.x509.rsa_sha1` (ISO 32000-1, 12.8.3.2): an RSA PKCS#1 v1.5 signature over the signed
/// byte ranges, the signer's certificate first in `/Cert`. The standard names SHA-1; writers
/// that used a SHA-2 digest are accepted too (the PKCS#1 DigestInfo names the digest, so only
/// the right one can verify).
fn raw_rsa(
    sh: &Shared<'_>,
    sig: &Signature,
    value: &[u8],
    ranges: Option<digest::SignedRanges>,
    covered_poe: Option<i64>,
) -> Outcome {
    let mut o = Outcome::new();
    let Some(ranges) = ranges else {
        o.fail(SubIndication::FormatFailure, "unusable /ByteRange");
        return o;
    };
    let certs: Vec<Cert> = sig
        .certs
        .iter()
        .filter_map(|d| sh.caches.certificate(d))
        .collect();
    let Some(signer) = certs.first().cloned() else {
        o.integrity = Integrity::Unsupported;
        o.fail(
            SubIndication::NoSigningCertificateFound,
            "adbe.x509.rsa_sha1 signature without a readable /Cert",
        );
        return o;
    };
    o.signer = Some(signer.clone());
    o.warnings.extend(signer.key.defects.iter().cloned());
    let message = ranges.joined(sh.data);
    let rsa = cms::AlgorithmIdentifier {
        oid: alg::RSA,
        params: None,
    };
    let mut verified = Err(VerifyError::Invalid);
    for d in [
        DigestAlgorithm::Sha1,
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
    ] {
        match crypto::verify(&signer.key, &rsa, Some(d), &message, value) {
            Err(VerifyError::Invalid) => {}
            other => {
                verified = other;
                if verified.is_ok() {
                    break;
                }
            }
        }
    }
    if !judge_signature_value(&mut o, verified) {
        return o;
    }
    let used = o.scheme_hash;
    let sources = sh.base_sources.clone();
    let mut offered = certs;
    offered.extend(sh.dss_certs.iter().cloned());
    certificate_checks(
        sh,
        &mut o,
        &signer,
        &offered,
        &sources,
        Purpose::Signing,
        Times {
            poe: covered_poe,
            signing: None,
        },
    );
    if o.verdict.is_none() {
        constraints(
            &mut o,
            &sh.ctx.policy,
            sh.ctx.at,
            used == Some(DigestAlgorithm::Sha1),
            &signer,
            covered_poe,
        );
    }
    o
}

/// Graded algorithm constraints: SHA-1 and RSA keys under 2048 bits are acceptable for
/// signatures proven to exist before the policy's cut-off dates (ETSI TS 119 312).
fn constraints(
    o: &mut Outcome,
    policy: &Policy,
    at: i64,
    legacy_digest: bool,
    signer: &Cert,
    poe: Option<i64>,
) {
    let small_rsa =
        matches!(signer.key.algorithm, alg::RSA | alg::RSA_PSS) && signer.key.size < 2048;
    for (weak, until, what) in [
        (legacy_digest, policy.sha1_until, "SHA-1"),
        (
            small_rsa,
            policy.small_rsa_until,
            "an RSA key shorter than 2048 bits",
        ),
    ] {
        if !weak {
            continue;
        }
        let until_s = rfc3339(until);
        // Whatever is at hand exists at the validation time: that is the latest proof of
        // existence any signature has.
        match poe {
            _ if at < until => {}
            Some(t) if t < until => {}
            Some(_) => {
                o.fail(
                    SubIndication::CryptoConstraintsFailure,
                    format!("uses {what}, acceptable only before {until_s}; the signature is proven to exist only later"),
                );
            }
            None => {
                o.fail(
                    SubIndication::CryptoConstraintsFailureNoPoe,
                    format!("uses {what}, acceptable only before {until_s}; no timestamp proves the signature existed then"),
                );
            }
        }
    }
}

/// Records the outcome of checking a signature value: integrity `ok`, or `signature_invalid`
/// (SIG_CRYPTO_FAILURE), or `unsupported` (INDETERMINATE, the algorithm named). Returns whether
/// the value verified.
fn judge_signature_value(o: &mut Outcome, result: Result<Verified, VerifyError>) -> bool {
    match result {
        Ok(v) => {
            o.integrity = Integrity::Ok;
            o.scheme_hash = Some(v.scheme.hash());
            o.warnings.extend(v.notes);
            true
        }
        Err(e) => {
            o.integrity = match e {
                VerifyError::Invalid => Integrity::SignatureInvalid,
                VerifyError::Mismatch(_) => Integrity::Malformed,
                _ => Integrity::Unsupported,
            };
            let why = match &e {
                VerifyError::Unsupported(m) => format!("cannot verify: {m} is not supported"),
                VerifyError::Mismatch(m) => m.clone(),
                _ => "the signature value does not verify with the signer's public key".into(),
            };
            o.fail(crate::verdict::map::signature(&e), why);
            false
        }
    }
}
