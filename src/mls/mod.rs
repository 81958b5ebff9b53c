//! Groups on MLS (RFC 9420), built on mls-rs: school-scale groups where a
//! removal is one commit of O(log n) size and every member agrees on the
//! membership and the epoch (SPEC.md §15).
//!
//! Envelopes ([`MlsMessageEnvelope`] and friends) and [`MlsLimits`] build
//! without the `mls` feature, for a server that only checks and routes
//! them; everything else needs it (on by default). mls-rs stays behind this
//! module: the API shows vestnik types and [`MlsError`] only.

// Milestone: the group API that uses these lands next.
#![allow(dead_code)]

pub mod limits;
mod suite;
mod wire;

pub use limits::MlsLimits;
pub use suite::MlsSuite;
pub use wire::{
    MlsContentKind, MlsGroupInfoEnvelope, MlsKeyPackageEnvelope, MlsMessageEnvelope, MlsRatchetTreeEnvelope,
    MlsWelcomeEnvelope,
};

#[cfg(feature = "mls")]
mod error;
#[cfg(feature = "mls")]
pub(crate) mod identity;
#[cfg(all(test, feature = "mls"))]
mod interop_tests;
#[cfg(feature = "mls")]
mod observer;
#[cfg(feature = "mls")]
pub(crate) mod provider;
#[cfg(feature = "mls")]
pub use observer::{
    MLS_OBSERVER_MAX_PENDING_PROPOSALS, MLS_OBSERVER_REMEMBERED_COMMITS, MLS_OBSERVER_STATE_OVERHEAD, MlsObserver,
    Observed, ObserverError,
};

#[cfg(feature = "mls")]
pub use error::MlsError;
#[cfg(feature = "mls")]
pub use identity::{LeafRejection, TrustedIdentities};
