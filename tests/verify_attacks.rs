//! Changes after signing on the real third-party corpus (`../shared/corpus/real/`): every
//! attack sample fails (or is indeterminate) with a finding that names its class, and the
//! change analysis agrees with pyHanko's modification level wherever pyHanko gives one (its
//! `ACCEPTABLE_MODIFICATIONS`/`UNTOUCHED` against sigaudit's none/permitted, its
//! `ILLEGAL_MODIFICATIONS` against forbidden). Each difference is listed with its reason; a
//! new one, or a listed one that disappears, fails the test. Skips visibly without
//! `../shared`.
//!
//! Without `../shared`: a visible SKIP, and a failure under CI (`"CI"` set) — see
//! `common::shared_or_skip`.

mod common;
use common::{real_dir, verify_real_corpus as verify_all};

use std::collections::{BTreeMap, BTreeSet};

use sigaudit::DocumentReport;
use sigaudit::{DocumentStatus, Modifications};

/// Attack samples: path → the finding kinds sigaudit names (the document fails with the first).
const ATTACKS: &[(&str, &[&str])] = &[
    ("pdf-attacker/pdf/attack/form/form_v2-signed-manipulated.pdf", &["shadow_hide"]),
    ("pdf-attacker/shadow-demo-exploits/hide-and-replace/hide-and-replace-shadowed-signed-manipulated.pdf", &["shadow_hide_and_replace"]),
    ("pdf-attacker/shadow-demo-exploits/hide-and-replace/variant-1_change_object_references/4_original-document-shadowed-signed-manipulated.pdf", &["shadow_hide_and_replace"]),
    ("pdf-attacker/shadow-demo-exploits/hide-and-replace/variant-2_change_objects_usage/4_original-document-shadowed-signed-manipulated.pdf", &["shadow_hide"]),
    ("pdf-attacker/shadow-demo-exploits/hide/form/hide-from-shadowed-signed-manipulated.pdf", &["shadow_hide"]),
    ("pdf-attacker/shadow-demo-exploits/hide/form_and_form/shadowed_form_over_form-signed-manipulated.pdf", &["unreachable_update", "xref_differential"]),
    ("pdf-attacker/shadow-demo-exploits/hide/form_and_form/shadowed_form_over_form-signed-manipulated_v1.pdf", &["unreachable_update"]),
    ("pdf-attacker/shadow-demo-exploits/hide/form_and_form/shadowed_form_over_form-signed-manipulated_v2.pdf", &["shadow_replace"]),
    ("pdf-attacker/shadow-demo-exploits/hide/form_and_text/form_over_text-signed-manipulated.pdf", &["shadow_hide"]),
    ("pdf-attacker/shadow-demo-exploits/hide/variant-1_hide-via-referenced-object/4_original-document-shadowed-signed-manipulated_v1.pdf", &["xref_differential"]),
    ("pdf-attacker/shadow-demo-exploits/hide/variant-2_hide-via-referenced-object/hide-form-via-form/4_original-document-shadowed-signed-manipulated.pdf", &["unreachable_update", "xref_differential"]),
    ("pdf-attacker/shadow-demo-exploits/hide/variant-2_hide-via-referenced-object/hide-text-via-form/4_original-document-shadowed-signed-manipulated.pdf", &["shadow_hide"]),
    ("pdf-attacker/shadow-demo-exploits/hide/xref_image/hide-from-shadowed-signed-manipulated_v1.pdf", &["xref_differential"]),
    ("pdf-attacker/shadow-demo-exploits/hide/xref_image/hide-from-shadowed-signed-manipulated_v2.pdf", &["xref_differential"]),
    ("pdf-attacker/shadow-demo-exploits/replace/font/replace-font-shadowed-signed-manipulated.pdf", &["xref_differential"]),
    ("pdf-attacker/shadow-demo-exploits/replace/forms/replace-form-shadowed-signed-manipulated.pdf", &["shadow_replace"]),
    ("pdf-attacker/shadow-demo-exploits/replace/variant-1_replace-via-overlay/4_original-document-shadowed-signed-manipulated.pdf", &["shadow_replace"]),
    ("pdf-attacker/shadow-demo-exploits/replace/variant-2_replace-via-overwrite/4_original-document-shadowed-signed-manipulated.pdf", &["xref_differential"]),
    ("pdf-tester/PDFSigner/2020/examples/1/03_Test_cert_p2_sign_manipulate.pdf", &["unreachable_update"]),
    ("pdf-tester/PDFSigner/2020/examples/2/03_NDA_cert_p2_sign_manipulate.pdf", &["shadow_replace"]),
    ("pdf-tester/PDFSigner/2020/examples/2/04_NDA_cert_p2_sign_sign_manipulate.pdf", &["shadow_replace"]),
    ("pyhanko/form-update-override-appearance-stream-sneaky.pdf", &["shadow_replace"]),
    ("pyhanko/form-update-override-appearance-stream-ap-indirect-sneaky.pdf", &["shadow_replace"]),
    ("dss/dss-pades/validation/dss-2236/hide.pdf", &["xref_differential"]),
    ("dss/dss-pades/validation/dss-2236/replace.pdf", &["shadow_replace"]),
    ("dss/dss-pades/validation/pades-spoofing-replaced-reason.pdf", &["incremental_saving"]),
    ("dss/dss-pades/validation/pdf-spoofing-attack.pdf", &["shadow_hide", "signature_wrapping"]),
    ("dss/dss-pades/validation/siwa.pdf", &["signature_wrapping"]),
];

/// Attack samples sigaudit passes (or leaves to the signature verdict), with the reason.
const NOT_FAILED: &[(&str, &str)] = &[
    ("pdf-attacker/shadow-demo-exploits/hide-and-replace/variant-2_change_objects_usage/4_original-document-shadowed-signed-manipulated@f8390fb6.pdf",
     "inert: the update re-lists objects 15 and 18 at the offsets the signed revision already gives them, so the displayed document is the signed one (pyHanko: ACCEPTABLE too)"),
    ("pyhanko/form-update-no-override-appearance-stream-ap-indirect-sneaky.pdf",
     "the update signs Sig2 and gives its widget a new appearance; the old appearance dictionary, also named by the catalog's /FooBar, is not modified (pyHanko flags the shared reference)"),
    ("pyhanko/form-update-ap-indirect-sneaky-trailer.pdf",
     "as above, the shared reference being a /FooBar key of the new trailer, which no reader renders (pyHanko flags it)"),
];

/// (path, sig_index) where sigaudit's modifications differ from pyHanko's level, and why.
const DIFFERENCES: &[(&str, usize, &str)] = &[
    ("dss/dss-cookbook/mra/john-doe-lta.pdf", 0, "pyHanko's strict reader fails on a dangling reference; its non-strict verdict EXTENDED_WITH_OTHER is not examined further"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 10, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 11, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 12, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 13, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 14, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 15, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 16, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 17, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 18, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 19, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 20, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 21, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 22, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 23, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 24, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 3, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 4, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 5, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 6, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 7, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 8, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 9, "hybrid-reference file only pyHanko's non-strict reader opens; it calls the later updates EXTENDED_WITH_OTHER, sigaudit classifies every changed object as signing, DSS or structure (not examined object by object)"),
    ("dss/dss-pades/validation/AD-RB.pdf", 0, "not examined: sigaudit classifies each changed object as signing, DSS or structure; pyHanko says EXTENDED_WITH_OTHER"),
    ("dss/dss-pades/validation/PAdES-LT.pdf", 3, "hybrid-reference file only pyHanko's non-strict reader opens (as 25sigs.pdf); not examined object by object"),
    ("dss/dss-pades/validation/Signature-P-DE_SCI-4.pdf", 0, "the update adds resources to page 1 without changing existing names (sigaudit: content drawn unchanged); pyHanko says EXTENDED_WITH_OTHER"),
    ("dss/dss-pades/validation/Signature-P-HU_POL-7.pdf", 2, "not examined: sigaudit classifies each changed object as signing, DSS or structure; pyHanko says EXTENDED_WITH_OTHER"),
    ("dss/dss-pades/validation/adbe_crl_signed.pdf", 0, "not examined: sigaudit classifies each changed object as signing, DSS or structure; pyHanko says EXTENDED_WITH_OTHER"),
    ("dss/dss-pades/validation/dss-1376/DSS1376-rev_n.pdf", 0, "not examined: sigaudit classifies each changed object as signing, DSS or structure; pyHanko says EXTENDED_WITH_OTHER"),
    ("dss/dss-pades/validation/dss-2236/replace.pdf", 0, "a shadow replace attack (EU DSS test): a field's appearance is swapped while its value stays; pyHanko accepts it as form filling"),
    ("dss/dss-pades/validation/pades-lta-copied-doctst.pdf", 0, "pyHanko's strict reader fails on a dangling reference; its non-strict verdict is not examined further"),
    ("dss/dss-pades/validation/pades-ocsp-archiveCutOff-invalid.pdf", 0, "pyHanko: NONSTANDARD_COVERAGE; sigaudit judges coverage by the byte range and revision ends, and the updates after it as signing, DSS or structure"),
    ("dss/dss-pades/validation/pades-signed-filled-form.pdf", 1, "form filling after an approval signature in an uncertified document: permitted by sigaudit (level 2), not by pyHanko"),
    ("dss/dss-pades/validation/pades-tst-with-sig-type.pdf", 0, "pyHanko's strict reader fails on a dangling reference; its non-strict verdict is not examined further"),
    ("dss/dss-pades/validation/pdf-eof.pdf", 0, "the /ByteRange reaches past the end of the file: FORMAT_FAILURE, nothing follows it (pyHanko: NONSTANDARD_COVERAGE)"),
    ("dss/dss-pades/validation/pdf-structtreeroot-changes.pdf", 0, "hybrid-reference file; the update rewrites the logical structure tree, which sigaudit permits (it does not change what is drawn)"),
    ("pdf-attacker/shadow-demo-exploits/hide/form_and_form/shadowed_form_over_form-signed-manipulated_v2.pdf", 0, "a shadow hide attack: the update overwrites the fields' appearance XObjects; pyHanko accepts it as an LTA update"),
    ("pdf-tester/PDFSigner/2020/examples/2/02_NDA_cert_p2_sign_original.pdf", 0, "pyHanko: NONSTANDARD_COVERAGE for the certification signature; the later update is a second signature, permitted at level 2"),
    ("pyhanko/coverage-anomalies/one-byterange.pdf", 0, "a /ByteRange of two integers: FORMAT_FAILURE with a universal_forgery finding; nothing follows (pyHanko: NONSTANDARD_COVERAGE)"),
    ("pyhanko/coverage-anomalies/tail-uncovered.pdf", 0, "bytes after the signed range that hold no object syntax: reported by coverage, not as a modification (pyHanko: NONSTANDARD_COVERAGE)"),
    ("pyhanko/extensions-indirect-not-all-paths.pdf", 0, "the update changes a developer extensions dictionary (/Extensions levels), which draws nothing"),
    ("pyhanko/form-update-ap-indirect-sneaky-trailer.pdf", 0, "see NOT_FAILED in this file: the shared reference is a /FooBar trailer key no reader renders"),
    ("pyhanko/form-update-no-override-appearance-stream-ap-indirect-sneaky.pdf", 0, "see NOT_FAILED in this file: the shared appearance dictionary is not modified"),
];

fn kinds(r: &DocumentReport) -> BTreeSet<String> {
    r.findings
        .iter()
        .map(|f| f.kind.as_str().to_string())
        .collect()
}

#[test]
fn every_attack_sample_fails_with_its_class_named() {
    let Some(dir) = real_dir() else { return };
    let reports = verify_all(&dir);
    let mut failures = Vec::new();
    for (path, expected) in ATTACKS {
        let r = &reports[*path];
        let found = kinds(r);
        if !matches!(
            r.status,
            DocumentStatus::TotalFailed | DocumentStatus::Indeterminate
        ) {
            failures.push(format!("{path}: {:?} ({:?})", r.status, r.reason));
        }
        for k in *expected {
            if !found.contains(*k) {
                failures.push(format!("{path}: no {k} finding; found {found:?}"));
            }
        }
    }
    for (path, _why) in NOT_FAILED {
        let r = &reports[*path];
        let forbidden = r
            .signatures
            .iter()
            .any(|s| s.modifications == Modifications::Forbidden);
        if forbidden {
            failures.push(format!(
                "{path}: recorded as not failed by its changes, now forbidden: {:?}",
                r.reason
            ));
        }
    }
    // Every file the manifest calls an attack, and every manipulated pdf-attacker / pdf-tester
    // sample, is listed above.
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let listed: BTreeSet<&str> = ATTACKS
        .iter()
        .map(|a| a.0)
        .chain(NOT_FAILED.iter().map(|a| a.0))
        .collect();
    for line in manifest.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (path, notes) = (f[0], f.get(7).copied().unwrap_or(""));
        let manipulated = (path.starts_with("pdf-attacker/") || path.starts_with("pdf-tester/"))
            && path.contains("manipulat");
        let attack = notes.contains("attack:") || notes.contains("SWA");
        if (manipulated || attack) && !listed.contains(path) {
            failures.push(format!(
                "{path}: an attack sample not listed: {:?} {:?}",
                reports[path].status, reports[path].reason
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// pyHanko's modification level of a REFERENCE.tsv verdict (the strict reader, else the
/// non-strict one): `Some(true)` when it permits the changes, `Some(false)` when it calls them
/// illegal, `None` when it gives no level.
fn pyhanko_permits(v: &str) -> Option<bool> {
    let v = v.split(" || nonstrict: ").last().unwrap_or(v);
    if v.contains("ILLEGAL_MODIFICATIONS") {
        Some(false)
    } else if v.contains("ACCEPTABLE_MODIFICATIONS") || v.contains("UNTOUCHED") {
        Some(true)
    } else {
        None
    }
}

#[test]
fn modifications_agree_with_pyhanko_where_it_judges_them() {
    let Some(dir) = real_dir() else { return };
    let reports = verify_all(&dir);
    let reference = std::fs::read_to_string(dir.join("REFERENCE.tsv")).expect("REFERENCE.tsv");
    let recorded: BTreeMap<(&str, usize), &str> =
        DIFFERENCES.iter().map(|&(p, i, w)| ((p, i), w)).collect();
    let mut used = BTreeSet::new();
    let (mut agree, mut failures) = (0, Vec::new());
    for line in reference.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let [path, idx, _pd, py, _notes, field, br] = f[..] else {
            panic!("REFERENCE.tsv row with {} fields", f.len());
        };
        let Some(permits) = pyhanko_permits(py) else {
            continue;
        };
        let idx: usize = idx.parse().expect("sig_index");
        let br: Option<Vec<i64>> =
            (!br.is_empty()).then(|| br.split(',').map(|x| x.parse().expect("int")).collect());
        let r = &reports[path];
        let Some(sig) = r
            .signatures
            .iter()
            .find(|s| s.byte_range == br && s.field == field)
            .or_else(|| r.signatures.iter().find(|s| s.byte_range == br))
        else {
            failures.push(format!(
                "{path} #{idx} {field}: pyHanko judges it ({py}) but sigaudit reports no \
                 signature with /ByteRange {br:?}"
            ));
            continue;
        };
        let ours = sig.modifications != Modifications::Forbidden;
        if ours == permits {
            agree += 1;
            if recorded.contains_key(&(path, idx)) {
                failures.push(format!("{path} #{idx}: recorded difference now agrees"));
            }
            continue;
        }
        if recorded.contains_key(&(path, idx)) {
            used.insert((path, idx));
            continue;
        }
        failures.push(format!(
            "{path} #{idx} {field}: pyHanko {py}; sigaudit {:?} {:?}",
            sig.modifications,
            sig.findings
                .iter()
                .map(|f| format!("{}: {}", f.kind.as_str(), f.detail))
                .collect::<Vec<_>>()
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let stale: Vec<_> = DIFFERENCES
        .iter()
        .filter(|(p, i, _)| !used.contains(&(*p, *i)))
        .collect();
    assert!(stale.is_empty(), "stale DIFFERENCES entries: {stale:?}");
    eprintln!(
        "modifications: {agree} signatures agree with pyHanko's level, {} recorded differences",
        used.len()
    );
    assert!(agree >= 150, "{agree} agreeing rows");
}

#[test]
fn certification_field_locks_and_usage_rights_are_reported() {
    let Some(dir) = real_dir() else { return };
    let reports = verify_all(&dir);
    let perms =
        |p: &str| serde_json::to_value(&reports[p].signatures[0].permissions).expect("serialises");
    assert_eq!(
        perms("pdf-tester/PDFSigner/signed_ur3.pdf"),
        serde_json::json!({"usage_rights": "UR3"})
    );
    assert_eq!(
        perms("pdf-tester/PDFSigner/signed_fieldmdp.pdf"),
        serde_json::json!({"field_lock": ["Exclude", ["Text1", "Text2"]]})
    );
    assert_eq!(
        perms("pdf-tester/PDFSigner/shadowed-certified-visible.pdf"),
        serde_json::json!({"certification": 3})
    );
    // Usage rights enable viewer features and restrict nothing: the UR3 file passes.
    assert_eq!(
        reports["pdf-tester/PDFSigner/signed_ur3.pdf"].status,
        DocumentStatus::TotalPassed
    );
}
