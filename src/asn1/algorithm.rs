//! `AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }`
//! (RFC 5280, 4.1.1.2).

use std::borrow::Cow;

use super::{tag, Error, Oid, Tlv};

/// An algorithm and its parameters, as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlgorithmIdentifier<'a> {
    /// The algorithm.
    pub oid: Oid,
    /// The parameters element, whole, if present.
    pub params: Option<Cow<'a, [u8]>>,
}

impl<'a> AlgorithmIdentifier<'a> {
    /// An identifier without parameters.
    pub fn new(oid: Oid) -> AlgorithmIdentifier<'static> {
        AlgorithmIdentifier { oid, params: None }
    }

    /// Reads one from its SEQUENCE.
    pub fn from_tlv(t: Tlv<'a>) -> Result<Self, Error> {
        let t = t.expect(tag::SEQUENCE, "AlgorithmIdentifier")?;
        let mut c = t.children();
        let oid = c
            .next()
            .ok_or_else(|| Error::new("AlgorithmIdentifier lacks its algorithm OID".into()))??
            .oid()?;
        let params = c.next().transpose()?.map(|p| Cow::Borrowed(p.raw));
        Ok(AlgorithmIdentifier { oid, params })
    }

    /// A copy that owns its parameters.
    pub fn into_owned(self) -> AlgorithmIdentifier<'static> {
        AlgorithmIdentifier {
            oid: self.oid,
            params: self.params.map(|p| Cow::Owned(p.into_owned())),
        }
    }
}
