//! PEM (RFC 7468) as trust material comes: the DER inside labelled blocks.

/// The DER objects `bytes` holds: the payloads of its `-----BEGIN {label}-----` blocks when it
/// is PEM text (blocks with other labels skipped), or `bytes` itself when it is not. An
/// unreadable block, or PEM text without a block labelled `label`, is an error saying so.
pub fn der_objects(bytes: &[u8], label: &str) -> Result<Vec<Vec<u8>>, String> {
    if memchr::memmem::find(bytes, b"-----BEGIN").is_none() {
        return Ok(vec![bytes.to_vec()]);
    }
    let mut out = Vec::new();
    for pem in x509_parser::pem::Pem::iter_from_buffer(bytes) {
        let pem = pem.map_err(|e| format!("PEM: {e}"))?;
        if pem.label == label {
            out.push(pem.contents);
        }
    }
    if out.is_empty() {
        return Err(format!("no PEM block labelled {label}"));
    }
    Ok(out)
}
