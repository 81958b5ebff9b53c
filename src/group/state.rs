//! A device's state in one group (SPEC.md §12): its own sender chain and the
//! chains of the other members, the roster it expects, and the membership
//! procedure.

use crate::chain::{ChainKey, GROUP_CHAIN, SkippedKeys, Walk, walk};
use crate::crypto::Secret32;
use crate::crypto::sig::VerifyingKey;
use crate::group::chain::{OwnSenderChain, ReceiverSenderChain};
use crate::group::message::{self, ParsedGroupMessage};
use crate::group::roster::{Roster, Step};
use crate::group::{GroupError, MembershipPlan, PayloadKind, RosterChange};
use crate::identity::{DeviceIdentity, IdentityPublic};
use crate::labels;
use crate::limits::{GROUP_ID_MAX_LEN, GroupLimits};
use crate::padding;
use crate::session::{ContentType, Received};
use crate::wire::{self, DecodeError, format, group as pb};
use core::fmt;
use prost::Message;
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// Another member device and the sender chains it distributed to us.
pub(crate) struct Member {
    pub(crate) identity: IdentityPublic,
    /// Newest first, at most `max_chains_per_sender`.
    pub(crate) chains: Vec<ReceiverSenderChain>,
}

/// One device's state in one group. A value type: the app stores it with
/// [`GroupSession::to_bytes`] and delivers distributions over 1:1 sessions.
pub struct GroupSession {
    pub(crate) group_id: Vec<u8>,
    pub(crate) own_identity: IdentityPublic,
    pub(crate) own: OwnSenderChain,
    /// The other members of the verified roster, with their chains.
    pub(crate) members: BTreeMap<[u8; 32], Member>,
    pub(crate) share_history: bool,
    pub(crate) limits: GroupLimits,
    /// The verified roster log; `None` for a state loaded from version 1.
    pub(crate) roster: Option<Roster>,
    /// When this device applied the latest removal (the caller's clock).
    pub(crate) removal_applied_at: Option<u64>,
}

enum Plan {
    UseSkipped { pos: usize },
    Advance { walk: Walk },
}

impl GroupSession {
    /// Creates a group with this device as its creator and first admin:
    /// signs the roster log's genesis entry (this device and `members`,
    /// whose identities the app verified) and starts our sender chain. The
    /// plan sends the log to every member (they start with
    /// [`GroupSession::join`]) and then our distribution. With
    /// `share_history`, members added later get our chain from its start
    /// instead of from the current message (never a device that was
    /// removed before: the group rotates when one is re-added).
    ///
    /// ```
    /// use vestnik::{DeviceIdentity, group::GroupSession};
    /// let mut rng = rand::rng();
    /// let teacher = DeviceIdentity::generate(&mut rng);
    /// let student = DeviceIdentity::generate(&mut rng);
    /// let (mut group, plan) = GroupSession::create(b"class-7b", &teacher, &[student.public()], false, &mut rng)?;
    /// assert_eq!(plan.recipients(), &[student.public()]);
    /// let wire = group.encrypt("Домашнее задание: стр. 42".as_bytes())?;
    /// # Ok::<(), vestnik::group::GroupError>(())
    /// ```
    pub fn create<R: rand_core::CryptoRng + ?Sized>(
        group_id: &[u8],
        own: &DeviceIdentity,
        members: &[IdentityPublic],
        share_history: bool,
        rng: &mut R,
    ) -> Result<(Self, MembershipPlan), GroupError> {
        Self::create_with_limits(group_id, own, members, share_history, GroupLimits::default(), rng)
    }

    /// Like [`GroupSession::create`] with other limits.
    pub fn create_with_limits<R: rand_core::CryptoRng + ?Sized>(
        group_id: &[u8],
        own: &DeviceIdentity,
        members: &[IdentityPublic],
        share_history: bool,
        limits: GroupLimits,
        rng: &mut R,
    ) -> Result<(Self, MembershipPlan), GroupError> {
        if group_id.is_empty() || group_id.len() > GROUP_ID_MAX_LEN {
            return Err(DecodeError::Invalid("group_id").into());
        }
        let empty = Roster {
            group_id: group_id.to_vec(),
            log: Vec::new(),
            hashes: Vec::new(),
            head: super::roster::GENESIS_PREVIOUS,
            members: BTreeMap::new(),
            admins: Default::default(),
            creator: [0; 32],
            ever_removed: Default::default(),
            last_removal: None,
        };
        let genesis = empty.sign_next(own, &RosterChange::add(members));
        let (roster, _) = Roster::genesis(group_id, &genesis, &limits)?;
        let mut plan = MembershipPlan::default();
        let g = Self::from_roster(own.public(), roster, share_history, limits, rng)?;
        if let Some(r) = g.roster.as_ref() {
            plan.push(PayloadKind::RosterLog, Zeroizing::new(r.update_from(0)), g.members());
        }
        plan.push(PayloadKind::Distribution, g.own.distribution(&g.group_id, false), g.members());
        Ok((g, plan))
    }

    fn from_roster<R: rand_core::CryptoRng + ?Sized>(
        own: IdentityPublic,
        roster: Roster,
        share_history: bool,
        limits: GroupLimits,
        rng: &mut R,
    ) -> Result<Self, GroupError> {
        if roster.members.get(own.signing_key().as_bytes()) != Some(&own) {
            return Err(GroupError::NotAMember);
        }
        let members = roster
            .members
            .iter()
            .filter(|(k, _)| *k != own.signing_key().as_bytes())
            .map(|(k, id)| (*k, Member { identity: *id, chains: Vec::new() }))
            .collect();
        Ok(Self {
            group_id: roster.group_id.clone(),
            own_identity: own,
            own: OwnSenderChain::generate(rng, share_history, (roster.epoch(), roster.hash())),
            members,
            share_history,
            limits,
            roster: Some(roster),
            removal_applied_at: None,
        })
    }

    /// Joins a group from the roster log a member sent us (the
    /// [`PayloadKind::RosterLog`] payload of its plan, as the [`Received`]
    /// of the 1:1 session that carried it). Every entry is verified from the
    /// genesis on (SPEC.md §12.5); the final roster must hold this device
    /// and the device that sent the log. The plan sends our new chain to
    /// every other member. The creator and admins are readable with
    /// [`GroupSession::creator`] and [`GroupSession::admins`]: an app that
    /// knows who should run the group checks them.
    pub fn join<R: rand_core::CryptoRng + ?Sized>(
        own: &DeviceIdentity,
        received: &Received,
        share_history: bool,
        rng: &mut R,
    ) -> Result<(Self, MembershipPlan), GroupError> {
        Self::join_with_limits(own, received, share_history, GroupLimits::default(), rng)
    }

    /// Like [`GroupSession::join`] with other limits.
    pub fn join_with_limits<R: rand_core::CryptoRng + ?Sized>(
        own: &DeviceIdentity,
        received: &Received,
        share_history: bool,
        limits: GroupLimits,
        rng: &mut R,
    ) -> Result<(Self, MembershipPlan), GroupError> {
        if received.content_type() != ContentType::SenderKeyDistribution {
            return Err(GroupError::NotADistribution);
        }
        let update = super::roster::decode_update(received.plaintext(), &limits)?;
        let roster = Roster::from_log(&update.group_id, &update.entries, &limits)?;
        if roster.members.get(received.sender().signing_key().as_bytes()) != Some(received.sender()) {
            return Err(GroupError::UnknownSender);
        }
        let g = Self::from_roster(own.public(), roster, share_history, limits, rng)?;
        let mut plan = MembershipPlan::default();
        plan.push(PayloadKind::Distribution, g.own.distribution(&g.group_id, false), g.members());
        Ok((g, plan))
    }

    /// The group id.
    pub fn group_id(&self) -> &[u8] {
        &self.group_id
    }

    /// The other member devices of the verified roster.
    pub fn members(&self) -> Vec<IdentityPublic> {
        self.members.values().map(|m| m.identity).collect()
    }

    /// The admins of the verified roster (Ed25519 identity keys).
    pub fn admins(&self) -> Vec<[u8; 32]> {
        self.roster.as_ref().map(|r| r.admins.iter().copied().collect()).unwrap_or_default()
    }

    /// The device that signed the roster's genesis (Ed25519 identity key);
    /// `None` for a version-1 state.
    pub fn creator(&self) -> Option<[u8; 32]> {
        self.roster.as_ref().map(|r| r.creator)
    }

    /// The roster epoch (entries applied minus one) and the members hash of
    /// that epoch; `None` for a version-1 state.
    pub fn roster_epoch(&self) -> Option<(u64, [u8; 32])> {
        self.roster.as_ref().map(|r| (r.epoch(), r.hash()))
    }

    /// The whole verified roster log as a `RosterUpdate`, for a member that
    /// lost its state (it re-joins with [`GroupSession::join`]).
    pub fn roster_log(&self) -> Result<Vec<u8>, GroupError> {
        Ok(self.roster.as_ref().ok_or(GroupError::LegacyGroup)?.update_from(0))
    }

    /// Our current chain id and iteration (public values).
    pub fn own_chain(&self) -> (u32, u32) {
        (self.own.chain_id, self.own.iteration)
    }

    /// The limits in force.
    pub fn limits(&self) -> &GroupLimits {
        &self.limits
    }

    fn current_roster(&self) -> Result<&Roster, GroupError> {
        let r = self.roster.as_ref().ok_or(GroupError::LegacyGroup)?;
        if !r.members.contains_key(self.own_identity.signing_key().as_bytes()) {
            return Err(GroupError::NotAMember);
        }
        Ok(r)
    }

    /// Encrypts and signs a message for the group. The signed body names
    /// our chain's roster epoch and commits to the message key.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, GroupError> {
        self.current_roster()?;
        let max = self.limits.max_plaintext_len;
        if plaintext.len() > max {
            return Err(GroupError::PlaintextTooLarge { len: plaintext.len(), max });
        }
        let (iteration, mk) = self.own.next_key()?;
        let sender = *self.own_identity.signing_key().as_bytes();
        let epoch = self.own.epoch;
        let ad = message::associated_data(&self.group_id, &sender, self.own.chain_id, iteration, Some(&epoch));
        let padded = padding::pad(ContentType::Application.to_byte(), plaintext);
        let body = pb::GroupMessageBody {
            group_id: self.group_id.clone(),
            sender: sender.to_vec(),
            chain_id: self.own.chain_id,
            iteration,
            ciphertext: mk.seal(&ad, &padded),
            roster_epoch: epoch.0,
            roster_hash: epoch.1.to_vec(),
            key_commitment: message::key_commitment(&mk).to_vec(),
        }
        .encode_to_vec();
        let signature = self.own.signing.sign(labels::SIG_GROUP_MESSAGE, &body);
        Ok(pb::GroupMessage { format: format::GROUP_MESSAGE, body, signature: signature.to_bytes().to_vec() }
            .encode_to_vec())
    }

    /// Verifies and decrypts a group message at time `now` (the caller's
    /// clock, Unix seconds: it decides the removal grace period). The
    /// signature is checked before anything else is computed; on any error
    /// nothing changes.
    pub fn decrypt(&mut self, bytes: &[u8], now: u64) -> Result<Received, GroupError> {
        let m = message::decode(bytes, self.limits.max_message_len())?;
        let (received, chain_index, plan) = self.prepare(&m, now)?;
        let max_skipped = self.limits.max_skipped_keys;
        if let Some(chain) = self.members.get_mut(&m.sender).and_then(|x| x.chains.get_mut(chain_index)) {
            match plan {
                Plan::UseSkipped { pos } => chain.skipped.remove(pos),
                Plan::Advance { walk } => chain.apply(walk, max_skipped),
            }
        }
        Ok(received)
    }

    /// The removal rule (SPEC.md §12.5): a chain made under an epoch before
    /// the latest removal this device applied is accepted only within the
    /// grace period after it applied that removal.
    fn check_removal_grace(&self, sender: &[u8; 32], chain_epoch: u64, now: u64) -> Result<(), GroupError> {
        let Some(r) = self.roster.as_ref() else { return Ok(()) };
        let Some(removal) = r.last_removal else { return Ok(()) };
        if chain_epoch >= removal {
            return Ok(());
        }
        let within = self.removal_applied_at.is_some_and(|at| now <= at.saturating_add(self.limits.removal_grace_secs));
        if within {
            Ok(())
        } else {
            Err(GroupError::SenderBehindRoster { sender: *sender, chain_epoch, current_epoch: r.epoch() })
        }
    }

    fn prepare(&self, m: &ParsedGroupMessage, now: u64) -> Result<(Received, usize, Plan), GroupError> {
        if m.body.group_id != self.group_id {
            return Err(GroupError::WrongGroup);
        }
        let member = self.members.get(&m.sender).ok_or(GroupError::UnknownSender)?;
        let (index, chain) = member
            .chains
            .iter()
            .enumerate()
            .find(|(_, c)| c.chain_id == m.body.chain_id)
            .ok_or(GroupError::UnknownChain { sender: m.sender, chain_id: m.body.chain_id })?;
        // A version-1 message reads only on a version-1 chain, and a
        // version-2 message only under the epoch its chain was made under.
        match (&m.epoch, &chain.epoch) {
            (None, None) => {}
            (Some(e), Some(c)) if e == c => {}
            (Some(e), Some(_)) => return Err(GroupError::RosterMismatch { epoch: e.0 }),
            (None, Some(_)) => {
                return Err(DecodeError::UnsupportedVersion {
                    found: format::GROUP_MESSAGE_V1,
                    expected: format::GROUP_MESSAGE,
                }
                .into());
            }
            (Some(_), None) => return Err(GroupError::LegacyGroup),
        }
        chain
            .signing_key
            .verify(labels::SIG_GROUP_MESSAGE, &m.body_bytes, &m.signature)
            .map_err(|_| GroupError::BadSignature)?;
        if let Some((e, _)) = &m.epoch {
            self.check_removal_grace(&m.sender, *e, now)?;
        }
        let n = m.body.iteration;
        let ad = message::associated_data(&self.group_id, &m.sender, m.body.chain_id, n, m.epoch.as_ref());
        let open = |mk: &crate::chain::MessageKey| {
            // The commitment is checked before the AEAD is even tried.
            if m.epoch.is_some() {
                let c = message::key_commitment(mk);
                if !bool::from(subtle::ConstantTimeEq::ct_eq(&c[..], &m.commitment[..])) {
                    return Err(GroupError::KeyCommitmentMismatch);
                }
            }
            mk.open(&ad, &m.body.ciphertext).map_err(|_| GroupError::DecryptionFailed)
        };
        let (mut body, plan) = if let Some((pos, mk)) = chain.skipped.find(n) {
            (open(mk)?, Plan::UseSkipped { pos })
        } else if n < chain.next {
            return Err(chain.old_iteration_error(n));
        } else {
            let ck = chain.chain_key.as_ref().ok_or(GroupError::MessageKeyDiscarded)?;
            let w = walk(ck, chain.next, n, true, self.limits.max_forward_jump, self.limits.max_skipped_keys)?;
            let pt = open(w.message_key.as_ref().ok_or(GroupError::DecryptionFailed)?)?;
            (pt, Plan::Advance { walk: w })
        };
        let ty = padding::unpad_in_place(&mut body).map_err(|_| GroupError::BadContent)?;
        if ContentType::from_byte(ty) != Some(ContentType::Application) {
            return Err(GroupError::BadContent);
        }
        Ok((Received::new(member.identity, ContentType::Application, body), index, plan))
    }

    /// Handles a group payload that arrived through a 1:1 session: a
    /// distribution ([`GroupSession::process_distribution`], empty plan) or
    /// roster entries ([`GroupSession::apply_roster`]), told apart by their
    /// format number.
    pub fn receive<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        received: &Received,
        now: u64,
        rng: &mut R,
    ) -> Result<MembershipPlan, GroupError> {
        if received.content_type() != ContentType::SenderKeyDistribution {
            return Err(GroupError::NotADistribution);
        }
        if wire::peek_format(received.plaintext())? == format::ROSTER_UPDATE {
            self.apply_roster(received, now, rng)
        } else {
            self.process_distribution(received).map(|()| MembershipPlan::default())
        }
    }

    /// Installs a member's sender chain from a distribution that arrived
    /// through a 1:1 session with that member. Refused unless it is a
    /// sender-key distribution, for this group, from a device on the
    /// verified roster, made under a roster epoch consistent with ours (an
    /// epoch we applied must have our members hash; a later one is taken as
    /// the sender being ahead of us).
    pub fn process_distribution(&mut self, received: &Received) -> Result<(), GroupError> {
        if received.content_type() != ContentType::SenderKeyDistribution {
            return Err(GroupError::NotADistribution);
        }
        // The decoded copy of the chain key is wiped whatever the outcome.
        let (d, chain_key) = message::decode_distribution(received.plaintext(), |k| {
            Secret32::from_slice(k).ok_or(DecodeError::WrongLength { field: "chain_key", len: k.len(), expected: 32 })
        })?;
        if d.group_id != self.group_id {
            return Err(GroupError::WrongGroup);
        }
        let roster = self.current_roster()?;
        if roster.hash_at(d.epoch.0).is_some_and(|h| h != d.epoch.1) {
            return Err(GroupError::RosterMismatch { epoch: d.epoch.0 });
        }
        let sender = received.sender();
        let member = self.members.get_mut(sender.signing_key().as_bytes()).ok_or(GroupError::UnknownSender)?;
        if member.identity != *sender {
            return Err(GroupError::UnknownSender);
        }
        let signing_key = VerifyingKey::from_bytes(&d.signing_key).map_err(|_| DecodeError::Invalid("signing_key"))?;
        if let Some(existing) = member.chains.iter().find(|c| c.chain_id == d.chain_id) {
            // The same chain again (a resend): nothing to do; anything else conflicts.
            return if existing.signing_key == signing_key
                && d.iteration <= existing.next
                && existing.epoch == Some(d.epoch)
            {
                Ok(())
            } else {
                Err(GroupError::ConflictingDistribution(d.chain_id))
            };
        }
        member.chains.insert(
            0,
            ReceiverSenderChain {
                chain_id: d.chain_id,
                signing_key,
                chain_key: Some(ChainKey::new(chain_key, &GROUP_CHAIN)),
                next: d.iteration,
                // Messages before the distributed iteration were never ours
                // to read: report them as not held, not as replays.
                skipped: SkippedKeys { keys: Default::default(), discarded_up_to: d.iteration.checked_sub(1) },
                epoch: Some(d.epoch),
            },
        );
        member.chains.truncate(self.limits.max_chains_per_sender);
        Ok(())
    }

    /// Applies roster entries another member sent (a
    /// [`PayloadKind::RosterEntries`] payload, as the [`Received`] of its
    /// 1:1 session): each is verified as the next entry of our log (SPEC.md
    /// §12.5) and all are applied or none. Entries we already hold are
    /// skipped; if nothing is new the update is a `Duplicate`. `now`
    /// (the caller's clock) starts the removal grace period. The plan says
    /// what to send: on a removal or a re-addition a new chain for every
    /// member; on other additions our chain for the new members.
    pub fn apply_roster<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        received: &Received,
        now: u64,
        rng: &mut R,
    ) -> Result<MembershipPlan, GroupError> {
        if received.content_type() != ContentType::SenderKeyDistribution {
            return Err(GroupError::NotADistribution);
        }
        let update = super::roster::decode_update(received.plaintext(), &self.limits)?;
        if update.group_id != self.group_id {
            return Err(GroupError::WrongGroup);
        }
        let roster = self.roster.as_ref().ok_or(GroupError::LegacyGroup)?;
        let mut next = roster.clone();
        let mut steps = Vec::new();
        for e in &update.entries {
            match next.apply(e, &self.limits) {
                Ok(step) => steps.push(step),
                Err(GroupError::Duplicate) if steps.is_empty() => {}
                Err(err) => return Err(err),
            }
        }
        if steps.is_empty() {
            return Err(GroupError::Duplicate);
        }
        Ok(self.commit_roster(next, steps, now, rng))
    }

    /// Makes a roster change as an admin: signs the next roster entry with
    /// our identity key (`own` must be this group's device), applies it as
    /// every member will, and returns the plan: the whole log to the
    /// devices added, the new entry to the other members, then our
    /// distribution (a new chain on a removal or a re-addition). Refused
    /// like a received entry would be: `RosterNotAdmin` unless we are an
    /// admin, `RosterInvalid` for a change that is not allowed.
    pub fn change_roster<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        own: &DeviceIdentity,
        change: &RosterChange,
        now: u64,
        rng: &mut R,
    ) -> Result<MembershipPlan, GroupError> {
        if own.public() != self.own_identity {
            return Err(GroupError::RosterInvalid("not this group's device"));
        }
        let roster = self.current_roster()?;
        let entry = roster.sign_next(own, change);
        let mut next = roster.clone();
        let from = next.log.len();
        let step = next.apply(&entry, &self.limits)?;
        let added: Vec<IdentityPublic> = step.added.clone();
        let update = next.update_from(from);
        let log = next.update_from(0);
        let mut plan = MembershipPlan::default();
        plan.push(PayloadKind::RosterLog, Zeroizing::new(log), added.clone());
        let stayed: Vec<IdentityPublic> =
            next.members.values().filter(|m| **m != self.own_identity && !added.contains(m)).copied().collect();
        plan.push(PayloadKind::RosterEntries, Zeroizing::new(update), stayed);
        let dist = self.commit_roster(next, vec![step], now, rng);
        plan.sends.extend(dist.sends);
        Ok(plan)
    }

    /// Installs a verified roster and says what to send for it.
    fn commit_roster<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        roster: Roster,
        steps: Vec<Step>,
        now: u64,
        rng: &mut R,
    ) -> MembershipPlan {
        let own_key = *self.own_identity.signing_key().as_bytes();
        let mut removed_any = false;
        let mut readded = false;
        let mut added: Vec<IdentityPublic> = Vec::new();
        for step in steps {
            removed_any |= !step.removed.is_empty();
            readded |= step.readded;
            for r in &step.removed {
                self.members.remove(r.signing_key().as_bytes());
                added.retain(|a| a != r);
            }
            for a in step.added {
                if *a.signing_key().as_bytes() != own_key {
                    self.members.insert(*a.signing_key().as_bytes(), Member { identity: a, chains: Vec::new() });
                    added.push(a);
                }
            }
        }
        if removed_any {
            self.removal_applied_at = Some(now);
        }
        let still_member = roster.members.contains_key(&own_key);
        self.roster = Some(roster);
        let mut plan = MembershipPlan::default();
        if !still_member {
            // We were removed: forget every chain; nothing to send.
            self.members.clear();
            return plan;
        }
        if removed_any || readded {
            return self.rotate(rng);
        }
        plan.push(PayloadKind::Distribution, self.own.distribution(&self.group_id, self.share_history), added);
        plan
    }

    /// Starts a new sender chain under the current roster epoch and returns
    /// its distribution for every member of the verified roster. Done on
    /// every removal and re-addition; call it periodically too: sender keys
    /// heal after a compromise only here. A legacy or removed state returns
    /// an empty plan.
    pub fn rotate<R: rand_core::CryptoRng + ?Sized>(&mut self, rng: &mut R) -> MembershipPlan {
        let mut plan = MembershipPlan::default();
        let Ok(roster) = self.current_roster() else { return plan };
        let epoch = (roster.epoch(), roster.hash());
        self.own = OwnSenderChain::generate(rng, self.share_history, epoch);
        plan.push(PayloadKind::Distribution, self.own.distribution(&self.group_id, false), self.members());
        plan
    }

    /// Our current distribution, for a member that lost it (a reinstall).
    pub fn distribution(&self) -> Zeroizing<Vec<u8>> {
        self.own.distribution(&self.group_id, false)
    }

    /// Number of sender chains held for other members.
    pub fn chain_count(&self) -> usize {
        self.members.values().map(|m| m.chains.len()).sum()
    }
}

impl fmt::Debug for GroupSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupSession")
            .field("group_id_len", &self.group_id.len())
            .field("own", &self.own)
            .field("members", &self.members.len())
            .field("chains", &self.chain_count())
            .finish()
    }
}
