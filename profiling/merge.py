#!/usr/bin/env python3
"""What `sigaudit merge` costs at scale: time and peak memory for merging the reports of an
audit's shards, against reading the same bytes (the machine's limit: a merge reads every
report twice, once to check it and once to merge it), in one run.

    python3 profiling/merge.py [--lines 10000000] [--shards 8] [--sorted-lines 1000000]
                               [--runs 3] [--out DIR]

The shard reports are synthesised, not verified (verifying ten million documents would take
hours): each shard's header and summary come from a real `verify --shard K/N` run over the
bundled sample, and its document lines from one real line of that run (a document with one
signature, ~1.2 KB) under ten million names, each in the shard the partition puts it in, in
input order (what a shard run with --ordered writes). Three merges are timed:

- `--ordered` over all lines: a streaming k-way merge (no sort);
- by input and name over all lines: the names are numbered, so the reports are in that order
  too, and again no sort is needed;
- by input and name over `--sorted-lines` lines whose reports are in completion order (the
  default of a shard run): sorted in chunks spilled to disk, then merged.

Writes DIR/merge.json and prints the medians.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIGAUDIT = os.path.join(ROOT, "target", "release", "sigaudit")
SAMPLE = os.path.join(ROOT, "corpus", "sample")
INPUT = "archive"


def real_shard_reports(work: str, shards: int) -> list:
    """(header, template line, trailer) of real shard runs over the sample."""
    out = []
    for k in range(1, shards + 1):
        report = os.path.join(work, f"real-{k}.jsonl")
        subprocess.run(
            [SIGAUDIT, "verify", os.path.join(SAMPLE, "docs"), "--trust",
             os.path.join(SAMPLE, "pki", "roots"), "--certs",
             os.path.join(SAMPLE, "pki", "intermediates"), "--crl",
             os.path.join(SAMPLE, "pki", "crls"), "--at", "2026-07-01T00:00:00Z",
             "--shard", f"{k}/{shards}", "--report", report],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(report) as f:
            lines = f.read().splitlines()
        header = json.loads(lines[0])
        header["sigaudit_run"]["inputs"] = [INPUT]
        out.append((json.dumps(header, separators=(",", ":")), lines[1:-1], lines[-1]))
    return out


def template(lines: list) -> str:
    """One real document line cut to its first signature, with the place of its name marked."""
    doc = json.loads("{" + lines[0].split(",", 1)[1])
    doc["signatures"] = doc["signatures"][:1]
    doc["policy"]["findings"] = doc["policy"]["findings"][:1]
    doc["input"] = INPUT
    doc["name"] = "@NAME@"
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def shard_of(name: str, count: int) -> int:
    identity = name[len(INPUT) + 1:]
    h = int.from_bytes(hashlib.sha256(identity.encode()).digest()[:8], "big")
    return h % count + 1


def write_shards(work: str, real: list, lines: int, shuffled: bool, tag: str) -> list:
    shards = len(real)
    body = template(real[0][1])
    head, tail = body.split("@NAME@")
    paths = [os.path.join(work, f"{tag}-{k}-of-{shards}.jsonl") for k in range(1, shards + 1)]
    files = [open(p, "w", buffering=1 << 22) for p in paths]
    for f, (header, _, _) in zip(files, real):
        f.write(header + "\n")
    buffers = [[] for _ in range(shards)]
    for i in range(lines):
        name = f"{INPUT}/docs/{i:09d}.pdf"
        k = shard_of(name, shards)
        buffers[k - 1].append(f'{{"position":{i},{head[1:]}{name}{tail}\n')
        if len(buffers[k - 1]) >= 4096:
            chunk = buffers[k - 1]
            if shuffled:
                random.shuffle(chunk)
            files[k - 1].write("".join(chunk))
            buffers[k - 1] = []
    for f, chunk, (_, _, trailer) in zip(files, buffers, real):
        if shuffled:
            random.shuffle(chunk)
        f.write("".join(chunk))
        f.write(trailer + "\n")
        f.close()
    return paths


def timed(cmd: list) -> tuple:
    """Wall seconds and peak RSS (KiB, from /usr/bin/time) of one run."""
    started = time.monotonic()
    run = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - started
    if run.returncode != 0:
        raise SystemExit(f"{cmd[:2]} failed: {run.stderr[-2000:]}")
    return wall, int(run.stderr.strip().splitlines()[-1])


def read_twice(paths: list) -> float:
    started = time.monotonic()
    for _ in range(2):
        for p in paths:
            with open(p, "rb") as f:
                while f.read(1 << 22):
                    pass
    return time.monotonic() - started


def measure(paths: list, extra: list, runs: int, work: str) -> dict:
    walls, rss, reads = [], [], []
    for _ in range(runs):
        reads.append(read_twice(paths))
        w, m = timed([SIGAUDIT, "merge", *paths, *extra, "--temp-dir", work])
        walls.append(w)
        rss.append(m)
    size = sum(os.path.getsize(p) for p in paths)
    lines = sum(1 for p in paths for _ in open(p, "rb")) - 2 * len(paths)
    wall, read = statistics.median(walls), statistics.median(reads)
    return {
        "lines": lines, "bytes": size, "wall_s": walls, "median_s": wall,
        "lines_per_s": lines / wall, "mb_per_s": size / 1e6 / wall,
        "peak_rss_mib": max(rss) / 1024, "read_twice_s": read,
        "ratio_to_reading_twice": read / wall,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--sorted-lines", type=int, default=1_000_000)
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "profiling-runs", "merge"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="merge-", dir=args.out)
    try:
        real = real_shard_reports(work, args.shards)
        random.seed(21)
        results = {}
        ordered = write_shards(work, real, args.lines, False, "ordered")
        results["ordered"] = measure(ordered, ["--ordered"], args.runs, work)
        results["by_name"] = measure(ordered, [], args.runs, work)
        for p in ordered:
            os.remove(p)
        shuffled = write_shards(work, real, args.sorted_lines, True, "completion")
        results["by_name_sorted"] = measure(shuffled, [], args.runs, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with open(os.path.join(args.out, "merge.json"), "w") as f:
        json.dump(results, f, indent=2)
    for k, r in results.items():
        print(f"{k}: {r['lines']:,} lines, {r['bytes'] / 1e9:.2f} GB: median {r['median_s']:.1f} s "
              f"({r['lines_per_s']:,.0f} lines/s, {r['mb_per_s']:.0f} MB/s), peak RSS "
              f"{r['peak_rss_mib']:.0f} MiB; reading the bytes twice {r['read_twice_s']:.1f} s "
              f"({r['ratio_to_reading_twice']:.2f} of the merge's time)")


if __name__ == "__main__":
    main()
