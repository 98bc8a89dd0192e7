#!/usr/bin/env bash
# Shrinks corpus/TARGET to what is committed: a libFuzzer merge (cmin) of only its inputs of
# at most MAX bytes into an empty directory, which then replaces it. The large PDFs a run
# finds keep little coverage of their own and would make the committed corpora hundreds of MB.
#   fuzz/shrink.sh TARGET MAX
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
target=$1
max=$2
cd "$here"
rm -rf "corpus-scratch/$target" "corpus-scratch/$target-small"
mkdir -p "corpus-scratch/$target" "corpus-scratch/$target-small"
find "corpus/$target" -maxdepth 1 -type f -size -"$((max + 1))"c \
    -exec cp -t "corpus-scratch/$target-small" {} +
nice -n 10 cargo +nightly fuzz run -s none "$target" "corpus-scratch/$target" \
    "corpus-scratch/$target-small" -- -merge=1 -max_len="$max" -rss_limit_mb=2048 -timeout=10 \
    2>&1 | grep -E "MERGE-OUTER: [0-9]+ new files" || true
rm -rf "corpus/$target" "corpus-scratch/$target-small"
mv "corpus-scratch/$target" "corpus/$target"
echo "$target: $(ls "corpus/$target" | wc -l) files, $(du -sh "corpus/$target" | cut -f1)"
