//! The receiving half: every remote sender's keys, each with its replay
//! window (SPEC.md §13.5-§13.6).
//!
//! A frame is looked up by its KID (vestnik layout, [`KeyId`]): the sender's
//! index picks the sender, then the generation and ratchet step pick the key.
//! A step ahead of the newest key of that generation is derived on the spot
//! with the RFC 9605 §5.1 ratchet (at most `max_ratchet_jump` steps) and kept
//! only if the frame authenticates. Unprotecting is transactional: a frame
//! that fails changes no key, window or counter, and the output holds no
//! plaintext. The only other change is time-driven: keys whose overlap
//! window has passed are retired when their sender is next looked at.
//!
//! A departure ([`ReceiverContext::remove_sender`]) seals every other
//! sender's keys: the departed device holds them too, so they start their
//! overlap window at once, whether or not a newer key ever arrives, and no
//! step of their generations is derived or installed afterwards.

use crate::call::CallError;
use crate::call::header::{SFrameHeader, with_aad};
use crate::call::key::{BaseKey, FrameKey};
use crate::call::kid::KeyId;
use crate::call::replay::{ReplayVerdict, ReplayWindow};
use crate::call::suite::{CipherSuite, TAG_LEN};
use crate::limits::CallLimits;
use aes_gcm::aead::inout::InOutBuf;
use core::fmt;
use std::collections::BTreeMap;
use zeroize::Zeroize;

/// What an unprotected frame was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FrameInfo {
    /// The key it was protected under: sender index, generation, step.
    pub key_id: KeyId,
    /// Its counter.
    pub ctr: u64,
    /// Length of the SFrame header (where the payload starts in place).
    pub header_len: usize,
    /// Length of the payload.
    pub plaintext_len: usize,
}

/// One key of a remote sender.
struct ReceiveKey {
    id: KeyId,
    base: BaseKey,
    key: FrameKey,
    window: ReplayWindow,
    /// Set once a newer key of the same sender is in use (ms, caller's clock).
    expires_at: Option<u64>,
}

/// Every key held for one remote participant index.
#[derive(Default)]
struct RemoteSender {
    /// Sorted oldest first; at most `max_keys_per_sender`.
    keys: Vec<ReceiveKey>,
    /// Keys at or below this age (see [`KeyId`]) were retired.
    retired_through: Option<u32>,
    /// Generations at or below this one were held when some other
    /// participant left: the departed device can derive every step of them,
    /// so none is derived or installed again.
    sealed_through: Option<u16>,
    /// The participant left: every KID of this index is retired.
    removed: bool,
}

/// Where the key of a frame comes from.
enum Resolved {
    Held(usize),
    Ratcheted(Box<ReceiveKey>),
}

/// A frame that passed every check but the AEAD.
struct Pending {
    header: SFrameHeader,
    header_len: usize,
    id: KeyId,
    resolved: Resolved,
}

impl RemoteSender {
    fn retire_through(&mut self, age: u32) {
        self.retired_through = Some(self.retired_through.map_or(age, |w| w.max(age)));
    }

    /// Whether `id` belongs to a generation held when someone left.
    fn sealed(&self, id: KeyId) -> bool {
        self.sealed_through.is_some_and(|g| id.generation <= g)
    }

    /// Another participant left at `now`: every key held starts its overlap
    /// window (or keeps an earlier end), and their generations are sealed.
    fn seal(&mut self, now: u64, limits: &CallLimits) {
        let until = now.saturating_add(limits.key_overlap_ms);
        for k in &mut self.keys {
            k.expires_at = Some(k.expires_at.map_or(until, |t| t.min(until)));
        }
        if let Some(newest) = self.keys.iter().map(|k| k.id.generation).max() {
            self.sealed_through = Some(self.sealed_through.map_or(newest, |g| g.max(newest)));
        }
    }

    /// Drops keys whose overlap window has passed.
    fn expire(&mut self, now: u64) {
        // The common case, every frame: nothing is due.
        if !self.keys.iter().any(|k| k.expires_at.is_some_and(|t| now >= t)) {
            return;
        }
        let mut retired = None;
        self.keys.retain(|k| {
            let live = k.expires_at.is_none_or(|t| now < t);
            if !live {
                retired = retired.max(Some(k.id.age_order()));
            }
            live
        });
        if let Some(age) = retired {
            self.retire_through(age);
        }
    }

    fn resolve(&self, id: KeyId, suite: CipherSuite, limits: &CallLimits) -> Result<Resolved, CallError> {
        let kid = id.to_kid();
        if self.removed {
            return Err(CallError::RetiredKid(kid));
        }
        if let Some(i) = self.keys.iter().position(|k| k.id == id) {
            return Ok(Resolved::Held(i));
        }
        // A step of a sealed generation that is not held: the departed
        // device can compute it, so it is never derived.
        if self.retired_through.is_some_and(|w| id.age_order() <= w) || self.sealed(id) {
            return Err(CallError::RetiredKid(kid));
        }
        let from = self
            .keys
            .iter()
            .filter(|k| k.id.generation == id.generation && k.id.step < id.step)
            .max_by_key(|k| k.id.step)
            .ok_or(CallError::UnknownKid(kid))?;
        let steps = id.step - from.id.step;
        if steps > limits.max_ratchet_jump {
            return Err(CallError::RatchetTooFar { steps, max: limits.max_ratchet_jump });
        }
        let mut base = from.base.ratchet(suite);
        for _ in 1..steps {
            base = base.ratchet(suite);
        }
        let key = FrameKey::derive(suite, base.as_bytes(), kid);
        let window = ReplayWindow::new(limits.replay_window);
        Ok(Resolved::Ratcheted(Box::new(ReceiveKey { id, base, key, window, expires_at: None })))
    }

    fn key_of<'a>(&'a self, p: &'a Pending) -> Option<&'a FrameKey> {
        match &p.resolved {
            Resolved::Held(i) => self.keys.get(*i).map(|k| &k.key),
            Resolved::Ratcheted(k) => Some(&k.key),
        }
    }

    /// Commits a frame that authenticated: marks its counter, keeps a
    /// derived key.
    fn finish(&mut self, p: Pending, plaintext_len: usize, now_ms: u64, limits: &CallLimits) -> FrameInfo {
        let ctr = p.header.ctr;
        match p.resolved {
            Resolved::Held(i) => {
                if let Some(k) = self.keys.get_mut(i) {
                    k.window.accept(ctr);
                }
            }
            Resolved::Ratcheted(mut k) => {
                k.window.accept(ctr);
                self.add(*k, now_ms, limits);
            }
        }
        FrameInfo { key_id: p.id, ctr, header_len: p.header_len, plaintext_len }
    }

    /// Adds a key: keys older than it start their overlap window (it too, if
    /// a newer one is already held), and the oldest go past the cap.
    fn add(&mut self, mut new: ReceiveKey, now: u64, limits: &CallLimits) {
        let age = new.id.age_order();
        let until = now.saturating_add(limits.key_overlap_ms);
        for k in &mut self.keys {
            if k.id.age_order() < age {
                k.expires_at.get_or_insert(until);
            } else {
                new.expires_at = Some(until);
            }
        }
        let at = self.keys.iter().position(|k| k.id.age_order() > age).unwrap_or(self.keys.len());
        self.keys.insert(at, new);
        while self.keys.len() > limits.max_keys_per_sender {
            let oldest = self.keys.remove(0);
            self.retire_through(oldest.id.age_order());
        }
    }
}

/// Unprotects media frames from every other participant. Zeroizes its keys
/// on drop; not `Clone`.
pub struct ReceiverContext {
    suite: CipherSuite,
    limits: CallLimits,
    senders: BTreeMap<u16, RemoteSender>,
}

impl ReceiverContext {
    /// An empty receiver for one suite.
    pub fn new(suite: CipherSuite, limits: CallLimits) -> Self {
        Self { suite, limits: limits.clamped(), senders: BTreeMap::new() }
    }

    /// Installs a base key (16 to 64 bytes) for `id`, for apps that manage
    /// SFrame keys themselves. Within a [`crate::call::Call`], keys arrive
    /// only through [`crate::call::Call::receive_key`], from authenticated
    /// 1:1 sessions. Installing a key already held does nothing; a key older
    /// than one held is [`CallError::StaleKey`].
    pub fn insert_key(&mut self, id: KeyId, base_key: &[u8], now_ms: u64) -> Result<(), CallError> {
        let base = BaseKey::from_slice(base_key).ok_or(CallError::InvalidBaseKey(base_key.len()))?;
        self.insert(id, base, now_ms)
    }

    pub(crate) fn insert(&mut self, id: KeyId, base: BaseKey, now_ms: u64) -> Result<(), CallError> {
        let sender = self.senders.entry(id.index).or_default();
        sender.expire(now_ms);
        if sender.removed {
            return Err(CallError::RetiredKid(id.to_kid()));
        }
        if sender.sealed(id) {
            return Err(CallError::StaleKey);
        }
        if sender.keys.iter().any(|k| k.id == id) {
            return Ok(());
        }
        let age = id.age_order();
        let newest = sender.keys.last().map(|k| k.id.age_order());
        if sender.retired_through.is_some_and(|w| age <= w) || newest.is_some_and(|n| age < n) {
            return Err(CallError::StaleKey);
        }
        let key = FrameKey::derive(self.suite, base.as_bytes(), id.to_kid());
        let window = ReplayWindow::new(self.limits.replay_window);
        sender.add(ReceiveKey { id, base, key, window, expires_at: None }, now_ms, &self.limits);
        Ok(())
    }

    /// The participant at `index` left, applied at `now_ms`: its keys are
    /// wiped and its frames refused as [`CallError::RetiredKid`] until
    /// [`ReceiverContext::forget_sender`]. Every other sender's keys held now
    /// were known to the departed device, so they are sealed: each stays
    /// usable for `key_overlap_ms` from `now_ms` (frames in flight still
    /// decrypt) and is then retired whether or not a newer key has arrived;
    /// an unheld step of their generations is [`CallError::RetiredKid`] and
    /// a key of those generations [`CallError::StaleKey`].
    pub fn remove_sender(&mut self, index: u16, now_ms: u64) {
        for (i, sender) in &mut self.senders {
            if *i != index {
                sender.expire(now_ms);
                sender.seal(now_ms, &self.limits);
            }
        }
        let sender = self.senders.entry(index).or_default();
        sender.keys.clear();
        sender.removed = true;
    }

    /// Forgets everything about `index`, so a new participant can use it.
    pub fn forget_sender(&mut self, index: u16) {
        self.senders.remove(&index);
    }

    /// Retires every key whose overlap window has passed at `now_ms`, so its
    /// material leaves memory without waiting for the sender's next frame.
    pub fn expire(&mut self, now_ms: u64) {
        self.senders.values_mut().for_each(|s| s.expire(now_ms));
    }

    /// Keys held for the participant at `index`.
    pub fn keys_held(&self, index: u16) -> usize {
        self.senders.get(&index).map_or(0, |s| s.keys.len())
    }

    /// Checks everything but the AEAD and finds the key, looking the sender
    /// up once (this runs for every frame).
    fn begin<'s>(
        senders: &'s mut BTreeMap<u16, RemoteSender>,
        suite: CipherSuite,
        l: &CallLimits,
        metadata: &[u8],
        frame: &[u8],
        now_ms: u64,
    ) -> Result<(Pending, &'s mut RemoteSender), CallError> {
        if frame.len() > l.max_frame_len {
            return Err(CallError::FrameTooLarge { len: frame.len(), max: l.max_frame_len });
        }
        if metadata.len() > l.max_metadata_len {
            return Err(CallError::MetadataTooLarge { len: metadata.len(), max: l.max_metadata_len });
        }
        let (header, header_len) = SFrameHeader::decode(frame)?;
        if frame.len().saturating_sub(header_len) < TAG_LEN {
            return Err(CallError::TruncatedFrame);
        }
        if header.ctr > l.max_counter {
            return Err(CallError::CounterOutOfRange { ctr: header.ctr, max: l.max_counter });
        }
        let id = KeyId::from_kid(header.kid).ok_or(CallError::UnknownKid(header.kid))?;
        let sender = senders.get_mut(&id.index).ok_or(CallError::UnknownKid(header.kid))?;
        sender.expire(now_ms);
        let resolved = sender.resolve(id, suite, l)?;
        let window = match &resolved {
            Resolved::Held(i) => sender.keys.get(*i).map(|k| &k.window),
            Resolved::Ratcheted(k) => Some(&k.window),
        };
        let (kid, ctr) = (header.kid, header.ctr);
        match window.map(|w| w.check(ctr)) {
            Some(Ok(())) => Ok((Pending { header, header_len, id, resolved }, sender)),
            Some(Err(ReplayVerdict::Duplicate)) => Err(CallError::Duplicate { kid, ctr }),
            Some(Err(ReplayVerdict::TooOld)) => Err(CallError::TooOld { kid, ctr }),
            None => Err(CallError::UnknownKid(kid)),
        }
    }

    /// Unprotects `frame` into `out` (at least the frame length minus header
    /// and tag); `metadata` must be the bytes the sender bound to it.
    /// `now_ms` is the caller's clock, used for key overlap windows only.
    pub fn unprotect(
        &mut self,
        metadata: &[u8],
        frame: &[u8],
        out: &mut [u8],
        now_ms: u64,
    ) -> Result<FrameInfo, CallError> {
        let (p, sender) = Self::begin(&mut self.senders, self.suite, &self.limits, metadata, frame, now_ms)?;
        let (hdr, rest) = frame.split_at_checked(p.header_len).ok_or(CallError::TruncatedHeader)?;
        let ct_len = rest.len().checked_sub(TAG_LEN).ok_or(CallError::TruncatedFrame)?;
        let (ct, tag) = rest.split_at_checked(ct_len).ok_or(CallError::TruncatedFrame)?;
        let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| CallError::TruncatedFrame)?;
        let got = out.len();
        let dst = out.get_mut(..ct_len).ok_or(CallError::BufferTooSmall { needed: ct_len, got })?;
        let key = sender.key_of(&p).ok_or(CallError::UnknownKid(p.header.kid))?;
        let buf = InOutBuf::new(ct, &mut *dst).map_err(|_| CallError::BufferTooSmall { needed: ct_len, got })?;
        if with_aad(hdr, metadata, |aad| key.open(p.header.ctr, aad, buf, &tag))?.is_err() {
            dst.zeroize();
            return Err(CallError::AuthenticationFailed);
        }
        Ok(sender.finish(p, ct_len, now_ms, &self.limits))
    }

    /// Unprotects `frame` in place; returns what it was and the payload,
    /// which lies inside `frame` after the header. On failure the
    /// ciphertext bytes of `frame` are wiped.
    pub fn unprotect_in_place<'f>(
        &mut self,
        metadata: &[u8],
        frame: &'f mut [u8],
        now_ms: u64,
    ) -> Result<(FrameInfo, &'f mut [u8]), CallError> {
        let (p, sender) = Self::begin(&mut self.senders, self.suite, &self.limits, metadata, frame, now_ms)?;
        let (hdr, rest) = frame.split_at_mut_checked(p.header_len).ok_or(CallError::TruncatedHeader)?;
        let ct_len = rest.len().checked_sub(TAG_LEN).ok_or(CallError::TruncatedFrame)?;
        let (ct, tag) = rest.split_at_mut_checked(ct_len).ok_or(CallError::TruncatedFrame)?;
        let tag: [u8; TAG_LEN] = (&*tag).try_into().map_err(|_| CallError::TruncatedFrame)?;
        let key = sender.key_of(&p).ok_or(CallError::UnknownKid(p.header.kid))?;
        if with_aad(hdr, metadata, |aad| key.open(p.header.ctr, aad, (&mut *ct).into(), &tag))?.is_err() {
            ct.zeroize();
            return Err(CallError::AuthenticationFailed);
        }
        Ok((sender.finish(p, ct_len, now_ms, &self.limits), ct))
    }
}

/// Every key held (`BaseKey`, `FrameKey`) wipes itself on drop; `lib.rs`
/// checks both at compile time.
impl zeroize::ZeroizeOnDrop for ReceiverContext {}

impl fmt::Debug for ReceiverContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiverContext")
            .field("suite", &self.suite)
            .field("senders", &self.senders.len())
            .field("keys", &self.senders.values().map(|s| s.keys.len()).sum::<usize>())
            .finish_non_exhaustive()
    }
}
