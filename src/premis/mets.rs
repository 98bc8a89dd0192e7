//! The METS document and its PREMIS 3 sections, written with quick-xml: every value from the
//! report line goes through quick-xml's escaping (text and attributes alike) after
//! [`clean`] has replaced the characters XML 1.0 cannot carry at all.
//!
//! Element order follows the PREMIS 3.0 schema's sequences (object `file`: objectIdentifier+,
//! objectCharacteristics+, originalName?, signatureInformation*, linkingEventIdentifier*;
//! event: eventIdentifier, eventType, eventDateTime, eventDetailInformation*,
//! eventOutcomeInformation*, linkingAgentIdentifier*, linkingObjectIdentifier*; agent:
//! agentIdentifier+, agentName*, agentType?, agentVersion?, agentNote*) and METS 1.12's
//! (metsHdr, amdSec, fileSec, structMap).

use std::borrow::Cow;
use std::io;

use base64ct::{Base64, Encoding};
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;
use quick_xml::Writer;

use super::{Doc, Ids, Sig, Status, METS_NAMESPACE, PREMIS_NAMESPACE};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const XLINK: &str = "http://www.w3.org/1999/xlink";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const DSIG11: &str = "http://www.w3.org/2009/xmldsig11#";
const SCHEMA_LOCATION: &str =
    "http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd \
     http://www.loc.gov/premis/v3 http://www.loc.gov/standards/premis/v3/premis.xsd";

/// The Library of Congress preservation vocabularies (id.loc.gov) this file uses.
const LOC: &str = "http://id.loc.gov/vocabulary/preservation";

/// ETSI EN 319 102-1, the procedures every verdict follows.
const ETSI: &str = "ETSI EN 319 102-1 (procedures for the creation and validation of AdES \
     digital signatures: validation of PAdES, CAdES and PDF CMS signatures)";

/// The METS section identifiers (xsd:ID).
const OBJECT_ID: &str = "techMD-premis-object";
const EVENT_ID: &str = "digiprovMD-premis-event";
const AGENT_ID: &str = "digiprovMD-premis-agent";
const FILE_ID: &str = "file-document";

/// `text` without the characters XML 1.0 cannot carry (C0 controls but tab, line feed and
/// carriage return; U+FFFE, U+FFFF): each is written as `\u{…}` instead, so nothing is lost
/// silently and the document stays well-formed.
pub(super) fn clean(text: &str) -> Cow<'_, str> {
    let bad = |c: char| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    if !text.chars().any(bad) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if bad(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` escaped by quick-xml for an attribute value, with tab, line feed and carriage
/// return as character references too: a parser normalises them to spaces otherwise.
fn attr_value(text: &str) -> String {
    let escaped = quick_xml::escape::escape(clean(text));
    escaped
        .replace('\t', "&#9;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
}

/// `text` escaped by quick-xml for element content, with carriage return as a character
/// reference too: a parser turns it into a line feed otherwise.
fn text_content(text: &str) -> String {
    quick_xml::escape::escape(clean(text)).replace('\r', "&#13;")
}

/// A thin layer over quick-xml's writer: elements by name, attributes and text escaped.
struct Xml {
    w: Writer<Vec<u8>>,
}

impl Xml {
    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        let mut start = BytesStart::new(name);
        for (k, v) in attrs {
            start.push_attribute(Attribute {
                key: QName(k.as_bytes()),
                value: Cow::Owned(attr_value(v).into_bytes()),
            });
        }
        self.w.write_event(Event::Start(start))
    }

    fn close(&mut self, name: &str) -> io::Result<()> {
        self.w.write_event(Event::End(BytesEnd::new(name)))
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        let mut start = BytesStart::new(name);
        for (k, v) in attrs {
            start.push_attribute(Attribute {
                key: QName(k.as_bytes()),
                value: Cow::Owned(attr_value(v).into_bytes()),
            });
        }
        self.w.write_event(Event::Empty(start))
    }

    /// `<name attrs>text</name>`.
    fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> io::Result<()> {
        self.open(name, attrs)?;
        self.w
            .write_event(Event::Text(BytesText::from_escaped(text_content(text))))?;
        self.close(name)
    }

    /// A PREMIS stringPlusAuthority from a Library of Congress vocabulary: `vocabulary` its
    /// name, `code` the term's code in it.
    fn loc(&mut self, name: &str, vocabulary: &str, code: &str, text: &str) -> io::Result<()> {
        let authority_uri = format!("{LOC}/{vocabulary}");
        let value_uri = format!("{LOC}/{vocabulary}/{code}");
        self.leaf(
            name,
            &[
                ("authority", vocabulary),
                ("authorityURI", &authority_uri),
                ("valueURI", &value_uri),
            ],
            text,
        )
    }
}

/// The METS document for `doc`, validated at `time` (canonical RFC 3339).
pub(super) fn write(doc: &Doc, time: &str, ids: &Ids) -> io::Result<Vec<u8>> {
    let mut x = Xml {
        w: Writer::new_with_indent(Vec::with_capacity(8192), b' ', 2),
    };
    x.w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let objid = format!("urn:uuid:{}", ids.object);
    x.open(
        "mets:mets",
        &[
            ("xmlns:mets", METS_NAMESPACE),
            ("xmlns:premis", PREMIS_NAMESPACE),
            ("xmlns:xlink", XLINK),
            ("xmlns:xsi", XSI),
            ("xmlns:ds", DS),
            ("xmlns:dsig11", DSIG11),
            ("xsi:schemaLocation", SCHEMA_LOCATION),
            ("OBJID", &objid),
            ("LABEL", doc.name),
            ("TYPE", "signature validation"),
        ],
    )?;

    x.open("mets:metsHdr", &[("CREATEDATE", time)])?;
    x.open(
        "mets:agent",
        &[
            ("ROLE", "CREATOR"),
            ("TYPE", "OTHER"),
            ("OTHERTYPE", "SOFTWARE"),
        ],
    )?;
    x.leaf("mets:name", &[], &format!("sigaudit {VERSION}"))?;
    x.close("mets:agent")?;
    x.close("mets:metsHdr")?;

    x.open("mets:amdSec", &[("ID", "amdSec-document")])?;
    x.open("mets:techMD", &[("ID", OBJECT_ID)])?;
    wrap(&mut x, "PREMIS:OBJECT", |x| object(x, doc, ids))?;
    x.close("mets:techMD")?;
    x.open("mets:digiprovMD", &[("ID", EVENT_ID)])?;
    wrap(&mut x, "PREMIS:EVENT", |x| event(x, doc, time, ids))?;
    x.close("mets:digiprovMD")?;
    x.open("mets:digiprovMD", &[("ID", AGENT_ID)])?;
    wrap(&mut x, "PREMIS:AGENT", agent)?;
    x.close("mets:digiprovMD")?;
    x.close("mets:amdSec")?;

    x.open("mets:fileSec", &[])?;
    x.open("mets:fileGrp", &[("USE", "original")])?;
    let admid = format!("{OBJECT_ID} {EVENT_ID} {AGENT_ID}");
    let size = doc.bytes.map(|b| b.to_string());
    let mut file: Vec<(&str, &str)> = vec![("ID", FILE_ID), ("ADMID", &admid)];
    if let Some(size) = size.as_deref().filter(|_| doc.status != Status::Error) {
        file.push(("SIZE", size));
        file.push(("MIMETYPE", "application/pdf"));
    }
    x.open("mets:file", &file)?;
    let href = href(doc.name);
    x.empty(
        "mets:FLocat",
        &[
            ("LOCTYPE", "OTHER"),
            ("OTHERLOCTYPE", "SYSTEM"),
            ("xlink:href", &href),
        ],
    )?;
    x.close("mets:file")?;
    x.close("mets:fileGrp")?;
    x.close("mets:fileSec")?;

    x.open("mets:structMap", &[("TYPE", "physical")])?;
    x.open("mets:div", &[("TYPE", "document"), ("LABEL", doc.name)])?;
    x.empty("mets:fptr", &[("FILEID", FILE_ID)])?;
    x.close("mets:div")?;
    x.close("mets:structMap")?;

    x.close("mets:mets")?;
    let mut out = x.w.into_inner();
    out.push(b'\n');
    Ok(out)
}

/// `<mets:mdWrap MDTYPE=… MDTYPEVERSION="3.0"><mets:xmlData>…</mets:xmlData></mets:mdWrap>`.
fn wrap(
    x: &mut Xml,
    mdtype: &str,
    body: impl FnOnce(&mut Xml) -> io::Result<()>,
) -> io::Result<()> {
    x.open(
        "mets:mdWrap",
        &[("MDTYPE", mdtype), ("MDTYPEVERSION", "3.0")],
    )?;
    x.open("mets:xmlData", &[])?;
    body(x)?;
    x.close("mets:xmlData")?;
    x.close("mets:mdWrap")
}

/// The document's name as a relative URI reference: every byte outside the unreserved set and
/// `/` percent-encoded (an archive member's `#` included).
fn href(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The agent's identifier (type `local`): the program and its version.
fn agent_value() -> String {
    format!("sigaudit {VERSION}")
}

/// The PREMIS object: the document as a file.
fn object(x: &mut Xml, doc: &Doc, ids: &Ids) -> io::Result<()> {
    x.open(
        "premis:object",
        &[("xsi:type", "premis:file"), ("version", "3.0")],
    )?;
    x.open("premis:objectIdentifier", &[])?;
    x.leaf("premis:objectIdentifierType", &[], "UUID")?;
    x.leaf("premis:objectIdentifierValue", &[], &ids.object)?;
    x.close("premis:objectIdentifier")?;
    x.open("premis:objectIdentifier", &[])?;
    x.leaf("premis:objectIdentifierType", &[], "local")?;
    x.leaf("premis:objectIdentifierValue", &[], doc.name)?;
    x.close("premis:objectIdentifier")?;

    x.open("premis:objectCharacteristics", &[])?;
    // An ERROR line's size may be that of nothing read: only a read document's is given.
    if let Some(bytes) = doc.bytes.filter(|_| doc.status != Status::Error) {
        x.leaf("premis:size", &[], &bytes.to_string())?;
    }
    x.open("premis:format", &[])?;
    x.open("premis:formatDesignation", &[])?;
    if doc.status == Status::Error {
        x.leaf("premis:formatName", &[], "unknown")?;
        x.close("premis:formatDesignation")?;
        x.leaf(
            "premis:formatNote",
            &[],
            "not identified: sigaudit could not read it as a signed PDF document",
        )?;
    } else {
        x.leaf("premis:formatName", &[], "application/pdf")?;
        x.close("premis:formatDesignation")?;
        x.leaf(
            "premis:formatNote",
            &[],
            "read by sigaudit as a PDF document (ISO 32000)",
        )?;
    }
    x.close("premis:format")?;
    x.close("premis:objectCharacteristics")?;

    x.leaf("premis:originalName", &[], doc.name)?;

    for (i, sig) in doc.signatures.iter().enumerate() {
        signature(x, doc, i, sig)?;
    }

    x.open("premis:linkingEventIdentifier", &[])?;
    x.leaf("premis:linkingEventIdentifierType", &[], "UUID")?;
    x.leaf("premis:linkingEventIdentifierValue", &[], &ids.event)?;
    x.close("premis:linkingEventIdentifier")?;
    x.close("premis:object")
}

/// What the validation followed, for one signature or the document.
fn rules(doc: &Doc) -> String {
    match doc.policy {
        Some(policy) => format!("{ETSI}; sigaudit validation policy \"{policy}\""),
        None => ETSI.to_string(),
    }
}

/// One signature's `signatureInformation`.
fn signature(x: &mut Xml, doc: &Doc, i: usize, sig: &Sig) -> io::Result<()> {
    x.open("premis:signatureInformation", &[])?;
    x.open("premis:signature", &[])?;
    let subfilter = sig.subfilter.unwrap_or("(no /SubFilter)");
    let encoding = if subfilter == "adbe.x509.rsa_sha1" {
        "PKCS #1 signature value, DER OCTET STRING, as a hexadecimal string in the PDF \
         signature dictionary's /Contents"
    } else {
        "CMS SignedData (RFC 5652), DER, as a hexadecimal string in the PDF signature \
         dictionary's /Contents"
    };
    x.leaf("premis:signatureEncoding", &[], encoding)?;
    if let Some(signer) = &sig.signer {
        x.leaf("premis:signer", &[], signer.subject)?;
    }
    let method = match sig.signer.as_ref().and_then(|s| s.key) {
        Some(key) => format!("{subfilter} ({key} signer key)"),
        None => subfilter.to_string(),
    };
    x.leaf(
        "premis:signatureMethod",
        &[("authority", "PDF /SubFilter (ISO 32000)")],
        &method,
    )?;
    let range = if sig.byte_range.is_empty() {
        String::new()
    } else {
        let r: Vec<String> = sig.byte_range.iter().map(i64::to_string).collect();
        format!(", between the signed byte ranges [{}]", r.join(" "))
    };
    x.leaf(
        "premis:signatureValue",
        &[],
        &format!(
            "not copied: held in the document, /Contents of signature field \"{}\"{range}",
            sig.field
        ),
    )?;
    x.leaf("premis:signatureValidationRules", &[], &rules(doc))?;
    x.leaf(
        "premis:signatureProperties",
        &[],
        &format!(
            "signature {} of {}, field \"{}\"",
            i + 1,
            doc.signatures.len(),
            sig.field
        ),
    )?;
    if let Some(t) = sig.signing_time {
        x.leaf(
            "premis:signatureProperties",
            &[],
            &format!("claimed signing time (not trusted): {t}"),
        )?;
    }
    if let Some(ts) = &sig.timestamp {
        let mut s = format!("signature timestamp: {}", ts.time.unwrap_or("(no time)"));
        match ts.valid {
            Some(true) => s.push_str(", valid"),
            Some(false) => s.push_str(", not valid"),
            None => {}
        }
        if let Some(r) = ts.reason {
            s.push_str(&format!(" ({r})"));
        }
        if let Some(tsa) = ts.tsa {
            s.push_str(&format!(", TSA {tsa}"));
        }
        x.leaf("premis:signatureProperties", &[], &s)?;
    }
    if let Some(role) = sig.role {
        x.leaf(
            "premis:signatureProperties",
            &[],
            &format!("signer role: {role}"),
        )?;
    }
    if let Some(signer) = &sig.signer {
        for id in &signer.ids {
            x.leaf(
                "premis:signatureProperties",
                &[],
                &format!("signer identifier: {id}"),
            )?;
        }
    }
    if !sig.chain.is_empty() {
        x.leaf(
            "premis:signatureProperties",
            &[],
            &format!("certificate path (leaf first): {}", sig.chain.join(" | ")),
        )?;
    }
    if let Some(signer) = &sig.signer {
        key_information(x, signer)?;
    }
    x.close("premis:signature")?;
    x.close("premis:signatureInformation")
}

/// `keyInformation` as the data dictionary recommends, a W3C `ds:KeyInfo`: the signer
/// certificate's issuer and serial number, subject, and SHA-256 digest (XML Signature 1.1
/// `dsig11:X509Digest`).
fn key_information(x: &mut Xml, signer: &super::Signer) -> io::Result<()> {
    x.open("premis:keyInformation", &[])?;
    x.open("ds:KeyInfo", &[])?;
    if let Some(key) = signer.key {
        x.leaf("ds:KeyName", &[], key)?;
    }
    x.open("ds:X509Data", &[])?;
    if let (Some(issuer), Some(serial)) = (signer.issuer, signer.serial.and_then(hex_to_decimal)) {
        x.open("ds:X509IssuerSerial", &[])?;
        x.leaf("ds:X509IssuerName", &[], issuer)?;
        x.leaf("ds:X509SerialNumber", &[], &serial)?;
        x.close("ds:X509IssuerSerial")?;
    }
    x.leaf("ds:X509SubjectName", &[], signer.subject)?;
    if let Some(digest) = signer.sha256.and_then(hex_bytes).filter(|d| d.len() == 32) {
        x.leaf(
            "dsig11:X509Digest",
            &[("Algorithm", "http://www.w3.org/2001/04/xmlenc#sha256")],
            &Base64::encode_string(&digest),
        )?;
    }
    x.close("ds:X509Data")?;
    x.close("ds:KeyInfo")?;
    x.close("premis:keyInformation")
}

fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    let hex: Vec<u8> = hex.bytes().filter(|b| *b != b':').collect();
    if hex.len() % 2 != 0 {
        return None;
    }
    hex.chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

/// A hexadecimal serial number (`:` separators allowed) in decimal, as `ds:X509SerialNumber`
/// (an integer) wants it; none when it is not hexadecimal.
fn hex_to_decimal(hex: &str) -> Option<String> {
    let digits: Vec<u32> = hex
        .chars()
        .filter(|c| *c != ':')
        .map(|c| c.to_digit(16))
        .collect::<Option<_>>()?;
    if digits.is_empty() || digits.len() > 256 {
        return None;
    }
    // Little-endian base 10^9 limbs.
    let mut limbs: Vec<u64> = vec![0];
    for d in digits {
        let mut carry = u64::from(d);
        for limb in limbs.iter_mut() {
            let v = *limb * 16 + carry;
            *limb = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    }
    let mut out = limbs.last().expect("one limb").to_string();
    for limb in limbs.iter().rev().skip(1) {
        out.push_str(&format!("{limb:09}"));
    }
    Some(out)
}

/// The validation event.
fn event(x: &mut Xml, doc: &Doc, time: &str, ids: &Ids) -> io::Result<()> {
    x.open("premis:event", &[("version", "3.0")])?;
    x.open("premis:eventIdentifier", &[])?;
    x.leaf("premis:eventIdentifierType", &[], "UUID")?;
    x.leaf("premis:eventIdentifierValue", &[], &ids.event)?;
    x.close("premis:eventIdentifier")?;
    x.loc("premis:eventType", "eventType", "val", "validation")?;
    x.leaf("premis:eventDateTime", &[], time)?;

    x.open("premis:eventDetailInformation", &[])?;
    let n = doc.signatures.len();
    let detail = format!(
        "Validation of the document's digital signatures by sigaudit {VERSION}: {}, \
         at the validation time {time}; {n} signature{}",
        rules(doc),
        if n == 1 { "" } else { "s" },
    );
    x.leaf("premis:eventDetail", &[], &detail)?;
    x.close("premis:eventDetailInformation")?;

    x.open("premis:eventOutcomeInformation", &[])?;
    x.leaf("premis:eventOutcome", &[], doc.status.outcome())?;
    let mut document = format!("document: {}", doc.status.as_str());
    if let Some(e) = doc.error {
        document.push_str(&format!(": {e}"));
    }
    if let Some(r) = doc.reason {
        document.push_str(&format!(": {r}"));
    }
    note(x, &document)?;
    for (i, s) in doc.signatures.iter().enumerate() {
        let mut text = format!(
            "signature {} of {n}, field \"{}\": {}",
            i + 1,
            s.field,
            s.indication.unwrap_or("(no indication)")
        );
        if let Some(sub) = s.sub_indication {
            text.push_str(&format!("/{sub}"));
        }
        if let Some(r) = s.reason {
            text.push_str(&format!(": {r}"));
        }
        let mut facts = Vec::new();
        if let Some(v) = s.integrity {
            facts.push(format!("integrity {v}"));
        }
        if let Some(v) = s.revocation {
            facts.push(format!("revocation {v}"));
        }
        if let Some(v) = s.modifications {
            facts.push(format!("changes after signing {v}"));
        }
        if !facts.is_empty() {
            text.push_str(&format!(" ({})", facts.join(", ")));
        }
        note(x, &text)?;
    }
    for f in &doc.findings {
        let mut text = format!("finding {}", f.kind);
        if let Some(r) = f.revision {
            text.push_str(&format!(" (revision {r})"));
        }
        if let Some(d) = f.detail {
            text.push_str(&format!(": {d}"));
        }
        note(x, &text)?;
    }
    for f in &doc.policy_findings {
        let mut text = format!("policy {} {}", f.level.unwrap_or("(no level)"), f.rule);
        if let Some(s) = f.signature {
            text.push_str(&format!(" (signature field \"{s}\")"));
        }
        if let Some(d) = f.detail {
            text.push_str(&format!(": {d}"));
        }
        note(x, &text)?;
    }
    x.close("premis:eventOutcomeInformation")?;

    x.open("premis:linkingAgentIdentifier", &[])?;
    x.leaf("premis:linkingAgentIdentifierType", &[], "local")?;
    x.leaf("premis:linkingAgentIdentifierValue", &[], &agent_value())?;
    x.loc(
        "premis:linkingAgentRole",
        "eventRelatedAgentRole",
        "exe",
        "executing program",
    )?;
    x.close("premis:linkingAgentIdentifier")?;

    x.open("premis:linkingObjectIdentifier", &[])?;
    x.leaf("premis:linkingObjectIdentifierType", &[], "UUID")?;
    x.leaf("premis:linkingObjectIdentifierValue", &[], &ids.object)?;
    x.loc(
        "premis:linkingObjectRole",
        "eventRelatedObjectRole",
        "sou",
        "source",
    )?;
    x.close("premis:linkingObjectIdentifier")?;
    x.close("premis:event")
}

fn note(x: &mut Xml, text: &str) -> io::Result<()> {
    x.open("premis:eventOutcomeDetail", &[])?;
    x.leaf("premis:eventOutcomeDetailNote", &[], text)?;
    x.close("premis:eventOutcomeDetail")
}

/// The agent: sigaudit.
fn agent(x: &mut Xml) -> io::Result<()> {
    x.open("premis:agent", &[("version", "3.0")])?;
    x.open("premis:agentIdentifier", &[])?;
    x.leaf("premis:agentIdentifierType", &[], "local")?;
    x.leaf("premis:agentIdentifierValue", &[], &agent_value())?;
    x.close("premis:agentIdentifier")?;
    x.leaf("premis:agentName", &[], "sigaudit")?;
    x.loc("premis:agentType", "agentType", "sof", "software")?;
    x.leaf("premis:agentVersion", &[], VERSION)?;
    x.leaf(
        "premis:agentNote",
        &[],
        "Verifies the digital signatures of signed PDF documents (ETSI EN 319 102-1)",
    )?;
    x.close("premis:agent")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_in_decimal() {
        assert_eq!(hex_to_decimal("0").as_deref(), Some("0"));
        assert_eq!(hex_to_decimal("ff").as_deref(), Some("255"));
        assert_eq!(hex_to_decimal("0A:0b").as_deref(), Some("2571"));
        assert_eq!(
            hex_to_decimal("ffffffffffffffffffffffffffffffff").as_deref(),
            Some("340282366920938463463374607431768211455")
        );
        assert_eq!(hex_to_decimal("xyz"), None);
        assert_eq!(hex_to_decimal(""), None);
    }

    #[test]
    fn hrefs_are_uri_references() {
        assert_eq!(href("docs/a b.pdf"), "docs/a%20b.pdf");
        assert_eq!(href("a.tar#x/y.pdf"), "a.tar%23x/y.pdf");
        assert_eq!(href("é<"), "%C3%A9%3C");
    }

    #[test]
    fn whitespace_survives_attribute_normalisation() {
        assert_eq!(
            attr_value("a\tb\nc\rd<&\"'"),
            "a&#9;b&#10;c&#13;d&lt;&amp;&quot;&apos;"
        );
        assert_eq!(text_content("a\r\nb]]>"), "a&#13;\nb]]&gt;");
    }

    #[test]
    fn controls_are_made_visible() {
        assert_eq!(clean("a\u{1}b\tc"), "a\\u{1}b\tc");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
    }
}
