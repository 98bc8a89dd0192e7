//! The validation stage: one document's signatures judged (ETSI EN 319 102-1).

mod caches;

pub use caches::{BadLimit, CacheLimits, Caches, CachesStats};
