//! The bundled sample corpus (`corpus/sample/`) is exactly what the generator makes with the
//! arguments the README gives, so the README's main command reproduces it byte for byte.

mod common;

use std::path::Path;

use sigaudit_corpus::cases::Profile;

/// The arguments of the README's main command.
const DOCS: usize = 32;
const SEED: u64 = 2026;
const ATTACHMENTS: &str = "0,32K";

#[test]
fn bundled_sample_is_reproduced_byte_for_byte() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample");
    let dir = tempfile::tempdir().unwrap();
    let lines = common::generate_into(&common::config(
        dir.path(),
        DOCS,
        SEED,
        Profile::Mixed,
        ATTACHMENTS,
    ));
    assert_eq!(lines.len(), DOCS);
    common::assert_same_tree(dir.path(), &sample);
}
