#![no_main]
include!("../targets/group_distribution.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
