//! SFrame cipher suites (RFC 9605 §4.5, SPEC.md §13.1).
//!
//! ```text
//! id      name                       Nh  Nk  Nn  Nt   KDF            AEAD
//! 0x0004  AES_128_GCM_SHA256_128     32  16  12  16   HKDF-SHA256    AES-128-GCM
//! 0x0005  AES_256_GCM_SHA512_128     64  32  12  16   HKDF-SHA512    AES-256-GCM
//! 0xF001  CHACHA20_POLY1305_SHA256   32  32  12  16   HKDF-SHA256    ChaCha20-Poly1305
//! ```
//! The last one is vestnik's, in the private-use range of the RFC's registry.
//! It uses the RFC's key schedule unchanged (the suite id is part of every
//! label, so its keys never collide with a registered suite's), and it is the
//! suite for calls with a device that lacks AES hardware: AES in software is
//! either slow or leaks through cache timing, ChaCha20 is neither.

/// An SFrame cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CipherSuite {
    /// `AES_128_GCM_SHA256_128` (0x0004).
    Aes128GcmSha256,
    /// `AES_256_GCM_SHA512_128` (0x0005).
    Aes256GcmSha512,
    /// `CHACHA20_POLY1305_SHA256` (0xF001, private use): vestnik's suite for
    /// devices without AES hardware.
    ChaCha20Poly1305Sha256,
}

/// Nonce length of every supported suite (`Nn`).
pub const NONCE_LEN: usize = 12;
/// Tag length of every supported suite (`Nt`).
pub const TAG_LEN: usize = 16;

impl CipherSuite {
    /// Every supported suite.
    pub const ALL: [CipherSuite; 3] = [Self::Aes128GcmSha256, Self::Aes256GcmSha512, Self::ChaCha20Poly1305Sha256];

    /// The suite's 16-bit identifier, as used in the key-derivation labels.
    pub const fn id(self) -> u16 {
        match self {
            Self::Aes128GcmSha256 => 0x0004,
            Self::Aes256GcmSha512 => 0x0005,
            Self::ChaCha20Poly1305Sha256 => 0xF001,
        }
    }

    /// The suite with this identifier, if this build supports it.
    pub const fn from_id(id: u16) -> Option<Self> {
        match id {
            0x0004 => Some(Self::Aes128GcmSha256),
            0x0005 => Some(Self::Aes256GcmSha512),
            0xF001 => Some(Self::ChaCha20Poly1305Sha256),
            _ => None,
        }
    }

    /// `Nk`: AEAD key length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128GcmSha256 => 16,
            Self::Aes256GcmSha512 | Self::ChaCha20Poly1305Sha256 => 32,
        }
    }

    /// `Nh`: output length of the suite's hash, and the length of a base key
    /// this crate generates or ratchets.
    pub const fn hash_len(self) -> usize {
        match self {
            Self::Aes128GcmSha256 | Self::ChaCha20Poly1305Sha256 => 32,
            Self::Aes256GcmSha512 => 64,
        }
    }

    /// The suite this device should propose for a call: AES-128-GCM where the
    /// CPU has AES and carry-less multiplication instructions, ChaCha20-Poly1305
    /// otherwise. A call has one suite for everyone, so the app should choose
    /// ChaCha20-Poly1305 as soon as one participant's device reports `false`
    /// from [`CipherSuite::has_aes_hardware`].
    pub fn recommended() -> Self {
        if Self::has_aes_hardware() { Self::Aes128GcmSha256 } else { Self::ChaCha20Poly1305Sha256 }
    }

    /// Whether this CPU has the instructions that make AES-GCM fast and
    /// constant-time (AES-NI and PCLMULQDQ on x86, AES and PMULL on ARMv8).
    pub fn has_aes_hardware() -> bool {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        {
            std::arch::is_x86_feature_detected!("aes") && std::arch::is_x86_feature_detected!("pclmulqdq")
        }
        #[cfg(target_arch = "aarch64")]
        {
            std::arch::is_aarch64_feature_detected!("aes") && std::arch::is_aarch64_feature_detected!("pmull")
        }
        #[cfg(not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")))]
        {
            false
        }
    }
}

impl Default for CipherSuite {
    /// ChaCha20-Poly1305: safe on every device; see [`CipherSuite::recommended`].
    fn default() -> Self {
        Self::ChaCha20Poly1305Sha256
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_unknown_ids_refused() {
        for s in CipherSuite::ALL {
            assert_eq!(CipherSuite::from_id(s.id()), Some(s));
        }
        for id in [0u16, 1, 2, 3, 6, 7, 0xF000, 0xF002, 0xFFFF] {
            assert_eq!(CipherSuite::from_id(id), None, "{id:#06x}");
        }
        assert_eq!(CipherSuite::default(), CipherSuite::ChaCha20Poly1305Sha256);
        let r = CipherSuite::recommended();
        assert!(r == CipherSuite::Aes128GcmSha256 || r == CipherSuite::ChaCha20Poly1305Sha256);
    }
}
