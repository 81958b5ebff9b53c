//! Call media benchmarks (issue 6): SFrame protect and unprotect of an 80-byte
//! audio frame (20 ms of Opus) and a 1,200-byte video packet for each suite,
//! against the raw AEAD call SFrame makes (same key, plaintext size and AAD
//! size, pre-keyed cipher), and frames per second per core.
//!
//! After criterion's groups a plain timing loop, interleaving SFrame and raw
//! AEAD rounds, prints `ratio sframe_overhead_<suite>_<size> <aead / sframe>`
//! for a protect-plus-unprotect round trip (target >= 1/1.2 = 0.83), with
//! the protect and unprotect ratios alongside.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // benches may panic

use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::aead::{AeadInOut, KeyInit, Nonce, Tag};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20poly1305::ChaCha20Poly1305;
use criterion::{BatchSize, Criterion};
use std::hint::black_box;
use std::time::{Duration, Instant};
use vestnik::CallLimits;
use vestnik::call::{CipherSuite, KeyId, MAX_OVERHEAD, ReceiverContext, SenderContext};

const SIZES: [(usize, &str); 2] = [(80, "audio80"), (1200, "video1200")];
const BASE: [u8; 32] = [0x24; 32];

fn name(s: CipherSuite) -> &'static str {
    match s {
        CipherSuite::Aes128GcmSha256 => "aes128gcm",
        CipherSuite::Aes256GcmSha512 => "aes256gcm",
        _ => "chacha20poly1305",
    }
}

fn kid() -> KeyId {
    KeyId::new(3, 0, 0).unwrap()
}

fn sender(s: CipherSuite) -> SenderContext {
    SenderContext::new(s, kid().to_kid(), &BASE, CallLimits::default()).unwrap()
}

fn receiver(s: CipherSuite) -> ReceiverContext {
    let mut rx = ReceiverContext::new(s, CallLimits::default());
    rx.insert_key(kid(), &BASE, 0).unwrap();
    rx
}

/// The bare AEAD, keyed once, as SFrame uses it (12-byte nonce, 16-byte tag).
enum Raw {
    A128(Aes128Gcm),
    A256(Aes256Gcm),
    ChaCha(ChaCha20Poly1305),
}

impl Raw {
    fn new(s: CipherSuite) -> Raw {
        match s {
            CipherSuite::Aes128GcmSha256 => Raw::A128(Aes128Gcm::new_from_slice(&[7; 16]).unwrap()),
            CipherSuite::Aes256GcmSha512 => Raw::A256(Aes256Gcm::new_from_slice(&[7; 32]).unwrap()),
            _ => Raw::ChaCha(ChaCha20Poly1305::new_from_slice(&[7; 32]).unwrap()),
        }
    }

    fn seal(&self, aad: &[u8], buf: &mut [u8]) -> [u8; 16] {
        fn go<C: AeadInOut>(c: &C, aad: &[u8], buf: &mut [u8]) -> [u8; 16] {
            let n = Nonce::<C>::try_from(&[1u8; 12][..]).unwrap();
            c.encrypt_inout_detached(&n, aad, buf.into()).unwrap().as_slice().try_into().unwrap()
        }
        match self {
            Raw::A128(c) => go(c, aad, buf),
            Raw::A256(c) => go(c, aad, buf),
            Raw::ChaCha(c) => go(c, aad, buf),
        }
    }

    fn open(&self, aad: &[u8], ct: &[u8], out: &mut [u8], tag: &[u8; 16]) {
        fn go<C: AeadInOut>(c: &C, aad: &[u8], ct: &[u8], out: &mut [u8], tag: &[u8; 16]) {
            let n = Nonce::<C>::try_from(&[1u8; 12][..]).unwrap();
            let t = Tag::<C>::try_from(&tag[..]).unwrap();
            c.decrypt_inout_detached(&n, aad, InOutBuf::new(ct, out).unwrap(), &t).unwrap();
        }
        match self {
            Raw::A128(c) => go(c, aad, ct, out, tag),
            Raw::A256(c) => go(c, aad, ct, out, tag),
            Raw::ChaCha(c) => go(c, aad, ct, out, tag),
        }
    }
}

/// AAD the size of the SFrame header of these benches' frames (KID 3, a
/// two-byte counter: 3 bytes).
const AAD: [u8; 3] = [0x39, 0x01, 0x00];

fn bench_all(c: &mut Criterion) {
    for suite in CipherSuite::ALL {
        let mut g = c.benchmark_group(format!("call/{}", name(suite)));
        for (size, label) in SIZES {
            let payload = vec![0x5au8; size];
            let mut tx = sender(suite);
            let mut out = vec![0u8; size + MAX_OVERHEAD];
            g.bench_function(format!("protect_{label}"), |b| {
                b.iter(|| {
                    if tx.next_counter().is_none() {
                        tx = sender(suite);
                    }
                    black_box(tx.protect(b"", black_box(&payload), &mut out).unwrap())
                })
            });
            let mut tx = sender(suite);
            let mut rx = receiver(suite);
            g.bench_function(format!("unprotect_{label}"), |b| {
                b.iter_batched_ref(
                    || {
                        let mut f = vec![0u8; size + MAX_OVERHEAD];
                        let n = tx.protect(b"", &payload, &mut f).unwrap();
                        f.truncate(n);
                        f
                    },
                    |f| black_box(rx.unprotect_in_place(b"", f, 0).unwrap().0),
                    BatchSize::SmallInput,
                )
            });
            let raw = Raw::new(suite);
            let mut buf = payload.clone();
            g.bench_function(format!("aead_seal_{label}"), |b| b.iter(|| black_box(raw.seal(&AAD, &mut buf))));
            let mut ct = payload.clone();
            let tag = raw.seal(&AAD, &mut ct);
            let mut plain = vec![0u8; size];
            g.bench_function(format!("aead_open_{label}"), |b| {
                b.iter(|| raw.open(&AAD, black_box(&ct), &mut plain, &tag))
            });
        }
        g.finish();
    }
}

/// Seconds `f` takes.
fn secs(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

fn print_ratios() {
    const N: usize = 2000;
    const ROUNDS: usize = 15;
    println!();
    for suite in CipherSuite::ALL {
        for (size, label) in SIZES {
            let payload = vec![0x5au8; size];
            let raw = Raw::new(suite);
            let (mut t_protect, mut t_unprotect, mut t_seal, mut t_open) =
                (f64::INFINITY, f64::INFINITY, f64::INFINITY, f64::INFINITY);
            for _ in 0..ROUNDS {
                // Interleaved so frequency changes hit both sides alike.
                let mut tx = sender(suite);
                let mut out = vec![0u8; size + MAX_OVERHEAD];
                t_protect = t_protect.min(secs(|| {
                    for _ in 0..N {
                        black_box(tx.protect(b"", black_box(&payload), &mut out).unwrap());
                    }
                }));
                let mut buf = payload.clone();
                t_seal = t_seal.min(secs(|| {
                    for _ in 0..N {
                        black_box(raw.seal(&AAD, black_box(&mut buf)));
                    }
                }));
                let mut frames: Vec<Vec<u8>> = (0..N)
                    .map(|_| {
                        let mut f = vec![0u8; size + MAX_OVERHEAD];
                        let n = tx.protect(b"", &payload, &mut f).unwrap();
                        f.truncate(n);
                        f
                    })
                    .collect();
                let mut rx = receiver(suite);
                t_unprotect = t_unprotect.min(secs(|| {
                    for f in frames.iter_mut() {
                        black_box(rx.unprotect_in_place(b"", f, 0).unwrap().0);
                    }
                }));
                let mut ct = payload.clone();
                let tag = raw.seal(&AAD, &mut ct);
                let mut plain = vec![0u8; size];
                t_open = t_open.min(secs(|| {
                    for _ in 0..N {
                        raw.open(&AAD, black_box(&ct), &mut plain, &tag);
                    }
                }));
            }
            let per = |t: f64| t / N as f64 * 1e9;
            let (p, u, s, o) = (per(t_protect), per(t_unprotect), per(t_seal), per(t_open));
            let key = format!("{}_{label}", name(suite));
            println!("time_ns {key} protect {p:.0} unprotect {u:.0} aead_seal {s:.0} aead_open {o:.0}");
            println!("fps_per_core {key} protect {:.0} unprotect {:.0}", 1e9 / p, 1e9 / u);
            println!("ratio sframe_overhead_protect_{key} {:.3}", s / p);
            println!("ratio sframe_overhead_unprotect_{key} {:.3}", o / u);
            println!("ratio sframe_overhead_{key} {:.3}", (s + o) / (p + u));
        }
    }
}

fn main() {
    let mut c = Criterion::default()
        .measurement_time(Duration::from_secs(1))
        .warm_up_time(Duration::from_millis(300))
        .sample_size(20)
        .configure_from_args();
    bench_all(&mut c);
    c.final_summary();
    print_ratios();
}
