//! Why a fetch failed or was refused.

use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

/// The special-purpose address ranges the fetcher refuses by default (RFC 6890 and the IANA
/// special-purpose registries): none of them is a CA's public web server, and each can reach
/// something an untrusted document must not (the host itself, the internal network, a cloud
/// metadata service).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum AddressRange {
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918).
    Private,
    /// 169.254.0.0/16 (cloud metadata services live at 169.254.169.254), fe80::/10.
    LinkLocal,
    /// 100.64.0.0/10, carrier-grade NAT (RFC 6598).
    SharedAddressSpace,
    /// fc00::/7 (RFC 4193), and the deprecated site-local fec0::/10.
    UniqueLocal,
    /// 224.0.0.0/4, ff00::/8.
    Multicast,
    /// 0.0.0.0/8, ::.
    Unspecified,
    /// 255.255.255.255.
    Broadcast,
    /// 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32.
    Documentation,
    /// Other reserved ranges: 192.0.0.0/24, 198.18.0.0/15, 240.0.0.0/4, 100::/64, ::/96.
    Reserved,
}

/// Why a URL was refused by policy (no request was made).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum RefusalKind {
    /// The URL carries credentials (`user:password@`): never sent anywhere.
    Credentials,
    /// A redirect to a scheme other than http and https.
    Scheme {
        /// The scheme.
        scheme: String,
    },
    /// The host is, or resolves only to, a special-purpose address that no `--fetch-allow`
    /// rule allows.
    Address {
        /// The first refused address.
        addr: IpAddr,
        /// Its range.
        range: AddressRange,
    },
}

impl fmt::Display for RefusalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefusalKind::Credentials => f.write_str("credentials in the URL"),
            RefusalKind::Scheme { scheme } => write!(f, "redirect to a {scheme}: URL"),
            RefusalKind::Address { addr, range } => write!(
                f,
                "{addr} is a {range:?} address (allow it with --fetch-allow)"
            ),
        }
    }
}

/// Why a fetch gave no bytes. Every variant names the URL.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchError {
    /// Refused by policy before any request.
    Refused {
        /// The URL.
        url: String,
        /// Why.
        why: RefusalKind,
    },
    /// A scheme the fetcher does not speak (`ldap:`, `ftp:`, `file:`, …).
    Unsupported {
        /// The URL.
        url: String,
        /// Its scheme, lower case.
        scheme: String,
    },
    /// No answer within the connect or total timeout.
    Timeout {
        /// The URL.
        url: String,
    },
    /// The server answered with a status other than 2xx (or a redirect without a location).
    Http {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The body exceeds the cap for its kind.
    TooLarge {
        /// The URL.
        url: String,
        /// The cap, in bytes.
        limit: u64,
    },
    /// The connection failed (refused, reset, TLS, DNS).
    Io {
        /// The URL.
        url: String,
        /// What failed.
        message: String,
    },
    /// The URL, or the body, is not what it should be.
    Malformed {
        /// The URL (or the text given as one).
        url: String,
        /// What is wrong.
        what: String,
    },
    /// The URL failed earlier in this run and is not requested again.
    NegativeCached {
        /// The URL.
        url: String,
        /// The first failure.
        first: Box<FetchError>,
    },
    /// More redirects than the configured maximum.
    Redirects {
        /// The URL first requested.
        url: String,
    },
    /// Another process sharing the cache directory fetched the URL while this one waited for
    /// it, and failed: the URL is not requested again in this run.
    PeerFailed {
        /// The URL.
        url: String,
        /// The peer's error, as it wrote it.
        message: String,
    },
    /// A `--fetch-allow` rule that is not a host name, an address or a CIDR block.
    BadAllowRule {
        /// The rule as given.
        rule: String,
        /// What is wrong.
        why: &'static str,
    },
}

impl FetchError {
    /// The URL the error is about (the rule, for [`FetchError::BadAllowRule`]).
    pub fn url(&self) -> &str {
        match self {
            FetchError::Refused { url, .. }
            | FetchError::Unsupported { url, .. }
            | FetchError::Timeout { url }
            | FetchError::Http { url, .. }
            | FetchError::TooLarge { url, .. }
            | FetchError::Io { url, .. }
            | FetchError::Malformed { url, .. }
            | FetchError::NegativeCached { url, .. }
            | FetchError::Redirects { url }
            | FetchError::PeerFailed { url, .. } => url,
            FetchError::BadAllowRule { rule, .. } => rule,
        }
    }

    /// Whether another attempt may succeed: 5xx statuses and connection failures (not 4xx,
    /// not policy, not timeouts — a responder that let a whole timeout pass is not retried, so
    /// that one URL costs at most one timeout).
    pub(super) fn retryable(&self) -> bool {
        match self {
            FetchError::Http { status, .. } => *status >= 500,
            FetchError::Io { .. } => true,
            _ => false,
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Refused { url, why } => write!(f, "{url}: refused: {why}"),
            FetchError::Unsupported { url, scheme } => {
                write!(
                    f,
                    "{url}: {scheme}: URLs are not fetched (http and https only)"
                )
            }
            FetchError::Timeout { url } => write!(f, "{url}: timed out"),
            FetchError::Http { url, status } => write!(f, "{url}: HTTP status {status}"),
            FetchError::TooLarge { url, limit } => {
                write!(f, "{url}: body larger than {limit} bytes")
            }
            FetchError::Io { url, message } => write!(f, "{url}: {message}"),
            FetchError::Malformed { url, what } => write!(f, "{url}: {what}"),
            FetchError::NegativeCached { url, first } => {
                write!(f, "{url}: failed earlier in this run ({first})")
            }
            FetchError::Redirects { url } => write!(f, "{url}: too many redirects"),
            FetchError::PeerFailed { url, message } => write!(
                f,
                "{url}: failed in another process sharing the cache while this one waited \
                 ({message})"
            ),
            FetchError::BadAllowRule { rule, why } => {
                write!(f, "--fetch-allow {rule:?}: {why}")
            }
        }
    }
}

impl std::error::Error for FetchError {}
