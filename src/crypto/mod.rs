//! Thin, misuse-resistant wrappers over the primitive crates.
//!
//! Every primitive the protocols use goes through here, so that the rules of
//! `SPEC.md` §2 (strict Ed25519, contributory X25519, full AEAD tags, labelled
//! KDFs) hold in one place and the Wycheproof tests exercise these wrappers.

pub(crate) mod aead;
pub(crate) mod fmt_public;
pub(crate) mod kdf;
pub mod kem;
pub(crate) mod secret;
pub mod sig;
pub mod x25519;

pub(crate) use secret::Secret32;

/// The crate's own primitive wrappers with plain signatures, for the
/// Wycheproof and known-answer tests (ASSURANCE row 1). Not part of the API.
#[doc(hidden)]
pub mod testing {
    pub use super::x25519::x25519_checked;

    /// Single Ed25519 verification under the crate's rule (SPEC.md §11.1),
    /// the same call every protocol makes: `len(label) || label || message`.
    pub fn ed25519_verify(
        key: &super::sig::VerifyingKey,
        context: crate::labels::SigContext,
        message: &[u8],
        signature: &super::sig::Signature,
    ) -> bool {
        key.verify(context, message, signature).is_ok()
    }

    /// ChaCha20-Poly1305 seal through the crate's wrapper.
    pub fn chacha20poly1305_seal(key: &[u8; 32], nonce: &[u8; 12], ad: &[u8], pt: &[u8]) -> Vec<u8> {
        super::aead::seal(key, nonce, ad, pt)
    }

    /// ChaCha20-Poly1305 open through the crate's wrapper.
    pub fn chacha20poly1305_open(key: &[u8; 32], nonce: &[u8; 12], ad: &[u8], ct: &[u8]) -> Option<Vec<u8>> {
        super::aead::open(key, nonce, ad, ct).ok().map(|v| v.to_vec())
    }

    /// ML-KEM-768 key generation from a 64-byte seed `d || z` through the
    /// crate's wrapper: the encapsulation key and the FIPS 203 expanded
    /// decapsulation key, or `None` for a seed of another length.
    pub fn mlkem768_keygen(seed: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        let dk = super::kem::KemDecapsulationKey::from_seed_slice(seed)?;
        Some((dk.public().as_bytes().to_vec(), dk.to_expanded().to_vec()))
    }

    /// ML-KEM-768 encapsulation with the message `m` (FIPS 203
    /// `ML-KEM.Encaps_internal`) through the crate's wrapper: the key is
    /// imported with the §7.2 checks first.
    pub fn mlkem768_encapsulate(ek: &[u8], m: &[u8; 32]) -> Result<(Vec<u8>, [u8; 32]), super::kem::KemKeyError> {
        let ek = super::kem::KemEncapsulationKey::from_bytes(ek)?;
        let (ct, ss) = ek.encapsulate_deterministic(m);
        Ok((ct.as_bytes().to_vec(), *ss.as_bytes()))
    }

    /// ML-KEM-768 decapsulation with a seed-form key through the crate's
    /// wrapper (implicit rejection included): `None` only for a seed or
    /// ciphertext of the wrong length.
    pub fn mlkem768_decapsulate(seed: &[u8], ct: &[u8]) -> Option<[u8; 32]> {
        let dk = super::kem::KemDecapsulationKey::from_seed_slice(seed)?;
        let ct = super::kem::KemCiphertext::from_bytes(ct)?;
        Some(*dk.decapsulate(&ct).as_bytes())
    }

    /// ML-KEM-768 decapsulation with an expanded (2,400-byte) key, checked
    /// as FIPS 203 §7.3 says: `None` if the key or the ciphertext length is
    /// refused. vestnik never stores this form; the Wycheproof
    /// semi-expanded vectors need it.
    pub fn mlkem768_decapsulate_expanded(dk: &[u8], ct: &[u8]) -> Option<[u8; 32]> {
        super::kem::decapsulate_expanded(dk, ct)
    }

    /// HKDF-SHA-256 through the crate's wrapper.
    pub fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) {
        super::kdf::hkdf_sha256(salt, ikm, info, out)
    }

    /// HMAC-SHA-256 through the crate's wrapper.
    pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
        super::kdf::hmac_sha256(key, data)
    }

    /// An SFrame suite's AEAD seal (AES-128-GCM for 4, AES-256-GCM for 5,
    /// ChaCha20-Poly1305 for 0xF001) through the same `FrameKey` that call
    /// frames use: `ciphertext || tag`, or `None` for a key of the wrong length.
    pub fn sframe_aead_seal(suite: u16, key: &[u8], nonce: &[u8; 12], aad: &[u8], pt: &[u8]) -> Option<Vec<u8>> {
        let suite = crate::call::CipherSuite::from_id(suite)?;
        let k = crate::call::raw_frame_key(suite, key, *nonce)?;
        let mut out = pt.to_vec();
        let tag = k.seal(0, aad, out.as_mut_slice().into()).ok()?;
        out.extend_from_slice(&tag);
        Some(out)
    }

    /// The matching open: the plaintext, or `None` if the tag does not verify.
    pub fn sframe_aead_open(suite: u16, key: &[u8], nonce: &[u8; 12], aad: &[u8], ct: &[u8]) -> Option<Vec<u8>> {
        let suite = crate::call::CipherSuite::from_id(suite)?;
        let k = crate::call::raw_frame_key(suite, key, *nonce)?;
        let split = ct.len().checked_sub(crate::call::TAG_LEN)?;
        let (body, tag) = ct.split_at(split);
        let tag = <[u8; crate::call::TAG_LEN]>::try_from(tag).ok()?;
        let mut out = body.to_vec();
        k.open(0, aad, out.as_mut_slice().into(), &tag).ok()?;
        Some(out)
    }
}
