//! Validation policies as data (`--policy`): the built-ins, policy files and their errors,
//! the Vietnamese pack's shipped anchors, roles read from certificates made by openssl (an
//! independent oracle), and broken copies failing under every policy.

// What `../shared` holds is present in CI: with the "CI" variable set a missing copy fails the
// test (`common::shared_or_skip`); elsewhere the test prints a visible skip.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use sigaudit::internals::pki::cert::Certificate;
use sigaudit::{DocumentStatus, Indication, Level, Policy, PolicyError, Role, Rule, SubIndication};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sigaudit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sigaudit"))
}

#[test]
fn the_builtin_policies_read_and_etsi_is_todays_behaviour() {
    for name in Policy::BUILTIN {
        let p = Policy::builtin(name).unwrap_or_else(|| panic!("{name} is built in"));
        assert_eq!(p.name, name);
        assert!(!p.description.is_empty(), "{name}");
    }
    let etsi = Policy::default();
    assert_eq!(etsi.name, "etsi");
    for rule in Rule::ALL {
        let expected = match rule {
            Rule::AlgorithmsDigest | Rule::AlgorithmsKeySize | Rule::RevocationAvailable => {
                Level::Fail
            }
            _ => Level::Ignore,
        };
        assert_eq!(etsi.level(rule), expected, "etsi {rule}");
    }
    assert_eq!(etsi.params.sha1_until, 1_451_606_400);
    assert_eq!(etsi.params.key_size_until, 1_388_534_400);
    assert!(etsi.anchors().is_empty());
    let issued = Policy::builtin("vn-gov-issued").unwrap();
    let published = Policy::builtin("vn-gov-published").unwrap();
    for rule in Rule::ALL {
        if rule.id().starts_with("issued.") || rule.id().starts_with("dossier.") {
            assert_eq!(issued.level(rule), Level::Fail, "{rule}");
            assert_eq!(published.level(rule), Level::Ignore, "{rule}");
        } else {
            assert_eq!(
                issued.level(rule),
                published.level(rule),
                "{rule} inherited"
            );
        }
    }
    assert_eq!(issued.params.min_signatures, 6);
    assert_eq!(issued.anchors().len(), 4);
    assert_eq!(issued.certificates().len(), 22);
}

fn error_of(text: &str) -> PolicyError {
    Policy::from_toml(text, None).expect_err(text)
}

#[test]
fn a_bad_policy_gets_a_clear_error() {
    let e = error_of("name = \"x\"\n[rules.\"trust.anchors\"]\nlevel = \"FAIL\"\n");
    assert!(matches!(&e, PolicyError::UnknownRule { rule, .. } if rule == "trust.anchors"));
    assert!(e.to_string().contains("trust.anchor,"), "{e}");
    let e = error_of("name = \"x\"\n[rules.\"role.known\"]\nlevel = \"WARNING\"\n");
    assert!(matches!(&e, PolicyError::BadLevel { .. }), "{e}");
    assert!(
        e.to_string().contains("FAIL, WARN, INFORM or IGNORE"),
        "{e}"
    );
    let e = error_of("name = \"x\"\n[rules.\"algorithms.digest\"]\nsha1_until = \"2016-13-01\"\n");
    assert!(
        matches!(&e, PolicyError::BadParameter { key, .. } if key == "sha1_until"),
        "{e}"
    );
    let e = error_of("name = \"x\"\n[rules.\"role.known\"]\nmin = 3\n");
    assert!(e.to_string().contains("takes only a level"), "{e}");
    let e = error_of("name = \"x\"\nlevel = \"FAIL\"\n");
    assert!(
        matches!(&e, PolicyError::UnknownKey { key, .. } if key == "level"),
        "{e}"
    );
    let e = error_of("name = \"x\"\nextends = \"eu-dss\"\n");
    assert!(matches!(&e, PolicyError::Extends { .. }), "{e}");
    let e = error_of("[rules.\"role.known\"]\nlevel = \"FAIL\"\n");
    assert!(e.to_string().contains("name"), "{e}");
    let e = error_of("name = \"x\"\n[rules.\"issued.signature-count\"]\nmin = -1\n");
    assert!(e.to_string().contains("outside"), "{e}");
    let e = error_of("name = \"x\"\nrules = [1\n");
    assert!(matches!(&e, PolicyError::Syntax { .. }), "{e}");
}

#[test]
fn a_policy_file_extends_and_overrides_and_its_paths_are_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let anchor = root().join("corpus/sample/pki/roots/root.pem");
    std::fs::copy(&anchor, dir.path().join("root.pem")).unwrap();
    let base = dir.path().join("base.toml");
    std::fs::write(
        &base,
        "name = \"base\"\nextends = \"vn-gov-issued\"\n[rules.\"issued.signature-count\"]\nmin = 7\n",
    )
    .unwrap();
    let child = dir.path().join("child.toml");
    std::fs::write(
        &child,
        "name = \"child\"\nextends = \"base.toml\"\n[rules.\"trust.anchor\"]\nanchors = [\"root.pem\"]\n[rules.\"role.known\"]\nlevel = \"IGNORE\"\n",
    )
    .unwrap();
    let p = Policy::from_file(&child).unwrap();
    assert_eq!(p.name, "child");
    assert_eq!(p.params.min_signatures, 7, "from base.toml");
    assert_eq!(p.level(Rule::RoleKnown), Level::Ignore, "overridden");
    assert_eq!(
        p.level(Rule::TrustAnchor),
        Level::Fail,
        "level kept from the pack"
    );
    assert_eq!(
        p.anchors(),
        [std::fs::read(&anchor).unwrap()],
        "anchors replaced"
    );
    assert_eq!(p.certificates().len(), 22, "sub-CAs kept from the pack");
    // A file extending itself stops with an error, not a stack overflow.
    let looped = dir.path().join("loop.toml");
    std::fs::write(&looped, "name = \"loop\"\nextends = \"loop.toml\"\n").unwrap();
    let e = Policy::from_file(&looped).unwrap_err();
    assert!(e.to_string().contains("deep"), "{e}");
    // The command line says the same.
    let out = sigaudit()
        .args(["policy", "check"])
        .arg(&looped)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("deep"));
    let out = sigaudit()
        .args(["policy", "check"])
        .arg(&child)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let shown = sigaudit()
        .args(["policy", "show"])
        .arg(&child)
        .output()
        .unwrap();
    let text = String::from_utf8(shown.stdout).unwrap();
    assert!(
        text.contains("[rules.\"issued.signature-count\"]\nlevel = \"FAIL\"\nmin = 7"),
        "{text}"
    );
    // `policy show` prints a policy that reads back as the same policy.
    let again = Policy::from_toml(&text, None).unwrap();
    for rule in Rule::ALL {
        assert_eq!(again.level(rule), p.level(rule), "{rule}");
    }
    assert_eq!(again.params, p.params);
}

/// The pack's certificates are the ones `../shared/corpus/vn/trust` holds, byte for byte, and
/// `policies/vn/FINGERPRINTS.sha256` lists each with its SHA-256.
#[test]
fn the_vietnamese_pack_ships_the_national_roots_and_sub_cas() {
    let pack = root().join("policies/vn");
    let listed = std::fs::read_to_string(pack.join("FINGERPRINTS.sha256")).unwrap();
    let mut n = 0;
    for line in listed.lines() {
        let mut parts = line.splitn(3, "  ");
        let (fp, file) = (parts.next().unwrap(), parts.next().unwrap());
        let pem = std::fs::read(pack.join(file)).unwrap();
        let der = sigaudit::internals::asn1::der_objects(&pem, "CERTIFICATE").unwrap();
        let got =
            sigaudit::internals::asn1::hex(&sigaudit::internals::pki::cert::fingerprint(&der[0]));
        assert_eq!(got, fp, "{file}");
        n += 1;
    }
    assert_eq!(n, 26);
    let shared = root().join("../shared/corpus/vn/trust");
    let Some(shared) = common::shared_or_skip(&shared, shared.is_dir()) else {
        return;
    };
    for kind in ["roots", "intermediates"] {
        for e in std::fs::read_dir(shared.join(kind)).unwrap() {
            let p = e.unwrap().path();
            let ours = pack.join("certs").join(kind).join(p.file_name().unwrap());
            assert_eq!(
                std::fs::read(&p).unwrap(),
                std::fs::read(&ours).unwrap(),
                "{}",
                p.display()
            );
        }
    }
}

/// A self-signed certificate with `subject` made by openssl, or `None` (visible skip; a
/// failure under CI) when openssl cannot run.
fn openssl_certificate(dir: &Path, name: &str, subject: &str) -> Option<Certificate> {
    let cert = dir.join(format!("{name}.pem"));
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "1", "-utf8", "-subj", subject, "-keyout"])
        .arg(dir.join(format!("{name}.key")))
        .arg("-out")
        .arg(&cert)
        .output();
    match status {
        Ok(o) if o.status.success() => {}
        Ok(o) => return common::cannot_run("openssl req", &String::from_utf8_lossy(&o.stderr)),
        Err(e) => return common::cannot_run("openssl", &e.to_string()),
    }
    let pem = std::fs::read(&cert).unwrap();
    let der = sigaudit::internals::asn1::der_objects(&pem, "CERTIFICATE").unwrap();
    Some(Certificate::parse(&der[0]).unwrap())
}

#[test]
fn roles_come_from_the_subject_uid_as_openssl_writes_it() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "/C=VN/O=Bo Test/CN=Nguyễn Văn An/UID=CCCD:001090012345",
            Role::Personal,
        ),
        ("/C=VN/CN=Trần Thị Bình/UID=CMND:012345678", Role::Personal),
        (
            "/C=VN/CN=VĂN PHÒNG BỘ TEST/UID=MST:0102357802/UID=MNS:1032158",
            Role::Organisation,
        ),
        // A person's identifier wins: a seal never carries one.
        (
            "/C=VN/CN=Lê Văn C/UID=MST:0102357802/UID=PID:001090099999",
            Role::Personal,
        ),
        (
            "/C=VN/O=Văn phòng Chính phủ/CN=Cổng Thông tin điện tử Chính phủ",
            Role::Unknown,
        ),
        ("/C=VN/CN=x/UID=EMAIL:someone@example.vn", Role::Unknown),
    ];
    for (i, (subject, role)) in cases.iter().enumerate() {
        let Some(cert) = openssl_certificate(dir.path(), &format!("c{i}"), subject) else {
            return;
        };
        assert_eq!(Role::of(&cert), *role, "{subject}: {:?}", cert.subject_uids);
    }
    let org = openssl_certificate(
        dir.path(),
        "org",
        "/C=VN/CN=O/UID=MNS:1032158/UID=MST:0102357802",
    )
    .unwrap();
    assert_eq!(
        sigaudit::organisation_id(&org.subject_uids, &org.subject),
        "MNS:1032158,MST:0102357802"
    );
}

/// The rewritten copy of `broken_updates.rs` (`/AcroForm` gone, bytes cut from the signed
/// revision): a signed document that fails under every policy, never an unsigned one.
#[test]
fn a_broken_copy_fails_under_every_policy() {
    let d = std::fs::read(root().join("corpus/sample/docs/doc-000005.pdf")).unwrap();
    let af = memchr::memmem::find(&d, b"/AcroForm").unwrap();
    let end = af + d[af..].iter().position(|&c| c == b'R').unwrap() + 1;
    let mut f = d.clone();
    f[af..end].fill(b' ');
    let cut = memchr::memmem::find(&f, b"stream").unwrap() + 100;
    f.drain(cut..cut + 5000);
    let pki = root().join("corpus/sample/pki");
    for name in Policy::BUILTIN {
        let anchors = sigaudit::load::files(&[pki.join("roots")]).unwrap();
        let verifier = sigaudit::Verifier::builder()
            .trust_anchors(anchors.into_iter().map(|f| f.bytes))
            .validation_time(sigaudit::ValidationTime::parse_rfc3339(common::GENERATED_AT).unwrap())
            .policy(Policy::builtin(name).unwrap())
            .build()
            .unwrap();
        let r = verifier.verify("copy.pdf", &f);
        assert_eq!(r.status, DocumentStatus::TotalFailed, "{name}: {r:?}");
        assert_eq!(r.policy.name, name);
        assert!(!r.signatures.is_empty(), "{name}");
        let last = r.signatures.last().unwrap();
        assert_eq!(last.indication, Indication::TotalFailed, "{name}");
        assert_eq!(
            last.sub_indication,
            Some(SubIndication::HashFailure),
            "{name}"
        );
    }
}

/// `sigaudit verify` over `../shared/corpus/vn/docs` under `policy`, offline, with no
/// `--trust`: the lines by file name.
fn vn_lines(policy: &str) -> Option<Vec<serde_json::Value>> {
    let dir = root().join("../shared/corpus/vn");
    let dir = common::shared_or_skip(&dir, dir.join("docs").is_dir())?;
    let out = sigaudit()
        .args([
            "verify",
            "--policy",
            policy,
            "--at",
            "2026-12-07T00:00:00Z",
            "--ordered",
        ])
        .arg(dir.join("docs"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
    )
}

fn file_name(line: &serde_json::Value) -> String {
    let name = PathBuf::from(line["name"].as_str().unwrap());
    name.file_name().unwrap().to_string_lossy().into_owned()
}

fn rules(line: &serde_json::Value, level: &str) -> Vec<String> {
    line["policy"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["level"] == level)
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// The bar of the policy issue: under `vn-gov-published`, offline and with no `--trust`, the
/// Government Portal's G2-signed documents pass with warnings; the gazette's, whose issuing CA
/// is in no public source, are INDETERMINATE with their integrity intact; the rewritten
/// copies fail with their signature listed.
#[test]
fn real_vietnamese_documents_under_the_published_policy() {
    let Some(lines) = vn_lines("vn-gov-published") else {
        return;
    };
    assert_eq!(lines.len(), 20);
    let (mut portal_g2, mut portal_g1, mut gazette, mut broken) = (0, 0, 0, 0);
    for l in &lines {
        let name = file_name(l);
        let sig = &l["signatures"][0];
        let issuer = sig["signer"]["issuer"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert_eq!(l["policy"]["name"], "vn-gov-published");
        if name.starts_with("longfixbug__") {
            assert_eq!(l["status"], "TOTAL_FAILED", "{name}");
            assert_eq!(l["signatures"].as_array().unwrap().len(), 1, "{name}");
            assert_eq!(sig["integrity"], "hash_mismatch", "{name}");
            broken += 1;
        } else if issuer.contains("dịch vụ phần mềm G2") {
            assert_eq!(l["status"], "INDETERMINATE", "{name}");
            assert_eq!(sig["integrity"], "ok", "{name}");
            assert_eq!(
                sig["sub_indication"], "NO_CERTIFICATE_CHAIN_FOUND",
                "{name}"
            );
            assert!(
                rules(l, "FAIL").contains(&"trust.anchor".to_string()),
                "{name}"
            );
            gazette += 1;
        } else if issuer.contains("Nhà nước G2") {
            assert_eq!(l["status"], "TOTAL_PASSED", "{name}: {l}");
            assert_eq!(sig["role"], "organisation", "{name}");
            let warns = rules(l, "WARN");
            assert!(!warns.is_empty(), "{name}: at least one WARN");
            // No revocation data travels with published copies; the portal's timestamps
            // imprint with SHA-1; signingTime is local time labelled UTC.
            for rule in ["revocation.available", "algorithms.sha1-legacy"] {
                assert!(warns.contains(&rule.to_string()), "{name}: {rule}");
            }
            assert!(
                rules(l, "INFORM").contains(&"time.local-signing-time".to_string()),
                "{name}"
            );
            assert!(rules(l, "FAIL").is_empty(), "{name}");
            portal_g2 += 1;
        } else {
            // The portal's G1 certificates (2014–2024): no subject UID, a chain signed with
            // SHA-1, timestamps that prove signing within the certificate's validity.
            assert!(
                issuer.contains("Co quan chung thuc so Chinh phu"),
                "{name}: {issuer}"
            );
            assert_eq!(sig["role"], "unknown", "{name}");
            assert_eq!(l["status"], "TOTAL_PASSED", "{name}: {l}");
            let warns = rules(l, "WARN");
            assert!(warns.contains(&"role.known".to_string()), "{name}");
            assert!(
                l["policy"]["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["rule"] == "algorithms.sha1-legacy"
                        && f["detail"].as_str().unwrap().contains("signed with SHA-1")),
                "{name}"
            );
            portal_g1 += 1;
        }
    }
    assert_eq!((portal_g2, portal_g1, gazette, broken), (12, 2, 2, 4));
}

/// The same documents under the default policy with the same roots given: no document passes
/// (no revocation data), which is what the policy changes, and nothing else does.
#[test]
fn real_vietnamese_documents_under_etsi_need_revocation_data() {
    let dir = root().join("../shared/corpus/vn");
    let Some(dir) = common::shared_or_skip(&dir, dir.join("docs").is_dir()) else {
        return;
    };
    let out = sigaudit()
        .args(["verify", "--at", "2026-12-07T00:00:00Z", "--trust"])
        .arg(root().join("policies/vn/certs/roots"))
        .arg("--certs")
        .arg(root().join("policies/vn/certs/intermediates"))
        .arg(dir.join("docs"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines() {
        let l: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_ne!(l["status"], "TOTAL_PASSED", "{}", file_name(&l));
        assert_eq!(l["policy"]["name"], "etsi");
        assert!(rules(&l, "WARN").is_empty());
    }
    assert_eq!(text.lines().count(), 20);
}

#[test]
fn without_trust_the_default_policy_is_refused_with_a_reason() {
    let out = sigaudit()
        .args(["verify", "--at", "2026-12-07T00:00:00Z"])
        .arg(root().join("corpus/sample/docs/doc-000001.pdf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no trust anchor"));
}
