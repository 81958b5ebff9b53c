//! Replays every committed corpus file of the document fuzz targets through
//! the same `run` functions libFuzzer calls (ASSURANCE row 13), so findings
//! stay covered on stable `cargo test`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(unreachable_pub)]

#[path = "../fuzz/targets/document_certificate.rs"]
mod document_certificate;
#[path = "../fuzz/targets/document_envelope.rs"]
mod document_envelope;
#[path = "../fuzz/targets/document_status_list.rs"]
mod document_status_list;
#[path = "../fuzz/targets/document_timestamp.rs"]
mod document_timestamp;

fn replay(name: &str, run: fn(&[u8])) -> usize {
    let dir = std::path::Path::new("fuzz/corpus").join(name);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        run(&std::fs::read(&path).unwrap());
        n += 1;
    }
    n
}

#[test]
fn replay_document_corpora() {
    for (name, run) in [
        ("document_envelope", document_envelope::run as fn(&[u8])),
        ("document_certificate", document_certificate::run),
        ("document_timestamp", document_timestamp::run),
        ("document_status_list", document_status_list::run),
    ] {
        assert!(replay(name, run) >= 1, "{name} has no corpus");
        // Truncations and single-byte edits of each committed seed.
        let dir = std::path::Path::new("fuzz/corpus").join(name);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if !path.file_name().unwrap().to_string_lossy().starts_with("seed-") {
                continue;
            }
            let bytes = std::fs::read(path).unwrap();
            for cut in (0..bytes.len()).step_by(61) {
                run(&bytes[..cut]);
                let mut flipped = bytes.clone();
                flipped[cut] ^= 0x5a;
                run(&flipped);
            }
        }
    }
}
