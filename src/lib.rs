//! # vestnik
//!
//! The end-to-end encryption core of a messenger: pure Rust, sans-I/O, no
//! global state. Every value here is a plain type the app stores as it likes
//! (serialized with a version, optionally sealed under a storage key).
//!
//! | capability | module | SPEC.md |
//! |---|---|---|
//! | device identity, safety numbers | [`identity`], [`safety_number`] | §5.1, §9 |
//! | prekeys and bundles | [`prekey`] | §5.2–5.3 |
//! | post-quantum handshake (PQXDH: X25519 + ML-KEM-768), Double Ratchet, sessions | [`session`], [`crypto::kem`] | §5.4–5.9 |
//! | state at rest | [`storage`] | §8 |
//! | groups (sender keys over 1:1 sessions) | [`group`] | §12 |
//! | calls: SFrame media encryption, keys over 1:1 sessions | [`call`] | §13 |
//! | signed documents: certificates, status lists, timestamps, envelopes | [`document`] | §11 |
//! | official-document credentials: selective disclosure, presentations | [`credential`] | §14 |
//! | groups on MLS (RFC 9420), school scale | [`mls`] | §15 |
//! | Ed25519 acceptance rule (single and batch) | [`crypto::sig`] | §2.2, §11.1 |
//! | multi-device accounts: device lists, linking, fan-out, account safety numbers | [`account`] | §16 |
//! | servers: upload formats, bundle assembly, the prekey lifecycle | [`upload`], [`prekey`] | §17 |
//!
//! ## A conversation
//!
//! ```
//! use vestnik::{DeviceIdentity, PeerSessions, PreKeyBundle, PreKeyStore};
//! let mut rng = rand::rng();
//! let alice = DeviceIdentity::generate(&mut rng);
//! let bob = DeviceIdentity::generate(&mut rng);
//! let mut bob_prekeys = PreKeyStore::new(&bob, 0, &mut rng);
//! let uploaded = bob_prekeys.generate_one_time_prekeys(10, &mut rng)?;
//! // Bob's server hands Alice a bundle; both it and Alice validate it.
//! let bundle = bob_prekeys.bundle(&bob, Some(uploaded[0].id())).to_bytes();
//! let bundle = PreKeyBundle::from_bytes(&bundle)?;
//!
//! let mut alice_to_bob = PeerSessions::new(bundle.identity());
//! alice_to_bob.initiate(&alice, &bundle, 0, &mut rng)?;
//! let wire = alice_to_bob.encrypt("Привет, Боб!".as_bytes(), &mut rng)?;
//!
//! let mut bob_to_alice = PeerSessions::new(alice.public());
//! let got = bob_to_alice.decrypt(&bob, &mut bob_prekeys, &wire, 0)?;
//! assert_eq!(got.plaintext(), "Привет, Боб!".as_bytes());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod account;
pub mod call;
mod chain;
pub mod channel;
pub mod credential;
pub mod crypto;
#[cfg(test)]
mod debug_snapshots;
pub mod document;
pub mod group;
pub mod identity;
pub mod labels;
pub mod limits;
pub mod manual;
pub mod mls;
pub mod padding;
pub mod prekey;
pub mod safety_number;
pub mod session;
pub mod storage;
pub mod upload;
pub mod wire;

/// The `zeroize` crate this one is built with: serialized secrets come back
/// as [`zeroize::Zeroizing`] buffers, wiped when dropped.
pub use zeroize;

pub use identity::{DeviceIdentity, IdentityPublic};
pub use limits::{CallLimits, GroupLimits, HandshakePolicy, SessionLimits};
pub use prekey::{PreKeyBundle, PreKeyStore};
pub use session::{ContentType, PeerSessions, Received, SessionError};

/// Compile-time guard (ASSURANCE row 16): every secret-holding type must
/// implement `ZeroizeOnDrop`. Dropping a dependency's `zeroize` feature, or a
/// refactor that loses the derive, fails the build here.
#[allow(dead_code)]
const fn assert_zeroize_on_drop<T: zeroize::ZeroizeOnDrop>() {}
const _: () = {
    assert_zeroize_on_drop::<crypto::Secret32>();
    assert_zeroize_on_drop::<crypto::x25519::X25519Secret>();
    // Post-quantum handshake (issue 16): the KEM secret and the key it wraps.
    assert_zeroize_on_drop::<crypto::kem::KemDecapsulationKey>();
    assert_zeroize_on_drop::<ml_kem::DecapsulationKey768>();
    assert_zeroize_on_drop::<crypto::sig::SigningKey>();
    assert_zeroize_on_drop::<ed25519_dalek::SigningKey>();
    assert_zeroize_on_drop::<x25519_dalek::StaticSecret>();
    assert_zeroize_on_drop::<DeviceIdentity>();
    assert_zeroize_on_drop::<PreKeyStore>();
    assert_zeroize_on_drop::<storage::StorageKey>();
    assert_zeroize_on_drop::<session::keys::RootKey>();
    assert_zeroize_on_drop::<chain::ChainKey>();
    assert_zeroize_on_drop::<chain::MessageKey>();
    assert_zeroize_on_drop::<crypto::sig::SigningKey>();
    assert_zeroize_on_drop::<call::BaseKey>();
    assert_zeroize_on_drop::<call::FrameKey>();
    assert_zeroize_on_drop::<aes_gcm::Aes128Gcm>();
    assert_zeroize_on_drop::<aes_gcm::Aes256Gcm>();
    assert_zeroize_on_drop::<chacha20poly1305::ChaCha20Poly1305>();
    assert_zeroize_on_drop::<call::SenderContext>();
    assert_zeroize_on_drop::<call::ReceiverContext>();
    assert_zeroize_on_drop::<call::Call>();
    assert_zeroize_on_drop::<call::CallKeyDelivery>();
    assert_zeroize_on_drop::<credential::HeldCredential>();
    assert_zeroize_on_drop::<account::AccountKey>();
    assert_zeroize_on_drop::<account::LinkingCode>();
    assert_zeroize_on_drop::<account::PendingLink>();
    #[cfg(feature = "mls")]
    assert_zeroize_on_drop::<mls::MlsGroup>();
    #[cfg(feature = "mls")]
    assert_zeroize_on_drop::<mls::MlsKeyPackageStore>();
    #[cfg(feature = "mls")]
    assert_zeroize_on_drop::<mls_rs_core::crypto::HpkeSecretKey>();
    #[cfg(feature = "mls")]
    assert_zeroize_on_drop::<mls_rs_core::crypto::SignatureSecretKey>();
};
