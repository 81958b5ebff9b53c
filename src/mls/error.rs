//! Errors of the MLS module, split by cause (what a peer or server sent,
//! what the caller asked, what only hit a limit). mls-rs errors are mapped
//! here, in one place; none of its types leave the module.

use super::identity::LeafRejection;
use crate::wire::DecodeError;

/// Why an MLS operation failed. A failed operation leaves the group state
/// unchanged (SPEC.md §15.4).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MlsError {
    // ---- what a peer or the server sent ---------------------------------
    /// The vestnik envelope does not decode (format, size, encoding).
    #[error("envelope does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// The MLS bytes inside the envelope are malformed or not canonical.
    #[error("malformed MLS object")]
    MalformedMls,
    /// The envelope's routing header disagrees with the MLS framing, or the
    /// object is not of the kind the call expects.
    #[error("envelope header does not match the MLS message")]
    HeaderMismatch,
    /// The message is for another group.
    #[error("message for another group")]
    WrongGroup,
    /// The message is for an epoch this member no longer has (an old
    /// commit, or an application message older than the kept epochs).
    #[error("message for stale epoch {epoch} (current {current})")]
    StaleEpoch {
        /// Epoch of the message.
        epoch: u64,
        /// This member's epoch.
        current: u64,
    },
    /// The message is for an epoch this member has not reached.
    #[error("message for future epoch {epoch} (current {current})")]
    FutureEpoch {
        /// Epoch of the message.
        epoch: u64,
        /// This member's epoch.
        current: u64,
    },
    /// This application message was already decrypted: never plaintext
    /// twice.
    #[error("duplicate message")]
    Duplicate,
    /// This member's own message came back (the server echoes it).
    #[error("own message")]
    OwnMessage,
    /// The sender is not a member of the group at that epoch.
    #[error("sender is not a member")]
    NotMember,
    /// A signature, membership tag or confirmation tag does not verify, or
    /// the message does not decrypt.
    #[error("message does not authenticate")]
    BadSignature,
    /// A leaf credential was refused (SPEC.md §15.2).
    #[error("leaf credential refused: {0}")]
    Credential(LeafRejection),
    /// The commit or proposal breaks an RFC 9420 rule (tree, path, proposal
    /// list, extensions).
    #[error("invalid MLS message: {0}")]
    Invalid(&'static str),
    /// The application plaintext's padding is malformed (SPEC.md §6).
    #[error("bad padding")]
    BadPadding,
    /// A KeyPackage is outside its lifetime at `now`.
    #[error("key package outside its lifetime")]
    KeyPackageExpired,
    /// A KeyPackage or group uses a suite vestnik does not speak, or not the
    /// one required.
    #[error("unsupported or mismatched cipher suite")]
    WrongSuite,
    /// A KeyPackage's credential names another device than the uploader.
    #[error("key package belongs to another device")]
    WrongDevice,
    /// A Welcome is for none of this device's KeyPackages (or one already
    /// used: KeyPackages are consumed once).
    #[error("welcome for no stored key package")]
    UnknownKeyPackage,
    /// The ratchet tree does not match the group's tree hash.
    #[error("ratchet tree does not match the group")]
    TreeMismatch,

    // ---- what the caller asked ----------------------------------------
    /// This device is no longer a member (removed, or left).
    #[error("this device is no longer a member")]
    Removed,
    /// The identity to remove is not a member.
    #[error("no such member")]
    UnknownMember,
    /// The identity to add is already a member.
    #[error("already a member")]
    AlreadyMember,
    /// A commit of this member is pending: confirm or discard it first.
    #[error("a commit is pending")]
    PendingCommit,
    /// There is no pending commit to confirm.
    #[error("no pending commit")]
    NoPendingCommit,
    /// Proposals were received: commit them before sending.
    #[error("proposals pending: commit first")]
    CommitRequired,
    /// The caller's argument is unusable (empty group id, no KeyPackages).
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),

    // ---- limits --------------------------------------------------------
    /// The group would exceed its member limit.
    #[error("group of {count} members exceeds the limit of {max}")]
    TooManyMembers {
        /// Members the operation would give.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The device already keeps the maximum number of KeyPackages.
    #[error("key package store full ({max})")]
    TooManyKeyPackages {
        /// The limit.
        max: usize,
    },
    /// A produced or received object exceeds its size cap.
    #[error("{what} of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The cap.
        max: usize,
    },

    // ---- neither -------------------------------------------------------
    /// An internal failure of the MLS engine (a bug, not input).
    #[error("internal MLS error")]
    Internal,
}

/// Maps an mls-rs error into the module's, by cause.
pub(crate) fn from_mls(e: mls_rs::error::MlsError) -> MlsError {
    use mls_rs::error::MlsError as E;
    match e {
        E::IdentityProviderError(any) => match any.inner_dyn_error().downcast_ref::<LeafRejection>() {
            Some(r) => MlsError::Credential(r.clone()),
            None => MlsError::Credential(LeafRejection::BadCertification),
        },
        E::SerializationError(_) => MlsError::MalformedMls,
        E::CipherSuiteMismatch | E::UnsupportedCipherSuite(_) => MlsError::WrongSuite,
        E::InvalidSignature | E::InvalidConfirmationTag | E::InvalidMembershipTag => MlsError::BadSignature,
        E::CryptoProviderError(_) => MlsError::BadSignature,
        E::KeyMissing(_) => MlsError::Duplicate,
        E::CantProcessMessageFromSelf => MlsError::OwnMessage,
        E::CommitRequired => MlsError::CommitRequired,
        E::WelcomeKeyPackageNotFound => MlsError::UnknownKeyPackage,
        E::MembershipTagForNonMember | E::InvalidSender | E::LeafNotFound(_) | E::MemberNotFound => MlsError::NotMember,
        E::GroupIdMismatch => MlsError::WrongGroup,
        E::ExistingPendingCommit => MlsError::PendingCommit,
        E::PendingCommitNotFound => MlsError::NoPendingCommit,
        E::RemovingNonExistingMember => MlsError::UnknownMember,
        E::TreeHashMismatch | E::ParentHashMismatch | E::RatchetTreeNotFound => MlsError::TreeMismatch,
        E::InvalidLifetime { .. } => MlsError::KeyPackageExpired,
        E::DuplicateLeafData(_) => MlsError::AlreadyMember,
        E::InvalidFutureGeneration(_) => MlsError::Invalid("generation too far ahead"),
        E::UnencryptedApplicationMessage => MlsError::Invalid("unencrypted application message"),
        E::UnexpectedMessageType => MlsError::HeaderMismatch,
        E::InvalidEpoch | E::EpochNotFound => MlsError::Invalid("epoch"),
        E::CommitMissingPath => MlsError::Invalid("commit without path"),
        E::GroupStorageError(_) | E::KeyPackageRepoError(_) | E::PskStoreError(_) => MlsError::Internal,
        _ => MlsError::Invalid("rejected by RFC 9420 validation"),
    }
}
