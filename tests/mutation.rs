//! Structure-aware mutation of valid signed documents: whatever the damage, the reader and the
//! byte-range checks return a document or a typed error — never a panic — and the digests of
//! every well-formed range still agree between one-pass and naive hashing.
//!
//! A deterministic generator (xorshift) drives the mutations so a failure names its seed.

mod common;

use std::path::Path;

use memchr::memmem;
use sigaudit::internals::digest::{self, DigestAlgorithm, Request};
use sigaudit::internals::pdf;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tokens that change a PDF's structure rather than its content.
const TOKENS: &[&[u8]] = &[
    b"0 0 R",
    b"1 0 R",
    b"<<",
    b">>",
    b"[",
    b"]",
    b"(",
    b")",
    b"<",
    b">",
    b"/Prev 0",
    b"/Prev 99999999",
    b"/Length 5",
    b"/Kids [1 0 R]",
    b"/N 99999",
    b"/W [1 8 8]",
    b"/Index [0 999999999]",
    b"99999999999999999999",
    b"-1",
    b"endobj",
    b"stream\n",
    b"%%EOF",
    b"startxref\n0\n",
    b"xref\n0 1\n",
    b"/Contents <00>",
    b"/ByteRange [0 1 2]",
    b"/FT /Sig",
    b"\0",
    b"#",
    b"/",
    b"%",
];

fn mutate(base: &[u8], anchors: &[usize], rng: &mut Rng) -> Vec<u8> {
    let mut doc = base.to_vec();
    for _ in 0..1 + rng.below(3) {
        // Half the mutations land near a structural keyword, where they matter.
        let pos = if rng.below(2) == 0 && !anchors.is_empty() {
            let a = anchors[rng.below(anchors.len())];
            (a + rng.below(256)).saturating_sub(64).min(doc.len())
        } else {
            rng.below(doc.len())
        };
        match rng.below(5) {
            0 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let end = (pos + t.len()).min(doc.len());
                doc.splice(pos..end, t.iter().copied());
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                doc.splice(pos..pos, t.iter().copied());
            }
            2 => {
                let end = (pos + 1 + rng.below(64)).min(doc.len());
                doc.drain(pos..end);
            }
            3 => {
                if pos < doc.len() {
                    doc[pos] = rng.next() as u8;
                }
            }
            _ => doc.truncate(pos),
        }
    }
    doc
}

/// Reads `bytes`, checks every signature and hashes every well-formed range both ways. Returns
/// the number of digest requests compared.
fn exercise(bytes: &[u8]) -> usize {
    let Ok(doc) = pdf::read(bytes) else { return 0 };
    let checks: Vec<_> = doc
        .signatures
        .iter()
        .map(|s| digest::check(&doc, s))
        .collect();
    let _ = digest::unsigned_tail(&doc, &checks);
    let requests: Vec<Request> = checks
        .iter()
        .filter_map(|c| c.ranges)
        .enumerate()
        .map(|(i, ranges)| Request {
            algorithm: [DigestAlgorithm::Sha256, DigestAlgorithm::Sha1][i % 2],
            ranges,
        })
        .collect();
    let (a, _) = digest::naive(bytes, &requests);
    let (b, _) = digest::one_pass(bytes, &requests);
    assert_eq!(a.len(), requests.len(), "one naive digest per request");
    assert_eq!(b.len(), requests.len(), "one one-pass digest per request");
    assert!(a.iter().zip(&b).all(|(x, y)| x.as_ref() == y.as_ref()));
    let _ = serde_json::to_string(&sigaudit::internals::inspect::inspect(bytes)).unwrap();
    requests.len()
}

#[test]
fn mutated_documents_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/sample/docs");
    // One document per cross-reference style: table, stream, stream with object streams.
    let mut total = 0;
    let mut hashed = 0;
    for (name, seed) in [
        ("doc-000005.pdf", 1u64),
        ("doc-000001.pdf", 2),
        ("doc-000003.pdf", 3),
    ] {
        let base = std::fs::read(dir.join(name)).unwrap();
        let mut anchors = Vec::new();
        for kw in [
            &b"xref"[..],
            b"trailer",
            b"startxref",
            b"/ByteRange",
            b"/Fields",
            b"ObjStm",
            b"/Prev",
        ] {
            anchors.extend(memmem::find_iter(&base, kw));
        }
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed);
        for i in 0..800 {
            let state = rng.0;
            let m = mutate(&base, &anchors, &mut rng);
            let r = std::panic::catch_unwind(|| exercise(&m));
            let Ok(requests) = r else {
                panic!("{name}: mutation {i} (rng state {state:#x}) panicked");
            };
            total += 1;
            if requests > 0 {
                hashed += 1;
            }
        }
    }
    eprintln!("{total} mutated documents read without panic, {hashed} with digests compared");
    // Mutations that leave a signature's range intact must reach the digest comparison: a
    // run where none does compares nothing.
    assert!(
        hashed > 0,
        "no mutant of {total} had a well-formed byte range to hash"
    );
}

/// Hex digits of a signature's CMS changed in place: the PDF structure is untouched, so every
/// signature is still reported, and the CMS, certificate, CRL and timestamp parsers see the
/// damage. Nothing may panic, and a change inside the CMS never makes a failing signature pass.
///
/// The bases: two passing documents (signature timestamps; a DSS and a document timestamp),
/// whose mutations exercise the parsers, and every sample document with a failing signature
/// (hash failures, a broken signature value, the wrong key, a revoked and an expired signer,
/// an unknown root, SHA-1 without proof, no signing certificate), whose mutations land in the
/// failing signatures' CMS: each one is a check that damage never turns a failure into a pass.
#[test]
fn mutated_cms_never_panics_and_every_signature_is_still_reported() {
    use sigaudit::Indication;

    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/sample");
    let verifier = common::verifier(&sample.join("pki"), true);
    let passing = [("doc-000005.pdf", 11u64), ("doc-000006.pdf", 12)];
    let failing = [
        ("doc-000002.pdf", 13u64),
        ("doc-000004.pdf", 14),
        ("doc-000012.pdf", 15),
        ("doc-000013.pdf", 16),
        ("doc-000015.pdf", 17),
        ("doc-000023.pdf", 18),
        ("doc-000027.pdf", 19),
        ("doc-000030.pdf", 20),
        ("doc-000031.pdf", 21),
    ];
    let mut total = 0;
    let mut kept = 0;
    let mut failing_checked = 0;
    for (name, seed) in passing.iter().chain(&failing) {
        let base = std::fs::read(sample.join("docs").join(name)).unwrap();
        let doc = pdf::read(&base).unwrap();
        let original = verifier.verify(name, &base);
        let must_fail = failing.iter().any(|(n, _)| n == name);
        // The hex digits of each signature's /Contents; for a failing base, of its failing
        // signatures only.
        let spans: Vec<(usize, usize)> = doc
            .signatures
            .iter()
            .zip(&original.signatures)
            .filter(|(_, r)| !must_fail || r.indication != Indication::TotalPassed)
            .filter_map(|(s, _)| s.contents.as_ref())
            .map(|c| (c.span.start + 1, c.span.start + 1 + 2 * c.len))
            .collect();
        assert!(!spans.is_empty(), "{name}: no signature to mutate");
        let rounds = if must_fail { 120 } else { 300 };
        let mut rng = Rng(0xC0FF_EE00 ^ seed);
        for i in 0..rounds {
            let (start, end) = spans[rng.below(spans.len())];
            let pos = start + rng.below(end - start);
            let mut m = base.clone();
            let digit = b"0123456789abcdef"[rng.below(16)];
            if m[pos].eq_ignore_ascii_case(&digit) {
                continue;
            }
            m[pos] = digit;
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                verifier.verify(name, &m)
            }));
            let Ok(r) = r else {
                panic!("{name}: CMS mutation {i} at byte {pos} panicked");
            };
            assert_eq!(r.signatures.len(), original.signatures.len());
            for (a, b) in original.signatures.iter().zip(&r.signatures) {
                if a.indication != Indication::TotalPassed {
                    failing_checked += 1;
                    assert_ne!(
                        b.indication,
                        Indication::TotalPassed,
                        "{name}: mutation at {pos} made failing {} pass",
                        a.field
                    );
                }
            }
            kept += usize::from(r.status == original.status);
            total += 1;
        }
    }
    eprintln!(
        "{total} CMS mutations verified without panic ({kept} kept the document's status); \
         {failing_checked} checks that a failing signature stays failing"
    );
    assert!(
        failing_checked >= 1000,
        "{failing_checked} checks of failing signatures"
    );
}
