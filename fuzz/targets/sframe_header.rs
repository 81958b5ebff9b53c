// Fuzz target: the SFrame header codec on arbitrary bytes. Whatever decodes
// must re-encode to exactly the bytes it was read from (the decoder accepts
// only the shortest form), and nothing may panic.

use vestnik::call::{MAX_HEADER_LEN, SFrameHeader};

pub fn run(data: &[u8]) {
    match SFrameHeader::decode(data) {
        Ok((h, len)) => {
            assert!((1..=MAX_HEADER_LEN).contains(&len), "header length {len}");
            let (buf, n) = h.to_bytes();
            assert!(n == len && h.encoded_len() == len, "length changed on re-encoding");
            assert!(buf.get(..n) == data.get(..n), "re-encoding differs from the input");
            assert!(SFrameHeader::decode(buf.get(..n).unwrap_or_default()) == Ok((h, n)));
        }
        Err(_) => {
            // Any header built from the same bytes as numbers round-trips.
            let mut kid = [0u8; 8];
            let mut ctr = [0u8; 8];
            for (i, b) in data.iter().take(16).enumerate() {
                if let Some(x) = if i < 8 { kid.get_mut(i) } else { ctr.get_mut(i - 8) } {
                    *x = *b;
                }
            }
            let h = SFrameHeader::new(u64::from_be_bytes(kid), u64::from_be_bytes(ctr));
            let (buf, n) = h.to_bytes();
            assert!(SFrameHeader::decode(buf.get(..n).unwrap_or_default()) == Ok((h, n)));
        }
    }
}
