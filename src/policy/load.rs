//! Reading policies: built-ins, files, `extends`, and the clear error a bad file gets
//! (`sigaudit policy check`).

use std::fmt;
use std::path::{Path, PathBuf};

use super::builtin::{FILES, POLICIES};
use super::{Level, Parameters, Policy, Rule};

/// How deep `extends` may chain: a policy extending itself, directly or not, stops here.
const MAX_EXTENDS: usize = 8;
/// Largest policy file read (a policy is a page of rules; anything larger is not one).
const MAX_POLICY_FILE: u64 = 1 << 20;

/// Why a policy could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyError {
    /// The file could not be read.
    Io {
        /// The file.
        file: String,
        /// The error.
        error: String,
    },
    /// The text is not TOML (the message gives line and column).
    Syntax {
        /// The file.
        file: String,
        /// The parser's message.
        message: String,
    },
    /// A top-level key the format does not have.
    UnknownKey {
        /// The file.
        file: String,
        /// The key.
        key: String,
    },
    /// A rule identifier sigaudit does not know.
    UnknownRule {
        /// The file.
        file: String,
        /// The identifier.
        rule: String,
    },
    /// A level other than FAIL, WARN, INFORM, IGNORE.
    BadLevel {
        /// The file.
        file: String,
        /// The rule.
        rule: String,
        /// What was written.
        level: String,
    },
    /// A parameter the rule does not take, or a value it cannot be.
    BadParameter {
        /// The file.
        file: String,
        /// The rule.
        rule: String,
        /// The parameter.
        key: String,
        /// Why.
        why: String,
    },
    /// `extends` names neither a built-in policy nor a readable file, or chains too deep.
    Extends {
        /// The file.
        file: String,
        /// What it extends.
        name: String,
        /// Why.
        why: String,
    },
    /// A key with the wrong type (`name` not a string, a rule not a table).
    BadValue {
        /// The file.
        file: String,
        /// The key.
        key: String,
        /// What it must be.
        expected: &'static str,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use PolicyError::*;
        match self {
            Io { file, error } => write!(f, "{file}: {error}"),
            Syntax { file, message } => write!(f, "{file}: not TOML: {message}"),
            UnknownKey { file, key } => write!(
                f,
                "{file}: unknown key {key:?} (a policy has name, description, extends, rules)"
            ),
            UnknownRule { file, rule } => write!(
                f,
                "{file}: unknown rule {rule:?}; the rules are: {}",
                Rule::ALL.map(Rule::id).join(", ")
            ),
            BadLevel { file, rule, level } => write!(
                f,
                "{file}: rule {rule}: bad level {level:?} (FAIL, WARN, INFORM or IGNORE)"
            ),
            BadParameter {
                file,
                rule,
                key,
                why,
            } => write!(f, "{file}: rule {rule}: parameter {key}: {why}"),
            Extends { file, name, why } => write!(f, "{file}: extends {name:?}: {why}"),
            BadValue {
                file,
                key,
                expected,
            } => write!(f, "{file}: {key} must be {expected}"),
        }
    }
}

impl std::error::Error for PolicyError {}

/// Where a policy's relative paths lead.
#[derive(Clone)]
enum Origin {
    /// A built-in's folder under `policies/`.
    Builtin(&'static str),
    /// A file's directory.
    Dir(PathBuf),
    /// Text with nowhere to resolve paths: only built-ins may be named.
    Nowhere,
}

/// A built-in policy.
pub(super) fn builtin(name: &str) -> Option<Policy> {
    let b = POLICIES.iter().find(|b| b.name == name)?;
    let p = parse(b.toml, &Origin::Builtin(b.folder), name, 0);
    Some(p.expect("built-in policies are valid (tested)"))
}

/// A policy file.
pub(super) fn from_file(path: &Path, depth: usize) -> Result<Policy, PolicyError> {
    let file = path.display().to_string();
    let io = |e: std::io::Error| PolicyError::Io {
        file: file.clone(),
        error: e.to_string(),
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_POLICY_FILE {
        return Err(PolicyError::Io {
            file,
            error: format!("{len} bytes: larger than a policy file can be"),
        });
    }
    let text = std::fs::read_to_string(path).map_err(io)?;
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    parse(&text, &Origin::Dir(dir), &file, depth)
}

/// A policy from text.
pub(super) fn from_toml(
    text: &str,
    dir: Option<&Path>,
    depth: usize,
) -> Result<Policy, PolicyError> {
    let origin = dir.map_or(Origin::Nowhere, |d| Origin::Dir(d.to_path_buf()));
    parse(text, &origin, "policy", depth)
}

/// A policy with every rule at IGNORE (what `extends` starts from when absent).
fn empty() -> Policy {
    Policy {
        name: String::new(),
        description: String::new(),
        levels: Default::default(),
        params: Parameters::default(),
        anchors: Vec::new(),
        certificates: Vec::new(),
    }
}

fn parse(text: &str, origin: &Origin, file: &str, depth: usize) -> Result<Policy, PolicyError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| PolicyError::Syntax {
            file: file.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
    let string = |key: &str| -> Result<Option<String>, PolicyError> {
        match table.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(PolicyError::BadValue {
                file: file.to_string(),
                key: key.to_string(),
                expected: "a string",
            }),
        }
    };
    if let Some(key) = table
        .keys()
        .find(|k| !["name", "description", "extends", "rules"].contains(&k.as_str()))
    {
        return Err(PolicyError::UnknownKey {
            file: file.to_string(),
            key: key.clone(),
        });
    }
    let mut policy = match string("extends")? {
        Some(name) => extends(&name, origin, file, depth)?,
        None => empty(),
    };
    policy.name = string("name")?.ok_or_else(|| PolicyError::BadValue {
        file: file.to_string(),
        key: "name".into(),
        expected: "given (a string)",
    })?;
    if let Some(d) = string("description")? {
        policy.description = d;
    }
    match table.get("rules") {
        None => {}
        Some(toml::Value::Table(rules)) => {
            for (id, value) in rules {
                rule(&mut policy, id, value, origin, file)?;
            }
        }
        Some(_) => {
            return Err(PolicyError::BadValue {
                file: file.to_string(),
                key: "rules".into(),
                expected: "a table of rules",
            })
        }
    }
    Ok(policy)
}

/// The policy `name` extends: a built-in, or a file relative to `origin`.
fn extends(name: &str, origin: &Origin, file: &str, depth: usize) -> Result<Policy, PolicyError> {
    let err = |why: String| PolicyError::Extends {
        file: file.to_string(),
        name: name.to_string(),
        why,
    };
    if depth >= MAX_EXTENDS {
        return Err(err(format!("more than {MAX_EXTENDS} policies deep")));
    }
    if let Some(b) = POLICIES.iter().find(|b| b.name == name) {
        return parse(b.toml, &Origin::Builtin(b.folder), b.name, depth + 1);
    }
    match origin {
        Origin::Dir(dir) => from_file(&dir.join(name), depth + 1).map_err(|e| match e {
            PolicyError::Io { error, .. } => err(error),
            other => other,
        }),
        _ => Err(err(format!(
            "not a built-in policy ({})",
            Policy::BUILTIN.join(", ")
        ))),
    }
}

/// One `[rules."id"]` table applied to `policy`.
fn rule(
    policy: &mut Policy,
    id: &str,
    value: &toml::Value,
    origin: &Origin,
    file: &str,
) -> Result<(), PolicyError> {
    let Some(rule) = Rule::from_id(id) else {
        return Err(PolicyError::UnknownRule {
            file: file.to_string(),
            rule: id.to_string(),
        });
    };
    let toml::Value::Table(t) = value else {
        return Err(PolicyError::BadValue {
            file: file.to_string(),
            key: format!("rules.{id}"),
            expected: "a table (level and parameters)",
        });
    };
    for (key, v) in t {
        if key == "level" {
            let level = v
                .as_str()
                .and_then(Level::parse)
                .ok_or_else(|| PolicyError::BadLevel {
                    file: file.to_string(),
                    rule: id.to_string(),
                    level: v.to_string(),
                })?;
            policy.set_level(rule, level);
            continue;
        }
        if !rule.parameters().contains(&key.as_str()) {
            let takes = match rule.parameters() {
                [] => "the rule takes only a level".to_string(),
                p => format!("the rule takes {}", p.join(", ")),
            };
            return Err(bad(file, id, key, format!("unknown parameter; {takes}")));
        }
        parameter(policy, key, v, origin).map_err(|why| bad(file, id, key, why))?;
    }
    Ok(())
}

fn bad(file: &str, rule: &str, key: &str, why: String) -> PolicyError {
    PolicyError::BadParameter {
        file: file.to_string(),
        rule: rule.to_string(),
        key: key.to_string(),
        why,
    }
}

/// Sets one parameter (its rule already checked to take it).
fn parameter(
    policy: &mut Policy,
    key: &str,
    v: &toml::Value,
    origin: &Origin,
) -> Result<(), String> {
    let p = &mut policy.params;
    match key {
        "sha1_until" => p.sha1_until = date(v)?,
        "until" => p.key_size_until = date(v)?,
        "rsa_min_bits" => p.rsa_min_bits = integer(v, 0, 16_384)? as u32,
        "ec_min_bits" => p.ec_min_bits = integer(v, 0, 1024)? as u32,
        "offset_hours" => p.local_offset_hours = integer(v, -14, 14)?,
        "tolerance_minutes" => p.local_tolerance_minutes = integer(v, 0, 24 * 60)?,
        "min" => p.min_signatures = integer(v, 0, 10_000)? as u32,
        "names" => p.required_attributes = attribute_names(v)?,
        "anchors" => policy.anchors = certificates(v, origin)?,
        "certificates" => policy.certificates = certificates(v, origin)?,
        _ => unreachable!("Rule::parameters lists every key handled here"),
    }
    Ok(())
}

/// An instant: a TOML offset date-time or an RFC 3339 string.
fn date(v: &toml::Value) -> Result<i64, String> {
    let text = match v {
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::String(s) => s.clone(),
        other => return Err(format!("{other} is not a date and time")),
    };
    time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|e| format!("{text:?} is not an RFC 3339 date and time with offset ({e})"))
}

fn integer(v: &toml::Value, min: i64, max: i64) -> Result<i64, String> {
    match v.as_integer() {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        Some(n) => Err(format!("{n} is outside {min}..={max}")),
        None => Err(format!("{v} is not an integer")),
    }
}

/// The signed attributes `attributes.required` knows.
pub(super) const ATTRIBUTES: [&str; 4] = [
    "content-type",
    "message-digest",
    "signing-time",
    "signing-certificate",
];

fn attribute_names(v: &toml::Value) -> Result<Vec<String>, String> {
    strings(v)?
        .into_iter()
        .map(|n| {
            if ATTRIBUTES.contains(&n.as_str()) {
                Ok(n)
            } else {
                Err(format!(
                    "unknown attribute {n:?} ({})",
                    ATTRIBUTES.join(", ")
                ))
            }
        })
        .collect()
}

fn strings(v: &toml::Value) -> Result<Vec<String>, String> {
    let err = || format!("{v} is not a list of strings");
    v.as_array()
        .ok_or_else(err)?
        .iter()
        .map(|s| s.as_str().map(str::to_string).ok_or_else(err))
        .collect()
}

/// Certificate files (PEM or DER) and directories of them, as read.
fn certificates(v: &toml::Value, origin: &Origin) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for path in strings(v)? {
        let found = match origin {
            Origin::Builtin(folder) => {
                let full = format!("{folder}{path}");
                let found: Vec<Vec<u8>> = FILES
                    .iter()
                    .filter(|(p, _)| *p == full || p.starts_with(&format!("{full}/")))
                    .map(|(_, b)| b.to_vec())
                    .collect();
                found
            }
            Origin::Dir(dir) => read_certificates(&dir.join(&path))?,
            Origin::Nowhere => {
                return Err(format!(
                    "{path:?}: a policy given as text cannot name files"
                ))
            }
        };
        if found.is_empty() {
            return Err(format!("{path:?}: no certificate there"));
        }
        for bytes in &found {
            crate::asn1::der_objects(bytes, "CERTIFICATE").map_err(|e| format!("{path:?}: {e}"))?;
        }
        out.extend(found);
    }
    Ok(out)
}

/// A file, or a directory's files (sorted; hidden files skipped).
fn read_certificates(path: &Path) -> Result<Vec<Vec<u8>>, String> {
    let shown = || path.display().to_string();
    let mut files = Vec::new();
    if path.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|e| format!("{}: {e}", shown()))?;
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            let hidden = e.file_name().to_string_lossy().starts_with('.');
            if p.is_file() && !hidden {
                files.push(p);
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    files
        .iter()
        .map(|f| std::fs::read(f).map_err(|e| format!("{}: {e}", f.display())))
        .collect()
}

/// The policy resolved, as TOML.
pub(super) fn show(p: &Policy) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let _ = writeln!(out, "name = {}", q(&p.name));
    let _ = writeln!(out, "description = {}", q(&p.description));
    let when = crate::asn1::rfc3339;
    for rule in Rule::ALL {
        let _ = writeln!(out, "\n[rules.\"{}\"]\nlevel = \"{}\"", rule, p.level(rule));
        let params = &p.params;
        let lines: Vec<String> = match rule {
            Rule::AlgorithmsDigest => vec![format!("sha1_until = {}", when(params.sha1_until))],
            Rule::AlgorithmsKeySize => vec![
                format!("rsa_min_bits = {}", params.rsa_min_bits),
                format!("ec_min_bits = {}", params.ec_min_bits),
                format!("until = {}", when(params.key_size_until)),
            ],
            Rule::TimeLocalSigningTime => vec![
                format!("offset_hours = {}", params.local_offset_hours),
                format!("tolerance_minutes = {}", params.local_tolerance_minutes),
            ],
            Rule::AttributesRequired => {
                let names: Vec<String> = params.required_attributes.iter().map(|n| q(n)).collect();
                vec![format!("names = [{}]", names.join(", "))]
            }
            Rule::IssuedSignatureCount => vec![format!("min = {}", params.min_signatures)],
            Rule::TrustAnchor => {
                let mut l = vec![format!(
                    "# {} anchors, {} certificates (SHA-256, subject):",
                    p.anchors.len(),
                    p.certificates.len()
                )];
                for (what, set) in [("anchor", &p.anchors), ("certificate", &p.certificates)] {
                    l.extend(
                        described(set)
                            .into_iter()
                            .map(|d| format!("#   {what} {d}")),
                    );
                }
                l
            }
            _ => Vec::new(),
        };
        for l in lines {
            let _ = writeln!(out, "{l}");
        }
    }
    out
}

/// `sha256 subject` of each certificate in `set`.
fn described(set: &[Vec<u8>]) -> Vec<String> {
    let mut out = Vec::new();
    for bytes in set {
        for der in crate::asn1::der_objects(bytes, "CERTIFICATE").unwrap_or_default() {
            let fp = crate::asn1::hex(&crate::pki::cert::fingerprint(&der));
            let subject = crate::pki::cert::Certificate::parse(&der)
                .map(|c| c.subject)
                .unwrap_or_else(|e| format!("(unreadable: {e})"));
            out.push(format!("{fp} {subject}"));
        }
    }
    out
}
