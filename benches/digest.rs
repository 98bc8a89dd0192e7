//! One-pass versus naive hashing of every signature of one document: a national document with
//! six or more signatures, each in its own incremental update, and a 20 MiB attachment in the
//! first revision. Naive hashing reads the attachment once per signature; one-pass hashing
//! reads it once.
//!
//! `cargo bench --bench digest`. Besides criterion's timings it prints the bytes hashed by
//! each method: the machine-independent measure of the work saved.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sigaudit::internals::digest::{self, DigestAlgorithm, Request};
use sigaudit::internals::pdf;
use sigaudit_corpus::cases::Case;
use sigaudit_corpus::document::{self, Context, Plan};
use sigaudit_corpus::keys::KeyStore;
use sigaudit_corpus::pki::{Pki, DEFAULT_BASE_URL};

/// A valid document with ≥ 6 signatures and a 20 MiB attachment, built in memory.
fn document() -> Vec<u8> {
    let keys = KeyStore::load().expect("committed test keys");
    let pki = Pki::build(&keys, DEFAULT_BASE_URL).expect("test PKI");
    let ctx = Context {
        keys: &keys,
        pki: &pki,
    };
    (0u64..)
        .map(|seed| {
            let plan = Plan {
                index: 0,
                seed,
                case: Case::Valid,
                attachments: vec![20 << 20],
                extra_signatures: 0,
                fixed_shape: false,
            };
            document::build(&ctx, &plan).expect("document builds")
        })
        .find(|b| b.manifest.signatures.len() >= 6)
        .expect("some seed gives six signatures")
        .bytes
}

fn requests(bytes: &[u8]) -> Vec<Request> {
    let doc = pdf::read(bytes).expect("the document reads");
    doc.signatures
        .iter()
        .map(|s| Request {
            algorithm: DigestAlgorithm::Sha256,
            ranges: digest::check(&doc, s)
                .ranges
                .expect("well-formed byte range"),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let bytes = document();
    let reqs = requests(&bytes);
    let (naive, ns) = digest::naive(&bytes, &reqs);
    let (one, os) = digest::one_pass(&bytes, &reqs);
    assert!(naive
        .iter()
        .zip(&one)
        .all(|(a, b)| a.as_ref() == b.as_ref()));
    eprintln!(
        "bytes hashed per document: naive {}, one-pass {}, ratio {:.2} \
         (file {} bytes, {} signatures)",
        ns.bytes_hashed,
        os.bytes_hashed,
        ns.bytes_hashed as f64 / os.bytes_hashed as f64,
        bytes.len(),
        reqs.len()
    );

    let mut g = c.benchmark_group("digest_20MiB_attachment");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.sample_size(15);
    g.bench_function("naive", |b| b.iter(|| digest::naive(&bytes, &reqs)));
    g.bench_function("one_pass", |b| b.iter(|| digest::one_pass(&bytes, &reqs)));
    // The whole stage as the verifier runs it: read the document, check the ranges, hash.
    g.bench_function("read_check_one_pass", |b| {
        b.iter_batched(
            || (),
            |()| {
                let reqs = requests(&bytes);
                digest::one_pass(&bytes, &reqs)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();

    // The reader alone against lopdf's full load (which parses every object of every
    // revision, the attachment's stream dictionary included, and flattens the revisions).
    let mut g = c.benchmark_group("read_20MiB_attachment");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.sample_size(15);
    g.bench_function("sigaudit_pdf_read", |b| {
        b.iter(|| pdf::read(&bytes).unwrap())
    });
    g.bench_function("lopdf_load_mem", |b| {
        b.iter(|| lopdf::Document::load_mem(&bytes).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
