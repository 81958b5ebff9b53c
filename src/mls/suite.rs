//! The two MLS cipher suites vestnik speaks (SPEC.md §15.1).

/// An MLS cipher suite. Both use X25519 for HPKE, SHA-256 and Ed25519, the
/// primitives of the rest of the crate; they differ in the AEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MlsSuite {
    /// `MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519` (0x0003): the
    /// default, constant-time without AES hardware.
    #[default]
    ChaCha20Poly1305,
    /// `MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519` (0x0001): for
    /// devices with AES instructions or deployments that require AES.
    Aes128Gcm,
}

impl MlsSuite {
    /// The RFC 9420 cipher suite number.
    pub fn id(self) -> u16 {
        match self {
            Self::ChaCha20Poly1305 => 0x0003,
            Self::Aes128Gcm => 0x0001,
        }
    }

    /// The suite of an RFC 9420 number, if vestnik speaks it.
    pub fn from_id(id: u16) -> Option<Self> {
        match id {
            0x0003 => Some(Self::ChaCha20Poly1305),
            0x0001 => Some(Self::Aes128Gcm),
            _ => None,
        }
    }

    #[cfg(feature = "mls")]
    pub(crate) fn to_mls(self) -> mls_rs::CipherSuite {
        mls_rs::CipherSuite::new(self.id())
    }
}
