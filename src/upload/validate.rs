//! The server's one entry point: [`validate`] (SPEC.md §17.1).

use super::formats::{KemPreKeyBatch, OneTimePreKeyBatch, SignedPreKeyUpload};
use super::{UploadError, UploadLimits};
use crate::account::DeviceList;
use crate::identity::IdentityPublic;
use crate::prekey::{KemPreKeyPublic, OneTimePreKeyPublic, SignedPreKeyPublic};
use crate::wire::{self, format};

/// What a valid upload holds: public values the server stores and hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Validated {
    /// A signed prekey (format `0x9001`); replaces the device's previous one
    /// on the server.
    SignedPreKey(SignedPreKeyPublic),
    /// One-time prekeys (format `0x9101`), in the order uploaded; each is
    /// handed out at most once.
    OneTimePreKeys(Vec<OneTimePreKeyPublic>),
    /// KEM prekeys (format `0x9201`): one-time ones, each handed out at most
    /// once, and at most one last-resort one, which replaces the previous
    /// last-resort one and is handed out only when no one-time KEM prekey
    /// is left ([`KemPreKeyPublic::kind`]).
    KemPreKeys(Vec<KemPreKeyPublic>),
    /// An MLS KeyPackage (format `0x6001`) whose credential is the
    /// uploading device's (SPEC.md §15.3).
    #[cfg(feature = "mls")]
    MlsKeyPackage(super::ValidatedKeyPackage),
    /// A device list (format `0x7101`) that lists the uploading device,
    /// signed by its account key (SPEC.md §16.2). That it is newer than the
    /// one stored is the server's check (by [`DeviceList::version`]).
    DeviceList(DeviceList),
}

/// Checks an upload from `device` (the identity the server authenticated
/// the upload's sender as) at the server's time `now` (seconds): the format
/// names which upload it is, then that upload's strict decoder and every
/// check SPEC.md §17.1 lists (identity binding, signatures, key validity,
/// ids, counts, times). Needs no secret and no randomness; state nothing.
///
/// Formats: `0x9001` [`SignedPreKeyUpload`], `0x9101`
/// [`OneTimePreKeyBatch`], `0x9201` [`KemPreKeyBatch`], `0x6001` an MLS
/// KeyPackage envelope (with the `mls` feature; without it,
/// [`UploadError::NotAnUpload`]), `0x7101` a device list. Anything else is
/// [`UploadError::NotAnUpload`] (or [`UploadError::Decode`] with
/// `UnsupportedVersion` for a later version of one of these).
///
/// What it cannot check, and the server must (SPEC.md §17.1): that an id
/// was not uploaded before (a replayed batch), and rate limits.
pub fn validate(
    bytes: &[u8],
    device: &IdentityPublic,
    now: u64,
    limits: &UploadLimits,
) -> Result<Validated, UploadError> {
    let found = wire::peek_format(bytes)?;
    match found >> 8 {
        t if t == format::SIGNED_PREKEY_UPLOAD >> 8 => {
            SignedPreKeyUpload::validate(bytes, device, now, limits).map(Validated::SignedPreKey)
        }
        t if t == format::ONE_TIME_PREKEY_BATCH >> 8 => {
            OneTimePreKeyBatch::validate(bytes, device, now, limits).map(Validated::OneTimePreKeys)
        }
        t if t == format::KEM_PREKEY_BATCH >> 8 => {
            KemPreKeyBatch::validate(bytes, device, now, limits).map(Validated::KemPreKeys)
        }
        t if t == format::MLS_KEY_PACKAGE >> 8 => key_package(bytes, device, now, limits),
        t if t == format::DEVICE_LIST >> 8 => {
            let list = DeviceList::from_bytes(bytes, &limits.account)?;
            if !list.contains(device) {
                return Err(UploadError::WrongDevice);
            }
            Ok(Validated::DeviceList(list))
        }
        _ => Err(UploadError::NotAnUpload(found)),
    }
}

#[cfg(feature = "mls")]
fn key_package(
    bytes: &[u8],
    device: &IdentityPublic,
    now: u64,
    limits: &UploadLimits,
) -> Result<Validated, UploadError> {
    let envelope = crate::mls::MlsKeyPackageEnvelope::from_bytes(bytes, &limits.mls)?;
    match crate::mls::validate_key_package(&envelope, device, now) {
        Ok(k) => Ok(Validated::MlsKeyPackage(k)),
        Err(crate::mls::MlsError::WrongDevice) => Err(UploadError::WrongDevice),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(feature = "mls"))]
fn key_package(bytes: &[u8], _: &IdentityPublic, _: u64, _: &UploadLimits) -> Result<Validated, UploadError> {
    Err(UploadError::NotAnUpload(wire::peek_format(bytes)?))
}
