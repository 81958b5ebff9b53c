//! `GroupSession` at rest (SPEC.md §12.5): versioned protobuf, counts capped
//! by the limits, keys re-validated on load.

use crate::chain::{ChainKey, GROUP_CHAIN, MessageKey, SkippedKeys};
use crate::crypto::Secret32;
use crate::crypto::sig::{SigningKey, VerifyingKey};
use crate::group::GroupError;
use crate::group::chain::{OwnSenderChain, ReceiverSenderChain};
use crate::group::roster::{MIN_ENTRY_LEN, Roster};
use crate::group::state::{GroupSession, Member};
use crate::identity::IdentityPublic;
use crate::limits::{GROUP_ID_MAX_LEN, GROUP_MAX_STATE_LEN, GroupLimits};
use crate::wire::{self, Cap, DecodeError, format, group as pb};
use std::collections::{BTreeMap, VecDeque};
use zeroize::{Zeroize, Zeroizing};

fn secret(field: &'static str, b: &[u8]) -> Result<Secret32, DecodeError> {
    Secret32::from_slice(b).ok_or(DecodeError::WrongLength { field, len: b.len(), expected: 32 })
}

fn chain_to_state(c: &ReceiverSenderChain) -> pb::ReceiverSenderChainState {
    pb::ReceiverSenderChainState {
        chain_id: c.chain_id,
        signing_key: c.signing_key.as_bytes().to_vec(),
        chain_key: c.chain_key.as_ref().map(|k| k.secret().as_bytes().to_vec()).unwrap_or_default(),
        next: c.next,
        skipped: c
            .skipped
            .keys
            .iter()
            .map(|(i, k)| pb::SkippedGroupKey { iteration: *i, key: k.secret().as_bytes().to_vec() })
            .collect(),
        discarded_up_to: c.skipped.discarded_up_to,
        roster_epoch: c.epoch.map(|e| e.0),
        roster_hash: c.epoch.map(|e| e.1.to_vec()).unwrap_or_default(),
    }
}

fn chain_from_state(
    c: &pb::ReceiverSenderChainState,
    limits: &GroupLimits,
) -> Result<ReceiverSenderChain, DecodeError> {
    wire::cap_count("skipped", &c.skipped, limits.max_skipped_keys)?;
    let mut keys = VecDeque::with_capacity(c.skipped.len());
    let mut last: Option<u32> = None;
    for k in &c.skipped {
        if last.is_some_and(|l| k.iteration <= l) || k.iteration >= c.next {
            return Err(DecodeError::Invalid("skipped.iteration"));
        }
        last = Some(k.iteration);
        keys.push_back((k.iteration, MessageKey::new(secret("skipped.key", &k.key)?, &GROUP_CHAIN)));
    }
    let epoch = match c.roster_epoch {
        Some(e) => Some((e, wire::fixed::<32>("roster_hash", &c.roster_hash)?)),
        None if c.roster_hash.is_empty() => None,
        None => return Err(DecodeError::Invalid("roster_hash")),
    };
    Ok(ReceiverSenderChain {
        epoch,
        chain_id: c.chain_id,
        signing_key: VerifyingKey::from_bytes(&c.signing_key).map_err(|_| DecodeError::Invalid("signing_key"))?,
        chain_key: Some(ChainKey::new(secret("chain_key", &c.chain_key)?, &GROUP_CHAIN)),
        next: c.next,
        skipped: SkippedKeys { keys, discarded_up_to: c.discarded_up_to },
    })
}

fn wipe(s: &mut pb::GroupState) {
    if let Some(o) = s.own.as_mut() {
        o.chain_key.zeroize();
        o.signing_seed.zeroize();
        o.origin_chain_key.zeroize();
    }
    for m in &mut s.members {
        for c in &mut m.chains {
            c.chain_key.zeroize();
            for k in &mut c.skipped {
                k.key.zeroize();
            }
        }
    }
}

impl GroupSession {
    /// Serializes the group state (format 0x2302). It holds secrets: seal
    /// the session with [`crate::storage::Sealable::seal`] instead where possible.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let own = &self.own;
        let s = pb::GroupState {
            format: format::STATE_GROUP,
            group_id: self.group_id.clone(),
            own_identity: Some(self.own_identity.to_wire()),
            own: Some(pb::OwnSenderChainState {
                chain_id: own.chain_id,
                chain_key: own.chain_key.secret().as_bytes().to_vec(),
                iteration: own.iteration,
                signing_seed: own.signing.to_seed().as_bytes().to_vec(),
                origin_chain_key: own.origin.as_ref().map(|k| k.secret().as_bytes().to_vec()).unwrap_or_default(),
                roster_epoch: own.epoch.0,
                roster_hash: if self.roster.is_some() { own.epoch.1.to_vec() } else { Vec::new() },
            }),
            members: self
                .members
                .values()
                .map(|m| pb::MemberState {
                    identity: Some(m.identity.to_wire()),
                    chains: m.chains.iter().map(chain_to_state).collect(),
                })
                .collect(),
            share_history: self.share_history,
            roster_log: self.roster.as_ref().map(|r| r.log.clone()).unwrap_or_default(),
            removal_applied_at: self.removal_applied_at,
        };
        wire::encode_secret(s, wipe)
    }

    /// Loads state written by [`GroupSession::to_bytes`] with default limits.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::from_bytes_with_limits(bytes, GroupLimits::default())
    }

    /// Loads state, enforcing `limits` as caps on every count.
    /// Members, their chains and the chains' skipped keys, and the roster
    /// log's entries, are counted, and entries too short to be valid
    /// refused, before anything is decoded; then every roster entry is
    /// verified again from the genesis on. A version-1 state (format
    /// 0x2301) loads as a legacy group: it decrypts version-1 messages on
    /// the chains it holds and refuses everything else
    /// ([`crate::group::GroupError::LegacyGroup`]).
    pub fn from_bytes_with_limits(bytes: &[u8], limits: GroupLimits) -> Result<Self, DecodeError> {
        // A skipped key is {iteration, 32-byte key}: at least 34 bytes; a
        // chain at least its 32-byte signing key; a member its identity
        // (two 32-byte keys and a 64-byte signature).
        let skipped = [Cap::new(5, "skipped", limits.max_skipped_keys).min_len(34)];
        let chains = [Cap::new(2, "chains", limits.max_chains_per_sender).min_len(34).within(&skipped)];
        let caps = [
            Cap::new(5, "members", limits.max_members).min_len(136).within(&chains),
            Cap::new(7, "roster_log", limits.max_roster_entries).min_len(MIN_ENTRY_LEN),
        ];
        let v1 = wire::peek_format(bytes)? == format::STATE_GROUP_V1;
        let expected = if v1 { format::STATE_GROUP_V1 } else { format::STATE_GROUP };
        wire::decode_secret(bytes, GROUP_MAX_STATE_LEN, expected, &caps, wipe, |s| Self::from_state(s, limits, v1))
    }

    fn from_state(s: &pb::GroupState, limits: GroupLimits, v1: bool) -> Result<Self, DecodeError> {
        if s.group_id.is_empty() || s.group_id.len() > GROUP_ID_MAX_LEN {
            return Err(DecodeError::Invalid("group_id"));
        }
        wire::cap_count("members", &s.members, limits.max_members)?;
        let own_identity =
            IdentityPublic::from_wire(s.own_identity.as_ref().ok_or(DecodeError::Missing("own_identity"))?)?;
        let o = s.own.as_ref().ok_or(DecodeError::Missing("own"))?;
        let origin = if o.origin_chain_key.is_empty() {
            None
        } else {
            Some(ChainKey::new(secret("origin_chain_key", &o.origin_chain_key)?, &GROUP_CHAIN))
        };
        // A version-1 state, or a version-2 one written from it, has no log.
        let roster = if s.roster_log.is_empty() {
            if o.roster_epoch != 0 || !o.roster_hash.is_empty() || s.removal_applied_at.is_some() {
                return Err(DecodeError::Invalid("roster fields without a roster log"));
            }
            None
        } else if v1 {
            return Err(DecodeError::Invalid("roster_log in a version-1 state"));
        } else {
            let r = Roster::from_log(&s.group_id, &s.roster_log, &limits).map_err(|e| match e {
                GroupError::Decode(d) => d,
                _ => DecodeError::Invalid("roster_log"),
            })?;
            Some(r)
        };
        let own_epoch = match &roster {
            Some(r) => {
                let hash = wire::fixed::<32>("own.roster_hash", &o.roster_hash)?;
                if r.hash_at(o.roster_epoch) != Some(hash) {
                    return Err(DecodeError::Invalid("own.roster_epoch"));
                }
                (o.roster_epoch, hash)
            }
            None => (0, [0; 32]),
        };
        let own = OwnSenderChain {
            epoch: own_epoch,
            chain_id: o.chain_id,
            chain_key: ChainKey::new(secret("own.chain_key", &o.chain_key)?, &GROUP_CHAIN),
            iteration: o.iteration,
            signing: SigningKey::from_seed(&secret("own.signing_seed", &o.signing_seed)?),
            origin,
        };
        let mut members = BTreeMap::new();
        for m in &s.members {
            wire::cap_count("chains", &m.chains, limits.max_chains_per_sender)?;
            let identity = IdentityPublic::from_wire(m.identity.as_ref().ok_or(DecodeError::Missing("identity"))?)?;
            let chains = m.chains.iter().map(|c| chain_from_state(c, &limits)).collect::<Result<Vec<_>, _>>()?;
            if chains.iter().any(|c| c.epoch.is_some() != roster.is_some()) {
                return Err(DecodeError::Invalid("chains.roster_epoch"));
            }
            if members.insert(*identity.signing_key().as_bytes(), Member { identity, chains }).is_some() {
                return Err(DecodeError::Invalid("members (duplicate)"));
            }
        }
        // The members are exactly the verified roster's, less this device
        // (none at all once this device was removed).
        if let Some(r) = &roster {
            let own_key = own_identity.signing_key().as_bytes();
            let expected: Vec<(&[u8; 32], &IdentityPublic)> = if r.members.contains_key(own_key) {
                r.members.iter().filter(|(k, _)| *k != own_key).collect()
            } else {
                Vec::new()
            };
            let held: Vec<(&[u8; 32], &IdentityPublic)> = members.iter().map(|(k, m)| (k, &m.identity)).collect();
            if expected != held {
                return Err(DecodeError::Invalid("members (not the roster's)"));
            }
        }
        Ok(Self {
            group_id: s.group_id.clone(),
            own_identity,
            own,
            members,
            share_history: s.share_history,
            limits,
            roster,
            removal_applied_at: s.removal_applied_at,
        })
    }
}
