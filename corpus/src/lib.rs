//! sigaudit-corpus: a deterministic generator of signed PDF archives with their own test PKI.
//!
//! Same seed, same arguments ⇒ byte-identical output, whatever the number of threads: each
//! document is a function of its own seed (drawn from the corpus seed in a sequential planning
//! pass), the PKI is a function of the committed keys, and nothing reads the clock.
//!
//! ```text
//! DIR/docs/doc-NNNNNN.pdf        the documents
//! DIR/archive.tar                the same documents in one tar (with --tar)
//! DIR/pki/roots/*.pem            trust anchors
//! DIR/pki/intermediates/*.pem    issuing CAs
//! DIR/pki/crls/*.crl             DER CRLs, one per CA (served under the base URL's crls/)
//! DIR/pki/certs/*.cer            DER CA certificates (the caIssuers URLs' certs/)
//! DIR/pki/untrusted/*.pem        the rogue hierarchy (for reference; trust it and tests break)
//! DIR/pki/tsa/tsa.pem            the time-stamping authority (issued by the root; also certs/tsa.cer)
//! DIR/pki/www/                   the HTTP mirror of every CRL and caIssuers URL (see mirror)
//! DIR/manifest.jsonl             one line per document: the verdict a correct verifier gives
//! DIR/params.json                the modes and base URL the corpus was made with (Params)
//! DIR/docs/dossier-NNNN/*.pdf     `vn-policy` only: dossiers (a main document, two appendices)
//! DIR/pki/vn-*.pem, vn-policy.toml  `vn-policy` only: its own PKI and policy file (see vn)
//! ```
//!
//! # Corpora without revocation data, and their server
//!
//! `--revocation none` writes documents as real government ones are: no DSS, no document
//! timestamp, no CRL or OCSP response anywhere (signature timestamps stay); `--chain leaf`
//! puts only the signer's certificate in each signature's CMS (timestamp tokens keep the TSA's).
//! The defaults, `embedded` and `full`, are today's corpora byte for byte. A verifier then
//! fetches the issuing CA (caIssuers), CRLs (distribution points) or OCSP responses over HTTP:
//! [`mirror`] writes `DIR/pki/www`, the files at the paths the URLs name (`crls/{ca}.crl`,
//! `certs/{ca}.cer`, and `certs/ca-organisation.p7c`, a certs-only PKCS#7 no certificate
//! names), and `sigaudit-corpus serve DIR --listen 127.0.0.1:PORT [--latency MS] [--fail PCT]
//! [--fault timeout|truncated|garbage|wrong-issuer|stale-crl|http-500] [--log FILE]
//! [--for SECONDS]` ([`serve`]) serves the mirror and answers OCSP at `ocsp/{ca}` (POST, or
//! GET with the base64 request), on loopback only. Generate with
//! `--base-url http://127.0.0.1:PORT/` and serve on that port.
//!
//! The manifest's verdicts are those of a verifier that fetches from the served mirror (they
//! equal the offline ones: the mirror holds the same CRLs and certificates, and the OCSP
//! responder answers from those CRLs). `none` does not generate the two cases that are about
//! embedded validation data, `ocsp_revoked_signer` and `tampered_document_timestamp`
//! ([`modes`] says why every other case keeps its verdict); `params.json` records the modes and
//! the dropped cases.
#![warn(missing_docs)]

pub mod algorithms;
pub mod cases;
pub mod cms;
pub mod document;
pub mod keys;
pub mod manifest;
pub mod mirror;
pub mod modes;
pub mod ocsp;
pub mod pdf;
pub mod pki;
pub mod serve;
pub mod time;
pub mod tsp;
pub mod verdict;
pub mod vn;

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context as _, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use cases::{CasePicker, Profile};
use document::{Built, Plan};
pub use modes::{Chain, Modes, Revocation};

/// Attachment sizes: a fixed list (each document draws one) or the realistic default mix.
#[derive(Clone, Debug, PartialEq)]
pub enum Attachments {
    /// Each document gets one attachment whose size is drawn from the list (0 = none).
    List(Vec<u64>),
    /// 70 % none, 24 % 10–512 KiB, 5 % 0.5–4 MiB, 0.8 % 4–20 MiB, 0.2 % 20–50 MiB, and one
    /// document in five with an attachment carries a second small one: ≈ 0.3 MB of
    /// attachments per document, so 100,000 documents make tens of GB.
    Mix,
}

impl std::str::FromStr for Attachments {
    type Err = String;
    /// `mix`, or a comma-separated list of sizes with optional `K`, `M`, `G` (binary) suffixes.
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "mix" {
            return Ok(Attachments::Mix);
        }
        let sizes = s
            .split(',')
            .map(|part| {
                let part = part.trim();
                let (num, mul) = match part.chars().last() {
                    Some('K' | 'k') => (&part[..part.len() - 1], 1u64 << 10),
                    Some('M' | 'm') => (&part[..part.len() - 1], 1 << 20),
                    Some('G' | 'g') => (&part[..part.len() - 1], 1 << 30),
                    _ => (part, 1),
                };
                num.parse::<u64>()
                    .ok()
                    .and_then(|n| n.checked_mul(mul))
                    .filter(|&n| n <= 2 << 30)
                    .ok_or_else(|| {
                        format!("bad attachment size {part:?} (e.g. 0, 64K, 10M; at most 2G)")
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if sizes.is_empty() {
            return Err("empty attachment list".into());
        }
        Ok(Attachments::List(sizes))
    }
}

impl Attachments {
    fn draw(&self, rng: &mut ChaCha8Rng) -> Vec<u64> {
        match self {
            Attachments::List(sizes) => vec![sizes[rng.gen_range(0..sizes.len())]],
            Attachments::Mix => {
                const K: u64 = 1 << 10;
                const M: u64 = 1 << 20;
                let u: f64 = rng.gen_range(0.0..1.0);
                let main = if u < 0.70 {
                    0
                } else if u < 0.94 {
                    rng.gen_range(10 * K..512 * K)
                } else if u < 0.99 {
                    rng.gen_range(512 * K..4 * M)
                } else if u < 0.998 {
                    rng.gen_range(4 * M..20 * M)
                } else {
                    rng.gen_range(20 * M..50 * M)
                };
                if main > 0 && rng.gen_bool(0.2) {
                    vec![main, rng.gen_range(10 * K..200 * K)]
                } else {
                    vec![main]
                }
            }
        }
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Config {
    /// Output directory.
    pub out: PathBuf,
    /// Number of documents.
    pub docs: usize,
    /// Corpus seed.
    pub seed: u64,
    /// Which cases.
    pub profile: Profile,
    /// Attachment sizes.
    pub attachments: Attachments,
    /// Also write `archive.tar`.
    pub tar: bool,
    /// Write the documents only into `archive.tar`, never as files under `docs/` (archives
    /// larger than the disk could hold twice). Implies `tar`.
    pub tar_only: bool,
    /// Base URL of CRL distribution points, OCSP and caIssuers URLs.
    pub base_url: String,
    /// Distinct trusted signer certificates ([`keys::SIGNER_COUNT`] by default; more share
    /// the committed keys).
    pub signers: usize,
}

/// What was generated.
#[derive(Debug, Default)]
pub struct Summary {
    /// Documents written.
    pub documents: usize,
    /// Signatures in them.
    pub signatures: usize,
    /// Bytes of documents.
    pub bytes: u64,
    /// Documents per case.
    pub by_case: BTreeMap<String, usize>,
    /// Documents per expected status.
    pub by_status: BTreeMap<String, usize>,
    /// Wall time in seconds.
    pub seconds: f64,
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Plans every document: case, attachment sizes and the document's own seed.
pub fn plan(config: &Config) -> Vec<Plan> {
    plan_with(config, &Modes::default())
}

/// Plans every document under `modes`: the profile's cycle skips the cases `modes` does not
/// generate; every random draw is the same as [`plan`]'s.
pub fn plan_with(config: &Config, modes: &Modes) -> Vec<Plan> {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut picker = CasePicker::with_modes(config.profile, modes);
    (0..config.docs)
        .map(|index| {
            let case = picker.pick(rng.gen_range(0.0..1.0));
            let attachments = config.attachments.draw(&mut rng);
            Plan {
                index,
                seed: splitmix(config.seed ^ splitmix(index as u64)),
                case,
                attachments,
                extra_signatures: 0,
                fixed_shape: config.profile.fixed_shape(),
            }
        })
        .collect()
}

fn pem(label: &str, der: &[u8]) -> Result<String> {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der)
        .map_err(|e| anyhow::anyhow!("PEM: {e}"))
}

/// Writes the PKI files under `dir/pki`, and their HTTP mirror `dir/pki/www` (see
/// [`mirror::write`]).
pub fn write_pki(pki: &pki::Pki, dir: &Path) -> Result<()> {
    use pki::CaId;
    let base = dir.join("pki");
    for sub in [
        "roots",
        "intermediates",
        "crls",
        "certs",
        "untrusted",
        "tsa",
    ] {
        fs::create_dir_all(base.join(sub))?;
    }
    for (id, sub) in [
        (CaId::Root, "roots"),
        (CaId::Personal, "intermediates"),
        (CaId::Organisation, "intermediates"),
        (CaId::RogueRoot, "untrusted"),
        (CaId::RogueCa, "untrusted"),
    ] {
        let ca = pki.ca(id);
        fs::write(
            base.join(sub).join(format!("{}.pem", ca.name)),
            pem("CERTIFICATE", &ca.der)?,
        )?;
        fs::write(base.join("certs").join(format!("{}.cer", ca.name)), &ca.der)?;
        fs::write(base.join("crls").join(format!("{}.crl", ca.name)), &ca.crl)?;
    }
    let tsa = &pki.tsa;
    fs::write(
        base.join("tsa").join(format!("{}.pem", tsa.name)),
        pem("CERTIFICATE", &tsa.der)?,
    )?;
    fs::write(
        base.join("certs").join(format!("{}.cer", tsa.name)),
        &tsa.der,
    )?;
    mirror::write(pki, &base.join("www"))
}

/// SHA-256 of `data`, lower-case hex.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Documents built at once: bounds memory (a document is held whole while it is built) while
/// keeping every core busy.
const CHUNK: usize = 64;

/// Generates the corpus described by `config` with the default [`Modes`] (today's corpora);
/// `progress` is called with each manifest line.
pub fn generate(config: &Config, progress: impl FnMut(&manifest::Document)) -> Result<Summary> {
    generate_with(config, &Modes::default(), progress)
}

/// What `DIR/params.json` records: the arguments a corpus was made with that change what a
/// verifier meets, so that a test knows, e.g., that the corpus is `leaf`/`none`.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
pub struct Params {
    /// Number of documents.
    pub docs: usize,
    /// Corpus seed.
    pub seed: u64,
    /// The profile's command-line name.
    pub profile: String,
    /// Base URL of the certificates' CRL, OCSP and caIssuers URLs.
    pub base_url: String,
    /// What the documents embed of revocation and validation data (`embedded`, `none`).
    pub revocation: Revocation,
    /// What the signatures' CMS carries of the chain (`full`, `leaf`).
    pub chain: Chain,
    /// The cases the profile's cycle skipped under these modes (manifest case names).
    pub dropped_cases: Vec<String>,
    /// The instant at which the manifest's verdicts hold (RFC 3339).
    pub validation_time: String,
    /// The HTTP mirror of the CRL and caIssuers URLs, relative to the corpus directory.
    pub mirror: String,
    /// The OCSP URL paths under the base URL, `{ca}` standing for a CA's file stem.
    pub ocsp_path: String,
}

impl Params {
    /// The record of `config` under `modes`.
    pub fn of(config: &Config, modes: &Modes) -> Params {
        use clap::ValueEnum as _;
        Params {
            docs: config.docs,
            seed: config.seed,
            profile: config
                .profile
                .to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_string()),
            base_url: config.base_url.clone(),
            revocation: modes.revocation,
            chain: modes.chain,
            dropped_cases: modes
                .dropped_cases()
                .iter()
                .map(|c| c.name().to_string())
                .collect(),
            validation_time: time::rfc3339(time::VALIDATION_TIME),
            mirror: "pki/www".to_string(),
            ocsp_path: format!("{}{{ca}}", mirror::OCSP_PREFIX),
        }
    }
}

/// Generates the corpus described by `config` under `modes` (the documents' embedded
/// revocation data and chains), and writes `DIR/params.json`; `progress` is called with each
/// manifest line.
pub fn generate_with(
    config: &Config,
    modes: &Modes,
    mut progress: impl FnMut(&manifest::Document),
) -> Result<Summary> {
    let started = Instant::now();
    if config.docs == 0 {
        bail!("--docs must be at least 1");
    }
    let out = &config.out;
    clear(out)?;

    let keys = keys::KeyStore::load()?;
    let pki = pki::Pki::build_with_signers(&keys, &config.base_url, config.signers)?;
    write_pki(&pki, out)?;
    let params = serde_json::to_string_pretty(&Params::of(config, modes))?;
    fs::write(out.join("params.json"), params + "\n")?;
    let ctx = document::Context {
        keys: &keys,
        pki: &pki,
    };
    // The `algorithms` profile's signers (keys of every kind and their certificates), made
    // once per corpus and only for that profile.
    let algorithm_signers = match config.profile {
        Profile::Algorithms => Some(algorithms::Signers::build(&keys, &pki, &config.base_url)?),
        _ => None,
    };
    // The `vn-policy` profile's own PKI, beside the corpus' (which every corpus writes).
    let vn_pki = match config.profile {
        Profile::VnPolicy => {
            let vn_pki = vn::pki::VnPki::build(&keys, &config.base_url)?;
            vn::write_pki(&vn_pki, out)?;
            Some(vn_pki)
        }
        _ => None,
    };
    let extra = Extra {
        algorithm_signers: algorithm_signers.as_ref(),
        vn_pki: vn_pki.as_ref(),
    };

    let plans = plan_with(config, modes);
    let mut manifest =
        BufWriter::new(fs::File::create(out.join("manifest.jsonl")).context("manifest.jsonl")?);
    // With `tar_only`, each chunk's documents are appended to the archive in corpus order as
    // soon as the chunk is built; otherwise they are written as files and archived at the end.
    let mut streamed = match config.tar_only {
        true => Some(tar::Builder::new(BufWriter::with_capacity(
            1 << 20,
            fs::File::create(out.join("archive.tar"))?,
        ))),
        false => None,
    };
    let mut summary = Summary::default();
    let mut names = Vec::with_capacity(plans.len());
    for chunk in plans.chunks(CHUNK) {
        let built = chunk
            .par_iter()
            .map(|p| build_document(&ctx, &extra, p, modes, config))
            .collect::<Result<Vec<_>>>()?;
        for (line, bytes) in built.into_iter().flatten() {
            names.push(line.name.clone());
            if let (Some(tar), Some(bytes)) = (streamed.as_mut(), bytes) {
                append_tar(tar, &line.name, bytes.len() as u64, &bytes[..])?;
            }
            serde_json::to_writer(&mut manifest, &line)?;
            manifest.write_all(b"\n")?;
            summary.documents += 1;
            summary.signatures += line.signatures.len();
            summary.bytes += line.bytes;
            *summary.by_case.entry(line.case.clone()).or_default() += 1;
            *summary
                .by_status
                .entry(line.status.to_string())
                .or_default() += 1;
            progress(&line);
        }
    }
    manifest.flush()?;
    if let Some(tar) = streamed {
        tar.into_inner()?.flush()?;
        fs::remove_dir(out.join("docs"))?;
    } else if config.tar {
        write_tar(out, &names)?;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Removes what an earlier generation left in `out` (its docs/, pki/, manifest, archive and
/// parameters) and makes `out/docs`.
fn clear(out: &Path) -> Result<()> {
    fs::create_dir_all(out)?;
    for stale in ["docs", "pki"] {
        if out.join(stale).exists() {
            fs::remove_dir_all(out.join(stale))?;
        }
    }
    for stale in ["manifest.jsonl", "archive.tar", "params.json"] {
        if out.join(stale).exists() {
            fs::remove_file(out.join(stale))?;
        }
    }
    fs::create_dir_all(out.join("docs"))?;
    Ok(())
}

/// What some profiles build once per corpus.
struct Extra<'a> {
    /// The `algorithms` profile's signers.
    algorithm_signers: Option<&'a algorithms::Signers>,
    /// The `vn-policy` profile's PKI.
    vn_pki: Option<&'a vn::pki::VnPki>,
}

/// Builds document `p` and its manifest line (with its size and hash); writes it under
/// `docs/`, or returns its bytes with `tar_only`. A `vn-policy` dossier is three files (in a
/// sub-directory of `docs/`), every other plan one.
fn build_document(
    ctx: &document::Context<'_>,
    extra: &Extra<'_>,
    p: &Plan,
    modes: &Modes,
    config: &Config,
) -> Result<Vec<(manifest::Document, Option<Vec<u8>>)>> {
    let built = if p.case.is_unreadable() {
        vec![document::build_unreadable(p)]
    } else if let Some(signers) = extra.algorithm_signers {
        vec![algorithms::build_with(ctx, signers, p, modes)
            .with_context(|| format!("document {}", p.index))?]
    } else if let Some(vn_pki) = extra.vn_pki {
        vn::build(vn_pki, p, modes).with_context(|| format!("document {}", p.index))?
    } else {
        vec![document::build_with(ctx, p, modes).with_context(|| format!("document {}", p.index))?]
    };
    let mut out = Vec::with_capacity(built.len());
    for Built {
        bytes,
        mut manifest,
    } in built
    {
        manifest.bytes = bytes.len() as u64;
        manifest.sha256 = sha256_hex(&bytes);
        if config.tar_only {
            out.push((manifest, Some(bytes)));
            continue;
        }
        let path = config.out.join(&manifest.name);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(&path, &bytes).with_context(|| format!("writing {}", manifest.name))?;
        out.push((manifest, None));
    }
    Ok(out)
}

/// Writes `archive.tar` with the documents in corpus order and fixed metadata (mode 0644,
/// mtime 0, uid/gid 0), so it is as deterministic as the documents.
fn write_tar(out: &Path, names: &[String]) -> Result<()> {
    let file = BufWriter::with_capacity(1 << 20, fs::File::create(out.join("archive.tar"))?);
    let mut tar = tar::Builder::new(file);
    for name in names {
        let f = fs::File::open(out.join(name))?;
        append_tar(&mut tar, name, f.metadata()?.len(), f)?;
    }
    tar.into_inner()?.flush()?;
    Ok(())
}

/// Appends one document with the corpus' fixed metadata.
fn append_tar<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    size: u64,
    data: impl std::io::Read,
) -> Result<()> {
    let mut header = tar::Header::new_ustar();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    header.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut header, name, data)?;
    Ok(())
}
