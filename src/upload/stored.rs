//! Compact stored forms for a server's database (SPEC.md §17.5): fixed
//! layouts, structural checks only on load (lengths, reserved ids, key
//! encodings), no signature check — the parts were validated at upload, and
//! the client verifies every bundle it is handed anyway.

use super::UploadError;
use crate::crypto::kem::ENCAPSULATION_KEY_LEN;
use crate::crypto::sig::Signature;
use crate::crypto::x25519::X25519PublicKey;
use crate::prekey::{KemPreKeyPublic, OneTimePreKeyPublic, SignedPreKeyPublic};

/// `id (4, BE) || created_at (8, BE) || key (32) || signature (64)`.
pub const SIGNED_PREKEY_STORED_LEN: usize = 108;
/// `id (4, BE) || key (32)`.
pub const ONE_TIME_PREKEY_STORED_LEN: usize = 36;
/// `kind (1) || id (4, BE) || created_at (8, BE) || key (1184) || signature (64)`:
/// the bytes the KEM prekey's signature covers, then the signature.
pub const KEM_PREKEY_STORED_LEN: usize = 13 + ENCAPSULATION_KEY_LEN + 64;

fn split<const N: usize>(b: &[u8]) -> Result<([u8; N], &[u8]), UploadError> {
    let (head, rest) = b.split_at_checked(N).ok_or(UploadError::Stored("length"))?;
    let head: [u8; N] = head.try_into().map_err(|_| UploadError::Stored("length"))?;
    Ok((head, rest))
}

impl SignedPreKeyPublic {
    /// The stored form (108 bytes, SPEC.md §17.5).
    pub fn to_stored_bytes(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(SIGNED_PREKEY_STORED_LEN);
        b.extend_from_slice(&self.id().to_be_bytes());
        b.extend_from_slice(&self.created_at().to_be_bytes());
        b.extend_from_slice(self.key().as_bytes());
        b.extend_from_slice(self.signature().as_bytes());
        b
    }

    /// Loads a stored form: length, id, key encoding (canonical, not of
    /// small order) and signature encoding; the signature is not verified.
    pub fn from_stored_bytes(b: &[u8]) -> Result<Self, UploadError> {
        if b.len() != SIGNED_PREKEY_STORED_LEN {
            return Err(UploadError::Stored("signed prekey length"));
        }
        let (id, b) = split::<4>(b)?;
        let (created_at, b) = split::<8>(b)?;
        let (key, sig) = split::<32>(b)?;
        let id = u32::from_be_bytes(id);
        if id == 0 {
            return Err(UploadError::ReservedId);
        }
        let key = X25519PublicKey::from_bytes(&key).map_err(|_| UploadError::BadKey { id })?;
        let sig = Signature::from_slice(sig).map_err(|_| UploadError::Stored("signature"))?;
        Ok(Self::from_parts(id, key, u64::from_be_bytes(created_at), sig))
    }
}

impl OneTimePreKeyPublic {
    /// The stored form (36 bytes, SPEC.md §17.5).
    pub fn to_stored_bytes(&self) -> [u8; ONE_TIME_PREKEY_STORED_LEN] {
        let mut b = [0u8; ONE_TIME_PREKEY_STORED_LEN];
        let (id, key) = b.split_at_mut(4);
        id.copy_from_slice(&self.id().to_be_bytes());
        key.copy_from_slice(self.key().as_bytes());
        b
    }

    /// Loads a stored form: length, id and key encoding.
    pub fn from_stored_bytes(b: &[u8]) -> Result<Self, UploadError> {
        if b.len() != ONE_TIME_PREKEY_STORED_LEN {
            return Err(UploadError::Stored("one-time prekey length"));
        }
        let (id, key) = split::<4>(b)?;
        let id = u32::from_be_bytes(id);
        if id == 0 {
            return Err(UploadError::ReservedId);
        }
        let key = X25519PublicKey::from_bytes(key).map_err(|_| UploadError::BadKey { id })?;
        Ok(Self::from_parts(id, key))
    }
}

impl KemPreKeyPublic {
    /// The stored form (1,261 bytes, SPEC.md §17.5).
    pub fn to_stored_bytes(&self) -> Vec<u8> {
        let mut b = Self::signed_bytes(self.kind(), self.id(), self.created_at(), self.key());
        b.extend_from_slice(self.signature().as_bytes());
        b
    }

    /// Loads a stored form: length, kind, id, the FIPS 203 §7.2
    /// encapsulation-key check and the signature encoding; the signature is
    /// not verified.
    pub fn from_stored_bytes(b: &[u8]) -> Result<Self, UploadError> {
        if b.len() != KEM_PREKEY_STORED_LEN {
            return Err(UploadError::Stored("KEM prekey length"));
        }
        let (kind, b) = split::<1>(b)?;
        let (id, b) = split::<4>(b)?;
        let (created_at, b) = split::<8>(b)?;
        let (key, sig) = b.split_at_checked(ENCAPSULATION_KEY_LEN).ok_or(UploadError::Stored("length"))?;
        let id = u32::from_be_bytes(id);
        let [kind] = kind;
        Self::from_fields(id, u32::from(kind), key, u64::from_be_bytes(created_at), sig).map_err(|e| match e {
            crate::prekey::BundleError::KemPreKey => UploadError::BadKey { id },
            crate::prekey::BundleError::KemPreKeySignature => UploadError::Stored("signature"),
            e => e.into(),
        })
    }
}
