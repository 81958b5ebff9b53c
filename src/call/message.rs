//! `CallKeyMessage` (format 0x3001, SPEC.md §13.9): one sender's base key for
//! one call, bound to the sender's roster, sent to one participant inside a
//! 1:1 session.
//!
//! The typed value below is the only thing the rest of the module sees; the
//! generated struct stays behind [`crate::wire`], and its secret field is
//! wiped on every path of encoding and decoding.

use crate::call::key::BaseKey;
use crate::call::kid::{KeyId, MAX_PARTICIPANT_INDEX, MAX_RATCHET_STEP};
use crate::call::suite::CipherSuite;
use crate::limits::CALL_MAX_KEY_MESSAGE_LEN;
use crate::wire::{self, DecodeError, call as pb, format};
use core::fmt;
use zeroize::{Zeroize, Zeroizing};

/// Length of a call id.
pub const CALL_ID_LEN: usize = 16;

/// Length of a roster hash ([`crate::call::Call::roster_hash`]).
pub const ROSTER_HASH_LEN: usize = 32;

/// Identifies one call; chosen by the app (its signaling's call id, or
/// [`CallId::random`]). Every call key names its call, so a key for one call
/// is never installed in another.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallId([u8; CALL_ID_LEN]);

impl CallId {
    /// A call id from its 16 bytes.
    pub fn from_bytes(bytes: [u8; CALL_ID_LEN]) -> Self {
        Self(bytes)
    }

    /// A fresh random call id.
    pub fn random<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut b = [0u8; CALL_ID_LEN];
        rng.fill_bytes(&mut b);
        Self(b)
    }

    /// The 16 bytes.
    pub fn as_bytes(&self) -> &[u8; CALL_ID_LEN] {
        &self.0
    }
}

impl fmt::Debug for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CallId({})", crate::crypto::fmt_public::hex_prefix(&self.0))
    }
}

/// A decoded, validated call key.
pub(crate) struct CallKeyMessage {
    pub(crate) call_id: CallId,
    pub(crate) suite: CipherSuite,
    pub(crate) key_id: KeyId,
    pub(crate) base_key: BaseKey,
    /// Roster changes the sender had applied when it sent the key.
    pub(crate) roster_epoch: u64,
    /// The sender's roster (SPEC.md §13.9) the key is bound to.
    pub(crate) roster_hash: [u8; ROSTER_HASH_LEN],
}

impl CallKeyMessage {
    /// The encoding (holds the base key: zeroized on drop).
    pub(crate) fn encode(&self) -> Zeroizing<Vec<u8>> {
        let m = pb::CallKeyMessage {
            format: format::CALL_KEY,
            call_id: self.call_id.0.to_vec(),
            cipher_suite: u32::from(self.suite.id()),
            participant_index: u32::from(self.key_id.index),
            generation: u32::from(self.key_id.generation),
            ratchet_step: u32::from(self.key_id.step),
            base_key: self.base_key.as_bytes().to_vec(),
            roster_epoch: self.roster_epoch,
            roster_hash: self.roster_hash.to_vec(),
        };
        wire::encode_secret(m, |m| m.base_key.zeroize())
    }

    /// Decodes and validates; the base key must have the suite's `Nh` bytes.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        wire::decode_secret(
            bytes,
            CALL_MAX_KEY_MESSAGE_LEN,
            format::CALL_KEY,
            &[],
            |m: &mut pb::CallKeyMessage| m.base_key.zeroize(),
            |m| {
                let call_id = CallId(wire::fixed::<CALL_ID_LEN>("call_id", &m.call_id)?);
                let suite = u16::try_from(m.cipher_suite)
                    .ok()
                    .and_then(CipherSuite::from_id)
                    .ok_or(DecodeError::Invalid("cipher_suite"))?;
                let index = u16::try_from(m.participant_index)
                    .ok()
                    .filter(|i| *i <= MAX_PARTICIPANT_INDEX)
                    .ok_or(DecodeError::Invalid("participant_index"))?;
                let generation = u16::try_from(m.generation).map_err(|_| DecodeError::Invalid("generation"))?;
                let step = u8::try_from(m.ratchet_step)
                    .ok()
                    .filter(|s| *s <= MAX_RATCHET_STEP)
                    .ok_or(DecodeError::Invalid("ratchet_step"))?;
                let key_id = KeyId::new(index, generation, step).ok_or(DecodeError::Invalid("key id"))?;
                if m.base_key.len() != suite.hash_len() {
                    return Err(DecodeError::WrongLength {
                        field: "base_key",
                        len: m.base_key.len(),
                        expected: suite.hash_len(),
                    });
                }
                let roster_hash = wire::fixed::<ROSTER_HASH_LEN>("roster_hash", &m.roster_hash)?;
                let base_key = BaseKey::from_slice(&m.base_key).ok_or(DecodeError::Invalid("base_key"))?;
                Ok(Self { call_id, suite, key_id, base_key, roster_epoch: m.roster_epoch, roster_hash })
            },
        )
    }
}

impl fmt::Debug for CallKeyMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallKeyMessage")
            .field("call_id", &self.call_id)
            .field("suite", &self.suite)
            .field("key_id", &self.key_id)
            .field("roster_epoch", &self.roster_epoch)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    fn sample(suite: CipherSuite) -> CallKeyMessage {
        CallKeyMessage {
            call_id: CallId([9; CALL_ID_LEN]),
            suite,
            key_id: KeyId::new(1023, 65535, 63).unwrap(),
            base_key: BaseKey::random(suite, &mut rand::rng()),
            roster_epoch: u64::MAX,
            roster_hash: [0xa5; ROSTER_HASH_LEN],
        }
    }

    #[test]
    fn round_trip_every_suite() {
        for suite in CipherSuite::ALL {
            let m = sample(suite);
            let back = CallKeyMessage::decode(&m.encode()).unwrap();
            assert_eq!((back.call_id, back.suite, back.key_id), (m.call_id, m.suite, m.key_id));
            assert_eq!((back.roster_epoch, back.roster_hash), (m.roster_epoch, m.roster_hash));
            assert_eq!(back.base_key.as_bytes(), m.base_key.as_bytes());
        }
    }

    fn encoded(edit: impl FnOnce(&mut pb::CallKeyMessage)) -> Vec<u8> {
        let mut m = pb::CallKeyMessage {
            format: format::CALL_KEY,
            call_id: vec![1; 16],
            cipher_suite: 4,
            participant_index: 2,
            generation: 3,
            ratchet_step: 4,
            base_key: vec![5; 32],
            roster_epoch: 6,
            roster_hash: vec![7; 32],
        };
        edit(&mut m);
        m.encode_to_vec()
    }

    #[test]
    fn invalid_fields_refused() {
        assert!(CallKeyMessage::decode(&encoded(|_| {})).is_ok());
        type Edit = fn(&mut pb::CallKeyMessage);
        let cases: [(Edit, DecodeError); 10] = [
            (
                |m| m.format = 0x2201, // a group distribution, version 1
                DecodeError::WrongType { found: 0x2201, expected: 0x3001 },
            ),
            (|m| m.format = 0x3002, DecodeError::UnsupportedVersion { found: 0x3002, expected: 0x3001 }),
            (|m| m.call_id = vec![1; 15], DecodeError::WrongLength { field: "call_id", len: 15, expected: 16 }),
            (|m| m.cipher_suite = 1, DecodeError::Invalid("cipher_suite")),
            (|m| m.participant_index = 1024, DecodeError::Invalid("participant_index")),
            (|m| m.generation = 65536, DecodeError::Invalid("generation")),
            (|m| m.ratchet_step = 64, DecodeError::Invalid("ratchet_step")),
            (|m| m.base_key = vec![5; 64], DecodeError::WrongLength { field: "base_key", len: 64, expected: 32 }),
            // The roster hash is required: a key bound to no roster (the
            // seven-field encoding of before issue 13) is refused.
            (|m| m.roster_hash = vec![], DecodeError::WrongLength { field: "roster_hash", len: 0, expected: 32 }),
            (|m| m.roster_hash = vec![7; 33], DecodeError::WrongLength { field: "roster_hash", len: 33, expected: 32 }),
        ];
        for (edit, want) in cases {
            assert_eq!(CallKeyMessage::decode(&encoded(edit)).unwrap_err(), want);
        }
        // Limits at MAX and MAX + 1 (ASSURANCE row 14): size cap before decoding.
        let mut big = encoded(|_| {});
        big.resize(CALL_MAX_KEY_MESSAGE_LEN + 1, 0);
        assert_eq!(
            CallKeyMessage::decode(&big).unwrap_err(),
            DecodeError::TooLarge { len: CALL_MAX_KEY_MESSAGE_LEN + 1, max: CALL_MAX_KEY_MESSAGE_LEN }
        );
        // A trailing unknown field (10): not the canonical encoding.
        let mut extra = encoded(|_| {});
        extra.extend_from_slice(&[0x50, 0x01]);
        assert_eq!(CallKeyMessage::decode(&extra).unwrap_err(), DecodeError::NonCanonical);
        // Truncated input.
        let full = encoded(|_| {});
        assert!(CallKeyMessage::decode(&full[..full.len() - 1]).is_err());
    }
}
