#![no_main]
include!("../targets/channel_feed.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
