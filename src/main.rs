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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect { files, pretty } => inspect(&files, pretty),
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
