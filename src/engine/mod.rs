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

mod dossier;
mod resume;
mod shard;
mod sink;
mod summary;

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use dossier::Dossiers;

use crate::input::{self, Access, Item, Load};
use crate::memory::{Allowance, BombRule, MemoryBudget, TempSpace};
use crate::report::DocumentReport;
use crate::validate::{bomb_findings, Verifier};

pub use resume::{read_report, Existing};
pub use shard::{
    classify, dossier_shard_of, identity, is_frame, shard_of, split_position, trailer_line,
    BadShard, ReportLine, RunInfo, Shard, HEADER_KEY, MAX_SHARDS, POSITION_PREFIX, TRAILER_KEY,
};
pub use sink::{JsonLines, Sink, TextLines};
pub use summary::{Slow, Summary};

/// Batches the enumerator may be ahead of the workers.
pub const QUEUE: usize = 8;
/// Documents per batch handed to the workers: one channel operation (and at most one wake-up
/// of a sleeping thread) per batch instead of per document. A batch is sent early whenever the
/// workers have nothing queued, so a slow trickle of documents (a list on standard input) is
/// not held back.
pub const BATCH: usize = 16;
/// Lines the workers may be ahead of the writer.
pub const LINES: usize = 256;
/// Slowest documents kept for the summary.
pub const SLOWEST: usize = 10;

/// Where workers send report lines.
type Lines = crossbeam_channel::Sender<(u64, Line)>;
/// A document to verify: its number in this run (the order lines are written in with
/// `--ordered`), its position in the enumeration of the whole input (which `--shard` reports),
/// the document.
type Job = (u64, u64, Item);
/// Where workers send documents that need the memory pool.
type Deferred = crossbeam_channel::Sender<Job>;

/// A report line: the document's report with where it came from and how long it took.
#[derive(Clone, Debug, Serialize)]
pub struct Line {
    /// The document's position in the enumeration of the whole input, counted from 0: only in
    /// a sharded run (`--shard`), whose lines `sigaudit merge` puts back in input order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u64>,
    /// The input (file, directory, archive, `-`) the document came from.
    pub input: String,
    /// The document's report.
    #[serde(flatten)]
    pub report: DocumentReport,
    /// Microseconds from mapped bytes to report (not part of the verdict).
    pub elapsed_us: u64,
}

/// Run options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Worker threads (0: all cores); ignored when the verifier was built with a thread pool,
    /// which is then the run's.
    pub jobs: usize,
    /// Documents verified at once (0: as many as the workers take). With 1, documents are
    /// verified one after another, each with every worker on its signatures (ingestion-style
    /// latency).
    pub in_flight: usize,
    /// Write lines in input order (default: completion order).
    pub ordered: bool,
    /// Documents to skip: `(input, name)` already reported (`--resume`).
    pub skip: HashSet<(String, String)>,
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
    /// Verify only this shard's documents (`--shard K/N`); their lines carry their position.
    pub shard: Option<Shard>,
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
            skip: HashSet::new(),
            access: Access::Map,
            memory_budget: MEMORY_BUDGET,
            temp_dir: None,
            temp_budget: TEMP_BUDGET,
            bomb: BombRule::default(),
            shard: None,
        }
    }
}

/// Verifies one item: loads its bytes and verifies them, or reports why it has none. Heap
/// buffers are drawn from `allowance`. Returns the line and whether the item's bytes were had
/// (a load that failed already says why in its line).
fn verify_loaded(
    item: &Item,
    load: &Load,
    allowance: &Allowance<'_>,
    verifier: &Verifier,
) -> (Line, bool) {
    let start = Instant::now();
    let (report, loaded) = match item.load(load, allowance) {
        // A detached signature over the file beside it (`report.html.p7s`): a sealed report.
        Ok(blob) if sealed_content(item).is_some() => {
            (detached(item, &blob, load, allowance, verifier), true)
        }
        // A bug costs one document its verdict, not the run its other documents: the
        // verifier reports a panic as that document's error.
        Ok(blob) => (verifier.verify_with(&item.name, &blob, allowance), true),
        Err(e) => {
            let mut r = DocumentReport::unreadable(&item.name, e.to_string());
            r.policy.name = verifier.policy().name.clone();
            r.findings.extend(bomb_findings(allowance));
            (r, false)
        }
    };
    let line = Line {
        position: None,
        input: item.input.clone(),
        report,
        elapsed_us: start.elapsed().as_micros() as u64,
    };
    (line, loaded)
}

/// The file a detached signature `NAME.p7s` signs (`NAME`, beside it), for a file input
/// (whether it is there or not: a missing content is that signature's error).
fn sealed_content(item: &Item) -> Option<std::path::PathBuf> {
    let input::Source::File(path) = &item.source else {
        return None;
    };
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".p7s").filter(|s| !s.is_empty())?;
    Some(path.with_file_name(stem))
}

/// Verifies a detached signature over the file beside it, read within the worker's share.
fn detached(
    item: &Item,
    signature: &[u8],
    load: &Load,
    allowance: &Allowance<'_>,
    verifier: &Verifier,
) -> DocumentReport {
    let content = sealed_content(item).expect("checked by the caller");
    let content_item = Item {
        input: item.input.clone(),
        name: content.display().to_string(),
        source: input::Source::File(content),
    };
    match content_item.load(load, allowance) {
        Ok(bytes) => verifier.verify_detached(&item.name, &bytes, signature),
        Err(e) => {
            let mut r = DocumentReport::unreadable(&item.name, format!("its content: {e}"));
            r.policy.name = verifier.policy().name.clone();
            r
        }
    }
}

/// What a worker makes of an item: its line, or `None` when the document needs more memory
/// than a worker's share and must be verified with the pool.
fn verify_in_share(
    item: &Item,
    load: &Load,
    budget: &MemoryBudget,
    verifier: &Verifier,
) -> Option<Line> {
    if item.needs_temp(load) || item.heap_need(load) > budget.share() {
        return None;
    }
    let allowance = budget.worker_allowance();
    let (line, _) = verify_loaded(item, load, &allowance, verifier);
    (!allowance.exceeded()).then_some(line)
}

/// Verifies a document that outgrew a worker's share, with the pool to itself; one that
/// outgrows the pool too is an error saying so.
fn verify_with_pool(item: &Item, load: &Load, budget: &MemoryBudget, verifier: &Verifier) -> Line {
    budget.note_deferred();
    let allowance = budget.pool_allowance();
    let (mut line, loaded) = verify_loaded(item, load, &allowance, verifier);
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
        line.report.policy.name = verifier.policy().name.clone();
        line.report.findings.extend(bomb_findings(&allowance));
    }
    line
}

/// How many documents `inputs` hold (cheap: no document's bytes are read), for a progress
/// bar; a list on standard input (`-`) is not counted.
pub fn count(inputs: &[String]) -> u64 {
    let mut n = 0u64;
    for i in inputs.iter().filter(|i| *i != "-") {
        input::enumerate(i, &mut |_| {
            n += 1;
            true
        });
    }
    n
}

/// Runs the pipeline over `inputs` and writes the report to `sink`. Every document of the
/// inputs that is not in `options.skip` gets exactly one line.
pub fn run(
    inputs: &[String],
    verifier: &Verifier,
    options: &Options,
    sink: &mut dyn Sink,
) -> io::Result<Summary> {
    let started = Instant::now();
    let own_pool;
    let pool = match verifier.pool() {
        Some(p) => p,
        None => {
            own_pool = rayon::ThreadPoolBuilder::new()
                .num_threads(options.jobs)
                .build()
                .map_err(io::Error::other)?;
            &own_pool
        }
    };
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
    let run = Run {
        verifier,
        options,
        pool,
        budget: &budget,
        load: &load,
        stop: AtomicBool::new(false),
        skipped: AtomicU64::new(0),
        unreadable_inputs: AtomicU64::new(0),
    };
    let (item_tx, item_rx) = crossbeam_channel::bounded::<Vec<Job>>(QUEUE);
    let (line_tx, line_rx) = crossbeam_channel::bounded::<(u64, Line)>(LINES);
    let mut summary = std::thread::scope(|scope| -> io::Result<Summary> {
        let run = &run;
        scope.spawn(move || run.enumerate(inputs, item_tx));
        run.verify(scope, item_rx, line_tx);
        run.write(line_rx, sink)
    })?;
    summary.skipped = run.skipped.load(Ordering::Relaxed);
    summary.unreadable_inputs = run.unreadable_inputs.load(Ordering::Relaxed);
    summary.memory = budget.stats();
    summary.temp = temp.stats();
    summary.fetch = verifier.fetch_stats();
    summary.finish(started.elapsed(), verifier.cache_stats());
    Ok(summary)
}

/// What the threads of one run share.
struct Run<'a> {
    verifier: &'a Verifier,
    options: &'a Options,
    pool: &'a rayon::ThreadPool,
    budget: &'a MemoryBudget,
    load: &'a Load,
    /// Set when the report cannot be written: the enumerator stops.
    stop: AtomicBool,
    skipped: AtomicU64,
    unreadable_inputs: AtomicU64,
}

impl Run<'_> {
    /// Enumerates the inputs into batches of numbered items (this thread).
    fn enumerate(&self, inputs: &[String], item_tx: crossbeam_channel::Sender<Vec<Job>>) {
        let mut seq = 0u64;
        let mut position = 0u64;
        let mut batch = Vec::with_capacity(BATCH);
        for i in inputs {
            let mut go = true;
            input::enumerate(i, &mut |item| {
                if self.stop.load(Ordering::Relaxed) {
                    go = false;
                    return false;
                }
                position += 1;
                if let Some(shard) = &self.options.shard {
                    if !shard.contains(&item.input, &item.name, self.verifier.dossier()) {
                        return true; // another shard's
                    }
                }
                if matches!(&item.source, input::Source::Missing(_)) {
                    self.unreadable_inputs.fetch_add(1, Ordering::Relaxed);
                }
                if self
                    .options
                    .skip
                    .contains(&(item.input.clone(), item.name.clone()))
                {
                    self.skipped.fetch_add(1, Ordering::Relaxed);
                    return true;
                }
                item.prefetch();
                batch.push((seq, position - 1, item));
                seq += 1;
                if batch.len() < BATCH && !item_tx.is_empty() {
                    return true;
                }
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                go = item_tx.send(full).is_ok();
                go
            });
            if !go {
                break;
            }
        }
        if !batch.is_empty() {
            let _ = item_tx.send(batch);
        }
    }

    /// Starts the workers: they take the documents that fit their share of the memory budget;
    /// one that outgrows it goes to the pool lane, which verifies such documents one at a
    /// time with the pool (nothing ever waits for memory inside a worker).
    fn verify<'s>(
        &'s self,
        scope: &'s std::thread::Scope<'s, '_>,
        item_rx: crossbeam_channel::Receiver<Vec<Job>>,
        line_tx: Lines,
    ) {
        let (defer_tx, defer_rx) = crossbeam_channel::unbounded::<Job>();
        let pool_lines = line_tx.clone();
        let sharded = self.options.shard.is_some();
        scope.spawn(move || {
            for (seq, position, item) in defer_rx {
                let mut line = self
                    .pool
                    .install(|| verify_with_pool(&item, self.load, self.budget, self.verifier));
                line.position = sharded.then_some(position);
                let _ = pool_lines.send((seq, line));
            }
        });
        let work = move |(seq, position, item): Job, line_tx: &Lines, defer_tx: &Deferred| {
            match verify_in_share(&item, self.load, self.budget, self.verifier) {
                Some(mut line) => {
                    line.position = sharded.then_some(position);
                    let _ = line_tx.send((seq, line));
                }
                None => {
                    let _ = defer_tx.send((seq, position, item));
                }
            }
        };
        if self.options.in_flight == 0 {
            scope.spawn(move || {
                self.pool.install(|| {
                    item_rx
                        .into_iter()
                        .flatten()
                        .par_bridge()
                        .for_each(|job| work(job, &line_tx, &defer_tx));
                });
            });
            return;
        }
        // N jobs on the pool's own workers, each taking the next document, so that at most N
        // documents are in flight; the other workers take their signatures. (A job waiting
        // for its next document holds its worker: N is at most the workers.)
        let n = self.options.in_flight.min(self.pool.current_num_threads());
        scope.spawn(move || {
            self.pool.install(|| {
                rayon::scope(|s| {
                    for _ in 0..n {
                        let (item_rx, line_tx, defer_tx, work) =
                            (item_rx.clone(), line_tx.clone(), defer_tx.clone(), &work);
                        s.spawn(move |_| {
                            for job in item_rx.iter().flatten() {
                                work(job, &line_tx, &defer_tx);
                            }
                        });
                    }
                });
            });
        });
    }

    /// Writes the lines as they come (this thread), in completion or input order; the sink is
    /// flushed whenever no further line is waiting.
    fn write(
        &self,
        line_rx: crossbeam_channel::Receiver<(u64, Line)>,
        sink: &mut dyn Sink,
    ) -> io::Result<Summary> {
        let mut summary = Summary::default();
        let mut pending: BTreeMap<u64, Line> = BTreeMap::new();
        let mut next = 0u64;
        let mut result = Ok(());
        let mut dossiers = self.verifier.dossier().then(Dossiers::default);
        let policy = self.verifier.policy();
        while let Ok((seq, line)) = line_rx.recv() {
            if result.is_err() {
                continue; // drain, so that no worker blocks
            }
            let mut step = Ok(());
            if self.options.ordered || dossiers.is_some() {
                pending.insert(seq, line);
                while let Some(l) = pending.remove(&next) {
                    step = emit(&mut dossiers, policy, l, &mut summary, sink);
                    if step.is_err() {
                        break;
                    }
                    next += 1;
                }
            } else {
                step = emit(&mut dossiers, policy, line, &mut summary, sink);
            }
            if step.is_ok() && line_rx.is_empty() {
                step = sink.flush();
            }
            if let Err(e) = step {
                result = Err(e);
                self.stop.store(true, Ordering::Relaxed);
            }
        }
        result?;
        for l in std::mem::take(&mut pending).into_values() {
            emit(&mut dossiers, policy, l, &mut summary, sink)?;
        }
        if let Some(d) = &mut dossiers {
            for l in d.finish(policy) {
                add(&l, &mut summary, sink)?;
            }
        }
        sink.flush()?;
        Ok(summary)
    }
}

/// Hands a line to the sink, or to the dossier being gathered (which hands over a whole
/// dossier's lines, judged, once the next dossier starts).
fn emit(
    dossiers: &mut Option<Dossiers>,
    policy: &crate::policy::Policy,
    line: Line,
    summary: &mut Summary,
    sink: &mut dyn Sink,
) -> io::Result<()> {
    match dossiers {
        Some(d) => d
            .push(line, policy)
            .iter()
            .try_for_each(|l| add(l, summary, sink)),
        None => add(&line, summary, sink),
    }
}

/// Counts a line and hands it to the sink.
fn add(line: &Line, summary: &mut Summary, sink: &mut dyn Sink) -> io::Result<()> {
    summary.add(line);
    sink.line(line)
}
