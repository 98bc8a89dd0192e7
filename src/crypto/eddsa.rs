//! EdDSA (RFC 8032; in CMS, RFC 8419): Ed25519 through ring, Ed448 through RustCrypto's
//! ed448-goldilocks (pure EdDSA, empty context).

use ring::signature::{UnparsedPublicKey, ED25519};

use super::VerifyError;

/// Verifies an Ed25519 signature over `message`.
pub(super) fn verify_ed25519(
    key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    UnparsedPublicKey::new(&ED25519, key)
        .verify(message, signature)
        .map_err(|_| VerifyError::Invalid)
}

/// Verifies an Ed448 signature over `message`.
pub(super) fn verify_ed448(
    key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    let point: &[u8; ed448_goldilocks::PUBLIC_KEY_LENGTH] = key
        .try_into()
        .map_err(|_| VerifyError::Unsupported("an Ed448 key that is not 57 bytes".into()))?;
    let vk = ed448_goldilocks::VerifyingKey::from_bytes(point)
        .map_err(|_| VerifyError::Unsupported("an Ed448 key not on the curve".into()))?;
    let sig =
        ed448_goldilocks::Signature::from_slice(signature).map_err(|_| VerifyError::Invalid)?;
    vk.verify_raw(&sig, message)
        .map_err(|_| VerifyError::Invalid)
}
