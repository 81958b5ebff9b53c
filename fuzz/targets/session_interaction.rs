// Fuzz target: a two-party conversation driven by fuzz bytes (send, deliver,
// drop, duplicate, reorder, restart). Every delivered message decrypts
// exactly once to its exact plaintext; a second delivery is Duplicate.

include!("fixtures.rs");

/// Operations per input: enough for several ratchet steps and reorderings,
/// few enough that libFuzzer runs hundreds of inputs a second.
const MAX_OPS: usize = 48;

/// Both identities, loaded once per process (loading re-signs the certificate).
fn identities() -> Option<&'static [DeviceIdentity; 2]> {
    static IDS: std::sync::OnceLock<Option<[DeviceIdentity; 2]>> = std::sync::OnceLock::new();
    IDS.get_or_init(|| {
        let p = pair();
        Some([DeviceIdentity::from_bytes(&p.alice).ok()?, DeviceIdentity::from_bytes(&p.bob).ok()?])
    })
    .as_ref()
}

pub fn run(data: &[u8]) {
    let p = pair();
    let Some(ids) = identities() else { return };
    let (Ok(a), Ok(b)) = (PeerSessions::from_bytes(&p.alice_sessions), PeerSessions::from_bytes(&p.bob_sessions))
    else {
        return;
    };
    let mut sessions = [a, b];
    let mut rng = fixture_rng(11);
    let (Ok(pa), Ok(pb)) = (
        PreKeyStore::from_bytes(&p.bob_prekeys, &ids[1].public()),
        PreKeyStore::from_bytes(&p.bob_prekeys, &ids[1].public()),
    ) else {
        return;
    };
    // Both directions are established, so no prekey message is ever sent:
    // the stores are only there because decrypt takes one.
    let mut prekeys = [pa, pb];
    // (recipient, message id, bytes, deliveries before it was sent)
    let mut flight: Vec<(usize, u32, Vec<u8>, usize)> = Vec::new();
    let mut deliveries = 0usize;
    let mut delivered = std::collections::HashSet::new();
    let mut next = 0u32;
    for pair in data.chunks(2).take(MAX_OPS) {
        let op = pair.first().copied().unwrap_or(0);
        let arg = usize::from(pair.get(1).copied().unwrap_or(0));
        match op % 6 {
            0 | 1 => {
                let from = usize::from(op % 2 == 1);
                let text = next.to_le_bytes().repeat(arg % 8 + 1);
                if let Some(s) = sessions.get_mut(from)
                    && let Ok(m) = s.encrypt(&text, &mut rng)
                {
                    flight.push((1 - from, next, m, deliveries));
                    next += 1;
                }
            }
            2 | 3 if !flight.is_empty() => {
                let i = arg % flight.len();
                let (to, id, m, sent_at) = if op % 6 == 2 { flight.remove(i) } else { flight[i].clone() };
                let age = deliveries - sent_at;
                let (Some(s), Some(id_key), Some(pre)) = (sessions.get_mut(to), ids.get(to), prekeys.get_mut(to)) else {
                    continue;
                };
                match s.decrypt(id_key, pre, &m, 0) {
                    Ok(r) => {
                        deliveries += 1;
                        assert!(delivered.insert(id), "decrypted twice");
                        assert!(r.plaintext().chunks(4).all(|c| c == id.to_le_bytes()), "wrong plaintext");
                        // The fixture's sessions started with PQXDH.
                        assert_eq!(r.handshake(), vestnik::session::Handshake::PostQuantum);
                    }
                    Err(vestnik::SessionError::Duplicate) => assert!(delivered.contains(&id)),
                    // A chain is retired after 5 newer chains and forgotten
                    // after 25; each new chain at the receiver needs at least
                    // two deliveries (one each way).
                    Err(vestnik::SessionError::MessageKeyDiscarded) => assert!(age >= 2 * 5 - 1, "discarded too early"),
                    Err(vestnik::SessionError::DecryptionFailed) => assert!(age >= 2 * 25 - 1, "failed too early"),
                    Err(e) => panic!("honest message failed: {e:?}"),
                }
            }
            4 if !flight.is_empty() => {
                let i = arg % flight.len();
                flight.remove(i);
            }
            5 => {
                let who = arg % 2;
                if let Some(s) = sessions.get_mut(who)
                    && let Ok(re) = PeerSessions::from_bytes(&s.to_bytes())
                {
                    *s = re;
                }
            }
            _ => {}
        }
    }
}
