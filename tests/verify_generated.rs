//! Verdicts on generated corpora equal the generator's manifest, and the verdicts do not depend
//! on cache state or on parallelism.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use rayon::prelude::*;
use sigaudit::Verifier;
use sigaudit::{DocumentReport, SignatureReport};
use sigaudit_corpus::cases::{Case, Profile};
use sigaudit_corpus::manifest::Document;
use sigaudit_corpus::{generate, Attachments, Config};

fn corpus(dir: &Path, docs: usize, seed: u64, profile: Profile) -> Vec<Document> {
    let config = Config {
        out: dir.to_path_buf(),
        docs,
        seed,
        profile,
        attachments: "0".parse::<Attachments>().expect("attachments"),
        tar: false,
        tar_only: false,
        base_url: sigaudit_corpus::pki::DEFAULT_BASE_URL.to_string(),
        signers: sigaudit_corpus::keys::SIGNER_COUNT,
    };
    let mut lines = Vec::new();
    generate(&config, |d| lines.push(d.clone())).expect("generation succeeds");
    lines.sort_by(|a, b| a.name.cmp(&b.name));
    lines
}

fn verify_all(
    dir: &Path,
    manifest: &[Document],
    verifier: &Verifier,
    parallel: bool,
) -> Vec<DocumentReport> {
    let one = |m: &Document| {
        let data = std::fs::read(dir.join(&m.name)).expect("document");
        verifier.verify(&m.name, &data)
    };
    if parallel {
        manifest.par_iter().map(one).collect()
    } else {
        manifest.iter().map(one).collect()
    }
}

/// The distinct `kind`s of a signature report's change-analysis findings (`findings: [{"kind":
/// …, "revision": …, "objects": […], "detail": …}]`; none when the report has no `findings`).
/// Read through the report's JSON form so that this test does not depend on the field's Rust
/// type.
fn finding_kinds(s: &SignatureReport) -> BTreeSet<String> {
    let value = serde_json::to_value(s).expect("a report serialises");
    value["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .map(|f| {
                    f["kind"]
                        .as_str()
                        .unwrap_or_else(|| panic!("a finding without a kind: {f}"))
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A value's name as the report's JSON writes it (e.g. `modifications`: `permitted`).
fn serialised<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .expect("serialises")
        .as_str()
        .expect("a string")
        .to_string()
}

/// Every difference between the reports and the manifest, one line each: status, each
/// signature's field, indication, sub-indication and modifications, and the set of its
/// findings' kinds.
fn differences(manifest: &[Document], reports: &[DocumentReport]) -> Vec<String> {
    let mut out = Vec::new();
    assert_eq!(
        manifest.len(),
        reports.len(),
        "one report per manifest line"
    );
    for (m, r) in manifest.iter().zip(reports) {
        assert_eq!(m.name, r.name);
        // The manifest (the generator's vocabulary) and the report compare by name.
        if m.status.as_str() != r.status.as_str() {
            out.push(format!(
                "{} ({}): status {} expected {} — {:?} {:?}",
                m.name, m.case, r.status, m.status, r.error, r.reason
            ));
        }
        // Counts first. A truncated file's manifest lists the signatures of the revisions its
        // cut leaves whole; the reader may also find one of the cut revision (its dictionary
        // survives, its /ByteRange runs past the end): at least the manifest's count. Every
        // other document, unreadable ones included, has exactly the manifest's signatures.
        let truncated = m.case == Case::Truncated.name();
        let counts_differ = if truncated {
            r.signatures.len() < m.signatures.len()
        } else {
            r.signatures.len() != m.signatures.len()
        };
        if counts_differ {
            out.push(format!(
                "{}: {} signatures, expected {}",
                m.name,
                r.signatures.len(),
                m.signatures.len()
            ));
            continue;
        }
        for (e, s) in m.signatures.iter().zip(&r.signatures) {
            let expected = (
                e.field.as_str(),
                e.indication.as_str(),
                e.sub_indication.map(|x| x.as_str()),
                e.modifications.as_str(),
            );
            let modifications = serialised(&s.modifications);
            let got = (
                s.field.as_str(),
                s.indication.as_str(),
                s.sub_indication.map(|x| x.as_str()),
                modifications.as_str(),
            );
            if expected != got {
                out.push(format!(
                    "{} ({}): {expected:?} but {got:?}: {:?}",
                    m.name, m.case, s.reason
                ));
            }
            // What a truncated file's cut end is called (an unreachable update, a
            // cross-reference differential) depends on where the cut fell; that it is a
            // forbidden change is checked above.
            if truncated {
                continue;
            }
            let want: BTreeSet<&str> = e.findings.iter().map(String::as_str).collect();
            let found = finding_kinds(s);
            if found.iter().map(String::as_str).collect::<BTreeSet<_>>() != want {
                out.push(format!(
                    "{} ({}) {}: findings {found:?}, expected {want:?}",
                    m.name, m.case, e.field
                ));
            }
        }
    }
    out
}

#[test]
fn mixed_corpus_verdicts_equal_the_manifest_and_do_not_depend_on_caches_or_threads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = corpus(dir.path(), 520, 404, Profile::Mixed);
    let cases: std::collections::BTreeSet<&str> =
        manifest.iter().map(|d| d.case.as_str()).collect();
    for case in Case::LABELLED {
        assert!(
            cases.contains(case.name()),
            "no {} in {cases:?}",
            case.name()
        );
    }

    let verifier = common::verifier(&dir.path().join("pki"), true);
    let parallel = verify_all(dir.path(), &manifest, &verifier, true);
    let diffs = differences(&manifest, &parallel);
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
    let signatures: usize = parallel.iter().map(|r| r.signatures.len()).sum();
    assert!(signatures > 2000, "{signatures} signatures");

    // Warm caches, serial: the same lines.
    let warm_before = verifier.cache_stats();
    let serial_warm = verify_all(dir.path(), &manifest, &verifier, false);
    let warm_after = verifier.cache_stats();
    assert_eq!(
        parallel, serial_warm,
        "warm serial differs from cold parallel"
    );
    assert!(
        warm_after.paths.hits > warm_before.paths.hits
            && warm_after.paths.misses == warm_before.paths.misses,
        "the second pass is answered from the path cache: {warm_before:?} -> {warm_after:?}"
    );

    // Cold caches, serial: the same lines.
    let cold = common::verifier(&dir.path().join("pki"), true);
    let serial_cold = verify_all(dir.path(), &manifest, &cold, false);
    assert_eq!(
        parallel, serial_cold,
        "cold serial differs from cold parallel"
    );

    // Caches bounded to nothing (every entry evicted at once), in parallel: the same lines.
    let mut tiny = sigaudit::CacheLimits::default();
    for name in sigaudit::CacheLimits::NAMES {
        tiny.set(&format!("{name}=1")).expect("limit");
    }
    let starved = common::verifier_with(&dir.path().join("pki"), true, tiny);
    let parallel_starved = verify_all(dir.path(), &manifest, &starved, true);
    let stats = starved.cache_stats();
    assert!(
        stats.certificates.evictions > 1000 && stats.paths.evictions > 1000,
        "the starved caches evict: {stats:?}"
    );
    assert_eq!(
        parallel, parallel_starved,
        "starved caches differ from the default ones"
    );
}

#[test]
fn long_term_validation_documents_verify_from_their_own_dss() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = corpus(dir.path(), 160, 405, Profile::National);
    let raw = std::fs::read_to_string(dir.path().join("manifest.jsonl")).expect("manifest");
    let ltv: std::collections::HashSet<String> = raw
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .filter(|v| v["ltv"].as_bool() == Some(true))
        .map(|v| v["name"].as_str().expect("name").to_string())
        .collect();
    let ltv_docs: Vec<Document> = manifest
        .iter()
        .filter(|d| ltv.contains(&d.name))
        .cloned()
        .collect();
    assert!(ltv_docs.len() >= 10, "{} LTV documents", ltv_docs.len());
    // No --crl: the CRLs and OCSP responses come from each document's DSS.
    let verifier = common::verifier(&dir.path().join("pki"), false);
    let reports = verify_all(dir.path(), &ltv_docs, &verifier, true);
    let diffs = differences(&ltv_docs, &reports);
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
    let ocsp = verifier.cache_stats().ocsp;
    assert!(ocsp.misses > 0, "OCSP responses were consulted: {ocsp:?}");

    // A document without a DSS gets TRY_LATER without --crl.
    let plain = manifest
        .iter()
        .find(|d| d.case == "valid" && !ltv.contains(&d.name))
        .expect("a valid document without LTV");
    let r = &verify_all(dir.path(), std::slice::from_ref(plain), &verifier, false)[0];
    assert_eq!(r.status, sigaudit::DocumentStatus::Indeterminate);
    assert!(
        !plain.signatures.is_empty(),
        "{}: no signatures",
        plain.name
    );
    assert_eq!(r.signatures.len(), plain.signatures.len(), "{}", plain.name);
    assert!(r
        .signatures
        .iter()
        .all(|s| s.sub_indication == Some(sigaudit::SubIndication::TryLater)));
}

/// `sigaudit verify --dossier --policy OUT/vn-policy.toml` over a `vn-policy` corpus: single
/// documents given one by one, dossiers as their directories.
fn vn_policy_run(dir: &Path, jobs: &str) -> Vec<serde_json::Value> {
    let docs = dir.join("docs");
    let mut inputs: Vec<_> = std::fs::read_dir(&docs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    inputs.sort();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sigaudit"))
        .current_dir(dir)
        .args([
            "verify",
            "--dossier",
            "--policy",
            "vn-policy.toml",
            "--jobs",
            jobs,
        ])
        .args([
            "--trust",
            "pki/roots",
            "--trust",
            "pki/untrusted/vn-foreign-root.pem",
        ])
        .args(["--at", common::GENERATED_AT])
        .args(inputs.iter().map(|p| p.strip_prefix(dir).unwrap()))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("elapsed_us");
            v
        })
        .collect()
}

fn rule_set(line: &serde_json::Value, level: &str) -> Vec<String> {
    let mut rules: Vec<String> = line["policy"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["level"] == level)
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    rules.sort();
    rules.dedup();
    rules
}

/// The policy issue's bar for generated documents: under the Vietnamese pack (with the
/// corpus' test root as its anchor), every `vn-policy` document fails exactly the rules its
/// manifest names, its signatures have the manifest's roles, each dossier's documents know
/// their place; a document passes exactly when it breaks no rule and its signatures verify.
/// The lines are the same with one worker.
#[test]
fn vn_policy_documents_fail_exactly_the_rules_their_manifest_names() {
    let dir = tempfile::tempdir().unwrap();
    // Two cycles: every case twice, dossiers with both kinds of bad appendix.
    let manifest = corpus(dir.path(), 24, 3, Profile::VnPolicy);
    let lines = vn_policy_run(dir.path(), "2");
    assert_eq!(lines.len(), manifest.len());
    let mut seen = BTreeSet::new();
    for m in &manifest {
        let l = lines
            .iter()
            .find(|l| l["name"] == m.name.as_str())
            .unwrap_or_else(|| panic!("{} reported", m.name));
        let fails = rule_set(l, "FAIL");
        assert_eq!(
            fails,
            m.policy_fail.clone().unwrap_or_default(),
            "{} ({}): {l}",
            m.name,
            m.case
        );
        assert_eq!(
            rule_set(l, "INFORM"),
            m.policy_inform.clone().unwrap_or_default(),
            "{}",
            m.name
        );
        let roles: Vec<Option<&str>> = l["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["role"].as_str())
            .collect();
        let expected: Vec<Option<&str>> = m.signatures.iter().map(|s| s.role.as_deref()).collect();
        assert_eq!(roles, expected, "{}", m.name);
        // A document given as an input of its own is the main document of a dossier of one.
        let place = m.dossier_role.as_deref().unwrap_or("main");
        assert_eq!(l["dossier"]["role"].as_str(), Some(place), "{}", m.name);
        let passes = fails.is_empty() && m.status.as_str() == "TOTAL_PASSED";
        assert_eq!(l["status"] == "TOTAL_PASSED", passes, "{}: {l}", m.name);
        seen.extend(fails);
    }
    // Every rule of an issued document, and the dossier's, was broken by some document.
    for rule in sigaudit::Rule::ALL {
        let id = rule.id();
        if id.starts_with("issued.")
            || id.starts_with("dossier.")
            || id.starts_with("algorithms.digest")
        {
            assert!(seen.contains(id), "no generated document breaks {id}");
        }
    }
    assert_eq!(
        vn_policy_run(dir.path(), "1"),
        lines,
        "one worker, the same lines"
    );
}
