//! Frozen Ed25519 vectors for the acceptance rule of SPEC.md §11.1, under
//! `tests/vectors/ed25519/cases.json`. Each case has a key, a context label,
//! a message, the exact signing input `u8(len(label)) || label || message`,
//! a signature and the verdict of vestnik's rule, next to what a cofactorless
//! strict verifier and a lax verifier would say, so a second implementation
//! learns the rule from the vectors:
//!
//! - signatures the cofactored rule accepts and a cofactorless check refuses
//!   (`R' = R + T`, `T` of small order, `S' = r + k' a` with `k'` hashed over
//!   `R'`), and
//! - signatures the rule refuses that a lax verifier accepts: a small-order
//!   key, a mixed-order key, a small-order `R`, `S + L`, a non-canonical `R`.
//!
//! Every case runs through the crate's own single verification and through
//! `verify_batch`, alone and mixed. The file is written once by
//! `VESTNIK_REGEN_VECTORS=ed25519 cargo test --test ed25519_vectors generate`
//! (it refuses to overwrite) from fixed seeds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT as B, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use serde_json::{Value, json};
use sha2::{Digest, Sha512};
use std::path::PathBuf;
use vestnik::crypto::sig::{BatchItem, Signature, VerifyingKey, verify_batch};
use vestnik::crypto::testing::ed25519_verify;
use vestnik::labels::{self, SigContext};

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/ed25519/cases.json")
}

/// The context every case is signed in.
const CONTEXT: SigContext = labels::SIG_DOCUMENT;

/// `L` little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn signing_input(message: &[u8]) -> Vec<u8> {
    let label = CONTEXT.as_bytes();
    [&[u8::try_from(label.len()).unwrap()][..], label, message].concat()
}

fn hash_scalar(parts: &[&[u8]]) -> Scalar {
    let mut h = Sha512::new();
    for p in parts {
        h.update(p);
    }
    Scalar::from_bytes_mod_order_wide(&h.finalize().into())
}

/// An RFC 8032 key from a seed: secret scalar `a`, nonce prefix, `A`.
struct Key {
    a: Scalar,
    prefix: [u8; 32],
    public: [u8; 32],
}

fn key(seed: u8) -> Key {
    let h: [u8; 64] = Sha512::digest([seed; 32]).into();
    let mut a = [0u8; 32];
    a.copy_from_slice(&h[..32]);
    a[0] &= 248;
    a[31] &= 127;
    a[31] |= 64;
    let mut prefix = [0u8; 32];
    prefix.copy_from_slice(&h[32..]);
    let a = Scalar::from_bytes_mod_order(a);
    Key { a, prefix, public: (B * a).compress().to_bytes() }
}

/// Signs `input` with nonce point `[r]B + extra` (encoded as `r_enc` when
/// given), recomputing `k` over the R actually sent and `S = r + k a`.
fn sign(k: &Key, public: &[u8; 32], input: &[u8], extra: EdwardsPoint, r_enc: Option<[u8; 32]>) -> [u8; 64] {
    let r = hash_scalar(&[&k.prefix, input]);
    let r_enc = r_enc.unwrap_or_else(|| (B * r + extra).compress().to_bytes());
    let kk = hash_scalar(&[&r_enc, public, input]);
    let s = r + kk * k.a;
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&r_enc);
    out[32..].copy_from_slice(s.as_bytes());
    out
}

fn add_l(s: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(s[i]) + u16::from(L[i]) + carry;
        out[i] = (v & 0xff) as u8;
        carry = v >> 8;
    }
    out
}

/// What other verifiers say: `cofactorless` is RFC 8032 §5.1.7 with the
/// strict checks (canonical S, A and R, no small-order A or R) but the
/// equation without the factor 8; `lax` decodes A and R leniently (any
/// decodable encoding, small order allowed), reduces S mod L and uses the
/// cofactored equation.
fn other_verdicts(public: &[u8; 32], input: &[u8], sig: &[u8; 64]) -> (bool, bool) {
    let (r_enc, s_enc) = sig.split_at(32);
    let r_arr: [u8; 32] = r_enc.try_into().unwrap();
    let s_arr: [u8; 32] = s_enc.try_into().unwrap();
    let (Some(a), Some(r)) = (CompressedEdwardsY(*public).decompress(), CompressedEdwardsY(r_arr).decompress()) else {
        return (false, false);
    };
    let kk = hash_scalar(&[&r_arr, public, input]);
    let lax_s = Scalar::from_bytes_mod_order(s_arr);
    let lax = (B * lax_s - r - a * kk).mul_by_cofactor().is_identity();
    let canonical = |enc: &[u8; 32], p: &EdwardsPoint| p.compress().to_bytes() == *enc;
    let strict_s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_arr));
    let cofactorless = strict_s.is_some_and(|s| {
        canonical(public, &a)
            && canonical(&r_arr, &r)
            && !a.is_small_order()
            && !r.is_small_order()
            && (B * s - r - a * kk).is_identity()
    });
    (cofactorless, lax)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn generate() {
    if std::env::var("VESTNIK_REGEN_VECTORS").as_deref() != Ok("ed25519") {
        return;
    }
    let mut cases = Vec::new();
    let mut push =
        |name: &str, verdict: &str, stage: &str, note: &str, public: [u8; 32], message: &[u8], sig: [u8; 64]| {
            let input = signing_input(message);
            let (cofactorless, lax) = other_verdicts(&public, &input, &sig);
            cases.push(json!({
                "name": name,
                "verdict": verdict,
                "refused_at": stage,
                "note": note,
                "context": CONTEXT.as_str(),
                "message": hex(message),
                "signing_input": hex(&input),
                "public_key": hex(&public),
                "signature": hex(&sig),
                "cofactorless_strict_verdict": if cofactorless { "accept" } else { "reject" },
                "lax_cofactored_verdict": if lax { "accept" } else { "reject" },
            }));
        };
    let k = key(1);
    let msg = "Справка об обучении, школа № 57".as_bytes();
    let input = signing_input(msg);
    let honest = sign(&k, &k.public, &input, EdwardsPoint::default(), None);
    push("honest", "accept", "", "RFC 8032 signature: both equations hold", k.public, msg, honest);
    for (i, order) in [(1usize, 8), (2, 4), (4, 2), (3, 8)] {
        let t = EIGHT_TORSION[i];
        let sig = sign(&k, &k.public, &input, t, None);
        push(
            &format!("torsion-r-order-{order}-t{i}"),
            "accept",
            "",
            "R' = [r]B + T with T = EIGHT_TORSION[i]; S = r + k' a with k' = SHA-512(R' || A || input) mod L; \
             [S]B - R' - [k']A = -T: the cofactored equation holds, the cofactorless one does not",
            k.public,
            msg,
            sig,
        );
    }
    // Refused by the rule, accepted by a lax verifier.
    let t8 = EIGHT_TORSION[1];
    let small_a = t8.compress().to_bytes();
    let mut s0 = [0u8; 64];
    s0[..32].copy_from_slice(&EIGHT_TORSION[3].compress().to_bytes());
    push("small-order-key", "reject", "key", "A of order 8, R of order 8, S = 0", small_a, msg, s0);
    let identity_key = EdwardsPoint::default().compress().to_bytes();
    push("identity-key", "reject", "key", "A = identity, R of order 8, S = 0", identity_key, msg, s0);
    let mixed = (B * k.a + t8).compress().to_bytes();
    let mixed_sig = sign(&k, &mixed, &input, EdwardsPoint::default(), None);
    push(
        "mixed-order-key",
        "reject",
        "key",
        "A' = [a]B + T (T of order 8), S = r + k a: refused at import (torsion component)",
        mixed,
        msg,
        mixed_sig,
    );
    // Small-order R with S = k a: [S]B - R - [k]A = -R.
    for (i, order) in [(1usize, 8), (2, 4), (0, 1)] {
        let r_enc = EIGHT_TORSION[i].compress().to_bytes();
        let kk = hash_scalar(&[&r_enc, &k.public, &input]);
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&r_enc);
        sig[32..].copy_from_slice((kk * k.a).as_bytes());
        push(
            &format!("small-order-r-order-{order}"),
            "reject",
            "signature",
            "R of small order, S = k a: the cofactored equation holds, step 3 refuses",
            k.public,
            msg,
            sig,
        );
    }
    let mut s_plus_l = honest;
    let sl = add_l(&honest[32..]);
    s_plus_l[32..].copy_from_slice(&sl);
    push(
        "s-plus-l",
        "reject",
        "signature",
        "the honest signature with S + L: step 1 refuses S >= L",
        k.public,
        msg,
        s_plus_l,
    );
    // Non-canonical R: the identity encoded as y = p + 1, and as y = 1 with
    // the sign bit set; S = k a with k over those bytes.
    let mut y_p1 = [0xffu8; 32];
    y_p1[0] = 0xee;
    y_p1[31] = 0x7f;
    let mut neg_zero = [0u8; 32];
    neg_zero[0] = 1;
    neg_zero[31] = 0x80;
    for (name, r_enc) in [("non-canonical-r-y-p-plus-1", y_p1), ("non-canonical-r-negative-zero", neg_zero)] {
        let kk = hash_scalar(&[&r_enc, &k.public, &input]);
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&r_enc);
        sig[32..].copy_from_slice((kk * k.a).as_bytes());
        push(
            name,
            "reject",
            "signature",
            "R_enc a non-canonical encoding of the identity, S = k a: step 2 refuses",
            k.public,
            msg,
            sig,
        );
    }
    let text = serde_json::to_string_pretty(&Value::Array(cases)).unwrap() + "\n";
    std::fs::create_dir_all(path().parent().unwrap()).unwrap();
    use std::io::Write;
    let mut f = std::fs::File::create_new(path()).expect("cases.json exists: frozen, never overwritten");
    f.write_all(text.as_bytes()).unwrap();
}

struct Case {
    name: String,
    verdict: bool,
    stage: String,
    key: Option<VerifyingKey>,
    message: Vec<u8>,
    signature: Signature,
}

fn load() -> Vec<(Case, Value)> {
    let text = std::fs::read_to_string(path()).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |f: &str| c[f].as_str().unwrap_or_else(|| panic!("{f}")).to_owned();
            assert_eq!(s("context"), CONTEXT.as_str());
            let message = unhex(&s("message"));
            assert_eq!(unhex(&s("signing_input")), signing_input(&message), "{}", s("name"));
            let case = Case {
                name: s("name"),
                verdict: s("verdict") == "accept",
                stage: s("refused_at"),
                key: VerifyingKey::from_bytes(&unhex(&s("public_key"))).ok(),
                message,
                signature: Signature::from_slice(&unhex(&s("signature"))).unwrap(),
            };
            (case, c.clone())
        })
        .collect()
}

#[test]
fn every_case_gets_its_verdict_single_and_batch() {
    let cases = load();
    assert!(cases.len() >= 14);
    let mut rng = rand::rng();
    for (c, raw) in &cases {
        match &c.key {
            None => {
                assert!(!c.verdict && c.stage == "key", "{}: key refused at import", c.name);
                continue;
            }
            Some(_) => assert_ne!(c.stage, "key", "{}: key must import", c.name),
        }
        let key = c.key.as_ref().unwrap();
        assert_eq!(ed25519_verify(key, CONTEXT, &c.message, &c.signature), c.verdict, "{} single", c.name);
        let item = BatchItem { key, context: CONTEXT, message: &c.message, signature: &c.signature };
        assert_eq!(verify_batch(&[item], &mut rng).is_ok(), c.verdict, "{} batch of one", c.name);
        // A signature made for this context verifies under no other.
        assert!(!ed25519_verify(key, labels::SIG_CERTIFICATE, &c.message, &c.signature), "{}", c.name);
        // The recorded verdicts of the other verifiers hold: each case shows
        // the rule differs from them where the file says so.
        let input = signing_input(&c.message);
        let pk: [u8; 32] = unhex(raw["public_key"].as_str().unwrap()).try_into().unwrap();
        let (cofactorless, lax) = other_verdicts(&pk, &input, c.signature.as_bytes());
        assert_eq!(raw["cofactorless_strict_verdict"] == "accept", cofactorless, "{}", c.name);
        assert_eq!(raw["lax_cofactored_verdict"] == "accept", lax, "{}", c.name);
    }
    // Key-stage refusals are refused however the signature looks.
    for (c, raw) in &cases {
        if c.stage == "key" {
            assert!(VerifyingKey::from_bytes(&unhex(raw["public_key"].as_str().unwrap())).is_err(), "{}", c.name);
        }
    }
}

#[test]
fn the_vectors_separate_the_rule_from_cofactorless_and_lax_verifiers() {
    let cases = load();
    let says = |raw: &Value, f: &str| raw[f] == "accept";
    let torsion: Vec<_> = cases.iter().filter(|(c, _)| c.name.starts_with("torsion-r")).collect();
    assert!(torsion.len() >= 3);
    for (c, raw) in &torsion {
        assert!(
            c.verdict && !says(raw, "cofactorless_strict_verdict") && says(raw, "lax_cofactored_verdict"),
            "{}",
            c.name
        );
    }
    for name in [
        "small-order-key",
        "identity-key",
        "mixed-order-key",
        "small-order-r-order-8",
        "small-order-r-order-4",
        "s-plus-l",
        "non-canonical-r-y-p-plus-1",
    ] {
        let (c, raw) = cases.iter().find(|(c, _)| c.name == name).unwrap_or_else(|| panic!("{name}"));
        assert!(
            !c.verdict && says(raw, "lax_cofactored_verdict"),
            "{name}: refused by the rule, accepted by a lax verifier"
        );
    }
    let (honest, raw) = &cases[0];
    assert!(honest.verdict && says(raw, "cofactorless_strict_verdict") && says(raw, "lax_cofactored_verdict"));
}

#[test]
fn mixed_batches_accept_exactly_the_accepted_cases() {
    let cases = load();
    let importable: Vec<&Case> = cases.iter().map(|(c, _)| c).filter(|c| c.key.is_some()).collect();
    let items: Vec<BatchItem<'_>> = importable
        .iter()
        .map(|c| BatchItem {
            key: c.key.as_ref().unwrap(),
            context: CONTEXT,
            message: &c.message,
            signature: &c.signature,
        })
        .collect();
    let expected_bad: Vec<usize> = importable.iter().enumerate().filter(|(_, c)| !c.verdict).map(|(i, _)| i).collect();
    let mut rng = rand::rng();
    for _ in 0..8 {
        assert_eq!(verify_batch(&items, &mut rng).err().unwrap_or_default(), expected_bad);
    }
    let good: Vec<BatchItem<'_>> = items.iter().zip(&importable).filter(|(_, c)| c.verdict).map(|(i, _)| *i).collect();
    assert!(good.len() >= 4);
    for _ in 0..8 {
        assert_eq!(verify_batch(&good, &mut rng), Ok(()));
    }
}
