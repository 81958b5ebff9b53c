//! Server-side batch validation (SPEC.md §11.8): every envelope is first
//! verified with its Ed25519 checks deferred (assumed to pass), then all the
//! deferred signatures are checked in one batch under the acceptance rule.
//! If the batch passes, every deferred answer was right and each report is
//! exactly the one-by-one report. If it fails, single verification finds the
//! bad signatures, and every envelope that had one is verified again one by
//! one. Either way the result equals one-by-one verification (but for the
//! ~2^-128 chance that a batch with a bad signature passes).

use super::cache::ChainCache;
use super::envelope::Envelope;
use super::policy::VerificationPolicy;
use super::report::VerificationReport;
use super::verify::{Direct, SigOracle, verify_with};
use crate::crypto::sig::{self, BatchItem, Signature, VerifyingKey};
use crate::labels::SigContext;

/// One envelope to verify, with its detached document (or `None` for inline).
#[derive(Debug, Clone, Copy)]
pub struct BatchInput<'a> {
    /// The envelope.
    pub envelope: &'a Envelope,
    /// The detached document, if not inline.
    pub document: Option<&'a [u8]>,
}

/// Records each signature check and answers "valid" for now.
#[derive(Default)]
struct Deferred {
    items: Vec<(VerifyingKey, SigContext, Vec<u8>, Signature)>,
}

impl SigOracle for Deferred {
    fn check(&mut self, key: &VerifyingKey, context: SigContext, message: &[u8], signature: &Signature) -> bool {
        self.items.push((*key, context, message.to_vec(), *signature));
        true
    }
}

/// Verifies many envelopes, accepting exactly what [`super::verify`] accepts
/// one by one, with the Ed25519 checks batched. Pass a [`ChainCache`] to verify
/// each certificate chain once across the batch (and across calls). The
/// cache is shared by reference: worker threads each verify their own batch
/// against one cache at once, with no lock held across a batch or a
/// signature check (SPEC.md §11.8).
///
/// ```
/// # use vestnik::document::*;
/// # use vestnik::crypto::sig::SigningKey;
/// # let mut rng = rand::rng();
/// # let root = SigningKey::generate(&mut rng);
/// # let anchor = TrustAnchor::new(root.verifying_key(), "Root", KeyUsage::ALL, 1);
/// # let alice = SigningKey::generate(&mut rng);
/// # let cert = Certificate::issue(&root, &CertificateRequest {
/// #     subject_key: alice.verifying_key(), subject_id: "alice".into(), display_name: "Alice".into(),
/// #     role: Role::Citizen, usage: KeyUsage::DOCUMENT_SIGNING,
/// #     not_before: 0, not_after: 2_000_000_000, path_len: 0, serial: 1, credential_types: vec![] })?;
/// let mut envelopes = Vec::new();
/// for i in 0..8u8 {
///     let mut e = Envelope::new("text/plain", &[i], true, &DocumentLimits::default())?;
///     e.sign(&alice, &cert, Commitment::Approved, 1_000)?;
///     envelopes.push(e);
/// }
/// let inputs: Vec<BatchInput> = envelopes.iter().map(|e| BatchInput { envelope: e, document: None }).collect();
/// let status = StatusList::issue(&root, StatusType::Certificates, 1_000, 3_000, 16, &[], &DocumentLimits::default())?;
/// let policy = VerificationPolicy::new(vec![anchor]).with_status_lists(vec![status]);
/// let cache = ChainCache::new();
/// let reports = verify_batch(&inputs, &policy, 2_000, Some(&cache), &mut rng);
/// assert!(reports.iter().all(|r| r.is_accepted()));
/// // Two workers, one cache: each verifies half of the envelopes.
/// std::thread::scope(|s| {
///     for half in inputs.chunks(4) {
///         let (policy, cache) = (&policy, &cache);
///         s.spawn(move || {
///             let reports = verify_batch(half, policy, 2_000, Some(cache), &mut rand::rng());
///             assert!(reports.iter().all(|r| r.is_accepted()));
///         });
///     }
/// });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_batch<R: rand_core::CryptoRng + ?Sized>(
    inputs: &[BatchInput<'_>],
    policy: &VerificationPolicy,
    now: u64,
    cache: Option<&ChainCache>,
    rng: &mut R,
) -> Vec<VerificationReport> {
    batch_then_redo(
        inputs,
        |input, oracle| verify_with(input.envelope, input.document, policy, now, cache, oracle),
        rng,
    )
}

/// Runs `verify(item, oracle)` for each item with every signature check
/// recorded and answered "valid", verifies all recorded signatures in one
/// batch under the one rule (SPEC.md §2.2), and runs again, with each check
/// made at once, every item that owns a signature the batch refused. The
/// results are therefore exactly the one-by-one verdicts. Shared by
/// document envelopes (§11) and channel posts (§18).
pub(crate) fn batch_then_redo<I, T, R: rand_core::CryptoRng + ?Sized>(
    items: &[I],
    mut verify: impl FnMut(&I, &mut dyn SigOracle) -> T,
    rng: &mut R,
) -> Vec<T> {
    let mut results = Vec::with_capacity(items.len());
    let mut owners = Vec::new();
    let mut deferred = Deferred::default();
    for (i, item) in items.iter().enumerate() {
        let before = deferred.items.len();
        results.push(verify(item, &mut deferred));
        owners.extend(core::iter::repeat_n(i, deferred.items.len() - before));
    }
    let batch: Vec<BatchItem<'_>> = deferred
        .items
        .iter()
        .map(|(key, context, message, signature)| BatchItem { key, context: *context, message, signature })
        .collect();
    if let Err(bad) = sig::verify_batch(&batch, rng) {
        let mut redo: Vec<usize> = bad.iter().filter_map(|b| owners.get(*b).copied()).collect();
        redo.dedup();
        for i in redo {
            if let (Some(item), Some(slot)) = (items.get(i), results.get_mut(i)) {
                *slot = verify(item, &mut Direct);
            }
        }
    }
    results
}
