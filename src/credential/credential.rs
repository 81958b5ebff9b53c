//! The credential: an issuer's signature over salted claim digests, a holder
//! key and a validity window (SPEC.md §14.3).
//!
//! ```text
//! Credential = { format 0x5101, tbs = encode(CredentialTbs), signature, chain }
//! signature  = Ed25519(issuer, SIG_CREDENTIAL, tbs)
//! CredentialTbs.digests: claim digests and random decoys, strictly ascending
//! ```
//!
//! Decoding checks form only; [`super::verify_presentation`] decides trust.

use super::claim::{DIGEST_LEN, labelled_sha256};
use super::error::CredentialError;
use super::limits::{CredentialLimits, MAX_DOC_TYPE_LEN};
use crate::crypto::sig::{BadSignature, Signature, VerifyingKey};
use crate::document::{Certificate, ChainCache, KEY_ID_LEN};
use crate::labels;
use crate::wire::{self, Cap, DecodeError, credential as pb, format};
use core::fmt;
use std::sync::Arc;

/// What [`Credential::from_issued_parts`] takes.
pub(crate) struct IssuedParts {
    pub(crate) tbs: Vec<u8>,
    pub(crate) signature: Signature,
    pub(crate) serial: u64,
    pub(crate) issuer_key_id: [u8; KEY_ID_LEN],
    pub(crate) doc_type: String,
    pub(crate) holder_key: VerifyingKey,
    pub(crate) not_before: u64,
    pub(crate) not_after: u64,
    pub(crate) digests: Vec<[u8; DIGEST_LEN]>,
    pub(crate) chain: Arc<[Certificate]>,
}

/// A decoded credential. Holding one says nothing about trust.
#[derive(Clone)]
pub struct Credential {
    bytes: Vec<u8>,
    hash: std::sync::OnceLock<[u8; 32]>,
    tbs: Vec<u8>,
    signature: Signature,
    serial: u64,
    issuer_key_id: [u8; KEY_ID_LEN],
    doc_type: String,
    holder_key: VerifyingKey,
    not_before: u64,
    not_after: u64,
    digests: Vec<[u8; DIGEST_LEN]>,
    chain: Arc<[Certificate]>,
}

/// Document types: 1..=64 bytes of `[a-z0-9_.-]`.
pub(crate) fn check_doc_type(doc_type: &str) -> Result<(), CredentialError> {
    if doc_type.len() > MAX_DOC_TYPE_LEN {
        return Err(CredentialError::TooLong("doc_type"));
    }
    super::claim::check_name(doc_type).map_err(|_| DecodeError::Invalid("doc_type").into())
}

/// Digests must be strictly ascending: one order, no repeats.
pub(crate) fn strictly_ascending<T: Ord>(items: &[T]) -> bool {
    items.windows(2).all(|w| matches!(w, [a, b] if a < b))
}

impl Credential {
    /// Decodes a credential under the default limits.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CredentialError> {
        Self::from_bytes_with(bytes, &CredentialLimits::default())
    }

    /// Decodes a credential: size and counts capped before allocation,
    /// canonical encoding, known formats, valid keys and certificates.
    pub fn from_bytes_with(bytes: &[u8], limits: &CredentialLimits) -> Result<Self, CredentialError> {
        Self::parse(bytes, limits, None)
    }

    /// Decodes, taking already-decoded issuer certificates from `cache` when
    /// their exact bytes were seen before.
    pub(crate) fn parse(
        bytes: &[u8],
        limits: &CredentialLimits,
        cache: Option<&ChainCache>,
    ) -> Result<Self, CredentialError> {
        let max = limits.max_credential_len;
        let chain_cap = Cap::new(4, "credential.chain", limits.max_chain_certs);
        let outer: pb::Credential = wire::decode_typed(bytes, max, format::CREDENTIAL, &[chain_cap])?;
        let signature = Signature::from_field("credential.signature", &outer.signature)?;
        let digests_cap = Cap::new(8, "credential.digests", limits.max_digests);
        let t: pb::CredentialTbs = wire::decode_typed(&outer.tbs, max, format::CREDENTIAL_TBS, &[digests_cap])?;
        let issuer_key_id = wire::fixed::<KEY_ID_LEN>("credential.issuer_key_id", &t.issuer_key_id)?;
        check_doc_type(&t.doc_type)?;
        wire::fixed::<32>("credential.holder_key", &t.holder_key)?;
        let holder_key = VerifyingKey::from_bytes(&t.holder_key)?;
        if t.not_after <= t.not_before {
            return Err(CredentialError::EmptyValidity);
        }
        let digests = t
            .digests
            .iter()
            .map(|d| wire::fixed::<DIGEST_LEN>("credential.digests", d))
            .collect::<Result<Vec<_>, _>>()?;
        if !strictly_ascending(&digests) {
            return Err(DecodeError::Invalid("credential.digests order").into());
        }
        if outer.chain.is_empty() {
            return Err(DecodeError::Missing("credential.chain").into());
        }
        let chain = outer
            .chain
            .iter()
            .map(|c| match cache {
                Some(cache) => cache.certificate(c),
                None => Certificate::from_bytes(c),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            bytes: bytes.to_vec(),
            hash: std::sync::OnceLock::from(labelled_sha256(labels::HASH_CREDENTIAL_BYTES, &[bytes])),
            tbs: outer.tbs,
            signature,
            serial: t.serial,
            issuer_key_id,
            doc_type: t.doc_type,
            holder_key,
            not_before: t.not_before,
            not_after: t.not_after,
            digests,
            chain: chain.into(),
        })
    }

    /// A credential from parts the issuer just encoded and signed (no
    /// re-decoding: every part is already known to be well formed).
    pub(crate) fn from_issued_parts(bytes: Vec<u8>, parts: IssuedParts) -> Self {
        Self {
            hash: std::sync::OnceLock::new(),
            bytes,
            tbs: parts.tbs,
            signature: parts.signature,
            serial: parts.serial,
            issuer_key_id: parts.issuer_key_id,
            doc_type: parts.doc_type,
            holder_key: parts.holder_key,
            not_before: parts.not_before,
            not_after: parts.not_after,
            digests: parts.digests,
            chain: parts.chain,
        }
    }

    /// The exact encoded bytes.
    pub fn to_bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// `SHA-256(HASH_CREDENTIAL_BYTES prefix || bytes)`: what a presentation signs.
    pub fn hash(&self) -> &[u8; 32] {
        self.hash.get_or_init(|| labelled_sha256(labels::HASH_CREDENTIAL_BYTES, &[&self.bytes]))
    }
    /// The serial: this credential's index in its issuer's status list.
    pub fn serial(&self) -> u64 {
        self.serial
    }
    /// Hint naming the issuer key.
    pub fn issuer_key_id(&self) -> &[u8; KEY_ID_LEN] {
        &self.issuer_key_id
    }
    /// The document type (`ru.gov.passport`, `ru.edu.student_id`...).
    pub fn doc_type(&self) -> &str {
        &self.doc_type
    }
    /// The holder's device-bound key: presentations are signed with it.
    pub fn holder_key(&self) -> &VerifyingKey {
        &self.holder_key
    }
    /// Start of validity (inclusive).
    pub fn not_before(&self) -> u64 {
        self.not_before
    }
    /// End of validity (exclusive).
    pub fn not_after(&self) -> u64 {
        self.not_after
    }
    /// Claim and decoy digests, ascending.
    pub fn digests(&self) -> &[[u8; DIGEST_LEN]] {
        &self.digests
    }
    /// True when `digest` is committed here.
    pub fn commits_to(&self, digest: &[u8; DIGEST_LEN]) -> bool {
        self.digests.binary_search(digest).is_ok()
    }
    /// The issuer's certificates, the issuer's own first.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }
    /// True when `issuer` signed this credential.
    pub(crate) fn verify_signature(&self, issuer: &VerifyingKey) -> Result<(), BadSignature> {
        issuer.verify(labels::SIG_CREDENTIAL, &self.tbs, &self.signature)
    }
}

impl PartialEq for Credential {
    fn eq(&self, other: &Self) -> bool {
        // Every other field is a function of the bytes.
        self.bytes == other.bytes
    }
}

impl Eq for Credential {}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("doc_type", &self.doc_type)
            .field("serial", &self.serial)
            .field("validity", &(self.not_before, self.not_after))
            .field("digests", &self.digests.len())
            .field("holder_key", &self.holder_key)
            .finish()
    }
}
