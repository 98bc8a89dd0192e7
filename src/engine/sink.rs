//! Where report lines go: the [`Sink`] the engine writes through, one line per document, from
//! one thread.

use std::io::{self, Write};

use super::Line;

/// A report buffered past this many bytes is written even while more lines are queued.
const WRITE_BATCH: usize = 64 << 10;

/// Takes the report lines of a run, one per document, on the engine's writer thread.
///
/// The engine calls [`Sink::line`] for every document, in completion order (or input order
/// with [`super::Options::ordered`]), and [`Sink::flush`] whenever no further line is waiting
/// and at the end: a sink that buffers writes what it holds then, so that a run killed at any
/// moment leaves only whole lines behind, but perhaps the last.
///
/// ```
/// use sigaudit::{engine, DocumentStatus, Line, Sink, ValidationTime, Verifier};
///
/// /// Counts the documents that passed.
/// #[derive(Default)]
/// struct Passed(usize, usize);
///
/// impl Sink for Passed {
///     fn line(&mut self, line: &Line) -> std::io::Result<()> {
///         self.1 += 1;
///         self.0 += usize::from(line.report.status == DocumentStatus::TotalPassed);
///         Ok(())
///     }
/// }
///
/// let verifier = Verifier::builder()
///     .trust_anchors([std::fs::read("corpus/sample/pki/roots/root.pem").unwrap()])
///     .validation_time(ValidationTime::parse_rfc3339("2026-07-01T00:00:00Z").unwrap())
///     .build()
///     .unwrap();
/// let mut passed = Passed::default();
/// let inputs = ["corpus/sample/docs/doc-000001.pdf".to_string()];
/// let summary = engine::run(&inputs, &verifier, &engine::Options::default(), &mut passed)
///     .unwrap();
/// assert_eq!((passed.1, summary.documents), (1, 1));
/// ```
pub trait Sink {
    /// Takes one document's line.
    fn line(&mut self, line: &Line) -> io::Result<()>;

    /// Writes out what the sink holds (the default holds nothing).
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A sink borrowed: lines go to the sink it borrows.
impl<S: Sink + ?Sized> Sink for &mut S {
    fn line(&mut self, line: &Line) -> io::Result<()> {
        (**self).line(line)
    }

    fn flush(&mut self) -> io::Result<()> {
        (**self).flush()
    }
}

/// One JSON object per line (the report format `--resume` reads back).
pub struct JsonLines<W: Write> {
    out: W,
    batch: Vec<u8>,
}

impl<W: Write> JsonLines<W> {
    /// Lines written to `out`, batched: one write call per burst of lines.
    pub fn new(out: W) -> Self {
        JsonLines {
            out,
            batch: Vec::with_capacity(WRITE_BATCH),
        }
    }
}

impl<W: Write> Sink for JsonLines<W> {
    fn line(&mut self, line: &Line) -> io::Result<()> {
        serde_json::to_writer(&mut self.batch, line).map_err(io::Error::other)?;
        self.batch.push(b'\n');
        if self.batch.len() >= WRITE_BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(&self.batch)?;
        self.batch.clear();
        self.out.flush()
    }
}

/// A compact table for people: status, signature count, name, and why.
pub struct TextLines<W: Write> {
    out: W,
    batch: Vec<u8>,
}

impl<W: Write> TextLines<W> {
    /// Lines written to `out`, batched as [`JsonLines`] does.
    pub fn new(out: W) -> Self {
        TextLines {
            out,
            batch: Vec::with_capacity(WRITE_BATCH),
        }
    }
}

impl<W: Write> Sink for TextLines<W> {
    fn line(&mut self, line: &Line) -> io::Result<()> {
        self.batch.extend_from_slice(text_line(line).as_bytes());
        if self.batch.len() >= WRITE_BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(&self.batch)?;
        self.batch.clear();
        self.out.flush()
    }
}

/// One line of the text format.
fn text_line(line: &Line) -> String {
    let r = &line.report;
    let why = r.error.as_deref().or(r.reason.as_deref()).unwrap_or("");
    format!(
        "{:<13} {:>3} sig  {}  {}\n",
        r.status.as_str(),
        r.signatures.len(),
        r.name,
        why
    )
}
