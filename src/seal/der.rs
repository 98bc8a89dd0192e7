//! A small DER writer (ITU-T X.690): just what a detached CMS signature needs. Every function
//! returns a whole element (identifier, definite length, contents) as a new vector; elements
//! are nested by passing the concatenation of their children as contents.

use crate::asn1::Oid;

/// Universal tag of INTEGER (primitive).
pub const INTEGER: u8 = 0x02;
/// Universal tag of OCTET STRING (primitive).
pub const OCTET_STRING: u8 = 0x04;
/// Universal tag of NULL (primitive).
pub const NULL: u8 = 0x05;
/// Universal tag of UTCTime (primitive).
pub const UTC_TIME: u8 = 0x17;
/// Universal tag of GeneralizedTime (primitive).
pub const GENERALIZED_TIME: u8 = 0x18;
/// Universal tag of SEQUENCE / SEQUENCE OF (constructed).
pub const SEQUENCE: u8 = 0x30;
/// Universal tag of SET / SET OF (constructed).
pub const SET: u8 = 0x31;

/// The element with identifier octet `tag` and `content`, its length in the shortest definite
/// form (X.690, 8.1.3 and 10.1): [`crate::asn1::der`], the project's one DER element writer.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    crate::asn1::der(tag, content)
}

/// A SEQUENCE whose elements are `items`, in the given order.
pub fn sequence(items: &[&[u8]]) -> Vec<u8> {
    tlv(SEQUENCE, &items.concat())
}

/// A SET OF whose elements are `items`, sorted as DER requires (X.690, 11.6): in ascending
/// order of their encodings compared as octet strings, the shorter one padded at its end with
/// zero octets.
pub fn set_of(items: &[&[u8]]) -> Vec<u8> {
    let mut sorted = items.to_vec();
    sorted.sort_by(|a, b| {
        let n = a.len().max(b.len());
        let pad = |x: &[u8], i: usize| x.get(i).copied().unwrap_or(0);
        (0..n)
            .map(|i| pad(a, i).cmp(&pad(b, i)))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    tlv(SET, &sorted.concat())
}

/// An OCTET STRING holding `bytes`.
pub fn octet_string(bytes: &[u8]) -> Vec<u8> {
    tlv(OCTET_STRING, bytes)
}

/// The NULL element (`05 00`).
pub fn null() -> Vec<u8> {
    tlv(NULL, &[])
}

/// An OBJECT IDENTIFIER: `oid`'s contents octets (base-128 arcs, X.690 8.19) under tag 6.
pub fn oid(oid: &Oid) -> Vec<u8> {
    crate::asn1::oid_der(oid)
}

/// An INTEGER holding the non-negative `value` in the minimal two's-complement form (X.690,
/// 8.3.2): [`crate::asn1::positive_integer`] of its big-endian octets.
pub fn uint(value: u64) -> Vec<u8> {
    tlv(
        INTEGER,
        &crate::asn1::positive_integer(&value.to_be_bytes()),
    )
}

/// An INTEGER whose contents octets are `content` as received (a certificate's serial number
/// copied unchanged, whatever its encoding).
pub fn integer_raw(content: &[u8]) -> Vec<u8> {
    tlv(INTEGER, content)
}

/// A context-specific constructed element `[n]` (`0xA0 | n`, `n` < 31) with `content`: an
/// EXPLICIT tag when `content` is one whole element, an IMPLICIT SET OF / SEQUENCE when it
/// is the concatenation of the members.
pub fn context(n: u8, content: &[u8]) -> Vec<u8> {
    debug_assert!(n < 31, "low-tag-number form only");
    tlv(0xA0 | n, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_use_the_shortest_definite_form() {
        assert_eq!(tlv(4, &[]), [4, 0]);
        assert_eq!(tlv(4, &[7; 127])[..2], [4, 127]);
        assert_eq!(tlv(4, &[7; 128])[..3], [4, 0x81, 128]);
        assert_eq!(tlv(4, &[7; 255])[..3], [4, 0x81, 255]);
        assert_eq!(tlv(4, &[7; 256])[..4], [4, 0x82, 1, 0]);
        assert_eq!(tlv(4, &[7; 70000])[..5], [4, 0x83, 1, 0x11, 0x70]);
    }

    #[test]
    fn integers_are_minimal() {
        assert_eq!(uint(0), [2, 1, 0]);
        assert_eq!(uint(1), [2, 1, 1]);
        assert_eq!(uint(127), [2, 1, 127]);
        assert_eq!(uint(128), [2, 2, 0, 128]);
        assert_eq!(uint(256), [2, 2, 1, 0]);
        assert_eq!(
            uint(u64::MAX),
            [2, 9, 0, 255, 255, 255, 255, 255, 255, 255, 255]
        );
    }

    #[test]
    fn set_of_sorts_encodings_with_zero_padding() {
        let a = [0x30, 0x03, 0x06, 0x01, 0x02];
        let b = [0x30, 0x02, 0x05, 0x00];
        let c = [0x02, 0x01, 0x00];
        assert_eq!(
            set_of(&[&a, &b, &c]),
            [&[0x31, 12][..], &c, &b, &a].concat()
        );
        // A prefix sorts first (its padding zeros are below any non-zero octet).
        let p = [0x04, 0x01];
        let q = [0x04, 0x01, 0x01];
        assert_eq!(set_of(&[&q, &p]), [&[0x31, 5][..], &p, &q].concat());
    }

    #[test]
    fn oids_nulls_and_context_tags() {
        let sha256 = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
        assert_eq!(
            oid(&sha256),
            [6, 9, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]
        );
        assert_eq!(null(), [5, 0]);
        assert_eq!(context(0, &[5, 0]), [0xA0, 2, 5, 0]);
        assert_eq!(sequence(&[&[5, 0], &[2, 1, 1]]), [0x30, 5, 5, 0, 2, 1, 1]);
        assert_eq!(octet_string(b"ab"), [4, 2, b'a', b'b']);
    }
}
