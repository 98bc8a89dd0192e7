//! Embedding sigaudit: verify every PDF of a directory through the public API alone.
//!
//! ```text
//! cargo run --example embed -- DIR --trust P [--certs P] [--crl P] [--ocsp P] --at RFC3339
//! ```
//!
//! Each `P` is a PEM or DER file, or a directory of them (repeatable). Prints one line per
//! document, `STATUS<TAB>file name`, in file-name order. Exit code 0 when every document
//! passed, 1 otherwise, 2 on a usage error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sigaudit::{DocumentStatus, ValidationTime, Verifier};

/// What the command line asks for.
#[derive(Default)]
struct Args {
    dir: Option<PathBuf>,
    trust: Vec<PathBuf>,
    certs: Vec<PathBuf>,
    crls: Vec<PathBuf>,
    ocsps: Vec<PathBuf>,
    at: Option<String>,
}

fn parse(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args::default();
    while let Some(a) = argv.next() {
        let mut value = || argv.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--trust" => args.trust.push(value()?.into()),
            "--certs" => args.certs.push(value()?.into()),
            "--crl" => args.crls.push(value()?.into()),
            "--ocsp" => args.ocsps.push(value()?.into()),
            "--at" => args.at = Some(value()?),
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag}")),
            _ if args.dir.is_none() => args.dir = Some(a.into()),
            _ => return Err(format!("one directory only, not also {a}")),
        }
    }
    Ok(args)
}

/// The files a path names: the file itself, or the directory's files in name order.
fn files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    Ok(out)
}

/// The bytes of every file the paths name.
fn read_all(paths: &[PathBuf]) -> std::io::Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for p in paths {
        for f in files(p)? {
            out.push(std::fs::read(f)?);
        }
    }
    Ok(out)
}

fn run(args: Args) -> Result<bool, String> {
    let dir = args.dir.ok_or("a directory of PDF files is required")?;
    let at = args.at.ok_or("--at is required")?;
    let at = ValidationTime::parse_rfc3339(&at).map_err(|e| e.to_string())?;
    let io = |e: std::io::Error| e.to_string();
    let verifier = Verifier::builder()
        .trust_anchors(read_all(&args.trust).map_err(io)?)
        .intermediates(read_all(&args.certs).map_err(io)?)
        .crls(read_all(&args.crls).map_err(io)?)
        .ocsp_responses(read_all(&args.ocsps).map_err(io)?)
        .validation_time(at)
        .build()
        .map_err(|e| e.to_string())?;
    let mut all_passed = true;
    for path in files(&dir).map_err(io)? {
        if path
            .extension()
            .is_none_or(|e| !e.eq_ignore_ascii_case("pdf"))
        {
            continue;
        }
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let bytes = std::fs::read(&path).map_err(io)?;
        let report = verifier.verify(&name, &bytes);
        all_passed &= report.status == DocumentStatus::TotalPassed;
        println!("{}\t{name}", report.status);
    }
    Ok(all_passed)
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("embed: {e}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("embed: {e}");
            ExitCode::from(2)
        }
    }
}
