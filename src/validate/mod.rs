//! The validation stage: one document's signatures judged (ETSI EN 319 102-1), one file per
//! decision.
//!
//! - `document`: the document's verdict composed from its signatures' and its changes';
//! - `signature`: format and integrity of one signature, and its validation end to end;
//! - `attributes`: the SignerInfo's signed attributes and signature value;
//! - `certificates`: path, key usage, validity and revocation at the time that applies;
//! - `time`: the validation time, proofs of existence, signature timestamps;
//! - `policy`: the constraints of the validation policy;
//! - `reason`: why a check failed, mapped to a sub-indication and text in one place;
//! - `detached`: a detached CMS signature over a file that is not a PDF (sealed reports);
//! - `findings`: what the reader met, as report findings;
//! - `issued`: the policy's rules on a document's signatures taken together (an issued
//!   document's signers and their order);
//! - `verifier`: the public entry point, [`Verifier`].
//!
//! Per document: read the signatures (lazy reader), parse each CMS to learn its digest
//! algorithm, hash every signed range in one pass, then validate each signature — integrity,
//! signer identification, certificate path, validity and revocation at the time that applies,
//! algorithm constraints — and finally combine the signatures with what later revisions
//! change. The validation time is an input; nothing here reads the clock.

mod attributes;
mod caches;
mod certificates;
mod detached;
mod document;
mod findings;
mod issued;
mod online;
mod policy;
mod reason;
mod signature;
mod time;
mod verifier;

use std::sync::Arc;

use crate::policy::Policy;
pub use caches::{BadLimit, CacheLimits, Caches, CachesStats};
pub(crate) use findings::bomb_findings;
pub(crate) use issued::{apply as apply_issued, fail_document};
pub(crate) use online::Fetching;
pub use online::{still_current, Prefer};
pub(crate) use reason::Reason;
pub use time::{TimeError, ValidationTime};
pub use verifier::{BuildError, Material, Online, Verifier, VerifierBuilder};

use crate::crypto::DigestAlgorithm;
use crate::pki::cert::Cert;
use crate::pki::TrustStore;
use crate::policy::{Level, Rule};
use crate::report::{Integrity, RevocationReport, TimestampReport, ValidationObjects};
use crate::revocation::{Crl, Sources};

/// Everything a run verifies against.
pub(crate) struct Context {
    /// Trust anchors and intermediates.
    pub(crate) store: TrustStore,
    /// CRLs given to the run, parsed once.
    pub(crate) crls: Vec<Arc<Crl>>,
    /// OCSP responses given to the run.
    pub(crate) ocsps: Vec<Vec<u8>>,
    /// The validation time, seconds since the epoch.
    pub(crate) at: i64,
    /// The policy.
    pub(crate) policy: Policy,
    /// Whether signature reports keep their validation objects (`--etsi-xml`).
    pub(crate) keep_objects: bool,
    /// Whether documents are judged in dossiers (`--dossier`): the `issued.*` findings are
    /// then held in the report for the engine's dossier stage.
    pub(crate) dossier: bool,
    /// The SHA-256 of the policy's own trust anchors (`trust.anchor`).
    pub(crate) policy_anchors: Vec<crate::pki::cert::Fingerprint>,
    /// Fetching what the document and the run's material do not settle (`--online`).
    pub(crate) online: Option<Fetching>,
    /// Where the material verdicts used is filed (`--evidence`).
    pub(crate) evidence: Option<Arc<crate::evidence::Evidence>>,
}

/// What every signature of one document is judged with.
struct Shared<'a> {
    data: &'a [u8],
    ctx: &'a Context,
    caches: &'a Caches,
    dss_certs: &'a [Cert],
    /// The document's DSS and the run's revocation data, parsed once per document.
    base_sources: &'a Sources<'a>,
}

/// A signature's outcome while it is being decided.
struct Outcome {
    integrity: Integrity,
    /// The first check that failed.
    verdict: Option<Reason>,
    signer: Option<Cert>,
    timestamp: Option<TimestampReport>,
    /// The genTime of `timestamp` when it verified.
    timestamp_time: Option<i64>,
    /// The message imprint's digest of the signature timestamp, when its TSTInfo read.
    timestamp_imprint: Option<DigestAlgorithm>,
    revocation: RevocationReport,
    chain: Vec<String>,
    claimed_time: Option<String>,
    /// Defects that did not stop the signature verifying (a key or value that was not DER, an
    /// algorithm pairing its profile forbids).
    warnings: Vec<String>,
    /// The hash the signature scheme binds the signed attributes with, once it verified.
    scheme_hash: Option<DigestAlgorithm>,
    /// URLs fetched for this signature (`--online`).
    fetched: Vec<String>,
    /// Evidence items (SHA-256, hex) filed for this signature (`--evidence`).
    evidence: Vec<String>,
    /// The certificate path, leaf first, when one was found.
    path: Vec<Cert>,
    /// What the policy's rules found, at the level each has (FAIL ones also in `verdict`).
    policy: Vec<(Rule, Level, String)>,
    /// The validation objects an ETSI TS 119 102-2 report names, when kept.
    objects: Option<Box<ValidationObjects>>,
    /// The CRL or OCSP response (`crl`/`ocsp`, its SHA-256) that settled the signer's status,
    /// with the revocation time when it says revoked.
    revocation_object: Option<(&'static str, crate::pki::cert::Fingerprint, Option<i64>)>,
}

impl Outcome {
    fn new() -> Self {
        Outcome {
            integrity: Integrity::Malformed,
            verdict: None,
            signer: None,
            timestamp: None,
            timestamp_time: None,
            timestamp_imprint: None,
            revocation: RevocationReport::NotChecked,
            chain: Vec::new(),
            claimed_time: None,
            warnings: Vec::new(),
            scheme_hash: None,
            fetched: Vec::new(),
            evidence: Vec::new(),
            path: Vec::new(),
            policy: Vec::new(),
            objects: None,
            revocation_object: None,
        }
    }

    /// Records what rule `rule` found, at `level` (nothing at IGNORE).
    fn note(&mut self, rule: Rule, level: Level, detail: impl FnOnce() -> String) {
        if level != Level::Ignore {
            self.policy.push((rule, level, detail()));
        }
    }

    /// Records a broken rule at the level the policy gives it: at FAIL the signature fails
    /// with [`Reason::Policy`] (unless an earlier check decided already).
    fn broke(&mut self, policy: &Policy, rule: Rule, detail: impl FnOnce() -> String) {
        let level = policy.level(rule);
        if level == Level::Ignore {
            return;
        }
        let detail = detail();
        if level == Level::Fail {
            self.fail(Reason::Policy {
                rule,
                detail: detail.clone(),
            });
        }
        self.policy.push((rule, level, detail));
    }

    /// Records why the signature fails, unless an earlier check already did.
    fn fail(&mut self, reason: Reason) {
        if self.verdict.is_none() {
            self.verdict = Some(reason);
        }
    }
}
