//! Document signing and verification: sign; verify one envelope with a
//! 2-certificate chain; `verify_batch` of 64 and 1,024 single-signer
//! envelopes. Ends by printing the batch speed-up over one-by-one
//! verification and envelopes per second per core.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(missing_docs)]

#[path = "../tests/common/world.rs"]
mod world;

use criterion::Criterion;
use std::hint::black_box;
use std::time::{Duration, Instant};
use vestnik::document::*;
use world::*;

const DOC: &[u8] = &[0x25; 4096];

fn envelopes(w: &World, n: usize) -> Vec<(Envelope, Vec<u8>)> {
    (0..n)
        .map(|i| {
            let mut doc = DOC.to_vec();
            doc.extend_from_slice(&(i as u64).to_le_bytes());
            (w.signed(&doc), doc)
        })
        .collect()
}

fn per_envelope(f: impl Fn(), n: usize, rounds: u32) -> f64 {
    f();
    let start = Instant::now();
    for _ in 0..rounds {
        f();
    }
    start.elapsed().as_secs_f64() / (f64::from(rounds) * n as f64)
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .sample_size(10)
        .configure_from_args();
    let w = World::new();
    // The realistic policy: fresh status required, the verifier's own lists.
    let policy =
        w.policy().with_fresh_status(true).with_status_lists(w.status_lists(&[], T0 - DAY, T0 + 7 * DAY).to_vec());

    c.bench_function("document/sign", |b| {
        b.iter(|| {
            let mut e = Envelope::new("application/pdf", black_box(DOC), false, &DocumentLimits::default()).unwrap();
            e.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, T0).unwrap();
            e.add_certificate(&w.ca.cert).unwrap();
            black_box(e.to_bytes())
        })
    });
    let one = envelopes(&w, 1);
    let bytes = one[0].0.to_bytes();
    c.bench_function("document/decode+verify_one_2cert_chain", |b| {
        b.iter(|| {
            let e = Envelope::from_bytes(black_box(&bytes), &DocumentLimits::default()).unwrap();
            assert!(verify(&e, Some(&one[0].1), &policy, T0).is_accepted());
        })
    });
    for n in [64usize, 1024] {
        let made = envelopes(&w, n);
        let inputs: Vec<BatchInput<'_>> =
            made.iter().map(|(e, d)| BatchInput { envelope: e, document: Some(d) }).collect();
        let cache = ChainCache::new();
        let mut rng = rand::rng();
        c.bench_function(&format!("document/verify_batch_{n}_cached"), |b| {
            b.iter(|| {
                let r = verify_batch(&inputs, &policy, T0, Some(&cache), &mut rng);
                assert!(r.iter().all(VerificationReport::is_accepted));
            })
        });
    }
    c.final_summary();

    // The ratio: one-by-one verification with the same chain cache (so both
    // sides skip chain signatures and the difference is the Ed25519 batch)
    // against verify_batch of 1,024, per envelope.
    let n = 1024;
    let made = envelopes(&w, n);
    let inputs: Vec<BatchInput<'_>> = made.iter().map(|(e, d)| BatchInput { envelope: e, document: Some(d) }).collect();
    let cache = ChainCache::new();
    let single = per_envelope(
        || {
            for (e, d) in &made {
                assert!(verify_with_cache(e, Some(d), &policy, T0, &cache).is_accepted());
            }
        },
        n,
        3,
    );
    let uncached = per_envelope(
        || {
            for (e, d) in made.iter().take(64) {
                assert!(verify(e, Some(d), &policy, T0).is_accepted());
            }
        },
        64,
        3,
    );
    let batch = per_envelope(
        || {
            let r = verify_batch(&inputs, &policy, T0, Some(&cache), &mut rand::rng());
            assert!(r.iter().all(VerificationReport::is_accepted));
        },
        n,
        3,
    );
    println!("single_cached_per_envelope_us {:.1}", single * 1e6);
    println!("single_uncached_per_envelope_us {:.1}", uncached * 1e6);
    println!("batch_1024_per_envelope_us {:.1}", batch * 1e6);
    println!("ratio batch_vs_single {:.2}", single / batch);
    println!("ratio batch_vs_single_uncached {:.2}", uncached / batch);
    println!("envelopes_per_second_per_core batch {:.0} single {:.0}", 1.0 / batch, 1.0 / single);
}
