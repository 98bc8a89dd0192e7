//! One document: an original revision (text pages, appendices, attachments), then one
//! incremental update per signature, then whatever the case asks for.
//!
//! Signatures are written the ordinary way (ISO 32000-1, 12.8.1): a signature field merged with
//! its widget annotation in the AcroForm `/Fields` and the page's `/Annots`, a signature
//! dictionary whose `/Contents` hex string is reserved with zero padding and whose `/ByteRange`
//! `[0 a b c]` excludes exactly that string (`a` is the offset of `<`, `b` the offset after `>`).

use std::fmt::Write as _;

use anyhow::Result;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sigaudit::verdict::{DocumentStatus, Indication, Modifications, SubIndication};

use crate::cases::Case;
use crate::cms::{self, Defects, DigestAlg, SubFilter};
use crate::keys::{KeyKind, KeyStore};
use crate::manifest;
use crate::pdf::{literal, text_string, Writer, XrefStyle};
use crate::pki::{fold, Pki, Signer, SignerStatus, LATE_REVOCATION};
use crate::time::{date, pdf_date, rfc3339, Unix, SIGNING_FROM, SIGNING_UNTIL, VALIDATION_TIME};

/// Everything decided about a document before it is built (cheap, made sequentially).
#[derive(Clone, Debug)]
pub struct Plan {
    /// Position in the corpus (0-based).
    pub index: usize,
    /// Seed of the document's own random stream.
    pub seed: u64,
    /// The labelled case.
    pub case: Case,
    /// Attachment sizes in bytes (0 = none).
    pub attachments: Vec<u64>,
    /// Further organisation signatures after the usual ones (confirmation stamps), for
    /// documents with many signatures; corpora use 0.
    pub extra_signatures: usize,
    /// The fixed shape of the `benchmark` profile: six signatures (an organisation's
    /// RSA-2048 key four times, people's P-256 keys twice), no co-signer, no appendix
    /// signatures, no timestamps, no DSS.
    pub fixed_shape: bool,
}

/// A built document.
pub struct Built {
    /// The file.
    pub bytes: Vec<u8>,
    /// Its manifest line (without `bytes`/`sha256`, filled by the caller).
    pub manifest: manifest::Document,
}

/// Shared inputs of every document.
pub struct Context<'a> {
    /// Signing keys.
    pub keys: &'a KeyStore,
    /// Certificates and CRLs.
    pub pki: &'a Pki,
}

/// The file name of document `index`.
pub fn doc_name(index: usize) -> String {
    format!("docs/doc-{:06}.pdf", index + 1)
}

struct SigSpec<'a> {
    role: &'static str,
    signer: &'a Signer,
    /// Index into keys.signers of the key that actually signs.
    signing_key: usize,
    subfilter: SubFilter,
    digest: DigestAlg,
    defects: Defects,
    page: usize,
    expected: (Indication, Option<SubIndication>),
    /// The signature timestamp's imprint does not match the signature value.
    wrong_timestamp: bool,
}

const WORDS: [&str; 40] = [
    "quyet", "dinh", "ve", "viec", "phe", "duyet", "ke", "hoach", "ngan", "sach", "nha", "nuoc",
    "cac", "co", "quan", "don", "vi", "thuc", "hien", "theo", "quy", "dinh", "phap", "luat",
    "trien", "khai", "bao", "cao", "tinh", "hinh", "dau", "tu", "cong", "trinh", "so", "lieu",
    "thong", "ke", "nam", "2025",
];

fn page_text(rng: &mut ChaCha8Rng, header: &[String], lines: usize) -> Vec<u8> {
    let mut s = String::from("BT\n/F1 11 Tf\n14 TL\n56 790 Td\n");
    for h in header {
        writeln!(s, "{} Tj T*", literal(h)).expect("String");
    }
    s.push_str("T*\n");
    for _ in 0..lines {
        let mut line = String::new();
        while line.len() < 78 {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(WORDS[rng.gen_range(0..WORDS.len())]);
        }
        writeln!(s, "{} Tj T*", literal(&line)).expect("String");
    }
    s.push_str("ET\n");
    s.into_bytes()
}

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

/// The DocMDP permission level of certification signatures: form filling and signing.
const DOCMDP_P: u32 = 2;

/// One line of text at `y` on the page text's left margin.
fn amount_line(y: i64, text: &str) -> String {
    format!("BT\n/F1 11 Tf\n56 {y} Td\n{} Tj\nET\n", literal(text))
}

/// `N 0 R` for each object, space-separated.
fn refs(ids: &[u32]) -> String {
    ids.iter()
        .map(|id| format!("{id} 0 R"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text field's widget rectangle, right of the document number on page 1.
const TEXT_FIELD_RECT: (f64, f64, f64, f64) = (380.0, 756.0, 540.0, 772.0);

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

/// A signer drawn from `pool` (positions in `pki.signers`).
fn draw<'a>(pki: &'a Pki, pool: &[usize], rng: &mut ChaCha8Rng) -> &'a Signer {
    &pki.signers[pool[rng.gen_range(0..pool.len())]]
}

/// Builds document `plan` (which must not be an unreadable case).
pub fn build(ctx: &Context<'_>, plan: &Plan) -> Result<Built> {
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let pki = ctx.pki;
    let style = match rng.gen_range(0..4) {
        0 | 1 => XrefStyle::Table,
        2 => XrefStyle::Stream,
        _ => XrefStyle::StreamWithObjStm,
    };

    // People sign for the organisation that employs them. The fixed shape wants people with
    // P-256 keys (organisations' keys are RSA-2048), so it picks among organisations that
    // employ one.
    let pools = &pki.pools;
    let org_pool = match plan.fixed_shape {
        true => &pools.organisations_with_p256_staff,
        false => &pools.organisations,
    };
    let org_pos = org_pool[rng.gen_range(0..org_pool.len())];
    let org = &pki.signers[org_pos];
    let staff: Vec<&Signer> = pools
        .staff
        .get(&org_pos)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(|&p| &pki.signers[p])
        .filter(|s| !plan.fixed_shape || s.kind == crate::keys::KeyKind::P256)
        .collect();
    let person = |rng: &mut ChaCha8Rng| -> &Signer {
        if staff.is_empty() {
            draw(pki, &pools.people, rng)
        } else {
            staff[rng.gen_range(0..staff.len())]
        }
    };
    let authority = person(&mut rng);
    let clerk = person(&mut rng);

    let body_pages = 1 + (rng.gen_range(0.0f64..1.0).powi(2) * 20.0) as usize % 20;
    let appendices: Vec<usize> = match rng.gen_range(0..20) {
        0..=9 => vec![],
        10..=15 => vec![rng.gen_range(1..=4)],
        16..=18 => vec![rng.gen_range(1..=3), rng.gen_range(1..=3)],
        _ => vec![1, rng.gen_range(1..=5), rng.gen_range(1..=2)],
    };
    let total_pages = body_pages + appendices.iter().sum::<usize>();
    let doc_no = rng.gen_range(1..2000);
    let agency_code =
        ["UBND", "STC", "SNV", "SKHDT", "SGDDT", "SYT", "STP", "SXD"][org.index / 5 % 8];

    // The signatures: authority, number, date, organisation, clerk, seal (+ co-signer,
    // + one organisation signature per appendix).
    let cades_share = rng.gen_range(0.0..1.0);
    let mut sigs: Vec<SigSpec<'_>> = Vec::new();
    let last_body_page = body_pages - 1;
    let mut roles: Vec<(&'static str, &Signer, usize)> = vec![
        ("NguoiKy", authority, last_body_page),
        ("SoVanBan", org, 0),
        ("NgayBanHanh", org, 0),
        ("CoQuan", org, last_body_page),
        ("VanThu", clerk, last_body_page),
        ("DauCoQuan", org, last_body_page),
    ];
    if rng.gen_bool(0.25) && !plan.fixed_shape {
        roles.insert(1, ("DongKy", person(&mut rng), last_body_page));
    }
    let mut first_page = body_pages;
    const APPENDIX_ROLES: [&str; 3] = ["PhuLuc1", "PhuLuc2", "PhuLuc3"];
    for (i, n) in appendices.iter().enumerate() {
        if !plan.fixed_shape {
            roles.push((APPENDIX_ROLES[i], org, first_page));
        }
        first_page += n;
    }
    const EXTRA_ROLES: [&str; 32] = [
        "XacNhan01",
        "XacNhan02",
        "XacNhan03",
        "XacNhan04",
        "XacNhan05",
        "XacNhan06",
        "XacNhan07",
        "XacNhan08",
        "XacNhan09",
        "XacNhan10",
        "XacNhan11",
        "XacNhan12",
        "XacNhan13",
        "XacNhan14",
        "XacNhan15",
        "XacNhan16",
        "XacNhan17",
        "XacNhan18",
        "XacNhan19",
        "XacNhan20",
        "XacNhan21",
        "XacNhan22",
        "XacNhan23",
        "XacNhan24",
        "XacNhan25",
        "XacNhan26",
        "XacNhan27",
        "XacNhan28",
        "XacNhan29",
        "XacNhan30",
        "XacNhan31",
        "XacNhan32",
    ];
    for role in EXTRA_ROLES.iter().take(plan.extra_signatures) {
        roles.push((role, org, last_body_page));
    }
    for (role, signer, page) in roles {
        let subfilter = if rng.gen_range(0.0..1.0) < cades_share {
            SubFilter::CadesDetached
        } else {
            SubFilter::Pkcs7Detached
        };
        sigs.push(SigSpec {
            role,
            signer,
            signing_key: signer.key,
            subfilter,
            digest: DigestAlg::Sha256,
            defects: Defects::default(),
            page,
            expected: (Indication::TotalPassed, None),
            wrong_timestamp: false,
        });
    }

    // The case's defect lands on one signature.
    let k = rng.gen_range(0..sigs.len());
    let same_kind = |kind: KeyKind, not: usize| -> usize {
        (0..ctx.keys.signers.len())
            .map(|i| (i + not + 1) % ctx.keys.signers.len())
            .find(|&i| ctx.keys.signers[i].kind() == kind && i != not)
            .expect("another key of the same kind")
    };
    match plan.case {
        Case::LegacySha1 => {
            sigs[k].digest = DigestAlg::Sha1;
            sigs[k].subfilter = SubFilter::Pkcs7Detached;
            sigs[k].expected = (
                Indication::Indeterminate,
                Some(SubIndication::CryptoConstraintsFailureNoPoe),
            );
        }
        Case::BadSignatureValue => {
            sigs[k].defects.corrupt_signature = true;
            sigs[k].expected = (
                Indication::TotalFailed,
                Some(SubIndication::SigCryptoFailure),
            );
        }
        Case::WrongSigningKey => {
            sigs[k].signing_key = same_kind(sigs[k].signer.kind, sigs[k].signer.key);
            sigs[k].expected = (
                Indication::TotalFailed,
                Some(SubIndication::SigCryptoFailure),
            );
        }
        Case::MessageDigestMismatch => {
            sigs[k].defects.wrong_message_digest = true;
            sigs[k].expected = (Indication::TotalFailed, Some(SubIndication::HashFailure));
        }
        Case::NoSigningCertificate => {
            sigs[k].defects.omit_signer_certificate = true;
            sigs[k].expected = (
                Indication::Indeterminate,
                Some(SubIndication::NoSigningCertificateFound),
            );
        }
        Case::RevokedSigner => {
            let s = draw(pki, &pools.revoked, &mut rng);
            sigs[k].signer = s;
            sigs[k].signing_key = s.key;
            sigs[k].expected = (Indication::Indeterminate, Some(SubIndication::RevokedNoPoe));
        }
        Case::RevokedSignerTimestamped | Case::OcspRevokedSigner => {
            let s = draw(pki, &pools.revoked, &mut rng);
            sigs[k].signer = s;
            sigs[k].signing_key = s.key;
            sigs[k].expected = if plan.case == Case::RevokedSignerTimestamped {
                // The timestamp (2025+) proves the signature was made after the revocation.
                (Indication::TotalFailed, Some(SubIndication::Revoked))
            } else {
                (Indication::Indeterminate, Some(SubIndication::RevokedNoPoe))
            };
        }
        Case::RevokedAfterTimestamp | Case::ForgedSignatureTimestamp => {
            let s = &pki.late_revoked[rng.gen_range(0..pki.late_revoked.len())];
            sigs[k].signer = s;
            sigs[k].signing_key = s.key;
            if plan.case == Case::ForgedSignatureTimestamp {
                sigs[k].wrong_timestamp = true;
                sigs[k].expected = (Indication::Indeterminate, Some(SubIndication::RevokedNoPoe));
            }
        }
        Case::ExpiredSigner => {
            let s = draw(pki, &pools.expired, &mut rng);
            sigs[k].signer = s;
            sigs[k].signing_key = s.key;
            sigs[k].expected = (
                Indication::Indeterminate,
                Some(SubIndication::OutOfBoundsNoPoe),
            );
        }
        Case::UnknownRoot => {
            let s = &pki.rogue_signers[rng.gen_range(0..pki.rogue_signers.len())];
            sigs[k].signer = s;
            sigs[k].signing_key = s.key;
            sigs[k].expected = (
                Indication::Indeterminate,
                Some(SubIndication::NoCertificateChainFound),
            );
        }
        _ => {}
    }

    // Timestamps and LTV: drawn from a second stream of the document's seed, so that the rest
    // of the document does not depend on them.
    let mut ts_rng = ChaCha8Rng::seed_from_u64(plan.seed);
    ts_rng.set_stream(1);
    let draw_timestamps = ts_rng.gen_bool(0.3);
    let draw_ltv = ts_rng.gen_bool(0.2);
    let timestamped = plan.case.timestamps_signatures()
        || (plan.case == Case::Valid && draw_timestamps && !plan.fixed_shape);
    let ltv = plan.case.always_ltv() || (plan.case == Case::Valid && draw_ltv && !plan.fixed_shape);

    let mut id0 = [0u8; 16];
    rng.fill_bytes(&mut id0);
    let mut w = Writer::new(style, id0);

    // ---- Revision 1: the original document. ----
    let catalog = w.alloc();
    let pages_root = w.alloc();
    let acroform = w.alloc();
    let info = w.alloc();
    let font = w.alloc();
    let page_ids: Vec<u32> = (0..total_pages).map(|_| w.alloc()).collect();
    let content_ids: Vec<u32> = (0..total_pages).map(|_| w.alloc()).collect();
    // Objects of the attack cases, numbered after the pages' (other cases allocate none).
    let overlay = (plan.case == Case::ShadowHide).then(|| w.alloc());
    let shadow_content = (plan.case == Case::ShadowHideAndReplace).then(|| w.alloc());
    let text_field = (plan.case == Case::FieldLockViolation).then(|| (w.alloc(), w.alloc()));
    let mut header_of_page = Vec::new();
    let mut appendix_of_page = vec![None; total_pages];
    {
        let mut p = body_pages;
        for (i, n) in appendices.iter().enumerate() {
            for slot in appendix_of_page.iter_mut().skip(p).take(*n) {
                *slot = Some(i + 1);
            }
            p += n;
        }
    }
    let province = fold(crate::pki::PROVINCES[org.index / 5 / 8 % 16]);
    let title = format!(
        "Quyet dinh so {doc_no}/QD-{agency_code} cua {}",
        fold(&org.common_name)
    );
    for (p, appendix) in appendix_of_page.iter().enumerate() {
        let mut header = vec![
            "CONG HOA XA HOI CHU NGHIA VIET NAM".to_string(),
            "Doc lap - Tu do - Hanh phuc".to_string(),
        ];
        match appendix {
            None if p == 0 => {
                header.push(format!("So: {doc_no}/QD-{agency_code}    {province}"));
                header.push(format!("QUYET DINH - {}", fold(&org.common_name)));
            }
            None => header.push(format!("Trang {}/{}", p + 1, body_pages)),
            Some(a) => header.push(format!("PHU LUC {a} kem theo Quyet dinh so {doc_no}")),
        }
        header_of_page.push(header);
    }
    // The shadow cases give page 1 an amount line: one a signer approves, and one an attacker
    // wants shown.
    let amounts = matches!(
        plan.case,
        Case::ShadowHide | Case::ShadowReplace | Case::ShadowHideAndReplace
    )
    .then(|| {
        let a = rng.gen_range(100..1000);
        let b = rng.gen_range(100..1000);
        (
            format!("So tien thanh toan: 1.{a:03}.000.000 dong"),
            format!("So tien thanh toan: 9.{b:03}.000.000 dong"),
        )
    });
    let overlay_dict = format!(
        "/Type /XObject /Subtype /Form /BBox [0 0 {OVERLAY_W} {OVERLAY_H}] /Resources << /Font << /F1 {font} 0 R >> >>"
    );
    for p in 0..total_pages {
        let lines = rng.gen_range(20..46);
        let mut text = page_text(&mut rng, &header_of_page[p], lines);
        if let (0, Some((approved, forged))) = (p, &amounts) {
            // The next line after the page text.
            let y = 790 - 14 * (header_of_page[p].len() + 1 + lines) as i64;
            let shadow = text.clone();
            match (overlay, shadow_content) {
                (Some(ov), _) => {
                    // The forged amount, hidden under an opaque box showing the approved one.
                    text.extend_from_slice(amount_line(y, forged).as_bytes());
                    text.extend_from_slice(
                        format!("q 1 0 0 1 50 {} cm /Ov0 Do Q\n", y - 5).as_bytes(),
                    );
                    let box_text = format!(
                        "1 g 0 0 {OVERLAY_W} {OVERLAY_H} re f 0 g BT /F1 11 Tf 6 5 Td {} Tj ET",
                        literal(approved)
                    );
                    w.stream(ov, &overlay_dict, box_text.as_bytes(), true);
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
        w.stream(content_ids[p], "", &text, true);
    }
    // The text field a signature's FieldMDP locks: the document number, on page 1.
    let text_field_value = format!("{doc_no}/QD-{agency_code}");
    if let Some((tx, ap)) = text_field {
        w.stream(
            ap,
            &text_field_ap_dict(font),
            text_field_ap(&text_field_value).as_bytes(),
            false,
        );
        w.dict_object(
            tx,
            &text_field_dict(&text_field_value, ap, page_ids[0]),
            true,
        );
    }
    // Embedded file attachments (ISO 32000-1, 7.11.4), incompressible, stored unfiltered.
    let mut names = String::new();
    let attachment_names = ["HoSo", "BangKe", "ToTrinh", "TaiLieu", "DuToan"];
    for (i, &size) in plan.attachments.iter().enumerate().filter(|(_, &s)| s > 0) {
        let ef = w.alloc();
        let spec = w.alloc();
        w.stream_with(
            ef,
            &format!("/Type /EmbeddedFile /Subtype /application#2Fzip /Params << /Size {size} >>"),
            size as usize,
            |out| rng.fill_bytes(out),
        );
        let fname = format!(
            "{}_{}.zip",
            attachment_names[i % attachment_names.len()],
            i + 1
        );
        w.dict_object(
            spec,
            &format!(
                "<< /Type /Filespec /F {0} /UF {0} /EF << /F {ef} 0 R >> /AFRelationship /Supplement >>",
                literal(&fname)
            ),
            true,
        );
        write!(names, "{} {spec} 0 R ", literal(&fname)).expect("String");
    }
    let names_entry = if names.is_empty() {
        String::new()
    } else {
        format!(
            " /Names << /EmbeddedFiles << /Names [{}] >> >>",
            names.trim_end()
        )
    };
    w.dict_object(
        font,
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        true,
    );
    let page1_xobjects = overlay
        .map(|ov| format!(" /XObject << /Ov0 {ov} 0 R >>"))
        .unwrap_or_default();
    let page_dict = |p: usize, annots: &[u32]| -> String {
        let annots = if annots.is_empty() {
            String::new()
        } else {
            format!(
                " /Annots [{}]",
                annots
                    .iter()
                    .map(|a| format!("{a} 0 R"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        };
        format!(
            "<< /Type /Page /Parent {pages_root} 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 {font} 0 R >>{} >> /Contents {} 0 R{annots} >>",
            if p == 0 { page1_xobjects.as_str() } else { "" },
            content_ids[p]
        )
    };
    // Page 1's annotations and the AcroForm fields as of the original revision.
    let first_annots: Vec<u32> = text_field.map(|(tx, _)| tx).into_iter().collect();
    // What the AcroForm holds besides /Fields and /SigFlags.
    let acroform_extra = if text_field.is_some() {
        format!(" /DR << /Font << /F1 {font} 0 R >> >> /DA (/F1 0 Tf 0 g)")
    } else {
        String::new()
    };
    for (p, &id) in page_ids.iter().enumerate() {
        let annots: &[u32] = if p == 0 { &first_annots } else { &[] };
        w.dict_object(id, &page_dict(p, annots), true);
    }
    let kids = page_ids
        .iter()
        .map(|id| format!("{id} 0 R"))
        .collect::<Vec<_>>()
        .join(" ");
    w.dict_object(
        pages_root,
        &format!("<< /Type /Pages /Kids [{kids}] /Count {total_pages} >>"),
        true,
    );
    if first_annots.is_empty() {
        w.dict_object(acroform, "<< /Fields [] >>", true);
    } else {
        w.dict_object(
            acroform,
            &format!("<< /Fields [{}]{acroform_extra} >>", refs(&first_annots)),
            true,
        );
    }
    w.dict_object(
        catalog,
        &format!(
            "<< /Type /Catalog /Pages {pages_root} 0 R /AcroForm {acroform} 0 R{names_entry} >>"
        ),
        true,
    );
    let t0 = SIGNING_FROM + rng.gen_range(0..(SIGNING_UNTIL - SIGNING_FROM - 40 * 86_400));
    // The /Info dictionary stays a plain object: its /Title is a tamper target in revision 1.
    let info_at = w.object(
        info,
        format!(
            "<< /Title {} /Author {} /Producer (sigaudit-corpus) /CreationDate ({}) >>",
            literal(&title),
            text_string(&authority.common_name),
            pdf_date(t0)
        )
        .as_bytes(),
    );
    // Offset of the first letter of the title, inside "<< /Title (".
    let mut tamper_points = vec![info_at + "<< /Title (".len() + 1];
    let trailer = format!("/Root {catalog} 0 R /Info {info} 0 R");
    let mut id1 = [0u8; 16];
    rng.fill_bytes(&mut id1);
    w.end_revision(&trailer, id1);

    // ---- One incremental update per signature. ----
    let uses_sha1 = sigs.iter().any(|s| s.digest == DigestAlg::Sha1);
    let mut ctx256 = ring::digest::Context::new(&ring::digest::SHA256);
    let mut ctx1 =
        uses_sha1.then(|| ring::digest::Context::new(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY));
    ctx256.update(&w.buf);
    if let Some(c) = ctx1.as_mut() {
        c.update(&w.buf);
    }
    let mut fields: Vec<u32> = first_annots.clone();
    let mut annots: Vec<Vec<u32>> = vec![Vec::new(); total_pages];
    annots[0] = first_annots.clone();
    // The catalog's entries after /AcroForm (a certification signature adds /Perms).
    let mut catalog_extra = names_entry.clone();
    // Length of each signature's DER in hex digits (the rest of its /Contents is padding).
    let mut der_hex_lens: Vec<usize> = Vec::new();
    let mut t = t0;
    let mut byte_ranges = Vec::new();
    let mut timestamps: Vec<Option<u64>> = Vec::new();
    for (n, s) in sigs.iter().enumerate() {
        t += rng.gen_range(300..(2 * 86_400));
        let rev_start = w.buf.len();
        let sig = w.alloc();
        let field = w.alloc();
        let ap = w.alloc();
        let issuer = pki.ca(s.signer.issuer);
        let key_bytes = match s.signer.kind {
            KeyKind::Rsa(bits) => bits as usize / 8,
            KeyKind::P256 => 72,
        };
        let mut needed = s.signer.der.len() + issuer.der.len() + 2 * key_bytes + 1200;
        if timestamped {
            needed += pki.tsa.der.len() + 1200;
        }
        let reserve = needed.div_ceil(4096) * 4096;
        let reason = match s.role {
            "NguoiKy" | "DongKy" => "Ky ban hanh van ban",
            "SoVanBan" => "Cap so van ban",
            "NgayBanHanh" => "Xac nhan ngay ban hanh",
            "VanThu" => "Van thu phat hanh",
            "DauCoQuan" => "Dong dau co quan",
            _ => "Xac thuc van ban",
        };
        let name = format!("Sig{}_{}", n + 1, s.role);
        // /ByteRange is written as a fixed-width placeholder and filled once the revision's
        // length is known.
        let placeholder = format!("[0 {:<36}]", "");
        let head = format!(
            "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /{} /ByteRange {placeholder} /Contents <",
            s.subfilter.name()
        );
        // The first signature certifies the document, or locks the text field.
        let reference = match n {
            0 if plan.case.certifies() => format!(
                " /Reference [<< /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P {DOCMDP_P} /V /1.2 >> >>]"
            ),
            0 if text_field.is_some() => format!(
                " /Reference [<< /TransformMethod /FieldMDP /TransformParams << /Type /TransformParams /Action /Include /Fields [{}] /V /1.2 >> >>]",
                literal(TEXT_FIELD)
            ),
            _ => String::new(),
        };
        let tail = format!(
            "> /M ({}) /Name {} /Reason {} /Location {}{reference} >>",
            pdf_date(t),
            text_string(&s.signer.common_name),
            literal(reason),
            literal(&province)
        );
        let mut body = head.clone().into_bytes();
        body.resize(head.len() + 2 * reserve, b'0');
        body.extend_from_slice(tail.as_bytes());
        let at = w.object(sig, &body);
        let br_at = at + head.find("[0 ").expect("placeholder");
        let lt = at + head.len() - 1;
        let gt = lt + 1 + 2 * reserve;
        tamper_points.push(gt + tail.find("/Reason (").expect("reason") + "/Reason (".len() + 1);

        // Visible widget in the lower part of the page, one slot per signature on that page.
        let slot = annots[s.page].len();
        let (x, y) = (
            40.0 + (slot % 3) as f64 * 180.0,
            60.0 + (slot / 3) as f64 * 56.0,
        );
        let (wd, ht) = (170.0, 48.0);
        let ap_text = format!(
            "q 0.75 0 0 RG 1 w 0.5 0.5 {:.1} {:.1} re S Q BT /F1 7 Tf 4 {:.1} Td {} Tj 0 -10 Td {} Tj 0 -10 Td {} Tj ET",
            wd - 1.0,
            ht - 1.0,
            ht - 12.0,
            literal(&format!("Ky boi: {}", fold(&s.signer.common_name))),
            literal(&format!("Ngay ky: {}", &pdf_date(t)[2..10])),
            literal(reason)
        );
        w.stream(
            ap,
            &format!("/Type /XObject /Subtype /Form /BBox [0 0 {wd:.1} {ht:.1}] /Resources << /Font << /F1 {font} 0 R >> >>"),
            ap_text.as_bytes(),
            false,
        );
        let lock = if n == 0 && text_field.is_some() {
            format!(
                " /Lock << /Type /SigFieldLock /Action /Include /Fields [{}] >>",
                literal(TEXT_FIELD)
            )
        } else {
            String::new()
        };
        w.object(
            field,
            format!(
                "<< /FT /Sig /T {} /V {sig} 0 R /Type /Annot /Subtype /Widget /Rect [{x:.1} {y:.1} {:.1} {:.1}] /F 132 /P {} 0 R /AP << /N {ap} 0 R >>{lock} >>",
                literal(&name),
                x + wd,
                y + ht,
                page_ids[s.page]
            )
            .as_bytes(),
        );
        fields.push(field);
        annots[s.page].push(field);
        let field_refs = fields
            .iter()
            .map(|f| format!("{f} 0 R"))
            .collect::<Vec<_>>()
            .join(" ");
        w.object(
            acroform,
            format!("<< /Fields [{field_refs}] /SigFlags 3{acroform_extra} >>").as_bytes(),
        );
        w.object(
            page_ids[s.page],
            page_dict(s.page, &annots[s.page]).as_bytes(),
        );
        if n == 0 && plan.case.certifies() {
            // ISO 32000-1, 12.8.4: the catalog's /Perms /DocMDP names the certification
            // signature's dictionary.
            write!(catalog_extra, " /Perms << /DocMDP {sig} 0 R >>").expect("String");
            w.object(
                catalog,
                format!(
                    "<< /Type /Catalog /Pages {pages_root} 0 R /AcroForm {acroform} 0 R{catalog_extra} >>"
                )
                .as_bytes(),
            );
        }
        rng.fill_bytes(&mut id1);
        w.end_revision(&trailer, id1);

        // Fill in /ByteRange, hash the two ranges, sign, fill in /Contents.
        let len = w.buf.len();
        let br = [0u64, lt as u64, (gt + 1) as u64, (len - gt - 1) as u64];
        let text = format!("[0 {} {} {}", br[1], br[2], br[3]);
        w.buf[br_at..br_at + text.len()].copy_from_slice(text.as_bytes());
        let running = match s.digest {
            DigestAlg::Sha256 => &ctx256,
            DigestAlg::Sha1 => ctx1.as_ref().expect("SHA-1 context"),
        };
        let mut c = running.clone();
        c.update(&w.buf[rev_start..lt]);
        c.update(&w.buf[gt + 1..]);
        let digest = c.finish();
        let chain = [&issuer.cert];
        let gen_time = t + ts_rng.gen_range(2..20);
        let timestamp = timestamped.then(|| cms::SignatureTimestamp {
            tsa: &pki.tsa,
            gen_time,
            serial: ts_rng.gen::<u64>() >> 1,
            nonce: Some(ts_rng.gen::<u64>() >> 1),
            wrong_imprint: s.wrong_timestamp,
        });
        timestamps.push(timestamped.then_some(gen_time));
        let der = cms::build(&cms::Request {
            subfilter: s.subfilter,
            digest: s.digest,
            message_digest: digest.as_ref(),
            signing_time: t,
            signer: &s.signer.cert,
            signer_der: &s.signer.der,
            chain: &chain,
            key: &ctx.keys.signers[s.signing_key],
            rsa_encryption_oid: rng.gen_bool(0.5),
            defects: s.defects,
            timestamp,
        })?;
        anyhow::ensure!(
            der.len() <= reserve,
            "CMS of {} bytes exceeds the reserved {reserve}",
            der.len()
        );
        let hex: String = der.iter().map(|b| format!("{b:02x}")).collect();
        w.buf[lt + 1..lt + 1 + hex.len()].copy_from_slice(hex.as_bytes());
        der_hex_lens.push(hex.len());
        ctx256.update(&w.buf[rev_start..]);
        if let Some(c1) = ctx1.as_mut() {
            c1.update(&w.buf[rev_start..]);
        }
        byte_ranges.push(br);
    }

    // ---- LTV: a document security store, then a document timestamp. ----
    let doc_ts = if ltv {
        let ltv_trailer = LtvParts {
            trailer: &trailer,
            catalog: format!(
                "<< /Type /Catalog /Pages {pages_root} 0 R /AcroForm {acroform} 0 R{catalog_extra}"
            ),
            catalog_id: catalog,
            acroform,
            page: page_ids[0],
            page_dict: page_dict(0, &annots[0]),
            annots: annots[0].clone(),
            fields: fields.clone(),
        };
        Some(add_ltv(
            ctx,
            &mut w,
            &mut ts_rng,
            &sigs,
            ltv_trailer,
            &mut ctx256,
            plan.case == Case::TamperedDocumentTimestamp,
        )?)
    } else {
        None
    };

    // ---- After signing: what the case does to the finished file. ----
    let n_sigs = sigs.len();
    let mut hash_broken_from: Option<usize> = None; // first signature index whose range breaks
    let mut forbidden_after = false;
    // The finding every signature gets from the unsigned update after them.
    let mut finding_after: Option<&'static str> = None;
    // A signature whose own dictionary was attacked, and the finding it gets.
    let mut damaged: Option<(usize, &'static str)> = None;
    let mut truncated = false;
    let reason: Option<String>;
    match plan.case {
        Case::TamperedSignedByte => {
            // Revision r (0 = original) holds the changed byte; signatures r-1.. cover it.
            let r = rng.gen_range(0..=n_sigs);
            let at = tamper_points[r];
            let b = w.buf[at];
            anyhow::ensure!(b.is_ascii_alphabetic(), "tamper point is not a letter");
            w.buf[at] = b ^ 0x20;
            hash_broken_from = Some(r.saturating_sub(1));
            reason = Some(format!(
                "byte {at} (revision {}) changed after signing",
                r + 1
            ));
        }
        Case::ModifiedAfterSigning => {
            // An unsigned update overwrites the first page's content stream.
            let p = 0;
            let lines = rng.gen_range(20..46);
            let mut header = header_of_page[p].clone();
            header.push("(SUA DOI) So tien: 9.999.000.000 dong".to_string());
            let text = page_text(&mut rng, &header, lines);
            w.stream(content_ids[p], "", &text, true);
            rng.fill_bytes(&mut id1);
            w.end_revision(&trailer, id1);
            forbidden_after = true;
            finding_after = Some("incremental_saving");
            reason = Some(format!(
                "page 1 content (object {}) replaced by an unsigned incremental update",
                content_ids[p]
            ));
        }
        Case::ShadowHide => {
            let ov = overlay.expect("overlay");
            w.stream(ov, &overlay_dict, b"", false);
            rng.fill_bytes(&mut id1);
            w.end_revision(&trailer, id1);
            forbidden_after = true;
            finding_after = Some("shadow_hide");
            let (approved, forged) = amounts.as_ref().expect("amounts");
            reason = Some(format!(
                "shadow attack (hide): an unsigned incremental update replaces the form XObject {ov} (/Ov0, drawn by page 1's content over its last line, showing \"{approved}\") by an empty one, revealing \"{forged}\" beneath"
            ));
        }
        Case::ShadowReplace => {
            w.object(
                font,
                b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [49 /nine] >> >>",
            );
            rng.fill_bytes(&mut id1);
            w.end_revision(&trailer, id1);
            forbidden_after = true;
            finding_after = Some("shadow_replace");
            let (approved, _) = amounts.as_ref().expect("amounts");
            reason = Some(format!(
                "shadow attack (replace): an unsigned incremental update replaces page 1's font (object {font}, /F1) by one whose /Differences [49 /nine] shows every 1 as 9: \"{approved}\" reads \"{}\"",
                approved.replace('1', "9")
            ));
        }
        Case::ShadowHideAndReplace => {
            let sc = shadow_content.expect("shadow content");
            let page = page_dict(0, &annots[0]);
            let old = format!("/Contents {} 0 R", content_ids[0]);
            anyhow::ensure!(page.matches(&old).count() == 1, "page 1 /Contents");
            w.object(
                page_ids[0],
                page.replace(&old, &format!("/Contents {sc} 0 R"))
                    .as_bytes(),
            );
            rng.fill_bytes(&mut id1);
            w.end_revision(&trailer, id1);
            forbidden_after = true;
            finding_after = Some("shadow_hide_and_replace");
            let (approved, forged) = amounts.as_ref().expect("amounts");
            reason = Some(format!(
                "shadow attack (hide and replace): an unsigned incremental update rewrites page 1 (object {}) so that its /Contents is object {sc}, a content stream already in the signed original revision but not displayed (\"{forged}\" instead of \"{approved}\")",
                page_ids[0]
            ));
        }
        Case::UnreachableUpdate => {
            // A short, unfiltered redefinition (the page's header and a new amount), so that the
            // signed revision's `startxref` stays within the last 1024 bytes, where readers
            // look for it.
            let p = 0;
            let mut header = header_of_page[p].clone();
            header.push("(SUA DOI) So tien: 9.999.000.000 dong".to_string());
            let text = page_text(&mut rng, &header, 0);
            w.stream(content_ids[p], "", &text, false);
            let table = plan.index % 2 == 1;
            rng.fill_bytes(&mut id1);
            w.end_unreachable(&trailer, id1, table);
            forbidden_after = true;
            finding_after = Some("unreachable_update");
            reason = Some(format!(
                "incremental saving attack: page 1 content (object {}) redefined after the last signature by bytes no cross-reference section reaches ({}); a reader rebuilding the xref by scanning shows them",
                content_ids[p],
                if table {
                    "their xref table is not the one the last startxref names, which is still the signed revision's"
                } else {
                    "no xref section, no startxref"
                }
            ));
        }
        Case::SignatureWrapping | Case::UniversalForgery => {
            let last = n_sigs - 1;
            let [_, b, c, _] = byte_ranges[last];
            let (lt, gt) = (b as usize, c as usize - 1);
            anyhow::ensure!(
                w.buf[lt] == b'<' && w.buf[gt] == b'>',
                "/ByteRange gap is the /Contents string"
            );
            let kind = if plan.case == Case::SignatureWrapping {
                // <DER> /Wrapped <00…>: the same gap, holding more than /Contents.
                const WRAP: &[u8] = b"> /Wrapped <";
                let at = lt + 1 + der_hex_lens[last];
                anyhow::ensure!(at + WRAP.len() + 2 <= gt, "no room to wrap");
                w.buf[at..at + WRAP.len()].copy_from_slice(WRAP);
                reason = Some(format!(
                    "signature wrapping: the /ByteRange gap of signature Sig{}_{} ([{b}, {c})) holds its /Contents and a further entry /Wrapped <00…>",
                    last + 1,
                    sigs[last].role
                ));
                "signature_wrapping"
            } else {
                w.buf[lt + 1..gt].fill(b'0');
                reason = Some(format!(
                    "universal signature forgery: signature Sig{}_{} has /Contents all zeros",
                    last + 1,
                    sigs[last].role
                ));
                "universal_forgery"
            };
            sigs[last].expected = DAMAGED_SIGNATURE;
            damaged = Some((last, kind));
        }
        Case::CertificationViolation => {
            let annot = w.alloc();
            let ap = w.alloc();
            let note = "Da duyet - dieu chinh so tien: 9.999.000.000 dong";
            let (wd, ht) = (260.0, 30.0);
            w.stream(
                ap,
                &format!("/Type /XObject /Subtype /Form /BBox [0 0 {wd:.1} {ht:.1}] /Resources << /Font << /F1 {font} 0 R >> >>"),
                format!("1 1 0.8 rg 0 0 {wd:.1} {ht:.1} re f BT 0.8 0 0 rg /F1 10 Tf 4 11 Td {} Tj ET", literal(note)).as_bytes(),
                false,
            );
            w.object(
                annot,
                format!(
                    "<< /Type /Annot /Subtype /FreeText /Rect [300 700 {:.1} {:.1}] /Contents {} /DA (/F1 10 Tf 0.8 0 0 rg) /F 4 /P {} 0 R /AP << /N {ap} 0 R >> >>",
                    300.0 + wd,
                    700.0 + ht,
                    literal(note),
                    page_ids[0]
                )
                .as_bytes(),
            );
            let mut page_annots = annots[0].clone();
            page_annots.push(annot);
            w.object(page_ids[0], page_dict(0, &page_annots).as_bytes());
            rng.fill_bytes(&mut id1);
            w.end_revision(&trailer, id1);
            forbidden_after = true;
            finding_after = Some("certification_violation");
            reason = Some(format!(
                "evil annotation attack: Sig1_{} certifies the document with DocMDP P={DOCMDP_P} (form filling and signing only); an unsigned incremental update adds a FreeText annotation (object {annot}) to page 1 (object {})",
                sigs[0].role, page_ids[0]
            ));
        }
        Case::FieldLockViolation => {
            let (tx, _) = text_field.expect("text field");
            let forged = format!("{}/QD-{agency_code}", (doc_no + 700) % 2000 + 1);
            let ap = w.alloc();
            w.stream(
                ap,
                &text_field_ap_dict(font),
                text_field_ap(&forged).as_bytes(),
                false,
            );
            w.object(tx, text_field_dict(&forged, ap, page_ids[0]).as_bytes());
            rng.fill_bytes(&mut id1);
            w.end_revision(&trailer, id1);
            forbidden_after = true;
            finding_after = Some("field_lock_violation");
            reason = Some(format!(
                "field lock violation: the text field {TEXT_FIELD} (object {tx}), locked by Sig1_{}'s FieldMDP, changes from ({text_field_value}) to ({forged}) with a new appearance (object {ap}) in an unsigned incremental update",
                sigs[0].role
            ));
        }
        Case::Truncated => {
            let len = w.buf.len();
            let mut cut = rng.gen_range(len * 2 / 5..len * 9 / 10);
            // A cut that removes only the end-of-line after a `%%EOF` leaves a complete
            // revision whose last signature's /ByteRange overshoots the file by a byte or two:
            // indistinguishable from a signer's off-by-one range (which verifiers judge as that
            // signature's format failure), so not a truncation a verifier can recognise. Cut
            // inside the revision instead.
            while w.buf[..cut].ends_with(b"%%EOF") || w.buf[..cut].ends_with(b"%%EOF\r") {
                cut -= 8;
            }
            // Not inside the first signature's revision: what a verifier finds of a half-written
            // signing update depends on how far its objects got, so the first signed revision
            // is either whole (its signature reported, the document TOTAL_FAILED for its cut
            // end) or absent (nothing signed is left: ERROR).
            if let [base_end, first_signed_end, ..] = w.revision_ends[..] {
                if (base_end..first_signed_end).contains(&cut) {
                    cut = first_signed_end + (cut - base_end) % 64 + 1;
                }
            }
            w.buf.truncate(cut);
            truncated = true;
            reason = Some(format!("file truncated at byte {cut} of {len}"));
        }
        Case::Valid | Case::CertifiedValid => reason = None,
        Case::RevokedAfterTimestamp => {
            reason = Some(format!(
                "signature Sig{}_{}: signer certificate revoked {}, after its signature timestamp {}: the timestamp proves the signature existed before the revocation",
                k + 1,
                sigs[k].role,
                rfc3339(LATE_REVOCATION),
                rfc3339(timestamps[k].expect("timestamped"))
            ));
        }
        Case::ForgedSignatureTimestamp => {
            reason = Some(format!(
                "signature Sig{}_{}: REVOKED_NO_POE (signer certificate revoked {}; the signature timestamp's messageImprint does not match the signature value, so it proves nothing)",
                k + 1,
                sigs[k].role,
                rfc3339(LATE_REVOCATION)
            ));
        }
        Case::RevokedSignerTimestamped => {
            let at = match sigs[k].signer.status {
                SignerStatus::Revoked(at) => at,
                _ => unreachable!("revoked signer"),
            };
            reason = Some(format!(
                "signature Sig{}_{}: REVOKED (certificate revoked {}; the signature timestamp {} proves the signature was made after that)",
                k + 1,
                sigs[k].role,
                rfc3339(at),
                rfc3339(timestamps[k].expect("timestamped"))
            ));
        }
        Case::OcspRevokedSigner => {
            let at = match sigs[k].signer.status {
                SignerStatus::Revoked(at) => at,
                _ => unreachable!("revoked signer"),
            };
            reason = Some(format!(
                "signature Sig{}_{}: REVOKED_NO_POE (the DSS OCSP response says revoked {}; no signature timestamp)",
                k + 1,
                sigs[k].role,
                rfc3339(at)
            ));
        }
        Case::TamperedDocumentTimestamp => {
            reason = Some(format!(
                "document timestamp {DOC_TS_FIELD}: HASH_FAILURE (its messageImprint does not match its byte range)"
            ));
        }
        _ => {
            let k = sigs
                .iter()
                .position(|s| s.expected.0 != Indication::TotalPassed);
            reason = k.map(|k| {
                format!(
                    "signature Sig{}_{}: {}",
                    k + 1,
                    sigs[k].role,
                    sigs[k].expected.1.map_or("", |s| s.as_str())
                )
            });
        }
    }

    let file_len = w.buf.len() as u64;
    let mut signatures = Vec::new();
    // A truncated file keeps the signatures of the revisions its cut leaves whole.
    let whole_revisions = w
        .revision_ends
        .iter()
        .filter(|&&e| e <= w.buf.len())
        .count();
    {
        for (n, s) in sigs.iter().enumerate() {
            if truncated && n + 2 > whole_revisions {
                break;
            }
            let br = byte_ranges[n];
            let mut expected = s.expected;
            if hash_broken_from.is_some_and(|from| n >= from) {
                expected = (Indication::TotalFailed, Some(SubIndication::HashFailure));
            }
            let covers_whole_file = br[2] + br[3] == file_len;
            // Unsigned bytes inside a wrapped signature's gap modify what its signer signed.
            let wrapped = damaged.is_some_and(|(d, k)| d == n && k == "signature_wrapping");
            let modifications = if forbidden_after || wrapped || truncated {
                Modifications::Forbidden
            } else if covers_whole_file {
                Modifications::None
            } else {
                Modifications::Permitted
            };
            let mut findings: Vec<String> = finding_after.iter().map(|k| k.to_string()).collect();
            if let Some((_, kind)) = damaged.filter(|&(d, _)| d == n) {
                findings.push(kind.to_string());
            }
            findings.sort();
            findings.dedup();
            signatures.push(manifest::Signature {
                field: format!("Sig{}_{}", n + 1, s.role),
                subfilter: s.subfilter.name().to_string(),
                digest: s.digest.name().to_string(),
                key: s.signer.kind.to_string(),
                signer: s.signer.subject.clone(),
                byte_range: br,
                revision: n as u32 + 2,
                covers_whole_file,
                indication: expected.0,
                sub_indication: expected.1,
                modifications,
                timestamp: timestamps[n].map(rfc3339),
                findings,
                algorithm: None,
                integrity: None,
                warnings: Vec::new(),
            });
        }
        if let Some(ts) = doc_ts.as_ref().filter(|_| !truncated) {
            signatures.push(manifest::Signature {
                field: DOC_TS_FIELD.to_string(),
                subfilter: "ETSI.RFC3161".to_string(),
                digest: "sha256".to_string(),
                key: KeyKind::P256.to_string(),
                signer: pki.tsa.subject.clone(),
                byte_range: ts.byte_range,
                revision: ts.revision,
                covers_whole_file: ts.byte_range[2] + ts.byte_range[3] == file_len,
                indication: if ts.tampered {
                    Indication::TotalFailed
                } else {
                    Indication::TotalPassed
                },
                sub_indication: ts.tampered.then_some(SubIndication::HashFailure),
                modifications: Modifications::None,
                timestamp: None,
                findings: Vec::new(),
                algorithm: None,
                integrity: None,
                warnings: Vec::new(),
            });
        }
    }
    let status = if truncated && signatures.is_empty() {
        DocumentStatus::Error
    } else if forbidden_after || truncated {
        DocumentStatus::TotalFailed
    } else {
        signatures
            .iter()
            .map(|s| DocumentStatus::from(s.indication))
            .max()
            .unwrap_or(DocumentStatus::Error)
    };
    let revisions = w
        .revision_ends
        .iter()
        .filter(|&&e| e <= w.buf.len())
        .count() as u32;
    Ok(Built {
        manifest: manifest::Document {
            name: doc_name(plan.index),
            bytes: 0,
            sha256: String::new(),
            status,
            case: plan.case.name().to_string(),
            reason,
            validation_time: rfc3339(VALIDATION_TIME),
            xref: Some(w.style().name().to_string()),
            pages: total_pages as u32,
            attachments: plan
                .attachments
                .iter()
                .copied()
                .filter(|&s| s > 0)
                .collect(),
            revisions,
            signatures,
            ltv,
        },
        bytes: w.buf,
    })
}

/// Builds a file that is not a signed PDF (`not_pdf`, `empty_file`).
pub fn build_unreadable(plan: &Plan) -> Built {
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let (bytes, reason) = match plan.case {
        Case::EmptyFile => (Vec::new(), "empty file"),
        _ => match rng.gen_range(0..3) {
            0 => (
                b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n"
                    .to_vec(),
                "an HTML error page saved as .pdf",
            ),
            1 => {
                let mut v = b"PK\x03\x04\x14\x00\x06\x00\x08\x00".to_vec();
                let mut rest = vec![0u8; rng.gen_range(2000..20_000)];
                rng.fill_bytes(&mut rest);
                v.extend_from_slice(&rest);
                (v, "a ZIP (office document) saved as .pdf")
            }
            _ => {
                let mut v = vec![0u8; rng.gen_range(1000..50_000)];
                rng.fill_bytes(&mut v);
                (v, "random bytes")
            }
        },
    };
    Built {
        manifest: manifest::Document {
            name: doc_name(plan.index),
            bytes: 0,
            sha256: String::new(),
            status: DocumentStatus::Error,
            case: plan.case.name().to_string(),
            reason: Some(reason.to_string()),
            validation_time: rfc3339(VALIDATION_TIME),
            xref: None,
            pages: 0,
            attachments: Vec::new(),
            revisions: 0,
            signatures: Vec::new(),
            ltv: false,
        },
        bytes,
    }
}

/// Field name of the document timestamp of LTV documents.
pub const DOC_TS_FIELD: &str = "DocTimeStamp";

/// `genTime` of every document timestamp: 2026-06-15T00:00:00Z.
pub const DOC_TS_TIME: Unix = date(2026, 6, 15);

/// What the LTV updates need of the document being built.
struct LtvParts<'a> {
    trailer: &'a str,
    /// The catalog dictionary without its closing `>>`.
    catalog: String,
    catalog_id: u32,
    acroform: u32,
    page: u32,
    /// The first page's dictionary as last written (its `/Annots` grows by the new widget).
    page_dict: String,
    annots: Vec<u32>,
    fields: Vec<u32>,
}

/// The document timestamp written by [`add_ltv`].
struct DocTimestamp {
    byte_range: [u64; 4],
    revision: u32,
    tampered: bool,
}

/// Appends the LTV updates (ISO 32000-2, 12.8.4.3 and 12.8.5): a revision adding the document
/// security store
///
/// ```text
/// << /Type /DSS /Certs [ stream… ] /CRLs [ stream… ] /OCSPs [ stream… ] >>
/// ```
///
/// to the catalog (the chain certificates, the CRLs of the root and of the issuing CAs, one
/// OCSP response per distinct signer certificate), then a revision with a document timestamp
/// (`/Type /DocTimeStamp /SubFilter /ETSI.RFC3161`) in a new invisible signature field.
/// `running` is the SHA-256 context over the whole file so far.
fn add_ltv(
    ctx: &Context<'_>,
    w: &mut Writer,
    rng: &mut ChaCha8Rng,
    sigs: &[SigSpec<'_>],
    parts: LtvParts<'_>,
    running: &mut ring::digest::Context,
    tampered: bool,
) -> Result<DocTimestamp> {
    use crate::pki::CaId;
    let pki = ctx.pki;
    // Distinct signer certificates, in order of first use, and their CAs.
    let mut signers: Vec<&Signer> = Vec::new();
    for s in sigs {
        if !signers.iter().any(|x| x.der == s.signer.der) {
            signers.push(s.signer);
        }
    }
    let mut cas: Vec<CaId> = vec![CaId::Root];
    for s in &signers {
        if !cas.contains(&s.issuer) {
            cas.push(s.issuer);
        }
    }
    let start = w.buf.len();
    let stream_refs = |w: &mut Writer, items: Vec<Vec<u8>>| -> String {
        items
            .iter()
            .map(|der| {
                let id = w.alloc();
                w.stream(id, "", der, true);
                format!("{id} 0 R")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut certs: Vec<Vec<u8>> = signers.iter().map(|s| s.der.clone()).collect();
    certs.extend(cas.iter().rev().map(|&c| pki.ca(c).der.clone()));
    certs.push(pki.tsa.der.clone());
    let crls: Vec<Vec<u8>> = cas.iter().map(|&c| pki.ca(c).crl.clone()).collect();
    let ocsps = signers
        .iter()
        .map(|s| crate::ocsp::response(pki, ctx.keys, s))
        .collect::<Result<Vec<_>>>()?;
    let certs = stream_refs(w, certs);
    let crls = stream_refs(w, crls);
    let ocsps = stream_refs(w, ocsps);
    let dss = w.alloc();
    w.object(
        dss,
        format!("<< /Type /DSS /Certs [{certs}] /CRLs [{crls}] /OCSPs [{ocsps}] >>").as_bytes(),
    );
    w.object(
        parts.catalog_id,
        format!("{} /DSS {dss} 0 R >>", parts.catalog).as_bytes(),
    );
    let mut id1 = [0u8; 16];
    rng.fill_bytes(&mut id1);
    w.end_revision(parts.trailer, id1);

    // The document timestamp.
    let sig = w.alloc();
    let field = w.alloc();
    let reserve = (pki.tsa.der.len() + 1500).div_ceil(1024) * 1024;
    let placeholder = format!("[0 {:<36}]", "");
    let head = format!(
        "<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange {placeholder} /Contents <"
    );
    let mut body = head.clone().into_bytes();
    body.resize(head.len() + 2 * reserve, b'0');
    body.extend_from_slice(b"> >>");
    let at = w.object(sig, &body);
    let br_at = at + head.find("[0 ").expect("placeholder");
    let lt = at + head.len() - 1;
    let gt = lt + 1 + 2 * reserve;
    w.object(
        field,
        format!(
            "<< /FT /Sig /T {} /V {sig} 0 R /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /F 132 /P {} 0 R >>",
            literal(DOC_TS_FIELD),
            parts.page
        )
        .as_bytes(),
    );
    let mut fields = parts.fields;
    fields.push(field);
    let field_refs = fields
        .iter()
        .map(|f| format!("{f} 0 R"))
        .collect::<Vec<_>>()
        .join(" ");
    w.object(
        parts.acroform,
        format!("<< /Fields [{field_refs}] /SigFlags 3 >>").as_bytes(),
    );
    let mut annots = parts.annots;
    let page_dict = if annots.is_empty() {
        // The page had no widget yet: add an /Annots array.
        let open = parts
            .page_dict
            .strip_suffix(" >>")
            .unwrap_or(&parts.page_dict);
        format!("{open} /Annots [{field} 0 R] >>")
    } else {
        let old = annots
            .iter()
            .map(|a| format!("{a} 0 R"))
            .collect::<Vec<_>>()
            .join(" ");
        annots.push(field);
        let new = annots
            .iter()
            .map(|a| format!("{a} 0 R"))
            .collect::<Vec<_>>()
            .join(" ");
        parts
            .page_dict
            .replace(&format!("/Annots [{old}]"), &format!("/Annots [{new}]"))
    };
    w.object(parts.page, page_dict.as_bytes());
    rng.fill_bytes(&mut id1);
    w.end_revision(parts.trailer, id1);

    let len = w.buf.len();
    let br = [0u64, lt as u64, (gt + 1) as u64, (len - gt - 1) as u64];
    let text = format!("[0 {} {} {}", br[1], br[2], br[3]);
    w.buf[br_at..br_at + text.len()].copy_from_slice(text.as_bytes());
    let mut c = running.clone();
    c.update(&w.buf[start..lt]);
    c.update(&w.buf[gt + 1..]);
    let mut imprint = c.finish().as_ref().to_vec();
    if tampered {
        imprint[31] ^= 0x01;
    }
    let token = crate::tsp::token(
        &pki.tsa,
        &crate::tsp::TokenRequest {
            imprint: &imprint,
            gen_time: DOC_TS_TIME,
            serial: rng.gen::<u64>() >> 1,
            nonce: Some(rng.gen::<u64>() >> 1),
        },
    )?;
    anyhow::ensure!(
        token.len() <= reserve,
        "document timestamp of {} bytes exceeds the reserved {reserve}",
        token.len()
    );
    let hex: String = token.iter().map(|b| format!("{b:02x}")).collect();
    w.buf[lt + 1..lt + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    running.update(&w.buf[start..]);
    Ok(DocTimestamp {
        byte_range: br,
        revision: w.revision_ends.len() as u32,
        tampered,
    })
}
