//! sigaudit verifies the digital signatures of very large archives of signed PDF documents.
//!
//! Build a [`Verifier`] once — trust anchors, intermediates and revocation data as DER (or
//! PEM), a [`ValidationTime`], a [`Policy`] — and give it documents: each gets one
//! [`DocumentReport`] with an ETSI EN 319 102-1 verdict per signature and for the document.
//!
//! ```
//! use sigaudit::{DocumentStatus, Indication, ValidationTime, Verifier};
//!
//! let root = std::fs::read("corpus/sample/pki/roots/root.pem")?;
//! let verifier = Verifier::builder()
//!     .trust_anchors([root])
//!     .crls([
//!         std::fs::read("corpus/sample/pki/crls/ca-organisation.crl")?,
//!         std::fs::read("corpus/sample/pki/crls/ca-personal.crl")?,
//!         std::fs::read("corpus/sample/pki/crls/root.crl")?,
//!     ])
//!     .validation_time(ValidationTime::parse_rfc3339("2026-07-01T00:00:00Z")?)
//!     .build()?;
//!
//! let pdf = std::fs::read("corpus/sample/docs/doc-000001.pdf")?;
//! let report = verifier.verify("doc-000001.pdf", &pdf);
//! assert_eq!(report.status, DocumentStatus::TotalPassed);
//! assert_eq!(report.signatures.len(), 6);
//! assert!(report
//!     .signatures
//!     .iter()
//!     .all(|s| s.indication == Indication::TotalPassed));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! For archives — directories, tar and zip files, lists of paths — [`engine::run`] verifies
//! every document with work stealing across documents and signatures, within a memory budget,
//! and writes one line per document through a [`Sink`]. [`load`] reads trust material from
//! files for callers whose material lives there.
//!
//! The stages, one module each (private; what a caller needs is re-exported here): `input`
//! (files, directories, archives; each document mapped), `pdf` (the lazy, revision-aware
//! reader), `forensics` (what each incremental update changes, and the attacks it matches),
//! `digest` (byte ranges and one-pass hashing), `asn1`, `crypto`, `cms`, `pki` and
//! `revocation` (the leaves: ASN.1, signature algorithms, CMS, paths, CRLs and OCSP),
//! `validate` (one document's verdicts), `report` (the report's wire format), `premis` (a
//! report line as a PREMIS 3 validation event in METS, for archive ingestion), `engine`
//! (the bulk pipeline, and `--shard K/N`: one part of an audit run across a cluster), `merge`
//! (the shards' reports made into the one report a single run writes), `audit` (reports read back into an auditor's HTML page), `fetch`
//! (issuers, CRLs and OCSP responses over HTTP, guarded against what untrusted URLs could
//! reach), `store` (the persistent cache of what was fetched, shared by the processes of one
//! audit) and `warm` (the cache filled before an audit starts).

#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod engine;
/// ETSI TS 119 102-2 validation reports in XML (`--etsi-xml DIR`).
pub mod etsi_xml {
    pub use crate::internals::etsi_xml::{
        document_xml, document_xml_into, report_path, XmlReports, MANIFEST, NAMESPACE,
    };
}
pub mod load;
pub mod merge;
pub use internals::seal;

// The stages live in `internals` (hidden, not API) so that sigaudit's own tests, benchmarks
// and fuzz targets reach them; inside the crate they are used from the root as if declared
// here.
use internals::{
    asn1, audit, cache, cms, crypto, digest, evidence, fetch, forensics, input, inspect, memory,
    pdf, pki, policy, premis, report, revocation, store, validate, verdict, warm,
};

/// What an auditor files: `verify`'s JSONL reports aggregated into one self-contained HTML
/// page (`sigaudit report --html`).
pub use audit::AuditReport;
pub use cache::CacheStats;
pub use engine::{JsonLines, Line, Sink, Summary, TextLines};
pub use evidence::{Evidence, EvidenceKind};
/// Online fetching of issuers, CRLs and OCSP responses (`--online`): the fetcher shared by a
/// run's workers, its configuration (`--fetch-allow` rules among it) and its counters.
pub use fetch::{AllowRule, FetchConfig, FetchStats, Fetcher};
pub use forensics::{ChangeFinding, FindingKind, Modifications};
pub use input::Access;
pub use inspect::{inspect, Inspection};
pub use memory::{parse_size, BombRule, MemoryStats, TempStats};
/// Validation policies as data (`--policy`): rules at FAIL, WARN, INFORM or IGNORE, the
/// built-in `etsi` and the Vietnamese government pack.
pub use policy::{
    organisation_id, Finding as PolicyFinding, Level, Parameters, Policy, PolicyError, Role, Rule,
};
/// PREMIS 3 validation events in METS, one file per document, for archive ingestion.
pub use premis::{mets_path, premis_mets, write_premis_dir, PremisError, METS_SUFFIX};
pub use report::{
    DocumentReport, Integrity, Permissions, RevocationReport, SignatureReport, SignerReport,
    TimestampReport,
};
/// The persistent fetch cache (`--cache DIR`), shared by runs and by processes running at
/// once, and its counters.
pub use store::{Store, StoreStats};
pub use validate::{
    still_current, BadLimit, BuildError, CacheLimits, CachesStats, Material, Online, Prefer,
    TimeError, ValidationTime, Verifier, VerifierBuilder,
};
pub use verdict::{DocumentStatus, Indication, SubIndication};
/// Filling the fetch cache before an audit's shards start (`sigaudit cache warm`): the CRLs
/// and missing issuers the documents' certificates name, fetched once each.
pub use warm::{warm, WarmFailure, WarmKind, WarmOptions, WarmReport};

/// The stages themselves, for sigaudit's own tests, benchmarks and fuzz targets. Not part of
/// the API: anything here may change in any release.
#[doc(hidden)]
pub mod internals;
