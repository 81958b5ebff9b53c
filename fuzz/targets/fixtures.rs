// Deterministic fixtures shared by the session fuzz targets (included, not a module file).

use rand::SeedableRng;
use vestnik::{DeviceIdentity, PeerSessions, PreKeyBundle, PreKeyStore};

/// A seeded RNG so every run (and every corpus replay) is reproducible.
fn fixture_rng(seed: u64) -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(seed)
}

/// Alice and Bob with an established session (one message each way),
/// serialized, built once per process.
struct Pair {
    alice: Vec<u8>,
    bob: Vec<u8>,
    bob_prekeys: Vec<u8>,
    alice_sessions: Vec<u8>,
    bob_sessions: Vec<u8>,
    /// Post-quantum (issue 16): Bob's store with one-time KEM prekeys before
    /// any handshake, and Alice's first (version-2) message to it, which
    /// uses a one-time prekey and a one-time KEM prekey.
    bob_prekeys_fresh: Vec<u8>,
    pq_first: Vec<u8>,
}

fn pair() -> &'static Pair {
    static PAIR: std::sync::OnceLock<Pair> = std::sync::OnceLock::new();
    PAIR.get_or_init(|| {
        let mut rng = fixture_rng(7);
        let alice = DeviceIdentity::generate(&mut rng);
        let bob = DeviceIdentity::generate(&mut rng);
        let mut bob_pre = PreKeyStore::new(&bob, 0, &mut rng);
        let otk = bob_pre.generate_one_time_prekeys(2, &mut rng).unwrap_or_default();
        let bundle = bob_pre.bundle(&bob, otk.first().map(|o| o.id()));
        let bundle = PreKeyBundle::from_bytes(&bundle.to_bytes()).ok();
        let mut a = PeerSessions::new(bob.public());
        let mut b = PeerSessions::new(alice.public());
        if let Some(bundle) = bundle {
            let _ = a.initiate(&alice, &bundle, 0, &mut rng);
        }
        if let Ok(m) = a.encrypt(b"hello", &mut rng) {
            let _ = b.decrypt(&bob, &mut bob_pre, &m, 0);
        }
        if let Ok(m) = b.encrypt(b"hi", &mut rng) {
            let mut a_pre = PreKeyStore::new(&alice, 0, &mut rng);
            let _ = a.decrypt(&alice, &mut a_pre, &m, 0);
        }
        // A fresh post-quantum handshake to a second store of Bob's.
        let mut fresh = PreKeyStore::new(&bob, 0, &mut rng);
        let otk = fresh.generate_one_time_prekeys(1, &mut rng).unwrap_or_default();
        let kem = fresh.generate_kem_prekeys(&bob, 1, 0, &mut rng).unwrap_or_default();
        let bundle = fresh.bundle_with_kem(&bob, otk.first().map(|o| o.id()), kem.first().map(|k| k.id()));
        let mut a2 = PeerSessions::new(bob.public());
        let _ = a2.initiate(&alice, &bundle, 0, &mut rng);
        let pq_first = a2.encrypt(b"pq first", &mut rng).unwrap_or_default();
        Pair {
            bob_prekeys_fresh: fresh.to_bytes().to_vec(),
            pq_first,
            alice: alice.to_bytes().to_vec(),
            bob: bob.to_bytes().to_vec(),
            bob_prekeys: bob_pre.to_bytes().to_vec(),
            alice_sessions: a.to_bytes().to_vec(),
            bob_sessions: b.to_bytes().to_vec(),
        }
    })
}
