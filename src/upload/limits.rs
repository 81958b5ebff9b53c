//! The limits a server applies to uploads (SPEC.md §17.1), named, with
//! their defaults and the reasons for them.

use crate::account::AccountLimits;
use crate::mls::MlsLimits;

/// Default largest one-time prekey batch: what a device tops up to under the
/// default schedule ([`crate::prekey::DEFAULT_ONE_TIME_TARGET`]) in one
/// upload, about 4.3 KB and one signature check.
pub const MAX_UPLOAD_BATCH: usize = 100;
/// Hard ceiling on [`UploadLimits::max_one_time_batch`]: 1,000 entries are
/// 43 KB, still one signature check.
pub const MAX_UPLOAD_BATCH_CEILING: usize = 1_000;
/// Default largest number of one-time KEM prekeys in one batch (each 1,184
/// bytes of key and a signature: a batch of 100 is about 127 KB); a batch
/// may carry one last-resort KEM prekey on top. Also the hard ceiling.
pub const MAX_KEM_UPLOAD_BATCH: usize = 100;
/// How far ahead of the server's clock an upload's creation time may be: a
/// phone's clock is often minutes off, rarely a day.
pub const MAX_UPLOAD_CLOCK_SKEW_SECS: u64 = 24 * 3600;
/// How old an upload's creation time may be: longer than the default
/// signed-prekey rotation period (7 days) with room for a device that was
/// offline, short enough that a captured old upload cannot be replayed for
/// long (SPEC.md §17.1).
pub const MAX_UPLOAD_AGE_SECS: u64 = 30 * 24 * 3600;

/// Largest encoded one-time prekey entry: key, length, id (6) and key (34).
pub(crate) const ONE_TIME_ENTRY_MAX_LEN: usize = 44;
/// Smallest: the key field alone (a key and length byte, 32 bytes).
pub(crate) const ONE_TIME_ENTRY_MIN_LEN: usize = 34;
/// Largest encoded KEM prekey entry: id, kind, key (1,187), time, signature (66).
pub(crate) const KEM_ENTRY_MAX_LEN: usize = 1_290;
/// Smallest: the key and signature fields alone.
pub(crate) const KEM_ENTRY_MIN_LEN: usize = 1_187 + 66;
/// Framing around the entries: format, identity key, time, signature.
pub(crate) const BATCH_FRAMING_LEN: usize = 128;

/// The configurable limits of [`crate::upload::validate`]. `Default` gives
/// the constants above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadLimits {
    /// See [`MAX_UPLOAD_BATCH`]; at most [`MAX_UPLOAD_BATCH_CEILING`].
    pub max_one_time_batch: usize,
    /// See [`MAX_KEM_UPLOAD_BATCH`] (also the ceiling).
    pub max_kem_batch: usize,
    /// See [`MAX_UPLOAD_CLOCK_SKEW_SECS`].
    pub max_clock_skew_secs: u64,
    /// See [`MAX_UPLOAD_AGE_SECS`].
    pub max_upload_age_secs: u64,
    /// Limits for MLS KeyPackage uploads (their size).
    pub mls: MlsLimits,
    /// Limits for device-list uploads (their device count).
    pub account: AccountLimits,
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self {
            max_one_time_batch: MAX_UPLOAD_BATCH,
            max_kem_batch: MAX_KEM_UPLOAD_BATCH,
            max_clock_skew_secs: MAX_UPLOAD_CLOCK_SKEW_SECS,
            max_upload_age_secs: MAX_UPLOAD_AGE_SECS,
            mls: MlsLimits::default(),
            account: AccountLimits::default(),
        }
    }
}

impl UploadLimits {
    /// Limits with another one-time batch cap (clamped to
    /// [`MAX_UPLOAD_BATCH_CEILING`]).
    pub fn with_max_one_time_batch(mut self, max: usize) -> Self {
        self.max_one_time_batch = max.min(MAX_UPLOAD_BATCH_CEILING);
        self
    }

    /// Limits with another KEM batch cap (clamped to [`MAX_KEM_UPLOAD_BATCH`]).
    pub fn with_max_kem_batch(mut self, max: usize) -> Self {
        self.max_kem_batch = max.min(MAX_KEM_UPLOAD_BATCH);
        self
    }

    /// Limits with another clock skew and upload age.
    pub fn with_times(mut self, max_clock_skew_secs: u64, max_upload_age_secs: u64) -> Self {
        self.max_clock_skew_secs = max_clock_skew_secs;
        self.max_upload_age_secs = max_upload_age_secs;
        self
    }

    pub(crate) fn one_time_batch(&self) -> usize {
        self.max_one_time_batch.min(MAX_UPLOAD_BATCH_CEILING)
    }

    pub(crate) fn kem_batch(&self) -> usize {
        self.max_kem_batch.min(MAX_KEM_UPLOAD_BATCH)
    }

    /// Largest encoded one-time batch accepted (a server's request body
    /// limit for the route): 128 + 44 × (cap + 1) bytes.
    pub fn max_one_time_batch_len(&self) -> usize {
        // One entry past the cap still fits, so MAX+1 is reported as `BatchSize`.
        BATCH_FRAMING_LEN.saturating_add(self.one_time_batch().saturating_add(1).saturating_mul(ONE_TIME_ENTRY_MAX_LEN))
    }

    /// Largest encoded KEM batch accepted: 128 + 1,290 × (cap + 2) bytes.
    pub fn max_kem_batch_len(&self) -> usize {
        BATCH_FRAMING_LEN.saturating_add(self.kem_batch().saturating_add(2).saturating_mul(KEM_ENTRY_MAX_LEN))
    }

    /// Whether `created_at` is neither too far ahead of `now` nor too old.
    pub(crate) fn check_time(&self, created_at: u64, now: u64) -> Result<(), super::UploadError> {
        if created_at > now.saturating_add(self.max_clock_skew_secs) {
            return Err(super::UploadError::FromTheFuture { created_at, now });
        }
        if now.saturating_sub(created_at) > self.max_upload_age_secs {
            return Err(super::UploadError::TooOld { created_at, now });
        }
        Ok(())
    }
}
