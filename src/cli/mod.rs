//! The parts of the command line that belong to sharded audits: what a run records about
//! itself (`verify --shard`), `sigaudit merge`, and `sigaudit cache warm` (the shards' shared
//! cache filled before they start).

pub mod warm;

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sigaudit::engine::{self, RunInfo, Shard};
use sigaudit::merge::{self, MergeOptions};
use sigaudit::Verifier;

/// `sigaudit merge`'s arguments.
#[derive(clap::Args)]
pub struct MergeArgs {
    /// The shards' reports (`verify --shard K/N --report FILE`), all N of them.
    #[arg(required = true, value_name = "REPORT.jsonl")]
    pub reports: Vec<PathBuf>,
    /// Write the merged report to FILE (written aside and renamed into place when complete)
    /// instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also write the merged summary as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// In input order (the order of a single run with --ordered) instead of by input and name.
    #[arg(long)]
    pub ordered: bool,
    /// Memory for sorting a report that is not in the merge's order (in chunks; the rest is
    /// spilled to --temp-dir).
    #[arg(long, value_name = "SIZE", default_value = "256M")]
    pub sort_memory: String,
    /// Where sorted chunks are spilled (unlinked files). Default: the system's temporary
    /// directory.
    #[arg(long, value_name = "DIR")]
    pub temp_dir: Option<PathBuf>,
}

/// `sigaudit merge`: exit 0 when merged, 2 when refused or on an I/O error.
pub fn merge(args: &MergeArgs) -> ExitCode {
    let fail = |what: String| {
        eprintln!("sigaudit merge: {what}");
        ExitCode::from(2)
    };
    let Some(chunk_bytes) = sigaudit::parse_size(&args.sort_memory) else {
        return fail(format!("--sort-memory: bad size {:?}", args.sort_memory));
    };
    let options = MergeOptions {
        ordered: args.ordered,
        chunk_bytes: chunk_bytes as usize,
        temp_dir: args.temp_dir.clone(),
    };
    let merged = match &args.out {
        None => {
            let stdout = io::stdout();
            let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
            merge::merge(&args.reports, &options, &mut out)
        }
        Some(path) => merge_into(path, &args.reports, &options),
    };
    let merged = match merged {
        Ok(m) => m,
        Err(e) => return fail(e.to_string()),
    };
    eprint!("{}", merged.summary.text());
    if let Some(path) = &args.summary {
        let json = serde_json::to_string_pretty(&merged.summary).expect("summary serialises");
        if let Err(e) = std::fs::write(path, json + "\n") {
            return fail(format!("{}: {e}", path.display()));
        }
    }
    ExitCode::SUCCESS
}

/// Merges into `path`: written beside it and renamed into place once whole, so that a refused
/// or failed merge leaves no report behind.
fn merge_into(
    path: &Path,
    reports: &[PathBuf],
    options: &MergeOptions,
) -> Result<merge::Merged, merge::MergeError> {
    let io_err = |source| merge::MergeError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let file = std::fs::File::create(&partial).map_err(io_err)?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let result = merge::merge(reports, options, &mut out)
        .and_then(|m| out.flush().map(|()| m).map_err(io_err));
    drop(out);
    match result {
        Ok(m) => {
            std::fs::rename(&partial, path).map_err(io_err)?;
            Ok(m)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// What a run records about itself: its shard, inputs and the parameters that decide
/// verdicts, so that `sigaudit merge` can refuse shards of different runs.
pub struct RunParams<'a> {
    /// The inputs.
    pub inputs: &'a [String],
    /// The shard.
    pub shard: Option<Shard>,
    /// The trust material's files by role, by content (`TrustMaterial::digests`).
    pub material: [(&'static str, String); 4],
    /// Other parameters, by name, as given (flags that decide verdicts).
    pub flags: Vec<(&'static str, String)>,
}

/// The run's description.
pub fn run_info(p: &RunParams<'_>, verifier: &Verifier) -> RunInfo {
    let mut info = RunInfo::new(p.inputs, p.shard);
    let params = &mut info.params;
    params.insert(
        "at".into(),
        format!(
            "{} ({})",
            verifier.validation_time(),
            verifier.validation_time().unix()
        ),
    );
    params.insert("policy".into(), verifier.policy().fingerprint());
    for (name, digest) in &p.material {
        params.insert((*name).into(), digest.clone());
    }
    for (k, v) in &p.flags {
        params.insert((*k).into(), v.clone());
    }
    info
}

/// Opens a shard's report: a new one gets the header; a resumed one must have been written
/// by the same run (its header equal), or be empty.
pub fn shard_header(
    path: &Path,
    info: &RunInfo,
    existing: &engine::Existing,
    resumed: bool,
) -> Result<Option<String>, String> {
    match (&existing.header, resumed && existing.good_len > 0) {
        (Some(h), true) if h == info => Ok(None),
        (Some(h), true) => Err(format!(
            "{}: written by another run (shard {}, inputs {:?}); its parameters differ from \
             this run's — resume with the same command, or write a new report",
            path.display(),
            h.shard.map_or("none".to_string(), |s| s.to_string()),
            h.inputs
        )),
        (None, true) => Err(format!(
            "{}: not a shard's report (no header line): cannot resume it as shard {}",
            path.display(),
            info.shard.map_or("none".to_string(), |s| s.to_string()),
        )),
        _ => Ok(Some(info.header_line())),
    }
}
