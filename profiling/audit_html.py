#!/usr/bin/env python3
"""What `sigaudit report --html` costs on a national-size report: a 1,000,000-line JSONL made
by repeating the lines of a real run (the bundled sample corpus, 32 documents of every
verdict) under distinct names, read into one page, three times.

    python3 profiling/audit_html.py [--lines 1000000] [--runs 3] [--out DIR] [--keep]

Prints the report's size, the median wall time of the runs and the peak RSS of each
(/usr/bin/time -f %M), and writes DIR/audit_html.json. The issue's budget: under a minute,
in memory that does not grow with the report. The report (about 6.4 GB at a million lines) is
removed afterwards unless --keep.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIGAUDIT = os.path.join(ROOT, "target", "release", "sigaudit")


def sample_run(out: str) -> list:
    """The sample corpus verified: its report lines."""
    pki = os.path.join(ROOT, "corpus", "sample", "pki")
    report = os.path.join(out, "sample.jsonl")
    p = subprocess.run(
        [SIGAUDIT, "verify", os.path.join(ROOT, "corpus", "sample", "docs"),
         "--trust", os.path.join(pki, "roots"), "--certs", os.path.join(pki, "intermediates"),
         "--crl", os.path.join(pki, "crls"), "--at", "2026-07-01T00:00:00Z", "--ordered",
         "--report", report, "--summary", os.path.join(out, "summary.json")],
        stderr=subprocess.PIPE, text=True)
    if p.returncode not in (0, 1):
        raise SystemExit(f"sigaudit verify failed: {p.stderr}")
    with open(report, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def write_big(path: str, lines: list, count: int) -> dict:
    """`count` lines repeating `lines`, each under a distinct name; the statuses written."""
    marker = '"name":"'
    heads, tails, statuses = [], [], []
    for line in lines:
        at = line.index(marker) + len(marker)
        heads.append(line[:at].encode())
        tails.append(line[at:].encode() + b"\n")
        statuses.append(json.loads(line)["status"])
    by_status = {}
    with open(path, "wb", buffering=1 << 22) as f:
        for i in range(count):
            k = i % len(lines)
            f.write(heads[k] + b"batch-%07d/" % i + tails[k])
            by_status[statuses[k]] = by_status.get(statuses[k], 0) + 1
    return by_status


def run_once(report: str, summary: str, page: str) -> dict:
    cmd = ["/usr/bin/time", "-f", "%M", SIGAUDIT, "report", report, "--summary", summary,
           "--html", page]
    start = time.monotonic()
    p = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - start
    if p.returncode != 0:
        raise SystemExit(f"sigaudit report failed: {p.stderr}")
    return {"seconds": wall, "peak_rss_mb": int(p.stderr.strip().splitlines()[-1]) / 1024}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "profiling-runs", "audit_html"))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    lines = sample_run(args.out)
    big = os.path.join(args.out, f"report-{args.lines}.jsonl")
    by_status = write_big(big, lines, args.lines)
    size = os.path.getsize(big)
    page = os.path.join(args.out, "report.html")
    try:
        runs = [run_once(big, os.path.join(args.out, "summary.json"), page)
                for _ in range(args.runs)]
    finally:
        if not args.keep:
            os.remove(big)
    with open(page, encoding="utf-8") as f:
        html = f.read()
    passed = by_status.get("TOTAL_PASSED", 0)
    shown = f'id="total-TOTAL_PASSED">{passed:,}<'
    if shown not in html:
        raise SystemExit(f"the page does not show {passed:,} passed documents")
    result = {
        "lines": args.lines,
        "report_bytes": size,
        "page_bytes": len(html.encode()),
        "runs": runs,
        "median_seconds": statistics.median(r["seconds"] for r in runs),
        "max_peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "date": time.strftime("%Y-%m-%d"),
    }
    with open(os.path.join(args.out, "audit_html.json"), "w") as f:
        json.dump(result, f, indent=2)
    each = ", ".join(f"{r['seconds']:.1f} s / {r['peak_rss_mb']:.0f} MB" for r in runs)
    print(f"{args.lines:,} lines, {size / 1e9:.2f} GB -> a {result['page_bytes'] / 1e6:.1f} MB page: "
          f"median {result['median_seconds']:.1f} s ({size / 1e6 / result['median_seconds']:.0f} MB/s), "
          f"peak RSS {result['max_peak_rss_mb']:.0f} MB "
          f"(runs: {each})")


if __name__ == "__main__":
    main()
