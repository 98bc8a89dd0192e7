//! What a document is before any byte is written: who issues it, its pages, and its signatures
//! (field role, signer, page, CMS flavour), each expected to be `TOTAL_PASSED` until the case
//! says otherwise.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::Plan;
use crate::cms::{Defects, DigestAlg, SubFilter};
use crate::keys::KeyKind;
use crate::pki::{fold, Pki, Signer};
use crate::verdict::{Indication, SubIndication};

/// A signature to write, and the verdict it must get.
pub(super) struct SigSpec<'a> {
    pub role: &'static str,
    pub signer: &'a Signer,
    /// Index into keys.signers of the key that actually signs.
    pub signing_key: usize,
    pub subfilter: SubFilter,
    pub digest: DigestAlg,
    pub defects: Defects,
    pub page: usize,
    pub expected: (Indication, Option<SubIndication>),
    /// The signature timestamp's imprint does not match the signature value.
    pub wrong_timestamp: bool,
}

impl<'a> SigSpec<'a> {
    /// Signs with `signer`'s own key (the PKI cases swap the signer of a drawn signature).
    pub fn sign_as(&mut self, signer: &'a Signer) {
        self.signer = signer;
        self.signing_key = signer.key;
    }
}

/// The issuing organisation, the document's pages and its number.
pub(super) struct Shape<'a> {
    pub org: &'a Signer,
    /// Who signs with authority (`NguoiKy`); also the `/Info` author.
    pub authority: &'a Signer,
    pub body_pages: usize,
    /// Page counts of the appendices, which follow the body.
    pub appendices: Vec<usize>,
    pub total_pages: usize,
    pub doc_no: i32,
    pub agency_code: &'static str,
    /// The organisation's province (ASCII), each signature's `/Location`.
    pub province: String,
}

impl Shape<'_> {
    /// The document number as written on page 1, e.g. `123/QD-STC`.
    pub fn number(&self) -> String {
        format!("{}/QD-{}", self.doc_no, self.agency_code)
    }
}

/// A signer drawn from `pool` (positions in `pki.signers`).
pub(super) fn draw<'a>(pki: &'a Pki, pool: &[usize], rng: &mut ChaCha8Rng) -> &'a Signer {
    &pki.signers[pool[rng.gen_range(0..pool.len())]]
}

/// An organisation and the people it employs. People sign for the organisation that employs
/// them.
struct Parties<'a> {
    pki: &'a Pki,
    org: &'a Signer,
    staff: Vec<&'a Signer>,
}

impl<'a> Parties<'a> {
    /// The fixed shape wants people with P-256 keys (organisations' keys are RSA-2048), so it
    /// picks among organisations that employ one.
    fn draw(pki: &'a Pki, fixed_shape: bool, rng: &mut ChaCha8Rng) -> Self {
        let pools = &pki.pools;
        let org_pool = match fixed_shape {
            true => &pools.organisations_with_p256_staff,
            false => &pools.organisations,
        };
        let org_pos = org_pool[rng.gen_range(0..org_pool.len())];
        let staff = pools
            .staff
            .get(&org_pos)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&p| &pki.signers[p])
            .filter(|s| !fixed_shape || s.kind == KeyKind::P256)
            .collect();
        Parties {
            pki,
            org: &pki.signers[org_pos],
            staff,
        }
    }

    /// One of the organisation's people (anyone when it employs none).
    fn person(&self, rng: &mut ChaCha8Rng) -> &'a Signer {
        if self.staff.is_empty() {
            draw(self.pki, &self.pki.pools.people, rng)
        } else {
            self.staff[rng.gen_range(0..self.staff.len())]
        }
    }
}

const AGENCY_CODES: [&str; 8] = ["UBND", "STC", "SNV", "SKHDT", "SGDDT", "SYT", "STP", "SXD"];

const APPENDIX_ROLES: [&str; 3] = ["PhuLuc1", "PhuLuc2", "PhuLuc3"];

/// Confirmation stamps after the usual signatures ([`Plan::extra_signatures`]).
const EXTRA_ROLES: [&str; 32] = [
    "XacNhan01",
    "XacNhan02",
    "XacNhan03",
    "XacNhan04",
    "XacNhan05",
    "XacNhan06",
    "XacNhan07",
    "XacNhan08",
    "XacNhan09",
    "XacNhan10",
    "XacNhan11",
    "XacNhan12",
    "XacNhan13",
    "XacNhan14",
    "XacNhan15",
    "XacNhan16",
    "XacNhan17",
    "XacNhan18",
    "XacNhan19",
    "XacNhan20",
    "XacNhan21",
    "XacNhan22",
    "XacNhan23",
    "XacNhan24",
    "XacNhan25",
    "XacNhan26",
    "XacNhan27",
    "XacNhan28",
    "XacNhan29",
    "XacNhan30",
    "XacNhan31",
    "XacNhan32",
];

/// Draws the document's shape and its signatures, all `TOTAL_PASSED` so far.
pub(super) fn draw_shape<'a>(
    pki: &'a Pki,
    plan: &Plan,
    rng: &mut ChaCha8Rng,
) -> (Shape<'a>, Vec<SigSpec<'a>>) {
    let parties = Parties::draw(pki, plan.fixed_shape, rng);
    let org = parties.org;
    let authority = parties.person(rng);
    let clerk = parties.person(rng);
    let body_pages = 1 + (rng.gen_range(0.0f64..1.0).powi(2) * 20.0) as usize % 20;
    let appendices: Vec<usize> = match rng.gen_range(0..20) {
        0..=9 => vec![],
        10..=15 => vec![rng.gen_range(1..=4)],
        16..=18 => vec![rng.gen_range(1..=3), rng.gen_range(1..=3)],
        _ => vec![1, rng.gen_range(1..=5), rng.gen_range(1..=2)],
    };
    let shape = Shape {
        org,
        authority,
        body_pages,
        total_pages: body_pages + appendices.iter().sum::<usize>(),
        appendices,
        doc_no: rng.gen_range(1..2000),
        agency_code: AGENCY_CODES[org.index / 5 % 8],
        province: fold(crate::pki::PROVINCES[org.index / 5 / 8 % 16]),
    };
    let sigs = signatures(&shape, &parties, clerk, plan, rng);
    (shape, sigs)
}

/// The signatures: authority, number, date, organisation, clerk, seal (+ co-signer, + one
/// organisation signature per appendix, + confirmation stamps), each `adbe.pkcs7.detached` or
/// `ETSI.CAdES.detached` in a proportion drawn per document.
fn signatures<'a>(
    shape: &Shape<'a>,
    parties: &Parties<'a>,
    clerk: &'a Signer,
    plan: &Plan,
    rng: &mut ChaCha8Rng,
) -> Vec<SigSpec<'a>> {
    let (org, last_body_page) = (shape.org, shape.body_pages - 1);
    let cades_share = rng.gen_range(0.0..1.0);
    let mut roles: Vec<(&'static str, &Signer, usize)> = vec![
        ("NguoiKy", shape.authority, last_body_page),
        ("SoVanBan", org, 0),
        ("NgayBanHanh", org, 0),
        ("CoQuan", org, last_body_page),
        ("VanThu", clerk, last_body_page),
        ("DauCoQuan", org, last_body_page),
    ];
    if rng.gen_bool(0.25) && !plan.fixed_shape {
        roles.insert(1, ("DongKy", parties.person(rng), last_body_page));
    }
    let mut first_page = shape.body_pages;
    for (i, n) in shape.appendices.iter().enumerate() {
        if !plan.fixed_shape {
            roles.push((APPENDIX_ROLES[i], org, first_page));
        }
        first_page += n;
    }
    for role in EXTRA_ROLES.iter().take(plan.extra_signatures) {
        roles.push((role, org, last_body_page));
    }
    roles
        .into_iter()
        .map(|(role, signer, page)| SigSpec {
            role,
            signer,
            signing_key: signer.key,
            subfilter: if rng.gen_range(0.0..1.0) < cades_share {
                SubFilter::CadesDetached
            } else {
                SubFilter::Pkcs7Detached
            },
            digest: DigestAlg::Sha256,
            defects: Defects::default(),
            page,
            expected: (Indication::TotalPassed, None),
            wrong_timestamp: false,
        })
        .collect()
}
