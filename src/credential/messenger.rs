//! Credentials over the messenger (SPEC.md §14.8): a request and its answer
//! travel as [`ContentType::Credential`] payloads of the 1:1 session between
//! verifier and holder, bound to both identities so neither can be relayed
//! to or from a third party.
//!
//! ```text
//! session_binding = SHA-256(len(label) || label || verifier identity (128 B)
//!                           || holder identity (128 B)),  label = HASH_CREDENTIAL_SESSION
//! ```
//!
//! The holder answers only a request whose binding names the session it
//! came over (verifier = the peer, holder = itself), so a request relayed by
//! a man in the middle is refused before anything is signed; the verifier
//! accepts only an answer that arrived over the session the request names.

use super::claim::labelled_sha256;
use super::error::{CredentialError, VerifyError};
use super::limits::CredentialLimits;
use super::presentation::Presentation;
use super::request::{PresentationRequest, RequestSpec};
use super::verify::{CredentialPolicy, VerifiedPresentation, verify_presentation};
use crate::document::StatusList;
use crate::identity::IdentityPublic;
use crate::labels;
use crate::session::{ContentType, Received};
use crate::wire::{self, DecodeError, format};

/// The binding of a request and its answer to the session between
/// `verifier` and `holder`.
pub fn session_binding(verifier: &IdentityPublic, holder: &IdentityPublic) -> [u8; 32] {
    labelled_sha256(labels::HASH_CREDENTIAL_SESSION, &[&verifier.to_fixed_bytes(), &holder.to_fixed_bytes()])
}

/// True when `request` is bound to the session between `verifier` and `holder`.
fn bound_to(request: &PresentationRequest, verifier: &IdentityPublic, holder: &IdentityPublic) -> bool {
    request
        .session_binding()
        .is_some_and(|b| bool::from(subtle::ConstantTimeEq::ct_eq(&b[..], &session_binding(verifier, holder)[..])))
}

pub(crate) fn check_request_binding(
    request: &PresentationRequest,
    holder: &IdentityPublic,
    verifier: &IdentityPublic,
) -> Result<(), CredentialError> {
    if bound_to(request, verifier, holder) { Ok(()) } else { Err(CredentialError::SessionMismatch) }
}

impl PresentationRequest {
    /// A request to send to `peer` over the 1:1 session, bound to it; `me`
    /// is the verifier's own identity.
    pub fn for_session<R: rand_core::CryptoRng + ?Sized>(
        spec: &RequestSpec<'_>,
        me: &IdentityPublic,
        peer: &IdentityPublic,
        rng: &mut R,
    ) -> Result<Self, CredentialError> {
        Self::build(spec, Some(session_binding(me, peer)), rng)
    }
}

/// A credential payload received over a 1:1 session.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CredentialMessage {
    /// A peer asks me to present a credential; already checked to be bound
    /// to this session. Answer with
    /// [`super::HeldCredential::present_in_session`].
    Request(Box<PresentationRequest>),
    /// A peer's answer to my request; verify it with
    /// [`verify_session_presentation`].
    Presentation(Box<Presentation>),
}

impl CredentialMessage {
    /// Reads a [`ContentType::Credential`] payload that `me` received.
    pub fn from_received(received: &Received, me: &IdentityPublic) -> Result<Self, CredentialError> {
        if received.content_type() != ContentType::Credential {
            return Err(CredentialError::NotCredentialContent);
        }
        let limits = CredentialLimits::default();
        let body = received.plaintext();
        let max = limits.max_presentation_len.max(limits.max_request_len);
        if body.len() > max {
            return Err(DecodeError::TooLarge { len: body.len(), max }.into());
        }
        match wire::peek_format(body)? >> 8 {
            t if t == format::PRESENTATION_REQUEST >> 8 => {
                let request = PresentationRequest::from_bytes_with(body, &limits)?;
                check_request_binding(&request, me, received.sender())?;
                Ok(Self::Request(Box::new(request)))
            }
            t if t == format::PRESENTATION >> 8 => {
                Ok(Self::Presentation(Box::new(Presentation::from_bytes_with(body, &limits)?)))
            }
            _ => Err(CredentialError::NotCredentialContent),
        }
    }
}

/// Verifies an answer `received` over the session with its sender, to the
/// `request` that `me` sent that sender with [`PresentationRequest::for_session`].
pub fn verify_session_presentation(
    received: &Received,
    me: &IdentityPublic,
    request: &PresentationRequest,
    policy: &CredentialPolicy,
    status_lists: &[StatusList],
    now: u64,
) -> Result<VerifiedPresentation, VerifyError> {
    if received.content_type() != ContentType::Credential {
        return Err(CredentialError::NotCredentialContent.into());
    }
    if !bound_to(request, me, received.sender()) {
        return Err(VerifyError::WrongRequest("session binding"));
    }
    verify_presentation(received.plaintext(), request, policy, status_lists, now)
}
