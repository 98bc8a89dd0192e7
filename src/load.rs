//! Trust material from files: what the command line's `--trust`, `--certs`, `--crl` and
//! `--ocsp` name, read into a [`VerifierBuilder`]. The library itself takes bytes; this is the
//! small helper for callers whose material lives in files and directories.
//!
//! ```
//! use sigaudit::load::TrustMaterial;
//! use sigaudit::ValidationTime;
//!
//! let material = TrustMaterial::read(
//!     &["corpus/sample/pki/roots"],
//!     &["corpus/sample/pki/intermediates"],
//!     &["corpus/sample/pki/crls"],
//!     &[] as &[&str],
//! )
//! .unwrap();
//! let verifier = material
//!     .builder()
//!     .validation_time(ValidationTime::from_unix(1_782_864_000))
//!     .build()
//!     .map_err(|e| material.explain(&e))
//!     .unwrap();
//! assert_eq!(verifier.validation_time().to_string(), "2026-07-01T00:00:00Z");
//! ```

use std::path::Path;

use crate::asn1::hex;
use crate::pki::cert::fingerprint;
use crate::validate::{BuildError, Material, VerifierBuilder};

/// One file's bytes and its name as given (for messages).
#[derive(Clone, Debug)]
pub struct File {
    /// The path, as displayed.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Reads files, and the files of directories (sorted by name; hidden entries and
/// subdirectories are skipped). An unreadable path is an error naming it.
pub fn files(paths: &[impl AsRef<Path>]) -> Result<Vec<File>, String> {
    let mut names = Vec::new();
    for p in paths {
        let p = p.as_ref();
        if p.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(p)
                .map_err(|e| format!("{}: {e}", p.display()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|e| e.is_file())
                .filter(|e| {
                    !e.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect();
            entries.sort();
            names.extend(entries);
        } else {
            names.push(p.to_path_buf());
        }
    }
    names
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
            Ok(File {
                name: f.display().to_string(),
                bytes,
            })
        })
        .collect()
}

/// The files of a run's trust material, by role.
#[derive(Clone, Debug, Default)]
pub struct TrustMaterial {
    /// Trust anchors.
    pub anchors: Vec<File>,
    /// Intermediate certificates.
    pub intermediates: Vec<File>,
    /// CRLs.
    pub crls: Vec<File>,
    /// OCSP responses.
    pub ocsps: Vec<File>,
}

impl TrustMaterial {
    /// Each role's files named by content, for a run's record (`--shard`'s header): the
    /// count and the SHA-256 over their SHA-256s sorted (the same files under other paths or
    /// in another order are the same material), or `none`. Roles: `trust`, `certs`, `crl`,
    /// `ocsp`, as the command line names them.
    pub fn digests(&self) -> [(&'static str, String); 4] {
        let digest = |files: &[File]| {
            if files.is_empty() {
                return "none".to_string();
            }
            let mut each: Vec<[u8; 32]> = files.iter().map(|f| fingerprint(&f.bytes)).collect();
            each.sort();
            let all = fingerprint(&each.concat());
            format!("{} files, sha256:{}", files.len(), hex(&all))
        };
        [
            ("trust", digest(&self.anchors)),
            ("certs", digest(&self.intermediates)),
            ("crl", digest(&self.crls)),
            ("ocsp", digest(&self.ocsps)),
        ]
    }

    /// Reads the files and directories of each role (PEM or DER).
    pub fn read(
        anchors: &[impl AsRef<Path>],
        intermediates: &[impl AsRef<Path>],
        crls: &[impl AsRef<Path>],
        ocsps: &[impl AsRef<Path>],
    ) -> Result<TrustMaterial, String> {
        Ok(TrustMaterial {
            anchors: files(anchors)?,
            intermediates: files(intermediates)?,
            crls: files(crls)?,
            ocsps: files(ocsps)?,
        })
    }

    /// A builder holding the material (the validation time and the rest still to be set).
    pub fn builder(&self) -> VerifierBuilder {
        let bytes = |v: &[File]| v.iter().map(|f| f.bytes.clone()).collect::<Vec<_>>();
        crate::Verifier::builder()
            .trust_anchors(bytes(&self.anchors))
            .intermediates(bytes(&self.intermediates))
            .crls(bytes(&self.crls))
            .ocsp_responses(bytes(&self.ocsps))
    }

    /// A build error in terms of the files: the file's name and what is wrong with it.
    pub fn explain(&self, e: &BuildError) -> String {
        match e {
            BuildError::Material {
                kind,
                index,
                reason,
            } => {
                let list = match kind {
                    Material::TrustAnchor => &self.anchors,
                    Material::Intermediate => &self.intermediates,
                    Material::Crl => &self.crls,
                    Material::OcspResponse => &self.ocsps,
                };
                match list.get(*index) {
                    Some(f) => format!("{}: {reason}", f.name),
                    None => e.to_string(),
                }
            }
            other => other.to_string(),
        }
    }
}
