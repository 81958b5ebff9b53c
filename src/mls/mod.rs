//! Groups on MLS (RFC 9420), built on mls-rs: school-scale groups where a
//! removal is one commit of O(log n) size and every member agrees on the
//! membership and the epoch (SPEC.md §15).
//!
//! Envelopes ([`MlsMessageEnvelope`] and friends) and [`MlsLimits`] build
//! without the `mls` feature, for a server that only checks and routes
//! them; everything else needs it (on by default). mls-rs stays behind this
//! module: the API shows vestnik types and [`MlsError`] only.

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
mod config;
#[cfg(feature = "mls")]
mod error;
#[cfg(feature = "mls")]
mod events;
#[cfg(feature = "mls")]
mod group;
#[cfg(feature = "mls")]
pub(crate) mod identity;
#[cfg(feature = "mls")]
mod key_package;
#[cfg(feature = "mls")]
pub(crate) mod provider;
#[cfg(feature = "mls")]
mod state;

#[cfg(feature = "mls")]
pub use config::MlsConfig;
#[cfg(feature = "mls")]
pub use error::MlsError;
#[cfg(feature = "mls")]
pub use events::{MlsApplication, MlsCommit, MlsEpochChange, MlsProposal, MlsProposalKind, MlsReceived};
#[cfg(feature = "mls")]
pub use group::MlsGroup;
#[cfg(feature = "mls")]
pub use identity::{LeafRejection, TrustedIdentities};
#[cfg(feature = "mls")]
pub use key_package::{MlsKeyPackageStore, ValidatedKeyPackage, validate_key_package};
