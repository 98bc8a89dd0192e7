//! Online fetching of what documents do not carry: issuer certificates (AIA caIssuers), CRLs
//! (CRL distribution points) and OCSP responses, over HTTP(S). Depends on `store` (the
//! persistent cache it consults), `asn1`, `cache` and `pki` (fingerprints).
//!
//! The URLs come from certificates inside untrusted documents, so every fetch is guarded:
//! http and https only, no credentials, public addresses only unless `--fetch-allow` says
//! otherwise (checked on the address actually connected to, and on every redirect target),
//! bounded redirects, size caps enforced while reading, timeouts. Shared by every worker of a
//! run, the [`Fetcher`] makes one request per URL however many documents need it at once
//! (single flight), at most [`FetchConfig::per_host`] at a time per host, never requests a URL
//! that failed again in the same run (negative cache), and remembers what it fetched — in
//! memory, bounded in bytes, and in the [`Store`] when there is one.
//!
//! Nothing here reads the clock to judge freshness: the caller's `accept` decides whether
//! bytes already held (in memory or in the store) are still usable at its validation time.
//!
//! # One request per cluster
//!
//! Processes sharing a store (the shards of one audit, on one machine or many, with one cache
//! directory) coordinate too: after a store miss, the leader of a URL's in-process flight
//! takes the key's lock in the cache directory ([`Store::flight`]; what the lock guarantees,
//! and where it does not — NFS, SMB — is in the store's documentation), looks in the store
//! again, and fetches only if no peer stored an acceptable body meanwhile; the body is
//! stored before the lock is let go. A waiter polls the lock for at most
//! [`FetchConfig::flight_wait`] (the longest a peer's fetch can take) and then fetches
//! without it; a file system that refuses locks is not asked again in the run. Neither
//! fails a fetch. A peer's failure made while this process waited is shared like an
//! in-process flight's: the URL is not requested again ([`FetchError::PeerFailed`]).
//! [`FetchStats`] counts the waits, the bodies peers fetched, the failures they shared, the
//! waits that ran out and the fetches made without a lock.

mod certs;
mod error;
mod flight;
mod http;
mod ocsp;
mod policy;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cache::{Bounded, CacheStats, SLOT};
use crate::pki::cert::{fingerprint, Fingerprint};
use crate::store::{Flight, PeerFetch, Store, StoreKey};

pub use crate::store::Kind;
pub use certs::certificates_from;
pub use error::{AddressRange, FetchError, RefusalKind};
pub use ocsp::OcspRequest;
pub use policy::{special, AllowRule};

use flight::Flights;
use http::{Client, Method};

/// How the fetcher behaves. `Default` gives production values.
#[derive(Clone, Debug)]
pub struct FetchConfig {
    /// Hosts and address blocks reachable beyond public addresses (`--fetch-allow`).
    pub allow: Vec<AllowRule>,
    /// Longest wait to resolve a host and connect to it.
    pub connect_timeout: Duration,
    /// Longest wait for one request, from resolving to the body's last byte.
    pub total_timeout: Duration,
    /// Further attempts after a 5xx status or a connection failure (never after a 4xx, a
    /// refusal or a timeout).
    pub retries: u32,
    /// Pause before the first retry, doubling for each further one.
    pub backoff: Duration,
    /// Requests to one host at a time.
    pub per_host: usize,
    /// Redirects followed for one URL.
    pub max_redirects: u32,
    /// Size cap for CRLs.
    pub max_crl_bytes: u64,
    /// Size cap for certificate bodies.
    pub max_cert_bytes: u64,
    /// Size cap for OCSP responses.
    pub max_ocsp_bytes: u64,
    /// Whether OCSP requests carry a nonce (most responders serve cached, pre-signed
    /// responses, which a nonce defeats).
    pub ocsp_nonce: bool,
    /// The longest GET URL for an OCSP request; longer requests are POSTed.
    pub ocsp_get_max: usize,
    /// Bytes of successful bodies remembered in memory (beyond, the least useful are evicted
    /// and fetched or read from the store again).
    pub memory_bytes: u64,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            allow: Vec::new(),
            // 10 s to connect: a responder farther than that is down; resolution is bounded
            // by the same figure.
            connect_timeout: Duration::from_secs(10),
            // 120 s for a whole request: a 256 MiB national CRL over a slow link (about
            // 2 MiB/s) fits, while a server trickling bytes cannot hold a worker for longer.
            total_timeout: Duration::from_secs(120),
            // Two retries: a transient 503 or reset usually clears on the first; more only
            // delays a run when a CA's server is really down.
            retries: 2,
            backoff: Duration::from_millis(500),
            // 4 at a time per host: the documents of one CA all point to the same few
            // servers, which must not see an audit as a flood.
            per_host: 4,
            // 5 redirects: CAs use one or two (http → https, a CDN); more is a loop.
            max_redirects: 5,
            // 256 MiB: the largest national CRLs (millions of entries) are tens of MiB.
            max_crl_bytes: 256 << 20,
            // 64 KiB: a certificate is 1–3 KiB, a .p7b of a chain a few more.
            max_cert_bytes: 64 << 10,
            // 1 MiB: a response is a few KiB, with its responder's chain at most tens.
            max_ocsp_bytes: 1 << 20,
            ocsp_nonce: false,
            // RFC 6960, A.1: GET for requests whose encoding is at most 255 bytes.
            ocsp_get_max: 255,
            // 512 MiB: two of the largest CRLs and every certificate and response of a run.
            memory_bytes: 512 << 20,
        }
    }
}

impl FetchConfig {
    /// The size cap for `kind`.
    pub fn cap(&self, kind: Kind) -> u64 {
        match kind {
            Kind::Certificate => self.max_cert_bytes,
            Kind::Crl => self.max_crl_bytes,
            Kind::Ocsp => self.max_ocsp_bytes,
        }
    }

    /// How long a fetch waits for a peer process that holds the URL's lock in the store
    /// before fetching without it: the longest the peer's own fetch can take — every attempt
    /// a whole [`FetchConfig::total_timeout`], with the pauses between them — plus a second.
    /// A peer holding the lock for longer is stuck (a client of a shared file system that
    /// lost its lease, a stopped process); waiting on would stall the run.
    pub fn flight_wait(&self) -> Duration {
        let attempts = self.retries.saturating_add(1);
        let pauses: Duration = (0..self.retries.min(16))
            .map(|a| self.backoff.saturating_mul(1 << a).min(http::MAX_BACKOFF))
            .sum();
        self.total_timeout
            .saturating_mul(attempts)
            .saturating_add(pauses)
            .saturating_add(Duration::from_secs(1))
    }
}

/// What the fetcher did this run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchStats {
    /// HTTP requests sent (each retry and redirect counted).
    pub requests: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// URLs that failed (after retries).
    pub failures: u64,
    /// URLs refused by policy.
    pub refused: u64,
    /// Retries.
    pub retries: u64,
    /// Answers from the persistent store.
    pub store_hits: u64,
    /// Answers from memory.
    pub memory_hits: u64,
    /// Answers from the negative cache (a URL that failed earlier).
    pub negative_hits: u64,
    /// Sum of the requests' durations.
    pub wait: Duration,
    /// Calls that joined another thread's request for the same URL.
    pub joins: u64,
    /// Fetches that found the URL's lock in the store held by a peer process and waited.
    pub lock_waits: u64,
    /// Answers from the store found after taking the URL's lock: bodies a peer process
    /// fetched and stored meanwhile (also counted in `store_hits`).
    pub peer_fetched: u64,
    /// Failures of a peer process's fetch of the URL made while this one waited, taken as
    /// this process's own (also counted in `failures`).
    pub peer_failed: u64,
    /// Waits for a peer's lock that ran out ([`FetchConfig::flight_wait`]): fetched anyway.
    pub lock_timeouts: u64,
    /// Fetches made without the store's lock: the cache's file system refused it.
    pub unlocked: u64,
    /// Fetch log records dropped beyond [`LOG_LIMIT`].
    pub log_dropped: u64,
    /// The memory cache.
    pub memory: CacheStats,
}

/// Where an answer came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// Memory: fetched or read from the store earlier in this run.
    Memory,
    /// The store, as it was before this fetch.
    Store,
    /// The store, put there by a peer process while this one waited for the URL's lock.
    Peer,
    /// The network.
    Network,
    /// Another thread's request for the same URL, joined.
    Joined,
}

/// How a logged URL fared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Fetched over the network.
    Fetched,
    /// Read from the persistent store.
    Stored,
    /// Refused by policy, or failed.
    Failed(FetchError),
}

/// One URL fetched, read from the store, refused or failed this run: for the evidence index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchRecord {
    /// The URL (for OCSP, the responder's).
    pub url: String,
    /// What it was fetched for.
    pub kind: Kind,
    /// How it fared.
    pub outcome: Outcome,
    /// The body's length (0 on failure).
    pub bytes: u64,
    /// SHA-256 of the body (on success).
    pub sha256: Option<Fingerprint>,
}

/// Records kept by [`Fetcher::log`]: enough for every issuer, CRL and responder of a national
/// sweep; a hostile archive could name millions of distinct URLs, and those past the limit
/// are only counted.
pub const LOG_LIMIT: usize = 100_000;

/// The key of a fetch in memory, in flight and in the negative cache.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key(StoreKey);

/// Entries the negative cache keeps: failures are small, but one per distinct URL of a
/// hostile archive must not grow without bound; a forgotten failure is only tried again.
const NEGATIVE_ENTRIES: u64 = 100_000;

/// A fetched body with its SHA-256, computed once where the body lands (fetched or read from
/// the store), so that no caller hashes a large CRL again per signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    /// The bytes.
    pub bytes: Arc<[u8]>,
    /// Their SHA-256.
    pub sha256: Fingerprint,
}

impl Body {
    fn new(bytes: Arc<[u8]>) -> Body {
        let sha256 = fingerprint(&bytes);
        Body { bytes, sha256 }
    }
}

impl std::ops::Deref for Body {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

/// Fetches issuers, CRLs and OCSP responses. `Send + Sync`: one per run, shared by workers.
pub struct Fetcher {
    config: FetchConfig,
    client: Client,
    store: Option<Arc<Store>>,
    memory: Bounded<Key, Body>,
    negative: Bounded<Key, FetchError>,
    flights: Flights<Key>,
    failures: AtomicU64,
    refused: AtomicU64,
    store_hits: AtomicU64,
    memory_hits: AtomicU64,
    negative_hits: AtomicU64,
    joins: AtomicU64,
    lock_waits: AtomicU64,
    peer_fetched: AtomicU64,
    peer_failed: AtomicU64,
    lock_timeouts: AtomicU64,
    unlocked: AtomicU64,
    log: Mutex<Vec<FetchRecord>>,
    log_dropped: AtomicU64,
}

impl Fetcher {
    /// A fetcher with `config`, consulting and filling `store` when given.
    pub fn new(config: FetchConfig, store: Option<Arc<Store>>) -> Self {
        let weigh = |k: &Key, v: &Body| weigh_key(k) + v.len() as u64 + 32;
        Fetcher {
            client: Client::new(&config),
            memory: Bounded::new(config.memory_bytes, 64 << 10, weigh),
            negative: Bounded::new(NEGATIVE_ENTRIES, 1, |_, _| 1),
            config,
            store,
            flights: Flights::new(),
            failures: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            store_hits: AtomicU64::new(0),
            memory_hits: AtomicU64::new(0),
            negative_hits: AtomicU64::new(0),
            joins: AtomicU64::new(0),
            lock_waits: AtomicU64::new(0),
            peer_fetched: AtomicU64::new(0),
            peer_failed: AtomicU64::new(0),
            lock_timeouts: AtomicU64::new(0),
            unlocked: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
            log_dropped: AtomicU64::new(0),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// The bytes at `url` (http and https only). When memory holds bytes for `url` (fetched
    /// in this run), or the store holds bytes `accept` takes, no request is made; otherwise
    /// the URL is fetched (once, however many threads — and, with a store, processes — ask at
    /// the same moment) unless it already failed in this run.
    pub fn get(
        &self,
        url: &str,
        kind: Kind,
        accept: &dyn Fn(&[u8]) -> bool,
    ) -> Result<Body, FetchError> {
        self.get_traced(url, kind, accept).map(|(body, _)| body)
    }

    /// [`Fetcher::get`], saying where the answer came from.
    pub(crate) fn get_traced(
        &self,
        url: &str,
        kind: Kind,
        accept: &dyn Fn(&[u8]) -> bool,
    ) -> Result<(Body, Source), FetchError> {
        let key = Key(StoreKey::Url {
            kind,
            url: url.to_owned(),
        });
        self.fetch(key, accept, || {
            self.client.fetch(url, Method::Get, self.config.cap(kind))
        })
    }

    /// An OCSP response to `request` from the responder at `url`: GET when the encoded request
    /// fits [`FetchConfig::ocsp_get_max`], POST otherwise. Remembered by (url, CertID), never
    /// by nonce; `accept` as for [`Fetcher::get`].
    pub fn ocsp(
        &self,
        url: &str,
        request: &OcspRequest,
        accept: &dyn Fn(&[u8]) -> bool,
    ) -> Result<Body, FetchError> {
        let key = Key(StoreKey::Ocsp {
            url: url.to_owned(),
            cert_id: request.cert_id().to_vec(),
        });
        let cap = self.config.max_ocsp_bytes;
        let fetched = self.fetch(key, accept, || {
            self.client.check(url)?;
            let get_url = request.get_url(url);
            if get_url.len() <= self.config.ocsp_get_max {
                self.client.fetch(&get_url, Method::Get, cap)
            } else {
                let post = Method::Post(request.der(), "application/ocsp-request");
                self.client.fetch(url, post, cap)
            }
            // Errors name the responder, not the GET URL that embeds the request.
            .map_err(|e| e.at(url))
        });
        fetched.map(|(body, _)| body)
    }

    /// Memory, then the store, then the negative cache, then the network (single flight, in
    /// the process and, with a store, across the processes sharing it).
    fn fetch(
        &self,
        key: Key,
        accept: &dyn Fn(&[u8]) -> bool,
        request: impl FnOnce() -> Result<Vec<u8>, FetchError>,
    ) -> Result<(Body, Source), FetchError> {
        // A body already in memory was fetched in this run or taken from the store with
        // `accept`: fetching it again now would bring the same bytes (a CRL that does not
        // suit the validation time is not made suitable by asking again), so memory is
        // final for the run — otherwise every document would repeat the request.
        if let Some(body) = self.memory.get(&key) {
            self.memory_hits.fetch_add(1, Ordering::Relaxed);
            return Ok((body, Source::Memory));
        }
        if let Some(body) = self.stored(&key, accept) {
            return Ok((body, Source::Store));
        }
        if let Some(first) = self.negative.get(&key) {
            self.negative_hits.fetch_add(1, Ordering::Relaxed);
            return Err(FetchError::NegativeCached {
                url: key.0.url().to_owned(),
                first: Box::new(first),
            });
        }
        let mut source = Source::Network;
        let (outcome, joined) = self.flights.run(key.clone(), key.0.url(), || {
            let (outcome, from) = self.lead(&key, accept, request);
            source = from;
            outcome
        });
        if joined {
            self.joins.fetch_add(1, Ordering::Relaxed);
            source = Source::Joined;
        }
        outcome.map(|body| (body, source))
    }

    /// The leader's fetch of `key`: under the key's lock in the store when there is one (see
    /// the module documentation), a peer's answer taken when one arrived while waiting.
    fn lead(
        &self,
        key: &Key,
        accept: &dyn Fn(&[u8]) -> bool,
        request: impl FnOnce() -> Result<Vec<u8>, FetchError>,
    ) -> (Result<Body, FetchError>, Source) {
        // A URL the policy refuses makes no request: no lock for it either (a hostile
        // document's thousand `ldap:` URLs must not become a thousand lock files).
        let checked = self.client.check(key.0.url());
        let lock = match (&self.store, checked) {
            (Some(store), Ok(())) => match store.flight(&key.0, self.config.flight_wait()) {
                Flight::Held { lock, waited, peer } => {
                    if waited {
                        self.lock_waits.fetch_add(1, Ordering::Relaxed);
                    }
                    if let Some(body) = self.stored(key, accept) {
                        self.peer_fetched.fetch_add(1, Ordering::Relaxed);
                        return (Ok(body), Source::Peer);
                    }
                    if let PeerFetch::Failed(message) = peer {
                        self.peer_failed.fetch_add(1, Ordering::Relaxed);
                        let failed = Err(FetchError::PeerFailed {
                            url: key.0.url().to_owned(),
                            message,
                        });
                        self.landed(key, &failed);
                        return (failed, Source::Peer);
                    }
                    Some(lock)
                }
                Flight::TimedOut => {
                    self.lock_timeouts.fetch_add(1, Ordering::Relaxed);
                    None
                }
                Flight::Unavailable(_) => {
                    self.unlocked.fetch_add(1, Ordering::Relaxed);
                    None
                }
            },
            _ => None,
        };
        let outcome = request().map(|b| Body::new(Arc::from(b)));
        // Stored (in `landed`) before the lock is let go: a waiting peer finds it.
        self.landed(key, &outcome);
        if let Some(lock) = lock {
            match &outcome {
                Ok(_) => lock.release(Ok(())),
                // A refusal depends on this process's --fetch-allow, not on the server: not
                // shared with peers that may allow more.
                Err(FetchError::Refused { .. }) => drop(lock),
                Err(e) => lock.release(Err(&e.to_string())),
            }
        }
        (outcome, Source::Network)
    }

    fn stored(&self, key: &Key, accept: &dyn Fn(&[u8]) -> bool) -> Option<Body> {
        let body = self.store.as_ref()?.get(&key.0).filter(|b| accept(b))?;
        let body = Body::new(body);
        self.store_hits.fetch_add(1, Ordering::Relaxed);
        self.memory.insert(key.clone(), body.clone());
        self.record(key, Outcome::Stored, Some(&body));
        Some(body)
    }

    /// Remembers a request's outcome: the body in memory and the store, a failure in the
    /// negative cache; logs it.
    fn landed(&self, key: &Key, outcome: &Result<Body, FetchError>) {
        match outcome {
            Ok(body) => {
                self.memory.insert(key.clone(), body.clone());
                if let Some(store) = &self.store {
                    store.put(&key.0, body);
                }
                self.record(key, Outcome::Fetched, Some(body));
            }
            Err(e) => {
                let counter = match e {
                    FetchError::Refused { .. } => &self.refused,
                    _ => &self.failures,
                };
                counter.fetch_add(1, Ordering::Relaxed);
                self.negative.insert(key.clone(), e.clone());
                self.record(key, Outcome::Failed(e.clone()), None);
            }
        }
    }

    fn record(&self, key: &Key, outcome: Outcome, body: Option<&Body>) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if log.len() >= LOG_LIMIT {
            self.log_dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        log.push(FetchRecord {
            url: key.0.url().to_owned(),
            kind: key.0.kind(),
            outcome,
            bytes: body.map_or(0, |b| b.len() as u64),
            sha256: body.map(|b| b.sha256),
        });
    }

    /// Counters so far.
    pub fn stats(&self) -> FetchStats {
        let c = &self.client.counters;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        FetchStats {
            requests: load(&c.requests),
            bytes: load(&c.bytes),
            failures: load(&self.failures),
            refused: load(&self.refused),
            retries: load(&c.retries),
            store_hits: load(&self.store_hits),
            memory_hits: load(&self.memory_hits),
            negative_hits: load(&self.negative_hits),
            wait: Duration::from_nanos(load(&c.wait_nanos)),
            joins: load(&self.joins),
            lock_waits: load(&self.lock_waits),
            peer_fetched: load(&self.peer_fetched),
            peer_failed: load(&self.peer_failed),
            lock_timeouts: load(&self.lock_timeouts),
            unlocked: load(&self.unlocked),
            log_dropped: load(&self.log_dropped),
            memory: self.memory.stats(),
        }
    }

    /// Every URL fetched, read from the store, refused or failed this run, in order (at most
    /// [`LOG_LIMIT`]; [`FetchStats::log_dropped`] counts the rest).
    pub fn log(&self) -> Vec<FetchRecord> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Estimated bytes of a key in memory.
fn weigh_key(k: &Key) -> u64 {
    let heap = match &k.0 {
        StoreKey::Url { url, .. } => url.len(),
        StoreKey::Ocsp { url, cert_id } => url.len() + cert_id.len(),
    };
    (std::mem::size_of::<Key>() + heap) as u64 + SLOT
}

impl FetchError {
    /// This error about `url` instead: for [`certificates_from`]'s errors (which know no
    /// URL) and for OCSP GET errors (named by the responder, not the request-bearing URL).
    pub fn at(self, url: &str) -> FetchError {
        let url = url.to_owned();
        match self {
            FetchError::Refused { why, .. } => FetchError::Refused { url, why },
            FetchError::Unsupported { scheme, .. } => FetchError::Unsupported { url, scheme },
            FetchError::Timeout { .. } => FetchError::Timeout { url },
            FetchError::Http { status, .. } => FetchError::Http { url, status },
            FetchError::TooLarge { limit, .. } => FetchError::TooLarge { url, limit },
            FetchError::Io { message, .. } => FetchError::Io { url, message },
            FetchError::Malformed { what, .. } => FetchError::Malformed { url, what },
            FetchError::NegativeCached { first, .. } => FetchError::NegativeCached { url, first },
            FetchError::Redirects { .. } => FetchError::Redirects { url },
            FetchError::PeerFailed { message, .. } => FetchError::PeerFailed { url, message },
            e @ FetchError::BadAllowRule { .. } => e,
        }
    }
}
