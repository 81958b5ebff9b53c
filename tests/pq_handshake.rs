//! The post-quantum handshake (PQXDH with ML-KEM-768, SPEC.md §5.2–5.5,
//! §5.9): KEM prekeys, the version-2 bundle's validation rules, tampering,
//! replay, one-time and last-resort KEM prekeys, and every downgrade
//! direction refused by the default policy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

mod common;

use common::pb;
use prost::Message;
use vestnik::prekey::{BundleError, KemPreKeyKind};
use vestnik::session::Handshake;
use vestnik::wire::{DecodeError, format};
use vestnik::{DeviceIdentity, HandshakePolicy, PeerSessions, PreKeyBundle, PreKeyStore, SessionError, SessionLimits};

struct World {
    alice: DeviceIdentity,
    bob: DeviceIdentity,
    bob_pre: PreKeyStore,
}

fn world() -> World {
    let mut rng = rand::rng();
    let alice = DeviceIdentity::generate(&mut rng);
    let bob = DeviceIdentity::generate(&mut rng);
    let bob_pre = PreKeyStore::new(&bob, 100, &mut rng);
    World { alice, bob, bob_pre }
}

fn classical_limits() -> SessionLimits {
    let mut l = SessionLimits::default();
    l.handshake_policy = HandshakePolicy::AcceptClassical;
    l
}

impl World {
    /// Alice's first message to Bob from `bundle` (through bytes, as a server hands it).
    fn first_message(&self, bundle: &PreKeyBundle, limits: SessionLimits, text: &[u8]) -> Vec<u8> {
        let bundle = PreKeyBundle::from_bytes(&bundle.to_bytes()).unwrap();
        let mut a = PeerSessions::with_limits(self.bob.public(), limits);
        a.initiate(&self.alice, &bundle, 0, &mut rand::rng()).unwrap();
        a.encrypt(text, &mut rand::rng()).unwrap()
    }

    fn bob_receives(&mut self, at_bob: &mut PeerSessions, m: &[u8]) -> Result<vestnik::Received, SessionError> {
        at_bob.decrypt(&self.bob, &mut self.bob_pre, m, 0)
    }

    fn snapshot(&self, at_bob: &PeerSessions) -> Vec<u8> {
        let mut v = at_bob.to_bytes().to_vec();
        v.extend_from_slice(&self.bob_pre.to_bytes());
        v
    }
}

fn edit_message(m: &[u8], f: impl FnOnce(&mut pb::session::PreKeyMessage)) -> Vec<u8> {
    let mut p = pb::session::PreKeyMessage::decode(m).unwrap();
    f(&mut p);
    p.encode_to_vec()
}

#[test]
fn post_quantum_session_by_default_with_one_time_kem_prekey_consumed_once() {
    let mut w = world();
    let kem = w.bob_pre.generate_kem_prekeys(&w.bob, 2, 100, &mut rand::rng()).unwrap();
    assert_eq!(kem.iter().map(|k| k.kind()).collect::<Vec<_>>(), [KemPreKeyKind::OneTime; 2]);
    let bundle = w.bob_pre.bundle_with_kem(&w.bob, None, Some(kem[0].id()));
    assert!(bundle.is_post_quantum());
    assert_eq!(bundle.kem_prekey().unwrap().id(), kem[0].id());
    let mut a = PeerSessions::new(w.bob.public());
    a.initiate(&w.alice, &PreKeyBundle::from_bytes(&bundle.to_bytes()).unwrap(), 0, &mut rand::rng()).unwrap();
    let m = a.encrypt(b"pq hello", &mut rand::rng()).unwrap();
    assert_eq!(&m[..3], [0x08, 0x82, 0x04], "PreKeyMessage 0x0202");
    assert_eq!(PeerSessions::inspect(&m).unwrap().kem_prekey_id(), Some(kem[0].id()));
    let mut at_bob = PeerSessions::new(w.alice.public());
    let r = w.bob_receives(&mut at_bob, &m).unwrap();
    assert_eq!((r.plaintext(), r.handshake(), r.prekeys_changed()), (&b"pq hello"[..], Handshake::PostQuantum, true));
    assert_eq!(w.bob_pre.kem_prekey_count(), 1);
    // Bob's reply is reported as post-quantum on Alice's side too, and it
    // ends her prekey messages.
    let reply = at_bob.encrypt(b"reply", &mut rand::rng()).unwrap();
    let mut a_pre = PreKeyStore::new(&w.alice, 0, &mut rand::rng());
    let r = a.decrypt(&w.alice, &mut a_pre, &reply, 0).unwrap();
    assert_eq!((r.plaintext(), r.handshake()), (&b"reply"[..], Handshake::PostQuantum));
    assert!(!a.awaiting_reply());
    let next = a.encrypt(b"ratchet", &mut rand::rng()).unwrap();
    assert_eq!(&next[..3], [0x08, 0x81, 0x06], "RatchetMessage 0x0301");
    assert_eq!(w.bob_receives(&mut at_bob, &next).unwrap().handshake(), Handshake::PostQuantum);
}

#[test]
fn one_time_kem_prekey_used_twice_second_refused_state_unchanged() {
    let mut w = world();
    let kem = w.bob_pre.generate_kem_prekeys(&w.bob, 1, 100, &mut rand::rng()).unwrap();
    let bundle = w.bob_pre.bundle_with_kem(&w.bob, None, Some(kem[0].id()));
    let first = w.first_message(&bundle, SessionLimits::default(), b"one");
    let second = w.first_message(&bundle, SessionLimits::default(), b"two"); // a second initiator, same bundle
    let mut at_bob = PeerSessions::new(w.alice.public());
    w.bob_receives(&mut at_bob, &first).unwrap();
    let before = w.snapshot(&at_bob);
    assert_eq!(w.bob_receives(&mut at_bob, &second).map(|_| ()), Err(SessionError::UnknownKemPreKey(kem[0].id())));
    assert_eq!(w.snapshot(&at_bob), before);
}

#[test]
fn last_resort_kem_prekey_used_many_times_and_replay_memory_holds() {
    let mut w = world();
    let lr = w.bob_pre.last_resort_kem_prekey().unwrap();
    assert_eq!(lr.kind(), KemPreKeyKind::LastResort);
    // No one-time KEM prekey left: the bundle carries the last-resort one.
    let bundle = w.bob_pre.bundle_with_kem(&w.bob, None, Some(999));
    assert_eq!(bundle.kem_prekey().unwrap(), &lr);
    let mut at_bob = PeerSessions::new(w.alice.public());
    let mut firsts = Vec::new();
    for i in 0..20u8 {
        let m = w.first_message(&bundle, SessionLimits::default(), &[i]);
        assert_eq!(w.bob_receives(&mut at_bob, &m).unwrap().plaintext(), [i]);
        firsts.push(m);
    }
    assert_eq!(w.bob_pre.last_resort_kem_prekey().unwrap(), lr, "the last-resort KEM prekey is kept");
    assert_eq!(w.bob_pre.accepted_handshakes(), 20);
    // Every first message replayed, with its sessions gone: Duplicate.
    let mut fresh = PeerSessions::new(w.alice.public());
    for m in &firsts {
        let before = w.snapshot(&fresh);
        assert_eq!(w.bob_receives(&mut fresh, m).map(|_| ()), Err(SessionError::Duplicate));
        assert_eq!(w.snapshot(&fresh), before);
    }
    // And in the session that holds it.
    assert_eq!(w.bob_receives(&mut at_bob, &firsts[19]).map(|_| ()), Err(SessionError::Duplicate));
}

#[test]
fn replayed_first_message_is_duplicate_with_one_time_kem_prekey() {
    let mut w = world();
    let kem = w.bob_pre.generate_kem_prekeys(&w.bob, 1, 100, &mut rand::rng()).unwrap();
    let bundle = w.bob_pre.bundle_with_kem(&w.bob, None, Some(kem[0].id()));
    let m = w.first_message(&bundle, SessionLimits::default(), b"once");
    let mut at_bob = PeerSessions::new(w.alice.public());
    w.bob_receives(&mut at_bob, &m).unwrap();
    assert_eq!(w.bob_receives(&mut at_bob, &m).map(|_| ()), Err(SessionError::Duplicate));
    let mut fresh = PeerSessions::new(w.alice.public());
    assert_eq!(w.bob_receives(&mut fresh, &m).map(|_| ()), Err(SessionError::Duplicate));
}

#[test]
fn tampered_kem_ciphertext_fails_and_changes_nothing() {
    let mut w = world();
    let kem = w.bob_pre.generate_kem_prekeys(&w.bob, 1, 100, &mut rand::rng()).unwrap();
    let bundle = w.bob_pre.bundle_with_kem(&w.bob, None, Some(kem[0].id()));
    let m = w.first_message(&bundle, SessionLimits::default(), b"kem");
    let mut at_bob = PeerSessions::new(w.alice.public());
    for pos in [0usize, 500, 1087] {
        let t = edit_message(&m, |p| p.kem_ciphertext[pos] ^= 0x01);
        let before = w.snapshot(&at_bob);
        assert_eq!(w.bob_receives(&mut at_bob, &t).map(|_| ()), Err(SessionError::DecryptionFailed));
        assert_eq!(w.snapshot(&at_bob), before, "the one-time KEM prekey is still there");
    }
    assert_eq!(w.bob_pre.kem_prekey_count(), 1);
    w.bob_receives(&mut at_bob, &m).unwrap();
    // After the session exists, a later prekey message with its ciphertext
    // altered still fails: the ciphertext's hash is in the AD binding.
    let mut a = PeerSessions::new(w.bob.public());
    a.initiate(&w.alice, &w.bob_pre.bundle(&w.bob, None), 0, &mut rand::rng()).unwrap();
    let m0 = a.encrypt(b"0", &mut rand::rng()).unwrap();
    let m1 = a.encrypt(b"1", &mut rand::rng()).unwrap();
    let mut at_bob = PeerSessions::new(w.alice.public());
    w.bob_receives(&mut at_bob, &m0).unwrap();
    let t = edit_message(&m1, |p| p.kem_ciphertext[7] ^= 0x80);
    let before = w.snapshot(&at_bob);
    assert_eq!(w.bob_receives(&mut at_bob, &t).map(|_| ()), Err(SessionError::DecryptionFailed));
    assert_eq!(w.snapshot(&at_bob), before);
    assert_eq!(w.bob_receives(&mut at_bob, &m1).unwrap().plaintext(), b"1");
    // Naming another KEM prekey (the last-resort instead of the one-time
    // one): decapsulation under the wrong key, authentication fails.
    let lr = w.bob_pre.last_resort_kem_prekey().unwrap().id();
    let mut a = PeerSessions::new(w.bob.public());
    let kem = w.bob_pre.generate_kem_prekeys(&w.bob, 1, 100, &mut rand::rng()).unwrap();
    a.initiate(&w.alice, &w.bob_pre.bundle_with_kem(&w.bob, None, Some(kem[0].id())), 0, &mut rand::rng()).unwrap();
    let m = a.encrypt(b"x", &mut rand::rng()).unwrap();
    let t = edit_message(&m, |p| p.kem_prekey_id = lr);
    let mut at_bob = PeerSessions::new(w.alice.public());
    let before = w.snapshot(&at_bob);
    assert_eq!(w.bob_receives(&mut at_bob, &t).map(|_| ()), Err(SessionError::DecryptionFailed));
    assert_eq!(w.snapshot(&at_bob), before);
}

#[test]
fn kem_key_swapped_in_bundle_fails_its_signature() {
    let mut w = world();
    let kem = w.bob_pre.generate_kem_prekeys(&w.bob, 2, 100, &mut rand::rng()).unwrap();
    let good = w.bob_pre.bundle_with_kem(&w.bob, None, Some(kem[0].id())).to_bytes();
    let other = kem[1].key().as_bytes().to_vec();
    let mut m = pb::session::PreKeyBundle::decode(&good[..]).unwrap();
    m.kem_prekey.as_mut().unwrap().key = other.clone();
    assert_eq!(PreKeyBundle::from_bytes(&m.encode_to_vec()), Err(BundleError::KemPreKeySignature));
    // An attacker's own KEM key signed by nobody: the same.
    let mallory = vestnik::crypto::kem::KemDecapsulationKey::generate(&mut rand::rng());
    m.kem_prekey.as_mut().unwrap().key = mallory.public().as_bytes().to_vec();
    assert_eq!(PreKeyBundle::from_bytes(&m.encode_to_vec()), Err(BundleError::KemPreKeySignature));
    // Signed by another identity: refused by `with_kem_prekey` too.
    let eve = DeviceIdentity::generate(&mut rand::rng());
    let mut eve_pre = PreKeyStore::new(&eve, 0, &mut rand::rng());
    let eve_kem = eve_pre.generate_kem_prekeys(&eve, 1, 0, &mut rand::rng()).unwrap();
    let classical = PreKeyBundle::new(w.bob.public(), w.bob_pre.signed_prekey(), None).unwrap();
    assert_eq!(classical.with_kem_prekey(eve_kem[0].clone()), Err(BundleError::KemPreKeySignature));
}

/// Every rule of a version-2 bundle's KEM prekey has a negative test.
#[test]
fn v2_bundle_validation_rules() {
    let mut w = world();
    let kem = w.bob_pre.generate_kem_prekeys(&w.bob, 1, 100, &mut rand::rng()).unwrap();
    let good = w.bob_pre.bundle_with_kem(&w.bob, None, Some(kem[0].id())).to_bytes();
    assert_eq!(&good[..3], [0x08, 0x82, 0x02]);
    let ok = PreKeyBundle::from_bytes(&good).unwrap();
    assert_eq!(ok.kem_prekey().unwrap().created_at(), 100);
    let edit = |f: &dyn Fn(&mut pb::session::PreKeyBundle)| {
        let mut m = pb::session::PreKeyBundle::decode(&good[..]).unwrap();
        f(&mut m);
        PreKeyBundle::from_bytes(&m.encode_to_vec())
    };
    let k = |f: &dyn Fn(&mut pb::session::KemPreKeyPublic)| edit(&|m| f(m.kem_prekey.as_mut().unwrap()));
    assert_eq!(edit(&|m| m.kem_prekey = None), Err(BundleError::Decode(DecodeError::Missing("kem_prekey"))));
    assert_eq!(k(&|p| p.id = 0), Err(BundleError::ReservedId));
    assert_eq!(k(&|p| p.kind = 0), Err(BundleError::KemPreKeyKind(0)));
    assert_eq!(k(&|p| p.kind = 3), Err(BundleError::KemPreKeyKind(3)));
    // The kind, id and time are signed.
    assert_eq!(k(&|p| p.kind = 2), Err(BundleError::KemPreKeySignature));
    assert_eq!(k(&|p| p.id += 1), Err(BundleError::KemPreKeySignature));
    assert_eq!(k(&|p| p.created_at += 1), Err(BundleError::KemPreKeySignature));
    assert!(matches!(k(&|p| p.key.truncate(1183)), Err(BundleError::Decode(DecodeError::WrongLength { .. }))));
    assert!(matches!(k(&|p| p.key.push(0)), Err(BundleError::Decode(DecodeError::WrongLength { .. }))));
    assert!(matches!(k(&|p| p.signature.truncate(63)), Err(BundleError::Decode(DecodeError::WrongLength { .. }))));
    // FIPS 203 §7.2 modulus check: a coefficient of 4095 (>= q = 3329).
    assert_eq!(
        k(&|p| {
            p.key[0] = 0xFF;
            p.key[1] |= 0x0F;
        }),
        Err(BundleError::KemPreKey)
    );
    // A version-1 bundle carries no KEM prekey.
    assert_eq!(
        edit(&|m| m.format = format::PREKEY_BUNDLE_V1),
        Err(BundleError::Decode(DecodeError::Invalid("kem_prekey")))
    );
    // Oversize: the cap is 2,048 bytes.
    let mut big = good.clone();
    big.resize(vestnik::prekey::MAX_BUNDLE_LEN + 1, 0);
    assert!(matches!(PreKeyBundle::from_bytes(&big), Err(BundleError::Decode(DecodeError::TooLarge { .. }))));
}

#[test]
fn downgrade_initiator_refuses_v1_bundle_from_stripping_server() {
    let mut w = world();
    let kem = w.bob_pre.generate_kem_prekeys(&w.bob, 1, 100, &mut rand::rng()).unwrap();
    let good = w.bob_pre.bundle_with_kem(&w.bob, None, Some(kem[0].id())).to_bytes();
    // The server strips the KEM prekey and relabels the bundle as version 1:
    // it verifies (the classical signatures are intact) but is classical.
    let mut m = pb::session::PreKeyBundle::decode(&good[..]).unwrap();
    m.kem_prekey = None;
    m.format = format::PREKEY_BUNDLE_V1;
    let stripped = PreKeyBundle::from_bytes(&m.encode_to_vec()).unwrap();
    assert!(!stripped.is_post_quantum());
    let mut a = PeerSessions::new(w.bob.public());
    assert_eq!(a.initiate(&w.alice, &stripped, 0, &mut rand::rng()), Err(SessionError::ClassicalRefused));
    assert!(!a.has_session());
    // Under the transition policy the app may start it, and knows it is classical.
    let mut a = PeerSessions::with_limits(w.bob.public(), classical_limits());
    a.initiate(&w.alice, &stripped, 0, &mut rand::rng()).unwrap();
    let first = a.encrypt(b"classical", &mut rand::rng()).unwrap();
    assert_eq!(PeerSessions::inspect(&first).unwrap().kem_prekey_id(), None);
    assert_eq!(&first[..3], [0x08, 0x81, 0x04], "PreKeyMessage 0x0201");
    // ... and Bob, who publishes KEM prekeys, refuses it by default.
    let mut at_bob = PeerSessions::new(w.alice.public());
    let before = w.snapshot(&at_bob);
    assert_eq!(w.bob_receives(&mut at_bob, &first).map(|_| ()), Err(SessionError::ClassicalRefused));
    assert_eq!(w.snapshot(&at_bob), before);
}

#[test]
fn downgrade_responder_refuses_v1_prekey_message_by_default_and_reports_it_when_accepted() {
    let mut w = world();
    // A legacy device (no KEM prekeys) sends Bob... no: Alice, under the
    // transition policy, uses a classical bundle of Bob's (from before he
    // published KEM prekeys).
    let classical = PreKeyBundle::new(w.bob.public(), w.bob_pre.signed_prekey(), None).unwrap();
    let m = w.first_message(&classical, classical_limits(), b"old client");
    let mut at_bob = PeerSessions::new(w.alice.public());
    let before = w.snapshot(&at_bob);
    assert_eq!(w.bob_receives(&mut at_bob, &m).map(|_| ()), Err(SessionError::ClassicalRefused));
    assert_eq!(w.snapshot(&at_bob), before);
    let mut at_bob = PeerSessions::with_limits(w.alice.public(), classical_limits());
    let r = w.bob_receives(&mut at_bob, &m).unwrap();
    assert_eq!((r.plaintext(), r.handshake()), (&b"old client"[..], Handshake::Classical));
    // Once established, the classical session keeps working even after the
    // app tightens the policy again (established sessions are unaffected).
    at_bob.set_limits(SessionLimits::default());
    let reply = at_bob.encrypt(b"ok", &mut rand::rng()).unwrap();
    assert!(!reply.is_empty());
}

#[test]
fn downgrade_v2_message_relabelled_v1_is_refused_or_fails_authentication() {
    let mut w = world();
    let m = w.first_message(&w.bob_pre.bundle(&w.bob, None), SessionLimits::default(), b"pq");
    // Fields 7 and 8 dropped, format set to 0x0201: a classical message.
    let relabelled = edit_message(&m, |p| {
        p.format = format::PREKEY_MESSAGE_V1;
        p.kem_ciphertext.clear();
        p.kem_prekey_id = 0;
    });
    let mut at_bob = PeerSessions::new(w.alice.public());
    let before = w.snapshot(&at_bob);
    assert_eq!(w.bob_receives(&mut at_bob, &relabelled).map(|_| ()), Err(SessionError::ClassicalRefused));
    // Even where classical messages are accepted, the keys differ.
    let mut lax = PeerSessions::with_limits(w.alice.public(), classical_limits());
    assert_eq!(w.bob_receives(&mut lax, &relabelled).map(|_| ()), Err(SessionError::DecryptionFailed));
    assert_eq!(w.snapshot(&at_bob), before);
    // Format 0x0201 but the KEM fields kept: not a version-1 message.
    let mixed = edit_message(&m, |p| p.format = format::PREKEY_MESSAGE_V1);
    assert!(matches!(w.bob_receives(&mut at_bob, &mixed), Err(SessionError::Decode(DecodeError::Invalid(_)))));
    // Format 0x0202 without the KEM fields: refused at decode.
    let empty = edit_message(&m, |p| p.kem_ciphertext.clear());
    assert!(matches!(
        w.bob_receives(&mut at_bob, &empty),
        Err(SessionError::Decode(DecodeError::WrongLength { field: "kem_ciphertext", .. }))
    ));
    let no_id = edit_message(&m, |p| p.kem_prekey_id = 0);
    assert_eq!(
        w.bob_receives(&mut at_bob, &no_id).map(|_| ()),
        Err(SessionError::Decode(DecodeError::Invalid("kem_prekey_id")))
    );
    assert_eq!(w.snapshot(&at_bob), before);
    assert_eq!(w.bob_receives(&mut at_bob, &m).unwrap().handshake(), Handshake::PostQuantum);
}

#[test]
fn downgrade_v1_message_relabelled_v2_fails() {
    // The other direction: a classical first message presented as version 2
    // with an attacker's ciphertext for Bob's last-resort KEM prekey.
    let mut w = world();
    let classical = PreKeyBundle::new(w.bob.public(), w.bob_pre.signed_prekey(), None).unwrap();
    let m = w.first_message(&classical, classical_limits(), b"classical");
    let lr = w.bob_pre.last_resort_kem_prekey().unwrap();
    let (ct, _) = vestnik::crypto::testing::mlkem768_encapsulate(lr.key().as_bytes(), &[7; 32]).unwrap();
    let upgraded = edit_message(&m, |p| {
        p.format = format::PREKEY_MESSAGE;
        p.kem_ciphertext = ct.clone();
        p.kem_prekey_id = lr.id();
    });
    let mut at_bob = PeerSessions::with_limits(w.alice.public(), classical_limits());
    let before = w.snapshot(&at_bob);
    assert_eq!(w.bob_receives(&mut at_bob, &upgraded).map(|_| ()), Err(SessionError::DecryptionFailed));
    assert_eq!(w.snapshot(&at_bob), before);
}

#[test]
fn classical_store_accepts_classical_and_refuses_kem_messages() {
    // A device that never published KEM prekeys (a store from before, or
    // `new_classical`) accepts classical handshakes whatever the policy.
    let mut rng = rand::rng();
    let mut w = world();
    w.bob_pre = PreKeyStore::new_classical(&w.bob, 0, &mut rng);
    assert!(!w.bob_pre.publishes_kem_prekeys());
    let bundle = w.bob_pre.bundle(&w.bob, None);
    assert!(!bundle.is_post_quantum());
    assert_eq!(&bundle.to_bytes()[..3], [0x08, 0x81, 0x02], "PreKeyBundle 0x0101");
    let m = w.first_message(&bundle, classical_limits(), b"legacy");
    let mut at_bob = PeerSessions::new(w.alice.public());
    assert_eq!(w.bob_receives(&mut at_bob, &m).unwrap().handshake(), Handshake::Classical);
    // Rotating in a last-resort KEM prekey makes it post-quantum.
    let lr = w.bob_pre.rotate_last_resort_kem_prekey(&w.bob, 5, &mut rng);
    assert!(w.bob_pre.publishes_kem_prekeys());
    assert_eq!(w.bob_pre.bundle(&w.bob, None).kem_prekey(), Some(&lr));
    // A PQ message naming a KEM prekey a store does not hold.
    let mut other = PreKeyStore::new_classical(&w.bob, 0, &mut rng);
    let pq = w.first_message(&w.bob_pre.bundle(&w.bob, None), SessionLimits::default(), b"pq");
    let mut at_other = PeerSessions::new(w.alice.public());
    let e = at_other.decrypt(&w.bob, &mut other, &pq, 0).map(|_| ());
    assert_eq!(e, Err(SessionError::UnknownKemPreKey(lr.id())));
}

#[test]
fn kem_prekeys_rotate_expire_persist_and_cap() {
    use vestnik::limits::{KEM_LAST_RESORT_GRACE_SECS, MAX_ONE_TIME_KEM_PREKEYS};
    let mut rng = rand::rng();
    let w = world();
    let mut pre = PreKeyStore::new(&w.bob, 0, &mut rng);
    let first = pre.last_resort_kem_prekey().unwrap();
    let bundle = PreKeyBundle::from_bytes(&pre.bundle(&w.bob, None).to_bytes()).unwrap();
    let second = pre.rotate_last_resort_kem_prekey(&w.bob, 1_000, &mut rng);
    assert_ne!(first.id(), second.id());
    // The old last-resort key answers during its grace period...
    pre.expire(1_000 + KEM_LAST_RESORT_GRACE_SECS);
    let mut a = PeerSessions::new(w.bob.public());
    a.initiate(&w.alice, &bundle, 0, &mut rng).unwrap();
    let m = a.encrypt(b"old lr", &mut rng).unwrap();
    let mut at_bob = PeerSessions::new(w.alice.public());
    let mut pre_copy = PreKeyStore::from_bytes(&pre.to_bytes(), &w.bob.public()).unwrap();
    assert_eq!(at_bob.decrypt(&w.bob, &mut pre_copy, &m, 0).unwrap().plaintext(), b"old lr");
    // ... and not after it.
    pre.expire(1_000 + KEM_LAST_RESORT_GRACE_SECS + 1);
    let mut at_bob = PeerSessions::new(w.alice.public());
    assert_eq!(at_bob.decrypt(&w.bob, &mut pre, &m, 0).map(|_| ()), Err(SessionError::UnknownKemPreKey(first.id())));
    // Cap: MAX is accepted, MAX + 1 refused.
    let made = pre.generate_kem_prekeys(&w.bob, MAX_ONE_TIME_KEM_PREKEYS, 0, &mut rng).unwrap();
    assert_eq!(made.len(), MAX_ONE_TIME_KEM_PREKEYS);
    assert_eq!(
        pre.generate_kem_prekeys(&w.bob, 1, 0, &mut rng),
        Err(BundleError::StoreFull { max: MAX_ONE_TIME_KEM_PREKEYS })
    );
    // Ids are distinct across one-time and last-resort keys; the store
    // round-trips byte-exactly with every signature re-verified.
    let mut ids: Vec<u32> = made.iter().map(|k| k.id()).collect();
    ids.push(pre.last_resort_kem_prekey().unwrap().id());
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), MAX_ONE_TIME_KEM_PREKEYS + 1);
    let bytes = pre.to_bytes();
    let loaded = PreKeyStore::from_bytes(&bytes, &w.bob.public()).unwrap();
    assert_eq!(loaded.to_bytes(), bytes);
    assert_eq!(loaded.kem_prekeys(), pre.kem_prekeys());
    // Loaded against another identity: the KEM prekey signatures fail.
    assert!(PreKeyStore::from_bytes(&bytes, &w.alice.public()).is_err());
}

#[test]
fn v2_prekey_store_state_rules() {
    let mut rng = rand::rng();
    let w = world();
    let mut pre = PreKeyStore::new(&w.bob, 0, &mut rng);
    pre.generate_kem_prekeys(&w.bob, 2, 0, &mut rng).unwrap();
    pre.rotate_last_resort_kem_prekey(&w.bob, 1, &mut rng);
    let good = pre.to_bytes();
    let edit = |f: &dyn Fn(&mut pb::state::PreKeyStoreState)| {
        let mut s = pb::state::PreKeyStoreState::decode(&good[..]).unwrap();
        f(&mut s);
        PreKeyStore::from_bytes(&s.encode_to_vec(), &w.bob.public()).map(|_| ())
    };
    assert_eq!(edit(&|_| {}), Ok(()));
    // KEM fields in a version-1 store.
    assert!(matches!(edit(&|s| s.format = format::STATE_PREKEYS_V1), Err(DecodeError::Invalid(_))));
    // One-time KEM prekeys out of order, a short seed, a forged signature.
    assert!(matches!(edit(&|s| s.kem_one_time.reverse()), Err(DecodeError::Invalid("kem_one_time id"))));
    assert!(matches!(edit(&|s| s.kem_one_time[0].seed.truncate(63)), Err(DecodeError::WrongLength { .. })));
    assert!(matches!(edit(&|s| s.kem_one_time[0].seed[0] ^= 1), Err(DecodeError::Invalid("kem prekey signature"))));
    assert!(matches!(edit(&|s| s.kem_one_time[0].id = 0), Err(DecodeError::Invalid(_))));
    // A previous last-resort without a current one; a retired current one.
    assert!(matches!(edit(&|s| s.kem_last_resort = None), Err(DecodeError::Invalid("kem_last_resort"))));
    assert!(matches!(
        edit(&|s| s.kem_last_resort.as_mut().unwrap().retired_at = 5),
        Err(DecodeError::Invalid("kem_last_resort"))
    ));
    assert!(matches!(edit(&|s| s.next_kem_id = 0), Err(DecodeError::Invalid("next_kem_id"))));
    // Over the cap.
    let mut s = pb::state::PreKeyStoreState::decode(&good[..]).unwrap();
    let one = s.kem_one_time[0].clone();
    s.kem_one_time = vec![one; vestnik::limits::MAX_ONE_TIME_KEM_PREKEYS + 1];
    assert!(matches!(
        PreKeyStore::from_bytes(&s.encode_to_vec(), &w.bob.public()),
        Err(DecodeError::TooMany { field: "kem_one_time", .. })
    ));
}

#[test]
fn kem_secret_debug_shows_public_half_only() {
    let dk = vestnik::crypto::kem::KemDecapsulationKey::generate(&mut rand::rng());
    let printed = format!("{dk:?}");
    let digest: String = dk.public().digest().iter().take(8).map(|b| format!("{b:02x}")).collect();
    assert_eq!(printed, format!("KemDecapsulationKey {{ public: KemEncapsulationKey(sha256 {digest}), .. }}"));
}

#[test]
fn sealed_v1_prekey_store_still_unseals_and_reseals_as_v2() {
    use vestnik::storage::{Sealable, StorageKey, seal};
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/session");
    let bob = DeviceIdentity::from_bytes(&std::fs::read(dir.join("bob_identity.bin")).unwrap()).unwrap();
    let v1 = std::fs::read(dir.join("bob_prekeys.bin")).unwrap();
    let key = StorageKey::from_bytes([0x42; 32]);
    let sealed_v1 = seal(&key, format::STATE_PREKEYS_V1, &v1, &mut rand::rng());
    let pre = PreKeyStore::unseal(&key, &sealed_v1, &bob.public()).unwrap();
    assert!(!pre.publishes_kem_prekeys());
    let again = pre.seal(&key, &mut rand::rng());
    let pre2 = PreKeyStore::unseal(&key, &again, &bob.public()).unwrap();
    assert_eq!(pre2.to_bytes(), pre.to_bytes());
    assert_eq!(&pre.to_bytes()[..3], [0x08, 0x83, 0x22], "written as the current format, 0x1103 (SPEC §17.6)");
    // A v2 store's blob opened as another type still fails as before.
    assert!(vestnik::storage::unseal(&key, format::STATE_SESSIONS, &again).is_err());
}
