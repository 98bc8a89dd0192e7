//! `sigaudit-corpus serve`'s fault injection, its log, its loopback-only rule and its end
//! after `--for`: each server is started on port 0 over one small corpus.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use der::Decode;
use x509_cert::crl::CertificateList;

use common::online::{self, Server, LEAF_NONE};
use sigaudit_corpus::serve::responder::{STALE_NEXT_UPDATE, STALE_THIS_UPDATE};
use sigaudit_corpus::time::VALIDATION_TIME;

const CRL: &str = "/crls/ca-personal.crl";

fn start(dir: &Path, extra: &[&str]) -> Server {
    let mut args = vec!["--for", "60"];
    args.extend_from_slice(extra);
    Server::start(dir, "127.0.0.1:0", &args)
}

/// An OCSP request for a signer of the personal CA, made with the crate's own types (SHA-1
/// CertID, no nonce).
fn ocsp_request(dir: &Path) -> Vec<u8> {
    use der::Encode;
    use sigaudit_corpus::ocsp::{cert_id, OcspRequest, Request, TbsRequest};
    use x509_cert::Certificate;
    let read = |p: &str| Certificate::from_der(&std::fs::read(dir.join(p)).unwrap()).unwrap();
    let ca = read("pki/www/certs/ca-personal.cer");
    // The CA certificate stands in for a leaf: only its serial and the issuer's hashes matter.
    let subject = read("pki/www/certs/ca-organisation.cer");
    let id = cert_id(&subject, &ca).unwrap();
    OcspRequest {
        tbs_request: TbsRequest {
            version: None,
            requestor_name: None,
            request_list: vec![Request {
                req_cert: id,
                single_request_extensions: None,
            }],
            request_extensions: None,
        },
        optional_signature: None,
    }
    .to_der()
    .unwrap()
}

#[test]
fn each_fault_behaves_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    online::corpus(dir.path(), 2, 5, 18080, &LEAF_NONE);
    let crl = std::fs::read(dir.path().join("pki/www").join(&CRL[1..])).unwrap();

    // timeout: the request is read, nothing ever comes back.
    let server = start(dir.path(), &["--fault", "timeout"]);
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    write!(stream, "GET {CRL} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut buf = [0u8; 16];
    let err = stream.read(&mut buf).expect_err("no answer");
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{err:?}"
    );
    drop(server);

    // truncated: Content-Length announces more than is sent.
    let server = start(dir.path(), &["--fault", "truncated"]);
    let reply = online::get(&server.addr, CRL);
    let declared: usize = reply.header("content-length").unwrap().parse().unwrap();
    assert_eq!(declared, crl.len());
    assert!(reply.body.len() < declared && crl.starts_with(&reply.body));
    drop(server);

    // garbage: 200 with bytes that are not the file.
    let server = start(dir.path(), &["--fault", "garbage"]);
    let reply = online::get(&server.addr, CRL);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body.len(), crl.len());
    assert_ne!(reply.body, crl);
    assert!(CertificateList::from_der(&reply.body).is_err());
    drop(server);

    // http-500: every request.
    let server = start(dir.path(), &["--fault", "http-500"]);
    for _ in 0..3 {
        assert_eq!(online::get(&server.addr, CRL).status, 500);
    }
    drop(server);

    // stale-crl: the CA's CRL, re-signed, its nextUpdate before the validation time.
    let server = start(dir.path(), &["--fault", "stale-crl"]);
    let reply = online::get(&server.addr, CRL);
    assert_eq!(reply.status, 200);
    let stale = CertificateList::from_der(&reply.body).unwrap();
    let fresh = CertificateList::from_der(&crl).unwrap();
    let next = stale
        .tbs_cert_list
        .next_update
        .unwrap()
        .to_unix_duration()
        .as_secs();
    assert_eq!(next, STALE_NEXT_UPDATE);
    assert!(next < VALIDATION_TIME);
    assert_eq!(
        stale.tbs_cert_list.this_update.to_unix_duration().as_secs(),
        STALE_THIS_UPDATE
    );
    assert_eq!(
        stale.tbs_cert_list.revoked_certificates,
        fresh.tbs_cert_list.revoked_certificates
    );
    // Certificates are served unchanged.
    let cer = online::get(&server.addr, "/certs/root.cer");
    assert_eq!(
        cer.body,
        std::fs::read(dir.path().join("pki/www/certs/root.cer")).unwrap()
    );
    if online::openssl("stale CRL signature") {
        let path = dir.path().join("stale.crl");
        std::fs::write(&path, &reply.body).unwrap();
        let ca = dir.path().join("pki/intermediates/ca-personal.pem");
        let out = online::run_openssl(&[
            "crl",
            "-inform",
            "DER",
            "-in",
            path.to_str().unwrap(),
            "-CAfile",
            ca.to_str().unwrap(),
            "-noout",
            "-nextupdate",
        ]);
        assert!(out.contains("verify OK"), "{out}");
        assert!(out.contains("nextUpdate=Feb  1 00:00:00 2026 GMT"), "{out}");
    }
}

#[test]
fn wrong_issuer_responses_are_signed_by_another_ca() {
    use sigaudit_corpus::ocsp::{BasicOcspResponse, OcspResponse};
    let dir = tempfile::tempdir().unwrap();
    let lines = online::corpus(dir.path(), 2, 6, 18080, &LEAF_NONE);
    let request = ocsp_request(dir.path());
    let ask = |server: &Server| {
        let reply = online::request(
            &server.addr,
            "POST",
            "/ocsp/ca-personal",
            Some(("application/ocsp-request", &request)),
        );
        assert_eq!(reply.status, 200);
        let response = OcspResponse::from_der(&reply.body).unwrap();
        let bytes = response.response_bytes.expect("successful");
        BasicOcspResponse::from_der(bytes.response.as_bytes()).unwrap()
    };
    let honest = ask(&start(dir.path(), &[]));
    let wrong = ask(&start(dir.path(), &["--fault", "wrong-issuer"]));
    assert!(honest.certs.is_none());
    let signer = &wrong.certs.as_ref().expect("the impostor's certificate")[0];
    let org = std::fs::read(dir.path().join("pki/www/certs/ca-organisation.cer")).unwrap();
    assert_eq!(der::Encode::to_der(signer).unwrap(), org);
    assert_ne!(honest.signature, wrong.signature);
    // The same answer, signed by the wrong key.
    assert_eq!(honest.signature_algorithm, wrong.signature_algorithm);
    // An unknown CA, and a certificate the path's CA did not issue: unauthorized (6).
    let server = start(dir.path(), &[]);
    for path in ["/ocsp/nobody", "/ocsp/ca-organisation"] {
        let reply = online::request(
            &server.addr,
            "POST",
            path,
            Some(("application/ocsp-request", &request)),
        );
        let response = OcspResponse::from_der(&reply.body).unwrap();
        assert_eq!(response.response_status.value(), [6], "{path}");
    }
    if online::openssl("wrong-issuer oracle") {
        openssl_rejects_the_impostor(dir.path(), &lines[0]);
    }
    let garbage = online::request(
        &server.addr,
        "POST",
        "/ocsp/ca-personal",
        Some(("application/ocsp-request", b"nope")),
    );
    let response = OcspResponse::from_der(&garbage.body).unwrap();
    assert_eq!(response.response_status.value(), [1]);
}

#[test]
fn fail_share_latency_and_log() {
    let dir = tempfile::tempdir().unwrap();
    online::corpus(dir.path(), 1, 7, 18080, &LEAF_NONE);
    let log = dir.path().join("requests.log");
    let server = start(
        dir.path(),
        &[
            "--fail",
            "50",
            "--latency",
            "300",
            "--log",
            log.to_str().unwrap(),
        ],
    );
    let started = Instant::now();
    let statuses: Vec<u16> = (0..4)
        .map(|_| online::get(&server.addr, CRL).status)
        .collect();
    assert!(started.elapsed() >= Duration::from_millis(4 * 300));
    assert_eq!(statuses, [200, 500, 200, 500]);
    // Requests 5 and 6: a missing file is a 404, unless its turn is to fail.
    assert_eq!(online::get(&server.addr, "/certs/none.cer").status, 404);
    assert_eq!(online::get(&server.addr, "/certs/none.cer").status, 500);
    let crl_len = std::fs::metadata(dir.path().join("pki/www").join(&CRL[1..]))
        .unwrap()
        .len();
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(' ').collect()).collect();
    assert_eq!(lines.len(), 6, "{text}");
    assert_eq!(lines[0], ["GET", CRL, "200", &crl_len.to_string()]);
    assert_eq!(lines[1][..3], ["GET", CRL, "500"]);
    assert_eq!(lines[4][..3], ["GET", "/certs/none.cer", "404"]);
    assert_eq!(lines[5][..3], ["GET", "/certs/none.cer", "500"]);
}

#[test]
fn the_server_stops_by_itself_and_serves_loopback_only() {
    let dir = tempfile::tempdir().unwrap();
    online::corpus(dir.path(), 1, 8, 18080, &LEAF_NONE);
    let started = Instant::now();
    let mut server = Server::start(dir.path(), "127.0.0.1:0", &["--for", "2"]);
    assert!(server.addr.starts_with("127.0.0.1:") && !server.addr.ends_with(":0"));
    assert_eq!(online::get(&server.addr, CRL).status, 200);
    let status = server
        .wait_exit(Duration::from_secs(20))
        .expect("exits by itself");
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(TcpStream::connect(&server.addr).is_err(), "still listening");

    for listen in ["0.0.0.0:0", "192.0.2.1:8080"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sigaudit-corpus"))
            .arg("serve")
            .arg(dir.path())
            .args(["--listen", listen, "--for", "1"])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{listen}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("only loopback"), "{listen}: {stderr}");
    }
}

/// `openssl ocsp` on a real signer of `doc`: verified by the honest server, rejected under
/// `wrong-issuer`.
fn openssl_rejects_the_impostor(dir: &Path, doc: &sigaudit_corpus::manifest::Document) {
    let bytes = std::fs::read(dir.join(&doc.name)).unwrap();
    let der = online::signature_der(&bytes, doc.signatures[0].byte_range);
    let leaf = online::certificates(&online::signed_data(&der)).remove(0);
    let (_, issuers, _) = online::urls(&leaf);
    let stem = issuers[0]
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".cer");
    let leaf_pem = online::write_pem(dir, "leaf.pem", &leaf);
    let issuer = dir.join(format!("pki/intermediates/{stem}.pem"));
    let root = dir.join("pki/roots/root.pem");
    for (fault, verified) in [(None, true), (Some("wrong-issuer"), false)] {
        let extra: Vec<&str> = fault.map(|f| vec!["--fault", f]).unwrap_or_default();
        let server = start(dir, &extra);
        let url = format!("http://{}/ocsp/{stem}", server.addr);
        let (i, c, r) = (
            issuer.to_str().unwrap(),
            leaf_pem.to_str().unwrap(),
            root.to_str().unwrap(),
        );
        let out = online::run_openssl(&[
            "ocsp",
            "-issuer",
            i,
            "-cert",
            c,
            "-url",
            &url,
            "-CAfile",
            r,
            "-verify_other",
            i,
            "-validity_period",
            "1000000000",
        ]);
        assert_eq!(
            out.contains("Response verify OK"),
            verified,
            "{fault:?}: {out}"
        );
        assert_eq!(
            out.contains("Response Verify Failure"),
            !verified,
            "{fault:?}: {out}"
        );
    }
}
