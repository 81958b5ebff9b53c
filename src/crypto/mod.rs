//! Thin, misuse-resistant wrappers over the primitive crates.
//!
//! Every primitive the protocols use goes through here, so that the rules of
//! `SPEC.md` §2 (strict Ed25519, contributory X25519, full AEAD tags, labelled
//! KDFs) hold in one place and the Wycheproof tests exercise these wrappers.

pub(crate) mod aead;
pub(crate) mod kdf;
pub(crate) mod secret;
pub mod sig;
pub mod x25519;

pub(crate) use secret::Secret32;
