//! Provisioning (SPEC.md §16.4): the primary's answer to a scanned linking
//! code, encrypted to that code, and its opening on the new device.
//!
//! ```text
//! shared    = X25519(primary ephemeral, code ephemeral)
//! key||nonce = HKDF-SHA-256(salt = code_hash, ikm = shared || code secret,
//!                           info = "vestnik/v1/kdf/account-provisioning", 44 bytes)
//! AD        = "vestnik/v1/ad/account-provisioning" || code_hash (32)
//!             || new device identity (128) || primary device identity (128) || primary ephemeral (32)
//! ciphertext = ChaCha20-Poly1305(key, nonce, AD, ProvisioningPayload)
//! ```

use crate::account::limits::MAX_LINKING_CODE_VALIDITY_SECS;
use crate::account::linking::{LinkingCode, PendingLink};
use crate::account::{
    AccountError, AccountKey, AccountLimits, AccountPublic, DeviceList, DeviceListTracker, ProvisionOptions,
};
use crate::crypto::x25519::{X25519PublicKey, X25519Secret};
use crate::crypto::{aead, kdf};
use crate::identity::IdentityPublic;
use crate::labels;
use crate::wire::{self, DecodeError, account as pb, format};
use core::fmt;
use prost::Message;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// The public header of a provisioning message: what a server (or the new
/// device, before decrypting) can read. Decoded as strictly as
/// [`PendingLink::accept`] decodes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisioningHeader {
    code_hash: [u8; 32],
    sender: IdentityPublic,
    ephemeral: X25519PublicKey,
    ciphertext_len: usize,
}

impl ProvisioningHeader {
    /// Reads and validates the header: format, size, canonical encoding, a
    /// valid sender identity and ephemeral key, a ciphertext at least a tag
    /// long. A server routes the message by [`Self::code_hash`].
    pub fn read(bytes: &[u8], limits: &AccountLimits) -> Result<Self, AccountError> {
        Ok(parse(bytes, limits)?.0)
    }

    /// The hash naming the linking code it answers.
    pub fn code_hash(&self) -> &[u8; 32] {
        &self.code_hash
    }

    /// The primary device that sent it (validated, not yet authenticated).
    pub fn sender(&self) -> &IdentityPublic {
        &self.sender
    }

    /// The ciphertext length (the only thing the server learns about the
    /// contents: whether a history archive came along, roughly).
    pub fn ciphertext_len(&self) -> usize {
        self.ciphertext_len
    }
}

fn parse(bytes: &[u8], limits: &AccountLimits) -> Result<(ProvisioningHeader, Vec<u8>), AccountError> {
    let m: pb::ProvisioningMessage =
        wire::decode_typed(bytes, limits.max_provisioning_len(), format::PROVISIONING_MESSAGE, &[])?;
    let code_hash = wire::fixed::<32>("code_hash", &m.code_hash)?;
    let sender = wire::fixed::<128>("sender", &m.sender)?;
    let sender = IdentityPublic::from_fixed_bytes(&sender).map_err(|_| DecodeError::Invalid("sender"))?;
    wire::fixed::<32>("ephemeral", &m.ephemeral)?;
    let ephemeral = X25519PublicKey::from_bytes(&m.ephemeral).map_err(|_| AccountError::InvalidKey)?;
    if m.ciphertext.len() < aead::TAG_LEN {
        return Err(DecodeError::Invalid("ciphertext").into());
    }
    let header = ProvisioningHeader { code_hash, sender, ephemeral, ciphertext_len: m.ciphertext.len() };
    Ok((header, m.ciphertext))
}

fn keys(shared: &[u8; 32], code_secret: &[u8; 32], code_hash: &[u8; 32]) -> Zeroizing<[u8; 44]> {
    let mut ikm = Zeroizing::new([0u8; 64]);
    let (a, b) = ikm.split_at_mut(32);
    a.copy_from_slice(shared);
    b.copy_from_slice(code_secret);
    let mut okm = Zeroizing::new([0u8; 44]);
    kdf::hkdf_sha256(code_hash, ikm.as_slice(), labels::KDF_ACCOUNT_PROVISIONING.as_bytes(), okm.as_mut_slice());
    okm
}

fn split(okm: &[u8; 44]) -> ([u8; 32], [u8; aead::NONCE_LEN]) {
    let mut key = [0u8; 32];
    let mut nonce = [0u8; aead::NONCE_LEN];
    let (k, n) = okm.split_at(32);
    key.copy_from_slice(k);
    nonce.copy_from_slice(n);
    (key, nonce)
}

fn associated_data(
    code_hash: &[u8; 32],
    device: &IdentityPublic,
    sender: &IdentityPublic,
    ephemeral: &X25519PublicKey,
) -> Vec<u8> {
    let mut ad = labels::AD_ACCOUNT_PROVISIONING.as_bytes().to_vec();
    ad.extend_from_slice(code_hash);
    ad.extend_from_slice(&device.to_fixed_bytes());
    ad.extend_from_slice(&sender.to_fixed_bytes());
    ad.extend_from_slice(ephemeral.as_bytes());
    ad
}

/// What the primary gets from [`AccountKey::provision`]: the new list (to
/// publish and to observe in its own tracker) and the message for the new
/// device.
pub struct Provisioning {
    list: DeviceList,
    message: Vec<u8>,
}

impl Provisioning {
    /// The newly signed list, which names the new device.
    pub fn list(&self) -> &DeviceList {
        &self.list
    }

    /// The provisioning message (format `0x7301`), for the new device's
    /// mailbox ([`ProvisioningHeader::code_hash`]).
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// Both parts.
    pub fn into_parts(self) -> (DeviceList, Vec<u8>) {
        (self.list, self.message)
    }
}

impl fmt::Debug for Provisioning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provisioning").field("list", &self.list).field("message", &self.message.len()).finish()
    }
}

impl AccountKey {
    /// The primary links the device of a scanned `code` (SPEC.md §16.4):
    /// checks the code's expiry against `now`
    /// ([`AccountError::Expired`], also for a code claiming more than
    /// [`MAX_LINKING_CODE_VALIDITY_SECS`]), that `sender` (this device) is
    /// on `current`, signs the next list with the new device, and encrypts
    /// the list, the account key's public half and, only if `options` opts
    /// in, a history archive to the code. The account secret key stays
    /// here: the new device can read and send, not link others.
    #[allow(clippy::too_many_arguments)]
    pub fn provision<R: rand_core::CryptoRng + ?Sized>(
        &self,
        sender: &IdentityPublic,
        current: &DeviceList,
        code: &LinkingCode,
        options: &ProvisionOptions,
        now: u64,
        limits: &AccountLimits,
        rng: &mut R,
    ) -> Result<Provisioning, AccountError> {
        let expires_at = code.expires_at();
        if now > expires_at || expires_at > now.saturating_add(MAX_LINKING_CODE_VALIDITY_SECS) {
            return Err(AccountError::Expired { expires_at });
        }
        if !current.contains(sender) {
            return Err(AccountError::UnlistedDevice { device: *sender.signing_key().as_bytes() });
        }
        if let Some(h) = &options.history
            && h.len() > limits.max_history_len
        {
            return Err(AccountError::HistoryTooLarge { len: h.len(), max: limits.max_history_len });
        }
        let list = self.add_device(current, code.device(), options.name_hash, now, limits)?;
        let payload = pb::ProvisioningPayload {
            format: format::PROVISIONING_PAYLOAD,
            account: self.public().as_bytes().to_vec(),
            device_list: list.to_bytes().to_vec(),
            history: options.history.as_ref().map(|h| h.to_vec()).unwrap_or_default(),
        };
        let payload = wire::encode_secret(payload, |p| p.history.zeroize());
        let ephemeral = X25519Secret::generate(rng);
        let shared = ephemeral.diffie_hellman(code.ephemeral()).map_err(|_| AccountError::InvalidKey)?;
        let code_hash = code.code_hash();
        let okm = keys(shared.as_bytes(), code.secret().as_bytes(), &code_hash);
        let (mut key, nonce) = split(&okm);
        let ad = associated_data(&code_hash, code.device(), sender, ephemeral.public());
        let ciphertext = aead::seal(&key, &nonce, &ad, &payload);
        key.zeroize();
        let message = pb::ProvisioningMessage {
            format: format::PROVISIONING_MESSAGE,
            code_hash: code_hash.to_vec(),
            sender: sender.to_fixed_bytes().to_vec(),
            ephemeral: ephemeral.public().as_bytes().to_vec(),
            ciphertext,
        }
        .encode_to_vec();
        Ok(Provisioning { list, message })
    }
}

/// What a newly linked device learns from its provisioning message.
pub struct Provisioned {
    account: AccountPublic,
    sender: IdentityPublic,
    tracker: DeviceListTracker,
    history: Option<Zeroizing<Vec<u8>>>,
}

impl Provisioned {
    /// The account this device now belongs to.
    pub fn account(&self) -> &AccountPublic {
        &self.account
    }

    /// The primary device that linked it.
    pub fn sender(&self) -> &IdentityPublic {
        &self.sender
    }

    /// The signed list that names this device.
    pub fn list(&self) -> Option<&DeviceList> {
        self.tracker.current()
    }

    /// A tracker of the own account, holding that list.
    pub fn tracker(&self) -> &DeviceListTracker {
        &self.tracker
    }

    /// The history archive, if the primary opted in.
    pub fn history(&self) -> Option<&[u8]> {
        self.history.as_ref().map(|h| h.as_slice())
    }

    /// The tracker and the history archive.
    pub fn into_parts(self) -> (DeviceListTracker, Option<Zeroizing<Vec<u8>>>) {
        (self.tracker, self.history)
    }
}

impl fmt::Debug for Provisioned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provisioned")
            .field("account", &self.account)
            .field("sender", &self.sender)
            .field("history", &self.history.as_ref().map(|h| h.len()))
            .finish_non_exhaustive()
    }
}

impl PendingLink {
    /// Opens the primary's provisioning message (SPEC.md §16.4, steps 6–8).
    /// In order: strict decoding; [`AccountError::Duplicate`] once this
    /// link was consumed (a replay); [`AccountError::WrongCode`] for a
    /// message answering another code; [`AccountError::Expired`] after the
    /// code's expiry; [`AccountError::DecryptionFailed`] for a tampered
    /// message or one not made from this code; then the payload: the list
    /// must verify under the account key it carries
    /// ([`AccountError::BadSignature`]) and name this device and the sender
    /// ([`AccountError::UnlistedDevice`]). Only then is the link consumed
    /// (its secrets wiped); on any error nothing changes.
    pub fn accept(&mut self, bytes: &[u8], now: u64, limits: &AccountLimits) -> Result<Provisioned, AccountError> {
        let (header, ciphertext) = parse(bytes, limits)?;
        let (Some(ephemeral), Some(secret)) = (self.ephemeral.as_ref(), self.secret.as_ref()) else {
            return Err(AccountError::Duplicate);
        };
        if !bool::from(header.code_hash.ct_eq(&self.code_hash)) {
            return Err(AccountError::WrongCode);
        }
        if now > self.expires_at {
            return Err(AccountError::Expired { expires_at: self.expires_at });
        }
        let shared = ephemeral.diffie_hellman(&header.ephemeral).map_err(|_| AccountError::InvalidKey)?;
        let okm = keys(shared.as_bytes(), secret.as_bytes(), &self.code_hash);
        let (mut key, nonce) = split(&okm);
        let ad = associated_data(&self.code_hash, &self.device, &header.sender, &header.ephemeral);
        let opened = aead::open(&key, &nonce, &ad, &ciphertext);
        key.zeroize();
        let plaintext = opened.map_err(|_| AccountError::DecryptionFailed)?;
        let max = limits.max_provisioning_len();
        let wipe = |p: &mut pb::ProvisioningPayload| p.history.zeroize();
        let (account, list_bytes, history) =
            wire::decode_secret(&plaintext, max, format::PROVISIONING_PAYLOAD, &[], wipe, |p| {
                let account = AccountPublic::from_field("account", &p.account)?;
                let history = (!p.history.is_empty()).then(|| Zeroizing::new(p.history.clone()));
                Ok((account, p.device_list.clone(), history))
            })?;
        if let Some(h) = &history
            && h.len() > limits.max_history_len
        {
            return Err(AccountError::HistoryTooLarge { len: h.len(), max: limits.max_history_len });
        }
        let list = DeviceList::from_bytes(&list_bytes, limits)?;
        if *list.account() != account {
            return Err(AccountError::WrongAccount);
        }
        for d in [&self.device, &header.sender] {
            if !list.contains(d) {
                return Err(AccountError::UnlistedDevice { device: *d.signing_key().as_bytes() });
            }
        }
        let mut tracker = DeviceListTracker::with_limits(account, *limits);
        tracker.observe(list)?;
        self.ephemeral = None;
        self.secret = None;
        Ok(Provisioned { account, sender: header.sender, tracker, history })
    }
}
