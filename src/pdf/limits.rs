//! Work budgets on hostile input. Each limit is far above what a legitimate document needs and
//! low enough that a crafted file cannot make the reader spend unbounded time or memory.

/// Nesting depth of arrays and dictionaries within one object. Signature, field and trailer
/// dictionaries nest three or four levels; ISO 32000-1 Annex C.2 (Table C.1) gives 28 as a
/// typical implementation limit, so 64 accepts anything real and keeps recursion shallow.
pub const MAX_NESTING: usize = 64;

/// Length of a chain of indirect references followed to reach one value (`/V 5 0 R` whose
/// object is itself `6 0 R`, …). Real files use one hop; 32 is generous.
pub const MAX_INDIRECTION: usize = 32;

/// Cross-reference sections followed through `startxref`, `/Prev` and `/XRefStm`: one or
/// two per revision. A national document has about ten revisions, the largest real ones a
/// few hundred; 4096 bounds a crafted chain. It bounds the `%%EOF`-terminated segments of the
/// fallback scan too: each is a revision, and per-revision work grows with their number.
pub const MAX_XREF_SECTIONS: usize = 4096;

/// Cross-reference entries over all sections. ISO 32000-1 Annex C.2 gives 8,388,607 as the
/// largest object number an implementation need support.
pub const MAX_XREF_ENTRIES: usize = 8_388_607;

/// Decoded size of one cross-reference or object stream (the only streams the reader ever
/// decodes). An xref stream for the Annex C maximum object count at 7 bytes per entry is
/// about 56 MiB; object streams are far smaller in practice.
pub const MAX_DECODED_STREAM: usize = 64 << 20;

/// Decoded bytes over all streams of one document: four full-size streams.
pub const MAX_DECODED_TOTAL: usize = 256 << 20;

/// Inflated bytes over all DSS streams of one document (`/Certs`, `/CRLs`, `/OCSPs`), decoded
/// by [`super::dss_data`] and held while the document is verified. Each stream alone may fill
/// [`MAX_DECODED_STREAM`] (a national CA's CRL can run to tens of MB); without a sum a few
/// kilobytes of Flate bombs per stream would multiply it. The same as the reader's own total
/// budget, [`MAX_DECODED_TOTAL`]: four full-size CRLs.
pub const MAX_DSS_DECODED: usize = MAX_DECODED_TOTAL;

/// Form fields visited while walking `/AcroForm /Fields` and `/Kids`.
pub const MAX_FIELDS: usize = 100_000;

/// Depth of the `/Kids` hierarchy of form fields.
pub const MAX_FIELD_DEPTH: usize = 32;

/// Objects found by the fallback scan of a file whose cross-reference chain is broken;
/// bounded by [`MAX_XREF_ENTRIES`] like the chain itself.
pub const MAX_SCANNED_OBJECTS: usize = MAX_XREF_ENTRIES;

/// Orphan `/ByteRange` findings listed per document; beyond it one
/// [`super::Finding::FindingsTruncated`] gives the total. A real file has a handful.
pub const MAX_ORPHAN_FINDINGS: usize = 256;

/// Most `/Cert` strings read from one signature dictionary (§12.8.1: the signer's certificate
/// and its chain; real chains have a handful).
pub const MAX_CERT_STRINGS: usize = 32;

/// Lookups of the change analysis that cost more than the object they judge: finding which
/// objects of the signed revision reference an overwritten appearance (a scan of the signed
/// bytes), and which signature field owns a widget that names none (a walk of the form). A
/// signing update overwrites one or two appearances; 256 per document is generous, and past
/// it the appearance is judged shared (forbidden) rather than left unchecked.
pub const MAX_CHANGE_LOOKUPS: usize = 256;
