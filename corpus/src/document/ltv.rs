//! The LTV updates (ISO 32000-2, 12.8.4.3 and 12.8.5): a revision adding the document security
//! store
//!
//! ```text
//! << /Type /DSS /Certs [ stream… ] /CRLs [ stream… ] /OCSPs [ stream… ] >>
//! ```
//!
//! to the catalog (the chain certificates, the CRLs of the root and of the issuing CAs, one
//! OCSP response per distinct signer certificate), then a revision with a document timestamp
//! (`/Type /DocTimeStamp /SubFilter /ETSI.RFC3161`) in a new invisible signature field. Both
//! draw from the document's second random stream.

use anyhow::Result;
use rand::{Rng, RngCore};
use rand_chacha::ChaCha8Rng;
use ring::digest::Context as Hasher;

use super::shape::SigSpec;
use super::signing::{byte_range_placeholder, Reserved};
use super::text::refs;
use super::{Context, Draft, Stamps};
use crate::cases::Case;
use crate::manifest;
use crate::pdf::{literal, Writer};
use crate::pki::{CaId, Signer};
use crate::time::{date, Unix};

/// Field name of the document timestamp of LTV documents.
pub const DOC_TS_FIELD: &str = "DocTimeStamp";

/// `genTime` of every document timestamp: 2026-06-15T00:00:00Z.
pub const DOC_TS_TIME: Unix = date(2026, 6, 15);

/// The document timestamp written by [`add`].
pub(super) struct DocTimestamp {
    pub byte_range: [u64; 4],
    pub revision: u32,
    /// Its imprint does not match its byte range ([`Case::TamperedDocumentTimestamp`]).
    pub tampered: bool,
    /// What the DSS before it holds, for the manifest.
    pub dss: manifest::Dss,
}

/// Appends the LTV updates. `running` is the SHA-256 context over the whole file so far; it
/// is brought up to date.
pub(super) fn add(
    ctx: &Context<'_>,
    d: &mut Draft<'_>,
    sigs: &[SigSpec<'_>],
    stamps: &mut Stamps,
    running: &mut Hasher,
) -> Result<DocTimestamp> {
    let start = d.w.buf.len();
    let (dss, dss_record) = write_dss(ctx, &mut d.w, sigs)?;
    let catalog = d
        .ids
        .catalog_dict(&format!("{} /DSS {dss} 0 R", d.form.catalog_extra));
    d.w.object(d.ids.catalog, catalog.as_bytes());
    end_revision(d, &mut stamps.rng);

    let reserve = (ctx.pki.tsa.der.len() + 1500).div_ceil(1024) * 1024;
    let reserved = write_timestamp_field(d, reserve);
    end_revision(d, &mut stamps.rng);

    let byte_range = reserved.fill_byte_range(&mut d.w);
    let mut imprint = reserved.digest(&d.w, running, start).as_ref().to_vec();
    let tampered = d.plan.case == Case::TamperedDocumentTimestamp;
    if tampered {
        imprint[31] ^= 0x01;
    }
    let token = crate::tsp::token(
        &ctx.pki.tsa,
        &crate::tsp::TokenRequest {
            imprint: &imprint,
            gen_time: DOC_TS_TIME,
            serial: stamps.rng.gen::<u64>() >> 1,
            nonce: Some(stamps.rng.gen::<u64>() >> 1),
        },
    )?;
    reserved.fill_contents(&mut d.w, &token, "document timestamp")?;
    running.update(&d.w.buf[start..]);
    Ok(DocTimestamp {
        byte_range,
        revision: d.w.revision_ends.len() as u32,
        tampered,
        dss: dss_record,
    })
}

/// Ends a revision with a trailer ID from the second stream.
fn end_revision(d: &mut Draft<'_>, rng: &mut ChaCha8Rng) {
    let mut id1 = [0u8; 16];
    rng.fill_bytes(&mut id1);
    d.w.end_revision(&d.trailer, id1);
}

/// The DSS and its streams: the distinct signer certificates (in order of first use), their
/// CAs from the issuing ones up to the root, and the TSA's; the root's and issuing CAs' CRLs;
/// one OCSP response per signer certificate. Returns its object number and the manifest's
/// record of it.
fn write_dss(
    ctx: &Context<'_>,
    w: &mut Writer,
    sigs: &[SigSpec<'_>],
) -> Result<(u32, manifest::Dss)> {
    let pki = ctx.pki;
    let mut signers: Vec<&Signer> = Vec::new();
    for s in sigs {
        if !signers.iter().any(|x| x.der == s.signer.der) {
            signers.push(s.signer);
        }
    }
    let mut cas: Vec<CaId> = vec![CaId::Root];
    for s in &signers {
        if !cas.contains(&s.issuer) {
            cas.push(s.issuer);
        }
    }
    // (DER, who signed it) of every stream.
    let mut certs: Vec<(Vec<u8>, CaId)> =
        signers.iter().map(|s| (s.der.clone(), s.issuer)).collect();
    certs.extend(
        cas.iter()
            .rev()
            .map(|&c| (pki.ca(c).der.clone(), c.parent())),
    );
    certs.push((pki.tsa.der.clone(), CaId::Root));
    let crls: Vec<(Vec<u8>, CaId)> = cas.iter().map(|&c| (pki.ca(c).crl.clone(), c)).collect();
    let ocsps = signers
        .iter()
        .map(|s| Ok((crate::ocsp::response(pki, ctx.keys, s)?, s.issuer)))
        .collect::<Result<Vec<_>>>()?;
    let (certs, cert_items) = streams(w, certs);
    let (crls, crl_items) = streams(w, crls);
    let (ocsps, ocsp_items) = streams(w, ocsps);
    let dss = w.alloc();
    w.object(
        dss,
        format!("<< /Type /DSS /Certs [{certs}] /CRLs [{crls}] /OCSPs [{ocsps}] >>").as_bytes(),
    );
    Ok((
        dss,
        manifest::Dss {
            certs: cert_items,
            crls: crl_items,
            ocsps: ocsp_items,
        },
    ))
}

/// One compressed stream per item; returns their references and the manifest's record of
/// them.
fn streams(w: &mut Writer, items: Vec<(Vec<u8>, CaId)>) -> (String, Vec<manifest::DssItem>) {
    let mut records = Vec::with_capacity(items.len());
    let ids: Vec<u32> = items
        .iter()
        .map(|(der, by)| {
            let id = w.alloc();
            let stored = w.stream_stored(id, "", der, true);
            records.push(manifest::DssItem {
                sha256: crate::sha256_hex(der),
                raw_bytes: stored as u64,
                signed_by: by.issuer(),
            });
            id
        })
        .collect();
    (refs(&ids), records)
}

/// The document timestamp's dictionary, with `reserve` bytes for the token, in a new invisible
/// field on page 1, added to the AcroForm and the page's annotations.
fn write_timestamp_field(d: &mut Draft<'_>, reserve: usize) -> Reserved {
    let sig = d.w.alloc();
    let field = d.w.alloc();
    let head = format!(
        "<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange {} /Contents <",
        byte_range_placeholder()
    );
    let reserved = Reserved::write(&mut d.w, sig, &head, reserve, "> >>");
    let page = d.ids.pages[0];
    d.w.object(
        field,
        format!(
            "<< /FT /Sig /T {} /V {sig} 0 R /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /F 132 /P {page} 0 R >>",
            literal(DOC_TS_FIELD),
        )
        .as_bytes(),
    );
    let mut fields = d.form.fields.clone();
    fields.push(field);
    d.w.object(
        d.ids.acroform,
        format!("<< /Fields [{}] /SigFlags 3 >>", refs(&fields)).as_bytes(),
    );
    let mut annots = d.form.annots[0].clone();
    annots.push(field);
    d.w.object(page, d.ids.page_dict(0, &annots).as_bytes());
    reserved
}
