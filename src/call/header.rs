//! The SFrame header (RFC 9605 §4.3): a config byte, then the key id (KID)
//! and the counter (CTR), each in a short or a long form.
//!
//! ```text
//!  0 1 2 3 4 5 6 7
//! +-+-+-+-+-+-+-+-+---------------------------+---------------------------+
//! |X|  K  |Y|  C  |   KID (0 or K+1 bytes)    |   CTR (0 or C+1 bytes)    |
//! +-+-+-+-+-+-+-+-+---------------------------+---------------------------+
//! X = 0: KID = K (0..=7), no KID bytes.   X = 1: KID is K+1 bytes, big-endian.
//! Y = 0: CTR = C (0..=7), no CTR bytes.   Y = 1: CTR is C+1 bytes, big-endian.
//! ```
//! The encoder always writes the shortest form. The decoder accepts only the
//! shortest form too (SPEC.md §13.3), so each (KID, CTR) has exactly one
//! header; a longer form of the same values is [`CallError::NonMinimalHeader`].

use crate::call::CallError;
use crate::limits::CALL_MAX_METADATA_LEN;

/// The longest header: config byte, 8 KID bytes, 8 CTR bytes.
pub const MAX_HEADER_LEN: usize = 17;

/// A decoded SFrame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SFrameHeader {
    /// Key id.
    pub kid: u64,
    /// Frame counter.
    pub ctr: u64,
}

/// Bytes needed for `v` in the long form (1..=8).
fn long_len(v: u64) -> usize {
    let bits = 64 - v.leading_zeros() as usize;
    bits.div_ceil(8).max(1)
}

/// The 3-bit field and byte count of one value: short form when it fits.
fn field(v: u64) -> (u8, bool, usize) {
    if v < 8 {
        // `v < 8` fits the 3-bit field.
        (v as u8, false, 0)
    } else {
        let n = long_len(v);
        // n is 1..=8, so n - 1 fits in three bits.
        ((n - 1) as u8, true, n)
    }
}

impl SFrameHeader {
    /// A header for `kid` and `ctr`.
    pub fn new(kid: u64, ctr: u64) -> Self {
        Self { kid, ctr }
    }

    /// Length of the encoding (1..=17 bytes).
    pub fn encoded_len(&self) -> usize {
        1 + field(self.kid).2 + field(self.ctr).2
    }

    /// Writes the shortest encoding at the start of `out`; returns its length.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, CallError> {
        let (k, x, klen) = field(self.kid);
        let (c, y, clen) = field(self.ctr);
        let len = 1 + klen + clen;
        if out.len() < len {
            return Err(CallError::BufferTooSmall { needed: len, got: out.len() });
        }
        let (config, rest) = out.split_at_mut(1);
        let (kid_out, rest) = rest.split_at_mut(klen);
        let (ctr_out, _) = rest.split_at_mut(clen);
        let config_byte = (u8::from(x) << 7) | (k << 4) | (u8::from(y) << 3) | c;
        config.copy_from_slice(&[config_byte]);
        kid_out.copy_from_slice(self.kid.to_be_bytes().get(8 - klen..).unwrap_or_default());
        ctr_out.copy_from_slice(self.ctr.to_be_bytes().get(8 - clen..).unwrap_or_default());
        Ok(len)
    }

    /// The shortest encoding in a fixed buffer, and its length.
    pub fn to_bytes(&self) -> ([u8; MAX_HEADER_LEN], usize) {
        let mut buf = [0u8; MAX_HEADER_LEN];
        // A 17-byte buffer always holds a header.
        let len = self.encode(&mut buf).unwrap_or(0);
        (buf, len)
    }

    /// Parses a header at the start of `bytes`; returns it and its length.
    pub fn decode(bytes: &[u8]) -> Result<(Self, usize), CallError> {
        let (&config, rest) = bytes.split_first().ok_or(CallError::TruncatedHeader)?;
        let (kid, kid_len, rest) = read_value(config >> 4, rest)?;
        let (ctr, ctr_len, _) = read_value(config & 0x0f, rest)?;
        Ok((Self { kid, ctr }, 1 + kid_len + ctr_len))
    }
}

/// Reads one value given its 4 config bits (flag and 3-bit field).
fn read_value(bits: u8, bytes: &[u8]) -> Result<(u64, usize, &[u8]), CallError> {
    let small = u64::from(bits & 0x07);
    if bits & 0x08 == 0 {
        return Ok((small, 0, bytes));
    }
    // small is 0..=7, so the length is 1..=8.
    let n = small as usize + 1;
    if bytes.len() < n {
        return Err(CallError::TruncatedHeader);
    }
    let (value_bytes, rest) = bytes.split_at(n);
    let mut be = [0u8; 8];
    if let Some(dst) = be.get_mut(8 - n..) {
        dst.copy_from_slice(value_bytes);
    }
    let v = u64::from_be_bytes(be);
    if v < 8 || long_len(v) != n {
        return Err(CallError::NonMinimalHeader);
    }
    Ok((v, n, rest))
}

/// Runs `f` on the AAD `header || metadata` (RFC 9605 §4.4.3). Without
/// metadata the header is the AAD as it lies in the frame; otherwise both
/// are copied into a stack buffer, so nothing is allocated. Metadata longer
/// than [`CALL_MAX_METADATA_LEN`] is refused.
pub(crate) fn with_aad<R>(header: &[u8], metadata: &[u8], f: impl FnOnce(&[u8]) -> R) -> Result<R, CallError> {
    if metadata.is_empty() {
        return Ok(f(header));
    }
    let too_large = CallError::MetadataTooLarge { len: metadata.len(), max: CALL_MAX_METADATA_LEN };
    if metadata.len() > CALL_MAX_METADATA_LEN || header.len() > MAX_HEADER_LEN {
        return Err(too_large);
    }
    let mut buf = [0u8; MAX_HEADER_LEN + CALL_MAX_METADATA_LEN];
    let len = header.len() + metadata.len();
    let aad = buf.get_mut(..len).ok_or(too_large.clone())?;
    let (h, m) = aad.split_at_mut_checked(header.len()).ok_or(too_large)?;
    h.copy_from_slice(header);
    m.copy_from_slice(metadata);
    Ok(f(aad))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cases transcribed from the RFC 9605 test vectors (`header` section).
    const RFC_CASES: &[(u64, u64, &str)] = &[
        (0, 0, "00"),
        (0, 1, "01"),
        (1, 1, "11"),
        (0, 0xff, "08ff"),
        (0xff, 0, "80ff"),
        (0xffff, 0xff, "98ffffff"),
        (1, 0x100, "190100"),
        (0x100_0000, 0xffff_ffff, "bb01000000ffffffff"),
        (0xffff_ffff_ffff_ffff, 0xffff_ffff_ffff_ffff, "ffffffffffffffffffffffffffffffffff"),
        (1 << 40, 1 << 56, "df0100000000000100000000000000"),
    ];

    #[test]
    fn rfc_cases_encode_and_decode() {
        for &(kid, ctr, hex_enc) in RFC_CASES {
            let want = hex::decode(hex_enc).unwrap();
            let h = SFrameHeader::new(kid, ctr);
            let (buf, len) = h.to_bytes();
            assert_eq!(&buf[..len], &want[..], "encode {kid:#x} {ctr:#x}");
            assert_eq!(h.encoded_len(), want.len());
            let mut with_payload = want.clone();
            with_payload.extend_from_slice(b"payload");
            assert_eq!(SFrameHeader::decode(&with_payload), Ok((h, want.len())));
        }
    }

    #[test]
    fn truncated_and_non_minimal_refused() {
        assert_eq!(SFrameHeader::decode(&[]), Err(CallError::TruncatedHeader));
        // Every strict prefix of a long header is truncated.
        let full = hex::decode("ffffffffffffffffffffffffffffffffff").unwrap();
        for cut in 1..full.len() {
            assert_eq!(SFrameHeader::decode(&full[..cut]), Err(CallError::TruncatedHeader), "{cut}");
        }
        // KID 5 in the long form; KID 0x12 in two bytes; CTR 0 in one byte.
        for bad in ["8005", "9000120000", "0800"] {
            let b = hex::decode(bad).unwrap();
            assert_eq!(SFrameHeader::decode(&b), Err(CallError::NonMinimalHeader), "{bad}");
        }
        let mut small = [0u8; 2];
        assert_eq!(SFrameHeader::new(8, 8).encode(&mut small), Err(CallError::BufferTooSmall { needed: 3, got: 2 }));
    }
}
