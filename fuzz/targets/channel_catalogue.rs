// Catalogues on arbitrary bytes: whatever decodes re-encodes exactly and
// holds at most the cap of ads; verification and local selection never
// panic and select only verified ads. Inputs starting with 0x87 are the
// fixture's catalogue with one byte edited.

include!("channel_fixtures.rs");

use vestnik::channel::{ChannelLimits, select_ads};
use vestnik::document::ChainCache;

pub fn run(data: &[u8]) {
    let Some(f) = channel_fixture() else { return };
    let input = match data.split_first() {
        Some((0x87, rest)) => edited(&f.catalogue, rest),
        _ => data.to_vec(),
    };
    let limits = ChannelLimits::default().with_max_catalogue_ads(16);
    let Ok(cat) = Catalogue::from_bytes_with(&input, &limits) else { return };
    assert_eq!(cat.to_bytes(), input.as_slice());
    assert!(cat.ads().len() <= 16);
    let Ok(v) = f.policy.verify_catalogue(&cat, FUZZ_NOW, 0, &mut ChainCache::new()) else { return };
    let langs = [LanguageTag::parse("ba"), LanguageTag::parse("ru")];
    let langs: Vec<LanguageTag> = langs.into_iter().flatten().collect();
    let chosen = select_ads(&v, &langs, 4);
    assert!(chosen.len() <= 4 && chosen.len() <= v.ads().len());
}
