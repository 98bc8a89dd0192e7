//! ASN.1 as the signatures carry it: a BER reader that keeps every element's bytes
//! ([`Tlv`]), object identifiers as `const-oid` values ([`Oid`]), `AlgorithmIdentifier`,
//! and the few DER writers the crate needs. A leaf: it depends on no other module.

mod algorithm;
mod ber;
mod pem;

use std::fmt;

pub use algorithm::AlgorithmIdentifier;
pub use ber::{strip_leading_zeros, tag, Children, Tlv};
pub use pem::der_objects;

/// An OBJECT IDENTIFIER (X.660), held inline: comparing two is comparing bytes, and constants
/// are written `Oid::new_unwrap("1.2.840.113549.1.1.11")`.
pub type Oid = const_oid::ObjectIdentifier;

/// Why bytes are not the ASN.1 expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(String);

impl Error {
    /// An error saying `what`.
    pub fn new(what: String) -> Error {
        Error(what)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// Lower-case hex (a table lookup per nibble: reports write several fingerprints a signature).
pub fn hex(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(DIGITS[usize::from(x >> 4)] as char);
        s.push(DIGITS[usize::from(x & 15)] as char);
    }
    s
}

/// The contents octets of a DER INTEGER holding the unsigned `magnitude` (X.690, 8.3):
/// minimal, with a zero octet in front when the top bit is set, `00` for zero.
pub fn positive_integer(magnitude: &[u8]) -> Vec<u8> {
    let m = strip_leading_zeros(magnitude);
    match m.first() {
        None => vec![0],
        Some(&b) if b & 0x80 != 0 => [&[0u8][..], m].concat(),
        Some(_) => m.to_vec(),
    }
}

/// A DER element with a definite length (X.690, 8.1.3).
pub fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// The DER encoding of an OBJECT IDENTIFIER, tag and length included.
pub fn oid_der(oid: &Oid) -> Vec<u8> {
    der(tag::OID as u8, oid.as_bytes())
}

/// RFC 3339 form of an instant (UTC, seconds): how reasons name the times ASN.1 structures
/// carry.
pub(crate) fn rfc3339(t: i64) -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("@{t}"))
}
