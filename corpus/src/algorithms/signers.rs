//! The signers of the `algorithms` profile: one key of each kind, deterministic, each with a
//! certificate from the trusted organisation CA (RSA-2048, SHA-256), good at the validation
//! time and on no CRL.
//!
//! RSA-2048, -3072 and -4096 keys are committed signer keys (`keys/signers.pem`); the RSA-512
//! and RSA-1024 keys are generated at each run by the `rsa` crate from a fixed seed (a few
//! milliseconds); EC scalars are hashes of fixed labels; Ed25519 and Ed448 secret keys too.
//! Test material: they protect nothing.

use anyhow::{Context as _, Result};
use const_oid::ObjectIdentifier;
use der::asn1::BitString;
use der::Any;
use rand_chacha::rand_core::SeedableRng;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;

use super::bp512;
use super::sign::tlv;
use crate::keys::{KeyKind, KeyStore, PrivateKey};
use crate::pki::{CaId, Pki};

/// The signer keys of the profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySpec {
    /// RSA with a modulus of this many bits.
    Rsa(u32),
    /// The RSA-2048 key, its certificate writing the modulus as a negative INTEGER (no leading
    /// zero octet in RSAPublicKey), as some 2011 national ID cards did.
    RsaNegativeModulus,
    /// ECDSA over NIST P-256.
    P256,
    /// ECDSA over NIST P-384.
    P384,
    /// ECDSA over NIST P-521.
    P521,
    /// ECDSA over brainpoolP256r1.
    Brainpool256,
    /// ECDSA over brainpoolP384r1.
    Brainpool384,
    /// ECDSA over brainpoolP512r1.
    Brainpool512,
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
}

/// Every key the profile uses, in the order of [`Signers::all`].
pub const KEY_SPECS: [KeySpec; 14] = [
    KeySpec::Rsa(512),
    KeySpec::Rsa(1024),
    KeySpec::Rsa(2048),
    KeySpec::Rsa(3072),
    KeySpec::Rsa(4096),
    KeySpec::RsaNegativeModulus,
    KeySpec::P256,
    KeySpec::P384,
    KeySpec::P521,
    KeySpec::Brainpool256,
    KeySpec::Brainpool384,
    KeySpec::Brainpool512,
    KeySpec::Ed25519,
    KeySpec::Ed448,
];

impl KeySpec {
    /// The manifest's `key` (`RSA-2048`, `ECDSA-P384`, `ECDSA-brainpoolP256r1`, `Ed448`).
    pub fn name(self) -> String {
        match self {
            KeySpec::Rsa(bits) => format!("RSA-{bits}"),
            KeySpec::RsaNegativeModulus => "RSA-2048".into(),
            KeySpec::P256 => "ECDSA-P256".into(),
            KeySpec::P384 => "ECDSA-P384".into(),
            KeySpec::P521 => "ECDSA-P521".into(),
            KeySpec::Brainpool256 => "ECDSA-brainpoolP256r1".into(),
            KeySpec::Brainpool384 => "ECDSA-brainpoolP384r1".into(),
            KeySpec::Brainpool512 => "ECDSA-brainpoolP512r1".into(),
            KeySpec::Ed25519 => "Ed25519".into(),
            KeySpec::Ed448 => "Ed448".into(),
        }
    }

    /// A label naming the key in certificate subjects and serials.
    fn label(self) -> String {
        match self {
            KeySpec::RsaNegativeModulus => "RSA-2048 negative modulus".into(),
            other => other.name(),
        }
    }
}

/// A private key of the profile (fourteen per corpus: their sizes do not matter).
#[allow(clippy::large_enum_variant)]
pub enum AlgKey {
    /// RSA (signed with the raw private-key operation).
    Rsa(Box<rsa::RsaPrivateKey>),
    /// ECDSA P-256.
    P256(p256::ecdsa::SigningKey),
    /// ECDSA P-384.
    P384(ecdsa::SigningKey<p384::NistP384>),
    /// ECDSA P-521.
    P521(ecdsa::SigningKey<p521::NistP521>),
    /// ECDSA brainpoolP256r1.
    Bp256(ecdsa::SigningKey<bp256::BrainpoolP256r1>),
    /// ECDSA brainpoolP384r1.
    Bp384(ecdsa::SigningKey<bp384::BrainpoolP384r1>),
    /// ECDSA brainpoolP512r1.
    Bp512(bp512::SigningKey),
    /// Ed25519 (ring; signatures are deterministic).
    Ed25519(ring::signature::Ed25519KeyPair),
    /// Ed448.
    Ed448(ed448_goldilocks::SigningKey),
}

/// A signer: its key and certificate.
pub struct AlgSigner {
    /// Which key.
    pub spec: KeySpec,
    /// The private key.
    pub key: AlgKey,
    /// The certificate.
    pub cert: Certificate,
    /// Its DER encoding.
    pub der: Vec<u8>,
    /// The subject as an RFC 4514 string.
    pub subject: String,
}

/// The profile's signers, built once per corpus.
pub struct Signers {
    all: Vec<AlgSigner>,
}

/// The CA that issues every signer of the profile.
pub const ISSUER: CaId = CaId::Organisation;

impl Signers {
    /// Derives the keys and issues their certificates (CRL and OCSP URLs under `base_url`).
    pub fn build(keys: &KeyStore, pki: &Pki, base_url: &str) -> Result<Signers> {
        let all = KEY_SPECS
            .iter()
            .map(|&spec| {
                let key = derive(spec, keys).with_context(|| spec.label())?;
                let subject = format!(
                    "CN=SIGAUDIT TEST Algorithm Signer {},O=SIGAUDIT TEST Government PKI,C=VN",
                    spec.label()
                );
                let serial = format!("algorithm-signer-{}", spec.label());
                let (cert, der) =
                    pki.issue_signer(keys, ISSUER, &serial, &subject, spki(spec, &key)?, base_url)?;
                Ok(AlgSigner {
                    spec,
                    key,
                    cert,
                    der,
                    subject,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Signers { all })
    }

    /// The signer holding `spec`'s key.
    pub fn get(&self, spec: KeySpec) -> &AlgSigner {
        self.all
            .iter()
            .find(|s| s.spec == spec)
            .expect("every KeySpec has a signer")
    }

    /// Every signer, in the order of [`KEY_SPECS`].
    pub fn all(&self) -> &[AlgSigner] {
        &self.all
    }
}

/// A scalar for a curve whose order is `width` bytes long: SHA-256 of the label and a counter,
/// left-padded to `width`, the first that `accept` takes (in range, not zero).
fn scalar<T>(label: &str, width: usize, accept: impl Fn(&[u8]) -> Option<T>) -> T {
    (0u32..)
        .find_map(|counter| {
            let seed = format!("sigaudit-corpus algorithms profile {label} key {counter}");
            let d = ring::digest::digest(&ring::digest::SHA256, seed.as_bytes());
            let mut bytes = vec![0u8; width - 32];
            bytes.extend_from_slice(d.as_ref());
            accept(&bytes)
        })
        .expect("a scalar in range")
}

/// The committed signer key of an RSA size (the first of `keys/signers.pem`).
fn committed_rsa(keys: &KeyStore, bits: u32) -> Result<rsa::RsaPrivateKey> {
    use rsa::pkcs8::DecodePrivateKey;
    let pkcs8 = keys
        .signers
        .iter()
        .find_map(|k| match k {
            PrivateKey::Rsa { pkcs8, .. } if k.kind() == KeyKind::Rsa(bits) => Some(pkcs8),
            _ => None,
        })
        .with_context(|| format!("no committed RSA-{bits} key"))?;
    Ok(rsa::RsaPrivateKey::from_pkcs8_der(pkcs8)?)
}

/// The private key of `spec`.
fn derive(spec: KeySpec, keys: &KeyStore) -> Result<AlgKey> {
    let label = spec.label();
    Ok(match spec {
        KeySpec::Rsa(bits @ (512 | 1024)) => {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0xa190_0000 + u64::from(bits));
            AlgKey::Rsa(Box::new(rsa::RsaPrivateKey::new(&mut rng, bits as usize)?))
        }
        KeySpec::Rsa(bits) => AlgKey::Rsa(Box::new(committed_rsa(keys, bits)?)),
        KeySpec::RsaNegativeModulus => AlgKey::Rsa(Box::new(committed_rsa(keys, 2048)?)),
        KeySpec::P256 => AlgKey::P256(scalar(&label, 32, |b| {
            p256::ecdsa::SigningKey::from_slice(b).ok()
        })),
        KeySpec::P384 => AlgKey::P384(scalar(&label, 48, |b| {
            ecdsa::SigningKey::from_slice(b).ok()
        })),
        KeySpec::P521 => AlgKey::P521(scalar(&label, 66, |b| {
            ecdsa::SigningKey::from_slice(b).ok()
        })),
        KeySpec::Brainpool256 => AlgKey::Bp256(scalar(&label, 32, |b| {
            ecdsa::SigningKey::from_slice(b).ok()
        })),
        KeySpec::Brainpool384 => AlgKey::Bp384(scalar(&label, 48, |b| {
            ecdsa::SigningKey::from_slice(b).ok()
        })),
        KeySpec::Brainpool512 => AlgKey::Bp512(bp512::SigningKey::from_label(label.as_bytes())),
        KeySpec::Ed25519 => AlgKey::Ed25519(scalar(&label, 32, |b| {
            ring::signature::Ed25519KeyPair::from_seed_unchecked(b).ok()
        })),
        KeySpec::Ed448 => AlgKey::Ed448(scalar(&label, 57, |b| {
            ed448_goldilocks::SigningKey::try_from(b).ok()
        })),
    })
}

/// `id-ecPublicKey` with a named curve, and the uncompressed point.
fn ec_spki(curve: &str, point: &[u8]) -> Result<SubjectPublicKeyInfoOwned> {
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap("1.2.840.10045.2.1"),
            parameters: Some(Any::encode_from(&ObjectIdentifier::new_unwrap(curve))?),
        },
        subject_public_key: BitString::from_bytes(point)?,
    })
}

/// An algorithm without parameters (EdDSA, RFC 8410) and the raw public key.
fn plain_spki(alg: &str, key: &[u8]) -> Result<SubjectPublicKeyInfoOwned> {
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap(alg),
            parameters: None,
        },
        subject_public_key: BitString::from_bytes(key)?,
    })
}

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (RFC 8017, A.1.1)
/// under rsaEncryption with NULL parameters; with `negative`, the modulus without the leading
/// zero octet DER requires (its top bit set, it reads as a negative INTEGER).
fn rsa_spki(key: &rsa::RsaPrivateKey, negative: bool) -> Result<SubjectPublicKeyInfoOwned> {
    use rsa::traits::PublicKeyParts;
    let unsigned = |n: &rsa::BigUint, sign_octet: bool| {
        let mut b = n.to_bytes_be();
        if sign_octet && b[0] & 0x80 != 0 {
            b.insert(0, 0);
        }
        tlv(0x02, &b)
    };
    let n = unsigned(key.n(), !negative);
    anyhow::ensure!(
        !negative || n[n.len() - key.size()] & 0x80 != 0,
        "modulus top bit"
    );
    let body = [n, unsigned(key.e(), true)].concat();
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1"),
            parameters: Some(Any::null()),
        },
        subject_public_key: BitString::from_bytes(&tlv(0x30, &body))?,
    })
}

/// The SubjectPublicKeyInfo of `spec`'s certificate.
fn spki(spec: KeySpec, key: &AlgKey) -> Result<SubjectPublicKeyInfoOwned> {
    match key {
        AlgKey::Rsa(k) => rsa_spki(k, spec == KeySpec::RsaNegativeModulus),
        AlgKey::P256(k) => ec_spki(
            "1.2.840.10045.3.1.7",
            k.verifying_key().to_encoded_point(false).as_bytes(),
        ),
        AlgKey::P384(k) => ec_spki(
            "1.3.132.0.34",
            k.verifying_key().to_sec1_point(false).as_bytes(),
        ),
        AlgKey::P521(k) => ec_spki(
            "1.3.132.0.35",
            k.verifying_key().to_sec1_point(false).as_bytes(),
        ),
        AlgKey::Bp256(k) => ec_spki(
            "1.3.36.3.3.2.8.1.1.7",
            k.verifying_key().to_sec1_point(false).as_bytes(),
        ),
        AlgKey::Bp384(k) => ec_spki(
            "1.3.36.3.3.2.8.1.1.11",
            k.verifying_key().to_sec1_point(false).as_bytes(),
        ),
        AlgKey::Bp512(k) => ec_spki("1.3.36.3.3.2.8.1.1.13", &k.public_point()),
        AlgKey::Ed25519(k) => plain_spki(
            "1.3.101.112",
            ring::signature::KeyPair::public_key(k).as_ref(),
        ),
        AlgKey::Ed448(k) => plain_spki("1.3.101.113", &k.verifying_key().to_bytes()),
    }
}
