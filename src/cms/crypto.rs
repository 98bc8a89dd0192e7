//! Signature verification through ring, with the algorithm identified from CMS or X.509.
//!
//! ring verifies RSA PKCS#1 v1.5 (SHA-1 and SHA-2), RSA-PSS (SHA-2, salt = hash length), ECDSA on
//! P-256/P-384 and Ed25519. Everything else (Ed448, brainpool curves, SHA-3, DSA, SHA-224) is
//! [`VerifyError::Unsupported`]: the signature is neither good nor bad as far as sigaudit can
//! tell, and the verdict says INDETERMINATE rather than a false TOTAL_FAILED.

use ring::signature::{self as sig, UnparsedPublicKey, VerificationAlgorithm};

use super::ber::{tag, Tlv};
use super::AlgorithmIdentifier;
use crate::digest::DigestAlgorithm;

/// Algorithm OIDs (dotted form).
pub mod oid {
    /// rsaEncryption (RFC 8017, A.1).
    pub const RSA: &str = "1.2.840.113549.1.1.1";
    /// sha1WithRSAEncryption.
    pub const RSA_SHA1: &str = "1.2.840.113549.1.1.5";
    /// sha256WithRSAEncryption.
    pub const RSA_SHA256: &str = "1.2.840.113549.1.1.11";
    /// sha384WithRSAEncryption.
    pub const RSA_SHA384: &str = "1.2.840.113549.1.1.12";
    /// sha512WithRSAEncryption.
    pub const RSA_SHA512: &str = "1.2.840.113549.1.1.13";
    /// id-RSASSA-PSS (RFC 8017, A.2.3).
    pub const RSA_PSS: &str = "1.2.840.113549.1.1.10";
    /// id-ecPublicKey (RFC 5480, 2.1.1).
    pub const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
    /// ecdsa-with-SHA1.
    pub const ECDSA_SHA1: &str = "1.2.840.10045.4.1";
    /// ecdsa-with-SHA256 (RFC 5758, 3.2).
    pub const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
    /// ecdsa-with-SHA384.
    pub const ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
    /// ecdsa-with-SHA512.
    pub const ECDSA_SHA512: &str = "1.2.840.10045.4.3.4";
    /// secp256r1 (P-256).
    pub const P256: &str = "1.2.840.10045.3.1.7";
    /// secp384r1 (P-384).
    pub const P384: &str = "1.3.132.0.34";
    /// id-Ed25519 (RFC 8410, 3).
    pub const ED25519: &str = "1.3.101.112";
    /// id-Ed448.
    pub const ED448: &str = "1.3.101.113";
    /// id-sha1.
    pub const SHA1: &str = "1.3.14.3.2.26";
    /// id-sha256.
    pub const SHA256: &str = "2.16.840.1.101.3.4.2.1";
    /// id-sha384.
    pub const SHA384: &str = "2.16.840.1.101.3.4.2.2";
    /// id-sha512.
    pub const SHA512: &str = "2.16.840.1.101.3.4.2.3";
}

/// The digest algorithm named by a hash OID, if ring computes it.
pub fn digest_algorithm(oid_s: &str) -> Option<DigestAlgorithm> {
    Some(match oid_s {
        oid::SHA1 | oid::RSA_SHA1 => DigestAlgorithm::Sha1,
        oid::SHA256 | oid::RSA_SHA256 => DigestAlgorithm::Sha256,
        oid::SHA384 | oid::RSA_SHA384 => DigestAlgorithm::Sha384,
        oid::SHA512 | oid::RSA_SHA512 => DigestAlgorithm::Sha512,
        _ => return None,
    })
}

/// Readable name of a known algorithm OID (for reasons in reports).
pub fn name(oid_s: &str) -> &str {
    match oid_s {
        oid::RSA => "rsaEncryption",
        oid::RSA_SHA1 => "sha1WithRSAEncryption",
        oid::RSA_SHA256 => "sha256WithRSAEncryption",
        oid::RSA_SHA384 => "sha384WithRSAEncryption",
        oid::RSA_SHA512 => "sha512WithRSAEncryption",
        oid::RSA_PSS => "RSASSA-PSS",
        oid::EC_PUBLIC_KEY => "ecPublicKey",
        oid::ECDSA_SHA1 => "ecdsa-with-SHA1",
        oid::ECDSA_SHA256 => "ecdsa-with-SHA256",
        oid::ECDSA_SHA384 => "ecdsa-with-SHA384",
        oid::ECDSA_SHA512 => "ecdsa-with-SHA512",
        oid::ED25519 => "Ed25519",
        oid::ED448 => "Ed448",
        oid::SHA1 => "SHA-1",
        oid::SHA256 => "SHA-256",
        oid::SHA384 => "SHA-384",
        oid::SHA512 => "SHA-512",
        "2.16.840.1.101.3.4.2.4" => "SHA-224",
        "2.16.840.1.101.3.4.2.8" => "SHA3-256",
        "2.16.840.1.101.3.4.2.9" => "SHA3-384",
        "2.16.840.1.101.3.4.2.10" => "SHA3-512",
        "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1",
        "1.3.36.3.3.2.8.1.1.11" => "brainpoolP384r1",
        "1.3.36.3.3.2.8.1.1.13" => "brainpoolP512r1",
        "1.2.840.10040.4.1" => "DSA",
        other => other,
    }
}

/// A public key as ring needs it, from a `SubjectPublicKeyInfo` (RFC 5280, 4.1.2.7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    /// Algorithm OID of the key.
    pub algorithm: String,
    /// Named curve OID for EC keys.
    pub curve: Option<String>,
    /// The `subjectPublicKey` BIT STRING contents (RSAPublicKey DER, EC point, Ed25519 key).
    pub bits: Vec<u8>,
    /// Key size in bits (RSA modulus length, EC field size).
    pub size: u32,
}

impl PublicKey {
    /// A short description such as `RSA-2048` or `ECDSA-P256`.
    pub fn describe(&self) -> String {
        match self.algorithm.as_str() {
            oid::RSA | oid::RSA_PSS => format!("RSA-{}", self.size),
            oid::EC_PUBLIC_KEY => match self.curve.as_deref() {
                Some(oid::P256) => "ECDSA-P256".into(),
                Some(oid::P384) => "ECDSA-P384".into(),
                Some(c) => format!("ECDSA-{}", name(c)),
                None => "ECDSA".into(),
            },
            other => name(other).to_string(),
        }
    }

    /// The RSA modulus length in bits of an RSAPublicKey (`SEQUENCE { modulus INTEGER,
    /// publicExponent INTEGER }`, RFC 8017 A.1.1).
    pub fn rsa_modulus_bits(bits: &[u8]) -> Option<u32> {
        let t = Tlv::parse_whole(bits)
            .ok()?
            .expect(tag::SEQUENCE, "")
            .ok()?;
        let n = t.children().next()?.ok()?.integer().ok()?;
        let lead = n.first().map_or(0, |b| 8 - b.leading_zeros());
        Some((n.len() as u32).saturating_sub(1) * 8 + lead)
    }
}

/// Why a signature did not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The algorithms are supported and the signature is wrong.
    Invalid,
    /// sigaudit cannot check this combination; the reason names it.
    Unsupported(String),
}

/// Hash OID inside RSASSA-PSS-params (`[0] hashAlgorithm` DEFAULT sha1) and the salt length
/// (`[2] saltLength` DEFAULT 20) (RFC 8017, A.2.3).
fn pss_params(params: Option<&[u8]>) -> Result<(String, u64), VerifyError> {
    let mut hash = oid::SHA1.to_string();
    let mut salt = 20;
    if let Some(p) = params {
        let t = Tlv::parse_whole(p).map_err(|e| VerifyError::Unsupported(e.to_string()))?;
        for c in t.children() {
            let c = c.map_err(|e| VerifyError::Unsupported(e.to_string()))?;
            let inner = c.children().next().and_then(Result::ok);
            match (c.tag, inner) {
                (0, Some(i)) => {
                    hash = AlgorithmIdentifier::from_tlv(i)
                        .map_err(|e| VerifyError::Unsupported(e.to_string()))?
                        .oid
                }
                (2, Some(i)) => {
                    salt = i
                        .small_uint()
                        .map_err(|e| VerifyError::Unsupported(e.to_string()))?
                }
                _ => {}
            }
        }
    }
    Ok((hash, salt))
}

/// Chooses ring's algorithm for a key, a signature algorithm and (for `rsaEncryption` or
/// `ecPublicKey` given as the signature algorithm, as many CMS signers write) the digest
/// algorithm.
pub fn algorithm(
    key: &PublicKey,
    signature_algorithm: &AlgorithmIdentifier<'_>,
    digest_oid: Option<&'static str>,
) -> Result<&'static dyn VerificationAlgorithm, VerifyError> {
    let unsupported = |what: &str| Err(VerifyError::Unsupported(what.to_string()));
    let sa = signature_algorithm.oid.as_str();
    let digest_of = |fallback: Option<&'static str>| -> Option<&'static str> {
        match sa {
            oid::RSA_SHA1 | oid::ECDSA_SHA1 => Some(oid::SHA1),
            oid::RSA_SHA256 | oid::ECDSA_SHA256 => Some(oid::SHA256),
            oid::RSA_SHA384 | oid::ECDSA_SHA384 => Some(oid::SHA384),
            oid::RSA_SHA512 | oid::ECDSA_SHA512 => Some(oid::SHA512),
            _ => fallback,
        }
    };
    match key.algorithm.as_str() {
        oid::RSA | oid::RSA_PSS => {
            if sa == oid::RSA_PSS {
                let (hash, salt) = pss_params(signature_algorithm.params.as_deref())?;
                let (alg, len): (&'static dyn VerificationAlgorithm, u64) = match hash.as_str() {
                    oid::SHA256 => (&sig::RSA_PSS_2048_8192_SHA256, 32),
                    oid::SHA384 => (&sig::RSA_PSS_2048_8192_SHA384, 48),
                    oid::SHA512 => (&sig::RSA_PSS_2048_8192_SHA512, 64),
                    h => return unsupported(&format!("RSASSA-PSS with {}", name(h))),
                };
                if salt != len {
                    return unsupported(&format!("RSASSA-PSS with a {salt}-byte salt"));
                }
                if key.size < 2048 {
                    return unsupported(&format!("RSASSA-PSS with a {}-bit key", key.size));
                }
                return Ok(alg);
            }
            if !matches!(
                sa,
                oid::RSA | oid::RSA_SHA1 | oid::RSA_SHA256 | oid::RSA_SHA384 | oid::RSA_SHA512
            ) {
                return unsupported(&format!("{} with an RSA key", name(sa)));
            }
            let small = key.size < 2048;
            Ok(match (digest_of(digest_oid), small) {
                (Some(oid::SHA1), _) => &sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
                (Some(oid::SHA256), _) => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
                (Some(oid::SHA384), false) => &sig::RSA_PKCS1_2048_8192_SHA384,
                (Some(oid::SHA512), _) => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
                (Some(h), _) => {
                    return unsupported(&format!(
                        "RSA PKCS#1 v1.5 with {} and a {}-bit key",
                        name(h),
                        key.size
                    ))
                }
                (None, _) => return unsupported("RSA signature without a digest algorithm"),
            })
        }
        oid::EC_PUBLIC_KEY => {
            if !matches!(
                sa,
                oid::EC_PUBLIC_KEY
                    | oid::ECDSA_SHA1
                    | oid::ECDSA_SHA256
                    | oid::ECDSA_SHA384
                    | oid::ECDSA_SHA512
            ) {
                return unsupported(&format!("{} with an EC key", name(sa)));
            }
            let curve = key.curve.as_deref().unwrap_or("");
            Ok(match (curve, digest_of(digest_oid)) {
                (oid::P256, Some(oid::SHA256)) => &sig::ECDSA_P256_SHA256_ASN1,
                (oid::P256, Some(oid::SHA384)) => &sig::ECDSA_P256_SHA384_ASN1,
                (oid::P384, Some(oid::SHA256)) => &sig::ECDSA_P384_SHA256_ASN1,
                (oid::P384, Some(oid::SHA384)) => &sig::ECDSA_P384_SHA384_ASN1,
                (c, h) => {
                    return unsupported(&format!(
                        "ECDSA on {} with {}",
                        name(c),
                        h.map_or("no digest", name)
                    ))
                }
            })
        }
        oid::ED25519 => {
            if sa == oid::ED25519 {
                Ok(&sig::ED25519)
            } else {
                unsupported(&format!("{} with an Ed25519 key", name(sa)))
            }
        }
        other => unsupported(&format!("{} keys", name(other))),
    }
}

/// Verifies `signature` over `message`.
pub fn verify(
    key: &PublicKey,
    signature_algorithm: &AlgorithmIdentifier<'_>,
    digest_oid: Option<&'static str>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    if is_ecdsa_p256_sha1(key, signature_algorithm, digest_oid) {
        return ecdsa_p256_sha1(key, message, signature);
    }
    let alg = algorithm(key, signature_algorithm, digest_oid)?;
    UnparsedPublicKey::new(alg, &key.bits)
        .verify(message, signature)
        .map_err(|_| VerifyError::Invalid)
}

fn is_ecdsa_p256_sha1(
    key: &PublicKey,
    signature_algorithm: &AlgorithmIdentifier<'_>,
    digest_oid: Option<&str>,
) -> bool {
    key.algorithm == oid::EC_PUBLIC_KEY
        && key.curve.as_deref() == Some(oid::P256)
        && (signature_algorithm.oid == oid::ECDSA_SHA1
            || (signature_algorithm.oid == oid::EC_PUBLIC_KEY && digest_oid == Some(oid::SHA1)))
}

/// ECDSA P-256 with SHA-1, which legacy signing software still writes and ring does not verify:
/// the SHA-1 digest is checked with RustCrypto's prehash verifier (FIPS 186-4, 6.4). The
/// algorithm policy then grades SHA-1 like any other use of it.
fn ecdsa_p256_sha1(key: &PublicKey, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    let vk =
        p256::ecdsa::VerifyingKey::from_sec1_bytes(&key.bits).map_err(|_| VerifyError::Invalid)?;
    let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| VerifyError::Invalid)?;
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, message);
    vk.verify_prehash(digest.as_ref(), &sig)
        .map_err(|_| VerifyError::Invalid)
}
