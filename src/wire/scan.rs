//! A minimal protobuf wire scanner that walks field keys without allocating,
//! so decoders can cap the number of repeated entries *before* prost builds
//! any vector (ASSURANCE row 14: a repeated empty entry costs about 24 bytes
//! of heap for 2 bytes of wire).

use super::DecodeError;

/// Reads a varint, returning it and the rest of the input.
fn varint(bytes: &[u8]) -> Result<(u64, &[u8]), DecodeError> {
    let mut value = 0u64;
    for (i, b) in bytes.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok((value, bytes.get(i + 1..).unwrap_or_default()));
        }
    }
    Err(DecodeError::Malformed)
}

/// Calls `visit(tag, value)` for each top-level field of `bytes`; `value` is
/// the payload of a length-delimited field and empty for the other types.
pub(crate) fn for_each_field<'a>(
    mut bytes: &'a [u8],
    mut visit: impl FnMut(u32, &'a [u8]) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    while !bytes.is_empty() {
        let (key, rest) = varint(bytes)?;
        let tag = u32::try_from(key >> 3).map_err(|_| DecodeError::Malformed)?;
        bytes = rest;
        match key & 7 {
            0 => bytes = varint(bytes)?.1,
            1 => bytes = bytes.get(8..).ok_or(DecodeError::Malformed)?,
            5 => bytes = bytes.get(4..).ok_or(DecodeError::Malformed)?,
            2 => {
                let (len, rest) = varint(bytes)?;
                let len = usize::try_from(len).map_err(|_| DecodeError::Malformed)?;
                let value = rest.get(..len).ok_or(DecodeError::Malformed)?;
                visit(tag, value)?;
                bytes = rest.get(len..).ok_or(DecodeError::Malformed)?;
                continue;
            }
            _ => return Err(DecodeError::Malformed),
        }
        visit(tag, &[])?;
    }
    Ok(())
}

/// Fails with [`DecodeError::TooMany`] when field `tag` occurs more than `max` times.
pub(crate) fn cap_field(bytes: &[u8], tag: u32, field: &'static str, max: usize) -> Result<(), DecodeError> {
    let mut count = 0usize;
    for_each_field(bytes, |t, _| {
        if t == tag {
            count += 1;
            if count > max {
                return Err(DecodeError::TooMany { field, count, max });
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_repeated_fields_without_decoding() {
        // field 3 (bytes) three times, field 1 varint once
        let b = [0x08, 0x01, 0x1a, 0x00, 0x1a, 0x01, 0xff, 0x1a, 0x00];
        assert!(cap_field(&b, 3, "f", 3).is_ok());
        assert_eq!(cap_field(&b, 3, "f", 2), Err(DecodeError::TooMany { field: "f", count: 3, max: 2 }));
        assert_eq!(cap_field(&[0x1a, 0x05], 3, "f", 9), Err(DecodeError::Malformed));
        assert_eq!(cap_field(&[0x0b], 3, "f", 9), Err(DecodeError::Malformed));
    }
}
