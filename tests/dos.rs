//! Denial of service: one regression test per attack on the reader's work budgets
//! (`src/pdf/limits.rs`). Each builds its hostile bytes here, asserts the specific error,
//! finding or sub-indication, and that `Verifier::verify` still produces the document's one
//! report (a bulk run goes on to the next document).
//!
//! Already covered elsewhere, not repeated here: an object stream bomb
//! (`tests/hostile.rs::object_stream_bomb`), 10,000-deep arrays in the signature dictionary,
//! catalog and trailer (`deep_nesting_is_bounded`), `/Prev` loops (`prev_loop_is_detected`),
//! `/Kids` loops (`kids_loop_is_detected`), a 96-hop reference chain
//! (`reference_chain_is_bounded`), more sections than the budget
//! (`xref_chain_longer_than_the_budget_is_an_error`), negative and out-of-file `/ByteRange`
//! values and one beyond i64 through the reader (`byte_range_out_of_bounds`), and a
//! `/ByteRange` past the end through `Verifier::verify`
//! (`tests/verify_hostile.rs::a_byte_range_reaching_past_the_end_is_a_format_failure_not_a_panic`).

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::pdf::{
    deflate, find_once, patch, seal, set_byte_range, sig_dict, Pdf, Row, BYTE_RANGE_SLOT, CONTENTS,
    XREF_ROW_BYTES,
};
use sigaudit::internals::digest::{self, Coverage, RangeProblem};
use sigaudit::internals::forensics;
use sigaudit::internals::pdf::{self, limits, Finding, ObjectId, PdfError};
use sigaudit::{DocumentReport, Integrity};
use sigaudit::{DocumentStatus, SubIndication};
use sigaudit::{ValidationTime, Verifier};

// ---------------------------------------------------------------------------------------------
// Building documents (`tests/common/pdf.rs`)
// ---------------------------------------------------------------------------------------------

/// The catalog (1), a page tree (2) and a signature field (4) whose `/V` is `v`, with `extra`
/// in the catalog. Nothing here needs a CMS that verifies; each attack is decided before the
/// signature value is looked at.
fn form(v: &str, extra: &str) -> Pdf {
    let mut w = Pdf::new();
    w.obj(
        1,
        &format!("<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> {extra} >>"),
    )
    .obj(2, "<< /Type /Pages /Kids [] /Count 0 >>")
    .obj(4, &format!("<< /FT /Sig /T (Signature1) /V {v} >>"));
    w
}

/// [`form`] with `/V 5 0 R` and its signature dictionary (object 5, `/ByteRange` not filled).
fn signed(extra: &str) -> Pdf {
    let mut w = form("5 0 R", extra);
    w.obj(5, &sig_dict(""));
    w
}

/// `zeros` zero bytes, deflated: about a thousandth of `zeros`.
fn zeros_deflated(zeros: usize) -> Vec<u8> {
    deflate(b"", zeros)
}

fn id(num: u32) -> ObjectId {
    ObjectId { num, gen: 0 }
}

/// `Verifier::verify` without trust anchors at 2026-07-01: every attack here is decided before
/// a certificate matters. Asserts the one report has the document's size.
fn verify(bytes: &[u8]) -> DocumentReport {
    let verifier = Verifier::builder()
        .validation_time(ValidationTime::parse_rfc3339("2026-07-01T00:00:00Z").unwrap())
        .build()
        .unwrap();
    let report = verifier.verify("dos.pdf", bytes);
    assert_eq!(report.bytes, bytes.len() as u64);
    serde_json::to_string(&report).expect("the report serialises");
    report
}

/// An `ERROR` report whose error is `err`'s message.
fn assert_error_report(report: &DocumentReport, err: &PdfError) {
    assert_eq!(report.status, DocumentStatus::Error, "{report:?}");
    assert_eq!(report.error.as_deref(), Some(err.to_string().as_str()));
    assert!(report.signatures.is_empty());
}

/// Runs `f`, asserting it took less than `limit` (a generous bound for a debug build on a
/// shared 2-core machine: the point is that the work is bounded, not how fast it is).
fn timed<T>(limit: Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took < limit, "took {took:?}, more than {limit:?}");
    out
}

// ---------------------------------------------------------------------------------------------
// Decompression bombs
// ---------------------------------------------------------------------------------------------

/// A cross-reference stream inflating past `MAX_DECODED_STREAM` from about 65 KB.
#[test]
fn xref_stream_bomb_is_a_decode_budget_error() {
    let bomb = zeros_deflated(limits::MAX_DECODED_STREAM + 1);
    assert!(bomb.len() < 100 << 10, "{} bytes", bomb.len());
    let mut w = signed("");
    let at = w.pos();
    w.stream(
        6,
        "/Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode",
        &bomb,
    )
    .startxref(at);
    let bytes = w.buf;
    let err = PdfError::DecodeBudget {
        id: id(6),
        limit: limits::MAX_DECODED_STREAM,
    };
    assert_eq!(pdf::read(&bytes).unwrap_err(), err);
    assert_error_report(&verify(&bytes), &err);
}

/// Five object streams of 60 MiB each, one signature field in each: together they exceed
/// `MAX_DECODED_TOTAL` (256 MiB), so the fifth one read is refused with what was left of the
/// budget.
#[test]
fn object_streams_past_the_total_decode_budget() {
    let each = 60 << 20;
    let streams = limits::MAX_DECODED_TOTAL / each + 1;
    let mut w = Pdf::new();
    let fields: Vec<String> = (0..streams).map(|i| format!("{} 0 R", 10 + i)).collect();
    w.obj(
        1,
        &format!(
            "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [{}] >> >>",
            fields.join(" ")
        ),
    )
    .obj(2, "<< /Type /Pages /Kids [] /Count 0 >>");
    for i in 0..streams {
        // Field 10 + i in object stream 20 + i, padded with zeros (white space) to `each`.
        let field = format!("{} 0 << /FT /Sig /T (F{i}) >>", 10 + i);
        let packed = deflate(field.as_bytes(), each - field.len());
        let header = format!("{} 0 ", 10 + i);
        let dict = format!(
            "/Type /ObjStm /N 1 /First {} /Filter /FlateDecode",
            header.len()
        );
        w.stream(20 + i as u32, &dict, &packed);
    }
    // Cross-reference stream: objects 0–2, fields 10.. compressed, streams 20.. in the file
    // (/Index [0 3 10 streams 20 streams+1], the last row the cross-reference stream's own).
    let mut rows = Vec::new();
    for n in 1..=2 {
        rows.push((n, Row::At(w.offsets[&n])));
    }
    for i in 0..streams as u32 {
        let stream = 20 + i;
        rows.push((10 + i, Row::InStream { stream, index: 0 }));
        rows.push((stream, Row::At(w.offsets[&stream])));
    }
    w.xref_stream(20 + streams as u32, &rows, "");
    let row_bytes = (rows.len() + 2) * XREF_ROW_BYTES;
    let bytes = w.buf;
    assert!(bytes.len() < 2 << 20, "{} bytes", bytes.len());

    // What is left once the cross-reference stream and the first object streams are decoded.
    let left = limits::MAX_DECODED_TOTAL - (streams - 1) * each - row_bytes;
    let err = PdfError::DecodeBudget {
        id: id(20 + streams as u32 - 1),
        limit: left,
    };
    assert_eq!(pdf::read(&bytes).unwrap_err(), err);
    assert_error_report(&verify(&bytes), &err);
}

/// A DSS CRL stream inflating past `MAX_DECODED_STREAM`: `pdf::stream_data` and
/// `pdf::dss_data` refuse it with the budget, and the document's signatures are still judged.
#[test]
fn dss_stream_bomb_is_refused() {
    let bomb = zeros_deflated(limits::MAX_DECODED_STREAM + 1);
    let mut w = signed("/DSS << /CRLs [7 0 R] >>");
    w.stream(7, "/Filter /FlateDecode", &bomb);
    w.table_all("");
    let bytes = w.sealed();
    let doc = pdf::read(&bytes).unwrap();
    assert_eq!(doc.signatures.len(), 1);
    let dss = doc.dss.as_ref().expect("the DSS is located");
    assert_eq!(dss.crls.len(), 1);
    let err = PdfError::DecodeBudget {
        id: id(7),
        limit: limits::MAX_DECODED_STREAM,
    };
    assert_eq!(pdf::stream_data(&bytes, &dss.crls[0]).unwrap_err(), err);
    let decoded = pdf::dss_data(&bytes, dss);
    assert!(decoded.crls.is_empty());
    assert_eq!(decoded.refused, vec![err]);
    let report = verify(&bytes);
    assert_eq!(report.signatures.len(), 1);
    // The signature is judged on its own (its CMS is not a SignedData), not lost to the DSS.
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::FormatFailure)
    );
}

/// One 1 MiB DSS stream referred to 10,000 times (six bytes each): located once, so it is
/// decoded and held once, not 10,000 times.
#[test]
fn dss_stream_listed_many_times_is_decoded_once() {
    let refs = "7 0 R ".repeat(10_000);
    let mut w = signed(&format!("/DSS << /CRLs [{refs}] /OCSPs [7 0 R 7 0 R] >>"));
    w.stream(7, "/Filter /FlateDecode", &zeros_deflated(1 << 20));
    w.table_all("");
    let bytes = w.sealed();
    let doc = pdf::read(&bytes).unwrap();
    let dss = doc.dss.as_ref().unwrap();
    assert_eq!(dss.crls.len(), 1);
    assert_eq!(dss.crls[0].object, id(7));
    assert_eq!(dss.ocsps.len(), 1);
    let decoded = pdf::dss_data(&bytes, dss);
    assert_eq!(decoded.crls.len(), 1);
    assert_eq!(decoded.crls[0].len(), 1 << 20);
    assert_eq!(verify(&bytes).signatures.len(), 1);
}

/// 99,000 distinct DSS OCSP streams of a few bytes each (a DSS array holds at most
/// `MAX_FIELDS`, 100,000): each stream not seen before is found again by part and object in
/// one probe when it is remembered for the documents after (regression: the list of such
/// streams was scanned once per decoded stream, some 5·10⁹ steps here).
#[test]
fn many_distinct_dss_streams_are_remembered_in_linear_time() {
    const N: u32 = 99_000;
    let refs: String = (0..N).map(|i| format!("{} 0 R ", 10 + i)).collect();
    let mut w = signed(&format!("/DSS << /OCSPs [{refs}] >>"));
    for i in 0..N {
        w.stream(
            10 + i,
            "/Filter /FlateDecode",
            &deflate(&i.to_be_bytes(), 8),
        );
    }
    w.table_all("");
    let bytes = w.sealed();
    let verifier = Verifier::builder()
        .validation_time(ValidationTime::parse_rfc3339("2026-07-01T00:00:00Z").unwrap())
        .build()
        .unwrap();
    let report = timed(Duration::from_secs(30), || {
        verifier.verify("dss.pdf", &bytes)
    });
    assert_eq!(report.signatures.len(), 1);
    let memo = verifier.cache_stats().dss_objects;
    assert_eq!(memo.misses, u64::from(N), "every stream was new: {memo:?}");
}

/// Five distinct DSS streams of 60 MiB each: within the per-stream budget, but together past
/// `MAX_DSS_DECODED` (256 MiB), so the fifth is refused with what was left.
#[test]
fn dss_streams_past_the_total_budget_are_refused() {
    let each = 60 << 20;
    let streams = limits::MAX_DSS_DECODED / each + 1;
    let bomb = zeros_deflated(each);
    let refs: Vec<String> = (0..streams).map(|i| format!("{} 0 R", 10 + i)).collect();
    let mut w = signed(&format!("/DSS << /CRLs [{}] >>", refs.join(" ")));
    for i in 0..streams {
        w.stream(10 + i as u32, "/Filter /FlateDecode", &bomb);
    }
    w.table_all("");
    let bytes = w.sealed();
    let doc = pdf::read(&bytes).unwrap();
    let decoded = pdf::dss_data(&bytes, doc.dss.as_ref().unwrap());
    assert_eq!(decoded.crls.len(), streams - 1);
    assert_eq!(
        decoded.refused,
        vec![PdfError::DecodeBudget {
            id: id(10 + streams as u32 - 1),
            limit: limits::MAX_DSS_DECODED - (streams - 1) * each,
        }]
    );
    drop(decoded);
    assert_eq!(verify(&bytes).signatures.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Deep nesting
// ---------------------------------------------------------------------------------------------

/// 100,000-deep arrays and dictionaries: the parser stops at `MAX_NESTING` (no stack
/// overflow), the signature dictionary holding them is reported and the report produced.
#[test]
fn nesting_100k_deep_is_cut_at_the_budget() {
    const DEPTH: usize = 100_000;
    let arrays = format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
    let dicts = format!("{}{}", "<</A".repeat(DEPTH), ">>".repeat(DEPTH));
    for deep in [arrays, dicts] {
        let mut w = form("5 0 R", "");
        w.obj(
            5,
            &format!("<< /Type /Sig {BYTE_RANGE_SLOT} /Contents {CONTENTS} /Deep {deep} >>"),
        );
        w.table_all("");
        let bytes = w.sealed();
        let first = find_once(&bytes, b"/Deep ") + "/Deep ".len();
        let step = if deep.starts_with('[') {
            1
        } else {
            "<</A".len()
        };
        let doc = timed(Duration::from_secs(10), || pdf::read(&bytes).unwrap());
        assert!(doc.signatures.is_empty());
        let nesting = PdfError::NestingTooDeep {
            offset: first + limits::MAX_NESTING * step,
        };
        assert_eq!(
            doc.findings[0],
            Finding::BadSignatureField {
                field: "Signature1".into(),
                reason: nesting.to_string(),
            }
        );
        let report = verify(&bytes);
        assert!(report.signatures.is_empty());
        assert_eq!(report.status, DocumentStatus::Indeterminate, "{report:?}");
    }

    // In the trailer: the file has no usable trailer, an ERROR report.
    let deep = format!("/Deep {}{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
    let mut w = signed("");
    w.table_all(&deep);
    let bytes = w.sealed();
    let first = find_once(&bytes, b"/Deep [") + "/Deep ".len();
    let err = PdfError::NestingTooDeep {
        offset: first + limits::MAX_NESTING,
    };
    assert_eq!(pdf::read(&bytes).unwrap_err(), err);
    assert_error_report(&verify(&bytes), &err);
}

/// A `/Contents` whose BER nests 100,000 constructed indefinite-length elements: the CMS
/// parser's nesting budget (asn1-rs, 50 levels) refuses it, a format failure.
#[test]
fn cms_nested_100k_deep_is_a_format_failure() {
    let mut der = Vec::new();
    for _ in 0..100_000 {
        der.extend_from_slice(&[0x30, 0x80]);
    }
    der.extend(std::iter::repeat_n(0u8, 200_000));
    let hex: String = der.iter().map(|b| format!("{b:02X}")).collect();
    assert!(sigaudit::internals::cms::parse(&der).is_err());
    let mut w = form("5 0 R", "");
    w.obj(
        5,
        &format!(
            "<< /Type /Sig /SubFilter /adbe.pkcs7.detached {BYTE_RANGE_SLOT} /Contents <{hex}> >>"
        ),
    );
    w.table_all("");
    // The range brackets the whole hex string.
    let bytes = w.sealed();
    let report = timed(Duration::from_secs(10), || verify(&bytes));
    assert_eq!(report.signatures.len(), 1);
    let s = &report.signatures[0];
    assert_eq!(s.integrity, Integrity::Malformed);
    assert_eq!(s.sub_indication, Some(SubIndication::FormatFailure));
}

// ---------------------------------------------------------------------------------------------
// Reference loops
// ---------------------------------------------------------------------------------------------

/// `/V 5 0 R` where object 5 is `6 0 R` and 6 is `5 0 R`: followed `MAX_INDIRECTION` times,
/// then the field is reported; a catalog that is such a loop is an error.
#[test]
fn reference_loops_are_cut_at_the_indirection_budget() {
    let mut w = form("5 0 R", "");
    w.obj(5, "6 0 R").obj(6, "5 0 R").table_all("");
    let bytes = w.buf;
    let doc = pdf::read(&bytes).unwrap();
    assert!(doc.signatures.is_empty());
    assert_eq!(
        doc.findings,
        vec![Finding::BadSignatureField {
            field: "Signature1".into(),
            reason: PdfError::IndirectionTooDeep { id: id(5) }.to_string(),
        }]
    );
    let report = verify(&bytes);
    assert!(report.signatures.is_empty());

    // /Root 7 0 R → 8 0 R → 7 0 R.
    let mut w = signed("");
    w.obj(7, "8 0 R").obj(8, "7 0 R").table_all("");
    let mut bytes = w.buf;
    patch(&mut bytes, "/Root 1 0 R", "/Root 7 0 R");
    let err = PdfError::IndirectionTooDeep { id: id(7) };
    assert_eq!(pdf::read(&bytes).unwrap_err(), err);
    assert_error_report(&verify(&bytes), &err);
}

/// Two streams whose `/Length` refers to each other: resolving one length parses the other
/// stream, whose length parses the first…: cut at the indirection budget, and the stream's end
/// found by `endstream` instead (a finding).
#[test]
fn stream_length_reference_loop_is_bounded() {
    let mut w = signed("/DSS << /CRLs [7 0 R 8 0 R] >>");
    w.stream_with_length(7, "", "8 0 R", b"crl one")
        .stream_with_length(8, "", "7 0 R", b"crl two")
        .table_all("");
    let bytes = w.sealed();
    let doc = timed(Duration::from_secs(10), || pdf::read(&bytes).unwrap());
    assert_eq!(doc.signatures.len(), 1);
    // The DSS is lost (its streams cannot be delimited), the signatures are not.
    assert!(doc.dss.is_none());
    let chain = PdfError::IndirectionTooDeep { id: id(8) }.to_string();
    assert_eq!(doc.findings, vec![Finding::BadDss { reason: chain }]);
    assert_eq!(verify(&bytes).signatures.len(), 1);
}

/// `/Parent` is never followed (fields are walked down from `/Fields` through `/Kids`), so a
/// `/Parent` loop costs nothing and the signature is found.
#[test]
fn parent_loop_is_not_followed() {
    // Field 4 is its own /Parent, and its kid's /Parent loops back to it.
    let mut w = form("5 0 R /Parent 4 0 R /Kids [6 0 R]", "");
    w.obj(5, &sig_dict(""))
        .obj(6, "<< /Parent 4 0 R /Kids [] >>")
        .table_all("");
    let bytes = w.sealed();
    let doc = pdf::read(&bytes).unwrap();
    assert_eq!(doc.signatures.len(), 1, "{:#?}", doc.findings);
    assert_eq!(doc.signatures[0].object, Some(id(5)));
    assert_eq!(verify(&bytes).signatures.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Huge /Length
// ---------------------------------------------------------------------------------------------

/// `/Length 99999999999999999999` (beyond i64) and a length past the end of the file, on the
/// cross-reference stream itself: the stream's end is found by `endstream`, reported as a
/// finding, and the document read as if the length were right.
#[test]
fn huge_stream_length_is_a_finding() {
    for length in ["99999999999999999999", "9223372036854775807", "4000000"] {
        let mut w = signed("");
        let at = w.pos();
        let mut rows = vec![0u8, 0, 0, 0, 0xff];
        for n in 1..=5 {
            let off = w.offsets.get(&n).copied().unwrap_or(0) as u32;
            rows.push(u8::from(off != 0));
            rows.extend_from_slice(&off.to_be_bytes());
        }
        rows.push(1);
        rows.extend_from_slice(&(at as u32).to_be_bytes());
        w.stream_with_length(
            6,
            "/Type /XRef /Size 7 /W [1 4 0] /Root 1 0 R",
            length,
            &rows,
        )
        .startxref(at);
        let bytes = w.sealed();
        assert!(bytes.len() < 4_000_000);
        let doc = pdf::read(&bytes).unwrap();
        assert!(!doc.recovered, "/Length {length}");
        assert_eq!(
            doc.findings,
            vec![Finding::StreamLength {
                object: "6 0 R".into()
            }],
            "/Length {length}"
        );
        assert_eq!(doc.signatures.len(), 1, "/Length {length}");
        let check = digest::check(&doc, &doc.signatures[0]);
        assert_eq!(check.coverage, Coverage::EntireFile, "/Length {length}");
        assert_eq!(verify(&bytes).signatures.len(), 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Millions of tiny objects
// ---------------------------------------------------------------------------------------------

/// `count` objects `n 0 obj null endobj` (numbers 6…) after a signed form, and a classic
/// table naming all of them when `with_table`, else a `startxref` pointing nowhere (so the
/// fallback scan finds them).
fn many_objects(count: u32, with_table: bool) -> Vec<u8> {
    let mut w = signed("");
    w.buf.reserve(count as usize * 40);
    for n in 6..6 + count {
        w.obj(n, "null");
    }
    if with_table {
        w.table_all("");
    } else {
        w.buf
            .extend_from_slice(b"trailer\n<< /Root 1 0 R >>\nstartxref\n1\n%%EOF\n");
    }
    w.sealed()
}

/// Hundreds of thousands of tiny objects with a table claiming them, then the same without a
/// usable table (the fallback scan): both are within the entry budgets (`MAX_XREF_ENTRIES`,
/// `MAX_SCANNED_OBJECTS`), so what must hold is that the work per object is constant. Four
/// times the objects may cost at most ten times the time (quadratic work would be sixteen),
/// and every read produces the signature and the report.
///
/// The sizes are the smallest that measure well in a debug build: two million objects (an
/// 84 MB file with its table) take about 9 s through the table and 15 s through the scan in a
/// debug build on a 2-core machine, too long for the suite.
#[test]
fn tiny_objects_cost_linear_time() {
    const N: u32 = 50_000;
    for with_table in [true, false] {
        let mut took = Vec::new();
        for count in [N, 4 * N] {
            let bytes = many_objects(count, with_table);
            let start = Instant::now();
            let doc = pdf::read(&bytes).unwrap();
            took.push(start.elapsed());
            assert_eq!(doc.signatures.len(), 1, "table: {with_table}");
            assert_eq!(doc.recovered, !with_table);
            assert_eq!(verify(&bytes).signatures.len(), 1);
        }
        assert!(
            took[1] < took[0] * 10,
            "table: {with_table}: {:?} for {N} objects, {:?} for {}",
            took[0],
            took[1],
            4 * N
        );
    }
}

/// A file whose chain is unusable, so it is scanned, holding a 100,000-key trailer and then
/// `markers` `%%EOF` lines: each marker ends a scanned segment (a revision). Up to
/// `MAX_XREF_SECTIONS` are read, in linear time and with the one trailer shared by every
/// segment after it (not copied per segment: 4,000 copies of 100,000 entries would take
/// gigabytes); more is `TooManyRevisions`, as for a chain.
fn eof_markers(markers: usize) -> Vec<u8> {
    let mut w = signed("");
    let keys: String = (0..100_000).map(|i| format!("/K{i} 0")).collect();
    write!(w.buf, "trailer\n<< /Root 1 0 R {keys} >>\nstartxref\n1\n").unwrap();
    w.buf.extend(b"%%EOF\n".repeat(markers));
    w.buf
}

/// Thousands of `%%EOF` markers in a scanned file: see [`eof_markers`].
#[test]
fn scanned_eof_markers_are_bounded_revisions() {
    let within = limits::MAX_XREF_SECTIONS - 1;
    let bytes = eof_markers(within);
    let doc = timed(Duration::from_secs(30), || pdf::read(&bytes).unwrap());
    assert!(doc.recovered);
    assert_eq!(doc.revisions.len(), within);
    assert_eq!(doc.signatures.len(), 1);
    assert_eq!(verify(&bytes).signatures.len(), 1);

    for markers in [limits::MAX_XREF_SECTIONS + 1, 200_000] {
        let bytes = eof_markers(markers);
        let err = timed(Duration::from_secs(30), || pdf::read(&bytes).unwrap_err());
        assert_eq!(err, PdfError::TooManyRevisions, "{markers} markers");
        assert_error_report(&verify(&bytes), &err);
    }
}

/// Claims past the entry budget: a table subsection of 10^9 entries (more than the file could
/// hold: a lie, the chain is unusable and the file scanned), a cross-reference stream whose
/// `/Size` is 10^9 (fewer entry bytes than announced) and one whose one-byte rows really
/// number `MAX_XREF_ENTRIES + 1` (from a few KB of Flate data: `TooManyObjects`).
#[test]
fn xref_size_of_a_billion_is_refused() {
    // Classic table claiming 10^9 entries.
    let mut w = signed("");
    w.table_all("");
    let mut bytes = w.buf;
    let head = find_once(&bytes, b"xref\n0 6\n");
    let tail = bytes.split_off(head + "xref\n0 6\n".len());
    bytes.truncate(head);
    // startxref still names the table: only what follows its `xref` keyword grows.
    bytes.extend_from_slice(b"xref\n0 1000000000\n");
    bytes.extend_from_slice(&tail);
    seal(&mut bytes);
    let doc = pdf::read(&bytes).unwrap();
    assert!(doc.recovered);
    assert!(
        matches!(&doc.findings[0], Finding::FallbackScan { reason } if reason.contains("claims 1000000000 entries")),
        "{:#?}",
        doc.findings
    );
    assert_eq!(doc.signatures.len(), 1);
    assert_eq!(verify(&bytes).signatures.len(), 1);

    // Cross-reference stream with /Size 10^9 and no /Index.
    let mut w = signed("");
    let at = w.pos();
    w.stream(
        6,
        "/Type /XRef /Size 1000000000 /W [1 4 0] /Root 1 0 R",
        &[0; 35],
    )
    .startxref(at);
    let bytes = w.sealed();
    let doc = pdf::read(&bytes).unwrap();
    assert!(doc.recovered);
    assert!(
        matches!(&doc.findings[0], Finding::FallbackScan { reason } if reason.contains("fewer entry bytes than /Index announces")),
        "{:#?}",
        doc.findings
    );
    assert_eq!(verify(&bytes).signatures.len(), 1);

    // One-byte rows (/W [0 1 0]), MAX_XREF_ENTRIES + 1 of them, deflated.
    let rows = limits::MAX_XREF_ENTRIES + 1;
    let packed = zeros_deflated(rows);
    assert!(packed.len() < 16 << 10);
    let mut w = signed("");
    let at = w.pos();
    w.stream(
        6,
        &format!("/Type /XRef /Size {rows} /W [0 1 0] /Root 1 0 R /Filter /FlateDecode"),
        &packed,
    )
    .startxref(at);
    let bytes = w.sealed();
    let err = timed(Duration::from_secs(10), || pdf::read(&bytes).unwrap_err());
    assert_eq!(err, PdfError::TooManyObjects);
    assert_error_report(&verify(&bytes), &err);
}

// ---------------------------------------------------------------------------------------------
// Gigantic /ByteRange values
// ---------------------------------------------------------------------------------------------

/// `/ByteRange` values beyond i64 (u64::MAX), negative, and i64::MAX values whose sums pass
/// usize: through `pdf::read`, `digest::check` and `Verifier::verify`, each is an unusable range
/// (no signed ranges, so nothing is hashed) and a format failure, never an allocation or a
/// panic.
#[test]
fn gigantic_byte_range_values_are_unusable_ranges() {
    let max = i64::MAX;
    let cases: [(String, RangeProblem); 5] = [
        (
            "0 18446744073709551615 18446744073709551615 1".into(),
            RangeProblem::Missing,
        ),
        (format!("0 {max} {max} {max}"), RangeProblem::OutOfBounds),
        (format!("0 1 {max} {max}"), RangeProblem::OutOfBounds),
        ("0 -1 -9223372036854775808 1".into(), RangeProblem::Negative),
        (format!("{max} {max} 0 1"), RangeProblem::NotFromStart),
    ];
    let mut w = signed("");
    w.table_all("");
    let base = w.sealed();
    for (text, problem) in cases {
        let mut bytes = base.clone();
        set_byte_range(&mut bytes, &text);
        let doc = pdf::read(&bytes).unwrap();
        assert_eq!(doc.signatures.len(), 1, "[{text}]");
        let check = digest::check(&doc, &doc.signatures[0]);
        assert!(
            check.problems.contains(&problem),
            "[{text}]: {:?}",
            check.problems
        );
        assert_eq!(check.coverage, Coverage::Unclear);
        assert_eq!(check.ranges, None);
        assert_eq!(check.signed_end, None);
        let report = verify(&bytes);
        let s = &report.signatures[0];
        assert_eq!(s.integrity, Integrity::Malformed, "[{text}]");
        assert_eq!(s.sub_indication, Some(SubIndication::FormatFailure));
        assert!(
            s.reason
                .as_deref()
                .unwrap()
                .starts_with("unusable /ByteRange"),
            "[{text}]: {:?}",
            s.reason
        );
        assert_eq!(report.status, DocumentStatus::TotalFailed);
    }
}

// ---------------------------------------------------------------------------------------------
// Revisions and the change analysis
// ---------------------------------------------------------------------------------------------

#[test]
fn thousands_of_revisions_sharing_a_huge_catalog_are_bounded() {
    // A 20,000-key catalog, then 1,000 empty updates: each earlier revision's form walk used
    // to copy the whole catalog (and trailer); now its entries are charged to the field
    // budget shared by those walks.
    let keys: String = (0..20_000).map(|i| format!("/K{i} {i} ")).collect();
    let mut pdf = signed(&keys);
    pdf.table_all("");
    for _ in 0..1_000 {
        pdf.table(&[], "");
    }
    let buf = pdf.buf;
    let doc = timed(Duration::from_secs(8), || pdf::read(&buf)).expect("reads");
    assert_eq!(doc.revisions.len(), 1_001);
    assert!(doc.findings.iter().any(|f| matches!(
        f,
        Finding::FindingsTruncated { of, .. } if of == "superseded_signature"
    )));
    let report = timed(Duration::from_secs(8), || verify(&buf));
    assert_eq!(report.signatures.len(), 1);
}

#[test]
fn thousands_of_overwritten_appearances_stay_within_the_lookup_budget() {
    // One update signs 2,000 signature fields and overwrites each one's appearance: finding
    // what else uses an appearance scans the signed bytes, so past the budget an overwritten
    // appearance is judged shared (forbidden), not scanned.
    const N: u32 = 2_000;
    let mut pdf = Pdf::new();
    let fields: String = (0..N).map(|i| format!("{} 0 R ", 10 + 2 * i)).collect();
    pdf.obj(
        1,
        &format!("<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [{fields}] >> >>"),
    )
    .obj(2, "<< /Type /Pages /Kids [] /Count 0 >>");
    for i in 0..N {
        let (f, ap) = (10 + 2 * i, 11 + 2 * i);
        pdf.obj(
            f,
            &format!(
                "<< /FT /Sig /T (S{i}) /Type /Annot /Subtype /Widget /Rect [0 0 1 1] \
                 /AP << /N {ap} 0 R >> >>"
            ),
        );
        pdf.stream(ap, "/Type /XObject /Subtype /Form /BBox [0 0 1 1]", b"0 g");
    }
    pdf.table_all("");
    // The update: a signature dictionary, then every field signed and its appearance redrawn.
    let sig = 10 + 2 * N + 1;
    pdf.obj(
        sig,
        "<< /Type /Sig /ByteRange [0 1 2 3] /Contents <30030201> >>",
    );
    let mut update = vec![sig];
    for i in 0..N {
        let (f, ap) = (10 + 2 * i, 11 + 2 * i);
        pdf.obj(
            f,
            &format!(
                "<< /FT /Sig /T (S{i}) /Type /Annot /Subtype /Widget /Rect [0 0 1 1] \
                 /AP << /N {ap} 0 R >> /V {sig} 0 R >>"
            ),
        );
        pdf.stream(ap, "/Type /XObject /Subtype /Form /BBox [0 0 1 1]", b"1 g");
        update.extend([f, ap]);
    }
    pdf.table(&update, "");
    let buf = pdf.buf;
    let (doc, changes) =
        timed(Duration::from_secs(20), || forensics::examine(&buf)).expect("reads");
    let (m, findings) = forensics::evaluate(&doc, &changes, 1);
    assert_eq!(m, sigaudit::Modifications::Forbidden);
    let f = findings
        .iter()
        .find(|f| f.detail.contains("analysis budget"))
        .expect("the budget is named");
    assert_eq!(f.kind, sigaudit::FindingKind::ShadowReplace);
    // Within the budget the appearances were checked and found unshared: exactly the ones
    // past it are forbidden.
    assert_eq!(f.objects.len(), N as usize - limits::MAX_CHANGE_LOOKUPS);
}

/// A signed file (objects 1, 2, 4, 5 and 200 information dictionaries 6..206), then `updates`
/// incremental updates that each re-list every object in their table. The update numbered
/// `rewrite` (0-based), if any, first writes object 6 anew with different content, and its
/// table and the later ones list the new copy.
fn relisting_updates(updates: usize, rewrite: Option<usize>) -> Vec<u8> {
    let mut pdf = signed("");
    for n in 6..206 {
        pdf.obj(n, "<< /Producer (x) >>");
    }
    pdf.table_all("");
    pdf.seal();
    // Every object written (3 never is), at its latest offset in each update's table.
    let every: Vec<u32> = pdf.offsets.keys().copied().collect();
    for u in 0..updates {
        if rewrite == Some(u) {
            pdf.obj(6, "<< /Producer (y) >>");
        }
        pdf.table(&every, "");
    }
    pdf.buf
}

#[test]
fn a_thousand_updates_relisting_every_object_change_nothing() {
    // Writers that rewrite the whole table in each update: every entry of every update is
    // compared with the view before it (kept revision by revision, one probe per entry), and
    // an entry that still points where it did is no change.
    let buf = relisting_updates(1_000, None);
    let (doc, changes) =
        timed(Duration::from_secs(10), || forensics::examine(&buf)).expect("reads");
    assert_eq!(doc.revisions.len(), 1_001);
    // One diff per update (revisions 2..=1001), and nothing after the last %%EOF.
    assert_eq!(
        changes.iter().map(|d| d.revision).collect::<Vec<_>>(),
        (2..=1_001).collect::<Vec<_>>()
    );
    assert!(
        changes.iter().all(|d| d.changes.is_empty()),
        "nothing changes"
    );
    assert_eq!(
        forensics::evaluate(&doc, &changes, 1),
        (sigaudit::Modifications::Permitted, Vec::new())
    );
}

#[test]
fn a_thousand_relisting_updates_one_rewriting_an_object_report_that_one_change() {
    // The same thousand whole-table updates, but update 500 (revision 502) writes object 6
    // anew with other content: that one change is found among the unchanged re-listings,
    // and the later updates, which list the new copy, change nothing.
    let buf = relisting_updates(1_000, Some(500));
    let (doc, changes) =
        timed(Duration::from_secs(10), || forensics::examine(&buf)).expect("reads");
    assert_eq!(doc.revisions.len(), 1_001);
    assert_eq!(
        changes.iter().map(|d| d.revision).collect::<Vec<_>>(),
        (2..=1_001).collect::<Vec<_>>()
    );
    let changed: Vec<_> = changes
        .iter()
        .flat_map(|d| d.changes.iter().map(move |c| (d.revision, c)))
        .collect();
    assert_eq!(changed.len(), 1, "changes: {changed:#?}");
    let (revision, change) = changed[0];
    assert_eq!(revision, 502);
    assert_eq!(change.object, Some(6));
    // An information dictionary: metadata, which a signature permits.
    assert_eq!(change.class, forensics::ChangeClass::Metadata, "{change:?}");
    assert_eq!(
        forensics::evaluate(&doc, &changes, 1),
        (sigaudit::Modifications::Permitted, Vec::new())
    );
}
