//! The library API as an embedder meets it: the builder's errors, shared use from threads, a
//! thread pool of the caller's, and what the verifier reports for input that is not a PDF.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sigaudit::{BuildError, DocumentStatus, Material, ValidationTime, Verifier};

fn sample(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/sample")
        .join(p)
}

fn at() -> ValidationTime {
    ValidationTime::parse_rfc3339("2026-07-01T00:00:00Z").unwrap()
}

fn read(p: &str) -> Vec<u8> {
    std::fs::read(sample(p)).unwrap()
}

#[test]
fn the_builder_says_what_is_missing_or_unreadable() {
    assert_eq!(
        Verifier::builder().build().unwrap_err(),
        BuildError::NoValidationTime
    );
    // The second anchor is a CRL: named by its role and position.
    let err = Verifier::builder()
        .trust_anchors([read("pki/roots/root.pem"), read("pki/crls/root.crl")])
        .validation_time(at())
        .build()
        .unwrap_err();
    assert!(
        matches!(
            &err,
            BuildError::Material { kind: Material::TrustAnchor, index: 1, reason }
                if reason == "not a parsable certificate"
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "trust anchor 1: not a parsable certificate"
    );
    // PEM text without a certificate block.
    let err = Verifier::builder()
        .intermediates([b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n".to_vec()])
        .validation_time(at())
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("no PEM block labelled CERTIFICATE"),
        "{err}"
    );
    // A CRL that is not one.
    let err = Verifier::builder()
        .crls([b"not a CRL".to_vec()])
        .validation_time(at())
        .build()
        .unwrap_err();
    assert_eq!(err.to_string(), "CRL 0: not a parsable CRL");
}

fn sample_verifier() -> Verifier {
    Verifier::builder()
        .trust_anchors([read("pki/roots/root.pem")])
        .intermediates([
            read("pki/intermediates/ca-organisation.pem"),
            read("pki/intermediates/ca-personal.pem"),
        ])
        .crls([
            read("pki/crls/root.crl"),
            read("pki/crls/ca-organisation.crl"),
            read("pki/crls/ca-personal.crl"),
        ])
        .validation_time(at())
        .build()
        .unwrap()
}

#[test]
fn one_verifier_serves_many_threads_and_a_pool_of_the_callers_gives_the_same_reports() {
    fn shared<T: Send + Sync>(_: &T) {}
    let verifier = Arc::new(sample_verifier());
    shared(&*verifier);
    let names: Vec<String> = (1..=8).map(|i| format!("docs/doc-{i:06}.pdf")).collect();
    let alone: Vec<_> = names.iter().map(|n| verifier.verify(n, &read(n))).collect();
    let threads: Vec<_> = names
        .iter()
        .cloned()
        .map(|n| {
            let v = Arc::clone(&verifier);
            std::thread::spawn(move || v.verify(&n, &read(&n)))
        })
        .collect();
    let together: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(alone, together);
    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap(),
    );
    let pooled = Verifier::builder()
        .trust_anchors([read("pki/roots/root.pem")])
        .intermediates([
            read("pki/intermediates/ca-organisation.pem"),
            read("pki/intermediates/ca-personal.pem"),
        ])
        .crls([
            read("pki/crls/root.crl"),
            read("pki/crls/ca-organisation.crl"),
            read("pki/crls/ca-personal.crl"),
        ])
        .validation_time(at())
        .thread_pool(pool)
        .build()
        .unwrap();
    let on_pool: Vec<_> = names.iter().map(|n| pooled.verify(n, &read(n))).collect();
    assert_eq!(alone, on_pool);
    assert!(alone
        .iter()
        .any(|r| r.status == DocumentStatus::TotalPassed));
    assert!(alone
        .iter()
        .any(|r| r.status != DocumentStatus::TotalPassed));
}

#[test]
fn what_is_not_a_pdf_is_one_error_report_of_its_own_size() {
    let verifier = sample_verifier();
    for (name, bytes) in [
        ("empty", &b""[..]),
        ("text", b"meeting notes"),
        ("header only", b"%PDF-1.7\n"),
    ] {
        let r = verifier.verify(name, bytes);
        assert_eq!(r.status, DocumentStatus::Error, "{name}");
        assert_eq!(r.name, name);
        assert_eq!(r.bytes, bytes.len() as u64, "{name}");
        assert!(
            r.error.is_some() && r.signatures.is_empty(),
            "{name}: {r:?}"
        );
    }
}
