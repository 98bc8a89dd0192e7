//! The shared revocation cache (issue 21): `sigaudit cache warm` fills a cache directory from
//! the documents' certificates, one request per URL; shards started at once on one cache
//! directory make one request per URL between them (the store's per-key locks); and the lock
//! itself, held by another open file description, makes a fetch wait and then take the peer's
//! body (or its failure, or give up waiting and fetch).
//!
//! The corpora are generated like `tests/online.rs`'s: leaf-only documents without revocation
//! data whose URLs name a loopback port, served by Python's `http.server` (which can be
//! stopped) or by the generator's server (with a latency) — every server stops by itself.

mod common;

use common::online::{
    corpus, disagreements, free_port, generator_server, read_report, sigaudit, temp, verify,
    verify_command, StaticServer, AT,
};

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sigaudit::internals::fetch::{AllowRule, FetchConfig, FetchError, Fetcher, Kind};
use sigaudit::internals::store::{Flight, Store, StoreKey};

/// The paths the static server was asked for, in order (`"GET /crls/x.crl HTTP/1.1"`).
fn static_paths(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let request = l.split('"').nth(1)?;
            let mut parts = request.split(' ');
            let method = parts.next()?;
            let path = parts.next()?;
            Some(format!("{method} {path}"))
        })
        .collect()
}

/// The requests the generator's server logged (`METHOD PATH STATUS BYTES`): `METHOD PATH`.
fn served_paths(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut parts = l.split(' ');
            Some(format!("{} {}", parts.next()?, parts.next()?))
        })
        .collect()
}

/// How many times each request was made.
fn counts(paths: &[String]) -> BTreeMap<&str, usize> {
    let mut out = BTreeMap::new();
    for p in paths {
        *out.entry(p.as_str()).or_insert(0) += 1;
    }
    out
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("JSON file")).expect("JSON")
}

/// (a) `cache warm` asks each URL once; a second warm asks none; then, with the server
/// stopped, `verify --online --cache` gives the verdicts an online run with the server up
/// gave, without a single request: the cache answered everything.
#[test]
fn warm_fetches_each_url_once_and_answers_verify_with_the_server_down() {
    let dir = temp("warm", "a");
    let port = free_port();
    let manifest = corpus(&dir, 60, 21, port);
    let log = dir.join("http.log");
    let Some(server) = StaticServer::start(&dir.join("pki/www"), port, &log, 180) else {
        return;
    };
    let cache = dir.join("cache");
    let (docs, cache_s) = (dir.join("docs"), cache.to_str().unwrap().to_owned());
    let warm = |summary: &str| {
        let started = Instant::now();
        let out = sigaudit(&[
            "cache",
            "warm",
            &cache_s,
            docs.to_str().unwrap(),
            "--fetch-allow",
            "127.0.0.1",
            "--at",
            AT,
            "--summary",
            dir.join(summary).to_str().unwrap(),
        ]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        eprintln!("cache warm ({:?}):\n{stdout}", started.elapsed());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        json(&dir.join(summary))
    };
    let first = warm("warm1.json");
    let requests = static_paths(&log);
    let repeated: Vec<_> = counts(&requests)
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .collect();
    assert!(repeated.is_empty(), "asked more than once: {repeated:?}");
    let crls = requests.iter().filter(|p| p.contains("/crls/")).count();
    assert!(crls >= 2, "CRLs fetched: {requests:?}");
    assert_eq!(first["documents"].as_u64(), Some(manifest.len() as u64));
    assert_eq!(first["fetched"].as_u64(), Some(requests.len() as u64));
    assert_eq!(first["failed"].as_array().map(Vec::len), Some(0), "{first}");
    assert_eq!(first["unmet"].as_u64(), Some(0), "{first}");
    // Again: everything is cached, no request.
    let second = warm("warm2.json");
    assert_eq!(static_paths(&log).len(), requests.len(), "{second}");
    assert_eq!(second["fetched"].as_u64(), Some(0), "{second}");
    assert_eq!(second["cached"], first["fetched"], "{second}");

    // An online run with the server up, with no cache: the reference.
    let (up, stderr) = verify(
        &dir,
        "up.jsonl",
        &["--online", "--fetch-allow", "127.0.0.1"],
    );
    let bad = disagreements(&manifest, &up);
    assert!(bad.is_empty(), "{bad:#?}\n{stderr}");
    drop(server);
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the server still answers"
    );
    let summary = dir.join("cached-summary.json");
    let (cached, stderr) = verify(
        &dir,
        "cached.jsonl",
        &[
            "--online",
            "--fetch-allow",
            "127.0.0.1",
            "--cache",
            &cache_s,
            "--summary",
            summary.to_str().unwrap(),
        ],
    );
    assert_eq!(up, cached, "the warmed cache gave other verdicts\n{stderr}");
    let fetch = &json(&summary)["fetch"];
    assert_eq!(fetch["requests"].as_u64(), Some(0), "{fetch}");
    assert_eq!(fetch["failures"].as_u64(), Some(0), "{fetch}");
    assert!(fetch["store_hits"].as_u64().unwrap() > 0, "{fetch}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// (b) Shards at once on one cold cache directory, against a server that answers slowly: each
/// URL is requested once in all, not once per process, and every process gives the same
/// verdicts (the manifest's).
#[test]
fn shards_on_one_cache_request_each_url_once_between_them() {
    const SHARDS: usize = 4;
    let dir = temp("warm", "b");
    let port = free_port();
    let manifest = corpus(&dir, 40, 22, port);
    let log = dir.join("serve.log");
    generator_server(&dir, port, Duration::from_millis(400), None, &log, 170);
    let cache = dir.join("cache");
    let started = Instant::now();
    let children: Vec<Child> = (0..SHARDS)
        .map(|i| {
            let summary = dir.join(format!("s{i}.json"));
            verify_command(
                &dir,
                &format!("r{i}.jsonl"),
                &[
                    "--online",
                    "--fetch-allow",
                    "127.0.0.1",
                    "--cache",
                    cache.to_str().unwrap(),
                    "--summary",
                    summary.to_str().unwrap(),
                ],
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sigaudit starts")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.code().is_some_and(|c| c < 2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let elapsed = started.elapsed();
    let requests = served_paths(&log);
    let repeated: Vec<_> = counts(&requests)
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .collect();
    let mut totals = BTreeMap::new();
    for i in 0..SHARDS {
        let fetch = json(&dir.join(format!("s{i}.json")))["fetch"].clone();
        for field in [
            "requests",
            "store_hits",
            "lock_waits",
            "peer_fetched",
            "peer_failed",
            "lock_timeouts",
            "unlocked",
        ] {
            *totals.entry(field).or_insert(0) += fetch[field].as_u64().unwrap_or(0);
        }
    }
    eprintln!(
        "{SHARDS} shards in {elapsed:?}: {} requests served, {totals:?}",
        requests.len()
    );
    assert!(
        repeated.is_empty(),
        "requested more than once: {repeated:?}"
    );
    assert!(!requests.is_empty(), "nothing was fetched");
    assert_eq!(totals["requests"], requests.len() as u64, "{totals:?}");
    assert_eq!(totals["lock_timeouts"], 0, "{totals:?}");
    assert_eq!(totals["unlocked"], 0, "{totals:?}");
    // Every other shard read each body from the store (after waiting for its lock, counted
    // in peer_fetched too, or later).
    assert!(
        totals["store_hits"] >= (requests.len() * (SHARDS - 1)) as u64,
        "{totals:?}"
    );
    assert_eq!(totals["peer_failed"], 0, "{totals:?}");
    let reference = read_report(&dir.join("r0.jsonl"));
    let bad = disagreements(&manifest, &reference);
    assert!(bad.is_empty(), "{bad:#?}");
    for i in 1..SHARDS {
        let got = read_report(&dir.join(format!("r{i}.jsonl")));
        assert_eq!(got, reference, "shard {i} differs from shard 0");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A loopback server answering every request with `body`, counting them; it stops after a
/// minute whatever happens.
fn counting_server(body: &'static [u8]) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let Ok((mut stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            seen.fetch_add(1, Ordering::SeqCst);
            let _ = stream.set_nonblocking(false);
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body);
        }
    });
    (port, count)
}

fn loopback_fetcher(store: Store, timeout: Duration) -> Fetcher {
    let config = FetchConfig {
        allow: vec![AllowRule::parse("127.0.0.1").unwrap()],
        total_timeout: timeout,
        retries: 0,
        ..FetchConfig::default()
    };
    Fetcher::new(config, Some(Arc::new(store)))
}

/// (c) The key's lock held through another open file description (a second `Store` on the
/// same directory: another open of the lock file, as a peer process has): the fetch waits,
/// then reads the body the holder stored — no request; a failure the holder records is taken
/// as the waiter's own; a holder that never lets go is waited for only
/// `FetchConfig::flight_wait`, then the URL is fetched anyway.
#[test]
fn a_lock_held_elsewhere_makes_the_fetch_wait_and_take_the_peers_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (port, served) = counting_server(b"from the server");
    let key_of = |name: &str| StoreKey::Url {
        kind: Kind::Crl,
        url: format!("http://127.0.0.1:{port}/{name}.crl"),
    };
    let peer = Store::open(dir.path()).unwrap();
    let hold = |key: &StoreKey| match peer.flight(key, Duration::from_secs(5)) {
        Flight::Held { lock, .. } => lock,
        other => panic!("the peer's lock: {other:?}"),
    };
    let fetcher = Arc::new(loopback_fetcher(
        Store::open(dir.path()).unwrap(),
        Duration::from_secs(30),
    ));
    let fetch_in_thread = |key: &StoreKey| {
        let (fetcher, url) = (fetcher.clone(), key.url().to_owned());
        std::thread::spawn(move || {
            let started = Instant::now();
            let got = fetcher.get(&url, Kind::Crl, &|_| true);
            (got, started.elapsed())
        })
    };

    // The peer fetches (here: puts) while the fetch waits.
    let key = key_of("peer-fetched");
    let lock = hold(&key);
    let waiter = fetch_in_thread(&key);
    std::thread::sleep(Duration::from_millis(300));
    peer.put(&key, b"the peer's body");
    lock.release(Ok(()));
    let (got, waited) = waiter.join().unwrap();
    assert_eq!(&got.unwrap()[..], b"the peer's body");
    assert!(waited >= Duration::from_millis(250), "{waited:?}");
    let stats = fetcher.stats();
    assert_eq!(served.load(Ordering::SeqCst), 0, "a request was made");
    assert_eq!((stats.lock_waits, stats.peer_fetched), (1, 1), "{stats:?}");

    // The peer's fetch fails while the fetch waits: the failure is shared, no request.
    let key = key_of("peer-failed");
    let lock = hold(&key);
    let waiter = fetch_in_thread(&key);
    std::thread::sleep(Duration::from_millis(200));
    lock.release(Err("http://127.0.0.1/peer-failed.crl: timed out"));
    let (got, _) = waiter.join().unwrap();
    match got {
        Err(FetchError::PeerFailed { message, .. }) => assert!(message.contains("timed out")),
        other => panic!("{other:?}"),
    }
    assert_eq!(served.load(Ordering::SeqCst), 0, "a request was made");
    assert_eq!(fetcher.stats().peer_failed, 1);

    // Nothing to wait for: the fetch takes the lock at once and requests the URL.
    let key = key_of("free");
    let got = fetcher.get(key.url(), Kind::Crl, &|_| true).unwrap();
    assert_eq!(&got[..], b"from the server");
    assert_eq!(served.load(Ordering::SeqCst), 1);
    // Two waits above, none here.
    assert_eq!(fetcher.stats().lock_waits, 2, "no wait for a free lock");

    // A holder that never lets go: waited for flight_wait (1 s timeout, no retry: 2 s), then
    // fetched anyway.
    let quick = loopback_fetcher(Store::open(dir.path()).unwrap(), Duration::from_secs(1));
    let wait = quick.config().flight_wait();
    assert_eq!(wait, Duration::from_secs(2));
    let key = key_of("stuck");
    let _stuck = hold(&key);
    let started = Instant::now();
    let got = quick.get(key.url(), Kind::Crl, &|_| true).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(&got[..], b"from the server");
    assert!(elapsed >= wait, "{elapsed:?}");
    assert!(elapsed < wait + Duration::from_secs(5), "{elapsed:?}");
    let stats = quick.stats();
    assert_eq!((stats.lock_timeouts, stats.requests), (1, 1), "{stats:?}");
}
