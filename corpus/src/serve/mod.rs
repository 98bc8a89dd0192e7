//! `sigaudit-corpus serve DIR`: a loopback HTTP/1.1 server for a generated corpus' revocation
//! and certificate URLs, with fault injection, for testing verifiers that fetch online.
//!
//! ```text
//! sigaudit-corpus serve DIR --listen 127.0.0.1:PORT [--latency MS] [--fail PCT]
//!     [--fault timeout|truncated|garbage|wrong-issuer|stale-crl|http-500] [--log FILE]
//!     [--for SECONDS]
//! ```
//!
//! - `GET`/`HEAD /{path}`: the file `DIR/pki/www/{path}` (the mirror, [`crate::mirror`]):
//!   `crls/{ca}.crl`, `certs/{ca}.cer`, …
//! - `POST /ocsp/{ca}` with an `application/ocsp-request` body, or `GET /ocsp/{ca}/{request}`
//!   with the URL-encoded base64 DER request (RFC 6960, Appendix A.1): an
//!   `application/ocsp-response` from CA `{ca}` ([`responder`]).
//!
//! Paths are taken under the corpus' base URL (`DIR/params.json`): with a base URL
//! `http://127.0.0.1:8080/pki/` the CRL `crls/root.crl` is `/pki/crls/root.crl`. The
//! certificates' URLs carry the base URL's port, so a test generates with
//! `--base-url http://127.0.0.1:PORT/` and serves on that port.
//!
//! The server only binds loopback addresses, prints `listening on http://ADDR/` (the real
//! port when asked for port 0) on standard output, answers each connection on its own thread
//! (one request per connection, `Connection: close`) and exits by itself after `--for`
//! seconds (600 by default).
//!
//! Faults: `--latency MS` delays every answer; `--fail PCT` answers that share of requests
//! with a 500, deterministically (request `n`, counted from 1 in arrival order, fails when
//! `⌊n·PCT/100⌋ > ⌊(n−1)·PCT/100⌋`: 50 fails every second request, 100 all); `--fault` applies
//! to every other request: see [`Fault`]. `--log FILE` gets one line per request:
//! `METHOD PATH STATUS BYTES` (`-` for the status of a request never answered; BYTES are the
//! body bytes sent).

pub mod http;
pub mod responder;

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use clap::ValueEnum;
use rand::{RngCore, SeedableRng};

use crate::mirror::OCSP_PREFIX;
use http::{Request, Response};
use responder::Responder;

/// A fault the server injects into every request that `--fail` leaves alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Fault {
    /// Read the request, then never answer: the connection stays open, silent, until the
    /// client closes it (gives up) or the server stops.
    Timeout,
    /// Announce the whole body in `Content-Length`, send half of it, close.
    Truncated,
    /// Answer 200 with pseudo-random bytes (as long as the real body, at least 64) instead.
    Garbage,
    /// Sign OCSP responses with another CA's key (and carry that CA's certificate); other
    /// requests are answered normally.
    WrongIssuer,
    /// Serve each CRL re-issued with thisUpdate 2026-01-01 and nextUpdate 2026-02-01, months
    /// before the corpus' validation time (2026-07-01); other requests are answered normally.
    StaleCrl,
    /// Answer 500 to every request.
    #[value(name = "http-500")]
    Http500,
}

/// How to serve.
#[derive(Clone, Debug)]
pub struct Options {
    /// The corpus directory (its `pki/www` and `params.json`).
    pub dir: PathBuf,
    /// Where to listen: a loopback address and port (port 0: any free port).
    pub listen: String,
    /// Delay before every answer.
    pub latency: Duration,
    /// Percentage of requests answered with a 500.
    pub fail_percent: u8,
    /// The injected fault, if any.
    pub fault: Option<Fault>,
    /// Where to log one line per request.
    pub log: Option<PathBuf>,
    /// How long to serve before exiting.
    pub duration: Duration,
}

/// What every connection's thread shares.
struct Shared {
    www: PathBuf,
    /// The base URL's path (`/` or e.g. `/pki/`).
    prefix: String,
    responder: Responder,
    options: Options,
    requests: AtomicU64,
    log: Option<Mutex<File>>,
    deadline: Instant,
}

/// Resolves `listen` and refuses any address that is not loopback.
pub fn loopback_address(listen: &str) -> Result<SocketAddr> {
    let addrs: Vec<SocketAddr> = listen
        .to_socket_addrs()
        .with_context(|| format!("bad listen address {listen:?}"))?
        .collect();
    match addrs.iter().find(|a| !a.ip().is_loopback()) {
        Some(a) => bail!("refusing to listen on {a}: only loopback addresses are served"),
        None => addrs
            .first()
            .copied()
            .with_context(|| format!("{listen:?} resolves to nothing")),
    }
}

/// The path of the corpus' base URL (from `params.json`; `/` without one).
fn base_path(dir: &Path) -> Result<String> {
    let Ok(text) = std::fs::read_to_string(dir.join("params.json")) else {
        return Ok("/".to_string());
    };
    let params: crate::Params = serde_json::from_str(&text).context("params.json")?;
    let after_scheme = params
        .base_url
        .split_once("://")
        .map_or(params.base_url.as_str(), |(_, r)| r);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    Ok(if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    })
}

/// Serves until `options.duration` has passed; `ready` is called with the bound address
/// before the first connection is accepted.
pub fn run(options: Options, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    let addr = loopback_address(&options.listen)?;
    let www = options.dir.join("pki").join("www");
    anyhow::ensure!(www.is_dir(), "{} is not a directory", www.display());
    let responder = Responder::load(&www)?;
    let log = match &options.log {
        Some(path) => Some(Mutex::new(
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => None,
    };
    let listener = TcpListener::bind(addr).with_context(|| format!("binding {addr}"))?;
    listener.set_nonblocking(true)?;
    let shared = Arc::new(Shared {
        www,
        prefix: base_path(&options.dir)?,
        responder,
        deadline: Instant::now() + options.duration,
        options,
        requests: AtomicU64::new(0),
        log,
    });
    ready(listener.local_addr()?);
    while Instant::now() < shared.deadline {
        match listener.accept() {
            Ok((stream, _)) => {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || {
                    // A connection that fails (the client went away) ends quietly.
                    let _ = connection(&shared, stream);
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e).context("accepting a connection"),
        }
    }
    Ok(())
}

/// Whether request `n` (from 1) is one of the `percent` share that fails.
fn fails(n: u64, percent: u8) -> bool {
    let p = u64::from(percent.min(100));
    n * p / 100 > (n - 1) * p / 100
}

fn connection(shared: &Shared, mut stream: TcpStream) -> Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let request = match http::read_request(&mut stream) {
        Ok(r) => r,
        Err(e) => {
            let response = Response::text(400, &format!("{e:#}"));
            http::write_response(&mut stream, &response, response.body.len(), usize::MAX)?;
            return Ok(());
        }
    };
    let n = shared.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let options = &shared.options;
    std::thread::sleep(options.latency);
    let fault = options.fault;
    if fault == Some(Fault::Timeout) && !fails(n, options.fail_percent) {
        shared.log_line(&request, None, 0);
        return hold(shared, stream);
    }
    let mut response = if fails(n, options.fail_percent) || fault == Some(Fault::Http500) {
        Response::text(500, "injected failure")
    } else {
        route(shared, &request)
    };
    if fault == Some(Fault::Garbage) && response.status == 200 {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(n);
        let mut body = vec![0u8; response.body.len().max(64)];
        rng.fill_bytes(&mut body);
        response.body = body;
    }
    let declared = response.body.len();
    let mut send = match fault {
        Some(Fault::Truncated) => declared / 2,
        _ => declared,
    };
    if request.method == "HEAD" {
        send = 0;
    }
    let sent = http::write_response(&mut stream, &response, declared, send)?;
    shared.log_line(&request, Some(response.status), sent);
    Ok(())
}

/// The `timeout` fault: keeps the connection open and silent until the client closes it or
/// the server's time is up.
fn hold(shared: &Shared, mut stream: TcpStream) -> Result<()> {
    stream.set_read_timeout(Some(Duration::from_millis(200)))?;
    let mut sink = [0u8; 1024];
    while Instant::now() < shared.deadline {
        match stream.read(&mut sink) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
    Ok(())
}

impl Shared {
    fn log_line(&self, request: &Request, status: Option<u16>, bytes: usize) {
        if let Some(log) = &self.log {
            let status = status.map_or_else(|| "-".to_string(), |s| s.to_string());
            let line = format!("{} {} {status} {bytes}\n", request.method, request.path);
            if let Ok(mut file) = log.lock() {
                let _ = file.write_all(line.as_bytes());
            }
        }
    }
}

/// The answer to a request, before faults that change its bytes on the wire.
fn route(shared: &Shared, request: &Request) -> Response {
    let Some(path) = request.path.strip_prefix(&shared.prefix) else {
        return Response::text(404, "outside the base URL");
    };
    if let Some(rest) = path.strip_prefix(OCSP_PREFIX) {
        return ocsp(shared, request, rest);
    }
    if request.method != "GET" && request.method != "HEAD" {
        return Response::text(405, "GET or HEAD only");
    }
    let Some(relative) = http::percent_decode(path)
        .and_then(|p| String::from_utf8(p).ok())
        .filter(|p| safe(p))
    else {
        return Response::text(400, "bad path");
    };
    if shared.options.fault == Some(Fault::StaleCrl) {
        let stem = relative
            .strip_prefix(crate::mirror::CRL_PREFIX)
            .and_then(|f| f.strip_suffix(".crl"));
        if let Some(Ok(Some(crl))) = stem.map(|s| shared.responder.stale_crl(s)) {
            return file_response(&relative, crl);
        }
    }
    match std::fs::read(shared.www.join(&relative)) {
        Ok(body) => file_response(&relative, body),
        Err(_) => Response::text(404, "no such file"),
    }
}

/// A relative path of plain names only (no `..`, no root, no empty segment).
fn safe(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\\')
        && !path.split('/').any(str::is_empty)
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

fn file_response(path: &str, body: Vec<u8>) -> Response {
    let content_type = match path.rsplit('.').next() {
        Some("crl") => "application/pkix-crl",
        Some("cer") => "application/pkix-cert",
        Some("p7c") => "application/pkcs7-mime",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    Response {
        status: 200,
        content_type,
        body,
    }
}

/// `POST /ocsp/{ca}` or `GET /ocsp/{ca}/{base64 request}`; `rest` is what follows `ocsp/`.
fn ocsp(shared: &Shared, request: &Request, rest: &str) -> Response {
    let (stem, encoded) = rest.split_once('/').unwrap_or((rest, ""));
    let der = match request.method.as_str() {
        "POST" => {
            if request
                .content_type
                .as_deref()
                .is_some_and(|t| t != "application/ocsp-request")
            {
                return Response::text(415, "application/ocsp-request expected");
            }
            request.body.clone()
        }
        "GET" | "HEAD" => {
            match http::percent_decode(encoded).and_then(|b64| http::base64_decode(&b64)) {
                Some(der) if !der.is_empty() => der,
                _ => return Response::text(400, "bad base64 OCSP request"),
            }
        }
        _ => return Response::text(405, "POST or GET only"),
    };
    let wrong_issuer = shared.options.fault == Some(Fault::WrongIssuer);
    match shared.responder.answer(stem, &der, wrong_issuer) {
        Ok(body) => Response {
            status: 200,
            content_type: "application/ocsp-response",
            body,
        },
        Err(e) => Response::text(500, &format!("{e:#}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_requests_are_spread_evenly() {
        let picked = |p| (1..=20).filter(|&n| fails(n, p)).collect::<Vec<_>>();
        assert!(picked(0).is_empty());
        assert_eq!(picked(100).len(), 20);
        assert_eq!(picked(50), vec![2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
        assert_eq!(picked(25), vec![4, 8, 12, 16, 20]);
    }

    #[test]
    fn only_loopback_is_served() {
        assert!(loopback_address("127.0.0.1:0").is_ok());
        assert!(loopback_address("[::1]:0").is_ok());
        assert!(loopback_address("0.0.0.0:0").is_err());
        assert!(loopback_address("192.0.2.1:80").is_err());
    }

    #[test]
    fn paths_stay_inside_the_mirror() {
        assert!(safe("crls/root.crl"));
        for bad in [
            "",
            "../x",
            "crls/../../x",
            "/etc/passwd",
            "a//b",
            "a\\b",
            "./x",
        ] {
            assert!(!safe(bad), "{bad}");
        }
    }
}
