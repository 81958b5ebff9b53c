// Envelope decoding and verification on arbitrary bytes: decode under the
// default limits; when it decodes, re-encoding must be byte-exact, and
// verification (one by one and batched) must agree and never panic. The
// first carried certificate serves as the trust anchor so that chain logic
// runs too, and (on odd lengths) the carried status lists are also passed
// as the verifier's own, so both status sources are exercised; archive
// timestamps are checked at the time of their last token.

use vestnik::document::{
    BatchInput, ChainCache, DocumentLimits, Envelope, TrustAnchor, VerificationPolicy, verify, verify_batch,
};

pub fn run(data: &[u8]) {
    let Ok(env) = Envelope::from_bytes(data, &DocumentLimits::default()) else { return };
    assert_eq!(env.to_bytes(), data, "decoded envelope re-encodes exactly");
    let anchors = env.certificates().first().map(TrustAnchor::from_certificate).into_iter().collect();
    let even = data.len().is_multiple_of(2);
    let mut policy = VerificationPolicy::new(anchors).with_fresh_status(even);
    if !even {
        policy = policy.with_status_lists(env.status_lists().to_vec());
    }
    let _ = env.archive_imprint();
    let now = env.archive_timestamps().last().map_or(1_750_000_000, |a| a.token().time().max(1_750_000_000));
    let single = verify(&env, None, &policy, now);
    let _ = single.to_string();
    let cache = ChainCache::new();
    let batch = verify_batch(
        &[BatchInput { envelope: &env, document: None }],
        &policy,
        now,
        Some(&cache),
        &mut rand::rng(),
    );
    assert_eq!(batch.first(), Some(&single), "batch and single agree");
}
