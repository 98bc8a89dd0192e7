//! `sigaudit-corpus`: generate a signed PDF corpus (see the library docs for the layout).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use sigaudit_corpus::cases::Profile;
use sigaudit_corpus::{generate_with, pki, Attachments, Chain, Config, Modes, Revocation};

#[derive(Parser)]
#[command(
    version,
    about = "Generate a deterministic corpus of signed PDFs with its own test PKI"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Output directory (its docs/, pki/, manifest.jsonl and archive.tar are replaced).
    #[arg(long, required = true)]
    out: Option<PathBuf>,
    /// Number of documents.
    #[arg(long, required = true)]
    docs: Option<usize>,
    /// Corpus seed: same seed, same arguments ⇒ byte-identical output.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Which cases the corpus holds.
    #[arg(long, value_enum, default_value_t = Profile::National)]
    profile: Profile,
    /// Attachment sizes: `mix` (realistic, 0 to 50 MiB) or a list such as `0,1M,10M`.
    #[arg(long, default_value = "mix")]
    attachments: Attachments,
    /// Also write DIR/archive.tar holding the documents.
    #[arg(long)]
    tar: bool,
    /// Write the documents only into DIR/archive.tar, not as files under DIR/docs (for
    /// archives larger than the disk could hold twice).
    #[arg(long)]
    tar_only: bool,
    /// Base URL of the certificates' CRL distribution points and OCSP/caIssuers URLs.
    #[arg(long, default_value = pki::DEFAULT_BASE_URL)]
    base_url: String,
    /// Distinct signer certificates of the trusted hierarchy (a national CA issues hundreds
    /// of thousands; beyond the 300 committed keys, certificates share keys).
    #[arg(long, default_value_t = sigaudit_corpus::keys::SIGNER_COUNT)]
    signers: usize,
    /// Revocation and validation data in the documents: `embedded` (DSS and document
    /// timestamps on LTV documents) or `none` (as real government documents: a verifier
    /// fetches CRLs or OCSP responses; the cases about embedded data are not generated).
    #[arg(long, value_enum, default_value_t = Revocation::Embedded)]
    revocation: Revocation,
    /// Certificates in each signature's CMS: `full` (signer and issuing CA) or `leaf` (the
    /// signer's only: a verifier fetches the CA from the caIssuers URL).
    #[arg(long, value_enum, default_value_t = Chain::Full)]
    chain: Chain,
    /// Worker threads (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Print one line per document.
    #[arg(long)]
    list: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a corpus' CRLs, CA certificates (DIR/pki/www) and OCSP responses over HTTP on
    /// loopback, with optional faults (see the library's `serve` module).
    Serve {
        /// The corpus directory.
        dir: PathBuf,
        /// Loopback address and port to listen on (port 0: any free port, printed at start).
        #[arg(long)]
        listen: String,
        /// Milliseconds to wait before every answer.
        #[arg(long, default_value_t = 0)]
        latency: u64,
        /// Percentage of requests answered with a 500 (deterministically spread).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
        fail: u8,
        /// A fault injected into every other request.
        #[arg(long, value_enum)]
        fault: Option<sigaudit_corpus::serve::Fault>,
        /// Append one line per request (method, path, status, body bytes) to this file.
        #[arg(long)]
        log: Option<PathBuf>,
        /// Seconds to serve before exiting.
        #[arg(long = "for", default_value_t = 600)]
        for_seconds: u64,
    },
    /// Regenerate the test keys (corpus/keys/*.pem were made with `keygen --seed 2026`).
    Keygen {
        /// Directory to write the keys into.
        #[arg(long)]
        out: PathBuf,
        /// Seed.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(jobs) = cli.jobs {
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build_global()
        {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    let result = match cli.command {
        Some(Command::Keygen { out, seed }) => {
            sigaudit_corpus::keys::keygen(&out, seed).map(|_| ())
        }
        Some(Command::Serve {
            dir,
            listen,
            latency,
            fail,
            fault,
            log,
            for_seconds,
        }) => serve(sigaudit_corpus::serve::Options {
            dir,
            listen,
            latency: Duration::from_millis(latency),
            fail_percent: fail,
            fault,
            log,
            duration: Duration::from_secs(for_seconds),
        }),
        None => {
            let base_url = if cli.base_url.ends_with('/') {
                cli.base_url
            } else {
                format!("{}/", cli.base_url)
            };
            let config = Config {
                out: cli.out.expect("required by clap"),
                docs: cli.docs.expect("required by clap"),
                seed: cli.seed,
                profile: cli.profile,
                attachments: cli.attachments,
                tar: cli.tar || cli.tar_only,
                tar_only: cli.tar_only,
                base_url,
                signers: cli.signers,
            };
            let modes = Modes {
                revocation: cli.revocation,
                chain: cli.chain,
            };
            let list = cli.list;
            generate_with(&config, &modes, |d| {
                if list {
                    println!(
                        "{:<24} {:>10} {:>2} sigs  {:<14} {:<24} {}",
                        d.name,
                        d.bytes,
                        d.signatures.len(),
                        d.status.as_str(),
                        d.case,
                        d.reason.as_deref().unwrap_or("")
                    );
                }
            })
            .map(|s| {
                println!(
                    "{} documents, {} signatures, {:.1} MB in {:.1} s ({:.0} documents/s) -> {}",
                    s.documents,
                    s.signatures,
                    s.bytes as f64 / 1e6,
                    s.seconds,
                    s.documents as f64 / s.seconds,
                    config.out.display()
                );
                println!("  by status: {:?}", s.by_status);
                println!("  by case:   {:?}", s.by_case);
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs the server, printing the bound address as soon as it listens.
fn serve(options: sigaudit_corpus::serve::Options) -> anyhow::Result<()> {
    sigaudit_corpus::serve::run(options, |addr| {
        let mut out = std::io::stdout();
        let _ = writeln!(out, "listening on http://{addr}/");
        let _ = out.flush();
    })
}
