//! [`Verifier`]: what an ingestion service embeds — trust material, a validation time and a
//! policy in, one [`DocumentReport`] per document out.

use std::fmt;
use std::sync::Arc;

use super::{document, CacheLimits, Caches, CachesStats, Context, Policy, Prefer, ValidationTime};
use crate::evidence::Evidence;
use crate::fetch::{FetchConfig, FetchStats, Fetcher};
use crate::memory::{Allowance, UNLIMITED};
use crate::pki::TrustStore;
use crate::report::DocumentReport;
use crate::revocation::Sources;
use crate::store::Store;

/// Verifies signed PDF documents against fixed trust material, validation time and policy.
///
/// A `Verifier` is built once and shared: [`Verifier::verify`] takes `&self` and may be
/// called from many threads at once; certificates, paths and revocation results are cached
/// across the documents it verifies, within the [`CacheLimits`] it was built with.
///
/// ```
/// use sigaudit::{DocumentStatus, ValidationTime, Verifier};
///
/// let verifier = Verifier::builder()
///     .validation_time(ValidationTime::parse_rfc3339("2026-07-01T00:00:00Z").unwrap())
///     .build()
///     .unwrap();
/// // Not a PDF: the document's report says so; nothing panics, nothing is lost.
/// let report = verifier.verify("note.txt", b"hello");
/// assert_eq!(report.status, DocumentStatus::Error);
/// assert!(report.error.unwrap().starts_with("not a PDF"));
/// ```
pub struct Verifier {
    ctx: Context,
    caches: Caches,
    pool: Option<Arc<rayon::ThreadPool>>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("anchors", &self.ctx.store.anchors().len())
            .field("intermediates", &self.ctx.store.intermediates().len())
            .field("crls", &self.ctx.crls.len())
            .field("ocsps", &self.ctx.ocsps.len())
            .field("at", &ValidationTime::from_unix(self.ctx.at))
            .field("policy", &self.ctx.policy)
            .finish_non_exhaustive()
    }
}

/// What a panic inside the verifier makes of the document: its ERROR, not the caller's.
const PANICKED: &str =
    "internal error: the verifier panicked on this document (a bug; please report it)";

impl Verifier {
    /// A builder: no trust anchor, no revocation data, the default policy and cache limits;
    /// the validation time must be given.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// Verifies one document's bytes; `name` is how the report names it.
    ///
    /// Never panics: a document that cannot be read is an `ERROR` report saying why, and a
    /// bug that panics inside is caught and becomes that document's `ERROR`. The signatures
    /// of the document are verified in parallel on the builder's thread pool (or rayon's
    /// global pool).
    pub fn verify(&self, name: &str, data: &[u8]) -> DocumentReport {
        let run = || self.verify_with(name, data, &UNLIMITED);
        match &self.pool {
            Some(pool) => pool.install(run),
            None => run(),
        }
    }

    /// [`Verifier::verify`] on the calling thread's pool, with the document's decoded streams
    /// drawn from `allowance`; the decompression bombs recorded there are reported as
    /// findings. (For the engine and sigaudit's own tests; not API.)
    #[doc(hidden)]
    pub fn verify_with(
        &self,
        name: &str,
        data: &[u8],
        allowance: &Allowance<'_>,
    ) -> DocumentReport {
        let verified = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            document::verify(name, data, &self.ctx, &self.caches, allowance)
        }));
        let mut report =
            verified.unwrap_or_else(|_| DocumentReport::unreadable(name, PANICKED.into()));
        report.policy.name.clone_from(&self.ctx.policy.name);
        report.findings.extend(super::bomb_findings(allowance));
        report
    }

    /// Verifies a detached CMS signature (`signature`, DER or PEM) over a file that is not a
    /// PDF — an audit's report sealed with `--sign-report`, `report.html.p7s` beside
    /// `report.html` — with the same checks, trust, revocation, time and policy as a PDF's
    /// signatures; `name` is how the report names it. Never panics.
    pub fn verify_detached(&self, name: &str, content: &[u8], signature: &[u8]) -> DocumentReport {
        let der = crate::asn1::der_objects(signature, "CMS")
            .ok()
            .and_then(|mut d| d.pop())
            .unwrap_or_else(|| signature.to_vec());
        let verified = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            super::detached::verify(name, content, &der, &self.ctx, &self.caches)
        }));
        let mut report =
            verified.unwrap_or_else(|_| DocumentReport::unreadable(name, PANICKED.into()));
        report.policy.name.clone_from(&self.ctx.policy.name);
        report
    }

    /// [`Verifier::verify`] without the panic guard, for the fuzz targets: a panic is what
    /// a fuzzer looks for.
    pub(crate) fn verify_unguarded(&self, name: &str, data: &[u8]) -> DocumentReport {
        document::verify(name, data, &self.ctx, &self.caches, &UNLIMITED)
    }

    /// Whether documents are judged in dossiers (each directory or archive folder one set,
    /// [`VerifierBuilder::dossier`]): the engine (`engine::run`) then writes lines in input order
    /// and applies the dossier rules.
    pub fn dossier(&self) -> bool {
        self.ctx.dossier
    }

    /// The validation policy.
    pub fn policy(&self) -> &Policy {
        &self.ctx.policy
    }

    /// The validation time.
    pub fn validation_time(&self) -> ValidationTime {
        ValidationTime::from_unix(self.ctx.at)
    }

    /// The counters of every cache (hits, misses, evictions, bytes held).
    pub fn cache_stats(&self) -> CachesStats {
        self.caches.stats()
    }

    /// What fetching did so far (`None` when the verifier is offline).
    pub fn fetch_stats(&self) -> Option<FetchStats> {
        self.ctx.online.as_ref().map(|o| o.fetcher.stats())
    }

    /// Files the run's fetch log in the evidence directory (`fetches.jsonl`: every URL
    /// fetched, read from the cache directory, refused or failed), when the verifier both
    /// fetches and keeps evidence; call once, at the end of a run.
    pub fn file_fetch_log(&self) -> std::io::Result<()> {
        match (&self.ctx.online, &self.ctx.evidence) {
            (Some(online), Some(ev)) => ev.file_fetches(&online.fetcher.log()),
            _ => Ok(()),
        }
    }

    /// The evidence directory's failed writes: how many, and the first error (`None` when
    /// no evidence is kept).
    pub fn evidence_failures(&self) -> Option<(u64, Option<String>)> {
        self.ctx.evidence.as_ref().map(|e| e.failures())
    }

    /// The thread pool given to the builder, if any.
    pub(crate) fn pool(&self) -> Option<&rayon::ThreadPool> {
        self.pool.as_deref()
    }
}

/// Which input of the builder a [`BuildError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Material {
    /// [`VerifierBuilder::trust_anchors`].
    TrustAnchor,
    /// [`VerifierBuilder::intermediates`].
    Intermediate,
    /// [`VerifierBuilder::crls`].
    Crl,
    /// [`VerifierBuilder::ocsp_responses`].
    OcspResponse,
}

impl fmt::Display for Material {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Material::TrustAnchor => "trust anchor",
            Material::Intermediate => "intermediate certificate",
            Material::Crl => "CRL",
            Material::OcspResponse => "OCSP response",
        })
    }
}

/// Why a [`Verifier`] could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// No validation time was given: nothing inside sigaudit reads the clock.
    NoValidationTime,
    /// The `index`th input (0-based) of its kind does not read.
    Material {
        /// Which input.
        kind: Material,
        /// Its position among the inputs of its kind.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::NoValidationTime => f.write_str("no validation time was given"),
            BuildError::Material {
                kind,
                index,
                reason,
            } => write!(f, "{kind} {index}: {reason}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// Builds a [`Verifier`]. Certificates, CRLs and OCSP responses are given as DER, or as PEM
/// text holding one or more blocks (RFC 7468 labels `CERTIFICATE`, `X509 CRL`,
/// `OCSP RESPONSE`).
///
/// ```
/// use sigaudit::{CacheLimits, Policy, ValidationTime, Verifier};
///
/// let root = std::fs::read("corpus/sample/pki/roots/root.pem").unwrap();
/// let verifier = Verifier::builder()
///     .trust_anchors([root])
///     .validation_time(ValidationTime::from_unix(1_782_864_000))
///     .policy(Policy::default())
///     .cache_limits(CacheLimits::default())
///     .build()
///     .unwrap();
/// assert_eq!(verifier.validation_time().to_string(), "2026-07-01T00:00:00Z");
/// ```
#[derive(Default)]
pub struct VerifierBuilder {
    anchors: Vec<Vec<u8>>,
    intermediates: Vec<Vec<u8>>,
    crls: Vec<Vec<u8>>,
    ocsps: Vec<Vec<u8>>,
    at: Option<ValidationTime>,
    limits: CacheLimits,
    policy: Policy,
    pool: Option<Arc<rayon::ThreadPool>>,
    online: Option<super::Fetching>,
    evidence: Option<Arc<Evidence>>,
    dossier: bool,
    keep_objects: bool,
}

/// How a [`Verifier`] fetches what documents do not carry (`--online`).
///
/// ```
/// use sigaudit::{FetchConfig, Online, Prefer};
///
/// let online = Online::new(FetchConfig::default(), None).prefer(Prefer::Ocsp);
/// # let _ = online;
/// ```
pub struct Online {
    inner: super::Fetching,
}

impl Online {
    /// Fetching with `config`, and with a persistent store shared by runs when given.
    pub fn new(config: FetchConfig, store: Option<Arc<Store>>) -> Online {
        let nonce = config.ocsp_nonce;
        Online {
            inner: super::Fetching {
                fetcher: Arc::new(Fetcher::new(config, store)),
                prefer: Prefer::default(),
                nonce,
                max_age: DEFAULT_MAX_AGE,
            },
        }
    }

    /// Which revocation source is asked first (CRL by default).
    pub fn prefer(mut self, prefer: Prefer) -> Online {
        self.inner.prefer = prefer;
        self
    }

    /// The largest age (seconds) at the validation time of a CRL or OCSP response that has
    /// no nextUpdate (default a week).
    pub fn max_age(mut self, seconds: i64) -> Online {
        self.inner.max_age = seconds;
        self
    }
}

/// A CRL or response without nextUpdate is taken for a week: CAs publish CRLs at least
/// weekly (CA/Browser Forum Baseline Requirements 4.9.7 require a new CRL every 7 days).
const DEFAULT_MAX_AGE: i64 = 7 * 24 * 3600;

/// Owned copies of the byte strings of `items`.
fn owned<I, B>(items: I) -> impl Iterator<Item = Vec<u8>>
where
    I: IntoIterator<Item = B>,
    B: AsRef<[u8]>,
{
    items.into_iter().map(|b| b.as_ref().to_vec())
}

impl VerifierBuilder {
    /// Adds trust anchors (root or other trusted certificates): every path ends at one.
    pub fn trust_anchors<I: IntoIterator<Item = B>, B: AsRef<[u8]>>(mut self, certs: I) -> Self {
        self.anchors.extend(owned(certs));
        self
    }

    /// Adds intermediate certificates that paths may use besides those a document carries.
    pub fn intermediates<I: IntoIterator<Item = B>, B: AsRef<[u8]>>(mut self, certs: I) -> Self {
        self.intermediates.extend(owned(certs));
        self
    }

    /// Adds CRLs (RFC 5280), used with those a document carries.
    pub fn crls<I: IntoIterator<Item = B>, B: AsRef<[u8]>>(mut self, crls: I) -> Self {
        self.crls.extend(owned(crls));
        self
    }

    /// Adds OCSP responses (RFC 6960), used with those a document carries.
    pub fn ocsp_responses<I: IntoIterator<Item = B>, B: AsRef<[u8]>>(mut self, ocsps: I) -> Self {
        self.ocsps.extend(owned(ocsps));
        self
    }

    /// The validation time (required).
    pub fn validation_time(mut self, at: ValidationTime) -> Self {
        self.at = Some(at);
        self
    }

    /// The caches' memory limits (default: [`CacheLimits::default`]).
    pub fn cache_limits(mut self, limits: CacheLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The validation policy (default: [`Policy::default`]).
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// The thread pool [`Verifier::verify`] spreads a document's signatures over (default:
    /// rayon's global pool).
    pub fn thread_pool(mut self, pool: Arc<rayon::ThreadPool>) -> Self {
        self.pool = Some(pool);
        self
    }

    /// Fetches missing issuers, CRLs and OCSP responses over HTTP when the document and the
    /// given material do not settle a question.
    pub fn online(mut self, online: Online) -> Self {
        self.online = Some(online.inner);
        self
    }

    /// Files every certificate, CRL and OCSP response a verdict used in an evidence
    /// directory.
    pub fn evidence(mut self, evidence: Arc<Evidence>) -> Self {
        self.evidence = Some(evidence);
        self
    }

    /// Judges documents in dossiers (`--dossier`; the engine (`engine::run`) judges each directory or archive folder as one
    /// set):
    /// an issued document's rules (`issued.*`) then apply to a dossier's main document alone,
    /// once the engine has seen the dossier; [`Verifier::verify`] leaves them held.
    pub fn dossier(mut self, dossier: bool) -> Self {
        self.dossier = dossier;
        self
    }

    /// Keeps, in each signature's report, the validation objects an ETSI TS 119 102-2 report
    /// names (signature value, signed digest, certificate path, timestamp token), for
    /// the `etsi_xml` reports (`--etsi-xml`). Off by default: they cost memory per report.
    pub fn keep_validation_objects(mut self, keep: bool) -> Self {
        self.keep_objects = keep;
        self
    }

    /// Parses the trust material and builds the verifier.
    pub fn build(self) -> Result<Verifier, BuildError> {
        let at = self.at.ok_or(BuildError::NoValidationTime)?;
        let caches = Caches::with_limits(self.limits);
        let certs = |kind, items: &[Vec<u8>]| {
            let mut out = Vec::new();
            for (index, der) in decoded(kind, items, "CERTIFICATE")? {
                let cert = caches
                    .certificate(&der)
                    .ok_or_else(|| BuildError::Material {
                        kind,
                        index,
                        reason: "not a parsable certificate".into(),
                    })?;
                out.push(cert);
            }
            Ok(out)
        };
        // The policy's own anchors and sub-CAs join the given ones; the `trust.anchor` rule
        // then asks which of them a path ended at.
        let policy_anchors = certs(Material::TrustAnchor, self.policy.anchors())?;
        let mut anchors = certs(Material::TrustAnchor, &self.anchors)?;
        anchors.extend(policy_anchors.iter().cloned());
        let mut intermediates = certs(Material::Intermediate, &self.intermediates)?;
        intermediates.extend(certs(Material::Intermediate, self.policy.certificates())?);
        let mut crls = Vec::new();
        for (index, der) in decoded(Material::Crl, &self.crls, "X509 CRL")? {
            let mut one = Sources::default();
            one.add_crl(&der, &caches.revocation);
            crls.push(one.crls.pop().ok_or_else(|| BuildError::Material {
                kind: Material::Crl,
                index,
                reason: "not a parsable CRL".into(),
            })?);
        }
        let ocsps = decoded(Material::OcspResponse, &self.ocsps, "OCSP RESPONSE")?
            .into_iter()
            .map(|(_, d)| d)
            .collect();
        let ctx = Context {
            store: TrustStore::new(anchors, intermediates),
            crls,
            ocsps,
            at: at.unix(),
            policy: self.policy,
            policy_anchors: policy_anchors.iter().map(|c| c.sha256).collect(),
            dossier: self.dossier,
            keep_objects: self.keep_objects,
            online: self.online,
            evidence: self.evidence,
        };
        Ok(Verifier {
            ctx,
            caches,
            pool: self.pool,
        })
    }
}

/// The DER objects of `items` (PEM blocks labelled `label` decoded), each with the index of
/// the item it came from.
fn decoded(
    kind: Material,
    items: &[Vec<u8>],
    label: &str,
) -> Result<Vec<(usize, Vec<u8>)>, BuildError> {
    let mut out = Vec::new();
    for (index, bytes) in items.iter().enumerate() {
        let ders =
            crate::asn1::der_objects(bytes, label).map_err(|reason| BuildError::Material {
                kind,
                index,
                reason,
            })?;
        out.extend(ders.into_iter().map(|d| (index, d)));
    }
    Ok(out)
}
