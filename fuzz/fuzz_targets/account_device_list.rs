#![no_main]
include!("../targets/account_device_list.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));
