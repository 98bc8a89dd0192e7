//! The revocation stage's caches: CRL parses with their serial index, CRL signature checks
//! and OCSP results, each bounded in bytes.

use std::sync::Arc;

use super::{Crl, OcspStatus};
use crate::cache::{flat, Bounded, SLOT};
use crate::pki::cert::Fingerprint;

/// CRLs and OCSP results shared by every document of a run.
pub struct Caches {
    /// Parsed CRLs with their revoked-serial index, by SHA-256 of their DER.
    pub crls: Bounded<Fingerprint, Option<Arc<Crl>>>,
    /// CRL signature checks by (CRL, issuer) fingerprints.
    pub crl_signatures: Bounded<(Fingerprint, Fingerprint), bool>,
    /// OCSP results by (response, certificate, issuer) fingerprints.
    pub ocsp: Bounded<(Fingerprint, Fingerprint, Fingerprint), Option<OcspStatus>>,
    /// DSS CRL streams already decoded, by [`StreamKey`]: the stream as stored (compared
    /// byte for byte before it is taken as known), the SHA-256 of the decoded CRL and its
    /// decoded length. A known stream is not inflated or hashed again; its CRL is taken from
    /// `crls` (and decoded as usual when `crls` has evicted it).
    pub dss_streams: Bounded<StreamKey, Arc<KnownStream>>,
}

/// Bytes of the DSS stream memo, which keeps each stream's raw bytes: a CA CRL of 10,000
/// entries is some 250 KB, so 16 MiB keeps some 60 distinct CRL streams — the few CAs whose
/// CRLs an archive's documents embed, many times over, with room for their successive issues.
const DSS_STREAMS: u64 = 16 << 20;

/// Where a DSS stream is looked up: its filters, raw length and a fast non-cryptographic
/// hash of its raw bytes. The key only selects a candidate: a stream is known only when its
/// bytes equal the candidate's ([`KnownStream::is`]), so a collision costs a decode, never a
/// wrong CRL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StreamKey {
    /// foldhash of the filters joined by `/`, a zero byte and the raw stream bytes.
    pub hash: u64,
    /// Raw stream length.
    pub len: u64,
}

impl StreamKey {
    /// The key of a stream stored with `filters` as `raw`.
    pub fn of(filters: &str, raw: &[u8]) -> StreamKey {
        use std::hash::{BuildHasher, Hasher};
        // A fixed seed: the key is compared within one process only, and a collision is
        // harmless (see above).
        let mut h = foldhash::fast::FixedState::with_seed(0x5167_a0d1).build_hasher();
        h.write(filters.as_bytes());
        h.write_u8(0);
        h.write(raw);
        StreamKey {
            hash: h.finish(),
            len: raw.len() as u64,
        }
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
        }
    }

    /// The parsed CRL a DSS stream stored with `filters` as `raw` (key `key`) decoded to
    /// before, with its decoded length, if both are still cached and the bytes are equal.
    pub fn known_stream(
        &self,
        key: &StreamKey,
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

    /// A stream whose key finds a candidate but whose bytes differ (a collision of the fast
    /// hash, or of the length alone) is not known: it is decoded as any new stream.
    #[test]
    fn a_stream_is_known_only_by_its_very_bytes() {
        let caches = Caches::new(1 << 20, 1 << 10, 1 << 10);
        let raw = b"x\x9c stored bytes of a CRL stream".to_vec();
        let key = StreamKey::of("FlateDecode", &raw);
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
        assert_ne!(StreamKey::of("FlateDecode", &other), key);
        assert_ne!(StreamKey::of("", &raw), key);
    }
}
