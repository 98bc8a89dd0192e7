#!/usr/bin/env python3
"""Peer check: validate a generated sigaudit corpus with two validators we did not write.

    python3 corpus/peers/peer_check.py --corpus DIR [--jobs 2] [--port 18080] [--json-out FILE]
    python3 corpus/peers/peer_check.py --corpus DIR --online [--jobs 2] [--json-out FILE]

For every document in DIR/manifest.jsonl this runs poppler's ``pdfsig`` and pyHanko and
compares what each tool says with what the generator's manifest claims, on everything that
tool can judge offline. One (document, tool) pair is one check; it passes when every
assertion made for that tool on that document holds. The last line printed is
``peer-check: N passed, M failed`` and the exit status is 0 only when M == 0.

Setup done here, for the duration of the run:
  * a temporary NSS database for pdfsig holding DIR/pki/roots as trusted CAs ("C,C,C"),
    DIR/pki/intermediates without trust, and the CRLs of DIR/pki/crls (so that NSS judges
    revocation offline);
  * an HTTP server on 127.0.0.1:PORT serving DIR/pki, so that pyHanko fetches the CRLs
    named in the certificates (http://127.0.0.1:PORT/crls/<name>.crl); every /ocsp/ URL
    answers 404 (there is no OCSP responder).

pyHanko runs in-process (its Python API), with only DIR/pki/roots as trust roots, the
intermediates as untrusted extra certificates, validation time "now", and revocation mode
'require' (every certificate of the path needs revocation information, which here can only
come from the served CRLs).

The assertions, per manifest signature (see assert_pdfsig / assert_pyhanko for the details):
  both tools   field present, ByteRange, SubFilter, digest, signer CN, coverage
               (covers_whole_file <=> "Total document signed" / ENTIRE_FILE), and the
               outcome implied by indication / sub_indication;
  pyHanko only key type, modification level (modifications: none / permitted / forbidden);
  pdfsig only  the certificate line. poppler 22.12 ignores CERT_PKIXVerifyCert's return value
               and reads PORT_GetError(), so a successful validation after the first can
               read "Unknown issue with Certificate or corrupted data." (a stale error code):
               "Trusted" is asserted on pdfsig's first signature only (later ones are
               recorded), while negative outcomes (revoked, expired, unknown issuer), which
               carry their real error code, are asserted on every signature.
pdfsig runs twice per document: with -nocert for the signature-level judgments (with
certificate validation on, NSS caches verified certificates and then "validates" a later
signature whose CMS carries no certificate), and with -no-ocsp for the certificate line.
ERROR documents: neither tool may report a signature that is valid and covers the whole file.
Anything the script does not assert is listed under "not asserted" in the summary.

--online (corpora generated with --revocation none --chain leaf): the documents carry only the
signer's certificate and no revocation data, and the generator's own server
(`sigaudit-corpus serve DIR`, started by the caller at the corpus' base URL) answers the
certificates' URLs. Only pyHanko runs (pdfsig cannot fetch the missing intermediates): trust
roots DIR/pki/roots only, no other certificate given (the issuing CA must be fetched from the
signer's caIssuers URL), allow_fetching=True with pyhanko-certvalidator's default fetcher
backend (aiohttp), revocation mode 'require' (CRLs from the distribution points or OCSP from
the AIA URLs, nothing embedded), and the corpus' validation time (params.json
`validation_time`, 2026-07-01T00:00:00Z) as `moment`. The script starts no server of its own.
The assertions are pyHanko's above. A line `peer-check judged: J of N documents` counts the
documents whose verdict (every signature's outcome, or the ERROR document's) was asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import functools
import glob
import hashlib
import http.server
import importlib.metadata
import json
import logging
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

# ---------------------------------------------------------------------------------------
# Manifest access. The generator's schema may still move a little, so every key is read
# through an alias table; the keys actually relied on are the first name of each entry.
# ---------------------------------------------------------------------------------------

DOC_KEYS = {
    "name": ("name", "path", "file"),
    "bytes": ("bytes", "size"),
    "sha256": ("sha256",),
    "status": ("status",),
    "case": ("case", "kind"),
    "signatures": ("signatures", "sigs"),
}
SIG_KEYS = {
    "field": ("field", "field_name", "name"),
    "subfilter": ("subfilter", "sub_filter"),
    "digest": ("digest", "digest_algorithm", "md_algorithm"),
    "key": ("key", "key_kind", "key_type"),
    "signer": ("signer", "signer_dn", "subject"),
    "byte_range": ("byte_range", "byterange"),
    "covers_whole_file": ("covers_whole_file", "whole_file"),
    "indication": ("indication",),
    "sub_indication": ("sub_indication", "subindication"),
    "modifications": ("modifications", "modification"),
    "findings": ("findings",),
}
# Without these a signature cannot be judged at all: their absence fails both checks.
REQUIRED_SIG_KEYS = ("field", "covers_whole_file", "indication", "sub_indication", "modifications")
MISSING = object()


def mget(obj, table, key):
    """The value of manifest key `key` (through its aliases), or MISSING."""
    for alias in table[key]:
        if alias in obj:
            return obj[alias]
    return MISSING


def doc_sigs(entry):
    """The manifest's signatures of a document ([] when absent or null)."""
    sigs = mget(entry, DOC_KEYS, "signatures")
    return sigs if isinstance(sigs, list) else []


def doc_case(entry):
    case = mget(entry, DOC_KEYS, "case")
    return "(no case)" if case is MISSING else str(case)


# ---------------------------------------------------------------------------------------
# pdfsig
# ---------------------------------------------------------------------------------------

# pdfsig 22.12's wording (poppler utils/pdfsig.cc).
PDFSIG_VALID = "Signature is Valid."
PDFSIG_INVALID = "Signature is Invalid."
PDFSIG_DIGEST_MISMATCH = "Digest Mismatch."
CERT_TRUSTED = "Certificate is Trusted."
CERT_REVOKED = "Certificate has been Revoked."
CERT_EXPIRED = "Certificate has Expired"
CERT_ISSUER_UNTRUSTED = "Certificate issuer isn't Trusted."
CERT_ISSUER_UNKNOWN = "Certificate issuer is unknown."
PDFSIG_KEYS = (
    "Signature Field Name",
    "Signer Certificate Common Name",
    "Signer full Distinguished Name",
    "Signing Time",
    "Signing Hash Algorithm",
    "Signature Type",
    "Signed Ranges",
    "Signature Validation",
    "Certificate Validation",
)


def parse_pdfsig(text):
    """pdfsig's report as a list of signature blocks (dicts keyed by pdfsig's labels)."""
    blocks = []
    cur = None
    for line in text.splitlines():
        m = re.match(r"Signature #(\d+):\s*$", line)
        if m:
            cur = {"number": int(m.group(1)), "signed": True, "other": []}
            blocks.append(cur)
            continue
        if cur is None:
            continue
        body = line.strip()
        if body.startswith("- "):
            body = body[2:]
        for key in PDFSIG_KEYS:
            if body.startswith(key + ":"):
                cur[key] = body[len(key) + 1:].strip()
                break
        else:
            if body == "Total document signed":
                cur["total"] = True
            elif body == "Not total document signed":
                cur["total"] = False
            elif body == "The signature form field is not signed.":
                cur["signed"] = False
            elif body:
                cur["other"].append(body)
    return blocks


def pdfsig_ranges(text):
    """'[0 - 995], [8679 - 9164]' -> [0, 995, 8679, 485] (the /ByteRange form)."""
    pairs = re.findall(r"\[\s*(\d+)\s*-\s*(\d+)\s*\]", text or "")
    out = []
    for start, end in pairs:
        out += [int(start), int(end) - int(start)]
    return out


def run_pdfsig(path, nssdir, check_certs):
    """One pdfsig run. pdfsig is run twice per document:

    * with -nocert, for everything about the signatures themselves (digest, signature
      value, coverage, ...). With certificate validation on, NSS keeps every certificate it
      has verified in its in-memory store, and a later signature whose CMS carries no
      certificate is then verified with the cached one ("Signature is Valid." for a
      certificate-less signature whose signer also signed earlier in the document);
    * with certificate validation (-no-ocsp: revocation comes from the CRLs in the NSS db),
      for the certificate line of the first signature only (see assert_pdfsig).
    """
    env = dict(os.environ, LC_ALL="C", LANG="C")
    cmd = ["pdfsig", "-nssdir", "sql:" + nssdir] + (["-no-ocsp"] if check_certs else ["-nocert"])
    try:
        proc = subprocess.run(cmd + [path], capture_output=True, timeout=180, env=env)
    except subprocess.TimeoutExpired:
        return {"cmd": cmd, "rc": None, "stdout": "", "stderr": "pdfsig timed out after 180 s", "blocks": []}
    out = proc.stdout.decode("utf-8", "replace")
    return {
        "cmd": cmd,
        "rc": proc.returncode,
        "stdout": out,
        "stderr": proc.stderr.decode("utf-8", "replace"),
        "blocks": parse_pdfsig(out),
    }


# ---------------------------------------------------------------------------------------
# pyHanko (runs in the pool's worker processes)
# ---------------------------------------------------------------------------------------

_W = {}  # per-worker state, set by worker_init


class _ListHandler(logging.Handler):
    """Collects pyHanko's log messages so that they can be attached to one signature."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        msg = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            msg += f" [{type(record.exc_info[1]).__name__}: {record.exc_info[1]}]"
        self.messages.append(f"{record.levelname} {record.name}: {msg}")


def load_certs(pattern):
    from asn1crypto import pem, x509

    certs = []
    for path in sorted(glob.glob(pattern)):
        with open(path, "rb") as fh:
            data = fh.read()
        if pem.detect(data):
            certs += [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
        else:
            certs.append(x509.Certificate.load(data))
    return certs


def worker_init(corpus, nssdir, online=None):
    handler = _ListHandler()
    for name in ("pyhanko", "pyhanko_certvalidator"):
        lg = logging.getLogger(name)
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
        lg.propagate = False
    _W.update(
        corpus=corpus,
        nssdir=nssdir,
        log=handler,
        roots=load_certs(os.path.join(corpus, "pki", "roots", "*.pem")),
        # online: nothing but the roots; pyHanko fetches the issuing CA from caIssuers
        intermediates=[] if online else load_certs(os.path.join(corpus, "pki", "intermediates", "*.pem")),
        online=online,
    )


def key_kind(cert):
    """The manifest's spelling of a certificate's key: RSA-2048, ECDSA-P256, ..."""
    pk = cert.public_key
    if pk.algorithm == "rsa":
        return f"RSA-{pk.bit_size}"
    if pk.algorithm == "ec":
        curve = pk.curve[1]
        return {"secp256r1": "ECDSA-P256", "secp384r1": "ECDSA-P384"}.get(curve, f"EC-{curve}")
    return pk.algorithm


def _enum_name(v):
    return None if v is None else getattr(v, "name", str(v))


def acrobat_diff_policy():
    """pyHanko's default diff policy, except that new visible signature fields after a
    certification signature are allowed, as Acrobat allows them (pyHanko's default is, in its
    own words, "stricter than Acrobat"): the manifest's certified documents add a visible
    signature field with each later signature, which DocMDP P=2 permits (signing)."""
    from pyhanko.sign.diff_analysis import (
        DEFAULT_DIFF_POLICY,
        FormUpdatingRule,
        GenericFieldModificationRule,
        SigFieldCreationRule,
        SigFieldModificationRule,
        StandardDiffPolicy,
    )

    return StandardDiffPolicy(
        global_rules=DEFAULT_DIFF_POLICY.global_rules,
        form_rule=FormUpdatingRule(
            field_rules=[
                SigFieldCreationRule(allow_new_visible_after_certify=True),
                SigFieldModificationRule(),
                GenericFieldModificationRule(),
            ],
        ),
    )


async def _pyhanko_document(path):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import SuspiciousModification
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.status import ModificationInfo
    from pyhanko_certvalidator import ValidationContext

    log = _W["log"]
    policy = acrobat_diff_policy()
    result = {"read_error": None, "signatures": []}
    with open(path, "rb") as fh:
        try:
            reader = PdfFileReader(fh)  # strict mode: our generator should write clean PDFs
            embedded = list(reader.embedded_signatures)
        except Exception as e:  # noqa: BLE001 - any failure to read is an observation
            result["read_error"] = f"{type(e).__name__}: {e}"
            return result
        for emb in embedded:
            sig = {"field": str(emb.field_name), "error": None, "status": None, "log": []}
            try:
                sig["byte_range"] = [int(x) for x in emb.sig_object["/ByteRange"]]
            except Exception as e:  # noqa: BLE001
                sig["byte_range"] = f"unreadable: {e}"
            sig["subfilter"] = str(emb.sig_object.get("/SubFilter", "")).lstrip("/")
            try:
                sig["signed_revision"] = emb.signed_revision
            except Exception:  # noqa: BLE001
                sig["signed_revision"] = None
            log.messages = []
            online = _W["online"]
            vc = ValidationContext(
                trust_roots=_W["roots"],
                other_certs=_W["intermediates"],
                allow_fetching=True,
                revocation_mode="require",
                # online: the corpus' validation time (point-in-time validation: a revocation
                # counts when its date is before the moment); else "now".
                moment=online["moment"] if online else None,
            )
            try:
                st = await async_validate_pdf_signature(emb, signer_validation_context=vc, diff_policy=policy)
                cert = st.signing_cert
                diff = st.diff_result
                sig["status"] = {
                    "intact": st.intact,
                    "valid": st.valid,
                    "trusted": st.trusted,
                    "revoked": st.revoked,
                    "bottom_line": st.bottom_line,
                    "summary": st.summary(),
                    "trust_problem_indic": _enum_name(st.trust_problem_indic),
                    "coverage": _enum_name(st.coverage),
                    "modification_level": _enum_name(st.modification_level),
                    "docmdp_ok": st.docmdp_ok,
                    "diff_error": str(diff) if isinstance(diff, SuspiciousModification) else None,
                    "md_algorithm": st.md_algorithm,
                    "signer_cn": cert.subject.native.get("common_name"),
                    "signer_dn": cert.subject.human_friendly,
                    "key": key_kind(cert),
                    "not_after": cert.not_valid_after.isoformat(),
                }
            except Exception as e:  # noqa: BLE001 - pyHanko refusing a signature is an outcome
                sig["error"] = {
                    "type": type(e).__name__,
                    "message": str(e),
                    "ades_subindication": _enum_name(getattr(e, "ades_subindication", None)),
                }
                # Coverage and modification analysis do not depend on the signer's
                # certificate: still ask pyHanko for them.
                try:
                    emb.compute_integrity_info(diff_policy=policy)
                    info = ModificationInfo(**emb.summarise_integrity_info())
                    sig["integrity"] = {
                        "coverage": _enum_name(info.coverage),
                        "modification_level": _enum_name(info.modification_level),
                        "docmdp_ok": info.docmdp_ok,
                    }
                except Exception as e2:  # noqa: BLE001
                    sig["integrity"] = {"error": f"{type(e2).__name__}: {e2}"}
            finally:
                await vc.aclose()
            sig["log"] = list(log.messages)
            result["signatures"].append(sig)
    return result


def observe(name):
    """Run both tools on one document (in a worker process); returns raw observations."""
    path = os.path.join(_W["corpus"], name)
    obs = {"name": name}
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        obs["file"] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    except OSError as e:
        obs["file"] = {"error": str(e)}
        return obs
    t0 = time.monotonic()
    if not _W["online"]:
        obs["pdfsig_nocert"] = run_pdfsig(path, _W["nssdir"], check_certs=False)
        obs["pdfsig"] = run_pdfsig(path, _W["nssdir"], check_certs=True)
    t1 = time.monotonic()
    try:
        obs["pyhanko"] = asyncio.run(_pyhanko_document(path))
    except Exception as e:  # noqa: BLE001
        obs["pyhanko"] = {"read_error": f"internal: {type(e).__name__}: {e}", "signatures": []}
    obs["seconds"] = {"pdfsig": round(t1 - t0, 3), "pyhanko": round(time.monotonic() - t1, 3)}
    return obs


# ---------------------------------------------------------------------------------------
# Judging: compare observations with the manifest
# ---------------------------------------------------------------------------------------


class Check:
    """The assertions (and recorded, unasserted observations) for one (document, tool)."""

    def __init__(self, doc, tool):
        self.doc, self.tool = doc, tool
        self.assertions = []
        self.notes = []  # things looked at but deliberately not asserted

    def expect(self, sig, what, ok, expected, actual):
        self.assertions.append(
            {"sig": sig, "check": what, "ok": bool(ok), "expected": expected, "actual": actual}
        )

    def note(self, sig, text):
        self.notes.append({"sig": sig, "note": text})

    @property
    def passed(self):
        return all(a["ok"] for a in self.assertions)

    def failures(self):
        return [a for a in self.assertions if not a["ok"]]


def norm_digest(s):
    return re.sub(r"[^a-z0-9]", "", str(s).lower())


def cn_of(dn):
    m = re.search(r"(?:^|[,/;+])\s*CN\s*=\s*([^,/;+]*)", str(dn))
    return m.group(1).strip() if m else None


def sig_findings(ms):
    """The manifest's finding kinds of a signature ([] when absent)."""
    f = mget(ms, SIG_KEYS, "findings")
    return f if isinstance(f, list) else []


def attacked(ms):
    """'signature_wrapping' or 'universal_forgery' when this signature's own dictionary is the
    attack, else None."""
    for kind in ("signature_wrapping", "universal_forgery"):
        if kind in sig_findings(ms):
            return kind
    return None


def pyhanko_modifications(entry, index, ms):
    """The modification verdict expected of pyHanko, which differs from the manifest's where
    pyHanko reads the document differently (by design, not by mistake):

    * unreachable_update: pyHanko follows the startxref chain strictly, so it never sees the
      bytes appended after the signed revision; it shows the signed document and reports the
      modifications of a document without them;
    * field_lock_violation: pyHanko applies a FieldMDP lock to the locking signature only; for
      the later signatures the locked field's change is form filling;
    * signature_wrapping: the gap holds more than /Contents, which pyHanko judges a
      nonstandard coverage (an illegal modification)."""
    mods = mget(ms, SIG_KEYS, "modifications")
    case = doc_case(entry)
    last = index + 1 == len(doc_sigs(entry))
    if case == "unreachable_update":
        return "none" if last else "permitted"
    if case == "field_lock_violation" and index > 0:
        return "permitted"
    if attacked(ms) == "signature_wrapping":
        return "forbidden"
    return mods


def common_sig_assertions(chk, field, ms, got):
    """Identity assertions shared by both tools. `got` maps item -> observed value."""
    br = mget(ms, SIG_KEYS, "byte_range")
    if br is MISSING:
        chk.note(field, "ByteRange not asserted: manifest has no byte_range")
    else:
        chk.expect(field, "ByteRange", got["byte_range"] == list(br), list(br), got["byte_range"])
    sf = mget(ms, SIG_KEYS, "subfilter")
    if sf is MISSING:
        chk.note(field, "SubFilter not asserted: manifest has no subfilter")
    else:
        chk.expect(field, "SubFilter", got["subfilter"] == sf, sf, got["subfilter"])
    dg = mget(ms, SIG_KEYS, "digest")
    if dg is MISSING:
        chk.note(field, "digest not asserted: manifest has no digest")
    elif got.get("digest") is None:
        chk.note(field, "digest not compared: the tool reported none (signature refused)")
    else:
        chk.expect(field, "digest", norm_digest(got["digest"]) == norm_digest(dg), dg, got["digest"])
    signer = mget(ms, SIG_KEYS, "signer")
    if signer is MISSING or cn_of(signer) is None:
        chk.note(field, f"signer CN not asserted: manifest signer {signer if signer is not MISSING else 'absent'}")
    elif got.get("cn") is None:
        chk.note(field, "signer CN not compared: no signer certificate (missing from the CMS, or signature refused)")
    else:
        chk.expect(field, "signer CN", got["cn"] == cn_of(signer), cn_of(signer), got["cn"])


def assert_pdfsig(chk, entry, obs):
    """pdfsig's assertions for one document."""
    blocks = obs["pdfsig_nocert"]["blocks"]  # signature-level judgments
    cblocks = obs["pdfsig"]["blocks"]  # the run with certificate validation
    signed = [b for b in blocks if b.get("signed")]
    status = mget(entry, DOC_KEYS, "status")
    msigs = doc_sigs(entry)

    if status == "ERROR":
        for run, bl in (("-nocert", blocks), ("with certificates", cblocks)):
            full = [b.get("Signature Field Name") for b in bl if b.get("signed")
                    and b.get("Signature Validation") == PDFSIG_VALID and b.get("total") is True]
            n = sum(1 for b in bl if b.get("signed"))
            chk.expect(None, f"ERROR document not validly signed in full (pdfsig {run})", not full,
                       "no signature both valid and total", f"valid and total: {full}" if full else
                       (f"{n} signature(s), none valid in full" if n else "no signature reported"))
        return

    by_field = {b.get("Signature Field Name"): b for b in signed}
    cby_field = {b.get("Signature Field Name"): b for b in cblocks if b.get("signed")}
    mfields = [mget(s, SIG_KEYS, "field") for s in msigs]
    chk.expect(None, "signed fields", sorted(map(str, by_field)) == sorted(map(str, mfields)),
               sorted(map(str, mfields)), sorted(map(str, by_field)))
    first = cblocks[0] if cblocks else None

    for ms in msigs:
        field = mget(ms, SIG_KEYS, "field")
        b = by_field.get(field)
        if b is None:
            chk.expect(field, "signature reported", False, "listed by pdfsig", "absent")
            continue
        sub = mget(ms, SIG_KEYS, "sub_indication")
        ind = mget(ms, SIG_KEYS, "indication")
        attack = attacked(ms)
        common_sig_assertions(chk, field, ms, {
            "byte_range": pdfsig_ranges(b.get("Signed Ranges")),
            "subfilter": b.get("Signature Type"),
            # an all-zero /Contents has no CMS to take these from
            "digest": None if attack == "universal_forgery" else b.get("Signing Hash Algorithm"),
            # there is no certificate to name when the CMS carries none
            "cn": None if sub == "NO_SIGNING_CERTIFICATE_FOUND" or attack == "universal_forgery"
            else b.get("Signer Certificate Common Name"),
        })
        cov = mget(ms, SIG_KEYS, "covers_whole_file")
        want_cov = "Total document signed" if cov else "Not total document signed"
        got_cov = {True: "Total document signed", False: "Not total document signed"}.get(b.get("total"), "no coverage line")
        if attack == "signature_wrapping":
            # pdfsig counts /Contents, not the gap: a gap holding more is not total.
            want_cov = "Not total document signed"
        if attack == "universal_forgery":
            chk.note(field, f"coverage not asserted for an all-zero /Contents (pdfsig: {got_cov})")
        else:
            chk.expect(field, "coverage", got_cov == want_cov, want_cov, got_cov)

        sv = b.get("Signature Validation")
        cb = cby_field.get(field, {})
        cv = cb.get("Certificate Validation")
        is_first = cb is first
        if cb.get("Signature Validation") != sv:
            chk.note(field, f"with certificate validation on, pdfsig's signature line differs: {sv!r} -nocert, "
                            f"{cb.get('Signature Validation')!r} with certificates (NSS certificate cache)")
        # (expected signature line: (predicate, description)), (expected cert line on the first signature)
        sig_rule = cert_rule = None
        if ind == "TOTAL_PASSED":
            sig_rule = ({PDFSIG_VALID}, PDFSIG_VALID)
            cert_rule = ({CERT_TRUSTED}, CERT_TRUSTED)
        elif sub == "HASH_FAILURE":
            sig_rule = ({PDFSIG_DIGEST_MISMATCH}, PDFSIG_DIGEST_MISMATCH)
        elif sub == "SIG_CRYPTO_FAILURE":
            sig_rule = ({PDFSIG_INVALID}, PDFSIG_INVALID)
        elif sub == "REVOKED_NO_POE":
            sig_rule = ({PDFSIG_VALID}, PDFSIG_VALID)
            cert_rule = ({CERT_REVOKED}, CERT_REVOKED)  # judged offline from the imported CRLs
        elif sub == "OUT_OF_BOUNDS_NO_POE":
            sig_rule = ({PDFSIG_VALID}, PDFSIG_VALID)
            cert_rule = ({CERT_EXPIRED}, CERT_EXPIRED)
        elif sub == "NO_CERTIFICATE_CHAIN_FOUND":
            sig_rule = ({PDFSIG_VALID}, PDFSIG_VALID)
            cert_rule = ({CERT_ISSUER_UNTRUSTED, CERT_ISSUER_UNKNOWN}, "issuer not trusted / unknown")
        elif sub == "CRYPTO_CONSTRAINTS_FAILURE_NO_POE":
            # intact: the digest matched (pdfsig has no algorithm policy to judge the rest)
            sig_rule = ({PDFSIG_VALID, PDFSIG_INVALID}, "intact (Valid or Invalid, not Digest Mismatch)")
            chk.note(field, f"SHA-1 outcome recorded: {sv!r} / {cv!r}")
        elif sub == "NO_SIGNING_CERTIFICATE_FOUND":
            sig_rule = (lambda v: v != PDFSIG_VALID, "anything but " + PDFSIG_VALID)
        elif attack == "universal_forgery":
            sig_rule = (lambda v: v != PDFSIG_VALID, "anything but " + PDFSIG_VALID)
        elif attack == "signature_wrapping":
            # The DER in /Contents is the genuine signature over the genuine ranges: pdfsig
            # verifies it and does not judge what else the gap holds.
            chk.note(field, f"wrapped signature: pdfsig says {sv!r} (it does not judge the gap's extra bytes)")
        else:
            chk.note(field, f"validation line not asserted: no rule for indication={ind} sub_indication={sub} "
                            f"(pdfsig said {sv!r} / {cv!r})")
        if sig_rule is not None:
            pred, desc = sig_rule
            ok = pred(sv) if callable(pred) else sv in pred
            chk.expect(field, "signature validation", ok, desc, sv)
        if cert_rule is not None:
            pred, desc = cert_rule
            if is_first:
                chk.expect(field, "certificate validation (first signature)", cv in pred, desc, cv)
            elif ind != "TOTAL_PASSED":
                # pdfsig's stale-error defect only turns a successful chain validation into
                # "Unknown issue…"; a failed one reports its real NSS error on any signature,
                # so a negative trust outcome is asserted everywhere.
                chk.expect(field, "certificate validation (negative outcome)", cv in pred, desc, cv)
            else:
                chk.note(field, f"certificate line not asserted (not pdfsig's first signature): {cv!r}")


def assert_pyhanko(chk, entry, obs):
    """pyHanko's assertions for one document."""
    res = obs["pyhanko"]
    status = mget(entry, DOC_KEYS, "status")
    msigs = doc_sigs(entry)
    psigs = res["signatures"]

    if status == "ERROR":
        full = [s["field"] for s in psigs if s["status"] and s["status"]["intact"]
                and s["status"]["valid"] and s["status"]["coverage"] == "ENTIRE_FILE"]
        chk.expect(None, "ERROR document not validly signed in full", not full,
                   "no signature intact, valid and ENTIRE_FILE",
                   f"valid in full: {full}" if full else (res["read_error"] or f"{len(psigs)} signature(s), none valid in full"))
        return

    if res["read_error"]:
        forged = [mget(s, SIG_KEYS, "field") for s in msigs if attacked(s) == "universal_forgery"]
        if forged:
            # pyHanko parses every /Contents when listing signatures: an all-zero one stops it
            # before any signature is validated, which never passes the forgery.
            chk.expect(None, "document with an all-zero /Contents refused", True,
                       f"refused or {forged} not validated", res["read_error"])
            return
        if entry.get("case") == "truncated":
            # An update cut short (no %%EOF after it): pyHanko's strict reader refuses the file,
            # which never passes a signature over the missing bytes. sigaudit judges the intact
            # revisions' signatures and fails the document as changed after signing.
            chk.expect(None, "truncated document refused by the strict reader", True,
                       "refused (strict mode)", res["read_error"])
            return
        chk.expect(None, "document readable", False, "readable (strict mode)", res["read_error"])
        return
    by_field = {s["field"]: s for s in psigs}
    mfields = [mget(s, SIG_KEYS, "field") for s in msigs]
    chk.expect(None, "signed fields", sorted(map(str, by_field)) == sorted(map(str, mfields)),
               sorted(map(str, mfields)), sorted(map(str, by_field)))

    for index, ms in enumerate(msigs):
        field = mget(ms, SIG_KEYS, "field")
        attack = attacked(ms)
        ps = by_field.get(field)
        if ps is None:
            chk.expect(field, "signature reported", False, "embedded signature", "absent")
            continue
        ind = mget(ms, SIG_KEYS, "indication")
        sub = mget(ms, SIG_KEYS, "sub_indication")
        st, err = ps["status"], ps["error"]
        common_sig_assertions(chk, field, ms, {
            "byte_range": ps["byte_range"],
            "subfilter": ps["subfilter"],
            "digest": st["md_algorithm"] if st else None,
            "cn": st["signer_cn"] if st else None,
        })
        mkey = mget(ms, SIG_KEYS, "key")
        if mkey is MISSING:
            chk.note(field, "key not asserted: manifest has no key")
        elif sub in ("SIG_CRYPTO_FAILURE", "NO_SIGNING_CERTIFICATE_FOUND"):
            # the signature value was not made with (or there is no) the certificate's key
            chk.note(field, f"key not asserted for {sub}: pyHanko saw {st['key'] if st else None}")
        elif st:
            chk.expect(field, "key", st["key"] == mkey, mkey, st["key"])

        # Coverage and modifications: from the full status, else from the integrity-only
        # analysis made after pyHanko refused the signature.
        integ = st or ps.get("integrity") or {}
        cov = mget(ms, SIG_KEYS, "covers_whole_file")
        want_cov = "ENTIRE_FILE" if cov else "ENTIRE_REVISION"
        if attack == "signature_wrapping":
            want_cov = "UNCLEAR"  # the gap holds more than /Contents
        got_cov = integ.get("coverage", integ.get("error", "unavailable"))
        chk.expect(field, "coverage", got_cov == want_cov, want_cov, got_cov)
        mods = pyhanko_modifications(entry, index, ms)
        if mods != mget(ms, SIG_KEYS, "modifications"):
            chk.note(field, f"{doc_case(entry)}: modifications asserted as {mods!r} for pyHanko, "
                            f"{mget(ms, SIG_KEYS, 'modifications')!r} in the manifest (see pyhanko_modifications)")
        lvl, docmdp = integ.get("modification_level"), integ.get("docmdp_ok")
        got_mod = f"{lvl}, docmdp_ok={docmdp}"
        if mods == "none":
            chk.expect(field, "modifications", lvl == "NONE", "NONE", got_mod)
        elif mods == "permitted":
            chk.expect(field, "modifications", lvl in ("NONE", "LTA_UPDATES", "FORM_FILLING") and docmdp is True,
                       "NONE/LTA_UPDATES/FORM_FILLING, docmdp_ok=True", got_mod)
        elif mods == "forbidden":
            chk.expect(field, "modifications", lvl == "OTHER" and docmdp is False, "OTHER, docmdp_ok=False", got_mod)
        else:
            chk.note(field, f"modifications not asserted: unknown value {mods!r} (pyHanko: {got_mod})")

        # The outcome.
        if err is not None:
            got = f"validation refused: {err['type']}: {err['message']} [{err['ades_subindication']}]"
        else:
            got = (f"{st['summary']} intact={st['intact']} valid={st['valid']} trusted={st['trusted']} "
                   f"revoked={st['revoked']} indic={st['trust_problem_indic']} bottom_line={st['bottom_line']}")

        def want(desc, pred):
            chk.expect(field, "outcome", st is not None and pred(st), desc, got)

        if ind == "TOTAL_PASSED":
            # pyHanko's bottom_line also folds in the DocMDP verdict, which the manifest
            # keeps apart in `modifications` (a signature can pass while a later unsigned
            # revision makes forbidden changes): it must be False exactly then.
            forbidden = mods == "forbidden"
            want(f"intact, valid, trusted, not revoked, bottom_line={not forbidden}",
                 lambda s: s["intact"] and s["valid"] and s["trusted"] and not s["revoked"]
                 and s["trust_problem_indic"] is None and s["bottom_line"] is (not forbidden))
        elif sub == "HASH_FAILURE":
            want("not intact", lambda s: not s["intact"])
        elif sub == "SIG_CRYPTO_FAILURE":
            want("intact, not valid", lambda s: s["intact"] and not s["valid"])
        elif sub == "REVOKED_NO_POE":
            want("intact, valid, revoked, not trusted, indic REVOKED_NO_POE",
                 lambda s: s["intact"] and s["valid"] and s["revoked"] and not s["trusted"]
                 and s["trust_problem_indic"] == "REVOKED_NO_POE")
        elif sub == "REVOKED":
            # revoked before the signature's proof of existence (a signature timestamp made
            # after the revocation): pyHanko reads the timestamp but has no POE concept here,
            # so it says REVOKED_NO_POE.
            want("intact, valid, revoked, not trusted, indic REVOKED[_NO_POE]",
                 lambda s: s["intact"] and s["valid"] and s["revoked"] and not s["trusted"]
                 and s["trust_problem_indic"] in ("REVOKED", "REVOKED_NO_POE"))
        elif sub == "OUT_OF_BOUNDS_NO_POE":
            want("intact, valid, not trusted, indic OUT_OF_BOUNDS_NO_POE",
                 lambda s: s["intact"] and s["valid"] and not s["trusted"]
                 and s["trust_problem_indic"] == "OUT_OF_BOUNDS_NO_POE")
        elif sub == "NO_CERTIFICATE_CHAIN_FOUND":
            want("intact, valid, not trusted, indic NO_CERTIFICATE_CHAIN_FOUND",
                 lambda s: s["intact"] and s["valid"] and not s["trusted"]
                 and s["trust_problem_indic"] == "NO_CERTIFICATE_CHAIN_FOUND")
        elif sub == "CRYPTO_CONSTRAINTS_FAILURE_NO_POE":
            # pyHanko's default algorithm policy rejects SHA-1 signatures made today; it has
            # no POE concept here, so it says CRYPTO_CONSTRAINTS_FAILURE without _NO_POE.
            want("intact, not passing, indic CRYPTO_CONSTRAINTS_FAILURE[_NO_POE]",
                 lambda s: s["intact"] and not s["bottom_line"]
                 and s["trust_problem_indic"] in ("CRYPTO_CONSTRAINTS_FAILURE",
                                                  "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"))
        elif sub == "NO_SIGNING_CERTIFICATE_FOUND":
            ok = (err is not None and err["ades_subindication"] == "NO_SIGNING_CERTIFICATE_FOUND") or (
                st is not None and not st["bottom_line"] and st["trust_problem_indic"] == "NO_SIGNING_CERTIFICATE_FOUND")
            chk.expect(field, "outcome", ok, "not validated, NO_SIGNING_CERTIFICATE_FOUND", got)
        elif attack is not None:
            # FORMAT_FAILURE of an attacked signature dictionary: never a passing signature.
            ok = err is not None or (st is not None and not st["bottom_line"])
            chk.expect(field, "outcome", ok, f"{attack}: refused or not passing", got)
        else:
            chk.note(field, f"outcome not asserted: no rule for indication={ind} sub_indication={sub} (pyHanko: {got})")


# The assertions that carry a document's verdict (see assert_pyhanko / assert_pdfsig).
VERDICT_CHECKS = ("outcome", "signature validation")


def judged(chk, entry):
    """Whether `chk` asserted the document's verdict: an ERROR or refused document's
    document-level assertion, or an outcome assertion on every manifest signature."""
    if any(a["sig"] is None and ("ERROR document" in a["check"] or "refused" in a["check"])
           for a in chk.assertions):
        return True
    sigs = [mget(s, SIG_KEYS, "field") for s in doc_sigs(entry)]
    with_verdict = {a["sig"] for a in chk.assertions if a["check"] in VERDICT_CHECKS}
    return bool(sigs) and all(f in with_verdict for f in sigs)


def judge(entry, obs, tools=("pdfsig", "pyhanko")):
    """The checks of `tools` (both by default) for one manifest entry."""
    name = mget(entry, DOC_KEYS, "name")
    checks = [Check(name, tool) for tool in tools]
    for chk in checks:
        # Preconditions: the file is the one the manifest describes, and the manifest
        # entry has what is needed to judge it.
        f = obs.get("file", {})
        if "error" in f:
            chk.expect(None, "file readable", False, "readable", f["error"])
            continue
        for key in ("sha256", "bytes"):
            want = mget(entry, DOC_KEYS, key)
            if want is MISSING:
                chk.note(None, f"file {key} not compared: manifest has no {key}")
            else:
                chk.expect(None, f"file {key} matches manifest", f[key] == want, want, f[key])
        missing = [k for k in ("status", "signatures") if mget(entry, DOC_KEYS, k) is MISSING]
        for s in doc_sigs(entry):
            missing += [f"signatures[].{k}" for k in REQUIRED_SIG_KEYS if mget(s, SIG_KEYS, k) is MISSING]
        if missing:
            chk.expect(None, "manifest entry complete", False, "keys present", f"missing {sorted(set(missing))}")
            continue
        (assert_pdfsig if chk.tool == "pdfsig" else assert_pyhanko)(chk, entry, obs)
    return checks


# ---------------------------------------------------------------------------------------
# Set-up: NSS database for pdfsig, HTTP server for pyHanko
# ---------------------------------------------------------------------------------------


def make_nss_db(corpus, setup_notes):
    from asn1crypto import pem

    db = tempfile.mkdtemp(prefix="peer-check-nss-")
    subprocess.run(["certutil", "-N", "-d", "sql:" + db, "--empty-password"], check=True, capture_output=True)

    def add_certs(kind, trust):
        n = 0
        for path in sorted(glob.glob(os.path.join(corpus, "pki", kind, "*.pem"))):
            with open(path, "rb") as fh:
                data = fh.read()
            ders = [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
            for i, der in enumerate(ders):
                tmp = os.path.join(db, "cert.der")
                with open(tmp, "wb") as fh:
                    fh.write(der)
                nick = f"{kind}-{os.path.basename(path)}-{i}"
                p = subprocess.run(["certutil", "-A", "-d", "sql:" + db, "-n", nick, "-t", trust, "-i", tmp],
                                   capture_output=True, text=True)
                if p.returncode != 0:
                    raise RuntimeError(f"certutil could not import {path}: {p.stderr.strip()}")
                n += 1
        return n

    roots = add_certs("roots", "C,C,C")
    if roots == 0:
        raise RuntimeError(f"no trust anchors in {corpus}/pki/roots/*.pem")
    inters = add_certs("intermediates", ",,")
    crls = 0
    for path in sorted(glob.glob(os.path.join(corpus, "pki", "crls", "*.crl"))):
        p = subprocess.run(["crlutil", "-I", "-d", "sql:" + db, "-i", path, "-t", "1"], capture_output=True, text=True)
        if p.returncode == 0:
            crls += 1
        else:  # e.g. a CRL of an untrusted (rogue) CA, whose issuer NSS does not know
            setup_notes.append(f"NSS did not import {os.path.relpath(path, corpus)}: "
                               f"{(p.stderr or p.stdout).strip()}")
    setup_notes.append(f"NSS db: {roots} trusted root(s), {inters} intermediate(s), {crls} CRL(s)")
    return db


class PkiHandler(http.server.SimpleHTTPRequestHandler):
    """Serves DIR/pki read-only; OCSP (and anything else not a file) is 404."""

    counts = collections.Counter()
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def _count(self, code):
        kind = self.path.strip("/").split("/", 1)[0] or "/"
        with self.lock:
            self.counts[f"{self.command} /{kind}/ -> {code}"] += 1

    def send_head(self):
        path = self.translate_path(self.path)
        if self.path.startswith("/ocsp/") or not os.path.isfile(path):
            self._count(404)
            self.send_error(404)
            return None
        self._count(200)
        return super().send_head()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._count(404)
        self.send_error(404)


def start_server(corpus, port):
    handler = functools.partial(PkiHandler, directory=os.path.join(corpus, "pki"))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, name="pki-http", daemon=True).start()
    return srv


# ---------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------


def tool_versions():
    v = {}
    try:
        p = subprocess.run(["pdfsig", "-v"], capture_output=True, text=True)
        v["pdfsig"] = (p.stderr or p.stdout).splitlines()[0].strip()
    except (OSError, IndexError) as e:
        v["pdfsig"] = f"unavailable ({e})"
    for dist in ("pyHanko", "pyhanko-certvalidator"):
        try:
            v[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            v[dist] = "unavailable"
    return v


def outcome_word(tool, obs, field):
    """A short description of what a tool said about one signature (for the case table)."""
    if tool == "pdfsig":
        sig_line = cert_line = "absent"
        for b in obs["pdfsig_nocert"]["blocks"]:
            if b.get("Signature Field Name") == field:
                sig_line = b.get("Signature Validation")
        for i, b in enumerate(obs["pdfsig"]["blocks"]):
            if b.get("Signature Field Name") == field:
                cert_line = ("1st: " if i == 0 else "") + b.get("Certificate Validation", "-")
        return f"{sig_line} / {cert_line}"
    for s in obs["pyhanko"]["signatures"]:
        if s["field"] == field:
            if s["status"]:
                st = s["status"]
                return f"{st['summary']} [{st['trust_problem_indic'] or 'no problem'}]"
            return f"refused [{s['error']['ades_subindication'] or s['error']['type']}]"
    return "absent" if not obs["pyhanko"]["read_error"] else "unreadable"


def pdfsig_gist(run):
    """One line for a pdfsig run on a document the manifest says has no signature."""
    blocks = [b for b in run["blocks"] if b.get("signed")]
    if blocks:
        return f"{len(blocks)} signature(s): " + ", ".join(
            f"{b.get('Signature Validation')} {'total' if b.get('total') else 'not total'}" for b in blocks)
    lines = (run["stdout"] + run["stderr"]).strip().splitlines()
    return lines[-1] if lines else "(no output)"


def indent(text, prefix="        "):
    return "\n".join(prefix + line for line in text.rstrip("\n").splitlines())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True, help="corpus directory (with manifest.jsonl, docs/, pki/)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--port", type=int, default=18080, help="loopback port serving DIR/pki (default 18080)")
    ap.add_argument("--json-out", help="write every observation and assertion to this JSON file")
    ap.add_argument("--online", action="store_true",
                    help="pyHanko only, fetching the chain and revocation data from the certificates' URLs "
                         "(a leaf/none corpus, its server running), at the corpus' validation time")
    args = ap.parse_args()
    corpus = os.path.abspath(args.corpus)
    started = time.monotonic()

    online = None
    if args.online:
        import datetime

        try:
            with open(os.path.join(corpus, "params.json"), encoding="utf-8") as fh:
                params = json.load(fh)
            moment = datetime.datetime.fromisoformat(params["validation_time"].replace("Z", "+00:00"))
        except (OSError, KeyError, ValueError) as e:
            sys.exit(f"peer-check: --online needs {corpus}/params.json with a validation_time: {e}")
        online = {"moment": moment, "base_url": params.get("base_url")}
        tools = ("pyhanko",)
    else:
        tools = ("pdfsig", "pyhanko")
        for tool in ("pdfsig", "certutil", "crlutil"):
            if shutil.which(tool) is None:
                sys.exit(f"peer-check: {tool} not found (apt-get install poppler-utils libnss3-tools)")
    manifest_path = os.path.join(corpus, "manifest.jsonl")
    entries = []
    with open(manifest_path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                try:
                    entries.append(json.loads(line))
                except json.JSONDecodeError as e:
                    sys.exit(f"peer-check: {manifest_path}:{lineno}: not JSON: {e}")
    if not entries:
        sys.exit(f"peer-check: {manifest_path} lists no documents")
    if any(mget(e, DOC_KEYS, "name") is MISSING for e in entries):
        sys.exit("peer-check: a manifest entry has no name")
    names = [mget(e, DOC_KEYS, "name") for e in entries]
    on_disk = {os.path.relpath(p, corpus) for p in glob.glob(os.path.join(corpus, "docs", "*"))}
    unlisted = sorted(on_disk - set(names))

    versions = tool_versions()
    setup_notes = []
    if online:
        nssdir = None
        setup_notes.append(f"online: pyHanko fetches from {online['base_url']} (the caller's server), "
                           f"trust roots pki/roots only, no intermediates given, revocation mode 'require', "
                           f"moment {online['moment'].isoformat()}")
    else:
        nssdir = make_nss_db(corpus, setup_notes)
    ctx = multiprocessing.get_context("spawn")
    observations = {}
    try:
        with ctx.Pool(args.jobs, initializer=worker_init, initargs=(corpus, nssdir, online)) as pool:
            if online:
                server = None
            else:
                try:
                    server = start_server(corpus, args.port)
                except OSError as e:
                    sys.exit(f"peer-check: cannot serve {corpus}/pki on 127.0.0.1:{args.port}: {e}")
            try:
                for i, obs in enumerate(pool.imap_unordered(observe, names), 1):
                    observations[obs["name"]] = obs
                    if i % 10 == 0 or i == len(names):
                        print(f"  ... {i}/{len(names)} documents observed ({time.monotonic() - started:.0f} s)",
                              file=sys.stderr, flush=True)
            finally:
                if server is not None:
                    server.shutdown()
                    server.server_close()
    finally:
        if nssdir is not None:
            shutil.rmtree(nssdir, ignore_errors=True)

    checks = []
    for entry in entries:
        checks += judge(entry, observations[mget(entry, DOC_KEYS, "name")], tools)
    elapsed = time.monotonic() - started
    passed = sum(c.passed for c in checks)
    failed = len(checks) - passed

    # ---- summary
    nsigs = sum(len(doc_sigs(e)) for e in entries)
    print(f"peer-check of {corpus}")
    print(f"tools: {versions['pdfsig']}; pyHanko {versions['pyHanko']} "
          f"(pyhanko-certvalidator {versions['pyhanko-certvalidator']})")
    for n in setup_notes:
        print(f"setup: {n}")
    if not online:
        print(f"HTTP on 127.0.0.1:{args.port}: " + (", ".join(f"{k} x{v}" for k, v in sorted(PkiHandler.counts.items()))
                                                 or "no requests"))
    print(f"documents: {len(entries)} ({collections.Counter(mget(e, DOC_KEYS, 'status') for e in entries)}), "
          f"signatures in manifest: {nsigs}; elapsed {elapsed:.1f} s with {args.jobs} job(s)")
    if unlisted:
        print(f"WARNING: {len(unlisted)} file(s) in docs/ are not in the manifest and were not checked: "
              f"{unlisted[:10]}{' ...' if len(unlisted) > 10 else ''}")
    for tool in tools:
        tc = [c for c in checks if c.tool == tool]
        sigs_checked = len({(c.doc, a["sig"]) for c in tc for a in c.assertions if a["sig"] is not None})
        n_ass = sum(len(c.assertions) for c in tc)
        n_bad = sum(len(c.failures()) for c in tc)
        print(f"{tool:8s} documents {len(tc)}, signatures checked {sigs_checked}, assertions {n_ass} "
              f"({n_ass - n_bad} agree, {n_bad} disagree); checks: {sum(c.passed for c in tc)} agree, "
              f"{sum(not c.passed for c in tc)} mismatch")

    # per case: pass/fail per tool and how each tool worded its verdicts
    print("\nby case (checks passed/total; what each tool said, per signature):")
    by_case = collections.defaultdict(list)
    for e in entries:
        by_case[doc_case(e)].append(e)
    for case in sorted(by_case):
        es = by_case[case]
        line = f"  {case}:"
        for tool in tools:
            tc = [c for c in checks if c.tool == tool and c.doc in {mget(e, DOC_KEYS, 'name') for e in es}]
            line += f"  {tool} {sum(c.passed for c in tc)}/{len(tc)}"
        print(line)
        for tool in tools:
            words = collections.Counter()
            for e in es:
                obs = observations[mget(e, DOC_KEYS, "name")]
                sigs = doc_sigs(e)
                if not sigs:
                    words["(no signature in manifest) " + (
                        f"pdfsig: {pdfsig_gist(obs['pdfsig_nocert'])}"
                        if tool == "pdfsig" else f"pyHanko: {obs['pyhanko']['read_error'] or 'read ok'}")] += 1
                for s in sigs:
                    f = mget(s, SIG_KEYS, "field")
                    words[f"{mget(s, SIG_KEYS, 'sub_indication') or mget(s, SIG_KEYS, 'indication')}: "
                          f"{outcome_word(tool, obs, f)}"] += 1
            for w, n in sorted(words.items()):
                print(f"      {tool:8s} x{n:<3d} {w}")

    notes = collections.Counter(f"[{c.tool}] {n['note']}" for c in checks for n in c.notes)
    if notes:
        print("\nnot asserted (recorded only):")
        for n, k in sorted(notes.items()):
            print(f"  x{k:<3d} {n}")

    bad = [c for c in checks if not c.passed]
    if bad:
        print(f"\nMISMATCHES ({len(bad)} checks):")
        for c in bad:
            obs = observations[c.doc]
            print(f"  {c.doc} [{c.tool}]")
            for a in c.failures():
                print(f"    - {a['sig'] or '(document)'}: {a['check']}: expected {a['expected']}, got {a['actual']}")
            if c.tool == "pdfsig":
                for run, label in (("pdfsig_nocert", "pdfsig -nocert"), ("pdfsig", "pdfsig -no-ocsp (certificates)")):
                    print(f"      {label}, exit {obs[run]['rc']}:")
                    print(indent(obs[run]["stdout"] + obs[run]["stderr"] or "(nothing)"))
            else:
                ph = obs["pyhanko"]
                if ph["read_error"]:
                    print(f"      pyHanko: {ph['read_error']}")
                for s in ph["signatures"]:
                    st = s["status"]
                    print(f"      pyHanko {s['field']}: " + (
                        f"{st['summary']} intact={st['intact']} valid={st['valid']} trusted={st['trusted']} "
                        f"revoked={st['revoked']} indic={st['trust_problem_indic']} coverage={st['coverage']} "
                        f"modification_level={st['modification_level']} docmdp_ok={st['docmdp_ok']} "
                        f"bottom_line={st['bottom_line']}" if st else f"refused: {s['error']} {s.get('integrity')}"))
                    if st and st["diff_error"]:
                        print(indent(f"diff: {st['diff_error']}"))
                    for msg in s["log"]:
                        if not msg.startswith("INFO"):
                            print(indent(msg[:600], "        log: "))

    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump({
                "corpus": corpus,
                "versions": versions,
                "setup": setup_notes,
                "http": dict(PkiHandler.counts),
                "elapsed_seconds": round(elapsed, 1),
                "unlisted_files": unlisted,
                "documents": [{
                    "name": mget(e, DOC_KEYS, "name"),
                    "manifest": e,
                    "observations": observations[mget(e, DOC_KEYS, "name")],
                    "checks": [{"tool": c.tool, "passed": c.passed, "assertions": c.assertions, "notes": c.notes}
                               for c in checks if c.doc == mget(e, DOC_KEYS, "name")],
                } for e in entries],
                "passed": passed,
                "failed": failed,
            }, fh, indent=1, default=str)

    for tool in tools:
        tc = [c for c in checks if c.tool == tool]
        print(f"peer-check judged: {sum(judged(c, e) for c, e in zip(tc, entries))} of {len(tc)} documents"
              + (f" ({tool})" if len(tools) > 1 else ""))
    print(f"\npeer-check: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
