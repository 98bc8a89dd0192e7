//! The `sigaudit` command line: parses arguments, calls the library, maps the outcome to an exit
//! code. All logic lives in the library.

use std::process::ExitCode;

use clap::Parser;

/// Verify the digital signatures of very large archives of signed PDF documents.
///
/// This release holds the project layout, the ETSI verdict vocabulary and the corpus generator
/// (`cargo run --release -p sigaudit-corpus -- --help`). The reader (`inspect`) and the
/// verifier (`verify`) are the next milestones; until then this command only prints its help.
#[derive(Parser)]
#[command(version, about, long_about)]
struct Cli {}

fn main() -> ExitCode {
    let _cli = Cli::parse();
    eprintln!(
        "sigaudit {}: no verification command in this release yet (see README.md); \
         `sigaudit --help` for details",
        env!("CARGO_PKG_VERSION")
    );
    ExitCode::from(2)
}
