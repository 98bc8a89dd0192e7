//! The deployment files (`deploy/`), without a cluster: the Kubernetes manifests parse as YAML
//! (Python's PyYAML) and agree with each other (N in completions, parallelism and both Jobs'
//! SIGAUDIT_SHARDS; the claim the Jobs mount; what is mounted read-only); the Jobs' shell
//! commands, run here with a stand-in `sigaudit` for every index, name each shard 1..N exactly
//! once with its own report, and fail the pod only on an error (exit 2), not on documents that
//! failed (exit 1); the Slurm scripts pass `bash -n`, and the shard task script passes the same
//! checks with Slurm's variables set by hand; the Containerfile copies only what exists.
//!
//! Without PyYAML the manifest checks print a visible `SKIPPED` line (under CI, `CI=true`,
//! they fail: .ci/run installs it).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn under_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// A line on the test's standard error even when the harness captures output (`eprintln!`
/// is captured; a write to the stream itself is not).
fn visible(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy")
}

/// The documents of a YAML file as JSON, or `None` after a visible skip (a failure under CI)
/// when python3 or PyYAML is missing.
fn yaml(path: &Path) -> Option<Vec<Value>> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml\n\
             print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1], encoding='utf-8')))))",
        ])
        .arg(path)
        .output();
    let missing = |why: String| {
        assert!(
            !under_ci(),
            "YAML checks cannot run under CI (CI=true): {why}"
        );
        visible(&format!(
            "SKIPPED: tests/deploy.rs YAML checks: {why} (pip install pyyaml)"
        ));
        None
    };
    let out = match out {
        Ok(o) => o,
        Err(e) => return missing(format!("python3: {e}")),
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && stderr.contains("No module named 'yaml'") {
        return missing("python3 has no yaml module".into());
    }
    assert!(
        out.status.success(),
        "{} is not valid YAML:\n{stderr}",
        path.display()
    );
    Some(serde_json::from_slice(&out.stdout).expect("python's JSON"))
}

/// The one document of a manifest.
fn manifest(name: &str) -> Option<Value> {
    let docs = yaml(&deploy().join("kubernetes").join(name))?;
    assert_eq!(docs.len(), 1, "{name}: one document");
    Some(docs.into_iter().next().unwrap())
}

fn env_of(container: &Value) -> Vec<(String, Value)> {
    container["env"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| (e["name"].as_str().unwrap().to_string(), e.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// A literal env value of the container.
fn env_value(container: &Value, name: &str) -> String {
    env_of(container)
        .into_iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, e)| e["value"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("env {name} has no literal value"))
}

/// The container's script: `command: [/bin/sh, -c]` and the script as the only argument.
fn script(container: &Value) -> String {
    assert_eq!(
        container["command"],
        serde_json::json!(["/bin/sh", "-c"]),
        "the container runs its script with /bin/sh -c"
    );
    let args = container["args"].as_array().expect("args");
    assert_eq!(args.len(), 1, "one script");
    args[0].as_str().unwrap().to_string()
}

/// A stand-in `sigaudit` in a directory of its own: it writes its arguments, one per line, to
/// `$STUB_LOG/<n>` (n counts the calls) and exits with `$STUB_EXIT`.
fn stub(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let path = bin.join("sigaudit");
    std::fs::write(
        &path,
        "#!/bin/sh\n\
         n=$(ls \"$STUB_LOG\" | wc -l)\n\
         for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$STUB_LOG/$n\"\n\
         exit \"${STUB_EXIT:-0}\"\n",
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&path).status().unwrap();
    bin
}

/// The arguments of every call the stub recorded, in call order.
fn calls(log: &Path) -> Vec<Vec<String>> {
    let mut files: Vec<(usize, PathBuf)> = std::fs::read_dir(log)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (p.file_name().unwrap().to_str().unwrap().parse().unwrap(), p)
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|(_, p)| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// The value after `flag` in `args`.
fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .map(|i| args[i + 1].as_str())
}

/// A pod's shell running `script` as the Kubernetes manifests run it: `bin` first on the PATH,
/// the deployment's variables set, and the Indexed Job's completion index when it has one.
fn pod_shell(
    script: &str,
    bin: &Path,
    shards: u64,
    at: &str,
    shared: &Path,
    cpus: u32,
    index: Option<u64>,
) -> Command {
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(script)
        .env("PATH", path_with(bin))
        .env("SIGAUDIT_SHARDS", shards.to_string())
        .env("SIGAUDIT_AT", at)
        .env("SHARED", shared)
        .env("CPUS", cpus.to_string());
    if let Some(i) = index {
        cmd.env("JOB_COMPLETION_INDEX", i.to_string());
    }
    cmd
}

fn path_with(bin: &Path) -> String {
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn the_kubernetes_manifests_agree_and_their_commands_shard_right() {
    let (Some(pvc), Some(job), Some(merge), Some(warm)) = (
        manifest("pvc.yaml"),
        manifest("indexed-job.yaml"),
        manifest("merge-job.yaml"),
        manifest("warm-job.yaml"),
    ) else {
        return;
    };
    assert_eq!(pvc["kind"], "PersistentVolumeClaim");
    let claim = pvc["metadata"]["name"].as_str().unwrap();
    assert!(
        pvc["spec"]["accessModes"]
            .as_array()
            .unwrap()
            .contains(&"ReadWriteMany".into()),
        "pods on many nodes share the claim: ReadWriteMany"
    );

    // The shard Job.
    assert_eq!(job["apiVersion"], "batch/v1");
    assert_eq!(job["kind"], "Job");
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let n = spec["completions"].as_u64().expect("completions");
    assert!(n >= 2);
    assert_eq!(
        spec["parallelism"].as_u64(),
        Some(n),
        "parallelism = completions"
    );
    let pod = &spec["template"]["spec"];
    if !spec["backoffLimitPerIndex"].is_null() || !spec["podFailurePolicy"].is_null() {
        assert_eq!(
            pod["restartPolicy"], "Never",
            "backoffLimitPerIndex and podFailurePolicy need restartPolicy Never"
        );
    }
    let containers = pod["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    let c = &containers[0];
    assert_eq!(
        env_value(c, "SIGAUDIT_SHARDS").parse::<u64>().ok(),
        Some(n),
        "SIGAUDIT_SHARDS = completions"
    );
    let shared = env_value(c, "SHARED");
    let at = env_value(c, "SIGAUDIT_AT");
    // The volumes: the claim of pvc.yaml, the archive and trust read-only, cache and reports
    // writable, all under $SHARED.
    let claims: BTreeSet<&str> = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["persistentVolumeClaim"]["claimName"].as_str())
        .collect();
    assert_eq!(
        claims,
        BTreeSet::from([claim]),
        "the Job mounts pvc.yaml's claim"
    );
    let mounts = c["volumeMounts"].as_array().unwrap();
    let mount = |sub: &str| {
        mounts
            .iter()
            .find(|m| m["mountPath"] == format!("{shared}/{sub}"))
            .unwrap_or_else(|| panic!("nothing mounted at {shared}/{sub}"))
    };
    for ro in ["archive", "trust"] {
        assert_eq!(mount(ro)["readOnly"], true, "{ro} is mounted read-only");
    }
    for rw in ["cache", "reports"] {
        assert_ne!(mount(rw)["readOnly"], true, "{rw} is writable");
    }
    let shard_script = script(c);

    // The merge Job: the same N, the same claim, the reports.
    assert_eq!(merge["kind"], "Job");
    let mc = &merge["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        env_value(mc, "SIGAUDIT_SHARDS").parse::<u64>().ok(),
        Some(n),
        "the merge's SIGAUDIT_SHARDS = the shard Job's completions"
    );
    assert_eq!(env_value(mc, "SHARED"), shared);
    assert_eq!(
        merge["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
        claim
    );
    let merge_script = script(mc);

    // The warm Job: the shards' validation time, the same claim, the archive read-only.
    assert_eq!(warm["kind"], "Job");
    let wpod = &warm["spec"]["template"]["spec"];
    let wc = &wpod["containers"][0];
    assert_eq!(env_value(wc, "SIGAUDIT_AT"), at, "warm at the shards' time");
    assert_eq!(env_value(wc, "SHARED"), shared);
    assert_eq!(
        wpod["volumes"][0]["persistentVolumeClaim"]["claimName"],
        claim
    );
    let warm_mounts = wc["volumeMounts"].as_array().unwrap();
    let archive = warm_mounts
        .iter()
        .find(|m| m["mountPath"] == format!("{shared}/archive"))
        .expect("the warm Job mounts the archive");
    assert_eq!(archive["readOnly"], true);
    let warm_script = script(wc);

    // Every index, run with a stand-in sigaudit: shards 1..N once each, each with its own
    // report, resumed, at the same time, on the shared cache.
    let dir = tempfile::tempdir().unwrap();
    let bin = stub(dir.path());
    let root = dir.path().join("shared");
    let log = dir.path().join("log");
    std::fs::create_dir_all(root.join("reports")).unwrap();
    std::fs::create_dir_all(&log).unwrap();
    let run = |script: &str, index: Option<u64>, exit: u8| {
        pod_shell(script, &bin, n, &at, &root, 4, index)
            .env("STUB_LOG", &log)
            .env("STUB_EXIT", exit.to_string())
            .output()
            .unwrap()
            .status
    };
    for i in 0..n {
        // Documents that did not pass (exit 1) are no failure of the pod.
        assert!(
            run(&shard_script, Some(i), (i % 2) as u8).success(),
            "index {i}"
        );
    }
    let made = calls(&log);
    assert_eq!(made.len() as u64, n, "one sigaudit per index");
    let root_s = root.display().to_string();
    let mut shards = BTreeSet::new();
    for (i, args) in made.iter().enumerate() {
        assert_eq!(args[0], "verify");
        let k = i + 1;
        assert_eq!(flag(args, "--shard"), Some(format!("{k}/{n}").as_str()));
        shards.insert(k);
        assert_eq!(
            flag(args, "--report"),
            Some(format!("{root_s}/reports/shard-{k}-of-{n}.jsonl").as_str())
        );
        assert_eq!(
            flag(args, "--summary"),
            Some(format!("{root_s}/reports/shard-{k}-of-{n}.summary.json").as_str())
        );
        assert!(args.contains(&"--resume".to_string()), "index {i} resumes");
        assert_eq!(flag(args, "--at"), Some(at.as_str()));
        assert_eq!(
            flag(args, "--cache"),
            Some(format!("{root_s}/cache").as_str())
        );
        assert!(
            args.contains(&"--online".to_string()),
            "--cache needs --online"
        );
        assert_eq!(flag(args, "--jobs"), Some("4"));
        assert_eq!(args[1], format!("{root_s}/archive"));
    }
    assert_eq!(shards, (1..=n as usize).collect(), "every shard once");
    // An error (exit 2) fails the pod, which Kubernetes then retries.
    assert_eq!(run(&shard_script, Some(0), 2).code(), Some(2));

    // The merge, once the N reports are there: all of them, the merged report and summary.
    std::fs::remove_dir_all(&log).unwrap();
    std::fs::create_dir_all(&log).unwrap();
    for k in 1..=n {
        std::fs::write(root.join(format!("reports/shard-{k}-of-{n}.jsonl")), "").unwrap();
    }
    assert!(run(&merge_script, None, 0).success());
    let args = &calls(&log)[0];
    assert_eq!(args[0], "merge");
    let reports: BTreeSet<&str> = args
        .iter()
        .filter(|a| a.contains("/shard-"))
        .map(String::as_str)
        .collect();
    let want: Vec<String> = (1..=n)
        .map(|k| format!("{root_s}/reports/shard-{k}-of-{n}.jsonl"))
        .collect();
    assert_eq!(reports, want.iter().map(String::as_str).collect());
    assert_eq!(
        flag(args, "--out"),
        Some(format!("{root_s}/reports/report.jsonl").as_str())
    );
    assert_eq!(
        flag(args, "--summary"),
        Some(format!("{root_s}/reports/summary.json").as_str())
    );
    // A refused merge fails the Job's pod.
    assert_eq!(run(&merge_script, None, 2).code(), Some(2));

    // The warm Job: the shards' cache and archive at their time; CRLs it could not fetch
    // (exit 1) are no failure, an error (exit 2) is.
    std::fs::remove_dir_all(&log).unwrap();
    std::fs::create_dir_all(&log).unwrap();
    assert!(run(&warm_script, None, 1).success());
    let args = &calls(&log)[0];
    assert_eq!(
        args[..4],
        [
            "cache".to_string(),
            "warm".into(),
            format!("{root_s}/cache"),
            format!("{root_s}/archive")
        ]
    );
    assert_eq!(flag(args, "--at"), Some(at.as_str()));
    assert_eq!(run(&warm_script, None, 2).code(), Some(2));
}

/// The manifests against the Kubernetes API's own schemas (the `kubernetes-validate` package:
/// the OpenAPI schemas of every release, offline), strictly (no unknown field), for 1.29 (the
/// first release with backoffLimitPerIndex on by default), 1.33 (its GA) and the package's
/// newest.
#[test]
fn the_manifests_validate_against_the_kubernetes_schemas() {
    let probe = Command::new("python3")
        .args(["-c", "import kubernetes_validate"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            !under_ci(),
            "python3 -m kubernetes_validate cannot run under CI (CI=true): .ci/run installs it"
        );
        visible(
            "SKIPPED: tests/deploy.rs schema check: no kubernetes_validate module \
             (pip install kubernetes-validate)",
        );
        return;
    }
    let dir = deploy().join("kubernetes");
    for version in [Some("1.29.0"), Some("1.33.0"), None] {
        let mut cmd = Command::new("python3");
        cmd.args(["-m", "kubernetes_validate", "--strict"]);
        if let Some(v) = version {
            cmd.args(["-k", v]);
        }
        let out = cmd
            .arg(dir.join("pvc.yaml"))
            .arg(dir.join("indexed-job.yaml"))
            .arg(dir.join("merge-job.yaml"))
            .arg(dir.join("warm-job.yaml"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && text.matches("passed").count() == 4,
            "Kubernetes {}: {text}",
            version.unwrap_or("(newest)")
        );
    }
}

/// A report's document lines without their timing, sorted by (input, name).
fn documents(report: &Path) -> Vec<Value> {
    let text =
        std::fs::read_to_string(report).unwrap_or_else(|e| panic!("{}: {e}", report.display()));
    let mut lines: Vec<Value> = text
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("elapsed_us");
            v
        })
        .collect();
    lines.sort_by_key(|v| (v["input"].to_string(), v["name"].to_string()));
    lines
}

/// The manifests' scripts as the pods would run them, with the real sigaudit on the volume's
/// layout (pvc.yaml) in a temporary directory: every index, then the merge, give the report
/// one `sigaudit verify` with the same options gives.
#[test]
fn the_kubernetes_scripts_with_the_real_binary_give_the_single_run_report() {
    let (Some(job), Some(merge)) = (manifest("indexed-job.yaml"), manifest("merge-job.yaml"))
    else {
        return;
    };
    let spec = &job["spec"];
    let n = spec["completions"].as_u64().unwrap();
    let c = &spec["template"]["spec"]["containers"][0];
    let mc = &merge["spec"]["template"]["spec"]["containers"][0];
    let at = env_value(c, "SIGAUDIT_AT");

    // The volume: archive/ (a generated tar), trust/ (its PKI), cache/, reports/.
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("shared");
    let corpus = dir.path().join("corpus");
    let docs = 60;
    let config = sigaudit_corpus::Config {
        out: corpus.clone(),
        docs,
        seed: 2122,
        profile: sigaudit_corpus::cases::Profile::Mixed,
        attachments: "0".parse::<sigaudit_corpus::Attachments>().unwrap(),
        tar: true,
        tar_only: true,
        base_url: sigaudit_corpus::pki::DEFAULT_BASE_URL.to_string(),
        signers: sigaudit_corpus::keys::SIGNER_COUNT,
    };
    sigaudit_corpus::generate(&config, |_| {}).unwrap();
    for d in ["archive", "trust", "cache", "reports"] {
        std::fs::create_dir_all(shared.join(d)).unwrap();
    }
    std::fs::rename(
        corpus.join("archive.tar"),
        shared.join("archive/archive.tar"),
    )
    .unwrap();
    std::fs::rename(corpus.join("pki/roots"), shared.join("trust/roots")).unwrap();
    std::fs::rename(
        corpus.join("pki/intermediates"),
        shared.join("trust/intermediates"),
    )
    .unwrap();
    std::fs::rename(corpus.join("pki/crls"), shared.join("trust/crls")).unwrap();

    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_sigaudit"), bin.join("sigaudit")).unwrap();
    let run = |script: &str, index: Option<u64>| {
        let out = pod_shell(script, &bin, n, &at, &shared, 1, index)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "index {index:?}: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    };
    for i in 0..n {
        run(&script(c), Some(i));
    }
    run(&script(mc), None);

    let single = dir.path().join("single.jsonl");
    let trust = shared.join("trust");
    let out = Command::new(env!("CARGO_BIN_EXE_sigaudit"))
        .arg("verify")
        .arg(shared.join("archive"))
        .args(["--at", &at, "--trust"])
        .arg(trust.join("roots"))
        .arg("--certs")
        .arg(trust.join("intermediates"))
        .arg("--crl")
        .arg(trust.join("crls"))
        .arg("--online")
        .arg("--cache")
        .arg(dir.path().join("cache"))
        .arg("--report")
        .arg(&single)
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    let merged = documents(&shared.join("reports/report.jsonl"));
    assert_eq!(merged.len(), docs, "every document once");
    assert_eq!(merged, documents(&single), "merged = single run");
}

#[test]
fn the_slurm_scripts_parse_and_the_shard_task_shards_right() {
    let slurm = deploy().join("slurm");
    for s in [
        "sigaudit-shard.sbatch",
        "sigaudit-merge.sbatch",
        "sigaudit-warm.sbatch",
        "submit.sh",
        "testing/one-node.sh",
    ] {
        let out = Command::new("bash")
            .arg("-n")
            .arg(slurm.join(s))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "bash -n {s}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The directives sbatch reads.
    let shard = std::fs::read_to_string(slurm.join("sigaudit-shard.sbatch")).unwrap();
    assert!(shard.lines().any(|l| l.trim() == "#SBATCH --requeue"));

    // Task K of an array of N, run by hand with a stand-in sigaudit.
    let dir = tempfile::tempdir().unwrap();
    let bin = stub(dir.path());
    let log = dir.path().join("log");
    std::fs::create_dir_all(&log).unwrap();
    let out = dir.path().join("out");
    let task = |k: &str, n: &str, at: Option<&str>, exit: u8| {
        let mut cmd = Command::new("bash");
        cmd.arg(slurm.join("sigaudit-shard.sbatch"))
            .arg(&out)
            .args(["/data/a.tar", "/data/b dir", "--", "--trust", "/pki/roots"])
            .env("SIGAUDIT", bin.join("sigaudit"))
            .env("SLURM_ARRAY_TASK_ID", k)
            .env("SLURM_ARRAY_TASK_COUNT", n)
            .env("SLURM_CPUS_ON_NODE", "3")
            .env_remove("SIGAUDIT_SHARDS")
            .env_remove("SIGAUDIT_JOBS")
            .env_remove("SLURM_CPUS_PER_TASK")
            .env("STUB_LOG", &log)
            .env("STUB_EXIT", exit.to_string());
        match at {
            Some(at) => cmd.env("SIGAUDIT_AT", at),
            None => cmd.env_remove("SIGAUDIT_AT"),
        };
        cmd.output().unwrap()
    };
    let at = "2026-07-01T00:00:00Z";
    for k in 1..=3 {
        // Exit 1 (documents that did not pass) completes the task.
        let o = task(&k.to_string(), "3", Some(at), 1);
        assert!(
            o.status.success(),
            "task {k}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let made = calls(&log);
    assert_eq!(made.len(), 3);
    let out_s = out.display().to_string();
    for (i, args) in made.iter().enumerate() {
        let k = i + 1;
        assert_eq!(&args[..3], ["verify", "/data/a.tar", "/data/b dir"]);
        assert_eq!(flag(args, "--shard"), Some(format!("{k}/3").as_str()));
        assert_eq!(flag(args, "--at"), Some(at));
        assert_eq!(
            flag(args, "--report"),
            Some(format!("{out_s}/shard-{k}-of-3.jsonl").as_str())
        );
        assert_eq!(
            flag(args, "--summary"),
            Some(format!("{out_s}/shard-{k}-of-3.summary.json").as_str())
        );
        assert!(args.contains(&"--resume".to_string()));
        assert_eq!(flag(args, "--jobs"), Some("3"), "the CPUs Slurm gave");
        assert_eq!(flag(args, "--trust"), Some("/pki/roots"));
    }
    // An error fails the task (and so the merge's afterok); so do a task outside 1..N and a
    // missing validation time, before sigaudit runs.
    assert_eq!(task("1", "3", Some(at), 2).status.code(), Some(2));
    assert_eq!(task("0", "3", Some(at), 0).status.code(), Some(2));
    assert_eq!(task("4", "3", Some(at), 0).status.code(), Some(2));
    assert_eq!(task("1", "3", None, 0).status.code(), Some(2));

    // {K} and {N} in the options name the shard; --evidence and --etsi-xml without {K} (one
    // directory for every shard's manifest and index) are refused before sigaudit runs.
    let with = |extra: &[&str]| {
        std::fs::remove_dir_all(&log).unwrap();
        std::fs::create_dir_all(&log).unwrap();
        let status = Command::new("bash")
            .arg(slurm.join("sigaudit-shard.sbatch"))
            .arg(&out)
            .args(["/data/a.tar", "--"])
            .args(extra)
            .env("SIGAUDIT", bin.join("sigaudit"))
            .env("SIGAUDIT_AT", at)
            .env("SLURM_ARRAY_TASK_ID", "2")
            .env("SLURM_ARRAY_TASK_COUNT", "3")
            .env("STUB_LOG", &log)
            .output()
            .unwrap()
            .status;
        (status, calls(&log))
    };
    let (status, made) = with(&["--evidence", "/ev/shard-{K}-of-{N}", "--etsi-xml=/x/{K}"]);
    assert!(status.success());
    assert_eq!(flag(&made[0], "--evidence"), Some("/ev/shard-2-of-3"));
    assert!(made[0].contains(&"--etsi-xml=/x/2".to_string()));
    for shared in [&["--evidence", "/ev"][..], &["--etsi-xml=/x"]] {
        let (status, made) = with(shared);
        assert_eq!(status.code(), Some(2), "{shared:?}");
        assert!(made.is_empty(), "{shared:?}: sigaudit did not run");
    }

    // The warm job: `cache warm` on the shards' cache at their time; CRLs it could not fetch
    // (exit 1) are no failure, an error (exit 2) is.
    std::fs::remove_dir_all(&log).unwrap();
    std::fs::create_dir_all(&log).unwrap();
    let warm = |exit: u8| {
        Command::new("bash")
            .arg(slurm.join("sigaudit-warm.sbatch"))
            .args(["/cache", "/data/a.tar", "--", "--fetch-allow", "10.0.0.0/8"])
            .env("SIGAUDIT", bin.join("sigaudit"))
            .env("SIGAUDIT_AT", at)
            .env_remove("SLURM_CPUS_PER_TASK")
            .env_remove("SLURM_CPUS_ON_NODE")
            .env("STUB_LOG", &log)
            .env("STUB_EXIT", exit.to_string())
            .output()
            .unwrap()
            .status
    };
    assert!(warm(1).success());
    assert_eq!(
        calls(&log)[0],
        [
            "cache",
            "warm",
            "/cache",
            "/data/a.tar",
            "--at",
            at,
            "--fetch-allow",
            "10.0.0.0/8"
        ]
    );
    assert_eq!(warm(2).code(), Some(2));
}

/// submit.sh against stand-ins for sbatch (records its arguments, answers `id;cluster`) and
/// scontrol (answers the state it is told): the jobs it submits and how they depend on each
/// other, what --wait makes of the merge's end.
#[test]
fn submit_sh_chains_the_warm_job_the_array_and_the_merge() {
    let slurm = deploy().join("slurm");
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(
        bin.join("sbatch"),
        "#!/bin/sh\n\
         n=$(ls \"$STUB_LOG\" | wc -l)\n\
         for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$STUB_LOG/$n\"\n\
         echo \"$((100 + n));cluster\"\n",
    )
    .unwrap();
    std::fs::write(
        bin.join("scontrol"),
        "#!/bin/sh\n\
         echo \"JobId=$4 JobName=x JobState=$STUB_STATE Reason=None ExitCode=0:0\"\n",
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(bin.join("sbatch"))
        .arg(bin.join("scontrol"))
        .status()
        .unwrap();
    let input = dir.path().join("a b.tar");
    std::fs::write(&input, "").unwrap();
    let out = dir.path().join("out");
    let log = dir.path().join("log");
    let at = "2026-07-01T00:00:00Z";
    let submit = |state: &str, verify: &[&str]| {
        let _ = std::fs::remove_dir_all(&log);
        std::fs::create_dir_all(&log).unwrap();
        Command::new("bash")
            .arg(slurm.join("submit.sh"))
            .args(["--shards", "3", "--at", at, "--warm", "--ordered", "--wait"])
            .args(["--poll", "0.1", "--sbatch=--partition=p"])
            .arg("--shard-sbatch=--cpus-per-task=2")
            .arg(&out)
            .arg(&input)
            .arg("--")
            .args(verify)
            .env("PATH", path_with(&bin))
            .env("STUB_LOG", &log)
            .env("STUB_STATE", state)
            .output()
            .unwrap()
    };
    let verify = [
        "--online",
        "--cache",
        "/c",
        "--fetch-allow",
        "127.0.0.1",
        "--trust",
        "/r",
    ];
    let o = submit("COMPLETED", &verify);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(stdout, "WARM_JOB=100\nARRAY_JOB=101\nMERGE_JOB=102\n");
    let env = std::fs::read_to_string(out.join("submit.env")).unwrap();
    for l in [
        "WARM_JOB=100",
        "ARRAY_JOB=101",
        "MERGE_JOB=102",
        "SIGAUDIT_SHARDS=3",
    ] {
        assert!(env.lines().any(|x| x == l), "submit.env lacks {l}: {env}");
    }
    let made = calls(&log);
    assert_eq!(made.len(), 3, "warm, array, merge");
    let has = |args: &[String], a: &str| args.iter().any(|x| x == a);
    let after = |args: &[String], script: &str| -> Vec<String> {
        let i = args.iter().position(|a| a.ends_with(script)).unwrap();
        args[i + 1..].to_vec()
    };
    let (input_s, out_s) = (input.display().to_string(), out.display().to_string());
    let (warm, array, merge) = (&made[0], &made[1], &made[2]);
    assert!(has(warm, &format!("--export=ALL,SIGAUDIT_AT={at}")));
    assert!(has(warm, "--partition=p") && !has(warm, "--cpus-per-task=2"));
    assert_eq!(
        after(warm, "sigaudit-warm.sbatch"),
        ["/c", &input_s, "--", "--fetch-allow", "127.0.0.1"]
    );
    assert!(has(array, "--array=1-3"));
    assert!(has(array, "--dependency=afterok:100") && has(array, "--kill-on-invalid-dep=yes"));
    assert!(has(array, "--partition=p") && has(array, "--cpus-per-task=2"));
    assert!(has(
        array,
        &format!("--export=ALL,SIGAUDIT_AT={at},SIGAUDIT_SHARDS=3")
    ));
    let mut want = vec![out_s.clone(), input_s.clone(), "--".into()];
    want.extend(verify.iter().map(|s| s.to_string()));
    assert_eq!(after(array, "sigaudit-shard.sbatch"), want);
    assert!(has(merge, "--dependency=afterok:101") && has(merge, "--kill-on-invalid-dep=yes"));
    assert!(has(merge, "--partition=p") && !has(merge, "--cpus-per-task=2"));
    assert_eq!(
        after(merge, "sigaudit-merge.sbatch"),
        [&out_s, "3", "--ordered"]
    );

    // --wait: a merge that did not complete (cancelled after a failed shard) is a failure.
    assert_eq!(submit("CANCELLED", &verify).status.code(), Some(1));
    // --warm without the shards' cache directory, or one evidence directory for every shard,
    // is refused before anything is submitted.
    for verify in [
        &["--trust", "/r"][..],
        &["--online", "--cache", "/c", "--evidence", "/ev"],
    ] {
        let o = submit("COMPLETED", verify);
        assert_eq!(o.status.code(), Some(2), "{verify:?}");
        assert_eq!(calls(&log).len(), 0, "{verify:?}: nothing submitted");
    }
}

#[test]
fn the_containerfile_copies_what_exists_and_runs_unprivileged() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(deploy().join("Containerfile")).unwrap();
    assert!(text.contains("cargo build --release --locked"));
    let froms: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2, "a build stage and a runtime stage");
    assert!(froms[0].contains("library/rust:") && froms[0].ends_with(" AS build"));
    assert!(froms[1].contains("library/debian:") && froms[1].contains("-slim"));
    // The last USER is not root.
    let user = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER line");
    assert!(
        !user.starts_with("root") && !user.starts_with("0"),
        "USER {user}"
    );
    // Every COPY from the build context names something in the repository.
    for line in text.lines().filter(|l| l.starts_with("COPY ")) {
        if line.contains("--from=") {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        for src in &parts[1..parts.len() - 1] {
            assert!(root.join(src).exists(), "COPY {src}: not in the repository");
        }
    }
}
