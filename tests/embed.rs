//! The embedding example (`examples/embed.rs`, the public API alone) agrees with the sample
//! corpus' manifest on every document.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The example's binary: `cargo test` builds it beside the test binaries; `cargo test --test
/// embed` does not, and then it is built here.
fn embed() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = profile_dir
        .join("examples")
        .join(format!("embed{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "--example", "embed"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "the example builds");
    }
    assert!(bin.exists(), "{}", bin.display());
    bin
}

#[test]
fn embed_agrees_with_the_sample_manifest_on_every_document() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/sample");
    let pki = sample.join("pki");
    let out = Command::new(embed())
        .arg(sample.join("docs"))
        .args(["--trust".as_ref(), pki.join("roots").as_os_str()])
        .args(["--certs".as_ref(), pki.join("intermediates").as_os_str()])
        .args(["--crl".as_ref(), pki.join("crls").as_os_str()])
        .args(["--at", "2026-07-01T00:00:00Z"])
        .output()
        .expect("embed runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?}: {stderr}",
        out.status
    );
    let printed: BTreeMap<String, String> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| {
            let (status, name) = l.split_once('\t').expect("STATUS<TAB>name");
            (name.to_string(), status.to_string())
        })
        .collect();
    let manifest = std::fs::read_to_string(sample.join("manifest.jsonl")).expect("manifest");
    let expected: BTreeMap<String, String> = manifest
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            let name = v["name"].as_str().expect("name");
            let file = name.rsplit('/').next().expect("file name").to_string();
            (file, v["status"].as_str().expect("status").to_string())
        })
        .collect();
    assert!(expected.len() >= 30, "{} documents", expected.len());
    assert_eq!(printed, expected);
    // Exit code 1: the sample holds failing documents.
    assert!(expected.values().any(|s| s != "TOTAL_PASSED"));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn embed_refuses_a_missing_validation_time() {
    let out = Command::new(embed()).arg(".").output().expect("embed runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--at is required"));
}
