//! Public keys from `SubjectPublicKeyInfo` (RFC 5280, 4.1.2.7), read as real signers' keys
//! are, with what was not DER said out loud.

use crate::asn1::AlgorithmIdentifier;
use crate::asn1::{der, positive_integer, tag, Tlv};

use super::oid;

/// An RSA public key's numbers (`RSAPublicKey ::= SEQUENCE { modulus INTEGER,
/// publicExponent INTEGER }`, RFC 8017, A.1.1), as unsigned big-endian magnitudes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsaNumbers {
    /// The modulus, without leading zero octets.
    pub n: Vec<u8>,
    /// The public exponent, without leading zero octets.
    pub e: Vec<u8>,
    /// `RSAPublicKey` re-encoded in DER when the received one was not (ring reads DER only);
    /// `None` when the received encoding is DER.
    pub der: Option<Vec<u8>>,
}

/// A public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    /// Algorithm OID of the key.
    pub algorithm: oid::Oid,
    /// Named curve OID for EC keys.
    pub curve: Option<oid::Oid>,
    /// The `subjectPublicKey` BIT STRING contents as received (RSAPublicKey, EC point,
    /// EdDSA key): what OCSP key hashes are computed over.
    pub bits: Vec<u8>,
    /// Key size in bits (RSA modulus length, EC field size).
    pub size: u32,
    /// RSA numbers, for RSA keys that read.
    pub rsa: Option<RsaNumbers>,
    /// What in the key's encoding is not as the standards require but was read anyway, in
    /// words (reported with every signature made with it).
    pub defects: Vec<String>,
}

impl PublicKey {
    /// Reads a `SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier,
    /// subjectPublicKey BIT STRING }`.
    pub fn from_spki(spki: &[u8]) -> Result<PublicKey, String> {
        let t = Tlv::parse_whole(spki)
            .and_then(|t| t.expect(tag::SEQUENCE, "SubjectPublicKeyInfo"))
            .map_err(|e| e.to_string())?;
        let items = t.items().map_err(|e| e.to_string())?;
        let [alg, bits] = items.as_slice() else {
            return Err("not a pair".into());
        };
        let alg = AlgorithmIdentifier::from_tlv(*alg).map_err(|e| e.to_string())?;
        if !bits.is(tag::BIT_STRING) || bits.content.first() != Some(&0) {
            return Err("key is not a whole-octet BIT STRING".into());
        }
        let key_bits = bits.content[1..].to_vec();
        let curve = alg
            .params
            .as_deref()
            .and_then(|p| Tlv::parse_whole(p).ok())
            .filter(|p| p.is(tag::OID))
            .and_then(|p| p.oid().ok());
        let mut key = PublicKey {
            algorithm: alg.oid,
            curve,
            bits: key_bits,
            size: 0,
            rsa: None,
            defects: Vec::new(),
        };
        key.size = match key.algorithm {
            oid::RSA | oid::RSA_PSS => {
                key.rsa = rsa_numbers(&key.bits, &mut key.defects);
                key.rsa.as_ref().map_or(0, |r| bit_length(&r.n))
            }
            oid::EC_PUBLIC_KEY => match key.curve {
                Some(oid::P256 | oid::BRAINPOOL_P256R1) => 256,
                Some(oid::P384 | oid::BRAINPOOL_P384R1) => 384,
                Some(oid::P521) => 521,
                Some(oid::BRAINPOOL_P512R1) => 512,
                _ => (key.bits.len().saturating_sub(1) * 4) as u32,
            },
            oid::ED25519 => 256,
            oid::ED448 => 448,
            _ => 0,
        };
        Ok(key)
    }

    /// A short description such as `RSA-2048` or `ECDSA-P256`.
    pub fn describe(&self) -> String {
        match self.algorithm {
            oid::RSA | oid::RSA_PSS => format!("RSA-{}", self.size),
            oid::EC_PUBLIC_KEY => match self.curve {
                Some(oid::P256) => "ECDSA-P256".into(),
                Some(oid::P384) => "ECDSA-P384".into(),
                Some(oid::P521) => "ECDSA-P521".into(),
                Some(c) => format!("ECDSA-{}", oid::name(&c)),
                None => "ECDSA".into(),
            },
            other => oid::name(&other).into_owned(),
        }
    }

    /// Whether this is an RSA key.
    pub fn is_rsa(&self) -> bool {
        matches!(self.algorithm, oid::RSA | oid::RSA_PSS)
    }

    /// The RSA modulus length in bits of an RSAPublicKey (`SEQUENCE { modulus INTEGER,
    /// publicExponent INTEGER }`, RFC 8017 A.1.1).
    pub fn rsa_modulus_bits(bits: &[u8]) -> Option<u32> {
        rsa_numbers(bits, &mut Vec::new()).map(|r| bit_length(&r.n))
    }
}

/// Bits in an unsigned big-endian magnitude without leading zeros.
fn bit_length(n: &[u8]) -> u32 {
    let lead = n.first().map_or(0, |b| 8 - b.leading_zeros());
    (n.len() as u32).saturating_sub(1) * 8 + lead
}

/// The numbers of an RSAPublicKey. A modulus encoded as a negative INTEGER (the leading zero
/// octet missing: some national ID-card certificates of 2011) is read as unsigned, as NSS
/// does, and said so in `defects`; the key is re-encoded in DER for ring.
fn rsa_numbers(bits: &[u8], defects: &mut Vec<String>) -> Option<RsaNumbers> {
    let t = Tlv::parse_whole(bits)
        .ok()?
        .expect(tag::SEQUENCE, "")
        .ok()?;
    let mut c = t.children();
    let n_t = c.next()?.ok()?;
    let e_t = c.next()?.ok()?;
    if !n_t.is(tag::INTEGER) || !e_t.is(tag::INTEGER) || n_t.content.is_empty() {
        return None;
    }
    let negative = n_t.content[0] & 0x80 != 0;
    let n = strip(n_t.content);
    let e = strip(e_t.content);
    let redundant = n_t.content.len() > 1 && n_t.content[0] == 0 && n_t.content[1] & 0x80 == 0;
    let mut der = None;
    if negative || redundant {
        defects.push(if negative {
            "the RSA modulus is encoded as a negative INTEGER (not DER, X.690 8.3.3); read as \
             unsigned, as NSS reads it"
                .into()
        } else {
            "the RSA modulus has redundant leading zero octets (not DER, X.690 8.3.2); read \
             anyway"
                .into()
        });
        der = Some(rsa_public_key_der(n, e));
    }
    Some(RsaNumbers {
        n: n.to_vec(),
        e: e.to_vec(),
        der,
    })
}

/// Leading zero octets removed (an unsigned magnitude).
pub(super) fn strip(b: &[u8]) -> &[u8] {
    let z = b.iter().take_while(|&&x| x == 0).count();
    &b[z..]
}

/// `RSAPublicKey` in DER from unsigned magnitudes.
fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let int = |m: &[u8]| der(tag::INTEGER as u8, &positive_integer(m));
    let mut body = int(n);
    body.extend(int(e));
    der(0x30, &body)
}
