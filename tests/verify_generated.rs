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
