#![no_main]
include!("../targets/upload_validate.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
