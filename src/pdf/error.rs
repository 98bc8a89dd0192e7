//! What can go wrong reading a PDF: fatal errors ([`PdfError`]) and findings ([`Finding`]),
//! the anomalies the reader worked around and reports instead of repairing silently.

use std::fmt;

use serde::Serialize;

use super::object::ObjectId;

/// A condition that stops the reader from producing a document model. Every variant names
/// what is wrong and, where there is one, the byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PdfError {
    /// The input holds no byte.
    Empty,
    /// No `%PDF-` header in the first 1024 bytes (§7.5.2) and no PDF structure in the file.
    NotPdf,
    /// Neither the `startxref` chain nor a scan of the file yielded a trailer with `/Root`.
    NoTrailer,
    /// A token or object is not what the syntax requires at `offset`.
    Syntax {
        /// Where.
        offset: usize,
        /// What was expected.
        expected: &'static str,
    },
    /// The data ended inside an object.
    UnexpectedEof {
        /// Where the unfinished construct began.
        offset: usize,
    },
    /// Arrays and dictionaries nested deeper than [`super::limits::MAX_NESTING`].
    NestingTooDeep {
        /// Where the limit was crossed.
        offset: usize,
    },
    /// A chain of references longer than [`super::limits::MAX_INDIRECTION`].
    IndirectionTooDeep {
        /// The object being resolved when the limit was crossed.
        id: ObjectId,
    },
    /// More cross-reference sections than [`super::limits::MAX_XREF_SECTIONS`].
    TooManyRevisions,
    /// More cross-reference entries than [`super::limits::MAX_XREF_ENTRIES`].
    TooManyObjects,
    /// A stream decoded to more than the budget allows ([`super::limits`]).
    DecodeBudget {
        /// The stream's object.
        id: ObjectId,
        /// The budget in bytes that was exceeded.
        limit: usize,
    },
    /// A stream the reader must decode uses a filter it does not implement.
    UnsupportedFilter {
        /// The stream's object.
        id: ObjectId,
        /// The filter's name.
        filter: String,
    },
    /// A Flate stream is corrupt.
    Inflate {
        /// The stream's object.
        id: ObjectId,
    },
    /// A cross-reference stream or object stream is inconsistent (§7.5.7, §7.5.8).
    BadStream {
        /// The stream's object.
        id: ObjectId,
        /// What is inconsistent.
        reason: &'static str,
    },
    /// A reference or entry points at something that is not the expected object.
    BadObject {
        /// The object.
        id: ObjectId,
        /// What is wrong.
        reason: &'static str,
    },
    /// A structure expected by the signature walk has the wrong type.
    WrongType {
        /// The key or role of the object, e.g. `/AcroForm`.
        what: &'static str,
        /// Where.
        offset: usize,
    },
    /// More form fields than [`super::limits::MAX_FIELDS`].
    TooManyFields,
    /// An object the signature walk needs sits in an object stream of an encrypted file
    /// (§7.6.1) that cannot be decrypted (see [`Finding::Encrypted`]).
    EncryptedObjectStream {
        /// The object stream.
        id: ObjectId,
        /// Why the document cannot be decrypted.
        reason: String,
    },
}

impl fmt::Display for PdfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PdfError::Empty => write!(f, "empty file"),
            PdfError::NotPdf => write!(f, "not a PDF: no %PDF- header in the first 1024 bytes"),
            PdfError::NoTrailer => write!(
                f,
                "no usable trailer: neither startxref nor a scan of the file found /Root"
            ),
            PdfError::Syntax { offset, expected } => {
                write!(f, "syntax error at byte {offset}: expected {expected}")
            }
            PdfError::UnexpectedEof { offset } => {
                write!(
                    f,
                    "data ends inside the object that begins at byte {offset}"
                )
            }
            PdfError::NestingTooDeep { offset } => write!(
                f,
                "arrays/dictionaries nested deeper than {} at byte {offset}",
                super::limits::MAX_NESTING
            ),
            PdfError::IndirectionTooDeep { id } => write!(
                f,
                "reference chain longer than {} resolving {id}",
                super::limits::MAX_INDIRECTION
            ),
            PdfError::TooManyRevisions => write!(
                f,
                "more than {} cross-reference sections",
                super::limits::MAX_XREF_SECTIONS
            ),
            PdfError::TooManyObjects => write!(
                f,
                "more than {} cross-reference entries",
                super::limits::MAX_XREF_ENTRIES
            ),
            PdfError::DecodeBudget { id, limit } => {
                write!(f, "stream {id} decodes to more than {limit} bytes")
            }
            PdfError::UnsupportedFilter { id, filter } => {
                write!(f, "stream {id} uses unsupported filter /{filter}")
            }
            PdfError::Inflate { id } => write!(f, "stream {id}: corrupt Flate data"),
            PdfError::BadStream { id, reason } => write!(f, "stream {id}: {reason}"),
            PdfError::BadObject { id, reason } => write!(f, "object {id}: {reason}"),
            PdfError::WrongType { what, offset } => {
                write!(f, "{what} at byte {offset} has the wrong type")
            }
            PdfError::EncryptedObjectStream { id, reason } => write!(
                f,
                "object stream {id} is encrypted and the document cannot be decrypted: {reason}"
            ),
            PdfError::TooManyFields => {
                write!(f, "more than {} form fields", super::limits::MAX_FIELDS)
            }
        }
    }
}

impl std::error::Error for PdfError {}

/// An anomaly the reader met and worked around. Findings are data for the verdict stage: none
/// of them is repaired silently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum Finding {
    /// The `startxref` chain could not be read; objects were located by scanning the file
    /// for `n g obj` and the trailer by scanning for `trailer` / `/Type /XRef`.
    FallbackScan {
        /// Why the chain was unusable.
        reason: String,
    },
    /// A `/Prev` (or `/XRefStm`) offset repeats one already read: the chain loops.
    PrevLoop {
        /// The repeated offset.
        offset: usize,
    },
    /// An older cross-reference section could not be read; the chain stops there.
    BrokenPrev {
        /// The section's offset.
        offset: usize,
        /// The error.
        reason: String,
    },
    /// A cross-reference entry did not point at its object; the object was found by scan.
    XrefEntryMismatch {
        /// The object.
        object: String,
        /// The offset the entry gave.
        offset: usize,
    },
    /// A signature dictionary (an object holding `/ByteRange`) inside an object stream that
    /// no form field or page widget reaches: no viewer presents it as a signature.
    OrphanSignature {
        /// The object.
        object: u32,
        /// The object stream holding it.
        stream: u32,
    },
    /// The last revision's catalog does not read (its `/Root` resolves to no dictionary); the
    /// document is read as of the newest revision whose catalog does.
    UnreadableCatalog {
        /// The last revision (1-based).
        revision: usize,
        /// The revision read instead.
        read: usize,
        /// Why the catalog does not read.
        reason: String,
    },
    /// A revision's trailer has no `/Root` (ISO 32000-1 §7.5.6: an update's trailer "shall
    /// contain all the entries except the Prev entry … from the previous trailer"); the `/Root`
    /// of the newest earlier trailer that has one is used, as lenient readers do.
    TrailerWithoutRoot {
        /// The revision (1-based) whose trailer lacks `/Root`.
        revision: usize,
        /// The revision whose `/Root` is used.
        from: usize,
    },
    /// No `%%EOF` follows a cross-reference section; the revision is taken to end at the end
    /// of the file.
    MissingEof {
        /// The section's offset.
        xref_offset: usize,
    },
    /// A stream's `/Length` is wrong; `endstream` was located by search.
    StreamLength {
        /// The stream's object.
        object: String,
    },
    /// A dictionary carries the same key twice.
    DuplicateKey {
        /// The key.
        key: String,
        /// Where the dictionary begins.
        offset: usize,
    },
    /// The document is encrypted (`/Encrypt` in the trailer). `/ByteRange` and `/Contents`
    /// are never encrypted (§7.6.1); other strings and object streams are decrypted when the
    /// empty password opens the file. When it does not, names and strings stay encrypted:
    /// they read as [`ENCRYPTED_TEXT`](super::ENCRYPTED_TEXT) (field names) or not at all,
    /// never as ciphertext.
    Encrypted {
        /// The security handler (`/Filter` of `/Encrypt`): `Standard`, `Adobe.PubSec`… (empty
        /// when `/Encrypt` names none).
        handler: String,
        /// Whether strings and object streams were decrypted.
        decrypted: bool,
        /// Why not, if not.
        reason: Option<String>,
    },
    /// An AES-256 document's `/Perms` (ISO 32000-2 §7.6.4.4 Algorithm 13) contradicts its
    /// `/P` or `/EncryptMetadata`: the permissions were altered or the entry is damaged. The
    /// document is decrypted all the same.
    EncryptPermsMismatch {
        /// What does not match.
        reason: String,
    },
    /// A signature field was reached twice through `/Kids` or `/Fields`.
    FieldLoop {
        /// The field object.
        object: String,
    },
    /// A signature dictionary present in an earlier revision's form is no longer reachable
    /// from the final revision's form.
    SupersededSignature {
        /// Field name in that revision.
        field: String,
        /// The revision (1-based) whose form held it.
        revision: usize,
        /// Its `/ByteRange`, if readable.
        byte_range: Option<Vec<i64>>,
    },
    /// A `/ByteRange` key that belongs to no signature the form reaches.
    OrphanByteRange {
        /// Offset of the key.
        offset: usize,
    },
    /// Bytes other than white space after the end of the last revision the cross-reference
    /// chain reaches: an incomplete (e.g. truncated) update, or data appended without one.
    TrailingBytes {
        /// Where they start (the last revision's end).
        offset: usize,
        /// How many.
        len: usize,
    },
    /// A budget stopped the reader from listing every finding of one kind.
    FindingsTruncated {
        /// The kind of finding (its serialised name).
        of: String,
        /// What was left out.
        reason: String,
    },
    /// No `%PDF-` header in the first 1024 bytes, yet a PDF structure follows (§7.5.2).
    MissingHeader,
    /// The `/DSS` dictionary could not be read; it is left out of the document model.
    BadDss {
        /// The error.
        reason: String,
    },
    /// A signature field could not be read.
    BadSignatureField {
        /// Field name, as far as known.
        field: String,
        /// The error.
        reason: String,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::FallbackScan { reason } => {
                write!(
                    f,
                    "cross-reference chain unusable ({reason}); objects located by scan"
                )
            }
            Finding::PrevLoop { offset } => {
                write!(f, "cross-reference chain loops back to byte {offset}")
            }
            Finding::OrphanSignature { object, stream } => write!(
                f,
                "object {object} in object stream {stream} holds a /ByteRange that no form \
                 field or page widget reaches"
            ),
            Finding::UnreadableCatalog {
                revision,
                read,
                reason,
            } => write!(
                f,
                "revision {revision}'s catalog does not read ({reason}); the document is read \
                 as of revision {read}"
            ),
            Finding::TrailerWithoutRoot { revision, from } => write!(
                f,
                "revision {revision}'s trailer has no /Root; revision {from}'s is used"
            ),
            Finding::BrokenPrev { offset, reason } => {
                write!(
                    f,
                    "cross-reference section at byte {offset} unreadable: {reason}"
                )
            }
            Finding::XrefEntryMismatch { object, offset } => write!(
                f,
                "xref entry of {object} points at byte {offset}, not at the object; found by scan"
            ),
            Finding::MissingEof { xref_offset } => {
                write!(
                    f,
                    "no %%EOF after the cross-reference section at byte {xref_offset}"
                )
            }
            Finding::StreamLength { object } => write!(f, "stream {object} has a wrong /Length"),
            Finding::DuplicateKey { key, offset } => {
                write!(f, "dictionary at byte {offset} has /{key} twice")
            }
            Finding::Encrypted {
                handler,
                decrypted,
                reason,
            } => match (decrypted, reason) {
                (true, _) => write!(
                    f,
                    "document is encrypted (/{handler}); opened with the empty password"
                ),
                (false, r) => write!(
                    f,
                    "document is encrypted (/{handler}) and not decrypted{}{}; names and \
                     strings are encrypted",
                    if r.is_some() { ": " } else { "" },
                    r.as_deref().unwrap_or_default()
                ),
            },
            Finding::EncryptPermsMismatch { reason } => {
                write!(f, "/Encrypt /Perms check failed: {reason}")
            }
            Finding::FieldLoop { object } => write!(f, "form field {object} reached twice"),
            Finding::SupersededSignature {
                field, revision, ..
            } => write!(
                f,
                "signature {field:?} of revision {revision} is not in the final form"
            ),
            Finding::OrphanByteRange { offset } => {
                write!(
                    f,
                    "/ByteRange at byte {offset} belongs to no signature field"
                )
            }
            Finding::TrailingBytes { offset, len } => write!(
                f,
                "{len} bytes after the end of the last revision (byte {offset}) belong to no revision"
            ),
            Finding::FindingsTruncated { of, reason } => {
                write!(f, "not every {of} finding is listed: {reason}")
            }
            Finding::MissingHeader => write!(f, "no %PDF- header in the first 1024 bytes"),
            Finding::BadDss { reason } => write!(f, "/DSS unreadable: {reason}"),
            Finding::BadSignatureField { field, reason } => {
                write!(f, "signature field {field:?} unreadable: {reason}")
            }
        }
    }
}
