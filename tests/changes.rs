//! The change analysis, one regression test per attack class and per permission rule. Each
//! document is built here: a signed first revision (its signature dictionary sealed over the
//! revision, no CMS needed: the analysis reads structure only), then one hand-written update,
//! and `forensics::evaluate` judges what follows the signed revision.

mod common;

use std::io::Write;

use common::pdf::{sig_dict, Pdf, BYTE_RANGE_SLOT};
use sigaudit::internals::forensics;
use sigaudit::Modifications;
use sigaudit::{ChangeFinding, FindingKind};

/// The signed revision: catalog 1, pages 2, page 3 (content 7, font 8, overlay XObject 9),
/// signature field 4 with dictionary 5, text field 6 with appearance 10, an undisplayed
/// content stream 11, and an empty signature field 12. `sig_extra` goes into the signature
/// dictionary, `catalog_extra` into the catalog.
fn signed(sig_extra: &str, catalog_extra: &str) -> Pdf {
    let mut b = Pdf::new();
    b.obj(
        1,
        &format!(
            "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R 6 0 R 12 0 R] \
             /SigFlags 3 >> {catalog_extra} >>"
        ),
    );
    b.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    b.obj(
        3,
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 7 0 R \
         /Resources << /Font << /F1 8 0 R >> /XObject << /Ov 9 0 R >> >> \
         /Annots [4 0 R 6 0 R 12 0 R] >>",
    );
    b.obj(
        4,
        "<< /FT /Sig /T (Sig1) /V 5 0 R /Type /Annot /Subtype /Widget /Rect [0 0 0 0] \
         /F 132 /P 3 0 R >>",
    );
    b.obj(5, &sig_dict(&format!("{sig_extra} ")));
    b.obj(
        6,
        "<< /FT /Tx /T (SoVanBan) /V (123/QD-UBND) /Type /Annot /Subtype /Widget \
         /Rect [50 700 250 720] /F 4 /P 3 0 R /AP << /N 10 0 R >> >>",
    );
    b.stream(
        7,
        "",
        b"BT /F1 12 Tf 50 750 Td (So tien: 1.000.000 dong) Tj ET q /Ov Do Q",
    );
    b.obj(8, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    b.stream(
        9,
        "/Type /XObject /Subtype /Form /BBox [0 0 595 842]",
        b"1 g 40 740 300 30 re f",
    );
    b.stream(
        10,
        "/Type /XObject /Subtype /Form /BBox [0 0 200 20]",
        b"BT /F1 10 Tf 2 5 Td (123/QD-UBND) Tj ET",
    );
    b.stream(
        11,
        "",
        b"BT /F1 12 Tf 50 750 Td (So tien: 9.000.000 dong) Tj ET",
    );
    b.obj(
        12,
        "<< /FT /Sig /T (Sig2) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /F 132 \
         /P 3 0 R >>",
    );
    b.table_all("");
    b.seal();
    b
}

/// What follows the first signature (signed revision 1) of `b`'s file.
fn judge(b: &Pdf) -> (Modifications, Vec<ChangeFinding>) {
    let (doc, changes) = forensics::examine(&b.buf).expect("reads");
    forensics::evaluate(&doc, &changes, 1)
}

fn kinds(f: &[ChangeFinding]) -> Vec<FindingKind> {
    f.iter().map(|x| x.kind).collect()
}

fn assert_forbidden(b: &Pdf, kind: FindingKind, object: Option<u32>) {
    let (m, f) = judge(b);
    assert_eq!(m, Modifications::Forbidden, "{f:?}");
    let hit = f
        .iter()
        .find(|x| x.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} in {:?}", kinds(&f)));
    if let Some(o) = object {
        assert!(hit.objects.contains(&o), "{hit:?}");
    }
    assert_eq!(hit.revision, 2, "{hit:?}");
}

#[test]
fn nothing_after_the_signed_revision_is_no_modification() {
    let b = signed("", "");
    assert_eq!(judge(&b), (Modifications::None, Vec::new()));
}

#[test]
fn shadow_hide_an_overlay_xobject_emptied() {
    let mut b = signed("", "");
    b.stream(9, "/Type /XObject /Subtype /Form /BBox [0 0 595 842]", b"");
    b.table(&[9], "");
    assert_forbidden(&b, FindingKind::ShadowHide, Some(9));
}

#[test]
fn shadow_hide_an_annotation_hidden_by_its_flags() {
    let mut b = signed("", "");
    b.obj(
        6,
        "<< /FT /Tx /T (SoVanBan) /V (123/QD-UBND) /Type /Annot /Subtype /Widget \
         /Rect [50 700 250 720] /F 6 /P 3 0 R /AP << /N 10 0 R >> >>",
    );
    b.table(&[6], "");
    assert_forbidden(&b, FindingKind::ShadowHide, Some(6));
}

#[test]
fn shadow_replace_a_font_swapped() {
    let mut b = signed("", "");
    b.obj(
        8,
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding \
         /BaseEncoding /WinAnsiEncoding /Differences [49 /nine] >> >>",
    );
    b.table(&[8], "");
    assert_forbidden(&b, FindingKind::ShadowReplace, Some(8));
}

#[test]
fn shadow_replace_an_overlay_redrawn() {
    let mut b = signed("", "");
    b.stream(
        9,
        "/Type /XObject /Subtype /Form /BBox [0 0 595 842]",
        b"1 g 40 740 300 30 re f 0 g BT /F1 12 Tf 50 750 Td (So tien: 5 dong) Tj ET",
    );
    b.table(&[9], "");
    assert_forbidden(&b, FindingKind::ShadowReplace, Some(9));
}

#[test]
fn shadow_hide_and_replace_page_contents_redirected_to_a_signed_unused_stream() {
    let mut b = signed("", "");
    b.obj(
        3,
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 11 0 R \
         /Resources << /Font << /F1 8 0 R >> /XObject << /Ov 9 0 R >> >> \
         /Annots [4 0 R 6 0 R 12 0 R] >>",
    );
    b.table(&[3], "");
    assert_forbidden(&b, FindingKind::ShadowHideAndReplace, Some(3));
}

#[test]
fn shadow_hide_and_replace_an_entry_pointing_back_into_signed_bytes() {
    // The signed revision holds an older definition of object 7 that its table does not use
    // (the shadow); the update's table points 7 back at it.
    let mut fresh = Pdf::new();
    fresh.stream(
        7,
        "",
        b"BT /F1 12 Tf 50 750 Td (So tien: 9.000.000 dong) Tj ET",
    );
    let shadow_at = fresh.offsets[&7];
    for (n, body) in objects_of(&signed("", "")) {
        fresh.obj(n, &body);
    }
    fresh.table_all("");
    fresh.seal();
    fresh.table_at(&[(7, shadow_at)], "");
    assert_forbidden(&fresh, FindingKind::ShadowHideAndReplace, Some(7));
}

/// The objects of a builder's first revision as text, in number order.
fn objects_of(b: &Pdf) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for (&n, &at) in &b.offsets {
        let rest = &b.buf[at..];
        let start = memchr::memmem::find(rest, b" obj\n").unwrap() + 5;
        let end = memchr::memmem::find(rest, b"\nendobj\n").unwrap();
        out.push((n, String::from_utf8_lossy(&rest[start..end]).into_owned()));
    }
    out
}

#[test]
fn incremental_saving_page_content_rewritten() {
    let mut b = signed("", "");
    b.stream(
        7,
        "",
        b"BT /F1 12 Tf 50 750 Td (So tien: 9.000.000 dong) Tj ET",
    );
    b.table(&[7], "");
    assert_forbidden(&b, FindingKind::IncrementalSaving, Some(7));
}

#[test]
fn incremental_saving_an_open_action_added() {
    let mut b = signed("", "");
    b.obj(
        1,
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R 6 0 R 12 0 R] \
         /SigFlags 3 >> /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
    );
    b.table(&[1], "");
    assert_forbidden(&b, FindingKind::IncrementalSaving, Some(1));
}

#[test]
fn unreachable_update_objects_appended_without_a_table() {
    let mut b = signed("", "");
    write!(
        b.buf,
        "7 0 obj\n<< /Length 20 >>\nstream\nBT (SUA DOI) Tj ET  \nendstream\nendobj\n%%EOF\n"
    )
    .unwrap();
    let (m, f) = judge(&b);
    assert_eq!(m, Modifications::Forbidden);
    let hit = f
        .iter()
        .find(|x| x.kind == FindingKind::UnreachableUpdate)
        .expect("finding");
    assert_eq!(hit.objects, vec![7]);
}

#[test]
fn unreachable_update_a_table_that_startxref_does_not_reach() {
    let mut b = signed("", "");
    let signed_xref = b.last_xref().expect("the signed revision's table");
    b.stream(7, "", b"BT (SUA DOI) Tj ET");
    let at = b.pos();
    write!(
        b.buf,
        "xref\n0 1\n0000000000 65535 f\r\n7 1\n{:010} 00000 n\r\ntrailer\n<< /Size 13 /Root 1 0 R \
         /Prev {signed_xref} >>\nstartxref\n{signed_xref}\n%%EOF\n",
        b.offsets[&7]
    )
    .unwrap();
    assert!(at > signed_xref);
    let (m, f) = judge(&b);
    assert_eq!(m, Modifications::Forbidden);
    assert!(kinds(&f).contains(&FindingKind::UnreachableUpdate), "{f:?}");
}

#[test]
fn unreachable_update_an_object_in_the_update_that_its_table_skips() {
    let mut b = signed("", "");
    b.stream(7, "", b"BT (SUA DOI) Tj ET");
    b.obj(13, "<< /Producer (x) >>");
    b.table(&[13], "");
    assert_forbidden(&b, FindingKind::UnreachableUpdate, Some(7));
}

#[test]
fn xref_differential_an_entry_landing_on_another_object() {
    let mut b = signed("", "");
    let at = b.pos();
    b.obj(
        13,
        "<< /Type /XObject /Subtype /Form /BBox [0 0 1 1] /Length 0 >>",
    );
    b.table_at(&[(9, at), (13, at)], "");
    assert_forbidden(&b, FindingKind::XrefDifferential, Some(9));
}

#[test]
fn xref_differential_an_entry_past_the_end_of_the_file() {
    let mut b = signed("", "");
    b.table_at(&[(9, 9_999_999)], "");
    assert_forbidden(&b, FindingKind::XrefDifferential, Some(9));
}

#[test]
fn a_second_signature_is_permitted() {
    let mut b = signed("", "");
    b.obj(
        13,
        &format!(
            "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached \
             {BYTE_RANGE_SLOT} /Contents <3003020100000001> >>"
        ),
    );
    b.obj(
        12,
        "<< /FT /Sig /T (Sig2) /V 13 0 R /Type /Annot /Subtype /Widget /Rect [0 0 0 0] \
         /F 132 /P 3 0 R >>",
    );
    b.table(&[12, 13], "");
    assert_eq!(judge(&b), (Modifications::Permitted, Vec::new()));
}

#[test]
fn form_filling_is_permitted_without_certification() {
    let mut b = signed("", "");
    b.obj(
        6,
        "<< /FT /Tx /T (SoVanBan) /V (456/QD-UBND) /Type /Annot /Subtype /Widget \
         /Rect [50 700 250 720] /F 4 /P 3 0 R /AP << /N 10 0 R >> >>",
    );
    b.stream(
        10,
        "/Type /XObject /Subtype /Form /BBox [0 0 200 20]",
        b"BT /F1 10 Tf 2 5 Td (456/QD-UBND) Tj ET",
    );
    b.table(&[6, 10], "");
    assert_eq!(judge(&b), (Modifications::Permitted, Vec::new()));
}

#[test]
fn field_lock_violation_a_locked_field_filled() {
    let mut b = signed(
        "/Reference [<< /Type /SigRef /TransformMethod /FieldMDP /TransformParams << \
         /Type /TransformParams /Action /Include /Fields [(SoVanBan)] /V /1.2 >> >>]",
        "",
    );
    b.obj(
        6,
        "<< /FT /Tx /T (SoVanBan) /V (456/QD-UBND) /Type /Annot /Subtype /Widget \
         /Rect [50 700 250 720] /F 4 /P 3 0 R /AP << /N 10 0 R >> >>",
    );
    b.table(&[6], "");
    assert_forbidden(&b, FindingKind::FieldLockViolation, Some(6));
}

fn certified(p: u8) -> Pdf {
    signed(
        &format!(
            "/Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << \
             /Type /TransformParams /P {p} /V /1.2 >> >>]"
        ),
        "/Perms << /DocMDP 5 0 R >>",
    )
}

fn add_free_text(b: &mut Pdf) {
    b.obj(
        13,
        "<< /Type /Annot /Subtype /FreeText /Rect [40 740 340 770] /Contents (9.000.000) \
         /DA (/Helv 12 Tf 0 g) >>",
    );
    b.obj(
        3,
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 7 0 R \
         /Resources << /Font << /F1 8 0 R >> /XObject << /Ov 9 0 R >> >> \
         /Annots [4 0 R 6 0 R 12 0 R 13 0 R] >>",
    );
    b.table(&[3, 13], "");
}

#[test]
fn certification_violation_evil_annotation_on_level_2() {
    let mut b = certified(2);
    add_free_text(&mut b);
    assert_forbidden(&b, FindingKind::CertificationViolation, Some(3));
}

#[test]
fn annotations_are_permitted_on_level_3() {
    let mut b = certified(3);
    add_free_text(&mut b);
    assert_eq!(judge(&b), (Modifications::Permitted, Vec::new()));
}

#[test]
fn annotations_after_an_approval_signature_are_forbidden() {
    let mut b = signed("", "");
    add_free_text(&mut b);
    assert_forbidden(&b, FindingKind::IncrementalSaving, Some(3));
}

#[test]
fn certification_violation_form_filling_on_level_1() {
    let mut b = certified(1);
    b.obj(
        6,
        "<< /FT /Tx /T (SoVanBan) /V (456/QD-UBND) /Type /Annot /Subtype /Widget \
         /Rect [50 700 250 720] /F 4 /P 3 0 R /AP << /N 10 0 R >> >>",
    );
    b.table(&[6], "");
    assert_forbidden(&b, FindingKind::CertificationViolation, Some(6));
}

#[test]
fn sneaky_signature_an_unsigned_signature_field_given_an_appearance() {
    let mut b = certified(2);
    b.stream(
        13,
        "/Type /XObject /Subtype /Form /BBox [0 0 595 842]",
        b"1 g 0 0 595 842 re f 0 g BT /F1 12 Tf 50 750 Td (So tien: 9 dong) Tj ET",
    );
    b.obj(
        12,
        "<< /FT /Sig /T (Sig2) /Type /Annot /Subtype /Widget /Rect [0 0 595 842] /F 4 \
         /P 3 0 R /AP << /N 13 0 R >> >>",
    );
    b.table(&[12, 13], "");
    assert_forbidden(&b, FindingKind::ShadowReplace, Some(12));
}

#[test]
fn long_term_validation_material_is_permitted_even_on_level_1() {
    let mut b = certified(1);
    b.stream(13, "", "0\u{82}".as_bytes());
    b.obj(14, "<< /Type /DSS /Certs [13 0 R] >>");
    b.obj(
        1,
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R 6 0 R 12 0 R] \
         /SigFlags 3 >> /Perms << /DocMDP 5 0 R >> /DSS 14 0 R >>",
    );
    b.table(&[1, 13, 14], "");
    assert_eq!(judge(&b), (Modifications::Permitted, Vec::new()));
}

#[test]
fn each_revision_pair_is_classified_once_for_every_earlier_signature() {
    // Two updates: a permitted second signature, then rewritten page content. Both
    // signatures see the same finding, computed once in the document's diffs.
    let mut b = signed("", "");
    b.obj(
        12,
        "<< /FT /Sig /T (Sig2) /V 13 0 R /Type /Annot /Subtype /Widget /Rect [0 0 0 0] \
         /F 132 /P 3 0 R >>",
    );
    b.obj(
        13,
        "<< /Type /Sig /ByteRange [0 1 2 3] /Contents <30030201> >>",
    );
    b.table(&[12, 13], "");
    b.stream(7, "", b"BT (SUA DOI) Tj ET");
    b.table(&[7], "");
    let (doc, changes) = forensics::examine(&b.buf).expect("reads");
    assert_eq!(changes.len(), 2, "one diff per revision pair");
    let (m1, f1) = forensics::evaluate(&doc, &changes, 1);
    let (m2, f2) = forensics::evaluate(&doc, &changes, 2);
    assert_eq!(
        (m1, m2),
        (Modifications::Forbidden, Modifications::Forbidden)
    );
    assert_eq!(f1, f2);
    assert_eq!(f1[0].revision, 3);
    assert_eq!(
        forensics::evaluate(&doc, &changes, 3).0,
        Modifications::None
    );
}
