//! Extracts fuzz seeds from signed PDFs and revocation files: every signature's `/Contents`
//! CMS goes to `OUT/cms/`, every CRL or OCSP response found (DSS streams, CMS `crls`, loose
//! `.crl`/`.der` files that parse as one) to `OUT/crl_ocsp/`. Files are named by a hash of
//! their bytes, so rerunning adds nothing twice.
//!
//! ```sh
//! cargo run --release -p sigaudit-fuzz-seeds -- OUT INPUT…   # in fuzz/; files or directories
//! ```

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sigaudit::revocation::{Crl, OcspResponse};

/// Seeds larger than this are skipped: the cms and crl_ocsp targets run with
/// `-max_len=65536`, and libFuzzer would only ever see a seed's first 64 KiB.
const MAX_SEED: usize = 64 << 10;

fn main() {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let Some(out) = args.next() else {
        eprintln!("usage: extract-seeds OUT INPUT…");
        std::process::exit(2);
    };
    let mut files = Vec::new();
    for input in args {
        walk(&input, &mut files);
    }
    files.sort();
    let (mut cms, mut rev) = (0, 0);
    for f in &files {
        let Ok(data) = std::fs::read(f) else { continue };
        match sigaudit::pdf::read(&data) {
            Ok(doc) => {
                for sig in &doc.signatures {
                    let Some(c) = &sig.contents else { continue };
                    cms += save(&out.join("cms"), &c.bytes);
                    if let Ok(sd) = sigaudit::cms::parse(&c.bytes) {
                        for crl in &sd.crls {
                            rev += save(&out.join("crl_ocsp"), crl);
                        }
                        for ocsp in &sd.ocsps {
                            rev += save(&out.join("crl_ocsp"), ocsp);
                        }
                    }
                }
                if let Some(dss) = &doc.dss {
                    for s in dss.crls.iter().chain(&dss.ocsps) {
                        if let Ok(b) = sigaudit::pdf::stream_data(&data, s) {
                            rev += save(&out.join("crl_ocsp"), &b);
                        }
                    }
                }
            }
            Err(_) if Crl::parse(&data).is_ok() || OcspResponse::parse(&data).is_ok() => {
                rev += save(&out.join("crl_ocsp"), &data);
            }
            Err(_) => {}
        }
    }
    eprintln!(
        "{} files read: {cms} new cms seeds, {rev} new crl_ocsp seeds",
        files.len()
    );
}

fn walk(p: &Path, files: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let Ok(rd) = std::fs::read_dir(p) else { return };
        for e in rd.flatten() {
            walk(&e.path(), files);
        }
    } else {
        files.push(p.to_path_buf());
    }
}

/// Writes `bytes` to `dir` under a name from its hash; 1 when it was new.
fn save(dir: &Path, bytes: &[u8]) -> usize {
    if bytes.is_empty() || bytes.len() > MAX_SEED {
        return 0;
    }
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    let path = dir.join(format!("{:016x}", h.finish()));
    if path.exists() {
        return 0;
    }
    std::fs::create_dir_all(dir).expect("create the seed directory");
    std::fs::write(&path, bytes).expect("write a seed");
    1
}
