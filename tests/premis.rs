//! PREMIS 3 events in METS (`sigaudit::premis_mets`, `sigaudit::write_premis_dir`).
//!
//! Real report lines come from the binary run on the sample corpus, handmade ones cover
//! `ERROR`, `INDETERMINATE`, findings and hostile names. Every file is validated against the
//! METS schema with xmllint, offline: the schema is the one the `metsrw` package ships on PyPI,
//! its XLink import the copy the `eark-validator` package ships (both fetched at run time with
//! `pip download` into Cargo's test temporary directory, or taken from the directory
//! `SIGAUDIT_METS_SCHEMAS` names), the import pointed at the local copy. No PyPI package ships
//! the PREMIS 3 schema, so the PREMIS sections are parsed back with quick-xml and checked here
//! against the data dictionary's mandatory semantic units and the PREMIS 3.0 schema's element
//! order (xmllint gets a stand-in declaring only the `premis:file` type that the object's
//! `xsi:type` names, see [`PREMIS_STAND_IN`]).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

const AT: &str = "2026-07-01T00:00:00Z";
const LOC: &str = "http://id.loc.gov/vocabulary/preservation";

// ---------------------------------------------------------------------------------------------
// A small tree of the XML, read back with quick-xml.

#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn must(&self, name: &str) -> &Node {
        self.child(name)
            .unwrap_or_else(|| panic!("{} has no {name}", self.name))
    }

    /// The text of the path's element (`a/b/c`), which must exist.
    fn at(&self, path: &str) -> &str {
        path.split('/').fold(self, |n, p| n.must(p)).text.as_str()
    }

    /// Every descendant (and self) named `name`.
    fn find<'a>(&'a self, name: &str, out: &mut Vec<&'a Node>) {
        if self.name == name {
            out.push(self);
        }
        for c in &self.children {
            c.find(name, out);
        }
    }

    fn one(&self, name: &str) -> &Node {
        let mut v = Vec::new();
        self.find(name, &mut v);
        assert_eq!(v.len(), 1, "exactly one {name}");
        v[0]
    }
}

fn parse(xml: &str) -> Node {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Node> = vec![Node::default()];
    let start = |e: &quick_xml::events::BytesStart| Node {
        name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.expect("attribute");
                (
                    String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                    a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                        .expect("attribute value")
                        .into_owned(),
                )
            })
            .collect(),
        ..Node::default()
    };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => stack.push(start(&e)),
            Event::Empty(e) => {
                let n = start(&e);
                stack.last_mut().unwrap().children.push(n);
            }
            Event::End(e) => {
                let n = stack.pop().unwrap();
                assert_eq!(n.name.as_bytes(), e.name().as_ref());
                stack.last_mut().unwrap().children.push(n);
            }
            Event::Text(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.decode().expect("UTF-8")),
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().expect("char ref") {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().expect("UTF-8");
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .unwrap_or_else(|| panic!("entity {name}"))
                            .to_string()
                    }
                };
                stack.last_mut().unwrap().text.push_str(&c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "every element closed");
    let mut top = stack.pop().unwrap();
    assert_eq!(top.children.len(), 1, "one root element");
    let mut root = top.children.pop().unwrap();
    // Indentation is not content: trim the text of elements that have children.
    fn tidy(n: &mut Node) {
        if !n.children.is_empty() {
            assert!(n.text.trim().is_empty(), "{} has mixed content", n.name);
            n.text.clear();
        }
        n.children.iter_mut().for_each(tidy);
    }
    tidy(&mut root);
    root
}

// ---------------------------------------------------------------------------------------------
// The PREMIS 3.0 schema's sequences for the elements written (premis-v3-0.xsd): children must
// come in this order, `!` marks the mandatory ones. Elements not listed are leaves.

const SEQUENCES: &[(&str, &[&str])] = &[
    (
        "premis:object",
        &[
            "!premis:objectIdentifier",
            "premis:preservationLevel",
            "premis:significantProperties",
            "!premis:objectCharacteristics",
            "premis:originalName",
            "premis:storage",
            "premis:signatureInformation",
            "premis:relationship",
            "premis:linkingEventIdentifier",
            "premis:linkingRightsStatementIdentifier",
        ],
    ),
    (
        "premis:objectIdentifier",
        &[
            "!premis:objectIdentifierType",
            "!premis:objectIdentifierValue",
        ],
    ),
    (
        "premis:objectCharacteristics",
        &[
            "premis:compositionLevel",
            "premis:fixity",
            "premis:size",
            "!premis:format",
            "premis:creatingApplication",
            "premis:inhibitors",
            "premis:objectCharacteristicsExtension",
        ],
    ),
    (
        "premis:format",
        &[
            "premis:formatDesignation",
            "premis:formatRegistry",
            "premis:formatNote",
        ],
    ),
    (
        "premis:formatDesignation",
        &["!premis:formatName", "premis:formatVersion"],
    ),
    ("premis:signatureInformation", &["!premis:signature"]),
    (
        "premis:signature",
        &[
            "!premis:signatureEncoding",
            "premis:signer",
            "!premis:signatureMethod",
            "!premis:signatureValue",
            "!premis:signatureValidationRules",
            "premis:signatureProperties",
            "premis:keyInformation",
        ],
    ),
    (
        "premis:linkingEventIdentifier",
        &[
            "!premis:linkingEventIdentifierType",
            "!premis:linkingEventIdentifierValue",
        ],
    ),
    (
        "premis:event",
        &[
            "!premis:eventIdentifier",
            "!premis:eventType",
            "!premis:eventDateTime",
            "premis:eventDetailInformation",
            "premis:eventOutcomeInformation",
            "premis:linkingAgentIdentifier",
            "premis:linkingObjectIdentifier",
        ],
    ),
    (
        "premis:eventIdentifier",
        &[
            "!premis:eventIdentifierType",
            "!premis:eventIdentifierValue",
        ],
    ),
    (
        "premis:eventDetailInformation",
        &["premis:eventDetail", "premis:eventDetailExtension"],
    ),
    (
        "premis:eventOutcomeInformation",
        &["premis:eventOutcome", "premis:eventOutcomeDetail"],
    ),
    (
        "premis:eventOutcomeDetail",
        &[
            "premis:eventOutcomeDetailNote",
            "premis:eventOutcomeDetailExtension",
        ],
    ),
    (
        "premis:linkingAgentIdentifier",
        &[
            "!premis:linkingAgentIdentifierType",
            "!premis:linkingAgentIdentifierValue",
            "premis:linkingAgentRole",
        ],
    ),
    (
        "premis:linkingObjectIdentifier",
        &[
            "!premis:linkingObjectIdentifierType",
            "!premis:linkingObjectIdentifierValue",
            "premis:linkingObjectRole",
        ],
    ),
    (
        "premis:agent",
        &[
            "!premis:agentIdentifier",
            "premis:agentName",
            "premis:agentType",
            "premis:agentVersion",
            "premis:agentNote",
            "premis:agentExtension",
            "premis:linkingEventIdentifier",
            "premis:linkingRightsStatementIdentifier",
            "premis:linkingEnvironmentIdentifier",
        ],
    ),
    (
        "premis:agentIdentifier",
        &[
            "!premis:agentIdentifierType",
            "!premis:agentIdentifierValue",
        ],
    ),
];

/// Elements that occur at most once where they occur.
const SINGLE: &[&str] = &[
    "premis:eventType",
    "premis:eventDateTime",
    "premis:eventIdentifier",
    "premis:eventDetail",
    "premis:eventOutcome",
    "premis:agentType",
    "premis:agentVersion",
    "premis:size",
    "premis:originalName",
    "premis:signature",
    "premis:signer",
    "premis:signatureValue",
];

/// Checks `n` and every PREMIS element under it against [`SEQUENCES`]; non-empty text in
/// every leaf.
fn check_premis_order(n: &Node) {
    if let Some((_, seq)) = SEQUENCES.iter().find(|(name, _)| *name == n.name) {
        let names: Vec<&str> = seq.iter().map(|s| s.trim_start_matches('!')).collect();
        let mut last = 0;
        for c in &n.children {
            let i = names
                .iter()
                .position(|s| *s == c.name)
                .unwrap_or_else(|| panic!("{} may not hold {}", n.name, c.name));
            assert!(i >= last, "{} after {} in {}", c.name, names[last], n.name);
            last = i;
        }
        for s in seq.iter().filter(|s| s.starts_with('!')) {
            assert!(
                n.child(&s[1..]).is_some(),
                "{} lacks the mandatory {}",
                n.name,
                &s[1..]
            );
        }
        for single in SINGLE {
            assert!(
                n.all(single).count() <= 1,
                "{} holds {single} twice",
                n.name
            );
        }
        for c in &n.children {
            check_premis_order(c);
        }
    } else if n.name.starts_with("premis:") && n.name != "premis:keyInformation" {
        assert!(n.children.is_empty(), "{} is a leaf", n.name);
        assert!(!n.text.trim().is_empty(), "{} is empty", n.name);
    }
}

/// `text` as the file shows it: the characters XML 1.0 cannot carry as `\u{…}`.
fn shown(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{0}'..='\u{8}'
            | '\u{b}'
            | '\u{c}'
            | '\u{e}'..='\u{1f}'
            | '\u{fffe}'
            | '\u{ffff}' => {
                format!("\\u{{{:x}}}", c as u32)
            }
            c => c.to_string(),
        })
        .collect()
}

fn is_uuid_v5(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && s.chars()
            .enumerate()
            .all(|(i, c)| [8, 13, 18, 23].contains(&i) || c.is_ascii_hexdigit())
        && b[14] == b'5'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
}

/// Checks one METS document against the line it came from: the PREMIS semantic units the data
/// dictionary makes mandatory, the schema's order, the outcome and the links.
fn check(mets: &str, line: &Value, at: &str) -> Node {
    let root = parse(mets);
    assert_eq!(root.name, "mets:mets");
    assert_eq!(root.attr("xmlns:mets"), Some("http://www.loc.gov/METS/"));
    assert_eq!(
        root.attr("xmlns:premis"),
        Some("http://www.loc.gov/premis/v3")
    );
    let name = shown(line["name"].as_str().unwrap());
    let name = name.as_str();
    assert_eq!(root.attr("LABEL"), Some(name), "the name survives escaping");

    let amd = root.must("mets:amdSec");
    let tech = amd.must("mets:techMD").must("mets:mdWrap");
    assert_eq!(tech.attr("MDTYPE"), Some("PREMIS:OBJECT"));
    assert_eq!(tech.attr("MDTYPEVERSION"), Some("3.0"));
    let digiprov: Vec<&Node> = amd.all("mets:digiprovMD").collect();
    let types: Vec<&str> = digiprov
        .iter()
        .map(|d| d.must("mets:mdWrap").attr("MDTYPE").unwrap())
        .collect();
    assert_eq!(types, ["PREMIS:EVENT", "PREMIS:AGENT"]);

    let object = root.one("premis:object");
    let event = root.one("premis:event");
    let agent = root.one("premis:agent");
    for n in [object, event, agent] {
        check_premis_order(n);
    }

    // Object: a file, identified, its size, one signatureInformation per signature.
    assert_eq!(object.attr("xsi:type"), Some("premis:file"));
    let ids: Vec<(&str, &str)> = object
        .all("premis:objectIdentifier")
        .map(|i| {
            (
                i.at("premis:objectIdentifierType"),
                i.at("premis:objectIdentifierValue"),
            )
        })
        .collect();
    assert_eq!(ids[1], ("local", name));
    assert_eq!(ids[0].0, "UUID");
    assert!(is_uuid_v5(ids[0].1), "{}", ids[0].1);
    let object_uuid = ids[0].1;
    assert_eq!(object.at("premis:originalName"), name);
    let status = line["status"].as_str().unwrap();
    let characteristics = object.must("premis:objectCharacteristics");
    if status != "ERROR" {
        assert_eq!(
            characteristics.at("premis:size"),
            line["bytes"].as_u64().unwrap().to_string()
        );
        assert_eq!(
            characteristics.at("premis:format/premis:formatDesignation/premis:formatName"),
            "application/pdf"
        );
    }
    let signatures = line["signatures"].as_array().unwrap();
    let infos: Vec<&Node> = object.all("premis:signatureInformation").collect();
    assert_eq!(infos.len(), signatures.len());
    for (info, sig) in infos.iter().zip(signatures) {
        let s = info.must("premis:signature");
        let rules = s.at("premis:signatureValidationRules");
        assert!(rules.contains("ETSI EN 319 102-1"), "{rules}");
        if let Some(policy) = line["policy"]["name"].as_str().filter(|p| !p.is_empty()) {
            assert!(rules.contains(policy), "{rules}");
        }
        if let Some(subfilter) = sig["subfilter"].as_str() {
            assert!(s.at("premis:signatureMethod").starts_with(subfilter));
        }
        if let Some(signer) = sig["signer"].as_object() {
            assert_eq!(s.at("premis:signer"), signer["subject"].as_str().unwrap());
            let x509 = s
                .must("premis:keyInformation")
                .must("ds:KeyInfo")
                .must("ds:X509Data");
            assert_eq!(
                x509.at("ds:X509SubjectName"),
                signer["subject"].as_str().unwrap()
            );
            assert!(x509
                .at("ds:X509IssuerSerial/ds:X509SerialNumber")
                .chars()
                .all(|c| c.is_ascii_digit()));
            assert_eq!(x509.at("dsig11:X509Digest").len(), 44, "base64 of 32 bytes");
        }
    }
    let event_link = object.must("premis:linkingEventIdentifier");

    // Event: identifier, type, time, detail, outcome, agent and object links.
    let event_id = event.must("premis:eventIdentifier");
    assert_eq!(event_id.at("premis:eventIdentifierType"), "UUID");
    let event_uuid = event_id.at("premis:eventIdentifierValue");
    assert!(is_uuid_v5(event_uuid), "{event_uuid}");
    assert_eq!(
        event_link.at("premis:linkingEventIdentifierValue"),
        event_uuid
    );
    let event_type = event.must("premis:eventType");
    assert_eq!(event_type.text, "validation");
    assert_eq!(
        event_type.attr("valueURI"),
        Some(&*format!("{LOC}/eventType/val"))
    );
    assert_eq!(event.at("premis:eventDateTime"), at);
    let detail = event.at("premis:eventDetailInformation/premis:eventDetail");
    assert!(detail.contains("ETSI EN 319 102-1"), "{detail}");
    let n = signatures.len();
    assert!(
        detail.contains(&format!("{n} signature")),
        "{detail} counts {n}"
    );
    let outcome = event.must("premis:eventOutcomeInformation");
    let want = match status {
        "TOTAL_PASSED" => "pass",
        "TOTAL_FAILED" | "ERROR" => "fail",
        "INDETERMINATE" => "indeterminate",
        s => panic!("status {s}"),
    };
    assert_eq!(outcome.at("premis:eventOutcome"), want);
    let notes: Vec<&str> = outcome
        .all("premis:eventOutcomeDetail")
        .map(|d| d.at("premis:eventOutcomeDetailNote"))
        .collect();
    assert!(
        notes[0].starts_with(&format!("document: {status}")),
        "{}",
        notes[0]
    );
    if let Some(error) = line["error"].as_str() {
        assert!(notes[0].contains(error), "{} holds the error", notes[0]);
    }
    for (i, sig) in signatures.iter().enumerate() {
        let note = notes[1 + i];
        assert!(note.contains(sig["indication"].as_str().unwrap()), "{note}");
        if let Some(sub) = sig["sub_indication"].as_str() {
            assert!(note.contains(sub), "{note}");
        }
        if let Some(reason) = sig["reason"].as_str() {
            assert!(note.contains(reason), "{note}");
        }
    }
    let policy_findings = line["policy"]["findings"].as_array().map_or(0, |f| f.len());
    let findings = line["findings"].as_array().map_or(0, |f| f.len());
    assert_eq!(notes.len(), 1 + n + findings + policy_findings);
    let agent_link = event.must("premis:linkingAgentIdentifier");
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        agent_link.at("premis:linkingAgentIdentifierValue"),
        format!("sigaudit {version}")
    );
    assert_eq!(
        agent_link.must("premis:linkingAgentRole").attr("valueURI"),
        Some(&*format!("{LOC}/eventRelatedAgentRole/exe"))
    );
    let object_link = event.must("premis:linkingObjectIdentifier");
    assert_eq!(
        object_link.at("premis:linkingObjectIdentifierValue"),
        object_uuid
    );

    // Agent: sigaudit, software, its version; the identifier the event links to.
    let agent_id = agent.must("premis:agentIdentifier");
    assert_eq!(
        (
            agent_id.at("premis:agentIdentifierType"),
            agent_id.at("premis:agentIdentifierValue")
        ),
        (
            agent_link.at("premis:linkingAgentIdentifierType"),
            agent_link.at("premis:linkingAgentIdentifierValue")
        )
    );
    assert_eq!(agent.at("premis:agentName"), "sigaudit");
    let agent_type = agent.must("premis:agentType");
    assert_eq!(agent_type.text, "software");
    assert_eq!(
        agent_type.attr("valueURI"),
        Some(&*format!("{LOC}/agentType/sof"))
    );
    assert_eq!(agent.at("premis:agentVersion"), version);

    // METS: the file points at the three sections, the structMap at the file.
    let file = root.one("mets:file");
    let admid: BTreeSet<&str> = file.attr("ADMID").unwrap().split(' ').collect();
    let sections: BTreeSet<&str> = amd.children.iter().map(|s| s.attr("ID").unwrap()).collect();
    assert_eq!(admid, sections);
    assert_eq!(
        root.one("mets:fptr").attr("FILEID"),
        file.attr("ID"),
        "the structMap shows the file"
    );
    root
}

// ---------------------------------------------------------------------------------------------
// The METS schema, offline.

/// The schema to validate with: `driver.xsd`, beside `mets.xsd` (its XLink import pointed at
/// the `xlink.xsd` beside it) and the PREMIS stand-in; or `None` after a visible skip.
fn mets_schema() -> Option<PathBuf> {
    // Once per test process: the tests run at once and share the download.
    static SCHEMA: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(fetch_mets_schema).clone()
}

fn fetch_mets_schema() -> Option<PathBuf> {
    if Command::new("xmllint").arg("--version").output().is_err() {
        return common::cannot_run("METS schema validation", "xmllint is not installed");
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("premis-schemas");
    let mets = dir.join("mets.xsd");
    let driver = dir.join("driver.xsd");
    if driver.is_file() {
        return Some(driver);
    }
    std::fs::create_dir_all(&dir).unwrap();
    let (mets_src, xlink_src) = match std::env::var_os("SIGAUDIT_METS_SCHEMAS") {
        Some(d) => {
            let d = PathBuf::from(d);
            (d.join("mets.xsd"), d.join("xlink.xsd"))
        }
        None => {
            let wheels = dir.join("wheels");
            let got = Command::new("python3")
                .args(["-m", "pip", "download", "--no-deps", "--quiet", "-d"])
                .arg(&wheels)
                .args(["metsrw==0.7.0", "eark-validator==1.1.3"])
                .status();
            if !got.is_ok_and(|s| s.success()) {
                return common::cannot_run(
                    "METS schema validation",
                    "`pip download metsrw==0.7.0 eark-validator==1.1.3` failed",
                );
            }
            let unpacked = dir.join("unpacked");
            for wheel in [
                "metsrw-0.7.0-py3-none-any.whl",
                "eark_validator-1.1.3-py3-none-any.whl",
            ] {
                let ok = Command::new("python3")
                    .args(["-m", "zipfile", "-e"])
                    .arg(wheels.join(wheel))
                    .arg(&unpacked)
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(ok, "unzipping {wheel}");
            }
            (
                unpacked.join("metsrw/resources/mets.xsd"),
                unpacked.join("eark_validator/ipxml/resources/schema/xlink.xsd"),
            )
        }
    };
    let xsd = std::fs::read_to_string(&mets_src)
        .unwrap_or_else(|e| panic!("{}: {e}", mets_src.display()));
    let remote = "schemaLocation=\"http://www.loc.gov/standards/xlink/xlink.xsd\"";
    assert!(xsd.contains(remote), "mets.xsd imports XLink from the LoC");
    std::fs::copy(&xlink_src, dir.join("xlink.xsd")).unwrap();
    std::fs::write(&mets, xsd.replace(remote, "schemaLocation=\"xlink.xsd\"")).unwrap();
    std::fs::write(dir.join("premis-stand-in.xsd"), PREMIS_STAND_IN).unwrap();
    // Written last, whole (renamed into place): its presence means the directory is ready.
    let partial = dir.join("driver.xsd.partial");
    std::fs::write(&partial, DRIVER).unwrap();
    std::fs::rename(&partial, &driver).unwrap();
    Some(driver)
}

/// PREMIS 3 makes `premis:object` abstract: an object names its kind with
/// `xsi:type="premis:file"`. With no PREMIS schema at hand, libxml2 rejects an `xsi:type` it
/// cannot resolve even inside METS' lax `xmlData`; this stand-in declares that one type (any
/// content) so that xmllint validates the METS structure, while the PREMIS content is checked
/// by [`check`].
const PREMIS_STAND_IN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
    targetNamespace="http://www.loc.gov/premis/v3" elementFormDefault="qualified">
  <xs:complexType name="file">
    <xs:sequence><xs:any processContents="lax" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
    <xs:anyAttribute processContents="lax"/>
  </xs:complexType>
</xs:schema>
"#;

/// The schema xmllint is given: METS (as shipped), and the stand-in.
const DRIVER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:sigaudit:test:driver">
  <xs:import namespace="http://www.loc.gov/METS/" schemaLocation="mets.xsd"/>
  <xs:import namespace="http://www.loc.gov/premis/v3" schemaLocation="premis-stand-in.xsd"/>
</xs:schema>
"#;

/// Validates `files` against the METS schema with xmllint, offline; panics with its report.
fn xmllint(schema: &Path, files: &[PathBuf]) {
    for chunk in files.chunks(200) {
        let out = Command::new("xmllint")
            .args(["--noout", "--nonet", "--schema"])
            .arg(schema)
            .args(chunk)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "xmllint rejects METS files:\n{stderr}"
        );
        assert_eq!(
            stderr.matches(" validates").count(),
            chunk.len(),
            "{stderr}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Report lines.

/// The sample corpus' report lines, from the binary.
fn sample_lines() -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_sigaudit"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "verify",
            "corpus/sample/docs",
            "--trust",
            "corpus/sample/pki/roots",
            "--certs",
            "corpus/sample/pki/intermediates",
            "--crl",
            "corpus/sample/pki/crls",
            "--at",
            AT,
            "--ordered",
        ])
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 32);
    lines
}

/// Lines the sample corpus does not give: an unreadable file, an indeterminate signature
/// with its timestamp, a failed document with findings, hostile names.
fn handmade_lines() -> Vec<Value> {
    vec![
        json!({"input": "in", "name": "in/scan.pdf", "bytes": 0, "status": "ERROR",
               "error": "not a PDF: no %PDF header", "reason": null, "signatures": [],
               "policy": {"name": "", "findings": []}, "elapsed_us": 3}),
        json!({"input": "in", "name": "in/chain.pdf", "bytes": 52011, "status": "INDETERMINATE",
               "error": null, "reason": "signature Sig1: NO_CERTIFICATE_CHAIN_FOUND",
               "signatures": [{"field": "Sig1", "subfilter": "ETSI.CAdES.detached",
                 "byte_range": [0, 100, 200, 300], "revision": 1, "covers_whole_file": true,
                 "integrity": "ok", "indication": "INDETERMINATE",
                 "sub_indication": "NO_CERTIFICATE_CHAIN_FOUND",
                 "reason": "no path to a trust anchor",
                 "signer": {"subject": "CN=Nguyễn Văn A, O=Bộ <Tài> & \"Chính\"",
                   "issuer": "CN=Some CA", "serial": "00:ff:10", "sha256": "ab".repeat(32),
                   "key": "ECDSA-P256", "ids": ["CCCD:001234567890"]},
                 "role": "personal", "signing_time": "2025-01-02T03:04:05Z",
                 "timestamp": {"time": "2025-01-02T03:04:06Z", "valid": false,
                   "reason": "TSA certificate untrusted", "tsa": "CN=TSA"},
                 "revocation": "not_checked", "chain": ["CN=Nguyễn Văn A"],
                 "modifications": "none"}],
               "policy": {"name": "vn-gov-published", "findings": [
                 {"rule": "role_required", "level": "WARN", "signature": "Sig1",
                  "detail": "no organisation signature"}]},
               "elapsed_us": 99}),
        json!({"input": "evil.tar", "name": "evil.tar#../../<x>&\"y\"\u{1}'/../../../etc/passwd.pdf",
               "bytes": 77, "status": "TOTAL_FAILED", "error": null,
               "reason": "incremental_saving: page content changed </mets:mets>",
               "signatures": [{"field": "]]><!--", "subfilter": null, "byte_range": null,
                 "revision": 1, "covers_whole_file": false, "integrity": "hash_mismatch",
                 "indication": "TOTAL_FAILED", "sub_indication": "HASH_FAILURE",
                 "reason": "digest <mismatch> & more", "signer": null, "role": null,
                 "signing_time": null, "timestamp": null, "revocation": "not_checked",
                 "chain": [], "modifications": "forbidden"}],
               "findings": [{"kind": "incremental_saving", "revision": 2, "objects": [4],
                 "detail": "page <content> changed"}],
               "policy": {"name": "etsi", "findings": []}, "elapsed_us": 1}),
        json!({"input": "in", "name": "in/tab\there\nline\r\nbreak .pdf", "bytes": 9,
               "status": "INDETERMINATE", "error": null, "reason": "no signature",
               "signatures": [], "policy": {"name": "etsi", "findings": []}, "elapsed_us": 2}),
        json!({"input": "/", "name": "/abs/../../x.pdf", "bytes": 5, "status": "ERROR",
               "error": "truncated", "reason": null, "signatures": [],
               "policy": {"name": "etsi", "findings": []}, "elapsed_us": 0}),
    ]
}

// ---------------------------------------------------------------------------------------------

#[test]
fn sample_corpus_gives_valid_mets_with_premis_events() {
    let lines = sample_lines();
    let statuses: BTreeSet<&str> = lines
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    eprintln!("sample statuses: {statuses:?}");
    for line in &lines {
        let mets = sigaudit::premis_mets(line, AT).unwrap();
        check(&mets, line, AT);
    }
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report.jsonl");
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&report, text).unwrap();
    let out = tmp.path().join("premis");
    let n = sigaudit::write_premis_dir(&[report], &out, AT).unwrap();
    assert_eq!(n, lines.len());
    let files: Vec<PathBuf> = lines
        .iter()
        .map(|l| out.join(sigaudit::mets_path(l["name"].as_str().unwrap())))
        .collect();
    for (f, l) in files.iter().zip(&lines) {
        let written = std::fs::read_to_string(f).unwrap();
        assert_eq!(written, sigaudit::premis_mets(l, AT).unwrap());
    }
    if let Some(schema) = mets_schema() {
        xmllint(&schema, &files);
        // The validator does check: a METS attribute out of place is refused.
        let broken = tmp.path().join("broken.mets.xml");
        let text = std::fs::read_to_string(&files[0]).unwrap();
        std::fs::write(
            &broken,
            text.replace("<mets:structMap TYPE=", "<mets:structMap KIND="),
        )
        .unwrap();
        let out = Command::new("xmllint")
            .args(["--noout", "--nonet", "--schema"])
            .arg(&schema)
            .arg(&broken)
            .output()
            .unwrap();
        assert!(!out.status.success(), "a broken METS file validates");
    }
}

#[test]
fn handmade_lines_error_indeterminate_and_hostile_names() {
    let lines = handmade_lines();
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let mets = sigaudit::premis_mets(line, AT).unwrap();
        let root = check(&mets, line, AT);
        let f = tmp.path().join(format!("{i}.mets.xml"));
        std::fs::write(&f, &mets).unwrap();
        files.push(f);
        // Nothing from the line reaches the markup raw.
        assert_eq!(mets.matches("</mets:mets>").count(), 1);
        assert!(!mets.contains("<x>") && !mets.contains("<!--"));
        if i == 1 {
            let sig = root.one("premis:signature");
            assert_eq!(
                sig.at("premis:signer"),
                "CN=Nguyễn Văn A, O=Bộ <Tài> & \"Chính\""
            );
            assert_eq!(
                sig.at("premis:keyInformation/ds:KeyInfo/ds:X509Data/ds:X509IssuerSerial/ds:X509SerialNumber"),
                "65296"
            );
            let props: Vec<&str> = sig
                .all("premis:signatureProperties")
                .map(|p| p.text.as_str())
                .collect();
            assert!(props
                .iter()
                .any(|p| p.contains("TSA certificate untrusted")));
            assert!(props.iter().any(|p| p.contains("CCCD:001234567890")));
        }
        if i == 2 {
            // The control character is shown, not dropped, and the document stays XML 1.0.
            assert!(mets.contains("\\u{1}"));
            let href = root.one("mets:FLocat").attr("xlink:href").unwrap();
            assert!(href.starts_with("evil.tar%23..%2F") || href.starts_with("evil.tar%23../"));
            assert!(!href.contains('<') && !href.contains('#'));
        }
    }
    if let Some(schema) = mets_schema() {
        xmllint(&schema, &files);
    }
}

#[test]
fn files_are_deterministic_and_ids_follow_the_content() {
    let lines = handmade_lines();
    let line = &lines[1];
    let a = sigaudit::premis_mets(line, AT).unwrap();
    assert_eq!(a, sigaudit::premis_mets(line, AT).unwrap());
    // elapsed_us is not part of the verdict: same file.
    let mut slower = line.clone();
    slower["elapsed_us"] = json!(123456);
    assert_eq!(a, sigaudit::premis_mets(&slower, AT).unwrap());
    // The same time written otherwise gives the same file.
    assert_eq!(
        a,
        sigaudit::premis_mets(line, "2026-07-01t00:00:00z").unwrap()
    );
    let event_id = |mets: &str| parse(mets).one("premis:eventIdentifierValue").text.clone();
    let object_id = |mets: &str| {
        parse(mets)
            .one("premis:object")
            .at("premis:objectIdentifier/premis:objectIdentifierValue")
            .to_string()
    };
    // Another validation time or another verdict: another event, the same document.
    let later = sigaudit::premis_mets(line, "2026-08-01T00:00:00Z").unwrap();
    assert_ne!(event_id(&a), event_id(&later));
    assert_eq!(object_id(&a), object_id(&later));
    let mut other = line.clone();
    other["signatures"][0]["reason"] = json!("another reason");
    let other = sigaudit::premis_mets(&other, AT).unwrap();
    assert_ne!(event_id(&a), event_id(&other));
    assert_eq!(object_id(&a), object_id(&other));
    // Another document with the same verdict: another event and object.
    let mut renamed = line.clone();
    renamed["name"] = json!("in/chain2.pdf");
    let renamed = sigaudit::premis_mets(&renamed, AT).unwrap();
    assert_ne!(event_id(&a), event_id(&renamed));
    assert_ne!(object_id(&a), object_id(&renamed));
}

#[test]
fn bad_lines_and_times_are_refused() {
    use sigaudit::PremisError;
    let good = handmade_lines().remove(0);
    assert!(matches!(
        sigaudit::premis_mets(&json!([1]), AT),
        Err(PremisError::NotAnObject)
    ));
    let mut no_name = good.clone();
    no_name.as_object_mut().unwrap().remove("name");
    assert!(matches!(
        sigaudit::premis_mets(&no_name, AT),
        Err(PremisError::Field { field: "name", .. })
    ));
    let mut status = good.clone();
    status["status"] = json!("PASSED");
    assert!(matches!(
        sigaudit::premis_mets(&status, AT),
        Err(PremisError::Status(_))
    ));
    let mut sigs = good.clone();
    sigs["signatures"] = json!("none");
    assert!(matches!(
        sigaudit::premis_mets(&sigs, AT),
        Err(PremisError::Field {
            field: "signatures",
            ..
        })
    ));
    for time in ["2026-07-01", "now", "2026-07-01T00:00:00"] {
        assert!(matches!(
            sigaudit::premis_mets(&good, time),
            Err(PremisError::Time(_))
        ));
    }
}

#[test]
fn directory_names_stay_inside_and_collisions_keep_both_files() {
    let tmp = tempfile::tempdir().unwrap();
    let mut lines = handmade_lines();
    // Two names that sanitise to the same path, and a line repeated.
    let mut twin = lines[4].clone();
    twin["name"] = json!("abs/x.pdf");
    twin["input"] = json!("other");
    lines.push(twin);
    lines.push(lines[0].clone());
    let report = tmp.path().join("r.jsonl");
    let mut text: String = lines.iter().map(|l| format!("{l}\n\n")).collect();
    text.pop(); // the last line without its newline
    std::fs::write(&report, text).unwrap();
    let out = tmp.path().join("out");
    let n = sigaudit::write_premis_dir(std::slice::from_ref(&report), &out, AT).unwrap();
    assert_eq!(n, lines.len());

    let mut found = Vec::new();
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            let t = std::fs::symlink_metadata(&p).unwrap().file_type();
            assert!(!t.is_symlink());
            if t.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    walk(&out, &mut found);
    // The repeated line rewrote its own file; every other line has one.
    assert_eq!(found.len(), lines.len() - 1, "{found:?}");
    let root = out.canonicalize().unwrap();
    for f in &found {
        assert!(f.canonicalize().unwrap().starts_with(&root));
        assert!(
            f.to_str().unwrap().ends_with(".mets.xml"),
            "{}",
            f.display()
        );
    }
    assert!(out.join("abs/x.pdf.mets.xml").is_file());
    assert!(found.iter().any(|f| f
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("x.pdf~")));
    assert!(out
        .join("evil.tar_../_x_&_y__'/etc/passwd.pdf.mets.xml")
        .is_file());
    assert!(!tmp.path().join("etc").exists());
    // Nothing is left behind by the temporary files.
    assert!(found.iter().all(|f| !f
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with(".premis-")));

    if let Some(schema) = mets_schema() {
        xmllint(&schema, &found);
    }

    // A line that is not a report line is an error naming the file and line.
    let bad = tmp.path().join("bad.jsonl");
    std::fs::write(&bad, format!("{}\n{{\"name\": 1}}\n", lines[0])).unwrap();
    let err = sigaudit::write_premis_dir(&[bad], &tmp.path().join("out2"), AT).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert!(err.to_string().contains("bad.jsonl:2"), "{err}");
    let err = sigaudit::write_premis_dir(&[report], &out, "yesterday").unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_under_the_directory_is_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink(&outside, out.join("in")).unwrap();
    let report = tmp.path().join("r.jsonl");
    std::fs::write(&report, format!("{}\n", handmade_lines()[0])).unwrap();
    let err = sigaudit::write_premis_dir(&[report], &out, AT).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
}

/// The command line: `sigaudit report REPORT.jsonl --premis DIR --at T` writes one METS file
/// per line, each with the event date given.
#[test]
fn report_premis_writes_one_file_per_line() {
    let lines = sample_lines();
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("report.jsonl");
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    std::fs::write(&jsonl, text.join("\n") + "\n").unwrap();
    let out = dir.path().join("premis");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_sigaudit"))
        .arg("report")
        .arg(&jsonl)
        .arg("--premis")
        .arg(&out)
        .args(["--at", "2026-07-01T00:00:00Z"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for l in &lines {
        let name = l["name"].as_str().unwrap();
        let file = out.join(sigaudit::mets_path(name));
        let mets = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            mets.contains("2026-07-01T00:00:00Z"),
            "{name}: the event's date"
        );
    }
    // Without --at there is no event date: refused.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_sigaudit"))
        .arg("report")
        .arg(&jsonl)
        .arg("--premis")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
