//! The signer's certificate: path to a trust anchor, key usage, validity at the time that
//! applies, and revocation (ETSI EN 319 102-1, 5.2.6 X.509 certificate validation, with the
//! past-signature-validation rules of 5.6.2.4 for expired and revoked certificates).

use super::online::{self, Fetched};
use super::time::Times;
use super::{Outcome, Reason, Shared};
use crate::cms::{oid, SignedData, SignerInfo};
use crate::evidence::EvidenceKind;
use crate::pki::cert::Cert;
use crate::pki::{build_path, PathOutcome};
use crate::policy::{Level, Rule};
use crate::report::RevocationReport;
use crate::revocation::{self, Sources, Status};

/// What the certificate is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    /// A signature: digitalSignature or nonRepudiation (RFC 5280, 4.2.1.3).
    Signing,
    /// A document timestamp: id-kp-timeStamping (RFC 3161, 2.3).
    Timestamping,
}

/// The certificates the document offers for a CMS (its own and the DSS's: path building
/// uses them), and the pool its signer is looked for in (those and the run's intermediates).
pub(super) fn certificate_pools(sh: &Shared<'_>, cms: &SignedData<'_>) -> (Vec<Cert>, Vec<Cert>) {
    let mut offered: Vec<Cert> = cms
        .certificates
        .iter()
        .filter_map(|d| sh.caches.certificate(d))
        .collect();
    offered.extend(sh.dss_certs.iter().cloned());
    let mut pool = offered.clone();
    pool.extend(sh.ctx.store.intermediates().iter().cloned());
    (offered, pool)
}

/// The revocation data a signature brings, added to the document's and the run's: the CMS's
/// own CRLs and OCSP responses and the adbe-revocationInfoArchival attribute.
pub(super) fn sources<'a>(
    sh: &Shared<'a>,
    cms: &'a SignedData<'_>,
    si: &SignerInfo<'a>,
) -> Sources<'a> {
    let (crl_arch, ocsp_arch) = archival(si);
    let mut sources = sh.base_sources.clone();
    for c in cms.crls.iter().copied().chain(crl_arch) {
        sources.add_crl(c, &sh.caches.revocation);
    }
    for o in cms.ocsps.iter().map(|c| &c[..]).chain(ocsp_arch) {
        sources.add_ocsp(o);
    }
    sources
}

/// adbe-revocationInfoArchival (ISO 32000-1 12.8.3.3.2): `RevocationInfoArchival ::= SEQUENCE
/// { crl [0] EXPLICIT SEQUENCE OF CRLs OPTIONAL, ocsp [1] EXPLICIT SEQUENCE OF OCSPResponse
/// OPTIONAL, otherRevInfo [2] … OPTIONAL }`.
fn archival<'a>(si: &SignerInfo<'a>) -> (Vec<&'a [u8]>, Vec<&'a [u8]>) {
    let (mut crls, mut ocsps) = (Vec::new(), Vec::new());
    if let (Some(v), _) = si.signed_attr(oid::REVOCATION_ARCHIVAL) {
        for part in v.children().filter_map(Result::ok) {
            let Some(Ok(seq)) = part.children().next() else {
                continue;
            };
            for item in seq.children().filter_map(Result::ok) {
                if part.is_context(0) {
                    crls.push(item.raw);
                } else if part.is_context(1) {
                    ocsps.push(item.raw);
                }
            }
        }
    }
    (crls, ocsps)
}

/// Path, key usage, validity at the applicable time and revocation of `signer`; the first
/// failure is recorded in `o`.
pub(super) fn certificate_checks(
    sh: &Shared<'_>,
    o: &mut Outcome,
    signer: &Cert,
    offered: &[Cert],
    sources: &Sources<'_>,
    purpose: Purpose,
    times: Times,
) {
    let mut fetched = Fetched::default();
    let with_fetched: Vec<Cert>;
    let offered = match &sh.ctx.online {
        Some(online) => {
            online::chase_issuers(sh, online, signer, offered, &mut fetched);
            with_fetched = offered.iter().chain(&fetched.certs).cloned().collect();
            &with_fetched[..]
        }
        None => offered,
    };
    let path = build_path(
        signer,
        offered,
        &sh.ctx.store,
        times.poe.unwrap_or(sh.ctx.at),
        &sh.caches.pki,
    );
    let chain = match &*path {
        PathOutcome::Found(c) => c.clone(),
        PathOutcome::Failed(e) => {
            o.fail(match fetched.errors_text() {
                Some(fetching) => Reason::IssuerNotFetched {
                    path: e.clone(),
                    fetching,
                },
                None => Reason::Path(e.clone()),
            });
            keep(sh, o, &fetched);
            return;
        }
    };
    o.chain = chain.iter().map(|c| c.subject.clone()).collect();
    // Kept only for what reads it: the policy's anchor and SHA-1 rules, the XML report.
    let policy = &sh.ctx.policy;
    if sh.ctx.keep_objects
        || policy.checks(Rule::TrustAnchor)
        || policy.checks(Rule::AlgorithmsSha1Legacy)
    {
        o.path = chain.clone();
    }
    fetched.path.extend(chain.iter().cloned());
    let checked = usage(signer, purpose)
        .and_then(|()| validity(&chain, sh.ctx.at, times))
        .and_then(|()| revocation(sh, o, &chain, sources, times, &mut fetched));
    if let Err(reason) = checked {
        o.fail(reason);
    }
    keep(sh, o, &fetched);
}

/// Records what was fetched in the outcome, and files the path and the fetched material as
/// evidence when the run keeps it.
pub(super) fn keep(sh: &Shared<'_>, o: &mut Outcome, fetched: &Fetched) {
    o.fetched
        .extend(fetched.used.iter().map(|(_, url, _)| url.clone()));
    let Some(ev) = &sh.ctx.evidence else {
        return;
    };
    let url_of = |sha: &[u8; 32]| {
        fetched
            .used
            .iter()
            .find(|(_, _, s)| s == sha)
            .map(|(_, u, _)| u.as_str())
    };
    let mut filed = |kind, sha: &[u8; 32], der: &[u8]| {
        if let Some(name) = ev.keep(kind, url_of(sha), sha, der) {
            o.evidence.push(name);
        }
    };
    for c in fetched.path.iter().chain(&fetched.certs) {
        filed(EvidenceKind::Certificate, &c.sha256, &c.der);
    }
    for b in &fetched.crls {
        filed(EvidenceKind::Crl, &b.sha256, b);
    }
    for b in &fetched.ocsps {
        filed(EvidenceKind::Ocsp, &b.sha256, b);
    }
}

/// The key usage the purpose needs.
fn usage(signer: &Cert, purpose: Purpose) -> Result<(), Reason> {
    match purpose {
        Purpose::Signing => match signer.key_usage {
            Some((ds, nr, _, _)) if !ds && !nr => Err(Reason::KeyUsage),
            _ => Ok(()),
        },
        Purpose::Timestamping if signer.eku.as_ref().is_some_and(|e| e.time_stamping) => Ok(()),
        Purpose::Timestamping => Err(Reason::NoTimestampingUsage),
    }
}

/// Validity of the path below its anchor: at the validation time, or at a proven earlier
/// time (EN 319 102-1, 5.6.2.4: an expired signer certificate with a signing time after its
/// notAfter is TOTAL-FAILED/EXPIRED; one before notBefore NOT_YET_VALID).
fn validity(chain: &[Cert], at: i64, times: Times) -> Result<(), Reason> {
    let signer = &chain[0];
    let non_anchor = &chain[..chain.len() - 1];
    let valid_at = |t: i64| non_anchor.iter().all(|c| c.valid_at(t));
    if valid_at(at) {
        return Ok(());
    }
    match times.poe {
        Some(t) if valid_at(t) => Ok(()),
        _ if times.signing.is_some_and(|t| t > signer.not_after) => {
            Err(Reason::ExpiredBeforeSigning {
                not_after: signer.not_after,
                signing: times.signing.unwrap_or_default(),
            })
        }
        Some(t) if t < signer.not_before => Err(Reason::NotYetValid {
            proven: t,
            not_before: signer.not_before,
        }),
        _ => {
            let bad = non_anchor
                .iter()
                .find(|c| !c.valid_at(at))
                .unwrap_or(signer);
            Err(Reason::OutOfBounds {
                subject: bad.subject.clone(),
                not_before: bad.not_before,
                not_after: bad.not_after,
            })
        }
    }
}

/// Revocation of each certificate below the anchor (RFC 5280, 6.3; EN 319 102-1, 5.2.6 and
/// 5.6.2.4: a revocation after the proven time does not invalidate the signature). The
/// signer's status is recorded in `o`.
fn revocation(
    sh: &Shared<'_>,
    o: &mut Outcome,
    chain: &[Cert],
    sources: &Sources<'_>,
    times: Times,
    fetched: &mut Fetched,
) -> Result<(), Reason> {
    let non_anchor = &chain[..chain.len() - 1];
    for (i, cert) in non_anchor.iter().enumerate() {
        let issuer = &chain[i + 1];
        let mut st = revocation::status(
            cert,
            issuer,
            sources,
            sh.ctx.at,
            &sh.caches.pki,
            &sh.caches.revocation,
        );
        if let (Status::Unknown { .. }, Some(online)) = (&st, &sh.ctx.online) {
            st = online::revocation_status(sh, online, cert, issuer, sources, fetched);
        }
        let leaf = i == 0;
        match st {
            Status::Good { source, object } if leaf => {
                o.revocation = RevocationReport::Good;
                o.revocation_object = Some((source, object, None));
            }
            Status::Good { .. } => {}
            Status::Revoked {
                at: r,
                source,
                object,
                ..
            } => {
                if leaf {
                    o.revocation = RevocationReport::Revoked;
                    o.revocation_object = Some((source, object, Some(r)));
                }
                match times.poe {
                    Some(t) if t < r => {}
                    _ if leaf && times.signing.is_some_and(|t| t >= r) => {
                        return Err(Reason::RevokedBeforeSigning {
                            revoked: r,
                            signing: times.signing.unwrap_or_default(),
                        })
                    }
                    _ if leaf => return Err(Reason::RevokedNoPoe { revoked: r }),
                    _ => {
                        return Err(Reason::CaRevoked {
                            subject: cert.subject.clone(),
                            revoked: r,
                        })
                    }
                }
            }
            Status::Unknown { reason } if leaf => {
                o.revocation = RevocationReport::Unknown;
                let level = sh.ctx.policy.level(Rule::RevocationAvailable);
                if level < Level::Fail {
                    o.note(Rule::RevocationAvailable, level, || {
                        format!("revocation status not determined: {reason}")
                    });
                } else {
                    // EN 319 102-1, 5.2.6: a certificate expired at the validation time whose
                    // status cannot be ascertained is OUT_OF_BOUNDS_NO_POE; fetching again
                    // later would not help (TRY_LATER would say it might).
                    return Err(if cert.valid_at(sh.ctx.at) {
                        Reason::NoRevocationData { reason }
                    } else {
                        Reason::ExpiredNoRevocationData {
                            not_after: cert.not_after,
                            reason,
                        }
                    });
                }
            }
            Status::Unknown { .. } => {}
        }
    }
    Ok(())
}
