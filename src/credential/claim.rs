//! Claims and their salted disclosures (SPEC.md §14.2).
//!
//! ```text
//! Disclosure = { format 0x5201, salt (16..32 random bytes), name, value }
//! digest     = SHA-256(len(label) || label || disclosure bytes)
//!              label = HASH_CREDENTIAL_CLAIM
//! ```
//!
//! The credential carries only digests. A verifier learns a claim only from
//! its disclosure; the 128-bit salt makes guessing an undisclosed value
//! (a birth date has about 2^15 candidates) as hard as guessing the salt.

use super::error::CredentialError;
use super::limits::{MAX_CLAIM_NAME_LEN, MAX_CLAIM_TEXT_LEN, MAX_DISCLOSURE_LEN, MAX_SALT_LEN, MIN_SALT_LEN, SALT_LEN};
use crate::labels;
use crate::wire::{self, DecodeError, credential as pb, format};
use core::fmt;
use prost::Message;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

/// Length of a claim digest.
pub const DIGEST_LEN: usize = 32;

/// `SHA-256(len(label) || label || part_0 || part_1 ...)`.
pub(crate) fn labelled_sha256(label: &str, parts: &[&[u8]]) -> [u8; DIGEST_LEN] {
    let mut h = Sha256::new();
    h.update([u8::try_from(label.len()).unwrap_or(u8::MAX)]);
    h.update(label.as_bytes());
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// A calendar date, as claims carry them (`YYYYMMDD` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A valid Gregorian date, years 1..=9999.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        ((1..=9999).contains(&year) && (1..=days).contains(&day)).then_some(Self { year, month, day })
    }

    /// Parses the wire form `YYYYMMDD`.
    pub fn from_u32(v: u32) -> Option<Self> {
        let year = u16::try_from(v / 10_000).ok()?;
        Self::new(year, u8::try_from(v / 100 % 100).ok()?, u8::try_from(v % 100).ok()?)
    }

    /// The wire form `YYYYMMDD`.
    pub fn to_u32(self) -> u32 {
        u32::from(self.year) * 10_000 + u32::from(self.month) * 100 + u32::from(self.day)
    }

    /// Year.
    pub fn year(self) -> u16 {
        self.year
    }
    /// Month, 1..=12.
    pub fn month(self) -> u8 {
        self.month
    }
    /// Day of the month.
    pub fn day(self) -> u8 {
        self.day
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The value of a claim.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClaimValue {
    /// Text in any script (names in Cyrillic and Latin, addresses...).
    Text(String),
    /// A whole number.
    Integer(i64),
    /// A date.
    Date(Date),
    /// A predicate the issuer computed (`age_over_18`, `enrolled`...).
    Bool(bool),
    /// The SHA-256 digest of a binary object, such as a photo the verifier
    /// receives separately and hashes.
    Sha256([u8; 32]),
}

impl ClaimValue {
    fn to_wire(&self) -> pb::ClaimValue {
        use pb::claim_value::Kind;
        let kind = match self {
            ClaimValue::Text(s) => Kind::Text(s.clone()),
            ClaimValue::Integer(i) => Kind::Integer(*i),
            ClaimValue::Date(d) => Kind::Date(d.to_u32()),
            ClaimValue::Bool(b) => Kind::Boolean(*b),
            ClaimValue::Sha256(h) => Kind::Sha256(h.to_vec()),
        };
        pb::ClaimValue { kind: Some(kind) }
    }

    fn from_wire(w: &pb::ClaimValue) -> Result<Self, CredentialError> {
        use pb::claim_value::Kind;
        Ok(match w.kind.as_ref().ok_or(DecodeError::Missing("disclosure.value"))? {
            Kind::Text(s) => {
                check_text(s)?;
                ClaimValue::Text(s.clone())
            }
            Kind::Integer(i) => ClaimValue::Integer(*i),
            Kind::Date(d) => ClaimValue::Date(Date::from_u32(*d).ok_or(CredentialError::BadDate)?),
            Kind::Boolean(b) => ClaimValue::Bool(*b),
            Kind::Sha256(h) => ClaimValue::Sha256(wire::fixed::<32>("disclosure.value.sha256", h)?),
        })
    }
}

impl fmt::Display for ClaimValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimValue::Text(s) => f.write_str(s),
            ClaimValue::Integer(i) => write!(f, "{i}"),
            ClaimValue::Date(d) => write!(f, "{d}"),
            ClaimValue::Bool(b) => write!(f, "{b}"),
            ClaimValue::Sha256(h) => write!(f, "sha256:{}", crate::crypto::fmt_public::hex_prefix(h)),
        }
    }
}

fn check_text(s: &str) -> Result<(), CredentialError> {
    if s.len() > MAX_CLAIM_TEXT_LEN { Err(CredentialError::TooLong("claim text")) } else { Ok(()) }
}

/// Claim names: 1..=64 bytes of `[a-z0-9_.-]`.
pub(crate) fn check_name(name: &str) -> Result<(), CredentialError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_CLAIM_NAME_LEN
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
    if ok { Ok(()) } else { Err(CredentialError::BadClaimName) }
}

/// A named claim, as an issuer states it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Claim {
    /// The claim's name (`family_name`, `birth_date`, `age_over_18`...).
    pub name: String,
    /// Its value.
    pub value: ClaimValue,
}

impl Claim {
    /// A claim.
    pub fn new(name: impl Into<String>, value: ClaimValue) -> Self {
        Self { name: name.into(), value }
    }
    /// A text claim.
    pub fn text(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self::new(name, ClaimValue::Text(value.into()))
    }
    /// A predicate claim.
    pub fn boolean(name: impl Into<String>, value: bool) -> Self {
        Self::new(name, ClaimValue::Bool(value))
    }
    /// A date claim; `None` if the date is invalid.
    pub fn date(name: impl Into<String>, year: u16, month: u8, day: u8) -> Option<Self> {
        Some(Self::new(name, ClaimValue::Date(Date::new(year, month, day)?)))
    }
    /// A number claim.
    pub fn integer(name: impl Into<String>, value: i64) -> Self {
        Self::new(name, ClaimValue::Integer(value))
    }
}

/// One claim with its salt: exactly the bytes its digest commits to. The
/// salt is wiped on drop and never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Disclosure {
    bytes: Zeroizing<Vec<u8>>,
    digest: [u8; DIGEST_LEN],
    salt: Zeroizing<Vec<u8>>,
    claim: Claim,
}

impl Disclosure {
    /// Salts `claim` with fresh randomness.
    pub(crate) fn seal<R: rand_core::CryptoRng + ?Sized>(claim: &Claim, rng: &mut R) -> Result<Self, CredentialError> {
        check_name(&claim.name)?;
        if let ClaimValue::Text(s) = &claim.value {
            check_text(s)?;
        }
        let mut salt = Zeroizing::new(vec![0u8; SALT_LEN]);
        rng.fill_bytes(&mut salt);
        let mut w = pb::Disclosure {
            format: format::DISCLOSURE,
            salt: salt.to_vec(),
            name: claim.name.clone(),
            value: Some(claim.value.to_wire()),
        };
        let bytes = Zeroizing::new(w.encode_to_vec());
        w.salt.zeroize();
        if bytes.len() > MAX_DISCLOSURE_LEN {
            return Err(CredentialError::TooLong("disclosure"));
        }
        Ok(Self {
            digest: labelled_sha256(labels::HASH_CREDENTIAL_CLAIM, &[&bytes]),
            bytes,
            salt,
            claim: claim.clone(),
        })
    }

    /// Decodes a disclosure: canonical, known format, salt of 16..=32 bytes,
    /// valid name and value.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CredentialError> {
        let mut w: pb::Disclosure = wire::decode_typed(bytes, MAX_DISCLOSURE_LEN, format::DISCLOSURE, &[])?;
        let r = Self::from_wire(bytes, &w);
        w.salt.zeroize();
        r
    }

    fn from_wire(bytes: &[u8], w: &pb::Disclosure) -> Result<Self, CredentialError> {
        if !(MIN_SALT_LEN..=MAX_SALT_LEN).contains(&w.salt.len()) {
            return Err(
                DecodeError::WrongLength { field: "disclosure.salt", len: w.salt.len(), expected: SALT_LEN }.into()
            );
        }
        check_name(&w.name)?;
        let value = ClaimValue::from_wire(w.value.as_ref().ok_or(DecodeError::Missing("disclosure.value"))?)?;
        Ok(Self {
            bytes: Zeroizing::new(bytes.to_vec()),
            digest: labelled_sha256(labels::HASH_CREDENTIAL_CLAIM, &[bytes]),
            salt: Zeroizing::new(w.salt.clone()),
            claim: Claim { name: w.name.clone(), value },
        })
    }

    /// The exact encoded bytes.
    pub fn to_bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// The digest committed in the credential.
    pub fn digest(&self) -> &[u8; DIGEST_LEN] {
        &self.digest
    }
    /// The claim.
    pub fn claim(&self) -> &Claim {
        &self.claim
    }
    /// The claim's name.
    pub fn name(&self) -> &str {
        &self.claim.name
    }
    /// The claim's value.
    pub fn value(&self) -> &ClaimValue {
        &self.claim.value
    }
    #[cfg(test)]
    pub(crate) fn salt(&self) -> &[u8] {
        &self.salt
    }
}

impl Drop for Disclosure {
    fn drop(&mut self) {
        // Salt and bytes are `Zeroizing`; the decoded claim is personal data too.
        self.claim.name.zeroize();
        if let ClaimValue::Text(s) = &mut self.claim.value {
            s.zeroize();
        }
    }
}

impl fmt::Debug for Disclosure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Disclosure")
            .field("name", &self.claim.name)
            .field("digest", &crate::crypto::fmt_public::hex_prefix(&self.digest))
            .finish_non_exhaustive()
    }
}
