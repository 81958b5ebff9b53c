// Fuzz target: decrypt arbitrary bytes in an established session. On any
// error the serialized state (sessions and prekeys) must be unchanged.

include!("fixtures.rs");

pub fn run(data: &[u8]) {
    let p = pair();
    let (Ok(bob), Ok(mut sessions)) = (DeviceIdentity::from_bytes(&p.bob), PeerSessions::from_bytes(&p.bob_sessions))
    else {
        return;
    };
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
