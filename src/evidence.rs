//! The evidence an auditor files with a report (`--evidence DIR`): every certificate, CRL and
//! OCSP response a verdict used that the document itself does not carry, written once under
//! its SHA-256, and an index saying where each came from and which documents used it.
//!
//! Layout:
//! - `certs/HEX.der`, `crls/HEX.der`, `ocsp/HEX.der` — the material, byte for byte as used;
//! - `items.jsonl` — one line per item the first time it is written:
//!   `{"sha256": HEX, "kind": "certificate"|"crl"|"ocsp", "url": URL|null}` (null: given to the
//!   run, not fetched);
//! - `documents.jsonl` — one line per document: `{"document": NAME, "uses": [HEX, …]}`;
//! - `fetches.jsonl` — with `--online`, every URL fetched, read from the cache directory,
//!   refused or failed in the run: `{"url", "kind", "outcome", "error", "bytes", "sha256"}`.
//!
//! A rerun with `--certs DIR/certs --crl DIR/crls --ocsp DIR/ocsp` and no network sees the same
//! material, and so gives the same verdicts. Files are written to a temporary name and renamed,
//! so that processes sharing the directory (shards of one audit) never see half a file.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

use crate::asn1::hex;
use crate::cache::{flat, Bounded};
use crate::pki::cert::Fingerprint;

/// What an evidence item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// An X.509 certificate.
    Certificate,
    /// A CRL.
    Crl,
    /// An OCSP response.
    Ocsp,
}

impl EvidenceKind {
    fn dir(self) -> &'static str {
        match self {
            EvidenceKind::Certificate => "certs",
            EvidenceKind::Crl => "crls",
            EvidenceKind::Ocsp => "ocsp",
        }
    }
}

/// Bytes of the memo of items already written (beyond it, a file's existence is checked on
/// disk): about 80 bytes an entry, so some 200,000 items.
const WRITTEN_BYTES: u64 = 16 << 20;

/// An evidence directory being written.
pub struct Evidence {
    dir: PathBuf,
    written: Bounded<Fingerprint, bool>,
    items: Mutex<BufWriter<File>>,
    documents: Mutex<BufWriter<File>>,
    /// The first write that failed, and how many did.
    failed: Mutex<(Option<String>, u64)>,
}

#[derive(Serialize)]
struct ItemLine<'a> {
    sha256: String,
    kind: EvidenceKind,
    url: Option<&'a str>,
}

#[derive(Serialize)]
struct DocumentLine<'a> {
    document: &'a str,
    uses: &'a [String],
}

impl Evidence {
    /// Opens (creating) an evidence directory; index files are appended to.
    pub fn create(dir: &Path) -> io::Result<Evidence> {
        for k in [
            EvidenceKind::Certificate,
            EvidenceKind::Crl,
            EvidenceKind::Ocsp,
        ] {
            fs::create_dir_all(dir.join(k.dir()))?;
        }
        let append = |name: &str| -> io::Result<Mutex<BufWriter<File>>> {
            let f = fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join(name))?;
            Ok(Mutex::new(BufWriter::new(f)))
        };
        Ok(Evidence {
            dir: dir.to_path_buf(),
            written: Bounded::new(WRITTEN_BYTES, 80, flat),
            items: append("items.jsonl")?,
            documents: append("documents.jsonl")?,
            failed: Mutex::new((None, 0)),
        })
    }

    /// Keeps one item (once per directory) whose SHA-256 is `sha`; returns the SHA-256 in
    /// hex, or `None` when it could not be written (counted in [`Evidence::failures`]).
    pub fn keep(
        &self,
        kind: EvidenceKind,
        url: Option<&str>,
        sha: &Fingerprint,
        der: &[u8],
    ) -> Option<String> {
        let name = hex(sha);
        let mut failed = None;
        let written =
            self.written
                .get_or_compute(*sha, || match self.write(kind, url, der, &name) {
                    Ok(()) => true,
                    Err(e) => {
                        failed = Some(e);
                        false
                    }
                });
        let r = match failed {
            Some(e) => Err(e),
            // An earlier attempt failed: try again, uncached.
            None if !written => self.write(kind, url, der, &name),
            None => Ok(()),
        };
        self.count(r).map(|()| name)
    }

    fn write(
        &self,
        kind: EvidenceKind,
        url: Option<&str>,
        der: &[u8],
        name: &str,
    ) -> io::Result<()> {
        let path = self.dir.join(kind.dir()).join(format!("{name}.der"));
        if path.exists() {
            return Ok(());
        }
        // A name of its own per process and write: two writers of one item never share a file.
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
        fs::write(&tmp, der)?;
        fs::rename(&tmp, &path)?;
        let line = ItemLine {
            sha256: name.to_string(),
            kind,
            url,
        };
        self.append(&self.items, &line)
    }

    /// Records which items a document used.
    pub fn record(&self, document: &str, uses: &[String]) {
        if uses.is_empty() {
            return;
        }
        let r = self.append(&self.documents, &DocumentLine { document, uses });
        self.count(r);
    }

    /// Writes the run's fetch log (`fetches.jsonl`, appended to).
    pub fn file_fetches(&self, records: &[crate::fetch::FetchRecord]) -> io::Result<()> {
        use crate::fetch::Outcome;
        #[derive(Serialize)]
        struct FetchLine<'a> {
            url: &'a str,
            kind: crate::fetch::Kind,
            outcome: &'static str,
            error: Option<String>,
            bytes: u64,
            sha256: Option<String>,
        }
        let f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("fetches.jsonl"))?;
        let mut out = BufWriter::new(f);
        for r in records {
            let (outcome, error) = match &r.outcome {
                Outcome::Fetched => ("fetched", None),
                Outcome::Stored => ("cache_directory", None),
                Outcome::Failed(e) => ("failed", Some(e.to_string())),
            };
            let line = FetchLine {
                url: &r.url,
                kind: r.kind,
                outcome,
                error,
                bytes: r.bytes,
                sha256: r.sha256.as_ref().map(|h| hex(h)),
            };
            serde_json::to_writer(&mut out, &line).map_err(io::Error::other)?;
            out.write_all(b"\n")?;
        }
        out.flush()
    }

    /// Writes the index files out.
    pub fn flush(&self) -> io::Result<()> {
        for w in [&self.items, &self.documents] {
            w.lock().unwrap_or_else(|e| e.into_inner()).flush()?;
        }
        Ok(())
    }

    /// Writes that failed: how many, and the first one's error.
    pub fn failures(&self) -> (u64, Option<String>) {
        let f = self.failed.lock().unwrap_or_else(|e| e.into_inner());
        (f.1, f.0.clone())
    }

    fn count<T>(&self, r: io::Result<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                let mut f = self.failed.lock().unwrap_or_else(|e| e.into_inner());
                f.1 += 1;
                f.0.get_or_insert_with(|| e.to_string());
                None
            }
        }
    }

    fn append<T: Serialize>(&self, to: &Mutex<BufWriter<File>>, line: &T) -> io::Result<()> {
        let mut text = serde_json::to_vec(line).map_err(io::Error::other)?;
        text.push(b'\n');
        to.lock()
            .unwrap_or_else(|e| e.into_inner())
            .write_all(&text)
    }
}

impl Drop for Evidence {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}
