//! Detached CMS SignedData for PDF signatures (RFC 5652; ETSI EN 319 142-1 for PAdES).
//!
//! ```text
//! SignedData ::= SEQUENCE {
//!   version CMSVersion,
//!   digestAlgorithms DigestAlgorithmIdentifiers,
//!   encapContentInfo EncapsulatedContentInfo,      -- eContent absent: detached
//!   certificates [0] IMPLICIT CertificateSet OPTIONAL,
//!   crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
//!   signerInfos SignerInfos }
//! ```
//!
//! `adbe.pkcs7.detached` signatures carry content-type, signing-time and message-digest signed
//! attributes; `ETSI.CAdES.detached` (PAdES baseline) carry content-type, message-digest and
//! ESS signing-certificate-v2 (RFC 5035) and no signing-time (ETSI EN 319 142-1, 5.4.2: the
//! claimed time is the signature dictionary's `/M`).

use anyhow::Result;
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::db::{rfc5911, rfc5912};
use const_oid::ObjectIdentifier;
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

use crate::keys::PrivateKey;
use crate::time::{x509_time, Unix};

/// The PDF signature encodings the generator writes (ISO 32000-2, 12.8.3.3 and 12.8.3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubFilter {
    /// `adbe.pkcs7.detached`.
    Pkcs7Detached,
    /// `ETSI.CAdES.detached` (PAdES).
    CadesDetached,
}

impl SubFilter {
    /// The PDF name, without the slash.
    pub fn name(self) -> &'static str {
        match self {
            SubFilter::Pkcs7Detached => "adbe.pkcs7.detached",
            SubFilter::CadesDetached => "ETSI.CAdES.detached",
        }
    }
}

/// Message digest algorithm of a signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestAlg {
    /// SHA-256 (the norm).
    Sha256,
    /// SHA-1 (legacy signing software).
    Sha1,
}

impl DigestAlg {
    /// Lower-case name used in manifests.
    pub fn name(self) -> &'static str {
        match self {
            DigestAlg::Sha256 => "sha256",
            DigestAlg::Sha1 => "sha1",
        }
    }
    /// The ring algorithm.
    pub fn ring(self) -> &'static ring::digest::Algorithm {
        match self {
            DigestAlg::Sha256 => &ring::digest::SHA256,
            DigestAlg::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        }
    }
    fn oid(self) -> ObjectIdentifier {
        match self {
            DigestAlg::Sha256 => rfc5912::ID_SHA_256,
            DigestAlg::Sha1 => rfc5912::ID_SHA_1,
        }
    }
}

/// Deliberate defects for negative cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Defects {
    /// Flip a bit of the signature value after signing.
    pub corrupt_signature: bool,
    /// Put a wrong value in the message-digest attribute (signed correctly over it).
    pub wrong_message_digest: bool,
    /// Leave the signer's certificate out of `certificates`.
    pub omit_signer_certificate: bool,
}

/// What to sign.
pub struct Request<'a> {
    /// PDF SubFilter (decides the signed attributes).
    pub subfilter: SubFilter,
    /// Digest algorithm.
    pub digest: DigestAlg,
    /// The digest of the signed byte ranges.
    pub message_digest: &'a [u8],
    /// Claimed signing time.
    pub signing_time: Unix,
    /// Signer certificate.
    pub signer: &'a Certificate,
    /// Signer certificate DER (hashed into signing-certificate-v2).
    pub signer_der: &'a [u8],
    /// Further certificates to embed (the issuing CA; none with `--chain leaf`).
    pub chain: &'a [&'a Certificate],
    /// Key to sign with (normally the certificate's; another one for a wrong-key case).
    pub key: &'a PrivateKey,
    /// Write `signatureAlgorithm` as `rsaEncryption` (as many signers do) instead of
    /// `sha256WithRSAEncryption`.
    pub rsa_encryption_oid: bool,
    /// Defects to introduce.
    pub defects: Defects,
    /// A signature timestamp to add as an unsigned attribute, if any.
    pub timestamp: Option<SignatureTimestamp<'a>>,
}

/// A signature timestamp (RFC 3161, Appendix A): the unsigned attribute
///
/// ```text
/// id-aa-signatureTimeStampToken OBJECT IDENTIFIER ::= { iso(1) member-body(2)
///   us(840) rsadsi(113549) pkcs(1) pkcs-9(9) smime(16) aa(2) 14 }
/// SignatureTimeStampToken ::= TimeStampToken
/// ```
///
/// whose messageImprint is the hash of the SignerInfo's `signature` OCTET STRING contents.
pub struct SignatureTimestamp<'a> {
    /// The time-stamping authority.
    pub tsa: &'a crate::pki::Tsa,
    /// `genTime`.
    pub gen_time: Unix,
    /// The token's serial number.
    pub serial: u64,
    /// The token's nonce.
    pub nonce: Option<u64>,
    /// Write an imprint that does not match the signature value (the token itself is validly
    /// signed by the TSA).
    pub wrong_imprint: bool,
}

/// `ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT {id-sha256},
///   certHash Hash, issuerSerial IssuerSerial OPTIONAL }` (RFC 5035, 4).
#[derive(Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
    issuer_serial: Option<IssuerSerial>,
}

/// `IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }`.
#[derive(Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

/// `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2,
///   policies SEQUENCE OF PolicyInformation OPTIONAL }`.
#[derive(Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

/// `ecdsa-with-SHA1` (ANSI X9.62).
const ECDSA_WITH_SHA_1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");

const ID_AA_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

pub(crate) fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

fn alg(oid: ObjectIdentifier, null: bool) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: null.then(Any::null),
    }
}

/// The ESS signing-certificate-v2 attribute (RFC 5035) naming `cert` by its SHA-256 hash and
/// issuer/serial.
pub(crate) fn signing_certificate_v2(cert: &Certificate, cert_der: &[u8]) -> Result<Attribute> {
    let hash = ring::digest::digest(&ring::digest::SHA256, cert_der);
    let tbs = &cert.tbs_certificate;
    let v2 = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(hash.as_ref())?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer.clone())],
                serial_number: tbs.serial_number.clone(),
            }),
        }],
    };
    attribute(ID_AA_SIGNING_CERTIFICATE_V2, Any::encode_from(&v2)?)
}

/// Signs `message` (the DER of the signed attributes) with `key`.
pub fn sign_raw(key: &PrivateKey, digest: DigestAlg, message: &[u8]) -> Result<Vec<u8>> {
    match (key, digest) {
        (PrivateKey::Rsa { .. }, DigestAlg::Sha256) => crate::pki::rsa_sha256_sign(key, message),
        (PrivateKey::Rsa { pkcs8, .. }, DigestAlg::Sha1) => {
            // ring does not sign with SHA-1; the rsa crate does (legacy cases only).
            use rsa::pkcs8::DecodePrivateKey;
            use rsa::signature::{SignatureEncoding, Signer};
            let k = rsa::RsaPrivateKey::from_pkcs8_der(pkcs8)?;
            let signer = rsa::pkcs1v15::SigningKey::<sha1::Sha1>::new(k);
            Ok(signer.sign(message).to_vec())
        }
        (PrivateKey::P256(k), DigestAlg::Sha256) => {
            use p256::ecdsa::signature::Signer;
            let sig: p256::ecdsa::Signature = k.sign(message);
            Ok(sig.to_der().as_bytes().to_vec())
        }
        (PrivateKey::P256(k), DigestAlg::Sha1) => {
            use p256::ecdsa::signature::hazmat::PrehashSigner;
            let h = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, message);
            let sig: p256::ecdsa::Signature = k.sign_prehash(h.as_ref())?;
            Ok(sig.to_der().as_bytes().to_vec())
        }
    }
}

/// The signed attributes of a PDF signature (RFC 5652, 11; ETSI EN 319 142-1, 5.4 for
/// CAdES): content-type id-data, message-digest `message_digest`, then signing-time
/// (`adbe.pkcs7.detached`) or ESS signing-certificate-v2 naming `signer` (`ETSI.CAdES.detached`).
/// SignedAttributes is a SET OF: DER sorts it, and the signature is computed over that DER
/// encoding with the SET tag (RFC 5652, 5.4).
pub fn signed_attributes(
    subfilter: SubFilter,
    message_digest: &[u8],
    signing_time: Unix,
    signer: &Certificate,
    signer_der: &[u8],
) -> Result<SetOfVec<Attribute>> {
    let mut attrs = vec![
        attribute(
            rfc5911::ID_CONTENT_TYPE,
            Any::encode_from(&rfc5911::ID_DATA)?,
        )?,
        attribute(
            rfc5911::ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(message_digest)?)?,
        )?,
    ];
    match subfilter {
        SubFilter::Pkcs7Detached => {
            attrs.push(attribute(
                rfc5911::ID_SIGNING_TIME,
                Any::encode_from(&x509_time(signing_time))?,
            )?);
        }
        SubFilter::CadesDetached => {
            attrs.push(signing_certificate_v2(signer, signer_der)?);
        }
    }
    Ok(SetOfVec::try_from(attrs)?)
}

/// A signed SignerInfo and what its SignedData carries, ready to be encoded.
pub struct Assembly<'a> {
    /// The SignerInfo's digestAlgorithm (also SignedData's only digestAlgorithms entry).
    pub digest_algorithm: AlgorithmIdentifierOwned,
    /// The signed attributes the signature covers.
    pub signed_attrs: SetOfVec<Attribute>,
    /// The SignerInfo's signatureAlgorithm.
    pub signature_algorithm: AlgorithmIdentifierOwned,
    /// The signature value.
    pub signature: Vec<u8>,
    /// Unsigned attributes (a signature timestamp), if any.
    pub unsigned_attrs: Option<SetOfVec<Attribute>>,
    /// The signer certificate (named by issuer and serial in the SignerInfo).
    pub signer: &'a Certificate,
    /// Whether `certificates` holds the signer certificate.
    pub include_signer: bool,
    /// Further certificates to embed (the issuing CA).
    pub chain: &'a [&'a Certificate],
}

/// Encodes the DER `ContentInfo` holding a detached SignedData with one SignerInfo.
pub fn assemble(a: Assembly<'_>) -> Result<Vec<u8>> {
    let tbs = &a.signer.tbs_certificate;
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer.clone(),
            serial_number: tbs.serial_number.clone(),
        }),
        digest_alg: a.digest_algorithm.clone(),
        signed_attrs: Some(a.signed_attrs),
        signature_algorithm: a.signature_algorithm,
        unsigned_attrs: a.unsigned_attrs,
        signature: OctetString::new(a.signature)?,
    };
    let mut certs = Vec::new();
    if a.include_signer {
        certs.push(CertificateChoices::Certificate(a.signer.clone()));
    }
    for c in a.chain {
        certs.push(CertificateChoices::Certificate((*c).clone()));
    }
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![a.digest_algorithm])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: rfc5911::ID_DATA,
            econtent: None,
        },
        // Empty only for a `--chain leaf` signature without its signer's certificate: the
        // optional field is left out rather than written as an empty SET.
        certificates: match certs.is_empty() {
            true => None,
            false => Some(CertificateSet(SetOfVec::try_from(certs)?)),
        },
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    let ci = ContentInfo {
        content_type: rfc5911::ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data)?,
    };
    Ok(ci.to_der()?)
}

/// The unsigned attributes holding a signature timestamp over `signature`.
fn timestamp_attributes(
    ts: &SignatureTimestamp<'_>,
    signature: &[u8],
) -> Result<SetOfVec<Attribute>> {
    let mut imprint = ring::digest::digest(&ring::digest::SHA256, signature)
        .as_ref()
        .to_vec();
    if ts.wrong_imprint {
        imprint[0] ^= 0x80;
    }
    let token = crate::tsp::token(
        ts.tsa,
        &crate::tsp::TokenRequest {
            imprint: &imprint,
            gen_time: ts.gen_time,
            serial: ts.serial,
            nonce: ts.nonce,
        },
    )?;
    Ok(SetOfVec::try_from(vec![attribute(
        crate::tsp::ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
        Any::from_der(&token)?,
    )?])?)
}

/// Builds the DER `ContentInfo` holding the detached SignedData.
pub fn build(req: &Request<'_>) -> Result<Vec<u8>> {
    let mut md = req.message_digest.to_vec();
    if req.defects.wrong_message_digest {
        let last = md.len() - 1;
        md[last] ^= 0x5a;
    }
    let signed_attrs = signed_attributes(
        req.subfilter,
        &md,
        req.signing_time,
        req.signer,
        req.signer_der,
    )?;
    let to_sign = signed_attrs.to_der()?;
    let mut signature = sign_raw(req.key, req.digest, &to_sign)?;
    if req.defects.corrupt_signature {
        let mid = signature.len() / 2;
        signature[mid] ^= 0x01;
    }

    let signature_algorithm = match (req.key, req.digest) {
        (PrivateKey::Rsa { .. }, _) if req.rsa_encryption_oid => alg(rfc5912::RSA_ENCRYPTION, true),
        (PrivateKey::Rsa { .. }, DigestAlg::Sha256) => {
            alg(rfc5912::SHA_256_WITH_RSA_ENCRYPTION, true)
        }
        (PrivateKey::Rsa { .. }, DigestAlg::Sha1) => alg(rfc5912::SHA_1_WITH_RSA_ENCRYPTION, true),
        (PrivateKey::P256(_), DigestAlg::Sha256) => alg(rfc5912::ECDSA_WITH_SHA_256, false),
        (PrivateKey::P256(_), DigestAlg::Sha1) => alg(ECDSA_WITH_SHA_1, false),
    };
    let unsigned_attrs = match &req.timestamp {
        None => None,
        Some(ts) => Some(timestamp_attributes(ts, &signature)?),
    };
    assemble(Assembly {
        digest_algorithm: alg(req.digest.oid(), false),
        signed_attrs,
        signature_algorithm,
        signature,
        unsigned_attrs,
        signer: req.signer,
        include_signer: !req.defects.omit_signer_certificate,
        chain: req.chain,
    })
}
