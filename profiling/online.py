#!/usr/bin/env python3
"""Online: what fetching costs when documents carry only the signer's certificate.

    python3 profiling/online.py [--docs 10000] [--latency 50] [--runs 3] [--out target/profiling]

Generates (once) a national corpus of DOCS documents with `--revocation none --chain leaf` (like
the real government documents: no intermediate, no CRL, no OCSP, no DSS in them) whose URLs point
at a loopback port, serves its `pki/www` and OCSP with `sigaudit-corpus serve --latency MS`, and
verifies the documents, all cores, in these ways (each `--runs` times, median reported; the
runs of the ways alternate so that the machine's drift touches them alike):

- `given`: offline, the CRLs and intermediates given with `--crl`/`--certs` (the baseline);
- `online-crl`: `--online --prefer crl`, a fresh cache directory each run (cold);
- `online-ocsp`: `--online --prefer ocsp`, fresh cache (cold): one OCSP request per signer
  certificate instead of one CRL per issuer;
- `warm`: `--online` on the cache the previous `online-crl` run filled (must make no request).

Each run's statuses must equal the manifest's (checked before any speed is quoted). Requests are
counted from the server's log; distinct URLs are the distinct paths requested. Writes
OUT/online.json and OUT/online.md and prints the markdown.

profiling/compare.py's `online` class imports the corpus arguments, the server and the ways'
options from here (corpus_args, serve, stop, requests_since, material).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIGAUDIT = os.environ.get("SIGAUDIT_BIN") or os.path.join(ROOT, "target", "release", "sigaudit")
GENERATOR = os.path.join(ROOT, "target", "release", "sigaudit-corpus")
AT = "2026-07-01T00:00:00Z"
# A fixed port: the certificates of the generated corpus name it.
PORT = 18473


def corpus_args(docs: int, seed: int = 7, port: int = PORT) -> list[str]:
    """The generator's arguments (after `--out DIR`) of an online corpus: national documents
    without attachments, `--revocation none --chain leaf`, URLs on loopback port `port`
    (profiling/compare.py's `online` class uses them too)."""
    return ["--docs", str(docs), "--seed", str(seed), "--profile", "national", "--attachments", "0",
            "--revocation", "none", "--chain", "leaf", "--base-url", f"http://127.0.0.1:{port}/"]


def generate(out: str, docs: int) -> dict[str, str]:
    stamp = os.path.join(out, "online-params.json")
    want = {"docs": docs, "port": PORT, "modes": "none/leaf"}
    if not (os.path.exists(stamp) and json.load(open(stamp)) == want):
        if os.path.exists(stamp):
            os.remove(stamp)
        subprocess.run([GENERATOR, "--out", out] + corpus_args(docs), check=True, stdout=subprocess.DEVNULL)
        json.dump(want, open(stamp, "w"))
    manifest = {}
    for line in open(os.path.join(out, "manifest.jsonl")):
        d = json.loads(line)
        manifest[os.path.basename(d["name"])] = d["status"]
    return manifest


def serve(out: str, latency: int, log: str, generator: str = GENERATOR, port: int = PORT) -> subprocess.Popen:
    """`sigaudit-corpus serve` on the corpus `out` (its pki/www and OCSP), every answer
    `latency` ms late, one line per request appended to `log` (emptied first); returns once
    it listens. Stop it with `stop`."""
    if os.path.exists(log):
        os.remove(log)
    proc = subprocess.Popen(
        [generator, "serve", out, "--listen", f"127.0.0.1:{port}", "--latency", str(latency),
         "--log", log, "--for", "3600"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    proc.stdout.readline()  # "listening on …"
    return proc


def stop(server: subprocess.Popen) -> None:
    """Stops a server started by `serve`."""
    server.terminate()
    server.wait(timeout=30)
    server.stdout.close()


def log_lines(log: str) -> list[str]:
    try:
        return open(log).read().splitlines()
    except FileNotFoundError:
        return []


def requests_since(log: str, before: int) -> dict[str, int]:
    """The requests the server logged after its first `before` lines: how many, and how
    many distinct paths."""
    lines = log_lines(log)[before:]
    return {"requests": len(lines), "distinct": len({r.split()[1] for r in lines if len(r.split()) > 1})}


def material(out: str, way: str, cache: str | None) -> list[str]:
    """sigaudit's options besides the trust anchors for a way of verifying corpus `out`:
    `given` (its CRLs and intermediates), `online-crl` / `warm` (fetch from loopback into
    `cache`), `online-ocsp` (the same, OCSP first)."""
    if way == "given":
        return ["--certs", os.path.join(out, "pki", "intermediates"), "--crl", os.path.join(out, "pki", "crls")]
    args = ["--online", "--fetch-allow", "127.0.0.1", "--cache", cache]
    return args + (["--prefer", "ocsp"] if way == "online-ocsp" else [])


def run_once(out: str, way: str, cache: str, log: str) -> dict:
    report = os.path.join(out, f"report-{way}.jsonl")
    summary = os.path.join(out, f"summary-{way}.json")
    cmd = [SIGAUDIT, "verify", os.path.join(out, "docs"), "--trust", os.path.join(out, "pki", "roots"),
           "--at", AT, "--report", report, "--summary", summary] + material(out, way, cache)
    before = len(log_lines(log))
    started = time.monotonic()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    statuses = {}
    for line in open(report):
        d = json.loads(line)
        statuses[os.path.basename(d["name"])] = d["status"]
    s = json.load(open(summary))
    return {"seconds": seconds, "docs_per_s": s["documents"] / seconds, **requests_since(log, before),
            "statuses": statuses, "fetch": s.get("fetch")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=10000)
    ap.add_argument("--latency", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "profiling"))
    args = ap.parse_args()
    out = os.path.join(args.out, f"online-{args.docs}")
    os.makedirs(out, exist_ok=True)
    manifest = generate(out, args.docs)
    log = os.path.join(out, "serve.log")
    server = serve(out, args.latency, log)
    results: dict[str, list] = {w: [] for w in ["given", "online-crl", "warm", "online-ocsp"]}
    try:
        for i in range(args.runs):
            cold = os.path.join(out, f"cache-{i}")
            ocsp_cache = os.path.join(out, f"cache-ocsp-{i}")
            for path in (cold, ocsp_cache):
                shutil.rmtree(path, ignore_errors=True)
            for way, cache in [("given", ""), ("online-crl", cold), ("warm", cold),
                               ("online-ocsp", ocsp_cache)]:
                r = run_once(out, way, cache, log)
                bad = [n for n, s in manifest.items() if r["statuses"].get(n) != s]
                if bad:
                    sys.exit(f"{way}: {len(bad)} documents differ from the manifest, e.g. {bad[:3]}")
                del r["statuses"]
                results[way].append(r)
                print(f"run {i + 1} {way}: {r['docs_per_s']:.0f} documents/s, "
                      f"{r['requests']} requests", file=sys.stderr)
    finally:
        stop(server)
    table(args, results)


def table(args, results) -> None:
    med = {w: statistics.median(r["docs_per_s"] for r in rs) for w, rs in results.items()}
    rows = []
    for way, rs in results.items():
        reqs = statistics.median(r["requests"] for r in rs)
        distinct = statistics.median(r["distinct"] for r in rs)
        wait = statistics.median(
            (r["fetch"] or {}).get("wait", {}).get("secs", 0)
            + (r["fetch"] or {}).get("wait", {}).get("nanos", 0) / 1e9 for r in rs)
        rows.append(f"| {way} | {med[way]:,.0f} | {med[way] / med['given'] * 100:.0f} % "
                    f"| {reqs:,.0f} | {distinct:,.0f} | {wait:.1f} |")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
               platform.processor())
    md = (f"Online, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {cpu}, {os.cpu_count()} cores; "
          f"{args.docs:,} national documents `--revocation none --chain leaf`, server latency "
          f"{args.latency} ms per request; median of {args.runs} runs, every run's statuses equal to "
          "the manifest.\n\n"
          "| run | docs/s | of `given` | requests | distinct URLs | s waiting (sum over requests) |\n"
          "|---|---:|---:|---:|---:|---:|\n" + "\n".join(rows) + "\n")
    print(md)
    with open(os.path.join(args.out, "online.md"), "w") as fh:
        fh.write(md)
    with open(os.path.join(args.out, "online.json"), "w") as fh:
        json.dump({"docs": args.docs, "latency_ms": args.latency, "results": results}, fh, indent=1)


if __name__ == "__main__":
    main()
