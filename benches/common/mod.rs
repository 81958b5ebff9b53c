//! Shared pieces of the two bench binaries: criterion settings, the
//! interleaved timing loop used for the printed ratios, and a vestnik pair of
//! devices with an established session.
//!
//! Not every binary uses every item.
#![allow(dead_code)]

pub(crate) mod sender_keys;
pub(crate) mod workloads;

use criterion::Criterion;
use std::hint::black_box;
use std::time::{Duration, Instant};
use vestnik::{DeviceIdentity, PeerSessions, PreKeyBundle, PreKeyStore, Received};

/// The application message of every "100 B" workload (pads to 256 bytes).
pub(crate) const MSG_100: [u8; 100] = [0x42; 100];

/// Criterion with settings that keep each binary well under two minutes.
pub(crate) fn criterion() -> Criterion {
    Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(300))
        .sample_size(20)
        .configure_from_args()
}

/// True under `cargo bench` (which passes `--bench`); false under
/// `cargo test --benches` and `cargo bench -- --test`, where the ratio loops
/// only smoke-test the code.
pub(crate) fn full_run() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test")
}

/// True under criterion's `--profile-time`: only the selected criterion bench
/// should run (for a profiler), so the binaries skip their own loops.
pub(crate) fn profiling() -> bool {
    std::env::args().any(|a| a == "--profile-time")
}

/// Alternating rounds per measurement. Odd, so the median is one round; 7
/// rather than 5 because the shared machine preempts us often.
pub(crate) const ROUNDS: usize = 7;

/// Rounds and iterations per round for a ratio measurement: `full` is the
/// count for a real run (chosen so a round lasts tens of milliseconds, longer
/// than a scheduler time slice), a tiny count is used in test mode.
pub(crate) fn plan(full: usize) -> (usize, usize) {
    if full_run() { (ROUNDS, full) } else { (1, 2) }
}

/// Nanoseconds per iteration of `routine` over `n` inputs made by `setup`.
/// Inputs are all made before the clock starts and outputs are dropped after
/// it stops, as criterion's `iter_batched` does.
pub(crate) fn batch_ns<I, O>(n: usize, mut setup: impl FnMut() -> I, mut routine: impl FnMut(I) -> O) -> f64 {
    let inputs: Vec<I> = (0..n).map(|_| setup()).collect();
    let mut outputs: Vec<O> = Vec::with_capacity(n);
    let start = Instant::now();
    for input in inputs {
        outputs.push(black_box(routine(black_box(input))));
    }
    let elapsed = start.elapsed();
    drop(outputs);
    elapsed.as_nanos() as f64 / n.max(1) as f64
}

/// Nanoseconds per iteration of `routine` run `n` times (no setup).
pub(crate) fn loop_ns<O>(n: usize, mut routine: impl FnMut() -> O) -> f64 {
    batch_ns(n, || (), |()| routine())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Alternates `a` and `b` (each one round, returning ns per iteration) for
/// `rounds` rounds, `a` first, and returns the median of each side.
pub(crate) fn interleaved(rounds: usize, mut a: impl FnMut() -> f64, mut b: impl FnMut() -> f64) -> (f64, f64) {
    let mut ta = Vec::with_capacity(rounds);
    let mut tb = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        ta.push(a());
        tb.push(b());
    }
    (median(ta), median(tb))
}

/// One vestnik device: identity, prekeys, and its sessions with the other one.
pub(crate) struct Device {
    pub(crate) identity: DeviceIdentity,
    pub(crate) prekeys: PreKeyStore,
    pub(crate) peer: PeerSessions,
}

impl Device {
    pub(crate) fn send(&mut self, body: &[u8]) -> Vec<u8> {
        self.peer.encrypt(body, &mut rand::rng()).expect("encrypt")
    }

    pub(crate) fn recv(&mut self, wire: &[u8]) -> Received {
        self.peer.decrypt(&self.identity, &mut self.prekeys, wire, 0).expect("decrypt")
    }
}

/// Alice and Bob after a handshake with a one-time prekey and one exchange
/// each way (A -> B, B -> A, A -> B): neither side has an unanswered
/// initiation and Alice's sending chain is live, so Alice's next `encrypt`
/// stays on her chain and Bob's next `encrypt` takes a DH step.
pub(crate) fn vestnik_pair() -> (Device, Device) {
    let mut rng = rand::rng();
    let a_id = DeviceIdentity::generate(&mut rng);
    let b_id = DeviceIdentity::generate(&mut rng);
    let a_pre = PreKeyStore::new(&a_id, 0, &mut rng);
    let mut b_pre = PreKeyStore::new(&b_id, 0, &mut rng);
    let otk = b_pre.generate_one_time_prekeys(1, &mut rng).expect("one-time prekeys");
    let otk_id = otk.first().map(|o| o.id());
    let bundle = PreKeyBundle::from_bytes(&b_pre.bundle(&b_id, otk_id).to_bytes()).expect("bundle");
    let mut a_peer = PeerSessions::new(b_id.public());
    a_peer.initiate(&a_id, &bundle, 0, &mut rng).expect("initiate");
    let b_peer = PeerSessions::new(a_id.public());
    let mut a = Device { identity: a_id, prekeys: a_pre, peer: a_peer };
    let mut b = Device { identity: b_id, prekeys: b_pre, peer: b_peer };
    let w = a.send(b"hello");
    b.recv(&w);
    let w = b.send(b"hi");
    a.recv(&w);
    let w = a.send(b"on my chain now");
    b.recv(&w);
    assert!(!a.peer.awaiting_reply() && !b.peer.awaiting_reply());
    (a, b)
}
