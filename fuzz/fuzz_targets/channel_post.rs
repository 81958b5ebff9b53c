#![no_main]
include!("../targets/channel_post.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
