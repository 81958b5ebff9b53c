//! The signed-document envelope (SPEC.md §11.6): a detached (or small inline)
//! document binding, several parallel signers, countersignatures, timestamps,
//! and the certificates and status lists needed to validate offline later.
//!
//! ```text
//! Envelope = { format 0x4702, payload_type, document_digest = SHA-512(doc),
//!              document_length, inline_payload?, signers[], certificates[],
//!              status_lists[], archive_timestamps[] }
//! SignerInfo = { signed_attributes = encode(SignedAttributes), signature,
//!                timestamps[] = encode(TimestampToken over signature) }
//! ArchiveTimestamp = { token over archive_imprint(k), certificates, status_lists }
//! archive_imprint(k) = SHA-512(u8(len L) || L || lp(payload_type) || lp(digest)
//!     || u64be(length) || u64be(#signers)
//!     || per signer: lp(signed_attributes) || lp(signature)
//!                    || u64be(#timestamps) || per token: lp(token)
//!     || u64be(c_k) || lp(certificate) for the first c_k carried
//!     || u64be(s_k) || lp(status list) for the first s_k carried
//!     || u64be(k) || per earlier archive j < k: lp(token_j) || u64be(c_j) || u64be(s_j))
//!   L = HASH_ARCHIVE_TIMESTAMP, lp(x) = u64be(len x) || x
//! ```
//!
//! Once an archive timestamp is added the signatures are sealed: no signer,
//! countersigner or signature timestamp may be added; certificates and
//! status lists may still be appended (validation material for the next
//! re-stamping). Version-1 envelopes (0x4701, no archive timestamps) still
//! decode and re-encode byte-exactly.
//!
//! SHA-512 pairs with Ed25519 as RFC 8419 §3 prescribes for CMS signed
//! attributes: one hash family across the construction, 256-bit collision
//! resistance to match the signature's security level.

use super::attributes::SignedAttributes;
use super::cert::{CertError, Certificate, sha512};
use super::limits::{DocumentLimits, MAX_PAYLOAD_TYPE_LEN};
use super::signing_input::envelope_signing_input;
use super::status::{StatusError, StatusList};
use super::timestamp::{TimestampError, TimestampRequest, TimestampToken};
use super::usage::Commitment;
use crate::crypto::sig::{Signature, SigningKey};
use crate::wire::{self, Cap, DecodeError, document as pb, format};
use prost::Message;

/// Why an envelope could not be built or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The bytes are not a canonical envelope encoding.
    #[error("envelope encoding: {0}")]
    Decode(#[from] DecodeError),
    /// A carried certificate is malformed.
    #[error("carried certificate: {0}")]
    Certificate(#[from] CertError),
    /// A carried status list is malformed.
    #[error("carried status list: {0}")]
    StatusList(#[from] StatusError),
    /// A carried timestamp token is malformed.
    #[error("carried timestamp: {0}")]
    Timestamp(#[from] TimestampError),
    /// The payload type is empty, too long, holds a byte outside printable
    /// ASCII, or has no `/` (SPEC.md §11.6).
    #[error("invalid payload type: {0}")]
    PayloadType(PayloadTypeError),
    /// The inline payload exceeds the limit.
    #[error("inline payload of {len} bytes exceeds {max}")]
    InlineTooLarge {
        /// Payload length.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// The inline payload does not match the digest or length.
    #[error("inline payload does not match the document digest")]
    InlineMismatch,
    /// Another signature would exceed the limit.
    #[error("too many signers (limit {0})")]
    TooManySigners(usize),
    /// Too many timestamps, certificates or status lists.
    #[error("too many {0}")]
    TooMany(&'static str),
    /// The signing key is not the key its certificate certifies.
    #[error("signing key does not match the certificate")]
    KeyMismatch,
    /// A countersignature names a signer that does not precede it.
    #[error("countersignature target {0} is not an earlier signer")]
    BadTarget(usize),
    /// The signed attributes are malformed.
    #[error("signed attributes: {0}")]
    Attributes(DecodeError),
    /// The envelope carries an archive timestamp, so its signatures are sealed.
    #[error("the envelope is sealed by an archive timestamp")]
    Sealed,
    /// With the archive timestamp added, a signature would not verify (the
    /// previous TSA's certificate expired or was revoked before the re-stamp,
    /// status is missing, the token is bad...): re-stamping is refused.
    #[error("archive timestamp refused: signature {index} would not verify: {failure}")]
    ArchiveRefused {
        /// The first signature that fails.
        index: usize,
        /// Its first failure.
        failure: super::report::Failure,
    },
    /// An archive timestamp covers more certificates or status lists than
    /// carried, or fewer than an earlier one.
    #[error("archive timestamp {0} covers an impossible prefix")]
    ArchiveCoverage(usize),
}

/// One archive timestamp of an envelope (SPEC.md §11.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveEntry {
    token: TimestampToken,
    certificates: usize,
    status_lists: usize,
}

impl ArchiveEntry {
    /// The token over the archive imprint.
    pub fn token(&self) -> &TimestampToken {
        &self.token
    }
    /// How many of the carried certificates it covers (the first ones).
    pub fn certificates(&self) -> usize {
        self.certificates
    }
    /// How many of the carried status lists it covers (the first ones).
    pub fn status_lists(&self) -> usize {
        self.status_lists
    }
}

/// What is wrong with a payload (media) type. The rule (SPEC.md §11.6): 1 to
/// [`MAX_PAYLOAD_TYPE_LEN`] bytes, each printable ASCII (`0x20..=0x7e`, so
/// parameters such as `text/plain; charset=utf-8` are allowed), with a `/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadTypeError {
    /// The type is empty.
    #[error("it is empty")]
    Empty,
    /// The type is longer than the limit.
    #[error("it is {len} bytes long, limit {max}")]
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A byte is a control character, DEL, or not ASCII.
    #[error("byte {byte:#04x} at offset {offset} is not printable ASCII (0x20..=0x7e)")]
    NotPrintable {
        /// Offset of the first such byte.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// The type has no `/` between type and subtype.
    #[error("it has no '/' between type and subtype")]
    NoSlash,
}

/// One signature in an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerEntry {
    attrs_bytes: Vec<u8>,
    attrs: SignedAttributes,
    signature: Signature,
    timestamps: Vec<TimestampToken>,
}

impl SignerEntry {
    /// The signed attributes.
    pub fn attributes(&self) -> &SignedAttributes {
        &self.attrs
    }
    /// The signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }
    /// Timestamp tokens over the signature.
    pub fn timestamps(&self) -> &[TimestampToken] {
        &self.timestamps
    }
}

/// A signed-document envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    payload_type: String,
    digest: [u8; 64],
    length: u64,
    inline: Option<Vec<u8>>,
    signers: Vec<SignerEntry>,
    certificates: Vec<Certificate>,
    status_lists: Vec<StatusList>,
    archive: Vec<ArchiveEntry>,
    /// 1 for an envelope decoded from format 0x4701 and not re-stamped since.
    version: u8,
    limits: DocumentLimits,
}

fn lp(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn u64be(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&(v as u64).to_be_bytes());
}

fn check_payload_type(t: &str) -> Result<(), EnvelopeError> {
    payload_type_rule(t).map_err(EnvelopeError::PayloadType)
}

fn payload_type_rule(t: &str) -> Result<(), PayloadTypeError> {
    if t.is_empty() {
        return Err(PayloadTypeError::Empty);
    }
    if t.len() > MAX_PAYLOAD_TYPE_LEN {
        return Err(PayloadTypeError::TooLong { len: t.len(), max: MAX_PAYLOAD_TYPE_LEN });
    }
    if let Some((offset, &byte)) = t.as_bytes().iter().enumerate().find(|(_, b)| !(0x20..=0x7e).contains(*b)) {
        return Err(PayloadTypeError::NotPrintable { offset, byte });
    }
    if !t.contains('/') {
        return Err(PayloadTypeError::NoSlash);
    }
    Ok(())
}

impl Envelope {
    /// A new envelope over `document`, unsigned. With `inline`, the document
    /// travels inside (up to the inline limit); otherwise it is detached.
    pub fn new(
        payload_type: &str,
        document: &[u8],
        inline: bool,
        limits: &DocumentLimits,
    ) -> Result<Self, EnvelopeError> {
        check_payload_type(payload_type)?;
        if inline && document.len() > limits.max_inline_payload {
            return Err(EnvelopeError::InlineTooLarge { len: document.len(), max: limits.max_inline_payload });
        }
        Ok(Self {
            payload_type: payload_type.to_owned(),
            digest: sha512(document),
            length: document.len() as u64,
            inline: inline.then(|| document.to_vec()),
            signers: Vec::new(),
            certificates: Vec::new(),
            status_lists: Vec::new(),
            archive: Vec::new(),
            version: 2,
            limits: *limits,
        })
    }

    /// Adds a signature over the document by the holder of `cert`'s key;
    /// returns its index. `cert` joins the carried certificates.
    pub fn sign(
        &mut self,
        key: &SigningKey,
        cert: &Certificate,
        commitment: Commitment,
        claimed_time: u64,
    ) -> Result<usize, EnvelopeError> {
        self.add_signer(key, cert, commitment, claimed_time, None)
    }

    /// Adds a countersignature over signature `target` (an earlier signer).
    pub fn countersign(
        &mut self,
        target: usize,
        key: &SigningKey,
        cert: &Certificate,
        commitment: Commitment,
        claimed_time: u64,
    ) -> Result<usize, EnvelopeError> {
        if target >= self.signers.len() {
            return Err(EnvelopeError::BadTarget(target));
        }
        self.add_signer(key, cert, commitment, claimed_time, Some(target))
    }

    /// Signs with a 1:1 device identity's Ed25519 key (certified in `cert`).
    pub fn sign_with_identity(
        &mut self,
        identity: &crate::DeviceIdentity,
        cert: &Certificate,
        commitment: Commitment,
        claimed_time: u64,
    ) -> Result<usize, EnvelopeError> {
        self.add_signer(identity.signing_key(), cert, commitment, claimed_time, None)
    }

    fn add_signer(
        &mut self,
        key: &SigningKey,
        cert: &Certificate,
        commitment: Commitment,
        claimed_time: u64,
        target: Option<usize>,
    ) -> Result<usize, EnvelopeError> {
        if !self.archive.is_empty() {
            return Err(EnvelopeError::Sealed);
        }
        if self.signers.len() >= self.limits.max_signers {
            return Err(EnvelopeError::TooManySigners(self.limits.max_signers));
        }
        if &key.verifying_key() != cert.subject_key() {
            return Err(EnvelopeError::KeyMismatch);
        }
        let attrs = SignedAttributes {
            claimed_signing_time: claimed_time,
            commitment,
            signer_role: cert.role(),
            signer_certificate_hash: *cert.hash(),
            countersigns: target,
        };
        let attrs_bytes = attrs.encode();
        let target_sig = match target {
            Some(t) => Some(*self.signers.get(t).ok_or(EnvelopeError::BadTarget(t))?.signature()),
            None => None,
        };
        let (ctx, msg) =
            envelope_signing_input(&self.payload_type, &self.digest, self.length, target_sig.as_ref(), &attrs_bytes);
        let signature = key.sign(ctx, &msg);
        self.add_certificate(cert)?;
        self.signers.push(SignerEntry { attrs_bytes, attrs, signature, timestamps: Vec::new() });
        Ok(self.signers.len() - 1)
    }

    /// A timestamp request for signer `index`'s signature.
    pub fn timestamp_request<R: rand_core::CryptoRng + ?Sized>(
        &self,
        index: usize,
        rng: &mut R,
    ) -> Option<TimestampRequest> {
        self.signers.get(index).map(|s| TimestampRequest::for_signature(&s.signature, rng))
    }

    /// Attaches a timestamp token to signer `index`.
    pub fn add_timestamp(&mut self, index: usize, token: TimestampToken) -> Result<(), EnvelopeError> {
        if !self.archive.is_empty() {
            return Err(EnvelopeError::Sealed);
        }
        let max = self.limits.max_timestamps;
        let s = self.signers.get_mut(index).ok_or(EnvelopeError::BadTarget(index))?;
        if s.timestamps.len() >= max {
            return Err(EnvelopeError::TooMany("timestamps"));
        }
        s.timestamps.push(token);
        Ok(())
    }

    /// Carries a certificate (a chain member, a TSA's) for offline validation.
    pub fn add_certificate(&mut self, cert: &Certificate) -> Result<(), EnvelopeError> {
        if self.certificates.iter().any(|c| c.hash() == cert.hash()) {
            return Ok(());
        }
        if self.certificates.len() >= self.limits.max_certificates {
            return Err(EnvelopeError::TooMany("certificates"));
        }
        self.certificates.push(cert.clone());
        Ok(())
    }

    /// Carries a status list for offline validation.
    pub fn add_status_list(&mut self, list: &StatusList) -> Result<(), EnvelopeError> {
        if self.status_lists.len() >= self.limits.max_status_lists {
            return Err(EnvelopeError::TooMany("status lists"));
        }
        self.status_lists.push(list.clone());
        Ok(())
    }

    /// The archive imprint the next archive timestamp must stamp: over the
    /// signatures, their timestamps, every certificate and status list now
    /// carried, and the earlier archive timestamps (module docs).
    pub fn archive_imprint(&self) -> [u8; 64] {
        self.imprint_for(self.archive.len(), self.certificates.len(), self.status_lists.len())
    }

    /// The imprint archive timestamp `k` must carry, from its recorded coverage.
    pub(crate) fn archive_imprint_of(&self, k: usize) -> Option<[u8; 64]> {
        let a = self.archive.get(k)?;
        Some(self.imprint_for(k, a.certificates, a.status_lists))
    }

    fn imprint_for(&self, k: usize, certs: usize, lists: usize) -> [u8; 64] {
        let mut m = Vec::new();
        let label = crate::labels::HASH_ARCHIVE_TIMESTAMP.as_bytes();
        m.push(label.len() as u8);
        m.extend_from_slice(label);
        lp(&mut m, self.payload_type.as_bytes());
        lp(&mut m, &self.digest);
        m.extend_from_slice(&self.length.to_be_bytes());
        u64be(&mut m, self.signers.len());
        for s in &self.signers {
            lp(&mut m, &s.attrs_bytes);
            lp(&mut m, s.signature.as_bytes());
            u64be(&mut m, s.timestamps.len());
            for t in &s.timestamps {
                lp(&mut m, t.to_bytes());
            }
        }
        u64be(&mut m, certs);
        for c in self.certificates.iter().take(certs) {
            lp(&mut m, c.to_bytes());
        }
        u64be(&mut m, lists);
        for l in self.status_lists.iter().take(lists) {
            lp(&mut m, l.to_bytes());
        }
        u64be(&mut m, k);
        for a in self.archive.iter().take(k) {
            lp(&mut m, a.token.to_bytes());
            u64be(&mut m, a.certificates);
            u64be(&mut m, a.status_lists);
        }
        sha512(&m)
    }

    /// A timestamp request for the next archive timestamp.
    pub fn archive_timestamp_request<R: rand_core::CryptoRng + ?Sized>(&self, rng: &mut R) -> TimestampRequest {
        TimestampRequest::for_imprint(self.archive_imprint(), rng)
    }

    /// Adds an archive timestamp over [`Self::archive_imprint`], covering
    /// every certificate and status list carried now; seals the signatures.
    /// Add the validation material first (the previous TSA's certificates
    /// and status lists fresh for now), then stamp: SPEC.md §11.5.
    pub fn add_archive_timestamp(&mut self, token: TimestampToken) -> Result<(), EnvelopeError> {
        if token.imprint() != &self.archive_imprint() {
            return Err(EnvelopeError::Timestamp(TimestampError::ImprintMismatch));
        }
        if self.archive.len() >= self.limits.max_archive_timestamps {
            return Err(EnvelopeError::TooMany("archive timestamps"));
        }
        self.archive.push(ArchiveEntry {
            token,
            certificates: self.certificates.len(),
            status_lists: self.status_lists.len(),
        });
        self.version = 2;
        Ok(())
    }

    /// As [`Self::add_archive_timestamp`], but the archiver's check first:
    /// with the token added, every signature must verify under `policy` at
    /// `now` (the document itself is not needed). Refused
    /// ([`EnvelopeError::ArchiveRefused`]) when re-stamping comes too late,
    /// after the previous TSA's certificate expired or was revoked; the
    /// envelope is then unchanged.
    pub fn add_archive_timestamp_checked(
        &mut self,
        token: TimestampToken,
        policy: &super::policy::VerificationPolicy,
        now: u64,
    ) -> Result<(), EnvelopeError> {
        let mut next = self.clone();
        next.add_archive_timestamp(token)?;
        let report = super::verify::verify_signatures(&next, policy, now);
        if let Some(s) = report.signatures.iter().find(|s| !s.is_valid()) {
            let failure = s.first_failure().cloned().unwrap_or(super::report::Failure::BadSignature);
            return Err(EnvelopeError::ArchiveRefused { index: s.index, failure });
        }
        *self = next;
        Ok(())
    }

    /// The archive timestamps, oldest first.
    pub fn archive_timestamps(&self) -> &[ArchiveEntry] {
        &self.archive
    }

    /// The format version: 1 (decoded from 0x4701, never re-stamped) or 2.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Encodes the envelope (format 0x4702; 0x4701 for a v1 envelope decoded
    /// and not re-stamped, byte-exactly as received).
    pub fn to_bytes(&self) -> Vec<u8> {
        pb::Envelope {
            format: if self.version == 1 { format::ENVELOPE_V1 } else { format::ENVELOPE },
            payload_type: self.payload_type.clone(),
            document_digest: self.digest.to_vec(),
            document_length: self.length,
            inline_payload: self.inline.clone().unwrap_or_default(),
            signers: self
                .signers
                .iter()
                .map(|s| pb::SignerInfo {
                    signed_attributes: s.attrs_bytes.clone(),
                    signature: s.signature.to_bytes().to_vec(),
                    timestamps: s.timestamps.iter().map(|t| t.to_bytes().to_vec()).collect(),
                })
                .collect(),
            certificates: self.certificates.iter().map(|c| c.to_bytes().to_vec()).collect(),
            status_lists: self.status_lists.iter().map(|l| l.to_bytes().to_vec()).collect(),
            archive_timestamps: self
                .archive
                .iter()
                .map(|a| pb::ArchiveTimestamp {
                    token: a.token.to_bytes().to_vec(),
                    certificates: u32::try_from(a.certificates).unwrap_or(u32::MAX),
                    status_lists: u32::try_from(a.status_lists).unwrap_or(u32::MAX),
                })
                .collect(),
        }
        .encode_to_vec()
    }

    /// Decodes an envelope: size cap, counts capped before prost allocates,
    /// canonical encoding of the envelope and of every nested signed part.
    pub fn from_bytes(bytes: &[u8], limits: &DocumentLimits) -> Result<Self, EnvelopeError> {
        let timestamps = [Cap::new(3, "timestamps", limits.max_timestamps)];
        let caps = [
            Cap::new(6, "signers", limits.max_signers).within(&timestamps),
            Cap::new(7, "certificates", limits.max_certificates),
            Cap::new(8, "status_lists", limits.max_status_lists),
            // Each entry holds at least a token (key, length, token bytes).
            Cap::new(9, "archive_timestamps", limits.max_archive_timestamps).min_len(2),
        ];
        let v1 = wire::peek_format(bytes)? == format::ENVELOPE_V1;
        let fmt = if v1 { format::ENVELOPE_V1 } else { format::ENVELOPE };
        let e: pb::Envelope = wire::decode_typed(bytes, limits.max_envelope_len, fmt, &caps)?;
        if v1 && !e.archive_timestamps.is_empty() {
            return Err(EnvelopeError::Decode(DecodeError::Invalid("envelope.archive_timestamps")));
        }
        check_payload_type(&e.payload_type)?;
        let digest = wire::fixed::<64>("envelope.document_digest", &e.document_digest)?;
        let inline = if e.inline_payload.is_empty() {
            None
        } else {
            if e.inline_payload.len() > limits.max_inline_payload {
                return Err(EnvelopeError::InlineTooLarge {
                    len: e.inline_payload.len(),
                    max: limits.max_inline_payload,
                });
            }
            if e.inline_payload.len() as u64 != e.document_length || sha512(&e.inline_payload) != digest {
                return Err(EnvelopeError::InlineMismatch);
            }
            Some(e.inline_payload)
        };
        let mut signers = Vec::with_capacity(e.signers.len());
        for (i, s) in e.signers.into_iter().enumerate() {
            let attrs = SignedAttributes::decode(&s.signed_attributes).map_err(EnvelopeError::Attributes)?;
            if attrs.countersigns.is_some_and(|t| t >= i) {
                return Err(EnvelopeError::BadTarget(i));
            }
            let signature = Signature::from_field("signer.signature", &s.signature)?;
            let timestamps =
                s.timestamps.iter().map(|t| TimestampToken::from_bytes(t)).collect::<Result<Vec<_>, _>>()?;
            signers.push(SignerEntry { attrs_bytes: s.signed_attributes, attrs, signature, timestamps });
        }
        let certificates = e.certificates.iter().map(|c| Certificate::from_bytes(c)).collect::<Result<Vec<_>, _>>()?;
        let status_lists =
            e.status_lists.iter().map(|l| StatusList::from_bytes(l, limits)).collect::<Result<Vec<_>, _>>()?;
        let mut archive: Vec<ArchiveEntry> = Vec::with_capacity(e.archive_timestamps.len());
        for (k, a) in e.archive_timestamps.iter().enumerate() {
            let (c, l) = (a.certificates as usize, a.status_lists as usize);
            let monotone = archive.last().is_none_or(|p| p.certificates <= c && p.status_lists <= l);
            if c > certificates.len() || l > status_lists.len() || !monotone {
                return Err(EnvelopeError::ArchiveCoverage(k));
            }
            archive.push(ArchiveEntry {
                token: TimestampToken::from_bytes(&a.token)?,
                certificates: c,
                status_lists: l,
            });
        }
        Ok(Self {
            payload_type: e.payload_type,
            digest,
            length: e.document_length,
            inline,
            signers,
            certificates,
            status_lists,
            archive,
            version: if v1 { 1 } else { 2 },
            limits: *limits,
        })
    }

    /// The media type of the document.
    pub fn payload_type(&self) -> &str {
        &self.payload_type
    }
    /// SHA-512 of the document.
    pub fn document_digest(&self) -> &[u8; 64] {
        &self.digest
    }
    /// Length of the document in bytes.
    pub fn document_length(&self) -> u64 {
        self.length
    }
    /// The inline document, when carried.
    pub fn inline_payload(&self) -> Option<&[u8]> {
        self.inline.as_deref()
    }
    /// The signatures, in order.
    pub fn signers(&self) -> &[SignerEntry] {
        &self.signers
    }
    /// The carried certificates.
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }
    /// The carried status lists.
    pub fn status_lists(&self) -> &[StatusList] {
        &self.status_lists
    }

    /// The context and message signer `index` signed.
    pub(crate) fn signing_input_of(&self, index: usize) -> Option<(crate::labels::SigContext, Vec<u8>)> {
        let s = self.signers.get(index)?;
        let target = match s.attrs.countersigns {
            Some(t) => Some(self.signers.get(t)?.signature()),
            None => None,
        };
        Some(envelope_signing_input(&self.payload_type, &self.digest, self.length, target, &s.attrs_bytes))
    }
}
