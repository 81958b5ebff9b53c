//! Symmetric-key chains shared by the Double Ratchet and the group sender
//! chains (SPEC.md §5.6, §12.2): the chain-key step, message keys, the walk
//! that produces skipped keys, and the bounded store of skipped keys.
//!
//! ```text
//! step(ck) = HMAC-SHA256(ck, labels.message) -> mk,   HMAC-SHA256(ck, labels.next) -> ck'
//! expand(mk) = HKDF-Expand-SHA256(prk = mk, info = labels.expand, 44) -> key (32) || nonce (12)
//! ```

use crate::crypto::{Secret32, aead, kdf};
use crate::labels;
use core::fmt;
use std::collections::VecDeque;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The labels of one kind of chain.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ChainLabels {
    message: &'static [u8],
    next: &'static [u8],
    expand: &'static str,
}

/// 1:1 chains: the Double Ratchet specification's single bytes 0x01 and 0x02.
pub(crate) static SESSION_CHAIN: ChainLabels = ChainLabels {
    message: &[labels::CHAIN_MESSAGE_KEY_BYTE],
    next: &[labels::CHAIN_NEXT_KEY_BYTE],
    expand: labels::KDF_MESSAGE_KEY,
};

/// Group sender chains: version-prefixed labels of their own.
pub(crate) static GROUP_CHAIN: ChainLabels = ChainLabels {
    message: labels::KDF_GROUP_CHAIN_MESSAGE.as_bytes(),
    next: labels::KDF_GROUP_CHAIN_NEXT.as_bytes(),
    expand: labels::KDF_GROUP_MESSAGE_KEY,
};

/// A chain key.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct ChainKey {
    secret: Secret32,
    #[zeroize(skip)]
    labels: &'static ChainLabels,
}

impl ChainKey {
    pub(crate) fn new(secret: Secret32, labels: &'static ChainLabels) -> Self {
        Self { secret, labels }
    }

    pub(crate) fn secret(&self) -> &Secret32 {
        &self.secret
    }

    pub(crate) fn duplicate(&self) -> Self {
        Self { secret: self.secret.duplicate(), labels: self.labels }
    }

    /// This step's message key and the next chain key.
    pub(crate) fn step(&self) -> (MessageKey, ChainKey) {
        let (mut mk, mut ck) = kdf::hmac_sha256_pair(self.secret.as_bytes(), self.labels.message, self.labels.next);
        let out = (
            MessageKey { secret: Secret32::new(mk), expand: self.labels.expand },
            ChainKey { secret: Secret32::new(ck), labels: self.labels },
        );
        mk.zeroize();
        ck.zeroize();
        out
    }
}

impl fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChainKey(..)")
    }
}

/// One message's key, used once and deleted.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct MessageKey {
    secret: Secret32,
    #[zeroize(skip)]
    expand: &'static str,
}

impl MessageKey {
    pub(crate) fn new(secret: Secret32, labels: &'static ChainLabels) -> Self {
        Self { secret, expand: labels.expand }
    }

    pub(crate) fn secret(&self) -> &Secret32 {
        &self.secret
    }

    fn expand(&self) -> (Zeroizing<[u8; 32]>, [u8; aead::NONCE_LEN]) {
        let mut okm = Zeroizing::new([0u8; 32 + aead::NONCE_LEN]);
        kdf::hkdf_expand_sha256(self.secret.as_bytes(), self.expand.as_bytes(), okm.as_mut_slice());
        let mut key = Zeroizing::new([0u8; 32]);
        let mut nonce = [0u8; aead::NONCE_LEN];
        let (k, n) = okm.split_at(32);
        key.copy_from_slice(k);
        nonce.copy_from_slice(n);
        (key, nonce)
    }

    pub(crate) fn seal(&self, ad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let (key, nonce) = self.expand();
        aead::seal(&key, &nonce, ad, plaintext)
    }

    pub(crate) fn open(&self, ad: &[u8], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, aead::AeadError> {
        let (key, nonce) = self.expand();
        aead::open(&key, &nonce, ad, ciphertext)
    }
}

impl fmt::Debug for MessageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MessageKey(..)")
    }
}

/// Why a walk along a chain was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChainError {
    TooFarAhead { jump: u64, max: u32 },
    CounterExhausted,
}

/// What a counter below a chain's next counter, with no stored key, means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OldCounter {
    /// Its key was used: a replay.
    Duplicate,
    /// Its key was dropped by the cap (or used before that): never decrypts.
    Discarded,
}

/// Skipped message keys of one chain, ascending by counter, with the highest
/// counter whose key the cap discarded.
#[derive(Debug, Default)]
pub(crate) struct SkippedKeys {
    pub(crate) keys: VecDeque<(u32, MessageKey)>,
    pub(crate) discarded_up_to: Option<u32>,
}

impl SkippedKeys {
    pub(crate) fn find(&self, counter: u32) -> Option<(usize, &MessageKey)> {
        let pos = self.keys.binary_search_by_key(&counter, |(c, _)| *c).ok()?;
        self.keys.get(pos).map(|(_, k)| (pos, k))
    }

    pub(crate) fn remove(&mut self, pos: usize) {
        self.keys.remove(pos);
    }

    pub(crate) fn classify_old(&self, counter: u32) -> OldCounter {
        if self.discarded_up_to.is_some_and(|d| counter <= d) { OldCounter::Discarded } else { OldCounter::Duplicate }
    }

    fn note_discarded(&mut self, counter: u32) {
        self.discarded_up_to = Some(self.discarded_up_to.map_or(counter, |d| d.max(counter)));
    }

    /// Drops the lowest key; false when empty.
    pub(crate) fn discard_oldest(&mut self) -> bool {
        match self.keys.pop_front() {
            Some((c, _)) => {
                self.note_discarded(c);
                true
            }
            None => false,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    fn absorb(&mut self, keys: VecDeque<(u32, MessageKey)>, dropped_up_to: Option<u32>) {
        self.keys.extend(keys);
        if let Some(d) = dropped_up_to {
            self.note_discarded(d);
        }
    }
}

/// The result of walking a chain, computed without touching any state.
pub(crate) struct Walk {
    skipped: VecDeque<(u32, MessageKey)>,
    dropped_up_to: Option<u32>,
    /// The target's message key (`None` when walking only to skip).
    pub(crate) message_key: Option<MessageKey>,
    pub(crate) chain_key: ChainKey,
    pub(crate) next: u32,
}

impl Walk {
    /// Applies the walk to a chain's key, counter and skipped keys.
    pub(crate) fn apply(self, chain_key: &mut Option<ChainKey>, next: &mut u32, skipped: &mut SkippedKeys) {
        *chain_key = Some(self.chain_key);
        *next = self.next;
        skipped.absorb(self.skipped, self.dropped_up_to);
    }
}

/// Walks from counter `from` with chain key `ck` up to `to`. With
/// `include_target`, `to`'s key is the message key and `next = to + 1`;
/// without, keys `from..to` are all skipped and `next = to`. At most `keep`
/// skipped keys are kept (the newest); the walk is refused before any work if
/// it is longer than `max_jump`.
pub(crate) fn walk(
    ck: &ChainKey,
    from: u32,
    to: u32,
    include_target: bool,
    max_jump: u32,
    keep: usize,
) -> Result<Walk, ChainError> {
    let jump = u64::from(to).saturating_sub(u64::from(from));
    if jump > u64::from(max_jump) {
        return Err(ChainError::TooFarAhead { jump, max: max_jump });
    }
    let next = if include_target { to.checked_add(1).ok_or(ChainError::CounterExhausted)? } else { to };
    let mut skipped = VecDeque::with_capacity(usize::try_from(jump).unwrap_or(keep).min(keep));
    let mut dropped_up_to = None;
    let mut message_key = None;
    let mut current: Option<ChainKey> = None;
    for i in from..next {
        let (mk, ck_next) = current.as_ref().unwrap_or(ck).step();
        current = Some(ck_next);
        if include_target && i == to {
            message_key = Some(mk);
        } else {
            if skipped.len() >= keep
                && let Some((c, _)) = skipped.pop_front()
            {
                dropped_up_to = Some(c);
            }
            if keep > 0 {
                skipped.push_back((i, mk));
            } else {
                dropped_up_to = Some(i);
            }
        }
    }
    let chain_key = current.unwrap_or_else(|| ck.duplicate());
    Ok(Walk { skipped, dropped_up_to, message_key, chain_key, next })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn ck(byte: u8) -> ChainKey {
        ChainKey::new(Secret32::new([byte; 32]), &SESSION_CHAIN)
    }

    /// The message keys `from..to` of chain `ck`, by stepping one at a time.
    fn keys(ck: &ChainKey, n: u32) -> Vec<[u8; 32]> {
        let mut out = Vec::new();
        let mut c = ck.duplicate();
        for _ in 0..n {
            let (mk, next) = c.step();
            out.push(*mk.secret().as_bytes());
            c = next;
        }
        out
    }

    fn counters(s: &SkippedKeys) -> Vec<u32> {
        s.keys.iter().map(|(c, _)| *c).collect()
    }

    #[test]
    fn walk_to_target_skips_exactly_the_gap() {
        let c = ck(1);
        let expected = keys(&c, 6);
        let w = walk(&c, 0, 4, true, 10, 10).unwrap();
        assert_eq!(w.next, 5);
        assert_eq!(w.message_key.as_ref().unwrap().secret().as_bytes(), &expected[4]);
        assert_eq!(w.skipped.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [0, 1, 2, 3]);
        for (i, k) in &w.skipped {
            assert_eq!(k.secret().as_bytes(), &expected[*i as usize]);
        }
        assert_eq!(w.dropped_up_to, None);
        // The chain key after the walk produces the next message key.
        assert_eq!(w.chain_key.step().0.secret().as_bytes(), &expected[5]);
    }

    #[test]
    fn walk_to_the_next_counter_skips_nothing() {
        let c = ck(2);
        let expected = keys(&c, 2);
        let w = walk(&c, 0, 0, true, 0, 0).unwrap();
        assert_eq!((w.next, w.skipped.len(), w.dropped_up_to), (1, 0, None));
        assert_eq!(w.message_key.as_ref().unwrap().secret().as_bytes(), &expected[0]);
        assert_eq!(w.chain_key.step().0.secret().as_bytes(), &expected[1]);
    }

    #[test]
    fn walk_without_target_skips_up_to_it() {
        let c = ck(3);
        let expected = keys(&c, 4);
        let w = walk(&c, 0, 3, false, 10, 10).unwrap();
        assert!(w.message_key.is_none());
        assert_eq!(w.next, 3);
        assert_eq!(w.skipped.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(w.chain_key.step().0.secret().as_bytes(), &expected[3]);
        // A walk of length zero keeps the chain key as it is.
        let w = walk(&c, 5, 5, false, 0, 10).unwrap();
        assert_eq!((w.next, w.skipped.len()), (5, 0));
        assert_eq!(w.chain_key.secret().as_bytes(), c.secret().as_bytes());
    }

    #[test]
    fn walk_limit_at_max_and_max_plus_one() {
        let c = ck(4);
        assert!(walk(&c, 10, 13, true, 3, 10).is_ok());
        assert_eq!(walk(&c, 10, 14, true, 3, 10).err(), Some(ChainError::TooFarAhead { jump: 4, max: 3 }));
        // A target below `from` is no jump at all.
        assert!(walk(&c, 10, 9, false, 0, 10).is_ok());
        assert_eq!(walk(&c, u32::MAX, u32::MAX, true, 3, 10).err(), Some(ChainError::CounterExhausted));
    }

    #[test]
    fn walk_keeps_only_the_newest_keys() {
        let c = ck(5);
        let expected = keys(&c, 7);
        let w = walk(&c, 0, 6, true, 10, 2).unwrap();
        assert_eq!(w.skipped.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [4, 5]);
        assert_eq!(w.skipped[0].1.secret().as_bytes(), &expected[4]);
        assert_eq!(w.dropped_up_to, Some(3));
        assert_eq!(w.message_key.as_ref().unwrap().secret().as_bytes(), &expected[6]);
        // With no room at all, every skipped key is dropped and reported.
        let w = walk(&c, 0, 6, true, 10, 0).unwrap();
        assert_eq!((w.skipped.len(), w.dropped_up_to, w.next), (0, Some(5), 7));
        assert_eq!(w.message_key.as_ref().unwrap().secret().as_bytes(), &expected[6]);
    }

    #[test]
    fn applying_a_walk_updates_chain_counter_and_store() {
        let c = ck(6);
        let expected = keys(&c, 5);
        let mut chain_key = None;
        let mut next = 0;
        let mut skipped = SkippedKeys::default();
        walk(&c, 0, 4, true, 10, 2).unwrap().apply(&mut chain_key, &mut next, &mut skipped);
        assert_eq!(next, 5);
        assert_eq!(counters(&skipped), [2, 3]);
        assert_eq!(skipped.discarded_up_to, Some(1));
        assert_eq!(skipped.len(), 2);
        let (pos, k) = skipped.find(3).unwrap();
        assert_eq!((pos, k.secret().as_bytes()), (1, &expected[3]));
        assert!(skipped.find(1).is_none());
        assert!(skipped.find(4).is_none());
        assert_eq!(
            chain_key.unwrap().secret().as_bytes(),
            walk(&c, 0, 4, true, 10, 2).unwrap().chain_key.secret().as_bytes()
        );
    }

    #[test]
    fn skipped_store_remove_discard_and_classify() {
        let c = ck(7);
        let mut s = SkippedKeys::default();
        let w = walk(&c, 0, 5, false, 10, 10).unwrap();
        s.absorb(w.skipped, None);
        assert_eq!(counters(&s), [0, 1, 2, 3, 4]);
        assert_eq!(s.classify_old(2), OldCounter::Duplicate);
        s.remove(1);
        assert_eq!(counters(&s), [0, 2, 3, 4]);
        assert!(s.discard_oldest());
        assert!(s.discard_oldest());
        assert_eq!(counters(&s), [3, 4]);
        assert_eq!(s.discarded_up_to, Some(2));
        // At and below the discard mark: discarded; above it: a replay.
        assert_eq!(s.classify_old(2), OldCounter::Discarded);
        assert_eq!(s.classify_old(0), OldCounter::Discarded);
        assert_eq!(s.classify_old(3), OldCounter::Duplicate);
        // The mark only rises.
        s.absorb(VecDeque::new(), Some(1));
        assert_eq!(s.discarded_up_to, Some(2));
        s.absorb(VecDeque::new(), Some(9));
        assert_eq!(s.discarded_up_to, Some(9));
        assert!(s.discard_oldest() && s.discard_oldest());
        assert!(!s.discard_oldest());
        assert_eq!((s.len(), s.discarded_up_to), (0, Some(9)));
    }

    #[test]
    fn message_keys_seal_and_open_under_their_own_labels() {
        let mk = ck(8).step().0;
        let sealed = mk.seal(b"ad", b"plaintext");
        assert_eq!(sealed.len(), b"plaintext".len() + aead::TAG_LEN);
        assert_eq!(mk.open(b"ad", &sealed).unwrap().as_slice(), b"plaintext");
        assert!(mk.open(b"other ad", &sealed).is_err());
        // The same secret under the group labels is another key.
        let group = MessageKey::new(mk.secret().duplicate(), &GROUP_CHAIN);
        assert!(group.open(b"ad", &sealed).is_err());
        let session = MessageKey::new(mk.secret().duplicate(), &SESSION_CHAIN);
        assert_eq!(session.open(b"ad", &sealed).unwrap().as_slice(), b"plaintext");
        // Group chains step to other keys than session chains from one secret.
        let g = ChainKey::new(Secret32::new([8; 32]), &GROUP_CHAIN).step();
        let s = ck(8).step();
        assert_ne!(g.0.secret().as_bytes(), s.0.secret().as_bytes());
        assert_ne!(g.1.secret().as_bytes(), s.1.secret().as_bytes());
        assert_ne!(s.0.secret().as_bytes(), s.1.secret().as_bytes());
        assert_eq!(format!("{:?} {:?}", s.0, s.1), "MessageKey(..) ChainKey(..)");
    }
}
