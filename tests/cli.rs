//! The binary is thin: it parses arguments, calls the library and maps the outcome to an exit
//! code.

use std::path::Path;
use std::process::Command;

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/sample/docs")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn version_help_and_usage_errors() {
    let bin = env!("CARGO_BIN_EXE_sigaudit");
    let v = Command::new(bin).arg("--version").output().unwrap();
    assert!(v.status.success());
    assert!(String::from_utf8_lossy(&v.stdout).contains(env!("CARGO_PKG_VERSION")));
    let h = Command::new(bin).arg("--help").output().unwrap();
    assert!(h.status.success());
    assert!(String::from_utf8_lossy(&h.stdout).contains("inspect"));
    let none = Command::new(bin).output().unwrap();
    assert_eq!(none.status.code(), Some(2));
    let bad = Command::new(bin).arg("--no-such-flag").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let missing = Command::new(bin)
        .args(["inspect", "/nonexistent/file.pdf"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn inspect_prints_one_json_line_per_file() {
    let bin = env!("CARGO_BIN_EXE_sigaudit");
    // doc-000001: valid, 6 signatures; doc-000018: not a PDF.
    let out = Command::new(bin)
        .args([
            "inspect",
            &sample("doc-000001.pdf"),
            &sample("doc-000018.pdf"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "one file is not a PDF");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let doc = &lines[0]["inspection"]["document"];
    assert_eq!(doc["signatures"].as_array().unwrap().len(), 6);
    assert_eq!(doc["revisions"].as_array().unwrap().len(), 7);
    assert_eq!(doc["checks"][5]["coverage"], "ENTIRE_FILE");
    assert_eq!(doc["checks"][0]["coverage"], "ENTIRE_REVISION");
    assert_eq!(doc["signatures"][0]["field"], "Sig1_NguoiKy");
    assert!(lines[1]["inspection"]["error"]
        .as_str()
        .unwrap()
        .contains("not a PDF"));

    let ok = Command::new(bin)
        .args(["inspect", "--pretty", &sample("doc-000001.pdf")])
        .output()
        .unwrap();
    assert!(ok.status.success());
}
