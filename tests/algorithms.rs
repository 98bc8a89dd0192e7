//! Every key and algorithm real signers use, against an independent oracle: python-cryptography
//! (OpenSSL) makes each signature and checks it before `tests/oracle/algorithms.py` writes it,
//! and sigaudit must verify it — RSA of 512 to 4096 bits with every SHA-2 and SHA-3 hash, PSS
//! with any hash, mask-generation hash and salt, a modulus that is not DER, a signature value
//! shorter than the modulus, ECDSA on P-256/P-384/P-521 and the brainpool curves with every
//! hash, plain and non-DER ECDSA values, Ed25519 and Ed448 — and must call each negative twin
//! (one bit flipped) invalid. brainpoolP512r1 is unsupported (said so, never invalid), and an
//! ECDSA algorithm named for an RSA key is a contradiction.
//!
//! Needs python3 with the `cryptography` package (a dependency of pyHanko, which `.ci/run`
//! installs) and `openssl`; without them a visible skip, except under CI.

mod common;

use std::process::Command;

use sigaudit::internals::asn1::Tlv;
use sigaudit::internals::cms::AlgorithmIdentifier;
use sigaudit::internals::crypto::{self, DigestAlgorithm, PublicKey, VerifyError};

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The oracle's lines, or `None` after a visible skip (a failure under CI).
fn oracle() -> Option<Vec<serde_json::Value>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle/algorithms.py");
    let out = Command::new("python3").arg(script).output();
    match out {
        Ok(o) if o.status.success() => Some(
            String::from_utf8(o.stdout)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
        ),
        Ok(o) => common::cannot_run(
            "the algorithm oracle (python3 with cryptography, openssl)",
            &String::from_utf8_lossy(&o.stderr),
        ),
        Err(e) => common::cannot_run("the algorithm oracle (python3)", &e.to_string()),
    }
}

#[test]
fn every_key_and_algorithm_real_signers_use_verifies_and_its_twin_does_not() {
    let Some(lines) = oracle() else { return };
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    let mut failures = Vec::new();
    for l in &lines {
        let case = l["case"].as_str().unwrap();
        let key = PublicKey::from_spki(&unhex(l["spki"].as_str().unwrap()))
            .unwrap_or_else(|e| panic!("{case}: key: {e}"));
        let alg_der = unhex(l["alg"].as_str().unwrap());
        let alg = AlgorithmIdentifier::from_tlv(Tlv::parse_whole(&alg_der).unwrap()).unwrap();
        let digest = l["digest"]
            .as_str()
            .map(|o| DigestAlgorithm::from_dotted(o).unwrap_or_else(|| panic!("{case}: {o}")));
        let message = unhex(l["message"].as_str().unwrap());
        let signature = unhex(l["signature"].as_str().unwrap());
        let got = crypto::verify(&key, &alg, digest, &message, &signature);
        let expect = l["expect"].as_str().unwrap();
        *counts.entry(expect).or_default() += 1;
        let ok = match (expect, &got) {
            ("valid", Ok(v)) => l["note"]
                .as_str()
                .is_none_or(|n| v.notes.iter().chain(&key.defects).any(|x| x.contains(n))),
            ("invalid", Err(VerifyError::Invalid)) => true,
            ("unsupported", Err(VerifyError::Unsupported(_))) => true,
            ("mismatch", Err(VerifyError::Mismatch(_))) => true,
            _ => false,
        };
        if !ok {
            failures.push(format!("{case}: expected {expect}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("{counts:?}");
    assert!(
        counts["valid"] >= 40 && counts["invalid"] >= 35,
        "{counts:?}"
    );
}
