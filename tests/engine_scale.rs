//! Scale: a generated national corpus of 10,000 documents in one tar verifies end to end; one
//! line per document, the summary's counts equal the manifest's, and serial and parallel runs
//! give the same set of lines.

mod common;

use std::collections::BTreeMap;

use sigaudit::engine::{self, Options};
use sigaudit::JsonLines;
use sigaudit_corpus::cases::Profile;
use sigaudit_corpus::manifest::Document;
use sigaudit_corpus::{generate, Attachments, Config};

const DOCS: usize = 10_000;

fn run(dir: &std::path::Path, tar: &str, jobs: usize) -> (Vec<serde_json::Value>, engine::Summary) {
    let verifier = common::verifier(&dir.join("pki"), true);
    let options = Options {
        jobs,
        ..Options::default()
    };
    let mut out = Vec::new();
    let summary = engine::run(
        &[tar.to_string()],
        &verifier,
        &options,
        &mut JsonLines::new(&mut out),
    )
    .unwrap();
    let lines = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("elapsed_us");
            v
        })
        .collect();
    (lines, summary)
}

#[test]
fn ten_thousand_national_documents_in_one_tar() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        out: dir.path().to_path_buf(),
        docs: DOCS,
        seed: 2027,
        profile: Profile::National,
        attachments: "0".parse::<Attachments>().unwrap(),
        tar: true,
        tar_only: true,
        base_url: sigaudit_corpus::pki::DEFAULT_BASE_URL.to_string(),
        signers: sigaudit_corpus::keys::SIGNER_COUNT,
    };
    let mut manifest: Vec<Document> = Vec::new();
    generate(&config, |d| manifest.push(d.clone())).unwrap();
    assert!(
        !dir.path().join("docs").exists(),
        "the documents are only in the tar"
    );
    let tar = dir.path().join("archive.tar").display().to_string();

    let (parallel, summary) = run(dir.path(), &tar, 2);
    assert_eq!(parallel.len(), DOCS, "one line per document");
    assert_eq!(summary.documents, DOCS as u64);
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for d in &manifest {
        *expected.entry(d.status.to_string()).or_default() += 1;
    }
    assert_eq!(
        summary.by_status, expected,
        "summary counts equal the manifest's"
    );
    let by_name: BTreeMap<&str, &serde_json::Value> = parallel
        .iter()
        .map(|l| (l["name"].as_str().unwrap(), l))
        .collect();
    for d in &manifest {
        assert_eq!(
            by_name[d.name.as_str()]["status"].as_str().unwrap(),
            d.status.as_str(),
            "{} ({})",
            d.name,
            d.case
        );
    }
    assert!(
        summary.cache_hit_rates["paths"] > 0.9,
        "{:?}",
        summary.cache_hit_rates
    );

    let (serial, _) = run(dir.path(), &tar, 1);
    let key = |v: &serde_json::Value| serde_json::to_string(v).unwrap();
    let mut a: Vec<String> = parallel.iter().map(key).collect();
    let mut b: Vec<String> = serial.iter().map(key).collect();
    a.sort();
    b.sort();
    assert!(
        a == b,
        "serial and parallel runs give the same set of lines"
    );
}
