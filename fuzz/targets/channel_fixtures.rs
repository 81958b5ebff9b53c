// Deterministic channel fixtures shared by the channel fuzz targets
// (included, not a module file): a CA, a channel owner, an advertiser, a
// platform, their policy, a post, a sponsored post and a catalogue.

use rand::SeedableRng;
use vestnik::channel::{
    Ad, AdDraft, AdId, Catalogue, ChannelId, ChannelPolicy, LanguageTag, Marking, Post, PostBody, PostDraft, PostId,
    PublisherRole, Region, publisher_subject_id,
};
use vestnik::crypto::sig::SigningKey;
use vestnik::document::{
    Certificate, CertificateRequest, DocumentLimits, KeyUsage, Role, StatusList, StatusType, TrustAnchor,
};

const FUZZ_NOW: u64 = 1_764_000_600;

#[allow(dead_code)] // each target reads the fields it needs
struct ChannelFixture {
    policy: ChannelPolicy,
    channel: ChannelId,
    post: Vec<u8>,
    sponsored: Vec<u8>,
    catalogue: Vec<u8>,
}

fn build_fixture() -> Option<ChannelFixture> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(18);
    let root = SigningKey::generate(&mut rng);
    let anchor = TrustAnchor::new(root.verifying_key(), "CA", KeyUsage::ALL, 1);
    let channel = ChannelId::from_bytes([0x7a; 16]);
    let (from, until) = (FUZZ_NOW - 86_400, FUZZ_NOW + 86_400);
    let mk = |k: &SigningKey, subject: String, usage: KeyUsage, serial: u64| {
        let req = CertificateRequest::new(k.verifying_key(), subject, "x", Role::Organisation, usage, from, until);
        Certificate::issue(&root, &req.serial(serial)).ok()
    };
    let (owner, adv, plat) =
        (SigningKey::generate(&mut rng), SigningKey::generate(&mut rng), SigningKey::generate(&mut rng));
    let owner_c = mk(&owner, publisher_subject_id(&channel, PublisherRole::Owner), KeyUsage::CHANNEL_PUBLISHING, 1)?;
    let adv_c = mk(&adv, "inn:7707083893".into(), KeyUsage::ADVERTISER_SIGNING, 2)?;
    let plat_c = mk(&plat, "platform".into(), KeyUsage::AD_REGISTRATION, 3)?;
    let status = StatusList::issue(
        &root,
        StatusType::Certificates,
        FUZZ_NOW - 60,
        FUZZ_NOW + 60,
        8,
        &[],
        &DocumentLimits::default(),
    )
    .ok()?;
    let policy = ChannelPolicy::new(vec![anchor])
        .with_certificates([owner_c.clone(), adv_c.clone(), plat_c.clone()])
        .with_status_lists(vec![status]);
    let lang = LanguageTag::parse("ba").ok()?;
    let draft = PostDraft {
        channel,
        post_id: PostId::from_bytes([1; 16]),
        revision: 2,
        created_at: FUZZ_NOW - 10,
        language: lang.clone(),
        body: PostBody::text("text/plain", "Хәбәр".as_bytes()),
    };
    let post = Post::sign(&owner, &owner_c, &draft).ok()?;
    let ad = Ad::submit(
        &adv,
        &adv_c,
        &AdDraft {
            ad_id: AdId::from_bytes([2; 16]),
            language: lang,
            content_type: "text/plain".into(),
            content: b"ad".to_vec(),
            media_digest: None,
            marking: Marking { advertiser: "ПАО".into(), inn: "7707083893".into(), erid: "2SDnjc".into() },
            not_before: from,
            not_after: until,
        },
    )
    .ok()?
    .register(&adv_c, &plat, &plat_c, FUZZ_NOW - 100)
    .ok()?;
    let sponsored = Post::sign(
        &owner,
        &owner_c,
        &PostDraft { post_id: PostId::from_bytes([3; 16]), body: PostBody::sponsored(ad.clone()), ..draft },
    )
    .ok()?;
    let region = Region::parse("RU-BA").ok()?;
    let catalogue = Catalogue::issue(&plat, &plat_c, &region, 1, FUZZ_NOW - 60, FUZZ_NOW + 60, &[ad]).ok()?;
    Some(ChannelFixture {
        policy,
        channel,
        post: post.to_bytes().to_vec(),
        sponsored: sponsored.to_bytes().to_vec(),
        catalogue: catalogue.to_bytes().to_vec(),
    })
}

fn channel_fixture() -> Option<&'static ChannelFixture> {
    static F: std::sync::OnceLock<Option<ChannelFixture>> = std::sync::OnceLock::new();
    F.get_or_init(build_fixture).as_ref()
}

/// `base` with the byte at a position chosen by `rest[0]` xored with `rest[1]`.
fn edited(base: &[u8], rest: &[u8]) -> Vec<u8> {
    let mut l = base.to_vec();
    if !l.is_empty() {
        let at = (usize::from(rest.first().copied().unwrap_or(0)) * 7
            + usize::from(rest.get(2).copied().unwrap_or(0)) * 1789)
            % l.len();
        if let Some(x) = l.get_mut(at) {
            *x ^= rest.get(1).copied().unwrap_or(1).max(1);
        }
    }
    l
}
