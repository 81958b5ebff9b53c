//! ML-KEM-768 (FIPS 203) behind vestnik's own types (SPEC.md §2, §5.9).
//!
//! - [`KemEncapsulationKey`]: a public key that passed the encapsulation-key
//!   check of FIPS 203 §7.2 (the type check, 1,184 bytes, and the modulus
//!   check, every coefficient below q = 3329) at import. Nothing else can
//!   make one.
//! - [`KemDecapsulationKey`]: the secret, held as its 64-byte seed `d || z`
//!   (FIPS 203 §7.1, `ML-KEM.KeyGen_internal`) and the key expanded from it;
//!   zeroized on drop, printed as its public half only.
//! - [`KemCiphertext`]: exactly 1,088 bytes.
//!
//! Decapsulation has no error: a ciphertext that fails the re-encryption
//! check yields the implicit-rejection secret `J(z || c)`, which the
//! handshake then fails to authenticate, like any wrong key. The `ml-kem`
//! crate's types never leave this module.

use crate::crypto::Secret32;
use core::fmt;
use ml_kem::{Decapsulate, Encapsulate, KeyExport, MlKem768};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Length of an ML-KEM-768 encapsulation key (384·k + 32, k = 3).
pub const ENCAPSULATION_KEY_LEN: usize = 1184;
/// Length of an ML-KEM-768 ciphertext.
pub const CIPHERTEXT_LEN: usize = 1088;
/// Length of a decapsulation-key seed `d || z`.
pub const SEED_LEN: usize = 64;

type Ek = ml_kem::EncapsulationKey<MlKem768>;
type Dk = ml_kem::DecapsulationKey<MlKem768>;

/// Why an encapsulation key was refused at import (FIPS 203 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KemKeyError {
    /// Type check: the key is not 1,184 bytes.
    #[error("encapsulation key has length {0}, expected 1184")]
    WrongLength(usize),
    /// Modulus check: a coefficient is not below q = 3329 (the key does not
    /// re-encode to itself).
    #[error("encapsulation key fails the FIPS 203 modulus check")]
    Modulus,
}

/// A validated ML-KEM-768 encapsulation key (public).
#[derive(Clone)]
pub struct KemEncapsulationKey {
    bytes: Box<[u8; ENCAPSULATION_KEY_LEN]>,
    digest: [u8; 32],
    key: Box<Ek>,
}

impl KemEncapsulationKey {
    /// Imports a key, running the FIPS 203 §7.2 type and modulus checks.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KemKeyError> {
        let arr: &[u8; ENCAPSULATION_KEY_LEN] = bytes.try_into().map_err(|_| KemKeyError::WrongLength(bytes.len()))?;
        let key = Ek::new(&(*arr).into()).map_err(|_| KemKeyError::Modulus)?;
        Ok(Self::from_parts(Box::new(*arr), key))
    }

    fn from_parts(bytes: Box<[u8; ENCAPSULATION_KEY_LEN]>, key: Ek) -> Self {
        let digest = Sha256::digest(bytes.as_slice()).into();
        Self { bytes, digest, key: Box::new(key) }
    }

    /// The 1,184-byte encoding.
    pub fn as_bytes(&self) -> &[u8; ENCAPSULATION_KEY_LEN] {
        &self.bytes
    }

    /// SHA-256 of the encoding: what the handshake's KDF info binds (§5.4).
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }

    /// Encapsulates a fresh shared secret to this key.
    pub(crate) fn encapsulate<R: rand_core::CryptoRng + ?Sized>(&self, rng: &mut R) -> (KemCiphertext, Secret32) {
        let (ct, mut ss) = self.key.encapsulate_with_rng(rng);
        Self::wrap(ct, &mut ss)
    }

    /// Deterministic encapsulation with the message `m` (FIPS 203
    /// `ML-KEM.Encaps_internal`): known-answer tests only.
    pub(crate) fn encapsulate_deterministic(&self, m: &[u8; 32]) -> (KemCiphertext, Secret32) {
        let (ct, mut ss) = self.key.encapsulate_deterministic(&(*m).into());
        Self::wrap(ct, &mut ss)
    }

    fn wrap(
        ct: ml_kem::Ciphertext<MlKem768>,
        ss: &mut ml_kem::array::Array<u8, ml_kem::array::sizes::U32>,
    ) -> (KemCiphertext, Secret32) {
        let mut out = [0u8; 32];
        out.copy_from_slice(ss.as_slice());
        ss.as_mut_slice().zeroize();
        let mut c = Box::new([0u8; CIPHERTEXT_LEN]);
        c.copy_from_slice(ct.as_slice());
        (KemCiphertext(c), Secret32::new(out))
    }
}

impl PartialEq for KemEncapsulationKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}
impl Eq for KemEncapsulationKey {}

impl fmt::Debug for KemEncapsulationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KemEncapsulationKey(sha256 {})", super::fmt_public::hex_prefix(&self.digest))
    }
}

/// An ML-KEM-768 ciphertext (exactly [`CIPHERTEXT_LEN`] bytes).
#[derive(Clone, PartialEq, Eq)]
pub struct KemCiphertext(Box<[u8; CIPHERTEXT_LEN]>);

impl KemCiphertext {
    /// Imports a ciphertext: the length is its only rule (any 1,088 bytes
    /// decapsulate, to the implicit-rejection secret if they are not an
    /// honest ciphertext).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let arr: &[u8; CIPHERTEXT_LEN] = bytes.try_into().ok()?;
        Some(Self(Box::new(*arr)))
    }

    /// The 1,088 bytes.
    pub fn as_bytes(&self) -> &[u8; CIPHERTEXT_LEN] {
        &self.0
    }
}

impl fmt::Debug for KemCiphertext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KemCiphertext({})", super::fmt_public::hex_prefix(self.0.as_slice()))
    }
}

/// An ML-KEM-768 decapsulation key: the 64-byte seed `d || z` and the key
/// expanded from it. Zeroized on drop (the `ml-kem` key wipes itself); its
/// `Debug` shows the public half only. Not `Clone`.
#[derive(ZeroizeOnDrop)]
pub struct KemDecapsulationKey {
    seed: Box<[u8; SEED_LEN]>,
    // Wipes its own secrets when dropped (`ml-kem`'s `zeroize` feature).
    #[zeroize(skip)]
    key: Box<Dk>,
    #[zeroize(skip)]
    public: KemEncapsulationKey,
}

impl KemDecapsulationKey {
    /// A fresh key pair from 64 bytes of the CSPRNG.
    pub fn generate<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut seed = Zeroizing::new([0u8; SEED_LEN]);
        rng.fill_bytes(seed.as_mut_slice());
        Self::from_seed(&seed)
    }

    /// The key pair of a seed `d || z` (FIPS 203 `ML-KEM.KeyGen_internal(d, z)`).
    pub fn from_seed(seed: &[u8; SEED_LEN]) -> Self {
        let mut arr: ml_kem::Seed = (*seed).into();
        let key = Dk::from_seed(arr);
        arr.as_mut_slice().zeroize();
        let mut ek = key.encapsulation_key().to_bytes();
        let mut bytes = Box::new([0u8; ENCAPSULATION_KEY_LEN]);
        bytes.copy_from_slice(ek.as_slice());
        ek.as_mut_slice().zeroize();
        let public = KemEncapsulationKey::from_parts(bytes, key.encapsulation_key().clone());
        Self { seed: Box::new(*seed), key: Box::new(key), public }
    }

    /// Like [`KemDecapsulationKey::from_seed`] from a slice: `None` unless
    /// it is exactly 64 bytes.
    pub fn from_seed_slice(seed: &[u8]) -> Option<Self> {
        let arr: Zeroizing<[u8; SEED_LEN]> = Zeroizing::new(seed.try_into().ok()?);
        Some(Self::from_seed(&arr))
    }

    /// The public half.
    pub fn public(&self) -> &KemEncapsulationKey {
        &self.public
    }

    /// Decapsulates. Never fails: a ciphertext that does not re-encrypt to
    /// itself gives FIPS 203's implicit-rejection secret, chosen in
    /// constant time.
    pub(crate) fn decapsulate(&self, ct: &KemCiphertext) -> Secret32 {
        let c: ml_kem::Ciphertext<MlKem768> = (*ct.0).into();
        let mut ss = self.key.decapsulate(&c);
        let mut out = [0u8; 32];
        out.copy_from_slice(ss.as_slice());
        ss.as_mut_slice().zeroize();
        Secret32::new(out)
    }

    /// A copy of the seed, for serialization.
    pub(crate) fn to_seed(&self) -> Zeroizing<[u8; SEED_LEN]> {
        Zeroizing::new(*self.seed)
    }

    /// The FIPS 203 expanded decapsulation key (2,400 bytes): known-answer
    /// tests only; vestnik stores seeds.
    #[allow(deprecated)]
    pub(crate) fn to_expanded(&self) -> Zeroizing<Vec<u8>> {
        use ml_kem::ExpandedKeyEncoding;
        let mut e = self.key.to_expanded_bytes();
        let out = Zeroizing::new(e.as_slice().to_vec());
        e.as_mut_slice().zeroize();
        out
    }
}

impl fmt::Debug for KemDecapsulationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KemDecapsulationKey {{ public: {:?}, .. }}", self.public)
    }
}

/// Decapsulation with a FIPS 203 *expanded* decapsulation key
/// (`dk_pke || ek || H(ek) || z`, 2,400 bytes), for the Wycheproof
/// semi-expanded vectors only: `None` if the key fails the decapsulation-key
/// check of FIPS 203 §7.3 (length, embedded key's hash and modulus check) or
/// the ciphertext is not 1,088 bytes. vestnik itself never imports this form.
#[allow(deprecated)]
pub(crate) fn decapsulate_expanded(dk: &[u8], ct: &[u8]) -> Option<[u8; 32]> {
    use ml_kem::ExpandedKeyEncoding;
    let arr: &[u8; 2400] = dk.try_into().ok()?;
    let e: ml_kem::array::Array<u8, _> = (*arr).into();
    let key = Dk::from_expanded_bytes(&e).ok()?;
    let ct = KemCiphertext::from_bytes(ct)?;
    let c: ml_kem::Ciphertext<MlKem768> = (*ct.0).into();
    let ss = key.decapsulate(&c);
    let mut out = [0u8; 32];
    out.copy_from_slice(ss.as_slice());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_implicit_rejection() {
        let mut rng = rand::rng();
        let dk = KemDecapsulationKey::generate(&mut rng);
        let (ct, ss) = dk.public().encapsulate(&mut rng);
        assert_eq!(dk.decapsulate(&ct).as_bytes(), ss.as_bytes());
        let mut bad = *ct.as_bytes();
        bad[0] ^= 1;
        let rejected = dk.decapsulate(&KemCiphertext::from_bytes(&bad).unwrap());
        assert_ne!(rejected.as_bytes(), ss.as_bytes());
        // Implicit rejection is deterministic: J(z || c).
        assert_eq!(rejected.as_bytes(), dk.decapsulate(&KemCiphertext::from_bytes(&bad).unwrap()).as_bytes());
        // The seed reproduces the key pair.
        let again = KemDecapsulationKey::from_seed(&dk.to_seed());
        assert_eq!(again.public(), dk.public());
        assert_eq!(again.decapsulate(&ct).as_bytes(), ss.as_bytes());
        assert_eq!(KemEncapsulationKey::from_bytes(dk.public().as_bytes()).unwrap(), *dk.public());
    }

    #[test]
    fn import_checks_type_and_modulus() {
        let mut rng = rand::rng();
        let dk = KemDecapsulationKey::generate(&mut rng);
        let ek = dk.public().as_bytes();
        assert_eq!(KemEncapsulationKey::from_bytes(&ek[..1183]), Err(KemKeyError::WrongLength(1183)));
        let mut long = ek.to_vec();
        long.push(0);
        assert_eq!(KemEncapsulationKey::from_bytes(&long), Err(KemKeyError::WrongLength(1185)));
        // Coefficient 0 set to 0xFFF (4095 >= q): the first 12 bits.
        let mut bad = *ek;
        bad[0] = 0xFF;
        bad[1] |= 0x0F;
        assert_eq!(KemEncapsulationKey::from_bytes(&bad), Err(KemKeyError::Modulus));
        // The last 32 bytes (rho) are not range-checked: any value is a key.
        let mut rho = *ek;
        rho[1183] ^= 0xFF;
        assert!(KemEncapsulationKey::from_bytes(&rho).is_ok());
        assert!(KemCiphertext::from_bytes(&[0; 1087]).is_none());
        assert!(KemCiphertext::from_bytes(&[0; 1089]).is_none());
        assert!(KemDecapsulationKey::from_seed_slice(&[0; 63]).is_none());
    }
}
