//! Multi-device accounts (SPEC.md §16): one person, several devices.
//!
//! - An **account key** ([`AccountKey`], Ed25519, held by the primary
//!   device only) signs the account's **device list** ([`DeviceList`]):
//!   versioned, timestamped, validated by anyone with no secret.
//! - Every client keeps a [`DeviceListTracker`] per account: it refuses a
//!   list for another account, an older one (rollback) and a different one
//!   with the same version (equivocation), and reports which devices came
//!   and went ([`DeviceDelta`]).
//! - A new device is **linked** by a one-time [`LinkingCode`] (QR) that the
//!   primary scans and answers with a provisioning message encrypted to it
//!   ([`AccountKey::provision`], [`PendingLink::accept`]).
//! - **Fan-out** ([`DeviceSessions`]) encrypts one plaintext for every
//!   device of the recipients and every other device of our own account,
//!   from the verified lists only.
//! - **Safety numbers** are per account
//!   ([`crate::safety_number::SafetyNumber::for_accounts`]) and stay the
//!   same when devices change.
//! - **Groups** follow device lists through [`AccountMembers`].
//!
//! ## Linking a tablet, end to end
//!
//! ```
//! use vestnik::DeviceIdentity;
//! use vestnik::account::{AccountKey, AccountLimits, LinkingCode, PendingLink, ProvisionOptions};
//! let mut rng = rand::rng();
//! let limits = AccountLimits::default();
//! let now = 1_764_000_000;
//! let phone = DeviceIdentity::generate(&mut rng);
//! let (account, list) = AccountKey::create(&phone.public(), now, &mut rng)?;
//!
//! // The tablet shows a code...
//! let tablet = DeviceIdentity::generate(&mut rng);
//! let (mut pending, code) = PendingLink::new(&tablet.public(), now, 300, &mut rng);
//! let qr = code.to_bytes();
//! // ...the phone scans it, signs a new list and answers.
//! let scanned = LinkingCode::from_bytes(&qr)?;
//! let answer =
//!     account.provision(&phone.public(), &list, &scanned, &ProvisionOptions::new(), now + 5, &limits, &mut rng)?;
//! // The tablet opens the answer: it now knows its account and list.
//! let linked = pending.accept(answer.message(), now + 6, &limits)?;
//! assert_eq!(linked.account(), &account.public());
//! assert!(linked.tracker().is_listed(&tablet.public()));
//! // A replay of the same answer fails.
//! assert!(pending.accept(answer.message(), now + 7, &limits).is_err());
//! # Ok::<(), vestnik::account::AccountError>(())
//! ```

mod device_list;
mod error;
mod fanout;
mod group;
mod history;
mod key;
pub mod limits;
mod linking;
mod provisioning;
mod tracker;

pub use device_list::{DeviceEntry, DeviceList};
pub use error::AccountError;
pub use fanout::{AccountMessage, DeviceSessions, Fanout, FanoutCopy, FanoutTargets};
pub use group::AccountMembers;
pub use history::ProvisionOptions;
#[doc(hidden)]
pub use key::load_account_key_state;
pub use key::{AccountKey, AccountPublic, MAX_ACCOUNT_KEY_STATE_LEN};
pub use limits::{AccountLimits, MAX_DEVICES, MAX_DEVICES_CEILING};
pub use linking::{LinkingCode, MAX_PENDING_LINK_LEN, PendingLink};
pub use provisioning::{Provisioned, Provisioning, ProvisioningHeader};
pub use tracker::{DeviceDelta, DeviceListTracker, DeviceListUpdate};
