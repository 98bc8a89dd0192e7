//! OCSP responses (RFC 6960) for the document security store of LTV documents and for the
//! responder of `sigaudit-corpus serve`, signed by the issuing CA itself (RFC 6960, 4.2.2.2:
//! the CA that issued the certificate in question); and the requests that responder reads.
//!
//! ```text
//! OCSPResponse ::= SEQUENCE {
//!    responseStatus         OCSPResponseStatus,
//!    responseBytes          [0] EXPLICIT ResponseBytes OPTIONAL }
//!
//! ResponseBytes ::=       SEQUENCE {
//!    responseType   OBJECT IDENTIFIER,
//!    response       OCTET STRING }
//!
//! BasicOCSPResponse       ::= SEQUENCE {
//!    tbsResponseData      ResponseData,
//!    signatureAlgorithm   AlgorithmIdentifier,
//!    signature            BIT STRING,
//!    certs            [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
//!
//! ResponseData ::= SEQUENCE {
//!    version              [0] EXPLICIT Version DEFAULT v1,
//!    responderID              ResponderID,
//!    producedAt               GeneralizedTime,
//!    responses                SEQUENCE OF SingleResponse,
//!    responseExtensions   [1] EXPLICIT Extensions OPTIONAL }
//!
//! ResponderID ::= CHOICE {
//!    byName   [1] Name,
//!    byKey    [2] KeyHash }
//!
//! SingleResponse ::= SEQUENCE {
//!    certID                       CertID,
//!    certStatus                   CertStatus,
//!    thisUpdate                   GeneralizedTime,
//!    nextUpdate         [0]       EXPLICIT GeneralizedTime OPTIONAL,
//!    singleExtensions   [1]       EXPLICIT Extensions OPTIONAL }
//!
//! CertStatus ::= CHOICE {
//!    good        [0]     IMPLICIT NULL,
//!    revoked     [1]     IMPLICIT RevokedInfo,
//!    unknown     [2]     IMPLICIT UnknownInfo }
//!
//! RevokedInfo ::= SEQUENCE {
//!    revocationTime              GeneralizedTime,
//!    revocationReason    [0]     EXPLICIT CRLReason OPTIONAL }
//!
//! CertID          ::=     SEQUENCE {
//!    hashAlgorithm       AlgorithmIdentifier,
//!    issuerNameHash      OCTET STRING, -- Hash of issuer's DN
//!    issuerKeyHash       OCTET STRING, -- Hash of issuer's public key
//!    serialNumber        CertificateSerialNumber }
//! ```
//!
//! Requests (RFC 6960, 4.1.1):
//!
//! ```text
//! OCSPRequest ::= SEQUENCE {
//!    tbsRequest              TBSRequest,
//!    optionalSignature   [0] EXPLICIT Signature OPTIONAL }
//!
//! TBSRequest ::= SEQUENCE {
//!    version             [0] EXPLICIT Version DEFAULT v1,
//!    requestorName       [1] EXPLICIT GeneralName OPTIONAL,
//!    requestList             SEQUENCE OF Request,
//!    requestExtensions   [2] EXPLICIT Extensions OPTIONAL }
//!
//! Request ::= SEQUENCE {
//!    reqCert                     CertID,
//!    singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
//! ```
//!
//! The module is `DEFINITIONS EXPLICIT TAGS`: `byKey [2] KeyHash` is explicitly tagged.

use std::time::Duration;

use anyhow::Result;
use const_oid::db::rfc5912;
use const_oid::ObjectIdentifier;
use der::asn1::{BitString, ContextSpecific, GeneralizedTime, Null, OctetString};
use der::{Any, Decode, Encode, Sequence, TagMode, TagNumber};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

use crate::keys::{KeyStore, PrivateKey};
use crate::pki::{sha256_with_rsa, CaId, Pki, Signer, SignerStatus};
use crate::time::{date, Unix};

/// `id-pkix-ocsp-basic` (RFC 6960, 4.2.1): `{ id-pkix-ocsp 1 }` = 1.3.6.1.5.5.7.48.1.1.
pub const ID_PKIX_OCSP_BASIC: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");

/// `producedAt` and `thisUpdate` of every response: 2026-06-10T00:00:00Z.
pub const PRODUCED_AT: Unix = date(2026, 6, 10);
/// `nextUpdate` of every response: 2026-12-10T00:00:00Z.
pub const NEXT_UPDATE: Unix = date(2026, 12, 10);

/// `OCSPResponse` (see the module documentation).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct OcspResponse {
    /// `responseStatus OCSPResponseStatus` (`ENUMERATED`; `successful (0)`).
    pub response_status: Any,
    /// `responseBytes [0] EXPLICIT ResponseBytes OPTIONAL`.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub response_bytes: Option<ResponseBytes>,
}

/// `ResponseBytes ::= SEQUENCE { responseType OBJECT IDENTIFIER, response OCTET STRING }`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct ResponseBytes {
    /// `responseType` (id-pkix-ocsp-basic).
    pub response_type: ObjectIdentifier,
    /// `response`: the DER `BasicOCSPResponse`.
    pub response: OctetString,
}

/// `BasicOCSPResponse`; `certs` is absent when the CA signs itself (always, but for the
/// served `wrong-issuer` fault, whose signer's certificate it carries).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct BasicOcspResponse {
    /// `tbsResponseData ResponseData` (kept as raw DER: the signature covers it).
    pub tbs_response_data: Any,
    /// `signatureAlgorithm AlgorithmIdentifier`.
    pub signature_algorithm: AlgorithmIdentifierOwned,
    /// `signature BIT STRING`.
    pub signature: BitString,
    /// `certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL`.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub certs: Option<Vec<Certificate>>,
}

/// `ResponseData` with version v1 (default, omitted) and `responderID` byKey.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct ResponseData {
    /// `responderID ResponderID`: `byKey [2] EXPLICIT KeyHash`, the SHA-1 of the responder's
    /// public key BIT STRING contents.
    pub responder_id: ContextSpecific<OctetString>,
    /// `producedAt GeneralizedTime`.
    pub produced_at: GeneralizedTime,
    /// `responses SEQUENCE OF SingleResponse`.
    pub responses: Vec<SingleResponse>,
    /// `responseExtensions [1] EXPLICIT Extensions OPTIONAL` (the served responses echo the
    /// request's nonce here; DSS responses have none).
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub response_extensions: Option<Vec<Extension>>,
}

/// `OCSPRequest` (see the module documentation); the signature, if any, is not checked.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct OcspRequest {
    /// `tbsRequest TBSRequest`.
    pub tbs_request: TbsRequest,
    /// `optionalSignature [0] EXPLICIT Signature OPTIONAL`, kept as read.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub optional_signature: Option<Any>,
}

/// `TBSRequest` (see the module documentation).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TbsRequest {
    /// `version [0] EXPLICIT Version DEFAULT v1`.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub version: Option<u8>,
    /// `requestorName [1] EXPLICIT GeneralName OPTIONAL`, kept as read.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub requestor_name: Option<Any>,
    /// `requestList SEQUENCE OF Request`.
    pub request_list: Vec<Request>,
    /// `requestExtensions [2] EXPLICIT Extensions OPTIONAL` (the nonce).
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    pub request_extensions: Option<Vec<Extension>>,
}

/// `Request` (see the module documentation).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Request {
    /// `reqCert CertID`.
    pub req_cert: CertId,
    /// `singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL`.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub single_request_extensions: Option<Vec<Extension>>,
}

/// `id-pkix-ocsp-nonce` (RFC 6960, 4.4.1): `{ id-pkix-ocsp 2 }` = 1.3.6.1.5.5.7.48.1.2.
pub const ID_PKIX_OCSP_NONCE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");

impl OcspRequest {
    /// The request's nonce extension, if it has one.
    pub fn nonce(&self) -> Option<&Extension> {
        self.tbs_request
            .request_extensions
            .as_ref()?
            .iter()
            .find(|e| e.extn_id == ID_PKIX_OCSP_NONCE)
    }
}

/// `SingleResponse` without `singleExtensions`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SingleResponse {
    /// `certID CertID`.
    pub cert_id: CertId,
    /// `certStatus CertStatus` (the implicitly tagged CHOICE, as encoded).
    pub cert_status: Any,
    /// `thisUpdate GeneralizedTime`.
    pub this_update: GeneralizedTime,
    /// `nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL`.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub next_update: Option<GeneralizedTime>,
}

/// `CertID` (see the module documentation), with SHA-1 as `hashAlgorithm`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct CertId {
    /// `hashAlgorithm AlgorithmIdentifier`.
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// `issuerNameHash OCTET STRING`: hash of the issuer's Name DER.
    pub issuer_name_hash: OctetString,
    /// `issuerKeyHash OCTET STRING`: hash of the issuer's public key BIT STRING contents.
    pub issuer_key_hash: OctetString,
    /// `serialNumber CertificateSerialNumber`.
    pub serial_number: SerialNumber,
}

/// `RevokedInfo` without `revocationReason`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct RevokedInfo {
    /// `revocationTime GeneralizedTime`.
    pub revocation_time: GeneralizedTime,
}

fn gt(t: Unix) -> Result<GeneralizedTime> {
    Ok(GeneralizedTime::from_unix_duration(Duration::from_secs(t))?)
}

fn sha1(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data)
        .as_ref()
        .to_vec()
}

/// The `CertID` of `cert` issued by `issuer` (SHA-1, RFC 6960, 4.1.1).
pub fn cert_id(cert: &Certificate, issuer: &Certificate) -> Result<CertId> {
    let key = issuer
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: rfc5912::ID_SHA_1,
            parameters: Some(Any::null()),
        },
        issuer_name_hash: OctetString::new(sha1(&issuer.tbs_certificate.subject.to_der()?))?,
        issuer_key_hash: OctetString::new(sha1(key))?,
        serial_number: cert.tbs_certificate.serial_number.clone(),
    })
}

/// `certStatus` `good [0] IMPLICIT NULL`.
pub fn status_good() -> Result<Any> {
    implicit_status(TagNumber::N0, Null)
}

/// `certStatus` `revoked [1] IMPLICIT RevokedInfo` at `at`.
pub fn status_revoked(at: Unix) -> Result<Any> {
    implicit_status(
        TagNumber::N1,
        RevokedInfo {
            revocation_time: gt(at)?,
        },
    )
}

/// `certStatus` `unknown [2] IMPLICIT UnknownInfo` (`UnknownInfo ::= NULL`).
pub fn status_unknown() -> Result<Any> {
    implicit_status(TagNumber::N2, Null)
}

fn implicit_status<T: der::EncodeValue + der::Tagged>(
    tag_number: TagNumber,
    value: T,
) -> Result<Any> {
    let der = ContextSpecific {
        tag_number,
        tag_mode: TagMode::Implicit,
        value,
    }
    .to_der()?;
    Ok(Any::from_der(&der)?)
}

/// A `SingleResponse` for `cert_id` with `cert_status`, current from [`PRODUCED_AT`] to
/// [`NEXT_UPDATE`].
pub fn single_response(cert_id: CertId, cert_status: Any) -> Result<SingleResponse> {
    Ok(SingleResponse {
        cert_id,
        cert_status,
        this_update: gt(PRODUCED_AT)?,
        next_update: Some(gt(NEXT_UPDATE)?),
    })
}

/// Who signs a response: a certificate and its key (sha256WithRSAEncryption).
pub struct Responder<'a> {
    /// The signer's certificate (its key hash is the `responderID`).
    pub cert: &'a Certificate,
    /// The signer's key.
    pub key: &'a PrivateKey,
    /// Whether `certs` carries `cert`.
    pub include_cert: bool,
}

/// A successful DER `OCSPResponse` holding `responses` and `extensions`, produced at
/// [`PRODUCED_AT`] and signed by `by`.
pub fn signed_response(
    by: &Responder<'_>,
    responses: Vec<SingleResponse>,
    extensions: Option<Vec<Extension>>,
) -> Result<Vec<u8>> {
    let key = by
        .cert
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    let data = ResponseData {
        responder_id: ContextSpecific {
            tag_number: TagNumber::N2,
            tag_mode: TagMode::Explicit,
            value: OctetString::new(sha1(key))?,
        },
        produced_at: gt(PRODUCED_AT)?,
        responses,
        response_extensions: extensions,
    };
    let tbs = data.to_der()?;
    let sig = crate::pki::rsa_sha256_sign(by.key, &tbs)?;
    let basic = BasicOcspResponse {
        tbs_response_data: Any::from_der(&tbs)?,
        signature_algorithm: sha256_with_rsa(),
        signature: BitString::from_bytes(&sig)?,
        certs: by.include_cert.then(|| vec![by.cert.clone()]),
    };
    Ok(OcspResponse {
        response_status: Any::new(der::Tag::Enumerated, [0u8])?,
        response_bytes: Some(ResponseBytes {
            response_type: ID_PKIX_OCSP_BASIC,
            response: OctetString::new(basic.to_der()?)?,
        }),
    }
    .to_der()?)
}

/// An unsuccessful DER `OCSPResponse` (no `responseBytes`): `malformedRequest (1)`,
/// `internalError (2)`, `tryLater (3)`, `sigRequired (5)` or `unauthorized (6)`.
pub fn error_response(status: u8) -> Result<Vec<u8>> {
    Ok(OcspResponse {
        response_status: Any::new(der::Tag::Enumerated, [status])?,
        response_bytes: None,
    }
    .to_der()?)
}

/// A DER `OCSPResponse` for `signer`, signed by its issuing CA: `good`, or `revoked` with its
/// revocation time when the signer is revoked (early or late).
pub fn response(pki: &Pki, keys: &KeyStore, signer: &Signer) -> Result<Vec<u8>> {
    anyhow::ensure!(
        matches!(signer.issuer, CaId::Personal | CaId::Organisation),
        "OCSP responses are made for the trusted issuing CAs only"
    );
    let ca = pki.ca(signer.issuer);
    let cert_status = match signer.status {
        SignerStatus::Revoked(at) | SignerStatus::RevokedLate(at) => status_revoked(at)?,
        _ => status_good()?,
    };
    let single = single_response(cert_id(&signer.cert, &ca.cert)?, cert_status)?;
    let by = Responder {
        cert: &ca.cert,
        key: &keys.cas[signer.issuer as usize],
        include_cert: false,
    };
    signed_response(&by, vec![single], None)
}
