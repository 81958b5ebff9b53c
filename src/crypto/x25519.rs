//! X25519 (RFC 7748) with the checks the protocols need: public keys must be
//! canonical and not of small order, and every shared secret must be
//! contributory (not all zero).

use crate::crypto::Secret32;
use core::fmt;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::ZeroizeOnDrop;

/// Why a public key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key does not have the required length.
    #[error("key has length {0}, expected 32")]
    WrongLength(usize),
    /// The encoding is not canonical (u >= 2^255 - 19, or the top bit is set).
    #[error("key encoding is not canonical")]
    NonCanonical,
    /// The key is one of the small-order points (or the identity).
    #[error("key is of small order")]
    SmallOrder,
    /// The key is not a valid curve point.
    #[error("key is not a valid curve point")]
    NotOnCurve,
    /// The point has a torsion component (not in the prime-order subgroup).
    #[error("key has a torsion component")]
    Torsion,
}

/// The canonical encodings of the points of small order on Curve25519
/// (orders 1, 2, 4 and 8). Together with the canonicality check this list is
/// exact: RFC 7748 §7 and the Wycheproof low-order cases.
const SMALL_ORDER: [[u8; 32]; 5] = [
    [0; 32],
    [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [
        0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09,
        0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
    ],
    [
        0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44,
        0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57,
    ],
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    ],
];

/// True when `u` (little-endian) is below p = 2^255 - 19 with the top bit clear.
fn is_canonical_u(u: &[u8; 32]) -> bool {
    if u[31] & 0x80 != 0 {
        return false;
    }
    // u >= p exactly when u[31] == 0x7f, u[1..31] are all 0xff and u[0] >= 0xed.
    let (first, rest) = u.split_at(1);
    let (middle, last) = rest.split_at(30);
    !(last == [0x7f] && middle.iter().all(|&b| b == 0xff) && first.first().is_some_and(|&b| b >= 0xed))
}

/// A validated X25519 public key: canonical and not of small order.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct X25519PublicKey([u8; 32]);

impl X25519PublicKey {
    /// Imports a public key, refusing non-canonical and small-order encodings.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| KeyError::WrongLength(bytes.len()))?;
        if !is_canonical_u(&arr) {
            return Err(KeyError::NonCanonical);
        }
        if SMALL_ORDER.contains(&arr) {
            return Err(KeyError::SmallOrder);
        }
        Ok(Self(arr))
    }

    /// The 32-byte encoding.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for X25519PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "X25519PublicKey({})", super::fmt_public::hex_prefix(&self.0))
    }
}

/// The Diffie-Hellman result was all zero: the peer's key was of small order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NonContributory;

/// An X25519 private key, zeroized on drop.
#[derive(ZeroizeOnDrop)]
pub(crate) struct X25519Secret {
    secret: StaticSecret,
    #[zeroize(skip)]
    public: X25519PublicKey,
}

impl X25519Secret {
    pub(crate) fn generate<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self::from_secret(StaticSecret::random_from_rng(rng))
    }

    pub(crate) fn from_bytes(bytes: &Secret32) -> Self {
        Self::from_secret(StaticSecret::from(*bytes.as_bytes()))
    }

    fn from_secret(secret: StaticSecret) -> Self {
        // The public key of a clamped scalar times the base point is never of
        // small order and is always canonical.
        let public = X25519PublicKey(PublicKey::from(&secret).to_bytes());
        Self { secret, public }
    }

    pub(crate) fn public(&self) -> &X25519PublicKey {
        &self.public
    }

    pub(crate) fn to_secret(&self) -> Secret32 {
        Secret32::new(self.secret.to_bytes())
    }

    /// X25519 with the all-zero check of RFC 7748 §6.1.
    pub(crate) fn diffie_hellman(&self, theirs: &X25519PublicKey) -> Result<Secret32, NonContributory> {
        let shared = self.secret.diffie_hellman(&PublicKey::from(theirs.0));
        if !shared.was_contributory() {
            return Err(NonContributory);
        }
        Ok(Secret32::new(shared.to_bytes()))
    }
}

impl fmt::Debug for X25519Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "X25519Secret {{ public: {:?}, .. }}", self.public)
    }
}

/// Raw X25519 on arbitrary 32-byte inputs, through the same contributory check
/// as the protocol path; used by the Wycheproof tests.
#[doc(hidden)]
pub fn x25519_checked(scalar: [u8; 32], u: [u8; 32]) -> Option<[u8; 32]> {
    let s = X25519Secret::from_secret(StaticSecret::from(scalar));
    let shared = s.secret.diffie_hellman(&PublicKey::from(u));
    shared.was_contributory().then(|| shared.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_order_list_is_refused_and_zero_dh() {
        let mut rng = rand::rng();
        let s = X25519Secret::generate(&mut rng);
        for p in SMALL_ORDER {
            assert_eq!(X25519PublicKey::from_bytes(&p), Err(KeyError::SmallOrder));
            assert!(x25519_checked(*s.to_secret().as_bytes(), p).is_none());
        }
    }

    #[test]
    fn non_canonical_refused() {
        let mut p = [0xffu8; 32];
        p[31] = 0x7f;
        assert_eq!(X25519PublicKey::from_bytes(&p), Err(KeyError::NonCanonical));
        p[0] = 0xec; // p - 1 is canonical but small order
        assert_eq!(X25519PublicKey::from_bytes(&p), Err(KeyError::SmallOrder));
        p[0] = 0xeb;
        assert!(X25519PublicKey::from_bytes(&p).is_ok());
        let mut high = [9u8; 32];
        high[31] |= 0x80;
        assert_eq!(X25519PublicKey::from_bytes(&high), Err(KeyError::NonCanonical));
        assert_eq!(X25519PublicKey::from_bytes(&[1u8; 31]), Err(KeyError::WrongLength(31)));
    }
}
