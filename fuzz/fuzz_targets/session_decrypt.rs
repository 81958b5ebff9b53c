#![no_main]
include!("../targets/session_decrypt.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
