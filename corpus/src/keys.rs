//! The test PKI's private keys.
//!
//! Generating RSA keys is slow (seconds for a 4096-bit key), so the keys were generated once by
//! `sigaudit-corpus keygen` (deterministically, from a fixed seed) and committed under
//! `corpus/keys/` as **test material**: they protect nothing. Every corpus signs with them, which
//! also means every corpus shares one PKI — exactly the situation of a national archive, where the
//! same chains and CRLs recur across millions of documents.

use std::fmt;
use std::path::Path;

use anyhow::{bail, Context, Result};
use rand_chacha::rand_core::SeedableRng;
use rayon::prelude::*;

/// The algorithm and size of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// RSA with a modulus of the given number of bits.
    Rsa(u32),
    /// ECDSA over NIST P-256.
    P256,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyKind::Rsa(bits) => write!(f, "RSA-{bits}"),
            KeyKind::P256 => f.write_str("ECDSA-P256"),
        }
    }
}

/// Number of signer keys (people and organisations).
pub const SIGNER_COUNT: usize = 300;

/// The key kind of signer `i`: mostly RSA-2048, some RSA-3072/4096 and ECDSA P-256.
pub fn signer_key_kind(i: usize) -> KeyKind {
    if i % 10 == 9 {
        KeyKind::P256
    } else if i % 50 == 12 {
        KeyKind::Rsa(4096)
    } else if i % 25 == 4 {
        KeyKind::Rsa(3072)
    } else {
        KeyKind::Rsa(2048)
    }
}

/// The certification authorities' keys, by file stem, with their kinds.
pub const CA_KEYS: [(&str, KeyKind); 5] = [
    ("root", KeyKind::Rsa(4096)),
    ("ca-personal", KeyKind::Rsa(3072)),
    ("ca-organisation", KeyKind::Rsa(2048)),
    ("rogue-root", KeyKind::Rsa(2048)),
    ("rogue-ca", KeyKind::Rsa(2048)),
];

/// A private key ready to sign.
pub enum PrivateKey {
    /// RSA, signed through ring (PKCS#1 v1.5 signatures are deterministic).
    Rsa {
        /// The ring key pair.
        pair: ring::rsa::KeyPair,
        /// Modulus size in bits.
        bits: u32,
        /// The PKCS#8 DER (for the rare SHA-1 signatures, which ring does not make).
        pkcs8: Vec<u8>,
    },
    /// ECDSA P-256, signed with RFC 6979 deterministic nonces so corpora are byte-identical.
    P256(p256::ecdsa::SigningKey),
}

impl PrivateKey {
    /// Parses a PKCS#8 DER private key of the given kind.
    pub fn from_pkcs8(kind: KeyKind, der: &[u8]) -> Result<Self> {
        Ok(match kind {
            KeyKind::Rsa(bits) => {
                let pair = ring::rsa::KeyPair::from_pkcs8(der)
                    .map_err(|e| anyhow::anyhow!("RSA PKCS#8 key rejected by ring: {e}"))?;
                if pair.public().modulus_len() * 8 != bits as usize {
                    bail!(
                        "RSA key has {} bits, expected {bits}",
                        pair.public().modulus_len() * 8
                    );
                }
                PrivateKey::Rsa {
                    pair,
                    bits,
                    pkcs8: der.to_vec(),
                }
            }
            KeyKind::P256 => {
                use p256::pkcs8::DecodePrivateKey;
                PrivateKey::P256(
                    p256::ecdsa::SigningKey::from_pkcs8_der(der).context("P-256 PKCS#8 key")?,
                )
            }
        })
    }

    /// The kind of this key.
    pub fn kind(&self) -> KeyKind {
        match self {
            PrivateKey::Rsa { bits, .. } => KeyKind::Rsa(*bits),
            PrivateKey::P256(_) => KeyKind::P256,
        }
    }
}

/// All keys of the test PKI.
pub struct KeyStore {
    /// CA keys in the order of [`CA_KEYS`].
    pub cas: Vec<PrivateKey>,
    /// Signer keys, `SIGNER_COUNT` of them, kinds by [`signer_key_kind`].
    pub signers: Vec<PrivateKey>,
}

const ROOT_PEM: &str = include_str!("../keys/root.pem");
const CA_PERSONAL_PEM: &str = include_str!("../keys/ca-personal.pem");
const CA_ORGANISATION_PEM: &str = include_str!("../keys/ca-organisation.pem");
const ROGUE_ROOT_PEM: &str = include_str!("../keys/rogue-root.pem");
const ROGUE_CA_PEM: &str = include_str!("../keys/rogue-ca.pem");
const SIGNERS_PEM: &str = include_str!("../keys/signers.pem");

fn pem_blocks(text: &str) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut rest = text;
    const BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
    const END: &str = "-----END PRIVATE KEY-----";
    while let Some(start) = rest.find(BEGIN) {
        let end = rest[start..].find(END).context("unterminated PEM block")? + start + END.len();
        let (label, der) = der::pem::decode_vec(&rest.as_bytes()[start..end])
            .map_err(|e| anyhow::anyhow!("bad PEM block: {e}"))?;
        if label != "PRIVATE KEY" {
            bail!("unexpected PEM label {label}");
        }
        out.push(der);
        rest = &rest[end..];
    }
    Ok(out)
}

impl KeyStore {
    /// Loads the committed test keys (compiled into the binary).
    pub fn load() -> Result<Self> {
        let cas = KeyStore::ca_keys()?;
        let blocks = pem_blocks(SIGNERS_PEM)?;
        if blocks.len() != SIGNER_COUNT {
            bail!(
                "signers.pem holds {} keys, expected {SIGNER_COUNT}",
                blocks.len()
            );
        }
        let signers = blocks
            .par_iter()
            .enumerate()
            .map(|(i, der)| {
                PrivateKey::from_pkcs8(signer_key_kind(i), der)
                    .with_context(|| format!("signer {i}"))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(KeyStore { cas, signers })
    }

    /// Loads the CA keys only, in the order of [`CA_KEYS`] (what an OCSP responder needs).
    pub fn ca_keys() -> Result<Vec<PrivateKey>> {
        let ca_pems = [
            ROOT_PEM,
            CA_PERSONAL_PEM,
            CA_ORGANISATION_PEM,
            ROGUE_ROOT_PEM,
            ROGUE_CA_PEM,
        ];
        let mut cas = Vec::new();
        for ((name, kind), pem) in CA_KEYS.iter().zip(ca_pems) {
            let blocks = pem_blocks(pem)?;
            let der = blocks
                .first()
                .with_context(|| format!("no key in {name}.pem"))?;
            cas.push(PrivateKey::from_pkcs8(*kind, der).with_context(|| name.to_string())?);
        }
        Ok(cas)
    }
}

fn generate_pkcs8(kind: KeyKind, seed: u64) -> Result<String> {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let pem = match kind {
        KeyKind::Rsa(bits) => rsa::RsaPrivateKey::new(&mut rng, bits as usize)?
            .to_pkcs8_pem(LineEnding::LF)?
            .to_string(),
        KeyKind::P256 => {
            use p256::pkcs8::EncodePrivateKey as _;
            p256::SecretKey::random(&mut rng)
                .to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .to_string()
        }
    };
    Ok(pem)
}

/// Generates the whole key set deterministically from `seed` into `dir`
/// (the files `corpus/keys/*.pem` were made with `keygen --seed 2026`).
pub fn keygen(dir: &Path, seed: u64) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let cas: Vec<String> = CA_KEYS
        .par_iter()
        .enumerate()
        .map(|(i, (_, kind))| generate_pkcs8(*kind, seed.wrapping_mul(1_000_003) + i as u64))
        .collect::<Result<_>>()?;
    for ((name, _), pem) in CA_KEYS.iter().zip(cas) {
        std::fs::write(dir.join(format!("{name}.pem")), pem)?;
    }
    let signers: Vec<String> = (0..SIGNER_COUNT)
        .into_par_iter()
        .map(|i| {
            generate_pkcs8(
                signer_key_kind(i),
                seed.wrapping_mul(7_000_001) + 100 + i as u64,
            )
        })
        .collect::<Result<_>>()?;
    std::fs::write(dir.join("signers.pem"), signers.concat())?;
    Ok(())
}
