//! Path building on the generated PKI: found, missing intermediates, unknown roots,
//! self-signed loops, and the path cache.

use std::path::Path;

use sigaudit::internals::pki::cert::Cert;
use sigaudit::internals::pki::{build_path, PathOutcome, PkiError, TrustStore};
use sigaudit::internals::validate::Caches;

fn sample(p: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/sample")
        .join(p)
}

/// The signer certificates of doc-000001's six signatures (from their CMS).
fn signers(caches: &Caches) -> Vec<Cert> {
    let data = std::fs::read(sample("docs/doc-000001.pdf")).unwrap();
    let doc = sigaudit::internals::pdf::read(&data).unwrap();
    let mut out = Vec::new();
    for s in &doc.signatures {
        let cms = sigaudit::internals::cms::parse(&s.contents.as_ref().unwrap().bytes).unwrap();
        for der in &cms.certificates {
            let c = caches.certificate(der).unwrap();
            if c.basic_constraints.is_none_or(|(ca, _)| !ca) {
                out.push(c);
            }
        }
    }
    assert!(!out.is_empty());
    out
}

#[test]
fn paths_are_found_through_supplied_intermediates_and_cached() {
    let caches = Caches::new();
    let roots = load_certificates(sample("pki/roots"), &caches);
    let cas = load_certificates(sample("pki/intermediates"), &caches);
    let t = sigaudit::ValidationTime::parse_rfc3339("2026-07-01T00:00:00Z")
        .unwrap()
        .unix();
    let store = TrustStore::new(roots.clone(), cas.clone());
    for leaf in signers(&caches) {
        match &*build_path(&leaf, &[], &store, t, &caches.pki) {
            PathOutcome::Found(p) => {
                assert_eq!(p.len(), 3, "leaf, CA, root");
                assert_eq!(p[0].sha256, leaf.sha256);
                assert!(store.is_anchor(&p[2]));
            }
            PathOutcome::Failed(e) => panic!("{}: {e}", leaf.subject),
        }
    }
    let before = caches.stats().paths;
    let leaf = &signers(&caches)[0];
    let _ = build_path(leaf, &[], &store, t, &caches.pki);
    let after = caches.stats().paths;
    assert_eq!(
        after.misses, before.misses,
        "the second search is a cache hit"
    );
    assert!(after.hits > before.hits);

    // A month later nothing's validity changed: the same entry. Before the CAs existed: another.
    let before = caches.stats().paths;
    let _ = build_path(leaf, &[], &store, t + 30 * 86_400, &caches.pki);
    assert_eq!(caches.stats().paths.misses, before.misses);
    let early = sigaudit::ValidationTime::parse_rfc3339("2000-01-01T00:00:00Z")
        .unwrap()
        .unix();
    let _ = build_path(leaf, &[], &store, early, &caches.pki);
    assert_eq!(caches.stats().paths.misses, before.misses + 1);

    // Regression: the path cache once keyed on the anchors only, so a path found through the
    // run's intermediates was served to a store without them. Without the intermediates no
    // path exists; offered by the document, it does.
    let bare = TrustStore::new(roots.clone(), vec![]);
    assert!(matches!(
        &*build_path(leaf, &[], &bare, t, &caches.pki),
        PathOutcome::Failed(PkiError::NoIssuer { .. })
    ));
    assert!(
        matches!(&*build_path(leaf, &cas, &bare, t, &caches.pki), PathOutcome::Found(p) if p.len() == 3)
    );

    // An intermediate as the only anchor: a two-certificate path.
    let ca_anchor = TrustStore::new(cas.clone(), vec![]);
    assert!(
        matches!(&*build_path(leaf, &[], &ca_anchor, t, &caches.pki), PathOutcome::Found(p) if p.len() == 2)
    );
}

#[test]
fn an_untrusted_self_signed_root_is_not_a_path_and_does_not_loop() {
    let caches = Caches::new();
    let roots = load_certificates(sample("pki/roots"), &caches);
    let rogue = load_certificates(sample("pki/untrusted"), &caches);
    // The rogue root (self-issued) and the CA it issues.
    assert_eq!(rogue.len(), 2, "pki/untrusted holds the rogue hierarchy");
    assert!(
        rogue.iter().any(|c| c.subject_raw == c.issuer_raw),
        "a self-issued rogue root"
    );
    let t = sigaudit::ValidationTime::parse_rfc3339("2026-07-01T00:00:00Z")
        .unwrap()
        .unix();
    let store = TrustStore::new(roots, rogue.clone());
    for c in &rogue {
        // The rogue root issues itself: the search must not take it as its own issuer.
        match &*build_path(c, &rogue, &store, t, &caches.pki) {
            PathOutcome::Failed(PkiError::NoIssuer { .. }) => {}
            other => panic!("{}: {other:?}", c.subject),
        }
    }
}

/// The certificates of a PEM or DER file, or of a directory's files.
fn load_certificates(path: impl AsRef<Path>, caches: &Caches) -> Vec<Cert> {
    sigaudit::load::files(&[path])
        .unwrap()
        .iter()
        .flat_map(|f| sigaudit::internals::asn1::der_objects(&f.bytes, "CERTIFICATE").unwrap())
        .map(|der| caches.certificate(&der).expect("a certificate"))
        .collect()
}
