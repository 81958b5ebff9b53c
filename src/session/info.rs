//! What a message says in clear, read before decrypting (SPEC.md §5.5):
//! its type, ratchet key and counters and, for a prekey message, the
//! handshake it belongs to. Public header data only: an app uses it for its
//! own bookkeeping (which session, which counter) and a server could read
//! it too.

use crate::crypto::x25519::X25519PublicKey;
use crate::identity::IdentityPublic;
use crate::limits::SessionLimits;
use crate::session::SessionError;
use crate::session::message::{self, Incoming, ParsedRatchet};

/// Which of the two 1:1 message types a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageKind {
    /// A prekey message (format `0x0202`, or `0x0201` classical): the
    /// initiator's messages until the responder answers.
    PreKey,
    /// A ratchet message (format `0x0301`).
    Ratchet,
}

/// The public header of a 1:1 message ([`crate::PeerSessions::inspect`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageInfo {
    kind: MessageKind,
    ratchet_key: X25519PublicKey,
    counter: u32,
    previous_counter: u32,
    base_key: Option<X25519PublicKey>,
    claimed_sender: Option<IdentityPublic>,
    signed_prekey_id: Option<u32>,
    one_time_prekey_id: Option<u32>,
    kem_prekey_id: Option<u32>,
}

impl MessageInfo {
    pub(crate) fn read(bytes: &[u8]) -> Result<Self, SessionError> {
        let ratchet = |kind, m: &ParsedRatchet| Self {
            kind,
            ratchet_key: m.header.ratchet_key,
            counter: m.header.counter,
            previous_counter: m.header.previous_counter,
            base_key: None,
            claimed_sender: None,
            signed_prekey_id: None,
            one_time_prekey_id: None,
            kem_prekey_id: None,
        };
        Ok(match message::decode(bytes, SessionLimits::default().max_message_len())? {
            Incoming::Ratchet(m) => ratchet(MessageKind::Ratchet, &m),
            Incoming::PreKey(p) => Self {
                base_key: Some(p.base_key),
                claimed_sender: Some(IdentityPublic::from_wire(&p.initiator)?),
                signed_prekey_id: Some(p.signed_prekey_id),
                one_time_prekey_id: p.one_time_prekey_id,
                kem_prekey_id: p.kem.as_ref().map(|k| k.kem_prekey_id),
                ..ratchet(MessageKind::PreKey, &p.message)
            },
        })
    }

    /// The message type.
    pub fn kind(&self) -> MessageKind {
        self.kind
    }

    /// The sender's ratchet public key (names the chain).
    pub fn ratchet_key(&self) -> &X25519PublicKey {
        &self.ratchet_key
    }

    /// The message's number in its chain.
    pub fn counter(&self) -> u32 {
        self.counter
    }

    /// The length of the sender's previous sending chain.
    pub fn previous_counter(&self) -> u32 {
        self.previous_counter
    }

    /// For a prekey message, the session it belongs to: the initiator's base
    /// key, as [`crate::PeerSessions::current_session_id`] names sessions.
    /// `None` for a ratchet message, which does not name its session (see
    /// [`crate::PeerSessions::session_for`]).
    pub fn session_id(&self) -> Option<[u8; 32]> {
        self.base_key.map(|k| *k.as_bytes())
    }

    /// For a prekey message, the identity it claims to come from, validated
    /// (certificate checked) but not yet authenticated.
    pub fn claimed_sender(&self) -> Option<&IdentityPublic> {
        self.claimed_sender.as_ref()
    }

    /// For a prekey message, the signed prekey it was made with.
    pub fn signed_prekey_id(&self) -> Option<u32> {
        self.signed_prekey_id
    }

    /// For a prekey message, the one-time prekey it used, if any.
    pub fn one_time_prekey_id(&self) -> Option<u32> {
        self.one_time_prekey_id
    }

    /// For a post-quantum (version-2) prekey message, the KEM prekey it
    /// encapsulated to; `None` for a classical one and a ratchet message.
    pub fn kem_prekey_id(&self) -> Option<u32> {
        self.kem_prekey_id
    }
}
