//! The explicit cache of verified certification paths, status-list
//! signatures and decoded certificates (SPEC.md §11.8). Nothing is cached
//! unless the caller passes a [`ChainCache`]; the cache remembers only
//! signature results and pure decodings, so time, usage and revocation are
//! still checked on every use.
//!
//! One cache serves many threads at once (it is `Send + Sync`, used through
//! `&ChainCache`): each of its three maps is split into `SHARDS` shards,
//! each behind its own `RwLock`, picked by the first byte of the entry's
//! SHA-512 key. A lock is held only to look an entry up or to insert one,
//! never while a path is built or a signature checked, so threads verifying
//! the same chains share read locks and threads verifying different ones
//! rarely meet. A poisoned lock (a panic elsewhere while it was held) is
//! recovered: every map is left whole by every operation on it, so its
//! contents stay valid.

use super::anchor::TrustAnchor;
use super::cert::Certificate;
use super::cert::sha512;
use super::chain::{CertPath, ChainError};
use super::status::{StatusList, StatusSignatures};
use crate::crypto::sig::VerifyingKey;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Default number of entries kept before the cache empties itself.
pub const DEFAULT_CACHE_ENTRIES: usize = 10_000;

/// Shards per map: enough that threads working on different chains rarely
/// take the same lock on a 2- to 16-core server.
const SHARDS: usize = 16;

/// One shard: its map and the hits it answered, on a cache line of its own
/// (128 bytes covers adjacent-line prefetching) so that two shards never
/// share a line.
#[repr(align(128))]
struct Shard<K, V> {
    map: RwLock<HashMap<K, V>>,
    hits: AtomicU64,
}

impl<K, V> Default for Shard<K, V> {
    fn default() -> Self {
        Self { map: RwLock::new(HashMap::new()), hits: AtomicU64::new(0) }
    }
}

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

/// A map split into `SHARDS` locked shards, keyed by values whose first
/// byte is uniformly distributed (SHA-512 outputs).
struct Sharded<K, V> {
    shards: [Shard<K, V>; SHARDS],
}

impl<K, V> Default for Sharded<K, V> {
    fn default() -> Self {
        Self { shards: core::array::from_fn(|_| Shard::default()) }
    }
}

impl<K: Eq + Hash, V: Clone> Sharded<K, V> {
    fn shard(&self, first_byte: u8) -> &Shard<K, V> {
        let [first, ..] = &self.shards;
        self.shards.get(usize::from(first_byte) % SHARDS).unwrap_or(first)
    }

    /// A copy of the entry under `key`, counting a hit (read lock only).
    fn get(&self, first_byte: u8, key: &K) -> Option<V> {
        let shard = self.shard(first_byte);
        let found = read(&shard.map).get(key).cloned();
        if found.is_some() {
            shard.hits.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// True when `key` is present, without counting a hit.
    fn contains(&self, first_byte: u8, key: &K) -> bool {
        read(&self.shard(first_byte).map).contains_key(key)
    }

    /// Inserts under a slot already reserved in `len`; gives the slot back
    /// when the key was present (another thread inserted it first).
    fn insert_reserved(&self, first_byte: u8, key: K, value: V, len: &AtomicUsize) {
        match write(&self.shard(first_byte).map).entry(key) {
            Entry::Occupied(_) => {
                len.fetch_sub(1, Ordering::AcqRel);
            }
            Entry::Vacant(slot) => {
                slot.insert(value);
            }
        }
    }

    fn len(&self) -> usize {
        self.shards.iter().map(|s| read(&s.map).len()).sum()
    }

    fn hits(&self) -> u64 {
        self.shards.iter().map(|s| s.hits.load(Ordering::Relaxed)).sum()
    }

    /// Empties every shard, taking each one's entries out of `len`.
    fn clear(&self, len: &AtomicUsize) {
        for s in &self.shards {
            let mut map = write(&s.map);
            len.fetch_sub(map.len(), Ordering::AcqRel);
            map.clear();
        }
    }
}

/// The entry count, alone on its cache line: written only on insert and
/// clear, so the lookups of a warm cache never touch it.
#[repr(align(128))]
#[derive(Default)]
struct Count(AtomicUsize);

/// Verified certification paths, keyed by the anchor set, the leaf
/// certificate's hash and the hashes of the certificates offered; verified
/// status lists, keyed by (list hash, issuer key); and the decoded
/// certificates of paths that verified. Bounded: when full, a new path
/// empties it first, and other entries are not added.
///
/// Shared by reference between threads (`&ChainCache` is all any verifier
/// needs), with short per-shard locks (see the module docs):
///
/// ```
/// # use vestnik::document::ChainCache;
/// fn is_shareable<T: Send + Sync>(_: &T) {}
/// let cache = ChainCache::new();
/// is_shareable(&cache);
/// std::thread::scope(|s| {
///     s.spawn(|| cache.len());
///     s.spawn(|| cache.hits());
/// });
/// ```
pub struct ChainCache {
    paths: Sharded<[u8; 64], CertPath>,
    lists: Sharded<([u8; 64], [u8; 32]), ()>,
    certs: Sharded<[u8; 64], Certificate>,
    /// Entries held plus slots reserved by inserts in progress; never above
    /// `max_entries`.
    len: Count,
    max_entries: usize,
}

impl Default for ChainCache {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ChainCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainCache")
            .field("paths", &self.paths.len())
            .field("lists", &self.lists.len())
            .field("certs", &self.certs.len())
            .field("max_entries", &self.max_entries)
            .field("hits", &self.hits())
            .finish()
    }
}

fn first_byte(h: &[u8; 64]) -> u8 {
    let [b, ..] = *h;
    b
}

impl ChainCache {
    /// An empty cache holding up to [`DEFAULT_CACHE_ENTRIES`] entries.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_CACHE_ENTRIES)
    }

    /// An empty cache holding up to `max_entries` entries (then it is cleared).
    pub fn with_capacity(max_entries: usize) -> Self {
        Self {
            paths: Sharded::default(),
            lists: Sharded::default(),
            certs: Sharded::default(),
            len: Count::default(),
            max_entries,
        }
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.paths.len() + self.lists.len() + self.certs.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many lookups were answered from the cache (by every thread).
    pub fn hits(&self) -> u64 {
        self.paths.hits() + self.lists.hits() + self.certs.hits()
    }

    /// Forgets everything (lookups running meanwhile on other threads see
    /// either the old entry or a miss).
    pub fn clear(&self) {
        self.paths.clear(&self.len.0);
        self.lists.clear(&self.len.0);
        self.certs.clear(&self.len.0);
    }

    /// Reserves room for one entry; false when the cache is full.
    fn reserve(&self) -> bool {
        let max = self.max_entries;
        self.len.0.fetch_update(Ordering::AcqRel, Ordering::Acquire, |l| (l < max).then_some(l + 1)).is_ok()
    }

    /// The path of `leaf`, from the cache or built (and then cached).
    pub(crate) fn path(
        &self,
        leaf: &Certificate,
        pool: &[Certificate],
        anchors: &[TrustAnchor],
        max_len: usize,
    ) -> Result<CertPath, ChainError> {
        // Keyed by the anchor set, the leaf and every certificate offered,
        // so a hit returns exactly what building from these inputs would.
        let mut all = Vec::new();
        for a in anchors {
            all.extend_from_slice(&a.to_bytes());
        }
        let mut inputs = sha512(&all).to_vec();
        inputs.extend_from_slice(leaf.hash());
        for c in pool {
            inputs.extend_from_slice(c.hash());
        }
        let key = sha512(&inputs);
        if let Some(p) = self.paths.get(first_byte(&key), &key) {
            return Ok(p);
        }
        let p = CertPath::build(leaf, pool, anchors, max_len)?;
        if self.reserve() || {
            self.clear();
            self.reserve()
        } {
            self.paths.insert_reserved(first_byte(&key), key, p.clone(), &self.len.0);
        }
        Ok(p)
    }

    /// Decodes a certificate, or returns the one decoded earlier from the
    /// same bytes (decoding is a pure function of the bytes, so this is exact).
    pub(crate) fn certificate(&self, bytes: &[u8]) -> Result<Certificate, super::CertError> {
        let key = sha512(bytes);
        if let Some(c) = self.certs.get(first_byte(&key), &key) {
            return Ok(c);
        }
        Certificate::from_bytes(bytes)
    }

    /// Remembers the decoded certificates of a path that verified, so
    /// untrusted input never fills the cache.
    pub(crate) fn remember_certificates(&self, path: &CertPath) {
        for c in path.certificates() {
            let key = *c.hash();
            if self.certs.contains(first_byte(&key), &key) {
                continue;
            }
            if !self.reserve() {
                return;
            }
            self.certs.insert_reserved(first_byte(&key), key, c.clone(), &self.len.0);
        }
    }
}

impl StatusSignatures for ChainCache {
    /// True when `list` verifies under `issuer`, remembering successes.
    fn status_list_verified(&self, list: &StatusList, issuer: &VerifyingKey) -> bool {
        let key = (*list.hash(), *issuer.as_bytes());
        let shard = first_byte(list.hash());
        if self.lists.get(shard, &key).is_some() {
            return true;
        }
        // Checked with no lock held.
        let ok = list.verify_signature(issuer).is_ok();
        if ok && self.reserve() {
            self.lists.insert_reserved(shard, key, (), &self.len.0);
        }
        ok
    }
}

// The compile-time promise of the module docs.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<ChainCache>();
};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_shard_still_answers() {
        let m: Sharded<[u8; 64], u32> = Sharded::default();
        let len = AtomicUsize::new(1);
        m.insert_reserved(7, [7; 64], 1, &len);
        // A thread panics while holding the shard's write lock.
        let poisoned = std::thread::scope(|s| {
            s.spawn(|| {
                let _guard = m.shard(7).map.write().unwrap();
                panic!("poisoning the shard on purpose");
            })
            .join()
        });
        assert!(poisoned.is_err());
        assert!(m.shard(7).map.is_poisoned());
        assert_eq!(m.get(7, &[7; 64]), Some(1));
        len.fetch_add(1, Ordering::AcqRel);
        m.insert_reserved(7, [8; 64], 2, &len);
        assert_eq!(m.get(7, &[8; 64]), Some(2));
        assert_eq!((m.len(), m.hits()), (2, 2));
        m.clear(&len);
        assert_eq!((m.len(), len.load(Ordering::Acquire)), (0, 0));
    }

    #[test]
    fn the_count_never_passes_the_cap() {
        let cache = ChainCache::with_capacity(2);
        assert!(cache.reserve() && cache.reserve());
        assert!(!cache.reserve());
        // A reserved slot whose key is already present is given back.
        cache.certs.insert_reserved(0, [0; 64], dummy_cert(), &cache.len.0);
        cache.certs.insert_reserved(0, [0; 64], dummy_cert(), &cache.len.0);
        assert_eq!(cache.len.0.load(Ordering::Acquire), 1);
        assert_eq!(cache.len(), 1);
        cache.clear();
        assert_eq!((cache.len(), cache.len.0.load(Ordering::Acquire)), (0, 0));
    }

    fn dummy_cert() -> Certificate {
        use crate::document::{CertificateRequest, KeyUsage, Role};
        let key = crate::crypto::sig::SigningKey::generate(&mut rand::rng());
        Certificate::issue(
            &key,
            &CertificateRequest {
                subject_key: key.verifying_key(),
                subject_id: "x".into(),
                display_name: "X".into(),
                role: Role::Citizen,
                usage: KeyUsage::DOCUMENT_SIGNING,
                not_before: 0,
                not_after: 1,
                path_len: 0,
                serial: 1,
                credential_types: vec![],
            },
        )
        .unwrap()
    }
}
