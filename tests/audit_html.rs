//! `sigaudit report --html`: the page an auditor files, built from a real run of the binary
//! on the sample corpus plus handmade lines for every failure class, read back by headless
//! Chromium (the totals it shows, the table's script ran, nothing from the reports ran), and
//! a 200,000-line report read in bounded memory.

mod common;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_sigaudit");

/// `target/audit-html/` (CI keeps its screenshot as an artefact).
fn out_dir() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .to_path_buf();
    let dir = target.join("audit-html");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `sigaudit verify` on the sample corpus into `report` and `summary`.
fn verify_sample(report: &Path, summary: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pki = root.join("corpus/sample/pki");
    let out = Command::new(BIN)
        .arg("verify")
        .arg(root.join("corpus/sample/docs"))
        .arg("--trust")
        .arg(pki.join("roots"))
        .arg("--certs")
        .arg(pki.join("intermediates"))
        .arg("--crl")
        .arg(pki.join("crls"))
        .args(["--at", "2026-07-01T00:00:00Z", "--ordered", "--report"])
        .arg(report)
        .arg("--summary")
        .arg(summary)
        .output()
        .unwrap();
    // Some sample documents fail by design.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A handmade report line.
fn line(name: &str, status: &str, extra: serde_json::Value) -> String {
    let mut l = serde_json::json!({
        "input": "handmade", "name": name, "bytes": 1000, "status": status, "error": null,
        "reason": null, "signatures": [], "policy": {"name": "etsi", "findings": []},
        "elapsed_us": 10,
    });
    for (k, v) in extra.as_object().unwrap() {
        l[k] = v.clone();
    }
    serde_json::to_string(&l).unwrap()
}

fn signature(indication: &str, sub: Option<&str>, subject: &str) -> serde_json::Value {
    serde_json::json!({
        "field": "Sig1", "indication": indication, "sub_indication": sub,
        "reason": sub.map(|s| format!("because {s}")),
        "signer": {"subject": subject, "issuer": "C=VN, O=Test, CN=Handmade CA", "serial": "01",
                   "sha256": "00", "key": "RSA-2048"},
        "signing_time": "2024-11-03T10:00:00Z",
        "timestamp": {"time": "2024-12-01T00:00:00Z", "valid": true, "reason": null, "tsa": null},
        "revocation": "good", "chain": [], "modifications": "none",
    })
}

const HOSTILE_SCRIPT: &str = "<script>alert(1)</script>.pdf";
const HOSTILE_IMG: &str =
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">.pdf";
const HOSTILE_SUBJECT: &str =
    "C=VN, O=<svg onload=\"document.body.setAttribute('data-pwned','2')\">, CN=x";

/// The handmade lines: one per failure class, and hostile names and subjects.
fn handmade() -> Vec<String> {
    let failed = |sub: &str| signature("TOTAL_FAILED", Some(sub), "C=VN, O=Handmade Org, CN=A");
    vec![
        line(
            HOSTILE_SCRIPT,
            "ERROR",
            serde_json::json!({"error": "not a PDF: <b>hostile</b> error text"}),
        ),
        line(
            HOSTILE_IMG,
            "TOTAL_FAILED",
            serde_json::json!({"reason": "signature Sig1: HASH_FAILURE <i>x</i>",
                               "signatures": [failed("HASH_FAILURE")]}),
        ),
        line(
            "revoked.pdf",
            "INDETERMINATE",
            serde_json::json!({"reason": "signature Sig1: REVOKED_NO_POE",
              "signatures": [signature("INDETERMINATE", Some("REVOKED_NO_POE"), HOSTILE_SUBJECT)]}),
        ),
        line(
            "shadow.pdf",
            "TOTAL_FAILED",
            serde_json::json!({"reason": "changed after signing: shadow_hide",
              "signatures": [signature("TOTAL_PASSED", None, "C=VN, O=Handmade Org, CN=B")],
              "findings": [{"kind": "shadow_hide", "revision": 3, "objects": [7],
                            "detail": "overlay emptied"}]}),
        ),
        line(
            "policy.pdf",
            "TOTAL_FAILED",
            serde_json::json!({"reason": "policy",
              "signatures": [signature("TOTAL_PASSED", None, "C=VN, O=Handmade Org, CN=C")],
              "policy": {"name": "vn-gov-issued", "findings": [
                {"rule": "issued.number", "level": "FAIL", "signature": null, "detail": "no number"},
                {"rule": "revocation.available", "level": "WARN", "signature": "Sig1",
                 "detail": "no CRL"}]}}),
        ),
        "this is not a report line".to_string(),
    ]
}

/// The number of `status` documents in a JSONL report, counted apart from sigaudit.
fn count_status(report: &str, status: &str) -> u64 {
    report
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["status"] == status)
        .count() as u64
}

/// The text of the element with `id` in serialised HTML (plain text content expected).
fn element_text(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let start = at + html[at..].find('>')? + 1;
    let end = start + html[start..].find('<')?;
    Some(html[start..end].to_string())
}

/// Runs `cmd` for at most `limit`; its stdout, or `None` when it failed or hung.
fn run_with_timeout(cmd: &mut Command, limit: Duration) -> Option<Vec<u8>> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buf).ok();
        buf
    });
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let out = reader.join().ok()?;
                return status.success().then_some(out);
            }
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
}

fn chromium_cmd(exe: &str, profile: &Path) -> Command {
    let mut c = Command::new(exe);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

#[test]
fn the_page_shows_a_real_run_and_runs_nothing_from_the_reports() {
    let dir = out_dir();
    let (report, summary, page) = (
        dir.join("report.jsonl"),
        dir.join("summary.json"),
        dir.join("report.html"),
    );
    verify_sample(&report, &summary);
    let mut text = std::fs::read_to_string(&report).unwrap();
    for l in handmade() {
        text += &l;
        text.push('\n');
    }
    std::fs::write(&report, &text).unwrap();
    let passed = count_status(&text, "TOTAL_PASSED");
    assert!(passed > 10, "the sample has passing documents");

    let out = Command::new(BIN)
        .arg("report")
        .arg(&report)
        .arg("--summary")
        .arg(&summary)
        .arg("--html")
        .arg(&page)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();

    // The page itself: totals, classes, parameters; every report text escaped.
    let total = |id: &str| element_text(&html, id).map(|t| t.replace(',', ""));
    assert_eq!(total("total-TOTAL_PASSED"), Some(passed.to_string()));
    for status in ["TOTAL_FAILED", "INDETERMINATE", "ERROR"] {
        assert_eq!(
            total(&format!("total-{status}")),
            Some(count_status(&text, status).to_string()),
            "{status}"
        );
    }
    for id in [
        "class-hash",
        "class-revoked",
        "class-attacks",
        "class-policy-fail",
        "class-policy-warn",
        "class-errors",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    for needle in [
        "shadow_hide",
        "issued.number",
        "revocation.available",
        "HASH_FAILURE",
        "REVOKED_NO_POE",
        "SIGAUDIT TEST Personal Signing CA G1",
        "Handmade Org",
        "vn-gov-issued",
        "2024-12",
        "summary.json",
        "report.jsonl",
        "&lt;script&gt;alert(1)&lt;/script&gt;.pdf",
        "&lt;b&gt;hostile&lt;/b&gt;",
        concat!("sigaudit ", env!("CARGO_PKG_VERSION")),
        "Cache hit rates",
    ] {
        assert!(html.contains(needle), "the page lacks {needle:?}");
    }
    for raw in [
        "<script>alert",
        "<img src=x",
        "<svg onload",
        "<b>hostile",
        "<i>x",
    ] {
        assert!(!html.contains(raw), "{raw:?} reached the page unescaped");
    }
    assert!(
        html.contains("Unreadable lines"),
        "the garbage line is counted"
    );
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(
        html.contains("default-src 'none'"),
        "a CSP that fetches nothing"
    );

    // In a browser.
    let Some(exe) = chromium() else {
        return common::cannot_run::<()>("the Chromium check", "chromium is not installed")
            .unwrap_or(());
    };
    let url = format!("file://{}", page.display());
    let profile = dir.join("chromium-profile");
    let dom = run_with_timeout(
        chromium_cmd(exe, &profile).arg("--dump-dom").arg(&url),
        Duration::from_secs(120),
    )
    .expect("chromium --dump-dom");
    let dom = String::from_utf8_lossy(&dom);
    let shown = |id: &str| element_text(&dom, id).map(|t| t.replace(',', ""));
    assert_eq!(shown("total-TOTAL_PASSED"), Some(passed.to_string()));
    // The page's own script ran (it fills in the count of rows shown) ...
    let not_passed = text.lines().count() as u64 - 1 - passed;
    assert_eq!(shown("shown"), Some(not_passed.to_string()));
    // ... and nothing from the reports did: the hostile names are text.
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;.pdf"));
    assert!(dom.contains("&lt;img src=x onerror="));
    assert!(!dom.contains("data-pwned=\""), "a report's markup ran");
    assert!(!dom.contains("<script>alert"));

    // A screenshot a person can look at (CI keeps it).
    let png = dir.join("report.png");
    let _ = std::fs::remove_file(&png);
    run_with_timeout(
        chromium_cmd(exe, &profile)
            .arg(format!("--screenshot={}", png.display()))
            .arg("--window-size=1280,2000")
            .arg(&url),
        Duration::from_secs(120),
    )
    .expect("chromium --screenshot");
    let bytes = std::fs::read(&png).expect("the screenshot");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert!(
        bytes.len() > 30_000,
        "a page, not a blank: {} bytes",
        bytes.len()
    );
}

#[test]
fn a_big_report_is_read_in_bounded_memory() {
    const LINES: usize = 200_000;
    let dir = out_dir();
    let (report, summary) = (dir.join("big-src.jsonl"), dir.join("big-src.json"));
    verify_sample(&report, &summary);
    let sample = std::fs::read_to_string(&report).unwrap();
    let sample: Vec<&str> = sample.lines().collect();
    let big = dir.join("big.jsonl");
    let mut by_status = std::collections::BTreeMap::<String, u64>::new();
    {
        let mut w = BufWriter::new(std::fs::File::create(&big).unwrap());
        let statuses: Vec<String> = sample
            .iter()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["status"].to_string())
            .map(|s| s.trim_matches('"').to_string())
            .collect();
        for i in 0..LINES {
            let l = sample[i % sample.len()];
            // A distinct name: `"name":"` is followed by the document's path.
            let at = l.find("\"name\":\"").unwrap() + 8;
            writeln!(w, "{}big-{i:07}/{}", &l[..at], &l[at..]).unwrap();
            *by_status
                .entry(statuses[i % sample.len()].clone())
                .or_default() += 1;
        }
        w.flush().unwrap();
    }
    let page = dir.join("big.html");
    let time = Path::new("/usr/bin/time");
    let mut cmd = if time.is_file() {
        let mut c = Command::new(time);
        c.args(["-f", "%M"]).arg(BIN);
        c
    } else {
        Command::new(BIN)
    };
    let out = cmd
        .arg("report")
        .arg(&big)
        .arg("--html")
        .arg(&page)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    std::fs::remove_file(&big).unwrap();
    let passed = by_status["TOTAL_PASSED"];
    assert_eq!(
        element_text(&html, "total-TOTAL_PASSED").map(|t| t.replace(',', "")),
        Some(passed.to_string())
    );
    assert_eq!(
        element_text(&html, "total-documents").map(|t| t.replace(',', "")),
        Some(LINES.to_string())
    );
    let not_passed = LINES as u64 - passed;
    assert_eq!(
        element_text(&html, "not-passed").map(|t| t.replace(',', "")),
        Some(not_passed.to_string())
    );
    // The table holds the first 10,000 and says how many more the JSONL has.
    let rows = html.matches("<tr><td class=\"num\">").count();
    assert_eq!(rows, sigaudit::AuditReport::ROWS);
    let omitted = element_text(&html, "rows-omitted").expect("the cap is said");
    assert!(
        omitted.contains(&format!(
            "{} more",
            (not_passed - sigaudit::AuditReport::ROWS as u64)
                .to_string()
                .as_bytes()
                .rchunks(3)
                .rev()
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join(",")
        )),
        "{omitted}"
    );
    assert!(omitted.contains("The JSONL report has every document"));
    assert!(html.len() < 8 << 20, "the page is {} bytes", html.len());
    // Examples are capped per class.
    let examples = html.matches("<li><span class=\"doc\">").count();
    assert!(
        examples <= 20 * sigaudit::AuditReport::EXAMPLES,
        "{examples} examples"
    );
    // Peak RSS (kB) from /usr/bin/time: the lines are not held.
    if time.is_file() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let kb: u64 = stderr
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .expect("time's %M");
        assert!(kb < 200_000, "peak RSS {kb} kB");
    }
}
