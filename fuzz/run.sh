#!/usr/bin/env bash
# Runs one fuzz target for SECONDS (default 540) on one core, niced, with the settings of
# README.md: `fuzz/run.sh TARGET [SECONDS] [extra libFuzzer flags…]`. The log goes to
# fuzz/logs/TARGET.log (not committed); crashes to fuzz/artifacts/TARGET/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
target=$1
secs=${2:-540}
shift $(( $# < 2 ? $# : 2 ))
dict=()
case $target in
    pdf_read | xref | verify) # 1 MiB: whole small signed PDFs; the reader's tokens
        max_len=1048576
        dict=(-dict="$here/pdf.dict") ;;
    report_lines) # 64 KiB: a shard report cut to a few lines; JSON tokens and its keys
        max_len=65536
        dict=(-dict="$here/report.dict") ;;
    *) max_len=65536 ;; # 64 KiB: a CMS, CRL or OCSP response
esac
mkdir -p "$here/logs" "$here/corpus/$target"
cd "$here"
nice -n 10 cargo +nightly fuzz run -s none "$target" "corpus/$target" -- \
    -max_len=$max_len -rss_limit_mb=2048 -timeout=10 -max_total_time="$secs" \
    -print_final_stats=1 "${dict[@]}" "$@" 2>&1 | tee "logs/$target.log" | grep -E "^#[0-9]+.*(DONE|pulse)|==|panicked|Test unit|stat::|SUMMARY" || true
