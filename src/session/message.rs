//! Wire conversion of the two 1:1 message types (SPEC.md §5.5): the only
//! place the session layer touches generated protobuf types for messages.

use crate::crypto::kem::{CIPHERTEXT_LEN, KemCiphertext};
use crate::crypto::x25519::X25519PublicKey;
use crate::identity::IdentityPublic;
use crate::session::SessionError;
use crate::session::ratchet::Header;
use crate::session::state::{PendingKem, PendingPreKey};
use crate::wire::{self, DecodeError, format, session as pb};
use prost::Message;

/// Largest encoded ratchet header (32-byte key, two varints, framing).
const MAX_HEADER_LEN: usize = 64;

/// A ratchet message with its header parsed and its exact header bytes kept
/// for the associated data.
#[derive(Debug)]
pub(crate) struct ParsedRatchet {
    pub(crate) header: Header,
    pub(crate) header_bytes: Vec<u8>,
    pub(crate) ciphertext: Vec<u8>,
}

/// A prekey message. The initiator identity is kept as received bytes: it is
/// compared with the expected peer before any validation work.
pub(crate) struct ParsedPreKey {
    pub(crate) initiator: pb::IdentityPublic,
    pub(crate) base_key: X25519PublicKey,
    pub(crate) signed_prekey_id: u32,
    pub(crate) one_time_prekey_id: Option<u32>,
    /// Version 2: the KEM prekey id and ciphertext; `None` for version 1.
    pub(crate) kem: Option<PendingKem>,
    pub(crate) message: ParsedRatchet,
}

impl ParsedPreKey {
    /// The handshake fields, as the initiator's session holds them.
    pub(crate) fn ids(&self) -> PendingPreKey {
        PendingPreKey {
            signed_prekey_id: self.signed_prekey_id,
            one_time_prekey_id: self.one_time_prekey_id,
            kem: self.kem.clone(),
        }
    }
}

/// An incoming 1:1 message of either type.
pub(crate) enum Incoming {
    PreKey(ParsedPreKey),
    Ratchet(ParsedRatchet),
}

pub(crate) fn encode_header(h: &Header) -> Vec<u8> {
    pb::RatchetHeader {
        ratchet_key: h.ratchet_key.as_bytes().to_vec(),
        counter: h.counter,
        previous_counter: h.previous_counter,
    }
    .encode_to_vec()
}

pub(crate) fn ratchet_wire(header_bytes: Vec<u8>, ciphertext: Vec<u8>) -> pb::RatchetMessage {
    pb::RatchetMessage { format: format::RATCHET_MESSAGE, header: header_bytes, ciphertext }
}

fn parse_ratchet(m: pb::RatchetMessage) -> Result<ParsedRatchet, SessionError> {
    wire::check_format(m.format, format::RATCHET_MESSAGE)?;
    let h: pb::RatchetHeader = wire::decode_strict(&m.header, MAX_HEADER_LEN)?;
    wire::fixed::<32>("header.ratchet_key", &h.ratchet_key)?;
    let ratchet_key = X25519PublicKey::from_bytes(&h.ratchet_key).map_err(|_| SessionError::InvalidKey)?;
    if m.ciphertext.len() < crate::crypto::aead::TAG_LEN {
        return Err(DecodeError::Invalid("ciphertext").into());
    }
    Ok(ParsedRatchet {
        header: Header { ratchet_key, counter: h.counter, previous_counter: h.previous_counter },
        header_bytes: m.header,
        ciphertext: m.ciphertext,
    })
}

/// Decodes either message type; `max_len` caps the input before anything
/// is allocated.
pub(crate) fn decode(bytes: &[u8], max_len: usize) -> Result<Incoming, SessionError> {
    match wire::peek_format(bytes)? {
        format::RATCHET_MESSAGE => {
            let m: pb::RatchetMessage = wire::decode_typed(bytes, max_len, format::RATCHET_MESSAGE, &[])?;
            Ok(Incoming::Ratchet(parse_ratchet(m)?))
        }
        f @ (format::PREKEY_MESSAGE | format::PREKEY_MESSAGE_V1) => {
            let m: pb::PreKeyMessage = wire::decode_typed(bytes, max_len, f, &[])?;
            let kem = if f == format::PREKEY_MESSAGE_V1 {
                // Fields 7 and 8 do not exist in version 1.
                if !m.kem_ciphertext.is_empty() || m.kem_prekey_id != 0 {
                    return Err(DecodeError::Invalid("kem fields in a version-1 prekey message").into());
                }
                None
            } else {
                wire::fixed::<CIPHERTEXT_LEN>("kem_ciphertext", &m.kem_ciphertext)?;
                if m.kem_prekey_id == 0 {
                    return Err(DecodeError::Invalid("kem_prekey_id").into());
                }
                let ciphertext =
                    KemCiphertext::from_bytes(&m.kem_ciphertext).ok_or(DecodeError::Invalid("kem_ciphertext"))?;
                Some(PendingKem::new(m.kem_prekey_id, ciphertext))
            };
            let initiator = m.initiator.ok_or(DecodeError::Missing("initiator"))?;
            wire::fixed::<32>("base_key", &m.base_key)?;
            let base_key = X25519PublicKey::from_bytes(&m.base_key).map_err(|_| SessionError::InvalidKey)?;
            let inner = parse_ratchet(m.message.ok_or(DecodeError::Missing("message"))?)?;
            if inner.header.ratchet_key != base_key {
                return Err(DecodeError::Invalid("message.header.ratchet_key").into());
            }
            Ok(Incoming::PreKey(ParsedPreKey {
                initiator,
                base_key,
                signed_prekey_id: m.signed_prekey_id,
                one_time_prekey_id: m.one_time_prekey_id,
                kem,
                message: inner,
            }))
        }
        other => {
            let expected = if other >> 8 == format::PREKEY_MESSAGE >> 8 {
                format::PREKEY_MESSAGE
            } else {
                format::RATCHET_MESSAGE
            };
            Err(wire::check_format(other, expected).err().unwrap_or(DecodeError::Malformed).into())
        }
    }
}

/// Wraps a ratchet message in the handshake header: version 2 with the KEM
/// fields of a post-quantum handshake, version 1 without.
pub(crate) fn prekey_wire(
    initiator: &IdentityPublic,
    base_key: &X25519PublicKey,
    ids: &PendingPreKey,
    message: pb::RatchetMessage,
) -> Vec<u8> {
    pb::PreKeyMessage {
        format: if ids.kem.is_some() { format::PREKEY_MESSAGE } else { format::PREKEY_MESSAGE_V1 },
        initiator: Some(initiator.to_wire()),
        base_key: base_key.as_bytes().to_vec(),
        signed_prekey_id: ids.signed_prekey_id,
        one_time_prekey_id: ids.one_time_prekey_id,
        message: Some(message),
        kem_ciphertext: ids.kem.as_ref().map(|k| k.ciphertext.as_bytes().to_vec()).unwrap_or_default(),
        kem_prekey_id: ids.kem.as_ref().map_or(0, |k| k.kem_prekey_id),
    }
    .encode_to_vec()
}
