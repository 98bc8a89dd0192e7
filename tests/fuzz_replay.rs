//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`) and crash artifacts
//! (`fuzz/artifacts/<target>/`, when present) through the fuzz targets' own bodies
//! (`sigaudit::internals::fuzz_targets`), so a regression of anything the fuzzer once found fails
//! `cargo test` on stable, without libFuzzer.

use std::path::{Path, PathBuf};

use sigaudit::internals::fuzz_targets;

/// Every file under `dir` (not recursive: libFuzzer keeps corpora flat), sorted.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `body` on every corpus file and artifact of `target`; returns how many it replayed.
fn replay(target: &str, body: impl Fn(&[u8])) -> usize {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let corpus = inputs(&fuzz.join("corpus").join(target));
    assert!(
        !corpus.is_empty(),
        "fuzz/corpus/{target} is missing or empty: the replay would prove nothing"
    );
    let artifacts = inputs(&fuzz.join("artifacts").join(target));
    for path in corpus.iter().chain(&artifacts) {
        let data = std::fs::read(path).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(&data)));
        assert!(outcome.is_ok(), "{target}: {} panicked", path.display());
    }
    eprintln!(
        "{target}: replayed {} corpus inputs and {} artifacts",
        corpus.len(),
        artifacts.len()
    );
    corpus.len() + artifacts.len()
}

#[test]
fn pdf_read_corpus_replays() {
    assert!(replay("pdf_read", fuzz_targets::pdf_read) > 0);
}

#[test]
fn xref_corpus_replays() {
    assert!(replay("xref", fuzz_targets::xref) > 0);
}

#[test]
fn cms_corpus_replays() {
    assert!(replay("cms", fuzz_targets::cms) > 0);
}

#[test]
fn crl_ocsp_corpus_replays() {
    assert!(replay("crl_ocsp", fuzz_targets::crl_ocsp) > 0);
}

#[test]
fn verify_corpus_replays() {
    // The target itself asserts the byte count and the serialisation; one report per input
    // is what it returns.
    let n = replay("verify", |data| {
        let report = fuzz_targets::verify(data);
        assert_eq!(report.bytes, data.len() as u64);
    });
    assert!(n > 0);
}

#[test]
fn report_lines_corpus_replays() {
    assert!(replay("report_lines", fuzz_targets::report_lines) > 0);
}
