//! The one boundary between bytes and typed values.
//!
//! Generated protobuf types live only in this module tree. Every decode goes
//! through `decode_strict`: it caps the input size before prost allocates
//! anything, checks the `format` field (type and version in one number, see
//! [`mod@format`]), and rejects any input that is not the canonical encoding of
//! what it decodes to (duplicate fields, unknown fields, over-long varints,
//! fields out of order), so a signature or MAC always covers the only
//! encoding a message can have (SPEC.md §4.1).

pub mod format;
pub(crate) mod scan;

use prost::Message;

/// Generated types, nested as their protobuf packages so cross-file
/// references resolve. Nothing outside `wire` and the modules' conversion
/// functions touches them. The code is committed under `src/wire/generated/`
/// (one file per protobuf package and the module tree, `mod.rs`), so apps
/// build without protox or prost-build; `tests/proto_codegen.rs` checks it
/// against `proto/` and rewrites it with `VESTNIK_REGEN_PROTO=1`. Without
/// the `mls` feature the MLS packages are unused (`dead_code`).
#[allow(missing_docs, unreachable_pub, clippy::all, clippy::indexing_slicing)]
#[cfg_attr(not(feature = "mls"), allow(dead_code))]
#[rustfmt::skip]
#[path = "generated/mod.rs"]
pub(crate) mod pb;

pub(crate) use pb::vestnik::account::v1 as account;
pub(crate) use pb::vestnik::call::v1 as call;
pub(crate) use pb::vestnik::channel::v1 as channel;
pub(crate) use pb::vestnik::credential::v1 as credential;
pub(crate) use pb::vestnik::document::v1 as document;
pub(crate) use pb::vestnik::group::v1 as group;
pub(crate) use pb::vestnik::mls::v1 as mls;
#[cfg_attr(not(feature = "mls"), allow(unused_imports))]
pub(crate) use pb::vestnik::mlsobserver::v1 as mlsobserver;
pub(crate) use pb::vestnik::session::v1 as session;
pub(crate) use pb::vestnik::state::v1 as state;
pub(crate) use pb::vestnik::upload::v1 as upload;

/// Why bytes were refused by a decoder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input is larger than the decoder accepts; nothing was allocated.
    #[error("input of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// Input length.
        len: usize,
        /// The cap that applied.
        max: usize,
    },
    /// The bytes are not a well-formed protobuf message of the expected type.
    #[error("malformed encoding")]
    Malformed,
    /// The bytes decode, but are not the canonical encoding (duplicate or
    /// unknown fields, over-long varints, fields out of order).
    #[error("non-canonical encoding")]
    NonCanonical,
    /// The `format` field names another message type.
    #[error("wrong message type: format {found:#06x}, expected {expected:#06x}")]
    WrongType {
        /// Format found.
        found: u32,
        /// Format expected.
        expected: u32,
    },
    /// The `format` field names this type at a version this build does not know.
    #[error("unsupported version: format {found:#06x}, this build reads {expected:#06x}")]
    UnsupportedVersion {
        /// Format found.
        found: u32,
        /// Format expected.
        expected: u32,
    },
    /// A field has the wrong length.
    #[error("field {field} has length {len}, expected {expected}")]
    WrongLength {
        /// Field name.
        field: &'static str,
        /// Length found.
        len: usize,
        /// Length expected.
        expected: usize,
    },
    /// A repeated field has more entries than the limit.
    #[error("field {field} has {count} entries, limit {max}")]
    TooMany {
        /// Field name.
        field: &'static str,
        /// Entries found.
        count: usize,
        /// The cap.
        max: usize,
    },
    /// A required field is missing.
    #[error("missing field {0}")]
    Missing(&'static str),
    /// A field holds an invalid value (bad key, inconsistent counters, ...).
    #[error("invalid field {0}")]
    Invalid(&'static str),
}

/// Decodes `bytes` as `M`: size cap first, then prost (whose recursion limit
/// stays on), then the canonical re-encoding check.
pub(crate) fn decode_strict<M: Message + Default>(bytes: &[u8], max_len: usize) -> Result<M, DecodeError> {
    if bytes.len() > max_len {
        return Err(DecodeError::TooLarge { len: bytes.len(), max: max_len });
    }
    let msg = M::decode(bytes).map_err(|_| DecodeError::Malformed)?;
    if msg.encoded_len() != bytes.len() || msg.encode_to_vec() != bytes {
        return Err(DecodeError::NonCanonical);
    }
    Ok(msg)
}

pub(crate) use scan::Cap;

/// What every typed decoder checks before prost allocates (SPEC.md §4.1
/// steps 1 to 3): the `format` in the first field (so bytes of another type
/// are refused as [`DecodeError::WrongType`] and a later version as
/// [`DecodeError::UnsupportedVersion`], whatever their size or content),
/// then the size, then the count of each capped repeated field, nested ones
/// included, walked without allocating.
pub(crate) fn precheck(bytes: &[u8], max_len: usize, format: u32, caps: &[Cap<'_>]) -> Result<(), DecodeError> {
    check_format(peek_format(bytes)?, format)?;
    if bytes.len() > max_len {
        return Err(DecodeError::TooLarge { len: bytes.len(), max: max_len });
    }
    scan::check_caps(bytes, caps)
}

/// [`precheck`], then [`decode_strict`]: the one entry point of every
/// decoder of a top-level message.
pub(crate) fn decode_typed<M: Message + Default>(
    bytes: &[u8],
    max_len: usize,
    format: u32,
    caps: &[Cap<'_>],
) -> Result<M, DecodeError> {
    precheck(bytes, max_len, format, caps)?;
    decode_strict(bytes, max_len)
}

/// Encodes a state message that holds secrets, then wipes the message's
/// secret fields; the encoding is zeroized on drop.
pub(crate) fn encode_secret<M: Message>(mut m: M, wipe: impl FnOnce(&mut M)) -> zeroize::Zeroizing<Vec<u8>> {
    let out = zeroize::Zeroizing::new(m.encode_to_vec());
    wipe(&mut m);
    out
}

/// Decodes a state message that holds secrets like [`decode_typed`]
/// (size, format and counts checked before anything is allocated),
/// converts it with `convert`, and wipes its secret fields whatever the
/// outcome (the canonicality check's re-encoding is zeroized too).
pub(crate) fn decode_secret<M: Message + Default, T>(
    bytes: &[u8],
    max_len: usize,
    format: u32,
    caps: &[Cap<'_>],
    wipe: impl FnOnce(&mut M),
    convert: impl FnOnce(&M) -> Result<T, DecodeError>,
) -> Result<T, DecodeError> {
    precheck(bytes, max_len, format, caps)?;
    let mut m = M::decode(bytes).map_err(|_| DecodeError::Malformed)?;
    let again = zeroize::Zeroizing::new(m.encode_to_vec());
    let r = if again.as_slice() == bytes { convert(&m) } else { Err(DecodeError::NonCanonical) };
    wipe(&mut m);
    r
}

/// Checks a decoded `format` field against the one expected.
pub(crate) fn check_format(found: u32, expected: u32) -> Result<(), DecodeError> {
    if found == expected {
        Ok(())
    } else if found >> 8 == expected >> 8 {
        Err(DecodeError::UnsupportedVersion { found, expected })
    } else {
        Err(DecodeError::WrongType { found, expected })
    }
}

/// Reads the `format` of any vestnik top-level message from its first
/// field, so a receiver can dispatch on the type, and a decoder refuse a
/// foreign object, before looking at the rest: at most 6 bytes are read,
/// whatever the input's size. The canonical encoding of a message whose
/// format is not 0 starts with field 1 (key `0x08`); input that starts with
/// anything else has format 0, which names no type.
pub(crate) fn peek_format(bytes: &[u8]) -> Result<u32, DecodeError> {
    match bytes.split_first() {
        Some((0x08, rest)) => {
            let (value, _) = scan::varint(rest)?;
            u32::try_from(value).map_err(|_| DecodeError::Malformed)
        }
        _ => Ok(0),
    }
}

/// Copies a fixed-length field.
pub(crate) fn fixed<const N: usize>(field: &'static str, bytes: &[u8]) -> Result<[u8; N], DecodeError> {
    bytes.try_into().map_err(|_| DecodeError::WrongLength { field, len: bytes.len(), expected: N })
}

/// Checks the count of a repeated field.
pub(crate) fn cap_count<T>(field: &'static str, items: &[T], max: usize) -> Result<(), DecodeError> {
    if items.len() > max { Err(DecodeError::TooMany { field, count: items.len(), max }) } else { Ok(()) }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[derive(Clone, PartialEq, prost::Message)]
    struct Msg {
        #[prost(uint32, tag = "1")]
        format: u32,
        #[prost(bytes = "vec", tag = "2")]
        data: Vec<u8>,
    }

    /// `format = 5, data = [0xAA]`: the canonical encoding.
    const CANONICAL: [u8; 5] = [0x08, 0x05, 0x12, 0x01, 0xAA];

    #[test]
    fn size_cap_at_max_and_max_plus_one() {
        let m: Msg = decode_strict(&CANONICAL, 5).unwrap();
        assert_eq!(m, Msg { format: 5, data: vec![0xAA] });
        assert_eq!(decode_strict::<Msg>(&CANONICAL, 4), Err(DecodeError::TooLarge { len: 5, max: 4 }));
        assert_eq!(peek_format(&CANONICAL), Ok(5));
        // The format is read from the first field, before the size cap.
        assert_eq!(precheck(&CANONICAL, 4, 6, &[]), Err(DecodeError::UnsupportedVersion { found: 5, expected: 6 }));
        assert_eq!(precheck(&CANONICAL, 4, 5, &[]), Err(DecodeError::TooLarge { len: 5, max: 4 }));
        assert_eq!(precheck(&CANONICAL, 5, 5, &[]), Ok(()));
        let wipe = |_: &mut Msg| {};
        assert_eq!(decode_secret(&CANONICAL, 5, 5, &[], wipe, |m: &Msg| Ok(m.data.clone())), Ok(vec![0xAA]));
        assert_eq!(
            decode_secret(&CANONICAL, 4, 5, &[], wipe, |m: &Msg| Ok(m.data.clone())),
            Err(DecodeError::TooLarge { len: 5, max: 4 })
        );
        // An empty input is the canonical encoding of the default message.
        assert_eq!(decode_strict::<Msg>(&[], 0), Ok(Msg::default()));
        assert_eq!(peek_format(&[]), Ok(0));
        // Input that does not start with field 1 has format 0.
        assert_eq!(peek_format(&[0x12, 0x01, 0xAA, 0x08, 0x05]), Ok(0));
        assert_eq!(peek_format(&[0x08, 0x80, 0x80, 0x80, 0x80, 0x10]), Err(DecodeError::Malformed));
    }

    #[test]
    fn non_canonical_encodings_are_refused() {
        // Same length as the canonical encoding, fields out of order.
        let reordered = [0x12, 0x01, 0xAA, 0x08, 0x05];
        // Over-long varint for the format.
        let overlong = [0x08, 0x85, 0x00, 0x12, 0x01, 0xAA];
        // Duplicate field.
        let duplicate = [0x08, 0x05, 0x08, 0x05, 0x12, 0x01, 0xAA];
        // Unknown field 3.
        let unknown = [0x08, 0x05, 0x12, 0x01, 0xAA, 0x18, 0x01];
        // Out of order, the format is no longer the first field: the
        // format check refuses it before anything is decoded.
        assert_eq!(decode_strict::<Msg>(&reordered, 64), Err(DecodeError::NonCanonical));
        let r = decode_secret(&reordered, 64, 5, &[], |_: &mut Msg| panic!("decoded"), |m: &Msg| Ok(m.format));
        assert_eq!(r, Err(DecodeError::UnsupportedVersion { found: 0, expected: 5 }));
        for bad in [&overlong[..], &duplicate, &unknown] {
            assert_eq!(decode_strict::<Msg>(bad, 64), Err(DecodeError::NonCanonical), "{bad:02x?}");
            let mut wiped = false;
            let r = decode_secret(bad, 64, 5, &[], |_: &mut Msg| wiped = true, |m: &Msg| Ok(m.format));
            assert_eq!(r, Err(DecodeError::NonCanonical), "{bad:02x?}");
            assert!(wiped);
        }
        assert_eq!(decode_strict::<Msg>(&[0x12, 0x05, 0xAA], 64), Err(DecodeError::Malformed));
        assert_eq!(
            decode_secret(&[0x08, 0x05, 0x12, 0x05], 64, 5, &[], |_: &mut Msg| {}, |m: &Msg| Ok(m.format)),
            Err(DecodeError::Malformed)
        );
        assert_eq!(peek_format(&[0x08]), Err(DecodeError::Malformed));
    }

    #[test]
    fn secret_decoding_converts_and_wipes_whatever_the_outcome() {
        let mut wiped = 0;
        let r = decode_secret(
            &CANONICAL,
            64,
            5,
            &[],
            |m: &mut Msg| {
                m.data.iter_mut().for_each(|b| *b = 0);
                wiped += 1;
            },
            |m: &Msg| Ok(m.data.clone()),
        );
        assert_eq!((r, wiped), (Ok(vec![0xAA]), 1));
        let r: Result<(), _> =
            decode_secret(&CANONICAL, 64, 5, &[], |_: &mut Msg| wiped += 1, |_| Err(DecodeError::Invalid("x")));
        assert_eq!((r, wiped), (Err(DecodeError::Invalid("x")), 2));
        let mut seen = Vec::new();
        let out = encode_secret(Msg { format: 5, data: vec![0xAA] }, |m| seen = m.data.clone());
        assert_eq!(out.as_slice(), CANONICAL);
        assert_eq!(seen, [0xAA]);
    }

    #[test]
    fn format_check_tells_type_from_version() {
        assert_eq!(check_format(0x1201, 0x1201), Ok(()));
        assert_eq!(
            check_format(0x1202, 0x1201),
            Err(DecodeError::UnsupportedVersion { found: 0x1202, expected: 0x1201 })
        );
        assert_eq!(
            check_format(0x1200, 0x1201),
            Err(DecodeError::UnsupportedVersion { found: 0x1200, expected: 0x1201 })
        );
        assert_eq!(check_format(0x1301, 0x1201), Err(DecodeError::WrongType { found: 0x1301, expected: 0x1201 }));
        assert_eq!(
            check_format(0x0012_0101, 0x0101),
            Err(DecodeError::WrongType { found: 0x0012_0101, expected: 0x0101 })
        );
        assert_eq!(check_format(0, 0x0101), Err(DecodeError::WrongType { found: 0, expected: 0x0101 }));
    }

    #[test]
    fn fixed_fields_and_counts() {
        assert_eq!(fixed::<3>("f", &[7, 8, 9]), Ok([7, 8, 9]));
        assert_eq!(fixed::<3>("f", &[7, 8]), Err(DecodeError::WrongLength { field: "f", len: 2, expected: 3 }));
        assert_eq!(fixed::<3>("f", &[7, 8, 9, 1]), Err(DecodeError::WrongLength { field: "f", len: 4, expected: 3 }));
        assert_eq!(cap_count("c", &[1, 2, 3], 3), Ok(()));
        assert_eq!(cap_count("c", &[1, 2, 3], 2), Err(DecodeError::TooMany { field: "c", count: 3, max: 2 }));
        assert_eq!(cap_count::<u8>("c", &[], 0), Ok(()));
    }
}
