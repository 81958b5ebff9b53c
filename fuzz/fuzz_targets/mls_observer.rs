#![no_main]
include!("../targets/mls_observer.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
