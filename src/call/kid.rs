//! How vestnik lays out the 64-bit SFrame key id (SPEC.md §13.4).
//!
//! ```text
//!  63 ............ 32 31 ............ 16 15 ....... 10 9 ............ 0
//! +------------------+------------------+-------------+----------------+
//! |   zero           |  generation (16) |  step (6)   |  index (10)    |
//! +------------------+------------------+-------------+----------------+
//! ```
//! - `index`: the sender's participant index in the call (0..=1023);
//! - `step`: how many times the sender ratcheted this generation's base key
//!   (RFC 9605 §5.1), once per participant who joined (0..=63);
//! - `generation`: how many times the sender replaced its base key with a
//!   fresh random one, once per participant who left (0..=65535).
//!
//! The index sits in the low bits so that a small call at its start uses the
//! one-byte header form; every later KID still fits in four bytes. The 32
//! high bits are zero: a KID with any of them set is not a vestnik KID.

/// Bits of the participant index.
pub const INDEX_BITS: u32 = 10;
/// Bits of the ratchet step.
pub const STEP_BITS: u32 = 6;
/// Bits of the key generation.
pub const GENERATION_BITS: u32 = 16;

/// Largest participant index (1023).
pub const MAX_PARTICIPANT_INDEX: u16 = (1 << INDEX_BITS) - 1;
/// Largest ratchet step (63). A sender at this step that must ratchet again
/// starts a new generation instead.
pub const MAX_RATCHET_STEP: u8 = (1 << STEP_BITS) - 1;
/// Largest key generation (65,535). A sender at this generation that must
/// rotate fails with [`crate::call::CallError::GenerationExhausted`]: the
/// app starts a new call.
pub const MAX_GENERATION: u16 = u16::MAX;

/// A vestnik key id: who sends, which generation of their key, which
/// ratchet step of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId {
    /// Sender's participant index.
    pub index: u16,
    /// Key generation.
    pub generation: u16,
    /// Ratchet step within the generation.
    pub step: u8,
}

impl KeyId {
    /// Builds a key id; `None` if the index or step is out of range.
    pub fn new(index: u16, generation: u16, step: u8) -> Option<Self> {
        (index <= MAX_PARTICIPANT_INDEX && step <= MAX_RATCHET_STEP).then_some(Self { index, generation, step })
    }

    /// The 64-bit SFrame KID.
    pub fn to_kid(self) -> u64 {
        (u64::from(self.generation) << (INDEX_BITS + STEP_BITS))
            | (u64::from(self.step) << INDEX_BITS)
            | u64::from(self.index)
    }

    /// Splits a 64-bit KID; `None` when any of the high 32 bits is set.
    pub fn from_kid(kid: u64) -> Option<Self> {
        let low = u32::try_from(kid).ok()?;
        let index = u16::try_from(low & u32::from(MAX_PARTICIPANT_INDEX)).ok()?;
        let step = u8::try_from((low >> INDEX_BITS) & u32::from(MAX_RATCHET_STEP)).ok()?;
        let generation = u16::try_from(low >> (INDEX_BITS + STEP_BITS)).ok()?;
        Some(Self { index, generation, step })
    }

    /// Position of this key in its sender's key history: later keys compare
    /// greater (generation first, then step).
    pub(crate) fn age_order(self) -> u32 {
        (u32::from(self.generation) << STEP_BITS) | u32::from(self.step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_round_trips_and_bounds() {
        let k = KeyId::new(5, 0, 0).unwrap();
        assert_eq!(k.to_kid(), 5, "a small call starts with one-byte headers");
        let k = KeyId::new(MAX_PARTICIPANT_INDEX, MAX_GENERATION, MAX_RATCHET_STEP).unwrap();
        assert_eq!(k.to_kid(), 0xffff_ffff);
        assert_eq!(KeyId::from_kid(0xffff_ffff), Some(k));
        let k = KeyId::new(291, 7, 3).unwrap();
        assert_eq!(KeyId::from_kid(k.to_kid()), Some(k));
        assert_eq!(KeyId::from_kid(1 << 32), None);
        assert_eq!(KeyId::new(MAX_PARTICIPANT_INDEX + 1, 0, 0), None);
        assert_eq!(KeyId::new(0, 0, MAX_RATCHET_STEP + 1), None);
        let older = KeyId::new(1, 2, 63).unwrap();
        let newer = KeyId::new(1, 3, 0).unwrap();
        assert!(older.age_order() < newer.age_order());
    }
}
