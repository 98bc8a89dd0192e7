//! The fetcher against loopback HTTP servers of its own (each stops when its test ends, and
//! after 60 s whatever happens): single flight, per-host limits, retries, the negative cache,
//! timeouts, size caps, redirects, and the address policy — every refusal in a test of its
//! own. OCSP requests are compared with OpenSSL's.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sigaudit::internals::fetch::{
    certificates_from, AddressRange, AllowRule, FetchConfig, FetchError, Fetcher, Kind,
    OcspRequest, Outcome, RefusalKind,
};
use sigaudit::internals::store::Store;

/// A request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    body: Vec<u8>,
}

/// What the server answers.
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    /// Waited before answering.
    delay: Duration,
    /// Never answer (hold the connection until the server stops).
    hang: bool,
    /// Stream this many bytes of body without a Content-Length.
    stream: u64,
}

impl Reply {
    fn ok(body: &[u8]) -> Reply {
        Reply {
            status: 200,
            headers: Vec::new(),
            body: body.to_vec(),
            delay: Duration::ZERO,
            hang: false,
            stream: 0,
        }
    }

    fn status(status: u16) -> Reply {
        Reply {
            status,
            ..Reply::ok(b"")
        }
    }

    fn redirect(to: String) -> Reply {
        Reply {
            headers: vec![("Location", to)],
            ..Reply::status(302)
        }
    }
}

type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

/// A loopback HTTP/1.1 server answering each connection once (Connection: close).
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    count: Arc<AtomicUsize>,
    max_concurrent: Arc<AtomicUsize>,
    sent: Arc<AtomicU64>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// How long a server lives at most, whatever its test does.
const SERVER_LIFETIME: Duration = Duration::from_secs(60);

impl Server {
    fn start(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Server {
        Server::start_on("127.0.0.1:0", handler).expect("a loopback listener")
    }

    fn start_on(
        addr: &str,
        handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static,
    ) -> Option<Server> {
        let listener = TcpListener::bind(addr).ok()?;
        listener.set_nonblocking(true).unwrap();
        let server = Server {
            port: listener.local_addr().unwrap().port(),
            stop: Arc::default(),
            count: Arc::default(),
            max_concurrent: Arc::default(),
            sent: Arc::default(),
            seen: Arc::default(),
        };
        let handler: Arc<Handler> = Arc::new(handler);
        let (stop, count, max, sent, seen) = (
            server.stop.clone(),
            server.count.clone(),
            server.max_concurrent.clone(),
            server.sent.clone(),
            server.seen.clone(),
        );
        let current = Arc::new(AtomicUsize::new(0));
        std::thread::spawn(move || {
            let start = Instant::now();
            while !stop.load(Ordering::Relaxed) && start.elapsed() < SERVER_LIFETIME {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(2));
                    continue;
                };
                let (handler, stop, count, max, sent, seen, current) = (
                    handler.clone(),
                    stop.clone(),
                    count.clone(),
                    max.clone(),
                    sent.clone(),
                    seen.clone(),
                    current.clone(),
                );
                std::thread::spawn(move || {
                    let Some(req) = read_request(&stream) else {
                        return;
                    };
                    let n = count.fetch_add(1, Ordering::SeqCst);
                    let now = current.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(now, Ordering::SeqCst);
                    seen.lock().unwrap().push(req.clone());
                    let reply = handler(&req, n);
                    std::thread::sleep(reply.delay);
                    // A request stops counting as under way before its answer is written: the
                    // client cannot have started its next one before reading this answer.
                    current.fetch_sub(1, Ordering::SeqCst);
                    answer(stream, reply, &stop, &sent);
                });
            }
        });
        Some(server)
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn read_request(stream: &TcpStream) -> Option<Seen> {
    stream.set_nonblocking(false).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut length = 0;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        if h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Seen { method, path, body })
}

fn answer(mut stream: TcpStream, reply: Reply, stop: &AtomicBool, sent: &AtomicU64) {
    if reply.hang {
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(10));
        }
        return;
    }
    let mut head = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", reply.status);
    for (k, v) in &reply.headers {
        head += &format!("{k}: {v}\r\n");
    }
    if reply.stream == 0 {
        head += &format!("Content-Length: {}\r\n", reply.body.len());
    }
    head += "\r\n";
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    if reply.stream == 0 {
        let _ = stream.write_all(&reply.body);
        return;
    }
    let chunk = vec![b'x'; 64 << 10];
    let mut left = reply.stream;
    while left > 0 && !stop.load(Ordering::Relaxed) {
        let n = left.min(chunk.len() as u64) as usize;
        if stream.write_all(&chunk[..n]).is_err() {
            return;
        }
        sent.fetch_add(n as u64, Ordering::SeqCst);
        left -= n as u64;
    }
}

/// A configuration for loopback tests: 127.0.0.1 allowed, short timeouts and backoff.
fn loopback() -> FetchConfig {
    FetchConfig {
        allow: vec![AllowRule::parse("127.0.0.1").unwrap()],
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(5),
        backoff: Duration::from_millis(10),
        ..FetchConfig::default()
    }
}

fn always(_: &[u8]) -> bool {
    true
}

#[test]
fn single_flight_one_request_for_sixteen_threads() {
    let server = Server::start(|_, _| Reply {
        delay: Duration::from_millis(300),
        ..Reply::ok(b"the CRL")
    });
    let fetcher = Fetcher::new(loopback(), None);
    let url = server.url("/ca.crl");
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|_| s.spawn(|| fetcher.get(&url, Kind::Crl, &always)))
            .collect();
        for h in handles {
            assert_eq!(&*h.join().unwrap().unwrap(), b"the CRL");
        }
    });
    assert_eq!(server.count(), 1);
    let stats = fetcher.stats();
    assert_eq!(stats.requests, 1);
    assert_eq!(stats.joins + stats.memory_hits, 15, "{stats:?}");
    // Later calls are answered from memory.
    fetcher.get(&url, Kind::Crl, &always).unwrap();
    assert_eq!(server.count(), 1);
    let log = fetcher.log();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].outcome, Outcome::Fetched);
    assert_eq!(log[0].bytes, 7);
    assert!(log[0].sha256.is_some());
}

#[test]
fn per_host_limit_is_observed() {
    let server = Server::start(|_, _| Reply {
        delay: Duration::from_millis(150),
        ..Reply::ok(b"x")
    });
    let fetcher = Fetcher::new(
        FetchConfig {
            per_host: 2,
            ..loopback()
        },
        None,
    );
    std::thread::scope(|s| {
        for i in 0..8 {
            let (fetcher, url) = (&fetcher, server.url(&format!("/{i}.crl")));
            s.spawn(move || fetcher.get(&url, Kind::Crl, &always).unwrap());
        }
    });
    assert_eq!(server.count(), 8);
    let max = server.max_concurrent.load(Ordering::SeqCst);
    assert!((1..=2).contains(&max), "{max} at once");
}

#[test]
fn server_errors_are_retried_then_succeed() {
    let server = Server::start(|_, n| match n {
        0 | 1 => Reply::status(500),
        _ => Reply::ok(b"third time"),
    });
    let fetcher = Fetcher::new(loopback(), None);
    let body = fetcher.get(&server.url("/c"), Kind::Crl, &always).unwrap();
    assert_eq!(&*body, b"third time");
    assert_eq!(server.count(), 3);
    assert_eq!(fetcher.stats().retries, 2);
}

#[test]
fn not_found_is_not_retried() {
    let server = Server::start(|_, _| Reply::status(404));
    let fetcher = Fetcher::new(loopback(), None);
    let url = server.url("/missing");
    let e = fetcher.get(&url, Kind::Crl, &always).unwrap_err();
    assert_eq!(e, FetchError::Http { url, status: 404 });
    assert_eq!(server.count(), 1);
    assert_eq!(fetcher.stats().retries, 0);
}

#[test]
fn a_failed_url_is_not_requested_again() {
    let server = Server::start(|_, _| Reply::status(503));
    let fetcher = Fetcher::new(
        FetchConfig {
            retries: 1,
            ..loopback()
        },
        None,
    );
    let url = server.url("/down");
    let first = fetcher.get(&url, Kind::Crl, &always).unwrap_err();
    assert!(matches!(first, FetchError::Http { status: 503, .. }));
    assert_eq!(server.count(), 2);
    let again = fetcher.get(&url, Kind::Crl, &always).unwrap_err();
    assert_eq!(
        again,
        FetchError::NegativeCached {
            url: url.clone(),
            first: Box::new(first)
        }
    );
    assert!(again.to_string().contains(&url));
    assert_eq!(server.count(), 2);
    let stats = fetcher.stats();
    assert_eq!((stats.failures, stats.negative_hits), (1, 1));
}

#[test]
fn a_server_that_never_answers_times_out() {
    let server = Server::start(|_, _| Reply {
        hang: true,
        ..Reply::ok(b"")
    });
    let fetcher = Fetcher::new(
        FetchConfig {
            total_timeout: Duration::from_millis(700),
            ..loopback()
        },
        None,
    );
    let url = server.url("/slow");
    let start = Instant::now();
    let e = fetcher.get(&url, Kind::Ocsp, &always).unwrap_err();
    assert_eq!(e, FetchError::Timeout { url });
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    // Timeouts are not retried.
    assert_eq!(server.count(), 1);
}

#[test]
fn a_declared_length_over_the_cap_is_refused_unread() {
    let server = Server::start(|_, _| Reply::ok(&[7u8; 100 << 10]));
    let fetcher = Fetcher::new(loopback(), None);
    let url = server.url("/big.cer");
    let e = fetcher.get(&url, Kind::Certificate, &always).unwrap_err();
    assert_eq!(
        e,
        FetchError::TooLarge {
            url,
            limit: 64 << 10
        }
    );
    assert_eq!(fetcher.stats().bytes, 0);
}

#[test]
fn a_streamed_body_over_the_cap_is_cut_while_reading() {
    let streamed = 256u64 << 20;
    let server = Server::start(move |_, _| Reply {
        stream: streamed,
        ..Reply::ok(b"")
    });
    let fetcher = Fetcher::new(
        FetchConfig {
            max_crl_bytes: 1 << 20,
            ..loopback()
        },
        None,
    );
    let url = server.url("/huge.crl");
    let e = fetcher.get(&url, Kind::Crl, &always).unwrap_err();
    assert_eq!(
        e,
        FetchError::TooLarge {
            url,
            limit: 1 << 20
        }
    );
    assert_eq!(fetcher.stats().bytes, (1 << 20) + 1);
    std::thread::sleep(Duration::from_millis(200));
    let sent = server.sent.load(Ordering::SeqCst);
    assert!(sent < streamed / 4, "the server sent {sent} bytes");
}

#[test]
fn a_redirect_to_a_refused_loopback_address_is_refused() {
    let server = Server::start(|_, _| Reply::redirect("http://127.0.0.2/internal".into()));
    let fetcher = Fetcher::new(loopback(), None);
    let url = server.url("/r");
    let e = fetcher.get(&url, Kind::Crl, &always).unwrap_err();
    assert!(
        matches!(
            &e,
            FetchError::Refused {
                why: RefusalKind::Address {
                    range: AddressRange::Loopback,
                    ..
                },
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(server.count(), 1);
    assert_eq!(fetcher.stats().refused, 1);
}

#[test]
fn a_redirect_to_ldap_is_refused() {
    let server = Server::start(|_, _| Reply::redirect("ldap://ldap.example/cn=CA".into()));
    let fetcher = Fetcher::new(loopback(), None);
    let e = fetcher
        .get(&server.url("/r"), Kind::Crl, &always)
        .unwrap_err();
    assert!(
        matches!(&e, FetchError::Refused { why: RefusalKind::Scheme { scheme }, .. } if scheme == "ldap"),
        "{e:?}"
    );
}

#[test]
fn redirects_are_followed_and_bounded() {
    let server = Arc::new(Mutex::new(0u16));
    let port = Arc::clone(&server);
    let srv = Server::start(move |req, _| {
        let port = *port.lock().unwrap();
        match req.path.as_str() {
            "/final" => Reply::ok(b"arrived"),
            "/one" => Reply::redirect("/final".into()),
            p => {
                let n: u32 = p.trim_start_matches("/loop").parse().unwrap_or(0);
                Reply::redirect(format!("http://127.0.0.1:{port}/loop{}", n + 1))
            }
        }
    });
    *server.lock().unwrap() = srv.port;
    let fetcher = Fetcher::new(
        FetchConfig {
            max_redirects: 3,
            ..loopback()
        },
        None,
    );
    let body = fetcher.get(&srv.url("/one"), Kind::Crl, &always).unwrap();
    assert_eq!(&*body, b"arrived");
    assert_eq!(srv.count(), 2);
    let url = srv.url("/loop0");
    let e = fetcher.get(&url, Kind::Crl, &always).unwrap_err();
    assert_eq!(e, FetchError::Redirects { url });
    assert_eq!(srv.count(), 2 + 4);
}

#[test]
fn ldap_and_other_schemes_are_unsupported() {
    let fetcher = Fetcher::new(loopback(), None);
    for (url, scheme) in [
        ("ldap:///CN=CA,O=Example?certificateRevocationList", "ldap"),
        ("LDAPS://ldap.example/cn=x", "ldaps"),
        ("ftp://ftp.example/ca.crl", "ftp"),
        ("file:///etc/passwd", "file"),
    ] {
        let e = fetcher.get(url, Kind::Crl, &always).unwrap_err();
        assert_eq!(
            e,
            FetchError::Unsupported {
                url: url.into(),
                scheme: scheme.into()
            }
        );
        assert!(e.to_string().contains(url));
    }
    assert_eq!(fetcher.stats().requests, 0);
}

#[test]
fn credentials_in_the_url_are_refused() {
    let server = Server::start(|_, _| Reply::ok(b"x"));
    let fetcher = Fetcher::new(loopback(), None);
    let url = format!("http://user:secret@127.0.0.1:{}/ca.crl", server.port);
    let e = fetcher.get(&url, Kind::Crl, &always).unwrap_err();
    assert_eq!(
        e,
        FetchError::Refused {
            url,
            why: RefusalKind::Credentials
        }
    );
    assert_eq!(server.count(), 0);
}

/// `url` is refused without `--fetch-allow`, as an address of `range`, before any traffic.
fn refused_by_default(url: &str, range: AddressRange) {
    let fetcher = Fetcher::new(FetchConfig::default(), None);
    let e = fetcher.get(url, Kind::Crl, &always).unwrap_err();
    match &e {
        FetchError::Refused {
            url: u,
            why: RefusalKind::Address { range: r, .. },
        } => {
            assert_eq!((u.as_str(), *r), (url, range));
        }
        e => panic!("{url}: {e:?}"),
    }
    let stats = fetcher.stats();
    assert_eq!((stats.requests, stats.refused), (0, 1));
    assert!(matches!(
        fetcher.log()[0].outcome,
        Outcome::Failed(FetchError::Refused { .. })
    ));
}

#[test]
fn cloud_metadata_address_is_refused() {
    refused_by_default(
        "http://169.254.169.254/latest/meta-data/",
        AddressRange::LinkLocal,
    );
}

#[test]
fn private_ten_address_is_refused() {
    refused_by_default("http://10.1.2.3/ca.crl", AddressRange::Private);
}

#[test]
fn loopback_127_address_is_refused() {
    let server = Server::start(|_, _| Reply::ok(b"x"));
    refused_by_default(&server.url("/ca.crl"), AddressRange::Loopback);
    assert_eq!(server.count(), 0);
}

#[test]
fn ipv6_loopback_address_is_refused() {
    refused_by_default("http://[::1]:8080/ca.crl", AddressRange::Loopback);
}

#[test]
fn ipv6_unique_local_address_is_refused() {
    refused_by_default("http://[fd00::1]/ca.crl", AddressRange::UniqueLocal);
}

#[test]
fn ipv4_mapped_loopback_address_is_refused() {
    refused_by_default("http://[::ffff:127.0.0.1]/ca.crl", AddressRange::Loopback);
}

#[test]
fn cgnat_address_is_refused() {
    refused_by_default("http://100.64.0.1/ca.crl", AddressRange::SharedAddressSpace);
}

#[test]
fn a_host_name_resolving_to_loopback_is_refused() {
    let server = Server::start(|_, _| Reply::ok(b"x"));
    refused_by_default(
        &format!("http://localhost:{}/ca.crl", server.port),
        AddressRange::Loopback,
    );
    assert_eq!(server.count(), 0);
}

#[test]
fn loopback_is_reached_with_a_matching_allow_rule() {
    let server = Server::start(|_, _| Reply::ok(b"allowed"));
    for rule in ["127.0.0.1", "127.0.0.0/8", "::ffff:127.0.0.1"] {
        let config = FetchConfig {
            allow: vec![AllowRule::parse(rule).unwrap()],
            ..FetchConfig::default()
        };
        let body = Fetcher::new(config, None)
            .get(&server.url("/ok"), Kind::Crl, &always)
            .unwrap_or_else(|e| panic!("{rule}: {e}"));
        assert_eq!(&*body, b"allowed");
    }
    // A rule for another block does not allow it.
    let config = FetchConfig {
        allow: vec![AllowRule::parse("10.0.0.0/8").unwrap()],
        ..FetchConfig::default()
    };
    let e = Fetcher::new(config, None)
        .get(&server.url("/ok"), Kind::Crl, &always)
        .unwrap_err();
    assert!(matches!(e, FetchError::Refused { .. }));
}

#[test]
fn localhost_is_reached_with_a_host_rule() {
    let server = Server::start(|_, _| Reply::ok(b"by name"));
    let config = FetchConfig {
        allow: vec![AllowRule::parse("localhost").unwrap()],
        ..loopback()
    };
    let url = format!("http://localhost:{}/ok", server.port);
    let body = Fetcher::new(config, None)
        .get(&url, Kind::Crl, &always)
        .unwrap();
    assert_eq!(&*body, b"by name");
}

#[test]
fn ipv6_loopback_is_reached_with_a_matching_allow_rule() {
    let Some(server) = Server::start_on("[::1]:0", |_, _| Reply::ok(b"v6")) else {
        eprintln!("SKIPPED: no IPv6 loopback on this machine");
        return;
    };
    let url = format!("http://[::1]:{}/ok", server.port);
    let config = FetchConfig {
        allow: vec![AllowRule::parse("::1/128").unwrap()],
        ..loopback()
    };
    let body = Fetcher::new(config, None)
        .get(&url, Kind::Crl, &always)
        .unwrap();
    assert_eq!(&*body, b"v6");
}

#[test]
fn a_second_fetcher_reads_the_store_while_fresh() {
    let server = Server::start(|_, n| Reply::ok(format!("CRL {n}").as_bytes()));
    let dir = tempfile::tempdir().unwrap();
    let url = server.url("/ca.crl");
    {
        let store = Arc::new(Store::open(dir.path()).unwrap());
        let fetcher = Fetcher::new(loopback(), Some(store));
        assert_eq!(&*fetcher.get(&url, Kind::Crl, &always).unwrap(), b"CRL 0");
    }
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let fresh = Fetcher::new(loopback(), Some(store.clone()));
    assert_eq!(&*fresh.get(&url, Kind::Crl, &always).unwrap(), b"CRL 0");
    assert_eq!(server.count(), 1);
    assert_eq!(fresh.stats().store_hits, 1);
    assert_eq!(fresh.log()[0].outcome, Outcome::Stored);

    let stale = Fetcher::new(loopback(), Some(store.clone()));
    let body = stale.get(&url, Kind::Crl, &|b| b != b"CRL 0").unwrap();
    assert_eq!(&*body, b"CRL 1");
    assert_eq!(server.count(), 2);
    // The newer body replaced the stored one.
    assert_eq!(
        store
            .get(&sigaudit::internals::store::StoreKey::Url {
                kind: Kind::Crl,
                url
            })
            .as_deref(),
        Some(&b"CRL 1"[..])
    );
}

#[test]
fn ocsp_uses_get_for_short_requests_and_post_for_long_ones() {
    let server = Server::start(|_, _| Reply::ok(b"response"));
    let url = server.url("/ocsp");
    let request = OcspRequest::new(b"issuer name", b"issuer key", &[0x42], None);
    let get = Fetcher::new(loopback(), None);
    assert_eq!(&*get.ocsp(&url, &request, &always).unwrap(), b"response");
    // Another request for the same certificate (another nonce) is answered from memory.
    let with_nonce = OcspRequest::new(b"issuer name", b"issuer key", &[0x42], Some([1; 16]));
    assert_eq!(with_nonce.cert_id(), request.cert_id());
    get.ocsp(&url, &with_nonce, &always).unwrap();
    assert_eq!(server.count(), 1);

    let post = Fetcher::new(
        FetchConfig {
            ocsp_get_max: 0,
            ..loopback()
        },
        None,
    );
    post.ocsp(&url, &request, &always).unwrap();
    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(seen[0].method, "GET");
    assert!(seen[0].path.starts_with("/ocsp/M"), "{}", seen[0].path);
    assert_eq!(seen[1].method, "POST");
    assert_eq!(seen[1].path, "/ocsp");
    assert_eq!(seen[1].body, request.der());
}

fn openssl(dir: &Path, args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// An issuer and a leaf made with OpenSSL in `dir` (ca.pem, leaf.pem), or `None` when OpenSSL
/// is missing.
fn openssl_pair(dir: &Path) -> Option<()> {
    let steps: [&[&str]; 3] = [
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=Fetch Test CA/O=sigaudit",
            "-days",
            "30",
        ],
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=Leaf",
        ],
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-out",
            "leaf.pem",
            "-days",
            "30",
            "-set_serial",
            "0x9f0102030405060708",
        ],
    ];
    steps.iter().all(|s| openssl(dir, s)).then_some(())
}

#[test]
fn ocsp_request_matches_openssl() {
    let dir = tempfile::tempdir().unwrap();
    if openssl_pair(dir.path()).is_none() {
        eprintln!("SKIPPED: openssl is not installed");
        return;
    }
    assert!(openssl(
        dir.path(),
        &[
            "ocsp",
            "-issuer",
            "ca.pem",
            "-cert",
            "leaf.pem",
            "-no_nonce",
            "-reqout",
            "req.der"
        ]
    ));
    let oracle = std::fs::read(dir.path().join("req.der")).unwrap();
    let pem = |f: &str| {
        let text = std::fs::read(dir.path().join(f)).unwrap();
        certificates_from(&text).unwrap().remove(0)
    };
    let (ca_der, leaf_der) = (pem("ca.pem"), pem("leaf.pem"));
    let (_, ca) = x509_parser::parse_x509_certificate(&ca_der).unwrap();
    let (_, leaf) = x509_parser::parse_x509_certificate(&leaf_der).unwrap();
    let request = OcspRequest::new(
        ca.tbs_certificate.subject.as_raw(),
        &ca.public_key().subject_public_key.data,
        leaf.raw_serial(),
        None,
    );
    assert_eq!(request.der(), &oracle[..]);
    assert!(oracle
        .windows(request.cert_id().len())
        .any(|w| w == request.cert_id()));
}

#[test]
fn certificates_from_der_pem_and_pkcs7() {
    let dir = tempfile::tempdir().unwrap();
    if openssl_pair(dir.path()).is_none() {
        eprintln!("SKIPPED: openssl is not installed");
        return;
    }
    let p = dir.path();
    assert!(openssl(
        p,
        &["x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der"]
    ));
    assert!(openssl(
        p,
        &["x509", "-in", "leaf.pem", "-outform", "DER", "-out", "leaf.der"]
    ));
    let p7 = |form: &str, out: &str| {
        openssl(
            p,
            &[
                "crl2pkcs7",
                "-nocrl",
                "-certfile",
                "ca.pem",
                "-certfile",
                "leaf.pem",
                "-outform",
                form,
                "-out",
                out,
            ],
        )
    };
    assert!(p7("DER", "chain.p7b") && p7("PEM", "chain.p7c"));
    let read = |f: &str| std::fs::read(p.join(f)).unwrap();
    let (ca, leaf) = (read("ca.der"), read("leaf.der"));
    assert_eq!(certificates_from(&ca).unwrap(), vec![ca.clone()]);
    assert_eq!(
        certificates_from(&read("leaf.pem")).unwrap(),
        vec![leaf.clone()]
    );
    let both = [read("ca.pem"), read("leaf.pem")].concat();
    assert_eq!(
        certificates_from(&both).unwrap(),
        vec![ca.clone(), leaf.clone()]
    );
    let chain = certificates_from(&read("chain.p7b")).unwrap();
    assert_eq!(chain.len(), 2);
    assert!(chain.contains(&ca) && chain.contains(&leaf));
    assert_eq!(certificates_from(&read("chain.p7c")).unwrap(), chain);
    let e = certificates_from(b"not a certificate").unwrap_err();
    assert!(matches!(&e, FetchError::Malformed { .. }));
    assert!(e
        .at("http://x/ca.cer")
        .to_string()
        .contains("http://x/ca.cer"));
}
