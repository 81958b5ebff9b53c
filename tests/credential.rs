//! Credentials through the public API: batch unlinkability, encodings
//! (ASSURANCE rows 12, 14, 15), bounds (row 7).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/credential_world.rs"]
mod credential_world;
#[path = "common/encoding.rs"]
mod encoding;

use credential_world::*;
use encoding::*;
use std::collections::HashSet;
use vestnik::credential::*;
use vestnik::crypto::sig::SigningKey;
use vestnik::wire::DecodeError;

#[test]
fn batch_credentials_share_no_digest_key_or_signature() {
    let w = CredWorld::new();
    let mut rng = rand::rng();
    let keys: Vec<SigningKey> = (0..8).map(|_| SigningKey::generate(&mut rng)).collect();
    let slots: Vec<_> = keys.iter().enumerate().map(|(i, k)| (k.verifying_key(), 100 + 37 * i as u64)).collect();
    let batch = w.issuer.issue_batch(&CredWorld::template(), &slots, &mut rng).unwrap();
    let held: Vec<HeldCredential> =
        batch.into_iter().zip(keys).map(|(issued, key)| HeldCredential::new(issued, key).unwrap()).collect();
    // Two colluding verifiers, each shown a different credential of the batch.
    let mut digests = HashSet::new();
    let mut holder_keys = HashSet::new();
    let mut chunks = HashSet::new();
    for (i, h) in held.iter().enumerate() {
        let req = CredWorld::request(if i % 2 == 0 { "bank" } else { "shop" }, &["age_over_14"]);
        let p = h.present(&req, NOW).unwrap();
        let v = verify_presentation(p.to_bytes(), &req, &w.policy, &w.lists, NOW).unwrap();
        assert!(v.proves("age_over_14"));
        for d in p.credential().digests() {
            assert!(digests.insert(*d), "a digest repeats across the batch");
        }
        assert!(holder_keys.insert(*p.credential().holder_key().as_bytes()));
        assert!(chunks.insert(*p.credential().hash()), "a credential repeats");
    }
    // What stays linkable, as SPEC.md §14.7 says: the same disclosed value
    // and the issuer chain.
    let a = held[0].credential();
    let b = held[1].credential();
    assert_eq!(a.chain(), b.chain());
    assert_eq!((a.not_before(), a.not_after()), (b.not_before(), b.not_after()));
    assert_ne!(a.serial(), b.serial());
}

#[test]
fn every_credential_type_is_refused_by_every_other_decoder() {
    let w = CredWorld::new();
    let held = w.held(1);
    let req = CredWorld::request("bank", &["age_over_14"]);
    let p = held.present(&req, NOW).unwrap();
    let issued = IssuedCredential::from_bytes(&held.to_bytes()).err();
    assert!(issued.is_some(), "a held credential is not an issued credential");
    let samples: Vec<(&str, Vec<u8>)> = vec![
        ("credential", held.credential().to_bytes().to_vec()),
        ("disclosure", held.disclosures()[0].to_bytes().to_vec()),
        ("request", req.to_bytes().to_vec()),
        ("presentation", p.to_bytes().to_vec()),
        ("held", held.to_bytes().to_vec()),
        ("certificate", w.ca_cert.to_bytes().to_vec()),
        ("status list", w.lists[0].to_bytes().to_vec()),
    ];
    type Decoder = fn(&[u8]) -> bool;
    let decoders: Vec<(&str, Decoder)> = vec![
        ("credential", |b| Credential::from_bytes(b).is_ok()),
        ("disclosure", |b| Disclosure::from_bytes(b).is_ok()),
        ("request", |b| PresentationRequest::from_bytes(b).is_ok()),
        ("presentation", |b| Presentation::from_bytes(b).is_ok()),
        ("held", |b| HeldCredential::from_bytes(b).is_ok()),
        ("issued", |b| IssuedCredential::from_bytes(b).is_ok()),
        ("certificate", |b| vestnik::document::Certificate::from_bytes(b).is_ok()),
        ("bundle", |b| vestnik::PreKeyBundle::from_bytes(b).is_ok()),
    ];
    for (sname, bytes) in &samples {
        for (dname, decode) in &decoders {
            assert_eq!(decode(bytes), sname == dname, "{sname} into the {dname} decoder");
        }
    }
    // And the error names the type mismatch.
    assert!(matches!(
        Credential::from_bytes(p.to_bytes()),
        Err(CredentialError::Decode(DecodeError::WrongType { found: 0x5501, expected: 0x5101 }))
    ));
    // A future version is refused clearly.
    let mut v2 = req.to_bytes().to_vec();
    assert_eq!(&v2[..3], &[0x08, 0x81, 0xa6]);
    v2[1] = 0x82;
    assert!(matches!(
        PresentationRequest::from_bytes(&v2),
        Err(CredentialError::Decode(DecodeError::UnsupportedVersion { found: 0x5302, expected: 0x5301 }))
    ));
}

#[test]
fn non_canonical_encodings_are_refused() {
    let w = CredWorld::new();
    let held = w.held(1);
    let req = CredWorld::request("bank", &["age_over_14"]);
    let p = held.present(&req, NOW).unwrap();
    let cred = held.credential().to_bytes();
    for (name, v) in variants(cred) {
        assert!(
            matches!(Credential::from_bytes(&v), Err(CredentialError::Decode(DecodeError::NonCanonical))),
            "{name}"
        );
    }
    for (name, v) in variants(held.disclosures()[0].to_bytes()) {
        assert!(Disclosure::from_bytes(&v).is_err(), "disclosure {name}");
    }
    for (name, v) in variants(req.to_bytes()) {
        assert!(PresentationRequest::from_bytes(&v).is_err(), "request {name}");
    }
    for (name, v) in variants(p.to_bytes()) {
        assert!(Presentation::from_bytes(&v).is_err(), "presentation {name}");
        assert!(verify_presentation(&v, &req, &w.policy, &w.lists, NOW).is_err(), "presentation {name}");
    }
    // A non-canonical signed part under the original signatures.
    let tbs = extract_ld(cred, 2);
    for (name, v) in variants(&tbs) {
        let rebuilt = replace_ld(cred, 2, &v);
        assert!(Credential::from_bytes(&rebuilt).is_err(), "credential tbs {name}");
    }
    let ptbs = extract_ld(p.to_bytes(), 4);
    for (name, v) in variants(&ptbs) {
        let rebuilt = replace_ld(p.to_bytes(), 4, &v);
        assert!(Presentation::from_bytes(&rebuilt).is_err(), "presentation tbs {name}");
    }
}

/// The message with its first length-delimited field `tag` replaced.
fn replace_ld(bytes: &[u8], tag: u8, value: &[u8]) -> Vec<u8> {
    let old = extract_ld(bytes, tag);
    let mut key_len = vec![tag << 3 | 2];
    varint(old.len() as u64, &mut key_len);
    key_len.extend_from_slice(&old);
    let pos = bytes.windows(key_len.len()).position(|x| x == key_len).unwrap();
    let mut out = bytes[..pos].to_vec();
    out.push(tag << 3 | 2);
    varint(value.len() as u64, &mut out);
    out.extend_from_slice(value);
    out.extend_from_slice(&bytes[pos + key_len.len()..]);
    out
}

#[test]
fn limits_at_max_and_max_plus_one() {
    let w = CredWorld::new();
    let mut rng = rand::rng();
    let holder = SigningKey::generate(&mut rng).verifying_key();
    // Claims: 64 accepted, 65 refused.
    let mut t = CredWorld::template();
    t.claims = (0..limits::MAX_CLAIMS).map(|i| Claim::integer(format!("c{i}"), i as i64)).collect();
    let issued = w.issuer.issue(&t, &holder, 1, &mut rng).unwrap();
    assert_eq!(issued.credential().digests().len(), 64);
    t.claims.push(Claim::integer("c64", 0));
    assert!(matches!(
        w.issuer.issue(&t, &holder, 1, &mut rng),
        Err(CredentialError::TooMany { count: 65, max: 64, .. })
    ));
    // Digests at decode: the limit decides before prost allocates.
    let cred = issued.credential().to_bytes();
    let mut l = CredentialLimits::default();
    l.max_digests = 64;
    assert!(Credential::from_bytes_with(cred, &l).is_ok());
    l.max_digests = 63;
    assert!(matches!(
        Credential::from_bytes_with(cred, &l),
        Err(CredentialError::Decode(DecodeError::TooMany { field: "credential.digests", count: 64, max: 63 }))
    ));
    // Requested claims: 32 accepted, 33 refused.
    let names: Vec<String> = (0..33).map(|i| format!("n{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let spec = |claims| RequestSpec { audience: "a", doc_type: "ru.gov.passport", claims, expires: NOW, purpose: "" };
    assert!(PresentationRequest::new(&spec(&refs[..32]), &mut rng).is_ok());
    assert!(matches!(
        PresentationRequest::new(&spec(&refs), &mut rng),
        Err(CredentialError::Decode(DecodeError::TooMany { count: 33, max: 32, .. }))
    ));
    // Chain: 4 certificates accepted by the issuer, 5 refused.
    let issuer_with = |n: usize| {
        let key = SigningKey::generate(&mut rand::rng());
        let leaf = cert(&key, &key, "self", vestnik::document::KeyUsage::CREDENTIAL_ISSUING, &[PASSPORT]);
        let chain = std::iter::once(leaf).chain(std::iter::repeat_n(w.ca_cert.clone(), n - 1)).collect();
        CredentialIssuer::new(key, chain)
    };
    assert!(issuer_with(limits::MAX_CHAIN_CERTS).is_ok());
    assert!(matches!(issuer_with(limits::MAX_CHAIN_CERTS + 1), Err(CredentialError::TooMany { count: 5, max: 4, .. })));
    // Text: 1024 bytes accepted, 1025 refused; salts under 128 bits refused.
    let mut t = CredWorld::template();
    t.claims = vec![Claim::text("t", "ж".repeat(512))];
    assert!(w.issuer.issue(&t, &holder, 1, &mut rng).is_ok());
    t.claims = vec![Claim::text("t", format!("{}x", "ж".repeat(512)))];
    assert_eq!(w.issuer.issue(&t, &holder, 1, &mut rng).unwrap_err(), CredentialError::TooLong("claim text"));
}

#[test]
fn decoders_cap_size_and_counts_before_allocating() {
    // Oversize input of the right type: refused by length alone (a foreign
    // object is refused by its format first, whatever its size).
    let big = |prefix: &[u8], len: usize| {
        let mut b = prefix.to_vec();
        b.resize(len, 0);
        b
    };
    let presentation = [0x08, 0x81, 0xaa, 0x01];
    assert!(matches!(
        Presentation::from_bytes(&big(&presentation, limits::MAX_PRESENTATION_LEN + 1)),
        Err(CredentialError::Decode(DecodeError::TooLarge { .. }))
    ));
    assert!(matches!(
        Credential::from_bytes(&big(&[0x08, 0x81, 0xa2, 0x01], limits::MAX_CREDENTIAL_LEN + 1)),
        Err(CredentialError::Decode(DecodeError::TooLarge { .. }))
    ));
    assert!(matches!(
        PresentationRequest::from_bytes(&big(&[0x08, 0x81, 0xa6, 0x01], limits::MAX_REQUEST_LEN + 1)),
        Err(CredentialError::Decode(DecodeError::TooLarge { .. }))
    ));
    assert!(matches!(
        Presentation::from_bytes(&big(&[0x08, 0x81, 0xa2, 0x01], limits::MAX_PRESENTATION_LEN + 1)),
        Err(CredentialError::Decode(DecodeError::WrongType { found: 0x5101, expected: 0x5501 }))
    ));
    // 50,000 empty disclosures (2 bytes each on the wire, ~24 bytes each once
    // decoded): counted by the scanner and refused before prost runs.
    let mut p = vec![0x08, 0x81, 0xaa, 0x01];
    for _ in 0..50_000 {
        p.extend_from_slice(&[0x1a, 0x00]);
    }
    assert!(matches!(
        Presentation::from_bytes(&p),
        Err(CredentialError::Decode(DecodeError::TooMany { field: "presentation.disclosures", count: 65, max: 64 }))
    ));
    let mut r = vec![0x08, 0x81, 0xa6, 0x01];
    for _ in 0..1_000 {
        r.extend_from_slice(&[0x2a, 0x00]);
    }
    assert!(matches!(
        PresentationRequest::from_bytes(&r),
        Err(CredentialError::Decode(DecodeError::TooMany { field: "request.claims", count: 33, max: 32 }))
    ));
    // Deep nesting is impossible: no message type nests itself.
}
