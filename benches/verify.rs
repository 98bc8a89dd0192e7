//! The verification stages on one national document (six or more signatures, no attachment):
//! whole-document verify with cold and with warm caches, CMS parsing, path building cold and
//! cached, and revocation lookup in the generated CA's CRL (≈ 6,000 entries).
//!
//! `cargo bench --bench verify`. Inputs are the bundled sample corpus (`corpus/sample/`,
//! generated deterministically by `sigaudit-corpus`).

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use sigaudit::internals::pki::{build_path, TrustStore};
use sigaudit::internals::revocation::{self, Crl, Sources};
use sigaudit::internals::validate::Caches;
use sigaudit::{ValidationTime, Verifier};

fn sample(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/sample")
        .join(p)
}

/// The validation time of the sample corpus.
const AT: i64 = 1_782_864_000; // 2026-07-01T00:00:00Z

fn verifier() -> Verifier {
    sigaudit::load::TrustMaterial::read(
        &[sample("pki/roots")],
        &[sample("pki/intermediates")],
        &[sample("pki/crls")],
        &[] as &[PathBuf],
    )
    .expect("trust material")
    .builder()
    .validation_time(ValidationTime::from_unix(AT))
    .build()
    .expect("verifier")
}

/// The sample corpus' trust anchors and intermediates.
fn store(caches: &Caches) -> TrustStore {
    let certs = |dir: &str| -> Vec<_> {
        sigaudit::load::files(&[sample(dir)])
            .expect("certificates")
            .iter()
            .flat_map(|f| sigaudit::internals::asn1::der_objects(&f.bytes, "CERTIFICATE").unwrap())
            .filter_map(|d| caches.certificate(&d))
            .collect()
    };
    TrustStore::new(certs("pki/roots"), certs("pki/intermediates"))
}

fn bench(c: &mut Criterion) {
    // doc-000001: valid, six signatures, cross-reference streams.
    let doc = std::fs::read(sample("docs/doc-000001.pdf")).expect("sample");
    let warm = verifier();
    let report = warm.verify("doc-000001", &doc);
    assert_eq!(report.signatures.len(), 6);
    assert_eq!(report.status, sigaudit::DocumentStatus::TotalPassed);

    let mut g = c.benchmark_group("verify_document_6_signatures");
    g.bench_function("warm_caches", |b| {
        b.iter(|| warm.verify("doc-000001", &doc))
    });
    g.bench_function("cold_caches", |b| {
        b.iter_batched(
            verifier,
            |fresh| fresh.verify("doc-000001", &doc),
            BatchSize::SmallInput,
        )
    });
    g.finish();

    // One signature's CMS.
    let parsed = sigaudit::internals::pdf::read(&doc).expect("reads");
    let cms_bytes = parsed.signatures[0]
        .contents
        .as_ref()
        .expect("contents")
        .bytes
        .clone();
    c.bench_function("cms_parse", |b| {
        b.iter(|| {
            sigaudit::internals::cms::parse(&cms_bytes)
                .expect("parses")
                .signer_infos
                .len()
        })
    });

    // Path building: cold (fresh caches: signature checks included) and cached.
    let caches = Caches::new();
    let cms = sigaudit::internals::cms::parse(&cms_bytes).expect("parses");
    let leaf = cms
        .certificates
        .iter()
        .filter_map(|d| caches.certificate(d))
        .find(|c| c.basic_constraints.is_none_or(|(ca, _)| !ca))
        .expect("signer certificate");
    let store = store(&caches);
    let t = AT;
    let mut g = c.benchmark_group("path");
    g.bench_function("cold", |b| {
        b.iter_batched(
            Caches::new,
            |fresh: Caches| build_path(&leaf, &[], &store, t, &fresh.pki),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("cached", |b| {
        b.iter(|| build_path(&leaf, &[], &store, t, &caches.pki))
    });
    g.finish();

    // Revocation: parse and index the personal CA's CRL; look a certificate up in it.
    let crl_der = std::fs::read(sample("pki/crls/ca-personal.crl")).expect("crl");
    let crl = Crl::parse(&crl_der).expect("crl parses");
    eprintln!(
        "CRL: {} bytes, {} entries",
        crl_der.len(),
        crl.revoked.len()
    );
    let mut g = c.benchmark_group("crl");
    g.bench_function("parse_and_index", |b| {
        b.iter(|| Crl::parse(&crl_der).expect("parses"))
    });
    let issuer = match &*build_path(&leaf, &[], &store, t, &caches.pki) {
        sigaudit::internals::pki::PathOutcome::Found(p) => p[1].clone(),
        sigaudit::internals::pki::PathOutcome::Failed(e) => panic!("{e}"),
    };
    let mut sources = Sources::default();
    sources.add_crl(&crl_der, &caches.revocation);
    g.bench_function("status_lookup_cached", |b| {
        b.iter(|| revocation::status(&leaf, &issuer, &sources, t, &caches.pki, &caches.revocation))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
