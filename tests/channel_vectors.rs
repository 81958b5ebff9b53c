//! Frozen channel vectors (ASSURANCE row 19, SPEC.md §10, §18): certificates,
//! a status list, posts, an edit, a tombstone, an ad, a sponsored post, a
//! catalogue and a feed's stored marks, generated once under
//! `tests/vectors/channel/` (never overwritten) and loaded byte-exactly by
//! every later version. Write missing files with
//! `VESTNIK_REGEN_VECTORS=1 cargo test --test channel_vectors`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/channel_world.rs"]
mod channel_world;

use channel_world::*;
use std::path::Path;
use vestnik::channel::*;
use vestnik::document::*;

const DIR: &str = "tests/vectors/channel";
/// The fixed verification time of the vectors.
const CHECK_AT: u64 = T0 + 600;

fn write_new(dir: &Path, name: &str, bytes: &[u8]) {
    use std::io::Write;
    std::fs::create_dir_all(dir).unwrap();
    if let Ok(mut f) = std::fs::File::create_new(dir.join(name)) {
        f.write_all(bytes).unwrap();
    }
}

#[test]
fn generate_vectors_when_asked() {
    if std::env::var("VESTNIK_REGEN_VECTORS").as_deref() != Ok("1") {
        return;
    }
    let w = ChannelWorld::new();
    let post = w.post(&w.owner, 1, 1, "tt", "Казанда яңа мәктәп ачылды.");
    let edit = w.post(&w.editor, 1, 2, "tt", "Казанда яңа мәктәп ачылды: 1200 укучы.");
    let gone = w.post(&w.owner, 2, 1, "ru", "Ошибочная новость");
    let tomb = Tombstone::sign(&w.owner.key, &w.owner.cert, w.channel, *gone.post_id(), 1, T0 + 5).unwrap();
    let ad = w.ad(1, "ba");
    let sponsored = w.sponsored(&w.owner, 3, &ad).unwrap();
    let cat = Catalogue::issue(
        &w.platform.key,
        &w.platform.cert,
        &Region::parse("RU-BA").unwrap(),
        1,
        T0,
        T0 + DAY,
        &[ad.clone(), w.ad(2, "ru")],
    )
    .unwrap();
    let policy = w.policy();
    let mut cache = ChainCache::new();
    let mut feed = Feed::new(w.channel, ChannelLimits::default());
    for b in [post.to_bytes(), edit.to_bytes(), gone.to_bytes(), tomb.to_bytes(), sponsored.to_bytes()] {
        feed.receive(b, &policy, CHECK_AT, &mut cache).unwrap();
    }
    let dir = Path::new(DIR);
    write_new(dir, "anchor.bin", &w.anchor.to_bytes());
    for (name, p) in [
        ("owner.cert", &w.owner),
        ("editor.cert", &w.editor),
        ("advertiser.cert", &w.advertiser),
        ("platform.cert", &w.platform),
    ] {
        write_new(dir, name, p.cert.to_bytes());
    }
    write_new(dir, "status.bin", w.status(&[]).to_bytes());
    write_new(dir, "post.bin", post.to_bytes());
    write_new(dir, "edit.bin", edit.to_bytes());
    write_new(dir, "deleted_post.bin", gone.to_bytes());
    write_new(dir, "tombstone.bin", tomb.to_bytes());
    write_new(dir, "ad.bin", ad.to_bytes());
    write_new(dir, "sponsored.bin", sponsored.to_bytes());
    write_new(dir, "catalogue.bin", cat.to_bytes());
    write_new(dir, "feed.bin", &feed.to_bytes());
    // Fuzz seeds.
    let seeds = Path::new("fuzz/corpus");
    write_new(&seeds.join("channel_post"), "seed-0", post.to_bytes());
    write_new(&seeds.join("channel_post"), "seed-1", sponsored.to_bytes());
    write_new(&seeds.join("channel_post"), "seed-2", tomb.to_bytes());
    write_new(&seeds.join("channel_post"), "seed-3", ad.to_bytes());
    write_new(&seeds.join("channel_feed"), "seed-0", &feed.to_bytes());
    write_new(&seeds.join("channel_feed"), "seed-1", edit.to_bytes());
    write_new(&seeds.join("channel_catalogue"), "seed-0", cat.to_bytes());
}

#[test]
fn frozen_channel_vectors_load_byte_exactly_and_verify() {
    let read = |name: &str| std::fs::read(Path::new(DIR).join(name)).unwrap();
    let anchor = TrustAnchor::from_bytes(&read("anchor.bin")).unwrap();
    let certs: Vec<Certificate> = ["owner.cert", "editor.cert", "advertiser.cert", "platform.cert"]
        .iter()
        .map(|n| Certificate::from_bytes(&read(n)).unwrap())
        .collect();
    let status = StatusList::from_bytes(&read("status.bin"), &DocumentLimits::default()).unwrap();
    let policy = ChannelPolicy::new(vec![anchor]).with_certificates(certs).with_status_lists(vec![status]);
    let mut cache = ChainCache::new();
    let post = Post::from_bytes(&read("post.bin")).unwrap();
    let edit = Post::from_bytes(&read("edit.bin")).unwrap();
    let gone = Post::from_bytes(&read("deleted_post.bin")).unwrap();
    let tomb = Tombstone::from_bytes(&read("tombstone.bin")).unwrap();
    let ad = Ad::from_bytes(&read("ad.bin")).unwrap();
    let sponsored = Post::from_bytes(&read("sponsored.bin")).unwrap();
    let cat = Catalogue::from_bytes(&read("catalogue.bin")).unwrap();
    for (name, bytes) in [
        ("post.bin", post.to_bytes()),
        ("edit.bin", edit.to_bytes()),
        ("deleted_post.bin", gone.to_bytes()),
        ("tombstone.bin", tomb.to_bytes()),
        ("ad.bin", ad.to_bytes()),
        ("sponsored.bin", sponsored.to_bytes()),
        ("catalogue.bin", cat.to_bytes()),
    ] {
        assert_eq!(bytes, read(name), "{name} re-encodes byte-exactly");
    }
    // The same verdicts as when they were made.
    let v = policy.verify_post(&edit, CHECK_AT, &mut cache).unwrap();
    assert_eq!(
        (v.publisher().role(), v.post().revision(), v.post().language().as_str()),
        (PublisherRole::Editor, 2, "tt")
    );
    let v = policy.verify_post(&sponsored, CHECK_AT, &mut cache).unwrap();
    let m = v.ad().unwrap().marking();
    assert_eq!(
        (m.label.as_str(), m.advertiser.as_str(), m.inn.as_str(), m.erid.as_str()),
        ("Реклама", "ПАО Сбербанк", INN, "2SDnjcVm7Md1")
    );
    let c = policy.verify_catalogue(&cat, CHECK_AT, 1, &mut cache).unwrap();
    assert_eq!(c.ads().len(), 2);
    assert_eq!(c.region().as_str(), "RU-BA");
    let mine = [LanguageTag::parse("ba").unwrap()];
    assert_eq!(select_ads(&c, &mine, 5).len(), 1);
    // Replaying the objects gives the stored feed, byte for byte; the
    // stored feed still refuses the rollback and the revived post.
    let mut feed = Feed::new(*post.channel(), ChannelLimits::default());
    for b in [post.to_bytes(), edit.to_bytes(), gone.to_bytes(), tomb.to_bytes(), sponsored.to_bytes()] {
        feed.receive(b, &policy, CHECK_AT, &mut cache).unwrap();
    }
    assert_eq!(feed.to_bytes(), read("feed.bin"));
    let mut loaded = Feed::from_bytes(&read("feed.bin"), ChannelLimits::default()).unwrap();
    assert_eq!(loaded.to_bytes(), read("feed.bin"));
    assert_eq!(
        loaded.receive(post.to_bytes(), &policy, CHECK_AT, &mut cache),
        Err(ChannelError::Rollback { have: 2, got: 1 })
    );
    assert_eq!(
        loaded.receive(gone.to_bytes(), &policy, CHECK_AT, &mut cache),
        Err(ChannelError::Deleted { revision: 1 })
    );
}
