//! Trust anchors (SPEC.md §11.3): keys the verifier trusts by configuration,
//! not by signature, each with the usages it may vouch for and a path length.

use super::cert::{Certificate, KEY_ID_LEN, key_id};
use super::limits::MAX_ANCHOR_LEN;
use super::usage::KeyUsage;
use crate::crypto::sig::VerifyingKey;
use crate::wire::{self, DecodeError, document as pb, format};
use prost::Message;

/// A key the verifier trusts, configured by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustAnchor {
    key: VerifyingKey,
    key_id: [u8; KEY_ID_LEN],
    name: String,
    usage: KeyUsage,
    path_len: u32,
}

impl TrustAnchor {
    /// An anchor for `key`, vouching for certificates whose leaf usages are in
    /// `usage`, with at most `path_len` intermediate CA certificates below it.
    pub fn new(key: VerifyingKey, name: impl Into<String>, usage: KeyUsage, path_len: u32) -> Self {
        Self { key_id: key_id(&key), key, name: name.into(), usage, path_len }
    }

    /// An anchor taken from a (typically self-issued root) certificate: its
    /// key, display name, usages and path length. Its own signature and
    /// validity are not consulted: trust comes from configuration.
    pub fn from_certificate(cert: &Certificate) -> Self {
        Self::new(*cert.subject_key(), cert.display_name(), cert.usage(), cert.path_len())
    }

    /// The anchor's key.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }
    /// The anchor's key identifier.
    pub fn key_id(&self) -> &[u8; KEY_ID_LEN] {
        &self.key_id
    }
    /// The anchor's name, for reports.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Usages the anchor vouches for.
    pub fn usage(&self) -> KeyUsage {
        self.usage
    }
    /// Intermediate CA certificates allowed below the anchor.
    pub fn path_len(&self) -> u32 {
        self.path_len
    }

    /// Encodes an anchor file (format 0x4801).
    pub fn to_bytes(&self) -> Vec<u8> {
        pb::TrustAnchor {
            format: format::TRUST_ANCHOR,
            key: self.key.as_bytes().to_vec(),
            name: self.name.clone(),
            key_usage: self.usage.bits(),
            path_len: self.path_len,
        }
        .encode_to_vec()
    }

    /// Decodes an anchor file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let a: pb::TrustAnchor = wire::decode_typed(bytes, MAX_ANCHOR_LEN, format::TRUST_ANCHOR, &[])?;
        wire::fixed::<32>("anchor.key", &a.key)?;
        let key = VerifyingKey::from_bytes(&a.key).map_err(|_| DecodeError::Invalid("anchor.key"))?;
        let usage = KeyUsage::from_bits(a.key_usage).ok_or(DecodeError::Invalid("anchor.key_usage"))?;
        if a.name.len() > super::limits::MAX_TEXT_LEN {
            return Err(DecodeError::Invalid("anchor.name"));
        }
        Ok(Self::new(key, a.name, usage, a.path_len))
    }
}
