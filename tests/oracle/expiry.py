"""Revocation data issued before and after a certificate's expiry, made with python-cryptography
(an implementation independent of sigaudit's), for tests/freshness.rs.

usage: expiry.py OUT_DIR

Writes DER files:
  ca.der             a self-signed CA (2015-01-01 .. 2040-01-01)
  leaf.der           a signer certificate of the CA, valid 2018-01-01 .. 2020-01-01
  crl-after.der      a CRL of 2026-06-01 (next 2026-08-01) that does not list the leaf
  crl-after-keep.der the same with expiredCertsOnCRL 2019-01-01 (keeps expired entries)
  crl-before.der     a CRL of 2019-06-01 (next 2019-07-01) that does not list the leaf
  crl-revoked.der    a CRL of 2026-06-01 (next 2026-08-01) listing the leaf, revoked 2019-03-01
  ocsp-after.der     an OCSP `good` for the leaf produced 2026-06-01 (next 2026-08-01), no
                     archiveCutoff
"""

import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID


def t(y, m, d):
    return datetime.datetime(y, m, d, tzinfo=datetime.timezone.utc)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def main(out):
    os.makedirs(out, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("Expiry Test CA"))
        .issuer_name(name("Expiry Test CA"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(t(2015, 1, 1))
        .not_valid_after(t(2040, 1, 1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("Expired Signer"))
        .issuer_name(ca.subject)
        .public_key(leaf_key.public_key())
        .serial_number(0x1234)
        .not_valid_before(t(2018, 1, 1))
        .not_valid_after(t(2020, 1, 1))
        .sign(ca_key, hashes.SHA256())
    )

    def crl(this, nxt, revoked=None, keep_from=None):
        b = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(ca.subject)
            .last_update(this)
            .next_update(nxt)
        )
        if revoked:
            b = b.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(leaf.serial_number)
                .revocation_date(revoked)
                .build()
            )
        if keep_from:
            # expiredCertsOnCRL ::= GeneralizedTime (ITU-T X.509, 9.6.2.9), OID 2.5.29.60.
            value = b"\x18\x0f" + keep_from.strftime("%Y%m%d%H%M%SZ").encode()
            b = b.add_extension(
                x509.UnrecognizedExtension(x509.ObjectIdentifier("2.5.29.60"), value),
                critical=False,
            )
        return b.sign(ca_key, hashes.SHA256())

    files = {
        "ca.der": ca.public_bytes(serialization.Encoding.DER),
        "leaf.der": leaf.public_bytes(serialization.Encoding.DER),
        "crl-after.der": crl(t(2026, 6, 1), t(2026, 8, 1)),
        "crl-after-keep.der": crl(t(2026, 6, 1), t(2026, 8, 1), keep_from=t(2019, 1, 1)),
        "crl-before.der": crl(t(2019, 6, 1), t(2019, 7, 1)),
        "crl-revoked.der": crl(t(2026, 6, 1), t(2026, 8, 1), revoked=t(2019, 3, 1)),
    }
    resp = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=leaf,
            issuer=ca,
            algorithm=hashes.SHA1(),
            cert_status=ocsp.OCSPCertStatus.GOOD,
            this_update=t(2026, 6, 1),
            next_update=t(2026, 8, 1),
            revocation_time=None,
            revocation_reason=None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.NAME, ca)
        .sign(ca_key, hashes.SHA256())
    )
    files["ocsp-after.der"] = resp.public_bytes(serialization.Encoding.DER)
    for fname, obj in files.items():
        data = obj if isinstance(obj, bytes) else obj.public_bytes(serialization.Encoding.DER)
        with open(os.path.join(out, fname), "wb") as fh:
            fh.write(data)


if __name__ == "__main__":
    main(sys.argv[1])
