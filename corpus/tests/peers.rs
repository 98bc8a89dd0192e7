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
    assert!(last.contains(" 0 failed"), "{last}");
}
