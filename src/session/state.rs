//! One session: the state a handshake started, with the identities bound into
//! every message and, for the initiator, the handshake header it repeats
//! until the responder answers (SPEC.md §5.5, §5.8).

use crate::chain::SkippedKeys;
use crate::crypto::kem::KemCiphertext;
use crate::crypto::x25519::{X25519PublicKey, X25519Secret};
use crate::identity::{DeviceIdentity, IdentityPublic};
use crate::labels;
use crate::limits::SessionLimits;
use crate::padding;
use crate::prekey::{PreKeyBundle, PreKeyStore};
use crate::session::chain::{ReceiverChain, SendingChain};
use crate::session::handshake::{self, Transcript};
use crate::session::message::{self, ParsedPreKey, ParsedRatchet};
use crate::session::ratchet::{DoubleRatchet, Plan};
use crate::session::{ContentType, Handshake, Received, SessionError};
use crate::wire::format;

/// The prekeys an initiator's first messages name and, for a post-quantum
/// handshake, the KEM prekey id and the ciphertext every prekey message
/// repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingPreKey {
    pub(crate) signed_prekey_id: u32,
    pub(crate) one_time_prekey_id: Option<u32>,
    pub(crate) kem: Option<PendingKem>,
}

/// The KEM part of a post-quantum handshake header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingKem {
    pub(crate) kem_prekey_id: u32,
    pub(crate) ciphertext: KemCiphertext,
    /// SHA-256 of the ciphertext, bound into every prekey message's AD.
    digest: [u8; 32],
}

impl PendingKem {
    pub(crate) fn new(kem_prekey_id: u32, ciphertext: KemCiphertext) -> Self {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(ciphertext.as_bytes()).into();
        Self { kem_prekey_id, ciphertext, digest }
    }
}

/// One Double Ratchet session with one peer device.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) local: IdentityPublic,
    pub(crate) remote: IdentityPublic,
    pub(crate) initiator: bool,
    /// The initiator's ephemeral key: names the session in prekey messages.
    pub(crate) base_key: X25519PublicKey,
    /// Initiator only, until the first message from the responder decrypts.
    pub(crate) pending: Option<PendingPreKey>,
    pub(crate) created_at: u64,
    /// Lost a simultaneous-initiation tie-break: still decrypts, never promoted.
    pub(crate) superseded: bool,
    /// The handshake had a KEM shared secret (PQXDH, SPEC.md §5.4). The seam
    /// for a post-quantum ratchet beside the Double Ratchet (§5.9) is next
    /// to it: state field 14 is reserved for that ratchet.
    pub(crate) post_quantum: bool,
    pub(crate) ratchet: DoubleRatchet,
}

/// The handshake fields of a prekey message, bound into its AD, and the
/// format of that message (`0x0201` classical, `0x0202` post-quantum).
pub(crate) struct PreKeyBinding {
    format: u32,
    bytes: Vec<u8>,
}

/// `base_key (32) || signed_prekey_id (4, BE) || has_one_time (1) ||
/// one_time_prekey_id (4, BE) [|| kem_prekey_id (4, BE) ||
/// SHA-256(kem_ciphertext) (32)]`: 41 bytes, 77 for a post-quantum prekey
/// message, so a prekey message whose KEM fields were altered fails even on
/// a session its first message already started.
pub(crate) fn prekey_binding(base_key: &X25519PublicKey, ids: &PendingPreKey) -> PreKeyBinding {
    let mut b = Vec::with_capacity(77);
    b.extend_from_slice(base_key.as_bytes());
    b.extend_from_slice(&ids.signed_prekey_id.to_be_bytes());
    b.push(u8::from(ids.one_time_prekey_id.is_some()));
    b.extend_from_slice(&ids.one_time_prekey_id.unwrap_or(0).to_be_bytes());
    let format = match &ids.kem {
        Some(k) => {
            b.extend_from_slice(&k.kem_prekey_id.to_be_bytes());
            b.extend_from_slice(&k.digest);
            format::PREKEY_MESSAGE
        }
        None => format::PREKEY_MESSAGE_V1,
    };
    PreKeyBinding { format, bytes: b }
}

/// `label || format (4, BE) || sender Ed25519 key || recipient Ed25519 key
/// || header bytes [|| prekey binding]`: the version and type of the message,
/// both identities, the exact header and, for a prekey message, its handshake
/// fields.
fn associated_data(
    sender: &IdentityPublic,
    recipient: &IdentityPublic,
    header: &[u8],
    binding: Option<&PreKeyBinding>,
) -> Vec<u8> {
    let label = labels::AD_SESSION_MESSAGE.as_bytes();
    let mut ad = Vec::with_capacity(label.len() + 4 + 64 + header.len() + 77);
    ad.extend_from_slice(label);
    let format = binding.map_or(format::RATCHET_MESSAGE, |b| b.format);
    ad.extend_from_slice(&format.to_be_bytes());
    ad.extend_from_slice(sender.signing_key().as_bytes());
    ad.extend_from_slice(recipient.signing_key().as_bytes());
    ad.extend_from_slice(header);
    if let Some(b) = binding {
        ad.extend_from_slice(&b.bytes);
    }
    ad
}

impl Session {
    /// Starts a session from a validated bundle.
    pub(crate) fn initiate<R: rand_core::CryptoRng + ?Sized>(
        local: &DeviceIdentity,
        bundle: &PreKeyBundle,
        now: u64,
        rng: &mut R,
    ) -> Result<Self, SessionError> {
        let ephemeral = X25519Secret::generate(rng);
        let remote = bundle.identity();
        let local_public = local.public();
        let t = Transcript {
            initiator: &local_public,
            responder: &remote,
            base_key: ephemeral.public(),
            signed_prekey: bundle.signed_prekey().key(),
            one_time_prekey: bundle.one_time_prekey().map(|o| o.key()),
            kem_prekey: bundle.kem_prekey().map(|k| (k.key(), k.id())),
        };
        let (out, ciphertext) = handshake::initiate(local, &ephemeral, &t, rng)?;
        let kem = bundle.kem_prekey().zip(ciphertext).map(|(k, ciphertext)| PendingKem::new(k.id(), ciphertext));
        let base_key = *ephemeral.public();
        Ok(Self {
            local: local_public,
            remote,
            initiator: true,
            base_key,
            pending: Some(PendingPreKey {
                signed_prekey_id: bundle.signed_prekey().id(),
                one_time_prekey_id: bundle.one_time_prekey().map(|o| o.id()),
                kem,
            }),
            created_at: now,
            superseded: false,
            post_quantum: bundle.is_post_quantum(),
            ratchet: DoubleRatchet {
                root_key: out.root_key,
                our_ratchet: Some(ephemeral),
                sending: Some(SendingChain { chain_key: out.chain_key, counter: 0 }),
                previous_counter: 0,
                receiving: Vec::new(),
            },
        })
    }

    /// Builds the responder's session from a prekey message (changes nothing
    /// in `prekeys`: the caller consumes the one-time prekey after the first
    /// message decrypts).
    pub(crate) fn respond(
        local: &DeviceIdentity,
        prekeys: &PreKeyStore,
        remote: IdentityPublic,
        msg: &ParsedPreKey,
        now: u64,
    ) -> Result<Self, SessionError> {
        let spk = prekeys
            .signed_secret(msg.signed_prekey_id)
            .ok_or(SessionError::UnknownSignedPreKey(msg.signed_prekey_id))?;
        let opk = match msg.one_time_prekey_id {
            None => None,
            Some(id) => Some(prekeys.one_time_secret(id).ok_or(SessionError::UnknownOneTimePreKey(id))?),
        };
        let kem = match &msg.kem {
            None => None,
            Some(k) => {
                let (dk, _) =
                    prekeys.kem_secret(k.kem_prekey_id).ok_or(SessionError::UnknownKemPreKey(k.kem_prekey_id))?;
                Some((dk, &k.ciphertext, k.kem_prekey_id))
            }
        };
        let local_public = local.public();
        let t = Transcript {
            initiator: &remote,
            responder: &local_public,
            base_key: &msg.base_key,
            signed_prekey: spk.public(),
            one_time_prekey: opk.map(|o| o.public()),
            kem_prekey: kem.map(|(dk, _, id)| (dk.public(), id)),
        };
        let out = handshake::respond(local, spk, opk, kem.map(|(dk, ct, _)| (dk, ct)), &t)?;
        Ok(Self {
            local: local_public,
            remote,
            initiator: false,
            base_key: msg.base_key,
            pending: None,
            created_at: now,
            superseded: false,
            post_quantum: msg.kem.is_some(),
            ratchet: DoubleRatchet {
                root_key: out.root_key,
                our_ratchet: None,
                sending: None,
                previous_counter: 0,
                receiving: vec![ReceiverChain {
                    ratchet_key: msg.base_key,
                    chain_key: Some(out.chain_key),
                    next: 0,
                    skipped: SkippedKeys::default(),
                }],
            },
        })
    }

    /// Encrypts one payload; a prekey message while the handshake is unanswered.
    pub(crate) fn encrypt<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        content_type: ContentType,
        body: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>, SessionError> {
        let (header, mk) = self.ratchet.next_sending_key(rng)?;
        let header_bytes = message::encode_header(&header);
        let binding = self.pending.as_ref().map(|p| prekey_binding(&self.base_key, p));
        let ad = associated_data(&self.local, &self.remote, &header_bytes, binding.as_ref());
        let padded = padding::pad(content_type.to_byte(), body);
        let ciphertext = mk.seal(&ad, &padded);
        let m = message::ratchet_wire(header_bytes, ciphertext);
        Ok(match &self.pending {
            Some(p) => message::prekey_wire(&self.local, &self.base_key, p, m),
            None => prost::Message::encode_to_vec(&m),
        })
    }

    /// True if this session holds a chain for the message's ratchet key.
    pub(crate) fn knows(&self, msg: &ParsedRatchet) -> bool {
        self.ratchet.knows(&msg.header.ratchet_key)
    }

    /// Decrypts without changing anything; [`Session::commit`] applies.
    /// `binding` is the prekey binding when the message came wrapped in a
    /// prekey message.
    pub(crate) fn prepare(
        &self,
        msg: &ParsedRatchet,
        binding: Option<&PreKeyBinding>,
        limits: &SessionLimits,
    ) -> Result<(Received, Plan), SessionError> {
        let ad = associated_data(&self.remote, &self.local, &msg.header_bytes, binding);
        let (mut body, plan) = self.ratchet.prepare(&msg.header, &ad, &msg.ciphertext, limits)?;
        let ty = padding::unpad_in_place(&mut body).map_err(|_| SessionError::BadContent)?;
        let ty = ContentType::from_byte(ty).ok_or(SessionError::BadContent)?;
        let handshake = if self.post_quantum { Handshake::PostQuantum } else { Handshake::Classical };
        Ok((Received::new(self.remote, ty, body).with_handshake(handshake), plan))
    }

    pub(crate) fn commit(&mut self, plan: Plan, limits: &SessionLimits) {
        self.ratchet.commit(plan, limits);
        // Any message from the peer in this session answers the handshake.
        self.pending = None;
    }
}
