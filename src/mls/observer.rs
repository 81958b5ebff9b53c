//! The delivery service's view of one MLS group (SPEC.md §15.90): it holds
//! no secret, follows the group's public state (epoch, members, ratchet
//! tree) from the handshake messages members send as PublicMessage, and
//! orders commits: **exactly one commit per epoch**, the first valid one.
//!
//! Built on mls-rs's external client with the crate's crypto provider
//! ([`super::provider`]: the crate's Ed25519 rule) and the members' identity
//! provider (the same leaf-credential and trust rules as members, SPEC.md
//! §15.2). Every input first passes the strict vestnik envelope decoder
//! ([`MlsMessageEnvelope::from_bytes`]) and the routing header must agree
//! with the MLS framing before mls-rs judges the content. Application
//! messages (PrivateMessage) are routed, never decrypted: only their group
//! id and epoch are checked.
//!
//! A rejected input leaves the observer byte-for-byte unchanged (it works
//! on a copy and keeps it only on success).
//!
//! ```
//! # use vestnik::mls::{MlsObserver, ObserverError};
//! // A server: one observer per group, fed every message before it is
//! // fanned out; what it refuses is not delivered.
//! fn route(observer: &mut MlsObserver, envelope: &[u8]) -> bool {
//!     match observer.process(envelope) {
//!         Ok(_) => true,
//!         // Lost the race for this epoch: tell the sender to re-base.
//!         Err(ObserverError::CommitConflict { .. }) => false,
//!         Err(_) => false,
//!     }
//! }
//! # let _ = route;
//! ```

use super::error::{MlsError, from_mls};
use super::identity::{TrustedIdentities, VestnikIdentityProvider, leaf_identity};
use super::limits::MlsLimits;
use super::provider::VestnikCryptoProvider;
use super::wire::{MlsContentKind, MlsGroupInfoEnvelope, MlsMessageEnvelope, MlsRatchetTreeEnvelope};
use crate::IdentityPublic;
use crate::wire::{self, Cap, DecodeError, format, mlsobserver as pb};
use mls_rs::external_client::builder::{ExternalBaseConfig, WithCryptoProvider, WithIdentityProvider};
use mls_rs::external_client::{ExternalClient, ExternalGroup, ExternalReceivedMessage, ExternalSnapshot};
use mls_rs::group::proposal::Proposal;
use mls_rs::group::{CommitEffect, ContentType, ExportedTree, Sender};
use mls_rs::{MlsMessage, MlsMessageDescription};
use prost::Message;
use sha2::{Digest, Sha256};
use std::collections::VecDeque;

/// Accepted commits the observer remembers (epoch and digest), so an exact
/// replay of any of them is [`ObserverError::Duplicate`] rather than a
/// stale-epoch error. 64 epochs covers a client retrying for hours in a busy
/// group; each entry is 40 bytes.
pub const MLS_OBSERVER_REMEMBERED_COMMITS: usize = 64;

/// Proposals (by reference) the observer accepts in one epoch before a
/// commit must come: mls-rs caches each one, so a member flooding proposals
/// is refused beyond this.
pub const MLS_OBSERVER_MAX_PENDING_PROPOSALS: usize = 256;

/// Bytes of observer state beyond the ratchet tree (group context,
/// extensions, confirmation tag, digests): the state cap is
/// [`MlsLimits::max_tree_len`] plus [`MlsLimits::max_group_info_len`] plus
/// this, plus [`MLS_OBSERVER_MAX_PENDING_PROPOSALS`] handshake-sized
/// proposals' worth of the key-package cap.
pub const MLS_OBSERVER_STATE_OVERHEAD: usize = 64 * 1024;

type ObserverConfig =
    WithIdentityProvider<VestnikIdentityProvider, WithCryptoProvider<VestnikCryptoProvider, ExternalBaseConfig>>;

/// Why the observer refused a message (or a GroupInfo or state). The
/// observer is unchanged after every one of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ObserverError {
    /// Another commit was already accepted for this epoch: the sender lost
    /// the race and must process the accepted commit, then re-base and
    /// retry its change in the new epoch.
    #[error("epoch {epoch} already has its commit")]
    CommitConflict {
        /// The epoch both commits were sent in.
        epoch: u64,
    },
    /// This exact commit or proposal was already accepted (a replay).
    #[error("duplicate message")]
    Duplicate,
    /// The message is for an epoch before the current one (and is not the
    /// losing commit of the epoch just closed, nor a replay).
    #[error("message for stale epoch {epoch} (current {current})")]
    StaleEpoch {
        /// Epoch of the message.
        epoch: u64,
        /// The observer's epoch.
        current: u64,
    },
    /// The message is for an epoch the group has not reached.
    #[error("message for future epoch {epoch} (current {current})")]
    FutureEpoch {
        /// Epoch of the message.
        epoch: u64,
        /// The observer's epoch.
        current: u64,
    },
    /// The message is for another group.
    #[error("message for another group")]
    WrongGroup,
    /// The sender is not a member at the message's epoch (never added,
    /// removed, or a non-member sender type).
    #[error("sender is not a member")]
    NotMember,
    /// A handshake the profile forbids: a commit or proposal sent as
    /// PrivateMessage (the observer could not follow it), an external
    /// commit, or a proposal beyond [`MLS_OBSERVER_MAX_PENDING_PROPOSALS`].
    #[error("handshake refused: {0}")]
    Forbidden(&'static str),
    /// The envelope does not decode, its header disagrees with the MLS
    /// framing, or mls-rs refused the content (bad signature, invalid
    /// proposal or path, untrusted credential, tree mismatch).
    #[error(transparent)]
    Mls(#[from] MlsError),
}

impl From<DecodeError> for ObserverError {
    fn from(e: DecodeError) -> Self {
        Self::Mls(MlsError::Decode(e))
    }
}

/// What an accepted message did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Observed {
    /// A commit: the group moved to `epoch`.
    Commit {
        /// The new epoch.
        epoch: u64,
        /// Leaf index of the committer.
        committer: u32,
        /// Identities added by the commit.
        added: Vec<IdentityPublic>,
        /// Identities removed by the commit (their devices must not get
        /// the group's later messages, though they cannot read them anyway).
        removed: Vec<IdentityPublic>,
    },
    /// A proposal by reference, cached for the next commit.
    Proposal {
        /// The epoch it was sent in (the current one).
        epoch: u64,
        /// Leaf index of the proposer.
        sender: u32,
    },
    /// An application message (PrivateMessage) to route, undecrypted.
    Application {
        /// The epoch it was sent in (current, or one of the members' kept
        /// prior epochs).
        epoch: u64,
    },
}

/// The delivery service's public, secret-free view of one MLS group (module
/// docs). Not `Clone`: one instance orders the group's commits.
pub struct MlsObserver {
    group: ExternalGroup<ObserverConfig>,
    limits: MlsLimits,
    commits: VecDeque<(u64, [u8; 32])>,
    proposals: Vec<[u8; 32]>,
}

impl core::fmt::Debug for MlsObserver {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "MlsObserver(epoch {}, {} members)", self.epoch(), self.member_count())
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn mls(e: mls_rs::error::MlsError) -> ObserverError {
    match from_mls(e) {
        MlsError::NotMember => ObserverError::NotMember,
        MlsError::WrongGroup => ObserverError::WrongGroup,
        other => ObserverError::Mls(other),
    }
}

/// Decodes an `MLSMessage` and refuses a non-canonical encoding (the bytes
/// signed and forwarded are the bytes judged).
fn decode_mls(bytes: &[u8]) -> Result<MlsMessage, ObserverError> {
    let m = MlsMessage::from_bytes(bytes).map_err(|_| MlsError::MalformedMls)?;
    match m.to_bytes() {
        Ok(back) if back == bytes => Ok(m),
        _ => Err(MlsError::MalformedMls.into()),
    }
}

fn client(trust: TrustedIdentities) -> ExternalClient<ObserverConfig> {
    ExternalClient::builder()
        .crypto_provider(VestnikCryptoProvider::new())
        .identity_provider(VestnikIdentityProvider::new(trust, None))
        .build()
}

impl MlsObserver {
    /// Starts observing a group from a member's signed GroupInfo envelope
    /// (format `0x6701`) and the group's ratchet tree envelope (format
    /// `0x6301`; `None` if the GroupInfo carries the tree extension).
    /// Checks everything a joiner checks except secrets: the GroupInfo
    /// signature by a member leaf, the tree against the tree hash, every
    /// leaf's credential and signature under `trust`, parent hashes, the
    /// member limit.
    pub fn from_group_info(
        group_info: &[u8],
        tree: Option<&[u8]>,
        trust: TrustedIdentities,
        limits: &MlsLimits,
    ) -> Result<Self, ObserverError> {
        let info = MlsGroupInfoEnvelope::from_bytes(group_info, limits)?;
        let msg = decode_mls(info.mls_bytes())?;
        let tree_env = tree.map(|t| MlsRatchetTreeEnvelope::from_bytes(t, limits)).transpose()?;
        {
            let gi = msg.as_group_info().ok_or(MlsError::HeaderMismatch)?;
            let ctx = gi.group_context();
            if ctx.group_id() != info.group_id() || ctx.epoch() != info.epoch() {
                return Err(MlsError::HeaderMismatch.into());
            }
            if let Some(t) = &tree_env
                && (t.group_id() != info.group_id() || t.epoch() != info.epoch())
            {
                return Err(MlsError::HeaderMismatch.into());
            }
        }
        let exported = match &tree_env {
            Some(t) => Some(ExportedTree::from_bytes(t.tree_bytes()).map_err(|_| MlsError::MalformedMls)?),
            None => None,
        };
        let client = client(trust);
        let group = client.observe_group(msg, exported, None).map_err(mls)?;
        let observer = Self { group, limits: *limits, commits: VecDeque::new(), proposals: Vec::new() };
        observer.check_members()?;
        Ok(observer)
    }

    fn check_members(&self) -> Result<(), ObserverError> {
        let count = self.member_count();
        if count > self.limits.max_members {
            return Err(MlsError::TooManyMembers { count, max: self.limits.max_members }.into());
        }
        Ok(())
    }

    /// The group id.
    pub fn group_id(&self) -> &[u8] {
        self.group.group_context().group_id()
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.group.group_context().epoch()
    }

    /// Members in the current epoch.
    pub fn member_count(&self) -> usize {
        self.group.roster().members_iter().count()
    }

    /// The identities of the current members, in leaf order (each leaf's
    /// credential verified).
    pub fn members(&self) -> Vec<IdentityPublic> {
        self.group.roster().members_iter().filter_map(|m| leaf_identity(&m.signing_identity).ok()).collect()
    }

    /// The current public ratchet tree, in the envelope a joiner fetches
    /// (format `0x6301`), checked by the joiner against the GroupInfo's tree
    /// hash.
    pub fn ratchet_tree(&self) -> Result<Vec<u8>, ObserverError> {
        let tree = self.group.export_tree().map_err(mls)?;
        Ok(MlsRatchetTreeEnvelope::new(self.group_id().to_vec(), self.epoch(), tree).to_bytes())
    }

    /// Judges one message envelope (format `0x6101`) as the delivery service
    /// receives it, before fanning it out. Commits: exactly one per epoch,
    /// the first valid one; proposals: current epoch, member senders;
    /// application messages: current epoch or one of the
    /// [`MlsLimits::max_prior_epochs`] before it. On any error the observer
    /// is unchanged.
    pub fn process(&mut self, envelope: &[u8]) -> Result<Observed, ObserverError> {
        let env = MlsMessageEnvelope::from_bytes(envelope, &self.limits)?;
        if env.group_id() != self.group_id() {
            return Err(ObserverError::WrongGroup);
        }
        let msg = decode_mls(env.mls_bytes())?;
        let (group_id, epoch, content_type, public) = match msg.description() {
            MlsMessageDescription::PublicProtocolMessage { group_id, epoch_id, content_type, .. } => {
                (group_id.to_vec(), epoch_id, content_type, true)
            }
            MlsMessageDescription::PrivateProtocolMessage { group_id, epoch_id, content_type } => {
                (group_id.to_vec(), epoch_id, content_type, false)
            }
            _ => return Err(MlsError::HeaderMismatch.into()),
        };
        let kind = match content_type {
            ContentType::Application => MlsContentKind::Application,
            ContentType::Proposal => MlsContentKind::Proposal,
            ContentType::Commit => MlsContentKind::Commit,
        };
        if group_id != env.group_id() || epoch != env.epoch() || kind != env.kind() {
            return Err(MlsError::HeaderMismatch.into());
        }
        let current = self.epoch();
        match (kind, public) {
            (MlsContentKind::Application, false) => self.application(epoch, current),
            (MlsContentKind::Application, true) => Err(ObserverError::Forbidden("unencrypted application message")),
            (_, false) => Err(ObserverError::Forbidden("handshake sent as PrivateMessage")),
            (MlsContentKind::Proposal, true) => self.proposal(msg, env.mls_bytes(), epoch, current),
            (MlsContentKind::Commit, true) => self.commit(msg, env.mls_bytes(), epoch, current),
        }
    }

    /// The leaf index of a PublicMessage's sender if it is a member leaf
    /// that is occupied in the current tree (not blank, not beyond it).
    fn member_sender(&self, msg: &MlsMessage) -> Option<u32> {
        match msg.description() {
            MlsMessageDescription::PublicProtocolMessage { sender: Sender::Member(i), .. } => {
                self.group.roster().member_with_index(i).ok().map(|_| i)
            }
            _ => None,
        }
    }

    fn application(&self, epoch: u64, current: u64) -> Result<Observed, ObserverError> {
        if epoch > current {
            return Err(ObserverError::FutureEpoch { epoch, current });
        }
        let prior = u64::try_from(self.limits.max_prior_epochs).unwrap_or(u64::MAX);
        if current - epoch > prior {
            return Err(ObserverError::StaleEpoch { epoch, current });
        }
        Ok(Observed::Application { epoch })
    }

    fn proposal(&mut self, msg: MlsMessage, bytes: &[u8], epoch: u64, current: u64) -> Result<Observed, ObserverError> {
        if epoch < current {
            return Err(ObserverError::StaleEpoch { epoch, current });
        }
        if epoch > current {
            return Err(ObserverError::FutureEpoch { epoch, current });
        }
        let d = digest(bytes);
        if self.proposals.contains(&d) {
            return Err(ObserverError::Duplicate);
        }
        if self.proposals.len() >= MLS_OBSERVER_MAX_PENDING_PROPOSALS {
            return Err(ObserverError::Forbidden("too many pending proposals"));
        }
        self.member_sender(&msg).ok_or(ObserverError::NotMember)?;
        let mut next = self.group.clone();
        let sender = match next.process_incoming_message(msg).map_err(mls)? {
            ExternalReceivedMessage::Proposal(p) => match p.sender {
                mls_rs::group::ProposalSender::Member(i) => i,
                _ => return Err(ObserverError::NotMember),
            },
            _ => return Err(MlsError::HeaderMismatch.into()),
        };
        self.group = next;
        self.proposals.push(d);
        Ok(Observed::Proposal { epoch, sender })
    }

    fn commit(&mut self, msg: MlsMessage, bytes: &[u8], epoch: u64, current: u64) -> Result<Observed, ObserverError> {
        let d = digest(bytes);
        if epoch < current {
            if self.commits.iter().any(|(_, c)| *c == d) {
                return Err(ObserverError::Duplicate);
            }
            if self.commits.iter().any(|(e, _)| *e == epoch) {
                return Err(ObserverError::CommitConflict { epoch });
            }
            return Err(ObserverError::StaleEpoch { epoch, current });
        }
        if epoch > current {
            return Err(ObserverError::FutureEpoch { epoch, current });
        }
        match msg.description() {
            MlsMessageDescription::PublicProtocolMessage { sender: Sender::Member(_), .. } => {
                self.member_sender(&msg).ok_or(ObserverError::NotMember)?;
            }
            _ => return Err(ObserverError::Forbidden("commit from a non-member sender (external commit)")),
        }
        let mut next = self.group.clone();
        let desc = match next.process_incoming_message(msg).map_err(mls)? {
            ExternalReceivedMessage::Commit(c) => c,
            _ => return Err(MlsError::HeaderMismatch.into()),
        };
        if desc.is_external {
            return Err(ObserverError::Forbidden("external commit"));
        }
        let new_epoch = match &desc.effect {
            CommitEffect::NewEpoch(e) | CommitEffect::Removed { new_epoch: e, .. } => e,
            CommitEffect::ReInit(_) => return Err(ObserverError::Forbidden("re-initialisation")),
        };
        let count = next.roster().members_iter().count();
        if count > self.limits.max_members {
            return Err(MlsError::TooManyMembers { count, max: self.limits.max_members }.into());
        }
        let (mut added, mut removed) = (Vec::new(), Vec::new());
        for p in &new_epoch.applied_proposals {
            match &p.proposal {
                Proposal::Add(a) => {
                    added.extend(leaf_identity(a.key_package().signing_identity()).ok());
                }
                Proposal::Remove(r) => {
                    let member = self.group.roster().member_with_index(r.to_remove()).map_err(mls)?;
                    removed.extend(leaf_identity(&member.signing_identity).ok());
                }
                _ => {}
            }
        }
        let observed = Observed::Commit { epoch: new_epoch.epoch, committer: desc.committer, added, removed };
        self.group = next;
        self.commits.push_back((epoch, d));
        while self.commits.len() > MLS_OBSERVER_REMEMBERED_COMMITS {
            self.commits.pop_front();
        }
        self.proposals.clear();
        Ok(observed)
    }

    /// Largest serialized observer under `limits` (module constants).
    pub fn max_state_len(limits: &MlsLimits) -> usize {
        limits
            .max_tree_len()
            .saturating_add(limits.max_group_info_len)
            .saturating_add(MLS_OBSERVER_MAX_PENDING_PROPOSALS.saturating_mul(limits.max_key_package_len))
            .saturating_add(MLS_OBSERVER_STATE_OVERHEAD)
    }

    /// Serializes the observer (format `0x6A01`, `MlsObserverState`): the
    /// public group state and the digests of accepted handshakes. Holds no
    /// secret; store it as the server stores any group metadata.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ObserverError> {
        let snapshot = self.group.snapshot().to_bytes().map_err(mls)?;
        Ok(pb::MlsObserverState {
            format: format::STATE_MLS_OBSERVER,
            snapshot,
            commits: self
                .commits
                .iter()
                .map(|(epoch, d)| pb::MlsObservedCommit { epoch: *epoch, digest: d.to_vec() })
                .collect(),
            proposals: self.proposals.iter().map(|d| d.to_vec()).collect(),
        }
        .encode_to_vec())
    }

    /// Loads an observer written by [`Self::to_bytes`]: format, then the
    /// size cap [`Self::max_state_len`], the counts of remembered commits and
    /// proposals, all before decoding; then the mls-rs snapshot. `trust`
    /// and `limits` are the server's current ones (not stored).
    pub fn from_bytes(bytes: &[u8], trust: TrustedIdentities, limits: &MlsLimits) -> Result<Self, ObserverError> {
        let caps = [
            Cap::new(3, "commits", MLS_OBSERVER_REMEMBERED_COMMITS).min_len(34),
            Cap::new(4, "proposals", MLS_OBSERVER_MAX_PENDING_PROPOSALS).min_len(32),
        ];
        let m: pb::MlsObserverState =
            wire::decode_typed(bytes, Self::max_state_len(limits), format::STATE_MLS_OBSERVER, &caps)?;
        let mut commits = VecDeque::with_capacity(m.commits.len());
        for c in &m.commits {
            commits.push_back((c.epoch, wire::fixed::<32>("digest", &c.digest)?));
        }
        let proposals = m.proposals.iter().map(|d| wire::fixed::<32>("proposal", d)).collect::<Result<Vec<_>, _>>()?;
        let snapshot = ExternalSnapshot::from_bytes(&m.snapshot).map_err(|_| MlsError::MalformedMls)?;
        let client = client(trust);
        let group = client.load_group(snapshot).map_err(mls)?;
        let observer = Self { group, limits: *limits, commits, proposals };
        if observer.commits.iter().any(|(e, _)| *e >= observer.epoch()) {
            return Err(DecodeError::Invalid("commit digest for a future epoch").into());
        }
        observer.check_members()?;
        Ok(observer)
    }
}

#[cfg(test)]
#[path = "observer_tests.rs"]
mod tests;
