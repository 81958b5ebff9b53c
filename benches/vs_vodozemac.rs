//! vestnik against vodozemac's Olm (issue 2) on the same workloads, in one
//! binary, vestnik then vodozemac for each workload.
//!
//! Both sides go bytes to bytes: vestnik's API takes and returns wire bytes;
//! for Olm the benches include `OlmMessage::to_parts` after `encrypt` and
//! `OlmMessage::from_parts` before `decrypt` (no base64). Olm uses
//! `SessionConfig::version_1()` (the Matrix `m.olm.v1` format; version 2
//! needs vodozemac's experimental feature).
//!
//! Differences that are part of the protocols, not of the benches:
//! - vestnik pads 100 B to 256 B and uses ChaCha20-Poly1305; Olm v1 pads to
//!   the AES block (112 B), AES-256-CBC + HMAC-SHA-256 truncated to 8 bytes.
//! - vestnik's setup validates the bundle (Ed25519 key import checks and two
//!   `verify_strict`) and does 4 DH per side; Olm's `create_outbound_session`
//!   checks no signature (Matrix clients verify the signed one-time key
//!   outside vodozemac) and does 3 DH per side.
//! - After a gap, vestnik derives and stores every skipped key (up to 2,000);
//!   Olm (MAX_MESSAGE_GAP = 2,000) stores only the last 40 and merely advances
//!   the chain over the rest. 1,000 is within both limits.
//!
//! After criterion the binary times each workload itself (7 alternating
//! rounds, vestnik first, median per side) and prints one line per workload:
//! `ratio <workload> <vodozemac_time / vestnik_time>` (above 1: vestnik faster).
//! Group workloads compare vestnik's sender keys with Megolm (v1): vestnik
//! signs every message with Ed25519 and verifies before decrypting; Megolm
//! v1 does the same (Ed25519 signature per message).
//!
//! Run: `cargo bench --bench vs_vodozemac`.

// A bench that cannot set up its workload should stop loudly: unwrap/expect
// here are not reachable by any input an attacker controls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::workloads::{Setup, Skipped, round_trip, round_trip_pair};
use common::{MSG_100, batch_ns, criterion, interleaved, loop_ns, plan, vestnik_pair};
use criterion::{BatchSize, Criterion};
use std::hint::black_box;
use vestnik::ContentType;
use vestnik::group::GroupSession;
use vodozemac::Curve25519PublicKey;
use vodozemac::megolm::{GroupSession as MegolmOut, InboundGroupSession, MegolmMessage, SessionConfig as MegolmConfig};
use vodozemac::olm::{Account, InboundCreationResult, OlmMessage, PreKeyMessage, Session, SessionConfig};

/// An Olm message as bytes: (message type, body).
type Wire = (usize, Vec<u8>);

fn olm_send(s: &mut Session, body: &[u8]) -> Wire {
    s.encrypt(body).expect("olm encrypt").to_parts()
}

fn olm_recv(s: &mut Session, (ty, bytes): &Wire) -> Vec<u8> {
    let m = OlmMessage::from_parts(*ty, bytes).expect("olm decode");
    s.decrypt(&m).expect("olm decrypt")
}

fn olm_prekey(ty: usize, bytes: &[u8]) -> PreKeyMessage {
    match OlmMessage::from_parts(ty, bytes).expect("olm decode") {
        OlmMessage::PreKey(m) => Some(m),
        OlmMessage::Normal(_) => None,
    }
    .expect("a pre-key message")
}

/// Olm session setup: Alice's account is fixed; each iteration gets a fresh
/// account for Bob with one published one-time key (made outside the timing,
/// as vestnik's prekey store and bundle are).
struct OlmSetup {
    alice: Account,
}

impl OlmSetup {
    fn new() -> Self {
        Self { alice: Account::new() }
    }

    fn input(&self) -> (Account, Curve25519PublicKey) {
        let mut bob = Account::new();
        let otk = bob.generate_one_time_keys(1).created.first().copied().expect("one-time key");
        bob.mark_keys_as_published();
        (bob, otk)
    }

    /// Alice creates the outbound session and encrypts 100 B; Bob creates the
    /// inbound session, which decrypts it.
    fn run(&self, (mut bob, otk): (Account, Curve25519PublicKey)) -> (Session, InboundCreationResult, Account) {
        let mut a = self
            .alice
            .create_outbound_session(SessionConfig::version_1(), bob.curve25519_key(), otk)
            .expect("outbound");
        let (ty, bytes) = olm_send(&mut a, &MSG_100);
        let m = olm_prekey(ty, &bytes);
        let got =
            bob.create_inbound_session(SessionConfig::version_1(), self.alice.curve25519_key(), &m).expect("inbound");
        (a, got, bob)
    }
}

/// Olm's counterpart of `vestnik_pair`: handshake, then A -> B, B -> A,
/// A -> B, so Alice's sending chain is live.
fn olm_pair() -> (Session, Session) {
    let alice = Account::new();
    let mut bob = Account::new();
    let otk = bob.generate_one_time_keys(1).created.first().copied().expect("one-time key");
    bob.mark_keys_as_published();
    let mut a = alice.create_outbound_session(SessionConfig::version_1(), bob.curve25519_key(), otk).expect("outbound");
    let (ty, bytes) = olm_send(&mut a, b"hello");
    let m = olm_prekey(ty, &bytes);
    let mut b =
        bob.create_inbound_session(SessionConfig::version_1(), alice.curve25519_key(), &m).expect("inbound").session;
    let w = olm_send(&mut b, b"hi");
    olm_recv(&mut a, &w);
    let w = olm_send(&mut a, b"on my chain now");
    olm_recv(&mut b, &w);
    (a, b)
}

/// Bob has just answered: every send after a receive takes a DH step.
fn olm_round_trip_pair() -> (Session, Session) {
    let (mut a, mut b) = olm_pair();
    let w = olm_send(&mut b, b"your turn");
    olm_recv(&mut a, &w);
    (a, b)
}

fn olm_round_trip(a: &mut Session, b: &mut Session) -> (Vec<u8>, Vec<u8>) {
    let w = olm_send(a, &MSG_100);
    let r1 = olm_recv(b, &w);
    let w = olm_send(b, &MSG_100);
    let r2 = olm_recv(a, &w);
    (r1, r2)
}

/// Message #`skip` of a new chain of Alice's, 0..skip never delivered; Bob's
/// session is restored from a pickle (untimed) for every iteration.
struct OlmSkipped {
    bob: Session,
    wire: Wire,
}

impl OlmSkipped {
    fn new(skip: u32) -> Self {
        let (mut a, b) = olm_round_trip_pair();
        for _ in 0..skip {
            olm_send(&mut a, &MSG_100);
        }
        let wire = olm_send(&mut a, &MSG_100);
        Self { bob: b, wire }
    }

    fn input(&self) -> Session {
        Session::from_pickle(self.bob.pickle())
    }

    fn run(&self, mut s: Session) -> (Session, Vec<u8>) {
        let got = olm_recv(&mut s, &self.wire);
        (s, got)
    }
}

fn bench_all(c: &mut Criterion) {
    let mut g = c.benchmark_group("session_setup");
    let setup = Setup::new();
    g.bench_function("vestnik", |b| b.iter_batched(|| setup.input(), |i| setup.run(i), BatchSize::SmallInput));
    let olm_setup = OlmSetup::new();
    g.bench_function("vodozemac", |b| {
        b.iter_batched(|| olm_setup.input(), |i| olm_setup.run(i), BatchSize::SmallInput)
    });
    g.finish();

    let mut g = c.benchmark_group("encrypt_100B");
    let (mut a, _b) = vestnik_pair();
    let mut rng = rand::rng();
    g.bench_function("vestnik", |b| b.iter(|| a.peer.encrypt(black_box(&MSG_100), &mut rng).expect("encrypt")));
    let (mut oa, _ob) = olm_pair();
    g.bench_function("vodozemac", |b| b.iter(|| olm_send(&mut oa, black_box(&MSG_100))));
    g.finish();

    // Fresh messages are made in the (untimed) setup and decrypted in order.
    let mut g = c.benchmark_group("decrypt_100B");
    let (mut a, mut b) = vestnik_pair();
    g.bench_function("vestnik", |bn| bn.iter_batched(|| a.send(&MSG_100), |w| b.recv(&w), BatchSize::SmallInput));
    let (mut oa, mut ob) = olm_pair();
    g.bench_function("vodozemac", |bn| {
        bn.iter_batched(|| olm_send(&mut oa, &MSG_100), |w| olm_recv(&mut ob, &w), BatchSize::SmallInput)
    });
    g.finish();

    let mut g = c.benchmark_group("round_trip_dh");
    let (mut a, mut b) = round_trip_pair();
    g.bench_function("vestnik", |bn| bn.iter(|| round_trip(&mut a, &mut b)));
    let (mut oa, mut ob) = olm_round_trip_pair();
    g.bench_function("vodozemac", |bn| bn.iter(|| olm_round_trip(&mut oa, &mut ob)));
    g.finish();

    let mut g = c.benchmark_group("decrypt_after_1000_skipped");
    let mut skipped = Skipped::new(1000);
    let (mut load, mut run) = skipped.parts();
    g.bench_function("vestnik", |bn| bn.iter_batched(&mut load, &mut run, BatchSize::SmallInput));
    let olm_skipped = OlmSkipped::new(1000);
    g.bench_function("vodozemac", |bn| {
        bn.iter_batched(|| olm_skipped.input(), |s| olm_skipped.run(s), BatchSize::SmallInput)
    });
    g.finish();
}

/// A teacher's and a student's group states, the teacher's chain delivered
/// over their 1:1 session.
fn vestnik_group_pair() -> (GroupSession, GroupSession) {
    let (mut a, mut b) = vestnik_pair();
    let mut rng = rand::rng();
    let (tg, plan) =
        GroupSession::create(b"class", &a.identity, &[b.identity.public()], false, &mut rng).expect("group");
    // The student joins from the teacher's signed roster log, then installs the chain.
    let log = a
        .peer
        .encrypt_typed(ContentType::SenderKeyDistribution, plan.sends().first().expect("log").payload(), &mut rng)
        .expect("send");
    let received = b.recv(&log);
    let (mut sg, _) = GroupSession::join(&b.identity, &received, false, &mut rng).expect("join");
    let w = a.peer.encrypt_typed(ContentType::SenderKeyDistribution, plan.distribution(), &mut rng).expect("send");
    sg.process_distribution(&b.recv(&w)).expect("distribution");
    (tg, sg)
}

/// Prints the ratio line (and the two times) for one workload.
fn report(workload: &str, (vestnik, vodozemac): (f64, f64)) {
    println!("time {workload} vestnik {:.2} us, vodozemac {:.2} us", vestnik / 1e3, vodozemac / 1e3);
    println!("ratio {workload} {:.3}", vodozemac / vestnik);
}

/// Own interleaved timing on fresh state (criterion's runs pushed the bench
/// states far along): per workload, `ROUNDS` rounds of vestnik then vodozemac.
fn print_ratios() {
    let setup = Setup::new();
    let olm_setup = OlmSetup::new();
    let (rounds, n) = plan(200);
    report(
        "session_setup",
        interleaved(
            rounds,
            || batch_ns(n, || setup.input(), |i| setup.run(i)),
            || batch_ns(n, || olm_setup.input(), |i| olm_setup.run(i)),
        ),
    );

    let (mut a, _b) = vestnik_pair();
    let (mut oa, _ob) = olm_pair();
    let mut rng = rand::rng();
    let (rounds, n) = plan(20_000);
    report(
        "encrypt_100B",
        interleaved(
            rounds,
            || loop_ns(n, || a.peer.encrypt(black_box(&MSG_100), &mut rng).expect("encrypt")),
            || loop_ns(n, || olm_send(&mut oa, black_box(&MSG_100))),
        ),
    );

    let (mut a, mut b) = vestnik_pair();
    let (mut oa, mut ob) = olm_pair();
    let (rounds, n) = plan(20_000);
    report(
        "decrypt_100B",
        interleaved(
            rounds,
            || batch_ns(n, || a.send(&MSG_100), |w| b.recv(&w)),
            || batch_ns(n, || olm_send(&mut oa, &MSG_100), |w| olm_recv(&mut ob, &w)),
        ),
    );

    let (mut a, mut b) = round_trip_pair();
    let (mut oa, mut ob) = olm_round_trip_pair();
    let (rounds, n) = plan(500);
    report(
        "round_trip_dh",
        interleaved(
            rounds,
            || loop_ns(n, || round_trip(&mut a, &mut b)),
            || loop_ns(n, || olm_round_trip(&mut oa, &mut ob)),
        ),
    );

    let mut skipped = Skipped::new(1000);
    let (mut load, mut run) = skipped.parts();
    let olm_skipped = OlmSkipped::new(1000);
    let (rounds, n) = plan(100);
    report(
        "decrypt_after_1000_skipped",
        interleaved(
            rounds,
            || batch_ns(n, &mut load, &mut run),
            || batch_ns(n, || olm_skipped.input(), |s| olm_skipped.run(s)),
        ),
    );

    // Groups (issue 3): vestnik sender keys against Megolm, bytes to bytes.
    let (mut tg, _) = vestnik_group_pair();
    let mut out = MegolmOut::new(MegolmConfig::version_1());
    let (rounds, n) = plan(20_000);
    report(
        "group_encrypt_100B",
        interleaved(
            rounds,
            || loop_ns(n, || tg.encrypt(black_box(&MSG_100)).expect("group encrypt")),
            || loop_ns(n, || out.encrypt(black_box(MSG_100)).to_bytes()),
        ),
    );
    // Fresh chains: the encrypt rounds moved the old ones far ahead.
    let (mut tg, mut sg) = vestnik_group_pair();
    let mut out = MegolmOut::new(MegolmConfig::version_1());
    let mut inbound = InboundGroupSession::new(&out.session_key(), MegolmConfig::version_1());
    let (rounds, n) = plan(5_000);
    report(
        "group_decrypt_100B",
        interleaved(
            rounds,
            || {
                batch_ns(
                    n,
                    || tg.encrypt(&MSG_100).expect("group encrypt"),
                    |m| sg.decrypt(&m, 0).expect("group decrypt"),
                )
            },
            || {
                batch_ns(
                    n,
                    || out.encrypt(MSG_100).to_bytes(),
                    |m| {
                        inbound.decrypt(&MegolmMessage::from_bytes(&m).expect("megolm decode")).expect("megolm decrypt")
                    },
                )
            },
        ),
    );

    // Context for the sizes printed by the `session` bench.
    let (mut oa, _ob) = olm_pair();
    let (_, bytes) = olm_send(&mut oa, &MSG_100);
    let setup = OlmSetup::new();
    let (_, otk) = setup.input();
    let bob = Account::new();
    let mut s =
        setup.alice.create_outbound_session(SessionConfig::version_1(), bob.curve25519_key(), otk).expect("outbound");
    let (_, pre) = olm_send(&mut s, &MSG_100);
    println!("info olm_wire_len_100B normal {} bytes, pre-key {} bytes", bytes.len(), pre.len());
}

fn main() {
    let mut c = criterion();
    bench_all(&mut c);
    c.final_summary();
    if !common::profiling() {
        print_ratios();
    }
}
