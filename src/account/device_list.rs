//! The signed device list (SPEC.md §16.2): which devices are the account,
//! signed by the account key, versioned, validated by anyone with no secret.
//!
//! ```text
//! DeviceList { format 0x7101, tbs, signature }
//! signature = Ed25519(account key, ctx "vestnik/v1/sig/account/device-list", tbs bytes)
//! tbs       = DeviceListTbs { format 0x7001, account, version, issued_at,
//!                             primary_device_id, next_device_id, devices[] }
//! ```

use crate::account::limits::MIN_DEVICE_ENTRY_LEN;
use crate::account::{AccountError, AccountKey, AccountLimits, AccountPublic, MAX_DEVICES_CEILING};
use crate::crypto::sig::Signature;
use crate::identity::IdentityPublic;
use crate::labels;
use crate::wire::{self, Cap, DecodeError, account as pb, format};
use core::fmt;
use prost::Message;
use std::collections::BTreeSet;

/// One device of an account, as its verified list names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceEntry {
    device_id: u32,
    identity: IdentityPublic,
    added_at: u64,
    name_hash: Option<[u8; 32]>,
}

impl DeviceEntry {
    /// The device's id in the account (never reused).
    pub fn device_id(&self) -> u32 {
        self.device_id
    }

    /// The device's identity.
    pub fn identity(&self) -> &IdentityPublic {
        &self.identity
    }

    /// When the primary added it (its clock, Unix seconds).
    pub fn added_at(&self) -> u64 {
        self.added_at
    }

    /// The app's 32-byte hash of the device's name, if any.
    pub fn name_hash(&self) -> Option<&[u8; 32]> {
        self.name_hash.as_ref()
    }

    fn to_wire(self) -> pb::DeviceEntry {
        pb::DeviceEntry {
            device_id: self.device_id,
            identity: self.identity.to_fixed_bytes().to_vec(),
            added_at: self.added_at,
            name_hash: self.name_hash.map(|h| h.to_vec()).unwrap_or_default(),
        }
    }
}

/// A verified device list: decoded strictly, signed by its account key,
/// every device identity valid, no device twice. Holds no secret.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceList {
    bytes: Vec<u8>,
    account: AccountPublic,
    version: u64,
    issued_at: u64,
    primary_device_id: u32,
    next_device_id: u32,
    devices: Vec<DeviceEntry>,
}

impl DeviceList {
    /// Decodes and verifies a list, as a client or a server does (no secret
    /// needed): format and size first, then the device count (at most
    /// `limits.max_devices`, each entry at least 133 bytes) before anything
    /// is allocated, strict canonical decoding of both layers, the
    /// signature over the exact `tbs` bytes, then every field (SPEC.md
    /// §16.2). Which account it must be for, and that it is newer than the
    /// last one seen, is the [`crate::account::DeviceListTracker`]'s job.
    pub fn from_bytes(bytes: &[u8], limits: &AccountLimits) -> Result<Self, AccountError> {
        let max_len = limits.max_device_list_len();
        // The devices are counted inside the signed bytes before the outer
        // message is decoded (SPEC.md §4.1 step 3).
        let caps = [Cap::new(7, "devices", limits.devices()).min_len(MIN_DEVICE_ENTRY_LEN)];
        let outer_caps = [Cap::new(2, "tbs", 1).within(&caps)];
        let outer: pb::DeviceList = wire::decode_typed(bytes, max_len, format::DEVICE_LIST, &outer_caps)?;
        let tbs: pb::DeviceListTbs = wire::decode_typed(&outer.tbs, max_len, format::DEVICE_LIST_TBS, &caps)?;
        let account = AccountPublic::from_field("account", &tbs.account)?;
        let signature = Signature::from_field("signature", &outer.signature)?;
        account
            .verifying_key()
            .verify(labels::SIG_ACCOUNT_DEVICE_LIST, &outer.tbs, &signature)
            .map_err(|_| AccountError::BadSignature)?;
        let devices = validate(&tbs)?;
        Ok(Self {
            bytes: bytes.to_vec(),
            account,
            version: tbs.version,
            issued_at: tbs.issued_at,
            primary_device_id: tbs.primary_device_id,
            next_device_id: tbs.next_device_id,
            devices,
        })
    }

    /// The exact bytes, as signed and received.
    pub fn to_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The account that signed it.
    pub fn account(&self) -> &AccountPublic {
        &self.account
    }

    /// Its version (strictly increasing per account).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// When the primary signed it (its clock, Unix seconds).
    pub fn issued_at(&self) -> u64 {
        self.issued_at
    }

    /// The devices, in ascending id order.
    pub fn devices(&self) -> &[DeviceEntry] {
        &self.devices
    }

    /// The primary device (the one holding the account key).
    pub fn primary(&self) -> Option<&DeviceEntry> {
        self.devices.iter().find(|d| d.device_id == self.primary_device_id)
    }

    /// The entry of `device`, if it is on the list (same Ed25519 key and
    /// X25519 key: the whole identity must match).
    pub fn entry(&self, device: &IdentityPublic) -> Option<&DeviceEntry> {
        self.devices.iter().find(|d| d.identity == *device)
    }

    /// Whether `device` is on the list: the list is the account's
    /// certificate for each device it names.
    pub fn contains(&self, device: &IdentityPublic) -> bool {
        self.entry(device).is_some()
    }
}

fn validate(tbs: &pb::DeviceListTbs) -> Result<Vec<DeviceEntry>, DecodeError> {
    if tbs.version == 0 {
        return Err(DecodeError::Invalid("version"));
    }
    if tbs.devices.is_empty() {
        return Err(DecodeError::Missing("devices"));
    }
    let mut devices = Vec::with_capacity(tbs.devices.len());
    let mut keys = BTreeSet::new();
    let mut last_id = 0u32;
    for d in &tbs.devices {
        // Strictly ascending, non-zero ids below next_device_id.
        if d.device_id <= last_id || d.device_id >= tbs.next_device_id {
            return Err(DecodeError::Invalid("device_id"));
        }
        last_id = d.device_id;
        let fixed = wire::fixed::<128>("identity", &d.identity)?;
        let identity = IdentityPublic::from_fixed_bytes(&fixed).map_err(|_| DecodeError::Invalid("identity"))?;
        if !keys.insert(*identity.signing_key().as_bytes()) {
            return Err(DecodeError::Invalid("duplicate device"));
        }
        let name_hash = match d.name_hash.len() {
            0 => None,
            _ => Some(wire::fixed::<32>("name_hash", &d.name_hash)?),
        };
        devices.push(DeviceEntry { device_id: d.device_id, identity, added_at: d.added_at, name_hash });
    }
    if !devices.iter().any(|d| d.device_id == tbs.primary_device_id) {
        return Err(DecodeError::Invalid("primary_device_id"));
    }
    Ok(devices)
}

impl fmt::Debug for DeviceList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceList")
            .field("account", &self.account)
            .field("version", &self.version)
            .field("devices", &self.devices.len())
            .finish_non_exhaustive()
    }
}

/// What the primary signs; checked by re-reading it as any client would.
struct Draft {
    version: u64,
    issued_at: u64,
    primary_device_id: u32,
    next_device_id: u32,
    devices: Vec<DeviceEntry>,
}

impl AccountKey {
    /// Creates an account for its first (primary) device: a fresh account
    /// key and the first device list (version 1, the primary as device 1).
    ///
    /// ```
    /// use vestnik::DeviceIdentity;
    /// use vestnik::account::AccountKey;
    /// let mut rng = rand::rng();
    /// let phone = DeviceIdentity::generate(&mut rng);
    /// let (account, list) = AccountKey::create(&phone.public(), 1_764_000_000, &mut rng)?;
    /// assert_eq!((list.version(), list.devices().len()), (1, 1));
    /// assert_eq!(list.account(), &account.public());
    /// # Ok::<(), vestnik::account::AccountError>(())
    /// ```
    pub fn create<R: rand_core::CryptoRng + ?Sized>(
        primary: &IdentityPublic,
        now: u64,
        rng: &mut R,
    ) -> Result<(Self, DeviceList), AccountError> {
        let key = Self::generate(rng);
        let entry = DeviceEntry { device_id: 1, identity: *primary, added_at: now, name_hash: None };
        let draft = Draft { version: 1, issued_at: now, primary_device_id: 1, next_device_id: 2, devices: vec![entry] };
        let list = key.sign(&draft)?;
        Ok((key, list))
    }

    /// Signs the next list: `current` plus `device` (added now, with an
    /// optional name hash). Refused if `current` is another account's
    /// ([`AccountError::WrongAccount`]), the device is already listed
    /// ([`AccountError::AlreadyLinked`]) or the list is full
    /// ([`AccountError::TooManyDevices`]). Linking does this for you
    /// ([`AccountKey::provision`]).
    pub fn add_device(
        &self,
        current: &DeviceList,
        device: &IdentityPublic,
        name_hash: Option<[u8; 32]>,
        now: u64,
        limits: &AccountLimits,
    ) -> Result<DeviceList, AccountError> {
        self.check_own(current)?;
        if current.devices.iter().any(|d| d.identity.signing_key() == device.signing_key()) {
            return Err(AccountError::AlreadyLinked);
        }
        let max = limits.devices();
        if current.devices.len() >= max {
            return Err(AccountError::TooManyDevices { max });
        }
        let id = current.next_device_id;
        let next = id.checked_add(1).ok_or(AccountError::CounterExhausted)?;
        let mut devices = current.devices.clone();
        devices.push(DeviceEntry { device_id: id, identity: *device, added_at: now, name_hash });
        self.sign(&Draft {
            version: current.version.checked_add(1).ok_or(AccountError::CounterExhausted)?,
            issued_at: now,
            primary_device_id: current.primary_device_id,
            next_device_id: next,
            devices,
        })
    }

    /// Signs the next list without `device` (unlinking it). Every client
    /// that sees the new list stops encrypting to the device and drops its
    /// sessions; groups remove it (SPEC.md §16.5, §16.7).
    pub fn remove_device(
        &self,
        current: &DeviceList,
        device: &IdentityPublic,
        now: u64,
    ) -> Result<DeviceList, AccountError> {
        self.check_own(current)?;
        let entry =
            current.entry(device).ok_or(AccountError::UnlistedDevice { device: *device.signing_key().as_bytes() })?;
        if entry.device_id == current.primary_device_id {
            return Err(AccountError::CannotRemovePrimary);
        }
        let devices = current.devices.iter().filter(|d| d.identity != *device).copied().collect();
        self.sign(&Draft {
            version: current.version.checked_add(1).ok_or(AccountError::CounterExhausted)?,
            issued_at: now,
            primary_device_id: current.primary_device_id,
            next_device_id: current.next_device_id,
            devices,
        })
    }

    fn check_own(&self, list: &DeviceList) -> Result<(), AccountError> {
        if list.account != self.public() { Err(AccountError::WrongAccount) } else { Ok(()) }
    }

    fn sign(&self, d: &Draft) -> Result<DeviceList, AccountError> {
        let tbs = pb::DeviceListTbs {
            format: format::DEVICE_LIST_TBS,
            account: self.public().as_bytes().to_vec(),
            version: d.version,
            issued_at: d.issued_at,
            primary_device_id: d.primary_device_id,
            next_device_id: d.next_device_id,
            devices: d.devices.iter().map(|e| e.to_wire()).collect(),
        }
        .encode_to_vec();
        let signature = self.signing_key().sign(labels::SIG_ACCOUNT_DEVICE_LIST, &tbs);
        let bytes = pb::DeviceList { format: format::DEVICE_LIST, tbs, signature: signature.to_bytes().to_vec() }
            .encode_to_vec();
        DeviceList::from_bytes(&bytes, &AccountLimits::default().with_max_devices(MAX_DEVICES_CEILING))
    }
}
