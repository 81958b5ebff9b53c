#![no_main]
include!("../targets/mls_envelope.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
