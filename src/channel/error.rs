//! The channel layer's errors: what a publisher, advertiser, platform or
//! server did wrong (forgery, rollback, stripped marking), and what is only
//! a limit.

use super::publisher::{Action, PublisherRole};
use crate::document::ChainError;
use crate::wire::DecodeError;

/// Why a legal marking of an ad was refused (SPEC.md §18.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MarkingError {
    /// The label is missing or is not exactly «Реклама».
    #[error("marking: the label is missing or not «Реклама»")]
    Label,
    /// The advertiser's name is missing, too long, or has control characters.
    #[error("marking: the advertiser's name is missing or malformed")]
    Advertiser,
    /// The INN is missing, not 10 or 12 digits, or its check digits are wrong.
    #[error("marking: the advertiser's INN is missing or invalid")]
    Inn,
    /// The erid token is missing, too long, or not printable ASCII.
    #[error("marking: the erid token is missing or malformed")]
    Erid,
}

/// Why a post, tombstone, ad, catalogue or feed operation was refused.
/// Every refusal leaves a [`super::Feed`] unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// The bytes are not a canonical encoding of the object.
    #[error("encoding: {0}")]
    Decode(#[from] DecodeError),
    /// A language tag is outside the accepted BCP 47 subset (SPEC.md §18.1).
    #[error("language tag {0:?} is not accepted")]
    Language(String),
    /// A region code is not ISO 3166-1 alpha-2 or ISO 3166-2.
    #[error("region code {0:?} is not accepted")]
    Region(String),
    /// A media type is not 1..=127 printable ASCII bytes with a `/`.
    #[error("malformed media type")]
    ContentType,
    /// Inline content is longer than the limit.
    #[error("content of {len} bytes exceeds the limit of {max}")]
    ContentTooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The legal marking of an ad is incomplete or malformed.
    #[error("{0}")]
    Marking(#[from] MarkingError),
    /// No certificate of the policy's pool has the hash the object names.
    #[error("the signer's certificate is unknown")]
    UnknownCertificate,
    /// The publisher's certificate does not name a channel and role.
    #[error("the certificate is not a channel publisher's")]
    NotAPublisher,
    /// The object, or its certificate, belongs to another channel.
    #[error("wrong channel: expected {expected}, found {found}")]
    WrongChannel {
        /// The channel expected (the feed's, or the certificate's).
        expected: super::ChannelId,
        /// The channel found.
        found: super::ChannelId,
    },
    /// The publisher's certified role does not allow the action.
    #[error("a channel {role} may not {action}")]
    RoleNotAllowed {
        /// The certified role.
        role: PublisherRole,
        /// What was attempted.
        action: Action,
    },
    /// The certification path failed (untrusted, expired, revoked, wrong usage...).
    #[error("certificate path: {0}")]
    Chain(#[from] ChainError),
    /// A signature failed: forged, altered, or re-attributed to another key.
    #[error("signature of the {0} does not verify")]
    BadSignature(&'static str),
    /// Dated further in the future than the clock skew allows.
    #[error("dated {at}, after now ({now}) plus the allowed skew")]
    FutureTime {
        /// The object's time.
        at: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// An ad outside its campaign window, or a catalogue outside its validity.
    #[error("not valid now ({now}): valid from {not_before} until {not_after}")]
    NotCurrent {
        /// Start (inclusive).
        not_before: u64,
        /// End (exclusive).
        not_after: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// A catalogue's validity window is longer than the limit.
    #[error("catalogue validity of {secs} s exceeds the limit")]
    ValidityTooLong {
        /// The window's length.
        secs: u64,
    },
    /// An older revision (or catalogue sequence) than the one held.
    #[error("rollback: have revision {have}, got {got}")]
    Rollback {
        /// Held.
        have: u64,
        /// Presented.
        got: u64,
    },
    /// The post was deleted; nothing revives it.
    #[error("the post was deleted (tombstone at revision {revision})")]
    Deleted {
        /// The tombstone's revision.
        revision: u64,
    },
    /// The same revision signed twice with different contents.
    #[error("two different posts claim revision {revision}")]
    Equivocation {
        /// The revision.
        revision: u64,
    },
    /// Exactly what the feed already holds.
    #[error("duplicate")]
    Duplicate,
    /// The feed tracks as many posts as its limit allows.
    #[error("the feed holds {max} posts, its limit")]
    FeedFull {
        /// The limit.
        max: usize,
    },
    /// A catalogue lists two ads with one id, or an ad registered by another platform.
    #[error("catalogue entry {index} refused")]
    CatalogueEntry {
        /// Position in the catalogue.
        index: usize,
    },
    /// A private channel message from a device other than the publisher's.
    #[error("only the publisher's device may post in a private channel")]
    NotThePublisher,
}
