//! `sigaudit merge`: the reports of the shards of one audit (`verify --shard K/N`) made into
//! the report one process would have written, and one summary.
//!
//! Two passes over the shard reports, each streaming (memory does not grow with the number
//! of lines):
//!
//! 1. **Check** ([`scan`]): every report is a shard's (a header first), finished (its summary
//!    last), of the same run (version, inputs, parameters) as the others; the shards are
//!    1 to N, each once; every line belongs to the shard that wrote it (the partition is a
//!    function of the document's name, so a line in the wrong report is a mixed-up file).
//!    The document lines are counted into the merged summary, and each report is noted as
//!    already in the merge's order or not.
//! 2. **Merge** ([`sort`]): a k-way merge of the reports that are in order; a report that is
//!    not (written in completion order) is first sorted in chunks of bounded size spilled to
//!    unlinked temporary files. Two lines for one document meet side by side there and are
//!    refused.
//!
//! The order is by input and then name (bytewise), or with `ordered` the order of the
//! enumeration of the whole input (each shard line's `position`), which is the order of a
//! single run with `--ordered`. The `position` is removed: each line is then, byte for byte,
//! the line a single run writes (its `elapsed_us` aside).

mod sort;
mod summary;

use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::engine::{
    classify, dossier_shard_of, shard_of, split_position, ReportLine, RunInfo, Summary,
};

pub use summary::DocumentFacts;

/// How to merge.
#[derive(Clone, Debug)]
pub struct MergeOptions {
    /// Input order (each line's position) instead of input and name.
    pub ordered: bool,
    /// Bytes of lines sorted in memory at once when a report is not in order; a larger
    /// report is sorted in chunks spilled to temporary files.
    pub chunk_bytes: usize,
    /// Where the chunks go (default: the system's temporary directory).
    pub temp_dir: Option<PathBuf>,
}

/// Sorting chunks of 256 MiB keep a merge of any size within a few hundred MiB.
pub const CHUNK_BYTES: usize = 256 << 20;

impl Default for MergeOptions {
    fn default() -> Self {
        MergeOptions {
            ordered: false,
            chunk_bytes: CHUNK_BYTES,
            temp_dir: None,
        }
    }
}

/// Why shard reports were not merged. Every variant is a refusal (exit code 2): the merged
/// report would not be the report of one run over the whole input.
#[derive(Debug)]
pub enum MergeError {
    /// A report could not be read or the merged report not written.
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: io::Error,
    },
    /// A report without a shard header: not written by `verify --shard`.
    NotShard(PathBuf),
    /// A shard whose run did not finish (no summary at its end): resume it first.
    Unfinished(PathBuf),
    /// A line that is not a shard report's document line.
    BadLine {
        /// The file.
        path: PathBuf,
        /// The line's number, from 1.
        line: u64,
        /// What is wrong with it.
        why: String,
    },
    /// Reports of different runs: another version, other inputs, other parameters.
    Differ {
        /// The first report.
        first: PathBuf,
        /// The report that differs from it.
        other: PathBuf,
        /// In what.
        what: String,
    },
    /// The same shard twice.
    Overlap {
        /// The shard, `K/N`.
        shard: String,
        /// The two reports.
        paths: [PathBuf; 2],
    },
    /// Shards missing from the set.
    Incomplete {
        /// The shards missing (1-based).
        missing: Vec<u32>,
        /// Of how many.
        count: u32,
    },
    /// A document in a report that is not its shard's.
    Misplaced {
        /// The file.
        path: PathBuf,
        /// The document.
        name: String,
        /// The shard it belongs to, `K/N`.
        belongs: String,
    },
    /// One document twice.
    Duplicate {
        /// The input.
        input: String,
        /// The document.
        name: String,
    },
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use MergeError::*;
        match self {
            Io { path, source } => write!(f, "{}: {source}", path.display()),
            NotShard(p) => write!(
                f,
                "{}: not a shard's report (no header line): write shard reports with \
                 `verify --shard K/N --report FILE`",
                p.display()
            ),
            Unfinished(p) => write!(
                f,
                "{}: the shard did not finish (no summary line at its end): run it again with \
                 --resume",
                p.display()
            ),
            BadLine { path, line, why } => write!(f, "{}:{line}: {why}", path.display()),
            Differ { first, other, what } => write!(
                f,
                "{} and {} are reports of different runs ({what}): shards of one audit must \
                 share inputs, parameters and version",
                first.display(),
                other.display()
            ),
            Overlap { shard, paths } => write!(
                f,
                "shard {shard} given twice: {} and {}",
                paths[0].display(),
                paths[1].display()
            ),
            Incomplete { missing, count } => {
                let list: Vec<String> = missing.iter().map(|k| format!("{k}/{count}")).collect();
                write!(
                    f,
                    "incomplete: shard{} {} missing, the merged report would lack their documents",
                    if missing.len() > 1 { "s" } else { "" },
                    list.join(", ")
                )
            }
            Misplaced {
                path,
                name,
                belongs,
            } => write!(
                f,
                "{}: {name} belongs to shard {belongs}, not to this report's",
                path.display()
            ),
            Duplicate { input, name } => write!(f, "{name} (input {input}) is reported twice"),
        }
    }
}

impl std::error::Error for MergeError {}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> MergeError + '_ {
    move |source| MergeError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What a merge made.
#[derive(Debug)]
pub struct Merged {
    /// The merged summary: counts from the lines, cache and fetch figures summed over the
    /// shards, wall time the slowest shard's.
    pub summary: Summary,
}

/// The key a line sorts by.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Position(u64),
    Name(String, String),
}

/// One shard report, checked.
struct Shard {
    path: PathBuf,
    info: RunInfo,
    /// The shard's own summary (its trailer).
    summary: Summary,
    /// Its lines counted.
    counted: Summary,
    in_order: bool,
}

/// Merges shard `reports` into `out`: see the module's documentation.
pub fn merge(
    reports: &[PathBuf],
    options: &MergeOptions,
    out: &mut dyn Write,
) -> Result<Merged, MergeError> {
    // One report per worker: pass 1 parses every line in full, which is what a merge spends
    // most of its time on.
    let shards = reports
        .par_iter()
        .map(|p| scan(p, options.ordered))
        .collect::<Result<Vec<_>, _>>()?;
    check_set(&shards)?;
    let mut counted = Summary::default();
    for s in &shards {
        counted.add_counts(&s.counted);
    }
    let out_path = PathBuf::from("the merged report");
    let runs: Vec<(PathBuf, bool)> = shards
        .iter()
        .map(|s| (s.path.clone(), s.in_order))
        .collect();
    sort::merge_runs(&runs, options, out).map_err(|e| match e {
        sort::Failure::Merge(e) => e,
        sort::Failure::Write(source) => MergeError::Io {
            path: out_path,
            source,
        },
    })?;
    let summary = summary::combine(counted, shards.iter().map(|s| (&s.info, &s.summary)));
    Ok(Merged { summary })
}

/// Pass 1 over one report: header, lines, trailer.
fn scan(path: &Path, ordered: bool) -> Result<Shard, MergeError> {
    let file = std::fs::File::open(path).map_err(io_at(path))?;
    scan_from(path, io::BufReader::with_capacity(1 << 20, file), ordered)
}

/// Pass 1 over a report's bytes (`path` names it in errors).
fn scan_from(path: &Path, mut reader: impl BufRead, ordered: bool) -> Result<Shard, MergeError> {
    let mut counted = Summary::default();
    let mut buf = Vec::new();
    let mut n = 0u64;
    let bad = |line: u64, why: String| MergeError::BadLine {
        path: path.to_path_buf(),
        line,
        why,
    };
    let mut header: Option<RunInfo> = None;
    let mut trailer: Option<Summary> = None;
    let mut previous: Option<Key> = None;
    let mut in_order = true;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).map_err(io_at(path))? == 0 {
            break;
        }
        n += 1;
        if buf.last() != Some(&b'\n') {
            return Err(MergeError::Unfinished(path.to_path_buf()));
        }
        let line = &buf[..buf.len() - 1];
        if trailer.is_some() {
            return Err(bad(n, "a line after the shard's summary".into()));
        }
        match classify(line).map_err(|e| bad(n, e.to_string()))? {
            ReportLine::Header(h) if n == 1 => {
                if h.shard.is_none() {
                    return Err(MergeError::NotShard(path.to_path_buf()));
                }
                header = Some(*h);
                continue;
            }
            ReportLine::Header(_) => return Err(bad(n, "a second header".into())),
            ReportLine::Trailer(s) => {
                trailer = Some(*s);
                continue;
            }
            ReportLine::Other if n == 1 => return Err(MergeError::NotShard(path.to_path_buf())),
            ReportLine::Other => {}
        }
        let head = header.as_ref().expect("read first");
        let shard = head.shard.expect("a shard's header");
        // With --dossier, whole dossiers (folders) are sharded.
        let dossiers = head.params.get("dossier").is_some_and(|d| d == "true");
        let (position, rest) = split_position(line)
            .ok_or_else(|| bad(n, "a document line without its position".into()))?;
        let facts: DocumentFacts =
            serde_json::from_slice(&rest).map_err(|e| bad(n, e.to_string()))?;
        // Pass 2 keys the line by the input and name it starts with, without parsing it again:
        // a line that is JSON to serde but not laid out as `verify` writes it (other key
        // order, spaces) would be refused only there, half-way through the merged report.
        if names(&rest).is_none_or(|(i, m)| i != facts.input || m != facts.name) {
            return Err(bad(
                n,
                "a document line must start with its position, input and name, as \
                 `verify --shard` writes it"
                    .into(),
            ));
        }
        if !shard.contains(&facts.input, &facts.name, dossiers) {
            let belongs = match dossiers {
                false => shard_of(&facts.input, &facts.name, shard.count),
                true => dossier_shard_of(&facts.input, &facts.name, shard.count),
            };
            return Err(MergeError::Misplaced {
                path: path.to_path_buf(),
                name: facts.name.clone(),
                belongs: format!("{belongs}/{}", shard.count),
            });
        }
        let key = match ordered {
            true => Key::Position(position),
            false => Key::Name(facts.input.clone(), facts.name.clone()),
        };
        if let Some(p) = &previous {
            if *p == key {
                return Err(MergeError::Duplicate {
                    input: facts.input,
                    name: facts.name,
                });
            }
            in_order &= *p < key;
        }
        facts.count_into(&mut counted);
        previous = Some(key);
    }
    let info = header.ok_or_else(|| MergeError::NotShard(path.to_path_buf()))?;
    let summary = trailer.ok_or_else(|| MergeError::Unfinished(path.to_path_buf()))?;
    Ok(Shard {
        path: path.to_path_buf(),
        info,
        summary,
        counted,
        in_order,
    })
}

/// The shards are of one run, 1 to N, each once.
fn check_set(shards: &[Shard]) -> Result<(), MergeError> {
    let Some(first) = shards.first() else {
        return Err(MergeError::Incomplete {
            missing: vec![1],
            count: 1,
        });
    };
    let common = first.info.unsharded();
    let count = first.info.shard.expect("a shard's header").count;
    let mut seen: Vec<Option<&Path>> = vec![None; count as usize];
    for s in shards {
        let what = difference(&common, &s.info);
        if let Some(what) = what {
            return Err(MergeError::Differ {
                first: first.path.clone(),
                other: s.path.clone(),
                what,
            });
        }
        let shard = s.info.shard.expect("a shard's header");
        if shard.count != count {
            return Err(MergeError::Differ {
                first: first.path.clone(),
                other: s.path.clone(),
                what: format!("{count} shards against {}", shard.count),
            });
        }
        let slot = &mut seen[shard.index as usize - 1];
        if let Some(other) = slot {
            return Err(MergeError::Overlap {
                shard: shard.to_string(),
                paths: [other.to_path_buf(), s.path.clone()],
            });
        }
        *slot = Some(&s.path);
    }
    let missing: Vec<u32> = (1..=count)
        .filter(|k| seen[*k as usize - 1].is_none())
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Incomplete { missing, count });
    }
    Ok(())
}

/// What two runs differ in, if anything (the shard aside).
fn difference(common: &RunInfo, other: &RunInfo) -> Option<String> {
    let other = other.unsharded();
    if common.version != other.version {
        return Some(format!(
            "version {} against {}",
            common.version, other.version
        ));
    }
    if common.inputs != other.inputs {
        return Some(format!(
            "inputs {:?} against {:?}",
            common.inputs, other.inputs
        ));
    }
    let keys: std::collections::BTreeSet<&String> =
        common.params.keys().chain(other.params.keys()).collect();
    for k in keys {
        let (a, b) = (common.params.get(k), other.params.get(k));
        if a != b {
            let show = |v: Option<&String>| v.map_or("(none)".to_string(), |s| s.clone());
            return Some(format!("{k} {} against {}", show(a), show(b)));
        }
    }
    None
}

/// A document line that still carries its position: its key and the line without the
/// position (what the merged report holds).
struct Keyed {
    key: Key,
    line: Vec<u8>,
}

impl Keyed {
    /// The document's input and name (for a refusal's message).
    fn names(&self) -> (String, String) {
        names(&self.line).map_or_else(
            || (String::new(), String::new()),
            |(i, n)| (i.into_owned(), n.into_owned()),
        )
    }
}

/// A line checked by pass 1, keyed for pass 2: by position, or by the input and name its
/// first two fields hold (read without parsing the rest of the line again).
fn keyed(line: &[u8], ordered: bool) -> Option<Keyed> {
    let (position, line) = split_position(line)?;
    let key = match ordered {
        true => Key::Position(position),
        false => {
            let (input, name) = names(&line)?;
            Key::Name(input.into_owned(), name.into_owned())
        }
    };
    Some(Keyed { key, line })
}

/// The input and name a line (without position) starts with: `{"input":"…","name":"…",`.
fn names(line: &[u8]) -> Option<(Cow<'_, str>, Cow<'_, str>)> {
    let rest = line.strip_prefix(b"{\"input\":")?;
    let (input, rest) = json_string(rest)?;
    let rest = rest.strip_prefix(b",\"name\":")?;
    let (name, _) = json_string(rest)?;
    Some((input, name))
}

/// A JSON string at the start of `b` (decoded only if it has escapes) and what follows it.
fn json_string(b: &[u8]) -> Option<(Cow<'_, str>, &[u8])> {
    if b.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    let mut escaped = false;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                escaped = true;
                i += 1; // the escaped byte is skipped with it
            }
            b'"' => break,
            _ => {}
        }
        i += 1;
    }
    let token = b.get(..=i)?;
    let text = match escaped {
        false => Cow::Borrowed(std::str::from_utf8(&token[1..i]).ok()?),
        true => Cow::Owned(serde_json::from_slice::<String>(token).ok()?),
    };
    Some((text, &b[i + 1..]))
}

/// Pass 1 over `data` as one shard's report, both orders, and pass 2's keying of each of its
/// lines; when pass 1 takes it, the set check and the merged summary of that shard (alone and
/// twice): what `fuzz/fuzz_targets/report_lines.rs` drives (not part of the API). Returns
/// whether pass 1 took the report.
#[doc(hidden)]
pub fn fuzz_report(data: &[u8]) -> bool {
    let path = Path::new("fuzz");
    let by_name = scan_from(path, data, false);
    let by_position = scan_from(path, data, true);
    // Each order finds duplicates by its own key; every other check is the same.
    let differ_only_by_duplicates = match (&by_name, &by_position) {
        (Ok(_), Err(e)) | (Err(e), Ok(_)) => matches!(e, MergeError::Duplicate { .. }),
        _ => true,
    };
    assert!(
        differ_only_by_duplicates,
        "both orders take or refuse a report alike"
    );
    for line in data.split(|&b| b == b'\n') {
        for ordered in [false, true] {
            if let Some(k) = keyed(line, ordered) {
                assert_eq!(k.line.first(), Some(&b'{'), "a keyed line is an object");
                let _ = k.names();
            }
        }
    }
    if let Ok(shard) = &by_name {
        assert_eq!(
            shard.counted.documents,
            shard.counted.by_status.values().sum::<u64>(),
            "every document counted under its status"
        );
        // Pass 2 reads again only what pass 1 checked: it must key every document line.
        for line in data.split(|&b| b == b'\n').skip(1) {
            if matches!(classify(line), Ok(ReportLine::Other)) && !line.is_empty() {
                for ordered in [false, true] {
                    assert!(
                        keyed(line, ordered).is_some(),
                        "pass 2 keys every line pass 1 took"
                    );
                }
            }
        }
        // What a merge makes of the header's shard and of the trailer's figures.
        let _ = check_set(std::slice::from_ref(shard));
        let both = [(&shard.info, &shard.summary), (&shard.info, &shard.summary)];
        let merged = summary::combine(shard.counted.clone(), both.into_iter());
        serde_json::to_string(&merged).expect("the merged summary serialises");
    }
    by_name.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_from_the_line_start_escapes_decoded() {
        let line = br#"{"input":"a\"b.tar","name":"x\u00e9\\y.pdf","bytes":1}"#;
        let (i, n) = names(line).unwrap();
        assert_eq!((i.as_ref(), n.as_ref()), ("a\"b.tar", "x\u{e9}\\y.pdf"));
        let (i, n) = names(br#"{"input":"t","name":"d.pdf"}"#).unwrap();
        assert!(matches!(
            (i, n),
            (Cow::Borrowed("t"), Cow::Borrowed("d.pdf"))
        ));
        assert!(names(br#"{"name":"d.pdf","input":"t"}"#).is_none());
        assert!(names(br#"{"input":"t"#).is_none());
    }
}
