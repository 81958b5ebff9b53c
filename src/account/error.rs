//! Errors of the account layer (SPEC.md §16.9), split by cause: what a
//! peer or server sent (decode, signature, rollback, equivocation), what a
//! linking attempt did wrong (expired, replayed, tampered), and what the
//! caller asked for that the account does not allow.

use crate::session::SessionError;
use crate::wire::DecodeError;

/// Why an account operation failed. A failed operation changes no state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    /// The bytes do not decode (size, format, counts, canonical encoding, fields).
    #[error("account object does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// A device list's signature does not verify under its account key.
    #[error("device list signature does not verify")]
    BadSignature,
    /// A device list, code or message belongs to another account than the
    /// one expected.
    #[error("object belongs to another account")]
    WrongAccount,
    /// A device list older than the newest one seen for the account: a
    /// server replaying a stale list (one that still names a removed
    /// device, or lacks a new one).
    #[error("device list version {version} rolls back version {current}")]
    Rollback {
        /// The version presented.
        version: u64,
        /// The newest version seen.
        current: u64,
    },
    /// Two different lists signed with the same version: the account key
    /// signed a fork (or was stolen). Show it; keep the list seen first.
    #[error("two different device lists with version {version}: equivocation")]
    Equivocation {
        /// The version both lists claim.
        version: u64,
    },
    /// No device list has been seen for this account yet.
    #[error("no device list known for the account")]
    NoDeviceList,
    /// The device is not on the account's current device list.
    #[error("device {}.. is not on the account's current list", crate::crypto::fmt_public::hex_prefix(device))]
    UnlistedDevice {
        /// The device's Ed25519 identity key.
        device: [u8; 32],
    },
    /// The device is already on the list (a linking code scanned twice).
    #[error("device is already linked")]
    AlreadyLinked,
    /// The primary device cannot be unlinked from its own account key.
    #[error("the primary device cannot be removed")]
    CannotRemovePrimary,
    /// The list would exceed the device limit.
    #[error("the account would have more than {max} devices")]
    TooManyDevices {
        /// The limit.
        max: usize,
    },
    /// This device holds sessions with too many other devices.
    #[error("more than {max} peer devices")]
    TooManyPeers {
        /// The limit.
        max: usize,
    },
    /// The linking code has expired (or claims a validity above the limit).
    #[error("linking code expired at {expires_at}")]
    Expired {
        /// When it expired.
        expires_at: u64,
    },
    /// A provisioning message for another linking code than this device's.
    #[error("provisioning message is for another linking code")]
    WrongCode,
    /// This linking code was already used: a replayed provisioning message.
    #[error("linking code already used")]
    Duplicate,
    /// The provisioning message does not authenticate (tampered, or not made
    /// from this code's secret).
    #[error("provisioning message does not decrypt")]
    DecryptionFailed,
    /// A key in the message is invalid (small order, non-canonical) or the
    /// key agreement was not contributory.
    #[error("invalid key in the provisioning message")]
    InvalidKey,
    /// The optional history archive is larger than the limit.
    #[error("history archive of {len} bytes exceeds the limit of {max}")]
    HistoryTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A device list version or id counter would pass its maximum.
    #[error("device list counter exhausted")]
    CounterExhausted,
    /// A 1:1 session error for one device.
    #[error("session: {0}")]
    Session(#[from] SessionError),
    /// The MLS group could not be read (SPEC.md §15).
    #[cfg(feature = "mls")]
    #[error("mls: {0}")]
    Mls(#[from] crate::mls::MlsError),
}
