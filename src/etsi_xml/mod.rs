//! ETSI TS 119 102-2 (v1.4.1) validation reports in XML: one `vr:ValidationReport` per
//! document, one `vr:SignatureValidationReport` per signature, the validation objects
//! (certificates by digest, timestamp tokens in base64 as well) (`--etsi-xml DIR`).
//!
//! TS 119 102-2, clause 4.3: a signature's report identifies the signature (4.3.2), gives the
//! validation constraints evaluated (4.3.3, here the policy's findings), the validation time
//! and the best signature time (4.3.4), the signer's document (4.3.5), the signature's
//! attributes (4.3.6), the signer (4.3.7), the validation process (4.3.9) and the status
//! (4.3.10: main indication and sub-indication URIs, clause 4.3.10.2 and Table 2 of ETSI EN
//! 319 102-1). Clause 4.4: validation objects, each with an `id` the reports refer to. XML is
//! written with quick-xml, every text escaped; the indications are the JSON line's.

mod names;
mod write;

pub use names::report_path;
pub use write::{document_xml, document_xml_into};

/// The report's namespace (TS 119 102-2 v1.4.1).
pub const NAMESPACE: &str = "http://uri.etsi.org/19102/v1.4.1#";

use std::io;
use std::path::PathBuf;

use crate::engine::{Line, Sink};

/// A [`Sink`] that writes each document's ETSI TS 119 102-2 report under a directory (the
/// document's name plus `.xml`, [`report_path`]) and hands the line on. The verifier keeps
/// the validation objects the reports name when built with
/// [`crate::VerifierBuilder::keep_validation_objects`]. A report that cannot be written stops
/// the run with the error, as the JSON report does.
pub struct XmlReports<'a> {
    inner: &'a mut dyn Sink,
    dir: PathBuf,
    at: i64,
    written: u64,
    /// The directory created last (documents of one folder come together).
    made: Option<PathBuf>,
    /// The report being written (one buffer for the run).
    buf: Vec<u8>,
    /// `DIR/MANIFEST.sha256`: each report's SHA-256 and path, in the `sha256sum` format, for
    /// sealing the reports (`--sign-report`); written as they are.
    manifest: Option<io::BufWriter<std::fs::File>>,
}

/// The manifest's name under the report directory.
pub const MANIFEST: &str = "MANIFEST.sha256";

impl<'a> XmlReports<'a> {
    /// Reports under `dir`, validation time `at` (seconds since the epoch), lines then to
    /// `inner`.
    pub fn new(inner: &'a mut dyn Sink, dir: PathBuf, at: i64) -> Self {
        XmlReports {
            inner,
            dir,
            at,
            written: 0,
            made: None,
            buf: Vec::with_capacity(64 << 10),
            manifest: None,
        }
    }

    /// Also lists every report's SHA-256 in `DIR/MANIFEST.sha256` (`sha256sum -c` checks it
    /// from DIR), so that one signature over the manifest seals every report.
    pub fn with_manifest(mut self) -> io::Result<Self> {
        std::fs::create_dir_all(&self.dir)?;
        let file = std::fs::File::create(self.dir.join(MANIFEST))?;
        self.manifest = Some(io::BufWriter::new(file));
        Ok(self)
    }

    /// Reports written so far.
    pub fn written(&self) -> u64 {
        self.written
    }
}

impl Sink for XmlReports<'_> {
    fn line(&mut self, line: &Line) -> io::Result<()> {
        let path = report_path(&self.dir, &line.report.name);
        if let Some(parent) = path.parent() {
            if self.made.as_deref() != Some(parent) {
                std::fs::create_dir_all(parent)?;
                self.made = Some(parent.to_path_buf());
            }
        }
        document_xml_into(&line.report, self.at, &mut self.buf);
        std::fs::write(&path, &self.buf)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        if let Some(m) = &mut self.manifest {
            use io::Write as _;
            let digest = crate::crypto::DigestAlgorithm::Sha256.digest(&self.buf);
            let rel = path
                .strip_prefix(&self.dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            let hex = crate::asn1::hex(digest.as_ref());
            if rel.contains(['\n', '\\']) {
                // GNU sha256sum's escaped form: a leading backslash, `\\` and `\n` inside.
                let escaped = rel.replace('\\', "\\\\").replace('\n', "\\n");
                writeln!(m, "\\{hex}  {escaped}")?;
            } else {
                writeln!(m, "{hex}  {rel}")?;
            }
        }
        self.written += 1;
        self.inner.line(line)
    }

    fn flush(&mut self) -> io::Result<()> {
        if let Some(m) = &mut self.manifest {
            use io::Write as _;
            m.flush()?;
        }
        self.inner.flush()
    }
}
