//! ASSURANCE rows 4, 5 and 6: a network simulator over send, deliver, drop,
//! reorder, duplicate and restart-from-serialized-state. Every delivered
//! message decrypts exactly once to its exact plaintext; every second
//! delivery is `Duplicate`; failed decrypts change nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

mod common;
use common::{Device, pair, pb};
use proptest::prelude::*;
use std::collections::HashSet;
use vestnik::SessionError;

#[derive(Debug, Clone)]
enum Action {
    /// Party 0 or 1 sends a message of this length.
    Send(usize, usize),
    /// Deliver the in-flight message at this index (modulo).
    Deliver(usize),
    /// Deliver and keep a copy in flight (duplicate).
    Duplicate(usize),
    /// Drop the in-flight message at this index.
    Drop(usize),
    /// Restart party 0 or 1 from its serialized state.
    Restart(usize),
    /// Deliver a copy with one bit flipped; the state must not change.
    Tamper(usize, usize),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (0..2usize, 0..300usize).prop_map(|(p, l)| Action::Send(p, l)),
        4 => any::<usize>().prop_map(Action::Deliver),
        1 => any::<usize>().prop_map(Action::Duplicate),
        1 => any::<usize>().prop_map(Action::Drop),
        1 => (0..2usize).prop_map(Action::Restart),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(i, b)| Action::Tamper(i, b)),
    ]
}

struct InFlight {
    to: usize,
    id: u64,
    bytes: Vec<u8>,
}

fn payload(id: u64, len: usize) -> Vec<u8> {
    // Distinct, mixed-script plaintexts of the requested length.
    let text = format!("{id}:Сообщение-{id}-Хәбәр-");
    text.bytes().cycle().take(len.max(text.len())).collect()
}

/// The sender's ratchet key of a message (read from the wire, as a network observer could).
fn ratchet_key(bytes: &[u8]) -> Vec<u8> {
    use prost::Message;
    let inner = match pb::session::PreKeyMessage::decode(bytes) {
        Ok(p) if p.format == vestnik::wire::format::PREKEY_MESSAGE => p.message.unwrap(),
        _ => pb::session::RatchetMessage::decode(bytes).unwrap(),
    };
    pb::session::RatchetHeader::decode(&inner.header[..]).unwrap().ratchet_key
}

/// Two parties and the checks every delivery must pass.
struct Net {
    parties: [Device; 2],
    delivered: HashSet<u64>,
    /// Per receiver, the peer's ratchet keys in the order first seen.
    seen: [Vec<Vec<u8>>; 2],
    can_send: [bool; 2],
    next_id: u64,
    discarded: usize,
}

impl Net {
    fn new() -> Self {
        let (a, b) = pair();
        // Bob cannot send until Alice's first message reached him.
        Net {
            parties: [a, b],
            delivered: HashSet::new(),
            seen: [vec![], vec![]],
            can_send: [true, false],
            next_id: 0,
            discarded: 0,
        }
    }

    fn send(&mut self, p: usize, len: usize) -> Option<InFlight> {
        if !self.can_send[p] {
            return None;
        }
        let id = self.next_id;
        self.next_id += 1;
        Some(InFlight { to: 1 - p, id, bytes: self.parties[p].send(&payload(id, len)) })
    }

    fn deliver(&mut self, m: &InFlight) {
        let to = m.to;
        let before = self.parties[to].snapshot();
        let key = ratchet_key(&m.bytes);
        match self.parties[to].recv(&m.bytes) {
            Ok(pt) => {
                assert!(self.delivered.insert(m.id), "message {} decrypted twice", m.id);
                assert_eq!(pt, payload(m.id, pt.len()));
                self.can_send[to] = true;
                if !self.seen[to].contains(&key) {
                    self.seen[to].push(key);
                }
            }
            Err(SessionError::Duplicate) => {
                assert!(self.delivered.contains(&m.id), "message {} reported duplicate before delivery", m.id);
                assert_eq!(self.parties[to].snapshot(), before);
            }
            Err(SessionError::MessageKeyDiscarded) if !self.delivered.contains(&m.id) => {
                // Only legitimate when its chain has been retired: at least
                // max_receiver_chains newer chains were seen since.
                let pos = self.seen[to].iter().position(|k| k == &key).expect("discarded on a chain never seen");
                let newer = self.seen[to].len() - 1 - pos;
                assert!(
                    newer >= vestnik::limits::MAX_RECEIVER_CHAINS,
                    "message {} discarded with {newer} newer chains",
                    m.id
                );
                assert_eq!(self.parties[to].snapshot(), before);
                self.discarded += 1;
            }
            Err(SessionError::DecryptionFailed)
                if self.seen[to].iter().position(|k| k == &key).is_some_and(|pos| {
                    self.seen[to].len() - 1 - pos
                        >= vestnik::limits::MAX_RECEIVER_CHAINS + vestnik::limits::MAX_RETIRED_CHAINS
                }) =>
            {
                // Its chain is older than every chain the session remembers.
                assert_eq!(self.parties[to].snapshot(), before);
                self.discarded += 1;
            }
            Err(e) => {
                let pos = self.seen[to].iter().position(|k| k == &key);
                panic!("message {} failed: {e:?}; chain position {pos:?} of {}", m.id, self.seen[to].len())
            }
        }
    }
}

fn run(actions: &[Action]) {
    let mut net = Net::new();
    let mut flight: Vec<InFlight> = Vec::new();
    for act in actions {
        match *act {
            Action::Send(p, len) => flight.extend(net.send(p, len)),
            Action::Deliver(i) | Action::Duplicate(i) => {
                if flight.is_empty() {
                    continue;
                }
                let i = i % flight.len();
                if matches!(act, Action::Duplicate(_)) {
                    let m = InFlight { to: flight[i].to, id: flight[i].id, bytes: flight[i].bytes.clone() };
                    net.deliver(&m);
                } else {
                    let m = flight.remove(i);
                    net.deliver(&m);
                }
            }
            Action::Drop(i) => {
                if !flight.is_empty() {
                    let i = i % flight.len();
                    flight.remove(i);
                }
            }
            Action::Restart(p) => net.parties[p].restart(),
            Action::Tamper(i, bit) => {
                if flight.is_empty() {
                    continue;
                }
                let m = &flight[i % flight.len()];
                let mut t = m.bytes.clone();
                let bit = bit % (t.len() * 8);
                t[bit / 8] ^= 1 << (bit % 8);
                let before = net.parties[m.to].snapshot();
                assert!(net.parties[m.to].recv(&t).is_err(), "tampered message accepted");
                assert_eq!(net.parties[m.to].snapshot(), before, "failed decrypt changed state");
            }
        }
    }
    // Drain: everything still in flight is delivered (again, for duplicated ones).
    for m in flight.drain(..) {
        net.deliver(&m);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn network_simulation(actions in proptest::collection::vec(action(), 1..120)) {
        run(&actions);
    }

    /// Row 4: flip any bit or truncate anywhere; the state is identical
    /// afterwards and the real message still decrypts.
    #[test]
    fn transactional_decrypt(bit in any::<usize>(), cut in any::<usize>(), warm in 0..4usize) {
        let (mut a, mut b) = pair();
        b.recv(&a.send(b"start")).unwrap();
        for _ in 0..warm {
            a.recv(&b.send(b"r")).unwrap();
            b.recv(&a.send(b"s")).unwrap();
        }
        let m = a.send("Сәлам, дус!".as_bytes());
        let before = b.snapshot();
        let mut t = m.clone();
        let bit = bit % (t.len() * 8);
        t[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(b.recv(&t).is_err());
        prop_assert_eq!(&b.snapshot(), &before);
        let cut = cut % m.len();
        prop_assert!(b.recv(&m[..cut]).is_err());
        prop_assert_eq!(&b.snapshot(), &before);
        prop_assert_eq!(b.recv(&m).unwrap(), "Сәлам, дус!".as_bytes());
        prop_assert_eq!(b.recv(&m), Err(SessionError::Duplicate));
    }
}

/// Row 7: 10^5 random operations (send, deliver out of order within a
/// window, drop) in one conversation: every message decrypts or is reported
/// discarded under the chain rule, and stored keys stay within the cap.
#[test]
fn long_random_run_stays_within_caps() {
    use rand::RngExt;
    let mut rng = rand::rng();
    let mut net = Net::new();
    let limits = vestnik::SessionLimits::default();
    let mut flight: Vec<InFlight> = Vec::new();
    let first = net.send(0, 5).unwrap();
    net.deliver(&first);
    for _ in 0..100_000u32 {
        let r: u32 = rng.random_range(0..100);
        if (r < 55 || flight.is_empty()) && flight.len() < 64 {
            let p = rng.random_range(0..2usize);
            flight.extend(net.send(p, 8));
        } else if r < 97 {
            let i = rng.random_range(0..flight.len());
            let m = flight.swap_remove(i);
            net.deliver(&m);
        } else {
            let i = rng.random_range(0..flight.len());
            flight.swap_remove(i);
        }
        for p in &net.parties {
            assert!(p.peer.skipped_key_count() <= limits.max_skipped_keys);
        }
    }
    println!("delivered {}, discarded by the chain limit {}", net.delivered.len(), net.discarded);
    assert!(net.delivered.len() > 40_000);
}
