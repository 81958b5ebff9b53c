//! 1:1 sessions: the X3DH-style handshake, the Double Ratchet and session
//! management (SPEC.md §5).
//!
//! Layers, top to bottom: [`PeerSessions`] (which session, promotion,
//! simultaneous initiation) → `state` (one session, identities, handshake
//! header) → `ratchet` (DH steps, skipped keys, transactional decrypt) →
//! `chain` / `keys` (the KDFs) ← `handshake` (X3DH, the post-quantum seam).

mod chain;
mod error;
mod handshake;
mod info;
pub(crate) mod keys;
mod message;
mod peer;
mod persist;
mod ratchet;
mod ratchet_error;
mod received;
mod state;

pub use error::SessionError;
pub use info::{MessageInfo, MessageKind};
pub use peer::PeerSessions;
pub use received::{ContentType, Handshake, Received};
