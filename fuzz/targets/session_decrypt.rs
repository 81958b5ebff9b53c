// Fuzz target: decrypt arbitrary bytes in an established session, or, with
// a first byte of 1 or 2, against a fresh post-quantum prekey store (a
// version-2 first message with one byte flipped, or the bytes as they are).
// On any error the serialized state (sessions and prekeys) must be unchanged.

include!("fixtures.rs");

pub fn run(data: &[u8]) {
    let p = pair();
    let (Ok(bob), Ok(mut sessions)) = (DeviceIdentity::from_bytes(&p.bob), PeerSessions::from_bytes(&p.bob_sessions))
    else {
        return;
    };
    if let Some((&mode @ (1 | 2), rest)) = data.split_first() {
        return fresh_handshake(p, &bob, mode, rest);
    }
    let Ok(mut prekeys) = PreKeyStore::from_bytes(&p.bob_prekeys, &bob.public()) else { return };
    // Half the inputs are bytes as they are; the other half become a real
    // message from Alice with the input spliced into its ciphertext, so the
    // fuzzer reaches the AEAD and ratchet paths.
    let input: Vec<u8> = match data.split_first() {
        Some((0, rest)) => {
            let Ok(mut alice) = PeerSessions::from_bytes(&p.alice_sessions) else { return };
            let mut rng = fixture_rng(u64::from(rest.len() as u32));
            let Ok(mut m) = alice.encrypt(rest, &mut rng) else { return };
            let at = rest.first().map_or(0, |&b| usize::from(b)) % m.len().max(1);
            if let Some(x) = m.get_mut(at) {
                *x ^= rest.get(1).copied().unwrap_or(1);
            }
            m
        }
        _ => data.to_vec(),
    };
    let before = (sessions.to_bytes().to_vec(), prekeys.to_bytes().to_vec());
    if sessions.decrypt(&bob, &mut prekeys, &input, 0).is_err() {
        let after = (sessions.to_bytes().to_vec(), prekeys.to_bytes().to_vec());
        assert!(before == after, "failed decrypt changed state");
    }
}

/// A first message into a store that holds the one-time KEM prekey it names.
fn fresh_handshake(p: &Pair, bob: &DeviceIdentity, mode: u8, rest: &[u8]) {
    let Ok(mut prekeys) = PreKeyStore::from_bytes(&p.bob_prekeys_fresh, &bob.public()) else { return };
    let Ok(alice) = DeviceIdentity::from_bytes(&p.alice) else { return };
    let mut sessions = PeerSessions::new(alice.public());
    let input = if mode == 1 {
        // `[1]` alone is the genuine message; `[1, at, mask]` flips bits.
        let mut m = p.pq_first.clone();
        if let [at, mask, ..] = rest {
            let at = usize::from(*at) * 7 % m.len().max(1);
            if let Some(x) = m.get_mut(at) {
                *x ^= *mask;
            }
        }
        m
    } else {
        rest.to_vec()
    };
    let before = (sessions.to_bytes().to_vec(), prekeys.to_bytes().to_vec());
    match sessions.decrypt(bob, &mut prekeys, &input, 0) {
        Err(_) => {
            let after = (sessions.to_bytes().to_vec(), prekeys.to_bytes().to_vec());
            assert!(before == after, "failed decrypt changed state");
        }
        Ok(r) => {
            // Only the genuine message decrypts, as a post-quantum session,
            // and it consumed the one-time KEM prekey.
            assert_eq!(r.handshake(), vestnik::session::Handshake::PostQuantum);
            assert_eq!(prekeys.kem_prekey_count(), 0);
        }
    }
}
