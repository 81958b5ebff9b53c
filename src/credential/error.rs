//! Errors of the credential layer: one enum for decoding and issuing, one for
//! verifying a presentation (SPEC.md §14.6 names every check).

use crate::document::{CertError, ChainError};
use crate::wire::DecodeError;

/// Why a credential, disclosure, request or presentation could not be
/// decoded, issued or made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The bytes are not a canonical encoding of the expected message.
    #[error("credential encoding: {0}")]
    Decode(#[from] DecodeError),
    /// A certificate of the issuer chain does not decode.
    #[error("issuer certificate: {0}")]
    Certificate(#[from] CertError),
    /// A key fails the import rule.
    #[error("key refused: {0}")]
    Key(#[from] crate::crypto::x25519::KeyError),
    /// A claim name is empty, too long, or uses characters outside `[a-z0-9_.-]`.
    #[error("claim name is invalid")]
    BadClaimName,
    /// A text claim, document type, audience or purpose is too long.
    #[error("field {0} is too long")]
    TooLong(&'static str),
    /// A date claim is not a valid `YYYYMMDD` date.
    #[error("date claim is not a valid date")]
    BadDate,
    /// Two claims of one credential share a name.
    #[error("claim {0:?} appears twice")]
    DuplicateClaim(String),
    /// More claims, digests, names or credentials than the limits allow.
    #[error("too many {field}: {count}, limit {max}")]
    TooMany {
        /// What was counted.
        field: &'static str,
        /// How many.
        count: usize,
        /// The cap.
        max: usize,
    },
    /// The validity window is empty.
    #[error("validity window is empty")]
    EmptyValidity,
    /// The issued credential's disclosures do not match its digests, or its
    /// holder key is not the one given.
    #[error("issued credential is inconsistent: {0}")]
    Inconsistent(&'static str),
    /// The issuer's own certificate does not name the template's document
    /// type: the issuer refuses to make a credential every verifier refuses.
    #[error("the issuer certificate does not name document type {0:?}")]
    DocTypeNotCertified(String),
    /// The holder chose a claim the credential does not hold.
    #[error("the credential holds no claim {0:?}")]
    NoSuchClaim(String),
    /// The request asks for another document type than this credential's.
    #[error("the request asks for document type {requested:?}, the credential is {held:?}")]
    WrongDocType {
        /// Asked for.
        requested: String,
        /// Held.
        held: String,
    },
    /// The holder's clock is past the request's expiry, or outside the
    /// credential's validity window: nothing is signed.
    #[error("the {0} has expired")]
    Expired(&'static str),
    /// The request arrived over a session it is not bound to (SPEC.md §14.8).
    #[error("the request is not bound to this session")]
    SessionMismatch,
    /// A session message is not a credential payload.
    #[error("the session message is not a credential payload")]
    NotCredentialContent,
}

/// Why a presentation was refused. Each variant is one step of SPEC.md §14.6.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The presentation, its credential or a disclosure does not decode.
    #[error("{0}")]
    Format(#[from] CredentialError),
    /// The issuer chain does not lead to a trust anchor, or fails at the
    /// verification time (expired, revoked, wrong usage...).
    #[error("issuer chain: {0}")]
    Chain(#[from] ChainError),
    /// The credential carries no issuer certificate.
    #[error("the credential carries no issuer certificate")]
    NoIssuerCertificate,
    /// A certificate of the issuer's path does not name the credential's
    /// document type among its credential types (SPEC.md §11.3): the issuer
    /// was never certified to issue it, whatever the issuer rules say.
    #[error("issuer {issuer:?} is not certified for document type {doc_type:?} (certificate at depth {depth})")]
    DocTypeNotCertified {
        /// The issuer certificate's subject id.
        issuer: String,
        /// The credential's document type.
        doc_type: String,
        /// The first certificate of the path (0: the issuer's own) that does not name it.
        depth: usize,
    },
    /// No issuer rule of the policy allows this issuer to issue this document type.
    #[error("issuer {issuer:?} may not issue document type {doc_type:?}")]
    DocTypeNotAllowed {
        /// The issuer certificate's subject id.
        issuer: String,
        /// The credential's document type.
        doc_type: String,
    },
    /// The issuer's signature over the credential does not verify.
    #[error("issuer signature on the credential does not verify")]
    BadIssuerSignature,
    /// The credential is not valid at the verification time.
    #[error("credential not valid at {at} (window {not_before}..{not_after})")]
    CredentialExpired {
        /// Start of validity.
        not_before: u64,
        /// End of validity.
        not_after: u64,
        /// Verification time.
        at: u64,
    },
    /// An authentic status list of the issuer marks the credential revoked.
    #[error("credential serial {0} is revoked")]
    Revoked(u64),
    /// The policy requires fresh status and no authentic fresh list covers it.
    #[error("no fresh status list covers credential serial {0}")]
    StatusMissing(u64),
    /// The credential is of another document type than requested.
    #[error("document type {found:?}, requested {expected:?}")]
    WrongDocType {
        /// Found.
        found: String,
        /// Requested.
        expected: String,
    },
    /// A disclosure's digest is not in the credential (tampered claim or
    /// salt, or a claim from another credential).
    #[error("a disclosed claim is not committed in the credential")]
    UnknownDisclosure,
    /// The same claim disclosed twice (same digest, or same name).
    #[error("claim {0:?} disclosed twice")]
    DuplicateDisclosure(String),
    /// A claim was disclosed that the request did not ask for.
    #[error("claim {0:?} was not requested")]
    NotRequested(String),
    /// A requested claim is missing.
    #[error("requested claim {0:?} was not disclosed")]
    NotDisclosed(String),
    /// The presentation answers another request (nonce, audience, binding).
    #[error("the presentation answers another request ({0})")]
    WrongRequest(&'static str),
    /// The presentation covers other disclosures or another credential than
    /// the ones it carries.
    #[error("the presentation's signed digests do not match what it carries ({0})")]
    Mismatch(&'static str),
    /// The holder signature does not verify under the credential's holder key.
    #[error("holder signature does not verify")]
    BadHolderSignature,
    /// The presentation's time is too far from the verifier's clock, or after
    /// the request expired.
    #[error("presentation time {time} outside the accepted window at {now}")]
    Stale {
        /// The presentation's time.
        time: u64,
        /// The verifier's clock.
        now: u64,
    },
}
