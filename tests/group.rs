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
        let (sender, chain_id) = (key(&net.public(i)), net.group(i).own_chain().0);
        assert_eq!(e, Err(GroupError::UnknownChain { sender, chain_id }));
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

// ---- Mutation-testing gaps (tests/MUTANTS.md) --------------------------------

fn state_of(g: &GroupSession) -> pb::GroupState {
    use prost::Message;
    pb::GroupState::decode(&g.to_bytes()[..]).unwrap()
}

fn reload(s: &pb::GroupState) -> Result<GroupSession, vestnik::wire::DecodeError> {
    use prost::Message;
    GroupSession::from_bytes(&s.encode_to_vec())
}

/// Row 7: the group id length and the member and plaintext limits at MAX and
/// MAX + 1, at creation, on roster changes and on load.
#[test]
fn group_id_member_and_plaintext_limits_at_max_and_max_plus_one() {
    use vestnik::wire::DecodeError;
    let mut rng = rand::rng();
    let own = DeviceIdentity::generate(&mut rng);
    let others: Vec<IdentityPublic> = (0..3).map(|_| DeviceIdentity::generate(&mut rng).public()).collect();
    let id_max = [b'g'; vestnik::limits::GROUP_ID_MAX_LEN];
    let (g, _) = GroupSession::create(&id_max, &own, &others, false, &mut rng).unwrap();
    assert_eq!(g.group_id(), &id_max[..]);
    let too_long = [b'g'; vestnik::limits::GROUP_ID_MAX_LEN + 1];
    for bad in [&too_long[..], b""] {
        let e = GroupSession::create(bad, &own, &others, false, &mut rng).map(|_| ());
        assert_eq!(e, Err(GroupError::Decode(DecodeError::Invalid("group_id"))));
    }
    // The same bounds on load.
    let mut s = state_of(&g);
    assert!(reload(&s).is_ok());
    s.group_id = too_long.to_vec();
    assert_eq!(reload(&s).err(), Some(DecodeError::Invalid("group_id")));
    s.group_id.clear();
    assert_eq!(reload(&s).err(), Some(DecodeError::Invalid("group_id")));

    let mut limits = vestnik::GroupLimits::default();
    limits.max_members = 2;
    limits.max_plaintext_len = 100;
    // Our own identity in the list is not a member and does not count.
    let with_self = [own.public(), others[0], others[1]];
    let (mut g, plan) = GroupSession::create_with_limits(b"g", &own, &with_self, false, limits, &mut rng).unwrap();
    assert_eq!(g.limits(), &limits);
    assert_ne!(limits, vestnik::GroupLimits::default());
    assert_eq!(GroupSession::from_bytes_with_limits(&g.to_bytes(), limits).unwrap().limits(), &limits);
    assert_eq!(g.members(), {
        let mut m = vec![others[0], others[1]];
        m.sort_by_key(|p| *p.signing_key().as_bytes());
        m
    });
    assert!(!plan.recipients().contains(&own.public()));
    assert_eq!(plan.recipients().len(), 2);
    assert_eq!(
        GroupSession::create_with_limits(b"g", &own, &others, false, limits, &mut rng).map(|_| ()),
        Err(GroupError::TooManyMembers { max: 2 })
    );
    // A full group: re-adding a member is fine, a new one is refused.
    let again = RosterChange { added: vec![others[0]], removed: vec![] };
    assert_eq!(g.apply_change(&again, &mut rng).unwrap().recipients(), &[others[0]]);
    let more = RosterChange { added: vec![others[2]], removed: vec![] };
    assert_eq!(g.apply_change(&more, &mut rng).map(|_| ()), Err(GroupError::TooManyMembers { max: 2 }));
    // Adding ourselves sends nothing to ourselves.
    let selfish = RosterChange { added: vec![own.public()], removed: vec![] };
    assert!(g.apply_change(&selfish, &mut rng).unwrap().recipients().is_empty());
    // Plaintext at MAX and MAX + 1.
    assert!(g.encrypt(&[1u8; 100]).is_ok());
    assert_eq!(g.encrypt(&[1u8; 101]), Err(GroupError::PlaintextTooLarge { len: 101, max: 100 }));
    assert_eq!(g.own_chain().1, 1);
}

/// Row 7: a receiver keeps exactly `max_skipped_keys` skipped keys, the
/// newest; older messages report the key as discarded.
#[test]
fn skipped_group_keys_stop_exactly_at_the_cap() {
    let mut net = Net::new(2);
    net.form_group(&[0, 1]);
    let mut limits = vestnik::GroupLimits::default();
    limits.max_skipped_keys = 3;
    let saved = net.group(1).to_bytes();
    net.devs[1].group = Some(GroupSession::from_bytes_with_limits(&saved, limits).unwrap());
    let msgs: Vec<Vec<u8>> = (0..7u8).map(|i| net.group(0).encrypt(&[i]).unwrap()).collect();
    assert_eq!(net.group(1).decrypt(&msgs[6]).unwrap().plaintext(), [6]);
    let s = state_of(net.group(1));
    let chain = &s.members[0].chains[0];
    assert_eq!(chain.skipped.iter().map(|k| k.iteration).collect::<Vec<_>>(), [3, 4, 5]);
    assert_eq!((chain.next, chain.discarded_up_to), (7, Some(2)));
    assert_eq!(net.group(1).decrypt(&msgs[2]).map(|_| ()), Err(GroupError::MessageKeyDiscarded));
    assert_eq!(net.group(1).decrypt(&msgs[4]).unwrap().plaintext(), [4]);
    assert_eq!(net.group(1).decrypt(&msgs[4]).map(|_| ()), Err(GroupError::Duplicate));
    assert_eq!(net.group(1).decrypt(&msgs[3]).unwrap().plaintext(), [3]);
    assert_eq!(net.group(1).decrypt(&msgs[5]).unwrap().plaintext(), [5]);
    assert!(state_of(net.group(1)).members[0].chains[0].skipped.is_empty());
}

/// A resent distribution is accepted and changes nothing; the same chain id
/// with another signing key, or ahead of what the receiver reached, conflicts.
#[test]
fn redistribution_is_idempotent_and_conflicts_are_refused() {
    use prost::Message;
    let mut net = Net::new(2);
    net.form_group(&[0, 1]);
    let dist = net.group(0).distribution().to_vec();
    let chain_id = net.group(0).own_chain().0;
    let before = net.group(1).to_bytes().to_vec();
    let r = net.one_to_one(0, 1, ContentType::SenderKeyDistribution, &dist);
    assert_eq!(net.group(1).process_distribution(&r), Ok(()));
    assert_eq!(net.group(1).to_bytes().to_vec(), before);
    assert_eq!(net.group(1).chain_count(), 1);
    // Another signing key under the same chain id.
    let mut d = pb::SenderKeyDistribution::decode(&dist[..]).unwrap();
    d.signing_key = DeviceIdentity::generate(&mut rand::rng()).public().signing_key().as_bytes().to_vec();
    let r = net.one_to_one(0, 1, ContentType::SenderKeyDistribution, &d.encode_to_vec());
    assert_eq!(net.group(1).process_distribution(&r), Err(GroupError::ConflictingDistribution(chain_id)));
    // Ahead of the receiver: a conflict until the receiver has caught up.
    let m0 = net.group(0).encrypt(b"m0").unwrap();
    let m1 = net.group(0).encrypt(b"m1").unwrap();
    let ahead = net.group(0).distribution().to_vec();
    let r = net.one_to_one(0, 1, ContentType::SenderKeyDistribution, &ahead);
    assert_eq!(net.group(1).process_distribution(&r), Err(GroupError::ConflictingDistribution(chain_id)));
    net.group(1).decrypt(&m0).unwrap();
    net.group(1).decrypt(&m1).unwrap();
    let caught_up = net.group(1).to_bytes().to_vec();
    assert_eq!(net.group(1).process_distribution(&r), Ok(()));
    assert_eq!(net.group(1).to_bytes().to_vec(), caught_up);
    assert_eq!(net.group(1).decrypt(&m1).map(|_| ()), Err(GroupError::Duplicate));
}

/// With history sharing, a member added later gets the chain from its start
/// and reads earlier messages; without it, only from the current message.
#[test]
fn history_sharing_distributes_from_the_chain_start() {
    use prost::Message;
    let mut net = Net::new(3);
    let mut rng = rand::rng();
    let publics: Vec<IdentityPublic> = (0..2).map(|i| net.public(i)).collect();
    let (g, plan) = GroupSession::create(b"archive", &net.devs[0].id, &publics, true, &mut rng).unwrap();
    net.devs[0].group = Some(g);
    let (g1, plan1) = GroupSession::create(b"archive", &net.devs[1].id, &publics, true, &mut rng).unwrap();
    net.devs[1].group = Some(g1);
    net.deliver_plan(0, &plan);
    net.deliver_plan(1, &plan1);
    let early = net.group(0).encrypt(b"early").unwrap();
    net.group(0).encrypt(b"second").unwrap();
    assert_eq!(pb::SenderKeyDistribution::decode(&net.group(0).distribution()[..]).unwrap().iteration, 2);
    let all: Vec<IdentityPublic> = (0..3).map(|i| net.public(i)).collect();
    let (g2, _) = GroupSession::create(b"archive", &net.devs[2].id, &all, true, &mut rng).unwrap();
    net.devs[2].group = Some(g2);
    let add = RosterChange { added: vec![net.public(2)], removed: vec![] };
    let plan = net.group(0).apply_change(&add, &mut rng).unwrap();
    assert_eq!(pb::SenderKeyDistribution::decode(plan.distribution()).unwrap().iteration, 0);
    net.deliver_plan(0, &plan);
    assert_eq!(net.group(2).decrypt(&early).unwrap().plaintext(), b"early");
    // The origin survives a reload.
    let reloaded = GroupSession::from_bytes(&net.group(0).to_bytes()).unwrap();
    let mut again = reloaded;
    let plan = again.apply_change(&add, &mut rng).unwrap();
    assert_eq!(pb::SenderKeyDistribution::decode(plan.distribution()).unwrap().iteration, 0);
}

/// A body ciphertext shorter than the AEAD tag is refused while decoding; one
/// of exactly the tag's length decodes and then fails the signature check.
#[test]
fn ciphertext_shorter_than_the_tag_is_refused_at_decode() {
    use prost::Message;
    let mut net = Net::new(2);
    net.form_group(&[0, 1]);
    let wire = net.group(0).encrypt(b"x").unwrap();
    let with_ciphertext = |len: usize| {
        let mut m = pb::GroupMessage::decode(&wire[..]).unwrap();
        let mut body = pb::GroupMessageBody::decode(&m.body[..]).unwrap();
        body.ciphertext.truncate(len);
        m.body = body.encode_to_vec();
        m.encode_to_vec()
    };
    assert_eq!(
        net.group(1).decrypt(&with_ciphertext(15)).map(|_| ()),
        Err(GroupError::Decode(vestnik::wire::DecodeError::Invalid("body.ciphertext")))
    );
    assert_eq!(net.group(1).decrypt(&with_ciphertext(16)).map(|_| ()), Err(GroupError::BadSignature));
    assert_eq!(net.group(1).decrypt(&wire).unwrap().plaintext(), b"x");
}

/// Stored skipped keys must be strictly ascending and below the chain's next
/// iteration.
#[test]
fn stored_skipped_iterations_are_validated() {
    use vestnik::wire::DecodeError;
    let mut net = Net::new(2);
    net.form_group(&[0, 1]);
    for _ in 0..4 {
        net.group(0).encrypt(b"").unwrap();
    }
    let last = net.group(0).encrypt(b"last").unwrap();
    net.group(1).decrypt(&last).unwrap();
    let good = state_of(net.group(1));
    assert_eq!(good.members[0].chains[0].skipped.iter().map(|k| k.iteration).collect::<Vec<_>>(), [0, 1, 2, 3]);
    assert!(reload(&good).is_ok());
    let edit = |f: &dyn Fn(&mut Vec<pb::SkippedGroupKey>)| {
        let mut s = good.clone();
        f(&mut s.members[0].chains[0].skipped);
        reload(&s).err()
    };
    let invalid = Some(DecodeError::Invalid("skipped.iteration"));
    assert_eq!(edit(&|k| k.swap(1, 2)), invalid);
    assert_eq!(edit(&|k| k[2].iteration = 1), invalid);
    assert_eq!(edit(&|k| k[3].iteration = 5), invalid);
    assert_eq!(edit(&|k| k[3].iteration = 4), None);
    assert_eq!(edit(&|k| k.truncate(1)), None);
}

/// A received distribution says which group and chain it is for, with no
/// group state: the app routes it to the right `GroupSession` by its group id.
#[test]
fn distribution_exposes_its_group_and_chain_without_group_state() {
    use vestnik::group::DistributionInfo;
    let mut net = Net::new(2);
    let mut rng = rand::rng();
    let (teacher, student) = (net.public(0), net.public(1));
    // The teacher is in two groups with the student; each has its own chain.
    let (mut class, class_plan) =
        GroupSession::create(b"class-7b", &net.devs[0].id, &[student], false, &mut rng).unwrap();
    let (mut club, club_plan) =
        GroupSession::create(b"chess-club", &net.devs[0].id, &[student], false, &mut rng).unwrap();
    class.encrypt(b"advance the class chain").unwrap();
    let mut student_groups = BTreeMap::new();
    for id in [&b"class-7b"[..], b"chess-club"] {
        let (g, _) = GroupSession::create(id, &net.devs[1].id, &[teacher], false, &mut rng).unwrap();
        student_groups.insert(id.to_vec(), g);
    }
    // Delivered in the opposite order of creation; routed by the peeked id.
    for (plan, group_id, (chain_id, iteration)) in
        [(&club_plan, &b"chess-club"[..], club.own_chain()), (&class_plan, b"class-7b", (class.own_chain().0, 0))]
    {
        let received = net.one_to_one(0, 1, ContentType::SenderKeyDistribution, plan.distribution());
        let info = DistributionInfo::peek(&received).unwrap();
        assert_eq!(info.group_id(), group_id);
        assert_eq!(*info.sender(), teacher);
        assert_eq!((info.chain_id(), info.iteration()), (chain_id, iteration));
        let g = student_groups.get_mut(info.group_id()).unwrap();
        g.process_distribution(&received).unwrap();
        // Peeking twice gives the same answer: nothing was consumed.
        assert_eq!(DistributionInfo::peek(&received), Ok(info));
    }
    let wire = club.encrypt(b"e2-e4").unwrap();
    assert_eq!(student_groups.get_mut(&b"chess-club"[..]).unwrap().decrypt(&wire).unwrap().plaintext(), b"e2-e4");
    let wire = class.encrypt(b"homework").unwrap();
    assert_eq!(student_groups.get_mut(&b"class-7b"[..]).unwrap().decrypt(&wire).unwrap().plaintext(), b"homework");

    // Anything else is refused with a typed error.
    let app = net.one_to_one(0, 1, ContentType::Application, class_plan.distribution());
    assert_eq!(DistributionInfo::peek(&app), Err(GroupError::NotADistribution));
    let good: pb::SenderKeyDistribution = prost::Message::decode(class_plan.distribution()).unwrap();
    let cases: [(pb::SenderKeyDistribution, vestnik::wire::DecodeError); 5] = [
        (
            pb::SenderKeyDistribution { format: 0x2101, ..good.clone() },
            vestnik::wire::DecodeError::WrongType { found: 0x2101, expected: 0x2201 },
        ),
        (
            pb::SenderKeyDistribution { format: 0x2202, ..good.clone() },
            vestnik::wire::DecodeError::UnsupportedVersion { found: 0x2202, expected: 0x2201 },
        ),
        (
            pb::SenderKeyDistribution { group_id: vec![], ..good.clone() },
            vestnik::wire::DecodeError::Invalid("group_id"),
        ),
        (
            pb::SenderKeyDistribution { chain_key: vec![1; 31], ..good.clone() },
            vestnik::wire::DecodeError::WrongLength { field: "chain_key", len: 31, expected: 32 },
        ),
        (
            pb::SenderKeyDistribution { signing_key: vec![1; 33], ..good.clone() },
            vestnik::wire::DecodeError::WrongLength { field: "signing_key", len: 33, expected: 32 },
        ),
    ];
    for (bad, why) in cases {
        let r = net.one_to_one(0, 1, ContentType::SenderKeyDistribution, &prost::Message::encode_to_vec(&bad));
        assert_eq!(DistributionInfo::peek(&r), Err(GroupError::Decode(why)));
    }
    // The size cap applies before decoding (after the format, SPEC §4.1).
    let mut big = vec![0x08, 0x81, 0x44];
    big.resize(257, 0);
    let huge = net.one_to_one(0, 1, ContentType::SenderKeyDistribution, &big);
    assert_eq!(
        DistributionInfo::peek(&huge),
        Err(GroupError::Decode(vestnik::wire::DecodeError::TooLarge { len: 257, max: 256 }))
    );
}

/// A group message that overtakes its sender's distribution: refused as
/// `UnknownChain` with the sender and chain id, nothing changed; buffered,
/// it decrypts once the distribution is processed. Also after a rotation.
#[test]
fn message_before_its_distribution_is_buffered_and_retried() {
    use vestnik::group::DistributionInfo;
    let mut net = Net::new(3);
    let mut rng = rand::rng();
    let publics = [net.public(0), net.public(1), net.public(2)];
    // Everyone but device 0 has its state; device 0's distributions are held back.
    let (g0, plan0) = GroupSession::create(b"class-7b", &net.devs[0].id, &publics, false, &mut rng).unwrap();
    net.devs[0].group = Some(g0);
    for i in 1..3 {
        let (g, _) = GroupSession::create(b"class-7b", &net.devs[i].id, &publics, false, &mut rng).unwrap();
        net.devs[i].group = Some(g);
    }
    let early = [net.group(0).encrypt(b"first").unwrap(), net.group(0).encrypt(b"second").unwrap()];
    let chain_id = net.group(0).own_chain().0;
    let mut pending: BTreeMap<([u8; 32], u32), Vec<Vec<u8>>> = BTreeMap::new();
    for m in &early {
        let before = net.group(1).to_bytes().to_vec();
        let e = net.group(1).decrypt(m).map(|_| ());
        assert_eq!(e, Err(GroupError::UnknownChain { sender: key(&publics[0]), chain_id }));
        assert_eq!(net.group(1).to_bytes().as_slice(), before.as_slice(), "the failure changed state");
        let Err(GroupError::UnknownChain { sender, chain_id }) = e else { unreachable!() };
        pending.entry((sender, chain_id)).or_default().push(m.clone());
    }
    // The distribution arrives; the app finds what waited for it.
    let received = net.one_to_one(0, 1, ContentType::SenderKeyDistribution, plan0.distribution());
    let info = DistributionInfo::peek(&received).unwrap();
    net.group(1).process_distribution(&received).unwrap();
    let waiting = pending.remove(&(key(info.sender()), info.chain_id())).unwrap();
    let got: Vec<Vec<u8>> = waiting.iter().map(|m| net.group(1).decrypt(m).unwrap().plaintext().to_vec()).collect();
    assert_eq!(got, [b"first".to_vec(), b"second".to_vec()]);
    assert!(pending.is_empty());

    // After a rotation the new chain's first message again waits for its distribution.
    let change = RosterChange { added: vec![], removed: vec![publics[2]] };
    let rotated = net.group(0).apply_change(&change, &mut rng).unwrap();
    net.group(1).apply_change(&change, &mut rng).unwrap();
    let new_chain = net.group(0).own_chain().0;
    assert_ne!(new_chain, chain_id);
    let after = net.group(0).encrypt(b"after the rotation").unwrap();
    assert_eq!(
        net.group(1).decrypt(&after).map(|_| ()),
        Err(GroupError::UnknownChain { sender: key(&publics[0]), chain_id: new_chain })
    );
    let received = net.one_to_one(0, 1, ContentType::SenderKeyDistribution, rotated.distribution());
    assert_eq!(DistributionInfo::peek(&received).unwrap().chain_id(), new_chain);
    net.group(1).process_distribution(&received).unwrap();
    assert_eq!(net.group(1).decrypt(&after).unwrap().plaintext(), b"after the rotation");
}
