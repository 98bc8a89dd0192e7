//! Integrity verdicts on the real third-party corpus (`../shared/corpus/real/`) against pdfsig
//! and pyHanko (REFERENCE.tsv). Where both peers judge a signature's bytes and agree, sigaudit
//! must agree; where only one judges, sigaudit must agree with it; everything else (the peers
//! disagree, or neither judges, or sigaudit knowingly differs from the one that does) is listed
//! in [`RECORDED`] with sigaudit's integrity verdict and a one-line reason, and the test fails
//! if a verdict changes or an entry goes stale. Skips visibly without `../shared`.
//!
//! Without `../shared`: a visible SKIP, and a failure under CI (`"CI"` set) — see
//! `common::shared_or_skip`.

mod common;
use common::{real_dir, verify_real_corpus as verify_corpus};

use std::collections::{BTreeMap, HashSet};

use sigaudit::Integrity;

/// (path, sig_index) → (sigaudit's integrity, why it differs from or is not judged by a peer).
const RECORDED: &[(&str, usize, &str, &str)] = &[
    ("pyhanko/coverage-anomalies/base.pdf", 0, "malformed", "signature field without /Contents: nothing to verify (FORMAT_FAILURE)"),
    ("pyhanko/coverage-anomalies/one-byterange.pdf", 0, "malformed", "/ByteRange with other than four integers (FORMAT_FAILURE); pyHanko hashes it as non-standard coverage"),
    ("pyhanko/signed-encrypted-pubkey-with-catalog-ref.pdf", 0, "ok", "public-key-encrypted file neither peer opens; its signature verifies (its /Contents is not encrypted)"),
    ("dss/dss-cookbook/snippets/25sigs.pdf", 2, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/AD-RB.pdf", 0, "unsupported", "SubFilter /PBAD.PAdES (evidence-record variant) is not supported"),
    ("dss/dss-pades/validation/BadEncodedCMS.pdf", 0, "ok", "non-DER CMS, ECDSA P-256 with SHA-1: verifies over the bytes as received; pdfsig does not list it, pyHanko raises"),
    ("dss/dss-pades/validation/DSS-2821.pdf", 0, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (NOT_LISTED); imprint and token signature verify"),
    ("dss/dss-pades/validation/PAdES-LT.pdf", 2, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/Signature-P-BG_BOR-2.pdf", 1, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/Signature-P-FR_CS-5.pdf", 1, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/Signature-P-FR_CS-5.pdf", 2, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/Signature-P-HU_NET-2.pdf", 0, "ok", "pdfsig does not verify it (NOT_VERIFIED/GENERIC_ERROR) and pyHanko's validation context fails; digest and signature verify"),
    ("dss/dss-pades/validation/Signature-P-SK-6.pdf", 1, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/belgian_pki_multiple_ocsps.pdf", 1, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/dss-1420/PAdES-BpB-att-SHA256-SHA3_224withRSA.pdf", 0, "ok", "labelled RSA with SHA3 but computed with SHA-256, as its PKCS#1 DigestInfo and python-cryptography say: integrity ok with a warning (pyHanko verifies with the label's hash: INVALID; pdfsig GENERIC_ERROR)"),
    ("dss/dss-pades/validation/dss-1420/PAdES-BpB-att-SHA256-SHA3_256withRSA.pdf", 0, "ok", "labelled RSA with SHA3 but computed with SHA-256, as its PKCS#1 DigestInfo and python-cryptography say: integrity ok with a warning (pyHanko verifies with the label's hash: INVALID; pdfsig GENERIC_ERROR)"),
    ("dss/dss-pades/validation/dss-818/Signature-P-DE_CRY-2__HASH_FAILURE_.pdf", 0, "ok", "pyHanko says intact but not valid; pdfsig and sigaudit verify the signature over the signed attributes as received"),
    ("dss/dss-pades/validation/dss-818/Signature-P-SK-1__HASH_FAILURE_.pdf", 5, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (NOT_LISTED); imprint and token signature verify"),
    ("dss/dss-pades/validation/dss-PLAIN-ECDSA/TeleSec_PKS_eIDAS_QES_CA_1-baseline-b.pdf", 0, "ok", "plain-ECDSA (BSI TR-03111, r || s) verified with RustCrypto (neither peer judges it)"),
    ("dss/dss-pades/validation/evidence-record/Signature-P-LT-ef971596-8f2e-407d-a413-aae9cb9b8e4a.pdf", 1, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/pades-5-signatures-and-1-document-timestamp.pdf", 5, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (NOT_LISTED); imprint and token signature verify"),
    ("dss/dss-pades/validation/pades-bes-no-certificates.pdf", 0, "unsupported", "CMS without the signer certificate: NO_SIGNING_CERTIFICATE_FOUND (pyHanko agrees in words)"),
    ("dss/dss-pades/validation/pades-enveloping-cms.pdf", 0, "ok", "eContent present in a detached signature: the signature verifies over it (integrity ok), verdict FORMAT_FAILURE"),
    ("dss/dss-pades/validation/pades-lt-extended-abde.pdf", 1, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/pades-lt-extended-dss.pdf", 1, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/pades-ltv-from-epes.pdf", 1, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/pades-ltv-with-reason.pdf", 1, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/pades-ltv.pdf", 1, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/pades-multiple-pages-annots-overlap.pdf", 2, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/pades-t-duplicated-doctst.pdf", 1, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/pades-tst-with-null-type.pdf", 1, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/pades-tst-with-sig-type.pdf", 1, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/pades-unsupported-signature-algorithm.pdf", 0, "unsupported", "signatureAlgorithm names a curve with an RSA key: cannot be verified, INDETERMINATE"),
    ("dss/dss-pades/validation/pades_infinite_loop.pdf", 0, "malformed", "/ByteRange reaches past the end of the file: nothing well-defined to hash (FORMAT_FAILURE)"),
    ("dss/dss-pades/validation/pades_opposite_infinite_loop.pdf", 0, "malformed", "/ByteRange reaches past the end of the file: nothing well-defined to hash (FORMAT_FAILURE)"),
    ("dss/dss-pades/validation/pades_with_orphan_ocsp_cert_refs.pdf", 1, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("dss/dss-pades/validation/pdf-eof.pdf", 0, "hash_mismatch", "/ByteRange reaches past the end of the file, its gap exactly the /Contents: the signed bytes are no longer all there (HASH_FAILURE)"),
    ("dss/dss-pades/validation/pdf-signed-corrupted.pdf", 0, "hash_mismatch", "/ByteRange reaches 10 bytes past the end of the file, its gap exactly the /Contents: bytes were removed after signing (HASH_FAILURE)"),
    ("dss/dss-pades/validation/pdf-signed-out-of-byteRange.pdf", 0, "malformed", "/ByteRange reaches past the end of the file: nothing well-defined to hash (FORMAT_FAILURE)"),
    ("dss/dss-pades/validation/pdf-spoofing-attack.pdf", 0, "ok", "non-standard /ByteRange gap: digest checked, verdict FORMAT_FAILURE; pyHanko's strict reader refuses the file"),
    ("dss/dss-pades/validation/pdf-with-empty-sig.pdf", 0, "malformed", "signature field without /Contents: nothing to verify (FORMAT_FAILURE)"),
    ("dss/dss-pades/validation/pdf-with-two-empty-sigs.pdf", 0, "malformed", "signature field without /Contents: nothing to verify (FORMAT_FAILURE)"),
    ("dss/dss-pades/validation/pdf-with-two-empty-sigs.pdf", 1, "malformed", "signature field without /Contents: nothing to verify (FORMAT_FAILURE)"),
    ("dss/dss-pades/validation/timestamped_and_signed.pdf", 0, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (ERROR); imprint and token signature verify"),
    ("endesive/examples/pdf-adobe-webcapture-x509.rsa_sha1.pdf", 0, "ok", "document timestamp or signature pdfsig does not verify (NOT_VERIFIED) and pyHanko does not validate (NOT_LISTED); imprint and token signature verify"),
];

/// A peer's judgement of a signature's bytes: `Some(true)` intact, `Some(false)` broken, `None`
/// no judgement (error, not verified, not listed).
fn pdfsig(v: &str) -> Option<bool> {
    match v.split(';').next() {
        Some("sig=VALID") => Some(true),
        Some("sig=DIGEST_MISMATCH" | "sig=INVALID") => Some(false),
        _ => None,
    }
}

fn pyhanko(v: &str) -> Option<bool> {
    if v.starts_with("INTACT") {
        Some(true)
    } else if v.starts_with("INVALID") {
        Some(false)
    } else {
        None
    }
}

fn ours(i: Integrity) -> Option<bool> {
    match i {
        Integrity::Ok => Some(true),
        Integrity::HashMismatch | Integrity::SignatureInvalid => Some(false),
        _ => None,
    }
}

fn integrity_name(i: Integrity) -> String {
    serde_json::to_value(i)
        .expect("serialises")
        .as_str()
        .expect("a string")
        .to_string()
}

#[test]
fn integrity_agrees_with_pdfsig_and_pyhanko_where_they_agree() {
    let Some(dir) = real_dir() else { return };
    let reports = verify_corpus(&dir);
    assert!(reports.len() >= 200, "{} documents", reports.len());
    let recorded: BTreeMap<(&str, usize), (&str, &str)> = RECORDED
        .iter()
        .map(|&(p, i, integ, why)| ((p, i), (integ, why)))
        .collect();
    let mut used: HashSet<(&str, usize)> = HashSet::new();
    let reference = std::fs::read_to_string(dir.join("REFERENCE.tsv")).expect("REFERENCE.tsv");
    let (mut both_agree, mut one_judges, mut recorded_rows, mut unreported) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for line in reference.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let [path, idx, pd, py, _notes, field, br] = f[..] else {
            panic!("REFERENCE.tsv row with {} fields", f.len());
        };
        let idx: usize = idx.parse().expect("sig_index");
        let br: Option<Vec<i64>> =
            (!br.is_empty()).then(|| br.split(',').map(|x| x.parse().expect("int")).collect());
        let report = &reports[path];
        let sig = report
            .signatures
            .iter()
            .find(|s| s.byte_range == br && s.field == field)
            .or_else(|| report.signatures.iter().find(|s| s.byte_range == br))
            .or_else(|| report.signatures.iter().find(|s| s.field == field));
        let Some(sig) = sig else {
            // A /ByteRange neither the final form nor the peers report (superseded or
            // orphan dictionaries: the reader's findings cover them).
            assert!(
                pdfsig(pd).is_none() && pyhanko(py).is_none(),
                "{path} #{idx}: a peer judged a signature sigaudit did not report"
            );
            unreported += 1;
            continue;
        };
        let (a, b, mine) = (pdfsig(pd), pyhanko(py), ours(sig.integrity));
        let agrees_with_peers = match (a, b) {
            (Some(x), Some(y)) if x == y => {
                both_agree += 1;
                Some(mine == Some(x))
            }
            (Some(x), None) | (None, Some(x)) => {
                if mine == Some(x) {
                    one_judges += 1;
                    Some(true)
                } else {
                    None
                }
            }
            _ => None,
        };
        match agrees_with_peers {
            Some(true) => {}
            Some(false) => failures.push(format!(
                "{path} #{idx} {field}: peers agree ({pd} / {py}) but sigaudit says {:?}: {:?}",
                sig.integrity, sig.reason
            )),
            None => match recorded.get(&(path, idx)) {
                Some((integ, _why)) => {
                    used.insert((path, idx));
                    recorded_rows += 1;
                    if *integ != integrity_name(sig.integrity) {
                        failures.push(format!(
                            "{path} #{idx} {field}: recorded {integ}, now {:?}: {:?}",
                            sig.integrity, sig.reason
                        ));
                    }
                }
                None => failures.push(format!(
                    "{path} #{idx} {field}: not recorded; pdfsig {pd}, pyHanko {py}, sigaudit {:?}: {:?}",
                    sig.integrity, sig.reason
                )),
            },
        }
    }
    let stale: Vec<_> = RECORDED
        .iter()
        .filter(|(p, i, _, _)| !used.contains(&(*p, *i)))
        .collect();
    assert!(stale.is_empty(), "stale RECORDED entries: {stale:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!(
        "real corpus: {both_agree} signatures where both peers agree (all matched), {one_judges} \
         where one peer judges (matched), {recorded_rows} recorded with reasons, {unreported} \
         /ByteRange rows no one reports"
    );
    assert!(both_agree >= 150, "{both_agree} agreeing rows");
}

#[test]
fn real_corpus_reports_every_document_once_without_panicking() {
    let Some(dir) = real_dir() else { return };
    let reports = verify_corpus(&dir);
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let rows: Vec<&str> = manifest
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    assert_eq!(reports.len(), rows.len(), "one report per MANIFEST.tsv row");
    for row in &rows {
        let path = row.split('\t').next().expect("path");
        let r = &reports[path];
        // Each report is of the whole file, and serialises as a report line.
        let size = std::fs::metadata(dir.join(path)).expect("file").len();
        assert_eq!(r.bytes, size, "{path}");
        serde_json::to_string(r).expect("serialises");
    }

    // The bulk engine over each source's directory (its trust set, as above): every document
    // of the MANIFEST is reported exactly once, with the verdict it gets on its own. The
    // directory also holds the source's trust certificates (`trust/`), which the engine walks
    // and reports too, each once.
    let mut by_source: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for row in &rows {
        let path = row.split('\t').next().expect("path");
        let source = path.split('/').next().expect("source");
        by_source.entry(source).or_default().push(path);
    }
    assert!(by_source.len() >= 5, "sources: {:?}", by_source.keys());
    let mut engine_documents = 0;
    for (source, mut expected) in by_source {
        let (lines, summary) = engine_run(&dir, source);
        let prefix = format!("{}/", dir.display());
        let trust = format!("{source}/trust/");
        let mut documents = Vec::new();
        let mut trust_names = Vec::new();
        for line in &lines {
            let name = line["name"].as_str().expect("name");
            let name = name
                .strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("{name} is not under {prefix}"));
            if name.starts_with(&trust) {
                trust_names.push(name.to_string());
            } else {
                documents.push(name.to_string());
                // The same report as the document verified on its own (but for timing).
                let mut got = line.clone();
                let o = got.as_object_mut().expect("object");
                o.remove("elapsed_us");
                o.remove("input");
                o.insert("name".into(), name.into());
                let alone = serde_json::to_value(reports.get(name).unwrap_or_else(|| {
                    panic!("{name}: reported by the engine, not in MANIFEST.tsv")
                }))
                .expect("serialises");
                assert_eq!(
                    got, alone,
                    "{name}: engine report differs from verify_document"
                );
            }
        }
        // Not de-duplicated: a document reported twice or missing shows here.
        documents.sort();
        expected.sort();
        assert_eq!(
            documents, expected,
            "{source}: engine documents vs MANIFEST.tsv"
        );
        let mut trust_files = Vec::new();
        files_under(&dir.join(source).join("trust"), &mut trust_files);
        let mut trust_files: Vec<String> = trust_files
            .iter()
            .map(|p| {
                p.strip_prefix(&dir)
                    .expect("under dir")
                    .display()
                    .to_string()
            })
            .collect();
        trust_files.sort();
        trust_names.sort();
        assert_eq!(trust_names, trust_files, "{source}: trust files reported");
        assert_eq!(summary.documents, lines.len() as u64, "{source}: summary");
        assert_eq!(summary.unreadable_inputs, 0, "{source}");
        engine_documents += documents.len();
    }
    assert_eq!(engine_documents, rows.len());
}

/// `sigaudit verify <dir>/<source>` in-process with the source's trust set and time as
/// [`verify_corpus`] uses them: the parsed report lines and the summary.
fn engine_run(
    dir: &std::path::Path,
    source: &str,
) -> (Vec<serde_json::Value>, sigaudit::engine::Summary) {
    use sigaudit::engine::{self, Options};
    use sigaudit::JsonLines;
    use sigaudit::{Policy, ValidationTime, Verifier};
    let anchors = sigaudit::load::files(&[dir.join(source).join("trust/from-signatures")])
        .expect("trust reads");
    let verifier = Verifier::builder()
        .trust_anchors(anchors.into_iter().map(|f| f.bytes))
        .validation_time(ValidationTime::parse_rfc3339("2026-11-22T00:00:00Z").expect("time"))
        .policy(
            Policy::default().with(sigaudit::Rule::RevocationAvailable, sigaudit::Level::Inform),
        )
        .build()
        .expect("trust loads");
    let options = Options {
        ..Options::default()
    };
    let mut out: Vec<u8> = Vec::new();
    let input = dir.join(source).display().to_string();
    let summary = engine::run(&[input], &verifier, &options, &mut JsonLines::new(&mut out))
        .expect("engine runs");
    let lines = String::from_utf8(out)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    (lines, summary)
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("directory") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}
