//! Who may publish in a channel (SPEC.md §18.2): a certificate with the
//! channel-publishing usage whose `subject_id` names the channel and the
//! role. The role is read from the certificate, never from a post.
//!
//! ```text
//! subject_id = "channel:" || hex(channel_id, 32 lowercase digits) || ":" || role
//! role       = "owner"    posts, edits, deletes, posts sponsored content
//!            | "editor"   posts and edits
//! ```

use super::ChannelId;
use super::error::ChannelError;
use crate::document::{Certificate, KeyUsage};
use core::fmt;

/// A publisher's role in its channel, as certified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PublisherRole {
    /// Posts, edits, deletes and posts sponsored content.
    Owner,
    /// Posts and edits; may neither delete nor post sponsored content.
    Editor,
}

impl PublisherRole {
    fn as_str(self) -> &'static str {
        match self {
            PublisherRole::Owner => "owner",
            PublisherRole::Editor => "editor",
        }
    }

    /// True when the role allows `action`.
    pub fn allows(self, action: Action) -> bool {
        match action {
            Action::Post => true,
            Action::Delete | Action::PostSponsored => self == PublisherRole::Owner,
        }
    }
}

impl fmt::Display for PublisherRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a publisher attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// Publish a post or a new revision of one.
    Post,
    /// Publish a sponsored post.
    PostSponsored,
    /// Delete a post (a tombstone).
    Delete,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Post => "post",
            Action::PostSponsored => "post sponsored content",
            Action::Delete => "delete posts",
        })
    }
}

/// The `subject_id` a publisher certificate carries for `channel` and `role`.
///
/// ```
/// use vestnik::channel::{ChannelId, PublisherRole, publisher_subject_id};
/// let id = publisher_subject_id(&ChannelId::from_bytes([0xab; 16]), PublisherRole::Editor);
/// assert_eq!(id, "channel:abababababababababababababababab:editor");
/// ```
pub fn publisher_subject_id(channel: &ChannelId, role: PublisherRole) -> String {
    format!("channel:{}:{}", channel, role.as_str())
}

/// The channel and role a certificate names, if it is a publisher's.
pub(crate) fn publisher_of(cert: &Certificate) -> Result<(ChannelId, PublisherRole), ChannelError> {
    if !cert.usage().contains(KeyUsage::CHANNEL_PUBLISHING) {
        return Err(ChannelError::NotAPublisher);
    }
    let rest = cert.subject_id().strip_prefix("channel:").ok_or(ChannelError::NotAPublisher)?;
    let (hex, role) = rest.split_once(':').ok_or(ChannelError::NotAPublisher)?;
    let role = match role {
        "owner" => PublisherRole::Owner,
        "editor" => PublisherRole::Editor,
        _ => return Err(ChannelError::NotAPublisher),
    };
    let channel = ChannelId::from_hex(hex).ok_or(ChannelError::NotAPublisher)?;
    Ok((channel, role))
}

/// A verified publisher: the certificate's channel, role and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publisher {
    pub(crate) channel: ChannelId,
    pub(crate) role: PublisherRole,
    pub(crate) name: String,
    pub(crate) certificate_hash: [u8; 64],
}

impl Publisher {
    /// The channel the certificate is for.
    pub fn channel(&self) -> &ChannelId {
        &self.channel
    }
    /// The certified role.
    pub fn role(&self) -> PublisherRole {
        self.role
    }
    /// The certificate's display name (the editor's or newsroom's name).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// SHA-512 of the publisher's certificate.
    pub fn certificate_hash(&self) -> &[u8; 64] {
        &self.certificate_hash
    }
}
