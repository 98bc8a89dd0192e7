//! The hashes and signature schemes of the `algorithms` profile: their identifiers as a CMS
//! SignerInfo writes them, and signing with each.
//!
//! RSA signatures are encoded here (EMSA-PKCS1-v1_5 and EMSA-PSS, RFC 8017 9.2 and 9.1.1) and
//! made with the raw private-key operation of the `rsa` crate, so that any hash, any
//! mask-generation hash and any key size can be used; ECDSA and EdDSA come from their crates.

use anyhow::{bail, Result};
use const_oid::ObjectIdentifier;
use der::{Any, Decode};
use spki::AlgorithmIdentifierOwned;

use super::signers::AlgKey;

/// A hash function, as a message digest or inside a signature scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    /// SHA-1.
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// SHA3-256.
    Sha3_256,
    /// SHA3-384.
    Sha3_384,
    /// SHA3-512.
    Sha3_512,
    /// SHAKE256 with a 512-bit output (RFC 8419, 2.3: Ed448's message digest).
    Shake256,
}

impl Hash {
    /// The lower-case name the manifest's `digest` uses (`sha256`, `sha3-256`, `shake256`).
    pub fn name(self) -> &'static str {
        match self {
            Hash::Sha1 => "sha1",
            Hash::Sha224 => "sha224",
            Hash::Sha256 => "sha256",
            Hash::Sha384 => "sha384",
            Hash::Sha512 => "sha512",
            Hash::Sha3_256 => "sha3-256",
            Hash::Sha3_384 => "sha3-384",
            Hash::Sha3_512 => "sha3-512",
            Hash::Shake256 => "shake256",
        }
    }

    /// The name in algorithm names (`SHA-256`, `SHA3-256`).
    pub fn label(self) -> &'static str {
        match self {
            Hash::Sha1 => "SHA-1",
            Hash::Sha224 => "SHA-224",
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
            Hash::Sha512 => "SHA-512",
            Hash::Sha3_256 => "SHA3-256",
            Hash::Sha3_384 => "SHA3-384",
            Hash::Sha3_512 => "SHA3-512",
            Hash::Shake256 => "SHAKE256",
        }
    }

    /// The hash's OID (RFC 3370, RFC 5754, NIST CSOR; SHAKE256 as id-shake256-len, RFC 8419).
    pub fn oid(self) -> ObjectIdentifier {
        ObjectIdentifier::new_unwrap(match self {
            Hash::Sha1 => "1.3.14.3.2.26",
            Hash::Sha224 => "2.16.840.1.101.3.4.2.4",
            Hash::Sha256 => "2.16.840.1.101.3.4.2.1",
            Hash::Sha384 => "2.16.840.1.101.3.4.2.2",
            Hash::Sha512 => "2.16.840.1.101.3.4.2.3",
            Hash::Sha3_256 => "2.16.840.1.101.3.4.2.8",
            Hash::Sha3_384 => "2.16.840.1.101.3.4.2.9",
            Hash::Sha3_512 => "2.16.840.1.101.3.4.2.10",
            Hash::Shake256 => "2.16.840.1.101.3.4.2.18",
        })
    }

    /// The SignerInfo's digestAlgorithm: parameters absent (RFC 5754, 2), except
    /// id-shake256-len, whose parameter is the output length in bits, `INTEGER 512`
    /// (RFC 8419, 2.3).
    pub fn digest_algorithm(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: (self == Hash::Shake256)
                .then(|| Any::from_der(&[0x02, 0x02, 0x02, 0x00]).expect("INTEGER 512")),
        }
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Hash::Sha1 => 20,
            Hash::Sha224 => 28,
            Hash::Sha256 | Hash::Sha3_256 => 32,
            Hash::Sha384 | Hash::Sha3_384 => 48,
            Hash::Sha512 | Hash::Sha3_512 | Hash::Shake256 => 64,
        }
    }

    /// The digest of the concatenation of `parts`.
    pub fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        use sha3::digest::{Digest, ExtendableOutput, Update, XofReader};
        fn fixed<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut h = D::new();
            for p in parts {
                Digest::update(&mut h, p);
            }
            h.finalize().to_vec()
        }
        let ring_digest = |alg: &'static ring::digest::Algorithm| {
            let mut c = ring::digest::Context::new(alg);
            for p in parts {
                c.update(p);
            }
            c.finish().as_ref().to_vec()
        };
        match self {
            Hash::Sha1 => ring_digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY),
            Hash::Sha256 => ring_digest(&ring::digest::SHA256),
            Hash::Sha384 => ring_digest(&ring::digest::SHA384),
            Hash::Sha512 => ring_digest(&ring::digest::SHA512),
            Hash::Sha224 => fixed::<sha2::Sha224>(parts),
            Hash::Sha3_256 => fixed::<sha3::Sha3_256>(parts),
            Hash::Sha3_384 => fixed::<sha3::Sha3_384>(parts),
            Hash::Sha3_512 => fixed::<sha3::Sha3_512>(parts),
            Hash::Shake256 => {
                let mut h = shake::Shake256::default();
                for p in parts {
                    h.update(p);
                }
                let mut out = vec![0u8; 64];
                h.finalize_xof().read(&mut out);
                out
            }
        }
    }
}

/// A signature scheme with its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// RSASSA-PKCS1-v1_5 (RFC 8017, 8.2).
    Pkcs1(Hash),
    /// RSASSA-PSS (RFC 8017, 8.1) with explicit RSASSA-PSS-params (RFC 4055, 3.1).
    Pss {
        /// The message hash.
        hash: Hash,
        /// MGF1's hash.
        mgf: Hash,
        /// Salt length in bytes.
        salt: usize,
    },
    /// ECDSA with a DER `Ecdsa-Sig-Value` (RFC 5480, 2.2; RFC 5758, 3.2).
    Ecdsa(Hash),
    /// Ed25519, pure (RFC 8032, 5.1; RFC 8419).
    Ed25519,
    /// Ed448, pure, empty context (RFC 8032, 5.2; RFC 8419).
    Ed448,
}

/// DER `tag length content`.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let len = n.to_be_bytes();
        let skip = len.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (len.len() - skip) as u8);
        out.extend_from_slice(&len[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// `AlgorithmIdentifier { hash, NULL }`, as RSASSA-PSS-params and DigestInfo write hashes.
fn hash_with_null(h: Hash) -> Vec<u8> {
    use der::Encode;
    let mut body = h.oid().to_der().expect("OID");
    body.extend_from_slice(&[0x05, 0x00]);
    tlv(0x30, &body)
}

fn oid(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(s)
}

impl Scheme {
    /// The hash the scheme binds the message with (what crypto constraints grade).
    pub fn hash(self) -> Hash {
        match self {
            Scheme::Pkcs1(h) | Scheme::Ecdsa(h) | Scheme::Pss { hash: h, .. } => h,
            Scheme::Ed25519 => Hash::Sha512,
            Scheme::Ed448 => Hash::Shake256,
        }
    }

    /// The SignerInfo's signatureAlgorithm (RFC 4055, RFC 5754, RFC 5758, RFC 8419 and the
    /// NIST SHA-3 identifiers): SHA-2 RSA with NULL parameters, SHA-3 RSA, ECDSA and EdDSA
    /// without, PSS with explicit RSASSA-PSS-params (defaults omitted, as DER wants).
    pub fn signature_algorithm(self) -> AlgorithmIdentifierOwned {
        let (o, parameters) = match self {
            Scheme::Pkcs1(h) => {
                let o = match h {
                    Hash::Sha1 => "1.2.840.113549.1.1.5",
                    Hash::Sha224 => "1.2.840.113549.1.1.14",
                    Hash::Sha256 => "1.2.840.113549.1.1.11",
                    Hash::Sha384 => "1.2.840.113549.1.1.12",
                    Hash::Sha512 => "1.2.840.113549.1.1.13",
                    Hash::Sha3_256 => "2.16.840.1.101.3.4.3.14",
                    Hash::Sha3_384 => "2.16.840.1.101.3.4.3.15",
                    Hash::Sha3_512 => "2.16.840.1.101.3.4.3.16",
                    Hash::Shake256 => unreachable!("no PKCS#1 v1.5 with SHAKE256"),
                };
                let sha3 = matches!(h, Hash::Sha3_256 | Hash::Sha3_384 | Hash::Sha3_512);
                (o, (!sha3).then(Any::null))
            }
            Scheme::Pss { hash, mgf, salt } => {
                let params = Any::from_der(&pss_params(hash, mgf, salt)).expect("DER");
                ("1.2.840.113549.1.1.10", Some(params))
            }
            Scheme::Ecdsa(h) => (
                match h {
                    Hash::Sha1 => "1.2.840.10045.4.1",
                    Hash::Sha224 => "1.2.840.10045.4.3.1",
                    Hash::Sha256 => "1.2.840.10045.4.3.2",
                    Hash::Sha384 => "1.2.840.10045.4.3.3",
                    Hash::Sha512 => "1.2.840.10045.4.3.4",
                    Hash::Sha3_256 => "2.16.840.1.101.3.4.3.10",
                    Hash::Sha3_384 => "2.16.840.1.101.3.4.3.11",
                    Hash::Sha3_512 => "2.16.840.1.101.3.4.3.12",
                    Hash::Shake256 => unreachable!("no ECDSA with SHAKE256 here"),
                },
                None,
            ),
            Scheme::Ed25519 => ("1.3.101.112", None),
            Scheme::Ed448 => ("1.3.101.113", None),
        };
        AlgorithmIdentifierOwned {
            oid: oid(o),
            parameters,
        }
    }

    /// The algorithm as the manifest names it.
    pub fn name(self) -> String {
        match self {
            Scheme::Pkcs1(h @ (Hash::Sha3_256 | Hash::Sha3_384 | Hash::Sha3_512)) => {
                format!("id-rsassa-pkcs1-v1_5-with-{}", h.name())
            }
            Scheme::Pkcs1(h) => format!("{}WithRSAEncryption", h.name()),
            Scheme::Pss { hash, mgf, salt } => format!(
                "RSASSA-PSS {} MGF1-{} salt {salt}",
                hash.label(),
                mgf.label()
            ),
            Scheme::Ecdsa(h @ (Hash::Sha3_256 | Hash::Sha3_384 | Hash::Sha3_512)) => {
                format!("id-ecdsa-with-{}", h.name())
            }
            Scheme::Ecdsa(h) => format!("ecdsa-with-{}", h.label().replace('-', "")),
            Scheme::Ed25519 => "Ed25519".into(),
            Scheme::Ed448 => "Ed448".into(),
        }
    }
}

/// `RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] DEFAULT sha1, maskGenAlgorithm [1]
/// DEFAULT mgf1SHA1, saltLength [2] INTEGER DEFAULT 20, trailerField [3] DEFAULT 1 }`
/// (RFC 4055, 3.1), each field left out when it is its default.
fn pss_params(hash: Hash, mgf: Hash, salt: usize) -> Vec<u8> {
    use der::Encode as _;
    let mut fields = Vec::new();
    if hash != Hash::Sha1 {
        fields.extend(tlv(0xa0, &hash_with_null(hash)));
    }
    if mgf != Hash::Sha1 {
        let mut mgf1 = oid("1.2.840.113549.1.1.8").to_der().expect("OID");
        mgf1.extend(hash_with_null(mgf));
        fields.extend(tlv(0xa1, &tlv(0x30, &mgf1)));
    }
    if salt != 20 {
        fields.extend(tlv(0xa2, &integer(salt as u64)));
    }
    tlv(0x30, &fields)
}

/// A DER INTEGER holding `n`.
fn integer(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
    let mut content = bytes[skip..].to_vec();
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    tlv(0x02, &content)
}

/// Signs `message` (the DER signed attributes) with `key` under `scheme`; `salt` is the PSS
/// salt (its length the scheme's), unused by the other schemes.
pub fn sign(key: &AlgKey, scheme: Scheme, message: &[u8], salt: &[u8]) -> Result<Vec<u8>> {
    match (key, scheme) {
        (AlgKey::Rsa(k), Scheme::Pkcs1(h)) => rsa_private(k, &emsa_pkcs1(k, h, message)?),
        (AlgKey::Rsa(k), Scheme::Pss { hash, mgf, .. }) => {
            rsa_private(k, &emsa_pss(k, hash, mgf, salt, message)?)
        }
        (AlgKey::Ed25519(k), Scheme::Ed25519) => Ok(k.sign(message).as_ref().to_vec()),
        (AlgKey::Ed448(k), Scheme::Ed448) => Ok(k.sign_raw(message).to_bytes().to_vec()),
        (AlgKey::Bp512(k), Scheme::Ecdsa(h)) => Ok(k.sign_prehash(&h.digest(&[message]))),
        (_, Scheme::Ecdsa(h)) => ecdsa(key, &h.digest(&[message])),
        _ => bail!("{} cannot be made with this key", scheme.name()),
    }
}

/// A DER `Ecdsa-Sig-Value` over `prehash` (RFC 6979 nonces: deterministic).
fn ecdsa(key: &AlgKey, prehash: &[u8]) -> Result<Vec<u8>> {
    macro_rules! prehashed {
        ($k:expr, $curve:ty) => {{
            use ecdsa::signature::hazmat::PrehashSigner;
            let sig: ecdsa::Signature<$curve> = $k.sign_prehash(prehash)?;
            sig.to_der().as_bytes().to_vec()
        }};
    }
    Ok(match key {
        AlgKey::P256(k) => {
            use p256::ecdsa::signature::hazmat::PrehashSigner;
            let sig: p256::ecdsa::Signature = k.sign_prehash(prehash)?;
            sig.to_der().as_bytes().to_vec()
        }
        AlgKey::P384(k) => prehashed!(k, p384::NistP384),
        AlgKey::P521(k) => prehashed!(k, p521::NistP521),
        AlgKey::Bp256(k) => prehashed!(k, bp256::BrainpoolP256r1),
        AlgKey::Bp384(k) => prehashed!(k, bp384::BrainpoolP384r1),
        _ => bail!("not an ECDSA key"),
    })
}

/// EMSA-PKCS1-v1_5-ENCODE (RFC 8017, 9.2): `00 01 FF… 00 DigestInfo`, the DigestInfo's
/// hash AlgorithmIdentifier with NULL parameters (as RFC 8017's Note 1 lists them, and OpenSSL
/// writes them for SHA-3 too).
fn emsa_pkcs1(key: &rsa::RsaPrivateKey, h: Hash, message: &[u8]) -> Result<Vec<u8>> {
    use rsa::traits::PublicKeyParts;
    let mut digest_info = hash_with_null(h);
    digest_info.extend(tlv(0x04, &h.digest(&[message])));
    let digest_info = tlv(0x30, &digest_info);
    let k = key.size();
    anyhow::ensure!(k >= digest_info.len() + 11, "RSA key too short for {h:?}");
    let mut em = vec![0xffu8; k];
    em[0] = 0x00;
    em[1] = 0x01;
    em[k - digest_info.len() - 1] = 0x00;
    em[k - digest_info.len()..].copy_from_slice(&digest_info);
    Ok(em)
}

/// MGF1 (RFC 8017, B.2.1): `len` bytes of `Hash(seed ‖ C)` for C = 0, 1, …
fn mgf1(h: Hash, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + h.output_len());
    let mut counter = 0u32;
    while out.len() < len {
        out.extend(h.digest(&[seed, &counter.to_be_bytes()]));
        counter += 1;
    }
    out.truncate(len);
    out
}

/// EMSA-PSS-ENCODE (RFC 8017, 9.1.1) with emBits = modBits − 1, any message hash, any MGF1
/// hash and the given salt.
fn emsa_pss(
    key: &rsa::RsaPrivateKey,
    hash: Hash,
    mgf: Hash,
    salt: &[u8],
    message: &[u8],
) -> Result<Vec<u8>> {
    use rsa::traits::PublicKeyParts;
    let em_bits = key.n().bits() - 1;
    let em_len = em_bits.div_ceil(8);
    let h_len = hash.output_len();
    anyhow::ensure!(
        em_len >= h_len + salt.len() + 2,
        "RSA key too short for PSS"
    );
    let m_hash = hash.digest(&[message]);
    let h = hash.digest(&[&[0u8; 8], &m_hash, salt]);
    // DB = PS ‖ 0x01 ‖ salt, masked with MGF1(H).
    let mut db = vec![0u8; em_len - h_len - 1];
    let one = db.len() - salt.len() - 1;
    db[one] = 0x01;
    db[one + 1..].copy_from_slice(salt);
    for (d, m) in db.iter_mut().zip(mgf1(mgf, &h, em_len - h_len - 1)) {
        *d ^= m;
    }
    db[0] &= 0xff >> (8 * em_len - em_bits);
    let mut em = db;
    em.extend_from_slice(&h);
    em.push(0xbc);
    Ok(em)
}

/// RSASP1 (RFC 8017, 5.2.1) of the encoded message, left-padded to the modulus length; the
/// CRT result is checked against the public key before it is used.
fn rsa_private(key: &rsa::RsaPrivateKey, em: &[u8]) -> Result<Vec<u8>> {
    use rsa::traits::PublicKeyParts;
    let m = rsa::BigUint::from_bytes_be(em);
    let s = rsa::hazmat::rsa_decrypt_and_check(key, None::<&mut rand_chacha::ChaCha8Rng>, &m)
        .map_err(|e| anyhow::anyhow!("RSA private-key operation: {e}"))?;
    let s = s.to_bytes_be();
    let mut out = vec![0u8; key.size() - s.len()];
    out.extend_from_slice(&s);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_have_their_lengths() {
        for h in [
            Hash::Sha1,
            Hash::Sha224,
            Hash::Sha256,
            Hash::Sha384,
            Hash::Sha512,
            Hash::Sha3_256,
            Hash::Sha3_384,
            Hash::Sha3_512,
            Hash::Shake256,
        ] {
            assert_eq!(h.digest(&[b"ab", b"c"]).len(), h.output_len(), "{h:?}");
            assert_eq!(h.digest(&[b"ab", b"c"]), h.digest(&[b"abc"]), "{h:?}");
        }
        // FIPS 180-4 / FIPS 202 test vectors for "abc".
        let hex = |v: Vec<u8>| v.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert!(hex(Hash::Sha224.digest(&[b"abc"])).starts_with("23097d22"));
        assert!(hex(Hash::Sha3_256.digest(&[b"abc"])).starts_with("3a985da7"));
        assert!(hex(Hash::Shake256.digest(&[b"abc"])).starts_with("483366601360a877"));
    }

    #[test]
    fn pss_parameters_leave_out_their_defaults() {
        assert_eq!(pss_params(Hash::Sha1, Hash::Sha1, 20), vec![0x30, 0x00]);
        let p = pss_params(Hash::Sha256, Hash::Sha512, 32);
        assert_eq!(&p[p.len() - 5..], &[0xa2, 0x03, 0x02, 0x01, 0x20]);
        let zero = pss_params(Hash::Sha512, Hash::Sha512, 0);
        assert_eq!(&zero[zero.len() - 5..], &[0xa2, 0x03, 0x02, 0x01, 0x00]);
    }
}
