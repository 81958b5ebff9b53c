//! What devices upload to their servers, and the server's one check of it
//! (SPEC.md §17): no secret, strict decoders, a format number each.
//!
//! | upload | format | made by |
//! |---|---|---|
//! | [`SignedPreKeyUpload`] | `0x9001` | [`PreKeyStore::signed_prekey_upload`] |
//! | [`OneTimePreKeyBatch`] | `0x9101` | [`PreKeyStore::upload_one_time_prekeys`] |
//! | [`KemPreKeyBatch`] | `0x9201` | [`PreKeyStore::upload_kem_prekeys`] |
//! | MLS KeyPackage | `0x6001` | `MlsKeyPackageStore::generate` (feature `mls`) |
//! | device list | `0x7101` | [`crate::account::AccountKey`] |
//!
//! A server calls [`validate`] on every upload with the identity of the
//! device that sent it (the one it authenticated): the answer is a
//! [`Validated`] value of public parts, which it stores (the compact
//! `to_stored_bytes` forms) and later puts together with
//! [`PreKeyBundle::assemble`] — no signature check, no curve arithmetic per
//! hand-out. The one-time batch is signed once, with the device's identity
//! key inside the signed bytes, so a server cannot be fed another device's
//! keys under this device's name and one signature check covers up to
//! [`MAX_UPLOAD_BATCH`] keys.
//!
//! ```
//! use vestnik::{DeviceIdentity, PreKeyStore};
//! use vestnik::upload::{UploadError, UploadLimits, Validated, validate};
//! let mut rng = rand::rng();
//! let now = 1_750_000_000;
//! let (bob, mallory) = (DeviceIdentity::generate(&mut rng), DeviceIdentity::generate(&mut rng));
//! let mut store = PreKeyStore::new(&bob, now, &mut rng);
//! let batch = store.upload_one_time_prekeys(&bob, 100, now, &mut rng)?.to_bytes();
//!
//! // Bob's server checks the upload against Bob, the device it authenticated.
//! match validate(&batch, &bob.public(), now, &UploadLimits::default())? {
//!     Validated::OneTimePreKeys(keys) => assert_eq!(keys.len(), 100),
//!     _ => unreachable!(),
//! }
//! // Uploaded by Mallory's connection, it is refused.
//! assert!(matches!(validate(&batch, &mallory.public(), now, &UploadLimits::default()), Err(UploadError::WrongDevice)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`PreKeyStore::signed_prekey_upload`]: crate::PreKeyStore::signed_prekey_upload
//! [`PreKeyStore::upload_one_time_prekeys`]: crate::PreKeyStore::upload_one_time_prekeys
//! [`PreKeyStore::upload_kem_prekeys`]: crate::PreKeyStore::upload_kem_prekeys
//! [`PreKeyBundle::assemble`]: crate::PreKeyBundle::assemble

mod error;
mod formats;
mod limits;
mod stored;
mod validate;

#[cfg(feature = "mls")]
pub use crate::mls::ValidatedKeyPackage;
pub use crate::prekey::{MaintenancePlan, MaintenanceUploads, PreKeySchedule};
pub use error::UploadError;
pub use formats::{KemPreKeyBatch, OneTimePreKeyBatch, SignedPreKeyUpload};
pub use limits::{
    MAX_KEM_UPLOAD_BATCH, MAX_UPLOAD_AGE_SECS, MAX_UPLOAD_BATCH, MAX_UPLOAD_BATCH_CEILING, MAX_UPLOAD_CLOCK_SKEW_SECS,
    UploadLimits,
};
pub use stored::{KEM_PREKEY_STORED_LEN, ONE_TIME_PREKEY_STORED_LEN, SIGNED_PREKEY_STORED_LEN};
pub use validate::{Validated, validate};
