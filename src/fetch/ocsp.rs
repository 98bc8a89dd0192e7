//! OCSP requests (RFC 6960, 4.1.1) and how they travel (A.1).
//!
//! ```text
//! OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT … OPTIONAL }
//! TBSRequest  ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1,
//!   requestorName [1] EXPLICIT GeneralName OPTIONAL, requestList SEQUENCE OF Request,
//!   requestExtensions [2] EXPLICIT Extensions OPTIONAL }
//! Request     ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT … OPTIONAL }
//! CertID      ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, issuerNameHash OCTET STRING,
//!   issuerKeyHash OCTET STRING, serialNumber CertificateSerialNumber }
//! ```

use base64ct::{Base64, Encoding};

use crate::asn1::{der, oid_der, positive_integer, tag, Oid};

/// id-sha1 (the CertID hash every responder understands).
const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
/// id-pkix-ocsp-nonce (RFC 6960, 4.4.1; RFC 8954).
const NONCE: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.2");

const SEQUENCE: u8 = 0x30;

/// A DER OCSPRequest for one certificate, unsigned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcspRequest {
    der: Vec<u8>,
    cert_id: Vec<u8>,
}

impl OcspRequest {
    /// The request for the certificate numbered `serial` by the issuer whose `Name` (whole DER
    /// element) is `issuer_name_der` and whose subjectPublicKey BIT STRING contents (without
    /// the unused-bits octet) are `issuer_key_bits`: a CertID of SHA-1 hashes, and a nonce
    /// extension when `nonce` is given.
    ///
    /// `serial` is the serial's magnitude octets (as `Cert::serial` holds them; leading zero
    /// octets are ignored) and is encoded as a positive INTEGER, as RFC 5280 requires serials
    /// to be.
    pub fn new(
        issuer_name_der: &[u8],
        issuer_key_bits: &[u8],
        serial: &[u8],
        nonce: Option<[u8; 16]>,
    ) -> OcspRequest {
        let sha1 = |b: &[u8]| {
            ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, b)
                .as_ref()
                .to_vec()
        };
        let algorithm = der(
            SEQUENCE,
            &[oid_der(&SHA1), vec![tag::NULL as u8, 0]].concat(),
        );
        let cert_id = der(
            SEQUENCE,
            &[
                algorithm,
                der(tag::OCTET_STRING as u8, &sha1(issuer_name_der)),
                der(tag::OCTET_STRING as u8, &sha1(issuer_key_bits)),
                der(tag::INTEGER as u8, &positive_integer(serial)),
            ]
            .concat(),
        );
        let request_list = der(SEQUENCE, &der(SEQUENCE, &cert_id));
        let mut tbs = request_list;
        if let Some(nonce) = nonce {
            let value = der(tag::OCTET_STRING as u8, &nonce);
            let extension = der(
                SEQUENCE,
                &[oid_der(&NONCE), der(tag::OCTET_STRING as u8, &value)].concat(),
            );
            tbs.extend(der(0xa2, &der(SEQUENCE, &extension)));
        }
        OcspRequest {
            der: der(SEQUENCE, &der(SEQUENCE, &tbs)),
            cert_id,
        }
    }

    /// The DER OCSPRequest.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The CertID, whole DER element: what a response is matched with, and what the caches
    /// key on (never the nonce).
    pub fn cert_id(&self) -> &[u8] {
        &self.cert_id
    }

    /// The GET URL for responder `url` (RFC 6960, A.1: the base64 of the DER, URL-encoded,
    /// appended as a path segment).
    pub fn get_url(&self, url: &str) -> String {
        let encoded = Base64::encode_string(&self.der)
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D");
        let sep = if url.ends_with('/') { "" } else { "/" };
        format!("{url}{sep}{encoded}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_positive_and_minimal() {
        assert_eq!(positive_integer(&[]), vec![0]);
        assert_eq!(positive_integer(&[0, 0, 5]), vec![5]);
        assert_eq!(positive_integer(&[0x80]), vec![0, 0x80]);
        assert_eq!(positive_integer(&[0, 0x80]), vec![0, 0x80]);
    }

    #[test]
    fn get_urls_escape_base64() {
        let r = OcspRequest::new(b"n", b"k", &[1], Some([0xfb; 16]));
        let u = r.get_url("http://ocsp.example/");
        assert!(u.starts_with("http://ocsp.example/MG"), "{u}");
        assert!(!u["http://".len()..].contains("//"));
        assert!(!u.contains('+') && !u.contains('='));
    }
}
