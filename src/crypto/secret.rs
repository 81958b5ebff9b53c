//! Fixed-size secret byte strings: boxed (so moves do not leave copies on the
//! stack), zeroized on drop, compared in constant time, never printed.

use core::fmt;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A 32-byte secret. `Debug` prints only the type name.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct Secret32(Box<[u8; 32]>);

impl Secret32 {
    /// Wraps bytes; the caller's copy should be zeroized by the caller.
    pub(crate) fn new(bytes: [u8; 32]) -> Self {
        let mut b = bytes;
        let out = Self(Box::new(b));
        b.zeroize();
        out
    }

    /// Takes a secret out of a slice of exactly 32 bytes.
    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; 32] = bytes.try_into().ok()?;
        Some(Self::new(arr))
    }

    /// Fresh random secret.
    pub(crate) fn random<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut b = Box::new([0u8; 32]);
        rng.fill_bytes(b.as_mut_slice());
        Self(b)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// An explicit copy, for the few places that must duplicate a secret
    /// (serialization, handing a key to a second holder). Not `Clone` on purpose.
    pub(crate) fn duplicate(&self) -> Self {
        Self(Box::new(*self.0))
    }
}

impl ConstantTimeEq for Secret32 {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.as_slice().ct_eq(other.0.as_slice())
    }
}

impl fmt::Debug for Secret32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret32(..)")
    }
}
