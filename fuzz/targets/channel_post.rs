// Posts, tombstones and ads on arbitrary bytes: whatever decodes re-encodes
// exactly; verification never panics; a refused post leaves the feed
// unchanged. Inputs starting with 0x81 (0x82) become the fixture's post
// (sponsored post) with one byte edited, so the fuzzer reaches the checks
// past the format and the signatures.

include!("channel_fixtures.rs");

use vestnik::channel::{ChannelLimits, Feed, Tombstone};
use vestnik::document::ChainCache;

pub fn run(data: &[u8]) {
    let Some(f) = channel_fixture() else { return };
    let input = match data.split_first() {
        Some((0x81, rest)) => edited(&f.post, rest),
        Some((0x82, rest)) => edited(&f.sponsored, rest),
        _ => data.to_vec(),
    };
    let mut cache = ChainCache::new();
    if let Ok(ad) = Ad::from_bytes(&input) {
        assert_eq!(ad.to_bytes(), input.as_slice());
        let _ = f.policy.verify_ad(&ad, FUZZ_NOW, &mut cache);
    }
    if let Ok(t) = Tombstone::from_bytes(&input) {
        assert_eq!(t.to_bytes(), input.as_slice());
        let _ = f.policy.verify_tombstone(&t, FUZZ_NOW, &mut cache);
    }
    let mut feed = Feed::new(f.channel, ChannelLimits::default());
    if let Ok(post) = Post::from_bytes(&input) {
        assert_eq!(post.to_bytes(), input.as_slice());
        let single = f.policy.verify_post(&post, FUZZ_NOW, &mut cache);
        let batch = f.policy.verify_posts(
            std::slice::from_ref(&post),
            FUZZ_NOW,
            &mut cache,
            &mut rand::rngs::StdRng::seed_from_u64(1),
        );
        assert_eq!(batch.first(), Some(&single), "batch and single agree");
    }
    let before = feed.clone();
    if feed.receive(&input, &f.policy, FUZZ_NOW, &mut cache).is_err() {
        assert_eq!(feed, before, "a refusal changes nothing");
    }
}
