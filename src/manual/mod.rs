//! The manual: the material that used to crowd the README, kept with the
//! code so `cargo doc` carries it. Documentation only; no code lives here.
//!
//! - [`performance`]: every benchmark figure, how it was measured, and the
//!   targets each meets or misses;
//! - [`engines`]: choosing between sender keys and MLS for a group, with
//!   measured numbers, and moving a class chat that grew to MLS;
//! - [`testing`]: what `cargo test` runs, module by module (the assurance
//!   map);
//! - [`fuzzing`]: the fuzz targets and how their corpora are replayed;
//! - [`mutation`]: mutation-testing results.
//!
//! The protocol itself (every byte, label, limit and rule) is `SPEC.md` at
//! the crate root.

pub mod engines;
pub mod fuzzing;
pub mod mutation;
pub mod performance;
pub mod testing;
