#!/usr/bin/env python3
"""sigaudit against peer validators, on this machine, in one run.

    profiling/run [--quick] [--classes 0,1M,10M,50M,nat-0,nat-1M,online] [--docs CLASS=N,...]
                  [--peer-docs CLASS=N,...]
    (profiling/run installs what is missing and builds, then runs this script)

Classes (CLASSES): benchmark profile with one attachment of 0, 1M, 10M or 50M in the first
revision (six signatures per document, one document in twenty negative); national profile
without attachments (nat-0, which measures the issue's bar, BAR) or with 1 MiB (nat-1M); and
`online`, national documents with `--revocation none --chain leaf` whose CA certificates and
CRLs sigaudit fetches from a loopback server. For each class this script:

  1. generates the class into target/profiling-runs/class-<name> with a fixed seed, or reuses
     it when its parameters and document count match (generation is deterministic);
  2. reads every document once, so that every tool sees a warm page cache;
  3. runs sigaudit on the whole class three times (median wall and CPU time, peak RSS from
     /usr/bin/time), and checks every report against the generator's manifest (status, and
     each signature's indication/sub_indication): any difference makes the script exit
     non-zero; on the online class, the ways given / online cold / online warm in turn
     (run_online);
  4. runs sigaudit three times on the peers' documents (the first --peer-docs of the class,
     defaults in CLASSES), and once more after each peer: the median of these runs, taken
     under the same load from other processes as the peers', is the speed-up's reference;
  5. runs each peer on those documents with one process per document on all cores (pdfsig,
     openssl) or one API worker per core (pyHanko, endesive), each in a fresh process so that
     its children's peak RSS is its own; a peer whose first run takes under
     REPEAT_UNDER_S seconds runs three times (median), slower ones once;
  6. compares, per signature, what each peer can judge with sigaudit's report and with the
     manifest (rules in AGREEMENT_RULES and NOT_ASSERTED below); a peer that disagrees on any
     document gets no speed-up;
  7. computes the class's own lower bound from the manifest and the machine's primitive
     rates (target/release/examples/primitives, measured just before the class, under the
     same conditions): profile_bound, with its parts; and the benchmark profile's first
     definition (benchmark_bound) for comparison;
  8. on the 0, 10M and 50M classes, measures sigaudit's per-document latency with
     --in-flight 1, on all cores and with --jobs 1, beside one SHA-256 pass over each
     document's bytes on one core (LATENCY_GOAL).

Writes target/profiling-runs/results.json (everything, including every disagreement) and
target/profiling-runs/results.md (printed at the end), which opens with the goals: the bar,
each class's fraction of its bound beside its goal, the latency goal. MB is 10^6 bytes
throughout.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import contextlib
import dataclasses
import datetime
import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(REPO, "corpus", "peers"), os.path.join(REPO, "profiling", "peers")]

import drivers  # noqa: E402 - profiling/peers
import online  # noqa: E402 - profiling/online.py (this script's directory)
import peer_check  # noqa: E402 - corpus/peers

AT = "2026-07-01T00:00:00Z"
AT_EPOCH = int(datetime.datetime(2026, 7, 1, tzinfo=datetime.timezone.utc).timestamp())
PKI_PORT = 18080  # the port of the certificates' CRL distribution points
OUT_DIR = os.path.join(REPO, "target", "profiling-runs")  # target/profiling/ holds the `profiling` cargo profile


@dataclasses.dataclass
class ClassSpec:
    """One corpus class: its name, the generator's profile and attachment size, seed,
    documents for sigaudit and for the peers (0: no peers), the goal of its fraction of the
    lower bound, and whether it is verified online."""

    size: str
    seed: int
    docs: int
    peer_docs: int
    profile: str = "benchmark"
    attachments: str = ""
    goal: float | None = 0.75
    online: bool = False

    def __post_init__(self):
        self.attachments = self.attachments or self.size


# Peers' document counts: pyHanko, the slowest peer, takes ~0.25 s of CPU per document;
# these make a full run about 15 minutes on 2 idle cores. Seeds: the peers' documents of
# every class, --quick's too, hold negative cases (seed 104 put none among 40 documents).
# nat-0's 1,000 peer documents are the issue's bar (sigaudit at least 30x pdfsig + trust).
CLASSES = [ClassSpec("0", 101, 4000, 1000), ClassSpec("1M", 102, 1000, 400),
           ClassSpec("10M", 103, 150, 150), ClassSpec("50M", 112, 40, 40),
           ClassSpec("nat-0", 121, 4000, 1000, "national", "0", 0.70),
           ClassSpec("nat-1M", 122, 1000, 300, "national", "1M", 0.80),
           ClassSpec("online", 7, 2000, 0, "national", "0", None, online=True)]
QUICK_DIVISOR = 5
LATENCY_CLASSES = ("0", "10M", "50M")
# The issue's latency goal: with --in-flight 1, a 50 MB document's p99 within 15 % of one
# SHA-256 pass over its bytes on one core.
LATENCY_GOAL = {"50M": 1.15}
# The issue's bar: on 1,000 national documents without attachments, sigaudit at least 30x
# pdfsig with an NSS trust database, both on all cores, measured in one run.
BAR = {"class": "nat-0", "peer": "pdfsig + trust", "docs": 1000, "ratio": 30}
SIGAUDIT_RUNS = 3
PEER_RUNS = 3
REPEAT_UNDER_S = 20.0
MD_DISAGREEMENTS = 40
ONLINE_LATENCY_MS = 50  # the server's delay before every answer (profiling/online.py's default)
PEERS = ("pdfsig -nocert", "pdfsig + trust", "openssl cms", "pyHanko", "endesive")

INTEGRITY_FAILURES = {"HASH_FAILURE", "SIG_CRYPTO_FAILURE"}
# sub-indications saying that no acceptable path to a trust anchor was found
CHAIN_FAILURES = {"NO_CERTIFICATE_CHAIN_FOUND", "NO_SIGNING_CERTIFICATE_FOUND", "CHAIN_CONSTRAINTS_FAILURE",
                  "CERTIFICATE_CHAIN_GENERAL_FAILURE", "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED",
                  "CRYPTO_CONSTRAINTS_FAILURE", "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"}
NEGATIVE_CERT_LINES = {peer_check.CERT_REVOKED, peer_check.CERT_EXPIRED, peer_check.CERT_ISSUER_UNTRUSTED,
                       peer_check.CERT_ISSUER_UNKNOWN}

# What each peer is asked, per signature, and what the truth (manifest or sigaudit) says.
ASPECTS = {
    "intact": "digest and signature value: intact <=> sub_indication not HASH_FAILURE/SIG_CRYPTO_FAILURE",
    "passes": "full validation (digest, signature, chain, revocation): passes <=> indication TOTAL_PASSED",
    "chain": "a path to the trust anchor was found <=> sub_indication not a chain failure (not asserted on "
             "signatures that fail integrity: their verdict says nothing about the chain)",
}
TOOL_ASPECTS = {
    "pdfsig -nocert": ("intact",),
    "pdfsig + trust": ("passes",),
    "openssl cms": ("passes",),
    "pyHanko": ("passes",),
    "endesive": ("intact", "chain"),
}
AGREEMENT_RULES = {
    "pdfsig -nocert": "intact <=> 'Signature is Valid.' (pdfsig exits 0 even on a digest mismatch: its text is read)",
    "pdfsig + trust": "passes <=> 'Signature is Valid.' and, on pdfsig's first signature, 'Certificate is Trusted.'; "
                      "on later ones, a certificate line that is not revoked/expired/issuer unknown/issuer not "
                      "trusted (poppler 22.12 reports a stale NSS error code after a successful validation, so "
                      "'Trusted' is reliable on the first signature only, negative outcomes on every one); NSS db "
                      "with the root trusted, intermediates and CRLs imported, -no-ocsp",
    "openssl cms": "passes <=> exit 0 of openssl cms -verify -binary -crl_check_all -purpose any -attime <2026-07-01> "
                   "(-CAfile: root and every CRL, -certfile: intermediates), one process per signature",
    "pyHanko": "passes <=> intact, valid, trusted, not revoked and bottom_line (validate_pdf_signature, revocation "
               "mode 'require', CRLs fetched from the loopback server, one ValidationContext per worker, "
               "validation time now); bottom_line holds pyHanko's modification analysis, so a signature whose "
               "later changes pyHanko judges forbidden (peer_check.pyhanko_modifications: the manifest's "
               "modifications where pyHanko reads them alike) is expected not to pass",
    "endesive": "intact <=> hashok and signatureok; chain <=> certok (certvalidator with the root only, no "
                "revocation data: a revoked signer is not asserted as failing); PDFVerifier.verify_signature "
                "on every /ByteRange (endesive.pdf.verify checks only the last signature)",
}

# What no peer's judgment is compared on, and why (national classes; counted per peer in
# results.json as `not_asserted: <key>`).
CRYPTO_CONSTRAINT_FAILURES = {"CRYPTO_CONSTRAINTS_FAILURE", "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"}
POE_CASES = {"revoked_after_timestamp"}
NOT_ASSERTED = {
    "document timestamp": "document timestamps (/SubFilter /ETSI.RFC3161): pdfsig does not verify them ('Signature "
                          "has not yet been verified.'), the pyHanko driver calls validate_pdf_signature (which "
                          "refuses a /DocTimeStamp), openssl cms and endesive check a detached signature over the "
                          "ranges while a timestamp token signs its TSTInfo (whose imprint hashes the ranges)",
    "algorithm policy": "`passes`/`chain` of a signature failing sigaudit's algorithm policy (legacy SHA-1, "
                        "CRYPTO_CONSTRAINTS_FAILURE*): the peers have no such policy (`intact` is still compared)",
    "proof of existence": "`passes`/`chain` of the signature whose signer was revoked after its signature timestamp "
                          "(revoked_after_timestamp): TOTAL_PASSED needs the timestamp as proof of existence, which "
                          "none of the peers takes (they say revoked)",
    "chain after an integrity failure": "`chain` of a signature failing integrity (its verdict says nothing of "
                                        "the chain)",
    "refused document": "a peer that refuses a whole document the manifest does not pass (ERROR, or cut short) "
                        "agrees on it without a per-signature judgment; a signature the manifest does not list "
                        "(in a cut revision) is a disagreement only if the peer calls it intact or passing",
}


# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------


def log(msg):
    """Progress on stderr (stdout ends with the markdown)."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def mb(nbytes):
    """Bytes in MB (10^6)."""
    return nbytes / 1e6


def kib_to_mb(kib):
    """ru_maxrss (KiB) in MB (10^6 bytes)."""
    return kib * 1024 / 1e6


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def run_measured(cmd, stdout_path, stderr_path, stdin_path=None):
    """Runs `cmd` with output to files; returns (exit code, wall seconds, CPU seconds (user +
    system), peak RSS KiB).

    The peak RSS comes from /usr/bin/time, not from this process's wait4: Linux records a
    child's high-water RSS at exec from the memory it leaves, and a child spawned (vfork) by
    this large Python process leaves this process's memory, so wait4's ru_maxrss would read
    this script's size (about 250 MB), not the tool's."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss, open(stdout_path, "wb") as out, \
            open(stderr_path, "wb") as err, open(stdin_path or os.devnull, "rb") as inp:
        start = time.monotonic()
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss.name] + list(cmd),
                                stdin=inp, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - start
        peak_kib = int(rss.read().split()[-1])
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, seconds, usage.ru_utime + usage.ru_stime, peak_kib


def cpu_seconds():
    """(CPU seconds the machine spent busy, stolen by the hypervisor, spent by this process
    and its reaped descendants) so far."""
    with open("/proc/stat", encoding="utf-8") as fh:
        f = [int(x) for x in fh.readline().split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    own = sum(getattr(resource.getrusage(who), attr) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
              for attr in ("ru_utime", "ru_stime"))
    return (f[0] + f[1] + f[2] + f[5] + f[6]) / tick, f[7] / tick, own


@contextlib.contextmanager
def foreign_load(out):
    """Fills `out` with the cores kept busy by other processes (and stolen by the
    hypervisor), on average over the block: the noise under a measurement."""
    start, before = time.monotonic(), cpu_seconds()
    yield out
    busy, steal, own = (a - b for a, b in zip(cpu_seconds(), before))
    seconds = time.monotonic() - start
    out.update(other_processes_cores=round(max(0.0, busy - own) / seconds, 2), steal_cores=round(steal / seconds, 2))


def first_line(path):
    """The first line of a text file, stripped."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        return fh.readline().strip()


# ---------------------------------------------------------------------------------------
# Machine, versions, binaries
# ---------------------------------------------------------------------------------------


def binaries():
    """Paths of the release binaries (CARGO_TARGET_DIR is honoured, as cargo does)."""
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target")
    rel = os.path.join(target, "release")
    bins = {"sigaudit": os.path.join(rel, "sigaudit"), "corpus": os.path.join(rel, "sigaudit-corpus"),
            "primitives": os.path.join(rel, "examples", "primitives")}
    missing = [p for p in bins.values() if not os.access(p, os.X_OK)]
    if missing:
        sys.exit(f"compare: missing {missing}: run profiling/run (it builds them)")
    return bins


def command_output(cmd):
    """First line of a command's output (stdout, else stderr), or why there is none."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        lines = (p.stdout.strip() or p.stderr.strip()).splitlines()
        return lines[0] if lines else "(no output)"
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unavailable ({e})"


def machine_info():
    """CPU model, cores, memory, OS, date, and the sigaudit checkout."""
    model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as fh:
        mem_kib = int(fh.readline().split()[1])
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--", "src", "corpus", "Cargo.toml"],
                           capture_output=True, text=True).stdout.strip()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kib * 1024 / 1e9, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": command_output(["git", "-C", REPO, "rev-parse", "HEAD"]),
        "source_modified": bool(dirty),
    }


def tool_versions(bins, endesive_status):
    """Every tool's version line."""
    versions = {
        "sigaudit": command_output([bins["sigaudit"], "--version"]),
        "pdfsig": command_output(["pdfsig", "-v"]),
        "openssl": command_output(["openssl", "version"]),
        "endesive": endesive_status,
    }
    try:
        versions["pyHanko"] = drivers.pyhanko_version()
    except importlib.metadata.PackageNotFoundError as e:
        versions["pyHanko"] = f"not installed ({e})"
    return versions


def endesive_status():
    """(version, note) when endesive imports (with the oscrypto shim if needed), else
    (None, 'not importable: <reason>')."""
    try:
        return drivers.endesive_import()
    except Exception as e:  # noqa: BLE001 - the reason goes into the table
        return None, f"not importable: {type(e).__name__}: {e}"


def primitives(bins):
    """The machine's SHA-256 / RSA-2048 / P-256 rates (ring), single core and all cores."""
    p = subprocess.run([bins["primitives"]], capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


# ---------------------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------------------


def generator_args(spec):
    """The generator's arguments (after --out) of a class."""
    if spec.online:
        return online.corpus_args(spec.docs, spec.seed)
    return ["--docs", str(spec.docs), "--seed", str(spec.seed), "--profile", spec.profile,
            "--attachments", spec.attachments]


def ensure_corpus(bins, spec):
    """The class's corpus directory, generated unless one with the same parameters and
    document count is there. Returns (directory, how it was obtained)."""
    corpus = os.path.join(OUT_DIR, f"class-{spec.size}")
    args = generator_args(spec)
    params = {"docs": spec.docs, "seed": spec.seed, "profile": spec.profile, "attachments": spec.attachments}
    if spec.online:
        params["generator"] = args
    stamp = os.path.join(corpus, "profiling-params.json")
    manifest = os.path.join(corpus, "manifest.jsonl")
    if os.path.exists(stamp) and os.path.exists(manifest):
        with open(stamp, encoding="utf-8") as fh, open(manifest, encoding="utf-8") as mf:
            first = json.loads(mf.readline() or "{}")
            # "path": manifests from before the generator recorded certificate paths are remade
            if json.load(fh) == params and 1 + sum(1 for line in mf if line.strip()) == spec.docs \
                    and all("path" in sig for sig in first.get("signatures", [])):
                return corpus, "reused"
    log(f"class {spec.size}: generating {spec.docs} documents (seed {spec.seed})")
    shutil.rmtree(corpus, ignore_errors=True)
    start = time.monotonic()
    subprocess.run([bins["corpus"], "--out", corpus] + args, check=True, stdout=subprocess.DEVNULL)
    with open(stamp, "w", encoding="utf-8") as fh:
        json.dump(params, fh)
    return corpus, f"generated in {time.monotonic() - start:.1f} s"


def load_manifest(corpus):
    """Manifest entries in document order."""
    with open(os.path.join(corpus, "manifest.jsonl"), encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def warm_page_cache(corpus, entries):
    """Reads every document once (like cat > /dev/null)."""
    for e in entries:
        with open(os.path.join(corpus, e["name"]), "rb") as fh:
            while fh.read(8 << 20):
                pass


# ---------------------------------------------------------------------------------------
# sigaudit
# ---------------------------------------------------------------------------------------


def run_sigaudit(bins, corpus, entries, whole, extra, tag, runs, first=1, material=None):
    """`runs` runs of sigaudit verify on the documents of `entries` (given as the docs/
    directory when `whole`, else as a list on standard input), each checked against the
    manifest at once. `material`: the options giving the validation material (default: the
    corpus' intermediates and CRLs, online.material's `given`). Returns the command and
    per-run wall and CPU seconds, peak RSS, internal summary and differences from the
    manifest; the first run keeps its reports (keyed by manifest name). Run files are
    numbered from `first`."""
    if material is None:
        material = online.material(corpus, "given", None)
    rundir = os.path.join(OUT_DIR, "runs", os.path.basename(corpus))
    os.makedirs(rundir, exist_ok=True)
    stdin_path = None
    if whole:
        inputs = os.path.join(corpus, "docs")
    else:
        inputs = "-"
        stdin_path = os.path.join(rundir, f"{tag}.list")
        with open(stdin_path, "w", encoding="utf-8") as fh:
            fh.writelines(os.path.join(corpus, e["name"]) + "\n" for e in entries)
    result = {"command": None, "runs": []}
    for i in range(first, first + runs):
        out, err, summary = (os.path.join(rundir, f"{tag}-{i}.{ext}") for ext in ("jsonl", "stderr", "summary.json"))
        cmd = [bins["sigaudit"], "verify", inputs, "--trust", os.path.join(corpus, "pki", "roots")] + material \
            + ["--at", AT, "--summary", summary] + extra
        result["command"] = " ".join(cmd) + (f" < {stdin_path}" if stdin_path else "")
        rc, seconds, cpu, rss = run_measured(cmd, out, err, stdin_path)
        if rc not in (0, 1):
            raise RuntimeError(f"sigaudit exited {rc}: {first_line(err)} (see {err})")
        reports = {}
        with open(out, encoding="utf-8") as fh:
            for line in fh:
                rep = json.loads(line)
                reports[os.path.relpath(rep["name"], corpus)] = rep
        with open(summary, encoding="utf-8") as fh:
            summ = json.load(fh)
        result["runs"].append({"seconds": seconds, "cpu_seconds": cpu, "peak_rss_kib": rss, "exit": rc,
                               "stderr_first_line": first_line(err), "internal_seconds": summ["seconds"],
                               "cache_hit_rates": summ.get("cache_hit_rates"), "fetch": summ.get("fetch"),
                               "mismatches": sigaudit_mismatches(entries, reports, f"{tag}-{i}")})
        if "reports" not in result:
            result["reports"] = reports
    return result


def sigaudit_mismatches(entries, reports, run):
    """Every difference between sigaudit's reports of one run (named `run`) and the
    manifest."""
    out = []
    for e in entries:
        rep = reports.get(e["name"])
        if rep is None:
            out.append({"run": run, "doc": e["name"], "what": "no report", "manifest": e["status"], "sigaudit": None})
            continue
        if rep["status"] != e["status"]:
            out.append({"run": run, "doc": e["name"], "what": "status", "manifest": e["status"],
                        "sigaudit": rep["status"]})
        got = {s["field"]: s for s in rep.get("signatures") or []}
        for ms in e["signatures"]:
            s = got.pop(ms["field"], None)
            want = verdict_text(ms["indication"], ms["sub_indication"])
            have = "absent" if s is None else verdict_text(s["indication"], s["sub_indication"])
            if have != want:
                out.append({"run": run, "doc": e["name"], "what": f"signature {ms['field']}", "manifest": want,
                            "sigaudit": have})
        out += [{"run": run, "doc": e["name"], "what": f"signature {field}", "manifest": "absent",
                 "sigaudit": "reported"} for field in got]
    extra = set(reports) - {e["name"] for e in entries}
    out += [{"run": run, "doc": n, "what": "report", "manifest": "not listed", "sigaudit": "reported"}
            for n in sorted(extra)]
    return out


def mean_load(loads):
    """The mean of several foreign_load measurements."""
    return {k: round(statistics.mean(ld[k] for ld in loads), 2) for k in ("other_processes_cores", "steal_cores")}


def sigaudit_row(result, entries, loads):
    """The table row of sigaudit's runs over `entries`: median wall and CPU time, the
    largest peak RSS."""
    runs = result["runs"]
    return dict(speed(*totals(entries), statistics.median(r["seconds"] for r in runs),
                      statistics.median(r["cpu_seconds"] for r in runs)),
                runs=len(runs), load=mean_load(loads), command=result["command"],
                peak_rss_mb=kib_to_mb(max(r["peak_rss_kib"] for r in runs)),
                run_seconds=[r["seconds"] for r in runs], internal_seconds=[r["internal_seconds"] for r in runs],
                cache_hit_rates=runs[0]["cache_hit_rates"], summary_line=runs[0]["stderr_first_line"])


def latency(bins, corpus, entries, extra, tag, sha_mb_per_s):
    """p50/p99 of sigaudit's per-document elapsed_us with `extra` (one run over the class),
    checked against the manifest too; beside them, one SHA-256 pass over a document's bytes
    on one core (`sha_mb_per_s`, the measured single-core rate) and each document's latency
    over its own pass."""
    res = run_sigaudit(bins, corpus, entries, True, extra, tag, 1)
    run = res["runs"][0]
    sizes = {e["name"]: e["bytes"] for e in entries}
    micros = [r["elapsed_us"] for r in res["reports"].values()]
    sha_ms = {n: mb(b) / sha_mb_per_s * 1e3 for n, b in sizes.items()}
    ratios = [r["elapsed_us"] / 1e3 / sha_ms[n] for n, r in res["reports"].items() if sha_ms.get(n)]
    mean_sha_ms = statistics.mean(sha_ms.values())
    return {"options": " ".join(extra), "docs": len(micros), "p50_ms": percentile(micros, 50) / 1e3,
            "p99_ms": percentile(micros, 99) / 1e3, "max_ms": max(micros) / 1e3, "wall_seconds": run["seconds"],
            "sha256_pass_ms": mean_sha_ms, "p99_over_sha256_pass": percentile(micros, 99) / 1e3 / mean_sha_ms,
            "ratio_p50": percentile(ratios, 50) if ratios else None,
            "ratio_p99": percentile(ratios, 99) if ratios else None,
            "mismatches": run["mismatches"]}


# ---------------------------------------------------------------------------------------
# Peers
# ---------------------------------------------------------------------------------------


def peer_setup(corpus, workdir):
    """Inputs every peer run of a class shares: pdfsig's NSS db (peer_check.make_nss_db),
    openssl's trust files, a directory for openssl's temporary files."""
    notes = []
    nssdir = peer_check.make_nss_db(corpus, notes)
    ca_file, untrusted = drivers.openssl_trust_files(corpus, workdir)
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    return {"nssdir": nssdir, "ca_file": ca_file, "untrusted": untrusted, "attime": AT_EPOCH,
            "tmpdir": shm or workdir, "notes": notes}


def run_peer_once(tool, corpus, paths, jobs, setup):
    """One run of a peer in a fresh process (drivers.run_tool)."""
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as ex:
        return ex.submit(drivers.run_tool, tool, corpus, paths, jobs, setup).result()


def run_peer(tool, corpus, names, jobs, setup):
    """A peer's runs on the documents `names`: the first gives the observations; one under
    REPEAT_UNDER_S seconds is followed by more, and the wall time is the median."""
    paths = [os.path.join(corpus, n) for n in names]
    server = None
    if tool == "pyHanko":
        peer_check.PkiHandler.counts.clear()
        server = peer_check.start_server(corpus, PKI_PORT)
    try:
        runs = [run_peer_once(tool, corpus, paths, jobs, setup)]
        if runs[0]["seconds"] < REPEAT_UNDER_S:
            runs += [run_peer_once(tool, corpus, paths, jobs, setup) for _ in range(PEER_RUNS - 1)]
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
    obs = {os.path.relpath(p, corpus): o for p, o in runs[0]["observations"].items()}
    return {
        "runs": [{k: r[k] for k in ("seconds", "setup_seconds", "cpu_seconds", "peak_rss_kib")} for r in runs],
        "seconds": statistics.median(r["seconds"] for r in runs),
        "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
        "setup_seconds": statistics.median(r["setup_seconds"] for r in runs),
        "peak_rss_kib": max(r["peak_rss_kib"] for r in runs),
        "http": dict(peer_check.PkiHandler.counts) if server else None,
        "observations": obs,
    }


def tool_signatures(tool, obs):
    """A peer's per-signature judgments of one document: {key: {aspect: bool|None, 'said':
    text}}, keyed by field name (pdfsig, pyHanko) or ByteRange tuple (openssl, endesive)."""
    out = {}
    for i, s in enumerate(obs["signatures"]):
        if tool == "pdfsig -nocert":
            out[s["field"]] = {"intact": s["signature"] == peer_check.PDFSIG_VALID, "said": s["signature"]}
        elif tool == "pdfsig + trust":
            valid = s["signature"] == peer_check.PDFSIG_VALID
            if i == 0:
                cert_ok = s["certificate"] == peer_check.CERT_TRUSTED
            else:
                cert_ok = s["certificate"] not in NEGATIVE_CERT_LINES
            out[s["field"]] = {"passes": valid and cert_ok,
                               "said": f"#{i + 1}: {s['signature']} / {s['certificate']}"}
        elif tool == "openssl cms":
            out[tuple(s["byte_range"])] = {"passes": s["rc"] == 0 if s["rc"] is not None else None,
                                           "said": f"exit {s['rc']}: {s['message']}"}
        elif tool == "pyHanko":
            if s["error"]:
                out[s["field"]] = {"passes": None, "said": f"refused: {s['error']}"}
            else:
                out[s["field"]] = {
                    "passes": bool(s["intact"] and s["valid"] and s["trusted"] and not s["revoked"] and s["bottom_line"]),
                    "said": f"intact={s['intact']} valid={s['valid']} trusted={s['trusted']} revoked={s['revoked']} "
                            f"bottom_line={s['bottom_line']} indic={s['indic']}"}
        elif tool == "endesive":
            if s["error"]:
                out[tuple(s["byte_range"])] = {"intact": None, "chain": None, "said": f"error: {s['error']}"}
            else:
                out[tuple(s["byte_range"])] = {
                    "intact": bool(s["hashok"] and s["signatureok"]), "chain": bool(s["certok"]),
                    "said": f"hashok={s['hashok']} signatureok={s['signatureok']} certok={s['certok']}"}
    return out


def expected(aspect, indication, sub_indication):
    """What a verdict implies for an aspect (None: not asserted)."""
    if aspect == "intact":
        return sub_indication not in INTEGRITY_FAILURES
    if aspect == "passes":
        return indication == "TOTAL_PASSED"
    if sub_indication in INTEGRITY_FAILURES:
        return None
    return sub_indication not in CHAIN_FAILURES


def verdict_text(indication, sub_indication):
    """'TOTAL_FAILED/HASH_FAILURE', 'TOTAL_PASSED', ..."""
    return "/".join(filter(None, (indication, sub_indication)))


def not_asserted(tool, entry, ms, aspect):
    """Why a peer's judgment of one aspect of the manifest signature `ms` is not compared
    (a key of NOT_ASSERTED), or None when it is."""
    if ms["subfilter"] == DOC_TIMESTAMP_SUBFILTER:
        return "document timestamp"
    if aspect != "intact" and ms["sub_indication"] in CRYPTO_CONSTRAINT_FAILURES:
        return "algorithm policy"
    if aspect != "intact" and entry["case"] in POE_CASES and f"signature {ms['field']}:" in (entry.get("reason") or ""):
        return "proof of existence"
    if expected(aspect, ms["indication"], ms["sub_indication"]) is None:
        return "chain after an integrity failure"
    return None


def wanted(tool, aspect, entry, index, verdict):
    """What a signature's verdict (manifest's or sigaudit's: indication, sub_indication,
    modifications) implies for a peer's aspect: pyHanko's bottom line also holds its own
    modification analysis, so a signature whose later changes it judges forbidden
    (peer_check.pyhanko_modifications) does not pass there."""
    want = expected(aspect, verdict["indication"], verdict["sub_indication"])
    if tool == "pyHanko" and aspect == "passes" and want:
        ms = dict(entry["signatures"][index], modifications=verdict.get("modifications"))
        want = peer_check.pyhanko_modifications(entry, index, ms) != "forbidden"
    return want


def agreement(tool, entries, reports, observations, size):
    """Compares a peer's judgments with sigaudit's (first run) and the manifest on every
    document it ran on. Returns counts and the list of disagreements."""
    counts = collections.Counter()
    disagreements = []
    for e in entries:
        name = e["name"]
        obs = observations[name]
        sa = {s["field"]: s for s in reports[name].get("signatures") or []}
        bad = []
        judged = tool_signatures(tool, obs)
        if obs["error"] and not judged and e["status"] != "TOTAL_PASSED":
            # Refusing a document the manifest does not pass (an ERROR file, a cut one)
            # is not validating it.
            counts["docs_refused"] += 1
            counts["not_asserted"] += len(e["signatures"]) * len(TOOL_ASPECTS[tool])
            counts["docs_agree"] += 1
            continue
        if obs["error"]:
            bad.append({"field": None, "aspect": "document", "tool_said": obs["error"],
                        "sigaudit_said": reports[name]["status"], "manifest_said": e["status"]})
        for i, ms in enumerate(e["signatures"]):
            key = ms["field"] if tool in ("pdfsig -nocert", "pdfsig + trust", "pyHanko") else tuple(ms["byte_range"])
            ts = judged.pop(key, None)
            ss = sa.get(ms["field"], {"indication": None, "sub_indication": None})
            for aspect in TOOL_ASPECTS[tool]:
                why = not_asserted(tool, e, ms, aspect)
                if why:
                    counts["not_asserted"] += 1
                    counts[f"not_asserted: {why}"] += 1
                    continue
                want = wanted(tool, aspect, e, i, ms)
                got = None if ts is None else ts[aspect]
                if got == want and got == wanted(tool, aspect, e, i, ss):
                    counts["signature_aspects_agree"] += 1
                else:
                    counts["signature_aspects_disagree"] += 1
                    bad.append({"field": ms["field"], "aspect": aspect,
                                "tool_said": "absent" if ts is None else f"{aspect}={got} ({ts['said']})",
                                "sigaudit_said": verdict_text(ss["indication"], ss["sub_indication"]),
                                "manifest_said": verdict_text(ms["indication"], ms["sub_indication"])})
        for key, ts in judged.items():
            # A signature the manifest does not list (in a cut revision, say) that the peer
            # does not call intact or passing is no disagreement (endesive's certok on the
            # cut signature of a truncated document says nothing about it).
            if any(ts.get(aspect) for aspect in ("intact", "passes")):
                bad.append({"field": str(key), "aspect": "extra signature", "tool_said": ts["said"],
                            "sigaudit_said": "not a signature of the manifest", "manifest_said": "absent"})
            else:
                counts["extra_signatures_not_passed"] += 1
        counts["docs_disagree" if bad else "docs_agree"] += 1
        disagreements += [dict(b, **{"class": size, "doc": name, "tool": tool}) for b in bad]
    return dict(counts), disagreements


# ---------------------------------------------------------------------------------------
# Lower bound
# ---------------------------------------------------------------------------------------


def benchmark_bound(entries, prim):
    """The benchmark profile's bound as first defined (the README's earlier numbers use it),
    kept for comparison with the per-profile bound (`profile_bound`): the per-document
    crypto work without caching across documents, priced at the machine's rates: t_doc = bytes/sha256 + RSA signer signatures/rsa + P-256 ones/p256 +
    one leaf-certificate check per signature/rsa + 2 CRL signature checks/rsa; the cached
    bound leaves out the certificate and CRL checks. Bounds in documents/s, with the
    single-core rates times the cores (the definition) and with the measured all-core
    rates (what this machine's cores deliver together)."""
    cores = prim["cores"]
    n = len(entries)
    nbytes = sum(e["bytes"] for e in entries) / n
    kinds = collections.Counter(s["key"] for e in entries for s in e["signatures"])
    rsa = sum(v for k, v in kinds.items() if k.startswith("RSA")) / n
    p256 = kinds.get("ECDSA-P256", 0) / n
    sigs = sum(len(e["signatures"]) for e in entries) / n
    unpriced = {k: v for k, v in kinds.items() if not k.startswith("RSA") and k != "ECDSA-P256"}

    def bounds(sha, rsa_rate, p256_rate, parallel):
        """t_doc (ms) and the bounds (docs/s) at these rates, `parallel` documents at once."""
        cached = mb(nbytes) / sha + rsa / rsa_rate + p256 / p256_rate
        full = cached + (sigs + 2) / rsa_rate
        return {"t_doc_ms": full * 1e3, "t_doc_cached_ms": cached * 1e3,
                "docs_per_s": parallel / full, "docs_per_s_cached": parallel / cached}

    return {
        "mean_bytes": nbytes, "rsa_signatures_per_doc": rsa, "p256_signatures_per_doc": p256,
        "signatures_per_doc": sigs, "unpriced_key_kinds": unpriced,
        "single_core_x_cores": bounds(prim["sha256_mb_per_s"], prim["rsa2048_verify_per_s"],
                                      prim["p256_verify_per_s"], cores),
        "all_cores_measured": bounds(prim["sha256_mb_per_s_all_cores"], prim["rsa2048_verify_per_s_all_cores"],
                                     prim["p256_verify_per_s_all_cores"], 1),
    }


# What the per-profile bound prices, in the order of its parts.
BOUND_PARTS = {
    "signed_bytes": "every byte some /ByteRange covers, hashed once (SHA-256)",
    "cms_signatures": "each CMS signature value, at its signer key's rate",
    "signature_timestamps": "each signature timestamp token's signature, at the TSA key's rate",
    "document_timestamps": "each document timestamp's signature, at the TSA key's rate",
    "dss_recognition": "the DSS streams' raw bytes, hashed once to be recognised (SHA-256)",
    "dss_ocsp": "each distinct DSS OCSP response's signature, once per run",
    "crls": "each distinct CRL's signature (the CAs of every trusted path, the DSS's), once per run",
    "certificate_paths": "each distinct certificate of a trusted path (signer, TSA, intermediate CA) "
                         "checked against its issuer's key, once per run",
}
RATE_OF_KEY = {"RSA-2048": "rsa2048", "RSA-3072": "rsa3072", "RSA-4096": "rsa4096", "ECDSA-P256": "p256"}
DOC_TIMESTAMP_SUBFILTER = "ETSI.RFC3161"


def signed_bytes(entry):
    """Bytes of a document that at least one /ByteRange covers (the union of the ranges)."""
    spans = sorted((a, a + n) for s in entry["signatures"]
                   for a, n in ((s["byte_range"][0], s["byte_range"][1]), (s["byte_range"][2], s["byte_range"][3])))
    total, end = 0, 0
    for a, b in spans:
        if b > end:
            total += b - max(a, end)
            end = b
    return total


def trusted_roots(corpus):
    """File stems of the corpus' trust anchors (pki/roots/<stem>.pem)."""
    return {os.path.splitext(f)[0] for f in os.listdir(os.path.join(corpus, "pki", "roots"))}


def crl_ids(corpus):
    """SHA-256 of each CA's CRL (pki/crls/<ca>.crl) by CA stem: the identity under which a
    path's CRL and the same CRL embedded in a DSS count once."""
    out = {}
    for f in os.listdir(os.path.join(corpus, "pki", "crls")):
        with open(os.path.join(corpus, "pki", "crls", f), "rb") as fh:
            out[os.path.splitext(f)[0]] = hashlib.sha256(fh.read()).hexdigest()
    return out


def add_path(path, roots, crls, certs, crl_keys):
    """Adds what one certificate path needs, once per run, to `certs` (certificate -> the key
    kind that checks it) and `crl_keys` (CRL id -> its signer's key kind); False when the
    path ends at an untrusted root (no path is built, nothing is checked)."""
    issuers = path["issuers"]
    if not issuers or issuers[-1]["ca"] not in roots:
        return False
    certs[path["certificate"]] = issuers[0]["key"]
    for below, above in zip(issuers, issuers[1:]):
        certs["ca:" + below["ca"]] = above["key"]
    for ca in issuers:
        crl_keys[crls.get(ca["ca"], "ca:" + ca["ca"])] = ca["key"]
    return True


def bound_counts(entries, roots, crls):
    """What the documents of `entries` require, from the manifest: per-document work summed
    over the documents, and the distinct items a run checks once."""
    c = {"docs": len(entries), "signed_bytes": 0, "dss_raw_bytes": 0, "untrusted_paths": 0,
         "cms_signatures": collections.Counter(), "signature_timestamps": collections.Counter(),
         "document_timestamps": collections.Counter()}
    certs, crl_keys, ocsp = {}, {}, {}
    for e in entries:
        c["signed_bytes"] += signed_bytes(e)
        for s in e["signatures"]:
            kind = "document_timestamps" if s["subfilter"] == DOC_TIMESTAMP_SUBFILTER else "cms_signatures"
            c[kind][s["key"]] += 1
            paths = [s.get("path")]
            if s.get("timestamp"):
                c["signature_timestamps"][s["timestamp_signer"]["key"]] += 1
                paths.append(s["timestamp_signer"]["path"])
            for p in filter(None, paths):
                c["untrusted_paths"] += not add_path(p, roots, crls, certs, crl_keys)
        dss = e.get("dss") or {}
        for item in dss.get("certs", []) + dss.get("crls", []) + dss.get("ocsps", []):
            c["dss_raw_bytes"] += item["raw_bytes"]
        for item in dss.get("crls", []):
            crl_keys[item["sha256"]] = item["signed_by"]["key"]
        for item in dss.get("ocsps", []):
            ocsp[item["sha256"]] = item["signed_by"]["key"]
    c["dss_ocsp"] = collections.Counter(ocsp.values())
    c["crls"] = collections.Counter(crl_keys.values())
    c["certificate_paths"] = collections.Counter(certs.values())
    c["ltv_docs"] = sum(1 for e in entries if e.get("dss"))
    return c


def price(counts, prim, suffix):
    """The bound's parts in ms per document at the rates `prim[<kind>_verify_per_s<suffix>]`
    and `prim[sha256_mb_per_s<suffix>]`; key kinds without a measured rate are listed."""
    n = counts["docs"]
    sha = prim["sha256_mb_per_s" + suffix]
    parts, unpriced = {}, collections.Counter()
    for part in BOUND_PARTS:
        if part in ("signed_bytes", "dss_recognition"):
            nbytes = counts["signed_bytes" if part == "signed_bytes" else "dss_raw_bytes"]
            parts[part] = mb(nbytes) / n / sha * 1e3
            continue
        ms = 0.0
        for key, k in counts[part].items():
            rate = prim.get(f"{RATE_OF_KEY.get(key, '?')}_verify_per_s{suffix}")
            if rate:
                ms += k / rate * 1e3
            else:
                unpriced[key] += k
        parts[part] = ms / n
    return parts, dict(unpriced)


def profile_bound(entries, prim, corpus):
    """The class's own bound: what its documents require (bound_counts), priced at the
    machine's rates (price). t_doc is the sum of the parts; the bound is cores / t_doc with
    the single-core rates (the definition) and 1 / t_doc with the rates measured on all
    cores at once."""
    counts = bound_counts(entries, trusted_roots(corpus), crl_ids(corpus))
    out = {"mean_bytes": sum(e["bytes"] for e in entries) / len(entries),
           "counts_per_doc": {k: ({kk: vv / counts["docs"] for kk, vv in v.items()} if isinstance(v, dict)
                                  else v / counts["docs"]) for k, v in counts.items()
                              if k not in ("docs", "dss_ocsp", "crls", "certificate_paths")},
           "distinct_per_run": {k: dict(counts[k]) for k in ("dss_ocsp", "crls", "certificate_paths")},
           "docs": counts["docs"]}
    for label, suffix, parallel in (("single_core_x_cores", "", prim["cores"]), ("all_cores_measured", "_all_cores", 1)):
        parts, unpriced = price(counts, prim, suffix)
        t_doc = sum(parts.values())
        out[label] = {"parts_ms": parts, "t_doc_ms": t_doc, "docs_per_s": parallel / (t_doc / 1e3),
                      "unpriced_key_kinds": unpriced}
    return out


# ---------------------------------------------------------------------------------------
# One class
# ---------------------------------------------------------------------------------------


def totals(entries):
    """(documents, signatures, bytes) of manifest entries."""
    return len(entries), sum(len(e["signatures"]) for e in entries), sum(e["bytes"] for e in entries)


def speed(docs, sigs, nbytes, seconds, cpu_seconds):
    """Rates of a run over `docs` documents holding `sigs` signatures and `nbytes` bytes."""
    return {"docs": docs, "docs_per_s": docs / seconds, "sigs_per_s": sigs / seconds,
            "mb_per_s": mb(nbytes) / seconds, "seconds": seconds, "cpu_ms_per_doc": cpu_seconds / docs * 1e3}


def run_class(bins, spec, jobs, endesive):
    """Everything measured on one class."""
    log(f"class {spec.size}: primitive rates")
    with foreign_load({}) as prim_load:
        prim = primitives(bins)
    corpus, origin = ensure_corpus(bins, spec)
    entries = load_manifest(corpus)
    peer_entries = entries[:spec.peer_docs]
    log(f"class {spec.size}: {len(entries)} documents ({origin}), warming the page cache")
    warm_page_cache(corpus, entries)
    res = {"corpus": os.path.relpath(corpus, REPO), "profile": spec.profile, "attachments": spec.attachments,
           "generator_args": generator_args(spec), "seed": spec.seed, "docs": len(entries),
           "peer_docs": len(peer_entries), "corpus_origin": origin, "goal_of_bound": spec.goal,
           "cases": dict(collections.Counter(e["case"] for e in entries)),
           "peer_cases": dict(collections.Counter(e["case"] for e in peer_entries)),
           "primitives": dict(prim, load=prim_load), "lower_bound": profile_bound(entries, prim, corpus),
           "lower_bound_benchmark": benchmark_bound(entries, prim), "peers": {},
           "disagreements": []}
    if spec.online:
        res["sigaudit"] = run_online(bins, spec, corpus, entries)
        return res

    log(f"class {spec.size}: sigaudit x{SIGAUDIT_RUNS} on {len(entries)} documents, x{SIGAUDIT_RUNS} on the "
        f"peers' {len(peer_entries)}")
    with foreign_load({}) as load_all:
        full = run_sigaudit(bins, corpus, entries, True, [], "sigaudit-all", SIGAUDIT_RUNS)
    with foreign_load({}) as load_sub:
        sub = run_sigaudit(bins, corpus, peer_entries, False, [], "sigaudit-peer-docs", SIGAUDIT_RUNS)
    sub_loads = [load_sub]
    if spec.size in LATENCY_CLASSES:
        log(f"class {spec.size}: latency (--in-flight 1)")
        sha = prim["sha256_mb_per_s"]
        res["latency"] = [latency(bins, corpus, entries, ["--in-flight", "1"], "latency-all-cores", sha),
                          latency(bins, corpus, entries, ["--jobs", "1", "--in-flight", "1"], "latency-one-core", sha)]
    if peer_entries:
        run_peers(bins, spec, corpus, peer_entries, sub, sub_loads, jobs, endesive, res)
    res["sigaudit"] = {
        "all": sigaudit_row(full, entries, [load_all]),
        "peer_docs": sigaudit_row(sub, peer_entries, sub_loads) if peer_entries else None,
        "mismatches": [m for r in full["runs"] + sub["runs"] for m in r["mismatches"]]
        + [m for lat in res.get("latency", []) for m in lat["mismatches"]],
    }
    return res


def run_peers(bins, spec, corpus, peer_entries, sub, sub_loads, jobs, endesive, res):
    """Every peer on the class's peer documents, each followed by one more sigaudit run on
    them (added to `sub` and `sub_loads`); fills res["peers"] and res["disagreements"]."""
    with tempfile.TemporaryDirectory(prefix="sigaudit-profiling-") as workdir:
        setup = peer_setup(corpus, workdir)
        res["peer_setup_notes"] = setup.pop("notes")
        try:
            for tool in PEERS:
                res["peers"][tool], bad = run_one_peer(tool, spec, corpus, peer_entries, sub["reports"], jobs, setup,
                                                       endesive)
                res["disagreements"] += bad
                # The speed-up's reference is measured among the peers' runs, under the same
                # load from other processes as they were.
                with foreign_load({}) as load:
                    more = run_sigaudit(bins, corpus, peer_entries, False, [], "sigaudit-peer-docs", 1,
                                        first=len(sub["runs"]) + 1)
                sub["runs"] += more["runs"]
                sub_loads.append(load)
        finally:
            shutil.rmtree(setup["nssdir"], ignore_errors=True)


ONLINE_WAYS = {
    "given": "offline, the corpus' intermediates and CRLs given (--certs, --crl)",
    "cold": "--online --fetch-allow 127.0.0.1, a fresh --cache directory: issuing CAs (caIssuers) and CRLs "
            "fetched from the loopback server",
    "warm": "--online on the cache the cold run just filled",
}


def run_online(bins, spec, corpus, entries):
    """The online class: sigaudit given the material, then online with a cold cache, then
    warm, SIGAUDIT_RUNS times in turn (so that the machine's drift touches the ways alike),
    with the corpus served on loopback by `sigaudit-corpus serve` (profiling/online.py);
    every run checked against the manifest. Returns sigaudit's rows: `all` (the given way,
    held to the bound) and one per way, with the server's requests."""
    log_path = os.path.join(corpus, "serve.log")
    server = online.serve(corpus, ONLINE_LATENCY_MS, log_path, generator=bins["corpus"])
    runs = {way: {"runs": []} for way in ONLINE_WAYS}
    loads = {way: [] for way in ONLINE_WAYS}
    try:
        for i in range(1, SIGAUDIT_RUNS + 1):
            cache = os.path.join(OUT_DIR, "runs", os.path.basename(corpus), f"cache-{i}")
            shutil.rmtree(cache, ignore_errors=True)
            for way in ONLINE_WAYS:
                log(f"class {spec.size}: sigaudit {way}, run {i} of {SIGAUDIT_RUNS}")
                before = len(online.log_lines(log_path))
                with foreign_load({}) as load:
                    r = run_sigaudit(bins, corpus, entries, True, [], f"sigaudit-{way}", 1, first=i,
                                     material=online.material(corpus, "online-crl" if way == "cold" else way, cache))
                r["runs"][0].update(online.requests_since(log_path, before))
                runs[way]["runs"] += r["runs"]
                runs[way]["command"] = r["command"]
                loads[way].append(load)
    finally:
        online.stop(server)
    out = {"online_latency_ms": ONLINE_LATENCY_MS, "ways": {}}
    for way, r in runs.items():
        row = sigaudit_row(r, entries, loads[way])
        row.update(description=ONLINE_WAYS[way], requests=[x["requests"] for x in r["runs"]],
                   distinct_urls=[x["distinct"] for x in r["runs"]], fetch=r["runs"][0]["fetch"])
        out["ways"][way] = row
    out["all"] = out["ways"]["given"]
    out["peer_docs"] = None
    out["mismatches"] = [m for r in runs.values() for run in r["runs"] for m in run["mismatches"]]
    return out


def run_one_peer(tool, spec, corpus, peer_entries, reports, jobs, setup, endesive):
    """One peer on the class's peer documents: availability, runs, speed, agreement with
    sigaudit's `reports` and the manifest. Returns (the peer's row, its disagreements)."""
    needs = {"pdfsig -nocert": "pdfsig", "pdfsig + trust": "pdfsig", "openssl cms": "openssl"}.get(tool)
    if needs and shutil.which(needs) is None:
        return {"unavailable": f"{needs} not found"}, []
    if tool == "endesive" and endesive[0] is None:
        return {"unavailable": endesive[1]}, []
    log(f"class {spec.size}: {tool} on {len(peer_entries)} documents")
    try:
        with foreign_load({}) as load:
            r = run_peer(tool, corpus, [e["name"] for e in peer_entries], jobs, setup)
    except Exception as e:  # noqa: BLE001 - a peer failing is a result
        return {"failed": f"{type(e).__name__}: {e}"}, []
    counts, bad = agreement(tool, peer_entries, reports, r["observations"], spec.size)
    out = dict(speed(*totals(peer_entries), r["seconds"], r["cpu_seconds"]), runs=len(r["runs"]), load=load, peak_rss_mb=kib_to_mb(r["peak_rss_kib"]),
               run_seconds=[x["seconds"] for x in r["runs"]], setup_seconds=r["setup_seconds"],
               agreement=counts, rule=AGREEMENT_RULES[tool], http=r["http"],
               errors=sorted({o["error"] for o in r["observations"].values() if o["error"]}))
    if tool == "endesive" and endesive[1]:
        out["note"] = endesive[1]
    log(f"class {spec.size}: {tool}: {out['docs_per_s']:.1f} docs/s, {counts}")
    return out, bad


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------


def fmt(x):
    """A rate with three significant figures, thousands separated."""
    if x is None:
        return ""
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def markdown(results):
    """results.md: the goals first (the bar, each class's fraction of its bound, the latency
    goal), then one table per class, the agreement rules, the lower bounds and the
    latencies."""
    m, v = results["machine"], results["versions"]
    lines = [
        "# sigaudit and peer validators on one machine",
        "",
        f"{m['date']}, {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['os']}; sigaudit {m['commit'][:12]}"
        + (" (with uncommitted changes to src/corpus)" if m["source_modified"] else "")
        + f"; run took {results['elapsed_minutes']:.1f} min" + (" (--quick)" if results["quick"] else "") + ".",
        "",
        f"Tools: {v['sigaudit']}; {v['pdfsig']}; {v['openssl']}; {v['pyHanko']}; endesive: {v['endesive']}.",
        "",
    ]
    lines += goals_md(results)
    lines += [
        "Corpora: classes `0`, `1M`, `10M`, `50M`: benchmark profile (6 signatures per document: 4 RSA-2048 "
        "organisation + 2 ECDSA P-256 persons, no timestamps; one document in twenty tampered, bad signature "
        "value or revoked signer), one attachment of the class's size. `nat-0`, `nat-1M`: national profile (7 "
        "signatures on average, RSA-2048/3072/4096 and P-256 signers, signature timestamps on ~30 % of the "
        "documents, LTV documents with a DSS and a document timestamp, the profile's negative and attack "
        "cases), attachments 0 or 1 MiB. `online`: national, `--revocation none --chain leaf`, served on "
        "loopback. sigaudit: `verify --at 2026-07-01T00:00:00Z`, all cores, median of "
        f"{SIGAUDIT_RUNS} runs, wall time of the process. Peers: the first documents of the class, "
        f"{results['jobs']} at a time (one process per document, or one API worker per core); median of "
        f"{PEER_RUNS} runs when one run takes under {REPEAT_UNDER_S:.0f} s, else one. Speed-up: docs/s of sigaudit "
        "on the same documents ÷ the peer's; sigaudit's runs on them are taken before the peers and after each "
        "peer, so that they share the peers' conditions (median of all). In brackets, the same ratio in CPU time "
        "(user + system of every process of the tool, pool workers' set-up included), less sensitive to other "
        "load on the machine. Warm page cache. MB = 10^6 bytes; peak RSS of one process (sigaudit; a peer's "
        "largest per-document process or pool worker).",
        "",
    ]
    for size, c in results["classes"].items():
        lines += online_md(size, c) if "ways" in c["sigaudit"] else class_md(size, c, results["jobs"])
    lines += agreement_md(results)
    lines += lower_bound_md(results)
    lines += latency_md(results)
    return "\n".join(lines)


def bar_ratio(results):
    """(ratio, peer row, sigaudit row) of the issue's bar when its class and peer ran; the
    ratio is None when the peer disagrees."""
    c = results["classes"].get(BAR["class"])
    if not c or not c["sigaudit"]["peer_docs"] or BAR["peer"] not in c["peers"]:
        return None
    p, s = c["peers"][BAR["peer"]], c["sigaudit"]["peer_docs"]
    if "docs_per_s" not in p:
        return None, p, s
    ratio = None if p["agreement"].get("docs_disagree") else s["docs_per_s"] / p["docs_per_s"]
    return ratio, p, s


def goals_md(results):
    """The issue's bar, every class's fraction of its own bound against its goal, and the
    latency goal."""
    lines = ["## Goals", ""]
    bar = bar_ratio(results)
    if bar is None:
        lines.append(f"**bar: not measured** (class `{BAR['class']}` with `{BAR['peer']}` was not in this run)")
    elif bar[0] is None:
        lines.append(f"**bar: no ratio** — `{BAR['peer']}` " + (bar[1].get("unavailable") or bar[1].get("failed")
                                                              or "disagrees with the manifest") + ".")
    else:
        ratio, p, s = bar
        met = "met" if ratio >= BAR["ratio"] else "**not met**"
        lines.append(f"**bar: {ratio:,.1f}× {BAR['peer']}, needs {BAR['ratio']}×** ({met}; {p['docs']:,} "
                     f"national documents without attachments: sigaudit {fmt(s['docs_per_s'])} docs/s, "
                     f"{BAR['peer']} {fmt(p['docs_per_s'])} docs/s, both on all cores, one run; CPU-time ratio "
                     f"{p['cpu_ms_per_doc'] / s['cpu_ms_per_doc']:,.1f}×)" +
                     ("" if p["docs"] >= BAR["docs"] else f" — on {p['docs']} documents, not the bar's {BAR['docs']:,}"))
    lines += ["", "Fraction of each class's own lower bound (single-core rates × cores; see Lower bound):", "",
              "| class | docs | bound docs/s | sigaudit docs/s | of bound | goal | |", "|---|---:|---:|---:|---:|---:|---|"]
    for size, c in results["classes"].items():
        b, sa = c["lower_bound"]["single_core_x_cores"]["docs_per_s"], c["sigaudit"]["all"]["docs_per_s"]
        goal = c.get("goal_of_bound")
        verdict = "" if goal is None else ("met" if sa / b >= goal else "**not met**")
        label = f"{size} (given)" if "ways" in c["sigaudit"] else size
        lines.append(f"| {label} | {c['docs']} | {fmt(b)} | {fmt(sa)} | {sa / b:.0%} | "
                     f"{'' if goal is None else f'{goal:.0%}'} | {verdict} |")
    for size, c in results["classes"].items():
        goal = LATENCY_GOAL.get(size)
        one = [lat for lat in c.get("latency", []) if lat["options"].startswith("--jobs 1")]
        if goal and one:
            r = one[0]["p99_over_sha256_pass"]
            lines += ["", f"Latency, class {size}, `--jobs 1 --in-flight 1`: p99 {one[0]['p99_ms']:.1f} ms = "
                      f"**{r:.2f}× one SHA-256 pass** over a document's bytes on one core "
                      f"({one[0]['sha256_pass_ms']:.1f} ms), goal ≤ {goal:.2f}× ({'met' if r <= goal else '**not met**'})."]
    return lines + [""]


def class_md(size, c, jobs):
    """The table of one class measured against the peers."""
    s_all, s_sub = c["sigaudit"]["all"], c["sigaudit"]["peer_docs"]
    lines = [f"## {size}: {c['profile']} profile, {c['attachments']} attachment ({c['docs']} documents, "
             f"{fmt(mb(c['lower_bound']['mean_bytes']))} MB each on average)", "",
             "| tool | docs | runs | docs/s | sigs/s | MB/s | peak RSS MB | CPU ms/doc | sigaudit speed-up "
             "(CPU) | agreement |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    ok = "equals the manifest" if not c["sigaudit"]["mismatches"] else \
        f"**{len(c['sigaudit']['mismatches'])} differences from the manifest**"
    for label, s in (("sigaudit (all documents)", s_all), ("sigaudit (peers' documents)", s_sub)):
        if s:
            lines.append(f"| {label} | {s['docs']} | {s['runs']} | {fmt(s['docs_per_s'])} | {fmt(s['sigs_per_s'])} | "
                         f"{fmt(s['mb_per_s'])} | {fmt(s['peak_rss_mb'])} | {fmt(s['cpu_ms_per_doc'])} | | {ok} |")
    notes = []
    for tool, p in c["peers"].items():
        lines.append(peer_row(tool, p, s_sub))
        if p.get("setup_seconds"):
            notes.append(f"{tool}: timed from when its {jobs} workers were set up (imports, trust "
                         f"roots: {p['setup_seconds']:.1f} s, not included)")
        if p.get("note"):
            notes.append(f"{tool}: {p['note']}")
        if p.get("errors"):
            notes.append(f"{tool} could not judge some documents: {'; '.join(p['errors'][:3])}")
    lines += [""] + [f"- {n}" for n in notes] + ([""] if notes else [])
    loads = [(label, s["load"]) for label, s in (("sigaudit", s_all), ("sigaudit on the peers' documents", s_sub)) if s]
    loads += [(tool, p["load"]) for tool, p in c["peers"].items() if "load" in p]
    lines.append("Noise: cores kept busy by other processes during each measurement, on average: " + ", ".join(
        f"{label} {ld['other_processes_cores']:.2f}" + (f" (+{ld['steal_cores']:.2f} stolen)" if ld["steal_cores"] >= 0.01 else "")
        for label, ld in loads) + ".")
    if s_sub:
        lines.append(f"Peers' documents: {c['peer_docs']} ({', '.join(f'{k} {v}' for k, v in sorted(c['peer_cases'].items()))}).")
    return lines + [""]


def peer_row(tool, p, s_sub):
    """One peer's table row."""
    if "unavailable" in p or "failed" in p:
        return f"| {tool} | | | | | | | | | {tool}: {p.get('unavailable') or 'failed: ' + p['failed']} |"
    a = p["agreement"]
    bad_docs = a.get("docs_disagree", 0)
    asserted = a.get("signature_aspects_agree", 0) + a.get("signature_aspects_disagree", 0)
    if bad_docs:
        verdict = f"disagrees on {bad_docs} docs — speed not comparable"
        speedup = ""
    else:
        verdict = f"agrees on {a.get('docs_agree', 0)} docs ({asserted} signature judgments)"
        speedup = (f"{s_sub['docs_per_s'] / p['docs_per_s']:,.0f}× "
                   f"({p['cpu_ms_per_doc'] / s_sub['cpu_ms_per_doc']:,.0f}×)")
    if a.get("not_asserted"):
        verdict += f"; {a['not_asserted']} not asserted"
    return (f"| {tool} | {p['docs']} | {p['runs']} | {fmt(p['docs_per_s'])} | {fmt(p['sigs_per_s'])} | "
            f"{fmt(p['mb_per_s'])} | {fmt(p['peak_rss_mb'])} | {fmt(p['cpu_ms_per_doc'])} | {speedup} | {verdict} |")


def online_md(size, c):
    """The table of the online class: sigaudit given the material, online cold and warm."""
    sa = c["sigaudit"]
    given = sa["ways"]["given"]["docs_per_s"]
    ok = "every run equals the manifest" if not sa["mismatches"] else \
        f"**{len(sa['mismatches'])} differences from the manifest**"
    lines = [f"## {size}: national profile, `--revocation none --chain leaf` ({c['docs']} documents, "
             f"{fmt(mb(c['lower_bound']['mean_bytes']))} MB each on average)", "",
             f"Served by `sigaudit-corpus serve` on loopback, {sa['online_latency_ms']} ms before every answer; "
             f"the ways alternate, {SIGAUDIT_RUNS} runs each (median); {ok}. No peer is run on this class.", "",
             "| way | docs/s | of given | CPU ms/doc | peak RSS MB | requests per run | distinct URLs | |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for way, r in sa["ways"].items():
        lines.append(f"| {way} | {fmt(r['docs_per_s'])} | {r['docs_per_s'] / given:.0%} | {fmt(r['cpu_ms_per_doc'])} | "
                     f"{fmt(r['peak_rss_mb'])} | {', '.join(map(str, r['requests']))} | "
                     f"{', '.join(map(str, r['distinct_urls']))} | {r['description']} |")
    return lines + [""]


def agreement_md(results):
    """The agreement rules and the disagreements."""
    lines = ["## Agreement rules", ""]
    lines += [f"- {k}: {v}" for k, v in ASPECTS.items()]
    lines += [f"- {k}: {v}" for k, v in AGREEMENT_RULES.items()]
    lines += ["- A signature judgment agrees when the peer's value equals what the manifest's verdict and "
              "sigaudit's verdict both imply. Every disagreement is listed in results.json (`disagreements`).", ""]
    lines += [f"- Not asserted: {v}." for v in NOT_ASSERTED.values()]
    lines.append("")
    dis = results["disagreements"]
    lines += [f"Disagreements: {len(dis)}" + (f" (the first {MD_DISAGREEMENTS} below; all in results.json)"
                                              if len(dis) > MD_DISAGREEMENTS else "") + ".", ""]
    if dis:
        lines += ["| class | doc | field | tool | tool said | sigaudit said | manifest said |", "|---|---|---|---|---|---|---|"]
        lines += [f"| {d['class']} | {d['doc']} | {d['field']} | {d['tool']} | {d['tool_said']} | {d['sigaudit_said']} | "
                  f"{d['manifest_said']} |" for d in dis[:MD_DISAGREEMENTS]]
        lines.append("")
    return lines


def lower_bound_md(results):
    """The lower-bound block: each class's parts, then the benchmark definition."""
    lines = ["## Lower bound", "",
             "Each class against its own bound: what its documents require, counted from the manifest, priced at "
             "this machine's rates (ms per document at single-core rates; t_doc is their sum; bound = cores / "
             "t_doc). Per document: " + "; ".join(f"{k}: {v}" for k, v in BOUND_PARTS.items()) + ". Parts checked "
             "once per run are divided by the class's documents. A path ending at an untrusted root costs nothing "
             "(no path is built). With the rates measured on all cores at once, the bound is 1 / t_doc.", "",
             "| class | " + " | ".join(BOUND_PARTS) + " | t_doc ms | bound docs/s | all-core-rate bound | sigaudit "
             "| of bound | of all-core bound |",
             "|---|" + "---:|" * (len(BOUND_PARTS) + 6)]
    for size, c in results["classes"].items():
        lb, sa = c["lower_bound"], c["sigaudit"]["all"]["docs_per_s"]
        a, b = lb["single_core_x_cores"], lb["all_cores_measured"]
        lines.append(f"| {size} | " + " | ".join(f"{a['parts_ms'][k]:.4f}" for k in BOUND_PARTS) +
                     f" | {a['t_doc_ms']:.3f} | {fmt(a['docs_per_s'])} | {fmt(b['docs_per_s'])} | {fmt(sa)} | "
                     f"{sa / a['docs_per_s']:.0%} | {sa / b['docs_per_s']:.0%} |")
    lines += ["", "What the parts count, per document (distinct items: per run):", "",
              "| class | signed MB | CMS signatures | signature timestamps | document timestamps | DSS raw MB | "
              "distinct OCSP | distinct CRLs | distinct path certificates | untrusted paths |",
              "|---|---:|---|---|---|---:|---|---|---|---:|"]
    for size, c in results["classes"].items():
        n, d = c["lower_bound"]["counts_per_doc"], c["lower_bound"]["distinct_per_run"]

        def kinds(counter):
            return ", ".join(f"{k} {v:.3g}" for k, v in sorted(counter.items())) or "0"
        lines.append(f"| {size} | {mb(n['signed_bytes']):.3f} | {kinds(n['cms_signatures'])} | "
                     f"{kinds(n['signature_timestamps'])} | {kinds(n['document_timestamps'])} | "
                     f"{mb(n['dss_raw_bytes']):.4f} | {kinds(d['dss_ocsp'])} | {kinds(d['crls'])} | "
                     f"{kinds(d['certificate_paths'])} | {n['untrusted_paths']:.3f} |")
    lines += ["", "The benchmark profile's first definition, kept for comparison (the README's earlier numbers use it): "
              "t_doc = bytes / SHA-256 rate + RSA signer signatures / RSA-2048 rate + P-256 signer signatures / P-256 "
              "rate + one leaf-certificate check per signature / RSA-2048 rate + 2 CRL signature checks / RSA-2048 "
              "rate, every RSA key priced as RSA-2048, nothing cached across documents; \"cached\" leaves out the "
              "certificate and CRL checks. It ignores timestamps and the DSS, so it does not fit the national "
              "classes.", "",
              "| class | t_doc ms | bound docs/s | cached bound docs/s | sigaudit docs/s | of bound | of cached bound "
              "| with all-core rates: bound | cached | of bound | of cached |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size, c in results["classes"].items():
        lb, sa = c["lower_bound_benchmark"], c["sigaudit"]["all"]["docs_per_s"]
        a, b = lb["single_core_x_cores"], lb["all_cores_measured"]
        lines.append(f"| {size} | {a['t_doc_ms']:.3f} | {fmt(a['docs_per_s'])} | {fmt(a['docs_per_s_cached'])} | "
                     f"{fmt(sa)} | {sa / a['docs_per_s']:.0%} | {sa / a['docs_per_s_cached']:.0%} | "
                     f"{fmt(b['docs_per_s'])} | {fmt(b['docs_per_s_cached'])} | {sa / b['docs_per_s']:.0%} | "
                     f"{sa / b['docs_per_s_cached']:.0%} |")
    lines += primitives_md(results)
    return lines + [""]


def primitives_md(results):
    """The primitive rates of each class."""
    lines = ["", "Primitive rates (ring), measured just before each class: single core / all cores at once.", "",
             "| class | SHA-256 MB/s | RSA-2048 verify/s | RSA-3072 verify/s | RSA-4096 verify/s | P-256 verify/s "
             "| other processes (cores) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for size, c in results["classes"].items():
        p = c["primitives"]
        cells = " | ".join(f"{fmt(p.get(k + '_per_s'))} / {fmt(p.get(k + '_per_s_all_cores'))}" for k in
                           ("sha256_mb", "rsa2048_verify", "rsa3072_verify", "rsa4096_verify", "p256_verify"))
        lines.append(f"| {size} | {cells} | {p['load']['other_processes_cores']:.2f} |")
    return lines


def latency_md(results):
    """The latency block."""
    rows = [(size, lat) for size, c in results["classes"].items() for lat in c.get("latency", [])]
    if not rows:
        return []
    lines = ["## Latency", "",
             "sigaudit, one document at a time (`--in-flight 1`): elapsed_us of each document, from its mapped "
             "bytes to its report; one run over the whole class. SHA-256 pass: one pass over a document's bytes at "
             "the single-core SHA-256 rate (mean over the class); the ratio columns: each document's latency over "
             "its own pass.", "",
             "| class | options | docs | p50 ms | p99 ms | max ms | SHA-256 pass ms | p99 / pass | ratio p50 | ratio p99 "
             "| goal |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size, lat in rows:
        goal = LATENCY_GOAL.get(size) if lat["options"].startswith("--jobs 1") else None
        lines.append(f"| {size} | `{lat['options']}` | {lat['docs']} | {lat['p50_ms']:.2f} | {lat['p99_ms']:.2f} | "
                     f"{lat['max_ms']:.2f} | {lat['sha256_pass_ms']:.2f} | {lat['p99_over_sha256_pass']:.2f} | "
                     f"{lat['ratio_p50']:.2f} | {lat['ratio_p99']:.2f} | {'' if goal is None else f'≤ {goal:.2f}'} |")
    return lines + [""]


# ---------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------


def parse_args():
    """The options, with args.specs: the classes to run and their document counts."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help=f"a smoke run: every document count divided by {QUICK_DIVISOR}")
    ap.add_argument("--classes", default=",".join(c.size for c in CLASSES),
                    help="comma-separated subset of the classes (default: all)")
    ap.add_argument("--docs", default="", metavar="SIZE=N,...",
                    help="documents per class for sigaudit (default: " +
                         ",".join(f"{c.size}={c.docs}" for c in CLASSES) + ")")
    ap.add_argument("--peer-docs", default="", metavar="SIZE=N,...",
                    help="the first N documents of a class go to the peers (default: " +
                         ",".join(f"{c.size}={c.peer_docs}" for c in CLASSES) + ")")
    args = ap.parse_args()
    known = {c.size for c in CLASSES}
    sizes = args.classes.split(",")
    if set(sizes) - known:
        ap.error(f"unknown classes {sorted(set(sizes) - known)}")

    def counts(text, option):
        """'0=300,1M=150' -> {'0': 300, '1M': 150}."""
        try:
            pairs = dict(item.split("=", 1) for item in text.split(",") if item)
            out = {k: int(v) for k, v in pairs.items()}
        except ValueError:
            ap.error(f"{option}: expected SIZE=N,..., got {text!r}")
        if set(out) - known or any(n < 1 for n in out.values()):
            ap.error(f"{option}: sizes are {sorted(known)}, counts positive")
        return out

    docs, peer_docs = counts(args.docs, "--docs"), counts(args.peer_docs, "--peer-docs")
    args.specs = []
    for c in CLASSES:
        if c.size in sizes:
            n = docs.get(c.size, c.docs)
            args.specs.append(dataclasses.replace(c, docs=n, peer_docs=min(n, peer_docs.get(c.size, c.peer_docs))))
    if args.quick:
        args.specs = [dataclasses.replace(c, docs=max(1, round(c.docs / QUICK_DIVISOR)),
                                          peer_docs=max(1, round(c.peer_docs / QUICK_DIVISOR)) if c.peer_docs else 0)
                      for c in args.specs]
    return args


def main():
    """Runs every class, writes results.json and results.md, prints the markdown; exits
    non-zero when sigaudit differs from a manifest."""
    args = parse_args()
    started = time.monotonic()
    os.makedirs(OUT_DIR, exist_ok=True)
    bins = binaries()
    jobs = os.cpu_count()
    endesive = endesive_status()
    results = {"quick": args.quick, "jobs": jobs, "at": AT, "machine": machine_info(),
               "versions": tool_versions(bins, endesive[0] or endesive[1]),
               "endesive_note": endesive[1], "aspects": ASPECTS, "rules": AGREEMENT_RULES}
    results["classes"] = {}
    for spec in args.specs:
        results["classes"][spec.size] = run_class(bins, spec, jobs, endesive)
    results["disagreements"] = [d for c in results["classes"].values() for d in c.pop("disagreements")]
    results["elapsed_minutes"] = (time.monotonic() - started) / 60
    with open(os.path.join(OUT_DIR, "results.json"), "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=1, default=str)
    md = markdown(results)
    with open(os.path.join(OUT_DIR, "results.md"), "w", encoding="utf-8") as fh:
        fh.write(md)
    print(md)
    bad = {size: c["sigaudit"]["mismatches"] for size, c in results["classes"].items() if c["sigaudit"]["mismatches"]}
    if bad:
        for size, mism in bad.items():
            for x in mism[:20]:
                print(f"sigaudit differs from the manifest, class {size}: {x}", file=sys.stderr)
        sys.exit(f"compare: sigaudit differs from the manifest ({sum(map(len, bad.values()))} differences)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
