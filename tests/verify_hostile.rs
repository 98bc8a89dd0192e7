//! Regressions on hostile or damaged input to `verify_document`, each with its bytes built here
//! from the sample's valid six-signature document.

mod common;

use std::path::Path;

use sigaudit::{DocumentReport, Integrity};
use sigaudit::{DocumentStatus, Indication, SubIndication};

fn sample(p: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/sample")
        .join(p)
}

fn run(bytes: &[u8]) -> DocumentReport {
    let verifier = common::verifier(&sample("pki"), true);
    verifier.verify("doc", bytes)
}

fn valid() -> Vec<u8> {
    std::fs::read(sample("docs/doc-000001.pdf")).unwrap()
}

#[test]
fn the_valid_base_document_passes() {
    let r = run(&valid());
    assert_eq!(r.status, DocumentStatus::TotalPassed);
    assert_eq!(r.signatures.len(), 6);
}

/// An update cut off after the signed revisions (it would redefine a page): the signatures
/// of the intact revisions keep their verdicts, and the document fails for the update a
/// lenient reader would apply (it used to be an ERROR with no verdict at all).
#[test]
fn a_cut_off_update_keeps_the_signatures_and_fails_the_document() {
    let mut b = valid();
    b.extend_from_slice(b"\n40 0 obj\n<< /Type /Page /Contents 41 0 R");
    let r = run(&b);
    assert_eq!(r.status, DocumentStatus::TotalFailed, "{r:?}");
    assert_eq!(r.signatures.len(), 6);
    assert!(r
        .signatures
        .iter()
        .all(|s| s.indication == Indication::TotalPassed));
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == sigaudit::FindingKind::UnreachableUpdate),
        "{:?}",
        r.findings
    );
}

#[test]
fn appended_junk_is_reported_by_coverage_not_as_damage() {
    let mut b = valid();
    b.extend_from_slice(b"\n\x00\x01 some junk \xff\n");
    let r = run(&b);
    assert_eq!(r.status, DocumentStatus::TotalPassed);
    assert_eq!(r.signatures.len(), 6, "every signature is still reported");
    assert!(r.signatures.iter().all(|s| !s.covers_whole_file));
}

/// Overwrites the hex digits of signature `n`'s /Contents with `digit`.
fn overwrite_contents(b: &mut [u8], n: usize, digit: u8) {
    let doc = sigaudit::internals::pdf::read(b).unwrap();
    let c = doc.signatures[n].contents.as_ref().unwrap();
    for x in &mut b[c.span.start + 1..c.span.end - 1] {
        *x = digit;
    }
}

#[test]
fn garbage_cms_is_a_format_failure_and_breaks_only_the_signatures_covering_it() {
    let mut b = valid();
    overwrite_contents(&mut b, 2, b'f');
    let r = run(&b);
    // Six signatures: two before the damaged one, three after it.
    assert_eq!(r.signatures.len(), 6, "every signature is still reported");
    let s = &r.signatures[2];
    assert_eq!(s.integrity, Integrity::Malformed);
    assert_eq!(s.sub_indication, Some(SubIndication::FormatFailure));
    assert_eq!(r.status, DocumentStatus::TotalFailed);
    // Earlier signatures do not cover the damaged bytes; later ones do (each update signs
    // everything before it), so they see a changed document.
    for s in &r.signatures[..2] {
        assert_eq!(s.indication, Indication::TotalPassed, "{}", s.field);
    }
    for s in &r.signatures[3..] {
        assert_eq!(
            s.sub_indication,
            Some(SubIndication::HashFailure),
            "{}",
            s.field
        );
        assert_eq!(s.integrity, Integrity::HashMismatch);
    }
}

#[test]
fn an_all_zero_contents_is_a_format_failure() {
    let mut b = valid();
    overwrite_contents(&mut b, 0, b'0');
    let r = run(&b);
    assert_eq!(
        r.signatures[0].sub_indication,
        Some(SubIndication::FormatFailure)
    );
    assert_eq!(r.signatures[0].integrity, Integrity::Malformed);
}

/// A `/ByteRange` whose last length reaches past the end (its gap still exactly the
/// `/Contents`): the bytes it claims are not in the file, so the signature fails as a hash
/// failure — no panic, no format guess.
#[test]
fn a_byte_range_reaching_past_the_end_is_a_hash_failure_not_a_panic() {
    let mut b = valid();
    let doc = sigaudit::internals::pdf::read(&b).unwrap();
    let br = doc.signatures[5].byte_range.clone().unwrap();
    // Rewrite the last length with a huge number of the same width.
    let text = format!("{}", br[3]);
    let at = memchr::memmem::rfind(&b, format!(" {} ", br[2]).as_bytes()).unwrap()
        + 1
        + format!("{} ", br[2]).len();
    assert_eq!(&b[at..at + text.len()], text.as_bytes());
    for x in &mut b[at..at + text.len()] {
        *x = b'9';
    }
    let r = run(&b);
    let s = &r.signatures[5];
    assert_eq!(s.sub_indication, Some(SubIndication::HashFailure), "{s:?}");
    assert_eq!(s.integrity, Integrity::HashMismatch);
    assert!(s
        .reason
        .as_deref()
        .unwrap()
        .contains("past the end of the file"));
    assert_eq!(r.status, DocumentStatus::TotalFailed);
}

/// A signature timestamp whose TSA certificate has no revocation data proves nothing (under
/// the default policy); with the root's CRL it does.
#[test]
fn a_timestamp_without_tsa_revocation_data_is_not_a_proof_of_existence() {
    let pki = sample("pki");
    let doc = std::fs::read(sample("docs/doc-000005.pdf")).unwrap();
    let with = |crls: Vec<std::path::PathBuf>| {
        let material = sigaudit::load::TrustMaterial::read(
            &[pki.join("roots")],
            &[pki.join("intermediates")],
            &crls,
            &[] as &[std::path::PathBuf],
        )
        .unwrap();
        let verifier = material
            .builder()
            .validation_time(
                sigaudit::ValidationTime::parse_rfc3339("2026-07-01T00:00:00Z").unwrap(),
            )
            .build()
            .unwrap();
        verifier.verify("doc-000005", &doc)
    };
    let all = with(vec![pki.join("crls")]);
    let ts = all.signatures[0]
        .timestamp
        .as_ref()
        .expect("a signature timestamp");
    assert!(ts.valid, "{ts:?}");
    // Only the issuing CAs' CRLs: the TSA (issued by the root) has none.
    let cas_only = with(vec![
        pki.join("crls/ca-personal.crl"),
        pki.join("crls/ca-organisation.crl"),
    ]);
    let ts = cas_only.signatures[0].timestamp.as_ref().unwrap();
    assert!(!ts.valid);
    assert!(
        ts.reason.as_deref().unwrap().contains("TSA certificate"),
        "{ts:?}"
    );
    // The signatures themselves still pass: their signers' revocation data is there.
    assert_eq!(cas_only.status, DocumentStatus::TotalPassed);
}

/// A SubFilter sigaudit does not know is outside the validation policy (INDETERMINATE,
/// SIG_CONSTRAINTS_FAILURE), not a broken signature.
#[test]
fn an_unknown_subfilter_is_indeterminate_not_failed() {
    let mut b = valid();
    let at = memchr::memmem::rfind(&b, b"/adbe.pkcs7.detached").expect("the last signature's");
    b[at + 1..at + 20].copy_from_slice(b"x.unknown.subfilter");
    let r = run(&b);
    let s = r.signatures.last().unwrap();
    assert_eq!(s.subfilter.as_deref(), Some("x.unknown.subfilter"));
    assert_eq!(s.indication, Indication::Indeterminate);
    assert_eq!(s.sub_indication, Some(SubIndication::SigConstraintsFailure));
    assert_eq!(s.integrity, Integrity::Unsupported);
    assert_eq!(r.status, DocumentStatus::Indeterminate);
}
