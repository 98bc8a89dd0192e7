//! Real signed documents (the bundled sample) damaged after signing the ways real archives
//! damage them, each built here, each a regression test named after the defect:
//!
//! - a last update whose cross-reference data is unusable, whose trailer lacks `/Root`, that
//!   reuses the catalog's number, or that is cut short: the intact revisions' signatures keep
//!   their verdicts and the document is TOTAL_FAILED with the change found, never ERROR;
//! - a file cut inside its first revision: nothing signed is left, ERROR;
//! - an update whose cross-reference stream is not in its own index (its `startxref` at the
//!   end-of-line before it): no change; the same update hiding a live object is still one;
//! - a copy rewritten after signing (`/AcroForm` gone, the widget on its page, the
//!   `/ByteRange` past the end): the signature is found and fails, never "no signature";
//! - a signature dictionary in an object stream that nothing reaches: flagged.
//!
//! Without `../shared`: a visible SKIP, and a failure under CI (`"CI"` set) — see
//! `common::shared_or_skip`.

mod common;

use std::io::Write;
use std::path::Path;

use sigaudit::{DocumentReport, Integrity};
use sigaudit::{DocumentStatus, Indication, SubIndication};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("corpus/sample/docs")
            .join(name),
    )
    .unwrap()
}

fn verify(bytes: &[u8]) -> DocumentReport {
    let pki = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/sample/pki");
    let verifier = common::verifier(&pki, true);
    verifier.verify("doc.pdf", bytes)
}

/// The last `startxref` offset and the highest `/Size` of a file.
fn tail_of(d: &[u8]) -> (usize, u32) {
    let text = String::from_utf8_lossy(d);
    let prev = text
        .rmatch_indices("startxref")
        .next()
        .map(|(i, _)| {
            text[i + 9..]
                .split_whitespace()
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .unwrap();
    let size = text
        .match_indices("/Size ")
        .filter_map(|(i, _)| text[i + 6..].split_whitespace().next()?.parse().ok())
        .max()
        .unwrap();
    (prev, size)
}

/// An update that redefines object 6 (one of doc-000001's signature widgets) as a page with
/// forged text.
fn forged_page_update(d: &[u8]) -> Vec<u8> {
    let mut u = Vec::new();
    write!(
        u,
        "\n6 0 obj\n<< /Type /Page /MediaBox [0 0 595 842] /Contents 900 0 R >>\nendobj\n\
         900 0 obj\n<< /Length 44 >>\nstream\nBT /F1 24 Tf 72 700 Td (FORGED TEXT) Tj ET\n\
         endstream\nendobj\n"
    )
    .unwrap();
    let _ = d;
    u
}

/// The sample document's signatures all pass and the document fails for what follows them.
fn assert_intact_signatures_and_a_failed_document(r: &DocumentReport, what: &str) {
    let original = verify(&sample("doc-000001.pdf"));
    assert_eq!(original.status, DocumentStatus::TotalPassed);
    assert_eq!(
        r.signatures.len(),
        original.signatures.len(),
        "{what}: every signature of the intact revisions is reported: {r:?}"
    );
    for (a, b) in original.signatures.iter().zip(&r.signatures) {
        assert_eq!(a.field, b.field, "{what}");
        assert_eq!(b.integrity, Integrity::Ok, "{what}: {}", b.field);
        assert_eq!(b.indication, Indication::TotalPassed, "{what}: {}", b.field);
    }
    assert_eq!(r.status, DocumentStatus::TotalFailed, "{what}: {r:?}");
    assert!(r.error.is_none(), "{what}: {:?}", r.error);
    assert!(!r.findings.is_empty(), "{what}: a change is named");
}

/// The case: the last update redefines the pages and reuses the catalog's number for
/// an integer, and its cross-reference section is unusable: a strict reader refuses the file,
/// a lenient one shows the forged page. Before: ERROR "/Root at byte N has the wrong type".
#[test]
fn a_broken_last_update_reusing_the_catalog_number_keeps_the_signed_revisions() {
    let d = sample("doc-000001.pdf");
    let (prev, _) = tail_of(&d);
    let mut f = d.clone();
    f.extend(forged_page_update(&d));
    f.extend(b"1 0 obj\n42\nendobj\n");
    let x = f.len();
    write!(
        f,
        "xref\nGARBAGE\ntrailer\n<< /Size 901 /Root 1 0 R /Prev {prev} >>\nstartxref\n{x}\n"
    )
    .unwrap();
    let r = verify(&f);
    assert_intact_signatures_and_a_failed_document(&r, "catalog number reused");
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == sigaudit::FindingKind::IncrementalSaving),
        "{:?}",
        r.findings
    );
}

#[test]
fn a_last_update_whose_trailer_lacks_root_keeps_the_signed_revisions() {
    let d = sample("doc-000001.pdf");
    let (prev, _) = tail_of(&d);
    let mut f = d.clone();
    f.extend(forged_page_update(&d));
    let x = f.len();
    write!(
        f,
        "xref\ntrailer\n<< /Size 901 /Prev {prev} >>\nstartxref\n{x}\n"
    )
    .unwrap();
    assert_intact_signatures_and_a_failed_document(&verify(&f), "trailer without /Root");
}

#[test]
fn a_last_update_cut_short_keeps_the_signed_revisions() {
    let d = sample("doc-000001.pdf");
    let mut f = d.clone();
    f.extend(forged_page_update(&d));
    f.extend(b"xref\n0 1\n00000");
    assert_intact_signatures_and_a_failed_document(&verify(&f), "cut short");
}

/// A file cut inside its first revision holds nothing signed: ERROR, as before.
#[test]
fn a_file_cut_inside_its_first_revision_is_an_error() {
    let d = sample("doc-000001.pdf");
    let first_eof = memchr::memmem::find(&d, b"%%EOF").unwrap();
    let r = verify(&d[..first_eof / 2]);
    assert_eq!(r.status, DocumentStatus::Error, "{r:?}");
    assert!(r.signatures.is_empty());
}

/// An update of doc-000001 (cross-reference streams) that adds an information dictionary
/// and a cross-reference stream that does not list itself, `startxref` pointing at the
/// end-of-line before it (`exact`: at it). With `hide`, the update also redefines page 6 and
/// leaves it out of the index.
fn update_with_a_self_less_xref_stream(exact: bool, hide: bool) -> Vec<u8> {
    let d = sample("doc-000001.pdf");
    let (prev, size) = tail_of(&d);
    let mut b = d.clone();
    let info_at = b.len() + 1;
    write!(
        b,
        "\n{size} 0 obj\n<< /Producer (a benign writer) >>\nendobj\n"
    )
    .unwrap();
    if hide {
        b.extend(b"6 0 obj\n<< /Type /Page /MediaBox [0 0 595 842] >>\nendobj\n");
    }
    b.push(b'\n');
    let at = b.len();
    let mut rows = vec![1u8];
    rows.extend((info_at as u32).to_be_bytes());
    rows.extend([0, 0]);
    let xref_num = size + 1;
    write!(
        b,
        "{xref_num} 0 obj\n<< /Type /XRef /Size {} /W [1 4 2] /Index [{size} 1] /Root 1 0 R \
         /Info {size} 0 R /Prev {prev} /Length {} >>\nstream\n",
        xref_num + 1,
        rows.len()
    )
    .unwrap();
    b.extend(&rows);
    b.extend(b"\nendstream\nendobj\n");
    write!(b, "startxref\n{}\n%%EOF\n", if exact { at } else { at - 1 }).unwrap();
    b
}

/// ISO 32000 locates a cross-reference stream through `startxref` and `/Prev`, never through
/// an entry of its own; a writer that leaves it out of its index leaves nothing a reader could
/// show. Before: `unreachable_update`, the whole document TOTAL_FAILED.
#[test]
fn a_cross_reference_stream_missing_from_its_own_index_is_no_change() {
    for exact in [true, false] {
        let r = verify(&update_with_a_self_less_xref_stream(exact, false));
        assert_eq!(
            r.status,
            DocumentStatus::TotalPassed,
            "exact {exact}: {r:?}"
        );
        assert!(r.findings.is_empty(), "exact {exact}: {:?}", r.findings);
    }
    // The same update redefining a live object its index skips: a lenient reader shows it.
    let r = verify(&update_with_a_self_less_xref_stream(false, true));
    assert_eq!(r.status, DocumentStatus::TotalFailed, "{r:?}");
    assert!(r
        .findings
        .iter()
        .any(|f| f.kind == sigaudit::FindingKind::UnreachableUpdate && f.objects.contains(&6)));
}

/// A copy rewritten after signing, as the Vietnamese legal-text collections hold them: the
/// catalog loses `/AcroForm` (blanked here in place), the widget stays on the page, and bytes
/// are gone (an attachment's worth cut from the middle): every signature is found through the
/// page widgets and fails — never "the document carries no signature".
#[test]
fn a_signature_reached_only_through_a_page_widget_is_found_and_fails() {
    let d = sample("doc-000005.pdf");
    let af = memchr::memmem::find(&d, b"/AcroForm").unwrap();
    let end = af + d[af..].iter().position(|&c| c == b'R').unwrap() + 1;
    let mut f = d.clone();
    f[af..end].fill(b' ');
    // A rewritten copy is shorter: cut a slice out of the signed first revision.
    let cut = memchr::memmem::find(&f, b"stream").unwrap() + 100;
    f.drain(cut..cut + 5000);
    let r = verify(&f);
    let original = verify(&d);
    assert_eq!(r.signatures.len(), original.signatures.len(), "{r:?}");
    assert_eq!(r.status, DocumentStatus::TotalFailed);
    for s in &r.signatures {
        assert_eq!(s.indication, Indication::TotalFailed, "{}", s.field);
    }
    // The last signature covers the whole file: its /ByteRange now runs past the end.
    let last = r.signatures.last().unwrap();
    assert_eq!(last.sub_indication, Some(SubIndication::HashFailure));
    assert!(
        last.reason
            .as_deref()
            .unwrap()
            .contains("past the end of the file"),
        "{:?}",
        last.reason
    );
}

/// The real rewritten copies of `../shared/corpus/vn` (`longfixbug__*`): each is a signed
/// document whose signature no longer holds.
#[test]
fn the_real_rewritten_vietnamese_copies_are_signed_documents_that_fail() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/vn");
    let Some(dir) = common::shared_or_skip(&dir, dir.join("docs").is_dir()) else {
        return;
    };
    let mut seen = 0;
    for e in std::fs::read_dir(dir.join("docs")).unwrap() {
        let p = e.unwrap().path();
        if !p
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("longfixbug__")
        {
            continue;
        }
        let r = verify(&std::fs::read(&p).unwrap());
        assert_eq!(
            r.status,
            DocumentStatus::TotalFailed,
            "{}: {r:?}",
            p.display()
        );
        assert_eq!(r.signatures.len(), 1, "{}", p.display());
        assert_eq!(
            r.signatures[0].sub_indication,
            Some(SubIndication::HashFailure),
            "{}",
            p.display()
        );
        seen += 1;
    }
    assert_eq!(seen, 4, "the four rewritten copies");
}

/// A minimal file whose object stream holds a signature dictionary no field reaches.
fn orphan_in_an_object_stream() -> Vec<u8> {
    let mut b = b"%PDF-1.7\n".to_vec();
    let mut offs = Vec::new();
    for (n, body) in [
        (1, "<< /Type /Catalog /Pages 2 0 R >>"),
        (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"),
    ] {
        offs.push((n, b.len()));
        write!(b, "{n} 0 obj\n{body}\nendobj\n").unwrap();
    }
    let sig = "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached \
               /ByteRange [0 10 20 30] /Contents <3003020100> >>";
    let header = "4 0 ";
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    write!(z, "{header}{sig}").unwrap();
    let packed = z.finish().unwrap();
    let stm_at = b.len();
    write!(
        b,
        "5 0 obj\n<< /Type /ObjStm /N 1 /First {} /Filter /FlateDecode /Length {} >>\nstream\n",
        header.len(),
        packed.len()
    )
    .unwrap();
    b.extend(&packed);
    b.extend(b"\nendstream\nendobj\n");
    let xref_at = b.len();
    let mut rows = vec![0u8, 0, 0, 0, 0, 0xff, 0xff];
    for (_, o) in &offs {
        rows.push(1);
        rows.extend((*o as u32).to_be_bytes());
        rows.extend([0, 0]);
    }
    rows.extend([2, 0, 0, 0, 5, 0, 0]); // object 4: index 0 of stream 5
    for o in [stm_at, xref_at] {
        rows.push(1);
        rows.extend((o as u32).to_be_bytes());
        rows.extend([0, 0]);
    }
    write!(
        b,
        "6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length {} >>\nstream\n",
        rows.len()
    )
    .unwrap();
    b.extend(&rows);
    write!(b, "\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").unwrap();
    b
}

/// pdfsig lists such a dictionary; sigaudit neither reported nor flagged it (its orphan scan
/// read raw bytes only).
#[test]
fn an_orphan_signature_dictionary_in_an_object_stream_is_flagged() {
    let r = verify(&orphan_in_an_object_stream());
    let orphans: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.kind == sigaudit::FindingKind::OrphanSignature)
        .collect();
    assert_eq!(orphans.len(), 1, "{r:?}");
    assert_eq!(orphans[0].objects, vec![4]);
}
