//! Encoding helpers shared by the encoding tests: varints, the three
//! non-canonical variants of a message, and field extraction.
#![allow(dead_code, unreachable_pub)]

pub fn varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// The three non-canonical variants of a message that starts with field 1 (format).
pub fn variants(bytes: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut unknown = bytes.to_vec();
    unknown.extend_from_slice(&[0xf8, 0x06, 0x01]); // field 111, varint 1
    // Over-long varint for the format field: re-encode with a redundant 0x80 .. 0x00.
    assert_eq!(bytes[0], 0x08);
    let mut fmt = Vec::new();
    let mut rest = &bytes[1..];
    while rest[0] & 0x80 != 0 {
        fmt.push(rest[0]);
        rest = &rest[1..];
    }
    fmt.push(rest[0] | 0x80);
    fmt.push(0x00);
    let mut overlong = vec![0x08];
    overlong.extend_from_slice(&fmt);
    overlong.extend_from_slice(&rest[1..]);
    // Duplicate field: the format field again at the end (prost keeps the last).
    let mut dup = bytes.to_vec();
    let mut f = vec![0x08];
    let mut v = 0u64;
    for (i, b) in bytes[1..].iter().enumerate() {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            break;
        }
    }
    varint(v, &mut f);
    dup.extend_from_slice(&f);
    vec![("unknown field", unknown), ("over-long varint", overlong), ("duplicate field", dup)]
}

pub fn extract_ld(bytes: &[u8], tag: u8) -> Vec<u8> {
    // Walk the top level for the first length-delimited field `tag`.
    let mut i = 0;
    while i < bytes.len() {
        let key = bytes[i];
        i += 1;
        let mut len = 0usize;
        let mut shift = 0;
        if key & 7 == 0 {
            while bytes[i] & 0x80 != 0 {
                i += 1;
            }
            i += 1;
            continue;
        }
        loop {
            let b = bytes[i];
            i += 1;
            len |= ((b & 0x7f) as usize) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        if key >> 3 == tag {
            return bytes[i..i + len].to_vec();
        }
        i += len;
    }
    panic!("no field {tag}");
}
