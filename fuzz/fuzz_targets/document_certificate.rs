#![no_main]
include!("../targets/document_certificate.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
