//! Validation from many threads (issue 17): `verify_batch` of 256 envelopes
//! with cached chains on one thread, against the same 256 split between two
//! threads sharing one `&ChainCache`. Prints
//! `ratio verify_batch_2_threads <1-thread time / 2-thread time>` (2.0 would
//! be perfect scaling; the cache's locks are per shard and held only for a
//! lookup, so the two threads should not wait for each other).
//!
//! Quick run: `cargo bench --bench threads -- --warm-up-time 1 --measurement-time 2`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(missing_docs)]

#[path = "../tests/common/world.rs"]
mod world;

use criterion::Criterion;
use std::time::{Duration, Instant};
use vestnik::document::*;
use world::*;

const N: usize = 256;

fn envelopes(w: &World, n: usize) -> Vec<(Envelope, Vec<u8>)> {
    (0..n)
        .map(|i| {
            let mut doc = vec![0x25; 1024];
            doc.extend_from_slice(&(i as u64).to_le_bytes());
            (w.signed(&doc), doc)
        })
        .collect()
}

/// `inputs` verified by `threads` workers, each taking an equal share, all
/// against `cache`.
fn run(inputs: &[BatchInput<'_>], policy: &VerificationPolicy, cache: &ChainCache, threads: usize) {
    if threads == 1 {
        let r = verify_batch(inputs, policy, T0, Some(cache), &mut rand::rng());
        assert!(r.iter().all(VerificationReport::is_accepted));
        return;
    }
    std::thread::scope(|s| {
        for part in inputs.chunks(inputs.len().div_ceil(threads)) {
            s.spawn(move || {
                let r = verify_batch(part, policy, T0, Some(cache), &mut rand::rng());
                assert!(r.iter().all(VerificationReport::is_accepted));
            });
        }
    });
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(10)
        .configure_from_args();
    let w = World::new();
    // The realistic policy: fresh status required, the verifier's own lists.
    let policy =
        w.policy().with_fresh_status(true).with_status_lists(w.status_lists(&[], T0 - DAY, T0 + 7 * DAY).to_vec());
    let made = envelopes(&w, N);
    let inputs: Vec<BatchInput<'_>> = made.iter().map(|(e, d)| BatchInput { envelope: e, document: Some(d) }).collect();
    let cache = ChainCache::new();
    run(&inputs, &policy, &cache, 1);
    for threads in [1usize, 2] {
        c.bench_function(&format!("threads/verify_batch_{N}_cached_{threads}_threads"), |b| {
            b.iter(|| run(&inputs, &policy, &cache, threads))
        });
    }
    c.final_summary();

    // The ratio: rounds of each, interleaved so a change in the machine's
    // load touches both sides alike; the fastest round of each counts.
    let (mut one, mut two) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..15 {
        for (threads, best) in [(1usize, &mut one), (2, &mut two)] {
            let start = Instant::now();
            run(&inputs, &policy, &cache, threads);
            *best = best.min(start.elapsed().as_secs_f64());
        }
    }
    println!("verify_batch_{N}_1_thread_per_envelope_us {:.1}", one / N as f64 * 1e6);
    println!("verify_batch_{N}_2_threads_per_envelope_us {:.1}", two / N as f64 * 1e6);
    println!("ratio verify_batch_2_threads {:.2}", one / two);
}
