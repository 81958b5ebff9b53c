//! MLS benchmarks (issue 14): school-scale groups on MLS against sender keys.
//!
//! - Removal, whole-group cost, at 30, 100, 1,000, 2,000 and 10,000
//!   members: total CPU over all devices and total bytes through the
//!   server, sender keys (SPEC.md §12) against MLS (§15). Prints
//!   `ratio mls_removal_<n>_bytes <sender-keys bytes / MLS bytes>` and
//!   `ratio mls_removal_<n>_cpu <sender-keys CPU / MLS CPU>`.
//!   * MLS: the committer's real `remove` commit and its confirmation,
//!     measured, plus a member processing that commit, measured at three
//!     tree positions (leaf 1, the committer's sibling; leaf n/2, across
//!     the root; leaf n-2, the removed leaf's sibling) and their mean
//!     multiplied by the n - 2 remaining receivers. Bytes: the commit
//!     envelope once up and once down to each of the n - 2 remaining
//!     members.
//!   * Sender keys: the per-message costs measured here and multiplied out
//!     (`common::sender_keys`, the model printed with the figures): one
//!     removal makes every remaining device send a new distribution to
//!     every other, (n-1)(n-2) 1:1 messages, which cannot all be run.
//!     Bytes: every 1:1 message once up and once down.
//!
//!   The MLS groups are built as a school would build them: the creator
//!   adds every device in one commit, so the ratchet tree's inner nodes off
//!   the creator's path are blank and a commit encrypts its path secret to
//!   every leaf of the blank subtrees (the commit grows with n until
//!   members' own commits fill the tree). The ratios are measured on the
//!   `updated` tree: after one member in each subtree on the copaths of the
//!   committer and of the removed member committed a self-update (about
//!   2 log2 n updates), which gives this removal the commit of a group
//!   whose members update (SPEC.md §15.9), one HPKE ciphertext per copath
//!   node. The `fresh` tree, right after the bulk add, is reported beside
//!   it (`..._fresh_tree` ratios). A tree where every member committed once
//!   is measured too, at 30 and 100 members (`filled` lines).
//! - Our member's cost to process a removal commit at 2,000 and 10,000
//!   (`process_removal_commit` lines; OpenMLS: 10-12 ms at 2,000).
//! - Join by Welcome with the ratchet tree out of band, at 2,000 and 10,000
//!   (`join` lines; target under 2 s at 10,000).
//! - Adding one member to a 2,000-member group: commit, Welcome, a member
//!   processing the commit, the newcomer joining (`add_one` lines).
//! - Application messages, 100 B, MLS against sender keys, interleaved
//!   rounds: `ratio mls_app_decrypt_100B <sender-keys time / MLS time>`
//!   (target 0.67 or more) and the same for encrypt.
//! - State size of one member device at 2,000 and 10,000 (`state` lines).
//!
//! Each large group is built once per run and every measurement restores
//! the states it needs from bytes, untimed. `cargo bench --bench mls` runs
//! the manual measurements and short criterion groups; with
//! `VESTNIK_BENCH_QUICK=1` (or criterion's `--quick`) only the manual
//! measurements, in a few minutes on two cores; `cargo test --benches`
//! smoke-tests at 30 and 100 members.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // benches may panic

mod common;

use common::sender_keys::{self, Link, SenderKeysGroup, Units};
use common::{MSG_100, batch_ns, full_run, interleaved, loop_ns};
use criterion::{BatchSize, Criterion, SamplingMode};
use std::hint::black_box;
use std::time::{Duration, Instant};
use vestnik::group::{GroupSession, PayloadKind};
use vestnik::mls::{
    MlsConfig, MlsGroup, MlsKeyPackageEnvelope, MlsKeyPackageStore, MlsLimits, MlsRatchetTreeEnvelope, MlsReceived,
    MlsSuite, MlsWelcomeEnvelope, TrustedIdentities,
};
use vestnik::storage::{Sealable, StorageKey};
use vestnik::{DeviceIdentity, IdentityPublic};

const NOW: u64 = 1_764_000_000;

fn config() -> MlsConfig {
    MlsConfig::new(TrustedIdentities::any_valid_identity())
}

fn quick() -> bool {
    std::env::var("VESTNIK_BENCH_QUICK").is_ok_and(|v| v == "1") || std::env::args().any(|a| a == "--quick")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn ms(ns: f64) -> f64 {
    ns / 1e6
}

/// Median nanoseconds of `routine` over `reps` runs, each on a fresh input
/// made (untimed) by `setup`.
fn timed<I, O>(reps: usize, mut setup: impl FnMut() -> I, mut routine: impl FnMut(I) -> O) -> f64 {
    let mut v = Vec::with_capacity(reps);
    for _ in 0..reps {
        let input = setup();
        let t = Instant::now();
        let out = black_box(routine(input));
        v.push(t.elapsed().as_nanos() as f64);
        drop(out);
    }
    median(v)
}

/// A device that will join: its identity and its KeyPackage store (with the
/// secrets of the KeyPackage it uploaded) as bytes.
struct Joiner {
    id: DeviceIdentity,
    store: Vec<u8>,
}

impl Joiner {
    fn new() -> (Joiner, MlsKeyPackageEnvelope) {
        let mut rng = rand::rng();
        let id = DeviceIdentity::generate(&mut rng);
        let mut store = MlsKeyPackageStore::new(MlsLimits::default());
        let kp = store.generate(&id, MlsSuite::default(), NOW, false, &mut rng).unwrap();
        (Joiner { id, store: store.to_bytes().to_vec() }, kp)
    }

    fn store(&self) -> MlsKeyPackageStore {
        MlsKeyPackageStore::from_bytes(&self.store, MlsLimits::default()).unwrap()
    }
}

/// A member whose state we keep, at a known leaf.
struct Tracked {
    leaf: usize,
    state: Vec<u8>,
}

/// The states of the creator (leaf 0) and the tracked members at one point
/// of the group's life.
struct Snapshot {
    creator: Vec<u8>,
    tracked: Vec<Tracked>,
}

impl Snapshot {
    fn take<'a>(creator: &MlsGroup, tracked: impl IntoIterator<Item = (usize, &'a MlsGroup)>) -> Snapshot {
        Snapshot {
            creator: creator.to_bytes().to_vec(),
            tracked: tracked.into_iter().map(|(leaf, g)| Tracked { leaf, state: g.to_bytes().to_vec() }).collect(),
        }
    }

    fn creator(&self) -> MlsGroup {
        MlsGroup::from_bytes(&self.creator, config()).unwrap()
    }

    fn member(&self) -> MlsGroup {
        MlsGroup::from_bytes(&self.tracked[0].state, config()).unwrap()
    }
}

/// The first leaf of each subtree on `leaf`'s copath above the leaf level
/// (the sibling subtrees of 2, 4, 8, ... leaves), where one exists in an
/// `n`-leaf tree.
fn copath_subtree_starts(leaf: usize, n: usize) -> Vec<usize> {
    let levels = usize::BITS - (n - 1).leading_zeros();
    (1..levels).map(|k| ((leaf >> k) ^ 1) << k).filter(|&start| start < n).collect()
}

/// An `n`-member MLS group, built once: the creator at leaf 0 added the
/// other `n - 1` devices (leaves 1 to n-1, in order) in one commit; a few
/// devices joined from its Welcome and the tree.
///
/// Two snapshots: `fresh`, right after that commit (every inner node off
/// the creator's path blank, so a commit encrypts its path secret to every
/// leaf of the blank subtrees and grows with n), and `updated`, after one
/// member in each subtree on the copaths of the creator (the committer) and
/// of the removed member (leaf n-1) committed a self-update, processed by
/// every device kept. For this committer and this removal, `updated` gives
/// the commit a group gets once its members update (SPEC.md §15.9): one
/// HPKE ciphertext per node of the copath's resolution, O(log n).
struct School {
    n: usize,
    members: Vec<IdentityPublic>,
    fresh: Snapshot,
    updated: Snapshot,
    /// Members whose self-updates made `updated`.
    updaters: usize,
    /// One tracked device before it joined, for the join measurement.
    joiner: Joiner,
    welcome: MlsWelcomeEnvelope,
    tree: MlsRatchetTreeEnvelope,
    add_all_ns: f64,
    join_ns: Vec<f64>,
}

fn tracked_leaves(n: usize) -> Vec<usize> {
    let mut v = vec![1, n / 2, n - 2];
    v.dedup();
    v
}

impl School {
    fn build(n: usize) -> School {
        let mut rng = rand::rng();
        let creator_id = DeviceIdentity::generate(&mut rng);
        let mut creator =
            MlsGroup::create(&creator_id, MlsSuite::default(), b"school-1234", config(), NOW, &mut rng).unwrap();
        let leaves = tracked_leaves(n);
        let mut updaters = copath_subtree_starts(0, n);
        updaters.extend(copath_subtree_starts(n - 1, n));
        updaters.sort_unstable();
        updaters.dedup();
        updaters.retain(|&l| l != 0 && l != n - 1);
        let mut members = vec![creator_id.public()];
        let mut kps = Vec::with_capacity(n - 1);
        let mut joiners = Vec::new();
        let mut updater_joiners = Vec::new();
        for leaf in 1..n {
            let (j, kp) = Joiner::new();
            members.push(j.id.public());
            kps.push(kp);
            if leaves.contains(&leaf) {
                joiners.push((leaf, j));
            } else if updaters.contains(&leaf) {
                updater_joiners.push((leaf, j));
            }
        }
        let t = Instant::now();
        let commit = creator.add(&kps, NOW).unwrap();
        creator.confirm_pending_commit().unwrap();
        let add_all_ns = t.elapsed().as_nanos() as f64;
        let welcome = commit.welcome.clone().unwrap();
        let tree = commit.ratchet_tree.clone().unwrap();
        let mut tracked = Vec::new();
        let mut join_ns = Vec::new();
        for (leaf, j) in &joiners {
            let mut store = j.store();
            let t = Instant::now();
            let g = MlsGroup::join(&mut store, &welcome, &tree, config(), NOW).unwrap();
            join_ns.push(t.elapsed().as_nanos() as f64);
            assert_eq!(g.member_count(), n);
            assert_eq!(g.members().unwrap()[*leaf], members[*leaf]);
            tracked.push((*leaf, g));
        }
        let fresh = Snapshot::take(&creator, tracked.iter().map(|(l, g)| (*l, g)));
        // Updaters that are not tracked join now; tracked ones update from
        // the states they already have.
        let mut others: Vec<(usize, MlsGroup)> = updater_joiners
            .iter()
            .map(|(leaf, j)| (*leaf, MlsGroup::join(&mut j.store(), &welcome, &tree, config(), NOW).unwrap()))
            .collect();
        let ids: Vec<(usize, &DeviceIdentity)> =
            joiners.iter().chain(updater_joiners.iter()).map(|(leaf, j)| (*leaf, &j.id)).collect();
        for &leaf in &updaters {
            let id = ids.iter().find(|(l, _)| *l == leaf).unwrap().1;
            let g = tracked.iter_mut().chain(others.iter_mut()).find(|(l, _)| *l == leaf).unwrap();
            let c = g.1.self_update(id, NOW, &mut rng).unwrap().commit.to_bytes();
            g.1.confirm_pending_commit().unwrap();
            creator.process(&c, NOW).unwrap();
            for (_, g) in tracked.iter_mut().chain(others.iter_mut()).filter(|(l, _)| *l != leaf) {
                g.process(&c, NOW).unwrap();
            }
        }
        let updated = Snapshot::take(&creator, tracked.iter().map(|(l, g)| (*l, g)));
        let updaters = updaters.len();
        let joiner = joiners.into_iter().next().unwrap().1;
        School { n, members, fresh, updated, updaters, joiner, welcome, tree, add_all_ns, join_ns }
    }

    fn victim(&self) -> IdentityPublic {
        self.members[self.n - 1]
    }
}

/// The MLS side of one removal, measured.
struct MlsRemoval {
    commit_len: usize,
    committer_ns: f64,
    /// (leaf, median ns to process the commit)
    receivers: Vec<(usize, f64)>,
}

impl MlsRemoval {
    fn member_ns(&self) -> f64 {
        self.receivers.iter().map(|r| r.1).sum::<f64>() / self.receivers.len() as f64
    }

    fn cpu_ns(&self, n: usize) -> f64 {
        self.committer_ns + (n - 2) as f64 * self.member_ns()
    }

    fn bytes(&self, n: usize) -> f64 {
        // Once up, once down to each remaining member.
        self.commit_len as f64 * (1 + (n - 2)) as f64
    }
}

/// The creator of `snap` removes `victim`; each tracked member processes
/// the commit.
fn mls_removal(snap: &Snapshot, victim: IdentityPublic, reps: usize) -> MlsRemoval {
    let mut commit = None;
    let committer_ns = timed(
        reps,
        || snap.creator(),
        |mut g| {
            let c = g.remove(&[victim], NOW).unwrap();
            g.confirm_pending_commit().unwrap();
            commit = Some(c);
            g
        },
    );
    let commit = commit.unwrap().commit.to_bytes();
    let mut receivers = Vec::new();
    for t in &snap.tracked {
        let ns = timed(
            reps,
            || MlsGroup::from_bytes(&t.state, config()).unwrap(),
            |mut g| {
                match g.process(&commit, NOW).unwrap() {
                    MlsReceived::Commit(ch) => assert_eq!(ch.removed, vec![victim]),
                    other => panic!("expected a commit, got {other:?}"),
                }
                g
            },
        );
        receivers.push((t.leaf, ns));
    }
    MlsRemoval { commit_len: commit.len(), committer_ns, receivers }
}

/// Every member of a small group commits a self-update once (processed by
/// all), so the tree has no blank inner node; then the same removal.
fn filled_removal(n: usize, reps: usize) -> MlsRemoval {
    let mut rng = rand::rng();
    let ids: Vec<DeviceIdentity> = (0..n).map(|_| DeviceIdentity::generate(&mut rng)).collect();
    let mut groups =
        vec![MlsGroup::create(&ids[0], MlsSuite::default(), b"class-7b", config(), NOW, &mut rng).unwrap()];
    let mut stores = Vec::new();
    let mut kps = Vec::new();
    for id in &ids[1..] {
        let mut st = MlsKeyPackageStore::new(MlsLimits::default());
        kps.push(st.generate(id, MlsSuite::default(), NOW, false, &mut rng).unwrap());
        stores.push(st);
    }
    let c = groups[0].add(&kps, NOW).unwrap();
    groups[0].confirm_pending_commit().unwrap();
    for st in &mut stores {
        groups.push(
            MlsGroup::join(st, c.welcome.as_ref().unwrap(), c.ratchet_tree.as_ref().unwrap(), config(), NOW).unwrap(),
        );
    }
    for i in 0..n {
        let c = groups[i].self_update(&ids[i], NOW, &mut rng).unwrap().commit.to_bytes();
        groups[i].confirm_pending_commit().unwrap();
        for (j, g) in groups.iter_mut().enumerate() {
            if j != i {
                g.process(&c, NOW).unwrap();
            }
        }
    }
    let snap = Snapshot::take(&groups[0], tracked_leaves(n).into_iter().map(|l| (l, &groups[l])));
    mls_removal(&snap, ids[n - 1].public(), reps)
}

/// Sender-keys unit costs at `n` members (the distribution cost measured once).
fn sender_keys_units(n: usize, dist: (usize, f64), reps: usize) -> (Units, usize) {
    let mut g = SenderKeysGroup::new(n);
    let (admin_ns, entry) = g.admin_cost(reps);
    let (entry_wire, entry_ns) = g.entry_cost(&entry, reps);
    (Units { dist_wire: dist.0, dist_ns: dist.1, entry_wire, entry_ns, admin_ns }, g.state_len())
}

/// Two-member MLS group (creator, joiner) for the application-message
/// measurements.
fn mls_pair() -> (MlsGroup, MlsGroup) {
    let mut rng = rand::rng();
    let a = DeviceIdentity::generate(&mut rng);
    let mut ga = MlsGroup::create(&a, MlsSuite::default(), b"pair", config(), NOW, &mut rng).unwrap();
    let (j, kp) = Joiner::new();
    let c = ga.add(&[kp], NOW).unwrap();
    ga.confirm_pending_commit().unwrap();
    let gb =
        MlsGroup::join(&mut j.store(), c.welcome.as_ref().unwrap(), c.ratchet_tree.as_ref().unwrap(), config(), NOW)
            .unwrap();
    (ga, gb)
}

/// Two-member sender-keys group (the sender holds its chain, the receiver
/// the sender's chain).
fn sender_keys_pair() -> (GroupSession, GroupSession) {
    let mut rng = rand::rng();
    let mut link = Link::new(DeviceIdentity::generate(&mut rng), DeviceIdentity::generate(&mut rng));
    let (tg, plan) = GroupSession::create(b"pair", &link.a, &[link.b.public()], false, &mut rng).unwrap();
    let log = plan.sends().iter().find(|s| s.kind() == PayloadKind::RosterLog).unwrap().payload().to_vec();
    let r = link.relay(&log);
    let (mut sg, _) = GroupSession::join(&link.b, &r, false, &mut rng).unwrap();
    let r = link.relay(plan.distribution());
    sg.process_distribution(&r).unwrap();
    (tg, sg)
}

fn app_messages(c: &mut Criterion, with_criterion: bool) {
    let (rounds, n) = common::plan(2_000);
    let (mut ma, mut mb) = mls_pair();
    let (mut sa, mut sb) = sender_keys_pair();
    let mls_wire = ma.encrypt(&MSG_100).unwrap().to_bytes();
    mb.process(&mls_wire, NOW).unwrap();
    let sk_wire = sa.encrypt(&MSG_100).unwrap();
    sb.decrypt(&sk_wire, NOW).unwrap();
    let (sk_enc, mls_enc) = interleaved(
        rounds,
        || loop_ns(n, || sa.encrypt(black_box(&MSG_100)).unwrap()),
        || loop_ns(n, || ma.encrypt(black_box(&MSG_100)).unwrap().to_bytes()),
    );
    // Fresh pairs: the encrypt rounds moved the senders far ahead of their
    // receivers (MLS refuses a jump of more than 1,024 generations).
    let (mut ma, mut mb) = mls_pair();
    let (mut sa, mut sb) = sender_keys_pair();
    let (sk_dec, mls_dec) = interleaved(
        rounds,
        || batch_ns(n, || sa.encrypt(&MSG_100).unwrap(), |m| sb.decrypt(&m, NOW).unwrap()),
        || batch_ns(n, || ma.encrypt(&MSG_100).unwrap().to_bytes(), |m| mb.process(&m, NOW).unwrap()),
    );
    println!("size app_message_100B mls {} bytes, sender_keys {} bytes", mls_wire.len(), sk_wire.len());
    println!("time app_encrypt_100B mls {:.2} us, sender_keys {:.2} us", mls_enc / 1e3, sk_enc / 1e3);
    println!("time app_decrypt_100B mls {:.2} us, sender_keys {:.2} us", mls_dec / 1e3, sk_dec / 1e3);
    println!("ratio mls_app_encrypt_100B {:.3}", sk_enc / mls_enc);
    println!("ratio mls_app_decrypt_100B {:.3}", sk_dec / mls_dec);
    if with_criterion {
        let mut g = c.benchmark_group("app_100B");
        g.bench_function("mls_decrypt", |b| {
            b.iter_batched(
                || ma.encrypt(&MSG_100).unwrap().to_bytes(),
                |m| mb.process(&m, NOW).unwrap(),
                BatchSize::SmallInput,
            )
        });
        g.bench_function("sender_keys_decrypt", |b| {
            b.iter_batched(|| sa.encrypt(&MSG_100).unwrap(), |m| sb.decrypt(&m, NOW).unwrap(), BatchSize::SmallInput)
        });
        // Encrypt last: it moves the senders ahead of their receivers.
        g.bench_function("mls_encrypt", |b| b.iter(|| ma.encrypt(black_box(&MSG_100)).unwrap()));
        g.bench_function("sender_keys_encrypt", |b| b.iter(|| sa.encrypt(black_box(&MSG_100)).unwrap()));
        g.finish();
    }
}

/// Application message decrypt by a member of the big group (the secret
/// tree and the state copy grow with n).
fn app_in_school(s: &School) {
    let mut creator = s.updated.creator();
    let mut member = s.updated.member();
    let msgs: Vec<Vec<u8>> = (0..200).map(|_| creator.encrypt(&MSG_100).unwrap().to_bytes()).collect();
    let t = Instant::now();
    for m in &msgs {
        black_box(member.process(m, NOW).unwrap());
    }
    let dec = t.elapsed().as_nanos() as f64 / msgs.len() as f64;
    let t = Instant::now();
    for _ in 0..200 {
        black_box(creator.encrypt(&MSG_100).unwrap());
    }
    let enc = t.elapsed().as_nanos() as f64 / 200.0;
    println!("time app_100B members={} mls encrypt {:.2} us, decrypt {:.2} us", s.n, enc / 1e3, dec / 1e3);
}

fn state_sizes(s: &School, sk_state: usize) {
    let g = s.updated.member();
    let key = StorageKey::generate(&mut rand::rng());
    let sealed = g.seal(&key, &mut rand::rng()).len();
    println!(
        "state members={} mls serialized {} bytes, sealed {} bytes ({:.0} bytes per member); sender_keys {} bytes",
        s.n,
        s.updated.tracked[0].state.len(),
        sealed,
        sealed as f64 / s.n as f64,
        sk_state
    );
}

fn add_one(s: &School, reps: usize) {
    let mut last = None;
    let add_ns = timed(
        reps,
        || (s.updated.creator(), Joiner::new()),
        |(mut g, (j, kp))| {
            let c = g.add(&[kp], NOW).unwrap();
            g.confirm_pending_commit().unwrap();
            last = Some((c, j));
            g
        },
    );
    let (c, j) = last.unwrap();
    let commit = c.commit.to_bytes();
    let member_ns = timed(
        reps,
        || s.updated.member(),
        |mut g| {
            g.process(&commit, NOW).unwrap();
            g
        },
    );
    let (welcome, tree) = (c.welcome.clone().unwrap(), c.ratchet_tree.clone().unwrap());
    let join_ns = timed(reps, || j.store(), |mut st| MlsGroup::join(&mut st, &welcome, &tree, config(), NOW).unwrap());
    println!(
        "add_one members={} commit {} bytes, welcome {} bytes, tree {} bytes; committer {:.2} ms, member processes {:.2} ms, newcomer joins {:.1} ms",
        s.n,
        commit.len(),
        welcome.to_bytes().len(),
        tree.to_bytes().len(),
        ms(add_ns),
        ms(member_ns),
        ms(join_ns)
    );
}

fn join(s: &School, reps: usize) -> f64 {
    let mut v = s.join_ns.clone();
    for _ in 1..reps {
        let mut st = s.joiner.store();
        let t = Instant::now();
        black_box(MlsGroup::join(&mut st, &s.welcome, &s.tree, config(), NOW).unwrap());
        v.push(t.elapsed().as_nanos() as f64);
    }
    let j = median(v);
    println!(
        "join members={} by Welcome ({} bytes) with the tree out of band ({} bytes): {:.0} ms (median of {} joins)",
        s.n,
        s.welcome.to_bytes().len(),
        s.tree.to_bytes().len(),
        ms(j),
        s.join_ns.len() + reps - 1
    );
    j
}

fn criterion_big(c: &mut Criterion, s: &School) {
    let mut g = c.benchmark_group(format!("mls_{}_members", s.n));
    g.sample_size(10).sampling_mode(SamplingMode::Flat).warm_up_time(Duration::from_millis(100));
    g.measurement_time(Duration::from_secs(if s.n >= 10_000 { 10 } else { 3 }));
    let victim = s.victim();
    let mut probe = s.updated.creator();
    let commit = probe.remove(&[victim], NOW).unwrap().commit.to_bytes();
    g.bench_function("remove_commit_and_confirm", |b| {
        b.iter_batched(
            || s.updated.creator(),
            |mut m| {
                m.remove(&[victim], NOW).unwrap();
                m.confirm_pending_commit().unwrap();
                m
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("process_removal_commit", |b| {
        b.iter_batched(
            || s.updated.member(),
            |mut m| {
                m.process(&commit, NOW).unwrap();
                m
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("join_by_welcome_tree_out_of_band", |b| {
        b.iter_batched(
            || s.joiner.store(),
            |mut st| MlsGroup::join(&mut st, &s.welcome, &s.tree, config(), NOW).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn main() {
    let mut c = common::criterion();
    let full = full_run();
    let quick = quick();
    let with_criterion = full && !quick && !common::profiling();
    let sizes: &[usize] = if full { &[30, 100, 1_000, 2_000, 10_000] } else { &[30, 100] };
    let reps = if full { 3 } else { 1 };

    app_messages(&mut c, with_criterion);

    let dist = sender_keys::distribution_cost(if full { 2_000 } else { 2 });
    println!("{}", sender_keys::MODEL);
    println!(
        "sender_keys distribution: 1:1 message {} bytes, encrypt+decrypt+process_distribution {:.2} us",
        dist.0,
        dist.1 / 1e3
    );
    println!(
        "mls removal model: committer remove+confirm (measured) + (n-2) x mean of members processing the commit \
(measured at leaves 1, n/2, n-2); bytes = commit envelope up once + down to the n-2 remaining members"
    );
    for &n in sizes {
        let t = Instant::now();
        let school = School::build(n);
        let build_s = t.elapsed().as_secs_f64();
        let (units, sk_state) =
            sender_keys_units(n, dist, reps.max(if n >= 2_000 { 3 } else { 5 }).min(if full { 5 } else { 1 }));
        let sk = units.removal(n);
        let mls = mls_removal(&school.updated, school.victim(), reps);
        let fresh = mls_removal(&school.fresh, school.victim(), reps);
        println!(
            "build members={n}: {build_s:.1} s (the creator's one commit adding {} devices: {:.0} ms; then {} members' self-updates)",
            n - 1,
            ms(school.add_all_ns),
            school.updaters
        );
        println!(
            "removal members={n} sender_keys: {} 1:1 messages ({} B per distribution, {} B per entry), {:.1} MB through the server, \
CPU {:.0} ms over all devices ({:.1} ms and {:.0} KB sent per remaining device; admin {:.2} ms, entry {:.2} ms)",
            sk.messages,
            units.dist_wire,
            units.entry_wire,
            sk.bytes / 1e6,
            ms(sk.cpu_ns),
            ms(sk.per_device_ns),
            sk.per_device_sent / 1e3,
            ms(units.admin_ns),
            ms(units.entry_ns)
        );
        for (tree, m) in [("updated", &mls), ("fresh", &fresh)] {
            let per_leaf: Vec<String> =
                m.receivers.iter().map(|(l, ns)| format!("leaf {l} {:.2} ms", ms(*ns))).collect();
            println!(
                "removal members={n} mls ({tree} tree): commit {} bytes, {:.2} MB through the server, CPU {:.0} ms over all devices \
(committer {:.2} ms; a member processes it in {})",
                m.commit_len,
                m.bytes(n) / 1e6,
                ms(m.cpu_ns(n)),
                ms(m.committer_ns),
                per_leaf.join(", ")
            );
        }
        println!("ratio mls_removal_{n}_bytes {:.1}", sk.bytes / mls.bytes(n));
        println!("ratio mls_removal_{n}_cpu {:.1}", sk.cpu_ns / mls.cpu_ns(n));
        println!("ratio mls_removal_{n}_bytes_fresh_tree {:.1}", sk.bytes / fresh.bytes(n));
        println!("ratio mls_removal_{n}_cpu_fresh_tree {:.1}", sk.cpu_ns / fresh.cpu_ns(n));
        if n >= 2_000 {
            println!(
                "process_removal_commit members={n} mls {:.2} ms per member, updated tree ({:.2} ms fresh; mean of leaves; \
OpenMLS 0.9: 10-12 ms at 2,000); sender keys per remaining device {:.1} ms and {:.0} KB",
                ms(mls.member_ns()),
                ms(fresh.member_ns()),
                ms(sk.per_device_ns),
                sk.per_device_sent / 1e3
            );
            join(&school, reps);
            state_sizes(&school, sk_state);
            app_in_school(&school);
        }
        if n == 2_000 || (!full && n == 100) {
            add_one(&school, reps);
        }
        if with_criterion && n >= 2_000 {
            criterion_big(&mut c, &school);
        }
    }
    for n in if full { [30usize, 100].as_slice() } else { [30usize].as_slice() } {
        let m = filled_removal(*n, reps);
        let per_leaf: Vec<String> = m.receivers.iter().map(|(l, ns)| format!("leaf {l} {:.2} ms", ms(*ns))).collect();
        println!(
            "filled members={n} (every member committed once): removal commit {} bytes, committer {:.2} ms, {}",
            m.commit_len,
            ms(m.committer_ns),
            per_leaf.join(", ")
        );
    }
    c.final_summary();
}
