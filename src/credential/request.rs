//! The verifier's request (SPEC.md §14.4): a fresh nonce, the verifier's
//! identifier, the document type, the claim names wanted, an expiry and a
//! purpose shown to the holder.

use super::claim::{check_name, labelled_sha256};
use super::credential::{check_doc_type, strictly_ascending};
use super::error::CredentialError;
use super::limits::{CredentialLimits, MAX_AUDIENCE_LEN, MAX_NONCE_LEN, MAX_PURPOSE_LEN, MIN_NONCE_LEN};
use crate::labels;
use crate::wire::{self, Cap, DecodeError, credential as pb, format};
use prost::Message;

/// Length of the nonces this crate makes.
pub const NONCE_LEN: usize = 32;

/// What a verifier asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSpec<'a> {
    /// The verifier's identifier (a service name, a chat bot's id...).
    pub audience: &'a str,
    /// The document type wanted.
    pub doc_type: &'a str,
    /// Claim names wanted (order and repeats do not matter).
    pub claims: &'a [&'a str],
    /// Answers made or received after this time are refused.
    pub expires: u64,
    /// Why, shown to the holder (any script).
    pub purpose: &'a str,
}

/// A decoded presentation request (format 0x5301).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentationRequest {
    bytes: Vec<u8>,
    hash: [u8; 32],
    nonce: Vec<u8>,
    audience: String,
    doc_type: String,
    claims: Vec<String>,
    expires: u64,
    purpose: String,
    session_binding: Option<[u8; 32]>,
}

impl PresentationRequest {
    /// A request with a fresh random nonce. Keep it: the answer is verified
    /// against it.
    ///
    /// ```
    /// use vestnik::credential::{PresentationRequest, RequestSpec};
    /// let req = PresentationRequest::new(&RequestSpec {
    ///     audience: "bot.school57.example", doc_type: "ru.edu.student_id",
    ///     claims: &["school", "age_over_14"], expires: 1_800_000_000,
    ///     purpose: "Вход в чат класса" }, &mut rand::rng())?;
    /// assert_eq!(req.claims(), ["age_over_14", "school"]);
    /// # Ok::<(), vestnik::credential::CredentialError>(())
    /// ```
    pub fn new<R: rand_core::CryptoRng + ?Sized>(spec: &RequestSpec<'_>, rng: &mut R) -> Result<Self, CredentialError> {
        Self::build(spec, None, rng)
    }

    pub(crate) fn build<R: rand_core::CryptoRng + ?Sized>(
        spec: &RequestSpec<'_>,
        session_binding: Option<[u8; 32]>,
        rng: &mut R,
    ) -> Result<Self, CredentialError> {
        let mut claims: Vec<String> = spec.claims.iter().map(|c| (*c).to_owned()).collect();
        claims.sort();
        claims.dedup();
        let mut nonce = vec![0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let bytes = pb::PresentationRequest {
            format: format::PRESENTATION_REQUEST,
            nonce,
            audience: spec.audience.to_owned(),
            doc_type: spec.doc_type.to_owned(),
            claims,
            expires: spec.expires,
            purpose: spec.purpose.to_owned(),
            session_binding: session_binding.map(|b| b.to_vec()).unwrap_or_default(),
        }
        .encode_to_vec();
        Self::from_bytes(&bytes)
    }

    /// Decodes a request under the default limits.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CredentialError> {
        Self::from_bytes_with(bytes, &CredentialLimits::default())
    }

    /// Decodes a request: size and count caps first, canonical encoding,
    /// nonce of 16..=64 bytes, claim names valid and strictly ascending.
    pub fn from_bytes_with(bytes: &[u8], limits: &CredentialLimits) -> Result<Self, CredentialError> {
        let claims_cap = Cap::new(5, "request.claims", limits.max_requested_claims);
        let r: pb::PresentationRequest =
            wire::decode_typed(bytes, limits.max_request_len, format::PRESENTATION_REQUEST, &[claims_cap])?;
        if !(MIN_NONCE_LEN..=MAX_NONCE_LEN).contains(&r.nonce.len()) {
            return Err(
                DecodeError::WrongLength { field: "request.nonce", len: r.nonce.len(), expected: NONCE_LEN }.into()
            );
        }
        if r.audience.is_empty() || r.audience.len() > MAX_AUDIENCE_LEN {
            return Err(CredentialError::TooLong("audience"));
        }
        if r.purpose.len() > MAX_PURPOSE_LEN {
            return Err(CredentialError::TooLong("purpose"));
        }
        check_doc_type(&r.doc_type)?;
        if r.claims.is_empty() {
            return Err(DecodeError::Missing("request.claims").into());
        }
        for c in &r.claims {
            check_name(c)?;
        }
        if !strictly_ascending(&r.claims) {
            return Err(DecodeError::Invalid("request.claims order").into());
        }
        let session_binding = match r.session_binding.len() {
            0 => None,
            _ => Some(wire::fixed::<32>("request.session_binding", &r.session_binding)?),
        };
        Ok(Self {
            bytes: bytes.to_vec(),
            hash: labelled_sha256(labels::HASH_PRESENTATION_REQUEST, &[bytes]),
            nonce: r.nonce,
            audience: r.audience,
            doc_type: r.doc_type,
            claims: r.claims,
            expires: r.expires,
            purpose: r.purpose,
            session_binding,
        })
    }

    /// The exact encoded bytes (send these).
    pub fn to_bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// `SHA-256(HASH_PRESENTATION_REQUEST prefix || bytes)`: what an answer signs.
    pub fn hash(&self) -> &[u8; 32] {
        &self.hash
    }
    /// The nonce.
    pub fn nonce(&self) -> &[u8] {
        &self.nonce
    }
    /// The verifier's identifier.
    pub fn audience(&self) -> &str {
        &self.audience
    }
    /// The document type asked for.
    pub fn doc_type(&self) -> &str {
        &self.doc_type
    }
    /// Claim names asked for, ascending.
    pub fn claims(&self) -> &[String] {
        &self.claims
    }
    /// Answers after this time are refused.
    pub fn expires(&self) -> u64 {
        self.expires
    }
    /// Why the verifier asks, for the holder to read.
    pub fn purpose(&self) -> &str {
        &self.purpose
    }
    /// The 1:1 session this request is bound to, if any (SPEC.md §14.8).
    pub fn session_binding(&self) -> Option<&[u8; 32]> {
        self.session_binding.as_ref()
    }
}
