//! One `ChainCache` shared by several threads (SPEC.md §11.8): four workers
//! verifying overlapping batches against one cache get exactly the reports
//! of single-threaded, uncached verification, under a policy with nothing
//! revoked, one revoking the signer, and after the signer's certificate
//! expired (only signatures timestamped before then still count); the credential layer's cached verification agrees the same way.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/world.rs"]
mod world;

#[path = "common/credential_world.rs"]
mod credential_world;

use vestnik::credential::{Presentation, verify_presentation, verify_presentation_with_cache};
use vestnik::document::*;
use world::*;

// Compile-time: the cache may be shared and moved between threads.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<ChainCache>();
};

const THREADS: usize = 4;

/// Of every seven: good citizen envelopes, a countersigned and timestamped
/// one, one signed after the signer's certificate expired, a timestamped
/// one, one with a bad signature.
fn envelopes(w: &World, n: usize) -> Vec<(Envelope, Vec<u8>)> {
    (0..n)
        .map(|i| {
            let doc = format!("документ {i}").into_bytes();
            let mut e = w.signed(&doc);
            match i % 7 {
                3 => {
                    e.countersign(0, &w.school.key, &w.school.cert, Commitment::Witnessed, T0).unwrap();
                    w.stamp(&mut e, 1, T0);
                }
                // Signed after the citizen's certificate expired.
                4 => {
                    e = Envelope::new("application/pdf", &doc, false, &DocumentLimits::default()).unwrap();
                    e.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, T0 + 400 * DAY).unwrap();
                    e.add_certificate(&w.ca.cert).unwrap();
                }
                5 => w.stamp(&mut e, 0, T0),
                6 => {
                    let mut b = e.to_bytes();
                    let sig = *e.signers()[0].signature().as_bytes();
                    let pos = b.windows(64).position(|x| x == sig).unwrap();
                    b[pos + 7] ^= 1;
                    e = Envelope::from_bytes(&b, &DocumentLimits::default()).unwrap();
                }
                _ => {}
            }
            (e, doc)
        })
        .collect()
}

/// Thread `t`'s window: half the inputs, starting a quarter further on for
/// each thread (wrapping), so every envelope is verified by two threads.
fn window<T: Copy>(all: &[T], t: usize) -> Vec<(usize, T)> {
    let n = all.len();
    (0..n / 2).map(|k| (t * n / THREADS + k) % n).map(|i| (i, all[i])).collect()
}

#[test]
fn four_threads_sharing_one_cache_agree_with_one_thread() {
    let w = World::new();
    let made = envelopes(&w, 28);
    let inputs: Vec<BatchInput<'_>> = made.iter().map(|(e, d)| BatchInput { envelope: e, document: Some(d) }).collect();
    let lists = |revoked: &[u64]| w.status_lists(revoked, T0 - DAY, T0 + 7 * DAY).to_vec();
    let fresh = w.policy().with_fresh_status(true).with_status_lists(lists(&[]));
    // The citizen's certificate (serial 7) revoked by the CA.
    let revoked = w.policy().with_fresh_status(true).with_status_lists(lists(&[7]));
    // (policy, now): accepted; signer revoked; signer's certificate expired.
    let cases = [(&fresh, T0), (&revoked, T0), (&w.policy(), T0 + 401 * DAY)];
    // One cache for every case and thread (and a tiny one that keeps emptying
    // itself while the threads use it).
    for (cap, cache) in [(DEFAULT_CACHE_ENTRIES, ChainCache::new()), (3, ChainCache::with_capacity(3))] {
        for (case, &(policy, now)) in cases.iter().enumerate() {
            let expected: Vec<VerificationReport> = made.iter().map(|(e, d)| verify(e, Some(d), policy, now)).collect();
            // Now: all but the bad signatures and the one signed in the
            // future; none once the signer is revoked; later, all but the
            // bad signatures and the one signed after the certificate expired.
            let accepted: Vec<usize> = (0..made.len()).filter(|i| expected[*i].is_accepted()).collect();
            let want: Vec<usize> = match case {
                1 => vec![],
                _ => (0..made.len()).filter(|i| i % 7 != 4 && i % 7 != 6).collect(),
            };
            assert_eq!(accepted, want, "case {case}");
            if case == 2 {
                let failure = first_failure(&expected[4], 0);
                assert!(matches!(failure, Some(Failure::Chain(ChainError::Expired { .. }))), "{failure:?}");
            }
            let got: Vec<Vec<(usize, VerificationReport)>> = std::thread::scope(|s| {
                let workers: Vec<_> = (0..THREADS)
                    .map(|t| {
                        let (cache, inputs) = (&cache, &inputs);
                        s.spawn(move || {
                            let mine = window(inputs, t);
                            let batch: Vec<BatchInput<'_>> = mine.iter().map(|(_, b)| *b).collect();
                            // Twice: the second round answers from the warm cache.
                            let mut out = Vec::new();
                            for _ in 0..2 {
                                let reports = verify_batch(&batch, policy, now, Some(cache), &mut rand::rng());
                                out.extend(mine.iter().map(|(i, _)| *i).zip(reports));
                            }
                            for (i, b) in &mine {
                                out.push((*i, verify_with_cache(b.envelope, b.document, policy, now, cache)));
                            }
                            out
                        })
                    })
                    .collect();
                workers.into_iter().map(|h| h.join().unwrap()).collect()
            });
            for (t, reports) in got.iter().enumerate() {
                assert_eq!(reports.len(), 3 * made.len() / 2);
                for (i, r) in reports {
                    assert_eq!(r, &expected[*i], "thread {t}, envelope {i}, case {case}");
                }
            }
        }
        assert!(cache.hits() > 0);
        assert!(cache.len() <= cap);
    }
}

#[test]
fn a_tiny_cache_stays_within_its_cap_under_threads() {
    let w = World::new();
    let made = envelopes(&w, 8);
    let policy = w.policy().with_fresh_status(true).with_status_lists(w.status_lists(&[], T0 - DAY, T0 + DAY).to_vec());
    let cache = ChainCache::with_capacity(2);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for (e, d) in &made {
                    verify_with_cache(e, Some(d), &policy, T0, &cache);
                    assert!(cache.len() <= 2);
                }
            });
        }
    });
    assert!(cache.len() <= 2);
}

/// Code written when the cache needed `&mut` keeps compiling (deliberately
/// passing `&mut`, hence the lint allowance).
#[test]
#[allow(clippy::unnecessary_mut_passed)]
fn callers_holding_a_mutable_cache_still_compile() {
    let w = World::new();
    let made = envelopes(&w, 2);
    let inputs: Vec<BatchInput<'_>> = made.iter().map(|(e, d)| BatchInput { envelope: e, document: Some(d) }).collect();
    let mut cache = ChainCache::new();
    let reports = verify_batch(&inputs, &w.policy(), T0, Some(&mut cache), &mut rand::rng());
    assert!(reports.iter().all(VerificationReport::is_accepted));
    assert!(verify_with_cache(&made[0].0, Some(&made[0].1), &w.policy(), T0, &mut cache).is_accepted());
    assert_eq!(cache.hits(), 2);
    cache.clear();
    assert!(cache.is_empty());
}

#[test]
fn credentials_verified_from_four_threads_share_one_cache() {
    use credential_world::*;
    let cw = CredWorld::new();
    let req = CredWorld::request("bank.example", &["age_over_18", "family_name"]);
    let presented: Vec<Presentation> = (0..8).map(|serial| cw.held(serial).present(&req, NOW).unwrap()).collect();
    let bytes: Vec<Vec<u8>> = presented.iter().map(|p| p.to_bytes().to_vec()).collect();
    // Fresh status given; status missing; after the request expired.
    let cases: [(&[StatusList], u64); 3] = [(&cw.lists, NOW), (&[], NOW), (&cw.lists, NOW + 601)];
    let cache = ChainCache::new();
    for (case, (lists, now)) in cases.iter().enumerate() {
        let expected: Vec<_> = bytes.iter().map(|b| verify_presentation(b, &req, &cw.policy, lists, *now)).collect();
        assert_eq!(expected.iter().filter(|r| r.is_ok()).count(), if case == 0 { 8 } else { 0 });
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let (cache, bytes, expected, req, cw) = (&cache, &bytes, &expected, &req, &cw);
                s.spawn(move || {
                    for (i, b) in window(&bytes.iter().collect::<Vec<_>>(), t) {
                        let got = verify_presentation_with_cache(b, req, &cw.policy, lists, *now, cache);
                        assert_eq!(got, expected[i], "thread {t}, presentation {i}, case {case}");
                    }
                });
            }
        });
    }
    assert!(cache.hits() > 0);
}
