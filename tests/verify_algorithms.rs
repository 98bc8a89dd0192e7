//! Every signer key and algorithm of the generator's `algorithms` profile, verified at the
//! corpus' validation time with its PKI: each signature's integrity, indication, sub-indication
//! and warnings equal the manifest's (RSA PKCS#1 v1.5 and PSS of 512 to 4096 bits with SHA-1,
//! SHA-2 and SHA-3, a modulus that is not DER, ECDSA on the NIST and brainpool curves, Ed25519
//! with the RFC 8419 digest and with SHA-256, Ed448 with SHAKE256; each with its negative twin).

mod common;

use std::collections::BTreeSet;

use rayon::prelude::*;
use sigaudit::SignatureReport;
use sigaudit_corpus::algorithms::CYCLE;
use sigaudit_corpus::cases::Profile;
use sigaudit_corpus::manifest::{self, Document, Integrity};

fn read_manifest(dir: &std::path::Path) -> Vec<Document> {
    std::fs::read_to_string(dir.join("manifest.jsonl"))
        .expect("manifest.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a manifest line"))
        .collect()
}

/// The report's integrity as its JSON names it.
fn integrity(s: &SignatureReport) -> String {
    serde_json::to_value(s.integrity)
        .expect("serialises")
        .as_str()
        .expect("a string")
        .to_string()
}

/// Every difference between a signature's report and the manifest's expectation. Each
/// expected warning substring must be in one of the report's warnings; a warning the
/// manifest does not expect is a difference too, except on a negative twin (whose signature
/// does not verify, so what a verifier says of its key beside that is not prescribed).
fn differences(d: &Document, e: &manifest::Signature, s: &SignatureReport) -> Vec<String> {
    let mut out = Vec::new();
    let want = e.integrity.expect("the profile states integrity");
    // The manifest (the generator's vocabulary) and the report compare by name.
    let expected = (
        e.indication.as_str(),
        e.sub_indication.map(|x| x.as_str()),
        want.as_str().to_string(),
    );
    let got = (
        s.indication.as_str(),
        s.sub_indication.map(|x| x.as_str()),
        integrity(s),
    );
    if expected != got {
        out.push(format!("{expected:?} but {got:?}: {:?}", s.reason));
    }
    for w in &e.warnings {
        if !s.warnings.iter().any(|x| x.contains(w.as_str())) {
            out.push(format!("no warning containing {w:?} in {:?}", s.warnings));
        }
    }
    let unexpected: Vec<&String> = s
        .warnings
        .iter()
        .filter(|x| !e.warnings.iter().any(|w| x.contains(w.as_str())))
        .collect();
    if want != Integrity::SignatureInvalid && !unexpected.is_empty() {
        out.push(format!("unexpected warnings {unexpected:?}"));
    }
    out.into_iter()
        .map(|x| format!("{} ({}) {}: {x}", d.name, d.case, e.field))
        .collect()
}

#[test]
fn every_key_and_algorithm_gets_the_manifest_verdict_and_every_twin_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::generate(dir.path(), 80, 2026, Profile::Algorithms, "0");
    let manifest = read_manifest(dir.path());
    let cases: BTreeSet<&str> = manifest.iter().map(|d| d.case.as_str()).collect();
    for case in CYCLE {
        assert!(
            cases.contains(case.name()),
            "no {} in {cases:?}",
            case.name()
        );
    }
    let verifier = common::verifier(&dir.path().join("pki"), true);
    let reports: Vec<_> = manifest
        .par_iter()
        .map(|d| {
            let data = std::fs::read(dir.path().join(&d.name)).expect("document");
            verifier.verify(&d.name, &data)
        })
        .collect();

    let mut diffs = Vec::new();
    let mut judged = 0;
    for (d, r) in manifest.iter().zip(&reports) {
        if d.status.as_str() != r.status.as_str() {
            diffs.push(format!(
                "{} ({}): status {} expected {}",
                d.name, d.case, r.status, d.status
            ));
        }
        if d.signatures.len() != r.signatures.len() {
            diffs.push(format!("{}: {} signatures", d.name, r.signatures.len()));
            continue;
        }
        for (e, s) in d.signatures.iter().zip(&r.signatures) {
            assert_eq!(e.field, s.field, "{}", d.name);
            diffs.extend(differences(d, e, s));
            judged += 1;
        }
    }
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
    assert_eq!(judged, 80);
    let warned = manifest
        .iter()
        .filter(|d| d.signatures.iter().any(|s| !s.warnings.is_empty()))
        .count();
    assert!(warned >= 2, "the warning cases were judged ({warned})");
}
