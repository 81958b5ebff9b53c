//! ChaCha20-Poly1305 (RFC 8439) with full 16-byte tags, and XChaCha20-Poly1305
//! for random nonces (sealed storage).

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, XChaCha20Poly1305};
use zeroize::Zeroizing;

/// Tag length appended to every ciphertext.
pub(crate) const TAG_LEN: usize = 16;
/// ChaCha20-Poly1305 nonce length.
pub(crate) const NONCE_LEN: usize = 12;
/// XChaCha20-Poly1305 nonce length.
pub(crate) const XNONCE_LEN: usize = 24;

/// The AEAD rejected the input: wrong key, wrong associated data or a
/// modified ciphertext. Carries no detail on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AeadError;

/// Encrypts `plaintext`; returns ciphertext followed by the tag.
pub(crate) fn seal(key: &[u8; 32], nonce: &[u8; NONCE_LEN], ad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = ChaCha20Poly1305::new(key.into());
    // Encryption with a 32-byte key and a 12-byte nonce fails only for inputs
    // over 256 GiB, which every caller's size cap rules out long before.
    cipher
        .encrypt(nonce.into(), Payload { msg: plaintext, aad: ad })
        .unwrap_or_default()
}

/// Decrypts and authenticates. On failure no plaintext is returned or left
/// anywhere: the tag is checked before any keystream is applied, and the
/// output buffer is zeroized on drop.
pub(crate) fn open(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    ad: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, AeadError> {
    if ciphertext.len() < TAG_LEN {
        return Err(AeadError);
    }
    let cipher = ChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(nonce.into(), Payload { msg: ciphertext, aad: ad })
        .map(Zeroizing::new)
        .map_err(|_| AeadError)
}

/// XChaCha20-Poly1305 seal (24-byte random nonces are safe to pick at random).
pub(crate) fn xseal(key: &[u8; 32], nonce: &[u8; XNONCE_LEN], ad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .encrypt(nonce.into(), Payload { msg: plaintext, aad: ad })
        .unwrap_or_default()
}

/// XChaCha20-Poly1305 open.
pub(crate) fn xopen(
    key: &[u8; 32],
    nonce: &[u8; XNONCE_LEN],
    ad: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, AeadError> {
    if ciphertext.len() < TAG_LEN {
        return Err(AeadError);
    }
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(nonce.into(), Payload { msg: ciphertext, aad: ad })
        .map(Zeroizing::new)
        .map_err(|_| AeadError)
}
