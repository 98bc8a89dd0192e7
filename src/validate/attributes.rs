//! The SignerInfo's own bytes (RFC 5652, 5.3–5.6): signed attributes, the message digest,
//! the signer's identification and the signature value.

use std::borrow::Cow;

use super::reason::EssFault;
use super::time::rfc3339;
use super::{Outcome, Reason};
use crate::asn1;
use crate::cms::{self, oid, SignerId, SignerInfo};
use crate::crypto::{self, oid as alg, DigestAlgorithm, Verified, VerifyError};
use crate::pki::cert::Cert;
use crate::report::Integrity;

/// Checks the signer-info's own bytes: attributes, message digest, signature value. Returns
/// the signer certificate when the signature verifies.
pub(super) fn check_signer_info(
    o: &mut Outcome,
    si: &SignerInfo<'_>,
    content_type: asn1::Oid,
    content_digest: &[u8],
    content: Option<&[u8]>,
    pool: &[Cert],
) -> Option<Cert> {
    let Some(digest_alg) = DigestAlgorithm::from_oid(&si.digest_algorithm.oid) else {
        o.integrity = Integrity::Unsupported;
        o.fail(Reason::UnsupportedDigest(si.digest_algorithm.oid));
        return None;
    };
    let to_verify: Cow<'_, [u8]> = match si.signed_attrs_to_verify() {
        Some(attrs) => {
            signed_attributes(o, si, content_type, content_digest)?;
            Cow::Owned(attrs)
        }
        None => match content {
            Some(c) => Cow::Borrowed(c),
            None => {
                o.integrity = Integrity::Unsupported;
                o.fail(Reason::NothingToVerify);
                return None;
            }
        },
    };
    let Some(signer) = find_signer(&si.sid, pool) else {
        o.integrity = Integrity::Unsupported;
        o.fail(Reason::SignerCertificateNotFound);
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
    if let Err(e) = signing_certificate(si, &signer) {
        o.fail(Reason::SigningCertificate(e));
        return None;
    }
    Some(signer)
}

/// The signed attributes (RFC 5652, 11): exactly one message-digest, matching the content's
/// digest; at most one content-type, matching the content's type; the signing time as
/// claimed; the algorithm protection attribute.
fn signed_attributes(
    o: &mut Outcome,
    si: &SignerInfo<'_>,
    content_type: asn1::Oid,
    content_digest: &[u8],
) -> Option<()> {
    let (md, n_md) = si.signed_attr(oid::MESSAGE_DIGEST);
    let (ct, n_ct) = si.signed_attr(oid::CONTENT_TYPE);
    if n_md != 1 || n_ct > 1 {
        o.fail(Reason::SignedAttributeCount);
        return None;
    }
    if ct.is_some_and(|ct| ct.oid().ok() != Some(content_type)) {
        o.fail(Reason::ContentTypeMismatch);
        return None;
    }
    let md = md.and_then(|m| m.octets().ok());
    if md.as_deref() != Some(content_digest) {
        o.integrity = Integrity::HashMismatch;
        o.fail(Reason::MessageDigestMismatch);
        return None;
    }
    if let (Some(t), _) = si.signed_attr(oid::SIGNING_TIME) {
        o.claimed_time = t.time().ok().map(rfc3339);
    }
    if !algorithm_protection(si) {
        o.fail(Reason::AlgorithmProtectionMismatch);
        return None;
    }
    Some(())
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

/// `CMSAlgorithmProtection ::= SEQUENCE { digestAlgorithm DigestAlgorithmIdentifier,
/// signatureAlgorithm [1] SignatureAlgorithmIdentifier OPTIONAL, macAlgorithm [2] … OPTIONAL }`
/// (RFC 6211, 2): when present it must name the SignerInfo's algorithms.
fn algorithm_protection(si: &SignerInfo<'_>) -> bool {
    let (Some(v), _) = si.signed_attr(oid::ALGORITHM_PROTECTION) else {
        return true;
    };
    let Ok(items) = v.items() else {
        return false;
    };
    let digest = items
        .first()
        .and_then(|t| cms::AlgorithmIdentifier::from_tlv(*t).ok());
    if digest.is_none_or(|d| d.oid != si.digest_algorithm.oid) {
        return false;
    }
    items[1..].iter().filter(|t| t.is_context(1)).all(|t| {
        t.children()
            .next()
            .and_then(Result::ok)
            .is_some_and(|o| o.oid().ok() == Some(si.signature_algorithm.oid))
    })
}

/// ESS signing-certificate (RFC 2634, 5.4: `ESSCertID ::= SEQUENCE { certHash Hash (SHA-1),
/// issuerSerial IssuerSerial OPTIONAL }`) and signing-certificate-v2 (RFC 5035, 3:
/// `ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
/// certHash Hash, issuerSerial IssuerSerial OPTIONAL }`): the first ESSCertID names the signer.
fn signing_certificate(si: &SignerInfo<'_>, signer: &Cert) -> Result<(), EssFault> {
    for (attr, v2) in [
        (oid::SIGNING_CERTIFICATE_V2, true),
        (oid::SIGNING_CERTIFICATE, false),
    ] {
        let (Some(v), _) = si.signed_attr(attr) else {
            continue;
        };
        let certs = v
            .children()
            .next()
            .and_then(Result::ok)
            .ok_or(EssFault::Empty)?;
        let first = certs
            .children()
            .next()
            .and_then(Result::ok)
            .ok_or(EssFault::NoCertId)?;
        let items = first.items().map_err(|_| EssFault::MalformedCertId)?;
        let (alg_oid, hash_t) = match items.first() {
            Some(t) if v2 && t.is(asn1::tag::SEQUENCE) => (
                cms::AlgorithmIdentifier::from_tlv(*t)
                    .map_err(|_| EssFault::BadHashAlgorithm)?
                    .oid,
                items.get(1),
            ),
            Some(t) => (if v2 { alg::SHA256 } else { alg::SHA1 }, Some(t)),
            None => return Err(EssFault::EmptyCertId),
        };
        let hash = hash_t
            .and_then(|t| t.octets().ok())
            .ok_or(EssFault::NoCertHash)?;
        let a = DigestAlgorithm::from_oid(&alg_oid).ok_or(EssFault::UnsupportedHash(alg_oid))?;
        // The certificate's SHA-256 is its fingerprint, computed when it was parsed.
        let matches = match a {
            DigestAlgorithm::Sha256 => signer.sha256[..] == hash[..],
            _ => a.digest(&signer.der).as_ref() == &hash[..],
        };
        if !matches {
            return Err(EssFault::OtherCertificate);
        }
        return Ok(());
    }
    Ok(())
}

/// Records the outcome of checking a signature value: integrity `ok`, or `signature_invalid`
/// (SIG_CRYPTO_FAILURE), or `unsupported` (INDETERMINATE, the algorithm named). Returns whether
/// the value verified.
pub(super) fn judge_signature_value(
    o: &mut Outcome,
    result: Result<Verified, VerifyError>,
) -> bool {
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
            o.fail(Reason::SignatureValue(e));
            false
        }
    }
}
