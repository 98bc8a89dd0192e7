//! Hostile inputs, one regression test per attack. Every document is assembled here, in
//! memory, by the tests' PDF builder (`tests/common/pdf.rs`), which records each object's
//! offset so the cross-reference entries are exact; a test then damages one thing and asserts
//! the typed error, the finding or the byte-range problem that names the attack (and, where
//! the reader works around it, that the valid signature next to the damage is still found).

mod common;

use std::collections::BTreeMap;

use common::pdf::{
    contents_span, deflate, find_once, padded, patch, set_byte_range, Pdf, Row, BYTE_RANGE_SLOT,
    CONTENTS,
};
use sigaudit::internals::digest::{self, Coverage, DigestAlgorithm, RangeProblem, Request};
use sigaudit::internals::pdf::{self, limits, Document, Finding, ObjectId, PdfError};

// ---------------------------------------------------------------------------------------------
// Building documents
// ---------------------------------------------------------------------------------------------

/// A signature dictionary with the byte-range slot, the given `/Contents` entries and `extra`.
fn sig_dict_with(contents: &str, extra: &str) -> String {
    format!(
        "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached \
         {BYTE_RANGE_SLOT} {contents} /M (D:20240102030405Z) {extra}>>"
    )
}

/// The baseline's signature dictionary: one `/Contents`, a signing time.
fn base_sig_dict() -> String {
    sig_dict_with(&format!("/Contents {CONTENTS}"), "")
}

/// Catalog, page tree, one page, a signature field (object 4) and its signature dictionary
/// (object 5).
fn base_objects() -> Vec<(u32, String)> {
    vec![
        (
            1,
            "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> >>".into(),
        ),
        (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into()),
        (
            3,
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [4 0 R] >>".into(),
        ),
        (
            4,
            "<< /FT /Sig /T (Signature1) /V 5 0 R /Type /Annot /Subtype /Widget \
             /Rect [0 0 0 0] /F 132 /P 3 0 R >>"
                .into(),
        ),
        (5, base_sig_dict()),
    ]
}

/// Replace the body of object `num` in `objs`.
fn with(mut objs: Vec<(u32, String)>, num: u32, body: impl Into<String>) -> Vec<(u32, String)> {
    let body = body.into();
    match objs.iter_mut().find(|(n, _)| *n == num) {
        Some(slot) => slot.1 = body,
        None => objs.push((num, body)),
    }
    objs
}

/// One revision with a classic table covering objects 0..=max, not yet sealed; also returns
/// the table's offset.
fn unsealed(objs: &[(u32, String)], trailer_extra: &str) -> (Pdf, usize) {
    let mut w = Pdf::new();
    for (n, body) in objs {
        w.obj(*n, body);
    }
    let xref = w.table_all(trailer_extra);
    (w, xref)
}

/// One revision with a classic table, sealed.
fn single(objs: &[(u32, String)]) -> Vec<u8> {
    unsealed(objs, "").0.sealed()
}

/// The valid baseline.
fn baseline() -> Vec<u8> {
    single(&base_objects())
}

/// A file with a cross-reference stream (object 7) instead of a table, whose signature field
/// (object 4) sits in a Flate object stream (object 6) whose decoded data ends in `padding`
/// zero bytes (zero is PDF white space). The signature dictionary (object 5) is in the file,
/// sealed like the baseline's.
fn xref_stream_pdf(padding: usize) -> Pdf {
    let objs = base_objects();
    let mut w = Pdf::new();
    for (n, body) in objs.iter().filter(|o| o.0 != 4) {
        w.obj(*n, body);
    }
    let header = "4 0 ";
    let packed = deflate(format!("{header}{}", objs[3].1).as_bytes(), padding);
    w.stream(
        6,
        &format!(
            "/Type /ObjStm /N 1 /First {} /Filter /FlateDecode",
            header.len()
        ),
        &packed,
    );
    let mut rows: Vec<(u32, Row)> = [1, 2, 3, 5, 6]
        .iter()
        .map(|&n| (n, Row::At(w.offsets[&n])))
        .collect();
    rows.push((
        4,
        Row::InStream {
            stream: 6,
            index: 0,
        },
    ));
    w.xref_stream(7, &rows, "");
    w.seal();
    w
}

/// The bytes of [`xref_stream_pdf`].
fn xref_stream_file(padding: usize) -> Vec<u8> {
    xref_stream_pdf(padding).buf
}

// ---------------------------------------------------------------------------------------------
// Helpers for assertions
// ---------------------------------------------------------------------------------------------

fn read_ok(bytes: &[u8]) -> Document {
    match pdf::read(bytes) {
        Ok(doc) => doc,
        Err(e) => panic!("read failed: {e} ({e:?})"),
    }
}

fn id(num: u32) -> ObjectId {
    ObjectId { num, gen: 0 }
}

/// The document has exactly one signature, the one in field `Signature1`, object 5.
fn assert_one_signature(doc: &Document) {
    assert_eq!(doc.signatures.len(), 1, "signatures: {:#?}", doc.signatures);
    let s = &doc.signatures[0];
    assert_eq!(s.field, "Signature1");
    assert_eq!(s.field_object, Some(id(4)));
    assert_eq!(s.object, Some(id(5)));
}

/// Read, check every signature and hash every well-formed range: none of it may panic, and the
/// one-pass digests must equal the naive ones. Returns the number of requests compared.
fn exercise(bytes: &[u8]) -> usize {
    let Ok(doc) = pdf::read(bytes) else { return 0 };
    let mut requests = Vec::new();
    for sig in &doc.signatures {
        let check = digest::check(&doc, sig);
        if let Some(ranges) = check.ranges {
            requests.push(Request {
                algorithm: DigestAlgorithm::Sha256,
                ranges,
            });
        }
    }
    let (a, _) = digest::one_pass(bytes, &requests);
    let (b, _) = digest::naive(bytes, &requests);
    assert_eq!(a.len(), requests.len(), "one digest per request (one pass)");
    assert_eq!(b.len(), requests.len(), "one digest per request (naive)");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.as_ref(), y.as_ref());
    }
    requests.len()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn baseline_is_clean() {
    let bytes = baseline();
    let doc = read_ok(&bytes);
    assert!(doc.findings.is_empty(), "findings: {:#?}", doc.findings);
    assert!(!doc.recovered);
    assert_eq!(doc.version, "1.7");
    assert_eq!(doc.revisions.len(), 1);
    assert_eq!(doc.revisions[0].added, vec![1, 2, 3, 4, 5]);
    assert_eq!(doc.revisions[0].end, bytes.len());
    assert_one_signature(&doc);
    let sig = &doc.signatures[0];
    let span = contents_span(&bytes);
    let contents = sig.contents.as_ref().expect("contents");
    assert_eq!(contents.span, span);
    assert!(contents.hex);
    assert_eq!(contents.bytes, [0x30, 0x03, 0x02, 0x01, 0x00]);
    assert_eq!(contents.padding, 3);
    assert_eq!(
        sig.byte_range,
        Some(vec![
            0,
            span.start as i64,
            span.end as i64,
            (bytes.len() - span.end) as i64
        ])
    );
    let check = digest::check(&doc, sig);
    assert_eq!(check.problems, vec![]);
    assert_eq!(check.coverage, Coverage::EntireFile);
    assert!(check.covers_whole_file);
    assert_eq!(check.ends_revision, Some(1));

    // The xref-stream variant used by the object stream test reads too.
    let small = xref_stream_file(0);
    let doc = read_ok(&small);
    assert!(doc.findings.is_empty(), "findings: {:#?}", doc.findings);
    assert_one_signature(&doc);
    assert_eq!(doc.signatures[0].origin, pdf::Origin::File);
    assert_eq!(doc.revisions[0].xref[0].1, pdf::SectionKind::Stream);
    let check = digest::check(&doc, &doc.signatures[0]);
    assert_eq!(check.problems, vec![]);
    assert_eq!(check.coverage, Coverage::EntireFile);
}

#[test]
fn prev_loop_is_detected() {
    // Two sections pointing at each other: revision 1's trailer names revision 2's table as
    // its /Prev, and revision 2's names revision 1's.
    let slot = "/Prev @@@@@@@@@@";
    let (mut w, _) = unsealed(&base_objects(), slot);
    w.obj(
        3,
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>",
    );
    // The builder writes the first table as the update's /Prev.
    let second = w.table(&[3], "");
    patch(&mut w.buf, slot, &format!("/Prev {}", padded(second, 10)));
    let bytes = w.sealed();
    let doc = read_ok(&bytes);
    assert_eq!(doc.findings, vec![Finding::PrevLoop { offset: second }]);
    assert_eq!(doc.revisions.len(), 2);
    assert_one_signature(&doc);
    let check = digest::check(&doc, &doc.signatures[0]);
    assert_eq!(check.problems, vec![]);

    // A section whose /Prev is itself.
    let (mut w, xref) = unsealed(&base_objects(), slot);
    let own = format!("/Prev {}", padded(xref, 10));
    patch(&mut w.buf, slot, &own);
    let bytes = w.sealed();
    let doc = read_ok(&bytes);
    assert_eq!(doc.findings, vec![Finding::PrevLoop { offset: xref }]);
    assert_eq!(doc.revisions.len(), 1);
    assert_one_signature(&doc);
}

#[test]
fn xref_pointing_out_of_the_file() {
    // startxref beyond the end of the file: the chain is unusable, the file is scanned.
    let (mut w, _) = unsealed(&base_objects(), "");
    // Nothing after `startxref` is pointed at, so the tail may change length.
    let tail = find_once(&w.buf, b"startxref\n");
    w.buf.truncate(tail);
    w.startxref(99_999_999);
    let bytes = w.sealed();
    let doc = read_ok(&bytes);
    assert!(doc.recovered);
    assert!(
        matches!(
            doc.findings.as_slice(),
            [Finding::FallbackScan { reason }] if reason.contains("past the end of the file")
        ),
        "findings: {:#?}",
        doc.findings
    );
    assert_one_signature(&doc);
    let check = digest::check(&doc, &doc.signatures[0]);
    assert_eq!(check.problems, vec![]);
    assert_eq!(check.coverage, Coverage::EntireFile);

    // The xref entry of the signature dictionary points past the end of the file: the object
    // is found by scan and the mismatch reported.
    let (mut w, _) = unsealed(&base_objects(), "");
    let off5 = w.offsets[&5];
    patch(
        &mut w.buf,
        &format!("{off5:010} 00000 n\r\n"),
        "9999999999 00000 n\r\n",
    );
    let bytes = w.sealed();
    let doc = read_ok(&bytes);
    assert!(!doc.recovered);
    assert_eq!(
        doc.findings,
        vec![Finding::XrefEntryMismatch {
            object: "5 0 R".into(),
            offset: 9_999_999_999,
        }]
    );
    assert_one_signature(&doc);
    assert_eq!(doc.signatures[0].dict_span.start, off5 + "5 0 obj\n".len());

    // /Prev beyond the end of the file: the chain stops there, the newest section is used.
    let bytes = unsealed(&base_objects(), "/Prev 99999999").0.sealed();
    let doc = read_ok(&bytes);
    assert_eq!(
        doc.findings,
        vec![Finding::BrokenPrev {
            offset: 99_999_999,
            reason: "/Prev points past the end of the file".into(),
        }]
    );
    assert_one_signature(&doc);
}

#[test]
fn object_stream_bomb() {
    // The object stream holding the signature field inflates past the per-stream budget.
    let padding = limits::MAX_DECODED_STREAM + (1 << 20);
    let bytes = xref_stream_file(padding);
    assert!(
        bytes.len() < 1 << 20,
        "the bomb is small: {} bytes",
        bytes.len()
    );
    let err = pdf::read(&bytes).unwrap_err();
    assert_eq!(
        err,
        PdfError::DecodeBudget {
            id: id(6),
            limit: limits::MAX_DECODED_STREAM,
        }
    );

    // Sibling: the same construction just under the budget reads, so the error above is the
    // budget and not the builder.
    let under = xref_stream_file(limits::MAX_DECODED_STREAM - (1 << 20));
    let doc = read_ok(&under);
    assert!(doc.findings.is_empty(), "findings: {:#?}", doc.findings);
    assert_one_signature(&doc);
}

/// [`xref_stream_file`] plus an incremental update whose classic table redefines the
/// signature field (object 4) without `/V`: in a new object stream that reuses number 6 when
/// `in_object_stream`, else as a plain object in the file. Also returns the `/ByteRange` of
/// the signature of revision 1.
fn updated_xref_stream_file(in_object_stream: bool) -> (Vec<u8>, Vec<i64>) {
    // The update's trailer: /Size 8, /Prev the cross-reference stream.
    let mut w = xref_stream_pdf(0);
    let c = contents_span(&w.buf);
    let range = vec![0, c.start as i64, c.end as i64, (w.pos() - c.end) as i64];
    let field = "<< /FT /Sig /T (Signature1) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] >>";
    let num = if in_object_stream {
        let data = format!("4 0 {field}");
        w.stream(6, "/Type /ObjStm /N 1 /First 4", data.as_bytes());
        6
    } else {
        w.obj(4, field);
        4
    };
    w.table(&[num], "");
    (w.buf, range)
}

#[test]
fn object_stream_redefined_in_an_update() {
    // Sibling: the update redefines the field as a plain object; revision 1 still reads its
    // own object stream, and the signature the update removed is reported.
    let (bytes, range) = updated_xref_stream_file(false);
    let doc = read_ok(&bytes);
    assert_eq!(doc.revisions.len(), 2);
    assert!(doc.signatures.is_empty());
    assert_eq!(doc.unsigned_fields, vec!["Signature1".to_string()]);
    let superseded = Finding::SupersededSignature {
        field: "Signature1".into(),
        revision: 1,
        byte_range: Some(range),
    };
    assert_eq!(doc.findings, vec![superseded.clone()]);

    // The update replaces object stream 6 itself: revision 1 must still read its own.
    let (bytes, _) = updated_xref_stream_file(true);
    let doc = read_ok(&bytes);
    assert_eq!(doc.revisions.len(), 2);
    assert!(doc.signatures.is_empty());
    assert_eq!(doc.unsigned_fields, vec!["Signature1".to_string()]);
    assert_eq!(doc.findings, vec![superseded]);
}

/// An update that redefines only the signature dictionary (object 5) and leaves its field
/// (object 4) where it was: revision 1's walk must still read its own signature dictionary
/// and report it superseded. (An earlier revision's walk passes over a field only when the
/// field and its `/V` are both at the offsets the final walk read them from.)
#[test]
fn signature_dictionary_redefined_under_an_unchanged_field() {
    let (mut w, _) = unsealed(&base_objects(), "");
    w.seal();
    let old = contents_span(&w.buf);
    let range = vec![
        0,
        old.start as i64,
        old.end as i64,
        (w.buf.len() - old.end) as i64,
    ];
    w.obj(
        5,
        "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached \
         /ByteRange [0 10 20 30] /Contents <3000> >>",
    );
    w.table(&[5], "");
    let doc = read_ok(&w.buf);
    assert_eq!(doc.revisions.len(), 2);
    assert_eq!(doc.signatures.len(), 1);
    assert_eq!(doc.signatures[0].byte_range, Some(vec![0, 10, 20, 30]));
    let superseded = Finding::SupersededSignature {
        field: "Signature1".into(),
        revision: 1,
        byte_range: Some(range),
    };
    assert_eq!(doc.findings, vec![superseded]);

    // Sibling: the same update rewriting object 5 byte for byte at a new offset is the same
    // signature dictionary in the final form, and revision 1's (at the old offset) is reported
    // as well: the skip looks at offsets, never at content.
    let (mut w, _) = unsealed(&base_objects(), "");
    w.seal();
    let body = String::from_utf8_lossy(&w.buf).into_owned();
    let start = body.find("5 0 obj").unwrap() + "5 0 obj".len();
    let end = start + body[start..].find("endobj").unwrap();
    let dict = body[start..end].trim().to_string();
    w.obj(5, &dict);
    w.table(&[5], "");
    let doc = read_ok(&w.buf);
    assert_eq!(doc.signatures.len(), 1);
    assert!(
        matches!(
            &doc.findings[..],
            [Finding::SupersededSignature { revision: 1, .. }]
        ),
        "findings: {:#?}",
        doc.findings
    );
}

#[test]
fn byte_range_out_of_bounds() {
    let base = baseline();
    let c = contents_span(&base);
    let len = base.len();
    let cases: [(String, RangeProblem); 4] = [
        // The second range reaches past EOF.
        (
            format!("0 {} {} {}", c.start, c.end, len - c.end + 100),
            RangeProblem::OutOfBounds,
        ),
        // The first range alone is longer than the file.
        (
            format!("0 {} {} {}", len + 1, len + 1, 0),
            RangeProblem::OutOfBounds,
        ),
        (
            format!("0 {} -{} {}", c.start, c.end, len - c.end),
            RangeProblem::Negative,
        ),
        (
            format!("0 {} {}", c.start, c.end),
            RangeProblem::NotFourIntegers,
        ),
    ];
    for (text, problem) in cases {
        let mut bytes = base.clone();
        set_byte_range(&mut bytes, &text);
        let doc = read_ok(&bytes);
        assert!(doc.findings.is_empty(), "[{text}]: {:#?}", doc.findings);
        assert_one_signature(&doc);
        let check = digest::check(&doc, &doc.signatures[0]);
        assert_eq!(check.problems, vec![problem], "[{text}]");
        assert_eq!(check.coverage, Coverage::Unclear, "[{text}]");
        assert_eq!(check.ranges, None, "[{text}]");
        assert_eq!(check.signed_end, None, "[{text}]");
    }
    // Offsets beyond i64 are not integers the reader accepts: the range is Missing.
    let mut bytes = base.clone();
    set_byte_range(
        &mut bytes,
        &format!("0 {} {} 99999999999999999999", c.start, c.end),
    );
    let doc = read_ok(&bytes);
    assert_one_signature(&doc);
    let check = digest::check(&doc, &doc.signatures[0]);
    assert_eq!(check.problems, vec![RangeProblem::Missing]);
    assert_eq!(check.coverage, Coverage::Unclear);
}

#[test]
fn overlapping_byte_ranges() {
    let base = baseline();
    let c = contents_span(&base);
    let len = base.len();
    let mut bytes = base.clone();
    // [0, end) and [start, len): the second range begins inside the first.
    set_byte_range(
        &mut bytes,
        &format!("0 {} {} {}", c.end, c.start, len - c.start),
    );
    let doc = read_ok(&bytes);
    assert_one_signature(&doc);
    let check = digest::check(&doc, &doc.signatures[0]);
    assert_eq!(check.problems, vec![RangeProblem::Overlap]);
    assert_eq!(check.coverage, Coverage::Unclear);
    assert_eq!(check.ranges, None);
}

#[test]
fn gap_not_at_contents() {
    // Signature wrapping: the gap skips a decoy hex string elsewhere (in the page), so the
    // signature dictionary's own /Contents lies inside the signed bytes.
    let decoy = "<3003020100000000>";
    let objs = with(
        base_objects(),
        3,
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [4 0 R] \
             /PieceInfo << /Decoy {decoy} >> >>"
        ),
    );
    let bytes = single(&objs);
    let real = contents_span(&bytes);
    let start = find_once(&bytes, b"/Decoy <") + "/Decoy ".len();
    let end = start + decoy.len();
    assert!(end <= real.start);
    let mut bytes = bytes;
    let tail = bytes.len() - end;
    set_byte_range(&mut bytes, &format!("0 {start} {end} {tail}"));
    let doc = read_ok(&bytes);
    assert!(doc.findings.is_empty(), "findings: {:#?}", doc.findings);
    assert_one_signature(&doc);
    let sig = &doc.signatures[0];
    assert_eq!(sig.contents.as_ref().unwrap().span, real);
    let check = digest::check(&doc, sig);
    assert_eq!(check.problems, vec![RangeProblem::GapNotContents]);
    assert_eq!(check.coverage, Coverage::Unclear);
    // The range itself is well formed: it is only the gap that is wrong.
    assert_eq!(check.signed_end, Some(bytes.len()));
}

#[test]
fn two_contents_entries() {
    let first = "<3003020100000000>";
    let second = "<30030201FF000000>";
    let objs = with(
        base_objects(),
        5,
        sig_dict_with(&format!("/Contents {first} /Contents {second}"), ""),
    );
    let (w, _) = unsealed(&objs, "");
    let dict_start = w.offsets[&5] + "5 0 obj\n".len();
    let bytes = w.sealed();
    let doc = read_ok(&bytes);
    assert_eq!(
        doc.findings,
        vec![Finding::DuplicateKey {
            key: "Contents".into(),
            offset: dict_start,
        }]
    );
    assert_one_signature(&doc);
    let sig = &doc.signatures[0];
    assert_eq!(sig.contents_keys, 2);
    assert_eq!(sig.dict_span.start, dict_start);
    // The reader takes the first; the range brackets it, yet the duplicate is a problem.
    assert_eq!(sig.contents.as_ref().unwrap().span, contents_span(&bytes));
    let check = digest::check(&doc, sig);
    assert_eq!(check.problems, vec![RangeProblem::DuplicateContents]);
    assert_eq!(check.coverage, Coverage::Unclear);

    // The range brackets the second /Contents instead: duplicate and wrapped.
    let mut bytes = bytes;
    let s = find_once(&bytes, second.as_bytes());
    let e = s + second.len();
    let tail = bytes.len() - e;
    set_byte_range(&mut bytes, &format!("0 {s} {e} {tail}"));
    let doc = read_ok(&bytes);
    let check = digest::check(&doc, &doc.signatures[0]);
    assert_eq!(
        check.problems,
        vec![
            RangeProblem::DuplicateContents,
            RangeProblem::GapNotContents
        ]
    );
    assert_eq!(check.coverage, Coverage::Unclear);
}

#[test]
fn deep_nesting_is_bounded() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));

    // In the signature dictionary: that field is unreadable, reported, and its /ByteRange
    // belongs to no signature any more. The offset is that of the array at depth 65.
    let objs = with(
        base_objects(),
        5,
        sig_dict_with(&format!("/Contents {CONTENTS}"), &format!("/Deep {deep} ")),
    );
    let bytes = single(&objs);
    let first = find_once(&bytes, b"/Deep [") + "/Deep ".len();
    let doc = read_ok(&bytes);
    assert!(doc.signatures.is_empty());
    let expected = PdfError::NestingTooDeep {
        offset: first + limits::MAX_NESTING,
    };
    assert_eq!(
        doc.findings,
        vec![
            Finding::BadSignatureField {
                field: "Signature1".into(),
                reason: expected.to_string(),
            },
            Finding::OrphanByteRange {
                offset: find_once(&bytes, b"/ByteRange"),
            },
        ]
    );

    // In the catalog: the form cannot be reached, the read fails.
    let objs = with(
        base_objects(),
        1,
        format!("<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> /Deep {deep} >>"),
    );
    let bytes = single(&objs);
    let first = find_once(&bytes, b"/Deep [") + "/Deep ".len();
    assert_eq!(
        pdf::read(&bytes).unwrap_err(),
        PdfError::NestingTooDeep {
            offset: first + limits::MAX_NESTING
        }
    );

    // In the trailer: fatal, no fallback scan.
    let bytes = unsealed(&base_objects(), &format!("/Deep {deep}"))
        .0
        .sealed();
    let first = find_once(&bytes, b"/Deep [") + "/Deep ".len();
    assert_eq!(
        pdf::read(&bytes).unwrap_err(),
        PdfError::NestingTooDeep {
            offset: first + limits::MAX_NESTING
        }
    );
}

#[test]
fn kids_loop_is_detected() {
    // A signature field whose /Kids holds itself, and a two-field cycle 4 → 6 → 4.
    let self_loop = with(
        base_objects(),
        4,
        "<< /FT /Sig /T (Signature1) /V 5 0 R /Kids [4 0 R] >>",
    );
    let cycle = with(
        with(
            base_objects(),
            4,
            "<< /FT /Sig /T (Signature1) /V 5 0 R /Kids [6 0 R] >>",
        ),
        6,
        "<< /Parent 4 0 R /Kids [4 0 R] /Type /Annot /Subtype /Widget /Rect [0 0 0 0] >>",
    );
    for objs in [self_loop, cycle] {
        let doc = read_ok(&single(&objs));
        assert_eq!(
            doc.findings,
            vec![Finding::FieldLoop {
                object: "4 0 R".into()
            }]
        );
        assert_one_signature(&doc);
    }
}

/// Objects 5, 6, … each holding a reference to the next, `hops` references in all from the
/// field's `/V` to the signature dictionary.
fn chain_file(hops: u32) -> Vec<u8> {
    let mut objs = base_objects();
    objs.pop();
    let last = 5 + hops - 1;
    for n in 5..last {
        objs.push((n, format!("{} 0 R", n + 1)));
    }
    objs.push((last, base_sig_dict()));
    single(&objs)
}

#[test]
fn reference_chain_is_bounded() {
    let hops = limits::MAX_INDIRECTION as u32;
    // At the limit the chain is followed.
    let bytes = chain_file(hops);
    let doc = read_ok(&bytes);
    assert!(doc.findings.is_empty(), "findings: {:#?}", doc.findings);
    assert_eq!(doc.signatures.len(), 1);
    assert_eq!(doc.signatures[0].object, Some(id(5 + hops - 1)));
    let check = digest::check(&doc, &doc.signatures[0]);
    assert_eq!(check.coverage, Coverage::EntireFile);

    // One hop more, and a chain 5 → 6 → … → 100: the field is reported, not followed.
    for hops in [hops + 1, 96] {
        let bytes = chain_file(hops);
        let doc = read_ok(&bytes);
        assert!(doc.signatures.is_empty(), "{hops} hops");
        assert_eq!(
            doc.findings,
            vec![
                Finding::BadSignatureField {
                    field: "Signature1".into(),
                    reason: PdfError::IndirectionTooDeep { id: id(5) }.to_string(),
                },
                Finding::OrphanByteRange {
                    offset: find_once(&bytes, b"/ByteRange"),
                },
            ],
            "{hops} hops"
        );
    }
}

#[test]
fn truncated_file_is_an_error_or_finding_not_a_panic() {
    let two_revisions = {
        let (mut w, _) = unsealed(&base_objects(), "");
        w.obj(
            3,
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>",
        );
        w.table(&[3], "");
        w.sealed()
    };
    // Revision 1 signed (its range ends at its own %%EOF), then an unsigned incremental
    // update: cuts inside the update leave revision 1's range in bounds, so the one-pass and
    // naive digests are compared on truncated input.
    let (signed_first, first_end) = {
        let (mut w, _) = unsealed(&base_objects(), "");
        w.seal();
        let first_end = w.pos();
        w.obj(
            3,
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>",
        );
        w.table(&[3], "");
        (w.buf, first_end)
    };
    assert_eq!(
        exercise(&signed_first),
        1,
        "the signature of revision 1 is hashed in the whole file"
    );
    let files = [
        ("baseline", baseline()),
        ("two revisions", two_revisions),
        ("xref stream", xref_stream_file(4096)),
        ("signed first revision", signed_first),
    ];
    let mut panics = Vec::new();
    let mut compared = BTreeMap::new();
    for (name, bytes) in &files {
        for cut in (0..bytes.len()).step_by(7) {
            let part = &bytes[..cut];
            match std::panic::catch_unwind(|| exercise(part)) {
                Ok(n) => *compared.entry(*name).or_insert(0) += n,
                Err(_) => panics.push(format!("{name} cut at {cut}")),
            }
        }
    }
    assert!(panics.is_empty(), "panics: {panics:#?}");
    // Every cut at or past revision 1's end keeps its range in bounds: each must be read and
    // its signature hashed both ways.
    let cuts_past_first = (0..files[3].1.len())
        .step_by(7)
        .filter(|&cut| cut >= first_end)
        .count();
    assert!(cuts_past_first > 0, "the update is longer than the step");
    assert!(
        compared.get("signed first revision").copied().unwrap_or(0) >= cuts_past_first,
        "digests compared per file: {compared:?}; {cuts_past_first} cuts past revision 1"
    );

    // Cut just before the final %%EOF: still readable, and the missing marker is reported.
    let bytes = baseline();
    let eof = find_once(&bytes, b"%%EOF");
    let doc = read_ok(&bytes[..eof]);
    assert!(
        doc.findings
            .iter()
            .any(|f| matches!(f, Finding::MissingEof { .. })),
        "findings: {:#?}",
        doc.findings
    );
    assert_one_signature(&doc);
    // The range now reaches past the end of the shortened file.
    let check = digest::check(&doc, &doc.signatures[0]);
    assert_eq!(check.problems, vec![RangeProblem::OutOfBounds]);

    // Cut inside the signature dictionary: an error or a finding, never a signature.
    let cut = contents_span(&bytes).start + 3;
    match pdf::read(&bytes[..cut]) {
        Err(_) => {}
        Ok(doc) => {
            assert!(doc.signatures.is_empty(), "{:#?}", doc.signatures);
            assert!(!doc.findings.is_empty());
        }
    }
}

#[test]
fn not_a_pdf_and_empty() {
    assert_eq!(pdf::read(b"").unwrap_err(), PdfError::Empty);

    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for len in [1, 7, 100, 1024, 5000, 70_000] {
        let noise: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        assert_eq!(
            pdf::read(&noise).unwrap_err(),
            PdfError::NotPdf,
            "{len} random bytes"
        );
    }
    for text in [
        &b"hello, world\n"[..],
        b"\0",
        b"<html><body>%PDF</body></html>",
    ] {
        assert_eq!(pdf::read(text).unwrap_err(), PdfError::NotPdf);
    }

    // A header alone is a PDF without a trailer.
    assert_eq!(pdf::read(b"%PDF-1.7\n").unwrap_err(), PdfError::NoTrailer);

    // Sibling: the baseline without its header is still read, with the finding.
    let bytes = baseline();
    let mut headless = bytes.clone();
    headless[..5].copy_from_slice(b"%XXX-");
    let doc = read_ok(&headless);
    assert_eq!(doc.findings, vec![Finding::MissingHeader]);
    assert_one_signature(&doc);
}

#[test]
fn orphan_byte_ranges_are_listed_up_to_a_budget() {
    // An unreferenced object stuffed with 10,000 /ByteRange names: each is an orphan, but the
    // findings stop at the budget and say how many there were.
    let junk = format!("[{}]", "/ByteRange ".repeat(10_000));
    let bytes = single(&with(base_objects(), 9, junk));
    let doc = read_ok(&bytes);
    assert_one_signature(&doc);
    let orphans = doc
        .findings
        .iter()
        .filter(|f| matches!(f, Finding::OrphanByteRange { .. }))
        .count();
    assert_eq!(
        orphans,
        sigaudit::internals::pdf::limits::MAX_ORPHAN_FINDINGS
    );
    assert!(doc.findings.iter().any(|f| matches!(
        f,
        Finding::FindingsTruncated { of, reason } if of == "orphan_byte_range" && reason.starts_with("10000 ")
    )));
}

#[test]
fn xref_chain_longer_than_the_budget_is_an_error() {
    use sigaudit::internals::pdf::limits::MAX_XREF_SECTIONS;
    // One catalog, then MAX_XREF_SECTIONS + 1 empty sections, each pointing back with /Prev.
    let build = |sections: usize| {
        let mut w = Pdf::new();
        w.obj(1, "<< /Type /Catalog >>");
        for _ in 0..sections {
            w.table(&[1], "");
        }
        w.buf
    };
    let doc = read_ok(&build(50));
    assert_eq!(doc.revisions.len(), 50);
    assert!(doc.findings.is_empty(), "{:?}", doc.findings);
    assert_eq!(
        sigaudit::internals::pdf::read(&build(MAX_XREF_SECTIONS + 1)).unwrap_err(),
        PdfError::TooManyRevisions
    );
}

#[test]
fn broken_dss_is_a_finding_not_a_lost_document() {
    // /DSS → /Certs → a reference chain longer than the budget.
    let mut objs = with(
        base_objects(),
        1,
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> \
         /DSS << /Certs 10 0 R >> >>",
    );
    for n in 10..60 {
        objs = with(objs, n, format!("{} 0 R", n + 1));
    }
    let doc = read_ok(&single(&objs));
    assert_one_signature(&doc);
    assert!(doc.dss.is_none());
    assert!(
        matches!(doc.findings.as_slice(), [Finding::BadDss { reason }] if reason.contains("reference chain")),
        "{:?}",
        doc.findings
    );
}
