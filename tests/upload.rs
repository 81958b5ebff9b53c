//! Upload formats, the server's `validate`, stored forms, bundle assembly
//! and the prekey lifecycle (SPEC.md §17; issue 17 part A).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

mod common;
#[path = "common/encoding.rs"]
mod encoding;

use common::pb::upload as pb;
use prost::Message;
use vestnik::limits::{HandshakePolicy, MAX_ONE_TIME_PREKEYS, SIGNED_PREKEY_GRACE_SECS};
use vestnik::prekey::{BundleError, KemPreKeyKind, OneTimePreKeyPublic, SignedPreKeyPublic};
use vestnik::upload::{
    KemPreKeyBatch, MAX_UPLOAD_BATCH, OneTimePreKeyBatch, PreKeySchedule, SignedPreKeyUpload, UploadError,
    UploadLimits, Validated, validate,
};
use vestnik::wire::{DecodeError, format};
use vestnik::{DeviceIdentity, PeerSessions, PreKeyBundle, PreKeyStore, SessionLimits};

const NOW: u64 = 1_750_000_000;
const DAY: u64 = 24 * 3600;

fn limits() -> UploadLimits {
    UploadLimits::default()
}

struct Bob {
    id: DeviceIdentity,
    store: PreKeyStore,
}

fn bob() -> Bob {
    let id = DeviceIdentity::generate(&mut rand::rng());
    let store = PreKeyStore::new(&id, NOW, &mut rand::rng());
    Bob { id, store }
}

fn one_time(bytes: &[u8], who: &DeviceIdentity) -> Result<Vec<OneTimePreKeyPublic>, UploadError> {
    match validate(bytes, &who.public(), NOW, &limits())? {
        Validated::OneTimePreKeys(k) => Ok(k),
        other => panic!("{other:?}"),
    }
}

fn signed(bytes: &[u8], who: &DeviceIdentity) -> Result<SignedPreKeyPublic, UploadError> {
    match validate(bytes, &who.public(), NOW, &limits())? {
        Validated::SignedPreKey(k) => Ok(k),
        other => panic!("{other:?}"),
    }
}

fn kem(bytes: &[u8], who: &DeviceIdentity) -> Result<Vec<vestnik::prekey::KemPreKeyPublic>, UploadError> {
    match validate(bytes, &who.public(), NOW, &limits())? {
        Validated::KemPreKeys(k) => Ok(k),
        other => panic!("{other:?}"),
    }
}

fn edit_batch(bytes: &[u8], f: impl FnOnce(&mut pb::OneTimePreKeyBatch)) -> Vec<u8> {
    let mut m = pb::OneTimePreKeyBatch::decode(bytes).unwrap();
    f(&mut m);
    m.encode_to_vec()
}

fn edit_signed(bytes: &[u8], f: impl FnOnce(&mut pb::SignedPreKeyUpload)) -> Vec<u8> {
    let mut m = pb::SignedPreKeyUpload::decode(bytes).unwrap();
    f(&mut m);
    m.encode_to_vec()
}

fn edit_kem(bytes: &[u8], f: impl FnOnce(&mut pb::KemPreKeyBatch)) -> Vec<u8> {
    let mut m = pb::KemPreKeyBatch::decode(bytes).unwrap();
    f(&mut m);
    m.encode_to_vec()
}

/// A valid X25519 public key that is not in the batch.
fn other_key() -> Vec<u8> {
    let id = DeviceIdentity::generate(&mut rand::rng());
    id.public().dh_key().as_bytes().to_vec()
}

// ---- round trips ----------------------------------------------------------

#[test]
fn every_upload_round_trips_through_validate() {
    let mut b = bob();
    let spk = signed(&b.store.signed_prekey_upload(&b.id).to_bytes(), &b.id).unwrap();
    assert_eq!(spk, b.store.signed_prekey());

    let batch = b.store.upload_one_time_prekeys(&b.id, 100, NOW, &mut rand::rng()).unwrap();
    assert_eq!(batch.keys().len(), 100);
    assert_eq!(batch.created_at(), NOW);
    let keys = one_time(&batch.to_bytes(), &b.id).unwrap();
    assert_eq!(keys, b.store.one_time_prekeys());

    let kb = b.store.upload_kem_prekeys(&b.id, 10, NOW, &mut rand::rng()).unwrap();
    let ks = kem(&kb.to_bytes(), &b.id).unwrap();
    assert_eq!(ks.len(), 11);
    assert_eq!(ks.iter().filter(|k| k.kind() == KemPreKeyKind::LastResort).count(), 1);
    assert_eq!(ks[10], b.store.last_resort_kem_prekey().unwrap());
    assert_eq!(&ks[..10], &b.store.kem_prekeys()[..]);
}

#[test]
fn encodings_are_strict_and_stable() {
    let mut b = bob();
    let batch = b.store.upload_one_time_prekeys(&b.id, 3, NOW, &mut rand::rng()).unwrap().to_bytes();
    assert_eq!(&batch[..4], [0x08, 0x81, 0xa2, 0x02], "format 0x9101 first");
    // Non-canonical variants (duplicate, unknown fields, long varints) are refused.
    for (what, v) in encoding::variants(&batch) {
        assert!(validate(&v, &b.id.public(), NOW, &limits()).is_err(), "{what}");
    }
}

// ---- binding to the device ------------------------------------------------

#[test]
fn another_devices_keys_are_refused() {
    let mut b = bob();
    let mallory = DeviceIdentity::generate(&mut rand::rng());
    let mut m_store = PreKeyStore::new(&mallory, NOW, &mut rand::rng());
    let batch = b.store.upload_one_time_prekeys(&b.id, 5, NOW, &mut rand::rng()).unwrap().to_bytes();
    let spk = b.store.signed_prekey_upload(&b.id).to_bytes();
    let kb = b.store.upload_kem_prekeys(&b.id, 2, NOW, &mut rand::rng()).unwrap().to_bytes();
    // Bob's uploads on Mallory's connection.
    for up in [&batch, &spk, &kb] {
        assert_eq!(validate(up, &mallory.public(), NOW, &limits()), Err(UploadError::WrongDevice));
    }
    // Bob's uploads relabelled as Mallory's: the signature does not verify.
    let mk = mallory.public().signing_key().as_bytes().to_vec();
    assert_eq!(
        one_time(&edit_batch(&batch, |m| m.identity_key = mk.clone()), &mallory),
        Err(UploadError::BadSignature)
    );
    assert_eq!(signed(&edit_signed(&spk, |m| m.identity_key = mk.clone()), &mallory), Err(UploadError::BadSignature));
    assert!(matches!(
        kem(&edit_kem(&kb, |m| m.identity_key = mk.clone()), &mallory),
        Err(UploadError::BadKemSignatures(v)) if v == vec![0, 1, 2]
    ));
    // Mallory's keys under Bob's name: refused too.
    let m_batch = m_store.upload_one_time_prekeys(&mallory, 5, NOW, &mut rand::rng()).unwrap().to_bytes();
    let bk = b.id.public().signing_key().as_bytes().to_vec();
    assert_eq!(one_time(&edit_batch(&m_batch, |m| m.identity_key = bk.clone()), &b.id), Err(UploadError::BadSignature));
}

// ---- every field tampered -------------------------------------------------

#[test]
fn every_field_of_a_one_time_batch_is_covered() {
    let mut b = bob();
    let batch = b.store.upload_one_time_prekeys(&b.id, 4, NOW, &mut rand::rng()).unwrap().to_bytes();
    assert!(one_time(&batch, &b.id).is_ok());
    let bad_sig = Err(UploadError::BadSignature);
    assert_eq!(one_time(&edit_batch(&batch, |m| m.created_at -= 1), &b.id), bad_sig);
    assert_eq!(one_time(&edit_batch(&batch, |m| m.keys[2].id += 1000), &b.id), bad_sig);
    assert_eq!(one_time(&edit_batch(&batch, |m| m.keys[1].key = other_key()), &b.id), bad_sig);
    assert_eq!(one_time(&edit_batch(&batch, |m| m.keys.swap(0, 3)), &b.id), bad_sig);
    assert_eq!(one_time(&edit_batch(&batch, |m| drop(m.keys.pop())), &b.id), bad_sig);
    assert_eq!(one_time(&edit_batch(&batch, |m| m.signature[0] ^= 1), &b.id), bad_sig);
    assert_eq!(one_time(&edit_batch(&batch, |m| m.identity_key[0] ^= 1), &b.id), Err(UploadError::WrongDevice));
    assert!(matches!(
        one_time(&edit_batch(&batch, |m| m.signature.truncate(63)), &b.id),
        Err(UploadError::Decode(DecodeError::WrongLength { .. }))
    ));
    assert!(matches!(
        one_time(&edit_batch(&batch, |m| m.keys[0].key.truncate(31)), &b.id),
        Err(UploadError::BadKey { .. }) | Err(UploadError::Decode(_))
    ));
}

#[test]
fn every_field_of_a_signed_prekey_upload_is_covered() {
    let b = bob();
    let spk = b.store.signed_prekey_upload(&b.id).to_bytes();
    assert!(signed(&spk, &b.id).is_ok());
    let bad_sig = Err(UploadError::BadSignature);
    assert_eq!(signed(&edit_signed(&spk, |m| m.id += 1), &b.id), bad_sig);
    assert_eq!(signed(&edit_signed(&spk, |m| m.created_at += 1), &b.id), bad_sig);
    assert_eq!(signed(&edit_signed(&spk, |m| m.key = other_key()), &b.id), bad_sig);
    assert_eq!(signed(&edit_signed(&spk, |m| m.signature[5] ^= 4), &b.id), bad_sig);
    assert_eq!(signed(&edit_signed(&spk, |m| m.identity_key[31] ^= 1), &b.id), Err(UploadError::WrongDevice));
    assert_eq!(signed(&edit_signed(&spk, |m| m.id = 0), &b.id), Err(UploadError::ReservedId));
    for k in common::bad_x25519_keys() {
        assert!(matches!(signed(&edit_signed(&spk, |m| m.key = k.to_vec()), &b.id), Err(UploadError::BadKey { .. })));
    }
}

#[test]
fn every_field_of_a_kem_batch_is_covered() {
    let mut b = bob();
    let kb = b.store.upload_kem_prekeys(&b.id, 3, NOW, &mut rand::rng()).unwrap().to_bytes();
    assert!(kem(&kb, &b.id).is_ok());
    let bad = |i: usize| Err(UploadError::BadKemSignatures(vec![i]));
    assert_eq!(kem(&edit_kem(&kb, |m| m.keys[1].id += 1000), &b.id), bad(1));
    assert_eq!(kem(&edit_kem(&kb, |m| m.keys[2].created_at += 1), &b.id), bad(2));
    assert_eq!(kem(&edit_kem(&kb, |m| m.keys[0].signature[9] ^= 1), &b.id), bad(0));
    // A last-resort key relabelled one-time (or the reverse) fails its signature.
    assert_eq!(kem(&edit_kem(&kb, |m| m.keys[3].kind = 1), &b.id), bad(3));
    assert_eq!(kem(&edit_kem(&kb, |m| m.keys[0].kind = 2), &b.id), Err(UploadError::KemKind));
    assert_eq!(kem(&edit_kem(&kb, |m| m.keys[0].kind = 3), &b.id), Err(UploadError::KemKind));
    // Another valid KEM key in place of one: the signature fails.
    let other = PreKeyStore::new(&b.id, NOW, &mut rand::rng()).last_resort_kem_prekey().unwrap();
    assert_eq!(kem(&edit_kem(&kb, |m| m.keys[1].key = other.key().as_bytes().to_vec()), &b.id), bad(1));
    // A key failing the FIPS 203 modulus check.
    let id1 = kem(&kb, &b.id).unwrap()[1].id();
    assert_eq!(kem(&edit_kem(&kb, |m| m.keys[1].key[0..2].fill(0xff)), &b.id), Err(UploadError::BadKey { id: id1 }));
    assert_eq!(kem(&edit_kem(&kb, |m| m.keys[1].id = 0), &b.id), Err(UploadError::ReservedId));
    let dup = kem(&kb, &b.id).unwrap()[0].id();
    assert_eq!(kem(&edit_kem(&kb, |m| m.keys[2].id = dup), &b.id), Err(UploadError::DuplicateId(dup)));
}

// ---- counts, ids and keys -------------------------------------------------

#[test]
fn one_time_batch_at_max_and_max_plus_one() {
    let mut b = bob();
    let at_max = b.store.upload_one_time_prekeys(&b.id, MAX_UPLOAD_BATCH, NOW, &mut rand::rng()).unwrap().to_bytes();
    assert_eq!(one_time(&at_max, &b.id).unwrap().len(), MAX_UPLOAD_BATCH);
    // The device refuses to make MAX+1 (store unchanged); a crafted one is refused.
    let before = b.store.to_bytes();
    assert_eq!(
        b.store.upload_one_time_prekeys(&b.id, MAX_UPLOAD_BATCH + 1, NOW, &mut rand::rng()).err(),
        Some(BundleError::BatchSize { count: MAX_UPLOAD_BATCH + 1, max: MAX_UPLOAD_BATCH })
    );
    assert_eq!(b.store.upload_one_time_prekeys(&b.id, 0, NOW, &mut rand::rng()).err().map(|_| ()), Some(()));
    assert_eq!(b.store.to_bytes(), before);
    let plus_one = edit_batch(&at_max, |m| {
        let mut extra = m.keys[0].clone();
        extra.id = 1_000_000;
        m.keys.push(extra);
    });
    assert_eq!(
        one_time(&plus_one, &b.id),
        Err(UploadError::BatchSize { count: MAX_UPLOAD_BATCH + 1, max: MAX_UPLOAD_BATCH })
    );
    let empty = edit_batch(&at_max, |m| m.keys.clear());
    assert_eq!(one_time(&empty, &b.id), Err(UploadError::BatchSize { count: 0, max: MAX_UPLOAD_BATCH }));
    // A configured cap: at it and past it.
    let small = UploadLimits::default().with_max_one_time_batch(10);
    let ten = b.store.upload_one_time_prekeys(&b.id, 10, NOW, &mut rand::rng()).unwrap().to_bytes();
    let eleven = b.store.upload_one_time_prekeys(&b.id, 11, NOW, &mut rand::rng()).unwrap().to_bytes();
    assert!(validate(&ten, &b.id.public(), NOW, &small).is_ok());
    assert_eq!(validate(&eleven, &b.id.public(), NOW, &small), Err(UploadError::BatchSize { count: 11, max: 10 }));
    // Far past the cap: refused by the count scan before decoding.
    let flood = edit_batch(&at_max, |m| {
        let e = m.keys[0].clone();
        m.keys.extend(std::iter::repeat_n(e, 20));
    });
    assert!(matches!(validate(&flood, &b.id.public(), NOW, &small), Err(UploadError::Decode(_))));
}

#[test]
fn kem_batch_at_max_and_max_plus_one() {
    let mut b = bob();
    let small = UploadLimits::default().with_max_kem_batch(3);
    let three = b.store.upload_kem_prekeys(&b.id, 3, NOW, &mut rand::rng()).unwrap().to_bytes();
    let four = b.store.upload_kem_prekeys(&b.id, 4, NOW, &mut rand::rng()).unwrap().to_bytes();
    assert!(validate(&three, &b.id.public(), NOW, &small).is_ok());
    assert_eq!(validate(&four, &b.id.public(), NOW, &small), Err(UploadError::BatchSize { count: 5, max: 4 }));
    // Two last-resort keys in one batch.
    let two_lr = edit_kem(&three, |m| {
        let lr = m.keys[3].clone();
        m.keys[0] = lr;
        m.keys[0].id = 999;
    });
    assert_eq!(validate(&two_lr, &b.id.public(), NOW, &small), Err(UploadError::KemKind));
    // A classical store with no KEM prekey cannot make an empty batch.
    let mut classical = PreKeyStore::new_classical(&b.id, NOW, &mut rand::rng());
    assert!(matches!(
        classical.upload_kem_prekeys(&b.id, 0, NOW, &mut rand::rng()),
        Err(BundleError::BatchSize { count: 0, .. })
    ));
    // Just the last-resort key: a batch of one.
    let lr_only = b.store.upload_kem_prekeys(&b.id, 0, NOW, &mut rand::rng()).unwrap();
    assert_eq!(kem(&lr_only.to_bytes(), &b.id).unwrap().len(), 1);
}

#[test]
fn duplicate_ids_and_id_zero_are_refused() {
    let mut b = bob();
    let batch = b.store.upload_one_time_prekeys(&b.id, 5, NOW, &mut rand::rng()).unwrap().to_bytes();
    let dup = edit_batch(&batch, |m| m.keys[3].id = m.keys[1].id);
    let id = pb::OneTimePreKeyBatch::decode(&batch[..]).unwrap().keys[1].id;
    assert_eq!(one_time(&dup, &b.id), Err(UploadError::DuplicateId(id)));
    assert_eq!(one_time(&edit_batch(&batch, |m| m.keys[4].id = 0), &b.id), Err(UploadError::ReservedId));
}

#[test]
fn low_order_and_non_canonical_keys_are_refused_at_upload() {
    let mut b = bob();
    let batch = b.store.upload_one_time_prekeys(&b.id, 5, NOW, &mut rand::rng()).unwrap().to_bytes();
    let id = pb::OneTimePreKeyBatch::decode(&batch[..]).unwrap().keys[2].id;
    for k in common::bad_x25519_keys() {
        assert_eq!(
            one_time(&edit_batch(&batch, |m| m.keys[2].key = k.to_vec()), &b.id),
            Err(UploadError::BadKey { id }),
            "{}",
            hex::encode(k)
        );
    }
}

#[test]
fn upload_times_are_bounded() {
    let mut b = bob();
    let batch = b.store.upload_one_time_prekeys(&b.id, 2, NOW, &mut rand::rng()).unwrap().to_bytes();
    let l = limits();
    assert!(validate(&batch, &b.id.public(), NOW - l.max_clock_skew_secs, &l).is_ok());
    assert_eq!(
        validate(&batch, &b.id.public(), NOW - l.max_clock_skew_secs - 1, &l),
        Err(UploadError::FromTheFuture { created_at: NOW, now: NOW - l.max_clock_skew_secs - 1 })
    );
    assert!(validate(&batch, &b.id.public(), NOW + l.max_upload_age_secs, &l).is_ok());
    assert_eq!(
        validate(&batch, &b.id.public(), NOW + l.max_upload_age_secs + 1, &l),
        Err(UploadError::TooOld { created_at: NOW, now: NOW + l.max_upload_age_secs + 1 })
    );
}

#[test]
fn validate_refuses_what_is_not_an_upload() {
    let mut b = bob();
    let bundle = b.store.bundle(&b.id, None).to_bytes();
    assert_eq!(validate(&bundle, &b.id.public(), NOW, &limits()), Err(UploadError::NotAnUpload(format::PREKEY_BUNDLE)));
    assert_eq!(validate(&[], &b.id.public(), NOW, &limits()), Err(UploadError::NotAnUpload(0)));
    let state = b.store.to_bytes();
    assert_eq!(validate(&state, &b.id.public(), NOW, &limits()), Err(UploadError::NotAnUpload(format::STATE_PREKEYS)));
    // A later version of each upload format.
    let batch = b.store.upload_one_time_prekeys(&b.id, 2, NOW, &mut rand::rng()).unwrap().to_bytes();
    let spk = b.store.signed_prekey_upload(&b.id).to_bytes();
    let kb = b.store.upload_kem_prekeys(&b.id, 1, NOW, &mut rand::rng()).unwrap().to_bytes();
    for (bytes, f) in [
        (edit_batch(&batch, |m| m.format += 1), format::ONE_TIME_PREKEY_BATCH),
        (edit_signed(&spk, |m| m.format += 1), format::SIGNED_PREKEY_UPLOAD),
        (edit_kem(&kb, |m| m.format += 1), format::KEM_PREKEY_BATCH),
    ] {
        assert_eq!(
            validate(&bytes, &b.id.public(), NOW, &limits()),
            Err(UploadError::Decode(DecodeError::UnsupportedVersion { found: f + 1, expected: f }))
        );
    }
    // Each per-format validator refuses the others' uploads.
    let p = b.id.public();
    assert!(matches!(
        SignedPreKeyUpload::validate(&batch, &p, NOW, &limits()),
        Err(UploadError::Decode(DecodeError::WrongType { .. }))
    ));
    assert!(matches!(
        OneTimePreKeyBatch::validate(&kb, &p, NOW, &limits()),
        Err(UploadError::Decode(DecodeError::WrongType { .. }))
    ));
    assert!(matches!(
        KemPreKeyBatch::validate(&spk, &p, NOW, &limits()),
        Err(UploadError::Decode(DecodeError::WrongType { .. }))
    ));
}

#[test]
fn device_lists_must_list_the_uploader() {
    use vestnik::account::AccountKey;
    let mut rng = rand::rng();
    let b = bob();
    let stranger = DeviceIdentity::generate(&mut rng);
    let (_account, list) = AccountKey::create(&b.id.public(), NOW, &mut rng).unwrap();
    let bytes = list.to_bytes().to_vec();
    match validate(&bytes, &b.id.public(), NOW, &limits()).unwrap() {
        Validated::DeviceList(l) => assert!(l.contains(&b.id.public())),
        other => panic!("{other:?}"),
    }
    assert_eq!(validate(&bytes, &stranger.public(), NOW, &limits()), Err(UploadError::WrongDevice));
    let mut tampered = bytes.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert!(matches!(validate(&tampered, &b.id.public(), NOW, &limits()), Err(UploadError::DeviceList(_))));
}

#[cfg(feature = "mls")]
#[test]
fn mls_key_packages_must_be_the_uploaders() {
    use vestnik::mls::{MlsKeyPackageStore, MlsLimits, MlsSuite};
    let mut rng = rand::rng();
    let b = bob();
    let stranger = DeviceIdentity::generate(&mut rng);
    let mut store = MlsKeyPackageStore::new(MlsLimits::default());
    let kp = store.generate(&b.id, MlsSuite::default(), NOW, false, &mut rng).unwrap().to_bytes();
    match validate(&kp, &b.id.public(), NOW, &limits()).unwrap() {
        Validated::MlsKeyPackage(k) => assert_eq!(k.identity(), &b.id.public()),
        other => panic!("{other:?}"),
    }
    assert_eq!(validate(&kp, &stranger.public(), NOW, &limits()), Err(UploadError::WrongDevice));
}

// ---- stored forms and bundle assembly -------------------------------------

#[test]
fn stored_forms_round_trip_and_are_checked() {
    let mut b = bob();
    let spk = b.store.signed_prekey();
    let s = spk.to_stored_bytes();
    assert_eq!(s.len(), vestnik::upload::SIGNED_PREKEY_STORED_LEN);
    assert_eq!(SignedPreKeyPublic::from_stored_bytes(&s).unwrap(), spk);
    assert!(SignedPreKeyPublic::from_stored_bytes(&s[..107]).is_err());
    let mut zero = s.clone();
    zero[..4].fill(0);
    assert_eq!(SignedPreKeyPublic::from_stored_bytes(&zero), Err(UploadError::ReservedId));
    let mut low = s.clone();
    low[12..44].fill(0);
    assert!(matches!(SignedPreKeyPublic::from_stored_bytes(&low), Err(UploadError::BadKey { .. })));

    let otk = b.store.upload_one_time_prekeys(&b.id, 1, NOW, &mut rand::rng()).unwrap().keys()[0];
    let o = otk.to_stored_bytes();
    assert_eq!(OneTimePreKeyPublic::from_stored_bytes(&o).unwrap(), otk);
    assert!(OneTimePreKeyPublic::from_stored_bytes(&o[..35]).is_err());
    for k in common::bad_x25519_keys() {
        let mut bad = o;
        bad[4..].copy_from_slice(&k);
        assert!(matches!(OneTimePreKeyPublic::from_stored_bytes(&bad), Err(UploadError::BadKey { .. })));
    }

    let k = b.store.last_resort_kem_prekey().unwrap();
    let ks = k.to_stored_bytes();
    assert_eq!(ks.len(), vestnik::upload::KEM_PREKEY_STORED_LEN);
    assert_eq!(vestnik::prekey::KemPreKeyPublic::from_stored_bytes(&ks).unwrap(), k);
    let mut bad_kind = ks.clone();
    bad_kind[0] = 7;
    assert_eq!(vestnik::prekey::KemPreKeyPublic::from_stored_bytes(&bad_kind), Err(UploadError::KemKind));
    assert!(vestnik::prekey::KemPreKeyPublic::from_stored_bytes(&ks[1..]).is_err());
}

fn start_session(alice: &DeviceIdentity, b: &mut Bob, bundle: &PreKeyBundle, classical: bool) {
    let mut rng = rand::rng();
    let checked = PreKeyBundle::from_bytes(&bundle.to_bytes()).unwrap();
    assert_eq!(&checked, bundle);
    let mut limits = SessionLimits::default();
    if classical {
        limits.handshake_policy = HandshakePolicy::AcceptClassical;
    }
    let mut a = PeerSessions::with_limits(b.id.public(), limits);
    a.initiate(alice, &checked, NOW, &mut rng).unwrap();
    let wire = a.encrypt("Сәлам, Бүләк!".as_bytes(), &mut rng).unwrap();
    let mut at_b = PeerSessions::with_limits(alice.public(), limits);
    let got = at_b.decrypt(&b.id, &mut b.store, &wire, NOW).unwrap();
    assert_eq!(got.plaintext(), "Сәлам, Бүләк!".as_bytes());
}

#[test]
fn assembled_bundles_verify_and_start_sessions() {
    let mut rng = rand::rng();
    let alice = DeviceIdentity::generate(&mut rng);
    let mut b = bob();
    let p = b.id.public();
    // What the server kept at upload, in its stored forms.
    let spk = signed(&b.store.signed_prekey_upload(&b.id).to_bytes(), &b.id).unwrap().to_stored_bytes();
    let otks: Vec<[u8; 36]> =
        one_time(&b.store.upload_one_time_prekeys(&b.id, 3, NOW, &mut rng).unwrap().to_bytes(), &b.id)
            .unwrap()
            .iter()
            .map(|k| k.to_stored_bytes())
            .collect();
    let kems: Vec<Vec<u8>> = kem(&b.store.upload_kem_prekeys(&b.id, 2, NOW, &mut rng).unwrap().to_bytes(), &b.id)
        .unwrap()
        .iter()
        .map(|k| k.to_stored_bytes())
        .collect();
    let spk = SignedPreKeyPublic::from_stored_bytes(&spk).unwrap();
    let otk = |i: usize| OneTimePreKeyPublic::from_stored_bytes(&otks[i]).unwrap();
    let kp = |i: usize| vestnik::prekey::KemPreKeyPublic::from_stored_bytes(&kems[i]).unwrap();

    // Post-quantum, with a one-time KEM prekey; then with the last-resort one.
    let bundle = PreKeyBundle::assemble(&p, &spk, Some(&otk(0)), Some(&kp(0)));
    assert!(bundle.is_post_quantum());
    assert_eq!(&bundle.to_bytes()[..2], [0x08, 0x82]);
    start_session(&alice, &mut b, &bundle, false);
    let last_resort = kp(2);
    assert_eq!(last_resort.kind(), KemPreKeyKind::LastResort);
    start_session(&alice, &mut b, &PreKeyBundle::assemble(&p, &spk, Some(&otk(1)), Some(&last_resort)), false);
    // No one-time prekey left on the server: still a session.
    start_session(&alice, &mut b, &PreKeyBundle::assemble(&p, &spk, None, Some(&last_resort)), false);
    // Classical (version 1): no KEM prekey, under the transition policy.
    let classical = PreKeyBundle::assemble(&p, &spk, Some(&otk(2)), None);
    assert!(!classical.is_post_quantum());
    start_session(&alice, &mut b, &classical, true);
    // A part of another device: the client refuses the bundle.
    let mallory = DeviceIdentity::generate(&mut rng);
    let wrong = PreKeyBundle::assemble(&mallory.public(), &spk, None, Some(&last_resort));
    assert!(PreKeyBundle::from_bytes(&wrong.to_bytes()).is_err());
}

// ---- lifecycle ------------------------------------------------------------

#[test]
fn maintenance_follows_the_default_schedule() {
    let mut rng = rand::rng();
    let mut b = bob();
    let sched = PreKeySchedule::default();
    let plan = b.store.maintenance(NOW, &sched);
    assert_eq!(plan.one_time_to_generate, 100);
    assert_eq!(plan.kem_to_generate, 100);
    assert!(!plan.rotate_signed_prekey && !plan.rotate_last_resort_kem && !plan.expire_previous);
    let up = b.store.run_maintenance(&b.id, NOW, &sched, &mut rng).unwrap();
    assert!(up.signed_prekey.is_none());
    assert_eq!(one_time(&up.one_time.unwrap().to_bytes(), &b.id).unwrap().len(), 100);
    assert_eq!(kem(&up.kem.unwrap().to_bytes(), &b.id).unwrap().len(), 101);
    assert!(b.store.maintenance(NOW, &sched).is_idle());
    // 81 hand-outs reported: below the low water mark of 20, top up to 100.
    let ids: Vec<u32> = b.store.one_time_prekeys().iter().take(81).map(|k| k.id()).collect();
    assert_eq!(b.store.remove_one_time_prekeys(&ids), 81);
    assert_eq!(b.store.remove_one_time_prekeys(&ids), 0);
    assert_eq!(b.store.one_time_prekeys_remaining(), 19);
    assert_eq!(b.store.maintenance(NOW, &sched).one_time_to_generate, 81);
    // A week later the signed prekey and the last-resort KEM prekey rotate.
    let week = NOW + sched.signed_prekey_rotation_secs;
    assert_eq!(b.store.signed_prekey_age(week), sched.signed_prekey_rotation_secs);
    let plan = b.store.maintenance(week, &sched);
    assert!(plan.rotate_signed_prekey && plan.rotate_last_resort_kem);
    let old = b.store.signed_prekey();
    let up = b.store.run_maintenance(&b.id, week, &sched, &mut rng).unwrap();
    let new = match validate(&up.signed_prekey.unwrap().to_bytes(), &b.id.public(), week, &limits()).unwrap() {
        Validated::SignedPreKey(k) => k,
        other => panic!("{other:?}"),
    };
    assert_ne!(new, old);
    assert_eq!(b.store.signed_prekey(), new);
    assert_eq!(b.store.signed_prekey_age(week), 0);
}

#[test]
fn pruning_by_age_and_the_grace_period() {
    let mut rng = rand::rng();
    let alice = DeviceIdentity::generate(&mut rng);
    let mut b = bob();
    b.store.upload_one_time_prekeys(&b.id, 10, NOW, &mut rng).unwrap();
    b.store.upload_one_time_prekeys(&b.id, 5, NOW + 10 * DAY, &mut rng).unwrap();
    assert_eq!(b.store.prune_one_time_prekeys_older_than(NOW + 10 * DAY, 10 * DAY), 0);
    assert_eq!(b.store.prune_one_time_prekeys_older_than(NOW + 10 * DAY + 1, 10 * DAY), 10);
    assert_eq!(b.store.one_time_prekeys_remaining(), 5);
    // Keys of unknown age are stamped at the first prune, pruned max_age after.
    b.store.generate_one_time_prekeys(3, &mut rng).unwrap();
    assert_eq!(b.store.prune_one_time_prekeys_older_than(NOW + 100 * DAY, DAY), 5);
    assert_eq!(b.store.one_time_prekeys_remaining(), 3);
    assert_eq!(b.store.prune_one_time_prekeys_older_than(NOW + 101 * DAY, DAY), 0);
    assert_eq!(b.store.prune_one_time_prekeys_older_than(NOW + 101 * DAY + 1, DAY), 3);
    // KEM one-time prekeys by age; the last-resort one stays.
    b.store.upload_kem_prekeys(&b.id, 4, NOW, &mut rng).unwrap();
    assert_eq!(b.store.prune_kem_prekeys_older_than(NOW + 2 * DAY, DAY), 4);
    assert!(b.store.last_resort_kem_prekey().is_some());

    // The previous signed prekey answers within the grace period, through
    // daily maintenance; a rotation inside it waits.
    let mut sched = PreKeySchedule::default();
    sched.signed_prekey_rotation_secs = DAY;
    sched.grace_secs = 5 * DAY;
    let old_bundle = b.store.bundle(&b.id, None);
    let t = NOW + DAY;
    b.store.run_maintenance(&b.id, t, &sched, &mut rng).unwrap();
    let rotated = b.store.signed_prekey();
    assert_ne!(rotated, *old_bundle.signed_prekey());
    for day in 1..5 {
        let plan = b.store.maintenance(t + day * DAY, &sched);
        assert!(!plan.rotate_signed_prekey && !plan.expire_previous, "day {day}");
        b.store.run_maintenance(&b.id, t + day * DAY, &sched, &mut rng).unwrap();
    }
    assert_eq!(b.store.signed_prekey(), rotated, "no rotation inside the grace period");
    start_session(&alice, &mut b, &old_bundle, false);
    // Past it, maintenance drops it (and rotates): a bundle with it no longer works.
    let late = t + 5 * DAY;
    let plan = b.store.maintenance(late, &sched);
    assert!(plan.expire_previous && plan.rotate_signed_prekey);
    b.store.run_maintenance(&b.id, late, &sched, &mut rng).unwrap();
    assert!(SIGNED_PREKEY_GRACE_SECS >= sched.grace_secs);
    let mut a = PeerSessions::new(b.id.public());
    a.initiate(&alice, &old_bundle, late, &mut rng).unwrap();
    let wire = a.encrypt(b"late", &mut rng).unwrap();
    assert!(PeerSessions::new(alice.public()).decrypt(&b.id, &mut b.store, &wire, late).is_err());
}

#[test]
fn creation_times_survive_a_reload_and_old_stores_load() {
    let mut rng = rand::rng();
    let mut b = bob();
    b.store.upload_one_time_prekeys(&b.id, 4, NOW, &mut rng).unwrap();
    let bytes = b.store.to_bytes();
    assert_eq!(&bytes[..3], [0x08, 0x83, 0x22], "format 0x1103");
    let mut again = PreKeyStore::from_bytes(&bytes, &b.id.public()).unwrap();
    assert_eq!(again.to_bytes(), bytes);
    assert_eq!(again.prune_one_time_prekeys_older_than(NOW + DAY + 1, DAY), 4);
    // A version-2 store (frozen) loads; its one-time prekeys' age is unknown.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/session/v2/");
    let id = DeviceIdentity::from_bytes(&std::fs::read(format!("{dir}bob_identity.bin")).unwrap()).unwrap();
    let v2 = std::fs::read(format!("{dir}bob_prekeys.bin")).unwrap();
    let mut old = PreKeyStore::from_bytes(&v2, &id.public()).unwrap();
    let n = old.one_time_prekeys_remaining();
    assert!(n > 0);
    assert_eq!(old.prune_one_time_prekeys_older_than(u64::MAX / 2, DAY), 0, "stamped, not pruned");
    assert_eq!(old.prune_one_time_prekeys_older_than(u64::MAX / 2 + DAY + 1, DAY), n);
    // A version-2 store may not carry creation times.
    let mut s = common::pb::state::PreKeyStoreState::decode(&v2[..]).unwrap();
    s.one_time[0].created_at = 5;
    assert!(PreKeyStore::from_bytes(&s.encode_to_vec(), &id.public()).is_err());
}

#[test]
fn a_year_of_daily_maintenance_never_fills_the_store() {
    use rand::RngExt;
    let mut rng = rand::rng();
    let mut b = bob();
    let sched = PreKeySchedule::default();
    let mut server_otks: Vec<u32> = Vec::new();
    let mut server_kems: Vec<u32> = Vec::new();
    let mut reported: Vec<(u64, u32)> = Vec::new();
    let (mut handed_out, mut rotations) = (0usize, 0usize);
    for day in 0..365u64 {
        let now = NOW + day * DAY;
        // Hand-outs: a quiet day, a busy one, or a depletion attempt.
        let n = match rng.random_range(0..10) {
            0 => 150,
            1..=3 => rng.random_range(10..60),
            _ => rng.random_range(0..5),
        };
        // Every hand-out is reported by the server; half are used by a
        // handshake at once, the rest never (acted on after a 2-day grace).
        for _ in 0..n {
            if server_otks.is_empty() {
                break;
            }
            let id = server_otks.swap_remove(rng.random_range(0..server_otks.len()));
            handed_out += 1;
            if rng.random_range(0..2) == 0 {
                b.store.remove_one_time_prekeys(&[id]);
            } else {
                reported.push((now, id));
            }
            if let Some(k) = server_kems.pop() {
                let _ = b.store.remove_kem_prekeys(&[k]);
            }
        }
        // The server's report, acted on after a 2-day grace.
        let (due, later): (Vec<_>, Vec<_>) = reported.iter().partition(|(t, _)| now >= t + 2 * DAY);
        reported = later;
        b.store.remove_one_time_prekeys(&due.iter().map(|(_, id)| *id).collect::<Vec<_>>());

        let up = b.store.run_maintenance(&b.id, now, &sched, &mut rng).unwrap();
        if let Some(s) = up.signed_prekey {
            rotations += 1;
            assert!(matches!(validate(&s.to_bytes(), &b.id.public(), now, &limits()), Ok(Validated::SignedPreKey(_))));
        }
        if let Some(batch) = up.one_time {
            match validate(&batch.to_bytes(), &b.id.public(), now, &limits()).unwrap() {
                Validated::OneTimePreKeys(k) => server_otks.extend(k.iter().map(|k| k.id())),
                other => panic!("{other:?}"),
            }
        }
        if let Some(batch) = up.kem {
            match validate(&batch.to_bytes(), &b.id.public(), now, &limits()).unwrap() {
                Validated::KemPreKeys(k) => {
                    server_kems.extend(k.iter().filter(|k| k.kind() == KemPreKeyKind::OneTime).map(|k| k.id()))
                }
                other => panic!("{other:?}"),
            }
        }
        server_otks.retain(|id| !up.pruned_one_time.contains(id));
        server_kems.retain(|id| !up.pruned_kem.contains(id));
        assert!(b.store.one_time_prekeys_remaining() <= sched.one_time_target);
        assert!(b.store.one_time_prekeys_remaining() >= sched.one_time_low_water);
        assert!(b.store.kem_prekey_count() <= sched.kem_target);
        assert!(b.store.signed_prekey_age(now) < sched.signed_prekey_rotation_secs);
        assert!(b.store.maintenance(now, &sched).is_idle(), "day {day}");
    }
    assert!(handed_out > 3_000, "{handed_out}");
    assert!((51..=53).contains(&rotations), "{rotations}");
    assert!(b.store.to_bytes().len() < vestnik::prekey::MAX_PREKEY_STATE_LEN);
}

#[test]
fn a_full_store_refuses_an_upload_and_stays_unchanged() {
    let mut rng = rand::rng();
    let mut b = bob();
    b.store.generate_one_time_prekeys(MAX_ONE_TIME_PREKEYS - 50, &mut rng).unwrap();
    let before = b.store.to_bytes();
    assert_eq!(
        b.store.upload_one_time_prekeys(&b.id, 51, NOW, &mut rng).err(),
        Some(BundleError::StoreFull { max: MAX_ONE_TIME_PREKEYS })
    );
    assert_eq!(b.store.to_bytes(), before);
    // Maintenance never asks for more than fits.
    let plan = b.store.maintenance(NOW, &PreKeySchedule::default());
    assert_eq!(plan.one_time_to_generate, 0);
    assert!(b.store.upload_one_time_prekeys(&b.id, 50, NOW, &mut rng).is_ok());
}
