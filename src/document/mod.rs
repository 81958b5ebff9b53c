//! Signed documents (SPEC.md §11): certificates and trust anchors, revocation
//! status lists, RFC 3161-style timestamps, and detached signature envelopes
//! with several signers and countersignatures, verified into a report rather
//! than a bool, one by one or in batches.
//!
//! | concept | file | SPEC.md |
//! |---|---|---|
//! | roles, key usages, commitments | `usage.rs` | §11.3, §11.6 |
//! | certificates | `cert.rs` | §11.3 |
//! | trust anchors | `anchor.rs` | §11.3 |
//! | certification paths | `chain.rs` | §11.3 |
//! | status lists | `status.rs` | §11.4 |
//! | timestamps | `timestamp.rs` | §11.5 |
//! | envelope, signed attributes, signing input | `envelope.rs`, `attributes.rs`, `signing_input.rs` | §11.6 |
//! | policy, report, verification | `policy.rs`, `report.rs`, `verify.rs` | §11.7 |
//! | chain cache, batch verification | `cache.rs`, `batch.rs` | §11.8 |
//! | limits | `limits.rs` | §11.9 |
//!
//! Certificates and status lists are general: the credentials layer reuses them.

mod anchor;
mod attributes;
mod batch;
mod cache;
mod cert;
mod chain;
mod envelope;
pub mod limits;
mod policy;
mod report;
mod signing_input;
mod status;
mod timestamp;
mod usage;
mod verify;

pub use anchor::TrustAnchor;
pub use attributes::SignedAttributes;
pub(crate) use batch::batch_then_redo;
pub use batch::{BatchInput, verify_batch};
pub use cache::{ChainCache, DEFAULT_CACHE_ENTRIES};
pub use cert::{CertError, Certificate, CertificateRequest, KEY_ID_LEN, key_id};
pub(crate) use chain::Times;
pub use chain::{CertPath, ChainError};
pub use envelope::{ArchiveEntry, Envelope, EnvelopeError, PayloadTypeError, SignerEntry};
pub use limits::DocumentLimits;
pub use policy::{DEFAULT_MAX_CLOCK_SKEW, VerificationPolicy};
pub use report::{
    Check, CheckKind, DocumentFailure, Failure, PolicyFailure, SignatureReport, SignerIdentity, TimestampFailure,
    VerificationReport,
};
pub use status::{Revocation, RevocationReason, StatusError, StatusList, StatusType};
pub(crate) use status::{Standing, StatusSources, standing};
pub use timestamp::{TimestampError, TimestampRequest, TimestampToken};
pub use usage::{Commitment, KeyUsage, Role};
pub(crate) use verify::{Direct, SigOracle};
pub use verify::{verify, verify_with_cache};

#[cfg(test)]
mod domain_tests;
