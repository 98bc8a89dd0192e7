//! Encrypted documents made and signed by tools we did not write: qpdf encrypts (AES-256 R6
//! with object streams, AES-256 R5, AES-128 R4, RC4 R3 and R2, all with the empty user
//! password; AES-256 with a user password), pyHanko signs with an incremental update under the
//! same encryption and validates the result (`tests/oracle/encrypted.py`). sigaudit must verify
//! every signature, read the field names pyHanko reads, and, where the empty password does not
//! open the document, still verify the signature and say that names and strings are
//! encrypted instead of showing ciphertext. R5 stays unsigned (pyHanko does not implement it):
//! its names must decrypt.
//!
//! Needs python3 with pyHanko and qpdf; without them a visible skip, except under CI (`CI`
//! set), where a missing tool is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use sigaudit::internals::pdf::{self, Finding, ENCRYPTED_TEXT};
use sigaudit::DocumentStatus;
use sigaudit::FindingKind;
use sigaudit::{DocumentReport, Integrity};
use sigaudit::{Policy, ValidationTime, Verifier};

fn available(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The oracle's directory and lines, made once for the binary; `None` after a visible skip
/// (a failure under CI).
fn oracle() -> Option<&'static (tempfile::TempDir, Vec<Value>)> {
    static ORACLE: OnceLock<Option<(tempfile::TempDir, Vec<Value>)>> = OnceLock::new();
    ORACLE.get_or_init(run_oracle).as_ref()
}

fn run_oracle() -> Option<(tempfile::TempDir, Vec<Value>)> {
    let tools = [
        ("qpdf", available("qpdf", &["--version"])),
        (
            "pyhanko",
            available(
                "python3",
                &["-c", "import pyhanko, pyhanko_certvalidator, cryptography"],
            ),
        ),
    ];
    let missing: Vec<_> = tools.iter().filter(|t| !t.1).map(|t| t.0).collect();
    if !missing.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "oracle tools missing under CI: {missing:?}"
        );
        eprintln!("SKIP: the encrypted-document oracle needs {missing:?}");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle/encrypted.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(dir.path())
        .output()
        .expect("run encrypted.py");
    assert!(
        out.status.success(),
        "encrypted.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6, "{lines:?}");
    Some((dir, lines))
}

fn case<'a>(lines: &'a [Value], name: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["case"] == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

/// Verified now, trusting the oracle's CA, without revocation data.
fn verify(dir: &Path, file: &Path) -> DocumentReport {
    let verifier = Verifier::builder()
        .trust_anchors([std::fs::read(dir.join("ca.pem")).unwrap()])
        .validation_time(ValidationTime::now())
        .policy(
            Policy::default().with(sigaudit::Rule::RevocationAvailable, sigaudit::Level::Inform),
        )
        .build()
        .expect("the oracle's CA loads");
    let data = std::fs::read(file).unwrap();
    verifier.verify(&file.display().to_string(), &data)
}

fn file(dir: &Path, line: &Value) -> PathBuf {
    dir.join(
        Path::new(line["file"].as_str().unwrap())
            .file_name()
            .unwrap(),
    )
}

#[test]
fn documents_that_open_with_the_empty_password_verify_under_their_real_names() {
    let Some((dir, lines)) = oracle() else { return };
    let mut checked = 0;
    for l in lines.iter().filter(|l| l["decryptable"] == true) {
        let name = l["case"].as_str().unwrap();
        let path = file(dir.path(), l);
        let doc =
            pdf::read(&std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            doc.findings.iter().any(|f| matches!(f,
                Finding::Encrypted { handler, decrypted: true, .. } if handler == "Standard")),
            "{name}: {:?}",
            doc.findings
        );
        assert!(
            !doc.findings
                .iter()
                .any(|f| matches!(f, Finding::EncryptPermsMismatch { .. })),
            "{name}: {:?}",
            doc.findings
        );
        // qpdf encrypted this name (UTF-16BE, not ASCII), pyHanko the signed field's.
        assert_eq!(
            doc.unsigned_fields,
            [l["unsigned_field"].as_str().unwrap()],
            "{name}"
        );
        let report = verify(dir.path(), &path);
        let json = serde_json::to_string(&report).unwrap();
        assert!(
            !report
                .findings
                .iter()
                .any(|f| f.kind == FindingKind::EncryptedStrings),
            "{name}: {json}"
        );
        let Some(field) = l["field"].as_str() else {
            // R5 is unsigned (pyHanko does not implement it): read, not an ERROR.
            assert_eq!(
                report.status,
                DocumentStatus::Indeterminate,
                "{name}: {json}"
            );
            checked += 1;
            continue;
        };
        assert_eq!(
            l["intact"], true,
            "{name}: pyHanko says the signature is intact"
        );
        assert_eq!(
            l["valid"], true,
            "{name}: pyHanko says the signature is valid"
        );
        assert_eq!(report.signatures.len(), 1, "{name}: {json}");
        let s = &report.signatures[0];
        assert_eq!(s.field, field, "{name}: pyHanko's field name");
        // The FieldMDP lock's field list, a string of the signature's objects.
        assert_eq!(
            s.permissions.field_lock,
            Some((
                "Include".into(),
                vec![l["unsigned_field"].as_str().unwrap().into()]
            )),
            "{name}: {json}"
        );
        assert_eq!(s.integrity, Integrity::Ok, "{name}: {json}");
        assert!(s.covers_whole_file, "{name}: {json}");
        assert_eq!(report.status, DocumentStatus::TotalPassed, "{name}: {json}");
        checked += 1;
    }
    assert_eq!(checked, 5, "R6, R5, AES-128 and two RC4 cases");
}

#[test]
fn a_document_with_a_user_password_verifies_and_says_its_names_are_encrypted() {
    let Some((dir, lines)) = oracle() else { return };
    let l = case(lines, "aes256-r6-userpw");
    assert_eq!(l["intact"], true, "pyHanko (with the password) says intact");
    let path = file(dir.path(), l);
    let doc = pdf::read(&std::fs::read(&path).unwrap()).unwrap();
    assert!(
        doc.findings.iter().any(|f| matches!(f,
            Finding::Encrypted { handler, decrypted: false, reason: Some(r) }
                if handler == "Standard" && r.contains("user password"))),
        "{:?}",
        doc.findings
    );
    assert_eq!(doc.unsigned_fields, [ENCRYPTED_TEXT]);
    let report = verify(dir.path(), &path);
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(report.signatures.len(), 1, "{json}");
    let s = &report.signatures[0];
    // /ByteRange and /Contents are never encrypted: the signature verifies.
    assert_eq!(s.integrity, Integrity::Ok, "{json}");
    assert_ne!(report.status, DocumentStatus::Error, "{json}");
    // The name is not shown as ciphertext, and the document says why.
    assert_eq!(s.field, ENCRYPTED_TEXT, "{json}");
    assert_eq!(
        s.permissions.field_lock,
        Some(("Include".into(), vec![ENCRYPTED_TEXT.into()])),
        "{json}"
    );
    let f = report
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::EncryptedStrings)
        .unwrap_or_else(|| panic!("no encrypted_strings finding: {json}"));
    assert!(
        f.detail.contains("/Standard") && f.detail.contains("user password"),
        "{}",
        f.detail
    );
    assert!(json.contains("\"kind\":\"encrypted_strings\""), "{json}");
}

#[test]
fn altered_permissions_are_a_finding_not_an_error() {
    let Some((dir, lines)) = oracle() else { return };
    let l = case(lines, "aes256-r5");
    let data = std::fs::read(file(dir.path(), l)).unwrap();
    let at = data
        .windows(6)
        .position(|w| w == b"/P -4 ")
        .expect("qpdf writes /P -4");
    let mut altered = data.clone();
    altered[at..at + 6].copy_from_slice(b"/P -8 ");
    let doc = pdf::read(&altered).unwrap();
    assert!(
        doc.findings.iter().any(|f| matches!(f,
            Finding::EncryptPermsMismatch { reason } if reason.contains("/P"))),
        "{:?}",
        doc.findings
    );
    // Still decrypted: the names read.
    assert_eq!(doc.unsigned_fields, [l["unsigned_field"].as_str().unwrap()]);
}
