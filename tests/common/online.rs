//! Helpers of the `--online` tests (`tests/online.rs`, `tests/cache_warm.rs`): leaf-only
//! national corpora whose URLs name a loopback port, Python's static server (stopped when
//! dropped, and by `timeout` whatever happens), `sigaudit verify` runs read back as verdicts.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sigaudit_corpus::cases::Profile;
use sigaudit_corpus::serve::{self, Fault};
use sigaudit_corpus::{generate_with, Chain, Config, Modes, Revocation};

/// Verdicts of one run: document → (status, per signature (indication, sub-indication)).
pub type Verdicts = BTreeMap<String, (String, Vec<(String, Option<String>)>)>;

/// The validation time of the generated corpora.
pub const AT: &str = super::GENERATED_AT;

/// A loopback port free right now (the corpus' URLs name it before a server listens on it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The generator's server on `port` in a thread of the calling test, answering after
/// `latency`, with `fault` injected, logging to `log`, serving for `seconds` (then it stops
/// by itself). Returns once it listens.
pub fn generator_server(
    dir: &Path,
    port: u16,
    latency: Duration,
    fault: Option<Fault>,
    log: &Path,
    seconds: u64,
) {
    let options = serve::Options {
        dir: dir.to_path_buf(),
        listen: format!("127.0.0.1:{port}"),
        latency,
        fail_percent: 0,
        fault,
        log: Some(log.to_path_buf()),
        duration: Duration::from_secs(seconds),
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = serve::run(options, |_| {
            let _ = tx.send(());
        });
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the generator's server starts");
}

/// A generated leaf/none national corpus whose URLs point at `127.0.0.1:port`; the
/// manifest's statuses by file name.
pub fn corpus(dir: &Path, docs: usize, seed: u64, port: u16) -> BTreeMap<String, String> {
    let config = Config {
        out: dir.to_path_buf(),
        docs,
        seed,
        profile: Profile::National,
        attachments: "0".parse().expect("attachments"),
        tar: false,
        tar_only: false,
        base_url: format!("http://127.0.0.1:{port}/"),
        signers: sigaudit_corpus::keys::SIGNER_COUNT,
    };
    let modes = Modes {
        revocation: Revocation::Omitted,
        chain: Chain::Leaf,
    };
    let mut manifest = BTreeMap::new();
    generate_with(&config, &modes, |d| {
        manifest.insert(file_name(&d.name), d.status.as_str().to_string());
    })
    .expect("generation succeeds");
    manifest
}

/// The last component of a path.
pub fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A fresh temporary directory `sigaudit-PREFIX-NAME-PID`.
pub fn temp(prefix: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sigaudit-{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Python's static server on `www`, stopped when dropped and by `timeout` after `seconds`
/// whatever happens; its request log (one stderr line per request) goes to `log`.
pub struct StaticServer(Child);

impl StaticServer {
    /// Serves `www` on `port` for at most `seconds`, or `None` after a visible skip when
    /// python3 cannot run.
    pub fn start(www: &Path, port: u16, log: &Path, seconds: u64) -> Option<StaticServer> {
        let child = Command::new("timeout")
            .args([
                &seconds.to_string(),
                "python3",
                "-m",
                "http.server",
                &port.to_string(),
            ])
            .args(["--bind", "127.0.0.1"])
            .current_dir(www)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).expect("log file"))
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(e) => return super::cannot_run("python3's http.server", &e.to_string()),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the static server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(StaticServer(child))
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        // SIGTERM, which `timeout` passes on to the server (SIGKILL would orphan it).
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

/// Runs sigaudit with `args`.
pub fn sigaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sigaudit"))
        .args(args)
        .output()
        .expect("sigaudit runs")
}

/// `sigaudit verify DIR/docs --trust DIR/pki/roots --at AT EXTRA… --report DIR/REPORT`.
pub fn verify_command(dir: &Path, report: &str, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sigaudit"));
    command
        .arg("verify")
        .arg(dir.join("docs"))
        .arg("--trust")
        .arg(dir.join("pki/roots"))
        .args(["--at", AT, "--report"])
        .arg(dir.join(report))
        .args(extra);
    command
}

/// Runs [`verify_command`] and reads its report; exit code 0 or 1.
pub fn verify(dir: &Path, report: &str, extra: &[&str]) -> (Verdicts, String) {
    let out = verify_command(dir, report, extra)
        .output()
        .expect("sigaudit runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "sigaudit failed: {stderr}"
    );
    (read_report(&dir.join(report)), stderr)
}

/// A report's verdicts by file name.
pub fn read_report(path: &Path) -> Verdicts {
    let text = std::fs::read_to_string(path).expect("report");
    let mut out = Verdicts::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        let sigs = v["signatures"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| {
                        (
                            s["indication"].as_str().unwrap_or_default().to_string(),
                            s["sub_indication"].as_str().map(str::to_string),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let status = v["status"].as_str().unwrap_or_default().to_string();
        let name = file_name(v["name"].as_str().unwrap_or_default());
        assert!(out.insert(name, (status, sigs)).is_none(), "one line each");
    }
    out
}

/// Documents whose status differs from the manifest's.
pub fn disagreements(manifest: &BTreeMap<String, String>, got: &Verdicts) -> Vec<String> {
    let mut bad = Vec::new();
    for (name, want) in manifest {
        match got.get(name) {
            Some((status, _)) if status == want => {}
            Some((status, _)) => bad.push(format!("{name}: manifest {want}, got {status}")),
            None => bad.push(format!("{name}: missing")),
        }
    }
    bad
}
