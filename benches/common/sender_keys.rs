//! The sender-keys side of the MLS comparison (issue 14): what removing one
//! member from an `n`-member sender-keys group (SPEC.md §12) costs the whole
//! group, from per-message costs measured here and multiplied out.
//!
//! # The model
//!
//! An admin removes one of `n` members. Then:
//!
//! - the admin signs the roster entry and rotates its chain
//!   (`change_roster`, once);
//! - the admin sends the entry to the other `n - 2` remaining members, one
//!   1:1 message each; each of them decrypts it and applies it
//!   (`receive`: verify, apply, rotate its own chain): `n - 2` *entry
//!   messages*;
//! - every one of the `n - 1` remaining members sends its new distribution
//!   to every other remaining member, one 1:1 message each, which the
//!   receiver decrypts and installs (`process_distribution`):
//!   `(n - 1)(n - 2)` *distribution messages*.
//!
//! Whole-group CPU = admin + `(n - 2)` × entry + `(n - 1)(n - 2)` ×
//! distribution, where an entry costs the admin's 1:1 encrypt, the member's
//! 1:1 decrypt and its `receive`, and a distribution costs the sender's 1:1
//! encrypt, the receiver's 1:1 decrypt and `process_distribution` (the
//! sender's rotation is inside its `receive`). The 1:1 sessions are
//! established and the sender's chain is live (no DH ratchet step): the
//! cheapest case, so the model is a lower bound for sender keys.
//!
//! Bytes through the server = every 1:1 message once up (sender to server)
//! and once down (server to receiver), at its measured wire size. The MLS
//! side counts the same way: its commit once up and once down per receiver.
//!
//! A distribution's cost does not depend on `n` (a map lookup); the entry
//! and the admin's change do (the roster is cloned, hashed and applied), so
//! those are measured in a real group of `n`.

use super::batch_ns;
use std::hint::black_box;
use std::time::Instant;
use vestnik::group::{GroupSession, MembershipPlan, PayloadKind, RosterChange};
use vestnik::{ContentType, DeviceIdentity, IdentityPublic, PeerSessions, PreKeyStore};

const NOW: u64 = 1_764_000_000;

/// The largest roster change sent as one entry while building a big group
/// (a roster update must fit a 1:1 plaintext).
const ADD_BATCH: usize = 1_000;

/// Two devices with an established 1:1 session both ways.
pub(crate) struct Link {
    pub(crate) a: DeviceIdentity,
    pub(crate) b: DeviceIdentity,
    pub(crate) b_pre: PreKeyStore,
    pub(crate) ab: PeerSessions,
    pub(crate) ba: PeerSessions,
}

impl Link {
    /// `a` and `b` after a first message each way and one more from `a`, so
    /// `a`'s next sends stay on its live chain.
    pub(crate) fn new(a: DeviceIdentity, b: DeviceIdentity) -> Link {
        let mut rng = rand::rng();
        let b_pre = PreKeyStore::new(&b, 0, &mut rng);
        let mut a_pre = PreKeyStore::new(&a, 0, &mut rng);
        let mut ab = PeerSessions::new(b.public());
        ab.initiate(&a, &b_pre.bundle(&b, None), 0, &mut rng).expect("initiate");
        let mut link = Link { ba: PeerSessions::new(a.public()), a, b, b_pre, ab };
        let w = link.ab.encrypt(b"hello", &mut rng).expect("encrypt");
        link.ba.decrypt(&link.b, &mut link.b_pre, &w, 0).expect("decrypt");
        let w = link.ba.encrypt(b"hi", &mut rng).expect("encrypt");
        link.ab.decrypt(&link.a, &mut a_pre, &w, 0).expect("decrypt");
        let w = link.ab.encrypt(b"on my chain", &mut rng).expect("encrypt");
        link.ba.decrypt(&link.b, &mut link.b_pre, &w, 0).expect("decrypt");
        link
    }

    /// `a` sends one group payload to `b` over the session: the wire.
    pub(crate) fn send(&mut self, payload: &[u8]) -> Vec<u8> {
        self.ab.encrypt_typed(ContentType::SenderKeyDistribution, payload, &mut rand::rng()).expect("encrypt")
    }

    /// `a` sends one group payload and `b` decrypts it.
    pub(crate) fn relay(&mut self, payload: &[u8]) -> vestnik::Received {
        let w = self.send(payload);
        self.recv(&w)
    }

    /// `b` decrypts it.
    pub(crate) fn recv(&mut self, wire: &[u8]) -> vestnik::Received {
        self.ba.decrypt(&self.b, &mut self.b_pre, wire, 0).expect("decrypt")
    }
}

fn payload(plan: &MembershipPlan, kind: PayloadKind) -> Vec<u8> {
    plan.sends().iter().find(|s| s.kind() == kind).map(|s| s.payload().to_vec()).expect("payload of that kind")
}

/// Median of `v`.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Per-distribution cost: bytes of one 1:1 message carrying a distribution,
/// and nanoseconds of 1:1 encrypt + 1:1 decrypt + `process_distribution`.
pub(crate) fn distribution_cost(iters: usize) -> (usize, f64) {
    let mut rng = rand::rng();
    let mut link = Link::new(DeviceIdentity::generate(&mut rng), DeviceIdentity::generate(&mut rng));
    let (mut sender, plan) =
        GroupSession::create(b"school", &link.a, &[link.b.public()], false, &mut rng).expect("create");
    let w = link.send(&payload(&plan, PayloadKind::RosterLog));
    let r = link.recv(&w);
    let (mut receiver, _) = GroupSession::join(&link.b, &r, false, &mut rng).expect("join");
    let w = link.send(plan.distribution());
    receiver.process_distribution(&link.recv(&w)).expect("distribution");
    let wire_len = link.send(sender.rotate(&mut rng).distribution()).len();
    // The receiver missed that one; the rest arrive in order.
    let mut rounds = Vec::new();
    for _ in 0..super::ROUNDS {
        rounds.push(batch_ns(
            iters,
            || sender.rotate(&mut rand::rng()).distribution().to_vec(),
            |d| {
                let w = link.send(&d);
                let r = link.recv(&w);
                receiver.process_distribution(&r).expect("process");
            },
        ));
    }
    (wire_len, median(rounds))
}

/// An `n`-member sender-keys group as the admin and one other member
/// (`member`) hold it, the 1:1 session between them, and one more member to
/// remove.
pub(crate) struct SenderKeysGroup {
    pub(crate) n: usize,
    admin: Vec<u8>,
    member: Vec<u8>,
    link: Link,
    link_ab: Vec<u8>,
    link_ba: Vec<u8>,
    victim: IdentityPublic,
}

impl SenderKeysGroup {
    /// Builds the group: created with `member`, then the others added in
    /// roster entries of up to [`ADD_BATCH`] devices (as an app would).
    pub(crate) fn new(n: usize) -> SenderKeysGroup {
        assert!(n >= 3);
        let mut rng = rand::rng();
        let mut link = Link::new(DeviceIdentity::generate(&mut rng), DeviceIdentity::generate(&mut rng));
        let (mut admin, plan) =
            GroupSession::create(b"school", &link.a, &[link.b.public()], false, &mut rng).expect("create");
        let r = link.relay(&payload(&plan, PayloadKind::RosterLog));
        let (mut member, _) = GroupSession::join(&link.b, &r, false, &mut rng).expect("join");
        let others: Vec<IdentityPublic> = (2..n).map(|_| DeviceIdentity::generate(&mut rng).public()).collect();
        for batch in others.chunks(ADD_BATCH) {
            let plan = admin.change_roster(&link.a, &RosterChange::add(batch), NOW, &mut rng).expect("add");
            let r = link.relay(&payload(&plan, PayloadKind::RosterEntries));
            member.receive(&r, NOW, &mut rng).expect("apply add");
        }
        assert_eq!(admin.members().len() + 1, n);
        let victim = *others.last().expect("a third member");
        SenderKeysGroup {
            n,
            admin: admin.to_bytes().to_vec(),
            member: member.to_bytes().to_vec(),
            link_ab: link.ab.to_bytes().to_vec(),
            link_ba: link.ba.to_bytes().to_vec(),
            link,
            victim,
        }
    }

    fn restore_link(&mut self) {
        self.link.ab = PeerSessions::from_bytes(&self.link_ab).expect("session");
        self.link.ba = PeerSessions::from_bytes(&self.link_ba).expect("session");
    }

    /// Nanoseconds of the admin's `change_roster` removing one member
    /// (median of `iters`), and that change's entry payload.
    pub(crate) fn admin_cost(&mut self, iters: usize) -> (f64, Vec<u8>) {
        let change = RosterChange::remove(&[self.victim]);
        let mut times = Vec::new();
        let mut entry = Vec::new();
        for _ in 0..iters {
            let mut g = GroupSession::from_bytes(&self.admin).expect("admin state");
            let t = Instant::now();
            let plan = black_box(g.change_roster(&self.link.a, &change, NOW, &mut rand::rng()).expect("remove"));
            times.push(t.elapsed().as_nanos() as f64);
            entry = payload(&plan, PayloadKind::RosterEntries);
        }
        (median(times), entry)
    }

    /// Bytes of the 1:1 message carrying the entry, and nanoseconds of the
    /// admin's 1:1 encrypt + the member's 1:1 decrypt + `receive` (verify,
    /// apply, rotate), median of `iters` from the same state.
    pub(crate) fn entry_cost(&mut self, entry: &[u8], iters: usize) -> (usize, f64) {
        let mut times = Vec::new();
        let mut wire_len = 0;
        for _ in 0..iters {
            self.restore_link();
            let mut g = GroupSession::from_bytes(&self.member).expect("member state");
            let t = Instant::now();
            let w = self.link.send(entry);
            let r = self.link.recv(&w);
            let plan = black_box(g.receive(&r, NOW, &mut rand::rng()).expect("apply removal"));
            times.push(t.elapsed().as_nanos() as f64);
            wire_len = w.len();
            assert_eq!(plan.sends().iter().map(|s| s.recipients().len()).sum::<usize>(), self.n - 2);
        }
        (wire_len, median(times))
    }

    /// Serialized state of one member device (the admin's).
    pub(crate) fn state_len(&self) -> usize {
        self.admin.len()
    }
}

/// What the model gives for one removal in an `n`-member group.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Removal {
    pub(crate) n: usize,
    /// 1:1 messages: entries plus distributions.
    pub(crate) messages: u64,
    /// Bytes up and down through the server.
    pub(crate) bytes: f64,
    /// CPU summed over every device, nanoseconds.
    pub(crate) cpu_ns: f64,
    /// CPU of one remaining non-admin device (its entry, its n-2 sends and
    /// n-2 receives), nanoseconds.
    pub(crate) per_device_ns: f64,
    /// Bytes one remaining device sends (its n-2 distributions).
    pub(crate) per_device_sent: f64,
}

/// Measured unit costs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Units {
    pub(crate) dist_wire: usize,
    pub(crate) dist_ns: f64,
    pub(crate) entry_wire: usize,
    pub(crate) entry_ns: f64,
    pub(crate) admin_ns: f64,
}

impl Units {
    /// The model (see the module docs) at `n` members.
    pub(crate) fn removal(&self, n: usize) -> Removal {
        let (n1, n2) = (n as u64 - 1, n as u64 - 2);
        let dists = n1 * n2;
        let bytes = 2.0 * (n2 as f64 * self.entry_wire as f64 + dists as f64 * self.dist_wire as f64);
        let cpu_ns = self.admin_ns + n2 as f64 * self.entry_ns + dists as f64 * self.dist_ns;
        Removal {
            n,
            messages: n2 + dists,
            bytes,
            cpu_ns,
            per_device_ns: self.entry_ns + n2 as f64 * self.dist_ns,
            per_device_sent: n2 as f64 * self.dist_wire as f64,
        }
    }
}

/// The one-line statement of the model, printed beside the figures.
pub(crate) const MODEL: &str = "sender keys removal model: admin change_roster + (n-2) x [1:1 entry encrypt+decrypt+receive] \
+ (n-1)(n-2) x [1:1 distribution encrypt+decrypt+process_distribution], sessions established, no DH step (lower bound); \
bytes = each 1:1 message up once and down once at its measured wire size";
