//! Session management: several sessions per peer, promotion, the cap on old
//! sessions, stale initiations, signed-prekey rotation and its grace period.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use vestnik::limits::SIGNED_PREKEY_GRACE_SECS;
use vestnik::{DeviceIdentity, PeerSessions, PreKeyBundle, PreKeyStore, SessionError, SessionLimits};

struct World {
    alice: DeviceIdentity,
    bob: DeviceIdentity,
    a_pre: PreKeyStore,
    b_pre: PreKeyStore,
    a: PeerSessions,
    b: PeerSessions,
}

fn world() -> World {
    let mut rng = rand::rng();
    let alice = DeviceIdentity::generate(&mut rng);
    let bob = DeviceIdentity::generate(&mut rng);
    let a_pre = PreKeyStore::new(&alice, 0, &mut rng);
    let mut b_pre = PreKeyStore::new(&bob, 0, &mut rng);
    b_pre.generate_one_time_prekeys(100, &mut rng).unwrap();
    let a = PeerSessions::new(bob.public());
    let b = PeerSessions::new(alice.public());
    World { alice, bob, a_pre, b_pre, a, b }
}

impl World {
    fn new_session_from_alice(&mut self, now: u64) {
        let id = self.b_pre.one_time_prekeys().first().map(|o| o.id());
        let bundle = PreKeyBundle::from_bytes(&self.b_pre.bundle(&self.bob, id).to_bytes()).unwrap();
        self.a.initiate(&self.alice, &bundle, now, &mut rand::rng()).unwrap();
    }
    fn a_to_b(&mut self, text: &[u8]) -> Result<Vec<u8>, SessionError> {
        let m = self.a.encrypt(text, &mut rand::rng())?;
        self.b.decrypt(&self.bob, &mut self.b_pre, &m, 0).map(|r| r.plaintext().to_vec())
    }
    fn b_to_a(&mut self, text: &[u8]) -> Result<Vec<u8>, SessionError> {
        let m = self.b.encrypt(text, &mut rand::rng())?;
        self.a.decrypt(&self.alice, &mut self.a_pre, &m, 0).map(|r| r.plaintext().to_vec())
    }
}

#[test]
fn old_sessions_still_decrypt_and_are_promoted() {
    let mut w = world();
    w.new_session_from_alice(0);
    w.a_to_b(b"s1").unwrap();
    w.b_to_a(b"s1 reply").unwrap();
    let s1 = w.a.current_session_id();
    let late_on_s1 = w.a.encrypt(b"late on s1", &mut rand::rng()).unwrap();
    // Alice starts a second session (say, after reinstalling her app's session store).
    w.new_session_from_alice(1);
    w.a_to_b(b"s2").unwrap();
    assert_eq!(w.b.session_count(), 2);
    assert_eq!(w.b.current_session_id(), w.a.current_session_id());
    assert_ne!(w.a.current_session_id(), s1);
    // The delayed message on the first session still decrypts, and Bob then
    // answers on the session Alice used last.
    let r = w.b.decrypt(&w.bob, &mut w.b_pre, &late_on_s1, 0).unwrap();
    assert_eq!(r.plaintext(), b"late on s1");
    assert_eq!(w.b.current_session_id(), s1);
    assert_eq!(w.b_to_a(b"on s1").unwrap(), b"on s1");
}

#[test]
fn previous_sessions_are_capped() {
    let mut w = world();
    let mut limits = SessionLimits::default();
    limits.max_previous_sessions = 3;
    w.b.set_limits(limits);
    w.a.set_limits(limits);
    let mut firsts = Vec::new();
    for i in 0..6 {
        w.new_session_from_alice(i);
        let m = w.a.encrypt(format!("s{i}").as_bytes(), &mut rand::rng()).unwrap();
        w.b.decrypt(&w.bob, &mut w.b_pre, &m, 0).unwrap();
        firsts.push(w.a.encrypt(format!("again {i}").as_bytes(), &mut rand::rng()).unwrap());
    }
    assert_eq!(w.b.session_count(), 4);
    assert_eq!(w.a.session_count(), 4);
    // Sessions 2..5 remain: their messages decrypt; session 0's is gone.
    for (i, m) in firsts.iter().enumerate().skip(2) {
        assert_eq!(w.b.decrypt(&w.bob, &mut w.b_pre, m, 0).unwrap().plaintext(), format!("again {i}").as_bytes());
    }
    assert!(w.b.decrypt(&w.bob, &mut w.b_pre, &firsts[0], 0).is_err());
}

#[test]
fn stale_unanswered_initiations_are_dropped_by_age() {
    let mut w = world();
    w.new_session_from_alice(1_000);
    assert!(w.a.awaiting_reply());
    assert_eq!(w.a.drop_stale(1_000 + 3_600, 3_600), 0);
    assert_eq!(w.a.drop_stale(1_000 + 3_601, 3_600), 1);
    assert!(!w.a.has_session());
    assert_eq!(w.a.encrypt(b"x", &mut rand::rng()), Err(SessionError::NoSession));
    // An answered session is never dropped, however old.
    w.new_session_from_alice(2_000);
    w.a_to_b(b"hello").unwrap();
    w.b_to_a(b"answer").unwrap();
    assert_eq!(w.a.drop_stale(u64::MAX, 1), 0);
    assert!(w.a.has_session());
}

#[test]
fn signed_prekey_rotation_keeps_a_grace_period() {
    let mut w = world();
    let old_bundle = PreKeyBundle::from_bytes(&w.b_pre.bundle(&w.bob, None).to_bytes()).unwrap();
    let rotated_at = 10_000;
    let new_spk = w.b_pre.rotate_signed_prekey(&w.bob, rotated_at, &mut rand::rng());
    assert_ne!(new_spk.id(), old_bundle.signed_prekey().id());
    // Within the grace period, a bundle fetched before the rotation still works.
    w.b_pre.expire(rotated_at + SIGNED_PREKEY_GRACE_SECS);
    w.a.initiate(&w.alice, &old_bundle, rotated_at, &mut rand::rng()).unwrap();
    assert_eq!(w.a_to_b(b"old bundle").unwrap(), b"old bundle");
    // After it, the old signed prekey is gone.
    w.b_pre.expire(rotated_at + SIGNED_PREKEY_GRACE_SECS + 1);
    let mut late = PeerSessions::new(w.bob.public());
    late.initiate(&w.alice, &old_bundle, rotated_at, &mut rand::rng()).unwrap();
    let m = late.encrypt(b"too late", &mut rand::rng()).unwrap();
    let mut b2 = PeerSessions::new(w.alice.public());
    let e = b2.decrypt(&w.bob, &mut w.b_pre, &m, 0).map(|_| ());
    assert_eq!(e, Err(SessionError::UnknownSignedPreKey(old_bundle.signed_prekey().id())));
    // A second rotation drops the first key at once.
    let mut pre = PreKeyStore::new(&w.bob, 0, &mut rand::rng());
    let first = pre.signed_prekey().id();
    pre.rotate_signed_prekey(&w.bob, 1, &mut rand::rng());
    pre.rotate_signed_prekey(&w.bob, 2, &mut rand::rng());
    let restored = PreKeyStore::from_bytes(&pre.to_bytes(), &w.bob.public()).unwrap();
    assert_ne!(restored.signed_prekey().id(), first);
    assert_eq!(
        format!("{restored:?}"),
        "PreKeyStore { signed_prekey_id: 3, previous_id: Some(2), one_time_count: 0, accepted_handshakes: 0, \
         kem_one_time_count: 0, kem_last_resort_id: Some(1), kem_last_resort_previous_id: None }"
    );
}

#[test]
fn bundle_for_another_identity_is_refused() {
    let mut w = world();
    let carol = DeviceIdentity::generate(&mut rand::rng());
    let carol_pre = PreKeyStore::new(&carol, 0, &mut rand::rng());
    let bundle = carol_pre.bundle(&carol, None);
    assert_eq!(w.a.initiate(&w.alice, &bundle, 0, &mut rand::rng()), Err(SessionError::WrongPeer));
}

#[test]
fn signature_from_one_context_does_not_verify_in_another() {
    // The signed prekey's signature presented as the identity certificate.
    let mut rng = rand::rng();
    let bob = DeviceIdentity::generate(&mut rng);
    let pre = PreKeyStore::new(&bob, 0, &mut rng);
    let spk = pre.signed_prekey();
    let p = bob.public();
    let bundle = pre.bundle(&bob, None).to_bytes();
    let spk_sig = &bundle[bundle.len() - 64..];
    assert!(vestnik::IdentityPublic::from_parts(p.signing_key().as_bytes(), spk.key().as_bytes(), spk_sig).is_err());
    // And the identity certificate as a prekey signature over the identity's own X25519 key.
    assert!(
        vestnik::IdentityPublic::from_parts(
            p.signing_key().as_bytes(),
            p.dh_key().as_bytes(),
            p.dh_key_signature().as_bytes()
        )
        .is_ok()
    );
}

#[test]
fn malleated_and_weak_key_signatures_are_refused() {
    let p = DeviceIdentity::generate(&mut rand::rng()).public();
    // S + L: the same signature with a non-canonical scalar.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut sig = p.dh_key_signature().to_bytes();
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(sig[32 + i]) + u16::from(L[i]) + carry;
        sig[32 + i] = v as u8;
        carry = v >> 8;
    }
    assert!(vestnik::IdentityPublic::from_parts(p.signing_key().as_bytes(), p.dh_key().as_bytes(), &sig).is_err());
    // The identity point as a key with the all-zero "signature" every weak verifier accepts.
    let mut identity_point = [0u8; 32];
    identity_point[0] = 1;
    let mut zero_sig = [0u8; 64];
    zero_sig[0] = 1;
    assert!(vestnik::IdentityPublic::from_parts(&identity_point, p.dh_key().as_bytes(), &zero_sig).is_err());
}

#[test]
fn trusted_load_matches_full_load_and_refuses_other_identities() {
    let mut w = world();
    w.new_session_from_alice(0);
    w.a_to_b(b"hello").unwrap();
    let bytes = w.b.to_bytes();
    let limits = SessionLimits::default();
    let mut fast =
        PeerSessions::from_bytes_trusted_with_limits(&bytes, &w.bob.public(), &w.alice.public(), limits).unwrap();
    let default = PeerSessions::from_bytes_trusted(&bytes, &w.bob.public(), &w.alice.public()).unwrap();
    assert_eq!(default.to_bytes().to_vec(), bytes.to_vec());
    assert_eq!(default.limits(), &limits);
    assert_eq!(fast.to_bytes().to_vec(), bytes.to_vec());
    let m = w.a.encrypt(b"after load", &mut rand::rng()).unwrap();
    assert_eq!(fast.decrypt(&w.bob, &mut w.b_pre, &m, 0).unwrap().plaintext(), b"after load");
    let carol = DeviceIdentity::generate(&mut rand::rng()).public();
    assert!(PeerSessions::from_bytes_trusted(&bytes, &w.bob.public(), &carol).is_err());
    assert!(PeerSessions::from_bytes_trusted_with_limits(&bytes, &carol, &w.alice.public(), limits).is_err());
}
