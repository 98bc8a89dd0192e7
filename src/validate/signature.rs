//! One signature's format and integrity, and its validation from integrity to policy.
//!
//! ETSI EN 319 102-1, 5.3 (validation process for basic signatures): format checking (5.2.3),
//! identification of the signing certificate (5.2.4), cryptographic verification (5.2.7),
//! then X.509 certificate validation (5.2.6, in [`super::certificates`]), past signature
//! validation with the proofs of existence at hand (5.6, in [`super::time`]) and the
//! signature acceptance validation (5.2.8, in [`super::policy`]).

use super::attributes::{check_signer_info, judge_signature_value};
use super::certificates::{certificate_checks, certificate_pools, sources, Purpose};
use super::time::{proofs, Times};
use super::{policy, Outcome, Reason, Shared};
use crate::asn1;
use crate::cms::{self, oid, AlgorithmIdentifier, SignedData};
use crate::crypto::{self, oid as alg, DigestAlgorithm, VerifyError};
use crate::digest::{RangeCheck, RangeProblem, SignedRanges};
use crate::pdf::{Signature, SignatureType};
use crate::pki::cert::Cert;
use crate::report::{Integrity, ValidationObjects};
use crate::verdict::Indication;

/// What phase 1 learnt about a signature: how its bytes must be hashed.
pub(super) enum Parsed<'a> {
    /// The CMS parsed; the ranges are hashed with `algorithm`.
    Cms {
        cms: SignedData<'a>,
        algorithm: DigestAlgorithm,
        kind: Kind,
    },
    /// `adbe.x509.rsa_sha1`: a bare PKCS#1 v1.5 signature value, certificates in `/Cert`.
    RawRsa(Vec<u8>),
    /// Decided already (malformed, unsupported).
    Decided(Box<Outcome>),
}

impl Parsed<'_> {
    /// Whether this is a document timestamp, whose time is a proof of existence for what it
    /// covers.
    pub(super) fn is_document_timestamp(&self) -> bool {
        matches!(
            self,
            Parsed::Cms {
                kind: Kind::DocTimestamp,
                ..
            }
        )
    }
}

/// The three CMS-based formats of ISO 32000-2, 12.8.3.3 and 12.8.5.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `adbe.pkcs7.detached`, `ETSI.CAdES.detached`: the ranges' digest is the content digest.
    Detached,
    /// `adbe.pkcs7.sha1`: the SHA-1 of the ranges is the encapsulated content.
    Sha1Embedded,
    /// `ETSI.RFC3161`: the token's imprint is the ranges' digest.
    DocTimestamp,
}

/// Phase 1: the signature's range and `/Contents` checked, its CMS parsed to learn how its
/// ranges are hashed.
pub(super) fn parse<'a>(
    sig: &Signature,
    check: &RangeCheck,
    contents: Option<&'a [u8]>,
    file_len: usize,
) -> Parsed<'a> {
    let mut o = Outcome::new();
    if check.ranges.is_none() {
        if made_for_this_signature(sig, check) {
            // The signature covers bytes this file no longer has: whatever was signed, this
            // file is not it (a copy cut short, or rewritten after signing).
            o.integrity = Integrity::HashMismatch;
            o.fail(Reason::ByteRangePastEnd {
                byte_range: sig.byte_range.clone().unwrap_or_default(),
                file_len,
            });
        } else {
            o.fail(Reason::UnusableByteRange {
                problems: check.problems.clone(),
            });
        }
        return Parsed::Decided(Box::new(o));
    }
    let Some(bytes) = contents.filter(|b| !b.is_empty()) else {
        o.fail(Reason::NoContents);
        return Parsed::Decided(Box::new(o));
    };
    let sub_filter = sig.sub_filter.as_deref().unwrap_or("");
    let kind = match (sig.sig_type, sub_filter) {
        (SignatureType::DocTimeStamp, _) | (_, "ETSI.RFC3161") => Kind::DocTimestamp,
        (_, "adbe.pkcs7.detached" | "ETSI.CAdES.detached") => Kind::Detached,
        (_, "adbe.pkcs7.sha1") => Kind::Sha1Embedded,
        (_, "adbe.x509.rsa_sha1") => return Parsed::RawRsa(raw_rsa_value(bytes)),
        (_, other) => {
            // Not a broken signature but one outside the formats the validation policy
            // accepts: INDETERMINATE, never a false TOTAL_FAILED.
            o.integrity = Integrity::Unsupported;
            o.fail(Reason::UnsupportedSubFilter(other.to_string()));
            return Parsed::Decided(Box::new(o));
        }
    };
    let cms = match cms::parse(bytes) {
        Ok(c) => c,
        Err(e) => {
            o.fail(Reason::Cms(e));
            return Parsed::Decided(Box::new(o));
        }
    };
    match digest_algorithm(&cms, kind) {
        Ok(algorithm) => Parsed::Cms {
            cms,
            algorithm,
            kind,
        },
        Err(reason) => {
            if matches!(reason, Reason::UnsupportedDigest(_)) {
                o.integrity = Integrity::Unsupported;
            }
            o.fail(reason);
            Parsed::Decided(Box::new(o))
        }
    }
}

/// `[0 a b c]` whose only fault is to reach past the end, and whose gap is exactly this
/// signature's `/Contents` string as the file holds it: the range was made for this signature,
/// and the bytes around it have changed since.
fn made_for_this_signature(sig: &Signature, check: &RangeCheck) -> bool {
    let contents_len = sig.contents.as_ref().map(|c| c.span.end - c.span.start);
    check.problems == [RangeProblem::OutOfBounds]
        && matches!(sig.byte_range.as_deref(), Some(&[0, a, b, c])
            if 0 < a && a < b && c >= 0 && usize::try_from(b - a).ok() == contents_len)
}

/// ISO 32000-1, 12.8.3.2: `/Contents` is a DER OCTET STRING holding the PKCS#1 signature
/// value; some writers store the bare value.
fn raw_rsa_value(bytes: &[u8]) -> Vec<u8> {
    asn1::Tlv::parse(bytes)
        .ok()
        .filter(|(t, _)| t.is(asn1::tag::OCTET_STRING))
        .and_then(|(t, _)| t.octets().ok())
        .map_or_else(|| bytes.to_vec(), |v| v.into_owned())
}

/// The digest the signed ranges are hashed with.
pub(super) fn digest_algorithm(
    cms: &SignedData<'_>,
    kind: Kind,
) -> Result<DigestAlgorithm, Reason> {
    let oid = &cms.signer_infos[0].digest_algorithm.oid;
    let algorithm = match kind {
        Kind::Sha1Embedded => Some(DigestAlgorithm::Sha1),
        Kind::Detached => DigestAlgorithm::from_oid(oid),
        Kind::DocTimestamp => match cms.content.as_deref().map(cms::parse_tst_info).transpose() {
            Ok(Some(tst)) => DigestAlgorithm::from_oid(&tst.imprint_algorithm),
            Ok(None) => return Err(Reason::TimestampWithoutTstInfo),
            Err(e) => return Err(Reason::TstInfo(e)),
        },
    };
    algorithm.ok_or(Reason::UnsupportedDigest(*oid))
}

/// Validates a parsed signature or document timestamp: integrity, proofs of existence, the
/// signer's certificate, the policy's algorithm constraints.
pub(super) fn validate(
    sh: &Shared<'_>,
    cms: &SignedData<'_>,
    kind: Kind,
    algorithm: DigestAlgorithm,
    digest: Option<&[u8]>,
    ranges: Option<SignedRanges>,
    covered_poe: Option<i64>,
) -> Outcome {
    let mut o = Outcome::new();
    let Some(digest) = digest else {
        o.fail(Reason::UnusableByteRange { problems: vec![] });
        return o;
    };
    let si = &cms.signer_infos[0];
    let (offered, pool) = certificate_pools(sh, cms);
    let (signer, tst_time) = integrity(sh, &mut o, cms, kind, digest, ranges, &pool);
    let Some(signer) = signer else {
        return o;
    };
    let (poe, times) = proofs(sh, &mut o, si, kind, tst_time, &signer.subject, covered_poe);
    let best = poe.or(times.poe);
    let keep = |o: &Outcome| {
        sh.ctx.keep_objects.then(|| {
            Box::new(ValidationObjects {
                signature_value: si.signature.to_vec(),
                signed_digest: Some((algorithm, digest.to_vec())),
                path: o.path.clone(),
                timestamp_token: si
                    .unsigned_values(oid::SIGNATURE_TIMESTAMP)
                    .next()
                    .map(|t| t.raw.to_vec()),
                poe: best,
                revocation: o.revocation_object,
            })
        })
    };
    let sources = sources(sh, cms, si);
    let purpose = match kind {
        Kind::DocTimestamp => Purpose::Timestamping,
        _ => Purpose::Signing,
    };
    certificate_checks(sh, &mut o, &signer, &offered, &sources, purpose, times);
    if o.verdict.is_none() {
        // Algorithm constraints (graded by when the signature is proven to exist).
        let legacy_digest = [
            Some(algorithm),
            DigestAlgorithm::from_oid(&si.digest_algorithm.oid),
            o.scheme_hash,
        ]
        .contains(&Some(DigestAlgorithm::Sha1));
        policy::constraints(
            &mut o,
            &sh.ctx.policy,
            sh.ctx.at,
            legacy_digest,
            &signer,
            poe,
        );
    }
    policy::signature_rules(sh, &mut o, &signer, Some(si), kind == Kind::DocTimestamp);
    o.objects = keep(&o);
    o
}

/// Integrity of each format: the signed bytes' digest against what the CMS binds, then the
/// SignerInfo. Returns the signer when the signature value verifies, and a document
/// timestamp's genTime.
fn integrity(
    sh: &Shared<'_>,
    o: &mut Outcome,
    cms: &SignedData<'_>,
    kind: Kind,
    digest: &[u8],
    ranges: Option<SignedRanges>,
    pool: &[Cert],
) -> (Option<Cert>, Option<i64>) {
    let si = &cms.signer_infos[0];
    let content = cms.content.as_deref();
    let content_digest = |default| {
        DigestAlgorithm::from_oid(&si.digest_algorithm.oid)
            .unwrap_or(default)
            .digest(content.unwrap_or_default())
    };
    match kind {
        Kind::Detached => {
            // Without signed attributes the signature covers the content itself (RFC 5652,
            // 5.4): the signed byte ranges, joined.
            let joined: Option<Vec<u8>> = ranges
                .filter(|_| si.signed_attrs_raw.is_none())
                .map(|r| r.joined(sh.data));
            let signer = check_signer_info(o, si, oid::DATA, digest, joined.as_deref(), pool);
            (signer, None)
        }
        Kind::Sha1Embedded if content.unwrap_or_default() != digest => {
            o.integrity = Integrity::HashMismatch;
            o.fail(Reason::EmbeddedSha1Mismatch);
            (None, None)
        }
        Kind::Sha1Embedded => {
            let cd = content_digest(DigestAlgorithm::Sha1);
            let content = Some(content.unwrap_or_default());
            let signer = check_signer_info(o, si, cms.content_type, cd.as_ref(), content, pool);
            (signer, None)
        }
        Kind::DocTimestamp => match content.and_then(|c| cms::parse_tst_info(c).ok()) {
            Some(tst) if tst.imprint != digest => {
                o.integrity = Integrity::HashMismatch;
                o.fail(Reason::ImprintMismatch);
                (None, None)
            }
            Some(tst) => {
                let cd = content_digest(DigestAlgorithm::Sha256);
                let content = Some(content.unwrap_or_default());
                let signer = check_signer_info(o, si, oid::TST_INFO, cd.as_ref(), content, pool);
                (signer, Some(tst.gen_time))
            }
            None => {
                o.fail(Reason::UnreadableTstInfo);
                (None, None)
            }
        },
    }
}

/// The format rules a CMS signature must also meet, checked once its integrity is known (a
/// TOTAL_FAILED verdict stands; otherwise the format failure wins).
pub(super) fn format_rules(o: &mut Outcome, cms: &SignedData<'_>, kind: Kind, check: &RangeCheck) {
    let failed = |o: &Outcome| {
        o.verdict
            .as_ref()
            .is_some_and(|r| r.sub_indication().indication() == Indication::TotalFailed)
    };
    // ISO 32000-2, 12.8.3.3.1: "only a single signer shall be present" (one SignerInfo). The
    // first is judged; the verdict is a format failure.
    if cms.signer_infos.len() > 1 && !failed(o) {
        o.verdict = Some(Reason::SignerInfoCount(cms.signer_infos.len()));
    }
    // ETSI EN 319 142-1, 6.3 (and ISO 32000-2, 12.8.3.3.1): a detached signature's eContent
    // is absent. Integrity was still checked over what was signed.
    if kind == Kind::Detached && cms.content.is_some() && !failed(o) {
        o.verdict = Some(Reason::ContentInDetached);
    }
    // A well-formed range that is not the standard one (§12.8.1: the gap is exactly the
    // /Contents string, held once): the bytes are checked, the format fails.
    if !check.problems.is_empty() && !failed(o) {
        o.verdict = Some(Reason::NonStandardByteRange {
            problems: check.problems.clone(),
        });
    }
}

/// `adbe.x509.rsa_sha1` (ISO 32000-1, 12.8.3.2): an RSA PKCS#1 v1.5 signature over the signed
/// byte ranges, the signer's certificate first in `/Cert`. The standard names SHA-1; writers
/// that used a SHA-2 digest are accepted too (the PKCS#1 DigestInfo names the digest, so only
/// the right one can verify).
pub(super) fn raw_rsa(
    sh: &Shared<'_>,
    sig: &Signature,
    value: &[u8],
    ranges: Option<SignedRanges>,
    covered_poe: Option<i64>,
) -> Outcome {
    let mut o = Outcome::new();
    let Some(ranges) = ranges else {
        o.fail(Reason::UnusableByteRange { problems: vec![] });
        return o;
    };
    let certs: Vec<Cert> = sig
        .certs
        .iter()
        .filter_map(|d| sh.caches.certificate(d))
        .collect();
    let Some(signer) = certs.first().cloned() else {
        o.integrity = Integrity::Unsupported;
        o.fail(Reason::RawRsaWithoutCertificate);
        return o;
    };
    o.signer = Some(signer.clone());
    o.warnings.extend(signer.key.defects.iter().cloned());
    let message = ranges.joined(sh.data);
    if !judge_signature_value(&mut o, raw_rsa_verify(&signer, &message, value)) {
        return o;
    }
    let used = o.scheme_hash;
    let sources = sh.base_sources.clone();
    let mut offered = certs;
    offered.extend(sh.dss_certs.iter().cloned());
    let times = Times {
        poe: covered_poe,
        signing: None,
    };
    certificate_checks(
        sh,
        &mut o,
        &signer,
        &offered,
        &sources,
        Purpose::Signing,
        times,
    );
    if o.verdict.is_none() {
        let sha1 = used == Some(DigestAlgorithm::Sha1);
        policy::constraints(
            &mut o,
            &sh.ctx.policy,
            sh.ctx.at,
            sha1,
            &signer,
            covered_poe,
        );
    }
    policy::signature_rules(sh, &mut o, &signer, None, false);
    if sh.ctx.keep_objects {
        o.objects = Some(Box::new(ValidationObjects {
            signature_value: value.to_vec(),
            signed_digest: used.map(|d| (d, d.digest(&message).as_ref().to_vec())),
            path: o.path.clone(),
            timestamp_token: None,
            poe: covered_poe,
            revocation: o.revocation_object,
        }));
    }
    o
}

/// The raw PKCS#1 v1.5 value checked with each digest a writer may have used.
fn raw_rsa_verify(
    signer: &Cert,
    message: &[u8],
    value: &[u8],
) -> Result<crypto::Verified, VerifyError> {
    let rsa = AlgorithmIdentifier {
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
        match crypto::verify(&signer.key, &rsa, Some(d), message, value) {
            Err(VerifyError::Invalid) => {}
            other => {
                verified = other;
                if verified.is_ok() {
                    break;
                }
            }
        }
    }
    verified
}
