#!/usr/bin/env bash
# Regenerates the seed corpora under fuzz/corpus/ (before `cargo fuzz cmin`, see README.md):
# - pdf_read, xref, verify: PDFs up to 1 MiB from ../shared/corpus/real (read in place) and
#   from two small generated corpora (mixed and attacks profiles) in a temporary directory;
# - cms: every signature's /Contents from those PDFs;
# - crl_ocsp: the generated PKIs' CRLs and the CRLs/OCSP responses in DSS streams and CMS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
real="$root/../shared/corpus/real"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

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
