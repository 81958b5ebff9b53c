#![no_main]
include!("../targets/credential_decode.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
