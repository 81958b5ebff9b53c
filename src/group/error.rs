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
    /// The sender is not a member of the group (or was removed), or a
    /// roster update came from a device not on the roster it carries.
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
    /// A roster entry's signature by its author's identity key does not verify.
    #[error("roster entry signature does not verify")]
    RosterBadSignature,
    /// A roster entry is signed by a device that is not an admin of the
    /// group at the entry's previous epoch.
    #[error("roster entry author {}.. is not an admin", crate::crypto::fmt_public::hex_prefix(author))]
    RosterNotAdmin {
        /// The Ed25519 identity key the entry names as its author.
        author: [u8; 32],
    },
    /// A roster entry does not name the hash of the entry before it in this
    /// device's log (a fork of the log).
    #[error("roster entry {epoch} does not follow this device's log")]
    RosterWrongPrevious {
        /// The entry's epoch.
        epoch: u64,
    },
    /// A roster entry is not the next one: entries in between are missing.
    #[error("roster entry for epoch {epoch}, expected {expected}")]
    RosterWrongEpoch {
        /// The entry's epoch.
        epoch: u64,
        /// The next epoch of this device's log.
        expected: u64,
    },
    /// A roster entry for an epoch this device already applied, other than
    /// the one it applied: a rollback or a fork.
    #[error("roster entry for epoch {epoch} rolls back the roster at epoch {current}")]
    RosterRollback {
        /// The entry's epoch.
        epoch: u64,
        /// This device's current epoch.
        current: u64,
    },
    /// A verified roster entry makes a change that is not allowed (adds a
    /// member, removes a non-member, leaves no admin, changes nothing...).
    #[error("invalid roster change: {0}")]
    RosterInvalid(&'static str),
    /// A chain or message names a roster epoch this device knows with other
    /// members, or a message names another epoch than its chain.
    #[error("roster epoch {epoch} does not match")]
    RosterMismatch {
        /// The epoch named.
        epoch: u64,
    },
    /// The sender's chain was made under a roster epoch before a removal
    /// this device applied longer ago than the grace period: the sender has
    /// not seen the removal (its messages could still reach the removed
    /// device). Surface it ("X has not seen the latest removal").
    #[error(
        "sender {}.. is on roster epoch {chain_epoch}, before the removal at {current_epoch}",
        crate::crypto::fmt_public::hex_prefix(sender)
    )]
    SenderBehindRoster {
        /// The sender's Ed25519 identity key.
        sender: [u8; 32],
        /// The epoch the sender's chain was made under.
        chain_epoch: u64,
        /// This device's current roster epoch.
        current_epoch: u64,
    },
    /// The message key does not match the key the signed body commits to:
    /// the sender gave this device another chain key than it used.
    #[error("group message key commitment does not match")]
    KeyCommitmentMismatch,
    /// This device is not (or no longer) on the group's roster.
    #[error("this device is not a member of the group")]
    NotAMember,
    /// The state was loaded from version 1, which has no signed roster: it
    /// reads its chains' version-1 messages and nothing else. Re-create the
    /// group.
    #[error("version-1 group state without a signed roster")]
    LegacyGroup,
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
