//! Server batch validation accepts exactly what one-by-one verification
//! accepts, and the fallback finds the bad envelopes (SPEC.md §11.8).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/world.rs"]
mod world;

use proptest::prelude::*;
use vestnik::document::*;
use world::*;

/// Envelope kinds: 0-2 good, 3 bad signature, 4 wrong document, 5 expired
/// (no timestamp, checked later), 6 bad timestamp signature, 7 countersigned.
fn make(w: &World, kind: u8, i: usize) -> (Envelope, Vec<u8>) {
    let doc = format!("document {i}").into_bytes();
    let mut e = w.signed(&doc);
    match kind % 8 {
        3 => {
            let mut b = e.to_bytes();
            let sig = *e.signers()[0].signature().as_bytes();
            let pos = b.windows(64).position(|x| x == sig).unwrap();
            b[pos + 40] ^= 1;
            e = Envelope::from_bytes(&b, &DocumentLimits::default()).unwrap();
        }
        4 => return (e, b"not it".to_vec()),
        5 => {
            let mut e2 = Envelope::new("application/pdf", &doc, false, &DocumentLimits::default()).unwrap();
            e2.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, T0 - 99 * DAY).unwrap();
            e2.add_certificate(&w.ca.cert).unwrap();
            e = e2;
        }
        6 => {
            w.stamp(&mut e, 0, T0);
            let mut b = e.to_bytes();
            let tok = e.signers()[0].timestamps()[0].to_bytes().to_vec();
            let pos = b.windows(tok.len()).position(|x| x == tok).unwrap();
            let last = pos + tok.len() - 10;
            b[last] ^= 1; // inside the TSA signature
            e = Envelope::from_bytes(&b, &DocumentLimits::default()).unwrap();
        }
        7 => {
            e.countersign(0, &w.school.key, &w.school.cert, Commitment::Witnessed, T0).unwrap();
            w.stamp(&mut e, 1, T0);
        }
        _ => {}
    }
    (e, doc)
}

fn check(kinds: &[u8], now: u64, cached: bool) {
    let w = World::new();
    let made: Vec<(Envelope, Vec<u8>)> = kinds.iter().enumerate().map(|(i, k)| make(&w, *k, i)).collect();
    let inputs: Vec<BatchInput<'_>> = made.iter().map(|(e, d)| BatchInput { envelope: e, document: Some(d) }).collect();
    let policy = w.policy();
    let cache = ChainCache::new();
    let batch = verify_batch(&inputs, &policy, now, if cached { Some(&cache) } else { None }, &mut rand::rng());
    for (i, (e, d)) in made.iter().enumerate() {
        let single = verify(e, Some(d), &policy, now);
        assert_eq!(batch[i], single, "envelope {i} kind {}", kinds[i]);
    }
}

#[test]
fn batch_equals_one_by_one_on_every_kind() {
    check(&[0, 1, 2, 3, 4, 5, 6, 7, 0, 3], T0 + 100 * DAY, true);
    check(&[0, 1, 2, 7], T0, false);
    check(&[], T0, true);
}

#[test]
fn cache_verifies_each_chain_once() {
    let w = World::new();
    let made: Vec<(Envelope, Vec<u8>)> = (0..10).map(|i| make(&w, 0, i)).collect();
    let inputs: Vec<BatchInput<'_>> = made.iter().map(|(e, d)| BatchInput { envelope: e, document: Some(d) }).collect();
    let cache = ChainCache::new();
    let r = verify_batch(&inputs, &w.policy(), T0, Some(&cache), &mut rand::rng());
    assert!(r.iter().all(VerificationReport::is_accepted));
    assert_eq!(cache.hits(), 9);
    // Another anchor set empties the cache instead of reusing it.
    let other = World::new();
    let r = verify_with_cache(&made[0].0, Some(&made[0].1), &other.policy(), T0, &cache);
    assert!(!r.is_accepted());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn random_mixes_agree(kinds in proptest::collection::vec(any::<u8>(), 0..12)) {
        check(&kinds, T0 + 100 * DAY, true);
    }
}
