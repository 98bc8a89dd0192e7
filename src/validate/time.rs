//! Time: the validation time, proofs of existence, and signature timestamps.
//!
//! ETSI EN 319 102-1, 5.6.2.1 (past signature validation): a signature whose certificate is
//! expired or revoked at the validation time can still be shown valid when a proof of
//! existence (POE) places it earlier. sigaudit's POEs are signature timestamps (RFC 3161,
//! Appendix A: the imprint is the hash of the SignerInfo's signature value) and document
//! timestamps covering the signature (ISO 32000-2, 12.8.5). Nothing here reads the clock: the
//! validation time is an input ([`ValidationTime`]).

use std::fmt;

use super::attributes::check_signer_info;
use super::certificates::certificate_pools;
use super::online::{self, Fetched};
use super::signature::Kind;
use super::{Outcome, Shared};
use crate::cms::{self, oid};
use crate::crypto::DigestAlgorithm;
use crate::pki::{build_path, PathOutcome, PkiError};
use crate::policy::{Level, Rule};
use crate::report::TimestampReport;
use crate::revocation::{self, Status};

/// An instant against which signatures are validated (ETSI EN 319 102-1, 5.1.2: "the
/// validation time"): whole seconds since the Unix epoch, UTC.
///
/// ```
/// use sigaudit::ValidationTime;
///
/// let t = ValidationTime::parse_rfc3339("2026-07-01T07:00:00+07:00").unwrap();
/// assert_eq!(t.to_string(), "2026-07-01T00:00:00Z");
/// assert_eq!(t, ValidationTime::from_unix(1_782_864_000));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ValidationTime(i64);

impl ValidationTime {
    /// The instant `seconds` after 1970-01-01T00:00:00Z.
    pub const fn from_unix(seconds: i64) -> Self {
        ValidationTime(seconds)
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub const fn unix(self) -> i64 {
        self.0
    }

    /// Parses an RFC 3339 instant such as `2026-07-01T00:00:00Z` or `…+07:00`.
    pub fn parse_rfc3339(s: &str) -> Result<Self, TimeError> {
        parse_rfc3339(s).map(ValidationTime)
    }

    /// The system clock's present instant. The engine never calls this; a caller that wants
    /// "now" as its validation time says so.
    pub fn now() -> Self {
        ValidationTime(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        )
    }
}

impl fmt::Display for ValidationTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&rfc3339(self.0))
    }
}

/// A time that is not RFC 3339.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeError {
    input: String,
    why: String,
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not an RFC 3339 time: {}", self.input, self.why)
    }
}

impl std::error::Error for TimeError {}

pub(crate) use crate::asn1::rfc3339;

/// Parses an RFC 3339 instant to seconds since the epoch.
fn parse_rfc3339(s: &str) -> Result<i64, TimeError> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| TimeError {
            input: s.to_string(),
            why: e.to_string(),
        })?;
    Ok(t.unix_timestamp())
}

/// What timestamps prove about when a signature was made.
#[derive(Clone, Copy)]
pub(super) struct Times {
    /// The signature existed at this time (earliest valid timestamp covering it).
    pub(super) poe: Option<i64>,
    /// The signature was made at (just before) this time: its signature timestamp.
    pub(super) signing: Option<i64>,
}

/// The earlier of two optional proofs of existence.
pub(super) fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The earliest genTime of the document timestamps `doc_ts_poe` (`(signed end, genTime)`)
/// that cover bytes past `signed_end`: a proof of existence for what ends there.
pub(super) fn covered_by(signed_end: Option<usize>, doc_ts_poe: &[(usize, i64)]) -> Option<i64> {
    signed_end.and_then(|end| {
        doc_ts_poe
            .iter()
            .filter(|(ts_end, _)| *ts_end > end)
            .map(|&(_, t)| t)
            .min()
    })
}

/// Why a signature timestamp proves nothing.
enum TimestampFault {
    Cms(cms::CmsError),
    NoTstInfo,
    ImprintMismatch,
    /// The token's own signature, as a signature's reason.
    Token(Option<super::Reason>),
    NoTimestampingUsage,
    NotValidAtGenTime,
    TsaRevoked(i64),
    NoRevocationData(String),
    /// No path; what fetching the issuer met, if it was tried.
    Path(PkiError, Option<String>),
}

impl fmt::Display for TimestampFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimestampFault::Cms(e) => write!(f, "{e}"),
            TimestampFault::NoTstInfo => f.write_str("token without TSTInfo"),
            TimestampFault::ImprintMismatch => {
                f.write_str("message imprint does not match the signature value")
            }
            TimestampFault::Token(r) => match r {
                Some(r) => write!(f, "{r}"),
                None => Ok(()),
            },
            TimestampFault::NoTimestampingUsage => {
                f.write_str("TSA certificate lacks id-kp-timeStamping")
            }
            TimestampFault::NotValidAtGenTime => {
                f.write_str("TSA certificate not valid at genTime")
            }
            TimestampFault::TsaRevoked(at) => write!(
                f,
                "TSA certificate revoked on {}, before genTime",
                rfc3339(*at)
            ),
            TimestampFault::NoRevocationData(reason) => {
                write!(f, "no revocation data for the TSA certificate: {reason}")
            }
            TimestampFault::Path(e, None) => write!(f, "TSA: {e}"),
            TimestampFault::Path(e, Some(fetching)) => {
                write!(f, "TSA: {e}; fetching the issuer: {fetching}")
            }
        }
    }
}

/// Verifies an RFC 3161 signature timestamp (RFC 3161 Appendix A: the imprint is the hash of
/// the SignerInfo's signature value) and reports it, with its genTime when it is valid.
pub(super) fn signature_timestamp(
    sh: &Shared<'_>,
    token: &[u8],
    signature_value: &[u8],
    fetched: &mut Fetched,
    imprint: &mut Option<DigestAlgorithm>,
) -> (TimestampReport, Option<i64>) {
    let mut rep = TimestampReport {
        time: String::new(),
        valid: false,
        reason: None,
        tsa: None,
    };
    match check_token(sh, token, signature_value, &mut rep, fetched, imprint) {
        Ok(t) => {
            rep.valid = true;
            (rep, Some(t))
        }
        Err(TimestampFault::Token(None)) => (rep, None),
        Err(fault) => {
            rep.reason = Some(fault.to_string());
            (rep, None)
        }
    }
}

/// The checks of [`signature_timestamp`]; fills in what is known as it goes, returns the
/// genTime of a valid token.
fn check_token(
    sh: &Shared<'_>,
    token: &[u8],
    signature_value: &[u8],
    rep: &mut TimestampReport,
    fetched: &mut Fetched,
    imprint: &mut Option<DigestAlgorithm>,
) -> Result<i64, TimestampFault> {
    let cms = cms::parse(token).map_err(TimestampFault::Cms)?;
    let content = cms.content.as_deref().ok_or(TimestampFault::NoTstInfo)?;
    let tst = cms::parse_tst_info(content).map_err(TimestampFault::Cms)?;
    rep.time = rfc3339(tst.gen_time);
    *imprint = DigestAlgorithm::from_oid(&tst.imprint_algorithm);
    let imprint_ok = DigestAlgorithm::from_oid(&tst.imprint_algorithm)
        .is_some_and(|a| a.digest(signature_value).as_ref() == tst.imprint);
    if !imprint_ok {
        return Err(TimestampFault::ImprintMismatch);
    }
    let si = &cms.signer_infos[0];
    let (mut offered, pool) = certificate_pools(sh, &cms);
    let a = DigestAlgorithm::from_oid(&si.digest_algorithm.oid).unwrap_or(DigestAlgorithm::Sha256);
    let cd = a.digest(content);
    let mut o = Outcome::new();
    let Some(tsa) = check_signer_info(&mut o, si, oid::TST_INFO, cd.as_ref(), Some(content), &pool)
    else {
        return Err(TimestampFault::Token(o.verdict));
    };
    rep.tsa = Some(tsa.subject.clone());
    // The token's own path, checked at its genTime; revocation below.
    if let Some(online) = &sh.ctx.online {
        online::chase_issuers(sh, online, &tsa, &offered, fetched);
        offered.extend(fetched.certs.iter().cloned());
    }
    let path = build_path(&tsa, &offered, &sh.ctx.store, tst.gen_time, &sh.caches.pki);
    let chain = match &*path {
        PathOutcome::Found(chain) => chain,
        PathOutcome::Failed(e) => {
            let fetching = fetched.errors_text();
            return Err(TimestampFault::Path(e.clone(), fetching));
        }
    };
    fetched.path.extend(chain.iter().cloned());
    if !tsa.eku.as_ref().is_some_and(|e| e.time_stamping) {
        return Err(TimestampFault::NoTimestampingUsage);
    }
    if !chain[..chain.len() - 1]
        .iter()
        .all(|c| c.valid_at(tst.gen_time))
    {
        return Err(TimestampFault::NotValidAtGenTime);
    }
    // The TSA certificate's revocation: revoked at or before genTime voids the token; no
    // data voids it too unless the policy accepts missing revocation data.
    let issuer = chain.get(1).unwrap_or(&chain[0]);
    let mut status = revocation::status(
        &tsa,
        issuer,
        sh.base_sources,
        sh.ctx.at,
        &sh.caches.pki,
        &sh.caches.revocation,
    );
    if let (Status::Unknown { .. }, Some(online)) = (&status, &sh.ctx.online) {
        status = online::revocation_status(sh, online, &tsa, issuer, sh.base_sources, fetched);
    }
    match status {
        Status::Revoked { at, .. } if at <= tst.gen_time => Err(TimestampFault::TsaRevoked(at)),
        Status::Unknown { reason }
            if sh.ctx.policy.level(Rule::RevocationAvailable) == Level::Fail =>
        {
            Err(TimestampFault::NoRevocationData(reason))
        }
        _ => Ok(tst.gen_time),
    }
}

/// The proofs of existence of a signature whose integrity was checked: its own timestamp
/// (recorded in `o`), the document timestamps covering it (`covered`), and for a document
/// timestamp its own genTime `tst_time`. Returns the earliest proof of existence and the
/// times the certificate checks apply.
pub(super) fn proofs(
    sh: &Shared<'_>,
    o: &mut Outcome,
    si: &cms::SignerInfo<'_>,
    kind: Kind,
    tst_time: Option<i64>,
    tsa: &str,
    covered: Option<i64>,
) -> (Option<i64>, Times) {
    // Proof of existence: a valid signature timestamp, or a document timestamp covering this
    // signature. A document timestamp's own time is its genTime.
    if kind == Kind::DocTimestamp {
        o.timestamp = tst_time.map(|t| TimestampReport {
            time: rfc3339(t),
            valid: true,
            reason: None,
            tsa: Some(tsa.to_string()),
        });
        o.timestamp_time = tst_time;
    } else if let Some(token) = si.unsigned_values(oid::SIGNATURE_TIMESTAMP).next() {
        let mut fetched = Fetched::default();
        let (report, time) = signature_timestamp(
            sh,
            token.raw,
            &si.signature,
            &mut fetched,
            &mut o.timestamp_imprint,
        );
        super::certificates::keep(sh, o, &fetched);
        o.timestamp = Some(report);
        o.timestamp_time = time;
    }
    let sig_ts = o.timestamp_time.filter(|_| kind != Kind::DocTimestamp);
    let poe = earliest(sig_ts, covered);
    // For a document timestamp, its own genTime is the time of signing, proven only by itself.
    let own_time = if kind == Kind::DocTimestamp {
        tst_time
    } else {
        None
    };
    // The trusted signing time: a signature timestamp's genTime (made right after signing),
    // or a document timestamp's own genTime. A later document timestamp covering the
    // signature only bounds the signing time from above.
    let times = Times {
        poe: poe.or(own_time),
        signing: sig_ts.or(own_time),
    };
    (poe, times)
}
