//! The `sigaudit` command line: parses arguments, calls the library, maps the outcome to an exit
//! code. All logic lives in the library.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

mod cli;

use clap::{Parser, Subcommand};
use sigaudit::engine::{self, Options};
use sigaudit::etsi_xml::XmlReports;
use sigaudit::load::TrustMaterial;
use sigaudit::{
    AllowRule, CacheLimits, Evidence, FetchConfig, JsonLines, Level, Online, Policy, Prefer, Rule,
    Sink, Store, TextLines, ValidationTime, Verifier,
};

/// Every document allocates many small, short-lived objects on every worker; mimalloc's
/// per-thread heaps serve them without the contention and consolidation of the system
/// allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for this process (Linux `PR_SET_THP_DISABLE`). mimalloc
/// asks for huge pages on its arenas, and the kernel then zeroes 2 MiB on the first touch of
/// each: with documents of a few hundred KB, most of that memory is never used. Measured on
/// 1,000 national-profile documents (2 cores): peak RSS 48 → 19 MB, run time unchanged or a
/// little lower. Documents are file maps or small pooled buffers, which huge pages never
/// served. A kernel that refuses is left as it is.
fn no_huge_pages() {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

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
    /// Manage the persistent cache of fetched material (`verify --online --cache DIR`).
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
    /// Show or check validation policies (`verify --policy NAME|FILE`).
    Policy {
        #[command(subcommand)]
        action: PolicyAction,
    },
    /// Read `verify`'s JSONL reports (and its --summary file) and write one self-contained
    /// HTML page for an auditor: totals, charts, failure classes, the documents that did not
    /// pass.
    ///
    /// Exit code 0 when the page was written, 2 on a usage or I/O error.
    Report(ReportArgs),
    /// Merge the reports of an audit's shards (`verify --shard K/N --report FILE`) into the
    /// report one run over the whole input writes, and one summary.
    ///
    /// Refuses (exit code 2, saying why) an incomplete or overlapping set of shards, shards of
    /// runs with other inputs, parameters or version, a shard that did not finish, and a
    /// document reported twice. Exit code 0 when merged.
    Merge(cli::MergeArgs),
}

#[derive(clap::Args)]
struct ReportArgs {
    /// JSONL reports written by `sigaudit verify --report FILE` (or its standard output).
    #[arg(required = true, value_name = "REPORT.jsonl")]
    reports: Vec<PathBuf>,
    /// Write the HTML page to FILE.
    #[arg(long, value_name = "FILE", required_unless_present = "premis")]
    html: Option<PathBuf>,
    /// Write one METS file per document under DIR holding a PREMIS 3 validation event (the
    /// document's name plus `.mets.xml`), for archive ingestion systems.
    #[arg(long, value_name = "DIR", requires = "at")]
    premis: Option<PathBuf>,
    /// The validation time the reports were made at (RFC 3339; `verify --at`): the PREMIS
    /// events' date.
    #[arg(long)]
    at: Option<String>,
    /// Seal the HTML page (FILE.p7s beside it).
    #[command(flatten)]
    seal: SealArgs,
    /// The summary `verify --summary FILE` wrote: the run's speed, caches and memory.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Rows kept in the table of documents that did not pass (the rest are counted).
    #[arg(long, value_name = "N", default_value_t = sigaudit::AuditReport::ROWS)]
    max_rows: usize,
}

/// Sealing what an audit files: a detached CMS signature (`FILE.p7s`) that `sigaudit verify
/// FILE.p7s` checks like any signature.
#[derive(clap::Args)]
struct SealArgs {
    /// Seal the report with this private key (PKCS#8, PKCS#1 or SEC1; PEM or DER): a detached
    /// CMS signature beside it (`.p7s`). With `verify --etsi-xml DIR`, the sealed file is
    /// DIR/MANIFEST.sha256 (every XML report's SHA-256); with `report --html FILE`, FILE.
    #[arg(long, value_name = "KEY", requires = "sign_cert")]
    sign_report: Option<PathBuf>,
    /// The signer's certificate for --sign-report (PEM or DER).
    #[arg(long, value_name = "CERT", requires = "sign_report")]
    sign_cert: Option<PathBuf>,
}

/// Writes `file`.p7s, a detached CMS signature over `file` (its signing time: now, read here,
/// in the binary).
fn seal_file(file: &std::path::Path, args: &SealArgs) -> Result<(), String> {
    let (Some(key), Some(cert)) = (&args.sign_report, &args.sign_cert) else {
        return Ok(());
    };
    let read = |p: &PathBuf| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
    let content = read(&file.to_path_buf())?;
    let now = ValidationTime::now().unix();
    let cms = sigaudit::seal::sign_detached(&content, &read(key)?, &read(cert)?, Some(now))
        .map_err(|e| format!("--sign-report: {e}"))?;
    let mut out = file.as_os_str().to_owned();
    out.push(".p7s");
    std::fs::write(&out, cms).map_err(|e| format!("{}: {e}", out.to_string_lossy()))?;
    eprintln!("sealed: {}", std::path::Path::new(&out).display());
    Ok(())
}

#[derive(Subcommand)]
enum PolicyAction {
    /// Print a policy resolved (what it extends merged in): every rule with its level and
    /// parameters, its anchors by SHA-256 and subject.
    Show {
        /// A built-in policy's name or a policy file.
        name: String,
    },
    /// Check a policy file: exit code 0 when it is valid, 1 with the error otherwise.
    Check {
        /// The policy file.
        file: PathBuf,
    },
    /// List the built-in policies.
    List,
}

#[derive(Subcommand)]
enum CacheAction {
    /// Entries by kind, bytes, and entries found corrupt and dropped.
    Stats {
        /// The cache directory.
        dir: PathBuf,
    },
    /// Drop CRLs and OCSP responses no longer current at --at (default: now); certificates
    /// are kept.
    Prune {
        /// The cache directory.
        dir: PathBuf,
        /// The time they must be current at (RFC 3339).
        #[arg(long)]
        at: Option<String>,
    },
    /// Fill the cache before an audit's shards start: read the documents' certificates and
    /// fetch, once each, the CRLs they name (and the issuers they lack).
    ///
    /// Exit code 0 when every certificate's CRL is in the cache, 1 when some could not be
    /// fetched, 2 on a usage or I/O error.
    Warm(Box<cli::warm::WarmArgs>),
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// Inputs: PDF files, directories (walked recursively), .tar or .zip archives, or `-` for
    /// a list of paths on standard input, one per line.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Trust anchors: PEM or DER certificate files, or directories of them (required unless
    /// the policy brings its own, as `vn-gov-published` and `vn-gov-issued` do).
    #[arg(long)]
    trust: Vec<PathBuf>,
    /// Also write one ETSI TS 119 102-2 validation report (XML) per document under DIR, at the
    /// document's path plus `.xml`: its signatures' indications (the same as the line's), the
    /// signer and the path, the best signature time, the policy's findings as constraint
    /// reports, the certificates by SHA-256, the timestamp tokens in base64.
    #[arg(long, value_name = "DIR")]
    etsi_xml: Option<PathBuf>,
    /// With --etsi-xml: list every report's SHA-256 in DIR/MANIFEST.sha256 and seal it.
    #[command(flatten)]
    seal: SealArgs,
    /// The validation policy: a built-in (`etsi`, the default; `vn-gov-published`,
    /// `vn-gov-issued`) or a policy file (TOML). See `sigaudit policy show NAME`.
    #[arg(long, default_value = "etsi", value_name = "NAME|FILE")]
    policy: String,
    /// Each directory (or archive folder) is one dossier: a main document and its
    /// appendices, judged together by the policy's `dossier.*` rules. Lines are written in
    /// input order.
    #[arg(long)]
    dossier: bool,
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
    /// Accept signer certificates without revocation data (reported as `unknown`, and as an
    /// INFORM finding of `revocation.available`) instead of INDETERMINATE/TRY_LATER.
    #[arg(long)]
    accept_missing_revocation: bool,
    /// SHA-1 is acceptable for signatures proven (by a timestamp) to exist before this
    /// instant (RFC 3339; default 2016-01-01T00:00:00Z).
    #[arg(long)]
    sha1_until: Option<String>,
    /// Keys under the policy's sizes (RSA 2048 bits) are acceptable for signatures proven to
    /// exist before this instant (RFC 3339; default: the policy's, 2014-01-01T00:00:00Z for
    /// etsi).
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
    /// Verify only shard K of N (1 ≤ K ≤ N ≤ 65536): the documents whose input-relative name
    /// hashes to it, so that N processes (a Slurm array, a Kubernetes Indexed Job) share an
    /// audit; `sigaudit merge` makes their reports one. Needs --report and --at (every shard
    /// judges at the same time); the report starts with the run's description and ends with
    /// its summary.
    #[arg(long, value_name = "K/N", requires_all = ["report", "at"])]
    shard: Option<engine::Shard>,
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
    #[command(flatten)]
    online: OnlineArgs,
}

/// Fetching what documents do not carry.
#[derive(clap::Args)]
struct OnlineArgs {
    /// Fetch missing issuers (AIA caIssuers), CRLs (distribution points) and OCSP responses
    /// over HTTP when the document, its DSS and the given material do not settle a question.
    /// Only public addresses are fetched unless --fetch-allow opens more.
    #[arg(long)]
    online: bool,
    /// Also fetch from this host name, address or CIDR block (repeatable), e.g. 127.0.0.1,
    /// 10.0.0.0/8, ca.example.internal.
    #[arg(long, value_name = "HOST|CIDR", requires = "online")]
    fetch_allow: Vec<String>,
    /// Which revocation source to ask first: crl (one CRL serves every certificate of its
    /// issuer: fewest requests on large archives) or ocsp (one request per certificate).
    #[arg(long, value_enum, default_value_t = PreferArg::Crl)]
    prefer: PreferArg,
    /// Send a nonce in OCSP requests (RFC 8954; off: many responders pre-produce answers).
    #[arg(long, requires = "online")]
    ocsp_nonce: bool,
    /// Seconds one request may take in all (connecting, redirects, body): a 256 MiB CRL
    /// over a slow link fits in the default.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    fetch_timeout: u64,
    /// Largest age, at the validation time, of a CRL or OCSP response without nextUpdate.
    #[arg(long, value_name = "HOURS", default_value_t = 168)]
    max_revocation_age: i64,
    /// Persistent cache of fetched material, shared by runs and by processes running at once
    /// (shards of one audit). Fetched CRLs and OCSP responses are used while current at the
    /// validation time and fetched again when not.
    #[arg(long, value_name = "DIR", requires = "online")]
    cache: Option<PathBuf>,
    /// File every certificate, CRL and OCSP response the verdicts used in DIR (certs/, crls/,
    /// ocsp/ named by SHA-256, items.jsonl, documents.jsonl): a rerun with --certs DIR/certs
    /// --crl DIR/crls --ocsp DIR/ocsp and no network gives the same verdicts.
    #[arg(long, value_name = "DIR")]
    evidence: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum PreferArg {
    /// CRLs first.
    Crl,
    /// OCSP first.
    Ocsp,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    /// One JSON object per line.
    Jsonl,
    /// A compact table for people.
    Text,
}

fn main() -> ExitCode {
    no_huge_pages();
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect { files, pretty } => inspect(&files, pretty),
        Command::Verify(args) => verify(&args),
        Command::Cache { action } => cache(&action),
        Command::Policy { action } => policy(&action),
        Command::Report(args) => report(&args),
        Command::Merge(args) => cli::merge(&args),
    }
}

fn report(args: &ReportArgs) -> ExitCode {
    let fail = |what: String| {
        eprintln!("sigaudit: {what}");
        ExitCode::from(2)
    };
    if let (Some(dir), Some(at)) = (&args.premis, &args.at) {
        let at = match ValidationTime::parse_rfc3339(at) {
            Ok(t) => t.to_string(),
            Err(e) => return fail(format!("--at: {e}")),
        };
        match sigaudit::write_premis_dir(&args.reports, dir, &at) {
            Ok(n) => eprintln!("{n} PREMIS/METS files: {}", dir.display()),
            Err(e) => return fail(format!("--premis {}: {e}", dir.display())),
        }
    }
    let Some(html) = &args.html else {
        return ExitCode::SUCCESS;
    };
    let mut audit =
        sigaudit::AuditReport::with_limits(sigaudit::AuditReport::EXAMPLES, args.max_rows);
    for path in &args.reports {
        let name = path.display().to_string();
        let read = std::fs::File::open(path).and_then(|f| audit.read_jsonl(&name, f));
        if let Err(e) = read {
            return fail(format!("{name}: {e}"));
        }
    }
    if let Some(path) = &args.summary {
        let name = path.display().to_string();
        let read = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|json| audit.set_summary(&name, &json).map_err(|e| e.to_string()));
        if let Err(e) = read {
            return fail(format!("--summary {name}: {e}"));
        }
    }
    if let Err(e) = std::fs::write(html, audit.html()) {
        return fail(format!("{}: {e}", html.display()));
    }
    if let Err(e) = seal_file(html, &args.seal) {
        return fail(e);
    }
    let (rows, omitted) = audit.table_rows();
    eprintln!(
        "{} documents, {} did not pass ({} in the table), {} unreadable lines: {}",
        audit.documents(),
        rows as u64 + omitted,
        rows,
        audit.unreadable_lines(),
        html.display()
    );
    ExitCode::SUCCESS
}

fn policy(action: &PolicyAction) -> ExitCode {
    let named = match action {
        PolicyAction::List => {
            for name in Policy::BUILTIN {
                let p = Policy::builtin(name).expect("built in");
                println!("{name:<18} {}", p.description);
            }
            return ExitCode::SUCCESS;
        }
        PolicyAction::Show { name } => Policy::named(name),
        PolicyAction::Check { file } => Policy::from_file(file),
    };
    match (named, action) {
        (Ok(p), PolicyAction::Show { .. }) => {
            print!("{}", p.to_toml());
            ExitCode::SUCCESS
        }
        (Ok(p), _) => {
            println!(
                "{}: valid (policy {})",
                match action {
                    PolicyAction::Check { file } => file.display().to_string(),
                    _ => String::new(),
                },
                p.name
            );
            ExitCode::SUCCESS
        }
        (Err(e), _) => {
            eprintln!("sigaudit: {e}");
            ExitCode::from(1)
        }
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
        let inspection = sigaudit::inspect(&data);
        unreadable |= inspection.is_error();
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

/// The validation time and policy the flags ask for.
fn time_and_policy(args: &VerifyArgs) -> Result<(ValidationTime, Policy), String> {
    let at = match &args.at {
        Some(s) => ValidationTime::parse_rfc3339(s).map_err(|e| format!("--at: {e}"))?,
        // The run's start is the default validation time: read once here, passed as data.
        None => ValidationTime::now(),
    };
    let mut policy = Policy::named(&args.policy).map_err(|e| format!("--policy: {e}"))?;
    if args.accept_missing_revocation && policy.level(Rule::RevocationAvailable) == Level::Fail {
        policy.set_level(Rule::RevocationAvailable, Level::Inform);
    }
    for (flag, value, slot) in [
        (
            "--sha1-until",
            &args.sha1_until,
            &mut policy.params.sha1_until,
        ),
        (
            "--small-rsa-until",
            &args.small_rsa_until,
            &mut policy.params.key_size_until,
        ),
    ] {
        if let Some(v) = value {
            *slot = ValidationTime::parse_rfc3339(v)
                .map_err(|e| format!("{flag}: {e}"))?
                .unix();
        }
    }
    Ok((at, policy))
}

/// What the trust material's files are, by role and content ([`TrustMaterial::digests`]).
type MaterialDigests = [(&'static str, String); 4];

/// The verifier the flags describe: trust material read from the files they name, and that
/// material's digests (read once, for the run's record).
fn verifier(args: &VerifyArgs) -> Result<(Verifier, MaterialDigests), String> {
    let (at, policy) = time_and_policy(args)?;
    let mut limits = CacheLimits::default();
    for setting in &args.cache_size {
        limits
            .set(setting)
            .map_err(|e| format!("--cache-size: {e}"))?;
    }
    let material = TrustMaterial::read(&args.trust, &args.certs, &args.crl, &args.ocsp)?;
    if material.anchors.is_empty() && !args.trust.is_empty() {
        return Err("no trust anchor found in the --trust paths".into());
    }
    if args.trust.is_empty() && policy.anchors().is_empty() {
        return Err(format!(
            "no trust anchor: give --trust, or a policy that brings its own (policy {} does not)",
            policy.name
        ));
    }
    let mut builder = material
        .builder()
        .validation_time(at)
        .policy(policy)
        .dossier(args.dossier)
        .keep_validation_objects(args.etsi_xml.is_some())
        .cache_limits(limits);
    if let Some(online) = online(&args.online)? {
        builder = builder.online(online);
    }
    if let Some(dir) = &args.online.evidence {
        let ev = Evidence::create(dir).map_err(|e| format!("--evidence {}: {e}", dir.display()))?;
        builder = builder.evidence(Arc::new(ev));
    }
    let verifier = builder.build().map_err(|e| material.explain(&e))?;
    Ok((verifier, material.digests()))
}

/// What `--online` and its companions describe.
fn online(args: &OnlineArgs) -> Result<Option<Online>, String> {
    if !args.online {
        return Ok(None);
    }
    let mut config = FetchConfig {
        total_timeout: Duration::from_secs(args.fetch_timeout.max(1)),
        ocsp_nonce: args.ocsp_nonce,
        ..FetchConfig::default()
    };
    for rule in &args.fetch_allow {
        config
            .allow
            .push(AllowRule::parse(rule).map_err(|e| format!("--fetch-allow: {e}"))?);
    }
    let store = match &args.cache {
        Some(dir) => {
            let store = Store::open(dir).map_err(|e| format!("--cache {}: {e}", dir.display()))?;
            if let Some(what) = store.recovered() {
                eprintln!("sigaudit: --cache {}: {what}", dir.display());
            }
            Some(Arc::new(store))
        }
        None => None,
    };
    let prefer = match args.prefer {
        PreferArg::Crl => Prefer::Crl,
        PreferArg::Ocsp => Prefer::Ocsp,
    };
    Ok(Some(
        Online::new(config, store)
            .prefer(prefer)
            .max_age(args.max_revocation_age.saturating_mul(3600)),
    ))
}

/// The run options the flags describe.
fn options(args: &VerifyArgs) -> Result<Options, String> {
    let size = |flag: &str, v: &str| {
        sigaudit::parse_size(v).ok_or_else(|| format!("{flag}: bad size {v:?} (e.g. 512M)"))
    };
    Ok(Options {
        memory_budget: size("--memory-budget", &args.memory_budget)?,
        temp_budget: size("--temp-budget", &args.temp_budget)?,
        temp_dir: args.temp_dir.clone(),
        bomb: sigaudit::BombRule {
            ratio: args.bomb_ratio,
            min_size: size("--bomb-size", &args.bomb_size)?,
        },
        jobs: args.jobs.unwrap_or(0),
        in_flight: args.in_flight.unwrap_or(0),
        ordered: args.ordered,
        shard: args.shard,
        access: if args.no_mmap {
            sigaudit::Access::Read
        } else {
            sigaudit::Access::Map
        },
        ..Options::default()
    })
}

/// Where the report goes: standard output, or the `--report` file (truncated, or with
/// `--resume` cut after its last whole line, the documents it holds skipped; a shard's report
/// starts with the run's description). Returns the writer and whether an earlier run's lines
/// hold a document that did not pass.
fn report_file(
    args: &VerifyArgs,
    options: &mut Options,
    info: &sigaudit::engine::RunInfo,
) -> Result<(Box<dyn Write + Send>, bool), String> {
    let Some(path) = &args.report else {
        return Ok((Box::new(io::stdout()), false));
    };
    let at = |e: io::Error| format!("{}: {e}", path.display());
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(args.resume)
        .write(true)
        .truncate(!args.resume)
        .open(path)
        .map_err(at)?;
    let mut existing = engine::Existing::default();
    if args.resume {
        existing = engine::read_report(&std::fs::read(path).map_err(at)?);
        file.set_len(existing.good_len as u64).map_err(at)?;
    }
    if args.shard.is_some() {
        if let Some(header) = cli::shard_header(path, info, &existing, args.resume)? {
            file.set_len(0).map_err(at)?;
            file.write_all(header.as_bytes()).map_err(at)?;
        }
    }
    options.skip = existing.done;
    Ok((Box::new(file), existing.any_not_passed))
}

/// A shard's report ends with its summary: the mark of a shard that finished.
fn shard_trailer(args: &VerifyArgs, summary: &sigaudit::Summary) -> Result<(), String> {
    let (Some(path), Some(_)) = (&args.report, args.shard) else {
        return Ok(());
    };
    let at = |e: io::Error| format!("{}: {e}", path.display());
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(at)?;
    file.write_all(engine::trailer_line(summary).as_bytes())
        .map_err(at)
}

/// What this run records about itself (`--shard`'s header, the summary's `run`).
fn run_info(
    args: &VerifyArgs,
    verifier: &Verifier,
    material: MaterialDigests,
) -> sigaudit::engine::RunInfo {
    let o = &args.online;
    let flags = vec![
        (
            "accept_missing_revocation",
            args.accept_missing_revocation.to_string(),
        ),
        ("dossier", args.dossier.to_string()),
        ("sha1_until", format!("{:?}", args.sha1_until)),
        ("small_rsa_until", format!("{:?}", args.small_rsa_until)),
        ("online", o.online.to_string()),
        ("fetch_allow", o.fetch_allow.join(",")),
        ("prefer", format!("{:?}", o.prefer)),
        ("ocsp_nonce", o.ocsp_nonce.to_string()),
        ("max_revocation_age", o.max_revocation_age.to_string()),
        ("bomb", format!("{} {}", args.bomb_ratio, args.bomb_size)),
    ];
    let params = cli::RunParams {
        inputs: &args.inputs,
        shard: args.shard,
        material,
        flags,
    };
    cli::run_info(&params, verifier)
}

/// A sink that moves the progress bar for every line it passes on.
struct Progress<'a> {
    inner: Box<dyn Sink + 'a>,
    bar: indicatif::ProgressBar,
}

impl Sink for Progress<'_> {
    fn line(&mut self, line: &sigaudit::Line) -> io::Result<()> {
        self.bar.inc(1);
        self.inner.line(line)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A progress bar on standard error when it is a terminal; the documents are counted on a
/// thread of their own (cheap: no bytes are read), unless the list comes from standard input.
fn progress_bar(inputs: &[String]) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {pos}/{len} documents  {per_sec}  ETA {eta}  {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    if !inputs.iter().any(|i| i == "-") {
        let (bar, inputs) = (bar.clone(), inputs.to_vec());
        std::thread::spawn(move || bar.set_length(engine::count(&inputs)));
    }
    bar
}

fn verify(args: &VerifyArgs) -> ExitCode {
    let fail = |what: &str| {
        eprintln!("sigaudit: {what}");
        ExitCode::from(2)
    };
    let (verifier, material) = match verifier(args) {
        Ok(v) => v,
        Err(e) => return fail(&e),
    };
    let mut options = match options(args) {
        Ok(o) => o,
        Err(e) => return fail(&e),
    };
    if args.shard.is_some() && !matches!(args.format, FormatArg::Jsonl) {
        return fail("--shard writes JSON lines (sigaudit merge reads them): drop --format");
    }
    let info = run_info(args, &verifier, material);
    let (out, earlier_not_passed) = match report_file(args, &mut options, &info) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let mut lines: Box<dyn Sink> = match args.format {
        FormatArg::Jsonl => Box::new(JsonLines::new(out)),
        FormatArg::Text => Box::new(TextLines::new(out)),
    };
    let inner: Box<dyn Sink + '_> = match &args.etsi_xml {
        Some(dir) => {
            let at = verifier.validation_time().unix();
            let xml = XmlReports::new(&mut *lines, dir.clone(), at);
            let xml = match args.seal.sign_report.is_some() {
                true => match xml.with_manifest() {
                    Ok(x) => x,
                    Err(e) => return fail(&format!("{}: {e}", dir.display())),
                },
                false => xml,
            };
            Box::new(xml)
        }
        None => Box::new(&mut *lines),
    };
    let bar = progress_bar(&args.inputs);
    let mut sink = Progress {
        inner,
        bar: bar.clone(),
    };
    let mut summary = match engine::run(&args.inputs, &verifier, &options, &mut sink) {
        Ok(s) => s,
        Err(e) => return fail(&format!("writing the report: {e}")),
    };
    drop(sink);
    drop(lines);
    summary.run = Some(info);
    if let Err(e) = shard_trailer(args, &summary) {
        return fail(&e);
    }
    bar.finish_and_clear();
    eprint!("{}", summary.text());
    if let Some(path) = &args.summary {
        let json = serde_json::to_string_pretty(&summary).expect("summary serialises");
        if let Err(e) = std::fs::write(path, json + "\n") {
            return fail(&format!("{}: {e}", path.display()));
        }
    }
    if let Err(e) = verifier.file_fetch_log() {
        return fail(&format!(
            "writing the fetch log into the evidence directory: {e}"
        ));
    }
    if let Some((n, Some(first))) = verifier.evidence_failures() {
        return fail(&format!("{n} evidence writes failed; the first: {first}"));
    }
    if let (Some(dir), Some(_)) = (&args.etsi_xml, &args.seal.sign_report) {
        if let Err(e) = seal_file(&dir.join(sigaudit::etsi_xml::MANIFEST), &args.seal) {
            return fail(&e);
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

/// `--max-revocation-age`'s default, for pruning.
const MAX_AGE_DEFAULT: i64 = 168 * 3600;

fn cache(action: &CacheAction) -> ExitCode {
    let fail = |what: String| {
        eprintln!("sigaudit: {what}");
        ExitCode::from(2)
    };
    let dir = match action {
        CacheAction::Stats { dir } | CacheAction::Prune { dir, .. } => dir,
        CacheAction::Warm(args) => return cli::warm::warm(args),
    };
    let store = match Store::open(dir) {
        Ok(s) => s,
        Err(e) => return fail(format!("{}: {e}", dir.display())),
    };
    match action {
        CacheAction::Stats { .. } => {
            let stats = store.stats();
            println!(
                "{}",
                serde_json::to_string_pretty(&stats).expect("stats serialise")
            );
            ExitCode::SUCCESS
        }
        CacheAction::Warm(_) => unreachable!("handled above"),
        CacheAction::Prune { at, .. } => {
            let at = match at.as_deref().map(ValidationTime::parse_rfc3339) {
                Some(Ok(t)) => t,
                Some(Err(e)) => return fail(format!("--at: {e}")),
                None => ValidationTime::now(),
            };
            match store.prune(&|key, body| sigaudit::still_current(key, body, at, MAX_AGE_DEFAULT))
            {
                Ok(p) => {
                    println!(
                        "{}",
                        serde_json::to_string(&p).expect("prune stats serialise")
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(format!("{}: {e}", dir.display())),
            }
        }
    }
}
