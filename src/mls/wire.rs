//! The vestnik envelopes of MLS objects (SPEC.md §15.6): every KeyPackage,
//! Welcome, commit, proposal, application message, GroupInfo and ratchet
//! tree travels inside one, with its own format number and a size cap, so a
//! server, a fuzzer and a member all enter through `wire::decode_typed`
//! (format, then size, then strict protobuf) before any MLS decoder runs.
//!
//! These decoders need no secret and build without the `mls` feature: a
//! server that only routes and checks envelopes can leave mls-rs out.

use super::limits::{MLS_GROUP_ID_MAX_LEN, MlsLimits};
use crate::wire::{self, DecodeError, format, mls as pb};
use prost::Message;

/// What an [`MlsMessageEnvelope`] carries, as its routing header says (and
/// the MLS framing inside must agree).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MlsContentKind {
    /// An application message (PrivateMessage).
    Application,
    /// A proposal (PublicMessage), e.g. a member leaving.
    Proposal,
    /// A commit (PublicMessage): the server orders these, one per epoch.
    Commit,
}

impl MlsContentKind {
    /// The wire value of field `kind`.
    pub fn to_u32(self) -> u32 {
        match self {
            Self::Application => 1,
            Self::Proposal => 2,
            Self::Commit => 3,
        }
    }

    /// The kind of a wire value.
    pub fn from_u32(v: u32) -> Option<Self> {
        match v {
            1 => Some(Self::Application),
            2 => Some(Self::Proposal),
            3 => Some(Self::Commit),
            _ => None,
        }
    }
}

fn check_group_id(group_id: &[u8]) -> Result<(), DecodeError> {
    if group_id.is_empty() {
        return Err(DecodeError::Missing("group_id"));
    }
    if group_id.len() > MLS_GROUP_ID_MAX_LEN {
        return Err(DecodeError::WrongLength {
            field: "group_id",
            len: group_id.len(),
            expected: MLS_GROUP_ID_MAX_LEN,
        });
    }
    Ok(())
}

fn non_empty(field: &'static str, v: &[u8]) -> Result<(), DecodeError> {
    if v.is_empty() { Err(DecodeError::Missing(field)) } else { Ok(()) }
}

/// A KeyPackage upload (format `0x6001`): what a device puts beside its
/// prekey bundle, and what a member fetches to add the device.
#[derive(Clone, PartialEq, Eq)]
pub struct MlsKeyPackageEnvelope {
    key_package: Vec<u8>,
}

impl MlsKeyPackageEnvelope {
    #[cfg_attr(not(feature = "mls"), allow(dead_code))]
    pub(crate) fn new(key_package: Vec<u8>) -> Self {
        Self { key_package }
    }

    /// Strict decode: format, size (`max_key_package_len` plus the envelope's
    /// few bytes), canonical protobuf. The MLS bytes are not parsed here.
    pub fn from_bytes(bytes: &[u8], limits: &MlsLimits) -> Result<Self, DecodeError> {
        let max = limits.max_key_package_len.saturating_add(16);
        let m: pb::MlsKeyPackageEnvelope = wire::decode_typed(bytes, max, format::MLS_KEY_PACKAGE, &[])?;
        non_empty("key_package", &m.key_package)?;
        if m.key_package.len() > limits.max_key_package_len {
            return Err(DecodeError::TooLarge { len: m.key_package.len(), max: limits.max_key_package_len });
        }
        Ok(Self { key_package: m.key_package })
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        pb::MlsKeyPackageEnvelope { format: format::MLS_KEY_PACKAGE, key_package: self.key_package.clone() }
            .encode_to_vec()
    }

    /// The RFC 9420 `MLSMessage` (a KeyPackage) inside.
    pub fn mls_bytes(&self) -> &[u8] {
        &self.key_package
    }
}

impl core::fmt::Debug for MlsKeyPackageEnvelope {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "MlsKeyPackageEnvelope({} bytes)", self.key_package.len())
    }
}

/// A commit, proposal or application message (format `0x6101`), with a
/// plaintext routing header (group id, epoch, kind) that repeats what the
/// MLS framing shows anyway; members and the observer check the two agree.
#[derive(Clone, PartialEq, Eq)]
pub struct MlsMessageEnvelope {
    group_id: Vec<u8>,
    epoch: u64,
    kind: MlsContentKind,
    message: Vec<u8>,
}

impl MlsMessageEnvelope {
    #[cfg_attr(not(feature = "mls"), allow(dead_code))]
    pub(crate) fn new(group_id: Vec<u8>, epoch: u64, kind: MlsContentKind, message: Vec<u8>) -> Self {
        Self { group_id, epoch, kind, message }
    }

    /// Strict decode under `limits`: format, then the size cap of any MLS
    /// message ([`MlsLimits::max_message_len`]), canonical protobuf, then
    /// the cap of the kind named in the header (application messages
    /// [`MlsLimits::max_application_len`], handshakes
    /// [`MlsLimits::max_handshake_len`]).
    pub fn from_bytes(bytes: &[u8], limits: &MlsLimits) -> Result<Self, DecodeError> {
        let m: pb::MlsMessageEnvelope = wire::decode_typed(bytes, limits.max_message_len(), format::MLS_MESSAGE, &[])?;
        check_group_id(&m.group_id)?;
        let kind = MlsContentKind::from_u32(m.kind).ok_or(DecodeError::Invalid("kind"))?;
        non_empty("message", &m.message)?;
        let cap = match kind {
            MlsContentKind::Application => limits.max_application_len(),
            MlsContentKind::Proposal | MlsContentKind::Commit => limits.max_handshake_len(),
        };
        if m.message.len() > cap {
            return Err(DecodeError::TooLarge { len: m.message.len(), max: cap });
        }
        Ok(Self { group_id: m.group_id, epoch: m.epoch, kind, message: m.message })
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        pb::MlsMessageEnvelope {
            format: format::MLS_MESSAGE,
            group_id: self.group_id.clone(),
            epoch: self.epoch,
            kind: self.kind.to_u32(),
            message: self.message.clone(),
        }
        .encode_to_vec()
    }

    /// Group id of the routing header.
    pub fn group_id(&self) -> &[u8] {
        &self.group_id
    }

    /// Epoch of the routing header (the epoch the message was sent in).
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Kind of the routing header.
    pub fn kind(&self) -> MlsContentKind {
        self.kind
    }

    /// The RFC 9420 `MLSMessage` inside.
    pub fn mls_bytes(&self) -> &[u8] {
        &self.message
    }

    /// Length of the whole encoding, for byte counts.
    pub fn encoded_len(&self) -> usize {
        self.to_bytes().len()
    }
}

impl core::fmt::Debug for MlsMessageEnvelope {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "MlsMessageEnvelope({:?}, epoch {}, {} bytes)", self.kind, self.epoch, self.message.len())
    }
}

/// A Welcome (format `0x6201`), made without the ratchet_tree extension:
/// the joiner fetches the tree separately ([`MlsRatchetTreeEnvelope`]).
#[derive(Clone, PartialEq, Eq)]
pub struct MlsWelcomeEnvelope {
    welcome: Vec<u8>,
}

impl MlsWelcomeEnvelope {
    #[cfg_attr(not(feature = "mls"), allow(dead_code))]
    pub(crate) fn new(welcome: Vec<u8>) -> Self {
        Self { welcome }
    }

    /// Strict decode, capped at [`MlsLimits::max_welcome_len`].
    pub fn from_bytes(bytes: &[u8], limits: &MlsLimits) -> Result<Self, DecodeError> {
        let max = limits.max_welcome_len();
        let m: pb::MlsWelcomeEnvelope = wire::decode_typed(bytes, max.saturating_add(16), format::MLS_WELCOME, &[])?;
        non_empty("welcome", &m.welcome)?;
        if m.welcome.len() > max {
            return Err(DecodeError::TooLarge { len: m.welcome.len(), max });
        }
        Ok(Self { welcome: m.welcome })
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        pb::MlsWelcomeEnvelope { format: format::MLS_WELCOME, welcome: self.welcome.clone() }.encode_to_vec()
    }

    /// The RFC 9420 `MLSMessage` (a Welcome) inside.
    pub fn mls_bytes(&self) -> &[u8] {
        &self.welcome
    }
}

impl core::fmt::Debug for MlsWelcomeEnvelope {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "MlsWelcomeEnvelope({} bytes)", self.welcome.len())
    }
}

/// A group's public ratchet tree at an epoch (format `0x6301`), served to
/// joiners; the joiner checks it against the tree hash in the GroupInfo.
#[derive(Clone, PartialEq, Eq)]
pub struct MlsRatchetTreeEnvelope {
    group_id: Vec<u8>,
    epoch: u64,
    tree: Vec<u8>,
}

impl MlsRatchetTreeEnvelope {
    #[cfg_attr(not(feature = "mls"), allow(dead_code))]
    pub(crate) fn new(group_id: Vec<u8>, epoch: u64, tree: Vec<u8>) -> Self {
        Self { group_id, epoch, tree }
    }

    /// Strict decode, capped at [`MlsLimits::max_tree_len`].
    pub fn from_bytes(bytes: &[u8], limits: &MlsLimits) -> Result<Self, DecodeError> {
        let max = limits.max_tree_len();
        let m: pb::MlsRatchetTreeEnvelope =
            wire::decode_typed(bytes, max.saturating_add(MLS_GROUP_ID_MAX_LEN + 32), format::MLS_RATCHET_TREE, &[])?;
        check_group_id(&m.group_id)?;
        non_empty("tree", &m.tree)?;
        if m.tree.len() > max {
            return Err(DecodeError::TooLarge { len: m.tree.len(), max });
        }
        Ok(Self { group_id: m.group_id, epoch: m.epoch, tree: m.tree })
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        pb::MlsRatchetTreeEnvelope {
            format: format::MLS_RATCHET_TREE,
            group_id: self.group_id.clone(),
            epoch: self.epoch,
            tree: self.tree.clone(),
        }
        .encode_to_vec()
    }

    /// Group id.
    pub fn group_id(&self) -> &[u8] {
        &self.group_id
    }

    /// Epoch of the tree.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The TLS-encoded tree inside.
    pub fn tree_bytes(&self) -> &[u8] {
        &self.tree
    }
}

impl core::fmt::Debug for MlsRatchetTreeEnvelope {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "MlsRatchetTreeEnvelope(epoch {}, {} bytes)", self.epoch, self.tree.len())
    }
}

/// A signed GroupInfo (format `0x6701`), which a member hands the delivery
/// service so its observer can follow the group (SPEC.md §15.x).
#[derive(Clone, PartialEq, Eq)]
pub struct MlsGroupInfoEnvelope {
    group_id: Vec<u8>,
    epoch: u64,
    group_info: Vec<u8>,
}

impl MlsGroupInfoEnvelope {
    #[cfg_attr(not(feature = "mls"), allow(dead_code))]
    pub(crate) fn new(group_id: Vec<u8>, epoch: u64, group_info: Vec<u8>) -> Self {
        Self { group_id, epoch, group_info }
    }

    /// Strict decode, capped at [`MlsLimits::max_group_info_len`].
    pub fn from_bytes(bytes: &[u8], limits: &MlsLimits) -> Result<Self, DecodeError> {
        let max = limits.max_group_info_len;
        let m: pb::MlsGroupInfoEnvelope =
            wire::decode_typed(bytes, max.saturating_add(MLS_GROUP_ID_MAX_LEN + 32), format::MLS_GROUP_INFO, &[])?;
        check_group_id(&m.group_id)?;
        non_empty("group_info", &m.group_info)?;
        if m.group_info.len() > max {
            return Err(DecodeError::TooLarge { len: m.group_info.len(), max });
        }
        Ok(Self { group_id: m.group_id, epoch: m.epoch, group_info: m.group_info })
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        pb::MlsGroupInfoEnvelope {
            format: format::MLS_GROUP_INFO,
            group_id: self.group_id.clone(),
            epoch: self.epoch,
            group_info: self.group_info.clone(),
        }
        .encode_to_vec()
    }

    /// Group id.
    pub fn group_id(&self) -> &[u8] {
        &self.group_id
    }

    /// Epoch of the GroupInfo.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The RFC 9420 `MLSMessage` (a GroupInfo) inside.
    pub fn mls_bytes(&self) -> &[u8] {
        &self.group_info
    }
}

impl core::fmt::Debug for MlsGroupInfoEnvelope {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "MlsGroupInfoEnvelope(epoch {}, {} bytes)", self.epoch, self.group_info.len())
    }
}
