//! Sender chains (SPEC.md §12.2): our own, which we encrypt and sign with,
//! and the other members', which we decrypt and verify with.

use crate::chain::{ChainKey, GROUP_CHAIN, MessageKey, OldCounter, SkippedKeys, Walk};
use crate::crypto::Secret32;
use crate::crypto::sig::{SigningKey, VerifyingKey};
use crate::group::GroupError;
use crate::group::message::Epoch;
use crate::wire::{format, group as pb};
use core::fmt;
use prost::Message;
use zeroize::{Zeroize, Zeroizing};

/// Our sender chain in one group.
pub(crate) struct OwnSenderChain {
    pub(crate) chain_id: u32,
    pub(crate) chain_key: ChainKey,
    pub(crate) iteration: u32,
    pub(crate) signing: SigningKey,
    /// The chain key at iteration 0, kept only when history is shared with
    /// new members.
    pub(crate) origin: Option<ChainKey>,
    /// The roster epoch this chain was made under.
    pub(crate) epoch: Epoch,
}

impl OwnSenderChain {
    pub(crate) fn generate<R: rand_core::CryptoRng + ?Sized>(rng: &mut R, keep_origin: bool, epoch: Epoch) -> Self {
        let chain_key = ChainKey::new(Secret32::random(rng), &GROUP_CHAIN);
        let origin = keep_origin.then(|| chain_key.duplicate());
        Self { chain_id: rng.next_u32(), chain_key, iteration: 0, signing: SigningKey::generate(rng), origin, epoch }
    }

    /// The next message key and its iteration. Refuses to pass `u32::MAX`.
    pub(crate) fn next_key(&mut self) -> Result<(u32, MessageKey), GroupError> {
        let iteration = self.iteration;
        let next = iteration.checked_add(1).ok_or(GroupError::CounterExhausted)?;
        let (mk, ck) = self.chain_key.step();
        self.chain_key = ck;
        self.iteration = next;
        Ok((iteration, mk))
    }

    /// The distribution of this chain: from the current iteration, or from
    /// iteration 0 when `from_origin` and the origin is kept.
    pub(crate) fn distribution(&self, group_id: &[u8], from_origin: bool) -> Zeroizing<Vec<u8>> {
        let (key, iteration) = match (&self.origin, from_origin) {
            (Some(o), true) => (o, 0),
            _ => (&self.chain_key, self.iteration),
        };
        let mut d = pb::SenderKeyDistribution {
            format: format::SENDER_KEY_DISTRIBUTION,
            group_id: group_id.to_vec(),
            chain_id: self.chain_id,
            iteration,
            chain_key: key.secret().as_bytes().to_vec(),
            signing_key: self.signing.verifying_key().as_bytes().to_vec(),
            roster_epoch: self.epoch.0,
            roster_hash: self.epoch.1.to_vec(),
        };
        let out = Zeroizing::new(d.encode_to_vec());
        d.chain_key.zeroize();
        out
    }
}

impl fmt::Debug for OwnSenderChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OwnSenderChain {{ chain_id: {:#010x}, iteration: {}, .. }}", self.chain_id, self.iteration)
    }
}

/// Another member's sender chain.
pub(crate) struct ReceiverSenderChain {
    pub(crate) chain_id: u32,
    pub(crate) signing_key: VerifyingKey,
    pub(crate) chain_key: Option<ChainKey>,
    pub(crate) next: u32,
    pub(crate) skipped: SkippedKeys,
    /// The roster epoch the sender made the chain under; `None` for a
    /// chain loaded from a version-1 state (it reads version-1 messages).
    pub(crate) epoch: Option<Epoch>,
}

impl ReceiverSenderChain {
    pub(crate) fn old_iteration_error(&self, iteration: u32) -> GroupError {
        match self.skipped.classify_old(iteration) {
            OldCounter::Duplicate => GroupError::Duplicate,
            OldCounter::Discarded => GroupError::MessageKeyDiscarded,
        }
    }

    pub(crate) fn apply(&mut self, w: Walk, max_skipped: usize) {
        w.apply(&mut self.chain_key, &mut self.next, &mut self.skipped);
        while self.skipped.len() > max_skipped && self.skipped.discard_oldest() {}
    }
}

impl fmt::Debug for ReceiverSenderChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ReceiverSenderChain {{ chain_id: {:#010x}, next: {}, skipped: {}, .. }}",
            self.chain_id,
            self.next,
            self.skipped.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Row 16: `Debug` of the chain types prints public values only (snapshot).
    #[test]
    fn debug_prints_no_secret() {
        let mut rng = rand::rng();
        let mut own = OwnSenderChain::generate(&mut rng, true, (0, [0; 32]));
        own.chain_id = 0x1234;
        let theirs = ReceiverSenderChain {
            chain_id: 0xabcd,
            signing_key: own.signing.verifying_key(),
            chain_key: Some(own.chain_key.duplicate()),
            next: 7,
            skipped: SkippedKeys::default(),
            epoch: None,
        };
        assert_eq!(format!("{own:?}"), "OwnSenderChain { chain_id: 0x00001234, iteration: 0, .. }");
        assert_eq!(format!("{theirs:?}"), "ReceiverSenderChain { chain_id: 0x0000abcd, next: 7, skipped: 0, .. }");
    }
}
