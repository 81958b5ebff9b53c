//! Posts, revisions and tombstones (SPEC.md §18.2, §18.3).
//!
//! ```text
//! Post      = { format 0x8101, tbs = encode(PostTbs 0x8001), signature }
//! signature = Ed25519(publisher, "vestnik/v1/sig/channel/post", tbs)
//! Tombstone = { format 0x8301, tbs = encode(TombstoneTbs 0x8201), signature }
//! signature = Ed25519(owner, "vestnik/v1/sig/channel/tombstone", tbs)
//! ```
//!
//! Decoding checks form only; [`super::ChannelPolicy`] decides trust and a
//! [`super::Feed`] decides order.

use super::error::ChannelError;
use super::language::{LanguageTag, check_content_type};
use super::limits::{ChannelLimits, MAX_TOMBSTONE_LEN};
use super::sponsored::Ad;
use super::{ChannelId, PostId, sha256};
use crate::crypto::sig::{Signature, SigningKey};
use crate::document::Certificate;
use crate::labels;
use crate::wire::{self, DecodeError, channel as pb, format};
use prost::Message;

/// What a post is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PostKind {
    /// Editorial content.
    Regular,
    /// Advertising: carries a registered [`Ad`].
    Sponsored,
}

/// The body of a post.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PostBody {
    /// Editorial content: inline bytes, out-of-band media bound by its
    /// SHA-256, or both (a caption with a photo); not neither.
    Regular {
        /// Media type of the content (`text/plain; charset=utf-8`, `image/jpeg`...).
        content_type: String,
        /// Inline content (at most the content limit).
        content: Vec<u8>,
        /// SHA-256 of media fetched out of band, if any.
        media_digest: Option<[u8; 32]>,
    },
    /// A sponsored post: the ad, with its marking and both signatures.
    Sponsored(Box<Ad>),
}

impl PostBody {
    /// Regular content held inline.
    pub fn text(content_type: &str, content: &[u8]) -> Self {
        PostBody::Regular { content_type: content_type.to_owned(), content: content.to_vec(), media_digest: None }
    }
    /// A sponsored post carrying `ad`.
    pub fn sponsored(ad: Ad) -> Self {
        PostBody::Sponsored(Box::new(ad))
    }
    /// Regular content fetched out of band and bound by SHA-256 (the
    /// caption may be empty).
    pub fn media(content_type: &str, media: &[u8], caption: &[u8]) -> Self {
        PostBody::Regular {
            content_type: content_type.to_owned(),
            content: caption.to_vec(),
            media_digest: Some(sha256(media)),
        }
    }
}

/// What a publisher signs: one revision of one post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostDraft {
    /// The channel.
    pub channel: ChannelId,
    /// The post (shared by all its revisions).
    pub post_id: PostId,
    /// Revision, from 1; an edit signs a higher one.
    pub revision: u64,
    /// Unix seconds, the publisher's clock.
    pub created_at: u64,
    /// Language of the content (for a sponsored post, the ad's).
    pub language: LanguageTag,
    /// The content.
    pub body: PostBody,
}

/// A decoded post (form checked; trust is decided by [`super::ChannelPolicy`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    bytes: Vec<u8>,
    pub(crate) tbs: Vec<u8>,
    pub(crate) signature: Signature,
    digest: [u8; 32],
    draft: PostDraft,
    pub(crate) certificate_hash: [u8; 64],
}

impl Post {
    /// Signs `draft` with a publisher's key and certificate.
    ///
    /// ```
    /// # use vestnik::channel::*;
    /// # use vestnik::crypto::sig::SigningKey;
    /// # use vestnik::document::*;
    /// # let mut rng = rand::rng();
    /// # let (ca, key) = (SigningKey::generate(&mut rng), SigningKey::generate(&mut rng));
    /// let channel = ChannelId::from_bytes([1; 16]);
    /// let cert = Certificate::issue(&ca, &CertificateRequest::new(key.verifying_key(),
    ///     publisher_subject_id(&channel, PublisherRole::Editor), "Редакция «Татарстан»",
    ///     Role::Organisation, KeyUsage::CHANNEL_PUBLISHING, 0, 2_000_000_000))?;
    /// let post = Post::sign(&key, &cert, &PostDraft {
    ///     channel, post_id: PostId::from_bytes([2; 16]), revision: 1, created_at: 1_000,
    ///     language: LanguageTag::parse("tt")?, body: PostBody::text("text/plain", "Сәлам!".as_bytes()) })?;
    /// assert_eq!(Post::from_bytes(post.to_bytes())?, post);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign(key: &SigningKey, cert: &Certificate, draft: &PostDraft) -> Result<Self, ChannelError> {
        let (kind, content_type, content, media_digest) = match &draft.body {
            PostBody::Regular { content_type, content, media_digest } => {
                (1, content_type.clone(), content.clone(), media_digest.map(|d| d.to_vec()).unwrap_or_default())
            }
            PostBody::Sponsored(ad) => (2, String::new(), ad.to_bytes().to_vec(), Vec::new()),
        };
        let tbs = pb::PostTbs {
            format: format::CHANNEL_POST_TBS,
            channel_id: draft.channel.as_bytes().to_vec(),
            post_id: draft.post_id.as_bytes().to_vec(),
            revision: draft.revision,
            created_at: draft.created_at,
            language: draft.language.as_str().to_owned(),
            kind,
            content_type,
            content,
            media_digest,
            publisher_certificate_hash: cert.hash().to_vec(),
        }
        .encode_to_vec();
        let signature = key.sign(labels::SIG_CHANNEL_POST, &tbs);
        let bytes = signed(format::CHANNEL_POST, tbs, &signature);
        Self::from_bytes(&bytes)
    }

    /// Decodes a post under the default limits.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ChannelError> {
        Self::from_bytes_with(bytes, &ChannelLimits::default())
    }

    /// Decodes a post under `limits` (size first, then form; SPEC.md §18.2).
    pub fn from_bytes_with(bytes: &[u8], limits: &ChannelLimits) -> Result<Self, ChannelError> {
        let max = limits.max_post_len();
        let outer: pb::Signed = wire::decode_typed(bytes, max, format::CHANNEL_POST, &[])?;
        let signature = Signature::from_field("post.signature", &outer.signature)?;
        let t: pb::PostTbs = wire::decode_typed(&outer.tbs, max, format::CHANNEL_POST_TBS, &[])?;
        let channel = ChannelId::from_field("post.channel_id", &t.channel_id)?;
        let post_id = PostId::from_field("post.post_id", &t.post_id)?;
        if t.revision == 0 {
            return Err(DecodeError::Invalid("post.revision").into());
        }
        let language = LanguageTag::parse(&t.language)?;
        let certificate_hash = wire::fixed::<64>("post.publisher_certificate_hash", &t.publisher_certificate_hash)?;
        let body = match t.kind {
            1 => {
                check_content_type(&t.content_type)?;
                if t.content.len() > limits.max_content_len {
                    return Err(ChannelError::ContentTooLong { len: t.content.len(), max: limits.max_content_len });
                }
                let media_digest = match t.media_digest.len() {
                    0 => None,
                    _ => Some(wire::fixed::<32>("post.media_digest", &t.media_digest)?),
                };
                if t.content.is_empty() && media_digest.is_none() {
                    return Err(DecodeError::Missing("post.content").into());
                }
                PostBody::Regular { content_type: t.content_type, content: t.content, media_digest }
            }
            2 => {
                if !t.content_type.is_empty() || !t.media_digest.is_empty() {
                    return Err(DecodeError::Invalid("post.sponsored fields").into());
                }
                let ad = Ad::from_bytes_with(&t.content, limits)?;
                if ad.language() != &language {
                    return Err(DecodeError::Invalid("post.language differs from the ad's").into());
                }
                PostBody::Sponsored(Box::new(ad))
            }
            _ => return Err(DecodeError::Invalid("post.kind").into()),
        };
        let draft = PostDraft { channel, post_id, revision: t.revision, created_at: t.created_at, language, body };
        Ok(Self { bytes: bytes.to_vec(), tbs: outer.tbs, signature, digest: sha256(bytes), draft, certificate_hash })
    }

    /// The exact bytes.
    pub fn to_bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// The signed contents.
    pub fn draft(&self) -> &PostDraft {
        &self.draft
    }
    /// The channel.
    pub fn channel(&self) -> &ChannelId {
        &self.draft.channel
    }
    /// The post id.
    pub fn post_id(&self) -> &PostId {
        &self.draft.post_id
    }
    /// The revision.
    pub fn revision(&self) -> u64 {
        self.draft.revision
    }
    /// The publisher's time.
    pub fn created_at(&self) -> u64 {
        self.draft.created_at
    }
    /// The language.
    pub fn language(&self) -> &LanguageTag {
        &self.draft.language
    }
    /// The body.
    pub fn body(&self) -> &PostBody {
        &self.draft.body
    }
    /// Regular or sponsored.
    pub fn kind(&self) -> PostKind {
        match self.draft.body {
            PostBody::Regular { .. } => PostKind::Regular,
            PostBody::Sponsored(_) => PostKind::Sponsored,
        }
    }
    /// SHA-512 of the publisher certificate the post names.
    pub fn certificate_hash(&self) -> &[u8; 64] {
        &self.certificate_hash
    }
    /// SHA-256 of the exact bytes.
    pub(crate) fn digest(&self) -> &[u8; 32] {
        &self.digest
    }
}

/// A decoded tombstone: the deletion of a post (form checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tombstone {
    bytes: Vec<u8>,
    pub(crate) tbs: Vec<u8>,
    pub(crate) signature: Signature,
    digest: [u8; 32],
    channel: ChannelId,
    post_id: PostId,
    revision: u64,
    deleted_at: u64,
    pub(crate) certificate_hash: [u8; 64],
}

impl Tombstone {
    /// Signs the deletion of `post_id` as seen at `revision`, with an owner's key.
    pub fn sign(
        key: &SigningKey,
        cert: &Certificate,
        channel: ChannelId,
        post_id: PostId,
        revision: u64,
        deleted_at: u64,
    ) -> Result<Self, ChannelError> {
        let tbs = pb::TombstoneTbs {
            format: format::CHANNEL_TOMBSTONE_TBS,
            channel_id: channel.as_bytes().to_vec(),
            post_id: post_id.as_bytes().to_vec(),
            revision,
            deleted_at,
            publisher_certificate_hash: cert.hash().to_vec(),
        }
        .encode_to_vec();
        let signature = key.sign(labels::SIG_CHANNEL_TOMBSTONE, &tbs);
        Self::from_bytes(&signed(format::CHANNEL_TOMBSTONE, tbs, &signature))
    }

    /// Decodes a tombstone (at most [`MAX_TOMBSTONE_LEN`] bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ChannelError> {
        let outer: pb::Signed = wire::decode_typed(bytes, MAX_TOMBSTONE_LEN, format::CHANNEL_TOMBSTONE, &[])?;
        let signature = Signature::from_field("tombstone.signature", &outer.signature)?;
        let t: pb::TombstoneTbs =
            wire::decode_typed(&outer.tbs, MAX_TOMBSTONE_LEN, format::CHANNEL_TOMBSTONE_TBS, &[])?;
        let channel = ChannelId::from_field("tombstone.channel_id", &t.channel_id)?;
        let post_id = PostId::from_field("tombstone.post_id", &t.post_id)?;
        if t.revision == 0 {
            return Err(DecodeError::Invalid("tombstone.revision").into());
        }
        let certificate_hash =
            wire::fixed::<64>("tombstone.publisher_certificate_hash", &t.publisher_certificate_hash)?;
        Ok(Self {
            bytes: bytes.to_vec(),
            tbs: outer.tbs,
            signature,
            digest: sha256(bytes),
            channel,
            post_id,
            revision: t.revision,
            deleted_at: t.deleted_at,
            certificate_hash,
        })
    }

    /// The exact bytes.
    pub fn to_bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// The channel.
    pub fn channel(&self) -> &ChannelId {
        &self.channel
    }
    /// The deleted post.
    pub fn post_id(&self) -> &PostId {
        &self.post_id
    }
    /// The newest revision the deleter saw.
    pub fn revision(&self) -> u64 {
        self.revision
    }
    /// When it was deleted (the owner's clock).
    pub fn deleted_at(&self) -> u64 {
        self.deleted_at
    }
    /// SHA-512 of the owner certificate the tombstone names.
    pub fn certificate_hash(&self) -> &[u8; 64] {
        &self.certificate_hash
    }
    pub(crate) fn digest(&self) -> &[u8; 32] {
        &self.digest
    }
}

/// The outer `Signed` encoding.
pub(crate) fn signed(format: u32, tbs: Vec<u8>, signature: &Signature) -> Vec<u8> {
    pb::Signed { format, tbs, signature: signature.to_bytes().to_vec() }.encode_to_vec()
}
