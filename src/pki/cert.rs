//! X.509 certificates (RFC 5280) reduced to what path validation needs, parsed once with
//! x509-parser and kept as owned data so that caches can share them across documents.

use std::sync::Arc;

use x509_parser::prelude::{FromDer, X509Certificate};

use super::PkiError;
use crate::asn1::{tag, Tlv};
use crate::cms::{hex, AlgorithmIdentifier};
use crate::crypto::{self, PublicKey};

/// SHA-256 of some DER, the identity of certificates, CRLs and responses in every cache.
pub type Fingerprint = [u8; 32];

/// SHA-256 of `der`.
pub fn fingerprint(der: &[u8]) -> Fingerprint {
    let d = ring::digest::digest(&ring::digest::SHA256, der);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// The outer shape shared by certificates, CRLs and OCSP responses:
/// `SEQUENCE { tbs …, signatureAlgorithm AlgorithmIdentifier, signature BIT STRING }`
/// (RFC 5280, 4.1 and 5.1; RFC 6960, 4.2.1).
#[derive(Clone, Debug)]
pub struct SignedEnvelope {
    /// The to-be-signed element, whole, as received.
    pub tbs: Vec<u8>,
    /// The signature algorithm.
    pub algorithm: AlgorithmIdentifier<'static>,
    /// The signature (BIT STRING contents without the unused-bits octet).
    pub signature: Vec<u8>,
}

impl SignedEnvelope {
    /// Splits a signed DER structure; `what` names it in errors. Elements after the signature
    /// (the `certs` of an OCSP response) are ignored.
    pub fn parse(der: &[u8], what: &str) -> Result<SignedEnvelope, PkiError> {
        let bad = |m: String| PkiError::Malformed(format!("{what}: {m}"));
        let outer = Tlv::parse_whole(der)
            .and_then(|t| t.expect(tag::SEQUENCE, what))
            .map_err(|e| bad(e.to_string()))?;
        let mut c = outer.children();
        let mut next = || -> Result<Tlv<'_>, PkiError> {
            c.next()
                .ok_or_else(|| bad("too few elements".into()))?
                .map_err(|e| bad(e.to_string()))
        };
        let tbs = next()?.raw.to_vec();
        let algorithm = AlgorithmIdentifier::from_tlv(next()?)
            .map_err(|e| bad(e.to_string()))?
            .into_owned();
        let bits = next()?;
        if !bits.is(tag::BIT_STRING) || bits.content.first() != Some(&0) {
            return Err(bad("signature is not a whole-octet BIT STRING".into()));
        }
        Ok(SignedEnvelope {
            tbs,
            algorithm,
            signature: bits.content[1..].to_vec(),
        })
    }

    /// Verifies the signature with `key`.
    pub fn verify(&self, key: &PublicKey) -> Result<(), crypto::VerifyError> {
        crypto::verify(key, &self.algorithm, None, &self.tbs, &self.signature).map(|_| ())
    }
}

/// Reads a `SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier,
/// subjectPublicKey BIT STRING }` (RFC 5280, 4.1.2.7).
pub fn public_key(spki: &[u8]) -> Result<PublicKey, PkiError> {
    PublicKey::from_spki(spki)
        .map_err(|m| PkiError::Malformed(format!("SubjectPublicKeyInfo: {m}")))
}

/// Extended key usage purposes sigaudit checks (RFC 5280, 4.2.1.12).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExtendedKeyUsage {
    /// anyExtendedKeyUsage.
    pub any: bool,
    /// id-kp-timeStamping.
    pub time_stamping: bool,
    /// id-kp-OCSPSigning.
    pub ocsp_signing: bool,
}

/// A parsed certificate.
#[derive(Debug)]
pub struct Certificate {
    /// The DER as received.
    pub der: Vec<u8>,
    /// SHA-256 of the DER.
    pub sha256: Fingerprint,
    /// Subject `Name`, whole DER element (compared byte for byte when chaining).
    pub subject_raw: Vec<u8>,
    /// Issuer `Name`, whole DER element.
    pub issuer_raw: Vec<u8>,
    /// Subject as text (RFC 4514 style).
    pub subject: String,
    /// Issuer as text.
    pub issuer: String,
    /// Serial number magnitude octets (sign octets stripped).
    pub serial: Vec<u8>,
    /// `notBefore`, seconds since the epoch.
    pub not_before: i64,
    /// `notAfter`, seconds since the epoch.
    pub not_after: i64,
    /// The subject public key.
    pub key: PublicKey,
    /// The signed part and the issuer's signature over it.
    pub signed: SignedEnvelope,
    /// subjectKeyIdentifier.
    pub ski: Option<Vec<u8>>,
    /// authorityKeyIdentifier's keyIdentifier.
    pub aki: Option<Vec<u8>>,
    /// basicConstraints: `(cA, pathLenConstraint)`, if the extension is present.
    pub basic_constraints: Option<(bool, Option<u32>)>,
    /// keyUsage bits `(digitalSignature, nonRepudiation, keyCertSign, cRLSign)`, if present.
    pub key_usage: Option<(bool, bool, bool, bool)>,
    /// extendedKeyUsage, if present.
    pub eku: Option<ExtendedKeyUsage>,
    /// Where the certificate says its issuer, its CRLs and its OCSP responder are published.
    pub urls: Urls,
    /// The subject's UID attributes (OID 0.9.2342.19200300.100.1.1), as written: Vietnamese
    /// certificates name their holder's identifier there (`CCCD:…`, `MST:…`).
    pub subject_uids: Vec<String>,
    /// The certificate policies' identifiers (RFC 5280, 4.2.1.4), dotted.
    pub policies: Vec<String>,
}

/// The URLs a certificate names for fetching what validation may need (RFC 5280, 4.2.2.1
/// Authority Information Access, 4.2.1.13 CRL Distribution Points), in the certificate's order.
/// Only uniformResourceIdentifier names are kept; a scheme sigaudit cannot fetch (`ldap:`) is
/// kept too, so that the fetcher can say it is unsupported, naming the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Urls {
    /// id-ad-caIssuers access locations: the issuer's certificate (DER, or a certs-only CMS).
    pub ca_issuers: Vec<String>,
    /// id-ad-ocsp access locations: the OCSP responder.
    pub ocsp: Vec<String>,
    /// fullName URIs of the distribution points without `reasons` (a partitioned point covers
    /// only some revocation reasons and cannot prove a certificate good on its own).
    pub crls: Vec<String>,
}

impl Urls {
    fn of(x: &X509Certificate<'_>) -> Urls {
        use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
        use x509_parser::oid_registry::{
            OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS, OID_PKIX_ACCESS_DESCRIPTOR_OCSP,
        };
        let mut urls = Urls::default();
        for ext in x.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    for d in aia.iter() {
                        let GeneralName::URI(u) = d.access_location else {
                            continue;
                        };
                        if d.access_method == OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS {
                            urls.ca_issuers.push(u.to_string());
                        } else if d.access_method == OID_PKIX_ACCESS_DESCRIPTOR_OCSP {
                            urls.ocsp.push(u.to_string());
                        }
                    }
                }
                ParsedExtension::CRLDistributionPoints(points) => {
                    for p in points.iter().filter(|p| p.reasons.is_none()) {
                        if let Some(DistributionPointName::FullName(names)) = &p.distribution_point
                        {
                            for n in names {
                                if let GeneralName::URI(u) = n {
                                    urls.crls.push(u.to_string());
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        // Bounded: a hostile certificate could list thousands (each is a request).
        for list in [&mut urls.ca_issuers, &mut urls.ocsp, &mut urls.crls] {
            list.dedup();
            list.truncate(MAX_URLS);
        }
        urls
    }

    fn heap_bytes(&self) -> usize {
        [&self.ca_issuers, &self.ocsp, &self.crls]
            .iter()
            .flat_map(|l| l.iter())
            .map(|u| u.len() + 16 + std::mem::size_of::<String>())
            .sum()
    }
}

/// The subject's UID attributes (RFC 4519, 2.39: `uid`, OID 0.9.2342.19200300.100.1.1), at
/// most a few (a subject naming more is not a holder's identity).
fn subject_uids(x: &X509Certificate<'_>) -> Vec<String> {
    const UID: &[u8] = &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01];
    x.subject()
        .iter_attributes()
        .filter(|a| a.attr_type().as_bytes() == UID)
        .filter_map(|a| a.as_str().ok().map(str::to_string))
        .take(MAX_URLS)
        .collect()
}

/// URLs kept per kind and certificate: real certificates name one or two (an HTTP and an LDAP
/// distribution point); more is a document making the fetcher work for it.
pub const MAX_URLS: usize = 4;

impl Certificate {
    /// Parses a DER certificate.
    pub fn parse(der: &[u8]) -> Result<Certificate, PkiError> {
        let (_, x) = X509Certificate::from_der(der)
            .map_err(|e| PkiError::Malformed(format!("certificate: {e}")))?;
        let signed = SignedEnvelope::parse(der, "certificate")?;
        let key = public_key(x.public_key().raw)?;
        let bad = |e: x509_parser::error::X509Error| {
            PkiError::Malformed(format!("certificate extension: {e}"))
        };
        let bc = x
            .basic_constraints()
            .map_err(bad)?
            .map(|b| (b.value.ca, b.value.path_len_constraint));
        let ku = x.key_usage().map_err(bad)?.map(|k| {
            (
                k.value.digital_signature(),
                k.value.non_repudiation(),
                k.value.key_cert_sign(),
                k.value.crl_sign(),
            )
        });
        let eku = x
            .extended_key_usage()
            .map_err(bad)?
            .map(|e| ExtendedKeyUsage {
                any: e.value.any,
                time_stamping: e.value.time_stamping,
                ocsp_signing: e.value.ocsp_signing,
            });
        let mut ski = None;
        let mut aki = None;
        let mut policies = Vec::new();
        for ext in x.extensions() {
            use x509_parser::extensions::ParsedExtension;
            match ext.parsed_extension() {
                ParsedExtension::CertificatePolicies(p) => {
                    policies.extend(p.iter().take(MAX_URLS).map(|i| i.policy_id.to_id_string()))
                }
                ParsedExtension::SubjectKeyIdentifier(k) => ski = Some(k.0.to_vec()),
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    aki = a.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                _ => {}
            }
        }
        Ok(Certificate {
            der: der.to_vec(),
            sha256: fingerprint(der),
            subject_raw: x.subject().as_raw().to_vec(),
            issuer_raw: x.issuer().as_raw().to_vec(),
            subject: x.subject().to_string(),
            issuer: x.issuer().to_string(),
            serial: crate::asn1::strip_leading_zeros(x.raw_serial()).to_vec(),
            not_before: x.validity().not_before.timestamp(),
            not_after: x.validity().not_after.timestamp(),
            key,
            signed,
            ski,
            aki,
            basic_constraints: bc,
            key_usage: ku,
            eku,
            urls: Urls::of(&x),
            subject_uids: subject_uids(&x),
            policies,
        })
    }

    /// Estimated bytes this certificate holds on the heap (what a cache of it costs).
    pub fn heap_bytes(&self) -> u64 {
        let owned = [
            self.der.len(),
            self.subject_raw.len(),
            self.issuer_raw.len(),
            self.subject.len(),
            self.issuer.len(),
            self.serial.len(),
            self.key.bits.len(),
            self.signed.tbs.len(),
            self.signed.signature.len(),
            self.ski.as_ref().map_or(0, Vec::len),
            self.aki.as_ref().map_or(0, Vec::len),
            self.subject_uids
                .iter()
                .chain(&self.policies)
                .map(|s| s.len() + 24)
                .sum(),
        ];
        // Each allocation costs its bytes plus about 16 of allocator bookkeeping.
        let heap: usize = owned.iter().map(|n| n + 16).sum::<usize>() + self.urls.heap_bytes();
        (std::mem::size_of::<Certificate>() + heap) as u64
    }

    /// Serial number as lower-case hex.
    pub fn serial_hex(&self) -> String {
        hex(&self.serial)
    }

    /// Whether `t` lies within `notBefore..=notAfter`.
    pub fn valid_at(&self, t: i64) -> bool {
        self.not_before <= t && t <= self.not_after
    }

    /// Whether subject and issuer are the same name (RFC 5280, 6.1: self-issued).
    pub fn self_issued(&self) -> bool {
        self.subject_raw == self.issuer_raw
    }

    /// Whether `issuer` may have issued this certificate by name and key identifier (the
    /// signature is checked separately).
    pub fn could_be_issued_by(&self, issuer: &Certificate) -> bool {
        self.issuer_raw == issuer.subject_raw
            && match (&self.aki, &issuer.ski) {
                (Some(a), Some(s)) => a == s,
                _ => true,
            }
    }
}

/// A shared certificate.
pub type Cert = Arc<Certificate>;
