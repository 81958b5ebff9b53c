//! PLACEHOLDER crypto provider (replaced at merge by the real wrapper, same
//! name and trait): mls-rs-crypto-rustcrypto's provider restricted to the
//! two suites of [`super::MlsSuite`].

use mls_rs_core::crypto::{CipherSuite, CryptoProvider};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

/// The crypto provider every vestnik MLS client uses.
#[derive(Clone)]
pub(crate) struct VestnikCryptoProvider {
    inner: RustCryptoProvider,
}

impl Default for VestnikCryptoProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl VestnikCryptoProvider {
    /// The provider with suites 0x0003 and 0x0001 enabled.
    pub(crate) fn new() -> Self {
        Self {
            inner: RustCryptoProvider::with_enabled_cipher_suites(vec![
                CipherSuite::CURVE25519_CHACHA,
                CipherSuite::CURVE25519_AES128,
            ]),
        }
    }
}

impl CryptoProvider for VestnikCryptoProvider {
    type CipherSuiteProvider = <RustCryptoProvider as CryptoProvider>::CipherSuiteProvider;

    fn supported_cipher_suites(&self) -> Vec<CipherSuite> {
        self.inner.supported_cipher_suites()
    }

    fn cipher_suite_provider(&self, cipher_suite: CipherSuite) -> Option<Self::CipherSuiteProvider> {
        self.inner.cipher_suite_provider(cipher_suite)
    }
}
