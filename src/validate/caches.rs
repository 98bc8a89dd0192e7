//! Every cache of a run, gathered: the path stage's and the revocation stage's, with one set
//! of limits and one set of counters for the summary.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::cache::CacheStats;
use crate::pki::cert::Cert;

/// The byte limit of each cache (estimated bytes of the entries held).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheLimits {
    /// Parsed certificates.
    pub certificates: u64,
    /// Certificate signature checks.
    pub signatures: u64,
    /// Path results.
    pub paths: u64,
    /// Parsed CRLs with their serial indexes.
    pub crls: u64,
    /// CRL signature checks.
    pub crl_signatures: u64,
    /// OCSP results.
    pub ocsp: u64,
}

const MIB: u64 = 1 << 20;

impl Default for CacheLimits {
    /// 224 MiB in all: room for about 40,000 parsed certificates and their paths, and for
    /// national CRLs of several hundred thousand serials, before anything is evicted.
    fn default() -> Self {
        CacheLimits {
            certificates: 96 * MIB,
            signatures: 16 * MIB,
            paths: 32 * MIB,
            crls: 64 * MIB,
            crl_signatures: MIB,
            ocsp: 15 * MIB,
        }
    }
}

/// A `--cache-size` setting that does not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLimit(pub String);

impl fmt::Display for BadLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl CacheLimits {
    /// The caches' names, as the summary and `NAME=SIZE` settings spell them.
    pub const NAMES: [&'static str; 6] = [
        "certificates",
        "signatures",
        "paths",
        "crls",
        "crl_signatures",
        "ocsp",
    ];

    /// Sets one limit from `NAME=SIZE` (SIZE in bytes, with an optional K, M or G binary
    /// suffix), e.g. `certificates=256M`.
    pub fn set(&mut self, setting: &str) -> Result<(), BadLimit> {
        let (name, size) = setting
            .split_once('=')
            .ok_or_else(|| BadLimit(format!("{setting:?}: expected NAME=SIZE")))?;
        let bytes = crate::memory::parse_size(size)
            .ok_or_else(|| BadLimit(format!("{setting:?}: bad size {size:?} (e.g. 64M)")))?;
        let slot = match name {
            "certificates" => &mut self.certificates,
            "signatures" => &mut self.signatures,
            "paths" => &mut self.paths,
            "crls" => &mut self.crls,
            "crl_signatures" => &mut self.crl_signatures,
            "ocsp" => &mut self.ocsp,
            _ => {
                return Err(BadLimit(format!(
                    "{name:?}: no such cache (one of {})",
                    Self::NAMES.join(", ")
                )))
            }
        };
        *slot = bytes;
        Ok(())
    }
}

/// Every cache of a run: one value passed by reference to every document.
pub struct Caches {
    /// Certificates, signature checks and paths.
    pub pki: crate::pki::Caches,
    /// CRLs and OCSP results.
    pub revocation: crate::revocation::Caches,
}

/// The counters of every cache, as the summary prints them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachesStats {
    /// Certificate parses.
    pub certificates: CacheStats,
    /// Certificate signature checks.
    pub signatures: CacheStats,
    /// Path results.
    pub paths: CacheStats,
    /// CRL parses.
    pub crls: CacheStats,
    /// CRL signature checks.
    pub crl_signatures: CacheStats,
    /// OCSP results.
    pub ocsp: CacheStats,
    /// DSS CRL streams recognised by their raw bytes (not inflated again).
    pub dss_streams: CacheStats,
    /// DSS certificate and OCSP streams recognised by their raw bytes (not inflated again).
    pub dss_objects: CacheStats,
}

impl CachesStats {
    /// Each cache's counters with its name.
    pub fn named(&self) -> [(&'static str, CacheStats); 8] {
        [
            ("certificates", self.certificates),
            ("signatures", self.signatures),
            ("paths", self.paths),
            ("crls", self.crls),
            ("crl_signatures", self.crl_signatures),
            ("ocsp", self.ocsp),
            ("dss_streams", self.dss_streams),
            ("dss_objects", self.dss_objects),
        ]
    }
}

impl Default for Caches {
    fn default() -> Self {
        Caches::with_limits(CacheLimits::default())
    }
}

impl Caches {
    /// Empty caches with the default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Empty caches with the given limits.
    pub fn with_limits(limits: CacheLimits) -> Self {
        Caches {
            pki: crate::pki::Caches::new(limits.certificates, limits.signatures, limits.paths),
            revocation: crate::revocation::Caches::new(
                limits.crls,
                limits.crl_signatures,
                limits.ocsp,
            ),
        }
    }

    /// The counters of every cache.
    pub fn stats(&self) -> CachesStats {
        CachesStats {
            certificates: self.pki.certificates.stats(),
            signatures: self.pki.signatures.stats(),
            paths: self.pki.paths.stats(),
            crls: self.revocation.crls.stats(),
            crl_signatures: self.revocation.crl_signatures.stats(),
            ocsp: self.revocation.ocsp.stats(),
            dss_streams: self.revocation.dss_streams.stats(),
            dss_objects: self.revocation.dss_objects.stats(),
        }
    }

    /// A certificate from its DER, parsed once per run (while it stays cached).
    pub fn certificate(&self, der: &[u8]) -> Option<Cert> {
        self.pki.certificate(der)
    }
}
