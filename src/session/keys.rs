//! The key types of the Double Ratchet (SPEC.md §5.6).
//!
//! ```text
//! KDF_RK(rk, dh)  = HKDF-SHA256(salt = rk, ikm = dh, info = "vestnik/v1/kdf/ratchet-root") -> rk' || ck
//! KDF_CK(ck)      = HMAC-SHA256(ck, 0x01) -> mk,   HMAC-SHA256(ck, 0x02) -> ck'
//! expand(mk)      = HKDF-Expand-SHA256(prk = mk, info = "vestnik/v1/kdf/message-key", 44) -> key || nonce
//! ```
//! The chain step and message keys are shared with group chains in
//! [`crate::chain`]; here is the root key.

pub(crate) use crate::chain::{ChainKey, MessageKey, SESSION_CHAIN};
use crate::crypto::{Secret32, kdf};
use crate::labels;
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
            (Some(rk), Some(ck)) => (RootKey(rk), ChainKey::new(ck, &SESSION_CHAIN)),
            // split_at(32) of 64 bytes always yields two 32-byte halves.
            _ => (RootKey(Secret32::new([0; 32])), ChainKey::new(Secret32::new([0; 32]), &SESSION_CHAIN)),
        }
    }
}
