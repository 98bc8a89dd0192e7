//! The `algorithms` profile: every signer key and signature algorithm sigaudit verifies, one
//! signature per document, and for each (brainpoolP512r1 aside) a negative twin whose
//! signature value has one bit flipped.
//!
//! A document is a one-page original revision and one incremental update adding an invisible
//! signature field (`Sig1_ThuNghiem`) whose detached CMS is signed by the case's key (from
//! [`signers`]) under the case's scheme ([`sign`]), with the case's message digest algorithm.
//! The manifest states the verdict at 2026-07-01 with the corpus PKI, the integrity of the
//! signature's own bytes, and the warnings a verifier must give.

mod bp512;
pub mod sign;
pub mod signers;

use crate::verdict::{DocumentStatus, Indication, Modifications, SubIndication};
use anyhow::{bail, Result};
use der::Encode;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::cases::Case;
use crate::cms::{self, SubFilter};
use crate::document::{doc_name, Built, Context, Plan};
use crate::manifest::{self, Integrity};
use crate::modes::Modes;
use crate::pdf::{literal, Writer, XrefStyle};
use crate::time::{pdf_date, rfc3339, SIGNING_FROM, SIGNING_UNTIL, VALIDATION_TIME};
use sign::{Hash, Scheme};
pub use signers::{KeySpec, Signers};

/// What sigaudit must conclude of a case's (untouched) signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// TOTAL_PASSED, integrity ok.
    Passed,
    /// INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE, integrity ok: the signature is sound
    /// but its algorithm is below today's constraints, and nothing proves it existed before
    /// they changed. The reason says which.
    CryptoConstraints(&'static str),
    /// INDETERMINATE/CUSTOM, integrity unsupported: the verifier cannot check the algorithm
    /// (ETSI EN 319 102-1, 5.1.3). The reason says which.
    Unsupported(&'static str),
}

/// One case of the profile.
#[derive(Clone, Copy, Debug)]
pub struct AlgorithmCase {
    name: &'static str,
    twin_name: &'static str,
    /// The signer's key.
    pub key: KeySpec,
    /// The signature scheme (the SignerInfo's signatureAlgorithm).
    pub scheme: Scheme,
    /// The message digest algorithm (the SignerInfo's digestAlgorithm).
    pub digest: Hash,
    /// The verdict on the untouched signature.
    pub verdict: Verdict,
    /// A substring of the warning a verifier must give on the untouched signature.
    pub warning: Option<&'static str>,
    /// Whether the case has a negative twin.
    pub twin: bool,
}

impl AlgorithmCase {
    /// The manifest's `case`: the case's name, or its twin's (`…_flipped`).
    pub fn name(&self, twin: bool) -> &'static str {
        if twin {
            self.twin_name
        } else {
            self.name
        }
    }
}

/// `case!(name, key, scheme, digest, verdict, warning, twin)`.
macro_rules! case {
    ($name:literal, $key:expr, $scheme:expr, $digest:expr, $verdict:expr, $warning:expr, $twin:expr) => {
        AlgorithmCase {
            name: $name,
            twin_name: concat!($name, "_flipped"),
            key: $key,
            scheme: $scheme,
            digest: $digest,
            verdict: $verdict,
            warning: $warning,
            twin: $twin,
        }
    };
    ($name:literal, $key:expr, $scheme:expr, $digest:expr) => {
        case!($name, $key, $scheme, $digest, Verdict::Passed, None, true)
    };
}

const SMALL_RSA: Verdict = Verdict::CryptoConstraints(
    "an RSA key under 2048 bits, and no proof that the signature existed before 2014",
);
const SHA1: Verdict = Verdict::CryptoConstraints(
    "SHA-1, and no proof that the signature existed before SHA-1 was withdrawn",
);

/// Every case, in the order documents cycle through them.
pub const CASES: [AlgorithmCase; 35] = {
    use Hash::*;
    use KeySpec::*;
    use Scheme::{Ecdsa, Pkcs1};
    const fn pss(hash: Hash, mgf: Hash, salt: usize) -> Scheme {
        Scheme::Pss { hash, mgf, salt }
    }
    [
        case!("rsa2048_pkcs1_sha224", Rsa(2048), Pkcs1(Sha224), Sha224),
        case!("rsa2048_pkcs1_sha256", Rsa(2048), Pkcs1(Sha256), Sha256),
        case!("rsa2048_pkcs1_sha384", Rsa(2048), Pkcs1(Sha384), Sha384),
        case!("rsa2048_pkcs1_sha512", Rsa(2048), Pkcs1(Sha512), Sha512),
        case!(
            "rsa2048_pkcs1_sha3_256",
            Rsa(2048),
            Pkcs1(Sha3_256),
            Sha3_256
        ),
        case!(
            "rsa2048_pkcs1_sha3_384",
            Rsa(2048),
            Pkcs1(Sha3_384),
            Sha3_384
        ),
        case!(
            "rsa2048_pkcs1_sha3_512",
            Rsa(2048),
            Pkcs1(Sha3_512),
            Sha3_512
        ),
        case!("rsa3072_pkcs1_sha256", Rsa(3072), Pkcs1(Sha256), Sha256),
        case!("rsa3072_pkcs1_sha512", Rsa(3072), Pkcs1(Sha512), Sha512),
        case!("rsa4096_pkcs1_sha256", Rsa(4096), Pkcs1(Sha256), Sha256),
        case!("rsa4096_pkcs1_sha512", Rsa(4096), Pkcs1(Sha512), Sha512),
        case!(
            "rsa1024_pkcs1_sha256",
            Rsa(1024),
            Pkcs1(Sha256),
            Sha256,
            SMALL_RSA,
            None,
            true
        ),
        case!(
            "rsa512_pkcs1_sha256",
            Rsa(512),
            Pkcs1(Sha256),
            Sha256,
            SMALL_RSA,
            None,
            true
        ),
        case!(
            "rsa2048_pkcs1_sha1",
            Rsa(2048),
            Pkcs1(Sha1),
            Sha1,
            SHA1,
            None,
            true
        ),
        case!("ecdsa_p256_sha1", P256, Ecdsa(Sha1), Sha1, SHA1, None, true),
        case!(
            "rsa2048_pss_sha256_mgf1_sha256_salt32",
            Rsa(2048),
            pss(Sha256, Sha256, 32),
            Sha256
        ),
        case!(
            "rsa2048_pss_sha256_mgf1_sha512_salt32",
            Rsa(2048),
            pss(Sha256, Sha512, 32),
            Sha256
        ),
        case!(
            "rsa4096_pss_sha512_mgf1_sha512_salt0",
            Rsa(4096),
            pss(Sha512, Sha512, 0),
            Sha512
        ),
        case!(
            "rsa2048_pss_sha384_mgf1_sha384_salt48",
            Rsa(2048),
            pss(Sha384, Sha384, 48),
            Sha384
        ),
        case!(
            "rsa2048_pss_sha3_256_mgf1_sha3_256_salt32",
            Rsa(2048),
            pss(Sha3_256, Sha3_256, 32),
            Sha3_256
        ),
        case!(
            "rsa2048_negative_modulus_pkcs1_sha256",
            RsaNegativeModulus,
            Pkcs1(Sha256),
            Sha256,
            Verdict::Passed,
            Some("negative INTEGER"),
            true
        ),
        case!("ecdsa_p256_sha256", P256, Ecdsa(Sha256), Sha256),
        case!("ecdsa_p256_sha384", P256, Ecdsa(Sha384), Sha384),
        case!("ecdsa_p256_sha512", P256, Ecdsa(Sha512), Sha512),
        case!("ecdsa_p256_sha224", P256, Ecdsa(Sha224), Sha224),
        case!("ecdsa_p384_sha384", P384, Ecdsa(Sha384), Sha384),
        case!("ecdsa_p384_sha512", P384, Ecdsa(Sha512), Sha512),
        case!("ecdsa_p521_sha512", P521, Ecdsa(Sha512), Sha512),
        case!("ecdsa_p521_sha256", P521, Ecdsa(Sha256), Sha256),
        case!(
            "ecdsa_brainpoolp256r1_sha256",
            Brainpool256,
            Ecdsa(Sha256),
            Sha256
        ),
        case!(
            "ecdsa_brainpoolp384r1_sha384",
            Brainpool384,
            Ecdsa(Sha384),
            Sha384
        ),
        case!(
            "ecdsa_brainpoolp512r1_sha512",
            Brainpool512,
            Ecdsa(Sha512),
            Sha512,
            Verdict::Unsupported("ECDSA on brainpoolP512r1, which sigaudit cannot verify"),
            None,
            false
        ),
        case!("ed25519", Ed25519, Scheme::Ed25519, Sha512),
        case!(
            "ed25519_digest_sha256",
            Ed25519,
            Scheme::Ed25519,
            Sha256,
            Verdict::Passed,
            Some("RFC 8419"),
            true
        ),
        case!("ed448", Ed448, Scheme::Ed448, Shake256),
    ]
};

/// Documents of the profile: each case, then its twin, in [`CASES`] order.
pub const CYCLE_LEN: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < CASES.len() {
        n += if CASES[i].twin { 2 } else { 1 };
        i += 1;
    }
    n
};

/// The cases documents cycle through (see [`CYCLE_LEN`]).
pub const CYCLE: [Case; CYCLE_LEN] = {
    let mut out = [Case::Valid; CYCLE_LEN];
    let (mut i, mut n) = (0, 0);
    while i < CASES.len() {
        out[n] = Case::Algorithm {
            case: i as u8,
            twin: false,
        };
        n += 1;
        if CASES[i].twin {
            out[n] = Case::Algorithm {
                case: i as u8,
                twin: true,
            };
            n += 1;
        }
        i += 1;
    }
    out
};

/// The field every document of the profile signs.
pub const FIELD: &str = "Sig1_ThuNghiem";

/// What sigaudit must report of one signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// Main indication.
    pub indication: Indication,
    /// Sub-indication.
    pub sub_indication: Option<SubIndication>,
    /// Integrity of the signature's own bytes.
    pub integrity: Integrity,
    /// Why, when not TOTAL_PASSED.
    pub reason: Option<String>,
}

/// The verdict on `case` (or on its twin).
pub fn expected(case: &AlgorithmCase, twin: bool) -> Expected {
    let alg = case.scheme.name();
    let (indication, sub_indication, integrity, why) = match (twin, case.verdict) {
        (true, _) => (
            Indication::TotalFailed,
            Some(SubIndication::SigCryptoFailure),
            Integrity::SignatureInvalid,
            format!("one bit of the {alg} signature value flipped"),
        ),
        (false, Verdict::Passed) => (Indication::TotalPassed, None, Integrity::Ok, String::new()),
        (false, Verdict::CryptoConstraints(why)) => (
            Indication::Indeterminate,
            Some(SubIndication::CryptoConstraintsFailureNoPoe),
            Integrity::Ok,
            format!("{alg} with {}: {why}", case.key.name()),
        ),
        (false, Verdict::Unsupported(why)) => (
            Indication::Indeterminate,
            Some(SubIndication::Custom),
            Integrity::Unsupported,
            why.to_string(),
        ),
    };
    let reason = sub_indication.map(|s| format!("signature {FIELD}: {} ({why})", s.as_str()));
    Expected {
        indication,
        sub_indication,
        integrity,
        reason,
    }
}

/// Objects of the original revision that the signing update rewrites.
struct Original {
    trailer: String,
    catalog: u32,
    pages: u32,
    acroform: u32,
    page: u32,
    /// The page dictionary without its closing `>>`.
    page_open: String,
}

/// The original revision: one page naming the case, an empty AcroForm, an /Info dictionary.
fn write_original(w: &mut Writer, rng: &mut ChaCha8Rng, case: &AlgorithmCase) -> Original {
    let (catalog, pages, page, content, font, acroform, info) = (
        w.alloc(),
        w.alloc(),
        w.alloc(),
        w.alloc(),
        w.alloc(),
        w.alloc(),
        w.alloc(),
    );
    let lines = [
        "SIGAUDIT TEST - thu nghiem thuat toan chu ky".to_string(),
        format!("Case: {}", case.name),
        format!("Key: {}", case.key.name()),
        format!("Signature algorithm: {}", case.scheme.name()),
        format!("Digest algorithm: {}", case.digest.label()),
        format!("Reference: {:08x}", rng.next_u32()),
    ];
    let mut text = String::from("BT\n/F1 11 Tf\n14 TL\n56 790 Td\n");
    for l in &lines {
        text.push_str(&format!("{} Tj T*\n", literal(l)));
    }
    text.push_str("ET\n");
    w.stream(content, "", text.as_bytes(), true);
    w.dict_object(
        font,
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        true,
    );
    let page_open = format!(
        "<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R"
    );
    w.dict_object(page, &format!("{page_open} >>"), true);
    w.dict_object(
        pages,
        &format!("<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>"),
        true,
    );
    w.dict_object(acroform, "<< /Fields [] >>", true);
    w.dict_object(
        catalog,
        &format!("<< /Type /Catalog /Pages {pages} 0 R /AcroForm {acroform} 0 R >>"),
        true,
    );
    let created = SIGNING_FROM + rng.gen_range(0..(SIGNING_UNTIL - SIGNING_FROM) / 2);
    w.object(
        info,
        format!(
            "<< /Title {} /Producer (sigaudit-corpus) /CreationDate ({}) >>",
            literal(&format!("Thu nghiem thuat toan {}", case.name)),
            pdf_date(created)
        )
        .as_bytes(),
    );
    let trailer = format!("/Root {catalog} 0 R /Info {info} 0 R");
    let mut id1 = [0u8; 16];
    rng.fill_bytes(&mut id1);
    w.end_revision(&trailer, id1);
    Original {
        trailer,
        catalog,
        pages,
        acroform,
        page,
        page_open,
    }
}

/// Where the signature dictionary's placeholders are.
struct Placeholder {
    /// Offset of the `[0 …]` /ByteRange placeholder.
    byte_range_at: usize,
    /// Offset of the `<` of /Contents.
    lt: usize,
    /// Offset of the `>` of /Contents.
    gt: usize,
}

/// The signing update: the signature dictionary (its /Contents reserved with `reserve` zero
/// bytes of hex), an invisible signature field in the AcroForm and on the page.
fn write_signature_update(
    w: &mut Writer,
    rng: &mut ChaCha8Rng,
    doc: &Original,
    signer: &signers::AlgSigner,
    subfilter: SubFilter,
    signing_time: u64,
    reserve: usize,
) -> Placeholder {
    let (sig, field) = (w.alloc(), w.alloc());
    let placeholder = format!("[0 {:<36}]", "");
    let head = format!(
        "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /{} /ByteRange {placeholder} /Contents <",
        subfilter.name()
    );
    let tail = format!(
        "> /M ({}) /Name {} /Reason (Thu nghiem thuat toan) >>",
        pdf_date(signing_time),
        literal(&signer.spec.name())
    );
    let mut body = head.clone().into_bytes();
    body.resize(head.len() + 2 * reserve, b'0');
    body.extend_from_slice(tail.as_bytes());
    let at = w.object(sig, &body);
    w.object(
        field,
        format!(
            "<< /FT /Sig /T {} /V {sig} 0 R /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /F 132 /P {} 0 R >>",
            literal(FIELD),
            doc.page
        )
        .as_bytes(),
    );
    w.object(
        doc.acroform,
        format!("<< /Fields [{field} 0 R] /SigFlags 3 >>").as_bytes(),
    );
    w.object(
        doc.page,
        format!("{} /Annots [{field} 0 R] >>", doc.page_open).as_bytes(),
    );
    w.object(
        doc.catalog,
        format!(
            "<< /Type /Catalog /Pages {} 0 R /AcroForm {} 0 R >>",
            doc.pages, doc.acroform
        )
        .as_bytes(),
    );
    let mut id1 = [0u8; 16];
    rng.fill_bytes(&mut id1);
    w.end_revision(&doc.trailer, id1);
    let lt = at + head.len() - 1;
    Placeholder {
        byte_range_at: at + head.find("[0 ").expect("placeholder"),
        lt,
        gt: lt + 1 + 2 * reserve,
    }
}

/// Writes the /ByteRange `[0 a b c]` that excludes exactly the /Contents string.
fn fill_byte_range(w: &mut Writer, p: &Placeholder) -> [u64; 4] {
    let len = w.buf.len();
    let br = [
        0u64,
        p.lt as u64,
        (p.gt + 1) as u64,
        (len - p.gt - 1) as u64,
    ];
    let text = format!("[0 {} {} {}", br[1], br[2], br[3]);
    w.buf[p.byte_range_at..p.byte_range_at + text.len()].copy_from_slice(text.as_bytes());
    br
}

/// The detached CMS over the file's signed ranges: the case's digest of them in the signed
/// attributes, signed by the case's key under its scheme (one bit flipped for a twin).
#[allow(clippy::too_many_arguments)]
fn sign_cms(
    ctx: &Context<'_>,
    signer: &signers::AlgSigner,
    case: &AlgorithmCase,
    twin: bool,
    subfilter: SubFilter,
    signing_time: u64,
    file: &[u8],
    p: &Placeholder,
    rng: &mut ChaCha8Rng,
    modes: &Modes,
) -> Result<Vec<u8>> {
    let md = case.digest.digest(&[&file[..p.lt], &file[p.gt + 1..]]);
    let signed_attrs =
        cms::signed_attributes(subfilter, &md, signing_time, &signer.cert, &signer.der)?;
    let mut salt = vec![
        0u8;
        if let Scheme::Pss { salt, .. } = case.scheme {
            salt
        } else {
            0
        }
    ];
    rng.fill_bytes(&mut salt);
    let mut signature = sign::sign(&signer.key, case.scheme, &signed_attrs.to_der()?, &salt)?;
    if twin {
        let mid = signature.len() / 2;
        signature[mid] ^= 0x01;
    }
    let issuer = [&ctx.pki.ca(signers::ISSUER).cert];
    cms::assemble(cms::Assembly {
        digest_algorithm: case.digest.digest_algorithm(),
        signed_attrs,
        signature_algorithm: case.scheme.signature_algorithm(),
        signature,
        unsigned_attrs: None,
        signer: &signer.cert,
        include_signer: true,
        chain: match modes.embeds_issuer() {
            true => &issuer,
            false => &[],
        },
    })
}

/// The manifest line of a document of the profile.
fn manifest_line(
    plan: &Plan,
    case: &AlgorithmCase,
    twin: bool,
    signer: &signers::AlgSigner,
    subfilter: SubFilter,
    byte_range: [u64; 4],
    w: &Writer,
) -> manifest::Document {
    let e = expected(case, twin);
    let warnings = case.warning.filter(|_| !twin).map(String::from);
    manifest::Document {
        name: doc_name(plan.index),
        bytes: 0,
        sha256: String::new(),
        status: DocumentStatus::from(e.indication),
        case: plan.case.name().to_string(),
        reason: e.reason,
        validation_time: rfc3339(VALIDATION_TIME),
        xref: Some(w.style().name().to_string()),
        pages: 1,
        attachments: Vec::new(),
        revisions: w.revision_ends.len() as u32,
        signatures: vec![manifest::Signature {
            field: FIELD.to_string(),
            subfilter: subfilter.name().to_string(),
            digest: case.digest.name().to_string(),
            key: case.key.name(),
            signer: signer.subject.clone(),
            byte_range,
            revision: 2,
            covers_whole_file: true,
            indication: e.indication,
            sub_indication: e.sub_indication,
            modifications: Modifications::None,
            timestamp: None,
            path: None,
            timestamp_signer: None,
            findings: Vec::new(),
            algorithm: Some(case.scheme.name()),
            integrity: Some(e.integrity),
            warnings: warnings.into_iter().collect(),
            role: None,
        }],
        ltv: false,
        dss: None,
        policy_fail: None,
        policy_inform: None,
        dossier: None,
        dossier_role: None,
    }
}

/// Builds document `plan`, whose case must be a [`Case::Algorithm`]. Attachments are not
/// written (the profile is about signatures).
pub fn build(ctx: &Context<'_>, signers: &Signers, plan: &Plan) -> Result<Built> {
    build_with(ctx, signers, plan, &Modes::default())
}

/// As [`build`], under `modes` (`--chain leaf`: the CMS carries the signer's certificate
/// only; the profile never embeds revocation data).
pub fn build_with(
    ctx: &Context<'_>,
    signers: &Signers,
    plan: &Plan,
    modes: &Modes,
) -> Result<Built> {
    let Case::Algorithm { case, twin } = plan.case else {
        bail!(
            "{} is not a case of the algorithms profile",
            plan.case.name()
        );
    };
    let case = &CASES[case as usize];
    let signer = signers.get(case.key);
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let style = [
        XrefStyle::Table,
        XrefStyle::Stream,
        XrefStyle::StreamWithObjStm,
    ][rng.gen_range(0..3)];
    let mut id0 = [0u8; 16];
    rng.fill_bytes(&mut id0);
    let mut w = Writer::new(style, id0);
    let doc = write_original(&mut w, &mut rng, case);
    let signing_time = SIGNING_FROM + rng.gen_range(0..(SIGNING_UNTIL - SIGNING_FROM));
    // SHA-1 signatures come from legacy software, which writes adbe.pkcs7.detached.
    let subfilter = if case.digest != Hash::Sha1 && rng.gen_bool(0.5) {
        SubFilter::CadesDetached
    } else {
        SubFilter::Pkcs7Detached
    };
    let issuer = ctx.pki.ca(signers::ISSUER);
    let reserve = (signer.der.len() + issuer.der.len() + 2048).div_ceil(1024) * 1024;
    let p = write_signature_update(
        &mut w,
        &mut rng,
        &doc,
        signer,
        subfilter,
        signing_time,
        reserve,
    );
    let byte_range = fill_byte_range(&mut w, &p);
    let der = sign_cms(
        ctx,
        signer,
        case,
        twin,
        subfilter,
        signing_time,
        &w.buf,
        &p,
        &mut rng,
        modes,
    )?;
    anyhow::ensure!(
        der.len() <= reserve,
        "CMS of {} bytes exceeds {reserve}",
        der.len()
    );
    let hex: String = der.iter().map(|b| format!("{b:02x}")).collect();
    w.buf[p.lt + 1..p.lt + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(Built {
        manifest: manifest_line(plan, case, twin, signer, subfilter, byte_range, &w),
        bytes: w.buf,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_is_in_the_cycle_with_its_twin() {
        assert_eq!(CYCLE_LEN, 2 * CASES.len() - 1);
        let names: std::collections::BTreeSet<&str> = CYCLE.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), CYCLE_LEN, "distinct names");
        assert!(names.contains("ecdsa_brainpoolp512r1_sha512"));
        assert!(!names.contains("ecdsa_brainpoolp512r1_sha512_flipped"));
        assert!(names.contains("ed448_flipped"));
    }
}
