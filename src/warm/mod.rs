//! `sigaudit cache warm DIR INPUT…`: fills the persistent fetch cache before the shards of an
//! audit start, so that none of them waits on a CA's server. Depends on `input`, `pdf`, `cms`
//! and `pki` (to read what the documents carry, without verifying anything), `fetch` and
//! `store` (to fetch through the run's own [`Fetcher`], with its address policy, caps and
//! timeouts, into the store) and `revocation` (a CRL's times).
//!
//! The documents are read as `verify` reads them (the same inputs: files, directories, tar
//! and zip archives, `-` for a list): every signature's CMS certificates, those of its
//! signature timestamp token, the `/Cert` of `adbe.x509.rsa_sha1` signatures and the DSS's.
//! Then, once each:
//!
//! 1. the caIssuers URLs (RFC 5280, 4.2.2.1) of certificates whose document does not carry
//!    their issuer, and again for the issuers fetched so (up to a path's length), as the
//!    verifier's path search would fetch them;
//! 2. the CRL distribution points (4.2.1.13) of every certificate read or fetched: one list
//!    per certificate, tried in order until one answers, as the verifier does (the others are
//!    mirrors). A CRL counts as warm when it is current at the validation time (`--at`, with
//!    `--max-revocation-age` for CRLs without nextUpdate), the verifier's own test.
//!
//! Requests run in parallel (at most [`WarmOptions::parallel`] at a time, and the fetcher's
//! per-host limit), each distinct URL once: the fetcher's in-process single flight and memory
//! see to URLs shared by several lists, and its store lock to URLs a peer — another `cache
//! warm`, or shards already started — is fetching.
//!
//! Two differences from `verify --online`: there are no trust anchors here, so the CRLs of
//! every certificate the documents carry are fetched, trusted or not (the verifier fetches
//! them only for certificates on a path to an anchor; the address policy is the same), and
//! OCSP responses, asked per certificate, are not fetched (a certificate with an OCSP
//! responder and no CRL distribution point is counted, not warmed).

mod read;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

use crate::asn1::rfc3339;
use crate::cache::FastSet;
use crate::fetch::{certificates_from, Body, FetchError, FetchStats, Fetcher, Kind, Source};
use crate::input::{self, Access, Item, Load};
use crate::memory::{BombRule, MemoryBudget};
use crate::pki::cert::Cert;
use crate::pki::{Caches, MAX_PATH_LEN};
use crate::store::StoreKey;
use crate::validate::{still_current, ValidationTime};

use read::Named;

/// How `cache warm` runs.
#[derive(Clone, Debug)]
pub struct WarmOptions {
    /// The validation time the shards will use (`verify --at`): a stored CRL not current then
    /// is fetched again, and a fetched one not current then is reported.
    pub at: ValidationTime,
    /// Largest age, at `at`, of a CRL without nextUpdate (seconds; `--max-revocation-age`).
    pub max_age: i64,
    /// Requests at a time (the fetcher's per-host limit applies too).
    pub parallel: usize,
    /// Threads reading documents (0: one per core).
    pub jobs: usize,
    /// Map or read the documents.
    pub access: Access,
    /// Heap bytes for documents being read, shared by the threads (as `--memory-budget`).
    pub memory_budget: u64,
}

impl WarmOptions {
    /// Options for validation time `at`, the rest at `verify`'s defaults (a week's age for a
    /// CRL without nextUpdate, 512 MiB of memory) and 8 requests at a time.
    pub fn new(at: ValidationTime) -> WarmOptions {
        WarmOptions {
            at,
            max_age: 168 * 3600,
            parallel: 8,
            jobs: 0,
            access: Access::Map,
            memory_budget: 512 << 20,
        }
    }
}

/// What a URL was fetched for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarmKind {
    /// A CRL (a distribution point).
    Crl,
    /// An issuer certificate (caIssuers).
    Issuer,
}

impl WarmKind {
    /// Its name in the report's text.
    pub fn name(self) -> &'static str {
        match self {
            WarmKind::Crl => "crl",
            WarmKind::Issuer => "issuer",
        }
    }

    fn fetch_kind(self) -> Kind {
        match self {
            WarmKind::Crl => Kind::Crl,
            WarmKind::Issuer => Kind::Certificate,
        }
    }
}

/// A URL that gave nothing usable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WarmFailure {
    /// The URL.
    pub url: String,
    /// What it was fetched for.
    pub kind: WarmKind,
    /// Why it failed (the fetcher's error, without the URL), or why its body is of no use
    /// (not a CRL, not current at the validation time, no certificate).
    pub reason: String,
    /// Whether every certificate naming it got what it needs from another of its URLs.
    pub covered: bool,
}

/// What `cache warm` did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct WarmReport {
    /// Documents read.
    pub documents: u64,
    /// Documents that could not be read (not a PDF, too large for the memory budget).
    pub unreadable: u64,
    /// Inputs that do not exist or cannot be opened.
    pub missing_inputs: u64,
    /// Signatures seen.
    pub signatures: u64,
    /// Distinct certificates: the documents' and the issuers fetched.
    pub certificates: u64,
    /// Of those, certificates with an OCSP responder but no CRL distribution point (not
    /// warmed: OCSP is asked per certificate, by the verifier).
    pub ocsp_only: u64,
    /// Distinct CRL distribution point URLs named.
    pub crl_urls: u64,
    /// Distinct caIssuers URLs of issuers the documents lack.
    pub issuer_urls: u64,
    /// URLs fetched over the network (a usable body).
    pub fetched: u64,
    /// URLs the store already answered (for a CRL: current at the validation time).
    pub cached: u64,
    /// URLs a peer process fetched while this one waited for its lock.
    pub peer_fetched: u64,
    /// URLs that gave nothing usable, by URL.
    pub failed: Vec<WarmFailure>,
    /// Certificates' needs (a CRL, an issuer) that none of their URLs met, counted once per
    /// distinct list of URLs: what the shards will find missing.
    pub unmet: u64,
    /// The fetcher's counters.
    pub fetch: FetchStats,
    /// Wall time.
    pub seconds: f64,
}

impl WarmReport {
    /// Whether every need was met: each certificate's CRL (and each missing issuer) fetched
    /// or already cached, from one of its URLs.
    pub fn complete(&self) -> bool {
        self.unmet == 0
    }

    /// The report for people, several lines.
    pub fn text(&self) -> String {
        let mut out = format!(
            "documents: {} read, {} unreadable, {} inputs missing; {} signatures; {} \
             certificates ({} with OCSP only, not warmed)\n",
            self.documents,
            self.unreadable,
            self.missing_inputs,
            self.signatures,
            self.certificates,
            self.ocsp_only
        );
        out += &format!(
            "URLs: {} CRL distribution points, {} issuers; {} fetched, {} already cached, {} \
             fetched by a peer process, {} failed ({} needs unmet)\n",
            self.crl_urls,
            self.issuer_urls,
            self.fetched,
            self.cached,
            self.peer_fetched,
            self.failed.len(),
            self.unmet
        );
        for f in &self.failed {
            let covered = if f.covered {
                " (another URL of the same certificates answered)"
            } else {
                ""
            };
            out += &format!(
                "failed: {} {}: {}{covered}\n",
                f.kind.name(),
                f.url,
                f.reason
            );
        }
        out += &format!(
            "{} requests, {:.1} MB, {} retries, {} lock waits in {:.1} s\n",
            self.fetch.requests,
            self.fetch.bytes as f64 / 1e6,
            self.fetch.retries,
            self.fetch.lock_waits,
            self.seconds
        );
        out
    }
}

/// Reads `inputs` and fetches, once each, the CRLs and missing issuers their certificates
/// name, through `fetcher` (which should have the cache's store).
pub fn warm(inputs: &[String], fetcher: &Fetcher, options: &WarmOptions) -> WarmReport {
    let started = Instant::now();
    // Bounded like the verifier's certificate cache: certificates repeat across documents
    // (their CAs, a signer's many documents), and a national archive has millions.
    let caches = Caches::new(96 << 20, 1 << 20, 1 << 20);
    let mut named = read_all(inputs, options, &caches);
    let tally = Tally::default();
    let mut known: Vec<Cert> = Vec::new();
    let mut issuer_urls: FastSet<String> = FastSet::default();
    let mut pending = sorted(std::mem::take(&mut named.issuers));
    // Issuers of issuers, up to a path's length: the verifier climbs as far.
    for _ in 0..MAX_PATH_LEN {
        pending.retain(|list| list.iter().any(|u| !issuer_urls.contains(u)));
        if pending.is_empty() {
            break;
        }
        issuer_urls.extend(pending.iter().flatten().cloned());
        let found = fetch_issuers(fetcher, &pending, options.parallel, &caches, &tally);
        let mut next = FastSet::default();
        for cert in found {
            if known.iter().any(|k| k.sha256 == cert.sha256) {
                continue;
            }
            named.count(&cert);
            known.push(cert);
        }
        for cert in &known {
            let issuer_known =
                cert.self_issued() || known.iter().any(|k| cert.could_be_issued_by(k));
            if !issuer_known && !cert.urls.ca_issuers.is_empty() {
                next.insert(cert.urls.ca_issuers.clone());
            }
        }
        pending = sorted(next);
    }
    let crl_lists = sorted(std::mem::take(&mut named.crls));
    let (at, max_age) = (options.at, options.max_age);
    in_parallel(&crl_lists, options.parallel, |list| {
        let accept = |b: &[u8]| still_current(&crl_key(), b, at, max_age);
        let usable = |body: &Body| crl_usable(body, at, max_age);
        first_usable(fetcher, list, WarmKind::Crl, &accept, &usable, &tally);
    });
    let crl_urls: FastSet<&String> = crl_lists.iter().flatten().collect();
    let mut report = tally.report();
    report.documents = named.documents;
    report.unreadable = named.unreadable;
    report.missing_inputs = named.missing;
    report.signatures = named.signatures;
    report.certificates = named.certs.len() as u64;
    report.ocsp_only = named.ocsp_only.len() as u64;
    report.crl_urls = crl_urls.len() as u64;
    report.issuer_urls = issuer_urls.len() as u64;
    report.fetch = fetcher.stats();
    report.seconds = started.elapsed().as_secs_f64();
    report
}

/// Fetches the issuer lists `pending` (`parallel` at a time); the certificates they gave.
fn fetch_issuers(
    fetcher: &Fetcher,
    pending: &[Vec<String>],
    parallel: usize,
    caches: &Caches,
    tally: &Tally,
) -> Vec<Cert> {
    let found = Mutex::new(Vec::new());
    in_parallel(pending, parallel, |list| {
        let usable = |body: &Body| {
            let certs = issuers_in(body, caches);
            if certs.is_empty() {
                return Err("no certificate in the body".to_owned());
            }
            lock(&found).extend(certs);
            Ok(())
        };
        first_usable(fetcher, list, WarmKind::Issuer, &|_| true, &usable, tally);
    });
    found.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// The documents of `inputs` read by `options.jobs` threads.
fn read_all(inputs: &[String], options: &WarmOptions, caches: &Caches) -> Named {
    let jobs = match options.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let budget = MemoryBudget::new(options.memory_budget, jobs, BombRule::default());
    let load = Load {
        access: options.access,
        ..Load::default()
    };
    let (tx, rx) = crossbeam_channel::bounded::<Item>(jobs * 4);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                let (rx, load, budget) = (rx.clone(), &load, &budget);
                s.spawn(move || {
                    let mut named = Named::default();
                    for item in rx {
                        // A reader bug met on a hostile document costs that document only.
                        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            let mut one = Named::default();
                            read::document(&item, load, budget, caches, &mut one);
                            one
                        }));
                        match read {
                            Ok(one) => named.merge(one),
                            Err(_) => named.unreadable += 1,
                        }
                    }
                    named
                })
            })
            .collect();
        drop(rx);
        for i in inputs {
            input::enumerate(i, &mut |item| tx.send(item).is_ok());
        }
        drop(tx);
        let mut all = Named::default();
        for w in workers {
            if let Ok(named) = w.join() {
                all.merge(named);
            }
        }
        all
    })
}

/// Runs `work` on every item, `threads` at a time.
fn in_parallel<T: Sync>(items: &[T], threads: usize, work: impl Fn(&T) + Sync) {
    let next = AtomicUsize::new(0);
    let threads = threads.clamp(1, items.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while let Some(item) = items.get(next.fetch_add(1, Ordering::Relaxed)) {
                    work(item);
                }
            });
        }
    });
}

/// Tries `list`'s URLs in order, as the verifier does: for a CRL, until one gives a body; for
/// an issuer, until one gives a certificate. Every URL asked is noted in `tally`.
fn first_usable(
    fetcher: &Fetcher,
    list: &[String],
    kind: WarmKind,
    accept: &dyn Fn(&[u8]) -> bool,
    usable: &dyn Fn(&Body) -> Result<(), String>,
    tally: &Tally,
) {
    for url in list {
        match fetcher.get_traced(url, kind.fetch_kind(), accept) {
            Ok((body, source)) => {
                let judged = usable(&body);
                let met = judged.is_ok();
                tally.note(url, kind, source, judged);
                if met || kind == WarmKind::Crl {
                    if !met {
                        tally.unmet(list);
                    }
                    return;
                }
            }
            // Noted when it first failed.
            Err(FetchError::NegativeCached { .. }) => {}
            Err(e) => {
                // The error names the URL first; the report names it already.
                let text = e.to_string();
                let reason = text
                    .strip_prefix(url.as_str())
                    .and_then(|r| r.strip_prefix(": "));
                let reason = reason.map_or_else(|| text.clone(), str::to_owned);
                tally.note(url, kind, Source::Network, Err(reason));
            }
        }
    }
    tally.unmet(list);
}

/// The store key `still_current` judges a CRL by (only its kind is read).
fn crl_key() -> StoreKey {
    StoreKey::Url {
        kind: Kind::Crl,
        url: String::new(),
    }
}

/// Whether a CRL's body is of use at `at`: a CRL, current then.
fn crl_usable(body: &Body, at: ValidationTime, max_age: i64) -> Result<(), String> {
    let Some((this_update, next_update)) = crate::revocation::crl_times(body) else {
        return Err("not a CRL".to_owned());
    };
    if still_current(&crl_key(), body, at, max_age) {
        return Ok(());
    }
    let next = next_update.map_or_else(|| "none".to_owned(), rfc3339);
    Err(format!(
        "not current at {at} (thisUpdate {}, nextUpdate {next})",
        rfc3339(this_update)
    ))
}

/// The certificates in an issuer URL's body (DER, PEM or a certs-only PKCS#7).
fn issuers_in(body: &Body, caches: &Caches) -> Vec<Cert> {
    certificates_from(body)
        .unwrap_or_default()
        .iter()
        .filter_map(|der| caches.certificate(der))
        .collect()
}

fn sorted(set: FastSet<Vec<String>>) -> Vec<Vec<String>> {
    let mut lists: Vec<Vec<String>> = set.into_iter().collect();
    lists.sort();
    lists
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// How each URL fared, and the lists none of whose URLs served.
#[derive(Default)]
struct Tally {
    urls: Mutex<BTreeMap<(WarmKind, String), Got>>,
    unmet: Mutex<Vec<Vec<String>>>,
}

/// How one URL fared.
#[derive(Clone, Debug)]
enum Got {
    Fetched,
    Cached,
    Peer,
    Failed(String),
}

impl Tally {
    /// Notes what `url` gave; a body from memory or from another thread's request was noted
    /// by the thread that had it first.
    fn note(&self, url: &str, kind: WarmKind, source: Source, judged: Result<(), String>) {
        let got = match (source, judged) {
            (Source::Memory | Source::Joined, _) => return,
            (_, Err(why)) => Got::Failed(why),
            (Source::Store, Ok(())) => Got::Cached,
            (Source::Peer, Ok(())) => Got::Peer,
            (Source::Network, Ok(())) => Got::Fetched,
        };
        lock(&self.urls)
            .entry((kind, url.to_owned()))
            .or_insert(got);
    }

    fn unmet(&self, list: &[String]) {
        lock(&self.unmet).push(list.to_vec());
    }

    fn report(self) -> WarmReport {
        let urls = self.urls.into_inner().unwrap_or_else(|p| p.into_inner());
        let unmet = self.unmet.into_inner().unwrap_or_else(|p| p.into_inner());
        let needed: FastSet<&String> = unmet.iter().flatten().collect();
        let mut report = WarmReport {
            unmet: unmet.len() as u64,
            ..WarmReport::default()
        };
        for ((kind, url), got) in urls {
            match got {
                Got::Fetched => report.fetched += 1,
                Got::Cached => report.cached += 1,
                Got::Peer => report.peer_fetched += 1,
                Got::Failed(reason) => report.failed.push(WarmFailure {
                    covered: !needed.contains(&url),
                    url,
                    kind,
                    reason,
                }),
            }
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_another_url_of_the_list_covers_is_not_unmet() {
        let tally = Tally::default();
        let ldap = "ldap://ca.example/crl".to_owned();
        let http = "http://ca.example/a.crl".to_owned();
        let dead = "http://dead.example/b.crl".to_owned();
        // [ldap, http]: the first fails, the second serves; [dead]: nothing serves.
        tally.note(
            &ldap,
            WarmKind::Crl,
            Source::Network,
            Err("unsupported".into()),
        );
        tally.note(&http, WarmKind::Crl, Source::Network, Ok(()));
        tally.note(
            &dead,
            WarmKind::Crl,
            Source::Network,
            Err("timed out".into()),
        );
        tally.unmet(std::slice::from_ref(&dead));
        // Answers from memory or joined requests were noted by their first asker.
        tally.note(&http, WarmKind::Crl, Source::Memory, Err("ignored".into()));
        let report = tally.report();
        assert_eq!((report.fetched, report.unmet), (1, 1));
        let failed: Vec<(&str, bool)> = report
            .failed
            .iter()
            .map(|f| (f.url.as_str(), f.covered))
            .collect();
        assert_eq!(failed, [(dead.as_str(), false), (ldap.as_str(), true)]);
        assert!(!report.complete());
    }

    #[test]
    fn a_crl_not_current_at_the_validation_time_is_not_usable() {
        let crl = std::fs::read("corpus/sample/pki/crls/root.crl").unwrap();
        let body = Body {
            sha256: crate::pki::cert::fingerprint(&crl),
            bytes: crl.into(),
        };
        let at = |t| ValidationTime::parse_rfc3339(t).unwrap();
        let week = 168 * 3600;
        assert_eq!(crl_usable(&body, at("2026-07-01T00:00:00Z"), week), Ok(()));
        let late = crl_usable(&body, at("2090-01-01T00:00:00Z"), week).unwrap_err();
        assert!(
            late.starts_with("not current at 2090-01-01T00:00:00Z"),
            "{late}"
        );
        let junk = Body {
            sha256: [0; 32],
            bytes: b"junk".as_slice().into(),
        };
        assert_eq!(
            crl_usable(&junk, at("2026-07-01T00:00:00Z"), week),
            Err("not a CRL".into())
        );
    }
}
