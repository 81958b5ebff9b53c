//! Length hiding inside the AEAD (SPEC.md §6).
//!
//! ```text
//! padded = content_type (1 byte) || body || 0x80 || 0x00 * k
//! len(padded) = bucket(len(body) + 2)
//! bucket(n) = 256                      if n <= 256
//!           = next power of two        if n <= 16 KiB
//!           = Padmé(n)                 above
//! ```
//! The floor hides the script: a short message costs the same 256 bytes
//! whether it is English (1 byte a letter) or Russian (2 bytes a letter).
//! Removal is unambiguous: the length must be a bucket (`bucket(len) ==
//! len`), then strip trailing zeros; the last byte left must be 0x80, and it
//! is removed (the body may itself contain 0x80 bytes, as Cyrillic UTF-8 does).

use zeroize::Zeroizing;

/// Smallest padded size.
pub const PAD_FLOOR: usize = 256;
/// Largest size padded to a power of two; Padmé above.
pub const PAD_POW2_MAX: usize = 16 * 1024;

/// The padded size for `n` bytes of content (type byte and 0x80 included).
pub fn bucket(n: usize) -> usize {
    if n <= PAD_FLOOR {
        PAD_FLOOR
    } else if n <= PAD_POW2_MAX {
        n.next_power_of_two()
    } else {
        padme(n)
    }
}

/// Padmé (Nikitin et al., PETS 2019): leaks O(log log n) bits of the length,
/// overhead at most 12% here.
fn padme(len: usize) -> usize {
    let l = len as u64;
    let e = 63 - u64::from(l.leading_zeros()); // floor(log2 l), l >= 2
    let s = 64 - u64::from(e.leading_zeros()); // floor(log2 e) + 1
    let last_bits = e.saturating_sub(s);
    let mask = (1u64 << last_bits) - 1;
    usize::try_from((l + mask) & !mask).unwrap_or(usize::MAX)
}

/// Pads `body` behind a content-type byte.
pub(crate) fn pad(content_type: u8, body: &[u8]) -> Zeroizing<Vec<u8>> {
    let total = bucket(body.len().saturating_add(2));
    let mut v = Zeroizing::new(Vec::with_capacity(total));
    v.push(content_type);
    v.extend_from_slice(body);
    v.push(0x80);
    v.resize(total, 0);
    v
}

/// The padding was malformed (only possible for a sender that is not vestnik,
/// since it is checked after authentication).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadPadding;

/// True when `len` is a size [`bucket`] produces: every padded plaintext
/// has such a length. `bucket` is idempotent on its values (256, the powers
/// of two up to 16 KiB, and Padmé values, which Padmé maps to themselves).
pub fn is_bucket(len: usize) -> bool {
    len >= PAD_FLOOR && bucket(len) == len
}

/// Splits a padded plaintext into content type and body: strips trailing
/// zeros and one 0x80 marker, then requires the length [`pad`] gives that
/// body (`bucket(len(body) + 2)`), so each plaintext has one padded form.
pub(crate) fn unpad(padded: &[u8]) -> Result<(u8, &[u8]), BadPadding> {
    let end = padded.iter().rposition(|&b| b != 0).ok_or(BadPadding)?;
    let (content, marker) = padded.split_at(end);
    if marker.first() != Some(&0x80) {
        return Err(BadPadding);
    }
    let (ty, body) = content.split_first().ok_or(BadPadding)?;
    if padded.len() != bucket(body.len().saturating_add(2)) {
        return Err(BadPadding);
    }
    Ok((*ty, body))
}

/// Like [`unpad`], in place: returns the content type and leaves only the
/// body in `buf` (the removed bytes are wiped when `buf` is dropped, since
/// `Zeroizing<Vec>` clears its whole capacity).
pub(crate) fn unpad_in_place(buf: &mut Zeroizing<Vec<u8>>) -> Result<u8, BadPadding> {
    let (ty, body_len) = unpad(buf).map(|(ty, body)| (ty, body.len()))?;
    buf.truncate(body_len + 1);
    buf.remove(0);
    Ok(ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        assert_eq!(bucket(0), 256);
        assert_eq!(bucket(256), 256);
        assert_eq!(bucket(257), 512);
        assert_eq!(bucket(16384), 16384);
        assert_eq!(bucket(16385), 17408); // Padmé: E=14, S=4, mask 2^10-1
        for n in [16385usize, 20000, 100_000, 262_146] {
            let b = bucket(n);
            assert!(b >= n && b - n <= n / 8, "{n} -> {b}");
        }
    }

    #[test]
    fn bucket_regions_and_padme_values() {
        // Powers of two between the floor and 16 KiB, not Padmé.
        assert_eq!(bucket(300), 512);
        assert_eq!(bucket(1500), 2048);
        assert_eq!(bucket(16383), 16384);
        assert_eq!(PAD_POW2_MAX, 16384);
        // Padmé: E = floor(log2 L), S = floor(log2 E) + 1, round up to a
        // multiple of 2^(E - S).
        assert_eq!(bucket(32768), 32768); // E=15, S=4, multiple of 2^11
        assert_eq!(bucket(32769), 34816);
        assert_eq!(bucket(100_000), 100_352); // E=16, S=5, 2^11
        assert_eq!(bucket(1_000_000), 1_015_808); // E=19, S=5, 2^14
        assert_eq!(bucket((1 << 32) + 1), (1 << 32) + (1 << 26)); // E=32, S=6, 2^26
    }

    #[test]
    fn unpad_in_place_leaves_only_the_body() {
        for body in [&b""[..], b"x", b"abc\x80\x00", &[0x55u8; 300]] {
            let mut buf = pad(9, body);
            assert_eq!(unpad_in_place(&mut buf), Ok(9));
            assert_eq!(buf.as_slice(), body);
        }
        let mut bad = Zeroizing::new(padded_to(256, &[3, 1, 2]));
        let before = bad.to_vec();
        assert_eq!(unpad_in_place(&mut bad), Err(BadPadding));
        assert_eq!(bad.as_slice(), before);
        assert_eq!(unpad(&padded_to(256, &[4, 0x80])), Ok((4, &b""[..])));
        assert_eq!(unpad(&padded_to(256, &[4, 0x81, 0x80])), Ok((4, &[0x81u8][..])));
    }

    /// `prefix` followed by zeros up to `len` bytes.
    fn padded_to(len: usize, prefix: &[u8]) -> Vec<u8> {
        let mut v = prefix.to_vec();
        v.resize(len, 0);
        v
    }

    #[test]
    fn a_validly_padded_plaintext_of_a_length_that_is_no_bucket_is_refused() {
        // Marker and zeros are well formed, but the length is not a bucket.
        for len in [2usize, 255, 257, 300, 511, 513, 1000, 16_383, 16_385, 17_407, 17_409] {
            assert!(!is_bucket(len), "{len}");
            let p = padded_to(len, &[0, b'h', b'i', 0x80]);
            assert_eq!(unpad(&p), Err(BadPadding), "{len}");
            let mut buf = Zeroizing::new(p.clone());
            assert_eq!(unpad_in_place(&mut buf), Err(BadPadding));
            assert_eq!(buf.as_slice(), p.as_slice(), "unchanged on refusal");
        }
        // The same content is accepted only at the bucket `pad` gives it:
        // a larger bucket is a second padded form of the same plaintext.
        assert_eq!(unpad(&padded_to(256, &[0, b'h', b'i', 0x80])), Ok((0, &b"hi"[..])));
        for len in [512usize, 1024, 16_384, 17_408, 34_816] {
            assert!(is_bucket(len), "{len}");
            assert_eq!(unpad(&padded_to(len, &[0, b'h', b'i', 0x80])), Err(BadPadding), "{len}");
        }
        // A body that fills its bucket exactly is accepted there.
        let full = [vec![0], vec![b'x'; 254], vec![0x80]].concat();
        assert_eq!(unpad(&full).map(|(t, b)| (t, b.len())), Ok((0, 254)));
        let over = [vec![0], vec![b'x'; 255], vec![0x80]].concat();
        assert_eq!(unpad(&padded_to(512, &over)).map(|(t, b)| (t, b.len())), Ok((0, 255)));
    }

    #[test]
    fn every_bucket_is_a_fixed_point_and_every_padded_length_a_bucket() {
        for n in (0..70_000usize).step_by(7).chain([262_146, 279_552, 1_000_000]) {
            let b = bucket(n);
            assert!(is_bucket(b), "{n} -> {b}");
            assert_eq!(pad(1, &vec![0x80; n.saturating_sub(2)]).len(), bucket(n.max(2)));
        }
        // Cyrillic text carries 0x80 bytes ("р" is d1 80): only the last
        // non-zero byte is the marker.
        let text = "пр".as_bytes();
        assert!(text.contains(&0x80));
        assert_eq!(unpad(&pad(0, text)), Ok((0, text)));
    }

    #[test]
    fn round_trip_including_trailing_zeros_and_0x80() {
        for body in [&b""[..], b"\x00\x00", b"\x80", b"abc\x80\x00", &[0u8; 300]] {
            let p = pad(7, body);
            assert_eq!(p.len(), bucket(body.len() + 2));
            assert_eq!(unpad(&p), Ok((7, body)));
        }
        assert_eq!(unpad(&[0u8; 256]), Err(BadPadding));
        assert_eq!(unpad(&padded_to(256, &[1, 2, 3])), Err(BadPadding));
        assert_eq!(unpad(&padded_to(256, &[0x80])), Err(BadPadding));
        assert_eq!(unpad(&[1, 2, 3, 0]), Err(BadPadding));
        assert_eq!(unpad(&[0x80]), Err(BadPadding));
    }

    #[test]
    fn scripts_of_equal_character_count_share_a_bucket() {
        // 60 characters each: English 1 byte a letter, the others 2.
        let english = "The lesson on Friday moves to room twelve, bring notebooks!!";
        let russian = "Урок в пятницу переносится в кабинет двенадцать, тетради!!!!";
        let tatar = "Җомга көнне дәрес унике бүлмәгә күчә, дәфтәрләр алыгыз!!!!!!";
        let bashkir = "Йома көндө дәрес ун икенсе бүлмәгә күсә, дәфтәрҙәр алығыҙ!!!";
        let sizes: Vec<usize> = [english, russian, tatar, bashkir]
            .iter()
            .map(|s| {
                assert_eq!(s.chars().count(), 60, "{s}");
                pad(0, s.as_bytes()).len()
            })
            .collect();
        assert!(russian.len() > 100 && english.len() == 60);
        assert!(sizes.iter().all(|&s| s == 256), "{sizes:?}");
    }
}
