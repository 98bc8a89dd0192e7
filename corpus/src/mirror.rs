//! `DIR/pki/www`: a static mirror of every CRL distribution point and caIssuers URL the
//! certificates name, at the paths those URLs name under the base URL, so that any static HTTP
//! server serving `pki/www` at the base URL (on loopback) answers them:
//!
//! ```text
//! pki/www/crls/{ca}.crl     DER CRL of CA {ca}          (cRLDistributionPoints of what {ca} issued)
//! pki/www/certs/{ca}.cer    DER certificate of CA {ca}  (caIssuers of what {ca} issued)
//! pki/www/certs/tsa.cer     DER certificate of the TSA  (named by no certificate)
//! pki/www/certs/ca-organisation.p7c
//!                           the organisation CA's certificate as a certs-only CMS SignedData
//!                           (RFC 5280, 4.2.2.1; named by no certificate: for fetchers' tests)
//! ```
//!
//! `{ca}` is one of `root`, `ca-personal`, `ca-organisation`, `rogue-root`, `rogue-ca`. The OCSP
//! URLs (`ocsp/{ca}`) are not static: `sigaudit-corpus serve` answers them ([`crate::serve`]).

use std::fs;
use std::path::Path;

use anyhow::Result;
use cms::cert::CertificateChoices;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{CertificateSet, EncapsulatedContentInfo, SignedData, SignerInfos};
use const_oid::db::rfc5911;
use der::asn1::SetOfVec;
use der::{Any, Encode};
use x509_cert::Certificate;

use crate::pki::{CaId, Pki};

/// The CRL distribution points' directory under the base URL.
pub const CRL_PREFIX: &str = "crls/";
/// The caIssuers URLs' directory under the base URL.
pub const CERTS_PREFIX: &str = "certs/";
/// The OCSP URLs' directory under the base URL.
pub const OCSP_PREFIX: &str = "ocsp/";
/// The CA whose certificate the mirror also holds as a certs-only PKCS#7 (`.p7c`).
pub const P7C_CA: CaId = CaId::Organisation;

/// The path under the base URL of CA `stem`'s CRL.
pub fn crl_path(stem: &str) -> String {
    format!("{CRL_PREFIX}{stem}.crl")
}

/// The path under the base URL of CA `stem`'s certificate (DER).
pub fn cert_path(stem: &str) -> String {
    format!("{CERTS_PREFIX}{stem}.cer")
}

/// The path under the base URL of CA `stem`'s OCSP responder.
pub fn ocsp_path(stem: &str) -> String {
    format!("{OCSP_PREFIX}{stem}")
}

/// A certs-only CMS SignedData holding `certs` (RFC 5652, 5; RFC 5280, 4.2.2.1): no digest
/// algorithm, no content, no signer.
pub fn certs_only(certs: &[&Certificate]) -> Result<Vec<u8>> {
    let set = certs
        .iter()
        .map(|c| CertificateChoices::Certificate((*c).clone()))
        .collect::<Vec<_>>();
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::new(),
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: rfc5911::ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(set)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::new()),
    };
    Ok(ContentInfo {
        content_type: rfc5911::ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data)?,
    }
    .to_der()?)
}

/// Writes the mirror into `www` (which is `DIR/pki/www`).
pub fn write(pki: &Pki, www: &Path) -> Result<()> {
    fs::create_dir_all(www.join(CRL_PREFIX))?;
    fs::create_dir_all(www.join(CERTS_PREFIX))?;
    for ca in &pki.cas {
        fs::write(www.join(crl_path(ca.name)), &ca.crl)?;
        fs::write(www.join(cert_path(ca.name)), &ca.der)?;
    }
    fs::write(www.join(cert_path(pki.tsa.name)), &pki.tsa.der)?;
    let p7c = pki.ca(P7C_CA);
    fs::write(
        www.join(format!("{CERTS_PREFIX}{}.p7c", p7c.name)),
        certs_only(&[&p7c.cert])?,
    )?;
    Ok(())
}
