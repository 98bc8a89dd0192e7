//! `verify --etsi-xml DIR`: one ETSI TS 119 102-2 report per document, valid against the
//! official schema (`../shared/schemas/etsi-ts-119102-2`, xmllint offline), stating the same
//! indications as the JSON line, the same bytes whatever the parallelism.

// What `../shared` holds is present in CI: with the "CI" variable set a missing copy fails the
// test (`common::shared_or_skip`); elsewhere the test prints a visible skip.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use quick_xml::events::Event;
use quick_xml::Reader;

fn schema() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas/etsi-ts-119102-2");
    let xsd = dir.join("TS119102-2-v141.xsd");
    common::shared_or_skip(&dir, xsd.is_file()).map(|d| d.join("TS119102-2-v141.xsd"))
}

/// Runs `sigaudit verify` with `--etsi-xml out`; the report lines.
fn verify(corpus: &Path, out: &Path, jobs: &str, extra: &[&str]) -> Vec<serde_json::Value> {
    let pki = corpus.join("pki");
    let o = Command::new(env!("CARGO_BIN_EXE_sigaudit"))
        .arg("verify")
        .arg(corpus.join("docs"))
        .arg("--trust")
        .arg(pki.join("roots"))
        .arg("--certs")
        .arg(pki.join("intermediates"))
        .arg("--crl")
        .arg(pki.join("crls"))
        .args(["--at", common::GENERATED_AT, "--jobs", jobs, "--etsi-xml"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        o.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every report file under `dir`, validated by xmllint against `xsd` in one call; the files.
fn validate_all(dir: &Path, xsd: &Path) -> Option<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let out = match Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(xsd)
        .args(&files)
        .output()
    {
        Ok(o) => o,
        Err(e) => return common::cannot_run("xmllint", &e.to_string()),
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "xmllint: {}",
        &stderr[..stderr.len().min(4000)]
    );
    assert_eq!(
        stderr.matches(" validates").count(),
        files.len(),
        "{stderr}"
    );
    Some(files)
}

/// `(MainIndication, SubIndication, DAIdentifier, constraints)` of each
/// SignatureValidationReport, in order.
fn statuses(xml: &[u8]) -> Vec<(String, Option<String>, Option<String>, usize)> {
    let mut r = Reader::from_reader(xml);
    let mut out = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut buf = Vec::new();
    loop {
        match r.read_event_into(&mut buf).unwrap() {
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                if name == "vr:SignatureValidationReport" {
                    out.push((String::new(), None, None, 0));
                }
                if name == "vr:ValidationConstraint" {
                    out.last_mut().unwrap().3 += 1;
                }
                path.push(name);
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Text(t) => {
                let text = t.decode().unwrap().into_owned();
                let parent = path.get(path.len().wrapping_sub(2)).map(String::as_str);
                let leaf = path.last().map(String::as_str);
                let Some(cur) = out.last_mut() else { continue };
                match (parent, leaf) {
                    (Some("vr:SignatureValidationStatus"), Some("vr:MainIndication")) => {
                        cur.0 = text
                    }
                    (Some("vr:SignatureValidationStatus"), Some("vr:SubIndication")) => {
                        cur.1 = Some(text)
                    }
                    (Some("vr:SignatureIdentifier"), Some("vr:DAIdentifier")) => cur.2 = Some(text),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

fn main_uri(indication: &str) -> String {
    format!(
        "urn:etsi:019102:mainindication:{}",
        indication.to_ascii_lowercase().replace('_', "-")
    )
}

/// The bar: 120 generated mixed documents; every report validates against the schema
/// and states the same indications as the JSON line; one worker writes the same bytes.
#[test]
fn every_report_validates_and_states_the_lines_indications() {
    let Some(xsd) = schema() else { return };
    let corpus = tempfile::tempdir().unwrap();
    common::generate(
        corpus.path(),
        120,
        5,
        sigaudit_corpus::cases::Profile::Mixed,
        "0",
    );
    let out = tempfile::tempdir().unwrap();
    let lines = verify(corpus.path(), out.path(), "2", &[]);
    assert_eq!(lines.len(), 120);
    let Some(files) = validate_all(out.path(), &xsd) else {
        return;
    };
    assert_eq!(files.len(), 120, "one report per document");
    let mut signatures = 0;
    let mut revoked = 0;
    for l in &lines {
        let name = l["name"].as_str().unwrap();
        let file = sigaudit::etsi_xml::report_path(out.path(), name);
        let xml = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let got = statuses(&xml);
        let sigs = l["signatures"].as_array().unwrap();
        if sigs.is_empty() {
            assert_eq!(got.len(), 1, "{name}");
            assert_eq!(got[0].0, main_uri("INDETERMINATE"), "{name}");
            continue;
        }
        assert_eq!(got.len(), sigs.len(), "{name}");
        // The CRL or OCSP response that settled a signer's status is a validation object the
        // status refers to; a revocation is stated with its time.
        let text = String::from_utf8_lossy(&xml);
        let states = |r: &str| sigs.iter().filter(|s| s["revocation"] == r).count();
        assert_eq!(
            text.matches("<vr:RelatedValidationObject ").count(),
            states("good") + states("revoked"),
            "{name}"
        );
        assert_eq!(
            text.matches("<vr:RevocationStatusInformation>").count(),
            states("revoked"),
            "{name}"
        );
        revoked += states("revoked");
        for (s, (main, sub, field, _)) in sigs.iter().zip(&got) {
            assert_eq!(*main, main_uri(s["indication"].as_str().unwrap()), "{name}");
            let want = s["sub_indication"]
                .as_str()
                .map(|x| format!("urn:etsi:019102:subindication:{x}"));
            assert_eq!(*sub, want, "{name} {}", s["field"]);
            assert_eq!(field.as_deref(), s["field"].as_str(), "{name}");
            signatures += 1;
        }
    }
    assert!(signatures > 500, "{signatures} signatures compared");
    assert!(revoked > 0, "revoked signers were among them");
    // One worker: the same reports, byte for byte.
    let serial = tempfile::tempdir().unwrap();
    verify(corpus.path(), serial.path(), "1", &[]);
    for f in &files {
        let rel = f.strip_prefix(out.path()).unwrap();
        assert_eq!(
            std::fs::read(f).unwrap(),
            std::fs::read(serial.path().join(rel)).unwrap(),
            "{}",
            rel.display()
        );
    }
}

/// Policy findings become constraint reports; a hostile file name is escaped and the report
/// still validates.
#[test]
fn policy_findings_and_hostile_names_in_the_report() {
    let Some(xsd) = schema() else { return };
    let corpus = tempfile::tempdir().unwrap();
    common::generate(
        corpus.path(),
        6,
        9,
        sigaudit_corpus::cases::Profile::National,
        "0",
    );
    let docs = corpus.path().join("docs");
    let first = std::fs::read_dir(&docs)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::copy(&first, docs.join("a&b<c>\"d'.pdf")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let lines = verify(
        corpus.path(),
        out.path(),
        "2",
        &["--policy", "vn-gov-issued"],
    );
    let Some(files) = validate_all(out.path(), &xsd) else {
        return;
    };
    assert_eq!(files.len(), lines.len());
    let mut constraints = 0;
    for l in &lines {
        let xml = std::fs::read(sigaudit::etsi_xml::report_path(
            out.path(),
            l["name"].as_str().unwrap(),
        ))
        .unwrap();
        let findings = l["policy"]["findings"].as_array().unwrap();
        let document_level = findings.iter().filter(|f| f["signature"].is_null()).count();
        for (s, got) in l["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .zip(statuses(&xml))
        {
            let own = findings
                .iter()
                .filter(|f| f["signature"] == s["field"])
                .count();
            assert_eq!(got.3, own + document_level, "{}", l["name"]);
            constraints += got.3;
        }
        if l["name"].as_str().unwrap().contains("a&b") {
            let text = String::from_utf8(xml).unwrap();
            assert!(text.contains("a&amp;b&lt;c&gt;"), "escaped name");
        }
    }
    assert!(constraints > 0, "the pack's findings were reported");
}
