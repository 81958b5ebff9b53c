//! # Mutation testing
//!
//! Moved from the README; the per-mutant record is `tests/MUTANTS.md`.
//!
//!
//! `cargo mutants` (cargo-mutants 27.1.0, run 2026-11-28) over the handshake,
//! ratchet, shared chain, group, strict wire codec, padding, 1:1 message and
//! session, signed-document envelope and signature modules. Every missed mutant
//! is killed by a test or excluded, with its reason, in `.cargo/mutants.toml`;
//! the commands, the tests added and the reasons are in `tests/MUTANTS.md`.
//!
//! ```text
//! cargo install cargo-mutants --locked
//! cargo mutants -j 1 -f src/session/ratchet.rs -- --lib --test session_basic --test session_adversarial --test frozen_vectors --test group
//! ```
//!
//! | File | Mutants | Caught | Missed | Unviable | Timeout | Excluded |
//! |---|---:|---:|---:|---:|---:|---:|
//! | `session/handshake.rs` | 4 | 0 | 0 | 4 | 0 | 0 |
//! | `session/ratchet.rs` | 32 | 19 | 0 | 11 | 0 | 2 |
//! | `session/chain.rs` | 4 | 1 | 0 | 3 | 0 | 0 |
//! | `chain.rs` | 59 | 40 | 0 | 19 | 0 | 0 |
//! | `group/chain.rs` | 22 | 14 | 0 | 8 | 0 | 0 |
//! | `group/error.rs` | 1 | 0 | 0 | 1 | 0 | 0 |
//! | `group/message.rs` | 7 | 6 | 0 | 1 | 0 | 0 |
//! | `group/mod.rs` | 6 | 5 | 0 | 1 | 0 | 0 |
//! | `group/persist.rs` | 24 | 14 | 0 | 9 | 0 | 1 |
//! | `group/state.rs` | 62 | 49 | 0 | 13 | 0 | 0 |
//! | `wire/mod.rs` | 38 | 27 | 0 | 11 | 0 | 0 |
//! | `document/envelope.rs` | 67 | 56 | 0 | 11 | 0 | 0 |
//! | `document/signing_input.rs` | 4 | 1 | 0 | 3 | 0 | 0 |
//! | `document/verify.rs` | 26 | 22 | 0 | 4 | 0 | 0 |
//! | `padding.rs` | 42 | 38 | 0 | 4 | 0 | 0 |
//! | `session/message.rs` | 16 | 14 | 0 | 2 | 0 | 0 |
//! | `session/state.rs` | 14 | 11 | 0 | 3 | 0 | 0 |
//! | `crypto/sig.rs` | 46 | 36 | 0 | 10 | 0 | 0 |
//! | **total** | 474 | 353 | 0 | 118 | 0 | 3 |
//!
//! Unviable mutants do not compile (mostly a `Default` value for a secret type
//! that has none on purpose).
