//! CRL indexing and OCSP checking on the generated PKI's material.

use std::path::Path;

use sigaudit::internals::pki::cert::Cert;
use sigaudit::internals::revocation::{status, Crl, OcspResponse, Sources, Status};
use sigaudit::internals::validate::Caches;

fn sample() -> &'static Path {
    Box::leak(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("corpus/sample")
            .into_boxed_path(),
    )
}

/// sigaudit reads CRLs with its own BER reader (one pass into the serial index); x509-parser,
/// an independent parser, must read the same issuer, times, serials, dates and reasons from
/// every CRL of the generated PKI, and a CRL cut short or with a byte changed in its entries is
/// refused or read without panicking.
#[test]
fn crl_parse_agrees_with_x509_parser() {
    let mut reasons = 0;
    for name in [
        "ca-personal.crl",
        "ca-organisation.crl",
        "root.crl",
        "rogue-ca.crl",
        "rogue-root.crl",
    ] {
        let der = std::fs::read(sample().join("pki/crls").join(name)).unwrap();
        let crl = Crl::parse(&der).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (_, oracle) = x509_parser::prelude::parse_x509_crl(&der).unwrap();
        assert_eq!(crl.issuer_raw, oracle.issuer().as_raw(), "{name}");
        assert_eq!(crl.this_update, oracle.last_update().timestamp(), "{name}");
        assert_eq!(
            crl.next_update,
            oracle.next_update().map(|t| t.timestamp()),
            "{name}"
        );
        let mut want = sigaudit::internals::cache::FastMap::default();
        for r in oracle.iter_revoked_certificates() {
            let s = r.raw_serial();
            let z = s.iter().take_while(|&&b| b == 0).count().min(s.len() - 1);
            let reason = r.reason_code().map(|(_, c)| c.0);
            reasons += usize::from(reason.is_some());
            let at = r.revocation_date.timestamp();
            want.entry(s[z..].to_vec())
                .and_modify(|e: &mut (i64, Option<u8>)| e.0 = e.0.min(at))
                .or_insert((at, reason));
        }
        assert_eq!(crl.revoked, want, "{name}");
        assert_eq!(crl.expired_certs_on_crl, None, "{name}");
        // Damaged: cut short anywhere in the first entries, or a byte of them changed.
        for cut in (1..der.len().min(600)).step_by(7) {
            assert!(Crl::parse(&der[..cut]).is_err(), "{name} cut at {cut}");
            let mut bad = der.clone();
            bad[cut] ^= 0x5a;
            let _ = Crl::parse(&bad);
        }
    }
    assert!(reasons > 0, "some entries carry a reasonCode");
}

/// An entry whose reasonCode does not read (here an INTEGER where the ENUMERATED belongs) is
/// still a revocation: the serial stays indexed, without a reason, as x509-parser read it.
#[test]
fn an_unreadable_reason_code_keeps_the_revocation() {
    let mut der = std::fs::read(sample().join("pki/crls/ca-personal.crl")).unwrap();
    let reason = [0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01];
    let at = der
        .windows(reason.len())
        .position(|w| w == reason)
        .expect("an entry with a reasonCode");
    let whole = Crl::parse(&der).unwrap();
    der[at + 7] = 0x02; // ENUMERATED → INTEGER
    let damaged = Crl::parse(&der).expect("still read");
    assert_eq!(damaged.revoked.len(), whole.revoked.len());
    let changed: Vec<_> = whole
        .revoked
        .iter()
        .filter(|(serial, v)| damaged.revoked.get(*serial) != Some(v))
        .collect();
    assert_eq!(changed.len(), 1, "only the damaged entry differs");
    let (serial, (date, reason)) = changed[0];
    assert!(reason.is_some());
    assert_eq!(damaged.revoked[serial], (*date, None));
    let (_, oracle) = x509_parser::prelude::parse_x509_crl(&der).expect("x509-parser reads it");
    assert_eq!(
        oracle.iter_revoked_certificates().count(),
        whole.revoked.len()
    );
}

#[test]
fn every_crl_entry_is_indexed_and_found() {
    let der = std::fs::read(sample().join("pki/crls/ca-personal.crl")).unwrap();
    let crl = Crl::parse(&der).unwrap();
    let (_, parsed) = x509_parser::prelude::parse_x509_crl(&der).unwrap();
    let entries: Vec<Vec<u8>> = parsed
        .iter_revoked_certificates()
        .map(|r| {
            let s = r.raw_serial();
            let z = s.iter().take_while(|&&b| b == 0).count().min(s.len() - 1);
            s[z..].to_vec()
        })
        .collect();
    assert!(entries.len() > 6000, "{} entries", entries.len());
    assert_eq!(crl.revoked.len(), entries.len(), "serials are distinct");
    for e in &entries {
        assert!(crl.revoked.contains_key(e));
    }
    assert!(!crl.revoked.contains_key(&[0x7f, 0x01, 0x02][..]));
    assert!(crl.this_update < crl.next_update.unwrap());
}

/// doc-000006 is a long-term-validation document: its DSS holds the chain, the CRLs and one
/// OCSP response per signer certificate.
#[test]
fn dss_ocsp_responses_say_good_and_a_forged_one_is_ignored() {
    let data = std::fs::read(sample().join("docs/doc-000006.pdf")).unwrap();
    let doc = sigaudit::internals::pdf::read(&data).unwrap();
    let dss = doc.dss.expect("a DSS");
    let caches = Caches::new();
    let certs: Vec<Cert> = dss
        .certs
        .iter()
        .map(|s| sigaudit::internals::pdf::stream_data(&data, s).unwrap())
        .filter_map(|d| caches.certificate(&d))
        .collect();
    let ocsps: Vec<Vec<u8>> = dss
        .ocsps
        .iter()
        .map(|s| {
            sigaudit::internals::pdf::stream_data(&data, s)
                .unwrap()
                .into_owned()
        })
        .collect();
    assert!(!ocsps.is_empty());
    for o in &ocsps {
        let r = OcspResponse::parse(o).unwrap();
        assert_eq!(r.responses.len(), 1);
    }
    let at = sigaudit::ValidationTime::parse_rfc3339("2026-07-01T00:00:00Z")
        .unwrap()
        .unix();
    let leaves: Vec<&Cert> = certs
        .iter()
        .filter(|c| c.basic_constraints.is_none_or(|(ca, _)| !ca))
        .filter(|c| !c.eku.as_ref().is_some_and(|e| e.time_stamping))
        .collect();
    assert!(!leaves.is_empty());
    let mut checked = 0;
    for leaf in leaves {
        let Some(issuer) = certs.iter().find(|c| leaf.could_be_issued_by(c)) else {
            continue;
        };
        let mut sources = Sources::default();
        for o in &ocsps {
            sources.add_ocsp(o);
        }
        let fps: Vec<_> = ocsps
            .iter()
            .map(|o| sigaudit::internals::pki::cert::fingerprint(o))
            .collect();
        let st = status(leaf, issuer, &sources, at, &caches.pki, &caches.revocation);
        assert!(
            matches!(st, Status::Good { source: "ocsp", object } if fps.contains(&object)),
            "{}: {st:?}",
            leaf.subject
        );
        // The same responses with their signatures damaged prove nothing.
        let forged: Vec<Vec<u8>> = ocsps
            .iter()
            .map(|o| {
                let mut f = o.clone();
                let n = f.len();
                f[n - 10] ^= 0x01;
                f
            })
            .collect();
        let mut forged_sources = Sources::default();
        for o in &forged {
            forged_sources.add_ocsp(o);
        }
        assert!(matches!(
            status(
                leaf,
                issuer,
                &forged_sources,
                at,
                &caches.pki,
                &caches.revocation
            ),
            Status::Unknown { .. }
        ));
        checked += 1;
    }
    assert!(checked > 0);
    assert!(caches.stats().ocsp.misses > 0);
}
