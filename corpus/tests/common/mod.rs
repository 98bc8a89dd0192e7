//! Helpers shared by the corpus tests.
#![allow(dead_code)]

pub mod online;

use std::path::{Path, PathBuf};

use sigaudit_corpus::cases::Profile;
use sigaudit_corpus::manifest::Document;
use sigaudit_corpus::{generate, Attachments, Config};

/// A config writing into `out`.
pub fn config(out: &Path, docs: usize, seed: u64, profile: Profile, attachments: &str) -> Config {
    Config {
        out: out.to_path_buf(),
        docs,
        seed,
        profile,
        attachments: attachments.parse::<Attachments>().expect("attachment list"),
        tar: false,
        tar_only: false,
        base_url: sigaudit_corpus::pki::DEFAULT_BASE_URL.to_string(),
        signers: sigaudit_corpus::keys::SIGNER_COUNT,
    }
}

/// Generates and returns the manifest lines.
pub fn generate_into(config: &Config) -> Vec<Document> {
    let mut lines = Vec::new();
    generate(config, |d| lines.push(d.clone())).expect("generation succeeds");
    lines
}

/// Reads `manifest.jsonl`.
pub fn read_manifest(dir: &Path) -> Vec<Document> {
    std::fs::read_to_string(dir.join("manifest.jsonl"))
        .expect("manifest.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("manifest line parses"))
        .collect()
}

/// Every file under `dir`, relative, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).expect("prefix").to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Asserts that two directories hold the same files with the same bytes.
pub fn assert_same_tree(a: &Path, b: &Path) {
    let fa = files(a);
    let fb = files(b);
    assert_eq!(fa, fb, "file lists differ");
    for f in &fa {
        let x = std::fs::read(a.join(f)).expect("read");
        let y = std::fs::read(b.join(f)).expect("read");
        assert!(
            x == y,
            "{} differs between {} and {}",
            f.display(),
            a.display(),
            b.display()
        );
    }
}
