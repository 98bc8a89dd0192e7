#!/usr/bin/env python3
"""An independent oracle for the signatures of a generated corpus (corpus/tests/algorithms.rs).

For every signature listed in DIR/manifest.jsonl, this script takes the detached CMS from the
PDF's /Contents (the gap of the manifest's byte_range), reads it with a small DER reader of its
own (no code of the generator or of sigaudit), and checks with python-cryptography (OpenSSL):

  - digest: the messageDigest signed attribute equals the hash of the signed byte ranges under
    the SignerInfo's digestAlgorithm (SHA-1, SHA-2, SHA-3, or SHAKE256 with the output length
    id-shake256-len names, RFC 8419 2.3);
  - signature: the SignerInfo's signature verifies over the DER signed attributes re-tagged as
    SET OF (0x31, RFC 5652 5.4) with the public key of the certificate the SignerInfo names by
    issuer and serial, under its signatureAlgorithm: RSASSA-PKCS1-v1_5 with any hash,
    RSASSA-PSS with the parameters it states, ECDSA with any hash on any curve
    python-cryptography knows, Ed25519, Ed448. An RSA modulus is read as an unsigned
    magnitude whatever its INTEGER's sign octet (as NSS reads keys that are not DER);
  - openssl: with --openssl, `openssl cms -verify -binary -noverify` over the same bytes (the
    signer certificate's path is not checked, only the signature and the digest).

One JSON line per signature:
  {"name": …, "field": …, "digest_ok": bool, "signature_ok": bool, "error": str or null,
   "openssl_ok": bool or null, "openssl_error": str or null}
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

# --- DER ---------------------------------------------------------------------------------


def tlv(data, i):
    """(tag, start of contents, end of contents) of the element at i (definite lengths)."""
    tag = data[i]
    n = data[i + 1]
    j = i + 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(data[j:j + k], "big")
        j += k
    if j + n > len(data):
        raise ValueError("element overruns its parent")
    return tag, j, j + n


def children(data, start, end):
    """The elements between start and end, as (tag, contents start, contents end, start)."""
    out = []
    i = start
    while i < end:
        tag, cs, ce = tlv(data, i)
        out.append((tag, cs, ce, i))
        i = ce
    return out


def oid(data, cs, ce):
    arcs, value = [], 0
    for b in data[cs:ce]:
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first] + arcs[1:])


def algorithm(data, el):
    """(OID, parameters element or None) of an AlgorithmIdentifier element."""
    items = children(data, el[1], el[2])
    return oid(data, items[0][1], items[0][2]), (items[1] if len(items) > 1 else None)


# --- algorithms --------------------------------------------------------------------------

DIGESTS = {
    "1.3.14.3.2.26": "sha1", "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256", "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512", "2.16.840.1.101.3.4.2.8": "sha3_256",
    "2.16.840.1.101.3.4.2.9": "sha3_384", "2.16.840.1.101.3.4.2.10": "sha3_512",
}
SHAKE256, SHAKE256_LEN = "2.16.840.1.101.3.4.2.12", "2.16.840.1.101.3.4.2.18"
HASHES = {
    "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
    "sha384": hashes.SHA384, "sha512": hashes.SHA512, "sha3_256": hashes.SHA3_256,
    "sha3_384": hashes.SHA3_384, "sha3_512": hashes.SHA3_512,
}
RSA_PKCS1 = {
    "1.2.840.113549.1.1.5": "sha1", "1.2.840.113549.1.1.14": "sha224",
    "1.2.840.113549.1.1.11": "sha256", "1.2.840.113549.1.1.12": "sha384",
    "1.2.840.113549.1.1.13": "sha512", "2.16.840.1.101.3.4.3.14": "sha3_256",
    "2.16.840.1.101.3.4.3.15": "sha3_384", "2.16.840.1.101.3.4.3.16": "sha3_512",
}
ECDSA = {
    "1.2.840.10045.4.1": "sha1", "1.2.840.10045.4.3.1": "sha224",
    "1.2.840.10045.4.3.2": "sha256", "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512", "2.16.840.1.101.3.4.3.10": "sha3_256",
    "2.16.840.1.101.3.4.3.11": "sha3_384", "2.16.840.1.101.3.4.3.12": "sha3_512",
}
RSA_PSS, MGF1 = "1.2.840.113549.1.1.10", "1.2.840.113549.1.1.8"
RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
ED25519, ED448 = "1.3.101.112", "1.3.101.113"
MESSAGE_DIGEST = "1.2.840.113549.1.9.4"


def content_digest(alg, params, data, content):
    if alg in DIGESTS:
        return hashlib.new(DIGESTS[alg], content).digest()
    if alg == SHAKE256:
        return hashlib.shake_256(content).digest(64)
    if alg == SHAKE256_LEN:
        bits = int.from_bytes(data[params[1]:params[2]], "big")
        return hashlib.shake_256(content).digest(bits // 8)
    raise ValueError(f"digest algorithm {alg}")


def pss_padding(data, params):
    """padding.PSS and the hash from RSASSA-PSS-params (RFC 4055, 3.1), defaults applied."""
    hash_name, mgf_name, salt = "sha1", "sha1", 20
    for tag, cs, ce, _ in children(data, params[1], params[2]):
        inner = children(data, cs, ce)[0]
        if tag == 0xA0:
            hash_name = DIGESTS[algorithm(data, inner)[0]]
        elif tag == 0xA1:
            mgf, mgf_params = algorithm(data, inner)
            if mgf != MGF1:
                raise ValueError(f"mask generation {mgf}")
            mgf_name = DIGESTS[algorithm(data, mgf_params)[0]]
        elif tag == 0xA2:
            salt = int.from_bytes(data[inner[1]:inner[2]], "big")
    pad = padding.PSS(mgf=padding.MGF1(HASHES[mgf_name]()), salt_length=salt)
    return pad, HASHES[hash_name]()


def public_key(cert, spki):
    """The key of a SubjectPublicKeyInfo element; RSA numbers read as unsigned magnitudes."""
    alg_el, bits_el = children(cert, spki[1], spki[2])
    alg, _ = algorithm(cert, alg_el)
    if alg == RSA_ENCRYPTION:
        # BIT STRING: one octet of unused bits, then RSAPublicKey.
        seq = tlv(cert, bits_el[1] + 1)
        n_el, e_el = children(cert, seq[1], seq[2])
        n = int.from_bytes(cert[n_el[1]:n_el[2]], "big")
        e = int.from_bytes(cert[e_el[1]:e_el[2]], "big")
        return rsa.RSAPublicNumbers(e, n).public_key()
    return serialization.load_der_public_key(cert[spki[3]:spki[2]])


def verify(key, sig_alg, sig_params, data, signature, message):
    """Raises InvalidSignature when the signature does not verify."""
    if sig_alg in RSA_PKCS1:
        key.verify(signature, message, padding.PKCS1v15(), HASHES[RSA_PKCS1[sig_alg]]())
    elif sig_alg == RSA_PSS:
        pad, h = pss_padding(data, sig_params)
        key.verify(signature, message, pad, h)
    elif sig_alg in ECDSA:
        key.verify(signature, message, ec.ECDSA(HASHES[ECDSA[sig_alg]]()))
    elif sig_alg in (ED25519, ED448):
        key.verify(signature, message)
    else:
        raise ValueError(f"signature algorithm {sig_alg}")


# --- CMS ---------------------------------------------------------------------------------


def signer_certificate(data, signed_data, sid):
    """The certificate element whose serial number equals the SignerInfo's (issuerAndSerial)."""
    serial = children(data, sid[1], sid[2])[1]
    want = data[serial[1]:serial[2]]
    for el in signed_data:
        if el[0] != 0xA0:
            continue
        for cert in children(data, el[1], el[2]):
            tbs = children(data, cert[1], cert[2])[0]
            fields = children(data, tbs[1], tbs[2])
            if fields[0][0] == 0xA0:
                fields = fields[1:]
            if data[fields[0][1]:fields[0][2]] == want:
                return fields[5]
    raise ValueError("the signer certificate is not in the CMS")


def check(der, content):
    """(digest_ok, signature_ok) of the first SignerInfo of a ContentInfo."""
    ci = children(der, *tlv(der, 0)[1:])
    sd_seq = children(der, ci[1][1], ci[1][2])[0]
    signed_data = children(der, sd_seq[1], sd_seq[2])
    signer_infos = children(der, signed_data[-1][1], signed_data[-1][2])
    si = children(der, signer_infos[0][1], signer_infos[0][2])
    sid, digest_alg, attrs, sig_alg, signature = si[1], si[2], si[3], si[4], si[5]
    if attrs[0] != 0xA0:
        raise ValueError("no signed attributes")
    md = None
    for attr in children(der, attrs[1], attrs[2]):
        a_oid, values = children(der, attr[1], attr[2])
        if oid(der, a_oid[1], a_oid[2]) == MESSAGE_DIGEST:
            value = children(der, values[1], values[2])[0]
            md = der[value[1]:value[2]]
    d_alg, d_params = algorithm(der, digest_alg)
    digest_ok = md == content_digest(d_alg, d_params, der, content)
    message = b"\x31" + der[attrs[3] + 1:attrs[2]]
    spki = signer_certificate(der, signed_data, sid)
    key = public_key(der, spki)
    s_alg, s_params = algorithm(der, sig_alg)
    try:
        verify(key, s_alg, s_params, der, der[signature[1]:signature[2]], message)
        return digest_ok, True
    except InvalidSignature:
        return digest_ok, False


def openssl(der, content):
    """(ok, error) of `openssl cms -verify -binary -noverify` over the same bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        sig, data = os.path.join(tmp, "sig.der"), os.path.join(tmp, "content.bin")
        with open(sig, "wb") as f:
            f.write(der)
        with open(data, "wb") as f:
            f.write(content)
        p = subprocess.run(
            ["openssl", "cms", "-verify", "-binary", "-noverify", "-inform", "DER", "-in", sig,
             "-content", data, "-out", os.devnull], capture_output=True, text=True)
        if p.returncode == 0:
            return True, None
        return False, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "failed"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--openssl", action="store_true")
    args = ap.parse_args()
    with open(os.path.join(args.corpus, "manifest.jsonl")) as f:
        manifest = [json.loads(line) for line in f]
    for doc in manifest:
        with open(os.path.join(args.corpus, doc["name"]), "rb") as f:
            pdf = f.read()
        for s in doc["signatures"]:
            a, b, c, d = s["byte_range"]
            content = pdf[a:a + b] + pdf[c:c + d]
            gap = pdf[a + b:c].strip(b"<>")
            raw = bytes.fromhex(gap.decode())
            der = raw[:tlv(raw, 0)[2]]
            line = {"name": doc["name"], "field": s["field"], "digest_ok": None,
                    "signature_ok": None, "error": None, "openssl_ok": None,
                    "openssl_error": None}
            try:
                line["digest_ok"], line["signature_ok"] = check(der, content)
            except Exception as e:  # noqa: BLE001 - reported, the test decides
                line["error"] = f"{type(e).__name__}: {e}"
            if args.openssl:
                line["openssl_ok"], line["openssl_error"] = openssl(der, content)
            print(json.dumps(line))


if __name__ == "__main__":
    sys.exit(main())
