//! The CA CRLs a long-term-validation document carries in its DSS recur in thousands of
//! documents: a CRL stream seen before is recognised by its raw bytes and not inflated again.
//! The same holds for the CA certificates and OCSP responses of its `/Certs` and `/OCSPs`.
//! Verdicts must not depend on it: warm-cache reports equal cold-cache ones.

mod common;

use std::path::Path;

use sigaudit::DocumentReport;

fn sample(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/sample")
        .join(rel)
}

/// A report without its timing, as JSON.
fn comparable(r: &DocumentReport) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap();
    v.as_object_mut().unwrap().remove("elapsed_us");
    v
}

#[test]
fn a_dss_crl_stream_seen_before_is_not_inflated_again_and_changes_no_verdict() {
    let pki = sample("pki");
    let ltv = [
        "docs/doc-000006.pdf",
        "docs/doc-000008.pdf",
        "docs/doc-000014.pdf",
    ];
    let warm = common::verifier(&pki, true);
    let mut warm_reports = Vec::new();
    for (i, name) in ltv.iter().enumerate() {
        let data = std::fs::read(sample(name)).unwrap();
        warm_reports.push(warm.verify(name, &data));
        let st = warm.cache_stats().dss_streams;
        if i == 0 {
            assert_eq!(st.hits, 0, "nothing was seen before the first document");
            assert!(
                st.misses > 0 && st.entries > 0,
                "its CRL streams are remembered: {st:?}"
            );
        }
    }
    let st = warm.cache_stats().dss_streams;
    assert!(
        st.hits >= 2,
        "later documents' CRL streams were recognised: {st:?}"
    );
    let objects = warm.cache_stats().dss_objects;
    assert!(
        objects.entries > 0 && objects.hits >= 2,
        "later documents' certificate and OCSP streams were recognised: {objects:?}"
    );
    // The same documents, each with caches of its own (cold): the same reports.
    for (name, warm_report) in ltv.iter().zip(&warm_reports) {
        let data = std::fs::read(sample(name)).unwrap();
        let cold = common::verifier(&pki, true).verify(name, &data);
        assert_eq!(comparable(&cold), comparable(warm_report), "{name}");
        assert_eq!(cold.status, sigaudit::DocumentStatus::TotalPassed, "{name}");
    }
}
