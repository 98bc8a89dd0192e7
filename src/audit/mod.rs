//! What an auditor files: the JSONL reports of `sigaudit verify` read back, aggregated as they
//! stream, and rendered as one self-contained HTML page (`sigaudit report --html`).
//!
//! Memory is bounded whatever the number of lines: counters are aggregated line by line, each
//! failure class keeps at most [`AuditReport::EXAMPLES`] example documents, the table of
//! documents that did not pass keeps the first [`AuditReport::ROWS`] (the rest are counted),
//! every map keyed by report text (organisations, authorities, months, finding kinds, rules)
//! holds at most [`KEYS`] keys (the rest are counted under "(other)"), and every kept string is
//! cut to a few hundred characters. Lines are parsed in parallel, a chunk of the file at a
//! time, and folded in file order, so the page does not depend on the number of threads.

mod html;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read};

use rayon::prelude::*;
use serde::Deserialize;

/// Distinct keys kept per map keyed by report text; further keys are counted under
/// [`OTHER`].
pub const KEYS: usize = 10_000;
/// The key that collects what a full map cannot take.
const OTHER: &str = "(other)";
/// Characters kept of a name, reason or detail.
const TEXT: usize = 400;
/// Characters kept of a chart's or class's key.
const KEY_TEXT: usize = 160;
/// Bytes read at a time; the lines in a chunk are parsed in parallel.
const CHUNK: usize = 8 << 20;
/// A longer line is not parsed (it is counted as unreadable): one line's bytes are held whole.
const MAX_LINE: usize = 256 << 20;

/// The four document statuses, in the order the page shows them.
pub(crate) const STATUSES: [&str; 4] = ["TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE", "ERROR"];

/// Documents by status, in [`STATUSES`] order, plus one slot for a status none of those is.
type Counts = [u64; 5];

/// One report line: just the fields the audit reads (the rest is skipped unparsed).
#[derive(Deserialize)]
struct RawLine<'a> {
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(default)]
    bytes: u64,
    #[serde(borrow)]
    status: Cow<'a, str>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(borrow, default)]
    signatures: Vec<RawSignature<'a>>,
    #[serde(borrow, default)]
    findings: Vec<RawFinding<'a>>,
    #[serde(borrow, default)]
    policy: Option<RawPolicy<'a>>,
}

#[derive(Deserialize)]
struct RawSignature<'a> {
    #[serde(borrow, default)]
    field: Cow<'a, str>,
    #[serde(borrow, default)]
    indication: Cow<'a, str>,
    #[serde(default)]
    sub_indication: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(borrow, default)]
    signer: Option<RawSigner<'a>>,
    #[serde(default)]
    signing_time: Option<String>,
    #[serde(default)]
    timestamp: Option<RawTimestamp>,
}

#[derive(Deserialize)]
struct RawSigner<'a> {
    #[serde(borrow, default)]
    subject: Cow<'a, str>,
    #[serde(borrow, default)]
    issuer: Cow<'a, str>,
}

#[derive(Deserialize)]
struct RawTimestamp {
    #[serde(default)]
    time: String,
    #[serde(default)]
    valid: bool,
}

#[derive(Deserialize)]
struct RawFinding<'a> {
    #[serde(borrow, default)]
    kind: Cow<'a, str>,
    #[serde(default)]
    detail: Option<String>,
}

#[derive(Deserialize)]
struct RawPolicy<'a> {
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    findings: Vec<RawPolicyFinding<'a>>,
}

#[derive(Deserialize)]
struct RawPolicyFinding<'a> {
    #[serde(borrow, default)]
    rule: Cow<'a, str>,
    #[serde(borrow, default)]
    level: Cow<'a, str>,
    #[serde(default)]
    signature: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

/// A failure class's group, in the order the page shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Group {
    /// Signatures whose signed bytes changed (HASH_FAILURE).
    Hash,
    /// Revoked signer or CA certificates (REVOKED, REVOKED_NO_POE, REVOKED_CA_NO_POE).
    Revoked,
    /// Findings of the change analysis, by kind.
    Attack,
    /// Policy findings at FAIL, by rule.
    PolicyFail,
    /// Policy findings at WARN, by rule.
    PolicyWarn,
    /// Documents that could not be validated, by the error's first words.
    Error,
    /// Other signature failures, by sub-indication.
    Other,
}

/// One failure class: its documents, how often it was seen, a few examples.
#[derive(Clone, Debug, Default)]
pub(crate) struct Class {
    /// Documents it was seen in.
    pub documents: u64,
    /// Times it was seen (signatures, findings).
    pub occurrences: u64,
    /// The first documents it was seen in: name, and what was found.
    pub examples: Vec<(String, String)>,
}

/// A document that did not pass, as its table row.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub name: String,
    pub status: String,
    pub reason: String,
    pub signatures: u32,
    pub not_passed: u32,
}

/// Counts by a key from the report (an organisation, a month), within [`KEYS`] keys.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tally {
    pub map: HashMap<String, Counts>,
}

impl Tally {
    fn add(&mut self, key: &str, status: usize) {
        let key = cut(key, KEY_TEXT);
        if let Some(c) = self.map.get_mut(key.as_ref()) {
            c[status] += 1;
            return;
        }
        let key = if self.map.len() < KEYS {
            key.into_owned()
        } else {
            OTHER.to_string()
        };
        self.map.entry(key).or_default()[status] += 1;
    }
}

/// Adds `n` under `key` in a map of at most [`KEYS`] keys.
fn bump(map: &mut BTreeMap<String, u64>, key: &str, n: u64) {
    let key = cut(key, KEY_TEXT);
    if let Some(v) = map.get_mut(key.as_ref()) {
        *v += n;
    } else if map.len() < KEYS {
        map.insert(key.into_owned(), n);
    } else {
        *map.entry(OTHER.to_string()).or_default() += n;
    }
}

/// `text` cut to at most `max` characters (an ellipsis marks the cut).
fn cut(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((at, _)) => Cow::Owned(format!("{}…", &text[..at])),
    }
}

/// The value of attribute `attr` (e.g. `O`, `CN`) in a distinguished name as sigaudit writes
/// it (`C=VN, O=…, CN=…`; multi-valued RDNs joined by ` + `). The last one wins for `CN`
/// (the most specific), the first for the others.
pub(crate) fn dn_attr<'a>(dn: &'a str, attr: &str) -> Option<&'a str> {
    let is_type = |at: usize| {
        dn[at..].split_once('=').is_some_and(|(t, _)| {
            !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
        })
    };
    // (where the separator before an attribute starts, where the attribute starts).
    let mut bounds: Vec<(usize, usize)> = dn
        .match_indices(", ")
        .map(|(i, _)| (i, i + 2))
        .chain(dn.match_indices(" + ").map(|(i, _)| (i, i + 3)))
        .filter(|&(_, at)| is_type(at))
        .collect();
    bounds.sort_unstable();
    bounds.insert(0, (0, 0));
    let mut found = None;
    for (k, &(_, at)) in bounds.iter().enumerate() {
        let end = bounds.get(k + 1).map_or(dn.len(), |&(sep, _)| sep);
        let Some((t, v)) = dn[at..end].split_once('=') else {
            continue;
        };
        if t.eq_ignore_ascii_case(attr) && !v.trim().is_empty() {
            found = Some(v.trim());
            if !attr.eq_ignore_ascii_case("CN") {
                break;
            }
        }
    }
    found
}

/// A signature's month: its valid timestamp's, else its claimed signing time's (`YYYY-MM`).
fn month(s: &RawSignature<'_>) -> Option<String> {
    let time = match &s.timestamp {
        Some(t) if t.valid => Some(t.time.as_str()),
        _ => s.signing_time.as_deref(),
    }?;
    let b = time.as_bytes();
    let ok = b.len() >= 7
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit);
    ok.then(|| time[..7].to_string())
}

/// What the summary file (`verify --summary FILE`) says about the run, as far as the page
/// shows it.
#[derive(Clone, Debug, Default)]
pub(crate) struct RunSummary {
    /// The file's name.
    pub file: String,
    /// The whole summary (a small object).
    pub json: serde_json::Value,
}

/// The JSONL reports of `sigaudit verify` (and optionally its summary file) aggregated for an
/// auditor, and rendered as one self-contained HTML page: totals by status, charts by issuing
/// organisation, certificate authority and signing month, failure classes with examples, and
/// a sortable, filterable table of the documents that did not pass.
///
/// Lines are aggregated as they are read, in bounded memory (see the module's notes); an
/// unreadable line (a partial last line left by a killed run, or not a report line) is counted
/// and shown, never fatal.
///
/// ```
/// use sigaudit::AuditReport;
///
/// let lines = concat!(
///     r#"{"input":"a","name":"ok.pdf","bytes":10,"status":"TOTAL_PASSED","error":null,"#,
///     r#""reason":null,"signatures":[],"policy":{"name":"etsi","findings":[]},"elapsed_us":5}"#,
///     "\n",
///     r#"{"input":"a","name":"<b>bad</b>.pdf","bytes":0,"status":"ERROR","#,
///     r#""error":"empty file","reason":null,"signatures":[],"#,
///     r#""policy":{"name":"etsi","findings":[]},"elapsed_us":1}"#,
///     "\n",
/// );
/// let mut audit = AuditReport::new();
/// audit.read_jsonl("run.jsonl", lines.as_bytes())?;
/// assert_eq!(audit.documents(), 2);
/// assert_eq!(audit.by_status()["ERROR"], 1);
///
/// let page = audit.html();
/// assert!(page.contains(r#"id="total-TOTAL_PASSED">1<"#));
/// assert!(page.contains("&lt;b&gt;bad&lt;/b&gt;.pdf"));
/// assert!(!page.contains("<b>bad"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct AuditReport {
    examples: usize,
    max_rows: usize,
    files: Vec<String>,
    documents: u64,
    bytes: u64,
    unreadable_lines: u64,
    by_status: BTreeMap<String, u64>,
    signatures: u64,
    signatures_by_verdict: BTreeMap<String, u64>,
    policies: BTreeMap<String, u64>,
    organisations: Tally,
    authorities: Tally,
    months: Tally,
    classes: HashMap<(Group, String), Class>,
    rows: Vec<Row>,
    rows_omitted: u64,
    summary: Option<RunSummary>,
}

impl Default for AuditReport {
    fn default() -> Self {
        Self::new()
    }
}

impl AuditReport {
    /// Example documents kept per failure class by [`AuditReport::new`].
    pub const EXAMPLES: usize = 5;
    /// Rows kept in the table of documents that did not pass by [`AuditReport::new`].
    pub const ROWS: usize = 10_000;

    /// An empty audit with the default limits ([`Self::EXAMPLES`], [`Self::ROWS`]).
    pub fn new() -> Self {
        Self::with_limits(Self::EXAMPLES, Self::ROWS)
    }

    /// An empty audit keeping `examples` documents per failure class and the first `rows`
    /// documents that did not pass.
    pub fn with_limits(examples: usize, rows: usize) -> Self {
        AuditReport {
            examples,
            max_rows: rows,
            files: Vec::new(),
            documents: 0,
            bytes: 0,
            unreadable_lines: 0,
            by_status: BTreeMap::new(),
            signatures: 0,
            signatures_by_verdict: BTreeMap::new(),
            policies: BTreeMap::new(),
            organisations: Tally::default(),
            authorities: Tally::default(),
            months: Tally::default(),
            classes: HashMap::new(),
            rows: Vec::new(),
            rows_omitted: 0,
            summary: None,
        }
    }

    /// Reads a JSONL report (named `file` on the page) to its end, a chunk at a time, and
    /// aggregates its lines. Only I/O errors are returned; unreadable lines are counted.
    pub fn read_jsonl(&mut self, file: &str, mut reader: impl Read) -> io::Result<()> {
        self.files.push(file.to_string());
        let mut buf: Vec<u8> = Vec::with_capacity(CHUNK);
        // Skipping the rest of an over-long line.
        let mut skipping = false;
        loop {
            let have = buf.len();
            buf.resize(have + CHUNK, 0);
            let n = loop {
                match reader.read(&mut buf[have..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            buf.truncate(have + n);
            let eof = n == 0;
            let end = if eof {
                buf.len()
            } else {
                match memchr::memrchr(b'\n', &buf) {
                    Some(i) => i + 1,
                    None => {
                        if buf.len() > MAX_LINE {
                            if !skipping {
                                self.unreadable_lines += 1;
                            }
                            skipping = true;
                            buf.clear();
                        }
                        continue;
                    }
                }
            };
            let mut start = 0;
            if skipping {
                // The over-long line ends at the first newline.
                match memchr::memchr(b'\n', &buf[..end]) {
                    Some(i) => {
                        start = i + 1;
                        skipping = false;
                    }
                    None => start = end,
                }
            }
            self.add_chunk(&buf[start..end]);
            buf.drain(..end);
            if eof {
                return Ok(());
            }
        }
    }

    /// Parses a chunk's lines in parallel and folds them in order (a shard report's header
    /// and summary lines are not documents: skipped).
    fn add_chunk(&mut self, chunk: &[u8]) {
        let parsed: Vec<Option<RawLine<'_>>> = chunk
            .par_split(|&b| b == b'\n')
            .map(|line| {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.iter().all(u8::is_ascii_whitespace) || crate::engine::is_frame(line) {
                    return None;
                }
                Some(serde_json::from_slice::<RawLine<'_>>(line).ok())
            })
            .flatten()
            .collect();
        for line in parsed {
            match line {
                Some(l) => self.add(&l),
                None => self.unreadable_lines += 1,
            }
        }
    }

    /// Aggregates one report line (without its newline). Returns whether it was a report
    /// line; one that is not is counted as unreadable.
    pub fn add_line(&mut self, line: &[u8]) -> bool {
        if crate::engine::is_frame(line) {
            return true;
        }
        match serde_json::from_slice::<RawLine<'_>>(line) {
            Ok(l) => {
                self.add(&l);
                true
            }
            Err(_) => {
                self.unreadable_lines += 1;
                false
            }
        }
    }

    /// Reads the summary file `verify --summary FILE` wrote (named `file` on the page): the
    /// run's speed, caches and memory are shown from it.
    pub fn set_summary(&mut self, file: &str, json: &[u8]) -> Result<(), serde_json::Error> {
        let json: serde_json::Value = serde_json::from_slice(json)?;
        if !json.is_object() {
            return Err(serde::de::Error::custom("the summary is not a JSON object"));
        }
        self.summary = Some(RunSummary {
            file: file.to_string(),
            json,
        });
        Ok(())
    }

    fn add(&mut self, l: &RawLine<'_>) {
        self.documents += 1;
        self.bytes += l.bytes;
        let status = STATUSES
            .iter()
            .position(|s| *s == l.status)
            .unwrap_or(STATUSES.len());
        bump(&mut self.by_status, &l.status, 1);
        if let Some(p) = &l.policy {
            if !p.name.is_empty() {
                bump(&mut self.policies, &p.name, 1);
            }
        }
        let name = cut(&l.name, TEXT);
        let mut seen: Vec<(Group, String)> = Vec::new();
        let mut not_passed = 0u32;
        for s in &l.signatures {
            self.signatures += 1;
            let verdict = match &s.sub_indication {
                Some(sub) => format!("{}/{}", s.indication, sub),
                None => s.indication.to_string(),
            };
            bump(&mut self.signatures_by_verdict, &verdict, 1);
            if s.indication != "TOTAL_PASSED" {
                not_passed += 1;
            }
            let Some(sub) = &s.sub_indication else {
                continue;
            };
            let group = if sub == "HASH_FAILURE" {
                Group::Hash
            } else if sub.starts_with("REVOKED") {
                Group::Revoked
            } else {
                Group::Other
            };
            let detail = match &s.reason {
                Some(r) => format!("{}: {r}", s.field),
                None => format!("{}: {sub}", s.field),
            };
            self.class(group, sub, &name, &detail, &mut seen);
        }
        for f in &l.findings {
            let detail = f.detail.as_deref().unwrap_or("");
            self.class(Group::Attack, &f.kind, &name, detail, &mut seen);
        }
        if let Some(p) = &l.policy {
            for f in &p.findings {
                let group = match f.level.as_ref() {
                    "FAIL" => Group::PolicyFail,
                    "WARN" => Group::PolicyWarn,
                    _ => continue,
                };
                let detail = match &f.signature {
                    Some(sig) => format!("{sig}: {}", f.detail.as_deref().unwrap_or("")),
                    None => f.detail.clone().unwrap_or_default(),
                };
                self.class(group, &f.rule, &name, &detail, &mut seen);
            }
        }
        if status == 3 || (status == STATUSES.len() && l.error.is_some()) {
            let error = l.error.as_deref().unwrap_or("(no error given)");
            let key = error.split(':').next().unwrap_or(error).trim();
            self.class(Group::Error, key, &name, error, &mut seen);
        }
        // The charts: each document once, under its first identified signer.
        let signer = l.signatures.iter().find_map(|s| s.signer.as_ref());
        let (org, ca) = match signer {
            Some(s) => (
                dn_attr(&s.subject, "O")
                    .or_else(|| dn_attr(&s.subject, "CN"))
                    .unwrap_or(if s.subject.is_empty() {
                        "(no subject)"
                    } else {
                        &s.subject
                    }),
                dn_attr(&s.issuer, "CN").unwrap_or(if s.issuer.is_empty() {
                    "(no issuer)"
                } else {
                    &s.issuer
                }),
            ),
            None => ("(no signer identified)", "(no signer identified)"),
        };
        self.organisations.add(org, status);
        self.authorities.add(ca, status);
        let when = l.signatures.iter().find_map(month);
        self.months
            .add(when.as_deref().unwrap_or("(no signing time)"), status);
        if status != 0 {
            if self.rows.len() < self.max_rows {
                let reason = l
                    .reason
                    .as_deref()
                    .or(l.error.as_deref())
                    .unwrap_or_default();
                self.rows.push(Row {
                    name: name.into_owned(),
                    status: cut(&l.status, 40).into_owned(),
                    reason: cut(reason, TEXT).into_owned(),
                    signatures: l.signatures.len() as u32,
                    not_passed,
                });
            } else {
                self.rows_omitted += 1;
            }
        }
    }

    /// Counts a failure class for the current document (its documents once per document).
    fn class(
        &mut self,
        group: Group,
        key: &str,
        name: &str,
        detail: &str,
        seen: &mut Vec<(Group, String)>,
    ) {
        let mut key = cut(key, KEY_TEXT);
        if !self.classes.contains_key(&(group, key.to_string())) && self.classes.len() >= KEYS {
            key = Cow::Borrowed(OTHER);
        }
        let id = (group, key.into_owned());
        let first = !seen.contains(&id);
        let class = self.classes.entry(id.clone()).or_default();
        class.occurrences += 1;
        if first {
            class.documents += 1;
            if class.examples.len() < self.examples {
                class
                    .examples
                    .push((name.to_string(), cut(detail, TEXT).into_owned()));
            }
            seen.push(id);
        }
    }

    /// Documents read.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// Documents by status (`TOTAL_PASSED`, `TOTAL_FAILED`, `INDETERMINATE`, `ERROR`): the
    /// numbers `verify`'s summary prints.
    pub fn by_status(&self) -> &BTreeMap<String, u64> {
        &self.by_status
    }

    /// Signatures by indication and sub-indication (`TOTAL_FAILED/HASH_FAILURE`), as the
    /// summary counts them.
    pub fn signatures_by_verdict(&self) -> &BTreeMap<String, u64> {
        &self.signatures_by_verdict
    }

    /// Lines that were not report lines (a partial last line, another file's lines).
    pub fn unreadable_lines(&self) -> u64 {
        self.unreadable_lines
    }

    /// Rows in the page's table of documents that did not pass, and how many more such
    /// documents there were beyond its cap.
    pub fn table_rows(&self) -> (usize, u64) {
        (self.rows.len(), self.rows_omitted)
    }

    /// The page: one self-contained HTML document (inline CSS, SVG and script; nothing
    /// fetched), every text from the reports escaped.
    pub fn html(&self) -> String {
        html::render(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dn_attributes() {
        let dn = "C=VN, L=Hà Nội, O=Sở Kế hoạch, và Đầu tư, OU=Lãnh đạo, CN=Dương Quốc Quân";
        assert_eq!(dn_attr(dn, "O"), Some("Sở Kế hoạch, và Đầu tư"));
        assert_eq!(dn_attr(dn, "CN"), Some("Dương Quốc Quân"));
        assert_eq!(dn_attr(dn, "OU"), Some("Lãnh đạo"));
        assert_eq!(dn_attr("CN=a + O=b, C=VN", "O"), Some("b"));
        assert_eq!(dn_attr("no attributes", "O"), None);
        assert_eq!(dn_attr("", "CN"), None);
    }

    #[test]
    fn long_lines_and_partial_lines() {
        let mut a = AuditReport::new();
        let good = br#"{"name":"x","status":"TOTAL_PASSED"}"#;
        let mut data = good.to_vec();
        data.push(b'\n');
        data.extend_from_slice(b"{\"name\":\"cut");
        a.read_jsonl("r", &data[..]).unwrap();
        assert_eq!(a.documents(), 1);
        assert_eq!(a.unreadable_lines(), 1);
    }

    #[test]
    fn cut_marks_the_cut() {
        assert_eq!(cut("abc", 5), "abc");
        assert_eq!(cut("abcdef", 3), "abc…");
    }
}
