//! Keys, hashes and signature verification.
//!
//! ring verifies what it covers (RSA PKCS#1 v1.5 and PSS of 1024/2048–8192 bits with SHA-1 and
//! SHA-2, ECDSA P-256/P-384 with SHA-256/384, Ed25519): it is the fast path. Everything else
//! real signers use is verified with RustCrypto crates — RSA of any size, with SHA-224, SHA-3 and
//! any PSS parameters (`rsa`), ECDSA on P-256, P-384 and P-521 with any hash and on
//! brainpoolP256r1/P384r1 (`p256`, `p384`, `p521`, `bp256`, `bp384`), Ed448
//! (`ed448-goldilocks`) — and a signature ring rejects is checked again there before it is
//! called invalid, so that a key or encoding ring refuses never makes a valid signature look
//! forged. What no crate here verifies (brainpoolP512r1, DSA, …) is
//! [`VerifyError::Unsupported`] with the algorithm named: neither good nor bad.

mod ecdsa;
mod eddsa;
mod hash;
mod key;
pub mod oid;
mod rsa;

pub use ecdsa::Encoding as EcdsaEncoding;
pub use hash::{Digest, DigestAlgorithm, Hasher};
pub use key::{PublicKey, RsaNumbers};
pub use rsa::Pss;

use crate::asn1::{AlgorithmIdentifier, Tlv};

/// Why a signature did not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The algorithms are supported and the signature is wrong.
    Invalid,
    /// sigaudit cannot check this combination; the reason names it.
    Unsupported(String),
    /// The signature algorithm cannot be used with the signer's key (an ECDSA algorithm with
    /// an RSA key, …): the signature contradicts itself and no key could verify it.
    Mismatch(String),
}

/// A signature scheme, with its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// RSASSA-PKCS1-v1_5 with a hash (RFC 8017, 8.2).
    Pkcs1(DigestAlgorithm),
    /// RSASSA-PSS (RFC 8017, 8.1).
    Pss(Pss),
    /// ECDSA with a hash and a signature encoding.
    Ecdsa(DigestAlgorithm, EcdsaEncoding),
    /// Ed25519 (RFC 8032, 5.1).
    Ed25519,
    /// Ed448 (RFC 8032, 5.2).
    Ed448,
}

impl Scheme {
    /// The hash that binds the message (what the algorithm policy grades).
    pub fn hash(self) -> DigestAlgorithm {
        match self {
            Scheme::Pkcs1(h) | Scheme::Ecdsa(h, _) => h,
            Scheme::Pss(p) => p.hash,
            Scheme::Ed25519 => DigestAlgorithm::Sha512,
            Scheme::Ed448 => DigestAlgorithm::Shake256,
        }
    }
}

/// A signature that verified: how, and what about it was not as the standards require.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The scheme it verified under.
    pub scheme: Scheme,
    /// Defects that did not stop it verifying, in words (a digest algorithm its signature
    /// algorithm's profile forbids, a signature value read leniently). The key's own defects
    /// are [`PublicKey::defects`].
    pub notes: Vec<String>,
}

/// Verifies `signature` over `message` with `key`, under `signature_algorithm` (a CMS
/// SignerInfo's or a certificate's), whose hash, when it names none (`rsaEncryption`,
/// `ecPublicKey` as many CMS signers write), is `digest` (the SignerInfo's digest algorithm).
pub fn verify(
    key: &PublicKey,
    signature_algorithm: &AlgorithmIdentifier<'_>,
    digest: Option<DigestAlgorithm>,
    message: &[u8],
    signature: &[u8],
) -> Result<Verified, VerifyError> {
    let (mut scheme, mut notes) = resolve(key, signature_algorithm, digest)?;
    match scheme {
        Scheme::Pkcs1(h) => {
            let used = rsa::verify_pkcs1(key, h, message, signature)?;
            if used != h {
                notes.push(format!(
                    "the signature value is made with {} (its PKCS#1 DigestInfo says so) while \
                     the signature algorithm names {}",
                    used.name(),
                    h.name()
                ));
                scheme = Scheme::Pkcs1(used);
            }
        }
        Scheme::Pss(p) => rsa::verify_pss(key, p, message, signature)?,
        Scheme::Ecdsa(h, enc) => {
            let found = ecdsa::verify(key, h, enc, message, signature)?;
            if found.not_der {
                notes.push(
                    "the ECDSA signature value is not DER (X.690); its r and s were read \
                     anyway"
                        .into(),
                );
            }
        }
        Scheme::Ed25519 => eddsa::verify_ed25519(&key.bits, message, signature)?,
        Scheme::Ed448 => eddsa::verify_ed448(&key.bits, message, signature)?,
    }
    Ok(Verified { scheme, notes })
}

/// The scheme a signature algorithm, a key and a digest algorithm make, with the pairing
/// defects that do not stop verification (reported as notes).
pub fn resolve(
    key: &PublicKey,
    signature_algorithm: &AlgorithmIdentifier<'_>,
    digest: Option<DigestAlgorithm>,
) -> Result<(Scheme, Vec<String>), VerifyError> {
    let sa = signature_algorithm.oid;
    let named = DigestAlgorithm::from_oid(&sa);
    let mut notes = Vec::new();
    let mismatch = |what: &str| {
        Err(VerifyError::Mismatch(format!(
            "{} cannot be used with {what} (RFC 5652, 5.3: the signature algorithm and the \
             signer's key disagree)",
            oid::name(&sa)
        )))
    };
    let needs_digest = || {
        digest.ok_or_else(|| {
            VerifyError::Unsupported(format!("{} without a digest algorithm", oid::name(&sa)))
        })
    };
    let scheme = match key.algorithm {
        oid::RSA | oid::RSA_PSS => match sa {
            oid::RSA_PSS => Scheme::Pss(pss_params(signature_algorithm.params.as_deref())?),
            oid::RSA => Scheme::Pkcs1(needs_digest()?),
            oid::RSA_SHA1
            | oid::RSA_SHA224
            | oid::RSA_SHA256
            | oid::RSA_SHA384
            | oid::RSA_SHA512
            | oid::RSA_SHA3_224
            | oid::RSA_SHA3_256
            | oid::RSA_SHA3_384
            | oid::RSA_SHA3_512 => Scheme::Pkcs1(named.expect("a hash-naming OID")),
            _ if is_ecdsa(sa) || matches!(sa, oid::ED25519 | oid::ED448) => {
                return mismatch("an RSA key")
            }
            _ => return unsupported(format!("{} with an RSA key", oid::name(&sa))),
        },
        oid::EC_PUBLIC_KEY => match sa {
            oid::EC_PUBLIC_KEY => Scheme::Ecdsa(needs_digest()?, EcdsaEncoding::Der),
            _ if is_plain_ecdsa(sa) => {
                Scheme::Ecdsa(named.expect("a hash-naming OID"), EcdsaEncoding::Plain)
            }
            _ if is_ecdsa(sa) => {
                Scheme::Ecdsa(named.expect("a hash-naming OID"), EcdsaEncoding::Der)
            }
            _ if is_rsa(sa) || matches!(sa, oid::ED25519 | oid::ED448) => {
                return mismatch("an EC key")
            }
            _ => return unsupported(format!("{} with an EC key", oid::name(&sa))),
        },
        oid::ED25519 | oid::ED448 => {
            let (scheme, want, rfc) = if key.algorithm == oid::ED25519 {
                (Scheme::Ed25519, DigestAlgorithm::Sha512, "RFC 8419, 3.1")
            } else {
                (Scheme::Ed448, DigestAlgorithm::Shake256, "RFC 8419, 3.2")
            };
            if sa != key.algorithm {
                return mismatch(&format!("an {} key", oid::name(&key.algorithm)));
            }
            if let Some(d) = digest.filter(|&d| d != want) {
                notes.push(format!(
                    "the digest algorithm is {} where {rfc} requires {} with {}",
                    d.name(),
                    want.name(),
                    oid::name(&sa)
                ));
            }
            scheme
        }
        other => return unsupported(format!("{} keys", oid::name(&other))),
    };
    if let (Some(d), Some(n)) = (digest, named) {
        if d != n {
            notes.push(format!(
                "the signature algorithm's hash ({}) differs from the digest algorithm ({})",
                n.name(),
                d.name()
            ));
        }
    }
    Ok((scheme, notes))
}

fn unsupported<T>(what: String) -> Result<T, VerifyError> {
    Err(VerifyError::Unsupported(what))
}

fn is_rsa(sa: oid::Oid) -> bool {
    matches!(
        sa,
        oid::RSA
            | oid::RSA_PSS
            | oid::RSA_SHA1
            | oid::RSA_SHA224
            | oid::RSA_SHA256
            | oid::RSA_SHA384
            | oid::RSA_SHA512
            | oid::RSA_SHA3_224
            | oid::RSA_SHA3_256
            | oid::RSA_SHA3_384
            | oid::RSA_SHA3_512
    )
}

fn is_ecdsa(sa: oid::Oid) -> bool {
    matches!(
        sa,
        oid::ECDSA_SHA1
            | oid::ECDSA_SHA224
            | oid::ECDSA_SHA256
            | oid::ECDSA_SHA384
            | oid::ECDSA_SHA512
            | oid::ECDSA_SHA3_224
            | oid::ECDSA_SHA3_256
            | oid::ECDSA_SHA3_384
            | oid::ECDSA_SHA3_512
    ) || is_plain_ecdsa(sa)
}

fn is_plain_ecdsa(sa: oid::Oid) -> bool {
    matches!(
        sa,
        oid::ECDSA_PLAIN_SHA1
            | oid::ECDSA_PLAIN_SHA224
            | oid::ECDSA_PLAIN_SHA256
            | oid::ECDSA_PLAIN_SHA384
            | oid::ECDSA_PLAIN_SHA512
    )
}

/// `RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] HashAlgorithm DEFAULT sha1,
/// maskGenAlgorithm [1] MaskGenAlgorithm DEFAULT mgf1SHA1, saltLength [2] INTEGER DEFAULT 20,
/// trailerField [3] TrailerField DEFAULT trailerFieldBC }` (RFC 8017, A.2.3; RFC 4055, 3.1).
fn pss_params(params: Option<&[u8]>) -> Result<Pss, VerifyError> {
    let bad = |e: String| VerifyError::Unsupported(format!("RSASSA-PSS parameters: {e}"));
    let mut p = Pss {
        hash: DigestAlgorithm::Sha1,
        mgf_hash: DigestAlgorithm::Sha1,
        salt: 20,
    };
    let Some(params) = params else {
        return Ok(p);
    };
    let t = Tlv::parse_whole(params).map_err(|e| bad(e.to_string()))?;
    if t.is(crate::asn1::tag::NULL) {
        return Ok(p); // absent parameters written as NULL: the defaults
    }
    let hash_of = |t: Tlv<'_>| -> Result<DigestAlgorithm, VerifyError> {
        let a = AlgorithmIdentifier::from_tlv(t).map_err(|e| bad(e.to_string()))?;
        DigestAlgorithm::from_oid(&a.oid)
            .ok_or_else(|| bad(format!("hash {} is not supported", oid::name(&a.oid))))
    };
    for c in t.children() {
        let c = c.map_err(|e| bad(e.to_string()))?;
        let inner = c
            .children()
            .next()
            .transpose()
            .map_err(|e| bad(e.to_string()))?
            .ok_or_else(|| bad("empty field".into()))?;
        match c.tag {
            0 => p.hash = hash_of(inner)?,
            1 => {
                let mgf = AlgorithmIdentifier::from_tlv(inner).map_err(|e| bad(e.to_string()))?;
                if mgf.oid != oid::MGF1 {
                    return unsupported(format!(
                        "RSASSA-PSS with the mask generation function {}",
                        oid::name(&mgf.oid)
                    ));
                }
                let hash_t = mgf
                    .params
                    .as_deref()
                    .map(Tlv::parse_whole)
                    .transpose()
                    .map_err(|e| bad(e.to_string()))?
                    .ok_or_else(|| bad("MGF1 without a hash".into()))?;
                p.mgf_hash = hash_of(hash_t)?;
            }
            2 => {
                p.salt = usize::try_from(inner.small_uint().map_err(|e| bad(e.to_string()))?)
                    .map_err(|_| bad("salt length".into()))?
            }
            3 => {
                let trailer = inner.small_uint().map_err(|e| bad(e.to_string()))?;
                if trailer != 1 {
                    return unsupported(format!("RSASSA-PSS with trailer field {trailer}"));
                }
            }
            _ => {}
        }
    }
    Ok(p)
}
