//! Independent re-computation of every manifest claim.
//!
//! The generator writes each document and labels it; this test re-reads the files without the
//! generator's code paths: lopdf (a different PDF parser) finds the signature dictionaries, the
//! CMS is re-parsed, the byte ranges re-hashed and the signatures re-verified with ring, and each
//! result must agree with the label. (The peer test adds pdfsig and pyHanko; this one also covers
//! what they cannot judge, e.g. a signature made with the wrong key.)

mod common;

use std::collections::{HashMap, HashSet};

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::{Decode, Encode, Reader};
use sigaudit_corpus::cases::Profile;
use sigaudit_corpus::manifest::Document;
use sigaudit_corpus::verdict::{DocumentStatus, Indication, Modifications, SubIndication};
use x509_cert::Certificate;

fn digest_alg(alg: &str) -> &'static ring::digest::Algorithm {
    match alg {
        "sha256" => &ring::digest::SHA256,
        "sha1" => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        other => panic!("unexpected digest {other}"),
    }
}

/// lopdf's view: field name → (ByteRange, /Contents bytes, /SubFilter).
fn lopdf_signatures(bytes: &[u8]) -> HashMap<String, ([u64; 4], Vec<u8>, String)> {
    let doc = lopdf::Document::load_mem(bytes).expect("lopdf loads the document");
    let mut out = HashMap::new();
    for (_, obj) in doc.objects.iter() {
        let Ok(dict) = obj.as_dict() else { continue };
        if dict.get(b"FT").and_then(|o| o.as_name()).ok() != Some(&b"Sig"[..]) {
            continue;
        }
        let name = String::from_utf8_lossy(dict.get(b"T").unwrap().as_str().unwrap()).into_owned();
        let v = doc
            .get_dictionary(dict.get(b"V").unwrap().as_reference().unwrap())
            .unwrap();
        let br: Vec<u64> = v
            .get(b"ByteRange")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_i64().unwrap() as u64)
            .collect();
        let contents = v.get(b"Contents").unwrap().as_str().unwrap().to_vec();
        let sf =
            String::from_utf8_lossy(v.get(b"SubFilter").unwrap().as_name().unwrap()).into_owned();
        out.insert(name, ([br[0], br[1], br[2], br[3]], contents, sf));
    }
    out
}

fn verify_signature(cert: &Certificate, digest: &str, message: &[u8], sig: &[u8]) -> bool {
    use ring::signature as s;
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let key = spki.subject_public_key.raw_bytes();
    let alg: &dyn s::VerificationAlgorithm = match (spki.algorithm.oid.to_string().as_str(), digest)
    {
        ("1.2.840.113549.1.1.1", "sha256") => &s::RSA_PKCS1_2048_8192_SHA256,
        ("1.2.840.113549.1.1.1", "sha1") => &s::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        ("1.2.840.10045.2.1", "sha256") => &s::ECDSA_P256_SHA256_ASN1,
        (oid, d) => panic!("unexpected key {oid} with {d}"),
    };
    s::UnparsedPublicKey::new(alg, key)
        .verify(message, sig)
        .is_ok()
}

/// The finding every signature gets from an unsigned update after all of them, by case.
fn update_attack(case: &str) -> Option<&'static str> {
    Some(match case {
        "modified_after_signing" => "incremental_saving",
        "shadow_hide" => "shadow_hide",
        "shadow_replace" => "shadow_replace",
        "shadow_hide_and_replace" => "shadow_hide_and_replace",
        "unreachable_update" => "unreachable_update",
        "certification_violation" => "certification_violation",
        "field_lock_violation" => "field_lock_violation",
        _ => return None,
    })
}

/// The finding the last signature gets from an attack on its own dictionary, by case.
fn damaged_last(case: &str) -> Option<&'static str> {
    match case {
        "signature_wrapping" => Some("signature_wrapping"),
        "universal_forgery" => Some("universal_forgery"),
        _ => None,
    }
}

/// Checks every claim of `doc` against its file; `revoked` holds the serials on the issuing CAs'
/// CRLs ([`revoked_serials`]).
/// A truncated file that keeps whole signed revisions: each listed signature's range ends at
/// one of the file's `%%EOF` markers, inside the file; the cut end is a forbidden change and
/// the document TOTAL_FAILED.
fn check_truncated(bytes: &[u8], doc: &Document) {
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(
        !bytes.ends_with(b"%%EOF\n"),
        "{}: truncated file ends cleanly",
        doc.name
    );
    let eofs = bytes.windows(6).filter(|w| w == b"%%EOF\n").count();
    assert_eq!(eofs as u32, doc.revisions, "{}: whole revisions", doc.name);
    assert!(
        doc.revisions as usize > doc.signatures.len(),
        "{}",
        doc.name
    );
    for s in &doc.signatures {
        let [_, _, c, d] = s.byte_range.map(|x| x as usize);
        assert!(c + d < bytes.len(), "{} {}", doc.name, s.field);
        assert!(
            bytes[..c + d].ends_with(b"%%EOF\n"),
            "{} {}",
            doc.name,
            s.field
        );
        assert_eq!(s.modifications, Modifications::Forbidden, "{}", doc.name);
    }
    assert_eq!(doc.status, DocumentStatus::TotalFailed, "{}", doc.name);
}

fn check_document(dir: &std::path::Path, doc: &Document, revoked: &HashSet<Vec<u8>>) {
    let bytes = std::fs::read(dir.join(&doc.name)).unwrap();
    assert_eq!(bytes.len() as u64, doc.bytes, "{}", doc.name);
    let sha = ring::digest::digest(&ring::digest::SHA256, &bytes);
    let hex: String = sha.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, doc.sha256, "{}", doc.name);

    if doc.status == DocumentStatus::Error {
        assert!(doc.signatures.is_empty());
        match doc.case.as_str() {
            "empty_file" => assert!(bytes.is_empty()),
            "not_pdf" => assert!(!bytes.starts_with(b"%PDF-")),
            "truncated" => {
                assert!(bytes.starts_with(b"%PDF-"));
                assert!(
                    !bytes.ends_with(b"%%EOF\n"),
                    "{}: truncated file ends cleanly",
                    doc.name
                );
            }
            other => panic!("{}: unexpected ERROR case {other}", doc.name),
        }
        return;
    }

    if doc.case == "truncated" {
        check_truncated(&bytes, doc);
        return;
    }

    let eofs = bytes.windows(6).filter(|w| w == b"%%EOF\n").count();
    assert_eq!(eofs as u32, doc.revisions, "{}: revisions", doc.name);
    let found = lopdf_signatures(&bytes);
    assert_eq!(
        found.len(),
        doc.signatures.len(),
        "{}: lopdf finds every signature",
        doc.name
    );

    let mut worst = DocumentStatus::TotalPassed;
    // Signatures whose signer certificate (found in the CMS) is on its CA's CRL.
    let mut on_crl = 0;
    for (n, s) in doc.signatures.iter().enumerate() {
        // The findings: those of an update after every signature, or of the damaged one.
        let damaged = damaged_last(&doc.case).filter(|_| n + 1 == doc.signatures.len());
        let want: Vec<&str> = update_attack(&doc.case)
            .into_iter()
            .chain(damaged)
            .collect();
        assert_eq!(s.findings, want, "{} {}: findings", doc.name, s.field);
        let (br, contents, subfilter) = found
            .get(&s.field)
            .unwrap_or_else(|| panic!("{} {}", doc.name, s.field));
        assert_eq!(*br, s.byte_range, "{} {}", doc.name, s.field);
        assert_eq!(*subfilter, s.subfilter);
        let [a, b, c, d] = s.byte_range.map(|x| x as usize);
        assert_eq!(a, 0);
        // The gap is exactly the /Contents hex string, delimiters included (except where the
        // signature is wrapped: then it holds more).
        assert_eq!(bytes[b], b'<', "{} {}", doc.name, s.field);
        assert_eq!(bytes[c - 1], b'>', "{} {}", doc.name, s.field);
        if damaged == Some("signature_wrapping") {
            assert!(contents.len() < (c - b - 2) / 2, "{} {}", doc.name, s.field);
            assert!(bytes[b..c].windows(10).any(|w| w == b" /Wrapped "));
        } else {
            assert_eq!(contents.len(), (c - b - 2) / 2);
        }
        if damaged.is_some() {
            assert_eq!(
                (s.indication, s.sub_indication),
                (Indication::TotalFailed, Some(SubIndication::FormatFailure))
            );
        }
        assert_eq!(s.covers_whole_file, c + d == bytes.len());
        // The signed range ends exactly at the end of its revision.
        assert!(
            bytes[..c + d].ends_with(b"%%EOF\n"),
            "{} {}",
            doc.name,
            s.field
        );

        let mut ctx = ring::digest::Context::new(digest_alg(&s.digest));
        ctx.update(&bytes[a..b]);
        ctx.update(&bytes[c..c + d]);
        let actual = ctx.finish();
        if damaged == Some("universal_forgery") {
            assert!(contents.iter().all(|&x| x == 0), "{} {}", doc.name, s.field);
            worst = worst.max(s.indication.into());
            continue;
        }

        // The DER is followed by the zero padding of the reserved /Contents: decode the
        // leading TLV only, and check that only zeros follow it.
        let mut reader = der::SliceReader::new(contents).unwrap();
        let ci = ContentInfo::decode(&mut reader)
            .unwrap_or_else(|e| panic!("{} {}: CMS: {e}", doc.name, s.field));
        let der_len = u32::from(reader.position()) as usize;
        assert!(
            contents[der_len..].iter().all(|&b| b == 0),
            "{} {}: padding",
            doc.name,
            s.field
        );
        let sd: SignedData = ci.content.decode_as().unwrap();
        let si = sd.signer_infos.0.get(0).unwrap();
        if s.subfilter == "ETSI.RFC3161" {
            // A document timestamp: the token's imprint is the digest of the byte range.
            let tst = tst_info(&sd);
            let imprint_ok = tst.message_imprint.hashed_message.as_bytes() == actual.as_ref();
            assert_eq!(
                imprint_ok,
                s.sub_indication != Some(SubIndication::HashFailure),
                "{} {}: document timestamp imprint",
                doc.name,
                s.field
            );
            assert!(
                token_verifies(&sd),
                "{} {}: TSA signature",
                doc.name,
                s.field
            );
            assert!(doc.ltv, "{}: document timestamp without ltv", doc.name);
            assert!(s.covers_whole_file && s.timestamp.is_none());
            assert_eq!(s.modifications, Modifications::None);
            worst = worst.max(s.indication.into());
            continue;
        }
        // The signature timestamp, if any: its imprint is the digest of the signature value
        // (wrong only in the forged case), its genTime the manifest's.
        match (signature_timestamp(si), &s.timestamp) {
            (None, None) => {}
            (Some(token), Some(when)) => {
                let tst = tst_info(&token);
                assert_eq!(
                    tst.gen_time.to_date_time().to_string(),
                    *when,
                    "{} {}",
                    doc.name,
                    s.field
                );
                let want = ring::digest::digest(&ring::digest::SHA256, si.signature.as_bytes());
                let imprint_ok = tst.message_imprint.hashed_message.as_bytes() == want.as_ref();
                let forged = doc.case == "forged_signature_timestamp"
                    && s.sub_indication == Some(SubIndication::RevokedNoPoe);
                assert_eq!(imprint_ok, !forged, "{} {}: imprint", doc.name, s.field);
                assert!(
                    token_verifies(&token),
                    "{} {}: TSA signature",
                    doc.name,
                    s.field
                );
            }
            (token, when) => panic!(
                "{} {}: timestamp token {} but manifest says {when:?}",
                doc.name,
                s.field,
                token.is_some()
            ),
        }
        let attrs = si.signed_attrs.as_ref().unwrap();
        let md = attrs
            .iter()
            .find(|a| a.oid == const_oid::db::rfc5911::ID_MESSAGE_DIGEST)
            .unwrap()
            .values
            .get(0)
            .unwrap()
            .decode_as::<der::asn1::OctetString>()
            .unwrap();
        let hash_ok = md.as_bytes() == actual.as_ref();
        let SignerIdentifier::IssuerAndSerialNumber(isn) = &si.sid else {
            panic!("sid")
        };
        let cert = sd
            .certificates
            .as_ref()
            .unwrap()
            .0
            .iter()
            .find_map(|c| match c {
                cms::cert::CertificateChoices::Certificate(c)
                    if c.tbs_certificate.serial_number == isn.serial_number
                        && c.tbs_certificate.issuer == isn.issuer =>
                {
                    Some(c.clone())
                }
                _ => None,
            });

        match s.sub_indication {
            Some(SubIndication::HashFailure) => {
                assert!(!hash_ok, "{} {}: hash should differ", doc.name, s.field)
            }
            _ => assert!(hash_ok, "{} {}: hash should match", doc.name, s.field),
        }
        match (&cert, s.sub_indication) {
            (None, Some(SubIndication::NoSigningCertificateFound)) => {}
            (None, _) => panic!("{} {}: signer certificate missing", doc.name, s.field),
            (Some(_), Some(SubIndication::NoSigningCertificateFound)) => {
                panic!("{} {}: signer certificate present", doc.name, s.field)
            }
            (Some(cert), sub) => {
                let ok = verify_signature(
                    cert,
                    &s.digest,
                    &attrs.to_der().unwrap(),
                    si.signature.as_bytes(),
                );
                // Over the signed attributes the signature verifies unless its value is bad: a
                // changed document byte or a wrong message-digest attribute is a hash failure.
                assert_eq!(
                    ok,
                    sub != Some(SubIndication::SigCryptoFailure),
                    "{} {}: signature verification",
                    doc.name,
                    s.field
                );
                let named: x509_cert::name::Name = s.signer.parse().unwrap();
                assert_eq!(
                    cert.tbs_certificate.subject, named,
                    "{} {}: signer",
                    doc.name, s.field
                );
                let validity = &cert.tbs_certificate.validity;
                let vt = 1_782_864_000u64; // 2026-07-01T00:00:00Z
                assert_eq!(doc.validation_time, "2026-07-01T00:00:00Z");
                let in_validity = validity.not_before.to_unix_duration().as_secs() <= vt
                    && vt <= validity.not_after.to_unix_duration().as_secs();
                assert_eq!(
                    in_validity,
                    sub != Some(SubIndication::OutOfBoundsNoPoe),
                    "{} {}",
                    doc.name,
                    s.field
                );
                // The generated CRLs list every revoked signer certificate: those revoked in
                // 2024 (revoked_signer, revoked_signer_timestamped and ocsp_revoked_signer,
                // whose DSS also carries the CRL next to the OCSP response saying revoked) and
                // the late-revoked ones (revoked_after_timestamp, whose timestamp makes the
                // signature stand, and forged_signature_timestamp). No other signer is listed.
                let listed = revoked.contains(cert.tbs_certificate.serial_number.as_bytes());
                if matches!(
                    sub,
                    Some(SubIndication::RevokedNoPoe | SubIndication::Revoked)
                ) {
                    assert!(
                        listed,
                        "{} {}: {sub:?} but the signer is not on its CA's CRL",
                        doc.name, s.field
                    );
                } else {
                    assert!(
                        !listed || doc.case == "revoked_after_timestamp",
                        "{} {}: {sub:?} but the signer is on its CA's CRL",
                        doc.name,
                        s.field
                    );
                }
                on_crl += usize::from(listed);
            }
        }
        if let Some(sub) = s.sub_indication {
            assert_ne!(s.indication, Indication::TotalPassed);
            assert_eq!(sub.indication(), s.indication);
        }
        let expected_mods =
            if update_attack(&doc.case).is_some() || damaged == Some("signature_wrapping") {
                Modifications::Forbidden
            } else if s.covers_whole_file {
                Modifications::None
            } else {
                Modifications::Permitted
            };
        assert_eq!(s.modifications, expected_mods, "{} {}", doc.name, s.field);
        worst = worst.max(s.indication.into());
    }
    assert_eq!(
        doc.ltv,
        doc.signatures.iter().any(|s| s.subfilter == "ETSI.RFC3161"),
        "{}",
        doc.name
    );
    let expected_status = if update_attack(&doc.case).is_some() {
        DocumentStatus::TotalFailed
    } else {
        worst
    };
    assert_eq!(doc.status, expected_status, "{}", doc.name);
    assert_eq!(
        doc.status == DocumentStatus::TotalPassed,
        matches!(
            doc.case.as_str(),
            "valid" | "revoked_after_timestamp" | "certified_valid"
        ),
        "{}",
        doc.name
    );
    assert!(
        doc.signatures.len() >= 6,
        "{}: at least six signatures",
        doc.name
    );
    // Revoked signers are on their CA's CRL, others are not: one signature per revocation case
    // (revoked_after_timestamp's passes, its timestamp predating the revocation).
    let revocation_case = matches!(
        doc.case.as_str(),
        "revoked_signer"
            | "forged_signature_timestamp"
            | "ocsp_revoked_signer"
            | "revoked_signer_timestamped"
            | "revoked_after_timestamp"
    );
    assert_eq!(
        on_crl,
        usize::from(revocation_case),
        "{}: signatures whose signer is on the CRL",
        doc.name
    );
    let revoked = doc
        .signatures
        .iter()
        .any(|s| s.sub_indication == Some(SubIndication::RevokedNoPoe));
    assert_eq!(
        revoked,
        matches!(
            doc.case.as_str(),
            "revoked_signer" | "forged_signature_timestamp" | "ocsp_revoked_signer"
        ),
        "{}",
        doc.name
    );
    let revoked_after_poe = doc
        .signatures
        .iter()
        .any(|s| s.sub_indication == Some(SubIndication::Revoked));
    assert_eq!(revoked_after_poe, doc.case == "revoked_signer_timestamped");
}

/// The TSTInfo of a time-stamp token's SignedData.
fn tst_info(sd: &SignedData) -> sigaudit_corpus::tsp::TstInfo {
    assert_eq!(
        sd.encap_content_info.econtent_type,
        sigaudit_corpus::tsp::ID_CT_TST_INFO
    );
    let econtent = sd.encap_content_info.econtent.as_ref().unwrap();
    let octets = econtent.decode_as::<der::asn1::OctetString>().unwrap();
    sigaudit_corpus::tsp::TstInfo::from_der(octets.as_bytes()).unwrap()
}

/// The signature timestamp token in a SignerInfo's unsigned attributes, if any.
fn signature_timestamp(si: &cms::signed_data::SignerInfo) -> Option<SignedData> {
    let attr = si
        .unsigned_attrs
        .as_ref()?
        .iter()
        .find(|a| a.oid == sigaudit_corpus::tsp::ID_AA_SIGNATURE_TIME_STAMP_TOKEN)?;
    let ci: ContentInfo = attr.values.get(0).unwrap().decode_as().unwrap();
    Some(ci.content.decode_as().unwrap())
}

/// Whether a token's SignerInfo verifies with the certificate it carries, and its
/// message-digest attribute is the digest of the TSTInfo.
fn token_verifies(sd: &SignedData) -> bool {
    let si = sd.signer_infos.0.get(0).unwrap();
    let attrs = si.signed_attrs.as_ref().unwrap();
    let md = attrs
        .iter()
        .find(|a| a.oid == const_oid::db::rfc5911::ID_MESSAGE_DIGEST)
        .unwrap()
        .values
        .get(0)
        .unwrap()
        .decode_as::<der::asn1::OctetString>()
        .unwrap();
    let econtent = sd.encap_content_info.econtent.as_ref().unwrap();
    let tst = econtent.decode_as::<der::asn1::OctetString>().unwrap();
    let digest = ring::digest::digest(&ring::digest::SHA256, tst.as_bytes());
    let Some(cms::cert::CertificateChoices::Certificate(cert)) =
        sd.certificates.as_ref().unwrap().0.get(0)
    else {
        return false;
    };
    md.as_bytes() == digest.as_ref()
        && verify_signature(
            cert,
            "sha256",
            &attrs.to_der().unwrap(),
            si.signature.as_bytes(),
        )
}

/// The serials listed on the issuing CAs' generated CRLs (`pki/crls`), fictitious filler
/// included.
fn revoked_serials(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for name in ["ca-personal", "ca-organisation"] {
        let der = std::fs::read(dir.join(format!("pki/crls/{name}.crl"))).unwrap();
        let crl = x509_cert::crl::CertificateList::from_der(&der).unwrap();
        for r in crl.tbs_cert_list.revoked_certificates.unwrap_or_default() {
            out.push(r.serial_number.as_bytes().to_vec());
        }
    }
    out
}

#[test]
fn every_label_of_a_mixed_corpus_is_true() {
    let dir = tempfile::tempdir().unwrap();
    let lines = common::generate_into(&common::config(
        dir.path(),
        120,
        2026,
        Profile::Mixed,
        "0,4K,100K",
    ));
    assert_eq!(lines, common::read_manifest(dir.path()));
    let revoked: HashSet<Vec<u8>> = revoked_serials(dir.path()).into_iter().collect();
    for doc in &lines {
        check_document(dir.path(), doc, &revoked);
    }
    // Every case occurs.
    for case in sigaudit_corpus::cases::Case::LABELLED {
        assert!(
            lines.iter().any(|d| d.case == case.name()),
            "no {} document",
            case.name()
        );
    }
    // The large CRLs hold thousands of serials.
    assert!(revoked_serials(dir.path()).len() > 9000);
}

#[test]
fn national_profile_is_mostly_valid_with_every_listed_negative() {
    let dir = tempfile::tempdir().unwrap();
    let lines = common::generate_into(&common::config(
        dir.path(),
        200,
        9,
        Profile::National,
        "mix",
    ));
    let valid = lines.iter().filter(|d| d.case == "valid").count();
    assert!((150..=195).contains(&valid), "{valid} valid of 200");
    for &case in sigaudit_corpus::cases::Case::NATIONAL_NEGATIVE {
        assert!(
            lines.iter().any(|d| d.case == case.name()),
            "no {} document",
            case.name()
        );
    }
    let revoked: HashSet<Vec<u8>> = revoked_serials(dir.path()).into_iter().collect();
    for doc in &lines {
        check_document(dir.path(), doc, &revoked);
    }
    let with_attachments = lines.iter().filter(|d| !d.attachments.is_empty()).count();
    assert!(
        with_attachments > 40,
        "{with_attachments} documents with attachments"
    );
    let xrefs: std::collections::BTreeSet<_> =
        lines.iter().filter_map(|d| d.xref.clone()).collect();
    assert_eq!(xrefs.len(), 3, "all cross-reference styles: {xrefs:?}");
}
