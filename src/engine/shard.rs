//! `--shard K/N`: which documents one process of a sharded audit verifies, and what it writes
//! around its lines so that `sigaudit merge` can prove the shards make up the whole run.
//!
//! # The partition
//!
//! A document belongs to shard `1 + (h mod N)`, where `h` is the first eight bytes (big-endian)
//! of the SHA-256 of its *identity*: its name relative to the input it came from (a directory's
//! files without the directory's path, an archive's members as the archive names them, a listed
//! path as listed; with `--dossier`, the identity of the folder that holds it, so that a
//! dossier is never split). The identity, not the enumeration order, decides: every process computes
//! the same partition whatever order its file system lists entries in, and SHA-256 spreads any
//! set of names evenly (each shard's share differs from 1/N by a few √(n/N) documents).
//!
//! # What a shard's report holds
//!
//! ```text
//! {"sigaudit_run":{"version":…,"shard":{"index":K,"count":N},"inputs":[…],"params":{…}}}
//! {"position":P,"input":…,"name":…, … the document's line …}      one per document of shard K
//! {"sigaudit_summary":{… the shard's summary …}}                  written when the shard ends
//! ```
//!
//! `position` is the document's place in the enumeration of the *whole* input (every shard
//! enumerates everything and verifies its part), so that the shards' lines can be merged back
//! into input order; `sigaudit merge` removes it. The trailer says the shard finished: a shard
//! killed (and not resumed to its end) has none, and its report is refused.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::Summary;

/// The key of the header line of a shard's report.
pub const HEADER_KEY: &str = "sigaudit_run";
/// The key of the trailer line of a shard's report.
pub const TRAILER_KEY: &str = "sigaudit_summary";
/// How a shard report's document line starts: `{"position":` then the digits and a comma.
pub const POSITION_PREFIX: &[u8] = b"{\"position\":";

/// The most shards an input is split into. Every shard enumerates the whole input, so more
/// would be no audit spread over machines; and `sigaudit merge` keeps a slot for each shard
/// and names every one missing, which an unchecked count in a report's header (up to 2³² − 1)
/// would make a 64 GiB allocation.
pub const MAX_SHARDS: u32 = 1 << 16;

/// Shard `index` (1-based) of `count`: `1 ≤ index ≤ count ≤` [`MAX_SHARDS`], whether parsed
/// from `K/N` or read from a report's header (a header that says otherwise does not parse).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "ShardFields")]
pub struct Shard {
    /// Which shard, 1 to `count`.
    pub index: u32,
    /// How many shards the input is split into.
    pub count: u32,
}

/// A shard as a header spells it, before its bounds are checked.
#[derive(Deserialize)]
struct ShardFields {
    index: u32,
    count: u32,
}

impl TryFrom<ShardFields> for Shard {
    type Error = BadShard;

    fn try_from(f: ShardFields) -> Result<Shard, BadShard> {
        Shard::new(f.index, f.count).ok_or_else(|| BadShard(format!("{}/{}", f.index, f.count)))
    }
}

/// Why a `K/N` text is not a shard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadShard(pub String);

impl fmt::Display for BadShard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a shard: write K/N with 1 ≤ K ≤ N ≤ {MAX_SHARDS}",
            self.0
        )
    }
}

impl std::error::Error for BadShard {}

impl std::str::FromStr for Shard {
    type Err = BadShard;

    fn from_str(s: &str) -> Result<Shard, BadShard> {
        let bad = || BadShard(s.to_string());
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        Shard::new(index, count).ok_or_else(bad)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Shard `index` of `count`, if `1 ≤ index ≤ count ≤` [`MAX_SHARDS`].
    pub fn new(index: u32, count: u32) -> Option<Shard> {
        (index >= 1 && index <= count && count <= MAX_SHARDS).then_some(Shard { index, count })
    }

    /// Whether the document `name` of `input` belongs to this shard; with `dossiers`, whether
    /// its dossier does (see [`dossier_shard_of`]).
    pub fn contains(&self, input: &str, name: &str, dossiers: bool) -> bool {
        let k = match dossiers {
            false => shard_of(input, name, self.count),
            true => dossier_shard_of(input, name, self.count),
        };
        k == self.index
    }
}

/// With `--dossier`, the shard of the dossier (the folder) that holds the document: a
/// dossier's documents are judged together, so they stay together — the shard is that of the
/// folder's input-relative name (`""` for the input's top level).
///
/// ```
/// use sigaudit::engine::dossier_shard_of;
///
/// assert_eq!(
///     dossier_shard_of("/archive", "/archive/2024/cv-17/main.pdf", 5),
///     dossier_shard_of("/archive", "/archive/2024/cv-17/appendix-1.pdf", 5),
/// );
/// ```
pub fn dossier_shard_of(input: &str, name: &str, count: u32) -> u32 {
    let id = identity(input, name);
    let folder = id.rsplit_once('/').map_or("", |(folder, _)| folder);
    hash_to_shard(folder, count)
}

/// The shard (1-based) of `count` that the document `name` of `input` belongs to.
///
/// ```
/// use sigaudit::engine::shard_of;
///
/// // The identity is input-relative: the same file, under another mount point, falls in
/// // the same shard.
/// assert_eq!(
///     shard_of("/mnt/a/archive", "/mnt/a/archive/2024/cv-17.pdf", 7),
///     shard_of("/srv/archive/", "/srv/archive/2024/cv-17.pdf", 7),
/// );
/// assert!((1..=7).contains(&shard_of("-", "x.pdf", 7)));
/// ```
pub fn shard_of(input: &str, name: &str, count: u32) -> u32 {
    hash_to_shard(identity(input, name), count)
}

/// `1 + (h mod count)`, `h` the first eight bytes (big-endian) of the SHA-256 of `id`.
fn hash_to_shard(id: &str, count: u32) -> u32 {
    let digest = ring::digest::digest(&ring::digest::SHA256, id.as_bytes());
    let mut h = [0u8; 8];
    h.copy_from_slice(&digest.as_ref()[..8]);
    (u64::from_be_bytes(h) % u64::from(count.max(1))) as u32 + 1
}

/// A document's identity: its name relative to the input it came from (the name itself when
/// it does not start with the input's path: archive members, listed paths).
pub fn identity<'a>(input: &str, name: &'a str) -> &'a str {
    if input == "-" || input.is_empty() {
        return name;
    }
    let base = input.trim_end_matches('/');
    match name.strip_prefix(base) {
        Some(rest) if rest.starts_with('/') && rest.len() > 1 => rest.trim_start_matches('/'),
        _ => name,
    }
}

/// What a run was: the tool, the shard, the inputs and every parameter that decides a
/// verdict. A shard's report starts with it; the summary carries it; `sigaudit merge` refuses
/// shards whose runs differ in anything but the shard.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The sigaudit version that wrote the report.
    pub version: String,
    /// The shard, for a sharded run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// The inputs, as given.
    pub inputs: Vec<String>,
    /// The parameters that decide verdicts: validation time, policy, trust material (by
    /// SHA-256 of its files), revocation options, … by name.
    pub params: BTreeMap<String, String>,
}

impl RunInfo {
    /// A run of this version of sigaudit over `inputs`.
    pub fn new(inputs: &[String], shard: Option<Shard>) -> RunInfo {
        RunInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            shard,
            inputs: inputs.to_vec(),
            params: BTreeMap::new(),
        }
    }

    /// The same run, but for the shard: what every shard of one audit has in common.
    pub fn unsharded(&self) -> RunInfo {
        RunInfo {
            shard: None,
            ..self.clone()
        }
    }

    /// The header line of a shard's report (with its newline).
    pub fn header_line(&self) -> String {
        let mut s = serde_json::to_string(&serde_json::json!({ HEADER_KEY: self }))
            .expect("a run's description serialises");
        s.push('\n');
        s
    }
}

/// The trailer line of a shard's report (with its newline): its summary.
pub fn trailer_line(summary: &Summary) -> String {
    let mut s = serde_json::to_string(&serde_json::json!({ TRAILER_KEY: summary }))
        .expect("a summary serialises");
    s.push('\n');
    s
}

/// What a line of a report is.
#[derive(Debug)]
pub enum ReportLine {
    /// The header of a shard's report.
    Header(Box<RunInfo>),
    /// The trailer of a shard's report.
    Trailer(Box<Summary>),
    /// A document's line (or something else: the caller reads it).
    Other,
}

/// Whether `line` is a shard report's header or trailer (well formed), not a document's: what
/// readers of reports (`report --html`, `--premis`) skip.
pub fn is_frame(line: &[u8]) -> bool {
    matches!(
        classify(line),
        Ok(ReportLine::Header(_) | ReportLine::Trailer(_))
    )
}

/// Tells a header or trailer line from the others (cheaply: only lines that start with their
/// key are parsed).
pub fn classify(line: &[u8]) -> Result<ReportLine, serde_json::Error> {
    let starts = |key: &str| {
        line.len() > key.len() + 4 && &line[2..2 + key.len()] == key.as_bytes() && line[1] == b'"'
    };
    if starts(HEADER_KEY) {
        let mut v: BTreeMap<String, RunInfo> = serde_json::from_slice(line)?;
        return Ok(ReportLine::Header(Box::new(
            v.remove(HEADER_KEY).unwrap_or_default(),
        )));
    }
    if starts(TRAILER_KEY) {
        let mut v: BTreeMap<String, Summary> = serde_json::from_slice(line)?;
        return Ok(ReportLine::Trailer(Box::new(
            v.remove(TRAILER_KEY).unwrap_or_default(),
        )));
    }
    Ok(ReportLine::Other)
}

/// A document line of a shard's report without its leading `position`: the line a single run
/// writes. `None` when the line does not start with a position.
pub fn split_position(line: &[u8]) -> Option<(u64, Vec<u8>)> {
    let rest = line.strip_prefix(POSITION_PREFIX)?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || rest.get(digits) != Some(&b',') {
        return None;
    }
    let position = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    let mut out = Vec::with_capacity(line.len());
    out.push(b'{');
    out.extend_from_slice(&rest[digits + 1..]);
    Some((position, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_text_round_trips_and_rejects_nonsense() {
        let s: Shard = "2/3".parse().unwrap();
        assert_eq!((s.index, s.count, s.to_string()), (2, 3, "2/3".to_string()));
        for bad in [
            "0/3",
            "4/3",
            "3",
            "a/b",
            "1/0",
            "",
            "1/65537",
            "1/4294967295",
        ] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert!("65536/65536".parse::<Shard>().is_ok());
    }

    #[test]
    fn a_header_shard_out_of_bounds_does_not_parse() {
        let ok: Shard = serde_json::from_str(r#"{"index":3,"count":3}"#).unwrap();
        assert_eq!((ok.index, ok.count), (3, 3));
        for bad in [
            r#"{"index":0,"count":3}"#,
            r#"{"index":4,"count":3}"#,
            r#"{"index":0,"count":0}"#,
            r#"{"index":1,"count":4294967295}"#,
        ] {
            let e = serde_json::from_str::<Shard>(bad).unwrap_err().to_string();
            assert!(e.contains("is not a shard"), "{bad}: {e}");
        }
    }

    #[test]
    fn identity_is_relative_to_the_input() {
        assert_eq!(identity("/a/b", "/a/b/c/d.pdf"), "c/d.pdf");
        assert_eq!(identity("/a/b/", "/a/b/c/d.pdf"), "c/d.pdf");
        assert_eq!(identity("/a/b", "/a/bc/d.pdf"), "/a/bc/d.pdf");
        assert_eq!(identity("x.tar", "docs/1.pdf"), "docs/1.pdf");
        assert_eq!(identity("-", "/a/b.pdf"), "/a/b.pdf");
        assert_eq!(identity("/a/b.pdf", "/a/b.pdf"), "/a/b.pdf");
    }

    #[test]
    fn shards_are_balanced() {
        let mut counts = [0u32; 7];
        for i in 0..7000 {
            counts[shard_of("d", &format!("d/doc-{i:06}.pdf"), 7) as usize - 1] += 1;
        }
        // 1000 expected each; 5 standard deviations (√(7000·1/7·6/7) ≈ 29) either side.
        assert!(
            counts.iter().all(|&c| (855..=1145).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn position_is_split_off_exactly() {
        let (p, rest) = split_position(br#"{"position":42,"input":"x","name":"y"}"#).unwrap();
        assert_eq!(
            (p, rest.as_slice()),
            (42, &br#"{"input":"x","name":"y"}"#[..])
        );
        assert!(split_position(br#"{"input":"x"}"#).is_none());
        assert!(split_position(br#"{"position":,"input":"x"}"#).is_none());
    }
}
