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
/// Bytes of a message beyond its padded plaintext that any decoder allows:
/// 1,024 for the framing, the identity and the keys, and 1,152 for the
/// ML-KEM-768 ciphertext (1,088 bytes) and KEM prekey id a post-quantum
/// prekey message carries.
pub const MESSAGE_FRAMING_LEN: usize = 1024 + 1152;
/// Largest encoded message any decoder reads: the largest plaintext after
/// padding (Padmé adds under 1/16 here) plus framing.
pub const MAX_MESSAGE_LEN: usize = MAX_PLAINTEXT_LEN + MAX_PLAINTEXT_LEN / 16 + MESSAGE_FRAMING_LEN;
/// Largest serialized `PeerSessions` state accepted by the loader: every
/// session at its skipped-key cap would not fit, and need not; 64 MiB
/// bounds the allocation a hostile file can cause.
pub const MAX_STATE_LEN: usize = 64 * 1024 * 1024;
/// Largest one-time prekey store.
pub const MAX_ONE_TIME_PREKEYS: usize = 10_000;
/// Handshakes remembered per signed prekey (their 32-byte base keys, kept
/// until the signed prekey is deleted), so a replayed first message is
/// `Duplicate` even after its session is gone. 50,000 is 1.6 MiB; a device
/// that rotates its signed prekey weekly, as it should, stays far below.
/// At the limit new handshakes are refused until the signed prekey rotates.
pub const MAX_ACCEPTED_BASE_KEYS: usize = 50_000;
/// How long the previous signed prekey still answers after a rotation:
/// bundles fetched before the rotation stay usable for 30 days.
pub const SIGNED_PREKEY_GRACE_SECS: u64 = 30 * 24 * 3600;
/// Largest number of signed one-time ML-KEM-768 prekeys a store holds
/// (SPEC.md §5.2). Each is 1,184 bytes on the server and about 150 bytes in
/// the store (its 64-byte seed and signature), and costs a key generation
/// and a signature check when the store loads (about 0.1 ms): 500 cover
/// days of first contacts; when they run out the last-resort KEM prekey
/// answers.
pub const MAX_ONE_TIME_KEM_PREKEYS: usize = 500;
/// How long the previous last-resort KEM prekey still answers after a
/// rotation, as for signed prekeys.
pub const KEM_LAST_RESORT_GRACE_SECS: u64 = 30 * 24 * 3600;

/// Whether a classical (X25519-only) handshake is acceptable (SPEC.md §5.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HandshakePolicy {
    /// The default. An initiator refuses a bundle without a KEM prekey
    /// ([`crate::SessionError::ClassicalRefused`]); a device whose
    /// [`crate::PreKeyStore`] publishes KEM prekeys refuses classical prekey
    /// messages that would start a new session. Sessions already
    /// established are not affected.
    #[default]
    PostQuantumRequired,
    /// The transition setting, for peers that run a vestnik without the
    /// KEM: classical bundles and prekey messages start sessions, and
    /// [`crate::Received::handshake`] reports
    /// [`crate::session::Handshake::Classical`] for their messages.
    AcceptClassical,
}

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
    /// See [`MAX_ACCEPTED_BASE_KEYS`] (also the hard cap).
    pub max_accepted_base_keys: usize,
    /// See [`HandshakePolicy`]; post-quantum required by default.
    pub handshake_policy: HandshakePolicy,
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
            max_accepted_base_keys: MAX_ACCEPTED_BASE_KEYS,
            handshake_policy: HandshakePolicy::PostQuantumRequired,
        }
    }
}

impl SessionLimits {
    /// Largest encoded message accepted under these limits.
    pub fn max_message_len(&self) -> usize {
        self.max_plaintext_len.saturating_add(self.max_plaintext_len / 16).saturating_add(MESSAGE_FRAMING_LEN)
    }
}

/// Largest forward jump in a group sender chain (as 1:1: bounds the CPU one
/// message can cost).
pub const GROUP_MAX_FORWARD_JUMP: u32 = 25_000;
/// Skipped keys stored per sender chain. Group traffic from one sender is
/// rarely reordered by more than a few hundred messages.
pub const GROUP_MAX_SKIPPED_KEYS: usize = 2_000;
/// Chains kept per sender, so messages sent just before a rotation still
/// decrypt after it.
pub const GROUP_MAX_CHAINS_PER_SENDER: usize = 5;
/// Members of one group (a school, a college channel).
pub const GROUP_MAX_MEMBERS: usize = 10_000;
/// Longest group id.
pub const GROUP_ID_MAX_LEN: usize = 64;
/// Largest serialized group state the loader accepts.
pub const GROUP_MAX_STATE_LEN: usize = 256 * 1024 * 1024;
/// Entries of a group's roster log (every add, remove and promotion is
/// one): what a state or a newcomer's log may hold.
pub const GROUP_MAX_ROSTER_ENTRIES: usize = 4_096;
/// Largest encoded roster entry or roster update: the 1:1 plaintext limit,
/// since both travel inside 1:1 sessions.
pub const GROUP_MAX_ROSTER_LEN: usize = MAX_PLAINTEXT_LEN;
/// How long after this device applied a removal it still accepts another
/// member's chain made under a roster epoch before that removal (the member
/// has not seen the removal yet), in seconds of the caller's clock. After
/// it such messages fail as `GroupError::SenderBehindRoster`.
pub const GROUP_REMOVAL_GRACE_SECS: u64 = 3_600;

/// The configurable limits of the group layer. `Default` gives the constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupLimits {
    /// See [`GROUP_MAX_FORWARD_JUMP`].
    pub max_forward_jump: u32,
    /// See [`GROUP_MAX_SKIPPED_KEYS`].
    pub max_skipped_keys: usize,
    /// See [`GROUP_MAX_CHAINS_PER_SENDER`].
    pub max_chains_per_sender: usize,
    /// See [`GROUP_MAX_MEMBERS`].
    pub max_members: usize,
    /// See [`MAX_PLAINTEXT_LEN`].
    pub max_plaintext_len: usize,
    /// See [`GROUP_MAX_ROSTER_ENTRIES`].
    pub max_roster_entries: usize,
    /// See [`GROUP_REMOVAL_GRACE_SECS`].
    pub removal_grace_secs: u64,
}

impl Default for GroupLimits {
    fn default() -> Self {
        Self {
            max_forward_jump: GROUP_MAX_FORWARD_JUMP,
            max_skipped_keys: GROUP_MAX_SKIPPED_KEYS,
            max_chains_per_sender: GROUP_MAX_CHAINS_PER_SENDER,
            max_members: GROUP_MAX_MEMBERS,
            max_plaintext_len: MAX_PLAINTEXT_LEN,
            max_roster_entries: GROUP_MAX_ROSTER_ENTRIES,
            removal_grace_secs: GROUP_REMOVAL_GRACE_SECS,
        }
    }
}

impl GroupLimits {
    /// Largest encoded group message accepted under these limits.
    pub fn max_message_len(&self) -> usize {
        self.max_plaintext_len.saturating_add(self.max_plaintext_len / 16).saturating_add(1024)
    }
}

// ---- Calls (SPEC.md §13.7) --------------------------------------------------

/// Participants in one call, the caller included: the 10-bit index of the
/// SFrame KID layout (SPEC.md §13.4) allows no more.
pub const CALL_MAX_PARTICIPANTS: usize = 1024;
/// Keys held per remote sender: the current one, the one it replaced (still
/// inside its overlap window) and two spares for a leave and a join in quick
/// succession. About 700 bytes each with the replay window.
pub const CALL_MAX_KEYS_PER_SENDER: usize = 4;
/// Ratchet steps one frame may make a receiver compute (each is one
/// HKDF-Extract and Expand plus a key derivation, a few microseconds), so a
/// forged KID costs little CPU; a burst of 16 joins before a frame arrives
/// is already unusual.
pub const CALL_MAX_RATCHET_JUMP: u8 = 16;
/// Counters remembered per KID by the replay window: 20 s of 50-per-second
/// audio, about a second of packetized HD video; 128 bytes of bitmap.
pub const CALL_REPLAY_WINDOW: usize = 1024;
/// Largest configurable replay window (8 KiB of bitmap per KID).
pub const CALL_MAX_REPLAY_WINDOW: usize = 65_536;
/// Frames one sender key may protect (counters 0 to 2^32 - 1): 2.7 years of
/// 50-per-second audio, and far inside AES-GCM's per-key usage bounds; at
/// the limit the sender must rotate.
pub const CALL_MAX_COUNTER: u64 = u32::MAX as u64;
/// Largest metadata (RTP header and extensions, for example) bound into a
/// frame's AAD. It is copied next to the header on the stack, so this is
/// also a hard cap.
pub const CALL_MAX_METADATA_LEN: usize = 512;
/// Largest frame accepted or produced: a whole 4K keyframe fits.
pub const CALL_MAX_FRAME_LEN: usize = 1024 * 1024;
/// How long a sender's previous key still decrypts after a newer one is in
/// use, or after a departure is applied (milliseconds): covers jitter
/// buffers and reordering around a rotation, and is short enough that a
/// departed participant's key material leaves memory quickly. It is also the
/// longest a departed device's forgeries under keys from before its
/// departure are accepted (SPEC.md §13.10).
pub const CALL_KEY_OVERLAP_MS: u64 = 2_000;
/// Largest encoded call key message (a base key of 64 bytes plus framing).
pub const CALL_MAX_KEY_MESSAGE_LEN: usize = 256;

/// The configurable limits of the call layer. `Default` gives the constants
/// above; values past a hard cap are lowered to it when a call starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallLimits {
    /// See [`CALL_MAX_PARTICIPANTS`] (also the hard cap).
    pub max_participants: usize,
    /// See [`CALL_MAX_KEYS_PER_SENDER`] (at least 2: current and previous).
    pub max_keys_per_sender: usize,
    /// See [`CALL_MAX_RATCHET_JUMP`] (at most 63, the largest step).
    pub max_ratchet_jump: u8,
    /// See [`CALL_REPLAY_WINDOW`] (rounded up to a multiple of 64, at most
    /// [`CALL_MAX_REPLAY_WINDOW`]).
    pub replay_window: usize,
    /// See [`CALL_MAX_COUNTER`].
    pub max_counter: u64,
    /// See [`CALL_MAX_METADATA_LEN`] (also the hard cap).
    pub max_metadata_len: usize,
    /// See [`CALL_MAX_FRAME_LEN`].
    pub max_frame_len: usize,
    /// See [`CALL_KEY_OVERLAP_MS`].
    pub key_overlap_ms: u64,
}

impl Default for CallLimits {
    fn default() -> Self {
        Self {
            max_participants: CALL_MAX_PARTICIPANTS,
            max_keys_per_sender: CALL_MAX_KEYS_PER_SENDER,
            max_ratchet_jump: CALL_MAX_RATCHET_JUMP,
            replay_window: CALL_REPLAY_WINDOW,
            max_counter: CALL_MAX_COUNTER,
            max_metadata_len: CALL_MAX_METADATA_LEN,
            max_frame_len: CALL_MAX_FRAME_LEN,
            key_overlap_ms: CALL_KEY_OVERLAP_MS,
        }
    }
}

impl CallLimits {
    /// These limits with every value brought inside its hard cap.
    pub fn clamped(self) -> Self {
        Self {
            max_participants: self.max_participants.clamp(1, CALL_MAX_PARTICIPANTS),
            max_keys_per_sender: self.max_keys_per_sender.max(2),
            max_ratchet_jump: self.max_ratchet_jump.min(crate::call::MAX_RATCHET_STEP),
            replay_window: self.replay_window.clamp(64, CALL_MAX_REPLAY_WINDOW),
            max_metadata_len: self.max_metadata_len.min(CALL_MAX_METADATA_LEN),
            ..self
        }
    }
}
