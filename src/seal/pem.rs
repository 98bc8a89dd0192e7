//! PEM (RFC 7468) as keys and certificates are handed over: the DER inside the labelled
//! blocks, with the pre-RFC 7468 header lines (`Proc-Type:`, `DEK-Info:`) told apart so that
//! an encrypted legacy key is named as such.

use base64ct::{Base64, Encoding};

/// One block: its label (`PRIVATE KEY`, `CERTIFICATE`, …), whether its headers say it is
/// encrypted (`Proc-Type: 4,ENCRYPTED`), and the decoded DER.
pub struct Block {
    /// The label between `-----BEGIN ` and `-----`.
    pub label: String,
    /// Whether a `Proc-Type: 4,ENCRYPTED` header precedes the base64 text.
    pub encrypted: bool,
    /// The decoded contents.
    pub der: Vec<u8>,
}

/// Whether `bytes` looks like PEM text (holds a `-----BEGIN ` line).
pub fn is_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Every block of the PEM text `bytes`, in order; text outside the blocks is ignored (as
/// OpenSSL writes explanatory text before a certificate). A block without its END line, or
/// whose base64 does not decode, is an error naming its label.
pub fn blocks(bytes: &[u8]) -> Result<Vec<Block>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "PEM text is not UTF-8".to_string())?;
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(label) = line
            .trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        let mut encrypted = false;
        let mut closed = false;
        for line in lines.by_ref() {
            let line = line.trim();
            if line == end {
                closed = true;
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                encrypted |= name.trim() == "Proc-Type" && value.contains("ENCRYPTED");
                continue;
            }
            body.push_str(line);
        }
        if !closed {
            return Err(format!("PEM block {label} has no END line"));
        }
        let der = Base64::decode_vec(&body).map_err(|e| format!("PEM block {label}: {e}"))?;
        out.push(Block {
            label: label.to_string(),
            encrypted,
            der,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_blocks_skips_text_and_flags_legacy_encryption() {
        let text = b"subject=CN=x\n-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n\
-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAEC\nAw==\n-----END RSA PRIVATE KEY-----\n";
        assert!(is_pem(text));
        let b = blocks(text).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].label, "EC PARAMETERS");
        assert!(!b[0].encrypted);
        assert_eq!(b[0].der[0], 6);
        assert_eq!(b[1].label, "RSA PRIVATE KEY");
        assert!(b[1].encrypted);
        assert_eq!(b[1].der, [0, 1, 2, 3]);
    }

    #[test]
    fn refuses_unterminated_and_bad_base64() {
        assert!(blocks(b"-----BEGIN CERTIFICATE-----\nAAAA\n").is_err());
        assert!(blocks(b"-----BEGIN CERTIFICATE-----\nA*AA\n-----END CERTIFICATE-----\n").is_err());
        assert!(!is_pem(&[0x30, 0x82, 1, 0]));
    }
}
