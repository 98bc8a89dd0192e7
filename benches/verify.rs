//! The verification stages on one national document (six or more signatures, no attachment):
//! whole-document verify with cold and with warm caches, CMS parsing, path building cold and
//! cached, and revocation lookup in the generated CA's CRL (≈ 6,000 entries).
//!
//! `cargo bench --bench verify`. Inputs are the bundled sample corpus (`corpus/sample/`,
//! generated deterministically by `sigaudit-corpus`).

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use sigaudit::pki::{build_path, TrustStore};
use sigaudit::revocation::{self, Crl, Sources};
use sigaudit::validate::Caches;
use sigaudit::verify::{parse_rfc3339, verify_document, Context, Policy};

fn sample(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/sample")
        .join(p)
}

fn context(caches: &Caches) -> Context {
    Context::load(
        &[sample("pki/roots")],
        &[sample("pki/intermediates")],
        &[sample("pki/crls")],
        &[],
        parse_rfc3339("2026-07-01T00:00:00Z").expect("time"),
        Policy::default(),
        caches,
    )
    .expect("context")
}

fn bench(c: &mut Criterion) {
    // doc-000001: valid, six signatures, cross-reference streams.
    let doc = std::fs::read(sample("docs/doc-000001.pdf")).expect("sample");
    let caches = Caches::new();
    let ctx = context(&caches);
    let report = verify_document("doc-000001", &doc, &ctx, &caches);
    assert_eq!(report.signatures.len(), 6);
    assert_eq!(
        report.status,
        sigaudit::verdict::DocumentStatus::TotalPassed
    );

    let mut g = c.benchmark_group("verify_document_6_signatures");
    g.bench_function("warm_caches", |b| {
        b.iter(|| verify_document("doc-000001", &doc, &ctx, &caches))
    });
    g.bench_function("cold_caches", |b| {
        b.iter_batched(
            || {
                let fresh = Caches::new();
                let ctx = context(&fresh);
                (fresh, ctx)
            },
            |(fresh, ctx)| verify_document("doc-000001", &doc, &ctx, &fresh),
            BatchSize::SmallInput,
        )
    });
    g.finish();

    // One signature's CMS.
    let parsed = sigaudit::pdf::read(&doc).expect("reads");
    let cms_bytes = parsed.signatures[0]
        .contents
        .as_ref()
        .expect("contents")
        .bytes
        .clone();
    c.bench_function("cms_parse", |b| {
        b.iter(|| {
            sigaudit::cms::parse(&cms_bytes)
                .expect("parses")
                .signer_infos
                .len()
        })
    });

    // Path building: cold (fresh caches: signature checks included) and cached.
    let cms = sigaudit::cms::parse(&cms_bytes).expect("parses");
    let leaf = cms
        .certificates
        .iter()
        .filter_map(|d| caches.certificate(d))
        .find(|c| c.basic_constraints.is_none_or(|(ca, _)| !ca))
        .expect("signer certificate");
    let store = TrustStore::new(
        sigaudit::pki::load_certificates(&[sample("pki/roots")], &caches.pki).expect("roots"),
        sigaudit::pki::load_certificates(&[sample("pki/intermediates")], &caches.pki).expect("cas"),
    );
    let t = ctx.at;
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
        sigaudit::pki::PathOutcome::Found(p) => p[1].clone(),
        sigaudit::pki::PathOutcome::Failed(e) => panic!("{e}"),
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
