//! Timestamps and LTV material, re-read without the generator's code paths where it matters:
//! lopdf opens the LTV documents and finds their document security store, the OCSP responses are
//! decoded and their signatures verified with the issuing CA's certificate (ring), the TSA
//! certificate is checked against the root, and the profiles draw timestamps and LTV at about
//! the advertised rates. (`manifest_truth.rs` checks every token's imprint and signature.)

mod common;

use std::collections::HashSet;
use std::path::Path;

use der::{Decode, Encode};
use sigaudit_corpus::cases::{Case, Profile};
use sigaudit_corpus::manifest::Document;
use sigaudit_corpus::ocsp::{BasicOcspResponse, OcspResponse, ResponseData, RevokedInfo};
use sigaudit_corpus::verdict::SubIndication;
use x509_cert::Certificate;

fn cert_file(dir: &Path, name: &str) -> Certificate {
    Certificate::from_der(&std::fs::read(dir.join("pki/certs").join(name)).unwrap()).unwrap()
}

fn rsa_verifies(issuer: &Certificate, message: &[u8], sig: &[u8]) -> bool {
    let key = issuer
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, key)
        .verify(message, sig)
        .is_ok()
}

fn sha1(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data)
        .as_ref()
        .to_vec()
}

/// The decoded stream contents of the DSS array `key` of the document's catalog.
fn dss_streams(doc: &lopdf::Document, key: &[u8]) -> Vec<Vec<u8>> {
    let catalog = doc.catalog().unwrap();
    let dss = doc
        .get_dictionary(catalog.get(b"DSS").unwrap().as_reference().unwrap())
        .unwrap();
    assert_eq!(dss.get(b"Type").unwrap().as_name().unwrap(), b"DSS");
    dss.get(key)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let stream = doc
                .get_object(o.as_reference().unwrap())
                .unwrap()
                .as_stream()
                .unwrap();
            stream
                .decompressed_content()
                .unwrap_or_else(|_| stream.content.clone())
        })
        .collect()
}

fn check_ltv_document(dir: &Path, m: &Document) {
    let bytes = std::fs::read(dir.join(&m.name)).unwrap();
    let doc = lopdf::Document::load_mem(&bytes).expect("lopdf opens the LTV document");
    let certs: Vec<Certificate> = dss_streams(&doc, b"Certs")
        .iter()
        .map(|d| Certificate::from_der(d).unwrap())
        .collect();
    let crls = dss_streams(&doc, b"CRLs");
    for crl in &crls {
        x509_cert::crl::CertificateList::from_der(crl).unwrap();
    }
    assert!(crls.len() >= 2, "{}: root and issuing CA CRLs", m.name);
    let tsa = cert_file(dir, "tsa.cer");
    assert!(
        certs.contains(&tsa),
        "{}: TSA certificate in the DSS",
        m.name
    );

    // Signer certificates of the document, by subject.
    let signers: HashSet<&str> = m
        .signatures
        .iter()
        .filter(|s| s.subfilter != "ETSI.RFC3161")
        .map(|s| s.signer.as_str())
        .collect();
    let revoked_signer = m
        .signatures
        .iter()
        .find(|s| s.sub_indication == Some(SubIndication::RevokedNoPoe))
        .map(|s| s.signer.as_str());
    let ocsps = dss_streams(&doc, b"OCSPs");
    assert_eq!(
        ocsps.len(),
        signers.len(),
        "{}: one OCSP per signer",
        m.name
    );
    let cas = [
        cert_file(dir, "ca-personal.cer"),
        cert_file(dir, "ca-organisation.cer"),
    ];
    let mut revoked_seen = 0;
    for der in &ocsps {
        let resp = OcspResponse::from_der(der).unwrap();
        assert_eq!(resp.response_status.value(), [0u8], "successful");
        let bytes = resp.response_bytes.unwrap();
        assert_eq!(bytes.response_type.to_string(), "1.3.6.1.5.5.7.48.1.1");
        let basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).unwrap();
        let tbs = basic.tbs_response_data.to_der().unwrap();
        let data = ResponseData::from_der(&tbs).unwrap();
        let single = &data.responses[0];
        let cert = certs
            .iter()
            .find(|c| c.tbs_certificate.serial_number == single.cert_id.serial_number)
            .expect("the OCSP response's certificate is in the DSS");
        let ca = cas
            .iter()
            .find(|c| c.tbs_certificate.subject == cert.tbs_certificate.issuer)
            .unwrap();
        let ca_key = ca
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes();
        assert_eq!(data.responder_id.value.as_bytes(), sha1(ca_key));
        assert_eq!(single.cert_id.issuer_key_hash.as_bytes(), sha1(ca_key));
        assert_eq!(
            single.cert_id.issuer_name_hash.as_bytes(),
            sha1(&ca.tbs_certificate.subject.to_der().unwrap())
        );
        assert!(
            rsa_verifies(ca, &tbs, basic.signature.raw_bytes()),
            "{}: OCSP signature",
            m.name
        );
        assert_eq!(
            data.produced_at.to_date_time().to_string(),
            "2026-06-10T00:00:00Z"
        );
        let subject = cert.tbs_certificate.subject.to_string();
        let named: x509_cert::name::Name = subject.parse().unwrap();
        assert!(
            signers
                .iter()
                .any(|s| s.parse::<x509_cert::name::Name>().unwrap() == named),
            "{}: OCSP for a signer",
            m.name
        );
        let is_revoked_signer =
            revoked_signer.is_some_and(|r| r.parse::<x509_cert::name::Name>().unwrap() == named);
        let status = single.cert_status.to_der().unwrap();
        if is_revoked_signer {
            assert_eq!(status[0], 0xA1, "{}: revoked [1]", m.name);
            let info = RevokedInfo::from_der(
                &[&[0x30][..], &status[1..]].concat(), // implicit [1] → SEQUENCE
            )
            .unwrap();
            let at = info.revocation_time.to_unix_duration().as_secs();
            assert!(at < 1_735_689_600, "revoked in 2024");
            revoked_seen += 1;
        } else {
            assert_eq!(status, [0x80, 0x00], "{}: good", m.name);
        }
    }
    assert_eq!(revoked_seen, usize::from(revoked_signer.is_some()));

    // The document timestamp's dictionary.
    let ts = m.signatures.last().unwrap();
    assert_eq!(ts.subfilter, "ETSI.RFC3161");
    assert_eq!(ts.revision, m.revisions);
    let i = bytes[..ts.byte_range[1] as usize]
        .windows(9)
        .rposition(|w| w == b"<< /Type ")
        .unwrap();
    assert!(bytes[i..].starts_with(b"<< /Type /DocTimeStamp /Filter /Adobe.PPKLite"));
}

#[test]
fn timestamps_and_ltv_documents_are_well_formed() {
    let dir = tempfile::tempdir().unwrap();
    let lines = common::generate_into(&common::config(
        dir.path(),
        160,
        31,
        Profile::National,
        "0,4K",
    ));
    for case in Case::NATIONAL_NEGATIVE {
        assert!(
            lines.iter().any(|d| d.case == case.name()),
            "no {}",
            case.name()
        );
    }
    let valid: Vec<&Document> = lines.iter().filter(|d| d.case == "valid").collect();
    let timestamped = valid
        .iter()
        .filter(|d| d.signatures.iter().any(|s| s.timestamp.is_some()))
        .count();
    let ltv = valid.iter().filter(|d| d.ltv).count();
    let n = valid.len() as f64;
    assert!(
        (0.18..0.42).contains(&(timestamped as f64 / n)),
        "{timestamped} of {n} valid documents timestamped"
    );
    assert!(
        (0.10..0.30).contains(&(ltv as f64 / n)),
        "{ltv} of {n} valid documents with LTV"
    );
    for d in &lines {
        // Signature timestamps on every signature or none.
        let sigs: Vec<_> = d
            .signatures
            .iter()
            .filter(|s| s.subfilter != "ETSI.RFC3161")
            .collect();
        let with = sigs.iter().filter(|s| s.timestamp.is_some()).count();
        assert!(with == 0 || with == sigs.len(), "{}", d.name);
        if d.ltv {
            check_ltv_document(dir.path(), d);
        }
    }
    let ltv_cases: HashSet<&str> = lines
        .iter()
        .filter(|d| d.ltv)
        .map(|d| d.case.as_str())
        .collect();
    assert!(ltv_cases.contains("ocsp_revoked_signer"));
    assert!(ltv_cases.contains("tampered_document_timestamp"));
}

#[test]
fn tsa_certificate_and_late_revocations() {
    let dir = tempfile::tempdir().unwrap();
    common::generate_into(&common::config(dir.path(), 2, 1, Profile::National, "0"));
    let root = cert_file(dir.path(), "root.cer");
    let tsa = cert_file(dir.path(), "tsa.cer");
    let pem = std::fs::read_to_string(dir.path().join("pki/tsa/tsa.pem")).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(tsa.tbs_certificate.issuer, root.tbs_certificate.subject);
    assert!(rsa_verifies(
        &root,
        &tsa.tbs_certificate.to_der().unwrap(),
        tsa.signature.raw_bytes()
    ));
    let exts = tsa.tbs_certificate.extensions.as_ref().unwrap();
    let eku = exts
        .iter()
        .find(|e| e.extn_id.to_string() == "2.5.29.37")
        .unwrap();
    assert!(eku.critical);
    let eku = x509_cert::ext::pkix::ExtendedKeyUsage::from_der(eku.extn_value.as_bytes()).unwrap();
    assert_eq!(eku.0.len(), 1);
    assert_eq!(eku.0[0].to_string(), "1.3.6.1.5.5.7.3.8");
    assert_eq!(
        tsa.tbs_certificate
            .subject_public_key_info
            .algorithm
            .oid
            .to_string(),
        "1.2.840.10045.2.1"
    );
    // The late revocations are on the CRLs at 2026-05-31T12:00:00Z.
    let mut late = 0;
    for name in ["ca-personal", "ca-organisation"] {
        let der = std::fs::read(dir.path().join(format!("pki/crls/{name}.crl"))).unwrap();
        let crl = x509_cert::crl::CertificateList::from_der(&der).unwrap();
        late += crl
            .tbs_cert_list
            .revoked_certificates
            .unwrap_or_default()
            .iter()
            .filter(|r| r.revocation_date.to_unix_duration().as_secs() == 1_780_228_800)
            .count();
    }
    assert_eq!(late, sigaudit_corpus::pki::late_revoked_keys().count());
}
