"""The peer validators of profiling/compare.py: what each one does with one document.

Every peer is measured in a fresh process of its own (`run_tool`), so that the peak RSS and
CPU time of its children (per-document processes, or pool workers) are its own, and runs with
`jobs`-way parallelism: per-document processes (pdfsig, openssl) are started by `jobs`
threads, like `xargs -P jobs`; the Python APIs (pyHanko, endesive) run in a
multiprocessing pool of `jobs` workers, each set up once by its initializer (imports,
trust roots). The pool's timing starts when every worker has finished that set-up; the
set-up time is returned separately.

Each `*_document` function returns the raw observation of one document, a dict with
`signatures` (a list, in the tool's order) and `error` (None, or why the tool could not
say anything about the document). compare.py turns observations into judgments.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import glob
import importlib
import importlib.metadata
import importlib.util
import logging
import multiprocessing
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time

import peer_check  # corpus/peers, put on sys.path by compare.py

BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")
SUBPROCESS_TIMEOUT = 600  # seconds for one pdfsig/openssl process
BARRIER_TIMEOUT = 300  # seconds for the pool workers' set-up

_W = {}  # per-worker state of the pool tools


def _error(exc):
    """An exception as 'Type: message'."""
    return f"{type(exc).__name__}: {exc}"


# ---------------------------------------------------------------------------------------
# pdfsig (poppler), one process per document
# ---------------------------------------------------------------------------------------


def pdfsig_document(path, nssdir, check_certs):
    """pdfsig on one document (peer_check.run_pdfsig): per signature its field name, the
    signature line and, with `check_certs`, the certificate line."""
    run = peer_check.run_pdfsig(path, nssdir, check_certs)
    sigs = [{"field": b.get("Signature Field Name"),
             "signature": b.get("Signature Validation"),
             "certificate": b.get("Certificate Validation")}
            for b in run["blocks"] if b.get("signed")]
    error = None
    if not sigs:
        lines = (run["stdout"] + run["stderr"]).strip().splitlines()
        error = f"pdfsig exit {run['rc']}: {lines[-1] if lines else 'no output'}"
    return {"signatures": sigs, "error": error}


# ---------------------------------------------------------------------------------------
# openssl cms -verify, one process per signature
# ---------------------------------------------------------------------------------------


def der_length(der):
    """Length of the DER object at the start of `der` (the /Contents hex is zero-padded)."""
    if len(der) < 2:
        return len(der)
    first = der[1]
    if first < 0x80:
        return 2 + first
    n = first & 0x7F
    return 2 + n + int.from_bytes(der[2:2 + n], "big")


def openssl_trust_files(corpus, workdir):
    """Writes the CA file (trusted roots plus every CRL, PEM) and the untrusted
    intermediates file that `openssl cms -verify` is given; returns their paths.

    OpenSSL 3.0's `cms` has neither -untrusted nor -CRLfile: intermediates go to -certfile,
    and CRLs are read from the -CAfile (its loader takes certificates and CRLs alike)."""
    from asn1crypto import pem

    ca_file = os.path.join(workdir, "ca-and-crls.pem")
    untrusted = os.path.join(workdir, "intermediates.pem")
    with open(ca_file, "wb") as out:
        for path in sorted(glob.glob(os.path.join(corpus, "pki", "roots", "*.pem"))):
            with open(path, "rb") as fh:
                out.write(fh.read())
        for path in sorted(glob.glob(os.path.join(corpus, "pki", "crls", "*.crl"))):
            with open(path, "rb") as fh:
                data = fh.read()
            out.write(data if pem.detect(data) else pem.armor("X509 CRL", data))
    with open(untrusted, "wb") as out:
        for path in sorted(glob.glob(os.path.join(corpus, "pki", "intermediates", "*.pem"))):
            with open(path, "rb") as fh:
                out.write(fh.read())
    return ca_file, untrusted


def openssl_document(path, ca_file, untrusted, attime, tmpdir):
    """`openssl cms -verify` on every signature of one document: each /ByteRange's signed
    bytes and the DER CMS of its /Contents go to temporary files, and openssl checks the
    digest, the signature, the chain to the trusted root and every CRL of the chain
    (-crl_check_all) at `attime`. Per signature: its ByteRange, exit code and last line."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        return {"signatures": [], "error": _error(e)}
    sigs = []
    with tempfile.TemporaryDirectory(dir=tmpdir) as work:
        sig_file, content_file = os.path.join(work, "sig.der"), os.path.join(work, "data.bin")
        for m in BYTE_RANGE.finditer(data):
            a, b, c, d = (int(x) for x in m.groups())
            try:
                cms = bytes.fromhex(data[a + b + 1:c - 1].decode("ascii"))
            except ValueError as e:
                sigs.append({"byte_range": [a, b, c, d], "rc": None, "message": f"unreadable /Contents: {e}"})
                continue
            with open(sig_file, "wb") as fh:
                fh.write(cms[:der_length(cms)])
            with open(content_file, "wb") as fh:
                fh.write(data[a:a + b])
                fh.write(data[c:c + d])
            cmd = ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig_file,
                   "-content", content_file, "-CAfile", ca_file, "-certfile", untrusted,
                   "-crl_check_all", "-purpose", "any", "-attime", str(attime), "-out", os.devnull]
            try:
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)
                lines = [line for line in p.stderr.splitlines() if line.strip()]
                sigs.append({"byte_range": [a, b, c, d], "rc": p.returncode,
                             "message": lines[-1] if lines else ""})
            except subprocess.TimeoutExpired:
                sigs.append({"byte_range": [a, b, c, d], "rc": None, "message": "timed out"})
    return {"signatures": sigs, "error": None if sigs else "no /ByteRange found"}


# ---------------------------------------------------------------------------------------
# pyHanko (Python API), pool workers
# ---------------------------------------------------------------------------------------


def pyhanko_init(corpus, barrier):
    """Pool initializer: peer_check's worker set-up (trust roots, intermediates, pyHanko's
    log captured), pyHanko imported, an event loop, and one ValidationContext for the
    worker's whole life (revocation mode 'require', CRLs fetched from the certificates'
    distribution points on the loopback server). Shared across documents, the context
    fetches and parses each CRL once per worker; peer_check builds one per signature,
    which re-fetches both CRLs six times per document."""
    try:
        peer_check.worker_init(corpus, None)
        importlib.import_module("pyhanko.sign.validation")  # the import cost belongs to set-up
        from pyhanko_certvalidator import ValidationContext

        _W["loop"] = asyncio.new_event_loop()
        _W["vc"] = ValidationContext(trust_roots=peer_check._W["roots"],
                                     other_certs=peer_check._W["intermediates"],
                                     allow_fetching=True, revocation_mode="require")
    except Exception as e:  # noqa: BLE001 - reported with every document
        _W["init_error"] = _error(e)
    _wait(barrier)


async def _pyhanko_signatures(path):
    """Per embedded signature: field, pyHanko's status flags, or the error it raised."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature

    sigs = []
    with open(path, "rb") as fh:
        reader = PdfFileReader(fh)
        for emb in reader.embedded_signatures:
            sig = {"field": str(emb.field_name), "error": None}
            try:
                st = await async_validate_pdf_signature(emb, signer_validation_context=_W["vc"])
                ind = st.trust_problem_indic
                sig.update(intact=st.intact, valid=st.valid, trusted=st.trusted, revoked=st.revoked,
                           bottom_line=st.bottom_line, indic=None if ind is None else ind.name)
            except Exception as e:  # noqa: BLE001 - pyHanko refusing a signature is an outcome
                sig["error"] = _error(e)
            sigs.append(sig)
    return sigs


def pyhanko_document(path):
    """pyHanko's validate_pdf_signature on every signature of one document."""
    if "init_error" in _W:
        return {"signatures": [], "error": "worker set-up failed: " + _W["init_error"]}
    peer_check._W["log"].messages.clear()  # kept only per document
    try:
        return {"signatures": _W["loop"].run_until_complete(_pyhanko_signatures(path)), "error": None}
    except Exception as e:  # noqa: BLE001 - e.g. the reader refusing the file
        return {"signatures": [], "error": _error(e)}


def pyhanko_version():
    """pyHanko's and its certificate validator's versions."""
    return "pyHanko " + importlib.metadata.version("pyHanko") + \
        " (pyhanko-certvalidator " + importlib.metadata.version("pyhanko-certvalidator") + ")"


# ---------------------------------------------------------------------------------------
# endesive (Python API), pool workers
# ---------------------------------------------------------------------------------------

# oscrypto 1.3.0 (the latest on PyPI, pulled in by endesive through certvalidator) reads
# libcrypto's version with a one-digit-per-part pattern and refuses to load with OpenSSL
# 3.0.10 and later ("Error detecting the version of libcrypto", oscrypto issue #75, fixed
# upstream but not released). The shim loads that one module with upstream's pattern.
OSCRYPTO_MODULE = "oscrypto._openssl._libcrypto_cffi"
OSCRYPTO_OLD = r"'\\b(\\d\\.\\d\\.\\d[a-z]*)\\b'"
OSCRYPTO_NEW = r"'\\b(\\d+\\.\\d+\\.\\d+[a-z]*)\\b'"


def _oscrypto_shim():
    """Loads oscrypto's libcrypto binding with the fixed version pattern; returns a note
    saying so, or raises when the module is not the one the fix is for."""
    spec = importlib.util.find_spec(OSCRYPTO_MODULE)
    source = spec.loader.get_source(spec.name)
    if OSCRYPTO_OLD not in source:
        raise ImportError(f"{OSCRYPTO_MODULE} is not the one the version-pattern fix is for")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    exec(compile(source.replace(OSCRYPTO_OLD, OSCRYPTO_NEW), spec.origin, "exec"), module.__dict__)
    return (f"oscrypto {importlib.metadata.version('oscrypto')} cannot parse this libcrypto's "
            f"version ({module.version_string}); its binding was loaded with upstream's fixed "
            f"version pattern (oscrypto issue #75)")


def endesive_import():
    """Imports endesive's PDF verifier; returns (version string, note or None). Raises
    ImportError (with the reason) when it cannot be imported even with the shim."""
    note = None
    try:
        importlib.import_module("endesive.pdf.verify")
    except ImportError:  # endesive or one of its modules is missing: nothing to work around
        raise
    except Exception as first:  # noqa: BLE001 - oscrypto raises LibraryNotFoundError
        for name in [m for m in sys.modules if m == "oscrypto" or m.startswith(("oscrypto.", "certvalidator", "endesive"))]:
            del sys.modules[name]
        try:
            note = _oscrypto_shim()
            importlib.import_module("endesive.pdf.verify")
        except Exception as second:  # noqa: BLE001
            raise ImportError(f"{_error(first)}; with the oscrypto shim: {_error(second)}") from second
    return "endesive " + importlib.metadata.version("endesive"), note


def endesive_init(root_pems, barrier):
    """Pool initializer: endesive imported (with the oscrypto shim if needed), its logger
    silenced (it logs every failed signature with a traceback), the trust roots as DER."""
    try:
        from asn1crypto import pem

        endesive_import()
        logging.getLogger("endesive").setLevel(logging.CRITICAL)
        roots = []
        for path in root_pems:
            with open(path, "rb") as fh:
                roots += [der for _, _, der in pem.unarmor(fh.read(), multiple=True)]
        _W["roots"] = roots
    except Exception as e:  # noqa: BLE001 - reported with every document
        _W["init_error"] = _error(e)
    _wait(barrier)


def endesive_document(path):
    """endesive's PDFVerifier on every signature of one document: hash, signature value and
    certificate path (certvalidator, no revocation data) per /ByteRange. endesive.pdf.verify
    itself checks only the last signature, so this uses the class it wraps."""
    if "init_error" in _W:
        return {"signatures": [], "error": "worker set-up failed: " + _W["init_error"]}
    from endesive.pdf.verify import PDFVerifier

    try:
        with open(path, "rb") as fh:
            verifier = PDFVerifier(fh.read(), _W["roots"])
    except Exception as e:  # noqa: BLE001
        return {"signatures": [], "error": _error(e)}
    sigs = []
    for i, br in enumerate(verifier.byte_ranges):
        sig = {"byte_range": list(br), "error": None}
        try:
            r = verifier.verify_signature(i)
            sig.update(hashok=r.hashok, signatureok=r.signatureok, certok=r.certok)
        except Exception as e:  # noqa: BLE001
            sig["error"] = _error(e)
        sigs.append(sig)
    return {"signatures": sigs, "error": None if sigs else "no signature found"}


# ---------------------------------------------------------------------------------------
# Running one tool over a document set, in a process of its own
# ---------------------------------------------------------------------------------------


def _wait(barrier):
    """Waits at the pool's start barrier (set-up done); a broken or timed-out barrier only
    means that the timing starts late."""
    try:
        barrier.wait(BARRIER_TIMEOUT)
    except threading.BrokenBarrierError:
        pass


def _run_threads(fn, paths, jobs, args):
    """fn(path, *args) for every path, `jobs` at a time in threads (each starting its
    processes); returns (observations, seconds, 0)."""
    results = {}
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        for path, obs in zip(paths, ex.map(lambda p: fn(p, *args), paths)):
            results[path] = obs
    return results, time.monotonic() - start, 0.0


def _run_pool(fn, paths, jobs, init, initargs):
    """fn(path) for every path in a spawned pool of `jobs` workers set up by init(*initargs,
    barrier); returns (observations, seconds from the end of set-up, set-up seconds)."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(jobs + 1)
    t0 = time.monotonic()
    pool = ctx.Pool(jobs, initializer=init, initargs=initargs + (barrier,))
    _wait(barrier)
    start = time.monotonic()
    try:
        results = dict(zip(paths, pool.imap(fn, paths)))
        seconds = time.monotonic() - start
    finally:
        pool.close()
        pool.join()
    return results, seconds, start - t0


def _cpu_seconds(who):
    """User + system CPU seconds of getrusage(who)."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run_tool(tool, corpus, paths, jobs, setup):
    """Runs `tool` on `paths` with `jobs`-way parallelism (in the calling process, meant to
    be a fresh one). `setup` holds the tool's inputs made by the caller (NSS db, trust files,
    validation epoch). Returns observations by path, the wall seconds of the documents, the
    pool set-up seconds (not included), the CPU seconds of the run (this process's threads
    and all its children: the per-document processes, or the pool workers including their
    set-up), and the largest peak RSS (KiB) among the children."""
    self_before = _cpu_seconds(resource.RUSAGE_SELF)
    if tool == "pdfsig -nocert":
        res = _run_threads(pdfsig_document, paths, jobs, (setup["nssdir"], False))
    elif tool == "pdfsig + trust":
        res = _run_threads(pdfsig_document, paths, jobs, (setup["nssdir"], True))
    elif tool == "openssl cms":
        res = _run_threads(openssl_document, paths, jobs,
                           (setup["ca_file"], setup["untrusted"], setup["attime"], setup["tmpdir"]))
    elif tool == "pyHanko":
        res = _run_pool(pyhanko_document, paths, jobs, pyhanko_init, (corpus,))
    elif tool == "endesive":
        res = _run_pool(endesive_document, paths, jobs, endesive_init,
                        (sorted(glob.glob(os.path.join(corpus, "pki", "roots", "*.pem"))),))
    else:
        raise ValueError(f"unknown tool {tool}")
    observations, seconds, setup_seconds = res
    cpu = _cpu_seconds(resource.RUSAGE_SELF) - self_before + _cpu_seconds(resource.RUSAGE_CHILDREN)
    return {"observations": observations, "seconds": seconds, "setup_seconds": setup_seconds, "cpu_seconds": cpu,
            "peak_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}
