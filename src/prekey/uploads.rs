//! The device side of the upload formats (SPEC.md §17.2–17.4).

use super::{BundleError, PreKeyStore};
use crate::identity::DeviceIdentity;
use crate::upload::{KemPreKeyBatch, MAX_KEM_UPLOAD_BATCH, MAX_UPLOAD_BATCH, OneTimePreKeyBatch, SignedPreKeyUpload};

impl PreKeyStore {
    /// The current signed prekey as an upload (format `0x9001`), bound to
    /// `identity` (which must be the store's owner: the signature was made
    /// by it when the prekey was created).
    pub fn signed_prekey_upload(&self, identity: &DeviceIdentity) -> SignedPreKeyUpload {
        SignedPreKeyUpload::new(identity, self.current.public)
    }

    /// Generates `count` (1 to [`MAX_UPLOAD_BATCH`]) one-time prekeys
    /// created at `now` and returns them as one batch (format `0x9101`),
    /// signed once by `identity` over its own identity key, `now` and every
    /// id and key. Refuses to grow the store past
    /// [`crate::limits::MAX_ONE_TIME_PREKEYS`] ([`BundleError::StoreFull`]);
    /// the store is unchanged on error.
    pub fn upload_one_time_prekeys<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        identity: &DeviceIdentity,
        count: usize,
        now: u64,
        rng: &mut R,
    ) -> Result<OneTimePreKeyBatch, BundleError> {
        if count == 0 || count > MAX_UPLOAD_BATCH {
            return Err(BundleError::BatchSize { count, max: MAX_UPLOAD_BATCH });
        }
        let keys = self.generate_one_time_prekeys_at(count, now, rng)?;
        Ok(OneTimePreKeyBatch::sign(identity, now, keys))
    }

    /// Generates `count` (0 to [`MAX_KEM_UPLOAD_BATCH`]) signed one-time KEM
    /// prekeys created at `now` and returns them, with the current
    /// last-resort KEM prekey if the store has one, as one batch (format
    /// `0x9201`). A batch must hold at least one key: `count` 0 on a store
    /// without a last-resort KEM prekey is [`BundleError::BatchSize`].
    /// Refuses to grow the store past
    /// [`crate::limits::MAX_ONE_TIME_KEM_PREKEYS`]; unchanged on error.
    pub fn upload_kem_prekeys<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        identity: &DeviceIdentity,
        count: usize,
        now: u64,
        rng: &mut R,
    ) -> Result<KemPreKeyBatch, BundleError> {
        if count > MAX_KEM_UPLOAD_BATCH || (count == 0 && self.kem_last_resort.is_none()) {
            return Err(BundleError::BatchSize { count, max: MAX_KEM_UPLOAD_BATCH });
        }
        let mut keys = if count == 0 { Vec::new() } else { self.generate_kem_prekeys(identity, count, now, rng)? };
        keys.extend(self.last_resort_kem_prekey());
        Ok(KemPreKeyBatch::new(identity, keys))
    }
}
