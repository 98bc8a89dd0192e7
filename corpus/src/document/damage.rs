//! Files damaged after signing (a signed byte flipped, the file cut short) and files that are
//! not signed PDFs at all (`not_pdf`, `empty_file`).

use anyhow::Result;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{doc_name, Built, Draft, Outcome, Plan};
use crate::cases::Case;
use crate::manifest;
use crate::time::{rfc3339, VALIDATION_TIME};
use crate::verdict::DocumentStatus;

/// [`Case::TamperedSignedByte`]: a letter of revision `r`'s tamper point (the `/Title` of
/// revision 1, a `/Reason` after) flips case; the signatures from `r - 1` on cover it.
pub(super) fn tamper_signed_byte(d: &mut Draft<'_>, n_sigs: usize) -> Result<Outcome> {
    // Revision r (0 = original) holds the changed byte; signatures r-1.. cover it.
    let r = d.rng.gen_range(0..=n_sigs);
    let at = d.tamper_points[r];
    let b = d.w.buf[at];
    anyhow::ensure!(b.is_ascii_alphabetic(), "tamper point is not a letter");
    d.w.buf[at] = b ^ 0x20;
    Ok(Outcome {
        hash_broken_from: Some(r.saturating_sub(1)),
        reason: Some(format!(
            "byte {at} (revision {}) changed after signing",
            r + 1
        )),
        ..Outcome::default()
    })
}

/// Bytes of an update a cut keeps at least, once past a revision's end: its first object header
/// (`n 0 obj`) and more, so that what is left reads as an update cut short.
const UPDATE_HEAD: usize = 32;

/// [`Case::Truncated`]: the file cut at 40–90 % of its length, never inside the first signed
/// revision.
pub(super) fn truncate(d: &mut Draft<'_>) -> Outcome {
    let w = &mut d.w;
    let len = w.buf.len();
    let mut cut = d.rng.gen_range(len * 2 / 5..len * 9 / 10);
    // A cut that removes only the end-of-line after a `%%EOF` leaves a complete revision whose
    // last signature's /ByteRange overshoots the file by a byte or two: indistinguishable from
    // a signer's off-by-one range (which verifiers judge as that signature's format failure),
    // so not a truncation a verifier can recognise. Cut inside the revision instead.
    while w.buf[..cut].ends_with(b"%%EOF") || w.buf[..cut].ends_with(b"%%EOF\r") {
        cut -= 8;
    }
    // Not inside the first signature's revision: what a verifier finds of a half-written
    // signing update depends on how far its objects got, so the first signed revision is
    // either whole (its signature reported, the document TOTAL_FAILED for its cut end) or
    // absent (nothing signed is left: ERROR).
    if let [base_end, first_signed_end, ..] = w.revision_ends[..] {
        if (base_end..first_signed_end).contains(&cut) {
            cut = first_signed_end + (cut - base_end) % 64 + 1;
        }
    }
    // Nor just past a revision's end: a complete revision followed by the first few bytes of
    // the next update (`43`, before its `obj`) is a whole signed document with junk after it,
    // which no verifier can tell from a cut update. The cut goes far enough into the update for
    // its first object header to be there.
    if let Some(&end) = w
        .revision_ends
        .iter()
        .find(|&&end| (end..end + UPDATE_HEAD).contains(&cut))
    {
        cut = end + UPDATE_HEAD;
    }
    w.buf.truncate(cut);
    Outcome {
        truncated: true,
        reason: Some(format!("file truncated at byte {cut} of {len}")),
        ..Outcome::default()
    }
}

/// Builds a file that is not a signed PDF (`not_pdf`, `empty_file`).
pub fn build_unreadable(plan: &Plan) -> Built {
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let (bytes, reason) = match plan.case {
        Case::EmptyFile => (Vec::new(), "empty file"),
        _ => not_pdf(&mut rng),
    };
    Built {
        manifest: manifest::Document {
            name: doc_name(plan.index),
            bytes: 0,
            sha256: String::new(),
            status: DocumentStatus::Error,
            case: plan.case.name().to_string(),
            reason: Some(reason.to_string()),
            validation_time: rfc3339(VALIDATION_TIME),
            xref: None,
            pages: 0,
            attachments: Vec::new(),
            revisions: 0,
            signatures: Vec::new(),
            ltv: false,
            dss: None,
            policy_fail: None,
            policy_inform: None,
            dossier: None,
            dossier_role: None,
        },
        bytes,
    }
}

/// An HTML error page, a ZIP or random bytes, as found named `.pdf` in archives.
fn not_pdf(rng: &mut ChaCha8Rng) -> (Vec<u8>, &'static str) {
    match rng.gen_range(0..3) {
        0 => (
            b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n"
                .to_vec(),
            "an HTML error page saved as .pdf",
        ),
        1 => {
            let mut v = b"PK\x03\x04\x14\x00\x06\x00\x08\x00".to_vec();
            let mut rest = vec![0u8; rng.gen_range(2000..20_000)];
            rng.fill_bytes(&mut rest);
            v.extend_from_slice(&rest);
            (v, "a ZIP (office document) saved as .pdf")
        }
        _ => {
            let mut v = vec![0u8; rng.gen_range(1000..50_000)];
            rng.fill_bytes(&mut v);
            (v, "random bytes")
        }
    }
}
