//! The merged summary: the documents counted from the merged lines (so the counts are those
//! of one run over the whole input; none is "skipped", even if a shard was resumed), the shards' cache, fetch, memory and temporary-space
//! figures summed (each shard is a process of its own), the wall time the slowest shard's.

use std::time::Duration;

use serde::Deserialize;

use crate::engine::{RunInfo, Summary};
use crate::validate::CachesStats;

/// What the summary counts of a document line.
#[derive(Debug, Deserialize)]
pub struct DocumentFacts {
    /// The input.
    pub input: String,
    /// The document.
    pub name: String,
    /// Its status.
    pub status: String,
    /// Its size.
    #[serde(default)]
    pub bytes: u64,
    /// Its time.
    #[serde(default)]
    pub elapsed_us: u64,
    #[serde(default)]
    signatures: Vec<Verdict>,
    #[serde(default)]
    policy: Findings,
}

#[derive(Debug, Deserialize)]
struct Verdict {
    indication: String,
    sub_indication: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Findings {
    #[serde(default)]
    findings: Vec<Finding>,
}

#[derive(Debug, Deserialize)]
struct Finding {
    rule: String,
    level: String,
}

impl DocumentFacts {
    /// Counts the document into `summary`, as the engine counts the line it writes.
    pub fn count_into(&self, summary: &mut Summary) {
        summary.count(
            &self.input,
            &self.name,
            &self.status,
            self.signatures.iter().map(|s| match &s.sub_indication {
                Some(sub) => format!("{}/{sub}", s.indication),
                None => s.indication.clone(),
            }),
            self.policy
                .findings
                .iter()
                .map(|f| format!("{} {}", f.rule, f.level)),
            self.bytes,
            self.elapsed_us,
        );
    }
}

/// The merged summary from the lines' counts and the shards' own summaries.
pub(super) fn combine<'a>(
    mut counted: Summary,
    shards: impl Iterator<Item = (&'a RunInfo, &'a Summary)>,
) -> Summary {
    let mut seconds = 0f64;
    let mut sums = serde_json::Value::Null;
    let mut n = 0u32;
    for (info, s) in shards {
        n += 1;
        // A report's figures are untrusted: a time that is no duration (negative, infinite,
        // NaN) is ignored, counts saturate.
        if s.seconds.is_finite() {
            seconds = seconds.max(s.seconds);
        }
        counted.unreadable_inputs = counted
            .unreadable_inputs
            .saturating_add(s.unreadable_inputs);
        let figures = serde_json::json!({
            "caches": s.caches, "memory": s.memory, "temp": s.temp, "fetch": s.fetch,
        });
        add_json(&mut sums, &figures);
        counted.run.get_or_insert_with(|| info.unsharded());
    }
    let field = |k: &str| sums.get(k).cloned().unwrap_or_default();
    let caches: CachesStats = serde_json::from_value(field("caches")).unwrap_or_default();
    counted.memory = serde_json::from_value(field("memory")).unwrap_or_default();
    counted.temp = serde_json::from_value(field("temp")).unwrap_or_default();
    counted.fetch = serde_json::from_value(field("fetch")).unwrap_or_default();
    counted.shards = Some(n);
    // Finite and not negative, but perhaps beyond any `Duration` (1e300 s).
    let wall = Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX);
    counted.finish(wall, caches);
    counted
}

/// Adds `b` into `a`: numbers summed, objects field by field, anything else kept from the
/// first that has it.
fn add_json(a: &mut serde_json::Value, b: &serde_json::Value) {
    use serde_json::Value;
    match (&mut *a, b) {
        (Value::Null, _) => *a = b.clone(),
        (Value::Number(x), Value::Number(y)) => {
            *a = match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => Value::from(x.saturating_add(y)),
                _ => Value::from(x.as_f64().unwrap_or(0.0) + y.as_f64().unwrap_or(0.0)),
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in y {
                add_json(x.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_figures_add_up_field_by_field() {
        let mut a = serde_json::Value::Null;
        add_json(
            &mut a,
            &serde_json::json!({"x": 1, "o": {"y": 2, "s": "k"}, "f": null}),
        );
        add_json(
            &mut a,
            &serde_json::json!({"x": 2, "o": {"y": 3, "z": 1}, "f": {"q": 4}}),
        );
        assert_eq!(
            a,
            serde_json::json!({"x": 3, "o": {"y": 5, "s": "k", "z": 1}, "f": {"q": 4}})
        );
    }
}
