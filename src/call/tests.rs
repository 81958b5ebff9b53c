//! Tests of the call layer as a whole: key lifecycle across joins and leaves,
//! replay, every limit at MAX and MAX + 1, binding of keys to senders, calls
//! and suites, and what a failed frame leaves behind (ASSURANCE rows 5, 7, 8,
//! 11, 12, 14, 16).

use super::*;
use crate::identity::{DeviceIdentity, IdentityPublic};
use crate::limits::CallLimits;
use crate::session::{ContentType, Received};

const AUDIO: [u8; 80] = [0x5a; 80];

struct Party {
    device: DeviceIdentity,
    call: Call,
}

/// Delivers a key as the session layer would: authenticated sender, CallKey type.
fn deliver(from: &DeviceIdentity, d: &CallKeyDelivery, to: &mut Call, now: u64) -> Result<KeyId, CallError> {
    to.receive_key(&Received::for_tests(from.public(), ContentType::CallKey, d.body()), now)
}

/// Starts a call of `n` devices with indexes 0..n, every key delivered.
fn call_of(n: u16, suite: CipherSuite, limits: CallLimits) -> Vec<Party> {
    let mut rng = rand::rng();
    let id = CallId::from_bytes([7; CALL_ID_LEN]);
    let devices: Vec<DeviceIdentity> = (0..n).map(|_| DeviceIdentity::generate(&mut rng)).collect();
    let publics: Vec<_> = devices.iter().map(|d| d.public()).collect();
    let mut parties = Vec::new();
    let mut outboxes = Vec::new();
    for (i, device) in (0u16..).zip(devices) {
        let others: Vec<(u16, _)> = (0..n).filter(|j| *j != i).map(|j| (j, publics[usize::from(j)])).collect();
        let (call, deliveries) = Call::start(id, suite, i, publics[usize::from(i)], &others, limits, &mut rng).unwrap();
        parties.push(Party { device, call });
        outboxes.push(deliveries);
    }
    for (from, deliveries) in outboxes.iter().enumerate() {
        deliver_all(&mut parties, from, deliveries, 0);
    }
    parties
}

fn send(p: &mut Party, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; payload.len() + MAX_OVERHEAD];
    let n = p.call.protect(b"rtp", payload, &mut out).unwrap();
    out.truncate(n);
    out
}

fn recv(p: &mut Party, frame: &[u8], now: u64) -> Result<Vec<u8>, CallError> {
    let mut out = vec![0u8; frame.len()];
    let info = p.call.unprotect(b"rtp", frame, &mut out, now)?;
    out.truncate(info.plaintext_len);
    Ok(out)
}

fn deliver_all(parties: &mut [Party], from: usize, deliveries: &[CallKeyDelivery], now: u64) {
    let sender = DeviceIdentity::from_bytes(&parties[from].device.to_bytes()).unwrap();
    for d in deliveries {
        deliver(&sender, d, &mut parties[usize::from(d.index())].call, now).unwrap();
    }
}

#[test]
fn join_ratchets_and_leave_rotates_with_overlap() {
    let mut rng = rand::rng();
    let mut parties = call_of(3, CipherSuite::ChaCha20Poly1305Sha256, CallLimits::default());
    let early = send(&mut parties[0], &AUDIO);
    for p in &mut parties[1..3] {
        assert_eq!(recv(p, &early, 0).unwrap(), AUDIO);
    }

    // A fourth device joins at index 3.
    let newcomer = DeviceIdentity::generate(&mut rng);
    let publics: Vec<_> = parties.iter().map(|p| p.device.public()).collect();
    let others: Vec<(u16, _)> = (0..3u16).map(|i| (i, publics[usize::from(i)])).collect();
    let (id, suite) = (parties[0].call.id(), parties[0].call.suite());
    let (call, to_old) =
        Call::start(id, suite, 3, newcomer.public(), &others, CallLimits::default(), &mut rng).unwrap();
    parties.push(Party { device: newcomer, call });
    for i in 0..3 {
        let newcomer_public = parties[3].device.public();
        let d = parties[i].call.participant_joined(3, newcomer_public, &mut rng).unwrap();
        assert_eq!(d.len(), 1, "a join sends one key, to the newcomer");
        assert_eq!(parties[i].call.own_key_id().unwrap().step, 1);
        deliver_all(&mut parties, i, &d, 10);
    }
    deliver_all(&mut parties, 3, &to_old, 10);

    // The newcomer cannot read what was sent before it joined.
    assert_eq!(recv(&mut parties[3], &early, 10), Err(CallError::UnknownKid(0)));
    // Everyone reads new frames; old members derive step 1 themselves.
    let after_join = send(&mut parties[0], &AUDIO);
    for p in &mut parties[1..4] {
        assert_eq!(recv(p, &after_join, 20).unwrap(), AUDIO);
    }
    let from_newcomer = send(&mut parties[3], b"hi");
    assert_eq!(recv(&mut parties[1], &from_newcomer, 20).unwrap(), b"hi");

    // Index 2 leaves: the others rotate; 2 cannot read what follows.
    let in_flight = send(&mut parties[0], &AUDIO);
    let late = send(&mut parties[0], &AUDIO);
    // Everyone applies the departure before the new keys arrive: a key
    // bound to a roster the receiver has not reached is refused (see
    // `sender_behind_on_a_departure_is_refused_until_it_catches_up`).
    let mut outboxes = Vec::new();
    for i in [0usize, 1, 3] {
        let d = parties[i].call.participant_left(2, 1_000, &mut rng).unwrap();
        assert_eq!(d.len(), 2, "a leave sends the new key to every remaining participant");
        outboxes.push((i, d));
    }
    for (i, d) in &outboxes {
        deliver_all(&mut parties, *i, d, 1_000);
    }
    let after_leave = send(&mut parties[0], &AUDIO);
    assert_eq!(KeyId::from_kid(SFrameHeader::decode(&after_leave).unwrap().0.kid).unwrap().generation, 1);
    assert!(matches!(recv(&mut parties[2], &after_leave, 1_000), Err(CallError::UnknownKid(_))));
    assert_eq!(recv(&mut parties[1], &after_leave, 1_000).unwrap(), AUDIO);
    // Frames still in flight under the old key decrypt within the overlap window...
    assert_eq!(recv(&mut parties[3], &in_flight, 1_500).unwrap(), AUDIO);
    // ...and the old key is retired once it has passed.
    assert!(matches!(recv(&mut parties[1], &late, 1_000 + 2_000), Err(CallError::RetiredKid(_))));
    // The departed participant's frames are refused by everyone.
    let from_departed = send(&mut parties[2], &AUDIO);
    assert!(matches!(recv(&mut parties[1], &from_departed, 1_100), Err(CallError::RetiredKid(_))));
}

#[test]
fn one_to_one_call_uses_the_same_mechanism() {
    let mut parties = call_of(2, CipherSuite::Aes128GcmSha256, CallLimits::default());
    let f = send(&mut parties[1], &[1u8; 1200]);
    assert_eq!(recv(&mut parties[0], &f, 0).unwrap(), vec![1u8; 1200]);
    let d = parties[0].call.rotate_key(&mut rand::rng()).unwrap();
    assert_eq!(d.len(), 1);
    deliver_all(&mut parties, 0, &d, 0);
    let f = send(&mut parties[0], b"x");
    assert_eq!(recv(&mut parties[1], &f, 0).unwrap(), b"x");
}

#[test]
fn replayed_frames_are_duplicates_never_plaintext() {
    let mut parties = call_of(2, CipherSuite::Aes256GcmSha512, CallLimits::default());
    let frames: Vec<_> = (0..5).map(|_| send(&mut parties[0], &AUDIO)).collect();
    for f in frames.iter().rev() {
        assert_eq!(recv(&mut parties[1], f, 0).unwrap(), AUDIO);
    }
    for f in &frames {
        let ctr = SFrameHeader::decode(f).unwrap().0.ctr;
        assert_eq!(recv(&mut parties[1], f, 0), Err(CallError::Duplicate { kid: 0, ctr }));
        let mut buf = f.clone();
        let r = parties[1].call.receiver_mut().unprotect_in_place(b"rtp", &mut buf, 0);
        assert_eq!(r.map(|_| ()), Err(CallError::Duplicate { kid: 0, ctr }));
        assert_eq!(&buf, f, "a refused duplicate is not decrypted in place");
    }
}

fn raw_pair(suite: CipherSuite, limits: CallLimits, id: KeyId) -> (SenderContext, ReceiverContext) {
    let base = [3u8; 32];
    let tx = SenderContext::new(suite, id.to_kid(), &base, limits).unwrap();
    let mut rx = ReceiverContext::new(suite, limits);
    rx.insert_key(id, &base, 0).unwrap();
    (tx, rx)
}

fn protect(tx: &mut SenderContext, meta: &[u8], payload: &[u8]) -> Result<Vec<u8>, CallError> {
    let mut out = vec![0u8; payload.len() + MAX_OVERHEAD];
    let n = tx.protect(meta, payload, &mut out)?;
    out.truncate(n);
    Ok(out)
}

fn unprotect(rx: &mut ReceiverContext, meta: &[u8], frame: &[u8]) -> Result<Vec<u8>, CallError> {
    let mut out = vec![0u8; frame.len()];
    let info = rx.unprotect(meta, frame, &mut out, 0)?;
    out.truncate(info.plaintext_len);
    Ok(out)
}

#[test]
fn limits_at_max_and_max_plus_one() {
    let id = KeyId::new(1, 0, 0).unwrap();
    let suite = CipherSuite::Aes128GcmSha256;
    let limits = CallLimits {
        replay_window: 64,
        max_metadata_len: 32,
        max_frame_len: 200,
        max_counter: 70,
        ..Default::default()
    };
    let (mut tx, mut rx) = raw_pair(suite, limits, id);

    // Replay window: W - 1 behind accepted, W behind refused.
    let frames: Vec<_> = (0..=70).map(|_| protect(&mut tx, b"", b"f").unwrap()).collect();
    assert_eq!(tx.next_counter(), None, "counter 70 was the last one");
    assert_eq!(protect(&mut tx, b"", b"f"), Err(CallError::CounterExhausted));
    unprotect(&mut rx, b"", &frames[70]).unwrap();
    unprotect(&mut rx, b"", &frames[70 - 63]).unwrap();
    assert_eq!(unprotect(&mut rx, b"", &frames[70 - 64]), Err(CallError::TooOld { kid: id.to_kid(), ctr: 6 }));

    // Counters above the sender limit are refused before any crypto.
    let mut over = SenderContext::new(suite, id.to_kid(), &[3u8; 32], CallLimits::default()).unwrap();
    over.set_next_counter(71);
    let f = protect(&mut over, b"", b"f").unwrap();
    assert_eq!(unprotect(&mut rx, b"", &f), Err(CallError::CounterOutOfRange { ctr: 71, max: 70 }));

    // Metadata: 32 bytes accepted, 33 refused, on both sides.
    let (mut tx, mut rx) = raw_pair(suite, limits, id);
    let f = protect(&mut tx, &[1; 32], b"f").unwrap();
    assert_eq!(unprotect(&mut rx, &[1; 32], &f).unwrap(), b"f");
    assert_eq!(protect(&mut tx, &[1; 33], b"f"), Err(CallError::MetadataTooLarge { len: 33, max: 32 }));
    assert_eq!(unprotect(&mut rx, &[1; 33], &f), Err(CallError::MetadataTooLarge { len: 33, max: 32 }));

    // Frame length: exactly 200 accepted, 201 refused (a 1-byte header here:
    // KID 1 and CTR 0 both fit the short form).
    let f = protect(&mut tx, b"", &[0; 200 - 1 - 16]).unwrap();
    assert_eq!(f.len(), 200);
    unprotect(&mut rx, b"", &f).unwrap();
    // The next frame has CTR 1: still a 1-byte header.
    assert_eq!(protect(&mut tx, b"", &[0; 200 - 1 - 16 + 1]), Err(CallError::FrameTooLarge { len: 201, max: 200 }));
    let mut long = f.clone();
    long.push(0);
    assert_eq!(unprotect(&mut rx, b"", &long), Err(CallError::FrameTooLarge { len: 201, max: 200 }));
}

#[test]
fn ratchet_jump_and_keys_per_sender_at_max_and_max_plus_one() {
    let suite = CipherSuite::ChaCha20Poly1305Sha256;
    let limits = CallLimits::default();
    let jump = limits.max_ratchet_jump;
    let base0 = BaseKey::from_slice(&[9u8; 32]).unwrap();
    let mut ratcheted = vec![base0.duplicate()];
    for _ in 0..=jump {
        let next = ratcheted.last().unwrap().ratchet(suite);
        ratcheted.push(next);
    }
    let mut rx = ReceiverContext::new(suite, limits);
    rx.insert_key(KeyId::new(4, 0, 0).unwrap(), base0.as_bytes(), 0).unwrap();
    let frame_at = |step: u8| {
        let id = KeyId::new(4, 0, step).unwrap();
        let mut tx = SenderContext::new(suite, id.to_kid(), ratcheted[usize::from(step)].as_bytes(), limits).unwrap();
        protect(&mut tx, b"", b"step").unwrap()
    };
    let too_far = frame_at(jump + 1);
    assert_eq!(unprotect(&mut rx, b"", &too_far), Err(CallError::RatchetTooFar { steps: jump + 1, max: jump }));
    assert_eq!(rx.keys_held(4), 1, "a refused frame installs nothing");
    assert_eq!(unprotect(&mut rx, b"", &frame_at(jump)).unwrap(), b"step");
    assert_eq!(rx.keys_held(4), 2);
    // Now step jump + 1 is one step away.
    assert_eq!(unprotect(&mut rx, b"", &too_far).unwrap(), b"step");

    // Keys per sender: the cap holds and the oldest are retired.
    let mut rx = ReceiverContext::new(suite, limits);
    for generation in 0..=(limits.max_keys_per_sender as u16) {
        rx.insert_key(KeyId::new(4, generation, 0).unwrap(), &[generation as u8 + 20; 32], 0).unwrap();
        assert!(rx.keys_held(4) <= limits.max_keys_per_sender);
    }
    assert_eq!(rx.keys_held(4), limits.max_keys_per_sender);
    let id = KeyId::new(4, 0, 0).unwrap();
    let mut tx = SenderContext::new(suite, id.to_kid(), &[20; 32], limits).unwrap();
    let f = protect(&mut tx, b"", b"x").unwrap();
    assert_eq!(unprotect(&mut rx, b"", &f), Err(CallError::RetiredKid(id.to_kid())));
    assert_eq!(rx.insert_key(id, &[20; 32], 0), Err(CallError::StaleKey));
}

#[test]
fn participants_at_max_and_max_plus_one() {
    let mut rng = rand::rng();
    let limits = CallLimits { max_participants: 3, ..Default::default() };
    let p = |_| DeviceIdentity::generate(&mut rand::rng()).public();
    let id = CallId::random(&mut rng);
    let suite = CipherSuite::default();
    let two = [(1u16, p(0)), (2, p(0))];
    let (mut call, d) = Call::start(id, suite, 0, p(0), &two, limits, &mut rng).unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(call.participant_joined(3, p(0), &mut rng).unwrap_err(), CallError::TooManyParticipants { max: 3 });
    assert_eq!(call.participant_count(), 2, "a refused join changes nothing");
    let three = [(1u16, p(0)), (2, p(0)), (3, p(0))];
    assert!(matches!(
        Call::start(id, suite, 0, p(0), &three, limits, &mut rng),
        Err(CallError::TooManyParticipants { .. })
    ));
    // Index rules: the own index, a taken one, one past the layout.
    assert_eq!(call.participant_joined(0, p(0), &mut rng).unwrap_err(), CallError::InvalidIndex(0));
    assert_eq!(call.participant_joined(1, p(0), &mut rng).unwrap_err(), CallError::InvalidIndex(1));
    let at_one = *call.participant(1).unwrap();
    call.participant_left(2, 0, &mut rng).unwrap();
    assert_eq!(
        call.participant_joined(2, at_one, &mut rng).unwrap_err(),
        CallError::InvalidIndex(2),
        "one index per device"
    );
    assert!(Call::start(id, suite, MAX_PARTICIPANT_INDEX + 1, p(0), &[], limits, &mut rng).is_err());
    assert!(Call::start(id, suite, MAX_PARTICIPANT_INDEX, p(0), &[], limits, &mut rng).is_ok());
}

#[test]
fn counter_at_its_maximum_errs_without_wrapping() {
    let limits = CallLimits { max_counter: u64::MAX, ..Default::default() };
    let id = KeyId::new(0, 0, 0).unwrap();
    let (mut tx, mut rx) = raw_pair(CipherSuite::Aes128GcmSha256, limits, id);
    tx.set_next_counter(u64::MAX);
    let f = protect(&mut tx, b"", b"last").unwrap();
    assert_eq!(SFrameHeader::decode(&f).unwrap().0.ctr, u64::MAX);
    assert_eq!(tx.next_counter(), None);
    assert_eq!(protect(&mut tx, b"", b"wrap?"), Err(CallError::CounterExhausted));
    assert_eq!(unprotect(&mut rx, b"", &f).unwrap(), b"last");
    assert_eq!(unprotect(&mut rx, b"", &f), Err(CallError::Duplicate { kid: 0, ctr: u64::MAX }));
}

#[test]
fn ratchet_step_and_generation_exhaustion() {
    let mut rng = rand::rng();
    let other = DeviceIdentity::generate(&mut rng).public();
    let (mut call, _) = Call::start(
        CallId::random(&mut rng),
        CipherSuite::default(),
        0,
        DeviceIdentity::generate(&mut rng).public(),
        &[(1, other)],
        CallLimits::default(),
        &mut rng,
    )
    .unwrap();
    for i in 0..MAX_RATCHET_STEP {
        call.participant_joined(2 + u16::from(i), DeviceIdentity::generate(&mut rng).public(), &mut rng).unwrap();
    }
    assert_eq!(call.own_key_id().unwrap().step, MAX_RATCHET_STEP);
    // One more join: no step left, so a fresh generation goes to everyone.
    let d = call.participant_joined(500, DeviceIdentity::generate(&mut rng).public(), &mut rng).unwrap();
    assert_eq!(d.len(), call.participant_count());
    assert_eq!(call.own_key_id().map(|k| (k.generation, k.step)), Some((1, 0)));
}

#[test]
fn keys_are_bound_to_sender_call_suite_and_type() {
    let mut rng = rand::rng();
    let a = DeviceIdentity::generate(&mut rng);
    let b = DeviceIdentity::generate(&mut rng);
    let mallory = DeviceIdentity::generate(&mut rng);
    let id = CallId::random(&mut rng);
    let suite = CipherSuite::Aes128GcmSha256;
    let (_, to_b) = Call::start(
        id,
        suite,
        0,
        a.public(),
        &[(1, b.public()), (2, mallory.public())],
        CallLimits::default(),
        &mut rng,
    )
    .unwrap();
    let (mut b_call, _) = Call::start(
        id,
        suite,
        1,
        b.public(),
        &[(0, a.public()), (2, mallory.public())],
        CallLimits::default(),
        &mut rng,
    )
    .unwrap();
    let body = to_b[0].body();

    // The right payload under another content type, or from another device.
    for ty in [ContentType::Application, ContentType::SenderKeyDistribution, ContentType::Credential] {
        let r = Received::for_tests(a.public(), ty, body);
        assert_eq!(b_call.receive_key(&r, 0), Err(CallError::NotACallKey));
    }
    let forged = Received::for_tests(mallory.public(), ContentType::CallKey, body);
    assert_eq!(b_call.receive_key(&forged, 0), Err(CallError::NotAParticipant(0)));
    // Another call, another suite.
    let (mut other_call, _) = Call::start(
        CallId::random(&mut rng),
        suite,
        1,
        b.public(),
        &[(0, a.public())],
        CallLimits::default(),
        &mut rng,
    )
    .unwrap();
    assert_eq!(deliver(&a, &to_b[0], &mut other_call, 0), Err(CallError::WrongCall));
    let (mut other_suite, _) = Call::start(
        id,
        CipherSuite::Aes256GcmSha512,
        1,
        b.public(),
        &[(0, a.public())],
        CallLimits::default(),
        &mut rng,
    )
    .unwrap();
    assert_eq!(deliver(&a, &to_b[0], &mut other_suite, 0), Err(CallError::SuiteMismatch { found: 4, expected: 5 }));
    // Installed once from the right device; again is harmless.
    assert_eq!(deliver(&a, &to_b[0], &mut b_call, 0).map(|k| k.index), Ok(0));
    assert_eq!(deliver(&a, &to_b[0], &mut b_call, 0).map(|k| k.index), Ok(0));

    // A call key into other decoders, and other messages into this one.
    assert!(crate::DeviceIdentity::from_bytes(body).is_err());
    assert!(crate::PreKeyBundle::from_bytes(body).is_err());
    let not_a_key = Received::for_tests(a.public(), ContentType::CallKey, &a.to_bytes());
    assert!(matches!(b_call.receive_key(&not_a_key, 0), Err(CallError::Decode(_))));
}

#[test]
fn bad_frames_are_refused_and_leave_no_plaintext() {
    let secret = *b"attack at dawn, bring the blue folder.....";
    for suite in CipherSuite::ALL {
        let id = KeyId::new(2, 0, 0).unwrap();
        let (mut tx, mut rx) = raw_pair(suite, CallLimits::default(), id);
        let f = protect(&mut tx, b"meta", &secret).unwrap();

        // Tampered metadata, header, ciphertext or tag: out-of-place output is wiped.
        let mut tampered = vec![(b"metb".to_vec(), f.clone())];
        for at in [2, f.len() / 2, f.len() - 1] {
            let mut g = f.clone();
            g[at] ^= 1;
            tampered.push((b"meta".to_vec(), g));
        }
        for (meta, g) in &tampered {
            let mut out = vec![0xeeu8; g.len()];
            assert_eq!(rx.unprotect(meta, g, &mut out, 0), Err(CallError::AuthenticationFailed));
            let n = secret.len();
            assert!(out[..n].iter().all(|&b| b == 0), "{suite:?}: output wiped");
            let mut inplace = g.clone();
            assert_eq!(rx.unprotect_in_place(meta, &mut inplace, 0).map(|_| ()), Err(CallError::AuthenticationFailed));
            assert!(!inplace.windows(8).any(|w| secret.windows(8).any(|s| s == w)), "no plaintext left in place");
        }
        // Wrong suite: same base key and KID, another suite's key.
        let other = CipherSuite::ALL.into_iter().find(|s| *s != suite).unwrap();
        let (_, mut rx_other) = raw_pair(other, CallLimits::default(), id);
        assert_eq!(unprotect(&mut rx_other, b"meta", &f), Err(CallError::AuthenticationFailed));
        // A frame for one KID relabelled as another held KID.
        let id2 = KeyId::new(3, 0, 0).unwrap();
        rx.insert_key(id2, &[3u8; 32], 0).unwrap();
        let mut relabelled = f.clone();
        relabelled[0] = 0x30; // short-form KID 3, CTR 0
        assert_eq!(unprotect(&mut rx, b"meta", &relabelled), Err(CallError::AuthenticationFailed));
        // Unknown KIDs: unheld index, a KID outside the vestnik layout.
        let mut unknown = f.clone();
        unknown[0] = 0x50;
        assert_eq!(unprotect(&mut rx, b"meta", &unknown), Err(CallError::UnknownKid(5)));
        let mut wide = vec![0xf0, 1, 0, 0, 0, 0, 0, 0, 2];
        wide.extend_from_slice(&[0; 16]);
        assert_eq!(unprotect(&mut rx, b"", &wide), Err(CallError::UnknownKid(1 << 56 | 2)));
        // Every truncation: an error, never a panic.
        for cut in 0..f.len() {
            assert!(unprotect(&mut rx, b"meta", &f[..cut]).is_err());
        }
        assert_eq!(unprotect(&mut rx, b"meta", &[]), Err(CallError::TruncatedHeader));
        assert_eq!(unprotect(&mut rx, b"meta", &f[..16]), Err(CallError::TruncatedFrame));
        // Output too small; then the untouched frame still decrypts once.
        let mut small = vec![0u8; secret.len() - 1];
        assert!(matches!(rx.unprotect(b"meta", &f, &mut small, 0), Err(CallError::BufferTooSmall { .. })));
        assert_eq!(unprotect(&mut rx, b"meta", &f).unwrap(), secret);
    }
}

#[test]
fn in_place_round_trips_for_every_suite_and_size() {
    for suite in CipherSuite::ALL {
        let id = KeyId::new(600, 9, 5).unwrap();
        let (mut tx, mut rx) = raw_pair(suite, CallLimits::default(), id);
        for size in [0usize, 1, 80, 1200, 5000] {
            let payload: Vec<u8> = (0..size).map(|i| i as u8).collect();
            let mut buf = payload.clone();
            buf.resize(size + MAX_OVERHEAD, 0);
            assert!(matches!(
                tx.protect_in_place(b"m", &mut buf[..size + 2], size),
                Err(CallError::BufferTooSmall { .. })
            ));
            let expected = tx.frame_len(size);
            let n = tx.protect_in_place(b"m", &mut buf, size).unwrap();
            assert_eq!(n, expected);
            let (info, pt) = rx.unprotect_in_place(b"m", &mut buf[..n], 0).unwrap();
            assert_eq!(pt, &payload[..]);
            assert_eq!((info.key_id, info.plaintext_len), (id, size));
        }
    }
}

#[test]
fn debug_prints_no_secret() {
    let base = [0xabu8; 32];
    let id = KeyId::new(3, 0, 0).unwrap();
    let tx = SenderContext::new(CipherSuite::Aes128GcmSha256, id.to_kid(), &base, CallLimits::default()).unwrap();
    assert_eq!(format!("{tx:?}"), "SenderContext { suite: Aes128GcmSha256, kid: 0x3, next_counter: Some(0), .. }");
    let mut rx = ReceiverContext::new(CipherSuite::Aes128GcmSha256, CallLimits::default());
    rx.insert_key(id, &base, 0).unwrap();
    assert_eq!(format!("{rx:?}"), "ReceiverContext { suite: Aes128GcmSha256, senders: 1, keys: 1, .. }");
    let mut rng = rand::rng();
    let other = DeviceIdentity::generate(&mut rng).public();
    let (mut call, d) = Call::start(
        CallId::from_bytes([1; 16]),
        CipherSuite::default(),
        0,
        DeviceIdentity::generate(&mut rng).public(),
        &[(1, other)],
        CallLimits::default(),
        &mut rng,
    )
    .unwrap();
    let dbg = format!("{call:?} {:?}", d[0]);
    assert!(
        dbg.starts_with(
            "Call { id: CallId(0101010101010101), suite: ChaCha20Poly1305Sha256, own_index: 0, participants: 1,"
        ),
        "{dbg}"
    );
    assert!(dbg.contains("CallKeyDelivery { to: IdentityPublic("), "{dbg}");
    let key_hex = hex::encode(call.sender_mut().base_key().as_bytes());
    assert!(!dbg.contains(&key_hex[..16]) && !dbg.contains("abab"), "{dbg}");
    assert_eq!(format!("{:?}", FrameKey::derive(CipherSuite::default(), &base, 0)), "FrameKey(..)");
}

#[test]
fn sender_ratchet_stops_at_the_last_step_and_old_keys_expire() {
    let suite = CipherSuite::default();
    let id = KeyId::new(2, 0, MAX_RATCHET_STEP - 1).unwrap();
    let mut tx = SenderContext::new(suite, id.to_kid(), &[1; 32], CallLimits::default()).unwrap();
    assert_eq!(tx.ratchet().unwrap().step, MAX_RATCHET_STEP);
    assert_eq!(tx.next_counter(), Some(0), "a new key restarts the counter");
    assert_eq!(tx.ratchet(), Err(CallError::RatchetExhausted));
    let mut foreign = SenderContext::new(suite, 1 << 40, &[1; 32], CallLimits::default()).unwrap();
    assert_eq!(foreign.ratchet(), Err(CallError::UnknownKid(1 << 40)));
    assert_eq!(
        SenderContext::new(suite, 0, &[1; 15], CallLimits::default()).unwrap_err(),
        CallError::InvalidBaseKey(15)
    );

    // The previous key lives for the overlap window after a newer one arrives.
    let mut rx = ReceiverContext::new(suite, CallLimits::default());
    rx.insert_key(KeyId::new(2, 0, 0).unwrap(), &[1; 32], 0).unwrap();
    rx.insert_key(KeyId::new(2, 1, 0).unwrap(), &[2; 32], 1_000).unwrap();
    rx.expire(1_000 + CallLimits::default().key_overlap_ms - 1);
    assert_eq!(rx.keys_held(2), 2);
    rx.expire(1_000 + CallLimits::default().key_overlap_ms);
    assert_eq!(rx.keys_held(2), 1);
}

// ---- Issue 13, flaw 1: a departed device forging under pre-departure keys ----
//
// A = 0, S = 1, D = 2. D received S's base key when the call started, so it
// can build frames under S's KID, and under any later ratchet step of S's
// generation. These tests play D, and a server that delays or withholds
// messages.

const A: usize = 0;
const S: usize = 1;
const D: usize = 2;
const MINUTE: u64 = 60_000;

/// What D holds of S's current key: its id and base key (delivered to D at
/// the start of the call, exactly as to A).
fn stolen_key(p: &mut Party) -> (KeyId, BaseKey) {
    let id = p.call.own_key_id().unwrap();
    (id, p.call.sender_mut().base_key().duplicate())
}

/// A frame D builds under `id` advanced `steps` ratchet steps, with counter
/// `ctr` (D picks one S has not used, so the replay window passes it).
fn forge(suite: CipherSuite, stolen: &(KeyId, BaseKey), steps: u8, ctr: u64) -> Vec<u8> {
    let (id, base) = stolen;
    let mut base = base.duplicate();
    for _ in 0..steps {
        base = base.ratchet(suite);
    }
    let id = KeyId { step: id.step + steps, ..*id };
    let mut tx = SenderContext::from_base_key(suite, id.to_kid(), base, CallLimits::default());
    tx.set_next_counter(ctr);
    let mut out = vec![0u8; AUDIO.len() + MAX_OVERHEAD];
    let n = tx.protect(b"rtp", b"forged by the departed device", &mut out).unwrap();
    out.truncate(n);
    out
}

/// The body of `call`'s current key, as its deliveries carry it.
fn key_body(call: &mut Call) -> Vec<u8> {
    let msg = message::CallKeyMessage {
        call_id: call.id(),
        suite: call.suite(),
        key_id: call.own_key_id().unwrap(),
        base_key: call.sender_mut().base_key().duplicate(),
        roster_epoch: call.roster_epoch(),
        roster_hash: call.roster_hash(),
    };
    msg.encode().to_vec()
}

fn kid_of(frame: &[u8]) -> KeyId {
    KeyId::from_kid(SFrameHeader::decode(frame).unwrap().0.kid).unwrap()
}

#[test]
fn departed_device_cannot_forge_under_an_old_kid_once_the_overlap_has_passed() {
    // Attack (a), with (d): the server withholds S's new key from A.
    let mut rng = rand::rng();
    let suite = CipherSuite::ChaCha20Poly1305Sha256;
    let mut parties = call_of(3, suite, CallLimits::default());
    let overlap = CallLimits::default().key_overlap_ms;
    let stolen = stolen_key(&mut parties[S]);
    let in_flight = send(&mut parties[S], &AUDIO);

    // D leaves at t; A and S both apply it. S's new key to A is withheld.
    let t = 5 * MINUTE;
    let _to_s = parties[A].call.participant_left(D as u16, t, &mut rng).unwrap();
    let withheld = parties[S].call.participant_left(D as u16, t, &mut rng).unwrap();
    assert_eq!(withheld.len(), 1);

    // (d) Within the overlap window, S's frames in flight under the old key
    // still decrypt at A: no regression for honest traffic.
    assert_eq!(recv(&mut parties[A], &in_flight, t + overlap - 1).unwrap(), AUDIO);
    // That window is all D gets: a forgery inside it is accepted (SPEC
    // §13.10 states this bound)...
    let inside = forge(suite, &stolen, 0, 1_000);
    assert_eq!(recv(&mut parties[A], &inside, t + overlap - 1).unwrap(), b"forged by the departed device");
    // ...and at its end, though no newer key of S ever reached A, the old
    // key is retired: ten minutes and an hour later D's frames under S's
    // old KID are refused.
    for (later, ctr) in [(t + overlap, 2_000), (t + 10 * MINUTE, 3_000), (t + 60 * MINUTE, 4_000)] {
        let f = forge(suite, &stolen, 0, ctr);
        assert_eq!(recv(&mut parties[A], &f, later), Err(CallError::RetiredKid(stolen.0.to_kid())));
    }
    assert_eq!(parties[A].call.receiver_mut().keys_held(S as u16), 0, "the old key left memory");
    // S's real frames under its new key are lost at A (never forged) until
    // the withheld key arrives; then they decrypt.
    let real = send(&mut parties[S], &AUDIO);
    assert_eq!(recv(&mut parties[A], &real, t + 10 * MINUTE), Err(CallError::UnknownKid(kid_of(&real).to_kid())));
    deliver_all(&mut parties, S, &withheld, t + 10 * MINUTE);
    assert_eq!(recv(&mut parties[A], &real, t + 10 * MINUTE).unwrap(), AUDIO);
}

#[test]
fn departed_device_cannot_derive_a_later_step_of_a_pre_departure_generation() {
    // Attack (b): D ratchets S's old base key itself and sends under a later
    // step, which receivers used to derive on demand.
    let mut rng = rand::rng();
    let suite = CipherSuite::Aes128GcmSha256;
    let mut parties = call_of(3, suite, CallLimits::default());
    let stolen = stolen_key(&mut parties[S]);
    let t = MINUTE;
    let to_s = parties[A].call.participant_left(D as u16, t, &mut rng).unwrap();
    let to_a = parties[S].call.participant_left(D as u16, t, &mut rng).unwrap();
    let held = parties[A].call.receiver_mut().keys_held(S as u16);
    // Even at once, inside the overlap window, and for every step up to the
    // jump limit: refused, and nothing is stored.
    let steps = [1, 2, CallLimits::default().max_ratchet_jump];
    for n in steps {
        let f = forge(suite, &stolen, n, 0);
        assert_eq!(recv(&mut parties[A], &f, t), Err(CallError::RetiredKid(kid_of(&f).to_kid())));
    }
    assert_eq!(parties[A].call.receiver_mut().keys_held(S as u16), held, "a refused frame stores no key");
    for n in steps {
        let f = forge(suite, &stolen, n, 0);
        assert_eq!(recv(&mut parties[A], &f, t + 10 * MINUTE), Err(CallError::RetiredKid(kid_of(&f).to_kid())));
    }

    // A later step of a generation drawn after the departure still derives:
    // a newcomer joins, S ratchets, A follows from the KID alone.
    deliver_all(&mut parties, A, &to_s, t);
    deliver_all(&mut parties, S, &to_a, t);
    let newcomer = DeviceIdentity::generate(&mut rng).public();
    parties[A].call.participant_joined(3, newcomer, &mut rng).unwrap();
    parties[S].call.participant_joined(3, newcomer, &mut rng).unwrap();
    let stepped = send(&mut parties[S], &AUDIO);
    assert_eq!((kid_of(&stepped).generation, kid_of(&stepped).step), (1, 1));
    assert_eq!(recv(&mut parties[A], &stepped, t + 1).unwrap(), AUDIO);
}

#[test]
fn receiver_refuses_pre_departure_keys_and_steps_after_a_departure() {
    // The same rules at the ReceiverContext level, where keys come in
    // without a roster: after index 2 leaves, keys of the generations held
    // for index 1 are stale, and their unheld steps retired.
    let suite = CipherSuite::default();
    let limits = CallLimits::default();
    let mut rx = ReceiverContext::new(suite, limits);
    let g0 = KeyId::new(1, 0, 0).unwrap();
    rx.insert_key(g0, &[1; 32], 0).unwrap();
    rx.insert_key(KeyId::new(2, 0, 0).unwrap(), &[2; 32], 0).unwrap();
    rx.remove_sender(2, 1_000);
    assert_eq!(rx.insert_key(g0, &[1; 32], 1_000), Err(CallError::StaleKey), "a redelivered pre-departure key");
    assert_eq!(rx.insert_key(KeyId::new(1, 0, 3).unwrap(), &[3; 32], 1_000), Err(CallError::StaleKey));
    assert_eq!(rx.keys_held(1), 1, "refused keys change nothing");
    // The held key decrypts in the overlap window, then retires.
    let mut tx = SenderContext::new(suite, g0.to_kid(), &[1; 32], limits).unwrap();
    let f = protect(&mut tx, b"", b"in flight").unwrap();
    let g = protect(&mut tx, b"", b"late").unwrap();
    let mut out = vec![0u8; 64];
    assert!(rx.unprotect(b"", &f, &mut out, 1_000 + limits.key_overlap_ms - 1).is_ok());
    assert_eq!(
        rx.unprotect(b"", &g, &mut out, 1_000 + limits.key_overlap_ms).map(|_| ()),
        Err(CallError::RetiredKid(g0.to_kid()))
    );
    // A fresh generation installs.
    rx.insert_key(KeyId::new(1, 1, 0).unwrap(), &[4; 32], 5_000).unwrap();
    assert_eq!(rx.keys_held(1), 1);
}

#[test]
fn sender_behind_on_a_departure_is_refused_until_it_catches_up() {
    // Attack (c): the server withholds "D left" from S. S keeps sending under
    // its pre-departure key, and rotates with D still in its roster (so D
    // gets that key too).
    let mut rng = rand::rng();
    let suite = CipherSuite::ChaCha20Poly1305Sha256;
    let mut parties = call_of(3, suite, CallLimits::default());
    let overlap = CallLimits::default().key_overlap_ms;
    let t = MINUTE;
    let to_s = parties[A].call.participant_left(D as u16, t, &mut rng).unwrap();
    assert_eq!(parties[A].call.roster_epoch(), 1);

    let early = send(&mut parties[S], &AUDIO);
    assert_eq!(recv(&mut parties[A], &early, t + 1).unwrap(), AUDIO);
    let late = send(&mut parties[S], &AUDIO);
    assert!(matches!(recv(&mut parties[A], &late, t + overlap), Err(CallError::RetiredKid(_))));

    // S rotates with the old roster; the key goes to A and to D.
    let rotated = parties[S].call.rotate_key(&mut rng).unwrap();
    assert_eq!(rotated.len(), 2);
    let held = parties[A].call.receiver_mut().keys_held(S as u16);
    let s_device = DeviceIdentity::from_bytes(&parties[S].device.to_bytes()).unwrap();
    for d in rotated.iter().filter(|d| usize::from(d.index()) == A) {
        assert_eq!(
            deliver(&s_device, d, &mut parties[A].call, t + 10 * MINUTE),
            Err(CallError::RosterMismatch { index: S as u16, epoch: 0 })
        );
    }
    assert_eq!(parties[A].call.receiver_mut().keys_held(S as u16), held, "a refused key installs nothing");
    // D holds that key, but A never installed it: D's frames under it fail.
    let d_copy = stolen_key(&mut parties[S]);
    let forged = forge(suite, &d_copy, 0, 0);
    assert_eq!(recv(&mut parties[A], &forged, t + 10 * MINUTE), Err(CallError::UnknownKid(d_copy.0.to_kid())));

    // A's own new key is refused at S the same way, until S applies the
    // departure and retries the very same message.
    let a_device = DeviceIdentity::from_bytes(&parties[A].device.to_bytes()).unwrap();
    assert_eq!(
        deliver(&a_device, &to_s[0], &mut parties[S].call, t + 10 * MINUTE),
        Err(CallError::RosterMismatch { index: A as u16, epoch: 1 })
    );
    let to_a = parties[S].call.participant_left(D as u16, t + 10 * MINUTE, &mut rng).unwrap();
    assert!(deliver(&a_device, &to_s[0], &mut parties[S].call, t + 10 * MINUTE).is_ok());
    // Once S has caught up and rotated, A accepts its key and its frames.
    assert_eq!(parties[S].call.roster_hash(), parties[A].call.roster_hash());
    deliver_all(&mut parties, S, &to_a, t + 10 * MINUTE);
    let f = send(&mut parties[S], &AUDIO);
    assert_eq!(recv(&mut parties[A], &f, t + 10 * MINUTE).unwrap(), AUDIO);
    let f = send(&mut parties[A], &AUDIO);
    assert_eq!(recv(&mut parties[S], &f, t + 10 * MINUTE).unwrap(), AUDIO);
}

#[test]
fn keys_bound_to_another_roster_are_refused_with_nothing_changed() {
    // Attack (e): key messages whose roster hash names another roster.
    let mut rng = rand::rng();
    let suite = CipherSuite::default();
    let id = CallId::random(&mut rng);
    let limits = CallLimits::default();
    let [a, s, x] = [(); 3].map(|_| DeviceIdentity::generate(&mut rand::rng()));
    let (mut a_call, _) = Call::start(id, suite, 0, a.public(), &[(1, s.public())], limits, &mut rng).unwrap();
    let a_hash = a_call.roster_hash();

    // S's key bound to: an extra member; the same devices at other indexes
    // (A at 2); S claiming another own identity; S alone.
    let rosters: [(IdentityPublic, &[(u16, IdentityPublic)]); 4] = [
        (s.public(), &[(0, a.public()), (5, x.public())]),
        (s.public(), &[(2, a.public())]),
        (x.public(), &[(0, a.public())]),
        (s.public(), &[]),
    ];
    for (own, others) in rosters {
        let (mut s_call, _) = Call::start(id, suite, 1, own, others, limits, &mut rng).unwrap();
        assert_ne!(s_call.roster_hash(), a_hash);
        let body = key_body(&mut s_call);
        let r = Received::for_tests(s.public(), ContentType::CallKey, &body);
        assert_eq!(a_call.receive_key(&r, 0), Err(CallError::RosterMismatch { index: 1, epoch: 0 }));
        assert_eq!(a_call.receiver_mut().keys_held(1), 0, "nothing installed");
        assert_eq!(a_call.roster_hash(), a_hash, "the roster is unchanged");
    }
    // A hand-made hash one bit off, under the right roster otherwise.
    let (s_call, keys) = Call::start(id, suite, 1, s.public(), &[(0, a.public())], limits, &mut rng).unwrap();
    let mut msg = message::CallKeyMessage::decode(keys[0].body()).unwrap();
    msg.roster_hash[31] ^= 1;
    let r = Received::for_tests(s.public(), ContentType::CallKey, &msg.encode());
    assert_eq!(a_call.receive_key(&r, 0), Err(CallError::RosterMismatch { index: 1, epoch: 0 }));
    assert_eq!(a_call.receiver_mut().keys_held(1), 0);
    // The real key installs afterwards: a refusal left nothing behind.
    assert_eq!(s_call.roster_hash(), a_hash);
    let r = Received::for_tests(s.public(), ContentType::CallKey, keys[0].body());
    assert_eq!(a_call.receive_key(&r, 0).map(|k| k.index), Ok(1));
}

#[test]
fn roster_hash_is_independent_of_order_and_covers_every_participant() {
    let mut rng = rand::rng();
    let suite = CipherSuite::default();
    let id = CallId::random(&mut rng);
    let limits = CallLimits::default();
    let devices: Vec<IdentityPublic> = (0..4).map(|_| DeviceIdentity::generate(&mut rand::rng()).public()).collect();
    let forward: Vec<(u16, IdentityPublic)> = (1u16..4).map(|i| (i, devices[usize::from(i)])).collect();
    let backward: Vec<(u16, IdentityPublic)> = forward.iter().rev().copied().collect();
    let (mut x, _) = Call::start(id, suite, 0, devices[0], &forward, limits, &mut rng).unwrap();
    let (y, _) = Call::start(id, suite, 0, devices[0], &backward, limits, &mut rng).unwrap();
    assert_eq!(x.roster_hash(), y.roster_hash());
    // A join then a leave, against a roster that had the same set all along:
    // the same hash, another epoch.
    let (z, _) = Call::start(id, suite, 0, devices[0], &forward[..2], limits, &mut rng).unwrap();
    let extra = DeviceIdentity::generate(&mut rng).public();
    x.participant_joined(9, extra, &mut rng).unwrap();
    assert_ne!(x.roster_hash(), y.roster_hash());
    x.participant_left(9, 0, &mut rng).unwrap();
    x.participant_left(3, 0, &mut rng).unwrap();
    assert_eq!(x.roster_hash(), z.roster_hash());
    assert_eq!((x.roster_epoch(), z.roster_epoch()), (3, 0));
    // The own entry counts: the device may not also be listed as another.
    assert_eq!(
        Call::start(id, suite, 0, devices[0], &[(1, devices[0])], limits, &mut rng).unwrap_err(),
        CallError::InvalidIndex(1)
    );
    // The value itself (SPEC.md §13.9), recomputed from its definition.
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update([crate::labels::HASH_CALL_ROSTER.len() as u8]);
    h.update(crate::labels::HASH_CALL_ROSTER.as_bytes());
    h.update(3u16.to_be_bytes());
    for i in [0u16, 1, 2] {
        h.update(i.to_be_bytes());
        h.update(devices[usize::from(i)].signing_key().as_bytes());
    }
    assert_eq!(z.roster_hash(), <[u8; 32]>::from(h.finalize()));
}
