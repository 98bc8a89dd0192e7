//! sigaudit verifies the digital signatures of very large archives of signed PDF documents.
//!
//! The pipeline, one module per stage:
//!
//! - [`input`]: files, directories, tar and zip archives, stdin lists; each document mapped;
//! - [`pdf`]: the lazy, revision-aware reader (bytes → revisions and signature dictionaries);
//! - [`digest`]: byte-range checks and one-pass digests of the signed bytes;
//! - [`cms`]: BER-tolerant CMS with byte spans, and signature verification through ring;
//! - [`pki`]: certificates and path building; [`revocation`]: CRLs and OCSP;
//! - [`verify`]: one document's signatures judged; [`verdict`]: the ETSI EN 319 102-1
//!   vocabulary and where each stage's errors lead; [`report`]: the report line;
//! - [`engine`]: the bulk pipeline (enumerate → verify → write), nothing lost, resumable;
//! - [`cache`]: the caches shared by every document of a run; [`inspect`]: the reader's view.

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod asn1;
pub mod cache;
pub mod cms;
pub mod crypto;
pub mod digest;
pub mod engine;
#[doc(hidden)]
pub mod fuzz_targets;
pub mod input;
pub mod inspect;
pub mod memory;
pub mod pdf;
pub mod pki;
pub mod report;
pub mod revocation;
pub mod validate;
pub mod verdict;
pub mod verify;
