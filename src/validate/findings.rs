//! What the reader, the range checks and the memory budget met, as report findings: reported
//! for an auditor to see; only the change findings of a signature judge it.

use crate::digest::{self, RangeCheck};
use crate::forensics::{ChangeFinding, FindingKind};
use crate::memory::Allowance;
use crate::pdf::{self, Document, Signature};

/// The decompression bombs `allowance` met, as report findings.
pub(crate) fn bomb_findings(allowance: &Allowance<'_>) -> Vec<ChangeFinding> {
    allowance
        .bombs()
        .into_iter()
        .map(|b| ChangeFinding {
            kind: FindingKind::CompressionBomb,
            revision: 0,
            objects: Vec::new(),
            detail: format!(
                "{} inflates from {} to {} bytes ({}:1)",
                b.what,
                b.compressed,
                b.inflated,
                b.inflated / b.compressed.max(1)
            ),
        })
        .collect()
}

/// What the reader found about the document's encryption, as report findings: names and
/// strings that could not be decrypted, and a `/Perms` that contradicts `/P`.
pub(super) fn encryption_findings(doc: &Document) -> Vec<ChangeFinding> {
    let finding = |kind, detail| ChangeFinding {
        kind,
        revision: 0,
        objects: Vec::new(),
        detail,
    };
    doc.findings
        .iter()
        .filter_map(|f| match f {
            pdf::Finding::Encrypted {
                handler,
                decrypted: false,
                reason,
            } => Some(finding(
                FindingKind::EncryptedStrings,
                format!(
                    "the document is encrypted (security handler {}) and cannot be decrypted: \
                     {}; field names and other strings are encrypted and shown as {}; \
                     /ByteRange and /Contents are not encrypted, so signatures are verified",
                    match handler.as_str() {
                        "" => "unnamed".to_string(),
                        h => format!("/{h}"),
                    },
                    reason.as_deref().unwrap_or("no reason given"),
                    pdf::ENCRYPTED_TEXT
                ),
            )),
            pdf::Finding::EncryptPermsMismatch { reason } => {
                Some(finding(FindingKind::EncryptPermsMismatch, reason.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Attacks on a signature's own dictionary: a `/ByteRange` gap that holds more than the
/// `/Contents` string (signature wrapping), and a dictionary without usable `/Contents` or
/// `/ByteRange` (universal signature forgery).
pub(super) fn signature_findings(sig: &Signature, check: &RangeCheck) -> Vec<ChangeFinding> {
    use digest::RangeProblem as P;
    let mut out = Vec::new();
    let finding = |kind, detail: String| ChangeFinding {
        kind,
        revision: sig.revision,
        objects: sig.object.map(|o| vec![o.num]).unwrap_or_default(),
        detail,
    };
    if check
        .problems
        .iter()
        .any(|p| matches!(p, P::GapNotContents | P::DuplicateContents))
        || sig.contents_keys > 1
    {
        out.push(finding(
            FindingKind::SignatureWrapping,
            "the /ByteRange gap is not exactly the /Contents string: unsigned bytes sit in \
             the signature dictionary"
                .into(),
        ));
    }
    let no_contents = sig
        .contents
        .as_ref()
        .is_none_or(|c| c.bytes.is_empty() || c.bytes.iter().all(|&b| b == 0));
    let no_range = check
        .problems
        .iter()
        .any(|p| matches!(p, P::Missing | P::NotFourIntegers));
    if no_contents || no_range {
        out.push(finding(
            FindingKind::UniversalForgery,
            if no_contents {
                "the signature dictionary has no signature value (/Contents missing, empty \
                 or all zero)"
                    .into()
            } else {
                "the signature dictionary has no usable /ByteRange".into()
            },
        ));
    }
    out
}

/// Signature dictionaries no field or widget reaches, as report findings.
pub(super) fn orphan_findings(doc: &Document) -> Vec<ChangeFinding> {
    doc.findings
        .iter()
        .filter_map(|f| {
            let (objects, detail) = match f {
                pdf::Finding::OrphanByteRange { offset } => (
                    Vec::new(),
                    format!("a /ByteRange at byte {offset} belongs to no signature field"),
                ),
                pdf::Finding::OrphanSignature { object, stream } => (
                    vec![*object],
                    format!(
                        "object {object}, in object stream {stream}, is a signature dictionary \
                         that no form field or page widget reaches"
                    ),
                ),
                _ => return None,
            };
            Some(ChangeFinding {
                kind: FindingKind::OrphanSignature,
                revision: 0,
                objects,
                detail,
            })
        })
        .collect()
}

/// The finding a damaged end of file makes: an update cut short (no `%%EOF`), or
/// cross-reference data that only a lenient reader gets past.
pub(super) fn damage_finding(doc: &Document, cut_off: bool) -> ChangeFinding {
    let scan_reason = doc.findings.iter().find_map(|f| match f {
        pdf::Finding::FallbackScan { reason } => Some(reason.clone()),
        _ => None,
    });
    let detail = match (cut_off, scan_reason) {
        (true, _) => "the file ends inside an incremental update (no %%EOF after it): its \
                      objects exist only as a lenient reader rebuilds them"
            .to_string(),
        (false, Some(reason)) => format!(
            "the cross-reference data is unusable ({reason}); the structure after the signed \
             revision exists only as a lenient reader rebuilds it"
        ),
        (false, None) => "the cross-reference chain is broken; the structure is rebuilt by \
                          scanning"
            .to_string(),
    };
    ChangeFinding {
        kind: if cut_off {
            FindingKind::UnreachableUpdate
        } else {
            FindingKind::XrefDifferential
        },
        revision: doc.revisions.len() + usize::from(cut_off),
        objects: Vec::new(),
        detail,
    }
}

/// Whether the last non-white bytes of `data` are `%%EOF` (§7.5.5).
fn ends_with_eof(data: &[u8]) -> bool {
    data.iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .is_some_and(|p| data[..=p].ends_with(b"%%EOF"))
}

/// Whether the file was cut off inside an incremental update: bytes after the last revision
/// hold object syntax but do not end with an `%%EOF` marker (an appended update that does
/// is an attack, reported by the change analysis).
pub(super) fn trailing_update(doc: &Document, data: &[u8]) -> bool {
    doc.findings.iter().any(|f| match f {
        pdf::Finding::TrailingBytes { offset, .. } => {
            let tail = data.get(*offset..).unwrap_or_default();
            !ends_with_eof(tail)
                && [&b"obj"[..], b"xref", b"trailer"]
                    .iter()
                    .any(|kw| memchr::memmem::find(tail, kw).is_some())
        }
        _ => false,
    })
}
