//! Nothing lost, nothing twice: a run killed with SIGKILL at twenty moments, each time resumed
//! with `--resume`, ends with every member of the archive in the report exactly once and the
//! verdicts of a fresh run; a report that cannot be written (a full disk) stops the run with
//! exit code 2, leaves only complete lines (or one partial last line), and `--resume` completes
//! it once there is space.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sigaudit::engine::{self, Options};
use sigaudit::JsonLines;
use sigaudit_corpus::cases::Profile;

/// The generated corpus' `pki` arguments, at its validation time.
fn pki_args(dir: &Path) -> Vec<String> {
    let pki = dir.join("pki");
    let p = |s: &str| pki.join(s).display().to_string();
    vec![
        "--trust".into(),
        p("roots"),
        "--certs".into(),
        p("intermediates"),
        "--crl".into(),
        p("crls"),
        "--at".into(),
        "2026-07-01T00:00:00Z".into(),
    ]
}

/// The bad members a real archive turns up with: garbage, empty, truncated, a text file, a
/// header-only PDF, a directory named like a document.
fn bad_members(good: &[u8], tag: &str) -> Vec<(String, Option<Vec<u8>>)> {
    vec![
        (
            format!("{tag}/garbage.pdf"),
            Some(b"\x00\x13\x37 not a PDF at all \xff\xfe".to_vec()),
        ),
        (format!("{tag}/empty.pdf"), Some(vec![])),
        (
            format!("{tag}/truncated.pdf"),
            Some(good[..good.len() / 2].to_vec()),
        ),
        (
            format!("{tag}/notes.txt"),
            Some(b"meeting notes\n".to_vec()),
        ),
        (
            format!("{tag}/header-only.pdf"),
            Some(b"%PDF-1.7\n".to_vec()),
        ),
        (format!("{tag}/folder.pdf/"), None),
    ]
}

/// A tar of the generated documents with bad members at the start, the middle and the end.
/// Returns the archive and the names every line must carry (a directory's with its slash).
fn archive_with_bad_members(dir: &Path) -> (PathBuf, BTreeSet<String>) {
    let mut docs: Vec<PathBuf> = std::fs::read_dir(dir.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    docs.sort();
    let good = std::fs::read(&docs[0]).unwrap();
    let path = dir.join("archive.tar");
    let mut names = BTreeSet::new();
    let mut b = tar::Builder::new(std::fs::File::create(&path).unwrap());
    let mut add = |name: &str, data: Option<&[u8]>, names: &mut BTreeSet<String>| {
        let mut h = tar::Header::new_gnu();
        match data {
            Some(d) => {
                h.set_size(d.len() as u64);
                h.set_mode(0o644);
                h.set_entry_type(tar::EntryType::Regular);
                b.append_data(&mut h, name, d).unwrap();
            }
            None => {
                h.set_size(0);
                h.set_mode(0o755);
                h.set_entry_type(tar::EntryType::Directory);
                b.append_data(&mut h, name, &[][..]).unwrap();
            }
        }
        names.insert(name.to_string());
    };
    let half = docs.len() / 2;
    for (i, chunk) in [&docs[..half], &docs[half..]].iter().enumerate() {
        for (name, data) in bad_members(&good, ["start", "middle"][i]) {
            add(&name, data.as_deref(), &mut names);
        }
        for d in chunk.iter() {
            let name = format!("docs/{}", d.file_name().unwrap().to_string_lossy());
            add(&name, Some(&std::fs::read(d).unwrap()), &mut names);
        }
    }
    for (name, data) in bad_members(&good, "end") {
        add(&name, data.as_deref(), &mut names);
    }
    b.finish().unwrap();
    (path, names)
}

/// A line without what differs between runs (timing).
fn verdict(line: &serde_json::Value) -> serde_json::Value {
    let mut v = line.clone();
    v.as_object_mut().unwrap().remove("elapsed_us");
    v
}

/// The complete lines of a report (a partial last line left out), parsed, by name; fails on a
/// name written twice.
fn complete_lines(report: &Path) -> BTreeMap<String, serde_json::Value> {
    let text = std::fs::read(report).unwrap_or_default();
    let end = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut out = BTreeMap::new();
    for l in text[..end].split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_slice(l)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(l)));
        let name = v["name"].as_str().unwrap().to_string();
        assert!(
            out.insert(name.clone(), v).is_none(),
            "{name} written twice"
        );
    }
    out
}

fn count_lines(p: &Path) -> usize {
    std::fs::read(p)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

/// The fresh run's verdicts, in-process, by name.
fn fresh_run(dir: &Path, archive: &Path) -> BTreeMap<String, serde_json::Value> {
    let verifier = common::verifier(&dir.join("pki"), true);
    let options = Options {
        jobs: 2,
        ..Options::default()
    };
    let mut out = Vec::new();
    engine::run(
        &[archive.display().to_string()],
        &verifier,
        &options,
        &mut JsonLines::new(&mut out),
    )
    .unwrap();
    let report = dir.join("fresh.jsonl");
    std::fs::write(&report, out).unwrap();
    complete_lines(&report)
}

/// The bar of the "nothing lost" issue: a generated mixed tar of 2,000 documents with bad
/// members at its start, middle and end, killed with SIGKILL at twenty moments — before the
/// first line, during the first lines, spread over the run, and after the last line — and
/// resumed each time: every time the report holds each member at most once with a fresh run's
/// verdict, and the last resume completes it.
#[test]
fn a_run_killed_at_twenty_moments_resumes_to_every_member_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    common::generate(dir.path(), 2000, 14, Profile::Mixed, "0");
    let (archive, names) = archive_with_bad_members(dir.path());
    let total = names.len();
    assert_eq!(total, 2000 + 18);
    let fresh = fresh_run(dir.path(), &archive);
    assert_eq!(fresh.keys().cloned().collect::<BTreeSet<_>>(), names);

    let report = dir.path().join("report.jsonl");
    let summary_path = dir.path().join("summary.json");
    let start = |resume: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sigaudit"));
        c.arg("verify")
            .arg(&archive)
            .args(pki_args(dir.path()))
            .args(["--jobs", "1", "--report"])
            .arg(&report)
            .arg("--summary")
            .arg(&summary_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if resume {
            c.arg("--resume");
        }
        c.spawn().unwrap()
    };
    // Kill when the report has at least this many lines: 0 (at once), 1, 2, sixteen points
    // spread over the run, and all of them (after the last line, before or after the exit).
    let mut moments = vec![0, 1, 2];
    moments.extend((1..=16).map(|k| k * total / 17));
    moments.push(total);
    assert_eq!(moments.len(), 20);
    let mut seen_partial = 0;
    let mut killed_at = Vec::new();
    for (i, &at) in moments.iter().enumerate() {
        // What the report held before this run: a resume keeps every complete line of it.
        let before = std::fs::read(&report).unwrap_or_default();
        let kept = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let mut child = start(i > 0);
        let t0 = Instant::now();
        while count_lines(&report) < at && child.try_wait().unwrap().is_none() {
            assert!(t0.elapsed() < Duration::from_secs(300), "stuck before {at}");
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = child.kill();
        child.wait().unwrap();
        let after = std::fs::read(&report).unwrap_or_default();
        if i > 0 {
            assert!(
                after.starts_with(&before[..kept]),
                "run {i} rewrote the lines it resumed from"
            );
        }
        killed_at.push(count_lines(&report));
        // Every third kill, a torn last line as a kill in mid-write leaves it.
        if i % 3 == 1 {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&report)
                .unwrap();
            f.write_all(b"{\"input\":\"torn").unwrap();
            seen_partial += 1;
        }
        let now = complete_lines(&report);
        for (name, line) in &now {
            assert_eq!(
                verdict(line),
                verdict(&fresh[name]),
                "after kill {i}: {name}"
            );
        }
    }
    assert!(seen_partial > 0);
    eprintln!("lines in the report at each kill: {killed_at:?}");
    let spread: BTreeSet<usize> = killed_at
        .iter()
        .copied()
        .filter(|&n| 0 < n && n < total)
        .collect();
    assert!(
        spread.len() >= 10,
        "kills not spread over the run: {killed_at:?}"
    );
    let already = complete_lines(&report).len();
    let _ = std::fs::remove_file(&summary_path);
    let status = start(true).wait().unwrap();
    assert_eq!(
        status.code(),
        Some(1),
        "the mixed corpus has failing members"
    );
    // The last run verified only what was missing and skipped the rest.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary_path).unwrap()).unwrap();
    assert_eq!(summary["documents"], (total - already) as u64, "{summary}");
    assert_eq!(summary["skipped"], already as u64, "{summary}");
    let text = std::fs::read(&report).unwrap();
    assert_eq!(
        text.last(),
        Some(&b'\n'),
        "the report ends with a whole line"
    );
    let done = complete_lines(&report);
    assert_eq!(done.len(), total, "every member exactly once");
    for (name, line) in &done {
        assert_eq!(verdict(line), verdict(&fresh[name]), "{name}");
    }
}

/// A writer on a disk that fills up: takes `room` bytes (the last write only in part, as a
/// short write does), then fails with ENOSPC.
struct FullDisk {
    written: Vec<u8>,
    room: usize,
}

impl Write for FullDisk {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.room - self.written.len();
        if left == 0 {
            return Err(io::Error::from_raw_os_error(28)); // ENOSPC
        }
        let mut n = buf.len().min(left);
        if n < buf.len() && n > 1 && buf[n - 1] == b'\n' {
            n -= 1; // end inside a line, as a disk that fills mid-line does
        }
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_full_disk_stops_the_run_and_resume_completes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    common::generate(dir.path(), 120, 15, Profile::Mixed, "0");
    let docs = dir.path().join("docs").display().to_string();
    let verifier = common::verifier(&dir.path().join("pki"), true);
    let run = |options: &Options, out: &mut (dyn Write + Send)| {
        engine::run(
            std::slice::from_ref(&docs),
            &verifier,
            options,
            &mut JsonLines::new(out),
        )
    };
    let options = Options {
        jobs: 2,
        ..Options::default()
    };
    let mut fresh = Vec::new();
    run(&options, &mut fresh).unwrap();
    let fresh_path = dir.path().join("fresh.jsonl");
    std::fs::write(&fresh_path, &fresh).unwrap();
    let fresh = complete_lines(&fresh_path);
    assert_eq!(fresh.len(), 120);

    // The disk fills a third of the way through a line.
    let mut disk = FullDisk {
        written: Vec::new(),
        room: 40_000,
    };
    let err = run(&options, &mut disk).expect_err("the write fails");
    assert_eq!(err.raw_os_error(), Some(28), "{err}");
    let existing = engine::read_report(&disk.written);
    assert!(
        existing.good_len < disk.written.len(),
        "a partial last line"
    );
    assert!(!existing.done.is_empty() && existing.done.len() < 120);

    // Space freed: resume from the complete lines.
    let mut report = disk.written[..existing.good_len].to_vec();
    let resume = Options {
        skip: existing.done,
        ..options.clone()
    };
    run(&resume, &mut report).unwrap();
    let path = dir.path().join("report.jsonl");
    std::fs::write(&path, &report).unwrap();
    let done = complete_lines(&path);
    assert_eq!(done.len(), 120, "every document exactly once");
    for (name, line) in &done {
        assert_eq!(verdict(line), verdict(&fresh[name]), "{name}");
    }
}

/// Through the binary, on a real full device: exit code 2 and the reason, for the report file
/// and for standard output.
#[test]
fn a_report_on_a_full_device_is_an_operational_error() {
    if !Path::new("/dev/full").exists() {
        // Every Linux has it; CI runs on Linux, where its absence is a failure.
        assert!(std::env::var_os("CI").is_none(), "no /dev/full under CI");
        eprintln!("SKIP: no /dev/full on this system");
        return;
    }
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/sample");
    let args = |cmd: &mut Command| {
        cmd.arg("verify")
            .arg(sample.join("docs"))
            .arg("--trust")
            .arg(sample.join("pki/roots"))
            .arg("--at")
            .arg("2026-07-01T00:00:00Z");
    };
    let mut to_file = Command::new(env!("CARGO_BIN_EXE_sigaudit"));
    args(&mut to_file);
    let out = to_file.args(["--report", "/dev/full"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("No space left on device"), "{stderr}");

    let mut to_stdout = Command::new(env!("CARGO_BIN_EXE_sigaudit"));
    args(&mut to_stdout);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = to_stdout.stdout(full).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("writing the report"), "{stderr}");
}
