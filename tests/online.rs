//! `--online` end to end: generated documents that carry only the signer's certificate and no
//! revocation data (`--revocation none --chain leaf`, like the real government documents),
//! their CA certificates and CRLs served on loopback — by a plain static server (Python's
//! `http.server`, which answers OCSP with an error, so CRLs must serve) or by the generator's
//! own server with its OCSP responder and fault injection. Every server stops by itself.

mod common;

use common::online::{
    corpus, disagreements, free_port, generator_server, read_report, sigaudit, temp, verify,
    StaticServer, Verdicts, AT,
};

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use sigaudit_corpus::serve::Fault;

/// Requests the static server logged so far.
fn static_requests(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("\"GET ") || l.contains("\"POST "))
        .count()
}

/// Valid documents (by the manifest) that were called TOTAL_FAILED: a failed fetch must never
/// do that.
fn valid_called_failed(manifest: &BTreeMap<String, String>, got: &Verdicts) -> Vec<String> {
    manifest
        .iter()
        .filter(|(n, s)| *s == "TOTAL_PASSED" && got[*n].0 == "TOTAL_FAILED")
        .map(|(n, _)| n.clone())
        .collect()
}

/// The bar of issue 17: a plain static server, `--online --cache`: the manifest's verdicts with
/// a few requests per distinct URL; a rerun on the cache makes none and agrees; with the server
/// down no valid document is TOTAL_FAILED.
#[test]
fn a_static_server_a_cache_and_the_server_down() {
    let dir = temp("online", "static");
    let port = free_port();
    let manifest = corpus(&dir, 120, 11, port);
    let log = dir.join("http.log");
    let Some(server) = StaticServer::start(&dir.join("pki/www"), port, &log, 120) else {
        return;
    };
    let cache = dir.join("cache");
    let online = [
        "--online",
        "--fetch-allow",
        "127.0.0.1",
        "--cache",
        cache.to_str().unwrap(),
    ];
    let (first, stderr) = verify(&dir, "r1.jsonl", &online);
    let bad = disagreements(&manifest, &first);
    assert!(bad.is_empty(), "{bad:#?}\n{stderr}");
    let requests = static_requests(&log);
    // Distinct URLs: two CA certificates and their CRLs, the root's CRL, the TSA's CA: a
    // handful; the OCSP URLs answer 501 and are asked once each at most per responder.
    assert!(
        (1..=30).contains(&requests),
        "{requests} requests for 120 documents"
    );
    // Revocation URLs are followed only for certificates on a path to an anchor: the rogue
    // hierarchy's issuers are fetched (that is how a path is looked for) but never its CRLs.
    let served = std::fs::read_to_string(&log).unwrap();
    assert!(
        !served.contains("/crls/rogue"),
        "a rogue CRL was fetched:\n{served}"
    );
    let (second, stderr2) = verify(&dir, "r2.jsonl", &online);
    assert_eq!(
        static_requests(&log),
        requests,
        "the warm cache made requests: {stderr2}"
    );
    assert_eq!(first, second, "warm cache and cold cache disagree");
    drop(server);
    let (down, _) = verify(
        &dir,
        "r3.jsonl",
        &["--online", "--fetch-allow", "127.0.0.1"],
    );
    let failed = valid_called_failed(&manifest, &down);
    assert!(
        failed.is_empty(),
        "server down, valid documents failed: {failed:?}"
    );
    let indeterminate = manifest
        .iter()
        .filter(|(n, s)| *s == "TOTAL_PASSED" && down[*n].0 == "INDETERMINATE")
        .count();
    let valid = manifest.values().filter(|s| *s == "TOTAL_PASSED").count();
    assert_eq!(
        indeterminate, valid,
        "every valid document is INDETERMINATE"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The evidence directory holds what the verdicts used: a rerun offline from it alone gives
/// the same verdicts, signature by signature.
#[test]
fn the_evidence_rerun_offline_equals_the_online_run() {
    let dir = temp("online", "evidence");
    let port = free_port();
    let manifest = corpus(&dir, 40, 12, port);
    let log = dir.join("serve.log");
    generator_server(&dir, port, Duration::ZERO, None, &log, 120);
    let ev = dir.join("evidence");
    let (online, _) = verify(
        &dir,
        "online.jsonl",
        &[
            "--online",
            "--fetch-allow",
            "127.0.0.1",
            "--evidence",
            ev.to_str().unwrap(),
        ],
    );
    assert!(disagreements(&manifest, &online).is_empty());
    for sub in ["certs", "crls"] {
        let n = std::fs::read_dir(ev.join(sub)).unwrap().count();
        assert!(n > 0, "no {sub} filed");
    }
    let index = std::fs::read_to_string(ev.join("documents.jsonl")).unwrap();
    assert!(
        index.lines().count() >= manifest.len() / 2,
        "documents indexed"
    );
    let fetches = std::fs::read_to_string(ev.join("fetches.jsonl")).unwrap();
    assert!(
        fetches.contains("\"outcome\":\"fetched\"") && fetches.contains("/crls/"),
        "the fetch log names the URLs fetched:\n{fetches}"
    );
    let (offline, _) = verify(
        &dir,
        "offline.jsonl",
        &[
            "--certs",
            ev.join("certs").to_str().unwrap(),
            "--crl",
            ev.join("crls").to_str().unwrap(),
            "--ocsp",
            ev.join("ocsp").to_str().unwrap(),
        ],
    );
    assert_eq!(online, offline, "the evidence rerun differs");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Each fault of the generator's server: a failed fetch is never TOTAL_FAILED for a valid
/// document, its reason names the URL; an OCSP answer signed by the wrong CA is not believed
/// and the CRL decides; a stale CRL is not believed and OCSP decides.
#[test]
fn every_server_fault_gives_the_right_verdict() {
    let cases: [(Fault, &[&str], Expect); 6] = [
        (
            Fault::Http500,
            &[],
            Expect::Indeterminate("HTTP status 500"),
        ),
        (
            Fault::Timeout,
            &["--fetch-timeout", "1"],
            Expect::Indeterminate("timed out"),
        ),
        (Fault::Truncated, &[], Expect::Indeterminate("127.0.0.1")),
        (Fault::Garbage, &[], Expect::Indeterminate("127.0.0.1")),
        (Fault::WrongIssuer, &["--prefer", "ocsp"], Expect::Manifest),
        (Fault::StaleCrl, &[], Expect::Manifest),
    ];
    for (fault, extra, expect) in cases {
        let dir = temp("online", &format!("fault-{fault:?}"));
        let port = free_port();
        let manifest = corpus(&dir, 24, 13, port);
        let log = dir.join("serve.log");
        generator_server(&dir, port, Duration::ZERO, Some(fault), &log, 120);
        let mut args = vec!["--online", "--fetch-allow", "127.0.0.1"];
        args.extend_from_slice(extra);
        let (got, stderr) = verify(&dir, "r.jsonl", &args);
        let failed = valid_called_failed(&manifest, &got);
        assert!(
            failed.is_empty(),
            "{fault:?}: valid documents failed: {failed:?}"
        );
        match expect {
            Expect::Manifest => {
                let bad = disagreements(&manifest, &got);
                assert!(bad.is_empty(), "{fault:?}: {bad:#?}\n{stderr}");
            }
            Expect::Indeterminate(text) => {
                let report = std::fs::read_to_string(dir.join("r.jsonl")).unwrap();
                for (name, want) in &manifest {
                    if want == "TOTAL_PASSED" {
                        assert_eq!(got[name].0, "INDETERMINATE", "{fault:?} {name}");
                    }
                }
                assert!(report.contains(text), "{fault:?}: no reason names {text:?}");
            }
        }
        if fault == Fault::StaleCrl {
            let served = std::fs::read_to_string(&log).unwrap();
            assert!(
                served.contains("/ocsp/"),
                "OCSP was not asked after the stale CRL"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

enum Expect {
    /// The manifest's verdicts.
    Manifest,
    /// Valid documents INDETERMINATE, a reason containing the text.
    Indeterminate(&'static str),
}

/// URLs in untrusted documents must not reach loopback, the intranet or cloud metadata unless
/// the operator opened them: without `--fetch-allow` the loopback server gets no request and
/// the reasons say why.
#[test]
fn loopback_urls_are_refused_without_fetch_allow() {
    let dir = temp("online", "refused");
    let port = free_port();
    let manifest = corpus(&dir, 12, 14, port);
    let log = dir.join("serve.log");
    generator_server(&dir, port, Duration::ZERO, None, &log, 60);
    let (got, stderr) = verify(&dir, "r.jsonl", &["--online"]);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap_or_default(),
        "",
        "a request was made"
    );
    assert!(valid_called_failed(&manifest, &got).is_empty());
    let report = std::fs::read_to_string(dir.join("r.jsonl")).unwrap();
    assert!(report.contains("refused"), "no refusal in the reasons");
    assert!(stderr.contains("refused by the address policy"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Two processes (shards of one audit) share one cache directory at once: both finish with the
/// manifest's verdicts.
#[test]
fn two_processes_share_one_cache_directory() {
    let dir = temp("online", "shared-cache");
    let port = free_port();
    let manifest = corpus(&dir, 40, 15, port);
    let log = dir.join("serve.log");
    generator_server(&dir, port, Duration::ZERO, None, &log, 120);
    let cache = dir.join("cache");
    let run = |report: &str| {
        let docs = dir.join("docs");
        let roots = dir.join("pki/roots");
        Command::new(env!("CARGO_BIN_EXE_sigaudit"))
            .args([
                "verify",
                docs.to_str().unwrap(),
                "--trust",
                roots.to_str().unwrap(),
            ])
            .args(["--at", AT, "--online", "--fetch-allow", "127.0.0.1"])
            .args(["--cache", cache.to_str().unwrap()])
            .args(["--report", dir.join(report).to_str().unwrap()])
            .stderr(Stdio::piped())
            .spawn()
            .expect("sigaudit starts")
    };
    let (a, b) = (run("a.jsonl"), run("b.jsonl"));
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.code().is_some_and(|c| c < 2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for report in ["a.jsonl", "b.jsonl"] {
        let got = read_report(&dir.join(report));
        let bad = disagreements(&manifest, &got);
        assert!(bad.is_empty(), "{report}: {bad:#?}");
    }
    let stats = sigaudit(&["cache", "stats", cache.to_str().unwrap()]);
    assert!(stats.status.success());
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert!(stats["crls"].as_u64().unwrap() >= 1, "{stats}");
    assert_eq!(stats["corrupt"].as_u64(), Some(0), "{stats}");
    // In 2040 the CRLs (next update 2036) are past their nextUpdate: prune drops them, keeps
    // certificates.
    let pruned = sigaudit(&[
        "cache",
        "prune",
        cache.to_str().unwrap(),
        "--at",
        "2040-01-01T00:00:00Z",
    ]);
    assert!(
        pruned.status.success(),
        "{}",
        String::from_utf8_lossy(&pruned.stderr)
    );
    let after = sigaudit(&["cache", "stats", cache.to_str().unwrap()]);
    let after: serde_json::Value = serde_json::from_slice(&after.stdout).unwrap();
    let pruned = String::from_utf8_lossy(&pruned.stdout);
    assert_eq!(after["crls"].as_u64(), Some(0), "{after} after {pruned}");
    assert_eq!(after["certificates"], stats["certificates"], "{after}");
    let _ = std::fs::remove_dir_all(&dir);
}
