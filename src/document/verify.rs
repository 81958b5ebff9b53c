//! Verifying one envelope (SPEC.md §11.7), step by step:
//!
//! ```text
//! 1. document: length and SHA-512 match (detached, else inline), else fail
//! 2. per signature i:
//!    a. certificate = the carried one whose SHA-512 = signer_certificate_hash
//!    b. signed role = certified role
//!    c. path from the certificate to an anchor (signatures only)
//!    d. Ed25519 signature over the signing input (§11.6) under the rule (§11.1)
//!    e. timestamps: imprint = SHA-512(signature); a TSA path with usage
//!       TIMESTAMPING checked at now; TSA signature; time <= now.
//!       proven_time = earliest valid token time
//!    f. t = proven_time, else now; the path checked at t with usage
//!       DOCUMENT_SIGNING and the carried status lists (long-term validation)
//!    g. claimed_time <= (proven_time or now) + max_clock_skew
//!    h. policy: a timestamp is required -> (e) must have succeeded
//! 3. distinct valid signers (by key) >= min_signers; every signature valid
//! ```

use super::cache::ChainCache;
use super::cert::{Certificate, sha512};
use super::chain::{CertPath, ChainError};
use super::envelope::Envelope;
use super::policy::VerificationPolicy;
use super::report::{
    Check, CheckKind, DocumentFailure, Failure, PolicyFailure, SignatureReport, SignerIdentity, TimestampFailure,
    VerificationReport,
};
use super::usage::KeyUsage;
use crate::crypto::sig::{Signature, VerifyingKey};
use crate::labels::{self, SigContext};

/// Answers "does this signature verify?"; single verification answers at
/// once, batch verification defers (see [`super::batch`]).
pub(crate) trait SigOracle {
    fn check(&mut self, key: &VerifyingKey, context: SigContext, message: &[u8], signature: &Signature) -> bool;
}

/// Single verification.
pub(crate) struct Direct;

impl SigOracle for Direct {
    fn check(&mut self, key: &VerifyingKey, context: SigContext, message: &[u8], signature: &Signature) -> bool {
        key.verify(context, message, signature).is_ok()
    }
}

/// Verifies `envelope` against `document` (or its inline payload) under
/// `policy` at the verifier's time `now` (Unix seconds), verifying every
/// certificate chain afresh.
///
/// ```
/// # use vestnik::document::*;
/// # use vestnik::crypto::sig::SigningKey;
/// let mut rng = rand::rng();
/// let root = SigningKey::generate(&mut rng);
/// let anchor = TrustAnchor::new(root.verifying_key(), "Root", KeyUsage::ALL, 1);
/// let alice = SigningKey::generate(&mut rng);
/// let cert = Certificate::issue(&root, &CertificateRequest {
///     subject_key: alice.verifying_key(), subject_id: "alice".into(), display_name: "Alice".into(),
///     role: Role::Citizen, usage: KeyUsage::DOCUMENT_SIGNING,
///     not_before: 0, not_after: 2_000_000_000, path_len: 0, serial: 1, credential_types: vec![] })?;
/// let doc = b"%PDF-1.7 ...";
/// let mut env = Envelope::new("application/pdf", doc, false, &DocumentLimits::default())?;
/// env.sign(&alice, &cert, Commitment::Approved, 1_750_000_000)?;
/// let env = Envelope::from_bytes(&env.to_bytes(), &DocumentLimits::default())?;
/// let report = verify(&env, Some(doc), &VerificationPolicy::new(vec![anchor]), 1_750_000_100);
/// assert!(report.is_accepted(), "{report}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify(
    envelope: &Envelope,
    document: Option<&[u8]>,
    policy: &VerificationPolicy,
    now: u64,
) -> VerificationReport {
    verify_with(envelope, document, policy, now, None, &mut Direct)
}

/// As [`verify`], reusing (and filling) the caller's [`ChainCache`].
pub fn verify_with_cache(
    envelope: &Envelope,
    document: Option<&[u8]>,
    policy: &VerificationPolicy,
    now: u64,
    cache: &mut ChainCache,
) -> VerificationReport {
    verify_with(envelope, document, policy, now, Some(cache), &mut Direct)
}

fn check_document(envelope: &Envelope, document: Option<&[u8]>) -> Result<(), DocumentFailure> {
    let doc = document.or(envelope.inline_payload()).ok_or(DocumentFailure::Missing)?;
    if doc.len() as u64 != envelope.document_length() {
        return Err(DocumentFailure::Length { expected: envelope.document_length(), got: doc.len() as u64 });
    }
    if &sha512(doc) != envelope.document_digest() {
        return Err(DocumentFailure::Digest);
    }
    Ok(())
}

fn find_path(
    cert: &Certificate,
    envelope: &Envelope,
    policy: &VerificationPolicy,
    cache: Option<&mut ChainCache>,
) -> Result<CertPath, ChainError> {
    let max = policy.limits.max_chain_len;
    match cache {
        Some(c) => c.path(cert, envelope.certificates(), &policy.anchors, max),
        None => CertPath::build(cert, envelope.certificates(), &policy.anchors, max),
    }
}

/// The procedure of the module docs, with signature checks through `oracle`.
pub(crate) fn verify_with(
    envelope: &Envelope,
    document: Option<&[u8]>,
    policy: &VerificationPolicy,
    now: u64,
    mut cache: Option<&mut ChainCache>,
    oracle: &mut dyn SigOracle,
) -> VerificationReport {
    let mut signatures = Vec::with_capacity(envelope.signers().len());
    for (index, entry) in envelope.signers().iter().enumerate() {
        let attrs = entry.attributes();
        let mut report = SignatureReport {
            index,
            countersigns: attrs.countersigns,
            signer: None,
            commitment: attrs.commitment,
            claimed_time: attrs.claimed_signing_time,
            proven_time: None,
            validation_time: now,
            checks: Vec::new(),
        };
        let push = |r: &mut SignatureReport, kind, result| r.checks.push(Check { kind, result });
        let Some(cert) = envelope.certificates().iter().find(|c| c.hash() == &attrs.signer_certificate_hash) else {
            push(&mut report, CheckKind::CertificateFound, Err(Failure::CertificateMissing));
            signatures.push(report);
            continue;
        };
        push(&mut report, CheckKind::CertificateFound, Ok(()));
        let role_ok = if attrs.signer_role == cert.role() {
            Ok(())
        } else {
            Err(Failure::RoleMismatch { claimed: attrs.signer_role, certified: cert.role() })
        };
        push(&mut report, CheckKind::RoleMatches, role_ok);
        let path = find_path(cert, envelope, policy, cache.as_deref_mut());
        report.signer = Some(SignerIdentity {
            subject_id: cert.subject_id().to_owned(),
            display_name: cert.display_name().to_owned(),
            role: cert.role(),
            key: *cert.subject_key(),
            anchor: path.as_ref().ok().map(|p| p.anchor().name().to_owned()),
        });
        let sig_ok = match envelope.signing_input_of(index) {
            Some((ctx, msg)) if oracle.check(cert.subject_key(), ctx, &msg, entry.signature()) => Ok(()),
            _ => Err(Failure::BadSignature),
        };
        push(&mut report, CheckKind::Signature, sig_ok);
        // Timestamps: the earliest valid one proves the signing time.
        let mut last_ts_failure = None;
        for token in entry.timestamps() {
            match check_timestamp(token, entry.signature(), envelope, policy, now, cache.as_deref_mut(), oracle) {
                Ok(t) => report.proven_time = Some(report.proven_time.map_or(t, |p| p.min(t))),
                Err(e) => last_ts_failure = Some(e),
            }
        }
        if report.proven_time.is_some() {
            push(&mut report, CheckKind::Timestamp, Ok(()));
        } else if policy.require_timestamp || last_ts_failure.is_some() {
            push(&mut report, CheckKind::Timestamp, Err(Failure::NoValidTimestamp(last_ts_failure)));
        }
        let t = report.proven_time.unwrap_or(now);
        report.validation_time = t;
        let path_ok = path.and_then(|p| {
            p.check(
                KeyUsage::DOCUMENT_SIGNING,
                t,
                now,
                envelope.status_lists(),
                policy.require_fresh_status,
                cache.as_deref_mut(),
            )
        });
        push(&mut report, CheckKind::CertificatePath, path_ok.map_err(Failure::Chain));
        let limit = t.saturating_add(policy.max_clock_skew);
        let claimed_ok = if attrs.claimed_signing_time <= limit {
            Ok(())
        } else {
            Err(Failure::ClaimedTimeTooLate { claimed: attrs.claimed_signing_time, limit })
        };
        push(&mut report, CheckKind::ClaimedTime, claimed_ok);
        signatures.push(report);
    }
    let mut keys: Vec<[u8; 32]> = signatures
        .iter()
        .filter(|s| s.is_valid())
        .filter_map(|s| s.signer.as_ref().map(|p| *p.key.as_bytes()))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut policy_failures = Vec::new();
    for s in signatures.iter().filter(|s| !s.is_valid()) {
        policy_failures.push(PolicyFailure::InvalidSignature(s.index));
    }
    if keys.len() < policy.min_signers {
        policy_failures.push(PolicyFailure::TooFewSigners { found: keys.len(), required: policy.min_signers });
    }
    VerificationReport {
        now,
        payload_type: envelope.payload_type().to_owned(),
        document: check_document(envelope, document),
        signatures,
        distinct_valid_signers: keys.len(),
        policy_failures,
    }
}

/// Step 2e for one token: its proven time, or why it does not count.
fn check_timestamp(
    token: &super::timestamp::TimestampToken,
    signature: &Signature,
    envelope: &Envelope,
    policy: &VerificationPolicy,
    now: u64,
    mut cache: Option<&mut ChainCache>,
    oracle: &mut dyn SigOracle,
) -> Result<u64, TimestampFailure> {
    if !token.covers(signature) {
        return Err(TimestampFailure::WrongImprint);
    }
    if token.time() > now {
        return Err(TimestampFailure::Future);
    }
    let mut last = ChainError::UnknownCertificate;
    for tsa in envelope.certificates().iter().filter(|c| &super::cert::key_id(c.subject_key()) == token.tsa_key_id()) {
        let checked = find_path(tsa, envelope, policy, cache.as_deref_mut()).and_then(|p| {
            p.check(
                KeyUsage::TIMESTAMPING,
                now,
                now,
                envelope.status_lists(),
                policy.require_fresh_status,
                cache.as_deref_mut(),
            )
        });
        match checked {
            Ok(()) => {
                let (tbs, sig) = token.signed_parts();
                return if oracle.check(tsa.subject_key(), labels::SIG_TIMESTAMP, tbs, sig) {
                    Ok(token.time())
                } else {
                    Err(TimestampFailure::BadSignature)
                };
            }
            Err(e) => last = e,
        }
    }
    Err(TimestampFailure::Tsa(last))
}
