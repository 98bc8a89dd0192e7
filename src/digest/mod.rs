//! Byte-range checks and digests of the signed bytes.
//!
//! ISO 32000-1 §12.8.1, Table 252, `/ByteRange`: "An array of pairs of integers (starting
//! byte offset, length in bytes) that shall describe the exact byte range for the digest
//! calculation. … the signature dictionary's /Contents value … shall not be included" —
//! in practice, and as PAdES (ETSI EN 319 142-1 §5.1) requires, `[0 a b c]` where `[a, b)` is
//! exactly the `/Contents` string.
//!
//! Digests are computed in one pass per algorithm: the signatures of successive revisions
//! share the prefix `[0, a)`, so one running context is cloned at each gap start and each
//! clone finishes on its own tail `[b, b + c)` — a large attachment in the first revision is
//! hashed once, not once per signature. [`naive`] hashes every signature separately and is
//! kept as the oracle.

use crate::memory::pages;
use std::ops::Range;

use crate::crypto::Hasher as Context;
use serde::Serialize;

use crate::pdf::{Document, Signature, Span};

/// How much of the file a signature covers, with pyHanko's meaning of the same names
/// (`SignatureCoverageLevel`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Coverage {
    /// The byte range is malformed or its gap is not the signature's `/Contents`.
    Unclear,
    /// Well formed, but it ends neither at a revision's end nor at the end of the file.
    ContiguousBlockFromStart,
    /// It ends where a revision ends; later revisions follow.
    EntireRevision,
    /// It covers the whole file except its own `/Contents`.
    EntireFile,
}

/// Something wrong with a `/ByteRange`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RangeProblem {
    /// No `/ByteRange`, or not an array of integers.
    Missing,
    /// Not exactly four numbers `[0 a b c]`.
    NotFourIntegers,
    /// A negative offset or length.
    Negative,
    /// The first range does not start at byte 0.
    NotFromStart,
    /// A range reaches past the end of the file.
    OutOfBounds,
    /// The second range starts before the first ends.
    Overlap,
    /// The signature dictionary has no `/Contents` string in the file.
    NoContents,
    /// The signature dictionary has more than one `/Contents` key.
    DuplicateContents,
    /// The gap `[a, b)` is not exactly the `/Contents` string: signature wrapping.
    GapNotContents,
}

/// The byte-range checks of one signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RangeCheck {
    /// The coverage level.
    pub coverage: Coverage,
    /// Everything found wrong (empty when well formed and the gap is `/Contents`).
    pub problems: Vec<RangeProblem>,
    /// The signed ranges `[0, a)` and `[b, b + c)` when the array is well formed.
    #[serde(skip)]
    pub ranges: Option<SignedRanges>,
    /// One past the last signed byte.
    pub signed_end: Option<usize>,
    /// The revision (1-based) whose end the range ends at, if any.
    pub ends_revision: Option<usize>,
    /// True when the range covers the file up to its last byte.
    pub covers_whole_file: bool,
}

/// A well-formed byte range: `[0, a)` and `[b, end)` with `a ≤ b ≤ end ≤ file length`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SignedRanges {
    /// End of the first range (start of the gap).
    pub a: usize,
    /// Start of the second range (end of the gap).
    pub b: usize,
    /// End of the second range.
    pub end: usize,
}

impl SignedRanges {
    /// The two ranges.
    pub fn ranges(&self) -> [Range<usize>; 2] {
        [0..self.a, self.b..self.end]
    }

    /// The signed bytes of `data`, joined (for signatures over the content itself: CMS without
    /// signed attributes, adbe.x509.rsa_sha1).
    pub fn joined(&self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.signed_len());
        for r in self.ranges() {
            out.extend_from_slice(&data[r]);
        }
        out
    }

    /// Number of signed bytes.
    pub fn signed_len(&self) -> usize {
        self.a + (self.end - self.b)
    }
}

/// Check the `/ByteRange` of `sig` in `doc`.
pub fn check(doc: &Document, sig: &Signature) -> RangeCheck {
    let mut problems = Vec::new();
    let len = doc.len as i128;
    let mut ranges = None;
    match sig.byte_range.as_deref() {
        None => problems.push(RangeProblem::Missing),
        Some(br) if br.len() != 4 => problems.push(RangeProblem::NotFourIntegers),
        Some(&[s0, l0, s1, l1]) => {
            let (s0, l0, s1, l1) = (s0 as i128, l0 as i128, s1 as i128, l1 as i128);
            if s0 < 0 || l0 < 0 || s1 < 0 || l1 < 0 {
                problems.push(RangeProblem::Negative);
            } else {
                if s0 != 0 {
                    problems.push(RangeProblem::NotFromStart);
                }
                if s0 + l0 > len || s1 + l1 > len {
                    problems.push(RangeProblem::OutOfBounds);
                }
                if s1 < s0 + l0 {
                    problems.push(RangeProblem::Overlap);
                }
                if problems.is_empty() {
                    ranges = Some(SignedRanges {
                        a: l0 as usize,
                        b: s1 as usize,
                        end: (s1 + l1) as usize,
                    });
                }
            }
        }
        Some(_) => unreachable!("length checked above"),
    }
    if sig.contents_keys > 1 {
        problems.push(RangeProblem::DuplicateContents);
    }
    match (&sig.contents, &ranges) {
        (None, _) => problems.push(RangeProblem::NoContents),
        (Some(c), Some(r)) if c.span != Span::new(r.a, r.b) => {
            problems.push(RangeProblem::GapNotContents)
        }
        _ => {}
    }
    let signed_end = ranges.map(|r| r.end);
    let covers_whole_file = signed_end == Some(doc.len);
    let ends_revision = signed_end.and_then(|e| {
        doc.revisions
            .iter()
            .find(|rev| rev.eof <= e && e <= rev.end)
            .map(|rev| rev.index)
    });
    let coverage = if !problems.is_empty() {
        Coverage::Unclear
    } else if covers_whole_file {
        Coverage::EntireFile
    } else if ends_revision.is_some() {
        Coverage::EntireRevision
    } else {
        Coverage::ContiguousBlockFromStart
    };
    RangeCheck {
        coverage,
        problems,
        ranges,
        signed_end,
        ends_revision,
        covers_whole_file,
    }
}

/// The bytes after the end of the last signed range: an unsigned trailing revision, or
/// bytes appended after signing. `None` when some signature covers the whole file or no
/// signature has a well-formed range.
pub fn unsigned_tail(doc: &Document, checks: &[RangeCheck]) -> Option<Span> {
    let end = checks.iter().filter_map(|c| c.signed_end).max()?;
    (end < doc.len).then(|| Span::new(end, doc.len))
}

pub use crate::crypto::{Digest, DigestAlgorithm};

/// One digest to compute: the algorithm and the signed ranges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// The algorithm.
    pub algorithm: DigestAlgorithm,
    /// The signed ranges (in bounds of the data being hashed).
    pub ranges: SignedRanges,
}

/// Work done by a digest computation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HashStats {
    /// Bytes fed to digest contexts, over all algorithms.
    pub bytes_hashed: u64,
}

fn check_bounds(data: &[u8], r: &SignedRanges) {
    assert!(
        r.a <= r.b && r.b <= r.end && r.end <= data.len(),
        "SignedRanges outside the data: build them with digest::check on the same bytes"
    );
}

/// Hash every request separately: the oracle.
///
/// # Panics
/// If a request's ranges lie outside `data` (they come from [`check`] on the same bytes).
pub fn naive(data: &[u8], requests: &[Request]) -> (Vec<Digest>, HashStats) {
    let mut stats = HashStats::default();
    let digests = requests
        .iter()
        .map(|req| {
            check_bounds(data, &req.ranges);
            let mut ctx = Context::new(req.algorithm);
            for r in req.ranges.ranges() {
                ctx.update(&data[r.clone()]);
                stats.bytes_hashed += r.len() as u64;
            }
            ctx.finish()
        })
        .collect();
    (digests, stats)
}

/// Hashes `data[range]` into `ctx`, a window at a time when `behind` releases pages.
fn update(
    ctx: &mut Context,
    data: &[u8],
    range: std::ops::Range<usize>,
    behind: &mut pages::Behind<'_>,
) {
    if !behind.active() {
        ctx.update(&data[range]);
        return;
    }
    let mut at = range.start;
    while at < range.end {
        let end = range.end.min(at + pages::WINDOW);
        ctx.update(&data[at..end]);
        behind.reached(end);
        at = end;
    }
}

/// Hash all requests in one pass per algorithm, sharing every common prefix.
///
/// For each algorithm, requests are taken in order of gap start `a`; one running context
/// advances over `[0, a)` and is cloned there; the clone takes the request's tail
/// `[b, end)` and finishes. Bytes hashed: `max(a) + Σ (end − b)` instead of
/// `Σ (a + end − b)`.
///
/// # Panics
/// If a request's ranges lie outside `data` (they come from [`check`] on the same bytes).
pub fn one_pass(data: &[u8], requests: &[Request]) -> (Vec<Digest>, HashStats) {
    let mut stats = HashStats::default();
    let mut out: Vec<Option<Digest>> = vec![None; requests.len()];
    let mut order: Vec<usize> = (0..requests.len()).collect();
    order.sort_by_key(|&i| (requests[i].algorithm, requests[i].ranges.a));
    for group in order.chunk_by(|&x, &y| requests[x].algorithm == requests[y].algorithm) {
        let mut running = Context::new(requests[group[0]].algorithm);
        // Over a large mapped document, the pages behind the hashing are given back.
        let mut behind = pages::Behind::new(data);
        let mut pos = 0;
        for &i in group {
            let r = requests[i].ranges;
            check_bounds(data, &r);
            update(&mut running, data, pos..r.a, &mut behind);
            stats.bytes_hashed += (r.a - pos) as u64;
            pos = r.a;
            let mut branch = running.clone();
            update(&mut branch, data, r.b..r.end, &mut behind);
            stats.bytes_hashed += (r.end - r.b) as u64;
            out[i] = Some(branch.finish());
        }
    }
    let digests = out
        .into_iter()
        .map(|d| d.expect("every request belongs to one group"))
        .collect();
    (digests, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(alg: DigestAlgorithm, a: usize, b: usize, end: usize) -> Request {
        Request {
            algorithm: alg,
            ranges: SignedRanges { a, b, end },
        }
    }

    #[test]
    fn one_pass_equals_naive_and_hashes_less() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let reqs = [
            req(DigestAlgorithm::Sha256, 4000, 4100, 5000),
            req(DigestAlgorithm::Sha256, 100, 200, 3000),
            req(DigestAlgorithm::Sha1, 100, 200, 3000),
            req(DigestAlgorithm::Sha256, 6000, 6500, 10_000),
            req(DigestAlgorithm::Sha512, 0, 0, 10_000),
            req(DigestAlgorithm::Sha256, 6000, 6500, 10_000),
        ];
        let (n, ns) = naive(&data, &reqs);
        let (o, os) = one_pass(&data, &reqs);
        for (x, y) in n.iter().zip(&o) {
            assert_eq!(x.as_ref(), y.as_ref());
        }
        assert!(os.bytes_hashed < ns.bytes_hashed, "{os:?} vs {ns:?}");
    }
}
