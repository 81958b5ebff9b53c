//! Replays every file of the call fuzz corpora (committed seeds and any
//! findings copied in) through the code the libFuzzer targets run, so plain
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
                for e in std::fs::read_dir(&dir).unwrap() {
                    run(&std::fs::read(e.unwrap().path()).unwrap());
                    n += 1;
                }
                assert!(n > 0, "no corpus for {}", stringify!($name));
                run(&[]);
            }
        }
    };
}

replay!(sframe_header);
replay!(sframe_unprotect);
