//! The validation policy's constraints on one signature (ETSI EN 319 102-1, 5.2.8 signature
//! acceptance validation; the cryptographic constraints of ETSI TS 119 312), each a [`Rule`]
//! graded by the policy: a FAIL becomes the signature's [`Reason::Policy`] (or the
//! algorithm's [`Reason::WeakAlgorithm`]), a WARN or INFORM is reported and changes nothing.

use super::reason::Weakness;
use super::time::rfc3339;
use super::{Outcome, Reason, Shared};
use crate::cms::{oid, SignerInfo};
use crate::crypto::{oid as alg, DigestAlgorithm};
use crate::pki::cert::Cert;
use crate::policy::{Level, Policy, Role, Rule};

/// Graded algorithm constraints (`algorithms.digest`, `algorithms.key-size`): SHA-1 and keys
/// under the policy's sizes are acceptable for signatures proven to exist before the policy's
/// cut-off dates (ETSI TS 119 312). `poe` is the earliest proof of existence of the
/// signature; the validation time `at` is the latest any signature has (whatever is at hand
/// exists then).
pub(super) fn constraints(
    o: &mut Outcome,
    policy: &Policy,
    at: i64,
    legacy_digest: bool,
    signer: &Cert,
    poe: Option<i64>,
) {
    let p = &policy.params;
    let key = &signer.key;
    let small = match key.algorithm {
        a if a == alg::RSA || a == alg::RSA_PSS => (key.size < p.rsa_min_bits).then_some("RSA"),
        a if a == alg::EC_PUBLIC_KEY => (key.size < p.ec_min_bits).then_some("EC"),
        _ => None,
    };
    let min = |kind| match kind {
        "RSA" => p.rsa_min_bits,
        _ => p.ec_min_bits,
    };
    let mut weak = Vec::new();
    if legacy_digest {
        weak.push((Rule::AlgorithmsDigest, p.sha1_until, Weakness::Sha1));
    }
    if let Some(kind) = small {
        let weakness = Weakness::SmallKey {
            kind,
            bits: key.size,
            min: min(kind),
        };
        weak.push((Rule::AlgorithmsKeySize, p.key_size_until, weakness));
    }
    for (rule, until, weakness) in weak {
        let level = policy.level(rule);
        if level == Level::Ignore {
            continue;
        }
        let accepted = at < until || poe.is_some_and(|t| t < until);
        if accepted {
            let (rule, level) = match weakness {
                Weakness::Sha1 => (
                    Rule::AlgorithmsSha1Legacy,
                    policy.level(Rule::AlgorithmsSha1Legacy),
                ),
                _ => (rule, Level::Inform),
            };
            o.note(rule, level, || {
                format!(
                    "uses {weakness}: accepted, the signature being proven to exist before {}",
                    rfc3339(until)
                )
            });
            continue;
        }
        let reason = Reason::WeakAlgorithm {
            weakness,
            until,
            proven: poe,
        };
        o.note(rule, level, || reason.to_string());
        if level == Level::Fail {
            o.fail(reason);
        }
    }
}

/// The policy's other rules on one signature whose signer is known: the path's anchor, SHA-1
/// still present, the timestamp, the claimed time, the signed attributes, the signer's role.
/// `si` is none for `adbe.x509.rsa_sha1`; `timestamp` is whether this is a document timestamp.
pub(super) fn signature_rules(
    sh: &Shared<'_>,
    o: &mut Outcome,
    signer: &Cert,
    si: Option<&SignerInfo<'_>>,
    doc_timestamp: bool,
) {
    let policy = &sh.ctx.policy;
    if policy.checks(Rule::TrustAnchor) {
        trust_anchor(sh, o);
    }
    if policy.checks(Rule::AlgorithmsSha1Legacy) {
        sha1_present(policy, o);
    }
    if doc_timestamp {
        return;
    }
    if policy.checks(Rule::TimestampPresent) && o.timestamp_time.is_none() {
        let why = match &o.timestamp {
            None => "no signature timestamp: the signing time is the signer's claim only".into(),
            Some(t) => format!(
                "the signature timestamp does not verify ({}): the signing time is the signer's claim only",
                t.reason.as_deref().unwrap_or("not valid")
            ),
        };
        o.broke(policy, Rule::TimestampPresent, || why);
    }
    if policy.checks(Rule::TimeLocalSigningTime) {
        local_signing_time(policy, o);
    }
    if policy.checks(Rule::AttributesRequired) {
        attributes(policy, o, si);
    }
    if policy.checks(Rule::RoleKnown) && Role::of(signer) == Role::Unknown {
        let evidence = Role::evidence(signer);
        o.broke(policy, Rule::RoleKnown, || {
            format!(
                "the signer certificate names no personal or organisation identifier ({evidence})"
            )
        });
    }
}

/// `trust.anchor`: the path ends at one of the policy's own anchors.
fn trust_anchor(sh: &Shared<'_>, o: &mut Outcome) {
    let policy = &sh.ctx.policy;
    let why = match o.path.last() {
        None => "no path to any of the policy's anchors".to_string(),
        Some(a) if sh.ctx.policy_anchors.contains(&a.sha256) => return,
        Some(a) => format!(
            "the path ends at \"{}\", which is not one of the policy's {} anchors",
            a.subject,
            sh.ctx.policy_anchors.len()
        ),
    };
    o.broke(policy, Rule::TrustAnchor, || why);
}

/// Signature algorithms that hash with SHA-1.
const SHA1_SIGNATURES: [crate::asn1::Oid; 3] =
    [alg::RSA_SHA1, alg::ECDSA_SHA1, alg::ECDSA_PLAIN_SHA1];

/// `algorithms.sha1-legacy`: SHA-1 in the signature timestamp's imprint or in the
/// signatures of the path's certificates (the anchor's own aside: nothing relies on it).
fn sha1_present(policy: &Policy, o: &mut Outcome) {
    let level = policy.level(Rule::AlgorithmsSha1Legacy);
    if o.timestamp_imprint == Some(DigestAlgorithm::Sha1) {
        o.note(Rule::AlgorithmsSha1Legacy, level, || {
            "the signature timestamp's message imprint is SHA-1".into()
        });
    }
    let below_anchor = o.path.len().saturating_sub(1);
    let signed_sha1: Vec<String> = o.path[..below_anchor]
        .iter()
        .filter(|c| SHA1_SIGNATURES.contains(&c.signed.algorithm.oid))
        .map(|c| format!("\"{}\"", c.subject))
        .collect();
    if !signed_sha1.is_empty() {
        o.note(Rule::AlgorithmsSha1Legacy, level, || {
            format!(
                "certificates of the path are signed with SHA-1: {}",
                signed_sha1.join(", ")
            )
        });
    }
}

/// `time.local-signing-time`: the claimed signingTime is the timestamp's genTime plus the
/// offset, give or take the tolerance: local time written as UTC.
fn local_signing_time(policy: &Policy, o: &mut Outcome) {
    let (Some(claimed), Some(ts)) = (o.claimed_time.as_deref(), o.timestamp_time) else {
        return;
    };
    let Ok(claimed_t) = super::ValidationTime::parse_rfc3339(claimed) else {
        return;
    };
    let p = &policy.params;
    let ahead = claimed_t.unix() - ts;
    if (ahead - p.local_offset_hours * 3600).abs() <= p.local_tolerance_minutes * 60 {
        let detail = format!(
            "signingTime {claimed} is {}h{:02}m ahead of the timestamp's genTime {}: local time (UTC{:+}) labelled UTC; the timestamp's time is the one trusted",
            ahead / 3600,
            (ahead.abs() % 3600) / 60,
            rfc3339(ts),
            p.local_offset_hours
        );
        o.broke(policy, Rule::TimeLocalSigningTime, || detail);
    }
}

/// `attributes.required`: the named signed attributes are present.
fn attributes(policy: &Policy, o: &mut Outcome, si: Option<&SignerInfo<'_>>) {
    let missing: Vec<&str> = policy
        .params
        .required_attributes
        .iter()
        .map(String::as_str)
        .filter(|name| {
            let Some(si) = si else { return true };
            let has = |oid| si.signed_attr(oid).0.is_some();
            match *name {
                "content-type" => !has(oid::CONTENT_TYPE),
                "message-digest" => !has(oid::MESSAGE_DIGEST),
                "signing-time" => !has(oid::SIGNING_TIME),
                "signing-certificate" => {
                    !has(oid::SIGNING_CERTIFICATE) && !has(oid::SIGNING_CERTIFICATE_V2)
                }
                _ => false,
            }
        })
        .collect();
    if !missing.is_empty() {
        let detail = match si {
            Some(si) if si.signed_attrs_raw.is_none() => format!(
                "no signed attributes (the signature is over the content itself); missing: {}",
                missing.join(", ")
            ),
            Some(_) => format!("missing signed attributes: {}", missing.join(", ")),
            None => "no SignerInfo (adbe.x509.rsa_sha1): no signed attributes".into(),
        };
        o.broke(policy, Rule::AttributesRequired, || detail);
    }
}
