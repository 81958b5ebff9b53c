//! Linking a new device (SPEC.md §16.4), the new device's side: it shows a
//! one-time [`LinkingCode`] (a QR payload: its identity, an ephemeral X25519
//! key, a 32-byte secret, an expiry) and keeps the matching [`PendingLink`]
//! until the primary's provisioning message arrives.
//!
//! ```text
//! code_hash = SHA-256("vestnik/v1/hash/account-linking-code" || encoded LinkingCode)
//! ```

use crate::account::AccountError;
use crate::account::limits::{MAX_LINKING_CODE_LEN, MAX_LINKING_CODE_VALIDITY_SECS};
use crate::crypto::Secret32;
use crate::crypto::x25519::{X25519PublicKey, X25519Secret};
use crate::identity::IdentityPublic;
use crate::labels;
use crate::wire::{self, DecodeError, account as pb, format};
use core::fmt;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Largest serialized [`PendingLink`] (the encoding is about 250 bytes).
pub const MAX_PENDING_LINK_LEN: usize = 512;

/// The QR payload a new device shows. It holds the code's secret: show it
/// on the screen only, never send it over the network. Zeroized on drop.
#[derive(ZeroizeOnDrop)]
pub struct LinkingCode {
    #[zeroize(skip)]
    device: IdentityPublic,
    #[zeroize(skip)]
    ephemeral: X25519PublicKey,
    secret: Secret32,
    #[zeroize(skip)]
    expires_at: u64,
}

impl LinkingCode {
    /// The encoded code (format `0x7201`, about 210 bytes): the QR payload.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let m = pb::LinkingCode {
            format: format::LINKING_CODE,
            device: self.device.to_fixed_bytes().to_vec(),
            ephemeral: self.ephemeral.as_bytes().to_vec(),
            secret: self.secret.as_bytes().to_vec(),
            expires_at: self.expires_at,
        };
        wire::encode_secret(m, |m| m.secret.zeroize())
    }

    /// Decodes a scanned code strictly (format, size, canonical encoding,
    /// a valid identity and X25519 key, a 32-byte secret). Expiry is
    /// checked when it is used ([`crate::account::AccountKey::provision`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AccountError> {
        let wipe = |m: &mut pb::LinkingCode| m.secret.zeroize();
        let code = wire::decode_secret(bytes, MAX_LINKING_CODE_LEN, format::LINKING_CODE, &[], wipe, |m| {
            let device = wire::fixed::<128>("device", &m.device)?;
            let device = IdentityPublic::from_fixed_bytes(&device).map_err(|_| DecodeError::Invalid("device"))?;
            wire::fixed::<32>("ephemeral", &m.ephemeral)?;
            let ephemeral = X25519PublicKey::from_bytes(&m.ephemeral).map_err(|_| DecodeError::Invalid("ephemeral"))?;
            let secret = Secret32::from_slice(&m.secret).ok_or(DecodeError::WrongLength {
                field: "secret",
                len: m.secret.len(),
                expected: 32,
            })?;
            Ok(Self { device, ephemeral, secret, expires_at: m.expires_at })
        })?;
        Ok(code)
    }

    /// The new device's identity.
    pub fn device(&self) -> &IdentityPublic {
        &self.device
    }

    /// When the code stops being accepted (the new device's clock).
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    pub(crate) fn ephemeral(&self) -> &X25519PublicKey {
        &self.ephemeral
    }

    pub(crate) fn secret(&self) -> &Secret32 {
        &self.secret
    }

    /// The hash that names the code (SPEC.md §16.4).
    pub fn code_hash(&self) -> [u8; 32] {
        code_hash(&self.to_bytes())
    }
}

impl fmt::Debug for LinkingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkingCode")
            .field("device", &self.device)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

pub(crate) fn code_hash(encoded: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(labels::HASH_ACCOUNT_LINKING_CODE.as_bytes());
    h.update(encoded);
    h.finalize().into()
}

/// The new device's half of a linking code: the ephemeral secret and the
/// code secret, until one provisioning message for the code decrypts; then
/// both are wiped and the link is *consumed* (a replay is
/// [`AccountError::Duplicate`]). Zeroized on drop; store it only sealed.
#[derive(ZeroizeOnDrop)]
pub struct PendingLink {
    #[zeroize(skip)]
    pub(crate) device: IdentityPublic,
    pub(crate) ephemeral: Option<X25519Secret>,
    pub(crate) secret: Option<Secret32>,
    #[zeroize(skip)]
    pub(crate) expires_at: u64,
    #[zeroize(skip)]
    pub(crate) code_hash: [u8; 32],
}

impl PendingLink {
    /// Starts linking `device` (the new device's identity, generated
    /// first): a fresh ephemeral key and secret, valid for `validity_secs`
    /// from `now` (at most [`MAX_LINKING_CODE_VALIDITY_SECS`]; more is
    /// clamped). Show the code as a QR code; keep the pending link.
    ///
    /// ```
    /// use vestnik::DeviceIdentity;
    /// use vestnik::account::{LinkingCode, PendingLink};
    /// let mut rng = rand::rng();
    /// let tablet = DeviceIdentity::generate(&mut rng);
    /// let (pending, code) = PendingLink::new(&tablet.public(), 1_000, 300, &mut rng);
    /// let qr = code.to_bytes(); // shown on the tablet's screen
    /// let scanned = LinkingCode::from_bytes(&qr)?;
    /// assert_eq!(scanned.device(), &tablet.public());
    /// assert!(!pending.is_consumed());
    /// # Ok::<(), vestnik::account::AccountError>(())
    /// ```
    pub fn new<R: rand_core::CryptoRng + ?Sized>(
        device: &IdentityPublic,
        now: u64,
        validity_secs: u64,
        rng: &mut R,
    ) -> (Self, LinkingCode) {
        let ephemeral = X25519Secret::generate(rng);
        let secret = Secret32::random(rng);
        let expires_at = now.saturating_add(validity_secs.min(MAX_LINKING_CODE_VALIDITY_SECS));
        let code =
            LinkingCode { device: *device, ephemeral: *ephemeral.public(), secret: secret.duplicate(), expires_at };
        let code_hash = code.code_hash();
        let pending = Self { device: *device, ephemeral: Some(ephemeral), secret: Some(secret), expires_at, code_hash };
        (pending, code)
    }

    /// The device being linked.
    pub fn device(&self) -> &IdentityPublic {
        &self.device
    }

    /// When the code expires.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// The hash naming the code: the mailbox the app asks its server to
    /// deliver the provisioning message to.
    pub fn code_hash(&self) -> &[u8; 32] {
        &self.code_hash
    }

    /// Whether a provisioning message was accepted (the secrets are gone).
    pub fn is_consumed(&self) -> bool {
        self.secret.is_none()
    }

    /// Serializes the pending link (format `0x7701`, holds secrets: seal it).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let m = pb::PendingLinkState {
            format: format::STATE_PENDING_LINK,
            device: self.device.to_fixed_bytes().to_vec(),
            ephemeral_secret: self.ephemeral.as_ref().map(|e| e.to_secret().as_bytes().to_vec()).unwrap_or_default(),
            secret: self.secret.as_ref().map(|s| s.as_bytes().to_vec()).unwrap_or_default(),
            expires_at: self.expires_at,
            consumed: self.is_consumed(),
            code_hash: self.code_hash.to_vec(),
        };
        wire::encode_secret(m, wipe_pending)
    }

    /// Loads [`Self::to_bytes`]: a consumed link has no secrets, a pending
    /// one both, 32 bytes each; the code hash is recomputed and must match.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        wire::decode_secret(bytes, MAX_PENDING_LINK_LEN, format::STATE_PENDING_LINK, &[], wipe_pending, |m| {
            let device = wire::fixed::<128>("device", &m.device)?;
            let device = IdentityPublic::from_fixed_bytes(&device).map_err(|_| DecodeError::Invalid("device"))?;
            let code_hash = wire::fixed::<32>("code_hash", &m.code_hash)?;
            if m.consumed {
                if !m.ephemeral_secret.is_empty() || !m.secret.is_empty() {
                    return Err(DecodeError::Invalid("consumed"));
                }
                return Ok(Self { device, ephemeral: None, secret: None, expires_at: m.expires_at, code_hash });
            }
            let e = Secret32::from_slice(&m.ephemeral_secret).ok_or(DecodeError::WrongLength {
                field: "ephemeral_secret",
                len: m.ephemeral_secret.len(),
                expected: 32,
            })?;
            let secret = Secret32::from_slice(&m.secret).ok_or(DecodeError::WrongLength {
                field: "secret",
                len: m.secret.len(),
                expected: 32,
            })?;
            let ephemeral = X25519Secret::from_bytes(&e);
            let code = LinkingCode {
                device,
                ephemeral: *ephemeral.public(),
                secret: secret.duplicate(),
                expires_at: m.expires_at,
            };
            if code.code_hash() != code_hash {
                return Err(DecodeError::Invalid("code_hash"));
            }
            Ok(Self { device, ephemeral: Some(ephemeral), secret: Some(secret), expires_at: m.expires_at, code_hash })
        })
    }
}

fn wipe_pending(m: &mut pb::PendingLinkState) {
    m.ephemeral_secret.zeroize();
    m.secret.zeroize();
}

impl fmt::Debug for PendingLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLink")
            .field("device", &self.device)
            .field("expires_at", &self.expires_at)
            .field("consumed", &self.is_consumed())
            .finish_non_exhaustive()
    }
}
