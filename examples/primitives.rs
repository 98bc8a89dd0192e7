//! The machine's own primitive rates, the inputs of the lower bound that `profiling/compare.py`
//! holds sigaudit to: SHA-256 throughput and RSA-2048 / ECDSA P-256 signature verifications per
//! second, on one core and on all of them at once, all through ring (sigaudit's own
//! cryptography); RSA-3072 and RSA-4096 too (the personal CA's and the root's keys, and some
//! signers'), which the per-profile bound prices.
//!
//! ```sh
//! cargo run --release --example primitives            # prints one JSON object
//! ```
//!
//! Each rate is the median of five timed rounds of about 0.3 s after a warm-up round.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use ring::signature::{self, UnparsedPublicKey};
use sigaudit_corpus::keys::{KeyKind, KeyStore, PrivateKey};

/// Runs `op` (which does `units` of work per call) for about `budget`, `rounds` times, and
/// returns the median rate in units per second.
fn rate(
    units: f64,
    budget: Duration,
    rounds: usize,
    op: &(dyn Fn() + Sync),
    threads: usize,
) -> f64 {
    // Calibrate: how many calls fit in the budget on one thread.
    let t = Instant::now();
    let mut calls = 0u64;
    while t.elapsed() < budget / 4 {
        op();
        calls += 1;
    }
    let per_round = (calls * 4).max(1);
    let mut rates: Vec<f64> = (0..rounds + 1)
        .map(|_| {
            let t = Instant::now();
            (0..threads).into_par_iter().for_each(|_| {
                for _ in 0..per_round {
                    op();
                }
            });
            units * (per_round * threads as u64) as f64 / t.elapsed().as_secs_f64()
        })
        .collect();
    rates.remove(0); // warm-up
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// A closure verifying one PKCS#1 v1.5 SHA-256 signature of `message` by a committed signer
/// key of `bits` bits (the CAs' keys are of the same sizes: root RSA-4096, personal CA
/// RSA-3072, organisation CA RSA-2048).
fn rsa_verifier(keys: &KeyStore, bits: u32, message: &'static [u8]) -> impl Fn() + Sync {
    let pair = keys
        .signers
        .iter()
        .find_map(|k| match k {
            PrivateKey::Rsa { pair, bits: b, .. } if *b == bits => Some(pair),
            _ => None,
        })
        .unwrap_or_else(|| panic!("an RSA-{bits} signer key"));
    let mut sig = vec![0u8; pair.public().modulus_len()];
    pair.sign(
        &signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        message,
        &mut sig,
    )
    .expect("RSA signature");
    let public = pair.public().as_ref().to_vec();
    move || {
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &public)
            .verify(message, &sig)
            .unwrap_or_else(|_| panic!("RSA-{bits} verifies"));
    }
}

fn main() {
    let keys = KeyStore::load().expect("the committed test keys");
    let message = b"the signed attributes of a CMS SignerInfo, about this long, give or take";

    let rsa2048 = rsa_verifier(&keys, 2048, message);
    let rsa3072 = rsa_verifier(&keys, 3072, message);
    let rsa4096 = rsa_verifier(&keys, 4096, message);

    let p256 = keys
        .signers
        .iter()
        .find(|k| k.kind() == KeyKind::P256)
        .expect("a P-256 signer key");
    let ec_sig =
        sigaudit_corpus::cms::sign_raw(p256, sigaudit_corpus::cms::DigestAlg::Sha256, message)
            .expect("P-256 signs");
    let ec_pub = sigaudit_corpus::pki::spki_of(p256)
        .expect("P-256 public key")
        .subject_public_key
        .raw_bytes()
        .to_vec();
    let ec_verify = || {
        UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, &ec_pub)
            .verify(message, &ec_sig)
            .expect("P-256 verifies");
    };

    const CHUNK: usize = 16 << 20;
    let data = vec![0x5au8; CHUNK];
    let sha = || {
        std::hint::black_box(ring::digest::digest(&ring::digest::SHA256, &data));
    };

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let budget = Duration::from_millis(300);
    let out = serde_json::json!({
        "cores": cores,
        "sha256_mb_per_s": rate(CHUNK as f64 / 1e6, budget, 5, &sha, 1),
        "sha256_mb_per_s_all_cores": rate(CHUNK as f64 / 1e6, budget, 5, &sha, cores),
        "rsa2048_verify_per_s": rate(1.0, budget, 5, &rsa2048, 1),
        "rsa2048_verify_per_s_all_cores": rate(1.0, budget, 5, &rsa2048, cores),
        "rsa3072_verify_per_s": rate(1.0, budget, 5, &rsa3072, 1),
        "rsa3072_verify_per_s_all_cores": rate(1.0, budget, 5, &rsa3072, cores),
        "rsa4096_verify_per_s": rate(1.0, budget, 5, &rsa4096, 1),
        "rsa4096_verify_per_s_all_cores": rate(1.0, budget, 5, &rsa4096, cores),
        "p256_verify_per_s": rate(1.0, budget, 5, &ec_verify, 1),
        "p256_verify_per_s_all_cores": rate(1.0, budget, 5, &ec_verify, cores),
    });
    println!("{out}");
}
