//! The key types of the Double Ratchet (SPEC.md §5.6).
//!
//! ```text
//! KDF_RK(rk, dh)  = HKDF-SHA256(salt = rk, ikm = dh, info = "vestnik/v1/kdf/ratchet-root") -> rk' || ck
//! KDF_CK(ck)      = HMAC-SHA256(ck, 0x01) -> mk,   HMAC-SHA256(ck, 0x02) -> ck'
//! expand(mk)      = HKDF-Expand-SHA256(prk = mk, info = "vestnik/v1/kdf/message-key", 44) -> key || nonce
//! ```

use crate::crypto::{Secret32, aead, kdf};
use crate::labels;
use core::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The root key: mixes every DH ratchet output into the next chains.
#[derive(Zeroize, ZeroizeOnDrop, Debug)]
pub(crate) struct RootKey(Secret32);

impl RootKey {
    pub(crate) fn new(s: Secret32) -> Self {
        Self(s)
    }

    pub(crate) fn secret(&self) -> &Secret32 {
        &self.0
    }

    /// `KDF_RK`: the next root key and a fresh chain key.
    pub(crate) fn step(&self, dh_output: &Secret32) -> (RootKey, ChainKey) {
        let mut okm = Zeroizing::new([0u8; 64]);
        kdf::hkdf_sha256(self.0.as_bytes(), dh_output.as_bytes(), labels::KDF_ROOT.as_bytes(), okm.as_mut_slice());
        let (rk, ck) = okm.split_at(32);
        match (Secret32::from_slice(rk), Secret32::from_slice(ck)) {
            (Some(rk), Some(ck)) => (RootKey(rk), ChainKey(ck)),
            // split_at(32) of 64 bytes always yields two 32-byte halves.
            _ => (RootKey(Secret32::new([0; 32])), ChainKey(Secret32::new([0; 32]))),
        }
    }
}

/// A symmetric chain key (sending or receiving).
#[derive(Zeroize, ZeroizeOnDrop, Debug)]
pub(crate) struct ChainKey(Secret32);

impl ChainKey {
    pub(crate) fn new(s: Secret32) -> Self {
        Self(s)
    }

    pub(crate) fn secret(&self) -> &Secret32 {
        &self.0
    }

    /// `KDF_CK`: this step's message key and the next chain key.
    pub(crate) fn step(&self) -> (MessageKey, ChainKey) {
        let (mut mk, mut ck) =
            kdf::hmac_sha256_pair(self.0.as_bytes(), labels::CHAIN_MESSAGE_KEY_BYTE, labels::CHAIN_NEXT_KEY_BYTE);
        let out = (MessageKey(Secret32::new(mk)), ChainKey(Secret32::new(ck)));
        mk.zeroize();
        ck.zeroize();
        out
    }
}

/// One message's key, used once and deleted.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct MessageKey(Secret32);

impl MessageKey {
    pub(crate) fn new(s: Secret32) -> Self {
        Self(s)
    }

    pub(crate) fn secret(&self) -> &Secret32 {
        &self.0
    }

    fn expand(&self) -> (Zeroizing<[u8; 32]>, [u8; aead::NONCE_LEN]) {
        let mut okm = Zeroizing::new([0u8; 32 + aead::NONCE_LEN]);
        kdf::hkdf_expand_sha256(self.0.as_bytes(), labels::KDF_MESSAGE_KEY.as_bytes(), okm.as_mut_slice());
        let mut key = Zeroizing::new([0u8; 32]);
        let mut nonce = [0u8; aead::NONCE_LEN];
        let (k, n) = okm.split_at(32);
        key.copy_from_slice(k);
        nonce.copy_from_slice(n);
        (key, nonce)
    }

    pub(crate) fn seal(&self, ad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let (key, nonce) = self.expand();
        aead::seal(&key, &nonce, ad, plaintext)
    }

    pub(crate) fn open(&self, ad: &[u8], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, aead::AeadError> {
        let (key, nonce) = self.expand();
        aead::open(&key, &nonce, ad, ciphertext)
    }
}

impl fmt::Debug for MessageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MessageKey(..)")
    }
}
