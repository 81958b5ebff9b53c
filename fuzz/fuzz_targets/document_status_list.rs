#![no_main]
include!("../targets/document_status_list.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
