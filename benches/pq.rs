//! The post-quantum handshake (issue 16): session setup with and without the
//! KEM, each against its primitive floor, the sizes, and KEM prekey
//! generation. Prints, besides criterion's report:
//!
//! - `ratio pq_setup_floor <floor / measured>` (target >= 0.8)
//! - `ratio pq_setup_overhead <classical setup / PQ setup>`
//! - `ratio classical_setup_floor <floor / measured>` for comparison
//! - `size ...` lines: bundles and the prekey message's overhead in bytes
//!
//! The floor is the sum of the primitive operations the setup must do, each
//! timed alone in this binary (see [`Floor`]): what remains is encoding,
//! validation bookkeeping and allocation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // benches may panic

mod common;

use common::workloads::Setup;
use common::{criterion, interleaved, loop_ns, plan};
use criterion::{BatchSize, Criterion};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use ml_kem::{Decapsulate, Encapsulate, Kem, KeyExport, MlKem768};
use sha2::Digest;
use std::hint::black_box;
use vestnik::crypto::testing as w;
use x25519_dalek::{PublicKey, StaticSecret};

/// The primitives of one setup, each timed alone. Counts, from
/// `PreKeyBundle::from_bytes`, `Session::initiate`/`respond` and
/// `handshake.rs` (the responder knows the initiator's identity already):
///
/// | primitive | classical | post-quantum |
/// |---|---|---|
/// | Ed25519 key import (decompress, small-order, torsion) | 1 | 1 |
/// | Ed25519 verify (identity certificate, signed prekey) | 2 | 2 |
/// | Ed25519 verify over 1,197 bytes (KEM prekey) | 0 | 1 |
/// | ML-KEM-768 encapsulation-key import (§7.2 check) | 0 | 1 |
/// | SHA-256 of the key (1,184 B) / of the ciphertext (1,088 B) | 0 / 0 | 1 / 2 |
/// | ML-KEM-768 encapsulation / decapsulation | 0 / 0 | 1 / 1 |
/// | X25519 key generation / DH | 1 / 8 | 1 / 8 |
/// | HKDF-SHA-256 to 64 bytes (handshake) | 2 | 2 |
/// | message seal / open (2 HMAC, HKDF expand, ChaCha20-Poly1305 on 256 B) | 1 / 1 | 1 / 1 |
struct Floor {
    ed_pub: [u8; 32],
    sig_short: (Vec<u8>, Signature),
    sig_kem: (Vec<u8>, Signature),
    ek_bytes: Vec<u8>,
    ek: ml_kem::EncapsulationKey<MlKem768>,
    dk: ml_kem::DecapsulationKey<MlKem768>,
    ct: ml_kem::Ciphertext<MlKem768>,
    x_secret: StaticSecret,
    x_public: PublicKey,
    ikm: Vec<u8>,
    info: Vec<u8>,
    sealed: Vec<u8>,
}

impl Floor {
    fn new() -> Self {
        let mut rng = rand::rng();
        let sk = SigningKey::generate(&mut rng);
        let short = vec![0x5a; 1 + 28 + 44];
        let long = vec![0x5b; 1 + 25 + 1197];
        let (dk, ek) = MlKem768::generate_keypair_from_rng(&mut rng);
        let (ct, _) = ek.encapsulate_with_rng(&mut rng);
        let x_secret = StaticSecret::random_from_rng(&mut rng);
        let x_public = PublicKey::from(&StaticSecret::random_from_rng(&mut rng));
        let sealed = w::chacha20poly1305_seal(&[1; 32], &[2; 12], &[3; 170], &[4; 256]);
        Self {
            ed_pub: sk.verifying_key().to_bytes(),
            sig_short: (short.clone(), sk.sign(&short)),
            sig_kem: (long.clone(), sk.sign(&long)),
            ek_bytes: ek.to_bytes().to_vec(),
            ek,
            dk,
            ct,
            x_secret,
            x_public,
            ikm: vec![0xff; 192],
            info: vec![0x33; 408],
            sealed,
        }
    }

    fn key_import(&self) -> bool {
        let vk = VerifyingKey::from_bytes(&self.ed_pub).unwrap();
        let p = vk.to_edwards();
        !p.is_small_order() && p.is_torsion_free()
    }
    fn verify_short(&self) -> bool {
        let vk = VerifyingKey::from_bytes(&self.ed_pub).unwrap();
        vk.verify_strict(&self.sig_short.0, &self.sig_short.1).is_ok()
    }
    fn verify_kem(&self) -> bool {
        let vk = VerifyingKey::from_bytes(&self.ed_pub).unwrap();
        vk.verify_strict(&self.sig_kem.0, &self.sig_kem.1).is_ok()
    }
    fn ek_import(&self) -> ml_kem::EncapsulationKey<MlKem768> {
        let arr: [u8; 1184] = self.ek_bytes.as_slice().try_into().unwrap();
        ml_kem::EncapsulationKey::<MlKem768>::new(&arr.into()).unwrap()
    }
    fn sha_ek(&self) -> [u8; 32] {
        sha2::Sha256::digest(&self.ek_bytes).into()
    }
    fn sha_ct(&self) -> [u8; 32] {
        sha2::Sha256::digest(self.ct.as_slice()).into()
    }
    fn encaps(&self) -> ml_kem::Ciphertext<MlKem768> {
        self.ek.encapsulate_with_rng(&mut rand::rng()).0
    }
    fn decaps(&self) -> [u8; 32] {
        self.dk.decapsulate(&self.ct).into()
    }
    fn x_keygen(&self) -> PublicKey {
        PublicKey::from(&StaticSecret::random_from_rng(&mut rand::rng()))
    }
    fn dh(&self) -> [u8; 32] {
        self.x_secret.diffie_hellman(&self.x_public).to_bytes()
    }
    fn hkdf(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        w::hkdf_sha256(&[0; 32], &self.ikm, &self.info, &mut out);
        out
    }
    fn seal(&self) -> Vec<u8> {
        let mk = w::hmac_sha256(&[7; 32], &[1]);
        let _ck = w::hmac_sha256(&[7; 32], &[2]);
        let mut kn = [0u8; 44];
        w::hkdf_sha256(&[], &mk, b"vestnik/v1/kdf/message-key", &mut kn);
        w::chacha20poly1305_seal(&[1; 32], &[2; 12], &[3; 170], &[4; 256])
    }
    fn open(&self) -> Option<Vec<u8>> {
        let mk = w::hmac_sha256(&[7; 32], &[1]);
        let _ck = w::hmac_sha256(&[7; 32], &[2]);
        let mut kn = [0u8; 44];
        w::hkdf_sha256(&[], &mk, b"vestnik/v1/kdf/message-key", &mut kn);
        w::chacha20poly1305_open(&[1; 32], &[2; 12], &[3; 170], &self.sealed)
    }

    /// Nanoseconds of (classical floor, post-quantum floor): every component
    /// timed alone (`n` iterations, median of the rounds), summed with the
    /// counts of the table above.
    fn measure(&self, rounds: usize, n: usize) -> (f64, f64) {
        let t = |f: &dyn Fn() -> f64| {
            let mut v: Vec<f64> = (0..rounds).map(|_| f()).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let key_import = t(&|| loop_ns(n, || self.key_import()));
        let verify = t(&|| loop_ns(n, || self.verify_short())) - key_import;
        let verify_kem = t(&|| loop_ns(n, || self.verify_kem())) - key_import;
        let ek_import = t(&|| loop_ns(n, || self.ek_import()));
        let sha_ek = t(&|| loop_ns(n, || self.sha_ek()));
        let sha_ct = t(&|| loop_ns(n, || self.sha_ct()));
        let encaps = t(&|| loop_ns(n, || self.encaps()));
        let decaps = t(&|| loop_ns(n, || self.decaps()));
        let x_keygen = t(&|| loop_ns(n, || self.x_keygen()));
        let dh = t(&|| loop_ns(n, || self.dh()));
        let hkdf = t(&|| loop_ns(n, || self.hkdf()));
        let seal = t(&|| loop_ns(n, || self.seal()));
        let open = t(&|| loop_ns(n, || self.open()));
        let classical = key_import + 2.0 * verify + x_keygen + 8.0 * dh + 2.0 * hkdf + seal + open;
        let pq = classical + verify_kem + ek_import + sha_ek + 2.0 * sha_ct + encaps + decaps;
        println!(
            "time primitives: ed25519 import {:.1} us, verify {:.1} us, verify 1197 B {:.1} us, x25519 keygen {:.1} us, dh {:.1} us",
            key_import / 1e3,
            verify / 1e3,
            verify_kem / 1e3,
            x_keygen / 1e3,
            dh / 1e3
        );
        println!(
            "time primitives: ml-kem-768 key import {:.1} us, encaps {:.1} us, decaps {:.1} us, sha256 ek {:.2} us, hkdf {:.2} us",
            ek_import / 1e3,
            encaps / 1e3,
            decaps / 1e3,
            sha_ek / 1e3,
            hkdf / 1e3
        );
        (classical, pq)
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("pq");
    let classical = Setup::new();
    let pq = Setup::post_quantum();
    g.bench_function("session_setup_classical", |b| {
        b.iter_batched(|| classical.input(), |i| classical.run(i), BatchSize::SmallInput)
    });
    g.bench_function("session_setup_pq", |b| b.iter_batched(|| pq.input(), |i| pq.run(i), BatchSize::SmallInput));
    let bob = vestnik::DeviceIdentity::generate(&mut rand::rng());
    g.bench_function("kem_prekeys_generate_100", |b| {
        b.iter_batched(
            || vestnik::PreKeyStore::new_classical(&bob, 0, &mut rand::rng()),
            |mut s| {
                s.generate_kem_prekeys(&bob, 100, 0, &mut rand::rng()).unwrap();
                s
            },
            BatchSize::SmallInput,
        )
    });
    let floor = Floor::new();
    g.bench_function("floor_mlkem768_encaps", |b| b.iter(|| floor.encaps()));
    g.bench_function("floor_mlkem768_decaps", |b| b.iter(|| floor.decaps()));
    g.finish();
}

fn print_ratios() {
    let classical = Setup::new();
    let pq = Setup::post_quantum();
    let floor = Floor::new();
    let (rounds, n) = plan(200);
    let batch = |s: &Setup| common::batch_ns(n, || s.input(), |i| s.run(i));
    let (tc, tp) = interleaved(rounds, || batch(&classical), || batch(&pq));
    let (fc, fp) = floor.measure(rounds, n.max(2));
    println!("time session_setup classical {:.1} us, floor {:.1} us", tc / 1e3, fc / 1e3);
    println!("time session_setup pq {:.1} us, floor {:.1} us", tp / 1e3, fp / 1e3);
    println!("ratio classical_setup_floor {:.3}", fc / tc);
    println!("ratio pq_setup_floor {:.3}", fp / tp);
    println!("ratio pq_setup_overhead {:.3}", tc / tp);
    let bob = vestnik::DeviceIdentity::generate(&mut rand::rng());
    let (rounds_kem, n_kem) = plan(5);
    let (t100, _) = interleaved(
        rounds_kem,
        || {
            common::batch_ns(
                n_kem,
                || vestnik::PreKeyStore::new_classical(&bob, 0, &mut rand::rng()),
                |mut s| {
                    s.generate_kem_prekeys(&bob, 100, 0, &mut rand::rng()).unwrap();
                    s
                },
            )
        },
        || 0.0,
    );
    println!("time kem_prekeys_generate_100 {:.2} ms", t100 / 1e6);
}

fn print_sizes() {
    let mut rng = rand::rng();
    let alice = vestnik::DeviceIdentity::generate(&mut rng);
    let bob = vestnik::DeviceIdentity::generate(&mut rng);
    let mut lax = vestnik::SessionLimits::default();
    lax.handshake_policy = vestnik::HandshakePolicy::AcceptClassical;
    let mut sizes = Vec::new();
    for pq in [false, true] {
        let mut store = if pq {
            vestnik::PreKeyStore::new(&bob, 0, &mut rng)
        } else {
            vestnik::PreKeyStore::new_classical(&bob, 0, &mut rng)
        };
        let otk = store.generate_one_time_prekeys(1, &mut rng).unwrap();
        let with = store.bundle(&bob, Some(otk[0].id()));
        let without = store.bundle(&bob, None).to_bytes().len();
        let mut a = vestnik::PeerSessions::with_limits(bob.public(), lax);
        a.initiate(&alice, &with, 0, &mut rng).unwrap();
        let first = a.encrypt(&common::MSG_100, &mut rng).unwrap().len();
        sizes.push((with.to_bytes().len(), without, first));
    }
    let (pair_a, pair_b) = common::workloads::round_trip_pair();
    let mut pair_a = pair_a;
    let ratchet = pair_a.send(&common::MSG_100).len();
    drop(pair_b);
    let name = ["classical", "pq"];
    for (i, (with, without, first)) in sizes.iter().enumerate() {
        println!("size bundle_{} {} bytes (without one-time prekey {} bytes)", name[i], with, without);
        println!(
            "size prekey_message_{} {} bytes (overhead over a {ratchet}-byte ratchet message: {} bytes)",
            name[i],
            first,
            first - ratchet
        );
    }
    println!("size pq_bundle_overhead {} bytes", sizes[1].0 - sizes[0].0);
    println!("size pq_prekey_message_overhead {} bytes", sizes[1].2 - sizes[0].2);
}

fn main() {
    let mut c = criterion();
    bench(&mut c);
    c.final_summary();
    if !common::profiling() {
        print_ratios();
        print_sizes();
    }
    black_box(());
}
