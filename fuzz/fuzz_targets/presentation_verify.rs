#![no_main]
include!("../targets/presentation_verify.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
