//! RFC 3161 time-stamp tokens from the test PKI's time-stamping authority: signature timestamps
//! (an unsigned attribute of a signature's SignerInfo, RFC 3161 Appendix A) and PDF document
//! timestamps (ISO 32000-2, 12.8.5, `/SubFilter /ETSI.RFC3161`).
//!
//! ```text
//! TimeStampToken ::= ContentInfo
//!   -- contentType is id-signedData ([CMS])
//!   -- content is SignedData ([CMS])
//!   -- eContentType within SignedData is id-ct-TSTInfo
//!   -- eContent within SignedData is TSTInfo
//!
//! TSTInfo ::= SEQUENCE  {
//!    version        INTEGER  { v1(1) },
//!    policy         TSAPolicyId,
//!    messageImprint MessageImprint,
//!    serialNumber   INTEGER,
//!    genTime        GeneralizedTime,
//!    accuracy       Accuracy  OPTIONAL,
//!    ordering       BOOLEAN DEFAULT FALSE,
//!    nonce          INTEGER OPTIONAL,
//!    tsa            [0] GeneralName OPTIONAL,
//!    extensions     [1] IMPLICIT Extensions OPTIONAL }
//! ```
//!
//! The token's SignerInfo carries the signed attributes content-type (id-ct-TSTInfo),
//! message-digest (SHA-256 of the TSTInfo DER) and ESS signing-certificate-v2 naming the TSA
//! certificate (RFC 5816), and its SignedData carries the TSA certificate.

use std::time::Duration;

use anyhow::Result;
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::db::{rfc5911, rfc5912};
use const_oid::ObjectIdentifier;
use der::asn1::{GeneralizedTime, OctetString, SetOfVec, Uint};
use der::{Any, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;

use crate::cms::{attribute, signing_certificate_v2, DigestAlg};
use crate::pki::Tsa;
use crate::time::Unix;

/// `id-ct-TSTInfo` (RFC 3161, 2.4.2): `{ iso(1) member-body(2) us(840) rsadsi(113549) pkcs(1)
/// pkcs-9(9) smime(16) ct(1) 4 }`.
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

/// `id-aa-signatureTimeStampToken` (RFC 3161, Appendix A): `{ iso(1) member-body(2) us(840)
/// rsadsi(113549) pkcs(1) pkcs-9(9) smime(16) aa(2) 14 }`.
pub const ID_AA_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// The TSA's policy (`TSAPolicyId ::= OBJECT IDENTIFIER`): a fixed OID under the private
/// enterprise arc reserved for examples (RFC 5612, 32473).
pub const TSA_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.3161.1");

/// `MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier,
///   hashedMessage OCTET STRING }` (RFC 3161, 2.4.1).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct MessageImprint {
    /// The hash algorithm (SHA-256 here).
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// The hash of the time-stamped data.
    pub hashed_message: OctetString,
}

/// `Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER (1..999) OPTIONAL,
///   micros [1] INTEGER (1..999) OPTIONAL }` (RFC 3161, 2.4.2); only `seconds` is written.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct Accuracy {
    /// Accuracy in seconds.
    pub seconds: Option<u32>,
}

/// `TSTInfo` (RFC 3161, 2.4.2; see the module documentation), without `ordering` (DEFAULT
/// FALSE), `tsa` and `extensions`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TstInfo {
    /// `version INTEGER { v1(1) }`.
    pub version: u8,
    /// `policy TSAPolicyId`.
    pub policy: ObjectIdentifier,
    /// `messageImprint MessageImprint`.
    pub message_imprint: MessageImprint,
    /// `serialNumber INTEGER`.
    pub serial_number: Uint,
    /// `genTime GeneralizedTime`.
    pub gen_time: GeneralizedTime,
    /// `accuracy Accuracy OPTIONAL`.
    pub accuracy: Option<Accuracy>,
    /// `nonce INTEGER OPTIONAL`.
    pub nonce: Option<Uint>,
}

/// What to time-stamp.
pub struct TokenRequest<'a> {
    /// SHA-256 of the time-stamped data (the imprint written, right or wrong).
    pub imprint: &'a [u8],
    /// `genTime`.
    pub gen_time: Unix,
    /// `serialNumber` (unique per token within a corpus document).
    pub serial: u64,
    /// `nonce`, if the requester sent one.
    pub nonce: Option<u64>,
}

fn uint(v: u64) -> Result<Uint> {
    let b = v.to_be_bytes();
    let first = b.iter().position(|&x| x != 0).unwrap_or(7);
    Ok(Uint::new(&b[first..])?)
}

/// The DER `TSTInfo` of a request.
pub fn tst_info(req: &TokenRequest<'_>) -> Result<Vec<u8>> {
    let info = TstInfo {
        version: 1,
        policy: TSA_POLICY,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: rfc5912::ID_SHA_256,
                parameters: None,
            },
            hashed_message: OctetString::new(req.imprint)?,
        },
        serial_number: uint(req.serial)?,
        gen_time: GeneralizedTime::from_unix_duration(Duration::from_secs(req.gen_time))?,
        accuracy: Some(Accuracy { seconds: Some(1) }),
        nonce: req.nonce.map(uint).transpose()?,
    };
    Ok(info.to_der()?)
}

/// Builds a DER `TimeStampToken` signed by `tsa` (ECDSA P-256 with SHA-256).
pub fn token(tsa: &Tsa, req: &TokenRequest<'_>) -> Result<Vec<u8>> {
    let tst = tst_info(req)?;
    let digest = ring::digest::digest(&ring::digest::SHA256, &tst);
    let attrs: Vec<Attribute> = vec![
        attribute(rfc5911::ID_CONTENT_TYPE, Any::encode_from(&ID_CT_TST_INFO)?)?,
        attribute(
            rfc5911::ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest.as_ref())?)?,
        )?,
        signing_certificate_v2(&tsa.cert, &tsa.der)?,
    ];
    let signed_attrs: SetOfVec<Attribute> = SetOfVec::try_from(attrs)?;
    let signature = crate::cms::sign_raw(&tsa.key, DigestAlg::Sha256, &signed_attrs.to_der()?)?;
    let tbs = &tsa.cert.tbs_certificate;
    let sha256 = AlgorithmIdentifierOwned {
        oid: rfc5912::ID_SHA_256,
        parameters: None,
    };
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer.clone(),
            serial_number: tbs.serial_number.clone(),
        }),
        digest_alg: sha256.clone(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: rfc5912::ECDSA_WITH_SHA_256,
            parameters: None,
        },
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    // RFC 5652, 5.1: version 3 when eContentType is not id-data.
    let signed_data = SignedData {
        version: CmsVersion::V3,
        digest_algorithms: SetOfVec::try_from(vec![sha256])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_CT_TST_INFO,
            econtent: Some(Any::encode_from(&OctetString::new(tst)?)?),
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(vec![
            CertificateChoices::Certificate(tsa.cert.clone()),
        ])?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    Ok(ContentInfo {
        content_type: rfc5911::ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data)?,
    }
    .to_der()?)
}
