//! The verification report (SPEC.md §11.7): per signature, who signed, when,
//! whether a timestamp proves it, and every check with its outcome and reason.

use super::chain::ChainError;
use super::usage::{Commitment, Role};
use crate::crypto::sig::VerifyingKey;
use core::fmt;

/// Which check a [`Check`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckKind {
    /// The signer's certificate is carried in the envelope.
    CertificateFound,
    /// The signed role equals the certificate's role.
    RoleMatches,
    /// The certification path up to a trust anchor (signatures, usage,
    /// path length, validity at the validation time, revocation).
    CertificatePath,
    /// The Ed25519 signature under the acceptance rule.
    Signature,
    /// A timestamp token proves the signing time.
    Timestamp,
    /// The claimed signing time is within the signer certificate's validity
    /// start and the proven (or current) time plus the allowed skew.
    ClaimedTime,
    /// Every archive timestamp of the envelope verifies, each validated at
    /// the time of the next one and the last at now (present only when the
    /// envelope carries archive timestamps).
    ArchiveTimestamps,
}

/// Why a check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// The certificate named by the signer is not carried.
    #[error("the signer's certificate is not in the envelope")]
    CertificateMissing,
    /// The certification path failed.
    #[error("{0}")]
    Chain(#[from] ChainError),
    /// The signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// The signed role differs from the certificate's.
    #[error("signed role {claimed} differs from certified role {certified}")]
    RoleMismatch {
        /// Role in the signed attributes.
        claimed: Role,
        /// Role in the certificate.
        certified: Role,
    },
    /// No timestamp token verified (the reason of the last one tried, if any).
    #[error("no valid timestamp{}", .0.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    NoValidTimestamp(Option<TimestampFailure>),
    /// The claimed time is later than allowed.
    #[error("claimed signing time {claimed} is after {limit}")]
    ClaimedTimeTooLate {
        /// Claimed time.
        claimed: u64,
        /// Latest acceptable.
        limit: u64,
    },
    /// The claimed time is before the signer certificate's validity starts.
    #[error("claimed signing time {claimed} is before the certificate's not_before {not_before}")]
    ClaimedTimeTooEarly {
        /// Claimed time.
        claimed: u64,
        /// The certificate's `not_before`.
        not_before: u64,
    },
    /// An archive timestamp does not verify (it and the ones before it
    /// protect nothing).
    #[error("archive timestamp {index}: {reason}")]
    ArchiveTimestamp {
        /// Position among the envelope's archive timestamps.
        index: usize,
        /// Why it failed.
        reason: TimestampFailure,
    },
    /// Not checked because an earlier check failed.
    #[error("not checked: {0}")]
    NotChecked(&'static str),
}

/// Why one timestamp token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampFailure {
    /// The token covers another signature.
    #[error("the token covers another signature")]
    WrongImprint,
    /// No carried certificate of a trusted TSA matches the token.
    #[error("no trusted timestamping certificate: {0}")]
    Tsa(ChainError),
    /// The TSA's signature does not verify.
    #[error("the TSA signature does not verify")]
    BadSignature,
    /// The token's time is after the verifier's clock.
    #[error("the token is dated in the future")]
    Future,
    /// An archive timestamp is dated before the one it follows.
    #[error("the archive timestamp is dated before the previous one")]
    OutOfOrder,
}

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked.
    pub kind: CheckKind,
    /// Passed, or why not.
    pub result: Result<(), Failure>,
}

/// Who signed, from the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerIdentity {
    /// The subject identifier.
    pub subject_id: String,
    /// The display name.
    pub display_name: String,
    /// The certified role.
    pub role: Role,
    /// The signing key.
    pub key: VerifyingKey,
    /// The trust anchor the path ended at, when it was built.
    pub anchor: Option<String>,
}

/// The outcome for one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureReport {
    /// Position in the envelope.
    pub index: usize,
    /// The signature this one countersigns, if any.
    pub countersigns: Option<usize>,
    /// The signer, when the certificate was found.
    pub signer: Option<SignerIdentity>,
    /// The commitment expressed.
    pub commitment: Commitment,
    /// The signer's claimed time.
    pub claimed_time: u64,
    /// The earliest time proven by a valid timestamp, if any.
    pub proven_time: Option<u64>,
    /// The time the signature was judged at: the proven time, else (no
    /// timestamp required and none carried) the claimed time.
    pub validation_time: u64,
    /// Every check, in order.
    pub checks: Vec<Check>,
}

impl SignatureReport {
    /// True when every check passed.
    pub fn is_valid(&self) -> bool {
        self.checks.iter().all(|c| c.result.is_ok())
    }

    /// The first failure, if any.
    pub fn first_failure(&self) -> Option<&Failure> {
        self.checks.iter().find_map(|c| c.result.as_ref().err())
    }
}

/// Why the document does not match the envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentFailure {
    /// Neither a detached document nor an inline payload was supplied.
    #[error("no document supplied and none inline")]
    Missing,
    /// The document's length differs from the signed length (truncated or extended).
    #[error("document length {got} differs from the signed length {expected}")]
    Length {
        /// Signed length.
        expected: u64,
        /// Supplied length.
        got: u64,
    },
    /// The document's SHA-512 differs from the signed digest.
    #[error("document digest differs from the signed digest")]
    Digest,
}

/// A policy requirement that the envelope as a whole does not meet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyFailure {
    /// Fewer distinct valid signers than required.
    #[error("{found} distinct valid signer(s), policy requires {required}")]
    TooFewSigners {
        /// Distinct valid signers.
        found: usize,
        /// Required.
        required: usize,
    },
    /// At least one signature failed.
    #[error("signature {0} is not valid")]
    InvalidSignature(usize),
}

/// The outcome of verifying one envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationReport {
    /// The verifier's clock.
    pub now: u64,
    /// The payload type the signers signed.
    pub payload_type: String,
    /// Whether the document matches.
    pub document: Result<(), DocumentFailure>,
    /// One report per signature.
    pub signatures: Vec<SignatureReport>,
    /// Distinct subjects (subject id per trust anchor) among valid signatures.
    pub distinct_valid_signers: usize,
    /// Policy requirements not met.
    pub policy_failures: Vec<PolicyFailure>,
    /// Whether fresh revocation status was required (false: the policy
    /// opted out, and revocation was checked only against what was supplied).
    pub fresh_status_required: bool,
    /// Times of the envelope's archive timestamps that verified, oldest first.
    pub archive_times: Vec<u64>,
}

impl VerificationReport {
    /// True when the document matches, every signature is valid and the policy is met.
    pub fn is_accepted(&self) -> bool {
        self.document.is_ok()
            && self.policy_failures.is_empty()
            && self.signatures.iter().all(SignatureReport::is_valid)
    }
}

impl fmt::Display for VerificationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.is_accepted() { "ACCEPTED" } else { "REJECTED" };
        writeln!(f, "Verdict: {verdict} (checked at {}, payload type {})", self.now, self.payload_type)?;
        match &self.document {
            Ok(()) => writeln!(f, "Document: matches the signed digest and length")?,
            Err(e) => writeln!(f, "Document: {e}")?,
        }
        if self.fresh_status_required {
            writeln!(f, "Revocation status: fresh status required for every certificate")?;
        } else {
            writeln!(f, "Revocation status: NOT required (policy opt-out); only supplied lists were checked")?;
        }
        for t in &self.archive_times {
            writeln!(f, "Archive timestamp: {t}")?;
        }
        for s in &self.signatures {
            let who = s.signer.as_ref().map_or_else(
                || "unknown signer".to_owned(),
                |p| {
                    format!(
                        "{} ({}, {}, id {})",
                        p.display_name,
                        p.role,
                        p.anchor.as_deref().unwrap_or("no anchor"),
                        p.subject_id
                    )
                },
            );
            let kind = match s.countersigns {
                Some(t) => format!("countersignature on #{t}"),
                None => "signature".to_owned(),
            };
            writeln!(f, "#{} {kind} by {who}: {}", s.index, if s.is_valid() { "valid" } else { "NOT valid" })?;
            writeln!(f, "   commitment: {}; claimed time {}", s.commitment, s.claimed_time)?;
            match s.proven_time {
                Some(t) => writeln!(f, "   signing time proven by timestamp: {t}")?,
                None => writeln!(f, "   signing time not proven by a timestamp")?,
            }
            writeln!(f, "   signature judged at time {}", s.validation_time)?;
            for c in &s.checks {
                match &c.result {
                    Ok(()) => writeln!(f, "   [ok]   {:?}", c.kind)?,
                    Err(e) => writeln!(f, "   [FAIL] {:?}: {e}", c.kind)?,
                }
            }
        }
        writeln!(f, "Distinct valid signers (subjects): {}", self.distinct_valid_signers)?;
        for p in &self.policy_failures {
            writeln!(f, "Policy: {p}")?;
        }
        Ok(())
    }
}
