//! The explicit cache of verified certification paths, status-list
//! signatures and decoded certificates (SPEC.md §11.8). Nothing is cached
//! unless the caller passes a [`ChainCache`]; the cache remembers only
//! signature results and pure decodings, so time, usage and revocation are
//! still checked on every use.

use super::anchor::TrustAnchor;
use super::cert::Certificate;
use super::cert::sha512;
use super::chain::{CertPath, ChainError};
use super::status::{StatusList, StatusSignatures};
use crate::crypto::sig::VerifyingKey;
use std::collections::{HashMap, HashSet};

/// Default number of entries kept before the cache empties itself.
pub const DEFAULT_CACHE_ENTRIES: usize = 10_000;

/// Verified certification paths, keyed by the leaf certificate's hash, and
/// verified status lists, keyed by (list hash, issuer key). Bound to one set
/// of trust anchors: used with another set, it empties itself first.
#[derive(Debug, Default)]
pub struct ChainCache {
    anchors: Option<[u8; 64]>,
    paths: HashMap<[u8; 64], CertPath>,
    lists: HashSet<([u8; 64], [u8; 32])>,
    certs: HashMap<[u8; 64], Certificate>,
    max_entries: usize,
    hits: u64,
}

impl ChainCache {
    /// An empty cache holding up to [`DEFAULT_CACHE_ENTRIES`] entries.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_CACHE_ENTRIES)
    }

    /// An empty cache holding up to `max_entries` entries (then it is cleared).
    pub fn with_capacity(max_entries: usize) -> Self {
        Self { max_entries, ..Self::default() }
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.paths.len() + self.lists.len() + self.certs.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many lookups were answered from the cache.
    pub fn hits(&self) -> u64 {
        self.hits
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.paths.clear();
        self.lists.clear();
        self.certs.clear();
    }

    fn bind(&mut self, anchors: &[TrustAnchor]) {
        let mut all = Vec::new();
        for a in anchors {
            all.extend_from_slice(&a.to_bytes());
        }
        let fp = sha512(&all);
        if self.anchors != Some(fp) {
            self.clear();
            self.anchors = Some(fp);
        }
        if self.len() >= self.max_entries {
            self.clear();
        }
    }

    /// The path of `leaf`, from the cache or built (and then cached).
    pub(crate) fn path(
        &mut self,
        leaf: &Certificate,
        pool: &[Certificate],
        anchors: &[TrustAnchor],
        max_len: usize,
    ) -> Result<CertPath, ChainError> {
        self.bind(anchors);
        // Keyed by the leaf and every certificate offered, so a hit returns
        // exactly what building from these inputs would.
        let mut inputs = leaf.hash().to_vec();
        for c in pool {
            inputs.extend_from_slice(c.hash());
        }
        let key = sha512(&inputs);
        if let Some(p) = self.paths.get(&key) {
            self.hits += 1;
            return Ok(p.clone());
        }
        let p = CertPath::build(leaf, pool, anchors, max_len)?;
        self.paths.insert(key, p.clone());
        Ok(p)
    }

    /// Decodes a certificate, or returns the one decoded earlier from the
    /// same bytes (decoding is a pure function of the bytes, so this is exact).
    pub(crate) fn certificate(&mut self, bytes: &[u8]) -> Result<Certificate, super::CertError> {
        if let Some(c) = self.certs.get(&sha512(bytes)) {
            self.hits += 1;
            return Ok(c.clone());
        }
        Certificate::from_bytes(bytes)
    }

    /// Remembers the decoded certificates of a path that verified, so
    /// untrusted input never fills the cache.
    pub(crate) fn remember_certificates(&mut self, path: &CertPath) {
        for c in path.certificates() {
            if self.len() >= self.max_entries {
                return;
            }
            self.certs.entry(*c.hash()).or_insert_with(|| c.clone());
        }
    }
}

impl StatusSignatures for ChainCache {
    /// True when `list` verifies under `issuer`, remembering successes.
    fn status_list_verified(&mut self, list: &StatusList, issuer: &VerifyingKey) -> bool {
        let key = (*list.hash(), *issuer.as_bytes());
        if self.lists.contains(&key) {
            self.hits += 1;
            return true;
        }
        let ok = list.verify_signature(issuer).is_ok();
        if ok && self.len() < self.max_entries {
            self.lists.insert(key);
        }
        ok
    }
}
