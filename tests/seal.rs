//! Detached CMS signatures over evidence files (`sigaudit::seal`), checked by OpenSSL as an
//! independent oracle (`openssl cms -verify`, `-cmsout -print`) and by sigaudit's own CMS
//! reader; manifests checked by `sha256sum -c`.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use sigaudit::internals::cms::{self, oid};
use sigaudit::seal::{manifest, sign_detached, SealError, MAX_INPUT};

/// 2026-07-01T12:34:56Z.
const AT: i64 = 1_782_909_296;

/// Runs `openssl args…` in `dir`.
fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs")
}

/// Runs `openssl args…` in `dir`, which must succeed.
fn openssl_ok(dir: &Path, args: &[&str]) {
    let out = openssl(dir, args);
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A temporary directory, or `None` after a visible skip when openssl cannot run.
fn openssl_dir() -> Option<tempfile::TempDir> {
    match Command::new("openssl").arg("version").output() {
        Ok(o) if o.status.success() => Some(tempfile::tempdir().expect("temp dir")),
        _ => common::cannot_run("openssl", "the openssl command is not installed"),
    }
}

/// `openssl req -newkey` arguments for each kind of key.
const KINDS: [(&str, &[&str]); 3] = [
    ("rsa", &["-newkey", "rsa:2048"]),
    (
        "p256",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    ),
    (
        "p384",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
    ),
];

/// Makes `{name}.key` (PKCS#8 PEM) and a self-signed `{name}.pem` in `dir`.
fn make_signer(dir: &Path, name: &str, newkey: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let key = format!("{name}.key");
    let cert = format!("{name}.pem");
    let subject = format!("/CN=Auditor {name}/O=sigaudit tests");
    let mut args = vec!["req", "-x509", "-nodes", "-days", "3650", "-subj", &subject];
    args.extend_from_slice(newkey);
    args.extend_from_slice(&["-keyout", &key, "-out", &cert]);
    openssl_ok(dir, &args);
    (
        std::fs::read(dir.join(key)).unwrap(),
        std::fs::read(dir.join(cert)).unwrap(),
    )
}

/// Whether `openssl cms -verify` accepts `p7s` as the signature of `content`, trusting
/// `cert` (with `-cades`: the signingCertificateV2 attribute must name `cert`).
fn openssl_verifies(dir: &Path, p7s: &[u8], content: &[u8], cert: &str) -> bool {
    std::fs::write(dir.join("sig.p7s"), p7s).unwrap();
    std::fs::write(dir.join("data"), content).unwrap();
    let out = openssl(
        dir,
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "sig.p7s",
            "-content",
            "data",
            "-CAfile",
            cert,
            "-purpose",
            "any",
            "-cades",
            "-out",
            "/dev/null",
        ],
    );
    out.status.success()
}

/// `openssl cms -cmsout -print` of `p7s`.
fn openssl_print(dir: &Path, p7s: &[u8]) -> String {
    std::fs::write(dir.join("print.p7s"), p7s).unwrap();
    let out = openssl(
        dir,
        &[
            "cms",
            "-cmsout",
            "-print",
            "-inform",
            "DER",
            "-in",
            "print.p7s",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The DER of the certificate `pem`.
fn cert_der(pem: &[u8]) -> Vec<u8> {
    sigaudit::internals::asn1::der_objects(pem, "CERTIFICATE").unwrap()[0].clone()
}

#[test]
fn openssl_verifies_rsa_p256_and_p384_signatures_and_refuses_changed_content() {
    let Some(tmp) = openssl_dir() else { return };
    let dir = tmp.path();
    let content = b"<html><body>audit report: 150 documents, 148 TOTAL-PASSED</body></html>\n";
    for (name, newkey) in KINDS {
        let (key, cert) = make_signer(dir, name, newkey);
        let cert_file = format!("{name}.pem");
        for time in [Some(AT), None] {
            let p7s = sign_detached(content, &key, &cert, time).expect("signs");
            assert!(
                openssl_verifies(dir, &p7s, content, &cert_file),
                "{name}: openssl refuses the signature"
            );
            let mut changed = content.to_vec();
            changed[10] ^= 1;
            assert!(
                !openssl_verifies(dir, &p7s, &changed, &cert_file),
                "{name}: openssl accepts changed content"
            );
            assert!(!openssl_verifies(dir, &p7s, &content[1..], &cert_file));

            let printed = openssl_print(dir, &p7s);
            for attribute in ["contentType", "messageDigest", "signingCertificateV2"] {
                assert!(
                    printed.contains(attribute),
                    "{name}: no {attribute}\n{printed}"
                );
            }
            assert_eq!(printed.contains("signingTime"), time.is_some(), "{printed}");
            if time.is_some() {
                assert!(
                    printed.contains("UTCTIME:Jul  1 12:34:56 2026 GMT"),
                    "{printed}"
                );
            }
            assert!(printed.contains("eContent: <ABSENT>"), "{printed}");
            let (digest, signature) = match name {
                "rsa" => ("sha256", "rsaEncryption"),
                "p256" => ("sha256", "ecdsa-with-SHA256"),
                _ => ("sha384", "ecdsa-with-SHA384"),
            };
            assert!(
                printed.contains(&format!("algorithm: {digest} ")),
                "{printed}"
            );
            assert!(
                printed.contains(&format!("algorithm: {signature} ")),
                "{printed}"
            );
            assert!(printed.contains("version: 1"), "{printed}");
        }
    }
}

#[test]
fn signatures_read_with_sigaudits_cms_reader() {
    let Some(tmp) = openssl_dir() else { return };
    let dir = tmp.path();
    let content = b"0123456789abcdef  doc-000001.xml\n";
    for (name, newkey) in KINDS {
        let (key, cert) = make_signer(dir, name, newkey);
        let p7s = sign_detached(content, &key, &cert, Some(AT)).unwrap();
        let sd = cms::parse(&p7s).expect("sigaudit reads its own signature");
        assert_eq!(sd.version, 1);
        assert_eq!(sd.content_type, oid::DATA);
        assert!(sd.content.is_none(), "detached");
        assert_eq!(sd.certificates, vec![cert_der(&cert).as_slice()]);
        assert_eq!(sd.signer_infos.len(), 1);
        let si = &sd.signer_infos[0];
        assert_eq!(si.version, 1);
        let cms::SignerId::IssuerSerial { .. } = si.sid else {
            panic!("sid is not issuerAndSerialNumber")
        };
        let (digest, n) = si.signed_attr(oid::MESSAGE_DIGEST);
        assert_eq!(n, 1);
        let expected: Vec<u8> = if name == "p384" {
            ring::digest::digest(&ring::digest::SHA384, content)
                .as_ref()
                .to_vec()
        } else {
            ring::digest::digest(&ring::digest::SHA256, content)
                .as_ref()
                .to_vec()
        };
        assert_eq!(
            digest.expect("messageDigest").octets().unwrap().as_ref(),
            expected
        );
        assert_eq!(si.signed_attr(oid::CONTENT_TYPE).1, 1);
        assert_eq!(si.signed_attr(oid::SIGNING_CERTIFICATE_V2).1, 1);
        assert_eq!(
            si.signed_attr(oid::SIGNING_TIME).0.unwrap().time().unwrap(),
            AT
        );
        // The signed bytes are the attributes as a DER SET OF.
        assert_eq!(si.signed_attrs_to_verify().unwrap()[0], 0x31);
    }
}

#[test]
fn other_key_and_certificate_forms_sign() {
    let Some(tmp) = openssl_dir() else { return };
    let dir = tmp.path();
    let content = b"manifest\n";
    for (name, newkey) in KINDS {
        make_signer(dir, name, newkey);
        let pem = format!("{name}.pem");
        let k = format!("{name}.key");
        openssl_ok(
            dir,
            &["x509", "-in", &pem, "-outform", "DER", "-out", "cert.der"],
        );
        openssl_ok(
            dir,
            &["pkey", "-in", &k, "-outform", "DER", "-out", "pkcs8.der"],
        );
        let legacy: &[&str] = if name == "rsa" {
            &["rsa", "-traditional", "-in", &k, "-out", "legacy.pem"]
        } else {
            &["ec", "-in", &k, "-out", "legacy.pem"]
        };
        openssl_ok(dir, legacy);
        let legacy_pem = std::fs::read_to_string(dir.join("legacy.pem")).unwrap();
        let label = if name == "rsa" {
            "RSA PRIVATE KEY"
        } else {
            "EC PRIVATE KEY"
        };
        assert!(legacy_pem.contains(label), "{legacy_pem}");
        openssl_ok(
            dir,
            &[
                "pkey",
                "-in",
                "legacy.pem",
                "-traditional",
                "-outform",
                "DER",
                "-out",
                "legacy.der",
            ],
        );
        let cert_der = std::fs::read(dir.join("cert.der")).unwrap();
        for key_file in ["pkcs8.der", "legacy.pem", "legacy.der"] {
            let key = std::fs::read(dir.join(key_file)).unwrap();
            let p7s = sign_detached(content, &key, &cert_der, None)
                .unwrap_or_else(|e| panic!("{name} {key_file}: {e}"));
            assert!(
                openssl_verifies(dir, &p7s, content, &pem),
                "{name} {key_file}"
            );
        }
    }
}

#[test]
fn rsa_signatures_are_deterministic_and_times_outside_1950_2049_are_generalized() {
    let Some(tmp) = openssl_dir() else { return };
    let dir = tmp.path();
    let (key, cert) = make_signer(dir, "rsa", KINDS[0].1);
    let a = sign_detached(b"x", &key, &cert, Some(AT)).unwrap();
    assert_eq!(a, sign_detached(b"x", &key, &cert, Some(AT)).unwrap());
    assert_ne!(a, sign_detached(b"x", &key, &cert, Some(AT + 1)).unwrap());
    // 2050-01-01T00:00:00Z.
    let later = sign_detached(b"x", &key, &cert, Some(2_524_608_000)).unwrap();
    let printed = openssl_print(dir, &later);
    assert!(
        printed.contains("GENERALIZEDTIME:Jan  1 00:00:00 2050 GMT"),
        "{printed}"
    );
    assert!(openssl_verifies(dir, &later, b"x", "rsa.pem"));
    let sd = cms::parse(&later).unwrap();
    let (t, _) = sd.signer_infos[0].signed_attr(oid::SIGNING_TIME);
    assert_eq!(t.unwrap().time().unwrap(), 2_524_608_000);
    assert_eq!(
        sign_detached(b"x", &key, &cert, Some(i64::MAX)),
        Err(SealError::SigningTime(i64::MAX))
    );
}

#[test]
fn mismatched_unreadable_encrypted_and_oversized_inputs_are_refused() {
    let Some(tmp) = openssl_dir() else { return };
    let dir = tmp.path();
    let (rsa_key, rsa_cert) = make_signer(dir, "rsa", KINDS[0].1);
    let (other_key, other_cert) = make_signer(dir, "other", KINDS[0].1);
    let (ec_key, ec_cert) = make_signer(dir, "p256", KINDS[1].1);
    let (p384_key, _) = make_signer(dir, "p384", KINDS[2].1);

    for (key, cert) in [
        (&rsa_key, &other_cert),
        (&other_key, &rsa_cert),
        (&ec_key, &rsa_cert),
        (&rsa_key, &ec_cert),
        (&p384_key, &ec_cert),
    ] {
        let err = sign_detached(b"x", key, cert, None).unwrap_err();
        assert!(matches!(err, SealError::KeyMismatch(_)), "{err}");
        assert!(err.to_string().contains("does not belong"), "{err}");
    }
    // Two P-256 keys: same kind, different key.
    let (ec2_key, _) = make_signer(dir, "p256b", KINDS[1].1);
    let err = sign_detached(b"x", &ec2_key, &ec_cert, None).unwrap_err();
    assert!(matches!(err, SealError::KeyMismatch(_)), "{err}");

    openssl_ok(
        dir,
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "rsa.key",
            "-v2",
            "aes-256-cbc",
            "-passout",
            "pass:x",
            "-out",
            "encrypted.key",
        ],
    );
    let encrypted = std::fs::read(dir.join("encrypted.key")).unwrap();
    let err = sign_detached(b"x", &encrypted, &rsa_cert, None).unwrap_err();
    assert!(matches!(err, SealError::Key(_)), "{err}");
    assert!(
        err.to_string().contains("openssl pkcs8 -topk8 -nocrypt"),
        "{err}"
    );

    let err = sign_detached(b"x", b"not a key", &rsa_cert, None).unwrap_err();
    assert!(
        err.to_string().contains("openssl pkcs8 -topk8 -nocrypt"),
        "{err}"
    );
    let err = sign_detached(b"x", &rsa_cert, &rsa_cert, None).unwrap_err();
    assert!(
        matches!(err, SealError::Key(_)),
        "a certificate is no key: {err}"
    );
    let err = sign_detached(b"x", &rsa_key, &rsa_key, None).unwrap_err();
    assert!(
        matches!(err, SealError::Certificate(_)),
        "a key is no certificate: {err}"
    );
    let err = sign_detached(b"x", &rsa_key, b"\x30\x03\x02\x01\x00", None).unwrap_err();
    assert!(matches!(err, SealError::Certificate(_)), "{err}");

    let mut big_key = rsa_key.clone();
    big_key.resize(MAX_INPUT + 1, b'\n');
    let err = sign_detached(b"x", &big_key, &rsa_cert, None).unwrap_err();
    assert_eq!(
        err,
        SealError::TooLarge {
            what: "private key",
            len: MAX_INPUT + 1
        }
    );
    assert!(err.to_string().contains("65536-byte limit"), "{err}");
    let mut big_cert = rsa_cert.clone();
    big_cert.resize(MAX_INPUT + 1, b'\n');
    let err = sign_detached(b"x", &rsa_key, &big_cert, None).unwrap_err();
    assert!(
        matches!(
            err,
            SealError::TooLarge {
                what: "certificate",
                ..
            }
        ),
        "{err}"
    );
    // At the limit exactly, trailing blank lines after the PEM blocks are fine.
    let mut padded = rsa_key.clone();
    padded.resize(MAX_INPUT, b'\n');
    assert!(sign_detached(b"x", &padded, &rsa_cert, None).is_ok());
}

#[test]
fn manifest_checks_with_sha256sum() {
    match Command::new("sha256sum").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => return common::cannot_run::<()>("sha256sum", "not installed").unwrap_or(()),
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let files: [(&str, &[u8]); 5] = [
        ("report.html", b"<html>report</html>\n"),
        ("doc-000002.xml", b"<ValidationReport/>\n"),
        (
            "doc-000001.xml",
            b"<ValidationReport>1</ValidationReport>\n",
        ),
        ("name with  spaces.xml", b""),
        ("back\\slash.xml", b"\\"),
    ];
    let mut entries = Vec::new();
    for (name, data) in files {
        std::fs::write(dir.join(name), data).unwrap();
        let d = ring::digest::digest(&ring::digest::SHA256, data);
        entries.push((name.to_string(), <[u8; 32]>::try_from(d.as_ref()).unwrap()));
    }
    let text = manifest(&entries);
    let names: Vec<&str> = text
        .lines()
        .map(|l| l.split_once("  ").unwrap().1)
        .collect();
    assert_eq!(
        names,
        [
            "back\\\\slash.xml",
            "doc-000001.xml",
            "doc-000002.xml",
            "name with  spaces.xml",
            "report.html"
        ]
    );
    std::fs::write(dir.join("MANIFEST.sha256"), &text).unwrap();
    let check = || {
        Command::new("sha256sum")
            .args(["--strict", "-c", "MANIFEST.sha256"])
            .current_dir(dir)
            .output()
            .unwrap()
    };
    let out = check();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // sha256sum itself writes the same lines for the plain names.
    let out = Command::new("sha256sum")
        .args(["doc-000001.xml", "doc-000002.xml", "report.html"])
        .current_dir(dir)
        .output()
        .unwrap();
    let plain: String = text
        .lines()
        .filter(|l| !l.starts_with('\\') && !l.contains("spaces"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), plain);

    std::fs::write(
        dir.join("doc-000002.xml"),
        b"<ValidationReport>changed</ValidationReport>\n",
    )
    .unwrap();
    assert!(
        !check().status.success(),
        "a changed report passes sha256sum -c"
    );
}
