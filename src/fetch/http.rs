//! One URL's request: the HTTP client (ureq with the checked resolver), redirects followed by
//! hand so that each target is checked and counted, the size cap enforced while reading, and
//! bounded retries with exponential backoff.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ureq::http::Uri;
use ureq::unversioned::transport::DefaultConnector;

use super::error::{FetchError, RefusalKind};
use super::flight::HostLimits;
use super::policy::{scheme_of, CheckedResolver, Policy, Refusal};
use super::FetchConfig;

/// Counters the requests update (read by `Fetcher::stats`).
#[derive(Default)]
pub(super) struct Counters {
    pub requests: AtomicU64,
    pub bytes: AtomicU64,
    pub retries: AtomicU64,
    pub wait_nanos: AtomicU64,
}

/// How a request is sent.
#[derive(Clone, Copy)]
pub(super) enum Method<'a> {
    Get,
    /// POST of `body` with its media type.
    Post(&'a [u8], &'static str),
}

/// What one exchange gave: a body, or where to go next.
enum Hop {
    Body(Vec<u8>),
    /// The location, and whether the method is kept (307 and 308).
    Redirect(String, bool),
}

/// The HTTP client, shared by every fetch of a [`super::Fetcher`].
pub(super) struct Client {
    agent: ureq::Agent,
    policy: Arc<Policy>,
    config: FetchConfig,
    hosts: HostLimits,
    pub counters: Counters,
}

/// The User-Agent sent: names the tool, so that a CA's operators know who fetches.
const USER_AGENT: &str = concat!("sigaudit/", env!("CARGO_PKG_VERSION"));

impl Client {
    /// A client for `config`.
    pub fn new(config: &FetchConfig) -> Client {
        let policy = Arc::new(Policy::new(config.allow.clone()));
        let agent_config = ureq::Agent::config_builder()
            // Statuses and redirects are handled here: every status comes back as a response,
            // and no redirect is followed by ureq (each target must pass the policy first).
            .http_status_as_error(false)
            .max_redirects(0)
            // No proxy from the environment: the policy checks the address connected to, and a
            // proxy would make that the proxy's.
            .proxy(None)
            .user_agent(USER_AGENT)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_resolve(Some(config.connect_timeout))
            .timeout_global(Some(config.total_timeout))
            .max_idle_connections_per_host(config.per_host.max(1))
            .build();
        let resolver = CheckedResolver::new(policy.clone());
        Client {
            agent: ureq::Agent::with_parts(agent_config, DefaultConnector::new(), resolver),
            policy,
            config: config.clone(),
            hosts: HostLimits::new(config.per_host.max(1)),
            counters: Counters::default(),
        }
    }

    /// Whether `url` passes the policy's URL checks (no request).
    pub fn check(&self, url: &str) -> Result<(), FetchError> {
        self.policy.check_url(url).map(|_| ())
    }

    /// The body at `url`, at most `cap` bytes, retried on 5xx and connection failures with
    /// exponential backoff (`config.backoff`, doubling, at most [`MAX_BACKOFF`]).
    pub fn fetch(&self, url: &str, method: Method<'_>, cap: u64) -> Result<Vec<u8>, FetchError> {
        let mut attempt = 0;
        loop {
            let result = self.follow(url, method, cap);
            match result {
                Err(e) if e.retryable() && attempt < self.config.retries => {
                    let pause = self
                        .config
                        .backoff
                        .saturating_mul(1 << attempt.min(16))
                        .min(MAX_BACKOFF);
                    std::thread::sleep(pause);
                    attempt += 1;
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                }
                other => return other,
            }
        }
    }

    /// One attempt: the request and its redirects, each target checked.
    fn follow(&self, url: &str, method: Method<'_>, cap: u64) -> Result<Vec<u8>, FetchError> {
        let mut current = url.to_owned();
        let mut method = method;
        for _ in 0..=self.config.max_redirects {
            let uri = self.policy.check_url(&current).map_err(|e| match e {
                // A redirect to ldap: or file: is refused as a redirect, naming the first URL.
                FetchError::Unsupported { scheme, .. } if current != url => FetchError::Refused {
                    url: url.to_owned(),
                    why: RefusalKind::Scheme { scheme },
                },
                e => e,
            })?;
            match self.exchange(&current, &uri, method, cap)? {
                Hop::Body(body) => return Ok(body),
                Hop::Redirect(location, keep_method) => {
                    current = resolve_reference(&uri, &location);
                    if !keep_method {
                        // 301, 302 and 303 turn a POST into a GET (RFC 9110, 15.4).
                        method = Method::Get;
                    }
                }
            }
        }
        Err(FetchError::Redirects {
            url: url.to_owned(),
        })
    }

    /// One request and its response, under the host's concurrency limit.
    fn exchange(
        &self,
        url: &str,
        uri: &Uri,
        method: Method<'_>,
        cap: u64,
    ) -> Result<Hop, FetchError> {
        let host = uri.host().unwrap_or_default().to_ascii_lowercase();
        let _permit = self.hosts.acquire(&host);
        let start = Instant::now();
        let sent = match method {
            Method::Get => self.agent.get(uri).call(),
            Method::Post(body, media) => self
                .agent
                .post(uri)
                .header("Content-Type", media)
                .send(body),
        };
        let result = sent
            .map_err(|e| map_error(url, e))
            .and_then(|response| self.response(url, response, cap));
        let elapsed = start.elapsed().as_nanos().min(u128::from(u64::MAX)) as u64;
        self.counters
            .wait_nanos
            .fetch_add(elapsed, Ordering::Relaxed);
        if !matches!(result, Err(FetchError::Refused { .. })) {
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    /// Reads a response: the body (within `cap`), a redirect, or a status error.
    fn response(
        &self,
        url: &str,
        mut response: ureq::http::Response<ureq::Body>,
        cap: u64,
    ) -> Result<Hop, FetchError> {
        let status = response.status().as_u16();
        if (300..400).contains(&status) && status != 304 {
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            return match location {
                Some(l) => Ok(Hop::Redirect(l, matches!(status, 307 | 308))),
                None => Err(FetchError::Http {
                    url: url.to_owned(),
                    status,
                }),
            };
        }
        if !(200..300).contains(&status) {
            return Err(FetchError::Http {
                url: url.to_owned(),
                status,
            });
        }
        let too_large = || FetchError::TooLarge {
            url: url.to_owned(),
            limit: cap,
        };
        if response.body().content_length().is_some_and(|n| n > cap) {
            return Err(too_large());
        }
        // Never more than cap + 1 bytes are read: the extra byte tells a body of exactly the
        // cap from a longer one.
        let mut body = Vec::new();
        let reader = response.body_mut().with_config().reader();
        let read = reader.take(cap.saturating_add(1)).read_to_end(&mut body);
        self.counters
            .bytes
            .fetch_add(body.len() as u64, Ordering::Relaxed);
        read.map_err(|e| map_io(url, e))?;
        if body.len() as u64 > cap {
            return Err(too_large());
        }
        Ok(Hop::Body(body))
    }
}

/// The longest pause between two attempts: a server that is down for longer is not waited
/// for (the URL then fails, and is not requested again in this run).
pub(super) const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// `location` (absolute, scheme-relative, absolute-path or relative) against `base`.
fn resolve_reference(base: &Uri, location: &str) -> String {
    let location = location.trim();
    if scheme_of(location).is_some() {
        return location.to_owned();
    }
    let scheme = base.scheme_str().unwrap_or("http");
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{scheme}://{rest}");
    }
    let authority = base.authority().map_or("", |a| a.as_str());
    if location.starts_with('/') {
        return format!("{scheme}://{authority}{location}");
    }
    let path = base.path();
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    let dir = if dir.is_empty() { "/" } else { dir };
    format!("{scheme}://{authority}{dir}{location}")
}

/// ureq's error as a [`FetchError`] about `url`.
fn map_error(url: &str, e: ureq::Error) -> FetchError {
    match e {
        ureq::Error::Timeout(_) => FetchError::Timeout {
            url: url.to_owned(),
        },
        ureq::Error::Io(io) => map_io(url, io),
        ureq::Error::BodyExceedsLimit(limit) => FetchError::TooLarge {
            url: url.to_owned(),
            limit,
        },
        ureq::Error::StatusCode(status) => FetchError::Http {
            url: url.to_owned(),
            status,
        },
        ureq::Error::BadUri(what) => FetchError::Malformed {
            url: url.to_owned(),
            what,
        },
        e => FetchError::Io {
            url: url.to_owned(),
            message: e.to_string(),
        },
    }
}

/// An I/O error (from the resolver, the connection or the body) as a [`FetchError`].
fn map_io(url: &str, io: std::io::Error) -> FetchError {
    if let Some(Refusal(why)) = io.get_ref().and_then(|e| e.downcast_ref::<Refusal>()) {
        return FetchError::Refused {
            url: url.to_owned(),
            why: why.clone(),
        };
    }
    if matches!(
        io.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    ) {
        return FetchError::Timeout {
            url: url.to_owned(),
        };
    }
    let message = io.to_string();
    match io.into_inner().map(|e| e.downcast::<ureq::Error>()) {
        Some(Ok(inner)) => map_error(url, *inner),
        _ => FetchError::Io {
            url: url.to_owned(),
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let base: Uri = "http://a.example/x/y.crl".parse().unwrap();
        assert_eq!(resolve_reference(&base, "https://b/z"), "https://b/z");
        assert_eq!(resolve_reference(&base, "//c/d"), "http://c/d");
        assert_eq!(resolve_reference(&base, "/e"), "http://a.example/e");
        assert_eq!(resolve_reference(&base, "f"), "http://a.example/x/f");
    }
}
