//! The bodies of the cargo-fuzz targets in `fuzz/`, shared with `tests/fuzz_replay.rs` so that
//! `cargo test` replays the committed corpus and every crash artifact through exactly the code
//! the fuzzer ran. Not part of the API: each function only drives the library and panics where
//! the library broke a promise (for `verify`, one report of the right size).

use crate::cms;
use crate::digest::{self, DigestAlgorithm, Request};
use crate::pdf;
use crate::report::DocumentReport;
use crate::revocation::{Crl, OcspResponse};
use crate::validate::{ValidationTime, Verifier};

/// `pdf::read`, then every signature's `/Contents` and `/ByteRange`: the range checks and one
/// pass of SHA-256 over each well-formed range, compared with the naive digests.
pub fn pdf_read(data: &[u8]) {
    let Ok(doc) = pdf::read(data) else { return };
    let mut requests = Vec::new();
    for sig in &doc.signatures {
        if let Some(c) = &sig.contents {
            assert_eq!(c.bytes.len(), c.len, "Contents::len is bytes.len()");
            assert!(c.span.end <= data.len(), "/Contents span inside the file");
        }
        if let Some(ranges) = digest::check(&doc, sig).ranges {
            assert!(ranges.end <= data.len(), "signed ranges inside the file");
            requests.push(Request {
                algorithm: DigestAlgorithm::Sha256,
                ranges,
            });
        }
    }
    let (one, _) = digest::one_pass(data, &requests);
    let (naive, _) = digest::naive(data, &requests);
    assert!(one
        .iter()
        .map(AsRef::as_ref)
        .eq(naive.iter().map(AsRef::as_ref)));
}

/// The cross-reference chain and object streams, every object resolved.
pub fn xref(data: &[u8]) {
    pdf::fuzzing::xref_and_objstm(data);
}

/// `cms::parse` and, when it parses, every accessor the verifier uses: signed attributes,
/// unsigned values (timestamp tokens parsed as CMS in turn) and the TSTInfo of any eContent.
pub fn cms(data: &[u8]) {
    cms_once(data, true);
}

fn cms_once(data: &[u8], nested: bool) {
    let Ok(sd) = cms::parse(data) else { return };
    if let Some(content) = &sd.content {
        let _ = cms::parse_tst_info(content);
    }
    for si in &sd.signer_infos {
        if let Some(set) = si.signed_attrs_to_verify() {
            assert_eq!(
                set.first(),
                Some(&0x31),
                "signed attributes re-tagged as a SET"
            );
        }
        for oid in [
            cms::oid::CONTENT_TYPE,
            cms::oid::MESSAGE_DIGEST,
            cms::oid::SIGNING_TIME,
            cms::oid::SIGNING_CERTIFICATE,
            cms::oid::SIGNING_CERTIFICATE_V2,
            cms::oid::ALGORITHM_PROTECTION,
            cms::oid::REVOCATION_ARCHIVAL,
        ] {
            let (first, n) = si.signed_attr(oid);
            assert!(first.is_none() || n > 0, "a value without an attribute");
            if let Some(v) = first {
                let _ = (v.octets(), v.oid(), v.time(), v.items());
            }
        }
        for token in si.unsigned_values(cms::oid::SIGNATURE_TIMESTAMP) {
            // A token is a SignedData in turn; one level is what the verifier reads.
            if nested {
                cms_once(token.raw, false);
            }
        }
    }
}

/// `Crl::parse` and `OcspResponse::parse` on the same bytes, and what `--online` does with a
/// fetched body: the light CRL and OCSP time readers (which must agree with the full parses)
/// and the certificate extraction of caIssuers bodies (DER, PEM, certs-only PKCS #7).
pub fn crl_ocsp(data: &[u8]) {
    let times = crate::revocation::crl_times(data);
    if let Ok(crl) = Crl::parse(data) {
        assert!(
            crl.revoked.len() <= data.len(),
            "no more serials than bytes"
        );
        assert_eq!(times, Some((crl.this_update, crl.next_update)), "crl_times");
    }
    let _ = crate::revocation::ocsp_times(data);
    if let Ok(certs) = crate::fetch::certificates_from(data) {
        let total: usize = certs.iter().map(Vec::len).sum();
        assert!(
            total <= data.len() * 2,
            "no more certificate bytes than input"
        );
    }
    if let Ok(r) = OcspResponse::parse(data) {
        assert!(
            r.responses.len() <= data.len(),
            "no more responses than bytes"
        );
    }
}

/// The validation time of the `verify` target: the generated corpora's (2026-07-01T00:00:00Z).
const VERIFY_AT: i64 = 1_782_864_000;

/// `Verifier::verify` with fresh caches (so an input's outcome never depends on the inputs
/// before it) and without the verifier's panic guard (a panic is what the fuzzer looks for):
/// exactly one report, of the input's size, that serialises.
pub fn verify(data: &[u8]) -> DocumentReport {
    let verifier = Verifier::builder()
        .validation_time(ValidationTime::from_unix(VERIFY_AT))
        .build()
        .expect("a verifier without trust material builds");
    let report = verifier.verify_unguarded("fuzz.pdf", data);
    assert_eq!(report.bytes, data.len() as u64, "the report's byte count");
    assert_eq!(report.name, "fuzz.pdf");
    serde_json::to_string(&report).expect("the report serialises");
    report
}

/// A shard's report as `sigaudit merge` reads it (untrusted bytes from many machines):
/// `merge::fuzz_report` runs pass 1 on the bytes in both orders and pass 2's keying of every
/// line and, when pass 1 takes the report, the set check and the merged summary, asserting
/// the merge's promises (both orders take or refuse a report alike, but for duplicates by
/// their own key; pass 2 keys every line pass 1 took; every document counted under its
/// status; the merged summary serialises).
pub fn report_lines(data: &[u8]) {
    crate::merge::fuzz_report(data);
}
