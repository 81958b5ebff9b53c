//! Revocation status lists (SPEC.md §11.4): a compact bitstring indexed by
//! certificate serial, signed by the issuer of those certificates.
//!
//! ```text
//! StatusList = { format 0x4301, tbs = encode(StatusListTbs), signature }
//! signature  = Ed25519(issuer, SIG_STATUS_LIST, tbs)
//! revoked(serial) = bit (serial mod 8) of byte floor(serial / 8), serial < size
//! fresh for validation time t, verifier clock now:
//!     this_update <= now  and  t < next_update
//! ```
//!
//! General on purpose: credentials reuse it with credential serials.

use super::cert::{KEY_ID_LEN, key_id, sha512};
use super::limits::DocumentLimits;
use crate::crypto::sig::{BadSignature, Signature, SigningKey, VerifyingKey};
use crate::labels;
use crate::wire::{self, DecodeError, document as pb, format};
use core::fmt;
use prost::Message;

/// Why a status list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// The bytes are not a canonical status list encoding.
    #[error("status list encoding: {0}")]
    Decode(#[from] DecodeError),
    /// The list covers more serials than the limit allows.
    #[error("status list covers {size} serials, limit {max}")]
    TooManySerials {
        /// Serials covered.
        size: u64,
        /// The cap.
        max: u64,
    },
    /// The bitstring's length does not match the size, or bits past the size are set.
    #[error("status list bitstring is inconsistent with its size")]
    Inconsistent,
    /// `next_update <= this_update`.
    #[error("status list update window is empty")]
    EmptyWindow,
    /// A serial to revoke is outside the list.
    #[error("serial {0} is outside the list")]
    SerialOutOfRange(u64),
}

/// A decoded status list. Holding one says nothing about who signed it.
#[derive(Clone, PartialEq, Eq)]
pub struct StatusList {
    bytes: Vec<u8>,
    hash: [u8; 64],
    tbs: Vec<u8>,
    signature: Signature,
    issuer_key_id: [u8; KEY_ID_LEN],
    this_update: u64,
    next_update: u64,
    size: u64,
    revoked: Vec<u8>,
}

impl StatusList {
    /// Issues a list covering serials `0..size`, with `revoked` set.
    pub fn issue(
        issuer: &SigningKey,
        this_update: u64,
        next_update: u64,
        size: u64,
        revoked: &[u64],
        limits: &DocumentLimits,
    ) -> Result<Self, StatusError> {
        if size > limits.max_status_list_serials {
            return Err(StatusError::TooManySerials { size, max: limits.max_status_list_serials });
        }
        let len = usize::try_from(size.div_ceil(8)).map_err(|_| StatusError::Inconsistent)?;
        let mut bits = vec![0u8; len];
        for &serial in revoked {
            if serial >= size {
                return Err(StatusError::SerialOutOfRange(serial));
            }
            let byte = usize::try_from(serial / 8).map_err(|_| StatusError::SerialOutOfRange(serial))?;
            if let Some(b) = bits.get_mut(byte) {
                *b |= 1 << (serial % 8);
            }
        }
        let tbs = pb::StatusListTbs {
            format: format::STATUS_LIST_TBS,
            issuer_key_id: key_id(&issuer.verifying_key()).to_vec(),
            this_update,
            next_update,
            size,
            revoked: bits,
        }
        .encode_to_vec();
        let signature = issuer.sign(labels::SIG_STATUS_LIST, &tbs);
        let bytes = pb::StatusList { format: format::STATUS_LIST, tbs, signature: signature.to_bytes().to_vec() }
            .encode_to_vec();
        Self::from_bytes(&bytes, limits)
    }

    /// Decodes a status list (form only; the signature is checked against an
    /// issuer during validation).
    pub fn from_bytes(bytes: &[u8], limits: &DocumentLimits) -> Result<Self, StatusError> {
        let max = limits.max_status_list_len();
        let outer: pb::StatusList = wire::decode_typed(bytes, max, format::STATUS_LIST, &[])?;
        let signature = Signature::from_field("status_list.signature", &outer.signature)?;
        let t: pb::StatusListTbs = wire::decode_typed(&outer.tbs, max, format::STATUS_LIST_TBS, &[])?;
        let issuer_key_id = wire::fixed::<KEY_ID_LEN>("status_list.issuer_key_id", &t.issuer_key_id)?;
        if t.size > limits.max_status_list_serials {
            return Err(StatusError::TooManySerials { size: t.size, max: limits.max_status_list_serials });
        }
        if t.next_update <= t.this_update {
            return Err(StatusError::EmptyWindow);
        }
        let expected_len = usize::try_from(t.size.div_ceil(8)).map_err(|_| StatusError::Inconsistent)?;
        if t.revoked.len() != expected_len {
            return Err(StatusError::Inconsistent);
        }
        // Bits past `size` must be zero, so each list has one encoding.
        let spare = (expected_len as u64) * 8 - t.size;
        if spare > 0 {
            let last = t.revoked.last().copied().unwrap_or(0);
            if last >> (8 - spare) != 0 {
                return Err(StatusError::Inconsistent);
            }
        }
        Ok(Self {
            bytes: bytes.to_vec(),
            hash: sha512(bytes),
            tbs: outer.tbs,
            signature,
            issuer_key_id,
            this_update: t.this_update,
            next_update: t.next_update,
            size: t.size,
            revoked: t.revoked,
        })
    }

    /// The exact encoded bytes.
    pub fn to_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// SHA-512 of the encoded bytes (the cache key).
    pub(crate) fn hash(&self) -> &[u8; 64] {
        &self.hash
    }

    /// True when `issuer` signed this list.
    pub(crate) fn verify_signature(&self, issuer: &VerifyingKey) -> Result<(), BadSignature> {
        issuer.verify(labels::SIG_STATUS_LIST, &self.tbs, &self.signature)
    }

    /// The issuer key identifier (a hint).
    pub fn issuer_key_id(&self) -> &[u8; KEY_ID_LEN] {
        &self.issuer_key_id
    }
    /// When the list was issued.
    pub fn this_update(&self) -> u64 {
        self.this_update
    }
    /// When the next list is due; the list says nothing about later times.
    pub fn next_update(&self) -> u64 {
        self.next_update
    }
    /// Serials covered: `0..size`.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// `Some(true)` when `serial` is revoked, `None` when the list does not cover it.
    pub fn is_revoked(&self, serial: u64) -> Option<bool> {
        if serial >= self.size {
            return None;
        }
        let byte = self.revoked.get(usize::try_from(serial / 8).ok()?)?;
        Some(byte >> (serial % 8) & 1 == 1)
    }

    /// True when the list speaks for validation time `t` as seen at `now`.
    pub fn fresh_for(&self, t: u64, now: u64) -> bool {
        self.this_update <= now && t < self.next_update
    }
}

/// What the authentic lists supplied say of one serial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// An authentic list marks it revoked.
    Revoked,
    /// Authentic lists cover it and none marks it revoked; `fresh` when one
    /// of them speaks for the validation time, `next_update` the latest.
    Good { fresh: bool, next_update: u64 },
    /// No authentic list covers it.
    Unknown,
}

/// A memory of status-list signatures already checked (the chain cache is
/// one). Path checking and status lookups see only this seam, so they do not
/// depend on the cache that stores their results.
pub(crate) trait StatusSignatures {
    /// True when `list` verifies under `issuer` (remembering the answer as
    /// the implementation sees fit).
    fn status_list_verified(&mut self, list: &StatusList, issuer: &VerifyingKey) -> bool;
}

/// The standing of `serial` among `lists`, counting only lists signed by
/// `issuer` (signatures remembered in `cache` when given).
pub(crate) fn standing<C: StatusSignatures + ?Sized>(
    lists: &[StatusList],
    issuer: &VerifyingKey,
    serial: u64,
    t: u64,
    now: u64,
    mut cache: Option<&mut C>,
) -> Standing {
    let issuer_id = key_id(issuer);
    let mut result = Standing::Unknown;
    for list in lists.iter().filter(|l| l.issuer_key_id() == &issuer_id) {
        let authentic = match cache.as_deref_mut() {
            Some(cache) => cache.status_list_verified(list, issuer),
            None => list.verify_signature(issuer).is_ok(),
        };
        if !authentic {
            continue;
        }
        match (list.is_revoked(serial), result) {
            (Some(true), _) => return Standing::Revoked,
            (Some(false), Standing::Good { fresh, next_update }) => {
                result = Standing::Good {
                    fresh: fresh || list.fresh_for(t, now),
                    next_update: next_update.max(list.next_update()),
                }
            }
            (Some(false), _) => {
                result = Standing::Good { fresh: list.fresh_for(t, now), next_update: list.next_update() }
            }
            (None, _) => {}
        }
    }
    result
}

impl fmt::Debug for StatusList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatusList")
            .field("issuer_key_id", &crate::crypto::fmt_public::hex_prefix(&self.issuer_key_id))
            .field("this_update", &self.this_update)
            .field("next_update", &self.next_update)
            .field("size", &self.size)
            .finish()
    }
}
