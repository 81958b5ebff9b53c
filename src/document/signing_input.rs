//! The exact bytes an envelope signer signs (SPEC.md §11.6), in the spirit of
//! DSSE's pre-authentication encoding and MLS `SignWithLabel`: every part is
//! length-prefixed, and the crate-wide context label (which carries the
//! version) is prepended by [`crate::crypto::sig`].
//!
//! ```text
//! lp(x)       = u64be(len(x)) || x
//! document:   input = ctx(SIG_DOCUMENT,
//!                 lp(payload_type) || lp(digest) || u64be(length) || lp(attrs))
//! counter:    input = ctx(SIG_COUNTERSIGNATURE,
//!                 lp(payload_type) || lp(digest) || u64be(length)
//!                 || lp(target_signature) || lp(attrs))
//! ctx(L, m)   = u8(len(L)) || L || m
//! ```

use crate::crypto::sig::Signature;
use crate::labels::{self, SigContext};

fn lp(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The context and message a signer signs; `target` is the countersigned
/// signature, if any.
pub(crate) fn envelope_signing_input(
    payload_type: &str,
    digest: &[u8; 64],
    length: u64,
    target: Option<&Signature>,
    attrs: &[u8],
) -> (SigContext, Vec<u8>) {
    let mut m = Vec::with_capacity(8 * 4 + payload_type.len() + 64 + 64 + attrs.len());
    lp(&mut m, payload_type.as_bytes());
    lp(&mut m, digest);
    m.extend_from_slice(&length.to_be_bytes());
    let ctx = match target {
        Some(sig) => {
            lp(&mut m, sig.as_bytes());
            labels::SIG_COUNTERSIGNATURE
        }
        None => labels::SIG_DOCUMENT,
    };
    lp(&mut m, attrs);
    (ctx, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cannot_slide_into_each_other() {
        let d = [7u8; 64];
        let (c1, a) = envelope_signing_input("text/plain", &d, 5, None, b"xy");
        let (c2, b) = envelope_signing_input("text/plainx", &d, 5, None, b"y");
        assert_eq!(c1, c2);
        assert_ne!(a, b);
        let sig = Signature::from_slice(&[1u8; 64]).unwrap();
        let (c3, _) = envelope_signing_input("text/plain", &d, 5, Some(&sig), b"xy");
        assert_ne!(c1, c3);
    }
}
