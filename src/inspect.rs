//! `sigaudit inspect`: what the reader and the byte-range checks saw in one file, as data.

use serde::Serialize;

use crate::digest::{self, DigestAlgorithm, RangeCheck, Request};
use crate::forensics::{self, RevisionDiff};
use crate::pdf::{Document, Span};

/// The inspection of one file.
#[derive(Debug, Serialize)]
pub struct Inspection {
    /// File size in bytes.
    pub len: usize,
    /// The reader's model, or why there is none.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The reader's result.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The document model with its byte-range checks.
    Document(Box<InspectedDocument>),
    /// The reader's error.
    Error(String),
}

/// A document with one [`RangeCheck`] and one SHA-256 digest per signature.
#[derive(Debug, Serialize)]
pub struct InspectedDocument {
    /// What the reader saw.
    #[serde(flatten)]
    pub document: Document,
    /// What each revision after the first changes, classified once per revision pair (and
    /// the bytes after the last revision, when they hold object syntax).
    pub changes: Vec<RevisionDiff>,
    /// Per signature, in the same order: the byte-range checks.
    pub checks: Vec<CheckedSignature>,
    /// Bytes after the last signed range, if any.
    pub unsigned_tail: Option<Span>,
}

/// The byte-range checks and the SHA-256 of the signed bytes of one signature.
#[derive(Debug, Serialize)]
pub struct CheckedSignature {
    /// Field name (as in the signature list).
    pub field: String,
    /// The checks.
    #[serde(flatten)]
    pub check: RangeCheck,
    /// SHA-256 of the signed bytes, hex, when the range is in bounds.
    pub sha256: Option<String>,
}

impl Inspection {
    /// Whether the file could not be read as a PDF.
    pub fn is_error(&self) -> bool {
        matches!(self.outcome, Outcome::Error(_))
    }
}

/// Inspect one file's bytes.
pub fn inspect(data: &[u8]) -> Inspection {
    let outcome = match forensics::examine(data) {
        Err(e) => Outcome::Error(e.to_string()),
        Ok((document, changes)) => {
            let checks: Vec<RangeCheck> = document
                .signatures
                .iter()
                .map(|s| digest::check(&document, s))
                .collect();
            let requests: Vec<Request> = checks
                .iter()
                .filter_map(|c| c.ranges)
                .map(|ranges| Request {
                    algorithm: DigestAlgorithm::Sha256,
                    ranges,
                })
                .collect();
            let (digests, _) = digest::one_pass(data, &requests);
            let mut digests = digests.into_iter();
            let unsigned_tail = digest::unsigned_tail(&document, &checks);
            let checks = document
                .signatures
                .iter()
                .zip(checks)
                .map(|(s, check)| CheckedSignature {
                    field: s.field.clone(),
                    sha256: check
                        .ranges
                        .and_then(|_| digests.next())
                        .map(|d| hex(d.as_ref())),
                    check,
                })
                .collect();
            Outcome::Document(Box::new(InspectedDocument {
                document,
                changes,
                checks,
                unsigned_tail,
            }))
        }
    };
    Inspection {
        len: data.len(),
        outcome,
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
