//! What a verifier requires (SPEC.md §11.7).

use super::anchor::TrustAnchor;
use super::limits::DocumentLimits;
use super::status::StatusList;

/// Default allowance between a claimed signing time and the proving timestamp
/// (or the verifier's clock): five minutes of clock skew.
pub const DEFAULT_MAX_CLOCK_SKEW: u64 = 300;

/// The verifier's requirements: trust anchors, its own status lists,
/// timestamps, signer count, revocation freshness and decode limits.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerificationPolicy {
    /// Keys trusted by configuration.
    pub anchors: Vec<TrustAnchor>,
    /// The verifier's own current status lists, fetched from the issuers.
    /// Revocation in any authentic list is final; a fresh list here decides,
    /// and lists carried in the envelope only fill the gaps (SPEC.md §11.4).
    pub status_lists: Vec<StatusList>,
    /// Every signature must carry a valid timestamp.
    pub require_timestamp: bool,
    /// Distinct valid signers required: distinct subjects (subject id) per
    /// trust anchor, however many keys or signatures each has.
    pub min_signers: usize,
    /// Every certificate in every path must be covered by a fresh status
    /// list (on by default; turning it off is shown in the report).
    pub require_fresh_status: bool,
    /// Allowed lead of a claimed signing time over the proven or current time.
    pub max_clock_skew: u64,
    /// Decode and count limits.
    pub limits: DocumentLimits,
}

impl VerificationPolicy {
    /// A policy trusting `anchors`, needing one signer, no timestamp, and
    /// fresh revocation status for every certificate (pass the issuers'
    /// current lists with [`Self::with_status_lists`], or rely on lists the
    /// envelope carries; opt out with [`Self::with_fresh_status`]).
    pub fn new(anchors: Vec<TrustAnchor>) -> Self {
        Self {
            anchors,
            status_lists: Vec::new(),
            require_timestamp: false,
            min_signers: 1,
            require_fresh_status: true,
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
            limits: DocumentLimits::default(),
        }
    }

    /// Requires (or not) a timestamp on every signature.
    pub fn with_required_timestamp(mut self, required: bool) -> Self {
        self.require_timestamp = required;
        self
    }

    /// Sets the number of distinct signers (subjects per anchor) required.
    pub fn with_min_signers(mut self, n: usize) -> Self {
        self.min_signers = n;
        self
    }

    /// Requires (or, explicitly, not) fresh revocation status for every
    /// certificate. The default is to require it; the report records an opt-out.
    pub fn with_fresh_status(mut self, required: bool) -> Self {
        self.require_fresh_status = required;
        self
    }

    /// The verifier's own current status lists (fetched from the issuers).
    pub fn with_status_lists(mut self, lists: Vec<StatusList>) -> Self {
        self.status_lists = lists;
        self
    }

    /// Sets the allowed lead of a claimed signing time (seconds).
    pub fn with_max_clock_skew(mut self, skew: u64) -> Self {
        self.max_clock_skew = skew;
        self
    }
}
