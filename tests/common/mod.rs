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
