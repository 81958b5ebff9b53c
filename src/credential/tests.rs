//! Unit tests of what only the crate can see: salts, decoys, digests and the
//! secret handling of the holder's wallet entry.

use super::claim::labelled_sha256;
use super::*;
use crate::crypto::sig::SigningKey;
use crate::document::{Certificate, CertificateRequest, KeyUsage, Role};
use crate::labels;

fn issuer(rng: &mut rand::rngs::ThreadRng) -> CredentialIssuer {
    let root = SigningKey::generate(rng);
    let key = SigningKey::generate(rng);
    let cert = Certificate::issue(
        &root,
        &CertificateRequest::new(
            key.verifying_key(),
            "ru.gov.mvd",
            "МВД",
            Role::Issuer,
            KeyUsage::CREDENTIAL_ISSUING,
            0,
            2_000_000_000,
        )
        .serial(1)
        .credential_types(&["ru.gov.passport", &"a".repeat(64)]),
    )
    .unwrap();
    CredentialIssuer::new(key, vec![cert]).unwrap()
}

fn passport() -> CredentialTemplate {
    CredentialTemplate {
        doc_type: "ru.gov.passport".into(),
        claims: vec![
            Claim::text("family_name", "Петрова"),
            Claim::text("given_name_latin", "Anna"),
            Claim::date("birth_date", 2008, 3, 14).unwrap(),
            Claim::integer("height_cm", 164),
            Claim::new("photo", ClaimValue::Sha256([7; 32])),
            Claim::boolean("age_over_14", true),
            Claim::boolean("age_over_18", false),
        ],
        not_before: 0,
        not_after: 2_000_000_000,
    }
}

#[test]
fn salts_are_128_bits_and_fresh_per_claim_and_per_issuance() {
    let mut rng = rand::rng();
    let iss = issuer(&mut rng);
    let holder = SigningKey::generate(&mut rng).verifying_key();
    let a = iss.issue(&passport(), &holder, 1, &mut rng).unwrap();
    let b = iss.issue(&passport(), &holder, 2, &mut rng).unwrap();
    let mut salts: Vec<Vec<u8>> = Vec::new();
    for d in a.disclosures().iter().chain(b.disclosures()) {
        assert!(d.salt().len() >= 16);
        assert!(!salts.contains(&d.salt().to_vec()), "salt reused");
        salts.push(d.salt().to_vec());
    }
    // Same claims, fresh salts: no digest in common.
    for d in a.credential().digests() {
        assert!(!b.credential().commits_to(d));
    }
}

#[test]
fn digest_is_the_labelled_hash_of_the_exact_disclosure_bytes() {
    let mut rng = rand::rng();
    let iss = issuer(&mut rng);
    let issued = iss.issue(&passport(), &SigningKey::generate(&mut rng).verifying_key(), 1, &mut rng).unwrap();
    for d in issued.disclosures() {
        assert_eq!(d.digest(), &labelled_sha256(labels::HASH_CREDENTIAL_CLAIM, &[d.to_bytes()]));
        assert!(issued.credential().commits_to(d.digest()));
    }
}

#[test]
fn decoys_pad_the_digest_count_to_the_bucket() {
    let mut rng = rand::rng();
    let iss = issuer(&mut rng);
    let holder = SigningKey::generate(&mut rng).verifying_key();
    for n in [1usize, 7, 8, 9, 12] {
        let mut t = passport();
        t.claims = (0..n).map(|i| Claim::integer(format!("c{i}"), i as i64)).collect();
        let issued = iss.issue(&t, &holder, 1, &mut rng).unwrap();
        assert_eq!(issued.credential().digests().len(), n.div_ceil(8) * 8, "{n} claims");
    }
    let no_decoys = issuer(&mut rng).with_limits(CredentialLimits { digest_bucket: 1, ..Default::default() });
    let issued = no_decoys.issue(&passport(), &holder, 1, &mut rng).unwrap();
    assert_eq!(issued.credential().digests().len(), 7);
}

/// ASSURANCE: an undisclosed low-entropy claim cannot be recovered from its
/// digest. Knowing the salt, a search over every birth date of a century
/// finds it (so the search works); without it, the same search finds nothing,
/// and each further guess costs one SHA-256 per salt candidate: 2^128.
#[test]
fn brute_forcing_an_undisclosed_birth_date_needs_the_salt() {
    let mut rng = rand::rng();
    let iss = issuer(&mut rng);
    let issued = iss.issue(&passport(), &SigningKey::generate(&mut rng).verifying_key(), 1, &mut rng).unwrap();
    let target = issued.disclosures().iter().find(|d| d.name() == "birth_date").unwrap();
    let digests = issued.credential().digests();
    let candidates = |salt: &[u8]| {
        let mut found = Vec::new();
        for year in 1926..2026u16 {
            for month in 1..=12u8 {
                for day in 1..=31u8 {
                    let Some(date) = Date::new(year, month, day) else { continue };
                    let w = crate::wire::credential::Disclosure {
                        format: crate::wire::format::DISCLOSURE,
                        salt: salt.to_vec(),
                        name: "birth_date".into(),
                        value: Some(crate::wire::credential::ClaimValue {
                            kind: Some(crate::wire::credential::claim_value::Kind::Date(date.to_u32())),
                        }),
                    };
                    let d = labelled_sha256(labels::HASH_CREDENTIAL_CLAIM, &[&prost::Message::encode_to_vec(&w)]);
                    if digests.binary_search(&d).is_ok() {
                        found.push(date);
                    }
                }
            }
        }
        found
    };
    assert_eq!(candidates(target.salt()), vec![Date::new(2008, 3, 14).unwrap()]);
    assert!(candidates(&[0u8; 16]).is_empty());
    let mut guess = [0u8; 16];
    rand::RngExt::fill(&mut rng, &mut guess);
    assert!(candidates(&guess).is_empty());
}

#[test]
fn dates_are_validated() {
    assert!(Date::new(2024, 2, 29).is_some());
    assert!(Date::new(2023, 2, 29).is_none());
    assert!(Date::new(1900, 2, 29).is_none());
    assert!(Date::new(2000, 2, 29).is_some());
    assert!(Date::new(2024, 4, 31).is_none());
    assert!(Date::new(2024, 13, 1).is_none());
    assert!(Date::new(0, 1, 1).is_none());
    assert_eq!(Date::from_u32(20080314).unwrap().to_string(), "2008-03-14");
    assert!(Date::from_u32(20081314).is_none());
    assert!(Date::from_u32(u32::MAX).is_none());
}

#[test]
fn held_credential_round_trips_and_its_debug_shows_no_secret() {
    let mut rng = rand::rng();
    let iss = issuer(&mut rng);
    let holder = SigningKey::generate(&mut rng);
    let issued = iss.issue(&passport(), &holder.verifying_key(), 1, &mut rng).unwrap();
    let seed = holder.to_seed();
    let held = HeldCredential::new(issued, holder).unwrap();
    let bytes = held.to_bytes();
    let again = HeldCredential::from_bytes(&bytes).unwrap();
    assert_eq!(again.to_bytes().as_slice(), bytes.as_slice());
    assert_eq!(again.credential(), held.credential());
    let dbg = format!("{held:?} {:?} {:?}", held.disclosures(), held.credential());
    assert!(dbg.starts_with("HeldCredential") && dbg.contains("ru.gov.passport"), "{dbg}");
    assert!(!dbg.contains("Петрова") && !dbg.contains("Anna"), "{dbg}");
    for d in held.disclosures() {
        assert!(!dbg.contains(&crate::crypto::fmt_public::hex_prefix(d.salt())));
    }
    assert!(!dbg.contains(&crate::crypto::fmt_public::hex_prefix(seed.as_bytes())));
    // The check can fail: the hex of a salt is what a leak would look like.
    let salt_hex = crate::crypto::fmt_public::hex_prefix(held.disclosures()[0].salt());
    assert!(format!("{salt_hex}{dbg}").contains(&salt_hex));
}

#[test]
fn a_held_credential_refuses_another_holder_key() {
    let mut rng = rand::rng();
    let iss = issuer(&mut rng);
    let holder = SigningKey::generate(&mut rng);
    let issued = iss.issue(&passport(), &holder.verifying_key(), 1, &mut rng).unwrap();
    assert!(matches!(
        HeldCredential::new(issued, SigningKey::generate(&mut rng)),
        Err(CredentialError::Inconsistent(_))
    ));
}

#[test]
fn issuance_refuses_bad_templates() {
    let mut rng = rand::rng();
    let iss = issuer(&mut rng);
    let holder = SigningKey::generate(&mut rng).verifying_key();
    let mut t = passport();
    t.claims.push(Claim::text("family_name", "Иванова"));
    assert_eq!(iss.issue(&t, &holder, 1, &mut rng).unwrap_err(), CredentialError::DuplicateClaim("family_name".into()));
    let mut t = passport();
    t.claims.push(Claim::text("Фамилия", "x"));
    assert_eq!(iss.issue(&t, &holder, 1, &mut rng).unwrap_err(), CredentialError::BadClaimName);
    let mut t = passport();
    t.not_after = t.not_before;
    assert_eq!(iss.issue(&t, &holder, 1, &mut rng).unwrap_err(), CredentialError::EmptyValidity);
    let mut t = passport();
    t.claims = (0..65).map(|i| Claim::integer(format!("c{i}"), 0)).collect();
    assert!(matches!(iss.issue(&t, &holder, 1, &mut rng), Err(CredentialError::TooMany { .. })));
    let mut t = passport();
    t.claims.push(Claim::text("long", "я".repeat(600)));
    assert_eq!(iss.issue(&t, &holder, 1, &mut rng).unwrap_err(), CredentialError::TooLong("claim text"));
    let k = SigningKey::generate(&mut rng).verifying_key();
    assert!(matches!(iss.issue_batch(&passport(), &[(k, 1), (k, 2)], &mut rng), Err(CredentialError::Inconsistent(_))));
}

/// Known answer, computed independently (Python `hashlib`): the encoding of
/// a disclosure, its claim digest, and the disclosed-set digest over it.
#[test]
fn claim_digest_known_answer() {
    let bytes = hex("0881a4011210000102030405060708090a0b0c0d0e0f1a0b6167655f6f7665725f313822022001");
    let d = Disclosure::from_bytes(&bytes).unwrap();
    assert_eq!((d.name(), d.value()), ("age_over_18", &ClaimValue::Bool(true)));
    assert_eq!(d.salt(), (0u8..16).collect::<Vec<_>>());
    assert_eq!(d.digest().to_vec(), hex("9d4c57c9dc722102f311cd3d768221aecad4e73138cd2c2c879832843800154e"));
    assert_eq!(
        super::presentation::disclosed_set_digest(&[*d.digest()]).to_vec(),
        hex("2224fc32fb8237d5fbb58e0f140f2f3c033a88dfc6237ad90c0d882abbc2641a")
    );
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn claim_values_display_for_people() {
    let shown: Vec<String> = [
        ClaimValue::Text("Петрова".into()),
        ClaimValue::Integer(-5),
        ClaimValue::Date(Date::new(2008, 3, 4).unwrap()),
        ClaimValue::Bool(true),
        ClaimValue::Sha256([0xab; 32]),
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(shown, ["Петрова", "-5", "2008-03-04", "true", "sha256:abababababababab"]);
}

#[test]
fn document_types_are_checked_at_issuance_and_decode() {
    let mut rng = rand::rng();
    let iss = issuer(&mut rng);
    let holder = SigningKey::generate(&mut rng).verifying_key();
    let mut t = passport();
    t.doc_type = "a".repeat(64);
    let ok = iss.issue(&t, &holder, 1, &mut rng).unwrap();
    assert_eq!(Credential::from_bytes(ok.credential().to_bytes()).unwrap().doc_type(), t.doc_type);
    t.doc_type = "a".repeat(65);
    assert_eq!(iss.issue(&t, &holder, 1, &mut rng).unwrap_err(), CredentialError::TooLong("doc_type"));
    for bad in ["", "Паспорт", "ru gov"] {
        t.doc_type = bad.into();
        assert!(matches!(
            iss.issue(&t, &holder, 1, &mut rng),
            Err(CredentialError::Decode(crate::wire::DecodeError::Invalid("doc_type")))
        ));
    }
}

#[test]
fn credential_accessors_and_equality() {
    let mut rng = rand::rng();
    let iss = issuer(&mut rng);
    let holder = SigningKey::generate(&mut rng).verifying_key();
    let a = iss.issue(&passport(), &holder, 1, &mut rng).unwrap();
    let b = iss.issue(&passport(), &holder, 1, &mut rng).unwrap();
    let ca = a.credential();
    assert_eq!(ca.issuer_key_id(), &crate::document::key_id(&iss.verifying_key()));
    assert_ne!(ca, b.credential(), "fresh salts make another credential");
    assert_eq!(ca, &Credential::from_bytes(ca.to_bytes()).unwrap());
    // The size limit: the exact length passes, one byte less does not.
    let mut l = CredentialLimits { max_credential_len: ca.to_bytes().len(), ..Default::default() };
    assert!(Credential::from_bytes_with(ca.to_bytes(), &l).is_ok());
    l.max_credential_len -= 1;
    assert!(matches!(
        Credential::from_bytes_with(ca.to_bytes(), &l),
        Err(CredentialError::Decode(crate::wire::DecodeError::TooLarge { .. }))
    ));
    let dbg = format!("{ca:?} {:?} {:?}", a.disclosures()[0], a);
    for part in ["ru.gov.passport", "serial", "digests", a.disclosures()[0].name()] {
        assert!(dbg.contains(part), "{part} missing from {dbg}");
    }
}

#[test]
fn held_state_size_cap() {
    use super::limits::MAX_HELD_LEN;
    // The right format, then filler: the size is what decides.
    let blob = |len: usize| {
        let mut b = vec![0x08, 0x81, 0xae, 0x01];
        b.resize(len, 0x08);
        b
    };
    let at_cap = blob(MAX_HELD_LEN);
    let r = HeldCredential::from_bytes(&at_cap).unwrap_err();
    assert!(!matches!(r, CredentialError::Decode(crate::wire::DecodeError::TooLarge { .. })), "{r:?}");
    let over = blob(MAX_HELD_LEN + 1);
    assert!(matches!(
        HeldCredential::from_bytes(&over),
        Err(CredentialError::Decode(crate::wire::DecodeError::TooLarge { .. }))
    ));
}

/// The largest credential the limits allow (64 claims, 64-byte names,
/// 1,024-byte texts) is issued, stored, restored and presented.
#[test]
fn the_largest_credential_fits_every_limit() {
    let mut rng = rand::rng();
    let iss = issuer(&mut rng);
    let holder = SigningKey::generate(&mut rng);
    let mut t = passport();
    t.claims = (0..limits::MAX_CLAIMS)
        .map(|i| Claim::text(format!("{i:02}{}", "n".repeat(limits::MAX_CLAIM_NAME_LEN - 2)), "ж".repeat(512)))
        .collect();
    let issued = iss.issue(&t, &holder.verifying_key(), 1, &mut rng).unwrap();
    let bytes = issued.to_bytes();
    assert!(bytes.len() > 64 * 1024, "{}", bytes.len());
    let held = HeldCredential::new(IssuedCredential::from_bytes(&bytes).unwrap(), holder).unwrap();
    let again = HeldCredential::from_bytes(&held.to_bytes()).unwrap();
    let names: Vec<&str> =
        again.disclosures().iter().map(Disclosure::name).take(limits::MAX_REQUESTED_CLAIMS).collect();
    let req = PresentationRequest::new(
        &RequestSpec { audience: "a", doc_type: "ru.gov.passport", claims: &names, expires: 10, purpose: "" },
        &mut rng,
    )
    .unwrap();
    let p = again.present(&req, 5).unwrap();
    assert_eq!(Presentation::from_bytes(p.to_bytes()).unwrap(), p);
}

/// The limits are the values SPEC.md §14.9 states.
#[test]
fn limits_are_as_specified() {
    use limits::*;
    assert_eq!(
        [
            MAX_CLAIMS,
            MAX_DIGESTS,
            MAX_CLAIM_NAME_LEN,
            MAX_CLAIM_TEXT_LEN,
            MAX_DISCLOSURE_LEN,
            MIN_SALT_LEN,
            MAX_SALT_LEN
        ],
        [64, 128, 64, 1024, 1280, 16, 32]
    );
    assert_eq!(
        [SALT_LEN, MAX_CHAIN_CERTS, MAX_CREDENTIAL_LEN, MAX_PRESENTATION_LEN, MAX_ISSUED_LEN, MAX_HELD_LEN],
        [16, 4, 16 * 1024, 160 * 1024, 160 * 1024, 160 * 1024 + 64]
    );
    assert_eq!(
        [MAX_REQUEST_LEN, MAX_REQUESTED_CLAIMS, MIN_NONCE_LEN, MAX_NONCE_LEN, MAX_AUDIENCE_LEN, MAX_PURPOSE_LEN],
        [4096, 32, 16, 64, 256, 512]
    );
    assert_eq!([DEFAULT_DIGEST_BUCKET, MAX_BATCH], [8, 64]);
    assert_eq!(DEFAULT_PRESENTATION_SKEW, 300);
}
