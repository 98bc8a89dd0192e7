//! `verify --shard K/N` and `sigaudit merge`: the shards of an input are a partition of it
//! (every document in exactly one shard, whatever N and however the input is given), their
//! reports merged equal the single run's line for line (`elapsed_us` aside), and every way a
//! shard set can be wrong is refused with exit code 2.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sigaudit::engine::{self, Options, Shard};
use sigaudit::{Line, Sink};

const BIN: &str = env!("CARGO_BIN_EXE_sigaudit");

/// A generated corpus: its directory (docs/, pki/, archive.tar).
fn corpus(dir: &Path, docs: usize, seed: u64) -> PathBuf {
    let config = sigaudit_corpus::Config {
        out: dir.to_path_buf(),
        docs,
        seed,
        profile: sigaudit_corpus::cases::Profile::Mixed,
        attachments: "0".parse().expect("attachment list"),
        tar: true,
        tar_only: false,
        base_url: sigaudit_corpus::pki::DEFAULT_BASE_URL.to_string(),
        signers: sigaudit_corpus::keys::SIGNER_COUNT,
    };
    sigaudit_corpus::generate(&config, |_| {}).expect("generation succeeds");
    dir.to_path_buf()
}

fn trust_args(c: &Path) -> Vec<String> {
    let p = |s: &str| c.join("pki").join(s).display().to_string();
    vec![
        "--trust".into(),
        p("roots"),
        "--certs".into(),
        p("intermediates"),
        "--crl".into(),
        p("crls"),
        "--at".into(),
        common::GENERATED_AT.into(),
    ]
}

fn run(args: &[String], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("sigaudit runs");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        std::io::Write::write_all(&mut input, text.as_bytes()).expect("list written");
    }
    drop(input);
    child.wait_with_output().expect("sigaudit ends")
}

/// A shard of `inputs` verified into `report`.
fn shard_run(c: &Path, inputs: &[String], shard: &str, report: &Path, stdin: Option<&str>) {
    let mut args = vec!["verify".to_string()];
    args.extend(inputs.iter().cloned());
    args.extend(trust_args(c));
    args.extend([
        "--shard".into(),
        shard.into(),
        "--report".into(),
        report.display().to_string(),
    ]);
    let out = run(&args, stdin);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "shard {shard}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The lines of a report without `elapsed_us`, as text (the field is the line's last).
fn lines_without_time(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("report")
        .lines()
        .map(|l| {
            let cut = l.rfind(",\"elapsed_us\":").expect("elapsed_us last");
            format!("{}}}", &l[..cut])
        })
        .collect()
}

fn key(line: &str) -> (String, String) {
    let v: serde_json::Value = serde_json::from_str(line).expect("JSON");
    (
        v["input"].as_str().expect("input").to_string(),
        v["name"].as_str().expect("name").to_string(),
    )
}

fn merge(reports: &[&Path], extra: &[&str], out: &Path) -> Output {
    let mut args: Vec<String> = vec!["merge".into()];
    args.extend(reports.iter().map(|p| p.display().to_string()));
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(["--out".into(), out.display().to_string()]);
    run(&args, None)
}

/// `sigaudit merge` of `reports` into `out`, asserted to succeed.
fn merge_ok(reports: &[&Path], extra: &[&str], out: &Path) {
    let o = merge(reports, extra, out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{extra:?}: {err}");
}

fn refused(out: &Output, says: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "exit code; stderr: {err}");
    assert!(err.contains(says), "{says:?} not in: {err}");
}

/// The bar of issue 21: three shards of a generated 300-document tar, merged, equal the
/// single run line for line; merging two of the three is refused.
#[test]
fn three_shards_of_a_300_document_tar_merge_into_the_single_run() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let c = corpus(&tmp.path().join("c"), 300, 21);
    let tar = vec![c.join("archive.tar").display().to_string()];
    let single = tmp.path().join("single.jsonl");
    let mut args = vec!["verify".to_string(), tar[0].clone()];
    args.extend(trust_args(&c));
    args.extend([
        "--ordered".into(),
        "--report".into(),
        single.display().to_string(),
    ]);
    assert!(run(&args, None).status.code().is_some_and(|c| c <= 1));
    let shards: Vec<PathBuf> = (1..=3)
        .map(|k| tmp.path().join(format!("shard-{k}-of-3.jsonl")))
        .collect();
    for (k, path) in shards.iter().enumerate() {
        shard_run(&c, &tar, &format!("{}/3", k + 1), path, None);
    }
    let refs: Vec<&Path> = shards.iter().map(PathBuf::as_path).collect();

    // Input order: the single --ordered run, line for line.
    let merged = tmp.path().join("merged.jsonl");
    merge_ok(&refs, &["--ordered"], &merged);
    let want = lines_without_time(&single);
    assert_eq!(want.len(), 300);
    assert_eq!(lines_without_time(&merged), want);

    // By input and name (the default), in chunks spilled to disk or not: the same lines
    // sorted.
    let mut sorted = want.clone();
    sorted.sort_by_key(|l| key(l));
    for extra in [&[][..], &["--sort-memory", "16K"][..]] {
        let by_name = tmp.path().join("by-name.jsonl");
        merge_ok(&refs, extra, &by_name);
        assert_eq!(lines_without_time(&by_name), sorted, "{extra:?}");
    }

    // Two of three: refused, and nothing written.
    let partial = tmp.path().join("partial.jsonl");
    refused(&merge(&refs[..2], &[], &partial), "shard 3/3 missing");
    assert!(!partial.exists() && !tmp.path().join("partial.jsonl.partial").exists());
}

/// Collects `(input, name)` of every line.
#[derive(Default)]
struct Names(Vec<(String, String, Option<u64>)>);

impl Sink for Names {
    fn line(&mut self, line: &Line) -> std::io::Result<()> {
        self.0
            .push((line.input.clone(), line.report.name.clone(), line.position));
        Ok(())
    }
}

/// For N = 1, 2, 3, 7 and inputs given as a directory, a tar and a list: the shards' documents
/// are the whole input, each once, each with its position in the whole input's enumeration.
#[test]
fn shards_partition_directories_tars_and_lists() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let c = corpus(&tmp.path().join("c"), 40, 5);
    let verifier = common::verifier(&c.join("pki"), true);
    let docs = c.join("docs");
    let list: Vec<String> = {
        let mut v: Vec<String> = std::fs::read_dir(&docs)
            .expect("docs")
            .map(|e| e.expect("entry").path().display().to_string())
            .collect();
        v.sort();
        v
    };
    let list_file = tmp.path().join("list.txt");
    std::fs::write(&list_file, list.join("\n") + "\n").expect("list");
    let whole_of = |inputs: &[String]| {
        let mut all = Names::default();
        engine::run(inputs, &verifier, &Options::default(), &mut all).expect("run");
        all.0.sort();
        all.0
    };
    let cases: [(&str, Vec<String>); 3] = [
        ("directory", vec![docs.display().to_string()]),
        ("tar", vec![c.join("archive.tar").display().to_string()]),
        // A list given as a file of paths, one per line, read like `-` reads standard input:
        // here through the library, each path an input of its own.
        ("list", list.clone()),
    ];
    for (kind, inputs) in cases {
        let whole = whole_of(&inputs);
        assert_eq!(whole.len(), 40, "{kind}");
        for n in [1u32, 2, 3, 7] {
            let mut union: Vec<(String, String)> = Vec::new();
            let mut positions = Vec::new();
            for k in 1..=n {
                let options = Options {
                    shard: Some(Shard { index: k, count: n }),
                    ..Options::default()
                };
                let mut part = Names::default();
                let summary = engine::run(&inputs, &verifier, &options, &mut part).expect("run");
                assert_eq!(summary.documents as usize, part.0.len());
                for (input, name, position) in part.0 {
                    assert_eq!(engine::shard_of(&input, &name, n), k, "{kind} {name}");
                    positions.push(position.expect("a shard's lines carry their position"));
                    union.push((input, name));
                }
            }
            union.sort();
            let whole_names: Vec<(String, String)> = whole
                .iter()
                .map(|(i, n, _)| (i.clone(), n.clone()))
                .collect();
            assert_eq!(union, whole_names, "{kind}, {n} shards");
            positions.sort();
            assert_eq!(
                positions,
                (0..40).collect::<Vec<u64>>(),
                "{kind}, {n} shards"
            );
        }
    }
    // The command line's list on standard input shards the same way.
    let mut union = Vec::new();
    for k in 1..=3 {
        let report = tmp.path().join(format!("list-{k}.jsonl"));
        shard_run(
            &c,
            &["-".to_string()],
            &format!("{k}/3"),
            &report,
            Some(&(list.join("\n") + "\n")),
        );
        let text = std::fs::read_to_string(&report).expect("report");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("{\"sigaudit_run\":"));
        assert!(lines[lines.len() - 1].starts_with("{\"sigaudit_summary\":"));
        for l in &lines[1..lines.len() - 1] {
            assert!(l.starts_with("{\"position\":"), "{l}");
            union.push(key(l).1);
        }
    }
    union.sort();
    assert_eq!(union, list);
}

/// A killed shard (its report cut mid-line, no summary) is refused until resumed; resumed, it
/// merges into the single run's lines.
#[test]
fn a_killed_shard_is_refused_until_resumed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let c = corpus(&tmp.path().join("c"), 60, 9);
    let tar = vec![c.join("archive.tar").display().to_string()];
    let shards: Vec<PathBuf> = (1..=2)
        .map(|k| tmp.path().join(format!("s{k}.jsonl")))
        .collect();
    for (k, path) in shards.iter().enumerate() {
        shard_run(&c, &tar, &format!("{}/2", k + 1), path, None);
    }
    let refs: Vec<&Path> = shards.iter().map(PathBuf::as_path).collect();
    let whole = tmp.path().join("whole.jsonl");
    assert_eq!(merge(&refs, &["--ordered"], &whole).status.code(), Some(0));

    let text = std::fs::read_to_string(&shards[1]).expect("report");
    let cut = text.len() / 2;
    std::fs::write(&shards[1], &text[..cut]).expect("cut");
    let merged = tmp.path().join("merged.jsonl");
    refused(&merge(&refs, &[], &merged), "did not finish");

    // The same command with --resume finishes it; with another validation time it is
    // refused.
    let mut args = vec!["verify".to_string(), tar[0].clone()];
    args.extend(trust_args(&c));
    args.extend([
        "--shard".into(),
        "2/2".into(),
        "--report".into(),
        shards[1].display().to_string(),
        "--resume".into(),
    ]);
    let mut other = args.clone();
    let at = other.iter().position(|a| a == "--at").expect("--at") + 1;
    other[at] = "2026-07-02T00:00:00Z".into();
    let out = run(&other, None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("written by another run"));
    let out = run(&args, None);
    assert!(out.status.code().is_some_and(|c| c <= 1));
    merge_ok(&refs, &["--ordered"], &merged);
    assert_eq!(lines_without_time(&merged), lines_without_time(&whole));
}

/// Every way a shard set can be wrong is refused, with exit code 2 and a message naming it.
#[test]
fn merge_refuses_wrong_shard_sets() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let c = corpus(&tmp.path().join("c"), 30, 13);
    let tar = vec![c.join("archive.tar").display().to_string()];
    let s: Vec<PathBuf> = (1..=3)
        .map(|k| tmp.path().join(format!("s{k}.jsonl")))
        .collect();
    for (k, path) in s.iter().enumerate() {
        shard_run(&c, &tar, &format!("{}/3", k + 1), path, None);
    }
    let out = tmp.path().join("out.jsonl");
    let read = |p: &Path| std::fs::read_to_string(p).expect("report");
    let write = |name: &str, text: String| {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    };
    let lines = |p: &Path| -> Vec<String> { read(p).lines().map(str::to_string).collect() };

    // The same shard twice.
    refused(
        &merge(&[&s[0], &s[1], &s[1], &s[2]], &[], &out),
        "shard 2/3 given twice",
    );
    // Another run's shard: another validation time.
    let other = tmp.path().join("other.jsonl");
    let mut args = vec!["verify".to_string(), tar[0].clone()];
    args.extend(trust_args(&c));
    let at = args.iter().position(|a| a == "--at").expect("--at") + 1;
    args[at] = "2026-06-01T00:00:00Z".into();
    args.extend(["--shard".into(), "3/3".into(), "--report".into()]);
    args.push(other.display().to_string());
    assert!(run(&args, None).status.code().is_some_and(|c| c <= 1));
    refused(
        &merge(&[&s[0], &s[1], &other], &[], &out),
        "different runs (at ",
    );
    // Another number of shards.
    let two = tmp.path().join("two.jsonl");
    shard_run(&c, &tar, "2/2", &two, None);
    refused(&merge(&[&s[0], &s[1], &two], &[], &out), "different runs");
    // One document twice in a shard.
    let l = lines(&s[2]);
    let mut twice = l.clone();
    twice.insert(l.len() - 1, l[1].clone());
    let dup = write("dup.jsonl", twice.join("\n") + "\n");
    for extra in [&[][..], &["--ordered"][..]] {
        refused(&merge(&[&s[0], &s[1], &dup], extra, &out), "reported twice");
    }
    // A line moved to another shard's report.
    let moved = lines(&s[0])[1].clone();
    let mut l3 = lines(&s[2]);
    l3.insert(1, moved);
    let misplaced = write("misplaced.jsonl", l3.join("\n") + "\n");
    refused(
        &merge(&[&s[0], &s[1], &misplaced], &[], &out),
        "belongs to shard 1/3",
    );
    // A report of an unsharded run.
    let plain = tmp.path().join("plain.jsonl");
    let mut args = vec!["verify".to_string(), tar[0].clone()];
    args.extend(trust_args(&c));
    args.extend(["--report".into(), plain.display().to_string()]);
    run(&args, None);
    refused(
        &merge(&[&s[0], &s[1], &plain], &[], &out),
        "not a shard's report",
    );
    // Lines after the summary.
    let mut after = lines(&s[2]);
    after.push(after[1].clone());
    let after = write("after.jsonl", after.join("\n") + "\n");
    refused(
        &merge(&[&s[0], &s[1], &after], &[], &out),
        "after the shard's summary",
    );
    assert!(!out.exists(), "a refused merge leaves no report");

    // And the right set merges, its summary counting every document once.
    let summary = tmp.path().join("summary.json");
    let ok = merge(
        &[&s[2], &s[0], &s[1]],
        &["--summary", &summary.display().to_string()],
        &out,
    );
    assert_eq!(ok.status.code(), Some(0));
    let sum: serde_json::Value = serde_json::from_str(&read(&summary)).expect("summary is JSON");
    assert_eq!(sum["documents"], 30);
    assert_eq!(sum["shards"], 3);
    let by_status: BTreeMap<String, u64> =
        serde_json::from_value(sum["by_status"].clone()).expect("by_status");
    assert_eq!(by_status.values().sum::<u64>(), 30);
    assert!(sum["run"]["shard"].is_null() && sum["run"]["params"]["at"].is_string());
}

/// `--shard` needs a report file and a validation time.
#[test]
fn shard_needs_report_and_time() {
    let out = run(
        &[
            "verify".into(),
            "corpus/sample/docs".into(),
            "--trust".into(),
            "corpus/sample/pki/roots".into(),
            "--shard".into(),
            "1/2".into(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let out = run(
        &[
            "verify".into(),
            "x.pdf".into(),
            "--shard".into(),
            "3/2".into(),
            "--report".into(),
            "r".into(),
            "--at".into(),
            common::GENERATED_AT.into(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a shard"));
}

/// With `--dossier`, a dossier (a folder: a main document and its appendices, judged
/// together) is never split between shards, so the merged report equals the single run's,
/// dossier verdicts included.
#[test]
fn dossiers_stay_whole_across_shards() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let c = corpus(&tmp.path().join("c"), 24, 17);
    let mut docs: Vec<PathBuf> = std::fs::read_dir(c.join("docs"))
        .expect("docs")
        .map(|e| e.expect("entry").path())
        .collect();
    docs.sort();
    let root = tmp.path().join("dossiers");
    for (i, chunk) in docs.chunks(4).enumerate() {
        let folder = root.join(format!("2024/dossier-{i:02}"));
        std::fs::create_dir_all(&folder).expect("folder");
        for (j, d) in chunk.iter().enumerate() {
            std::fs::copy(d, folder.join(format!("{j}.pdf"))).expect("copy");
        }
    }
    let inputs = [root.display().to_string()];
    let with_dossier = |mut args: Vec<String>| {
        args.push("--dossier".into());
        args
    };
    let single = tmp.path().join("single.jsonl");
    let mut args = vec!["verify".to_string(), inputs[0].clone()];
    args.extend(trust_args(&c));
    args.extend(["--report".into(), single.display().to_string()]);
    assert!(run(&with_dossier(args), None)
        .status
        .code()
        .is_some_and(|c| c <= 1));
    let shards: Vec<PathBuf> = (1..=3)
        .map(|k| tmp.path().join(format!("d{k}.jsonl")))
        .collect();
    for (k, report) in shards.iter().enumerate() {
        let mut args = vec!["verify".to_string(), inputs[0].clone()];
        args.extend(trust_args(&c));
        args.extend([
            "--shard".into(),
            format!("{}/3", k + 1),
            "--report".into(),
            report.display().to_string(),
        ]);
        let out = run(&with_dossier(args), None);
        assert!(out.status.code().is_some_and(|c| c <= 1));
        // Every folder in this shard is here whole.
        let text = std::fs::read_to_string(report).expect("report");
        let mut folders: BTreeMap<String, usize> = BTreeMap::new();
        for l in text.lines().filter(|l| l.starts_with("{\"position\":")) {
            let name = key(l).1;
            let folder = Path::new(&name)
                .parent()
                .expect("folder")
                .display()
                .to_string();
            *folders.entry(folder).or_default() += 1;
        }
        assert!(
            folders.values().all(|&n| n == 4),
            "shard {}: {folders:?}",
            k + 1
        );
    }
    let refs: Vec<&Path> = shards.iter().map(PathBuf::as_path).collect();
    let merged = tmp.path().join("merged.jsonl");
    merge_ok(&refs, &["--ordered"], &merged);
    let want = lines_without_time(&single);
    assert_eq!(want.len(), 24);
    assert!(
        want.iter().any(|l| l.contains("\"dossier\"")),
        "dossier verdicts present"
    );
    assert_eq!(lines_without_time(&merged), want);
}

/// Regression: `report --html` counted a shard report's header and summary lines as two
/// unreadable lines; they are skipped by it and by `--premis` (one METS file per document).
#[test]
fn report_readers_skip_a_shard_reports_frame() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let c = corpus(&tmp.path().join("c"), 12, 3);
    let tar = vec![c.join("archive.tar").display().to_string()];
    let report = tmp.path().join("s.jsonl");
    shard_run(&c, &tar, "1/1", &report, None);
    let page = tmp.path().join("page.html");
    let out = run(
        &[
            "report".into(),
            report.display().to_string(),
            "--html".into(),
            page.display().to_string(),
        ],
        None,
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains("12 documents") && said.contains("0 unreadable lines"),
        "{said}"
    );
    let premis = tmp.path().join("premis");
    let out = run(
        &[
            "report".into(),
            report.display().to_string(),
            "--premis".into(),
            premis.display().to_string(),
            "--at".into(),
            common::GENERATED_AT.into(),
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut mets = 0;
    let mut stack = vec![premis];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).expect("premis dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".mets.xml") {
                mets += 1;
            }
        }
    }
    assert_eq!(mets, 12);
}
