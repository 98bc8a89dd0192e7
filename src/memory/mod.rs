//! Memory in flight: one budget for the run, and resident pages of large maps released
//! behind whole-document passes.
//!
//! Inputs come from outside; memory must not be theirs to choose. Two mechanisms bound it:
//!
//! - [`MemoryBudget`] splits the run's budget (`--memory-budget`) into one share per worker
//!   and one pool for a single large document at a time: heap buffers a document needs
//!   (a read or inflated archive member, decoded PDF streams) are drawn from its
//!   [`Allowance`], and a document that outgrows its share is verified again, alone, with the
//!   pool (never a wait inside a worker, so never a deadlock). [`TempSpace`] bounds the
//!   temporary files large inflated members are written to.
//! - [`pages`]: a document mapped from a file is not on the heap, but the pages a pass touches
//!   stay resident while it is mapped. Passes over a whole large document (hashing, scans for
//!   keywords) release the pages behind them, so that a 1 GB document costs a window, not a
//!   gigabyte, of resident memory.

mod budget;
pub mod pages;

pub use budget::{
    Allowance, Bomb, BombRule, MemoryBudget, MemoryStats, TempLease, TempSpace, TempStats,
    UNLIMITED,
};

/// A size in bytes: `123`, `64K`, `256M`, `2G` (binary multiples).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (digits, mul) = match s.chars().last()? {
        'K' | 'k' => (&s[..s.len() - 1], 1 << 10),
        'M' | 'm' => (&s[..s.len() - 1], 1 << 20),
        'G' | 'g' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    digits.parse::<u64>().ok()?.checked_mul(mul)
}
