//! Helpers shared by the root crate's tests.
#![allow(dead_code)]

pub mod online;
pub mod pdf;

use std::path::{Path, PathBuf};

/// `../shared/corpus/real` beside the project, or `None` after printing a visible skip (the
/// shared real corpus is present in CI, not in a user's clone). Under CI (`CI` set) a missing
/// corpus fails the test instead: a bar that silently skips is no bar.
pub fn real_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real");
    shared_or_skip(
        &dir,
        dir.join("REFERENCE_DETAIL.jsonl").is_file() && dir.join("REFERENCE.tsv").is_file(),
    )
}

/// `None` after a visible skip when a test's oracle or tool (`what`) cannot run here, for
/// `why`; under CI (`CI` set), where every test's tools are installed, a failure instead.
pub fn cannot_run<T>(what: &str, why: &str) -> Option<T> {
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} cannot run under CI: {why}"
    );
    eprintln!("SKIP: {what} cannot run here: {why}");
    None
}

/// `dir` when `present`; otherwise a failure under CI, a visible skip elsewhere.
pub fn shared_or_skip(dir: &Path, present: bool) -> Option<PathBuf> {
    if present {
        return Some(dir.to_path_buf());
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{} is missing under CI (CI is set): the shared corpus must be present",
            dir.display()
        );
    }
    eprintln!(
        "SKIP: {} not found (the shared corpus is present in CI only)",
        dir.display()
    );
    None
}

/// Generates `docs` documents (no tar) into `dir` with the corpus generator.
pub fn generate(
    dir: &Path,
    docs: usize,
    seed: u64,
    profile: sigaudit_corpus::cases::Profile,
    attachments: &str,
) {
    let config = sigaudit_corpus::Config {
        out: dir.to_path_buf(),
        docs,
        seed,
        profile,
        attachments: attachments.parse().expect("attachment list"),
        tar: false,
        tar_only: false,
        base_url: sigaudit_corpus::pki::DEFAULT_BASE_URL.to_string(),
        signers: sigaudit_corpus::keys::SIGNER_COUNT,
    };
    sigaudit_corpus::generate(&config, |_| {}).expect("generation succeeds");
}

/// The validation time of the generated corpora.
pub const GENERATED_AT: &str = "2026-07-01T00:00:00Z";

/// The verifier a user gets from `--trust PKI/roots --certs PKI/intermediates [--crl PKI/crls]
/// --at 2026-07-01T00:00:00Z` for a generated corpus' `pki` directory.
pub fn verifier(pki: &Path, with_crls: bool) -> sigaudit::Verifier {
    verifier_with(pki, with_crls, sigaudit::CacheLimits::default())
}

/// [`verifier`] with the given cache limits.
pub fn verifier_with(
    pki: &Path,
    with_crls: bool,
    limits: sigaudit::CacheLimits,
) -> sigaudit::Verifier {
    let crls: Vec<PathBuf> = if with_crls {
        vec![pki.join("crls")]
    } else {
        vec![]
    };
    let material = sigaudit::load::TrustMaterial::read(
        &[pki.join("roots")],
        &[pki.join("intermediates")],
        &crls,
        &[] as &[PathBuf],
    )
    .expect("trust material reads");
    material
        .builder()
        .validation_time(sigaudit::ValidationTime::parse_rfc3339(GENERATED_AT).expect("time"))
        .cache_limits(limits)
        .build()
        .expect("verifier builds")
}

/// Every document of the real corpus (`MANIFEST.tsv`) verified at 2026-11-22 against its
/// source's trust set (`<source>/trust/from-signatures`, the peers' trust), without
/// revocation data (none exists offline), keyed by path.
pub fn verify_real_corpus(
    dir: &Path,
) -> std::collections::BTreeMap<String, sigaudit::DocumentReport> {
    use rayon::prelude::*;
    use sigaudit::{DocumentReport, Policy, ValidationTime};
    use std::collections::BTreeMap;
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let paths: Vec<String> = manifest
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
        .map(str::to_string)
        .collect();
    let at = ValidationTime::parse_rfc3339("2026-11-22T00:00:00Z").expect("time");
    let mut by_source: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in paths {
        let source = p.split('/').next().expect("source").to_string();
        by_source.entry(source).or_default().push(p);
    }
    let mut out = BTreeMap::new();
    for (source, files) in by_source {
        // The peers' trust set for this source; no revocation data exists offline.
        let anchors = sigaudit::load::files(&[dir.join(&source).join("trust/from-signatures")])
            .expect("trust reads");
        let verifier = sigaudit::Verifier::builder()
            .trust_anchors(anchors.into_iter().map(|f| f.bytes))
            .validation_time(at)
            .policy(
                Policy::default()
                    .with(sigaudit::Rule::RevocationAvailable, sigaudit::Level::Inform),
            )
            .build()
            .expect("trust loads");
        let reports: Vec<DocumentReport> = files
            .par_iter()
            .map(|p| {
                let data = std::fs::read(dir.join(p)).expect("file");
                verifier.verify(p, &data)
            })
            .collect();
        out.extend(reports.into_iter().map(|r| (r.name.clone(), r)));
    }
    out
}
