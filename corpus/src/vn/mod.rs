//! The `vn-policy` profile: Vietnamese government issued documents (Circular 01/2019/TT-BNV).
//!
//! An issued document carries the competent person's signature, then the organisation's seal
//! signature and the organisation's signatures on the document number, day, month and year:
//! six signatures, each an incremental update. Documents cycle through [`CASES`]: one that
//! follows every rule of the `vn-gov-issued` policy, then one breaking each rule in turn, then
//! a dossier (a main document and two appendices in a sub-directory of `docs/`).
//!
//! Every signature is `adbe.pkcs7.detached` (signed attributes content-type, message-digest and
//! signing-time), signed by a certificate of the profile's own PKI ([`pki`]), and carries a
//! signature timestamp from the TSA of the signer's root whose `genTime` follows the signing
//! time by 2 to 20 seconds. No document embeds revocation data. The manifest line adds
//! `policy_fail` and `policy_inform` (the rule ids the policy must report at FAIL and INFORM),
//! `dossier` and `dossier_role`, and a `role` per signature; `status` and the per-signature
//! verdicts are those of an ETSI EN 319 102-1 verifier trusting `pki/roots` (which holds
//! `vn-root.pem`) at 2026-07-01, revocation from `pki/crls` or not required.

pub mod pki;

use std::path::Path;

use anyhow::Result;
use der::asn1::SetOfVec;
use der::{Any, Decode, Encode};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::algorithms::sign::{self, Hash, Scheme};
use crate::cases::Case;
use crate::cms::{self, SubFilter};
use crate::document::{doc_name, Built, Plan};
use crate::manifest;
use crate::modes::Modes;
use crate::pdf::{literal, text_string, Writer, XrefStyle};
use crate::pki::{fold, Tsa};
use crate::time::{date, pdf_date, rfc3339, Unix, VALIDATION_TIME};
use crate::verdict::{DocumentStatus, Indication, Modifications, SubIndication};
use pki::{Role, VnCaId, VnPki, VnSigner};

/// The cases of the profile, in the order documents cycle through them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VnCase {
    /// P, O, O, O, O, O: passes every rule.
    Issued,
    /// O, P, O, O, O, O: the organisation signs before the competent person.
    OrganisationFirst,
    /// P, O, O, O, O: the year's signature is missing.
    FiveSignatures,
    /// O ×6: no personal signature.
    NoPersonal,
    /// P, P, O, O, O, O: the competent person's certificate signs where the seal belongs.
    PersonalSeal,
    /// As [`VnCase::Issued`], the personal signature's digest SHA-1.
    Sha1Signer,
    /// As [`VnCase::Issued`], the personal certificate's key 1024 bits.
    Rsa1024,
    /// As [`VnCase::Issued`], every certificate (signers and TSA) under the foreign root.
    ForeignRoot,
    /// As [`VnCase::Issued`], every signingTime the real time + 7 hours, labelled UTC.
    LocalSigningTime,
    /// As [`VnCase::Issued`], then an unsigned update rewriting page 1's content.
    UpdateAfterSeal,
    /// A dossier: `main.pdf` (as [`VnCase::Issued`]), `appendix-1.pdf` (signed once by the
    /// organisation) and `appendix-2.pdf` (unsigned, or signed once by another organisation,
    /// alternately).
    Dossier,
}

/// Every case, in cycle order.
pub const CASES: [VnCase; 11] = [
    VnCase::Issued,
    VnCase::OrganisationFirst,
    VnCase::FiveSignatures,
    VnCase::NoPersonal,
    VnCase::PersonalSeal,
    VnCase::Sha1Signer,
    VnCase::Rsa1024,
    VnCase::ForeignRoot,
    VnCase::LocalSigningTime,
    VnCase::UpdateAfterSeal,
    VnCase::Dossier,
];

/// The profile's cycle as corpus cases.
pub const CYCLE: [Case; 11] = {
    let mut out = [Case::Valid; 11];
    let mut i = 0;
    while i < CASES.len() {
        out[i] = Case::Vn(CASES[i]);
        i += 1;
    }
    out
};

impl VnCase {
    /// The manifest's `case` (a dossier's files have names of their own, see
    /// [`DossierFile::case`]).
    pub fn name(self) -> &'static str {
        match self {
            VnCase::Issued => "vn_issued",
            VnCase::OrganisationFirst => "vn_organisation_first",
            VnCase::FiveSignatures => "vn_five_signatures",
            VnCase::NoPersonal => "vn_no_personal",
            VnCase::PersonalSeal => "vn_personal_seal",
            VnCase::Sha1Signer => "vn_sha1_signer",
            VnCase::Rsa1024 => "vn_rsa1024",
            VnCase::ForeignRoot => "vn_foreign_root",
            VnCase::LocalSigningTime => "vn_local_signing_time",
            VnCase::UpdateAfterSeal => "vn_update_after_seal",
            VnCase::Dossier => "vn_dossier",
        }
    }

    /// The rules of `vn-gov-issued` the document fails (sorted).
    pub fn policy_fail(self) -> &'static [&'static str] {
        match self {
            VnCase::Issued | VnCase::LocalSigningTime | VnCase::Dossier => &[],
            VnCase::OrganisationFirst => &["issued.organisation-after-personal"],
            VnCase::FiveSignatures => &["issued.signature-count"],
            VnCase::NoPersonal => &["issued.personal-and-organisation"],
            VnCase::PersonalSeal => &["issued.seal-by-organisation"],
            VnCase::Sha1Signer => &["algorithms.digest"],
            VnCase::Rsa1024 => &["algorithms.key-size"],
            VnCase::ForeignRoot => &["trust.anchor"],
            VnCase::UpdateAfterSeal => &["issued.last-organisation-covers"],
        }
    }

    /// The rules of `vn-gov-issued` the document must be reported on at INFORM (sorted).
    pub fn policy_inform(self) -> &'static [&'static str] {
        match self {
            VnCase::LocalSigningTime => &["time.local-signing-time"],
            _ => &[],
        }
    }
}

/// The files of a dossier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DossierFile {
    /// `main.pdf`: an issued document of organisation A.
    Main,
    /// `appendix-1.pdf`: one signature by organisation A.
    Appendix,
    /// `appendix-2.pdf` of odd dossiers: no signature.
    AppendixUnsigned,
    /// `appendix-2.pdf` of even dossiers: one signature by organisation B.
    AppendixOtherOrganisation,
}

impl DossierFile {
    /// The manifest's `case`.
    pub fn case(self) -> &'static str {
        match self {
            DossierFile::Main => "vn_dossier_main",
            DossierFile::Appendix => "vn_dossier_appendix",
            DossierFile::AppendixUnsigned => "vn_dossier_appendix_unsigned",
            DossierFile::AppendixOtherOrganisation => "vn_dossier_appendix_other_organisation",
        }
    }

    /// The rules of `vn-gov-issued` the file fails.
    pub fn policy_fail(self) -> &'static [&'static str] {
        match self {
            DossierFile::Main | DossierFile::Appendix => &[],
            DossierFile::AppendixUnsigned | DossierFile::AppendixOtherOrganisation => {
                &["dossier.appendix-organisation"]
            }
        }
    }
}

/// The directory of dossier `n` (1-based) under `docs/`.
pub fn dossier_dir(n: usize) -> String {
    format!("dossier-{n:04}")
}

/// The policy file written as `DIR/vn-policy.toml`: the `vn-gov-issued` pack with the corpus'
/// Vietnamese root as its only trust anchor.
pub const POLICY_TOML: &str = r#"# Generated: the Vietnamese pack with this corpus's test roots as its anchors.
name = "vn-gov-issued-test"
extends = "vn-gov-issued"

[rules."trust.anchor"]
level = "FAIL"
anchors = ["pki/vn-root.pem"]
"#;

/// The seven-hour offset of Viet Nam's local time that [`VnCase::LocalSigningTime`] adds to
/// every signingTime attribute.
pub const LOCAL_OFFSET: Unix = 7 * 3600;

/// One signature to write.
struct SigPlan<'a> {
    role: &'static str,
    signer: &'a VnSigner,
    digest: Hash,
}

/// One file to write.
struct FilePlan<'a> {
    title: String,
    sigs: Vec<SigPlan<'a>>,
    tsa: &'a Tsa,
    local_time: bool,
    update_after: bool,
}

/// What writing a file gave.
struct Written {
    bytes: Vec<u8>,
    style: XrefStyle,
    revisions: u32,
    /// Per signature: /ByteRange, signingTime attribute, genTime.
    sigs: Vec<([u64; 4], Unix, Unix)>,
    /// Object number of page 1's content stream (rewritten by an unsigned update).
    content: u32,
}

/// The slots of an issued document's six signatures, in the order Circular 01/2019/TT-BNV
/// has them made.
const SLOTS: [&str; 6] = ["NguoiKy", "DauCoQuan", "SoVanBan", "Ngay", "Thang", "Nam"];

/// Builds the file(s) of `plan` (a [`Case::Vn`]): one document, or a dossier's three.
pub fn build<'a>(pki: &'a VnPki, plan: &Plan, modes: &Modes) -> Result<Vec<Built>> {
    let Case::Vn(case) = plan.case else {
        anyhow::bail!(
            "{} is not a case of the vn-policy profile",
            plan.case.name()
        );
    };
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let person = &pki.people[rng.gen_range(0..pki.people.len())];
    let org_a = &pki.organisations[0];
    let doc_no = rng.gen_range(1..2000);
    let title = format!("Quyet dinh so {doc_no}/QD-VPB");
    let sha256 = Hash::Sha256;
    let sig = |role, signer, digest| SigPlan {
        role,
        signer,
        digest,
    };
    let issued_sigs = |person, org| -> Vec<SigPlan<'_>> {
        SLOTS
            .iter()
            .enumerate()
            .map(|(i, role)| sig(role, if i == 0 { person } else { org }, sha256))
            .collect()
    };
    let mut file = FilePlan {
        title,
        sigs: issued_sigs(person, org_a),
        tsa: &pki.tsa,
        local_time: false,
        update_after: false,
    };
    match case {
        VnCase::Issued | VnCase::Dossier => {}
        VnCase::OrganisationFirst => file.sigs.swap(0, 1),
        VnCase::FiveSignatures => {
            file.sigs.pop();
        }
        VnCase::NoPersonal => file.sigs[0].signer = org_a,
        VnCase::PersonalSeal => file.sigs[1].signer = person,
        VnCase::Sha1Signer => file.sigs[0].digest = Hash::Sha1,
        VnCase::Rsa1024 => file.sigs[0].signer = &pki.person_rsa1024,
        VnCase::ForeignRoot => {
            file.sigs = issued_sigs(&pki.foreign_person, &pki.foreign_organisation);
            file.tsa = &pki.foreign_tsa;
        }
        VnCase::LocalSigningTime => file.local_time = true,
        VnCase::UpdateAfterSeal => file.update_after = true,
    }
    if case != VnCase::Dossier {
        let written = write_file(pki, &file, &mut rng, modes)?;
        let line = manifest_line(
            pki,
            &file,
            &written,
            doc_name(plan.index),
            case.name(),
            case.policy_fail(),
            case.policy_inform(),
            None,
        );
        return Ok(vec![Built {
            bytes: written.bytes,
            manifest: line,
        }]);
    }
    let n = plan.index / CASES.len() + 1;
    let dir = dossier_dir(n);
    let second = if n % 2 == 1 {
        DossierFile::AppendixUnsigned
    } else {
        DossierFile::AppendixOtherOrganisation
    };
    let appendix = |k: usize, signer: Option<&'a VnSigner>| FilePlan {
        title: format!("Phu luc {k} kem theo Quyet dinh so {doc_no}/QD-VPB"),
        sigs: signer
            .map(|s| SigPlan {
                role: "PhuLuc",
                signer: s,
                digest: sha256,
            })
            .into_iter()
            .collect(),
        tsa: &pki.tsa,
        local_time: false,
        update_after: false,
    };
    let files = [
        ("main.pdf", DossierFile::Main, file),
        (
            "appendix-1.pdf",
            DossierFile::Appendix,
            appendix(1, Some(org_a)),
        ),
        (
            "appendix-2.pdf",
            second,
            appendix(
                2,
                (second == DossierFile::AppendixOtherOrganisation).then(|| &pki.organisations[1]),
            ),
        ),
    ];
    let mut out = Vec::new();
    for (file_name, role, file) in files {
        let written = write_file(pki, &file, &mut rng, modes)?;
        let role_name = match role {
            DossierFile::Main => "main",
            _ => "appendix",
        };
        let line = manifest_line(
            pki,
            &file,
            &written,
            format!("docs/{dir}/{file_name}"),
            role.case(),
            role.policy_fail(),
            &[],
            Some((dir.clone(), role_name)),
        );
        out.push(Built {
            bytes: written.bytes,
            manifest: line,
        });
    }
    Ok(out)
}

/// `N 0 R` for each object.
fn refs(ids: &[u32]) -> String {
    ids.iter()
        .map(|id| format!("{id} 0 R"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Page 1's text: the national motto, the organisation, the title, and a few lines.
fn page_text(title: &str, lines: &[String]) -> Vec<u8> {
    let mut s = String::from("BT\n/F1 11 Tf\n14 TL\n56 790 Td\n");
    let header = [
        "CONG HOA XA HOI CHU NGHIA VIET NAM".to_string(),
        "Doc lap - Tu do - Hanh phuc".to_string(),
        fold(pki::ORGANISATION_A),
        title.to_string(),
        String::new(),
    ];
    for l in header.iter().chain(lines) {
        s.push_str(&format!("{} Tj T*\n", literal(l)));
    }
    s.push_str("ET\n");
    s.into_bytes()
}

const WORDS: [&str; 16] = [
    "quyet", "dinh", "ve", "viec", "phe", "duyet", "ke", "hoach", "cac", "co", "quan", "don", "vi",
    "thuc", "hien", "nam",
];

/// The `/Reason` of a signature by its slot.
fn reason(role: &str) -> &'static str {
    match role {
        "NguoiKy" => "Ky ban hanh van ban",
        "DauCoQuan" => "Dong dau co quan",
        "SoVanBan" => "Cap so van ban",
        "Ngay" => "Xac nhan ngay ban hanh",
        "Thang" => "Xac nhan thang ban hanh",
        "Nam" => "Xac nhan nam ban hanh",
        _ => "Xac thuc phu luc",
    }
}

/// Writes the original revision, one incremental update per signature (signed as it goes),
/// and the unsigned update of [`VnCase::UpdateAfterSeal`].
fn write_file(
    pki: &VnPki,
    file: &FilePlan<'_>,
    rng: &mut ChaCha8Rng,
    modes: &Modes,
) -> Result<Written> {
    let style = [
        XrefStyle::Table,
        XrefStyle::Stream,
        XrefStyle::StreamWithObjStm,
    ][rng.gen_range(0..3)];
    let mut id = [0u8; 16];
    rng.fill_bytes(&mut id);
    let mut w = Writer::new(style, id);
    let (catalog, pages, page, content, font, acroform, info) = (
        w.alloc(),
        w.alloc(),
        w.alloc(),
        w.alloc(),
        w.alloc(),
        w.alloc(),
        w.alloc(),
    );
    let lines: Vec<String> = (0..rng.gen_range(12..30))
        .map(|_| {
            let mut line = String::new();
            while line.len() < 70 {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(WORDS[rng.gen_range(0..WORDS.len())]);
            }
            line
        })
        .collect();
    w.stream(content, "", &page_text(&file.title, &lines), true);
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
    let catalog_dict = format!("<< /Type /Catalog /Pages {pages} 0 R /AcroForm {acroform} 0 R >>");
    w.dict_object(catalog, &catalog_dict, true);
    let created = date(2026, 1, 5) + rng.gen_range(0..(date(2026, 5, 20) - date(2026, 1, 5)));
    w.object(
        info,
        format!(
            "<< /Title {} /Author {} /Producer (sigaudit-corpus vn-policy) /CreationDate ({}) >>",
            literal(&file.title),
            text_string(pki::ORGANISATION_A),
            pdf_date(created)
        )
        .as_bytes(),
    );
    let trailer = format!("/Root {catalog} 0 R /Info {info} 0 R");
    let end = |w: &mut Writer, rng: &mut ChaCha8Rng| {
        let mut id1 = [0u8; 16];
        rng.fill_bytes(&mut id1);
        w.end_revision(&trailer, id1);
    };
    end(&mut w, rng);

    let mut t = created + rng.gen_range(600..7200);
    let mut fields = Vec::new();
    let mut sigs = Vec::new();
    for (n, s) in file.sigs.iter().enumerate() {
        t += rng.gen_range(60..1800);
        let claimed = if file.local_time { t + LOCAL_OFFSET } else { t };
        let gen_time = t + rng.gen_range(2..20);
        let (sig, field, ap) = (w.alloc(), w.alloc(), w.alloc());
        let ca = pki.ca(s.signer.issuer);
        let reserve =
            (s.signer.der.len() + ca.der.len() + file.tsa.der.len() + 3000).div_ceil(1024) * 1024;
        let head = format!(
            "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /{} /ByteRange [0 {:<36}] /Contents <",
            SubFilter::Pkcs7Detached.name(),
            ""
        );
        let tail = format!(
            "> /M ({}) /Name {} /Reason {} /Location (Ha Noi) >>",
            pdf_date(t),
            text_string(&s.signer.common_name),
            literal(reason(s.role))
        );
        let mut body = head.clone().into_bytes();
        body.resize(head.len() + 2 * reserve, b'0');
        body.extend_from_slice(tail.as_bytes());
        let at = w.object(sig, &body);
        let lt = at + head.len() - 1;
        let gt = lt + 1 + 2 * reserve;
        let br_at = at + head.find("[0 ").expect("placeholder");
        // A visible widget, three per row from the bottom left.
        let (x, y) = (40.0 + (n % 3) as f64 * 180.0, 60.0 + (n / 3) as f64 * 56.0);
        let ap_text = format!(
            "q 0.75 0 0 RG 1 w 0.5 0.5 169 47 re S Q BT /F1 7 Tf 4 36 Td {} Tj 0 -10 Td {} Tj 0 -10 Td {} Tj ET",
            literal(&format!("Ky boi: {}", fold(&s.signer.common_name))),
            literal(&format!("Ngay ky: {}", &pdf_date(t)[2..10])),
            literal(reason(s.role))
        );
        w.stream(
            ap,
            &format!("/Type /XObject /Subtype /Form /BBox [0 0 170 48] /Resources << /Font << /F1 {font} 0 R >> >>"),
            ap_text.as_bytes(),
            false,
        );
        w.object(
            field,
            format!(
                "<< /FT /Sig /T {} /V {sig} 0 R /Type /Annot /Subtype /Widget /Rect [{x:.1} {y:.1} {:.1} {:.1}] /F 132 /P {page} 0 R /AP << /N {ap} 0 R >> >>",
                literal(&format!("Sig{}_{}", n + 1, s.role)),
                x + 170.0,
                y + 48.0
            )
            .as_bytes(),
        );
        fields.push(field);
        w.object(
            acroform,
            format!("<< /Fields [{}] /SigFlags 3 >>", refs(&fields)).as_bytes(),
        );
        w.object(
            page,
            format!("{page_open} /Annots [{}] >>", refs(&fields)).as_bytes(),
        );
        end(&mut w, rng);
        let len = w.buf.len();
        let br = [0u64, lt as u64, (gt + 1) as u64, (len - gt - 1) as u64];
        let text = format!("[0 {} {} {}", br[1], br[2], br[3]);
        w.buf[br_at..br_at + text.len()].copy_from_slice(text.as_bytes());
        let md = s.digest.digest(&[&w.buf[..lt], &w.buf[gt + 1..]]);
        let der = signed_data(pki, file.tsa, s, &md, claimed, gen_time, rng, modes)?;
        anyhow::ensure!(
            der.len() <= reserve,
            "CMS of {} bytes exceeds {reserve}",
            der.len()
        );
        let hex: String = der.iter().map(|b| format!("{b:02x}")).collect();
        w.buf[lt + 1..lt + 1 + hex.len()].copy_from_slice(hex.as_bytes());
        sigs.push((br, claimed, gen_time));
    }
    if file.update_after {
        // An unsigned update after the seal: page 1's content rewritten (another amount).
        let mut changed = lines.clone();
        changed.insert(0, "(SUA DOI) So tien: 9.999.000.000 dong".to_string());
        w.stream(content, "", &page_text(&file.title, &changed), true);
        end(&mut w, rng);
    }
    Ok(Written {
        revisions: w.revision_ends.len() as u32,
        style,
        bytes: w.buf,
        sigs,
        content,
    })
}

/// The detached CMS of one signature: signed attributes (content-type, message-digest `md`,
/// signing-time `claimed`), the signer's key under PKCS#1 v1.5 with the signature's digest,
/// the signer's certificate and its CA's, and a signature timestamp from `tsa` at `gen_time`.
#[allow(clippy::too_many_arguments)]
fn signed_data(
    pki: &VnPki,
    tsa: &Tsa,
    s: &SigPlan<'_>,
    md: &[u8],
    claimed: Unix,
    gen_time: Unix,
    rng: &mut ChaCha8Rng,
    modes: &Modes,
) -> Result<Vec<u8>> {
    let signer = s.signer;
    let signed_attrs = cms::signed_attributes(
        SubFilter::Pkcs7Detached,
        md,
        claimed,
        &signer.cert,
        &signer.der,
    )?;
    let scheme = Scheme::Pkcs1(s.digest);
    let signature = sign::sign(&signer.key, scheme, &signed_attrs.to_der()?, &[])?;
    let imprint = ring::digest::digest(&ring::digest::SHA256, &signature);
    let token = crate::tsp::token(
        tsa,
        &crate::tsp::TokenRequest {
            imprint: imprint.as_ref(),
            gen_time,
            serial: rng.gen::<u64>() >> 1,
            nonce: Some(rng.gen::<u64>() >> 1),
        },
    )?;
    let unsigned = SetOfVec::try_from(vec![cms::attribute(
        crate::tsp::ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
        Any::from_der(&token)?,
    )?])?;
    let issuer = [&pki.ca(signer.issuer).cert];
    cms::assemble(cms::Assembly {
        digest_algorithm: s.digest.digest_algorithm(),
        signed_attrs,
        signature_algorithm: scheme.signature_algorithm(),
        signature,
        unsigned_attrs: Some(unsigned),
        signer: &signer.cert,
        include_signer: true,
        chain: match modes.embeds_issuer() {
            true => &issuer,
            false => &[],
        },
    })
}

/// What an ETSI verifier trusting `vn-root` says of signature `s`.
fn expected(s: &SigPlan<'_>) -> (Indication, Option<SubIndication>) {
    if s.signer.issuer != VnCaId::Ca {
        (
            Indication::Indeterminate,
            Some(SubIndication::NoCertificateChainFound),
        )
    } else if s.digest == Hash::Sha1 || s.signer.kind != crate::keys::KeyKind::Rsa(2048) {
        // SHA-1 (acceptable until 2016) or an RSA key under 2048 bits (until 2014): the
        // signature timestamp proves the signature existed in 2026 only, long after, so the
        // material is below the constraints and no POE places it before their end (ETSI EN
        // 319 102-1, Table 6: CRYPTO_CONSTRAINTS_FAILURE; `_NO_POE` is for a signature without
        // any proof of existence, as the national profile's `legacy_sha1`).
        (
            Indication::Indeterminate,
            Some(SubIndication::CryptoConstraintsFailure),
        )
    } else {
        (Indication::TotalPassed, None)
    }
}

/// The manifest line of one file.
#[allow(clippy::too_many_arguments)]
fn manifest_line(
    pki: &VnPki,
    file: &FilePlan<'_>,
    written: &Written,
    name: String,
    case: &str,
    policy_fail: &[&str],
    policy_inform: &[&str],
    dossier: Option<(String, &str)>,
) -> manifest::Document {
    let file_len = written.bytes.len() as u64;
    let signatures: Vec<manifest::Signature> = file
        .sigs
        .iter()
        .zip(&written.sigs)
        .enumerate()
        .map(|(n, (s, &(br, _, gen_time)))| {
            let (indication, sub_indication) = expected(s);
            let covers_whole_file = br[2] + br[3] == file_len;
            manifest::Signature {
                field: format!("Sig{}_{}", n + 1, s.role),
                subfilter: SubFilter::Pkcs7Detached.name().to_string(),
                digest: s.digest.name().to_string(),
                key: s.signer.kind.to_string(),
                signer: s.signer.subject.clone(),
                byte_range: br,
                revision: n as u32 + 2,
                covers_whole_file,
                indication,
                sub_indication,
                modifications: if file.update_after {
                    Modifications::Forbidden
                } else if covers_whole_file {
                    Modifications::None
                } else {
                    Modifications::Permitted
                },
                timestamp: Some(rfc3339(gen_time)),
                path: Some(pki.cert_path(&s.signer.der, s.signer.issuer)),
                timestamp_signer: Some(pki.token_signer(file.tsa)),
                findings: if file.update_after {
                    vec!["incremental_saving".to_string()]
                } else {
                    Vec::new()
                },
                algorithm: None,
                integrity: None,
                warnings: Vec::new(),
                role: Some(
                    match s.signer.role {
                        Role::Personal => "personal",
                        Role::Organisation => "organisation",
                    }
                    .to_string(),
                ),
            }
        })
        .collect();
    let (status, reason) = if signatures.is_empty() {
        (
            DocumentStatus::Indeterminate,
            Some("the document carries no signature".to_string()),
        )
    } else if file.update_after {
        (
            DocumentStatus::TotalFailed,
            Some(format!(
                "page 1 content (object {}) replaced by an unsigned incremental update",
                written.content
            )),
        )
    } else {
        let status = signatures
            .iter()
            .map(|s| DocumentStatus::from(s.indication))
            .max()
            .unwrap_or(DocumentStatus::Error);
        let reason = signatures
            .iter()
            .find(|s| s.indication != Indication::TotalPassed)
            .map(|s| {
                format!(
                    "signature {}: {}",
                    s.field,
                    s.sub_indication.map_or("", |x| x.as_str())
                )
            });
        (status, reason)
    };
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (dossier, dossier_role) = match dossier {
        Some((d, r)) => (Some(d), Some(r.to_string())),
        None => (None, None),
    };
    manifest::Document {
        name,
        bytes: 0,
        sha256: String::new(),
        status,
        case: case.to_string(),
        reason,
        validation_time: rfc3339(VALIDATION_TIME),
        xref: Some(written.style.name().to_string()),
        pages: 1,
        attachments: Vec::new(),
        revisions: written.revisions,
        signatures,
        ltv: false,
        dss: None,
        policy_fail: Some(strings(policy_fail)),
        policy_inform: Some(strings(policy_inform)),
        dossier,
        dossier_role,
    }
}

fn pem(der: &[u8]) -> Result<String> {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der)
        .map_err(|e| anyhow::anyhow!("PEM: {e}"))
}

/// Writes the profile's PKI under `dir/pki` (beside the corpus' own) and `dir/vn-policy.toml`:
///
/// ```text
/// pki/vn-root.pem, pki/vn-foreign-root.pem      the two roots (what a policy names)
/// pki/roots/vn-root.pem                         trusted with the corpus' own root
/// pki/intermediates/vn-ca.pem                   the Vietnamese issuing CA
/// pki/untrusted/vn-foreign-{root,ca}.pem        the foreign hierarchy
/// pki/tsa/vn-tsa.pem, pki/tsa/vn-foreign-tsa.pem
/// pki/crls/vn-*.crl, pki/certs/vn-*.cer         empty CRLs and DER certificates, also under
///                                               pki/www/{crls,certs}/ (the URLs' mirror)
/// ```
pub fn write_pki(pki: &VnPki, dir: &Path) -> Result<()> {
    let base = dir.join("pki");
    for sub in [
        "roots",
        "intermediates",
        "untrusted",
        "tsa",
        "crls",
        "certs",
        "www/crls",
        "www/certs",
    ] {
        std::fs::create_dir_all(base.join(sub))?;
    }
    let write = |rel: String, data: &[u8]| std::fs::write(base.join(rel), data);
    for ca in &pki.cas {
        let stem = ca.id.stem();
        let sub = match ca.id {
            VnCaId::Root => "roots",
            VnCaId::Ca => "intermediates",
            _ => "untrusted",
        };
        write(format!("{sub}/{stem}.pem"), pem(&ca.der)?.as_bytes())?;
        write(format!("crls/{stem}.crl"), &ca.crl)?;
        write(format!("certs/{stem}.cer"), &ca.der)?;
        write(format!("www/{}", crate::mirror::crl_path(stem)), &ca.crl)?;
        write(format!("www/{}", crate::mirror::cert_path(stem)), &ca.der)?;
    }
    write(
        "vn-root.pem".into(),
        pem(&pki.ca(VnCaId::Root).der)?.as_bytes(),
    )?;
    write(
        "vn-foreign-root.pem".into(),
        pem(&pki.ca(VnCaId::ForeignRoot).der)?.as_bytes(),
    )?;
    for tsa in [&pki.tsa, &pki.foreign_tsa] {
        write(format!("tsa/{}.pem", tsa.name), pem(&tsa.der)?.as_bytes())?;
        write(format!("certs/{}.cer", tsa.name), &tsa.der)?;
    }
    std::fs::write(dir.join("vn-policy.toml"), POLICY_TOML)?;
    Ok(())
}
