//! Hash functions: ring's SHA-1 and SHA-2 where it has them (they are the fast ones), and
//! RustCrypto's `sha2` (SHA-224) and `sha3` (SHA3, SHAKE256) for the rest.

use serde::Serialize;

use super::oid;

/// A hash function sigaudit computes, for signed bytes, signed attributes and certificate
/// fingerprints (the `DigestAlgorithmIdentifier`s of RFC 3370, RFC 5754, RFC 8702 and the
/// NIST SHA-3 identifiers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DigestAlgorithm {
    /// SHA-1 (legacy; verdicts are for the verifier's policy to decide).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// SHA-224.
    Sha224,
    /// SHA3-224.
    Sha3_224,
    /// SHA3-256.
    Sha3_256,
    /// SHA3-384.
    Sha3_384,
    /// SHA3-512.
    Sha3_512,
    /// SHAKE256 with a 512-bit output (RFC 8419, 2.3: the Ed448 message digest).
    Shake256,
}

impl DigestAlgorithm {
    /// The algorithm named by a hash OID, or by a signature OID that names its hash.
    pub fn from_oid(o: &oid::Oid) -> Option<DigestAlgorithm> {
        use DigestAlgorithm::*;
        Some(match *o {
            oid::SHA1 | oid::RSA_SHA1 | oid::ECDSA_SHA1 | oid::ECDSA_PLAIN_SHA1 => Sha1,
            oid::SHA224 | oid::RSA_SHA224 | oid::ECDSA_SHA224 | oid::ECDSA_PLAIN_SHA224 => Sha224,
            oid::SHA256 | oid::RSA_SHA256 | oid::ECDSA_SHA256 | oid::ECDSA_PLAIN_SHA256 => Sha256,
            oid::SHA384 | oid::RSA_SHA384 | oid::ECDSA_SHA384 | oid::ECDSA_PLAIN_SHA384 => Sha384,
            oid::SHA512 | oid::RSA_SHA512 | oid::ECDSA_SHA512 | oid::ECDSA_PLAIN_SHA512 => Sha512,
            oid::SHA3_224 | oid::RSA_SHA3_224 | oid::ECDSA_SHA3_224 => Sha3_224,
            oid::SHA3_256 | oid::RSA_SHA3_256 | oid::ECDSA_SHA3_256 => Sha3_256,
            oid::SHA3_384 | oid::RSA_SHA3_384 | oid::ECDSA_SHA3_384 => Sha3_384,
            oid::SHA3_512 | oid::RSA_SHA3_512 | oid::ECDSA_SHA3_512 => Sha3_512,
            oid::SHAKE256 | oid::SHAKE256_LEN => Shake256,
            _ => return None,
        })
    }

    /// The algorithm a dotted OID names, if it is one (`"2.16.840.1.101.3.4.2.1"`).
    pub fn from_dotted(dotted: &str) -> Option<DigestAlgorithm> {
        DigestAlgorithm::from_oid(&oid::Oid::new(dotted).ok()?)
    }

    /// The hash's own OID.
    pub fn oid(self) -> oid::Oid {
        use DigestAlgorithm::*;
        match self {
            Sha1 => oid::SHA1,
            Sha224 => oid::SHA224,
            Sha256 => oid::SHA256,
            Sha384 => oid::SHA384,
            Sha512 => oid::SHA512,
            Sha3_224 => oid::SHA3_224,
            Sha3_256 => oid::SHA3_256,
            Sha3_384 => oid::SHA3_384,
            Sha3_512 => oid::SHA3_512,
            Shake256 => oid::SHAKE256,
        }
    }

    /// Its name, e.g. `SHA-256`.
    pub fn name(self) -> &'static str {
        match oid::name(&self.oid()) {
            std::borrow::Cow::Borrowed(n) => n,
            std::borrow::Cow::Owned(_) => unreachable!("every hash here has a name"),
        }
    }

    /// Output length in bytes.
    #[allow(clippy::len_without_is_empty)] // a digest is never empty
    pub fn len(self) -> usize {
        use DigestAlgorithm::*;
        match self {
            Sha1 => 20,
            Sha224 | Sha3_224 => 28,
            Sha256 | Sha3_256 => 32,
            Sha384 | Sha3_384 => 48,
            Sha512 | Sha3_512 | Shake256 => 64,
        }
    }

    /// Whether this is SHA-1 (graded by the algorithm policy).
    pub fn is_legacy(self) -> bool {
        self == DigestAlgorithm::Sha1
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Digest {
        let mut h = Hasher::new(self);
        h.update(data);
        h.finish()
    }
}

/// A finished digest (at most 64 bytes, held inline).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    bytes: [u8; 64],
    len: u8,
}

impl Digest {
    fn new(b: &[u8]) -> Digest {
        let mut bytes = [0u8; 64];
        bytes[..b.len()].copy_from_slice(b);
        Digest {
            bytes,
            len: b.len() as u8,
        }
    }
}

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in self.as_ref() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// An incremental hash; cloning it forks the state (the one-pass digests of signatures that
/// share a prefix).
#[derive(Clone)]
pub enum Hasher {
    /// SHA-1 and SHA-2 but SHA-224, by ring.
    Ring(ring::digest::Context),
    /// SHA-224.
    Sha224(sha2::Sha224),
    /// SHA3-224.
    Sha3_224(sha3::Sha3_224),
    /// SHA3-256.
    Sha3_256(sha3::Sha3_256),
    /// SHA3-384.
    Sha3_384(sha3::Sha3_384),
    /// SHA3-512.
    Sha3_512(sha3::Sha3_512),
    /// SHAKE256.
    Shake256(shake::Shake256),
}

impl Hasher {
    /// A fresh state.
    pub fn new(alg: DigestAlgorithm) -> Hasher {
        use ring::digest::{Context, SHA1_FOR_LEGACY_USE_ONLY, SHA256, SHA384, SHA512};
        use DigestAlgorithm::*;
        match alg {
            Sha1 => Hasher::Ring(Context::new(&SHA1_FOR_LEGACY_USE_ONLY)),
            Sha256 => Hasher::Ring(Context::new(&SHA256)),
            Sha384 => Hasher::Ring(Context::new(&SHA384)),
            Sha512 => Hasher::Ring(Context::new(&SHA512)),
            Sha224 => Hasher::Sha224(Default::default()),
            Sha3_224 => Hasher::Sha3_224(Default::default()),
            Sha3_256 => Hasher::Sha3_256(Default::default()),
            Sha3_384 => Hasher::Sha3_384(Default::default()),
            Sha3_512 => Hasher::Sha3_512(Default::default()),
            Shake256 => Hasher::Shake256(Default::default()),
        }
    }

    /// Feeds `data`.
    pub fn update(&mut self, data: &[u8]) {
        use sha3::digest::Update;
        match self {
            Hasher::Ring(c) => c.update(data),
            Hasher::Sha224(h) => Update::update(h, data),
            Hasher::Sha3_224(h) => Update::update(h, data),
            Hasher::Sha3_256(h) => Update::update(h, data),
            Hasher::Sha3_384(h) => Update::update(h, data),
            Hasher::Sha3_512(h) => Update::update(h, data),
            Hasher::Shake256(h) => Update::update(h, data),
        }
    }

    /// The digest.
    pub fn finish(self) -> Digest {
        use sha3::digest::{ExtendableOutput, FixedOutput, XofReader};
        match self {
            Hasher::Ring(c) => Digest::new(c.finish().as_ref()),
            Hasher::Sha224(h) => Digest::new(&h.finalize_fixed()),
            Hasher::Sha3_224(h) => Digest::new(&h.finalize_fixed()),
            Hasher::Sha3_256(h) => Digest::new(&h.finalize_fixed()),
            Hasher::Sha3_384(h) => Digest::new(&h.finalize_fixed()),
            Hasher::Sha3_512(h) => Digest::new(&h.finalize_fixed()),
            Hasher::Shake256(h) => {
                let mut out = [0u8; 64];
                h.finalize_xof().read(&mut out);
                Digest::new(&out)
            }
        }
    }
}
