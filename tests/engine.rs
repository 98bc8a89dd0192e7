//! The bulk engine: the same verdicts whatever the input form, every document exactly once
//! (bad members included), serial equals parallel, and a killed run resumes to a complete
//! report.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sigaudit::engine::{self, Options};
use sigaudit::JsonLines;
use sigaudit_corpus::cases::Profile;
use sigaudit_corpus::{generate, Attachments, Config};

fn corpus(dir: &Path, docs: usize, seed: u64, tar: bool) {
    let config = Config {
        out: dir.to_path_buf(),
        docs,
        seed,
        profile: Profile::Mixed,
        attachments: "0".parse::<Attachments>().unwrap(),
        tar,
        tar_only: false,
        base_url: sigaudit_corpus::pki::DEFAULT_BASE_URL.to_string(),
        signers: sigaudit_corpus::keys::SIGNER_COUNT,
    };
    generate(&config, |_| {}).unwrap();
}

/// The generated documents of `dir`, in name order.
fn docs_of(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
}

/// `sigaudit verify -` on the corpus in `dir`, its list of documents and its report piped.
fn verify_stdin_list(dir: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_sigaudit"))
        .args(["verify", "-"])
        .args(pki_args(dir))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn pki_args(dir: &Path) -> Vec<String> {
    let pki = dir.join("pki");
    vec![
        "--trust".into(),
        pki.join("roots").display().to_string(),
        "--certs".into(),
        pki.join("intermediates").display().to_string(),
        "--crl".into(),
        pki.join("crls").display().to_string(),
        "--at".into(),
        "2026-07-01T00:00:00Z".into(),
    ]
}

/// Runs the engine in-process; returns the parsed lines.
fn run(dir: &Path, inputs: &[String], jobs: usize) -> (Vec<serde_json::Value>, engine::Summary) {
    run_with(dir, inputs, jobs, 0)
}

fn run_with(
    dir: &Path,
    inputs: &[String],
    jobs: usize,
    in_flight: usize,
) -> (Vec<serde_json::Value>, engine::Summary) {
    let verifier = common::verifier(&dir.join("pki"), true);
    let options = Options {
        jobs,
        in_flight,
        ..Options::default()
    };
    let mut out: Vec<u8> = Vec::new();
    let summary = engine::run(inputs, &verifier, &options, &mut JsonLines::new(&mut out)).unwrap();
    let lines = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, summary)
}

/// The verdicts of a run by document file name, without timing or where it came from.
fn verdicts(lines: &[serde_json::Value]) -> BTreeMap<String, serde_json::Value> {
    let mut out = BTreeMap::new();
    for l in lines {
        let name = l["name"].as_str().unwrap();
        let base = name.rsplit('/').next().unwrap().to_string();
        let mut v = l.clone();
        let o = v.as_object_mut().unwrap();
        o.remove("elapsed_us");
        o.remove("input");
        o.remove("name");
        assert!(out.insert(base, v).is_none(), "{name} reported twice");
    }
    out
}

/// A zip archive (APPNOTE 6.3: local headers, central directory, end record) of the corpus'
/// documents, half stored (mapped in place) and half deflated (inflated by the worker). Written
/// here rather than with the zip crate's writer, whose deflate feature would change flate2's
/// backend for the whole workspace.
fn zip_of(dir: &Path, out: &Path) {
    use std::io::Write as _;
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let mut body: Vec<u8> = Vec::new();
    let mut central: Vec<u8> = Vec::new();
    for (i, p) in names.iter().enumerate() {
        let data = std::fs::read(p).unwrap();
        let name = format!("docs/{}", p.file_name().unwrap().to_string_lossy());
        let mut crc = flate2::Crc::new();
        crc.update(&data);
        let deflate = i % 2 == 1;
        let payload = if deflate {
            let mut e =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(&data).unwrap();
            e.finish().unwrap()
        } else {
            data.clone()
        };
        let method: u16 = if deflate { 8 } else { 0 };
        let offset = body.len() as u32;
        let fields = |sig: u32, central_dir: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central_dir {
                h.extend(20u16.to_le_bytes()); // version made by
            }
            h.extend(20u16.to_le_bytes()); // version needed
            h.extend(0u16.to_le_bytes()); // flags
            h.extend(method.to_le_bytes());
            h.extend(0u32.to_le_bytes()); // time and date
            h.extend(crc.sum().to_le_bytes());
            h.extend((payload.len() as u32).to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra length
            if central_dir {
                h.extend(0u16.to_le_bytes()); // comment length
                h.extend(0u16.to_le_bytes()); // disk number
                h.extend(0u16.to_le_bytes()); // internal attributes
                h.extend(0u32.to_le_bytes()); // external attributes
                h.extend(offset.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        body.extend(fields(0x0403_4b50, false));
        body.extend(&payload);
        central.extend(fields(0x0201_4b50, true));
    }
    let cd_offset = body.len() as u32;
    let n = names.len() as u16;
    body.extend(&central);
    body.extend(0x0605_4b50u32.to_le_bytes());
    body.extend([0u8; 4]); // disk numbers
    body.extend(n.to_le_bytes());
    body.extend(n.to_le_bytes());
    body.extend((central.len() as u32).to_le_bytes());
    body.extend(cd_offset.to_le_bytes());
    body.extend(0u16.to_le_bytes());
    std::fs::write(out, body).unwrap();
}

#[test]
fn directory_tar_zip_and_stdin_list_give_the_same_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path(), 60, 501, true);
    let zip_path = dir.path().join("archive.zip");
    zip_of(dir.path(), &zip_path);
    let docs = dir.path().join("docs").display().to_string();
    let tar = dir.path().join("archive.tar").display().to_string();
    let zip = zip_path.display().to_string();

    let (from_dir, s_dir) = run(dir.path(), std::slice::from_ref(&docs), 2);
    let (from_tar, s_tar) = run(dir.path(), &[tar], 2);
    let (from_zip, _) = run(dir.path(), &[zip], 2);
    assert_eq!(from_dir.len(), 60);
    assert_eq!(s_dir.documents, 60);
    assert_eq!(s_tar.by_status, s_dir.by_status);
    let reference = verdicts(&from_dir);
    assert_eq!(verdicts(&from_tar), reference, "tar differs from directory");
    assert_eq!(verdicts(&from_zip), reference, "zip differs from directory");

    // A list of paths on standard input, through the binary.
    let paths: Vec<String> = docs_of(dir.path())
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut child = verify_stdin_list(dir.path());
    child
        .stdin
        .take()
        .unwrap()
        .write_all((paths.join("\n") + "\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the mixed corpus has failing documents"
    );
    let from_stdin: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(from_stdin.iter().all(|l| l["input"] == "-"));
    assert_eq!(
        verdicts(&from_stdin),
        reference,
        "stdin list differs from directory"
    );
}

#[test]
fn serial_and_parallel_runs_give_the_same_set_of_lines() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path(), 48, 502, false);
    let docs = dir.path().join("docs").display().to_string();
    let (serial, _) = run(dir.path(), std::slice::from_ref(&docs), 1);
    let (parallel, _) = run(dir.path(), std::slice::from_ref(&docs), 2);
    assert_eq!(serial.len(), 48);
    assert_eq!(verdicts(&serial), verdicts(&parallel));
    // Ingestion-style (one document in flight, its signatures over both workers) and two
    // documents in flight judge the same.
    for in_flight in [1, 2] {
        let (lines, summary) = run_with(dir.path(), std::slice::from_ref(&docs), 2, in_flight);
        assert_eq!(summary.documents, 48, "in flight {in_flight}");
        assert_eq!(verdicts(&serial), verdicts(&lines), "in flight {in_flight}");
    }
}

#[test]
fn bad_members_are_each_reported_once_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path(), 4, 503, false);
    let valid = docs_of(dir.path());
    let good = std::fs::read(&valid[0]).unwrap();
    let tar_path = dir.path().join("bad.tar");
    {
        let mut b = tar::Builder::new(std::fs::File::create(&tar_path).unwrap());
        let mut add = |name: &str, data: &[u8]| {
            let mut h = tar::Header::new_ustar();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            b.append_data(&mut h, name, data).unwrap();
        };
        add("good.pdf", &good);
        add(
            "garbage.pdf",
            b"\x00\x13\x37 this is not a PDF at all \xff\xfe",
        );
        add("truncated.pdf", &good[..good.len() / 2]);
        add("empty.pdf", b"");
        add("notes.txt", b"meeting notes");
        let mut h = tar::Header::new_ustar();
        h.set_size(0);
        h.set_mode(0o755);
        h.set_entry_type(tar::EntryType::Directory);
        b.append_data(&mut h, "folder.pdf/", &[][..]).unwrap();
        b.finish().unwrap();
    }
    let (lines, summary) = run(dir.path(), &[tar_path.display().to_string()], 2);
    let by_name: HashMap<String, &serde_json::Value> = lines
        .iter()
        .map(|l| (l["name"].as_str().unwrap().to_string(), l))
        .collect();
    assert_eq!(lines.len(), 6, "{lines:#?}");
    assert_eq!(by_name.len(), 6, "each member once");
    // A document cut in half keeps the verdicts of the signatures its intact revisions hold
    // and is changed after signing (what follows them is an update cut short); were no signed
    // revision left whole, it would be an ERROR saying it is truncated.
    let truncated = by_name["truncated.pdf"];
    let why = format!("{} {}", truncated["error"], truncated["reason"]);
    match truncated["status"].as_str() {
        Some("TOTAL_FAILED") => assert!(why.contains("changed after signing"), "{why}"),
        Some("ERROR") => assert!(why.contains("truncated"), "{why}"),
        other => panic!("truncated.pdf: {other:?} ({why})"),
    }
    assert!(!truncated["signatures"].as_array().unwrap().is_empty() || why.contains("truncated"));
    for (name, reason) in [
        ("garbage.pdf", "not a PDF"),
        ("empty.pdf", "empty"),
        ("notes.txt", "not a PDF"),
        ("folder.pdf", "a directory"),
    ] {
        let l = by_name
            .iter()
            .find(|(k, _)| k.trim_end_matches('/') == name)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(l["status"], "ERROR", "{name}");
        let error = l["error"].as_str().unwrap_or("").to_ascii_lowercase();
        let why = format!("{} {}", error, l["reason"].as_str().unwrap_or(""));
        assert!(
            why.to_ascii_lowercase()
                .contains(&reason.to_ascii_lowercase()),
            "{name}: {why:?} lacks {reason:?}"
        );
    }
    assert_eq!(by_name["good.pdf"]["input"], tar_path.display().to_string());
    // The good member's verdict is the one the same bytes get verified on their own: the bad
    // members beside it change nothing.
    let verifier = common::verifier(&dir.path().join("pki"), true);
    let alone = verifier.verify("good.pdf", &good);
    assert!(
        !alone.signatures.is_empty(),
        "{}: the good member is a signed document: {alone:?}",
        valid[0].display()
    );
    let mut line = by_name["good.pdf"].clone();
    let o = line.as_object_mut().unwrap();
    o.remove("elapsed_us");
    o.remove("input");
    assert_eq!(by_name["good.pdf"]["status"], alone.status.to_string());
    assert_eq!(line, serde_json::to_value(&alone).unwrap());
    assert_eq!(summary.documents, 6);
}

fn count_lines(p: &Path) -> usize {
    std::fs::read(p)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

#[test]
fn a_killed_run_resumes_to_every_document_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let n = 240;
    corpus(dir.path(), n, 504, false);
    let docs = dir.path().join("docs").display().to_string();
    let report = dir.path().join("report.jsonl");
    let start = |resume: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sigaudit"));
        c.arg("verify")
            .arg(&docs)
            .args(pki_args(dir.path()))
            .args(["--jobs", "1", "--report"])
            .arg(&report)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if resume {
            c.arg("--resume");
        }
        c.spawn().unwrap()
    };
    // SIGKILL once some lines are out: no chance to flush or clean up.
    let mut child = start(false);
    let t0 = std::time::Instant::now();
    while count_lines(&report) < 20 {
        assert!(t0.elapsed().as_secs() < 120, "the run never wrote 20 lines");
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let after_kill = count_lines(&report);
    assert!(
        after_kill < n,
        "the run was killed before finishing ({after_kill} lines)"
    );

    // A torn last line, as a kill in mid-write leaves it.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&report)
        .unwrap();
    f.write_all(b"{\"input\":\"torn").unwrap();
    drop(f);

    let status = start(true).wait().unwrap();
    assert_eq!(
        status.code(),
        Some(1),
        "the mixed corpus has failing documents"
    );
    let text = std::fs::read_to_string(&report).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), n, "every document exactly once");
    let mut names: Vec<&str> = lines.iter().map(|l| l["name"].as_str().unwrap()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), n);

    // The resumed report equals a fresh run's verdicts.
    let (fresh, _) = run(dir.path(), &[docs], 2);
    assert_eq!(verdicts(&lines), verdicts(&fresh));
}

#[test]
fn archives_inside_a_directory_are_expanded() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path(), 3, 505, true);
    // docs/ holds 3 documents; put the tar of the same 3 inside it: 6 documents in all.
    std::fs::rename(
        dir.path().join("archive.tar"),
        dir.path().join("docs/inner.tar"),
    )
    .unwrap();
    let docs = dir.path().join("docs").display().to_string();
    let (lines, _) = run(dir.path(), std::slice::from_ref(&docs), 2);
    assert_eq!(lines.len(), 6, "{lines:#?}");
    let from_tar = lines
        .iter()
        .filter(|l| l["input"].as_str().unwrap().ends_with("inner.tar"))
        .count();
    assert_eq!(from_tar, 3);
    assert_eq!(
        lines.iter().filter(|l| l["input"] == docs.as_str()).count(),
        3
    );
}

/// Ingestion: a document named on standard input is reported while the list is still open
/// (the enumerator hands over a partial batch when the workers are idle, and the writer writes
/// when no further line is queued), not held back until more documents arrive.
#[test]
fn a_trickled_document_list_is_answered_document_by_document() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path(), 3, 505, false);
    let names = docs_of(dir.path());
    let mut child = verify_stdin_list(dir.path());
    let mut stdin = child.stdin.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    for name in &names {
        writeln!(stdin, "{}", name.display()).unwrap();
        stdin.flush().unwrap();
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("a line for the document just named, with the list still open");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            v["name"]
                .as_str()
                .map(|n| n.ends_with(&*name.file_name().unwrap().to_string_lossy())),
            Some(true),
            "{line}"
        );
    }
    drop(stdin);
    assert!(child.wait().unwrap().code().is_some());
    assert!(rx.recv_timeout(std::time::Duration::from_secs(5)).is_err());
}
