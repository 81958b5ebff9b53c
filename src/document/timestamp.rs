//! Timestamp tokens in the manner of RFC 3161 (SPEC.md §11.5): a timestamping
//! authority (TSA) signs the digest of a signature together with the time, a
//! serial and the requester's nonce.
//!
//! ```text
//! imprint  = SHA-512(signature)                 (64 bytes)
//! Token    = { format 0x4501, tbs = encode(TimestampTbs), signature }
//! signature = Ed25519(TSA, SIG_TIMESTAMP, tbs)
//! ```
//!
//! A valid token proves the signature existed at `time`; verifiers then check
//! the signer's certificate at that time (long-term validation, §11.7).

use super::cert::{KEY_ID_LEN, key_id, sha512};
use super::limits::{MAX_NONCE_LEN, MAX_TIMESTAMP_LEN};
use crate::crypto::sig::{Signature, SigningKey};
use crate::labels;
use crate::wire::{self, DecodeError, document as pb, format};
use prost::Message;

/// Why a timestamp token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampError {
    /// The bytes are not a canonical token encoding.
    #[error("timestamp encoding: {0}")]
    Decode(#[from] DecodeError),
    /// The token does not cover this signature.
    #[error("timestamp imprint does not match the signature")]
    ImprintMismatch,
    /// The token does not carry the nonce the requester sent.
    #[error("timestamp nonce does not match the request")]
    NonceMismatch,
    /// The nonce is longer than [`MAX_NONCE_LEN`].
    #[error("timestamp nonce too long")]
    NonceTooLong,
}

/// What a requester sends a TSA: the imprint of a signature and a fresh nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampRequest {
    imprint: [u8; 64],
    nonce: [u8; 16],
}

impl TimestampRequest {
    /// A request for `signature`, with a random nonce.
    pub fn for_signature<R: rand_core::CryptoRng + ?Sized>(signature: &Signature, rng: &mut R) -> Self {
        let mut nonce = [0u8; 16];
        rng.fill_bytes(&mut nonce);
        Self { imprint: sha512(signature.as_bytes()), nonce }
    }

    /// A request for an archive timestamp over `imprint` (SPEC.md §11.5,
    /// [`super::Envelope::archive_imprint`]), with a random nonce.
    pub fn for_imprint<R: rand_core::CryptoRng + ?Sized>(imprint: [u8; 64], rng: &mut R) -> Self {
        let mut nonce = [0u8; 16];
        rng.fill_bytes(&mut nonce);
        Self { imprint, nonce }
    }

    /// The imprint to stamp.
    pub fn imprint(&self) -> &[u8; 64] {
        &self.imprint
    }

    /// The nonce.
    pub fn nonce(&self) -> &[u8; 16] {
        &self.nonce
    }
}

/// A decoded timestamp token (form only; trust is decided during verification).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampToken {
    bytes: Vec<u8>,
    tbs: Vec<u8>,
    signature: Signature,
    imprint: [u8; 64],
    time: u64,
    serial: u64,
    nonce: Vec<u8>,
    tsa_key_id: [u8; KEY_ID_LEN],
}

impl TimestampToken {
    /// The TSA's side: stamps `request` at `time` with `serial`.
    pub fn issue(tsa: &SigningKey, request: &TimestampRequest, time: u64, serial: u64) -> Self {
        let tbs = pb::TimestampTbs {
            format: format::TIMESTAMP_TBS,
            imprint: request.imprint.to_vec(),
            time,
            serial,
            nonce: request.nonce.to_vec(),
            tsa_key_id: key_id(&tsa.verifying_key()).to_vec(),
        }
        .encode_to_vec();
        let signature = tsa.sign(labels::SIG_TIMESTAMP, &tbs);
        let bytes = pb::TimestampToken {
            format: format::TIMESTAMP_TOKEN,
            tbs: tbs.clone(),
            signature: signature.to_bytes().to_vec(),
        }
        .encode_to_vec();
        Self {
            bytes,
            tbs,
            signature,
            imprint: request.imprint,
            time,
            serial,
            nonce: request.nonce.to_vec(),
            tsa_key_id: key_id(&tsa.verifying_key()),
        }
    }

    /// Decodes a token.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TimestampError> {
        let outer: pb::TimestampToken = wire::decode_typed(bytes, MAX_TIMESTAMP_LEN, format::TIMESTAMP_TOKEN, &[])?;
        let signature = Signature::from_field("timestamp.signature", &outer.signature)?;
        let t: pb::TimestampTbs = wire::decode_typed(&outer.tbs, MAX_TIMESTAMP_LEN, format::TIMESTAMP_TBS, &[])?;
        let imprint = wire::fixed::<64>("timestamp.imprint", &t.imprint)?;
        let tsa_key_id = wire::fixed::<KEY_ID_LEN>("timestamp.tsa_key_id", &t.tsa_key_id)?;
        if t.nonce.len() > MAX_NONCE_LEN {
            return Err(TimestampError::NonceTooLong);
        }
        Ok(Self {
            bytes: bytes.to_vec(),
            tbs: outer.tbs,
            signature,
            imprint,
            time: t.time,
            serial: t.serial,
            nonce: t.nonce,
            tsa_key_id,
        })
    }

    /// The requester's side: checks the TSA answered this request.
    pub fn matches_request(&self, request: &TimestampRequest) -> Result<(), TimestampError> {
        if self.imprint != request.imprint {
            return Err(TimestampError::ImprintMismatch);
        }
        if self.nonce != request.nonce {
            return Err(TimestampError::NonceMismatch);
        }
        Ok(())
    }

    /// True when the token covers `signature`.
    pub(crate) fn covers(&self, signature: &Signature) -> bool {
        self.imprint == sha512(signature.as_bytes())
    }

    /// The stamped imprint.
    pub fn imprint(&self) -> &[u8; 64] {
        &self.imprint
    }

    /// The exact encoded bytes.
    pub fn to_bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// The stamped time.
    pub fn time(&self) -> u64 {
        self.time
    }
    /// The TSA's serial for this token.
    pub fn serial(&self) -> u64 {
        self.serial
    }
    /// The requester's nonce.
    pub fn nonce(&self) -> &[u8] {
        &self.nonce
    }
    /// The TSA key identifier (a hint).
    pub fn tsa_key_id(&self) -> &[u8; KEY_ID_LEN] {
        &self.tsa_key_id
    }

    /// The parts a verifier checks: the TSA signature's message and value.
    pub(crate) fn signed_parts(&self) -> (&[u8], &Signature) {
        (&self.tbs, &self.signature)
    }
}
