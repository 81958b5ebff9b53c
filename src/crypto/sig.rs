//! Ed25519 signatures under the crate's single acceptance rule.
//!
//! Every signature in vestnik is made over a *context-bound* input,
//! `len(label) (1 byte) || label || message`, with a label from
//! [`crate::labels`], so a signature made for one purpose never verifies for
//! another (SPEC.md §2.3).
//!
//! Acceptance rule (SPEC.md §2.2): a verifying key is accepted at import only
//! if its encoding is canonical, it is not of small order and it has no
//! torsion component; a signature is accepted only by `verify_strict`
//! (canonical `S < L`, `R` not of small order, cofactorless equation).

use crate::crypto::x25519::KeyError;
use crate::labels::SigContext;
use core::fmt;
use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::Signer;
use zeroize::{ZeroizeOnDrop, Zeroizing};

/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;

/// A signature failed to verify. Deliberately carries no detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("signature verification failed")]
pub struct BadSignature;

/// An Ed25519 signature (64 bytes). Holds no secret.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature([u8; SIGNATURE_LEN]);

impl Signature {
    /// Parses 64 bytes; the scalar's canonicality is checked at verification.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, KeyError> {
        let arr: [u8; SIGNATURE_LEN] = bytes.try_into().map_err(|_| KeyError::WrongLength(bytes.len()))?;
        Ok(Self(arr))
    }

    /// The 64-byte encoding.
    pub fn to_bytes(&self) -> [u8; SIGNATURE_LEN] {
        self.0
    }

    /// The 64-byte encoding, borrowed.
    pub fn as_bytes(&self) -> &[u8; SIGNATURE_LEN] {
        &self.0
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({}..)", crate::hex_prefix(&self.0))
    }
}

/// A validated Ed25519 public key (see the module docs for the import rule).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct VerifyingKey {
    key: ed25519_dalek::VerifyingKey,
}

impl VerifyingKey {
    /// Imports a key: canonical encoding, not of small order, torsion-free.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| KeyError::WrongLength(bytes.len()))?;
        let point = CompressedEdwardsY(arr).decompress().ok_or(KeyError::NotOnCurve)?;
        if point.compress().to_bytes() != arr {
            return Err(KeyError::NonCanonical);
        }
        if point.is_small_order() {
            return Err(KeyError::SmallOrder);
        }
        if !point.is_torsion_free() {
            return Err(KeyError::Torsion);
        }
        // The point is already decompressed and checked: no second decompression.
        Ok(Self { key: ed25519_dalek::VerifyingKey::from(point) })
    }

    /// The 32-byte encoding.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.key.as_bytes()
    }

    /// Verifies `signature` over `message` in `context`.
    pub(crate) fn verify(
        &self,
        context: SigContext,
        message: &[u8],
        signature: &Signature,
    ) -> Result<(), BadSignature> {
        let input = signing_input(context, message);
        let sig = ed25519_dalek::Signature::from_bytes(&signature.0);
        self.key.verify_strict(&input, &sig).map_err(|_| BadSignature)
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({})", crate::hex_prefix(self.as_bytes()))
    }
}

/// An Ed25519 signing key, zeroized on drop; never `Clone` or printed.
#[derive(ZeroizeOnDrop)]
pub struct SigningKey {
    key: ed25519_dalek::SigningKey,
}

impl SigningKey {
    /// A fresh random key.
    pub fn generate<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self { key: ed25519_dalek::SigningKey::generate(rng) }
    }

    /// Restores a key from its 32-byte seed.
    pub(crate) fn from_seed(seed: &crate::crypto::Secret32) -> Self {
        Self { key: ed25519_dalek::SigningKey::from_bytes(seed.as_bytes()) }
    }

    /// The 32-byte seed, for serialization.
    pub(crate) fn to_seed(&self) -> crate::crypto::Secret32 {
        let seed = Zeroizing::new(self.key.to_bytes());
        crate::crypto::Secret32::new(*seed)
    }

    /// The public half. Keys made by this type always pass the import rule.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey { key: self.key.verifying_key() }
    }

    /// Signs `message` in `context`.
    pub(crate) fn sign(&self, context: SigContext, message: &[u8]) -> Signature {
        let input = signing_input(context, message);
        Signature(self.key.sign(&input).to_bytes())
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey {{ public: {:?}, .. }}", self.verifying_key())
    }
}

/// `len(label) || label || message`: the exact bytes every signature covers.
pub(crate) fn signing_input(context: SigContext, message: &[u8]) -> Vec<u8> {
    let label = context.as_bytes();
    let mut v = Vec::with_capacity(1 + label.len() + message.len());
    // Labels are short ASCII constants (checked by a unit test in `labels`).
    v.push(u8::try_from(label.len()).unwrap_or(u8::MAX));
    v.extend_from_slice(label);
    v.extend_from_slice(message);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels;

    #[test]
    fn context_separates_signatures() {
        let mut rng = rand::rng();
        let sk = SigningKey::generate(&mut rng);
        let vk = sk.verifying_key();
        let sig = sk.sign(labels::SIG_IDENTITY_DH_KEY, b"m");
        assert!(vk.verify(labels::SIG_IDENTITY_DH_KEY, b"m", &sig).is_ok());
        assert!(vk.verify(labels::SIG_SIGNED_PREKEY, b"m", &sig).is_err());
        assert!(vk.verify(labels::SIG_IDENTITY_DH_KEY, b"n", &sig).is_err());
    }

    #[test]
    fn weak_and_non_canonical_keys_refused() {
        // Identity point (small order).
        let mut id = [0u8; 32];
        id[0] = 1;
        assert_eq!(VerifyingKey::from_bytes(&id), Err(KeyError::SmallOrder));
        // Non-canonical encoding of the identity: y = p + 1.
        let mut nc = [0xffu8; 32];
        nc[0] = 0xee;
        nc[31] = 0x7f;
        assert!(VerifyingKey::from_bytes(&nc).is_err());
        // A valid key plus a point of order 8 (torsion component).
        let mut rng = rand::rng();
        let sk = SigningKey::generate(&mut rng);
        let a = CompressedEdwardsY(*sk.verifying_key().as_bytes()).decompress();
        let t = curve25519_dalek::constants::EIGHT_TORSION.get(1).copied();
        if let (Some(a), Some(t)) = (a, t) {
            let mixed = (a + t).compress().to_bytes();
            assert_eq!(VerifyingKey::from_bytes(&mixed), Err(KeyError::Torsion));
        } else {
            unreachable!("a generated key always decompresses");
        }
    }
}
