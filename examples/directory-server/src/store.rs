//! Storage behind a small trait: the server's handlers only ever call
//! [`Store`]; [`crate::SqliteStore`] is the embedded default. Every method is
//! one transaction: it either does all it says or changes nothing.
//!
//! Everything stored is public (identity keys, prekeys in their stored
//! forms, opaque ciphertexts) except the bearer-token hashes.

/// A device's name in the directory: its 32-byte Ed25519 identity signing key.
pub type DeviceId = [u8; 32];

/// What a store can refuse (besides failing).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The device is already registered.
    #[error("device already registered")]
    AlreadyRegistered,
    /// No such device.
    #[error("unknown device")]
    UnknownDevice,
    /// A prekey id (or KeyPackage) is already stored for this device.
    #[error("prekey id {0} is already stored")]
    DuplicateId(u32),
    /// The MLS KeyPackage is already stored.
    #[error("KeyPackage already stored")]
    DuplicateKeyPackage,
    /// Storing this would exceed a per-device cap.
    #[error("{what}: at most {max} stored per device")]
    Full {
        /// What is full.
        what: &'static str,
        /// The cap.
        max: usize,
    },
    /// The database failed (I/O, corruption, a bug).
    #[error("database: {0}")]
    Backend(String),
}

/// A registered device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    /// `IdentityPublic::to_fixed_bytes`.
    pub identity: [u8; 128],
    /// SHA-256 of its bearer token.
    pub token_hash: [u8; 32],
}

/// A one-time key in its stored form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// The prekey id.
    pub id: u32,
    /// The crate's stored form.
    pub stored: Vec<u8>,
}

/// What one bundle hand-out took from the store, in its stored forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleParts {
    /// `IdentityPublic::to_fixed_bytes`.
    pub identity: [u8; 128],
    /// The current signed prekey.
    pub signed: Vec<u8>,
    /// A one-time prekey, now deleted from the store (if one was left and asked for).
    pub one_time: Option<Vec<u8>>,
    /// A one-time KEM prekey (now deleted), else the last-resort one, else none.
    pub kem: Option<Vec<u8>>,
}

/// Ids handed out since the device last asked, and what is left.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HandedOut {
    /// One-time X25519 prekey ids handed out.
    pub one_time: Vec<u32>,
    /// One-time KEM prekey ids handed out.
    pub kem: Vec<u32>,
    /// One-time X25519 prekeys still stored.
    pub one_time_remaining: u64,
    /// One-time KEM prekeys still stored.
    pub kem_remaining: u64,
    /// Whether a last-resort KEM prekey is stored.
    pub has_last_resort_kem: bool,
}

/// One deposited ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// Its sequence number in the recipient's mailbox (1, 2, ...).
    pub seq: u64,
    /// The depositing device.
    pub sender: DeviceId,
    /// The opaque ciphertext.
    pub body: Vec<u8>,
}

/// Per-device storage caps, enforced inside the store's transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreCaps {
    /// One-time X25519 prekeys stored per device.
    pub max_one_time: usize,
    /// One-time KEM prekeys stored per device.
    pub max_kem: usize,
    /// MLS KeyPackages stored per device.
    pub max_key_packages: usize,
    /// Messages waiting in one mailbox.
    pub max_mailbox: usize,
}

/// Default: [`vestnik::prekey`]'s own store caps, so a server holds no more
/// than a device can.
pub const MAX_STORED_ONE_TIME_PREKEYS: usize = 10_000;
/// Default cap on stored one-time KEM prekeys per device.
pub const MAX_STORED_KEM_PREKEYS: usize = 1_000;
/// Default cap on stored MLS KeyPackages per device.
pub const MAX_STORED_KEY_PACKAGES: usize = 100;
/// Default cap on messages waiting in one mailbox.
pub const MAX_MAILBOX_MESSAGES: usize = 10_000;

impl Default for StoreCaps {
    fn default() -> Self {
        Self {
            max_one_time: MAX_STORED_ONE_TIME_PREKEYS,
            max_kem: MAX_STORED_KEM_PREKEYS,
            max_key_packages: MAX_STORED_KEY_PACKAGES,
            max_mailbox: MAX_MAILBOX_MESSAGES,
        }
    }
}

/// The directory's storage. Each method is one transaction.
pub trait Store: Send + Sync + 'static {
    /// Registers a device; [`StoreError::AlreadyRegistered`] if it exists.
    fn register(
        &self,
        device: &DeviceId,
        identity: &[u8; 128],
        token_hash: &[u8; 32],
        now: u64,
    ) -> Result<(), StoreError>;
    /// Looks a device up.
    fn device(&self, device: &DeviceId) -> Result<Option<DeviceRecord>, StoreError>;
    /// Replaces the device's signed prekey.
    fn put_signed_prekey(&self, device: &DeviceId, key: &StoredKey, now: u64) -> Result<(), StoreError>;
    /// Adds one-time prekeys: all or none (a stored id is [`StoreError::DuplicateId`]).
    fn add_one_time_prekeys(&self, device: &DeviceId, keys: &[StoredKey], now: u64) -> Result<(), StoreError>;
    /// Adds one-time KEM prekeys and replaces the last-resort one if given: all or none.
    fn add_kem_prekeys(
        &self,
        device: &DeviceId,
        one_time: &[StoredKey],
        last_resort: Option<&StoredKey>,
        now: u64,
    ) -> Result<(), StoreError>;
    /// Adds an MLS KeyPackage envelope.
    fn add_key_package(&self, device: &DeviceId, envelope: &[u8], now: u64) -> Result<(), StoreError>;
    /// Replaces the device's latest device list.
    fn put_device_list(&self, device: &DeviceId, list: &[u8], now: u64) -> Result<(), StoreError>;
    /// The latest device list the device uploaded.
    fn device_list(&self, device: &DeviceId) -> Result<Option<Vec<u8>>, StoreError>;
    /// One hand-out, in one transaction: the signed prekey, one one-time
    /// prekey (deleted, recorded as handed out) if `take_one_time`, and one
    /// one-time KEM prekey (deleted, recorded) or else the last-resort one.
    /// `None` if the device has no signed prekey yet.
    fn take_bundle(&self, target: &DeviceId, take_one_time: bool, now: u64) -> Result<Option<BundleParts>, StoreError>;
    /// Takes (deletes and returns) one MLS KeyPackage.
    fn take_key_package(&self, target: &DeviceId) -> Result<Option<Vec<u8>>, StoreError>;
    /// Returns and forgets the ids handed out since the last call, with the counts left.
    fn take_handed_out(&self, device: &DeviceId) -> Result<HandedOut, StoreError>;
    /// Deposits a ciphertext in `recipient`'s mailbox; returns its sequence number.
    fn deposit(&self, recipient: &DeviceId, sender: &DeviceId, body: &[u8], now: u64) -> Result<u64, StoreError>;
    /// Up to `limit` messages with a sequence number above `after`, in order.
    fn fetch(&self, recipient: &DeviceId, after: u64, limit: usize) -> Result<Vec<StoredMessage>, StoreError>;
    /// Deletes the messages up to and including `up_to`; returns how many.
    fn ack(&self, recipient: &DeviceId, up_to: u64) -> Result<usize, StoreError>;
}
