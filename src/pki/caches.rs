//! The path stage's caches: certificate parses, issuer→subject signature checks, and whole
//! path results, each bounded in bytes.

use std::sync::Arc;

use super::cert::{Cert, Certificate, Fingerprint};
use super::PathOutcome;
use crate::cache::{flat, Bounded, BytesKey, Keyer, SLOT};

/// A cached DER: its certificate, or (`Err`) the bytes of a DER that does not parse.
pub type ParsedDer = Result<Cert, Arc<[u8]>>;

/// Certificates, signature checks and paths shared by every document of a run.
pub struct Caches {
    /// Certificates by the [`BytesKey`] of their DER: an entry is used only when its DER
    /// equals the one asked for, byte for byte (a collision costs a parse, never the wrong
    /// certificate). Every certificate of every CMS and DSS is looked up (some 17 lookups a
    /// national document), and a SHA-256 of each cost more than the rest of the lookup.
    pub certificates: Bounded<BytesKey, ParsedDer>,
    /// Issuer→subject signature checks by (subject, issuer) fingerprints.
    pub signatures: Bounded<(Fingerprint, Fingerprint), bool>,
    /// The seed of `certificates`' keys.
    keyer: Keyer,
    /// Whole path results by (leaf, trust store (anchors and run intermediates), validity
    /// epoch of the time, CA certificates the document offers).
    pub paths: Bounded<(Fingerprint, Fingerprint, i64, Fingerprint), Arc<PathOutcome>>,
}

impl Caches {
    /// Empty caches of at most these many estimated bytes each.
    pub fn new(certificates: u64, signatures: u64, paths: u64) -> Caches {
        Caches {
            certificates: Bounded::new(certificates, 4096, |_, c| {
                SLOT + 40
                    + match c {
                        Ok(c) => c.heap_bytes(),
                        Err(der) => der.len() as u64,
                    }
            }),
            keyer: Keyer::default(),
            signatures: Bounded::new(signatures, 128, flat),
            paths: Bounded::new(paths, 256, |k, p| {
                flat(k, p)
                    + match &**p {
                        PathOutcome::Found(path) => 16 + 8 * path.len() as u64,
                        PathOutcome::Failed(_) => 128, // the error's message
                    }
            }),
        }
    }

    /// Where `der` is looked up.
    fn key(&self, der: &[u8]) -> BytesKey {
        self.keyer.key(&[der])
    }

    /// A certificate from its DER, parsed once per run (while it stays cached).
    pub fn certificate(&self, der: &[u8]) -> Option<Cert> {
        let key = self.key(der);
        let parse = || {
            Certificate::parse(der)
                .map(Arc::new)
                .map_err(|_| der.into())
        };
        match self.certificates.get_or_compute(key, parse) {
            Ok(c) if c.der == der => Some(c),
            Err(refused) if *refused == *der => None,
            // Another DER under the same key: parsed, not cached.
            _ => Certificate::parse(der).ok().map(Arc::new),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CA: &[u8] = include_bytes!("../../corpus/sample/pki/certs/ca-organisation.cer");

    /// A DER is taken from the cache only when it is the very DER cached: another one under
    /// the same key (a collision of the fast hash, forced here) is parsed on its own.
    #[test]
    fn a_certificate_is_found_only_by_its_very_bytes() {
        let caches = Caches::new(1 << 20, 1 << 10, 1 << 10);
        let ca = caches
            .certificate(CA)
            .expect("the sample CA certificate parses");
        assert_eq!(ca.der, CA);
        assert!(Arc::ptr_eq(&ca, &caches.certificate(CA).unwrap()), "cached");

        // A refused DER forced under the CA's key: the CA still parses, and is not cached.
        let junk: Arc<[u8]> = Arc::from(&b"not a certificate"[..]);
        caches
            .certificates
            .insert(caches.key(CA), Err(junk.clone()));
        let again = caches
            .certificate(CA)
            .expect("parsed despite the collision");
        assert_eq!(again.sha256, ca.sha256);
        assert!(!Arc::ptr_eq(&again, &ca));
        // The CA forced under the junk's key: the junk is still refused.
        caches
            .certificates
            .insert(caches.key(&junk), Ok(ca.clone()));
        assert!(caches.certificate(&junk).is_none());
    }
}
