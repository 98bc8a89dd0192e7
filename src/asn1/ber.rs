//! A thin layer over asn1-rs' BER reader that keeps every element's exact bytes.
//!
//! X.690 (BER) allows what DER forbids: indefinite lengths (`0x80` … `00 00`), non-minimal length
//! octets and constructed (segmented) strings. Real PDF signers emit all three, and a signature
//! over signed attributes must be checked against the bytes as received, so each [`Tlv`] keeps
//! its whole encoding (`raw`) as well as its contents.

use std::borrow::Cow;

use asn1_rs::{Any, Class, FromBer, Length};

use super::{Error, Oid};

/// Universal tag numbers used by the parsers (X.680, 8.4 Table 1).
pub mod tag {
    /// BOOLEAN.
    pub const BOOLEAN: u32 = 1;
    /// INTEGER.
    pub const INTEGER: u32 = 2;
    /// BIT STRING.
    pub const BIT_STRING: u32 = 3;
    /// OCTET STRING.
    pub const OCTET_STRING: u32 = 4;
    /// NULL.
    pub const NULL: u32 = 5;
    /// OBJECT IDENTIFIER.
    pub const OID: u32 = 6;
    /// ENUMERATED.
    pub const ENUMERATED: u32 = 10;
    /// SEQUENCE, SEQUENCE OF.
    pub const SEQUENCE: u32 = 16;
    /// SET, SET OF.
    pub const SET: u32 = 17;
    /// UTCTime.
    pub const UTC_TIME: u32 = 23;
    /// GeneralizedTime.
    pub const GENERALIZED_TIME: u32 = 24;
}

/// One BER element: its identifier, contents and whole encoding.
#[derive(Clone, Copy, Debug)]
pub struct Tlv<'a> {
    /// Tag class.
    pub class: Class,
    /// Constructed (true) or primitive encoding.
    pub constructed: bool,
    /// Tag number.
    pub tag: u32,
    /// Contents octets (for the indefinite form, without the end-of-contents octets).
    pub content: &'a [u8],
    /// The whole element: identifier, length, contents and any end-of-contents octets.
    pub raw: &'a [u8],
    /// Whether the length was indefinite.
    pub indefinite: bool,
}

impl<'a> Tlv<'a> {
    /// Reads one element from the front of `input`; returns it and the bytes after it.
    ///
    /// Budget: asn1-rs follows nested indefinite lengths at most 50 levels deep
    /// (`asn1_rs::ber::MAX_RECURSION`), so hostile nesting costs neither stack nor time; lengths
    /// are checked against the input before anything is read.
    pub fn parse(input: &'a [u8]) -> Result<(Tlv<'a>, &'a [u8]), Error> {
        let (rest, any) =
            Any::from_ber(input).map_err(|e| Error::new(format!("BER element: {e}")))?;
        let used = input.len() - rest.len();
        let header = &any.header;
        Ok((
            Tlv {
                class: header.class(),
                constructed: header.is_constructed(),
                tag: header.tag().0,
                content: any.data,
                raw: &input[..used],
                indefinite: header.length() == Length::Indefinite,
            },
            rest,
        ))
    }

    /// Reads exactly one element: `input` must hold nothing after it (zero padding excepted:
    /// PDF `/Contents` is padded with zeros).
    pub fn parse_whole(input: &'a [u8]) -> Result<Tlv<'a>, Error> {
        let (t, rest) = Tlv::parse(input)?;
        if rest.iter().any(|&b| b != 0) {
            return Err(Error::new(format!(
                "{} bytes after the outer element",
                rest.len()
            )));
        }
        Ok(t)
    }

    /// Whether this is the universal tag `n`.
    pub fn is(&self, n: u32) -> bool {
        self.class == Class::Universal && self.tag == n
    }

    /// Whether this is the context-specific tag `[n]`.
    pub fn is_context(&self, n: u32) -> bool {
        self.class == Class::ContextSpecific && self.tag == n
    }

    /// Fails unless this is the universal tag `n`; `what` names the field for the error.
    pub fn expect(self, n: u32, what: &str) -> Result<Self, Error> {
        if self.is(n) {
            Ok(self)
        } else {
            Err(Error::new(format!(
                "{what}: expected universal tag {n}, found {:?} {}",
                self.class, self.tag
            )))
        }
    }

    /// The elements inside a constructed element.
    pub fn children(&self) -> Children<'a> {
        Children {
            rest: if self.constructed { self.content } else { &[] },
        }
    }

    /// The children as a vector (errors included as the first failure).
    pub fn items(&self) -> Result<Vec<Tlv<'a>>, Error> {
        self.children().collect()
    }

    /// The value of an OCTET STRING (or of an implicitly tagged one), joining the segments of
    /// the constructed form (X.690, 8.7.3).
    pub fn octets(&self) -> Result<Cow<'a, [u8]>, Error> {
        if !self.constructed {
            return Ok(Cow::Borrowed(self.content));
        }
        let mut out = Vec::new();
        self.collect_segments(&mut out, 0)?;
        Ok(Cow::Owned(out))
    }

    fn collect_segments(&self, out: &mut Vec<u8>, depth: usize) -> Result<(), Error> {
        // Nested segmentation deeper than this has no use but to cost stack.
        const MAX_SEGMENT_DEPTH: usize = 8;
        if depth > MAX_SEGMENT_DEPTH {
            return Err(Error::new("constructed string nested too deep".into()));
        }
        for c in self.children() {
            let c = c?;
            if c.constructed {
                c.collect_segments(out, depth + 1)?;
            } else {
                out.extend_from_slice(c.content);
            }
        }
        Ok(())
    }

    /// An OBJECT IDENTIFIER (X.690, 8.19). One longer than 39 octets, or not minimally
    /// encoded, does not read: no algorithm or attribute sigaudit knows is one.
    pub fn oid(&self) -> Result<Oid, Error> {
        if !self.is(tag::OID) {
            return Err(Error::new("expected an OBJECT IDENTIFIER".into()));
        }
        Oid::from_bytes(self.content).map_err(|e| Error::new(format!("OBJECT IDENTIFIER: {e}")))
    }

    /// The contents of an INTEGER with redundant leading zero octets removed (X.690, 8.3.2:
    /// a positive number whose top bit is set carries one leading zero).
    pub fn integer(&self) -> Result<&'a [u8], Error> {
        // An INTEGER, or an implicitly tagged one (a primitive non-universal element).
        let implicit = self.class != Class::Universal && !self.constructed;
        if !self.is(tag::INTEGER) && !implicit {
            return Err(Error::new("expected an INTEGER".into()));
        }
        Ok(strip_leading_zeros(self.content))
    }

    /// A small non-negative INTEGER (version numbers, salt lengths).
    pub fn small_uint(&self) -> Result<u64, Error> {
        let b = self.integer()?;
        if b.len() > 8 || self.content.first().is_some_and(|&x| x & 0x80 != 0) {
            return Err(Error::new("INTEGER out of range".into()));
        }
        Ok(b.iter().fold(0u64, |v, &x| (v << 8) | u64::from(x)))
    }

    /// A UTCTime (RFC 5280 4.1.2.5.1: years 50–99 are 19xx) or GeneralizedTime, read by
    /// asn1-rs, as seconds since the Unix epoch.
    pub fn time(&self) -> Result<i64, Error> {
        let bad = |e: asn1_rs::Error| Error::new(format!("bad time: {e}"));
        let t = if self.is(tag::UTC_TIME) {
            asn1_rs::UtcTime::from_bytes(self.content)
                .and_then(|t| t.utc_adjusted_datetime())
                .map_err(bad)?
        } else if self.is(tag::GENERALIZED_TIME) {
            asn1_rs::GeneralizedTime::from_bytes(self.content)
                .and_then(|t| t.utc_datetime())
                .map_err(bad)?
        } else {
            return Err(Error::new("expected UTCTime or GeneralizedTime".into()));
        };
        Ok(t.unix_timestamp())
    }
}

/// Strips the sign octets of a two's-complement INTEGER's contents.
pub fn strip_leading_zeros(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&x| x == 0).count();
    if n == b.len() {
        &b[b.len().saturating_sub(1)..]
    } else {
        &b[n..]
    }
}

/// Iterator over the elements of a constructed element.
pub struct Children<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Tlv<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match Tlv::parse(self.rest) {
            Ok((t, rest)) => {
                self.rest = rest;
                Some(Ok(t))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_length_keeps_the_whole_encoding() {
        // SEQUENCE (indefinite) { INTEGER 5 } EOC, then a trailing NULL.
        let bytes = [0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0x05, 0x00];
        let (t, rest) = Tlv::parse(&bytes).unwrap();
        assert!(t.indefinite);
        assert_eq!(t.raw, &bytes[..7]);
        assert_eq!(t.content, &bytes[2..5]);
        assert_eq!(rest, &[0x05, 0x00]);
        let kids = t.items().unwrap();
        assert_eq!(kids.len(), 1);
        assert_eq!(kids[0].small_uint().unwrap(), 5);
    }

    #[test]
    fn constructed_octet_string_is_joined() {
        // OCTET STRING (constructed, indefinite) { "ab" "c" } EOC.
        let bytes = [
            0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00,
        ];
        let t = Tlv::parse_whole(&bytes).unwrap();
        assert_eq!(&*t.octets().unwrap(), b"abc");
    }

    #[test]
    fn times_parse_both_forms() {
        let time = |tag: u8, text: &str| {
            let mut b = vec![tag, text.len() as u8];
            b.extend_from_slice(text.as_bytes());
            Tlv::parse_whole(&b).unwrap().time()
        };
        assert_eq!(time(0x17, "700101000000Z").unwrap(), 0);
        assert_eq!(time(0x17, "260701000000Z").unwrap(), 1_782_864_000);
        assert_eq!(time(0x18, "20260701000000Z").unwrap(), 1_782_864_000);
        assert_eq!(time(0x18, "20260701000000.123Z").unwrap(), 1_782_864_000);
        assert_eq!(time(0x18, "20260701020000+0200").unwrap(), 1_782_864_000);
        assert!(time(0x18, "2026070100Z").is_err());
        assert!(time(0x04, "20260701000000Z").is_err());
    }

    #[test]
    fn trailing_garbage_after_the_outer_element_is_an_error() {
        assert!(Tlv::parse_whole(&[0x05, 0x00, 0x00, 0x00]).is_ok());
        assert!(Tlv::parse_whole(&[0x05, 0x00, 0x01]).is_err());
    }
}
