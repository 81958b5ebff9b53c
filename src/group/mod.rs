//! Groups for class, school and channel chats: sender keys distributed over
//! 1:1 sessions (SPEC.md §12).
//!
//! Each member device has, per group, a sender chain: a chain key stepped by
//! HMAC per message and an Ed25519 signing key. A message is encrypted under
//! the next message key and signed by the chain's signing key over the exact
//! bytes; receivers verify the signature before touching any state. A chain
//! reaches the other members as a [`ContentType::SenderKeyDistribution`]
//! payload inside the 1:1 session with each of them, so it is bound to an
//! authenticated sender. The roster is a signed, hash-chained log that every
//! member verifies (admins add and remove members; SPEC.md §12.5); every
//! chain and message names the roster epoch it was made under, and a member
//! that has not seen a removal is read only for a grace period after it.
//! Each change says exactly what to send ([`MembershipPlan`]).
//!
//! ## A message before its distribution
//!
//! Group messages and distributions travel on different paths (the group's
//! fan-out and the 1:1 sessions), so a member's first message can arrive
//! before the distribution of its chain. [`GroupSession::decrypt`] then fails
//! with [`GroupError::UnknownChain`] and changes nothing; the error carries
//! the sender and chain id from the message's header. The app keeps the
//! message under that key and retries it when a distribution for that sender
//! and chain has been processed ([`DistributionInfo::peek`] reads both from
//! the distribution):
//!
//! ```
//! use std::collections::BTreeMap;
//! use vestnik::group::{DistributionInfo, GroupError, GroupSession};
//! use vestnik::{ContentType, DeviceIdentity, PeerSessions, PreKeyStore};
//! let mut rng = rand::rng();
//! let (teacher, student) = (DeviceIdentity::generate(&mut rng), DeviceIdentity::generate(&mut rng));
//! let mut student_prekeys = PreKeyStore::new(&student, 0, &mut rng);
//! let mut to_student = PeerSessions::new(student.public());
//! to_student.initiate(&teacher, &student_prekeys.bundle(&student, None), 0, &mut rng)?;
//! let mut from_teacher = PeerSessions::new(teacher.public());
//! let (mut t_group, plan) = GroupSession::create(b"class-7b", &teacher, &[student.public()], false, &mut rng)?;
//! // The student joins from the teacher's signed roster log (the plan's first send).
//! let log = to_student.encrypt_typed(ContentType::SenderKeyDistribution, plan.sends()[0].payload(), &mut rng)?;
//! let received = from_teacher.decrypt(&student, &mut student_prekeys, &log, 0)?;
//! let (mut s_group, _) = GroupSession::join(&student, &received, false, &mut rng)?;
//! let now = 1_764_000_000; // the caller's clock
//!
//! // The group message overtakes the distribution.
//! let early = t_group.encrypt("Урок перенесён".as_bytes())?;
//! let mut pending: BTreeMap<([u8; 32], u32), Vec<Vec<u8>>> = BTreeMap::new();
//! match s_group.decrypt(&early, now) {
//!     Err(GroupError::UnknownChain { sender, chain_id }) => {
//!         // Bounded in a real app: per sender, in total, and by age.
//!         pending.entry((sender, chain_id)).or_default().push(early);
//!     }
//!     Err(e) => return Err(e.into()),
//!     Ok(_) => return Err("decrypted before its distribution".into()),
//! }
//!
//! // The distribution arrives over the 1:1 session: install it, then retry.
//! let wire = to_student.encrypt_typed(ContentType::SenderKeyDistribution, plan.distribution(), &mut rng)?;
//! let received = from_teacher.decrypt(&student, &mut student_prekeys, &wire, 0)?;
//! let info = DistributionInfo::peek(&received)?;
//! s_group.process_distribution(&received)?;
//! for message in pending.remove(&(*info.sender().signing_key().as_bytes(), info.chain_id())).unwrap_or_default() {
//!     assert_eq!(s_group.decrypt(&message, now)?.plaintext(), "Урок перенесён".as_bytes());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The sender and chain id are read before the message's signature can be
//! checked (the chain's key is what is missing), so a forger can make up
//! either: cap the buffer, and expect some entries never to decrypt.
//!
//! [`ContentType::SenderKeyDistribution`]: crate::ContentType::SenderKeyDistribution

mod chain;
mod error;
mod message;
mod persist;
mod roster;
mod state;

pub use error::GroupError;
pub use state::GroupSession;

use crate::identity::IdentityPublic;
use core::fmt;
use zeroize::Zeroizing;

/// The public routing data of a sender-key distribution, read without any
/// group state: which group it is for, whose chain, and which chain. An app
/// that keeps one [`GroupSession`] per group uses it to find the session a
/// distribution belongs to (no group id needs to travel in clear beside it),
/// and to retry group messages it buffered on [`GroupError::UnknownChain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributionInfo {
    sender: IdentityPublic,
    group_id: Vec<u8>,
    chain_id: u32,
    iteration: u32,
    roster_epoch: u64,
}

impl DistributionInfo {
    /// Reads a distribution that arrived through a 1:1 session (a
    /// [`crate::Received`] of content type
    /// [`crate::ContentType::SenderKeyDistribution`]). Decoded as strictly as
    /// [`GroupSession::process_distribution`] decodes it (size cap and format
    /// first, canonical encoding, field lengths), with the chain key wiped;
    /// the signing key is only length-checked here. Changes nothing.
    ///
    /// Errors: [`GroupError::NotADistribution`] for another content type,
    /// [`GroupError::Decode`] for bytes that do not decode.
    pub fn peek(received: &crate::Received) -> Result<Self, GroupError> {
        message::peek_distribution(received)
    }

    /// The device that sent it: the 1:1 session's authenticated peer.
    pub fn sender(&self) -> &IdentityPublic {
        &self.sender
    }

    /// The group it is for.
    pub fn group_id(&self) -> &[u8] {
        &self.group_id
    }

    /// The sender chain it installs.
    pub fn chain_id(&self) -> u32 {
        self.chain_id
    }

    /// The first iteration of the chain it lets the receiver read.
    pub fn iteration(&self) -> u32 {
        self.iteration
    }

    /// The roster epoch the sender made the chain under.
    pub fn roster_epoch(&self) -> u64 {
        self.roster_epoch
    }
}

/// A roster change an admin makes ([`GroupSession::change_roster`]): it
/// becomes one signed entry of the group's roster log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterChange {
    /// Devices that join.
    pub added: Vec<IdentityPublic>,
    /// Devices that leave or are removed (an admin removed loses the role).
    pub removed: Vec<IdentityPublic>,
    /// Members made admins (after the additions of the same change).
    pub promoted: Vec<IdentityPublic>,
}

impl RosterChange {
    /// A change adding `devices`.
    pub fn add(devices: &[IdentityPublic]) -> Self {
        Self { added: devices.to_vec(), ..Self::default() }
    }

    /// A change removing `devices`.
    pub fn remove(devices: &[IdentityPublic]) -> Self {
        Self { removed: devices.to_vec(), ..Self::default() }
    }

    /// A change promoting `devices` to admins.
    pub fn promote(devices: &[IdentityPublic]) -> Self {
        Self { promoted: devices.to_vec(), ..Self::default() }
    }
}

/// What one payload of a [`MembershipPlan`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadKind {
    /// A `RosterUpdate` (format 0x2501) with the whole roster log, for
    /// devices that join: they start with [`GroupSession::join`].
    RosterLog,
    /// A `RosterUpdate` with the new roster entries, for existing members:
    /// they apply it with [`GroupSession::receive`].
    RosterEntries,
    /// A `SenderKeyDistribution` (format 0x2202): holds a chain key.
    Distribution,
}

/// One payload of a plan and the devices it must reach.
pub struct PlannedSend {
    kind: PayloadKind,
    payload: Zeroizing<Vec<u8>>,
    recipients: Vec<IdentityPublic>,
}

impl PlannedSend {
    /// What the payload is.
    pub fn kind(&self) -> PayloadKind {
        self.kind
    }

    /// The bytes to send as a [`crate::ContentType::SenderKeyDistribution`]
    /// payload (`PeerSessions::encrypt_typed`), inside 1:1 sessions only.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Who must receive it: devices of the current verified roster only.
    pub fn recipients(&self) -> &[IdentityPublic] {
        &self.recipients
    }
}

impl fmt::Debug for PlannedSend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlannedSend")
            .field("kind", &self.kind)
            .field("recipients", &self.recipients.len())
            .finish_non_exhaustive()
    }
}

/// What the app must send after a group change: each of [`Self::sends`],
/// in order, to its recipients over the 1:1 sessions
/// ([`crate::ContentType::SenderKeyDistribution`] payloads), and nothing
/// to anyone else. Roster payloads come first, so a receiver knows the
/// roster before the chains made under it.
#[derive(Debug, Default)]
pub struct MembershipPlan {
    sends: Vec<PlannedSend>,
}

impl MembershipPlan {
    pub(crate) fn push(&mut self, kind: PayloadKind, payload: Zeroizing<Vec<u8>>, recipients: Vec<IdentityPublic>) {
        if !recipients.is_empty() {
            self.sends.push(PlannedSend { kind, payload, recipients });
        }
    }

    /// Every payload and its recipients, in the order to send them.
    pub fn sends(&self) -> &[PlannedSend] {
        &self.sends
    }

    fn find(&self, kind: PayloadKind) -> Option<&PlannedSend> {
        self.sends.iter().find(|s| s.kind == kind)
    }

    /// The distribution payload, empty when the plan sends none (holds a
    /// chain key: send it only inside 1:1 sessions).
    pub fn distribution(&self) -> &[u8] {
        self.find(PayloadKind::Distribution).map_or(&[], |s| s.payload())
    }

    /// Who must receive the distribution.
    pub fn recipients(&self) -> &[IdentityPublic] {
        self.find(PayloadKind::Distribution).map_or(&[], |s| s.recipients())
    }

    /// Whether there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.sends.is_empty()
    }
}
