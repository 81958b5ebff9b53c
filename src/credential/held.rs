//! The holder's side (SPEC.md §14.5): a stored credential with its holder
//! key, and making presentations that disclose only the chosen claims.

use super::claim::Disclosure;
use super::error::CredentialError;
use super::issue::IssuedCredential;
use super::limits::MAX_HELD_LEN;
use super::presentation::{MadeParts, Presentation, disclosed_set_digest};
use super::request::PresentationRequest;
use crate::crypto::Secret32;
use crate::crypto::sig::SigningKey;
use crate::labels;
use crate::wire::{self, DecodeError, credential as pb, format};
use core::fmt;
use prost::Message;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// A credential in the holder's wallet: the issued credential and its
/// device-bound holder key. Secret: wiped on drop, never printed or cloned;
/// stored with [`Self::to_bytes`] (or sealed whole with [`crate::storage::Sealable::seal`]).
pub struct HeldCredential {
    issued: IssuedCredential,
    holder: SigningKey,
}

impl ZeroizeOnDrop for HeldCredential {}

impl fmt::Debug for HeldCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeldCredential").field("credential", self.issued.credential()).finish_non_exhaustive()
    }
}

impl HeldCredential {
    /// Accepts an issued credential for the holder key it names.
    pub fn new(issued: IssuedCredential, holder: SigningKey) -> Result<Self, CredentialError> {
        if issued.credential().holder_key() != &holder.verifying_key() {
            return Err(CredentialError::Inconsistent("the credential names another holder key"));
        }
        Ok(Self { issued, holder })
    }

    /// The holder key (tests forge presentations with it).
    #[cfg(test)]
    pub(crate) fn holder_key(&self) -> &SigningKey {
        &self.holder
    }

    /// The credential.
    pub fn credential(&self) -> &super::Credential {
        self.issued.credential()
    }

    /// Every claim the holder could disclose.
    pub fn disclosures(&self) -> &[Disclosure] {
        self.issued.disclosures()
    }

    /// Answers `request`, disclosing exactly the claims it asks for (and
    /// refusing if this credential lacks one or is of another type). `now`
    /// is the holder's clock. A request bound to a 1:1 session is answered
    /// only by [`Self::present_in_session`].
    pub fn present(&self, request: &PresentationRequest, now: u64) -> Result<Presentation, CredentialError> {
        if request.session_binding().is_some() {
            return Err(CredentialError::SessionMismatch);
        }
        let names: Vec<&str> = request.claims().iter().map(String::as_str).collect();
        self.present_claims(request, &names, now)
    }

    /// Answers a request that arrived over the 1:1 session between `me`
    /// (the holder) and `peer` (the verifier); refuses a request bound to
    /// another pair, such as one relayed from elsewhere.
    pub fn present_in_session(
        &self,
        request: &PresentationRequest,
        me: &crate::IdentityPublic,
        peer: &crate::IdentityPublic,
        now: u64,
    ) -> Result<Presentation, CredentialError> {
        super::messenger::check_request_binding(request, me, peer)?;
        let names: Vec<&str> = request.claims().iter().map(String::as_str).collect();
        self.present_claims(request, &names, now)
    }

    /// Discloses `names` (a subset of the request's claims, for apps that let
    /// the user decline some; the verifier decides whether that suffices).
    pub fn present_claims(
        &self,
        request: &PresentationRequest,
        names: &[&str],
        now: u64,
    ) -> Result<Presentation, CredentialError> {
        let credential = self.issued.credential();
        if now > request.expires() {
            return Err(CredentialError::Expired("request"));
        }
        if now < credential.not_before() || now >= credential.not_after() {
            return Err(CredentialError::Expired("credential"));
        }
        if request.doc_type() != credential.doc_type() {
            return Err(CredentialError::WrongDocType {
                requested: request.doc_type().to_owned(),
                held: credential.doc_type().to_owned(),
            });
        }
        let mut chosen: Vec<&Disclosure> = Vec::with_capacity(names.len());
        for name in names {
            if !request.claims().iter().any(|c| c == name) {
                return Err(CredentialError::NoSuchClaim((*name).to_owned()));
            }
            let d = self
                .issued
                .disclosures()
                .iter()
                .find(|d| d.name() == *name)
                .ok_or_else(|| CredentialError::NoSuchClaim((*name).to_owned()))?;
            if !chosen.iter().any(|c| c.name() == d.name()) {
                chosen.push(d);
            }
        }
        chosen.sort_by(|a, b| a.digest().cmp(b.digest()));
        let digests: Vec<[u8; 32]> = chosen.iter().map(|d| *d.digest()).collect();
        let disclosed_digest = disclosed_set_digest(&digests);
        let tbs = pb::PresentationTbs {
            format: format::PRESENTATION_TBS,
            credential_hash: credential.hash().to_vec(),
            request_hash: request.hash().to_vec(),
            nonce: request.nonce().to_vec(),
            audience: request.audience().to_owned(),
            time: now,
            disclosed_digest: disclosed_digest.to_vec(),
            session_binding: request.session_binding().map(|b| b.to_vec()).unwrap_or_default(),
        }
        .encode_to_vec();
        let signature = self.holder.sign(labels::SIG_PRESENTATION, &tbs);
        let bytes = pb::Presentation {
            format: format::PRESENTATION,
            credential: credential.to_bytes().to_vec(),
            disclosures: chosen.iter().map(|d| d.to_bytes().to_vec()).collect(),
            tbs: tbs.clone(),
            signature: signature.to_bytes().to_vec(),
        }
        .encode_to_vec();
        Ok(Presentation::from_made_parts(
            bytes,
            MadeParts {
                credential: credential.clone(),
                disclosures: chosen.into_iter().cloned().collect(),
                tbs,
                signature,
                credential_hash: *credential.hash(),
                request_hash: *request.hash(),
                nonce: request.nonce().to_vec(),
                audience: request.audience().to_owned(),
                time: now,
                disclosed_digest,
                session_binding: request.session_binding().copied(),
            },
        ))
    }

    /// Serializes the held credential (format 0x5701), holder key included:
    /// seal it before storing.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let issued = self.issued.to_bytes();
        let seed = self.holder.to_seed();
        wire::encode_secret(
            pb::HeldCredentialState {
                format: format::STATE_HELD_CREDENTIAL,
                issued: issued.to_vec(),
                holder_seed: seed.as_bytes().to_vec(),
            },
            |m| {
                m.issued.zeroize();
                m.holder_seed.zeroize();
            },
        )
    }

    /// Restores a held credential.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CredentialError> {
        wire::decode_secret(
            bytes,
            MAX_HELD_LEN,
            format::STATE_HELD_CREDENTIAL,
            &[],
            |m: &mut pb::HeldCredentialState| {
                m.issued.zeroize();
                m.holder_seed.zeroize();
            },
            |m| {
                let seed = Secret32::from_slice(&m.holder_seed).ok_or(DecodeError::WrongLength {
                    field: "held.holder_seed",
                    len: m.holder_seed.len(),
                    expected: 32,
                })?;
                Ok(IssuedCredential::from_bytes(&m.issued)
                    .and_then(|issued| Self::new(issued, SigningKey::from_seed(&seed))))
            },
        )?
    }
}
