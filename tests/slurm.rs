//! The Slurm deployment end to end (`deploy/slurm/`): a generated tar of a few hundred
//! documents audited as a job array of 3 shards and a merge job (`submit.sh --wait`) gives the
//! report a single `sigaudit verify` gives, line for line (timings aside).
//!
//! Slurm: the cluster `sinfo` answers, if any; otherwise, only under CI (`CI=true`) or when
//! asked (`SIGAUDIT_SLURM_SETUP=1`), a throw-away one-node cluster started here by
//! `deploy/slurm/testing/one-node.sh` (root, Debian's `slurm-wlm` and `munge`): its
//! configuration, munge key and state live in a temporary directory, /etc/slurm is never
//! written, and a guard stops every daemon it started, and their job steps, when the test ends,
//! panics included (and a watcher left by the script, should the test be killed outright).
//! Without Slurm the test prints a visible `SKIPPED` line, and fails under CI.
//!
//! `SIGAUDIT_SLURM_SBATCH`: extra sbatch options for both jobs (space-separated), e.g. a
//! partition or account on an existing cluster.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use sigaudit_corpus::cases::Profile;
use sigaudit_corpus::{generate, Attachments, Config};

const AT: &str = "2026-07-01T00:00:00Z";
const DOCS: usize = 300;
const SHARDS: usize = 3;
/// How long the array and the merge may take before the test gives up.
const SLURM_TIMEOUT: Duration = Duration::from_secs(150);

fn under_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// A line on the test's standard error even when the harness captures output (`eprintln!`
/// is captured; a write to the stream itself is not).
fn visible(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// A visible skip, or under CI a failure.
fn skip(why: &str) {
    assert!(
        !under_ci(),
        "the Slurm test cannot run under CI (CI=true): {why}"
    );
    visible(&format!("SKIPPED: tests/slurm.rs: {why}"));
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn deploy_script(name: &str) -> PathBuf {
    root().join("deploy/slurm").join(name)
}

/// Runs `cmd` (with a time limit in seconds through coreutils' `timeout`); its output, or
/// `None` when it cannot be started.
fn run(seconds: u64, cmd: &str, args: &[&str], env: &[(&str, &str)]) -> Option<Output> {
    Command::new("timeout")
        .arg(seconds.to_string())
        .arg(cmd)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .ok()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn found(cmd: &str) -> bool {
    [
        "/usr/bin",
        "/usr/sbin",
        "/bin",
        "/sbin",
        "/usr/local/bin",
        "/usr/local/sbin",
    ]
    .iter()
    .any(|d| Path::new(d).join(cmd).is_file())
        || std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(cmd).is_file()))
}

/// Whether a cluster answers with the environment as it is (SLURM_CONF or /etc/slurm).
fn sinfo_answers() -> bool {
    found("sinfo")
        && run(20, "sinfo", &["-h", "-o", "%P %T"], &[])
            .is_some_and(|o| o.status.success() && !o.stdout.is_empty())
}

/// A one-node cluster started by `one-node.sh`: stopped, with its job steps, when dropped.
struct OneNode {
    /// The cluster's configuration, munge key, state and logs (removed after the daemons
    /// stop: the field is dropped after `drop` runs).
    state: tempfile::TempDir,
    /// The daemons' process ids, read from their pid files once they are up (the daemons
    /// remove the files as they exit).
    pids: Vec<u32>,
}

impl OneNode {
    fn conf(&self) -> PathBuf {
        self.state.path().join("slurm.conf")
    }

    fn pid_files(&self) -> Vec<u32> {
        ["munged", "slurmctld", "slurmd"]
            .iter()
            .filter_map(|d| {
                let f = self.state.path().join("run").join(format!("{d}.pid"));
                std::fs::read_to_string(f).ok()?.trim().parse().ok()
            })
            .collect()
    }

    /// The last lines of the daemons' logs.
    fn logs(&self) -> String {
        let script = deploy_script("testing/one-node.sh");
        let state = self.state.path().to_str().expect("a UTF-8 temporary path");
        run(20, "bash", &[script.to_str().unwrap(), "logs", state], &[])
            .map(|o| text(&o.stdout))
            .unwrap_or_default()
    }
}

/// Whether a process runs (a zombie, left where PID 1 does not reap, does not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        let state = s.rsplit(')').next().unwrap_or("").trim_start();
        !(state.starts_with('Z') || state.starts_with('X'))
    })
}

/// Processes whose working directory is under `dir`: the cluster's daemons and job steps
/// (slurmd and its slurmstepd work in the log directory).
fn processes_in(dir: &Path) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd.starts_with(dir))
        })
        .collect()
}

impl Drop for OneNode {
    fn drop(&mut self) {
        let script = deploy_script("testing/one-node.sh");
        let state = self.state.path().to_path_buf();
        // Cancels the jobs, stops the daemons by their pids (TERM, then KILL).
        let _ = run(
            60,
            "bash",
            &[script.to_str().unwrap(), "down", state.to_str().unwrap()],
            &[],
        );
        // Whatever is left, by process id: the daemons, then the job steps.
        let mut left: Vec<u32> = self.pids.clone();
        left.extend(self.pid_files());
        left.extend(processes_in(&state));
        left.sort_unstable();
        left.dedup();
        for pid in left.into_iter().filter(|&p| alive(p)) {
            eprintln!("tests/slurm.rs: process {pid} still runs after one-node.sh down: KILL");
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

/// A loopback port free right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `hostname -s` must name this machine: under CI, where the container may not resolve its
/// own name, it is added to /etc/hosts; elsewhere only said.
fn check_hostname() {
    let host = run(5, "hostname", &["-s"], &[])
        .map(|o| text(&o.stdout).trim().to_string())
        .unwrap_or_default();
    assert!(!host.is_empty(), "hostname -s gives no name");
    let resolves = run(5, "getent", &["hosts", &host], &[]).is_some_and(|o| o.status.success());
    if resolves {
        return;
    }
    if under_ci() {
        eprintln!("tests/slurm.rs: {host} does not resolve: adding it to /etc/hosts (CI)");
        let mut hosts = std::fs::OpenOptions::new()
            .append(true)
            .open("/etc/hosts")
            .expect("/etc/hosts is writable under CI");
        writeln!(hosts, "127.0.0.1 {host}").expect("writing /etc/hosts");
    } else {
        eprintln!(
            "tests/slurm.rs: {host} does not resolve (the one-node cluster reaches its daemons \
             at 127.0.0.1 and should not need it)"
        );
    }
}

/// Where the jobs run: the cluster that answers, or a one-node cluster started here (when
/// allowed), or `None` after a visible skip.
enum Cluster {
    Existing,
    OneNode(OneNode),
}

impl Cluster {
    /// SLURM_CONF for the clients and jobs, when the cluster is ours.
    fn env(&self) -> Vec<(String, String)> {
        match self {
            Cluster::Existing => vec![],
            Cluster::OneNode(n) => vec![("SLURM_CONF".into(), n.conf().display().to_string())],
        }
    }

    /// The daemons' logs, for a failure's message.
    fn logs(&self) -> String {
        match self {
            Cluster::OneNode(n) => n.logs(),
            Cluster::Existing => {
                let mut out = String::new();
                for f in std::fs::read_dir("/var/log/slurm")
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "log"))
                {
                    if let Some(o) = run(5, "tail", &["-n", "30", f.to_str().unwrap()], &[]) {
                        out += &format!("==> {} <==\n{}", f.display(), text(&o.stdout));
                    }
                }
                out
            }
        }
    }
}

fn cluster() -> Option<Cluster> {
    if sinfo_answers() {
        eprintln!("tests/slurm.rs: using the Slurm cluster sinfo answers for");
        return Some(Cluster::Existing);
    }
    let asked = std::env::var("SIGAUDIT_SLURM_SETUP").as_deref() == Ok("1");
    if !under_ci() && !asked {
        skip(
            "no Slurm cluster answers (sinfo); SIGAUDIT_SLURM_SETUP=1 starts a throw-away \
             one-node cluster (as root, with slurm-wlm and munge installed)",
        );
        return None;
    }
    let missing: Vec<&str> = [
        "munged",
        "munge",
        "slurmctld",
        "slurmd",
        "sbatch",
        "scontrol",
    ]
    .into_iter()
    .filter(|c| !found(c))
    .collect();
    if !missing.is_empty() {
        skip(&format!(
            "{} not installed (apt-get install slurm-wlm munge)",
            missing.join(", ")
        ));
        return None;
    }
    let uid = run(5, "id", &["-u"], &[]).map(|o| text(&o.stdout).trim().to_string());
    if uid.as_deref() != Some("0") {
        skip("starting a one-node Slurm cluster needs root");
        return None;
    }
    check_hostname();

    let mut node = OneNode {
        state: tempfile::Builder::new()
            .prefix("sigaudit-slurm-")
            .tempdir()
            .expect("a temporary directory"),
        pids: vec![],
    };
    let script = deploy_script("testing/one-node.sh");
    let (ctld, slurmd) = (free_port().to_string(), free_port().to_string());
    let started = Instant::now();
    let up = run(
        120,
        "bash",
        &[
            script.to_str().unwrap(),
            "up",
            node.state.path().to_str().unwrap(),
        ],
        &[
            ("SLURMCTLD_PORT", ctld.as_str()),
            ("SLURMD_PORT", slurmd.as_str()),
            ("SLURM_UP_TIMEOUT", "60"),
            // Should this process be killed without unwinding, the cluster goes down too.
            ("ONE_NODE_WATCH_PID", &std::process::id().to_string()),
        ],
    )
    .expect("bash runs");
    node.pids = node.pid_files();
    assert!(
        up.status.success(),
        "one-node.sh up failed ({}):\n{}\n{}\n{}",
        up.status,
        text(&up.stdout),
        text(&up.stderr),
        node.logs()
    );
    eprintln!(
        "tests/slurm.rs: one-node cluster up in {:.1} s (slurmctld :{ctld}, slurmd :{slurmd}, pids {:?})",
        started.elapsed().as_secs_f64(),
        node.pids
    );
    Some(Cluster::OneNode(node))
}

/// A generated mixed corpus with its `archive.tar`.
fn corpus(dir: &Path) {
    let config = Config {
        out: dir.to_path_buf(),
        docs: DOCS,
        seed: 2121,
        profile: Profile::Mixed,
        attachments: "0".parse::<Attachments>().unwrap(),
        tar: true,
        tar_only: false,
        base_url: sigaudit_corpus::pki::DEFAULT_BASE_URL.to_string(),
        signers: sigaudit_corpus::keys::SIGNER_COUNT,
    };
    generate(&config, |_| {}).expect("generation succeeds");
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
    ]
}

/// A report's document lines without their timing, in the report's order or sorted by
/// (input, name); lines that are not a document's (none expected) are counted apart.
fn documents(report: &Path, sorted: bool) -> (Vec<serde_json::Value>, usize) {
    let text =
        std::fs::read_to_string(report).unwrap_or_else(|e| panic!("{}: {e}", report.display()));
    let mut others = 0;
    let mut lines: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{}: {e}: {l}", report.display()));
            if v.get("name").is_none() {
                others += 1;
                return None;
            }
            v.as_object_mut().unwrap().remove("elapsed_us");
            Some(v)
        })
        .collect();
    if sorted {
        lines.sort_by_key(|v| {
            (
                v["input"].as_str().unwrap_or_default().to_string(),
                v["name"].as_str().unwrap_or_default().to_string(),
            )
        });
    }
    (lines, others)
}

fn read_json(p: &Path) -> serde_json::Value {
    let t = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&t).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Everything under `dir/logs` (the jobs' output), for a failure's message.
fn job_logs(dir: &Path) -> String {
    let mut out = String::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("logs"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for f in files {
        out += &format!(
            "==> {} <==\n{}\n",
            f.display(),
            std::fs::read_to_string(&f).unwrap_or_default()
        );
    }
    out
}

/// One `sigaudit verify` over the tar (`--ordered`: in input order): its report, its summary
/// and its wall time.
fn single_run(work: &Path, ordered: bool) -> (PathBuf, PathBuf, Duration) {
    let tag = if ordered { "ordered" } else { "sorted" };
    let report = work.join(format!("single-{tag}.jsonl"));
    let summary = work.join(format!("single-{tag}.summary.json"));
    let started = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sigaudit"));
    cmd.arg("verify")
        .arg(work.join("archive.tar"))
        .args(["--at", AT, "--report"])
        .arg(&report)
        .arg("--summary")
        .arg(&summary)
        .args(pki_args(work));
    if ordered {
        cmd.arg("--ordered");
    }
    let out = cmd.output().expect("sigaudit runs");
    let time = started.elapsed();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "single run: {}\n{}",
        out.status,
        text(&out.stderr)
    );
    (report, summary, time)
}

/// `submit.sh --wait` of the array and the merge over the tar (`--ordered`: the merge in
/// input order); the reports' directory and the wall time, submission to merged report.
fn slurm_run(cluster: &Cluster, work: &Path, ordered: bool) -> (PathBuf, Duration) {
    let reports = work.join(if ordered {
        "slurm-ordered"
    } else {
        "slurm-sorted"
    });
    let mut submit = Command::new("bash");
    submit.arg(deploy_script("submit.sh")).args([
        "--shards",
        &SHARDS.to_string(),
        "--at",
        AT,
        "--wait",
        "--poll",
        "1",
    ]);
    if ordered {
        submit.arg("--ordered");
    }
    for o in std::env::var("SIGAUDIT_SLURM_SBATCH")
        .unwrap_or_default()
        .split_whitespace()
    {
        submit.arg(format!("--sbatch={o}"));
    }
    submit
        .arg(&reports)
        .arg(work.join("archive.tar"))
        .arg("--")
        .args(pki_args(work))
        .env("SIGAUDIT", env!("CARGO_BIN_EXE_sigaudit"))
        .envs(cluster.env())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = submit.spawn().expect("submit.sh runs");
    let status = loop {
        if let Some(s) = child.try_wait().expect("waiting for submit.sh") {
            break Some(s);
        }
        if started.elapsed() > SLURM_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let time = started.elapsed();
    let submitted = child.wait_with_output().expect("submit.sh's output");
    let why = || {
        format!(
            "stdout:\n{}\nstderr:\n{}\njobs:\n{}\ncluster:\n{}",
            text(&submitted.stdout),
            text(&submitted.stderr),
            job_logs(&reports),
            cluster.logs()
        )
    };
    match status {
        Some(s) => assert!(s.success(), "submit.sh --wait failed ({s}):\n{}", why()),
        None => panic!(
            "the array and the merge did not end within {} s:\n{}",
            SLURM_TIMEOUT.as_secs(),
            why()
        ),
    }
    let ids = text(&submitted.stdout);
    assert!(
        ids.contains("ARRAY_JOB=") && ids.contains("MERGE_JOB="),
        "submit.sh prints the job ids: {ids}"
    );
    // Every shard wrote its report and summary; the merge its report and summary.
    for k in 1..=SHARDS {
        for f in [
            format!("shard-{k}-of-{SHARDS}.jsonl"),
            format!("shard-{k}-of-{SHARDS}.summary.json"),
        ] {
            assert!(reports.join(&f).is_file(), "{f} missing:\n{}", why());
        }
    }
    for f in ["report.jsonl", "summary.json"] {
        assert!(reports.join(f).is_file(), "{f} missing:\n{}", why());
    }
    (reports, time)
}

/// The merged report equals the single run's, line for line (sorted by input and name, or both
/// in input order), and the summaries count the same.
fn compare(reports: &Path, single: &Path, single_summary: &Path, ordered: bool) {
    let (merged, merged_others) = documents(&reports.join("report.jsonl"), !ordered);
    let (alone, alone_others) = documents(single, !ordered);
    assert_eq!(
        alone_others, 0,
        "the single run's report has only documents"
    );
    assert_eq!(merged_others, 0, "the merged report has only documents");
    assert_eq!(
        alone.len(),
        DOCS,
        "the single run reports every document once"
    );
    assert_eq!(
        merged.len(),
        alone.len(),
        "as many documents merged as alone"
    );
    for (i, (m, a)) in merged.iter().zip(&alone).enumerate() {
        assert_eq!(
            m, a,
            "line {i} of the merged report differs from the single run's"
        );
    }
    let (summary, alone_summary) = (
        read_json(&reports.join("summary.json")),
        read_json(single_summary),
    );
    assert_eq!(
        summary["documents"], DOCS,
        "the merged summary counts every document"
    );
    for key in ["by_status", "signatures", "signatures_by_verdict", "bytes"] {
        assert_eq!(
            summary[key], alone_summary[key],
            "the summaries' {key} differ"
        );
    }
}

#[test]
fn a_job_array_of_shards_and_a_merge_give_the_single_run_report() {
    let Some(cluster) = cluster() else {
        return;
    };
    // Under the target directory rather than /tmp: on an existing cluster the nodes must see
    // the corpus, the binary and the reports, and the build tree is where a shared file
    // system is likeliest.
    let work = tempfile::Builder::new()
        .prefix("slurm-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("a temporary directory");
    let started = Instant::now();
    corpus(work.path());
    eprintln!(
        "tests/slurm.rs: {DOCS} documents generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Sorted by input and name (the merge's default), then in input order (`--ordered`).
    for ordered in [false, true] {
        let (single, single_summary, single_time) = single_run(work.path(), ordered);
        let (reports, slurm_time) = slurm_run(&cluster, work.path(), ordered);
        compare(&reports, &single, &single_summary, ordered);
        visible(&format!(
            "tests/slurm.rs: {DOCS} documents{}: Slurm ({SHARDS} shards + merge, \
             submit.sh --wait) {:.1} s; single process {:.1} s",
            if ordered { ", --ordered" } else { "" },
            slurm_time.as_secs_f64(),
            single_time.as_secs_f64()
        ));
    }
}
