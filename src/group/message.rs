//! Wire conversion of group messages and distributions (SPEC.md §12.3–12.4).

use crate::chain::MessageKey;
use crate::crypto::sig::Signature;
use crate::group::{DistributionInfo, GroupError};
use crate::labels;
use crate::limits::GROUP_ID_MAX_LEN;
use crate::session::{ContentType, Received};
use crate::wire::{self, DecodeError, format, group as pb};
use zeroize::Zeroize;

/// Largest encoded distribution.
pub(crate) const MAX_DISTRIBUTION_LEN: usize = 256;

/// The roster epoch a chain was made under: the epoch counter and the
/// members hash of that epoch.
pub(crate) type Epoch = (u64, [u8; 32]);

/// A group message with its body parsed and the exact signed bytes kept.
pub(crate) struct ParsedGroupMessage {
    pub(crate) body_bytes: Vec<u8>,
    pub(crate) body: pb::GroupMessageBody,
    pub(crate) sender: [u8; 32],
    pub(crate) signature: Signature,
    /// `None` for a version-1 message (no epoch, no key commitment).
    pub(crate) epoch: Option<Epoch>,
    pub(crate) commitment: [u8; 32],
}

pub(crate) fn decode(bytes: &[u8], max_len: usize) -> Result<ParsedGroupMessage, GroupError> {
    // Version 1 is still read (a legacy state's chains); anything else is
    // refused by the format check of version 2.
    let v1 = wire::peek_format(bytes)? == format::GROUP_MESSAGE_V1;
    let expected = if v1 { format::GROUP_MESSAGE_V1 } else { format::GROUP_MESSAGE };
    let m: pb::GroupMessage = wire::decode_typed(bytes, max_len, expected, &[])?;
    let body: pb::GroupMessageBody = wire::decode_strict(&m.body, max_len)?;
    let sender = wire::fixed::<32>("body.sender", &body.sender)?;
    let sig = wire::fixed::<64>("signature", &m.signature)?;
    if body.ciphertext.len() < crate::crypto::aead::TAG_LEN {
        return Err(DecodeError::Invalid("body.ciphertext").into());
    }
    let (epoch, commitment) = if v1 {
        if body.roster_epoch != 0 || !body.roster_hash.is_empty() || !body.key_commitment.is_empty() {
            return Err(DecodeError::Invalid("body (version 1 with version-2 fields)").into());
        }
        (None, [0; 32])
    } else {
        let hash = wire::fixed::<32>("body.roster_hash", &body.roster_hash)?;
        (Some((body.roster_epoch, hash)), wire::fixed::<32>("body.key_commitment", &body.key_commitment)?)
    };
    let signature = Signature::from_slice(&sig).map_err(|_| DecodeError::Invalid("signature"))?;
    Ok(ParsedGroupMessage { body_bytes: m.body, body, sender, signature, epoch, commitment })
}

/// `label || len(group_id) (1) || group_id || sender (32) || chain_id (4, BE) || iteration (4, BE)`,
/// then for version 2 `|| roster_epoch (8, BE) || roster_hash (32)`.
pub(crate) fn associated_data(
    group_id: &[u8],
    sender: &[u8; 32],
    chain_id: u32,
    iteration: u32,
    epoch: Option<&Epoch>,
) -> Vec<u8> {
    let label = labels::AD_GROUP_MESSAGE.as_bytes();
    let mut ad = Vec::with_capacity(label.len() + 1 + group_id.len() + 80);
    ad.extend_from_slice(label);
    ad.push(u8::try_from(group_id.len()).unwrap_or(u8::MAX));
    ad.extend_from_slice(group_id);
    ad.extend_from_slice(sender);
    ad.extend_from_slice(&chain_id.to_be_bytes());
    ad.extend_from_slice(&iteration.to_be_bytes());
    if let Some((e, h)) = epoch {
        ad.extend_from_slice(&e.to_be_bytes());
        ad.extend_from_slice(h);
    }
    ad
}

/// `HMAC-SHA-256(mk, "vestnik/v1/kdf/group-key-commitment")`, over the
/// 32-byte message key before HKDF-Expand: what the signed body commits to.
pub(crate) fn key_commitment(mk: &MessageKey) -> [u8; 32] {
    crate::crypto::kdf::hmac_sha256(mk.secret().as_bytes(), labels::KDF_GROUP_KEY_COMMITMENT.as_bytes())
}

/// A decoded version-2 distribution with its chain key wiped.
pub(crate) struct PublicDistribution {
    pub(crate) group_id: Vec<u8>,
    pub(crate) chain_id: u32,
    pub(crate) iteration: u32,
    pub(crate) signing_key: Vec<u8>,
    pub(crate) epoch: Epoch,
}

/// Decodes a distribution strictly (format first, size cap, canonical
/// encoding, field lengths); `take` gets the chain key, which is wiped from
/// the decoded message whatever the outcome.
pub(crate) fn decode_distribution<T>(
    bytes: &[u8],
    take: impl FnOnce(&[u8]) -> Result<T, DecodeError>,
) -> Result<(PublicDistribution, T), GroupError> {
    Ok(wire::decode_secret(
        bytes,
        MAX_DISTRIBUTION_LEN,
        format::SENDER_KEY_DISTRIBUTION,
        &[],
        |d: &mut pb::SenderKeyDistribution| d.chain_key.zeroize(),
        |d| {
            if d.group_id.is_empty() || d.group_id.len() > GROUP_ID_MAX_LEN {
                return Err(DecodeError::Invalid("group_id"));
            }
            for (field, value) in [("chain_key", &d.chain_key), ("signing_key", &d.signing_key)] {
                if value.len() != 32 {
                    return Err(DecodeError::WrongLength { field, len: value.len(), expected: 32 });
                }
            }
            let hash = wire::fixed::<32>("roster_hash", &d.roster_hash)?;
            let secret = take(&d.chain_key)?;
            Ok((
                PublicDistribution {
                    group_id: d.group_id.clone(),
                    chain_id: d.chain_id,
                    iteration: d.iteration,
                    signing_key: d.signing_key.clone(),
                    epoch: (d.roster_epoch, hash),
                },
                secret,
            ))
        },
    )?)
}

/// The public routing data of a distribution, decoded strictly (size cap and
/// format first, canonical encoding, field lengths) with the chain key wiped.
pub(crate) fn peek_distribution(received: &Received) -> Result<DistributionInfo, GroupError> {
    if received.content_type() != ContentType::SenderKeyDistribution {
        return Err(GroupError::NotADistribution);
    }
    let (d, ()) = decode_distribution(received.plaintext(), |_| Ok(()))?;
    Ok(DistributionInfo {
        sender: *received.sender(),
        group_id: d.group_id,
        chain_id: d.chain_id,
        iteration: d.iteration,
        roster_epoch: d.epoch.0,
    })
}
