//! Ad catalogues and choosing ads on the device (SPEC.md §18.5).
//!
//! ```text
//! Catalogue = { format 0x8701, tbs = encode(CatalogueTbs 0x8601), signature }
//! signature = Ed25519(platform, "vestnik/v1/sig/channel/catalogue", tbs)
//! ```
//!
//! The platform publishes one catalogue per region with every current ad
//! in every language; the device verifies it and picks ads for the user's
//! own languages with [`select_ads`], a pure function. The server learns
//! which region's catalogue was fetched, and which ad's media was loaded,
//! never the user's languages from the selection itself.

use super::error::ChannelError;
use super::language::{LanguageTag, Region};
use super::limits::{ChannelLimits, MAX_CATALOGUE_VALIDITY_SECS, MIN_AD_LEN};
use super::post::signed;
use super::sponsored::{Ad, VerifiedAd};
use super::verify::ChannelPolicy;
use crate::crypto::sig::{Signature, SigningKey};
use crate::document::{Certificate, ChainCache, KeyUsage};
use crate::document::{Direct, SigOracle};
use crate::labels;
use crate::wire::{self, Cap, DecodeError, channel as pb, format};
use prost::Message;
use std::collections::HashSet;

/// A decoded catalogue (form checked; trust by [`ChannelPolicy::verify_catalogue`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    bytes: Vec<u8>,
    tbs: Vec<u8>,
    signature: Signature,
    platform_certificate_hash: [u8; 64],
    region: Region,
    sequence: u64,
    not_before: u64,
    not_after: u64,
    ads: Vec<Ad>,
}

impl Catalogue {
    /// Signs a catalogue of `ads` for `region`, valid from `not_before` to
    /// `not_after` (at most [`MAX_CATALOGUE_VALIDITY_SECS`]).
    pub fn issue(
        platform_key: &SigningKey,
        platform_cert: &Certificate,
        region: &Region,
        sequence: u64,
        not_before: u64,
        not_after: u64,
        ads: &[Ad],
    ) -> Result<Self, ChannelError> {
        let tbs = pb::CatalogueTbs {
            format: format::CHANNEL_CATALOGUE_TBS,
            platform_certificate_hash: platform_cert.hash().to_vec(),
            region: region.as_str().to_owned(),
            sequence,
            not_before,
            not_after,
            ads: ads.iter().map(|a| a.to_bytes().to_vec()).collect(),
        }
        .encode_to_vec();
        let signature = platform_key.sign(labels::SIG_CHANNEL_CATALOGUE, &tbs);
        Self::from_bytes(&signed(format::CHANNEL_CATALOGUE, tbs, &signature))
    }

    /// Decodes a catalogue under the default limits.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ChannelError> {
        Self::from_bytes_with(bytes, &ChannelLimits::default())
    }

    /// Decodes a catalogue under `limits`: size, then the count of ads
    /// (before anything is allocated), then form.
    pub fn from_bytes_with(bytes: &[u8], limits: &ChannelLimits) -> Result<Self, ChannelError> {
        let max = limits.max_catalogue_len();
        // The ads are counted inside the signed bytes before the outer
        // object is decoded (SPEC.md §4.1 step 3).
        let caps = [Cap::new(7, "catalogue.ads", limits.max_catalogue_ads).min_len(MIN_AD_LEN)];
        let outer_caps = [Cap::new(2, "catalogue.tbs", 1).within(&caps)];
        let outer: pb::Signed = wire::decode_typed(bytes, max, format::CHANNEL_CATALOGUE, &outer_caps)?;
        let signature = Signature::from_field("catalogue.signature", &outer.signature)?;
        let t: pb::CatalogueTbs = wire::decode_typed(&outer.tbs, max, format::CHANNEL_CATALOGUE_TBS, &caps)?;
        let platform_certificate_hash =
            wire::fixed::<64>("catalogue.platform_certificate_hash", &t.platform_certificate_hash)?;
        let region = Region::parse(&t.region)?;
        if t.sequence == 0 {
            return Err(DecodeError::Invalid("catalogue.sequence").into());
        }
        if t.not_after <= t.not_before {
            return Err(DecodeError::Invalid("catalogue.validity").into());
        }
        if t.not_after - t.not_before > MAX_CATALOGUE_VALIDITY_SECS {
            return Err(ChannelError::ValidityTooLong { secs: t.not_after - t.not_before });
        }
        let mut ads = Vec::with_capacity(t.ads.len());
        let mut ids = HashSet::new();
        for (index, a) in t.ads.iter().enumerate() {
            let ad = Ad::from_bytes_with(a, limits)?;
            if !ids.insert(*ad.ad_id()) || ad.platform_certificate_hash() != &platform_certificate_hash {
                return Err(ChannelError::CatalogueEntry { index });
            }
            ads.push(ad);
        }
        Ok(Self {
            bytes: bytes.to_vec(),
            tbs: outer.tbs,
            signature,
            platform_certificate_hash,
            region,
            sequence: t.sequence,
            not_before: t.not_before,
            not_after: t.not_after,
            ads,
        })
    }

    /// The exact bytes.
    pub fn to_bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// The region served.
    pub fn region(&self) -> &Region {
        &self.region
    }
    /// The sequence number (increasing per platform and region).
    pub fn sequence(&self) -> u64 {
        self.sequence
    }
    /// The ads, in the platform's order.
    pub fn ads(&self) -> &[Ad] {
        &self.ads
    }
}

/// A catalogue whose platform signature and certificate verified, with the
/// ads that verified now; ads refused (a revoked advertiser, an ended
/// campaign) are listed with their reason and never selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCatalogue {
    region: Region,
    sequence: u64,
    ads: Vec<VerifiedAd>,
    refused: Vec<(usize, ChannelError)>,
}

impl VerifiedCatalogue {
    /// The region served.
    pub fn region(&self) -> &Region {
        &self.region
    }
    /// Its sequence number: keep it and pass it as `min_sequence` next time.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }
    /// The ads that verified, in the platform's order.
    pub fn ads(&self) -> &[VerifiedAd] {
        &self.ads
    }
    /// The positions of the ads refused, with the reasons.
    pub fn refused(&self) -> &[(usize, ChannelError)] {
        &self.refused
    }
}

impl ChannelPolicy {
    /// Verifies a catalogue at `now`: the platform's certificate (with
    /// ad registration) and signature, its validity window, and that its
    /// sequence is at least `min_sequence` (the last one the device
    /// accepted for this platform and region; else `Rollback`). Each ad is
    /// then verified as by [`Self::verify_ad`].
    pub fn verify_catalogue(
        &self,
        catalogue: &Catalogue,
        now: u64,
        min_sequence: u64,
        cache: &mut ChainCache,
    ) -> Result<VerifiedCatalogue, ChannelError> {
        let platform = self.certificate(&catalogue.platform_certificate_hash)?;
        if now < catalogue.not_before || now >= catalogue.not_after {
            return Err(ChannelError::NotCurrent {
                not_before: catalogue.not_before,
                not_after: catalogue.not_after,
                now,
            });
        }
        if catalogue.sequence < min_sequence {
            return Err(ChannelError::Rollback { have: min_sequence, got: catalogue.sequence });
        }
        self.check_path(platform, KeyUsage::AD_REGISTRATION, catalogue.not_before, now, cache)?;
        if !Direct.check(platform.subject_key(), labels::SIG_CHANNEL_CATALOGUE, &catalogue.tbs, &catalogue.signature) {
            return Err(ChannelError::BadSignature("catalogue"));
        }
        let mut ads = Vec::new();
        let mut refused = Vec::new();
        for (i, ad) in catalogue.ads.iter().enumerate() {
            match self.verify_ad(ad, now, cache) {
                Ok(v) => ads.push(v),
                Err(e) => refused.push((i, e)),
            }
        }
        Ok(VerifiedCatalogue { region: catalogue.region.clone(), sequence: catalogue.sequence, ads, refused })
    }
}

/// Picks up to `max` ads for a user whose languages are `languages`, most
/// preferred first (a pure function, run on the device): every ad whose
/// language the first range matches (RFC 4647 basic filtering), in the
/// catalogue's order, then those the second matches, and so on.
///
/// ```
/// # use vestnik::channel::*;
/// # fn f(catalogue: &VerifiedCatalogue) -> Result<(), ChannelError> {
/// let mine = [LanguageTag::parse("ba")?, LanguageTag::parse("ru")?];
/// for ad in select_ads(catalogue, &mine, 3) {
///     let m = ad.marking();
///     println!("{} · {} · ИНН {} · erid {}", m.label, m.advertiser, m.inn, m.erid);
/// }
/// # Ok(()) }
/// ```
pub fn select_ads<'a>(catalogue: &'a VerifiedCatalogue, languages: &[LanguageTag], max: usize) -> Vec<&'a VerifiedAd> {
    let mut out: Vec<&VerifiedAd> = Vec::new();
    for range in languages {
        for ad in &catalogue.ads {
            if out.len() >= max {
                return out;
            }
            if range.matches(ad.ad().language()) && !out.iter().any(|o| core::ptr::eq(*o, ad)) {
                out.push(ad);
            }
        }
    }
    out
}
