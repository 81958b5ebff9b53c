//! An MLS group as one member device sees it (SPEC.md §15.4–§15.9).
//!
//! Every operation is transactional: it runs on a copy of the mls-rs group
//! and replaces the state only when it succeeds, so a refused message or a
//! failed commit leaves the serialized state byte-for-byte unchanged.

use super::config::{self, ClientParts, MemberConfig, MlsConfig};
use super::error::{MlsError, from_mls};
use super::events::{MlsApplication, MlsCommit, MlsEpochChange, MlsProposal, MlsProposalKind, MlsReceived};
use super::identity::{LeafKey, leaf_identity, signing_identity};
use super::key_package::{MlsKeyPackageStore, key_package_for_add, mls_time, parse_mls};
use super::state::{KeyPackageSlot, SlotData, StateSlot};
use super::suite::MlsSuite;
use super::wire::{
    MlsContentKind, MlsGroupInfoEnvelope, MlsKeyPackageEnvelope, MlsMessageEnvelope, MlsRatchetTreeEnvelope,
    MlsWelcomeEnvelope,
};
use crate::identity::IdentityPublic;
use crate::wire::{self, DecodeError, format, mls as pb};
use crate::{DeviceIdentity, padding};
use mls_rs::group::proposal::Proposal;
use mls_rs::group::{CommitEffect, CommitMessageDescription, ExportedTree, ReceivedMessage, Sender};
use mls_rs::{Group, KeyPackageStorage, MlsMessage, WireFormat};
use std::collections::BTreeMap;
use zeroize::{Zeroize, Zeroizing};

/// Content-type byte of padded MLS application plaintexts (SPEC.md §6).
pub(crate) const APP_CONTENT_TYPE: u8 = 0x01;

/// One member device's state of an MLS group: a value type, sealable
/// (format `0x6401`), zeroized on drop, never printed.
pub struct MlsGroup {
    inner: Group<MemberConfig>,
    slot: StateSlot,
    config: MlsConfig,
    suite: MlsSuite,
    own: IdentityPublic,
    removed: bool,
    /// Sender identities of this epoch, so an application message costs no
    /// credential check after the sender's first.
    senders: BTreeMap<u32, IdentityPublic>,
}

// mls-rs's secret types (`HpkeSecretKey`, `SignatureSecretKey`, the key
// schedule and secret tree buffers) zeroize themselves on drop.
impl zeroize::ZeroizeOnDrop for MlsGroup {}

impl core::fmt::Debug for MlsGroup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "MlsGroup {{ epoch: {}, members: {}, own: {:?}, .. }}",
            self.inner.current_epoch(),
            self.member_count(),
            self.own
        )
    }
}

fn check_group_id(group_id: &[u8]) -> Result<(), MlsError> {
    if group_id.is_empty() || group_id.len() > super::limits::MLS_GROUP_ID_MAX_LEN {
        return Err(MlsError::InvalidArgument("group id must be 1 to 64 bytes"));
    }
    Ok(())
}

fn own_identity(group: &Group<MemberConfig>) -> Result<IdentityPublic, MlsError> {
    let si = group.current_member_signing_identity().map_err(from_mls)?;
    leaf_identity(si).map_err(MlsError::Credential)
}

fn identity_at(group: &Group<MemberConfig>, index: u32) -> Result<IdentityPublic, MlsError> {
    let m = group.member_at_index(index).ok_or(MlsError::NotMember)?;
    leaf_identity(&m.signing_identity).map_err(MlsError::Credential)
}

fn sender_index(sender: &Sender) -> Result<u32, MlsError> {
    match sender {
        Sender::Member(i) => Ok(*i),
        _ => Err(MlsError::NotMember),
    }
}

impl MlsGroup {
    /// Creates a group of one: this device, with a fresh leaf key certified
    /// by `identity`. `group_id` (1 to 64 bytes) is the app's; make it
    /// unique (random 32 bytes, say).
    ///
    /// ```
    /// use vestnik::DeviceIdentity;
    /// use vestnik::mls::{MlsConfig, MlsGroup, MlsSuite, TrustedIdentities};
    /// let mut rng = rand::rng();
    /// let alice = DeviceIdentity::generate(&mut rng);
    /// let config = MlsConfig::new(TrustedIdentities::any_valid_identity());
    /// let group = MlsGroup::create(&alice, MlsSuite::default(), b"class-7b", config, 0, &mut rng)?;
    /// assert_eq!(group.member_count(), 1);
    /// # Ok::<(), vestnik::mls::MlsError>(())
    /// ```
    pub fn create<R: rand_core::CryptoRng + ?Sized>(
        identity: &DeviceIdentity,
        suite: MlsSuite,
        group_id: &[u8],
        config: MlsConfig,
        now: u64,
        rng: &mut R,
    ) -> Result<Self, MlsError> {
        check_group_id(group_id)?;
        let leaf = LeafKey::generate(identity, suite, rng);
        let slot = StateSlot::new(config.limits.max_prior_epochs.max(1));
        let client = config::client(ClientParts {
            trust: config.trust.with_own(&identity.public()),
            suite,
            key_packages: KeyPackageSlot::default(),
            state: slot.clone(),
            signer: Some((leaf.signing_identity(), LeafKey::mls_secret(&leaf.signer))),
            key_package_lifetime_secs: super::limits::MLS_KEY_PACKAGE_LIFETIME_SECS,
            key_cache: config.limits.verified_key_cache,
            verified: None,
        });
        let mut inner = client
            .group_builder()
            .map_err(from_mls)?
            .with_group_id(group_id.to_vec())
            .with_group_context_extensions(config::group_extensions())
            .with_now_time(mls_time(now))
            .build()
            .map_err(from_mls)?;
        inner.write_to_storage().map_err(from_mls)?;
        Ok(Self { inner, slot, config, suite, own: identity.public(), removed: false, senders: BTreeMap::new() })
    }

    /// Joins from a Welcome and the group's ratchet tree (fetched from the
    /// server; mls-rs checks it against the tree hash the Welcome's signed
    /// GroupInfo carries). The Welcome must be for a KeyPackage in `store`;
    /// a consume-once KeyPackage is deleted from the store on success.
    pub fn join(
        store: &mut MlsKeyPackageStore,
        welcome: &MlsWelcomeEnvelope,
        tree: &MlsRatchetTreeEnvelope,
        config: MlsConfig,
        now: u64,
    ) -> Result<Self, MlsError> {
        let msg = parse_mls(welcome.mls_bytes())?;
        if msg.wire_format() != WireFormat::Welcome {
            return Err(MlsError::HeaderMismatch);
        }
        let refs: Vec<Vec<u8>> = msg.welcome_key_package_references().iter().map(|r| r.to_vec()).collect();
        let index = refs.iter().find_map(|r| store.find(r)).ok_or(MlsError::UnknownKeyPackage)?;
        let entry = store.entries.get(index).ok_or(MlsError::UnknownKeyPackage)?;
        if msg.cipher_suite().map(|c| c.raw_value()) != Some(entry.suite.id()) {
            return Err(MlsError::WrongSuite);
        }
        let exported = ExportedTree::from_bytes(tree.tree_bytes()).map_err(|_| MlsError::MalformedMls)?;
        if exported.to_bytes().map_err(|_| MlsError::MalformedMls)? != tree.tree_bytes() {
            return Err(MlsError::MalformedMls);
        }
        let leaves = usize::try_from(exported.total_leaf_count()).unwrap_or(usize::MAX);
        if leaves > config.limits.max_members.saturating_mul(2) {
            return Err(MlsError::TooManyMembers { count: leaves, max: config.limits.max_members });
        }
        let own = stored_identity(entry)?;
        // Every leaf's credential is checked during the join: verify them
        // all in one batch first (SPEC.md §15.7); the identity provider then
        // finds them verified. Any that fails is checked alone and refused.
        let members: Vec<_> = exported.roster().members_iter().collect();
        let creds: Vec<&[u8]> =
            members.iter().filter_map(|m| m.signing_identity.credential.as_basic().map(|b| b.identifier())).collect();
        let verified = std::sync::Arc::new(super::identity::CredentialCache::verify_all(&creds));
        drop(creds);
        drop(members);
        let mut kp_slot = KeyPackageSlot::default();
        kp_slot.insert(entry.reference.clone(), entry.data.clone()).map_err(|_| MlsError::Internal)?;
        let slot = StateSlot::new(config.limits.max_prior_epochs.max(1));
        let client = config::client(ClientParts {
            trust: config.trust.with_own(&own),
            suite: entry.suite,
            key_packages: kp_slot,
            state: slot.clone(),
            signer: Some((
                signing_identity(&entry.leaf.verifying_key(), &entry.credential),
                LeafKey::mls_secret(&entry.leaf),
            )),
            key_package_lifetime_secs: super::limits::MLS_KEY_PACKAGE_LIFETIME_SECS,
            key_cache: config.limits.verified_key_cache,
            verified: Some(verified.clone()),
        });
        let joined = client.join_group(Some(exported), &msg, Some(mls_time(now))).map_err(from_mls);
        verified.clear();
        let (mut inner, _info) = joined?;
        if inner.group_id() != tree.group_id() || inner.current_epoch() != tree.epoch() {
            return Err(MlsError::TreeMismatch);
        }
        let count = inner.roster().members_iter().count();
        if count > config.limits.max_members {
            return Err(MlsError::TooManyMembers { count, max: config.limits.max_members });
        }
        inner.write_to_storage().map_err(from_mls)?;
        let suite = entry.suite;
        if !entry.last_resort {
            store.entries.remove(index);
        }
        Ok(Self { inner, slot, config, suite, own, removed: false, senders: BTreeMap::new() })
    }

    // ---- reading ---------------------------------------------------------

    /// The group id.
    pub fn group_id(&self) -> &[u8] {
        self.inner.group_id()
    }

    /// The current epoch (0 at creation, +1 per commit).
    pub fn epoch(&self) -> u64 {
        self.inner.current_epoch()
    }

    /// The cipher suite.
    pub fn suite(&self) -> MlsSuite {
        self.suite
    }

    /// This device's identity.
    pub fn own_identity(&self) -> &IdentityPublic {
        &self.own
    }

    /// False once this device was removed (or its leave was committed).
    pub fn is_active(&self) -> bool {
        !self.removed
    }

    /// Number of members.
    pub fn member_count(&self) -> usize {
        self.inner.roster().members_iter().count()
    }

    /// The members' identities, in leaf order.
    pub fn members(&self) -> Result<Vec<IdentityPublic>, MlsError> {
        self.inner
            .roster()
            .members_iter()
            .map(|m| leaf_identity(&m.signing_identity).map_err(MlsError::Credential))
            .collect()
    }

    /// Whether `identity` is a member.
    pub fn is_member(&self, identity: &IdentityPublic) -> bool {
        self.inner.member_with_identity(&identity.to_fixed_bytes()).is_ok()
    }

    /// The RFC 9420 epoch authenticator: equal at every member of the same
    /// epoch, for comparing out of band. A secret of the epoch.
    pub fn epoch_authenticator(&self) -> Result<Zeroizing<Vec<u8>>, MlsError> {
        let s = self.inner.epoch_authenticator().map_err(from_mls)?;
        Ok(Zeroizing::new(s.as_bytes().to_vec()))
    }

    /// The public ratchet tree of the current epoch, for the server to hand
    /// joiners.
    pub fn ratchet_tree(&self) -> Result<MlsRatchetTreeEnvelope, MlsError> {
        let tree = self.inner.export_tree().to_bytes().map_err(|_| MlsError::Internal)?;
        Ok(MlsRatchetTreeEnvelope::new(self.group_id().to_vec(), self.epoch(), tree))
    }

    /// A signed GroupInfo of the current epoch (no tree inside), for the
    /// delivery service's observer.
    pub fn group_info(&self) -> Result<MlsGroupInfoEnvelope, MlsError> {
        let gi = self.inner.group_info_message(false).map_err(from_mls)?;
        let bytes = gi.to_bytes().map_err(|_| MlsError::Internal)?;
        Ok(MlsGroupInfoEnvelope::new(self.group_id().to_vec(), self.epoch(), bytes))
    }

    /// True while a commit of this member awaits the server's ordering.
    pub fn has_pending_commit(&self) -> bool {
        self.inner.has_pending_commit()
    }

    // ---- commits ---------------------------------------------------------

    fn ready_to_commit(&self) -> Result<(), MlsError> {
        if self.removed {
            return Err(MlsError::Removed);
        }
        if self.inner.has_pending_commit() {
            return Err(MlsError::PendingCommit);
        }
        Ok(())
    }

    fn wrap_commit(&self, work: &Group<MemberConfig>, out: mls_rs::group::CommitOutput) -> Result<MlsCommit, MlsError> {
        let commit_bytes = out.commit_message().to_bytes().map_err(|_| MlsError::Internal)?;
        let max = self.config.limits.max_handshake_len();
        if commit_bytes.len() > max {
            return Err(MlsError::TooLarge { what: "commit", len: commit_bytes.len(), max });
        }
        let commit = MlsMessageEnvelope::new(
            work.group_id().to_vec(),
            work.current_epoch(),
            MlsContentKind::Commit,
            commit_bytes,
        );
        let welcome = match out.welcome_messages().first() {
            Some(w) => Some(MlsWelcomeEnvelope::new(w.to_bytes().map_err(|_| MlsError::Internal)?)),
            None => None,
        };
        let ratchet_tree = match (&welcome, out.ratchet_tree()) {
            (Some(_), Some(t)) => Some(MlsRatchetTreeEnvelope::new(
                work.group_id().to_vec(),
                work.current_epoch().saturating_add(1),
                t.to_bytes().map_err(|_| MlsError::Internal)?,
            )),
            _ => None,
        };
        Ok(MlsCommit { commit, welcome, ratchet_tree })
    }

    /// Commits adding the devices of `key_packages` (fetched from the
    /// server; each is checked as the server does, against this member's
    /// trust and the group's suite). The commit is pending until confirmed.
    /// One commit can add a whole school: 2,000 KeyPackages at once.
    pub fn add(&mut self, key_packages: &[MlsKeyPackageEnvelope], now: u64) -> Result<MlsCommit, MlsError> {
        self.ready_to_commit()?;
        if key_packages.is_empty() {
            return Err(MlsError::InvalidArgument("no key packages"));
        }
        let count = self.member_count().saturating_add(key_packages.len());
        if count > self.config.limits.max_members {
            return Err(MlsError::TooManyMembers { count, max: self.config.limits.max_members });
        }
        let mut msgs = Vec::with_capacity(key_packages.len());
        let mut seen = std::collections::BTreeSet::new();
        for kp in key_packages {
            let (msg, id) = key_package_for_add(kp, self.suite, &self.config.trust, now)?;
            if self.is_member(&id) || !seen.insert(id.to_fixed_bytes()) {
                return Err(MlsError::AlreadyMember);
            }
            msgs.push(msg);
        }
        let mut work = self.inner.clone();
        let mut b = work.commit_builder().commit_time(mls_time(now));
        for m in msgs {
            b = b.add_member(m).map_err(from_mls)?;
        }
        let out = b.build().map_err(from_mls)?;
        let commit = self.wrap_commit(&work, out)?;
        self.inner = work;
        Ok(commit)
    }

    /// Commits removing `members`. Pending until confirmed.
    pub fn remove(&mut self, members: &[IdentityPublic], now: u64) -> Result<MlsCommit, MlsError> {
        self.ready_to_commit()?;
        if members.is_empty() {
            return Err(MlsError::InvalidArgument("no members"));
        }
        let mut indices = Vec::with_capacity(members.len());
        for id in members {
            if *id == self.own {
                return Err(MlsError::InvalidArgument("use leave to remove this device"));
            }
            let m = self.inner.member_with_identity(&id.to_fixed_bytes()).map_err(|_| MlsError::UnknownMember)?;
            indices.push(m.index);
        }
        let mut work = self.inner.clone();
        let mut b = work.commit_builder().commit_time(mls_time(now));
        for i in indices {
            b = b.remove_member(i).map_err(from_mls)?;
        }
        let out = b.build().map_err(from_mls)?;
        let commit = self.wrap_commit(&work, out)?;
        self.inner = work;
        Ok(commit)
    }

    /// Commits a fresh leaf for this device (new HPKE keys along the path
    /// and a new leaf signing key certified by `identity`): post-compromise
    /// security. Also commits any proposals received. Pending until
    /// confirmed.
    pub fn self_update<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        identity: &DeviceIdentity,
        now: u64,
        rng: &mut R,
    ) -> Result<MlsCommit, MlsError> {
        self.ready_to_commit()?;
        if identity.public() != self.own {
            return Err(MlsError::InvalidArgument("identity is not this group member's"));
        }
        let leaf = LeafKey::generate(identity, self.suite, rng);
        let mut work = self.inner.clone();
        let out = work
            .commit_builder()
            .commit_time(mls_time(now))
            .set_new_signing_identity(LeafKey::mls_secret(&leaf.signer), leaf.signing_identity())
            .build()
            .map_err(from_mls)?;
        let commit = self.wrap_commit(&work, out)?;
        self.inner = work;
        Ok(commit)
    }

    /// Commits the proposals received so far (a member's leave, say), with
    /// a path. Pending until confirmed.
    pub fn commit_proposals(&mut self, now: u64) -> Result<MlsCommit, MlsError> {
        self.ready_to_commit()?;
        let mut work = self.inner.clone();
        let out = work.commit_builder().commit_time(mls_time(now)).build().map_err(from_mls)?;
        let commit = self.wrap_commit(&work, out)?;
        self.inner = work;
        Ok(commit)
    }

    /// Proposes this device's own removal (RFC 9420 members cannot commit
    /// their own removal): another member commits it, and processing that
    /// commit closes the group here.
    pub fn leave(&mut self) -> Result<MlsMessageEnvelope, MlsError> {
        if self.removed {
            return Err(MlsError::Removed);
        }
        let mut work = self.inner.clone();
        let own_index = work.current_member_index();
        let msg = work.propose_remove(own_index, Vec::new()).map_err(from_mls)?;
        let bytes = msg.to_bytes().map_err(|_| MlsError::Internal)?;
        let env =
            MlsMessageEnvelope::new(work.group_id().to_vec(), work.current_epoch(), MlsContentKind::Proposal, bytes);
        self.inner = work;
        Ok(env)
    }

    /// Applies this member's pending commit: the server accepted it (its
    /// echo can be passed to [`Self::process`] instead, which does the same).
    pub fn confirm_pending_commit(&mut self) -> Result<MlsEpochChange, MlsError> {
        if !self.inner.has_pending_commit() {
            return Err(MlsError::NoPendingCommit);
        }
        let mut work = self.inner.clone();
        let desc = work.apply_pending_commit().map_err(from_mls)?;
        let change = self.epoch_change(&self.inner, &work, &desc, true)?;
        self.finish_commit(work, &change)?;
        Ok(change)
    }

    /// Drops this member's pending commit: another commit won the epoch
    /// (processing that commit also drops it). Make the change again on the
    /// new epoch.
    pub fn discard_pending_commit(&mut self) {
        self.inner.clear_pending_commit();
    }

    fn finish_commit(&mut self, mut work: Group<MemberConfig>, change: &MlsEpochChange) -> Result<(), MlsError> {
        let count = work.roster().members_iter().count();
        if count > self.config.limits.max_members {
            return Err(MlsError::TooManyMembers { count, max: self.config.limits.max_members });
        }
        // Writing each epoch hands the prior-epoch records mls-rs keeps in
        // memory to the slot, which trims them to `max_prior_epochs` (SPEC
        // §15.8). The ratchet tree is left out of this write: `to_bytes`
        // always writes the whole state before reading the slot, so the
        // snapshot is only read complete, and encoding the tree (most of the
        // state at school sizes) each epoch would be wasted.
        work.write_to_storage_without_ratchet_tree().map_err(from_mls)?;
        if change.removed_self {
            self.removed = true;
        }
        self.own = own_identity(&work).unwrap_or(self.own);
        self.inner = work;
        self.senders.clear();
        Ok(())
    }

    fn epoch_change(
        &self,
        before: &Group<MemberConfig>,
        after: &Group<MemberConfig>,
        desc: &CommitMessageDescription,
        own: bool,
    ) -> Result<MlsEpochChange, MlsError> {
        let committer = identity_at(before, desc.committer)?;
        let (new_epoch, removed_self) = match &desc.effect {
            CommitEffect::NewEpoch(e) => (e, false),
            CommitEffect::Removed { new_epoch, .. } => (new_epoch, true),
            CommitEffect::ReInit(_) => return Err(MlsError::Invalid("reinit is not used by vestnik groups")),
        };
        let (mut added, mut removed, mut updated) = (Vec::new(), Vec::new(), vec![committer]);
        for p in &new_epoch.applied_proposals {
            match &p.proposal {
                Proposal::Add(a) => added.push(leaf_identity(a.signing_identity()).map_err(MlsError::Credential)?),
                Proposal::Remove(r) => removed.push(identity_at(before, r.to_remove())?),
                Proposal::Update(_) => updated.push(identity_at(before, sender_index(&p.sender)?)?),
                _ => {}
            }
        }
        Ok(MlsEpochChange { committer, epoch: after.current_epoch(), added, removed, updated, own, removed_self })
    }

    // ---- messages --------------------------------------------------------

    /// Encrypts an application message (padded as SPEC.md §6, then an MLS
    /// PrivateMessage).
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<MlsMessageEnvelope, MlsError> {
        if self.removed {
            return Err(MlsError::Removed);
        }
        let max = self.config.limits.max_plaintext_len;
        if plaintext.len() > max {
            return Err(MlsError::TooLarge { what: "plaintext", len: plaintext.len(), max });
        }
        let padded = padding::pad(APP_CONTENT_TYPE, plaintext);
        let msg = self.inner.encrypt_application_message(&padded, Vec::new()).map_err(from_mls)?;
        let bytes = msg.to_bytes().map_err(|_| MlsError::Internal)?;
        Ok(MlsMessageEnvelope::new(self.group_id().to_vec(), self.epoch(), MlsContentKind::Application, bytes))
    }

    /// Processes a received envelope (SPEC.md §15.4): strict envelope
    /// decode, the routing header checked against the MLS framing, then
    /// mls-rs on a copy of the state, kept only on success. `now` (seconds)
    /// is when the server received it, for credential and lifetime checks.
    pub fn process(&mut self, bytes: &[u8], now: u64) -> Result<MlsReceived, MlsError> {
        let env = MlsMessageEnvelope::from_bytes(bytes, &self.config.limits)?;
        self.process_envelope(&env, now)
    }

    /// [`Self::process`] for an already decoded envelope.
    pub fn process_envelope(&mut self, env: &MlsMessageEnvelope, now: u64) -> Result<MlsReceived, MlsError> {
        if self.removed {
            return Err(MlsError::Removed);
        }
        if env.group_id() != self.group_id() {
            return Err(MlsError::WrongGroup);
        }
        let msg = parse_mls(env.mls_bytes())?;
        check_header(env, &msg)?;
        let current = self.epoch();
        let epoch = env.epoch();
        if epoch > current {
            return Err(MlsError::FutureEpoch { epoch, current });
        }
        if env.kind() != MlsContentKind::Application && epoch < current {
            return Err(MlsError::StaleEpoch { epoch, current });
        }
        let was_pending = self.inner.has_pending_commit();
        // The copy costs O(members); see SPEC §15.4 on why it is needed
        // (mls-rs consumes a message key before the content authenticates).
        let mut work = self.inner.clone();
        let received = work.process_incoming_message_with_time(msg, mls_time(now)).map_err(|e| match e {
            mls_rs::error::MlsError::EpochNotFound => MlsError::StaleEpoch { epoch, current },
            e => from_mls(e),
        })?;
        match received {
            ReceivedMessage::ApplicationMessage(desc) => {
                let (ty, body) = padding::unpad(desc.data()).map_err(|_| MlsError::BadPadding)?;
                if ty != APP_CONTENT_TYPE {
                    return Err(MlsError::BadPadding);
                }
                let sender = match self.senders.get(&desc.sender_index) {
                    Some(s) if epoch == current => *s,
                    _ => identity_at(&self.inner, desc.sender_index)?,
                };
                let plaintext = Zeroizing::new(body.to_vec());
                if epoch == current {
                    self.senders.insert(desc.sender_index, sender);
                }
                self.inner = work;
                Ok(MlsReceived::Application(MlsApplication { sender, epoch, plaintext }))
            }
            ReceivedMessage::Commit(desc) => {
                let own = was_pending && desc.committer == self.inner.current_member_index();
                let change = self.epoch_change(&self.inner, &work, &desc, own)?;
                self.finish_commit(work, &change)?;
                Ok(MlsReceived::Commit(change))
            }
            ReceivedMessage::Proposal(desc) => {
                let sender = match desc.sender {
                    mls_rs::group::ProposalSender::Member(i) => identity_at(&self.inner, i)?,
                    _ => return Err(MlsError::NotMember),
                };
                let kind = match &desc.proposal {
                    Proposal::Remove(r) => MlsProposalKind::Remove(identity_at(&self.inner, r.to_remove())?),
                    Proposal::Add(a) => {
                        MlsProposalKind::Add(leaf_identity(a.signing_identity()).map_err(MlsError::Credential)?)
                    }
                    Proposal::Update(_) => MlsProposalKind::Update,
                    _ => MlsProposalKind::Other,
                };
                self.inner = work;
                Ok(MlsReceived::Proposal(MlsProposal { sender, kind }))
            }
            _ => Err(MlsError::HeaderMismatch),
        }
    }

    // ---- state at rest ---------------------------------------------------

    /// Serializes the state (format `0x6401`): secret, seal it
    /// ([`crate::storage::Sealable`]).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut work = self.inner.clone();
        // Writing fails only on a poisoned slot lock (nothing panics while
        // holding it); reading then fails too and the snapshot comes out
        // empty, which does not load: a failure shows at load, never as an
        // older state.
        let _ = work.write_to_storage();
        let (snapshot, prior_epochs) = match self.slot.lock() {
            Ok(d) => (
                d.snapshot.as_ref().map(|s| s.to_vec()).unwrap_or_default(),
                d.epochs.iter().map(|(e, data)| pb::MlsEpochRecord { epoch: *e, data: data.to_vec() }).collect(),
            ),
            Err(_) => (Vec::new(), Vec::new()),
        };
        wire::encode_secret(
            pb::MlsGroupState {
                format: format::STATE_MLS_GROUP,
                cipher_suite: u32::from(self.suite.id()),
                group_id: self.group_id().to_vec(),
                snapshot,
                prior_epochs,
                removed: self.removed,
            },
            wipe_state,
        )
    }

    /// Loads a state from [`Self::to_bytes`] under `config`: format, size
    /// (`max_state_len`), prior-epoch count, all before decoding; then
    /// mls-rs loads the snapshot and every decoded secret is wiped.
    pub fn from_bytes(bytes: &[u8], config: MlsConfig) -> Result<Self, DecodeError> {
        let limits = config.limits;
        let caps = [wire::Cap::new(5, "prior_epochs", limits.max_prior_epochs)];
        let (suite, slot_data, removed) =
            wire::decode_secret(bytes, limits.max_state_len, format::STATE_MLS_GROUP, &caps, wipe_state, |m| {
                let suite = u16::try_from(m.cipher_suite)
                    .ok()
                    .and_then(MlsSuite::from_id)
                    .ok_or(DecodeError::Invalid("cipher_suite"))?;
                if m.group_id.is_empty() || m.group_id.len() > super::limits::MLS_GROUP_ID_MAX_LEN {
                    return Err(DecodeError::Invalid("group_id"));
                }
                let mut epochs = BTreeMap::new();
                for e in &m.prior_epochs {
                    if epochs.insert(e.epoch, Zeroizing::new(e.data.clone())).is_some() {
                        return Err(DecodeError::Invalid("prior_epochs"));
                    }
                }
                let data = SlotData {
                    group_id: m.group_id.clone(),
                    snapshot: Some(Zeroizing::new(m.snapshot.clone())),
                    epochs,
                };
                Ok((suite, data, m.removed))
            })?;
        let group_id = slot_data.group_id.clone();
        let slot = StateSlot::with_data(slot_data, limits.max_prior_epochs.max(1));
        // The own identity is only known after loading: loading consults no
        // trust decision (the tree index is part of the snapshot), so the
        // group loads once with a place for it, set from the own leaf's
        // credential (checked at creation or join) before any use.
        let (trust, own_cell) = config.trust.with_own_unset();
        let inner = config::client(ClientParts {
            trust,
            suite,
            key_packages: KeyPackageSlot::default(),
            state: slot.clone(),
            signer: None,
            key_package_lifetime_secs: super::limits::MLS_KEY_PACKAGE_LIFETIME_SECS,
            key_cache: limits.verified_key_cache,
            verified: None,
        })
        .load_group(&group_id)
        .map_err(|_| DecodeError::Invalid("mls group snapshot"))?;
        let own = own_identity(&inner).map_err(|_| DecodeError::Invalid("own leaf"))?;
        let _ = own_cell.set(*own.signing_key().as_bytes());
        if inner.cipher_suite().raw_value() != suite.id() {
            return Err(DecodeError::Invalid("cipher_suite"));
        }
        let count = inner.roster().members_iter().count();
        if count > limits.max_members {
            return Err(DecodeError::TooMany { field: "members", count, max: limits.max_members });
        }
        Ok(Self { inner, slot, config, suite, own, removed, senders: BTreeMap::new() })
    }
}

fn wipe_state(m: &mut pb::MlsGroupState) {
    m.snapshot.zeroize();
    for e in &mut m.prior_epochs {
        e.data.zeroize();
    }
}

/// The routing header must say what the MLS framing says.
fn check_header(env: &MlsMessageEnvelope, msg: &MlsMessage) -> Result<(), MlsError> {
    use mls_rs::group::ContentType;
    let (group_id, epoch, content_type, wire_format) = match msg.description() {
        mls_rs::MlsMessageDescription::PublicProtocolMessage { group_id, epoch_id, content_type, .. } => {
            (group_id, epoch_id, content_type, WireFormat::PublicMessage)
        }
        mls_rs::MlsMessageDescription::PrivateProtocolMessage { group_id, epoch_id, content_type } => {
            (group_id, epoch_id, content_type, WireFormat::PrivateMessage)
        }
        _ => return Err(MlsError::HeaderMismatch),
    };
    let expected = match env.kind() {
        MlsContentKind::Application => (ContentType::Application, WireFormat::PrivateMessage),
        MlsContentKind::Proposal => (ContentType::Proposal, WireFormat::PublicMessage),
        MlsContentKind::Commit => (ContentType::Commit, WireFormat::PublicMessage),
    };
    if group_id != env.group_id() || epoch != env.epoch() || (content_type, wire_format) != expected {
        return Err(MlsError::HeaderMismatch);
    }
    Ok(())
}

/// The identity a stored KeyPackage's credential names.
fn stored_identity(entry: &super::key_package::StoredKeyPackage) -> Result<IdentityPublic, MlsError> {
    Ok(super::identity::MlsLeafCredential::verify(&entry.credential).map_err(MlsError::Credential)?.identity)
}
