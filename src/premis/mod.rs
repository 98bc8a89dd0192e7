//! PREMIS 3 preservation events in METS, one file per document, for archive ingestion.
//!
//! [`premis_mets`] turns one line of `sigaudit verify` (the JSON report line) into a METS
//! document whose administrative metadata holds, as PREMIS 3 (`http://www.loc.gov/premis/v3`):
//!
//! - an **object** (`techMD`, `PREMIS:OBJECT`, `xsi:type="premis:file"`): the document's
//!   identifiers (a UUID for the document and its name), its size, its format, its name as
//!   submitted, and one `signatureInformation` per signature (encoding, signer, method, where
//!   the value is, the validation rules, properties and the signer certificate's key
//!   information as `ds:KeyInfo`);
//! - the **validation event** (`digiprovMD`, `PREMIS:EVENT`): a UUID v5 identifier derived
//!   from the document, the validation time and the line's content (the same line always gives
//!   the same file), eventType `validation` from the Library of Congress vocabulary, the
//!   validation time as eventDateTime, what was checked (ETSI EN 319 102-1, the policy, the
//!   number of signatures), the outcome `pass`, `fail` or `indeterminate` with one detail per
//!   signature (indication, sub-indication, reason), per finding and per policy finding, and
//!   links to the agent and to the object;
//! - the **agent** (`digiprovMD`, `PREMIS:AGENT`): sigaudit, software, with its version.
//!
//! [`write_premis_dir`] streams report files (JSON lines) and writes one such file per line
//! under a directory, at the document's name (sanitised: nothing can leave the directory)
//! with `.mets.xml` appended. Nothing here reads the clock: the validation time is an
//! argument.

mod mets;

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The PREMIS 3 namespace.
pub const PREMIS_NAMESPACE: &str = "http://www.loc.gov/premis/v3";
/// The METS namespace.
pub const METS_NAMESPACE: &str = "http://www.loc.gov/METS/";
/// What [`write_premis_dir`] appends to a document's name.
pub const METS_SUFFIX: &str = ".mets.xml";

/// Why a report line gives no METS file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PremisError {
    /// The line is not a JSON object.
    NotAnObject,
    /// A field the file needs is missing or not of the type the report gives it.
    Field {
        /// The field (`name`, `status`, `signatures`, …).
        field: &'static str,
        /// What it should be.
        expected: &'static str,
    },
    /// The status is none of `TOTAL_PASSED`, `TOTAL_FAILED`, `INDETERMINATE`, `ERROR`.
    Status(String),
    /// The validation time is not an RFC 3339 date-time (with its offset).
    Time(String),
    /// The XML could not be written.
    Xml(String),
}

impl fmt::Display for PremisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PremisError::NotAnObject => write!(f, "the report line is not a JSON object"),
            PremisError::Field { field, expected } => {
                write!(f, "the report line's `{field}` is not {expected}")
            }
            PremisError::Status(s) => write!(
                f,
                "unknown status {s:?} (TOTAL_PASSED, TOTAL_FAILED, INDETERMINATE or ERROR)"
            ),
            PremisError::Time(s) => write!(f, "validation time {s:?} is not RFC 3339"),
            PremisError::Xml(e) => write!(f, "writing the METS document: {e}"),
        }
    }
}

impl std::error::Error for PremisError {}

/// The METS document (UTF-8 XML) holding the PREMIS 3 object, validation event and agent for
/// one report line of `sigaudit verify`, validated at `validation_time` (RFC 3339, e.g.
/// `2026-07-01T00:00:00Z`: the run's `--at`). The same line and time always give the same
/// bytes; `elapsed_us` (not part of the verdict) is left out of the file and of its
/// identifiers.
///
/// ```
/// let line = serde_json::json!({
///     "input": "docs", "name": "docs/a.pdf", "bytes": 1234, "status": "ERROR",
///     "error": "not a PDF", "reason": null, "signatures": [],
///     "policy": {"name": "etsi", "findings": []}, "elapsed_us": 7,
/// });
/// let mets = sigaudit::premis_mets(&line, "2026-07-01T00:00:00Z").unwrap();
/// assert!(mets.contains("<premis:eventOutcome>fail</premis:eventOutcome>"));
/// assert!(mets.contains("not a PDF"));
/// ```
pub fn premis_mets(line: &Value, validation_time: &str) -> Result<String, PremisError> {
    let time = canonical_time(validation_time)?;
    let doc = Doc::read(line)?;
    let ids = Ids::of(line, &doc, &time)?;
    let bytes = mets::write(&doc, &time, &ids).map_err(|e| PremisError::Xml(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| PremisError::Xml(e.to_string()))
}

/// Writes one METS file ([`premis_mets`]) per line of the report files `reports` (JSON lines,
/// as `sigaudit verify` writes them) under `dir`, at [`mets_path`] of the document's name, and
/// returns how many were written. Lines are read one at a time: memory stays flat whatever the
/// report's size, but for 16 bytes per file written, which tell two documents whose names
/// sanitise to the same path (the second gets a `~` and a digest of its input and name before
/// the suffix) from the same document met again (its file is rewritten). Each file is written to a temporary name in its directory and renamed,
/// so a file is whole or absent and a symbolic link at its place is replaced, not followed;
/// directories under `dir` that are symbolic links are refused. Blank lines are skipped; a line
/// that is not a report line is an `InvalidData` error naming the file and line.
pub fn write_premis_dir(
    reports: &[PathBuf],
    dir: &Path,
    validation_time: &str,
) -> io::Result<usize> {
    canonical_time(validation_time)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
    fs::create_dir_all(dir)?;
    let mut written = 0usize;
    // Path written → the document (input and name) written there, both as 8-byte digests.
    let mut seen: HashMap<u64, u64> = HashMap::new();
    let mut buf = String::new();
    for report in reports {
        let mut reader = BufReader::new(
            fs::File::open(report)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", report.display())))?,
        );
        let mut number = 0u64;
        loop {
            buf.clear();
            if reader.read_line(&mut buf)? == 0 {
                break;
            }
            number += 1;
            let text = buf.trim();
            // A shard report's header and summary lines (`verify --shard`) are not documents.
            let frame = crate::engine::is_frame(text.as_bytes());
            if text.is_empty() || frame {
                continue;
            }
            let bad = |what: String| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}:{number}: {what}", report.display()),
                )
            };
            let line: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
            let mets = premis_mets(&line, validation_time).map_err(|e| bad(e.to_string()))?;
            let name = line["name"].as_str().unwrap_or_default();
            let input = line["input"].as_str().unwrap_or_default();
            let identity = key(format!("{input}\0{name}").as_bytes());
            let mut rel = mets_path(name);
            if *seen
                .entry(key(rel.as_os_str().as_encoded_bytes()))
                .or_insert(identity)
                != identity
            {
                rel = disambiguated(&rel, input, name);
                seen.insert(key(rel.as_os_str().as_encoded_bytes()), identity);
            }
            write_file(dir, &rel, mets.as_bytes())?;
            written += 1;
        }
    }
    Ok(written)
}

/// Where [`write_premis_dir`] puts a document's METS file, relative to its directory: the
/// document's name with [`METS_SUFFIX`] appended, split at `/` and `\` into directories, with
/// empty, `.` and `..` parts dropped (an absolute name or one climbing out stays inside), an
/// archive member's `#` and characters file systems refuse (`<>:"|?*`, control characters)
/// replaced by `_`, and overlong parts shortened with a digest of the whole part.
///
/// ```
/// use std::path::PathBuf;
/// use sigaudit::mets_path;
///
/// assert_eq!(mets_path("docs/a.pdf"), PathBuf::from("docs/a.pdf.mets.xml"));
/// assert_eq!(mets_path("/etc/../../x.pdf"), PathBuf::from("etc/x.pdf.mets.xml"));
/// assert_eq!(mets_path("a.tar#x/y.pdf"), PathBuf::from("a.tar_x/y.pdf.mets.xml"));
/// ```
pub fn mets_path(name: &str) -> PathBuf {
    let mut parts: Vec<String> = name
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && !p.chars().all(|c| c == '.'))
        .map(safe_part)
        .collect();
    if parts.is_empty() {
        parts.push("unnamed".to_string());
    }
    let last = parts.last_mut().expect("one part at least");
    last.push_str(METS_SUFFIX);
    parts.iter().collect()
}

/// Longest part kept as it is (bytes), with room for the suffix and a digest under the usual
/// 255-byte file name limit.
const PART_MAX: usize = 200;

fn safe_part(part: &str) -> String {
    let mut out: String = part
        .chars()
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '|' | '?' | '*' | '#' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    if out.len() > PART_MAX {
        let mut end = PART_MAX - 9;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        let digest = sha256_hex(part.as_bytes());
        out.truncate(end);
        out.push('~');
        out.push_str(&digest[..8]);
    }
    out
}

/// `rel` with `~` and 16 hex digits of SHA-256(input NUL name) before the suffix.
fn disambiguated(rel: &Path, input: &str, name: &str) -> PathBuf {
    let digest = sha256_hex(format!("{input}\0{name}").as_bytes());
    let file = rel
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or("unnamed.mets.xml");
    let stem = file.strip_suffix(METS_SUFFIX).unwrap_or(file);
    rel.with_file_name(format!("{stem}~{}{METS_SUFFIX}", &digest[..16]))
}

/// The first 8 bytes of SHA-256 of `data`.
fn key(data: &[u8]) -> u64 {
    let digest = ring::digest::digest(&ring::digest::SHA256, data);
    u64::from_le_bytes(digest.as_ref()[..8].try_into().expect("8 bytes"))
}

fn sha256_hex(data: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, data);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `bytes` at `dir/rel` through a temporary file renamed into place, refusing
/// directories under `dir` that are symbolic links.
fn write_file(dir: &Path, rel: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut parent = dir.to_path_buf();
    if let Some(p) = rel.parent() {
        for part in p.components() {
            parent.push(part);
            match fs::symlink_metadata(&parent) {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("{} is a symbolic link", parent.display()),
                    ))
                }
                Ok(m) if m.is_dir() => {}
                Ok(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        format!("{} is not a directory", parent.display()),
                    ))
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    fs::create_dir(&parent).or_else(|e| {
                        // Made meanwhile by another writer: fine if it is a directory.
                        if parent.is_dir() {
                            Ok(())
                        } else {
                            Err(e)
                        }
                    })?
                }
                Err(e) => return Err(e),
            }
        }
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".premis-")
        .tempfile_in(&parent)?;
    tmp.write_all(bytes)?;
    tmp.persist(dir.join(rel)).map_err(|e| e.error)?;
    Ok(())
}

/// The validation time as RFC 3339 in its canonical form (`T`, `Z`, no empty fraction), which
/// is also an `xsd:dateTime`.
fn canonical_time(time: &str) -> Result<String, PremisError> {
    use time::format_description::well_known::Rfc3339;
    let parsed = time::OffsetDateTime::parse(time, &Rfc3339)
        .map_err(|_| PremisError::Time(time.to_string()))?;
    parsed
        .format(&Rfc3339)
        .map_err(|_| PremisError::Time(time.to_string()))
}

/// A document's status, and the PREMIS outcome it gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Passed,
    Failed,
    Indeterminate,
    Error,
}

impl Status {
    fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "TOTAL_PASSED" => Status::Passed,
            "TOTAL_FAILED" => Status::Failed,
            "INDETERMINATE" => Status::Indeterminate,
            "ERROR" => Status::Error,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "TOTAL_PASSED",
            Status::Failed => "TOTAL_FAILED",
            Status::Indeterminate => "INDETERMINATE",
            Status::Error => "ERROR",
        }
    }

    /// eventOutcome: `pass`, `fail` or `indeterminate` (an `ERROR` is a failed validation).
    fn outcome(self) -> &'static str {
        match self {
            Status::Passed => "pass",
            Status::Failed | Status::Error => "fail",
            Status::Indeterminate => "indeterminate",
        }
    }
}

/// What the file needs of a report line, borrowed from it.
struct Doc<'a> {
    input: &'a str,
    name: &'a str,
    bytes: Option<u64>,
    status: Status,
    error: Option<&'a str>,
    reason: Option<&'a str>,
    signatures: Vec<Sig<'a>>,
    findings: Vec<Finding<'a>>,
    policy: Option<&'a str>,
    policy_findings: Vec<PolicyFinding<'a>>,
}

struct Sig<'a> {
    field: &'a str,
    subfilter: Option<&'a str>,
    byte_range: Vec<i64>,
    integrity: Option<&'a str>,
    indication: Option<&'a str>,
    sub_indication: Option<&'a str>,
    reason: Option<&'a str>,
    signer: Option<Signer<'a>>,
    role: Option<&'a str>,
    signing_time: Option<&'a str>,
    timestamp: Option<Timestamp<'a>>,
    revocation: Option<&'a str>,
    chain: Vec<&'a str>,
    modifications: Option<&'a str>,
}

struct Signer<'a> {
    subject: &'a str,
    issuer: Option<&'a str>,
    serial: Option<&'a str>,
    sha256: Option<&'a str>,
    key: Option<&'a str>,
    ids: Vec<&'a str>,
}

struct Timestamp<'a> {
    time: Option<&'a str>,
    valid: Option<bool>,
    reason: Option<&'a str>,
    tsa: Option<&'a str>,
}

struct Finding<'a> {
    kind: &'a str,
    revision: Option<u64>,
    detail: Option<&'a str>,
}

struct PolicyFinding<'a> {
    rule: &'a str,
    level: Option<&'a str>,
    signature: Option<&'a str>,
    detail: Option<&'a str>,
}

/// `v[key]` as a string when it is one (absent, `null` or another type: none).
fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn texts<'a>(v: &'a Value, key: &str) -> Vec<&'a str> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// `v[key]` as an array: absent or `null` is empty, another type an error.
fn array<'a>(v: &'a Value, key: &'static str) -> Result<&'a [Value], PremisError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(PremisError::Field {
            field: key,
            expected: "an array",
        }),
    }
}

impl<'a> Doc<'a> {
    fn read(line: &'a Value) -> Result<Doc<'a>, PremisError> {
        if !line.is_object() {
            return Err(PremisError::NotAnObject);
        }
        let name = text(line, "name").ok_or(PremisError::Field {
            field: "name",
            expected: "a string",
        })?;
        let status = text(line, "status").ok_or(PremisError::Field {
            field: "status",
            expected: "a string",
        })?;
        let status = Status::parse(status).ok_or_else(|| PremisError::Status(status.into()))?;
        let mut signatures = Vec::new();
        for s in array(line, "signatures")? {
            if !s.is_object() {
                return Err(PremisError::Field {
                    field: "signatures",
                    expected: "an array of objects",
                });
            }
            signatures.push(Sig::read(s));
        }
        let findings = array(line, "findings")?
            .iter()
            .filter_map(|f| {
                Some(Finding {
                    kind: text(f, "kind")?,
                    revision: f.get("revision").and_then(Value::as_u64),
                    detail: text(f, "detail"),
                })
            })
            .collect();
        let policy = line.get("policy").unwrap_or(&Value::Null);
        let policy_findings = array(policy, "findings")?
            .iter()
            .filter_map(|f| {
                Some(PolicyFinding {
                    rule: text(f, "rule")?,
                    level: text(f, "level"),
                    signature: text(f, "signature"),
                    detail: text(f, "detail"),
                })
            })
            .collect();
        Ok(Doc {
            input: text(line, "input").unwrap_or_default(),
            name,
            bytes: line.get("bytes").and_then(Value::as_u64),
            status,
            error: text(line, "error"),
            reason: text(line, "reason"),
            signatures,
            findings,
            policy: text(policy, "name").filter(|n| !n.is_empty()),
            policy_findings,
        })
    }
}

impl<'a> Sig<'a> {
    fn read(s: &'a Value) -> Sig<'a> {
        let signer = s.get("signer").filter(|v| v.is_object()).and_then(|v| {
            Some(Signer {
                subject: text(v, "subject")?,
                issuer: text(v, "issuer"),
                serial: text(v, "serial"),
                sha256: text(v, "sha256"),
                key: text(v, "key"),
                ids: texts(v, "ids"),
            })
        });
        let timestamp = s
            .get("timestamp")
            .filter(|v| v.is_object())
            .map(|v| Timestamp {
                time: text(v, "time"),
                valid: v.get("valid").and_then(Value::as_bool),
                reason: text(v, "reason"),
                tsa: text(v, "tsa"),
            });
        Sig {
            field: text(s, "field").unwrap_or_default(),
            subfilter: text(s, "subfilter"),
            byte_range: s
                .get("byte_range")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default(),
            integrity: text(s, "integrity"),
            indication: text(s, "indication"),
            sub_indication: text(s, "sub_indication"),
            reason: text(s, "reason"),
            signer,
            role: text(s, "role"),
            signing_time: text(s, "signing_time"),
            timestamp,
            revocation: text(s, "revocation"),
            chain: texts(s, "chain"),
            modifications: text(s, "modifications"),
        }
    }
}

/// sigaudit's namespace for the name-based (v5) UUIDs of its PREMIS identifiers.
const UUID_NAMESPACE: [u8; 16] = [
    0x5f, 0x28, 0x2b, 0xcf, 0x60, 0x6b, 0x4a, 0x7c, 0x9a, 0x02, 0x5e, 0x12, 0xce, 0xc3, 0x49, 0x69,
];

/// The identifiers of one file.
struct Ids {
    /// The validation event: UUID v5 of the validation time and the line (less `elapsed_us`).
    event: String,
    /// The document: UUID v5 of its input and name (the same in every validation).
    object: String,
}

impl Ids {
    fn of(line: &Value, doc: &Doc, time: &str) -> Result<Ids, PremisError> {
        let mut content = line.as_object().ok_or(PremisError::NotAnObject)?.clone();
        content.remove("elapsed_us");
        // serde_json's maps are sorted by key: the serialisation is canonical.
        let content = serde_json::to_vec(&content).map_err(|e| PremisError::Xml(e.to_string()))?;
        let mut event = Vec::with_capacity(content.len() + doc.name.len() + 64);
        event.extend_from_slice(b"sigaudit premis validation event\0");
        event.extend_from_slice(doc.name.as_bytes());
        event.push(0);
        event.extend_from_slice(time.as_bytes());
        event.push(0);
        event.extend_from_slice(&content);
        let object = format!("sigaudit premis document\0{}\0{}", doc.input, doc.name);
        Ok(Ids {
            event: uuid_v5(&UUID_NAMESPACE, &event),
            object: uuid_v5(&UUID_NAMESPACE, object.as_bytes()),
        })
    }
}

/// A name-based UUID, version 5 (SHA-1; RFC 9562, 5.5), in its text form.
fn uuid_v5(namespace: &[u8; 16], name: &[u8]) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY);
    ctx.update(namespace);
    ctx.update(name);
    let digest = ctx.finish();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest.as_ref()[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v5_matches_the_rfc_example() {
        // RFC 9562, A.4: the DNS namespace and "www.example.com".
        let dns = [
            0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4,
            0x30, 0xc8,
        ];
        assert_eq!(
            uuid_v5(&dns, b"www.example.com"),
            "2ed6657d-e927-568b-95e1-2665a8aea6a2"
        );
    }

    #[test]
    fn names_stay_inside() {
        for (name, want) in [
            ("a.pdf", "a.pdf.mets.xml"),
            ("../../etc/passwd", "etc/passwd.mets.xml"),
            ("/abs/x.pdf", "abs/x.pdf.mets.xml"),
            ("..", "unnamed.mets.xml"),
            ("", "unnamed.mets.xml"),
            ("a.tar#../../b.pdf", "a.tar_../b.pdf.mets.xml"),
            ("C:\\Windows\\x.pdf", "C_/Windows/x.pdf.mets.xml"),
            ("a/./b/.../c<&>.pdf", "a/b/c_&_.pdf.mets.xml"),
            ("x\u{0}y\n.pdf", "x_y_.pdf.mets.xml"),
        ] {
            let got = mets_path(name);
            assert_eq!(got, PathBuf::from(want), "{name:?}");
            assert!(got.is_relative());
            assert!(got
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_))));
        }
        let long = "é".repeat(300);
        let got = mets_path(&long);
        assert!(got.as_os_str().len() <= 255, "{}", got.display());
    }

    #[test]
    fn times_are_checked_and_canonical() {
        assert_eq!(
            canonical_time("2026-07-01t00:00:00z").unwrap(),
            "2026-07-01T00:00:00Z"
        );
        assert!(canonical_time("2026-07-01").is_err());
        assert!(canonical_time("yesterday").is_err());
    }
}
