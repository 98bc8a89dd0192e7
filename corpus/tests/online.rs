//! Corpora for verifiers that fetch online (`--revocation none --chain leaf`), their mirror
//! `pki/www` and `sigaudit-corpus serve`: the signatures carry the signer's certificate only and
//! no revocation data; every CRL and caIssuers URL the certificates name is a file of the
//! mirror, served at that URL; the OCSP responder answers `openssl ocsp` with a verified status
//! that matches the manifest.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use der::{Decode, Encode};
use x509_cert::Certificate;

use common::online::{self, Server, LEAF_NONE};
use sigaudit_corpus::cases::Profile;
use sigaudit_corpus::manifest::Document;
use sigaudit_corpus::verdict::{Indication, SubIndication};
use sigaudit_corpus::{generate_with, Params};

/// adbe-revocationInfoArchival (1.2.840.113583.1.1.8), DER contents of the OID.
const ADBE_REVOCATION_INFO: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x2f, 0x01, 0x01, 0x08];

/// Cases whose last signature's `/Contents` is not a CMS any more.
const DAMAGED_CONTENTS: [&str; 2] = ["signature_wrapping", "universal_forgery"];

/// An `attacks` corpus (every labelled case the modes generate) under leaf/none.
fn attacks_corpus(dir: &Path, port: u16) -> Vec<Document> {
    let mut config = common::config(dir, 26, 4242, Profile::Attacks, "0");
    config.base_url = format!("http://127.0.0.1:{port}/");
    let mut lines = Vec::new();
    generate_with(&config, &LEAF_NONE, |d| lines.push(d.clone())).expect("generation");
    lines
}

/// Every signature's CMS (but document timestamps and damaged ones) with its document, its
/// manifest entry and its position.
fn signature_cms(dir: &Path, lines: &[Document]) -> Vec<(String, usize, Vec<u8>)> {
    let mut out = Vec::new();
    for doc in lines {
        let bytes = match std::fs::read(dir.join(&doc.name)) {
            Ok(b) => b,
            Err(_) => continue,
        };
        let last = doc.signatures.len().saturating_sub(1);
        for (n, sig) in doc.signatures.iter().enumerate() {
            if sig.subfilter == "ETSI.RFC3161"
                || (n == last && DAMAGED_CONTENTS.contains(&doc.case.as_str()))
            {
                continue;
            }
            out.push((
                doc.case.clone(),
                n,
                online::signature_der(&bytes, sig.byte_range),
            ));
        }
    }
    out
}

#[test]
fn leaf_none_signatures_carry_the_signer_certificate_and_no_revocation_data() {
    let dir = tempfile::tempdir().unwrap();
    let lines = attacks_corpus(dir.path(), 18080);
    let params: Params =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("params.json")).unwrap())
            .unwrap();
    assert_eq!(
        (params.revocation, params.chain),
        (LEAF_NONE.revocation, LEAF_NONE.chain)
    );
    assert_eq!(
        params.dropped_cases,
        ["ocsp_revoked_signer", "tampered_document_timestamp"]
    );
    let cases: BTreeSet<&str> = lines.iter().map(|d| d.case.as_str()).collect();
    for dropped in &params.dropped_cases {
        assert!(!cases.contains(dropped.as_str()), "{dropped} generated");
    }
    assert!(cases.contains("revoked_signer") && cases.contains("no_signing_certificate"));
    for doc in &lines {
        assert!(!doc.ltv, "{}: LTV", doc.name);
        if let Ok(bytes) = std::fs::read(dir.path().join(&doc.name)) {
            for needle in [&b"/DSS"[..], b"/DocTimeStamp", b"/OCSPs", b"/CRLs"] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{}: {}",
                    doc.name,
                    String::from_utf8_lossy(needle)
                );
            }
        }
    }
    let all = signature_cms(dir.path(), &lines);
    assert!(all.len() > 100, "{} signatures", all.len());
    for (case, n, der) in &all {
        let sd = online::signed_data(der);
        let certs = online::certificates(&sd);
        match certs.len() {
            1 => {}
            0 if case == "no_signing_certificate" => {}
            k => panic!("{case} signature {n}: {k} certificates"),
        }
        assert!(sd.crls.is_none(), "{case} signature {n}: crls");
        for si in sd.signer_infos.0.iter() {
            let attrs = si.signed_attrs.as_ref().map(|a| a.to_der().unwrap());
            let found = attrs.is_some_and(|a| {
                a.windows(ADBE_REVOCATION_INFO.len())
                    .any(|w| w == ADBE_REVOCATION_INFO)
            });
            assert!(!found, "{case} signature {n}: adbe-revocationInfoArchival");
        }
    }
    if !online::openssl("CMS oracle") {
        return;
    }
    // openssl as an independent oracle, on the first two documents' signatures.
    let tmp = dir.path().join("sig.der");
    for (case, n, der) in all.iter().take(12) {
        std::fs::write(&tmp, der).unwrap();
        let p = tmp.to_str().unwrap();
        let certs = online::run_openssl(&[
            "pkcs7",
            "-inform",
            "DER",
            "-in",
            p,
            "-print_certs",
            "-noout",
        ]);
        let subjects = certs.lines().filter(|l| l.starts_with("subject=")).count();
        assert_eq!(subjects, 1, "{case} signature {n}: {certs}");
        let printed =
            online::run_openssl(&["cms", "-cmsout", "-print", "-inform", "DER", "-in", p]);
        let crls = printed
            .lines()
            .skip_while(|l| l.trim() != "crls:")
            .nth(1)
            .map(str::trim);
        assert_eq!(crls, Some("<ABSENT>"), "{case} signature {n}");
    }
}

/// The path under the base URL of `url`.
fn path_of<'a>(url: &'a str, base: &str) -> &'a str {
    url.strip_prefix(base)
        .unwrap_or_else(|| panic!("{url} is not under {base}"))
}

/// Every certificate of the corpus: the CAs' and TSA's from the mirror, the signers' from the
/// signatures.
fn corpus_certificates(dir: &Path, lines: &[Document]) -> Vec<Certificate> {
    let mut certs = Vec::new();
    for entry in std::fs::read_dir(dir.join("pki/www/certs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "cer") {
            certs.push(Certificate::from_der(&std::fs::read(path).unwrap()).unwrap());
        }
    }
    for (_, _, der) in signature_cms(dir, lines) {
        certs.extend(online::certificates(&online::signed_data(&der)));
    }
    certs
}

#[test]
fn every_url_is_mirrored_and_served_and_ocsp_answers_as_the_manifest_says() {
    let dir = tempfile::tempdir().unwrap();
    let port = online::free_port();
    let lines = attacks_corpus(dir.path(), port);
    let base = format!("http://127.0.0.1:{port}/");
    let www = dir.path().join("pki/www");
    let (mut files, mut responders) = (BTreeSet::new(), BTreeSet::new());
    for cert in corpus_certificates(dir.path(), &lines) {
        let (crls, issuers, ocsp) = online::urls(&cert);
        for url in crls.iter().chain(&issuers) {
            let path = path_of(url, &base);
            assert!(www.join(path).is_file(), "{url} is not in pki/www");
            files.insert(path.to_string());
        }
        responders.extend(ocsp.iter().map(|u| path_of(u, &base).to_string()));
    }
    // The CAs and the TSA name the root's (the rogue CA the rogue root's), the signers their
    // issuing CA's: the corpus' signers come from the two issuing CAs and the rogue CA.
    let stems = [
        "root",
        "ca-personal",
        "ca-organisation",
        "rogue-root",
        "rogue-ca",
    ];
    let expected: BTreeSet<String> = stems
        .iter()
        .flat_map(|s| [format!("crls/{s}.crl"), format!("certs/{s}.cer")])
        .collect();
    assert_eq!(files, expected);
    let expected: BTreeSet<String> = stems.iter().map(|s| format!("ocsp/{s}")).collect();
    assert_eq!(responders, expected);

    let server = Server::start(dir.path(), &format!("127.0.0.1:{port}"), &["--for", "120"]);
    assert_eq!(server.addr, format!("127.0.0.1:{port}"));
    for path in files
        .iter()
        .chain(["certs/ca-organisation.p7c".to_string()].iter())
    {
        let reply = online::get(&server.addr, &format!("/{path}"));
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.body, std::fs::read(www.join(path)).unwrap(), "{path}");
        let head = online::request(&server.addr, "HEAD", &format!("/{path}"), None);
        assert_eq!(head.status, 200);
        assert!(head.body.is_empty());
    }
    assert_eq!(online::get(&server.addr, "/crls/nothing.crl").status, 404);
    assert_eq!(online::get(&server.addr, "/../params.json").status, 400);
    if online::openssl("OCSP and mirror oracle") {
        check_with_openssl(dir.path(), &server.addr, &lines, &base);
    }
}

/// openssl reads the `.p7c`, a leaf certificate's URLs, and asks the responder about a revoked
/// and a good signer (POST; then the same request by GET gets the same bytes).
fn check_with_openssl(dir: &Path, addr: &str, lines: &[Document], base: &str) {
    let p7c = dir.join("pki/www/certs/ca-organisation.p7c");
    let printed = online::run_openssl(&[
        "pkcs7",
        "-inform",
        "DER",
        "-in",
        p7c.to_str().unwrap(),
        "-print_certs",
        "-noout",
    ]);
    assert!(printed.contains("Organisation Signing CA G1"), "{printed}");

    let revoked_doc = lines.iter().find(|d| d.case == "revoked_signer").unwrap();
    let bytes = std::fs::read(dir.join(&revoked_doc.name)).unwrap();
    let signer = |want: (Indication, Option<SubIndication>)| {
        let sig = revoked_doc
            .signatures
            .iter()
            .find(|s| (s.indication, s.sub_indication) == want)
            .expect("such a signature");
        let der = online::signature_der(&bytes, sig.byte_range);
        online::certificates(&online::signed_data(&der)).remove(0)
    };
    let revoked = signer((Indication::Indeterminate, Some(SubIndication::RevokedNoPoe)));
    let good = signer((Indication::TotalPassed, None));

    let leaf = online::write_pem(dir, "leaf.pem", &good);
    let text = online::run_openssl(&["x509", "-in", leaf.to_str().unwrap(), "-noout", "-text"]);
    let (crls, issuers, ocsp) = online::urls(&good);
    for url in crls.iter().chain(&issuers).chain(&ocsp) {
        assert!(text.contains(&format!("URI:{url}")), "{url} not in\n{text}");
    }
    for (cert, status) in [(&revoked, "revoked"), (&good, "good")] {
        let (_, issuers, ocsp) = online::urls(cert);
        let stem = path_of(&issuers[0], base)
            .trim_start_matches("certs/")
            .trim_end_matches(".cer");
        let issuer = dir.join(format!("pki/intermediates/{stem}.pem"));
        let cert_pem = online::write_pem(dir, &format!("{status}.pem"), cert);
        let req = dir.join(format!("{status}.req"));
        let root = dir.join("pki/roots/root.pem");
        let (i, c, r) = (
            issuer.to_str().unwrap(),
            cert_pem.to_str().unwrap(),
            root.to_str().unwrap(),
        );
        let out = online::run_openssl(&[
            "ocsp",
            "-issuer",
            i,
            "-cert",
            c,
            "-url",
            &ocsp[0],
            "-CAfile",
            r,
            "-verify_other",
            i,
            "-validity_period",
            "1000000000",
            "-reqout",
            req.to_str().unwrap(),
        ]);
        assert!(out.contains("Response verify OK"), "{out}");
        assert!(out.contains(&format!(": {status}")), "{status}: {out}");
        assert!(!out.contains("nonce"), "nonce warning: {out}");
        // The same request by POST and by GET (RFC 6960, A.1) gets the same response.
        let der = std::fs::read(&req).unwrap();
        let path = format!("/{}", path_of(&ocsp[0], base));
        let post = online::request(
            addr,
            "POST",
            &path,
            Some(("application/ocsp-request", &der)),
        );
        let get = online::get(
            addr,
            &format!("{path}/{}", online::url_encode(&online::base64(&der))),
        );
        assert_eq!((post.status, get.status), (200, 200));
        assert_eq!(
            post.header("content-type"),
            Some("application/ocsp-response")
        );
        assert_eq!(post.body, get.body, "{status}: GET and POST differ");
    }
}
