//! # Fuzzing
//!
//! Moved from the README.
//!
//!
//! Targets in `fuzz/` (logic in `fuzz/targets/`, shared with the corpus replay):
//! `session_decode`, `session_decrypt` (state unchanged on error), `state_load`,
//! `session_interaction` (a two-party conversation driven by the input),
//! `group_decrypt` (state unchanged on error, never twice), `group_distribution`
//! (through a real session), `group_state_load`, `sframe_header` (decode and
//! re-encode), `sframe_unprotect` (forged, bit-flipped and ratcheted frames; a
//! frame decrypts once, a failure changes no key and leaves no output),
//! `document_envelope`, `document_certificate`, `document_timestamp`,
//! `document_status_list` (decode, verify, re-encode), `credential_decode`
//! (every credential format: decode and re-encode exactly), `presentation_verify`
//! (arbitrary and mutated presentations against a fixed request and issuer
//! chain). The corpora under
//! `fuzz/corpus/` are replayed by `cargo test`; `.ci/run` runs every target for
//! 15 s (`FUZZ_SECONDS`). The long campaign, 10^6 executions per target:
//!
//! ```text
//! cargo install cargo-fuzz --locked
//! cd fuzz && for t in $(cargo fuzz list); do RUSTC_BOOTSTRAP=1 cargo fuzz run -O $t -- -runs=1000000 -max_len=4096; done
//! ```
