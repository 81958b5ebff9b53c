//! Groups on MLS (RFC 9420), built on mls-rs: school-scale groups where a
//! removal is one commit of O(log n) size and every member agrees on the
//! membership and the epoch (SPEC.md §15).
//!
//! Envelopes ([`MlsMessageEnvelope`] and friends) and [`MlsLimits`] build
//! without the `mls` feature, for a server that only checks and routes
//! them; everything else needs it (on by default). mls-rs stays behind this
//! module: the API shows vestnik types and `MlsError` only.
//!
//! ```
//! use vestnik::DeviceIdentity;
//! use vestnik::mls::{MlsConfig, MlsGroup, MlsKeyPackageStore, MlsLimits, MlsReceived, MlsSuite, TrustedIdentities};
//! let mut rng = rand::rng();
//! let now = 1_750_000_000;
//! let (principal, pupil) = (DeviceIdentity::generate(&mut rng), DeviceIdentity::generate(&mut rng));
//! let mut pupil_store = MlsKeyPackageStore::new(MlsLimits::default());
//! let upload = pupil_store.generate(&pupil, MlsSuite::default(), now, false, &mut rng)?;
//! vestnik::mls::validate_key_package(&upload, &pupil.public(), now)?; // the server's check
//!
//! let config = MlsConfig::new(TrustedIdentities::any_valid_identity());
//! let mut school = MlsGroup::create(&principal, MlsSuite::default(), b"school", config.clone(), now, &mut rng)?;
//! let commit = school.add(&[upload], now)?;
//! school.confirm_pending_commit()?; // the server accepted it for this epoch
//! let (welcome, tree) = (commit.welcome.unwrap(), commit.ratchet_tree.unwrap());
//! let mut g = MlsGroup::join(&mut pupil_store, &welcome, &tree, config, now)?;
//!
//! let msg = school.encrypt("Уроки отменены".as_bytes())?;
//! match g.process(&msg.to_bytes(), now)? {
//!     MlsReceived::Application(m) => assert_eq!(&m.plaintext[..], "Уроки отменены".as_bytes()),
//!     _ => unreachable!(),
//! }
//! let removal = school.remove(&[pupil.public()], now)?;
//! school.confirm_pending_commit()?;
//! assert!(matches!(g.process(&removal.commit.to_bytes(), now)?, MlsReceived::Commit(c) if c.removed_self));
//! # Ok::<(), vestnik::mls::MlsError>(())
//! ```
//!
//! **Choosing an engine.** Sender keys ([`crate::group`]) send cheaply but a
//! removal re-keys every remaining sender over 1:1 sessions (n(n−1)
//! messages); MLS makes it one O(log n) commit and gives every member the
//! same membership and epoch. Sender keys for classes and channels; MLS
//! from a few hundred members or frequent membership changes (figures in
//! [`crate::manual`]).

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
#[cfg(all(test, feature = "mls"))]
mod interop_tests;
#[cfg(feature = "mls")]
mod key_package;
#[cfg(feature = "mls")]
mod observer;
#[cfg(feature = "mls")]
pub(crate) mod provider;
#[cfg(feature = "mls")]
mod state;

#[cfg(feature = "mls")]
pub use observer::{
    MLS_OBSERVER_MAX_PENDING_PROPOSALS, MLS_OBSERVER_REMEMBERED_COMMITS, MLS_OBSERVER_STATE_OVERHEAD, MlsObserver,
    Observed, ObserverError,
};

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
