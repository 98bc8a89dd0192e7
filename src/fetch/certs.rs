//! The certificates in an AIA caIssuers body: a DER certificate, PEM ones, or a certs-only
//! PKCS#7/CMS SignedData (`.p7b`/`.p7c`, DER or PEM), as CAs publish them (RFC 5280,
//! 4.2.2.1: "certs-only CMS message" for `application/pkcs7-mime`).

use crate::asn1::{der_objects, tag, Oid, Tlv};

use super::error::FetchError;

/// id-signedData (RFC 5652, 5.1).
const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");

/// The DER certificates `body` holds, in order. The error's URL is empty: the caller, who
/// knows it, sets it with [`FetchError::at`].
pub fn certificates_from(body: &[u8]) -> Result<Vec<Vec<u8>>, FetchError> {
    let bad = |what: String| FetchError::Malformed {
        url: String::new(),
        what,
    };
    if memchr::memmem::find(body, b"-----BEGIN").is_some() {
        let mut out = Vec::new();
        for label in ["CERTIFICATE", "PKCS7", "CMS"] {
            if let Ok(objects) = der_objects(body, label) {
                for der in objects {
                    out.extend(from_der(&der).map_err(bad)?);
                }
            }
        }
        if out.is_empty() {
            return Err(bad("PEM without a certificate".into()));
        }
        return Ok(out);
    }
    from_der(body).map_err(bad)
}

/// A DER certificate, or a DER ContentInfo holding a SignedData.
fn from_der(der: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let outer = Tlv::parse_whole(der)
        .and_then(|t| t.expect(tag::SEQUENCE, "certificate or ContentInfo"))
        .map_err(|e| e.to_string())?;
    let mut children = outer.children();
    let first = children
        .next()
        .ok_or("empty SEQUENCE")?
        .map_err(|e| e.to_string())?;
    if first.is(tag::SEQUENCE) {
        // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, … }
        return Ok(vec![outer.raw.to_vec()]);
    }
    if first.oid().ok() != Some(SIGNED_DATA) {
        return Err("neither a certificate nor a CMS SignedData".into());
    }
    let content = children
        .next()
        .ok_or("ContentInfo without content")?
        .map_err(|e| e.to_string())?;
    let signed_data = content
        .children()
        .next()
        .ok_or("empty [0] content")?
        .map_err(|e| e.to_string())?;
    // SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo,
    //   certificates [0] IMPLICIT CertificateSet OPTIONAL, crls [1] … OPTIONAL, signerInfos }
    let mut out = Vec::new();
    for field in signed_data.children() {
        let field = field.map_err(|e| e.to_string())?;
        if field.is_context(0) {
            for choice in field.children() {
                let choice = choice.map_err(|e| e.to_string())?;
                // CertificateChoices: only `certificate` (a SEQUENCE); the other, tagged,
                // choices (attribute certificates, other formats) are not issuers.
                if choice.is(tag::SEQUENCE) {
                    out.push(choice.raw.to_vec());
                }
            }
        }
    }
    if out.is_empty() {
        return Err("a SignedData without certificates".into());
    }
    Ok(out)
}
