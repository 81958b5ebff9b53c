//! Signed prekeys, one-time prekeys and the bundle a server hands out
//! (SPEC.md §5.2–5.3).
//!
//! A device keeps a [`PreKeyStore`]: the current signed prekey, the previous
//! one for a grace period after rotation, and a batch of one-time prekeys,
//! each used at most once. A server keeps only public parts and assembles
//! [`PreKeyBundle`]s; [`PreKeyBundle::from_bytes`] is the server-side
//! validation: signatures, weak and low-order keys, sizes and ids, no secret.
//!
//! Post-quantum (SPEC.md §5.2, §5.9): the store also holds signed ML-KEM-768
//! prekeys, one-time ones and a last-resort one, and a bundle (v2) carries
//! exactly one of them. A server hands out a one-time KEM prekey while it
//! has any left, and the last-resort one only when they have run out.

use crate::crypto::Secret32;
use crate::crypto::kem::{KemDecapsulationKey, KemEncapsulationKey};
use crate::crypto::sig::{Signature, VerifyingKey};
use crate::crypto::x25519::{X25519PublicKey, X25519Secret};
use crate::identity::{DeviceIdentity, IdentityPublic};
use crate::labels;
use crate::limits::{
    KEM_LAST_RESORT_GRACE_SECS, MAX_ACCEPTED_BASE_KEYS, MAX_ONE_TIME_KEM_PREKEYS, MAX_ONE_TIME_PREKEYS,
    SIGNED_PREKEY_GRACE_SECS,
};
use crate::wire::{self, Cap, DecodeError, format, session as pb, state as st};
use core::fmt;
use prost::Message;
use std::collections::{BTreeMap, BTreeSet};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

mod lifecycle;
mod uploads;

pub use lifecycle::{
    DEFAULT_KEM_LOW_WATER, DEFAULT_KEM_TARGET, DEFAULT_ONE_TIME_LOW_WATER, DEFAULT_ONE_TIME_MAX_AGE_SECS,
    DEFAULT_ONE_TIME_TARGET, DEFAULT_SIGNED_PREKEY_GRACE_SECS, DEFAULT_SIGNED_PREKEY_ROTATION_SECS, MaintenancePlan,
    MaintenanceUploads, PreKeySchedule,
};

/// Largest encoded bundle: three X25519 keys, an ML-KEM-768 key, three
/// signatures, framing (a v2 bundle is about 1,570 bytes, a v1 about 290).
pub const MAX_BUNDLE_LEN: usize = 2048;

/// Why a bundle (or a prekey operation) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The bytes do not decode as a bundle (v1 or v2).
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
    /// The KEM prekey fails the FIPS 203 §7.2 encapsulation-key check.
    #[error("KEM prekey is not a valid ML-KEM-768 key")]
    KemPreKey,
    /// The KEM prekey's signature does not verify under the identity (it
    /// covers the key, id, kind and creation time: a swapped key fails here).
    #[error("KEM prekey signature does not verify")]
    KemPreKeySignature,
    /// The KEM prekey's kind is neither one-time (1) nor last-resort (2).
    #[error("KEM prekey kind {0} is unknown")]
    KemPreKeyKind(u32),
    /// Id 0 is reserved and never names a prekey.
    #[error("prekey id 0 is reserved")]
    ReservedId,
    /// The store already holds the maximum number of one-time prekeys.
    #[error("one-time prekey store is full ({max})")]
    StoreFull {
        /// The cap.
        max: usize,
    },
    /// An upload batch must hold 1 to `max` new prekeys
    /// ([`crate::upload::MAX_UPLOAD_BATCH`], [`crate::upload::MAX_KEM_UPLOAD_BATCH`]).
    #[error("an upload batch holds 1 to {max} prekeys, not {count}")]
    BatchSize {
        /// Prekeys asked for.
        count: usize,
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
    /// The identity key's signature over `id || created_at || key`
    /// (SPEC.md §5.2).
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// From parts whose signature is checked by the caller (or by the
    /// client, for a server's stored copy).
    pub(crate) fn from_parts(id: u32, key: X25519PublicKey, created_at: u64, signature: Signature) -> Self {
        Self { id, key, created_at, signature }
    }

    pub(crate) fn signed_bytes(id: u32, created_at: u64, key: &X25519PublicKey) -> [u8; 44] {
        let mut m = [0u8; 44];
        let (a, rest) = m.split_at_mut(4);
        let (b, c) = rest.split_at_mut(8);
        a.copy_from_slice(&id.to_be_bytes());
        b.copy_from_slice(&created_at.to_be_bytes());
        c.copy_from_slice(key.as_bytes());
        m
    }

    pub(crate) fn verify(&self, identity: &VerifyingKey) -> Result<(), BundleError> {
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
    pub(crate) fn from_parts(id: u32, key: X25519PublicKey) -> Self {
        Self { id, key }
    }
}

/// Whether a KEM prekey is used once or is the last-resort one (signed: the
/// kind byte is part of the signed bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KemPreKeyKind {
    /// Used by one handshake, then deleted by the device (byte `0x01`).
    OneTime,
    /// Answers every handshake once the one-time ones have run out; kept
    /// until rotated and expired (byte `0x02`).
    LastResort,
}

impl KemPreKeyKind {
    /// The kind byte (on the wire as `uint32`, in the signed bytes as one byte).
    pub fn to_byte(self) -> u8 {
        match self {
            Self::OneTime => 1,
            Self::LastResort => 2,
        }
    }

    pub(crate) fn from_wire(v: u32) -> Result<Self, BundleError> {
        match v {
            1 => Ok(Self::OneTime),
            2 => Ok(Self::LastResort),
            other => Err(BundleError::KemPreKeyKind(other)),
        }
    }
}

/// The public half of a signed ML-KEM-768 prekey, as uploaded to a server.
#[derive(Clone, PartialEq, Eq)]
pub struct KemPreKeyPublic {
    id: u32,
    kind: KemPreKeyKind,
    key: KemEncapsulationKey,
    created_at: u64,
    signature: Signature,
}

impl KemPreKeyPublic {
    /// The KEM prekey id (shared id space for one-time and last-resort).
    pub fn id(&self) -> u32 {
        self.id
    }
    /// One-time or last-resort.
    pub fn kind(&self) -> KemPreKeyKind {
        self.kind
    }
    /// The ML-KEM-768 encapsulation key (checked at import).
    pub fn key(&self) -> &KemEncapsulationKey {
        &self.key
    }
    /// Creation time (seconds, the caller's clock), covered by the signature.
    pub fn created_at(&self) -> u64 {
        self.created_at
    }
    /// The identity key's signature over `kind || id || created_at || key`
    /// (SPEC.md §5.2).
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// `kind (1) || id (4, BE) || created_at (8, BE) || key (1184)`.
    pub(crate) fn signed_bytes(kind: KemPreKeyKind, id: u32, created_at: u64, key: &KemEncapsulationKey) -> Vec<u8> {
        let mut m = Vec::with_capacity(13 + crate::crypto::kem::ENCAPSULATION_KEY_LEN);
        m.push(kind.to_byte());
        m.extend_from_slice(&id.to_be_bytes());
        m.extend_from_slice(&created_at.to_be_bytes());
        m.extend_from_slice(key.as_bytes());
        m
    }

    fn sign(identity: &DeviceIdentity, kind: KemPreKeyKind, id: u32, now: u64, key: KemEncapsulationKey) -> Self {
        let m = Self::signed_bytes(kind, id, now, &key);
        let signature = identity.signing_key().sign(labels::SIG_KEM_PREKEY, &m);
        Self { id, kind, key, created_at: now, signature }
    }

    pub(crate) fn verify(&self, identity: &VerifyingKey) -> Result<(), BundleError> {
        let m = Self::signed_bytes(self.kind, self.id, self.created_at, &self.key);
        identity.verify(labels::SIG_KEM_PREKEY, &m, &self.signature).map_err(|_| BundleError::KemPreKeySignature)
    }

    fn to_wire(&self) -> pb::KemPreKeyPublic {
        pb::KemPreKeyPublic {
            id: self.id,
            kind: u32::from(self.kind.to_byte()),
            key: self.key.as_bytes().to_vec(),
            created_at: self.created_at,
            signature: self.signature.to_bytes().to_vec(),
        }
    }

    /// Checks everything but the signature (which needs the identity).
    fn from_wire(k: &pb::KemPreKeyPublic) -> Result<Self, BundleError> {
        Self::from_fields(k.id, k.kind, &k.key, k.created_at, &k.signature)
    }

    /// Checks everything but the signature: id, kind, lengths and the
    /// FIPS 203 §7.2 encapsulation-key check.
    pub(crate) fn from_fields(
        id: u32,
        kind: u32,
        key: &[u8],
        created_at: u64,
        signature: &[u8],
    ) -> Result<Self, BundleError> {
        if id == 0 {
            return Err(BundleError::ReservedId);
        }
        let kind = KemPreKeyKind::from_wire(kind)?;
        wire::fixed::<{ crate::crypto::kem::ENCAPSULATION_KEY_LEN }>("kem_prekey.key", key)?;
        let sig = wire::fixed::<64>("kem_prekey.signature", signature)?;
        let key = KemEncapsulationKey::from_bytes(key).map_err(|_| BundleError::KemPreKey)?;
        let signature = Signature::from_slice(&sig).map_err(|_| BundleError::KemPreKeySignature)?;
        Ok(Self { id, kind, key, created_at, signature })
    }
}

impl fmt::Debug for KemPreKeyPublic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KemPreKeyPublic {{ id: {}, kind: {:?}, key: {:?}, created_at: {} }}",
            self.id, self.kind, self.key, self.created_at
        )
    }
}

/// What a server hands to a device that wants to start a session: version 2
/// with a signed KEM prekey (post-quantum), version 1 without (classical).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreKeyBundle {
    identity: IdentityPublic,
    signed_prekey: SignedPreKeyPublic,
    one_time_prekey: Option<OneTimePreKeyPublic>,
    kem_prekey: Option<KemPreKeyPublic>,
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
        Ok(Self { identity, signed_prekey, one_time_prekey, kem_prekey: None })
    }

    /// What a directory server does for each hand-out (SPEC.md §17.5): puts
    /// the stored public parts of one device together, with **no signature
    /// check, no curve arithmetic and no secret**. The parts must come from
    /// [`crate::upload::validate`] (or their stored forms, from
    /// `from_stored_bytes`), all for `identity`; the client re-checks
    /// everything with [`PreKeyBundle::from_bytes`] anyway, so a wrong part
    /// makes a bundle the client refuses, never a weaker session. With a
    /// KEM prekey the bundle is version 2 (post-quantum), without version 1.
    ///
    /// ```
    /// use vestnik::{DeviceIdentity, PreKeyBundle, PreKeyStore};
    /// use vestnik::upload::{UploadLimits, Validated, validate};
    /// let mut rng = rand::rng();
    /// let now = 1_750_000_000;
    /// let bob = DeviceIdentity::generate(&mut rng);
    /// let mut store = PreKeyStore::new(&bob, now, &mut rng);
    /// let limits = UploadLimits::default();
    /// // Uploads, validated once by the server (no secret).
    /// let Validated::SignedPreKey(spk) =
    ///     validate(&store.signed_prekey_upload(&bob).to_bytes(), &bob.public(), now, &limits)? else { unreachable!() };
    /// let batch = store.upload_one_time_prekeys(&bob, 100, now, &mut rng)?;
    /// let Validated::OneTimePreKeys(otks) = validate(&batch.to_bytes(), &bob.public(), now, &limits)? else { unreachable!() };
    /// let kem = store.upload_kem_prekeys(&bob, 10, now, &mut rng)?;
    /// let Validated::KemPreKeys(kems) = validate(&kem.to_bytes(), &bob.public(), now, &limits)? else { unreachable!() };
    /// // A hand-out: one one-time prekey and one one-time KEM prekey.
    /// let bundle = PreKeyBundle::assemble(&bob.public(), &spk, otks.first(), kems.first());
    /// // The client checks everything anyway.
    /// let checked = PreKeyBundle::from_bytes(&bundle.to_bytes())?;
    /// assert!(checked.is_post_quantum());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn assemble(
        identity: &IdentityPublic,
        signed: &SignedPreKeyPublic,
        one_time: Option<&OneTimePreKeyPublic>,
        kem: Option<&KemPreKeyPublic>,
    ) -> PreKeyBundle {
        Self {
            identity: *identity,
            signed_prekey: *signed,
            one_time_prekey: one_time.copied(),
            kem_prekey: kem.cloned(),
        }
    }

    /// Adds the KEM prekey (making this a version-2, post-quantum bundle),
    /// checking its signature under the bundle's identity.
    ///
    /// **Server duty** (SPEC.md §5.3): hand out each one-time KEM prekey
    /// once, in any order, and the last-resort KEM prekey only when no
    /// one-time one is left; never a bundle without a KEM prekey for a device
    /// that uploaded any (initiators refuse it by default).
    pub fn with_kem_prekey(mut self, kem_prekey: KemPreKeyPublic) -> Result<Self, BundleError> {
        kem_prekey.verify(self.identity.signing_key())?;
        self.kem_prekey = Some(kem_prekey);
        Ok(self)
    }

    /// Decodes and validates a bundle: the server-side check and the client's.
    /// Refuses unknown versions, wrong sizes, reserved ids, weak, small-order
    /// or non-canonical keys, a bad identity certificate and a bad prekey
    /// signature. Needs no secret.
    ///
    /// Version 2 (`0x0102`) must carry a KEM prekey, which is checked too:
    /// id, kind, the FIPS 203 §7.2 encapsulation-key check and its signature.
    /// Version 1 (`0x0101`) must not; it decodes as a classical bundle.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BundleError> {
        let v1 = wire::peek_format(bytes)? == format::PREKEY_BUNDLE_V1;
        let expected = if v1 { format::PREKEY_BUNDLE_V1 } else { format::PREKEY_BUNDLE };
        let b: pb::PreKeyBundle = wire::decode_typed(bytes, MAX_BUNDLE_LEN, expected, &[])?;
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
        let kem_prekey = match (&b.kem_prekey, v1) {
            (None, true) => None,
            (Some(_), true) => return Err(DecodeError::Invalid("kem_prekey").into()),
            (None, false) => return Err(DecodeError::Missing("kem_prekey").into()),
            (Some(k), false) => Some(KemPreKeyPublic::from_wire(k)?),
        };
        let bundle = Self::new(identity, signed_prekey, one_time_prekey)?;
        match kem_prekey {
            Some(k) => bundle.with_kem_prekey(k),
            None => Ok(bundle),
        }
    }

    /// Encodes the bundle: format `0x0102` with its KEM prekey, `0x0101`
    /// (classical) without.
    pub fn to_bytes(&self) -> Vec<u8> {
        let format = if self.kem_prekey.is_some() { format::PREKEY_BUNDLE } else { format::PREKEY_BUNDLE_V1 };
        pb::PreKeyBundle {
            format,
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
            kem_prekey: self.kem_prekey.as_ref().map(KemPreKeyPublic::to_wire),
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
    /// The KEM prekey: present in every version-2 bundle, absent in a
    /// classical (version-1) one.
    pub fn kem_prekey(&self) -> Option<&KemPreKeyPublic> {
        self.kem_prekey.as_ref()
    }
    /// True for a version-2 bundle: a session started from it is post-quantum.
    pub fn is_post_quantum(&self) -> bool {
        self.kem_prekey.is_some()
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

/// An ML-KEM-768 prekey held by the device: the secret (its seed) and the
/// signed public half.
struct KemPreKey {
    // Zeroizes itself on drop.
    secret: KemDecapsulationKey,
    public: KemPreKeyPublic,
    /// Last-resort only: 0 while current, else the time of retirement.
    retired_at: u64,
}

/// A one-time prekey held by the device: the secret and when it was made
/// (0 = unknown: generated by [`PreKeyStore::generate_one_time_prekeys`],
/// or loaded from a store written before format `0x1103`).
pub(crate) struct OneTimePreKey {
    // Zeroizes itself on drop.
    pub(crate) secret: X25519Secret,
    pub(crate) created_at: u64,
}

/// Largest encoded prekey store: the one-time prekeys, both signed prekeys'
/// replay memories and the KEM prekeys at their caps, plus framing (a KEM
/// prekey is at most 160 bytes: id, 64-byte seed, times, 64-byte signature;
/// a one-time prekey at most 60: id, 32-byte secret, creation time).
pub const MAX_PREKEY_STATE_LEN: usize =
    1024 + 60 * MAX_ONE_TIME_PREKEYS + 2 * 34 * MAX_ACCEPTED_BASE_KEYS + 160 * (MAX_ONE_TIME_KEM_PREKEYS + 2);

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

/// A device's prekey secrets: the current and previous signed prekeys, the
/// unused one-time prekeys and the KEM prekeys (one-time, last-resort and
/// the previous last-resort). Zeroized on drop; `Debug` shows ids only.
#[derive(ZeroizeOnDrop)]
pub struct PreKeyStore {
    current: SignedPreKey,
    previous: Option<SignedPreKey>,
    // Each X25519Secret zeroizes itself when the map drops it.
    #[zeroize(skip)]
    one_time: BTreeMap<u32, OneTimePreKey>,
    #[zeroize(skip)]
    next_signed_id: u32,
    #[zeroize(skip)]
    next_one_time_id: u32,
    // Each KemDecapsulationKey zeroizes itself when dropped.
    #[zeroize(skip)]
    kem_one_time: BTreeMap<u32, KemPreKey>,
    #[zeroize(skip)]
    kem_last_resort: Option<KemPreKey>,
    #[zeroize(skip)]
    kem_last_resort_previous: Option<KemPreKey>,
    /// The id of the next KEM prekey (one-time or last-resort); 0 only in
    /// a store that never had one.
    #[zeroize(skip)]
    next_kem_id: u32,
}

fn next_id(id: u32) -> u32 {
    // Ids wrap from u32::MAX to 1, skipping the reserved 0.
    id.checked_add(1).unwrap_or(1)
}

impl PreKeyStore {
    /// A store with a fresh signed prekey and a fresh last-resort KEM prekey
    /// created at `now` (seconds): a post-quantum device (SPEC.md §5.9).
    pub fn new<R: rand_core::CryptoRng + ?Sized>(identity: &DeviceIdentity, now: u64, rng: &mut R) -> Self {
        let mut s = Self::new_classical(identity, now, rng);
        s.next_kem_id = 1;
        s.rotate_last_resort_kem_prekey(identity, now, rng);
        s
    }

    /// A store without KEM prekeys, as every store was before the
    /// post-quantum handshake: its bundles are version 1 and it accepts
    /// classical prekey messages. For interoperability tests and for the
    /// transition only; [`PreKeyStore::rotate_last_resort_kem_prekey`] makes
    /// it post-quantum.
    pub fn new_classical<R: rand_core::CryptoRng + ?Sized>(identity: &DeviceIdentity, now: u64, rng: &mut R) -> Self {
        let current = Self::make_signed(identity, 1, now, rng);
        Self {
            current,
            previous: None,
            one_time: BTreeMap::new(),
            next_signed_id: 2,
            next_one_time_id: 1,
            kem_one_time: BTreeMap::new(),
            kem_last_resort: None,
            kem_last_resort_previous: None,
            next_kem_id: 0,
        }
    }

    fn kem_id_taken(&self, id: u32) -> bool {
        self.kem_one_time.contains_key(&id)
            || self.kem_last_resort.iter().chain(self.kem_last_resort_previous.iter()).any(|k| k.public.id == id)
    }

    fn take_kem_id(&mut self) -> u32 {
        let mut id = self.next_kem_id.max(1);
        while self.kem_id_taken(id) {
            id = next_id(id);
        }
        self.next_kem_id = next_id(id);
        id
    }

    fn make_kem<R: rand_core::CryptoRng + ?Sized>(
        identity: &DeviceIdentity,
        kind: KemPreKeyKind,
        id: u32,
        now: u64,
        rng: &mut R,
    ) -> KemPreKey {
        let secret = KemDecapsulationKey::generate(rng);
        let public = KemPreKeyPublic::sign(identity, kind, id, now, secret.public().clone());
        KemPreKey { secret, public, retired_at: 0 }
    }

    /// Replaces the last-resort KEM prekey (or adds the first one, which
    /// makes a classical store post-quantum). The old one keeps answering
    /// handshakes for [`KEM_LAST_RESORT_GRACE_SECS`] (see
    /// [`PreKeyStore::expire`]); the one before it is dropped now. Returns
    /// the new public half to upload. Rotate it with the signed prekey.
    pub fn rotate_last_resort_kem_prekey<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        identity: &DeviceIdentity,
        now: u64,
        rng: &mut R,
    ) -> KemPreKeyPublic {
        let id = self.take_kem_id();
        let new = Self::make_kem(identity, KemPreKeyKind::LastResort, id, now, rng);
        let public = new.public.clone();
        if let Some(mut old) = self.kem_last_resort.replace(new) {
            old.retired_at = now;
            self.kem_last_resort_previous = Some(old);
        }
        public
    }

    /// Generates `count` signed one-time KEM prekeys created at `now` and
    /// returns their public halves to upload. Refuses to grow the store past
    /// [`MAX_ONE_TIME_KEM_PREKEYS`]. Ids are shared with the last-resort KEM
    /// prekeys and wrap from `u32::MAX` to 1.
    pub fn generate_kem_prekeys<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        identity: &DeviceIdentity,
        count: usize,
        now: u64,
        rng: &mut R,
    ) -> Result<Vec<KemPreKeyPublic>, BundleError> {
        if self.kem_one_time.len().saturating_add(count) > MAX_ONE_TIME_KEM_PREKEYS {
            return Err(BundleError::StoreFull { max: MAX_ONE_TIME_KEM_PREKEYS });
        }
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let id = self.take_kem_id();
            let k = Self::make_kem(identity, KemPreKeyKind::OneTime, id, now, rng);
            out.push(k.public.clone());
            self.kem_one_time.insert(id, k);
        }
        Ok(out)
    }

    /// Public halves of the unused one-time KEM prekeys, ascending by id.
    pub fn kem_prekeys(&self) -> Vec<KemPreKeyPublic> {
        self.kem_one_time.values().map(|k| k.public.clone()).collect()
    }

    /// Number of unused one-time KEM prekeys.
    pub fn kem_prekey_count(&self) -> usize {
        self.kem_one_time.len()
    }

    /// The current last-resort KEM prekey's public half (`None` for a
    /// classical store).
    pub fn last_resort_kem_prekey(&self) -> Option<KemPreKeyPublic> {
        self.kem_last_resort.as_ref().map(|k| k.public.clone())
    }

    /// True when this device publishes KEM prekeys (it holds a last-resort
    /// or a one-time KEM prekey): under
    /// [`crate::limits::HandshakePolicy::PostQuantumRequired`] it then
    /// refuses classical prekey messages that would start a session.
    pub fn publishes_kem_prekeys(&self) -> bool {
        self.kem_last_resort.is_some() || !self.kem_one_time.is_empty()
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

    /// Drops the previous signed prekey and the previous last-resort KEM
    /// prekey once their grace periods have passed.
    pub fn expire(&mut self, now: u64) {
        if self.previous.as_ref().is_some_and(|p| now.saturating_sub(p.retired_at) > SIGNED_PREKEY_GRACE_SECS) {
            self.previous = None;
        }
        if self
            .kem_last_resort_previous
            .as_ref()
            .is_some_and(|p| now.saturating_sub(p.retired_at) > KEM_LAST_RESORT_GRACE_SECS)
        {
            self.kem_last_resort_previous = None;
        }
    }

    /// Generates `count` one-time prekeys and returns their public halves to
    /// upload. Refuses to grow the store past [`MAX_ONE_TIME_PREKEYS`].
    pub fn generate_one_time_prekeys<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        count: usize,
        rng: &mut R,
    ) -> Result<Vec<OneTimePreKeyPublic>, BundleError> {
        self.generate_one_time_prekeys_at(count, 0, rng)
    }

    /// [`PreKeyStore::generate_one_time_prekeys`] with a creation time (for
    /// age pruning; 0 = unknown).
    pub(crate) fn generate_one_time_prekeys_at<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        count: usize,
        now: u64,
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
            self.one_time.insert(id, OneTimePreKey { secret, created_at: now });
        }
        Ok(out)
    }

    /// The current signed prekey's public half.
    pub fn signed_prekey(&self) -> SignedPreKeyPublic {
        self.current.public
    }

    /// Public halves of the unused one-time prekeys.
    pub fn one_time_prekeys(&self) -> Vec<OneTimePreKeyPublic> {
        self.one_time.iter().map(|(&id, s)| OneTimePreKeyPublic { id, key: *s.secret.public() }).collect()
    }

    /// Number of unused one-time prekeys.
    pub fn one_time_count(&self) -> usize {
        self.one_time.len()
    }

    /// A bundle with the current signed prekey, the one-time prekey
    /// `one_time_id` names if it is unused, and the last-resort KEM prekey
    /// (none for a classical store, which gives a version-1 bundle). See
    /// [`PreKeyStore::bundle_with_kem`] to hand out a one-time KEM prekey.
    pub fn bundle(&self, identity: &DeviceIdentity, one_time_id: Option<u32>) -> PreKeyBundle {
        self.bundle_with_kem(identity, one_time_id, None)
    }

    /// What a server assembles: like [`PreKeyStore::bundle`], with the
    /// one-time KEM prekey `kem_id` if it is unused, else the last-resort
    /// KEM prekey (one-time first, the last-resort only when they run out).
    pub fn bundle_with_kem(
        &self,
        identity: &DeviceIdentity,
        one_time_id: Option<u32>,
        kem_id: Option<u32>,
    ) -> PreKeyBundle {
        let one_time_prekey = one_time_id
            .and_then(|id| self.one_time.get(&id).map(|s| OneTimePreKeyPublic { id, key: *s.secret.public() }));
        let kem_prekey = kem_id
            .and_then(|id| self.kem_one_time.get(&id))
            .or(self.kem_last_resort.as_ref())
            .map(|k| k.public.clone());
        PreKeyBundle { identity: identity.public(), signed_prekey: self.current.public, one_time_prekey, kem_prekey }
    }

    /// The KEM prekey `id` names (one-time, current or previous
    /// last-resort): its secret and kind.
    pub(crate) fn kem_secret(&self, id: u32) -> Option<(&KemDecapsulationKey, KemPreKeyKind)> {
        self.kem_one_time
            .get(&id)
            .or(self.kem_last_resort.as_ref().filter(|k| k.public.id == id))
            .or(self.kem_last_resort_previous.as_ref().filter(|k| k.public.id == id))
            .map(|k| (&k.secret, k.public.kind))
    }

    /// Deletes a one-time KEM prekey once the handshake that used it has
    /// decrypted its first message. A last-resort id is left alone.
    pub(crate) fn consume_kem_one_time(&mut self, id: u32) {
        self.kem_one_time.remove(&id);
    }

    pub(crate) fn signed_secret(&self, id: u32) -> Option<&X25519Secret> {
        if self.current.public.id == id {
            return Some(&self.current.secret);
        }
        self.previous.as_ref().filter(|p| p.public.id == id).map(|p| &p.secret)
    }

    pub(crate) fn one_time_secret(&self, id: u32) -> Option<&X25519Secret> {
        self.one_time.get(&id).map(|k| &k.secret)
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

    /// Serializes the store (format 0x1103). It holds secrets: seal the
    /// store with [`crate::storage::Sealable::seal`] instead where possible.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let kem = |k: &KemPreKey| st::KemPreKeyState {
            id: k.public.id,
            seed: k.secret.to_seed().to_vec(),
            created_at: k.public.created_at,
            signature: k.public.signature.to_bytes().to_vec(),
            retired_at: k.retired_at,
        };
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
                .map(|(&id, k)| st::OneTimePreKeyState {
                    id,
                    secret: k.secret.to_secret().as_bytes().to_vec(),
                    created_at: k.created_at,
                })
                .collect(),
            next_signed_id: self.next_signed_id,
            next_one_time_id: self.next_one_time_id,
            kem_one_time: self.kem_one_time.values().map(kem).collect(),
            kem_last_resort: self.kem_last_resort.as_ref().map(kem),
            kem_last_resort_previous: self.kem_last_resort_previous.as_ref().map(kem),
            next_kem_id: self.next_kem_id,
        };
        wire::encode_secret(s, wipe_prekey_state)
    }

    /// Loads a store written by [`PreKeyStore::to_bytes`] (format `0x1103`;
    /// `0x1102` from before one-time prekeys carried their creation time,
    /// whose one-time prekeys load with creation time unknown; or `0x1101`
    /// from before the KEM prekeys), checking every signature
    /// against `identity` (the KEM prekeys' after regenerating their keys
    /// from their seeds). Refuses non-canonical state: one-time prekeys, KEM
    /// prekeys and remembered base keys must be in strictly ascending order.
    pub fn from_bytes(bytes: &[u8], identity: &IdentityPublic) -> Result<Self, DecodeError> {
        let found = wire::peek_format(bytes)?;
        let v1 = found == format::STATE_PREKEYS_V1;
        let v2 = found == format::STATE_PREKEYS_V2;
        let expected = if v1 || v2 { found } else { format::STATE_PREKEYS };
        // (A repeated singular field is refused as non-canonical after the
        // scan; the totals bound what prost would merge from the copies.)
        let accepted =
            [Cap::new(6, "accepted_base_keys", MAX_ACCEPTED_BASE_KEYS).total(2 * MAX_ACCEPTED_BASE_KEYS).min_len(32)];
        let caps = [
            Cap::new(2, "current", usize::MAX).within(&accepted),
            Cap::new(3, "previous", usize::MAX).within(&accepted),
            // {id, 32-byte secret}: at least 36 bytes.
            Cap::new(4, "one_time", MAX_ONE_TIME_PREKEYS).min_len(36),
            // {id, 64-byte seed, 64-byte signature}: at least 132 bytes.
            Cap::new(7, "kem_one_time", MAX_ONE_TIME_KEM_PREKEYS).min_len(132),
            Cap::new(8, "kem_last_resort", usize::MAX),
            Cap::new(9, "kem_last_resort_previous", usize::MAX),
        ];
        wire::decode_secret(bytes, MAX_PREKEY_STATE_LEN, expected, &caps, wipe_prekey_state, |s| {
            Self::from_state(s, identity, v1, v1 || v2)
        })
    }

    fn from_state(
        s: &st::PreKeyStoreState,
        identity: &IdentityPublic,
        v1: bool,
        before_v3: bool,
    ) -> Result<Self, DecodeError> {
        // A version-1 store has no KEM fields (they did not exist).
        if v1
            && (!s.kem_one_time.is_empty()
                || s.kem_last_resort.is_some()
                || s.kem_last_resort_previous.is_some()
                || s.next_kem_id != 0)
        {
            return Err(DecodeError::Invalid("kem prekeys in a version-1 store"));
        }
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
            // Creation times did not exist before format 0x1103.
            if before_v3 && o.created_at != 0 {
                return Err(DecodeError::Invalid("one-time prekey created_at"));
            }
            one_time
                .insert(o.id, OneTimePreKey { secret: X25519Secret::from_bytes(&secret), created_at: o.created_at });
        }
        let kem = |k: &st::KemPreKeyState, kind: KemPreKeyKind| -> Result<KemPreKey, DecodeError> {
            if k.id == 0 {
                return Err(DecodeError::Invalid("kem prekey id"));
            }
            if kind == KemPreKeyKind::OneTime && k.retired_at != 0 {
                return Err(DecodeError::Invalid("kem prekey retired_at"));
            }
            let secret = KemDecapsulationKey::from_seed_slice(&k.seed).ok_or(DecodeError::WrongLength {
                field: "kem prekey seed",
                len: k.seed.len(),
                expected: crate::crypto::kem::SEED_LEN,
            })?;
            let signature =
                Signature::from_slice(&k.signature).map_err(|_| DecodeError::Invalid("kem prekey signature"))?;
            let public =
                KemPreKeyPublic { id: k.id, kind, key: secret.public().clone(), created_at: k.created_at, signature };
            public.verify(identity.signing_key()).map_err(|_| DecodeError::Invalid("kem prekey signature"))?;
            Ok(KemPreKey { secret, public, retired_at: k.retired_at })
        };
        let mut kem_one_time = BTreeMap::new();
        let mut last = 0u32;
        for k in &s.kem_one_time {
            if k.id <= last {
                return Err(DecodeError::Invalid("kem_one_time id"));
            }
            last = k.id;
            kem_one_time.insert(k.id, kem(k, KemPreKeyKind::OneTime)?);
        }
        let kem_last_resort = s.kem_last_resort.as_ref().map(|k| kem(k, KemPreKeyKind::LastResort)).transpose()?;
        let kem_last_resort_previous =
            s.kem_last_resort_previous.as_ref().map(|k| kem(k, KemPreKeyKind::LastResort)).transpose()?;
        // A current last-resort is not retired; a previous one needs a
        // current one; ids are distinct; a store with KEM prekeys has a
        // next id.
        if kem_last_resort.as_ref().is_some_and(|k| k.retired_at != 0)
            || (kem_last_resort_previous.is_some() && kem_last_resort.is_none())
        {
            return Err(DecodeError::Invalid("kem_last_resort"));
        }
        let lr_ids: Vec<u32> =
            kem_last_resort.iter().chain(kem_last_resort_previous.iter()).map(|k| k.public.id).collect();
        if lr_ids.iter().any(|id| kem_one_time.contains_key(id))
            || lr_ids.first().zip(lr_ids.get(1)).is_some_and(|(a, b)| a == b)
        {
            return Err(DecodeError::Invalid("kem prekey id"));
        }
        let has_kem = kem_last_resort.is_some() || !kem_one_time.is_empty();
        if has_kem && s.next_kem_id == 0 {
            return Err(DecodeError::Invalid("next_kem_id"));
        }
        Ok(Self {
            current,
            previous,
            one_time,
            next_signed_id: s.next_signed_id,
            next_one_time_id: s.next_one_time_id,
            kem_one_time,
            kem_last_resort,
            kem_last_resort_previous,
            next_kem_id: s.next_kem_id,
        })
    }
}

fn wipe_prekey_state(s: &mut st::PreKeyStoreState) {
    for k in s.current.iter_mut().chain(s.previous.iter_mut()) {
        k.secret.zeroize();
    }
    for o in &mut s.one_time {
        o.secret.zeroize();
    }
    for k in s.kem_one_time.iter_mut().chain(s.kem_last_resort.iter_mut()).chain(s.kem_last_resort_previous.iter_mut())
    {
        k.seed.zeroize();
    }
}

impl fmt::Debug for PreKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreKeyStore")
            .field("signed_prekey_id", &self.current.public.id)
            .field("previous_id", &self.previous.as_ref().map(|p| p.public.id))
            .field("one_time_count", &self.one_time.len())
            .field("accepted_handshakes", &self.current.accepted.len())
            .field("kem_one_time_count", &self.kem_one_time.len())
            .field("kem_last_resort_id", &self.kem_last_resort.as_ref().map(|k| k.public.id))
            .field("kem_last_resort_previous_id", &self.kem_last_resort_previous.as_ref().map(|k| k.public.id))
            .finish()
    }
}
