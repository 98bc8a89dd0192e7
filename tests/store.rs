//! The persistent fetch cache: reopening, processes writing at once, damaged index files,
//! damaged blobs, pruning.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use sigaudit::internals::fetch::Kind;
use sigaudit::internals::store::{Store, StoreKey};

fn crl(url: &str) -> StoreKey {
    StoreKey::Url {
        kind: Kind::Crl,
        url: url.to_owned(),
    }
}

fn body(i: usize) -> Vec<u8> {
    format!("body number {i} ").repeat(1 + i % 7).into_bytes()
}

fn blob_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir.join("blobs")).unwrap().flatten() {
        if sub.path().is_dir() {
            out.extend(
                std::fs::read_dir(sub.path())
                    .unwrap()
                    .flatten()
                    .map(|e| e.path()),
            );
        }
    }
    out
}

#[test]
fn entries_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let ocsp = StoreKey::Ocsp {
        url: "http://ocsp.example".into(),
        cert_id: vec![0x30, 1, 2],
    };
    {
        let store = Store::open(dir.path()).unwrap();
        assert!(store.recovered().is_none());
        store.put(&crl("http://a.example/a.crl"), b"CRL A");
        store.put(&ocsp, b"response");
        assert_eq!(store.get(&crl("http://b.example/b.crl")), None);
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.get(&crl("http://a.example/a.crl")).as_deref(),
        Some(&b"CRL A"[..])
    );
    assert_eq!(store.get(&ocsp).as_deref(), Some(&b"response"[..]));
    // The same URL fetched as a certificate is another entry.
    let cert = StoreKey::Url {
        kind: Kind::Certificate,
        url: "http://a.example/a.crl".into(),
    };
    assert_eq!(store.get(&cert), None);
    let stats = store.stats();
    assert_eq!((stats.crls, stats.ocsp, stats.certificates), (1, 1, 0));
    assert_eq!((stats.hits, stats.misses), (2, 1));
    assert_eq!(stats.bytes, 5 + 8);
    assert_eq!(store.entries().unwrap().len(), 2);
}

/// Run by [`two_processes_write_at_once`] in child processes (does nothing otherwise).
#[test]
fn child_writer() {
    let (Ok(dir), Ok(id)) = (
        std::env::var("SIGAUDIT_STORE_CHILD_DIR"),
        std::env::var("SIGAUDIT_STORE_CHILD_ID"),
    ) else {
        return;
    };
    let store = Store::open(Path::new(&dir)).unwrap();
    for i in 0..40 {
        let key = crl(&format!("http://ca.example/{id}/{i}.crl"));
        store.put(&key, &body(i));
        assert_eq!(store.get(&key).as_deref(), Some(&body(i)[..]), "{id} {i}");
    }
    let stats = store.stats();
    assert_eq!(stats.busy, 0, "{:?}", stats.last_error);
}

#[test]
fn two_processes_write_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let me = std::env::current_exe().unwrap();
    let children: Vec<_> = ["p1", "p2", "p3"]
        .iter()
        .map(|id| {
            Command::new(&me)
                .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
                .env("SIGAUDIT_STORE_CHILD_DIR", dir.path())
                .env("SIGAUDIT_STORE_CHILD_ID", id)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let store = Store::open(dir.path()).unwrap();
    assert!(store.recovered().is_none());
    for id in ["p1", "p2", "p3"] {
        for i in 0..40 {
            let key = crl(&format!("http://ca.example/{id}/{i}.crl"));
            assert_eq!(store.get(&key).as_deref(), Some(&body(i)[..]), "{id} {i}");
        }
    }
    assert_eq!(store.stats().crls, 120);
}

#[test]
fn two_stores_in_threads_write_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = Arc::new(dir.path().to_path_buf());
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let store = Store::open(&path).unwrap();
                for i in 0..30 {
                    store.put(&crl(&format!("http://t{t}/{i}")), &body(i));
                }
                store.stats().busy
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 0);
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.entries().unwrap().len(), 60);
    assert_eq!(
        store.get(&crl("http://t1/29")).as_deref(),
        Some(&body(29)[..])
    );
}

/// Fills a store, damages its index with `damage`, and checks that opening reports it, moves
/// it aside and starts afresh.
fn damaged_index_is_rebuilt(damage: impl FnOnce(&Path)) {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        for i in 0..200 {
            store.put(&crl(&format!("http://x/{i}")), &body(i));
        }
    }
    damage(&dir.path().join("index.redb"));
    let store = Store::open(dir.path()).unwrap();
    let report = store.recovered().expect("the damage is reported");
    assert!(report.contains("moved to"), "{report}");
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("corrupt"))
        .collect();
    assert_eq!(aside.len(), 1, "{report}");
    assert_eq!(store.entries().unwrap().len(), 0);
    store.put(&crl("http://y"), b"after");
    assert_eq!(store.get(&crl("http://y")).as_deref(), Some(&b"after"[..]));
    drop(store);
    // The rebuilt index is sound: a second open reports nothing.
    let again = Store::open(dir.path()).unwrap();
    assert!(again.recovered().is_none());
    assert_eq!(again.get(&crl("http://y")).as_deref(), Some(&b"after"[..]));
}

#[test]
fn truncated_index_is_detected_and_rebuilt() {
    damaged_index_is_rebuilt(|path| {
        let len = std::fs::metadata(path).unwrap().len();
        let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        f.set_len(len / 3).unwrap();
    });
}

#[test]
fn garbage_index_is_detected_and_rebuilt() {
    damaged_index_is_rebuilt(|path| {
        let len = std::fs::metadata(path).unwrap().len() as usize;
        let garbage: Vec<u8> = (0..len).map(|i| (i * 7919 % 251) as u8).collect();
        std::fs::write(path, garbage).unwrap();
    });
}

#[test]
fn a_blob_that_does_not_match_its_hash_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.put(&crl("http://a"), b"the genuine CRL");
    let blobs = blob_files(dir.path());
    assert_eq!(blobs.len(), 1);
    // Same length, other bytes: only the hash tells.
    std::fs::write(&blobs[0], b"the tampered CR").unwrap();
    assert_eq!(store.get(&crl("http://a")), None);
    let stats = store.stats();
    assert_eq!((stats.corrupt, stats.crls), (1, 0));
    assert!(blob_files(dir.path()).is_empty());
    // A missing blob is dropped too.
    store.put(&crl("http://b"), b"another");
    std::fs::remove_file(&blob_files(dir.path())[0]).unwrap();
    assert_eq!(store.get(&crl("http://b")), None);
    assert_eq!(store.stats().missing, 1);
}

#[test]
fn prune_keeps_what_the_caller_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.put(&crl("http://fresh"), b"fresh CRL");
    store.put(&crl("http://stale"), b"stale CRL");
    store.put(&crl("http://same"), b"fresh CRL");
    let pruned = store
        .prune(&|_, body: &[u8]| body.starts_with(b"fresh"))
        .unwrap();
    assert_eq!((pruned.kept, pruned.removed), (2, 1));
    // The stale blob is younger than the grace period: kept on disk for now, unreferenced.
    assert_eq!(pruned.blobs_removed, 0);
    assert_eq!(store.get(&crl("http://stale")), None);
    assert_eq!(
        store.get(&crl("http://same")).as_deref(),
        Some(&b"fresh CRL"[..])
    );
    // Two keys, one body: one blob.
    assert_eq!(blob_files(dir.path()).len(), 2);
    // Once past the grace period, the unreferenced blob goes.
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for blob in blob_files(dir.path()) {
        let f = std::fs::File::options().write(true).open(&blob).unwrap();
        f.set_modified(an_hour_ago).unwrap();
    }
    let pruned = store.prune(&|_, _| true).unwrap();
    assert_eq!((pruned.kept, pruned.removed), (2, 0));
    assert_eq!((pruned.blobs_removed, pruned.bytes_freed), (1, 9));
    assert_eq!(blob_files(dir.path()).len(), 1);
    assert_eq!(
        store.get(&crl("http://fresh")).as_deref(),
        Some(&b"fresh CRL"[..])
    );
}
