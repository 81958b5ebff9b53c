//! Adversarial tests of the document layer's revocation and time rules
//! (SPEC.md §11.4, §11.5, §11.7): each performs an attack that the previous
//! version accepted and checks that it is now refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/world.rs"]
mod world;

#[path = "common/credential_world.rs"]
mod credential_world;

use vestnik::crypto::sig::SigningKey;
use vestnik::document::*;
use world::*;

const DOC: &[u8] = b"%PDF-1.7\n% employment contract of a teacher, school No. 57\n%%EOF\n";

/// A school that is a CA (certificate and credential issuing) under the
/// anchor, and a teacher (serial 5) it certified.
struct School {
    key: SigningKey,
    cert: Certificate,
    teacher: Party,
}

fn school(w: &World) -> School {
    let key = SigningKey::generate(&mut rand::rng());
    let cert = Certificate::issue(
        &w.root,
        &request(
            &key,
            "SCHOOL-57-CA",
            "Школа № 57 (УЦ)",
            Role::Issuer,
            KeyUsage::CERTIFICATE_ISSUING | KeyUsage::CREDENTIAL_ISSUING,
            T0 - 1000 * DAY,
            T0 + 3650 * DAY,
            3,
        ),
    )
    .unwrap();
    let tkey = SigningKey::generate(&mut rand::rng());
    let tcert = Certificate::issue(
        &key,
        &request(
            &tkey,
            "TEACHER-1",
            "Мария Ивановна",
            Role::Teacher,
            KeyUsage::DOCUMENT_SIGNING,
            T0 - DAY,
            T0 + 365 * DAY,
            5,
        ),
    )
    .unwrap();
    School { key, cert, teacher: Party { key: tkey, cert: tcert } }
}

fn root_list(w: &World, revoked: &[u64]) -> StatusList {
    StatusList::issue(
        &w.root,
        StatusType::Certificates,
        T0 - DAY,
        T0 + 7 * DAY,
        64,
        revoked,
        &DocumentLimits::default(),
    )
    .unwrap()
}

/// Flaw 4: the school revoked the teacher's certificate in its certificate
/// list; the teacher carries the school's fresh credential list, which covers
/// serial 5 as good. It no longer counts as certificate status.
#[test]
fn credential_list_does_not_vouch_for_a_certificate() {
    let w = World::new();
    let s = school(&w);
    let l = DocumentLimits::default();
    let cred_list = StatusList::issue(&s.key, StatusType::Credentials, T0 - DAY, T0 + 7 * DAY, 64, &[], &l).unwrap();
    let cert_list = StatusList::issue(&s.key, StatusType::Certificates, T0 - DAY, T0 + 7 * DAY, 64, &[5], &l).unwrap();
    let mut e = Envelope::new("application/pdf", DOC, false, &l).unwrap();
    e.sign(&s.teacher.key, &s.teacher.cert, Commitment::Approved, T0).unwrap();
    e.add_certificate(&s.cert).unwrap();
    e.add_status_list(&cred_list).unwrap();
    e.add_status_list(&root_list(&w, &[])).unwrap();
    let e = roundtrip(&e);
    let r = verify(&e, Some(DOC), &w.policy().with_fresh_status(true), T0 + 60);
    assert!(!r.is_accepted(), "{r}");
    assert_eq!(first_failure(&r, 0), Some(Failure::Chain(ChainError::StatusMissing { depth: 0, serial: 5 })), "{r}");
    // With the certificate list the revocation is seen.
    let mut e2 = e.clone();
    e2.add_status_list(&cert_list).unwrap();
    let r = verify(&e2, Some(DOC), &w.policy().with_fresh_status(true), T0 + 60);
    assert!(
        matches!(first_failure(&r, 0), Some(Failure::Chain(ChainError::Revoked { depth: 0, serial: 5, .. }))),
        "{r}"
    );
    // The two types sign under different contexts: relabelling the type in
    // the encoding breaks the signature, so the list does not count either.
    let mut bytes = cred_list.to_bytes().to_vec();
    let pos = bytes.windows(2).position(|x| x == [0x38, 0x02]).unwrap();
    bytes[pos + 1] = 0x01;
    let relabelled = StatusList::from_bytes(&bytes, &l).unwrap();
    assert_eq!(relabelled.status_type(), Some(StatusType::Certificates));
    let mut e3 = e.clone();
    e3.add_status_list(&relabelled).unwrap();
    let r = verify(&e3, Some(DOC), &w.policy().with_fresh_status(true), T0 + 60);
    assert_eq!(first_failure(&r, 0), Some(Failure::Chain(ChainError::StatusMissing { depth: 0, serial: 5 })), "{r}");
}

/// Flaw 4, the reverse: a certificate list of the issuer neither revokes nor
/// vouches for a credential with the same serial.
#[test]
fn certificate_list_neither_revokes_nor_vouches_for_a_credential() {
    use credential_world::*;
    use vestnik::credential::*;
    let w = CredWorld::new();
    let l = DocumentLimits::default();
    let held = w.held(5);
    let req = CredWorld::request("bot.school57", &["family_name"]);
    let p = held.present(&req, NOW).unwrap();
    let key = w.issuer.signing_key();
    let cert_good = StatusList::issue(key, StatusType::Certificates, NOW - 60, NOW + DAY, 64, &[], &l).unwrap();
    let cert_revoking = StatusList::issue(key, StatusType::Certificates, NOW - 60, NOW + DAY, 64, &[5], &l).unwrap();
    // Vouching: only a certificate list of the issuer, no credential list.
    let lists = [cert_good];
    assert_eq!(verify_presentation(p.to_bytes(), &req, &w.policy, &lists, NOW), Err(VerifyError::StatusMissing(5)));
    // Revoking: the issuer's fresh credential list says good; a certificate
    // list that "revokes" serial 5 is about another serial space.
    let lists = [w.lists.clone(), vec![cert_revoking]].concat();
    assert!(verify_presentation(p.to_bytes(), &req, &w.policy, &lists, NOW).is_ok());
}

/// Version-1 lists still decode (archives) but never count as status.
#[test]
fn version_one_lists_decode_and_never_count() {
    let v1 = std::fs::read("tests/vectors/document/envelope.bin").unwrap();
    let env = Envelope::from_bytes(&v1, &DocumentLimits::default()).unwrap();
    assert!(!env.status_lists().is_empty());
    for list in env.status_lists() {
        assert_eq!(list.version(), 1);
        assert_eq!(list.status_type(), None);
        assert_eq!(list.entries(), &[]);
    }
}

fn l() -> DocumentLimits {
    DocumentLimits::default()
}

/// The CA's certificate list (citizen 7, school 8) and the root's (CA 1,
/// TSA 2), issued at `at`, valid a week.
fn lists_at(w: &World, at: u64, ca_revocations: &[Revocation], root_revocations: &[Revocation]) -> Vec<StatusList> {
    vec![
        StatusList::issue_with_entries(&w.ca.key, StatusType::Certificates, at, at + 7 * DAY, 64, ca_revocations, &l())
            .unwrap(),
        StatusList::issue_with_entries(&w.root, StatusType::Certificates, at, at + 7 * DAY, 64, root_revocations, &l())
            .unwrap(),
    ]
}

fn strict(w: &World) -> VerificationPolicy {
    VerificationPolicy::new(vec![w.anchor.clone()])
}

/// Flaw 3a: the citizen's certificate was revoked; the envelope leaves the
/// list out (or carries an old one). The verifier's own lists decide, and
/// fresh status is required by default.
#[test]
fn presenter_cannot_choose_the_revocation_verdict() {
    let w = World::new();
    let revoked = [Revocation::new(7, T0 - DAY, RevocationReason::Unspecified)];
    let mut e = w.signed(DOC);
    // Without any status: refused by default (fresh status required).
    let r = verify(&e, Some(DOC), &strict(&w), T0);
    assert!(r.fresh_status_required);
    assert_eq!(first_failure(&r, 0), Some(Failure::Chain(ChainError::StatusMissing { depth: 0, serial: 7 })), "{r}");
    // The verifier's current lists revoke it: refused, even with an older
    // carried list (fresh for the time) that says good.
    for list in lists_at(&w, T0 - 3 * DAY, &[], &[]) {
        e.add_status_list(&list).unwrap();
    }
    let policy = strict(&w).with_status_lists(lists_at(&w, T0 - 60, &revoked, &[]));
    let r = verify(&roundtrip(&e), Some(DOC), &policy, T0);
    assert!(!r.is_accepted(), "{r}");
    assert!(
        matches!(first_failure(&r, 0), Some(Failure::Chain(ChainError::Revoked { depth: 0, serial: 7, .. }))),
        "{r}"
    );
    // The verifier's lists with no revocation: accepted.
    let policy = strict(&w).with_status_lists(lists_at(&w, T0 - 60, &[], &[]));
    assert!(verify(&e, Some(DOC), &policy, T0).is_accepted());
    // An explicit opt-out is visible in the report.
    let r = verify(&w.signed(DOC), Some(DOC), &strict(&w).with_fresh_status(false), T0);
    assert!(r.is_accepted());
    assert!(!r.fresh_status_required);
    assert!(r.to_string().contains("NOT required"), "{r}");
}

/// Flaw 3b: a key stolen at `c` and revoked later for key compromise. A
/// forgery timestamped after `c` (before the revocation was published)
/// is refused whatever older list it carries; an honest signature
/// timestamped before `c` stays valid when the newer list is attached.
#[test]
fn revocation_is_judged_at_the_proven_time() {
    let w = World::new();
    let stolen = T0 + 10 * DAY;
    let revoked_at = T0 + 12 * DAY;
    let now = T0 + 20 * DAY;
    let compromise = [Revocation::new(7, revoked_at, RevocationReason::KeyCompromise { invalid_since: stolen })];
    let current = lists_at(&w, now - DAY, &compromise, &[]);
    let policy = strict(&w).with_status_lists(current.clone()).with_required_timestamp(true);
    // Honest: signed and stamped at T0 + 5, with the current (revoking) list attached.
    let mut honest = w.signed(DOC);
    w.stamp(&mut honest, 0, T0 + 5);
    for list in &current {
        honest.add_status_list(list).unwrap();
    }
    let r = verify(&roundtrip(&honest), Some(DOC), &policy, now);
    assert!(r.is_accepted(), "{r}");
    // Forgery: the thief signs at T0 + 11 days, stamped then, carrying the
    // list of T0 + 9 days (fresh for that time, saying good).
    let mut forged = Envelope::new("application/pdf", DOC, false, &l()).unwrap();
    forged.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, T0 + 11 * DAY).unwrap();
    forged.add_certificate(&w.ca.cert).unwrap();
    w.stamp(&mut forged, 0, T0 + 11 * DAY);
    for list in lists_at(&w, T0 + 9 * DAY, &[], &[]) {
        forged.add_status_list(&list).unwrap();
    }
    let r = verify(&roundtrip(&forged), Some(DOC), &policy, now);
    assert!(!r.is_accepted(), "{r}");
    assert!(
        matches!(first_failure(&r, 0), Some(Failure::Chain(ChainError::Revoked { serial: 7, since, .. })) if since == stolen),
        "{r}"
    );
    // Even the thief's own, older list cannot save it: the verifier's list decides.
    let r = verify(&forged, Some(DOC), &strict(&w).with_status_lists(current.clone()), now);
    assert!(!r.is_accepted());
    // Superseded (no compromise): signatures proven before the revocation
    // stand, those after it do not.
    let superseded = lists_at(&w, now - DAY, &[Revocation::new(7, revoked_at, RevocationReason::Superseded)], &[]);
    let policy = strict(&w).with_status_lists(superseded).with_required_timestamp(true);
    assert!(verify(&forged, Some(DOC), &policy, now).is_accepted(), "signed at T0 + 11 days, before the revocation");
    let mut late = Envelope::new("application/pdf", DOC, false, &l()).unwrap();
    late.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, T0 + 13 * DAY).unwrap();
    late.add_certificate(&w.ca.cert).unwrap();
    w.stamp(&mut late, 0, T0 + 13 * DAY);
    let r = verify(&late, Some(DOC), &policy, now);
    assert!(matches!(first_failure(&r, 0), Some(Failure::Chain(ChainError::Revoked { .. }))), "{r}");
    // Without a timestamp the signature is judged at its claimed time, but a
    // key compromise is judged at now: a backdated claim cannot escape it.
    let mut unproven = Envelope::new("application/pdf", DOC, false, &l()).unwrap();
    unproven.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, T0).unwrap();
    unproven.add_certificate(&w.ca.cert).unwrap();
    let r = verify(&unproven, Some(DOC), &strict(&w).with_status_lists(current), now);
    assert!(matches!(first_failure(&r, 0), Some(Failure::Chain(ChainError::Revoked { .. }))), "{r}");
}

/// Flaw 3d: a claimed signing time before the certificate existed.
#[test]
fn claimed_time_before_the_certificate_is_refused() {
    let w = World::new();
    let mut e = Envelope::new("application/pdf", DOC, false, &l()).unwrap();
    let backdated = w.citizen.cert.not_before() - 100 * DAY;
    e.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, backdated).unwrap();
    e.add_certificate(&w.ca.cert).unwrap();
    w.stamp(&mut e, 0, T0);
    let policy = w.policy().with_required_timestamp(true);
    let r = verify(&e, Some(DOC), &policy, T0 + 60);
    assert!(!r.is_accepted(), "{r}");
    assert!(r.signatures[0].checks.iter().any(|c| c.kind == CheckKind::ClaimedTime
        && c.result
            == Err(Failure::ClaimedTimeTooEarly { claimed: backdated, not_before: w.citizen.cert.not_before() })));
    // The skew is configurable: a claim 10 minutes after the proof passes
    // with a 15-minute allowance and fails with the default 5.
    let mut e = Envelope::new("application/pdf", DOC, false, &l()).unwrap();
    e.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, T0 + 600).unwrap();
    e.add_certificate(&w.ca.cert).unwrap();
    w.stamp(&mut e, 0, T0);
    assert!(!verify(&e, Some(DOC), &policy, T0 + 900).is_accepted());
    assert!(verify(&e, Some(DOC), &policy.clone().with_max_clock_skew(900), T0 + 900).is_accepted());
}

/// Flaw 3e: one person with two device certificates is one signer.
#[test]
fn two_devices_of_one_subject_are_one_signer() {
    let w = World::new();
    let phone = SigningKey::generate(&mut rand::rng());
    let phone_cert = Certificate::issue(
        &w.ca.key,
        &request(
            &phone,
            "RU-1234-567890",
            "Анна Петрова (телефон)",
            Role::Citizen,
            KeyUsage::DOCUMENT_SIGNING,
            T0 - DAY,
            T0 + DAY,
            9,
        ),
    )
    .unwrap();
    let mut e = w.signed(DOC);
    e.sign(&phone, &phone_cert, Commitment::Approved, T0).unwrap();
    let r = verify(&e, Some(DOC), &w.policy().with_min_signers(2), T0);
    assert!(r.signatures.iter().all(|s| s.is_valid()), "{r}");
    assert_eq!(r.distinct_valid_signers, 1);
    assert_eq!(r.policy_failures, vec![PolicyFailure::TooFewSigners { found: 1, required: 2 }]);
    // A second person does count.
    e.sign(&w.school.key, &w.school.cert, Commitment::Approved, T0).unwrap();
    let r = verify(&e, Some(DOC), &w.policy().with_min_signers(2), T0);
    assert!(r.is_accepted(), "{r}");
    assert_eq!(r.distinct_valid_signers, 2);
}

const YEAR: u64 = 365 * DAY;

/// A timestamping authority certified by the root for `[from, to)`.
fn tsa(w: &World, serial: u64, from: u64, to: u64) -> Party {
    let key = SigningKey::generate(&mut rand::rng());
    let cert = Certificate::issue(
        &w.root,
        &request(
            &key,
            &format!("TSA-{serial}"),
            "Служба времени",
            Role::TimestampAuthority,
            KeyUsage::TIMESTAMPING,
            from,
            to,
            serial,
        ),
    )
    .unwrap();
    Party { key, cert }
}

/// Re-stamps `e` at `at` by `by`: first the validation material (its
/// certificate, the root's list fresh at `at`), then the archive timestamp.
fn restamp(w: &World, e: &mut Envelope, by: &Party, at: u64, root_revocations: &[Revocation]) {
    e.add_certificate(&by.cert).unwrap();
    let root = StatusList::issue_with_entries(
        &w.root,
        StatusType::Certificates,
        at - DAY,
        at + 7 * DAY,
        64,
        root_revocations,
        &l(),
    )
    .unwrap();
    e.add_status_list(&root).unwrap();
    let req = e.archive_timestamp_request(&mut rand::rng());
    let token = TimestampToken::issue(&by.key, &req, at, 77);
    token.matches_request(&req).unwrap();
    e.add_archive_timestamp(token).unwrap();
}

/// A signed school contract: citizen signature stamped by the original TSA
/// (certified until T0 + 10 years), with the lists of signing time.
fn contract(w: &World) -> Envelope {
    let mut e = w.signed(DOC);
    w.stamp(&mut e, 0, T0 + 5);
    for list in lists_at(w, T0 - DAY, &[], &[]) {
        e.add_status_list(&list).unwrap();
    }
    e
}

/// Flaw 3c: twenty years later, after two re-stampings, the original TSA
/// certificate long expired, the contract still verifies.
#[test]
fn archive_timestamps_extend_validation_for_twenty_years() {
    let w = World::new();
    let now = T0 + 20 * YEAR;
    let mut e = contract(&w);
    let tsa1 = tsa(&w, 21, T0 + 4 * YEAR, T0 + 14 * YEAR);
    let tsa2 = tsa(&w, 22, T0 + 11 * YEAR, T0 + 25 * YEAR);
    // Without archive timestamps the TSA certificate expired: refused.
    let current_root =
        vec![StatusList::issue(&w.root, StatusType::Certificates, now - DAY, now + 7 * DAY, 64, &[], &l()).unwrap()];
    let policy = strict(&w).with_required_timestamp(true).with_status_lists(current_root);
    let r = verify(&e, Some(DOC), &policy, now);
    assert!(
        matches!(
            first_failure(&r, 0),
            Some(Failure::NoValidTimestamp(Some(TimestampFailure::Tsa(ChainError::Expired { .. }))))
        ),
        "{r}"
    );
    restamp(&w, &mut e, &tsa1, T0 + 5 * YEAR, &[]);
    assert_eq!(e.sign(&w.school.key, &w.school.cert, Commitment::Approved, T0), Err(EnvelopeError::Sealed));
    restamp(&w, &mut e, &tsa2, T0 + 12 * YEAR, &[]);
    let e = roundtrip(&e);
    assert_eq!(e.version(), 2);
    assert_eq!(e.archive_timestamps().len(), 2);
    let r = verify(&e, Some(DOC), &policy, now);
    assert!(r.is_accepted(), "{r}");
    assert_eq!(r.signatures[0].proven_time, Some(T0 + 5));
    assert_eq!(r.archive_times, vec![T0 + 5 * YEAR, T0 + 12 * YEAR]);
    // Tampering with covered material breaks the chain.
    let mut bytes = e.to_bytes();
    let c = e.certificates()[0].to_bytes();
    let pos = bytes.windows(c.len()).position(|x| x == c).unwrap();
    let moved = e.certificates()[1].to_bytes().to_vec();
    assert!(moved.len() != c.len() || moved != c);
    bytes[pos + c.len() - 1] ^= 1; // the certificate's signature byte
    if let Ok(t) = Envelope::from_bytes(&bytes, &l()) {
        assert!(!verify(&t, Some(DOC), &policy, now).is_accepted());
    }
}

/// Flaw 3c: re-stamping after the previous TSA's certificate expired, or
/// after it was revoked, protects nothing.
#[test]
fn restamping_too_late_is_refused() {
    let w = World::new();
    let tsa1 = tsa(&w, 21, T0 + 4 * YEAR, T0 + 14 * YEAR);
    let at = T0 + 11 * YEAR; // the original TSA certificate ended at T0 + 10 years
    let mut e = contract(&w);
    restamp(&w, &mut e, &tsa1, at, &[]);
    let root_now = |rev: &[Revocation]| {
        vec![
            StatusList::issue_with_entries(&w.root, StatusType::Certificates, at - DAY, at + 7 * DAY, 64, rev, &l())
                .unwrap(),
        ]
    };
    let policy = strict(&w).with_required_timestamp(true).with_status_lists(root_now(&[]));
    let r = verify(&e, Some(DOC), &policy, at + 60);
    assert!(!r.is_accepted(), "{r}");
    assert!(
        matches!(
            first_failure(&r, 0),
            Some(Failure::NoValidTimestamp(Some(TimestampFailure::Tsa(ChainError::Expired { depth: 0, .. }))))
        ),
        "{r}"
    );
    // Revoked (superseded at T0 + 3 years) before the re-stamping at T0 + 5 years.
    let revoked = [Revocation::new(2, T0 + 3 * YEAR, RevocationReason::Superseded)];
    let at = T0 + 5 * YEAR;
    let mut e = contract(&w);
    restamp(&w, &mut e, &tsa1, at, &revoked);
    let policy = strict(&w).with_required_timestamp(true).with_status_lists(vec![
        StatusList::issue_with_entries(&w.root, StatusType::Certificates, at - DAY, at + 7 * DAY, 64, &revoked, &l())
            .unwrap(),
    ]);
    let r = verify(&e, Some(DOC), &policy, at + 60);
    assert!(
        matches!(
            first_failure(&r, 0),
            Some(Failure::NoValidTimestamp(Some(TimestampFailure::Tsa(ChainError::Revoked { serial: 2, .. }))))
        ),
        "{r}"
    );
    // The archiver's own check refuses such a re-stamp up front.
    let mut e = contract(&w);
    e.add_certificate(&tsa1.cert).unwrap();
    let req = e.archive_timestamp_request(&mut rand::rng());
    let token = TimestampToken::issue(&tsa1.key, &req, at, 78);
    let before = e.clone();
    let refused = e.add_archive_timestamp_checked(token.clone(), &policy, at + 60);
    assert!(
        matches!(
            refused,
            Err(EnvelopeError::ArchiveRefused {
                index: 0,
                failure: Failure::NoValidTimestamp(Some(TimestampFailure::Tsa(ChainError::Revoked { serial: 2, .. })))
            })
        ),
        "{refused:?}"
    );
    assert_eq!(e, before, "a refused re-stamp changes nothing");
    // Re-stamped in time (T0 + 2 years, before the revocation) it stands.
    let mut e = contract(&w);
    let early_tsa = tsa(&w, 23, T0 + YEAR, T0 + 12 * YEAR);
    restamp(&w, &mut e, &early_tsa, T0 + 2 * YEAR, &[]);
    let r = verify(&e, Some(DOC), &policy, at + 60);
    assert!(r.is_accepted(), "{r}");
    // And the checked re-stamp accepts a timely one.
    let mut e = contract(&w);
    e.add_certificate(&early_tsa.cert).unwrap();
    let req = e.archive_timestamp_request(&mut rand::rng());
    let root_then =
        StatusList::issue(&w.root, StatusType::Certificates, T0 + 2 * YEAR - DAY, T0 + 2 * YEAR + DAY, 64, &[], &l());
    let then = strict(&w).with_required_timestamp(true).with_status_lists(vec![root_then.unwrap()]);
    let token = TimestampToken::issue(&early_tsa.key, &req, T0 + 2 * YEAR, 79);
    e.add_archive_timestamp_checked(token, &then, T0 + 2 * YEAR + 60).unwrap();
    assert_eq!(e.archive_timestamps().len(), 1);
}

/// The v2 status list decoder: entries counted before allocation, sorted,
/// inside the list, with consistent reasons; v1 fields refused in v2.
#[test]
fn status_list_v2_decoder_refuses_malformed_entries() {
    let w = World::new();
    let mut small = l();
    small.max_status_entries = 2;
    let rev = |s| Revocation::new(s, T0, RevocationReason::Unspecified);
    let three = StatusList::issue_with_entries(
        &w.ca.key,
        StatusType::Certificates,
        T0,
        T0 + DAY,
        64,
        &[rev(1), rev(2), rev(3)],
        &l(),
    )
    .unwrap();
    assert_eq!(
        StatusList::from_bytes(three.to_bytes(), &small),
        Err(StatusError::Decode(vestnik::wire::DecodeError::TooMany {
            field: "status_list.entries",
            count: 3,
            max: 2
        }))
    );
    assert_eq!(
        StatusList::issue_with_entries(
            &w.ca.key,
            StatusType::Certificates,
            T0,
            T0 + DAY,
            64,
            &[rev(1), rev(2), rev(3)],
            &small
        ),
        Err(StatusError::TooManyEntries { count: 3, max: 2 })
    );
    let issue = |entries: &[Revocation]| {
        StatusList::issue_with_entries(&w.ca.key, StatusType::Certificates, T0, T0 + DAY, 64, entries, &l())
    };
    assert_eq!(issue(&[rev(1), rev(1)]), Err(StatusError::Unsorted));
    assert_eq!(issue(&[rev(64)]), Err(StatusError::SerialOutOfRange(64)));
    assert_eq!(issue(&[Revocation::new(1, T0 + 1, RevocationReason::Unspecified)]), Err(StatusError::BadEntry(1)));
    assert_eq!(issue(&[Revocation::new(1, 0, RevocationReason::Superseded)]), Err(StatusError::BadEntry(1)));
    let late = RevocationReason::KeyCompromise { invalid_since: T0 + 1 };
    assert_eq!(issue(&[Revocation::new(1, T0, late)]), Err(StatusError::BadEntry(1)));
    // Entries out of order in the encoding (issue sorts them, so reorder the bytes).
    let list = issue(&[rev(1), rev(2)]).unwrap();
    assert_eq!(list.entries().iter().map(|e| e.serial).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(list.revocation(2).map(|r| r.effective_from()), Some(T0));
    assert_eq!(list.revocation(3), None);
    assert_eq!(list.version(), 2);
}

/// A v1 envelope cannot carry archive timestamps, and an archive timestamp
/// cannot claim coverage of material the envelope does not carry.
#[test]
fn archive_fields_are_checked_at_decode() {
    let w = World::new();
    let mut e = contract(&w);
    let tsa1 = tsa(&w, 21, T0, T0 + 14 * YEAR);
    restamp(&w, &mut e, &tsa1, T0 + YEAR, &[]);
    let bytes = e.to_bytes();
    assert_eq!(&bytes[..3], &[0x08, 0x82, 0x8e], "format 0x4702");
    let mut v1 = bytes.clone();
    v1[1] = 0x81; // 0x4701
    assert_eq!(
        Envelope::from_bytes(&v1, &l()),
        Err(EnvelopeError::Decode(vestnik::wire::DecodeError::Invalid("envelope.archive_timestamps")))
    );
    // Coverage of more certificates than carried is refused (the entry's
    // last fields are `certificates` and `status_lists`, small varints).
    let n = bytes.len();
    assert_eq!((bytes[n - 4], bytes[n - 2]), (0x10, 0x18));
    let mut over = bytes.clone();
    over[n - 3] = 99;
    assert_eq!(Envelope::from_bytes(&over, &l()), Err(EnvelopeError::ArchiveCoverage(0)));
    // Adding after sealing is refused, appending material is not.
    assert_eq!(e.add_timestamp(0, e.signers()[0].timestamps()[0].clone()), Err(EnvelopeError::Sealed));
    e.add_certificate(&w.school.cert).unwrap();
    let again = roundtrip(&e);
    assert_eq!(again.archive_timestamps()[0].certificates() + 1, again.certificates().len());
    // A token over another imprint is refused when added.
    let mut rng = rand::rng();
    let other = TimestampRequest::for_imprint([7; 64], &mut rng);
    assert_eq!(
        e.add_archive_timestamp(TimestampToken::issue(&tsa1.key, &other, T0 + YEAR, 1)),
        Err(EnvelopeError::Timestamp(TimestampError::ImprintMismatch))
    );
}
