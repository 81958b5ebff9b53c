//! Where the server meets the crate: upload validation, stored forms,
//! bundle assembly and document batches. No secret is ever involved.

use axum::http::StatusCode;
use vestnik::IdentityPublic;
use vestnik::PreKeyBundle;
use vestnik::document::{BatchInput, ChainCache, Envelope, VerificationPolicy, verify_batch};
use vestnik::prekey::{KemPreKeyKind, KemPreKeyPublic, OneTimePreKeyPublic, SignedPreKeyPublic};
use vestnik::upload::{UploadLimits, Validated};

use crate::ServerLimits;
use crate::error::ApiError;
use crate::framing;
use crate::store::{BundleParts, DeviceId, Store, StoreError, StoredKey};

/// A validated upload, in the forms the store keeps.
pub(crate) enum Accepted {
    SignedPreKey(StoredKey),
    OneTime(Vec<StoredKey>),
    Kem { one_time: Vec<StoredKey>, last_resort: Option<StoredKey> },
    KeyPackage,
    DeviceList,
}

#[derive(serde::Serialize)]
pub(crate) struct Summary {
    stored: &'static str,
    count: usize,
}

/// Validates an upload from `device` (the authenticated caller's identity).
pub(crate) fn validate(
    bytes: &[u8],
    device: &IdentityPublic,
    now: u64,
    limits: &UploadLimits,
) -> Result<Accepted, ApiError> {
    let v = vestnik::upload::validate(bytes, device, now, limits)
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_upload", e.to_string()))?;
    Ok(match v {
        Validated::SignedPreKey(s) => Accepted::SignedPreKey(StoredKey { id: s.id(), stored: s.to_stored_bytes() }),
        Validated::OneTimePreKeys(keys) => Accepted::OneTime(
            keys.iter().map(|k| StoredKey { id: k.id(), stored: k.to_stored_bytes().to_vec() }).collect(),
        ),
        Validated::KemPreKeys(keys) => {
            let mut one_time = Vec::new();
            let mut last_resort = None;
            for k in &keys {
                let stored = StoredKey { id: k.id(), stored: k.to_stored_bytes() };
                match k.kind() {
                    KemPreKeyKind::LastResort if last_resort.is_none() => last_resort = Some(stored),
                    KemPreKeyKind::LastResort => {
                        return Err(ApiError::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "invalid_upload",
                            "a KEM batch carries at most one last-resort prekey",
                        ));
                    }
                    _ => one_time.push(stored),
                }
            }
            Accepted::Kem { one_time, last_resort }
        }
        Validated::MlsKeyPackage(_) => Accepted::KeyPackage,
        Validated::DeviceList(_) => Accepted::DeviceList,
        _ => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unsupported_upload",
                "this server does not store that upload",
            ));
        }
    })
}

impl Accepted {
    pub(crate) fn summary(&self) -> Summary {
        match self {
            Self::SignedPreKey(_) => Summary { stored: "signed_prekey", count: 1 },
            Self::OneTime(k) => Summary { stored: "one_time_prekeys", count: k.len() },
            Self::Kem { one_time, last_resort } => {
                Summary { stored: "kem_prekeys", count: one_time.len() + usize::from(last_resort.is_some()) }
            }
            Self::KeyPackage => Summary { stored: "mls_key_package", count: 1 },
            Self::DeviceList => Summary { stored: "device_list", count: 1 },
        }
    }

    /// Stores it (one transaction). `raw` is the uploaded envelope, kept as
    /// is for KeyPackages and device lists (the client verifies them again).
    pub(crate) fn store(&self, s: &dyn Store, device: &DeviceId, raw: &[u8], now: u64) -> Result<(), StoreError> {
        match self {
            Self::SignedPreKey(k) => s.put_signed_prekey(device, k, now),
            Self::OneTime(keys) => s.add_one_time_prekeys(device, keys, now),
            Self::Kem { one_time, last_resort } => s.add_kem_prekeys(device, one_time, last_resort.as_ref(), now),
            Self::KeyPackage => s.add_key_package(device, raw, now),
            Self::DeviceList => s.put_device_list(device, raw, now),
        }
    }
}

fn corrupt(what: &str) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("stored {what} does not decode"))
}

/// Assembles the bundle from what one hand-out took: no secret, no
/// signature check (all was checked at upload; the client checks again).
pub(crate) fn assemble(parts: &BundleParts) -> Result<Vec<u8>, ApiError> {
    let identity = IdentityPublic::from_fixed_bytes(&parts.identity).map_err(|_| corrupt("identity"))?;
    let signed = SignedPreKeyPublic::from_stored_bytes(&parts.signed).map_err(|_| corrupt("signed prekey"))?;
    let one_time = match &parts.one_time {
        Some(b) => Some(OneTimePreKeyPublic::from_stored_bytes(b).map_err(|_| corrupt("one-time prekey"))?),
        None => None,
    };
    let kem = match &parts.kem {
        Some(b) => Some(KemPreKeyPublic::from_stored_bytes(b).map_err(|_| corrupt("KEM prekey"))?),
        None => None,
    };
    Ok(PreKeyBundle::assemble(&identity, &signed, one_time.as_ref(), kem.as_ref()).to_bytes())
}

/// One envelope's verdict.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct DocumentVerdict {
    /// Whether the policy accepts it.
    pub accepted: bool,
    /// The verification report, as text.
    pub report: String,
}

/// Verifies a framed batch with one chain cache shared by every worker.
pub(crate) fn verify_documents(
    body: &[u8],
    policy: &VerificationPolicy,
    limits: &ServerLimits,
    chains: &ChainCache,
    now: u64,
) -> Result<Vec<DocumentVerdict>, ApiError> {
    let entries = framing::decode_document_batch(body, limits.max_document_batch)
        .map_err(|e| ApiError::bad("bad_batch", e.to_string()))?;
    let mut envelopes = Vec::with_capacity(entries.len());
    for (i, (e, _)) in entries.iter().enumerate() {
        if e.len() > limits.document.max_envelope_len {
            return Err(ApiError::bad("bad_envelope", format!("entry {i}: envelope too large")));
        }
        envelopes.push(
            Envelope::from_bytes(e, &limits.document)
                .map_err(|err| ApiError::bad("bad_envelope", format!("entry {i}: {err}")))?,
        );
    }
    let inputs: Vec<BatchInput<'_>> = envelopes
        .iter()
        .zip(entries.iter())
        .map(|(envelope, (_, document))| BatchInput { envelope, document: *document })
        .collect();
    // The cache is shared by reference: it locks per entry, never across a
    // batch, so workers verify in parallel (SPEC §11.8).
    let reports = verify_batch(&inputs, policy, now, Some(chains), &mut rand::rng());
    Ok(reports.iter().map(|r| DocumentVerdict { accepted: r.is_accepted(), report: r.to_string() }).collect())
}
