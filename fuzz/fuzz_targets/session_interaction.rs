#![no_main]
include!("../targets/session_interaction.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
