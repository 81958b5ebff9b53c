//! ASSURANCE row 6 for groups: several senders, reorder, drop, duplicate,
//! members removed and added mid-stream. Every message decrypts exactly once
//! at every device entitled to it, and at no other.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use proptest::prelude::*;
use std::collections::HashSet;
use vestnik::group::{GroupError, GroupSession, MembershipPlan, PayloadKind, RosterChange};
use vestnik::{ContentType, DeviceIdentity, IdentityPublic, PeerSessions, PreKeyStore};

const N: usize = 5;

#[derive(Debug, Clone)]
enum Action {
    Send(usize),
    Deliver(usize),
    Duplicate(usize),
    Drop(usize),
    Remove(usize),
    Readd(usize),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        5 => (0..N).prop_map(Action::Send),
        6 => any::<usize>().prop_map(Action::Deliver),
        1 => any::<usize>().prop_map(Action::Duplicate),
        1 => any::<usize>().prop_map(Action::Drop),
        1 => (1..N).prop_map(Action::Remove),
        1 => (1..N).prop_map(Action::Readd),
    ]
}

struct Device {
    id: DeviceIdentity,
    pre: PreKeyStore,
    peers: Vec<Option<PeerSessions>>,
    group: Option<GroupSession>,
    /// Bumped when the device's group state is created anew (re-added).
    generation: u32,
    member: bool,
    /// Rotations of its own chain so far.
    rotations: u32,
    /// Times it was removed from the group.
    removals: u32,
}

struct InFlight {
    to: usize,
    id: u64,
    from: usize,
    bytes: Vec<u8>,
    to_generation: u32,
    to_was_member: bool,
    from_rotations: u32,
    from_removals: u32,
}

struct Sim {
    devs: Vec<Device>,
    delivered: HashSet<(u64, usize)>,
}

const NOW: u64 = 1_764_000_000;

impl Sim {
    fn new() -> Sim {
        let mut rng = rand::rng();
        let ids: Vec<DeviceIdentity> = (0..N).map(|_| DeviceIdentity::generate(&mut rng)).collect();
        let publics: Vec<IdentityPublic> = ids.iter().map(|d| d.public()).collect();
        // Device 0 creates the group and is its admin; it is never removed.
        let (admin_group, plan) = GroupSession::create(b"school-57", &ids[0], &publics[1..], false, &mut rng).unwrap();
        let mut admin_group = Some(admin_group);
        let mut devs: Vec<Device> = ids
            .into_iter()
            .map(|id| {
                let pre = PreKeyStore::new(&id, 0, &mut rng);
                Device {
                    id,
                    pre,
                    peers: (0..N).map(|_| None).collect(),
                    group: admin_group.take(),
                    generation: 0,
                    member: true,
                    rotations: 0,
                    removals: 0,
                }
            })
            .collect();
        for i in 0..N {
            for j in i + 1..N {
                let bundle = devs[j].pre.bundle(&devs[j].id, None);
                let mut s = PeerSessions::new(devs[j].id.public());
                s.initiate(&devs[i].id, &bundle, 0, &mut rng).unwrap();
                devs[i].peers[j] = Some(s);
                devs[j].peers[i] = Some(PeerSessions::new(devs[i].id.public()));
            }
        }
        let mut sim = Sim { devs, delivered: HashSet::new() };
        // A first message each way, so either side can send.
        for i in 0..N {
            for j in i + 1..N {
                sim.one_to_one(i, j, b"hi");
            }
        }
        sim.deliver_plan(0, &plan);
        sim
    }

    fn one_to_one(&mut self, from: usize, to: usize, payload: &[u8]) -> vestnik::Received {
        let wire = self.devs[from].peers[to]
            .as_mut()
            .unwrap()
            .encrypt_typed(ContentType::SenderKeyDistribution, payload, &mut rand::rng())
            .unwrap();
        let d = &mut self.devs[to];
        d.peers[from].as_mut().unwrap().decrypt(&d.id, &mut d.pre, &wire, 0).unwrap()
    }

    fn index(&self, p: &IdentityPublic) -> usize {
        (0..N).find(|&j| self.devs[j].id.public() == *p).unwrap()
    }

    /// Delivers a plan and every plan it causes; each recipient must be a
    /// member of the group. Devices that rotate on it are counted.
    fn deliver_plan(&mut self, from: usize, plan: &MembershipPlan) {
        let mut rng = rand::rng();
        let copy = |p: &MembershipPlan| -> Vec<(PayloadKind, Vec<u8>, Vec<IdentityPublic>)> {
            p.sends().iter().map(|s| (s.kind(), s.payload().to_vec(), s.recipients().to_vec())).collect()
        };
        let mut queue = std::collections::VecDeque::from([(from, copy(plan))]);
        while let Some((from, sends)) = queue.pop_front() {
            for (kind, payload, recipients) in sends {
                for r in recipients {
                    let to = self.index(&r);
                    assert!(self.devs[to].member && to != from, "plan sends to a non-member");
                    let received = self.one_to_one(from, to, &payload);
                    let d = &mut self.devs[to];
                    let next = if kind == PayloadKind::RosterLog {
                        let (g, p) = GroupSession::join(&d.id, &received, false, &mut rng).unwrap();
                        d.group = Some(g);
                        p
                    } else {
                        d.group.as_mut().unwrap().receive(&received, NOW, &mut rng).unwrap()
                    };
                    // Every change here is a removal or a re-addition: each rotates.
                    if kind == PayloadKind::RosterEntries {
                        d.rotations += 1;
                    }
                    queue.push_back((to, copy(&next)));
                }
            }
        }
    }

    fn members(&self) -> Vec<usize> {
        (0..N).filter(|&i| self.devs[i].member).collect()
    }

    fn admin_change(&mut self, change: &RosterChange) -> MembershipPlan {
        let d = &mut self.devs[0];
        d.group.as_mut().unwrap().change_roster(&d.id, change, NOW, &mut rand::rng()).unwrap()
    }

    fn remove(&mut self, x: usize) {
        if !self.devs[x].member || self.members().len() <= 2 {
            return;
        }
        self.devs[x].member = false;
        self.devs[x].removals += 1;
        let plan = self.admin_change(&RosterChange::remove(&[self.devs[x].id.public()]));
        self.devs[0].rotations += 1;
        self.deliver_plan(0, &plan);
    }

    fn readd(&mut self, x: usize) {
        if self.devs[x].member {
            return;
        }
        self.devs[x].generation += 1;
        self.devs[x].rotations += 1;
        self.devs[x].member = true;
        // A re-addition rotates every member's chain.
        let plan = self.admin_change(&RosterChange::add(&[self.devs[x].id.public()]));
        self.devs[0].rotations += 1;
        self.deliver_plan(0, &plan);
        assert_eq!(self.devs[x].group.as_ref().unwrap().members().len(), self.members().len() - 1);
    }

    fn deliver(&mut self, m: &InFlight) {
        let to = &mut self.devs[m.to];
        let r = to.group.as_mut().unwrap().decrypt(&m.bytes, NOW);
        let sender_removed_here = to.member && !self.devs[m.from].member;
        let to = &self.devs[m.to];
        let entitled = m.to_was_member && to.generation == m.to_generation;
        // The sender was removed (and perhaps re-added) since: its old chains are gone here.
        let sender_reset = self.devs[m.from].removals > m.from_removals;
        match r {
            Ok(got) => {
                assert!(entitled, "message {} read by a device not entitled to it", m.id);
                assert!(self.delivered.insert((m.id, m.to)), "message {} decrypted twice", m.id);
                assert_eq!(got.plaintext(), m.id.to_le_bytes());
                assert_eq!(*got.sender(), self.devs[m.from].id.public());
            }
            Err(GroupError::Duplicate) => assert!(self.delivered.contains(&(m.id, m.to))),
            Err(GroupError::UnknownSender) => assert!(sender_removed_here || sender_reset || !entitled),
            Err(GroupError::UnknownChain { sender, .. }) => {
                assert_eq!(&sender, self.devs[m.from].id.public().signing_key().as_bytes());
                let rotated = self.devs[m.from].rotations - m.from_rotations;
                assert!(
                    !entitled || sender_reset || rotated >= 5,
                    "message {} lost its chain after {rotated} rotations",
                    m.id
                );
            }
            Err(GroupError::MessageKeyDiscarded) => assert!(!entitled),
            Err(e) => panic!("message {} failed at {}: {e:?}", m.id, m.to),
        }
    }
}

fn run(actions: &[Action]) {
    let mut sim = Sim::new();
    let mut flight: Vec<InFlight> = Vec::new();
    let mut next = 0u64;
    for a in actions {
        match *a {
            Action::Send(s) => {
                if !sim.devs[s].member {
                    continue;
                }
                let bytes = sim.devs[s].group.as_mut().unwrap().encrypt(&next.to_le_bytes()).unwrap();
                for to in (0..N).filter(|&t| t != s) {
                    flight.push(InFlight {
                        to,
                        id: next,
                        from: s,
                        bytes: bytes.clone(),
                        to_generation: sim.devs[to].generation,
                        to_was_member: sim.devs[to].member,
                        from_rotations: sim.devs[s].rotations,
                        from_removals: sim.devs[s].removals,
                    });
                }
                next += 1;
            }
            Action::Deliver(i) | Action::Duplicate(i) if !flight.is_empty() => {
                let i = i % flight.len();
                if matches!(a, Action::Duplicate(_)) {
                    let f = &flight[i];
                    let copy = InFlight {
                        bytes: f.bytes.clone(),
                        to: f.to,
                        id: f.id,
                        from: f.from,
                        to_generation: f.to_generation,
                        to_was_member: f.to_was_member,
                        from_rotations: f.from_rotations,
                        from_removals: f.from_removals,
                    };
                    sim.deliver(&copy);
                } else {
                    let m = flight.swap_remove(i);
                    sim.deliver(&m);
                }
            }
            Action::Drop(i) if !flight.is_empty() => {
                let i = i % flight.len();
                flight.swap_remove(i);
            }
            Action::Remove(x) => sim.remove(x),
            Action::Readd(x) => sim.readd(x),
            _ => {}
        }
    }
    for m in flight.drain(..) {
        sim.deliver(&m);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn group_network_simulation(actions in proptest::collection::vec(action(), 1..150)) {
        run(&actions);
    }
}
