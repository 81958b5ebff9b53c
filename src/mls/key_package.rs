//! KeyPackages (SPEC.md §15.3): made by a device, uploaded beside its
//! prekey bundle, checked by the server with no secret, consumed once.
//!
//! The device keeps each KeyPackage's secrets (two HPKE keys and the leaf
//! signing key) in an [`MlsKeyPackageStore`] until a Welcome uses it; a
//! consume-once KeyPackage is then deleted, so the device refuses a second
//! Welcome for it ([`MlsError::UnknownKeyPackage`]). A last-resort
//! KeyPackage (RFC 9420 `last_resort` extension) stays, for when the server
//! has run out of the others; the server hands out a consume-once one at
//! most once and a last-resort one until replaced.

use super::config::{self, ClientParts};
use super::error::{MlsError, from_mls};
use super::identity::{LeafKey, MlsLeafCredential, TrustedIdentities, VestnikIdentityProvider};
use super::limits::{MLS_KEY_PACKAGE_LIFETIME_SECS, MlsLimits};
use super::provider::VestnikCryptoProvider;
use super::state::{KeyPackageSlot, StateSlot};
use super::suite::MlsSuite;
use super::wire::MlsKeyPackageEnvelope;
use crate::DeviceIdentity;
use crate::crypto::Secret32;
use crate::crypto::sig::SigningKey;
use crate::identity::IdentityPublic;
use crate::wire::{self, DecodeError, format, mls as pb};
use mls_rs::mls_rs_codec::{MlsDecode, MlsEncode};
use mls_rs::{ExtensionList, MlsMessage};
use mls_rs_core::crypto::CryptoProvider;
use mls_rs_core::extension::ExtensionType;
use mls_rs_core::key_package::KeyPackageData;
use mls_rs_core::time::MlsTime;
use zeroize::{Zeroize, Zeroizing};

pub(crate) fn mls_time(now: u64) -> MlsTime {
    MlsTime::from_duration_since_epoch(core::time::Duration::from_secs(now))
}

/// Parses the MLS bytes of an envelope: exhaustive, and canonical (the
/// re-encoding is the input), so one object has one encoding.
pub(crate) fn parse_mls(bytes: &[u8]) -> Result<MlsMessage, MlsError> {
    let m = MlsMessage::from_bytes(bytes).map_err(|_| MlsError::MalformedMls)?;
    if m.to_bytes().map_err(|_| MlsError::MalformedMls)? != bytes {
        return Err(MlsError::MalformedMls);
    }
    Ok(m)
}

/// One KeyPackage's secrets.
pub(crate) struct StoredKeyPackage {
    pub(crate) reference: Vec<u8>,
    pub(crate) data: KeyPackageData,
    pub(crate) leaf: SigningKey,
    pub(crate) credential: Vec<u8>,
    pub(crate) suite: MlsSuite,
    pub(crate) last_resort: bool,
    pub(crate) not_after: u64,
}

/// A device's KeyPackage secrets: bounded by
/// [`MlsLimits::max_stored_key_packages`], sealable (format `0x6501`),
/// zeroized on drop, never printed.
///
/// ```
/// use vestnik::DeviceIdentity;
/// use vestnik::mls::{MlsKeyPackageStore, MlsLimits, MlsSuite, validate_key_package};
/// let mut rng = rand::rng();
/// let bob = DeviceIdentity::generate(&mut rng);
/// let mut store = MlsKeyPackageStore::new(MlsLimits::default());
/// let upload = store.generate(&bob, MlsSuite::default(), 1_700_000_000, false, &mut rng)?;
/// // The server checks the upload against the device that sent it.
/// let checked = validate_key_package(&upload, &bob.public(), 1_700_000_000)?;
/// assert!(!checked.last_resort());
/// # Ok::<(), vestnik::mls::MlsError>(())
/// ```
pub struct MlsKeyPackageStore {
    pub(crate) entries: Vec<StoredKeyPackage>,
    limits: MlsLimits,
}

// Every secret field zeroizes itself on drop: `SigningKey` and mls-rs's
// `HpkeSecretKey` are `ZeroizeOnDrop`.
impl zeroize::ZeroizeOnDrop for MlsKeyPackageStore {}

impl core::fmt::Debug for MlsKeyPackageStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "MlsKeyPackageStore({} key packages, ..)", self.entries.len())
    }
}

impl MlsKeyPackageStore {
    /// An empty store.
    pub fn new(limits: MlsLimits) -> Self {
        Self { entries: Vec::new(), limits }
    }

    /// KeyPackages whose secrets are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no KeyPackage is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Makes a KeyPackage for `suite`, valid from `now` for
    /// [`MLS_KEY_PACKAGE_LIFETIME_SECS`], with a fresh leaf signing key
    /// (drawn from `rng`) certified by `identity`; keeps its secrets and
    /// returns the upload envelope. `last_resort` marks it reusable.
    pub fn generate<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        identity: &DeviceIdentity,
        suite: MlsSuite,
        now: u64,
        last_resort: bool,
        rng: &mut R,
    ) -> Result<MlsKeyPackageEnvelope, MlsError> {
        if self.entries.len() >= self.limits.max_stored_key_packages {
            return Err(MlsError::TooManyKeyPackages { max: self.limits.max_stored_key_packages });
        }
        let leaf = LeafKey::generate(identity, suite, rng);
        let slot = KeyPackageSlot::default();
        let client = config::client(ClientParts {
            trust: TrustedIdentities::any_valid_identity(),
            suite,
            key_packages: slot.clone(),
            state: StateSlot::new(1),
            signer: Some((leaf.signing_identity(), LeafKey::mls_secret(&leaf.signer))),
            key_package_lifetime_secs: MLS_KEY_PACKAGE_LIFETIME_SECS,
            key_cache: 0,
            verified: None,
        });
        let mut extensions = ExtensionList::new();
        if last_resort {
            extensions
                .set_from(mls_rs::extension::recommended::LastResortKeyPackageExt)
                .map_err(|_| MlsError::Internal)?;
        }
        let msg = client
            .generate_key_package_message(extensions, ExtensionList::new(), Some(mls_time(now)))
            .map_err(from_mls)?;
        let (reference, data) =
            slot.take_all().map_err(|_| MlsError::Internal)?.pop_first().ok_or(MlsError::Internal)?;
        let bytes = msg.to_bytes().map_err(|_| MlsError::Internal)?;
        if bytes.len() > self.limits.max_key_package_len {
            return Err(MlsError::TooLarge {
                what: "key package",
                len: bytes.len(),
                max: self.limits.max_key_package_len,
            });
        }
        let not_after = data.expiration;
        self.entries.push(StoredKeyPackage {
            reference,
            data,
            leaf: leaf.signer,
            credential: leaf.credential,
            suite,
            last_resort,
            not_after,
        });
        Ok(MlsKeyPackageEnvelope::new(bytes))
    }

    /// Deletes the secrets of KeyPackages expired at `now`; returns how many.
    pub fn remove_expired(&mut self, now: u64) -> usize {
        let before = self.entries.len();
        self.entries.retain(|e| e.not_after >= now);
        before - self.entries.len()
    }

    pub(crate) fn find(&self, reference: &[u8]) -> Option<usize> {
        self.entries.iter().position(|e| e.reference == reference)
    }

    /// Serializes the store (format `0x6501`): secret, seal it.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let entries = self
            .entries
            .iter()
            .map(|e| pb::MlsKeyPackageSecret {
                reference: e.reference.clone(),
                data: e.data.mls_encode_to_vec().unwrap_or_default(),
                leaf_signing_seed: e.leaf.to_seed().as_bytes().to_vec(),
                credential: e.credential.clone(),
                cipher_suite: u32::from(e.suite.id()),
                last_resort: e.last_resort,
                not_after: e.not_after,
            })
            .collect();
        wire::encode_secret(pb::MlsKeyPackageStoreState { format: format::STATE_MLS_KEY_PACKAGES, entries }, wipe_store)
    }

    /// Loads a store from [`Self::to_bytes`]: format, size (at most
    /// `max_stored_key_packages` entries of the KeyPackage size cap each),
    /// entry count, all before decoding; each decoded secret is wiped.
    pub fn from_bytes(bytes: &[u8], limits: MlsLimits) -> Result<Self, DecodeError> {
        let max_entries = limits.max_stored_key_packages;
        let max_len = max_entries.saturating_mul(limits.max_key_package_len.saturating_mul(2)).saturating_add(64);
        let caps = [wire::Cap::new(2, "entries", max_entries)];
        wire::decode_secret(bytes, max_len, format::STATE_MLS_KEY_PACKAGES, &caps, wipe_store, |m| {
            let mut entries = Vec::with_capacity(m.entries.len());
            for e in &m.entries {
                let seed = Secret32::from_slice(&e.leaf_signing_seed).ok_or(DecodeError::WrongLength {
                    field: "leaf_signing_seed",
                    len: e.leaf_signing_seed.len(),
                    expected: 32,
                })?;
                let leaf = SigningKey::from_seed(&seed);
                let cred = MlsLeafCredential::verify(&e.credential).map_err(|_| DecodeError::Invalid("credential"))?;
                if cred.leaf_key != leaf.verifying_key() {
                    return Err(DecodeError::Invalid("leaf_signing_seed"));
                }
                let suite = u16::try_from(e.cipher_suite)
                    .ok()
                    .and_then(MlsSuite::from_id)
                    .filter(|s| *s == cred.suite)
                    .ok_or(DecodeError::Invalid("cipher_suite"))?;
                let data =
                    KeyPackageData::mls_decode(&mut e.data.as_slice()).map_err(|_| DecodeError::Invalid("data"))?;
                entries.push(StoredKeyPackage {
                    reference: e.reference.clone(),
                    data,
                    leaf,
                    credential: e.credential.clone(),
                    suite,
                    last_resort: e.last_resort,
                    not_after: e.not_after,
                });
            }
            Ok(Self { entries, limits })
        })
    }
}

fn wipe_store(m: &mut pb::MlsKeyPackageStoreState) {
    for e in &mut m.entries {
        e.data.zeroize();
        e.leaf_signing_seed.zeroize();
    }
}

/// What a server learns from a valid KeyPackage upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedKeyPackage {
    reference: Vec<u8>,
    identity: IdentityPublic,
    suite: MlsSuite,
    last_resort: bool,
    not_after: u64,
}

impl ValidatedKeyPackage {
    /// The RFC 9420 KeyPackageRef: the server's key for consume-once.
    pub fn reference(&self) -> &[u8] {
        &self.reference
    }

    /// The device the KeyPackage belongs to.
    pub fn identity(&self) -> &IdentityPublic {
        &self.identity
    }

    /// Its cipher suite.
    pub fn suite(&self) -> MlsSuite {
        self.suite
    }

    /// True for a last-resort KeyPackage (reusable until replaced).
    pub fn last_resort(&self) -> bool {
        self.last_resort
    }

    /// End of its lifetime (seconds since the Unix epoch).
    pub fn not_after(&self) -> u64 {
        self.not_after
    }
}

/// The server's check of a KeyPackage upload, with no secret (SPEC.md
/// §15.3): the envelope was strictly decoded; the MLS bytes parse
/// canonically as a KeyPackage; suite 0x0003 or 0x0001; the KeyPackage and
/// leaf signatures verify; the lifetime contains `now`; the credential is a
/// vestnik leaf credential certified by `uploader`, for this suite, naming
/// the leaf's signature key.
pub fn validate_key_package(
    upload: &MlsKeyPackageEnvelope,
    uploader: &IdentityPublic,
    now: u64,
) -> Result<ValidatedKeyPackage, MlsError> {
    let (kp, msg) = check_key_package(upload, now)?;
    let cred = leaf_credential_of(&msg)?;
    if cred.identity != *uploader {
        return Err(MlsError::WrongDevice);
    }
    let cs = VestnikCryptoProvider::new().cipher_suite_provider(kp.cipher_suite()).ok_or(MlsError::WrongSuite)?;
    let reference = kp.to_reference(&cs).map_err(|_| MlsError::Internal)?.to_vec();
    let not_after = kp.expiration().map_err(|_| MlsError::KeyPackageExpired)?.seconds_since_epoch();
    let last_resort = kp.extensions.has_extension(ExtensionType::LAST_RESORT_KEY_PACKAGE);
    Ok(ValidatedKeyPackage { reference, identity: cred.identity, suite: cred.suite, last_resort, not_after })
}

/// The MLS-level checks every KeyPackage passes (server and member).
fn check_key_package(upload: &MlsKeyPackageEnvelope, now: u64) -> Result<(mls_rs::KeyPackage, MlsMessage), MlsError> {
    let msg = parse_mls(upload.mls_bytes())?;
    let kp = msg.as_key_package().ok_or(MlsError::HeaderMismatch)?.clone();
    let suite = MlsSuite::from_id(kp.cipher_suite().raw_value()).ok_or(MlsError::WrongSuite)?;
    let external = mls_rs::external_client::ExternalClient::builder()
        .identity_provider(VestnikIdentityProvider::new(TrustedIdentities::any_valid_identity(), Some(suite)))
        .crypto_provider(VestnikCryptoProvider::new())
        .build();
    external.validate_key_package(msg.clone(), Some(mls_time(now))).map_err(from_mls)?;
    Ok((kp, msg))
}

fn leaf_credential_of(msg: &MlsMessage) -> Result<MlsLeafCredential, MlsError> {
    let kp = msg.as_key_package().ok_or(MlsError::HeaderMismatch)?;
    let basic =
        kp.signing_identity().credential.as_basic().ok_or(MlsError::Credential(super::LeafRejection::NotBasic))?;
    let cred = MlsLeafCredential::verify(basic.identifier()).map_err(MlsError::Credential)?;
    if cred.suite.id() != kp.cipher_suite().raw_value() {
        return Err(MlsError::WrongSuite);
    }
    Ok(cred)
}

/// A member's view of a fetched KeyPackage: fully checked as the server
/// does, but against the member's trust instead of an uploader.
pub(crate) fn key_package_for_add(
    upload: &MlsKeyPackageEnvelope,
    suite: MlsSuite,
    trust: &TrustedIdentities,
    now: u64,
) -> Result<(MlsMessage, IdentityPublic), MlsError> {
    let (kp, msg) = check_key_package(upload, now)?;
    if kp.cipher_suite().raw_value() != suite.id() {
        return Err(MlsError::WrongSuite);
    }
    let cred = leaf_credential_of(&msg)?;
    if !trust.is_trusted(&cred.identity) {
        return Err(MlsError::Credential(super::LeafRejection::Untrusted));
    }
    Ok((msg, cred.identity))
}
