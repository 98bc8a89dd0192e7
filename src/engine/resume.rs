//! `--resume`: what an existing report already holds.

use std::collections::HashSet;

use super::shard::{classify, ReportLine, RunInfo};
use crate::verdict::DocumentStatus;

/// What an existing JSON-lines report holds, for `--resume`.
#[derive(Debug, Default)]
pub struct Existing {
    /// `(input, name)` of every complete line.
    pub done: HashSet<(String, String)>,
    /// Length of the file up to the end of the last complete line: a run killed mid-write
    /// leaves a partial last line, which is cut off and redone.
    pub good_len: usize,
    /// Whether some complete line is not `TOTAL_PASSED`.
    pub any_not_passed: bool,
    /// The header of a shard's report (`--shard`): the run that wrote it.
    pub header: Option<RunInfo>,
}

/// Reads an existing JSON-lines report. A shard's header is read as such; its trailer (the
/// summary of the run that ended) ends what is kept, so that a resumed run writes its own.
pub fn read_report(bytes: &[u8]) -> Existing {
    let mut e = Existing::default();
    let mut pos = 0;
    while pos < bytes.len() {
        let Some(nl) = memchr::memchr(b'\n', &bytes[pos..]) else {
            break; // a partial last line
        };
        let line = &bytes[pos..pos + nl];
        match classify(line) {
            Ok(ReportLine::Header(h)) if pos == 0 => {
                e.header = Some(*h);
                pos += nl + 1;
                e.good_len = pos;
                continue;
            }
            Ok(ReportLine::Trailer(_)) => break,
            _ => {}
        }
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else {
            break;
        };
        let (Some(input), Some(name)) = (v["input"].as_str(), v["name"].as_str()) else {
            break;
        };
        e.done.insert((input.to_string(), name.to_string()));
        e.any_not_passed |= v["status"].as_str() != Some(DocumentStatus::TotalPassed.as_str());
        pos += nl + 1;
        e.good_len = pos;
    }
    e
}
