//! sigaudit verifies the digital signatures of very large archives of signed PDF documents.
//!
//! The pipeline stages (input, pdf, digest, cms, pki, revocation, verdict, report, engine) land
//! one module at a time. This release holds:
//!
//! - [`pdf`]: the lazy, revision-aware reader (bytes → revisions and signature dictionaries);
//! - [`digest`]: byte-range checks and one-pass digests of the signed bytes;
//! - [`inspect`]: both, as data for `sigaudit inspect`;
//! - [`verdict`]: the ETSI EN 319 102-1 vocabulary shared with the corpus generator.

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod cache;
pub mod cms;
pub mod digest;
pub mod engine;
pub mod input;
pub mod inspect;
pub mod pdf;
pub mod pki;
pub mod report;
pub mod revocation;
pub mod verdict;
pub mod verify;
