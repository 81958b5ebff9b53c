//! What a successful decrypt hands back: the authenticated sender, the content
//! type and the body. Only the session layer can make one, so a capability
//! that must only accept data from an authenticated 1:1 session (sender-key
//! distributions, call keys, credential presentations) takes a `&Received`.

use crate::identity::IdentityPublic;
use core::fmt;
use zeroize::Zeroizing;

/// The type of a session payload, carried inside the encryption (the first
/// byte of the padded plaintext, SPEC.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ContentType {
    /// Application data (chat text, attachment keys, ...).
    Application,
    /// A group sender-key distribution.
    SenderKeyDistribution,
    /// A call media key.
    CallKey,
    /// A credential presentation request or presentation.
    Credential,
}

impl ContentType {
    /// The byte on the wire.
    pub fn to_byte(self) -> u8 {
        match self {
            Self::Application => 0,
            Self::SenderKeyDistribution => 1,
            Self::CallKey => 2,
            Self::Credential => 3,
        }
    }

    /// Parses the byte; unknown types are refused.
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            0 => Some(Self::Application),
            1 => Some(Self::SenderKeyDistribution),
            2 => Some(Self::CallKey),
            3 => Some(Self::Credential),
            _ => None,
        }
    }
}

/// The key agreement a session started with (SPEC.md §5.4, §5.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Handshake {
    /// X25519 only (a version-1 bundle or prekey message): a future quantum
    /// computer that recorded the handshake can read the session.
    Classical,
    /// PQXDH: X25519 and an ML-KEM-768 shared secret.
    PostQuantum,
}

/// A decrypted, authenticated message from a 1:1 session.
///
/// A decrypt always changes the [`crate::PeerSessions`] it ran on; it
/// changes the [`crate::PreKeyStore`] too when the message started a new
/// session ([`Received::prekeys_changed`]). The order of saving that is
/// always safe (SPEC.md §5.8): the prekey store first, then the sessions,
/// then show the plaintext. A crash between the two writes then loses at
/// most that new session (the peer's next messages are `Duplicate` and the
/// app starts afresh from a bundle); the other order could keep a consumed
/// one-time prekey and forget the handshake, which lets a replay of the
/// first message start the session again once it is dropped.
pub struct Received {
    sender: IdentityPublic,
    content_type: ContentType,
    body: Zeroizing<Vec<u8>>,
    prekeys_changed: bool,
    handshake: Handshake,
}

impl Received {
    pub(crate) fn new(sender: IdentityPublic, content_type: ContentType, body: Zeroizing<Vec<u8>>) -> Self {
        Self { sender, content_type, body, prekeys_changed: false, handshake: Handshake::Classical }
    }

    /// Records the handshake of the session that decrypted it.
    pub(crate) fn with_handshake(mut self, handshake: Handshake) -> Self {
        self.handshake = handshake;
        self
    }

    /// The handshake the session that decrypted this message started with:
    /// [`Handshake::PostQuantum`] for PQXDH, [`Handshake::Classical`] for a
    /// session accepted under
    /// [`crate::limits::HandshakePolicy::AcceptClassical`] or established
    /// before the post-quantum handshake.
    pub fn handshake(&self) -> Handshake {
        self.handshake
    }

    /// Marks that the decrypt also changed the prekey store.
    pub(crate) fn with_prekeys_changed(mut self) -> Self {
        self.prekeys_changed = true;
        self
    }

    /// True when this decrypt changed the [`crate::PreKeyStore`] (a new
    /// session: its handshake remembered, its one-time prekey consumed):
    /// save the store, then the sessions.
    pub fn prekeys_changed(&self) -> bool {
        self.prekeys_changed
    }

    /// A `Received` for tests of the capabilities that consume one.
    #[cfg(test)]
    #[allow(dead_code)]
    pub(crate) fn for_tests(sender: IdentityPublic, content_type: ContentType, body: &[u8]) -> Self {
        Self::new(sender, content_type, Zeroizing::new(body.to_vec()))
    }

    /// The authenticated identity of the peer device that sent it.
    pub fn sender(&self) -> &IdentityPublic {
        &self.sender
    }

    /// The content type.
    pub fn content_type(&self) -> ContentType {
        self.content_type
    }

    /// The body (for [`ContentType::Application`], the app's plaintext).
    pub fn plaintext(&self) -> &[u8] {
        &self.body
    }
}

impl fmt::Debug for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Received")
            .field("sender", &self.sender)
            .field("content_type", &self.content_type)
            .field("len", &self.body.len())
            .field("prekeys_changed", &self.prekeys_changed)
            .field("handshake", &self.handshake)
            .finish()
    }
}
