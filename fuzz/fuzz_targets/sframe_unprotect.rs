#![no_main]
include!("../targets/sframe_unprotect.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
