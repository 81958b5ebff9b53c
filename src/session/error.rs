//! Errors of the 1:1 layer, split by cause (SPEC.md §5.10): what the peer or
//! network did (bad message, replay, too far ahead), what the caller did
//! (no session, wrong peer), and what is only a limit.

use crate::wire::DecodeError;

/// Why a session operation failed. A failed decrypt never changes any state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The message does not decode (size, format, canonical encoding, fields).
    #[error("message does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// This message was already decrypted; it is never decrypted twice. For
    /// a prekey message, also: its handshake was accepted before (the device
    /// remembers every base key under a signed prekey until that prekey is
    /// deleted), even if the session it started is gone.
    #[error("duplicate message")]
    Duplicate,
    /// The message is older than what the session still holds keys for: either
    /// a replay of a message delivered long ago or one whose skipped key was
    /// discarded by the skipped-key cap. It will never decrypt.
    #[error("message key no longer held (replayed or discarded)")]
    MessageKeyDiscarded,
    /// The message would skip more keys than the forward-jump limit allows.
    #[error("message is {jump} messages ahead, limit {max}")]
    TooFarAhead {
        /// The jump requested.
        jump: u64,
        /// The limit.
        max: u32,
    },
    /// A counter would pass its maximum; chains never wrap.
    #[error("message counter exhausted")]
    CounterExhausted,
    /// Authentication failed in every session that could hold the message.
    #[error("decryption failed")]
    DecryptionFailed,
    /// A Diffie-Hellman result was all zero (the peer sent a small-order key).
    #[error("non-contributory key agreement")]
    NonContributory,
    /// A key in the message is invalid (non-canonical or of small order).
    #[error("invalid key in message")]
    InvalidKey,
    /// The prekey message names a signed prekey this device does not hold.
    #[error("unknown signed prekey {0}")]
    UnknownSignedPreKey(u32),
    /// The prekey message names a one-time prekey that does not exist or was
    /// already used.
    #[error("unknown or used one-time prekey {0}")]
    UnknownOneTimePreKey(u32),
    /// The prekey message names a KEM prekey this device does not hold: a
    /// one-time KEM prekey already used (or never issued), or a last-resort
    /// one already expired.
    #[error("unknown or used KEM prekey {0}")]
    UnknownKemPreKey(u32),
    /// A classical (X25519-only) handshake was refused by
    /// [`crate::limits::HandshakePolicy::PostQuantumRequired`]: a bundle
    /// without a KEM prekey (initiator), or a version-1 prekey message that
    /// would start a session on a device that publishes KEM prekeys
    /// (responder). Nothing changed.
    #[error("classical handshake refused: post-quantum required")]
    ClassicalRefused,
    /// The message comes from another identity than this peer's.
    #[error("message is from another identity than this peer")]
    WrongPeer,
    /// There is no session to encrypt with: start one from a bundle.
    #[error("no session with this peer")]
    NoSession,
    /// The plaintext is larger than the configured limit.
    #[error("plaintext of {len} bytes exceeds the limit of {max}")]
    PlaintextTooLarge {
        /// Plaintext length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The signed prekey's memory of accepted handshakes is full
    /// ([`crate::SessionLimits::max_accepted_base_keys`]): no new session
    /// can start under it until the device rotates its signed prekey
    /// ([`crate::PreKeyStore::rotate_signed_prekey`]) and uploads the new one.
    #[error("replay memory of signed prekey {signed_prekey_id} is full: rotate the signed prekey")]
    ReplayMemoryFull {
        /// The signed prekey whose memory is full.
        signed_prekey_id: u32,
    },
    /// The decrypted content is malformed (padding or content type); only a
    /// sender that is not vestnik can cause this.
    #[error("malformed content")]
    BadContent,
}
