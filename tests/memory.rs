//! One memory budget for the run, whatever the archive holds: a 3.5 MB zip of four members
//! that each inflate to 900 MB is verified, one line per member naming the bomb, within the
//! budget at one, two and eight workers; a document larger than a worker's share is verified
//! with the pool; decoded streams draw from the document's allowance; and starving the budget
//! changes no verdict.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sigaudit::internals::memory::{BombRule, MemoryBudget};
use sigaudit_corpus::cases::Profile;

const MIB: u64 = 1 << 20;

/// Runs `cmd` and returns its output with the child's peak resident memory in bytes
/// (`ru_maxrss` of the children of a Python process that runs nothing else).
fn with_peak_rss(cmd: &mut Command) -> (Output, u64) {
    let program = cmd.get_program().to_os_string();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_os_string()).collect();
    let script = "import resource, subprocess, sys\n\
                  p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n\
                  sys.stdout.buffer.write(p.stdout)\n\
                  sys.stderr.buffer.write(p.stderr)\n\
                  sys.stderr.write('\\nPEAK_RSS_KB=%d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n\
                  sys.exit(p.returncode)";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(program)
        .args(args)
        .output()
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let kb: u64 = stderr
        .rsplit("PEAK_RSS_KB=")
        .next()
        .and_then(|s| s.trim().parse().ok())
        .expect("peak RSS reported");
    (out, kb * 1024)
}

/// A zip (APPNOTE 6.3) of `members` deflated entries, each `%PDF-1.7\n` and zeros to `size`
/// bytes: a few hundred kilobytes each, compressed once and stored under every name.
fn zip_bomb(path: &Path, members: usize, size: usize) {
    let mut crc = flate2::Crc::new();
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let head = b"%PDF-1.7\n";
    e.write_all(head).unwrap();
    crc.update(head);
    let zeros = vec![0u8; 1 << 20];
    let mut n = head.len();
    while n < size {
        let k = zeros.len().min(size - n);
        e.write_all(&zeros[..k]).unwrap();
        crc.update(&zeros[..k]);
        n += k;
    }
    let data = e.finish().unwrap();
    let mut body = Vec::new();
    let mut central = Vec::new();
    for i in 0..members {
        let name = format!("bomb{i}.pdf");
        let offset = body.len() as u32;
        let fields = |sig: u32, cd: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if cd {
                h.extend(20u16.to_le_bytes()); // version made by
            }
            h.extend(20u16.to_le_bytes()); // version needed
            h.extend(0u16.to_le_bytes()); // flags
            h.extend(8u16.to_le_bytes()); // deflated
            h.extend(0u32.to_le_bytes()); // time and date
            h.extend(crc.sum().to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((size as u32).to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra length
            if cd {
                h.extend([0u8; 6]); // comment length, disk, internal attributes
                h.extend(0u32.to_le_bytes()); // external attributes
                h.extend(offset.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        body.extend(fields(0x0403_4b50, false));
        body.extend(&data);
        central.extend(fields(0x0201_4b50, true));
    }
    let cd_offset = body.len() as u32;
    body.extend(&central);
    body.extend(0x0605_4b50u32.to_le_bytes());
    body.extend([0u8; 4]);
    body.extend((members as u16).to_le_bytes());
    body.extend((members as u16).to_le_bytes());
    body.extend((central.len() as u32).to_le_bytes());
    body.extend(cd_offset.to_le_bytes());
    body.extend(0u16.to_le_bytes());
    std::fs::write(path, body).unwrap();
}

fn sample_pki() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/sample/pki")
}

fn sigaudit(input: &Path, temp: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sigaudit"));
    c.arg("verify")
        .arg(input)
        .arg("--trust")
        .arg(sample_pki().join("roots"))
        .args(["--at", "2026-07-01T00:00:00Z", "--temp-dir"])
        .arg(temp)
        .args(extra);
    c
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every member once, an ERROR (zeros are no PDF) naming the bomb.
fn assert_bomb_lines(out: &Output, members: usize) {
    let lines = lines(out);
    assert_eq!(lines.len(), members, "one line per member");
    let mut names: Vec<&str> = lines.iter().map(|l| l["name"].as_str().unwrap()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), members);
    for l in &lines {
        assert_eq!(l["status"], "ERROR", "{l}");
        let kinds: Vec<&str> = l["findings"]
            .as_array()
            .map(|f| f.iter().filter_map(|x| x["kind"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(kinds, ["compression_bomb"], "{l}");
    }
}

/// The bar: the four-member zip whose members inflate to 900 MB each, with the
/// default budget (512 MiB), under 600 MB of peak resident memory.
#[test]
fn the_four_member_zip_bomb_is_verified_under_600_mb() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("bomb.zip");
    zip_bomb(&zip, 4, 900_000_000);
    let size = std::fs::metadata(&zip).unwrap().len();
    assert!(size < 4 * MIB, "{size} bytes");
    let (out, peak) = with_peak_rss(&mut sigaudit(&zip, dir.path(), &["--jobs", "2"]));
    assert_eq!(out.status.code(), Some(1));
    assert_bomb_lines(&out, 4);
    assert!(peak < 600_000_000, "peak RSS {peak} bytes");
}

/// The budget holds at one, two and eight workers: peak resident memory under a 128 MiB
/// budget plus a constant for the program itself (64 MiB), with members of 300 MB.
#[test]
fn inflated_members_stay_within_the_budget_at_any_number_of_workers() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("bomb.zip");
    zip_bomb(&zip, 4, 300_000_000);
    for jobs in ["1", "2", "8"] {
        let mut cmd = sigaudit(
            &zip,
            dir.path(),
            &["--jobs", jobs, "--memory-budget", "128M", "--summary"],
        );
        let summary = dir.path().join(format!("summary-{jobs}.json"));
        cmd.arg(&summary);
        let (out, peak) = with_peak_rss(&mut cmd);
        assert_bomb_lines(&out, 4);
        assert!(
            peak < (128 + 64) * MIB,
            "jobs {jobs}: peak RSS {peak} bytes"
        );
        let s: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
        assert_eq!(s["temp"]["files"], 4, "{s}");
        assert_eq!(s["memory"]["deferred"], 4, "{s}");
    }
}

/// A valid signed document larger than a worker's share: deflated in a zip, it is inflated
/// into a temporary file and verified with the pool; read (`--no-mmap`), it is verified with
/// the pool when the pool can hold it and refused, saying why, when it cannot.
#[test]
fn a_document_larger_than_a_share_is_verified_with_the_pool() {
    let dir = tempfile::tempdir().unwrap();
    common::generate(dir.path(), 1, 71, Profile::National, "20M");
    let doc = std::fs::read_dir(dir.path().join("docs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let manifest: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(dir.path().join("manifest.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let want = manifest["status"].as_str().unwrap().to_string();
    let bytes = std::fs::read(&doc).unwrap();
    assert!(bytes.len() > 20 << 20);
    let zip = dir.path().join("one.zip");
    deflated_zip(&zip, "big.pdf", &bytes);
    let pki = dir.path().join("pki");
    let run = |input: &Path, extra: &[&str]| {
        let summary = dir.path().join("summary.json");
        let out = Command::new(env!("CARGO_BIN_EXE_sigaudit"))
            .arg("verify")
            .arg(input)
            .arg("--trust")
            .arg(pki.join("roots"))
            .arg("--certs")
            .arg(pki.join("intermediates"))
            .arg("--crl")
            .arg(pki.join("crls"))
            .args(["--at", "2026-07-01T00:00:00Z", "--jobs", "2", "--temp-dir"])
            .arg(dir.path())
            .arg("--summary")
            .arg(&summary)
            .args(extra)
            .output()
            .unwrap();
        let s: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
        let l = lines(&out);
        assert_eq!(l.len(), 1);
        (l[0].clone(), s)
    };
    // 64 MiB: shares of 16 MiB, a pool of 32 MiB.
    let (line, s) = run(&zip, &["--memory-budget", "64M"]);
    assert_eq!(line["status"], want.as_str(), "{line}");
    assert_eq!(s["memory"]["deferred"], 1, "{s}");
    assert_eq!(s["temp"]["files"], 1, "{s}");
    let (line, s) = run(&doc, &["--memory-budget", "64M", "--no-mmap"]);
    assert_eq!(line["status"], want.as_str(), "{line}");
    assert_eq!(s["memory"]["deferred"], 1, "{s}");
    assert!(
        s["memory"]["peak"].as_u64().unwrap() >= bytes.len() as u64,
        "{s}"
    );
    // 32 MiB: a pool of 16 MiB cannot hold it.
    let (line, s) = run(&doc, &["--memory-budget", "32M", "--no-mmap"]);
    assert_eq!(line["status"], "ERROR");
    let error = line["error"].as_str().unwrap();
    assert!(error.contains("--memory-budget"), "{error}");
    assert_eq!(s["memory"]["refused"], 1, "{s}");
}

/// A zip of one deflated entry (APPNOTE 6.3).
fn deflated_zip(path: &Path, name: &str, data: &[u8]) {
    let mut crc = flate2::Crc::new();
    crc.update(data);
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    let packed = e.finish().unwrap();
    let mut out = Vec::new();
    let header = |sig: u32, cd: bool| {
        let mut h = Vec::new();
        h.extend(sig.to_le_bytes());
        if cd {
            h.extend(20u16.to_le_bytes());
        }
        h.extend(20u16.to_le_bytes());
        h.extend(0u16.to_le_bytes());
        h.extend(8u16.to_le_bytes());
        h.extend(0u32.to_le_bytes());
        h.extend(crc.sum().to_le_bytes());
        h.extend((packed.len() as u32).to_le_bytes());
        h.extend((data.len() as u32).to_le_bytes());
        h.extend((name.len() as u16).to_le_bytes());
        h.extend(0u16.to_le_bytes());
        if cd {
            h.extend([0u8; 14]); // comment length, disk, attributes (2 + 4), offset 0
        }
        h.extend(name.as_bytes());
        h
    };
    out.extend(header(0x0403_4b50, false));
    out.extend(&packed);
    let cd_offset = out.len() as u32;
    let cd = header(0x0201_4b50, true);
    out.extend(&cd);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend(1u16.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend((cd.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    std::fs::write(path, out).unwrap();
}

/// A minimal PDF whose cross-reference stream inflates to `decoded` bytes (its rows padded
/// with zeros): the reader decodes it first thing.
fn xref_stream_of(decoded: usize) -> Vec<u8> {
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let catalog = pdf.len();
    pdf.extend(b"1 0 obj\n<< /Type /Catalog >>\nendobj\n");
    let xref_at = pdf.len();
    // /W [1 4 2]: 7 bytes a row; rows for objects 0..=2, then zeros (free entries).
    let mut rows = Vec::new();
    rows.extend([0u8, 0, 0, 0, 0, 0xff, 0xff]);
    rows.push(1);
    rows.extend((catalog as u32).to_be_bytes());
    rows.extend([0, 0]);
    rows.push(1);
    rows.extend((xref_at as u32).to_be_bytes());
    rows.extend([0, 0]);
    rows.resize(decoded, 0);
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&rows).unwrap();
    let packed = e.finish().unwrap();
    let entries = decoded / 7;
    write!(
        pdf,
        "2 0 obj\n<< /Type /XRef /Size {entries} /W [1 4 2] /Root 1 0 R /Filter /FlateDecode \
         /Length {} >>\nstream\n",
        packed.len()
    )
    .unwrap();
    pdf.extend(&packed);
    write!(pdf, "\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").unwrap();
    pdf
}

/// Decoded streams draw from the document's allowance: a worker's share that cannot hold a
/// stream marks the document for the pool; a share that can holds it and names the bomb.
#[test]
fn decoded_streams_draw_from_the_allowance_and_bombs_are_named() {
    let bytes = xref_stream_of(7 << 20);
    let rule = BombRule {
        ratio: 100,
        min_size: MIB,
    };
    // 8 MiB over two workers: shares of 2 MiB, too small for a 7 MiB stream.
    let small = MemoryBudget::new(8 * MIB, 2, rule);
    let a = small.worker_allowance();
    let _ = sigaudit::internals::pdf::read_with(&bytes, &a);
    assert!(a.exceeded(), "a 7 MiB stream does not fit a 2 MiB share");
    // The pool (4 MiB) cannot either.
    let p = small.pool_allowance();
    let _ = sigaudit::internals::pdf::read_with(&bytes, &p);
    assert!(p.exceeded());

    // 64 MiB: a 16 MiB share holds it; the stream is a bomb by the rule and is named.
    let large = MemoryBudget::new(64 * MIB, 2, rule);
    let a = large.worker_allowance();
    let verifier = common::verifier(&sample_pki(), false);
    let report = verifier.verify_with("x.pdf", &bytes, &a);
    assert!(!a.exceeded());
    assert!(large.stats().peak >= 7 * MIB, "{:?}", large.stats());
    let bombs: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.kind == sigaudit::FindingKind::CompressionBomb)
        .map(|f| f.detail.as_str())
        .collect();
    assert_eq!(bombs.len(), 1, "{report:?}");
    assert!(bombs[0].starts_with("object 2 "), "{bombs:?}");
}

/// Starving the budget moves documents to the pool lane (with `--no-mmap` and 4 MiB over
/// sixteen workers, shares of 128 KiB and a pool of 2 MiB: most documents, with their decoded
/// streams and DSS, outgrow their share, none the pool): every verdict stays the same.
#[test]
fn a_starved_budget_changes_no_verdict() {
    let dir = tempfile::tempdir().unwrap();
    common::generate(dir.path(), 60, 72, Profile::Mixed, "0,64K");
    let pki = dir.path().join("pki");
    let run = |extra: &[&str]| {
        let summary = dir.path().join("summary.json");
        let out = Command::new(env!("CARGO_BIN_EXE_sigaudit"))
            .arg("verify")
            .arg(dir.path().join("docs"))
            .arg("--trust")
            .arg(pki.join("roots"))
            .arg("--certs")
            .arg(pki.join("intermediates"))
            .arg("--crl")
            .arg(pki.join("crls"))
            .args(["--at", "2026-07-01T00:00:00Z", "--ordered", "--summary"])
            .arg(&summary)
            .args(extra)
            .output()
            .unwrap();
        let verdicts: Vec<serde_json::Value> = lines(&out)
            .into_iter()
            .map(|mut l| {
                l.as_object_mut().unwrap().remove("elapsed_us");
                l
            })
            .collect();
        let s: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
        (verdicts, s)
    };
    let (normal, s) = run(&[]);
    assert_eq!(normal.len(), 60);
    assert_eq!(s["memory"]["deferred"], 0, "{s}");
    let (starved, s) = run(&["--memory-budget", "4M", "--no-mmap", "--jobs", "16"]);
    let deferred = s["memory"]["deferred"].as_u64().unwrap();
    assert!(deferred > 20, "{s}");
    assert_eq!(s["memory"]["refused"], 0, "{s}");
    assert_eq!(normal, starved);
}
