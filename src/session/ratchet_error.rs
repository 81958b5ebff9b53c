//! The ratchet's own errors: what the Double Ratchet and its chains can
//! report, with no notion of sessions, peers or prekeys. The session layer
//! maps them into [`SessionError`] (one variant each, same meaning).

use crate::chain::ChainError;
use crate::session::SessionError;

/// Why a ratchet step or decryption failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RatchetError {
    /// There is no chain to send on yet (no ratchet key of the peer's).
    NoSendingChain,
    /// A Diffie-Hellman result was all zero.
    NonContributory,
    /// The sending counter would pass its maximum.
    CounterExhausted,
    /// The message key does not authenticate the message, or none can be
    /// derived for it.
    DecryptionFailed,
    /// The counter's key was already used.
    Duplicate,
    /// The counter's key was dropped (cap or retired chain).
    MessageKeyDiscarded,
    /// The message would skip more keys than the forward-jump limit allows.
    TooFarAhead {
        /// The jump requested.
        jump: u64,
        /// The limit.
        max: u32,
    },
}

impl From<ChainError> for RatchetError {
    fn from(e: ChainError) -> Self {
        match e {
            ChainError::TooFarAhead { jump, max } => RatchetError::TooFarAhead { jump, max },
            ChainError::CounterExhausted => RatchetError::CounterExhausted,
        }
    }
}

impl From<RatchetError> for SessionError {
    fn from(e: RatchetError) -> Self {
        match e {
            RatchetError::NoSendingChain => SessionError::NoSession,
            RatchetError::NonContributory => SessionError::NonContributory,
            RatchetError::CounterExhausted => SessionError::CounterExhausted,
            RatchetError::DecryptionFailed => SessionError::DecryptionFailed,
            RatchetError::Duplicate => SessionError::Duplicate,
            RatchetError::MessageKeyDiscarded => SessionError::MessageKeyDiscarded,
            RatchetError::TooFarAhead { jump, max } => SessionError::TooFarAhead { jump, max },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ratchet_error_maps_to_its_session_error() {
        let cases = [
            (RatchetError::NoSendingChain, SessionError::NoSession),
            (RatchetError::NonContributory, SessionError::NonContributory),
            (RatchetError::CounterExhausted, SessionError::CounterExhausted),
            (RatchetError::DecryptionFailed, SessionError::DecryptionFailed),
            (RatchetError::Duplicate, SessionError::Duplicate),
            (RatchetError::MessageKeyDiscarded, SessionError::MessageKeyDiscarded),
            (RatchetError::TooFarAhead { jump: 7, max: 3 }, SessionError::TooFarAhead { jump: 7, max: 3 }),
        ];
        for (r, s) in cases {
            assert_eq!(SessionError::from(r), s);
        }
        assert_eq!(
            RatchetError::from(ChainError::TooFarAhead { jump: 9, max: 2 }),
            RatchetError::TooFarAhead { jump: 9, max: 2 }
        );
        assert_eq!(RatchetError::from(ChainError::CounterExhausted), RatchetError::CounterExhausted);
    }
}
