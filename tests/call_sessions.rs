//! Call keys over real 1:1 sessions: a key installs only when it arrives as
//! a `CallKey` payload from the participant it names (ASSURANCE rows 11, 12),
//! and only if bound to the receiver's roster (issue 13: a sender not told of
//! a departure).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

mod common;

use vestnik::call::{Call, CallError, CallId, CipherSuite, MAX_OVERHEAD};
use vestnik::{CallLimits, ContentType};

#[test]
fn call_keys_travel_only_as_typed_session_payloads() {
    let mut rng = rand::rng();
    let (mut alice, mut bob) = common::pair();
    let id = CallId::random(&mut rng);
    let suite = CipherSuite::ChaCha20Poly1305Sha256;
    let (mut a_call, to_bob) = Call::start(
        id,
        suite,
        0,
        alice.identity.public(),
        &[(1, bob.identity.public())],
        CallLimits::default(),
        &mut rng,
    )
    .unwrap();
    let (mut b_call, to_alice) = Call::start(
        id,
        suite,
        1,
        bob.identity.public(),
        &[(0, alice.identity.public())],
        CallLimits::default(),
        &mut rng,
    )
    .unwrap();

    // The same body as ordinary application data: refused by the call.
    let plain = alice.peer.encrypt(to_bob[0].body(), &mut rng).unwrap();
    let r = bob.peer.decrypt(&bob.identity, &mut bob.prekeys, &plain, 0).unwrap();
    assert_eq!(r.content_type(), ContentType::Application);
    assert_eq!(b_call.receive_key(&r, 0), Err(CallError::NotACallKey));
    // As a sender-key distribution: refused too.
    let wrong = alice.peer.encrypt_typed(ContentType::SenderKeyDistribution, to_bob[0].body(), &mut rng).unwrap();
    let r = bob.peer.decrypt(&bob.identity, &mut bob.prekeys, &wrong, 0).unwrap();
    assert_eq!(b_call.receive_key(&r, 0), Err(CallError::NotACallKey));

    // As a CallKey payload: installed, for Alice's index only.
    let wire = alice.peer.encrypt_typed(ContentType::CallKey, to_bob[0].body(), &mut rng).unwrap();
    let r = bob.peer.decrypt(&bob.identity, &mut bob.prekeys, &wire, 0).unwrap();
    assert_eq!(b_call.receive_key(&r, 0).unwrap().index, 0);
    let wire = bob.peer.encrypt_typed(ContentType::CallKey, to_alice[0].body(), &mut rng).unwrap();
    let r = alice.peer.decrypt(&alice.identity, &mut alice.prekeys, &wire, 0).unwrap();
    assert_eq!(a_call.receive_key(&r, 0).unwrap().index, 1);
    // Bob's own key, relayed back to him by Alice, is not Alice's key.
    let echo = alice.peer.encrypt_typed(ContentType::CallKey, to_alice[0].body(), &mut rng).unwrap();
    let r = bob.peer.decrypt(&bob.identity, &mut bob.prekeys, &echo, 0).unwrap();
    assert_eq!(b_call.receive_key(&r, 0), Err(CallError::NotAParticipant(1)));

    // Media both ways.
    let mut frame = [0u8; 80 + MAX_OVERHEAD];
    let n = a_call.protect(b"", &[7u8; 80], &mut frame).unwrap();
    let mut out = [0u8; 80 + MAX_OVERHEAD];
    let info = b_call.unprotect(b"", &frame[..n], &mut out, 0).unwrap();
    assert_eq!(&out[..info.plaintext_len], &[7u8; 80]);
    assert_eq!(b_call.participant(info.key_id.index), Some(&alice.identity.public()));
    let n = b_call.protect(b"", &[8u8; 80], &mut frame).unwrap();
    let info = a_call.unprotect(b"", &frame[..n], &mut out, 0).unwrap();
    assert_eq!(&out[..info.plaintext_len], &[8u8; 80]);

    // Bob leaves: Alice rotates, and Bob's copy of the call cannot read on.
    let d = a_call.participant_left(1, 0, &mut rng).unwrap();
    assert!(d.is_empty(), "nobody is left to receive the new key");
    let n = a_call.protect(b"", &[9u8; 80], &mut frame).unwrap();
    assert!(matches!(b_call.unprotect(b"", &frame[..n], &mut out, 0), Err(CallError::UnknownKid(_))));
}

#[test]
fn a_sender_not_told_of_a_departure_is_refused_over_real_sessions_until_it_applies_it() {
    // Alice (0) and Bob (1) in a call with Dora (2). Dora leaves; the server
    // tells Alice but withholds it from Bob.
    let mut rng = rand::rng();
    let (mut alice, mut bob) = common::pair();
    let dora = vestnik::DeviceIdentity::generate(&mut rng).public();
    let (a_id, b_id) = (alice.identity.public(), bob.identity.public());
    let id = CallId::random(&mut rng);
    let suite = CipherSuite::Aes128GcmSha256;
    let limits = CallLimits::default();
    let (mut a_call, to_b) = Call::start(id, suite, 0, a_id, &[(1, b_id), (2, dora)], limits, &mut rng).unwrap();
    let (mut b_call, to_a) = Call::start(id, suite, 1, b_id, &[(0, a_id), (2, dora)], limits, &mut rng).unwrap();
    assert_eq!(a_call.roster_hash(), b_call.roster_hash());
    let at = |d: &[vestnik::call::CallKeyDelivery], index: u16| {
        d.iter().find(|d| d.index() == index).unwrap().body().to_vec()
    };

    let wire = alice.peer.encrypt_typed(ContentType::CallKey, &at(&to_b, 1), &mut rng).unwrap();
    let r = bob.peer.decrypt(&bob.identity, &mut bob.prekeys, &wire, 0).unwrap();
    b_call.receive_key(&r, 0).unwrap();
    let wire = bob.peer.encrypt_typed(ContentType::CallKey, &at(&to_a, 0), &mut rng).unwrap();
    let r = alice.peer.decrypt(&alice.identity, &mut alice.prekeys, &wire, 0).unwrap();
    a_call.receive_key(&r, 0).unwrap();

    let t = 60_000;
    let a_new = a_call.participant_left(2, t, &mut rng).unwrap();
    let wire = alice.peer.encrypt_typed(ContentType::CallKey, &at(&a_new, 1), &mut rng).unwrap();
    let a_key_at_bob = bob.peer.decrypt(&bob.identity, &mut bob.prekeys, &wire, t).unwrap();
    assert_eq!(b_call.receive_key(&a_key_at_bob, t), Err(CallError::RosterMismatch { index: 0, epoch: 1 }));

    // Bob rotates with Dora still in his roster: Dora gets that key too, so
    // Alice refuses it, and Bob's frames stop decrypting once the overlap
    // of his pre-departure key has passed.
    let b_rotated = b_call.rotate_key(&mut rng).unwrap();
    assert_eq!(b_rotated.len(), 2);
    let wire = bob.peer.encrypt_typed(ContentType::CallKey, &at(&b_rotated, 0), &mut rng).unwrap();
    let r = alice.peer.decrypt(&alice.identity, &mut alice.prekeys, &wire, t).unwrap();
    assert_eq!(a_call.receive_key(&r, t), Err(CallError::RosterMismatch { index: 1, epoch: 0 }));
    let mut frame = [0u8; 80 + MAX_OVERHEAD];
    let mut out = [0u8; 80 + MAX_OVERHEAD];
    let n = b_call.protect(b"", &[1u8; 80], &mut frame).unwrap();
    assert!(matches!(a_call.unprotect(b"", &frame[..n], &mut out, t + 600_000), Err(CallError::UnknownKid(_))));

    // Bob learns of the departure: he retries Alice's key, which now
    // installs, and his new key installs at Alice.
    let b_new = b_call.participant_left(2, t + 600_000, &mut rng).unwrap();
    assert_eq!(b_call.receive_key(&a_key_at_bob, t + 600_000).unwrap().index, 0);
    let wire = bob.peer.encrypt_typed(ContentType::CallKey, &at(&b_new, 0), &mut rng).unwrap();
    let r = alice.peer.decrypt(&alice.identity, &mut alice.prekeys, &wire, t + 600_000).unwrap();
    assert_eq!(a_call.receive_key(&r, t + 600_000).unwrap().generation, 2);
    let n = b_call.protect(b"", &[2u8; 80], &mut frame).unwrap();
    let info = a_call.unprotect(b"", &frame[..n], &mut out, t + 600_000).unwrap();
    assert_eq!(&out[..info.plaintext_len], &[2u8; 80]);
    let n = a_call.protect(b"", &[3u8; 80], &mut frame).unwrap();
    let info = b_call.unprotect(b"", &frame[..n], &mut out, t + 600_000).unwrap();
    assert_eq!(&out[..info.plaintext_len], &[3u8; 80]);
}
