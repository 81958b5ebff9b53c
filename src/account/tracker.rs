//! What a client remembers about another account (or its own): the newest
//! verified device list it has seen (SPEC.md §16.3). A list for another
//! account, an older version (rollback) or a different list under the same
//! version (equivocation) is refused; a newer one reports which devices
//! were added and removed.

use crate::account::limits::MIN_DEVICE_ENTRY_LEN;
use crate::account::{AccountError, AccountLimits, AccountPublic, DeviceList};
use crate::identity::IdentityPublic;
use crate::wire::{self, Cap, DecodeError, account as pb, format};
use prost::Message;

/// Which devices one list adds and removes relative to the one before: the
/// seam every group engine uses to follow an account (sender keys through
/// [`crate::account::AccountMembers`], MLS through its own add/remove
/// proposals).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceDelta {
    /// Devices on the new list and not on the old one.
    pub added: Vec<IdentityPublic>,
    /// Devices on the old list and not on the new one.
    pub removed: Vec<IdentityPublic>,
}

impl DeviceDelta {
    /// Computes the delta from `old` (none: every device is new) to `new`,
    /// both verified lists of one account with `new` strictly newer.
    /// Errors: [`AccountError::WrongAccount`], [`AccountError::Rollback`]
    /// (not newer), [`AccountError::Equivocation`] (same version, other bytes).
    ///
    /// A device whose X25519 key changed under the same Ed25519 key counts
    /// as removed and added.
    pub fn between(old: Option<&DeviceList>, new: &DeviceList) -> Result<Self, AccountError> {
        let Some(old) = old else {
            return Ok(Self { added: new.devices().iter().map(|d| *d.identity()).collect(), removed: Vec::new() });
        };
        if old.account() != new.account() {
            return Err(AccountError::WrongAccount);
        }
        if new.version() < old.version() {
            return Err(AccountError::Rollback { version: new.version(), current: old.version() });
        }
        if new.version() == old.version() {
            if new.to_bytes() == old.to_bytes() {
                return Ok(Self::default());
            }
            return Err(AccountError::Equivocation { version: new.version() });
        }
        let added = new.devices().iter().filter(|d| !old.contains(d.identity())).map(|d| *d.identity()).collect();
        let removed = old.devices().iter().filter(|d| !new.contains(d.identity())).map(|d| *d.identity()).collect();
        Ok(Self { added, removed })
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// What [`DeviceListTracker::observe`] made of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceListUpdate {
    /// The list is the one already held (a server serving it again).
    Unchanged,
    /// A newer list: now the current one.
    Changed(DeviceDelta),
}

/// The newest verified device list seen for one account. A value type with
/// no secret; store it ([`Self::to_bytes`]) with the contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceListTracker {
    account: AccountPublic,
    current: Option<DeviceList>,
    limits: AccountLimits,
}

impl DeviceListTracker {
    /// A tracker for `account` (the key the user verified by safety number,
    /// or trusted on first use), with no list yet.
    pub fn new(account: AccountPublic) -> Self {
        Self::with_limits(account, AccountLimits::default())
    }

    /// Like [`Self::new`] with other limits (for [`Self::from_bytes`]).
    pub fn with_limits(account: AccountPublic, limits: AccountLimits) -> Self {
        Self { account, current: None, limits }
    }

    /// The account tracked.
    pub fn account(&self) -> &AccountPublic {
        &self.account
    }

    /// The newest list seen, if any.
    pub fn current(&self) -> Option<&DeviceList> {
        self.current.as_ref()
    }

    /// The newest list, or [`AccountError::NoDeviceList`].
    pub fn require(&self) -> Result<&DeviceList, AccountError> {
        self.current.as_ref().ok_or(AccountError::NoDeviceList)
    }

    /// Whether `device` is on the newest list.
    pub fn is_listed(&self, device: &IdentityPublic) -> bool {
        self.current.as_ref().is_some_and(|l| l.contains(device))
    }

    /// Whether the newest list was issued more than `max_age` seconds
    /// before `now` (or none is held): a server may be withholding a newer
    /// one; fetch again, and show it if it persists.
    pub fn is_stale(&self, now: u64, max_age: u64) -> bool {
        self.current.as_ref().is_none_or(|l| now.saturating_sub(l.issued_at()) > max_age)
    }

    /// Takes a verified list ([`DeviceList::from_bytes`]) the server
    /// served. On any error the tracker is unchanged:
    /// [`AccountError::WrongAccount`] for another account's list,
    /// [`AccountError::Rollback`] for an older version,
    /// [`AccountError::Equivocation`] for other bytes under the current
    /// version. A newer list becomes the current one and the delta says
    /// which devices came and went.
    ///
    /// ```
    /// use vestnik::DeviceIdentity;
    /// use vestnik::account::{AccountError, AccountKey, AccountLimits, DeviceListTracker, DeviceListUpdate};
    /// let mut rng = rand::rng();
    /// let (phone, tablet) = (DeviceIdentity::generate(&mut rng), DeviceIdentity::generate(&mut rng));
    /// let (bob, v1) = AccountKey::create(&phone.public(), 100, &mut rng)?;
    /// let v2 = bob.add_device(&v1, &tablet.public(), None, 200, &AccountLimits::default())?;
    /// let mut at_alice = DeviceListTracker::new(bob.public());
    /// at_alice.observe(v1.clone())?;
    /// let DeviceListUpdate::Changed(delta) = at_alice.observe(v2)? else { unreachable!() };
    /// assert_eq!(delta.added, vec![tablet.public()]);
    /// // A server replaying the old list is caught.
    /// assert!(matches!(at_alice.observe(v1), Err(AccountError::Rollback { version: 1, current: 2 })));
    /// # Ok::<(), AccountError>(())
    /// ```
    pub fn observe(&mut self, list: DeviceList) -> Result<DeviceListUpdate, AccountError> {
        if *list.account() != self.account {
            return Err(AccountError::WrongAccount);
        }
        let delta = DeviceDelta::between(self.current.as_ref(), &list)?;
        if self.current.as_ref().is_some_and(|c| c.version() == list.version()) {
            return Ok(DeviceListUpdate::Unchanged);
        }
        self.current = Some(list);
        Ok(DeviceListUpdate::Changed(delta))
    }

    /// Decodes, verifies and observes in one call.
    pub fn observe_bytes(&mut self, bytes: &[u8]) -> Result<DeviceListUpdate, AccountError> {
        let list = DeviceList::from_bytes(bytes, &self.limits)?;
        self.observe(list)
    }

    /// Serializes the tracker (format `0x7501`): the account key and the
    /// exact bytes of the newest list.
    pub fn to_bytes(&self) -> Vec<u8> {
        pb::DeviceListTrackerState {
            format: format::STATE_DEVICE_LIST_TRACKER,
            account: self.account.as_bytes().to_vec(),
            device_list: self.current.as_ref().map(|l| l.to_bytes().to_vec()).unwrap_or_default(),
        }
        .encode_to_vec()
    }

    /// Loads [`Self::to_bytes`], re-verifying the list (signature, fields,
    /// that it is this account's).
    pub fn from_bytes(bytes: &[u8], limits: &AccountLimits) -> Result<Self, AccountError> {
        let max = limits.max_device_list_len().saturating_add(64);
        let devices = [Cap::new(7, "devices", limits.max_devices.min(crate::account::MAX_DEVICES_CEILING))
            .min_len(MIN_DEVICE_ENTRY_LEN)];
        let tbs = [Cap::new(2, "tbs", 1).within(&devices)];
        let caps = [Cap::new(3, "device_list", 1).within(&tbs)];
        let s: pb::DeviceListTrackerState = wire::decode_typed(bytes, max, format::STATE_DEVICE_LIST_TRACKER, &caps)?;
        let account = AccountPublic::from_field("account", &s.account)?;
        let mut t = Self::with_limits(account, *limits);
        if !s.device_list.is_empty() {
            let list = DeviceList::from_bytes(&s.device_list, limits)?;
            if *list.account() != account {
                return Err(DecodeError::Invalid("device_list").into());
            }
            t.current = Some(list);
        }
        Ok(t)
    }
}
