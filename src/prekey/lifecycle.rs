//! The prekey lifecycle (SPEC.md §17.6): what a device tops up, rotates and
//! prunes, and when. [`PreKeyStore::maintenance`] says what is due;
//! [`PreKeyStore::run_maintenance`] does it and returns the uploads.
//!
//! ```text
//! one-time:   prune older than max age; if fewer than low_water remain, top up to target
//! KEM:        the same, for a post-quantum store
//! signed:     rotate when older than the rotation period (or its replay memory is 90% full);
//!             the previous one answers for the grace period (default: one rotation
//!             period), and a rotation waits until it is past it
//! last-resort KEM: the same, with its own rotation period and the same grace
//! ```

use super::{BundleError, PreKeyStore};
use crate::identity::DeviceIdentity;
use crate::limits::{MAX_ACCEPTED_BASE_KEYS, MAX_ONE_TIME_KEM_PREKEYS, MAX_ONE_TIME_PREKEYS};
use crate::upload::{KemPreKeyBatch, MAX_KEM_UPLOAD_BATCH, MAX_UPLOAD_BATCH, OneTimePreKeyBatch, SignedPreKeyUpload};

/// Top up one-time prekeys when fewer than this many remain: enough for a
/// burst of first contacts between two maintenance runs.
pub const DEFAULT_ONE_TIME_LOW_WATER: usize = 20;
/// Top up to this many one-time prekeys: one batch of [`MAX_UPLOAD_BATCH`].
pub const DEFAULT_ONE_TIME_TARGET: usize = 100;
/// Top up one-time KEM prekeys when fewer than this many remain.
pub const DEFAULT_KEM_LOW_WATER: usize = 20;
/// Top up to this many one-time KEM prekeys (about 127 KB on the server).
pub const DEFAULT_KEM_TARGET: usize = 100;
/// Rotate the signed prekey (and the last-resort KEM prekey) after 7 days:
/// a compromise of its secret exposes first messages of at most a week plus
/// the grace period ([`crate::limits::SIGNED_PREKEY_GRACE_SECS`]).
pub const DEFAULT_SIGNED_PREKEY_ROTATION_SECS: u64 = 7 * 24 * 3600;
/// Keep the previous signed prekey (and the previous last-resort KEM
/// prekey) this long after a rotation, so bundles fetched just before it
/// still start sessions; a rotation that would drop a previous one still
/// inside it waits. Equal to the rotation period: one previous key is kept,
/// for one period. At most [`crate::limits::SIGNED_PREKEY_GRACE_SECS`]
/// (30 days), which [`PreKeyStore::expire`] applies on its own.
pub const DEFAULT_SIGNED_PREKEY_GRACE_SECS: u64 = DEFAULT_SIGNED_PREKEY_ROTATION_SECS;
/// Delete a one-time prekey (classical or KEM) no handshake used after 90
/// days: the server handed it out and no first message followed, or it was
/// lost. Longer than the server's upload age limit
/// ([`crate::upload::MAX_UPLOAD_AGE_SECS`], 30 days) plus the time a first
/// message may take to arrive.
pub const DEFAULT_ONE_TIME_MAX_AGE_SECS: u64 = 90 * 24 * 3600;

/// When to top up, rotate and prune (SPEC.md §17.6). `Default` gives the
/// `DEFAULT_*` constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreKeySchedule {
    /// See [`DEFAULT_ONE_TIME_LOW_WATER`].
    pub one_time_low_water: usize,
    /// See [`DEFAULT_ONE_TIME_TARGET`]; one run generates at most
    /// [`MAX_UPLOAD_BATCH`] (a higher target is reached over several runs).
    pub one_time_target: usize,
    /// See [`DEFAULT_KEM_LOW_WATER`].
    pub kem_low_water: usize,
    /// See [`DEFAULT_KEM_TARGET`]; at most [`MAX_KEM_UPLOAD_BATCH`] per run.
    pub kem_target: usize,
    /// See [`DEFAULT_SIGNED_PREKEY_ROTATION_SECS`].
    pub signed_prekey_rotation_secs: u64,
    /// Rotation period of the last-resort KEM prekey; the same default.
    pub last_resort_kem_rotation_secs: u64,
    /// See [`DEFAULT_SIGNED_PREKEY_GRACE_SECS`] (signed and last-resort KEM
    /// prekeys; capped at 30 days).
    pub grace_secs: u64,
    /// See [`DEFAULT_ONE_TIME_MAX_AGE_SECS`] (one-time and KEM one-time).
    pub one_time_max_age_secs: u64,
}

impl Default for PreKeySchedule {
    fn default() -> Self {
        Self {
            one_time_low_water: DEFAULT_ONE_TIME_LOW_WATER,
            one_time_target: DEFAULT_ONE_TIME_TARGET,
            kem_low_water: DEFAULT_KEM_LOW_WATER,
            kem_target: DEFAULT_KEM_TARGET,
            signed_prekey_rotation_secs: DEFAULT_SIGNED_PREKEY_ROTATION_SECS,
            last_resort_kem_rotation_secs: DEFAULT_SIGNED_PREKEY_ROTATION_SECS,
            grace_secs: DEFAULT_SIGNED_PREKEY_GRACE_SECS,
            one_time_max_age_secs: DEFAULT_ONE_TIME_MAX_AGE_SECS,
        }
    }
}

/// What [`PreKeyStore::maintenance`] found due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MaintenancePlan {
    /// One-time prekeys to generate and upload (0: enough remain).
    pub one_time_to_generate: usize,
    /// One-time KEM prekeys to generate and upload (always 0 for a
    /// classical store).
    pub kem_to_generate: usize,
    /// The signed prekey is older than the rotation period (and the previous
    /// one, if any, is past the grace period), or its replay memory is 90%
    /// full.
    pub rotate_signed_prekey: bool,
    /// The last-resort KEM prekey is older than its rotation period (and the
    /// previous one past the grace period).
    pub rotate_last_resort_kem: bool,
    /// One-time prekeys older than the maximum age, to prune.
    pub one_time_to_prune: usize,
    /// One-time KEM prekeys older than the maximum age, to prune.
    pub kem_to_prune: usize,
    /// A previous signed or last-resort KEM prekey has passed the grace
    /// period.
    pub expire_previous: bool,
}

impl MaintenancePlan {
    /// True when nothing is due.
    pub fn is_idle(&self) -> bool {
        *self == Self::default()
    }
}

/// What [`PreKeyStore::run_maintenance`] did: the uploads to send (each
/// through the server's `validate`) and the ids it pruned (to tell the
/// server, which stops handing them out).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MaintenanceUploads {
    /// The new signed prekey, after a rotation.
    pub signed_prekey: Option<SignedPreKeyUpload>,
    /// New one-time prekeys.
    pub one_time: Option<OneTimePreKeyBatch>,
    /// New one-time KEM prekeys and the (possibly new) last-resort one.
    pub kem: Option<KemPreKeyBatch>,
    /// Ids of the one-time prekeys pruned by age.
    pub pruned_one_time: Vec<u32>,
    /// Ids of the one-time KEM prekeys pruned by age.
    pub pruned_kem: Vec<u32>,
}

/// Older than `max_age` at `now`; a creation time of 0 (unknown) never is.
fn too_old(created_at: u64, now: u64, max_age: u64) -> bool {
    created_at != 0 && now.saturating_sub(created_at) > max_age
}

fn top_up(remaining: usize, low_water: usize, target: usize, per_run: usize, cap: usize) -> usize {
    if remaining >= low_water {
        return 0;
    }
    target.saturating_sub(remaining).min(per_run).min(cap.saturating_sub(remaining))
}

impl PreKeyStore {
    /// Unused one-time prekeys the device holds (handed out or not: remove
    /// the ones the server reports handed out with
    /// [`PreKeyStore::remove_one_time_prekeys`] to keep this the number the
    /// server still has).
    pub fn one_time_prekeys_remaining(&self) -> usize {
        self.one_time.len()
    }

    /// Seconds since the current signed prekey was created (0 if `now` is
    /// before it).
    pub fn signed_prekey_age(&self, now: u64) -> u64 {
        now.saturating_sub(self.current.public.created_at)
    }

    /// Deletes the one-time prekeys `ids` names (unknown ids are ignored)
    /// and returns how many it deleted. For the ids of a server's
    /// "handed out" report: pass an id only once the first message that may
    /// use it has had time to arrive (SPEC.md §17.6), since a first message
    /// naming a deleted prekey fails.
    pub fn remove_one_time_prekeys(&mut self, ids: &[u32]) -> usize {
        ids.iter().filter(|id| self.one_time.remove(id).is_some()).count()
    }

    /// As [`PreKeyStore::remove_one_time_prekeys`], for one-time KEM
    /// prekeys (a last-resort id is left alone).
    pub fn remove_kem_prekeys(&mut self, ids: &[u32]) -> usize {
        ids.iter().filter(|id| self.kem_one_time.remove(id).is_some()).count()
    }

    /// Deletes the one-time prekeys created more than `max_age_secs` before
    /// `now` and returns how many. A prekey whose creation time is unknown
    /// (made by [`PreKeyStore::generate_one_time_prekeys`], or loaded from a
    /// store older than format `0x1103`) is given `now` as its creation
    /// time instead, so it is pruned `max_age_secs` later.
    pub fn prune_one_time_prekeys_older_than(&mut self, now: u64, max_age_secs: u64) -> usize {
        self.prune_one_time_ids(now, max_age_secs).len()
    }

    fn prune_one_time_ids(&mut self, now: u64, max_age_secs: u64) -> Vec<u32> {
        let mut pruned = Vec::new();
        self.one_time.retain(|&id, k| {
            if k.created_at == 0 {
                k.created_at = now;
            }
            let keep = !too_old(k.created_at, now, max_age_secs);
            if !keep {
                pruned.push(id);
            }
            keep
        });
        pruned
    }

    /// Deletes the one-time KEM prekeys created more than `max_age_secs`
    /// before `now` and returns how many (the last-resort ones expire by
    /// rotation, [`PreKeyStore::expire`]).
    pub fn prune_kem_prekeys_older_than(&mut self, now: u64, max_age_secs: u64) -> usize {
        self.prune_kem_ids(now, max_age_secs).len()
    }

    fn prune_kem_ids(&mut self, now: u64, max_age_secs: u64) -> Vec<u32> {
        let mut pruned = Vec::new();
        self.kem_one_time.retain(|&id, k| {
            let keep = !too_old(k.public.created_at, now, max_age_secs);
            if !keep {
                pruned.push(id);
            }
            keep
        });
        pruned
    }

    /// What is due at `now` under `schedule`; changes nothing. Counts are
    /// after pruning, capped per run at the upload batch sizes and at the
    /// store's caps, so following the plan never hits
    /// [`BundleError::StoreFull`].
    pub fn maintenance(&self, now: u64, schedule: &PreKeySchedule) -> MaintenancePlan {
        let max_age = schedule.one_time_max_age_secs;
        let one_time_to_prune = self.one_time.values().filter(|k| too_old(k.created_at, now, max_age)).count();
        let kem_to_prune = self.kem_one_time.values().filter(|k| too_old(k.public.created_at, now, max_age)).count();
        let one_time_left = self.one_time.len().saturating_sub(one_time_to_prune);
        let kem_left = self.kem_one_time.len().saturating_sub(kem_to_prune);
        let one_time_to_generate = top_up(
            one_time_left,
            schedule.one_time_low_water,
            schedule.one_time_target,
            MAX_UPLOAD_BATCH,
            MAX_ONE_TIME_PREKEYS,
        );
        let kem_to_generate = if self.publishes_kem_prekeys() {
            top_up(
                kem_left,
                schedule.kem_low_water,
                schedule.kem_target,
                MAX_KEM_UPLOAD_BATCH,
                MAX_ONE_TIME_KEM_PREKEYS,
            )
        } else {
            0
        };
        let (spk_expired, kem_expired) = self.previous_expired(now, schedule);
        let spk_in_grace = self.previous.is_some() && !spk_expired;
        let kem_in_grace = self.kem_last_resort_previous.is_some() && !kem_expired;
        // A full replay memory rotates even inside the grace period: new
        // handshakes would otherwise be refused.
        let rotate_signed_prekey = (self.signed_prekey_age(now) >= schedule.signed_prekey_rotation_secs
            && !spk_in_grace)
            || self.current.accepted.len() >= MAX_ACCEPTED_BASE_KEYS / 10 * 9;
        let rotate_last_resort_kem = !kem_in_grace
            && self
                .kem_last_resort
                .as_ref()
                .is_some_and(|k| now.saturating_sub(k.public.created_at) >= schedule.last_resort_kem_rotation_secs);
        let expire_previous =
            (self.previous.is_some() && spk_expired) || (self.kem_last_resort_previous.is_some() && kem_expired);
        MaintenancePlan {
            one_time_to_generate,
            kem_to_generate,
            rotate_signed_prekey,
            rotate_last_resort_kem,
            one_time_to_prune,
            kem_to_prune,
            expire_previous,
        }
    }

    /// Whether the previous signed and last-resort KEM prekeys are past the
    /// schedule's grace period (or the hard 30-day one).
    fn previous_expired(&self, now: u64, schedule: &PreKeySchedule) -> (bool, bool) {
        let past = |retired_at: u64, hard: u64| now.saturating_sub(retired_at) >= schedule.grace_secs.min(hard);
        (
            self.previous.as_ref().is_some_and(|p| past(p.retired_at, crate::limits::SIGNED_PREKEY_GRACE_SECS)),
            self.kem_last_resort_previous
                .as_ref()
                .is_some_and(|p| past(p.retired_at, crate::limits::KEM_LAST_RESORT_GRACE_SECS)),
        )
    }

    /// Does what [`PreKeyStore::maintenance`] finds due at `now`: prunes
    /// by age, drops the previous signed and last-resort KEM prekeys once
    /// past the grace period (never inside it: a rotation that would drop
    /// one waits), rotates, tops up, and returns the uploads and pruned ids.
    /// Call it daily, and
    /// after the server reports hand-outs.
    pub fn run_maintenance<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        identity: &DeviceIdentity,
        now: u64,
        schedule: &PreKeySchedule,
        rng: &mut R,
    ) -> Result<MaintenanceUploads, BundleError> {
        let max_age = schedule.one_time_max_age_secs;
        let pruned_one_time = self.prune_one_time_ids(now, max_age);
        let pruned_kem = self.prune_kem_ids(now, max_age);
        let (spk_expired, kem_expired) = self.previous_expired(now, schedule);
        if spk_expired {
            self.previous = None;
        }
        if kem_expired {
            self.kem_last_resort_previous = None;
        }
        let plan = self.maintenance(now, schedule);
        let mut out = MaintenanceUploads { pruned_one_time, pruned_kem, ..MaintenanceUploads::default() };
        if plan.rotate_signed_prekey {
            self.rotate_signed_prekey(identity, now, rng);
            out.signed_prekey = Some(self.signed_prekey_upload(identity));
        }
        if plan.rotate_last_resort_kem {
            self.rotate_last_resort_kem_prekey(identity, now, rng);
        }
        if plan.one_time_to_generate > 0 {
            out.one_time = Some(self.upload_one_time_prekeys(identity, plan.one_time_to_generate, now, rng)?);
        }
        if plan.kem_to_generate > 0 || plan.rotate_last_resort_kem {
            out.kem = Some(self.upload_kem_prekeys(identity, plan.kem_to_generate, now, rng)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_up_only_below_low_water_and_within_caps() {
        assert_eq!(top_up(20, 20, 100, 100, 10_000), 0);
        assert_eq!(top_up(19, 20, 100, 100, 10_000), 81);
        assert_eq!(top_up(0, 20, 500, 100, 10_000), 100);
        assert_eq!(top_up(0, 20, 100, 100, 30), 30);
    }

    #[test]
    fn unknown_creation_time_is_never_too_old() {
        assert!(!too_old(0, u64::MAX, 1));
        assert!(too_old(1, 3, 1));
        assert!(!too_old(2, 3, 1));
    }
}
