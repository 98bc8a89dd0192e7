//! What each incremental update changes (ISO 32000-2 §7.5.6, §12.8.2.2–12.8.2.4), and whether
//! a signature permits it.
//!
//! The analysis has two halves:
//!
//! * [`analyse`] diffs every revision against the one before it, **once per revision pair**,
//!   and classifies each changed object ([`ChangeClass`]): structure, metadata, long-term
//!   validation material, signing, form filling, annotations, or a forbidden change named by
//!   the attack class it matches ([`FindingKind`]). It also checks each update's bytes against
//!   its cross-reference section, the parser differential behind the incremental saving
//!   attacks: an object defined in an update that no entry reaches, or an entry that lands on
//!   another object, past the file, or back in already-signed bytes, means a strict reader
//!   and a lenient one (which rebuilds the table by scanning `n g obj`) see different
//!   documents.
//! * `evaluate` judges those classified changes for one signature: every revision after the
//!   signed one, against the certification signature's DocMDP level (§12.8.2.2 Table 254:
//!   1 no changes; 2 form filling and signing; 3 also annotations) and every earlier
//!   signature's FieldMDP locks (§12.8.2.4). Document timestamps and the DSS are permitted at
//!   every level (ISO 32000-2 §12.8.4.3 and ETSI EN 319 142-1 §5.4). Without a certification
//!   signature the document is held to level 2, as pyHanko does: annotations added after
//!   signing overlay signed content (the shadow and evil-annotation attacks) and are
//!   reported.

mod classify;
mod diff;
mod evaluate;
mod families;

use crate::cache::{FastMap as HashMap, FastSet as HashSet};

use serde::{Deserialize, Serialize};

use crate::pdf::objects::{scan_objects, Entry, Resolver};
use crate::pdf::{Document, PdfError, Reading, Revision};
use classify::{classify, freed, Deferred, Pass};
use diff::{differential, revision_entries};
use families::classify_xobject;

pub use evaluate::evaluate;

/// The attack class (or rule) a forbidden change matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// An incremental update after signing changes what a reader sees (page content, pages,
    /// catalog actions, added annotations in an uncertified document…) and fits no shadow
    /// pattern: the incremental saving attack (ISA) with a valid cross-reference section.
    IncrementalSaving,
    /// Bytes after the signed revision define objects that no cross-reference section
    /// reaches, but a lenient reader that rebuilds the table would use (ISA with a parser
    /// differential).
    UnreachableUpdate,
    /// A cross-reference entry of an update points at another object's definition or past
    /// the end of the file, or the table is unusable: strict and lenient readers resolve the
    /// object differently.
    XrefDifferential,
    /// An object drawn at signing time (an overlay XObject, an annotation or its appearance)
    /// is removed, emptied or hidden, revealing what it covered (shadow attack, hide).
    ShadowHide,
    /// An object that existed at signing and affects rendering (a font, an XObject, an
    /// appearance, resources) is replaced by different content (shadow attack, replace).
    ShadowReplace,
    /// Pages or page content are redirected to objects that already existed, undisplayed,
    /// in the signed bytes (shadow attack, hide-and-replace).
    ShadowHideAndReplace,
    /// The `/ByteRange` gap holds more than the `/Contents` string (signature wrapping).
    SignatureWrapping,
    /// The signature dictionary has no usable `/Contents` or `/ByteRange` (universal
    /// signature forgery).
    UniversalForgery,
    /// A change the certification signature's DocMDP level does not permit (including the
    /// evil annotation attack: annotations on a level-2 document).
    CertificationViolation,
    /// A form field locked by an earlier signature's FieldMDP changed.
    FieldLockViolation,
    /// A stream of the document, or the archive member it came in, inflates at a ratio no
    /// document data reaches (a decompression bomb, by the run's `--bomb-ratio` rule). It is
    /// reported, not judged: the document is verified as far as its memory allows.
    CompressionBomb,
    /// A signature dictionary (a `/ByteRange`) that no form field or page widget reaches: no
    /// viewer presents it as a signature, and what it signed is not a signature of this
    /// document. Reported so that an auditor sees it; it judges nothing.
    OrphanSignature,
    /// The document is encrypted and cannot be decrypted (the public-key handler, a user
    /// password, a handler sigaudit does not implement). `/ByteRange` and `/Contents` are
    /// never encrypted (§7.6.1), so the signatures are located, hashed and verified, but field
    /// names and other strings are not read: names show as `(encrypted)`. Reported, not
    /// judged.
    EncryptedStrings,
    /// An AES-256 document's `/Perms` contradicts its `/P` or `/EncryptMetadata` (ISO 32000-2
    /// §7.6.4.4 Algorithm 13): the permissions were altered or the entry is damaged. Reported,
    /// not judged.
    EncryptPermsMismatch,
}

impl FindingKind {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::IncrementalSaving => "incremental_saving",
            FindingKind::UnreachableUpdate => "unreachable_update",
            FindingKind::XrefDifferential => "xref_differential",
            FindingKind::ShadowHide => "shadow_hide",
            FindingKind::ShadowReplace => "shadow_replace",
            FindingKind::ShadowHideAndReplace => "shadow_hide_and_replace",
            FindingKind::SignatureWrapping => "signature_wrapping",
            FindingKind::UniversalForgery => "universal_forgery",
            FindingKind::CertificationViolation => "certification_violation",
            FindingKind::FieldLockViolation => "field_lock_violation",
            FindingKind::CompressionBomb => "compression_bomb",
            FindingKind::OrphanSignature => "orphan_signature",
            FindingKind::EncryptedStrings => "encrypted_strings",
            FindingKind::EncryptPermsMismatch => "encrypt_perms_mismatch",
        }
    }
}

/// What one changed object is, as far as permissions go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "class", rename_all = "snake_case")]
pub enum ChangeClass {
    /// Document metadata, the information dictionary, the logical structure tree.
    Metadata,
    /// The DSS, its VRI entries and validation data (permitted at every level).
    Dss,
    /// Signature fields, their widgets and values, the AcroForm bookkeeping (DocMDP ≥ 2).
    Signing,
    /// A form field's value and its appearance (DocMDP ≥ 2, unless a FieldMDP lock holds
    /// the field).
    FormFill {
        /// The field's fully qualified name.
        field: String,
    },
    /// An annotation added or changed (DocMDP 3 only).
    Annotation,
    /// Never permitted after signing.
    Forbidden {
        /// The attack class it matches.
        kind: FindingKind,
    },
}

/// One classified change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The object changed, if the change is an object's.
    pub object: Option<u32>,
    /// What it is.
    #[serde(flatten)]
    pub class: ChangeClass,
    /// In words.
    pub detail: String,
}

/// The classified changes one revision makes to the one before it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RevisionDiff {
    /// The revision (1-based) that makes the changes; one past the last revision for bytes
    /// after the final `%%EOF`.
    pub revision: usize,
    /// Its changes; structure (cross-reference and object streams) is left out.
    pub changes: Vec<Change>,
}

/// A finding about the changes after one signature, as reports show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangeFinding {
    /// The attack class.
    pub kind: FindingKind,
    /// The revision (1-based) that makes the change.
    pub revision: usize,
    /// The objects involved.
    pub objects: Vec<u32>,
    /// What was found, in words.
    pub detail: String,
}

/// What changed in the document after a signature's revision (PDF 2.0, ISO 32000-2, clause
/// 12.8.2: incremental updates after signing may be permitted by DocMDP/FieldMDP or not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Modifications {
    /// Nothing follows the signed revision: the signature covers the whole file.
    None,
    /// Only permitted updates follow: new signature fields and their values, DSS, document
    /// timestamps.
    Permitted,
    /// Something that changes what a reader sees follows the signed revision.
    Forbidden,
}

/// Reads `data` and analyses its revisions: the document and the classified changes of each
/// revision after the first ([`analyse`]).
pub fn examine(data: &[u8]) -> Result<(Document, Vec<RevisionDiff>), PdfError> {
    let mut reading = crate::pdf::open(data, &crate::memory::UNLIMITED)?;
    let changes = analyse(&mut reading);
    Ok((reading.into_document(), changes))
}

/// The classified changes of revisions 2.. of the file, and of bytes after the last one.
pub fn analyse(reading: &mut Reading<'_>) -> Vec<RevisionDiff> {
    let (r, revisions) = reading.objects();
    changes(r, revisions)
}

fn changes(r: &mut Resolver<'_>, revisions: &[Revision]) -> Vec<RevisionDiff> {
    let data = r.data;
    let mut out = Vec::new();
    let mut lookups_left = crate::pdf::limits::MAX_CHANGE_LOOKUPS;
    // The cross-reference view as of the previous revision, kept up to date revision by
    // revision: an update's entries are compared with it in one probe each, not by walking
    // every newer section (quadratic in the number of revisions).
    let mut view: HashMap<u32, Entry> = HashMap::default();
    if !revisions.is_empty() {
        view = revision_entries(r, 0).0;
    }
    for i in 1..revisions.len() {
        let mut changes = Vec::new();
        let mut settled: HashSet<u32> = HashSet::default();
        let (entries, scanned) = revision_entries(r, i);
        if !scanned {
            differential(r, revisions, i, &entries, &view, &mut changes, &mut settled);
        }
        view.extend(entries);
        let rev = &revisions[i];
        for &num in &rev.freed {
            if settled.contains(&num) {
                continue;
            }
            if let Some(c) = freed(r, num, i) {
                changes.push(c);
            }
        }
        let replaced: Vec<u32> = rev
            .replaced
            .iter()
            .copied()
            .filter(|n| !settled.contains(n))
            .collect();
        let mut ctx = Pass {
            lookups_left,
            ..Pass::default()
        };
        let mut pending = Vec::new();
        for num in replaced {
            match classify(r, num, i, &mut ctx) {
                Ok(Some(c)) => changes.push(c),
                Ok(None) => {}
                Err(Deferred) => pending.push(num),
            }
        }
        // Appearance streams last: whether one belongs to a field filled in this revision
        // is known once every field is classified.
        for num in pending {
            if let Some(c) = classify_xobject(r, num, i, &mut ctx) {
                changes.push(c);
            }
        }
        lookups_left = ctx.lookups_left;
        out.push(RevisionDiff {
            revision: rev.index,
            changes,
        });
    }
    // Bytes after the last revision that hold object syntax: an update a lenient reader
    // applies and the cross-reference chain does not reach (ISA without its own section).
    if let Some(last) = revisions.last() {
        let tail = data.get(last.end..).unwrap_or_default();
        let objects = scan_objects(tail);
        let syntax = [&b"xref"[..], b"trailer", b"startxref"]
            .iter()
            .any(|k| memchr::memmem::find(tail, k).is_some());
        if !objects.is_empty() || syntax {
            let nums: Vec<String> = objects.iter().take(8).map(|o| o.0.to_string()).collect();
            out.push(RevisionDiff {
                revision: last.index + 1,
                changes: vec![Change {
                    object: objects.first().map(|o| o.0),
                    class: ChangeClass::Forbidden {
                        kind: FindingKind::UnreachableUpdate,
                    },
                    detail: if objects.is_empty() {
                        format!(
                            "{} bytes after the last %%EOF hold cross-reference syntax that no \
                             startxref reaches",
                            tail.len()
                        )
                    } else {
                        format!(
                            "{} bytes after the last %%EOF define object(s) {} that no \
                             cross-reference section reaches: a lenient reader applies them",
                            tail.len(),
                            nums.join(", ")
                        )
                    },
                }],
            });
        }
    }
    out
}
