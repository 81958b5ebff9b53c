//! The account key (SPEC.md §16.1): one Ed25519 key per person, held by the
//! primary device, that signs the account's device list. Its public half,
//! [`AccountPublic`], is what safety numbers are computed from, so they stay
//! the same when devices come and go.

use crate::crypto::Secret32;
use crate::crypto::sig::{SigningKey, VerifyingKey};
use crate::crypto::x25519::KeyError;
use crate::wire::{self, DecodeError, account as pb, format};
use core::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Largest serialized [`AccountKey`] (the encoding is 38 bytes).
pub const MAX_ACCOUNT_KEY_STATE_LEN: usize = 64;

/// The public account key: a validated Ed25519 key. Holds no secret.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccountPublic(VerifyingKey);

impl AccountPublic {
    /// Imports 32 bytes under the crate's key rule (canonical, not of small
    /// order, torsion-free: SPEC.md §2.2); weak keys are refused.
    ///
    /// ```
    /// use vestnik::account::AccountPublic;
    /// assert!(AccountPublic::from_bytes(&[0u8; 32]).is_err());
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        VerifyingKey::from_bytes(bytes).map(Self)
    }

    /// The 32-byte encoding.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    pub(crate) fn verifying_key(&self) -> &VerifyingKey {
        &self.0
    }

    pub(crate) fn from_field(field: &'static str, bytes: &[u8]) -> Result<Self, DecodeError> {
        wire::fixed::<32>(field, bytes)?;
        Self::from_bytes(bytes).map_err(|_| DecodeError::Invalid(field))
    }
}

impl fmt::Debug for AccountPublic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountPublic({})", crate::crypto::fmt_public::hex_prefix(self.as_bytes()))
    }
}

impl PartialOrd for AccountPublic {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for AccountPublic {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

/// The account's secret signing key. Held by the primary device only,
/// zeroized on drop, never `Clone` or printed, and exportable only sealed
/// ([`crate::storage::Sealable::seal`], format `0x7401` inside).
#[derive(ZeroizeOnDrop)]
pub struct AccountKey {
    key: SigningKey,
}

impl AccountKey {
    /// A fresh account key. Most apps call
    /// [`AccountKey::create`](crate::account::AccountKey::create) instead,
    /// which also signs the first device list.
    pub fn generate<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self { key: SigningKey::generate(rng) }
    }

    /// The public account key.
    pub fn public(&self) -> AccountPublic {
        AccountPublic(self.key.verifying_key())
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// The serialized key (format `0x7401`). Crate-internal: the key leaves
    /// the crate only sealed.
    pub(crate) fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let seed = self.key.to_seed();
        let m = pb::AccountKeyState { format: format::STATE_ACCOUNT_KEY, seed: seed.as_bytes().to_vec() };
        wire::encode_secret(m, |m| m.seed.zeroize())
    }

    /// Loads [`Self::to_bytes`]: format, size, strict decoding, a 32-byte
    /// seed; every decoded copy of the seed is wiped.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let (max, f) = (MAX_ACCOUNT_KEY_STATE_LEN, format::STATE_ACCOUNT_KEY);
        wire::decode_secret(
            bytes,
            max,
            f,
            &[],
            |m: &mut pb::AccountKeyState| m.seed.zeroize(),
            |m| {
                let seed = Secret32::from_slice(&m.seed).ok_or(DecodeError::WrongLength {
                    field: "seed",
                    len: m.seed.len(),
                    expected: 32,
                })?;
                Ok(Self { key: SigningKey::from_seed(&seed) })
            },
        )
    }
}

impl fmt::Debug for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountKey {{ public: {:?}, .. }}", self.public())
    }
}

/// The account key's loader, for the fuzz targets and tests (the key is
/// never exported in the clear; this only reads).
#[doc(hidden)]
pub fn load_account_key_state(bytes: &[u8]) -> Result<AccountPublic, DecodeError> {
    AccountKey::from_bytes(bytes).map(|k| k.public())
}
