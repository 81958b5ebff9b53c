//! Sealed state at rest (SPEC.md §8.2): any serialized vestnik state can be
//! encrypted under a caller's 32-byte storage key with XChaCha20-Poly1305.
//! XChaCha's 24-byte nonce is safe to draw at random for every save, which
//! ChaCha20-Poly1305's 12-byte nonce is not over a device's lifetime. The
//! associated data binds the label, the sealed blob's format and the format
//! of its content, so a sealed identity cannot be loaded as sessions.
//!
//! Seal and open state through [`Sealable`], implemented by every state type
//! ([`DeviceIdentity`], [`PreKeyStore`], [`PeerSessions`],
//! [`GroupSession`], [`HeldCredential`], [`SigningKey`]): the type fixes the
//! content format, so a wrong pairing does not compile.
//!
//! ```
//! use vestnik::storage::{Sealable, StorageKey};
//! use vestnik::{DeviceIdentity, PreKeyStore};
//! let mut rng = rand::rng();
//! let key = StorageKey::generate(&mut rng);
//! let alice = DeviceIdentity::generate(&mut rng);
//! let prekeys = PreKeyStore::new(&alice, 0, &mut rng);
//! let sealed_identity = alice.seal(&key, &mut rng);
//! let sealed_prekeys = prekeys.seal(&key, &mut rng);
//!
//! // After a restart: the identity first, then what needs it.
//! let back = DeviceIdentity::unseal(&key, &sealed_identity, &())?;
//! let prekeys = PreKeyStore::unseal(&key, &sealed_prekeys, &back.public())?;
//! assert_eq!(back.public(), alice.public());
//! // A blob of one type does not open as another.
//! assert!(DeviceIdentity::unseal(&key, &sealed_prekeys, &()).is_err());
//! # Ok::<(), vestnik::storage::StorageError>(())
//! ```
//!
//! [`seal`] and [`unseal`] are the untyped layer underneath, for bytes the
//! app already holds serialized; the caller then names the format.

use crate::credential::{CredentialError, HeldCredential};
use crate::crypto::sig::SigningKey;
use crate::crypto::{Secret32, aead};
use crate::group::GroupSession;
use crate::labels;
use crate::limits::MAX_STATE_LEN;
use crate::limits::{GroupLimits, SessionLimits};
use crate::wire::{self, DecodeError, format, state as st};
use crate::{DeviceIdentity, IdentityPublic, PeerSessions, PreKeyStore};
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
    /// The blob does not decode, or (through [`Sealable::unseal`]) the state
    /// inside it, once authenticated, does not load.
    #[error("sealed state does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// The blob holds another kind of state than the one asked for.
    #[error(
        "sealed state holds format {found:#06x} ({}), expected {expected:#06x} ({})",
        format_name(*found),
        format_name(*expected)
    )]
    WrongContent {
        /// Content format found.
        found: u32,
        /// Content format expected.
        expected: u32,
    },
    /// Wrong key, or the blob was modified.
    #[error("sealed state does not authenticate")]
    Authentication,
    /// A sealed [`HeldCredential`] opened but its content does not load.
    #[error("sealed credential does not load: {0}")]
    Credential(CredentialError),
}

/// The name of a format number, for error messages.
fn format_name(f: u32) -> &'static str {
    format::ALL.iter().find(|(n, _)| *n == f).map_or("unknown", |(_, name)| name)
}

mod private {
    /// Only the crate's state types are [`super::Sealable`].
    #[allow(unreachable_pub)]
    pub trait Sealed {}
}

/// State that can be sealed under a [`StorageKey`] and opened again as the
/// same type: the content format is the type's, never the caller's choice.
/// Implemented by the crate's state types only.
pub trait Sealable: private::Sealed + Sized {
    /// The format number of the serialized state (from
    /// [`crate::wire::format`]), bound into the sealed blob's associated data.
    const FORMAT: u32;

    /// What loading needs besides the bytes: `()` for most types, the
    /// owner's [`IdentityPublic`] for a [`PreKeyStore`] (its signatures are
    /// re-verified), the limits to enforce for [`PeerSessions`] and
    /// [`GroupSession`].
    type Context: ?Sized;

    /// Serializes and seals (a fresh random nonce from `rng`).
    fn seal<R: rand_core::CryptoRng + ?Sized>(&self, key: &StorageKey, rng: &mut R) -> Vec<u8>;

    /// Opens a blob sealed as this type and loads it with every check of the
    /// type's `from_bytes`. A blob of another type fails with
    /// [`StorageError::WrongContent`] naming both formats, before decryption.
    fn unseal(key: &StorageKey, sealed: &[u8], context: &Self::Context) -> Result<Self, StorageError>;
}

/// One [`Sealable`] implementation: the type, its format, its context and how
/// the opened bytes load.
macro_rules! sealable {
    ($ty:ty, $format:expr, $ctx:ty, |$bytes:ident, $c:pat_param| $load:expr) => {
        sealable!($ty, $format, $ctx, |$bytes, $c| $load, |_sealed| None);
    };
    // `$older`: the type's previous format when a blob is sealed under it
    // (it then opens under that format; the loader reads both versions).
    ($ty:ty, $format:expr, $ctx:ty, |$bytes:ident, $c:pat_param| $load:expr, |$sealed:ident| $older:expr) => {
        impl private::Sealed for $ty {}

        impl Sealable for $ty {
            const FORMAT: u32 = $format;
            type Context = $ctx;

            fn seal<R: rand_core::CryptoRng + ?Sized>(&self, key: &StorageKey, rng: &mut R) -> Vec<u8> {
                seal(key, Self::FORMAT, &self.to_bytes(), rng)
            }

            fn unseal(key: &StorageKey, sealed: &[u8], $c: &$ctx) -> Result<Self, StorageError> {
                let older: Option<u32> = {
                    let $sealed = sealed;
                    $older
                };
                let format = older.unwrap_or(Self::FORMAT);
                let $bytes = unseal(key, format, sealed)?;
                $load
            }
        }
    };
}

sealable!(DeviceIdentity, format::STATE_IDENTITY, (), |b, _| Ok(DeviceIdentity::from_bytes(&b)?));
// A prekey store sealed before the KEM prekeys has content format 0x1101:
// it still opens as a `PreKeyStore` (and is sealed as the current format from
// then on); so does one sealed as 0x1102, before one-time prekeys carried
// their creation time (SPEC.md §17.6).
sealable!(
    PreKeyStore,
    format::STATE_PREKEYS,
    IdentityPublic,
    |b, owner| Ok(PreKeyStore::from_bytes(&b, owner)?),
    |s| sealed_content_format(s).filter(|&f| f == format::STATE_PREKEYS_V1 || f == format::STATE_PREKEYS_V2)
);
sealable!(PeerSessions, format::STATE_SESSIONS, SessionLimits, |b, limits| Ok(PeerSessions::from_bytes_with_limits(
    &b, *limits
)?));
sealable!(GroupSession, format::STATE_GROUP, GroupLimits, |b, limits| Ok(GroupSession::from_bytes_with_limits(
    &b, *limits
)?));
sealable!(HeldCredential, format::STATE_HELD_CREDENTIAL, (), |b, _| HeldCredential::from_bytes(&b)
    .map_err(StorageError::Credential));
sealable!(SigningKey, format::STATE_SIGNING_KEY, (), |b, _| Ok(SigningKey::from_bytes(&b)?));
sealable!(crate::account::AccountKey, format::STATE_ACCOUNT_KEY, (), |b, _| Ok(
    crate::account::AccountKey::from_bytes(&b)?
));
sealable!(crate::account::PendingLink, format::STATE_PENDING_LINK, (), |b, _| Ok(
    crate::account::PendingLink::from_bytes(&b)?
));
sealable!(crate::account::DeviceSessions, format::STATE_DEVICE_SESSIONS, SessionLimits, |b, limits| Ok(
    crate::account::DeviceSessions::from_bytes_with_limits(&b, *limits, crate::account::AccountLimits::default())?
));

/// The content format a sealed blob names, if it decodes as one.
fn sealed_content_format(sealed: &[u8]) -> Option<u32> {
    let s: st::SealedState =
        wire::decode_typed(sealed, MAX_STATE_LEN.saturating_add(64), format::STATE_SEALED, &[]).ok()?;
    Some(s.content_format)
}
#[cfg(feature = "mls")]
sealable!(crate::mls::MlsGroup, format::STATE_MLS_GROUP, crate::mls::MlsConfig, |b, config| Ok(
    crate::mls::MlsGroup::from_bytes(&b, config.clone())?
));
#[cfg(feature = "mls")]
sealable!(crate::mls::MlsKeyPackageStore, format::STATE_MLS_KEY_PACKAGES, crate::mls::MlsLimits, |b, limits| Ok(
    crate::mls::MlsKeyPackageStore::from_bytes(&b, *limits)?
));

fn associated_data(content_format: u32) -> Vec<u8> {
    let mut ad = labels::AD_SEALED_STATE.as_bytes().to_vec();
    ad.extend_from_slice(&format::STATE_SEALED.to_be_bytes());
    ad.extend_from_slice(&content_format.to_be_bytes());
    ad
}

/// Seals serialized state of format `content_format` (a constant from
/// [`crate::wire::format`]). Prefer [`Sealable::seal`], which picks the
/// format from the type; the two produce the same blobs.
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

/// Opens a blob from [`seal`], checking it holds `content_format`. Prefer
/// [`Sealable::unseal`], which also loads the state.
pub fn unseal(key: &StorageKey, content_format: u32, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, StorageError> {
    let s: st::SealedState = wire::decode_typed(sealed, MAX_STATE_LEN.saturating_add(64), format::STATE_SEALED, &[])?;
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
