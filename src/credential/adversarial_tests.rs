//! A malicious holder, verifier or relay against verification (SPEC.md
//! §14.6): each test builds what the public API refuses to make and checks
//! the verifier names the right failure.

use super::fixture::{Forgery, NOW, PASSPORT, STUDENT_ID, World, cert, disclosure};
use super::*;
use crate::crypto::sig::SigningKey;
use crate::document::KeyUsage;
use crate::labels;
use crate::wire::credential::claim_value::Kind;

#[test]
fn honest_presentation_proves_only_what_is_disclosed() {
    let w = World::new();
    let held = w.passport(5);
    let req = World::request(&["age_over_14", "family_name"]);
    let v = w.verify(held.present(&req, NOW).unwrap().to_bytes(), &req).unwrap();
    assert!(v.proves("age_over_14"));
    assert!(!v.proves("age_over_18"));
    assert_eq!(v.claim("family_name"), Some(&ClaimValue::Text("Петрова".into())));
    assert_eq!(v.claim("birth_date"), None);
    assert_eq!(v.claims().len(), 2);
    assert_eq!((v.doc_type(), v.issuer_id(), v.anchor_name()), ("ru.gov.passport", "mvd", "root"));
}

#[test]
fn tampered_claim_value_signed_by_the_holder_is_not_committed() {
    let w = World::new();
    let held = w.passport(5);
    let req = World::request(&["age_over_18"]);
    let mut f = Forgery::from(&held.present(&req, NOW).unwrap());
    // Same salt, value flipped to true: a new digest the issuer never signed.
    let real = Disclosure::from_bytes(&f.disclosures[0]).unwrap();
    f.disclosures = vec![disclosure(real.salt(), "age_over_18", Kind::Boolean(true))];
    let bytes = f.consistent().sign(held.holder_key());
    assert_eq!(w.verify(&bytes, &req).unwrap_err(), VerifyError::UnknownDisclosure);
}

#[test]
fn tampered_salt_or_digest_fails() {
    let w = World::new();
    let held = w.passport(5);
    let req = World::request(&["age_over_14"]);
    let honest = held.present(&req, NOW).unwrap();
    // Another salt for the same value.
    let mut f = Forgery::from(&honest);
    f.disclosures = vec![disclosure(&[9; 16], "age_over_14", Kind::Boolean(true))];
    assert_eq!(w.verify(&f.consistent().sign(held.holder_key()), &req).unwrap_err(), VerifyError::UnknownDisclosure);
    // Disclosures swapped under an unchanged signed digest.
    let mut f = Forgery::from(&honest);
    f.disclosures = vec![held.disclosures().iter().find(|d| d.name() == "age_over_18").unwrap().to_bytes().to_vec()];
    let bytes = f.sign(held.holder_key());
    assert_eq!(w.verify(&bytes, &req).unwrap_err(), VerifyError::Mismatch("disclosures"));
    // A flipped bit in the signed disclosed-set digest.
    let mut f = Forgery::from(&honest);
    f.tbs.disclosed_digest[0] ^= 1;
    assert_eq!(w.verify(&f.sign(held.holder_key()), &req).unwrap_err(), VerifyError::Mismatch("disclosures"));
}

#[test]
fn an_issuer_signed_digest_change_is_caught_by_the_issuer_signature() {
    let w = World::new();
    let held = w.passport(5);
    let req = World::request(&["age_over_14"]);
    let honest = held.present(&req, NOW).unwrap();
    let mut f = Forgery::from(&honest);
    // Replace an undisclosed digest by another value keeping the order valid:
    // bump its last byte when the next digest allows it.
    let digests = honest.credential().digests().to_vec();
    let disclosed = *honest.disclosures()[0].digest();
    let (_, d) = digests
        .iter()
        .enumerate()
        .find(|&(i, d)| {
            *d != disclosed
                && d[31] < 255
                && digests.get(i + 1).is_none_or(|n| {
                    let mut b = *d;
                    b[31] += 1;
                    &b < n
                })
        })
        .unwrap();
    let pos = f.credential.windows(32).position(|x| x == d).unwrap();
    f.credential[pos + 31] += 1;
    let bytes = f.consistent().sign(held.holder_key());
    assert_eq!(w.verify(&bytes, &req).unwrap_err(), VerifyError::BadIssuerSignature);
}

#[test]
fn claims_from_two_credentials_cannot_be_mixed() {
    let w = World::new();
    let mine = w.passport(5);
    let other = w.passport(6); // someone else's passport, or my other one
    let req = World::request(&["age_over_18", "family_name"]);
    let mut f = Forgery::from(&mine.present(&req, NOW).unwrap());
    let theirs = other.disclosures().iter().find(|d| d.name() == "age_over_18").unwrap();
    f.disclosures.retain(|d| Disclosure::from_bytes(d).unwrap().name() != "age_over_18");
    f.disclosures.push(theirs.to_bytes().to_vec());
    assert_eq!(w.verify(&f.consistent().sign(mine.holder_key()), &req).unwrap_err(), VerifyError::UnknownDisclosure);
}

#[test]
fn a_claim_disclosed_twice_fails() {
    let w = World::new();
    let held = w.passport(5);
    let req = World::request(&["family_name"]);
    let mut f = Forgery::from(&held.present(&req, NOW).unwrap());
    // Same name, another value (its digest is not committed anyway)...
    f.disclosures.push(disclosure(&[1; 16], "family_name", Kind::Text("Иванова".into())));
    let r = w.verify(&f.consistent().sign(held.holder_key()), &req).unwrap_err();
    assert!(matches!(r, VerifyError::UnknownDisclosure | VerifyError::DuplicateDisclosure(_)), "{r:?}");
    // ...and the very same disclosure twice is refused at decode (order).
    let mut f = Forgery::from(&held.present(&req, NOW).unwrap());
    f.disclosures.push(f.disclosures[0].clone());
    let r = w.verify(&f.sign(held.holder_key()), &req).unwrap_err();
    assert!(matches!(r, VerifyError::Format(CredentialError::Decode(_))), "{r:?}");
}

#[test]
fn two_committed_claims_with_one_name_fail() {
    // An issuer (buggy or malicious) commits two values under one name; a
    // holder disclosing both must not let the verifier pick one.
    let w = World::new();
    let mut rng = rand::rng();
    let holder = SigningKey::generate(&mut rng);
    let mut t = World::passport_template();
    t.claims.retain(|c| c.name != "family_name");
    t.claims.push(Claim::text("family_name", "Петрова"));
    let a = w.passports.issue(&t, &holder.verifying_key(), 1, &mut rng).unwrap();
    // Build a credential committing a second family_name digest by hand.
    let extra = disclosure(&[3; 16], "family_name", Kind::Text("Сидорова".into()));
    let extra_d = Disclosure::from_bytes(&extra).unwrap();
    let mut tbs = <crate::wire::credential::CredentialTbs as prost::Message>::decode(
        <crate::wire::credential::Credential as prost::Message>::decode(a.credential().to_bytes())
            .unwrap()
            .tbs
            .as_slice(),
    )
    .unwrap();
    tbs.digests.push(extra_d.digest().to_vec());
    tbs.digests.sort();
    let tbs = prost::Message::encode_to_vec(&tbs);
    let sig = w.passports.signing_key().sign(labels::SIG_CREDENTIAL, &tbs);
    let cred = prost::Message::encode_to_vec(&crate::wire::credential::Credential {
        format: crate::wire::format::CREDENTIAL,
        tbs,
        signature: sig.to_bytes().to_vec(),
        chain: a.credential().chain().iter().map(|c| c.to_bytes().to_vec()).collect(),
    });
    let held = HeldCredential::new(a, holder).unwrap();
    let req = World::request(&["family_name"]);
    let mut f = Forgery::from(&held.present(&req, NOW).unwrap());
    f.credential = cred;
    f.disclosures.push(extra);
    let r = w.verify(&f.consistent().sign(held.holder_key()), &req).unwrap_err();
    assert_eq!(r, VerifyError::DuplicateDisclosure("family_name".into()));
}

#[test]
fn wrong_holder_key_fails() {
    let w = World::new();
    let held = w.passport(5);
    let req = World::request(&["age_over_14"]);
    let f = Forgery::from(&held.present(&req, NOW).unwrap());
    // A thief with the credential bytes but not the device key.
    let thief = SigningKey::generate(&mut rand::rng());
    assert_eq!(w.verify(&f.sign(&thief), &req).unwrap_err(), VerifyError::BadHolderSignature);
}

#[test]
fn a_signature_from_another_context_fails() {
    let w = World::new();
    let held = w.passport(5);
    let req = World::request(&["age_over_14"]);
    for context in [labels::SIG_CREDENTIAL, labels::SIG_DOCUMENT, labels::SIG_CERTIFICATE] {
        let mut f = Forgery::from(&held.present(&req, NOW).unwrap());
        f.context = context;
        assert_eq!(w.verify(&f.sign(held.holder_key()), &req).unwrap_err(), VerifyError::BadHolderSignature);
    }
}

#[test]
fn replay_with_another_nonce_or_audience_fails() {
    let w = World::new();
    let held = w.passport(5);
    let req = World::request(&["age_over_14"]);
    let p = held.present(&req, NOW).unwrap();
    assert!(w.verify(p.to_bytes(), &req).is_ok());
    // The same presentation to a second request of the same verifier.
    let again = World::request(&["age_over_14"]);
    assert_eq!(w.verify(p.to_bytes(), &again).unwrap_err(), VerifyError::WrongRequest("request hash"));
    // A forger copying the new request's hash but keeping the old nonce,
    // or naming another audience: the holder signature no longer matches
    // (or the field check fires first).
    let mut f = Forgery::from(&p);
    f.tbs.request_hash = again.hash().to_vec();
    assert_eq!(
        w.verify(&f.sign(&SigningKey::generate(&mut rand::rng())), &again).unwrap_err(),
        VerifyError::WrongRequest("nonce")
    );
    let mut f = Forgery::from(&p);
    f.tbs.audience = "bank.example".into();
    assert_eq!(w.verify(&f.sign(held.holder_key()), &req).unwrap_err(), VerifyError::WrongRequest("audience"));
    // A verifier replaying what it received to another verifier.
    let bank = PresentationRequest::new(
        &RequestSpec {
            audience: "bank.example",
            doc_type: "ru.gov.passport",
            claims: &["age_over_14"],
            expires: NOW + 600,
            purpose: "",
        },
        &mut rand::rng(),
    )
    .unwrap();
    assert_eq!(w.verify(p.to_bytes(), &bank).unwrap_err(), VerifyError::WrongRequest("request hash"));
}

#[test]
fn expired_not_yet_valid_and_stale_fail() {
    let w = World::new();
    let mut rng = rand::rng();
    let holder = SigningKey::generate(&mut rng);
    let mut t = World::passport_template();
    t.not_before = NOW - 1000;
    t.not_after = NOW - 1;
    let held =
        HeldCredential::new(w.passports.issue(&t, &holder.verifying_key(), 1, &mut rng).unwrap(), holder).unwrap();
    let req = World::request(&["age_over_14"]);
    // Made a moment before expiry (the holder's clock), verified after it.
    let r = w.verify(held.present(&req, NOW - 2).unwrap().to_bytes(), &req).unwrap_err();
    assert_eq!(r, VerifyError::CredentialExpired { not_before: NOW - 1000, not_after: NOW - 1, at: NOW });
    // An old presentation, or one from the future, or after the request expired.
    let held = w.passport(5);
    for time in [NOW - 301, NOW + 301] {
        let r = w.verify(held.present(&req, time).unwrap().to_bytes(), &req).unwrap_err();
        assert_eq!(r, VerifyError::Stale { time, now: NOW });
    }
    let p = held.present(&req, NOW + 600).unwrap();
    assert!(verify_presentation(p.to_bytes(), &req, &w.policy, &w.lists, NOW + 600).is_ok());
    assert!(matches!(
        verify_presentation(p.to_bytes(), &req, &w.policy, &w.lists, NOW + 601),
        Err(VerifyError::Stale { .. })
    ));
    assert!(w.verify(held.present(&req, NOW + 300).unwrap().to_bytes(), &req).is_ok());
}

#[test]
fn revoked_and_missing_status_fail() {
    let mut w = World::new();
    let held = w.passport(5);
    let req = World::request(&["age_over_14"]);
    let p = held.present(&req, NOW).unwrap();
    assert!(w.verify(p.to_bytes(), &req).is_ok());
    let revoked = World::list(w.passports.signing_key(), &[5]);
    let lists = [w.lists.clone(), vec![revoked.clone()]].concat();
    assert_eq!(verify_presentation(p.to_bytes(), &req, &w.policy, &lists, NOW).unwrap_err(), VerifyError::Revoked(5));
    // A revocation list by someone else is ignored; no authentic list at all fails.
    let forged = World::list(&SigningKey::generate(&mut rand::rng()), &[5]);
    assert!(verify_presentation(p.to_bytes(), &req, &w.policy, &[w.lists[0].clone(), forged.clone()], NOW).is_ok());
    assert_eq!(
        verify_presentation(p.to_bytes(), &req, &w.policy, &[forged], NOW).unwrap_err(),
        VerifyError::StatusMissing(5)
    );
    // A stale list does not count as fresh.
    let stale = World::stale_list(w.passports.signing_key());
    assert_eq!(
        verify_presentation(p.to_bytes(), &req, &w.policy, std::slice::from_ref(&stale), NOW).unwrap_err(),
        VerifyError::StatusMissing(5)
    );
    w.policy = w.policy.clone().with_fresh_status(false);
    assert!(verify_presentation(p.to_bytes(), &req, &w.policy, &[stale], NOW).is_ok());
    assert_eq!(
        verify_presentation(p.to_bytes(), &req, &w.policy, &[revoked], NOW).unwrap_err(),
        VerifyError::Revoked(5)
    );
}

#[test]
fn wrong_document_type_for_the_issuer_fails() {
    let mut w = World::new();
    let mut rng = rand::rng();
    // A certified passport issuer, but the verifier's passport rule names
    // another issuer: the rule refuses what the certificates allow.
    let req = World::request(&["age_over_18"]);
    let bytes = w.passport(9).present(&req, NOW).unwrap().to_bytes().to_vec();
    w.policy = CredentialPolicy::new(vec![IssuerRule::new(w.anchor.clone(), &[PASSPORT]).for_issuer("gibdd")]);
    let r = w.verify(&bytes, &req).unwrap_err();
    assert_eq!(r, VerifyError::DocTypeNotAllowed { issuer: "mvd".into(), doc_type: "ru.gov.passport".into() });
    // A passport shown where a student ID was asked.
    let student_req = PresentationRequest::new(
        &RequestSpec {
            audience: "bot",
            doc_type: "ru.edu.student_id",
            claims: &["age_over_14"],
            expires: NOW + 60,
            purpose: "",
        },
        &mut rng,
    )
    .unwrap();
    let passport = w.passport(5);
    assert!(matches!(passport.present(&student_req, NOW), Err(CredentialError::WrongDocType { .. })));
    let mut f = Forgery::from(&passport.present(&req, NOW).unwrap());
    f.tbs.request_hash = student_req.hash().to_vec();
    f.tbs.nonce = student_req.nonce().to_vec();
    f.tbs.audience = "bot".into();
    let r = w.verify(&f.sign(passport.holder_key()), &student_req).unwrap_err();
    assert_eq!(r, VerifyError::WrongDocType { found: "ru.gov.passport".into(), expected: "ru.edu.student_id".into() });
}

#[test]
fn an_untrusted_issuer_fails() {
    let w = World::new();
    let other = World::new(); // same names, other keys
    let held = other.passport(5);
    let req = World::request(&["age_over_14"]);
    let r = w.verify(held.present(&req, NOW).unwrap().to_bytes(), &req).unwrap_err();
    assert!(matches!(r, VerifyError::Chain(crate::document::ChainError::NoIssuer { .. })), "{r:?}");
}

#[test]
fn over_and_under_disclosure_fail() {
    let w = World::new();
    let held = w.passport(5);
    let req = World::request(&["age_over_14"]);
    let wide = World::request(&["age_over_14", "birth_date"]);
    // Holder declines birth_date: the verifier says so.
    let p = held.present_claims(&wide, &["age_over_14"], NOW).unwrap();
    assert_eq!(w.verify(p.to_bytes(), &wide).unwrap_err(), VerifyError::NotDisclosed("birth_date".into()));
    // A holder cannot add claims through the API, and the verifier refuses them.
    assert!(matches!(held.present_claims(&req, &["birth_date"], NOW), Err(CredentialError::NoSuchClaim(_))));
    let mut f = Forgery::from(&held.present(&req, NOW).unwrap());
    f.disclosures.push(held.disclosures().iter().find(|d| d.name() == "number").unwrap().to_bytes().to_vec());
    let r = w.verify(&f.consistent().sign(held.holder_key()), &req).unwrap_err();
    assert_eq!(r, VerifyError::NotRequested("number".into()));
}

#[test]
fn cached_and_uncached_verification_agree() {
    let w = World::new();
    let cache = crate::document::ChainCache::new();
    let req = World::request(&["age_over_14"]);
    let good = w.passport(5).present(&req, NOW).unwrap();
    let thief = Forgery::from(&good).sign(&SigningKey::generate(&mut rand::rng()));
    let revoked = [w.lists.clone(), vec![World::list(w.passports.signing_key(), &[5])]].concat();
    for _ in 0..3 {
        for (bytes, lists) in [(good.to_bytes(), &w.lists), (&thief[..], &w.lists), (good.to_bytes(), &revoked)] {
            let a = verify_presentation(bytes, &req, &w.policy, lists, NOW);
            let b = verify_presentation_with_cache(bytes, &req, &w.policy, lists, NOW, &cache);
            assert_eq!(a, b);
        }
    }
    assert!(cache.hits() > 0);
}

#[test]
fn weak_or_malleable_holder_signatures_fail() {
    let w = World::new();
    let held = w.passport(5);
    let req = World::request(&["age_over_14"]);
    let p = held.present(&req, NOW).unwrap();
    let bytes = p.to_bytes().to_vec();
    // S + L (malleated signature): find the signature at the end of the bytes.
    let n = bytes.len();
    let mut s = curve25519_dalek::Scalar::from_canonical_bytes(bytes[n - 32..].try_into().unwrap()).unwrap().to_bytes();
    // Add L (little-endian) without reducing.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(s[i]) + u16::from(L[i]) + carry;
        s[i] = v as u8;
        carry = v >> 8;
    }
    assert_eq!(carry, 0, "S + L < 2^253 fits in 32 bytes");
    let mut m = bytes.clone();
    m[n - 32..].copy_from_slice(&s);
    assert_eq!(w.verify(&m, &req).unwrap_err(), VerifyError::BadHolderSignature);
    // A small-order holder key is refused when the credential is decoded.
    let mut f = Forgery::from(&p);
    let hk = *held.credential().holder_key().as_bytes();
    let pos = f.credential.windows(32).position(|x| x == hk).unwrap();
    let mut identity = [0u8; 32];
    identity[0] = 1;
    f.credential[pos..pos + 32].copy_from_slice(&identity);
    let r = w.verify(&f.consistent().sign(held.holder_key()), &req).unwrap_err();
    assert!(matches!(r, VerifyError::Format(CredentialError::Key(_))), "{r:?}");
}

#[test]
fn an_answer_made_after_the_request_expired_fails_even_if_verified_in_time() {
    let w = World::new();
    let held = w.passport(5);
    let req = World::request(&["age_over_14"]); // expires NOW + 600
    // The holder refuses to sign after expiry...
    assert_eq!(held.present(&req, NOW + 601).unwrap_err(), CredentialError::Expired("request"));
    // ...and a presentation claiming a later time is refused though the
    // verifier's clock is still before expiry and within the skew.
    let mut f = Forgery::from(&held.present(&req, NOW).unwrap());
    f.tbs.time = NOW + 601;
    let r = verify_presentation(&f.sign(held.holder_key()), &req, &w.policy, &w.lists, NOW + 400).unwrap_err();
    assert_eq!(r, VerifyError::Stale { time: NOW + 601, now: NOW + 400 });
}

#[test]
fn the_holder_signs_nothing_outside_the_credential_validity() {
    let w = World::new();
    let mut rng = rand::rng();
    let holder = SigningKey::generate(&mut rng);
    let mut t = World::passport_template();
    t.not_before = NOW + 10;
    let held =
        HeldCredential::new(w.passports.issue(&t, &holder.verifying_key(), 1, &mut rng).unwrap(), holder).unwrap();
    let req = World::request(&["age_over_14"]);
    assert_eq!(held.present(&req, NOW).unwrap_err(), CredentialError::Expired("credential"));
    assert!(held.present(&req, NOW + 10).is_ok());
}

#[test]
fn a_warm_cache_does_not_complete_a_chain_the_presentation_lacks() {
    use crate::wire::credential as pb;
    use prost::Message;
    let w = World::new();
    let held = w.passport(5);
    let req = World::request(&["age_over_14"]);
    let good = held.present(&req, NOW).unwrap();
    // The same credential with the intermediate CA left out (the issuer
    // signature covers only the signed part, so it still verifies).
    let mut c = pb::Credential::decode(held.credential().to_bytes()).unwrap();
    c.chain.truncate(1);
    let mut f = Forgery::from(&good);
    f.credential = c.encode_to_vec();
    let short = f.consistent().sign(held.holder_key());
    let plain = w.verify(&short, &req).unwrap_err();
    assert!(matches!(plain, VerifyError::Chain(crate::document::ChainError::NoIssuer { depth: 0 })), "{plain:?}");
    let cache = crate::document::ChainCache::new();
    assert!(verify_presentation_with_cache(good.to_bytes(), &req, &w.policy, &w.lists, NOW, &cache).is_ok());
    let cached = verify_presentation_with_cache(&short, &req, &w.policy, &w.lists, NOW, &cache);
    assert_eq!(cached, Err(plain));
}

#[test]
fn presentation_field_caps_at_max_and_max_plus_one() {
    let w = World::new();
    let held = w.passport(5);
    let req = World::request(&["age_over_14"]);
    let honest = held.present(&req, NOW).unwrap();
    let decode = |nonce: usize, audience: usize| {
        let mut f = Forgery::from(&honest);
        f.tbs.nonce = vec![7; nonce];
        f.tbs.audience = "a".repeat(audience);
        Presentation::from_bytes(&f.sign(held.holder_key()))
    };
    assert!(decode(limits::MAX_NONCE_LEN, limits::MAX_AUDIENCE_LEN).is_ok());
    assert_eq!(decode(limits::MAX_NONCE_LEN + 1, 8).unwrap_err(), CredentialError::TooLong("presentation.nonce"));
    assert_eq!(
        decode(16, limits::MAX_AUDIENCE_LEN + 1).unwrap_err(),
        CredentialError::TooLong("presentation.audience")
    );
    // The whole-size cap: the exact length passes, one byte less does not.
    let bytes = honest.to_bytes();
    let mut l = CredentialLimits { max_presentation_len: bytes.len(), ..Default::default() };
    assert!(Presentation::from_bytes_with(bytes, &l).is_ok());
    l.max_presentation_len -= 1;
    assert!(matches!(
        Presentation::from_bytes_with(bytes, &l),
        Err(CredentialError::Decode(crate::wire::DecodeError::TooLarge { .. }))
    ));
}

#[test]
fn issuer_caps_and_debug() {
    let w = World::new();
    let mut rng = rand::rng();
    let holder = SigningKey::generate(&mut rng).verifying_key();
    let issued = w.passports.issue(&World::passport_template(), &holder, 1, &mut rng).unwrap();
    let len = issued.credential().to_bytes().len();
    let key = SigningKey::from_seed(&w.passports.signing_key().to_seed());
    let chain = issued.credential().chain().to_vec();
    let limited = |max_credential_len, max_batch| {
        let l = CredentialLimits { max_credential_len, max_batch, ..Default::default() };
        CredentialIssuer::new(SigningKey::from_seed(&key.to_seed()), chain.clone()).unwrap().with_limits(l)
    };
    assert!(limited(len, 2).issue(&World::passport_template(), &holder, 1, &mut rng).is_ok());
    assert_eq!(
        limited(len - 1, 2).issue(&World::passport_template(), &holder, 1, &mut rng).unwrap_err(),
        CredentialError::TooLong("credential")
    );
    let keys: Vec<_> = (0..3).map(|i| (SigningKey::generate(&mut rng).verifying_key(), i)).collect();
    assert_eq!(limited(len, 3).issue_batch(&World::passport_template(), &keys, &mut rng).unwrap().len(), 3);
    assert!(matches!(
        limited(len, 2).issue_batch(&World::passport_template(), &keys, &mut rng),
        Err(CredentialError::TooMany { field: "batch", count: 3, max: 2 })
    ));
    let dbg = format!("{:?} {:?} {:?}", World::passport_template(), w.passports, issued);
    for part in ["CredentialTemplate", "birth_date", "CredentialIssuer", "IssuedCredential", "Disclosure"] {
        assert!(dbg.contains(part), "{part} missing from {dbg}");
    }
    assert!(!dbg.contains("Петрова") && !dbg.contains("2008"), "{dbg}");
}

#[test]
fn time_boundaries_are_exact() {
    let w = World::new();
    let mut rng = rand::rng();
    let req = World::request(&["age_over_14"]);
    let held = w.passport(5);
    // The skew is inclusive on both sides.
    for time in [NOW - 300, NOW + 300] {
        assert!(w.verify(held.present(&req, time).unwrap().to_bytes(), &req).is_ok(), "{time}");
    }
    // A credential is valid from not_before on, inclusive.
    for (not_before, ok) in [(NOW, true), (NOW + 1, false)] {
        let holder = SigningKey::generate(&mut rng);
        let mut t = World::passport_template();
        t.not_before = not_before;
        let issued = w.passports.issue(&t, &holder.verifying_key(), 1, &mut rng).unwrap();
        let held = HeldCredential::new(issued, holder).unwrap();
        let r = w.verify(held.present(&req, not_before).unwrap().to_bytes(), &req);
        assert_eq!(r.is_ok(), ok, "{r:?}");
        if !ok {
            assert!(matches!(r, Err(VerifyError::CredentialExpired { .. })));
        }
    }
    let p = held.present(&req, NOW).unwrap();
    let dbg = format!("{p:?}");
    assert!(dbg.starts_with("Presentation") && dbg.contains("age_over_14") && dbg.contains("bot.school57"), "{dbg}");
}

#[test]
fn request_field_caps_at_max_and_max_plus_one() {
    let mut rng = rand::rng();
    let make = |audience: &str, purpose: &str, rng: &mut rand::rngs::ThreadRng| {
        PresentationRequest::new(
            &RequestSpec { audience, doc_type: "ru.gov.passport", claims: &["a"], expires: NOW, purpose },
            rng,
        )
    };
    let long_aud = "a".repeat(limits::MAX_AUDIENCE_LEN);
    let long_purpose = "я".repeat(limits::MAX_PURPOSE_LEN / 2);
    let r = make(&long_aud, &long_purpose, &mut rng).unwrap();
    assert_eq!(make("", "", &mut rng).unwrap_err(), CredentialError::TooLong("audience"));
    assert_eq!(make(&format!("{long_aud}a"), "", &mut rng).unwrap_err(), CredentialError::TooLong("audience"));
    assert_eq!(make("a", &format!("{long_purpose}a"), &mut rng).unwrap_err(), CredentialError::TooLong("purpose"));
    // The whole-size cap: the exact length passes, one byte less does not.
    let mut l = CredentialLimits { max_request_len: r.to_bytes().len(), ..Default::default() };
    assert!(PresentationRequest::from_bytes_with(r.to_bytes(), &l).is_ok());
    l.max_request_len -= 1;
    assert!(matches!(
        PresentationRequest::from_bytes_with(r.to_bytes(), &l),
        Err(CredentialError::Decode(crate::wire::DecodeError::TooLarge { .. }))
    ));
}

#[test]
fn one_fresh_list_among_stale_ones_suffices() {
    let w = World::new();
    let req = World::request(&["age_over_14"]);
    let p = w.passport(5).present(&req, NOW).unwrap();
    let stale = World::stale_list(w.passports.signing_key());
    let fresh = w.lists[0].clone();
    for lists in [[fresh.clone(), stale.clone()], [stale, fresh]] {
        assert!(verify_presentation(p.to_bytes(), &req, &w.policy, &lists, NOW).is_ok());
    }
}

#[test]
fn a_warm_cache_answers_paths_certificates_and_lists() {
    let w = World::new();
    let req = World::request(&["age_over_14"]);
    let p = w.passport(5).present(&req, NOW).unwrap();
    let cache = crate::document::ChainCache::new();
    verify_presentation_with_cache(p.to_bytes(), &req, &w.policy, &w.lists, NOW, &cache).unwrap();
    let before = cache.hits();
    verify_presentation_with_cache(p.to_bytes(), &req, &w.policy, &w.lists, NOW, &cache).unwrap();
    // 2 decoded certificates, 1 path, 1 status-list signature.
    assert_eq!(cache.hits() - before, 4);
}

/// Issue 13: a school's credential-issuing key mints a passport with
/// `age_over_18 = true`, and the verifier uses the documented pattern
/// `IssuerRule::new(anchor, &["ru.gov.passport"])` (no issuer id). The
/// school's certificate names only student IDs, so the passport is refused
/// at step 9, before any rule is consulted.
#[test]
fn school_key_minting_a_passport_is_refused_under_an_any_issuer_rule() {
    let mut w = World::new();
    w.policy = CredentialPolicy::new(vec![IssuerRule::new(w.anchor.clone(), &[PASSPORT])]);
    let mut rng = rand::rng();
    let holder = SigningKey::generate(&mut rng);
    let mut forged = World::passport_template();
    for c in &mut forged.claims {
        if c.name == "age_over_18" {
            c.value = ClaimValue::Bool(true);
        }
    }
    // The honest issuer code refuses to make it...
    assert_eq!(
        w.schools.issue(&forged, &holder.verifying_key(), 9, &mut rng).unwrap_err(),
        CredentialError::DocTypeNotCertified(PASSPORT.into())
    );
    // ...so the school signs it itself: a well-formed passport, under the
    // anchor, signed by a key certified for credential issuing.
    let issued = w.schools.issue_uncertified(&forged, &holder.verifying_key(), 9, &mut rng).unwrap();
    let held = HeldCredential::new(issued, holder).unwrap();
    let req = World::request(&["age_over_18"]);
    let bytes = held.present(&req, NOW).unwrap().to_bytes().to_vec();
    let refused = VerifyError::DocTypeNotCertified { issuer: "school57".into(), doc_type: PASSPORT.into(), depth: 0 };
    assert_eq!(w.verify(&bytes, &req).unwrap_err(), refused);
    let cache = crate::document::ChainCache::new();
    for _ in 0..2 {
        let r = verify_presentation_with_cache(&bytes, &req, &w.policy, &w.lists, NOW, &cache);
        assert_eq!(r.unwrap_err(), refused);
    }
    // The legitimate passport issuer is accepted under the same rule, and
    // the school still issues its own document type.
    let v = w.verify(w.passport(5).present(&req, NOW).unwrap().to_bytes(), &req).unwrap();
    assert_eq!((v.doc_type(), v.issuer_id()), (PASSPORT, "mvd"));
    let mut t = World::passport_template();
    t.doc_type = STUDENT_ID.into();
    assert!(w.schools.issue(&t, &SigningKey::generate(&mut rng).verifying_key(), 10, &mut rng).is_ok());
}

/// A CA cannot let a subordinate issue more than it may certify: each
/// certificate's types must be among those of the CA certificate above it.
#[test]
fn a_certificate_widening_its_issuers_types_is_refused() {
    let w = World::new();
    let mut rng = rand::rng();
    let req = World::request(&["age_over_18"]);
    let present = |issuer: &CredentialIssuer, policy: &CredentialPolicy| {
        let holder = SigningKey::generate(&mut rand::rng());
        let issued = issuer.issue(&World::passport_template(), &holder.verifying_key(), 3, &mut rand::rng()).unwrap();
        let bytes = HeldCredential::new(issued, holder).unwrap().present(&req, NOW).unwrap().to_bytes().to_vec();
        let list = World::list(issuer.signing_key(), &[]);
        verify_presentation(&bytes, &req, policy, &[list], NOW)
    };
    // A CA certified for student IDs only certifies a passport issuer.
    let schools_ca = SigningKey::generate(&mut rng);
    let schools_ca_cert = cert(&w.ca, &schools_ca, "edu-ca", KeyUsage::CERTIFICATE_ISSUING, 3, &[STUDENT_ID]);
    let key = SigningKey::generate(&mut rng);
    let leaf = cert(&schools_ca, &key, "fake-mvd", KeyUsage::CREDENTIAL_ISSUING, 1, &[PASSPORT]);
    let anchor = crate::document::TrustAnchor::new(*w.anchor.key(), "root", w.anchor.usage(), 2);
    let deep = CredentialPolicy::new(vec![IssuerRule::new(anchor.clone(), &[PASSPORT])]);
    let issuer = CredentialIssuer::new(key, vec![leaf, schools_ca_cert.clone(), w.ca_cert.clone()]).unwrap();
    let widened = |depth, t: &str| {
        VerifyError::Chain(crate::document::ChainError::CredentialTypeWidened { depth, credential_type: t.into() })
    };
    assert_eq!(present(&issuer, &deep).unwrap_err(), widened(0, PASSPORT));
    // A sub-CA naming a type its own CA lacks is refused at its depth, even
    // when the leaf's type is one both name.
    let sub = SigningKey::generate(&mut rng);
    let sub_cert = cert(
        &w.ca,
        &sub,
        "sub-ca",
        KeyUsage::CERTIFICATE_ISSUING,
        4,
        &[PASSPORT, STUDENT_ID, "ru.gov.driving_licence"],
    );
    let key = SigningKey::generate(&mut rng);
    let leaf = cert(&sub, &key, "mvd-2", KeyUsage::CREDENTIAL_ISSUING, 1, &[PASSPORT]);
    let issuer = CredentialIssuer::new(key, vec![leaf, sub_cert, w.ca_cert.clone()]).unwrap();
    assert_eq!(present(&issuer, &deep).unwrap_err(), widened(1, "ru.gov.driving_licence"));
    // The same path without the widening is accepted.
    let sub_cert = cert(&w.ca, &sub, "sub-ca", KeyUsage::CERTIFICATE_ISSUING, 5, &[PASSPORT]);
    let key = SigningKey::generate(&mut rng);
    let leaf = cert(&sub, &key, "mvd-3", KeyUsage::CREDENTIAL_ISSUING, 1, &[PASSPORT]);
    let issuer = CredentialIssuer::new(key, vec![leaf, sub_cert, w.ca_cert.clone()]).unwrap();
    assert_eq!(present(&issuer, &deep).unwrap().issuer_id(), "mvd-3");
    // A CA certificate without the field (as every certificate made before
    // it existed) certifies no type below it.
    let old_ca = SigningKey::generate(&mut rng);
    let old_ca_cert = cert(&w.ca, &old_ca, "old-ca", KeyUsage::CERTIFICATE_ISSUING, 6, &[]);
    let key = SigningKey::generate(&mut rng);
    let leaf = cert(&old_ca, &key, "mvd-4", KeyUsage::CREDENTIAL_ISSUING, 1, &[PASSPORT]);
    let issuer = CredentialIssuer::new(key, vec![leaf, old_ca_cert, w.ca_cert.clone()]).unwrap();
    assert_eq!(present(&issuer, &deep).unwrap_err(), widened(0, PASSPORT));
}

/// An issuer certificate without credential types (every certificate made
/// before the field existed) issues nothing.
#[test]
fn an_issuer_certificate_naming_no_type_issues_nothing() {
    let w = World::new();
    let mut rng = rand::rng();
    let key = SigningKey::generate(&mut rng);
    let leaf = cert(&w.ca, &key, "old-mvd", KeyUsage::CREDENTIAL_ISSUING, 7, &[]);
    assert!(leaf.credential_types().is_empty());
    let issuer = CredentialIssuer::new(key, vec![leaf, w.ca_cert.clone()]).unwrap();
    let holder = SigningKey::generate(&mut rng);
    let t = World::passport_template();
    assert_eq!(
        issuer.issue(&t, &holder.verifying_key(), 1, &mut rng).unwrap_err(),
        CredentialError::DocTypeNotCertified(PASSPORT.into())
    );
    let issued = issuer.issue_uncertified(&t, &holder.verifying_key(), 1, &mut rng).unwrap();
    let req = World::request(&["age_over_14"]);
    let bytes = HeldCredential::new(issued, holder).unwrap().present(&req, NOW).unwrap().to_bytes().to_vec();
    let policy = CredentialPolicy::new(vec![IssuerRule::new(w.anchor.clone(), &[PASSPORT]).for_issuer("old-mvd")]);
    let lists = [World::list(issuer.signing_key(), &[])];
    assert_eq!(
        verify_presentation(&bytes, &req, &policy, &lists, NOW).unwrap_err(),
        VerifyError::DocTypeNotCertified { issuer: "old-mvd".into(), doc_type: PASSPORT.into(), depth: 0 }
    );
}

/// `credential_types` is strictly ascending, capped and well-formed at
/// decode; the cap is counted before prost allocates.
#[test]
fn certificate_credential_types_are_strict_at_decode() {
    use crate::document::limits::MAX_CREDENTIAL_TYPES;
    use crate::document::{CertError, Certificate};
    use crate::wire::{DecodeError, document as pb, format};
    use prost::Message;
    let root = SigningKey::generate(&mut rand::rng());
    let subject = SigningKey::generate(&mut rand::rng());
    let make = |types: &[&str], usage: KeyUsage| {
        let tbs = pb::CertificateTbs {
            format: format::CERTIFICATE_TBS,
            serial: 1,
            issuer_key_id: crate::document::key_id(&root.verifying_key()).to_vec(),
            subject_key: subject.verifying_key().as_bytes().to_vec(),
            subject_id: "s".into(),
            display_name: "s".into(),
            role: 5,
            key_usage: usage.bits(),
            not_before: 0,
            not_after: 10,
            path_len: 0,
            credential_types: types.iter().map(|t| (*t).to_owned()).collect(),
        }
        .encode_to_vec();
        let signature = root.sign(labels::SIG_CERTIFICATE, &tbs).to_bytes().to_vec();
        Certificate::from_bytes(&pb::Certificate { format: format::CERTIFICATE, tbs, signature }.encode_to_vec())
    };
    let issuing = KeyUsage::CREDENTIAL_ISSUING;
    let ok = make(&[STUDENT_ID, PASSPORT], issuing).unwrap();
    assert_eq!(ok.credential_types(), [STUDENT_ID, PASSPORT]);
    assert!(ok.names_credential_type(PASSPORT) && !ok.names_credential_type("ru.gov"));
    assert!(make(&[STUDENT_ID, PASSPORT], KeyUsage::CERTIFICATE_ISSUING).is_ok());
    let invalid = |why| Err(CertError::Decode(DecodeError::Invalid(why)));
    assert_eq!(make(&[PASSPORT, STUDENT_ID], issuing), invalid("certificate.credential_types order"));
    assert_eq!(make(&[PASSPORT, PASSPORT], issuing), invalid("certificate.credential_types order"));
    for bad in ["", "Ru.gov.passport", "ru gov", "паспорт", &"a".repeat(65)] {
        assert_eq!(make(&[bad], issuing), invalid("certificate.credential_types"), "{bad:?}");
    }
    assert!(make(&[&"a".repeat(64)], issuing).is_ok());
    // Types on a key that issues neither credentials nor certificates.
    assert_eq!(
        make(&[PASSPORT], KeyUsage::DOCUMENT_SIGNING),
        invalid("certificate.credential_types without an issuing usage")
    );
    // The cap: 16 fit, 17 are counted and refused before decoding.
    let names: Vec<String> = (0..=MAX_CREDENTIAL_TYPES).map(|i| format!("ru.type.{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(make(&refs[..MAX_CREDENTIAL_TYPES], issuing).unwrap().credential_types().len(), MAX_CREDENTIAL_TYPES);
    assert_eq!(
        make(&refs, issuing),
        Err(CertError::Decode(DecodeError::TooMany {
            field: "certificate.credential_types",
            count: MAX_CREDENTIAL_TYPES + 1,
            max: MAX_CREDENTIAL_TYPES
        }))
    );
    // The issuing side sorts and deduplicates, and the same rules apply.
    let req = |types: &[&str]| {
        crate::document::CertificateRequest::new(
            subject.verifying_key(),
            "s",
            "s",
            crate::document::Role::Issuer,
            issuing,
            0,
            10,
        )
        .credential_types(types)
    };
    let c = Certificate::issue(&root, &req(&[PASSPORT, STUDENT_ID, PASSPORT])).unwrap();
    assert_eq!(c.credential_types(), [STUDENT_ID, PASSPORT]);
    assert_eq!(Certificate::from_bytes(c.to_bytes()).unwrap(), c);
    assert!(matches!(Certificate::issue(&root, &req(&refs)), Err(CertError::Decode(DecodeError::TooMany { .. }))));
    assert_eq!(Certificate::issue(&root, &req(&["Паспорт"])), invalid("certificate.credential_types"));
}
