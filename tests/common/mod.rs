//! Helpers shared by the root crate's tests.
#![allow(dead_code)]

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

/// The verification context a user gets from `--trust PKI/roots --certs PKI/intermediates
/// [--crl PKI/crls] --at 2026-07-01T00:00:00Z` for a generated corpus' `pki` directory.
pub fn context(
    pki: &Path,
    caches: &sigaudit::validate::Caches,
    with_crls: bool,
) -> sigaudit::verify::Context {
    let crls: Vec<PathBuf> = if with_crls {
        vec![pki.join("crls")]
    } else {
        vec![]
    };
    sigaudit::verify::Context::load(
        &[pki.join("roots")],
        &[pki.join("intermediates")],
        &crls,
        &[],
        sigaudit::verify::parse_rfc3339("2026-07-01T00:00:00Z").expect("time"),
        sigaudit::verify::Policy::default(),
        caches,
    )
    .expect("context loads")
}

/// Every document of the real corpus (`MANIFEST.tsv`) verified at 2026-11-22 against its
/// source's trust set (`<source>/trust/from-signatures`, the peers' trust), without
/// revocation data (none exists offline), keyed by path.
pub fn verify_real_corpus(
    dir: &Path,
) -> std::collections::BTreeMap<String, sigaudit::report::DocumentReport> {
    use rayon::prelude::*;
    use sigaudit::report::DocumentReport;
    use sigaudit::validate::Caches;
    use sigaudit::verify::{parse_rfc3339, verify_document, Context, Policy};
    use std::collections::BTreeMap;
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let paths: Vec<String> = manifest
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
        .map(str::to_string)
        .collect();
    let at = parse_rfc3339("2026-11-22T00:00:00Z").expect("time");
    let mut by_source: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in paths {
        let source = p.split('/').next().expect("source").to_string();
        by_source.entry(source).or_default().push(p);
    }
    let mut out = BTreeMap::new();
    for (source, files) in by_source {
        let caches = Caches::new();
        // The peers' trust set for this source; no revocation data exists offline.
        let ctx = Context::load(
            &[dir.join(&source).join("trust/from-signatures")],
            &[],
            &[],
            &[],
            at,
            Policy {
                require_revocation: false,
                ..Policy::default()
            },
            &caches,
        )
        .expect("trust loads");
        let reports: Vec<DocumentReport> = files
            .par_iter()
            .map(|p| {
                let data = std::fs::read(dir.join(p)).expect("file");
                verify_document(p, &data, &ctx, &caches)
            })
            .collect();
        out.extend(reports.into_iter().map(|r| (r.name.clone(), r)));
    }
    out
}
