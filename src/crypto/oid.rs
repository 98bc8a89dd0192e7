//! Algorithm object identifiers and their readable names.

use std::borrow::Cow;

pub use crate::asn1::Oid;

/// rsaEncryption (RFC 8017, A.1).
pub const RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
/// sha1WithRSAEncryption (RFC 8017, A.2.4).
pub const RSA_SHA1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
/// sha224WithRSAEncryption (RFC 5754, 3.2).
pub const RSA_SHA224: Oid = Oid::new_unwrap("1.2.840.113549.1.1.14");
/// sha256WithRSAEncryption.
pub const RSA_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
/// sha384WithRSAEncryption.
pub const RSA_SHA384: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
/// sha512WithRSAEncryption.
pub const RSA_SHA512: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
/// id-RSASSA-PSS (RFC 8017, A.2.3; RFC 4055, 3.1).
pub const RSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
/// id-mgf1 (RFC 8017, B.2.1).
pub const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
/// id-rsassa-pkcs1-v1_5-with-sha3-224 (NIST CSOR).
pub const RSA_SHA3_224: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.13");
/// id-rsassa-pkcs1-v1_5-with-sha3-256.
pub const RSA_SHA3_256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.14");
/// id-rsassa-pkcs1-v1_5-with-sha3-384.
pub const RSA_SHA3_384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.15");
/// id-rsassa-pkcs1-v1_5-with-sha3-512.
pub const RSA_SHA3_512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.16");
/// id-ecPublicKey (RFC 5480, 2.1.1).
pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
/// ecdsa-with-SHA1 (RFC 3279, 2.2.3).
pub const ECDSA_SHA1: Oid = Oid::new_unwrap("1.2.840.10045.4.1");
/// ecdsa-with-SHA224 (RFC 5758, 3.2).
pub const ECDSA_SHA224: Oid = Oid::new_unwrap("1.2.840.10045.4.3.1");
/// ecdsa-with-SHA256.
pub const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
/// ecdsa-with-SHA384.
pub const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
/// ecdsa-with-SHA512.
pub const ECDSA_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
/// id-ecdsa-with-sha3-224 (NIST CSOR).
pub const ECDSA_SHA3_224: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.9");
/// id-ecdsa-with-sha3-256.
pub const ECDSA_SHA3_256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.10");
/// id-ecdsa-with-sha3-384.
pub const ECDSA_SHA3_384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.11");
/// id-ecdsa-with-sha3-512.
pub const ECDSA_SHA3_512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.12");
/// ecdsa-plain-SHA1 (BSI TR-03111, 5.2.1.1: `r ‖ s`, not a DER SEQUENCE).
pub const ECDSA_PLAIN_SHA1: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.1.4.1.1");
/// ecdsa-plain-SHA224.
pub const ECDSA_PLAIN_SHA224: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.1.4.1.2");
/// ecdsa-plain-SHA256.
pub const ECDSA_PLAIN_SHA256: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.1.4.1.3");
/// ecdsa-plain-SHA384.
pub const ECDSA_PLAIN_SHA384: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.1.4.1.4");
/// ecdsa-plain-SHA512.
pub const ECDSA_PLAIN_SHA512: Oid = Oid::new_unwrap("0.4.0.127.0.7.1.1.4.1.5");
/// secp256r1 (P-256).
pub const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
/// secp384r1 (P-384).
pub const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
/// secp521r1 (P-521).
pub const P521: Oid = Oid::new_unwrap("1.3.132.0.35");
/// brainpoolP256r1 (RFC 5639).
pub const BRAINPOOL_P256R1: Oid = Oid::new_unwrap("1.3.36.3.3.2.8.1.1.7");
/// brainpoolP384r1.
pub const BRAINPOOL_P384R1: Oid = Oid::new_unwrap("1.3.36.3.3.2.8.1.1.11");
/// brainpoolP512r1.
pub const BRAINPOOL_P512R1: Oid = Oid::new_unwrap("1.3.36.3.3.2.8.1.1.13");
/// id-Ed25519 (RFC 8410, 3).
pub const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
/// id-Ed448.
pub const ED448: Oid = Oid::new_unwrap("1.3.101.113");
/// id-dsa (RFC 3279, 2.3.2).
pub const DSA: Oid = Oid::new_unwrap("1.2.840.10040.4.1");
/// id-sha1.
pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
/// id-sha224 (RFC 5754).
pub const SHA224: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.4");
/// id-sha256.
pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
/// id-sha384.
pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
/// id-sha512.
pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
/// id-sha3-224 (NIST CSOR).
pub const SHA3_224: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.7");
/// id-sha3-256.
pub const SHA3_256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.8");
/// id-sha3-384.
pub const SHA3_384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.9");
/// id-sha3-512.
pub const SHA3_512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.10");
/// id-shake256 (RFC 8702, 2; with Ed448 its output is 512 bits, RFC 8419, 2.3).
pub const SHAKE256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.12");
/// id-shake256-len (RFC 8702, 2: the output length is the parameter).
pub const SHAKE256_LEN: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.18");

/// A DSA signature algorithm (for its name only).
const DSA_SHA1: Oid = Oid::new_unwrap("1.2.840.10040.4.3");
/// dsa-with-sha256.
const DSA_SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.2");

/// The readable name of a known algorithm OID (for reasons in reports); the dotted OID
/// otherwise.
pub fn name(oid: &Oid) -> Cow<'static, str> {
    Cow::Borrowed(match *oid {
        RSA => "rsaEncryption",
        RSA_SHA1 => "sha1WithRSAEncryption",
        RSA_SHA224 => "sha224WithRSAEncryption",
        RSA_SHA256 => "sha256WithRSAEncryption",
        RSA_SHA384 => "sha384WithRSAEncryption",
        RSA_SHA512 => "sha512WithRSAEncryption",
        RSA_PSS => "RSASSA-PSS",
        MGF1 => "MGF1",
        RSA_SHA3_224 => "RSA with SHA3-224",
        RSA_SHA3_256 => "RSA with SHA3-256",
        RSA_SHA3_384 => "RSA with SHA3-384",
        RSA_SHA3_512 => "RSA with SHA3-512",
        EC_PUBLIC_KEY => "ecPublicKey",
        ECDSA_SHA1 => "ecdsa-with-SHA1",
        ECDSA_SHA224 => "ecdsa-with-SHA224",
        ECDSA_SHA256 => "ecdsa-with-SHA256",
        ECDSA_SHA384 => "ecdsa-with-SHA384",
        ECDSA_SHA512 => "ecdsa-with-SHA512",
        ECDSA_SHA3_224 => "ecdsa-with-SHA3-224",
        ECDSA_SHA3_256 => "ecdsa-with-SHA3-256",
        ECDSA_SHA3_384 => "ecdsa-with-SHA3-384",
        ECDSA_SHA3_512 => "ecdsa-with-SHA3-512",
        ECDSA_PLAIN_SHA1 => "ecdsa-plain-SHA1",
        ECDSA_PLAIN_SHA224 => "ecdsa-plain-SHA224",
        ECDSA_PLAIN_SHA256 => "ecdsa-plain-SHA256",
        ECDSA_PLAIN_SHA384 => "ecdsa-plain-SHA384",
        ECDSA_PLAIN_SHA512 => "ecdsa-plain-SHA512",
        P256 => "P-256",
        P384 => "P-384",
        P521 => "P-521",
        BRAINPOOL_P256R1 => "brainpoolP256r1",
        BRAINPOOL_P384R1 => "brainpoolP384r1",
        BRAINPOOL_P512R1 => "brainpoolP512r1",
        ED25519 => "Ed25519",
        ED448 => "Ed448",
        DSA => "DSA",
        SHA1 => "SHA-1",
        SHA224 => "SHA-224",
        SHA256 => "SHA-256",
        SHA384 => "SHA-384",
        SHA512 => "SHA-512",
        SHA3_224 => "SHA3-224",
        SHA3_256 => "SHA3-256",
        SHA3_384 => "SHA3-384",
        SHA3_512 => "SHA3-512",
        SHAKE256 | SHAKE256_LEN => "SHAKE256",
        DSA_SHA1 => "dsa-with-sha1",
        DSA_SHA256 => "dsa-with-sha256",
        other => return Cow::Owned(other.to_string()),
    })
}
