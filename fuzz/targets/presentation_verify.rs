// Presentation verification against one fixed request, policy and status
// list at a fixed time. The fixture is deterministic (a seeded RNG): a root
// anchor, an intermediate CA and a passport issuer (both certified for
// passports), a 12-claim credential and its holder. Verification must never panic, the cached verifier must agree
// with the plain one, and anything accepted must carry the fixture's
// credential and disclose exactly the requested claims with their issued
// values. The first input byte picks a mode:
//
// - 1: the fixture's valid presentation edited by 4-byte operations
//   `[op, offset (2 bytes), value]` (xor, set, insert, delete), so the
//   fuzzer reaches the checks past decoding; accepted only if unchanged;
// - 2: the holder answers the fixture request at a fuzz-chosen time with a
//   fuzz-chosen subset of the requested claims; accepted exactly when the
//   time is within the skew and every requested claim is disclosed;
// - 3: the holder answers a request with fuzz-chosen claim names, document
//   type, audience and expiry; what it makes verifies against that request
//   and never against the fixture request (an expired request is refused by
//   the holder);
// - 4: the rest verbatim, through a cache first warmed by a valid presentation;
// - anything else: the rest verbatim; accepted only if it is the valid
//   presentation.

use rand::SeedableRng;
use std::sync::OnceLock;
use vestnik::credential::{
    Claim, CredentialError, CredentialIssuer, CredentialPolicy, CredentialTemplate, HeldCredential, IssuedCredential,
    IssuerRule, Presentation, PresentationRequest, RequestSpec, VerifiedPresentation, VerifyError, verify_presentation,
    verify_presentation_with_cache,
};
use vestnik::crypto::sig::SigningKey;
use vestnik::document::{
    Certificate, CertificateRequest, ChainCache, DocumentLimits, KeyUsage, Role, StatusList, StatusType, TrustAnchor,
};

/// The verifier's clock.
pub const NOW: u64 = 1_780_000_000;
const DAY: u64 = 86_400;
/// The fixture's default skew (`DEFAULT_PRESENTATION_SKEW`).
const SKEW: u64 = 300;
pub const DOC_TYPE: &str = "ru.gov.passport";
/// What the fixture request asks for (ascending).
pub const REQUESTED: [&str; 3] = ["age_over_18", "birth_date", "family_name"];
/// Claim names mode 3 picks from: held ones, unknown ones, an invalid one.
const NAMES: [&str; 16] = [
    "family_name",
    "given_name",
    "family_name_latin",
    "given_name_latin",
    "birth_date",
    "birth_place",
    "number",
    "issuing_office",
    "issue_date",
    "photo",
    "age_over_14",
    "age_over_18",
    "age_over_21",
    "unknown",
    "x",
    "Фамилия",
];

/// The deterministic world every run verifies against.
pub struct Fixture {
    pub claims: Vec<Claim>,
    pub anchor: TrustAnchor,
    pub issued: IssuedCredential,
    pub held: HeldCredential,
    pub request: PresentationRequest,
    pub policy: CredentialPolicy,
    pub lists: Vec<StatusList>,
    /// The holder's answer to `request` at `NOW`.
    pub valid: Vec<u8>,
}

fn cert_request(key: &SigningKey, id: &str, name: &str, usage: KeyUsage, serial: u64) -> CertificateRequest {
    CertificateRequest::new(key.verifying_key(), id, name, Role::Issuer, usage, NOW - 1000 * DAY, NOW + 3650 * DAY)
        .serial(serial)
        .credential_types(&[DOC_TYPE])
}

fn build() -> Result<Fixture, Box<dyn std::error::Error>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed_c4ed);
    let root = SigningKey::generate(&mut rng);
    let ca = SigningKey::generate(&mut rng);
    let issuer_key = SigningKey::generate(&mut rng);
    let holder = SigningKey::generate(&mut rng);
    let anchor = TrustAnchor::new(
        root.verifying_key(),
        "Госуслуги",
        KeyUsage::CERTIFICATE_ISSUING | KeyUsage::CREDENTIAL_ISSUING,
        1,
    );
    let ca_cert = Certificate::issue(
        &root,
        &cert_request(&ca, "ru.gov.ca", "Удостоверяющий центр", KeyUsage::CERTIFICATE_ISSUING, 1),
    )?;
    let issuer_cert = Certificate::issue(
        &ca,
        &cert_request(&issuer_key, "ru.gov.mvd", "МВД России", KeyUsage::CREDENTIAL_ISSUING, 2),
    )?;
    let issuer = CredentialIssuer::new(issuer_key, vec![issuer_cert, ca_cert])?;
    let claims = vec![
        Claim::text("family_name", "Петрова"),
        Claim::text("given_name", "Анна"),
        Claim::text("family_name_latin", "PETROVA"),
        Claim::text("given_name_latin", "ANNA"),
        Claim::date("birth_date", 2008, 3, 14).ok_or("date")?,
        Claim::text("birth_place", "г. Москва"),
        Claim::text("number", "4510 123456"),
        Claim::integer("issuing_office", 770_001),
        Claim::date("issue_date", 2022, 4, 1).ok_or("date")?,
        Claim::new("photo", vestnik::credential::ClaimValue::Sha256([0x5a; 32])),
        Claim::boolean("age_over_14", true),
        Claim::boolean("age_over_18", true),
    ];
    let template = CredentialTemplate {
        doc_type: DOC_TYPE.into(),
        claims: claims.clone(),
        not_before: NOW - 100 * DAY,
        not_after: NOW + 3650 * DAY,
    };
    let issued = issuer.issue(&template, &holder.verifying_key(), 17, &mut rng)?;
    let held = HeldCredential::new(IssuedCredential::from_bytes(&issued.to_bytes())?, holder)?;
    let request = PresentationRequest::new(
        &RequestSpec {
            audience: "bot.school57",
            doc_type: DOC_TYPE,
            claims: &REQUESTED,
            expires: NOW + 600,
            purpose: "Проверка возраста",
        },
        &mut rng,
    )?;
    let lists = vec![StatusList::issue(
        issuer.signing_key(), StatusType::Credentials,
        NOW - 3600,
        NOW + DAY,
        1024,
        &[5, 900],
        &DocumentLimits::default(),
    )?];
    let policy = CredentialPolicy::new(vec![IssuerRule::new(anchor.clone(), &[DOC_TYPE])]);
    let valid = held.present(&request, NOW)?.to_bytes().to_vec();
    let f = Fixture { claims, anchor, issued, held, request, policy, lists, valid };
    f.expect_accepted(&f.valid, &f.request);
    Ok(f)
}

pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| match build() {
        Ok(f) => f,
        Err(e) => unreachable!("credential fixture: {e}"),
    })
}

impl Fixture {
    /// Verifies plainly and through a fresh cache (twice, so the second
    /// run answers from it); all three must agree.
    fn verify(&self, bytes: &[u8], request: &PresentationRequest) -> Result<VerifiedPresentation, VerifyError> {
        let plain = verify_presentation(bytes, request, &self.policy, &self.lists, NOW);
        let cache = ChainCache::new();
        for _ in 0..2 {
            let cached = verify_presentation_with_cache(bytes, request, &self.policy, &self.lists, NOW, &cache);
            assert_eq!(cached, plain, "cached and plain verification agree");
        }
        if let Ok(v) = &plain {
            self.check_accepted(bytes, request, v);
        }
        plain
    }

    fn expect_accepted(&self, bytes: &[u8], request: &PresentationRequest) -> VerifiedPresentation {
        match self.verify(bytes, request) {
            Ok(v) => v,
            Err(e) => unreachable!("a presentation the holder made is refused: {e}"),
        }
    }

    /// What must hold of anything accepted: the fixture's credential and
    /// issuer, exactly the requested claims, each with its issued value.
    fn check_accepted(&self, bytes: &[u8], request: &PresentationRequest, v: &VerifiedPresentation) {
        assert_eq!(v.doc_type(), DOC_TYPE);
        assert_eq!(v.doc_type(), request.doc_type());
        assert_eq!(v.issuer_id(), "ru.gov.mvd");
        assert_eq!(v.anchor_name(), self.anchor.name());
        assert_eq!(v.valid_until(), self.held.credential().not_after());
        assert!(v.presented_at().abs_diff(NOW) <= SKEW, "presentation time outside the skew");
        assert!(v.presented_at() <= request.expires(), "an answer made after the request expired");
        let names: Vec<&str> = v.claims().iter().map(|c| c.name.as_str()).collect();
        let asked: Vec<&str> = request.claims().iter().map(String::as_str).collect();
        assert_eq!(names, asked, "exactly the requested claims, by name");
        for c in v.claims() {
            assert!(self.claims.contains(c), "claim {:?} is not one the issuer stated", c.name);
        }
        let p = match Presentation::from_bytes(bytes) {
            Ok(p) => p,
            Err(e) => unreachable!("accepted bytes do not decode: {e}"),
        };
        assert_eq!(p.credential(), self.held.credential(), "an accepted presentation carries the fixture credential");
        assert_eq!(p.to_bytes(), bytes);
    }
}

/// `[op, offset_hi, offset_lo, value]` edits of `bytes`.
fn edit(mut bytes: Vec<u8>, ops: &[u8]) -> Vec<u8> {
    for op in ops.chunks_exact(4) {
        let &[kind, hi, lo, value] = op else { continue };
        let at = usize::from(u16::from_be_bytes([hi, lo]));
        let len = bytes.len();
        match kind % 4 {
            0 => {
                if let Some(b) = bytes.get_mut(at % len.max(1)) {
                    *b ^= value;
                }
            }
            1 => {
                if let Some(b) = bytes.get_mut(at % len.max(1)) {
                    *b = value;
                }
            }
            2 => bytes.insert(at % (len + 1), value),
            _ => {
                if len > 0 {
                    bytes.remove(at % len);
                }
            }
        }
    }
    bytes
}

pub fn run(data: &[u8]) {
    let f = fixture();
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode {
        1 => {
            let input = edit(f.valid.clone(), rest);
            if f.verify(&input, &f.request).is_ok() {
                assert_eq!(input, f.valid, "an edited presentation was accepted");
            }
        }
        2 => holder_answers_fixture_request(f, rest),
        3 => holder_answers_fuzzed_request(f, rest),
        4 => {
            let cache = ChainCache::new();
            let warm = verify_presentation_with_cache(&f.valid, &f.request, &f.policy, &f.lists, NOW, &cache);
            assert!(warm.is_ok());
            let cached = verify_presentation_with_cache(rest, &f.request, &f.policy, &f.lists, NOW, &cache);
            let plain = f.verify(rest, &f.request);
            assert_eq!(cached, plain, "a warmed cache agrees with plain verification");
            if plain.is_ok() {
                assert_eq!(rest, f.valid.as_slice(), "accepted bytes other than the holder's presentation");
            }
        }
        _ => {
            if f.verify(rest, &f.request).is_ok() {
                assert_eq!(rest, f.valid.as_slice(), "accepted bytes other than the holder's presentation");
            }
        }
    }
}

/// Mode 2: `[mask, time (2 bytes, signed offset from NOW; 8 bytes absolute if mask >= 0x80)]`.
fn holder_answers_fixture_request(f: &Fixture, rest: &[u8]) {
    let mask = rest.first().copied().unwrap_or(0);
    let tail = rest.get(1..).unwrap_or_default();
    let time = if mask >= 0x80 {
        let mut b = [0u8; 8];
        for (d, s) in b.iter_mut().zip(tail) {
            *d = *s;
        }
        u64::from_be_bytes(b)
    } else {
        let delta = i16::from_be_bytes([tail.first().copied().unwrap_or(0), tail.get(1).copied().unwrap_or(0)]);
        NOW.saturating_add_signed(i64::from(delta))
    };
    // Bits 0..=2 pick requested claims; bit 3 repeats the first pick.
    let mut names: Vec<&str> =
        REQUESTED.iter().enumerate().filter(|(i, _)| mask >> i & 1 == 1).map(|(_, n)| *n).collect();
    if mask & 8 != 0
        && let Some(first) = names.first().copied()
    {
        names.push(first);
    }
    let cred = f.held.credential();
    let p = match f.held.present_claims(&f.request, &names, time) {
        Ok(p) => p,
        Err(CredentialError::Expired(_)) => {
            let outside = time < cred.not_before() || time >= cred.not_after();
            assert!(time > f.request.expires() || outside, "the holder refused in time");
            return;
        }
        Err(e) => unreachable!("the holder refuses requested claims: {e}"),
    };
    let all = mask & 7 == 7;
    let in_time = time.abs_diff(NOW) <= SKEW;
    let r = f.verify(p.to_bytes(), &f.request);
    assert_eq!(r.is_ok(), all && in_time, "mode 2: {r:?}");
    match r {
        Err(VerifyError::Stale { .. }) => assert!(!in_time),
        Err(VerifyError::NotDisclosed(_)) => assert!(!all && in_time),
        Err(e) => unreachable!("unexpected refusal: {e}"),
        Ok(_) => {}
    }
}

/// Mode 3: `[mask (2 bytes) over NAMES, flags, expiry offset, nonce seed...]`.
fn holder_answers_fuzzed_request(f: &Fixture, rest: &[u8]) {
    let byte = |i: usize| rest.get(i).copied().unwrap_or(0);
    let mask = u16::from_be_bytes([byte(0), byte(1)]);
    let flags = byte(2);
    let names: Vec<&str> = NAMES.iter().enumerate().filter(|(i, _)| mask >> i & 1 == 1).map(|(_, n)| *n).collect();
    let doc_type = if flags & 1 == 0 { DOC_TYPE } else { "ru.edu.student_id" };
    let audience = if flags & 2 == 0 { "bot.school57" } else { "bot.elsewhere" };
    let expires = NOW.saturating_add_signed(i64::from(byte(3) as i8));
    let mut rng = rand::rngs::StdRng::seed_from_u64(u64::from(byte(4)));
    let spec = RequestSpec { audience, doc_type, claims: &names, expires, purpose: "fuzz" };
    let request = match PresentationRequest::new(&spec, &mut rng) {
        Ok(r) => r,
        Err(e) => {
            let bad_name = names.iter().any(|n| !n.is_ascii());
            assert!(names.is_empty() || bad_name, "request refused: {e}");
            return;
        }
    };
    match f.held.present(&request, NOW) {
        Ok(p) => {
            assert_eq!(doc_type, DOC_TYPE);
            assert!(expires >= NOW, "the holder answered an expired request");
            let r = f.verify(p.to_bytes(), &request);
            assert!(r.is_ok(), "mode 3: {r:?}");
            if request.to_bytes() != f.request.to_bytes() {
                let other = f.verify(p.to_bytes(), &f.request);
                assert!(matches!(other, Err(VerifyError::WrongRequest(_))), "answer to another request: {other:?}");
            }
        }
        Err(CredentialError::Expired(_)) => assert!(expires < NOW),
        Err(CredentialError::WrongDocType { .. }) => assert_ne!(doc_type, DOC_TYPE),
        Err(CredentialError::NoSuchClaim(n)) => {
            assert!(f.claims.iter().all(|c| c.name != n), "holder lacks a claim it holds: {n}")
        }
        Err(e) => unreachable!("unexpected holder refusal: {e}"),
    }
}
