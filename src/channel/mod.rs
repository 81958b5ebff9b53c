//! Channels and advertising (SPEC.md §18): publisher-signed posts, edits and
//! deletions that survive any server, cache or mirror in between; sponsored
//! posts whose legal marking («Реклама», advertiser, INN, erid) is inside
//! both the advertiser's signature and the platform's countersignature; and
//! platform-signed ad catalogues from which the device picks ads for the
//! user's own languages, so the server never learns them.
//!
//! | concept | file | SPEC.md |
//! |---|---|---|
//! | language tags, regions, media types | `language.rs` | §18.1 |
//! | publisher certificates and roles | `publisher.rs` | §18.2 |
//! | posts, revisions, tombstones | `post.rs` | §18.2, §18.3 |
//! | sponsored content and its marking | `sponsored.rs` | §18.4 |
//! | catalogues and local selection | `catalogue.rs` | §18.5 |
//! | the verification policy, single and batch | `verify.rs` | §18.6 |
//! | a client's feed: newest revision, no rollback | `feed.rs` | §18.7 |
//! | private channels (one-sender groups) | `private.rs` | §18.9 |
//! | limits | `limits.rs` | §18.8 |
//!
//! Certificates, anchors, status lists, the chain cache and the Ed25519
//! acceptance rule are the document layer's (SPEC.md §11): a publisher is a
//! certificate with [`crate::document::KeyUsage::CHANNEL_PUBLISHING`], an
//! advertiser one with [`crate::document::KeyUsage::ADVERTISER_SIGNING`], a
//! platform one with [`crate::document::KeyUsage::AD_REGISTRATION`].

mod catalogue;
mod error;
mod feed;
mod language;
pub mod limits;
mod post;
mod private;
mod publisher;
mod sponsored;
mod verify;

pub use catalogue::{Catalogue, VerifiedCatalogue, select_ads};
pub use error::{ChannelError, MarkingError};
pub use feed::{Feed, FeedUpdate};
pub use language::{LanguageTag, Region};
pub use limits::ChannelLimits;
pub use post::{Post, PostBody, PostDraft, PostKind, Tombstone};
pub use private::PrivateChannel;
pub use publisher::{Action, Publisher, PublisherRole, publisher_subject_id};
pub use sponsored::{
    Ad, AdDraft, AdSigner, AdSubmission, MARKING_LABEL, Marking, VerifiedAd, VerifiedMarking, is_valid_inn,
};
pub use verify::{ChannelPolicy, VerifiedPost, VerifiedTombstone};

use core::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 16]);

        impl $name {
            /// From its 16 bytes.
            pub const fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(bytes)
            }
            /// Its 16 bytes.
            pub const fn as_bytes(&self) -> &[u8; 16] {
                &self.0
            }
            /// A fresh random id.
            pub fn random<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
                let mut b = [0u8; 16];
                rng.fill_bytes(&mut b);
                Self(b)
            }
            pub(crate) fn from_field(field: &'static str, b: &[u8]) -> Result<Self, crate::wire::DecodeError> {
                crate::wire::fixed::<16>(field, b).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                for b in &self.0 {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }
    };
}

id_type!(
    /// A channel's identifier: 16 random bytes chosen at its creation.
    ChannelId
);
id_type!(
    /// A post's identifier within its channel: every revision shares it.
    PostId
);
id_type!(
    /// An ad's identifier, chosen by the advertiser.
    AdId
);

impl ChannelId {
    /// Parses 32 lowercase hex digits.
    pub(crate) fn from_hex(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 32 {
            return None;
        }
        let digit = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        let mut out = [0u8; 16];
        for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
            let [hi, lo] = pair else { return None };
            *o = (digit(*hi)? << 4) | digit(*lo)?;
        }
        Some(Self(out))
    }
}

/// SHA-256 of some bytes (the digest of out-of-band media, and a feed's
/// digest of what it accepted).
pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// `u64be(len(x)) || x`, as in SPEC.md §11.6.
pub(crate) fn lp(out: &mut Vec<u8>, x: &[u8]) {
    out.extend_from_slice(&(x.len() as u64).to_be_bytes());
    out.extend_from_slice(x);
}
