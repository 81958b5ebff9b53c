//! MLS (RFC 9420) groups on mls-rs (SPEC §15). Placeholder module of the
//! `mlsvec` branch; the `mls` branch's module replaces this file at merge.

#![allow(dead_code)]

#[cfg(test)]
mod interop_tests;
pub(crate) mod provider;
