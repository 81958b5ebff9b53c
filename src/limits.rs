//! Every limit of the 1:1 layer, named, with its default and the reason for it
//! (SPEC.md §7). Apps may tighten or loosen them through [`SessionLimits`];
//! decoders of stored state use the same numbers as hard caps.

/// Largest forward jump one message may cause in a receiving chain.
/// 25,000 HMAC pairs cost about 15 ms on a phone, so one hostile message
/// cannot burn much CPU; a real conversation rarely skips more than a few
/// hundred messages.
pub const MAX_FORWARD_JUMP: u32 = 25_000;
/// Largest number of skipped message keys stored per session (about 40 bytes
/// each in memory and at rest): 2,000 keys cap a session near 100 KiB.
pub const MAX_SKIPPED_KEYS: usize = 2_000;
/// Receiving chains whose chain key is kept, so late messages from the
/// peer's previous ratchet keys still decrypt.
pub const MAX_RECEIVER_CHAINS: usize = 5;
/// Retired receiving chains remembered without a chain key (32-byte key,
/// counters, leftover skipped keys), so a replay from them is reported as
/// `Duplicate` instead of a failed decryption.
pub const MAX_RETIRED_CHAINS: usize = 20;
/// Older sessions per peer device tried on decrypt (Signal keeps 40).
pub const MAX_PREVIOUS_SESSIONS: usize = 40;
/// Largest plaintext accepted by `encrypt` (attachments travel encrypted
/// separately, under keys sent in messages).
pub const MAX_PLAINTEXT_LEN: usize = 256 * 1024;
/// Largest encoded message any decoder reads: the largest plaintext after
/// padding (Padmé adds under 1/16 here) plus framing.
pub const MAX_MESSAGE_LEN: usize = MAX_PLAINTEXT_LEN + MAX_PLAINTEXT_LEN / 16 + 1024;
/// Largest serialized `PeerSessions` state accepted by the loader: every
/// session at its skipped-key cap would not fit, and need not; 64 MiB
/// bounds the allocation a hostile file can cause.
pub const MAX_STATE_LEN: usize = 64 * 1024 * 1024;
/// Largest one-time prekey store.
pub const MAX_ONE_TIME_PREKEYS: usize = 10_000;
/// How long the previous signed prekey still answers after a rotation:
/// bundles fetched before the rotation stay usable for 30 days.
pub const SIGNED_PREKEY_GRACE_SECS: u64 = 30 * 24 * 3600;

/// The configurable limits of the 1:1 layer. `Default` gives the constants above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionLimits {
    /// See [`MAX_FORWARD_JUMP`].
    pub max_forward_jump: u32,
    /// See [`MAX_SKIPPED_KEYS`].
    pub max_skipped_keys: usize,
    /// See [`MAX_RECEIVER_CHAINS`].
    pub max_receiver_chains: usize,
    /// See [`MAX_RETIRED_CHAINS`].
    pub max_retired_chains: usize,
    /// See [`MAX_PREVIOUS_SESSIONS`].
    pub max_previous_sessions: usize,
    /// See [`MAX_PLAINTEXT_LEN`].
    pub max_plaintext_len: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            max_forward_jump: MAX_FORWARD_JUMP,
            max_skipped_keys: MAX_SKIPPED_KEYS,
            max_receiver_chains: MAX_RECEIVER_CHAINS,
            max_retired_chains: MAX_RETIRED_CHAINS,
            max_previous_sessions: MAX_PREVIOUS_SESSIONS,
            max_plaintext_len: MAX_PLAINTEXT_LEN,
        }
    }
}

impl SessionLimits {
    /// Largest encoded message accepted under these limits.
    pub fn max_message_len(&self) -> usize {
        self.max_plaintext_len
            .saturating_add(self.max_plaintext_len / 16)
            .saturating_add(1024)
    }
}
