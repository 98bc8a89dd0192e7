//! Pass 2 of a merge: reports in order are read as they are; a report out of order is sorted
//! in chunks of bounded size spilled to unlinked temporary files; then one k-way merge.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, BufRead, BufReader, Seek, Write};
use std::path::{Path, PathBuf};

use super::{io_at, keyed, Key, Keyed, MergeError, MergeOptions};
use crate::engine::{classify, ReportLine};

/// Why pass 2 stopped.
pub(super) enum Failure {
    /// A refusal (a document twice) or a report that could not be read.
    Merge(MergeError),
    /// The merged report could not be written.
    Write(io::Error),
}

impl From<MergeError> for Failure {
    fn from(e: MergeError) -> Failure {
        Failure::Merge(e)
    }
}

/// Bytes a line costs in a chunk beyond its own: the key's copies of input and name are
/// counted with the line, plus the vectors' and strings' headers.
const LINE_OVERHEAD: usize = 128;

/// A sorted sequence of document lines: a report in order, or a spilled chunk.
struct Run {
    reader: Box<dyn BufRead>,
    path: PathBuf,
    line: u64,
    ordered: bool,
}

impl Run {
    fn open(path: &Path, ordered: bool) -> Result<Run, MergeError> {
        let file = std::fs::File::open(path).map_err(io_at(path))?;
        Ok(Run {
            reader: Box::new(BufReader::with_capacity(1 << 20, file)),
            path: path.to_path_buf(),
            line: 0,
            ordered,
        })
    }

    /// The next document line (headers skipped, the trailer ends the run).
    fn next(&mut self) -> Result<Option<Keyed>, MergeError> {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let read = self
                .reader
                .read_until(b'\n', &mut buf)
                .map_err(io_at(&self.path))?;
            if read == 0 {
                return Ok(None);
            }
            self.line += 1;
            let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
            match classify(line) {
                Ok(ReportLine::Header(_)) => continue,
                Ok(ReportLine::Trailer(_)) => return Ok(None),
                _ => {}
            }
            return match keyed(line, self.ordered) {
                Some(k) => Ok(Some(k)),
                None => Err(MergeError::BadLine {
                    path: self.path.clone(),
                    line: self.line,
                    why: "changed since it was checked".into(),
                }),
            };
        }
    }
}

/// Merges the reports (`(path, in order)`) into `out`.
pub(super) fn merge_runs(
    reports: &[(PathBuf, bool)],
    options: &MergeOptions,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let mut runs = Vec::new();
    for (path, in_order) in reports {
        if *in_order {
            runs.push(Run::open(path, options.ordered)?);
        } else {
            runs.extend(spill(path, options)?);
        }
    }
    kway(runs, out)
}

/// Sorts a report out of order into runs of at most `chunk_bytes` each.
fn spill(path: &Path, options: &MergeOptions) -> Result<Vec<Run>, Failure> {
    let mut source = Run::open(path, options.ordered)?;
    let temp_dir = options.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
    let mut runs = Vec::new();
    let mut chunk: Vec<Keyed> = Vec::new();
    let mut bytes = 0usize;
    loop {
        let next = source.next()?;
        let full = bytes >= options.chunk_bytes.max(1);
        if (next.is_none() || full) && !chunk.is_empty() {
            runs.push(write_chunk(&mut chunk, &temp_dir, options.ordered)?);
            bytes = 0;
        }
        let Some(k) = next else { break };
        let key_bytes = match &k.key {
            Key::Name(input, name) => input.len() + name.len(),
            Key::Position(_) => 0,
        };
        bytes += k.line.len() + key_bytes + LINE_OVERHEAD;
        chunk.push(k);
    }
    Ok(runs)
}

/// Sorts `chunk` and writes it (each line with its position again, as [`Run`] reads it) to an
/// unlinked temporary file: the run that reads it back.
fn write_chunk(chunk: &mut Vec<Keyed>, dir: &Path, ordered: bool) -> Result<Run, Failure> {
    chunk.sort_by(|a, b| a.key.cmp(&b.key));
    let spill_err = |e: io::Error| {
        Failure::Merge(MergeError::Io {
            path: dir.to_path_buf(),
            source: e,
        })
    };
    let file = tempfile::tempfile_in(dir).map_err(spill_err)?;
    let mut w = io::BufWriter::with_capacity(1 << 20, file);
    for k in chunk.drain(..) {
        let position = match &k.key {
            Key::Position(p) => *p,
            Key::Name(..) => 0, // not read back: the order is by name
        };
        // `{"position":N,` then the line after its `{`.
        let rest = k.line.strip_prefix(b"{").unwrap_or(&k.line);
        write!(w, "{{\"position\":{position},").map_err(spill_err)?;
        w.write_all(rest).map_err(spill_err)?;
        w.write_all(b"\n").map_err(spill_err)?;
    }
    let mut file = w.into_inner().map_err(|e| spill_err(e.into_error()))?;
    file.rewind().map_err(spill_err)?;
    Ok(Run {
        reader: Box::new(BufReader::with_capacity(1 << 20, file)),
        path: dir.join("(sorted chunk)"),
        line: 0,
        ordered,
    })
}

/// Merges sorted runs into `out`; two lines with one key are one document twice.
fn kway(mut runs: Vec<Run>, out: &mut dyn Write) -> Result<(), Failure> {
    let mut heads: Vec<Option<Keyed>> = Vec::with_capacity(runs.len());
    let mut heap = BinaryHeap::with_capacity(runs.len());
    for (i, run) in runs.iter_mut().enumerate() {
        let head = run.next()?;
        if let Some(k) = &head {
            heap.push(Reverse((k.key.clone(), i)));
        }
        heads.push(head);
    }
    let mut last: Option<Key> = None;
    while let Some(Reverse((key, i))) = heap.pop() {
        let k = heads[i].take().expect("a head for every heap entry");
        if last.as_ref() == Some(&key) {
            let (input, name) = k.names();
            return Err(Failure::Merge(MergeError::Duplicate { input, name }));
        }
        out.write_all(&k.line).map_err(Failure::Write)?;
        out.write_all(b"\n").map_err(Failure::Write)?;
        last = Some(key);
        heads[i] = runs[i].next()?;
        if let Some(n) = &heads[i] {
            heap.push(Reverse((n.key.clone(), i)));
        }
    }
    out.flush().map_err(Failure::Write)
}
