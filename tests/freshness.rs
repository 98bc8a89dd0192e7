//! Revocation data fetched today for a document signed years ago (EN 319 102-1, 5.2.5 and
//! 5.6.2): what it proves and what it does not. The certificates, CRLs and OCSP response are
//! made by python-cryptography (`tests/oracle/expiry.py`), independently of sigaudit.
//!
//! The signer certificate of the fixture was valid 2018-01-01 .. 2020-01-01; validation is at
//! 2026-07-01 unless said otherwise.

mod common;

use std::path::PathBuf;
use std::process::Command;

use sigaudit::internals::pki::cert::Cert;
use sigaudit::internals::revocation::{crl_times, status, Sources, Status};
use sigaudit::internals::validate::Caches;

const AT_2026_07_01: i64 = 1_782_864_000;
const AT_2019_06_15: i64 = 1_560_556_800;

struct Fixture {
    dir: PathBuf,
    caches: Caches,
    ca: Cert,
    leaf: Cert,
}

impl Fixture {
    /// The oracle's files, or `None` after a visible skip (a failure under CI).
    fn make(name: &str) -> Option<Fixture> {
        let dir =
            std::env::temp_dir().join(format!("sigaudit-freshness-{name}-{}", std::process::id()));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle/expiry.py");
        let ran = Command::new("python3").arg(script).arg(&dir).output();
        match ran {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                let why = String::from_utf8_lossy(&o.stderr);
                return common::cannot_run("the expiry oracle (python3 with cryptography)", &why);
            }
            Err(e) => return common::cannot_run("the expiry oracle (python3)", &e.to_string()),
        }
        let caches = Caches::new();
        let cert = |f: &str| {
            caches
                .certificate(&std::fs::read(dir.join(f)).unwrap())
                .unwrap()
        };
        let (ca, leaf) = (cert("ca.der"), cert("leaf.der"));
        Some(Fixture {
            dir,
            caches,
            ca,
            leaf,
        })
    }

    fn read(&self, f: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(f)).unwrap()
    }

    /// The leaf's status from one CRL at `at`.
    fn with_crl(&self, f: &str, at: i64) -> Status {
        let der = self.read(f);
        let mut sources = Sources::default();
        sources.add_crl(&der, &self.caches.revocation);
        assert_eq!(sources.crls.len(), 1, "{f} parses");
        status(
            &self.leaf,
            &self.ca,
            &sources,
            at,
            &self.caches.pki,
            &self.caches.revocation,
        )
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// RFC 5280 (3.3) lets a CA drop an expired certificate from its CRLs: a CRL of 2026 that does
/// not list a certificate expired in 2020 says nothing about it.
#[test]
fn a_crl_issued_after_the_expiry_proves_nothing_about_the_expired_certificate() {
    let Some(f) = Fixture::make("after") else {
        return;
    };
    match f.with_crl("crl-after.der", AT_2026_07_01) {
        Status::Unknown { reason } => {
            assert!(reason.contains("its silence proves nothing"), "{reason}");
            assert!(reason.contains("2020-01-01"), "{reason}");
        }
        other => panic!("a CRL after the expiry taken for proof: {other:?}"),
    }
}

/// With expiredCertsOnCRL (ITU-T X.509, 9.6.2.9) at or before the expiry, the CA keeps the
/// entries of expired certificates: the same CRL then proves the certificate was not revoked.
#[test]
fn a_crl_keeping_expired_certificates_proves_non_revocation() {
    let Some(f) = Fixture::make("keep") else {
        return;
    };
    assert_eq!(
        f.with_crl("crl-after-keep.der", AT_2026_07_01),
        Status::Good {
            source: "crl",
            object: sigaudit::internals::pki::cert::fingerprint(&f.read("crl-after-keep.der")),
        }
    );
    let der = f.read("crl-after-keep.der");
    let crl = sigaudit::internals::revocation::Crl::parse(&der).unwrap();
    assert_eq!(crl.expired_certs_on_crl, Some(1_546_300_800), "2019-01-01");
}

/// Revocation is permanent: a listed certificate is revoked whatever the CRL's date.
#[test]
fn a_crl_issued_after_the_expiry_that_lists_the_certificate_revokes_it() {
    let Some(f) = Fixture::make("revoked") else {
        return;
    };
    match f.with_crl("crl-revoked.der", AT_2026_07_01) {
        Status::Revoked { at, source, .. } => {
            assert_eq!(at, 1_551_398_400, "2019-03-01");
            assert_eq!(source, "crl");
        }
        other => panic!("{other:?}"),
    }
}

/// Validated at a time within the certificate's life, a CRL current then proves it good; the
/// same CRL at 2026 is past its nextUpdate and proves nothing current.
#[test]
fn a_crl_of_the_signing_period_is_current_only_then() {
    let Some(f) = Fixture::make("before") else {
        return;
    };
    assert_eq!(
        f.with_crl("crl-before.der", AT_2019_06_15),
        Status::Good {
            source: "crl",
            object: sigaudit::internals::pki::cert::fingerprint(&f.read("crl-before.der")),
        }
    );
    match f.with_crl("crl-before.der", AT_2026_07_01) {
        Status::Unknown { reason } => assert!(reason.contains("nextUpdate"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

/// A CRL fetched today cannot serve a validation time before it was issued.
#[test]
fn a_crl_issued_after_the_validation_time_is_not_used() {
    let Some(f) = Fixture::make("future") else {
        return;
    };
    match f.with_crl("crl-after-keep.der", AT_2019_06_15) {
        Status::Unknown { reason } => {
            assert!(
                reason.contains("issued after the validation time"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
}

/// An OCSP `good` produced after the expiry, without archiveCutoff (RFC 6960, 4.4.4), says
/// nothing about the expired certificate either.
#[test]
fn an_ocsp_answer_after_the_expiry_without_archive_cutoff_proves_nothing() {
    let Some(f) = Fixture::make("ocsp") else {
        return;
    };
    let der = f.read("ocsp-after.der");
    let mut sources = Sources::default();
    sources.add_ocsp(&der);
    match status(
        &f.leaf,
        &f.ca,
        &sources,
        AT_2026_07_01,
        &f.caches.pki,
        &f.caches.revocation,
    ) {
        Status::Unknown { reason } => assert!(reason.contains("archiveCutoff"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

/// The fetcher's freshness test reads a CRL's times without parsing its entries; it must agree
/// with the full parse.
#[test]
fn crl_times_agree_with_the_full_parse() {
    let Some(f) = Fixture::make("times") else {
        return;
    };
    for name in [
        "crl-after.der",
        "crl-after-keep.der",
        "crl-before.der",
        "crl-revoked.der",
    ] {
        let der = f.read(name);
        let crl = sigaudit::internals::revocation::Crl::parse(&der).unwrap();
        assert_eq!(
            crl_times(&der),
            Some((crl.this_update, crl.next_update)),
            "{name}"
        );
    }
    assert_eq!(crl_times(b"not a CRL"), None);
}
