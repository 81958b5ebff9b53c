//! Wire conversion of group messages and distributions (SPEC.md §12.3–12.4).

use crate::crypto::sig::Signature;
use crate::group::{DistributionInfo, GroupError};
use crate::labels;
use crate::limits::GROUP_ID_MAX_LEN;
use crate::session::{ContentType, Received};
use crate::wire::{self, DecodeError, format, group as pb};
use zeroize::Zeroize;

/// Largest encoded distribution.
pub(crate) const MAX_DISTRIBUTION_LEN: usize = 256;

/// A group message with its body parsed and the exact signed bytes kept.
pub(crate) struct ParsedGroupMessage {
    pub(crate) body_bytes: Vec<u8>,
    pub(crate) body: pb::GroupMessageBody,
    pub(crate) sender: [u8; 32],
    pub(crate) signature: Signature,
}

pub(crate) fn decode(bytes: &[u8], max_len: usize) -> Result<ParsedGroupMessage, GroupError> {
    let m: pb::GroupMessage = wire::decode_typed(bytes, max_len, format::GROUP_MESSAGE, &[])?;
    let body: pb::GroupMessageBody = wire::decode_strict(&m.body, max_len)?;
    let sender = wire::fixed::<32>("body.sender", &body.sender)?;
    let sig = wire::fixed::<64>("signature", &m.signature)?;
    if body.ciphertext.len() < crate::crypto::aead::TAG_LEN {
        return Err(DecodeError::Invalid("body.ciphertext").into());
    }
    let signature = Signature::from_slice(&sig).map_err(|_| DecodeError::Invalid("signature"))?;
    Ok(ParsedGroupMessage { body_bytes: m.body, body, sender, signature })
}

/// `label || len(group_id) (1) || group_id || sender (32) || chain_id (4, BE) || iteration (4, BE)`.
pub(crate) fn associated_data(group_id: &[u8], sender: &[u8; 32], chain_id: u32, iteration: u32) -> Vec<u8> {
    let label = labels::AD_GROUP_MESSAGE.as_bytes();
    let mut ad = Vec::with_capacity(label.len() + 1 + group_id.len() + 40);
    ad.extend_from_slice(label);
    ad.push(u8::try_from(group_id.len()).unwrap_or(u8::MAX));
    ad.extend_from_slice(group_id);
    ad.extend_from_slice(sender);
    ad.extend_from_slice(&chain_id.to_be_bytes());
    ad.extend_from_slice(&iteration.to_be_bytes());
    ad
}

/// The public routing data of a distribution, decoded strictly (size cap and
/// format first, canonical encoding, field lengths) with the chain key wiped.
pub(crate) fn peek_distribution(received: &Received) -> Result<DistributionInfo, GroupError> {
    if received.content_type() != ContentType::SenderKeyDistribution {
        return Err(GroupError::NotADistribution);
    }
    let bytes = received.plaintext();
    let info = wire::decode_secret(
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
            Ok(DistributionInfo {
                sender: *received.sender(),
                group_id: d.group_id.clone(),
                chain_id: d.chain_id,
                iteration: d.iteration,
            })
        },
    )?;
    Ok(info)
}
