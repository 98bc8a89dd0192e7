//! One document: an original revision (text pages, appendices, attachments), then one
//! incremental update per signature, then whatever the case asks for.
//!
//! Signatures are written the ordinary way (ISO 32000-1, 12.8.1): a signature field merged with
//! its widget annotation in the AcroForm `/Fields` and the page's `/Annots`, a signature
//! dictionary whose `/Contents` hex string is reserved with zero padding and whose `/ByteRange`
//! `[0 a b c]` excludes exactly that string (`a` is the offset of `<`, `b` the offset after `>`).
//!
//! [`build`] runs the stages in order, each in its module:
//!
//! - `shape`: the issuing organisation, the pages, the signatures and their signers;
//! - `defects` and `pki_cases`: the case marks one signature (a defect of its own bytes, or a
//!   signer the PKI or a proof of existence decides on);
//! - `original`: revision 1 (with what the attacks plant in it);
//! - `signing`: one update per signature;
//! - `ltv`: the DSS and document timestamp updates;
//! - `attacks` and `damage`: what the case does to the signed file;
//! - `expected`: the manifest line.
//!
//! Every stage draws from the document's random stream in a fixed order (timestamps and LTV
//! from a second stream), so a document is a function of its seed.

mod attacks;
mod damage;
mod defects;
mod expected;
mod ltv;
mod original;
mod pki_cases;
mod shape;
mod signing;
mod text;

use anyhow::Result;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::cases::Case;
use crate::keys::KeyStore;
use crate::manifest;
use crate::modes::Modes;
use crate::pdf::{Writer, XrefStyle};
use crate::pki::Pki;
use crate::time::Unix;
use shape::SigSpec;

pub use damage::build_unreadable;
pub use ltv::{DOC_TS_FIELD, DOC_TS_TIME};

/// Everything decided about a document before it is built (cheap, made sequentially).
#[derive(Clone, Debug)]
pub struct Plan {
    /// Position in the corpus (0-based).
    pub index: usize,
    /// Seed of the document's own random stream.
    pub seed: u64,
    /// The labelled case.
    pub case: Case,
    /// Attachment sizes in bytes (0 = none).
    pub attachments: Vec<u64>,
    /// Further organisation signatures after the usual ones (confirmation stamps), for
    /// documents with many signatures; corpora use 0.
    pub extra_signatures: usize,
    /// The fixed shape of the `benchmark` profile: six signatures (an organisation's
    /// RSA-2048 key four times, people's P-256 keys twice), no co-signer, no appendix
    /// signatures, no timestamps, no DSS.
    pub fixed_shape: bool,
}

/// A built document.
pub struct Built {
    /// The file.
    pub bytes: Vec<u8>,
    /// Its manifest line (without `bytes`/`sha256`, filled by the caller).
    pub manifest: manifest::Document,
}

/// Shared inputs of every document.
pub struct Context<'a> {
    /// Signing keys.
    pub keys: &'a KeyStore,
    /// Certificates and CRLs.
    pub pki: &'a Pki,
}

/// The file name of document `index`.
pub fn doc_name(index: usize) -> String {
    format!("docs/doc-{:06}.pdf", index + 1)
}

/// A document being written: the file so far, its random stream, and what later revisions
/// rewrite or refer to.
struct Draft<'a> {
    plan: &'a Plan,
    /// What the signatures embed (the issuing CA's certificate or not).
    modes: Modes,
    shape: shape::Shape<'a>,
    w: Writer,
    rng: ChaCha8Rng,
    /// Revision 1's objects.
    ids: original::Objects,
    form: original::Form,
    /// Each page's header lines.
    headers: Vec<Vec<String>>,
    /// The shadow cases' amount lines on page 1: (approved, forged).
    amounts: Option<(String, String)>,
    /// The `/Info` creation date; the signing times follow it.
    created: Unix,
    /// Every revision's trailer entries (`/Root`, `/Info`).
    trailer: String,
    /// One letter per revision that [`Case::TamperedSignedByte`] may flip: revision 1's
    /// `/Title`, then each signature's `/Reason`.
    tamper_points: Vec<usize>,
}

impl Draft<'_> {
    /// Ends the revision, its trailer's second ID drawn from the document's stream.
    fn end_revision(&mut self) {
        let mut id1 = [0u8; 16];
        self.rng.fill_bytes(&mut id1);
        self.w.end_revision(&self.trailer, id1);
    }
}

/// The document's second random stream, for signature timestamps and the LTV updates, so that
/// the rest of the document does not depend on them; and what it decided.
struct Stamps {
    rng: ChaCha8Rng,
    /// Every signature carries a signature timestamp.
    timestamped: bool,
    /// The document ends with the LTV updates.
    ltv: bool,
}

impl Stamps {
    /// Both draws are made whatever `modes` allows, so that the stream is the same.
    fn draw(plan: &Plan, modes: &Modes) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
        rng.set_stream(1);
        let draw_timestamps = rng.gen_bool(0.3);
        let draw_ltv = rng.gen_bool(0.2);
        let valid = plan.case == Case::Valid && !plan.fixed_shape;
        Stamps {
            rng,
            timestamped: plan.case.timestamps_signatures() || (valid && draw_timestamps),
            ltv: modes.allows_ltv() && (plan.case.always_ltv() || (valid && draw_ltv)),
        }
    }
}

/// What the case did to the signed file, for the manifest.
#[derive(Default)]
struct Outcome {
    /// The first signature whose range a changed byte breaks.
    hash_broken_from: Option<usize>,
    /// An unsigned update after the signatures changes what a reader sees.
    forbidden_after: bool,
    /// The finding every signature gets from that update.
    finding_after: Option<&'static str>,
    /// A signature whose own dictionary was attacked, and the finding it gets.
    damaged: Option<(usize, &'static str)>,
    /// The file was cut short.
    truncated: bool,
    /// Why the document is not `TOTAL_PASSED`, in words.
    reason: Option<String>,
}

/// Builds document `plan` (which must not be an unreadable case) with the default [`Modes`].
pub fn build(ctx: &Context<'_>, plan: &Plan) -> Result<Built> {
    build_with(ctx, plan, &Modes::default())
}

/// Builds document `plan` (which must not be an unreadable case, nor one `modes` does not
/// generate) under `modes`.
pub fn build_with(ctx: &Context<'_>, plan: &Plan, modes: &Modes) -> Result<Built> {
    anyhow::ensure!(
        modes.generates(plan.case),
        "case {} needs embedded revocation data",
        plan.case.name()
    );
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let style = match rng.gen_range(0..4) {
        0 | 1 => XrefStyle::Table,
        2 => XrefStyle::Stream,
        _ => XrefStyle::StreamWithObjStm,
    };
    let (shape, mut sigs) = shape::draw_shape(ctx.pki, plan, &mut rng);
    // The case's defect lands on one signature.
    let k = rng.gen_range(0..sigs.len());
    defects::apply(plan.case, &mut sigs[k], ctx.keys);
    pki_cases::apply(plan.case, &mut sigs[k], ctx.pki, &mut rng);
    let mut stamps = Stamps::draw(plan, modes);

    let mut d = original::write(plan, *modes, shape, style, rng);
    let mut signed = signing::sign_all(ctx, &mut d, &sigs, &mut stamps)?;
    let doc_ts = match stamps.ltv {
        true => Some(ltv::add(
            ctx,
            &mut d,
            &sigs,
            &mut stamps,
            &mut signed.running,
        )?),
        false => None,
    };
    let outcome = after_signing(&mut d, &mut sigs, &signed, k)?;
    let manifest = expected::document(&d, &sigs, &signed, doc_ts.as_ref(), outcome, &ctx.pki.tsa);
    Ok(Built {
        manifest,
        bytes: d.w.buf,
    })
}

/// What the case does to the finished file, and why the document gets its status.
/// Signature `k` is the one the case marked.
fn after_signing(
    d: &mut Draft<'_>,
    sigs: &mut [SigSpec<'_>],
    signed: &signing::Signed,
    k: usize,
) -> Result<Outcome> {
    let reason = |reason| Outcome {
        reason,
        ..Outcome::default()
    };
    Ok(match d.plan.case {
        Case::TamperedSignedByte => damage::tamper_signed_byte(d, sigs.len())?,
        Case::Truncated => damage::truncate(d),
        Case::ModifiedAfterSigning
        | Case::ShadowHide
        | Case::ShadowReplace
        | Case::ShadowHideAndReplace
        | Case::UnreachableUpdate
        | Case::CertificationViolation
        | Case::FieldLockViolation => attacks::unsigned_update(d, sigs)?,
        Case::SignatureWrapping | Case::UniversalForgery => {
            attacks::damage_last_signature(d, sigs, signed)?
        }
        Case::Valid | Case::CertifiedValid => Outcome::default(),
        Case::RevokedAfterTimestamp
        | Case::ForgedSignatureTimestamp
        | Case::RevokedSignerTimestamped
        | Case::OcspRevokedSigner
        | Case::TamperedDocumentTimestamp => {
            reason(pki_cases::reason(d.plan.case, k, sigs, &signed.timestamps))
        }
        _ => reason(defects::first_failure(sigs)),
    })
}
