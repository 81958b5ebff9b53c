//! Errors of the call layer (SPEC.md §13.8), split by cause: what a peer or
//! the network did (bad frames, replays, stale keys), what the caller did
//! (buffers, configuration), and what only hit a limit.

use crate::wire::DecodeError;

/// Why a call operation failed. A frame that fails to unprotect changes no
/// state and leaves no plaintext in any buffer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    // ---- Frames from the network --------------------------------------
    /// The frame ends inside its SFrame header.
    #[error("frame ends inside its SFrame header")]
    TruncatedHeader,
    /// The header uses a longer form than its values need.
    #[error("SFrame header is not in its shortest form")]
    NonMinimalHeader,
    /// The frame is too short to hold an authentication tag.
    #[error("frame too short for an authentication tag")]
    TruncatedFrame,
    /// No key is held for this KID: not a vestnik KID, a participant not in
    /// the call, or a generation whose key has not arrived yet.
    #[error("unknown key id {0:#x}")]
    UnknownKid(u64),
    /// The KID's key was retired: an older generation or step after its
    /// overlap window, a participant who left, or a key from before a
    /// departure (after its overlap window, or a ratchet step of such a
    /// key's generation that was not held when the departure was applied:
    /// the departed device could compute it).
    #[error("key id {0:#x} is retired")]
    RetiredKid(u64),
    /// This counter already decrypted under this KID (a replay or a
    /// duplicated packet).
    #[error("duplicate frame: key id {kid:#x}, counter {ctr}")]
    Duplicate {
        /// The KID.
        kid: u64,
        /// The counter.
        ctr: u64,
    },
    /// The counter is further behind the newest one than the replay window
    /// remembers.
    #[error("frame too old for the replay window: key id {kid:#x}, counter {ctr}")]
    TooOld {
        /// The KID.
        kid: u64,
        /// The counter.
        ctr: u64,
    },
    /// The counter is above the largest a sender may use.
    #[error("counter {ctr} above the limit {max}")]
    CounterOutOfRange {
        /// The counter.
        ctr: u64,
        /// The limit.
        max: u64,
    },
    /// The KID asks for more ratchet steps than one frame may cost.
    #[error("key id needs {steps} ratchet steps, limit {max}")]
    RatchetTooFar {
        /// Steps needed.
        steps: u8,
        /// The limit.
        max: u8,
    },
    /// The frame does not authenticate under its KID's key (tampered
    /// header, metadata or ciphertext, or a key that differs).
    #[error("frame authentication failed")]
    AuthenticationFailed,

    // ---- Call key messages ---------------------------------------------
    /// The payload did not arrive as a call key over a 1:1 session.
    #[error("not a call key message from a session")]
    NotACallKey,
    /// The call key message does not decode.
    #[error("call key message does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// The call key message is for another call.
    #[error("call key message is for another call")]
    WrongCall,
    /// The call key message names another cipher suite than the call's.
    #[error("call key message uses suite {found:#06x}, the call uses {expected:#06x}")]
    SuiteMismatch {
        /// Suite in the message.
        found: u16,
        /// The call's suite.
        expected: u16,
    },
    /// The sender is not a participant of the call (or claims another
    /// participant's index).
    #[error("sender is not the participant at index {0}")]
    NotAParticipant(u16),
    /// The key is older than the one already held for that sender, or of a
    /// generation the receiver held when it applied a departure (the
    /// departed device knows that generation).
    #[error("call key is older than the one held")]
    StaleKey,
    /// The sender bound its key to another roster than this device's
    /// current one: one of the two has not applied a join or leave the
    /// other has (for example, the sender has not seen a departure). Nothing
    /// was installed. Apply pending roster changes and retry the same
    /// message; if this device has applied every change it knows of, the
    /// sender is behind, and its next key, sent once it catches up, will
    /// install.
    #[error("participant {index} sent its key for another roster (its roster epoch {epoch})")]
    RosterMismatch {
        /// The sender's participant index.
        index: u16,
        /// The roster changes the sender had applied when it sent the key.
        epoch: u64,
    },

    // ---- The caller -----------------------------------------------------
    /// The output buffer is too small.
    #[error("buffer of {got} bytes, {needed} needed")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        got: usize,
    },
    /// The frame or payload is larger than the limit.
    #[error("frame of {len} bytes exceeds the limit of {max}")]
    FrameTooLarge {
        /// Length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The metadata is larger than the limit.
    #[error("metadata of {len} bytes exceeds the limit of {max}")]
    MetadataTooLarge {
        /// Length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A base key of the wrong length.
    #[error("base key has length {0}, expected 16 to 64")]
    InvalidBaseKey(usize),
    /// A participant index out of range, taken, or the caller's own.
    #[error("invalid participant index {0}")]
    InvalidIndex(u16),

    // ---- Limits ---------------------------------------------------------
    /// The sender used its last counter under this key: rotate the key.
    #[error("frame counter exhausted; rotate the key")]
    CounterExhausted,
    /// The sender key is at its last ratchet step: replace it instead.
    #[error("sender key at its last ratchet step; rotate")]
    RatchetExhausted,
    /// The call has as many participants as the limit allows.
    #[error("call already has {max} participants")]
    TooManyParticipants {
        /// The limit.
        max: usize,
    },
    /// The sender has used every key generation of this call: start a new call.
    #[error("key generations exhausted; start a new call")]
    GenerationExhausted,
}
