//! The `sigaudit` command line: parses arguments, calls the library, maps the outcome to an exit
//! code. All logic lives in the library.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    Verify(VerifyArgs),
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// PDF files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
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
    use rayon::prelude::*;
    use sigaudit::verify::{self, Context, Policy};

    let at = match &args.at {
        Some(s) => match verify::parse_rfc3339(s) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("sigaudit: --at: {e}");
                return ExitCode::from(2);
            }
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
                Err(e) => {
                    eprintln!("sigaudit: {flag}: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    let caches = sigaudit::cache::Caches::new();
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
        Err(e) => {
            eprintln!("sigaudit: {e}");
            return ExitCode::from(2);
        }
    };
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("sigaudit: {e}");
            return ExitCode::from(2);
        }
    };
    // An unreadable input is an operational error (exit 2), but it still gets its line and
    // the other documents are still verified: no input is ever missing from the report.
    let reports: Vec<(sigaudit::report::DocumentReport, bool)> = pool.install(|| {
        args.files
            .par_iter()
            .map(|path| {
                let name = path.display().to_string();
                match std::fs::read(path) {
                    Ok(data) => (verify::verify_document(&name, &data, &ctx, &caches), true),
                    Err(e) => (
                        sigaudit::report::DocumentReport::unreadable(&name, &e),
                        false,
                    ),
                }
            })
            .collect()
    });
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut summary = verify::Summary::default();
    let mut all_passed = true;
    let mut all_read = true;
    for (r, read) in reports {
        if !read {
            eprintln!(
                "sigaudit: {}: {}",
                r.name,
                r.error.as_deref().unwrap_or_default()
            );
            all_read = false;
        }
        summary.add(&r);
        all_passed &= r.status == sigaudit::verdict::DocumentStatus::TotalPassed;
        let line = serde_json::to_string(&r).expect("report serialises");
        if writeln!(out, "{line}").is_err() {
            return ExitCode::from(2);
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    summary.caches = caches.stats();
    eprintln!(
        "sigaudit: summary {}",
        serde_json::to_string(&summary).expect("summary serialises")
    );
    if !all_read {
        ExitCode::from(2)
    } else if all_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
