//! Regression tests for what the fuzz targets (and their review) found, each input built here
//! in bytes. The inputs a run wrote are also kept under `fuzz/artifacts/<target>/`, which
//! `tests/fuzz_replay.rs` replays.

use std::path::PathBuf;

use sigaudit::merge::{self, MergeError, MergeOptions, Merged};

/// A shard's header line: the run of `sigaudit 0.1.0` over input `in`, shard `shard`
/// (as the header spells it: `{"index":K,"count":N}`).
fn header(shard: &str) -> String {
    format!(
        r#"{{"sigaudit_run":{{"inputs":["in"],"params":{{}},"shard":{shard},"version":"0.1.0"}}}}"#
    )
}

/// A document line of shard 1/1 (every name belongs to it).
fn line(position: u64, name: &str, bytes: u64) -> String {
    format!(
        r#"{{"position":{position},"input":"in","name":"{name}","bytes":{bytes},"status":"TOTAL_PASSED","signatures":[{{"indication":"TOTAL_PASSED","sub_indication":null}}],"policy":{{"findings":[]}}}}"#
    )
}

/// The report of `lines` (each ends with a newline), merged alone in both orders, after the
/// fuzz target's own body has run on its bytes.
fn merge_alone(lines: &[String]) -> [Result<Merged, MergeError>; 2] {
    let mut text = String::new();
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    sigaudit::internals::fuzz_targets::report_lines(text.as_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shard.jsonl");
    std::fs::write(&path, &text).unwrap();
    let reports: Vec<PathBuf> = vec![path];
    [false, true].map(|ordered| {
        let options = MergeOptions {
            ordered,
            temp_dir: Some(dir.path().to_path_buf()),
            ..MergeOptions::default()
        };
        merge::merge(&reports, &options, &mut Vec::new())
    })
}

fn refused_at_line_1(outcome: &Result<Merged, MergeError>, says: &str) {
    match outcome {
        Err(MergeError::BadLine { line: 1, why, .. }) => {
            assert!(why.contains(says), "{says:?} not in {why:?}")
        }
        other => panic!("not refused at its header: {other:?}"),
    }
}

/// report_lines, `fuzz/artifacts/report_lines/crash-dad2de70…`: a header naming shard 0 of 3
/// passed pass 1 (the shard was never checked once deserialised) and the set check indexed its
/// slot at `0 - 1` (`attempt to subtract with overflow`; out of bounds in release builds).
#[test]
fn merge_refuses_a_header_shard_index_zero() {
    for shard in [r#"{"index":0,"count":3}"#, r#"{"index":4,"count":3}"#] {
        let trailer = r#"{"sigaudit_summary":{}}"#.to_string();
        for outcome in merge_alone(&[header(shard), trailer]) {
            refused_at_line_1(&outcome, "is not a shard");
        }
    }
}

/// Found by review, reached by report_lines once it ran the set check: a header naming shard
/// 1 of 4,294,967,295 made the set check allocate a slot per shard, 64 GiB ("memory
/// allocation failed", an abort). Shards are at most `MAX_SHARDS` now, in headers as in
/// `--shard`.
#[test]
fn merge_refuses_a_header_shard_count_beyond_the_maximum() {
    let max = sigaudit::engine::MAX_SHARDS;
    for count in [u64::from(max) + 1, u64::from(u32::MAX)] {
        let shard = format!(r#"{{"index":1,"count":{count}}}"#);
        let trailer = r#"{"sigaudit_summary":{}}"#.to_string();
        for outcome in merge_alone(&[header(&shard), trailer]) {
            refused_at_line_1(&outcome, "is not a shard");
        }
    }
    assert!(format!("1/{max}")
        .parse::<sigaudit::engine::Shard>()
        .is_ok());
    assert!(format!("1/{}", max + 1)
        .parse::<sigaudit::engine::Shard>()
        .is_err());
}

/// Found by review: the merged summary added each line's `bytes` (any u64 a report says)
/// without a bound, `attempt to add with overflow` in a checked build and a wrapped total in
/// release. Counts saturate now.
#[test]
fn merge_sums_document_bytes_past_u64_max_saturating() {
    let lines = [
        header(r#"{"index":1,"count":1}"#),
        line(0, "a.pdf", u64::MAX),
        line(1, "b.pdf", u64::MAX),
        r#"{"sigaudit_summary":{"unreadable_inputs":18446744073709551615}}"#.to_string(),
    ];
    for outcome in merge_alone(&lines) {
        let summary = outcome.expect("merged").summary;
        assert_eq!((summary.documents, summary.bytes), (2, u64::MAX));
        assert_eq!(summary.unreadable_inputs, u64::MAX);
    }
}

/// Found by review, reached by report_lines once it combined summaries: a trailer whose
/// `seconds` is beyond any `Duration` (1e300) panicked in `Duration::from_secs_f64`; cache
/// counters at u64::MAX overflowed the hit rate's `hits + misses`.
#[test]
fn merge_survives_a_trailer_time_beyond_any_duration() {
    let mut caches = sigaudit::CachesStats::default();
    caches.certificates.hits = u64::MAX;
    caches.certificates.misses = 1;
    let caches = serde_json::to_string(&caches).unwrap();
    for trailer in [
        r#"{"sigaudit_summary":{"seconds":1e300}}"#.to_string(),
        r#"{"sigaudit_summary":{"seconds":-1.0}}"#.to_string(),
        format!(r#"{{"sigaudit_summary":{{"caches":{caches}}}}}"#),
    ] {
        let lines = [
            header(r#"{"index":1,"count":1}"#),
            line(0, "a.pdf", 1),
            trailer.clone(),
        ];
        for outcome in merge_alone(&lines) {
            let summary = outcome.unwrap_or_else(|e| panic!("{trailer}: {e}")).summary;
            assert!(summary.seconds.is_finite() && summary.seconds >= 0.0);
            assert!(summary.documents_per_second.is_finite());
        }
    }
}

/// Found by review, asserted by report_lines since: pass 1 parsed a document line with serde
/// (any key order, any spaces) but pass 2 keys it by the input and name it starts with, so a
/// line laid out otherwise was taken by pass 1 and refused by pass 2 ("changed since it was
/// checked") after part of the merged report was written. Pass 1 refuses it now.
#[test]
fn merge_refuses_in_pass_1_a_line_pass_2_cannot_key() {
    let well = line(0, "a.pdf", 1);
    for odd in [
        well.replace(r#""position":0,"#, r#""position":0, "#),
        well.replace(
            r#""input":"in","name":"a.pdf""#,
            r#""name":"a.pdf","input":"in""#,
        ),
    ] {
        let lines = [
            header(r#"{"index":1,"count":1}"#),
            odd,
            r#"{"sigaudit_summary":{}}"#.to_string(),
        ];
        for outcome in merge_alone(&lines) {
            match outcome {
                Err(MergeError::BadLine { line: 2, why, .. }) => {
                    assert!(why.contains("must start with its position, input and name"))
                }
                other => panic!("not refused in pass 1: {other:?}"),
            }
        }
    }
    // Escapes are decoded alike by both passes.
    let escaped = well.replace("a.pdf", r#"a\u00e9\\b.pdf"#);
    let lines = [
        header(r#"{"index":1,"count":1}"#),
        escaped,
        r#"{"sigaudit_summary":{}}"#.to_string(),
    ];
    for outcome in merge_alone(&lines) {
        assert_eq!(outcome.expect("merged").summary.documents, 1);
    }
}
