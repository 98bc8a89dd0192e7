//! The run's memory budget, each document's allowance of it, and the temporary space of
//! inflated archive members.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

use serde::{Deserialize, Serialize};

/// When a stream or archive member is a decompression bomb: it inflates to more than
/// `min_size` bytes at a ratio above `ratio` to one. Deflate cannot compress better than about
/// 1,032:1, so the default 1,000:1 is met only by data made of a repeated byte; documents
/// carry compressed images and fonts, and never reach it beyond a few megabytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BombRule {
    /// Inflated bytes per compressed byte above which data is a bomb.
    pub ratio: u64,
    /// Inflated size below which no ratio is a bomb.
    pub min_size: u64,
}

impl Default for BombRule {
    fn default() -> Self {
        BombRule {
            ratio: 1000,
            min_size: 16 << 20,
        }
    }
}

impl BombRule {
    /// Whether `compressed` bytes inflating to `inflated` bytes are a bomb.
    pub fn is_bomb(&self, compressed: u64, inflated: u64) -> bool {
        inflated > self.min_size && inflated > self.ratio.saturating_mul(compressed.max(1))
    }
}

/// A decompression bomb met while verifying a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bomb {
    /// What inflated: `archive member`, or the PDF object (`object 12`).
    pub what: String,
    /// Its compressed size.
    pub compressed: u64,
    /// Its inflated size (as far as it was inflated).
    pub inflated: u64,
}

/// A document's allowance of heap memory: what its buffers may draw, what they drew, and
/// the bombs met on the way. Charges never wait: past the limit they are refused and the
/// allowance remembers it ([`Allowance::exceeded`]).
#[derive(Debug)]
pub struct Allowance<'a> {
    budget: Option<&'a MemoryBudget>,
    limit: u64,
    used: AtomicU64,
    exceeded: AtomicBool,
    bomb_rule: BombRule,
    /// Whether bombs are recorded (not by the shared [`UNLIMITED`] allowance).
    records: bool,
    bombs: Mutex<Vec<Bomb>>,
}

/// The allowance of callers that bound memory otherwise: no limit, nothing recorded.
pub static UNLIMITED: Allowance<'static> = Allowance {
    budget: None,
    limit: u64::MAX,
    used: AtomicU64::new(0),
    exceeded: AtomicBool::new(false),
    bomb_rule: BombRule {
        ratio: 1000,
        min_size: 16 << 20,
    },
    records: false,
    bombs: Mutex::new(Vec::new()),
};

impl Allowance<'_> {
    /// An allowance of its own with no limit that records the bombs it meets.
    pub fn unlimited() -> Allowance<'static> {
        Allowance::new(None, u64::MAX, BombRule::default())
    }

    fn new(budget: Option<&MemoryBudget>, limit: u64, bomb_rule: BombRule) -> Allowance<'_> {
        Allowance {
            budget,
            limit,
            used: AtomicU64::new(0),
            exceeded: AtomicBool::new(false),
            bomb_rule,
            records: true,
            bombs: Mutex::new(Vec::new()),
        }
    }

    /// Bytes that may still be drawn.
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used.load(Ordering::Relaxed))
    }

    /// The most the allowance ever grants.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Draws `bytes`; false (and [`Allowance::exceeded`] from then on) when they exceed what
    /// is left.
    pub fn charge(&self, bytes: u64) -> bool {
        if self.budget.is_none() && self.limit == u64::MAX {
            return true; // nothing to count against
        }
        let mut used = self.used.load(Ordering::Relaxed);
        loop {
            let want = used.saturating_add(bytes);
            if want > self.limit {
                self.refuse();
                return false;
            }
            match self
                .used
                .compare_exchange(used, want, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(now) => used = now,
            }
        }
        if let Some(b) = self.budget {
            b.drawn(bytes);
        }
        true
    }

    /// Records that the document needed more than its allowance (a buffer limited by
    /// [`Allowance::remaining`] came out short).
    pub fn refuse(&self) {
        self.exceeded.store(true, Ordering::Relaxed);
    }

    /// Whether some charge was refused.
    pub fn exceeded(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed)
    }

    /// The bomb rule of the run.
    pub fn bomb_rule(&self) -> BombRule {
        self.bomb_rule
    }

    /// Checks inflated data against the bomb rule, recording it if it is one.
    pub fn check_bomb(&self, what: impl FnOnce() -> String, compressed: u64, inflated: u64) {
        if self.records && self.bomb_rule.is_bomb(compressed, inflated) {
            self.bombs.lock().expect("bomb list").push(Bomb {
                what: what(),
                compressed,
                inflated,
            });
        }
    }

    /// The bombs met so far.
    pub fn bombs(&self) -> Vec<Bomb> {
        self.bombs.lock().expect("bomb list").clone()
    }
}

impl Drop for Allowance<'_> {
    fn drop(&mut self) {
        if let Some(b) = self.budget {
            b.returned(self.used.load(Ordering::Relaxed));
        }
    }
}

/// The run's memory budget (`--memory-budget`): heap buffers of the documents in flight
/// (read or inflated archive members, decoded streams) draw from it.
///
/// Each of the `workers` has a share of half the budget; the other half is the pool, which one
/// document at a time — one that outgrew its share — gets to itself. So the buffers in flight
/// never exceed `workers × share + pool = budget`, and nothing ever waits inside a worker: a
/// document that outgrows its share is refused there and verified again with the pool.
#[derive(Debug)]
pub struct MemoryBudget {
    total: u64,
    share: u64,
    pool: u64,
    bomb_rule: BombRule,
    in_use: AtomicU64,
    peak: AtomicU64,
    deferred: AtomicU64,
    refused: AtomicU64,
}

/// What the memory budget saw over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryStats {
    /// The budget, bytes.
    pub budget: u64,
    /// Each worker's share, bytes.
    pub share: u64,
    /// The pool for one large document, bytes.
    pub pool: u64,
    /// The most drawn at once, bytes.
    pub peak: u64,
    /// Documents that outgrew their share and were verified again with the pool.
    pub deferred: u64,
    /// Documents that needed more than the pool: reported as errors.
    pub refused: u64,
}

impl MemoryBudget {
    /// A budget of `total` bytes for `workers` workers, with the bomb rule of the run.
    pub fn new(total: u64, workers: usize, bomb_rule: BombRule) -> MemoryBudget {
        let pool = total / 2;
        MemoryBudget {
            total,
            share: (total - pool) / workers.max(1) as u64,
            pool,
            bomb_rule,
            in_use: AtomicU64::new(0),
            peak: AtomicU64::new(0),
            deferred: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        }
    }

    /// A worker's share.
    pub fn share(&self) -> u64 {
        self.share
    }

    /// The pool: the most one document may draw.
    pub fn pool(&self) -> u64 {
        self.pool
    }

    /// The allowance of a document verified by a worker.
    pub fn worker_allowance(&self) -> Allowance<'_> {
        Allowance::new(Some(self), self.share, self.bomb_rule)
    }

    /// The allowance of the one document that holds the pool.
    pub fn pool_allowance(&self) -> Allowance<'_> {
        Allowance::new(Some(self), self.pool, self.bomb_rule)
    }

    /// Counts a document moved from a worker to the pool.
    pub fn note_deferred(&self) {
        self.deferred.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a document refused for want of memory.
    pub fn note_refused(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    fn drawn(&self, bytes: u64) {
        let now = self.in_use.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.peak.fetch_max(now, Ordering::Relaxed);
    }

    fn returned(&self, bytes: u64) {
        self.in_use.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// What the budget saw so far.
    pub fn stats(&self) -> MemoryStats {
        MemoryStats {
            budget: self.total,
            share: self.share,
            pool: self.pool,
            peak: self.peak.load(Ordering::Relaxed),
            deferred: self.deferred.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
        }
    }
}

/// Temporary disk space for inflated archive members (`--temp-budget`): each large member is
/// written, unlinked, to a file in `dir` while it is verified.
#[derive(Debug)]
pub struct TempSpace {
    /// Where the files go.
    pub dir: std::path::PathBuf,
    total: u64,
    in_use: Mutex<u64>,
    freed: Condvar,
    peak: AtomicU64,
    files: AtomicU64,
}

/// What the temporary space saw over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TempStats {
    /// The budget, bytes.
    pub budget: u64,
    /// The most held at once, bytes.
    pub peak: u64,
    /// Temporary files written.
    pub files: u64,
}

/// Temporary space held by one member; returned when dropped.
#[derive(Debug)]
pub struct TempLease {
    space: std::sync::Arc<TempSpace>,
    bytes: u64,
}

impl Drop for TempLease {
    fn drop(&mut self) {
        let mut used = self.space.in_use.lock().expect("temp space");
        *used -= self.bytes;
        self.space.freed.notify_all();
    }
}

impl TempSpace {
    /// `total` bytes in `dir`.
    pub fn new(dir: std::path::PathBuf, total: u64) -> TempSpace {
        TempSpace {
            dir,
            total,
            in_use: Mutex::new(0),
            freed: Condvar::new(),
            peak: AtomicU64::new(0),
            files: AtomicU64::new(0),
        }
    }

    /// The budget.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Leases `bytes`, waiting until they are free; `None` when they exceed the budget (they
    /// never will be free). Callers take at most one lease at a time, so waiting cannot
    /// deadlock.
    pub fn lease(self: &std::sync::Arc<Self>, bytes: u64) -> Option<TempLease> {
        if bytes > self.total {
            return None;
        }
        let mut used = self.in_use.lock().expect("temp space");
        while *used + bytes > self.total {
            used = self.freed.wait(used).expect("temp space");
        }
        *used += bytes;
        self.peak.fetch_max(*used, Ordering::Relaxed);
        self.files.fetch_add(1, Ordering::Relaxed);
        Some(TempLease {
            space: self.clone(),
            bytes,
        })
    }

    /// What the space saw so far.
    pub fn stats(&self) -> TempStats {
        TempStats {
            budget: self.total,
            peak: self.peak.load(Ordering::Relaxed),
            files: self.files.load(Ordering::Relaxed),
        }
    }
}
