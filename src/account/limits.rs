//! Every limit of the account layer, named, with its default and the reason
//! for it (SPEC.md §16.8). Apps may change them through [`AccountLimits`];
//! the decoders use the same numbers as caps, before anything is allocated.

/// Devices on one account's list, the primary included. WhatsApp allows a
/// phone and four companions, Signal a phone and five linked devices; 16
/// leaves room for a phone, a tablet, a laptop, a school computer and
/// replacements, while every message still costs at most 16 encryptions per
/// account and a list stays near 2.2 KiB.
pub const MAX_DEVICES: usize = 16;
/// The hard ceiling of [`AccountLimits::max_devices`]: 256 devices make a
/// list of about 35 KiB and a fan-out of 256 encryptions per account.
pub const MAX_DEVICES_CEILING: usize = 256;
/// Bytes one device entry may take in a list (its minimum is
/// [`MIN_DEVICE_ENTRY_LEN`]): 128-byte identity, id, time and name hash
/// with their keys and lengths (134 + 6 + 11 + 34 = 185, rounded up).
pub const DEVICE_ENTRY_MAX_LEN: usize = 192;
/// The smallest valid device entry on the wire: a non-zero `device_id`
/// (2 bytes) and the 128-byte identity with its key and length (131).
pub const MIN_DEVICE_ENTRY_LEN: usize = 133;
/// How long a linking code may be valid: it is shown on a screen and
/// scanned within minutes, so a code that claims more is refused.
pub const MAX_LINKING_CODE_VALIDITY_SECS: u64 = 600;
/// Largest encoded linking code (the encoding is about 210 bytes).
pub const MAX_LINKING_CODE_LEN: usize = 256;
/// Largest optional history archive carried by a provisioning message: 4
/// MiB of the app's own export (recent messages, not attachments, which
/// travel encrypted separately). Off unless the primary opts in.
pub const MAX_HISTORY_LEN: usize = 4 * 1024 * 1024;
/// Peer devices one [`crate::account::DeviceSessions`] holds sessions with
/// (every contact's devices and our own other devices): 20,000 devices is
/// a thousand contacts with up to 16 devices each and more.
pub const MAX_PEER_DEVICES: usize = 20_000;

/// The configurable limits of the account layer. `Default` gives the
/// constants above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountLimits {
    /// See [`MAX_DEVICES`]; at most [`MAX_DEVICES_CEILING`].
    pub max_devices: usize,
    /// See [`MAX_HISTORY_LEN`].
    pub max_history_len: usize,
    /// See [`MAX_PEER_DEVICES`].
    pub max_peer_devices: usize,
}

impl Default for AccountLimits {
    fn default() -> Self {
        Self { max_devices: MAX_DEVICES, max_history_len: MAX_HISTORY_LEN, max_peer_devices: MAX_PEER_DEVICES }
    }
}

impl AccountLimits {
    /// Limits with another device cap (clamped to [`MAX_DEVICES_CEILING`]).
    pub fn with_max_devices(mut self, max_devices: usize) -> Self {
        self.max_devices = max_devices.min(MAX_DEVICES_CEILING);
        self
    }

    /// Limits with another history cap.
    pub fn with_max_history_len(mut self, max_history_len: usize) -> Self {
        self.max_history_len = max_history_len;
        self
    }

    /// Limits with another cap on peer devices.
    pub fn with_max_peer_devices(mut self, max_peer_devices: usize) -> Self {
        self.max_peer_devices = max_peer_devices;
        self
    }

    pub(crate) fn devices(&self) -> usize {
        self.max_devices.min(MAX_DEVICES_CEILING)
    }

    /// The largest encoded device list these limits accept:
    /// `256 + 192 × max_devices` bytes (3,328 by default).
    pub fn max_device_list_len(&self) -> usize {
        256 + DEVICE_ENTRY_MAX_LEN * self.devices()
    }

    /// The largest encoded provisioning message: a list, the history
    /// archive and 1 KiB of framing.
    pub fn max_provisioning_len(&self) -> usize {
        self.max_device_list_len().saturating_add(self.max_history_len).saturating_add(1024)
    }
}
