//! The presentation (SPEC.md §14.5): the credential, the disclosed claims,
//! and the holder's signature over the request, the time and exactly what is
//! disclosed.
//!
//! ```text
//! PresentationTbs  = { format 0x5401, credential_hash, request_hash, nonce,
//!                      audience, time, disclosed_digest, session_binding }
//! disclosed_digest = SHA-256(len(label) || label || d_1 || ... || d_n)
//!                    label = HASH_DISCLOSED_SET, d_i the disclosed claim
//!                    digests in ascending order
//! Presentation     = { format 0x5501, credential, disclosures (ascending by
//!                      digest), tbs, signature = Ed25519(holder, SIG_PRESENTATION, tbs) }
//! ```

use super::claim::{DIGEST_LEN, Disclosure, labelled_sha256};
use super::credential::{Credential, strictly_ascending};
use super::error::CredentialError;
use super::limits::{CredentialLimits, MAX_AUDIENCE_LEN, MAX_NONCE_LEN};
use crate::crypto::sig::{BadSignature, Signature};
use crate::document::ChainCache;
use crate::labels;
use crate::wire::{self, Cap, DecodeError, credential as pb, format};
use core::fmt;

/// The digest of a set of disclosed claim digests (ascending).
pub(crate) fn disclosed_set_digest(digests: &[[u8; DIGEST_LEN]]) -> [u8; 32] {
    let parts: Vec<&[u8]> = digests.iter().map(|d| d.as_slice()).collect();
    labelled_sha256(labels::HASH_DISCLOSED_SET, &parts)
}

/// What [`Presentation::from_made_parts`] takes.
pub(crate) struct MadeParts {
    pub(crate) credential: Credential,
    pub(crate) disclosures: Vec<Disclosure>,
    pub(crate) tbs: Vec<u8>,
    pub(crate) signature: Signature,
    pub(crate) credential_hash: [u8; 32],
    pub(crate) request_hash: [u8; 32],
    pub(crate) nonce: Vec<u8>,
    pub(crate) audience: String,
    pub(crate) time: u64,
    pub(crate) disclosed_digest: [u8; 32],
    pub(crate) session_binding: Option<[u8; 32]>,
}

/// A decoded presentation. Holding one says nothing about its validity.
#[derive(Clone, PartialEq, Eq)]
pub struct Presentation {
    bytes: Vec<u8>,
    credential: Credential,
    disclosures: Vec<Disclosure>,
    tbs: Vec<u8>,
    signature: Signature,
    credential_hash: [u8; 32],
    request_hash: [u8; 32],
    nonce: Vec<u8>,
    audience: String,
    time: u64,
    disclosed_digest: [u8; 32],
    session_binding: Option<[u8; 32]>,
}

impl Presentation {
    /// Decodes under the default limits.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CredentialError> {
        Self::from_bytes_with(bytes, &CredentialLimits::default())
    }

    /// Decodes: size and count caps first, canonical encodings, every
    /// disclosure well formed and in ascending digest order.
    pub fn from_bytes_with(bytes: &[u8], limits: &CredentialLimits) -> Result<Self, CredentialError> {
        Self::parse(bytes, limits, None)
    }

    /// Decodes, taking issuer certificates decoded before from `cache`.
    pub(crate) fn parse(
        bytes: &[u8],
        limits: &CredentialLimits,
        cache: Option<&ChainCache>,
    ) -> Result<Self, CredentialError> {
        let max = limits.max_presentation_len;
        let disclosures_cap = Cap::new(3, "presentation.disclosures", limits.max_claims);
        let p: pb::Presentation = wire::decode_typed(bytes, max, format::PRESENTATION, &[disclosures_cap])?;
        let signature = Signature::from_field("presentation.signature", &p.signature)?;
        let t: pb::PresentationTbs = wire::decode_typed(&p.tbs, max, format::PRESENTATION_TBS, &[])?;
        if t.nonce.len() > MAX_NONCE_LEN {
            return Err(CredentialError::TooLong("presentation.nonce"));
        }
        if t.audience.len() > MAX_AUDIENCE_LEN {
            return Err(CredentialError::TooLong("presentation.audience"));
        }
        let session_binding = match t.session_binding.len() {
            0 => None,
            _ => Some(wire::fixed::<32>("presentation.session_binding", &t.session_binding)?),
        };
        let credential = Credential::parse(&p.credential, limits, cache)?;
        let disclosures = p.disclosures.iter().map(|d| Disclosure::from_bytes(d)).collect::<Result<Vec<_>, _>>()?;
        let digests: Vec<&[u8; DIGEST_LEN]> = disclosures.iter().map(Disclosure::digest).collect();
        if !strictly_ascending(&digests) {
            return Err(DecodeError::Invalid("presentation.disclosures order").into());
        }
        Ok(Self {
            bytes: bytes.to_vec(),
            credential,
            disclosures,
            signature,
            credential_hash: wire::fixed("presentation.credential_hash", &t.credential_hash)?,
            request_hash: wire::fixed("presentation.request_hash", &t.request_hash)?,
            nonce: t.nonce,
            audience: t.audience,
            time: t.time,
            disclosed_digest: wire::fixed("presentation.disclosed_digest", &t.disclosed_digest)?,
            session_binding,
            tbs: p.tbs,
        })
    }

    /// A presentation the holder just made from known-good parts.
    pub(crate) fn from_made_parts(bytes: Vec<u8>, parts: MadeParts) -> Self {
        Self {
            bytes,
            credential: parts.credential,
            disclosures: parts.disclosures,
            tbs: parts.tbs,
            signature: parts.signature,
            credential_hash: parts.credential_hash,
            request_hash: parts.request_hash,
            nonce: parts.nonce,
            audience: parts.audience,
            time: parts.time,
            disclosed_digest: parts.disclosed_digest,
            session_binding: parts.session_binding,
        }
    }

    /// The exact encoded bytes (send these).
    pub fn to_bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// The credential presented.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }
    /// The disclosed claims, ascending by digest.
    pub fn disclosures(&self) -> &[Disclosure] {
        &self.disclosures
    }
    /// The holder's clock when it signed.
    pub fn time(&self) -> u64 {
        self.time
    }
    /// The audience it was made for.
    pub fn audience(&self) -> &str {
        &self.audience
    }
    /// The nonce it answers.
    pub fn nonce(&self) -> &[u8] {
        &self.nonce
    }
    pub(crate) fn credential_hash(&self) -> &[u8; 32] {
        &self.credential_hash
    }
    pub(crate) fn request_hash(&self) -> &[u8; 32] {
        &self.request_hash
    }
    pub(crate) fn disclosed_digest(&self) -> &[u8; 32] {
        &self.disclosed_digest
    }
    /// The session binding it carries, if any.
    pub fn session_binding(&self) -> Option<&[u8; 32]> {
        self.session_binding.as_ref()
    }
    /// True when the credential's holder key signed the presentation.
    pub(crate) fn verify_holder_signature(&self) -> Result<(), BadSignature> {
        self.credential.holder_key().verify(labels::SIG_PRESENTATION, &self.tbs, &self.signature)
    }
}

impl fmt::Debug for Presentation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.disclosures.iter().map(Disclosure::name).collect();
        f.debug_struct("Presentation")
            .field("credential", &self.credential)
            .field("disclosed", &names)
            .field("audience", &self.audience)
            .field("time", &self.time)
            .finish()
    }
}
