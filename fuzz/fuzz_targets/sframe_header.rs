#![no_main]
include!("../targets/sframe_header.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
