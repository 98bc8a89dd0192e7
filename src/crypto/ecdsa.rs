//! ECDSA (FIPS 186-5, 6.4.2; RFC 5480, RFC 5758): ring for P-256 and P-384 with SHA-256 and
//! SHA-384, RustCrypto's curve crates (p256, p384, p521, bp256, bp384) for every other curve and
//! hash, over the message's digest. Signature values are the DER `Ecdsa-Sig-Value` of X9.62, or
//! the plain `r ‖ s` of BSI TR-03111 (the `ecdsa-plain-*` algorithms).

use ring::signature::{self as sig, UnparsedPublicKey, VerificationAlgorithm};

use crate::asn1::{der as asn1_der, positive_integer, tag, Tlv};

use super::hash::DigestAlgorithm;
use super::key::PublicKey;
use super::{oid, VerifyError};

/// How the signature value is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (RFC 5480, 2.2; X9.62).
    Der,
    /// `r ‖ s`, each as long as the curve's order (BSI TR-03111, 5.2.1).
    Plain,
}

/// What verifying found beside validity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// The signature value was not DER (read leniently, as `r` and `s`).
    pub not_der: bool,
}

/// Verifies an ECDSA signature with `hash` on the key's curve.
pub(super) fn verify(
    key: &PublicKey,
    hash: DigestAlgorithm,
    encoding: Encoding,
    message: &[u8],
    signature: &[u8],
) -> Result<Found, VerifyError> {
    let curve = key.curve.unwrap_or(UNNAMED);
    if let Some(alg) = ring_algorithm(curve, hash, encoding) {
        if UnparsedPublicKey::new(alg, &key.bits)
            .verify(message, signature)
            .is_ok()
        {
            return Ok(Found::default());
        }
    }
    let width = match curve {
        oid::P256 | oid::BRAINPOOL_P256R1 => 32,
        oid::P384 | oid::BRAINPOOL_P384R1 => 48,
        oid::P521 => 66,
        other => {
            return Err(VerifyError::Unsupported(format!(
                "ECDSA on {}",
                if other == UNNAMED {
                    "an unnamed curve".into()
                } else {
                    oid::name(&other)
                }
            )))
        }
    };
    let (rs, not_der) = match encoding {
        Encoding::Plain if signature.len() == 2 * width => (signature.to_vec(), false),
        Encoding::Plain => return Err(VerifyError::Invalid),
        Encoding::Der => der_scalars(signature, width).ok_or(VerifyError::Invalid)?,
    };
    let prehash = hash.digest(message);
    // RustCrypto's verification of `rs` over the prehash with the SEC1 point; an error for a
    // point that is not on the curve (a key that cannot verify anything).
    macro_rules! prehashed {
        ($curve:path) => {{
            use ecdsa::signature::hazmat::PrehashVerifier;
            type Vk = ecdsa::VerifyingKey<$curve>;
            type Sig = ecdsa::Signature<$curve>;
            let vk = Vk::from_sec1_bytes(&key.bits).map_err(|_| {
                VerifyError::Unsupported("an EC public key not on its curve".into())
            })?;
            match Sig::from_slice(&rs) {
                Ok(s) => vk.verify_prehash(prehash.as_ref(), &s).is_ok(),
                Err(_) => false, // r or s out of range
            }
        }};
    }
    let ok = match curve {
        oid::P256 => prehashed!(p256::NistP256),
        oid::P384 => prehashed!(p384::NistP384),
        oid::P521 => prehashed!(p521::NistP521),
        oid::BRAINPOOL_P256R1 => prehashed!(bp256::BrainpoolP256r1),
        oid::BRAINPOOL_P384R1 => prehashed!(bp384::BrainpoolP384r1),
        _ => unreachable!("curves without a width returned above"),
    };
    if ok {
        Ok(Found { not_der })
    } else {
        Err(VerifyError::Invalid)
    }
}

/// What a key without a named curve (explicit parameters) is matched as.
const UNNAMED: oid::Oid = oid::Oid::new_unwrap("0.0");

/// ring's verifier, where it has one.
fn ring_algorithm(
    curve: oid::Oid,
    hash: DigestAlgorithm,
    encoding: Encoding,
) -> Option<&'static dyn VerificationAlgorithm> {
    use DigestAlgorithm::{Sha256, Sha384};
    use Encoding::{Der, Plain};
    Some(match (curve, hash, encoding) {
        (oid::P256, Sha256, Der) => &sig::ECDSA_P256_SHA256_ASN1,
        (oid::P256, Sha384, Der) => &sig::ECDSA_P256_SHA384_ASN1,
        (oid::P384, Sha256, Der) => &sig::ECDSA_P384_SHA256_ASN1,
        (oid::P384, Sha384, Der) => &sig::ECDSA_P384_SHA384_ASN1,
        (oid::P256, Sha256, Plain) => &sig::ECDSA_P256_SHA256_FIXED,
        (oid::P384, Sha384, Plain) => &sig::ECDSA_P384_SHA384_FIXED,
        _ => return None,
    })
}

/// `r ‖ s` from an `Ecdsa-Sig-Value`, each left-padded to `width`; and whether the value was
/// not DER (BER lengths, redundant or missing sign octets), which is read anyway.
fn der_scalars(signature: &[u8], width: usize) -> Option<(Vec<u8>, bool)> {
    let t = Tlv::parse_whole(signature).ok()?;
    if !t.is(tag::SEQUENCE) {
        return None;
    }
    let items = t.items().ok()?;
    let [r, s] = items.as_slice() else {
        return None;
    };
    let mut out = Vec::with_capacity(2 * width);
    let mut der = Vec::new();
    for i in [r, s] {
        if !i.is(tag::INTEGER) || i.content.is_empty() {
            return None;
        }
        let z = i.content.iter().take_while(|&&b| b == 0).count();
        let m = &i.content[z..];
        if m.len() > width {
            return None;
        }
        out.extend(std::iter::repeat_n(0u8, width - m.len()));
        out.extend_from_slice(m);
        der.extend(asn1_der(tag::INTEGER as u8, &positive_integer(m)));
    }
    // What the same r and s are in DER: anything else (BER lengths, redundant or missing
    // sign octets) was read leniently.
    let not_der = asn1_der(0x30, &der) != signature;
    Some((out, not_der))
}
