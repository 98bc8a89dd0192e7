//! The `sigaudit` command line: parses arguments, calls the library, maps the outcome to an exit
//! code. All logic lives in the library.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Every document allocates many small, short-lived objects on every worker; mimalloc's
/// per-thread heaps serve them without the contention and consolidation of the system
/// allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Verify the digital signatures of very large archives of signed PDF documents.
#[derive(Parser)]
#[command(version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print, per file, the revisions, signatures and byte-range checks the reader found.
    ///
    /// One JSON object per line and file. Exit code 0 when every file was read, 1 when some
    /// file could not be read as a PDF, 2 on a usage or I/O error.
    Inspect {
        /// PDF files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Indent the JSON.
        #[arg(long)]
        pretty: bool,
    },
    /// Verify every signature of each file: one JSON line per document with ETSI EN 319 102-1
    /// verdicts, a summary on stderr.
    ///
    /// Exit code 0 when every document is TOTAL_PASSED, 1 when some document failed, is
    /// indeterminate or could not be read, 2 on a usage or I/O error.
    Verify(Box<VerifyArgs>),
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// Inputs: PDF files, directories (walked recursively), .tar or .zip archives, or `-` for
    /// a list of paths on standard input, one per line.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Trust anchors: PEM or DER certificate files, or directories of them.
    #[arg(long, required = true)]
    trust: Vec<PathBuf>,
    /// Intermediate certificates (files or directories).
    #[arg(long)]
    certs: Vec<PathBuf>,
    /// CRLs, PEM or DER (files or directories).
    #[arg(long)]
    crl: Vec<PathBuf>,
    /// OCSP responses, DER (files or directories).
    #[arg(long)]
    ocsp: Vec<PathBuf>,
    /// Validation time (RFC 3339); default: when the run starts.
    #[arg(long)]
    at: Option<String>,
    /// Accept signer certificates without revocation data (reported as `unknown`) instead of
    /// INDETERMINATE/TRY_LATER.
    #[arg(long)]
    accept_missing_revocation: bool,
    /// SHA-1 is acceptable for signatures proven (by a timestamp) to exist before this
    /// instant (RFC 3339; default 2016-01-01T00:00:00Z).
    #[arg(long)]
    sha1_until: Option<String>,
    /// RSA keys under 2048 bits are acceptable for signatures proven to exist before this
    /// instant (RFC 3339; default 2014-01-01T00:00:00Z).
    #[arg(long)]
    small_rsa_until: Option<String>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Documents verified at once (default: one per worker). `--in-flight 1` is
    /// ingestion-style: one document at a time, its signatures spread over the workers, which
    /// is what per-document latency measures.
    #[arg(long, value_name = "N")]
    in_flight: Option<usize>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// With --report: skip the documents the report already has and append the rest (a
    /// partial last line, left by a killed run, is cut off and redone).
    #[arg(long, requires = "report")]
    resume: bool,
    /// Also write the summary as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Write lines in input order (default: in completion order, each line complete).
    #[arg(long)]
    ordered: bool,
    /// Report format.
    #[arg(long, value_enum, default_value_t = FormatArg::Jsonl)]
    format: FormatArg,
    /// A cache's memory limit, NAME=SIZE (repeatable): certificates, signatures, paths, crls,
    /// crl_signatures or ocsp, with a size such as 256M. Defaults: certificates 96M,
    /// signatures 16M, paths 32M, crls 64M, crl_signatures 1M, ocsp 15M. A full cache evicts
    /// what was used least; the summary counts evictions.
    #[arg(long, value_name = "NAME=SIZE")]
    cache_size: Vec<String>,
    /// Memory for heap buffers in flight (read or inflated archive members, decoded
    /// streams), shared by all workers: half as one share per worker, half as a pool for one
    /// large document at a time. A document that outgrows its share is verified again with
    /// the pool; one that outgrows the pool gets an ERROR line saying so.
    #[arg(long, value_name = "SIZE", default_value = "512M")]
    memory_budget: String,
    /// Where deflated archive members larger than a worker's share are inflated (unlinked
    /// temporary files, mapped). Default: the system's temporary directory.
    #[arg(long, value_name = "DIR")]
    temp_dir: Option<PathBuf>,
    /// Temporary space for inflated members; a member that inflates to more gets an ERROR
    /// line.
    #[arg(long, value_name = "SIZE", default_value = "4G")]
    temp_budget: String,
    /// A stream or archive member that inflates at more than this ratio, beyond --bomb-size,
    /// is reported as a `compression_bomb` finding.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    bomb_ratio: u64,
    /// Inflated size below which no ratio is a bomb.
    #[arg(long, value_name = "SIZE", default_value = "16M")]
    bomb_size: String,
    /// Read documents with positional reads instead of memory-mapping them: for file systems
    /// where a map is unsupported or unsafe (a network file system whose file is truncated
    /// under a map raises SIGBUS). Each document in flight is then held in memory.
    #[arg(long)]
    no_mmap: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    /// One JSON object per line.
    Jsonl,
    /// A compact table for people.
    Text,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect { files, pretty } => inspect(&files, pretty),
        Command::Verify(args) => verify(&args),
    }
}

fn inspect(files: &[PathBuf], pretty: bool) -> ExitCode {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut unreadable = false;
    for path in files {
        let data = match std::fs::read(path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("sigaudit: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        };
        let inspection = sigaudit::inspect::inspect(&data);
        unreadable |= matches!(inspection.outcome, sigaudit::inspect::Outcome::Error(_));
        let line = serde_json::json!({ "path": path, "inspection": inspection });
        let text = if pretty {
            serde_json::to_string_pretty(&line)
        } else {
            serde_json::to_string(&line)
        };
        if writeln!(out, "{}", text.expect("inspection serialises")).is_err() {
            return ExitCode::from(2);
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    if unreadable {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn verify(args: &VerifyArgs) -> ExitCode {
    use sigaudit::engine::{self, Format, Options};
    use sigaudit::verify::{self, Context, Policy};
    use std::io::IsTerminal;

    let fail = |what: &str| {
        eprintln!("sigaudit: {what}");
        ExitCode::from(2)
    };
    let at = match &args.at {
        Some(s) => match verify::parse_rfc3339(s) {
            Ok(t) => t,
            Err(e) => return fail(&format!("--at: {e}")),
        },
        // The run's start is the default validation time: read once here, passed as data.
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    };
    let mut policy = Policy {
        require_revocation: !args.accept_missing_revocation,
        ..Policy::default()
    };
    for (flag, value, slot) in [
        ("--sha1-until", &args.sha1_until, &mut policy.sha1_until),
        (
            "--small-rsa-until",
            &args.small_rsa_until,
            &mut policy.small_rsa_until,
        ),
    ] {
        if let Some(v) = value {
            match verify::parse_rfc3339(v) {
                Ok(t) => *slot = t,
                Err(e) => return fail(&format!("{flag}: {e}")),
            }
        }
    }
    let mut limits = sigaudit::validate::CacheLimits::default();
    for setting in &args.cache_size {
        if let Err(e) = limits.set(setting) {
            return fail(&format!("--cache-size: {e}"));
        }
    }
    let caches = sigaudit::validate::Caches::with_limits(limits);
    let ctx = match Context::load(
        &args.trust,
        &args.certs,
        &args.crl,
        &args.ocsp,
        at,
        policy,
        &caches,
    ) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let size = |flag: &str, v: &str| {
        sigaudit::memory::parse_size(v).ok_or_else(|| format!("{flag}: bad size {v:?} (e.g. 512M)"))
    };
    let sizes = (|| -> Result<(u64, u64, u64), String> {
        Ok((
            size("--memory-budget", &args.memory_budget)?,
            size("--temp-budget", &args.temp_budget)?,
            size("--bomb-size", &args.bomb_size)?,
        ))
    })();
    let (memory_budget, temp_budget, bomb_size) = match sizes {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let mut options = Options {
        memory_budget,
        temp_budget,
        temp_dir: args.temp_dir.clone(),
        bomb: sigaudit::memory::BombRule {
            ratio: args.bomb_ratio,
            min_size: bomb_size,
        },
        jobs: args.jobs.unwrap_or(0),
        in_flight: args.in_flight.unwrap_or(0),
        ordered: args.ordered,
        format: match args.format {
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Text => Format::Text,
        },
        progress: io::stderr().is_terminal(),
        access: if args.no_mmap {
            sigaudit::input::Access::Read
        } else {
            sigaudit::input::Access::Map
        },
        ..Options::default()
    };
    let mut earlier_not_passed = false;
    let mut sink: Box<dyn Write + Send> = match &args.report {
        None => Box::new(io::stdout()),
        Some(path) => {
            let file = match std::fs::OpenOptions::new()
                .create(true)
                .read(true)
                .append(args.resume)
                .write(true)
                .truncate(!args.resume)
                .open(path)
            {
                Ok(f) => f,
                Err(e) => return fail(&format!("{}: {e}", path.display())),
            };
            if args.resume {
                let existing = match std::fs::read(path) {
                    Ok(b) => engine::read_report(&b),
                    Err(e) => return fail(&format!("{}: {e}", path.display())),
                };
                if let Err(e) = file.set_len(existing.good_len as u64) {
                    return fail(&format!("{}: {e}", path.display()));
                }
                earlier_not_passed = existing.any_not_passed;
                options.skip = existing.done;
            }
            Box::new(file)
        }
    };
    let summary = match engine::run(&args.inputs, &ctx, &caches, &options, &mut *sink) {
        Ok(s) => s,
        Err(e) => return fail(&format!("writing the report: {e}")),
    };
    eprint!("{}", summary.text());
    if let Some(path) = &args.summary {
        let json = serde_json::to_string_pretty(&summary).expect("summary serialises");
        if let Err(e) = std::fs::write(path, json + "\n") {
            return fail(&format!("{}: {e}", path.display()));
        }
    }
    if summary.unreadable_inputs > 0 {
        ExitCode::from(2)
    } else if summary.all_passed() && !earlier_not_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
