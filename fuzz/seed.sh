#!/usr/bin/env bash
# Regenerates the seed corpora under fuzz/corpus/ (before `cargo fuzz cmin`, see README.md):
# - pdf_read, xref, verify: PDFs up to 1 MiB from ../shared/corpus/real (read in place) and
#   from two small generated corpora (mixed and attacks profiles) in a temporary directory;
# - cms: every signature's /Contents from those PDFs;
# - crl_ocsp: the generated PKIs' CRLs and the CRLs/OCSP responses in DSS streams and CMS;
# - report_lines: the reports of `verify --shard K/3` over corpus/sample, cut to 64 KiB.
# `fuzz/seed.sh report_lines` seeds only report_lines (it needs no generated corpus).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
real="$root/../shared/corpus/real"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# report_lines: the three shard reports of the bundled sample (header, document lines in
# completion order, trailer; 65 to 80 KB each), cut to at most 64 KiB: header and trailer
# alone and together, the header with the first three lines or with as many as fit (as
# written, then sorted by position) and the trailer, and one document line of each status.
# Seeds are named by the SHA-1 of their bytes, as libFuzzer names its corpus files.
report_seeds() {
    local out="$here/corpus/report_lines" s=corpus/sample k r n st
    mkdir -p "$out"
    put() {
        cat >"$tmp/seed"
        [ -s "$tmp/seed" ] && [ "$(stat -c %s "$tmp/seed")" -le 65536 ] || return 0
        cp "$tmp/seed" "$out/$(sha1sum "$tmp/seed" | cut -c1-40)"
    }
    # As many document lines of $1 (in the order given on stdin) as fit in 64 KiB with its
    # header and trailer.
    fit() {
        awk -v room=$((65536 - $(head -n1 "$1" | wc -c) - $(tail -n1 "$1" | wc -c))) \
            '{ room -= length($0) + 1; if (room < 0) exit; print }'
    }
    (cd "$root" && cargo build -q --release -p sigaudit --bin sigaudit)
    for k in 1 2 3; do
        r="$tmp/shard-$k.jsonl"
        # Exit 1: the sample holds failing documents on purpose.
        (cd "$root" && "${CARGO_TARGET_DIR:-$root/target}/release/sigaudit" verify "$s/docs" \
            --trust "$s/pki/roots" --certs "$s/pki/intermediates" --crl "$s/pki/crls" \
            --at 2026-07-01T00:00:00Z --shard "$k/3" --report "$r" >/dev/null 2>&1) || true
        n=$(wc -l <"$r")
        head -n1 "$r" | put
        tail -n1 "$r" | put
        { head -n1 "$r"; tail -n1 "$r"; } | put
        { head -n4 "$r"; tail -n1 "$r"; } | put
        { head -n1 "$r"; sed -n "2,$((n - 1))p" "$r" | fit "$r"; tail -n1 "$r"; } | put
        { head -n1 "$r"; sed -n "2,$((n - 1))p" "$r" | sort -t: -k2 -n | fit "$r"; tail -n1 "$r"; } | put
        for st in TOTAL_PASSED TOTAL_FAILED INDETERMINATE ERROR; do
            grep -m1 "\"status\":\"$st\"" "$r" | put || true
        done
    done
    echo "report_lines: $(ls "$out" | wc -l) seeds"
}
report_seeds
[ "${1:-}" = report_lines ] && exit 0

(cd "$root" && cargo run -q -p sigaudit-corpus --release -- --out "$tmp/mixed" --docs 30 \
    --seed 7 --profile mixed --attachments 0 --jobs 1)
(cd "$root" && cargo run -q -p sigaudit-corpus --release -- --out "$tmp/attacks" --docs 20 \
    --seed 8 --profile attacks --attachments 0 --jobs 1)

inputs=("$tmp/mixed/docs" "$tmp/attacks/docs" "$tmp/mixed/pki/crls" "$tmp/attacks/pki/crls")
[ -d "$real" ] && inputs+=("$real") || echo "no $real: real documents skipped" >&2

for t in pdf_read xref verify; do
    mkdir -p "$here/corpus/$t"
    find "${inputs[@]}" -type f -name '*.pdf' -size -1025k -print0 |
        while IFS= read -r -d '' f; do
            cp "$f" "$here/corpus/$t/$(sha256sum "$f" | cut -c1-16)"
        done
done
(cd "$here" && cargo run -q --release -p sigaudit-fuzz-seeds -- "$here/corpus" "${inputs[@]}")
