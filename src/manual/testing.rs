//! # Tests and assurance
//!
//! Moved from the README. What `cargo test` runs and where each part lives;
//! `tests/README.md` and `tests/MUTANTS.md` hold the full inventory, and
//! `../shared/ASSURANCE.md` is the checklist the tests follow.
//!
//!
//! `cargo test` runs:
//!
//! - **known answers**: Wycheproof X25519 (all 31 zero-shared-secret cases refused), ChaCha20-Poly1305, HKDF-SHA-256 and HMAC-SHA-256 through the crate's own wrappers (`tests/wycheproof.rs`);
//! - **adversarial**: small-order and non-canonical keys in bundles, handshakes and every ratchet step; every bundle rule; bit flips and truncations with the state compared byte for byte; limits at MAX and MAX+1; counters at `u32::MAX`; forward secrecy and post-compromise security; every message type into every other decoder; oversize, deeply nested and over-counted input; `Debug` snapshots (`tests/session_adversarial.rs`);
//! - **network simulation** (proptest): send, deliver, drop, reorder, duplicate, tamper and restart from serialized state; every message decrypts exactly once; plus a 10^5-operation run under the caps (`tests/network_sim.rs`);
//! - **frozen vectors** of version 1 that every later version must load and decrypt (`tests/vectors/`, `tests/frozen_vectors.rs`);
//! - **groups**: round trips over real sessions, removal and addition, distributions only from sessions and the roster, cross-group and cross-sender binding, tampering, bounds, counters, and a group network simulator with members removed and re-added mid-stream (`tests/group.rs`, `tests/group_sim.rs`);
//! - **calls**: the RFC 9605 vectors (289 headers, full cases for suites 4 and 5; `tests/sframe_vectors.rs`, reading `../shared/vectors/` when present), keys only from `CallKey` session payloads of the named participant (`tests/call_sessions.rs`), joins, leaves and key overlap, replays, every limit at MAX and MAX+1, counters at their maximum, no plaintext left after a failed frame, `Debug` snapshots (`src/call/tests.rs`);
//! - **documents**: long-term validation after expiry, key usage and path length, revocation, tampered documents, duplicated signers, timestamps, identity keys as signers (`tests/document_validation.rs`); non-canonical encodings, cross-decoder and limit tests (`tests/document_encoding.rs`); batch and single verification agree item by item (`tests/document_batch.rs`); the Ed25519 rule against the 12 "Taming the many EdDSAs" cases and all Wycheproof cases, single and batch (`src/crypto/sig_tests.rs`); frozen envelope vectors (`tests/document_vectors.rs`);
//! - **credentials**: forged presentations built by a malicious holder (tampered claim, salt or digest; claims from two credentials; a claim disclosed twice; another holder key; signatures from other contexts; malleated signatures; small-order holder keys), replay with another nonce, audience or request, expiry and stale presentations, revocation and missing status, wrong document type for the issuer, a school key minting a passport that its certificate does not name (refused even under a rule without an issuer id), CA certificates widening the credential types below them, untrusted issuers, over- and under-disclosure, cached and uncached verification agreeing, and a brute-force search over every birth date of a century that finds the claim only with its salt (`src/credential/adversarial_tests.rs`, `src/credential/tests.rs`); batch unlinkability, every credential type into every other decoder, non-canonical encodings, limits at MAX and MAX+1, counts capped before allocation (`tests/credential.rs`); requests and answers over real sessions, and relays by a man in the middle (`tests/credential_sessions.rs`); frozen vectors (`tests/credential_vectors.rs`);
//! - **fuzz corpora** replayed on stable (`tests/fuzz_corpus.rs`: every committed seed, its truncations and byte edits, and any crash reproducer under `fuzz/regressions/`).
//!
//! `bash .ci/run` adds `cargo fmt --check`, `cargo clippy --all-targets -D warnings`,
//! `cargo doc` with warnings denied, and a short run of every fuzz target.
