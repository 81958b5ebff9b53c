//! Device identity: an Ed25519 signing key (what users verify, through safety
//! numbers) that certifies a separate X25519 key used for key agreement
//! (SPEC.md §5.1).
//!
//! Why two keys: Ed25519 and X25519 keys are kept apart so no key is used in
//! two algorithms (no XEdDSA, no birational conversion); the one signature of
//! the certificate ties them together and is checked on every import.

use crate::crypto::Secret32;
use crate::crypto::sig::{BadSignature, Signature, SigningKey, VerifyingKey};
use crate::crypto::x25519::{KeyError, X25519PublicKey, X25519Secret};
use crate::labels;
use crate::wire::{self, DecodeError, format, session as pb, state as st};
use core::fmt;
use zeroize::ZeroizeOnDrop;

/// Why a public identity was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// A key failed the import rule.
    #[error("invalid identity key: {0}")]
    Key(#[from] KeyError),
    /// The X25519 key's certificate does not verify under the signing key.
    #[error("identity key certificate does not verify")]
    BadCertificate(#[from] BadSignature),
}

/// The public identity of a device. Holds no secret.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct IdentityPublic {
    signing_key: VerifyingKey,
    dh_key: X25519PublicKey,
    dh_key_signature: Signature,
}

impl IdentityPublic {
    /// Validates and imports the three parts of a public identity.
    pub fn from_parts(signing_key: &[u8], dh_key: &[u8], dh_key_signature: &[u8]) -> Result<Self, IdentityError> {
        let signing_key = VerifyingKey::from_bytes(signing_key)?;
        let dh_key = X25519PublicKey::from_bytes(dh_key)?;
        let dh_key_signature = Signature::from_slice(dh_key_signature)?;
        signing_key.verify(labels::SIG_IDENTITY_DH_KEY, dh_key.as_bytes(), &dh_key_signature)?;
        Ok(Self { signing_key, dh_key, dh_key_signature })
    }

    /// The Ed25519 key: the identity users verify.
    pub fn signing_key(&self) -> &VerifyingKey {
        &self.signing_key
    }

    /// The certified X25519 key used in the handshake.
    pub fn dh_key(&self) -> &X25519PublicKey {
        &self.dh_key
    }

    /// The certificate over the X25519 key.
    pub fn dh_key_signature(&self) -> &Signature {
        &self.dh_key_signature
    }

    /// 128-byte fixed encoding `signing_key || dh_key || dh_key_signature`,
    /// used inside KDF inputs.
    pub fn to_fixed_bytes(&self) -> [u8; 128] {
        let mut out = [0u8; 128];
        let (a, rest) = out.split_at_mut(32);
        let (b, c) = rest.split_at_mut(32);
        a.copy_from_slice(self.signing_key.as_bytes());
        b.copy_from_slice(self.dh_key.as_bytes());
        c.copy_from_slice(self.dh_key_signature.as_bytes());
        out
    }

    /// The inverse of [`Self::to_fixed_bytes`], with the checks of
    /// [`Self::from_parts`]: both keys pass the import rule and the
    /// certificate verifies.
    ///
    /// ```
    /// use vestnik::{DeviceIdentity, IdentityPublic};
    /// let alice = DeviceIdentity::generate(&mut rand::rng()).public();
    /// let back = IdentityPublic::from_fixed_bytes(&alice.to_fixed_bytes())?;
    /// assert_eq!(back, alice);
    /// # Ok::<(), vestnik::identity::IdentityError>(())
    /// ```
    pub fn from_fixed_bytes(bytes: &[u8; 128]) -> Result<Self, IdentityError> {
        let (signing_key, rest) = bytes.split_at(32);
        let (dh_key, dh_key_signature) = rest.split_at(32);
        Self::from_parts(signing_key, dh_key, dh_key_signature)
    }

    /// [`Self::from_fixed_bytes`] with both keys imported under the rule but
    /// the certificate over the X25519 key not yet checked: the caller
    /// verifies it (`SIG_IDENTITY_DH_KEY` over `dh_key`) in a batch before
    /// using the value.
    #[cfg_attr(not(feature = "mls"), allow(dead_code))]
    pub(crate) fn from_fixed_bytes_deferred(bytes: &[u8; 128]) -> Result<Self, IdentityError> {
        let (signing_key, rest) = bytes.split_at(32);
        let (dh_key, dh_key_signature) = rest.split_at(32);
        Ok(Self {
            signing_key: VerifyingKey::from_bytes(signing_key)?,
            dh_key: X25519PublicKey::from_bytes(dh_key)?,
            dh_key_signature: Signature::from_slice(dh_key_signature)?,
        })
    }

    pub(crate) fn to_wire(self) -> pb::IdentityPublic {
        pb::IdentityPublic {
            signing_key: self.signing_key.as_bytes().to_vec(),
            dh_key: self.dh_key.as_bytes().to_vec(),
            dh_key_signature: self.dh_key_signature.to_bytes().to_vec(),
        }
    }

    pub(crate) fn from_wire(w: &pb::IdentityPublic) -> Result<Self, DecodeError> {
        wire::fixed::<32>("identity.signing_key", &w.signing_key)?;
        wire::fixed::<32>("identity.dh_key", &w.dh_key)?;
        wire::fixed::<64>("identity.dh_key_signature", &w.dh_key_signature)?;
        Self::from_parts(&w.signing_key, &w.dh_key, &w.dh_key_signature).map_err(|_| DecodeError::Invalid("identity"))
    }
}

impl fmt::Debug for IdentityPublic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdentityPublic({})", crate::crypto::fmt_public::hex_prefix(self.signing_key.as_bytes()))
    }
}

/// A device's identity secrets. Zeroized on drop; not `Clone`; `Debug` shows
/// only the public key.
#[derive(ZeroizeOnDrop)]
pub struct DeviceIdentity {
    signing: SigningKey,
    dh: X25519Secret,
    #[zeroize(skip)]
    public: IdentityPublic,
}

impl DeviceIdentity {
    /// Generates a new device identity.
    ///
    /// ```
    /// let alice = vestnik::DeviceIdentity::generate(&mut rand::rng());
    /// let public = alice.public();
    /// assert_eq!(public.signing_key().as_bytes().len(), 32);
    /// ```
    pub fn generate<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let signing = SigningKey::generate(rng);
        let dh = X25519Secret::generate(rng);
        Self::assemble(signing, dh)
    }

    fn assemble(signing: SigningKey, dh: X25519Secret) -> Self {
        // Ed25519 signing is deterministic: the certificate is recomputed on
        // load rather than stored.
        let dh_key_signature = signing.sign(labels::SIG_IDENTITY_DH_KEY, dh.public().as_bytes());
        let public = IdentityPublic { signing_key: signing.verifying_key(), dh_key: *dh.public(), dh_key_signature };
        Self { signing, dh, public }
    }

    /// The public identity.
    pub fn public(&self) -> IdentityPublic {
        self.public
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    pub(crate) fn dh_secret(&self) -> &X25519Secret {
        &self.dh
    }

    /// Serializes the identity secrets (format 0x1001) for protected
    /// storage; to store it encrypted, seal the identity itself with
    /// [`crate::storage::Sealable::seal`].
    pub fn to_bytes(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let seed = self.signing.to_seed();
        let dh = self.dh.to_secret();
        let s = st::IdentityState {
            format: format::STATE_IDENTITY,
            signing_seed: seed.as_bytes().to_vec(),
            dh_secret: dh.as_bytes().to_vec(),
        };
        wire::encode_secret(s, wipe_identity_state)
    }

    /// Loads an identity written by [`DeviceIdentity::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        wire::decode_secret(bytes, 256, format::STATE_IDENTITY, &[], wipe_identity_state, |s| {
            let seed = Secret32::from_slice(&s.signing_seed).ok_or(DecodeError::WrongLength {
                field: "signing_seed",
                len: s.signing_seed.len(),
                expected: 32,
            })?;
            let dh = Secret32::from_slice(&s.dh_secret).ok_or(DecodeError::WrongLength {
                field: "dh_secret",
                len: s.dh_secret.len(),
                expected: 32,
            })?;
            Ok(Self::assemble(SigningKey::from_seed(&seed), X25519Secret::from_bytes(&dh)))
        })
    }
}

fn wipe_identity_state(s: &mut st::IdentityState) {
    zeroize::Zeroize::zeroize(&mut s.signing_seed);
    zeroize::Zeroize::zeroize(&mut s.dh_secret);
}

impl fmt::Debug for DeviceIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceIdentity {{ public: {:?}, .. }}", self.public)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_certificate() {
        let mut rng = rand::rng();
        let id = DeviceIdentity::generate(&mut rng);
        let bytes = id.to_bytes();
        let back = DeviceIdentity::from_bytes(&bytes);
        assert!(matches!(&back, Ok(b) if b.public() == id.public()));
        let p = id.public();
        assert!(
            IdentityPublic::from_parts(
                p.signing_key().as_bytes(),
                p.dh_key().as_bytes(),
                p.dh_key_signature().as_bytes()
            )
            .is_ok()
        );
        // Another device's X25519 key under this signing key: refused.
        let other = DeviceIdentity::generate(&mut rng).public();
        assert_eq!(
            IdentityPublic::from_parts(
                p.signing_key().as_bytes(),
                other.dh_key().as_bytes(),
                p.dh_key_signature().as_bytes()
            ),
            Err(IdentityError::BadCertificate(BadSignature))
        );
    }

    #[test]
    fn fixed_bytes_round_trip_and_tampering_is_refused() {
        let mut rng = rand::rng();
        let p = DeviceIdentity::generate(&mut rng).public();
        let fixed = p.to_fixed_bytes();
        assert_eq!(IdentityPublic::from_fixed_bytes(&fixed), Ok(p));
        // Each part in its place.
        assert_eq!(&fixed[..32], p.signing_key().as_bytes());
        assert_eq!(&fixed[32..64], p.dh_key().as_bytes());
        assert_eq!(&fixed[64..], p.dh_key_signature().as_bytes());
        // A flipped bit in the X25519 key or the signature breaks the certificate.
        for i in [32, 63, 64, 127] {
            let mut bad = fixed;
            bad[i] ^= 1;
            assert_eq!(
                IdentityPublic::from_fixed_bytes(&bad),
                Err(IdentityError::BadCertificate(BadSignature)),
                "byte {i}"
            );
        }
        // Another device's X25519 key and certificate under this signing key.
        let other = DeviceIdentity::generate(&mut rng).public().to_fixed_bytes();
        let mut spliced = fixed;
        spliced[32..].copy_from_slice(&other[32..]);
        assert_eq!(IdentityPublic::from_fixed_bytes(&spliced), Err(IdentityError::BadCertificate(BadSignature)));
        // A signing key of small order (the identity point) fails the import rule.
        let mut small = fixed;
        small[..32].copy_from_slice(&{
            let mut one = [0u8; 32];
            one[0] = 1;
            one
        });
        assert_eq!(IdentityPublic::from_fixed_bytes(&small), Err(IdentityError::Key(KeyError::SmallOrder)));
    }

    #[test]
    fn debug_shows_no_secret() {
        let id = DeviceIdentity::generate(&mut rand::rng());
        let dbg = format!("{id:?}");
        assert!(dbg.starts_with("DeviceIdentity { public: IdentityPublic("), "{dbg}");
        let seed = hex::encode(id.signing.to_seed().as_bytes());
        assert!(!dbg.contains(&seed[..16]));
    }
}
