//! Groups whose members are accounts (SPEC.md §16.7, §12.5): the devices of
//! each member account come from that account's verified device list, so
//! neither the server nor a group admin can add a device to a person, and a
//! device unlinked from an account leaves its groups.
//!
//! The group engines stay device-level: the sender-key roster log (§12.5)
//! lists devices, signed by admins. This module is the seam between them
//! and the device lists, usable by any engine:
//!
//! - [`AccountMembers::roster_change`]: the devices an admin must add and
//!   remove so the roster is exactly the member accounts' listed devices
//!   (sender keys: [`crate::group::GroupSession::change_roster`], whose
//!   removal rotates every remaining sender's chain; MLS: add and remove
//!   proposals from the same [`crate::account::DeviceDelta`]);
//! - [`AccountMembers::check_roster`]: every roster device belongs to a
//!   member account's current list (or is an explicitly allowed device-only
//!   member), so a ghost device an admin or server slipped in is caught;
//! - [`AccountMembers::check_sender`]: a group message is accepted only from
//!   a device on a member account's current list.
//!
//! MLS groups (SPEC.md §15, §16.7) follow the same lists through
//! [`AccountMembers::mls_change`] (the devices to add by KeyPackage and to
//! remove by commit), [`AccountMembers::check_mls_members`],
//! [`AccountMembers::check_mls_commit`] (a commit that added a device no
//! member account lists is caught by every member) and
//! [`AccountMembers::check_mls_sender`].

use crate::account::{AccountError, AccountPublic, DeviceListTracker};
use crate::group::{GroupSession, RosterChange};
use crate::identity::{DeviceIdentity, IdentityPublic};
use crate::session::Received;
use std::collections::BTreeMap;

/// The member accounts of a group, each through its tracker, and any
/// device-only members (groups made before accounts, or bots).
#[derive(Debug, Clone)]
pub struct AccountMembers {
    /// Device key -> (identity, account).
    devices: BTreeMap<[u8; 32], (IdentityPublic, Option<AccountPublic>)>,
    accounts: Vec<AccountPublic>,
}

impl AccountMembers {
    /// The members as `accounts` (the app's trackers of every member
    /// account, ours included) and `standalone` devices. Every tracker must
    /// hold a list ([`AccountError::NoDeviceList`]); a device on two
    /// accounts' lists is refused ([`AccountError::WrongAccount`]).
    pub fn new(accounts: &[&DeviceListTracker], standalone: &[IdentityPublic]) -> Result<Self, AccountError> {
        let mut devices = BTreeMap::new();
        let mut names = Vec::new();
        for t in accounts {
            let list = t.require()?;
            names.push(*t.account());
            for d in list.devices() {
                let key = *d.identity().signing_key().as_bytes();
                if devices
                    .insert(key, (*d.identity(), Some(*t.account())))
                    .is_some_and(|(_, a)| a != Some(*t.account()))
                {
                    return Err(AccountError::WrongAccount);
                }
            }
        }
        for d in standalone {
            devices.entry(*d.signing_key().as_bytes()).or_insert((*d, None));
        }
        Ok(Self { devices, accounts: names })
    }

    /// The member accounts.
    pub fn accounts(&self) -> &[AccountPublic] {
        &self.accounts
    }

    /// Every device that should be on the roster.
    pub fn devices(&self) -> Vec<IdentityPublic> {
        self.devices.values().map(|(d, _)| *d).collect()
    }

    /// The account `device` is listed under (`None`: not a member account's
    /// device, or a device-only member).
    pub fn account_of(&self, device: &IdentityPublic) -> Option<AccountPublic> {
        self.devices.get(device.signing_key().as_bytes()).filter(|(d, _)| d == device).and_then(|(_, a)| *a)
    }

    /// Whether `device` should be on the roster.
    pub fn is_member_device(&self, device: &IdentityPublic) -> bool {
        self.devices.get(device.signing_key().as_bytes()).is_some_and(|(d, _)| d == device)
    }

    /// The change that makes `roster` (a group's devices, this one
    /// included) exactly the member devices: the listed devices missing
    /// from it are added, the roster devices no member list names are
    /// removed. Empty when they agree.
    pub fn roster_change_for(&self, roster: &[IdentityPublic]) -> RosterChange {
        let added = self.devices.values().map(|(d, _)| *d).filter(|d| !roster.contains(d)).collect();
        let removed = roster.iter().filter(|d| !self.is_member_device(d)).copied().collect();
        RosterChange { added, removed, promoted: Vec::new() }
    }

    /// [`Self::roster_change_for`] a sender-key group's verified roster
    /// (`own`: this device, which the roster also holds). An admin applies
    /// it with [`GroupSession::change_roster`]; a removal there rotates
    /// every remaining member's chain, so an unlinked device reads nothing
    /// sent after it (§12.5).
    pub fn roster_change(&self, group: &GroupSession, own: &DeviceIdentity) -> RosterChange {
        let mut roster = group.members();
        roster.push(own.public());
        self.roster_change_for(&roster)
    }

    /// Checks that every device of a sender-key group's verified roster
    /// (`own` included) is a member device: the first that is not is
    /// [`AccountError::UnlistedDevice`], a device slipped into the roster
    /// that no member account lists.
    pub fn check_roster(&self, group: &GroupSession, own: &DeviceIdentity) -> Result<(), AccountError> {
        for d in group.members().iter().chain(core::iter::once(&own.public())) {
            if !self.is_member_device(d) {
                return Err(AccountError::UnlistedDevice { device: *d.signing_key().as_bytes() });
            }
        }
        Ok(())
    }

    /// Accepts a decrypted group message (or a group payload) only from a
    /// member device; returns the sender's account (`None` for a
    /// device-only member).
    pub fn check_sender(&self, received: &Received) -> Result<Option<AccountPublic>, AccountError> {
        let d = received.sender();
        if !self.is_member_device(d) {
            return Err(AccountError::UnlistedDevice { device: *d.signing_key().as_bytes() });
        }
        Ok(self.account_of(d))
    }

    /// [`Self::roster_change_for`] an MLS group's members (this device
    /// included): `added` are the listed devices the app adds with
    /// [`crate::mls::MlsGroup::add`] (fetching one KeyPackage each), and
    /// `removed` the members no list names, removed with
    /// [`crate::mls::MlsGroup::remove`] in one commit; every member
    /// processes it and a removed device reads nothing of later epochs.
    #[cfg(feature = "mls")]
    pub fn mls_change(&self, group: &crate::mls::MlsGroup) -> Result<RosterChange, AccountError> {
        Ok(self.roster_change_for(&group.members()?))
    }

    /// Checks that every member of an MLS group is a member device: the
    /// first that is not is [`AccountError::UnlistedDevice`].
    #[cfg(feature = "mls")]
    pub fn check_mls_members(&self, group: &crate::mls::MlsGroup) -> Result<(), AccountError> {
        self.first_unlisted(&group.members()?)
    }

    /// Checks a processed MLS commit: its committer and every device it
    /// added must be member devices. MLS lets any member add any device it
    /// has a KeyPackage for; this is where a ghost device slipped into a
    /// person's devices is caught (the app then refuses its messages with
    /// [`Self::check_mls_sender`] and removes it).
    #[cfg(feature = "mls")]
    pub fn check_mls_commit(&self, change: &crate::mls::MlsEpochChange) -> Result<(), AccountError> {
        self.first_unlisted(core::slice::from_ref(&change.committer))?;
        self.first_unlisted(&change.added)
    }

    /// Accepts a decrypted MLS application message only from a member
    /// device; returns the sender's account (`None` for a device-only
    /// member).
    #[cfg(feature = "mls")]
    pub fn check_mls_sender(
        &self,
        message: &crate::mls::MlsApplication,
    ) -> Result<Option<AccountPublic>, AccountError> {
        self.first_unlisted(core::slice::from_ref(&message.sender))?;
        Ok(self.account_of(&message.sender))
    }

    #[cfg(feature = "mls")]
    fn first_unlisted(&self, devices: &[IdentityPublic]) -> Result<(), AccountError> {
        match devices.iter().find(|d| !self.is_member_device(d)) {
            Some(d) => Err(AccountError::UnlistedDevice { device: *d.signing_key().as_bytes() }),
            None => Ok(()),
        }
    }
}
