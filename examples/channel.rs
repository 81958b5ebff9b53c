//! A regional news channel posts in Tatar and Russian; an editor corrects a
//! post; a sponsored post in Bashkir shows its verified marking; a forged
//! post, a rolled-back edit and an ad with its erid stripped are each
//! refused with a clear reason (SPEC.md §18).
//!
//! Run with `cargo run --example channel`.

use prost::Message as _;
use vestnik::channel::*;
use vestnik::crypto::sig::SigningKey;
use vestnik::document::*;

const NOW: u64 = 1_764_000_600;

#[derive(Clone, PartialEq, prost::Message)]
struct Signed {
    #[prost(uint32, tag = "1")]
    format: u32,
    #[prost(bytes = "vec", tag = "2")]
    tbs: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    signature: Vec<u8>,
}

/// Just the wire fields of an `Ad` an attacker touches (SPEC.md §18.4).
#[derive(Clone, PartialEq, prost::Message)]
struct AdWire {
    #[prost(uint32, tag = "1")]
    format: u32,
    #[prost(bytes = "vec", tag = "2")]
    tbs: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    advertiser_signature: Vec<u8>,
    #[prost(bytes = "vec", tag = "4")]
    platform_certificate_hash: Vec<u8>,
    #[prost(uint64, tag = "5")]
    registered_at: u64,
    #[prost(bytes = "vec", tag = "6")]
    platform_signature: Vec<u8>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = rand::rng();
    // The platform's CA certifies the channel's owner and editor, an
    // advertiser and the ad platform, each with its own key usage.
    let root = SigningKey::generate(&mut rng);
    let anchor = TrustAnchor::new(root.verifying_key(), "Платформа «Вестник»", KeyUsage::ALL, 1);
    let channel = ChannelId::random(&mut rng);
    let (from, until) = (NOW - 86_400, NOW + 365 * 86_400);
    let certify = |key: &SigningKey, subject: String, name: &str, usage: KeyUsage, serial: u64| {
        let req = CertificateRequest::new(key.verifying_key(), subject, name, Role::Organisation, usage, from, until);
        Certificate::issue(&root, &req.serial(serial))
    };
    let (owner, editor, advertiser, platform) = (
        SigningKey::generate(&mut rng),
        SigningKey::generate(&mut rng),
        SigningKey::generate(&mut rng),
        SigningKey::generate(&mut rng),
    );
    let owner_cert = certify(
        &owner,
        publisher_subject_id(&channel, PublisherRole::Owner),
        "Татар-информ",
        KeyUsage::CHANNEL_PUBLISHING,
        1,
    )?;
    let editor_cert = certify(
        &editor,
        publisher_subject_id(&channel, PublisherRole::Editor),
        "Редактор Гөлнара",
        KeyUsage::CHANNEL_PUBLISHING,
        2,
    )?;
    let adv_cert = certify(
        &advertiser,
        "inn:0274062111".into(),
        "АО «Башкирская содовая компания»",
        KeyUsage::ADVERTISER_SIGNING,
        3,
    )?;
    let platform_cert =
        certify(&platform, "platform:vestnik".into(), "Рекламная платформа «Вестник»", KeyUsage::AD_REGISTRATION, 4)?;
    let status = StatusList::issue(
        &root,
        StatusType::Certificates,
        NOW - 60,
        NOW + 86_400,
        16,
        &[],
        &DocumentLimits::default(),
    )?;
    let policy = ChannelPolicy::new(vec![anchor])
        .with_certificates([owner_cert.clone(), editor_cert.clone(), adv_cert.clone(), platform_cert.clone()])
        .with_status_lists(vec![status]);
    let mut cache = ChainCache::new();
    let mut feed = Feed::new(channel, ChannelLimits::default());

    let draft = |post: u8, revision: u64, lang: &str, text: &str| -> Result<PostDraft, ChannelError> {
        Ok(PostDraft {
            channel,
            post_id: PostId::from_bytes([post; 16]),
            revision,
            created_at: NOW - 100 + revision,
            language: LanguageTag::parse(lang)?,
            body: PostBody::text("text/plain; charset=utf-8", text.as_bytes()),
        })
    };
    let show = |feed: &Feed, id: u8| {
        if let Some(v) = feed.post(&PostId::from_bytes([id; 16]))
            && let PostBody::Regular { content, .. } = v.post().body()
        {
            println!(
                "  [{}] rev {} by {} ({}): {}",
                v.post().language(),
                v.post().revision(),
                v.publisher().name(),
                v.publisher().role(),
                String::from_utf8_lossy(content)
            );
        }
    };

    println!("1. The channel posts in Tatar and Russian:");
    let tt = Post::sign(&owner, &owner_cert, &draft(1, 1, "tt", "Казанда яңа мәктәп ачылды: 1200 укучы.")?)?;
    let ru = Post::sign(&owner, &owner_cert, &draft(2, 1, "ru", "В Казани открылась новая школа на 1200 учеников.")?)?;
    feed.receive(tt.to_bytes(), &policy, NOW, &mut cache)?;
    feed.receive(ru.to_bytes(), &policy, NOW, &mut cache)?;
    show(&feed, 1);
    show(&feed, 2);

    println!("2. The editor corrects the Russian post:");
    let fixed =
        Post::sign(&editor, &editor_cert, &draft(2, 2, "ru", "В Казани открылась новая школа на 1250 учеников.")?)?;
    println!("  {:?}", feed.receive(fixed.to_bytes(), &policy, NOW, &mut cache)?);
    show(&feed, 2);

    println!("3. A sponsored post in Bashkir, with its verified marking:");
    let ad = Ad::submit(
        &advertiser,
        &adv_cert,
        &AdDraft {
            ad_id: AdId::random(&mut rng),
            language: LanguageTag::parse("ba")?,
            content_type: "text/plain; charset=utf-8".into(),
            content: "Башҡорт балы — тәбиғәттән бүләк!".as_bytes().to_vec(),
            media_digest: None,
            marking: Marking {
                advertiser: "АО «Башкирская содовая компания»".into(),
                inn: "0274062111".into(),
                erid: "2SDnjeFzq7W".into(),
            },
            not_before: NOW - 3600,
            not_after: NOW + 30 * 86_400,
        },
    )?
    .register(&adv_cert, &platform, &platform_cert, NOW - 1800)?;
    let sponsored = Post::sign(
        &owner,
        &owner_cert,
        &PostDraft { body: PostBody::sponsored(ad.clone()), ..draft(3, 1, "ba", "")? },
    )?;
    feed.receive(sponsored.to_bytes(), &policy, NOW, &mut cache)?;
    if let Some(m) = feed.post(sponsored.post_id()).and_then(|v| v.ad()).map(VerifiedAd::marking) {
        println!("  {} · {} · ИНН {} · erid: {}", m.label, m.advertiser, m.inn, m.erid);
    }

    println!("4. What the client refuses:");
    let mallory = SigningKey::generate(&mut rng);
    let forged = Post::sign(&mallory, &owner_cert, &draft(4, 1, "tt", "Ялган хәбәр")?)?;
    println!("  forged post:        {}", refusal(feed.receive(forged.to_bytes(), &policy, NOW, &mut cache)));
    println!("  rolled-back edit:   {}", refusal(feed.receive(ru.to_bytes(), &policy, NOW, &mut cache)));
    let mut wire = AdWire::decode(ad.to_bytes())?;
    wire.tbs = strip_erid(&wire.tbs);
    let mut post_wire = Signed::decode(sponsored.to_bytes())?;
    let mut tbs = PostTbsContent::decode(post_wire.tbs.as_slice())?;
    tbs.content = wire.encode_to_vec();
    post_wire.tbs = tbs.encode_to_vec();
    println!("  ad, erid stripped:  {}", refusal(feed.receive(&post_wire.encode_to_vec(), &policy, NOW, &mut cache)));
    Ok(())
}

/// The reason a refused object was refused.
fn refusal(r: Result<FeedUpdate, ChannelError>) -> String {
    match r {
        Err(e) => e.to_string(),
        Ok(u) => format!("accepted ({u:?}): this must not happen"),
    }
}

/// An `AdTbs` with its `erid` (field 10) removed, the rest untouched.
fn strip_erid(tbs: &[u8]) -> Vec<u8> {
    let mut t = AdTbsWire::decode(tbs).unwrap_or_default();
    t.erid.clear();
    t.encode_to_vec()
}

/// `AdTbs` (SPEC.md §18.4), as an attacker on the wire sees it.
#[derive(Clone, PartialEq, prost::Message)]
struct AdTbsWire {
    #[prost(uint32, tag = "1")]
    format: u32,
    #[prost(bytes = "vec", tag = "2")]
    ad_id: Vec<u8>,
    #[prost(string, tag = "3")]
    language: String,
    #[prost(string, tag = "4")]
    content_type: String,
    #[prost(bytes = "vec", tag = "5")]
    content: Vec<u8>,
    #[prost(bytes = "vec", tag = "6")]
    media_digest: Vec<u8>,
    #[prost(string, tag = "7")]
    label: String,
    #[prost(string, tag = "8")]
    advertiser_name: String,
    #[prost(string, tag = "9")]
    advertiser_inn: String,
    #[prost(string, tag = "10")]
    erid: String,
    #[prost(bytes = "vec", tag = "11")]
    advertiser_certificate_hash: Vec<u8>,
    #[prost(uint64, tag = "12")]
    not_before: u64,
    #[prost(uint64, tag = "13")]
    not_after: u64,
}

/// `PostTbs` (SPEC.md §18.2), as an attacker on the wire sees it.
#[derive(Clone, PartialEq, prost::Message)]
struct PostTbsContent {
    #[prost(uint32, tag = "1")]
    format: u32,
    #[prost(bytes = "vec", tag = "2")]
    channel_id: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    post_id: Vec<u8>,
    #[prost(uint64, tag = "4")]
    revision: u64,
    #[prost(uint64, tag = "5")]
    created_at: u64,
    #[prost(string, tag = "6")]
    language: String,
    #[prost(uint32, tag = "7")]
    kind: u32,
    #[prost(string, tag = "8")]
    content_type: String,
    #[prost(bytes = "vec", tag = "9")]
    content: Vec<u8>,
    #[prost(bytes = "vec", tag = "10")]
    media_digest: Vec<u8>,
    #[prost(bytes = "vec", tag = "11")]
    publisher_certificate_hash: Vec<u8>,
}
