//! The per-signer signed attributes (SPEC.md §11.6).

use super::usage::{Commitment, Role};
use crate::wire::{self, DecodeError, document as pb, format};
use prost::Message;

/// Largest encoded `SignedAttributes`.
pub(crate) const MAX_ATTRIBUTES_LEN: usize = 256;

/// What a signer signs besides the document binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedAttributes {
    /// The signer's claimed signing time (unproven unless timestamped).
    pub claimed_signing_time: u64,
    /// Approved, authored or witnessed.
    pub commitment: Commitment,
    /// The signer's role; must equal the certificate's.
    pub signer_role: Role,
    /// SHA-512 of the signer's certificate bytes (binds the certificate, not just the key).
    pub signer_certificate_hash: [u8; 64],
    /// The signer this one countersigns, if any.
    pub countersigns: Option<usize>,
}

impl SignedAttributes {
    pub(crate) fn encode(&self) -> Vec<u8> {
        pb::SignedAttributes {
            format: format::SIGNED_ATTRIBUTES,
            claimed_signing_time: self.claimed_signing_time,
            commitment: self.commitment.to_u32(),
            signer_role: self.signer_role.to_u32(),
            signer_certificate_hash: self.signer_certificate_hash.to_vec(),
            countersigns: self.countersigns.map_or(0, |t| u32::try_from(t).unwrap_or(u32::MAX).saturating_add(1)),
        }
        .encode_to_vec()
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let a: pb::SignedAttributes = wire::decode_typed(bytes, MAX_ATTRIBUTES_LEN, format::SIGNED_ATTRIBUTES, &[])?;
        Ok(Self {
            claimed_signing_time: a.claimed_signing_time,
            commitment: Commitment::from_u32(a.commitment).ok_or(DecodeError::Invalid("attributes.commitment"))?,
            signer_role: Role::from_u32(a.signer_role).ok_or(DecodeError::Invalid("attributes.signer_role"))?,
            signer_certificate_hash: wire::fixed::<64>(
                "attributes.signer_certificate_hash",
                &a.signer_certificate_hash,
            )?,
            countersigns: a.countersigns.checked_sub(1).map(|t| t as usize),
        })
    }
}
