//! SFrame key schedule (RFC 9605 §4.4.2, §5.1) and the per-KID AEAD key.
//!
//! ```text
//! sframe_secret = HKDF-Extract("", base_key)
//! sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  || KID || suite, Nk)
//! sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " || KID || suite, Nn)
//! next_base_key = HKDF-Expand(HKDF-Extract("", base_key), "SFrame 1.0 Ratchet", Nh)
//! nonce         = sframe_salt XOR (CTR as Nn-byte big-endian)
//! ```
//! KID is 8 bytes and the suite id 2 bytes, both big-endian; the hash is the
//! suite's. The labels are the RFC's own, so they live here rather than in
//! [`crate::labels`] (which holds vestnik's labels); SPEC.md §13.2 lists them.
//! A [`FrameKey`] is derived once per KID and keeps the initialized cipher,
//! so protecting a frame costs one AEAD call and no key schedule.

use crate::call::suite::{CipherSuite, NONCE_LEN, TAG_LEN};
use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::aead::{AeadCore, AeadInOut, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20poly1305::ChaCha20Poly1305;
use hkdf::Hkdf;
use sha2::{Sha256, Sha512};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// RFC 9605 label prefix of `sframe_key`.
pub const SFRAME_KEY_LABEL: &[u8] = b"SFrame 1.0 Secret key ";
/// RFC 9605 label prefix of `sframe_salt`.
pub const SFRAME_SALT_LABEL: &[u8] = b"SFrame 1.0 Secret salt ";
/// RFC 9605 §5.1 label of the base-key ratchet.
pub const SFRAME_RATCHET_LABEL: &[u8] = b"SFrame 1.0 Ratchet";

/// Shortest base key accepted (the RFC's vectors use 16 bytes).
pub(crate) const MIN_BASE_KEY_LEN: usize = 16;
/// Longest base key: `Nh` of SHA-512.
pub(crate) const MAX_BASE_KEY_LEN: usize = 64;

/// A sender's base key: boxed, zeroized on drop, never printed or cloned.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct BaseKey {
    bytes: Box<[u8; MAX_BASE_KEY_LEN]>,
    len: usize,
}

impl BaseKey {
    /// Copies a base key of 16 to 64 bytes.
    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Self> {
        if !(MIN_BASE_KEY_LEN..=MAX_BASE_KEY_LEN).contains(&bytes.len()) {
            return None;
        }
        let mut b = Box::new([0u8; MAX_BASE_KEY_LEN]);
        b.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(Self { bytes: b, len: bytes.len() })
    }

    /// A fresh random base key of the suite's `Nh` bytes.
    pub(crate) fn random<R: rand_core::CryptoRng + ?Sized>(suite: CipherSuite, rng: &mut R) -> Self {
        let mut b = Box::new([0u8; MAX_BASE_KEY_LEN]);
        let len = suite.hash_len();
        if let Some(dst) = b.get_mut(..len) {
            rng.fill_bytes(dst);
        }
        Self { bytes: b, len }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// The next base key of the RFC 9605 §5.1 ratchet (`Nh` bytes).
    pub(crate) fn ratchet(&self, suite: CipherSuite) -> Self {
        let mut b = Box::new([0u8; MAX_BASE_KEY_LEN]);
        let len = suite.hash_len();
        if let Some(out) = b.get_mut(..len) {
            // Output lengths of Nh bytes are far below HKDF's 255 * Nh cap.
            let _ = match suite {
                CipherSuite::Aes256GcmSha512 => {
                    Hkdf::<Sha512>::new(Some(&[]), self.as_bytes()).expand(SFRAME_RATCHET_LABEL, out)
                }
                CipherSuite::Aes128GcmSha256 | CipherSuite::ChaCha20Poly1305Sha256 => {
                    Hkdf::<Sha256>::new(Some(&[]), self.as_bytes()).expand(SFRAME_RATCHET_LABEL, out)
                }
            };
        }
        Self { bytes: b, len }
    }

    /// An explicit copy (a sender hands its key to each participant).
    pub(crate) fn duplicate(&self) -> Self {
        Self { bytes: Box::new(*self.bytes), len: self.len }
    }
}

impl core::fmt::Debug for BaseKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("BaseKey(..)")
    }
}

/// `sframe_key` and `sframe_salt` for one KID, before the cipher is keyed.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct KeyMaterial {
    key: [u8; 32],
    key_len: usize,
    pub(crate) salt: [u8; NONCE_LEN],
}

impl KeyMaterial {
    pub(crate) fn key(&self) -> &[u8] {
        self.key.get(..self.key_len).unwrap_or_default()
    }
}

/// `sframe_secret`, for the test vectors.
#[cfg(test)]
pub(crate) fn sframe_secret(suite: CipherSuite, base_key: &[u8]) -> zeroize::Zeroizing<Vec<u8>> {
    use zeroize::Zeroizing;
    match suite {
        CipherSuite::Aes256GcmSha512 => Zeroizing::new(Hkdf::<Sha512>::extract(Some(&[]), base_key).0.to_vec()),
        _ => Zeroizing::new(Hkdf::<Sha256>::extract(Some(&[]), base_key).0.to_vec()),
    }
}

/// Derives `sframe_key` and `sframe_salt` for `kid` from `base_key`.
pub(crate) fn derive_key_material(suite: CipherSuite, base_key: &[u8], kid: u64) -> KeyMaterial {
    let kid_be = kid.to_be_bytes();
    let suite_be = suite.id().to_be_bytes();
    let mut m = KeyMaterial { key: [0u8; 32], key_len: suite.key_len(), salt: [0u8; NONCE_LEN] };
    let key_out = m.key.get_mut(..suite.key_len()).unwrap_or_default();
    let key_info: [&[u8]; 3] = [SFRAME_KEY_LABEL, &kid_be, &suite_be];
    let salt_info: [&[u8]; 3] = [SFRAME_SALT_LABEL, &kid_be, &suite_be];
    // Nk and Nn are far below HKDF's output cap, so expansion cannot fail.
    match suite {
        CipherSuite::Aes256GcmSha512 => {
            let hk = Hkdf::<Sha512>::new(Some(&[]), base_key);
            let _ = hk.expand_multi_info(&key_info, key_out);
            let _ = hk.expand_multi_info(&salt_info, &mut m.salt);
        }
        CipherSuite::Aes128GcmSha256 | CipherSuite::ChaCha20Poly1305Sha256 => {
            let hk = Hkdf::<Sha256>::new(Some(&[]), base_key);
            let _ = hk.expand_multi_info(&key_info, key_out);
            let _ = hk.expand_multi_info(&salt_info, &mut m.salt);
        }
    }
    m
}

/// The keyed cipher of one suite. Each variant zeroizes its key schedule on
/// drop (the `zeroize` features of `aes-gcm` and `chacha20poly1305`; the
/// compile-time guard in `lib.rs` checks it).
enum Cipher {
    Aes128(Box<Aes128Gcm>),
    Aes256(Box<Aes256Gcm>),
    ChaCha(Box<ChaCha20Poly1305>),
}

/// The AEAD rejected the frame; carries no detail on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AeadFailure;

/// The derived key of one KID: keyed cipher and salt.
pub(crate) struct FrameKey {
    cipher: Cipher,
    salt: [u8; NONCE_LEN],
}

impl FrameKey {
    /// Derives the key of `kid` from `base_key` (RFC 9605 §4.4.2).
    pub(crate) fn derive(suite: CipherSuite, base_key: &[u8], kid: u64) -> Self {
        let m = derive_key_material(suite, base_key, kid);
        Self::from_material(suite, &m)
    }

    pub(crate) fn from_material(suite: CipherSuite, m: &KeyMaterial) -> Self {
        // Key lengths match each suite by construction, so `new_from_slice`
        // cannot fail; the fallback of an all-zero key is unreachable.
        let cipher = match suite {
            CipherSuite::Aes128GcmSha256 => Cipher::Aes128(Box::new(
                Aes128Gcm::new_from_slice(m.key()).unwrap_or_else(|_| Aes128Gcm::new(&Default::default())),
            )),
            CipherSuite::Aes256GcmSha512 => Cipher::Aes256(Box::new(
                Aes256Gcm::new_from_slice(m.key()).unwrap_or_else(|_| Aes256Gcm::new(&Default::default())),
            )),
            CipherSuite::ChaCha20Poly1305Sha256 => Cipher::ChaCha(Box::new(
                ChaCha20Poly1305::new_from_slice(m.key())
                    .unwrap_or_else(|_| ChaCha20Poly1305::new(&Default::default())),
            )),
        };
        Self { cipher, salt: m.salt }
    }

    /// `sframe_salt XOR CTR` (CTR big-endian in the low 8 bytes).
    pub(crate) fn nonce(&self, ctr: u64) -> [u8; NONCE_LEN] {
        let mut n = self.salt;
        for (b, c) in n.iter_mut().skip(NONCE_LEN - 8).zip(ctr.to_be_bytes()) {
            *b ^= c;
        }
        n
    }

    /// Encrypts `buf` (input to output) and returns the tag.
    pub(crate) fn seal(&self, ctr: u64, aad: &[u8], buf: InOutBuf<'_, '_, u8>) -> Result<[u8; TAG_LEN], AeadFailure> {
        let nonce = self.nonce(ctr);
        match &self.cipher {
            Cipher::Aes128(c) => seal_with(c.as_ref(), &nonce, aad, buf),
            Cipher::Aes256(c) => seal_with(c.as_ref(), &nonce, aad, buf),
            Cipher::ChaCha(c) => seal_with(c.as_ref(), &nonce, aad, buf),
        }
    }

    /// Checks the tag, then decrypts `buf`. The ciphers check before they
    /// decrypt, and callers also wipe the output on failure.
    pub(crate) fn open(
        &self,
        ctr: u64,
        aad: &[u8],
        buf: InOutBuf<'_, '_, u8>,
        tag: &[u8; TAG_LEN],
    ) -> Result<(), AeadFailure> {
        let nonce = self.nonce(ctr);
        match &self.cipher {
            Cipher::Aes128(c) => open_with(c.as_ref(), &nonce, aad, buf, tag),
            Cipher::Aes256(c) => open_with(c.as_ref(), &nonce, aad, buf, tag),
            Cipher::ChaCha(c) => open_with(c.as_ref(), &nonce, aad, buf, tag),
        }
    }
}

impl Drop for FrameKey {
    fn drop(&mut self) {
        // The cipher boxes wipe themselves; the salt is ours to wipe.
        self.salt.zeroize();
    }
}

impl ZeroizeOnDrop for FrameKey {}

impl core::fmt::Debug for FrameKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("FrameKey(..)")
    }
}

/// The suite AEAD exactly as frames use it, keyed with a raw `key` and salt
/// `nonce` and used at CTR 0 (so the AEAD nonce is `nonce`): the hook for the
/// Wycheproof tests. `None` when `key` has the wrong length for the suite.
pub(crate) fn raw_frame_key(suite: CipherSuite, key: &[u8], nonce: [u8; NONCE_LEN]) -> Option<FrameKey> {
    if key.len() != suite.key_len() {
        return None;
    }
    let mut m = KeyMaterial { key: [0; 32], key_len: key.len(), salt: nonce };
    m.key.get_mut(..key.len())?.copy_from_slice(key);
    Some(FrameKey::from_material(suite, &m))
}

fn seal_with<C>(
    c: &C,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buf: InOutBuf<'_, '_, u8>,
) -> Result<[u8; TAG_LEN], AeadFailure>
where
    C: AeadInOut,
{
    let nonce = aes_gcm::aead::Nonce::<C>::try_from(nonce.as_slice()).map_err(|_| AeadFailure)?;
    let tag = c.encrypt_inout_detached(&nonce, aad, buf).map_err(|_| AeadFailure)?;
    <[u8; TAG_LEN]>::try_from(tag.as_slice()).map_err(|_| AeadFailure)
}

fn open_with<C>(
    c: &C,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buf: InOutBuf<'_, '_, u8>,
    tag: &[u8; TAG_LEN],
) -> Result<(), AeadFailure>
where
    C: AeadInOut + AeadCore,
{
    let nonce = aes_gcm::aead::Nonce::<C>::try_from(nonce.as_slice()).map_err(|_| AeadFailure)?;
    let tag = aes_gcm::aead::Tag::<C>::try_from(tag.as_slice()).map_err(|_| AeadFailure)?;
    c.decrypt_inout_detached(&nonce, aad, buf, &tag).map_err(|_| AeadFailure)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9605 test vectors, `sframe` section, suites 4 and 5 (kid 0x123,
    /// ctr 0x4567, base key 00..0f).
    pub(crate) struct Case {
        pub suite: CipherSuite,
        pub secret: &'static str,
        pub key: &'static str,
        pub salt: &'static str,
        pub nonce: &'static str,
    }

    pub(crate) const CASES: &[Case] = &[
        Case {
            suite: CipherSuite::Aes128GcmSha256,
            secret: "d926952ca8b7ec4a95941d1ada3a5203ceff8cceee34f574d23909eb314c40c0",
            key: "d34f547f4ca4f9a7447006fe7fcbf768",
            salt: "75234edefe07819026751816",
            nonce: "75234edefe07819026755d71",
        },
        Case {
            suite: CipherSuite::Aes256GcmSha512,
            secret: "0fc3ea6de6aac97a35f194cf9bed94d4b5230f1cb45a785c9fe5dce9c188938a\
                     b6ba005bc4c0a19181599e9d1bcf7b74aca48b60bf5e254e546d809313e083a3",
            key: "d3e27b0d4a5ae9e55df01a70e6d4d28d969b246e2936f4b7a5d9b494da6b9633",
            salt: "84991c167b8cd23c93708ec7",
            nonce: "84991c167b8cd23c9370cba0",
        },
    ];

    #[test]
    fn rfc_key_schedule() {
        let base_key = hex::decode("000102030405060708090a0b0c0d0e0f").unwrap();
        for c in CASES {
            assert_eq!(hex::encode(&*sframe_secret(c.suite, &base_key)), c.secret);
            let m = derive_key_material(c.suite, &base_key, 0x123);
            assert_eq!(hex::encode(m.key()), c.key);
            assert_eq!(hex::encode(m.salt), c.salt);
            let fk = FrameKey::from_material(c.suite, &m);
            assert_eq!(hex::encode(fk.nonce(0x4567)), c.nonce);
        }
    }

    #[test]
    fn ratchet_changes_the_key_and_keeps_nh_bytes() {
        for suite in CipherSuite::ALL {
            let k = BaseKey::from_slice(&[7u8; 32]).unwrap();
            let next = k.ratchet(suite);
            assert_eq!(next.as_bytes().len(), suite.hash_len());
            assert_ne!(next.as_bytes().get(..32), Some(k.as_bytes()));
            assert_eq!(next.as_bytes(), k.ratchet(suite).as_bytes(), "deterministic");
        }
        assert!(BaseKey::from_slice(&[0u8; 15]).is_none());
        assert!(BaseKey::from_slice(&[0u8; 65]).is_none());
        assert_eq!(format!("{:?}", BaseKey::from_slice(&[0x42u8; 16]).unwrap()), "BaseKey(..)");
    }
}
