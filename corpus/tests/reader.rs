//! sigaudit's reader and digest stage on generated corpora: every signature the manifest lists
//! is found (field, /SubFilter, /ByteRange, revision, whole-file coverage), unreadable files
//! are errors, and one-pass digests equal the naive ones for every signature.

mod common;

use std::path::Path;

use sigaudit::internals::digest::{self, Coverage, DigestAlgorithm, Request};
use sigaudit::internals::pdf::{self, PdfError};
use sigaudit_corpus::cases::Profile;
use sigaudit_corpus::manifest::Document;

#[derive(Default, Debug)]
struct Tally {
    documents: usize,
    signatures: usize,
    naive_bytes: u64,
    one_pass_bytes: u64,
}

fn check_corpus(dir: &Path, manifest: &[Document]) -> Tally {
    let mut t = Tally::default();
    for m in manifest {
        let bytes = std::fs::read(dir.join(&m.name)).unwrap();
        let read = pdf::read(&bytes);
        match m.case.as_str() {
            "empty_file" => {
                assert_eq!(read.unwrap_err(), PdfError::Empty, "{}", m.name);
                continue;
            }
            "not_pdf" => {
                assert_eq!(read.unwrap_err(), PdfError::NotPdf, "{}", m.name);
                continue;
            }
            // Cut inside a revision: the last startxref found is an earlier revision's (or
            // none), so nothing can be read, or the structure is recovered, or the bytes of
            // the cut revision are reported as trailing — never a clean document.
            "truncated" => {
                if let Ok(doc) = read {
                    assert!(
                        doc.recovered
                            || doc
                                .findings
                                .iter()
                                .any(|f| matches!(f, pdf::Finding::TrailingBytes { .. })),
                        "{}: truncated yet clean: {:?}",
                        m.name,
                        doc.findings
                    );
                    let checks: Vec<_> = doc
                        .signatures
                        .iter()
                        .map(|s| digest::check(&doc, s))
                        .collect();
                    assert!(
                        checks.iter().all(|c| c.coverage != Coverage::EntireFile),
                        "{}: a truncated file cannot be entirely covered",
                        m.name
                    );
                }
                continue;
            }
            _ => {}
        }
        let doc = read.unwrap_or_else(|e| panic!("{}: {e}", m.name));
        t.documents += 1;
        assert!(!doc.recovered, "{}: {:?}", m.name, doc.findings);
        if m.case == "unreachable_update" {
            // The bytes after the signed revision are no revision of the startxref chain: they
            // are reported as trailing.
            assert!(
                doc.findings
                    .iter()
                    .any(|f| matches!(f, pdf::Finding::TrailingBytes { .. })),
                "{}: {:?}",
                m.name,
                doc.findings
            );
            assert_eq!(doc.revisions.len() + 1, m.revisions as usize, "{}", m.name);
        } else {
            assert!(doc.findings.is_empty(), "{}: {:?}", m.name, doc.findings);
            assert_eq!(doc.revisions.len(), m.revisions as usize, "{}", m.name);
        }
        assert_eq!(doc.signatures.len(), m.signatures.len(), "{}", m.name);
        let mut requests = Vec::new();
        for (n, (want, got)) in m.signatures.iter().zip(&doc.signatures).enumerate() {
            // The last signature's dictionary is the attack in these cases.
            let attacked = n + 1 == m.signatures.len()
                && matches!(m.case.as_str(), "signature_wrapping" | "universal_forgery");
            assert_eq!(got.field, want.field, "{}", m.name);
            assert_eq!(got.sub_filter.as_deref(), Some(want.subfilter.as_str()));
            let br: Vec<i64> = want.byte_range.iter().map(|&x| x as i64).collect();
            assert_eq!(
                got.byte_range.as_ref(),
                Some(&br),
                "{} {}",
                m.name,
                want.field
            );
            assert_eq!(
                got.revision, want.revision as usize,
                "{} {}",
                m.name, want.field
            );
            let contents = got.contents.as_ref().expect("/Contents");
            let check = digest::check(&doc, got);
            if attacked {
                // Wrapped: the DER without its padding; forged: zeros.
                assert!(contents.hex);
                if m.case == "signature_wrapping" {
                    assert!(contents.padding == 0 && contents.bytes[0] == 0x30);
                } else {
                    assert!(contents.bytes.iter().all(|&b| b == 0));
                }
            } else {
                assert!(contents.hex && contents.padding > 0 && contents.bytes[0] == 0x30);
                assert!(
                    check.problems.is_empty(),
                    "{} {}: {check:?}",
                    m.name,
                    want.field
                );
            }
            assert_eq!(check.covers_whole_file, want.covers_whole_file);
            let expected = if want.covers_whole_file {
                Coverage::EntireFile
            } else {
                Coverage::EntireRevision
            };
            if attacked && m.case == "signature_wrapping" {
                // The gap is more than the /Contents string: coverage is not claimed.
                assert_ne!(check.coverage, expected, "{} {}", m.name, want.field);
            } else {
                assert_eq!(check.coverage, expected, "{} {}", m.name, want.field);
            }
            requests.push(Request {
                algorithm: match want.digest.as_str() {
                    "sha1" => DigestAlgorithm::Sha1,
                    _ => DigestAlgorithm::Sha256,
                },
                ranges: check.ranges.unwrap(),
            });
        }
        let tail = digest::unsigned_tail(
            &doc,
            &doc.signatures
                .iter()
                .map(|s| digest::check(&doc, s))
                .collect::<Vec<_>>(),
        );
        assert_eq!(
            tail.is_some(),
            matches!(
                m.case.as_str(),
                "modified_after_signing"
                    | "shadow_hide"
                    | "shadow_replace"
                    | "shadow_hide_and_replace"
                    | "unreachable_update"
                    | "certification_violation"
                    | "field_lock_violation"
            ),
            "{}: unsigned tail {tail:?}",
            m.name
        );
        let (naive, ns) = digest::naive(&bytes, &requests);
        let (one, os) = digest::one_pass(&bytes, &requests);
        assert_eq!(naive.len(), requests.len(), "{}: naive digests", m.name);
        assert_eq!(one.len(), requests.len(), "{}: one-pass digests", m.name);
        for (a, b) in naive.iter().zip(&one) {
            assert_eq!(a.as_ref(), b.as_ref(), "{}", m.name);
        }
        t.signatures += requests.len();
        t.naive_bytes += ns.bytes_hashed;
        t.one_pass_bytes += os.bytes_hashed;
    }
    t
}

#[test]
fn committed_sample_is_read_exactly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample");
    let manifest = common::read_manifest(&dir);
    let t = check_corpus(&dir, &manifest);
    eprintln!("sample: {t:?}");
    assert!(t.documents >= 25 && t.signatures >= 150, "{t:?}");
}

#[test]
fn generated_mixed_corpus_with_attachments_is_read_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::config(dir.path(), 150, 303, Profile::Mixed, "0,64K,1M");
    let manifest = common::generate_into(&config);
    let styles: std::collections::BTreeSet<_> =
        manifest.iter().filter_map(|m| m.xref.clone()).collect();
    assert_eq!(styles.len(), 3, "every xref style is exercised: {styles:?}");
    let t = check_corpus(dir.path(), &manifest);
    eprintln!("generated: {t:?}");
    assert!(t.documents >= 130, "{t:?}");
    assert!(
        t.one_pass_bytes * 2 < t.naive_bytes,
        "one pass hashes far less: {t:?}"
    );
}
