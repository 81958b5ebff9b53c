//! Frozen upload vectors (SPEC.md §10, §17): the three upload formats, the
//! `0x1103` prekey store they came from, the stored forms and the bundle
//! assembled from them. They must keep loading byte-exactly forever.
//! Written once with `VESTNIK_REGEN_VECTORS=upload cargo test --test
//! upload_vectors generate_upload` (never overwrites).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::path::PathBuf;
use vestnik::prekey::{KemPreKeyKind, KemPreKeyPublic, OneTimePreKeyPublic, SignedPreKeyPublic};
use vestnik::upload::{UploadLimits, Validated, validate};
use vestnik::{DeviceIdentity, PeerSessions, PreKeyBundle, PreKeyStore};

const T: u64 = 1_764_000_000;
const DIR: &str = "tests/vectors/upload";

fn read(name: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(DIR).join(name)).unwrap()
}

#[test]
fn generate_upload() {
    if std::env::var("VESTNIK_REGEN_VECTORS").as_deref() != Ok("upload") {
        return;
    }
    use std::io::Write;
    let mut rng = rand::rng();
    let bob = DeviceIdentity::generate(&mut rng);
    let mut store = PreKeyStore::new(&bob, T, &mut rng);
    let spk = store.signed_prekey_upload(&bob);
    let otk = store.upload_one_time_prekeys(&bob, 3, T, &mut rng).unwrap();
    let kem = store.upload_kem_prekeys(&bob, 1, T, &mut rng).unwrap();
    let bundle = PreKeyBundle::assemble(&bob.public(), spk.prekey(), otk.keys().first(), kem.keys().first());
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(DIR);
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("bob_identity.bin", bob.to_bytes().to_vec()),
        ("bob_prekeys.bin", store.to_bytes().to_vec()),
        ("signed_prekey_upload.bin", spk.to_bytes()),
        ("one_time_batch.bin", otk.to_bytes()),
        ("kem_batch.bin", kem.to_bytes()),
        ("signed_prekey.stored", spk.prekey().to_stored_bytes()),
        ("one_time_prekey.stored", otk.keys()[0].to_stored_bytes().to_vec()),
        ("kem_prekey.stored", kem.keys()[0].to_stored_bytes()),
        ("bundle.bin", bundle.to_bytes()),
    ];
    for (name, bytes) in files {
        let mut f = std::fs::File::create_new(dir.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e} (frozen: never overwritten)"));
        f.write_all(&bytes).unwrap();
    }
}

#[test]
fn frozen_uploads_validate_and_re_encode_byte_exactly() {
    let bob = DeviceIdentity::from_bytes(&read("bob_identity.bin")).unwrap();
    let p = bob.public();
    let limits = UploadLimits::default();
    let store_bytes = read("bob_prekeys.bin");
    assert_eq!(&store_bytes[..3], [0x08, 0x83, 0x22], "PreKeyStoreState 0x1103");
    let mut store = PreKeyStore::from_bytes(&store_bytes, &p).unwrap();
    assert_eq!(store.to_bytes().as_slice(), store_bytes.as_slice());
    // The uploads the store made, and what the server keeps of them.
    let spk_bytes = read("signed_prekey_upload.bin");
    let Validated::SignedPreKey(spk) = validate(&spk_bytes, &p, T, &limits).unwrap() else { panic!() };
    assert_eq!(spk, store.signed_prekey());
    assert_eq!(store.signed_prekey_upload(&bob).to_bytes(), spk_bytes);
    assert_eq!(spk.to_stored_bytes(), read("signed_prekey.stored"));
    assert_eq!(SignedPreKeyPublic::from_stored_bytes(&read("signed_prekey.stored")).unwrap(), spk);

    let Validated::OneTimePreKeys(otks) = validate(&read("one_time_batch.bin"), &p, T, &limits).unwrap() else {
        panic!()
    };
    assert_eq!(otks, store.one_time_prekeys());
    assert_eq!(otks.len(), 3);
    assert_eq!(otks[0].to_stored_bytes().to_vec(), read("one_time_prekey.stored"));
    assert_eq!(OneTimePreKeyPublic::from_stored_bytes(&read("one_time_prekey.stored")).unwrap(), otks[0]);

    let Validated::KemPreKeys(kems) = validate(&read("kem_batch.bin"), &p, T, &limits).unwrap() else { panic!() };
    assert_eq!(kems.len(), 2);
    assert_eq!(kems[0].kind(), KemPreKeyKind::OneTime);
    assert_eq!(kems[1], store.last_resort_kem_prekey().unwrap());
    assert_eq!(kems[0].to_stored_bytes(), read("kem_prekey.stored"));
    assert_eq!(KemPreKeyPublic::from_stored_bytes(&read("kem_prekey.stored")).unwrap(), kems[0]);

    // The bundle assembled from them, byte-exactly, and a session from it.
    let bundle = PreKeyBundle::assemble(&p, &spk, otks.first(), kems.first());
    assert_eq!(bundle.to_bytes(), read("bundle.bin"));
    let checked = PreKeyBundle::from_bytes(&read("bundle.bin")).unwrap();
    let mut rng = rand::rng();
    let alice = DeviceIdentity::generate(&mut rng);
    let mut a = PeerSessions::new(p);
    a.initiate(&alice, &checked, T + 10, &mut rng).unwrap();
    let wire = a.encrypt("Исәнме!".as_bytes(), &mut rng).unwrap();
    let got = PeerSessions::new(alice.public()).decrypt(&bob, &mut store, &wire, T + 20).unwrap();
    assert_eq!(got.plaintext(), "Исәнме!".as_bytes());
}
