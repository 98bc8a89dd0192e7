//! RSA signatures: PKCS#1 v1.5 (RFC 8017, 8.2.2) and RSASSA-PSS (RFC 8017, 8.1.2), through ring
//! where it covers the key and the parameters, and otherwise through the raw public-key
//! operation (RustCrypto's `rsa`) with the encoding checked here: keys under 1024 or over 8192
//! bits, SHA-224 and SHA-3, PSS with any hash, mask-generation hash and salt length, moduli
//! that were not DER.

use ring::signature::{self as sig, UnparsedPublicKey, VerificationAlgorithm};

use super::hash::{DigestAlgorithm, Hasher};
use super::key::{PublicKey, RsaNumbers};
use super::VerifyError;
use crate::asn1::der as tlv;

/// RSASSA-PSS parameters (RFC 8017, A.2.3; RFC 4055, 3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pss {
    /// The message hash.
    pub hash: DigestAlgorithm,
    /// MGF1's hash.
    pub mgf_hash: DigestAlgorithm,
    /// Salt length in bytes.
    pub salt: usize,
}

/// Verifies an RSASSA-PKCS1-v1_5 signature with `hash`; returns the hash the signature is
/// made with. That is `hash`, or — when the signature does not verify with it — the hash its
/// own `DigestInfo` names, if the signature verifies with that one (a signer that labels its
/// signature with one hash and computes it with another; the caller reports it).
pub(super) fn verify_pkcs1(
    key: &PublicKey,
    hash: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<DigestAlgorithm, VerifyError> {
    let rsa = numbers(key)?;
    if let Some(alg) = ring_pkcs1(hash, key.size) {
        if ring_verify(alg, key, rsa, message, signature) {
            return Ok(hash);
        }
    }
    // ring does not cover this key or hash, or it refused: the raw operation decides (a
    // signature ring rejects for a reason of its own is never called forged on its word).
    let em = raw_public(rsa, signature)?;
    if pkcs1_matches(&em, hash, message)? {
        return Ok(hash);
    }
    match digest_info_hash(&em) {
        Some(other) if other != hash && pkcs1_matches(&em, other, message)? => Ok(other),
        _ => Err(VerifyError::Invalid),
    }
}

/// Whether `em` is the EMSA-PKCS1-v1_5 encoding of `message` under `hash`.
fn pkcs1_matches(em: &[u8], hash: DigestAlgorithm, message: &[u8]) -> Result<bool, VerifyError> {
    let digest = hash.digest(message);
    for with_null in [true, false] {
        if em == pkcs1_encoding(hash, digest.as_ref(), em.len(), with_null)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The hash an EMSA-PKCS1-v1_5 block's `DigestInfo` names (`00 01 FF… 00 DigestInfo`).
fn digest_info_hash(em: &[u8]) -> Option<DigestAlgorithm> {
    use crate::asn1::{tag, Tlv};
    let rest = em.strip_prefix(&[0, 1])?;
    let ff = rest.iter().take_while(|&&b| b == 0xff).count();
    let info = rest[ff..].strip_prefix(&[0])?;
    let t = Tlv::parse_whole(info).ok()?;
    if !t.is(tag::SEQUENCE) {
        return None;
    }
    let alg = t.children().next()?.ok()?;
    let oid = alg.children().next()?.ok()?.oid().ok()?;
    DigestAlgorithm::from_oid(&oid)
}

/// Verifies an RSASSA-PSS signature.
pub(super) fn verify_pss(
    key: &PublicKey,
    p: Pss,
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    let rsa = numbers(key)?;
    if let Some(alg) = ring_pss(p, key.size) {
        if ring_verify(alg, key, rsa, message, signature) {
            return Ok(());
        }
    }
    let mod_bits = key.size as usize;
    if mod_bits < 2 {
        return Err(VerifyError::Unsupported(
            "an RSA key without a modulus".into(),
        ));
    }
    let em = raw_public(rsa, signature)?;
    // RFC 8017, 8.1.2 step 2c: EM = I2OSP(m, emLen) with emBits = modBits − 1.
    let em_bits = mod_bits - 1;
    let em_len = em_bits.div_ceil(8);
    let (lead, em) = em.split_at(em.len() - em_len);
    if lead.iter().any(|&b| b != 0) {
        return Err(VerifyError::Invalid);
    }
    emsa_pss_verify(p, p.hash.digest(message).as_ref(), em, em_bits)
}

/// EMSA-PSS-VERIFY (RFC 8017, 9.1.2), steps 3 to 14.
fn emsa_pss_verify(p: Pss, m_hash: &[u8], em: &[u8], em_bits: usize) -> Result<(), VerifyError> {
    let h_len = p.hash.len();
    let em_len = em.len();
    if em_len < h_len + p.salt + 2 || em[em_len - 1] != 0xbc {
        return Err(VerifyError::Invalid);
    }
    let (masked_db, rest) = em.split_at(em_len - h_len - 1);
    let h = &rest[..h_len];
    let top_bits = 8 * em_len - em_bits;
    let top_mask = if top_bits >= 8 { 0 } else { 0xffu8 >> top_bits };
    if masked_db[0] & !top_mask != 0 {
        return Err(VerifyError::Invalid);
    }
    let mut db = mgf1(p.mgf_hash, h, masked_db.len());
    for (d, m) in db.iter_mut().zip(masked_db) {
        *d ^= m;
    }
    db[0] &= top_mask;
    let ps_len = em_len - h_len - p.salt - 2;
    if db[..ps_len].iter().any(|&b| b != 0) || db[ps_len] != 0x01 {
        return Err(VerifyError::Invalid);
    }
    let salt = &db[db.len() - p.salt..];
    let mut m_prime = Hasher::new(p.hash);
    m_prime.update(&[0u8; 8]);
    m_prime.update(m_hash);
    m_prime.update(salt);
    if m_prime.finish().as_ref() == h {
        Ok(())
    } else {
        Err(VerifyError::Invalid)
    }
}

/// MGF1 (RFC 8017, B.2.1): `len` bytes of `Hash(seed ‖ C)` for C = 0, 1, …
fn mgf1(hash: DigestAlgorithm, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + hash.len());
    let mut counter = 0u32;
    while out.len() < len {
        let mut h = Hasher::new(hash);
        h.update(seed);
        h.update(&counter.to_be_bytes());
        out.extend_from_slice(h.finish().as_ref());
        counter += 1;
    }
    out.truncate(len);
    out
}

/// EMSA-PKCS1-v1_5 (RFC 8017, 9.2): `0x00 0x01 FF… 0x00 DigestInfo`, the DigestInfo's
/// AlgorithmIdentifier with NULL parameters (RFC 8017, A.2.4) or, as some signers write it,
/// without.
fn pkcs1_encoding(
    hash: DigestAlgorithm,
    digest: &[u8],
    em_len: usize,
    with_null: bool,
) -> Result<Vec<u8>, VerifyError> {
    let oid = crate::asn1::oid_der(&hash.oid());
    let mut alg = oid;
    if with_null {
        alg.extend([0x05, 0x00]);
    }
    let mut info = tlv(0x30, &alg);
    info.extend(tlv(0x04, digest));
    let t = tlv(0x30, &info);
    if em_len < t.len() + 11 {
        return Err(VerifyError::Invalid);
    }
    let mut em = vec![0xffu8; em_len];
    em[0] = 0;
    em[1] = 1;
    em[em_len - t.len() - 1] = 0;
    em[em_len - t.len()..].copy_from_slice(&t);
    Ok(em)
}

/// The key's RSA numbers.
fn numbers(key: &PublicKey) -> Result<&RsaNumbers, VerifyError> {
    key.rsa
        .as_ref()
        .ok_or_else(|| VerifyError::Unsupported("an RSA key that does not read".into()))
}

/// ring's PKCS#1 v1.5 verifier for `hash` and a key of `bits`, if it has one.
fn ring_pkcs1(hash: DigestAlgorithm, bits: u32) -> Option<&'static dyn VerificationAlgorithm> {
    if !(1024..=8192).contains(&bits) {
        return None;
    }
    Some(match hash {
        DigestAlgorithm::Sha1 => &sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        DigestAlgorithm::Sha256 => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        DigestAlgorithm::Sha384 if bits >= 2048 => &sig::RSA_PKCS1_2048_8192_SHA384,
        DigestAlgorithm::Sha512 => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        _ => return None,
    })
}

/// ring's PSS verifier: MGF1 with the message hash, a salt as long as the hash, keys of
/// 2048 to 8192 bits.
fn ring_pss(p: Pss, bits: u32) -> Option<&'static dyn VerificationAlgorithm> {
    if !(2048..=8192).contains(&bits) || p.mgf_hash != p.hash || p.salt != p.hash.len() {
        return None;
    }
    Some(match p.hash {
        DigestAlgorithm::Sha256 => &sig::RSA_PSS_2048_8192_SHA256,
        DigestAlgorithm::Sha384 => &sig::RSA_PSS_2048_8192_SHA384,
        DigestAlgorithm::Sha512 => &sig::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

/// ring's verdict (true: valid); the key in DER (re-encoded if it was not).
fn ring_verify(
    alg: &'static dyn VerificationAlgorithm,
    key: &PublicKey,
    rsa: &RsaNumbers,
    message: &[u8],
    signature: &[u8],
) -> bool {
    let der = rsa.der.as_deref().unwrap_or(&key.bits);
    UnparsedPublicKey::new(alg, der)
        .verify(message, signature)
        .is_ok()
}

/// RSAVP1 (RFC 8017, 5.2.2): `s^e mod n`, as `k` octets (k = the modulus' length). A signature
/// shorter than the modulus (leading zero octets dropped, as some signers do) is read as the
/// same integer.
fn raw_public(rsa: &RsaNumbers, signature: &[u8]) -> Result<Vec<u8>, VerifyError> {
    use rsa::hazmat::rsa_encrypt;
    use rsa::traits::PublicKeyParts;
    use rsa::BoxedUint;
    let (n, e) = (&rsa.n, &rsa.e);
    if n.is_empty() || n[n.len() - 1] & 1 == 0 || e.is_empty() {
        return Err(VerifyError::Unsupported(
            "an RSA key with an even or empty modulus or exponent".into(),
        ));
    }
    let k = n.len();
    let s_bytes = super::key::strip(signature);
    if s_bytes.len() > k {
        return Err(VerifyError::Invalid);
    }
    let n_int = BoxedUint::from_be_slice_vartime(n);
    let precision = n_int.bits_precision();
    let s = BoxedUint::from_be_slice(s_bytes, precision).map_err(|_| VerifyError::Invalid)?;
    if s >= n_int {
        return Err(VerifyError::Invalid);
    }
    let key = rsa::PublicKey::new_unchecked(n_int, BoxedUint::from_be_slice_vartime(e));
    debug_assert_eq!(key.size(), k);
    let m = rsa_encrypt(&key, &s).map_err(|_| VerifyError::Invalid)?;
    let bytes = m.to_be_bytes();
    let (lead, em) = bytes.split_at(bytes.len().saturating_sub(k));
    if lead.iter().any(|&b| b != 0) {
        return Err(VerifyError::Invalid);
    }
    let mut out = vec![0u8; k - em.len()];
    out.extend_from_slice(em);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mgf1_is_the_counter_hash_chain() {
        let out = mgf1(DigestAlgorithm::Sha256, b"seed", 40);
        let mut first = Hasher::new(DigestAlgorithm::Sha256);
        first.update(b"seed\0\0\0\0");
        assert_eq!(&out[..32], first.finish().as_ref());
        assert_eq!(out.len(), 40);
    }
}
