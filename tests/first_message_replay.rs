//! The replay gap of first messages, closed in the crate (SPEC.md §1, §5.8):
//! a device remembers the base key of every handshake it accepted under a
//! signed prekey until that prekey is deleted, so a replayed prekey message
//! is `Duplicate` even after the session it started is gone, with or
//! without a one-time prekey. Also: what a decrypt tells the app it changed,
//! what can be read before decrypting, and the promotion of a superseded
//! initiation that the peer answers (issue 13, flaw 6).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use vestnik::limits::{MAX_ACCEPTED_BASE_KEYS, SIGNED_PREKEY_GRACE_SECS};
use vestnik::session::{MessageInfo, MessageKind};
use vestnik::{DeviceIdentity, PeerSessions, PreKeyStore, SessionError, SessionLimits};

struct Bob {
    id: DeviceIdentity,
    pre: PreKeyStore,
}

fn bob() -> Bob {
    let mut rng = rand::rng();
    let id = DeviceIdentity::generate(&mut rng);
    let mut pre = PreKeyStore::new(&id, 0, &mut rng);
    pre.generate_one_time_prekeys(4, &mut rng).unwrap();
    Bob { id, pre }
}

/// A fresh initiator's first message to Bob, with or without a one-time prekey.
fn first_message(bob: &Bob, one_time: bool) -> (DeviceIdentity, PeerSessions, Vec<u8>) {
    let mut rng = rand::rng();
    let alice = DeviceIdentity::generate(&mut rng);
    let otk = one_time.then(|| bob.pre.one_time_prekeys()[0].id());
    let mut to_bob = PeerSessions::new(bob.id.public());
    to_bob.initiate(&alice, &bob.pre.bundle(&bob.id, otk), 0, &mut rng).unwrap();
    let m = to_bob.encrypt("Сәлам!".as_bytes(), &mut rng).unwrap();
    (alice, to_bob, m)
}

fn decrypt(bob: &mut Bob, from: &DeviceIdentity, m: &[u8]) -> (PeerSessions, Result<Vec<u8>, SessionError>) {
    let mut s = PeerSessions::new(from.public());
    let r = s.decrypt(&bob.id, &mut bob.pre, m, 0).map(|r| r.plaintext().to_vec());
    (s, r)
}

#[test]
fn replay_after_the_session_is_gone_is_duplicate_with_and_without_one_time_prekey() {
    for one_time in [false, true] {
        let mut b = bob();
        let (alice, _, m0) = first_message(&b, one_time);
        let (_, r) = decrypt(&mut b, &alice, &m0);
        assert_eq!(r.unwrap(), "Сәлам!".as_bytes());
        // Bob lost the session (a new PeerSessions), and restarted from storage.
        let mut b = Bob { pre: PreKeyStore::from_bytes(&b.pre.to_bytes(), &b.id.public()).unwrap(), id: b.id };
        let before = b.pre.to_bytes();
        let (lost, r) = decrypt(&mut b, &alice, &m0);
        assert_eq!(r, Err(SessionError::Duplicate), "one_time = {one_time}");
        assert_eq!(lost.session_count(), 0);
        assert_eq!(b.pre.to_bytes(), before, "a refused replay changes nothing");
    }
}

#[test]
fn later_prekey_messages_of_a_lost_session_are_refused_too() {
    let mut b = bob();
    let mut rng = rand::rng();
    let (alice, mut to_bob, m0) = first_message(&b, false);
    let m1 = to_bob.encrypt(b"second", &mut rng).unwrap();
    assert_eq!(PeerSessions::inspect(&m1).unwrap().kind(), MessageKind::PreKey);
    decrypt(&mut b, &alice, &m0).1.unwrap();
    // m1 names the same handshake: without its session it cannot be told
    // from a replay, so it never starts a second session.
    assert_eq!(decrypt(&mut b, &alice, &m1).1, Err(SessionError::Duplicate));
}

#[test]
fn memory_is_released_with_the_signed_prekey() {
    let mut b = bob();
    let mut rng = rand::rng();
    let (alice, _, m0) = first_message(&b, false);
    decrypt(&mut b, &alice, &m0).1.unwrap();
    assert_eq!(b.pre.accepted_handshakes(), 1);
    b.pre.rotate_signed_prekey(&b.id, 10, &mut rng);
    assert_eq!(b.pre.accepted_handshakes(), 0, "a new signed prekey starts an empty memory");
    // Within the grace period the previous prekey still remembers.
    b.pre.expire(10 + SIGNED_PREKEY_GRACE_SECS);
    assert_eq!(decrypt(&mut b, &alice, &m0).1, Err(SessionError::Duplicate));
    // Once it is deleted, its handshakes cannot be answered at all.
    let with_memory = b.pre.to_bytes().len();
    b.pre.expire(11 + SIGNED_PREKEY_GRACE_SECS);
    assert_eq!(decrypt(&mut b, &alice, &m0).1, Err(SessionError::UnknownSignedPreKey(1)));
    assert!(b.pre.to_bytes().len() < with_memory - 32);
}

#[test]
fn a_full_memory_refuses_new_handshakes_until_rotation() {
    let mut b = bob();
    let mut rng = rand::rng();
    let mut limits = SessionLimits::default();
    assert_eq!(limits.max_accepted_base_keys, MAX_ACCEPTED_BASE_KEYS);
    limits.max_accepted_base_keys = 2;
    let accept = |b: &mut Bob, m: &[u8], from: &DeviceIdentity| {
        let mut s = PeerSessions::with_limits(from.public(), limits);
        s.decrypt(&b.id, &mut b.pre, m, 0).map(|r| r.plaintext().to_vec())
    };
    for _ in 0..2 {
        let (alice, _, m) = first_message(&b, false);
        accept(&mut b, &m, &alice).unwrap();
    }
    let (carol, _, m) = first_message(&b, false);
    let before = b.pre.to_bytes();
    assert_eq!(accept(&mut b, &m, &carol), Err(SessionError::ReplayMemoryFull { signed_prekey_id: 1 }));
    assert_eq!(b.pre.to_bytes(), before);
    // A rotation opens a fresh memory; Carol's next attempt (with the new bundle) works.
    b.pre.rotate_signed_prekey(&b.id, 5, &mut rng);
    let (carol, _, m) = first_message(&b, false);
    assert_eq!(accept(&mut b, &m, &carol).unwrap(), "Сәлам!".as_bytes());
}

#[test]
fn received_says_when_the_prekey_store_changed() {
    let mut b = bob();
    let mut rng = rand::rng();
    let (alice, mut to_bob, m0) = first_message(&b, true);
    let mut s = PeerSessions::new(alice.public());
    let r = s.decrypt(&b.id, &mut b.pre, &m0, 0).unwrap();
    assert!(r.prekeys_changed(), "a new session consumed a one-time prekey and was remembered");
    let m1 = to_bob.encrypt(b"again", &mut rng).unwrap();
    assert!(!s.decrypt(&b.id, &mut b.pre, &m1, 0).unwrap().prekeys_changed());
    let reply = s.encrypt(b"reply", &mut rng).unwrap();
    let mut a_pre = PreKeyStore::new(&alice, 0, &mut rng);
    let back = to_bob.decrypt(&alice, &mut a_pre, &reply, 0).unwrap();
    assert!(!back.prekeys_changed());
}

#[test]
fn public_header_data_is_readable_before_decryption() {
    let mut b = bob();
    let mut rng = rand::rng();
    let (alice, mut to_bob, m0) = first_message(&b, true);
    let info: MessageInfo = PeerSessions::inspect(&m0).unwrap();
    assert_eq!(info.kind(), MessageKind::PreKey);
    assert_eq!(info.counter(), 0);
    assert_eq!(info.session_id(), to_bob.current_session_id());
    assert_eq!(info.claimed_sender(), Some(&alice.public()));
    assert_eq!(info.signed_prekey_id(), Some(1));
    assert_eq!(info.one_time_prekey_id(), Some(b.pre.one_time_prekeys()[0].id()));
    let mut s = PeerSessions::new(alice.public());
    assert_eq!(s.session_for(&info), None, "no session yet");
    s.decrypt(&b.id, &mut b.pre, &m0, 0).unwrap();
    assert_eq!(s.session_for(&info), to_bob.current_session_id());
    // Ratchet messages: the counter and the session that holds the chain.
    let r0 = s.encrypt(b"r0", &mut rng).unwrap();
    let r1 = s.encrypt(b"r1", &mut rng).unwrap();
    let i1 = PeerSessions::inspect(&r1).unwrap();
    assert_eq!((i1.kind(), i1.counter(), i1.previous_counter()), (MessageKind::Ratchet, 1, 0));
    assert_eq!(i1.session_id(), None, "a ratchet message does not name its session");
    assert_eq!(i1.claimed_sender(), None);
    let mut a_pre = PreKeyStore::new(&alice, 0, &mut rng);
    to_bob.decrypt(&alice, &mut a_pre, &r0, 0).unwrap();
    assert_eq!(to_bob.session_for(&i1), to_bob.current_session_id());
    // Garbage is refused with the decoder's error.
    assert!(matches!(PeerSessions::inspect(&[0x08, 0x99]), Err(SessionError::Decode(_))));
}

/// Issue 13, flaw 6: a superseded initiation that the peer genuinely
/// answers is promoted, so both sides end on the session the peer uses.
#[test]
fn a_superseded_initiation_the_peer_answers_is_promoted() {
    let mut rng = rand::rng();
    // Alice's key must sort higher, so she loses the tie-break.
    let (alice, bob) = loop {
        let a = DeviceIdentity::generate(&mut rng);
        let b = DeviceIdentity::generate(&mut rng);
        if a.public().signing_key().as_bytes() > b.public().signing_key().as_bytes() {
            break (a, b);
        }
    };
    let mut a_pre = PreKeyStore::new(&alice, 0, &mut rng);
    let mut b_pre = PreKeyStore::new(&bob, 0, &mut rng);
    let mut a = PeerSessions::new(bob.public());
    let mut b = PeerSessions::new(alice.public());
    // Both initiate at once.
    a.initiate(&alice, &b_pre.bundle(&bob, None), 0, &mut rng).unwrap();
    let a_init = a.current_session_id();
    let a0 = a.encrypt(b"from alice", &mut rng).unwrap();
    b.initiate(&bob, &a_pre.bundle(&alice, None), 0, &mut rng).unwrap();
    let b0 = b.encrypt(b"from bob", &mut rng).unwrap();
    // Alice gets Bob's first: she loses the tie-break, her initiation is superseded.
    a.decrypt(&alice, &mut a_pre, &b0, 0).unwrap();
    assert_ne!(a.current_session_id(), a_init);
    // Bob lost his initiation (restored from an older backup) and answers Alice's.
    let mut b = PeerSessions::new(alice.public());
    assert_eq!(b.decrypt(&bob, &mut b_pre, &a0, 0).unwrap().plaintext(), b"from alice");
    let answer = b.encrypt(b"answer", &mut rng).unwrap();
    assert_eq!(a.decrypt(&alice, &mut a_pre, &answer, 0).unwrap().plaintext(), b"answer");
    // Bob's genuine answer promotes Alice's initiation: her next message uses it and Bob reads it.
    assert_eq!(a.current_session_id(), a_init);
    let next = a.encrypt(b"still here", &mut rng).unwrap();
    assert_eq!(b.decrypt(&bob, &mut b_pre, &next, 0).unwrap().plaintext(), b"still here");
}
