//! Revision 1, the original document: text pages (the body, then the appendices), embedded file
//! attachments, the AcroForm, the `/Info` dictionary, and what the attack cases plant in it.

use std::fmt::Write as _;

use rand::{Rng, RngCore};
use rand_chacha::ChaCha8Rng;

use super::shape::Shape;
use super::text::{page_text, refs};
use super::{attacks, Draft, Plan};
use crate::cases::Case;
use crate::modes::Modes;
use crate::pdf::{literal, text_string, Writer, XrefStyle};
use crate::pki::fold;
use crate::time::{pdf_date, SIGNING_FROM, SIGNING_UNTIL};

/// The object numbers of revision 1 that later revisions refer to or rewrite.
pub(super) struct Objects {
    pub catalog: u32,
    pub pages_root: u32,
    pub acroform: u32,
    pub info: u32,
    /// Helvetica, `/F1` of every page and appearance stream.
    pub font: u32,
    pub pages: Vec<u32>,
    /// Each page's content stream.
    pub contents: Vec<u32>,
    /// [`Case::ShadowHide`]: the overlay form XObject `/Ov0` of page 1.
    pub overlay: Option<u32>,
    /// [`Case::ShadowHideAndReplace`]: the content stream no page uses.
    pub shadow_content: Option<u32>,
    /// [`Case::FieldLockViolation`]: the text field and its appearance stream.
    pub text_field: Option<(u32, u32)>,
}

impl Objects {
    /// The attack cases' objects are numbered after the pages' (other cases allocate none).
    fn alloc(w: &mut Writer, case: Case, total_pages: usize) -> Self {
        Objects {
            catalog: w.alloc(),
            pages_root: w.alloc(),
            acroform: w.alloc(),
            info: w.alloc(),
            font: w.alloc(),
            pages: (0..total_pages).map(|_| w.alloc()).collect(),
            contents: (0..total_pages).map(|_| w.alloc()).collect(),
            overlay: (case == Case::ShadowHide).then(|| w.alloc()),
            shadow_content: (case == Case::ShadowHideAndReplace).then(|| w.alloc()),
            text_field: (case == Case::FieldLockViolation).then(|| (w.alloc(), w.alloc())),
        }
    }

    /// Page `p`'s dictionary with the annotations `annots`.
    pub fn page_dict(&self, p: usize, annots: &[u32]) -> String {
        let annots = if annots.is_empty() {
            String::new()
        } else {
            format!(" /Annots [{}]", refs(annots))
        };
        let xobjects = match self.overlay {
            Some(ov) if p == 0 => format!(" /XObject << /Ov0 {ov} 0 R >>"),
            _ => String::new(),
        };
        format!(
            "<< /Type /Page /Parent {} 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 {} 0 R >>{xobjects} >> /Contents {} 0 R{annots} >>",
            self.pages_root, self.font, self.contents[p]
        )
    }

    /// The catalog with `extra` after its `/AcroForm` entry.
    pub fn catalog_dict(&self, extra: &str) -> String {
        format!(
            "<< /Type /Catalog /Pages {} 0 R /AcroForm {} 0 R{extra} >>",
            self.pages_root, self.acroform
        )
    }
}

/// What the signing updates rewrite as they add fields.
pub(super) struct Form {
    /// The AcroForm's `/Fields`.
    pub fields: Vec<u32>,
    /// Each page's `/Annots`.
    pub annots: Vec<Vec<u32>>,
    /// The catalog's entries after `/AcroForm` (attachments; a certification adds `/Perms`).
    pub catalog_extra: String,
    /// What the AcroForm holds besides `/Fields` and `/SigFlags`.
    pub acroform_extra: String,
}

impl Form {
    /// The AcroForm once it holds a signature field.
    pub fn acroform_dict(&self) -> String {
        format!(
            "<< /Fields [{}] /SigFlags 3{} >>",
            refs(&self.fields),
            self.acroform_extra
        )
    }
}

/// Writes revision 1 and returns the draft the signing updates continue.
pub(super) fn write<'a>(
    plan: &'a Plan,
    modes: Modes,
    shape: Shape<'a>,
    style: XrefStyle,
    mut rng: ChaCha8Rng,
) -> Draft<'a> {
    let mut id0 = [0u8; 16];
    rng.fill_bytes(&mut id0);
    let mut w = Writer::new(style, id0);
    let ids = Objects::alloc(&mut w, plan.case, shape.total_pages);
    let headers = page_headers(&shape);
    let amounts = attacks::draw_amounts(plan.case, &mut rng);
    for (p, header) in headers.iter().enumerate() {
        let lines = rng.gen_range(20..46);
        let mut text = page_text(&mut rng, header, lines);
        if let (0, Some(amounts)) = (p, &amounts) {
            // The next line after the page text.
            let y = 790 - 14 * (header.len() + 1 + lines) as i64;
            attacks::write_amount_line(&mut w, &ids, amounts, y, &mut text);
        }
        w.stream(ids.contents[p], "", &text, true);
    }
    if let Some(field) = ids.text_field {
        attacks::write_text_field(&mut w, field, ids.font, ids.pages[0], &shape.number());
    }
    let names_entry = write_attachments(&mut w, &mut rng, &plan.attachments);
    w.dict_object(
        ids.font,
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        true,
    );
    let form = original_form(&ids, shape.total_pages, names_entry);
    write_page_tree(&mut w, &ids, &form);
    let created = SIGNING_FROM + rng.gen_range(0..(SIGNING_UNTIL - SIGNING_FROM - 40 * 86_400));
    let tamper_point = write_info(&mut w, &ids, &shape, created);
    let mut draft = Draft {
        plan,
        modes,
        shape,
        trailer: format!("/Root {} 0 R /Info {} 0 R", ids.catalog, ids.info),
        w,
        rng,
        ids,
        form,
        headers,
        amounts,
        created,
        tamper_points: vec![tamper_point],
    };
    draft.end_revision();
    draft
}

/// The header lines of each page: the national motto, then the document number and title on
/// page 1, the page number on the body's other pages, the appendix's title on its pages.
fn page_headers(shape: &Shape<'_>) -> Vec<Vec<String>> {
    let mut appendix_of_page = vec![None; shape.total_pages];
    let mut p = shape.body_pages;
    for (i, n) in shape.appendices.iter().enumerate() {
        for slot in appendix_of_page.iter_mut().skip(p).take(*n) {
            *slot = Some(i + 1);
        }
        p += n;
    }
    let org_name = fold(&shape.org.common_name);
    let mut headers = Vec::new();
    for (p, appendix) in appendix_of_page.iter().enumerate() {
        let mut header = vec![
            "CONG HOA XA HOI CHU NGHIA VIET NAM".to_string(),
            "Doc lap - Tu do - Hanh phuc".to_string(),
        ];
        match appendix {
            None if p == 0 => {
                header.push(format!("So: {}    {}", shape.number(), shape.province));
                header.push(format!("QUYET DINH - {org_name}"));
            }
            None => header.push(format!("Trang {}/{}", p + 1, shape.body_pages)),
            Some(a) => header.push(format!(
                "PHU LUC {a} kem theo Quyet dinh so {}",
                shape.doc_no
            )),
        }
        headers.push(header);
    }
    headers
}

/// Embedded file attachments (ISO 32000-1, 7.11.4), incompressible, stored unfiltered; returns
/// the catalog's `/Names` entry (empty without attachments).
fn write_attachments(w: &mut Writer, rng: &mut ChaCha8Rng, sizes: &[u64]) -> String {
    const NAMES: [&str; 5] = ["HoSo", "BangKe", "ToTrinh", "TaiLieu", "DuToan"];
    let mut names = String::new();
    for (i, &size) in sizes.iter().enumerate().filter(|(_, &s)| s > 0) {
        let ef = w.alloc();
        let spec = w.alloc();
        w.stream_with(
            ef,
            &format!("/Type /EmbeddedFile /Subtype /application#2Fzip /Params << /Size {size} >>"),
            size as usize,
            |out| rng.fill_bytes(out),
        );
        let fname = format!("{}_{}.zip", NAMES[i % NAMES.len()], i + 1);
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
    if names.is_empty() {
        String::new()
    } else {
        format!(
            " /Names << /EmbeddedFiles << /Names [{}] >> >>",
            names.trim_end()
        )
    }
}

/// The form as of revision 1: no field but the text field of [`Case::FieldLockViolation`].
fn original_form(ids: &Objects, total_pages: usize, names_entry: String) -> Form {
    let first_annots: Vec<u32> = ids.text_field.map(|(tx, _)| tx).into_iter().collect();
    let mut annots = vec![Vec::new(); total_pages];
    annots[0] = first_annots.clone();
    Form {
        fields: first_annots,
        annots,
        catalog_extra: names_entry,
        acroform_extra: match ids.text_field {
            Some(_) => format!(
                " /DR << /Font << /F1 {} 0 R >> >> /DA (/F1 0 Tf 0 g)",
                ids.font
            ),
            None => String::new(),
        },
    }
}

/// The pages, the page tree, the AcroForm and the catalog.
fn write_page_tree(w: &mut Writer, ids: &Objects, form: &Form) {
    for (p, &id) in ids.pages.iter().enumerate() {
        w.dict_object(id, &ids.page_dict(p, &form.annots[p]), true);
    }
    w.dict_object(
        ids.pages_root,
        &format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            refs(&ids.pages),
            ids.pages.len()
        ),
        true,
    );
    if form.fields.is_empty() {
        w.dict_object(ids.acroform, "<< /Fields [] >>", true);
    } else {
        w.dict_object(
            ids.acroform,
            &format!(
                "<< /Fields [{}]{} >>",
                refs(&form.fields),
                form.acroform_extra
            ),
            true,
        );
    }
    w.dict_object(ids.catalog, &ids.catalog_dict(&form.catalog_extra), true);
}

/// The `/Info` dictionary, a plain object: its `/Title` is a tamper target in revision 1.
/// Returns the offset of the title's first letter.
fn write_info(w: &mut Writer, ids: &Objects, shape: &Shape<'_>, created: u64) -> usize {
    let title = format!(
        "Quyet dinh so {}/QD-{} cua {}",
        shape.doc_no,
        shape.agency_code,
        fold(&shape.org.common_name)
    );
    let info_at = w.object(
        ids.info,
        format!(
            "<< /Title {} /Author {} /Producer (sigaudit-corpus) /CreationDate ({}) >>",
            literal(&title),
            text_string(&shape.authority.common_name),
            pdf_date(created)
        )
        .as_bytes(),
    );
    // Inside "<< /Title (".
    info_at + "<< /Title (".len() + 1
}
