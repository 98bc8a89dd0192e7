//! Revocation status from offline sources: CRLs (RFC 5280, 5) and OCSP responses (RFC 6960).
//!
//! Sources are the CMS (`crls`, the adbe-revocationInfoArchival attribute), the document's DSS,
//! and the files given with `--crl`/`--ocsp`. Each distinct CRL is parsed once per run and its
//! revoked serials indexed in a hash map (national CRLs hold hundreds of thousands of entries);
//! its signature is checked once per issuer. OCSP results are cached per (response, certificate).

mod caches;

pub use caches::{Caches, KnownBytes, KnownStream};

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::asn1::{tag, Tlv};
use crate::cache::FastMap;
use crate::crypto::{self, DigestAlgorithm};
use crate::pki::cert::{fingerprint, Cert, Fingerprint, SignedEnvelope};

/// Why revocation data was unusable.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevocationError {
    /// The CRL or response does not parse.
    Malformed(String),
    /// The OCSP response status is not `successful`.
    Unsuccessful(u64),
}

impl fmt::Display for RevocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RevocationError::Malformed(m) => write!(f, "malformed revocation data: {m}"),
            RevocationError::Unsuccessful(s) => write!(f, "OCSP responseStatus {s}"),
        }
    }
}

impl std::error::Error for RevocationError {}

/// Revoked serial (magnitude octets) → (revocationDate, reasonCode).
pub type RevokedIndex = FastMap<Vec<u8>, (i64, Option<u8>)>;

/// A parsed CRL with its revoked serials indexed.
#[derive(Debug)]
pub struct Crl {
    /// SHA-256 of the DER.
    pub sha256: Fingerprint,
    /// Issuer `Name`, whole DER element.
    pub issuer_raw: Vec<u8>,
    /// `thisUpdate`.
    pub this_update: i64,
    /// `nextUpdate`.
    pub next_update: Option<i64>,
    /// The `expiredCertsOnCRL` extension's date (ITU-T X.509 (2016), 9.6.2.9; 2.5.29.60): the
    /// CRL keeps the entries of certificates that expired at or after it. Without it, RFC 5280
    /// (3.3) lets a CA drop a certificate from its CRLs once the certificate has expired.
    pub expired_certs_on_crl: Option<i64>,
    /// Revoked serial (magnitude octets) → (revocationDate, reasonCode).
    pub revoked: RevokedIndex,
    /// The signed envelope.
    pub signed: SignedEnvelope,
    /// Estimated bytes held on the heap (what a cache of it costs), counted once at parse.
    pub heap_bytes: u64,
}

impl Crl {
    /// Parses a DER CRL (RFC 5280, 5.1):
    /// ```text
    /// TBSCertList ::= SEQUENCE { version Version OPTIONAL, signature AlgorithmIdentifier,
    ///   issuer Name, thisUpdate Time, nextUpdate Time OPTIONAL,
    ///   revokedCertificates SEQUENCE OF SEQUENCE { userCertificate CertificateSerialNumber,
    ///     revocationDate Time, crlEntryExtensions Extensions OPTIONAL } OPTIONAL,
    ///   crlExtensions [0] EXPLICIT Extensions OPTIONAL }
    /// ```
    /// Read with sigaudit's BER reader, one pass over the entries straight into the serial
    /// index: a national CA's CRL holds thousands of entries, and a general parser's
    /// representation of each (extensions parsed, times converted twice) cost five times more
    /// before the first document could start. Nothing in it is trusted before its signature
    /// is checked against the issuer's key.
    pub fn parse(der: &[u8]) -> Result<Crl, RevocationError> {
        let bad = |m: String| RevocationError::Malformed(format!("CRL: {m}"));
        let signed = SignedEnvelope::parse(der, "CRL").map_err(|e| bad(e.to_string()))?;
        let tbs = Tlv::parse_whole(&signed.tbs)
            .and_then(|t| t.expect(tag::SEQUENCE, "TBSCertList"))
            .map_err(|e| bad(e.to_string()))?;
        let mut fields = tbs.children().peekable();
        let mut next = |what: &str| -> Result<Tlv<'_>, RevocationError> {
            fields
                .next()
                .ok_or_else(|| bad(format!("no {what}")))?
                .map_err(|e| bad(format!("{what}: {e}")))
        };
        let mut first = next("signature")?;
        // Version (v2 when present, RFC 5280 5.1.2.1): its value decides nothing read here.
        if first.is(tag::INTEGER) {
            first = next("signature")?;
        }
        first
            .expect(tag::SEQUENCE, "signature")
            .map_err(|e| bad(e.to_string()))?;
        let issuer = next("issuer")?
            .expect(tag::SEQUENCE, "issuer")
            .map_err(|e| bad(e.to_string()))?;
        let this_update = next("thisUpdate")?
            .time()
            .map_err(|e| bad(format!("thisUpdate: {e}")))?;
        let mut next_update = None;
        let mut revoked = FastMap::default();
        let mut extensions = None;
        for field in fields {
            let field = field.map_err(|e| bad(e.to_string()))?;
            if field.is(tag::UTC_TIME) || field.is(tag::GENERALIZED_TIME) {
                if next_update.is_some() || !revoked.is_empty() || extensions.is_some() {
                    return Err(bad("nextUpdate out of place".into()));
                }
                next_update = Some(field.time().map_err(|e| bad(format!("nextUpdate: {e}")))?);
            } else if field.is(tag::SEQUENCE) && extensions.is_none() {
                revoked = revoked_entries(&field).map_err(bad)?;
            } else if field.is_context(0) && extensions.is_none() {
                extensions = Some(field);
            } else {
                return Err(bad("unexpected element in TBSCertList".into()));
            }
        }
        let expired_certs_on_crl = match extensions {
            Some(e) => crl_extension(&e, &EXPIRED_CERTS_ON_CRL)
                .map_err(bad)?
                .and_then(|v| Tlv::parse_whole(v).ok()?.time().ok()),
            None => None,
        };
        // The serial index costs, per entry, its table slot and the serial's allocation.
        let per_entry = std::mem::size_of::<(Vec<u8>, (i64, Option<u8>))>() + 8 + 16;
        let serials: usize = revoked.keys().map(Vec::len).sum();
        let heap_bytes = (std::mem::size_of::<Crl>()
            + revoked.capacity() * per_entry
            + serials
            + signed.tbs.len()
            + signed.signature.len()
            + issuer.raw.len()) as u64;
        Ok(Crl {
            heap_bytes,
            expired_certs_on_crl,
            sha256: fingerprint(der),
            issuer_raw: issuer.raw.to_vec(),
            this_update,
            next_update,
            revoked,
            signed,
        })
    }
}

/// `revokedCertificates` indexed by serial (magnitude octets): (revocationDate, reasonCode).
/// A serial listed twice keeps its earliest date.
fn revoked_entries(list: &Tlv<'_>) -> Result<RevokedIndex, String> {
    // An entry takes some 35–45 bytes (serial, UTCTime, often a reasonCode): the table is
    // sized once instead of growing a dozen times.
    let mut revoked = RevokedIndex::default();
    revoked.reserve(list.content.len() / 48);
    for entry in list.children() {
        let entry = entry
            .and_then(|e| e.expect(tag::SEQUENCE, "revoked certificate"))
            .map_err(|e| e.to_string())?;
        let mut c = entry.children();
        let mut next = |what: &str| -> Result<Tlv<'_>, String> {
            c.next()
                .ok_or_else(|| format!("revoked certificate without {what}"))?
                .map_err(|e| format!("{what}: {e}"))
        };
        let serial = next("serial")?;
        if !serial.is(tag::INTEGER) {
            return Err("revoked certificate serial is not an INTEGER".into());
        }
        let at = next("revocationDate")?
            .time()
            .map_err(|e| format!("revocationDate: {e}"))?;
        let reason = match c.next() {
            None => None,
            Some(exts) => reason_code(&exts.map_err(|e| e.to_string())?),
        };
        if c.next().is_some() {
            return Err("revoked certificate with extra elements".into());
        }
        revoked
            .entry(crate::asn1::strip_leading_zeros(serial.content).to_vec())
            .and_modify(|e| e.0 = e.0.min(at))
            .or_insert((at, reason));
    }
    Ok(revoked)
}

/// The `CRLReason` of an entry's extensions (RFC 5280, 5.3.1: id-ce-cRLReasons, ENUMERATED).
/// Extensions or a reason that do not read give no reason: the entry — the revocation itself —
/// stands (x509-parser, read before, kept such entries too).
fn reason_code(exts: &Tlv<'_>) -> Option<u8> {
    let v = extension_value(exts, &REASON_CODE).ok()??;
    let t = Tlv::parse_whole(v).ok()?;
    (t.is(tag::ENUMERATED) && t.content.len() == 1).then(|| t.content[0])
}

/// The value of extension `oid` in the CRL's `[0] EXPLICIT Extensions`.
fn crl_extension<'a>(
    explicit: &Tlv<'a>,
    oid: &crate::asn1::Oid,
) -> Result<Option<&'a [u8]>, String> {
    let exts = explicit
        .children()
        .next()
        .ok_or("empty crlExtensions")?
        .map_err(|e| e.to_string())?;
    extension_value(&exts, oid)
}

/// The extnValue of extension `oid` in `Extensions ::= SEQUENCE OF SEQUENCE { extnID,
/// critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }`.
fn extension_value<'a>(exts: &Tlv<'a>, oid: &crate::asn1::Oid) -> Result<Option<&'a [u8]>, String> {
    if !exts.is(tag::SEQUENCE) {
        return Err("extensions are not a SEQUENCE".into());
    }
    for ext in exts.children() {
        let ext = ext.map_err(|e| e.to_string())?;
        let items = ext.items().map_err(|e| e.to_string())?;
        let (id, value) = match items.as_slice() {
            [id, value] | [id, _, value] => (id, value),
            _ => return Err("extension is not (extnID, critical?, extnValue)".into()),
        };
        if !id.is(tag::OID) {
            return Err("extnID is not an OBJECT IDENTIFIER".into());
        }
        if !value.is(tag::OCTET_STRING) || value.constructed {
            return Err("extnValue is not a primitive OCTET STRING".into());
        }
        if id.content == oid.as_bytes() {
            return Ok(Some(value.content));
        }
    }
    Ok(None)
}

/// One `SingleResponse`'s status (RFC 6960, 4.2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OcspStatus {
    /// `good`, with thisUpdate and nextUpdate.
    Good {
        /// thisUpdate.
        this_update: i64,
        /// nextUpdate.
        next_update: Option<i64>,
        /// The response's archiveCutoff, if any (copied from the response's extensions).
        archive_cutoff: Option<i64>,
    },
    /// `revoked` at the given time.
    Revoked {
        /// revocationTime.
        at: i64,
        /// revocationReason.
        reason: Option<u8>,
    },
    /// `unknown`.
    Unknown,
}

/// A parsed `BasicOCSPResponse` (RFC 6960, 4.2.1):
/// ```text
/// BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData,
///   signatureAlgorithm AlgorithmIdentifier, signature BIT STRING,
///   certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
/// ResponseData ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1,
///   responderID ResponderID, producedAt GeneralizedTime,
///   responses SEQUENCE OF SingleResponse, responseExtensions [1] EXPLICIT Extensions OPTIONAL }
/// ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash }
/// SingleResponse ::= SEQUENCE { certID CertID, certStatus CertStatus,
///   thisUpdate GeneralizedTime, nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL, … }
/// CertID ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, issuerNameHash OCTET STRING,
///   issuerKeyHash OCTET STRING, serialNumber CertificateSerialNumber }
/// ```
#[derive(Clone, Debug)]
pub struct OcspResponse {
    /// SHA-256 of the DER given.
    pub sha256: Fingerprint,
    /// The signed envelope of the BasicOCSPResponse.
    pub signed: SignedEnvelope,
    /// responderID: `Ok(name DER)` for byName, `Err(key hash)` for byKey.
    pub responder: Result<Vec<u8>, Vec<u8>>,
    /// producedAt.
    pub produced_at: i64,
    /// Certificates the responder included.
    pub certs: Vec<Vec<u8>>,
    /// The single responses.
    pub responses: Vec<SingleResponse>,
    /// The archiveCutoff extension (RFC 6960, 4.4.4): the responder keeps the status of
    /// certificates that expired at or after this time.
    pub archive_cutoff: Option<i64>,
}

/// One `SingleResponse`.
#[derive(Clone, Debug)]
pub struct SingleResponse {
    /// CertID hash algorithm OID.
    pub hash_algorithm: crate::asn1::Oid,
    /// issuerNameHash.
    pub name_hash: Vec<u8>,
    /// issuerKeyHash.
    pub key_hash: Vec<u8>,
    /// serialNumber magnitude octets.
    pub serial: Vec<u8>,
    /// certStatus with its times.
    pub status: OcspStatus,
}

fn malformed(e: impl fmt::Display) -> RevocationError {
    RevocationError::Malformed(format!("OCSP: {e}"))
}

impl OcspResponse {
    /// Parses an `OCSPResponse` (or a bare `BasicOCSPResponse`, as some DSS writers store).
    pub fn parse(der: &[u8]) -> Result<OcspResponse, RevocationError> {
        let outer = Tlv::parse_whole(der).map_err(malformed)?;
        let items = outer.items().map_err(malformed)?;
        let basic: Vec<u8> = match items.first() {
            Some(status) if status.is(tag::ENUMERATED) => {
                let s = status.small_uint_enum();
                if s != 0 {
                    return Err(RevocationError::Unsuccessful(s));
                }
                // responseBytes [0] EXPLICIT ResponseBytes ::= SEQUENCE { responseType OID,
                //   response OCTET STRING }
                let rb = items
                    .get(1)
                    .filter(|t| t.is_context(0))
                    .and_then(|t| t.children().next())
                    .ok_or_else(|| malformed("no responseBytes"))?
                    .map_err(malformed)?;
                let rb = rb.items().map_err(malformed)?;
                let [kind, response] = rb.as_slice() else {
                    return Err(malformed("ResponseBytes is not a pair"));
                };
                if kind.oid().map_err(malformed)? != OCSP_BASIC {
                    return Err(malformed("response type is not id-pkix-ocsp-basic"));
                }
                response.octets().map_err(malformed)?.into_owned()
            }
            _ => der.to_vec(),
        };
        Self::parse_basic(&basic, fingerprint(der))
    }

    fn parse_basic(der: &[u8], sha256: Fingerprint) -> Result<OcspResponse, RevocationError> {
        let signed = SignedEnvelope::parse(der, "BasicOCSPResponse")
            .map_err(|e| RevocationError::Malformed(e.to_string()))?;
        let outer = Tlv::parse_whole(der).map_err(malformed)?;
        let items = outer.items().map_err(malformed)?;
        let certs = match items.get(3) {
            Some(t) if t.is_context(0) => match t.children().next() {
                Some(seq) => seq
                    .map_err(malformed)?
                    .children()
                    .map(|c| c.map(|c| c.raw.to_vec()))
                    .collect::<Result<_, _>>()
                    .map_err(malformed)?,
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        let tbs = Tlv::parse_whole(&signed.tbs).map_err(malformed)?;
        let mut rd = tbs.items().map_err(malformed)?.into_iter().peekable();
        if rd.peek().is_some_and(|t| t.is_context(0)) {
            rd.next();
        }
        let rid = rd.next().ok_or_else(|| malformed("no responderID"))?;
        let inner = rid
            .children()
            .next()
            .ok_or_else(|| malformed("empty responderID"))?
            .map_err(malformed)?;
        let responder = if rid.is_context(1) {
            Ok(inner.raw.to_vec())
        } else if rid.is_context(2) {
            Err(inner.octets().map_err(malformed)?.into_owned())
        } else {
            return Err(malformed("responderID of unknown form"));
        };
        let produced_at = rd
            .next()
            .ok_or_else(|| malformed("no producedAt"))?
            .time()
            .map_err(malformed)?;
        let list = rd.next().ok_or_else(|| malformed("no responses"))?;
        let archive_cutoff = rd
            .next()
            .filter(|t| t.is_context(1))
            .and_then(archive_cutoff);
        let mut responses = Vec::new();
        for sr in list.children() {
            let sr = sr.map_err(malformed)?.items().map_err(malformed)?;
            if sr.len() < 3 {
                return Err(malformed("SingleResponse too short"));
            }
            let id = sr[0].items().map_err(malformed)?;
            let [alg, name_hash, key_hash, serial] = id.as_slice() else {
                return Err(malformed("CertID is not four elements"));
            };
            let this_update = sr[2].time().map_err(malformed)?;
            let next_update = match sr.get(3) {
                Some(t) if t.is_context(0) => Some(
                    t.children()
                        .next()
                        .ok_or_else(|| malformed("empty nextUpdate"))?
                        .map_err(malformed)?
                        .time()
                        .map_err(malformed)?,
                ),
                _ => None,
            };
            let st = sr[1];
            let status = match (st.class, st.tag) {
                (asn1_rs::Class::ContextSpecific, 0) => OcspStatus::Good {
                    this_update,
                    next_update,
                    archive_cutoff,
                },
                (asn1_rs::Class::ContextSpecific, 1) => {
                    let mut c = st.children();
                    let at = c
                        .next()
                        .ok_or_else(|| malformed("no revocationTime"))?
                        .map_err(malformed)?
                        .time()
                        .map_err(malformed)?;
                    let reason = c
                        .next()
                        .and_then(Result::ok)
                        .and_then(|r| r.children().next())
                        .and_then(Result::ok)
                        .map(|e| e.small_uint_enum() as u8);
                    OcspStatus::Revoked { at, reason }
                }
                _ => OcspStatus::Unknown,
            };
            responses.push(SingleResponse {
                hash_algorithm: crate::asn1::AlgorithmIdentifier::from_tlv(*alg)
                    .map_err(malformed)?
                    .oid,
                name_hash: name_hash.octets().map_err(malformed)?.into_owned(),
                key_hash: key_hash.octets().map_err(malformed)?.into_owned(),
                serial: serial.integer().map_err(malformed)?.to_vec(),
                status,
            });
        }
        Ok(OcspResponse {
            sha256,
            signed,
            responder,
            produced_at,
            certs,
            responses,
            archive_cutoff,
        })
    }
}

/// The archiveCutoff in `responseExtensions [1] EXPLICIT Extensions` (RFC 6960, 4.4.4:
/// `ArchiveCutoff ::= GeneralizedTime`), if present and readable.
fn archive_cutoff(exts: Tlv<'_>) -> Option<i64> {
    let list = exts.children().next()?.ok()?;
    for ext in list.children().filter_map(Result::ok) {
        let items = ext.items().ok()?;
        if items.first()?.oid().ok()? != ARCHIVE_CUTOFF {
            continue;
        }
        let value = items.last()?.octets().ok()?;
        return Tlv::parse_whole(&value).ok()?.time().ok();
    }
    None
}

/// id-pkix-ocsp-archive-cutoff (RFC 6960, 4.4.4).
const ARCHIVE_CUTOFF: crate::asn1::Oid = crate::asn1::Oid::new_unwrap("1.3.6.1.5.5.7.48.1.6");
/// id-ce-expiredCertsOnCRL (ITU-T X.509, 9.6.2.9).
const EXPIRED_CERTS_ON_CRL: crate::asn1::Oid = crate::asn1::Oid::new_unwrap("2.5.29.60");
/// id-ce-cRLReasons (RFC 5280, 5.3.1).
const REASON_CODE: crate::asn1::Oid = crate::asn1::Oid::new_unwrap("2.5.29.21");

trait EnumValue {
    fn small_uint_enum(&self) -> u64;
}

impl EnumValue for Tlv<'_> {
    /// ENUMERATED and INTEGER share their encoding; an out-of-range value reads as `u64::MAX`.
    fn small_uint_enum(&self) -> u64 {
        if self.content.len() > 8 {
            return u64::MAX;
        }
        self.content
            .iter()
            .fold(0u64, |v, &x| (v << 8) | u64::from(x))
    }
}

/// id-pkix-ocsp-basic (RFC 6960, 4.2.1).
const OCSP_BASIC: crate::asn1::Oid = crate::asn1::Oid::new_unwrap("1.3.6.1.5.5.7.48.1.1");

fn hash(alg_oid: &crate::asn1::Oid, data: &[u8]) -> Option<Vec<u8>> {
    let alg = DigestAlgorithm::from_oid(alg_oid)?;
    Some(alg.digest(data).as_ref().to_vec())
}

/// The revocation material available for one signature, parsed: CRLs through the run's cache
/// (each distinct CRL hashed and parsed once per document at most, not per lookup), OCSP
/// responses with their fingerprints.
#[derive(Default, Clone)]
pub struct Sources<'a> {
    /// Parsed CRLs.
    pub crls: Vec<Arc<Crl>>,
    /// CRLs that did not parse.
    pub unreadable_crls: usize,
    /// OCSP responses: (SHA-256, DER).
    pub ocsps: Vec<(Fingerprint, &'a [u8])>,
    /// The fingerprints of the CRLs and responses added through the methods, so that adding
    /// is one probe: a DSS may list up to 100,000 of them.
    added: crate::cache::FastSet<Fingerprint>,
}

impl<'a> Sources<'a> {
    /// Adds a CRL by its DER.
    pub fn add_crl(&mut self, der: &[u8], caches: &Caches) {
        self.add_crl_known(fingerprint(der), der, caches);
    }

    /// Adds a CRL already parsed.
    pub fn add_parsed(&mut self, crl: Arc<Crl>) {
        if self.added.insert(crl.sha256) {
            self.crls.push(crl)
        }
    }

    /// Adds CRLs as they are, even one already here (the run's own, given with `--crl`).
    pub fn extend_crls<'c>(&mut self, crls: impl IntoIterator<Item = &'c Arc<Crl>>) {
        for c in crls {
            self.added.insert(c.sha256);
            self.crls.push(Arc::clone(c));
        }
    }

    /// Adds a CRL whose SHA-256 the caller already knows (a fetched body, hashed once).
    pub fn add_crl_known(&mut self, fp: Fingerprint, der: &[u8], caches: &Caches) {
        match caches
            .crls
            .get_or_compute(fp, || Crl::parse(der).ok().map(Arc::new))
        {
            Some(c) => self.add_parsed(c),
            None => self.unreadable_crls += 1,
        }
    }

    /// Adds an OCSP response by its DER.
    pub fn add_ocsp(&mut self, der: &'a [u8]) {
        let fp = fingerprint(der);
        if self.added.insert(fp) {
            self.ocsps.push((fp, der));
        }
    }
}

/// What the revocation sources say of one certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// A current CRL or OCSP response says the certificate is not revoked.
    Good {
        /// `crl` or `ocsp`.
        source: &'static str,
        /// The SHA-256 of the CRL or OCSP response that says so.
        object: Fingerprint,
    },
    /// Revoked at `at` (seconds since the epoch).
    Revoked {
        /// Revocation time.
        at: i64,
        /// CRLReason code, if given.
        reason: Option<u8>,
        /// `crl` or `ocsp`.
        source: &'static str,
        /// The SHA-256 of the CRL or OCSP response that says so.
        object: Fingerprint,
    },
    /// No usable data.
    Unknown {
        /// Why.
        reason: String,
    },
}

/// Looks up the status of `cert` (issued by `issuer`) at validation time `time`.
///
/// A CRL counts if its issuer name equals the certificate's issuer, its signature verifies with
/// the issuer's key and `thisUpdate <= time`; a listed serial is revoked whatever the CRL's age
/// (revocation is permanent), an unlisted one is good only while the CRL is current
/// (`time <= nextUpdate`). An OCSP response counts if it is signed by the issuer or by a
/// responder certificate the issuer signed with the id-kp-OCSPSigning purpose, and its CertID
/// names the certificate.
pub fn status(
    cert: &Cert,
    issuer: &Cert,
    sources: &Sources<'_>,
    time: i64,
    pki: &crate::pki::Caches,
    caches: &Caches,
) -> Status {
    let mut good: Option<(&'static str, Fingerprint)> = None;
    let mut revoked: Option<Status> = None;
    let mut notes: Vec<String> = Vec::new();
    let mut note_revoked = |at: i64, reason: Option<u8>, source: &'static str, object| {
        let earlier = match &revoked {
            Some(Status::Revoked { at: prev, .. }) => at < *prev,
            _ => true,
        };
        if earlier {
            revoked = Some(Status::Revoked {
                at,
                reason,
                source,
                object,
            });
        }
    };
    if sources.unreadable_crls > 0 {
        notes.push("a CRL does not parse".into());
    }
    for crl in &sources.crls {
        if crl.issuer_raw != cert.issuer_raw {
            continue;
        }
        let signed = caches
            .crl_signatures
            .get_or_compute((crl.sha256, issuer.sha256), || {
                crl.signed.verify(&issuer.key).is_ok()
            });
        if !signed {
            notes.push("a CRL of the issuer has a bad signature".into());
            continue;
        }
        if crl.this_update > time {
            notes.push("the CRL was issued after the validation time".into());
            continue;
        }
        if let Some(&(at, reason)) = crl.revoked.get(&cert.serial) {
            note_revoked(at, reason, "crl", crl.sha256);
        } else if !keeps_expired(cert, crl.this_update, crl.expired_certs_on_crl) {
            notes.push(format!(
                "the issuer's CRL of {} was issued after the certificate expired ({}) and does \
                 not keep expired certificates (no expiredCertsOnCRL): its silence proves nothing",
                crate::asn1::rfc3339(crl.this_update),
                crate::asn1::rfc3339(cert.not_after)
            ));
        } else if crl.next_update.is_none_or(|n| time <= n) {
            good = Some(("crl", crl.sha256));
        } else {
            notes.push("the issuer's CRL is past its nextUpdate".into());
        }
    }
    for &(fp, der) in &sources.ocsps {
        let st = caches
            .ocsp
            .get_or_compute((fp, cert.sha256, issuer.sha256), || {
                ocsp_status(der, cert, issuer, pki)
            });
        match st {
            Some(OcspStatus::Revoked { at, reason }) => note_revoked(at, reason, "ocsp", fp),
            Some(OcspStatus::Good {
                this_update,
                next_update,
                archive_cutoff,
            }) => {
                if !keeps_expired(cert, this_update, archive_cutoff) {
                    notes.push(format!(
                        "the OCSP response of {} is later than the certificate's expiry ({}) \
                         and has no archiveCutoff covering it",
                        crate::asn1::rfc3339(this_update),
                        crate::asn1::rfc3339(cert.not_after)
                    ));
                } else if this_update <= time && next_update.is_none_or(|n| time <= n) {
                    good = good.or(Some(("ocsp", fp)));
                } else {
                    notes.push("the OCSP response is not current".into());
                }
            }
            Some(OcspStatus::Unknown) => notes.push("OCSP says unknown".into()),
            None => {}
        }
    }
    if let Some(r) = revoked {
        return r;
    }
    if let Some((source, object)) = good {
        return Status::Good { source, object };
    }
    notes.dedup();
    Status::Unknown {
        reason: if notes.is_empty() {
            format!("no CRL or OCSP response for issuer {:?}", issuer.subject)
        } else {
            notes.join("; ")
        },
    }
}

/// Whether revocation data issued at `issued` can still speak for `cert`: it was issued while
/// the certificate was valid, or it keeps expired certificates from a date no later than the
/// certificate's expiry (CRL `expiredCertsOnCRL`, OCSP `archiveCutoff`). RFC 5280 (3.3, 5.3.3)
/// lets a CA remove an expired certificate from its CRLs, so a CRL issued after the expiry that
/// does not list the certificate does not show it was never revoked (EN 319 102-1, 5.2.5: the
/// revocation data must be able to speak for the time it is used for).
fn keeps_expired(cert: &Cert, issued: i64, keeps_from: Option<i64>) -> bool {
    issued <= cert.not_after || keeps_from.is_some_and(|k| k <= cert.not_after)
}

/// The status an OCSP response gives `cert`, if it is an authentic response about it.
fn ocsp_status(
    der: &[u8],
    cert: &Cert,
    issuer: &Cert,
    caches: &crate::pki::Caches,
) -> Option<OcspStatus> {
    let resp = OcspResponse::parse(der).ok()?;
    let single = resp.responses.iter().find(|r| {
        r.serial == cert.serial
            && hash(&r.hash_algorithm, &issuer.subject_raw).as_deref() == Some(&r.name_hash[..])
            && hash(&r.hash_algorithm, &issuer.key.bits).as_deref() == Some(&r.key_hash[..])
    })?;
    let names = |c: &Cert| match &resp.responder {
        Ok(name) => *name == c.subject_raw,
        Err(key_hash) => hash(&crypto::oid::SHA1, &c.key.bits).as_deref() == Some(&key_hash[..]),
    };
    let signer = if names(issuer) {
        issuer.clone()
    } else {
        // A delegated responder (RFC 6960, 4.2.2.2): issued by the CA, id-kp-OCSPSigning.
        let delegated = resp
            .certs
            .iter()
            .filter_map(|d| caches.certificate(d))
            .find(|c| names(c))?;
        let purpose = delegated.eku.as_ref().is_some_and(|e| e.ocsp_signing);
        let issued = delegated.could_be_issued_by(issuer)
            && crate::pki::signed_by(&delegated, issuer, caches).is_ok();
        if !purpose || !issued {
            return None;
        }
        delegated
    };
    resp.signed.verify(&signer.key).ok()?;
    Some(single.status.clone())
}

/// `thisUpdate` and `nextUpdate` of a DER CRL, read without parsing its entries (a national
/// CRL holds hundreds of thousands; freshness is asked far more often than status):
/// `TBSCertList ::= SEQUENCE { version INTEGER OPTIONAL, signature AlgorithmIdentifier,
/// issuer Name, thisUpdate Time, nextUpdate Time OPTIONAL, … }` (RFC 5280, 5.1).
pub fn crl_times(der: &[u8]) -> Option<(i64, Option<i64>)> {
    let outer = Tlv::parse_whole(der).ok()?;
    let tbs = outer.children().next()?.ok()?;
    let mut fields = tbs.children().filter_map(Result::ok).peekable();
    if fields.peek().is_some_and(|t| t.is(tag::INTEGER)) {
        fields.next();
    }
    let this_update = fields.nth(2)?.time().ok()?;
    let next_update = fields
        .next()
        .filter(|t| t.is(tag::UTC_TIME) || t.is(tag::GENERALIZED_TIME))
        .and_then(|t| t.time().ok());
    Some((this_update, next_update))
}

/// `thisUpdate` and `nextUpdate` of an OCSP response's first single response (a fetched
/// response answers one certificate).
pub fn ocsp_times(der: &[u8]) -> Option<(i64, Option<i64>)> {
    let resp = OcspResponse::parse(der).ok()?;
    let first = resp.responses.first()?;
    match first.status {
        OcspStatus::Good {
            this_update,
            next_update,
            ..
        } => Some((this_update, next_update)),
        // Revocation is permanent: a revoked answer never goes stale; `unknown` carries no
        // times here and is worth asking again.
        OcspStatus::Revoked { .. } => Some((i64::MIN, Some(i64::MAX))),
        OcspStatus::Unknown => None,
    }
}
