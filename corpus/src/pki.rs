//! The test PKI: a root, two issuing CAs (people and organisations), a rogue hierarchy that no
//! trust store knows, a few hundred signer certificates and large CRLs.
//!
//! Everything is built from the committed keys ([`crate::keys`]) with fixed dates and serials
//! derived from names, so it is identical in every corpus and on every machine. Certificates
//! follow RFC 5280 profiles as government CAs issue them: basic constraints and key usage
//! critical, subject/authority key identifiers, CRL distribution points and an authority
//! information access (OCSP and caIssuers) on a configurable base URL.

use anyhow::{Context, Result};
use const_oid::db::rfc5280;
use const_oid::db::rfc5912;
use const_oid::{AssociatedOid, ObjectIdentifier};
use der::asn1::{BitString, Ia5String, OctetString};
use der::{Any, Decode, Encode};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CrlDistributionPoints, CrlNumber, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;
use x509_cert::{Certificate, TbsCertificate, Version};

use crate::keys::{KeyKind, KeyStore, PrivateKey, SIGNER_COUNT};
use crate::manifest;
use crate::time::{date, x509_time, Unix};

/// Default base URL of CRL distribution points and OCSP responders: loopback, so tools that fetch
/// revocation data online can be served the generated CRLs by a local server.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:18080/";

/// Index of a CA in [`Pki::cas`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaId {
    /// The trust anchor.
    Root = 0,
    /// Issues certificates to people.
    Personal = 1,
    /// Issues certificates to organisations.
    Organisation = 2,
    /// A self-signed root no verifier trusts.
    RogueRoot = 3,
    /// Issued by the rogue root; issues the "unknown root" signers.
    RogueCa = 4,
}

impl CaId {
    /// The CA whose key signed this CA's certificate (a root signs its own).
    pub fn parent(self) -> CaId {
        match self {
            CaId::Root | CaId::Personal | CaId::Organisation => CaId::Root,
            CaId::RogueRoot | CaId::RogueCa => CaId::RogueRoot,
        }
    }

    /// The CA's file stem and key kind, as the manifest names them.
    pub fn issuer(self) -> manifest::Issuer {
        let (stem, kind) = crate::keys::CA_KEYS[self as usize];
        manifest::Issuer {
            ca: stem.to_string(),
            key: kind.to_string(),
        }
    }
}

/// The manifest's record of the certificate `der` issued by CA `issuer`: its hash and the CAs
/// up to the root.
pub fn cert_path(der: &[u8], issuer: CaId) -> manifest::CertPath {
    let mut issuers = vec![issuer.issuer()];
    let mut ca = issuer;
    while ca.parent() != ca {
        ca = ca.parent();
        issuers.push(ca.issuer());
    }
    manifest::CertPath {
        certificate: crate::sha256_hex(der),
        issuers,
    }
}

impl Tsa {
    /// The manifest's record of who signs the TSA's tokens.
    pub fn token_signer(&self) -> manifest::TokenSigner {
        manifest::TokenSigner {
            key: self.key.kind().to_string(),
            path: cert_path(&self.der, CaId::Root),
        }
    }
}

/// What a signer certificate is good for in a corpus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignerStatus {
    /// Valid from 2024 to 2036, never revoked.
    Good,
    /// Listed on its CA's CRL, revoked on the given date (before any signing time).
    Revoked(Unix),
    /// Valid 2021-06-01 .. 2024-06-30: expired before any signing time.
    Expired,
    /// Listed on its CA's CRL, revoked at the given instant ([`LATE_REVOCATION`]), after every
    /// signing time: signatures made before it stand when a timestamp proves they existed
    /// before it.
    RevokedLate(Unix),
}

/// When the late-revoked signer certificates ([`Pki::late_revoked`]) were revoked:
/// 2026-05-31T12:00:00Z, after every signing time and before the CRLs' thisUpdate.
pub const LATE_REVOCATION: Unix = date(2026, 5, 31) + 12 * 3600;

/// The time-stamping authority: its certificate (issued by the root, EKU id-kp-timeStamping
/// critical) and its ECDSA P-256 key, derived from a fixed seed.
pub struct Tsa {
    /// File stem, `tsa`.
    pub name: &'static str,
    /// The certificate.
    pub cert: Certificate,
    /// Its DER encoding.
    pub der: Vec<u8>,
    /// The subject as an RFC 4514 string.
    pub subject: String,
    /// The signing key.
    pub key: PrivateKey,
}

/// Subject of the time-stamping authority.
pub const TSA_SUBJECT: &str = "CN=SIGAUDIT TEST TSA Chinh phu,O=SIGAUDIT TEST Government PKI,C=VN";

/// The TSA's P-256 key: the scalar is SHA-256 of a fixed label (test material, like the
/// committed keys; no signer key is reused).
pub fn tsa_key() -> Result<PrivateKey> {
    let d = ring::digest::digest(
        &ring::digest::SHA256,
        b"sigaudit-corpus test time-stamping authority key, seed 2026",
    );
    Ok(PrivateKey::P256(p256::ecdsa::SigningKey::from_slice(
        d.as_ref(),
    )?))
}

/// A CA certificate with its key.
pub struct Ca {
    /// File stem, e.g. `ca-personal`.
    pub name: &'static str,
    /// The certificate.
    pub cert: Certificate,
    /// Its DER encoding.
    pub der: Vec<u8>,
    /// Subject key identifier.
    pub ski: Vec<u8>,
    /// The CA's CRL, DER.
    pub crl: Vec<u8>,
}

/// A signer certificate.
pub struct Signer {
    /// The signer's number: its name, role, status and certificate are functions of it.
    pub index: usize,
    /// Index of the key in [`KeyStore::signers`] (signer `i` holds key `i % SIGNER_COUNT`).
    pub key: usize,
    /// Organisation (true) or person (false).
    pub organisation: bool,
    /// Common name (UTF-8, with Vietnamese diacritics).
    pub common_name: String,
    /// The issuing CA.
    pub issuer: CaId,
    /// Validity and revocation.
    pub status: SignerStatus,
    /// The certificate.
    pub cert: Certificate,
    /// Its DER encoding.
    pub der: Vec<u8>,
    /// The key's kind.
    pub kind: KeyKind,
    /// The subject as an RFC 4514 string.
    pub subject: String,
}

/// The whole test PKI.
pub struct Pki {
    /// CAs indexed by [`CaId`].
    pub cas: Vec<Ca>,
    /// Signers issued by the trusted hierarchy (index = key index).
    pub signers: Vec<Signer>,
    /// Signers issued by the rogue CA (chains to an unknown root).
    pub rogue_signers: Vec<Signer>,
    /// Second certificates of a few signer keys, issued by the same CAs and revoked late
    /// ([`SignerStatus::RevokedLate`]), for cases that need a signature timestamp to stand.
    pub late_revoked: Vec<Signer>,
    /// The time-stamping authority.
    pub tsa: Tsa,
    /// The trusted signers sorted into the pools documents draw from.
    pub pools: Pools,
}

/// Positions in [`Pki::signers`] by what documents need of a signer, each in signer order (so
/// that a draw from a pool picks what a filtered scan of every signer would).
#[derive(Default)]
pub struct Pools {
    /// Good organisations.
    pub organisations: Vec<usize>,
    /// Good organisations employing at least one good P-256 person.
    pub organisations_with_p256_staff: Vec<usize>,
    /// Good people.
    pub people: Vec<usize>,
    /// Good people by the position of the organisation that employs them.
    pub staff: std::collections::HashMap<usize, Vec<usize>>,
    /// Revoked signers.
    pub revoked: Vec<usize>,
    /// Expired signers.
    pub expired: Vec<usize>,
}

impl Pools {
    fn of(signers: &[Signer]) -> Pools {
        let good = |s: &Signer| s.status == SignerStatus::Good;
        let mut pools = Pools::default();
        let position: std::collections::HashMap<usize, usize> = signers
            .iter()
            .enumerate()
            .map(|(pos, s)| (s.index, pos))
            .collect();
        for (pos, s) in signers.iter().enumerate() {
            match s.status {
                SignerStatus::Revoked(_) => pools.revoked.push(pos),
                SignerStatus::Expired => pools.expired.push(pos),
                _ => {}
            }
            if !good(s) {
                continue;
            }
            if s.organisation {
                pools.organisations.push(pos);
            } else {
                pools.people.push(pos);
                if let Some(&org) = position.get(&employer_of(s.index)) {
                    pools.staff.entry(org).or_default().push(pos);
                }
            }
        }
        pools.organisations_with_p256_staff = pools
            .organisations
            .iter()
            .copied()
            .filter(|org| {
                pools
                    .staff
                    .get(org)
                    .is_some_and(|staff| staff.iter().any(|&p| signers[p].kind == KeyKind::P256))
            })
            .collect();
        pools
    }
}

/// Number of fictitious revoked serials on each issuing CA's CRL (real national CRLs hold
/// hundreds of thousands; a verifier must parse each once per run, not once per document).
pub const CRL_FILLER: [(CaId, usize); 2] = [(CaId::Personal, 6000), (CaId::Organisation, 3000)];

const FAMILY: [&str; 16] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý",
];
const MIDDLE: [&str; 8] = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc"];
const GIVEN: [&str; 24] = [
    "An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Khánh", "Lan",
    "Linh", "Long", "Mai", "Nam", "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn",
];
/// Provinces and cities (ASCII-folded where the PDF text needs it, see [`fold`]).
pub const PROVINCES: [&str; 16] = [
    "Hà Nội",
    "Hồ Chí Minh",
    "Hải Phòng",
    "Đà Nẵng",
    "Cần Thơ",
    "Quảng Ninh",
    "Thanh Hóa",
    "Nghệ An",
    "Huế",
    "Khánh Hòa",
    "Lâm Đồng",
    "Đồng Nai",
    "Bình Dương",
    "An Giang",
    "Lào Cai",
    "Thái Nguyên",
];
const AGENCIES: [&str; 8] = [
    "Ủy ban nhân dân",
    "Sở Tài chính",
    "Sở Nội vụ",
    "Sở Kế hoạch và Đầu tư",
    "Sở Giáo dục và Đào tạo",
    "Sở Y tế",
    "Sở Tư pháp",
    "Sở Xây dựng",
];

/// Folds Vietnamese letters to ASCII (for text drawn with a standard 14 font).
pub fn fold(s: &str) -> String {
    const MAP: [(&str, char); 14] = [
        ("àáạảãâầấậẩẫăằắặẳẵ", 'a'),
        ("ÀÁẠẢÃÂẦẤẬẨẪĂẰẮẶẲẴ", 'A'),
        ("èéẹẻẽêềếệểễ", 'e'),
        ("ÈÉẸẺẼÊỀẾỆỂỄ", 'E'),
        ("ìíịỉĩ", 'i'),
        ("ÌÍỊỈĨ", 'I'),
        ("òóọỏõôồốộổỗơờớợởỡ", 'o'),
        ("ÒÓỌỎÕÔỒỐỘỔỖƠỜỚỢỞỠ", 'O'),
        ("ùúụủũưừứựửữ", 'u'),
        ("ÙÚỤỦŨƯỪỨỰỬỮ", 'U'),
        ("ỳýỵỷỹ", 'y'),
        ("ỲÝỴỶỸ", 'Y'),
        ("đ", 'd'),
        ("Đ", 'D'),
    ];
    s.chars()
        .map(|c| {
            MAP.iter()
                .find(|(set, _)| set.contains(c))
                .map_or(c, |(_, a)| *a)
        })
        .collect()
}

/// Whether signer `i` is an organisation (one in five) or a person.
pub fn is_organisation(i: usize) -> bool {
    i % 5 == 0
}

/// The validity/revocation status of signer `i` of the trusted hierarchy.
pub fn signer_status(i: usize) -> SignerStatus {
    if i % 37 == 17 {
        SignerStatus::Revoked(date(2024, 11, 15) + (i as u64 % 20) * 86_400)
    } else if i % 41 == 23 {
        SignerStatus::Expired
    } else {
        SignerStatus::Good
    }
}

/// Keys that also carry a second certificate from their own CA, revoked at
/// [`LATE_REVOCATION`] (only keys whose first certificate is good).
pub fn late_revoked_keys() -> impl Iterator<Item = usize> {
    (0..SIGNER_COUNT).filter(|&i| i % 29 == 13 && signer_status(i) == SignerStatus::Good)
}

/// Keys that also carry a certificate from the rogue CA (for "unknown root" cases).
pub fn rogue_signer_keys() -> impl Iterator<Item = usize> {
    (0..SIGNER_COUNT).filter(|i| i % 30 == 11 || i % 50 == 20)
}

fn signer_common_name(i: usize) -> String {
    if is_organisation(i) {
        let agency = AGENCIES[(i / 5) % AGENCIES.len()];
        let province = PROVINCES[(i / 5 / AGENCIES.len()) % PROVINCES.len()];
        if agency == "Ủy ban nhân dân" {
            format!("{agency} tỉnh {province}")
        } else {
            format!("{agency} {province}")
        }
    } else {
        format!(
            "{} {} {}",
            FAMILY[(i * 7) % FAMILY.len()],
            MIDDLE[(i * 3) % MIDDLE.len()],
            GIVEN[(i * 5 + i / 24) % GIVEN.len()]
        )
    }
}

/// The organisation signer that a person signer works for (people sign on behalf of an agency).
pub fn employer_of(i: usize) -> usize {
    (i / 5) * 5
}

fn serial_from(label: &str) -> SerialNumber {
    let d = ring::digest::digest(&ring::digest::SHA256, label.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d.as_ref()[..16]);
    b[0] = (b[0] & 0x3f) | 0x10; // positive, no leading zero octet
    SerialNumber::new(&b).expect("16-byte serial")
}

/// `sha256WithRSAEncryption` with NULL parameters (RFC 4055, 5).
pub fn sha256_with_rsa() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
        parameters: Some(Any::null()),
    }
}

/// The SubjectPublicKeyInfo of a key (RFC 5280, 4.1.2.7).
pub fn spki_of(key: &PrivateKey) -> Result<SubjectPublicKeyInfoOwned> {
    Ok(match key {
        PrivateKey::Rsa { pair, .. } => SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned {
                oid: rfc5912::RSA_ENCRYPTION,
                parameters: Some(Any::null()),
            },
            subject_public_key: BitString::from_bytes(
                ring::signature::KeyPair::public_key(pair).as_ref(),
            )?,
        },
        PrivateKey::P256(k) => {
            use p256::pkcs8::EncodePublicKey;
            let der = k
                .verifying_key()
                .to_public_key_der()
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            SubjectPublicKeyInfoOwned::from_der(der.as_bytes())?
        }
    })
}

fn key_id(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    // RFC 5280, 4.2.1.2, method (1): SHA-1 of the subjectPublicKey BIT STRING value.
    let bits = spki.subject_public_key.raw_bytes();
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, bits)
        .as_ref()
        .to_vec()
}

fn ext<T: AssociatedOid + Encode>(critical: bool, value: &T) -> Result<Extension> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

fn uri(s: String) -> Result<GeneralName> {
    Ok(GeneralName::UniformResourceIdentifier(Ia5String::new(&s)?))
}

const ID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
const ID_AD_CA_ISSUERS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");

/// Signs `tbs` (DER) with an RSA CA key, PKCS#1 v1.5 with SHA-256 (deterministic).
pub fn rsa_sha256_sign(key: &PrivateKey, tbs: &[u8]) -> Result<Vec<u8>> {
    match key {
        PrivateKey::Rsa { pair, .. } => {
            let mut sig = vec![0; pair.public().modulus_len()];
            pair.sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                tbs,
                &mut sig,
            )
            .map_err(|_| anyhow::anyhow!("RSA signing failed"))?;
            Ok(sig)
        }
        PrivateKey::P256(_) => anyhow::bail!("CAs sign with RSA"),
    }
}

struct CertSpec<'a> {
    serial: SerialNumber,
    subject: Name,
    issuer: Name,
    not_before: Unix,
    not_after: Unix,
    spki: SubjectPublicKeyInfoOwned,
    issuer_ski: Option<Vec<u8>>,
    ca: Option<Option<u8>>,
    /// A time-stamping unit (RFC 3161, 2.3: EKU id-kp-timeStamping only, critical).
    tsa: bool,
    /// Stem of the issuing CA's CRL and OCSP paths under the base URL (none for roots).
    issuer_stem: Option<&'a str>,
    base_url: &'a str,
}

fn issue(spec: CertSpec<'_>, issuer_key: &PrivateKey) -> Result<(Certificate, Vec<u8>)> {
    let ski = key_id(&spec.spki);
    let mut exts = Vec::new();
    match spec.ca {
        Some(path_len) => {
            exts.push(ext(
                true,
                &BasicConstraints {
                    ca: true,
                    path_len_constraint: path_len,
                },
            )?);
            exts.push(ext(
                true,
                &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            )?);
        }
        None if spec.tsa => {
            exts.push(ext(true, &KeyUsage(KeyUsages::DigitalSignature.into()))?);
            exts.push(ext(
                true,
                &ExtendedKeyUsage(vec![rfc5280::ID_KP_TIME_STAMPING]),
            )?);
        }
        None => {
            exts.push(ext(
                false,
                &BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                },
            )?);
            exts.push(ext(
                true,
                &KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
            )?);
            // Signing certificates of government CAs carry emailProtection (S/MIME and
            // document signing) and clientAuth (token logon).
            exts.push(ext(
                false,
                &ExtendedKeyUsage(vec![
                    rfc5280::ID_KP_EMAIL_PROTECTION,
                    rfc5280::ID_KP_CLIENT_AUTH,
                ]),
            )?);
        }
    }
    exts.push(ext(false, &SubjectKeyIdentifier(OctetString::new(ski)?))?);
    if let Some(aki) = spec.issuer_ski {
        exts.push(ext(
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(aki)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
        )?);
    }
    if let Some(stem) = spec.issuer_stem {
        let base = spec.base_url;
        exts.push(ext(
            false,
            &CrlDistributionPoints(vec![DistributionPoint {
                distribution_point: Some(DistributionPointName::FullName(vec![uri(format!(
                    "{base}{}",
                    crate::mirror::crl_path(stem)
                ))?])),
                reasons: None,
                crl_issuer: None,
            }]),
        )?);
        exts.push(ext(
            false,
            &AuthorityInfoAccessSyntax(vec![
                AccessDescription {
                    access_method: ID_AD_OCSP,
                    access_location: uri(format!("{base}{}", crate::mirror::ocsp_path(stem)))?,
                },
                AccessDescription {
                    access_method: ID_AD_CA_ISSUERS,
                    access_location: uri(format!("{base}{}", crate::mirror::cert_path(stem)))?,
                },
            ]),
        )?);
    }
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: spec.serial,
        signature: sha256_with_rsa(),
        issuer: spec.issuer,
        validity: Validity {
            not_before: x509_time(spec.not_before),
            not_after: x509_time(spec.not_after),
        },
        subject: spec.subject,
        subject_public_key_info: spec.spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(exts),
    };
    let sig = rsa_sha256_sign(issuer_key, &tbs.to_der()?)?;
    let cert = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: sha256_with_rsa(),
        signature: BitString::from_bytes(&sig)?,
    };
    let der = cert.to_der()?;
    Ok((cert, der))
}

fn name(s: &str) -> Result<Name> {
    s.parse::<Name>()
        .map_err(|e| anyhow::anyhow!("bad name {s}: {e}"))
}

/// Escapes an RFC 4514 attribute value.
fn esc(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace(',', "\\,")
        .replace('+', "\\+")
}

impl Pki {
    /// Builds the PKI from the keys with [`SIGNER_COUNT`] trusted signers; CRL distribution
    /// points and OCSP URLs start with `base_url`.
    pub fn build(keys: &KeyStore, base_url: &str) -> Result<Pki> {
        Pki::build_with_signers(keys, base_url, SIGNER_COUNT)
    }

    /// Builds the PKI with `signers` trusted signer certificates: signer `i` holds key
    /// `i % SIGNER_COUNT` (distinct certificates, names and serials; keys shared), so a corpus
    /// can meet as many distinct certificates as a national CA issues.
    pub fn build_with_signers(keys: &KeyStore, base_url: &str, signers: usize) -> Result<Pki> {
        let ca_subjects = [
            "CN=SIGAUDIT TEST Government Root CA,O=SIGAUDIT TEST Government PKI,C=VN",
            "CN=SIGAUDIT TEST Personal Signing CA G1,O=SIGAUDIT TEST Government PKI,C=VN",
            "CN=SIGAUDIT TEST Organisation Signing CA G1,O=SIGAUDIT TEST Government PKI,C=VN",
            "CN=Unofficial Root CA,O=Unknown Issuer Ltd,C=VN",
            "CN=Unofficial Signing CA,O=Unknown Issuer Ltd,C=VN",
        ];
        let stems = [
            "root",
            "ca-personal",
            "ca-organisation",
            "rogue-root",
            "rogue-ca",
        ];
        // (issuer index, path length) per CA; roots are self-issued.
        let parents: [(usize, Option<u8>); 5] = [
            (0, None),
            (0, Some(0)),
            (0, Some(0)),
            (3, None),
            (3, Some(0)),
        ];
        let mut certs: Vec<(Certificate, Vec<u8>, Vec<u8>)> = Vec::new();
        for i in 0..5 {
            let (parent, path_len) = parents[i];
            let spki = spki_of(&keys.cas[i])?;
            let ski = key_id(&spki);
            let root = parent == i;
            let (cert, der) = issue(
                CertSpec {
                    serial: serial_from(stems[i]),
                    subject: name(ca_subjects[i])?,
                    issuer: name(ca_subjects[parent])?,
                    not_before: if root {
                        date(2020, 1, 1)
                    } else {
                        date(2021, 1, 1)
                    },
                    not_after: if root {
                        date(2045, 12, 31)
                    } else {
                        date(2040, 12, 31)
                    },
                    spki,
                    issuer_ski: (!root).then(|| certs[parent].2.clone()),
                    ca: Some(path_len),
                    tsa: false,
                    issuer_stem: (!root).then_some(stems[parent]),
                    base_url,
                },
                &keys.cas[parent],
            )?;
            certs.push((cert, der, ski));
        }

        let make_signer = |i: usize, issuer: CaId, late: bool| -> Result<Signer> {
            let organisation = is_organisation(i);
            let common_name = signer_common_name(i);
            let province = PROVINCES[(i / 5 / AGENCIES.len()) % PROVINCES.len()];
            let employer = signer_common_name(employer_of(i));
            let subject = if organisation {
                format!(
                    "CN={},O={},L={},C=VN",
                    esc(&common_name),
                    esc(&common_name),
                    esc(province)
                )
            } else {
                format!(
                    "CN={},OU={},O={},L={},C=VN",
                    esc(&common_name),
                    "Lãnh đạo",
                    esc(&employer),
                    esc(province)
                )
            };
            let status = if late {
                SignerStatus::RevokedLate(LATE_REVOCATION)
            } else if issuer == CaId::RogueCa {
                SignerStatus::Good
            } else {
                signer_status(i)
            };
            let (not_before, not_after) = match status {
                SignerStatus::Expired => (date(2021, 6, 1), date(2024, 6, 30)),
                _ => (
                    date(2024, 1, 1) + (i as u64 % 180) * 86_400,
                    date(2036, 6, 30),
                ),
            };
            let ca = &certs[issuer as usize];
            let (cert, der) = issue(
                CertSpec {
                    serial: serial_from(&if late {
                        format!("signer-{i}-{issuer:?}-late")
                    } else {
                        format!("signer-{i}-{issuer:?}")
                    }),
                    subject: name(&subject)?,
                    issuer: ca.0.tbs_certificate.subject.clone(),
                    not_before,
                    not_after,
                    spki: spki_of(&keys.signers[i % SIGNER_COUNT])?,
                    issuer_ski: Some(ca.2.clone()),
                    ca: None,
                    tsa: false,
                    issuer_stem: Some(stems[issuer as usize]),
                    base_url,
                },
                &keys.cas[issuer as usize],
            )?;
            Ok(Signer {
                index: i,
                key: i % SIGNER_COUNT,
                organisation,
                common_name,
                issuer,
                status,
                cert,
                der,
                kind: keys.signers[i % SIGNER_COUNT].kind(),
                subject,
            })
        };
        let signers = (0..signers.max(1))
            .into_par_iter()
            .map(|i| {
                let issuer = if is_organisation(i) {
                    CaId::Organisation
                } else {
                    CaId::Personal
                };
                make_signer(i, issuer, false).with_context(|| format!("signer {i}"))
            })
            .collect::<Result<Vec<_>>>()?;
        let rogue_signers = rogue_signer_keys()
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|i| make_signer(i, CaId::RogueCa, false))
            .collect::<Result<Vec<_>>>()?;
        let late_revoked = late_revoked_keys()
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|i| {
                let issuer = if is_organisation(i) {
                    CaId::Organisation
                } else {
                    CaId::Personal
                };
                make_signer(i, issuer, true)
            })
            .collect::<Result<Vec<_>>>()?;

        let tsa_key = tsa_key()?;
        let root = &certs[CaId::Root as usize];
        let (tsa_cert, tsa_der) = issue(
            CertSpec {
                serial: serial_from("tsa"),
                subject: name(TSA_SUBJECT)?,
                issuer: root.0.tbs_certificate.subject.clone(),
                not_before: date(2021, 1, 1),
                not_after: date(2040, 12, 31),
                spki: spki_of(&tsa_key)?,
                issuer_ski: Some(root.2.clone()),
                ca: None,
                tsa: true,
                issuer_stem: Some(stems[CaId::Root as usize]),
                base_url,
            },
            &keys.cas[CaId::Root as usize],
        )?;
        let tsa = Tsa {
            name: "tsa",
            cert: tsa_cert,
            der: tsa_der,
            subject: TSA_SUBJECT.to_string(),
            key: tsa_key,
        };

        let mut cas = Vec::new();
        for (i, (cert, der, ski)) in certs.into_iter().enumerate() {
            let revoked = revoked_by(signers.iter().chain(&late_revoked), i);
            let filler = CRL_FILLER
                .iter()
                .find(|(ca, _)| *ca as usize == i)
                .map_or(0, |(_, n)| *n);
            let crl = build_crl(&cert, &ski, &keys.cas[i], &revoked, filler, stems[i])?;
            cas.push(Ca {
                name: stems[i],
                cert,
                der,
                ski,
                crl,
            });
        }
        let pools = Pools::of(&signers);
        Ok(Pki {
            pools,
            cas,
            signers,
            rogue_signers,
            late_revoked,
            tsa,
        })
    }

    /// The CA with the given id.
    pub fn ca(&self, id: CaId) -> &Ca {
        &self.cas[id as usize]
    }
}

impl Pki {
    /// A good signer certificate for the public key `spki` (taken as given, whatever its
    /// encoding), issued by CA `issuer` with the trusted signers' profile: valid
    /// 2024-01-01 .. 2036-06-30, digitalSignature and nonRepudiation, emailProtection and
    /// clientAuth, CRL distribution point and authority information access under `base_url`;
    /// the serial is derived from `label`, and the certificate is on no CRL.
    pub fn issue_signer(
        &self,
        keys: &KeyStore,
        issuer: CaId,
        label: &str,
        subject: &str,
        spki: SubjectPublicKeyInfoOwned,
        base_url: &str,
    ) -> Result<(Certificate, Vec<u8>)> {
        let ca = self.ca(issuer);
        issue(
            CertSpec {
                serial: serial_from(label),
                subject: name(subject)?,
                issuer: ca.cert.tbs_certificate.subject.clone(),
                not_before: date(2024, 1, 1),
                not_after: date(2036, 6, 30),
                spki,
                issuer_ski: Some(ca.ski.clone()),
                ca: None,
                tsa: false,
                issuer_stem: Some(ca.name),
                base_url,
            },
            &keys.cas[issuer as usize],
        )
    }

    /// A CRL of CA `id` listing its revoked signers plus `filler` random serials (for
    /// benchmarks of revocation lookups in national-size CRLs).
    pub fn crl_with_filler(&self, keys: &KeyStore, id: CaId, filler: usize) -> Result<Vec<u8>> {
        let ca = self.ca(id);
        let revoked = revoked_by(self.signers.iter().chain(&self.late_revoked), id as usize);
        build_crl(
            &ca.cert,
            &ca.ski,
            &keys.cas[id as usize],
            &revoked,
            filler,
            ca.name,
        )
    }
}

/// Serial and revocation time of every revoked signer that CA number `ca` issued.
fn revoked_by<'a>(
    signers: impl Iterator<Item = &'a Signer>,
    ca: usize,
) -> Vec<(SerialNumber, Unix)> {
    signers
        .filter(|s| s.issuer as usize == ca)
        .filter_map(|s| match s.status {
            SignerStatus::Revoked(at) | SignerStatus::RevokedLate(at) => {
                Some((s.cert.tbs_certificate.serial_number.clone(), at))
            }
            _ => None,
        })
        .collect()
}

/// `reasonCode` CRL entry extension (RFC 5280, 5.3.1): `keyCompromise(1)`, `superseded(4)`,
/// `cessationOfOperation(5)`.
const ID_CE_CRL_REASONS: ObjectIdentifier = rfc5280::ID_CE_CRL_REASONS;

fn build_crl(
    ca: &Certificate,
    ski: &[u8],
    key: &PrivateKey,
    revoked: &[(SerialNumber, Unix)],
    filler: usize,
    stem: &str,
) -> Result<Vec<u8>> {
    let mut rng = ChaCha8Rng::seed_from_u64(0x05ee_dc41 ^ stem.len() as u64 ^ filler as u64);
    let mut entries: Vec<RevokedCert> = Vec::with_capacity(revoked.len() + filler);
    let reason = |code: u8| -> Result<Extension> {
        Ok(Extension {
            extn_id: ID_CE_CRL_REASONS,
            critical: false,
            extn_value: OctetString::new(
                der::asn1::Any::new(der::Tag::Enumerated, [code])?.to_der()?,
            )?,
        })
    };
    for (serial, at) in revoked {
        entries.push(RevokedCert {
            serial_number: serial.clone(),
            revocation_date: x509_time(*at),
            crl_entry_extensions: Some(vec![reason(1)?]),
        });
    }
    for _ in 0..filler {
        let mut b = [0u8; 16];
        rng.fill(&mut b);
        b[0] = (b[0] & 0x3f) | 0x10;
        let at = date(2022, 1, 1) + rng.gen_range(0..(4 * 365 * 86_400));
        let code = [1u8, 4, 5][rng.gen_range(0..3)];
        entries.push(RevokedCert {
            serial_number: SerialNumber::new(&b)?,
            revocation_date: x509_time(at),
            crl_entry_extensions: if rng.gen_bool(0.5) {
                Some(vec![reason(code)?])
            } else {
                None
            },
        });
    }
    let tbs = TbsCertList {
        version: Version::V2,
        signature: sha256_with_rsa(),
        issuer: ca.tbs_certificate.subject.clone(),
        this_update: x509_time(date(2026, 6, 1)),
        next_update: Some(x509_time(date(2036, 6, 1))),
        revoked_certificates: if entries.is_empty() {
            None
        } else {
            Some(entries)
        },
        crl_extensions: Some(vec![
            ext(
                false,
                &AuthorityKeyIdentifier {
                    key_identifier: Some(OctetString::new(ski.to_vec())?),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
            )?,
            ext(false, &CrlNumber(der::asn1::Uint::new(&[0x01, 0x2c])?))?,
        ]),
    };
    let sig = rsa_sha256_sign(key, &tbs.to_der()?)?;
    Ok(CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: sha256_with_rsa(),
        signature: BitString::from_bytes(&sig)?,
    }
    .to_der()?)
}
