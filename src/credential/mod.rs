//! Official-document credentials (SPEC.md §14): issuer-signed passports and
//! student IDs with selectively disclosed claims, holder-bound presentations,
//! revocation, batch issuance for unlinkability, and requests and answers
//! over 1:1 sessions. In the style of ISO 18013-5 mobile documents and
//! SD-JWT (RFC 9901), on the crate's certificates, status lists and
//! protobuf formats.
//!
//! | concept | file | SPEC.md |
//! |---|---|---|
//! | claims, salted disclosures, digests | `claim.rs` | §14.2 |
//! | the credential | `credential.rs` | §14.3 |
//! | issuance, batch issuance | `issue.rs` | §14.3, §14.7 |
//! | request | `request.rs` | §14.4 |
//! | holder: wallet entry, presenting | `held.rs` | §14.5 |
//! | presentation | `presentation.rs` | §14.5 |
//! | verification, policy, result | `verify.rs` | §14.6 |
//! | over 1:1 sessions | `messenger.rs` | §14.8 |
//! | limits | `limits.rs` | §14.9 |
//!
//! ## The whole flow
//!
//! ```
//! use vestnik::credential::*;
//! use vestnik::crypto::sig::SigningKey;
//! use vestnik::document::{Certificate, CertificateRequest, KeyUsage, Role, StatusList, StatusType, TrustAnchor, DocumentLimits};
//! let mut rng = rand::rng();
//! let now = 1_780_000_000;
//! // The portal: a root (the verifier's trust anchor) certifies the issuing
//! // key for the document types it may issue, and no others.
//! let root = SigningKey::generate(&mut rng);
//! let anchor = TrustAnchor::new(root.verifying_key(), "Госуслуги", KeyUsage::CREDENTIAL_ISSUING, 0);
//! let key = SigningKey::generate(&mut rng);
//! let cert = Certificate::issue(&root, &CertificateRequest {
//!     subject_key: key.verifying_key(), subject_id: "ru.gov.mvd".into(),
//!     display_name: "МВД России".into(), role: Role::Issuer,
//!     usage: KeyUsage::CREDENTIAL_ISSUING, not_before: 0, not_after: 2_000_000_000,
//!     path_len: 0, serial: 1, credential_types: vec!["ru.gov.passport".into()] })?;
//! let issuer = CredentialIssuer::new(key, vec![cert])?;
//!
//! // The holder's device makes a key for this credential; the issuer signs.
//! let holder = SigningKey::generate(&mut rng);
//! let template = CredentialTemplate {
//!     doc_type: "ru.gov.passport".into(),
//!     claims: vec![
//!         Claim::text("family_name", "Петрова"),
//!         Claim::date("birth_date", 2008, 3, 14).ok_or("date")?,
//!         Claim::text("number", "4510 123456"),
//!         Claim::boolean("age_over_14", true),
//!         Claim::boolean("age_over_18", false),
//!     ],
//!     not_before: 0, not_after: 2_000_000_000 };
//! let issued = issuer.issue(&template, &holder.verifying_key(), 17, &mut rng)?;
//! let held = HeldCredential::new(issued, holder)?;
//!
//! // A verifier asks for one predicate; the holder answers.
//! let request = PresentationRequest::new(&RequestSpec {
//!     audience: "bot.school57", doc_type: "ru.gov.passport", claims: &["age_over_14"],
//!     expires: now + 600, purpose: "Проверка возраста" }, &mut rng)?;
//! let presentation = held.present(&request, now)?;
//!
//! // The verifier checks chain, status, claims and holder signature. The
//! // rule accepts passports from whichever issuer the anchor's PKI certified
//! // for `ru.gov.passport` (add `.for_issuer("ru.gov.mvd")` to pin one).
//! let status = StatusList::issue(issuer.signing_key(), StatusType::Credentials, now - 60, now + 86_400, 1024, &[], &DocumentLimits::default())?;
//! let policy = CredentialPolicy::new(vec![IssuerRule::new(anchor, &["ru.gov.passport"])]);
//! let verified = verify_presentation(presentation.to_bytes(), &request, &policy, &[status], now)?;
//! assert!(verified.proves("age_over_14"));
//! assert_eq!(verified.claim("birth_date"), None); // never disclosed
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod claim;
#[allow(clippy::module_inception)]
mod credential;
mod error;
mod held;
mod issue;
pub mod limits;
mod messenger;
mod presentation;
mod request;
mod verify;

pub use claim::{Claim, ClaimValue, DIGEST_LEN, Date, Disclosure};
pub use credential::Credential;
pub use error::{CredentialError, VerifyError};
pub use held::HeldCredential;
pub use issue::{CredentialIssuer, CredentialTemplate, IssuedCredential};
pub use limits::CredentialLimits;
pub use messenger::{CredentialMessage, session_binding, verify_session_presentation};
pub use presentation::Presentation;
pub use request::{NONCE_LEN, PresentationRequest, RequestSpec};
pub use verify::{
    CredentialPolicy, IssuerRule, VerifiedPresentation, verify_presentation, verify_presentation_with_cache,
};

#[cfg(test)]
mod adversarial_tests;
#[cfg(test)]
mod fixture;
#[cfg(test)]
mod tests;
