//! `sigaudit cache warm`: its arguments and handler (part of the binary, not the library; the
//! work is `sigaudit::warm`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use sigaudit::{AllowRule, FetchConfig, Fetcher, Store, ValidationTime, WarmOptions};

/// Arguments of `cache warm`.
#[derive(clap::Args)]
pub struct WarmArgs {
    /// The cache directory (`verify --online --cache DIR`), created if need be.
    dir: PathBuf,
    /// Inputs, as for `verify`: PDF files, directories, .tar or .zip archives, or `-` for a
    /// list of paths on standard input.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Also fetch from this host name, address or CIDR block (repeatable), as `verify
    /// --fetch-allow`: only public addresses otherwise.
    #[arg(long, value_name = "HOST|CIDR")]
    fetch_allow: Vec<String>,
    /// Seconds one request may take in all (connecting, redirects, body).
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    fetch_timeout: u64,
    /// The validation time the shards will use (RFC 3339; default: now): a cached CRL not
    /// current then is fetched again, and a fetched one not current then is reported.
    #[arg(long)]
    at: Option<String>,
    /// Largest age, at the validation time, of a CRL without nextUpdate.
    #[arg(long, value_name = "HOURS", default_value_t = 168)]
    max_revocation_age: i64,
    /// Requests at a time (at most 4 to one host whatever this says).
    #[arg(long, value_name = "N", default_value_t = 8)]
    parallel: usize,
    /// Threads reading documents (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Memory for documents being read, shared by the threads.
    #[arg(long, value_name = "SIZE", default_value = "512M")]
    memory_budget: String,
    /// Read documents instead of memory-mapping them (as `verify --no-mmap`).
    #[arg(long)]
    no_mmap: bool,
    /// Also write the report as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
}

/// Runs `cache warm`. Exit code 0 when every certificate's CRL (and every missing issuer) is
/// in the cache, 1 when some could not be fetched, 2 on a usage or I/O error or a missing
/// input.
pub fn warm(args: &WarmArgs) -> ExitCode {
    let fail = |what: String| {
        eprintln!("sigaudit: {what}");
        ExitCode::from(2)
    };
    let at = match args.at.as_deref().map(ValidationTime::parse_rfc3339) {
        Some(Ok(t)) => t,
        Some(Err(e)) => return fail(format!("--at: {e}")),
        None => ValidationTime::now(),
    };
    let Some(memory_budget) = sigaudit::parse_size(&args.memory_budget) else {
        return fail(format!(
            "--memory-budget: bad size {:?} (e.g. 512M)",
            args.memory_budget
        ));
    };
    let mut config = FetchConfig {
        total_timeout: Duration::from_secs(args.fetch_timeout.max(1)),
        ..FetchConfig::default()
    };
    for rule in &args.fetch_allow {
        match AllowRule::parse(rule) {
            Ok(r) => config.allow.push(r),
            Err(e) => return fail(format!("--fetch-allow: {e}")),
        }
    }
    let store = match Store::open(&args.dir) {
        Ok(s) => s,
        Err(e) => return fail(format!("{}: {e}", args.dir.display())),
    };
    if let Some(what) = store.recovered() {
        eprintln!("sigaudit: {}: {what}", args.dir.display());
    }
    let fetcher = Fetcher::new(config, Some(Arc::new(store)));
    let options = WarmOptions {
        max_age: args.max_revocation_age.saturating_mul(3600),
        parallel: args.parallel.max(1),
        jobs: args.jobs.unwrap_or(0),
        access: if args.no_mmap {
            sigaudit::Access::Read
        } else {
            sigaudit::Access::Map
        },
        memory_budget,
        ..WarmOptions::new(at)
    };
    let report = sigaudit::warm(&args.inputs, &fetcher, &options);
    print!("{}", report.text());
    if let Some(path) = &args.summary {
        let json = serde_json::to_string_pretty(&report).expect("the report serialises");
        if let Err(e) = std::fs::write(path, json + "\n") {
            return fail(format!("{}: {e}", path.display()));
        }
    }
    if report.missing_inputs > 0 {
        ExitCode::from(2)
    } else if report.complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
