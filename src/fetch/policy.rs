//! Where the fetcher may connect. URLs come from certificates inside untrusted documents, so
//! by default only public addresses are reached: the host is resolved by the fetcher's own
//! resolver (the one the HTTP client connects with, so the address checked is the address
//! connected to — DNS rebinding cannot swap it), every special-purpose address is dropped
//! unless a `--fetch-allow` rule allows it, and redirect targets go through the same resolver.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use super::error::{AddressRange, FetchError, RefusalKind};

/// A `--fetch-allow` rule: a host name, or an address block, reachable although it is not
/// public.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowRule {
    /// A host name, lower case without a trailing dot; matches that name exactly (every
    /// address it resolves to is then allowed).
    Host(String),
    /// An address block; matches resolved addresses (and IP literals) inside it.
    Net {
        /// The block's address, host bits cleared.
        addr: IpAddr,
        /// The prefix length.
        prefix: u8,
    },
}

impl AllowRule {
    /// Parses `localhost`, `example.org`, `127.0.0.1`, `[::1]`, `10.0.0.0/8`, `::1/128`.
    pub fn parse(s: &str) -> Result<AllowRule, FetchError> {
        let bad = |why| FetchError::BadAllowRule {
            rule: s.to_owned(),
            why,
        };
        let t = s.trim();
        let (addr, prefix) = match t.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (t, None),
        };
        let bare = addr.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            let ip = canonical(ip);
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let prefix =
                match prefix {
                    None => max,
                    Some(p) => p.parse::<u8>().ok().filter(|&p| p <= max).ok_or_else(|| {
                        bad("the prefix length is not a number within the address")
                    })?,
                };
            return Ok(AllowRule::Net {
                addr: mask(ip, prefix),
                prefix,
            });
        }
        if prefix.is_some() {
            return Err(bad(
                "a prefix length follows something that is not an address",
            ));
        }
        let host = t.trim_end_matches('.').to_ascii_lowercase();
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        // 253: the longest DNS name in text form (RFC 1035, 2.3.4).
        if host.is_empty() || host.len() > 253 || !host.split('.').all(label_ok) {
            return Err(bad("neither a host name nor an address"));
        }
        Ok(AllowRule::Host(host))
    }

    fn allows_addr(&self, ip: IpAddr) -> bool {
        match self {
            AllowRule::Net { addr, prefix } => {
                addr.is_ipv4() == ip.is_ipv4() && mask(ip, *prefix) == *addr
            }
            AllowRule::Host(_) => false,
        }
    }
}

/// `ip` with its host bits (past `prefix`) cleared.
fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v) => {
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(v) & m))
        }
        IpAddr::V6(v) => {
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v) & m))
        }
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v) => v.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The special-purpose range `ip` is in, or `None` for a public address.
pub fn special(ip: IpAddr) -> Option<AddressRange> {
    match canonical(ip) {
        IpAddr::V4(v) => special_v4(v),
        IpAddr::V6(v) => special_v6(v),
    }
}

fn special_v4(v: Ipv4Addr) -> Option<AddressRange> {
    use AddressRange::*;
    let [a, b, c, _] = v.octets();
    Some(match (a, b, c) {
        (127, ..) => Loopback,
        (10, ..) | (172, 16..=31, _) | (192, 168, _) => Private,
        (169, 254, _) => LinkLocal,
        (100, 64..=127, _) => SharedAddressSpace,
        (0, ..) => Unspecified,
        _ if v.is_broadcast() => Broadcast,
        (224..=239, ..) => Multicast,
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Documentation,
        (192, 0, 0) | (198, 18..=19, _) | (240..=255, ..) => Reserved,
        _ => return None,
    })
}

fn special_v6(v: Ipv6Addr) -> Option<AddressRange> {
    use AddressRange::*;
    let s = v.segments();
    // Forms that embed an IPv4 address are judged by it: NAT64 (64:ff9b::/96) and 6to4
    // (2002::/16) reach the IPv4 address they carry.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return special_v4(Ipv4Addr::from(u128::from(v) as u32));
    }
    if s[0] == 0x2002 {
        return special_v4(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    Some(match s {
        _ if v.is_loopback() => Loopback,
        _ if v.is_unspecified() => Unspecified,
        [0, 0, 0, 0, 0, 0, _, _] | [0x100, 0, 0, 0, ..] => Reserved,
        [x, ..] if x & 0xfe00 == 0xfc00 => UniqueLocal,
        [x, ..] if x & 0xffc0 == 0xfec0 => UniqueLocal,
        [x, ..] if x & 0xffc0 == 0xfe80 => LinkLocal,
        [x, ..] if x & 0xff00 == 0xff00 => Multicast,
        [0x2001, 0xdb8, ..] => Documentation,
        _ => return None,
    })
}

/// The allow rules, and the checks made on every URL and address.
#[derive(Debug)]
pub struct Policy {
    rules: Vec<AllowRule>,
}

impl Policy {
    /// A policy allowing, beyond public addresses, what `rules` match.
    pub fn new(rules: Vec<AllowRule>) -> Policy {
        Policy { rules }
    }

    fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.rules
            .iter()
            .any(|r| matches!(r, AllowRule::Host(h) if *h == host))
    }

    /// Why `ip`, reached as `host`, is refused; `None` when it may be connected to.
    pub fn refuse(&self, host: &str, ip: IpAddr) -> Option<RefusalKind> {
        let range = special(ip)?;
        let ip = canonical(ip);
        if self.allows_host(host) || self.rules.iter().any(|r| r.allows_addr(ip)) {
            return None;
        }
        Some(RefusalKind::Address { addr: ip, range })
    }

    /// Checks `url` before any request: scheme, credentials, an IP literal's address.
    /// Returns the parsed URI.
    pub fn check_url(&self, url: &str) -> Result<Uri, FetchError> {
        let scheme = scheme_of(url).ok_or_else(|| FetchError::Malformed {
            url: url.to_owned(),
            what: "not an absolute URL".into(),
        })?;
        if scheme != "http" && scheme != "https" {
            return Err(FetchError::Unsupported {
                url: url.to_owned(),
                scheme,
            });
        }
        let uri: Uri = url.parse().map_err(|e| FetchError::Malformed {
            url: url.to_owned(),
            what: format!("URL: {e}"),
        })?;
        let authority = uri.authority().ok_or_else(|| FetchError::Malformed {
            url: url.to_owned(),
            what: "no host".into(),
        })?;
        if authority.as_str().contains('@') {
            return Err(FetchError::Refused {
                url: url.to_owned(),
                why: RefusalKind::Credentials,
            });
        }
        let host = bare_host(authority.host());
        if let Ok(ip) = host.parse::<IpAddr>() {
            if let Some(why) = self.refuse(host, ip) {
                return Err(FetchError::Refused {
                    url: url.to_owned(),
                    why,
                });
            }
        }
        Ok(uri)
    }
}

/// An authority's host without the brackets of an IPv6 literal.
fn bare_host(host: &str) -> &str {
    host.trim_start_matches('[').trim_end_matches(']')
}

/// The scheme of an absolute URL, lower case (RFC 3986, 3.1).
pub fn scheme_of(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (first_ok && rest_ok).then(|| scheme.to_ascii_lowercase())
}

/// The resolver the HTTP client connects with: the system's (through ureq's default, which
/// bounds the lookup by the connect timeout), then every address the policy refuses dropped.
/// When none is left, the lookup fails with a [`Refusal`] inside an I/O error, which the
/// fetcher turns back into [`FetchError::Refused`].
#[derive(Debug)]
pub struct CheckedResolver {
    pub policy: Arc<Policy>,
    inner: DefaultResolver,
}

impl CheckedResolver {
    /// A resolver applying `policy`.
    pub fn new(policy: Arc<Policy>) -> CheckedResolver {
        CheckedResolver {
            policy,
            inner: DefaultResolver::default(),
        }
    }
}

/// The payload of the I/O error a refused lookup returns.
#[derive(Debug)]
pub struct Refusal(pub RefusalKind);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Refusal {}

impl Resolver for CheckedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let found = self.inner.resolve(uri, config, timeout)?;
        let host = bare_host(uri.host().unwrap_or_default());
        let mut kept = self.empty();
        let mut first_refusal = None;
        for addr in found.iter() {
            match self.policy.refuse(host, addr.ip()) {
                None => kept.push(SocketAddr::new(addr.ip(), addr.port())),
                Some(why) => {
                    first_refusal.get_or_insert(why);
                }
            }
        }
        match first_refusal {
            Some(why) if kept.is_empty() => Err(ureq::Error::Io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                Refusal(why),
            ))),
            _ => Ok(kept),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(s: &str) -> Option<AddressRange> {
        special(s.parse().unwrap())
    }

    #[test]
    fn special_ranges() {
        use AddressRange::*;
        assert_eq!(range("127.0.0.1"), Some(Loopback));
        assert_eq!(range("10.1.2.3"), Some(Private));
        assert_eq!(range("172.31.0.1"), Some(Private));
        assert_eq!(range("172.32.0.1"), None);
        assert_eq!(range("192.168.1.1"), Some(Private));
        assert_eq!(range("169.254.169.254"), Some(LinkLocal));
        assert_eq!(range("100.64.0.1"), Some(SharedAddressSpace));
        assert_eq!(range("100.128.0.1"), None);
        assert_eq!(range("0.0.0.0"), Some(Unspecified));
        assert_eq!(range("255.255.255.255"), Some(Broadcast));
        assert_eq!(range("239.1.1.1"), Some(Multicast));
        assert_eq!(range("8.8.8.8"), None);
        assert_eq!(range("::1"), Some(Loopback));
        assert_eq!(range("::"), Some(Unspecified));
        assert_eq!(range("fd00::1"), Some(UniqueLocal));
        assert_eq!(range("fe80::1"), Some(LinkLocal));
        assert_eq!(range("ff02::1"), Some(Multicast));
        assert_eq!(range("::ffff:127.0.0.1"), Some(Loopback));
        assert_eq!(range("::ffff:169.254.169.254"), Some(LinkLocal));
        assert_eq!(range("64:ff9b::a00:1"), Some(Private));
        assert_eq!(range("2002:7f00:1::"), Some(Loopback));
        assert_eq!(range("2001:db8::1"), Some(Documentation));
        assert_eq!(range("2a00:1450::1"), None);
    }

    #[test]
    fn rules() {
        assert_eq!(
            AllowRule::parse("10.1.2.3/8").unwrap(),
            AllowRule::Net {
                addr: "10.0.0.0".parse().unwrap(),
                prefix: 8
            }
        );
        assert_eq!(
            AllowRule::parse("[::1]").unwrap(),
            AllowRule::Net {
                addr: "::1".parse().unwrap(),
                prefix: 128
            }
        );
        assert_eq!(
            AllowRule::parse("Example.ORG.").unwrap(),
            AllowRule::Host("example.org".into())
        );
        assert!(AllowRule::parse("10.0.0.0/33").is_err());
        assert!(AllowRule::parse("host/8").is_err());
        assert!(AllowRule::parse("a b").is_err());
        assert!(AllowRule::parse("").is_err());
        let p = Policy::new(vec![AllowRule::parse("10.0.0.0/8").unwrap()]);
        assert!(p.refuse("x", "10.9.9.9".parse().unwrap()).is_none());
        assert!(p.refuse("x", "::ffff:10.9.9.9".parse().unwrap()).is_none());
        assert!(p.refuse("x", "11.0.0.1".parse().unwrap()).is_none());
        assert!(p.refuse("x", "192.168.0.1".parse().unwrap()).is_some());
        let all = Policy::new(vec![AllowRule::parse("0.0.0.0/0").unwrap()]);
        assert!(all.refuse("x", "127.0.0.1".parse().unwrap()).is_none());
    }

    #[test]
    fn schemes() {
        assert_eq!(scheme_of("HTTP://x").as_deref(), Some("http"));
        assert_eq!(scheme_of("ldap:///cn=x").as_deref(), Some("ldap"));
        assert_eq!(scheme_of("/relative"), None);
        assert_eq!(scheme_of("1x:y"), None);
    }
}
