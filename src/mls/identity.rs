//! MLS credentials bound to vestnik device identities (SPEC.md §15.2).
//!
//! Each MLS leaf signs with its own Ed25519 key, fresh per KeyPackage and
//! per self-update, certified by the device's identity key:
//!
//! ```text
//! credential  = BasicCredential(identity = MlsLeafCredential, format 0x6601)
//! certified   = suite (u16, big-endian) || leaf_key (32) || identity (128)
//! certification = Ed25519(identity signing key,
//!                         len || "vestnik/v1/sig/mls/leaf-key" || certified)
//! accept leaf ⇔ credential decodes strictly ∧ identity imports ∧ leaf_key
//!               imports (no weak or small-order key) ∧ suite = group suite
//!               ∧ certification verifies ∧ leaf.signature_key = leaf_key
//!               ∧ the app trusts the identity
//! ```
//!
//! The identity key therefore never enters mls-rs state or a group snapshot
//! (mls-rs keeps the leaf signer there), and a signature it makes here can
//! only ever mean "this leaf key is mine".

use super::limits::MLS_MAX_KEY_PACKAGE_LEN;
use super::suite::MlsSuite;
use crate::DeviceIdentity;
use crate::crypto::sig::{Signature, SigningKey, VerifyingKey};
use crate::identity::IdentityPublic;
use crate::labels;
use crate::wire::{self, DecodeError, format, mls as pb};
use prost::Message;
use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

/// Largest encoded [`MlsLeafCredential`] (ours are 243 bytes).
pub(crate) const MAX_LEAF_CREDENTIAL_LEN: usize = 512;

const _: () = assert!(MAX_LEAF_CREDENTIAL_LEN < MLS_MAX_KEY_PACKAGE_LEN);

/// The decoded, verified identity bytes of a vestnik MLS credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MlsLeafCredential {
    pub(crate) identity: IdentityPublic,
    pub(crate) leaf_key: VerifyingKey,
    pub(crate) suite: MlsSuite,
}

/// Why a leaf credential was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LeafRejection {
    /// The credential is not a BasicCredential.
    #[error("credential type is not basic")]
    NotBasic,
    /// The identity bytes are not a strictly encoded `MlsLeafCredential`.
    #[error("credential does not decode: {0}")]
    Decode(DecodeError),
    /// The identity or the leaf key fails the key import rule (weak,
    /// small-order, torsioned or non-canonical).
    #[error("credential holds an invalid key")]
    BadKey,
    /// The certification does not verify under the identity key.
    #[error("leaf key certification does not verify")]
    BadCertification,
    /// The certified suite is not the group's, or not one vestnik speaks.
    #[error("credential certified for another cipher suite")]
    WrongSuite,
    /// The leaf's signature key is not the certified key.
    #[error("leaf signature key differs from the certified key")]
    KeyMismatch,
    /// The app does not trust this identity.
    #[error("identity not trusted")]
    Untrusted,
    /// External senders are not used by vestnik groups.
    #[error("external senders are not accepted")]
    ExternalSender,
}

impl mls_rs_core::error::IntoAnyError for LeafRejection {
    fn into_dyn_error(self) -> Result<Box<dyn std::error::Error + Send + Sync>, Self> {
        Ok(Box::new(self))
    }
}

fn certified_bytes(suite: MlsSuite, leaf_key: &[u8; 32], identity: &IdentityPublic) -> Vec<u8> {
    let mut v = Vec::with_capacity(2 + 32 + 128);
    v.extend_from_slice(&suite.id().to_be_bytes());
    v.extend_from_slice(leaf_key);
    v.extend_from_slice(&identity.to_fixed_bytes());
    v
}

/// Certifies `leaf` for `suite` under the device identity: the identity
/// bytes of the leaf's BasicCredential.
pub(crate) fn certify(identity: &DeviceIdentity, suite: MlsSuite, leaf: &VerifyingKey) -> Vec<u8> {
    let public = identity.public();
    let sig = identity.signing_key().sign(labels::SIG_MLS_LEAF_KEY, &certified_bytes(suite, leaf.as_bytes(), &public));
    pb::MlsLeafCredential {
        format: format::MLS_LEAF_CREDENTIAL,
        identity: public.to_fixed_bytes().to_vec(),
        leaf_key: leaf.as_bytes().to_vec(),
        cipher_suite: u32::from(suite.id()),
        certification: sig.to_bytes().to_vec(),
    }
    .encode_to_vec()
}

impl MlsLeafCredential {
    /// Strict decode (format, size, canonical), key import, then the
    /// certification under the crate's acceptance rule.
    pub(crate) fn verify(bytes: &[u8]) -> Result<Self, LeafRejection> {
        let m: pb::MlsLeafCredential =
            wire::decode_typed(bytes, MAX_LEAF_CREDENTIAL_LEN, format::MLS_LEAF_CREDENTIAL, &[])
                .map_err(LeafRejection::Decode)?;
        let id = wire::fixed::<128>("identity", &m.identity).map_err(LeafRejection::Decode)?;
        let leaf = wire::fixed::<32>("leaf_key", &m.leaf_key).map_err(LeafRejection::Decode)?;
        let cert = Signature::from_field("certification", &m.certification).map_err(LeafRejection::Decode)?;
        let identity = IdentityPublic::from_fixed_bytes(&id).map_err(|_| LeafRejection::BadKey)?;
        let leaf_key = VerifyingKey::from_bytes(&leaf).map_err(|_| LeafRejection::BadKey)?;
        let suite = u16::try_from(m.cipher_suite).ok().and_then(MlsSuite::from_id).ok_or(LeafRejection::WrongSuite)?;
        identity
            .signing_key()
            .verify(labels::SIG_MLS_LEAF_KEY, &certified_bytes(suite, &leaf, &identity), &cert)
            .map_err(|_| LeafRejection::BadCertification)?;
        Ok(Self { identity, leaf_key, suite })
    }
}

/// Leaf credentials already verified, by their exact bytes: a join checks
/// every leaf of the tree, and verifying their certifications and identity
/// certificates in one batch (same acceptance rule, SPEC.md §2.2) costs about
/// half as much as one by one. Public values only; emptied after the join.
#[derive(Default)]
pub(crate) struct CredentialCache {
    map: std::sync::Mutex<std::collections::HashMap<Vec<u8>, MlsLeafCredential>>,
    /// The leaf keys of those credentials, imported under the rule: mls-rs
    /// then verifies each leaf's signature with the key already imported
    /// (the crypto provider looks here, `provider::KeyCache`).
    leaf_keys: std::sync::Mutex<std::collections::HashMap<[u8; 32], VerifyingKey>>,
}

impl core::fmt::Debug for CredentialCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CredentialCache")
    }
}

impl CredentialCache {
    /// Verifies `credentials` (each a leaf's BasicCredential bytes) in
    /// batches and keeps those that pass; one that fails is left out, so it
    /// is verified alone later and refused with its own reason. The batch
    /// coefficients come from a hash of every input (nothing to choose after
    /// seeing them), so no caller randomness is needed.
    pub(crate) fn verify_all(credentials: &[&[u8]]) -> Self {
        use rand::SeedableRng;
        use sha2::Digest;
        struct Pending<'a> {
            bytes: &'a [u8],
            cred: MlsLeafCredential,
            certified: Vec<u8>,
            cert: Signature,
        }
        let mut pending = Vec::with_capacity(credentials.len());
        let mut h = sha2::Sha256::new();
        h.update(b"vestnik mls credential batch");
        for bytes in credentials {
            let Ok(m) = wire::decode_typed::<pb::MlsLeafCredential>(
                bytes,
                MAX_LEAF_CREDENTIAL_LEN,
                format::MLS_LEAF_CREDENTIAL,
                &[],
            ) else {
                continue;
            };
            let (Ok(id), Ok(leaf), Ok(cert)) = (
                wire::fixed::<128>("identity", &m.identity),
                wire::fixed::<32>("leaf_key", &m.leaf_key),
                Signature::from_field("certification", &m.certification),
            ) else {
                continue;
            };
            let Ok(identity) = IdentityPublic::from_fixed_bytes_deferred(&id) else { continue };
            let Ok(leaf_key) = VerifyingKey::from_bytes(&leaf) else { continue };
            let Some(suite) = u16::try_from(m.cipher_suite).ok().and_then(MlsSuite::from_id) else { continue };
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(bytes);
            let certified = certified_bytes(suite, &leaf, &identity);
            pending.push(Pending { bytes, cred: MlsLeafCredential { identity, leaf_key, suite }, certified, cert });
        }
        let mut rng = rand::rngs::StdRng::from_seed(h.finalize().into());
        let mut items = Vec::with_capacity(pending.len() * 2);
        for p in &pending {
            let id = &p.cred.identity;
            items.push(crate::crypto::sig::BatchItem {
                key: id.signing_key(),
                context: labels::SIG_IDENTITY_DH_KEY,
                message: id.dh_key().as_bytes(),
                signature: id.dh_key_signature(),
            });
            items.push(crate::crypto::sig::BatchItem {
                key: id.signing_key(),
                context: labels::SIG_MLS_LEAF_KEY,
                message: &p.certified,
                signature: &p.cert,
            });
        }
        let bad: std::collections::BTreeSet<usize> = match crate::crypto::sig::verify_batch(&items, &mut rng) {
            Ok(()) => std::collections::BTreeSet::new(),
            Err(bad) => bad.into_iter().map(|i| i / 2).collect(),
        };
        let good: Vec<Pending<'_>> =
            pending.into_iter().enumerate().filter(|(i, _)| !bad.contains(i)).map(|(_, p)| p).collect();
        let leaf_keys = good.iter().map(|p| (*p.cred.leaf_key.as_bytes(), p.cred.leaf_key)).collect();
        let map = good.into_iter().map(|p| (p.bytes.to_vec(), p.cred)).collect();
        Self { map: std::sync::Mutex::new(map), leaf_keys: std::sync::Mutex::new(leaf_keys) }
    }

    fn get(&self, bytes: &[u8]) -> Option<MlsLeafCredential> {
        self.map.lock().ok().and_then(|m| m.get(bytes).cloned())
    }

    /// The leaf key of a verified credential, already imported.
    pub(crate) fn leaf_key(&self, bytes: &[u8; 32]) -> Option<VerifyingKey> {
        self.leaf_keys.lock().ok().and_then(|m| m.get(bytes).copied())
    }

    /// Forgets everything (after the join that needed it).
    pub(crate) fn clear(&self) {
        if let Ok(mut m) = self.map.lock() {
            m.clear();
            m.shrink_to_fit();
        }
        if let Ok(mut m) = self.leaf_keys.lock() {
            m.clear();
            m.shrink_to_fit();
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.lock().map(|m| m.len()).unwrap_or(0)
    }
}

/// A fresh leaf signing key and its certified credential.
pub(crate) struct LeafKey {
    pub(crate) signer: SigningKey,
    pub(crate) credential: Vec<u8>,
}

impl LeafKey {
    pub(crate) fn generate<R: rand_core::CryptoRng + ?Sized>(
        identity: &DeviceIdentity,
        suite: MlsSuite,
        rng: &mut R,
    ) -> Self {
        let signer = SigningKey::generate(rng);
        let credential = certify(identity, suite, &signer.verifying_key());
        Self { signer, credential }
    }

    /// The mls-rs signer encoding of an Ed25519 key (seed || public key).
    pub(crate) fn mls_secret(signer: &SigningKey) -> mls_rs_core::crypto::SignatureSecretKey {
        let seed = signer.to_seed();
        let mut v = zeroize::Zeroizing::new(Vec::with_capacity(64));
        v.extend_from_slice(seed.as_bytes());
        v.extend_from_slice(signer.verifying_key().as_bytes());
        mls_rs_core::crypto::SignatureSecretKey::new_slice(&v)
    }

    pub(crate) fn signing_identity(&self) -> mls_rs_core::identity::SigningIdentity {
        signing_identity(&self.signer.verifying_key(), &self.credential)
    }
}

pub(crate) fn signing_identity(leaf: &VerifyingKey, credential: &[u8]) -> mls_rs_core::identity::SigningIdentity {
    mls_rs_core::identity::SigningIdentity::new(
        mls_rs_core::identity::BasicCredential::new(credential.to_vec()).into_credential(),
        mls_rs_core::crypto::SignaturePublicKey::new_slice(leaf.as_bytes()),
    )
}

#[derive(Clone)]
enum Trust {
    Any,
    /// Shared: mls-rs clones its identity provider often, and a school's
    /// list must not be copied each time (copy on write at `insert`).
    Set(Arc<BTreeSet<[u8; 32]>>),
    Callback(Arc<dyn Fn(&IdentityPublic) -> bool + Send + Sync>),
    /// The app's trust plus this device's own identity, set once: at
    /// creation or join it is known; a loaded state learns it from its own
    /// leaf right after loading, which consults no trust decision.
    WithOwn(Arc<Trust>, Arc<OnceLock<[u8; 32]>>),
}

impl Trust {
    /// The decision, without copying anything (a join asks it once per leaf).
    fn contains(&self, identity: &IdentityPublic) -> bool {
        match self {
            Trust::Any => true,
            Trust::Set(s) => s.contains(identity.signing_key().as_bytes()),
            Trust::Callback(f) => f(identity),
            Trust::WithOwn(t, own) => {
                own.get().is_some_and(|o| o == identity.signing_key().as_bytes()) || t.contains(identity)
            }
        }
    }
}

/// Which device identities the app accepts as group members: every leaf
/// whose credential names another identity is refused, in Welcomes, commits,
/// KeyPackages and trees alike. The app decides (its contact list, a
/// school's directory, verified safety numbers); the crate only enforces.
///
/// ```
/// use vestnik::{DeviceIdentity, mls::TrustedIdentities};
/// let alice = DeviceIdentity::generate(&mut rand::rng()).public();
/// let mut trust = TrustedIdentities::new();
/// trust.insert(&alice);
/// assert!(trust.is_trusted(&alice));
/// let by_rule = TrustedIdentities::from_fn(|id| id.signing_key().as_bytes()[0] != 0);
/// # let _ = by_rule;
/// ```
#[derive(Clone)]
pub struct TrustedIdentities {
    trust: Trust,
}

impl Default for TrustedIdentities {
    fn default() -> Self {
        Self::new()
    }
}

impl TrustedIdentities {
    /// An empty set: no identity trusted until inserted.
    pub fn new() -> Self {
        Self { trust: Trust::Set(Arc::new(BTreeSet::new())) }
    }

    /// Every valid vestnik identity is accepted: for apps that authenticate
    /// members some other way (a directory that hands out KeyPackages), and
    /// for tests. Certification and key checks still apply.
    pub fn any_valid_identity() -> Self {
        Self { trust: Trust::Any }
    }

    /// The app's own rule, asked for each identity a leaf names.
    pub fn from_fn(f: impl Fn(&IdentityPublic) -> bool + Send + Sync + 'static) -> Self {
        Self { trust: Trust::Callback(Arc::new(f)) }
    }

    /// Trusts `identity` (turns a rule or "any" into a set of one).
    pub fn insert(&mut self, identity: &IdentityPublic) {
        match &mut self.trust {
            Trust::Set(s) => {
                Arc::make_mut(s).insert(*identity.signing_key().as_bytes());
            }
            _ => self.trust = Trust::Set(Arc::new(BTreeSet::from([*identity.signing_key().as_bytes()]))),
        }
    }

    /// Stops trusting `identity` (only meaningful for a set).
    pub fn remove(&mut self, identity: &IdentityPublic) {
        if let Trust::Set(s) = &mut self.trust {
            Arc::make_mut(s).remove(identity.signing_key().as_bytes());
        }
    }

    /// Whether `identity` is trusted.
    pub fn is_trusted(&self, identity: &IdentityPublic) -> bool {
        self.trust.contains(identity)
    }

    /// This trust with `own` added (a device always accepts its own leaf).
    pub(crate) fn with_own(&self, own: &IdentityPublic) -> Self {
        let (trust, cell) = self.with_own_unset();
        let _ = cell.set(*own.signing_key().as_bytes());
        trust
    }

    /// This trust with a place for the own identity, trusted once set (for
    /// loading a state, whose own leaf is only readable after the load).
    pub(crate) fn with_own_unset(&self) -> (Self, Arc<OnceLock<[u8; 32]>>) {
        let cell = Arc::new(OnceLock::new());
        (Self { trust: Trust::WithOwn(Arc::new(self.trust.clone()), cell.clone()) }, cell)
    }
}

impl core::fmt::Debug for TrustedIdentities {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.trust {
            Trust::Any => f.write_str("TrustedIdentities(any)"),
            Trust::Set(s) => write!(f, "TrustedIdentities({} identities)", s.len()),
            Trust::Callback(_) => f.write_str("TrustedIdentities(rule)"),
            Trust::WithOwn(..) => f.write_str("TrustedIdentities(own + app)"),
        }
    }
}

/// The mls-rs identity provider of every vestnik group, member or observer
/// (SPEC.md §15.2): the acceptance rule of the module docs.
#[derive(Clone, Debug)]
pub(crate) struct VestnikIdentityProvider {
    trust: TrustedIdentities,
    /// The group's suite when known (a member); the observer learns it from
    /// the group context of each check.
    suite: Option<MlsSuite>,
    /// Credentials verified ahead in one batch (a join's whole tree).
    verified: Arc<CredentialCache>,
}

impl VestnikIdentityProvider {
    pub(crate) fn new(trust: TrustedIdentities, suite: Option<MlsSuite>) -> Self {
        Self { trust, suite, verified: Arc::default() }
    }

    /// The same provider consulting `verified` before verifying a credential.
    pub(crate) fn with_verified(mut self, verified: Arc<CredentialCache>) -> Self {
        self.verified = verified;
        self
    }

    /// The checks of the module docs, giving the verified credential.
    pub(crate) fn check(
        &self,
        signing_identity: &mls_rs_core::identity::SigningIdentity,
        group_suite: Option<MlsSuite>,
    ) -> Result<MlsLeafCredential, LeafRejection> {
        let basic = signing_identity.credential.as_basic().ok_or(LeafRejection::NotBasic)?;
        let cred = match self.verified.get(basic.identifier()) {
            Some(c) => c,
            None => MlsLeafCredential::verify(basic.identifier())?,
        };
        if group_suite.or(self.suite).is_some_and(|s| s != cred.suite) {
            return Err(LeafRejection::WrongSuite);
        }
        if signing_identity.signature_key.as_bytes() != cred.leaf_key.as_bytes() {
            return Err(LeafRejection::KeyMismatch);
        }
        if !self.trust.is_trusted(&cred.identity) {
            return Err(LeafRejection::Untrusted);
        }
        Ok(cred)
    }
}

/// The identity of a leaf without the trust decision (for reporting who
/// did what once the leaf is already in the tree).
pub(crate) fn leaf_identity(
    signing_identity: &mls_rs_core::identity::SigningIdentity,
) -> Result<IdentityPublic, LeafRejection> {
    let basic = signing_identity.credential.as_basic().ok_or(LeafRejection::NotBasic)?;
    Ok(MlsLeafCredential::verify(basic.identifier())?.identity)
}

/// The 128 identity bytes of a leaf's credential, strictly decoded but not
/// verified.
pub(crate) fn identity_bytes(
    signing_identity: &mls_rs_core::identity::SigningIdentity,
) -> Result<[u8; 128], LeafRejection> {
    let basic = signing_identity.credential.as_basic().ok_or(LeafRejection::NotBasic)?;
    let m: pb::MlsLeafCredential =
        wire::decode_typed(basic.identifier(), MAX_LEAF_CREDENTIAL_LEN, format::MLS_LEAF_CREDENTIAL, &[])
            .map_err(LeafRejection::Decode)?;
    wire::fixed::<128>("identity", &m.identity).map_err(LeafRejection::Decode)
}

fn context_suite(context: &mls_rs_core::identity::MemberValidationContext<'_>) -> Option<MlsSuite> {
    use mls_rs_core::identity::MemberValidationContext as C;
    let ctx = match context {
        C::ForCommit { current_context, .. } | C::ForNewGroup { current_context } => Some(*current_context),
        _ => None,
    }?;
    MlsSuite::from_id(ctx.cipher_suite.raw_value())
}

impl mls_rs_core::identity::IdentityProvider for VestnikIdentityProvider {
    type Error = LeafRejection;

    fn validate_member(
        &self,
        signing_identity: &mls_rs_core::identity::SigningIdentity,
        _timestamp: Option<mls_rs_core::time::MlsTime>,
        context: mls_rs_core::identity::MemberValidationContext<'_>,
    ) -> Result<(), Self::Error> {
        self.check(signing_identity, context_suite(&context)).map(|_| ())
    }

    fn validate_external_sender(
        &self,
        _signing_identity: &mls_rs_core::identity::SigningIdentity,
        _timestamp: Option<mls_rs_core::time::MlsTime>,
        _extensions: Option<&mls_rs_core::extension::ExtensionList>,
    ) -> Result<(), Self::Error> {
        Err(LeafRejection::ExternalSender)
    }

    fn identity(
        &self,
        signing_identity: &mls_rs_core::identity::SigningIdentity,
        _extensions: &mls_rs_core::extension::ExtensionList,
    ) -> Result<Vec<u8>, Self::Error> {
        // Called for every leaf of every tree mls-rs indexes, always on
        // leaves `validate_member` accepts or is about to judge: the strict
        // decode suffices, the signatures are checked there.
        Ok(identity_bytes(signing_identity)?.to_vec())
    }

    fn valid_successor(
        &self,
        predecessor: &mls_rs_core::identity::SigningIdentity,
        successor: &mls_rs_core::identity::SigningIdentity,
        _extensions: &mls_rs_core::extension::ExtensionList,
    ) -> Result<bool, Self::Error> {
        Ok(identity_bytes(predecessor)? == identity_bytes(successor)?)
    }

    fn supported_types(&self) -> Vec<mls_rs_core::identity::CredentialType> {
        vec![mls_rs_core::identity::CredentialType::BASIC]
    }
}

#[cfg(test)]
mod trust_tests {
    use super::*;

    /// The shared set is copied on write: a clone taken before an insert or
    /// a removal keeps its own decision, and `with_own` adds exactly the own
    /// identity to the app's trust.
    #[test]
    fn shared_trust_set_is_copy_on_write() {
        let mut rng = rand::rng();
        let ids: Vec<IdentityPublic> = (0..3).map(|_| crate::DeviceIdentity::generate(&mut rng).public()).collect();
        let mut a = TrustedIdentities::new();
        a.insert(&ids[0]);
        let b = a.clone();
        a.insert(&ids[1]);
        assert!(a.is_trusted(&ids[1]) && !b.is_trusted(&ids[1]));
        a.remove(&ids[0]);
        assert!(!a.is_trusted(&ids[0]) && b.is_trusted(&ids[0]));
        let own = b.with_own(&ids[2]);
        assert!(own.is_trusted(&ids[2]) && own.is_trusted(&ids[0]) && !own.is_trusted(&ids[1]));
        assert!(!b.is_trusted(&ids[2]));
    }

    /// The batch gives exactly the single verdicts: good credentials are
    /// cached with the value `MlsLeafCredential::verify` gives, a credential
    /// with a bad certification or identity certificate is left out, and
    /// malformed bytes are skipped.
    #[test]
    fn credential_batch_matches_single_verification() {
        let mut rng = rand::rng();
        let mut creds: Vec<Vec<u8>> = (0..40)
            .map(|_| {
                let id = crate::DeviceIdentity::generate(&mut rng);
                LeafKey::generate(&id, MlsSuite::default(), &mut rng).credential
            })
            .collect();
        // A flipped bit in the certification (the last field) of one, and in
        // the identity's X25519-key certificate of another.
        let last = creds[3].len() - 1;
        creds[3][last] ^= 1;
        let m = pb::MlsLeafCredential::decode(creds[7].as_slice()).unwrap();
        let mut id = m.identity.clone();
        id[100] ^= 1;
        creds[7] = pb::MlsLeafCredential { identity: id, ..m }.encode_to_vec();
        creds.push(vec![1, 2, 3]);
        let refs: Vec<&[u8]> = creds.iter().map(|c| c.as_slice()).collect();
        let cache = CredentialCache::verify_all(&refs);
        assert_eq!(cache.len(), 38);
        for (i, c) in creds.iter().enumerate() {
            match MlsLeafCredential::verify(c) {
                Ok(single) => {
                    assert_eq!(cache.leaf_key(single.leaf_key.as_bytes()), Some(single.leaf_key));
                    assert_eq!(cache.get(c), Some(single), "credential {i}");
                }
                Err(_) => assert!(cache.get(c).is_none(), "credential {i} cached but refused alone"),
            }
        }
        cache.clear();
        assert_eq!(cache.len(), 0);
    }
}
