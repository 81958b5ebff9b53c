//! Errors of the group layer (SPEC.md §12.6).

use crate::session::SessionError;
use crate::wire::DecodeError;

/// Why a group operation failed. A failed decrypt or distribution never
/// changes any state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GroupError {
    /// The bytes do not decode (size, format, canonical encoding, fields).
    #[error("group message does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// The message or distribution belongs to another group.
    #[error("message is for another group")]
    WrongGroup,
    /// The sender is not a member of the group (or was removed).
    #[error("sender is not a member of this group")]
    UnknownSender,
    /// The sender's chain is not known here: its distribution has not
    /// arrived yet (buffer the message and retry, see the [`crate::group`]
    /// docs), or the chain was rotated away long ago. The fields are the
    /// message's public header, read before its signature could be checked:
    /// use them to route the retry, never as proof of anything.
    #[error("unknown sender chain {chain_id:#010x} of sender {}..", crate::crypto::fmt_public::hex_prefix(sender))]
    UnknownChain {
        /// The Ed25519 identity key of the roster member the message names
        /// as its sender (its `IdentityPublic::signing_key`).
        sender: [u8; 32],
        /// The chain the message is on.
        chain_id: u32,
    },
    /// The chain's signature over the message does not verify.
    #[error("group message signature does not verify")]
    BadSignature,
    /// Authentication of the ciphertext failed.
    #[error("group message decryption failed")]
    DecryptionFailed,
    /// This message was already decrypted.
    #[error("duplicate group message")]
    Duplicate,
    /// The message key is no longer held (replayed long ago or discarded by the cap).
    #[error("group message key no longer held")]
    MessageKeyDiscarded,
    /// The message would skip more keys than allowed.
    #[error("group message is {jump} messages ahead, limit {max}")]
    TooFarAhead {
        /// The jump requested.
        jump: u64,
        /// The limit.
        max: u32,
    },
    /// An iteration counter would pass its maximum: rotate the chain.
    #[error("sender chain exhausted; rotate")]
    CounterExhausted,
    /// A distribution did not come from a 1:1 session as a sender-key
    /// distribution.
    #[error("not a sender-key distribution from a session")]
    NotADistribution,
    /// The same chain id arrived with another signing key or an earlier state.
    #[error("conflicting distribution for chain {0:#010x}")]
    ConflictingDistribution(u32),
    /// The plaintext is larger than the configured limit.
    #[error("plaintext of {len} bytes exceeds the limit of {max}")]
    PlaintextTooLarge {
        /// Plaintext length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The group would exceed its member limit.
    #[error("group would have more than {max} members")]
    TooManyMembers {
        /// The limit.
        max: usize,
    },
    /// The decrypted content is malformed (padding); only a sender that is
    /// not vestnik can cause this.
    #[error("malformed content")]
    BadContent,
    /// A 1:1 session error while handling a distribution.
    #[error("session: {0}")]
    Session(#[from] SessionError),
}

impl From<crate::chain::ChainError> for GroupError {
    fn from(e: crate::chain::ChainError) -> Self {
        match e {
            crate::chain::ChainError::TooFarAhead { jump, max } => GroupError::TooFarAhead { jump, max },
            crate::chain::ChainError::CounterExhausted => GroupError::CounterExhausted,
        }
    }
}
