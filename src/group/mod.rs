//! Groups for class, school and channel chats: sender keys distributed over
//! 1:1 sessions (SPEC.md §12).
//!
//! Each member device has, per group, a sender chain: a chain key stepped by
//! HMAC per message and an Ed25519 signing key. A message is encrypted under
//! the next message key and signed by the chain's signing key over the exact
//! bytes; receivers verify the signature before touching any state. A chain
//! reaches the other members as a [`ContentType::SenderKeyDistribution`]
//! payload inside the 1:1 session with each of them, so it is bound to an
//! authenticated sender. The crate does not own the roster: the app tells it
//! what changed, and it says exactly what to send ([`MembershipPlan`]).
//!
//! [`ContentType::SenderKeyDistribution`]: crate::ContentType::SenderKeyDistribution

mod chain;
mod error;
mod message;
mod persist;
mod state;

pub use error::GroupError;
pub use state::GroupSession;

use crate::identity::IdentityPublic;
use core::fmt;
use zeroize::Zeroizing;

/// A roster change the app applies to a group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterChange {
    /// Devices that join.
    pub added: Vec<IdentityPublic>,
    /// Devices that leave or are removed.
    pub removed: Vec<IdentityPublic>,
}

/// What the app must send after a group change: `distribution` as a
/// [`crate::ContentType::SenderKeyDistribution`] payload
/// (`PeerSessions::encrypt_typed`) to each of `recipients`, and to no one else.
pub struct MembershipPlan {
    distribution: Zeroizing<Vec<u8>>,
    recipients: Vec<IdentityPublic>,
}

impl MembershipPlan {
    /// The payload (holds a chain key: send it only inside 1:1 sessions).
    pub fn distribution(&self) -> &[u8] {
        &self.distribution
    }

    /// Who must receive it.
    pub fn recipients(&self) -> &[IdentityPublic] {
        &self.recipients
    }
}

impl fmt::Debug for MembershipPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MembershipPlan").field("recipients", &self.recipients.len()).finish_non_exhaustive()
    }
}
