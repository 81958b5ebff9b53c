//! Signed prekeys, one-time prekeys and the bundle a server hands out
//! (SPEC.md §5.2–5.3).
//!
//! A device keeps a [`PreKeyStore`]: the current signed prekey, the previous
//! one for a grace period after rotation, and a batch of one-time prekeys,
//! each used at most once. A server keeps only public parts and assembles
//! [`PreKeyBundle`]s; [`PreKeyBundle::from_bytes`] is the server-side
//! validation: signatures, weak and low-order keys, sizes and ids, no secret.

use crate::crypto::Secret32;
use crate::crypto::sig::{Signature, VerifyingKey};
use crate::crypto::x25519::{X25519PublicKey, X25519Secret};
use crate::identity::{DeviceIdentity, IdentityPublic};
use crate::labels;
use crate::limits::{MAX_ACCEPTED_BASE_KEYS, MAX_ONE_TIME_PREKEYS, SIGNED_PREKEY_GRACE_SECS};
use crate::wire::{self, Cap, DecodeError, format, session as pb, state as st};
use core::fmt;
use prost::Message;
use std::collections::{BTreeMap, BTreeSet};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Largest encoded bundle: three keys, two signatures, framing.
pub const MAX_BUNDLE_LEN: usize = 512;

/// Why a bundle (or a prekey operation) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The bytes do not decode as a v1 bundle.
    #[error("bundle does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// The identity is invalid (bad key or bad certificate).
    #[error("bundle identity is invalid")]
    Identity,
    /// The signed prekey is not a valid X25519 key (non-canonical or low order).
    #[error("signed prekey is not a valid key")]
    SignedPreKey,
    /// The signed prekey's signature does not verify under the identity.
    #[error("signed prekey signature does not verify")]
    SignedPreKeySignature,
    /// The one-time prekey is not a valid X25519 key.
    #[error("one-time prekey is not a valid key")]
    OneTimePreKey,
    /// Id 0 is reserved and never names a prekey.
    #[error("prekey id 0 is reserved")]
    ReservedId,
    /// The store already holds the maximum number of one-time prekeys.
    #[error("one-time prekey store is full ({max})")]
    StoreFull {
        /// The cap.
        max: usize,
    },
}

/// The public half of a signed prekey, as uploaded to a server.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SignedPreKeyPublic {
    id: u32,
    key: X25519PublicKey,
    created_at: u64,
    signature: Signature,
}

impl SignedPreKeyPublic {
    /// The prekey id.
    pub fn id(&self) -> u32 {
        self.id
    }
    /// The X25519 key.
    pub fn key(&self) -> &X25519PublicKey {
        &self.key
    }
    /// Creation time (seconds, the caller's clock), covered by the signature.
    pub fn created_at(&self) -> u64 {
        self.created_at
    }

    fn signed_bytes(id: u32, created_at: u64, key: &X25519PublicKey) -> [u8; 44] {
        let mut m = [0u8; 44];
        let (a, rest) = m.split_at_mut(4);
        let (b, c) = rest.split_at_mut(8);
        a.copy_from_slice(&id.to_be_bytes());
        b.copy_from_slice(&created_at.to_be_bytes());
        c.copy_from_slice(key.as_bytes());
        m
    }

    fn verify(&self, identity: &VerifyingKey) -> Result<(), BundleError> {
        let m = Self::signed_bytes(self.id, self.created_at, &self.key);
        identity.verify(labels::SIG_SIGNED_PREKEY, &m, &self.signature).map_err(|_| BundleError::SignedPreKeySignature)
    }
}

impl fmt::Debug for SignedPreKeyPublic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignedPreKeyPublic {{ id: {}, key: {:?}, created_at: {} }}", self.id, self.key, self.created_at)
    }
}

/// The public half of a one-time prekey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OneTimePreKeyPublic {
    id: u32,
    key: X25519PublicKey,
}

impl OneTimePreKeyPublic {
    /// The prekey id.
    pub fn id(&self) -> u32 {
        self.id
    }
    /// The X25519 key.
    pub fn key(&self) -> &X25519PublicKey {
        &self.key
    }
}

/// What a server hands to a device that wants to start a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreKeyBundle {
    identity: IdentityPublic,
    signed_prekey: SignedPreKeyPublic,
    one_time_prekey: Option<OneTimePreKeyPublic>,
}

impl PreKeyBundle {
    /// Assembles a bundle from validated parts (what a server does with a
    /// device's uploads). The signed prekey's signature is checked here too.
    pub fn new(
        identity: IdentityPublic,
        signed_prekey: SignedPreKeyPublic,
        one_time_prekey: Option<OneTimePreKeyPublic>,
    ) -> Result<Self, BundleError> {
        signed_prekey.verify(identity.signing_key())?;
        Ok(Self { identity, signed_prekey, one_time_prekey })
    }

    /// Decodes and validates a bundle: the server-side check and the client's.
    /// Refuses unknown versions, wrong sizes, reserved ids, weak, small-order
    /// or non-canonical keys, a bad identity certificate and a bad prekey
    /// signature. Needs no secret.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BundleError> {
        let b: pb::PreKeyBundle = wire::decode_typed(bytes, MAX_BUNDLE_LEN, format::PREKEY_BUNDLE, &[])?;
        let id = b.identity.as_ref().ok_or(DecodeError::Missing("identity"))?;
        for (name, field, len) in [
            ("identity.signing_key", &id.signing_key, 32),
            ("identity.dh_key", &id.dh_key, 32),
            ("identity.dh_key_signature", &id.dh_key_signature, 64),
        ] {
            if field.len() != len {
                return Err(DecodeError::WrongLength { field: name, len: field.len(), expected: len }.into());
            }
        }
        let identity = IdentityPublic::from_parts(&id.signing_key, &id.dh_key, &id.dh_key_signature)
            .map_err(|_| BundleError::Identity)?;
        let spk = b.signed_prekey.as_ref().ok_or(DecodeError::Missing("signed_prekey"))?;
        wire::fixed::<32>("signed_prekey.key", &spk.key)?;
        let sig = wire::fixed::<64>("signed_prekey.signature", &spk.signature)?;
        if spk.id == 0 {
            return Err(BundleError::ReservedId);
        }
        let signed_prekey = SignedPreKeyPublic {
            id: spk.id,
            key: X25519PublicKey::from_bytes(&spk.key).map_err(|_| BundleError::SignedPreKey)?,
            created_at: spk.created_at,
            signature: Signature::from_slice(&sig).map_err(|_| BundleError::SignedPreKeySignature)?,
        };
        let one_time_prekey = match &b.one_time_prekey {
            None => None,
            Some(o) => {
                wire::fixed::<32>("one_time_prekey.key", &o.key)?;
                if o.id == 0 {
                    return Err(BundleError::ReservedId);
                }
                let key = X25519PublicKey::from_bytes(&o.key).map_err(|_| BundleError::OneTimePreKey)?;
                Some(OneTimePreKeyPublic { id: o.id, key })
            }
        };
        Self::new(identity, signed_prekey, one_time_prekey)
    }

    /// Encodes the bundle (format 0x0101).
    pub fn to_bytes(&self) -> Vec<u8> {
        pb::PreKeyBundle {
            format: format::PREKEY_BUNDLE,
            identity: Some(self.identity.to_wire()),
            signed_prekey: Some(pb::SignedPreKeyPublic {
                id: self.signed_prekey.id,
                key: self.signed_prekey.key.as_bytes().to_vec(),
                created_at: self.signed_prekey.created_at,
                signature: self.signed_prekey.signature.to_bytes().to_vec(),
            }),
            one_time_prekey: self
                .one_time_prekey
                .map(|o| pb::OneTimePreKeyPublic { id: o.id, key: o.key.as_bytes().to_vec() }),
        }
        .encode_to_vec()
    }

    /// The identity of the device that published the bundle.
    pub fn identity(&self) -> IdentityPublic {
        self.identity
    }
    /// The signed prekey.
    pub fn signed_prekey(&self) -> &SignedPreKeyPublic {
        &self.signed_prekey
    }
    /// The one-time prekey, if the server had one left.
    pub fn one_time_prekey(&self) -> Option<&OneTimePreKeyPublic> {
        self.one_time_prekey.as_ref()
    }
}

#[derive(ZeroizeOnDrop)]
struct SignedPreKey {
    secret: X25519Secret,
    #[zeroize(skip)]
    public: SignedPreKeyPublic,
    retired_at: u64,
    /// Base keys of the handshakes accepted under this prekey (public
    /// values), kept until the prekey is deleted so a replayed first
    /// message is `Duplicate` even after its session is gone (SPEC.md §5.8).
    #[zeroize(skip)]
    accepted: BTreeSet<[u8; 32]>,
}

/// Largest encoded prekey store: the one-time prekeys and both signed
/// prekeys' replay memories at their caps, plus framing.
pub const MAX_PREKEY_STATE_LEN: usize = 1024 + 48 * MAX_ONE_TIME_PREKEYS + 2 * 34 * MAX_ACCEPTED_BASE_KEYS;

/// Whether a handshake's base key may still be accepted under a signed
/// prekey (see [`PreKeyStore::check_base_key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BaseKeyStatus {
    /// Never seen: the handshake is new.
    New,
    /// Accepted before: a replayed first message.
    Seen,
    /// The memory under this prekey is full: rotate the signed prekey.
    Full,
}

/// A device's prekey secrets: the current and previous signed prekeys and the
/// unused one-time prekeys. Zeroized on drop; `Debug` shows ids only.
#[derive(ZeroizeOnDrop)]
pub struct PreKeyStore {
    current: SignedPreKey,
    previous: Option<SignedPreKey>,
    // Each X25519Secret zeroizes itself when the map drops it.
    #[zeroize(skip)]
    one_time: BTreeMap<u32, X25519Secret>,
    #[zeroize(skip)]
    next_signed_id: u32,
    #[zeroize(skip)]
    next_one_time_id: u32,
}

fn next_id(id: u32) -> u32 {
    // Ids wrap from u32::MAX to 1, skipping the reserved 0.
    id.checked_add(1).unwrap_or(1)
}

impl PreKeyStore {
    /// A store with a fresh signed prekey created at `now` (seconds).
    pub fn new<R: rand_core::CryptoRng + ?Sized>(identity: &DeviceIdentity, now: u64, rng: &mut R) -> Self {
        let current = Self::make_signed(identity, 1, now, rng);
        Self { current, previous: None, one_time: BTreeMap::new(), next_signed_id: 2, next_one_time_id: 1 }
    }

    fn make_signed<R: rand_core::CryptoRng + ?Sized>(
        identity: &DeviceIdentity,
        id: u32,
        now: u64,
        rng: &mut R,
    ) -> SignedPreKey {
        let secret = X25519Secret::generate(rng);
        let key = *secret.public();
        let m = SignedPreKeyPublic::signed_bytes(id, now, &key);
        let signature = identity.signing_key().sign(labels::SIG_SIGNED_PREKEY, &m);
        SignedPreKey {
            secret,
            public: SignedPreKeyPublic { id, key, created_at: now, signature },
            retired_at: 0,
            accepted: BTreeSet::new(),
        }
    }

    /// Replaces the signed prekey. The old one keeps answering handshakes for
    /// [`SIGNED_PREKEY_GRACE_SECS`] (see [`PreKeyStore::expire`]); the one
    /// before it is dropped now. Returns the new public key to upload.
    pub fn rotate_signed_prekey<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        identity: &DeviceIdentity,
        now: u64,
        rng: &mut R,
    ) -> SignedPreKeyPublic {
        let id = self.next_signed_id;
        self.next_signed_id = next_id(id);
        let mut old = core::mem::replace(&mut self.current, Self::make_signed(identity, id, now, rng));
        old.retired_at = now;
        self.previous = Some(old);
        self.current.public
    }

    /// Drops the previous signed prekey once its grace period has passed.
    pub fn expire(&mut self, now: u64) {
        if self.previous.as_ref().is_some_and(|p| now.saturating_sub(p.retired_at) > SIGNED_PREKEY_GRACE_SECS) {
            self.previous = None;
        }
    }

    /// Generates `count` one-time prekeys and returns their public halves to
    /// upload. Refuses to grow the store past [`MAX_ONE_TIME_PREKEYS`].
    pub fn generate_one_time_prekeys<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        count: usize,
        rng: &mut R,
    ) -> Result<Vec<OneTimePreKeyPublic>, BundleError> {
        if self.one_time.len().saturating_add(count) > MAX_ONE_TIME_PREKEYS {
            return Err(BundleError::StoreFull { max: MAX_ONE_TIME_PREKEYS });
        }
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let mut id = self.next_one_time_id;
            while self.one_time.contains_key(&id) {
                id = next_id(id);
            }
            self.next_one_time_id = next_id(id);
            let secret = X25519Secret::generate(rng);
            out.push(OneTimePreKeyPublic { id, key: *secret.public() });
            self.one_time.insert(id, secret);
        }
        Ok(out)
    }

    /// The current signed prekey's public half.
    pub fn signed_prekey(&self) -> SignedPreKeyPublic {
        self.current.public
    }

    /// Public halves of the unused one-time prekeys.
    pub fn one_time_prekeys(&self) -> Vec<OneTimePreKeyPublic> {
        self.one_time.iter().map(|(&id, s)| OneTimePreKeyPublic { id, key: *s.public() }).collect()
    }

    /// Number of unused one-time prekeys.
    pub fn one_time_count(&self) -> usize {
        self.one_time.len()
    }

    /// A bundle with the current signed prekey and, if `one_time_id` names an
    /// unused one, that one-time prekey (what a server would assemble).
    pub fn bundle(&self, identity: &DeviceIdentity, one_time_id: Option<u32>) -> PreKeyBundle {
        let one_time_prekey =
            one_time_id.and_then(|id| self.one_time.get(&id).map(|s| OneTimePreKeyPublic { id, key: *s.public() }));
        PreKeyBundle { identity: identity.public(), signed_prekey: self.current.public, one_time_prekey }
    }

    pub(crate) fn signed_secret(&self, id: u32) -> Option<&X25519Secret> {
        if self.current.public.id == id {
            return Some(&self.current.secret);
        }
        self.previous.as_ref().filter(|p| p.public.id == id).map(|p| &p.secret)
    }

    pub(crate) fn one_time_secret(&self, id: u32) -> Option<&X25519Secret> {
        self.one_time.get(&id)
    }

    /// Deletes a one-time prekey: called once the handshake that used it
    /// has produced a session that decrypted its first message.
    pub(crate) fn consume_one_time(&mut self, id: u32) {
        self.one_time.remove(&id);
    }

    fn signed(&self, id: u32) -> Option<&SignedPreKey> {
        core::iter::once(&self.current).chain(self.previous.as_ref()).find(|k| k.public.id == id)
    }

    /// Whether a handshake with `base_key` under signed prekey `id` is new,
    /// a replay, or cannot be remembered (memory at `max`). `None` when the
    /// store holds no signed prekey `id`.
    pub(crate) fn check_base_key(&self, id: u32, base_key: &X25519PublicKey, max: usize) -> Option<BaseKeyStatus> {
        let k = self.signed(id)?;
        Some(if k.accepted.contains(base_key.as_bytes()) {
            BaseKeyStatus::Seen
        } else if k.accepted.len() >= max.min(MAX_ACCEPTED_BASE_KEYS) {
            BaseKeyStatus::Full
        } else {
            BaseKeyStatus::New
        })
    }

    /// Remembers a handshake accepted under signed prekey `id`.
    pub(crate) fn remember_base_key(&mut self, id: u32, base_key: &X25519PublicKey) {
        let k = if self.current.public.id == id { Some(&mut self.current) } else { self.previous.as_mut() };
        if let Some(k) = k.filter(|k| k.public.id == id) {
            k.accepted.insert(*base_key.as_bytes());
        }
    }

    /// Handshakes remembered under the current signed prekey. When it nears
    /// [`crate::SessionLimits::max_accepted_base_keys`], rotate the signed
    /// prekey: new handshakes under a full memory are refused
    /// ([`crate::SessionError::ReplayMemoryFull`]).
    pub fn accepted_handshakes(&self) -> usize {
        self.current.accepted.len()
    }

    /// Serializes the store (format 0x1101). It holds secrets: seal the
    /// store with [`crate::storage::Sealable::seal`] instead where possible.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let spk = |k: &SignedPreKey| st::SignedPreKeyState {
            id: k.public.id,
            secret: k.secret.to_secret().as_bytes().to_vec(),
            created_at: k.public.created_at,
            signature: k.public.signature.to_bytes().to_vec(),
            retired_at: k.retired_at,
            accepted_base_keys: k.accepted.iter().map(|b| b.to_vec()).collect(),
        };
        let s = st::PreKeyStoreState {
            format: format::STATE_PREKEYS,
            current: Some(spk(&self.current)),
            previous: self.previous.as_ref().map(spk),
            one_time: self
                .one_time
                .iter()
                .map(|(&id, k)| st::OneTimePreKeyState { id, secret: k.to_secret().as_bytes().to_vec() })
                .collect(),
            next_signed_id: self.next_signed_id,
            next_one_time_id: self.next_one_time_id,
        };
        wire::encode_secret(s, wipe_prekey_state)
    }

    /// Loads a store written by [`PreKeyStore::to_bytes`], checking every
    /// signature against `identity`. Refuses non-canonical state: one-time
    /// prekeys and remembered base keys must be in strictly ascending order.
    pub fn from_bytes(bytes: &[u8], identity: &IdentityPublic) -> Result<Self, DecodeError> {
        // (A repeated singular field is refused as non-canonical after the
        // scan; the totals bound what prost would merge from the copies.)
        let accepted =
            [Cap::new(6, "accepted_base_keys", MAX_ACCEPTED_BASE_KEYS).total(2 * MAX_ACCEPTED_BASE_KEYS).min_len(32)];
        let caps = [
            Cap::new(2, "current", usize::MAX).within(&accepted),
            Cap::new(3, "previous", usize::MAX).within(&accepted),
            // {id, 32-byte secret}: at least 36 bytes.
            Cap::new(4, "one_time", MAX_ONE_TIME_PREKEYS).min_len(36),
        ];
        wire::decode_secret(bytes, MAX_PREKEY_STATE_LEN, format::STATE_PREKEYS, &caps, wipe_prekey_state, |s| {
            Self::from_state(s, identity)
        })
    }

    fn from_state(s: &st::PreKeyStoreState, identity: &IdentityPublic) -> Result<Self, DecodeError> {
        // Id 0 is reserved: no prekey has it and no counter may issue it.
        if s.next_signed_id == 0 {
            return Err(DecodeError::Invalid("next_signed_id"));
        }
        if s.next_one_time_id == 0 {
            return Err(DecodeError::Invalid("next_one_time_id"));
        }
        let spk = |k: &st::SignedPreKeyState| -> Result<SignedPreKey, DecodeError> {
            if k.id == 0 {
                return Err(DecodeError::Invalid("signed prekey id"));
            }
            let secret = Secret32::from_slice(&k.secret).ok_or(DecodeError::Invalid("signed prekey secret"))?;
            let secret = X25519Secret::from_bytes(&secret);
            let public = SignedPreKeyPublic {
                id: k.id,
                key: *secret.public(),
                created_at: k.created_at,
                signature: Signature::from_slice(&k.signature).map_err(|_| DecodeError::Invalid("signature"))?,
            };
            public.verify(identity.signing_key()).map_err(|_| DecodeError::Invalid("signed prekey signature"))?;
            let mut accepted = BTreeSet::new();
            let mut last: Option<[u8; 32]> = None;
            for b in &k.accepted_base_keys {
                let b = wire::fixed::<32>("accepted_base_keys", b)?;
                if last.is_some_and(|l| l >= b) {
                    return Err(DecodeError::Invalid("accepted_base_keys order"));
                }
                last = Some(b);
                accepted.insert(b);
            }
            Ok(SignedPreKey { secret, public, retired_at: k.retired_at, accepted })
        };
        let current = spk(s.current.as_ref().ok_or(DecodeError::Missing("current"))?)?;
        let previous = s.previous.as_ref().map(spk).transpose()?;
        let mut one_time = BTreeMap::new();
        let mut last = 0u32;
        for o in &s.one_time {
            let secret = Secret32::from_slice(&o.secret).ok_or(DecodeError::Invalid("one-time prekey secret"))?;
            // Ids are non-zero and strictly ascending: the one encoding.
            if o.id <= last {
                return Err(DecodeError::Invalid("one-time prekey id"));
            }
            last = o.id;
            one_time.insert(o.id, X25519Secret::from_bytes(&secret));
        }
        Ok(Self { current, previous, one_time, next_signed_id: s.next_signed_id, next_one_time_id: s.next_one_time_id })
    }
}

fn wipe_prekey_state(s: &mut st::PreKeyStoreState) {
    for k in s.current.iter_mut().chain(s.previous.iter_mut()) {
        k.secret.zeroize();
    }
    for o in &mut s.one_time {
        o.secret.zeroize();
    }
}

impl fmt::Debug for PreKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreKeyStore")
            .field("signed_prekey_id", &self.current.public.id)
            .field("previous_id", &self.previous.as_ref().map(|p| p.public.id))
            .field("one_time_count", &self.one_time.len())
            .field("accepted_handshakes", &self.current.accepted.len())
            .finish()
    }
}
