//! The sending half: one base key, its KID, the derived key and the frame
//! counter (RFC 9605 §4.4.3, SPEC.md §13.5).
//!
//! ```text
//! frame = header(KID, CTR) || AEAD.Encrypt(sframe_key, nonce(CTR), header || metadata, payload)
//! ```
//! Protecting allocates nothing: the frame is written into the caller's
//! buffer, or built in place around the payload. The counter starts at 0 for
//! each new key and can never wrap: past the limit, protect fails with
//! [`CallError::CounterExhausted`] until the key is replaced.

use crate::call::CallError;
use crate::call::header::{MAX_HEADER_LEN, SFrameHeader, with_aad};
use crate::call::key::{BaseKey, FrameKey};
use crate::call::kid::{KeyId, MAX_RATCHET_STEP};
use crate::call::suite::{CipherSuite, TAG_LEN};
use crate::limits::CallLimits;
use core::fmt;

/// Bytes SFrame adds to a payload at most: the longest header and the tag.
pub const MAX_OVERHEAD: usize = MAX_HEADER_LEN + TAG_LEN;

/// Protects outgoing media frames under one sender key. Zeroizes its keys on
/// drop; not `Clone` (two copies would reuse counters, hence nonces).
pub struct SenderContext {
    suite: CipherSuite,
    kid: u64,
    base_key: BaseKey,
    key: FrameKey,
    /// The next counter; `None` once the last one allowed by the type is used.
    next_ctr: Option<u64>,
    limits: CallLimits,
}

impl SenderContext {
    /// A sender for `kid` under `base_key` (16 to 64 bytes), for apps that
    /// manage SFrame keys themselves. Within a [`crate::call::Call`] the
    /// call creates and rotates its sender.
    ///
    /// ```
    /// use vestnik::call::{CipherSuite, ReceiverContext, SenderContext, KeyId};
    /// use vestnik::CallLimits;
    /// let kid = KeyId::new(3, 0, 0).unwrap();
    /// let base_key = [7u8; 32];
    /// let mut tx = SenderContext::new(CipherSuite::Aes128GcmSha256, kid.to_kid(), &base_key, CallLimits::default())?;
    /// let mut rx = ReceiverContext::new(CipherSuite::Aes128GcmSha256, CallLimits::default());
    /// rx.insert_key(kid, &base_key, 0)?;
    ///
    /// let audio = [0x55u8; 80];
    /// let mut frame = [0u8; 80 + vestnik::call::MAX_OVERHEAD];
    /// let len = tx.protect(b"rtp-header", &audio, &mut frame)?;
    /// let mut out = [0u8; 80 + 16];
    /// let info = rx.unprotect(b"rtp-header", &frame[..len], &mut out, 0)?;
    /// assert_eq!(&out[..info.plaintext_len], &audio[..]);
    /// assert_eq!(info.key_id.index, 3);
    /// # Ok::<(), vestnik::call::CallError>(())
    /// ```
    pub fn new(suite: CipherSuite, kid: u64, base_key: &[u8], limits: CallLimits) -> Result<Self, CallError> {
        let base_key = BaseKey::from_slice(base_key).ok_or(CallError::InvalidBaseKey(base_key.len()))?;
        Ok(Self::from_base_key(suite, kid, base_key, limits.clamped()))
    }

    pub(crate) fn from_base_key(suite: CipherSuite, kid: u64, base_key: BaseKey, limits: CallLimits) -> Self {
        let key = FrameKey::derive(suite, base_key.as_bytes(), kid);
        Self { suite, kid, base_key, key, next_ctr: Some(0), limits }
    }

    /// Switches to a new base key and KID; the counter restarts at 0.
    pub(crate) fn rekey(&mut self, kid: u64, base_key: BaseKey) {
        self.key = FrameKey::derive(self.suite, base_key.as_bytes(), kid);
        self.base_key = base_key;
        self.kid = kid;
        self.next_ctr = Some(0);
    }

    /// Ratchets the base key one step (RFC 9605 §5.1) and moves to the next
    /// step's KID in vestnik's layout ([`KeyId`]); the counter restarts at 0.
    /// Receivers holding the previous step derive the new key themselves.
    /// Fails when the KID is not in vestnik's layout or is at its last step.
    pub fn ratchet(&mut self) -> Result<KeyId, CallError> {
        let id = KeyId::from_kid(self.kid).ok_or(CallError::UnknownKid(self.kid))?;
        let step = id.step.checked_add(1).filter(|s| *s <= MAX_RATCHET_STEP).ok_or(CallError::RatchetExhausted)?;
        let next = KeyId { step, ..id };
        let base = self.base_key.ratchet(self.suite);
        self.rekey(next.to_kid(), base);
        Ok(next)
    }

    pub(crate) fn base_key(&self) -> &BaseKey {
        &self.base_key
    }

    /// The KID frames are protected under.
    pub fn kid(&self) -> u64 {
        self.kid
    }

    /// The cipher suite.
    pub fn suite(&self) -> CipherSuite {
        self.suite
    }

    /// The counter the next frame will carry, or `None` when the key is
    /// exhausted.
    pub fn next_counter(&self) -> Option<u64> {
        self.next_ctr.filter(|c| *c <= self.limits.max_counter)
    }

    /// Total frame length for a payload of `payload_len` bytes.
    pub fn frame_len(&self, payload_len: usize) -> usize {
        let header = SFrameHeader::new(self.kid, self.next_ctr.unwrap_or(u64::MAX));
        header.encoded_len().saturating_add(payload_len).saturating_add(TAG_LEN)
    }

    /// Checks the inputs and picks the counter; returns the header.
    fn prepare(&self, metadata: &[u8], payload_len: usize) -> Result<(SFrameHeader, usize), CallError> {
        if metadata.len() > self.limits.max_metadata_len {
            return Err(CallError::MetadataTooLarge { len: metadata.len(), max: self.limits.max_metadata_len });
        }
        let ctr = self.next_counter().ok_or(CallError::CounterExhausted)?;
        let header = SFrameHeader::new(self.kid, ctr);
        let total = header.encoded_len().saturating_add(payload_len).saturating_add(TAG_LEN);
        if total > self.limits.max_frame_len {
            return Err(CallError::FrameTooLarge { len: total, max: self.limits.max_frame_len });
        }
        Ok((header, total))
    }

    /// Protects `payload` into `out`; returns the frame length. `out` needs
    /// [`SenderContext::frame_len`] bytes (at most payload + [`MAX_OVERHEAD`]).
    /// `metadata` is authenticated but not sent: the receiver must pass the
    /// same bytes (an RTP header, for example).
    pub fn protect(&mut self, metadata: &[u8], payload: &[u8], out: &mut [u8]) -> Result<usize, CallError> {
        let (header, total) = self.prepare(metadata, payload.len())?;
        let got = out.len();
        let too_small = CallError::BufferTooSmall { needed: total, got };
        let (frame, _) = out.split_at_mut_checked(total).ok_or(too_small)?;
        let hlen = header.encoded_len();
        let (hdr, rest) = frame.split_at_mut_checked(hlen).ok_or(CallError::BufferTooSmall { needed: total, got })?;
        header.encode(hdr)?;
        let (body, tag_out) =
            rest.split_at_mut_checked(payload.len()).ok_or(CallError::BufferTooSmall { needed: total, got })?;
        let buf = aes_gcm::aead::inout::InOutBuf::new(payload, body)
            .map_err(|_| CallError::BufferTooSmall { needed: total, got })?;
        let tag = with_aad(hdr, metadata, |aad| self.key.seal(header.ctr, aad, buf))?
            .map_err(|_| CallError::FrameTooLarge { len: total, max: self.limits.max_frame_len })?;
        tag_out.copy_from_slice(&tag);
        self.next_ctr = header.ctr.checked_add(1);
        Ok(total)
    }

    /// Protects in place: `buf[..payload_len]` holds the payload and `buf`
    /// has room for the frame ([`SenderContext::frame_len`]). The payload is
    /// moved behind the header and encrypted there; returns the frame length.
    pub fn protect_in_place(
        &mut self,
        metadata: &[u8],
        buf: &mut [u8],
        payload_len: usize,
    ) -> Result<usize, CallError> {
        let (header, total) = self.prepare(metadata, payload_len)?;
        let got = buf.len();
        let (frame, _) = buf.split_at_mut_checked(total).ok_or(CallError::BufferTooSmall { needed: total, got })?;
        let hlen = header.encoded_len();
        // `total` covers hlen + payload_len, so both ranges are inside `frame`.
        frame.copy_within(..payload_len, hlen);
        let (hdr, rest) = frame.split_at_mut_checked(hlen).ok_or(CallError::BufferTooSmall { needed: total, got })?;
        header.encode(hdr)?;
        let (body, tag_out) =
            rest.split_at_mut_checked(payload_len).ok_or(CallError::BufferTooSmall { needed: total, got })?;
        let tag = with_aad(hdr, metadata, |aad| self.key.seal(header.ctr, aad, body.into()))?
            .map_err(|_| CallError::FrameTooLarge { len: total, max: self.limits.max_frame_len })?;
        tag_out.copy_from_slice(&tag);
        self.next_ctr = header.ctr.checked_add(1);
        Ok(total)
    }

    /// Sets the next counter (tests of the counter limits).
    #[cfg(test)]
    pub(crate) fn set_next_counter(&mut self, ctr: u64) {
        self.next_ctr = Some(ctr);
    }
}

/// The secret fields (`BaseKey`, `FrameKey`) wipe themselves on drop;
/// `lib.rs` checks both at compile time.
impl zeroize::ZeroizeOnDrop for SenderContext {}

impl fmt::Debug for SenderContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SenderContext")
            .field("suite", &self.suite)
            .field("kid", &format_args!("{:#x}", self.kid))
            .field("next_counter", &self.next_counter())
            .finish_non_exhaustive()
    }
}

/// `MAX_OVERHEAD` covers the largest header.
const _: () = assert!(MAX_OVERHEAD == 33);
