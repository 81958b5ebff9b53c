//! What processing a received MLS message gives (SPEC.md §15.4): a typed
//! result for every message, naming members by their vestnik identity.

use super::wire::{MlsMessageEnvelope, MlsRatchetTreeEnvelope, MlsWelcomeEnvelope};
use crate::identity::IdentityPublic;
use zeroize::Zeroizing;

/// The result of [`super::MlsGroup::process`].
#[derive(Debug)]
#[non_exhaustive]
// Short-lived results handed straight to the app: boxing buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum MlsReceived {
    /// An application message, decrypted and authenticated.
    Application(MlsApplication),
    /// A commit was applied: the group is at a new epoch.
    Commit(MlsEpochChange),
    /// A proposal was received and kept until a commit includes it.
    Proposal(MlsProposal),
}

/// A decrypted application message.
#[non_exhaustive]
pub struct MlsApplication {
    /// The sending device, authenticated by its leaf signature and the leaf
    /// key's certification.
    pub sender: IdentityPublic,
    /// The epoch it was sent in.
    pub epoch: u64,
    /// The plaintext (padding removed), wiped when dropped.
    pub plaintext: Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for MlsApplication {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "MlsApplication({:?}, epoch {}, {} bytes)", self.sender, self.epoch, self.plaintext.len())
    }
}

/// A commit's effect on the group, as every member sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MlsEpochChange {
    /// Who committed.
    pub committer: IdentityPublic,
    /// The new epoch.
    pub epoch: u64,
    /// Devices added, in the commit's order.
    pub added: Vec<IdentityPublic>,
    /// Devices removed (by the committer, or by their own leave proposal).
    pub removed: Vec<IdentityPublic>,
    /// Devices that replaced their leaf (post-compromise security),
    /// the committer included when the commit carried a path.
    pub updated: Vec<IdentityPublic>,
    /// True when this is this device's own commit, now confirmed.
    pub own: bool,
    /// True when this device was removed: the group is closed.
    pub removed_self: bool,
}

/// A proposal, waiting for a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MlsProposal {
    /// Who proposed.
    pub sender: IdentityPublic,
    /// What.
    pub kind: MlsProposalKind,
}

/// What a proposal asks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MlsProposalKind {
    /// Remove a member (the sender itself for a leave).
    Remove(IdentityPublic),
    /// Add a device.
    Add(IdentityPublic),
    /// The sender replaces its leaf.
    Update,
    /// Anything else RFC 9420 allows (vestnik members do not send these).
    Other,
}

/// A commit this member made, pending until the server's ordering confirms
/// it (SPEC.md §15.5): send `commit` to the server; on its echo (or an
/// explicit confirmation) the commit applies, and `welcome` and
/// `ratchet_tree` go to the added devices.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MlsCommit {
    /// The commit, a PublicMessage.
    pub commit: MlsMessageEnvelope,
    /// The Welcome for added devices, if any.
    pub welcome: Option<MlsWelcomeEnvelope>,
    /// The tree after the commit, for joiners (the server keeps it too).
    pub ratchet_tree: Option<MlsRatchetTreeEnvelope>,
}

impl MlsCommit {
    /// Bytes the commit and Welcome put through the server (the tree, which
    /// the server can derive, not counted).
    pub fn wire_len(&self) -> usize {
        self.commit.encoded_len() + self.welcome.as_ref().map_or(0, |w| w.to_bytes().len())
    }
}
