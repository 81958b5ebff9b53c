//! Certification paths (SPEC.md §11.3): from a leaf certificate up to a
//! caller-configured trust anchor, then usage, path length, validity and
//! revocation checks at a validation time.
//!
//! ```text
//! build:  c_0 = leaf; for d = 0.. (d < max_chain_len):
//!           an anchor with key id = c_d.issuer_key_id whose key verifies c_d -> done
//!           else a pooled certificate with that subject key id verifying c_d -> c_{d+1}
//! check for times (at, until), at <= until (verifier clock now):
//!   c_0 has the needed usage; the anchor vouches for that usage
//!   each c_d, d >= 1, has CERTIFICATE_ISSUING and path_len >= d - 1
//!   each c_d, d + 1 < n: c_d.credential_types ⊆ c_{d+1}.credential_types
//!     (the anchor names no types and constrains none)
//!   anchor.path_len >= n - 1 (n certificates in the path)
//!   each c_d: not_before <= at  and  until < not_after
//!   each c_d: no authentic certificate status list of its issuer records a
//!             revocation effective at or before `until`; with
//!             `require_status`, one such list covers it, fresh for `until`
//! ```
//!
//! A signer's path is checked at its proven signing time (at = until); a
//! timestamp authority's at the token's time and until the time the token
//! was protected by the next (archive) timestamp, or now.
//!
//! Key ids only select candidates; the signature decides, so a wrong or
//! colliding key id costs at most a failed verification.

use super::anchor::TrustAnchor;
use super::cert::{Certificate, key_id};
use super::status::{Revocation, Standing, StatusList, StatusSignatures, StatusSources, StatusType};
use super::usage::KeyUsage;
use crate::crypto::sig::VerifyingKey;

/// Why a certification path failed. `depth` 0 is the leaf.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// The envelope does not carry the certificate the signer names.
    #[error("signer certificate not found in the envelope")]
    UnknownCertificate,
    /// No anchor or carried certificate verifies the certificate at `depth`.
    #[error("no trusted issuer for the certificate at depth {depth}")]
    NoIssuer {
        /// Where the path broke.
        depth: usize,
    },
    /// The path would be longer than the limit.
    #[error("certification path longer than {max}")]
    TooLong {
        /// The cap.
        max: usize,
    },
    /// The certificate at `depth` is not yet valid at the validation time.
    #[error("certificate at depth {depth} not valid before {not_before} (checked at {at})")]
    NotYetValid {
        /// Position in the path.
        depth: usize,
        /// Start of validity.
        not_before: u64,
        /// Validation time.
        at: u64,
    },
    /// The certificate at `depth` has expired at the validation time.
    #[error("certificate at depth {depth} expired at {not_after} (checked at {at})")]
    Expired {
        /// Position in the path.
        depth: usize,
        /// End of validity.
        not_after: u64,
        /// Validation time.
        at: u64,
    },
    /// A certificate lacks a usage the path needs.
    #[error("certificate at depth {depth} lacks usage {needed:?}")]
    UsageNotAllowed {
        /// Position in the path (the anchor is `depth == path length`).
        depth: usize,
        /// The usage needed.
        needed: KeyUsage,
    },
    /// A CA certificate (or the anchor) allows fewer CA certificates below it.
    #[error("path length constraint violated at depth {depth}")]
    PathLength {
        /// Position in the path (the anchor is `depth == path length`).
        depth: usize,
    },
    /// The certificate at `depth` names a credential document type that the
    /// CA certificate above it (at `depth + 1`) does not: a CA cannot let a
    /// subordinate issue more than it may certify.
    #[error("certificate at depth {depth} names credential type {credential_type:?}, which its issuer does not")]
    CredentialTypeWidened {
        /// Position of the widening certificate in the path.
        depth: usize,
        /// The first type it names that its issuer does not.
        credential_type: String,
    },
    /// An authentic status list records a revocation of the certificate
    /// effective at or before the time it was needed.
    #[error("certificate at depth {depth} (serial {serial}) is revoked from {since} ({reason:?}, checked at {at})")]
    Revoked {
        /// Position in the path.
        depth: usize,
        /// Its serial.
        serial: u64,
        /// When the revocation takes effect (invalidity date for a key compromise).
        since: u64,
        /// The recorded reason.
        reason: super::status::RevocationReason,
        /// The time it was judged at.
        at: u64,
    },
    /// Policy requires status, and no authentic list covers the certificate.
    #[error("no status list covers the certificate at depth {depth} (serial {serial})")]
    StatusMissing {
        /// Position in the path.
        depth: usize,
        /// Its serial.
        serial: u64,
    },
    /// Policy requires fresh status, and every covering list is stale.
    #[error("status list for the certificate at depth {depth} is stale (next update {next_update})")]
    StatusStale {
        /// Position in the path.
        depth: usize,
        /// The latest `next_update` among covering lists.
        next_update: u64,
    },
}

/// When a path is needed: its certificates must be valid from `at` through
/// `until`, revocation is judged at `until`, except a key compromise, judged
/// at `compromise` (later, when the time is not proven).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Times {
    /// When the key was used (the token's or proven signing time).
    pub(crate) at: u64,
    /// Until when it must have stayed valid (the protection time).
    pub(crate) until: u64,
    /// The time a key compromise is judged at.
    pub(crate) compromise: u64,
}

impl Times {
    /// One time for everything.
    pub(crate) fn at(t: u64) -> Self {
        Self { at: t, until: t, compromise: t }
    }
}

/// A path whose signatures verified up to an anchor (times, usages and status
/// checked at each use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertPath {
    certs: Vec<Certificate>,
    anchor: TrustAnchor,
}

impl CertPath {
    /// Builds and signature-checks the path of `leaf` from `pool` to one of `anchors`.
    pub(crate) fn build(
        leaf: &Certificate,
        pool: &[Certificate],
        anchors: &[TrustAnchor],
        max_len: usize,
    ) -> Result<Self, ChainError> {
        let mut certs = vec![leaf.clone()];
        loop {
            let depth = certs.len() - 1;
            let Some(cur) = certs.last() else { return Err(ChainError::NoIssuer { depth }) };
            let wanted = cur.issuer_key_id();
            if let Some(a) = anchors.iter().find(|a| a.key_id() == wanted && cur.verify_signature(a.key()).is_ok()) {
                return Ok(Self { certs, anchor: a.clone() });
            }
            if certs.len() >= max_len {
                return Err(ChainError::TooLong { max: max_len });
            }
            let next = pool.iter().find(|c| {
                &key_id(c.subject_key()) == wanted
                    && !certs.iter().any(|p| p.hash() == c.hash())
                    && cur.verify_signature(c.subject_key()).is_ok()
            });
            match next {
                Some(c) => certs.push(c.clone()),
                None => return Err(ChainError::NoIssuer { depth }),
            }
        }
    }

    /// The leaf (signer) certificate.
    pub fn leaf(&self) -> Option<&Certificate> {
        self.certs.first()
    }
    /// The certificates, leaf first.
    pub fn certificates(&self) -> &[Certificate] {
        &self.certs
    }
    /// The anchor the path ends at.
    pub fn anchor(&self) -> &TrustAnchor {
        &self.anchor
    }

    /// The key that signed the certificate at `depth`.
    fn issuer_key(&self, depth: usize) -> &VerifyingKey {
        match self.certs.get(depth + 1) {
            Some(c) => c.subject_key(),
            None => self.anchor.key(),
        }
    }

    /// Usage, path length, validity at `t`, and revocation at `t`, against
    /// the caller's lists only (the credentials layer's entry point).
    pub(crate) fn check<C: StatusSignatures + ?Sized>(
        &self,
        needed: KeyUsage,
        t: u64,
        now: u64,
        lists: &[StatusList],
        require_status: bool,
        cache: Option<&C>,
    ) -> Result<(), ChainError> {
        let times = Times { at: t, until: t, compromise: t };
        self.check_at(needed, times, now, StatusSources::verifier(lists), require_status, cache)
    }

    /// Usage, path length, validity from `at` to `until`, and revocation
    /// judged at `until` (see the module docs).
    pub(crate) fn check_at<C: StatusSignatures + ?Sized>(
        &self,
        needed: KeyUsage,
        times: Times,
        now: u64,
        sources: StatusSources<'_>,
        require_status: bool,
        cache: Option<&C>,
    ) -> Result<(), ChainError> {
        let (at, until) = (times.at, times.at.max(times.until));
        let n = self.certs.len();
        if !self.anchor.usage().contains(needed) {
            return Err(ChainError::UsageNotAllowed { depth: n, needed });
        }
        if (self.anchor.path_len() as usize) < n.saturating_sub(1) {
            return Err(ChainError::PathLength { depth: n });
        }
        for (depth, c) in self.certs.iter().enumerate() {
            if depth == 0 {
                if !c.usage().contains(needed) {
                    return Err(ChainError::UsageNotAllowed { depth, needed });
                }
            } else {
                if !c.usage().contains(KeyUsage::CERTIFICATE_ISSUING) {
                    return Err(ChainError::UsageNotAllowed { depth, needed: KeyUsage::CERTIFICATE_ISSUING });
                }
                if (c.path_len() as usize) < depth - 1 {
                    return Err(ChainError::PathLength { depth });
                }
            }
            let above = self.certs.get(depth + 1);
            let widened = above.and_then(|a| c.credential_types().iter().find(|ty| !a.names_credential_type(ty)));
            if let Some(ty) = widened {
                return Err(ChainError::CredentialTypeWidened { depth, credential_type: ty.clone() });
            }
            if at < c.not_before() {
                return Err(ChainError::NotYetValid { depth, not_before: c.not_before(), at });
            }
            if until >= c.not_after() {
                return Err(ChainError::Expired { depth, not_after: c.not_after(), at: until });
            }
            let times = Times { at, until, compromise: times.compromise.max(until) };
            self.check_status(depth, c, times, now, sources, require_status, cache)?;
        }
        Ok(())
    }

    /// The depth of the first certificate of the path, leaf first, that does
    /// not name `doc_type` among its credential types; `None` when every
    /// certificate names it (SPEC.md §11.3, §14.6 step 9). The anchor names
    /// no types: it places no limit of its own (a verifier limits types per
    /// anchor with its issuer rules).
    pub(crate) fn uncertified_depth(&self, doc_type: &str) -> Option<usize> {
        self.certs.iter().position(|c| !c.names_credential_type(doc_type))
    }

    #[allow(clippy::too_many_arguments)]
    fn check_status<C: StatusSignatures + ?Sized>(
        &self,
        depth: usize,
        c: &Certificate,
        times: Times,
        now: u64,
        sources: StatusSources<'_>,
        require_status: bool,
        cache: Option<&C>,
    ) -> Result<(), ChainError> {
        let issuer = self.issuer_key(depth);
        let standing =
            super::status::standing(sources, StatusType::Certificates, issuer, c.serial(), times, now, cache);
        let (covered, fresh, latest) = match standing {
            Standing::Revoked(r) => return Err(revoked(depth, &r, times.until)),
            Standing::Good { fresh, next_update } => (true, fresh, next_update),
            Standing::Unknown => (false, false, 0),
        };
        if require_status && !covered {
            return Err(ChainError::StatusMissing { depth, serial: c.serial() });
        }
        if require_status && !fresh {
            return Err(ChainError::StatusStale { depth, next_update: latest });
        }
        Ok(())
    }
}

fn revoked(depth: usize, r: &Revocation, at: u64) -> ChainError {
    ChainError::Revoked { depth, serial: r.serial, since: r.effective_from(), reason: r.reason, at }
}
