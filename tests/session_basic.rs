//! Round trips, out-of-order delivery, replay, restart, simultaneous initiation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

mod common;
use common::pair;
use vestnik::SessionError;

#[test]
fn round_trip_both_directions_with_ratchet_steps() {
    let (mut a, mut b) = pair();
    for round in 0..5 {
        let m = format!("Привет {round}");
        assert_eq!(b.recv(&a.send(m.as_bytes())).unwrap(), m.as_bytes());
        let r = format!("Сәлам {round}");
        assert_eq!(a.recv(&b.send(r.as_bytes())).unwrap(), r.as_bytes());
    }
    assert!(!a.peer.awaiting_reply());
}

#[test]
fn out_of_order_and_duplicates() {
    let (mut a, mut b) = pair();
    let msgs: Vec<Vec<u8>> = (0..10).map(|i| a.send(format!("m{i}").as_bytes())).collect();
    for i in [3usize, 0, 9, 1, 2, 8, 4, 7, 6, 5] {
        assert_eq!(b.recv(&msgs[i]).unwrap(), format!("m{i}").as_bytes());
    }
    for m in &msgs {
        assert_eq!(b.recv(m), Err(SessionError::Duplicate));
    }
    assert_eq!(b.peer.skipped_key_count(), 0);
}

#[test]
fn one_time_prekey_is_consumed_once() {
    let (mut a, mut b) = pair();
    let before = b.prekeys.one_time_count();
    let first = a.send(b"hello");
    b.recv(&first).unwrap();
    assert_eq!(b.prekeys.one_time_count(), before - 1);
    // The same initial message again: a duplicate, not a new session.
    assert_eq!(b.recv(&first), Err(SessionError::Duplicate));
    assert_eq!(b.peer.session_count(), 1);
    // On a device that lost the session, the handshake is remembered: a
    // replay, and the store is untouched.
    let mut fresh = vestnik::PeerSessions::new(a.identity.public());
    let store = b.prekeys.to_bytes();
    let e = fresh.decrypt(&b.identity, &mut b.prekeys, &first, 0);
    assert_eq!(e.map(|r| r.plaintext().to_vec()), Err(SessionError::Duplicate));
    assert_eq!(b.prekeys.to_bytes(), store);
    assert_eq!(fresh.session_count(), 0);
}

#[test]
fn restart_from_serialized_state() {
    let (mut a, mut b) = pair();
    let m0 = a.send(b"zero");
    let m1 = a.send(b"one");
    a.restart();
    assert_eq!(b.recv(&m1).unwrap(), b"one");
    b.restart();
    assert_eq!(b.recv(&m0).unwrap(), b"zero");
    assert_eq!(a.recv(&b.send(b"back")).unwrap(), b"back");
    a.restart();
    b.restart();
    assert_eq!(b.recv(&a.send(b"again")).unwrap(), b"again");
}

#[test]
fn simultaneous_initiation_converges() {
    let mut rng = rand::rng();
    let a = vestnik::DeviceIdentity::generate(&mut rng);
    let b = vestnik::DeviceIdentity::generate(&mut rng);
    let mut a_pre = vestnik::PreKeyStore::new(&a, 0, &mut rng);
    let mut b_pre = vestnik::PreKeyStore::new(&b, 0, &mut rng);
    let mut a_peer = vestnik::PeerSessions::new(b.public());
    let mut b_peer = vestnik::PeerSessions::new(a.public());
    a_peer.initiate(&a, &b_pre.bundle(&b, None), 0, &mut rng).unwrap();
    b_peer.initiate(&b, &a_pre.bundle(&a, None), 0, &mut rng).unwrap();
    let m_a = a_peer.encrypt(b"from a", &mut rng).unwrap();
    let m_b = b_peer.encrypt(b"from b", &mut rng).unwrap();
    assert_eq!(b_peer.decrypt(&b, &mut b_pre, &m_a, 0).unwrap().plaintext(), b"from a");
    assert_eq!(a_peer.decrypt(&a, &mut a_pre, &m_b, 0).unwrap().plaintext(), b"from b");
    // Ping-pong: both must end up sending on the same session.
    for i in 0..4 {
        let x = a_peer.encrypt(format!("a{i}").as_bytes(), &mut rng).unwrap();
        let y = b_peer.encrypt(format!("b{i}").as_bytes(), &mut rng).unwrap();
        assert_eq!(b_peer.decrypt(&b, &mut b_pre, &x, 0).unwrap().plaintext(), format!("a{i}").as_bytes());
        assert_eq!(a_peer.decrypt(&a, &mut a_pre, &y, 0).unwrap().plaintext(), format!("b{i}").as_bytes());
    }
    assert!(!a_peer.awaiting_reply() && !b_peer.awaiting_reply());
    assert_eq!(a_peer.current_session_id(), b_peer.current_session_id());
    // The newest sessions match: a message from each decrypts in the other's newest.
    let x = a_peer.encrypt(b"final", &mut rng).unwrap();
    assert_eq!(vestnik::wire::format::RATCHET_MESSAGE, peek(&x));
    assert_eq!(b_peer.decrypt(&b, &mut b_pre, &x, 0).unwrap().plaintext(), b"final");
}

fn peek(bytes: &[u8]) -> u32 {
    // field 1 varint: tag 0x08 then the format.
    assert_eq!(bytes[0], 0x08);
    u32::from(bytes[1] & 0x7f) | (u32::from(bytes[2]) << 7)
}
