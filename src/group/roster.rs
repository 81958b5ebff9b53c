//! The signed, hash-chained roster log of a group (SPEC.md §12.5): who the
//! member devices are, who may change that, and the roster epoch every
//! sender chain is made under.
//!
//! Entry `e` (format 0x2401) is signed by an admin's identity key and names
//! the hash of entry `e - 1`; the first entry (epoch 0, the genesis) is
//! signed by the creator, who is the first admin. A member applies an entry
//! only if it is the next one of its own log and every check passes; the
//! server can withhold or delay entries but not make one up.

use crate::crypto::sig::{Signature, VerifyingKey};
use crate::group::{GroupError, RosterChange};
use crate::identity::{DeviceIdentity, IdentityPublic};
use crate::labels;
use crate::limits::{GROUP_ID_MAX_LEN, GROUP_MAX_ROSTER_LEN, GroupLimits};
use crate::wire::{self, Cap, DecodeError, format, group as pb};
use prost::Message;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The `previous` field of the genesis entry.
pub(crate) const GENESIS_PREVIOUS: [u8; 32] = [0; 32];

/// The smallest valid encoded entry: format (3 bytes), a body holding at
/// least `previous` and `author` (2 + 68), and the signature (66).
pub(crate) const MIN_ENTRY_LEN: usize = 139;

/// `SHA-256("vestnik/v1/hash/group-roster-members" || count (4, BE) || keys)`
/// over the members' Ed25519 identity keys in ascending byte order.
pub(crate) fn members_hash<'a>(keys: impl ExactSizeIterator<Item = &'a [u8; 32]>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(labels::HASH_GROUP_ROSTER_MEMBERS.as_bytes());
    h.update(u32::try_from(keys.len()).unwrap_or(u32::MAX).to_be_bytes());
    for k in keys {
        h.update(k);
    }
    h.finalize().into()
}

/// `SHA-256("vestnik/v1/hash/group-roster-entry" || body bytes)`.
pub(crate) fn entry_hash(body: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(labels::HASH_GROUP_ROSTER_ENTRY.as_bytes());
    h.update(body);
    h.finalize().into()
}

/// A verified roster: the log that produced it and its current state.
#[derive(Clone)]
pub(crate) struct Roster {
    pub(crate) group_id: Vec<u8>,
    /// Every entry, epoch 0 first, exactly as verified.
    pub(crate) log: Vec<Vec<u8>>,
    /// The members hash after each entry (index = epoch).
    pub(crate) hashes: Vec<[u8; 32]>,
    pub(crate) head: [u8; 32],
    pub(crate) members: BTreeMap<[u8; 32], IdentityPublic>,
    pub(crate) admins: BTreeSet<[u8; 32]>,
    pub(crate) creator: [u8; 32],
    /// Every device ever removed from the group.
    pub(crate) ever_removed: BTreeSet<[u8; 32]>,
    /// The epoch of the latest entry that removed someone.
    pub(crate) last_removal: Option<u64>,
}

/// What one entry changed.
#[derive(Default)]
pub(crate) struct Step {
    pub(crate) added: Vec<IdentityPublic>,
    pub(crate) removed: Vec<IdentityPublic>,
    /// Some added device had been removed before.
    pub(crate) readded: bool,
}

struct Parsed {
    body_bytes: Vec<u8>,
    body: pb::RosterEntryBody,
    previous: [u8; 32],
    author: [u8; 32],
    signature: Signature,
}

fn parse(entry: &[u8], limits: &GroupLimits) -> Result<Parsed, GroupError> {
    let e: pb::RosterEntry = wire::decode_typed(entry, GROUP_MAX_ROSTER_LEN, format::ROSTER_ENTRY, &[])?;
    // An identity is at least its three keys (2 + 32, 2 + 32, 2 + 64 bytes).
    let caps = [
        Cap::new(5, "add", limits.max_members).min_len(134),
        Cap::new(6, "remove", limits.max_members).min_len(32),
        Cap::new(7, "promote", limits.max_members).min_len(32),
    ];
    wire::scan::check_caps(&e.body, &caps)?;
    let body: pb::RosterEntryBody = wire::decode_strict(&e.body, GROUP_MAX_ROSTER_LEN)?;
    let previous = wire::fixed::<32>("previous", &body.previous)?;
    let author = wire::fixed::<32>("author", &body.author)?;
    let sig = wire::fixed::<64>("signature", &e.signature)?;
    let signature = Signature::from_slice(&sig).map_err(|_| DecodeError::Invalid("signature"))?;
    Ok(Parsed { body_bytes: e.body, body, previous, author, signature })
}

impl Roster {
    /// The current epoch (entries applied minus one).
    pub(crate) fn epoch(&self) -> u64 {
        u64::try_from(self.log.len()).unwrap_or(u64::MAX).saturating_sub(1)
    }

    /// The members hash of the current epoch.
    pub(crate) fn hash(&self) -> [u8; 32] {
        self.hashes.last().copied().unwrap_or_default()
    }

    /// The members hash of an epoch this device has applied.
    pub(crate) fn hash_at(&self, epoch: u64) -> Option<[u8; 32]> {
        usize::try_from(epoch).ok().and_then(|i| self.hashes.get(i)).copied()
    }

    /// Verifies the genesis entry of a group and returns the roster it makes.
    pub(crate) fn genesis(group_id: &[u8], entry: &[u8], limits: &GroupLimits) -> Result<(Self, Step), GroupError> {
        if group_id.is_empty() || group_id.len() > GROUP_ID_MAX_LEN {
            return Err(DecodeError::Invalid("group_id").into());
        }
        let mut r = Self {
            group_id: group_id.to_vec(),
            log: Vec::new(),
            hashes: Vec::new(),
            head: GENESIS_PREVIOUS,
            members: BTreeMap::new(),
            admins: BTreeSet::new(),
            creator: [0; 32],
            ever_removed: BTreeSet::new(),
            last_removal: None,
        };
        let step = r.apply(entry, limits)?;
        Ok((r, step))
    }

    /// Replays a whole stored log, verifying every entry.
    pub(crate) fn from_log(group_id: &[u8], log: &[Vec<u8>], limits: &GroupLimits) -> Result<Self, GroupError> {
        let (first, rest) = log.split_first().ok_or(DecodeError::Missing("roster_log"))?;
        let (mut r, _) = Self::genesis(group_id, first, limits)?;
        for e in rest {
            r.apply(e, limits)?;
        }
        Ok(r)
    }

    /// Verifies `entry` as the next entry of this log and applies it. On an
    /// error the roster may be partly changed: callers apply to a copy.
    ///
    /// Checks, in order (SPEC.md §12.5): strict decoding; the group id; the
    /// epoch (an entry already applied is `Duplicate`, another at an applied
    /// epoch `RosterRollback`, one past the next `RosterWrongEpoch`); the
    /// previous hash; the author is an admin (at genesis: becomes one);
    /// the signature by the author's identity key; then the change itself.
    pub(crate) fn apply(&mut self, entry: &[u8], limits: &GroupLimits) -> Result<Step, GroupError> {
        if self.log.len() >= limits.max_roster_entries {
            return Err(DecodeError::TooMany {
                field: "roster_log",
                count: self.log.len().saturating_add(1),
                max: limits.max_roster_entries,
            }
            .into());
        }
        let p = parse(entry, limits)?;
        if p.body.group_id != self.group_id {
            return Err(GroupError::WrongGroup);
        }
        let genesis = self.log.is_empty();
        let expected = u64::try_from(self.log.len()).unwrap_or(u64::MAX);
        if p.body.epoch < expected {
            let same = usize::try_from(p.body.epoch).ok().and_then(|i| self.log.get(i)).is_some_and(|e| e == entry);
            return Err(if same {
                GroupError::Duplicate
            } else {
                GroupError::RosterRollback { epoch: p.body.epoch, current: self.epoch() }
            });
        }
        if p.body.epoch != expected {
            return Err(GroupError::RosterWrongEpoch { epoch: p.body.epoch, expected });
        }
        if p.previous != self.head {
            return Err(GroupError::RosterWrongPrevious { epoch: p.body.epoch });
        }
        if !genesis && !self.admins.contains(&p.author) {
            return Err(GroupError::RosterNotAdmin { author: p.author });
        }
        let author_key = VerifyingKey::from_bytes(&p.author).map_err(|_| DecodeError::Invalid("author"))?;
        author_key
            .verify(labels::SIG_GROUP_ROSTER_ENTRY, &p.body_bytes, &p.signature)
            .map_err(|_| GroupError::RosterBadSignature)?;

        // The change: removals, then additions, then promotions.
        if p.body.add.is_empty() && p.body.remove.is_empty() && p.body.promote.is_empty() && !genesis {
            return Err(GroupError::RosterInvalid("empty change"));
        }
        let mut step = Step::default();
        if genesis {
            if !p.body.remove.is_empty() {
                return Err(GroupError::RosterInvalid("genesis removes"));
            }
            // The author's own identity must be among the added devices.
            let own = p.body.add.iter().find(|a| a.signing_key.as_slice() == p.author.as_slice());
            if own.is_none() {
                return Err(GroupError::RosterInvalid("genesis without its author"));
            }
            self.creator = p.author;
            self.admins.insert(p.author);
        }
        let mut touched = BTreeSet::new();
        for r in &p.body.remove {
            let k = wire::fixed::<32>("remove", r)?;
            let m = self.members.remove(&k).ok_or(GroupError::RosterInvalid("remove of a non-member"))?;
            touched.insert(k);
            self.admins.remove(&k);
            self.ever_removed.insert(k);
            step.removed.push(m);
        }
        for a in &p.body.add {
            let id = IdentityPublic::from_wire(a)?;
            let k = *id.signing_key().as_bytes();
            if !touched.insert(k) || self.members.contains_key(&k) {
                return Err(GroupError::RosterInvalid("add of a member"));
            }
            step.readded |= self.ever_removed.contains(&k);
            self.members.insert(k, id);
            step.added.push(id);
        }
        for pr in &p.body.promote {
            let k = wire::fixed::<32>("promote", pr)?;
            if !self.members.contains_key(&k) || !self.admins.insert(k) {
                return Err(GroupError::RosterInvalid("promote of a non-member or an admin"));
            }
        }
        if self.members.len() > limits.max_members {
            return Err(GroupError::TooManyMembers { max: limits.max_members });
        }
        if self.admins.is_empty() {
            return Err(GroupError::RosterInvalid("no admin left"));
        }
        if !step.removed.is_empty() {
            self.last_removal = Some(p.body.epoch);
        }
        self.head = entry_hash(&p.body_bytes);
        self.hashes.push(members_hash(self.members.keys()));
        self.log.push(entry.to_vec());
        Ok(step)
    }

    /// Builds and signs the entry that makes `change` the next epoch
    /// (genesis when the log is empty). It is not applied here.
    pub(crate) fn sign_next(&self, own: &DeviceIdentity, change: &RosterChange) -> Vec<u8> {
        let genesis = self.log.is_empty();
        let mut add: Vec<crate::wire::session::IdentityPublic> = Vec::new();
        if genesis {
            add.push(own.public().to_wire());
        }
        let mut seen = BTreeSet::new();
        if genesis {
            seen.insert(*own.public().signing_key().as_bytes());
        }
        for a in &change.added {
            if seen.insert(*a.signing_key().as_bytes()) {
                add.push(a.to_wire());
            }
        }
        let keys = |v: &[IdentityPublic]| {
            let mut s = BTreeSet::new();
            v.iter()
                .filter(|i| s.insert(*i.signing_key().as_bytes()))
                .map(|i| i.signing_key().as_bytes().to_vec())
                .collect()
        };
        let body = pb::RosterEntryBody {
            group_id: self.group_id.clone(),
            epoch: u64::try_from(self.log.len()).unwrap_or(u64::MAX),
            previous: self.head.to_vec(),
            author: own.public().signing_key().as_bytes().to_vec(),
            add,
            remove: keys(&change.removed),
            promote: keys(&change.promoted),
        }
        .encode_to_vec();
        let signature = own.signing_key().sign(labels::SIG_GROUP_ROSTER_ENTRY, &body);
        pb::RosterEntry { format: format::ROSTER_ENTRY, body, signature: signature.to_bytes().to_vec() }.encode_to_vec()
    }

    /// A `RosterUpdate` (format 0x2501) with the entries from `from` on.
    pub(crate) fn update_from(&self, from: usize) -> Vec<u8> {
        pb::RosterUpdate {
            format: format::ROSTER_UPDATE,
            group_id: self.group_id.clone(),
            entries: self.log.get(from..).unwrap_or_default().to_vec(),
        }
        .encode_to_vec()
    }
}

/// Decodes a `RosterUpdate`: format, size, the entry count (at most
/// `max_roster_entries`, each at least [`MIN_ENTRY_LEN`]), then strictly.
pub(crate) fn decode_update(bytes: &[u8], limits: &GroupLimits) -> Result<pb::RosterUpdate, GroupError> {
    let caps = [Cap::new(3, "entries", limits.max_roster_entries).min_len(MIN_ENTRY_LEN)];
    let u: pb::RosterUpdate = wire::decode_typed(bytes, GROUP_MAX_ROSTER_LEN, format::ROSTER_UPDATE, &caps)?;
    if u.entries.is_empty() {
        return Err(DecodeError::Missing("entries").into());
    }
    Ok(u)
}
