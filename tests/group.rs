//! Groups: round trips over real 1:1 sessions, membership changes, replay,
//! transactional decrypt, binding, bounds (ASSURANCE rows 4, 5, 7, 8, 11, 12, 14, 16).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

mod common;
use common::key;
use common::pb::group as pb;
use std::collections::BTreeMap;
use vestnik::group::{GroupError, GroupSession, MembershipPlan, PayloadKind, RosterChange};
use vestnik::{ContentType, DeviceIdentity, IdentityPublic, SessionError};

/// The caller's clock for every group call in these tests (Unix seconds).
const NOW: u64 = 1_764_000_000;

type Dev = common::MeshDevice;

struct Net {
    devs: Vec<Dev>,
    one_to_one_messages: usize,
    share_history: bool,
}

/// A plan's sends, copied out so the plan's owner can be borrowed again.
fn sends_of(plan: &MembershipPlan) -> Vec<(PayloadKind, Vec<u8>, Vec<IdentityPublic>)> {
    plan.sends().iter().map(|s| (s.kind(), s.payload().to_vec(), s.recipients().to_vec())).collect()
}

impl Net {
    fn new(n: usize) -> Self {
        let devs = common::mesh(n);
        let mut net = Net { devs, one_to_one_messages: 0, share_history: false };
        // A first message each way, so either side can send.
        for i in 0..n {
            for j in i + 1..n {
                net.one_to_one(i, j, ContentType::Application, b"hi");
            }
        }
        net
    }

    fn public(&self, i: usize) -> IdentityPublic {
        self.devs[i].id.public()
    }

    fn index(&self, p: &IdentityPublic) -> usize {
        self.devs.iter().position(|d| d.id.public() == *p).unwrap()
    }

    /// Sends a plan from device `from` over 1:1 sessions, has each
    /// recipient handle it (a newcomer joins from the log), and delivers
    /// every plan that causes in turn. Devices in `withheld` get nothing.
    fn deliver_plan_except(&mut self, from: usize, plan: &MembershipPlan, withheld: &[usize]) {
        let mut rng = rand::rng();
        let mut queue = std::collections::VecDeque::from([(from, sends_of(plan))]);
        while let Some((from, sends)) = queue.pop_front() {
            for (kind, payload, recipients) in sends {
                for r in recipients {
                    let to = self.index(&r);
                    if withheld.contains(&to) {
                        continue;
                    }
                    let received = self.one_to_one(from, to, ContentType::SenderKeyDistribution, &payload);
                    self.one_to_one_messages += 1;
                    let share = self.share_history;
                    let d = &mut self.devs[to];
                    let next = if kind == PayloadKind::RosterLog {
                        let (g, p) = GroupSession::join(&d.id, &received, share, &mut rng).unwrap();
                        d.group = Some(g);
                        p
                    } else {
                        d.group.as_mut().unwrap().receive(&received, NOW, &mut rng).unwrap()
                    };
                    queue.push_back((to, sends_of(&next)));
                }
            }
        }
    }

    fn deliver_plan(&mut self, from: usize, plan: &MembershipPlan) {
        self.deliver_plan_except(from, plan, &[]);
    }

    /// `members[0]` creates the group with the others, who join from its log.
    fn form_group(&mut self, members: &[usize]) {
        let mut rng = rand::rng();
        let creator = members[0];
        let publics: Vec<IdentityPublic> = members[1..].iter().map(|&i| self.public(i)).collect();
        let (g, plan) =
            GroupSession::create(b"class-7b", &self.devs[creator].id, &publics, self.share_history, &mut rng).unwrap();
        self.devs[creator].group = Some(g);
        self.deliver_plan(creator, &plan);
    }

    /// Admin `admin` makes a roster change; returns its plan, not delivered.
    fn change(&mut self, admin: usize, change: &RosterChange) -> MembershipPlan {
        let d = &mut self.devs[admin];
        d.group.as_mut().unwrap().change_roster(&d.id, change, NOW, &mut rand::rng()).unwrap()
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

    /// Device `i` decrypts a group message at `NOW`.
    fn read(&mut self, i: usize, wire: &[u8]) -> Result<vestnik::Received, GroupError> {
        self.group(i).decrypt(wire, NOW)
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
            let got = net.group(r).decrypt(&wire, NOW).unwrap();
            assert_eq!(got.plaintext(), text.as_bytes());
            assert_eq!(*got.sender(), net.public(sender));
            // Row 5: replay is Duplicate.
            assert_eq!(net.group(r).decrypt(&wire, NOW).map(|_| ()), Err(GroupError::Duplicate));
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
    let _ = &mut rng;
    // The admin signs the removal; the plan sends the entry and the new
    // chain to the two others only; each of them rotates on applying it.
    let plan = net.change(0, &RosterChange::remove(&[removed]));
    for s in plan.sends() {
        assert!(!s.recipients().contains(&removed));
        assert_eq!(s.recipients().len(), 2);
    }
    net.deliver_plan(0, &plan);
    for i in 0..3 {
        assert!(!net.group(i).members().contains(&removed));
        assert_eq!(net.group(i).roster_epoch().unwrap().0, 1);
    }
    for i in 0..3 {
        let wire = net.group(i).encrypt("После исключения".as_bytes()).unwrap();
        for r in (0..3).filter(|&r| r != i) {
            assert_eq!(net.group(r).decrypt(&wire, NOW).unwrap().plaintext(), "После исключения".as_bytes());
        }
        // Row 11: the removed member's state cannot decrypt it.
        let e = net.group(3).decrypt(&wire, NOW).map(|_| ());
        let (sender, chain_id) = (key(&net.public(i)), net.group(i).own_chain().0);
        assert_eq!(e, Err(GroupError::UnknownChain { sender, chain_id }));
    }
    // Its messages are refused by the others once they applied the removal.
    for r in 0..3 {
        assert_eq!(net.group(r).decrypt(&before_removal, NOW).map(|_| ()), Err(GroupError::UnknownSender));
    }
}

#[test]
fn added_member_reads_from_now_on_only() {
    let mut net = Net::new(4);
    net.form_group(&[0, 1, 2]);
    let mut rng = rand::rng();
    let earlier = net.group(0).encrypt(b"before you joined").unwrap();
    let _ = &mut rng;
    let newcomer = net.public(3);
    let plan = net.change(0, &RosterChange::add(&[newcomer]));
    // The log to the newcomer, the new entry to the others, our chain to the newcomer.
    let kinds: Vec<_> = plan.sends().iter().map(|s| (s.kind(), s.recipients().len())).collect();
    assert_eq!(kinds, [(PayloadKind::RosterLog, 1), (PayloadKind::RosterEntries, 2), (PayloadKind::Distribution, 1)]);
    assert_eq!(plan.recipients(), &[newcomer]);
    net.deliver_plan(0, &plan);
    assert_eq!(net.group(3).members().len(), 3);
    assert_eq!(net.group(3).creator(), Some(key(&net.public(0))));
    assert_eq!(net.group(3).decrypt(&earlier, NOW).map(|_| ()), Err(GroupError::MessageKeyDiscarded));
    let now = net.group(0).encrypt(b"welcome").unwrap();
    assert_eq!(net.group(3).decrypt(&now, NOW).unwrap().plaintext(), b"welcome");
    let from_new = net.group(3).encrypt(b"thanks").unwrap();
    assert_eq!(net.group(1).decrypt(&from_new, NOW).unwrap().plaintext(), b"thanks");
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
    let r = net.one_to_one(3, 1, ContentType::SenderKeyDistribution, &dist);
    assert_eq!(net.group(1).process_distribution(&r), Err(GroupError::UnknownSender));
    // Device 2 (a member) forwards device 0's distribution as its own: it
    // installs under device 2 only, so device 0's messages still verify as 0's
    // and nothing can be attributed to 2 without 2's signing key.
    let r = net.one_to_one(2, 1, ContentType::SenderKeyDistribution, &dist);
    net.group(1).process_distribution(&r).unwrap();
    let m = net.group(0).encrypt(b"from 0").unwrap();
    assert_eq!(*net.group(1).decrypt(&m, NOW).unwrap().sender(), from0);
    // Another group's distribution: refused.
    let (other, _) = GroupSession::create(b"class-8a", &net.devs[0].id, &[net.public(1)], false, &mut rng).unwrap();
    // A distribution naming our epoch 0 with other members: refused.
    {
        use prost::Message;
        let mut d = pb::SenderKeyDistribution::decode(&dist[..]).unwrap();
        d.roster_hash = vec![7; 32];
        let r = net.one_to_one(0, 1, ContentType::SenderKeyDistribution, &d.encode_to_vec());
        assert_eq!(net.group(1).process_distribution(&r), Err(GroupError::RosterMismatch { epoch: 0 }));
    }
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
    let (mut other, _) = GroupSession::create(b"class-8a", &net.devs[1].id, &publics[..], false, &mut rng).unwrap();
    assert_eq!(other.decrypt(&wire, NOW).map(|_| ()), Err(GroupError::WrongGroup));
    // Group messages into the 1:1 decoder and 1:1 messages into the group decoder.
    let k0 = key(&net.public(0));
    let k1 = key(&net.public(1));
    let d = &mut net.devs[1];
    let e = d.peers.get_mut(&k0).unwrap().decrypt(&d.id, &mut d.pre, &wire, 0).map(|_| ());
    assert!(matches!(e, Err(SessionError::Decode(vestnik::wire::DecodeError::WrongType { .. }))), "{e:?}");
    let one_to_one = net.devs[0].peers.get_mut(&k1).unwrap().encrypt(b"x", &mut rng).unwrap();
    assert!(matches!(net.group(1).decrypt(&one_to_one, NOW), Err(GroupError::Decode(_))));
    let dist = net.group(1).distribution().to_vec();
    assert!(matches!(net.group(1).decrypt(&dist, NOW), Err(GroupError::Decode(_))));
    // Attributed to another sender: the sender field is signed, so swapping it fails.
    use prost::Message;
    let mut m = pb::GroupMessage::decode(&wire[..]).unwrap();
    let mut body = pb::GroupMessageBody::decode(&m.body[..]).unwrap();
    body.sender = net.public(2).signing_key().as_bytes().to_vec();
    m.body = body.encode_to_vec();
    let before = net.group(1).to_bytes().to_vec();
    assert!(net.group(1).decrypt(&m.encode_to_vec(), NOW).is_err());
    assert_eq!(net.group(1).to_bytes().to_vec(), before);
    assert_eq!(net.group(1).decrypt(&wire, NOW).unwrap().plaintext(), b"hello");
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
        assert!(net.group(1).decrypt(&t, NOW).is_err(), "flip at {i}");
        assert_eq!(net.group(1).to_bytes().to_vec(), before);
    }
    assert_eq!(net.group(1).decrypt(&wire, NOW).unwrap().plaintext(), b"payload");
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
    assert_eq!(net.group(1).decrypt(&far, NOW).unwrap().plaintext(), b"far");
    let saved = net.group(1).to_bytes();
    assert!(saved.len() < 2_000 * 60 + 4_096, "{}", saved.len());
    // MAX + 1 ahead: refused before any work, nothing changes.
    for _ in 0..limits.max_forward_jump + 1 {
        net.group(0).encrypt(b"").unwrap();
    }
    let too_far = net.group(0).encrypt(b"too far").unwrap();
    let before = net.group(1).to_bytes().to_vec();
    assert_eq!(
        net.group(1).decrypt(&too_far, NOW).map(|_| ()),
        Err(GroupError::TooFarAhead { jump: 25_001, max: 25_000 })
    );
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
    assert_eq!(net.group(1).decrypt(&last, NOW).unwrap().plaintext(), b"last");
    assert_eq!(net.group(1).decrypt(&last, NOW).map(|_| ()), Err(GroupError::Duplicate));
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
    assert_eq!(net.group(1).decrypt(&m2, NOW).unwrap().plaintext(), b"two");
    let mut restored = GroupSession::from_bytes(&net.group(1).to_bytes()).unwrap();
    assert_eq!(restored.decrypt(&m1, NOW).unwrap().plaintext(), b"one");
    assert_eq!(restored.decrypt(&m2, NOW).map(|_| ()), Err(GroupError::Duplicate));
    let dbg = format!("{restored:?}");
    assert!(dbg.starts_with("GroupSession { group_id_len: 8, own: OwnSenderChain { chain_id: 0x"), "{dbg}");
    assert!(dbg.ends_with(", iteration: 0, .. }, members: 2, chains: 2 }"), "{dbg}");
    let plan = net.group(0).rotate(&mut rand::rng());
    assert_eq!(
        format!("{plan:?}"),
        "MembershipPlan { sends: [PlannedSend { kind: Distribution, recipients: 2, .. }] }"
    );
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
    limits.max_members = 3;
    limits.max_plaintext_len = 100;
    // Every roster device counts, ours too; our identity in the list is ours once.
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
        // Four devices in one entry: over the entry's count cap before decoding.
        Err(GroupError::Decode(DecodeError::TooMany { field: "add", count: 4, max: 3 }))
    );
    // A full group: adding a member again, or ourselves, is not a change;
    // a new member is refused; nothing changes.
    let before = g.to_bytes().to_vec();
    let again = RosterChange::add(&[others[0]]);
    assert_eq!(
        g.change_roster(&own, &again, NOW, &mut rng).map(|_| ()),
        Err(GroupError::RosterInvalid("add of a member"))
    );
    let more = RosterChange::add(&[others[2]]);
    assert_eq!(g.change_roster(&own, &more, NOW, &mut rng).map(|_| ()), Err(GroupError::TooManyMembers { max: 3 }));
    let selfish = RosterChange::add(&[own.public()]);
    assert_eq!(
        g.change_roster(&own, &selfish, NOW, &mut rng).map(|_| ()),
        Err(GroupError::RosterInvalid("add of a member"))
    );
    assert_eq!(g.to_bytes().to_vec(), before);
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
    assert_eq!(net.group(1).decrypt(&msgs[6], NOW).unwrap().plaintext(), [6]);
    let s = state_of(net.group(1));
    let chain = &s.members[0].chains[0];
    assert_eq!(chain.skipped.iter().map(|k| k.iteration).collect::<Vec<_>>(), [3, 4, 5]);
    assert_eq!((chain.next, chain.discarded_up_to), (7, Some(2)));
    assert_eq!(net.group(1).decrypt(&msgs[2], NOW).map(|_| ()), Err(GroupError::MessageKeyDiscarded));
    assert_eq!(net.group(1).decrypt(&msgs[4], NOW).unwrap().plaintext(), [4]);
    assert_eq!(net.group(1).decrypt(&msgs[4], NOW).map(|_| ()), Err(GroupError::Duplicate));
    assert_eq!(net.group(1).decrypt(&msgs[3], NOW).unwrap().plaintext(), [3]);
    assert_eq!(net.group(1).decrypt(&msgs[5], NOW).unwrap().plaintext(), [5]);
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
    net.group(1).decrypt(&m0, NOW).unwrap();
    net.group(1).decrypt(&m1, NOW).unwrap();
    let caught_up = net.group(1).to_bytes().to_vec();
    assert_eq!(net.group(1).process_distribution(&r), Ok(()));
    assert_eq!(net.group(1).to_bytes().to_vec(), caught_up);
    assert_eq!(net.group(1).decrypt(&m1, NOW).map(|_| ()), Err(GroupError::Duplicate));
}

/// With history sharing, a member added later gets the chain from its start
/// and reads earlier messages; without it, only from the current message.
#[test]
fn history_sharing_distributes_from_the_chain_start() {
    use prost::Message;
    let mut net = Net::new(4);
    net.share_history = true;
    let mut rng = rand::rng();
    let (g, plan) = GroupSession::create(b"archive", &net.devs[0].id, &[net.public(1)], true, &mut rng).unwrap();
    net.devs[0].group = Some(g);
    net.deliver_plan(0, &plan);
    let early = net.group(0).encrypt(b"early").unwrap();
    net.group(0).encrypt(b"second").unwrap();
    assert_eq!(pb::SenderKeyDistribution::decode(&net.group(0).distribution()[..]).unwrap().iteration, 2);
    let plan = net.change(0, &RosterChange::add(&[net.public(2)]));
    assert_eq!(pb::SenderKeyDistribution::decode(plan.distribution()).unwrap().iteration, 0);
    net.deliver_plan(0, &plan);
    assert_eq!(net.read(2, &early).unwrap().plaintext(), b"early");
    // The origin survives a reload.
    let mut again = GroupSession::from_bytes(&net.group(0).to_bytes()).unwrap();
    let plan = again.change_roster(&net.devs[0].id, &RosterChange::add(&[net.public(3)]), NOW, &mut rng).unwrap();
    assert_eq!(pb::SenderKeyDistribution::decode(plan.distribution()).unwrap().iteration, 0);
}

/// Issue 13 item 5, the attack: with history sharing, a member removed and
/// re-added was sent the chain made at its removal from its start, and read
/// every message sent while it was out. Now a re-addition rotates every
/// member's chain: the re-added device gets only chains that start after it
/// is back, and reads nothing from its time out.
#[test]
fn readded_member_reads_nothing_sent_while_it_was_out() {
    let mut net = Net::new(3);
    net.share_history = true;
    net.form_group(&[0, 1, 2]);
    let out = net.public(2);
    let plan = net.change(0, &RosterChange::remove(&[out]));
    net.deliver_plan(0, &plan);
    let while_out = [net.group(0).encrypt(b"while out 0").unwrap(), net.group(1).encrypt(b"while out 1").unwrap()];
    let chains_while_out = [net.group(0).own_chain().0, net.group(1).own_chain().0];
    let plan = net.change(0, &RosterChange::add(&[out]));
    // Everyone gets a new chain, from its (empty) start.
    assert_eq!(plan.recipients().len(), 2);
    assert_ne!(net.group(0).own_chain(), (chains_while_out[0], 1));
    assert_eq!(net.group(0).own_chain().1, 0);
    net.deliver_plan(0, &plan);
    assert_ne!(net.group(1).own_chain().0, chains_while_out[1]);
    for (i, m) in while_out.iter().enumerate() {
        let e = net.read(2, m).map(|_| ());
        assert_eq!(e, Err(GroupError::UnknownChain { sender: key(&net.public(i)), chain_id: chains_while_out[i] }));
    }
    // Back in, it reads what is sent now, and the others read it.
    let now = net.group(1).encrypt(b"welcome back").unwrap();
    assert_eq!(net.read(2, &now).unwrap().plaintext(), b"welcome back");
    let from_back = net.group(2).encrypt(b"thanks").unwrap();
    assert_eq!(net.read(0, &from_back).unwrap().plaintext(), b"thanks");
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
        net.group(1).decrypt(&with_ciphertext(15), NOW).map(|_| ()),
        Err(GroupError::Decode(vestnik::wire::DecodeError::Invalid("body.ciphertext")))
    );
    assert_eq!(net.group(1).decrypt(&with_ciphertext(16), NOW).map(|_| ()), Err(GroupError::BadSignature));
    assert_eq!(net.group(1).decrypt(&wire, NOW).unwrap().plaintext(), b"x");
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
    net.group(1).decrypt(&last, NOW).unwrap();
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
    for plan in [&class_plan, &club_plan] {
        let log = &plan.sends()[0];
        assert_eq!(log.kind(), PayloadKind::RosterLog);
        let r = net.one_to_one(0, 1, ContentType::SenderKeyDistribution, log.payload());
        let (g, _) = GroupSession::join(&net.devs[1].id, &r, false, &mut rng).unwrap();
        student_groups.insert(g.group_id().to_vec(), g);
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
    assert_eq!(student_groups.get_mut(&b"chess-club"[..]).unwrap().decrypt(&wire, NOW).unwrap().plaintext(), b"e2-e4");
    let wire = class.encrypt(b"homework").unwrap();
    assert_eq!(student_groups.get_mut(&b"class-7b"[..]).unwrap().decrypt(&wire, NOW).unwrap().plaintext(), b"homework");

    // Anything else is refused with a typed error.
    let app = net.one_to_one(0, 1, ContentType::Application, class_plan.distribution());
    assert_eq!(DistributionInfo::peek(&app), Err(GroupError::NotADistribution));
    let good: pb::SenderKeyDistribution = prost::Message::decode(class_plan.distribution()).unwrap();
    let cases: [(pb::SenderKeyDistribution, vestnik::wire::DecodeError); 5] = [
        (
            pb::SenderKeyDistribution { format: 0x2101, ..good.clone() },
            vestnik::wire::DecodeError::WrongType { found: 0x2101, expected: 0x2202 },
        ),
        (
            pb::SenderKeyDistribution { format: 0x2201, ..good.clone() },
            vestnik::wire::DecodeError::UnsupportedVersion { found: 0x2201, expected: 0x2202 },
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
    let mut big = vec![0x08, 0x82, 0x44];
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
    // Everyone joins; device 0's distributions are held back.
    let (g0, plan0) = GroupSession::create(b"class-7b", &net.devs[0].id, &publics[1..], false, &mut rng).unwrap();
    net.devs[0].group = Some(g0);
    let log = plan0.sends()[0].payload().to_vec();
    for i in 1..3 {
        let r = net.one_to_one(0, i, ContentType::SenderKeyDistribution, &log);
        let (g, _) = GroupSession::join(&net.devs[i].id, &r, false, &mut rng).unwrap();
        net.devs[i].group = Some(g);
    }
    let early = [net.group(0).encrypt(b"first").unwrap(), net.group(0).encrypt(b"second").unwrap()];
    let chain_id = net.group(0).own_chain().0;
    let mut pending: BTreeMap<([u8; 32], u32), Vec<Vec<u8>>> = BTreeMap::new();
    for m in &early {
        let before = net.group(1).to_bytes().to_vec();
        let e = net.group(1).decrypt(m, NOW).map(|_| ());
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
    let got: Vec<Vec<u8>> =
        waiting.iter().map(|m| net.group(1).decrypt(m, NOW).unwrap().plaintext().to_vec()).collect();
    assert_eq!(got, [b"first".to_vec(), b"second".to_vec()]);
    assert!(pending.is_empty());

    // After a rotation the new chain's first message again waits for its distribution.
    let rotated = net.change(0, &RosterChange::remove(&[publics[2]]));
    let entries = rotated.sends()[0].payload().to_vec();
    let r = net.one_to_one(0, 1, ContentType::SenderKeyDistribution, &entries);
    net.group(1).receive(&r, NOW, &mut rng).unwrap();
    let new_chain = net.group(0).own_chain().0;
    assert_ne!(new_chain, chain_id);
    let after = net.group(0).encrypt(b"after the rotation").unwrap();
    assert_eq!(
        net.group(1).decrypt(&after, NOW).map(|_| ()),
        Err(GroupError::UnknownChain { sender: key(&publics[0]), chain_id: new_chain })
    );
    let received = net.one_to_one(0, 1, ContentType::SenderKeyDistribution, rotated.distribution());
    assert_eq!(DistributionInfo::peek(&received).unwrap().chain_id(), new_chain);
    net.group(1).process_distribution(&received).unwrap();
    assert_eq!(net.group(1).decrypt(&after, NOW).unwrap().plaintext(), b"after the rotation");
}

// ---- Issue 13 flaw 2: removal enforced, roster authenticated -----------------

/// The Ed25519 seed inside a device's serialized identity (test data only).
fn seed_of(id: &DeviceIdentity) -> [u8; 32] {
    use prost::Message;
    let s = common::pb::vestnik::state::v1::IdentityState::decode(&id.to_bytes()[..]).unwrap();
    s.signing_seed.try_into().unwrap()
}

/// Ed25519 with a vestnik signature context (SPEC §2.3), by a raw seed.
fn sign_raw(seed: &[u8; 32], label: &str, message: &[u8]) -> Vec<u8> {
    use ed25519_dalek::Signer;
    let mut input = vec![u8::try_from(label.len()).unwrap()];
    input.extend_from_slice(label.as_bytes());
    input.extend_from_slice(message);
    ed25519_dalek::SigningKey::from_bytes(seed).sign(&input).to_bytes().to_vec()
}

fn roster_entry_hash(body: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(b"vestnik/v1/hash/group-roster-entry");
    h.update(body);
    h.finalize().to_vec()
}

/// A roster entry signed by `author` as anyone holding its key could write it.
fn forge_entry(
    author: &DeviceIdentity,
    epoch: u64,
    previous: &[u8],
    add: &[IdentityPublic],
    remove: &[IdentityPublic],
) -> (Vec<u8>, Vec<u8>) {
    use prost::Message;
    let session = |p: &IdentityPublic| common::pb::session::IdentityPublic {
        signing_key: p.signing_key().as_bytes().to_vec(),
        dh_key: p.dh_key().as_bytes().to_vec(),
        dh_key_signature: p.dh_key_signature().as_bytes().to_vec(),
    };
    let body = pb::RosterEntryBody {
        group_id: b"class-7b".to_vec(),
        epoch,
        previous: previous.to_vec(),
        author: author.public().signing_key().as_bytes().to_vec(),
        add: add.iter().map(session).collect(),
        remove: remove.iter().map(|p| p.signing_key().as_bytes().to_vec()).collect(),
        promote: vec![],
    }
    .encode_to_vec();
    let signature = sign_raw(&seed_of(author), "vestnik/v1/sig/group-roster-entry", &body);
    (pb::RosterEntry { format: 0x2401, body: body.clone(), signature }.encode_to_vec(), body)
}

fn update_of(entries: &[Vec<u8>]) -> Vec<u8> {
    use prost::Message;
    pb::RosterUpdate { format: 0x2501, group_id: b"class-7b".to_vec(), entries: entries.to_vec() }.encode_to_vec()
}

/// The genesis entry a member holds, and its hash.
fn genesis_of(g: &GroupSession) -> (Vec<u8>, Vec<u8>) {
    use prost::Message;
    let u = pb::RosterUpdate::decode(&g.roster_log().unwrap()[..]).unwrap();
    let e = pb::RosterEntry::decode(&u.entries[0][..]).unwrap();
    (u.entries[0].clone(), roster_entry_hash(&e.body))
}

/// Item 2, the attacks: a server (or a member that is no admin) adds a
/// ghost device or removes someone; a log entry is forged, replayed, rolled
/// back or skipped ahead. Every one is refused with its own error, and the
/// member's state does not change. With the app-supplied roster of before,
/// `apply_change` took any of these changes as given.
#[test]
fn roster_changes_are_verified_and_forgeries_refused() {
    let mut net = Net::new(5);
    net.form_group(&[0, 1, 2]);
    let mut rng = rand::rng();
    let (genesis, head) = genesis_of(net.group(1));
    let (ghost, carol) = (net.public(3), net.public(4));
    let before = net.group(2).to_bytes().to_vec();
    let refused = |net: &mut Net, from: usize, entries: &[Vec<u8>]| {
        let r = net.one_to_one(from, 2, ContentType::SenderKeyDistribution, &update_of(entries));
        net.group(2).receive(&r, NOW, &mut rand::rng()).map(|_| ())
    };
    // A ghost signs its own addition: not an admin.
    let (by_ghost, _) = forge_entry(&net.devs[3].id, 1, &head, &[ghost], &[]);
    assert_eq!(refused(&mut net, 1, &[by_ghost]), Err(GroupError::RosterNotAdmin { author: key(&ghost) }));
    // A member that is no admin removes another: not an admin.
    let (by_member, _) = forge_entry(&net.devs[1].id, 1, &head, &[], &[net.public(0)]);
    assert_eq!(refused(&mut net, 1, &[by_member]), Err(GroupError::RosterNotAdmin { author: key(&net.public(1)) }));
    // The admin's entry with the body changed after signing: bad signature.
    let (good, body) = forge_entry(&net.devs[0].id, 1, &head, &[carol], &[]);
    {
        use prost::Message;
        let mut e = pb::RosterEntry::decode(&good[..]).unwrap();
        let mut b = pb::RosterEntryBody::decode(&body[..]).unwrap();
        b.add[0] = common::pb::session::IdentityPublic {
            signing_key: ghost.signing_key().as_bytes().to_vec(),
            dh_key: ghost.dh_key().as_bytes().to_vec(),
            dh_key_signature: ghost.dh_key_signature().as_bytes().to_vec(),
        };
        e.body = b.encode_to_vec();
        assert_eq!(refused(&mut net, 0, &[e.encode_to_vec()]), Err(GroupError::RosterBadSignature));
    }
    // Signed by the admin, but not after our log's head: wrong previous.
    let (forked, _) = forge_entry(&net.devs[0].id, 1, &[9; 32], &[carol], &[]);
    assert_eq!(refused(&mut net, 0, &[forked]), Err(GroupError::RosterWrongPrevious { epoch: 1 }));
    // Skipping an epoch: wrong epoch.
    let (ahead, _) = forge_entry(&net.devs[0].id, 2, &head, &[carol], &[]);
    assert_eq!(refused(&mut net, 0, &[ahead]), Err(GroupError::RosterWrongEpoch { epoch: 2, expected: 1 }));
    // Another genesis for an epoch we hold: a rollback. Ours again: a replay.
    let (other_genesis, _) = forge_entry(&net.devs[0].id, 0, &[0; 32], &[net.public(0), ghost], &[]);
    assert_eq!(refused(&mut net, 0, &[other_genesis]), Err(GroupError::RosterRollback { epoch: 0, current: 0 }));
    assert_eq!(refused(&mut net, 0, std::slice::from_ref(&genesis)), Err(GroupError::Duplicate));
    assert_eq!(net.group(2).to_bytes().to_vec(), before, "a refused roster change changed state");
    // The genuine entry applies (relayed by anyone: it is signed), once.
    assert_eq!(refused(&mut net, 1, &[genesis.clone(), good.clone()]), Ok(()));
    assert!(net.group(2).members().contains(&carol));
    assert_eq!(refused(&mut net, 1, &[good]), Err(GroupError::Duplicate));
    // A ghost's own log (it signs a genesis naming it and us) cannot make
    // a member of a device: join needs the log from a device on it.
    let (ghost_genesis, _) = forge_entry(&net.devs[3].id, 0, &[0; 32], &[ghost, net.public(2)], &[]);
    let r = net.one_to_one(1, 2, ContentType::SenderKeyDistribution, &update_of(&[ghost_genesis]));
    assert_eq!(GroupSession::join(&net.devs[2].id, &r, false, &mut rng).map(|_| ()), Err(GroupError::UnknownSender));
    // A non-admin cannot even make the entry.
    let d = &mut net.devs[1];
    let e = d.group.as_mut().unwrap().change_roster(&d.id, &RosterChange::add(&[ghost]), NOW, &mut rng).map(|_| ());
    assert_eq!(e, Err(GroupError::RosterNotAdmin { author: key(&net.public(1)) }));
}

/// Admins are defined by the log: the creator promotes a member, who can
/// then change the roster; a removed admin no longer can.
#[test]
fn promoted_admins_change_the_roster_and_removed_ones_cannot() {
    let mut net = Net::new(4);
    net.form_group(&[0, 1, 2]);
    let plan = net.change(0, &RosterChange::promote(&[net.public(1)]));
    net.deliver_plan(0, &plan);
    assert_eq!(net.group(2).admins().len(), 2);
    let plan = net.change(1, &RosterChange::add(&[net.public(3)]));
    net.deliver_plan(1, &plan);
    assert_eq!(net.group(3).members().len(), 3);
    assert_eq!(net.group(0).roster_epoch(), net.group(3).roster_epoch());
    let plan = net.change(1, &RosterChange::remove(&[net.public(0)]));
    net.deliver_plan(1, &plan);
    assert_eq!(net.group(2).admins(), [key(&net.public(1))]);
    // Device 0 was not told; the entry it signs now forks the log and is refused.
    let two = net.public(2);
    let d = &mut net.devs[0];
    let plan =
        d.group.as_mut().unwrap().change_roster(&d.id, &RosterChange::remove(&[two]), NOW, &mut rand::rng()).unwrap();
    let entries = plan.sends().iter().find(|s| s.kind() == PayloadKind::RosterEntries).unwrap().payload().to_vec();
    let r = net.one_to_one(0, 2, ContentType::SenderKeyDistribution, &entries);
    assert_eq!(
        net.group(2).receive(&r, NOW, &mut rand::rng()).map(|_| ()),
        Err(GroupError::RosterRollback { epoch: 3, current: 3 })
    );
}

/// Items 1, 3 and 4, the attack of issue 13: A, X and R; A removes R, and
/// the server never tells X. Before, X's messages went on decrypting at R
/// and A accepted them with no sign that X was behind, and X's next rotation
/// went to R too. Now every chain carries its roster epoch: A accepts X's
/// pre-removal chain only within the grace period, then refuses it with
/// `SenderBehindRoster`; once X applies the removal it never sends to R.
#[test]
fn member_behind_a_removal_is_refused_after_the_grace_period() {
    let (a, x, r) = (0, 1, 2);
    let mut net = Net::new(3);
    net.form_group(&[a, x, r]);
    let mut rng = rand::rng();
    let grace = vestnik::limits::GROUP_REMOVAL_GRACE_SECS;
    let plan = net.change(a, &RosterChange::remove(&[net.public(r)]));
    let withheld = sends_of(&plan);
    net.deliver_plan_except(a, &plan, &[x]); // the server drops everything for X
    assert_eq!(net.group(a).roster_epoch().unwrap().0, 1);
    assert_eq!(net.group(x).roster_epoch().unwrap().0, 0);

    // Within the grace period A still reads X (X may simply be slow).
    let m1 = net.group(x).encrypt(b"within grace").unwrap();
    assert_eq!(net.group(a).decrypt(&m1, NOW + grace).unwrap().plaintext(), b"within grace");
    // After it, A refuses X's pre-removal chain, with a distinct error.
    let m2 = net.group(x).encrypt(b"after grace").unwrap();
    let before = net.group(a).to_bytes().to_vec();
    let sender = key(&net.public(x));
    let behind = GroupError::SenderBehindRoster { sender, chain_epoch: 0, current_epoch: 1 };
    assert_eq!(net.group(a).decrypt(&m2, NOW + grace + 1).map(|_| ()), Err(behind.clone()));
    assert_eq!(net.group(a).to_bytes().to_vec(), before);
    // X rotates not knowing: its plan still names R (X's verified roster
    // has R), and the new chain is of epoch 0, so A refuses it too.
    let rotated = net.group(x).rotate(&mut rng);
    assert!(rotated.recipients().contains(&net.public(r)));
    net.deliver_plan(x, &rotated);
    let m3 = net.group(x).encrypt(b"new chain, old roster").unwrap();
    assert_eq!(net.group(a).decrypt(&m3, NOW + grace + 1).map(|_| ()), Err(behind));

    // X is told late: applying the removal rotates, to A only, never to R.
    let (_, entries, _) = withheld.iter().find(|(k, _, _)| *k == PayloadKind::RosterEntries).unwrap().clone();
    let received = net.one_to_one(a, x, ContentType::SenderKeyDistribution, &entries);
    let plan = net.group(x).receive(&received, NOW + 2 * grace, &mut rng).unwrap();
    assert_eq!(plan.recipients(), &[net.public(a)]);
    assert!(plan.sends().iter().all(|s| !s.recipients().contains(&net.public(r))));
    assert!(net.group(x).rotate(&mut rng).recipients() == [net.public(a)]);
    let plan = net.group(x).rotate(&mut rng);
    net.deliver_plan(x, &plan);
    let (_, dist, _) = withheld.iter().find(|(k, _, _)| *k == PayloadKind::Distribution).unwrap().clone();
    let received = net.one_to_one(a, x, ContentType::SenderKeyDistribution, &dist);
    net.group(x).receive(&received, NOW, &mut rng).unwrap();
    let m4 = net.group(x).encrypt(b"caught up").unwrap();
    assert_eq!(net.group(a).decrypt(&m4, NOW + 3 * grace).unwrap().plaintext(), b"caught up");
    // R holds no key of X's current chain.
    let chain = net.group(x).own_chain().0;
    assert_eq!(net.read(r, &m4).map(|_| ()), Err(GroupError::UnknownChain { sender, chain_id: chain }));
    let from_a = net.group(a).encrypt(b"to X only").unwrap();
    assert_eq!(net.group(x).decrypt(&from_a, NOW + 3 * grace).unwrap().plaintext(), b"to X only");
}

/// A message names its chain's roster epoch in the signed body and the AD:
/// one naming another epoch than its chain's distribution is refused.
#[test]
fn a_message_names_its_chains_roster_epoch() {
    use prost::Message;
    let mut net = Net::new(2);
    net.form_group(&[0, 1]);
    let wire = net.group(0).encrypt(b"x").unwrap();
    let m = pb::GroupMessage::decode(&wire[..]).unwrap();
    let body = pb::GroupMessageBody::decode(&m.body[..]).unwrap();
    assert_eq!((body.roster_epoch, body.roster_hash.as_slice()), (0, &net.group(0).roster_epoch().unwrap().1[..]));
    // Re-signed with the chain's own key by the sender, claiming epoch 5.
    let seed: [u8; 32] = {
        let s = pb::GroupState::decode(&net.group(0).to_bytes()[..]).unwrap();
        s.own.unwrap().signing_seed.try_into().unwrap()
    };
    let body = pb::GroupMessageBody { roster_epoch: 5, ..body };
    let signed = body.encode_to_vec();
    let signature = sign_raw(&seed, "vestnik/v1/sig/group-message", &signed);
    let forged = pb::GroupMessage { format: 0x2102, body: signed, signature }.encode_to_vec();
    assert_eq!(net.read(1, &forged).map(|_| ()), Err(GroupError::RosterMismatch { epoch: 5 }));
    assert_eq!(net.read(1, &wire).unwrap().plaintext(), b"x");
}

/// Item 6, the attack: a malicious member gives two members different chain
/// keys under one chain id and signs one ciphertext for both. ChaCha20-
/// Poly1305 does not commit to its key, so a ciphertext that opens under
/// both keys would read differently to each. Here the ciphertext is sealed
/// under B's key and the body commits to A's: B's AEAD would open it (the
/// old code let B read it), but B refuses on the commitment before
/// decrypting, and A's key fails the AEAD. No two members read different
/// plaintexts from one signed message: whoever reads it holds the committed
/// key.
#[test]
fn a_message_commits_to_its_key_and_a_split_chain_is_refused() {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    use prost::Message;
    let (m, a, b) = (1, 2, 3);
    let mut net = Net::new(4);
    net.form_group(&[0, m, a, b]);
    let mut rng = rand::rng();
    // M starts a chain and distributes it with another chain key to B.
    let plan = net.group(m).rotate(&mut rng);
    let real = plan.distribution().to_vec();
    let mut split = pb::SenderKeyDistribution::decode(&real[..]).unwrap();
    let k_b = [0x5b; 32];
    split.chain_key = k_b.to_vec();
    let r = net.one_to_one(m, a, ContentType::SenderKeyDistribution, &real);
    net.group(a).process_distribution(&r).unwrap();
    let r = net.one_to_one(m, b, ContentType::SenderKeyDistribution, &split.encode_to_vec());
    net.group(b).process_distribution(&r).unwrap();

    // An honest message under the real key: A reads it, B refuses it
    // before decrypting (not as a failed AEAD).
    let honest = net.group(m).encrypt(b"real").unwrap();
    let before = net.group(b).to_bytes().to_vec();
    assert_eq!(net.read(b, &honest).map(|_| ()), Err(GroupError::KeyCommitmentMismatch));
    assert_eq!(net.group(b).to_bytes().to_vec(), before);
    assert_eq!(net.read(a, &honest).unwrap().plaintext(), b"real");

    // The crafted one: iteration 1 sealed under B's key, committing to A's.
    type Hmac = hmac::Hmac<sha2::Sha256>;
    let hmac = |k: &[u8], d: &[u8]| -> Vec<u8> {
        let mut mac = <Hmac as hmac::KeyInit>::new_from_slice(k).unwrap();
        hmac::Mac::update(&mut mac, d);
        hmac::Mac::finalize(mac).into_bytes().to_vec()
    };
    let mk_at = |ck0: &[u8], n: usize| {
        let mut ck = ck0.to_vec();
        for _ in 0..n {
            ck = hmac(&ck, b"vestnik/v1/kdf/group-chain-next");
        }
        hmac(&ck, b"vestnik/v1/kdf/group-chain-message")
    };
    let state = pb::GroupState::decode(&net.group(m).to_bytes()[..]).unwrap();
    let own = state.own.unwrap();
    let real_ck0 = pb::SenderKeyDistribution::decode(&real[..]).unwrap().chain_key;
    let (mk_a, mk_b) = (mk_at(&real_ck0, 1), mk_at(&k_b, 1));
    let template = pb::GroupMessageBody::decode(&pb::GroupMessage::decode(&honest[..]).unwrap().body[..]).unwrap();
    let mut ad = b"vestnik/v1/ad/group-message".to_vec();
    ad.push(8);
    ad.extend_from_slice(b"class-7b");
    ad.extend_from_slice(&template.sender);
    ad.extend_from_slice(&template.chain_id.to_be_bytes());
    ad.extend_from_slice(&1u32.to_be_bytes());
    ad.extend_from_slice(&template.roster_epoch.to_be_bytes());
    ad.extend_from_slice(&template.roster_hash);
    let mut okm = [0u8; 44];
    hkdf::Hkdf::<sha2::Sha256>::from_prk(&mk_b).unwrap().expand(b"vestnik/v1/kdf/group-message-key", &mut okm).unwrap();
    let cipher = chacha20poly1305::ChaCha20Poly1305::new_from_slice(&okm[..32]).unwrap();
    let nonce = chacha20poly1305::Nonce::try_from(&okm[32..]).unwrap();
    let mut padded = vec![0u8];
    padded.extend_from_slice(b"only B reads this");
    padded.push(0x80);
    padded.resize(256, 0);
    let ciphertext = cipher.encrypt(&nonce, Payload { msg: &padded, aad: &ad }).unwrap();
    let body = pb::GroupMessageBody {
        iteration: 1,
        ciphertext,
        key_commitment: hmac(&mk_a, b"vestnik/v1/kdf/group-key-commitment"),
        ..template
    }
    .encode_to_vec();
    let signature = sign_raw(&own.signing_seed.try_into().unwrap(), "vestnik/v1/sig/group-message", &body);
    let crafted = pb::GroupMessage { format: 0x2102, body, signature }.encode_to_vec();
    assert_eq!(net.read(b, &crafted).map(|_| ()), Err(GroupError::KeyCommitmentMismatch));
    assert_eq!(net.read(a, &crafted).map(|_| ()), Err(GroupError::DecryptionFailed));
}

/// A stored state re-verifies its roster log on load: a member list that is
/// not the log's (a ghost slipped into storage) or an edited entry is
/// refused. A removed device, once told, holds no chain and cannot send.
#[test]
fn stored_roster_is_reverified_and_a_removed_device_stops() {
    use vestnik::wire::DecodeError;
    let mut net = Net::new(4);
    net.form_group(&[0, 1, 2]);
    let good = state_of(net.group(1));
    assert!(reload(&good).is_ok());
    let mut ghost = good.clone();
    let mut extra = ghost.members[0].clone();
    let g = net.public(3);
    extra.identity = Some(common::pb::session::IdentityPublic {
        signing_key: g.signing_key().as_bytes().to_vec(),
        dh_key: g.dh_key().as_bytes().to_vec(),
        dh_key_signature: g.dh_key_signature().as_bytes().to_vec(),
    });
    extra.chains.clear();
    ghost.members.push(extra);
    ghost
        .members
        .sort_by(|a, b| a.identity.as_ref().unwrap().signing_key.cmp(&b.identity.as_ref().unwrap().signing_key));
    assert_eq!(reload(&ghost).err(), Some(DecodeError::Invalid("members (not the roster's)")));
    let mut edited = good.clone();
    let last = edited.roster_log[0].len() - 1;
    edited.roster_log[0][last] ^= 1;
    assert_eq!(reload(&edited).err(), Some(DecodeError::Invalid("roster_log")));

    // Device 2 is removed and, this time, told (the admin relays the entry).
    let plan = net.change(0, &RosterChange::remove(&[net.public(2)]));
    let entries = plan.sends().iter().find(|s| s.kind() == PayloadKind::RosterEntries).unwrap().payload().to_vec();
    net.deliver_plan(0, &plan);
    let r = net.one_to_one(0, 2, ContentType::SenderKeyDistribution, &entries);
    assert!(net.group(2).receive(&r, NOW, &mut rand::rng()).unwrap().is_empty());
    assert_eq!(net.group(2).encrypt(b"still here?"), Err(GroupError::NotAMember));
    assert_eq!((net.group(2).members().len(), net.group(2).chain_count()), (0, 0));
    assert!(net.group(2).rotate(&mut rand::rng()).is_empty());
    let reloaded = GroupSession::from_bytes(&net.group(2).to_bytes()).unwrap();
    assert_eq!(reloaded.members().len(), 0);
}
