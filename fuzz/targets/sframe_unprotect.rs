// Fuzz target: unprotecting arbitrary frames with keys installed. The first
// byte picks the suite and the mode: 0 feeds the rest as a frame; 1 makes a
// real frame from the rest and flips one byte of it; 2 makes a real frame
// from a sender that ratcheted a number of steps picked by the input
// (exercising the receiver's on-demand ratchet and its limit). A frame that decrypts must decrypt only once; a
// frame that fails must not change the keys held, and a real frame sent
// after it must still decrypt. Then another participant leaves: no later
// step of the sealed generation is derived, and the held key retires after
// the overlap.

use vestnik::CallLimits;
use vestnik::call::{CipherSuite, KeyId, MAX_OVERHEAD, ReceiverContext, SenderContext};

const BASE: [u8; 32] = [0x42; 32];

fn sender(suite: CipherSuite, id: KeyId) -> Option<SenderContext> {
    SenderContext::new(suite, id.to_kid(), &BASE, CallLimits::default()).ok()
}

pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let suite = CipherSuite::ALL.get(usize::from(mode >> 2) % CipherSuite::ALL.len()).copied().unwrap_or_default();
    let id = KeyId::new(1, 0, 0).unwrap_or(KeyId { index: 0, generation: 0, step: 0 });
    let mut rx = ReceiverContext::new(suite, CallLimits::default());
    if rx.insert_key(id, &BASE, 0).is_err() {
        return;
    }
    let Some(mut tx) = sender(suite, id) else { return };
    let (meta_len, body) = rest.split_first().map_or((0, rest), |(m, b)| (usize::from(*m % 8), b));
    let (meta, payload) = body.split_at(meta_len.min(body.len()));

    let frame: Vec<u8> = match mode % 3 {
        0 => body.to_vec(),
        1 => {
            let mut out = vec![0u8; payload.len() + MAX_OVERHEAD];
            let Ok(n) = tx.protect(meta, payload, &mut out) else { return };
            out.truncate(n);
            let at = payload.first().map_or(0, |b| usize::from(*b)) % n.max(1);
            if let Some(x) = out.get_mut(at) {
                *x ^= payload.get(1).copied().unwrap_or(1) | 1;
            }
            out
        }
        _ => {
            // A sender that ratcheted `steps` times: the receiver derives
            // the key itself, up to its jump limit.
            let steps = payload.first().map_or(1, |b| b % 24);
            let Some(mut t) = sender(suite, id) else { return };
            for _ in 0..steps {
                if t.ratchet().is_err() {
                    return;
                }
            }
            let mut out = vec![0u8; payload.len() + MAX_OVERHEAD];
            let Ok(n) = t.protect(meta, payload, &mut out) else { return };
            out.truncate(n);
            out
        }
    };

    let held = rx.keys_held(1);
    let mut out = vec![0u8; frame.len()];
    match rx.unprotect(meta, &frame, &mut out, 0) {
        Ok(info) => {
            let mut again = vec![0u8; frame.len()];
            assert!(rx.unprotect(meta, &frame, &mut again, 0).is_err(), "a frame decrypted twice");
            assert!(info.plaintext_len + info.header_len + 16 == frame.len());
        }
        Err(_) => {
            assert!(rx.keys_held(1) == held, "a failed frame changed the keys held");
            assert!(out.iter().all(|&b| b == 0), "a failed frame left bytes in the output");
            let mut good = vec![0u8; 3 + MAX_OVERHEAD];
            let Ok(n) = tx.protect(b"", b"abc", &mut good) else { return };
            let mut plain = vec![0u8; n];
            assert!(rx.unprotect(b"", good.get(..n).unwrap_or_default(), &mut plain, 0).is_ok(), "state broken by a failed frame");
        }
    }
    // The in-place path on the same input never panics either.
    let mut inplace = frame.clone();
    let _ = rx.unprotect_in_place(meta, &mut inplace, 0);

    // Another participant leaves (SPEC.md §13.5): index 1's keys are sealed.
    // A later step of its generation is never derived (the departed device
    // could compute it), and its held keys retire after the overlap even
    // though no newer key arrives.
    rx.remove_sender(9, 0);
    let held = rx.keys_held(1);
    let Some(mut far) = sender(suite, id) else { return };
    for _ in 0..30 {
        if far.ratchet().is_err() {
            return;
        }
    }
    let mut f = vec![0u8; 3 + MAX_OVERHEAD];
    let Ok(n) = far.protect(b"", b"abc", &mut f) else { return };
    let mut plain = vec![0u8; n];
    let r = rx.unprotect(b"", f.get(..n).unwrap_or_default(), &mut plain, 0);
    assert!(matches!(r, Err(vestnik::call::CallError::RetiredKid(_))), "a sealed generation was ratcheted");
    assert!(rx.keys_held(1) == held, "a refused frame changed the keys held");
    let overlap = CallLimits::default().key_overlap_ms;
    let Ok(n) = tx.protect(b"", b"abc", &mut f) else { return };
    let late = f.get(..n).unwrap_or_default();
    assert!(rx.unprotect(b"", late, &mut plain, overlap).is_err(), "a sealed key outlived the overlap");
}
