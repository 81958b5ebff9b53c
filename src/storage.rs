//! Sealed state at rest (SPEC.md §8.2): any serialized vestnik state can be
//! encrypted under a caller's 32-byte storage key with XChaCha20-Poly1305.
//! XChaCha's 24-byte nonce is safe to draw at random for every save, which
//! ChaCha20-Poly1305's 12-byte nonce is not over a device's lifetime. The
//! associated data binds the label, the sealed blob's format and the format
//! of its content, so a sealed identity cannot be loaded as sessions.
//!
//! ```
//! use vestnik::storage::{StorageKey, seal, unseal};
//! let mut rng = rand::rng();
//! let key = StorageKey::generate(&mut rng);
//! let alice = vestnik::DeviceIdentity::generate(&mut rng);
//! let sealed = seal(&key, vestnik::wire::format::STATE_IDENTITY, &alice.to_bytes(), &mut rng);
//! let opened = unseal(&key, vestnik::wire::format::STATE_IDENTITY, &sealed)?;
//! let back = vestnik::DeviceIdentity::from_bytes(&opened)?;
//! assert_eq!(back.public(), alice.public());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::crypto::{Secret32, aead};
use crate::labels;
use crate::limits::MAX_STATE_LEN;
use crate::wire::{self, DecodeError, format, state as st};
use core::fmt;
use prost::Message;
use zeroize::{ZeroizeOnDrop, Zeroizing};

/// A 32-byte storage key, zeroized on drop, never printed.
#[derive(ZeroizeOnDrop)]
pub struct StorageKey(Secret32);

impl StorageKey {
    /// Wraps the app's key, as read back from a platform keystore (Android
    /// Keystore, the iOS keychain, ...) or derived by the app. The argument is
    /// a copy: the caller wipes its own buffer (a [`Zeroizing`] one, say).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Secret32::new(bytes))
    }

    /// The 32 key bytes, for a platform keystore: the one way to keep a
    /// [`Self::generate`]d key across restarts. The copy is wiped on drop;
    /// never log or transmit it.
    ///
    /// ```
    /// use vestnik::storage::StorageKey;
    /// let key = StorageKey::generate(&mut rand::rng());
    /// let exported = key.to_bytes(); // hand to the keystore
    /// let again = StorageKey::from_bytes(*exported);
    /// # assert_eq!(*again.to_bytes(), *exported);
    /// ```
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(*self.0.as_bytes())
    }

    /// A fresh random key.
    pub fn generate<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self(Secret32::random(rng))
    }
}

impl fmt::Debug for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StorageKey(..)")
    }
}

/// Why a sealed blob did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The blob does not decode.
    #[error("sealed state does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// The blob holds another kind of state than the one asked for.
    #[error("sealed state holds format {found:#06x}, expected {expected:#06x}")]
    WrongContent {
        /// Content format found.
        found: u32,
        /// Content format expected.
        expected: u32,
    },
    /// Wrong key, or the blob was modified.
    #[error("sealed state does not authenticate")]
    Authentication,
}

fn associated_data(content_format: u32) -> Vec<u8> {
    let mut ad = labels::AD_SEALED_STATE.as_bytes().to_vec();
    ad.extend_from_slice(&format::STATE_SEALED.to_be_bytes());
    ad.extend_from_slice(&content_format.to_be_bytes());
    ad
}

/// Seals serialized state of format `content_format` (a constant from
/// [`crate::wire::format`]).
pub fn seal<R: rand_core::CryptoRng + ?Sized>(
    key: &StorageKey,
    content_format: u32,
    plaintext: &[u8],
    rng: &mut R,
) -> Vec<u8> {
    let mut nonce = [0u8; aead::XNONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let ciphertext = aead::xseal(key.0.as_bytes(), &nonce, &associated_data(content_format), plaintext);
    st::SealedState { format: format::STATE_SEALED, content_format, nonce: nonce.to_vec(), ciphertext }.encode_to_vec()
}

/// Opens a blob from [`seal`], checking it holds `content_format`.
pub fn unseal(key: &StorageKey, content_format: u32, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, StorageError> {
    let s: st::SealedState = wire::decode_strict(sealed, MAX_STATE_LEN.saturating_add(64))?;
    wire::check_format(s.format, format::STATE_SEALED)?;
    if s.content_format != content_format {
        return Err(StorageError::WrongContent { found: s.content_format, expected: content_format });
    }
    let nonce = wire::fixed::<{ aead::XNONCE_LEN }>("nonce", &s.nonce)?;
    aead::xopen(key.0.as_bytes(), &nonce, &associated_data(content_format), &s.ciphertext)
        .map_err(|_| StorageError::Authentication)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_key_content_or_bit_flip_fails() {
        let mut rng = rand::rng();
        let key = StorageKey::generate(&mut rng);
        let sealed = seal(&key, format::STATE_SESSIONS, b"state", &mut rng);
        assert_eq!(unseal(&key, format::STATE_SESSIONS, &sealed).map(|v| v.to_vec()), Ok(b"state".to_vec()));
        assert_eq!(
            unseal(&key, format::STATE_IDENTITY, &sealed),
            Err(StorageError::WrongContent { found: format::STATE_SESSIONS, expected: format::STATE_IDENTITY })
        );
        let other = StorageKey::generate(&mut rng);
        assert_eq!(unseal(&other, format::STATE_SESSIONS, &sealed), Err(StorageError::Authentication));
        let mut flipped = sealed.clone();
        if let Some(b) = flipped.last_mut() {
            *b ^= 1;
        }
        assert_eq!(unseal(&key, format::STATE_SESSIONS, &flipped), Err(StorageError::Authentication));
        assert_eq!(format!("{key:?}"), "StorageKey(..)");
    }

    #[test]
    fn exported_key_reimports_and_unseals() {
        let mut rng = rand::rng();
        let key = StorageKey::generate(&mut rng);
        let sealed = seal(&key, format::STATE_SESSIONS, b"kept across a restart", &mut rng);
        let exported = key.to_bytes();
        drop(key);
        let again = StorageKey::from_bytes(*exported);
        assert_eq!(
            unseal(&again, format::STATE_SESSIONS, &sealed).map(|v| v.to_vec()),
            Ok(b"kept across a restart".to_vec())
        );
        // The export is the key itself: a fixed key exports its bytes.
        assert_eq!(*StorageKey::from_bytes([9; 32]).to_bytes(), [9; 32]);
    }
}
