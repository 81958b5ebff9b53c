#![no_main]
include!("../targets/group_state_load.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
