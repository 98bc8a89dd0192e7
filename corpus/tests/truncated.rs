//! The `truncated` case cuts a file where a verifier can tell: never just past a revision's
//! end (a complete signed document with a few bytes after it is not a cut update), and the
//! verdict sigaudit gives equals the manifest's.
//!
//! Regression: on the 100,000-document national scale corpus (seed 1) documents 1,614 and
//! 76,930 were cut two and three bytes into an update (`…%%EOF\n43`): a whole signed revision
//! followed by junk, which sigaudit rightly passes, while the manifest said TOTAL_FAILED.

use sigaudit::{ValidationTime, Verifier};
use sigaudit_corpus::cases::Case;
use sigaudit_corpus::document::{self, Plan};
use sigaudit_corpus::keys::KeyStore;
use sigaudit_corpus::pki::{Pki, DEFAULT_BASE_URL};

/// The plans of the national scale corpus (`profiling/scale.py`: seed 1, three documents in
/// ten with a 16 to 256 KiB attachment) up to `docs`.
fn scale_plans(docs: usize) -> Vec<Plan> {
    sigaudit_corpus::plan(&sigaudit_corpus::Config {
        out: std::path::PathBuf::new(),
        docs,
        seed: 1,
        profile: sigaudit_corpus::cases::Profile::National,
        attachments: "0,0,0,0,0,0,0,16K,64K,256K".parse().expect("attachments"),
        tar: false,
        tar_only: true,
        base_url: DEFAULT_BASE_URL.to_string(),
        signers: sigaudit_corpus::keys::SIGNER_COUNT,
    })
}

/// The offset of the last occurrence of `needle` in `hay`.
fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[test]
fn truncated_documents_end_inside_an_update_and_get_the_manifest_verdict() {
    let keys = KeyStore::load().expect("committed test keys");
    let pki = Pki::build(&keys, DEFAULT_BASE_URL).expect("test PKI");
    let dir = tempfile::tempdir().expect("tempdir");
    sigaudit_corpus::write_pki(&pki, dir.path()).expect("PKI written");
    let material = sigaudit::load::TrustMaterial::read(
        &[dir.path().join("pki/roots")],
        &[dir.path().join("pki/intermediates")],
        &[dir.path().join("pki/crls")],
        &[] as &[std::path::PathBuf],
    )
    .expect("trust material");
    let verifier: Verifier = material
        .builder()
        .validation_time(ValidationTime::parse_rfc3339("2026-07-01T00:00:00Z").unwrap())
        .build()
        .expect("verifier");
    let ctx = document::Context {
        keys: &keys,
        pki: &pki,
    };
    // The two documents of the regression, as the scale corpus plans them, then others.
    let scale = scale_plans(76_930);
    let regression = [1_613, 76_929].map(|i| scale[i].clone());
    assert!(regression.iter().all(|p| p.case == Case::Truncated));
    let others = (0..120).map(|seed| Plan {
        index: 0,
        seed,
        case: Case::Truncated,
        attachments: vec![],
        extra_signatures: 0,
        fixed_shape: false,
    });
    let mut failed = 0;
    for plan in regression.into_iter().chain(others) {
        let seed = plan.seed;
        let built = document::build(&ctx, &plan).expect("document builds");
        let bytes = &built.bytes;
        let last_eof = find_last(bytes, b"%%EOF").expect("a complete revision");
        let tail = &bytes[last_eof + 5..];
        assert!(
            [&b"obj"[..], b"xref", b"trailer"]
                .iter()
                .any(|k| find_last(tail, k).is_some()),
            "seed {seed}: the {} bytes after the last %%EOF do not read as an update: {:?}",
            tail.len(),
            String::from_utf8_lossy(&tail[..tail.len().min(40)])
        );
        let report = verifier.verify("truncated.pdf", bytes);
        assert_eq!(
            report.status.as_str(),
            built.manifest.status.as_str(),
            "seed {seed}: {:?} {:?}",
            report.error,
            report.reason
        );
        failed += usize::from(report.status.as_str() == "TOTAL_FAILED");
    }
    assert!(
        failed > 60,
        "{failed} documents keep a signed revision and fail"
    );
}
