#!/usr/bin/env python3
"""Scale: does sigaudit keep its rate, and its memory, as the archive grows?

    python3 profiling/scale.py [--sizes 1000,10000,100000] [--runs 3] [--out target/profiling]

For each size N this generates (once; generation is deterministic, an existing corpus with the
same manifest is reused) a national-profile corpus of N documents, written straight into one tar
archive (`--tar-only`: no copy of the documents as files),
then verifies the tar `--runs` times with all cores and reports the median run:
documents/s, signatures/s, MB/s, peak RSS (from /usr/bin/time), cache hit rates, and whether
every document's status equals the generator's manifest (checked on every run before any speed
is quoted). Before the timed runs the archive is read once, so that each size starts from the
page cache as far as memory allows; the archive's size and a plain sequential read rate of the
archive (`cat` into /dev/null, same run) are reported beside the rates, because an archive larger
than the page cache makes the disk the limit.

The attachments are `--attachments` (default: seven documents in ten without one, the others
16 KiB, 64 KiB or 256 KiB). The generator's realistic `mix` (up to 50 MiB, a mean of about
0.5 MB per document) makes the 100,000-document archive about 55 GB: more than a 24 GiB
machine's page cache and than the free disk of the machine these numbers come from; this
measurement is about the engine as the archive grows (caches, memory, the pipeline), which
a disk-bound run would hide. Large documents are measured by the classes of compare.py.

With `--signers 300,20000` each size is generated once per number of distinct signer
certificates (the generator's `--signers`): the same documents signed under 300 or 20,000
certificates, so that the caches meet as many certificates as a national CA has issued. Every
run's resident memory is sampled (VmRSS from /proc, every 0.25 s) and the timeline is reported
at each tenth of the run beside the peak, so that "flat after warm-up" can be read off; the
cache evictions of the summary are reported too.

Writes OUT/scale.json and OUT/scale.md and prints the markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# SIGAUDIT_BIN: another build to measure (e.g. the previous release, for a before/after table).
SIGAUDIT = os.environ.get("SIGAUDIT_BIN") or os.path.join(ROOT, "target", "release", "sigaudit")
GENERATOR = os.path.join(ROOT, "target", "release", "sigaudit-corpus")
AT = "2026-07-01T00:00:00Z"  # the generator's validation time


def generate(out_dir: str, docs: int, seed: int, attachments: str, signers: int,
             profile: str = "national") -> None:
    """Generates the corpus unless OUT_DIR already holds it (same parameters, complete)."""
    params = {"docs": docs, "seed": seed, "attachments": attachments, "profile": profile,
              "signers": signers}
    # Not params.json: the generator writes that file itself (its modes and base URL).
    stamp = os.path.join(out_dir, "scale-params.json")
    if os.path.exists(stamp) and os.path.exists(os.path.join(out_dir, "archive.tar")):
        with open(stamp, encoding="utf-8") as fh:
            if json.load(fh) == params:
                return
    # The stamp goes first: a generation cut short (a full disk, a kill) must not leave a
    # partial archive under a stamp that says it is complete.
    if os.path.exists(stamp):
        os.remove(stamp)
    subprocess.run(
        [GENERATOR, "--out", out_dir, "--docs", str(docs), "--seed", str(seed),
         "--attachments", attachments, "--signers", str(signers), "--profile", profile,
         "--tar-only"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    with open(stamp, "w", encoding="utf-8") as fh:
        json.dump(params, fh)


def expected_statuses(out_dir: str) -> dict[str, str]:
    """Document name (file name) -> status, from the manifest."""
    out = {}
    with open(os.path.join(out_dir, "manifest.jsonl"), encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            out[os.path.basename(d["name"])] = d["status"]
    return out


def read_rate(path: str) -> float:
    """MB/s of one sequential read of PATH into /dev/null."""
    start = time.perf_counter()
    subprocess.run(["cat", path], check=True, stdout=subprocess.DEVNULL)
    return os.path.getsize(path) / 1e6 / (time.perf_counter() - start)


def sample_rss(pid: int, samples: list, stop: threading.Event) -> None:
    """Appends (seconds since start, VmRSS in MB) of process PID every 0.25 s until STOP."""
    start = time.perf_counter()
    while not stop.is_set():
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        samples.append((time.perf_counter() - start, int(line.split()[1]) / 1024))
        except OSError:
            return
        stop.wait(0.25)


def timeline(samples: list, points: int = 10) -> list:
    """The RSS (MB) at each tenth of the run: the largest sample within each tenth."""
    if not samples:
        return []
    end = samples[-1][0] or 1
    out = []
    for k in range(points):
        lo, hi = end * k / points, end * (k + 1) / points
        inside = [mb for t, mb in samples if lo <= t <= hi]
        out.append(round(max(inside), 1) if inside else None)
    return out


def verify_once(out_dir: str, expected: dict[str, str]) -> dict:
    """One timed sigaudit run over the tar; returns its summary, peak RSS and mismatches."""
    pki = os.path.join(out_dir, "pki")
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.jsonl")
        summary = os.path.join(tmp, "summary.json")
        rss = os.path.join(tmp, "rss")
        cmd = [
            "/usr/bin/time", "-f", "%M", "-o", rss,
            SIGAUDIT, "verify", os.path.join(out_dir, "archive.tar"),
            "--trust", os.path.join(pki, "roots"),
            "--certs", os.path.join(pki, "intermediates"),
            "--crl", os.path.join(pki, "crls"),
            "--at", AT,
            "--report", report, "--summary", summary,
        ]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples: list = []
        stop = threading.Event()
        sampler = None
        # /usr/bin/time's child is sigaudit: sample it once it exists.
        for _ in range(200):
            kids = open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split()
            if kids:
                sampler = threading.Thread(target=sample_rss, args=(int(kids[0]), samples, stop))
                sampler.start()
                break
            time.sleep(0.005)
        _, stderr = proc.communicate()
        stop.set()
        if sampler:
            sampler.join()
        if proc.returncode not in (0, 1):
            sys.exit(f"sigaudit failed ({proc.returncode}): {stderr.decode()[-2000:]}")
        with open(summary, encoding="utf-8") as fh:
            s = json.load(fh)
        with open(rss, encoding="utf-8") as fh:
            peak_kb = int(fh.read().split()[-1])
        got = {}
        with open(report, encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                got[os.path.basename(d["name"])] = d["status"]
    mismatches = [
        (name, want, got.get(name)) for name, want in expected.items() if got.get(name) != want
    ]
    extra = sorted(set(got) - set(expected))
    return {
        "seconds": s["seconds"],
        "documents": s["documents"],
        "signatures": s["signatures"],
        "bytes": s["bytes"],
        "documents_per_second": s["documents_per_second"],
        "signatures_per_second": s["signatures_per_second"],
        "mb_per_second": s["mb_per_second"],
        "cache_hit_rates": s["cache_hit_rates"],
        "cache_evictions": {k: v.get("evictions", 0) for k, v in s["caches"].items()},
        "peak_rss_mb": peak_kb / 1024,
        "rss_timeline_mb": timeline(samples),
        "mismatches": mismatches[:20],
        "mismatch_count": len(mismatches),
        "unexpected_documents": extra[:20],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--attachments", default="0,0,0,0,0,0,0,16K,64K,256K")
    ap.add_argument("--signers", default="300",
                    help="distinct signer certificates, a list: one corpus per size and count")
    ap.add_argument("--generate-only", action="store_true", help="generate the corpora, measure nothing")
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "profiling-runs"))
    ap.add_argument("--label", default="", help="suffix of the output files (scale-LABEL.md)")
    ap.add_argument("--profile", default="national",
                    help="the generator's profile (benchmark: every document valid, six signatures)")
    args = ap.parse_args()

    rows = []
    for n, signers in (
        (int(x), int(y)) for x in args.sizes.split(",") for y in args.signers.split(",")
    ):
        name = f"scale-{n}" + ("" if signers == 300 else f"-s{signers}")
        if args.profile != "national":
            name += f"-{args.profile}"
        if args.attachments != ap.get_default("attachments"):
            name += "-a" + args.attachments.replace(",", "_")
        out_dir = os.path.join(args.out, name)
        generate(out_dir, n, args.seed, args.attachments, signers, args.profile)
        if args.generate_only:
            continue
        expected = expected_statuses(out_dir)
        tar = os.path.join(out_dir, "archive.tar")
        rate = read_rate(tar)
        runs = [verify_once(out_dir, expected) for _ in range(args.runs)]
        bad = [r for r in runs if r["mismatch_count"] or r["unexpected_documents"]]
        if bad:
            print(json.dumps(bad[0], indent=1))
            sys.exit(f"{n} documents: sigaudit disagrees with the manifest; no speed reported")
        med = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
        rows.append(
            {
                "documents": n,
                "signers": signers,
                "archive_gb": os.path.getsize(tar) / 1e9,
                "cat_mb_per_second": rate,
                "runs": runs,
                "median": med,
                "peak_rss_mb_max": max(r["peak_rss_mb"] for r in runs),
            }
        )
        print(f"{n} ({signers} signers): {med['documents_per_second']:.0f} documents/s",
              file=sys.stderr)

    if args.generate_only:
        return
    machine = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu": next(
            (l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
            platform.processor(),
        ),
        "cores": os.cpu_count(),
        "memory_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
    }
    md = [
        f"Scale, {machine['date']}, {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gb']:.0f} GiB; {args.profile} profile, attachments {args.attachments}, "
        f"one tar; median of {args.runs} runs, every run's statuses equal to the manifest; "
        f"binary {SIGAUDIT}.",
        "",
        "| documents | signers | archive GB | docs/s | sigs/s | MB/s | `cat` MB/s | peak RSS MB "
        "| cache hits (certificates / paths / CRL signatures) | evictions |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        m = r["median"]
        h = m["cache_hit_rates"]
        hits = " / ".join(
            f"{100 * h[k]:.2f} %" if k in h else "–" for k in ("certificates", "paths", "crl_signatures")
        )
        md.append(
            f"| {r['documents']:,} | {r['signers']:,} | {r['archive_gb']:.1f} "
            f"| {m['documents_per_second']:,.0f} "
            f"| {m['signatures_per_second']:,.0f} | {m['mb_per_second']:,.0f} "
            f"| {r['cat_mb_per_second']:,.0f} | {r['peak_rss_mb_max']:.0f} | {hits} "
            f"| {sum(m['cache_evictions'].values()):,} |"
        )
    md += [
        "",
        "Resident memory (MB) of the median run, the largest sample in each tenth of the run:",
        "",
        "| documents | signers | " + " | ".join(f"{10 * k}–{10 * k + 10} %" for k in range(10)) + " |",
        "|---:|---:|" + "---:|" * 10,
    ]
    for r in rows:
        tl = r["median"]["rss_timeline_mb"]
        md.append(
            f"| {r['documents']:,} | {r['signers']:,} | "
            + " | ".join("–" if v is None else f"{v:.0f}" for v in tl) + " |"
        )
    text = "\n".join(md) + "\n"
    os.makedirs(args.out, exist_ok=True)
    stem = "scale" + (f"-{args.label}" if args.label else "")
    with open(os.path.join(args.out, stem + ".json"), "w", encoding="utf-8") as fh:
        json.dump({"machine": machine, "binary": SIGAUDIT, "profile": args.profile, "rows": rows},
                  fh, indent=1)
    with open(os.path.join(args.out, stem + ".md"), "w", encoding="utf-8") as fh:
        fh.write(text)
    print(text)


if __name__ == "__main__":
    main()
