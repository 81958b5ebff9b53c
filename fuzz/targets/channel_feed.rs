// Stored feeds on arbitrary bytes: a loaded feed re-encodes exactly; the
// fixture's post (revision 2) offered to it is accepted or refused without
// panicking, and a refusal changes nothing. Inputs starting with 0x88 are a
// real stored feed with one byte edited.

include!("channel_fixtures.rs");

use vestnik::channel::{ChannelLimits, Feed};
use vestnik::document::ChainCache;

fn stored_feed() -> Option<&'static Vec<u8>> {
    static S: std::sync::OnceLock<Option<Vec<u8>>> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        let f = channel_fixture()?;
        let mut feed = Feed::new(f.channel, ChannelLimits::default());
        feed.receive(&f.post, &f.policy, FUZZ_NOW, &mut ChainCache::new()).ok()?;
        Some(feed.to_bytes())
    })
    .as_ref()
}

pub fn run(data: &[u8]) {
    let Some(f) = channel_fixture() else { return };
    let input = match (data.split_first(), stored_feed()) {
        (Some((0x88, rest)), Some(s)) => edited(s, rest),
        _ => data.to_vec(),
    };
    let limits = ChannelLimits::default().with_max_feed_posts(64);
    let Ok(mut feed) = Feed::from_bytes(&input, limits) else { return };
    assert_eq!(feed.to_bytes(), input);
    assert!(feed.len() <= 64);
    let mut before = feed.clone();
    let mut cache = ChainCache::new();
    for p in [&f.post, &f.sponsored] {
        match feed.receive(p, &f.policy, FUZZ_NOW, &mut cache) {
            // An accepted post is the new baseline for the next refusal.
            Ok(_) => before = feed.clone(),
            Err(_) => assert_eq!(feed, before),
        }
    }
}
