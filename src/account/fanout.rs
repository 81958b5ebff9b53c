//! Fan-out (SPEC.md §16.5): one plaintext, encrypted once for every device
//! of each recipient account and for every *other* device of our own
//! account (sync copies), from the verified device lists only.
//!
//! ```text
//! targets = (⋃ devices(recipient lists) ∪ devices(own list)) \ {this device}
//! ```
//!
//! Each target gets exactly one copy; a device on no list gets none, and its
//! sessions are dropped wherever a list of its account is seen.

use crate::account::{AccountError, AccountLimits, AccountPublic, DeviceListTracker};
use crate::identity::{DeviceIdentity, IdentityPublic};
use crate::limits::SessionLimits;
use crate::prekey::{PreKeyBundle, PreKeyStore};
use crate::session::{ContentType, PeerSessions, Received, SessionError};
use crate::wire::{self, Cap, DecodeError, account as pb, format};
use core::fmt;
use std::collections::BTreeMap;
use zeroize::{Zeroize, Zeroizing};

pub(crate) struct PeerEntry {
    pub(crate) account: AccountPublic,
    pub(crate) sessions: PeerSessions,
}

/// This device's 1:1 sessions with other devices, each filed under the
/// account whose list named it. A value type: store it with
/// [`Self::to_bytes`] (format `0x7801`, holds secrets: seal it).
pub struct DeviceSessions {
    pub(crate) own_account: AccountPublic,
    /// By the peer device's Ed25519 identity key.
    pub(crate) peers: BTreeMap<[u8; 32], PeerEntry>,
    pub(crate) limits: SessionLimits,
    pub(crate) account_limits: AccountLimits,
}

/// One encrypted copy of a fan-out.
pub struct FanoutCopy {
    device: IdentityPublic,
    account: AccountPublic,
    device_id: u32,
    sync: bool,
    bytes: Vec<u8>,
}

impl FanoutCopy {
    /// The device it is for.
    pub fn device(&self) -> &IdentityPublic {
        &self.device
    }

    /// The account that device belongs to.
    pub fn account(&self) -> &AccountPublic {
        &self.account
    }

    /// The device's id in its account's list.
    pub fn device_id(&self) -> u32 {
        self.device_id
    }

    /// True for a copy to another device of our own account.
    pub fn is_sync(&self) -> bool {
        self.sync
    }

    /// The 1:1 message.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for FanoutCopy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FanoutCopy")
            .field("device", &self.device)
            .field("device_id", &self.device_id)
            .field("sync", &self.sync)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// The result of a fan-out: the copies to send, the devices still lacking a
/// session (fetch their bundles, then call again for exactly those with
/// [`FanoutTargets::only`]), and the devices whose sessions were dropped
/// because no current list names them.
#[derive(Debug, Default)]
pub struct Fanout {
    /// One copy per listed device that had or got a session.
    pub copies: Vec<FanoutCopy>,
    /// Listed devices with no session and no bundle given.
    pub missing_bundles: Vec<IdentityPublic>,
    /// Devices whose sessions were dropped (no longer listed).
    pub dropped: Vec<IdentityPublic>,
    /// Devices whose session could not start or encrypt (a bundle whose
    /// key agreement failed, an exhausted chain): no copy was made for
    /// them; the others are unaffected.
    pub failed: Vec<(IdentityPublic, SessionError)>,
}

/// Who a fan-out goes to: the recipients' trackers and our own. Only
/// verified lists ([`DeviceListTracker`]) can name a target.
#[derive(Debug)]
pub struct FanoutTargets<'a> {
    own: &'a DeviceListTracker,
    recipients: Vec<&'a DeviceListTracker>,
    only: Option<Vec<IdentityPublic>>,
}

impl<'a> FanoutTargets<'a> {
    /// Every device of each of `recipients` and every other device of `own`.
    pub fn new(own: &'a DeviceListTracker, recipients: &[&'a DeviceListTracker]) -> Self {
        Self { own, recipients: recipients.to_vec(), only: None }
    }

    /// Restricts the fan-out to `devices` (still only where a list names
    /// them): the retry after fetching [`Fanout::missing_bundles`].
    pub fn only(mut self, devices: &[IdentityPublic]) -> Self {
        self.only = Some(devices.to_vec());
        self
    }

    fn trackers(&self) -> impl Iterator<Item = &'a DeviceListTracker> + '_ {
        core::iter::once(self.own).chain(self.recipients.iter().copied())
    }
}

impl DeviceSessions {
    /// No sessions yet; `own_account` is this device's account (from its
    /// provisioning, or the primary's own key).
    pub fn new(own_account: AccountPublic) -> Self {
        Self::with_limits(own_account, SessionLimits::default(), AccountLimits::default())
    }

    /// Like [`Self::new`] with other limits.
    pub fn with_limits(own_account: AccountPublic, limits: SessionLimits, account_limits: AccountLimits) -> Self {
        Self { own_account, peers: BTreeMap::new(), limits, account_limits }
    }

    /// This device's account.
    pub fn own_account(&self) -> &AccountPublic {
        &self.own_account
    }

    /// The sessions with `device`, if any.
    pub fn peer(&self, device: &IdentityPublic) -> Option<&PeerSessions> {
        self.peers
            .get(device.signing_key().as_bytes())
            .filter(|e| e.sessions.remote_identity() == device)
            .map(|e| &e.sessions)
    }

    /// The devices this device holds sessions with, and their accounts.
    pub fn devices(&self) -> Vec<(IdentityPublic, AccountPublic)> {
        self.peers.values().map(|e| (*e.sessions.remote_identity(), e.account)).collect()
    }

    /// Drops the sessions of every device filed under `tracker`'s account
    /// that its current list does not name (all of them if it has no
    /// list). Returns the devices dropped.
    pub fn drop_unlisted(&mut self, tracker: &DeviceListTracker) -> Vec<IdentityPublic> {
        let mut dropped = Vec::new();
        self.peers.retain(|_, e| {
            let keep = e.account != *tracker.account() || tracker.is_listed(e.sessions.remote_identity());
            if !keep {
                dropped.push(*e.sessions.remote_identity());
            }
            keep
        });
        dropped
    }

    /// Fans `plaintext` out (application data). See [`Self::encrypt_typed`].
    pub fn encrypt<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        local: &DeviceIdentity,
        targets: &FanoutTargets<'_>,
        bundles: &[PreKeyBundle],
        plaintext: &[u8],
        now: u64,
        rng: &mut R,
    ) -> Result<Fanout, AccountError> {
        self.encrypt_typed(local, targets, bundles, ContentType::Application, plaintext, now, rng)
    }

    /// Encrypts `body` once for every target device (SPEC.md §16.5): first
    /// drops the sessions of devices the given lists no longer name, then,
    /// in ascending order of device key, encrypts with the device's
    /// session, or starts one from its bundle in `bundles` (validated
    /// bundles; any version), or reports the device in
    /// [`Fanout::missing_bundles`]. Refused before anything changes: `own`
    /// not this device's account ([`AccountError::WrongAccount`]), this
    /// device not on its own list ([`AccountError::UnlistedDevice`]), a
    /// tracker with no list ([`AccountError::NoDeviceList`]), a plaintext
    /// over the limit.
    #[allow(clippy::too_many_arguments)]
    pub fn encrypt_typed<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        local: &DeviceIdentity,
        targets: &FanoutTargets<'_>,
        bundles: &[PreKeyBundle],
        content_type: ContentType,
        body: &[u8],
        now: u64,
        rng: &mut R,
    ) -> Result<Fanout, AccountError> {
        if *targets.own.account() != self.own_account {
            return Err(AccountError::WrongAccount);
        }
        let own_list = targets.own.require()?;
        if !own_list.contains(&local.public()) {
            return Err(AccountError::UnlistedDevice { device: *local.public().signing_key().as_bytes() });
        }
        let max = self.limits.max_plaintext_len;
        if body.len() > max {
            return Err(SessionError::PlaintextTooLarge { len: body.len(), max }.into());
        }
        // The target set, each device once, under the account that lists it.
        let mut set: BTreeMap<[u8; 32], (IdentityPublic, AccountPublic, u32)> = BTreeMap::new();
        for t in targets.trackers() {
            let list = t.require()?;
            for d in list.devices() {
                if d.identity() == &local.public() {
                    continue;
                }
                if targets.only.as_ref().is_some_and(|o| !o.contains(d.identity())) {
                    continue;
                }
                set.entry(*d.identity().signing_key().as_bytes()).or_insert((
                    *d.identity(),
                    *t.account(),
                    d.device_id(),
                ));
            }
        }
        let new_peers = set.keys().filter(|k| !self.peers.contains_key(*k)).count();
        let max_peers = self.account_limits.max_peer_devices;
        if self.peers.len().saturating_add(new_peers) > max_peers {
            return Err(AccountError::TooManyPeers { max: max_peers });
        }
        let mut out = Fanout::default();
        for t in targets.trackers() {
            out.dropped.extend(self.drop_unlisted(t));
        }
        for (key, (device, account, device_id)) in set {
            let entry = match self.peers.get_mut(&key) {
                // A device listed under another identity or account than we
                // filed it under starts over.
                Some(e) if e.account == account && *e.sessions.remote_identity() == device => e,
                _ => {
                    self.peers.remove(&key);
                    self.peers
                        .entry(key)
                        .or_insert(PeerEntry { account, sessions: PeerSessions::with_limits(device, self.limits) })
                }
            };
            if !entry.sessions.has_session() {
                match bundles.iter().find(|b| b.identity() == device) {
                    Some(b) => {
                        if let Err(e) = entry.sessions.initiate(local, b, now, rng) {
                            out.failed.push((device, e));
                            continue;
                        }
                    }
                    None => {
                        out.missing_bundles.push(device);
                        continue;
                    }
                }
            }
            match entry.sessions.encrypt_typed(content_type, body, rng) {
                Ok(bytes) => {
                    let sync = account == self.own_account;
                    out.copies.push(FanoutCopy { device, account, device_id, sync, bytes });
                }
                Err(e) => out.failed.push((device, e)),
            }
        }
        // Devices that got no session leave no entry.
        self.peers.retain(|_, e| e.sessions.has_session());
        Ok(out)
    }

    /// Decrypts a 1:1 message from `sender_device` (the device the
    /// transport says sent it), which must be on `sender`'s current list
    /// ([`AccountError::UnlistedDevice`] otherwise, before any key is
    /// touched). Drops the sessions of devices `sender`'s list no longer
    /// names. A message from another device of our own account is a sync
    /// copy ([`AccountMessage::is_sync`]). On any error nothing changes.
    pub fn decrypt(
        &mut self,
        local: &DeviceIdentity,
        prekeys: &mut PreKeyStore,
        sender: &DeviceListTracker,
        sender_device: &IdentityPublic,
        bytes: &[u8],
        now: u64,
    ) -> Result<AccountMessage, AccountError> {
        let list = sender.require()?;
        let entry_id = list
            .entry(sender_device)
            .map(|d| d.device_id())
            .ok_or(AccountError::UnlistedDevice { device: *sender_device.signing_key().as_bytes() })?;
        if *sender_device == local.public() {
            return Err(AccountError::UnlistedDevice { device: *sender_device.signing_key().as_bytes() });
        }
        let key = *sender_device.signing_key().as_bytes();
        let account = *sender.account();
        let received = match self.peers.get_mut(&key) {
            Some(e) if e.account == account && e.sessions.remote_identity() == sender_device => {
                e.sessions.decrypt(local, prekeys, bytes, now)?
            }
            _ => {
                if self.peers.len() >= self.account_limits.max_peer_devices {
                    return Err(AccountError::TooManyPeers { max: self.account_limits.max_peer_devices });
                }
                let mut sessions = PeerSessions::with_limits(*sender_device, self.limits);
                let r = sessions.decrypt(local, prekeys, bytes, now)?;
                self.peers.insert(key, PeerEntry { account, sessions });
                r
            }
        };
        self.drop_unlisted(sender);
        Ok(AccountMessage { received, account, device_id: entry_id, sync: account == self.own_account })
    }

    /// Serializes every session (format `0x7801`; holds secrets: seal it).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let entries = self
            .peers
            .values()
            .map(|e| pb::DeviceSessionsEntry {
                account: e.account.as_bytes().to_vec(),
                sessions: e.sessions.to_bytes().to_vec(),
            })
            .collect();
        let m = pb::DeviceSessionsState {
            format: format::STATE_DEVICE_SESSIONS,
            own_account: self.own_account.as_bytes().to_vec(),
            entries,
        };
        wire::encode_secret(m, wipe_state)
    }

    /// Loads [`Self::to_bytes`] with the default limits.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::from_bytes_with_limits(bytes, SessionLimits::default(), AccountLimits::default())
    }

    /// Loads [`Self::to_bytes`]: format, size ([`crate::limits::MAX_STATE_LEN`]),
    /// at most `max_peer_devices` entries (each at least 40 bytes) before
    /// decoding, strictly ascending device keys, and every `PeerSessions`
    /// loaded with all of its own checks.
    pub fn from_bytes_with_limits(
        bytes: &[u8],
        limits: SessionLimits,
        account_limits: AccountLimits,
    ) -> Result<Self, DecodeError> {
        let caps = [Cap::new(3, "entries", account_limits.max_peer_devices).min_len(40)];
        let max = crate::limits::MAX_STATE_LEN;
        wire::decode_secret(bytes, max, format::STATE_DEVICE_SESSIONS, &caps, wipe_state, |m| {
            let own_account = AccountPublic::from_field("own_account", &m.own_account)?;
            let mut peers = BTreeMap::new();
            let mut last: Option<[u8; 32]> = None;
            for e in &m.entries {
                let account = AccountPublic::from_field("entries.account", &e.account)?;
                let sessions = PeerSessions::from_bytes_with_limits(&e.sessions, limits)?;
                let key = *sessions.remote_identity().signing_key().as_bytes();
                if last.is_some_and(|l| l >= key) {
                    return Err(DecodeError::NonCanonical);
                }
                last = Some(key);
                peers.insert(key, PeerEntry { account, sessions });
            }
            Ok(Self { own_account, peers, limits, account_limits })
        })
    }
}

fn wipe_state(m: &mut pb::DeviceSessionsState) {
    for e in &mut m.entries {
        e.sessions.zeroize();
    }
}

impl fmt::Debug for DeviceSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceSessions")
            .field("own_account", &self.own_account)
            .field("peers", &self.peers.len())
            .finish_non_exhaustive()
    }
}

/// A message accepted from a device on its account's current list.
pub struct AccountMessage {
    received: Received,
    account: AccountPublic,
    device_id: u32,
    sync: bool,
}

impl AccountMessage {
    /// The decrypted message (its sender is the authenticated device).
    pub fn received(&self) -> &Received {
        &self.received
    }

    /// The sender's account.
    pub fn account(&self) -> &AccountPublic {
        &self.account
    }

    /// The sender device's id in its account's list.
    pub fn device_id(&self) -> u32 {
        self.device_id
    }

    /// True for a sync copy: sent by another device of our own account.
    pub fn is_sync(&self) -> bool {
        self.sync
    }

    /// The decrypted message.
    pub fn into_received(self) -> Received {
        self.received
    }
}

impl fmt::Debug for AccountMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountMessage")
            .field("account", &self.account)
            .field("device_id", &self.device_id)
            .field("sync", &self.sync)
            .finish_non_exhaustive()
    }
}
