//! Groups: round trips over real 1:1 sessions, membership changes, replay,
//! transactional decrypt, binding, bounds (ASSURANCE rows 4, 5, 7, 8, 11, 12, 14, 16).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

mod common;
use common::pb::group as pb;
use std::collections::BTreeMap;
use vestnik::group::{GroupError, GroupSession, MembershipPlan, RosterChange};
use vestnik::{ContentType, DeviceIdentity, IdentityPublic, PeerSessions, PreKeyStore, SessionError};

/// A device with 1:1 sessions to every other device and its group state.
struct Dev {
    id: DeviceIdentity,
    pre: PreKeyStore,
    peers: BTreeMap<[u8; 32], PeerSessions>,
    group: Option<GroupSession>,
}

struct Net {
    devs: Vec<Dev>,
    one_to_one_messages: usize,
}

fn key(p: &IdentityPublic) -> [u8; 32] {
    *p.signing_key().as_bytes()
}

impl Net {
    fn new(n: usize) -> Self {
        let mut rng = rand::rng();
        let mut devs: Vec<Dev> = (0..n)
            .map(|_| {
                let id = DeviceIdentity::generate(&mut rng);
                let pre = PreKeyStore::new(&id, 0, &mut rng);
                Dev { id, pre, peers: BTreeMap::new(), group: None }
            })
            .collect();
        // Sessions between every pair: the lower index initiates.
        for i in 0..n {
            for j in i + 1..n {
                let bundle = devs[j].pre.bundle(&devs[j].id, None);
                let mut s = PeerSessions::new(devs[j].id.public());
                s.initiate(&devs[i].id, &bundle, 0, &mut rng).unwrap();
                let pj = devs[j].id.public();
                let pi = devs[i].id.public();
                devs[i].peers.insert(key(&pj), s);
                devs[j].peers.insert(key(&pi), PeerSessions::new(pi));
            }
        }
        Net { devs, one_to_one_messages: 0 }
    }

    fn public(&self, i: usize) -> IdentityPublic {
        self.devs[i].id.public()
    }

    /// Sends a plan's distribution from device `from` over 1:1 sessions and
    /// has each recipient process it.
    fn deliver_plan(&mut self, from: usize, plan: &MembershipPlan) {
        let mut rng = rand::rng();
        let sender = self.public(from);
        for r in plan.recipients() {
            let wire = {
                let s = self.devs[from].peers.get_mut(&key(r)).unwrap();
                s.encrypt_typed(ContentType::SenderKeyDistribution, plan.distribution(), &mut rng).unwrap()
            };
            self.one_to_one_messages += 1;
            let to = self.devs.iter().position(|d| d.id.public() == *r).unwrap();
            let d = &mut self.devs[to];
            let received = d.peers.get_mut(&key(&sender)).unwrap().decrypt(&d.id, &mut d.pre, &wire, 0).unwrap();
            if let Some(g) = d.group.as_mut() {
                g.process_distribution(&received).unwrap();
            }
        }
    }

    /// Every device in `members` creates its group state and distributes.
    fn form_group(&mut self, members: &[usize]) {
        let mut rng = rand::rng();
        let publics: Vec<IdentityPublic> = members.iter().map(|&i| self.public(i)).collect();
        let mut plans = Vec::new();
        for &i in members {
            let (g, plan) = GroupSession::create(b"class-7b", &self.devs[i].id, &publics, false, &mut rng).unwrap();
            self.devs[i].group = Some(g);
            plans.push((i, plan));
        }
        for (i, plan) in plans {
            self.deliver_plan(i, &plan);
        }
    }

    /// A typed 1:1 message from `from` to `to`, decrypted by `to`.
    fn one_to_one(&mut self, from: usize, to: usize, ty: ContentType, body: &[u8]) -> vestnik::Received {
        let (kf, kt) = (key(&self.public(from)), key(&self.public(to)));
        let wire = self.devs[from].peers.get_mut(&kt).unwrap().encrypt_typed(ty, body, &mut rand::rng()).unwrap();
        let d = &mut self.devs[to];
        d.peers.get_mut(&kf).unwrap().decrypt(&d.id, &mut d.pre, &wire, 0).unwrap()
    }

    fn group(&mut self, i: usize) -> &mut GroupSession {
        self.devs[i].group.as_mut().unwrap()
    }
}

#[test]
fn class_chat_round_trip() {
    let mut net = Net::new(5);
    net.form_group(&[0, 1, 2, 3, 4]);
    for sender in 0..5 {
        let text = format!("Сообщение от {sender}: Һаумыһығыҙ!");
        let wire = net.group(sender).encrypt(text.as_bytes()).unwrap();
        for r in (0..5).filter(|&r| r != sender) {
            let got = net.group(r).decrypt(&wire).unwrap();
            assert_eq!(got.plaintext(), text.as_bytes());
            assert_eq!(*got.sender(), net.public(sender));
            // Row 5: replay is Duplicate.
            assert_eq!(net.group(r).decrypt(&wire).map(|_| ()), Err(GroupError::Duplicate));
        }
    }
}

#[test]
fn removed_member_reads_nothing_new_and_its_messages_are_refused() {
    let mut net = Net::new(4);
    net.form_group(&[0, 1, 2, 3]);
    let mut rng = rand::rng();
    let removed = net.public(3);
    let before_removal = net.group(3).encrypt(b"old chain").unwrap();
    let change = RosterChange { added: vec![], removed: vec![removed] };
    for i in 0..3 {
        let plan = net.group(i).apply_change(&change, &mut rng).unwrap();
        assert!(!plan.recipients().contains(&removed));
        assert_eq!(plan.recipients().len(), 2);
        net.deliver_plan(i, &plan);
    }
    for i in 0..3 {
        let wire = net.group(i).encrypt("После исключения".as_bytes()).unwrap();
        for r in (0..3).filter(|&r| r != i) {
            assert_eq!(net.group(r).decrypt(&wire).unwrap().plaintext(), "После исключения".as_bytes());
        }
        // Row 11: the removed member's state cannot decrypt it.
        let e = net.group(3).decrypt(&wire).map(|_| ());
        assert_eq!(e, Err(GroupError::UnknownChain(net.group(i).own_chain().0)));
    }
    // Its messages are refused by the others once they applied the removal.
    for r in 0..3 {
        assert_eq!(net.group(r).decrypt(&before_removal).map(|_| ()), Err(GroupError::UnknownSender));
    }
}

#[test]
fn added_member_reads_from_now_on_only() {
    let mut net = Net::new(4);
    net.form_group(&[0, 1, 2]);
    let mut rng = rand::rng();
    let earlier = net.group(0).encrypt(b"before you joined").unwrap();
    let newcomer = net.public(3);
    let all: Vec<_> = (0..4).map(|i| net.public(i)).collect();
    let (g, plan) = GroupSession::create(b"class-7b", &net.devs[3].id, &all, false, &mut rng).unwrap();
    net.devs[3].group = Some(g);
    for i in 0..3 {
        let plan =
            net.group(i).apply_change(&RosterChange { added: vec![newcomer], removed: vec![] }, &mut rng).unwrap();
        assert_eq!(plan.recipients(), &[newcomer]);
        net.deliver_plan(i, &plan);
    }
    net.deliver_plan(3, &plan);
    assert_eq!(net.group(3).decrypt(&earlier).map(|_| ()), Err(GroupError::MessageKeyDiscarded));
    let now = net.group(0).encrypt(b"welcome").unwrap();
    assert_eq!(net.group(3).decrypt(&now).unwrap().plaintext(), b"welcome");
    let from_new = net.group(3).encrypt(b"thanks").unwrap();
    assert_eq!(net.group(1).decrypt(&from_new).unwrap().plaintext(), b"thanks");
}

#[test]
fn distribution_must_come_from_the_sender_session_and_roster() {
    let mut net = Net::new(4);
    net.form_group(&[0, 1, 2]);
    let mut rng = rand::rng();
    let dist = net.group(0).distribution().to_vec();
    let from0 = net.public(0);
    // As application data instead of a typed distribution: refused.
    let r = net.one_to_one(0, 1, ContentType::Application, &dist);
    assert_eq!(net.group(1).process_distribution(&r), Err(GroupError::NotADistribution));
    // Device 3 (not on the roster) forwards device 0's distribution: refused.
    net.one_to_one(1, 3, ContentType::Application, b"hi");
    let r = net.one_to_one(3, 1, ContentType::SenderKeyDistribution, &dist);
    assert_eq!(net.group(1).process_distribution(&r), Err(GroupError::UnknownSender));
    // Device 2 (a member) forwards device 0's distribution as its own: it
    // installs under device 2 only, so device 0's messages still verify as 0's
    // and nothing can be attributed to 2 without 2's signing key.
    let r = net.one_to_one(2, 1, ContentType::SenderKeyDistribution, &dist);
    net.group(1).process_distribution(&r).unwrap();
    let m = net.group(0).encrypt(b"from 0").unwrap();
    assert_eq!(*net.group(1).decrypt(&m).unwrap().sender(), from0);
    // Another group's distribution: refused.
    let (other, _) = GroupSession::create(b"class-8a", &net.devs[0].id, &[net.public(1)], false, &mut rng).unwrap();
    let r = net.one_to_one(0, 1, ContentType::SenderKeyDistribution, &other.distribution());
    assert_eq!(net.group(1).process_distribution(&r), Err(GroupError::WrongGroup));
}

#[test]
fn binding_group_sender_and_type() {
    let mut net = Net::new(3);
    net.form_group(&[0, 1, 2]);
    let mut rng = rand::rng();
    let wire = net.group(0).encrypt(b"hello").unwrap();
    // Replayed into another group that has the same members: refused.
    let publics: Vec<_> = (0..3).map(|i| net.public(i)).collect();
    let (mut other, _) = GroupSession::create(b"class-8a", &net.devs[1].id, &publics, false, &mut rng).unwrap();
    assert_eq!(other.decrypt(&wire).map(|_| ()), Err(GroupError::WrongGroup));
    // Group messages into the 1:1 decoder and 1:1 messages into the group decoder.
    let k0 = key(&net.public(0));
    let k1 = key(&net.public(1));
    let d = &mut net.devs[1];
    let e = d.peers.get_mut(&k0).unwrap().decrypt(&d.id, &mut d.pre, &wire, 0).map(|_| ());
    assert!(matches!(e, Err(SessionError::Decode(vestnik::wire::DecodeError::WrongType { .. }))), "{e:?}");
    let one_to_one = net.devs[0].peers.get_mut(&k1).unwrap().encrypt(b"x", &mut rng).unwrap();
    assert!(matches!(net.group(1).decrypt(&one_to_one), Err(GroupError::Decode(_))));
    let dist = net.group(1).distribution().to_vec();
    assert!(matches!(net.group(1).decrypt(&dist), Err(GroupError::Decode(_))));
    // Attributed to another sender: the sender field is signed, so swapping it fails.
    use prost::Message;
    let mut m = pb::GroupMessage::decode(&wire[..]).unwrap();
    let mut body = pb::GroupMessageBody::decode(&m.body[..]).unwrap();
    body.sender = net.public(2).signing_key().as_bytes().to_vec();
    m.body = body.encode_to_vec();
    let before = net.group(1).to_bytes().to_vec();
    assert!(net.group(1).decrypt(&m.encode_to_vec()).is_err());
    assert_eq!(net.group(1).to_bytes().to_vec(), before);
    assert_eq!(net.group(1).decrypt(&wire).unwrap().plaintext(), b"hello");
}

#[test]
fn tampering_changes_nothing_and_signature_is_checked_first() {
    let mut net = Net::new(2);
    net.form_group(&[0, 1]);
    let _ = net.group(0).encrypt(b"skip me").unwrap();
    let wire = net.group(0).encrypt(b"payload").unwrap();
    for i in 0..wire.len() {
        let mut t = wire.clone();
        t[i] ^= 0x04;
        let before = net.group(1).to_bytes().to_vec();
        assert!(net.group(1).decrypt(&t).is_err(), "flip at {i}");
        assert_eq!(net.group(1).to_bytes().to_vec(), before);
    }
    assert_eq!(net.group(1).decrypt(&wire).unwrap().plaintext(), b"payload");
}

#[test]
fn bounds_and_counters() {
    let mut net = Net::new(2);
    net.form_group(&[0, 1]);
    let limits = vestnik::GroupLimits::default();
    // Jump of exactly MAX: accepted; skipped keys stop at the cap.
    for _ in 0..limits.max_forward_jump {
        net.group(0).encrypt(b"").unwrap();
    }
    let far = net.group(0).encrypt(b"far").unwrap();
    assert_eq!(net.group(1).decrypt(&far).unwrap().plaintext(), b"far");
    let saved = net.group(1).to_bytes();
    assert!(saved.len() < 2_000 * 60 + 4_096, "{}", saved.len());
    // MAX + 1 ahead: refused before any work, nothing changes.
    for _ in 0..limits.max_forward_jump + 1 {
        net.group(0).encrypt(b"").unwrap();
    }
    let too_far = net.group(0).encrypt(b"too far").unwrap();
    let before = net.group(1).to_bytes().to_vec();
    assert_eq!(net.group(1).decrypt(&too_far).map(|_| ()), Err(GroupError::TooFarAhead { jump: 25_001, max: 25_000 }));
    assert_eq!(net.group(1).to_bytes().to_vec(), before);
    // Plaintext cap.
    let big = vec![0u8; limits.max_plaintext_len + 1];
    assert!(matches!(net.group(0).encrypt(&big), Err(GroupError::PlaintextTooLarge { .. })));
}

#[test]
fn iteration_cannot_wrap() {
    use prost::Message;
    let mut net = Net::new(2);
    net.form_group(&[0, 1]);
    // A sender chain at u32::MAX - 1 (libsignal 2024: the counter wrapped there).
    let mut s = pb::GroupState::decode(&net.group(0).to_bytes()[..]).unwrap();
    s.own.as_mut().unwrap().iteration = u32::MAX - 1;
    net.devs[0].group = Some(GroupSession::from_bytes(&s.encode_to_vec()).unwrap());
    // The receiver learns the chain at that iteration (a distribution after a reinstall).
    net.group(1).rotate(&mut rand::rng());
    let plan_dist = net.group(0).distribution().to_vec();
    let mut d = pb::SenderKeyDistribution::decode(&plan_dist[..]).unwrap();
    d.chain_id ^= 1; // a new chain id, as a resend after state loss would have
    let mut s0 = pb::GroupState::decode(&net.group(0).to_bytes()[..]).unwrap();
    s0.own.as_mut().unwrap().chain_id ^= 1;
    net.devs[0].group = Some(GroupSession::from_bytes(&s0.encode_to_vec()).unwrap());
    let r = net.one_to_one(0, 1, ContentType::SenderKeyDistribution, &d.encode_to_vec());
    net.group(1).process_distribution(&r).unwrap();
    let last = net.group(0).encrypt(b"last").unwrap();
    assert_eq!(net.group(1).decrypt(&last).unwrap().plaintext(), b"last");
    assert_eq!(net.group(1).decrypt(&last).map(|_| ()), Err(GroupError::Duplicate));
    // No iteration u32::MAX is ever produced: the chain must rotate.
    assert_eq!(net.group(0).encrypt(b"wrap"), Err(GroupError::CounterExhausted));
    assert_eq!(net.group(0).encrypt(b"wrap"), Err(GroupError::CounterExhausted));
    let plan = net.group(0).rotate(&mut rand::rng());
    assert_eq!(net.group(0).own_chain().1, 0);
    assert_eq!(plan.recipients().len(), 1);
}

#[test]
fn state_round_trip_and_debug() {
    let mut net = Net::new(3);
    net.form_group(&[0, 1, 2]);
    let m1 = net.group(0).encrypt(b"one").unwrap();
    let m2 = net.group(0).encrypt(b"two").unwrap();
    assert_eq!(net.group(1).decrypt(&m2).unwrap().plaintext(), b"two");
    let mut restored = GroupSession::from_bytes(&net.group(1).to_bytes()).unwrap();
    assert_eq!(restored.decrypt(&m1).unwrap().plaintext(), b"one");
    assert_eq!(restored.decrypt(&m2).map(|_| ()), Err(GroupError::Duplicate));
    let dbg = format!("{restored:?}");
    assert!(dbg.starts_with("GroupSession { group_id_len: 8, own: OwnSenderChain { chain_id: 0x"), "{dbg}");
    assert!(dbg.ends_with(", iteration: 0, .. }, members: 2, chains: 2 }"), "{dbg}");
    let plan = net.group(0).rotate(&mut rand::rng());
    assert_eq!(format!("{plan:?}"), "MembershipPlan { recipients: 2, .. }");
}
