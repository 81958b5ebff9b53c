#![no_main]
include!("../targets/document_timestamp.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
