//! Verifying one envelope (SPEC.md §11.7), step by step:
//!
//! ```text
//! status sources: the policy's (verifier's) lists, then the carried ones
//! 0. archive chain: archive timestamp k has imprint archive_imprint(k),
//!    time >= time of k-1, time <= now, TSA path (TIMESTAMPING) checked
//!    from its time until the time of k+1 (the last: until now); TSA
//!    signature. protected_until = time of archive 0, else now
//! 1. document: length and SHA-512 match (detached, else inline), else fail
//! 2. per signature i:
//!    a. certificate = the carried one whose SHA-512 = signer_certificate_hash
//!    b. signed role = certified role
//!    c. path from the certificate to an anchor (signatures only)
//!    d. Ed25519 signature over the signing input (§11.6) under the rule (§11.1)
//!    e. timestamps: imprint = SHA-512(signature); time <= now; a TSA path
//!       with usage TIMESTAMPING checked from the token's time until
//!       protected_until; TSA signature. proven_time = earliest valid time
//!    f. t = proven_time, else the claimed time (a key compromise then
//!       judged at now); the path checked at t with usage DOCUMENT_SIGNING
//!    g. cert.not_before <= claimed_time <= (proven_time or now) + max_clock_skew
//!    h. policy: a timestamp is required -> (e) must have succeeded
//!    i. with archive timestamps: step 0 succeeded
//! 3. distinct valid subjects (anchor, subject id) >= min_signers; every
//!    signature valid
//! ```

use super::cache::ChainCache;
use super::cert::{Certificate, sha512};
use super::chain::Times;
use super::chain::{CertPath, ChainError};
use super::envelope::Envelope;
use super::policy::VerificationPolicy;
use super::report::{
    Check, CheckKind, DocumentFailure, Failure, PolicyFailure, SignatureReport, SignerIdentity, TimestampFailure,
    VerificationReport,
};
use super::status::StatusSources;
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
/// // The verifier's own status list from the root (fresh status is required by default).
/// let status = StatusList::issue(&root, StatusType::Certificates, 1_749_990_000, 1_750_600_000, 16, &[],
///     &DocumentLimits::default())?;
/// let policy = VerificationPolicy::new(vec![anchor]).with_status_lists(vec![status]);
/// let report = verify(&env, Some(doc), &policy, 1_750_000_100);
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
    cache: &ChainCache,
) -> VerificationReport {
    verify_with(envelope, document, policy, now, Some(cache), &mut Direct)
}

/// The per-signature part of [`verify`] (no document check).
pub(crate) fn verify_signatures(envelope: &Envelope, policy: &VerificationPolicy, now: u64) -> VerificationReport {
    verify_with(envelope, None, policy, now, None, &mut Direct)
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
    cache: Option<&ChainCache>,
) -> Result<CertPath, ChainError> {
    let max = policy.limits.max_chain_len;
    match cache {
        Some(c) => c.path(cert, envelope.certificates(), &policy.anchors, max),
        None => CertPath::build(cert, envelope.certificates(), &policy.anchors, max),
    }
}

/// The archive chain (step 0): every archive timestamp `k` verifies, its
/// TSA path checked at its time and until the next one's time (the last
/// until `now`). Returns the time that protects the signature timestamps
/// (the first archive time, else `now`), the archive times, and the failure.
fn check_archive_chain(
    envelope: &Envelope,
    policy: &VerificationPolicy,
    now: u64,
    cache: Option<&ChainCache>,
    oracle: &mut dyn SigOracle,
) -> (u64, Vec<u64>, Option<Failure>) {
    let archive = envelope.archive_timestamps();
    let mut times = Vec::with_capacity(archive.len());
    for (index, a) in archive.iter().enumerate() {
        let token = a.token();
        let result = if Some(*token.imprint()) != envelope.archive_imprint_of(index) {
            Err(TimestampFailure::WrongImprint)
        } else if times.last().is_some_and(|&p| token.time() < p) {
            Err(TimestampFailure::OutOfOrder)
        } else {
            let until = archive.get(index + 1).map_or(now, |next| next.token().time());
            check_token(token, until, envelope, policy, now, cache, oracle)
        };
        match result {
            Ok(t) => times.push(t),
            Err(reason) => return (now, times, Some(Failure::ArchiveTimestamp { index, reason })),
        }
    }
    (times.first().copied().unwrap_or(now), times, None)
}

/// The procedure of the module docs, with signature checks through `oracle`.
pub(crate) fn verify_with(
    envelope: &Envelope,
    document: Option<&[u8]>,
    policy: &VerificationPolicy,
    now: u64,
    cache: Option<&ChainCache>,
    oracle: &mut dyn SigOracle,
) -> VerificationReport {
    let sources = StatusSources { verifier: &policy.status_lists, carried: envelope.status_lists() };
    let (protected_until, archive_times, archive_failure) = check_archive_chain(envelope, policy, now, cache, oracle);
    let mut signatures = Vec::with_capacity(envelope.signers().len());
    // (anchor key, subject id) of each signature whose path was built.
    let mut subjects: Vec<Option<([u8; 32], String)>> = Vec::with_capacity(envelope.signers().len());
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
            subjects.push(None);
            continue;
        };
        push(&mut report, CheckKind::CertificateFound, Ok(()));
        let role_ok = if attrs.signer_role == cert.role() {
            Ok(())
        } else {
            Err(Failure::RoleMismatch { claimed: attrs.signer_role, certified: cert.role() })
        };
        push(&mut report, CheckKind::RoleMatches, role_ok);
        let path = find_path(cert, envelope, policy, cache);
        report.signer = Some(SignerIdentity {
            subject_id: cert.subject_id().to_owned(),
            display_name: cert.display_name().to_owned(),
            role: cert.role(),
            key: *cert.subject_key(),
            anchor: path.as_ref().ok().map(|p| p.anchor().name().to_owned()),
        });
        subjects.push(path.as_ref().ok().map(|p| (*p.anchor().key().as_bytes(), cert.subject_id().to_owned())));
        let sig_ok = match envelope.signing_input_of(index) {
            Some((ctx, msg)) if oracle.check(cert.subject_key(), ctx, &msg, entry.signature()) => Ok(()),
            _ => Err(Failure::BadSignature),
        };
        push(&mut report, CheckKind::Signature, sig_ok);
        // Timestamps: the earliest valid one proves the signing time; each
        // TSA path is checked at the token's time, until the first archive
        // timestamp (or now) protected it.
        let mut last_ts_failure = None;
        for token in entry.timestamps() {
            let checked = if token.covers(entry.signature()) {
                check_token(token, protected_until, envelope, policy, now, cache, oracle)
            } else {
                Err(TimestampFailure::WrongImprint)
            };
            match checked {
                Ok(t) => report.proven_time = Some(report.proven_time.map_or(t, |p| p.min(t))),
                Err(e) => last_ts_failure = Some(e),
            }
        }
        if report.proven_time.is_some() {
            push(&mut report, CheckKind::Timestamp, Ok(()));
        } else if policy.require_timestamp || last_ts_failure.is_some() {
            push(&mut report, CheckKind::Timestamp, Err(Failure::NoValidTimestamp(last_ts_failure)));
        }
        if !envelope.archive_timestamps().is_empty() {
            push(&mut report, CheckKind::ArchiveTimestamps, archive_failure.clone().map_or(Ok(()), Err));
        }
        // Judged at the proven time; with no timestamp (none required, none
        // carried) at the claimed time, except that a key compromise is
        // judged at now: an unproven time cannot escape it.
        let (t, compromise_t) = match report.proven_time {
            Some(p) => (p, p),
            None => (attrs.claimed_signing_time, now.max(attrs.claimed_signing_time)),
        };
        report.validation_time = t;
        let times = Times { at: t, until: t, compromise: compromise_t };
        let path_ok = path.and_then(|p| {
            p.check_at(KeyUsage::DOCUMENT_SIGNING, times, now, sources, policy.require_fresh_status, cache)
        });
        push(&mut report, CheckKind::CertificatePath, path_ok.map_err(Failure::Chain));
        let limit = report.proven_time.unwrap_or(now).saturating_add(policy.max_clock_skew);
        let claimed = attrs.claimed_signing_time;
        let claimed_ok = if claimed < cert.not_before() {
            Err(Failure::ClaimedTimeTooEarly { claimed, not_before: cert.not_before() })
        } else if claimed > limit {
            Err(Failure::ClaimedTimeTooLate { claimed, limit })
        } else {
            Ok(())
        };
        push(&mut report, CheckKind::ClaimedTime, claimed_ok);
        signatures.push(report);
    }
    let mut people: Vec<&([u8; 32], String)> = signatures
        .iter()
        .zip(subjects.iter())
        .filter(|(s, _)| s.is_valid())
        .filter_map(|(_, subject)| subject.as_ref())
        .collect();
    people.sort_unstable();
    people.dedup();
    let mut policy_failures = Vec::new();
    for s in signatures.iter().filter(|s| !s.is_valid()) {
        policy_failures.push(PolicyFailure::InvalidSignature(s.index));
    }
    if people.len() < policy.min_signers {
        policy_failures.push(PolicyFailure::TooFewSigners { found: people.len(), required: policy.min_signers });
    }
    VerificationReport {
        now,
        payload_type: envelope.payload_type().to_owned(),
        document: check_document(envelope, document),
        distinct_valid_signers: people.len(),
        signatures,
        policy_failures,
        fresh_status_required: policy.require_fresh_status,
        archive_times,
    }
}

/// One token (signature or archive timestamp, imprint already matched): its
/// time, or why it does not count. The TSA path is checked at the token's
/// time and until `until`, when the next archive timestamp (or the
/// verifier, at now) sealed it (SPEC.md §11.5).
fn check_token(
    token: &super::timestamp::TimestampToken,
    until: u64,
    envelope: &Envelope,
    policy: &VerificationPolicy,
    now: u64,
    cache: Option<&ChainCache>,
    oracle: &mut dyn SigOracle,
) -> Result<u64, TimestampFailure> {
    if token.time() > now {
        return Err(TimestampFailure::Future);
    }
    let sources = StatusSources { verifier: &policy.status_lists, carried: envelope.status_lists() };
    let until = until.max(token.time());
    let times = Times { at: token.time(), until, compromise: until };
    let mut last = ChainError::UnknownCertificate;
    for tsa in envelope.certificates().iter().filter(|c| &super::cert::key_id(c.subject_key()) == token.tsa_key_id()) {
        let checked = find_path(tsa, envelope, policy, cache)
            .and_then(|p| p.check_at(KeyUsage::TIMESTAMPING, times, now, sources, policy.require_fresh_status, cache));
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
