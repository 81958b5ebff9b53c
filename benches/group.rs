//! Group benchmarks (issue: group keys): encrypt and decrypt 100 B, decrypt
//! after 1,000 skipped, the full cost of a removal in a 30- and a
//! 1,000-member group, memory per stored sender chain, and each operation
//! against its primitive floor (one Ed25519 sign or strict verify, one chain
//! step, one AEAD over the padded 256 bytes).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // benches may panic

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use criterion::{BatchSize, Criterion};
use ed25519_dalek::Signer;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::hint::black_box;
use std::time::{Duration, Instant};
use vestnik::group::{GroupSession, RosterChange};
use vestnik::{ContentType, DeviceIdentity, IdentityPublic, PeerSessions, PreKeyStore};

/// A teacher and a student in a group, with the 1:1 sessions that carry distributions.
struct Pair {
    tg: GroupSession,
    sg: GroupSession,
    student: DeviceIdentity,
    s_pre: PreKeyStore,
    t_s: PeerSessions,
    s_t: PeerSessions,
}

impl Pair {
    fn new() -> Pair {
        let mut rng = rand::rng();
        let t = DeviceIdentity::generate(&mut rng);
        let student = DeviceIdentity::generate(&mut rng);
        let s_pre = PreKeyStore::new(&student, 0, &mut rng);
        let mut t_s = PeerSessions::new(student.public());
        let s_t = PeerSessions::new(t.public());
        t_s.initiate(&t, &s_pre.bundle(&student, None), 0, &mut rng).unwrap();
        let (tg, plan) = GroupSession::create(b"class", &t, &[student.public()], false, &mut rng).unwrap();
        let mut t_s = t_s;
        let mut s_t = s_t;
        let mut s_pre = s_pre;
        // The student joins from the teacher's signed roster log.
        let w = t_s.encrypt_typed(ContentType::SenderKeyDistribution, plan.sends()[0].payload(), &mut rng).unwrap();
        let r = s_t.decrypt(&student, &mut s_pre, &w, 0).unwrap();
        let (sg, _) = GroupSession::join(&student, &r, false, &mut rng).unwrap();
        let mut p = Pair { tg, sg, student, s_pre, t_s, s_t };
        p.deliver(plan.distribution());
        p
    }

    /// The teacher's distribution, through the 1:1 session, into the student's state.
    fn deliver(&mut self, d: &[u8]) {
        let w = self.t_s.encrypt_typed(ContentType::SenderKeyDistribution, d, &mut rand::rng()).unwrap();
        let r = self.s_t.decrypt(&self.student, &mut self.s_pre, &w, 0).unwrap();
        self.sg.process_distribution(&r).unwrap();
    }
}

fn pair_group() -> (GroupSession, GroupSession) {
    let p = Pair::new();
    (p.tg, p.sg)
}

/// Serialized size of a receiver's state holding 1 and then 5 chains of one sender.
fn chain_growth() -> (usize, usize) {
    let mut p = Pair::new();
    let one = p.sg.to_bytes().len();
    for _ in 0..4 {
        let plan = p.tg.rotate(&mut rand::rng());
        p.deliver(plan.distribution());
    }
    (one, p.sg.to_bytes().len())
}

/// A device in a group of `n` with 1:1 sessions to the other `n - 1`.
fn big_group(n: usize) -> (GroupSession, DeviceIdentity, Vec<PeerSessions>, Vec<IdentityPublic>) {
    let mut rng = rand::rng();
    let me = DeviceIdentity::generate(&mut rng);
    let mut sessions = Vec::new();
    let mut publics = Vec::new();
    for _ in 1..n {
        let other = DeviceIdentity::generate(&mut rng);
        let pre = PreKeyStore::new(&other, 0, &mut rng);
        let mut s = PeerSessions::new(other.public());
        s.initiate(&me, &pre.bundle(&other, None), 0, &mut rng).unwrap();
        publics.push(other.public());
        sessions.push(s);
    }
    let (g, _) = GroupSession::create(b"school", &me, &publics, false, &mut rng).unwrap();
    (g, me, sessions, publics)
}

const MSG: [u8; 100] = [0x41; 100];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Median nanoseconds per call of `f` over a few rounds.
fn time_ns(mut f: impl FnMut(), iters: u32) -> f64 {
    let mut rounds = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        for _ in 0..iters {
            f();
        }
        rounds.push(t.elapsed().as_nanos() as f64 / f64::from(iters));
    }
    median(rounds)
}

/// The floor: chain step (two HMACs under one key), HKDF-Expand to key and
/// nonce, ChaCha20-Poly1305 over 256 bytes, and an Ed25519 sign or verify.
fn floors() -> (f64, f64) {
    let mut rng = rand::rng();
    let sk = ed25519_dalek::SigningKey::generate(&mut rng);
    let vk = sk.verifying_key();
    let ck = [7u8; 32];
    let padded = [0u8; 256];
    let body = [1u8; 330];
    let sig = sk.sign(&body);
    let aead = |encrypt: bool| {
        let mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&ck).unwrap();
        let mut a = mac.clone();
        a.update(b"vestnik/v1/kdf/group-chain-message");
        let mk = a.finalize().into_bytes();
        let mut b = mac;
        b.update(b"vestnik/v1/kdf/group-chain-next");
        black_box(b.finalize().into_bytes());
        let hk = hkdf::Hkdf::<Sha256>::from_prk(&mk).unwrap();
        let mut okm = [0u8; 44];
        hk.expand(b"vestnik/v1/kdf/group-message-key", &mut okm).unwrap();
        let cipher = chacha20poly1305::ChaCha20Poly1305::new(okm[..32].try_into().unwrap());
        let nonce: [u8; 12] = okm[32..].try_into().unwrap();
        let ct = cipher.encrypt(&nonce.into(), Payload { msg: &padded, aad: b"ad" }).unwrap();
        if !encrypt {
            black_box(cipher.decrypt(&nonce.into(), Payload { msg: &ct, aad: b"ad" }).unwrap());
        }
        black_box(ct);
    };
    let enc = time_ns(
        || {
            aead(true);
            black_box(sk.sign(black_box(&body)));
        },
        2_000,
    );
    let dec = time_ns(
        || {
            aead(false);
            vk.verify_strict(black_box(&body), &sig).unwrap();
        },
        2_000,
    );
    (enc, dec)
}

fn main() {
    let mut c = Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(300))
        .sample_size(20)
        .configure_from_args();

    let (mut tg, sg) = pair_group();
    drop(sg);
    c.bench_function("group_encrypt_100B", |b| b.iter(|| tg.encrypt(black_box(&MSG)).unwrap()));
    {
        // A live receiver fed the sender's messages in order.
        let (mut t2, mut s2) = pair_group();
        c.bench_function("group_decrypt_100B", |b| {
            b.iter_batched(|| t2.encrypt(&MSG).unwrap(), |m| s2.decrypt(&m, 0).unwrap(), BatchSize::SmallInput)
        });
    }
    c.bench_function("group_decrypt_after_1000_skipped", |b| {
        b.iter_batched(
            || {
                let (mut t, s) = pair_group();
                for _ in 0..1000 {
                    t.encrypt(b"").unwrap();
                }
                (t.encrypt(&MSG).unwrap(), s)
            },
            |(m, mut g)| g.decrypt(&m, 0).unwrap(),
            BatchSize::SmallInput,
        )
    });
    let mut removal_ms = Vec::new();
    for n in [30usize, 1000] {
        let (g, me, sessions, publics) = big_group(n);
        let g_bytes = g.to_bytes().to_vec();
        let mut group = c.benchmark_group(format!("removal_{n}_members"));
        group.sample_size(10);
        group.bench_function("rotate_and_encrypt_distributions", |b| {
            b.iter_batched(
                || {
                    let live: Vec<PeerSessions> =
                        sessions.iter().map(|s| PeerSessions::from_bytes(&s.to_bytes()).unwrap()).collect();
                    (GroupSession::from_bytes(&g_bytes).unwrap(), live)
                },
                |(mut g, mut live)| {
                    let mut rng = rand::rng();
                    let removed = RosterChange::remove(&[publics[0]]);
                    let plan = g.change_roster(&me, &removed, 0, &mut rng).unwrap();
                    // Two 1:1 encryptions per remaining member: the signed entry and the new chain.
                    for send in plan.sends() {
                        for s in live.iter_mut().skip(1) {
                            let d = send.payload();
                            black_box(s.encrypt_typed(ContentType::SenderKeyDistribution, d, &mut rng).unwrap());
                        }
                    }
                    (g, live)
                },
                BatchSize::PerIteration,
            )
        });
        group.finish();
        // A direct measure of the same work without reloading sessions each time.
        let mut g = GroupSession::from_bytes(&g_bytes).unwrap();
        let mut live: Vec<PeerSessions> =
            sessions.iter().map(|s| PeerSessions::from_bytes(&s.to_bytes()).unwrap()).collect();
        let mut rng = rand::rng();
        let t = Instant::now();
        let plan = g.change_roster(&me, &RosterChange::remove(&[publics[0]]), 0, &mut rng).unwrap();
        for send in plan.sends() {
            for s in live.iter_mut().skip(1) {
                black_box(s.encrypt_typed(ContentType::SenderKeyDistribution, send.payload(), &mut rng).unwrap());
            }
        }
        removal_ms.push((n, t.elapsed().as_secs_f64() * 1e3, plan.recipients().len()));
    }

    // Ratios against the floor, measured in this binary.
    let (enc_floor, dec_floor) = floors();
    let enc = time_ns(|| drop(black_box(tg.encrypt(&MSG).unwrap())), 2_000);
    let (mut t3, mut s) = pair_group();
    let msgs: Vec<Vec<u8>> = (0..4_000).map(|_| t3.encrypt(&MSG).unwrap()).collect();
    let mut it = msgs.iter();
    let dec = time_ns(|| drop(black_box(s.decrypt(it.next().unwrap(), 0).unwrap())), 500);
    println!("floor group_encrypt_100B {enc_floor:.0} ns, vestnik {enc:.0} ns");
    println!("floor group_decrypt_100B {dec_floor:.0} ns, vestnik {dec:.0} ns");
    println!("floor_ratio group_encrypt_100B {:.3}", enc / enc_floor);
    println!("floor_ratio group_decrypt_100B {:.3}", dec / dec_floor);
    for (n, ms, sent) in removal_ms {
        println!("removal_cost members={n} one_to_one_messages={sent} time_ms={ms:.2}");
    }
    // Memory per stored sender chain: the state's growth per extra chain of one sender.
    let (one, five) = chain_growth();
    println!(
        "memory_per_sender_chain serialized_bytes={:.0} (state with 1 chain: {one} B, with 5: {five} B)",
        (five - one) as f64 / 4.0
    );
    c.final_summary();
}
