//! What validation fetches when the document, its DSS and the run's material do not settle a
//! question (`--online`): missing issuers from the Authority Information Access caIssuers URL
//! (RFC 5280, 4.2.2.1), CRLs from the distribution points (4.2.1.13) and OCSP responses
//! (RFC 6960). The fetcher makes one request per URL however many workers need it, caches
//! across documents and, with a store, across runs; this file decides *what* to fetch.
//!
//! Order for revocation: CRL first by default. One CRL answers for every certificate of its
//! issuer, so a national sweep with a few issuers and a hundred thousand signers makes a few
//! CRL requests, where OCSP would make one request per signer certificate; OCSP is asked only
//! when no CRL settles the status. `Prefer::Ocsp` reverses it (small runs, or CAs whose CRLs
//! are very large).
//!
//! Trust: a caIssuers URL is followed for any certificate (that is how a path is found at all),
//! but what it returns is only a candidate — it must still chain to a configured anchor. CRL
//! and OCSP URLs are followed only for certificates already on a path to an anchor (the
//! caller validates the path first), so a document cannot make sigaudit query a URL of a
//! certificate nobody trusts.

use std::sync::Arc;

use super::{Shared, ValidationTime};
use crate::fetch::{certificates_from, Body, FetchError, Fetcher, Kind, OcspRequest};
use crate::pki::cert::{fingerprint, Cert, Fingerprint};
use crate::pki::MAX_PATH_LEN;
use crate::revocation::{self, Sources, Status};
use crate::store::StoreKey;

/// Which revocation source is asked first when both are named.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Prefer {
    /// CRLs first: one request serves every certificate of the issuer.
    #[default]
    Crl,
    /// OCSP first: one request per certificate, small answers.
    Ocsp,
}

/// The run's fetching: the fetcher and its choices.
pub(crate) struct Fetching {
    /// The fetcher (single-flight, per-host limits, caches, optional store).
    pub(crate) fetcher: Arc<Fetcher>,
    /// Which source is asked first.
    pub(crate) prefer: Prefer,
    /// Whether OCSP requests carry a nonce (RFC 8954); off by default, because responders
    /// that pre-produce answers cannot honour it and caches keyed by request could not help.
    pub(crate) nonce: bool,
    /// Largest age accepted for a CRL or response without nextUpdate (seconds).
    pub(crate) max_age: i64,
}

/// What was fetched for one signature: the material (kept alive while the signature is
/// judged) and the URLs, for the report and the evidence.
#[derive(Default)]
pub(super) struct Fetched {
    /// Certificates fetched from caIssuers URLs.
    pub(super) certs: Vec<Cert>,
    /// CRL bodies (each with its SHA-256, computed once by the fetcher).
    pub(super) crls: Vec<Body>,
    /// OCSP response bodies.
    pub(super) ocsps: Vec<Body>,
    /// `(kind, url, sha256 of the body)` of everything used.
    pub(super) used: Vec<(Kind, String, Fingerprint)>,
    /// Failures, each naming its URL.
    pub(super) errors: Vec<FetchError>,
    /// The path the checks used (filed as evidence with what was fetched).
    pub(super) path: Vec<Cert>,
}

impl Fetched {
    /// The failures as one clause for a reason's text.
    pub(super) fn errors_text(&self) -> Option<String> {
        if self.errors.is_empty() {
            return None;
        }
        let all: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
        Some(all.join("; "))
    }

    fn note(&mut self, kind: Kind, url: &str, sha256: Fingerprint) {
        self.used.push((kind, url.to_string(), sha256));
    }
}

/// Follows caIssuers URLs up from `leaf` while no known certificate (anchor, offered,
/// intermediate or already fetched) can have issued the current one. Every certificate whose
/// issuer must be fetched costs one URL lookup (cached across documents by the fetcher).
pub(super) fn chase_issuers(
    sh: &Shared<'_>,
    online: &Fetching,
    leaf: &Cert,
    known: &[Cert],
    f: &mut Fetched,
) {
    let store = &sh.ctx.store;
    let mut cur = leaf.clone();
    for _ in 0..MAX_PATH_LEN {
        if store.is_anchor(&cur) || cur.self_issued() {
            return;
        }
        let pools = store
            .anchors()
            .iter()
            .chain(known)
            .chain(store.intermediates());
        let issuer = pools
            .chain(&f.certs)
            .find(|c| cur.could_be_issued_by(c))
            .cloned();
        let next = match issuer {
            Some(c) if store.is_anchor(&c) => return,
            Some(c) => c,
            None => match fetch_issuer(sh, online, &cur, f) {
                Some(c) => c,
                None => return,
            },
        };
        cur = next;
    }
}

/// The issuer of `cur` from its caIssuers URLs (the first that answers with a candidate).
fn fetch_issuer(sh: &Shared<'_>, online: &Fetching, cur: &Cert, f: &mut Fetched) -> Option<Cert> {
    for url in &cur.urls.ca_issuers {
        let body = match online.fetcher.get(url, Kind::Certificate, &|_| true) {
            Ok(b) => b,
            Err(e) => {
                f.errors.push(e);
                continue;
            }
        };
        let ders = match certificates_from(&body) {
            Ok(d) => d,
            Err(e) => {
                f.errors.push(e);
                continue;
            }
        };
        let certs: Vec<Cert> = ders
            .iter()
            .filter_map(|d| sh.caches.certificate(d))
            .collect();
        let Some(issuer) = certs.iter().find(|c| cur.could_be_issued_by(c)).cloned() else {
            continue;
        };
        f.note(Kind::Certificate, url, body.sha256);
        f.certs.extend(certs);
        return Some(issuer);
    }
    None
}

/// Fetches revocation data for `cert` (issued by `issuer`, on a path to an anchor) until the
/// status is settled, in the preferred order; returns the status with the fetched material.
pub(super) fn revocation_status(
    sh: &Shared<'_>,
    online: &Fetching,
    cert: &Cert,
    issuer: &Cert,
    base: &Sources<'_>,
    f: &mut Fetched,
) -> Status {
    let order = match online.prefer {
        Prefer::Crl => [Kind::Crl, Kind::Ocsp],
        Prefer::Ocsp => [Kind::Ocsp, Kind::Crl],
    };
    let at = sh.ctx.at;
    let mut status = Status::Unknown {
        reason: String::new(),
    };
    for kind in order {
        let added = match kind {
            Kind::Crl => fetch_crls(online, cert, at, f),
            _ => fetch_ocsp(online, cert, issuer, at, f),
        };
        if !added {
            continue;
        }
        let mut sources = base.clone();
        for c in &f.crls {
            sources.add_crl_known(c.sha256, c, &sh.caches.revocation);
        }
        for o in &f.ocsps {
            sources.add_ocsp(o);
        }
        status = revocation::status(
            cert,
            issuer,
            &sources,
            at,
            &sh.caches.pki,
            &sh.caches.revocation,
        );
        if !matches!(status, Status::Unknown { .. }) {
            return status;
        }
    }
    match (status, f.errors_text()) {
        (Status::Unknown { reason }, Some(errors)) if reason.is_empty() => Status::Unknown {
            reason: format!("fetching failed: {errors}"),
        },
        (Status::Unknown { reason }, Some(errors)) => Status::Unknown {
            reason: format!("{reason}; fetching: {errors}"),
        },
        (Status::Unknown { reason }, None) if reason.is_empty() => Status::Unknown {
            reason: format!("no CRL or OCSP URL in the certificate {:?}", cert.subject),
        },
        (s, _) => s,
    }
}

/// Fetches the certificate's CRLs; whether any arrived.
fn fetch_crls(online: &Fetching, cert: &Cert, at: i64, f: &mut Fetched) -> bool {
    let mut any = false;
    let max_age = online.max_age;
    for url in &cert.urls.crls {
        let fresh =
            move |b: &[u8]| revocation::crl_times(b).is_some_and(|t| current(t, at, max_age));
        match online.fetcher.get(url, Kind::Crl, &fresh) {
            Ok(body) => {
                f.note(Kind::Crl, url, body.sha256);
                f.crls.push(body);
                any = true;
                // One distribution point that answers is enough: the others are mirrors.
                break;
            }
            Err(e) => f.errors.push(e),
        }
    }
    any
}

/// Asks the certificate's OCSP responders; whether an answer arrived.
fn fetch_ocsp(online: &Fetching, cert: &Cert, issuer: &Cert, at: i64, f: &mut Fetched) -> bool {
    if cert.urls.ocsp.is_empty() {
        return false;
    }
    // A nonce must differ per request; the certificate's identity and the validation time
    // make it unique per question without a random source (nothing here reads entropy or the
    // clock, so reports stay reproducible).
    let nonce = online.nonce.then(|| {
        let mut n = [0u8; 16];
        let seed = [&cert.sha256[..], &at.to_be_bytes()].concat();
        n.copy_from_slice(&fingerprint(&seed)[..16]);
        n
    });
    let request = OcspRequest::new(&issuer.subject_raw, &issuer.key.bits, &cert.serial, nonce);
    let max_age = online.max_age;
    for url in &cert.urls.ocsp {
        let fresh =
            move |b: &[u8]| revocation::ocsp_times(b).is_some_and(|t| current(t, at, max_age));
        match online.fetcher.ocsp(url, &request, &fresh) {
            Ok(body) => {
                f.note(Kind::Ocsp, url, body.sha256);
                f.ocsps.push(body);
                return true;
            }
            Err(e) => f.errors.push(e),
        }
    }
    false
}

/// Whether data issued at `this_update` and valid until `next_update` speaks for time `at`
/// (EN 319 102-1, 5.2.5: issued no later than the time it is used for, and not past its next
/// update; without nextUpdate, no older than the configured maximum age).
fn current((this_update, next_update): (i64, Option<i64>), at: i64, max_age: i64) -> bool {
    this_update <= at
        && match next_update {
            Some(n) => at <= n,
            None => at.saturating_sub(this_update) <= max_age,
        }
}

/// Whether a stored body is still of use at validation time `at`: certificates always, CRLs
/// and OCSP responses while current (`max_age` seconds for those without nextUpdate). What
/// `sigaudit cache prune` keeps.
pub fn still_current(key: &StoreKey, body: &[u8], at: ValidationTime, max_age: i64) -> bool {
    let at = at.unix();
    match key.kind() {
        Kind::Certificate => true,
        Kind::Crl => revocation::crl_times(body).is_some_and(|t| current(t, at, max_age)),
        Kind::Ocsp => revocation::ocsp_times(body).is_some_and(|t| current(t, at, max_age)),
    }
}
