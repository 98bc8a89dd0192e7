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

fn sample_dir(sub: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/sample")
        .join(sub)
        .display()
        .to_string()
}

/// The sample corpus' manifest, by file name.
fn sample_manifest() -> std::collections::HashMap<String, serde_json::Value> {
    let text = std::fs::read_to_string(sample_dir("manifest.jsonl")).unwrap();
    text.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| {
            let name = v["name"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            (name, v)
        })
        .collect()
}

fn verify(files: &[String], extra: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sigaudit"));
    cmd.arg("verify")
        .args(files)
        .args(["--trust", &sample_dir("pki/roots")])
        .args(["--certs", &sample_dir("pki/intermediates")])
        .args(["--crl", &sample_dir("pki/crls")])
        .args(["--at", "2026-07-01T00:00:00Z"])
        .args(extra);
    cmd.output().unwrap()
}

#[test]
fn verify_prints_one_line_per_document_matching_the_sample_manifest() {
    let manifest = sample_manifest();
    let mut names: Vec<&String> = manifest.keys().collect();
    names.sort();
    let files: Vec<String> = names.iter().map(|n| sample(n)).collect();
    let summary_file =
        std::env::temp_dir().join(format!("sigaudit-cli-summary-{}.json", std::process::id()));
    let out = verify(
        &files,
        &[
            "--jobs",
            "2",
            "--ordered",
            "--summary",
            summary_file.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the sample holds failing documents"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        files.len(),
        "one line per document, in input order"
    );
    for (line, file) in lines.iter().zip(&files) {
        assert_eq!(line["name"].as_str().unwrap(), file);
        let name = file.rsplit('/').next().unwrap();
        let expected = &manifest[name];
        assert_eq!(line["status"], expected["status"], "{name}");
        if expected["status"] != "ERROR" {
            let verdicts = |v: &serde_json::Value| -> Vec<(serde_json::Value, serde_json::Value, serde_json::Value)> {
                v["signatures"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| {
                        (
                            s["field"].clone(),
                            s["indication"].clone(),
                            s["sub_indication"].clone(),
                        )
                    })
                    .collect()
            };
            let (got, want) = (verdicts(line), verdicts(expected));
            assert_eq!(got, want, "{name}");
        } else {
            assert!(
                line["error"].is_string(),
                "{name}: an ERROR names its reason"
            );
        }
        for key in ["bytes", "signatures", "reason"] {
            assert!(line.get(key).is_some(), "{key} present");
        }
    }
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("cache hits: "),
        "summary with cache hit rates: {stderr}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary_file).unwrap()).unwrap();
    std::fs::remove_file(&summary_file).unwrap();
    assert_eq!(summary["documents"], files.len());
    let by_status: u64 = summary["by_status"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(by_status, files.len() as u64);
    assert!(summary["caches"]["paths"]["hits"].as_u64().unwrap() > 0);
    assert!(summary["documents_per_second"].as_f64().unwrap() > 0.0);
}

#[test]
fn verify_exit_codes() {
    // A valid document passes: exit 0, with every schema field present.
    let out = verify(&[sample("doc-000001.pdf")], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sig = &line["signatures"][0];
    for key in [
        "field",
        "subfilter",
        "byte_range",
        "revision",
        "covers_whole_file",
        "integrity",
        "indication",
        "sub_indication",
        "reason",
        "signer",
        "signing_time",
        "timestamp",
        "revocation",
        "chain",
    ] {
        assert!(sig.get(key).is_some(), "signature field {key}");
    }
    assert_eq!(sig["integrity"], "ok");
    assert_eq!(sig["revocation"], "good");
    assert_eq!(sig["chain"].as_array().unwrap().len(), 3);
    // Without CRLs: INDETERMINATE/TRY_LATER (exit 1) unless the policy accepts it.
    let bin = env!("CARGO_BIN_EXE_sigaudit");
    let base = |extra: &[&str]| {
        Command::new(bin)
            .args(["verify", &sample("doc-000001.pdf")])
            .args(["--trust", &sample_dir("pki/roots")])
            .args(["--certs", &sample_dir("pki/intermediates")])
            .args(["--at", "2026-07-01T00:00:00Z"])
            .args(extra)
            .output()
            .unwrap()
    };
    let no_crl = base(&[]);
    assert_eq!(no_crl.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_crl.stdout).contains("TRY_LATER"));
    let accepted = base(&["--accept-missing-revocation"]);
    assert_eq!(accepted.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&accepted.stdout).contains("\"revocation\":\"unknown\""));
    // Operational errors: exit 2.
    let bad_time = Command::new(bin)
        .args(["verify", &sample("doc-000001.pdf")])
        .args(["--trust", &sample_dir("pki/roots"), "--at", "yesterday"])
        .output()
        .unwrap();
    assert_eq!(bad_time.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_time.stderr).contains("RFC 3339"));
    let missing_trust = Command::new(bin)
        .args([
            "verify",
            &sample("doc-000001.pdf"),
            "--trust",
            "/nonexistent",
        ])
        .output()
        .unwrap();
    assert_eq!(missing_trust.status.code(), Some(2));
    // An unreadable input: exit 2, yet it has its line and the other documents theirs.
    let missing_file = verify(
        &["/nonexistent.pdf".to_string(), sample("doc-000001.pdf")],
        &["--ordered"],
    );
    assert_eq!(missing_file.status.code(), Some(2));
    let lines: Vec<serde_json::Value> = String::from_utf8(missing_file.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["status"], "ERROR");
    assert_eq!(lines[1]["status"], "TOTAL_PASSED");
}

#[test]
fn the_sha1_cut_off_is_a_policy_setting() {
    // doc-000023: legacy_sha1, one SHA-1 signature without a timestamp.
    let manifest = sample_manifest();
    let (name, _) = manifest
        .iter()
        .find(|(_, v)| v["case"] == "legacy_sha1")
        .expect("a legacy_sha1 document in the sample");
    let default = verify(&[sample(name)], &[]);
    let text = String::from_utf8_lossy(&default.stdout).to_string();
    assert!(text.contains("CRYPTO_CONSTRAINTS_FAILURE_NO_POE"), "{text}");
    // A cut-off after the validation time accepts SHA-1 for everything at hand (the validation
    // time is every signature's latest proof of existence): the document passes.
    let lenient = verify(&[sample(name)], &["--sha1-until", "2027-01-01T00:00:00Z"]);
    let text = String::from_utf8_lossy(&lenient.stdout).to_string();
    assert_eq!(lenient.status.code(), Some(0), "{text}");
    let bad = verify(&[sample(name)], &["--sha1-until", "soon"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn text_format_is_a_table_line_per_document() {
    let files = vec![sample("doc-000001.pdf"), sample("doc-000018.pdf")];
    let out = verify(&files, &["--format", "text", "--ordered"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("TOTAL_PASSED") && lines[0].contains("6 sig"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("ERROR") && lines[1].contains("not a PDF"),
        "{}",
        lines[1]
    );
}
