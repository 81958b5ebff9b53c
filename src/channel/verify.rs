//! The client's rules before rendering a post, a deletion or an ad
//! (SPEC.md §18.6), one by one or for a page with batch verification
//! (one acceptance rule, SPEC.md §11.1).
//!
//! ```text
//! post:  certificate by hash in the pool; it names the post's channel and a
//!        role allowing the action; created_at <= now + skew; its path to an
//!        anchor has CHANNEL_PUBLISHING, valid from created_at until now,
//!        unrevoked now; the signature verifies; a sponsored post's ad verifies
//! ad:    both certificates by hash; registered_at <= now + skew; the campaign
//!        window holds now; the signer's path has ADVERTISER_SIGNING and the
//!        platform's AD_REGISTRATION, valid from registered_at until now and
//!        unrevoked now; both signatures verify
//! ```

use super::error::ChannelError;
use super::limits::ChannelLimits;
use super::post::{Post, PostBody, Tombstone};
use super::publisher::{Action, Publisher, publisher_of};
use super::sponsored::{Ad, AdSigner, VerifiedAd, platform_input};

use crate::document::{Certificate, ChainCache, Direct, KeyUsage, SigOracle, StatusList, Times, TrustAnchor};
use crate::labels;
use std::collections::HashMap;

/// What a client trusts and knows: anchors, the certificates of the
/// channels' publishers, advertisers and platforms with their CA
/// certificates (fetched with a channel's profile), and its current status
/// lists.
#[derive(Debug, Clone)]
pub struct ChannelPolicy {
    pub(crate) anchors: Vec<TrustAnchor>,
    pub(crate) certificates: Vec<Certificate>,
    by_hash: HashMap<[u8; 64], usize>,
    pub(crate) status_lists: Vec<StatusList>,
    pub(crate) require_fresh_status: bool,
    pub(crate) limits: ChannelLimits,
}

/// A post whose publisher, role, chain and signature verified (and, for a
/// sponsored post, whose ad verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPost {
    pub(crate) post: Post,
    pub(crate) publisher: Publisher,
    pub(crate) ad: Option<VerifiedAd>,
}

impl VerifiedPost {
    /// The post.
    pub fn post(&self) -> &Post {
        &self.post
    }
    /// Who published it, as certified.
    pub fn publisher(&self) -> &Publisher {
        &self.publisher
    }
    /// For a sponsored post, the verified ad and its marking to display.
    pub fn ad(&self) -> Option<&VerifiedAd> {
        self.ad.as_ref()
    }
}

/// A tombstone whose owner, chain and signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTombstone {
    pub(crate) tombstone: Tombstone,
    pub(crate) publisher: Publisher,
}

impl VerifiedTombstone {
    /// The tombstone.
    pub fn tombstone(&self) -> &Tombstone {
        &self.tombstone
    }
    /// Who deleted, as certified.
    pub fn publisher(&self) -> &Publisher {
        &self.publisher
    }
}

impl ChannelPolicy {
    /// A policy trusting `anchors`, with no certificates or status lists yet;
    /// fresh status is required (as for documents, SPEC.md §11.7).
    pub fn new(anchors: Vec<TrustAnchor>) -> Self {
        Self {
            anchors,
            certificates: Vec::new(),
            by_hash: HashMap::new(),
            status_lists: Vec::new(),
            require_fresh_status: true,
            limits: ChannelLimits::default(),
        }
    }

    /// Adds certificates (publishers, advertisers, platforms and their CAs).
    pub fn with_certificates(mut self, certs: impl IntoIterator<Item = Certificate>) -> Self {
        for c in certs {
            if !self.by_hash.contains_key(c.hash()) {
                self.by_hash.insert(*c.hash(), self.certificates.len());
                self.certificates.push(c);
            }
        }
        self
    }

    /// Sets the verifier's current status lists (SPEC.md §11.4).
    pub fn with_status_lists(mut self, lists: Vec<StatusList>) -> Self {
        self.status_lists = lists;
        self
    }

    /// Requires (default) or waives fresh status for every certificate.
    pub fn with_fresh_status(mut self, required: bool) -> Self {
        self.require_fresh_status = required;
        self
    }

    /// Sets the limits.
    pub fn with_limits(mut self, limits: ChannelLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits.
    pub fn limits(&self) -> &ChannelLimits {
        &self.limits
    }

    pub(crate) fn certificate(&self, hash: &[u8; 64]) -> Result<&Certificate, ChannelError> {
        self.by_hash.get(hash).and_then(|i| self.certificates.get(*i)).ok_or(ChannelError::UnknownCertificate)
    }

    /// The path of `cert` with `needed`, valid from `at` until `now`, unrevoked now.
    pub(crate) fn check_path(
        &self,
        cert: &Certificate,
        needed: KeyUsage,
        at: u64,
        now: u64,
        cache: &mut ChainCache,
    ) -> Result<(), ChannelError> {
        let path = cache.path(cert, &self.certificates, &self.anchors, self.limits.max_chain_len)?;
        let times = Times { at: at.min(now), until: now, compromise: now };
        let sources = crate::document::StatusSources::verifier(&self.status_lists);
        path.check_at(needed, times, now, sources, self.require_fresh_status, Some(cache))?;
        Ok(())
    }

    fn not_future(&self, at: u64, now: u64) -> Result<(), ChannelError> {
        if at > now.saturating_add(self.limits.max_clock_skew) {
            return Err(ChannelError::FutureTime { at, now });
        }
        Ok(())
    }

    fn publisher(
        &self,
        hash: &[u8; 64],
        channel: &super::ChannelId,
        action: Action,
    ) -> Result<(&Certificate, Publisher), ChannelError> {
        let cert = self.certificate(hash)?;
        let (certified, role) = publisher_of(cert)?;
        if &certified != channel {
            return Err(ChannelError::WrongChannel { expected: certified, found: *channel });
        }
        if !role.allows(action) {
            return Err(ChannelError::RoleNotAllowed { role, action });
        }
        let publisher =
            Publisher { channel: certified, role, name: cert.display_name().to_owned(), certificate_hash: *hash };
        Ok((cert, publisher))
    }

    /// Verifies a post (SPEC.md §18.6). Pass the same [`ChainCache`] across
    /// calls so each chain is verified once.
    ///
    /// ```
    /// # use vestnik::channel::*;
    /// # use vestnik::crypto::sig::SigningKey;
    /// # use vestnik::document::*;
    /// # let mut rng = rand::rng();
    /// # let (root, key) = (SigningKey::generate(&mut rng), SigningKey::generate(&mut rng));
    /// let anchor = TrustAnchor::new(root.verifying_key(), "Platform CA", KeyUsage::ALL, 1);
    /// let channel = ChannelId::from_bytes([1; 16]);
    /// let cert = Certificate::issue(&root, &CertificateRequest::new(key.verifying_key(),
    ///     publisher_subject_id(&channel, PublisherRole::Owner), "Вести Башкортостана",
    ///     Role::Organisation, KeyUsage::CHANNEL_PUBLISHING, 0, 2_000_000_000))?;
    /// let status = StatusList::issue(&root, StatusType::Certificates, 1_000, 3_000, 16, &[], &DocumentLimits::default())?;
    /// let policy = ChannelPolicy::new(vec![anchor]).with_certificates([cert.clone()]).with_status_lists(vec![status]);
    /// let post = Post::sign(&key, &cert, &PostDraft { channel, post_id: PostId::from_bytes([2; 16]),
    ///     revision: 1, created_at: 1_500, language: LanguageTag::parse("ba")?,
    ///     body: PostBody::text("text/plain", "Хәйерле көн!".as_bytes()) })?;
    /// let verified = policy.verify_post(&post, 2_000, &mut ChainCache::new())?;
    /// assert_eq!(verified.publisher().role(), PublisherRole::Owner);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_post(&self, post: &Post, now: u64, cache: &mut ChainCache) -> Result<VerifiedPost, ChannelError> {
        self.verify_post_with(post, now, cache, &mut Direct)
    }

    pub(crate) fn verify_post_with<O: SigOracle + ?Sized>(
        &self,
        post: &Post,
        now: u64,
        cache: &mut ChainCache,
        oracle: &mut O,
    ) -> Result<VerifiedPost, ChannelError> {
        let action = match post.body() {
            PostBody::Sponsored(_) => Action::PostSponsored,
            _ => Action::Post,
        };
        let (cert, publisher) = self.publisher(post.certificate_hash(), post.channel(), action)?;
        self.not_future(post.created_at(), now)?;
        self.check_path(cert, KeyUsage::CHANNEL_PUBLISHING, post.created_at(), now, cache)?;
        if !oracle.check(cert.subject_key(), labels::SIG_CHANNEL_POST, &post.tbs, &post.signature) {
            return Err(ChannelError::BadSignature("post"));
        }
        let ad = match post.body() {
            PostBody::Sponsored(ad) => Some(self.verify_ad_with(ad, now, cache, oracle)?),
            _ => None,
        };
        Ok(VerifiedPost { post: post.clone(), publisher, ad })
    }

    /// Verifies a tombstone: only a channel owner deletes (SPEC.md §18.3).
    pub fn verify_tombstone(
        &self,
        tombstone: &Tombstone,
        now: u64,
        cache: &mut ChainCache,
    ) -> Result<VerifiedTombstone, ChannelError> {
        let (cert, publisher) = self.publisher(tombstone.certificate_hash(), tombstone.channel(), Action::Delete)?;
        self.not_future(tombstone.deleted_at(), now)?;
        self.check_path(cert, KeyUsage::CHANNEL_PUBLISHING, tombstone.deleted_at(), now, cache)?;
        if !Direct.check(cert.subject_key(), labels::SIG_CHANNEL_TOMBSTONE, &tombstone.tbs, &tombstone.signature) {
            return Err(ChannelError::BadSignature("tombstone"));
        }
        Ok(VerifiedTombstone { tombstone: tombstone.clone(), publisher })
    }

    /// Verifies an ad and returns the marking to display (SPEC.md §18.4,
    /// §18.6); refuses it, with the reason, if any part fails.
    pub fn verify_ad(&self, ad: &Ad, now: u64, cache: &mut ChainCache) -> Result<VerifiedAd, ChannelError> {
        self.verify_ad_with(ad, now, cache, &mut Direct)
    }

    pub(crate) fn verify_ad_with<O: SigOracle + ?Sized>(
        &self,
        ad: &Ad,
        now: u64,
        cache: &mut ChainCache,
        oracle: &mut O,
    ) -> Result<VerifiedAd, ChannelError> {
        let signer = self.certificate(&ad.advertiser_certificate_hash)?;
        let platform = self.certificate(&ad.platform_certificate_hash)?;
        self.not_future(ad.registered_at, now)?;
        let d = ad.draft();
        if now < d.not_before || now >= d.not_after {
            return Err(ChannelError::NotCurrent { not_before: d.not_before, not_after: d.not_after, now });
        }
        self.check_path(signer, KeyUsage::ADVERTISER_SIGNING, ad.registered_at, now, cache)?;
        self.check_path(platform, KeyUsage::AD_REGISTRATION, ad.registered_at, now, cache)?;
        if !oracle.check(
            signer.subject_key(),
            labels::SIG_CHANNEL_SPONSORED_ADVERTISER,
            &ad.tbs,
            &ad.advertiser_signature,
        ) {
            return Err(ChannelError::BadSignature("advertiser"));
        }
        let input = platform_input(&ad.tbs, &ad.advertiser_signature, &ad.platform_certificate_hash, ad.registered_at);
        if !oracle.check(platform.subject_key(), labels::SIG_CHANNEL_SPONSORED_PLATFORM, &input, &ad.platform_signature)
        {
            return Err(ChannelError::BadSignature("platform registration"));
        }
        let own = format!("inn:{}", d.marking.inn);
        let who = if signer.subject_id() == own {
            AdSigner::Advertiser { name: signer.display_name().to_owned() }
        } else {
            AdSigner::Agency { name: signer.display_name().to_owned(), subject_id: signer.subject_id().to_owned() }
        };
        Ok(VerifiedAd::new(ad.clone(), who, platform.display_name().to_owned()))
    }

    /// Verifies a page of posts with one batch of signature checks
    /// (SPEC.md §18.6, §11.8): the result equals [`Self::verify_post`] on
    /// each post, but for the ~2^-128 chance that a batch with a bad
    /// signature passes.
    pub fn verify_posts<R: rand_core::CryptoRng + ?Sized>(
        &self,
        posts: &[Post],
        now: u64,
        cache: &mut ChainCache,
        rng: &mut R,
    ) -> Vec<Result<VerifiedPost, ChannelError>> {
        crate::document::batch_then_redo(posts, |post, oracle| self.verify_post_with(post, now, cache, oracle), rng)
    }
}
