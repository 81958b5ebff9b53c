//! Compact certificates (SPEC.md §11.3): an issuer's Ed25519 signature over
//! the exact encoded bytes of a `CertificateTbs`.
//!
//! ```text
//! Certificate = { format 0x4101, tbs = encode(CertificateTbs), signature }
//! signature   = Ed25519(issuer, SIG_CERTIFICATE, tbs)
//! ```
//!
//! Decoding checks only form (canonical encoding, lengths, known values);
//! whether a certificate is *trusted* is decided by `chain.rs`.

use super::limits::{MAX_CERTIFICATE_LEN, MAX_CREDENTIAL_TYPE_LEN, MAX_CREDENTIAL_TYPES, MAX_TEXT_LEN};
use super::usage::{KeyUsage, Role};
use crate::crypto::sig::{BadSignature, Signature, SigningKey, VerifyingKey};
use crate::crypto::x25519::KeyError;
use crate::labels;
use crate::wire::{self, Cap, DecodeError, document as pb, format};
use core::fmt;
use prost::Message;
use sha2::{Digest, Sha512};

/// Length of a key identifier.
pub const KEY_ID_LEN: usize = 16;

/// A key identifier: `SHA-512(key)[0..16]`. Only a hint for finding an issuer;
/// the signature decides.
pub fn key_id(key: &VerifyingKey) -> [u8; KEY_ID_LEN] {
    let h = Sha512::digest(key.as_bytes());
    let mut id = [0u8; KEY_ID_LEN];
    id.copy_from_slice(h.get(..KEY_ID_LEN).unwrap_or(&[0; KEY_ID_LEN]));
    id
}

/// True when `t` is a well-formed credential document type: 1..=64 bytes of
/// `[a-z0-9_.-]` (the syntax of a credential's `doc_type`, SPEC.md §14.3).
pub(crate) fn is_credential_type(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= MAX_CREDENTIAL_TYPE_LEN
        && t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b))
}

/// SHA-512 of some bytes, as an array.
pub(crate) fn sha512(bytes: &[u8]) -> [u8; 64] {
    Sha512::digest(bytes).into()
}

/// Why a certificate could not be decoded or issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    /// The bytes are not a canonical certificate encoding.
    #[error("certificate encoding: {0}")]
    Decode(#[from] DecodeError),
    /// The subject key fails the import rule.
    #[error("certificate subject key: {0}")]
    Key(#[from] KeyError),
    /// A text field is longer than [`MAX_TEXT_LEN`].
    #[error("certificate field {0} is too long")]
    TextTooLong(&'static str),
    /// The validity window is empty (`not_after <= not_before`).
    #[error("certificate validity window is empty")]
    EmptyValidity,
}

/// What an issuer certifies: the contents of a certificate before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    /// The subject's Ed25519 key (for instance `IdentityPublic::signing_key()`).
    pub subject_key: VerifyingKey,
    /// Stable identifier of the subject (a national ID, a school code...).
    pub subject_id: String,
    /// Human-readable name, any script.
    pub display_name: String,
    /// What the subject is.
    pub role: Role,
    /// What the key may sign.
    pub usage: KeyUsage,
    /// First second of validity (Unix time, inclusive).
    pub not_before: u64,
    /// End of validity (Unix time, exclusive).
    pub not_after: u64,
    /// CA certificates allowed below this one (meaningful with certificate issuing).
    pub path_len: u32,
    /// Serial, unique per issuer: the index into the issuer's status list.
    pub serial: u64,
    /// Credential document types the subject may issue (with credential
    /// issuing) or certify below it (with certificate issuing). Empty: none.
    /// Any order; [`Certificate::issue`] sorts them and drops repeats.
    pub credential_types: Vec<String>,
}

impl CertificateRequest {
    /// A request for `subject_key` as `role` with `usage`, valid from
    /// `not_before` (inclusive) to `not_after` (exclusive); serial 0, no
    /// CA certificates below it and no credential types until set with
    /// [`Self::serial`], [`Self::path_len`] and [`Self::credential_types`].
    ///
    /// ```
    /// use vestnik::crypto::sig::SigningKey;
    /// use vestnik::document::{Certificate, CertificateRequest, KeyUsage, Role};
    /// let mut rng = rand::rng();
    /// let (root, school) = (SigningKey::generate(&mut rng), SigningKey::generate(&mut rng));
    /// let request = CertificateRequest::new(school.verifying_key(), "school-57", "Школа № 57", Role::Issuer,
    ///     KeyUsage::CREDENTIAL_ISSUING, 1_700_000_000, 1_900_000_000).serial(7)
    ///     .credential_types(&["ru.edu.student_id"]);
    /// let cert = Certificate::issue(&root, &request)?;
    /// assert_eq!(cert.serial(), 7);
    /// assert!(cert.names_credential_type("ru.edu.student_id"));
    /// assert!(!cert.names_credential_type("ru.gov.passport")); // a school issues no passports
    /// # Ok::<(), vestnik::document::CertError>(())
    /// ```
    pub fn new(
        subject_key: VerifyingKey,
        subject_id: impl Into<String>,
        display_name: impl Into<String>,
        role: Role,
        usage: KeyUsage,
        not_before: u64,
        not_after: u64,
    ) -> Self {
        Self {
            subject_key,
            subject_id: subject_id.into(),
            display_name: display_name.into(),
            role,
            usage,
            not_before,
            not_after,
            path_len: 0,
            serial: 0,
            credential_types: Vec::new(),
        }
    }

    /// Sets the serial (the index into the issuer's status list).
    pub fn serial(mut self, serial: u64) -> Self {
        self.serial = serial;
        self
    }

    /// Sets how many CA certificates may stand below this one.
    pub fn path_len(mut self, path_len: u32) -> Self {
        self.path_len = path_len;
        self
    }

    /// Sets the credential document types the subject may issue, or (for a
    /// CA) certify below it (SPEC.md §11.3).
    pub fn credential_types(mut self, types: &[&str]) -> Self {
        self.credential_types = types.iter().map(|t| (*t).to_owned()).collect();
        self
    }
}

/// A decoded certificate. Holding one says nothing about trust.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    bytes: Vec<u8>,
    tbs: Vec<u8>,
    signature: Signature,
    hash: [u8; 64],
    serial: u64,
    issuer_key_id: [u8; KEY_ID_LEN],
    subject_key: VerifyingKey,
    subject_id: String,
    display_name: String,
    role: Role,
    usage: KeyUsage,
    not_before: u64,
    not_after: u64,
    path_len: u32,
    credential_types: Vec<String>,
}

impl Certificate {
    /// Signs `request` with the issuer's key.
    ///
    /// ```
    /// use vestnik::crypto::sig::SigningKey;
    /// use vestnik::document::{Certificate, CertificateRequest, KeyUsage, Role};
    /// let mut rng = rand::rng();
    /// let ca = SigningKey::generate(&mut rng);
    /// let citizen = vestnik::DeviceIdentity::generate(&mut rng);
    /// let cert = Certificate::issue(&ca, &CertificateRequest {
    ///     subject_key: *citizen.public().signing_key(),
    ///     subject_id: "RU-000-123".into(),
    ///     display_name: "Анна Петрова".into(),
    ///     role: Role::Citizen,
    ///     usage: KeyUsage::DOCUMENT_SIGNING,
    ///     not_before: 1_700_000_000,
    ///     not_after: 1_800_000_000,
    ///     path_len: 0,
    ///     serial: 42,
    ///     credential_types: vec![],
    /// })?;
    /// let again = Certificate::from_bytes(cert.to_bytes())?;
    /// assert_eq!(again.display_name(), "Анна Петрова");
    /// # Ok::<(), vestnik::document::CertError>(())
    /// ```
    ///
    /// `request.credential_types` are sorted and deduplicated; a malformed
    /// type, more than [`MAX_CREDENTIAL_TYPES`], or types on a certificate
    /// with neither credential nor certificate issuing are refused as by
    /// [`Self::from_bytes`].
    pub fn issue(issuer: &SigningKey, request: &CertificateRequest) -> Result<Self, CertError> {
        if request.subject_id.len() > MAX_TEXT_LEN {
            return Err(CertError::TextTooLong("subject_id"));
        }
        if request.display_name.len() > MAX_TEXT_LEN {
            return Err(CertError::TextTooLong("display_name"));
        }
        if request.not_after <= request.not_before {
            return Err(CertError::EmptyValidity);
        }
        let mut credential_types = request.credential_types.clone();
        credential_types.sort_unstable();
        credential_types.dedup();
        let tbs = pb::CertificateTbs {
            format: format::CERTIFICATE_TBS,
            serial: request.serial,
            issuer_key_id: key_id(&issuer.verifying_key()).to_vec(),
            subject_key: request.subject_key.as_bytes().to_vec(),
            subject_id: request.subject_id.clone(),
            display_name: request.display_name.clone(),
            role: request.role.to_u32(),
            key_usage: request.usage.bits(),
            not_before: request.not_before,
            not_after: request.not_after,
            path_len: request.path_len,
            credential_types,
        }
        .encode_to_vec();
        let signature = issuer.sign(labels::SIG_CERTIFICATE, &tbs);
        let bytes = pb::Certificate { format: format::CERTIFICATE, tbs, signature: signature.to_bytes().to_vec() }
            .encode_to_vec();
        Self::from_bytes(&bytes)
    }

    /// Decodes a certificate (form only; trust is decided when a path is built during verification).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CertError> {
        let outer: pb::Certificate = wire::decode_typed(bytes, MAX_CERTIFICATE_LEN, format::CERTIFICATE, &[])?;
        let signature = Signature::from_field("certificate.signature", &outer.signature)?;
        let caps = [Cap::new(12, "certificate.credential_types", MAX_CREDENTIAL_TYPES)];
        let t: pb::CertificateTbs =
            wire::decode_typed(&outer.tbs, MAX_CERTIFICATE_LEN, format::CERTIFICATE_TBS, &caps)?;
        let issuer_key_id = wire::fixed::<KEY_ID_LEN>("certificate.issuer_key_id", &t.issuer_key_id)?;
        wire::fixed::<32>("certificate.subject_key", &t.subject_key)?;
        let subject_key = VerifyingKey::from_bytes(&t.subject_key)?;
        if t.subject_id.len() > MAX_TEXT_LEN {
            return Err(CertError::TextTooLong("subject_id"));
        }
        if t.display_name.len() > MAX_TEXT_LEN {
            return Err(CertError::TextTooLong("display_name"));
        }
        let role = Role::from_u32(t.role).ok_or(DecodeError::Invalid("certificate.role"))?;
        let usage = KeyUsage::from_bits(t.key_usage).ok_or(DecodeError::Invalid("certificate.key_usage"))?;
        if t.not_after <= t.not_before {
            return Err(CertError::EmptyValidity);
        }
        check_credential_types(&t.credential_types, usage)?;
        Ok(Self {
            bytes: bytes.to_vec(),
            hash: sha512(bytes),
            tbs: outer.tbs,
            signature,
            serial: t.serial,
            issuer_key_id,
            subject_key,
            subject_id: t.subject_id,
            display_name: t.display_name,
            role,
            usage,
            not_before: t.not_before,
            not_after: t.not_after,
            path_len: t.path_len,
            credential_types: t.credential_types,
        })
    }

    /// The exact encoded bytes.
    pub fn to_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// SHA-512 of the encoded bytes: how envelopes name a signer's certificate.
    pub fn hash(&self) -> &[u8; 64] {
        &self.hash
    }

    /// True when `issuer` signed this certificate.
    pub(crate) fn verify_signature(&self, issuer: &VerifyingKey) -> Result<(), BadSignature> {
        issuer.verify(labels::SIG_CERTIFICATE, &self.tbs, &self.signature)
    }

    /// Serial number.
    pub fn serial(&self) -> u64 {
        self.serial
    }
    /// The issuer key identifier (a hint).
    pub fn issuer_key_id(&self) -> &[u8; KEY_ID_LEN] {
        &self.issuer_key_id
    }
    /// The certified key.
    pub fn subject_key(&self) -> &VerifyingKey {
        &self.subject_key
    }
    /// The subject's identifier.
    pub fn subject_id(&self) -> &str {
        &self.subject_id
    }
    /// The subject's display name.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
    /// The subject's role.
    pub fn role(&self) -> Role {
        self.role
    }
    /// Allowed key usages.
    pub fn usage(&self) -> KeyUsage {
        self.usage
    }
    /// Start of validity (inclusive).
    pub fn not_before(&self) -> u64 {
        self.not_before
    }
    /// End of validity (exclusive).
    pub fn not_after(&self) -> u64 {
        self.not_after
    }
    /// CA certificates allowed below this one.
    pub fn path_len(&self) -> u32 {
        self.path_len
    }
    /// Credential document types this certificate names, strictly ascending:
    /// what its key may issue (credential issuing) or certify below it
    /// (certificate issuing). Empty for a certificate without the field.
    pub fn credential_types(&self) -> &[String] {
        &self.credential_types
    }
    /// True when [`Self::credential_types`] holds `doc_type` (exact match).
    pub fn names_credential_type(&self, doc_type: &str) -> bool {
        self.credential_types.binary_search_by(|t| t.as_str().cmp(doc_type)).is_ok()
    }
    /// True when the certificate is valid at `t`.
    pub fn valid_at(&self, t: u64) -> bool {
        self.not_before <= t && t < self.not_after
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("serial", &self.serial)
            .field("subject_id", &self.subject_id)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("usage", &self.usage)
            .field("validity", &(self.not_before, self.not_after))
            .field("subject_key", &self.subject_key)
            .field("credential_types", &self.credential_types)
            .finish()
    }
}

/// The decode rule of `credential_types` (SPEC.md §11.3): each well-formed,
/// strictly ascending bytewise (so no repeats), and only on a certificate
/// whose key issues credentials or certificates. The count was capped by the
/// wire scan before decoding.
fn check_credential_types(types: &[String], usage: KeyUsage) -> Result<(), DecodeError> {
    if types.is_empty() {
        return Ok(());
    }
    if !usage.contains(KeyUsage::CREDENTIAL_ISSUING) && !usage.contains(KeyUsage::CERTIFICATE_ISSUING) {
        return Err(DecodeError::Invalid("certificate.credential_types without an issuing usage"));
    }
    if !types.iter().all(|t| is_credential_type(t)) {
        return Err(DecodeError::Invalid("certificate.credential_types"));
    }
    if !types.windows(2).all(|w| matches!(w, [a, b] if a.as_bytes() < b.as_bytes())) {
        return Err(DecodeError::Invalid("certificate.credential_types order"));
    }
    Ok(())
}
