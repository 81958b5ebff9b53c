//! A device's state in one group (SPEC.md §12): its own sender chain and the
//! chains of the other members, the roster it expects, and the membership
//! procedure.

use crate::chain::{ChainKey, GROUP_CHAIN, SkippedKeys, Walk, walk};
use crate::crypto::Secret32;
use crate::crypto::sig::VerifyingKey;
use crate::group::chain::{OwnSenderChain, ReceiverSenderChain};
use crate::group::message::{self, MAX_DISTRIBUTION_LEN, ParsedGroupMessage};
use crate::group::{GroupError, MembershipPlan, RosterChange};
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
    pub(crate) members: BTreeMap<[u8; 32], Member>,
    pub(crate) share_history: bool,
    pub(crate) limits: GroupLimits,
}

enum Plan {
    UseSkipped { pos: usize },
    Advance { walk: Walk },
}

impl GroupSession {
    /// Creates this device's state in a group whose other member devices are
    /// `members` (already verified by the app), and returns the distribution
    /// of our new sender chain that must go to each of them over 1:1
    /// sessions. With `share_history`, members added later get our chain
    /// from its start instead of from the current message.
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
        let mut g = Self {
            group_id: group_id.to_vec(),
            own_identity: own.public(),
            own: OwnSenderChain::generate(rng, share_history),
            members: BTreeMap::new(),
            share_history,
            limits,
        };
        g.add_members(members)?;
        let plan = g.plan_for(g.members.values().map(|m| m.identity).collect(), false);
        Ok((g, plan))
    }

    fn add_members(&mut self, members: &[IdentityPublic]) -> Result<(), GroupError> {
        for m in members {
            if *m == self.own_identity {
                continue;
            }
            if !self.members.contains_key(m.signing_key().as_bytes()) && self.members.len() >= self.limits.max_members {
                return Err(GroupError::TooManyMembers { max: self.limits.max_members });
            }
            self.members.entry(*m.signing_key().as_bytes()).or_insert(Member { identity: *m, chains: Vec::new() });
        }
        Ok(())
    }

    fn plan_for(&self, recipients: Vec<IdentityPublic>, from_origin: bool) -> MembershipPlan {
        MembershipPlan { distribution: self.own.distribution(&self.group_id, from_origin), recipients }
    }

    /// The group id.
    pub fn group_id(&self) -> &[u8] {
        &self.group_id
    }

    /// The other member devices this device expects.
    pub fn members(&self) -> Vec<IdentityPublic> {
        self.members.values().map(|m| m.identity).collect()
    }

    /// Our current chain id and iteration (public values).
    pub fn own_chain(&self) -> (u32, u32) {
        (self.own.chain_id, self.own.iteration)
    }

    /// The limits in force.
    pub fn limits(&self) -> &GroupLimits {
        &self.limits
    }

    /// Encrypts and signs a message for the group.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, GroupError> {
        let max = self.limits.max_plaintext_len;
        if plaintext.len() > max {
            return Err(GroupError::PlaintextTooLarge { len: plaintext.len(), max });
        }
        let (iteration, mk) = self.own.next_key()?;
        let sender = *self.own_identity.signing_key().as_bytes();
        let ad = message::associated_data(&self.group_id, &sender, self.own.chain_id, iteration);
        let padded = padding::pad(ContentType::Application.to_byte(), plaintext);
        let body = pb::GroupMessageBody {
            group_id: self.group_id.clone(),
            sender: sender.to_vec(),
            chain_id: self.own.chain_id,
            iteration,
            ciphertext: mk.seal(&ad, &padded),
        }
        .encode_to_vec();
        let signature = self.own.signing.sign(labels::SIG_GROUP_MESSAGE, &body);
        Ok(pb::GroupMessage { format: format::GROUP_MESSAGE, body, signature: signature.to_bytes().to_vec() }
            .encode_to_vec())
    }

    /// Verifies and decrypts a group message. The signature is checked before
    /// anything else is computed; on any error nothing changes.
    pub fn decrypt(&mut self, bytes: &[u8]) -> Result<Received, GroupError> {
        let m = message::decode(bytes, self.limits.max_message_len())?;
        let (received, chain_index, plan) = self.prepare(&m)?;
        let max_skipped = self.limits.max_skipped_keys;
        if let Some(chain) = self.members.get_mut(&m.sender).and_then(|x| x.chains.get_mut(chain_index)) {
            match plan {
                Plan::UseSkipped { pos } => chain.skipped.remove(pos),
                Plan::Advance { walk } => chain.apply(walk, max_skipped),
            }
        }
        Ok(received)
    }

    fn prepare(&self, m: &ParsedGroupMessage) -> Result<(Received, usize, Plan), GroupError> {
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
        chain
            .signing_key
            .verify(labels::SIG_GROUP_MESSAGE, &m.body_bytes, &m.signature)
            .map_err(|_| GroupError::BadSignature)?;
        let n = m.body.iteration;
        let ad = message::associated_data(&self.group_id, &m.sender, m.body.chain_id, n);
        let open =
            |mk: &crate::chain::MessageKey| mk.open(&ad, &m.body.ciphertext).map_err(|_| GroupError::DecryptionFailed);
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

    /// Installs a member's sender chain from a distribution that arrived
    /// through a 1:1 session with that member. Refused unless it is a
    /// sender-key distribution, for this group, from a device on the roster.
    pub fn process_distribution(&mut self, received: &Received) -> Result<(), GroupError> {
        if received.content_type() != ContentType::SenderKeyDistribution {
            return Err(GroupError::NotADistribution);
        }
        // The decoded copy of the chain key is wiped whatever the outcome.
        let (d, chain_key) = wire::decode_secret(
            received.plaintext(),
            MAX_DISTRIBUTION_LEN,
            format::SENDER_KEY_DISTRIBUTION,
            &[],
            |d: &mut pb::SenderKeyDistribution| zeroize::Zeroize::zeroize(&mut d.chain_key),
            |d| {
                let chain_key = Secret32::from_slice(&d.chain_key).ok_or(DecodeError::WrongLength {
                    field: "chain_key",
                    len: d.chain_key.len(),
                    expected: 32,
                })?;
                // Everything but the chain key, which stays in `Secret32`.
                let public = pb::SenderKeyDistribution {
                    format: d.format,
                    group_id: d.group_id.clone(),
                    chain_id: d.chain_id,
                    iteration: d.iteration,
                    chain_key: Vec::new(),
                    signing_key: d.signing_key.clone(),
                };
                Ok((public, chain_key))
            },
        )?;
        if d.group_id != self.group_id {
            return Err(GroupError::WrongGroup);
        }
        let sender = received.sender();
        let member = self.members.get_mut(sender.signing_key().as_bytes()).ok_or(GroupError::UnknownSender)?;
        if member.identity != *sender {
            return Err(GroupError::UnknownSender);
        }
        let signing_key = VerifyingKey::from_bytes(&d.signing_key).map_err(|_| DecodeError::Invalid("signing_key"))?;
        if let Some(existing) = member.chains.iter().find(|c| c.chain_id == d.chain_id) {
            // The same chain again (a resend): nothing to do; anything else conflicts.
            return if existing.signing_key == signing_key && d.iteration <= existing.next {
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
            },
        );
        member.chains.truncate(self.limits.max_chains_per_sender);
        Ok(())
    }

    /// Applies a roster change and says what to send. On any removal this
    /// device rotates its sender chain (new chain id, chain key and signing
    /// key), forgets the removed devices' chains, and the plan sends the new
    /// distribution to every remaining member and no one else. On additions
    /// alone, the plan sends our current distribution to the new members
    /// (from the current message, or from the chain's start when the group
    /// shares history).
    pub fn apply_change<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        change: &RosterChange,
        rng: &mut R,
    ) -> Result<MembershipPlan, GroupError> {
        let mut removed_any = false;
        for r in &change.removed {
            removed_any |= self.members.remove(r.signing_key().as_bytes()).is_some();
        }
        self.add_members(&change.added)?;
        if removed_any {
            return Ok(self.rotate(rng));
        }
        let added: Vec<IdentityPublic> = change.added.iter().filter(|a| **a != self.own_identity).copied().collect();
        Ok(self.plan_for(added, self.share_history))
    }

    /// Starts a new sender chain and returns its distribution for every
    /// member. Call it on removals (done by [`GroupSession::apply_change`])
    /// and periodically: sender keys heal after a compromise only here.
    pub fn rotate<R: rand_core::CryptoRng + ?Sized>(&mut self, rng: &mut R) -> MembershipPlan {
        self.own = OwnSenderChain::generate(rng, self.share_history);
        self.plan_for(self.members(), false)
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
