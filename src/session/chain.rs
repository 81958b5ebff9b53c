//! Sending and receiving chains of the Double Ratchet (SPEC.md §5.6–5.7);
//! the chain step, the walk and the skipped-key store are in [`crate::chain`].

use crate::chain::{ChainKey, OldCounter, SkippedKeys, Walk};
use crate::crypto::x25519::X25519PublicKey;
use crate::limits::SessionLimits;
use crate::session::ratchet_error::RatchetError;

/// Our sending chain: chain key and the counter of the next message.
#[derive(Debug)]
pub(crate) struct SendingChain {
    pub(crate) chain_key: ChainKey,
    pub(crate) counter: u32,
}

/// A chain of the peer's, identified by the peer's ratchet key. A retired
/// chain has no chain key: it only remembers counters (to report replays as
/// `Duplicate`) and any skipped keys still held.
#[derive(Debug)]
pub(crate) struct ReceiverChain {
    pub(crate) ratchet_key: X25519PublicKey,
    pub(crate) chain_key: Option<ChainKey>,
    /// Counter of the next message the chain key would produce.
    pub(crate) next: u32,
    pub(crate) skipped: SkippedKeys,
}

impl ReceiverChain {
    /// The error for a counter below `next` with no key held.
    pub(crate) fn old_counter_error(&self, counter: u32) -> RatchetError {
        match self.skipped.classify_old(counter) {
            OldCounter::Duplicate => RatchetError::Duplicate,
            OldCounter::Discarded => RatchetError::MessageKeyDiscarded,
        }
    }

    /// Applies a walk computed by [`walk`].
    pub(crate) fn apply(&mut self, w: Walk) {
        w.apply(&mut self.chain_key, &mut self.next, &mut self.skipped);
    }
}

/// [`crate::chain::walk`] under the session's limits.
pub(crate) fn walk(
    ck: &ChainKey,
    from: u32,
    to: u32,
    include_target: bool,
    limits: &SessionLimits,
) -> Result<Walk, RatchetError> {
    Ok(crate::chain::walk(ck, from, to, include_target, limits.max_forward_jump, limits.max_skipped_keys)?)
}
