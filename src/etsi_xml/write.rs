//! One document's `vr:ValidationReport`.

use std::collections::BTreeMap;

use base64ct::{Base64, Encoding};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use crate::asn1::{hex, rfc3339};
use crate::crypto::DigestAlgorithm;
use crate::pki::cert::Cert;
use crate::policy::{Finding, Level};
use crate::report::{DocumentReport, RevocationReport, SignatureReport, ValidationObjects};
use crate::verdict::Indication;

/// TS 119 102-2, 4.3.10.2: the main indication URIs.
fn main_indication(i: Indication) -> &'static str {
    match i {
        Indication::TotalPassed => "urn:etsi:019102:mainindication:total-passed",
        Indication::TotalFailed => "urn:etsi:019102:mainindication:total-failed",
        Indication::Indeterminate => "urn:etsi:019102:mainindication:indeterminate",
    }
}

/// TS 119 102-2, 4.3.10.2: `urn:etsi:019102:subindication:` and the sub-indication's name
/// (ETSI EN 319 102-1, Table 6).
fn sub_indication(name: &str) -> String {
    format!("urn:etsi:019102:subindication:{name}")
}

/// XML Signature / XML Encryption digest method URIs (RFC 6931).
fn digest_uri(a: DigestAlgorithm) -> &'static str {
    match a {
        DigestAlgorithm::Sha1 => "http://www.w3.org/2000/09/xmldsig#sha1",
        DigestAlgorithm::Sha224 => "http://www.w3.org/2001/04/xmldsig-more#sha224",
        DigestAlgorithm::Sha256 => "http://www.w3.org/2001/04/xmlenc#sha256",
        DigestAlgorithm::Sha384 => "http://www.w3.org/2001/04/xmldsig-more#sha384",
        DigestAlgorithm::Sha512 => "http://www.w3.org/2001/04/xmlenc#sha512",
        DigestAlgorithm::Sha3_224 => "http://www.w3.org/2007/05/xmldsig-more#sha3-224",
        DigestAlgorithm::Sha3_256 => "http://www.w3.org/2007/05/xmldsig-more#sha3-256",
        DigestAlgorithm::Sha3_384 => "http://www.w3.org/2007/05/xmldsig-more#sha3-384",
        DigestAlgorithm::Sha3_512 => "http://www.w3.org/2007/05/xmldsig-more#sha3-512",
        _ => "urn:sigaudit:digest:other",
    }
}

/// ETSI EN 319 102-1: the basic process (5.3), and the one with time and long-term
/// material (5.5) when a proof of existence was used.
const PROCESS_BASIC: &str = "urn:etsi:019102:validationprocess:Basic";
const PROCESS_LTVM: &str = "urn:etsi:019102:validationprocess:LTVM";
/// TS 119 102-2, 4.4.4: validation object types.
const VO_CERTIFICATE: &str = "urn:etsi:019102:validationObject:certificate";
const VO_TIMESTAMP: &str = "urn:etsi:019102:validationObject:timestamp";
const VO_CRL: &str = "urn:etsi:019102:validationObject:CRL";
const VO_OCSP: &str = "urn:etsi:019102:validationObject:OCSPResponse";
/// TS 119 102-2, 4.3.4: a POE established by the validation.
const POE_VALIDATION: &str = "urn:etsi:019102:poetype:validation";
/// TS 119 102-2, 4.3.3: a constraint the policy applied.
const CONSTRAINT_APPLIED: &str = "urn:etsi:019102:constraintStatus:applied";

/// Identifiers of sigaudit's own report data (TS 119 102-2 leaves their URIs to the
/// validator).
const DATA_REASON: &str = "urn:sigaudit:reason";
const DATA_REVOCATION: &str = "urn:sigaudit:revocation";
const DATA_LEVEL: &str = "urn:sigaudit:policy:level";
const DATA_DETAIL: &str = "urn:sigaudit:policy:detail";
const DATA_DOCUMENT: &str = "urn:sigaudit:document";

/// The writer, over memory (writing there cannot fail).
struct Xml(Writer<Vec<u8>>);

impl Xml {
    fn event(&mut self, e: Event<'_>) {
        self.0.write_event(e).expect("writing to memory");
    }
    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for a in attrs {
            start.push_attribute(*a);
        }
        self.event(Event::Start(start));
    }
    fn close(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }
    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for a in attrs {
            start.push_attribute(*a);
        }
        self.event(Event::Empty(start));
    }
    fn leaf(&mut self, name: &str, text: &str) {
        self.open(name, &[]);
        self.event(Event::Text(BytesText::new(text)));
        self.close(name);
    }
    /// A leaf whose text needs no escaping (base64, URIs and numbers sigaudit wrote).
    fn plain(&mut self, name: &str, text: &str) {
        debug_assert!(!text.contains(['<', '>', '&', '"', '\'']));
        self.open(name, &[]);
        self.event(Event::Text(BytesText::from_escaped(text)));
        self.close(name);
    }
    fn digest(&mut self, name: &str, a: DigestAlgorithm, value: &[u8]) {
        self.open(name, &[]);
        self.empty("ds:DigestMethod", &[("Algorithm", digest_uri(a))]);
        self.plain("ds:DigestValue", &Base64::encode_string(value));
        self.close(name);
    }
    fn typed(&mut self, name: &str, kind: &str, value: &str) {
        self.open(name, &[]);
        self.leaf("vr:Type", kind);
        self.leaf("vr:Value", value);
        self.close(name);
    }
}

/// The validation objects of a document's report, each once, by id.
#[derive(Default)]
struct Objects {
    certificates: BTreeMap<String, Cert>,
    /// CRLs and OCSP responses that settled a signer's status, by id: their type and SHA-256.
    revocation: BTreeMap<String, (&'static str, [u8; 32])>,
    /// Timestamp tokens by id, with their genTime when it verified.
    timestamps: Vec<(String, Vec<u8>, Option<String>)>,
}

/// The id of the CRL or OCSP response with SHA-256 `fp`.
fn revocation_id(fp: &[u8; 32]) -> String {
    format!("R-{}", hex(fp))
}

fn cert_id(c: &Cert) -> String {
    format!("C-{}", hex(&c.sha256))
}

/// The document's ETSI TS 119 102-2 report (UTF-8 XML), `at` the validation time.
pub fn document_xml(report: &DocumentReport, at: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 << 10);
    document_xml_into(report, at, &mut out);
    out
}

/// [`document_xml`] into `out` (cleared first; a writer reuses one buffer).
pub fn document_xml_into(report: &DocumentReport, at: i64, out: &mut Vec<u8>) {
    out.clear();
    // Unindented: a report per document of a million-document audit is read by programs
    // (`xmllint --format` indents one for a person).
    let mut x = Xml(Writer::new(std::mem::take(out)));
    x.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    x.open(
        "vr:ValidationReport",
        &[
            ("xmlns:vr", super::NAMESPACE),
            ("xmlns:ds", "http://www.w3.org/2000/09/xmldsig#"),
            ("xmlns:XAdES", "http://uri.etsi.org/01903/v1.3.2#"),
        ],
    );
    let mut objects = Objects::default();
    let at = rfc3339(at);
    let at = at.as_str();
    let document_findings: Vec<&Finding> = report
        .policy
        .findings
        .iter()
        .filter(|f| f.signature.is_none())
        .collect();
    if report.signatures.is_empty() {
        unsigned(&mut x, report, at);
    }
    for (i, s) in report.signatures.iter().enumerate() {
        let own: Vec<&Finding> = report
            .policy
            .findings
            .iter()
            .filter(|f| f.signature.as_deref() == Some(s.field.as_str()))
            .chain(document_findings.iter().copied())
            .collect();
        signature(&mut x, report, s, i, at, &own, &mut objects);
    }
    validation_objects(&mut x, &objects);
    x.close("vr:ValidationReport");
    *out = x.0.into_inner();
}

/// A document without signatures (unsigned, or unreadable): one report saying so.
fn unsigned(x: &mut Xml, report: &DocumentReport, at: &str) {
    x.open("vr:SignatureValidationReport", &[]);
    time_info(x, at, None, None);
    x.open("vr:SignatureValidationStatus", &[]);
    x.leaf(
        "vr:MainIndication",
        main_indication(Indication::Indeterminate),
    );
    let why = report
        .error
        .as_deref()
        .or(report.reason.as_deref())
        .unwrap_or("no signature");
    additional(x, &[(DATA_REASON, why)]);
    x.close("vr:SignatureValidationStatus");
    other_information(x, report);
    x.close("vr:SignatureValidationReport");
}

/// `vr:ValidationTimeInfo` (4.3.4): the validation time and the best signature time, a
/// proof of existence when there is one, else the validation time.
fn time_info(x: &mut Xml, at: &str, poe: Option<i64>, poe_object: Option<&str>) {
    x.open("vr:ValidationTimeInfo", &[]);
    x.plain("vr:ValidationTime", at);
    x.open("vr:BestSignatureTime", &[]);
    match poe {
        Some(t) => x.plain("vr:POETime", &rfc3339(t)),
        None => x.plain("vr:POETime", at),
    }
    x.plain("vr:TypeOfProof", POE_VALIDATION);
    if let (Some(_), Some(id)) = (poe, poe_object) {
        x.empty("vr:POEObject", &[("VOReference", id)]);
    }
    x.close("vr:BestSignatureTime");
    x.close("vr:ValidationTimeInfo");
}

fn signature(
    x: &mut Xml,
    report: &DocumentReport,
    s: &SignatureReport,
    i: usize,
    at: &str,
    findings: &[&Finding],
    objects: &mut Objects,
) {
    let o: Option<&ValidationObjects> = s.objects.as_deref();
    let ts_id = o.and_then(|o| o.timestamp_token.as_ref()).map(|t| {
        let id = format!("T-{}", i + 1);
        let valid_time = s
            .timestamp
            .as_ref()
            .filter(|t| t.valid)
            .map(|t| t.time.clone());
        objects.timestamps.push((id.clone(), t.clone(), valid_time));
        id
    });
    for c in o.map(|o| &o.path[..]).unwrap_or_default() {
        objects.certificates.insert(cert_id(c), c.clone());
    }
    if let Some((source, fp, _)) = o.and_then(|o| o.revocation.as_ref()) {
        let kind = if *source == "crl" { VO_CRL } else { VO_OCSP };
        objects.revocation.insert(revocation_id(fp), (kind, *fp));
    }
    x.open("vr:SignatureValidationReport", &[]);
    identifier(x, s, i, o);
    constraints(x, report, findings);
    let poe = o.and_then(|o| o.poe);
    let poe_object = s
        .timestamp
        .as_ref()
        .filter(|t| t.valid)
        .and(ts_id.as_deref());
    time_info(x, at, poe, poe_object);
    if let Some((a, d)) = o.and_then(|o| o.signed_digest.as_ref()) {
        x.open("vr:SignersDocument", &[]);
        x.digest("vr:DigestAlgAndValue", *a, d);
        x.close("vr:SignersDocument");
    }
    attributes(x, s, ts_id.as_deref());
    if let Some(leaf) = o.and_then(|o| o.path.first()) {
        x.open("vr:SignerInformation", &[]);
        x.empty("vr:SignerCertificate", &[("VOReference", &cert_id(leaf))]);
        x.leaf("vr:Signer", &leaf.subject);
        x.close("vr:SignerInformation");
    }
    x.open("vr:SignatureValidationProcess", &[]);
    let process = if poe.is_some() {
        PROCESS_LTVM
    } else {
        PROCESS_BASIC
    };
    x.leaf("vr:SignatureValidationProcessID", process);
    x.close("vr:SignatureValidationProcess");
    status(x, s, o);
    other_information(x, report);
    x.close("vr:SignatureValidationReport");
}

/// `vr:SignatureIdentifier` (4.3.2): the signature value, and the signature field's name as
/// the identifier in the document.
fn identifier(x: &mut Xml, s: &SignatureReport, i: usize, o: Option<&ValidationObjects>) {
    let id = format!("S-{}", i + 1);
    x.open("vr:SignatureIdentifier", &[("id", &id)]);
    if let Some(o) = o {
        // The value itself identifies the signature (its digest, also allowed, would cost a
        // hash per signature for nothing the value does not say).
        x.plain(
            "ds:SignatureValue",
            &Base64::encode_string(&o.signature_value),
        );
    }
    x.plain("vr:HashOnly", "false");
    x.plain("vr:DocHashOnly", "false");
    x.leaf("vr:DAIdentifier", &s.field);
    x.close("vr:SignatureIdentifier");
}

/// `vr:ValidationConstraintsEvaluationReport` (4.3.3): the policy, and each rule it found
/// broken for this signature or its document, as a constraint report.
fn constraints(x: &mut Xml, report: &DocumentReport, findings: &[&Finding]) {
    x.open("vr:ValidationConstraintsEvaluationReport", &[]);
    x.open("vr:SignatureValidationPolicy", &[]);
    x.open("vr:SignaturePolicyIdentifier", &[]);
    x.empty("XAdES:SignaturePolicyImplied", &[]);
    x.close("vr:SignaturePolicyIdentifier");
    x.leaf("vr:PolicyName", &report.policy.name);
    x.close("vr:SignatureValidationPolicy");
    for f in findings {
        x.open("vr:ValidationConstraint", &[]);
        x.leaf(
            "vr:ValidationConstraintIdentifier",
            &format!("urn:sigaudit:policy:{}", f.rule),
        );
        x.typed(
            "vr:ValidationConstraintParameter",
            DATA_LEVEL,
            f.level.as_str(),
        );
        x.typed("vr:ValidationConstraintParameter", DATA_DETAIL, &f.detail);
        x.open("vr:ConstraintStatus", &[]);
        x.leaf("vr:Status", CONSTRAINT_APPLIED);
        x.close("vr:ConstraintStatus");
        x.open("vr:ValidationStatus", &[]);
        let main = if f.level == Level::Fail {
            "urn:etsi:019102:mainindication:failed"
        } else {
            "urn:etsi:019102:mainindication:passed"
        };
        x.leaf("vr:MainIndication", main);
        x.close("vr:ValidationStatus");
        x.close("vr:ValidationConstraint");
    }
    x.close("vr:ValidationConstraintsEvaluationReport");
}

/// `vr:SignatureAttributes` (4.3.6, Annex A): the claimed signing time, the signature
/// timestamp, the SubFilter and the ByteRange.
fn attributes(x: &mut Xml, s: &SignatureReport, ts_id: Option<&str>) {
    let claimed = s.signing_time.as_deref().and_then(|t| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    });
    let timestamp = s.timestamp.as_ref().filter(|t| !t.time.is_empty());
    if claimed.is_none() && timestamp.is_none() && s.subfilter.is_none() && s.byte_range.is_none() {
        return;
    }
    x.open("vr:SignatureAttributes", &[]);
    if let (Some(_), Some(t)) = (claimed, &s.signing_time) {
        x.open("vr:SigningTime", &[("Signed", "true")]);
        x.leaf("vr:Time", t);
        x.close("vr:SigningTime");
    }
    if let Some(t) = timestamp {
        x.open("vr:SignatureTimeStamp", &[("Signed", "false")]);
        if let Some(id) = ts_id {
            x.empty("vr:AttributeObject", &[("VOReference", id)]);
        }
        x.leaf("vr:TimeStampValue", &t.time);
        x.close("vr:SignatureTimeStamp");
    }
    if let Some(sf) = &s.subfilter {
        x.open("vr:SubFilter", &[("Signed", "true")]);
        x.leaf("vr:SubFilterElement", sf);
        x.close("vr:SubFilter");
    }
    if let Some(br) = &s.byte_range {
        let list: Vec<String> = br.iter().map(i64::to_string).collect();
        x.leaf("vr:ByteRange", &list.join(" "));
    }
    x.close("vr:SignatureAttributes");
}

/// `vr:SignatureValidationStatus` (4.3.10): the indications, the path, the revocation status
/// and the reason.
fn status(x: &mut Xml, s: &SignatureReport, o: Option<&ValidationObjects>) {
    x.open("vr:SignatureValidationStatus", &[]);
    x.plain("vr:MainIndication", main_indication(s.indication));
    if let Some(sub) = s.sub_indication {
        x.leaf("vr:SubIndication", &sub_indication(&sub.to_string()));
    }
    x.open("vr:AssociatedValidationReportData", &[]);
    let path = o.map(|o| &o.path[..]).unwrap_or_default();
    if let Some(anchor) = path.last() {
        x.empty("vr:TrustAnchor", &[("VOReference", &cert_id(anchor))]);
        x.open("vr:CertificateChain", &[]);
        x.empty(
            "vr:SigningCertificate",
            &[("VOReference", &cert_id(&path[0]))],
        );
        for c in path.iter().skip(1).take(path.len().saturating_sub(2)) {
            x.empty(
                "vr:IntermediateCertificate",
                &[("VOReference", &cert_id(c))],
            );
        }
        if path.len() > 1 {
            x.empty("vr:TrustAnchor", &[("VOReference", &cert_id(anchor))]);
        }
        x.close("vr:CertificateChain");
    }
    // The CRL or OCSP response used (4.3.10: RelatedValidationObject), and when it says the
    // signer is revoked, the revocation (RevocationStatusInformation).
    if let Some((_, fp, revoked)) = o.and_then(|o| o.revocation.as_ref()) {
        let id = revocation_id(fp);
        x.empty("vr:RelatedValidationObject", &[("VOReference", &id)]);
        if let (Some(at), Some(signer)) = (revoked, path.first()) {
            x.open("vr:RevocationStatusInformation", &[]);
            x.empty(
                "vr:ValidationObjectId",
                &[("VOReference", &cert_id(signer))],
            );
            x.plain("vr:RevocationTime", &rfc3339(*at));
            x.empty("vr:RevocationObject", &[("VOReference", &id)]);
            x.close("vr:RevocationStatusInformation");
        }
    }
    let revocation = match s.revocation {
        RevocationReport::Good => "good",
        RevocationReport::Revoked => "revoked",
        RevocationReport::Unknown => "unknown",
        RevocationReport::NotChecked => "not_checked",
    };
    let mut data = vec![(DATA_REVOCATION, revocation)];
    if let Some(r) = &s.reason {
        data.push((DATA_REASON, r));
    }
    additional_inner(x, &data);
    x.close("vr:AssociatedValidationReportData");
    x.close("vr:SignatureValidationStatus");
}

fn additional(x: &mut Xml, data: &[(&str, &str)]) {
    x.open("vr:AssociatedValidationReportData", &[]);
    additional_inner(x, data);
    x.close("vr:AssociatedValidationReportData");
}

fn additional_inner(x: &mut Xml, data: &[(&str, &str)]) {
    x.open("vr:AdditionalValidationReportData", &[]);
    for (kind, value) in data {
        x.typed("vr:ReportData", kind, value);
    }
    x.close("vr:AdditionalValidationReportData");
}

/// `vr:OtherInformation`: the document, its status, the tool.
fn other_information(x: &mut Xml, report: &DocumentReport) {
    x.open("vr:OtherInformation", &[]);
    x.typed("vr:ReportData", DATA_DOCUMENT, &report.name);
    x.typed(
        "vr:ReportData",
        "urn:sigaudit:status",
        &report.status.to_string(),
    );
    x.typed(
        "vr:ReportData",
        "urn:sigaudit:validator",
        concat!("sigaudit ", env!("CARGO_PKG_VERSION")),
    );
    x.close("vr:OtherInformation");
}

/// `vr:SignatureValidationObjects` (4.4): certificates, CRLs and OCSP responses by SHA-256
/// (the same few recur in every report of an archive; `--evidence DIR` files each once, by
/// that name), timestamp tokens in base64 (each is the signature's own).
fn validation_objects(x: &mut Xml, objects: &Objects) {
    if objects.certificates.is_empty()
        && objects.timestamps.is_empty()
        && objects.revocation.is_empty()
    {
        return;
    }
    x.open("vr:SignatureValidationObjects", &[]);
    for (id, c) in &objects.certificates {
        x.open("vr:ValidationObject", &[("id", id)]);
        x.plain("vr:ObjectType", VO_CERTIFICATE);
        x.open("vr:ValidationObjectRepresentation", &[]);
        x.digest("vr:DigestAlgAndValue", DigestAlgorithm::Sha256, &c.sha256);
        x.close("vr:ValidationObjectRepresentation");
        x.close("vr:ValidationObject");
    }
    for (id, (kind, fp)) in &objects.revocation {
        x.open("vr:ValidationObject", &[("id", id)]);
        x.plain("vr:ObjectType", kind);
        x.open("vr:ValidationObjectRepresentation", &[]);
        x.digest("vr:DigestAlgAndValue", DigestAlgorithm::Sha256, fp);
        x.close("vr:ValidationObjectRepresentation");
        x.close("vr:ValidationObject");
    }
    for (id, token, time) in &objects.timestamps {
        x.open("vr:ValidationObject", &[("id", id)]);
        x.plain("vr:ObjectType", VO_TIMESTAMP);
        x.open("vr:ValidationObjectRepresentation", &[]);
        x.plain("vr:base64", &Base64::encode_string(token));
        x.close("vr:ValidationObjectRepresentation");
        if let Some(t) = time {
            x.open("vr:POE", &[]);
            x.leaf("vr:POETime", t);
            x.plain("vr:TypeOfProof", POE_VALIDATION);
            x.close("vr:POE");
        }
        x.close("vr:ValidationObject");
    }
    x.close("vr:SignatureValidationObjects");
}
