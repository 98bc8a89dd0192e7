//! The bulk engine: inputs in, one report line per document out, nothing lost.
//!
//! ```text
//! enumerate (1 thread) --bounded--> verify (rayon pool: documents, and the signatures of each)
//!                                        --bounded--> write (1 thread: lines, summary)
//! ```
//!
//! Memory is bounded by the work in flight: the enumerator is at most [`QUEUE`] batches of
//! [`BATCH`] documents ahead of the workers, each worker holds one document (a slice of a map, or one inflated zip
//! entry), and the writer holds at most the lines that completed ahead of an earlier one when
//! the report is ordered.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use crate::input::{self, Access, Item, Load};
use crate::memory::{Allowance, BombRule, MemoryBudget, MemoryStats, TempSpace, TempStats};
use crate::report::DocumentReport;
use crate::validate::{Caches, CachesStats};
use crate::verdict::DocumentStatus;
use crate::verify::{bomb_findings, verify_document_with, Context};

/// Batches the enumerator may be ahead of the workers.
pub const QUEUE: usize = 8;
/// Documents per batch handed to the workers: one channel operation (and at most one wake-up
/// of a sleeping thread) per batch instead of per document. A batch is sent early whenever the
/// workers have nothing queued, so a slow trickle of documents (a list on standard input) is
/// not held back.
pub const BATCH: usize = 16;
/// A report buffered past this many bytes is written even while more lines are queued.
const WRITE_BATCH: usize = 64 << 10;
/// Lines the workers may be ahead of the writer.
pub const LINES: usize = 256;
/// Slowest documents kept for the summary.
pub const SLOWEST: usize = 10;

/// Where workers send report lines.
type Lines = crossbeam_channel::Sender<(u64, Line)>;
/// Where workers send documents that need the memory pool.
type Deferred = crossbeam_channel::Sender<(u64, Item)>;

/// A report line: the document's report with where it came from and how long it took.
#[derive(Clone, Debug, Serialize)]
pub struct Line {
    /// The input (file, directory, archive, `-`) the document came from.
    pub input: String,
    /// The document's report.
    #[serde(flatten)]
    pub report: DocumentReport,
    /// Microseconds from mapped bytes to report (not part of the verdict).
    pub elapsed_us: u64,
}

/// How the report is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// A compact table for people.
    Text,
}

/// Run options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Worker threads (0: all cores).
    pub jobs: usize,
    /// Documents verified at once (0: as many as the workers take). With 1, documents are
    /// verified one after another, each with every worker on its signatures (ingestion-style
    /// latency).
    pub in_flight: usize,
    /// Write lines in input order (default: completion order).
    pub ordered: bool,
    /// Report format.
    pub format: Format,
    /// Documents to skip: `(input, name)` already reported (`--resume`).
    pub skip: HashSet<(String, String)>,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
    /// How documents' bytes are had (mapped, or read for file systems that cannot map).
    pub access: Access,
    /// The run's memory budget for heap buffers in flight, bytes (see [`MemoryBudget`]).
    pub memory_budget: u64,
    /// Where large inflated archive members are written (default: the system's temporary
    /// directory).
    pub temp_dir: Option<std::path::PathBuf>,
    /// Temporary space for them, bytes.
    pub temp_budget: u64,
    /// When a stream or member is a decompression bomb.
    pub bomb: BombRule,
}

/// The default memory budget: 512 MiB.
pub const MEMORY_BUDGET: u64 = 512 << 20;
/// The default temporary space: 4 GiB.
pub const TEMP_BUDGET: u64 = 4 << 30;

impl Default for Options {
    fn default() -> Self {
        Options {
            jobs: 0,
            in_flight: 0,
            ordered: false,
            format: Format::Jsonl,
            skip: HashSet::new(),
            progress: false,
            access: Access::Map,
            memory_budget: MEMORY_BUDGET,
            temp_dir: None,
            temp_budget: TEMP_BUDGET,
            bomb: BombRule::default(),
        }
    }
}

/// One of the slowest documents.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slow {
    /// Microseconds.
    pub elapsed_us: u64,
    /// Input.
    pub input: String,
    /// Name.
    pub name: String,
}

/// What a run did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
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
}

impl Summary {
    fn add(&mut self, line: &Line) {
        let r = &line.report;
        self.documents += 1;
        *self.by_status.entry(r.status.to_string()).or_default() += 1;
        for s in &r.signatures {
            self.signatures += 1;
            let key = match s.sub_indication {
                Some(sub) => format!("{}/{}", s.indication, sub),
                None => s.indication.to_string(),
            };
            *self.signatures_by_verdict.entry(key).or_default() += 1;
        }
        self.bytes += r.bytes;
        self.slowest.push(Slow {
            elapsed_us: line.elapsed_us,
            input: line.input.clone(),
            name: r.name.clone(),
        });
        if self.slowest.len() > 4 * SLOWEST {
            self.trim_slowest();
        }
    }

    fn trim_slowest(&mut self) {
        self.slowest.sort_by(|a, b| b.cmp(a));
        self.slowest.truncate(SLOWEST);
    }

    fn finish(&mut self, wall: Duration, caches: &Caches) {
        self.trim_slowest();
        self.seconds = wall.as_secs_f64();
        let s = self.seconds.max(1e-9);
        self.documents_per_second = self.documents as f64 / s;
        self.signatures_per_second = self.signatures as f64 / s;
        self.mb_per_second = self.bytes as f64 / 1e6 / s;
        self.caches = caches.stats();
        for (name, st) in self.caches.named() {
            let total = st.hits + st.misses;
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
        if let Some(s) = self.slowest.first() {
            out += &format!("slowest: {} ({} µs)\n", s.name, s.elapsed_us);
        }
        out
    }
}

/// One line of the text format.
fn text_line(line: &Line) -> String {
    let r = &line.report;
    let why = r.error.as_deref().or(r.reason.as_deref()).unwrap_or("");
    format!(
        "{:<13} {:>3} sig  {}  {}\n",
        r.status.as_str(),
        r.signatures.len(),
        r.name,
        why
    )
}

/// Verifies one item: loads its bytes and verifies them, or reports why it has none. Heap
/// buffers are drawn from `allowance`.
pub fn verify_item(
    item: &Item,
    load: &Load,
    allowance: &Allowance<'_>,
    ctx: &Context,
    caches: &Caches,
) -> Line {
    verify_loaded(item, load, allowance, ctx, caches).0
}

/// [`verify_item`], and whether the item's bytes were had (a load that failed already says
/// why in its line).
fn verify_loaded(
    item: &Item,
    load: &Load,
    allowance: &Allowance<'_>,
    ctx: &Context,
    caches: &Caches,
) -> (Line, bool) {
    let start = Instant::now();
    let (report, loaded) = match item.load(load, allowance) {
        // A bug must cost one document its verdict, not the run its other documents: a panic
        // is caught and reported as that document's error.
        Ok(blob) => (
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                verify_document_with(&item.name, &blob, ctx, caches, allowance)
            }))
            .unwrap_or_else(|_| {
                DocumentReport::unreadable(
                    &item.name,
                    "internal error: the verifier panicked on this document (a bug; please \
                     report it)"
                        .into(),
                )
            }),
            true,
        ),
        Err(e) => {
            let mut r = DocumentReport::unreadable(&item.name, e.to_string());
            r.findings.extend(bomb_findings(allowance));
            (r, false)
        }
    };
    let line = Line {
        input: item.input.clone(),
        report,
        elapsed_us: start.elapsed().as_micros() as u64,
    };
    (line, loaded)
}

/// What a worker makes of an item: its line, or `None` when the document needs more memory
/// than a worker's share and must be verified with the pool.
fn verify_in_share(
    item: &Item,
    load: &Load,
    budget: &MemoryBudget,
    ctx: &Context,
    caches: &Caches,
) -> Option<Line> {
    if item.needs_temp(load) || item.heap_need(load) > budget.share() {
        return None;
    }
    let allowance = budget.worker_allowance();
    let line = verify_item(item, load, &allowance, ctx, caches);
    (!allowance.exceeded()).then_some(line)
}

/// Verifies a document that outgrew a worker's share, with the pool to itself; one that
/// outgrows the pool too is an error saying so.
fn verify_with_pool(
    item: &Item,
    load: &Load,
    budget: &MemoryBudget,
    ctx: &Context,
    caches: &Caches,
) -> Line {
    budget.note_deferred();
    let allowance = budget.pool_allowance();
    let (mut line, loaded) = verify_loaded(item, load, &allowance, ctx, caches);
    if allowance.exceeded() {
        budget.note_refused();
        if !loaded {
            return line; // the load's own error says what it needed
        }
        let bytes = line.report.bytes;
        line.report = DocumentReport::unreadable(
            &item.name,
            format!(
                "needs more memory than one document may have: {:.0} MiB, half the run's \
                 memory budget (--memory-budget)",
                budget.pool() as f64 / 1048576.0
            ),
        );
        line.report.bytes = bytes;
        line.report.findings.extend(bomb_findings(&allowance));
    }
    line
}

/// Runs the pipeline over `inputs` and writes the report to `out`. Every document of the
/// inputs that is not in `options.skip` gets exactly one line.
pub fn run(
    inputs: &[String],
    ctx: &Context,
    caches: &Caches,
    options: &Options,
    out: &mut (dyn Write + Send),
) -> io::Result<Summary> {
    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .build()
        .map_err(io::Error::other)?;
    let budget = MemoryBudget::new(
        options.memory_budget,
        pool.current_num_threads(),
        options.bomb,
    );
    let temp_dir = options.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
    let temp = Arc::new(TempSpace::new(temp_dir, options.temp_budget));
    let load = Load {
        access: options.access,
        heap_max: budget.share(),
        temp: Some(temp.clone()),
    };
    let (budget, load) = (&budget, &load);
    let (item_tx, item_rx) = crossbeam_channel::bounded::<Vec<(u64, Item)>>(QUEUE);
    let (line_tx, line_rx) = crossbeam_channel::bounded::<(u64, Line)>(LINES);
    let stop = AtomicBool::new(false);
    let skipped = AtomicU64::new(0);
    let unreadable_inputs = AtomicU64::new(0);
    let progress = if options.progress {
        indicatif::ProgressBar::new(0)
    } else {
        indicatif::ProgressBar::hidden()
    };
    progress.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {pos}/{len} documents  {per_sec}  ETA {eta}  {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = Arc::new(progress);

    let pool = &pool;
    std::thread::scope(|scope| -> io::Result<Summary> {
        // Count the documents for the progress bar (cheap: no bytes are read), unless the
        // list comes from standard input.
        if options.progress && !inputs.iter().any(|i| i == "-") {
            let progress = progress.clone();
            scope.spawn(move || {
                let mut n = 0u64;
                for i in inputs {
                    input::enumerate(i, &mut |_| {
                        n += 1;
                        true
                    });
                }
                progress.set_length(n);
            });
        }

        // Enumerate.
        let stop_ref = &stop;
        let skipped_ref = &skipped;
        let unreadable_ref = &unreadable_inputs;
        scope.spawn(move || {
            let mut seq = 0u64;
            let mut batch = Vec::with_capacity(BATCH);
            for i in inputs {
                let mut go = true;
                input::enumerate(i, &mut |item| {
                    if stop_ref.load(Ordering::Relaxed) {
                        go = false;
                        return false;
                    }
                    if matches!(&item.source, input::Source::Missing(_)) {
                        unreadable_ref.fetch_add(1, Ordering::Relaxed);
                    }
                    if options
                        .skip
                        .contains(&(item.input.clone(), item.name.clone()))
                    {
                        skipped_ref.fetch_add(1, Ordering::Relaxed);
                        return true;
                    }
                    batch.push((seq, item));
                    seq += 1;
                    if batch.len() < BATCH && !item_tx.is_empty() {
                        return true;
                    }
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    let ok = item_tx.send(full).is_ok();
                    go = ok;
                    ok
                });
                if !go {
                    break;
                }
            }
            if !batch.is_empty() {
                let _ = item_tx.send(batch);
            }
            drop(item_tx);
        });

        // Verify: workers take the documents that fit their share of the memory budget; one
        // that outgrows it goes to the pool lane, which verifies such documents one at a
        // time with the pool (nothing ever waits for memory inside a worker).
        let (defer_tx, defer_rx) = crossbeam_channel::unbounded::<(u64, Item)>();
        {
            let (line_tx, progress) = (line_tx.clone(), progress.clone());
            scope.spawn(move || {
                for (seq, item) in defer_rx {
                    let line = pool.install(|| verify_with_pool(&item, load, budget, ctx, caches));
                    progress.inc(1);
                    let _ = line_tx.send((seq, line));
                }
            });
        }
        let work = {
            let progress = progress.clone();
            move |seq: u64, item: Item, line_tx: &Lines, defer_tx: &Deferred| match verify_in_share(
                &item, load, budget, ctx, caches,
            ) {
                Some(line) => {
                    progress.inc(1);
                    let _ = line_tx.send((seq, line));
                }
                None => {
                    let _ = defer_tx.send((seq, item));
                }
            }
        };
        if options.in_flight == 0 {
            scope.spawn(move || {
                pool.install(|| {
                    item_rx
                        .into_iter()
                        .flatten()
                        .par_bridge()
                        .for_each(|(seq, item)| work(seq, item, &line_tx, &defer_tx));
                });
                drop((line_tx, defer_tx));
            });
        } else {
            // N jobs on the pool's own workers, each taking the next document, so that at
            // most N documents are in flight; the other workers take their signatures. (A
            // job waiting for its next document holds its worker: N is at most the workers.)
            let n = options.in_flight.min(pool.current_num_threads());
            scope.spawn(move || {
                pool.install(|| {
                    rayon::scope(|s| {
                        for _ in 0..n {
                            let (item_rx, line_tx, defer_tx, work) =
                                (item_rx.clone(), line_tx.clone(), defer_tx.clone(), &work);
                            s.spawn(move |_| {
                                for (seq, item) in item_rx.iter().flatten() {
                                    work(seq, item, &line_tx, &defer_tx);
                                }
                            });
                        }
                    });
                });
                drop((item_rx, line_tx, defer_tx));
            });
        }

        // Write (this thread).
        let mut summary = Summary::default();
        let mut pending: BTreeMap<u64, Line> = BTreeMap::new();
        let mut next = 0u64;
        // Whole lines are gathered in `batch` and written when no further line is waiting
        // (or the batch is large): one write call per burst, not per line. A killed run still
        // leaves at most one partial line (the end of an interrupted write), which `--resume`
        // cuts off and redoes.
        let mut batch: Vec<u8> = Vec::with_capacity(WRITE_BATCH);
        let add = |line: &Line, summary: &mut Summary, batch: &mut Vec<u8>| -> io::Result<()> {
            summary.add(line);
            match options.format {
                Format::Jsonl => {
                    serde_json::to_writer(&mut *batch, line).map_err(io::Error::other)?;
                    batch.push(b'\n');
                }
                Format::Text => batch.extend_from_slice(text_line(line).as_bytes()),
            }
            Ok(())
        };
        let mut flush = |batch: &mut Vec<u8>| -> io::Result<()> {
            out.write_all(batch)?;
            batch.clear();
            out.flush()
        };
        let mut result = Ok(());
        while let Ok((seq, line)) = line_rx.recv() {
            if result.is_err() {
                continue;
            }
            let step = if options.ordered {
                pending.insert(seq, line);
                let mut r = Ok(());
                while let Some(l) = pending.remove(&next) {
                    r = add(&l, &mut summary, &mut batch);
                    if r.is_err() {
                        break;
                    }
                    next += 1;
                }
                r
            } else {
                add(&line, &mut summary, &mut batch)
            };
            let step = step.and_then(|()| {
                if line_rx.is_empty() || batch.len() >= WRITE_BATCH {
                    flush(&mut batch)
                } else {
                    Ok(())
                }
            });
            if let Err(e) = step {
                result = Err(e);
                stop.store(true, Ordering::Relaxed);
            }
        }
        result?;
        for l in std::mem::take(&mut pending).into_values() {
            add(&l, &mut summary, &mut batch)?;
        }
        flush(&mut batch)?;
        progress.finish_and_clear();
        summary.skipped = skipped.load(Ordering::Relaxed);
        summary.unreadable_inputs = unreadable_inputs.load(Ordering::Relaxed);
        summary.memory = budget.stats();
        summary.temp = temp.stats();
        summary.finish(started.elapsed(), caches);
        Ok(summary)
    })
}

/// What an existing JSON-lines report holds, for `--resume`.
#[derive(Debug, Default)]
pub struct Existing {
    /// `(input, name)` of every complete line.
    pub done: HashSet<(String, String)>,
    /// Length of the file up to the end of the last complete line: a run killed mid-write
    /// leaves a partial last line, which is cut off and redone.
    pub good_len: usize,
    /// Whether some complete line is not `TOTAL_PASSED`.
    pub any_not_passed: bool,
}

/// Reads an existing JSON-lines report.
pub fn read_report(bytes: &[u8]) -> Existing {
    let mut e = Existing::default();
    let mut pos = 0;
    while pos < bytes.len() {
        let Some(nl) = memchr::memchr(b'\n', &bytes[pos..]) else {
            break; // a partial last line
        };
        let line = &bytes[pos..pos + nl];
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else {
            break;
        };
        let (Some(input), Some(name)) = (v["input"].as_str(), v["name"].as_str()) else {
            break;
        };
        e.done.insert((input.to_string(), name.to_string()));
        e.any_not_passed |= v["status"].as_str() != Some(DocumentStatus::TotalPassed.as_str());
        pos += nl + 1;
        e.good_len = pos;
    }
    e
}
