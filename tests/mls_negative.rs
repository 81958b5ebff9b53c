//! MLS negative tests (ASSURANCE rows 7, 12, 14): commits from non-members,
//! for old epochs, with forged signatures; leaf credentials with forged
//! certifications, untrusted identities, weak or small-order keys;
//! KeyPackages with bad signatures or another device's credential; every MLS
//! envelope into every other decoder; size and count limits at MAX and
//! MAX+1. Every refused input leaves the serialized group state unchanged.
#![cfg(feature = "mls")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::needless_range_loop
)]

use mls_rs::identity::SigningIdentity;
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::{CipherSuite, CipherSuiteProvider, CryptoProvider};
use vestnik::DeviceIdentity;
use vestnik::mls::{
    LeafRejection, MlsCommit, MlsConfig, MlsError, MlsGroup, MlsGroupInfoEnvelope, MlsKeyPackageEnvelope,
    MlsKeyPackageStore, MlsLimits, MlsMessageEnvelope, MlsRatchetTreeEnvelope, MlsReceived, MlsSuite,
    MlsWelcomeEnvelope, TrustedIdentities, validate_key_package,
};
use vestnik::wire::DecodeError;

const NOW: u64 = 1_750_000_000;

fn any() -> MlsConfig {
    MlsConfig::new(TrustedIdentities::any_valid_identity())
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn field_bytes(tag: u32, b: &[u8], out: &mut Vec<u8>) {
    varint(u64::from(tag << 3 | 2), out);
    varint(b.len() as u64, out);
    out.extend_from_slice(b);
}

fn field_varint(tag: u32, v: u64, out: &mut Vec<u8>) {
    varint(u64::from(tag << 3), out);
    varint(v, out);
}

/// An `MlsLeafCredential` (format 0x6601) with chosen fields.
fn credential(identity: &[u8], leaf: &[u8], suite: u64, cert: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    field_varint(1, 0x6601, &mut v);
    field_bytes(2, identity, &mut v);
    field_bytes(3, leaf, &mut v);
    field_varint(4, suite, &mut v);
    field_bytes(5, cert, &mut v);
    v
}

fn kp_envelope(mls: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    field_varint(1, 0x6001, &mut v);
    field_bytes(2, mls, &mut v);
    v
}

/// A KeyPackage made directly with mls-rs: any credential bytes, signed by
/// a fresh leaf key (what a malicious device can make).
fn crafted_key_package(cred: Vec<u8>) -> MlsKeyPackageEnvelope {
    let crypto = mls_rs_crypto_rustcrypto::RustCryptoProvider::new();
    let cs = crypto.cipher_suite_provider(CipherSuite::CURVE25519_CHACHA).unwrap();
    let (secret, public) = cs.signature_key_generate().unwrap();
    let si = SigningIdentity::new(BasicCredential::new(cred).into_credential(), public);
    let client = mls_rs::Client::builder()
        .identity_provider(BasicIdentityProvider::new())
        .crypto_provider(crypto)
        .signing_identity(si, secret, CipherSuite::CURVE25519_CHACHA)
        .build();
    let t = mls_rs::time::MlsTime::from_duration_since_epoch(std::time::Duration::from_secs(NOW));
    let msg = client.generate_key_package_message(Default::default(), Default::default(), Some(t)).unwrap();
    MlsKeyPackageEnvelope::from_bytes(&kp_envelope(&msg.to_bytes().unwrap()), &MlsLimits::default()).unwrap()
}

/// The credential bytes of a real vestnik KeyPackage.
fn credential_of(kp: &MlsKeyPackageEnvelope) -> Vec<u8> {
    let msg = mls_rs::MlsMessage::from_bytes(kp.mls_bytes()).unwrap();
    msg.as_key_package().unwrap().signing_identity().credential.as_basic().unwrap().identifier().to_vec()
}

struct Fixture {
    alice: DeviceIdentity,
    bob: DeviceIdentity,
    a: MlsGroup,
    b: MlsGroup,
}

fn fixture() -> Fixture {
    let mut rng = rand::rng();
    let alice = DeviceIdentity::generate(&mut rng);
    let bob = DeviceIdentity::generate(&mut rng);
    let mut a = MlsGroup::create(&alice, MlsSuite::default(), b"grp", any(), NOW, &mut rng).unwrap();
    let mut store = MlsKeyPackageStore::new(MlsLimits::default());
    let kp = store.generate(&bob, MlsSuite::default(), NOW, false, &mut rng).unwrap();
    let c = a.add(&[kp], NOW).unwrap();
    a.confirm_pending_commit().unwrap();
    let b =
        MlsGroup::join(&mut store, c.welcome.as_ref().unwrap(), c.ratchet_tree.as_ref().unwrap(), any(), NOW).unwrap();
    Fixture { alice, bob, a, b }
}

fn assert_refused_unchanged(g: &mut MlsGroup, bytes: &[u8]) -> MlsError {
    let before = g.to_bytes();
    let e = g.process(bytes, NOW).unwrap_err();
    assert_eq!(*g.to_bytes(), *before, "state changed on {e:?}");
    e
}

#[test]
fn commit_from_non_member_is_refused() {
    let mut rng = rand::rng();
    let mut f = fixture();
    // An outsider runs its own group with the same id, at the same epoch.
    let eve = DeviceIdentity::generate(&mut rng);
    let mut fake = MlsGroup::create(&eve, MlsSuite::default(), b"grp", any(), NOW, &mut rng).unwrap();
    let mut s = MlsKeyPackageStore::new(MlsLimits::default());
    let kp = s.generate(&DeviceIdentity::generate(&mut rng), MlsSuite::default(), NOW, false, &mut rng).unwrap();
    fake.add(&[kp], NOW).unwrap();
    fake.confirm_pending_commit().unwrap();
    assert_eq!(fake.epoch(), f.b.epoch());
    let c = fake.self_update(&eve, NOW, &mut rng).unwrap();
    let e = assert_refused_unchanged(&mut f.b, &c.commit.to_bytes());
    assert!(matches!(e, MlsError::BadSignature | MlsError::NotMember | MlsError::Invalid(_)), "{e:?}");
    let m = fake.encrypt(b"spoof").unwrap();
    assert_refused_unchanged(&mut f.b, &m.to_bytes());
}

#[test]
fn old_epoch_commit_and_forged_signatures_are_refused() {
    let mut rng = rand::rng();
    let mut f = fixture();
    let c = f.a.self_update(&f.alice, NOW, &mut rng).unwrap();
    let bytes = c.commit.to_bytes();
    // Forged: flip each of the last 96 bytes (signature, confirmation and
    // membership tags) and a byte in the path; every copy is refused.
    for back in 1..=96 {
        let mut bad = bytes.clone();
        let at = bad.len() - back;
        bad[at] ^= 0x01;
        assert_refused_unchanged(&mut f.b, &bad);
    }
    let mut bad = bytes.clone();
    bad[bytes.len() / 2] ^= 0x80;
    assert_refused_unchanged(&mut f.b, &bad);
    assert!(matches!(f.b.process(&bytes, NOW).unwrap(), MlsReceived::Commit(_)));
    f.a.confirm_pending_commit().unwrap();
    // Old epoch: the same commit again.
    assert!(matches!(assert_refused_unchanged(&mut f.b, &bytes), MlsError::StaleEpoch { .. }));
    // A commit for a future epoch.
    let c2 = f.b.self_update(&f.bob, NOW, &mut rng).unwrap();
    f.b.confirm_pending_commit().unwrap();
    let c3 = f.b.self_update(&f.bob, NOW, &mut rng).unwrap();
    assert!(matches!(assert_refused_unchanged(&mut f.a, &c3.commit.to_bytes()), MlsError::FutureEpoch { .. }));
    assert!(matches!(f.a.process(&c2.commit.to_bytes(), NOW).unwrap(), MlsReceived::Commit(_)));
}

#[test]
fn header_must_match_the_mls_framing() {
    let mut f = fixture();
    let m = f.a.encrypt(b"hi").unwrap();
    // Re-wrap the PrivateMessage with a wrong epoch, kind, or group id.
    let rewrap = |gid: &[u8], epoch: u64, kind: u64| {
        let mut v = Vec::new();
        field_varint(1, 0x6101, &mut v);
        field_bytes(2, gid, &mut v);
        if epoch != 0 {
            field_varint(3, epoch, &mut v);
        }
        field_varint(4, kind, &mut v);
        field_bytes(5, m.mls_bytes(), &mut v);
        v
    };
    assert_eq!(rewrap(b"grp", m.epoch(), 1), m.to_bytes());
    assert_eq!(assert_refused_unchanged(&mut f.b, &rewrap(b"grp", m.epoch() + 1, 1)), MlsError::HeaderMismatch);
    assert_eq!(assert_refused_unchanged(&mut f.b, &rewrap(b"grp", m.epoch(), 3)), MlsError::HeaderMismatch);
    assert_eq!(assert_refused_unchanged(&mut f.b, &rewrap(b"other", m.epoch(), 1)), MlsError::WrongGroup);
    assert!(matches!(f.b.process(&m.to_bytes(), NOW).unwrap(), MlsReceived::Application(_)));
}

#[test]
fn key_package_server_validation() {
    let mut rng = rand::rng();
    let bob = DeviceIdentity::generate(&mut rng);
    let carol = DeviceIdentity::generate(&mut rng);
    let mut store = MlsKeyPackageStore::new(MlsLimits::default());
    let kp = store.generate(&bob, MlsSuite::default(), NOW, false, &mut rng).unwrap();
    let ok = validate_key_package(&kp, &bob.public(), NOW).unwrap();
    assert_eq!(ok.identity(), &bob.public());
    assert_eq!(ok.reference().len(), 32);
    // Another device's upload.
    assert_eq!(validate_key_package(&kp, &carol.public(), NOW), Err(MlsError::WrongDevice));
    // Outside its lifetime.
    assert_eq!(validate_key_package(&kp, &bob.public(), ok.not_after() + 1), Err(MlsError::KeyPackageExpired));
    // A bad signature: flip bytes of the KeyPackage signature.
    for back in 1..=64 {
        let mut mls = kp.mls_bytes().to_vec();
        let at = mls.len() - back;
        mls[at] ^= 0x40;
        let env = MlsKeyPackageEnvelope::from_bytes(&kp_envelope(&mls), &MlsLimits::default()).unwrap();
        assert!(validate_key_package(&env, &bob.public(), NOW).is_err());
    }
    // Last resort is visible to the server.
    let lr = store.generate(&bob, MlsSuite::Aes128Gcm, NOW, true, &mut rng).unwrap();
    let lr = validate_key_package(&lr, &bob.public(), NOW).unwrap();
    assert!(lr.last_resort());
    assert_eq!(lr.suite(), MlsSuite::Aes128Gcm);
}

#[test]
fn forged_weak_and_untrusted_credentials_are_refused() {
    let mut rng = rand::rng();
    let bob = DeviceIdentity::generate(&mut rng);
    let mut store = MlsKeyPackageStore::new(MlsLimits::default());
    let real = store.generate(&bob, MlsSuite::default(), NOW, false, &mut rng).unwrap();
    let real_cred = credential_of(&real);
    let (identity, leaf, cert) =
        (&real_cred[7..135].to_vec(), &real_cred[137..169].to_vec(), &real_cred[real_cred.len() - 64..].to_vec());
    assert_eq!(credential(identity, leaf, 3, cert), real_cred, "fixture layout");
    let mut forged_cert = cert.clone();
    forged_cert[10] ^= 1;
    let small_order = {
        let mut k = [0u8; 32];
        k[0] = 1; // the identity point
        k
    };
    let mut weak_identity = identity.clone();
    weak_identity[..32].copy_from_slice(&small_order);
    let cases: Vec<(Vec<u8>, LeafRejection)> = vec![
        // The certification does not verify.
        (credential(identity, leaf, 3, &forged_cert), LeafRejection::BadCertification),
        // A valid certification of another key than the one that signs.
        (real_cred.clone(), LeafRejection::KeyMismatch),
        // Certified for the other suite.
        (credential(identity, leaf, 1, cert), LeafRejection::BadCertification),
        // A small-order leaf key, a small-order identity key.
        (credential(identity, &small_order, 3, cert), LeafRejection::BadKey),
        (credential(&weak_identity, leaf, 3, cert), LeafRejection::BadKey),
        // Not a vestnik credential at all.
        (b"alice@example".to_vec(), LeafRejection::Decode(DecodeError::WrongType { found: 0, expected: 0x6601 })),
    ];
    let alice = DeviceIdentity::generate(&mut rng);
    let mut g = MlsGroup::create(&alice, MlsSuite::default(), b"grp", any(), NOW, &mut rng).unwrap();
    for (cred, why) in cases {
        let kp = crafted_key_package(cred);
        assert_eq!(validate_key_package(&kp, &bob.public(), NOW), Err(MlsError::Credential(why.clone())));
        let before = g.to_bytes();
        assert_eq!(g.add(&[kp], NOW).unwrap_err(), MlsError::Credential(why));
        assert_eq!(*g.to_bytes(), *before);
    }
    // A valid KeyPackage of a device the app does not trust.
    let mut trust = TrustedIdentities::new();
    trust.insert(&DeviceIdentity::generate(&mut rng).public());
    let mut strict =
        MlsGroup::create(&alice, MlsSuite::default(), b"grp2", MlsConfig::new(trust), NOW, &mut rng).unwrap();
    assert_eq!(
        strict.add(std::slice::from_ref(&real), NOW).unwrap_err(),
        MlsError::Credential(LeafRejection::Untrusted)
    );
    // Suite mismatch: an AES KeyPackage into a ChaCha group.
    let aes = store.generate(&bob, MlsSuite::Aes128Gcm, NOW, false, &mut rng).unwrap();
    assert_eq!(g.add(&[aes], NOW).unwrap_err(), MlsError::WrongSuite);
    assert!(g.add(&[real], NOW).is_ok());
}

#[test]
fn welcome_is_consumed_once_and_needs_the_matching_tree() {
    let mut rng = rand::rng();
    let alice = DeviceIdentity::generate(&mut rng);
    let bob = DeviceIdentity::generate(&mut rng);
    let mut store = MlsKeyPackageStore::new(MlsLimits::default());
    let kp = store.generate(&bob, MlsSuite::default(), NOW, false, &mut rng).unwrap();
    let lr = store.generate(&bob, MlsSuite::default(), NOW, true, &mut rng).unwrap();
    let mut a = MlsGroup::create(&alice, MlsSuite::default(), b"g1", any(), NOW, &mut rng).unwrap();
    let c: MlsCommit = a.add(&[kp], NOW).unwrap();
    a.confirm_pending_commit().unwrap();
    let (w, t) = (c.welcome.unwrap(), c.ratchet_tree.unwrap());
    // A tree of another epoch is refused.
    let wrong_tree =
        MlsGroup::create(&alice, MlsSuite::default(), b"g1", any(), NOW, &mut rng).unwrap().ratchet_tree().unwrap();
    assert!(MlsGroup::join(&mut store, &w, &wrong_tree, any(), NOW).is_err());
    assert_eq!(store.len(), 2);
    MlsGroup::join(&mut store, &w, &t, any(), NOW).unwrap();
    assert_eq!(store.len(), 1);
    assert_eq!(MlsGroup::join(&mut store, &w, &t, any(), NOW).unwrap_err(), MlsError::UnknownKeyPackage);
    // The last-resort KeyPackage joins two groups.
    for gid in [b"g2", b"g3"] {
        let mut g = MlsGroup::create(&alice, MlsSuite::default(), gid, any(), NOW, &mut rng).unwrap();
        let c = g.add(std::slice::from_ref(&lr), NOW).unwrap();
        MlsGroup::join(&mut store, c.welcome.as_ref().unwrap(), c.ratchet_tree.as_ref().unwrap(), any(), NOW).unwrap();
    }
    assert_eq!(store.len(), 1);
}

#[test]
fn member_and_key_package_count_limits_at_max_and_max_plus_one() {
    let mut rng = rand::rng();
    let mut limits = MlsLimits::with_max_members(4);
    limits.max_stored_key_packages = 3;
    let config = any().with_limits(limits);
    let alice = DeviceIdentity::generate(&mut rng);
    let mut g = MlsGroup::create(&alice, MlsSuite::default(), b"small", config.clone(), NOW, &mut rng).unwrap();
    let mut store = MlsKeyPackageStore::new(limits);
    let kps: Vec<_> = (0..3)
        .map(|_| {
            store.generate(&DeviceIdentity::generate(&mut rng), MlsSuite::default(), NOW, false, &mut rng).unwrap()
        })
        .collect();
    assert_eq!(
        store.generate(&alice, MlsSuite::default(), NOW, false, &mut rng).unwrap_err(),
        MlsError::TooManyKeyPackages { max: 3 }
    );
    let mut other = MlsKeyPackageStore::new(MlsLimits::default());
    let fifth = other.generate(&DeviceIdentity::generate(&mut rng), MlsSuite::default(), NOW, false, &mut rng).unwrap();
    let mut all = kps.clone();
    all.push(fifth.clone());
    assert_eq!(g.add(&all, NOW).unwrap_err(), MlsError::TooManyMembers { count: 5, max: 4 });
    let c = g.add(&kps, NOW).unwrap(); // exactly 4
    g.confirm_pending_commit().unwrap();
    assert_eq!(g.member_count(), 4);
    assert_eq!(g.add(std::slice::from_ref(&fifth), NOW).unwrap_err(), MlsError::TooManyMembers { count: 5, max: 4 });
    // A joiner whose limit is below the group's size refuses it.
    let tight = any().with_limits(MlsLimits::with_max_members(3));
    assert!(matches!(
        MlsGroup::join(&mut store, c.welcome.as_ref().unwrap(), c.ratchet_tree.as_ref().unwrap(), tight, NOW),
        Err(MlsError::TooManyMembers { count: 4, max: 3 })
    ));
    MlsGroup::join(&mut store, c.welcome.as_ref().unwrap(), c.ratchet_tree.as_ref().unwrap(), config, NOW).unwrap();
}

#[test]
fn envelope_size_caps_at_max_and_max_plus_one() {
    let mut limits = MlsLimits::default();
    limits.max_key_package_len = 100;
    let at = kp_envelope(&[7u8; 100]);
    assert!(MlsKeyPackageEnvelope::from_bytes(&at, &limits).is_ok());
    let over = kp_envelope(&[7u8; 101]);
    assert!(matches!(MlsKeyPackageEnvelope::from_bytes(&over, &limits), Err(DecodeError::TooLarge { .. })));
    // Application messages: the padded-plaintext cap.
    let mut small = MlsLimits::default();
    small.max_plaintext_len = 1000;
    let cap = small.max_application_len();
    let app = |n: usize| {
        let mut v = Vec::new();
        field_varint(1, 0x6101, &mut v);
        field_bytes(2, b"g", &mut v);
        field_varint(4, 1, &mut v);
        field_bytes(5, &vec![1u8; n], &mut v);
        v
    };
    assert!(MlsMessageEnvelope::from_bytes(&app(cap), &small).is_ok());
    assert!(matches!(MlsMessageEnvelope::from_bytes(&app(cap + 1), &small), Err(DecodeError::TooLarge { .. })));
    // Trees and Welcomes scale with the member limit.
    let tiny = MlsLimits::with_max_members(2);
    let tree = |n: usize| {
        let mut v = Vec::new();
        field_varint(1, 0x6301, &mut v);
        field_bytes(2, b"g", &mut v);
        field_bytes(4, &vec![0u8; n], &mut v);
        v
    };
    assert!(MlsRatchetTreeEnvelope::from_bytes(&tree(tiny.max_tree_len()), &tiny).is_ok());
    assert!(matches!(
        MlsRatchetTreeEnvelope::from_bytes(&tree(tiny.max_tree_len() + 1), &tiny),
        Err(DecodeError::TooLarge { .. })
    ));
    let welcome = |n: usize| {
        let mut v = Vec::new();
        field_varint(1, 0x6201, &mut v);
        field_bytes(2, &vec![0u8; n], &mut v);
        v
    };
    assert!(MlsWelcomeEnvelope::from_bytes(&welcome(tiny.max_welcome_len()), &tiny).is_ok());
    assert!(matches!(
        MlsWelcomeEnvelope::from_bytes(&welcome(tiny.max_welcome_len() + 1), &tiny),
        Err(DecodeError::TooLarge { .. })
    ));
    // A too-large plaintext is refused before encryption.
    let mut rng = rand::rng();
    let alice = DeviceIdentity::generate(&mut rng);
    let mut g = MlsGroup::create(&alice, MlsSuite::default(), b"g", any().with_limits(small), NOW, &mut rng).unwrap();
    assert!(g.encrypt(&[0u8; 1000]).is_ok());
    assert!(matches!(g.encrypt(&[0u8; 1001]), Err(MlsError::TooLarge { .. })));
}

#[test]
fn every_mls_envelope_into_every_other_decoder() {
    let mut rng = rand::rng();
    let mut f = fixture();
    let mut store = MlsKeyPackageStore::new(MlsLimits::default());
    let kp = store.generate(&DeviceIdentity::generate(&mut rng), MlsSuite::default(), NOW, false, &mut rng).unwrap();
    let c = f.a.add(std::slice::from_ref(&kp), NOW).unwrap();
    let samples: Vec<(&str, Vec<u8>)> = vec![
        ("key package", kp.to_bytes()),
        ("commit", c.commit.to_bytes()),
        ("welcome", c.welcome.as_ref().unwrap().to_bytes()),
        ("tree", c.ratchet_tree.as_ref().unwrap().to_bytes()),
        ("group info", f.a.group_info().unwrap().to_bytes()),
        ("state", f.a.to_bytes().to_vec()),
        ("key package store", store.to_bytes().to_vec()),
    ];
    let l = MlsLimits::default();
    type Dec = Box<dyn Fn(&[u8]) -> bool>;
    let decoders: Vec<(&str, Dec)> = vec![
        ("key package", Box::new(move |b| MlsKeyPackageEnvelope::from_bytes(b, &l).is_ok())),
        ("commit", Box::new(move |b| MlsMessageEnvelope::from_bytes(b, &l).is_ok())),
        ("welcome", Box::new(move |b| MlsWelcomeEnvelope::from_bytes(b, &l).is_ok())),
        ("tree", Box::new(move |b| MlsRatchetTreeEnvelope::from_bytes(b, &l).is_ok())),
        ("group info", Box::new(move |b| MlsGroupInfoEnvelope::from_bytes(b, &l).is_ok())),
        ("state", Box::new(|b| MlsGroup::from_bytes(b, any()).is_ok())),
        ("key package store", Box::new(move |b| MlsKeyPackageStore::from_bytes(b, l).is_ok())),
    ];
    for (sname, s) in &samples {
        for (dname, d) in &decoders {
            assert_eq!(d(s), sname == dname, "{sname} into {dname}");
        }
        // And into a member: only the commit is a message (and it is for
        // the member's current epoch, so it applies on a copy).
        let mut b2 = MlsGroup::from_bytes(&f.b.to_bytes(), any()).unwrap();
        let r = b2.process(s, NOW);
        assert_eq!(r.is_ok(), *sname == "commit", "{sname} into process");
    }
    let _ = &f.bob;
}

/// A join checks every leaf of the tree (its credentials verified in one
/// batch first, SPEC.md §15.7) and still applies the app's trust to each: a
/// joiner that does not trust one member refuses the whole group, and one
/// that trusts them all joins.
#[test]
fn join_applies_trust_to_every_leaf_of_the_tree() {
    let mut rng = rand::rng();
    let ids: Vec<DeviceIdentity> = (0..5).map(|_| DeviceIdentity::generate(&mut rng)).collect();
    let mut a = MlsGroup::create(&ids[0], MlsSuite::default(), b"trusted", any(), NOW, &mut rng).unwrap();
    let mut stores: Vec<MlsKeyPackageStore> = (1..5).map(|_| MlsKeyPackageStore::new(MlsLimits::default())).collect();
    let kps: Vec<_> = stores
        .iter_mut()
        .zip(&ids[1..])
        .map(|(s, id)| s.generate(id, MlsSuite::default(), NOW, false, &mut rng).unwrap())
        .collect();
    let c = a.add(&kps, NOW).unwrap();
    a.confirm_pending_commit().unwrap();
    let (w, t) = (c.welcome.unwrap(), c.ratchet_tree.unwrap());
    let mut partial = TrustedIdentities::new();
    for id in &ids[..4] {
        partial.insert(&id.public());
    }
    // Device 1 does not trust device 4 (the last leaf): refused, KeyPackage kept.
    let err = MlsGroup::join(&mut stores[0], &w, &t, MlsConfig::new(partial.clone()), NOW).unwrap_err();
    assert_eq!(err, MlsError::Credential(LeafRejection::Untrusted));
    assert_eq!(stores[0].len(), 1);
    partial.insert(&ids[4].public());
    let g = MlsGroup::join(&mut stores[0], &w, &t, MlsConfig::new(partial), NOW).unwrap();
    assert_eq!(g.member_count(), 5);
}

/// A state loaded (in one pass, SPEC §15.8) under an app trust that does
/// not list the device itself: it knows who it is, commits and processes the
/// echo of its own commit, and the app's set still decides for everyone else.
#[test]
fn loaded_state_is_itself_and_the_apps_set_decides_for_others() {
    let mut rng = rand::rng();
    let alice = DeviceIdentity::generate(&mut rng);
    let bob = DeviceIdentity::generate(&mut rng);
    let carol = DeviceIdentity::generate(&mut rng);
    let mut bob_store = MlsKeyPackageStore::new(MlsLimits::default());
    let bob_kp = bob_store.generate(&bob, MlsSuite::default(), NOW, false, &mut rng).unwrap();
    let mut carol_store = MlsKeyPackageStore::new(MlsLimits::default());
    let carol_kp = carol_store.generate(&carol, MlsSuite::default(), NOW, false, &mut rng).unwrap();
    let mut only_bob = TrustedIdentities::new();
    only_bob.insert(&bob.public());
    let mut a =
        MlsGroup::create(&alice, MlsSuite::default(), b"own", MlsConfig::new(only_bob.clone()), NOW, &mut rng).unwrap();
    a.add(&[bob_kp], NOW).unwrap();
    a.confirm_pending_commit().unwrap();
    let mut loaded = MlsGroup::from_bytes(&a.to_bytes(), MlsConfig::new(only_bob.clone())).unwrap();
    assert_eq!(loaded.own_identity(), &alice.public());
    // Its own self-update (its own leaf, not in the app's set) commits, and
    // the server's echo of it is processed like anyone's commit.
    let c = loaded.self_update(&alice, NOW, &mut rng).unwrap();
    assert!(matches!(loaded.process(&c.commit.to_bytes(), NOW).unwrap(), MlsReceived::Commit(ch) if ch.own));
    // Carol is in no set: refused, and the state is unchanged.
    let before = loaded.to_bytes();
    assert_eq!(
        loaded.add(std::slice::from_ref(&carol_kp), NOW).unwrap_err(),
        MlsError::Credential(LeafRejection::Untrusted)
    );
    assert_eq!(*loaded.to_bytes(), *before);
    // Once the app trusts her, she is added.
    let mut with_carol = only_bob;
    with_carol.insert(&carol.public());
    let mut reloaded = MlsGroup::from_bytes(&loaded.to_bytes(), MlsConfig::new(with_carol)).unwrap();
    assert!(reloaded.add(&[carol_kp], NOW).is_ok());
}
