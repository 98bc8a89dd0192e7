//! The lazy, revision-aware PDF reader: from a file's bytes to its revisions and signatures.
//!
//! Reads only what locating signatures requires (ISO 32000-1 §12.8): the `startxref` chain of
//! cross-reference sections, the trailer, `/Root` → `/AcroForm` → `/Fields` (with `/Kids`) →
//! each signature field's `/V` dictionary, plus `/Perms` (§12.8.4), `/Lock` and the `/DSS`
//! (ISO 32000-2 §12.8.4.3 / ETSI EN 319 142-1 §5.4). Page contents, attachments and every
//! stream except cross-reference and object streams are never parsed or decoded.
//!
//! ```
//! use sigaudit::internals::pdf;
//!
//! let bytes = std::fs::read("corpus/sample/docs/doc-000001.pdf").unwrap();
//! let doc = pdf::read(&bytes).unwrap();
//! assert_eq!(doc.revisions.len(), 7);
//! assert_eq!(doc.signatures[0].field, "Sig1_NguoiKy");
//! assert!(matches!(pdf::read(b"%PDF-1.7\n..."), Err(pdf::PdfError::NoTrailer)));
//! ```

mod crypt;
mod dss;
mod error;
mod form;
mod lexer;
pub mod limits;
mod object;
mod xref;

use crate::memory::Allowance;
use serde::Serialize;

pub use error::{Finding, PdfError};
pub use object::{Dictionary, Object, ObjectId, Origin, PdfString, Span, Value};

/// What a field name (or a name of a lock's `/Fields`) reads as when the document is
/// encrypted and cannot be decrypted: the name exists, its ciphertext is never shown
/// ([`Finding::Encrypted`] says why).
pub const ENCRYPTED_TEXT: &str = "(encrypted)";

/// Decode the bytes of a text string (§7.9.2.2): UTF-16BE or UTF-8 with a byte order mark,
/// otherwise PDFDocEncoding.
pub fn decode_text(bytes: &[u8]) -> String {
    object::decode_text(bytes)
}
pub use xref::SectionKind;

/// What the reader saw in one PDF.
#[derive(Clone, Debug, Serialize)]
pub struct Document {
    /// File size in bytes.
    pub len: usize,
    /// The version in the `%PDF-x.y` header.
    pub version: String,
    /// True when the cross-reference chain was unusable and the structure comes from the
    /// fallback scan (see [`Finding::FallbackScan`]).
    pub recovered: bool,
    /// Revisions, oldest first.
    pub revisions: Vec<Revision>,
    /// Signatures reachable from the final revision's form, in field order.
    pub signatures: Vec<Signature>,
    /// Signature fields without a value.
    pub unsigned_fields: Vec<String>,
    /// The document security store, if any.
    pub dss: Option<Dss>,
    /// Anomalies met on the way.
    pub findings: Vec<Finding>,
}

/// A document read, its objects still open for the stages that look further into them (the
/// change analysis of `forensics`). [`Reading::into_document`] closes them.
pub struct Reading<'a> {
    document: Document,
    objects: xref::Resolver<'a>,
}

impl<'a> Reading<'a> {
    /// What the reader saw so far.
    pub fn document(&self) -> &Document {
        &self.document
    }

    /// The objects and the revisions, for the stages inside the crate that read further.
    pub(crate) fn objects(&mut self) -> (&mut xref::Resolver<'a>, &[Revision]) {
        (&mut self.objects, &self.document.revisions)
    }

    /// The document, with what reading further met added to its findings.
    pub fn into_document(mut self) -> Document {
        self.document
            .findings
            .append(&mut std::mem::take(&mut self.objects.findings));
        self.document
    }
}

/// The reader's object layer, for the stages inside the crate that look further than the
/// signatures (the change analysis).
pub(crate) mod objects {
    pub(crate) use super::form::field_text;
    pub(crate) use super::inflate;
    pub(crate) use super::lexer::{is_regular, is_white, Lexer};
    pub(crate) use super::xref::{scan_objects, Entry, Indirect, Resolver};
}

/// One revision: the original document or an incremental update (§7.5.6).
#[derive(Clone, Debug, Serialize)]
pub struct Revision {
    /// 1-based, oldest first.
    pub index: usize,
    /// Its cross-reference sections: byte offset and kind.
    pub xref: Vec<(usize, SectionKind)>,
    /// Offset just after its `%%EOF` marker.
    pub eof: usize,
    /// [`Revision::eof`] plus the end-of-line marker that follows it, if any.
    pub end: usize,
    /// Objects it defines that no earlier revision had in use.
    pub added: Vec<u32>,
    /// Objects it redefines.
    pub replaced: Vec<u32>,
    /// Objects it marks free.
    pub freed: Vec<u32>,
}

/// `/Type` of a signature dictionary (§12.8.1 Table 252, ISO 32000-2 §12.8.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SignatureType {
    /// `/Sig`, or no `/Type` (it is optional).
    Sig,
    /// `/DocTimeStamp`: a document timestamp (ISO 32000-2).
    DocTimeStamp,
    /// Anything else.
    Other,
}

/// The `/Contents` string of a signature dictionary.
#[derive(Clone, Debug, Serialize)]
pub struct Contents {
    /// The string token in the file, delimiters included: the gap `/ByteRange` must leave.
    pub span: Span,
    /// True for a hexadecimal string (as §12.8.1 requires).
    pub hex: bool,
    /// Decoded bytes without the trailing zero padding (the DER object's own length when
    /// the value is a definite-length DER/BER object).
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// `bytes.len()`.
    pub len: usize,
    /// Decoded bytes of padding removed.
    pub padding: usize,
}

/// A signature reference dictionary (§12.8.1 Table 253).
#[derive(Clone, Debug, Serialize)]
pub struct SigReference {
    /// `/TransformMethod`: DocMDP, UR, UR3 or FieldMDP.
    pub method: String,
    /// `/TransformParams /P` (DocMDP permission level 1–3).
    pub p: Option<i64>,
    /// `/TransformParams /Action` (FieldMDP: All, Include, Exclude).
    pub action: Option<String>,
    /// `/TransformParams /Fields`.
    pub fields: Vec<String>,
}

/// A signature field's `/Lock` dictionary (§12.7.4.5 Table 233).
#[derive(Clone, Debug, Serialize)]
pub struct Lock {
    /// `/Action`: All, Include or Exclude.
    pub action: Option<String>,
    /// `/Fields`.
    pub fields: Vec<String>,
    /// `/P` (ISO 32000-2): DocMDP level requested on signing.
    pub p: Option<i64>,
}

/// One signature: a signature field and the signature dictionary that is its value.
#[derive(Clone, Debug, Serialize)]
pub struct Signature {
    /// Fully qualified field name (partial names joined with `.`, §12.7.3.2).
    pub field: String,
    /// The field's object, if indirect.
    pub field_object: Option<ObjectId>,
    /// The signature dictionary's object, if indirect.
    pub object: Option<ObjectId>,
    /// Where the signature dictionary was read from.
    pub origin: Origin,
    /// The signature dictionary's span.
    pub dict_span: Span,
    /// `/Type`.
    pub sig_type: SignatureType,
    /// `/Filter`.
    pub filter: Option<String>,
    /// `/SubFilter`.
    pub sub_filter: Option<String>,
    /// `/ByteRange` as written (integers), if it is an array of integers.
    pub byte_range: Option<Vec<i64>>,
    /// `/Contents`, if it is a string.
    pub contents: Option<Contents>,
    /// How many `/Contents` keys the dictionary has (two is an attack).
    pub contents_keys: usize,
    /// `/M`: the claimed signing time, as written.
    pub m: Option<String>,
    /// `/Name`.
    pub name: Option<String>,
    /// `/Reason`.
    pub reason: Option<String>,
    /// `/Location`.
    pub location: Option<String>,
    /// `/ContactInfo`.
    pub contact_info: Option<String>,
    /// The revision (1-based) whose bytes hold the signature dictionary.
    pub revision: usize,
    /// `/Reference`: DocMDP / FieldMDP transform entries.
    pub references: Vec<SigReference>,
    /// The field's `/Lock`.
    pub lock: Option<Lock>,
    /// True when the catalog's `/Perms /DocMDP` names this dictionary: a certification
    /// signature (§12.8.2.2).
    pub certification: bool,
    /// `/Cert`: DER certificates given in the dictionary (adbe.x509.rsa_sha1).
    #[serde(skip)]
    pub certs: Vec<Vec<u8>>,
}

/// A stream located in the file, not decoded.
#[derive(Clone, Debug, Serialize)]
pub struct StreamLocation {
    /// The stream's object.
    pub object: ObjectId,
    /// Its raw data in the file (meaningful when `origin` is the file).
    pub data: Span,
    /// Its filters.
    pub filters: Vec<String>,
}

/// One `/VRI` entry of the DSS (ETSI EN 319 142-1 §5.4.2.3).
#[derive(Clone, Debug, Serialize)]
pub struct VriEntry {
    /// The key: upper-case hex SHA-1 of the signature's `/Contents` value.
    pub key: String,
    /// `/Cert` stream references.
    pub certs: Vec<ObjectId>,
    /// `/CRL` stream references.
    pub crls: Vec<ObjectId>,
    /// `/OCSP` stream references.
    pub ocsps: Vec<ObjectId>,
}

/// The document security store: `/DSS` in the catalog (ETSI EN 319 142-1 §5.4.2.2).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Dss {
    /// `/Certs`.
    pub certs: Vec<StreamLocation>,
    /// `/CRLs`.
    pub crls: Vec<StreamLocation>,
    /// `/OCSPs`.
    pub ocsps: Vec<StreamLocation>,
    /// `/VRI`.
    pub vri: Vec<VriEntry>,
}

/// Read a PDF's revisions and signatures.
///
/// Never panics; a file from which no document model can be built is a [`PdfError`];
/// anything the reader worked around is a [`Finding`] in the result.
pub fn read(data: &[u8]) -> Result<Document, PdfError> {
    read_with(data, &crate::memory::UNLIMITED)
}

/// [`read`], with the decoded streams drawn from the document's memory `allowance`.
pub fn read_with<'a>(data: &'a [u8], allowance: &'a Allowance<'a>) -> Result<Document, PdfError> {
    open(data, allowance).map(Reading::into_document)
}

/// [`read_with`], the objects kept open ([`Reading`]).
pub fn open<'a>(data: &'a [u8], allowance: &'a Allowance<'a>) -> Result<Reading<'a>, PdfError> {
    if data.is_empty() {
        return Err(PdfError::Empty);
    }
    // §7.5.2: the header is on the first line; readers accept it within the first 1 KiB.
    let head = &data[..data.len().min(1024)];
    let Some(h) = memchr::memmem::find(head, b"%PDF-") else {
        // Readers do accept a file without header whose structure is intact; without a
        // readable structure it is not a PDF at all.
        return match form::read_document(data, String::new(), allowance) {
            Ok(mut reading) => {
                reading.document.findings.insert(0, Finding::MissingHeader);
                Ok(reading)
            }
            Err(PdfError::NoTrailer | PdfError::Syntax { .. } | PdfError::UnexpectedEof { .. }) => {
                Err(PdfError::NotPdf)
            }
            Err(e) => Err(e),
        };
    };
    let version: String = data[h + 5..]
        .iter()
        .take(8)
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .map(|&b| char::from(b))
        .collect();
    form::read_document(data, version, allowance).map(dss_streams_once)
}

/// A stream listed twice in one DSS array is one stream: it is kept once, in its first place.
/// Otherwise one stream that inflates to the per-stream budget, referred to thousands of times
/// for six bytes each (`7 0 R `), would be decoded and held as many times.
fn dss_streams_once(mut reading: Reading<'_>) -> Reading<'_> {
    if let Some(dss) = &mut reading.document.dss {
        for list in [&mut dss.certs, &mut dss.crls, &mut dss.ocsps] {
            let mut seen = crate::cache::FastSet::default();
            list.retain(|s| seen.insert(s.object));
        }
    }
    reading
}

/// The decoded DSS material of one document ([`dss_data`]).
#[derive(Debug, Default)]
pub struct DssData<'a> {
    /// `/Certs` streams, decoded (borrowed from the file when unfiltered).
    pub certs: Vec<std::borrow::Cow<'a, [u8]>>,
    /// `/CRLs` streams, decoded.
    pub crls: Vec<std::borrow::Cow<'a, [u8]>>,
    /// The object of each entry of `crls`, in the same order.
    pub crl_objects: Vec<ObjectId>,
    /// `/OCSPs` streams, decoded.
    pub ocsps: Vec<std::borrow::Cow<'a, [u8]>>,
    /// The object of each entry of `certs` and of `ocsps`, in the same order.
    pub cert_objects: Vec<ObjectId>,
    /// See `cert_objects`.
    pub ocsp_objects: Vec<ObjectId>,
    /// Why each stream that is missing above could not be had.
    pub refused: Vec<PdfError>,
}

/// Decodes every stream of `dss` as [`stream_data`] does, within
/// [`limits::MAX_DSS_DECODED`] inflated bytes over all of them: the decoded material is held
/// while the document is verified, so its sum, not only each stream, must be bounded.
pub fn dss_data<'a>(data: &'a [u8], dss: &Dss) -> DssData<'a> {
    dss_data_with(data, dss, &crate::memory::UNLIMITED)
}

/// [`dss_data`], with the decoded bytes drawn from the document's memory `allowance` too.
pub fn dss_data_with<'a>(data: &'a [u8], dss: &Dss, allowance: &Allowance<'_>) -> DssData<'a> {
    dss_data_sparing(data, dss, allowance, &mut |_, _| Spare::Decode)
}

/// Which DSS array a stream is listed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DssPart {
    /// `/Certs`.
    Certs,
    /// `/CRLs`.
    Crls,
    /// `/OCSPs`.
    Ocsps,
}

/// What [`dss_data_sparing`] does with a stream, as its caller says.
#[derive(Debug)]
pub enum Spare {
    /// Decode it.
    Decode,
    /// Leave it out: the caller holds what it decodes to (a CRL, parsed).
    Held,
    /// Take these bytes as its decoded data (the caller decoded the very same stored bytes
    /// before); they are charged to the allowance as decoded bytes are.
    Decoded(Vec<u8>),
}

/// [`dss_data_with`], asking `spare` first about each stream: the caller recognises streams
/// (by their stored bytes) it already decoded — a national archive repeats the same CA CRLs,
/// CA certificates and OCSP responses in thousands of documents — so they need not be
/// inflated again.
pub fn dss_data_sparing<'a>(
    data: &'a [u8],
    dss: &Dss,
    allowance: &Allowance<'_>,
    spare: &mut dyn FnMut(&StreamLocation, DssPart) -> Spare,
) -> DssData<'a> {
    let mut out = DssData::default();
    let mut left = limits::MAX_DSS_DECODED;
    for part in [DssPart::Certs, DssPart::Crls, DssPart::Ocsps] {
        let (streams, slot, objects) = match part {
            DssPart::Certs => (&dss.certs, &mut out.certs, &mut out.cert_objects),
            DssPart::Crls => (&dss.crls, &mut out.crls, &mut out.crl_objects),
            DssPart::Ocsps => (&dss.ocsps, &mut out.ocsps, &mut out.ocsp_objects),
        };
        for s in streams {
            let room = usize::try_from(allowance.remaining()).unwrap_or(usize::MAX);
            let limit = left.min(limits::MAX_DECODED_STREAM).min(room);
            let got = match spare(s, part) {
                Spare::Held => continue,
                Spare::Decoded(v) if v.len() <= limit => Ok(std::borrow::Cow::Owned(v)),
                Spare::Decoded(_) | Spare::Decode => stream_data_within(data, s, limit),
            };
            match got {
                Ok(b) => {
                    if let std::borrow::Cow::Owned(v) = &b {
                        let raw = s.data.end.saturating_sub(s.data.start) as u64;
                        allowance.check_bomb(
                            || format!("object {}", s.object.num),
                            raw,
                            v.len() as u64,
                        );
                        left -= v.len();
                        allowance.charge(v.len() as u64);
                    }
                    slot.push(b);
                    objects.push(s.object);
                }
                Err(e) => {
                    if limit == room && matches!(e, PdfError::DecodeBudget { .. }) {
                        allowance.refuse();
                    }
                    out.refused.push(e)
                }
            }
        }
    }
    out
}

/// The decoded data of a DSS stream (`/Certs`, `/CRLs`, `/OCSPs` entries): unfiltered or
/// FlateDecode (§7.4.4), at most [`limits::MAX_DECODED_STREAM`] bytes. Borrowed from `data`
/// when unfiltered.
pub fn stream_data<'a>(
    data: &'a [u8],
    s: &StreamLocation,
) -> Result<std::borrow::Cow<'a, [u8]>, PdfError> {
    stream_data_within(data, s, limits::MAX_DECODED_STREAM)
}

/// [`stream_data`] with a decoded-size budget of `limit` bytes.
fn stream_data_within<'a>(
    data: &'a [u8],
    s: &StreamLocation,
    limit: usize,
) -> Result<std::borrow::Cow<'a, [u8]>, PdfError> {
    let raw = data
        .get(s.data.start..s.data.end)
        .ok_or(PdfError::BadStream {
            id: s.object,
            reason: "stream data outside the file",
        })?;
    match s.filters.as_slice() {
        [] => Ok(std::borrow::Cow::Borrowed(raw)),
        [f] if f == "FlateDecode" || f == "Fl" => {
            let out = inflate(raw, limit).map_err(|()| PdfError::Inflate { id: s.object })?;
            if out.len() > limit {
                return Err(PdfError::DecodeBudget {
                    id: s.object,
                    limit,
                });
            }
            Ok(std::borrow::Cow::Owned(out))
        }
        other => Err(PdfError::UnsupportedFilter {
            id: s.object,
            filter: other.join(" "),
        }),
    }
}

thread_local! {
    /// One inflater per thread: its state is some 11 KB of tables, and starting a stream
    /// only resets its state machine (`init`), where a fresh one — or flate2's `reset`, which
    /// zeroes a 32 KB window — costs more than inflating a typical cross-reference stream,
    /// several times per document. The window is the output buffer itself (non-wrapping
    /// mode), so nothing else needs clearing.
    static INFLATER: std::cell::RefCell<Box<miniz_oxide::inflate::core::DecompressorOxide>> =
        std::cell::RefCell::new(Box::default());
}

/// Inflates a zlib stream (§7.4.4, FlateDecode) to at most `limit + 1` bytes, so that the
/// caller can tell a stream that exceeds its budget from one that fills it exactly. A stream
/// cut short before its end (within that budget) or corrupt (including a wrong Adler-32) is
/// an error, as for flate2's streaming reader.
pub(crate) fn inflate(raw: &[u8], limit: usize) -> Result<Vec<u8>, ()> {
    use miniz_oxide::inflate::core::{decompress, inflate_flags};
    use miniz_oxide::inflate::TINFLStatus;
    let cap = limit.saturating_add(1);
    let flags = inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
        | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    INFLATER.with(|cell| {
        let mut d = cell.borrow_mut();
        d.init();
        let mut out = vec![0u8; raw.len().saturating_mul(4).max(256).min(cap)];
        let (mut read, mut written) = (0usize, 0usize);
        loop {
            let input = raw.get(read..).unwrap_or_default();
            let (status, consumed, produced) = decompress(&mut d, input, &mut out, written, flags);
            read += consumed;
            written += produced;
            match status {
                TINFLStatus::Done => {
                    out.truncate(written);
                    return Ok(out);
                }
                TINFLStatus::HasMoreOutput if written >= cap => {
                    out.truncate(cap);
                    return Ok(out);
                }
                TINFLStatus::HasMoreOutput => {
                    let grow = out.len().max(4096).min(cap - out.len());
                    out.resize(out.len() + grow, 0);
                }
                _ => return Err(()),
            }
        }
    })
}

#[cfg(test)]
mod inflate_tests {
    use std::io::{Read, Write};

    fn reference(raw: &[u8], limit: usize) -> Result<Vec<u8>, ()> {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(raw)
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|_| ())?;
        Ok(out)
    }

    #[test]
    fn the_reused_inflater_reads_as_a_fresh_streaming_decoder_does() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..200 {
            let len = (next() % 70_000) as usize;
            // Every fourth round a bomb: zeros, a thousand to one.
            let plain: Vec<u8> = match round % 4 {
                3 => vec![0; len * 30],
                _ => (0..len).map(|i| (i as u64 * (next() % 3)) as u8).collect(),
            };
            let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(&plain).unwrap();
            let mut z = enc.finish().unwrap();
            match round % 4 {
                1 => z.truncate(z.len() * 2 / 3), // cut short
                2 if z.len() > 8 => {
                    let mid = z.len() / 2;
                    z[mid] ^= 0x55; // corrupt
                }
                _ => {}
            }
            for limit in [0, 100, len / 2, len, len + 10] {
                let (got, want) = (super::inflate(&z, limit), reference(&z, limit));
                // A corruption near the budget's end may be met by one reader and not the
                // other (flate2's reader inflates up to 32 KB ahead into its window; inflating
                // into the output reads the input bits of the next codes ahead): either way
                // the stream is refused, over budget or corrupt. Two successes are equal.
                let refused =
                    |r: &Result<Vec<u8>, ()>| r.as_ref().map_or(true, |v| v.len() == limit + 1);
                let refused_both_ways =
                    refused(&got) && refused(&want) && (got.is_err() || want.is_err());
                assert!(
                    got == want || refused_both_ways,
                    "round {round}, limit {limit}: {:?} bytes, expected {:?}",
                    got.map(|v| v.len()),
                    want.map(|v| v.len())
                );
            }
        }
    }
}

/// Entry points for the fuzz targets (`fuzz/`), not part of the API.
#[doc(hidden)]
pub mod fuzzing {
    use super::xref::Resolver;

    /// Reads the cross-reference chain of `data` (tables, streams, hybrids, `/Prev`, the
    /// fallback scan) and then resolves every object it names as of the final revision, which
    /// decodes every object stream referred to, all within the reader's budgets. Returns how
    /// many objects resolved; never panics.
    ///
    /// At most [`super::limits::MAX_FIELDS`] objects are resolved: the reader itself never
    /// visits more objects than that per walk, and an xref claiming millions of entries would
    /// otherwise make each fuzz input cost seconds without reaching any new code.
    pub fn xref_and_objstm(data: &[u8]) -> usize {
        let Ok(mut r) = Resolver::open(data, &crate::memory::UNLIMITED) else {
            return 0;
        };
        let last = r.revision_count().saturating_sub(1);
        let mut resolved = 0;
        for num in r
            .object_numbers()
            .into_iter()
            .take(super::limits::MAX_FIELDS)
        {
            let id = super::ObjectId { num, gen: 0 };
            if let Ok(Some(_)) = r.get(id, last, 0) {
                resolved += 1;
            }
        }
        resolved
    }
}
