//! The stages, each a module of its own: declared here, public for sigaudit's own tests,
//! benchmarks and fuzz targets (hidden from the documentation, not API), and used from the
//! crate root inside the crate.

#[path = "asn1/mod.rs"]
pub mod asn1;
#[path = "cache.rs"]
pub mod cache;
#[path = "cms/mod.rs"]
pub mod cms;
#[path = "crypto/mod.rs"]
pub mod crypto;
#[path = "digest/mod.rs"]
pub mod digest;
#[path = "etsi_xml/mod.rs"]
pub mod etsi_xml;
#[path = "evidence.rs"]
pub mod evidence;
#[path = "fetch/mod.rs"]
pub mod fetch;
#[path = "forensics/mod.rs"]
pub mod forensics;
#[path = "fuzz_targets.rs"]
pub mod fuzz_targets;
#[path = "input/mod.rs"]
pub mod input;
#[path = "inspect.rs"]
pub mod inspect;
#[path = "memory/mod.rs"]
pub mod memory;
#[path = "pdf/mod.rs"]
pub mod pdf;
#[path = "pki/mod.rs"]
pub mod pki;
#[path = "policy/mod.rs"]
pub mod policy;
#[path = "report.rs"]
pub mod report;
#[path = "revocation/mod.rs"]
pub mod revocation;
#[path = "seal/mod.rs"]
pub mod seal;
#[path = "store/mod.rs"]
pub mod store;
#[path = "validate/mod.rs"]
pub mod validate;
#[path = "verdict.rs"]
pub mod verdict;
