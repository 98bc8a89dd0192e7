//! Same seed, same arguments ⇒ byte-identical output, whatever the thread count.

mod common;

use sigaudit_corpus::cases::Profile;

#[test]
fn same_seed_gives_identical_bytes_with_one_or_two_threads() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let mut ca = common::config(a.path(), 40, 77, Profile::Mixed, "0,8K,300K");
    ca.tar = true;
    let mut cb = common::config(b.path(), 40, 77, Profile::Mixed, "0,8K,300K");
    cb.tar = true;
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let la = one.install(|| common::generate_into(&ca));
    let lb = two.install(|| common::generate_into(&cb));
    assert_eq!(la, lb);
    common::assert_same_tree(a.path(), b.path());
    assert!(a.path().join("archive.tar").metadata().unwrap().len() > 0);
}

#[test]
fn another_seed_gives_other_documents_but_the_same_pki() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    common::generate_into(&common::config(a.path(), 6, 1, Profile::National, "0"));
    common::generate_into(&common::config(b.path(), 6, 2, Profile::National, "0"));
    let doc = "docs/doc-000001.pdf";
    assert_ne!(
        std::fs::read(a.path().join(doc)).unwrap(),
        std::fs::read(b.path().join(doc)).unwrap()
    );
    for f in [
        "pki/roots/root.pem",
        "pki/crls/ca-personal.crl",
        "pki/intermediates/ca-organisation.pem",
    ] {
        assert_eq!(
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn tar_holds_every_document_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = common::config(dir.path(), 12, 5, Profile::Attacks, "0");
    c.tar = true;
    let lines = common::generate_into(&c);
    let mut archive =
        tar::Archive::new(std::fs::File::open(dir.path().join("archive.tar")).unwrap());
    let mut names = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        assert_eq!(
            bytes,
            std::fs::read(dir.path().join(&name)).unwrap(),
            "{name}"
        );
        names.push(name);
    }
    assert_eq!(
        names,
        lines.iter().map(|l| l.name.clone()).collect::<Vec<_>>()
    );
}

#[test]
fn a_tar_only_corpus_is_the_same_archive_without_the_files() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let mut ca = common::config(a.path(), 70, 9, Profile::Mixed, "0,8K");
    ca.tar = true;
    let mut cb = common::config(b.path(), 70, 9, Profile::Mixed, "0,8K");
    cb.tar = true;
    cb.tar_only = true;
    assert_eq!(common::generate_into(&ca), common::generate_into(&cb));
    assert_eq!(
        std::fs::read(a.path().join("archive.tar")).unwrap(),
        std::fs::read(b.path().join("archive.tar")).unwrap()
    );
    assert!(!b.path().join("docs").exists());
}
