//! A minimal protobuf wire scanner that walks field keys without allocating,
//! so decoders can cap the number of repeated entries *before* prost builds
//! any vector (ASSURANCE row 14: a repeated empty entry costs about 24 bytes
//! of heap for 2 bytes of wire). Caps nest: the entries of a capped repeated
//! message field are scanned with their own caps, so a stored state's
//! sessions, their chains and the chains' skipped keys are all counted
//! before anything is decoded (SPEC.md §4.1 step 3).

use super::DecodeError;
use core::cell::Cell;

/// Reads a varint, returning it and the rest of the input.
pub(crate) fn varint(bytes: &[u8]) -> Result<(u64, &[u8]), DecodeError> {
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

/// A cap on one field of a message: how often it may occur in one parent,
/// how often in the whole input, and the caps that apply inside each entry
/// (for a field holding a message).
#[derive(Debug)]
pub(crate) struct Cap<'a> {
    tag: u32,
    field: &'static str,
    max: usize,
    max_total: usize,
    min_len: usize,
    inner: &'a [Cap<'a>],
    seen: Cell<usize>,
}

impl<'a> Cap<'a> {
    /// Field `tag` (named `field` in errors) at most `max` times per parent.
    pub(crate) const fn new(tag: u32, field: &'static str, max: usize) -> Self {
        Self { tag, field, max, max_total: usize::MAX, min_len: 0, inner: &[], seen: Cell::new(0) }
    }

    /// Each entry is at least `min_len` bytes long in any valid input (its
    /// required keys alone take that much), so what prost allocates per
    /// entry is a small multiple of the entry's wire size: shorter entries
    /// are refused before decoding.
    pub(crate) const fn min_len(mut self, min_len: usize) -> Self {
        self.min_len = min_len;
        self
    }

    /// Also at most `max_total` times over the whole input.
    pub(crate) const fn total(mut self, max_total: usize) -> Self {
        self.max_total = max_total;
        self
    }

    /// Each entry is a message whose fields are capped by `inner`.
    pub(crate) const fn within(mut self, inner: &'a [Cap<'a>]) -> Self {
        self.inner = inner;
        self
    }
}

/// Checks `bytes`, a message, against `caps` without allocating. Fails with
/// [`DecodeError::TooMany`] at the first field over a cap and with
/// [`DecodeError::Malformed`] where the framing itself is broken.
pub(crate) fn check_caps(bytes: &[u8], caps: &[Cap<'_>]) -> Result<(), DecodeError> {
    for cap in caps {
        let mut count = 0usize;
        for_each_field(bytes, |tag, value| {
            if tag != cap.tag {
                return Ok(());
            }
            count += 1;
            if count > cap.max {
                return Err(DecodeError::TooMany { field: cap.field, count, max: cap.max });
            }
            let total = cap.seen.get().saturating_add(1);
            cap.seen.set(total);
            if total > cap.max_total {
                return Err(DecodeError::TooMany { field: cap.field, count: total, max: cap.max_total });
            }
            if value.len() < cap.min_len {
                return Err(DecodeError::Invalid(cap.field));
            }
            if cap.inner.is_empty() { Ok(()) } else { check_caps(value, cap.inner) }
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_repeated_fields_without_decoding() {
        // field 3 (bytes) three times, field 1 varint once
        let b = [0x08, 0x01, 0x1a, 0x00, 0x1a, 0x01, 0xff, 0x1a, 0x00];
        assert!(check_caps(&b, &[Cap::new(3, "f", 3)]).is_ok());
        assert_eq!(check_caps(&b, &[Cap::new(3, "f", 2)]), Err(DecodeError::TooMany { field: "f", count: 3, max: 2 }));
        assert_eq!(check_caps(&[0x1a, 0x05], &[Cap::new(3, "f", 9)]), Err(DecodeError::Malformed));
        assert_eq!(check_caps(&[0x0b], &[Cap::new(3, "f", 9)]), Err(DecodeError::Malformed));
        // Other fields are not counted.
        assert!(check_caps(&b, &[Cap::new(1, "g", 1), Cap::new(4, "h", 0)]).is_ok());
    }

    #[test]
    fn nested_caps_count_per_parent_and_in_total() {
        // Two entries of field 2, each holding field 1 twice.
        let entry = [0x08, 0x01, 0x08, 0x02];
        let mut b = Vec::new();
        for _ in 0..2 {
            b.extend_from_slice(&[0x12, 4]);
            b.extend_from_slice(&entry);
        }
        let ok_inner = [Cap::new(1, "inner", 2)];
        assert!(check_caps(&b, &[Cap::new(2, "outer", 2).within(&ok_inner)]).is_ok());
        let tight_inner = [Cap::new(1, "inner", 1)];
        assert_eq!(
            check_caps(&b, &[Cap::new(2, "outer", 2).within(&tight_inner)]),
            Err(DecodeError::TooMany { field: "inner", count: 2, max: 1 })
        );
        // Per parent the inner field is within 2, but 4 in all exceeds 3.
        let total_inner = [Cap::new(1, "inner", 2).total(3)];
        assert_eq!(
            check_caps(&b, &[Cap::new(2, "outer", 2).within(&total_inner)]),
            Err(DecodeError::TooMany { field: "inner", count: 4, max: 3 })
        );
        // Entries shorter than any valid one are refused.
        assert!(check_caps(&b, &[Cap::new(2, "outer", 2).min_len(4)]).is_ok());
        assert_eq!(check_caps(&b, &[Cap::new(2, "outer", 2).min_len(5)]), Err(DecodeError::Invalid("outer")));
        // A broken entry is found even when the counts are fine.
        let broken = [0x12, 0x02, 0x0a, 0x05];
        assert_eq!(check_caps(&broken, &[Cap::new(2, "outer", 2).within(&ok_inner)]), Err(DecodeError::Malformed));
    }
}
