//! Private channels (SPEC.md §18.9): a channel with one writer and many
//! readers that must stay private (a class's parents, a teachers' room) is
//! a sender-key group ([`crate::group`]) whose only sender is the
//! publisher's device. Every member holds every chain key it is sent, so
//! the group layer alone would let any member post; the app refuses, with
//! [`PrivateChannel::check_sender`], every message whose authenticated
//! sender is not the publisher device.

use super::error::ChannelError;
use crate::identity::IdentityPublic;

/// The publisher device of a private channel, checked against the
/// authenticated sender of each decrypted group message.
#[derive(Debug, Clone)]
pub struct PrivateChannel {
    publisher: IdentityPublic,
}

impl PrivateChannel {
    /// A private channel published by `publisher`.
    pub fn new(publisher: IdentityPublic) -> Self {
        Self { publisher }
    }

    /// The publisher's device.
    pub fn publisher(&self) -> &IdentityPublic {
        &self.publisher
    }

    /// Accepts a message only from the publisher device: `sender` is the
    /// identity the group layer authenticated (the signature of the sender
    /// chain), never a name inside the plaintext.
    pub fn check_sender(&self, sender: &IdentityPublic) -> Result<(), ChannelError> {
        if sender.signing_key() == self.publisher.signing_key() { Ok(()) } else { Err(ChannelError::NotThePublisher) }
    }
}
