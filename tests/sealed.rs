//! Detached CMS signatures over files that are not PDFs (`report.html.p7s` beside
//! `report.html`: a sealed audit report), verified by `sigaudit verify` like any signature;
//! the signatures are made by openssl, an independent implementation.

mod common;

use std::path::Path;
use std::process::Command;

/// A CA, a signer it issued, `report.html` and its detached signature made by `openssl cms
/// -sign`; `None` (a visible skip, a failure under CI) when openssl cannot run.
fn sealed(dir: &Path) -> Option<()> {
    let run = |args: &[&str]| -> Option<()> {
        match Command::new("openssl").current_dir(dir).args(args).output() {
            Ok(o) if o.status.success() => Some(()),
            Ok(o) => common::cannot_run("openssl", &String::from_utf8_lossy(&o.stderr)),
            Err(e) => common::cannot_run("openssl", &e.to_string()),
        }
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "30",
        "-subj",
        "/CN=Audit CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ])?;
    let other = "req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 30";
    let mut args: Vec<&str> = other.split(' ').collect();
    args.extend(["-subj", "/CN=Another CA"]);
    run(&args)?;
    run(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "signer.key",
        "-out",
        "signer.csr",
        "-subj",
        "/CN=Auditor/O=Audit Office",
    ])?;
    std::fs::write(
        dir.join("ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "signer.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "signer.pem",
        "-days",
        "30",
        "-extfile",
        "ext",
    ])?;
    std::fs::write(
        dir.join("report.html"),
        "<html><p>1,000 documents, 998 passed</p></html>",
    )
    .unwrap();
    run(&[
        "cms",
        "-sign",
        "-binary",
        "-in",
        "report.html",
        "-signer",
        "signer.pem",
        "-inkey",
        "signer.key",
        "-outform",
        "DER",
        "-out",
        "report.html.p7s",
        "-md",
        "sha256",
    ])
}

fn verify(dir: &Path, trust: &str) -> serde_json::Value {
    let o = Command::new(env!("CARGO_BIN_EXE_sigaudit"))
        .current_dir(dir)
        .args([
            "verify",
            "report.html.p7s",
            "--trust",
            trust,
            "--accept-missing-revocation",
        ])
        .output()
        .unwrap();
    let line = String::from_utf8(o.stdout).unwrap();
    let first = line.lines().next();
    let first = first.unwrap_or_else(|| panic!("no line: {}", String::from_utf8_lossy(&o.stderr)));
    serde_json::from_str(first).unwrap()
}

#[test]
fn a_sealed_report_verifies_and_a_changed_one_fails() {
    let dir = tempfile::tempdir().unwrap();
    let Some(()) = sealed(dir.path()) else { return };
    let l = verify(dir.path(), "ca.pem");
    assert_eq!(l["status"], "TOTAL_PASSED", "{l}");
    let s = &l["signatures"][0];
    assert_eq!(s["integrity"], "ok");
    assert_eq!(s["signer"]["subject"], "CN=Auditor, O=Audit Office");
    assert_eq!(s["chain"].as_array().unwrap().len(), 2, "signer and CA");
    // Another anchor: no path.
    let l = verify(dir.path(), "other.pem");
    assert_eq!(l["status"], "INDETERMINATE", "{l}");
    assert_eq!(
        l["signatures"][0]["sub_indication"],
        "NO_CERTIFICATE_CHAIN_FOUND"
    );
    // One byte of the report changed: the signature no longer holds.
    let mut html = std::fs::read(dir.path().join("report.html")).unwrap();
    html[10] ^= 1;
    std::fs::write(dir.path().join("report.html"), &html).unwrap();
    let l = verify(dir.path(), "ca.pem");
    assert_eq!(l["status"], "TOTAL_FAILED", "{l}");
    assert_eq!(l["signatures"][0]["sub_indication"], "HASH_FAILURE");
    // The report gone: the signature's line says so.
    std::fs::remove_file(dir.path().join("report.html")).unwrap();
    let l = verify(dir.path(), "ca.pem");
    assert_eq!(l["status"], "ERROR", "{l}");
    assert!(l["error"].as_str().unwrap().contains("its content"), "{l}");
}

/// `verify --etsi-xml DIR --sign-report KEY --sign-cert CERT` seals DIR/MANIFEST.sha256 (every
/// report's SHA-256), and `report --html FILE --sign-report …` seals the page: both verify with
/// `sigaudit verify FILE.p7s`, the manifest checks with `sha256sum -c`, and a report changed
/// afterwards is caught.
#[test]
fn sealed_evidence_from_verify_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let Some(()) = sealed(dir.path()) else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let xml = dir.path().join("xml");
    let jsonl = dir.path().join("run.jsonl");
    let o = Command::new(env!("CARGO_BIN_EXE_sigaudit"))
        .arg("verify")
        .arg(root.join("corpus/sample/docs"))
        .arg("--trust")
        .arg(root.join("corpus/sample/pki/roots"))
        .args(["--at", "2026-07-01T00:00:00Z", "--etsi-xml"])
        .arg(&xml)
        .arg("--report")
        .arg(&jsonl)
        .arg("--sign-report")
        .arg(dir.path().join("signer.key"))
        .arg("--sign-cert")
        .arg(dir.path().join("signer.pem"))
        .output()
        .unwrap();
    assert!(
        o.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let manifest = std::fs::read_to_string(xml.join("MANIFEST.sha256")).unwrap();
    assert_eq!(manifest.lines().count(), 32, "one line per report");
    match Command::new("sha256sum")
        .current_dir(&xml)
        .args(["--strict", "-c", "MANIFEST.sha256"])
        .output()
    {
        Ok(c) => assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stdout)),
        Err(e) => return common::cannot_run("sha256sum", &e.to_string()).unwrap_or(()),
    }
    let check = |p7s: &Path| -> serde_json::Value {
        let o = Command::new(env!("CARGO_BIN_EXE_sigaudit"))
            .arg("verify")
            .arg(p7s)
            .arg("--trust")
            .arg(dir.path().join("ca.pem"))
            .arg("--accept-missing-revocation")
            .output()
            .unwrap();
        serde_json::from_str(String::from_utf8(o.stdout).unwrap().lines().next().unwrap()).unwrap()
    };
    assert_eq!(
        check(&xml.join("MANIFEST.sha256.p7s"))["status"],
        "TOTAL_PASSED"
    );
    // The page, sealed.
    let html = dir.path().join("audit.html");
    let o = Command::new(env!("CARGO_BIN_EXE_sigaudit"))
        .arg("report")
        .arg(&jsonl)
        .arg("--html")
        .arg(&html)
        .arg("--sign-report")
        .arg(dir.path().join("signer.key"))
        .arg("--sign-cert")
        .arg(dir.path().join("signer.pem"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        check(&dir.path().join("audit.html.p7s"))["status"],
        "TOTAL_PASSED"
    );
    // A changed page no longer matches its seal.
    let mut page = std::fs::read(&html).unwrap();
    let at = page.len() / 2;
    page[at] = if page[at] == b'x' { b'y' } else { b'x' };
    std::fs::write(&html, &page).unwrap();
    let l = check(&dir.path().join("audit.html.p7s"));
    assert_eq!(l["status"], "TOTAL_FAILED", "{l}");
}

/// A detached signature without signed attributes signs the content itself (RFC 5652, 5.4):
/// it is checked over the file, not called malformed (the first version said FORMAT_FAILURE,
/// a failure for what it had not checked).
#[test]
fn a_detached_signature_without_signed_attributes_is_checked_over_the_content() {
    let dir = tempfile::tempdir().unwrap();
    let Some(()) = sealed(dir.path()) else { return };
    let o = Command::new("openssl")
        .current_dir(dir.path())
        .args([
            "cms",
            "-sign",
            "-binary",
            "-noattr",
            "-in",
            "report.html",
            "-signer",
        ])
        .args([
            "signer.pem",
            "-inkey",
            "signer.key",
            "-outform",
            "DER",
            "-md",
            "sha256",
        ])
        .args(["-out", "report.html.p7s"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let l = verify(dir.path(), "ca.pem");
    assert_eq!(l["status"], "TOTAL_PASSED", "{l}");
    let mut html = std::fs::read(dir.path().join("report.html")).unwrap();
    html[0] ^= 1;
    std::fs::write(dir.path().join("report.html"), &html).unwrap();
    let l = verify(dir.path(), "ca.pem");
    assert_eq!(l["status"], "TOTAL_FAILED", "{l}");
    assert_eq!(l["signatures"][0]["sub_indication"], "SIG_CRYPTO_FAILURE");
}
