//! Channels (SPEC.md §18): verify one post with a cached chain; a page of
//! 100 posts one by one and with batch verification; verify a sponsored
//! post. Prints `ratio feed_batch_vs_single <single / batch>` and the sizes
//! `figure channel_post_bytes <n>` and `figure channel_ad_bytes <n>`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(missing_docs)]

#[path = "../tests/common/channel_world.rs"]
mod channel_world;

use channel_world::*;
use criterion::Criterion;
use std::hint::black_box;
use std::time::{Duration, Instant};
use vestnik::channel::*;
use vestnik::document::ChainCache;

const NOW: u64 = T0 + 600;
/// A typical news post: about 600 bytes of Tatar text.
const TEXT: &str = "Казанда яңа мәктәп ачылды. Анда 1200 бала укыячак, татар һәм рус телләрендә. ";

fn page(w: &ChannelWorld) -> Vec<Post> {
    (0..100u8).map(|i| w.post(if i % 4 == 0 { &w.owner } else { &w.editor }, i, 1, "tt", &TEXT.repeat(8))).collect()
}

fn per_post(mut f: impl FnMut(), n: usize, rounds: u32) -> f64 {
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
    let w = ChannelWorld::new();
    let policy = w.policy();
    let mut cache = ChainCache::new();
    let post = w.post(&w.editor, 1, 1, "tt", &TEXT.repeat(8));
    c.bench_function("channel/verify_post_cached_chain", |b| {
        b.iter(|| black_box(policy.verify_post(black_box(&post), NOW, &mut cache).unwrap()))
    });
    let posts = page(&w);
    let mut rng = rand::rng();
    c.bench_function("channel/verify_page_100_single", |b| {
        b.iter(|| {
            for p in &posts {
                black_box(policy.verify_post(p, NOW, &mut cache).unwrap());
            }
        })
    });
    c.bench_function("channel/verify_page_100_batch", |b| {
        b.iter(|| {
            let r = policy.verify_posts(black_box(&posts), NOW, &mut cache, &mut rng);
            assert!(r.iter().all(Result::is_ok));
        })
    });
    let ad = w.ad(1, "ba");
    let sponsored = w.sponsored(&w.owner, 2, &ad).unwrap();
    c.bench_function("channel/verify_sponsored_post", |b| {
        b.iter(|| black_box(policy.verify_post(black_box(&sponsored), NOW, &mut cache).unwrap()))
    });
    c.final_summary();

    let single = per_post(
        || {
            for p in &posts {
                black_box(policy.verify_post(p, NOW, &mut cache).unwrap());
            }
        },
        100,
        20,
    );
    let batch = per_post(
        || {
            let r = policy.verify_posts(&posts, NOW, &mut cache, &mut rand::rng());
            assert!(r.iter().all(Result::is_ok));
        },
        100,
        20,
    );
    println!("single_cached_per_post_us {:.1}", single * 1e6);
    println!("batch_100_per_post_us {:.1}", batch * 1e6);
    println!("ratio feed_batch_vs_single {:.2}", single / batch);
    println!("figure channel_post_bytes {}", post.to_bytes().len());
    println!("figure channel_ad_bytes {}", ad.to_bytes().len());
}
