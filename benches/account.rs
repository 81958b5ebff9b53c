//! Benches of multi-device accounts (issue 15, SPEC.md §16): fan-out of a
//! 100-byte message to 2 recipient accounts of 3 devices each plus our 2
//! other devices (8 encryptions), device-list verification, and linking end
//! to end.
//!
//! After criterion, the binary prints from its own interleaved timing loop
//! `ratio fanout_floor <floor time / fan-out time>`, where the floor is 8 ×
//! one `PeerSessions::encrypt` of 100 B measured alone (target >= 0.8).
//!
//! Run: `cargo bench --bench account` (quick: add
//! `-- --warm-up-time 1 --measurement-time 2`).

// A bench that cannot set up its workload should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use criterion::{BatchSize, Criterion};
use std::hint::black_box;
use std::time::Instant;
use vestnik::account::*;
use vestnik::{DeviceIdentity, PeerSessions, PreKeyBundle, PreKeyStore};

const T0: u64 = 1_764_000_000;
const MSG: [u8; 100] = [0x42; 100];

struct Fixture {
    me: DeviceIdentity,
    sessions: DeviceSessions,
    own: DeviceListTracker,
    recipients: Vec<DeviceListTracker>,
}

/// Our account (this device + 2 others) and two recipients of 3 devices,
/// with every session established by a first fan-out.
fn fixture() -> Fixture {
    let mut rng = rand::rng();
    let mut account = |n: usize| {
        let ids: Vec<DeviceIdentity> = (0..n).map(|_| DeviceIdentity::generate(&mut rng)).collect();
        let (key, mut list) = AccountKey::create(&ids[0].public(), T0, &mut rng).unwrap();
        for d in &ids[1..] {
            list = key.add_device(&list, &d.public(), None, T0, &AccountLimits::default()).unwrap();
        }
        let mut t = DeviceListTracker::new(key.public());
        t.observe(list).unwrap();
        (ids, t)
    };
    let (mut mine, own) = account(3);
    let (r1, t1) = account(3);
    let (r2, t2) = account(3);
    let bundles: Vec<PreKeyBundle> = mine[1..]
        .iter()
        .chain(&r1)
        .chain(&r2)
        .map(|d| PreKeyStore::new(d, T0, &mut rand::rng()).bundle(d, None))
        .collect();
    let me = mine.remove(0);
    let mut sessions = DeviceSessions::new(*own.account());
    let targets = FanoutTargets::new(&own, &[&t1, &t2]);
    let out = sessions.encrypt(&me, &targets, &bundles, &MSG, T0, &mut rand::rng()).unwrap();
    assert_eq!(out.copies.len(), 8);
    Fixture { me, sessions, own, recipients: vec![t1, t2] }
}

fn fanout(f: &mut Fixture) -> usize {
    let rs: Vec<&DeviceListTracker> = f.recipients.iter().collect();
    let targets = FanoutTargets::new(&f.own, &rs);
    f.sessions.encrypt(&f.me, &targets, &[], black_box(&MSG), T0, &mut rand::rng()).unwrap().copies.len()
}

fn single() -> PeerSessions {
    let mut rng = rand::rng();
    let (a, b) = (DeviceIdentity::generate(&mut rng), DeviceIdentity::generate(&mut rng));
    let pre = PreKeyStore::new(&b, T0, &mut rng);
    let mut s = PeerSessions::new(b.public());
    s.initiate(&a, &pre.bundle(&b, None), T0, &mut rng).unwrap();
    s
}

fn link_end_to_end() -> usize {
    let mut rng = rand::rng();
    let limits = AccountLimits::default();
    let phone = DeviceIdentity::generate(&mut rng);
    let tablet = DeviceIdentity::generate(&mut rng);
    let (key, list) = AccountKey::create(&phone.public(), T0, &mut rng).unwrap();
    let (mut pending, code) = PendingLink::new(&tablet.public(), T0, 300, &mut rng);
    let scanned = LinkingCode::from_bytes(&code.to_bytes()).unwrap();
    let p = key.provision(&phone.public(), &list, &scanned, &ProvisionOptions::new(), T0, &limits, &mut rng).unwrap();
    pending.accept(p.message(), T0, &limits).unwrap().list().unwrap().devices().len()
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let mut f = fixture();
    let mut g = c.benchmark_group("account");
    g.bench_function("fanout_100B_8_devices", |b| b.iter(|| fanout(&mut f)));
    let mut s = single();
    let mut rng = rand::rng();
    g.bench_function("peer_encrypt_100B", |b| b.iter(|| s.encrypt(black_box(&MSG), &mut rng).unwrap()));
    let list = f.own.current().unwrap().to_bytes().to_vec();
    g.bench_function("device_list_verify_3_devices", |b| {
        b.iter(|| DeviceList::from_bytes(black_box(&list), &AccountLimits::default()).unwrap())
    });
    g.bench_function("link_end_to_end", |b| b.iter_batched(|| (), |()| link_end_to_end(), BatchSize::SmallInput));
    g.finish();
    c.final_summary();

    // Interleaved timing for the ratio: rounds alternate the two workloads
    // so drift of the machine hits both alike.
    let (mut fan_ns, mut one_ns) = (0u128, 0u128);
    let rounds = 50;
    let per = 200;
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..per {
            black_box(fanout(&mut f));
        }
        fan_ns += t.elapsed().as_nanos();
        let t = Instant::now();
        for _ in 0..per {
            black_box(s.encrypt(black_box(&MSG), &mut rng).unwrap());
        }
        one_ns += t.elapsed().as_nanos();
    }
    let n = (rounds * per) as f64;
    let (fan, one) = (fan_ns as f64 / n, one_ns as f64 / n);
    println!("component fanout_8_devices_us {:.2}", fan / 1000.0);
    println!("component peer_encrypt_100B_us {:.2}", one / 1000.0);
    println!("ratio fanout_floor {:.3}", 8.0 * one / fan);
}
