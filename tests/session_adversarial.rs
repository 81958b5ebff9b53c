//! ASSURANCE rows 3, 4, 7, 8, 9, 10, 12, 14 for 1:1 sessions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

mod common;
use common::{bad_x25519_keys, pair, pb};
use prost::Message;
use vestnik::wire::{DecodeError, format};
use vestnik::{PeerSessions, PreKeyBundle, SessionError, SessionLimits};

fn reencode_ratchet(bytes: &[u8], f: impl FnOnce(&mut pb::session::RatchetHeader)) -> Vec<u8> {
    let mut m = pb::session::RatchetMessage::decode(bytes).unwrap();
    let mut h = pb::session::RatchetHeader::decode(&m.header[..]).unwrap();
    f(&mut h);
    m.header = h.encode_to_vec();
    m.encode_to_vec()
}

/// Row 3: small-order and non-canonical keys in the handshake and in every
/// ratchet step are refused, and nothing changes.
#[test]
fn low_order_keys_in_handshake_and_ratchet_refused_state_unchanged() {
    let (mut a, mut b) = pair();
    let first = a.send(b"hi");
    for bad in bad_x25519_keys() {
        // Handshake base key.
        let mut m = pb::session::PreKeyMessage::decode(&first[..]).unwrap();
        m.base_key = bad.to_vec();
        if let Some(inner) = m.message.as_mut() {
            let mut h = pb::session::RatchetHeader::decode(&inner.header[..]).unwrap();
            h.ratchet_key = bad.to_vec();
            inner.header = h.encode_to_vec();
        }
        let before = b.snapshot();
        let e = b.recv(&m.encode_to_vec()).unwrap_err();
        assert_eq!(e, SessionError::InvalidKey, "{}", hex::encode(bad));
        assert_eq!(b.snapshot(), before);
    }
    b.recv(&first).unwrap();
    a.recv(&b.send(b"reply")).unwrap();
    let next = a.send(b"ratchet step");
    for bad in bad_x25519_keys() {
        let forged = reencode_ratchet(&next, |h| h.ratchet_key = bad.to_vec());
        let before = b.snapshot();
        assert_eq!(b.recv(&forged), Err(SessionError::InvalidKey));
        assert_eq!(b.snapshot(), before);
    }
    assert_eq!(b.recv(&next).unwrap(), b"ratchet step");
}

/// Row 3: bundles carrying bad keys are refused by the server-side check.
#[test]
fn bundle_with_low_order_keys_refused() {
    let mut rng = rand::rng();
    let bob = vestnik::DeviceIdentity::generate(&mut rng);
    let mut pre = vestnik::PreKeyStore::new(&bob, 0, &mut rng);
    let otk = pre.generate_one_time_prekeys(1, &mut rng).unwrap();
    let good = pre.bundle(&bob, Some(otk[0].id())).to_bytes();
    for bad in bad_x25519_keys() {
        for field in 0..3 {
            let mut m = pb::session::PreKeyBundle::decode(&good[..]).unwrap();
            match field {
                0 => m.signed_prekey.as_mut().unwrap().key = bad.to_vec(),
                1 => m.one_time_prekey.as_mut().unwrap().key = bad.to_vec(),
                _ => m.identity.as_mut().unwrap().dh_key = bad.to_vec(),
            }
            assert!(PreKeyBundle::from_bytes(&m.encode_to_vec()).is_err());
        }
    }
}

/// Every `PreKeyBundle::from_bytes` rule has a negative test.
#[test]
fn bundle_validation_rules() {
    use vestnik::prekey::BundleError;
    let mut rng = rand::rng();
    let bob = vestnik::DeviceIdentity::generate(&mut rng);
    let eve = vestnik::DeviceIdentity::generate(&mut rng);
    let mut pre = vestnik::PreKeyStore::new(&bob, 7, &mut rng);
    let otk = pre.generate_one_time_prekeys(1, &mut rng).unwrap();
    let good = pre.bundle(&bob, Some(otk[0].id())).to_bytes();
    let ok = PreKeyBundle::from_bytes(&good).unwrap();
    assert_eq!(ok.signed_prekey().created_at(), 7);
    let edit = |f: &dyn Fn(&mut pb::session::PreKeyBundle)| {
        let mut m = pb::session::PreKeyBundle::decode(&good[..]).unwrap();
        f(&mut m);
        PreKeyBundle::from_bytes(&m.encode_to_vec())
    };
    assert!(matches!(edit(&|m| m.format = 0x0103), Err(BundleError::Decode(DecodeError::UnsupportedVersion { .. }))));
    assert!(matches!(
        edit(&|m| m.format = format::RATCHET_MESSAGE),
        Err(BundleError::Decode(DecodeError::WrongType { .. }))
    ));
    assert!(matches!(edit(&|m| m.identity = None), Err(BundleError::Decode(DecodeError::Missing(_)))));
    assert!(matches!(edit(&|m| m.signed_prekey = None), Err(BundleError::Decode(DecodeError::Missing(_)))));
    assert!(matches!(
        edit(&|m| m.signed_prekey.as_mut().unwrap().key.push(0)),
        Err(BundleError::Decode(DecodeError::WrongLength { .. }))
    ));
    assert!(matches!(
        edit(&|m| m.signed_prekey.as_mut().unwrap().signature.truncate(63)),
        Err(BundleError::Decode(DecodeError::WrongLength { .. }))
    ));
    assert!(matches!(
        edit(&|m| m.identity.as_mut().unwrap().signing_key.truncate(31)),
        Err(BundleError::Decode(DecodeError::WrongLength { .. }))
    ));
    // Signature over other data: created_at changed, id changed, key from another bundle.
    assert_eq!(edit(&|m| m.signed_prekey.as_mut().unwrap().created_at = 8), Err(BundleError::SignedPreKeySignature));
    assert_eq!(edit(&|m| m.signed_prekey.as_mut().unwrap().id = 9), Err(BundleError::SignedPreKeySignature));
    // Identity swapped for another device's: the prekey signature no longer verifies.
    let eve_id = eve.public();
    assert_eq!(
        edit(&|m| {
            let i = m.identity.as_mut().unwrap();
            i.signing_key = eve_id.signing_key().as_bytes().to_vec();
            i.dh_key = eve_id.dh_key().as_bytes().to_vec();
            i.dh_key_signature = eve_id.dh_key_signature().to_bytes().to_vec();
        }),
        Err(BundleError::SignedPreKeySignature)
    );
    // Identity certificate over another X25519 key.
    assert_eq!(
        edit(&|m| m.identity.as_mut().unwrap().dh_key = eve_id.dh_key().as_bytes().to_vec()),
        Err(BundleError::Identity)
    );
    // Weak (small-order) Ed25519 identity key.
    let mut ident = [0u8; 32];
    ident[0] = 1;
    assert_eq!(edit(&|m| m.identity.as_mut().unwrap().signing_key = ident.to_vec()), Err(BundleError::Identity));
    assert_eq!(edit(&|m| m.signed_prekey.as_mut().unwrap().id = 0), Err(BundleError::ReservedId));
    assert_eq!(edit(&|m| m.one_time_prekey.as_mut().unwrap().id = 0), Err(BundleError::ReservedId));
    // Oversize and non-canonical input.
    let mut big = vec![0x08, 0x81, 0x02];
    big.resize(4096, 0);
    assert!(matches!(PreKeyBundle::from_bytes(&big), Err(BundleError::Decode(DecodeError::TooLarge { .. }))));
    // A foreign object is refused by its format, whatever its size.
    assert!(matches!(
        PreKeyBundle::from_bytes(&[0x08, 0x81, 0x04]),
        Err(BundleError::Decode(DecodeError::WrongType { found: 0x0201, expected: 0x0102 }))
    ));
    let mut dup = good.clone();
    dup.extend_from_slice(&[0x08, 0x81, 0x02]); // format repeated
    assert_eq!(PreKeyBundle::from_bytes(&dup), Err(BundleError::Decode(DecodeError::NonCanonical)));
    let mut unknown = good.clone();
    unknown.extend_from_slice(&[0x78, 0x01]); // field 15, varint 1
    assert_eq!(PreKeyBundle::from_bytes(&unknown), Err(BundleError::Decode(DecodeError::NonCanonical)));
    let mut long_varint = vec![0x08, 0x81, 0x82, 0x00]; // format 0x0101 in three bytes
    long_varint.extend_from_slice(&good[3..]);
    assert_eq!(PreKeyBundle::from_bytes(&long_varint), Err(BundleError::Decode(DecodeError::NonCanonical)));
}

/// Row 4 (deterministic part; the proptest is in `transactional.rs`): a
/// failed decrypt leaves the state byte-for-byte unchanged.
#[test]
fn tampered_messages_change_nothing() {
    let (mut a, mut b) = pair();
    b.recv(&a.send(b"x")).unwrap();
    let m = a.send(b"payload");
    for i in 0..m.len() {
        let mut t = m.clone();
        t[i] ^= 0x01;
        let before = b.snapshot();
        assert!(b.recv(&t).is_err(), "flip at {i} accepted");
        assert_eq!(b.snapshot(), before, "flip at {i} changed state");
    }
    for cut in 0..m.len() {
        let before = b.snapshot();
        assert!(b.recv(&m[..cut]).is_err());
        assert_eq!(b.snapshot(), before);
    }
    assert_eq!(b.recv(&m).unwrap(), b"payload");
}

/// Row 7: the forward-jump limit at MAX and MAX + 1, and the skipped-key cap.
#[test]
fn forward_jump_and_skipped_cap() {
    let limits = SessionLimits::default();
    let (mut a, mut b) = pair();
    b.recv(&a.send(b"0")).unwrap();
    a.recv(&b.send(b"r")).unwrap();
    // MAX + 1 ahead on the current chain: refused, nothing changes.
    let base = a.send(b"base");
    let over = reencode_ratchet(&base, |h| h.counter += limits.max_forward_jump + 1);
    let before = b.snapshot();
    assert_eq!(b.recv(&over), Err(SessionError::TooFarAhead { jump: 25_001, max: 25_000 }));
    assert_eq!(b.snapshot(), before);
    // Exactly MAX ahead: the key walk is allowed (the forged counter then fails authentication).
    let at = reencode_ratchet(&base, |h| h.counter += limits.max_forward_jump);
    assert_eq!(b.recv(&at), Err(SessionError::DecryptionFailed));
    assert_eq!(b.snapshot(), before);
    // A real jump of MAX messages: accepted, and stored keys stop at the cap.
    for _ in 0..limits.max_forward_jump - 1 {
        a.send(b"");
    }
    let far = a.send(b"far");
    assert_eq!(b.recv(&far).unwrap(), b"far");
    assert_eq!(b.peer.skipped_key_count(), limits.max_skipped_keys);
    // The oldest skipped keys were discarded: their messages report so.
    assert_eq!(b.recv(&base), Err(SessionError::MessageKeyDiscarded));
}

/// Row 7 with small configured limits: every limit is enforced as configured.
#[test]
fn configured_limits_apply() {
    let mut limits = SessionLimits::default();
    limits.max_forward_jump = 10;
    limits.max_skipped_keys = 4;
    limits.max_plaintext_len = 100;
    let (mut a, mut b) = pair();
    b.peer.set_limits(limits);
    a.peer.set_limits(limits);
    assert_eq!(
        a.peer.encrypt(&[0u8; 101], &mut rand::rng()),
        Err(SessionError::PlaintextTooLarge { len: 101, max: 100 })
    );
    let msgs: Vec<_> = (0..12).map(|i| a.send(&[i])).collect();
    assert_eq!(b.recv(&msgs[11]), Err(SessionError::TooFarAhead { jump: 11, max: 10 }));
    assert_eq!(b.recv(&msgs[10]).unwrap(), [10]);
    assert_eq!(b.peer.skipped_key_count(), 4);
    assert_eq!(b.recv(&msgs[9]).unwrap(), [9]);
    assert_eq!(b.recv(&msgs[5]), Err(SessionError::MessageKeyDiscarded));
}

fn edit_state(p: &PeerSessions, f: impl FnOnce(&mut pb::state::PeerSessionsState)) -> Vec<u8> {
    let mut s = pb::state::PeerSessionsState::decode(&p.to_bytes()[..]).unwrap();
    f(&mut s);
    s.encode_to_vec()
}

/// Row 8: counters at their maximum give an error, never a wrap.
#[test]
fn counters_cannot_wrap() {
    let (mut a, mut b) = pair();
    b.recv(&a.send(b"0")).unwrap();
    a.recv(&b.send(b"r")).unwrap();
    b.recv(&a.send(b"new chain")).unwrap();
    // Sending chain at u32::MAX - 1: one more message, then exhausted.
    let near = edit_state(&a.peer, |s| s.sessions[0].sending.as_mut().unwrap().counter = u32::MAX - 1);
    let mut a2 = PeerSessions::from_bytes(&near).unwrap();
    let last = a2.encrypt(b"last", &mut rand::rng()).unwrap();
    assert_eq!(a2.encrypt(b"wrap", &mut rand::rng()), Err(SessionError::CounterExhausted));
    assert_eq!(a2.encrypt(b"wrap", &mut rand::rng()), Err(SessionError::CounterExhausted));
    // Receiving: a header with counter u32::MAX cannot advance `next` past the maximum.
    let bumped = edit_state(&b.peer, |s| {
        for c in &mut s.sessions[0].receiving {
            c.next = u32::MAX - 5;
        }
    });
    let mut b2 = PeerSessions::from_bytes(&bumped).unwrap();
    let before = b2.to_bytes().to_vec();
    let forged = reencode_ratchet(&last, |h| h.counter = u32::MAX);
    assert_eq!(b2.decrypt(&b.identity, &mut b.prekeys, &forged, 0).map(|_| ()), Err(SessionError::CounterExhausted));
    assert_eq!(b2.to_bytes().to_vec(), before);
}

/// Row 9: a snapshot taken after message n holds nothing that decrypts the
/// messages before n.
#[test]
fn forward_secrecy_snapshot_cannot_read_earlier_messages() {
    let (mut a, mut b) = pair();
    let mut sent = Vec::new();
    for i in 0..6 {
        let m = a.send(format!("a{i}").as_bytes());
        b.recv(&m).unwrap();
        sent.push(m);
        let r = b.send(format!("b{i}").as_bytes());
        a.recv(&r).unwrap();
    }
    let snapshot = b.peer.to_bytes().to_vec();
    let mut stolen = PeerSessions::from_bytes(&snapshot).unwrap();
    for m in &sent {
        let r = stolen.decrypt(&b.identity, &mut b.prekeys, m, 0);
        assert!(
            matches!(
                r,
                Err(SessionError::Duplicate | SessionError::MessageKeyDiscarded | SessionError::DecryptionFailed)
            ),
            "{r:?}"
        );
    }
}

/// Row 10: after one round trip with fresh ratchet keys, a copy of Alice's
/// old state cannot read new traffic.
#[test]
fn post_compromise_security_after_one_round_trip() {
    let (mut a, mut b) = pair();
    b.recv(&a.send(b"hello")).unwrap();
    a.recv(&b.send(b"hi")).unwrap();
    let compromised = a.peer.to_bytes().to_vec();
    // Alice sends with a fresh ratchet key; Bob answers on a chain mixed with it.
    b.recv(&a.send(b"healing")).unwrap();
    let secret = b.send(b"after healing");
    let mut clone = PeerSessions::from_bytes(&compromised).unwrap();
    let r = clone.decrypt(&a.identity, &mut a.prekeys, &secret, 0);
    assert_eq!(r.map(|x| x.plaintext().to_vec()), Err(SessionError::DecryptionFailed));
    assert_eq!(a.recv(&secret).unwrap(), b"after healing");
}

/// Row 12: each message type fed to every other decoder is refused by type,
/// and messages are bound to their sender, recipient and direction.
#[test]
fn domain_separation_between_types_and_parties() {
    let (mut a, mut b) = pair();
    let prekey_msg = a.send(b"1");
    b.recv(&prekey_msg).unwrap();
    let ratchet_msg = b.send(b"2");
    let bundle = b.prekeys.bundle(&b.identity, None).to_bytes();
    let state = b.peer.to_bytes().to_vec();
    let identity = b.identity.to_bytes().to_vec();
    let prekeys = b.prekeys.to_bytes().to_vec();
    // Messages as bundles, states as messages, and so on.
    for m in [&prekey_msg, &ratchet_msg, &state, &identity, &prekeys] {
        assert!(PreKeyBundle::from_bytes(m).is_err());
    }
    for m in [&bundle, &state, &identity, &prekeys] {
        let e = a.recv(m).unwrap_err();
        assert!(matches!(e, SessionError::Decode(DecodeError::WrongType { .. })), "{e:?}");
    }
    for m in [&prekey_msg, &ratchet_msg, &bundle, &identity, &prekeys] {
        assert!(PeerSessions::from_bytes(m).is_err());
        assert!(vestnik::DeviceIdentity::from_bytes(m).is_err() || m == &identity);
    }
    // A message reflected back to its sender does not decrypt (direction in the AD).
    let before = b.snapshot();
    assert!(b.recv(&ratchet_msg).is_err());
    assert_eq!(b.snapshot(), before);
    // Bob's message to Alice presented to Carol, who has a session with Bob.
    let mut rng = rand::rng();
    let carol = vestnik::DeviceIdentity::generate(&mut rng);
    let mut carol_pre = vestnik::PreKeyStore::new(&carol, 0, &mut rng);
    let mut carol_bob = PeerSessions::new(b.identity.public());
    let r = carol_bob.decrypt(&carol, &mut carol_pre, &ratchet_msg, 0);
    assert!(r.is_err());
    // Alice's prekey message replayed to Carol as if from Bob's identity: wrong peer.
    assert_eq!(carol_bob.decrypt(&carol, &mut carol_pre, &prekey_msg, 0).map(|_| ()), Err(SessionError::WrongPeer));
    assert_eq!(a.recv(&ratchet_msg).unwrap(), b"2");
}

/// Row 14: oversize input, deep nesting and huge counts fail before allocation.
#[test]
fn decode_limits() {
    let (mut a, _b) = pair();
    let limits = SessionLimits::default();
    let mut big = vec![0x08, 0x81, 0x06];
    big.resize(limits.max_message_len() + 1, 0);
    assert!(matches!(a.recv(&big), Err(SessionError::Decode(DecodeError::TooLarge { .. }))));
    // 200 levels of nested length-delimited field 2 (identity in a prekey message, recursively).
    let mut nested: Vec<u8> = Vec::new();
    for _ in 0..200 {
        let mut outer = vec![0x12];
        let mut len = nested.len();
        loop {
            let byte = (len & 0x7f) as u8;
            len >>= 7;
            if len == 0 {
                outer.push(byte);
                break;
            }
            outer.push(byte | 0x80);
        }
        outer.extend_from_slice(&nested);
        nested = outer;
    }
    let mut msg = vec![0x08, 0x81, 0x04];
    msg.extend_from_slice(&nested);
    assert!(a.recv(&msg).is_err());
    assert!(PeerSessions::from_bytes(&msg).is_err());
    // State with more sessions than allowed: refused by count.
    let mut s = pb::state::PeerSessionsState::decode(&a.peer.to_bytes()[..]).unwrap();
    let one = s.sessions[0].clone();
    s.sessions = vec![one; limits.max_previous_sessions + 2];
    assert!(matches!(
        PeerSessions::from_bytes(&s.encode_to_vec()),
        Err(DecodeError::TooMany { field: "sessions", .. })
    ));
    // Exactly the maximum is accepted.
    s.sessions.truncate(limits.max_previous_sessions + 1);
    assert!(PeerSessions::from_bytes(&s.encode_to_vec()).is_ok());
}

/// Row 16: `Debug` of every secret-holding type prints no secret (snapshot).
#[test]
fn debug_output_holds_no_secret() {
    let (mut a, mut b) = pair();
    let m = a.send(b"secret text");
    let r = b.peer.decrypt(&b.identity, &mut b.prekeys, &m, 0).unwrap();
    let id_hex = &hex::encode(b.identity.public().signing_key().as_bytes())[..16];
    assert_eq!(format!("{:?}", b.identity), format!("DeviceIdentity {{ public: IdentityPublic({id_hex}), .. }}"));
    assert_eq!(
        format!("{:?}", b.prekeys),
        "PreKeyStore { signed_prekey_id: 1, previous_id: None, one_time_count: 4, accepted_handshakes: 1, \
         kem_one_time_count: 0, kem_last_resort_id: Some(1), kem_last_resort_previous_id: None }"
    );
    let a_hex = &hex::encode(a.identity.public().signing_key().as_bytes())[..16];
    assert_eq!(
        format!("{:?}", b.peer),
        format!("PeerSessions {{ remote: IdentityPublic({a_hex}), sessions: 1, awaiting_reply: false }}")
    );
    assert_eq!(
        format!("{r:?}"),
        format!(
            "Received {{ sender: IdentityPublic({a_hex}), content_type: Application, len: 11, prekeys_changed: true, \
             handshake: PostQuantum }}"
        )
    );
    let key = vestnik::storage::StorageKey::from_bytes([7; 32]);
    assert_eq!(format!("{key:?}"), "StorageKey(..)");
}

/// Stored state is re-validated on load: a session claiming another peer, a
/// skipped key above its chain's counter, or a missing chain key is refused.
#[test]
fn inconsistent_state_is_refused() {
    let (mut a, mut b) = pair();
    b.recv(&a.send(b"1")).unwrap();
    let other = vestnik::DeviceIdentity::generate(&mut rand::rng()).public();
    let bad = edit_state(&b.peer, |s| {
        let w = s.sessions[0].remote_identity.as_mut().unwrap();
        w.signing_key = other.signing_key().as_bytes().to_vec();
        w.dh_key = other.dh_key().as_bytes().to_vec();
        w.dh_key_signature = other.dh_key_signature().to_bytes().to_vec();
    });
    assert_eq!(PeerSessions::from_bytes(&bad).err(), Some(DecodeError::Invalid("remote_identity")));
    let bad = edit_state(&b.peer, |s| {
        let c = &mut s.sessions[0].receiving[0];
        c.skipped.push(pb::state::SkippedKeyState { counter: c.next + 1, key: vec![1; 32] });
    });
    assert_eq!(PeerSessions::from_bytes(&bad).err(), Some(DecodeError::Invalid("skipped.counter")));
    let bad = edit_state(&b.peer, |s| s.sessions[0].receiving[0].chain_key.clear());
    assert!(PeerSessions::from_bytes(&bad).is_err());
    let bad = edit_state(&b.peer, |s| s.sessions[0].root_key.truncate(31));
    assert!(matches!(PeerSessions::from_bytes(&bad), Err(DecodeError::WrongLength { field: "root_key", .. })));
    let bad = edit_state(&b.peer, |s| s.format = 0x1202);
    assert!(matches!(PeerSessions::from_bytes(&bad), Err(DecodeError::UnsupportedVersion { .. })));
}

/// A message with an unknown ratchet key and large counters is tried against
/// older sessions only within one shared work budget.
#[test]
fn unknown_ratchet_key_work_is_bounded_across_sessions() {
    let (mut a, mut b) = pair();
    // Bob holds five sessions with Alice.
    for _ in 0..4 {
        b.recv(&a.send(b"first")).unwrap();
        let bundle = b.prekeys.bundle(&b.identity, None);
        a.peer.initiate(&a.identity, &bundle, 0, &mut rand::rng()).unwrap();
    }
    b.recv(&a.send(b"first")).unwrap();
    assert_eq!(b.peer.session_count(), 5);
    a.recv(&b.send(b"reply")).unwrap();
    let m = a.send(b"new chain");
    let forged = reencode_ratchet(&m, |h| {
        h.ratchet_key = vestnik::DeviceIdentity::generate(&mut rand::rng()).public().dh_key().as_bytes().to_vec();
        h.counter = 20_000;
        h.previous_counter = 20_000;
    });
    let before = b.snapshot();
    let t = std::time::Instant::now();
    // One attempt fits the budget (2 x 25,000 steps); the second does not.
    assert_eq!(b.recv(&forged), Err(SessionError::TooFarAhead { jump: 40_001, max: 25_000 }));
    assert!(t.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(b.snapshot(), before);
    assert_eq!(b.recv(&m).unwrap(), b"new chain");
}

// ---- Mutation-testing gaps (tests/MUTANTS.md) --------------------------------

/// A ciphertext shorter than the AEAD tag is refused while decoding; one of
/// exactly the tag's length decodes and then fails authentication.
#[test]
fn ciphertext_shorter_than_the_tag_is_refused_at_decode() {
    let (mut a, mut b) = pair();
    b.recv(&a.send(b"0")).unwrap();
    let m = b.send(b"reply");
    let with_ciphertext = |len: usize| {
        let mut r = pb::session::RatchetMessage::decode(&m[..]).unwrap();
        r.ciphertext.truncate(len);
        r.encode_to_vec()
    };
    let before = a.snapshot();
    assert_eq!(a.recv(&with_ciphertext(15)), Err(SessionError::Decode(DecodeError::Invalid("ciphertext"))));
    assert_eq!(a.recv(&with_ciphertext(16)), Err(SessionError::DecryptionFailed));
    assert_eq!(a.snapshot(), before);
    assert_eq!(a.recv(&m).unwrap(), b"reply");
}

/// A message of an unknown format is reported against the nearest message
/// type: another version of a prekey or ratchet message, or another type.
#[test]
fn unknown_message_formats_are_classified() {
    let (mut a, mut b) = pair();
    let prekey_msg = a.send(b"0");
    b.recv(&prekey_msg).unwrap();
    let ratchet_msg = b.send(b"1");
    let with_format = |bytes: &[u8], f: u32| {
        let mut raw = bytes.to_vec();
        // Field 1 (format) is first: tag 0x08 and a two-byte varint.
        assert_eq!(raw[0], 0x08);
        let v = prost::encoding::encode_varint;
        let mut head = Vec::new();
        v(u64::from(f), &mut head);
        let old_len = if raw[1] & 0x80 != 0 { 2 } else { 1 };
        raw.splice(1..1 + old_len, head);
        raw
    };
    let e = a.recv(&with_format(&ratchet_msg, format::RATCHET_MESSAGE + 1)).unwrap_err();
    assert_eq!(
        e,
        SessionError::Decode(DecodeError::UnsupportedVersion {
            found: format::RATCHET_MESSAGE + 1,
            expected: format::RATCHET_MESSAGE
        })
    );
    let e = b.recv(&with_format(&prekey_msg, format::PREKEY_MESSAGE + 1)).unwrap_err();
    assert_eq!(
        e,
        SessionError::Decode(DecodeError::UnsupportedVersion {
            found: format::PREKEY_MESSAGE + 1,
            expected: format::PREKEY_MESSAGE
        })
    );
    let e = a.recv(&with_format(&ratchet_msg, format::GROUP_MESSAGE)).unwrap_err();
    assert_eq!(
        e,
        SessionError::Decode(DecodeError::WrongType {
            found: format::GROUP_MESSAGE,
            expected: format::RATCHET_MESSAGE
        })
    );
    assert_eq!(a.recv(&ratchet_msg).unwrap(), b"1");
}

/// When the peer's ratchet key changes, the keys of the messages still missing
/// from the previous chain (up to PN in the header) are stored, so they
/// decrypt even after that chain is retired.
#[test]
fn previous_chain_keys_are_kept_up_to_pn() {
    let mut limits = SessionLimits::default();
    limits.max_receiver_chains = 1;
    let (mut a, mut b) = pair();
    b.peer.set_limits(limits);
    b.recv(&a.send(b"a0")).unwrap();
    a.recv(&b.send(b"b0")).unwrap();
    // Alice's second chain: b receives only the first of three messages.
    let m1 = a.send(b"a1");
    let m2 = a.send(b"a2");
    let m3 = a.send(b"a3");
    assert_eq!(b.recv(&m1).unwrap(), b"a1");
    assert_eq!(b.peer.skipped_key_count(), 0);
    a.recv(&b.send(b"b1")).unwrap();
    // Alice's third chain (PN = 3): the keys of a2 and a3 are stored.
    let m4 = a.send(b"a4");
    assert_eq!(b.recv(&m4).unwrap(), b"a4");
    assert_eq!(b.peer.skipped_key_count(), 2);
    assert_eq!(b.recv(&m3).unwrap(), b"a3");
    assert_eq!(b.recv(&m2).unwrap(), b"a2");
    assert_eq!(b.peer.skipped_key_count(), 0);
    assert_eq!(b.recv(&m2), Err(SessionError::Duplicate));
}

/// Row 7: the skipped-key cap holds across chains: keys are dropped oldest
/// chain first, lowest counter first.
#[test]
fn skipped_key_cap_spans_chains_oldest_first() {
    let mut limits = SessionLimits::default();
    limits.max_skipped_keys = 4;
    let (mut a, mut b) = pair();
    b.peer.set_limits(limits);
    b.recv(&a.send(b"a0")).unwrap();
    a.recv(&b.send(b"b0")).unwrap();
    // Chain 2: b receives only the fourth message (3 keys skipped).
    let c2: Vec<Vec<u8>> = (0..4u8).map(|i| a.send(&[2, i])).collect();
    assert_eq!(b.recv(&c2[3]).unwrap(), [2, 3]);
    assert_eq!(b.peer.skipped_key_count(), 3);
    a.recv(&b.send(b"b1")).unwrap();
    // Chain 3: again only the fourth (3 more): 6 held, capped to 4.
    let c3: Vec<Vec<u8>> = (0..4u8).map(|i| a.send(&[3, i])).collect();
    assert_eq!(b.recv(&c3[3]).unwrap(), [3, 3]);
    assert_eq!(b.peer.skipped_key_count(), 4);
    assert_eq!(b.recv(&c2[0]), Err(SessionError::MessageKeyDiscarded));
    assert_eq!(b.recv(&c2[1]), Err(SessionError::MessageKeyDiscarded));
    assert_eq!(b.recv(&c2[2]).unwrap(), [2, 2]);
    for m in &c3[..3] {
        assert_eq!(b.recv(m).unwrap()[0], 3);
    }
    assert_eq!(b.peer.skipped_key_count(), 0);
}

/// A prekey store has one encoding: one-time prekeys by ascending id and
/// remembered base keys ascending bytewise; any other order is refused, not
/// re-sorted.
#[test]
fn prekey_store_state_must_be_canonical() {
    let (mut a, mut b) = pair();
    let m = a.send(b"hi");
    b.peer.decrypt(&b.identity, &mut b.prekeys, &m, 0).unwrap();
    let (_, m2) = {
        let (mut c, _) = pair();
        let mut to_b = PeerSessions::new(b.identity.public());
        to_b.initiate(&c.identity, &b.prekeys.bundle(&b.identity, None), 0, &mut rand::rng()).unwrap();
        let m2 = to_b.encrypt(b"hi", &mut rand::rng()).unwrap();
        c.peer = PeerSessions::new(b.identity.public());
        (c, m2)
    };
    let claimed = PeerSessions::claimed_sender(&m2).unwrap().unwrap();
    PeerSessions::new(claimed).decrypt(&b.identity, &mut b.prekeys, &m2, 0).unwrap();
    let good = b.prekeys.to_bytes();
    let id = b.identity.public();
    assert!(vestnik::PreKeyStore::from_bytes(&good, &id).is_ok());
    let s = pb::state::PreKeyStoreState::decode(&good[..]).unwrap();
    assert!(s.one_time.len() >= 2 && s.current.as_ref().unwrap().accepted_base_keys.len() == 2);
    let refused = |edit: &dyn Fn(&mut pb::state::PreKeyStoreState)| {
        let mut t = s.clone();
        edit(&mut t);
        vestnik::PreKeyStore::from_bytes(&t.encode_to_vec(), &id).err()
    };
    assert_eq!(refused(&|t| t.one_time.swap(0, 1)), Some(DecodeError::Invalid("one-time prekey id")));
    assert_eq!(
        refused(&|t| {
            let first = t.one_time[0].clone();
            t.one_time.insert(1, first);
        }),
        Some(DecodeError::Invalid("one-time prekey id"))
    );
    // Id 0 is not written, so the entry is shorter than any valid one.
    assert_eq!(refused(&|t| t.one_time[0].id = 0), Some(DecodeError::Invalid("one_time")));
    assert_eq!(
        refused(&|t| t.current.as_mut().unwrap().accepted_base_keys.swap(0, 1)),
        Some(DecodeError::Invalid("accepted_base_keys order"))
    );
    assert_eq!(
        refused(&|t| t.current.as_mut().unwrap().accepted_base_keys[0].push(0)),
        Some(DecodeError::WrongLength { field: "accepted_base_keys", len: 33, expected: 32 })
    );
    // Reserved id 0: never a prekey's, never the next one issued.
    assert_eq!(refused(&|t| t.next_signed_id = 0), Some(DecodeError::Invalid("next_signed_id")));
    assert_eq!(refused(&|t| t.next_one_time_id = 0), Some(DecodeError::Invalid("next_one_time_id")));
    // The unedited state re-encodes to itself.
    assert_eq!(s.encode_to_vec(), good.to_vec());
}
