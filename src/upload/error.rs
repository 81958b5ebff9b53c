//! Why an upload (or a stored form) was refused.

use crate::account::AccountError;
use crate::prekey::BundleError;
use crate::wire::DecodeError;

/// Why [`crate::upload::validate`] refused an upload, or a stored form did
/// not load. What the device sent wrong, or the server's bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// The bytes do not decode as the upload their format names (size,
    /// format, counts, canonical encoding, field lengths).
    #[error("upload does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// The format names no upload `validate` takes (a bundle, a message, a
    /// state, or an MLS KeyPackage in a build without the `mls` feature).
    #[error("format {0:#06x} is not an upload")]
    NotAnUpload(u32),
    /// The identity key in the upload is not the uploading device's (or a
    /// device list does not list it): another device's keys.
    #[error("upload names another device")]
    WrongDevice,
    /// The signature (of the batch, or of a signed prekey) does not verify
    /// under the uploading device's identity key.
    #[error("upload signature does not verify")]
    BadSignature,
    /// The KEM prekeys at these positions of the batch carry signatures
    /// that do not verify.
    #[error("KEM prekey signatures at {0:?} do not verify")]
    BadKemSignatures(Vec<usize>),
    /// A prekey is not a valid key: an X25519 key that is non-canonical or of
    /// small order (all-zero included: it would be non-contributory), or an
    /// ML-KEM-768 key that fails the FIPS 203 §7.2 check.
    #[error("prekey {id} is not a valid key")]
    BadKey {
        /// Its id.
        id: u32,
    },
    /// Id 0 is reserved and never names a prekey.
    #[error("prekey id 0 is reserved")]
    ReservedId,
    /// Two prekeys of one batch share an id.
    #[error("prekey id {0} appears twice in the batch")]
    DuplicateId(u32),
    /// The KEM prekey kind is unknown, or the batch carries more than one
    /// last-resort KEM prekey.
    #[error("KEM prekey kind is unknown or repeated")]
    KemKind,
    /// The batch holds no prekey, or more than the limit.
    #[error("batch holds {count} prekeys, limit 1 to {max}")]
    BatchSize {
        /// Prekeys in the batch.
        count: usize,
        /// The cap that applied.
        max: usize,
    },
    /// The creation time is ahead of the server's clock by more than
    /// [`crate::upload::UploadLimits::max_clock_skew_secs`].
    #[error("created at {created_at}, ahead of the server's {now}")]
    FromTheFuture {
        /// The upload's creation time.
        created_at: u64,
        /// The server's time.
        now: u64,
    },
    /// The creation time is older than
    /// [`crate::upload::UploadLimits::max_upload_age_secs`] (a stale or
    /// replayed upload).
    #[error("created at {created_at}, too old at {now}")]
    TooOld {
        /// The upload's creation time.
        created_at: u64,
        /// The server's time.
        now: u64,
    },
    /// A device-list upload failed its own checks.
    #[error("device list: {0}")]
    DeviceList(#[from] AccountError),
    /// An MLS KeyPackage upload failed its own checks.
    #[cfg(feature = "mls")]
    #[error("MLS KeyPackage: {0}")]
    KeyPackage(#[from] crate::mls::MlsError),
    /// A stored form has the wrong length or a field that no valid upload has.
    #[error("stored form is invalid: {0}")]
    Stored(&'static str),
}

impl From<BundleError> for UploadError {
    fn from(e: BundleError) -> Self {
        match e {
            BundleError::Decode(d) => Self::Decode(d),
            BundleError::ReservedId => Self::ReservedId,
            BundleError::KemPreKeyKind(_) => Self::KemKind,
            BundleError::SignedPreKeySignature | BundleError::KemPreKeySignature => Self::BadSignature,
            _ => Self::BadKey { id: 0 },
        }
    }
}
