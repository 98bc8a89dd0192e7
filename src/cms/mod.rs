//! CMS SignedData (RFC 5652), read BER-tolerantly with the byte spans a verifier needs.
//!
//! ```text
//! ContentInfo ::= SEQUENCE { contentType ContentType, content [0] EXPLICIT ANY }
//! SignedData ::= SEQUENCE {
//!   version CMSVersion,
//!   digestAlgorithms DigestAlgorithmIdentifiers,
//!   encapContentInfo EncapsulatedContentInfo,
//!   certificates [0] IMPLICIT CertificateSet OPTIONAL,
//!   crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
//!   signerInfos SignerInfos }
//! SignerInfo ::= SEQUENCE {
//!   version CMSVersion,
//!   sid SignerIdentifier,
//!   digestAlgorithm DigestAlgorithmIdentifier,
//!   signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
//!   signatureAlgorithm SignatureAlgorithmIdentifier,
//!   signature SignatureValue,
//!   unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
//! ```
//!
//! Nothing is re-encoded: the signed attributes are verified as received, with only their
//! `[0] IMPLICIT` identifier octet replaced by the `SET OF` tag (RFC 5652, 5.4: "the IMPLICIT
//! \[0\] tag in the signedAttrs is not used for the DER encoding, rather an EXPLICIT SET OF tag
//! is used").

use std::borrow::Cow;
use std::fmt;

pub use crate::asn1::{hex, AlgorithmIdentifier};
use crate::asn1::{tag, Oid, Tlv};

/// Object identifiers of CMS and its attributes.
pub mod oid {
    use crate::asn1::Oid;

    /// id-signedData (RFC 5652, 5.1).
    pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    /// id-data (RFC 5652, 4).
    pub const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
    /// id-ct-TSTInfo (RFC 3161, 2.4.2).
    pub const TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
    /// id-contentType (RFC 5652, 11.1).
    pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
    /// id-messageDigest (RFC 5652, 11.2).
    pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    /// id-signingTime (RFC 5652, 11.3).
    pub const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
    /// id-aa-signingCertificate (RFC 2634, 5.4).
    pub const SIGNING_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.12");
    /// id-aa-signingCertificateV2 (RFC 5035, 3).
    pub const SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
    /// id-aa-CMSAlgorithmProtection (RFC 6211, 2).
    pub const ALGORITHM_PROTECTION: Oid = Oid::new_unwrap("1.2.840.113549.1.9.52");
    /// id-aa-signatureTimeStampToken (RFC 3161, Appendix A).
    pub const SIGNATURE_TIMESTAMP: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.14");
    /// adbe-revocationInfoArchival (ISO 32000-1, 12.8.3.3.2).
    pub const REVOCATION_ARCHIVAL: Oid = Oid::new_unwrap("1.2.840.113583.1.1.8");
    /// id-ri-ocsp-response (RFC 5940, 4.1).
    pub const RI_OCSP_RESPONSE: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.16.2");
}

/// Why CMS bytes could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CmsError {
    /// The bytes are not well-formed BER, or an element has the wrong type.
    Asn1(String),
    /// A ContentInfo that is not SignedData.
    NotSignedData(String),
    /// SignedData without any SignerInfo.
    NoSignerInfo,
    /// A required part is absent.
    Missing(&'static str),
}

impl fmt::Display for CmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CmsError::Asn1(m) => write!(f, "malformed CMS: {m}"),
            CmsError::NotSignedData(o) => write!(f, "ContentInfo of type {o}, not SignedData"),
            CmsError::NoSignerInfo => f.write_str("SignedData holds no SignerInfo"),
            CmsError::Missing(what) => write!(f, "CMS lacks {what}"),
        }
    }
}

impl std::error::Error for CmsError {}

impl From<crate::asn1::Error> for CmsError {
    fn from(e: crate::asn1::Error) -> Self {
        CmsError::Asn1(e.to_string())
    }
}

/// `SignerIdentifier ::= CHOICE { issuerAndSerialNumber IssuerAndSerialNumber,
/// subjectKeyIdentifier [0] SubjectKeyIdentifier }` (RFC 5652, 5.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignerId<'a> {
    /// Issuer `Name` (whole DER element) and serial number (contents, sign octets stripped).
    IssuerSerial {
        /// The issuer Name element, whole.
        issuer: &'a [u8],
        /// The serial number's magnitude octets.
        serial: &'a [u8],
    },
    /// The subject key identifier.
    SubjectKeyId(Cow<'a, [u8]>),
}

/// `Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue }`.
#[derive(Clone, Debug)]
pub struct Attribute<'a> {
    /// The attribute type (an OID `const-oid` cannot hold reads as [`UNREADABLE_OID`]: no
    /// attribute sigaudit looks for is one).
    pub oid: Oid,
    /// The values.
    pub values: Vec<Tlv<'a>>,
}

/// What an attribute type that does not read as an OID is taken to be (0.0: no attribute).
pub const UNREADABLE_OID: Oid = Oid::new_unwrap("0.0");

/// One SignerInfo.
#[derive(Clone, Debug)]
pub struct SignerInfo<'a> {
    /// CMSVersion (1 for issuerAndSerialNumber, 3 for subjectKeyIdentifier).
    pub version: u64,
    /// How the signer's certificate is named.
    pub sid: SignerId<'a>,
    /// The digest algorithm of the content and signed attributes.
    pub digest_algorithm: AlgorithmIdentifier<'a>,
    /// The signed attributes element as received (identifier `[0]`), if present.
    pub signed_attrs_raw: Option<&'a [u8]>,
    /// The signed attributes.
    pub signed_attrs: Vec<Attribute<'a>>,
    /// The signature algorithm.
    pub signature_algorithm: AlgorithmIdentifier<'a>,
    /// The signature value.
    pub signature: Cow<'a, [u8]>,
    /// The unsigned attributes.
    pub unsigned_attrs: Vec<Attribute<'a>>,
}

impl<'a> SignerInfo<'a> {
    /// The bytes the signature covers when signed attributes are present: the received
    /// encoding with its first octet (`[0]`, `0xA0`) replaced by `SET OF` (`0x31`).
    pub fn signed_attrs_to_verify(&self) -> Option<Vec<u8>> {
        self.signed_attrs_raw.map(|raw| {
            let mut v = raw.to_vec();
            v[0] = 0x31;
            v
        })
    }

    /// The first value of the signed attribute `oid`, and how many attributes of that type
    /// there are (RFC 5652, 5.3: content-type and message-digest must appear once).
    pub fn signed_attr(&self, oid: Oid) -> (Option<&Tlv<'a>>, usize) {
        let mut it = self.signed_attrs.iter().filter(|a| a.oid == oid);
        let first = it.next();
        let n = usize::from(first.is_some()) + it.count();
        (first.and_then(|a| a.values.first()), n)
    }

    /// Every value of the unsigned attribute `oid`.
    pub fn unsigned_values(&self, oid: Oid) -> impl Iterator<Item = &Tlv<'a>> {
        self.unsigned_attrs
            .iter()
            .filter(move |a| a.oid == oid)
            .flat_map(|a| a.values.iter())
    }
}

/// A parsed SignedData.
#[derive(Clone, Debug)]
pub struct SignedData<'a> {
    /// CMSVersion.
    pub version: u64,
    /// `eContentType`.
    pub content_type: Oid,
    /// The encapsulated content, if not detached.
    pub content: Option<Cow<'a, [u8]>>,
    /// Certificates (each a whole DER `Certificate`; other choices are skipped).
    pub certificates: Vec<&'a [u8]>,
    /// CRLs carried in `crls` (`CertificateList` elements).
    pub crls: Vec<&'a [u8]>,
    /// OCSP responses carried in `crls` as `[1] OtherRevocationInfoFormat` (RFC 5940).
    pub ocsps: Vec<Cow<'a, [u8]>>,
    /// The signer infos, in order.
    pub signer_infos: Vec<SignerInfo<'a>>,
}

/// Parses a DER/BER `ContentInfo` holding SignedData. Bytes after it are ignored: they lie in
/// the `/Contents` gap, outside what any signature covers, and some signers leave junk there.
pub fn parse(bytes: &[u8]) -> Result<SignedData<'_>, CmsError> {
    let ci = Tlv::parse(bytes)?.0.expect(tag::SEQUENCE, "ContentInfo")?;
    let mut c = ci.children();
    let ct = c.next().ok_or(CmsError::Missing("contentType"))??.oid()?;
    if ct != oid::SIGNED_DATA {
        return Err(CmsError::NotSignedData(ct.to_string()));
    }
    let explicit = c.next().ok_or(CmsError::Missing("content"))??;
    if !explicit.is_context(0) {
        return Err(CmsError::Asn1("ContentInfo content is not [0]".into()));
    }
    let sd = explicit
        .children()
        .next()
        .ok_or(CmsError::Missing("SignedData"))??
        .expect(tag::SEQUENCE, "SignedData")?;
    parse_signed_data(sd)
}

fn parse_signed_data(sd: Tlv<'_>) -> Result<SignedData<'_>, CmsError> {
    let items = sd.items()?;
    let mut it = items.into_iter().peekable();
    let version = it
        .next()
        .ok_or(CmsError::Missing("version"))?
        .small_uint()?;
    it.next()
        .ok_or(CmsError::Missing("digestAlgorithms"))?
        .expect(tag::SET, "digestAlgorithms")?;
    let eci = it
        .next()
        .ok_or(CmsError::Missing("encapContentInfo"))?
        .expect(tag::SEQUENCE, "encapContentInfo")?;
    let mut ec = eci.children();
    let content_type = ec.next().ok_or(CmsError::Missing("eContentType"))??.oid()?;
    let content = match ec.next().transpose()? {
        Some(e) if e.is_context(0) => Some(
            e.children()
                .next()
                .ok_or(CmsError::Missing("eContent"))??
                .octets()?,
        ),
        Some(_) => return Err(CmsError::Asn1("eContent is not [0]".into())),
        None => None,
    };
    let mut certificates = Vec::new();
    let mut crls = Vec::new();
    let mut ocsps = Vec::new();
    while let Some(t) = it.peek() {
        if t.is_context(0) {
            for c in t.children() {
                let c = c?;
                // CertificateChoices: only `certificate Certificate` (a SEQUENCE) is used by
                // PDF signers; the attribute-certificate and `other` choices are skipped.
                if c.is(tag::SEQUENCE) {
                    certificates.push(c.raw);
                }
            }
        } else if t.is_context(1) {
            for c in t.children() {
                let c = c?;
                if c.is(tag::SEQUENCE) {
                    crls.push(c.raw);
                } else if c.is_context(1) {
                    // OtherRevocationInfoFormat ::= SEQUENCE { otherRevInfoFormat OID,
                    //   otherRevInfo ANY } (implicitly tagged [1]).
                    let mut o = c.children();
                    let format = o.next().ok_or(CmsError::Missing("otherRevInfoFormat"))??;
                    if format.oid()? == oid::RI_OCSP_RESPONSE {
                        if let Some(info) = o.next().transpose()? {
                            ocsps.push(Cow::Borrowed(info.raw));
                        }
                    }
                }
            }
        } else {
            break;
        }
        it.next();
    }
    let sis = it
        .next()
        .ok_or(CmsError::Missing("signerInfos"))?
        .expect(tag::SET, "signerInfos")?;
    let signer_infos = sis
        .children()
        .map(|s| parse_signer_info(s?))
        .collect::<Result<Vec<_>, _>>()?;
    if signer_infos.is_empty() {
        return Err(CmsError::NoSignerInfo);
    }
    Ok(SignedData {
        version,
        content_type,
        content,
        certificates,
        crls,
        ocsps,
        signer_infos,
    })
}

fn parse_attributes<'a>(set: &Tlv<'a>) -> Result<Vec<Attribute<'a>>, CmsError> {
    set.children()
        .map(|a| {
            let a = a?.expect(tag::SEQUENCE, "Attribute")?;
            let mut c = a.children();
            let oid = c
                .next()
                .ok_or(CmsError::Missing("attrType"))??
                .oid()
                .unwrap_or(UNREADABLE_OID);
            let values = c
                .next()
                .ok_or(CmsError::Missing("attrValues"))??
                .expect(tag::SET, "attrValues")?
                .items()?;
            Ok(Attribute { oid, values })
        })
        .collect()
}

fn parse_signer_info(t: Tlv<'_>) -> Result<SignerInfo<'_>, CmsError> {
    let t = t.expect(tag::SEQUENCE, "SignerInfo")?;
    let items = t.items()?;
    let mut it = items.into_iter().peekable();
    let version = it
        .next()
        .ok_or(CmsError::Missing("SignerInfo version"))?
        .small_uint()?;
    let sid_t = it.next().ok_or(CmsError::Missing("sid"))?;
    let sid = if sid_t.is(tag::SEQUENCE) {
        let mut c = sid_t.children();
        let issuer = c.next().ok_or(CmsError::Missing("issuer"))??;
        let serial = c.next().ok_or(CmsError::Missing("serialNumber"))??;
        SignerId::IssuerSerial {
            issuer: issuer.raw,
            serial: serial.integer()?,
        }
    } else if sid_t.is_context(0) {
        SignerId::SubjectKeyId(sid_t.octets()?)
    } else {
        return Err(CmsError::Asn1("SignerIdentifier of unknown form".into()));
    };
    let digest_algorithm =
        AlgorithmIdentifier::from_tlv(it.next().ok_or(CmsError::Missing("digestAlgorithm"))?)?;
    let mut signed_attrs_raw = None;
    let mut signed_attrs = Vec::new();
    if let Some(t) = it.peek().filter(|t| t.is_context(0)).copied() {
        signed_attrs_raw = Some(t.raw);
        signed_attrs = parse_attributes(&t)?;
        it.next();
    }
    let signature_algorithm =
        AlgorithmIdentifier::from_tlv(it.next().ok_or(CmsError::Missing("signatureAlgorithm"))?)?;
    let sig_t = it.next().ok_or(CmsError::Missing("signature"))?;
    if !sig_t.is(tag::OCTET_STRING) {
        return Err(CmsError::Asn1("signature is not an OCTET STRING".into()));
    }
    let signature = sig_t.octets()?;
    let mut unsigned_attrs = Vec::new();
    if let Some(t) = it.next() {
        if t.is_context(1) {
            unsigned_attrs = parse_attributes(&t)?;
        }
    }
    Ok(SignerInfo {
        version,
        sid,
        digest_algorithm,
        signed_attrs_raw,
        signed_attrs,
        signature_algorithm,
        signature,
        unsigned_attrs,
    })
}

/// `TSTInfo ::= SEQUENCE { version INTEGER { v1(1) }, policy TSAPolicyId, messageImprint
/// MessageImprint, serialNumber INTEGER, genTime GeneralizedTime, accuracy Accuracy OPTIONAL,
/// ordering BOOLEAN DEFAULT FALSE, nonce INTEGER OPTIONAL, tsa [0] GeneralName OPTIONAL,
/// extensions [1] IMPLICIT Extensions OPTIONAL }` (RFC 3161, 2.4.2), with
/// `MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }`.
#[derive(Clone, Debug)]
pub struct TstInfo {
    /// The imprint's hash algorithm.
    pub imprint_algorithm: Oid,
    /// The hashed message.
    pub imprint: Vec<u8>,
    /// The time-stamp, seconds since the epoch.
    pub gen_time: i64,
    /// The serial number, hex.
    pub serial: String,
}

/// Parses a DER TSTInfo.
pub fn parse_tst_info(bytes: &[u8]) -> Result<TstInfo, CmsError> {
    let t = Tlv::parse_whole(bytes)?.expect(tag::SEQUENCE, "TSTInfo")?;
    let items = t.items()?;
    if items.len() < 5 {
        return Err(CmsError::Missing("TSTInfo fields"));
    }
    let mi = items[2].expect(tag::SEQUENCE, "messageImprint")?.items()?;
    if mi.len() != 2 {
        return Err(CmsError::Asn1("messageImprint is not a pair".into()));
    }
    let alg = AlgorithmIdentifier::from_tlv(mi[0])?;
    let imprint = mi[1].expect(tag::OCTET_STRING, "hashedMessage")?.octets()?;
    Ok(TstInfo {
        imprint_algorithm: alg.oid,
        imprint: imprint.into_owned(),
        gen_time: items[4].time()?,
        serial: hex(items[3].integer()?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DER TLV with a definite length.
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        let n = content.len();
        if n < 0x80 {
            v.push(n as u8);
        } else {
            let bytes = n.to_be_bytes();
            let skip = bytes.iter().take_while(|&&b| b == 0).count();
            v.push(0x80 | (bytes.len() - skip) as u8);
            v.extend_from_slice(&bytes[skip..]);
        }
        v.extend_from_slice(content);
        v
    }

    fn oid_der(oid: Oid) -> Vec<u8> {
        crate::asn1::oid_der(&oid)
    }

    /// A ContentInfo around `signed_data_items` (the SignedData SEQUENCE's contents).
    fn content_info(signed_data_items: &[u8]) -> Vec<u8> {
        let sd = tlv(0x30, signed_data_items);
        let mut ci = oid_der(oid::SIGNED_DATA);
        ci.extend(tlv(0xA0, &sd));
        tlv(0x30, &ci)
    }

    #[test]
    fn signed_data_without_signer_infos_is_an_error() {
        let mut items = tlv(0x02, &[1]);
        items.extend(tlv(0x31, &[]));
        items.extend(tlv(0x30, &oid_der(oid::DATA)));
        items.extend(tlv(0x31, &[]));
        assert_eq!(
            parse(&content_info(&items)).unwrap_err(),
            CmsError::NoSignerInfo
        );
    }

    #[test]
    fn content_info_of_another_type_is_not_signed_data() {
        let mut ci = oid_der(oid::DATA);
        ci.extend(tlv(0xA0, &tlv(0x04, b"x")));
        assert!(matches!(
            parse(&tlv(0x30, &ci)),
            Err(CmsError::NotSignedData(_))
        ));
    }

    #[test]
    fn deeply_nested_indefinite_lengths_are_refused_without_exhausting_the_stack() {
        // 100,000 nested indefinite-length SEQUENCEs and their end-of-contents octets.
        let depth = 100_000;
        let mut b = Vec::with_capacity(depth * 4);
        for _ in 0..depth {
            b.extend_from_slice(&[0x30, 0x80]);
        }
        for _ in 0..depth {
            b.extend_from_slice(&[0x00, 0x00]);
        }
        assert!(parse(&b).is_err());
    }

    #[test]
    fn a_length_past_the_end_and_a_missing_end_of_contents_are_errors() {
        // SEQUENCE claiming 2^32-1 bytes.
        assert!(parse(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01]).is_err());
        // Indefinite SEQUENCE never closed.
        assert!(parse(&[0x30, 0x80, 0x02, 0x01, 0x01]).is_err());
        // Empty input and a lone identifier.
        assert!(parse(&[]).is_err());
        assert!(parse(&[0x30]).is_err());
    }

    #[test]
    fn nested_constructed_octet_strings_are_bounded() {
        // OCTET STRING segments nested 20 deep (over the limit of 8).
        let mut inner = tlv(0x04, b"abc");
        for _ in 0..20 {
            inner = tlv(0x24, &inner);
        }
        let t = crate::asn1::Tlv::parse_whole(&inner).unwrap();
        assert!(t.octets().is_err());
        // Within the limit the segments join.
        let mut ok = tlv(0x04, b"abc");
        for _ in 0..3 {
            ok = tlv(0x24, &ok);
        }
        assert_eq!(
            &*crate::asn1::Tlv::parse_whole(&ok)
                .unwrap()
                .octets()
                .unwrap(),
            b"abc"
        );
    }

    #[test]
    fn signed_attributes_are_verified_as_received_retagged_as_a_set() {
        // A SignerInfo whose signed attributes use a non-minimal (BER) length: the bytes to
        // verify keep that encoding, only the first octet changes.
        let attr = {
            let mut a = oid_der(oid::CONTENT_TYPE);
            a.extend(tlv(0x31, &oid_der(oid::DATA)));
            tlv(0x30, &a)
        };
        let mut signed_attrs = vec![0xA0, 0x81, attr.len() as u8];
        signed_attrs.extend(&attr);
        let mut si = tlv(0x02, &[1]);
        let mut ias = tlv(0x30, &[]);
        ias.extend(tlv(0x02, &[5]));
        si.extend(tlv(0x30, &ias));
        si.extend(tlv(0x30, &oid_der(crate::crypto::oid::SHA256)));
        si.extend(&signed_attrs);
        si.extend(tlv(0x30, &oid_der(crate::crypto::oid::RSA)));
        si.extend(tlv(0x04, &[0xAA; 4]));
        let mut items = tlv(0x02, &[1]);
        items.extend(tlv(0x31, &[]));
        items.extend(tlv(0x30, &oid_der(oid::DATA)));
        items.extend(tlv(0x31, &tlv(0x30, &si)));
        let der = content_info(&items);
        let sd = parse(&der).unwrap();
        let info = &sd.signer_infos[0];
        let to_verify = info.signed_attrs_to_verify().unwrap();
        assert_eq!(to_verify[0], 0x31);
        assert_eq!(&to_verify[1..], &signed_attrs[1..], "not re-encoded");
        assert_eq!(info.signed_attr(oid::CONTENT_TYPE).1, 1);
        assert_eq!(&*info.signature, &[0xAA; 4]);
    }
}
