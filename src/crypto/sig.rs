//! Ed25519 signatures under the crate's single acceptance rule.
//!
//! Every signature in vestnik is made over a *context-bound* input,
//! `len(label) (1 byte) || label || message`, with a label from
//! [`crate::labels`], so a signature made for one purpose never verifies for
//! another (SPEC.md §2.3).
//!
//! Acceptance rule (SPEC.md §2.2, written out in §11.1; it applies to every
//! signature in the crate, single or batched):
//!
//! ```text
//! key import:  A is the canonical encoding of a curve point, A is not of
//!              small order, and [L]A = identity (no torsion component)
//! signature:   (R_enc, S_enc) = sig[0..32], sig[32..64]
//!   1. S = S_enc as a little-endian integer, and S < L       (canonical S)
//!   2. R_enc is the canonical encoding of a point R          (canonical R)
//!   3. R is not of small order
//!   4. k = SHA-512(R_enc || A_enc || input) mod L
//!   5. [8]([S]B - R - [k]A) = identity                       (cofactored)
//! batch of n:  z_i uniform in [0, 2^128) from a CSPRNG, steps 1-4 for each,
//!   [8]([sum z_i S_i]B - sum [z_i]R_i - sum [z_i k_i]A_i) = identity
//! ```
//!
//! The cofactored equation is what makes single and batch verification accept
//! the same set: with the cofactorless equation, a signature whose
//! `[S]B - R - [k]A` is a nonzero torsion point fails alone but passes in a
//! batch with probability 1/8 per attempt. Multiplying by 8 kills every torsion
//! term, so each term of the batch sum is the identity exactly when its single
//! check passes, and a nonzero term (which then lies in the prime-order
//! subgroup) survives the random linear combination except with probability
//! about 2^-128. Signatures made by honest RFC 8032 signers satisfy the
//! cofactorless equation and so also this one.

use crate::crypto::x25519::KeyError;
use crate::labels::SigContext;
use crate::wire::{self, DecodeError, format, state as st};
use core::fmt;
use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ed25519_dalek::Signer;
use sha2::{Digest, Sha512};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Largest serialized [`SigningKey`] accepted by [`SigningKey::from_bytes`]
/// (the encoding is 38 bytes).
pub const MAX_SIGNING_KEY_STATE_LEN: usize = 64;

/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;

/// Largest number of signatures checked in one multiscalar multiplication;
/// longer batches are split, which bounds the temporary vectors.
pub const MAX_BATCH_CHUNK: usize = 4096;

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

    /// Parses the signature field `field` of a decoded message.
    pub(crate) fn from_field(field: &'static str, bytes: &[u8]) -> Result<Self, crate::wire::DecodeError> {
        let arr = crate::wire::fixed::<SIGNATURE_LEN>(field, bytes)?;
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
        write!(f, "Signature({}..)", super::fmt_public::hex_prefix(&self.0))
    }
}

/// A validated Ed25519 public key (see the module docs for the import rule).
#[derive(Clone, Copy)]
pub struct VerifyingKey {
    bytes: [u8; 32],
    point: EdwardsPoint,
}

impl PartialEq for VerifyingKey {
    fn eq(&self, other: &Self) -> bool {
        // Canonical encodings: equal points have equal bytes.
        self.bytes == other.bytes
    }
}

impl Eq for VerifyingKey {}

impl core::hash::Hash for VerifyingKey {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}

impl VerifyingKey {
    /// Imports a key: canonical encoding, not of small order, torsion-free.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| KeyError::WrongLength(bytes.len()))?;
        let point = CompressedEdwardsY(arr).decompress().ok_or(KeyError::NotOnCurve)?;
        if !is_canonical_encoding(&arr) {
            return Err(KeyError::NonCanonical);
        }
        if point.is_small_order() {
            return Err(KeyError::SmallOrder);
        }
        if !point.is_torsion_free() {
            return Err(KeyError::Torsion);
        }
        Ok(Self { bytes: arr, point })
    }

    /// The 32-byte encoding.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// Verifies `signature` over `message` in `context` (rule of the module docs).
    pub(crate) fn verify(
        &self,
        context: SigContext,
        message: &[u8],
        signature: &Signature,
    ) -> Result<(), BadSignature> {
        self.verify_input(&signing_input(context, message), signature)
    }

    /// The same rule over `message` exactly as given, with no vestnik label
    /// prefixed: for protocols that domain-separate their own signed bytes.
    /// The one user is MLS (RFC 9420 `SignWithLabel` already prefixes
    /// `"MLS 1.0 " || label`; SPEC §2.2, §15), through
    /// `mls::provider::VestnikCryptoProvider`, so MLS accepts exactly the
    /// signatures and keys the rest of the crate accepts.
    #[cfg_attr(not(feature = "mls"), allow(dead_code))]
    pub(crate) fn verify_raw(&self, message: &[u8], signature: &Signature) -> Result<(), BadSignature> {
        self.verify_input(message, signature)
    }

    /// The rule applied to an already context-bound input (also used by the
    /// Wycheproof and speccheck tests, whose messages carry no label).
    fn verify_input(&self, input: &[u8], signature: &Signature) -> Result<(), BadSignature> {
        let p = Prepared::new(self, input, signature).ok_or(BadSignature)?;
        // [S]B - [k]A - R, then the cofactor.
        let sb_minus_ka = EdwardsPoint::vartime_double_scalar_mul_basepoint(&(-p.k), &self.point, &p.s);
        if (sb_minus_ka - p.r).mul_by_cofactor().is_identity() { Ok(()) } else { Err(BadSignature) }
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({})", super::fmt_public::hex_prefix(self.as_bytes()))
    }
}

/// True when `enc`, which decompressed, is the canonical encoding of its
/// point (what `decompress` then `compress` would give back): y < p, and
/// the sign bit is clear when x = 0 (y = 1 or y = p - 1). Bytes only, no
/// field inversion.
fn is_canonical_encoding(enc: &[u8; 32]) -> bool {
    const P: [u8; 32] = {
        let mut p = [0xff; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        p
    };
    const P_MINUS_1: [u8; 32] = {
        let mut p = P;
        p[0] = 0xec;
        p
    };
    const ONE: [u8; 32] = {
        let mut one = [0; 32];
        one[0] = 1;
        one
    };
    let mut y = *enc;
    let sign = y[31] >> 7 == 1;
    y[31] &= 0x7f;
    // Little-endian: compare from the most significant byte.
    let below_p = y.iter().rev().lt(P.iter().rev());
    below_p && !(sign && (y == ONE || y == P_MINUS_1))
}

/// Steps 1-4 of the rule: the parsed scalar, point and challenge.
struct Prepared {
    s: Scalar,
    r: EdwardsPoint,
    k: Scalar,
}

impl Prepared {
    fn new(key: &VerifyingKey, input: &[u8], signature: &Signature) -> Option<Self> {
        let (r_enc, s_enc) = signature.0.split_at(32);
        let s_arr: [u8; 32] = s_enc.try_into().ok()?;
        let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_arr))?;
        let r_arr: [u8; 32] = r_enc.try_into().ok()?;
        let r = CompressedEdwardsY(r_arr).decompress()?;
        if !is_canonical_encoding(&r_arr) || r.is_small_order() {
            return None;
        }
        let mut h = Sha512::new();
        h.update(r_arr);
        h.update(key.bytes);
        h.update(input);
        let wide: [u8; 64] = h.finalize().into();
        Some(Self { s, r, k: Scalar::from_bytes_mod_order_wide(&wide) })
    }
}

/// One signature of a batch: who, in which context, over what.
#[derive(Debug, Clone, Copy)]
pub struct BatchItem<'a> {
    /// The signer's key.
    pub key: &'a VerifyingKey,
    /// The context the signature was made in.
    pub context: SigContext,
    /// The message, without the context label.
    pub message: &'a [u8],
    /// The signature.
    pub signature: &'a Signature,
}

/// Verifies many signatures at once under the same rule as
/// `VerifyingKey::verify`, and accepts exactly the batches whose every item
/// single verification accepts (a batch containing a bad signature passes with
/// probability about 2^-128 over `rng`). On failure, falls back to single
/// verification and returns the indices of the bad items, in order.
pub fn verify_batch<R: rand_core::CryptoRng + ?Sized>(items: &[BatchItem<'_>], rng: &mut R) -> Result<(), Vec<usize>> {
    let mut bad = Vec::new();
    let mut start = 0usize;
    for chunk in items.chunks(MAX_BATCH_CHUNK) {
        if !batch_equation_holds(chunk, rng) {
            for (i, item) in chunk.iter().enumerate() {
                if item.key.verify(item.context, item.message, item.signature).is_err() {
                    bad.push(start + i);
                }
            }
        }
        start += chunk.len();
    }
    if bad.is_empty() { Ok(()) } else { Err(bad) }
}

/// The batch equation over one chunk; false if any item fails steps 1-3.
fn batch_equation_holds<R: rand_core::CryptoRng + ?Sized>(items: &[BatchItem<'_>], rng: &mut R) -> bool {
    let n = items.len();
    let mut scalars = Vec::with_capacity(2 * n + 1);
    let mut points = Vec::with_capacity(2 * n + 1);
    let mut b_coeff = Scalar::ZERO;
    scalars.push(Scalar::ZERO); // placeholder for the base point's coefficient
    points.push(ED25519_BASEPOINT_POINT);
    for item in items {
        let input = signing_input(item.context, item.message);
        let Some(p) = Prepared::new(item.key, &input, item.signature) else {
            return false;
        };
        let mut zb = [0u8; 16];
        rng.fill_bytes(&mut zb);
        let z = Scalar::from(u128::from_le_bytes(zb));
        b_coeff += z * p.s;
        scalars.push(-z);
        points.push(p.r);
        scalars.push(-(z * p.k));
        points.push(item.key.point);
    }
    if let Some(first) = scalars.first_mut() {
        *first = b_coeff;
    }
    EdwardsPoint::vartime_multiscalar_mul(scalars, points).mul_by_cofactor().is_identity()
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

    /// Serializes the key (format `0x1401`, `SigningKeyState`: the 32-byte
    /// seed), so a certificate authority's, a timestamping authority's or an
    /// issuer's key survives a restart. The buffer is wiped on drop: seal it
    /// (see [`crate::storage`]) or keep it in protected storage.
    ///
    /// ```
    /// use vestnik::crypto::sig::SigningKey;
    /// let key = SigningKey::generate(&mut rand::rng());
    /// let back = SigningKey::from_bytes(&key.to_bytes())?;
    /// assert_eq!(back.verifying_key(), key.verifying_key());
    /// # Ok::<(), vestnik::wire::DecodeError>(())
    /// ```
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let seed = self.to_seed();
        wire::encode_secret(
            st::SigningKeyState { format: format::STATE_SIGNING_KEY, seed: seed.as_bytes().to_vec() },
            wipe_signing_key_state,
        )
    }

    /// Loads a key written by [`Self::to_bytes`]: format (another type is
    /// [`DecodeError::WrongType`], another version
    /// [`DecodeError::UnsupportedVersion`]), then size, then the strict
    /// decoding and a 32-byte seed (SPEC.md §4.1). Every decoded copy of the
    /// seed is wiped.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let (max, f) = (MAX_SIGNING_KEY_STATE_LEN, format::STATE_SIGNING_KEY);
        wire::decode_secret(bytes, max, f, &[], wipe_signing_key_state, |m: &st::SigningKeyState| {
            let seed = crate::crypto::Secret32::from_slice(&m.seed).ok_or(DecodeError::WrongLength {
                field: "seed",
                len: m.seed.len(),
                expected: 32,
            })?;
            Ok(Self::from_seed(&seed))
        })
    }

    /// The public half. Keys made by this type always pass the import rule
    /// ([`ed25519_dalek`] computes `[a]B` with `a` a multiple of 8, so the
    /// point is in the prime-order subgroup and never of small order).
    pub fn verifying_key(&self) -> VerifyingKey {
        let vk = self.key.verifying_key();
        VerifyingKey { bytes: vk.to_bytes(), point: vk.to_edwards() }
    }

    /// Signs `message` in `context` (RFC 8032 Ed25519, deterministic).
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

fn wipe_signing_key_state(m: &mut st::SigningKeyState) {
    m.seed.zeroize();
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
#[path = "sig_tests.rs"]
mod tests;
