//! Replays every fuzz input kept in the repository through the same `run`
//! functions the libFuzzer targets call, so plain `cargo test` on stable
//! covers them (ASSURANCE row 13):
//!
//! - `fuzz/corpus/<target>/`: the committed seeds (`seed-*`) and whatever a
//!   local campaign added;
//! - `fuzz/regressions/<target>/`: crash reproducers, committed when a
//!   campaign (or a review) finds one, so a fixed crash stays fixed;
//! - truncations and single-byte edits of every committed seed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, unreachable_pub, dead_code)] // tests may panic

use std::path::Path;

/// Every file under `fuzz/<kind>/<target>/`, sorted, with whether it is a seed.
fn inputs(kind: &str, target: &str) -> Vec<(bool, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(kind).join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().starts_with("seed-"), std::fs::read(&p).unwrap()))
        .collect()
}

fn replay(target: &str, run: fn(&[u8])) {
    let corpus = inputs("corpus", target);
    // Every target ships seeds; none means a broken checkout.
    assert!(corpus.iter().any(|(seed, _)| *seed), "no committed seed for {target}");
    for (_, bytes) in corpus.iter().chain(inputs("regressions", target).iter()) {
        run(bytes);
    }
    for (_, seed) in corpus.iter().filter(|(seed, _)| *seed) {
        for cut in (0..seed.len()).step_by(61) {
            run(&seed[..cut]);
            let mut edited = seed.clone();
            edited[cut] ^= 0x5a;
            run(&edited);
        }
    }
    run(&[]);
}

macro_rules! replay {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            include!(concat!("../fuzz/targets/", stringify!($name), ".rs"));

            #[test]
            fn corpus() {
                super::replay(stringify!($name), run);
            }
        }
    )*};
}

replay!(
    session_decode,
    session_decrypt,
    state_load,
    session_interaction,
    group_decrypt,
    group_distribution,
    group_state_load,
    sframe_header,
    sframe_unprotect,
    document_envelope,
    document_certificate,
    document_timestamp,
    document_status_list,
    credential_decode,
    presentation_verify,
    account_device_list,
    account_linking,
    channel_post,
    channel_feed,
    channel_catalogue,
);

// Uploads (issue 17, SPEC §17).
replay!(upload_validate);

#[cfg(feature = "mls")]
replay!(mls_envelope, mls_member);
replay!(mls_observer);

/// Writes the `state_load` seed of a prekey store signed by the target's
/// fixed identity, with a replay memory, so the fuzzer starts past the
/// signature checks. Run once with `--ignored` when the format changes.
#[test]
#[ignore]
fn write_state_load_prekey_seed() {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let bob = vestnik::DeviceIdentity::generate(&mut rng);
    let mut pre = vestnik::PreKeyStore::new(&bob, 0, &mut rng);
    pre.generate_one_time_prekeys(3, &mut rng).unwrap();
    for one_time in [None, Some(pre.one_time_prekeys()[0].id())] {
        let alice = vestnik::DeviceIdentity::generate(&mut rng);
        let mut to_bob = vestnik::PeerSessions::new(bob.public());
        to_bob.initiate(&alice, &pre.bundle(&bob, one_time), 0, &mut rng).unwrap();
        let m = to_bob.encrypt(b"seed", &mut rng).unwrap();
        vestnik::PeerSessions::new(alice.public()).decrypt(&bob, &mut pre, &m, 0).unwrap();
    }
    pre.rotate_signed_prekey(&bob, 1, &mut rng);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/state_load/seed-prekeys-with-memory");
    std::fs::write(path, &pre.to_bytes()[..]).unwrap();
}

/// Writes the group seeds from the group fixture (version-2 formats): the
/// two states for `group_state_load`, and for `group_distribution` a
/// distribution header, the admin's roster update intact and spliced. Run
/// once with `--ignored` when a group format changes.
#[test]
#[ignore]
fn write_group_seeds() {
    use group_distribution::group_fixture;
    let f = group_fixture();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let write = |target: &str, name: &str, bytes: &[u8]| std::fs::write(root.join(target).join(name), bytes).unwrap();
    write("group_state_load", "seed-student", &f.student_group);
    write("group_state_load", "seed-teacher", &f.teacher_group);
    write("group_distribution", "seed-partial", b"\x08\x82\x44\x12\x08class-5a");
    write("group_distribution", "seed-roster", &f.roster_update);
    write("group_distribution", "seed-roster-spliced", &[0x52, 0x30, 0x01]);
}
