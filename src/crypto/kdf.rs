//! HKDF-SHA-256 and HMAC-SHA-256, always with a label from [`crate::labels`].

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// HKDF-SHA-256 (RFC 5869): extract with `salt`, expand with `info` into `out`.
/// `out` is at most 255 * 32 bytes at every call site, so expansion cannot fail.
pub(crate) fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) {
    let hk = Hkdf::<Sha256>::new(Some(salt), ikm);
    let _ = hk.expand(info, out);
}

/// HKDF-Expand only, for a key that is already uniformly random (a PRK).
pub(crate) fn hkdf_expand_sha256(prk: &[u8; 32], info: &[u8], out: &mut [u8]) {
    if let Ok(hk) = Hkdf::<Sha256>::from_prk(prk) {
        let _ = hk.expand(info, out);
    }
}

/// HMAC-SHA-256 of `data` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return [0u8; 32],
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Two HMAC-SHA-256 values under one key, `HMAC(key, a)` and
/// `HMAC(key, b)`, keying the hash once (the chain-key step).
pub(crate) fn hmac_sha256_pair(key: &[u8; 32], a: &[u8], b: &[u8]) -> ([u8; 32], [u8; 32]) {
    let mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return ([0u8; 32], [0u8; 32]),
    };
    let mut first = mac.clone();
    first.update(a);
    let mut second = mac;
    second.update(b);
    (first.finalize().into_bytes().into(), second.finalize().into_bytes().into())
}
