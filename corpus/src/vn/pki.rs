//! The test PKI of the `vn-policy` profile, apart from the corpus' own hierarchy: a
//! Vietnamese-like root and issuing CA (the government's specialised CA, "chuyên dùng Chính
//! phủ"), a foreign root with its own issuing CA, personal and organisation certificates as
//! Vietnamese CAs issue them (the subject's UID carries `CCCD:`, `CMND:` or `PID:` for people,
//! `MST:` and `MNS:` for organisations; certificatePolicies name the certificate's kind), and a
//! time-stamping authority under each root.
//!
//! Every CA and signer holds a committed RSA-2048 signer key (`keys/signers.pem`, counted from
//! the end), except the RSA-1024 person, whose key the `rsa` crate derives from a fixed seed at
//! each run (as the `algorithms` profile does), and the TSAs, whose P-256 scalars are hashes of
//! fixed labels. Test material: it protects nothing. Dates, serials and names are fixed, so the
//! PKI is the same in every corpus.

use anyhow::{Context as _, Result};
use const_oid::db::{rfc4519, rfc5280};
use const_oid::ObjectIdentifier;
use der::asn1::{BitString, Ia5String, OctetString, SetOfVec};
use der::{Any, Decode, Encode, Tag};
use rand_chacha::rand_core::SeedableRng;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::crl::{CertificateList, TbsCertList};
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CertificatePolicies, CrlDistributionPoints, CrlNumber, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;
use x509_cert::{Certificate, TbsCertificate, Version};

use crate::algorithms::signers::AlgKey;
use crate::keys::{signer_key_kind, KeyKind, KeyStore, PrivateKey, SIGNER_COUNT};
use crate::manifest;
use crate::pki::{rsa_sha256_sign, sha256_with_rsa, spki_of, Tsa};
use crate::time::{date, x509_time, Unix};

/// certificatePolicies of an organisation certificate (a test value under Viet Nam's arc).
pub const POLICY_ORGANISATION: &str = "2.16.704.1.1.1.1.1";
/// certificatePolicies of a personal certificate (a test value under Viet Nam's arc).
pub const POLICY_PERSONAL: &str = "2.16.704.1.1.1.1.2";
/// The `UID` attribute (`userid`, RFC 4519: 0.9.2342.19200300.100.1.1).
pub const UID: ObjectIdentifier = rfc4519::UID;

/// The CAs, in the order of [`VnPki::cas`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VnCaId {
    /// The Vietnamese-like root (the trust anchor of the profile's policy).
    Root = 0,
    /// Issued by [`VnCaId::Root`]; issues every Vietnamese signer.
    Ca = 1,
    /// A foreign root the policy does not accept.
    ForeignRoot = 2,
    /// Issued by [`VnCaId::ForeignRoot`]; issues the foreign signers.
    ForeignCa = 3,
}

impl VnCaId {
    /// The CA above (a root is its own).
    pub fn parent(self) -> VnCaId {
        match self {
            VnCaId::Root | VnCaId::Ca => VnCaId::Root,
            VnCaId::ForeignRoot | VnCaId::ForeignCa => VnCaId::ForeignRoot,
        }
    }

    /// File stem (`pki/*/{stem}.pem`, `crls/{stem}.crl`).
    pub fn stem(self) -> &'static str {
        CAS[self as usize].0
    }
}

/// Stem and subject (DER order: C, O, CN) of each CA.
const CAS: [(&str, [&str; 3]); 4] = [
    (
        "vn-root",
        [
            "VN",
            "Ban Cơ yếu Chính phủ",
            "Test RootCA chuyên dùng Chính phủ G2",
        ],
    ),
    (
        "vn-ca",
        [
            "VN",
            "Ban Cơ yếu Chính phủ",
            "Test CA phục vụ các cơ quan Nhà nước G2",
        ],
    ),
    (
        "vn-foreign-root",
        ["US", "Example Trust Services", "Test Foreign Root CA"],
    ),
    (
        "vn-foreign-ca",
        ["US", "Example Trust Services", "Test Foreign Signing CA"],
    ),
];

/// Whether a certificate belongs to a person or to an organisation (Circular 01/2019/TT-BNV
/// wants the competent person's signature and the organisation's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A personal certificate (UID `CCCD:`, `CMND:` or `PID:`).
    Personal,
    /// An organisation certificate (UID `MST:`, optionally `MNS:`).
    Organisation,
}

impl Role {
    /// The manifest's `role`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Personal => "personal",
            Role::Organisation => "organisation",
        }
    }
}

/// A CA: certificate, key and CRL.
pub struct VnCa {
    /// Which CA.
    pub id: VnCaId,
    /// The certificate.
    pub cert: Certificate,
    /// Its DER encoding.
    pub der: Vec<u8>,
    /// Its subject key identifier.
    ski: Vec<u8>,
    /// Index of its key in [`KeyStore::signers`].
    key: usize,
    /// Its (empty) CRL, DER.
    pub crl: Vec<u8>,
}

/// A signer: certificate and private key.
pub struct VnSigner {
    /// Person or organisation.
    pub role: Role,
    /// Common name (UTF-8, with diacritics).
    pub common_name: String,
    /// The UIDs, e.g. `CCCD:001090012345`, or `MST:0102357802` and `MNS:1032158`.
    pub uids: Vec<String>,
    /// The subject as an RFC 4514 string (most significant last).
    pub subject: String,
    /// The issuing CA.
    pub issuer: VnCaId,
    /// The certificate.
    pub cert: Certificate,
    /// Its DER encoding.
    pub der: Vec<u8>,
    /// The private key (signed with the raw RSA operation, any hash).
    pub key: AlgKey,
    /// The key's kind, e.g. `RSA-2048`.
    pub kind: KeyKind,
}

/// The profile's PKI.
pub struct VnPki {
    /// CAs indexed by [`VnCaId`].
    pub cas: Vec<VnCa>,
    /// Competent people of organisation A: `CCCD:`, `CMND:` and `PID:` identifiers.
    pub people: Vec<VnSigner>,
    /// Organisations A (`MST:` and `MNS:`) and B (`MST:` only).
    pub organisations: Vec<VnSigner>,
    /// A person of organisation A whose key has 1024 bits.
    pub person_rsa1024: VnSigner,
    /// Organisation A's person and organisation certificates from the foreign CA.
    pub foreign_person: VnSigner,
    /// See [`VnPki::foreign_person`].
    pub foreign_organisation: VnSigner,
    /// The time-stamping authority under the Vietnamese root.
    pub tsa: Tsa,
    /// The time-stamping authority under the foreign root.
    pub foreign_tsa: Tsa,
}

/// Subject of the Vietnamese TSA.
pub const TSA_SUBJECT: &str = "CN=Test TSA chuyên dùng Chính phủ,O=Ban Cơ yếu Chính phủ,C=VN";
/// Subject of the foreign TSA.
pub const FOREIGN_TSA_SUBJECT: &str =
    "CN=Test Foreign Time-Stamping Authority,O=Example Trust Services,C=US";

/// Organisation A's name (CN of its certificate, O of its people's).
pub const ORGANISATION_A: &str = "VĂN PHÒNG BỘ TEST";
/// Organisation B's name.
pub const ORGANISATION_B: &str = "SỞ TÀI CHÍNH TỈNH TEST";

/// The `n`-th committed RSA-2048 signer key counted from the end of `keys/signers.pem`.
fn rsa2048_key(n: usize) -> usize {
    (0..SIGNER_COUNT)
        .rev()
        .filter(|&i| signer_key_kind(i) == KeyKind::Rsa(2048))
        .nth(n)
        .expect("enough RSA-2048 keys")
}

/// Serial from a label: 16 bytes of SHA-256, positive, non-zero first octet.
fn serial(label: &str) -> Result<SerialNumber> {
    let d = ring::digest::digest(
        &ring::digest::SHA256,
        format!("vn-policy {label}").as_bytes(),
    );
    let mut b = [0u8; 16];
    b.copy_from_slice(&d.as_ref()[..16]);
    b[0] = (b[0] & 0x3f) | 0x10;
    Ok(SerialNumber::new(&b)?)
}

/// RFC 5280, 4.2.1.2, method (1).
fn key_id(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    ring::digest::digest(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        spki.subject_public_key.raw_bytes(),
    )
    .as_ref()
    .to_vec()
}

fn ext<T: const_oid::AssociatedOid + Encode>(critical: bool, value: &T) -> Result<Extension> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

fn uri(s: String) -> Result<GeneralName> {
    Ok(GeneralName::UniformResourceIdentifier(Ia5String::new(&s)?))
}

/// A name from `(attribute, value)` pairs in DER order (most significant first), one attribute
/// per RDN; `C` is a PrintableString, everything else a UTF8String.
fn name(attrs: &[(ObjectIdentifier, &str)]) -> Result<Name> {
    let rdns = attrs
        .iter()
        .map(|(oid, value)| {
            let tag = if *oid == rfc4519::C {
                Tag::PrintableString
            } else {
                Tag::Utf8String
            };
            let atv = AttributeTypeAndValue {
                oid: *oid,
                value: Any::new(tag, value.as_bytes())?,
            };
            Ok(RelativeDistinguishedName(SetOfVec::try_from(vec![atv])?))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RdnSequence(rdns))
}

/// The RFC 4514 string of a name given in DER order.
fn rfc4514(attrs: &[(ObjectIdentifier, &str)]) -> String {
    attrs
        .iter()
        .rev()
        .map(|(oid, v)| {
            let key = match *oid {
                o if o == rfc4519::C => "C",
                o if o == rfc4519::O => "O",
                o if o == rfc4519::CN => "CN",
                o if o == rfc4519::ST => "ST",
                _ => "UID",
            };
            let v = v
                .replace('\\', "\\\\")
                .replace(',', "\\,")
                .replace('+', "\\+");
            format!("{key}={v}")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// What a certificate is.
enum Profile<'a> {
    /// A CA with this path length constraint (none for a root).
    Ca(Option<u8>),
    /// A time-stamping unit.
    Tsa,
    /// A signer with this certificate policy.
    Signer(&'a str),
}

struct Spec<'a> {
    label: &'a str,
    subject: Name,
    spki: SubjectPublicKeyInfoOwned,
    not_before: Unix,
    not_after: Unix,
    profile: Profile<'a>,
}

/// Issues `spec` by `issuer` (`None`: self-signed with `self_key`).
fn issue(
    keys: &KeyStore,
    spec: Spec<'_>,
    issuer: Option<&VnCa>,
    self_key: usize,
    base_url: &str,
) -> Result<(Certificate, Vec<u8>)> {
    let ski = key_id(&spec.spki);
    let mut exts = Vec::new();
    match spec.profile {
        Profile::Ca(path_len) => {
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
        Profile::Tsa => {
            exts.push(ext(true, &KeyUsage(KeyUsages::DigitalSignature.into()))?);
            exts.push(ext(
                true,
                &ExtendedKeyUsage(vec![rfc5280::ID_KP_TIME_STAMPING]),
            )?);
        }
        Profile::Signer(policy) => {
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
            exts.push(ext(
                false,
                &ExtendedKeyUsage(vec![
                    rfc5280::ID_KP_EMAIL_PROTECTION,
                    rfc5280::ID_KP_CLIENT_AUTH,
                ]),
            )?);
            exts.push(ext(
                false,
                &CertificatePolicies(vec![PolicyInformation {
                    policy_identifier: ObjectIdentifier::new_unwrap(policy),
                    policy_qualifiers: None,
                }]),
            )?);
        }
    }
    exts.push(ext(false, &SubjectKeyIdentifier(OctetString::new(ski)?))?);
    if let Some(ca) = issuer {
        exts.push(ext(
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(ca.ski.clone())?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
        )?);
        // CRL distribution point and caIssuers on the corpus' mirror; no OCSP URL (the
        // corpus' responder answers for its own hierarchy only).
        let stem = ca.id.stem();
        exts.push(ext(
            false,
            &CrlDistributionPoints(vec![DistributionPoint {
                distribution_point: Some(DistributionPointName::FullName(vec![uri(format!(
                    "{base_url}{}",
                    crate::mirror::crl_path(stem)
                ))?])),
                reasons: None,
                crl_issuer: None,
            }]),
        )?);
        exts.push(ext(
            false,
            &AuthorityInfoAccessSyntax(vec![AccessDescription {
                access_method: ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2"),
                access_location: uri(format!("{base_url}{}", crate::mirror::cert_path(stem)))?,
            }]),
        )?);
    }
    let (issuer_name, signing_key) = match issuer {
        Some(ca) => (ca.cert.tbs_certificate.subject.clone(), ca.key),
        None => (spec.subject.clone(), self_key),
    };
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: serial(spec.label)?,
        signature: sha256_with_rsa(),
        issuer: issuer_name,
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
    let sig = rsa_sha256_sign(&keys.signers[signing_key], &tbs.to_der()?)?;
    let cert = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: sha256_with_rsa(),
        signature: BitString::from_bytes(&sig)?,
    };
    let der = cert.to_der()?;
    Ok((cert, der))
}

/// An empty CRL of `ca` (thisUpdate 2026-06-01, after every signing time; nextUpdate 2036).
fn crl(keys: &KeyStore, ca: &VnCa) -> Result<Vec<u8>> {
    let tbs = TbsCertList {
        version: Version::V2,
        signature: sha256_with_rsa(),
        issuer: ca.cert.tbs_certificate.subject.clone(),
        this_update: x509_time(date(2026, 6, 1)),
        next_update: Some(x509_time(date(2036, 6, 1))),
        revoked_certificates: None,
        crl_extensions: Some(vec![
            ext(
                false,
                &AuthorityKeyIdentifier {
                    key_identifier: Some(OctetString::new(ca.ski.clone())?),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
            )?,
            ext(false, &CrlNumber(der::asn1::Uint::new(&[0x07])?))?,
        ]),
    };
    let sig = rsa_sha256_sign(&keys.signers[ca.key], &tbs.to_der()?)?;
    Ok(CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: sha256_with_rsa(),
        signature: BitString::from_bytes(&sig)?,
    }
    .to_der()?)
}

/// The committed key `index` as an `rsa` crate key.
fn rsa_key(keys: &KeyStore, index: usize) -> Result<rsa::RsaPrivateKey> {
    use rsa::pkcs8::DecodePrivateKey;
    match &keys.signers[index] {
        PrivateKey::Rsa { pkcs8, .. } => Ok(rsa::RsaPrivateKey::from_pkcs8_der(pkcs8)?),
        PrivateKey::P256(_) => anyhow::bail!("key {index} is not RSA"),
    }
}

fn rsa_spki(key: &rsa::RsaPrivateKey) -> Result<SubjectPublicKeyInfoOwned> {
    use rsa::pkcs8::EncodePublicKey;
    let der = key.to_public_key().to_public_key_der()?;
    Ok(SubjectPublicKeyInfoOwned::from_der(der.as_bytes())?)
}

/// A TSA's P-256 key: SHA-256 of a fixed label.
fn tsa_key(label: &str) -> Result<PrivateKey> {
    let d = ring::digest::digest(
        &ring::digest::SHA256,
        format!("sigaudit-corpus vn-policy {label} time-stamping key").as_bytes(),
    );
    Ok(PrivateKey::P256(p256::ecdsa::SigningKey::from_slice(
        d.as_ref(),
    )?))
}

/// Who a signer is: common name, UIDs, O and the certificate policy.
struct Who<'a> {
    label: &'a str,
    role: Role,
    common_name: &'a str,
    uids: &'a [&'a str],
    organisation: &'a str,
}

const HANOI: &str = "Hà Nội";

impl VnPki {
    /// Builds the PKI (CRL distribution points and caIssuers URLs under `base_url`).
    pub fn build(keys: &KeyStore, base_url: &str) -> Result<VnPki> {
        let mut cas: Vec<VnCa> = Vec::new();
        for (i, id) in [
            VnCaId::Root,
            VnCaId::Ca,
            VnCaId::ForeignRoot,
            VnCaId::ForeignCa,
        ]
        .into_iter()
        .enumerate()
        {
            let key = rsa2048_key(i);
            let spki = spki_of(&keys.signers[key])?;
            let ski = key_id(&spki);
            let [c, o, cn] = CAS[i].1;
            let root = id.parent() == id;
            let spec = Spec {
                label: id.stem(),
                subject: name(&[(rfc4519::C, c), (rfc4519::O, o), (rfc4519::CN, cn)])?,
                spki,
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
                profile: Profile::Ca(if root { None } else { Some(0) }),
            };
            let parent = (!root).then(|| &cas[id.parent() as usize]);
            let (cert, der) = issue(keys, spec, parent, key, base_url)?;
            cas.push(VnCa {
                id,
                cert,
                der,
                ski,
                key,
                crl: Vec::new(),
            });
        }
        for ca in cas.iter_mut() {
            ca.crl = crl(keys, ca)?;
        }

        let signer = |who: Who<'_>, issuer: VnCaId, key: rsa::RsaPrivateKey| -> Result<VnSigner> {
            let mut attrs: Vec<(ObjectIdentifier, &str)> = vec![
                (rfc4519::C, "VN"),
                (rfc4519::ST, HANOI),
                (rfc4519::O, who.organisation),
                (rfc4519::CN, who.common_name),
            ];
            attrs.extend(who.uids.iter().map(|u| (UID, *u)));
            let policy = match who.role {
                Role::Personal => POLICY_PERSONAL,
                Role::Organisation => POLICY_ORGANISATION,
            };
            let spki = rsa_spki(&key)?;
            let (cert, der) = issue(
                keys,
                Spec {
                    label: who.label,
                    subject: name(&attrs)?,
                    spki,
                    not_before: date(2025, 1, 1),
                    not_after: date(2028, 12, 31),
                    profile: Profile::Signer(policy),
                },
                Some(&cas[issuer as usize]),
                0,
                base_url,
            )
            .with_context(|| who.label.to_string())?;
            use rsa::traits::PublicKeyParts;
            Ok(VnSigner {
                role: who.role,
                common_name: who.common_name.to_string(),
                uids: who.uids.iter().map(|u| u.to_string()).collect(),
                subject: rfc4514(&attrs),
                issuer,
                cert,
                der,
                kind: KeyKind::Rsa(key.size() as u32 * 8),
                key: AlgKey::Rsa(Box::new(key)),
            })
        };
        let person = |label, cn, uid, n, issuer| {
            signer(
                Who {
                    label,
                    role: Role::Personal,
                    common_name: cn,
                    uids: &[uid],
                    organisation: ORGANISATION_A,
                },
                issuer,
                rsa_key(keys, rsa2048_key(n))?,
            )
        };
        let people = vec![
            person(
                "person-cccd",
                "Nguyễn Văn An",
                "CCCD:001090012345",
                4,
                VnCaId::Ca,
            )?,
            person(
                "person-cmnd",
                "Trần Thị Bình",
                "CMND:012345678",
                5,
                VnCaId::Ca,
            )?,
            person(
                "person-pid",
                "Lê Hoàng Cường",
                "PID:079088001234",
                6,
                VnCaId::Ca,
            )?,
        ];
        let organisations = vec![
            signer(
                Who {
                    label: "organisation-a",
                    role: Role::Organisation,
                    common_name: ORGANISATION_A,
                    uids: &["MST:0102357802", "MNS:1032158"],
                    organisation: "BỘ TEST",
                },
                VnCaId::Ca,
                rsa_key(keys, rsa2048_key(7))?,
            )?,
            signer(
                Who {
                    label: "organisation-b",
                    role: Role::Organisation,
                    common_name: ORGANISATION_B,
                    uids: &["MST:0301122334"],
                    organisation: "ỦY BAN NHÂN DÂN TỈNH TEST",
                },
                VnCaId::Ca,
                rsa_key(keys, rsa2048_key(8))?,
            )?,
        ];
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0x0704_1024);
        let person_rsa1024 = signer(
            Who {
                label: "person-rsa1024",
                role: Role::Personal,
                common_name: "Phạm Minh Đức",
                uids: &["CCCD:001088004321"],
                organisation: ORGANISATION_A,
            },
            VnCaId::Ca,
            rsa::RsaPrivateKey::new(&mut rng, 1024)?,
        )?;
        let foreign_person = person(
            "foreign-person",
            "Nguyễn Văn An",
            "CCCD:001090012345",
            9,
            VnCaId::ForeignCa,
        )?;
        let foreign_organisation = signer(
            Who {
                label: "foreign-organisation",
                role: Role::Organisation,
                common_name: ORGANISATION_A,
                uids: &["MST:0102357802", "MNS:1032158"],
                organisation: "BỘ TEST",
            },
            VnCaId::ForeignCa,
            rsa_key(keys, rsa2048_key(10))?,
        )?;

        let tsa = |label: &'static str, subject: &str, attrs: [&str; 3], root: VnCaId| {
            let key = tsa_key(label)?;
            let [c, o, cn] = attrs;
            let (cert, der) = issue(
                keys,
                Spec {
                    label,
                    subject: name(&[(rfc4519::C, c), (rfc4519::O, o), (rfc4519::CN, cn)])?,
                    spki: spki_of(&key)?,
                    not_before: date(2021, 1, 1),
                    not_after: date(2040, 12, 31),
                    profile: Profile::Tsa,
                },
                Some(&cas[root as usize]),
                0,
                base_url,
            )?;
            anyhow::Ok(Tsa {
                name: label,
                cert,
                der,
                subject: subject.to_string(),
                key,
            })
        };
        let tsa_main = tsa(
            "vn-tsa",
            TSA_SUBJECT,
            [
                "VN",
                "Ban Cơ yếu Chính phủ",
                "Test TSA chuyên dùng Chính phủ",
            ],
            VnCaId::Root,
        )?;
        let foreign_tsa = tsa(
            "vn-foreign-tsa",
            FOREIGN_TSA_SUBJECT,
            [
                "US",
                "Example Trust Services",
                "Test Foreign Time-Stamping Authority",
            ],
            VnCaId::ForeignRoot,
        )?;
        Ok(VnPki {
            cas,
            people,
            organisations,
            person_rsa1024,
            foreign_person,
            foreign_organisation,
            tsa: tsa_main,
            foreign_tsa,
        })
    }

    /// The CA with the given id.
    pub fn ca(&self, id: VnCaId) -> &VnCa {
        &self.cas[id as usize]
    }

    /// The manifest's record of a certificate issued by `issuer`: its hash and the CAs up to
    /// the root.
    pub fn cert_path(&self, der: &[u8], issuer: VnCaId) -> manifest::CertPath {
        let kind = KeyKind::Rsa(2048).to_string();
        let mut issuers = vec![manifest::Issuer {
            ca: issuer.stem().to_string(),
            key: kind.clone(),
        }];
        let mut ca = issuer;
        while ca.parent() != ca {
            ca = ca.parent();
            issuers.push(manifest::Issuer {
                ca: ca.stem().to_string(),
                key: kind.clone(),
            });
        }
        manifest::CertPath {
            certificate: crate::sha256_hex(der),
            issuers,
        }
    }

    /// Who signs a TSA's tokens, for the manifest.
    pub fn token_signer(&self, tsa: &Tsa) -> manifest::TokenSigner {
        let root = if std::ptr::eq(tsa, &self.tsa) {
            VnCaId::Root
        } else {
            VnCaId::ForeignRoot
        };
        manifest::TokenSigner {
            key: tsa.key.kind().to_string(),
            path: self.cert_path(&tsa.der, root),
        }
    }
}
