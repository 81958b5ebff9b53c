//! Criterion benches of vestnik's 1:1 sessions (issue 2), the primitive
//! floors they are compared with, and a few sizes.
//!
//! After criterion, the binary prints (from its own interleaved timing loop,
//! not from criterion's output):
//! - `floor_ratio <workload> <vestnik_time / floor_time>`
//! - `size ...` and `overhead ...` lines (serialized state, wire framing)
//! - `component <name> <us>`: single primitives and vestnik internals, to
//!   explain the ratios.
//!
//! Run: `cargo bench --bench session`.

// A bench that cannot set up its workload should stop loudly: unwrap/expect
// here are not reachable by any input an attacker controls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::workloads::{Setup, Skipped, round_trip, round_trip_pair};
use common::{MSG_100, batch_ns, criterion, interleaved, loop_ns, plan, vestnik_pair};
use criterion::{BatchSize, Criterion};
use std::hint::black_box;

fn bench_vestnik(c: &mut Criterion) {
    let mut g = c.benchmark_group("vestnik");

    let setup = Setup::new();
    g.bench_function("session_setup", |b| b.iter_batched(|| setup.input(), |i| setup.run(i), BatchSize::SmallInput));

    let (mut a, _b) = vestnik_pair();
    let mut rng = rand::rng();
    g.bench_function("encrypt_100B", |b| b.iter(|| a.peer.encrypt(black_box(&MSG_100), &mut rng).expect("encrypt")));

    // Fresh messages are made in the (untimed) setup and decrypted in order.
    let (mut a, mut b) = vestnik_pair();
    g.bench_function("decrypt_100B", |bn| bn.iter_batched(|| a.send(&MSG_100), |w| b.recv(&w), BatchSize::SmallInput));

    let (mut a, mut b) = round_trip_pair();
    g.bench_function("round_trip_dh", |bn| bn.iter(|| round_trip(&mut a, &mut b)));

    let mut skipped = Skipped::new(1000);
    let (mut load, mut run) = skipped.parts();
    g.bench_function("decrypt_after_1000_skipped", |bn| bn.iter_batched(&mut load, &mut run, BatchSize::SmallInput));
    g.finish();
}

/// The primitive floors: the same dependency crates the crate uses, doing
/// only the cryptographic operations each workload needs, with no encoding,
/// no allocation beyond what the primitives do, no state management.
mod floor {
    use chacha20poly1305::ChaCha20Poly1305;
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
    use hkdf::Hkdf;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;
    use x25519_dalek::{PublicKey, StaticSecret};

    /// Padded size of a 100-byte message.
    const PADDED: usize = 256;
    /// Associated data of a vestnik message: 29-byte label, two Ed25519 keys,
    /// and a ~36-byte encoded ratchet header.
    const AD_LEN: usize = 29 + 64 + 36;
    /// `len || "vestnik/v1/sig/identity-dh-key" || X25519 key`.
    const CERT_INPUT_LEN: usize = 1 + 30 + 32;
    /// `len || "vestnik/v1/sig/signed-prekey" || id || created_at || key`.
    const SPK_INPUT_LEN: usize = 1 + 28 + 44;
    /// `"vestnik/v1/kdf/x3dh" || ID_A (128) || ID_B (128) || EK || SPK || OPK`.
    const X3DH_INFO_LEN: usize = 19 + 128 + 128 + 32 * 3;

    fn contributory(ours: &StaticSecret, theirs: &PublicKey) -> [u8; 32] {
        let s = ours.diffie_hellman(theirs);
        assert!(s.was_contributory());
        s.to_bytes()
    }

    fn hkdf64(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; 64] {
        let mut okm = [0u8; 64];
        Hkdf::<Sha256>::new(Some(salt), ikm).expand(info, &mut okm).expect("64 bytes");
        okm
    }

    /// `KDF_CK`: one keyed HMAC, two finalizations (message key, next chain key).
    fn chain_step(ck: &[u8]) -> ([u8; 32], [u8; 32]) {
        let mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(ck).expect("any key length");
        let mut m = mac.clone();
        m.update(&[1]);
        let mut n = mac;
        n.update(&[2]);
        (m.finalize().into_bytes().into(), n.finalize().into_bytes().into())
    }

    /// Message key -> AEAD key and nonce (HKDF-Expand, 44 bytes), then a cipher.
    fn message_cipher(mk: &[u8; 32]) -> (ChaCha20Poly1305, [u8; 12]) {
        let mut okm = [0u8; 44];
        Hkdf::<Sha256>::from_prk(mk).expect("32-byte prk").expand(b"vestnik/v1/kdf/message-key", &mut okm).expect("44");
        let (k, n) = okm.split_at(32);
        let key: [u8; 32] = k.try_into().expect("32");
        let nonce: [u8; 12] = n.try_into().expect("12");
        (ChaCha20Poly1305::new(&key.into()), nonce)
    }

    fn seal(ck: &[u8], ad: &[u8], pt: &[u8]) -> Vec<u8> {
        let (mk, _next) = chain_step(ck);
        let (cipher, nonce) = message_cipher(&mk);
        cipher.encrypt(&nonce.into(), Payload { msg: pt, aad: ad }).expect("seal")
    }

    fn open(ck: &[u8], ad: &[u8], ct: &[u8]) -> Vec<u8> {
        let (mk, _next) = chain_step(ck);
        let (cipher, nonce) = message_cipher(&mk);
        cipher.decrypt(&nonce.into(), Payload { msg: ct, aad: ad }).expect("open")
    }

    /// Setup floor, counted from `PreKeyBundle::from_bytes`,
    /// `IdentityPublic::from_parts`, `crypto::sig::VerifyingKey::from_bytes`,
    /// `Session::initiate` / `Session::respond` and `handshake.rs`:
    ///
    /// initiator
    /// - Ed25519 identity key import: one decompression, the small-order
    ///   check and the torsion check (`is_torsion_free`, as vestnik calls it).
    ///   vestnik also re-compresses the point (canonical-encoding check) and
    ///   decompresses it a second time inside `ed25519_dalek::VerifyingKey::
    ///   from_bytes`; the floor does neither (a byte comparison checks
    ///   canonicality), so those two field inversions count as overhead.
    /// - 2 x `verify_strict`: the identity certificate over the X25519
    ///   identity key, and the signed-prekey signature. (`PreKeyBundle::new`
    ///   verifies the signed prekey once; nothing else verifies.)
    /// - 1 X25519 key generation (the base key), 4 X25519 DH (with a
    ///   one-time prekey), HKDF-SHA-256 extract+expand to 64 bytes.
    /// - first message: chain step (HMAC), message-key expand (HKDF),
    ///   ChaCha20-Poly1305 seal of 256 bytes.
    ///
    /// responder: 4 X25519 DH, the same HKDF, chain step, expand, open.
    /// (The responder already knows the initiator's identity, as in the
    /// vestnik workload, so it validates no key or signature.)
    pub(crate) struct SetupFloor {
        alice_ik: StaticSecret,
        alice_ik_pub: PublicKey,
        bob_ed: [u8; 32],
        bob_ik: StaticSecret,
        bob_ik_pub: PublicKey,
        bob_spk: StaticSecret,
        bob_spk_pub: PublicKey,
        bob_otk: StaticSecret,
        bob_otk_pub: PublicKey,
        cert_input: Vec<u8>,
        cert_sig: [u8; 64],
        spk_input: Vec<u8>,
        spk_sig: [u8; 64],
        info: Vec<u8>,
        ad: Vec<u8>,
        pt: Vec<u8>,
    }

    impl SetupFloor {
        pub(crate) fn new() -> Self {
            let mut rng = rand::rng();
            let x = |rng: &mut rand::rngs::ThreadRng| {
                let s = StaticSecret::random_from_rng(rng);
                let p = PublicKey::from(&s);
                (s, p)
            };
            let (alice_ik, alice_ik_pub) = x(&mut rng);
            let (bob_ik, bob_ik_pub) = x(&mut rng);
            let (bob_spk, bob_spk_pub) = x(&mut rng);
            let (bob_otk, bob_otk_pub) = x(&mut rng);
            let bob_sign = SigningKey::generate(&mut rng);
            let mut cert_input = vec![0x5a; CERT_INPUT_LEN];
            if let Some(k) = cert_input.get_mut(CERT_INPUT_LEN - 32..) {
                k.copy_from_slice(bob_ik_pub.as_bytes());
            }
            let mut spk_input = vec![0x5b; SPK_INPUT_LEN];
            if let Some(k) = spk_input.get_mut(SPK_INPUT_LEN - 32..) {
                k.copy_from_slice(bob_spk_pub.as_bytes());
            }
            Self {
                alice_ik,
                alice_ik_pub,
                bob_ed: bob_sign.verifying_key().to_bytes(),
                bob_ik,
                bob_ik_pub,
                bob_spk,
                bob_spk_pub,
                bob_otk,
                bob_otk_pub,
                cert_sig: bob_sign.sign(&cert_input).to_bytes(),
                cert_input,
                spk_sig: bob_sign.sign(&spk_input).to_bytes(),
                spk_input,
                info: vec![0x33; X3DH_INFO_LEN],
                ad: vec![0x44; AD_LEN],
                pt: vec![0x42; PADDED],
            }
        }

        /// One setup's primitives; returns the responder's plaintext.
        pub(crate) fn run(&self) -> Vec<u8> {
            // Initiator: validate the bundle.
            let vk = VerifyingKey::from_bytes(&self.bob_ed).expect("decompress");
            let point = vk.to_edwards();
            assert!(!point.is_small_order() && point.is_torsion_free());
            vk.verify_strict(&self.cert_input, &Signature::from_bytes(&self.cert_sig)).expect("cert");
            vk.verify_strict(&self.spk_input, &Signature::from_bytes(&self.spk_sig)).expect("spk");
            // Initiator: base key, 4 DH, KDF, first message.
            let ek = StaticSecret::random_from_rng(&mut rand::rng());
            let ek_pub = PublicKey::from(&ek);
            let mut ikm = [0xffu8; 160];
            for (chunk, dh) in ikm.chunks_exact_mut(32).skip(1).zip([
                contributory(&self.alice_ik, &self.bob_spk_pub),
                contributory(&ek, &self.bob_ik_pub),
                contributory(&ek, &self.bob_spk_pub),
                contributory(&ek, &self.bob_otk_pub),
            ]) {
                chunk.copy_from_slice(&dh);
            }
            let okm = hkdf64(&[0u8; 32], &ikm, &self.info);
            let ct = seal(okm.get(32..).expect("ck"), &self.ad, &self.pt);
            // Responder: 4 DH, KDF, open.
            let mut ikm = [0xffu8; 160];
            for (chunk, dh) in ikm.chunks_exact_mut(32).skip(1).zip([
                contributory(&self.bob_spk, &self.alice_ik_pub),
                contributory(&self.bob_ik, &ek_pub),
                contributory(&self.bob_spk, &ek_pub),
                contributory(&self.bob_otk, &ek_pub),
            ]) {
                chunk.copy_from_slice(&dh);
            }
            let okm = hkdf64(&[0u8; 32], &ikm, &self.info);
            open(okm.get(32..).expect("ck"), &self.ad, &ct)
        }
    }

    /// One message on an established chain, without a DH step: chain step,
    /// message-key expand and AEAD over 256 bytes (the floor of encrypt and
    /// decrypt of 100 B). Returns (sealer, opener) with fixed inputs.
    pub(crate) fn message_floor() -> (impl FnMut() -> Vec<u8>, impl FnMut() -> Vec<u8>) {
        let ck = [3u8; 32];
        let ad = vec![0x44; AD_LEN];
        let pt = vec![0x42; PADDED];
        let ct = seal(&ck, &ad, &pt);
        let ad2 = ad.clone();
        (move || seal(&ck, &ad, &pt), move || open(&ck, &ad2, &ct))
    }

    /// Round-trip floor. Per direction: one X25519 key generation, two
    /// X25519 (the sender's DH step and the receiver's), two root-key HKDFs
    /// (one each side), two chain steps, two message-key expands, one
    /// ChaCha20-Poly1305 seal and one open of 256 bytes.
    pub(crate) struct RoundTripFloor {
        a: StaticSecret,
        a_pub: PublicKey,
        b: StaticSecret,
        b_pub: PublicKey,
        root: [u8; 32],
        ad: Vec<u8>,
        pt: Vec<u8>,
    }

    impl RoundTripFloor {
        pub(crate) fn new() -> Self {
            let mut rng = rand::rng();
            let a = StaticSecret::random_from_rng(&mut rng);
            let b = StaticSecret::random_from_rng(&mut rng);
            Self {
                a_pub: PublicKey::from(&a),
                b_pub: PublicKey::from(&b),
                a,
                b,
                root: [7; 32],
                ad: vec![0x44; AD_LEN],
                pt: vec![0x42; PADDED],
            }
        }

        /// One message with a DH step; the sender's key pair is replaced.
        fn direction(
            sender: &mut StaticSecret,
            sender_pub: &mut PublicKey,
            receiver: &StaticSecret,
            receiver_pub: &PublicKey,
            root: &mut [u8; 32],
            ad: &[u8],
            pt: &[u8],
        ) -> Vec<u8> {
            let fresh = StaticSecret::random_from_rng(&mut rand::rng());
            let fresh_pub = PublicKey::from(&fresh);
            // Sender's DH step and message.
            let dh = contributory(&fresh, receiver_pub);
            let okm = hkdf64(root, &dh, b"vestnik/v1/kdf/ratchet-root");
            let ct = seal(okm.get(32..).expect("ck"), ad, pt);
            // Receiver's DH step and message.
            let dh = contributory(receiver, &fresh_pub);
            let okm = hkdf64(root, &dh, b"vestnik/v1/kdf/ratchet-root");
            let out = open(okm.get(32..).expect("ck"), ad, &ct);
            root.copy_from_slice(okm.get(..32).expect("rk"));
            *sender = fresh;
            *sender_pub = fresh_pub;
            out
        }

        /// A -> B then B -> A.
        pub(crate) fn run(&mut self) -> (Vec<u8>, Vec<u8>) {
            let x =
                Self::direction(&mut self.a, &mut self.a_pub, &self.b, &self.b_pub, &mut self.root, &self.ad, &self.pt);
            let y =
                Self::direction(&mut self.b, &mut self.b_pub, &self.a, &self.a_pub, &mut self.root, &self.ad, &self.pt);
            (x, y)
        }
    }
}

fn bench_floors(c: &mut Criterion) {
    let mut g = c.benchmark_group("floor");
    let setup = floor::SetupFloor::new();
    g.bench_function("session_setup", |b| b.iter(|| setup.run()));
    let mut rt = floor::RoundTripFloor::new();
    g.bench_function("round_trip_dh", |b| b.iter(|| rt.run()));
    g.finish();
}

/// vestnik / floor, interleaved (vestnik first), medians of the rounds.
fn print_floor_ratios() {
    let setup = Setup::new();
    let setup_floor = floor::SetupFloor::new();
    let (rounds, n) = plan(200);
    let (v, f) =
        interleaved(rounds, || batch_ns(n, || setup.input(), |i| setup.run(i)), || loop_ns(n, || setup_floor.run()));
    println!("time vestnik session_setup {:.1} us, floor {:.1} us", v / 1e3, f / 1e3);
    println!("floor_ratio session_setup {:.3}", v / f);

    let (mut a, mut b) = round_trip_pair();
    let mut rt_floor = floor::RoundTripFloor::new();
    let (rounds, n) = plan(500);
    let (v, f) = interleaved(rounds, || loop_ns(n, || round_trip(&mut a, &mut b)), || loop_ns(n, || rt_floor.run()));
    println!("time vestnik round_trip_dh {:.1} us, floor {:.1} us", v / 1e3, f / 1e3);
    println!("floor_ratio round_trip_dh {:.3}", v / f);
}

fn print_sizes() {
    // Fresh sessions, right after setup on each side.
    let setup = Setup::new();
    let (a, b, _, _) = setup.run(setup.input());
    println!("size fresh_session_initiator {} bytes", a.to_bytes().len());
    println!("size fresh_session_responder {} bytes", b.to_bytes().len());

    // A session holding 2,000 skipped keys: message #2000 of a new chain of
    // Alice's is delivered first.
    let (mut a, mut b) = round_trip_pair();
    for _ in 0..2000 {
        a.send(&MSG_100);
    }
    let w = a.send(&MSG_100);
    b.recv(&w);
    println!(
        "size session_with_2000_skipped {} bytes (skipped_key_count {})",
        b.peer.to_bytes().len(),
        b.peer.skipped_key_count()
    );

    // Framing overhead: wire length minus the padded plaintext (100 B -> 256 B).
    let padded = vestnik::padding::bucket(MSG_100.len() + 2);
    let setup = Setup::new();
    let (bytes, _store) = setup.input();
    let bundle = vestnik::PreKeyBundle::from_bytes(&bytes).expect("bundle");
    let mut p = vestnik::PeerSessions::new(bundle.identity());
    let alice = vestnik::DeviceIdentity::generate(&mut rand::rng());
    p.initiate(&alice, &bundle, 0, &mut rand::rng()).expect("initiate");
    let prekey_len = p.encrypt(&MSG_100, &mut rand::rng()).expect("encrypt").len();
    println!("overhead prekey_message {} bytes (wire {prekey_len}, padded plaintext {padded})", prekey_len - padded);
    let (mut a, _b) = vestnik_pair();
    let ratchet_len = a.send(&MSG_100).len();
    println!("overhead ratchet_message {} bytes (wire {ratchet_len}, padded plaintext {padded})", ratchet_len - padded);
}

/// Single primitives and vestnik internals, to explain where time goes.
fn print_components() {
    use curve25519_dalek::edwards::CompressedEdwardsY;
    use curve25519_dalek::scalar::Scalar;
    use curve25519_dalek::traits::IsIdentity;
    use x25519_dalek::{PublicKey, StaticSecret};

    let (rounds, n) = plan(2000);
    let (_, n_fast) = plan(20_000);
    let report = |name: &str, ns: f64| println!("component {name} {:.2} us", ns / 1e3);
    let mut rng = rand::rng();
    let s = StaticSecret::random_from_rng(&mut rng);
    let p = PublicKey::from(&StaticSecret::random_from_rng(&mut rng));
    let (dh, kg) = interleaved(
        rounds,
        || loop_ns(n, || s.diffie_hellman(black_box(&p))),
        || loop_ns(n, || PublicKey::from(&StaticSecret::random_from_rng(&mut rand::rng()))),
    );
    report("x25519_dh", dh);
    report("x25519_keygen", kg);

    let sk = ed25519_dalek::SigningKey::generate(&mut rng);
    let vk_bytes = sk.verifying_key().to_bytes();
    let msg = [9u8; 73];
    let sig = ed25519_dalek::Signer::sign(&sk, &msg);
    let vk = sk.verifying_key();
    let point = vk.to_edwards();
    let (verify, import) = interleaved(
        rounds,
        || loop_ns(n, || vk.verify_strict(black_box(&msg), &sig)),
        || loop_ns(n, || vestnik::crypto::sig::VerifyingKey::from_bytes(black_box(&vk_bytes))),
    );
    report("ed25519_verify_strict", verify);
    report("vestnik_verifying_key_import", import);
    // The torsion check as vestnik does it (constant-time scalar multiplication
    // by the group order) and a variable-time equivalent for public keys:
    // [L]P = [L-1]P + P, with L-1 = -1 as a canonical scalar.
    let minus_one = -Scalar::ONE;
    let vartime_torsion_free = |p: &curve25519_dalek::EdwardsPoint| {
        (curve25519_dalek::EdwardsPoint::vartime_double_scalar_mul_basepoint(&minus_one, p, &Scalar::ZERO) + p)
            .is_identity()
    };
    for t in curve25519_dalek::constants::EIGHT_TORSION.iter().skip(1) {
        assert!(!vartime_torsion_free(&(point + t)) && !(point + t).is_torsion_free());
    }
    assert!(vartime_torsion_free(&point));
    let (ct, vt) = interleaved(
        rounds,
        || loop_ns(n, || black_box(point).is_torsion_free()),
        || loop_ns(n, || vartime_torsion_free(&black_box(point))),
    );
    report("torsion_check_constant_time", ct);
    report("torsion_check_vartime", vt);
    // The floor's key import (one decompression, small-order and torsion checks).
    let floor_import = loop_ns(n, || {
        let k = ed25519_dalek::VerifyingKey::from_bytes(black_box(&vk_bytes)).expect("key");
        let p = k.to_edwards();
        !p.is_small_order() && p.is_torsion_free()
    });
    report("floor_key_import", floor_import);
    let compressed = CompressedEdwardsY(vk_bytes);
    let (dec, com) = interleaved(
        rounds,
        || loop_ns(n_fast, || black_box(compressed).decompress()),
        || loop_ns(n_fast, || black_box(point).compress()),
    );
    report("edwards_decompress", dec);
    report("edwards_compress", com);

    // vestnik encrypt/decrypt of 100 B against the message floor.
    let (mut floor_seal, mut floor_open) = floor::message_floor();
    let (mut a, _b) = vestnik_pair();
    let mut rng = rand::rng();
    let (enc, fenc) = interleaved(
        rounds,
        || loop_ns(n_fast, || a.peer.encrypt(&MSG_100, &mut rng).expect("encrypt")),
        || loop_ns(n_fast, &mut floor_seal),
    );
    report("vestnik_encrypt_100B", enc);
    report("floor_encrypt_100B", fenc);
    let (mut a, mut b) = vestnik_pair();
    let (dec, fdec) = interleaved(
        rounds,
        || batch_ns(n_fast, || a.send(&MSG_100), |w| b.recv(&w)),
        || loop_ns(n_fast, &mut floor_open),
    );
    report("vestnik_decrypt_100B", dec);
    report("floor_decrypt_100B", fdec);

    let setup = Setup::new();
    let (bytes, _store) = setup.input();
    let (a, _b, _, _) = setup.run(setup.input());
    let state = a.to_bytes();
    let (rounds, n) = plan(500);
    let (parse, load) = interleaved(
        rounds,
        || loop_ns(n, || vestnik::PreKeyBundle::from_bytes(black_box(&bytes)).expect("bundle")),
        || loop_ns(n, || vestnik::PeerSessions::from_bytes(black_box(&state)).expect("state")),
    );
    report("prekey_bundle_from_bytes", parse);
    report("peer_sessions_from_bytes_one_session", load);
    report("peer_sessions_to_bytes_one_session", loop_ns(n_fast, || a.to_bytes()));
}

fn main() {
    let mut c = criterion();
    bench_vestnik(&mut c);
    bench_floors(&mut c);
    c.final_summary();
    if !common::profiling() {
        print_floor_ratios();
        print_sizes();
        print_components();
    }
}
