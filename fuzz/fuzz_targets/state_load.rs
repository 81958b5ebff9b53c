#![no_main]
include!("../targets/state_load.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
