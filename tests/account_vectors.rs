//! ASSURANCE row 19 for accounts (SPEC.md §10, §16): the frozen version-1
//! account objects under `tests/vectors/account/` load byte-exactly forever:
//! each decodes, verifies and re-encodes to the same bytes; the frozen
//! pending link opens the frozen provisioning message into the frozen
//! version-2 list; the frozen account key (sealed) still signs. Written once
//! from a fixed seed by `VESTNIK_REGEN_VECTORS=account cargo test --test
//! account_vectors generate`, which never overwrites a file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::path::PathBuf;
use vestnik::DeviceIdentity;
use vestnik::account::*;
use vestnik::safety_number::SafetyNumber;
use vestnik::storage::{Sealable, StorageKey};

const T0: u64 = 1_764_000_000;
const STORAGE_KEY: [u8; 32] = [0x42; 32];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/account")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn generate() {
    use rand::SeedableRng;
    if std::env::var("VESTNIK_REGEN_VECTORS").as_deref() != Ok("account") {
        return;
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x6163_636f_756e_7401); // "account"
    let limits = AccountLimits::default();
    let phone = DeviceIdentity::generate(&mut rng);
    let tablet = DeviceIdentity::generate(&mut rng);
    let (account, v1) = AccountKey::create(&phone.public(), T0, &mut rng).unwrap();
    let (pending, code) = PendingLink::new(&tablet.public(), T0, 300, &mut rng);
    let pending_bytes = pending.to_bytes().to_vec();
    let p = account
        .provision(
            &phone.public(),
            &v1,
            &code,
            &ProvisionOptions::new().with_name_hash([0x11; 32]),
            T0 + 10,
            &limits,
            &mut rng,
        )
        .unwrap();
    let mut tracker = DeviceListTracker::new(account.public());
    tracker.observe(v1.clone()).unwrap();
    tracker.observe(p.list().clone()).unwrap();
    let (peer, _) = AccountKey::create(&DeviceIdentity::generate(&mut rng).public(), T0, &mut rng).unwrap();
    let sn = SafetyNumber::for_accounts(&account.public(), &peer.public());
    let key = StorageKey::from_bytes(STORAGE_KEY);
    std::fs::create_dir_all(dir()).unwrap();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("phone_identity.bin", phone.to_bytes().to_vec()),
        ("tablet_identity.bin", tablet.to_bytes().to_vec()),
        ("account_key.sealed", account.seal(&key, &mut rng)),
        ("device_list_v1.bin", v1.to_bytes().to_vec()),
        ("device_list_v2.bin", p.list().to_bytes().to_vec()),
        ("linking_code.bin", code.to_bytes().to_vec()),
        ("pending_link.bin", pending_bytes),
        ("provisioning.bin", p.message().to_vec()),
        ("tracker.bin", tracker.to_bytes()),
        ("peer_account.bin", peer.public().as_bytes().to_vec()),
        ("safety_number.txt", sn.display().as_bytes().to_vec()),
    ];
    for (name, bytes) in files {
        use std::io::Write;
        let mut f = std::fs::File::create_new(dir().join(name))
            .unwrap_or_else(|e| panic!("{name}: {e} (frozen: never overwritten)"));
        f.write_all(&bytes).unwrap();
    }
}

#[test]
fn frozen_account_vectors_load_byte_exactly_and_still_work() {
    let limits = AccountLimits::default();
    let phone = DeviceIdentity::from_bytes(&read("phone_identity.bin")).unwrap();
    let tablet = DeviceIdentity::from_bytes(&read("tablet_identity.bin")).unwrap();
    let key = StorageKey::from_bytes(STORAGE_KEY);
    let account = AccountKey::unseal(&key, &read("account_key.sealed"), &()).unwrap();

    let v1_bytes = read("device_list_v1.bin");
    let v1 = DeviceList::from_bytes(&v1_bytes, &limits).unwrap();
    assert_eq!(v1.to_bytes(), v1_bytes.as_slice());
    assert_eq!((v1.version(), v1.issued_at(), v1.account()), (1, T0, &account.public()));
    assert_eq!(v1.devices().len(), 1);
    assert_eq!(v1.primary().unwrap().identity(), &phone.public());

    let v2_bytes = read("device_list_v2.bin");
    let v2 = DeviceList::from_bytes(&v2_bytes, &limits).unwrap();
    assert_eq!(v2.to_bytes(), v2_bytes.as_slice());
    assert_eq!(v2.version(), 2);
    let entry = v2.entry(&tablet.public()).unwrap();
    assert_eq!((entry.device_id(), entry.added_at(), entry.name_hash()), (2, T0 + 10, Some(&[0x11; 32])));

    let code_bytes = read("linking_code.bin");
    let code = LinkingCode::from_bytes(&code_bytes).unwrap();
    assert_eq!(code.to_bytes().as_slice(), code_bytes.as_slice());
    assert_eq!((code.device(), code.expires_at()), (&tablet.public(), T0 + 300));

    let pending_bytes = read("pending_link.bin");
    let mut pending = PendingLink::from_bytes(&pending_bytes).unwrap();
    assert_eq!(pending.to_bytes().as_slice(), pending_bytes.as_slice());
    assert_eq!(pending.code_hash(), &code.code_hash());
    let prov = read("provisioning.bin");
    let header = ProvisioningHeader::read(&prov, &limits).unwrap();
    assert_eq!((header.code_hash(), header.sender()), (&code.code_hash(), &phone.public()));
    let linked = pending.accept(&prov, T0 + 11, &limits).unwrap();
    assert_eq!(linked.list().unwrap().to_bytes(), v2_bytes.as_slice());
    assert_eq!(pending.accept(&prov, T0 + 11, &limits).unwrap_err(), AccountError::Duplicate);

    let tracker_bytes = read("tracker.bin");
    let mut tracker = DeviceListTracker::from_bytes(&tracker_bytes, &limits).unwrap();
    assert_eq!(tracker.to_bytes(), tracker_bytes);
    assert_eq!(tracker.current(), Some(&v2));
    assert_eq!(tracker.observe(v1.clone()), Err(AccountError::Rollback { version: 1, current: 2 }));

    let peer = AccountPublic::from_bytes(&read("peer_account.bin")).unwrap();
    let sn = SafetyNumber::for_accounts(&account.public(), &peer);
    assert_eq!(sn.display().as_bytes(), read("safety_number.txt").as_slice());

    // The frozen account key still signs the next list.
    let v3 = account.remove_device(&v2, &tablet.public(), T0 + 20).unwrap();
    assert_eq!(
        tracker.observe(v3).unwrap(),
        DeviceListUpdate::Changed(DeviceDelta { added: vec![], removed: vec![tablet.public()] })
    );
}
