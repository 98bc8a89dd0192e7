//! The revocation stage's caches: CRL parses with their serial index, CRL signature checks
//! and OCSP results, each bounded in bytes.

use std::sync::Arc;

use super::{Crl, OcspStatus};
use crate::cache::{flat, Bounded, BytesKey, Keyer, SLOT};
use crate::pki::cert::Fingerprint;

/// CRLs and OCSP results shared by every document of a run.
pub struct Caches {
    /// Parsed CRLs with their revoked-serial index, by SHA-256 of their DER.
    pub crls: Bounded<Fingerprint, Option<Arc<Crl>>>,
    /// CRL signature checks by (CRL, issuer) fingerprints.
    pub crl_signatures: Bounded<(Fingerprint, Fingerprint), bool>,
    /// OCSP results by (response, certificate, issuer) fingerprints.
    pub ocsp: Bounded<(Fingerprint, Fingerprint, Fingerprint), Option<OcspStatus>>,
    /// DSS CRL streams already decoded, by the [`BytesKey`] of their filters and stored bytes
    /// ([`Caches::stream_key`]): the stream as stored (compared byte for byte before it is
    /// taken as known), the SHA-256 of the decoded CRL and its decoded length. A known stream
    /// is not inflated or hashed again; its CRL is taken from `crls` (and decoded as usual
    /// when `crls` has evicted it).
    pub dss_streams: Bounded<BytesKey, Arc<KnownStream>>,
    /// DSS certificate and OCSP response streams already decoded, by the same key: the
    /// stream as stored (compared byte for byte) and what it decoded to, copied out instead of
    /// inflated again.
    pub dss_objects: Bounded<BytesKey, Arc<KnownBytes>>,
    /// The seed of `dss_streams`' and `dss_objects`' keys.
    keyer: Keyer,
}

/// Bytes of the DSS stream memo, which keeps each stream's raw bytes: the generator's
/// personal CA CRL, 6,014 entries, is 254 KB, so 16 MiB keeps some 60 distinct CRL streams — the few CAs whose
/// CRLs an archive's documents embed, many times over, with room for their successive issues.
const DSS_STREAMS: u64 = 16 << 20;

/// Bytes of the DSS certificate and OCSP memo, which keeps each stream's stored and decoded
/// bytes (some 2–6 KB for a certificate or a response): 4 MiB keeps about a thousand, the
/// CA certificates and recurring signers' responses of an archive.
const DSS_OBJECTS: u64 = 4 << 20;

/// A DSS certificate or OCSP response stream decoded before.
#[derive(Debug)]
pub struct KnownBytes {
    /// The filters it was stored with, joined by `/`.
    pub filters: String,
    /// The stream's bytes as stored.
    pub raw: Box<[u8]>,
    /// What they decoded to.
    pub decoded: Box<[u8]>,
}

impl KnownBytes {
    /// What a stream stored with `filters` as `raw` decodes to, if it is this one, byte for
    /// byte.
    pub fn decoded(&self, filters: &str, raw: &[u8]) -> Option<&[u8]> {
        (self.filters == filters && *self.raw == *raw).then_some(&*self.decoded)
    }
}

/// A DSS stream decoded before.
#[derive(Debug)]
pub struct KnownStream {
    /// The filters it was stored with, joined by `/`.
    pub filters: String,
    /// The stream's bytes as stored.
    pub raw: Box<[u8]>,
    /// SHA-256 of the decoded CRL.
    pub crl: Fingerprint,
    /// The decoded length.
    pub decoded: u64,
}

impl KnownStream {
    /// Whether a stream stored with `filters` as `raw` is this one, byte for byte.
    pub fn is(&self, filters: &str, raw: &[u8]) -> bool {
        self.filters == filters && *self.raw == *raw
    }
}

impl Caches {
    /// Empty caches of at most these many estimated bytes each.
    pub fn new(crls: u64, crl_signatures: u64, ocsp: u64) -> Caches {
        Caches {
            crls: Bounded::new(crls, 1 << 20, |_, c| {
                SLOT + 40 + c.as_ref().map_or(0, |c| c.heap_bytes)
            }),
            crl_signatures: Bounded::new(crl_signatures, 128, flat),
            ocsp: Bounded::new(ocsp, 160, flat),
            dss_streams: Bounded::new(DSS_STREAMS, 128 << 10, |_, k| {
                SLOT + 120 + k.raw.len() as u64 + k.filters.len() as u64
            }),
            dss_objects: Bounded::new(DSS_OBJECTS, 8 << 10, |_, k| {
                SLOT + 120 + (k.raw.len() + k.decoded.len() + k.filters.len()) as u64
            }),
            keyer: Keyer::default(),
        }
    }

    /// The key of a DSS stream stored with `filters` (joined by `/`) as `raw`.
    pub fn stream_key(&self, filters: &str, raw: &[u8]) -> BytesKey {
        self.keyer.key(&[filters.as_bytes(), raw])
    }

    /// The parsed CRL a DSS stream stored with `filters` as `raw` (key `key`) decoded to
    /// before, with its decoded length, if both are still cached and the bytes are equal.
    pub fn known_stream(
        &self,
        key: &BytesKey,
        filters: &str,
        raw: &[u8],
    ) -> Option<(Arc<Crl>, u64)> {
        let known = self.dss_streams.get(key)?;
        if !known.is(filters, raw) {
            return None;
        }
        self.crls
            .get(&known.crl)
            .flatten()
            .map(|c| (c, known.decoded))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate or OCSP stream is served from the memo only for the very bytes and
    /// filters it was decoded from.
    #[test]
    fn known_bytes_answer_only_their_own_stream() {
        let known = KnownBytes {
            filters: "FlateDecode".into(),
            raw: b"x\x9c stored".to_vec().into(),
            decoded: b"0\x82 decoded".to_vec().into(),
        };
        assert_eq!(
            known.decoded("FlateDecode", b"x\x9c stored"),
            Some(&b"0\x82 decoded"[..])
        );
        assert_eq!(known.decoded("FlateDecode", b"x\x9c storeD"), None);
        assert_eq!(known.decoded("", b"x\x9c stored"), None);
    }

    /// A stream whose key finds a candidate but whose bytes differ (a collision of the fast
    /// hash, or of the length alone) is not known: it is decoded as any new stream.
    #[test]
    fn a_stream_is_known_only_by_its_very_bytes() {
        let caches = Caches::new(1 << 20, 1 << 10, 1 << 10);
        let raw = b"x\x9c stored bytes of a CRL stream".to_vec();
        let key = caches.stream_key("FlateDecode", &raw);
        let known = KnownStream {
            filters: "FlateDecode".into(),
            raw: raw.clone().into(),
            crl: [7; 32],
            decoded: 1000,
        };
        assert!(known.is("FlateDecode", &raw));
        caches.dss_streams.insert(key, Arc::new(known));
        let mut other = raw.clone();
        *other.last_mut().unwrap() ^= 1;
        // Forced under the same key: the comparison refuses it.
        assert_eq!(
            caches
                .dss_streams
                .get(&key)
                .map(|k| k.is("FlateDecode", &other)),
            Some(false)
        );
        assert!(caches.known_stream(&key, "FlateDecode", &other).is_none());
        // Same bytes under other filters decode to something else.
        assert!(caches.known_stream(&key, "", &raw).is_none());
        // Its own key differs in any case.
        assert_ne!(caches.stream_key("FlateDecode", &other), key);
        assert_ne!(caches.stream_key("", &raw), key);
    }
}
