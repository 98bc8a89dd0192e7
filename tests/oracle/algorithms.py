#!/usr/bin/env python3
"""Signatures made by python-cryptography (OpenSSL underneath), for tests/algorithms.rs.

Every key and algorithm real signers use, each signature checked by python-cryptography itself
before it is written (the independent oracle says it is valid), with its negative twin (one bit
of the signature flipped). One JSON object per line:

  {"case": …, "spki": hex, "alg": hex (the AlgorithmIdentifier, DER), "digest": OID or null,
   "message": hex, "signature": hex, "expect": "valid" | "unsupported" | "mismatch",
   "note": substring a verifier's note must hold, or null}

Keys are fresh each run; a 512-bit RSA key comes from `openssl genrsa` (python-cryptography
refuses to make one, but signs with it).
"""

import json
import subprocess
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

MESSAGE = b"sigaudit: the signed attributes of a CMS SignerInfo (any bytes will do)"

HASHES = {
    "SHA1": (hashes.SHA1, "1.3.14.3.2.26"),
    "SHA224": (hashes.SHA224, "2.16.840.1.101.3.4.2.4"),
    "SHA256": (hashes.SHA256, "2.16.840.1.101.3.4.2.1"),
    "SHA384": (hashes.SHA384, "2.16.840.1.101.3.4.2.2"),
    "SHA512": (hashes.SHA512, "2.16.840.1.101.3.4.2.3"),
    "SHA3-256": (hashes.SHA3_256, "2.16.840.1.101.3.4.2.8"),
    "SHA3-384": (hashes.SHA3_384, "2.16.840.1.101.3.4.2.9"),
    "SHA3-512": (hashes.SHA3_512, "2.16.840.1.101.3.4.2.10"),
}
RSA_SIG_OID = {
    "SHA1": "1.2.840.113549.1.1.5", "SHA224": "1.2.840.113549.1.1.14",
    "SHA256": "1.2.840.113549.1.1.11", "SHA384": "1.2.840.113549.1.1.12",
    "SHA512": "1.2.840.113549.1.1.13", "SHA3-256": "2.16.840.1.101.3.4.3.14",
    "SHA3-384": "2.16.840.1.101.3.4.3.15", "SHA3-512": "2.16.840.1.101.3.4.3.16",
}
ECDSA_SIG_OID = {
    "SHA1": "1.2.840.10045.4.1", "SHA224": "1.2.840.10045.4.3.1",
    "SHA256": "1.2.840.10045.4.3.2", "SHA384": "1.2.840.10045.4.3.3",
    "SHA512": "1.2.840.10045.4.3.4", "SHA3-256": "2.16.840.1.101.3.4.3.10",
    "SHA3-384": "2.16.840.1.101.3.4.3.11", "SHA3-512": "2.16.840.1.101.3.4.3.12",
}


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + der_len(len(content)) + content


def oid(dotted):
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray()
    for i, a in enumerate([arcs[0] * 40 + arcs[1]] + arcs[2:]):
        chunk = [a & 0x7F]
        a >>= 7
        while a:
            chunk.append(0x80 | (a & 0x7F))
            a >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, bytes(body))


def integer(n):
    b = n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big")
    return tlv(0x02, b)


def alg_id(dotted, params=None):
    return tlv(0x30, oid(dotted) + (params if params is not None else b""))


def spki(key):
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def flip(sig):
    b = bytearray(sig)
    b[len(b) // 2] ^= 0x01
    return bytes(b)


def emit(case, key_spki, alg, digest, sig, expect="valid", note=None, twin=True):
    line = {"case": case, "spki": key_spki.hex(), "alg": alg.hex(), "digest": digest,
            "message": MESSAGE.hex(), "signature": sig.hex(), "expect": expect, "note": note}
    print(json.dumps(line))
    if twin and expect == "valid":
        line = dict(line, case=case + " (one bit flipped)", signature=flip(sig).hex(),
                    expect="invalid", note=None)
        print(json.dumps(line))


def rsa_pkcs1(key, name, hash_name, sig_alg=None, digest=None):
    h = HASHES[hash_name][0]()
    sig = key.sign(MESSAGE, padding.PKCS1v15(), h)
    key.public_key().verify(sig, MESSAGE, padding.PKCS1v15(), h)  # the oracle
    alg = sig_alg or alg_id(RSA_SIG_OID[hash_name], tlv(0x05, b""))
    emit(f"RSA-{key.key_size} PKCS#1 v1.5 {hash_name}{name}", spki(key), alg, digest, sig)


def pss_params(hash_name, mgf_name, salt):
    fields = b""
    if hash_name != "SHA1":
        fields += tlv(0xA0, alg_id(HASHES[hash_name][1], tlv(0x05, b"")))
    if mgf_name != "SHA1":
        fields += tlv(0xA1, alg_id("1.2.840.113549.1.1.8", alg_id(HASHES[mgf_name][1], tlv(0x05, b""))))
    if salt != 20:
        fields += tlv(0xA2, integer(salt))
    return tlv(0x30, fields)


def rsa_pss(key, hash_name, mgf_name, salt):
    h, mgf = HASHES[hash_name][0](), HASHES[mgf_name][0]()
    pad = padding.PSS(mgf=padding.MGF1(mgf), salt_length=salt)
    sig = key.sign(MESSAGE, pad, h)
    key.public_key().verify(sig, MESSAGE, pad, h)
    alg = alg_id("1.2.840.113549.1.1.10", pss_params(hash_name, mgf_name, salt))
    emit(f"RSA-{key.key_size} PSS {hash_name} MGF1-{mgf_name} salt {salt}", spki(key), alg, None, sig)


def ecdsa(curve, hash_name, expect="valid", plain=False):
    key = ec.generate_private_key(curve())
    h = HASHES[hash_name][0]()
    sig = key.sign(MESSAGE, ec.ECDSA(h))
    key.public_key().verify(sig, MESSAGE, ec.ECDSA(h))
    name = f"ECDSA {curve.name} {hash_name}"
    if plain:
        r, s = decode_dss_signature(sig)
        width = (key.curve.key_size + 7) // 8
        sig = r.to_bytes(width, "big") + s.to_bytes(width, "big")
        plain_oid = {"SHA256": "0.4.0.127.0.7.1.1.4.1.3", "SHA384": "0.4.0.127.0.7.1.1.4.1.4"}
        emit(name + " plain (BSI TR-03111)", spki(key), alg_id(plain_oid[hash_name]), None, sig)
        return
    emit(name, spki(key), alg_id(ECDSA_SIG_OID[hash_name]), None, sig, expect=expect)


def main():
    rsa2048 = rsa.generate_private_key(65537, 2048)
    for h in HASHES:
        rsa_pkcs1(rsa2048, "", h)
    # rsaEncryption as the signature algorithm, the hash from the digest algorithm (as most
    # CMS signers write it), with and without NULL parameters.
    rsa_pkcs1(rsa2048, " (rsaEncryption, digest SHA-256)", "SHA256",
              alg_id("1.2.840.113549.1.1.1", tlv(0x05, b"")), HASHES["SHA256"][1])
    rsa_pkcs1(rsa2048, " (rsaEncryption without parameters)", "SHA512",
              alg_id("1.2.840.113549.1.1.1"), HASHES["SHA512"][1])
    rsa1024 = rsa.generate_private_key(65537, 1024)
    rsa_pkcs1(rsa1024, "", "SHA384")  # ring's SHA-384 verifier wants 2048 bits
    rsa_pkcs1(rsa1024, "", "SHA256")
    small = subprocess.run(["openssl", "genrsa", "512"], capture_output=True, check=True).stdout
    rsa512 = serialization.load_pem_private_key(small, None)
    rsa_pkcs1(rsa512, "", "SHA256")
    rsa_pkcs1(rsa512, "", "SHA1")
    rsa4096 = rsa.generate_private_key(65537, 4096)
    rsa_pkcs1(rsa4096, "", "SHA512")
    rsa_pss(rsa2048, "SHA256", "SHA256", 32)   # ring's case
    rsa_pss(rsa2048, "SHA256", "SHA512", 32)   # MGF1 with another hash
    rsa_pss(rsa4096, "SHA512", "SHA512", 0)    # no salt
    rsa_pss(rsa2048, "SHA1", "SHA1", 20)       # the defaults, parameters omitted
    rsa_pss(rsa2048, "SHA384", "SHA384", 48)
    rsa_pss(rsa2048, "SHA256", "SHA256", 20)   # salt shorter than the hash
    rsa_pss(rsa1024, "SHA256", "SHA256", 32)   # under ring's 2048 bits
    rsa_pss(rsa2048, "SHA3-256", "SHA3-256", 32)

    # A modulus written as a negative INTEGER (no leading zero octet), as 2011 ID cards did.
    n = rsa2048.public_key().public_numbers().n
    raw_n = n.to_bytes(256, "big")
    assert raw_n[0] & 0x80
    bad_rsa_key = tlv(0x30, tlv(0x02, raw_n) + integer(65537))
    bad_spki = tlv(0x30, alg_id("1.2.840.113549.1.1.1", tlv(0x05, b"")) + tlv(0x03, b"\0" + bad_rsa_key))
    sig = rsa2048.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256())
    emit("RSA-2048 with a negative modulus PKCS#1 v1.5 SHA256", bad_spki,
         alg_id(RSA_SIG_OID["SHA256"], tlv(0x05, b"")), None, sig, note="negative INTEGER")

    # A signature value shorter than the modulus (its leading zero octet dropped).
    for i in range(5000):
        m = MESSAGE + str(i).encode()
        sig = rsa2048.sign(m, padding.PKCS1v15(), hashes.SHA256())
        if sig[0] == 0:
            line = {"case": "RSA-2048 signature value shorter than the modulus",
                    "spki": spki(rsa2048).hex(),
                    "alg": alg_id(RSA_SIG_OID["SHA256"], tlv(0x05, b"")).hex(), "digest": None,
                    "message": m.hex(), "signature": sig[1:].hex(), "expect": "valid", "note": None}
            print(json.dumps(line))
            break

    for h in ["SHA1", "SHA224", "SHA256", "SHA384", "SHA512", "SHA3-256"]:
        ecdsa(ec.SECP256R1, h)
    for h in ["SHA1", "SHA256", "SHA384", "SHA512", "SHA3-384"]:
        ecdsa(ec.SECP384R1, h)
    for h in ["SHA256", "SHA512"]:
        ecdsa(ec.SECP521R1, h)
    ecdsa(ec.BrainpoolP256R1, "SHA256")
    ecdsa(ec.BrainpoolP384R1, "SHA384")
    ecdsa(ec.BrainpoolP512R1, "SHA512", expect="unsupported")
    ecdsa(ec.SECP256R1, "SHA256", plain=True)
    ecdsa(ec.SECP384R1, "SHA384", plain=True)

    # ecPublicKey as the signature algorithm, the hash from the digest algorithm.
    key = ec.generate_private_key(ec.SECP384R1())
    sig = key.sign(MESSAGE, ec.ECDSA(hashes.SHA512()))
    emit("ECDSA P-384 (ecPublicKey, digest SHA-512)", spki(key), alg_id("1.2.840.10045.2.1"),
         HASHES["SHA512"][1], sig)

    # An ECDSA value that is not DER: r with a redundant leading zero octet.
    r, s = decode_dss_signature(sig)
    rb = b"\0" + r.to_bytes((r.bit_length() + 8) // 8, "big")
    loose = tlv(0x30, tlv(0x02, rb) + integer(s))
    emit("ECDSA P-384 value not DER", spki(key), alg_id(ECDSA_SIG_OID["SHA512"]), None, loose,
         note="not DER", twin=False)

    ed = ed25519.Ed25519PrivateKey.generate()
    sig = ed.sign(MESSAGE)
    ed.public_key().verify(sig, MESSAGE)
    emit("Ed25519", spki(ed), alg_id("1.3.101.112"), HASHES["SHA512"][1], sig)
    emit("Ed25519 with a SHA-256 digest algorithm (RFC 8419 wants SHA-512)", spki(ed),
         alg_id("1.3.101.112"), HASHES["SHA256"][1], sig, note="RFC 8419", twin=False)
    ed4 = ed448.Ed448PrivateKey.generate()
    sig = ed4.sign(MESSAGE)
    ed4.public_key().verify(sig, MESSAGE)
    emit("Ed448", spki(ed4), alg_id("1.3.101.113"), "2.16.840.1.101.3.4.2.18", sig)

    # Labelled RSA with SHA3-256, computed with SHA-256 (as a signer of DSS's test set did):
    # the PKCS#1 DigestInfo names the hash, and the signature verifies with it.
    sig = rsa2048.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256())
    emit("RSA-2048 labelled SHA3-256, made with SHA-256", spki(rsa2048),
         alg_id(RSA_SIG_OID["SHA3-256"], tlv(0x05, b"")), HASHES["SHA256"][1], sig,
         note="DigestInfo")

    # An ECDSA algorithm named for an RSA key: the signature contradicts itself.
    sig = rsa2048.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256())
    emit("ecdsa-with-SHA256 on an RSA key", spki(rsa2048), alg_id(ECDSA_SIG_OID["SHA256"]), None,
         sig, expect="mismatch")


if __name__ == "__main__":
    sys.exit(main())
