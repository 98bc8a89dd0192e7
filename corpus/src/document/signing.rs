//! One incremental update per signature: a signature dictionary whose `/Contents` is reserved
//! with zero padding and whose `/ByteRange` `[0 a b c]` excludes exactly that hex string (`a`
//! is the offset of `<`, `b` the offset after `>`), a signature field merged with a visible
//! widget, the AcroForm and the page rewritten; then the ranges hashed, the CMS built and
//! written into the gap.

use std::fmt::Write as _;

use anyhow::Result;
use rand::Rng;
use ring::digest::{Context as Hasher, Digest, SHA1_FOR_LEGACY_USE_ONLY, SHA256};

use super::shape::SigSpec;
use super::text::hex;
use super::{attacks, Context, Draft, Stamps};
use crate::cms::{self, DigestAlg};
use crate::keys::KeyKind;
use crate::pdf::{literal, text_string, Writer};
use crate::pki::fold;
use crate::time::{pdf_date, Unix};

/// What the signing updates leave for the rest of the document.
pub(super) struct Signed {
    /// Each signature's `/ByteRange`.
    pub byte_ranges: Vec<[u64; 4]>,
    /// Each signature's signature timestamp (`genTime`), if it has one.
    pub timestamps: Vec<Option<Unix>>,
    /// Length of each signature's DER in hex digits (the rest of its /Contents is padding).
    pub der_hex_lens: Vec<usize>,
    /// SHA-256 over the whole file so far.
    pub running: Hasher,
}

/// A signature dictionary written with its `/ByteRange` and `/Contents` still to fill.
pub(super) struct Reserved {
    /// Offset of the `/ByteRange` placeholder's `[0 `.
    br_at: usize,
    /// Offset of `/Contents`' `<`.
    lt: usize,
    /// Offset of `/Contents`' `>`.
    gt: usize,
    /// Bytes reserved for the DER (twice as many hex digits).
    reserve: usize,
}

impl Reserved {
    /// Writes object `id`: `head` (which ends with `/Contents <` and holds the placeholder of
    /// [`byte_range_placeholder`]), `reserve` bytes' worth of zero hex digits, then `tail`.
    pub fn write(w: &mut Writer, id: u32, head: &str, reserve: usize, tail: &str) -> Self {
        let mut body = head.as_bytes().to_vec();
        body.resize(head.len() + 2 * reserve, b'0');
        body.extend_from_slice(tail.as_bytes());
        let at = w.object(id, &body);
        let lt = at + head.len() - 1;
        Reserved {
            br_at: at + head.find("[0 ").expect("placeholder"),
            lt,
            gt: lt + 1 + 2 * reserve,
            reserve,
        }
    }

    /// Offset of the `>` ending `/Contents`.
    pub fn gt(&self) -> usize {
        self.gt
    }

    /// Fills in the `/ByteRange`, which runs to the end of the file as written so far.
    pub fn fill_byte_range(&self, w: &mut Writer) -> [u64; 4] {
        let (lt, gt) = (self.lt, self.gt);
        let len = w.buf.len();
        let br = [0u64, lt as u64, (gt + 1) as u64, (len - gt - 1) as u64];
        let text = format!("[0 {} {} {}", br[1], br[2], br[3]);
        w.buf[self.br_at..self.br_at + text.len()].copy_from_slice(text.as_bytes());
        br
    }

    /// The digest of the byte ranges: `running` (over the file before `start`), then the
    /// revision from `start` without the gap.
    pub fn digest(&self, w: &Writer, running: &Hasher, start: usize) -> Digest {
        let mut c = running.clone();
        c.update(&w.buf[start..self.lt]);
        c.update(&w.buf[self.gt + 1..]);
        c.finish()
    }

    /// Writes `der` (`what`: a CMS, a timestamp token) in hex into the gap; returns the
    /// number of hex digits.
    pub fn fill_contents(&self, w: &mut Writer, der: &[u8], what: &str) -> Result<usize> {
        let reserve = self.reserve;
        anyhow::ensure!(
            der.len() <= reserve,
            "{what} of {} bytes exceeds the reserved {reserve}",
            der.len()
        );
        let hex = hex(der);
        w.buf[self.lt + 1..self.lt + 1 + hex.len()].copy_from_slice(hex.as_bytes());
        Ok(hex.len())
    }
}

/// `/ByteRange` is written as a fixed-width placeholder and filled once the revision's length
/// is known.
pub(super) fn byte_range_placeholder() -> String {
    format!("[0 {:<36}]", "")
}

/// Writes one incremental update per signature, signing each as it goes.
pub(super) fn sign_all(
    ctx: &Context<'_>,
    d: &mut Draft<'_>,
    sigs: &[SigSpec<'_>],
    stamps: &mut Stamps,
) -> Result<Signed> {
    let uses_sha1 = sigs.iter().any(|s| s.digest == DigestAlg::Sha1);
    let mut ctx256 = Hasher::new(&SHA256);
    let mut ctx1 = uses_sha1.then(|| Hasher::new(&SHA1_FOR_LEGACY_USE_ONLY));
    ctx256.update(&d.w.buf);
    if let Some(c) = ctx1.as_mut() {
        c.update(&d.w.buf);
    }
    let mut byte_ranges = Vec::new();
    let mut timestamps = Vec::new();
    let mut der_hex_lens = Vec::new();
    let mut t = d.created;
    for (n, s) in sigs.iter().enumerate() {
        t += d.rng.gen_range(300..(2 * 86_400));
        let rev_start = d.w.buf.len();
        let reserved = write_update(ctx, d, n, s, t, stamps.timestamped);
        let br = reserved.fill_byte_range(&mut d.w);
        let running = match s.digest {
            DigestAlg::Sha256 => &ctx256,
            DigestAlg::Sha1 => ctx1.as_ref().expect("SHA-1 context"),
        };
        let digest = reserved.digest(&d.w, running, rev_start);
        let (der, timestamp) = signature(ctx, d, s, digest.as_ref(), t, stamps)?;
        der_hex_lens.push(reserved.fill_contents(&mut d.w, &der, "CMS")?);
        timestamps.push(timestamp);
        ctx256.update(&d.w.buf[rev_start..]);
        if let Some(c1) = ctx1.as_mut() {
            c1.update(&d.w.buf[rev_start..]);
        }
        byte_ranges.push(br);
    }
    Ok(Signed {
        byte_ranges,
        timestamps,
        der_hex_lens,
        running: ctx256,
    })
}

/// The `/Reason` of a signature by its field's role.
fn reason(role: &str) -> &'static str {
    match role {
        "NguoiKy" | "DongKy" => "Ky ban hanh van ban",
        "SoVanBan" => "Cap so van ban",
        "NgayBanHanh" => "Xac nhan ngay ban hanh",
        "VanThu" => "Van thu phat hanh",
        "DauCoQuan" => "Dong dau co quan",
        _ => "Xac thuc van ban",
    }
}

/// Writes the update of signature `n` (signing time `t`) with its `/Contents` reserved, and
/// ends the revision.
fn write_update(
    ctx: &Context<'_>,
    d: &mut Draft<'_>,
    n: usize,
    s: &SigSpec<'_>,
    t: Unix,
    timestamped: bool,
) -> Reserved {
    let pki = ctx.pki;
    let sig = d.w.alloc();
    let field = d.w.alloc();
    let ap = d.w.alloc();
    let key_bytes = match s.signer.kind {
        KeyKind::Rsa(bits) => bits as usize / 8,
        KeyKind::P256 => 72,
    };
    let mut needed = s.signer.der.len() + pki.ca(s.signer.issuer).der.len() + 2 * key_bytes + 1200;
    if timestamped {
        needed += pki.tsa.der.len() + 1200;
    }
    let reserve = needed.div_ceil(4096) * 4096;
    let head = format!(
        "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /{} /ByteRange {} /Contents <",
        s.subfilter.name(),
        byte_range_placeholder()
    );
    // The first signature certifies the document, or locks the text field.
    let reference = match n {
        0 => attacks::first_signature_reference(d.plan.case, d.ids.text_field.is_some()),
        _ => String::new(),
    };
    let tail = format!(
        "> /M ({}) /Name {} /Reason {} /Location {}{reference} >>",
        pdf_date(t),
        text_string(&s.signer.common_name),
        literal(reason(s.role)),
        literal(&d.shape.province)
    );
    let reserved = Reserved::write(&mut d.w, sig, &head, reserve, &tail);
    let reason_at = tail.find("/Reason (").expect("reason") + "/Reason (".len() + 1;
    d.tamper_points.push(reserved.gt() + reason_at);
    write_widget(d, n, s, t, (field, ap), sig);
    d.w.object(d.ids.acroform, d.form.acroform_dict().as_bytes());
    let page = d.ids.page_dict(s.page, &d.form.annots[s.page]);
    d.w.object(d.ids.pages[s.page], page.as_bytes());
    if n == 0 && d.plan.case.certifies() {
        // ISO 32000-1, 12.8.4: the catalog's /Perms /DocMDP names the certification
        // signature's dictionary.
        write!(d.form.catalog_extra, " /Perms << /DocMDP {sig} 0 R >>").expect("String");
        let catalog = d.ids.catalog_dict(&d.form.catalog_extra);
        d.w.object(d.ids.catalog, catalog.as_bytes());
    }
    d.end_revision();
    reserved
}

/// The signature field merged with a visible widget in the lower part of its page, one slot per
/// signature on that page, with its appearance stream; added to the form's fields and the
/// page's annotations.
fn write_widget(
    d: &mut Draft<'_>,
    n: usize,
    s: &SigSpec<'_>,
    t: Unix,
    (field, ap): (u32, u32),
    sig: u32,
) {
    let slot = d.form.annots[s.page].len();
    let (x, y) = (
        40.0 + (slot % 3) as f64 * 180.0,
        60.0 + (slot / 3) as f64 * 56.0,
    );
    let (wd, ht) = (170.0, 48.0);
    let ap_text = format!(
        "q 0.75 0 0 RG 1 w 0.5 0.5 {:.1} {:.1} re S Q BT /F1 7 Tf 4 {:.1} Td {} Tj 0 -10 Td {} Tj 0 -10 Td {} Tj ET",
        wd - 1.0,
        ht - 1.0,
        ht - 12.0,
        literal(&format!("Ky boi: {}", fold(&s.signer.common_name))),
        literal(&format!("Ngay ky: {}", &pdf_date(t)[2..10])),
        literal(reason(s.role))
    );
    d.w.stream(
        ap,
        &format!("/Type /XObject /Subtype /Form /BBox [0 0 {wd:.1} {ht:.1}] /Resources << /Font << /F1 {} 0 R >> >>", d.ids.font),
        ap_text.as_bytes(),
        false,
    );
    let lock = attacks::first_field_lock(n == 0 && d.ids.text_field.is_some());
    d.w.object(
        field,
        format!(
            "<< /FT /Sig /T {} /V {sig} 0 R /Type /Annot /Subtype /Widget /Rect [{x:.1} {y:.1} {:.1} {:.1}] /F 132 /P {} 0 R /AP << /N {ap} 0 R >>{lock} >>",
            literal(&format!("Sig{}_{}", n + 1, s.role)),
            x + wd,
            y + ht,
            d.ids.pages[s.page]
        )
        .as_bytes(),
    );
    d.form.fields.push(field);
    d.form.annots[s.page].push(field);
}

/// The CMS of signature `s` over `message_digest` at `t`, with its signature timestamp (whose
/// `genTime` is returned) when the document has them.
fn signature(
    ctx: &Context<'_>,
    d: &mut Draft<'_>,
    s: &SigSpec<'_>,
    message_digest: &[u8],
    t: Unix,
    stamps: &mut Stamps,
) -> Result<(Vec<u8>, Option<Unix>)> {
    let pki = ctx.pki;
    // `--chain leaf`: the signer's certificate alone, as real government documents carry.
    let issuer = [&pki.ca(s.signer.issuer).cert];
    let chain: &[&x509_cert::Certificate] = match d.modes.embeds_issuer() {
        true => &issuer,
        false => &[],
    };
    let gen_time = t + stamps.rng.gen_range(2..20);
    let timestamp = stamps.timestamped.then(|| cms::SignatureTimestamp {
        tsa: &pki.tsa,
        gen_time,
        serial: stamps.rng.gen::<u64>() >> 1,
        nonce: Some(stamps.rng.gen::<u64>() >> 1),
        wrong_imprint: s.wrong_timestamp,
    });
    let der = cms::build(&cms::Request {
        subfilter: s.subfilter,
        digest: s.digest,
        message_digest,
        signing_time: t,
        signer: &s.signer.cert,
        signer_der: &s.signer.der,
        chain,
        key: &ctx.keys.signers[s.signing_key],
        rsa_encryption_oid: d.rng.gen_bool(0.5),
        defects: s.defects,
        timestamp,
    })?;
    Ok((der, stamps.timestamped.then_some(gen_time)))
}
