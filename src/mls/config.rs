//! The mls-rs client configuration of every vestnik member (SPEC.md §15.1):
//! our crypto provider and identity provider, the storage slots of
//! [`super::state`], commits with a path and no ratchet_tree extension,
//! handshakes as PublicMessage, no MLS padding (the crate pads, §6).

use super::identity::{TrustedIdentities, VestnikIdentityProvider};
use super::provider::VestnikCryptoProvider;
use super::state::{KeyPackageSlot, StateSlot};
use super::suite::MlsSuite;
use mls_rs::client_builder::{
    BaseConfig, IntoConfigOutput, PaddingMode, WithCryptoProvider, WithGroupStateStorage, WithIdentityProvider,
    WithKeyPackageRepo, WithMlsRules,
};
use mls_rs::mls_rules::{CommitOptions, DefaultMlsRules, EncryptionOptions};
use mls_rs::{Client, ExtensionList};
use mls_rs_core::crypto::SignatureSecretKey;
use mls_rs_core::extension::ExtensionType;
use mls_rs_core::identity::SigningIdentity;

/// What every member operation needs besides its state: whom to trust and
/// which limits to enforce. Kept outside the serialized state, so trust
/// decisions and limits are the app's current ones at every load.
#[derive(Debug, Clone)]
pub struct MlsConfig {
    pub(crate) trust: TrustedIdentities,
    pub(crate) limits: super::limits::MlsLimits,
}

impl MlsConfig {
    /// `trust` with the default limits.
    pub fn new(trust: TrustedIdentities) -> Self {
        Self { trust, limits: super::limits::MlsLimits::default() }
    }

    /// The same trust with other limits.
    pub fn with_limits(mut self, limits: super::limits::MlsLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits.
    pub fn limits(&self) -> &super::limits::MlsLimits {
        &self.limits
    }

    /// The trust decision.
    pub fn trust(&self) -> &TrustedIdentities {
        &self.trust
    }
}

/// The mls-rs configuration type of a vestnik member.
pub(crate) type MemberConfig = IntoConfigOutput<
    WithMlsRules<
        DefaultMlsRules,
        WithCryptoProvider<
            VestnikCryptoProvider,
            WithIdentityProvider<
                VestnikIdentityProvider,
                WithGroupStateStorage<StateSlot, WithKeyPackageRepo<KeyPackageSlot, BaseConfig>>,
            >,
        >,
    >,
>;

pub(crate) fn rules() -> DefaultMlsRules {
    DefaultMlsRules::new()
        .with_commit_options(
            CommitOptions::new()
                .with_path_required(true)
                .with_ratchet_tree_extension(false)
                .with_single_welcome_message(true)
                .with_allow_external_commit(false),
        )
        .with_encryption_options(EncryptionOptions::new(false, PaddingMode::None))
}

/// What a member client is built from.
pub(crate) struct ClientParts {
    pub(crate) trust: TrustedIdentities,
    pub(crate) suite: MlsSuite,
    pub(crate) key_packages: KeyPackageSlot,
    pub(crate) state: StateSlot,
    pub(crate) signer: Option<(SigningIdentity, SignatureSecretKey)>,
    pub(crate) key_package_lifetime_secs: u64,
    /// [`super::limits::MlsLimits::verified_key_cache`].
    pub(crate) key_cache: usize,
    /// Credentials verified ahead (a join's tree), if any.
    pub(crate) verified: Option<std::sync::Arc<super::identity::CredentialCache>>,
}

pub(crate) fn client(parts: ClientParts) -> Client<MemberConfig> {
    let b = Client::builder()
        .key_package_repo(parts.key_packages)
        .group_state_storage(parts.state)
        .identity_provider(match &parts.verified {
            Some(v) => VestnikIdentityProvider::new(parts.trust, Some(parts.suite)).with_verified(v.clone()),
            None => VestnikIdentityProvider::new(parts.trust, Some(parts.suite)),
        })
        .crypto_provider(match parts.verified {
            Some(v) => VestnikCryptoProvider::with_key_cache_and(parts.key_cache, v),
            None => VestnikCryptoProvider::with_key_cache(parts.key_cache),
        })
        .mls_rules(rules())
        .extension_type(ExtensionType::LAST_RESORT_KEY_PACKAGE)
        .key_package_lifetime(core::time::Duration::from_secs(parts.key_package_lifetime_secs));
    match parts.signer {
        Some((identity, secret)) => b.signing_identity(identity, secret, parts.suite.to_mls()).build(),
        None => b.build(),
    }
}

/// The group context extensions of a new group: none beyond RFC 9420's
/// (required capabilities are the defaults every mls-rs leaf has).
pub(crate) fn group_extensions() -> ExtensionList {
    ExtensionList::new()
}
