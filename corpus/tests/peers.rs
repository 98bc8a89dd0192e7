//! Validators we did not write judge a generated corpus: poppler's pdfsig and pyHanko must agree
//! with the manifest on everything each can judge offline (see `corpus/peers/peer_check.py`).
//!
//! Needs `pdfsig` (poppler-utils), `certutil` (libnss3-tools) and pyHanko (`pip install -r
//! corpus/peers/requirements.txt`). Where they are missing the test prints a visible skip,
//! except under CI (`CI` set), where a missing tool is a failure.

mod common;

use std::path::Path;
use std::process::Command;

use sigaudit_corpus::cases::Profile;

fn available(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn pdfsig_and_pyhanko_agree_with_the_manifest() {
    let tools = [
        ("pdfsig", available("pdfsig", &["-v"])),
        ("certutil", available("sh", &["-c", "command -v certutil"])),
        (
            "pyhanko",
            available("python3", &["-c", "import pyhanko, pyhanko_certvalidator"]),
        ),
    ];
    let missing: Vec<_> = tools
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        if std::env::var_os("CI").is_some() {
            panic!("peer tools missing under CI: {missing:?} (.ci/run installs them)");
        }
        eprintln!("SKIPPED pdfsig_and_pyhanko_agree_with_the_manifest: missing {missing:?}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lines = common::generate_into(&common::config(
        dir.path(),
        64,
        11,
        Profile::Mixed,
        "0,16K,256K",
    ));
    assert!(lines.len() >= 60);
    // peer_check.py has no rule yet for what neither tool judges as the manifest does here:
    // poppler 22.12 does not verify ETSI.RFC3161 document timestamps ("unknown" SubFilter), the
    // script validates every field with pyHanko's validate_pdf_signature (which refuses a
    // /DocTimeStamp), and both check revocation at the current time, ignoring the signature
    // timestamp that proves a revoked_after_timestamp signature predates its revocation. Those
    // documents (LTV ones and revoked_after_timestamp) are left out of the peers' manifest;
    // signature timestamps on the other documents are judged (pyHanko validates the tokens).
    let (kept, left_out): (Vec<_>, Vec<_>) = lines
        .iter()
        .partition(|d| !d.ltv && d.case != "revoked_after_timestamp");
    assert!(
        kept.len() >= 50,
        "{} documents left for the peers",
        kept.len()
    );
    let mut manifest = String::new();
    for d in &kept {
        manifest.push_str(&serde_json::to_string(d).unwrap());
        manifest.push('\n');
    }
    std::fs::write(dir.path().join("manifest.jsonl"), manifest).unwrap();
    for d in &left_out {
        std::fs::remove_file(dir.path().join(&d.name)).unwrap();
    }
    println!(
        "peer check leaves out {} LTV / revoked_after_timestamp document(s): {:?}",
        left_out.len(),
        left_out.iter().map(|d| &d.name).collect::<Vec<_>>()
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/peer_check.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg("--corpus")
        .arg(dir.path())
        .args(["--jobs", "2"])
        .output()
        .expect("run peer_check.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "peer check failed:\n{stdout}");
    let last = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with("peer-check:"))
        .expect("summary line");
    let (passed, failed) = peer_check_counts(last);
    assert_eq!(failed, 0, "{last}");
    // peer_check.py judges each document with both tools (one check per tool and document,
    // `judge`): every kept document must have been checked, not merely nothing failed.
    assert!(passed > 0, "{last}");
    assert_eq!(
        passed,
        2 * kept.len(),
        "{last}: two checks (pdfsig, pyHanko) per document kept"
    );
}

/// `(N, M)` of peer_check.py's last line, `peer-check: N passed, M failed`.
fn peer_check_counts(line: &str) -> (usize, usize) {
    let parse = || -> Option<(usize, usize)> {
        let rest = line.strip_prefix("peer-check: ")?;
        let (passed, failed) = rest.split_once(", ")?;
        let passed = passed.strip_suffix(" passed")?.parse().ok()?;
        let failed = failed.trim_end().strip_suffix(" failed")?.parse().ok()?;
        Some((passed, failed))
    };
    parse().unwrap_or_else(|| panic!("not a peer-check summary line: {line:?}"))
}

#[test]
fn peer_check_summary_line_is_parsed() {
    assert_eq!(
        peer_check_counts("peer-check: 128 passed, 0 failed"),
        (128, 0)
    );
    assert_eq!(peer_check_counts("peer-check: 0 passed, 3 failed"), (0, 3));
    assert!(std::panic::catch_unwind(|| peer_check_counts("peer-check: of /tmp/x")).is_err());
}
