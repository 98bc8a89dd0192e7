//! The signer's private key, loaded with ring: PKCS#8 (PEM `PRIVATE KEY` or DER) holding an
//! RSA key or an EC key on P-256 or P-384, and the two older forms OpenSSL still writes,
//! PKCS#1 (`RSA PRIVATE KEY`) and SEC1 (`EC PRIVATE KEY`, RFC 5915), the latter wrapped into
//! PKCS#8 here since ring reads EC keys only in that form.

use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, RsaKeyPair};

use super::{der, oid, pem, SealError};
use crate::asn1::{tag, Oid, Tlv};

/// What to tell the owner of a key in a form not read here.
const CONVERT: &str = "convert it with `openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8`";

/// The kinds of key that can sign, with what each implies for the signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// RSA, signing PKCS#1 v1.5 with SHA-256.
    Rsa,
    /// ECDSA on P-256 with SHA-256.
    P256,
    /// ECDSA on P-384 with SHA-384.
    P384,
}

impl Kind {
    /// How error messages name the kind.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Rsa => "RSA",
            Kind::P256 => "EC P-256",
            Kind::P384 => "EC P-384",
        }
    }

    /// The digest of the content and of the signed attributes.
    pub fn digest(self) -> &'static ring::digest::Algorithm {
        match self {
            Kind::Rsa | Kind::P256 => &ring::digest::SHA256,
            Kind::P384 => &ring::digest::SHA384,
        }
    }

    /// The digest's OID (its AlgorithmIdentifier carries no parameters, RFC 5754, 2).
    pub fn digest_oid(self) -> Oid {
        match self {
            Kind::Rsa | Kind::P256 => oid::SHA256,
            Kind::P384 => oid::SHA384,
        }
    }

    /// The SignerInfo's signatureAlgorithm, whole: `rsaEncryption` with NULL parameters
    /// (RFC 3370, 3.2), or `ecdsa-with-SHA256`/`-SHA384` without parameters (RFC 5754, 3.3).
    pub fn signature_algorithm(self) -> Vec<u8> {
        match self {
            Kind::Rsa => der::sequence(&[&der::oid(&oid::RSA_ENCRYPTION), &der::null()]),
            Kind::P256 => der::sequence(&[&der::oid(&oid::ECDSA_WITH_SHA256)]),
            Kind::P384 => der::sequence(&[&der::oid(&oid::ECDSA_WITH_SHA384)]),
        }
    }

    /// ring's verification algorithm for a signature of this kind.
    pub fn verification(self) -> &'static dyn signature::VerificationAlgorithm {
        match self {
            Kind::Rsa => &signature::RSA_PKCS1_2048_8192_SHA256,
            Kind::P256 => &signature::ECDSA_P256_SHA256_ASN1,
            Kind::P384 => &signature::ECDSA_P384_SHA384_ASN1,
        }
    }
}

/// A loaded private key.
pub enum Signer {
    /// An RSA key pair.
    Rsa(RsaKeyPair),
    /// An ECDSA key pair and its curve.
    Ecdsa(EcdsaKeyPair, Kind),
}

impl Signer {
    /// The kind of key.
    pub fn kind(&self) -> Kind {
        match self {
            Signer::Rsa(_) => Kind::Rsa,
            Signer::Ecdsa(_, k) => *k,
        }
    }

    /// The signature over `message`: PKCS#1 v1.5 with SHA-256, or the DER `Ecdsa-Sig-Value`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SealError> {
        let rng = SystemRandom::new();
        let failed = |_| SealError::Signing("ring could not sign".to_string());
        match self {
            Signer::Rsa(k) => {
                let mut out = vec![0; k.public().modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut out)
                    .map_err(failed)?;
                Ok(out)
            }
            Signer::Ecdsa(k, _) => Ok(k.sign(&rng, message).map_err(failed)?.as_ref().to_vec()),
        }
    }
}

/// Loads `key`: PEM text (the first block labelled `PRIVATE KEY`, `RSA PRIVATE KEY` or
/// `EC PRIVATE KEY`; other blocks, such as `EC PARAMETERS`, skipped) or DER (PKCS#8, PKCS#1
/// or SEC1, told apart by their structure). Encrypted keys are refused with how to decrypt.
pub fn load(key: &[u8]) -> Result<Signer, SealError> {
    if !pem::is_pem(key) {
        return load_der(key);
    }
    let blocks = pem::blocks(key).map_err(SealError::Key)?;
    let Some(block) = blocks.iter().find(|b| {
        matches!(
            b.label.as_str(),
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "ENCRYPTED PRIVATE KEY"
        )
    }) else {
        let labels: Vec<&str> = blocks.iter().map(|b| b.label.as_str()).collect();
        return Err(SealError::Key(format!(
            "no PEM private key block (found: {}); expected PRIVATE KEY (PKCS#8)",
            if labels.is_empty() {
                "none".to_string()
            } else {
                labels.join(", ")
            }
        )));
    };
    if block.encrypted || block.label == "ENCRYPTED PRIVATE KEY" {
        return Err(SealError::Key(format!(
            "the private key is encrypted; decrypt and {CONVERT}"
        )));
    }
    load_der(&block.der)
}

/// Loads a DER key: PKCS#8 `PrivateKeyInfo` (`SEQUENCE { 0, AlgorithmIdentifier, OCTET
/// STRING }`), PKCS#1 `RSAPrivateKey` (`SEQUENCE { 0, INTEGER n, … }`) or SEC1
/// `ECPrivateKey` (`SEQUENCE { 1, OCTET STRING, [0] curve, [1] point }`).
fn load_der(der_key: &[u8]) -> Result<Signer, SealError> {
    let unreadable = || {
        SealError::Key(format!(
            "not a PKCS#8, PKCS#1 or SEC1 private key (PEM or DER); {CONVERT}"
        ))
    };
    let outer = Tlv::parse_whole(der_key).map_err(|_| unreadable())?;
    if !outer.is(tag::SEQUENCE) {
        return Err(unreadable());
    }
    let items = outer.items().map_err(|_| unreadable())?;
    match items.get(1) {
        Some(t) if t.is(tag::SEQUENCE) => pkcs8(der_key, t),
        Some(t) if t.is(tag::INTEGER) => RsaKeyPair::from_der(der_key)
            .map(Signer::Rsa)
            .map_err(|e| rejected("PKCS#1 RSA", e)),
        Some(t) if t.is(tag::OCTET_STRING) => {
            let curve = items
                .iter()
                .find(|t| t.is_context(0))
                .and_then(|p| p.items().ok())
                .and_then(|p| p.first().and_then(|o| o.oid().ok()))
                .ok_or_else(|| {
                    SealError::Key(format!(
                        "the SEC1 EC key does not name its curve; {CONVERT}"
                    ))
                })?;
            let kind = curve_kind(curve)?;
            let wrapped = der::sequence(&[
                &der::uint(0),
                &der::sequence(&[&der::oid(&oid::EC_PUBLIC_KEY), &der::oid(&curve)]),
                &der::octet_string(der_key),
            ]);
            ecdsa(&wrapped, kind)
        }
        _ => Err(unreadable()),
    }
}

/// Loads the PKCS#8 key `der_key`, whose AlgorithmIdentifier is `alg`.
fn pkcs8(der_key: &[u8], alg: &Tlv) -> Result<Signer, SealError> {
    let parts = alg
        .items()
        .map_err(|e| SealError::Key(format!("PKCS#8: {e}")))?;
    let algorithm = parts
        .first()
        .and_then(|t| t.oid().ok())
        .ok_or_else(|| SealError::Key("PKCS#8: unreadable key algorithm".to_string()))?;
    if algorithm == oid::RSA_ENCRYPTION {
        return RsaKeyPair::from_pkcs8(der_key)
            .map(Signer::Rsa)
            .map_err(|e| rejected("PKCS#8 RSA", e));
    }
    if algorithm == oid::EC_PUBLIC_KEY {
        let curve = parts
            .get(1)
            .and_then(|t| t.oid().ok())
            .ok_or_else(|| SealError::Key("PKCS#8: EC key without a named curve".to_string()))?;
        return ecdsa(der_key, curve_kind(curve)?);
    }
    Err(SealError::Key(format!(
        "unsupported key algorithm {algorithm}: only RSA and EC P-256/P-384 keys sign"
    )))
}

/// The kind of an EC key on the named curve `curve`.
fn curve_kind(curve: Oid) -> Result<Kind, SealError> {
    match curve {
        c if c == oid::P256 => Ok(Kind::P256),
        c if c == oid::P384 => Ok(Kind::P384),
        c => Err(SealError::Key(format!(
            "unsupported EC curve {c}: only P-256 and P-384 keys sign"
        ))),
    }
}

/// Loads the PKCS#8 EC key `der_key` on the curve of `kind`.
fn ecdsa(der_key: &[u8], kind: Kind) -> Result<Signer, SealError> {
    let alg = match kind {
        Kind::P384 => &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        _ => &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
    };
    EcdsaKeyPair::from_pkcs8(alg, der_key, &SystemRandom::new())
        .map(|k| Signer::Ecdsa(k, kind))
        .map_err(|e| rejected(kind.name(), e))
}

/// The error for a key ring refuses.
fn rejected(what: &str, e: ring::error::KeyRejected) -> SealError {
    SealError::Key(format!("{what} private key refused: {e}"))
}
