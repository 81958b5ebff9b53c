//! Every limit of the channel layer, named, with its default and the reason
//! for it (SPEC.md §18.8). Apps change them through [`ChannelLimits`]; the
//! decoders use the same numbers as caps before anything is allocated.

/// Inline content of one post: 16 KiB holds a long news article in Cyrillic
/// (about 8,000 letters at two bytes each); photos and video travel out of
/// band, bound by their SHA-256.
pub const MAX_CONTENT_LEN: usize = 16 * 1024;
/// Inline creative of one ad: ads are short; 4 KiB of text or a small
/// inline image, anything larger by digest.
pub const MAX_AD_CONTENT_LEN: usize = 4 * 1024;
/// Bytes around the content of a post (ids, times, tag, media type, hash,
/// signature and framing take under 400).
pub const POST_OVERHEAD: usize = 1024;
/// Bytes around the creative of an ad (marking texts up to 256 + 64 bytes,
/// two hashes, two signatures and framing take under 900).
pub const AD_OVERHEAD: usize = 1024;
/// Largest encoded tombstone (the encoding is about 200 bytes).
pub const MAX_TOMBSTONE_LEN: usize = 512;
/// Ads in one catalogue: a region's current campaigns across five
/// languages; 256 keeps a catalogue near 1.3 MiB at its worst.
pub const MAX_CATALOGUE_ADS: usize = 256;
/// The longest validity window of a catalogue: a day, so a stale catalogue
/// (one that still lists a withdrawn ad) cannot be replayed for long.
pub const MAX_CATALOGUE_VALIDITY_SECS: u64 = 24 * 3600;
/// Posts (and tombstones) one [`crate::channel::Feed`] tracks: a channel
/// posting 10 times a day for almost three years.
pub const MAX_FEED_POSTS: usize = 10_000;
/// Length of a stored feed entry at most (ids, revision, flag, digest).
pub const FEED_ENTRY_MAX_LEN: usize = 80;
/// The smallest valid stored feed entry: `post_id` (18 bytes with its key
/// and length).
pub const MIN_FEED_ENTRY_LEN: usize = 18;
/// Certificates in a publisher's, advertiser's or platform's path.
pub const MAX_CHAIN_LEN: usize = 5;
/// How far in the future a post, tombstone or ad registration may be dated
/// (clocks of phones differ by minutes).
pub const MAX_CLOCK_SKEW_SECS: u64 = 300;
/// Bytes of a language tag: RFC 5646 recommends supporting at least 35.
pub const MAX_LANGUAGE_TAG_LEN: usize = 35;
/// Bytes of a media type.
pub const MAX_CONTENT_TYPE_LEN: usize = 127;
/// Bytes of an advertiser's name (as the certificate texts, §11.9).
pub const MAX_ADVERTISER_NAME_LEN: usize = 256;
/// Bytes of an erid token: the tokens issued today are about 20 characters.
pub const MAX_ERID_LEN: usize = 64;

/// The configurable limits of the channel layer. `Default` gives the
/// constants above; each setter clamps to its constant, which is also the
/// decoders' hard cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChannelLimits {
    /// See [`MAX_CONTENT_LEN`].
    pub max_content_len: usize,
    /// See [`MAX_AD_CONTENT_LEN`].
    pub max_ad_content_len: usize,
    /// See [`MAX_CATALOGUE_ADS`].
    pub max_catalogue_ads: usize,
    /// See [`MAX_FEED_POSTS`].
    pub max_feed_posts: usize,
    /// See [`MAX_CHAIN_LEN`].
    pub max_chain_len: usize,
    /// See [`MAX_CLOCK_SKEW_SECS`].
    pub max_clock_skew: u64,
}

impl Default for ChannelLimits {
    fn default() -> Self {
        Self {
            max_content_len: MAX_CONTENT_LEN,
            max_ad_content_len: MAX_AD_CONTENT_LEN,
            max_catalogue_ads: MAX_CATALOGUE_ADS,
            max_feed_posts: MAX_FEED_POSTS,
            max_chain_len: MAX_CHAIN_LEN,
            max_clock_skew: MAX_CLOCK_SKEW_SECS,
        }
    }
}

impl ChannelLimits {
    /// Another cap on inline post content (at most [`MAX_CONTENT_LEN`]).
    pub fn with_max_content_len(mut self, n: usize) -> Self {
        self.max_content_len = n.min(MAX_CONTENT_LEN);
        self
    }
    /// Another cap on inline ad content (at most [`MAX_AD_CONTENT_LEN`]).
    pub fn with_max_ad_content_len(mut self, n: usize) -> Self {
        self.max_ad_content_len = n.min(MAX_AD_CONTENT_LEN);
        self
    }
    /// Another cap on the ads of a catalogue (at most [`MAX_CATALOGUE_ADS`]).
    pub fn with_max_catalogue_ads(mut self, n: usize) -> Self {
        self.max_catalogue_ads = n.min(MAX_CATALOGUE_ADS);
        self
    }
    /// Another cap on the posts of a feed (at most [`MAX_FEED_POSTS`]).
    pub fn with_max_feed_posts(mut self, n: usize) -> Self {
        self.max_feed_posts = n.min(MAX_FEED_POSTS);
        self
    }
    /// Another clock skew allowance (at most [`MAX_CLOCK_SKEW_SECS`]).
    pub fn with_max_clock_skew(mut self, secs: u64) -> Self {
        self.max_clock_skew = secs.min(MAX_CLOCK_SKEW_SECS);
        self
    }
    /// Largest encoded ad under these limits.
    pub fn max_ad_len(&self) -> usize {
        self.max_ad_content_len + AD_OVERHEAD
    }
    /// Largest encoded post under these limits (a sponsored post carries an ad).
    pub fn max_post_len(&self) -> usize {
        self.max_content_len.max(self.max_ad_len()) + POST_OVERHEAD
    }
    /// Largest encoded catalogue under these limits.
    pub fn max_catalogue_len(&self) -> usize {
        self.max_catalogue_ads * (self.max_ad_len() + 4) + POST_OVERHEAD
    }
    /// Largest stored feed under these limits.
    pub fn max_feed_state_len(&self) -> usize {
        self.max_feed_posts * FEED_ENTRY_MAX_LEN + 64
    }
}

/// The smallest valid encoded ad: two 64-byte signatures and a 64-byte
/// hash with their keys and lengths (198 bytes) before anything else; a
/// catalogue entry shorter than this is refused before decoding.
pub const MIN_AD_LEN: usize = 200;
