//! Every limit of the document layer, named, with the reason for its value
//! (SPEC.md §11.9). [`DocumentLimits`] makes them configurable; decoders check
//! sizes and counts before they allocate.

/// Largest inline payload: small documents (a certificate of enrolment, a
/// signed form) travel inside the envelope; anything larger is detached.
pub const MAX_INLINE_PAYLOAD: usize = 64 * 1024;
/// Largest number of signatures (signers and countersigners) in an envelope:
/// a contract with a few dozen parties fits, and verification cost stays bounded.
pub const MAX_SIGNERS: usize = 32;
/// Longest certification path below a trust anchor, the leaf included.
pub const MAX_CHAIN_LEN: usize = 5;
/// Largest number of certificates an envelope carries for offline validation
/// (every signer's and TSA's chain).
pub const MAX_CERTIFICATES: usize = 64;
/// Largest encoded certificate: two 32-byte keys, a 64-byte signature, two
/// capped strings and [`MAX_CREDENTIAL_TYPES`] capped credential types
/// (about 1.8 KiB at most) fit.
pub const MAX_CERTIFICATE_LEN: usize = 2048;
/// Longest subject identifier or display name, in bytes of UTF-8.
pub const MAX_TEXT_LEN: usize = 256;
/// Most credential document types one certificate names (SPEC.md §11.3): an
/// issuing office issues a handful of documents; a CA over them a few more.
pub const MAX_CREDENTIAL_TYPES: usize = 16;
/// Longest credential document type a certificate names, in bytes (the
/// credential layer's `MAX_DOC_TYPE_LEN`).
pub const MAX_CREDENTIAL_TYPE_LEN: usize = 64;
/// Longest payload (media) type, in bytes (RFC 6838 caps names at 127).
pub const MAX_PAYLOAD_TYPE_LEN: usize = 127;
/// Largest number of serials one status list covers: 2^20 bits is 128 KiB.
pub const MAX_STATUS_LIST_SERIALS: u64 = 1 << 20;
/// Largest encoded version-1 status list: the bitstring plus framing.
pub const MAX_STATUS_LIST_LEN: usize = (1 << 17) + 512;
/// Largest number of revocation entries in one (v2) status list. An issuer
/// with more revocations partitions its serials over several lists (as
/// RFC 5280 distribution points do); 4096 entries encode in under 160 KiB.
pub const MAX_STATUS_ENTRIES: usize = 4096;
/// Longest encoding of one revocation entry with its framing (two bytes of
/// key and length, then four fields of at most 11 bytes each).
pub const MAX_STATUS_ENTRY_LEN: usize = 2 + 4 * 11;
/// Largest number of status lists an envelope carries: the signers' and
/// TSAs' issuers at signing, plus one or two per archive re-stamping.
pub const MAX_STATUS_LISTS: usize = 16;
/// Largest number of archive timestamps on an envelope: re-stamped every
/// few years, sixteen cover a lifetime.
pub const MAX_ARCHIVE_TIMESTAMPS: usize = 16;
/// Largest number of timestamp tokens on one signature.
pub const MAX_TIMESTAMPS: usize = 4;
/// Largest encoded timestamp token.
pub const MAX_TIMESTAMP_LEN: usize = 512;
/// Longest requester nonce in a timestamp token.
pub const MAX_NONCE_LEN: usize = 32;
/// Largest encoded envelope: inline payload, certificates and status lists
/// at their caps would exceed this; the sum is bounded here instead.
pub const MAX_ENVELOPE_LEN: usize = 2 * 1024 * 1024;
/// Largest trust anchor file.
pub const MAX_ANCHOR_LEN: usize = 512;

/// The configurable limits of the document layer; `Default` gives the
/// constants above. Raising a limit past its constant is allowed; decoders
/// always cap before allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DocumentLimits {
    /// See [`MAX_ENVELOPE_LEN`].
    pub max_envelope_len: usize,
    /// See [`MAX_INLINE_PAYLOAD`].
    pub max_inline_payload: usize,
    /// See [`MAX_SIGNERS`].
    pub max_signers: usize,
    /// See [`MAX_CHAIN_LEN`].
    pub max_chain_len: usize,
    /// See [`MAX_CERTIFICATES`].
    pub max_certificates: usize,
    /// See [`MAX_STATUS_LISTS`].
    pub max_status_lists: usize,
    /// See [`MAX_STATUS_LIST_SERIALS`].
    pub max_status_list_serials: u64,
    /// See [`MAX_TIMESTAMPS`].
    pub max_timestamps: usize,
    /// See [`MAX_STATUS_ENTRIES`].
    pub max_status_entries: usize,
    /// See [`MAX_ARCHIVE_TIMESTAMPS`].
    pub max_archive_timestamps: usize,
}

impl Default for DocumentLimits {
    fn default() -> Self {
        Self {
            max_envelope_len: MAX_ENVELOPE_LEN,
            max_inline_payload: MAX_INLINE_PAYLOAD,
            max_signers: MAX_SIGNERS,
            max_chain_len: MAX_CHAIN_LEN,
            max_certificates: MAX_CERTIFICATES,
            max_status_lists: MAX_STATUS_LISTS,
            max_status_list_serials: MAX_STATUS_LIST_SERIALS,
            max_timestamps: MAX_TIMESTAMPS,
            max_status_entries: MAX_STATUS_ENTRIES,
            max_archive_timestamps: MAX_ARCHIVE_TIMESTAMPS,
        }
    }
}

impl DocumentLimits {
    /// Largest encoded version-1 status list under these limits.
    pub(crate) fn max_status_list_v1_len(&self) -> usize {
        usize::try_from(self.max_status_list_serials.div_ceil(8)).unwrap_or(usize::MAX).saturating_add(512)
    }

    /// Largest encoded version-2 status list under these limits.
    pub(crate) fn max_status_list_len(&self) -> usize {
        self.max_status_entries.saturating_mul(MAX_STATUS_ENTRY_LEN).saturating_add(512)
    }
}
