//! Frozen MLS vectors (ASSURANCE row 19, SPEC.md §10): envelopes and states
//! of format version 1 under `tests/vectors/mls/`, loaded byte-exactly and
//! used forever. `generate` (ignored) wrote them once:
//! `VESTNIK_WRITE_MLS_VECTORS=1 cargo test --test mls_vectors -- --ignored`.
#![cfg(feature = "mls")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use vestnik::DeviceIdentity;
use vestnik::mls::{
    MlsConfig, MlsGroup, MlsGroupInfoEnvelope, MlsKeyPackageEnvelope, MlsKeyPackageStore, MlsLimits,
    MlsMessageEnvelope, MlsRatchetTreeEnvelope, MlsReceived, MlsSuite, MlsWelcomeEnvelope, TrustedIdentities,
    validate_key_package,
};
use vestnik::storage::{Sealable, StorageKey};

const NOW: u64 = 1_764_000_000;
const GROUP_ID: &[u8] = b"vestnik-mls-vectors";
const TEXT: &str = "Привет из MLS: урок в 9:00";

fn path(name: &str) -> String {
    format!("{}/tests/vectors/mls/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(path(name)).unwrap()
}

fn config() -> MlsConfig {
    MlsConfig::new(TrustedIdentities::any_valid_identity())
}

fn key() -> StorageKey {
    StorageKey::from_bytes([0x42; 32])
}

#[test]
#[ignore]
fn generate() {
    if std::env::var("VESTNIK_WRITE_MLS_VECTORS").is_err() {
        return;
    }
    let mut rng = rand::rng();
    let alice = DeviceIdentity::generate(&mut rng);
    let bob = DeviceIdentity::generate(&mut rng);
    let mut bob_store = MlsKeyPackageStore::new(MlsLimits::default());
    let kp = bob_store.generate(&bob, MlsSuite::default(), NOW, false, &mut rng).unwrap();
    let write = |n: &str, b: &[u8]| std::fs::write(path(n), b).unwrap();
    write("alice_identity.bin", &alice.to_bytes());
    write("bob_identity.bin", &bob.to_bytes());
    write("bob_key_packages.bin", &bob_store.to_bytes());
    write("bob_key_package.bin", &kp.to_bytes());
    let mut a = MlsGroup::create(&alice, MlsSuite::default(), GROUP_ID, config(), NOW, &mut rng).unwrap();
    let c1 = a.add(&[kp], NOW).unwrap();
    a.confirm_pending_commit().unwrap();
    write("commit_add_bob.bin", &c1.commit.to_bytes());
    write("welcome_bob.bin", &c1.welcome.as_ref().unwrap().to_bytes());
    write("tree_epoch1.bin", &c1.ratchet_tree.as_ref().unwrap().to_bytes());
    write("group_info_epoch1.bin", &a.group_info().unwrap().to_bytes());
    let b =
        MlsGroup::join(&mut bob_store, c1.welcome.as_ref().unwrap(), c1.ratchet_tree.as_ref().unwrap(), config(), NOW)
            .unwrap();
    write("bob_group_epoch1.bin", &b.to_bytes());
    write("bob_group_epoch1.sealed", &b.seal(&key(), &mut rng));
    write("alice_app_epoch1.bin", &a.encrypt(TEXT.as_bytes()).unwrap().to_bytes());
    let c2 = a.self_update(&alice, NOW, &mut rng).unwrap();
    write("commit_update_epoch1.bin", &c2.commit.to_bytes());
}

#[test]
fn frozen_envelopes_decode_byte_exactly() {
    let l = MlsLimits::default();
    let kp = MlsKeyPackageEnvelope::from_bytes(&read("bob_key_package.bin"), &l).unwrap();
    assert_eq!(kp.to_bytes(), read("bob_key_package.bin"));
    let bob = DeviceIdentity::from_bytes(&read("bob_identity.bin")).unwrap();
    let v = validate_key_package(&kp, &bob.public(), NOW).unwrap();
    assert!(!v.last_resort());
    let commit = MlsMessageEnvelope::from_bytes(&read("commit_add_bob.bin"), &l).unwrap();
    assert_eq!(commit.to_bytes(), read("commit_add_bob.bin"));
    assert_eq!((commit.group_id(), commit.epoch()), (GROUP_ID, 0));
    let w = MlsWelcomeEnvelope::from_bytes(&read("welcome_bob.bin"), &l).unwrap();
    assert_eq!(w.to_bytes(), read("welcome_bob.bin"));
    let t = MlsRatchetTreeEnvelope::from_bytes(&read("tree_epoch1.bin"), &l).unwrap();
    assert_eq!(t.to_bytes(), read("tree_epoch1.bin"));
    let gi = MlsGroupInfoEnvelope::from_bytes(&read("group_info_epoch1.bin"), &l).unwrap();
    assert_eq!((gi.to_bytes(), gi.epoch()), (read("group_info_epoch1.bin"), 1));
}

#[test]
fn frozen_key_packages_join_from_the_frozen_welcome_and_tree() {
    let l = MlsLimits::default();
    let mut store = MlsKeyPackageStore::from_bytes(&read("bob_key_packages.bin"), l).unwrap();
    assert_eq!(*store.to_bytes(), read("bob_key_packages.bin"));
    let w = MlsWelcomeEnvelope::from_bytes(&read("welcome_bob.bin"), &l).unwrap();
    let t = MlsRatchetTreeEnvelope::from_bytes(&read("tree_epoch1.bin"), &l).unwrap();
    let mut b = MlsGroup::join(&mut store, &w, &t, config(), NOW).unwrap();
    assert!(store.is_empty());
    let app = read("alice_app_epoch1.bin");
    let alice = DeviceIdentity::from_bytes(&read("alice_identity.bin")).unwrap();
    match b.process(&app, NOW).unwrap() {
        MlsReceived::Application(m) => {
            assert_eq!(m.sender, alice.public());
            assert_eq!(&m.plaintext[..], TEXT.as_bytes());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn frozen_member_state_loads_and_processes() {
    for sealed in [false, true] {
        let mut b = if sealed {
            MlsGroup::unseal(&key(), &read("bob_group_epoch1.sealed"), &config()).unwrap()
        } else {
            MlsGroup::from_bytes(&read("bob_group_epoch1.bin"), config()).unwrap()
        };
        assert_eq!((b.group_id(), b.epoch(), b.member_count()), (GROUP_ID, 1, 2));
        let alice = DeviceIdentity::from_bytes(&read("alice_identity.bin")).unwrap();
        match b.process(&read("alice_app_epoch1.bin"), NOW).unwrap() {
            MlsReceived::Application(m) => {
                assert_eq!(m.sender, alice.public());
                assert_eq!(&m.plaintext[..], TEXT.as_bytes());
            }
            other => panic!("{other:?}"),
        }
        match b.process(&read("commit_update_epoch1.bin"), NOW).unwrap() {
            MlsReceived::Commit(c) => {
                assert_eq!((c.committer, c.epoch, c.own), (alice.public(), 2, false));
            }
            other => panic!("{other:?}"),
        }
    }
}
