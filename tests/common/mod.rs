//! Helpers shared by the root crate's tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `../shared/corpus/real` beside the project, or `None` after printing a visible skip (the
/// shared real corpus is present in CI, not in a user's clone).
pub fn real_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real");
    if dir.join("REFERENCE_DETAIL.jsonl").is_file() && dir.join("REFERENCE.tsv").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP: {} not found (the shared real corpus is present in CI only)",
            dir.display()
        );
        None
    }
}

/// The verification context a user gets from `--trust PKI/roots --certs PKI/intermediates
/// [--crl PKI/crls] --at 2026-07-01T00:00:00Z` for a generated corpus' `pki` directory.
pub fn context(
    pki: &Path,
    caches: &sigaudit::cache::Caches,
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
