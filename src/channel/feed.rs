//! A client's feed of one channel (SPEC.md §18.7): the newest valid
//! revision of each post, tombstones final, rollback refused.
//!
//! ```text
//! accept post p (verified):     p.channel = feed channel           else WrongChannel
//!   held tombstone              -> Deleted { revision }
//!   held revision r > p.rev     -> Rollback { have: r, got: p.rev }
//!   r = p.rev, same bytes       -> Duplicate;  other bytes -> Equivocation
//!   new post, feed full         -> FeedFull
//!   else hold p
//! accept tombstone t (verified): t.channel = feed channel          else WrongChannel
//!   held tombstone              -> Duplicate
//!   else mark deleted (whatever revision was held: nothing revives it)
//! ```
//!
//! A refusal leaves the feed unchanged. [`Feed::to_bytes`] keeps the marks
//! (post id, revision, deleted, digest) so rollback stays refused across
//! restarts; the app stores post contents itself.

use super::error::ChannelError;
use super::limits::{ChannelLimits, MIN_FEED_ENTRY_LEN};
use super::post::{Post, Tombstone};
use super::verify::{ChannelPolicy, VerifiedPost, VerifiedTombstone};
use super::{ChannelId, PostId};
use crate::document::ChainCache;
use crate::wire::{self, Cap, DecodeError, channel as pb, format};
use prost::Message;
use std::collections::BTreeMap;

/// What accepting changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FeedUpdate {
    /// A post the feed did not have.
    New,
    /// A newer revision replaced `previous`.
    Edited {
        /// The revision replaced.
        previous: u64,
    },
    /// The same revision as a stored mark, whose contents the feed had not
    /// held since it was loaded.
    Restored,
    /// The post is deleted.
    Deleted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    revision: u64,
    deleted: bool,
    digest: [u8; 32],
    current: Option<VerifiedPost>,
}

/// The posts of one channel as a client shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    channel: ChannelId,
    entries: BTreeMap<PostId, Entry>,
    limits: ChannelLimits,
}

impl Feed {
    /// An empty feed of `channel`.
    pub fn new(channel: ChannelId, limits: ChannelLimits) -> Self {
        Self { channel, entries: BTreeMap::new(), limits }
    }

    /// The channel.
    pub fn channel(&self) -> &ChannelId {
        &self.channel
    }

    /// Accepts a verified post under the rules of the module docs.
    pub fn accept_post(&mut self, post: VerifiedPost) -> Result<FeedUpdate, ChannelError> {
        let p = &post.post;
        if p.channel() != &self.channel {
            return Err(ChannelError::WrongChannel { expected: self.channel, found: *p.channel() });
        }
        let digest = *p.digest();
        let got = p.revision();
        match self.entries.get_mut(p.post_id()) {
            Some(e) if e.deleted => Err(ChannelError::Deleted { revision: e.revision }),
            Some(e) if e.revision > got => Err(ChannelError::Rollback { have: e.revision, got }),
            Some(e) if e.revision == got => {
                if e.digest != digest {
                    Err(ChannelError::Equivocation { revision: got })
                } else if e.current.is_none() {
                    e.current = Some(post);
                    Ok(FeedUpdate::Restored)
                } else {
                    Err(ChannelError::Duplicate)
                }
            }
            Some(e) => {
                let previous = e.revision;
                *e = Entry { revision: got, deleted: false, digest, current: Some(post) };
                Ok(FeedUpdate::Edited { previous })
            }
            None => {
                if self.entries.len() >= self.limits.max_feed_posts {
                    return Err(ChannelError::FeedFull { max: self.limits.max_feed_posts });
                }
                let id = *p.post_id();
                self.entries.insert(id, Entry { revision: got, deleted: false, digest, current: Some(post) });
                Ok(FeedUpdate::New)
            }
        }
    }

    /// Accepts a verified tombstone: the post is deleted for good.
    pub fn accept_tombstone(&mut self, tombstone: VerifiedTombstone) -> Result<FeedUpdate, ChannelError> {
        let t = &tombstone.tombstone;
        if t.channel() != &self.channel {
            return Err(ChannelError::WrongChannel { expected: self.channel, found: *t.channel() });
        }
        let entry = Entry { revision: t.revision(), deleted: true, digest: *t.digest(), current: None };
        match self.entries.get_mut(t.post_id()) {
            Some(e) if e.deleted => Err(ChannelError::Duplicate),
            Some(e) => {
                *e = Entry { revision: t.revision().max(e.revision), ..entry };
                Ok(FeedUpdate::Deleted)
            }
            None => {
                if self.entries.len() >= self.limits.max_feed_posts {
                    return Err(ChannelError::FeedFull { max: self.limits.max_feed_posts });
                }
                self.entries.insert(*t.post_id(), entry);
                Ok(FeedUpdate::Deleted)
            }
        }
    }

    /// Decodes, verifies and accepts a post or a tombstone (told apart by
    /// their format).
    pub fn receive(
        &mut self,
        bytes: &[u8],
        policy: &ChannelPolicy,
        now: u64,
        cache: &mut ChainCache,
    ) -> Result<FeedUpdate, ChannelError> {
        if wire::peek_format(bytes)? == format::CHANNEL_TOMBSTONE {
            let t = Tombstone::from_bytes(bytes)?;
            let v = policy.verify_tombstone(&t, now, cache)?;
            self.accept_tombstone(v)
        } else {
            let p = Post::from_bytes_with(bytes, policy.limits())?;
            let v = policy.verify_post(&p, now, cache)?;
            self.accept_post(v)
        }
    }

    /// Verifies a page of posts with batch verification and accepts each
    /// in order; one result per post.
    pub fn receive_page<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        posts: &[Post],
        policy: &ChannelPolicy,
        now: u64,
        cache: &mut ChainCache,
        rng: &mut R,
    ) -> Vec<Result<FeedUpdate, ChannelError>> {
        policy.verify_posts(posts, now, cache, rng).into_iter().map(|r| r.and_then(|v| self.accept_post(v))).collect()
    }

    /// The newest revision held of a post, if it is not deleted.
    pub fn post(&self, id: &PostId) -> Option<&VerifiedPost> {
        self.entries.get(id).and_then(|e| e.current.as_ref())
    }

    /// True when the post was deleted.
    pub fn is_deleted(&self, id: &PostId) -> bool {
        self.entries.get(id).is_some_and(|e| e.deleted)
    }

    /// The newest revision accepted (the tombstone's, or the one held).
    pub fn revision(&self, id: &PostId) -> Option<u64> {
        self.entries.get(id).map(|e| e.revision)
    }

    /// The posts held, newest first by the publisher's time.
    pub fn posts(&self) -> Vec<&VerifiedPost> {
        let mut v: Vec<&VerifiedPost> = self.entries.values().filter_map(|e| e.current.as_ref()).collect();
        v.sort_by_key(|p| core::cmp::Reverse(p.post.created_at()));
        v
    }

    /// Posts and tombstones tracked.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is tracked.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The feed's marks (format `0x8801`, SPEC.md §18.7).
    pub fn to_bytes(&self) -> Vec<u8> {
        pb::FeedState {
            format: format::STATE_CHANNEL_FEED,
            channel_id: self.channel.as_bytes().to_vec(),
            entries: self
                .entries
                .iter()
                .map(|(id, e)| pb::FeedEntry {
                    post_id: id.as_bytes().to_vec(),
                    revision: e.revision,
                    deleted: e.deleted,
                    digest: e.digest.to_vec(),
                })
                .collect(),
        }
        .encode_to_vec()
    }

    /// Loads a feed's marks; contents come back through [`Self::accept_post`]
    /// ([`FeedUpdate::Restored`]).
    pub fn from_bytes(bytes: &[u8], limits: ChannelLimits) -> Result<Self, ChannelError> {
        let caps = [Cap::new(3, "feed.entries", limits.max_feed_posts).min_len(MIN_FEED_ENTRY_LEN)];
        let s: pb::FeedState =
            wire::decode_typed(bytes, limits.max_feed_state_len(), format::STATE_CHANNEL_FEED, &caps)?;
        let channel = ChannelId::from_field("feed.channel_id", &s.channel_id)?;
        let mut entries = BTreeMap::new();
        let mut last: Option<PostId> = None;
        for e in &s.entries {
            let id = PostId::from_field("feed.post_id", &e.post_id)?;
            if last.is_some_and(|l| l >= id) {
                return Err(DecodeError::Invalid("feed.entries order").into());
            }
            if e.revision == 0 {
                return Err(DecodeError::Invalid("feed.revision").into());
            }
            let digest = wire::fixed::<32>("feed.digest", &e.digest)?;
            entries.insert(id, Entry { revision: e.revision, deleted: e.deleted, digest, current: None });
            last = Some(id);
        }
        Ok(Self { channel, entries, limits })
    }
}
