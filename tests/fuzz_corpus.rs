//! Replays every fuzz corpus file (committed seeds and any findings copied
//! in) through the same code the libFuzzer targets run, so plain
//! `cargo test` on stable covers them (ASSURANCE row 13).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, unreachable_pub, dead_code)] // tests may panic

macro_rules! replay {
    ($name:ident) => {
        mod $name {
            include!(concat!("../fuzz/targets/", stringify!($name), ".rs"));

            #[test]
            fn corpus() {
                let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(stringify!($name));
                let mut n = 0;
                if let Ok(entries) = std::fs::read_dir(&dir) {
                    for e in entries {
                        let path = e.unwrap().path();
                        run(&std::fs::read(&path).unwrap());
                        n += 1;
                    }
                }
                // Every target ships seeds; an empty corpus means a broken checkout.
                assert!(n > 0, "no corpus for {}", stringify!($name));
                run(&[]);
            }
        }
    };
}

replay!(session_decode);
replay!(session_decrypt);
replay!(state_load);
replay!(session_interaction);
replay!(group_decrypt);
replay!(group_distribution);
replay!(group_state_load);
