//! A platform CA with the certificates of a channel's owner and editor,
//! another channel's owner, an advertiser, an agency and the ad platform,
//! for the channel tests and vectors.
#![allow(dead_code, clippy::unwrap_used)]

use vestnik::channel::*;
use vestnik::crypto::sig::SigningKey;
use vestnik::document::*;

/// The tests' clock: 2025-11-24, a Monday.
pub(crate) const T0: u64 = 1_764_000_000;
pub(crate) const DAY: u64 = 86_400;
/// Serials: owner 1, editor 2, other channel's owner 3, advertiser 4, agency 5, platform 6.
pub(crate) const STATUS_SIZE: u64 = 64;

pub(crate) struct Party {
    pub(crate) key: SigningKey,
    pub(crate) cert: Certificate,
}

pub(crate) struct ChannelWorld {
    pub(crate) root: SigningKey,
    pub(crate) anchor: TrustAnchor,
    pub(crate) channel: ChannelId,
    pub(crate) other_channel: ChannelId,
    pub(crate) owner: Party,
    pub(crate) editor: Party,
    pub(crate) other_owner: Party,
    pub(crate) advertiser: Party,
    pub(crate) agency: Party,
    pub(crate) platform: Party,
}

/// A valid INN of an organisation (Сбербанк), used as the advertiser's.
pub(crate) const INN: &str = "7707083893";
/// Another valid 10-digit INN.
pub(crate) const OTHER_INN: &str = "7736207543";

impl ChannelWorld {
    pub(crate) fn new() -> Self {
        Self::from_keys(|_| SigningKey::generate(&mut rand::rng()))
    }

    /// Every key from `key(i)`, i = 0 (root) .. 6.
    pub(crate) fn from_keys(key: impl Fn(u8) -> SigningKey) -> Self {
        let root = key(0);
        let anchor = TrustAnchor::new(root.verifying_key(), "Платформа «Вестник»", KeyUsage::ALL, 1);
        let channel = ChannelId::from_bytes([0x7a; 16]);
        let other_channel = ChannelId::from_bytes([0x5b; 16]);
        let issue = |k: SigningKey, subject: String, name: &str, usage: KeyUsage, serial: u64| {
            let req = CertificateRequest::new(
                k.verifying_key(),
                subject,
                name,
                Role::Organisation,
                usage,
                T0 - 30 * DAY,
                T0 + 365 * DAY,
            )
            .serial(serial);
            let cert = Certificate::issue(&root, &req).unwrap();
            Party { key: k, cert }
        };
        let owner = issue(
            key(1),
            publisher_subject_id(&channel, PublisherRole::Owner),
            "Татар-информ",
            KeyUsage::CHANNEL_PUBLISHING,
            1,
        );
        let editor = issue(
            key(2),
            publisher_subject_id(&channel, PublisherRole::Editor),
            "Гөлнара Хәсәнова, редактор",
            KeyUsage::CHANNEL_PUBLISHING,
            2,
        );
        let other_owner = issue(
            key(3),
            publisher_subject_id(&other_channel, PublisherRole::Owner),
            "Башинформ",
            KeyUsage::CHANNEL_PUBLISHING,
            3,
        );
        let advertiser = issue(key(4), format!("inn:{INN}"), "ПАО Сбербанк", KeyUsage::ADVERTISER_SIGNING, 4);
        let agency = issue(key(5), "inn:7736207543".into(), "Агентство «Урал»", KeyUsage::ADVERTISER_SIGNING, 5);
        let platform =
            issue(key(6), "platform:vestnik".into(), "Рекламная платформа «Вестник»", KeyUsage::AD_REGISTRATION, 6);
        Self { root, anchor, channel, other_channel, owner, editor, other_owner, advertiser, agency, platform }
    }

    pub(crate) fn certificates(&self) -> Vec<Certificate> {
        [&self.owner, &self.editor, &self.other_owner, &self.advertiser, &self.agency, &self.platform]
            .iter()
            .map(|p| p.cert.clone())
            .collect()
    }

    pub(crate) fn status(&self, revoked: &[Revocation]) -> StatusList {
        StatusList::issue_with_entries(
            &self.root,
            StatusType::Certificates,
            T0,
            T0 + 7 * DAY,
            STATUS_SIZE,
            revoked,
            &DocumentLimits::default(),
        )
        .unwrap()
    }

    pub(crate) fn policy(&self) -> ChannelPolicy {
        self.policy_revoking(&[])
    }

    pub(crate) fn policy_revoking(&self, revoked: &[Revocation]) -> ChannelPolicy {
        ChannelPolicy::new(vec![self.anchor.clone()])
            .with_certificates(self.certificates())
            .with_status_lists(vec![self.status(revoked)])
    }

    pub(crate) fn draft(&self, post: u8, revision: u64, lang: &str, text: &str) -> PostDraft {
        PostDraft {
            channel: self.channel,
            post_id: PostId::from_bytes([post; 16]),
            revision,
            created_at: T0 + revision,
            language: LanguageTag::parse(lang).unwrap(),
            body: PostBody::text("text/plain; charset=utf-8", text.as_bytes()),
        }
    }

    pub(crate) fn post(&self, by: &Party, post: u8, revision: u64, lang: &str, text: &str) -> Post {
        Post::sign(&by.key, &by.cert, &self.draft(post, revision, lang, text)).unwrap()
    }

    pub(crate) fn ad_draft(&self, id: u8, lang: &str) -> AdDraft {
        AdDraft {
            ad_id: AdId::from_bytes([id; 16]),
            language: LanguageTag::parse(lang).unwrap(),
            content_type: "text/plain; charset=utf-8".into(),
            content: "Сбербанк: вклад «Йорт» — 18 % еллык.".as_bytes().to_vec(),
            media_digest: None,
            marking: Marking {
                advertiser: "ПАО Сбербанк".into(), inn: INN.into(), erid: format!("2SDnjcVm7Md{id}")
            },
            not_before: T0 - DAY,
            not_after: T0 + 30 * DAY,
        }
    }

    pub(crate) fn ad_by(&self, signer: &Party, id: u8, lang: &str) -> Ad {
        Ad::submit(&signer.key, &signer.cert, &self.ad_draft(id, lang))
            .unwrap()
            .register(&signer.cert, &self.platform.key, &self.platform.cert, T0 - 3600)
            .unwrap()
    }

    pub(crate) fn ad(&self, id: u8, lang: &str) -> Ad {
        self.ad_by(&self.advertiser, id, lang)
    }

    pub(crate) fn sponsored(&self, by: &Party, post: u8, ad: &Ad) -> Result<Post, ChannelError> {
        let d = PostDraft {
            channel: self.channel,
            post_id: PostId::from_bytes([post; 16]),
            revision: 1,
            created_at: T0,
            language: ad.language().clone(),
            body: PostBody::sponsored(ad.clone()),
        };
        Post::sign(&by.key, &by.cert, &d)
    }
}
