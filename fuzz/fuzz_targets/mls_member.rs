#![no_main]
include!("../targets/mls_member.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
