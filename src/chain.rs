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
