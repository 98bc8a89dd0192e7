//! What a run did: counts by status and verdict, throughput, caches, memory, the slowest
//! documents.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Line, RunInfo, SLOWEST};
use crate::fetch::FetchStats;
use crate::memory::{MemoryStats, TempStats};
use crate::validate::CachesStats;
use crate::verdict::DocumentStatus;

/// One of the slowest documents.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slow {
    /// Microseconds.
    pub elapsed_us: u64,
    /// Input.
    pub input: String,
    /// Name.
    pub name: String,
}

/// What a run did.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Summary {
    /// What the run was: tool version, shard, inputs, the parameters that decide verdicts
    /// (when the caller recorded them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<RunInfo>,
    /// How many shard reports a merged summary was made of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shards: Option<u32>,
    /// Documents reported in this run.
    pub documents: u64,
    /// Documents skipped as already reported (`--resume`).
    pub skipped: u64,
    /// Documents by status.
    pub by_status: BTreeMap<String, u64>,
    /// Signatures.
    pub signatures: u64,
    /// Signatures by indication (and sub-indication).
    pub signatures_by_verdict: BTreeMap<String, u64>,
    /// The policy's findings, by rule and level (`"revocation.available WARN"`).
    pub policy_findings: BTreeMap<String, u64>,
    /// Bytes of the documents verified.
    pub bytes: u64,
    /// Wall time, seconds.
    pub seconds: f64,
    /// Documents per second.
    pub documents_per_second: f64,
    /// Signatures per second.
    pub signatures_per_second: f64,
    /// Megabytes (10^6 bytes) per second.
    pub mb_per_second: f64,
    /// Cache counters.
    pub caches: CachesStats,
    /// Cache hit rates (hits / lookups) by cache.
    pub cache_hit_rates: BTreeMap<String, f64>,
    /// The slowest documents, slowest first.
    pub slowest: Vec<Slow>,
    /// Whether any input could not be read at all (an operational error).
    pub unreadable_inputs: u64,
    /// The memory budget: peak drawn, documents that needed the pool or more.
    pub memory: MemoryStats,
    /// Temporary space of inflated members.
    pub temp: TempStats,
    /// What fetching did (`--online`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch: Option<FetchStats>,
}

/// Adds `n` to the count of `key` (saturating: merged counts come from untrusted reports).
fn bump(counts: &mut BTreeMap<String, u64>, key: String, n: u64) {
    let c = counts.entry(key).or_default();
    *c = c.saturating_add(n);
}

impl Summary {
    pub(super) fn add(&mut self, line: &Line) {
        let r = &line.report;
        self.count(
            &line.input,
            &r.name,
            r.status.as_str(),
            r.signatures.iter().map(|s| match s.sub_indication {
                Some(sub) => format!("{}/{}", s.indication, sub),
                None => s.indication.to_string(),
            }),
            r.policy
                .findings
                .iter()
                .map(|f| format!("{} {}", f.rule, f.level)),
            r.bytes,
            line.elapsed_us,
        );
    }

    /// Counts one document: its status, its signatures' verdicts (`INDICATION` or
    /// `INDICATION/SUB_INDICATION`), its policy findings (`rule LEVEL`), its size and time.
    /// (How a line is counted, whether the engine writes it or `sigaudit merge` reads it.)
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn count(
        &mut self,
        input: &str,
        name: &str,
        status: &str,
        verdicts: impl Iterator<Item = String>,
        findings: impl Iterator<Item = String>,
        bytes: u64,
        elapsed_us: u64,
    ) {
        // Saturating: `sigaudit merge` counts lines read from untrusted reports, whose sizes
        // may say anything up to 2⁶⁴ − 1.
        self.documents = self.documents.saturating_add(1);
        bump(&mut self.by_status, status.to_string(), 1);
        for key in verdicts {
            self.signatures = self.signatures.saturating_add(1);
            bump(&mut self.signatures_by_verdict, key, 1);
        }
        for key in findings {
            bump(&mut self.policy_findings, key, 1);
        }
        self.bytes = self.bytes.saturating_add(bytes);
        self.slowest.push(Slow {
            elapsed_us,
            input: input.to_string(),
            name: name.to_string(),
        });
        if self.slowest.len() > 4 * SLOWEST {
            self.trim_slowest();
        }
    }

    /// Adds the documents `other` counted (not its run's figures: caches, time, memory).
    pub(crate) fn add_counts(&mut self, other: &Summary) {
        self.documents = self.documents.saturating_add(other.documents);
        self.signatures = self.signatures.saturating_add(other.signatures);
        self.bytes = self.bytes.saturating_add(other.bytes);
        let maps = [
            (&mut self.by_status, &other.by_status),
            (
                &mut self.signatures_by_verdict,
                &other.signatures_by_verdict,
            ),
            (&mut self.policy_findings, &other.policy_findings),
        ];
        for (mine, theirs) in maps {
            for (k, v) in theirs {
                bump(mine, k.clone(), *v);
            }
        }
        self.slowest.extend(other.slowest.iter().cloned());
        self.trim_slowest();
    }

    pub(crate) fn trim_slowest(&mut self) {
        self.slowest.sort_by(|a, b| b.cmp(a));
        self.slowest.truncate(SLOWEST);
    }

    pub(crate) fn finish(&mut self, wall: Duration, caches: CachesStats) {
        self.trim_slowest();
        self.seconds = wall.as_secs_f64();
        let s = self.seconds.max(1e-9);
        self.documents_per_second = self.documents as f64 / s;
        self.signatures_per_second = self.signatures as f64 / s;
        self.mb_per_second = self.bytes as f64 / 1e6 / s;
        self.caches = caches;
        for (name, st) in self.caches.named() {
            let total = st.hits.saturating_add(st.misses);
            if total > 0 {
                self.cache_hit_rates
                    .insert(name.to_string(), st.hits as f64 / total as f64);
            }
        }
    }

    /// Whether every document reported passed.
    pub fn all_passed(&self) -> bool {
        self.by_status
            .iter()
            .all(|(k, _)| k == DocumentStatus::TotalPassed.as_str())
    }

    /// A few lines for people.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{} documents ({} skipped as already reported), {} signatures, {:.1} MB in {:.2} s: \
             {:.0} documents/s, {:.0} signatures/s, {:.1} MB/s\n",
            self.documents,
            self.skipped,
            self.signatures,
            self.bytes as f64 / 1e6,
            self.seconds,
            self.documents_per_second,
            self.signatures_per_second,
            self.mb_per_second
        );
        let statuses: Vec<String> = self
            .by_status
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        out += &format!("documents: {}\n", statuses.join(", "));
        let sigs: Vec<String> = self
            .signatures_by_verdict
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        out += &format!("signatures: {}\n", sigs.join(", "));
        if !self.policy_findings.is_empty() {
            let found: Vec<String> = self
                .policy_findings
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            out += &format!("policy findings: {}\n", found.join(", "));
        }
        let rates: Vec<String> = self
            .cache_hit_rates
            .iter()
            .map(|(k, v)| format!("{k} {:.1}%", v * 100.0))
            .collect();
        out += &format!("cache hits: {}\n", rates.join(", "));
        let evicted: Vec<String> = self
            .caches
            .named()
            .iter()
            .filter(|(_, st)| st.evictions > 0)
            .map(|(k, st)| {
                format!(
                    "{k} {} ({:.0} of {:.0} MiB held)",
                    st.evictions,
                    st.bytes as f64 / 1048576.0,
                    st.limit as f64 / 1048576.0
                )
            })
            .collect();
        if !evicted.is_empty() {
            out += &format!("cache evictions: {}\n", evicted.join(", "));
        }
        let m = &self.memory;
        out += &format!(
            "memory: peak {:.0} of {:.0} MiB in buffers, {} documents verified with the pool, \
             {} refused; temporary files: {} (peak {:.0} MiB)\n",
            m.peak as f64 / 1048576.0,
            m.budget as f64 / 1048576.0,
            m.deferred,
            m.refused,
            self.temp.files,
            self.temp.peak as f64 / 1048576.0
        );
        if let Some(f) = &self.fetch {
            out += &format!(
                "fetched: {} requests ({} retries), {:.1} MB, {} failed, {} refused by the \
                 address policy, {} answered by the cache directory, {} shared by waiting \
                 workers; {:.1} s spent in requests\n",
                f.requests,
                f.retries,
                f.bytes as f64 / 1e6,
                f.failures,
                f.refused,
                f.store_hits,
                f.joins,
                f.wait.as_secs_f64()
            );
            if f.lock_waits + f.unlocked > 0 {
                out += &format!(
                    "shared cache: waited {} times for a peer process fetching the same URL \
                     ({} answered by the peer's body, {} by its failure, {} waits timed out); {} \
                     fetches without a lock (the file system refused it)\n",
                    f.lock_waits, f.peer_fetched, f.peer_failed, f.lock_timeouts, f.unlocked
                );
            }
        }
        if let Some(s) = self.slowest.first() {
            out += &format!("slowest: {} ({} µs)\n", s.name, s.elapsed_us);
        }
        out
    }
}
