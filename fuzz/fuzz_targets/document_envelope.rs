#![no_main]
include!("../targets/document_envelope.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
