//! The Double Ratchet state machine (SPEC.md §5.6–5.7), after Signal's
//! specification, with the DH step taken lazily: receiving a new ratchet key
//! derives only the receiving chain; the next `encrypt` generates our new
//! ratchet key and the sending chain.
//!
//! Decryption is two-phase: [`DoubleRatchet::prepare`] takes `&self`, so a
//! failed decrypt cannot change anything, and returns a [`Plan`] that
//! [`DoubleRatchet::commit`] applies once the caller accepted the plaintext.

use crate::chain::{SkippedKeys, Walk};
use crate::crypto::x25519::{X25519PublicKey, X25519Secret};
use crate::limits::SessionLimits;
use crate::session::chain::{ReceiverChain, SendingChain, walk};
use crate::session::keys::{MessageKey, RootKey};
use crate::session::ratchet_error::RatchetError;
use zeroize::Zeroizing;

/// A parsed ratchet header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) ratchet_key: X25519PublicKey,
    pub(crate) counter: u32,
    pub(crate) previous_counter: u32,
}

/// The ratchet's state.
#[derive(Debug)]
pub(crate) struct DoubleRatchet {
    pub(crate) root_key: RootKey,
    /// Our current ratchet key pair (`None` for a responder before its first send).
    pub(crate) our_ratchet: Option<X25519Secret>,
    /// `None` when the next send must take a DH step first.
    pub(crate) sending: Option<SendingChain>,
    /// Length of our previous sending chain (PN in the header).
    pub(crate) previous_counter: u32,
    /// Newest first. Chains past `max_receiver_chains` are retired.
    pub(crate) receiving: Vec<ReceiverChain>,
}

/// What a successful [`DoubleRatchet::prepare`] will change.
pub(crate) enum Plan {
    /// Use (and delete) a stored skipped key.
    UseSkipped { chain: usize, pos: usize },
    /// Advance an existing receiving chain.
    Advance { chain: usize, walk: Walk },
    /// A new ratchet key from the peer: new root key and receiving chain,
    /// after skipping the rest of the current chain up to PN.
    NewChain { root_key: RootKey, ratchet_key: X25519PublicKey, old: Option<Walk>, walk: Walk },
}

impl DoubleRatchet {
    /// The encryptor's next message key and header. Takes the DH step first
    /// when one is due.
    pub(crate) fn next_sending_key<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
    ) -> Result<(Header, MessageKey), RatchetError> {
        if self.sending.is_none() {
            let remote = self.receiving.first().map(|c| c.ratchet_key).ok_or(RatchetError::NoSendingChain)?;
            let ours = X25519Secret::generate(rng);
            let dh = ours.diffie_hellman(&remote).map_err(|_| RatchetError::NonContributory)?;
            let (root_key, chain_key) = self.root_key.step(&dh);
            self.root_key = root_key;
            self.our_ratchet = Some(ours);
            self.sending = Some(SendingChain { chain_key, counter: 0 });
        }
        let ratchet_key = *self.our_ratchet.as_ref().ok_or(RatchetError::NoSendingChain)?.public();
        let sending = self.sending.as_mut().ok_or(RatchetError::NoSendingChain)?;
        if sending.counter == u32::MAX {
            return Err(RatchetError::CounterExhausted);
        }
        let (mk, ck) = sending.chain_key.step();
        let header = Header { ratchet_key, counter: sending.counter, previous_counter: self.previous_counter };
        sending.chain_key = ck;
        sending.counter = sending.counter.saturating_add(1);
        Ok((header, mk))
    }

    /// True when one of our receiving chains (live or retired) has this key.
    pub(crate) fn knows(&self, ratchet_key: &X25519PublicKey) -> bool {
        self.receiving.iter().any(|c| &c.ratchet_key == ratchet_key)
    }

    /// Finds the message key for `header` and decrypts, changing nothing.
    pub(crate) fn prepare(
        &self,
        header: &Header,
        ad: &[u8],
        ciphertext: &[u8],
        limits: &SessionLimits,
    ) -> Result<(Zeroizing<Vec<u8>>, Plan), RatchetError> {
        let open = |mk: &MessageKey| mk.open(ad, ciphertext).map_err(|_| RatchetError::DecryptionFailed);
        let n = header.counter;
        if let Some((i, c)) = self.receiving.iter().enumerate().find(|(_, c)| c.ratchet_key == header.ratchet_key) {
            if let Some((pos, mk)) = c.skipped.find(n) {
                return Ok((open(mk)?, Plan::UseSkipped { chain: i, pos }));
            }
            if n < c.next {
                return Err(c.old_counter_error(n));
            }
            let ck = c.chain_key.as_ref().ok_or(RatchetError::MessageKeyDiscarded)?;
            let w = walk(ck, c.next, n, true, limits)?;
            let pt = open(w.message_key.as_ref().ok_or(RatchetError::DecryptionFailed)?)?;
            return Ok((pt, Plan::Advance { chain: i, walk: w }));
        }
        let ours = self.our_ratchet.as_ref().ok_or(RatchetError::DecryptionFailed)?;
        let old = match self.receiving.first() {
            Some(c) if header.previous_counter > c.next => {
                let ck = c.chain_key.as_ref().ok_or(RatchetError::DecryptionFailed)?;
                Some(walk(ck, c.next, header.previous_counter, false, limits)?)
            }
            _ => None,
        };
        let dh = ours.diffie_hellman(&header.ratchet_key).map_err(|_| RatchetError::NonContributory)?;
        let (root_key, chain_key) = self.root_key.step(&dh);
        let w = walk(&chain_key, 0, n, true, limits)?;
        let pt = open(w.message_key.as_ref().ok_or(RatchetError::DecryptionFailed)?)?;
        Ok((pt, Plan::NewChain { root_key, ratchet_key: header.ratchet_key, old, walk: w }))
    }

    /// Applies a plan from [`DoubleRatchet::prepare`] and enforces the caps.
    pub(crate) fn commit(&mut self, plan: Plan, limits: &SessionLimits) {
        match plan {
            Plan::UseSkipped { chain, pos } => {
                if let Some(c) = self.receiving.get_mut(chain) {
                    c.skipped.remove(pos);
                }
            }
            Plan::Advance { chain, walk } => {
                if let Some(c) = self.receiving.get_mut(chain) {
                    c.apply(walk);
                }
            }
            Plan::NewChain { root_key, ratchet_key, old, walk } => {
                if let (Some(old), Some(c)) = (old, self.receiving.first_mut()) {
                    c.apply(old);
                }
                self.root_key = root_key;
                if let Some(s) = self.sending.take() {
                    self.previous_counter = s.counter;
                }
                let mut chain =
                    ReceiverChain { ratchet_key, chain_key: None, next: 0, skipped: SkippedKeys::default() };
                chain.apply(walk);
                self.receiving.insert(0, chain);
                for c in self.receiving.iter_mut().skip(limits.max_receiver_chains) {
                    c.chain_key = None;
                }
                self.receiving.truncate(limits.max_receiver_chains.saturating_add(limits.max_retired_chains));
            }
        }
        self.enforce_skipped_cap(limits.max_skipped_keys);
    }

    /// Drops skipped keys, oldest chain first and lowest counter first, until
    /// at most `max` remain.
    fn enforce_skipped_cap(&mut self, max: usize) {
        let mut total: usize = self.receiving.iter().map(|c| c.skipped.len()).sum();
        for c in self.receiving.iter_mut().rev() {
            while total > max && c.skipped.discard_oldest() {
                total = total.saturating_sub(1);
            }
        }
    }

    /// Number of skipped keys held.
    pub(crate) fn skipped_count(&self) -> usize {
        self.receiving.iter().map(|c| c.skipped.len()).sum()
    }
}
