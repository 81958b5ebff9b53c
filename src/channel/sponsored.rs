//! Sponsored content and its legal marking (SPEC.md §18.4).
//!
//! ```text
//! AdTbs 0x8401 = { ad id, language, media type, content | media digest,
//!                  label "Реклама", advertiser name, INN, erid,
//!                  signer certificate hash, campaign window }
//! advertiser_signature = Ed25519(advertiser or agency,
//!                          "vestnik/v1/sig/channel/sponsored-advertiser", tbs)
//! platform_signature   = Ed25519(platform, "vestnik/v1/sig/channel/sponsored-platform",
//!                          lp(tbs) || lp(advertiser_signature)
//!                          || lp(platform_certificate_hash) || u64be(registered_at))
//! Ad 0x8501 = { tbs, advertiser_signature, platform_certificate_hash,
//!               registered_at, platform_signature }
//! ```
//!
//! The marking is inside `tbs`, so inside both signatures: changing,
//! removing or moving any part of it to another ad breaks both.

use super::error::{ChannelError, MarkingError};
use super::language::{LanguageTag, check_content_type};
use super::limits::{ChannelLimits, MAX_ADVERTISER_NAME_LEN, MAX_ERID_LEN};
use super::{AdId, lp};
use crate::crypto::sig::{Signature, SigningKey};
use crate::document::Certificate;
use crate::labels;
use crate::wire::{self, DecodeError, channel as pb, format};
use prost::Message;

/// The label Russian advertising law requires beside an ad.
pub const MARKING_LABEL: &str = "Реклама";

/// The marking an advertiser puts on an ad (the label is always [`MARKING_LABEL`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marking {
    /// The advertiser's name as registered.
    pub advertiser: String,
    /// The advertiser's INN (10 digits for an organisation, 12 for a person).
    pub inn: String,
    /// The registry token issued through an operator of advertising data.
    pub erid: String,
}

/// True when `inn` is 10 or 12 ASCII digits with valid check digits.
///
/// ```
/// assert!(vestnik::channel::is_valid_inn("7707083893"));
/// assert!(!vestnik::channel::is_valid_inn("7707083894"));
/// ```
pub fn is_valid_inn(inn: &str) -> bool {
    const W10: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
    const W11: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
    const W12: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
    if !inn.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let d: Vec<u32> = inn.bytes().map(|b| u32::from(b - b'0')).collect();
    let check = |w: &[u32], at: usize| {
        let sum: u32 = w.iter().zip(&d).map(|(w, d)| w * d).sum();
        d.get(at) == Some(&(sum % 11 % 10))
    };
    match d.len() {
        10 => check(&W10, 9),
        12 => check(&W11, 10) && check(&W12, 11),
        _ => false,
    }
}

/// Checks the marking fields in order: label, advertiser, INN, erid.
fn check_marking(label: &str, m: &Marking) -> Result<(), MarkingError> {
    if label != MARKING_LABEL {
        return Err(MarkingError::Label);
    }
    let name = &m.advertiser;
    if name.is_empty() || name.len() > MAX_ADVERTISER_NAME_LEN || name.chars().any(char::is_control) {
        return Err(MarkingError::Advertiser);
    }
    if !is_valid_inn(&m.inn) {
        return Err(MarkingError::Inn);
    }
    if m.erid.is_empty() || m.erid.len() > MAX_ERID_LEN || !m.erid.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(MarkingError::Erid);
    }
    Ok(())
}

/// What an advertiser (or its agency) signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdDraft {
    /// The ad's id.
    pub ad_id: AdId,
    /// The creative's language.
    pub language: LanguageTag,
    /// Media type of the creative.
    pub content_type: String,
    /// Inline creative (may be empty with a media digest).
    pub content: Vec<u8>,
    /// SHA-256 of the creative's media, fetched out of band.
    pub media_digest: Option<[u8; 32]>,
    /// The legal marking.
    pub marking: Marking,
    /// Campaign start (inclusive).
    pub not_before: u64,
    /// Campaign end (exclusive).
    pub not_after: u64,
}

/// An ad signed by the advertiser and not yet registered by a platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdSubmission {
    tbs: Vec<u8>,
    advertiser_signature: Signature,
}

impl AdSubmission {
    /// Registers the ad: the platform checks the advertiser's signature
    /// under `advertiser_cert` and countersigns (SPEC.md §18.4). Checking
    /// the advertiser's certificate path and the erid with the operator of
    /// advertising data is the platform's business before it calls this.
    pub fn register(
        &self,
        advertiser_cert: &Certificate,
        platform_key: &SigningKey,
        platform_cert: &Certificate,
        registered_at: u64,
    ) -> Result<Ad, ChannelError> {
        let t: pb::AdTbs = wire::decode_strict(&self.tbs, usize::MAX)?;
        if t.advertiser_certificate_hash != advertiser_cert.hash() {
            return Err(ChannelError::UnknownCertificate);
        }
        advertiser_cert
            .subject_key()
            .verify(labels::SIG_CHANNEL_SPONSORED_ADVERTISER, &self.tbs, &self.advertiser_signature)
            .map_err(|_| ChannelError::BadSignature("advertiser"))?;
        let input = platform_input(&self.tbs, &self.advertiser_signature, platform_cert.hash(), registered_at);
        let platform_signature = platform_key.sign(labels::SIG_CHANNEL_SPONSORED_PLATFORM, &input);
        let bytes = pb::Ad {
            format: format::CHANNEL_AD,
            tbs: self.tbs.clone(),
            advertiser_signature: self.advertiser_signature.to_bytes().to_vec(),
            platform_certificate_hash: platform_cert.hash().to_vec(),
            registered_at,
            platform_signature: platform_signature.to_bytes().to_vec(),
        }
        .encode_to_vec();
        Ad::from_bytes(&bytes)
    }
}

/// The platform's countersigned input.
pub(crate) fn platform_input(tbs: &[u8], advertiser_signature: &Signature, platform_hash: &[u8], at: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(tbs.len() + 64 + 64 + 32);
    lp(&mut out, tbs);
    lp(&mut out, advertiser_signature.as_bytes());
    lp(&mut out, platform_hash);
    out.extend_from_slice(&at.to_be_bytes());
    out
}

/// A decoded ad (form and marking syntax checked; signatures and
/// certificates are checked by [`super::ChannelPolicy::verify_ad`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ad {
    bytes: Vec<u8>,
    pub(crate) tbs: Vec<u8>,
    pub(crate) advertiser_signature: Signature,
    pub(crate) platform_certificate_hash: [u8; 64],
    pub(crate) registered_at: u64,
    pub(crate) platform_signature: Signature,
    pub(crate) advertiser_certificate_hash: [u8; 64],
    draft: AdDraft,
}

impl Ad {
    /// Signs `draft` as the advertiser (or its agency), for a platform to register.
    pub fn submit(key: &SigningKey, cert: &Certificate, draft: &AdDraft) -> Result<AdSubmission, ChannelError> {
        check_marking(MARKING_LABEL, &draft.marking)?;
        let tbs = pb::AdTbs {
            format: format::CHANNEL_AD_TBS,
            ad_id: draft.ad_id.as_bytes().to_vec(),
            language: draft.language.as_str().to_owned(),
            content_type: draft.content_type.clone(),
            content: draft.content.clone(),
            media_digest: draft.media_digest.map(|d| d.to_vec()).unwrap_or_default(),
            label: MARKING_LABEL.to_owned(),
            advertiser_name: draft.marking.advertiser.clone(),
            advertiser_inn: draft.marking.inn.clone(),
            erid: draft.marking.erid.clone(),
            advertiser_certificate_hash: cert.hash().to_vec(),
            not_before: draft.not_before,
            not_after: draft.not_after,
        }
        .encode_to_vec();
        let advertiser_signature = key.sign(labels::SIG_CHANNEL_SPONSORED_ADVERTISER, &tbs);
        Ok(AdSubmission { tbs, advertiser_signature })
    }

    /// Decodes an ad under the default limits.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ChannelError> {
        Self::from_bytes_with(bytes, &ChannelLimits::default())
    }

    /// Decodes an ad under `limits`: size, form, then the marking (SPEC.md §18.4).
    pub fn from_bytes_with(bytes: &[u8], limits: &ChannelLimits) -> Result<Self, ChannelError> {
        let max = limits.max_ad_len();
        let outer: pb::Ad = wire::decode_typed(bytes, max, format::CHANNEL_AD, &[])?;
        let advertiser_signature = Signature::from_field("ad.advertiser_signature", &outer.advertiser_signature)?;
        let platform_signature = Signature::from_field("ad.platform_signature", &outer.platform_signature)?;
        let platform_certificate_hash =
            wire::fixed::<64>("ad.platform_certificate_hash", &outer.platform_certificate_hash)?;
        let t: pb::AdTbs = wire::decode_typed(&outer.tbs, max, format::CHANNEL_AD_TBS, &[])?;
        let ad_id = AdId::from_field("ad.ad_id", &t.ad_id)?;
        let language = LanguageTag::parse(&t.language)?;
        check_content_type(&t.content_type)?;
        if t.content.len() > limits.max_ad_content_len {
            return Err(ChannelError::ContentTooLong { len: t.content.len(), max: limits.max_ad_content_len });
        }
        let media_digest = match t.media_digest.len() {
            0 => None,
            _ => Some(wire::fixed::<32>("ad.media_digest", &t.media_digest)?),
        };
        if t.content.is_empty() && media_digest.is_none() {
            return Err(DecodeError::Missing("ad.content").into());
        }
        let marking = Marking { advertiser: t.advertiser_name, inn: t.advertiser_inn, erid: t.erid };
        check_marking(&t.label, &marking)?;
        let advertiser_certificate_hash =
            wire::fixed::<64>("ad.advertiser_certificate_hash", &t.advertiser_certificate_hash)?;
        if t.not_after <= t.not_before {
            return Err(DecodeError::Invalid("ad.campaign window").into());
        }
        let draft = AdDraft {
            ad_id,
            language,
            content_type: t.content_type,
            content: t.content,
            media_digest,
            marking,
            not_before: t.not_before,
            not_after: t.not_after,
        };
        Ok(Self {
            bytes: bytes.to_vec(),
            tbs: outer.tbs,
            advertiser_signature,
            platform_certificate_hash,
            registered_at: outer.registered_at,
            platform_signature,
            advertiser_certificate_hash,
            draft,
        })
    }

    /// The exact bytes.
    pub fn to_bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// The signed contents (marking as claimed; display only a [`VerifiedMarking`]).
    pub fn draft(&self) -> &AdDraft {
        &self.draft
    }
    /// The ad's id.
    pub fn ad_id(&self) -> &AdId {
        &self.draft.ad_id
    }
    /// The creative's language.
    pub fn language(&self) -> &LanguageTag {
        &self.draft.language
    }
    /// When the platform registered it.
    pub fn registered_at(&self) -> u64 {
        self.registered_at
    }
    /// SHA-512 of the registering platform's certificate.
    pub fn platform_certificate_hash(&self) -> &[u8; 64] {
        &self.platform_certificate_hash
    }
}

/// Who signed an ad for the advertiser.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AdSigner {
    /// The advertiser itself: its certificate's `subject_id` is `inn:` and the ad's INN.
    Advertiser {
        /// The certificate's display name.
        name: String,
    },
    /// An agency acting for the advertiser (any other certified advertiser-signing key).
    Agency {
        /// The certificate's display name.
        name: String,
        /// The certificate's subject id.
        subject_id: String,
    },
}

/// The marking to display beside an ad, every part verified: inside the
/// advertiser's signature and the platform's countersignature, both under
/// valid, unrevoked certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedMarking {
    /// «Реклама».
    pub label: String,
    /// The advertiser's name.
    pub advertiser: String,
    /// The advertiser's INN.
    pub inn: String,
    /// The registry token.
    pub erid: String,
}

/// An ad whose marking, signatures and certificates verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAd {
    pub(crate) ad: Ad,
    pub(crate) marking: VerifiedMarking,
    pub(crate) signer: AdSigner,
    pub(crate) platform: String,
}

impl VerifiedAd {
    pub(crate) fn new(ad: Ad, signer: AdSigner, platform: String) -> Self {
        let m = &ad.draft.marking;
        let marking = VerifiedMarking {
            label: MARKING_LABEL.to_owned(),
            advertiser: m.advertiser.clone(),
            inn: m.inn.clone(),
            erid: m.erid.clone(),
        };
        Self { ad, marking, signer, platform }
    }
    /// The ad.
    pub fn ad(&self) -> &Ad {
        &self.ad
    }
    /// The marking to display.
    pub fn marking(&self) -> &VerifiedMarking {
        &self.marking
    }
    /// Who signed it.
    pub fn signer(&self) -> &AdSigner {
        &self.signer
    }
    /// The registering platform's certificate display name.
    pub fn platform(&self) -> &str {
        &self.platform
    }
}
