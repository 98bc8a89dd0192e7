//! The published PDF signature attack cases of the `attacks` profile: each file loads in lopdf
//! (and passes `qpdf --check` where qpdf is installed), holds the structure its case claims —
//! checked on the file's own revisions with lopdf, not with the generator's code — and its
//! manifest line expects the verdicts and findings of that attack.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use lopdf::{Dictionary, Document as Pdf, Object, ObjectId};
use sigaudit_corpus::cases::{Case, Profile};
use sigaudit_corpus::manifest::Document;
use sigaudit_corpus::verdict::{DocumentStatus, Indication, Modifications, SubIndication};

/// Two rounds of the `attacks` cycle (27 labelled cases): every case twice, in two xref styles
/// at least for most, and both variants of `unreachable_update`.
fn corpus() -> &'static (PathBuf, Vec<Document>) {
    static CORPUS: OnceLock<(PathBuf, Vec<Document>)> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("attacks-corpus");
        let lines = common::generate_into(&common::config(&dir, 54, 5, Profile::Attacks, "0"));
        (dir, lines)
    })
}

/// The documents of one case with their bytes.
fn docs(case: Case) -> Vec<(&'static Document, Vec<u8>)> {
    let (dir, lines) = corpus();
    let out: Vec<_> = lines
        .iter()
        .filter(|d| d.case == case.name())
        .map(|d| (d, std::fs::read(dir.join(&d.name)).unwrap()))
        .collect();
    assert_eq!(out.len(), 2, "{} documents", case.name());
    out
}

fn load(bytes: &[u8], what: &str) -> Pdf {
    Pdf::load_mem(bytes).unwrap_or_else(|e| panic!("lopdf cannot load {what}: {e}"))
}

/// The original revision (up to the first `%%EOF`).
fn first_revision(bytes: &[u8]) -> &[u8] {
    let at = bytes.windows(6).position(|w| w == b"%%EOF\n").unwrap();
    &bytes[..at + 6]
}

/// The file as the last signature signed it.
fn signed(doc: &Document) -> usize {
    let br = doc.signatures.last().unwrap().byte_range;
    (br[2] + br[3]) as usize
}

fn page1(pdf: &Pdf) -> (ObjectId, &Dictionary) {
    let id = pdf.get_pages()[&1];
    (id, pdf.get_dictionary(id).unwrap())
}

fn deref<'a>(pdf: &'a Pdf, o: &'a Object) -> &'a Object {
    pdf.dereference(o).unwrap().1
}

fn dict_at<'a>(pdf: &'a Pdf, d: &'a Dictionary, key: &[u8]) -> &'a Dictionary {
    deref(pdf, d.get(key).unwrap()).as_dict().unwrap()
}

fn stream_data(pdf: &Pdf, id: ObjectId) -> Vec<u8> {
    let s = pdf.get_object(id).unwrap().as_stream().unwrap();
    s.decompressed_content()
        .unwrap_or_else(|_| s.content.clone())
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The value after the last `startxref` of `bytes`.
fn last_startxref(bytes: &[u8]) -> usize {
    let at = bytes
        .windows(9)
        .rposition(|w| w == b"startxref")
        .expect("startxref");
    let text = std::str::from_utf8(&bytes[at + 9..])
        .unwrap_or("")
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    text.parse().unwrap()
}

/// The signature dictionary of field `name`.
fn sig_dict<'a>(pdf: &'a Pdf, name: &str) -> (&'a Dictionary, &'a Dictionary) {
    for obj in pdf.objects.values() {
        let Ok(d) = obj.as_dict() else { continue };
        if d.get(b"FT").and_then(|o| o.as_name()).ok() == Some(&b"Sig"[..])
            && d.get(b"T").unwrap().as_str().unwrap() == name.as_bytes()
        {
            return (d, dict_at(pdf, d, b"V"));
        }
    }
    panic!("no field {name}")
}

/// The manifest's claims common to the attacks made by an update after every signature.
fn expects_update_attack(doc: &Document, kind: &str) {
    assert_eq!(doc.status, DocumentStatus::TotalFailed, "{}", doc.name);
    assert!(doc.reason.is_some());
    for s in &doc.signatures {
        assert_eq!(
            s.indication,
            Indication::TotalPassed,
            "{} {}",
            doc.name,
            s.field
        );
        assert_eq!(s.modifications, Modifications::Forbidden);
        assert!(!s.covers_whole_file);
        assert_eq!(s.findings, [kind], "{} {}", doc.name, s.field);
    }
}

/// The manifest's claims when the last signature's own dictionary is attacked.
fn expects_damaged_last(doc: &Document, kind: &str) {
    assert_eq!(doc.status, DocumentStatus::TotalFailed, "{}", doc.name);
    let (last, earlier) = doc.signatures.split_last().unwrap();
    assert_eq!(
        (last.indication, last.sub_indication),
        (Indication::TotalFailed, Some(SubIndication::FormatFailure))
    );
    assert_eq!(last.findings, [kind]);
    assert!(last.covers_whole_file);
    // Unsigned bytes in a wrapped signature's gap modify what was signed.
    let expected = if kind == "signature_wrapping" {
        Modifications::Forbidden
    } else {
        Modifications::None
    };
    assert_eq!(last.modifications, expected);
    for s in earlier {
        assert_eq!(s.indication, Indication::TotalPassed);
        assert_eq!(s.modifications, Modifications::Permitted);
        assert!(s.findings.is_empty());
    }
}

#[test]
fn every_attack_document_loads_in_lopdf_and_qpdf() {
    let qpdf = std::process::Command::new("qpdf")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !qpdf {
        // CI installs it (.ci/run): there its absence is a failure, not a skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "qpdf is missing under CI (CI is set)"
        );
        eprintln!("qpdf not installed: only lopdf loads the documents");
    }
    let (dir, lines) = corpus();
    let cases: std::collections::BTreeSet<&str> = lines.iter().map(|d| d.case.as_str()).collect();
    for case in Case::LABELLED {
        assert!(cases.contains(case.name()), "no {} document", case.name());
    }
    for doc in lines.iter().filter(|d| d.status != DocumentStatus::Error) {
        let bytes = std::fs::read(dir.join(&doc.name)).unwrap();
        load(&bytes, &doc.name);
        // A document cut short inside an update is damaged on purpose: qpdf, a strict reader,
        // refuses it (and sigaudit fails it as changed after signing).
        if qpdf && doc.case != "truncated" {
            // 0: no problem, 3: warnings only; 2 is an error.
            let out = std::process::Command::new("qpdf")
                .arg("--check")
                .arg(dir.join(&doc.name))
                .output()
                .unwrap();
            assert!(
                matches!(out.status.code(), Some(0 | 3)),
                "{} ({}): qpdf --check: {}{}",
                doc.name,
                doc.case,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[test]
fn shadow_hide_replaces_a_drawn_overlay_by_an_empty_one() {
    for (doc, bytes) in docs(Case::ShadowHide) {
        expects_update_attack(doc, "shadow_hide");
        let first = load(first_revision(&bytes), "revision 1");
        let (page, pd) = page1(&first);
        let xobjects = dict_at(&first, dict_at(&first, pd, b"Resources"), b"XObject");
        let ov = xobjects.get(b"Ov0").unwrap().as_reference().unwrap();
        let content = first.get_page_content(page);
        assert!(
            String::from_utf8_lossy(&content)
                .trim_end()
                .ends_with("/Ov0 Do Q"),
            "{}: page 1 ends by drawing the overlay",
            doc.name
        );
        let signed_overlay = stream_data(&first, ov);
        assert!(contains(&signed_overlay, b"re f") && contains(&signed_overlay, b"Tj"));
        let bbox = |pdf: &Pdf| {
            let s = pdf.get_object(ov).unwrap().as_stream().unwrap();
            format!("{:?}", s.dict.get(b"BBox").unwrap())
        };

        let signed_end = signed(doc);
        let at_signing = load(&bytes[..signed_end], "signed revision");
        assert_eq!(stream_data(&at_signing, ov), signed_overlay);
        let last = load(&bytes, &doc.name);
        assert!(stream_data(&last, ov).is_empty(), "{}: emptied", doc.name);
        assert_eq!(bbox(&last), bbox(&first));
        // An ordinary update: the last startxref is past the signed bytes.
        assert!(last_startxref(&bytes) > signed_end);
        assert_eq!(
            page1(&last).1,
            page1(&at_signing).1,
            "the page itself is untouched"
        );
    }
}

#[test]
fn shadow_replace_swaps_page_one_font_for_one_showing_nines() {
    for (doc, bytes) in docs(Case::ShadowReplace) {
        expects_update_attack(doc, "shadow_replace");
        let signed_end = signed(doc);
        let at_signing = load(&bytes[..signed_end], "signed revision");
        let (page, pd) = page1(&at_signing);
        let fonts = dict_at(&at_signing, dict_at(&at_signing, pd, b"Resources"), b"Font");
        let font = fonts
            .get(b"F1")
            .unwrap()
            .as_reference()
            .expect("an indirect font");
        let before = at_signing.get_dictionary(font).unwrap();
        assert_eq!(
            before.get(b"Encoding").unwrap().as_name().unwrap(),
            b"WinAnsiEncoding"
        );
        assert!(contains(&at_signing.get_page_content(page), b"1."));
        let last = load(&bytes, &doc.name);
        let after = last.get_dictionary(font).unwrap();
        let enc = dict_at(&last, after, b"Encoding");
        assert_eq!(
            enc.get(b"BaseEncoding").unwrap().as_name().unwrap(),
            b"WinAnsiEncoding"
        );
        let diffs = enc.get(b"Differences").unwrap().as_array().unwrap();
        assert_eq!(diffs[0].as_i64().unwrap(), 49);
        assert_eq!(diffs[1].as_name().unwrap(), b"nine");
        assert_eq!(page1(&last).1, pd, "page 1 itself is untouched");
    }
}

#[test]
fn shadow_hide_and_replace_points_page_one_at_a_stream_of_the_first_revision() {
    for (doc, bytes) in docs(Case::ShadowHideAndReplace) {
        expects_update_attack(doc, "shadow_hide_and_replace");
        let last = load(&bytes, &doc.name);
        let (page, now) = page1(&last);
        let shadow = now.get(b"Contents").unwrap().as_reference().unwrap();

        let first = load(first_revision(&bytes), "revision 1");
        assert!(first.has_object(shadow), "{}: S in revision 1", doc.name);
        for (_, id) in first.get_pages() {
            let contents = first.get_dictionary(id).unwrap().get(b"Contents").unwrap();
            assert_ne!(
                contents.as_reference().ok(),
                Some(shadow),
                "{}: S is not a page's content in revision 1",
                doc.name
            );
        }
        let signed_end = signed(doc);
        let at_signing = load(&bytes[..signed_end], "signed revision");
        let (_, then) = page1(&at_signing);
        let shown = then.get(b"Contents").unwrap().as_reference().unwrap();
        assert_ne!(shown, shadow);
        assert!(
            !contains(
                &bytes[signed_end..],
                format!("\n{} 0 obj", shadow.0).as_bytes()
            ),
            "S is not rewritten"
        );
        assert_ne!(stream_data(&last, shadow), stream_data(&last, shown));
        // Only /Contents changed.
        let mut was = then.clone();
        was.set("Contents", Object::Reference(shadow));
        assert_eq!(&was, now);
        assert!(contains(
            &last.get_page_content(page),
            b"So tien thanh toan: 9."
        ));
    }
}

#[test]
fn unreachable_update_is_after_the_signatures_but_outside_the_xref_chain() {
    let mut variants = std::collections::BTreeSet::new();
    for (doc, bytes) in docs(Case::UnreachableUpdate) {
        expects_update_attack(doc, "unreachable_update");
        let signed_end = signed(doc);
        assert_eq!(
            last_startxref(&bytes),
            last_startxref(&bytes[..signed_end]),
            "{}: the last startxref is the signed revision's",
            doc.name
        );
        let at_signing = load(&bytes[..signed_end], "signed revision");
        let (_, pd) = page1(&at_signing);
        let content = pd.get(b"Contents").unwrap().as_reference().unwrap();
        let tail = &bytes[signed_end..];
        assert!(
            tail.starts_with(format!("{} 0 obj", content.0).as_bytes()),
            "{}: page 1 content redefined right after the signed bytes",
            doc.name
        );
        assert!(contains(tail, b"(\\(SUA DOI\\) So tien"));
        assert!(tail.ends_with(b"%%EOF\n"));
        let table = contains(tail, b"\nxref\n");
        variants.insert(table);
        // lopdf loads the whole file; which page 1 it then shows is its own parser's choice.
        let last = load(&bytes, &doc.name);
        eprintln!(
            "{} ({}): lopdf shows the {} page 1",
            doc.name,
            if table {
                "with a table"
            } else {
                "objects only"
            },
            if contains(&stream_data(&last, content), b"SUA DOI") {
                "unreachable"
            } else {
                "signed"
            }
        );
    }
    assert_eq!(variants.len(), 2, "with and without an xref table");
}

#[test]
fn signature_wrapping_keeps_the_byte_range_and_wraps_the_gap() {
    for (doc, bytes) in docs(Case::SignatureWrapping) {
        expects_damaged_last(doc, "signature_wrapping");
        let last = doc.signatures.last().unwrap();
        let pdf = load(&bytes, &doc.name);
        let (_, v) = sig_dict(&pdf, &last.field);
        let br: Vec<u64> = v
            .get(b"ByteRange")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_i64().unwrap() as u64)
            .collect();
        assert_eq!(br, last.byte_range);
        assert_eq!(br[2] + br[3], bytes.len() as u64);
        let gap = &bytes[br[1] as usize..br[2] as usize];
        assert!(gap.starts_with(b"<30") && gap.ends_with(b">"));
        assert!(contains(gap, b"> /Wrapped <"), "{}", doc.name);
        let contents = v.get(b"Contents").unwrap().as_str().unwrap();
        assert!(contents.len() * 2 + 2 < gap.len(), "the gap holds more");
        assert_eq!(contents[0], 0x30);
        assert!(v
            .get(b"Wrapped")
            .unwrap()
            .as_str()
            .unwrap()
            .iter()
            .all(|&b| b == 0));
    }
}

#[test]
fn universal_forgery_zeroes_the_last_contents() {
    for (doc, bytes) in docs(Case::UniversalForgery) {
        expects_damaged_last(doc, "universal_forgery");
        let last = doc.signatures.last().unwrap();
        let pdf = load(&bytes, &doc.name);
        let (_, v) = sig_dict(&pdf, &last.field);
        let [_, b, c, d] = last.byte_range.map(|x| x as usize);
        assert_eq!(c + d, bytes.len());
        let contents = v.get(b"Contents").unwrap().as_str().unwrap();
        assert_eq!(contents.len() * 2 + 2, c - b, "the same length");
        assert!(contents.iter().all(|&x| x == 0), "{}", doc.name);
    }
}

/// The certification signature's dictionary: /Perms /DocMDP in the catalog names it, and its
/// /Reference is a DocMDP transform with P=2.
fn assert_certified(pdf: &Pdf, doc: &Document) {
    let perms = dict_at(pdf, pdf.catalog().unwrap(), b"Perms");
    let docmdp = perms.get(b"DocMDP").unwrap().as_reference().unwrap();
    let (_, v) = sig_dict(pdf, &doc.signatures[0].field);
    assert_eq!(pdf.get_dictionary(docmdp).unwrap(), v, "{}", doc.name);
    let reference = v.get(b"Reference").unwrap().as_array().unwrap();
    let r = reference[0].as_dict().unwrap();
    assert_eq!(
        r.get(b"TransformMethod").unwrap().as_name().unwrap(),
        b"DocMDP"
    );
    let params = r.get(b"TransformParams").unwrap().as_dict().unwrap();
    assert_eq!(params.get(b"P").unwrap().as_i64().unwrap(), 2);
    assert_eq!(params.get(b"V").unwrap().as_name().unwrap(), b"1.2");
    // Only the first signature certifies.
    for s in &doc.signatures[1..] {
        assert!(sig_dict(pdf, &s.field).1.get(b"Reference").is_err());
    }
}

#[test]
fn certification_violation_adds_an_annotation_after_a_p2_certification() {
    for (doc, bytes) in docs(Case::CertificationViolation) {
        expects_update_attack(doc, "certification_violation");
        let signed_end = signed(doc);
        let at_signing = load(&bytes[..signed_end], "signed revision");
        assert_certified(&at_signing, doc);
        let last = load(&bytes, &doc.name);
        assert_certified(&last, doc);
        let annots = |pdf: &Pdf| -> Vec<ObjectId> {
            let (_, pd) = page1(pdf);
            deref(pdf, pd.get(b"Annots").unwrap())
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o.as_reference().unwrap())
                .collect()
        };
        let before = annots(&at_signing);
        let after = annots(&last);
        let added: Vec<_> = after.iter().filter(|a| !before.contains(a)).collect();
        assert_eq!(added.len(), 1, "{}", doc.name);
        assert!(before.iter().all(|a| after.contains(a)));
        let annot = last.get_dictionary(*added[0]).unwrap();
        assert_eq!(
            annot.get(b"Subtype").unwrap().as_name().unwrap(),
            b"FreeText"
        );
        assert!(annot.get(b"Contents").is_ok() && annot.get(b"DA").is_ok());
    }
}

#[test]
fn certified_valid_is_certified_and_ends_with_its_last_signature() {
    for (doc, bytes) in docs(Case::CertifiedValid) {
        assert_eq!(doc.status, DocumentStatus::TotalPassed);
        assert_certified(&load(&bytes, &doc.name), doc);
        let (last, earlier) = doc.signatures.split_last().unwrap();
        assert!(last.covers_whole_file && last.modifications == Modifications::None);
        for s in doc.signatures.iter() {
            assert_eq!(s.indication, Indication::TotalPassed);
            assert!(s.findings.is_empty());
        }
        assert!(earlier
            .iter()
            .all(|s| s.modifications == Modifications::Permitted));
    }
}

#[test]
fn field_lock_violation_changes_a_locked_text_field() {
    for (doc, bytes) in docs(Case::FieldLockViolation) {
        expects_update_attack(doc, "field_lock_violation");
        let first = load(first_revision(&bytes), "revision 1");
        let field = |pdf: &Pdf| -> (ObjectId, Dictionary) {
            let acroform = dict_at(pdf, pdf.catalog().unwrap(), b"AcroForm");
            let fields = deref(pdf, acroform.get(b"Fields").unwrap())
                .as_array()
                .unwrap();
            let found: Vec<_> = fields
                .iter()
                .map(|f| f.as_reference().unwrap())
                .filter(|&id| {
                    let d = pdf.get_dictionary(id).unwrap();
                    d.get(b"FT").unwrap().as_name().unwrap() == b"Tx"
                })
                .collect();
            assert_eq!(found.len(), 1);
            (found[0], pdf.get_dictionary(found[0]).unwrap().clone())
        };
        let (tx, original) = field(&first);
        assert_eq!(original.get(b"T").unwrap().as_str().unwrap(), b"SoVanBan");
        let (page, pd) = page1(&first);
        assert!(deref(&first, pd.get(b"Annots").unwrap())
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.as_reference().ok() == Some(tx)));
        assert_eq!(original.get(b"P").unwrap().as_reference().unwrap(), page);
        assert!(original.get(b"AP").is_ok());

        let signed_end = signed(doc);
        let at_signing = load(&bytes[..signed_end], "signed revision");
        let (d, v) = sig_dict(&at_signing, &doc.signatures[0].field);
        let lock = dict_at(&at_signing, d, b"Lock");
        assert_eq!(lock.get(b"Action").unwrap().as_name().unwrap(), b"Include");
        assert_eq!(
            lock.get(b"Fields").unwrap().as_array().unwrap()[0]
                .as_str()
                .unwrap(),
            b"SoVanBan"
        );
        let r = v.get(b"Reference").unwrap().as_array().unwrap()[0]
            .as_dict()
            .unwrap();
        assert_eq!(
            r.get(b"TransformMethod").unwrap().as_name().unwrap(),
            b"FieldMDP"
        );
        let params = r.get(b"TransformParams").unwrap().as_dict().unwrap();
        assert_eq!(
            params.get(b"Action").unwrap().as_name().unwrap(),
            b"Include"
        );
        assert_eq!(
            params.get(b"Fields").unwrap().as_array().unwrap()[0]
                .as_str()
                .unwrap(),
            b"SoVanBan"
        );
        assert_eq!(field(&at_signing), (tx, original.clone()));

        let last = load(&bytes, &doc.name);
        let (tx2, changed) = field(&last);
        assert_eq!(tx2, tx);
        assert_ne!(changed.get(b"V").unwrap(), original.get(b"V").unwrap());
        assert_ne!(changed.get(b"AP").unwrap(), original.get(b"AP").unwrap());
    }
}

#[test]
fn the_modified_after_signing_case_is_labelled_incremental_saving() {
    for (doc, _) in docs(Case::ModifiedAfterSigning) {
        expects_update_attack(doc, "incremental_saving");
    }
    for (doc, _) in docs(Case::TamperedSignedByte) {
        // A changed signed byte is a hash failure, not an attack on the file's structure.
        assert!(!doc.signatures.is_empty(), "{}: no signatures", doc.name);
        assert!(
            doc.signatures
                .iter()
                .any(|s| s.sub_indication == Some(SubIndication::HashFailure)),
            "{}: no hash failure",
            doc.name
        );
        assert!(doc.signatures.iter().all(|s| s.findings.is_empty()));
    }
}
