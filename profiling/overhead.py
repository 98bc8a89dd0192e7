#!/usr/bin/env python3
"""What a validation policy and the ETSI XML reports cost: the national profile verified under
`etsi`, under the Vietnamese pack (`vn-gov-issued`, every rule checked) and under `etsi` with
`--etsi-xml DIR` (one ETSI TS 119 102-2 report per document, into a fresh directory each run),
alternating, in one run.

    python3 profiling/overhead.py [--docs 1000] [--runs 7] [--out DIR]

The corpus is the generator's national profile without attachments (the archives' documents:
seven signatures and more, timestamps, LTV documents). The pack is given the corpus' own root
as its anchor (a policy file extending vn-gov-issued), so that every rule runs to its end
rather than stopping at an unknown anchor. Writes DIR/overhead.json and prints the medians: the
budgets are at most 3 % fewer documents per second under the pack (issue 18) and at most 15 %
with the XML reports (issue 19).
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIGAUDIT = os.path.join(ROOT, "target", "release", "sigaudit")
GENERATOR = os.path.join(ROOT, "target", "release", "sigaudit-corpus")


def generate(out: str, docs: int) -> None:
    if os.path.exists(os.path.join(out, "manifest.jsonl")):
        with open(os.path.join(out, "manifest.jsonl")) as f:
            if sum(1 for _ in f) == docs:
                return
    subprocess.run(
        [GENERATOR, "--out", out, "--docs", str(docs), "--profile", "national",
         "--attachments", "0", "--seed", "7"],
        check=True, stdout=subprocess.DEVNULL)


def run(out: str, policy: str, extra: list[str]) -> dict:
    pki = os.path.join(out, "pki")
    cmd = [SIGAUDIT, "verify", os.path.join(out, "docs"), "--policy", policy,
           "--trust", os.path.join(pki, "roots"), "--certs", os.path.join(pki, "intermediates"),
           "--crl", os.path.join(pki, "crls"), "--at", "2026-07-01T00:00:00Z",
           "--report", os.devnull, "--summary", os.path.join(out, "summary.json")] + extra
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode not in (0, 1):
        raise SystemExit(f"sigaudit failed: {p.stderr}")
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    return {"docs_per_s": s["documents_per_second"], "cpu_s": cpu, "findings": s["policy_findings"],
            "by_status": s["by_status"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "profiling-runs", "overhead"))
    args = ap.parse_args()
    corpus = os.path.join(args.out, "corpus")
    os.makedirs(corpus, exist_ok=True)
    generate(corpus, args.docs)
    pack = os.path.join(args.out, "pack.toml")
    with open(pack, "w") as f:
        f.write('name = "vn-gov-issued-bench"\nextends = "vn-gov-issued"\n'
                '[rules."trust.anchor"]\nlevel = "FAIL"\n'
                f'anchors = ["{os.path.join(corpus, "pki", "roots")}"]\n')
    rates = {"etsi": [], "pack": [], "xml": []}
    cpu = {"etsi": [], "pack": [], "xml": []}
    last = {}
    xml_root = os.path.join(args.out, "xml")
    shutil.rmtree(xml_root, ignore_errors=True)
    for i in range(args.runs):
        xml = ["--etsi-xml", os.path.join(xml_root, str(i))]
        for name, policy, extra in (("etsi", "etsi", []), ("pack", pack, []), ("xml", "etsi", xml)):
            r = run(corpus, policy, extra)
            rates[name].append(r["docs_per_s"])
            cpu[name].append(r["cpu_s"])
            last[name] = r
    med = {k: statistics.median(v) for k, v in rates.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    result = {
        "docs": args.docs, "runs": args.runs, "rates": rates, "median": med,
        "pack_over_etsi": med["pack"] / med["etsi"],
        "xml_over_etsi": med["xml"] / med["etsi"],
        "cpu_xml_over_etsi": med_cpu["xml"] / med_cpu["etsi"],
        "cpu": cpu, "median_cpu": med_cpu, "cpu_pack_over_etsi": med_cpu["pack"] / med_cpu["etsi"],
        "pack_findings": last["pack"]["findings"],
        "etsi_status": last["etsi"]["by_status"], "pack_status": last["pack"]["by_status"],
        "machine": {"cpus": os.cpu_count()},
    }
    shutil.rmtree(xml_root, ignore_errors=True)
    with open(os.path.join(args.out, "overhead.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(f"{args.docs} national documents, {args.runs} alternating runs each")
    print(f"  etsi:          median {med['etsi']:.0f} documents/s  {rates['etsi']}")
    print(f"  vn-gov-issued: median {med['pack']:.0f} documents/s  {rates['pack']}")
    print(f"  ratio {result['pack_over_etsi']:.3f} (budget: at least 0.97)")
    print(f"  etsi + --etsi-xml: median {med['xml']:.0f} documents/s  {rates['xml']}")
    print(f"  ratio {result['xml_over_etsi']:.3f} (budget: at least 0.85)")
    print(f"  CPU (user+sys) median: etsi {med_cpu['etsi']:.2f} s, vn-gov-issued {med_cpu['pack']:.2f} s"
          f" ({result['cpu_pack_over_etsi']:.3f}), --etsi-xml {med_cpu['xml']:.2f} s"
          f" ({result['cpu_xml_over_etsi']:.3f})")


if __name__ == "__main__":
    main()
