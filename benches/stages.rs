//! One bench per verification stage, on generated inputs cached on disk
//! (`target/bench-inputs/`, made once, deterministically, as webpki's benches do):
//!
//! - signature discovery (`pdf::read`) on a national document with 6 and with 30 signatures;
//! - CMS parse and signature-value verification of one signature;
//! - whole-document verification with 6 and with 30 signatures (warm caches);
//! - a 500,000-entry CRL: parse and index (once per run), then one certificate's lookup.
//!
//! `cargo bench --bench stages`.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sigaudit::internals::crypto;
use sigaudit::internals::revocation::{self, Crl, Sources};
use sigaudit::internals::validate::Caches;
use sigaudit::{ValidationTime, Verifier};
use sigaudit_corpus::cases::Case;
use sigaudit_corpus::document::{self, Plan};
use sigaudit_corpus::keys::KeyStore;
use sigaudit_corpus::pki::{CaId, Pki, DEFAULT_BASE_URL};

fn inputs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-inputs")
}

/// Generates (once) and returns the bench inputs: two documents and a large CRL, plus the PKI.
fn cached(name: &str, make: impl FnOnce(&KeyStore, &Pki) -> Vec<u8>) -> Vec<u8> {
    let path = inputs().join(name);
    if let Ok(b) = std::fs::read(&path) {
        return b;
    }
    let keys = KeyStore::load().expect("committed test keys");
    let pki = Pki::build(&keys, DEFAULT_BASE_URL).expect("test PKI");
    let bytes = make(&keys, &pki);
    std::fs::create_dir_all(inputs()).expect("bench input dir");
    std::fs::write(&path, &bytes).expect("bench input written");
    bytes
}

/// A valid national document with at least `n` signatures (the first seed that gives them).
fn document_with(n: usize) -> Vec<u8> {
    cached(&format!("doc-{n}-signatures.pdf"), |keys, pki| {
        let ctx = document::Context { keys, pki };
        (0u64..)
            .map(|seed| {
                let plan = Plan {
                    index: 0,
                    seed,
                    case: Case::Valid,
                    attachments: vec![],
                    extra_signatures: n.saturating_sub(6),
                    fixed_shape: false,
                };
                document::build(&ctx, &plan).expect("document builds")
            })
            .find(|b| b.manifest.signatures.len() == n && !b.manifest.ltv)
            .expect("a seed gives exactly n signatures")
            .bytes
    })
}

fn pki_dir() -> PathBuf {
    let dir = inputs().join("pki-root");
    if !dir.join("pki/roots").is_dir() {
        let keys = KeyStore::load().expect("keys");
        let pki = Pki::build(&keys, DEFAULT_BASE_URL).expect("pki");
        sigaudit_corpus::write_pki(&pki, &dir).expect("pki written");
    }
    dir.join("pki")
}

fn bench(c: &mut Criterion) {
    let six = document_with(6);
    let thirty = document_with(30);
    let big_crl = cached("ca-personal-500000.crl", |keys, pki| {
        pki.crl_with_filler(keys, CaId::Personal, 500_000)
            .expect("CRL builds")
    });
    let pki = pki_dir();
    let caches = Caches::new();
    let material = sigaudit::load::TrustMaterial::read(
        &[pki.join("roots")],
        &[pki.join("intermediates")],
        &[pki.join("crls")],
        &[] as &[std::path::PathBuf],
    )
    .expect("trust material");
    let at = ValidationTime::parse_rfc3339("2026-07-01T00:00:00Z").expect("time");
    let verifier: Verifier = material
        .builder()
        .validation_time(at)
        .build()
        .expect("verifier");

    // Discovery.
    let mut g = c.benchmark_group("discovery");
    for (label, doc) in [("6_signatures", &six), ("30_signatures", &thirty)] {
        let n = sigaudit::internals::pdf::read(doc)
            .expect("reads")
            .signatures
            .len();
        eprintln!("{label}: {} bytes, {n} signatures", doc.len());
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(label, |b| {
            b.iter(|| sigaudit::internals::pdf::read(doc).expect("reads"))
        });
    }
    g.finish();

    // CMS parse and the signature value of one signature: the first whose signer the
    // personal CA issued (the large CRL below is that CA's).
    let crl = Crl::parse(&big_crl).expect("CRL parses");
    let parsed = sigaudit::internals::pdf::read(&six).expect("reads");
    let cms_bytes = parsed
        .signatures
        .iter()
        .map(|s| s.contents.as_ref().expect("contents").bytes.clone())
        .find(|b| {
            let cms = sigaudit::internals::cms::parse(b).expect("parses");
            cms.certificates
                .iter()
                .filter_map(|d| caches.certificate(d))
                .any(|c| {
                    c.basic_constraints.is_none_or(|(ca, _)| !ca) && c.issuer_raw == crl.issuer_raw
                })
        })
        .expect("a signature by a personal-CA signer");
    let cms = sigaudit::internals::cms::parse(&cms_bytes).expect("parses");
    let si = &cms.signer_infos[0];
    let signer = cms
        .certificates
        .iter()
        .filter_map(|d| caches.certificate(d))
        .find(|c| c.basic_constraints.is_none_or(|(ca, _)| !ca))
        .expect("signer certificate");
    let attrs = si.signed_attrs_to_verify().expect("signed attributes");
    let digest = crypto::DigestAlgorithm::from_oid(&si.digest_algorithm.oid).expect("digest");
    eprintln!("signer key: {}", signer.key.describe());
    let mut g = c.benchmark_group("cms");
    g.bench_function("parse", |b| {
        b.iter(|| sigaudit::internals::cms::parse(&cms_bytes).expect("parses"))
    });
    g.bench_function("parse_and_verify_signature_value", |b| {
        b.iter(|| {
            let cms = sigaudit::internals::cms::parse(&cms_bytes).expect("parses");
            let si = &cms.signer_infos[0];
            crypto::verify(
                &signer.key,
                &si.signature_algorithm,
                Some(digest),
                &attrs,
                &si.signature,
            )
            .expect("verifies")
        })
    });
    g.finish();

    // Whole documents, warm caches.
    let mut g = c.benchmark_group("verify_document");
    for (label, doc) in [("6_signatures", &six), ("30_signatures", &thirty)] {
        let r = verifier.verify(label, doc);
        assert_eq!(r.status, sigaudit::DocumentStatus::TotalPassed, "{label}");
        g.throughput(Throughput::Elements(r.signatures.len() as u64));
        g.bench_function(label, |b| b.iter(|| verifier.verify(label, doc)));
    }
    g.finish();

    // A national-size CRL.
    eprintln!(
        "CRL: {} bytes, {} entries",
        big_crl.len(),
        crl.revoked.len()
    );
    let issuer = material
        .intermediates
        .iter()
        .flat_map(|f| sigaudit::internals::asn1::der_objects(&f.bytes, "CERTIFICATE").unwrap())
        .filter_map(|d| caches.certificate(&d))
        .find(|c| c.subject_raw == signer.issuer_raw)
        .expect("the signer's CA");
    let mut g = c.benchmark_group("crl_500000");
    g.sample_size(10);
    g.bench_function("parse_and_index", |b| {
        b.iter(|| Crl::parse(&big_crl).expect("parses"))
    });
    let mut sources = Sources::default();
    sources.add_crl(&big_crl, &caches.revocation);
    g.bench_function("lookup", |b| {
        b.iter(|| {
            revocation::status(
                &signer,
                &issuer,
                &sources,
                at.unix(),
                &caches.pki,
                &caches.revocation,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
