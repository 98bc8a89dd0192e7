//! The OCSP responder behind `ocsp/{ca}` (RFC 6960): each CA answers for the certificates it
//! issued, from its CRL as the mirror serves it — `revoked` (with the CRL entry's date) when
//! the serial is on the CRL, `good` otherwise — signed by the CA itself with the
//! [`crate::ocsp`] profile (producedAt and thisUpdate 2026-06-10, nextUpdate 2026-12-10, so
//! current at the corpus' validation time). A request's nonce is echoed.
//!
//! The CAs' certificates and CRLs are read from the mirror (`pki/www/certs/{ca}.cer`,
//! `pki/www/crls/{ca}.crl`) and their keys are the committed ones, so the responder agrees with
//! the corpus whatever its base URL.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context as _, Result};
use const_oid::db::rfc5912;
use der::{Decode, Encode};
use x509_cert::crl::CertificateList;
use x509_cert::Certificate;

use crate::keys::{KeyStore, PrivateKey, CA_KEYS};
use crate::mirror::{cert_path, crl_path};
use crate::ocsp::{self, CertId, OcspRequest};
use crate::time::{date, Unix};

/// `thisUpdate` of a stale CRL (the `stale-crl` fault): 2026-01-01.
pub const STALE_THIS_UPDATE: Unix = date(2026, 1, 1);
/// `nextUpdate` of a stale CRL: 2026-02-01, months before the validation time (2026-07-01).
pub const STALE_NEXT_UPDATE: Unix = date(2026, 2, 1);

/// A CA as the responder knows it.
struct Authority {
    stem: &'static str,
    cert: Certificate,
    /// The CRL as served.
    crl: Vec<u8>,
    /// Revoked serials (bytes of the INTEGER) and their revocation dates.
    revoked: HashMap<Vec<u8>, Unix>,
}

/// Every CA of the corpus, with its key.
pub struct Responder {
    keys: Vec<PrivateKey>,
    cas: Vec<Authority>,
}

fn sha(alg: &spki::AlgorithmIdentifierOwned, data: &[u8]) -> Option<Vec<u8>> {
    let alg = match alg.oid {
        rfc5912::ID_SHA_1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        rfc5912::ID_SHA_256 => &ring::digest::SHA256,
        rfc5912::ID_SHA_384 => &ring::digest::SHA384,
        rfc5912::ID_SHA_512 => &ring::digest::SHA512,
        _ => return None,
    };
    Some(ring::digest::digest(alg, data).as_ref().to_vec())
}

impl Authority {
    /// Whether `id` names this CA as the issuer (with `id`'s own hash algorithm).
    fn issued(&self, id: &CertId) -> bool {
        let tbs = &self.cert.tbs_certificate;
        let Ok(name) = tbs.subject.to_der() else {
            return false;
        };
        let key = tbs.subject_public_key_info.subject_public_key.raw_bytes();
        sha(&id.hash_algorithm, &name).as_deref() == Some(id.issuer_name_hash.as_bytes())
            && sha(&id.hash_algorithm, key).as_deref() == Some(id.issuer_key_hash.as_bytes())
    }
}

impl Responder {
    /// Reads the CAs' certificates and CRLs from the mirror `www`.
    pub fn load(www: &Path) -> Result<Responder> {
        let keys = KeyStore::ca_keys()?;
        let mut cas = Vec::new();
        for (stem, _) in CA_KEYS {
            let cert_file = www.join(cert_path(stem));
            let der = std::fs::read(&cert_file)
                .with_context(|| format!("reading {}", cert_file.display()))?;
            let cert = Certificate::from_der(&der).context("CA certificate")?;
            let crl_file = www.join(crl_path(stem));
            let crl = std::fs::read(&crl_file)
                .with_context(|| format!("reading {}", crl_file.display()))?;
            let list = CertificateList::from_der(&crl).context("CRL")?;
            let revoked = list
                .tbs_cert_list
                .revoked_certificates
                .unwrap_or_default()
                .into_iter()
                .map(|r| {
                    let at = r.revocation_date.to_unix_duration().as_secs();
                    (r.serial_number.as_bytes().to_vec(), at)
                })
                .collect();
            cas.push(Authority {
                stem,
                cert,
                crl,
                revoked,
            });
        }
        Ok(Responder { keys, cas })
    }

    fn position(&self, stem: &str) -> Option<usize> {
        self.cas.iter().position(|ca| ca.stem == stem)
    }

    /// The CRL of CA `stem` as served, if there is such a CA.
    pub fn crl(&self, stem: &str) -> Option<&[u8]> {
        self.position(stem).map(|i| self.cas[i].crl.as_slice())
    }

    /// CA `stem`'s CRL re-issued with thisUpdate [`STALE_THIS_UPDATE`] and nextUpdate
    /// [`STALE_NEXT_UPDATE`] (same entries, signed by the CA): expired at the validation time.
    pub fn stale_crl(&self, stem: &str) -> Result<Option<Vec<u8>>> {
        let Some(i) = self.position(stem) else {
            return Ok(None);
        };
        let mut list = CertificateList::from_der(&self.cas[i].crl)?;
        let tbs = &mut list.tbs_cert_list;
        tbs.this_update = crate::time::x509_time(STALE_THIS_UPDATE);
        tbs.next_update = Some(crate::time::x509_time(STALE_NEXT_UPDATE));
        let sig = crate::pki::rsa_sha256_sign(&self.keys[i], &tbs.to_der()?)?;
        list.signature = der::asn1::BitString::from_bytes(&sig)?;
        Ok(Some(list.to_der()?))
    }

    /// The CA whose key signs in place of CA `i` under the `wrong-issuer` fault: its sibling
    /// (the other issuing CA, the rogue CA for the rogue root and back), never itself.
    fn impostor(&self, i: usize) -> usize {
        match self.cas[i].stem {
            "ca-personal" | "root" => self.position("ca-organisation"),
            "ca-organisation" => self.position("ca-personal"),
            "rogue-ca" => self.position("rogue-root"),
            _ => self.position("rogue-ca"),
        }
        .unwrap_or((i + 1) % self.cas.len())
    }

    /// The DER `OCSPResponse` of CA `stem` to the DER `request`: `malformedRequest` when it does
    /// not parse, `unauthorized` when it asks about a certificate `stem` did not issue (or
    /// `stem` is no CA); with `wrong_issuer`, signed by another CA's key (whose certificate
    /// the response carries).
    pub fn answer(&self, stem: &str, request: &[u8], wrong_issuer: bool) -> Result<Vec<u8>> {
        let Ok(req) = OcspRequest::from_der(request) else {
            return ocsp::error_response(1);
        };
        let Some(i) = self.position(stem) else {
            return ocsp::error_response(6);
        };
        let ca = &self.cas[i];
        let list = &req.tbs_request.request_list;
        if list.is_empty() || !list.iter().all(|r| ca.issued(&r.req_cert)) {
            return ocsp::error_response(6);
        }
        let responses = list
            .iter()
            .map(|r| {
                let serial = r.req_cert.serial_number.as_bytes();
                let status = match ca.revoked.get(serial) {
                    Some(&at) => ocsp::status_revoked(at)?,
                    None => ocsp::status_good()?,
                };
                ocsp::single_response(r.req_cert.clone(), status)
            })
            .collect::<Result<Vec<_>>>()?;
        let signer = if wrong_issuer { self.impostor(i) } else { i };
        let by = ocsp::Responder {
            cert: &self.cas[signer].cert,
            key: &self.keys[signer],
            include_cert: wrong_issuer,
        };
        let nonce = req.nonce().map(|n| vec![n.clone()]);
        ocsp::signed_response(&by, responses, nonce)
    }
}
