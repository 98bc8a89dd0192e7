//! Reading the documents for `cache warm`: each signature's CMS certificates (with those of
//! its signature timestamp token), the `/Cert` of `adbe.x509.rsa_sha1` signatures and the
//! DSS's certificates, and from them the URLs the run will fetch. Nothing is verified: the
//! reader, the CMS parser and the certificate parser are the verifier's own.

use std::borrow::Cow;

use crate::cache::FastSet;
use crate::cms::{self, oid};
use crate::input::{Item, Load, Source};
use crate::memory::MemoryBudget;
use crate::pdf;
use crate::pki::cert::Cert;
use crate::pki::Caches;

/// What the documents name: URL lists in each certificate's order (a certificate's
/// distribution points are tried in turn, as the verifier does), and counts.
#[derive(Default)]
pub(super) struct Named {
    /// Each certificate's CRL distribution points, distinct lists.
    pub crls: FastSet<Vec<String>>,
    /// The caIssuers URLs of certificates whose document does not carry their issuer.
    pub issuers: FastSet<Vec<String>>,
    /// Distinct certificates (the first 8 bytes of their SHA-256: a count, not an identity).
    pub certs: FastSet<u64>,
    /// Distinct certificates with an OCSP responder but no CRL distribution point (as
    /// `certs`).
    pub ocsp_only: FastSet<u64>,
    /// Documents read.
    pub documents: u64,
    /// Documents that could not be read (not a PDF, too large for the memory budget, …).
    pub unreadable: u64,
    /// Inputs that do not exist or cannot be opened.
    pub missing: u64,
    /// Signatures seen.
    pub signatures: u64,
}

impl Named {
    /// `other`'s findings added to these.
    pub fn merge(&mut self, other: Named) {
        self.crls.extend(other.crls);
        self.issuers.extend(other.issuers);
        self.certs.extend(other.certs);
        self.ocsp_only.extend(other.ocsp_only);
        self.documents += other.documents;
        self.unreadable += other.unreadable;
        self.missing += other.missing;
        self.signatures += other.signatures;
    }

    /// Notes `certs`, the certificates of one document: each counted, its CRL distribution
    /// points, and its caIssuers URLs when the document does not carry its issuer.
    pub fn note(&mut self, certs: &[Cert]) {
        for cert in certs {
            self.count(cert);
            let issuer_here =
                cert.self_issued() || certs.iter().any(|c| cert.could_be_issued_by(c));
            if !issuer_here {
                insert_list(&mut self.issuers, &cert.urls.ca_issuers);
            }
        }
    }

    /// Counts `cert` and notes its CRL distribution points.
    pub fn count(&mut self, cert: &Cert) {
        let id = u64::from_be_bytes(cert.sha256[..8].try_into().expect("8 bytes"));
        if self.certs.insert(id) && cert.urls.crls.is_empty() && !cert.urls.ocsp.is_empty() {
            self.ocsp_only.insert(id);
        }
        insert_list(&mut self.crls, &cert.urls.crls);
    }
}

/// Adds `list` to `set` unless empty or there (no clone when there).
fn insert_list(set: &mut FastSet<Vec<String>>, list: &[String]) {
    if !list.is_empty() && !set.contains(list) {
        set.insert(list.to_vec());
    }
}

/// Reads one document's certificates into `named`.
pub(super) fn document(
    item: &Item,
    load: &Load,
    budget: &MemoryBudget,
    caches: &Caches,
    named: &mut Named,
) {
    match &item.source {
        Source::Missing(_) => {
            named.missing += 1;
            return;
        }
        Source::Unreadable(_) => {
            named.unreadable += 1;
            return;
        }
        _ => {}
    }
    let allowance = budget.worker_allowance();
    let Ok(data) = item.load(load, &allowance) else {
        named.unreadable += 1;
        return;
    };
    let Ok(doc) = pdf::read_with(&data, &allowance) else {
        named.unreadable += 1;
        return;
    };
    named.documents += 1;
    named.signatures += doc.signatures.len() as u64;
    let mut ders: Vec<Cow<'_, [u8]>> = Vec::new();
    for sig in &doc.signatures {
        ders.extend(sig.certs.iter().map(|c| Cow::Borrowed(&c[..])));
        let Some(contents) = sig.contents.as_ref().filter(|c| !c.bytes.is_empty()) else {
            continue;
        };
        let Ok(signed) = cms::parse(&contents.bytes) else {
            continue;
        };
        ders.extend(signed.certificates.iter().map(|c| Cow::Borrowed(*c)));
        for si in &signed.signer_infos {
            for token in si.unsigned_values(oid::SIGNATURE_TIMESTAMP) {
                if let Ok(token) = cms::parse(token.raw) {
                    ders.extend(token.certificates.iter().map(|c| Cow::Borrowed(*c)));
                }
            }
        }
    }
    let dss = doc
        .dss
        .as_ref()
        .map(|d| pdf::dss_data_with(&data, d, &allowance))
        .unwrap_or_default();
    ders.extend(dss.certs.iter().map(|c| Cow::Borrowed(&c[..])));
    let mut seen = FastSet::default();
    let certs: Vec<Cert> = ders
        .iter()
        .filter_map(|d| caches.certificate(d))
        .filter(|c| seen.insert(c.sha256))
        .collect();
    named.note(&certs);
}
