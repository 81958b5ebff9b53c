//! The three prekey upload formats (SPEC.md §17.2–17.4): encoded by the
//! device, decoded and checked by the server.

use super::UploadError;
use super::limits::{KEM_ENTRY_MIN_LEN, ONE_TIME_ENTRY_MIN_LEN, UploadLimits};
use crate::crypto::sig::{BatchItem, Signature, VerifyingKey};
use crate::crypto::x25519::X25519PublicKey;
use crate::identity::{DeviceIdentity, IdentityPublic};
use crate::labels;
use crate::prekey::{KemPreKeyPublic, OneTimePreKeyPublic, SignedPreKeyPublic};
use crate::wire::{self, Cap, format, upload as pb};
use prost::Message;

/// Largest encoded signed prekey upload (about 150 bytes).
pub(crate) const MAX_SIGNED_PREKEY_UPLOAD_LEN: usize = 256;

/// The identity key field: 32 bytes, and the uploading device's.
fn check_identity_key(bytes: &[u8], device: &IdentityPublic) -> Result<[u8; 32], UploadError> {
    let key = wire::fixed::<32>("identity_key", bytes)?;
    if &key != device.signing_key().as_bytes() {
        return Err(UploadError::WrongDevice);
    }
    Ok(key)
}

/// A device's current signed prekey, as uploaded to its server (format
/// `0x9001`). The signature is the one a bundle carries (SPEC.md §5.2), so
/// the server can hand it out as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedPreKeyUpload {
    identity_key: [u8; 32],
    prekey: SignedPreKeyPublic,
}

impl SignedPreKeyUpload {
    pub(crate) fn new(identity: &DeviceIdentity, prekey: SignedPreKeyPublic) -> Self {
        Self { identity_key: *identity.public().signing_key().as_bytes(), prekey }
    }

    /// The signed prekey.
    pub fn prekey(&self) -> &SignedPreKeyPublic {
        &self.prekey
    }

    /// The encoding (format `0x9001`).
    pub fn to_bytes(&self) -> Vec<u8> {
        pb::SignedPreKeyUpload {
            format: format::SIGNED_PREKEY_UPLOAD,
            identity_key: self.identity_key.to_vec(),
            id: self.prekey.id(),
            key: self.prekey.key().as_bytes().to_vec(),
            created_at: self.prekey.created_at(),
            signature: self.prekey.signature().to_bytes().to_vec(),
        }
        .encode_to_vec()
    }

    /// The server's check of this one format (what [`super::validate`]
    /// does for `0x9001`): strict decode, the identity key is `device`'s,
    /// id not 0, a valid X25519 key, the time within `limits`, the
    /// signature under `device`. For a route that takes only this upload.
    pub fn validate(
        bytes: &[u8],
        device: &IdentityPublic,
        now: u64,
        limits: &UploadLimits,
    ) -> Result<SignedPreKeyPublic, UploadError> {
        let m: pb::SignedPreKeyUpload =
            wire::decode_typed(bytes, MAX_SIGNED_PREKEY_UPLOAD_LEN, format::SIGNED_PREKEY_UPLOAD, &[])?;
        check_identity_key(&m.identity_key, device)?;
        if m.id == 0 {
            return Err(UploadError::ReservedId);
        }
        let key = wire::fixed::<32>("key", &m.key)?;
        let sig = Signature::from_field("signature", &m.signature)?;
        limits.check_time(m.created_at, now)?;
        let key = X25519PublicKey::from_bytes(&key).map_err(|_| UploadError::BadKey { id: m.id })?;
        let prekey = SignedPreKeyPublic::from_parts(m.id, key, m.created_at, sig);
        prekey.verify(device.signing_key()).map_err(|_| UploadError::BadSignature)?;
        Ok(prekey)
    }
}

/// A batch of one-time prekeys (format `0x9101`), signed once by the
/// device's identity key over its own identity key, the creation time and
/// every `id || key` in order (SPEC.md §17.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimePreKeyBatch {
    identity_key: [u8; 32],
    created_at: u64,
    keys: Vec<OneTimePreKeyPublic>,
    signature: Signature,
}

/// `identity_key (32) || created_at (8, BE) || count (4, BE) || (id (4, BE) || key (32))*`.
fn one_time_signed_bytes(identity_key: &[u8; 32], created_at: u64, keys: &[OneTimePreKeyPublic]) -> Vec<u8> {
    let mut m = Vec::with_capacity(44 + 36 * keys.len());
    m.extend_from_slice(identity_key);
    m.extend_from_slice(&created_at.to_be_bytes());
    m.extend_from_slice(&u32::try_from(keys.len()).unwrap_or(u32::MAX).to_be_bytes());
    for k in keys {
        m.extend_from_slice(&k.id().to_be_bytes());
        m.extend_from_slice(k.key().as_bytes());
    }
    m
}

/// Refuses id 0 and repeated ids.
fn check_ids(ids: &mut [u32]) -> Result<(), UploadError> {
    ids.sort_unstable();
    if ids.first() == Some(&0) {
        return Err(UploadError::ReservedId);
    }
    match ids.windows(2).find(|w| w.first() == w.get(1)) {
        Some(w) => Err(UploadError::DuplicateId(w.first().copied().unwrap_or(0))),
        None => Ok(()),
    }
}

fn check_count(count: usize, max: usize) -> Result<(), UploadError> {
    if count == 0 || count > max { Err(UploadError::BatchSize { count, max }) } else { Ok(()) }
}

impl OneTimePreKeyBatch {
    pub(crate) fn sign(identity: &DeviceIdentity, created_at: u64, keys: Vec<OneTimePreKeyPublic>) -> Self {
        let identity_key = *identity.public().signing_key().as_bytes();
        let m = one_time_signed_bytes(&identity_key, created_at, &keys);
        let signature = identity.signing_key().sign(labels::SIG_ONE_TIME_PREKEY_BATCH, &m);
        Self { identity_key, created_at, keys, signature }
    }

    /// The prekeys, in the order signed.
    pub fn keys(&self) -> &[OneTimePreKeyPublic] {
        &self.keys
    }

    /// Creation time (seconds, the device's clock), covered by the signature.
    pub fn created_at(&self) -> u64 {
        self.created_at
    }

    /// The encoding (format `0x9101`).
    pub fn to_bytes(&self) -> Vec<u8> {
        pb::OneTimePreKeyBatch {
            format: format::ONE_TIME_PREKEY_BATCH,
            identity_key: self.identity_key.to_vec(),
            created_at: self.created_at,
            keys: self
                .keys
                .iter()
                .map(|k| pb::OneTimePreKeyEntry { id: k.id(), key: k.key().as_bytes().to_vec() })
                .collect(),
            signature: self.signature.to_bytes().to_vec(),
        }
        .encode_to_vec()
    }

    /// The server's check of this one format (what [`super::validate`]
    /// does for `0x9101`): size and count capped before decoding, strict
    /// decode, the identity key is `device`'s, 1 to
    /// [`UploadLimits::max_one_time_batch`] keys, the time within `limits`,
    /// no id 0 or repeated, every key a valid X25519 key (not of small
    /// order), then the one signature under `device`.
    pub fn validate(
        bytes: &[u8],
        device: &IdentityPublic,
        now: u64,
        limits: &UploadLimits,
    ) -> Result<Vec<OneTimePreKeyPublic>, UploadError> {
        let max = limits.one_time_batch();
        // Counted (one past the cap, so MAX+1 is reported as such) before
        // prost allocates.
        let caps = [Cap::new(4, "keys", max.saturating_add(1)).min_len(ONE_TIME_ENTRY_MIN_LEN)];
        let m: pb::OneTimePreKeyBatch =
            wire::decode_typed(bytes, limits.max_one_time_batch_len(), format::ONE_TIME_PREKEY_BATCH, &caps)?;
        let identity_key = check_identity_key(&m.identity_key, device)?;
        check_count(m.keys.len(), max)?;
        let signature = Signature::from_field("signature", &m.signature)?;
        limits.check_time(m.created_at, now)?;
        let mut ids: Vec<u32> = m.keys.iter().map(|k| k.id).collect();
        check_ids(&mut ids)?;
        let keys = m
            .keys
            .iter()
            .map(|k| {
                let key = X25519PublicKey::from_bytes(&k.key).map_err(|_| UploadError::BadKey { id: k.id })?;
                Ok(OneTimePreKeyPublic::from_parts(k.id, key))
            })
            .collect::<Result<Vec<_>, UploadError>>()?;
        let signed = one_time_signed_bytes(&identity_key, m.created_at, &keys);
        device
            .signing_key()
            .verify(labels::SIG_ONE_TIME_PREKEY_BATCH, &signed, &signature)
            .map_err(|_| UploadError::BadSignature)?;
        Ok(keys)
    }
}

/// A batch of ML-KEM-768 prekeys (format `0x9201`): one-time ones and at
/// most one last-resort one, each signed on its own (SPEC.md §5.2), the
/// batch checked with one batch verification (SPEC.md §17.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KemPreKeyBatch {
    identity_key: [u8; 32],
    keys: Vec<KemPreKeyPublic>,
}

impl KemPreKeyBatch {
    pub(crate) fn new(identity: &DeviceIdentity, keys: Vec<KemPreKeyPublic>) -> Self {
        Self { identity_key: *identity.public().signing_key().as_bytes(), keys }
    }

    /// The KEM prekeys (one-time ones first, then the last-resort one).
    pub fn keys(&self) -> &[KemPreKeyPublic] {
        &self.keys
    }

    /// The encoding (format `0x9201`).
    pub fn to_bytes(&self) -> Vec<u8> {
        pb::KemPreKeyBatch {
            format: format::KEM_PREKEY_BATCH,
            identity_key: self.identity_key.to_vec(),
            keys: self
                .keys
                .iter()
                .map(|k| pb::KemPreKeyEntry {
                    id: k.id(),
                    kind: u32::from(k.kind().to_byte()),
                    key: k.key().as_bytes().to_vec(),
                    created_at: k.created_at(),
                    signature: k.signature().to_bytes().to_vec(),
                })
                .collect(),
        }
        .encode_to_vec()
    }

    /// The server's check of this one format (what [`super::validate`]
    /// does for `0x9201`): size and count capped before decoding, strict
    /// decode, the identity key is `device`'s, 1 to
    /// [`UploadLimits::max_kem_batch`] one-time keys and at most one
    /// last-resort key, no id 0 or repeated, times within `limits`, the
    /// FIPS 203 §7.2 check of every key, then one batch verification of all
    /// signatures under `device`.
    pub fn validate(
        bytes: &[u8],
        device: &IdentityPublic,
        now: u64,
        limits: &UploadLimits,
    ) -> Result<Vec<KemPreKeyPublic>, UploadError> {
        // One-time keys up to the cap, plus one last-resort key.
        let max = limits.kem_batch().saturating_add(1);
        let caps = [Cap::new(3, "keys", max.saturating_add(1)).min_len(KEM_ENTRY_MIN_LEN)];
        let m: pb::KemPreKeyBatch =
            wire::decode_typed(bytes, limits.max_kem_batch_len(), format::KEM_PREKEY_BATCH, &caps)?;
        check_identity_key(&m.identity_key, device)?;
        check_count(m.keys.len(), max)?;
        let mut ids: Vec<u32> = m.keys.iter().map(|k| k.id).collect();
        check_ids(&mut ids)?;
        let last_resort = m.keys.iter().filter(|k| k.kind == 2).count();
        let one_time = m.keys.len().saturating_sub(last_resort);
        if last_resort > 1 {
            return Err(UploadError::KemKind);
        }
        if one_time > limits.kem_batch() {
            return Err(UploadError::BatchSize { count: m.keys.len(), max });
        }
        for k in &m.keys {
            limits.check_time(k.created_at, now)?;
        }
        let keys = m
            .keys
            .iter()
            .map(|k| {
                KemPreKeyPublic::from_fields(k.id, k.kind, &k.key, k.created_at, &k.signature).map_err(|e| match e {
                    crate::prekey::BundleError::KemPreKey => UploadError::BadKey { id: k.id },
                    e => e.into(),
                })
            })
            .collect::<Result<Vec<_>, UploadError>>()?;
        verify_kem_signatures(&keys, device.signing_key())?;
        Ok(keys)
    }
}

/// Batch verification of the KEM prekeys' signatures (SPEC.md §2.2, the
/// same acceptance rule as single verification). The batch coefficients
/// come from a hash of every item (SPEC.md §17.4), so `validate` needs no
/// randomness from its caller.
fn verify_kem_signatures(keys: &[KemPreKeyPublic], identity: &VerifyingKey) -> Result<(), UploadError> {
    use rand::SeedableRng;
    use sha2::Digest;
    let messages: Vec<Vec<u8>> =
        keys.iter().map(|k| KemPreKeyPublic::signed_bytes(k.kind(), k.id(), k.created_at(), k.key())).collect();
    let mut h = sha2::Sha256::new();
    h.update(labels::SIG_KEM_PREKEY.as_bytes());
    h.update(identity.as_bytes());
    for (m, k) in messages.iter().zip(keys) {
        h.update(m);
        h.update(k.signature().as_bytes());
    }
    let seed: [u8; 32] = h.finalize().into();
    let mut rng = rand::rngs::StdRng::from_seed(seed);
    let items: Vec<BatchItem<'_>> = messages
        .iter()
        .zip(keys)
        .map(|(m, k)| BatchItem {
            key: identity,
            context: labels::SIG_KEM_PREKEY,
            message: m,
            signature: k.signature(),
        })
        .collect();
    crate::crypto::sig::verify_batch(&items, &mut rng).map_err(UploadError::BadKemSignatures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_zero_and_duplicates_are_refused() {
        assert_eq!(check_ids(&mut [3, 1, 2]), Ok(()));
        assert_eq!(check_ids(&mut [3, 0, 2]), Err(UploadError::ReservedId));
        assert_eq!(check_ids(&mut [7, 1, 7]), Err(UploadError::DuplicateId(7)));
        assert_eq!(check_ids(&mut [u32::MAX, 1]), Ok(()));
    }

    #[test]
    fn counts_outside_one_to_max_are_refused() {
        assert!(check_count(0, 5).is_err());
        assert!(check_count(1, 5).is_ok());
        assert!(check_count(5, 5).is_ok());
        assert_eq!(check_count(6, 5), Err(UploadError::BatchSize { count: 6, max: 5 }));
    }
}
