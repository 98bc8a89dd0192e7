#!/usr/bin/env python3
"""Encrypted, signed PDFs made by tools we did not write, for tests/encrypted.rs.

qpdf encrypts a minimal unsigned PDF with the standard security handler (AES-256 R6 and R5,
AES-128 R4, RC4 R3 and R2), pyHanko signs it with an incremental update written under the
same encryption, and pyHanko validates the result (the independent oracle: the signature must be
intact and valid against the CA made here, and pyHanko reports the decrypted field name).

Usage: encrypted.py OUTDIR. Writes OUTDIR/ca.pem and, per case, OUTDIR/<case>.pdf (signed) or
OUTDIR/<case>-unsigned.pdf (R5), and prints one JSON object per line:

  {"case": …, "file": …, "user_password": …, "decryptable": bool (opens with the empty
   password), "unsigned_field": the name of the original document's empty signature field,
   "field": pyHanko's name of the signed field (null when unsigned), "intact": bool,
   "valid": bool, "key": qpdf's file encryption key (hex), "R": int, "P": int,
   "U", "O" and, for AES-256, "UE", "OE", "Perms": the /Encrypt strings (hex)}

The keys and /Encrypt strings are what the unit tests of src/pdf/crypt.rs take their vectors
from (qpdf, not sigaudit, computed them); tests/encrypted.rs checks the documents end to end.
"""

import datetime
import json
import os
import subprocess
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

FIELD = "Signature1"
# An empty signature field of the original document (its name encrypted by qpdf; the signed
# field's by pyHanko). Not ASCII: the name is a UTF-16BE text string.
UNSIGNED_FIELD = "Approval \u00e9t\u00e9"
USER_PASSWORD = "user-secret"

# (case, qpdf encryption arguments, other qpdf arguments, user password, decryptable with the
# empty user password, signed: pyHanko does not implement R5, so that file stays unsigned)
CASES = [
    # Object streams: the signature walk reads the catalog and form through them.
    ("aes256-r6", ["", "owner-secret", "256"], ["--object-streams=generate"], "", True, True),
    ("aes256-r5", ["", "owner-secret", "256", "--force-R5"], [], "", True, False),
    ("aes128-r4", ["", "owner-secret", "128", "--use-aes=y"], [], "", True, True),
    ("rc4-r3", ["", "owner-secret", "128", "--use-aes=n"], ["--allow-weak-crypto"], "", True,
     True),
    ("rc4-r2", ["", "owner-secret", "40"], ["--allow-weak-crypto"], "", True, True),
    # A user password: nothing but /ByteRange and /Contents can be read. No object streams
    # (objects in them cannot be read without the key).
    ("aes256-r6-userpw", [USER_PASSWORD, "owner-secret", "256"], ["--object-streams=disable"],
     USER_PASSWORD, False, True),
]


def minimal_pdf():
    """One page with a line of text; classic cross-reference table."""
    content = b"BT /F1 24 Tf 72 720 Td (sigaudit encrypted fixture) Tj ET"
    t = b"<" + ("\ufeff" + UNSIGNED_FIELD).encode("utf-16-be").hex().encode() + b">"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [7 0 R] >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R /Annots [7 0 R] >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (sigaudit fixture) /Producer (tests/oracle/encrypted.py) >>",
        b"<< /FT /Sig /T " + t + b" /Type /Annot /Subtype /Widget /Rect [0 0 0 0] "
        b"/P 3 0 R /F 132 >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R "
            b"/ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] >>\n"
            % (len(objects) + 1))
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sigaudit tests")])


def pki(out):
    """A CA and a signer (ECDSA P-256), as PEM files in `out`."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("Encrypted Fixtures CA"))
          .issuer_name(name("Encrypted Fixtures CA")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(name("Encrypted Fixtures Signer"))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {k: os.path.join(out, k + ".pem") for k in ("ca", "signer", "signer-key")}
    with open(paths["ca"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths["signer"], "wb") as f:
        f.write(leaf.public_bytes(serialization.Encoding.PEM))
    with open(paths["signer-key"], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths, ca


def sign(src, dst, password, paths):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load(paths["signer-key"], paths["signer"],
                                       ca_chain_files=(paths["ca"],))
    with open(src, "rb") as f:
        w = IncrementalPdfFileWriter(f)
        w.encrypt(password)
        meta = signers.PdfSignatureMetadata(field_name=FIELD, reason="encrypted fixture",
                                            location="tests/oracle")
        # A FieldMDP lock naming the unsigned field: a text string of the signature's own
        # objects, encrypted by pyHanko.
        lock = fields.FieldMDPSpec(fields.FieldMDPAction.INCLUDE, fields=[UNSIGNED_FIELD])
        spec = fields.SigFieldSpec(FIELD, field_mdp_spec=lock)
        with open(dst, "wb") as out:
            signers.sign_pdf(w, meta, signer=signer, output=out, new_field_spec=spec)


def validate(path, password, ca):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from asn1crypto import x509 as asn1x509

    root = asn1x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER))
    with open(path, "rb") as f:
        r = PdfFileReader(f)
        r.decrypt(password)
        sigs = r.embedded_signatures
        assert len(sigs) == 1, f"{path}: {len(sigs)} signatures"
        status = validate_pdf_signature(sigs[0], ValidationContext(trust_roots=[root]))
        return sigs[0].field_name, status.intact, status.valid


def encryption_entries(path, password):
    """The /Encrypt entries and the file key, as qpdf reports them."""
    show = subprocess.run(["qpdf", "--show-encryption-key", "--show-encryption",
                           "--password=" + password, path],
                          check=True, capture_output=True, text=True).stdout
    info = dict(line.split(" = ", 1) for line in show.splitlines() if " = " in line)
    out = {"key": info["Encryption key"].strip(), "R": int(info["R"]), "P": int(info["P"])}
    return out


def encrypt_dict(path, password):
    """/U, /UE, /O, /OE, /Perms of the file's /Encrypt dictionary, hex."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    with open(path, "rb") as f:
        r = PdfFileReader(f)
        enc = r.trailer.raw_get("/Encrypt")
        enc = enc.get_object() if hasattr(enc, "get_object") else enc
        out = {}
        for k in ("U", "UE", "O", "OE", "Perms"):
            v = enc.get("/" + k)
            if v is not None:
                v = getattr(v, "raw_object", v)
                out[k] = bytes(v.original_bytes).hex()
        return out


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    paths, ca = pki(out)
    plain = os.path.join(out, "plain.pdf")
    with open(plain, "wb") as f:
        f.write(minimal_pdf())
    for case, args, other, password, decryptable, signed in CASES:
        enc = os.path.join(out, case + "-unsigned.pdf")
        subprocess.run(["qpdf", *other, "--encrypt", *args, "--", plain, enc], check=True)
        line = {"case": case, "user_password": password, "decryptable": decryptable,
                "unsigned_field": UNSIGNED_FIELD}
        if signed:
            dst = os.path.join(out, case + ".pdf")
            sign(enc, dst, password, paths)
            field, intact, valid = validate(dst, password, ca)
            line.update({"file": dst, "field": field, "intact": intact, "valid": valid})
        else:
            dst = enc
            line.update({"file": dst, "field": None})
        line.update(encryption_entries(dst, password))
        line.update(encrypt_dict(dst, password))
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
