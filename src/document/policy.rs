//! What a verifier requires (SPEC.md §11.7).

use super::anchor::TrustAnchor;
use super::limits::DocumentLimits;

/// Default allowance between a claimed signing time and the proving timestamp
/// (or the verifier's clock): five minutes of clock skew.
pub const DEFAULT_MAX_CLOCK_SKEW: u64 = 300;

/// The verifier's requirements: trust anchors, timestamps, signer count,
/// revocation freshness and decode limits.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerificationPolicy {
    /// Keys trusted by configuration.
    pub anchors: Vec<TrustAnchor>,
    /// Every signature must carry a valid timestamp.
    pub require_timestamp: bool,
    /// Distinct valid signers required (one key counts once, however often it signs).
    pub min_signers: usize,
    /// Every certificate in every path must be covered by a fresh status list.
    pub require_fresh_status: bool,
    /// Allowed lead of a claimed signing time over the proven or current time.
    pub max_clock_skew: u64,
    /// Decode and count limits.
    pub limits: DocumentLimits,
}

impl VerificationPolicy {
    /// A policy trusting `anchors`, needing one signer, no timestamp and no
    /// status list (supplied lists are still checked).
    pub fn new(anchors: Vec<TrustAnchor>) -> Self {
        Self {
            anchors,
            require_timestamp: false,
            min_signers: 1,
            require_fresh_status: false,
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
            limits: DocumentLimits::default(),
        }
    }

    /// Requires (or not) a timestamp on every signature.
    pub fn with_required_timestamp(mut self, required: bool) -> Self {
        self.require_timestamp = required;
        self
    }

    /// Sets the number of distinct signers required.
    pub fn with_min_signers(mut self, n: usize) -> Self {
        self.min_signers = n;
        self
    }

    /// Requires (or not) fresh revocation status for every certificate.
    pub fn with_fresh_status(mut self, required: bool) -> Self {
        self.require_fresh_status = required;
        self
    }
}
