//! Sealing evidence files: a detached CMS signature (RFC 5652) over an auditor's report or
//! manifest, so that any later change to the file is detected, and the manifest format
//! (`sha256sum`'s) that lists per-document reports by SHA-256.
//!
//! [`sign_detached`] writes a DER `ContentInfo` holding a `SignedData` without the content
//! (the file stays beside its `.p7s`), with the signer's certificate and one `SignerInfo`
//! whose signed attributes are contentType, messageDigest, signingCertificateV2 (RFC 5035)
//! and, when the caller gives one, signingTime. Nothing here reads the clock. OpenSSL checks
//! the result with
//! `openssl cms -verify -binary -inform DER -in FILE.p7s -content FILE -CAfile CERT.pem`.
//!
//! Keys and certificates come from whoever runs the audit, but they are still read within a
//! budget: each at most [`MAX_INPUT`] bytes.

mod der;
mod key;
mod pem;

use std::fmt;

use x509_parser::prelude::FromDer;

use crate::asn1::Oid;
use key::Kind;

/// The largest private key or certificate read, in bytes (64 KiB: a 16384-bit RSA key in PEM
/// is under 13 KiB, real certificates are a few KiB).
pub const MAX_INPUT: usize = 64 * 1024;

/// Why a signature could not be made.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealError {
    /// The key or certificate is over [`MAX_INPUT`] bytes.
    TooLarge {
        /// `"private key"` or `"certificate"`.
        what: &'static str,
        /// Its size in bytes.
        len: usize,
    },
    /// The private key is unreadable, encrypted or of an unsupported kind.
    Key(String),
    /// The certificate is unreadable or holds an unsupported public key.
    Certificate(String),
    /// The certificate's public key is not the private key's.
    KeyMismatch(String),
    /// The signing time cannot be written as an ASN.1 time (years 0000 to 9999).
    SigningTime(i64),
    /// The signing operation itself failed.
    Signing(String),
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SealError::TooLarge { what, len } => write!(
                f,
                "the {what} is {len} bytes, over the {MAX_INPUT}-byte limit"
            ),
            SealError::Key(why) => write!(f, "private key: {why}"),
            SealError::Certificate(why) => write!(f, "certificate: {why}"),
            SealError::KeyMismatch(why) => write!(
                f,
                "the private key does not belong to the certificate: {why}"
            ),
            SealError::SigningTime(t) => write!(
                f,
                "signing time {t} (seconds since 1970) is outside the years 0000 to 9999"
            ),
            SealError::Signing(why) => write!(f, "signing failed: {why}"),
        }
    }
}

impl std::error::Error for SealError {}

/// The object identifiers written: the ones the CMS reader and the algorithm table define.
mod oid {
    pub use crate::cms::oid::{
        CONTENT_TYPE, DATA, MESSAGE_DIGEST, SIGNED_DATA, SIGNING_CERTIFICATE_V2, SIGNING_TIME,
    };
    pub use crate::crypto::oid::{
        ECDSA_SHA256 as ECDSA_WITH_SHA256, ECDSA_SHA384 as ECDSA_WITH_SHA384, EC_PUBLIC_KEY, P256,
        P384, RSA as RSA_ENCRYPTION, SHA256, SHA384,
    };
}

/// The parts of the signer's certificate a signature names or checks.
struct Certificate {
    /// The whole certificate, DER.
    der: Vec<u8>,
    /// The issuer `Name`, whole element, as in the certificate.
    issuer: Vec<u8>,
    /// The serial number's contents octets, as in the certificate.
    serial: Vec<u8>,
    /// The kind of key the certificate holds.
    kind: Kind,
    /// The subjectPublicKey BIT STRING's bits.
    public_key: Vec<u8>,
}

impl Certificate {
    /// Reads `cert`: PEM (the first `CERTIFICATE` block) or DER.
    fn read(cert: &[u8]) -> Result<Certificate, SealError> {
        // PEM or DER as the rest of sigaudit reads trust material.
        let der = crate::asn1::der_objects(cert, "CERTIFICATE")
            .map_err(SealError::Certificate)?
            .swap_remove(0);
        let (rest, x) = x509_parser::certificate::X509Certificate::from_der(&der)
            .map_err(|e| SealError::Certificate(format!("not an X.509 certificate: {e}")))?;
        if !rest.is_empty() {
            return Err(SealError::Certificate(format!(
                "{} bytes after the certificate",
                rest.len()
            )));
        }
        let tbs = &x.tbs_certificate;
        let spki = &tbs.subject_pki;
        let algorithm = spki.algorithm.algorithm.as_bytes();
        let kind = if algorithm == oid::RSA_ENCRYPTION.as_bytes() {
            Kind::Rsa
        } else if algorithm == oid::EC_PUBLIC_KEY.as_bytes() {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok());
            match curve.as_ref().map(|c| c.as_bytes()) {
                Some(c) if c == oid::P256.as_bytes() => Kind::P256,
                Some(c) if c == oid::P384.as_bytes() => Kind::P384,
                _ => {
                    return Err(SealError::Certificate(
                        "EC public key on a curve other than P-256 and P-384".to_string(),
                    ))
                }
            }
        } else {
            return Err(SealError::Certificate(format!(
                "unsupported public key algorithm {}: RSA or EC P-256/P-384 expected",
                spki.algorithm.algorithm
            )));
        };
        Ok(Certificate {
            issuer: tbs.issuer.as_raw().to_vec(),
            serial: tbs.raw_serial().to_vec(),
            public_key: spki.subject_public_key.data.to_vec(),
            kind,
            der: der.clone(),
        })
    }
}

/// Signs `content` with a detached CMS signature: the DER of a `ContentInfo` holding a
/// `SignedData` (RFC 5652) without the content, ready to be written as a `.p7s` file beside
/// it.
///
/// - `key`: the signer's private key, PEM or DER: PKCS#8 (`PRIVATE KEY`), or PKCS#1
///   (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`); RSA (2048 to 8192 bits) or EC on P-256 or
///   P-384. Encrypted keys are refused: decrypt them with
///   `openssl pkcs8 -topk8 -nocrypt`.
/// - `cert`: the signer's certificate, PEM or DER; its public key must be the private key's
///   (checked by verifying the signature made with it).
/// - `signing_time`: seconds since 1970-01-01T00:00:00Z for the signingTime attribute,
///   written as UTCTime for the years 1950 to 2049 and GeneralizedTime otherwise; `None`
///   writes no signingTime (the clock is never read here).
///
/// The digest is SHA-256 (SHA-384 for a P-384 key); the signature is RSA PKCS#1 v1.5 or
/// ECDSA over the DER of the signed attributes: contentType (id-data), messageDigest,
/// signingCertificateV2 (the certificate's SHA-256, issuer and serial number) and
/// signingTime when given. The signer is named by the certificate's issuer and serial number,
/// copied as they are encoded there.
pub fn sign_detached(
    content: &[u8],
    key: &[u8],
    cert: &[u8],
    signing_time: Option<i64>,
) -> Result<Vec<u8>, SealError> {
    for (what, bytes) in [("private key", key), ("certificate", cert)] {
        if bytes.len() > MAX_INPUT {
            return Err(SealError::TooLarge {
                what,
                len: bytes.len(),
            });
        }
    }
    let signer = key::load(key)?;
    let cert = Certificate::read(cert)?;
    let kind = signer.kind();
    if cert.kind != kind {
        return Err(SealError::KeyMismatch(format!(
            "the certificate holds an {} key, the private key is {}",
            cert.kind.name(),
            kind.name()
        )));
    }
    let time = signing_time.map(asn1_time).transpose()?;

    let digest_algorithm = der::sequence(&[&der::oid(&kind.digest_oid())]);
    let content_digest = ring::digest::digest(kind.digest(), content);
    let cert_hash = ring::digest::digest(&ring::digest::SHA256, &cert.der);
    let issuer_serial = der::sequence(&[
        // GeneralNames: one directoryName ([4], explicit: Name is a CHOICE).
        &der::sequence(&[&der::context(4, &cert.issuer)]),
        &der::integer_raw(&cert.serial),
    ]);
    // ESSCertIDv2 with hashAlgorithm left out: its DEFAULT is SHA-256 (RFC 5035, 4).
    let ess_cert_id = der::sequence(&[&der::octet_string(cert_hash.as_ref()), &issuer_serial]);
    let signing_certificate = der::sequence(&[&der::sequence(&[&ess_cert_id])]);

    let mut attributes = vec![
        attribute(oid::CONTENT_TYPE, &der::oid(&oid::DATA)),
        attribute(
            oid::MESSAGE_DIGEST,
            &der::octet_string(content_digest.as_ref()),
        ),
        attribute(oid::SIGNING_CERTIFICATE_V2, &signing_certificate),
    ];
    if let Some(time) = &time {
        attributes.push(attribute(oid::SIGNING_TIME, time));
    }
    let attribute_refs: Vec<&[u8]> = attributes.iter().map(Vec::as_slice).collect();
    // What the signature covers: the attributes as a DER SET OF (tag 0x31, RFC 5652, 5.4);
    // the SignerInfo holds the same bytes under [0] IMPLICIT.
    let signed_attributes = der::set_of(&attribute_refs);
    let signature = signer.sign(&signed_attributes)?;
    ring::signature::UnparsedPublicKey::new(kind.verification(), &cert.public_key)
        .verify(&signed_attributes, &signature)
        .map_err(|_| {
            SealError::KeyMismatch(
                "a signature made with the private key does not verify with the certificate's \
                 public key"
                    .to_string(),
            )
        })?;
    let mut signed_attributes_implicit = signed_attributes;
    signed_attributes_implicit[0] = 0xA0;

    let signer_info = der::sequence(&[
        &der::uint(1),
        &der::sequence(&[&cert.issuer, &der::integer_raw(&cert.serial)]),
        &digest_algorithm,
        &signed_attributes_implicit,
        &kind.signature_algorithm(),
        &der::octet_string(&signature),
    ]);
    let signed_data = der::sequence(&[
        &der::uint(1),
        &der::set_of(&[&digest_algorithm]),
        // encapContentInfo without eContent: the signature is detached.
        &der::sequence(&[&der::oid(&oid::DATA)]),
        &der::context(0, &cert.der),
        &der::set_of(&[&signer_info]),
    ]);
    Ok(der::sequence(&[
        &der::oid(&oid::SIGNED_DATA),
        &der::context(0, &signed_data),
    ]))
}

/// `Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue }`
/// with the one value `value` (a whole element).
fn attribute(attr_type: Oid, value: &[u8]) -> Vec<u8> {
    der::sequence(&[&der::oid(&attr_type), &der::set_of(&[value])])
}

/// `t` (seconds since 1970) as the `Time` of RFC 5280, 4.1.2.5, which signingTime follows
/// (RFC 5652, 11.3): UTCTime `YYMMDDHHMMSSZ` for the years 1950 to 2049, GeneralizedTime
/// `YYYYMMDDHHMMSSZ` (no fraction) otherwise.
fn asn1_time(t: i64) -> Result<Vec<u8>, SealError> {
    let d = time::OffsetDateTime::from_unix_timestamp(t).map_err(|_| SealError::SigningTime(t))?;
    let year = d.year();
    if !(0..=9999).contains(&year) {
        return Err(SealError::SigningTime(t));
    }
    let rest = format!(
        "{:02}{:02}{:02}{:02}{:02}Z",
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    );
    Ok(if (1950..2050).contains(&year) {
        der::tlv(der::UTC_TIME, format!("{:02}{rest}", year % 100).as_bytes())
    } else {
        der::tlv(der::GENERALIZED_TIME, format!("{year:04}{rest}").as_bytes())
    })
}

/// A manifest in `sha256sum`'s format, which `sha256sum -c` checks: one line per entry,
/// `HEX  NAME\n` (the lower-case SHA-256, two spaces, the name), sorted by name (bytewise;
/// equal names by digest). A name holding a backslash, a line feed or a carriage return is
/// written the way GNU `sha256sum` writes it: the line starts with `\` and those characters
/// are escaped as `\\`, `\n` and `\r`.
pub fn manifest(entries: &[(String, [u8; 32])]) -> String {
    let mut sorted: Vec<&(String, [u8; 32])> = entries.iter().collect();
    sorted.sort();
    let mut out = String::with_capacity(entries.len() * 100);
    for (name, digest) in sorted {
        let escape = name.contains(['\\', '\n', '\r']);
        if escape {
            out.push('\\');
        }
        out.push_str(&crate::asn1::hex(digest));
        out.push_str("  ");
        if escape {
            for c in name.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
        } else {
            out.push_str(name);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_switch_to_generalized_outside_1950_to_2049() {
        // 2026-07-01T12:34:56Z
        assert_eq!(
            asn1_time(1_782_909_296).unwrap(),
            der::tlv(0x17, b"260701123456Z")
        );
        // 1950-01-01T00:00:00Z and 2049-12-31T23:59:59Z: UTCTime.
        assert_eq!(
            asn1_time(-631_152_000).unwrap(),
            der::tlv(0x17, b"500101000000Z")
        );
        assert_eq!(
            asn1_time(2_524_607_999).unwrap(),
            der::tlv(0x17, b"491231235959Z")
        );
        // One second outside either end: GeneralizedTime.
        assert_eq!(
            asn1_time(2_524_608_000).unwrap(),
            der::tlv(0x18, b"20500101000000Z")
        );
        assert_eq!(
            asn1_time(-631_152_001).unwrap(),
            der::tlv(0x18, b"19491231235959Z")
        );
        assert_eq!(asn1_time(i64::MAX), Err(SealError::SigningTime(i64::MAX)));
        assert!(asn1_time(-62_167_219_201).is_err()); // 0000-01-01 minus a second
    }

    #[test]
    fn manifest_sorts_and_escapes() {
        let m = manifest(&[
            ("b.xml".to_string(), [0x11; 32]),
            ("a\\n.xml".to_string(), [0; 32]),
            ("a.xml".to_string(), [0xff; 32]),
        ]);
        let lines: Vec<&str> = m.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], format!("{}  a.xml", "ff".repeat(32)));
        assert_eq!(lines[1], format!("\\{}  a\\\\n.xml", "00".repeat(32)));
        assert_eq!(lines[2], format!("{}  b.xml", "11".repeat(32)));
        assert_eq!(manifest(&[]), "");
    }
}
