//! The PDF signature attacks of the PDF Insecurity studies (Mainka, Mladenov, Rohlmann): what
//! they plant in the original revision, the certification and field lock the first signature
//! sets, and what each does to the signed file: an unsigned update (incremental saving, shadow
//! hide/replace/hide-and-replace, an unreachable update, the evil annotation, a locked field
//! changed) or a damaged signature dictionary (signature wrapping, universal forgery).

use anyhow::Result;
use rand::{Rng, RngCore};
use rand_chacha::ChaCha8Rng;

use super::original::Objects;
use super::shape::SigSpec;
use super::signing::Signed;
use super::text::{amount_line, page_text};
use super::{Draft, Outcome};
use crate::cases::Case;
use crate::pdf::{literal, Writer};
use crate::verdict::{Indication, SubIndication};

/// Size of the overlay form XObject of [`Case::ShadowHide`].
const OVERLAY_W: u32 = 300;
const OVERLAY_H: u32 = 18;

/// The verdict on a signature whose dictionary was attacked ([`Case::SignatureWrapping`],
/// [`Case::UniversalForgery`]): its /Contents is not what its /ByteRange gap holds, or holds no
/// signature at all: the signature is not conformant to its format (ETSI EN 319 102-1
/// §5.1.3: TOTAL_FAILED, FORMAT_FAILURE).
const DAMAGED_SIGNATURE: (Indication, Option<SubIndication>) =
    (Indication::TotalFailed, Some(SubIndication::FormatFailure));

/// The text field of [`Case::FieldLockViolation`].
const TEXT_FIELD: &str = "SoVanBan";

/// The text field's widget rectangle, right of the document number on page 1.
const TEXT_FIELD_RECT: (f64, f64, f64, f64) = (380.0, 756.0, 540.0, 772.0);

/// The DocMDP permission level of certification signatures: form filling and signing.
const DOCMDP_P: u32 = 2;

/// The amount line the shadow cases give page 1: one a signer approves, and one an attacker
/// wants shown.
pub(super) fn draw_amounts(case: Case, rng: &mut ChaCha8Rng) -> Option<(String, String)> {
    matches!(
        case,
        Case::ShadowHide | Case::ShadowReplace | Case::ShadowHideAndReplace
    )
    .then(|| {
        let a = rng.gen_range(100..1000);
        let b = rng.gen_range(100..1000);
        (
            format!("So tien thanh toan: 1.{a:03}.000.000 dong"),
            format!("So tien thanh toan: 9.{b:03}.000.000 dong"),
        )
    })
}

fn overlay_dict(font: u32) -> String {
    format!(
        "/Type /XObject /Subtype /Form /BBox [0 0 {OVERLAY_W} {OVERLAY_H}] /Resources << /Font << /F1 {font} 0 R >> >>"
    )
}

/// Ends page 1's `text` with the amount line at `y`: the forged amount hidden under the
/// overlay ([`Case::ShadowHide`], whose overlay it writes), or the approved one (the other
/// shadow cases; [`Case::ShadowHideAndReplace`] also writes its unused content stream, the same
/// page with the forged amount).
pub(super) fn write_amount_line(
    w: &mut Writer,
    ids: &Objects,
    (approved, forged): &(String, String),
    y: i64,
    text: &mut Vec<u8>,
) {
    let shadow = text.clone();
    match (ids.overlay, ids.shadow_content) {
        (Some(ov), _) => {
            // The forged amount, hidden under an opaque box showing the approved one.
            text.extend_from_slice(amount_line(y, forged).as_bytes());
            text.extend_from_slice(format!("q 1 0 0 1 50 {} cm /Ov0 Do Q\n", y - 5).as_bytes());
            let box_text = format!(
                "1 g 0 0 {OVERLAY_W} {OVERLAY_H} re f 0 g BT /F1 11 Tf 6 5 Td {} Tj ET",
                literal(approved)
            );
            w.stream(ov, &overlay_dict(ids.font), box_text.as_bytes(), true);
        }
        (None, Some(s)) => {
            text.extend_from_slice(amount_line(y, approved).as_bytes());
            // The same page with the forged amount, which no page uses (yet).
            let mut shadow = shadow;
            shadow.extend_from_slice(amount_line(y, forged).as_bytes());
            w.stream(s, "", &shadow, true);
        }
        (None, None) => text.extend_from_slice(amount_line(y, approved).as_bytes()),
    }
}

fn text_field_ap_dict(font: u32) -> String {
    let (x0, y0, x1, y1) = TEXT_FIELD_RECT;
    format!(
        "/Type /XObject /Subtype /Form /BBox [0 0 {:.1} {:.1}] /Resources << /Font << /F1 {font} 0 R >> >>",
        x1 - x0,
        y1 - y0
    )
}

fn text_field_ap(value: &str) -> String {
    format!(
        "/Tx BMC q BT /F1 10 Tf 0 g 2 4 Td {} Tj ET Q EMC",
        literal(value)
    )
}

/// The text field merged with its widget (ISO 32000-1, 12.7.4.3).
fn text_field_dict(value: &str, ap: u32, page: u32) -> String {
    let (x0, y0, x1, y1) = TEXT_FIELD_RECT;
    format!(
        "<< /FT /Tx /T {} /V {} /DA (/F1 10 Tf 0 g) /Type /Annot /Subtype /Widget /Rect [{x0:.1} {y0:.1} {x1:.1} {y1:.1}] /F 4 /P {page} 0 R /AP << /N {ap} 0 R >> >>",
        literal(TEXT_FIELD),
        literal(value)
    )
}

/// The text field a signature's FieldMDP locks, holding `value` (the document number), with
/// its appearance stream, on `page`.
pub(super) fn write_text_field(
    w: &mut Writer,
    (tx, ap): (u32, u32),
    font: u32,
    page: u32,
    value: &str,
) {
    w.stream(
        ap,
        &text_field_ap_dict(font),
        text_field_ap(value).as_bytes(),
        false,
    );
    w.dict_object(tx, &text_field_dict(value, ap, page), true);
}

/// The `/Reference` of the first signature's dictionary: it certifies the document (DocMDP),
/// or locks the text field (FieldMDP); empty otherwise.
pub(super) fn first_signature_reference(case: Case, text_field: bool) -> String {
    if case.certifies() {
        format!(
            " /Reference [<< /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P {DOCMDP_P} /V /1.2 >> >>]"
        )
    } else if text_field {
        format!(
            " /Reference [<< /TransformMethod /FieldMDP /TransformParams << /Type /TransformParams /Action /Include /Fields [{}] /V /1.2 >> >>]",
            literal(TEXT_FIELD)
        )
    } else {
        String::new()
    }
}

/// The `/Lock` of the first signature's field when a text field exists; empty otherwise.
pub(super) fn first_field_lock(text_field: bool) -> String {
    if text_field {
        format!(
            " /Lock << /Type /SigFieldLock /Action /Include /Fields [{}] >>",
            literal(TEXT_FIELD)
        )
    } else {
        String::new()
    }
}

/// The unsigned update after the signatures of the attack cases that make one: every
/// signature gets its finding and `forbidden`.
pub(super) fn unsigned_update(d: &mut Draft<'_>, sigs: &[SigSpec<'_>]) -> Result<Outcome> {
    let (finding, reason) = match d.plan.case {
        Case::ModifiedAfterSigning => ("incremental_saving", replace_page1_content(d)),
        Case::ShadowHide => ("shadow_hide", shadow_hide(d)),
        Case::ShadowReplace => ("shadow_replace", shadow_replace(d)),
        Case::ShadowHideAndReplace => ("shadow_hide_and_replace", shadow_hide_and_replace(d)?),
        Case::UnreachableUpdate => ("unreachable_update", unreachable_update(d)),
        Case::CertificationViolation => ("certification_violation", evil_annotation(d, sigs)),
        Case::FieldLockViolation => ("field_lock_violation", change_locked_field(d, sigs)),
        case => unreachable!("{} makes no unsigned update", case.name()),
    };
    Ok(Outcome {
        forbidden_after: true,
        finding_after: Some(finding),
        reason: Some(reason),
        ..Outcome::default()
    })
}

/// Incremental saving: an unsigned update overwrites the first page's content stream.
fn replace_page1_content(d: &mut Draft<'_>) -> String {
    let p = 0;
    let lines = d.rng.gen_range(20..46);
    let mut header = d.headers[p].clone();
    header.push("(SUA DOI) So tien: 9.999.000.000 dong".to_string());
    let text = page_text(&mut d.rng, &header, lines);
    d.w.stream(d.ids.contents[p], "", &text, true);
    d.end_revision();
    format!(
        "page 1 content (object {}) replaced by an unsigned incremental update",
        d.ids.contents[p]
    )
}

fn shadow_hide(d: &mut Draft<'_>) -> String {
    let ov = d.ids.overlay.expect("overlay");
    d.w.stream(ov, &overlay_dict(d.ids.font), b"", false);
    d.end_revision();
    let (approved, forged) = d.amounts.as_ref().expect("amounts");
    format!(
        "shadow attack (hide): an unsigned incremental update replaces the form XObject {ov} (/Ov0, drawn by page 1's content over its last line, showing \"{approved}\") by an empty one, revealing \"{forged}\" beneath"
    )
}

fn shadow_replace(d: &mut Draft<'_>) -> String {
    let font = d.ids.font;
    d.w.object(
        font,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [49 /nine] >> >>",
    );
    d.end_revision();
    let (approved, _) = d.amounts.as_ref().expect("amounts");
    format!(
        "shadow attack (replace): an unsigned incremental update replaces page 1's font (object {font}, /F1) by one whose /Differences [49 /nine] shows every 1 as 9: \"{approved}\" reads \"{}\"",
        approved.replace('1', "9")
    )
}

fn shadow_hide_and_replace(d: &mut Draft<'_>) -> Result<String> {
    let sc = d.ids.shadow_content.expect("shadow content");
    let page = d.ids.page_dict(0, &d.form.annots[0]);
    let old = format!("/Contents {} 0 R", d.ids.contents[0]);
    anyhow::ensure!(page.matches(&old).count() == 1, "page 1 /Contents");
    d.w.object(
        d.ids.pages[0],
        page.replace(&old, &format!("/Contents {sc} 0 R"))
            .as_bytes(),
    );
    d.end_revision();
    let (approved, forged) = d.amounts.as_ref().expect("amounts");
    Ok(format!(
        "shadow attack (hide and replace): an unsigned incremental update rewrites page 1 (object {}) so that its /Contents is object {sc}, a content stream already in the signed original revision but not displayed (\"{forged}\" instead of \"{approved}\")",
        d.ids.pages[0]
    ))
}

/// Incremental saving with a parser differential: a short, unfiltered redefinition (the page's
/// header and a new amount), so that the signed revision's `startxref` stays within the last
/// 1024 bytes, where readers look for it; no cross-reference section reaches it.
fn unreachable_update(d: &mut Draft<'_>) -> String {
    let p = 0;
    let mut header = d.headers[p].clone();
    header.push("(SUA DOI) So tien: 9.999.000.000 dong".to_string());
    let text = page_text(&mut d.rng, &header, 0);
    d.w.stream(d.ids.contents[p], "", &text, false);
    let table = d.plan.index % 2 == 1;
    let mut id1 = [0u8; 16];
    d.rng.fill_bytes(&mut id1);
    d.w.end_unreachable(&d.trailer, id1, table);
    format!(
        "incremental saving attack: page 1 content (object {}) redefined after the last signature by bytes no cross-reference section reaches ({}); a reader rebuilding the xref by scanning shows them",
        d.ids.contents[p],
        if table {
            "their xref table is not the one the last startxref names, which is still the signed revision's"
        } else {
            "no xref section, no startxref"
        }
    )
}

/// The evil annotation attack: a FreeText annotation (with an appearance) added to page 1 of a
/// certified document.
fn evil_annotation(d: &mut Draft<'_>, sigs: &[SigSpec<'_>]) -> String {
    let (font, page) = (d.ids.font, d.ids.pages[0]);
    let annot = d.w.alloc();
    let ap = d.w.alloc();
    let note = "Da duyet - dieu chinh so tien: 9.999.000.000 dong";
    let (wd, ht) = (260.0, 30.0);
    d.w.stream(
        ap,
        &format!("/Type /XObject /Subtype /Form /BBox [0 0 {wd:.1} {ht:.1}] /Resources << /Font << /F1 {font} 0 R >> >>"),
        format!("1 1 0.8 rg 0 0 {wd:.1} {ht:.1} re f BT 0.8 0 0 rg /F1 10 Tf 4 11 Td {} Tj ET", literal(note)).as_bytes(),
        false,
    );
    d.w.object(
        annot,
        format!(
            "<< /Type /Annot /Subtype /FreeText /Rect [300 700 {:.1} {:.1}] /Contents {} /DA (/F1 10 Tf 0.8 0 0 rg) /F 4 /P {page} 0 R /AP << /N {ap} 0 R >> >>",
            300.0 + wd,
            700.0 + ht,
            literal(note),
        )
        .as_bytes(),
    );
    let mut page_annots = d.form.annots[0].clone();
    page_annots.push(annot);
    d.w.object(page, d.ids.page_dict(0, &page_annots).as_bytes());
    d.end_revision();
    format!(
        "evil annotation attack: Sig1_{} certifies the document with DocMDP P={DOCMDP_P} (form filling and signing only); an unsigned incremental update adds a FreeText annotation (object {annot}) to page 1 (object {page})",
        sigs[0].role
    )
}

/// The text field locked by the first signature gets another value and a new appearance.
fn change_locked_field(d: &mut Draft<'_>, sigs: &[SigSpec<'_>]) -> String {
    let (tx, _) = d.ids.text_field.expect("text field");
    let forged = format!(
        "{}/QD-{}",
        (d.shape.doc_no + 700) % 2000 + 1,
        d.shape.agency_code
    );
    let ap = d.w.alloc();
    d.w.stream(
        ap,
        &text_field_ap_dict(d.ids.font),
        text_field_ap(&forged).as_bytes(),
        false,
    );
    d.w.object(tx, text_field_dict(&forged, ap, d.ids.pages[0]).as_bytes());
    d.end_revision();
    format!(
        "field lock violation: the text field {TEXT_FIELD} (object {tx}), locked by Sig1_{}'s FieldMDP, changes from ({}) to ({forged}) with a new appearance (object {ap}) in an unsigned incremental update",
        sigs[0].role,
        d.shape.number()
    )
}

/// Signature wrapping or universal forgery on the last signature's dictionary: every signed
/// byte unchanged, the signature `TOTAL_FAILED`/`FORMAT_FAILURE` with its finding.
pub(super) fn damage_last_signature(
    d: &mut Draft<'_>,
    sigs: &mut [SigSpec<'_>],
    signed: &Signed,
) -> Result<Outcome> {
    let last = sigs.len() - 1;
    let [_, b, c, _] = signed.byte_ranges[last];
    let (lt, gt) = (b as usize, c as usize - 1);
    let buf = &mut d.w.buf;
    anyhow::ensure!(
        buf[lt] == b'<' && buf[gt] == b'>',
        "/ByteRange gap is the /Contents string"
    );
    let field = format!("Sig{}_{}", last + 1, sigs[last].role);
    let (kind, reason) = if d.plan.case == Case::SignatureWrapping {
        // <DER> /Wrapped <00…>: the same gap, holding more than /Contents.
        const WRAP: &[u8] = b"> /Wrapped <";
        let at = lt + 1 + signed.der_hex_lens[last];
        anyhow::ensure!(at + WRAP.len() + 2 <= gt, "no room to wrap");
        buf[at..at + WRAP.len()].copy_from_slice(WRAP);
        (
            "signature_wrapping",
            format!("signature wrapping: the /ByteRange gap of signature {field} ([{b}, {c})) holds its /Contents and a further entry /Wrapped <00…>"),
        )
    } else {
        buf[lt + 1..gt].fill(b'0');
        (
            "universal_forgery",
            format!("universal signature forgery: signature {field} has /Contents all zeros"),
        )
    };
    sigs[last].expected = DAMAGED_SIGNATURE;
    Ok(Outcome {
        damaged: Some((last, kind)),
        reason: Some(reason),
        ..Outcome::default()
    })
}
