#![no_main]
include!("../targets/account_linking.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
