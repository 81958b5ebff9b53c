//! The optional history archive for a newly linked device (SPEC.md §16.4,
//! step 5): the app's own export of recent messages, carried inside the
//! provisioning message's AEAD, so only the device holding the linking code
//! can read it. Off by default: a primary sends one only when the user
//! asked for it ([`ProvisionOptions::with_history`]).
//!
//! The trade-off: without it a new device starts empty (as Signal's linked
//! devices do by default), so a device linked by someone who briefly holds
//! an unlocked phone reads nothing from before. With it, that device gets
//! whatever the archive holds, and the archive's messages lose their
//! forward secrecy to the link: they are re-encrypted under a key that
//! exists only for this transfer. Bounded by
//! [`AccountLimits::max_history_len`](crate::account::AccountLimits).

use core::fmt;
use zeroize::Zeroizing;

/// What the primary sends besides the signed list when it links a device.
/// `Default`: no history, no device name hash.
#[derive(Default)]
pub struct ProvisionOptions {
    pub(crate) history: Option<Zeroizing<Vec<u8>>>,
    pub(crate) name_hash: Option<[u8; 32]>,
}

impl ProvisionOptions {
    /// Nothing but the list (the default).
    pub fn new() -> Self {
        Self::default()
    }

    /// Opts in to sending `archive` (the app's own format; at most
    /// `max_history_len` bytes) to the new device. See the module docs for
    /// what this gives away.
    pub fn with_history(mut self, archive: Zeroizing<Vec<u8>>) -> Self {
        self.history = Some(archive);
        self
    }

    /// The 32-byte hash of the device's name the app wants in the list.
    pub fn with_name_hash(mut self, name_hash: [u8; 32]) -> Self {
        self.name_hash = Some(name_hash);
        self
    }

    /// Whether a history archive is attached.
    pub fn sends_history(&self) -> bool {
        self.history.is_some()
    }
}

impl fmt::Debug for ProvisionOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProvisionOptions")
            .field("history", &self.history.as_ref().map(|h| h.len()))
            .field("name_hash", &self.name_hash.is_some())
            .finish()
    }
}
