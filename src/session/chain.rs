//! Sending and receiving chains, and the walk along a receiving chain that
//! produces skipped message keys (SPEC.md §5.6–5.7).

use crate::crypto::x25519::X25519PublicKey;
use crate::limits::SessionLimits;
use crate::session::SessionError;
use crate::session::keys::{ChainKey, MessageKey};
use std::collections::VecDeque;

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
    /// Skipped keys, ascending by counter.
    pub(crate) skipped: VecDeque<(u32, MessageKey)>,
    /// Highest counter whose skipped key was discarded by the cap.
    pub(crate) discarded_up_to: Option<u32>,
}

impl ReceiverChain {
    pub(crate) fn find_skipped(&self, counter: u32) -> Option<usize> {
        self.skipped.binary_search_by_key(&counter, |(c, _)| *c).ok()
    }

    /// The error for a counter below `next` with no key held.
    pub(crate) fn old_counter_error(&self, counter: u32) -> SessionError {
        if self.discarded_up_to.is_some_and(|d| counter <= d) {
            SessionError::MessageKeyDiscarded
        } else {
            SessionError::Duplicate
        }
    }

    pub(crate) fn note_discarded(&mut self, counter: u32) {
        self.discarded_up_to = Some(self.discarded_up_to.map_or(counter, |d| d.max(counter)));
    }

    /// Applies a walk computed by [`walk`].
    pub(crate) fn apply(&mut self, w: Walk) {
        self.chain_key = Some(w.chain_key);
        self.next = w.next;
        self.skipped.extend(w.skipped);
        if let Some(d) = w.dropped_up_to {
            self.note_discarded(d);
        }
    }
}

/// The result of walking a chain from `from` to a target counter, computed
/// without touching the session.
pub(crate) struct Walk {
    pub(crate) skipped: VecDeque<(u32, MessageKey)>,
    pub(crate) dropped_up_to: Option<u32>,
    /// The target's message key (`None` when walking only to skip).
    pub(crate) message_key: Option<MessageKey>,
    pub(crate) chain_key: ChainKey,
    pub(crate) next: u32,
}

/// Walks from counter `from` with chain key `ck` up to `to`. With
/// `include_target`, the key of `to` is the message key and `next = to + 1`;
/// without, keys `from..to` are all skipped and `next = to`. Keeps at most
/// `limits.max_skipped_keys` skipped keys (the newest).
pub(crate) fn walk(
    ck: &ChainKey,
    from: u32,
    to: u32,
    include_target: bool,
    limits: &SessionLimits,
) -> Result<Walk, SessionError> {
    let jump = u64::from(to).saturating_sub(u64::from(from));
    if jump > u64::from(limits.max_forward_jump) {
        return Err(SessionError::TooFarAhead { jump, max: limits.max_forward_jump });
    }
    let next = if include_target { to.checked_add(1).ok_or(SessionError::CounterExhausted)? } else { to };
    let keep = limits.max_skipped_keys;
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
    let chain_key = match current {
        Some(c) => c,
        None => ChainKey::new(ck.secret().duplicate()),
    };
    Ok(Walk { skipped, dropped_up_to, message_key, chain_key, next })
}
