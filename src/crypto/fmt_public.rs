//! `Debug` formatting of public values: keys, signatures, identifiers. Only
//! the first bytes are shown, enough to tell values apart in a log.

/// First bytes (at most 8) of a public value in hex.
pub(crate) fn hex_prefix(bytes: &[u8]) -> String {
    use core::fmt::Write;
    let mut s = String::with_capacity(16);
    for b in bytes.iter().take(8) {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn shows_at_most_eight_bytes() {
        assert_eq!(super::hex_prefix(&[0xab, 0x01]), "ab01");
        assert_eq!(super::hex_prefix(&[0x10; 12]), "1010101010101010");
        assert_eq!(super::hex_prefix(&[]), "");
    }
}
