//! sigaudit verifies the digital signatures of very large archives of signed PDF documents.
//!
//! The pipeline stages (input, pdf, digest, cms, pki, revocation, verdict, report, engine) land
//! one module at a time; this release holds the verdict vocabulary shared with the corpus
//! generator.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod verdict;
