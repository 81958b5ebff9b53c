//! Revocation status lists (SPEC.md §11.4), signed by the issuer of the
//! certificates (or credentials) they speak for.
//!
//! ```text
//! StatusList v2 = { format 0x4302, tbs = encode(StatusListTbs v2), signature }
//! StatusListTbs v2 = { format 0x4202, issuer_key_id, this_update, next_update,
//!                      size, status_type, entries[] (ascending serial) }
//! signature  = Ed25519(issuer, label(status_type), tbs)
//!     label(certificates) = SIG_STATUS_CERTIFICATES
//!     label(credentials)  = SIG_STATUS_CREDENTIALS
//! covers(serial)          = serial < size
//! effective(entry)        = invalid_since  (key compromise)
//!                           revoked_at     (any other reason)
//! revoked at time t       = an entry for serial with effective <= t
//! fresh for validation time t, verifier clock now:
//!     this_update <= now  and  t < next_update
//! ```
//!
//! Version-1 lists (format 0x4301, an untyped bitstring, no revocation
//! times) still decode, so archived envelopes stay readable, but they never
//! count as status for anything.

use super::cert::{KEY_ID_LEN, key_id, sha512};
use super::limits::DocumentLimits;
use crate::crypto::sig::{BadSignature, Signature, SigningKey, VerifyingKey};
use crate::labels::{self, SigContext};
use crate::wire::{self, Cap, DecodeError, document as pb, format};
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
    /// The list has more revocation entries than the limit allows.
    #[error("status list has {count} revocation entries, limit {max}")]
    TooManyEntries {
        /// Entries.
        count: usize,
        /// The cap.
        max: usize,
    },
    /// The bitstring's length does not match the size, or bits past the size
    /// are set (v1); or fields of the other version are present.
    #[error("status list is inconsistent with its version or size")]
    Inconsistent,
    /// `next_update <= this_update`.
    #[error("status list update window is empty")]
    EmptyWindow,
    /// A serial to revoke is outside the list.
    #[error("serial {0} is outside the list")]
    SerialOutOfRange(u64),
    /// Revocation entries are not in strictly ascending serial order (or repeat one).
    #[error("revocation entries are not strictly ascending by serial")]
    Unsorted,
    /// A revocation entry is malformed: revoked at 0 or after `this_update`,
    /// an unknown reason, or an invalidity date after the revocation (or one
    /// given for a reason other than key compromise).
    #[error("revocation entry for serial {0} is malformed")]
    BadEntry(u64),
}

/// What a status list speaks for: each type has its own signature context,
/// so a list of one type can never be taken for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusType {
    /// Certificates (`serial` of a certificate the issuer signed).
    Certificates,
    /// Credentials (`serial` of a credential the issuer signed).
    Credentials,
}

impl StatusType {
    /// The wire value (3 is reserved for channel publishers).
    pub fn to_u32(self) -> u32 {
        match self {
            StatusType::Certificates => 1,
            StatusType::Credentials => 2,
        }
    }

    /// Parses a wire value (0, the reserved 3 and above are refused).
    pub fn from_u32(v: u32) -> Option<Self> {
        match v {
            1 => Some(StatusType::Certificates),
            2 => Some(StatusType::Credentials),
            _ => None,
        }
    }

    fn context(self) -> SigContext {
        match self {
            StatusType::Certificates => labels::SIG_STATUS_CERTIFICATES,
            StatusType::Credentials => labels::SIG_STATUS_CREDENTIALS,
        }
    }
}

/// Why a serial was revoked (RFC 5280 §5.3.1 reasons, the ones that change
/// a verdict).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RevocationReason {
    /// No reason given: signatures proven before the revocation time stand.
    Unspecified,
    /// The key was compromised; it is untrusted from `invalid_since` (at or
    /// before the revocation time), so only signatures proven before that stand.
    KeyCompromise {
        /// First second at which the key is no longer trusted.
        invalid_since: u64,
    },
    /// Replaced by another certificate: earlier signatures stand.
    Superseded,
    /// The subject ceased operation: earlier signatures stand.
    CessationOfOperation,
}

impl RevocationReason {
    fn to_wire(self) -> (u32, u64) {
        match self {
            RevocationReason::Unspecified => (1, 0),
            RevocationReason::KeyCompromise { invalid_since } => (2, invalid_since),
            RevocationReason::Superseded => (3, 0),
            RevocationReason::CessationOfOperation => (4, 0),
        }
    }

    fn from_wire(reason: u32, invalid_since: u64) -> Option<Self> {
        match (reason, invalid_since) {
            (1, 0) => Some(RevocationReason::Unspecified),
            (2, invalid_since) => Some(RevocationReason::KeyCompromise { invalid_since }),
            (3, 0) => Some(RevocationReason::Superseded),
            (4, 0) => Some(RevocationReason::CessationOfOperation),
            _ => None,
        }
    }
}

/// One revocation in a (v2) status list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Revocation {
    /// The revoked serial.
    pub serial: u64,
    /// When the issuer revoked it (`1..=this_update` of the list).
    pub revoked_at: u64,
    /// Why.
    pub reason: RevocationReason,
}

impl Revocation {
    /// A revocation of `serial` at `revoked_at` for `reason`.
    pub fn new(serial: u64, revoked_at: u64, reason: RevocationReason) -> Self {
        Self { serial, revoked_at, reason }
    }

    /// From when on the revocation counts: the invalidity date for a key
    /// compromise, else the revocation time. A signature proven at `t` is
    /// revoked iff `t >= effective_from()`.
    pub fn effective_from(&self) -> u64 {
        match self.reason {
            RevocationReason::KeyCompromise { invalid_since } => invalid_since,
            _ => self.revoked_at,
        }
    }

    fn valid_in(&self, size: u64, this_update: u64) -> Result<(), StatusError> {
        if self.serial >= size {
            return Err(StatusError::SerialOutOfRange(self.serial));
        }
        let compromise_ok = match self.reason {
            RevocationReason::KeyCompromise { invalid_since } => invalid_since <= self.revoked_at,
            _ => true,
        };
        if self.revoked_at == 0 || self.revoked_at > this_update || !compromise_ok {
            return Err(StatusError::BadEntry(self.serial));
        }
        Ok(())
    }
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
    /// `None` for a version-1 list.
    status_type: Option<StatusType>,
    /// Version 1 only.
    revoked_bits: Vec<u8>,
    /// Version 2 only, ascending by serial.
    entries: Vec<Revocation>,
}

impl StatusList {
    /// Issues a list of `status_type` covering serials `0..size`, with each
    /// serial of `revoked` revoked at `this_update` for an unspecified
    /// reason. See [`Self::issue_with_entries`] for revocation times and reasons.
    pub fn issue(
        issuer: &SigningKey,
        status_type: StatusType,
        this_update: u64,
        next_update: u64,
        size: u64,
        revoked: &[u64],
        limits: &DocumentLimits,
    ) -> Result<Self, StatusError> {
        let entries: Vec<Revocation> =
            revoked.iter().map(|&s| Revocation::new(s, this_update, RevocationReason::Unspecified)).collect();
        Self::issue_with_entries(issuer, status_type, this_update, next_update, size, &entries, limits)
    }

    /// Issues a list of `status_type` covering serials `0..size` with the
    /// given revocations (in any order; one per serial).
    pub fn issue_with_entries(
        issuer: &SigningKey,
        status_type: StatusType,
        this_update: u64,
        next_update: u64,
        size: u64,
        revocations: &[Revocation],
        limits: &DocumentLimits,
    ) -> Result<Self, StatusError> {
        if size > limits.max_status_list_serials {
            return Err(StatusError::TooManySerials { size, max: limits.max_status_list_serials });
        }
        if revocations.len() > limits.max_status_entries {
            return Err(StatusError::TooManyEntries { count: revocations.len(), max: limits.max_status_entries });
        }
        let mut sorted = revocations.to_vec();
        sorted.sort_by_key(|r| r.serial);
        if sorted.windows(2).any(|w| matches!(w, [a, b] if a.serial == b.serial)) {
            return Err(StatusError::Unsorted);
        }
        let entries = sorted
            .iter()
            .map(|r| {
                let (reason, invalid_since) = r.reason.to_wire();
                pb::RevocationEntry { serial: r.serial, revoked_at: r.revoked_at, reason, invalid_since }
            })
            .collect();
        let tbs = pb::StatusListTbs {
            format: format::STATUS_LIST_TBS,
            issuer_key_id: key_id(&issuer.verifying_key()).to_vec(),
            this_update,
            next_update,
            size,
            revoked: Vec::new(),
            status_type: status_type.to_u32(),
            entries,
        }
        .encode_to_vec();
        let signature = issuer.sign(status_type.context(), &tbs);
        let bytes = pb::StatusList { format: format::STATUS_LIST, tbs, signature: signature.to_bytes().to_vec() }
            .encode_to_vec();
        Self::from_bytes(&bytes, limits)
    }

    /// Decodes a status list, version 2 or (for archives) version 1: form
    /// only; the signature is checked against an issuer during validation.
    pub fn from_bytes(bytes: &[u8], limits: &DocumentLimits) -> Result<Self, StatusError> {
        let v1 = wire::peek_format(bytes)? == format::STATUS_LIST_V1;
        let (outer_format, tbs_format, max) = if v1 {
            (format::STATUS_LIST_V1, format::STATUS_LIST_TBS_V1, limits.max_status_list_v1_len())
        } else {
            (format::STATUS_LIST, format::STATUS_LIST_TBS, limits.max_status_list_len())
        };
        // Each entry holds at least `revoked_at` and `reason` (two keys, two
        // values). The entries are counted inside the outer message's `tbs`
        // before anything, the outer message included, is allocated.
        let entries = [Cap::new(8, "status_list.entries", limits.max_status_entries).min_len(4)];
        let outer_caps = [Cap::new(2, "status_list.tbs", 1).within(&entries)];
        let outer: pb::StatusList = wire::decode_typed(bytes, max, outer_format, &outer_caps)?;
        let signature = Signature::from_field("status_list.signature", &outer.signature)?;
        let t: pb::StatusListTbs = wire::decode_typed(&outer.tbs, max, tbs_format, &[])?;
        let issuer_key_id = wire::fixed::<KEY_ID_LEN>("status_list.issuer_key_id", &t.issuer_key_id)?;
        if t.size > limits.max_status_list_serials {
            return Err(StatusError::TooManySerials { size: t.size, max: limits.max_status_list_serials });
        }
        if t.next_update <= t.this_update {
            return Err(StatusError::EmptyWindow);
        }
        let (status_type, revoked_bits, entries) = if v1 {
            if t.status_type != 0 || !t.entries.is_empty() {
                return Err(StatusError::Inconsistent);
            }
            check_bitstring(t.size, &t.revoked)?;
            (None, t.revoked, Vec::new())
        } else {
            if !t.revoked.is_empty() {
                return Err(StatusError::Inconsistent);
            }
            let status_type =
                StatusType::from_u32(t.status_type).ok_or(DecodeError::Invalid("status_list.status_type"))?;
            let mut last: Option<u64> = None;
            // Converted in place (same size and alignment), so the decoded
            // entries are not copied.
            let entries = t
                .entries
                .into_iter()
                .map(|e| {
                    let reason = RevocationReason::from_wire(e.reason, e.invalid_since)
                        .ok_or(StatusError::BadEntry(e.serial))?;
                    let r = Revocation::new(e.serial, e.revoked_at, reason);
                    r.valid_in(t.size, t.this_update)?;
                    if last.is_some_and(|p| p >= r.serial) {
                        return Err(StatusError::Unsorted);
                    }
                    last = Some(r.serial);
                    Ok(r)
                })
                .collect::<Result<Vec<_>, StatusError>>()?;
            (Some(status_type), Vec::new(), entries)
        };
        Ok(Self {
            bytes: bytes.to_vec(),
            hash: sha512(bytes),
            tbs: outer.tbs,
            signature,
            issuer_key_id,
            this_update: t.this_update,
            next_update: t.next_update,
            size: t.size,
            status_type,
            revoked_bits,
            entries,
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

    /// True when `issuer` signed this list under its type's context. A
    /// version-1 list never verifies: it cannot say what it speaks for.
    pub(crate) fn verify_signature(&self, issuer: &VerifyingKey) -> Result<(), BadSignature> {
        match self.status_type {
            Some(t) => issuer.verify(t.context(), &self.tbs, &self.signature),
            None => Err(BadSignature),
        }
    }

    /// The format version: 1 (archival, never counts as status) or 2.
    pub fn version(&self) -> u8 {
        if self.status_type.is_some() { 2 } else { 1 }
    }
    /// What the list speaks for; `None` for a version-1 list.
    pub fn status_type(&self) -> Option<StatusType> {
        self.status_type
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
    /// The revocation entries (version 2), ascending by serial.
    pub fn entries(&self) -> &[Revocation] {
        &self.entries
    }

    /// The revocation entry of `serial`, if any (version 2).
    pub fn revocation(&self, serial: u64) -> Option<&Revocation> {
        self.entries.binary_search_by_key(&serial, |r| r.serial).ok().and_then(|i| self.entries.get(i))
    }

    /// `Some(true)` when the list records `serial` as revoked (at whatever
    /// time), `None` when it does not cover it.
    pub fn is_revoked(&self, serial: u64) -> Option<bool> {
        if serial >= self.size {
            return None;
        }
        if self.status_type.is_some() {
            return Some(self.revocation(serial).is_some());
        }
        let byte = self.revoked_bits.get(usize::try_from(serial / 8).ok()?)?;
        Some(byte >> (serial % 8) & 1 == 1)
    }

    /// True when the list speaks for validation time `t` as seen at `now`.
    pub fn fresh_for(&self, t: u64, now: u64) -> bool {
        self.this_update <= now && t < self.next_update
    }
}

fn check_bitstring(size: u64, bits: &[u8]) -> Result<(), StatusError> {
    let expected_len = usize::try_from(size.div_ceil(8)).map_err(|_| StatusError::Inconsistent)?;
    if bits.len() != expected_len {
        return Err(StatusError::Inconsistent);
    }
    // Bits past `size` must be zero, so each list has one encoding.
    let spare = (expected_len as u64) * 8 - size;
    if spare > 0 {
        let last = bits.last().copied().unwrap_or(0);
        if last >> (8 - spare) != 0 {
            return Err(StatusError::Inconsistent);
        }
    }
    Ok(())
}

/// What the authentic lists supplied say of one serial at one time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// An authentic list records a revocation effective at or before the time.
    Revoked(Revocation),
    /// Authentic lists cover it and none records a revocation effective by
    /// the time; `fresh` when one of them speaks for the time, `next_update`
    /// the latest.
    Good { fresh: bool, next_update: u64 },
    /// No authentic list covers it.
    Unknown,
}

/// Where status lists come from: the verifier's own (fetched from the
/// issuers) and those carried by the presenter. Revocation in any authentic
/// list is final; freshness may come from either, so carried lists only
/// fill gaps the verifier's lists leave and can never undo a revocation.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StatusSources<'a> {
    /// The verifier's lists.
    pub(crate) verifier: &'a [StatusList],
    /// Lists carried in the envelope (or presentation).
    pub(crate) carried: &'a [StatusList],
}

impl<'a> StatusSources<'a> {
    /// Only the verifier's lists.
    pub(crate) fn verifier(lists: &'a [StatusList]) -> Self {
        Self { verifier: lists, carried: &[] }
    }
}

/// A memory of status-list signatures already checked (the chain cache is
/// one). Path checking and status lookups see only this seam, so they do not
/// depend on the cache that stores their results.
pub(crate) trait StatusSignatures {
    /// True when `list` verifies under `issuer` (remembering the answer as
    /// the implementation sees fit).
    fn status_list_verified(&self, list: &StatusList, issuer: &VerifyingKey) -> bool;
}

/// The standing of `serial` at `times.until` (a key compromise judged at
/// `times.compromise`; verifier clock `now`) among the lists of `sources`,
/// counting only version-2 lists of `status_type` signed by `issuer`
/// (signatures remembered in `cache` when given). Freshness is for `until`.
pub(crate) fn standing<C: StatusSignatures + ?Sized>(
    sources: StatusSources<'_>,
    status_type: StatusType,
    issuer: &VerifyingKey,
    serial: u64,
    times: super::chain::Times,
    now: u64,
    cache: Option<&C>,
) -> Standing {
    let issuer_id = key_id(issuer);
    let mut result = Standing::Unknown;
    let candidates = sources.verifier.iter().chain(sources.carried.iter());
    for list in candidates.filter(|l| l.issuer_key_id() == &issuer_id && l.status_type == Some(status_type)) {
        if serial >= list.size() {
            continue;
        }
        let authentic = match cache {
            Some(cache) => cache.status_list_verified(list, issuer),
            None => list.verify_signature(issuer).is_ok(),
        };
        if !authentic {
            continue;
        }
        let revoked_by = |r: &&Revocation| match r.reason {
            RevocationReason::KeyCompromise { invalid_since } => times.compromise >= invalid_since,
            _ => times.until >= r.revoked_at,
        };
        if let Some(r) = list.revocation(serial).filter(revoked_by) {
            return Standing::Revoked(*r);
        }
        let t = times.until;
        let fresh = list.fresh_for(t, now);
        result = match result {
            Standing::Good { fresh: f, next_update } => {
                Standing::Good { fresh: f || fresh, next_update: next_update.max(list.next_update()) }
            }
            _ => Standing::Good { fresh, next_update: list.next_update() },
        };
    }
    result
}

impl fmt::Debug for StatusList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatusList")
            .field("version", &self.version())
            .field("status_type", &self.status_type)
            .field("issuer_key_id", &crate::crypto::fmt_public::hex_prefix(&self.issuer_key_id))
            .field("this_update", &self.this_update)
            .field("next_update", &self.next_update)
            .field("size", &self.size)
            .field("entries", &self.entries.len())
            .finish()
    }
}
