//! Envelope validation: the happy path, long-term validation, and every way a
//! signature, chain, status list or document can fail (SPEC.md §11.7).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/world.rs"]
mod world;

use vestnik::document::*;
use world::*;

const DOC: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n... a school enrolment form ...\n%%EOF\n";

#[test]
fn citizen_signs_school_countersigns_tsa_stamps() {
    let w = World::new();
    let mut e = w.signed(DOC);
    let c = e.countersign(0, &w.school.key, &w.school.cert, Commitment::Witnessed, T0 + 60).unwrap();
    w.stamp(&mut e, 0, T0 + 5);
    w.stamp(&mut e, c, T0 + 65);
    let e = roundtrip(&e);
    let r = verify(&e, Some(DOC), &w.policy().with_min_signers(2).with_required_timestamp(true), T0 + 3600);
    assert!(r.is_accepted(), "{r}");
    assert_eq!(r.distinct_valid_signers, 2);
    let s0 = &r.signatures[0];
    assert_eq!(s0.signer.as_ref().unwrap().display_name, "Анна Петрова");
    assert_eq!(s0.signer.as_ref().unwrap().role, Role::Citizen);
    assert_eq!(s0.proven_time, Some(T0 + 5));
    assert_eq!(r.signatures[1].countersigns, Some(0));
    assert_eq!(r.signatures[1].commitment, Commitment::Witnessed);
    // Two years later the citizen's certificate has expired: the timestamp
    // still proves it was valid when signing (long-term validation).
    let later = T0 + 2 * 365 * DAY;
    let r = verify(&e, Some(DOC), &w.policy(), later);
    assert!(r.is_accepted(), "{r}");
    assert_eq!(r.signatures[0].validation_time, T0 + 5);
}

#[test]
fn expired_without_timestamp_and_not_yet_valid() {
    let w = World::new();
    // Without a timestamp the signature is judged at its claimed time (SPEC
    // §11.7 2f): claimed T0, inside the validity, so still valid later; a
    // timestamp requirement refuses it.
    let e = w.signed(DOC);
    let later = T0 + 2 * 365 * DAY;
    let r = verify(&e, Some(DOC), &w.policy(), later);
    assert!(r.is_accepted(), "{r}");
    assert_eq!(r.signatures[0].validation_time, T0);
    let r = verify(&e, Some(DOC), &w.policy().with_required_timestamp(true), later);
    assert!(matches!(first_failure(&r, 0), Some(Failure::NoValidTimestamp(None))), "{r}");
    // Claimed after the certificate expired: judged then, expired.
    let mut e = Envelope::new("application/pdf", DOC, false, &DocumentLimits::default()).unwrap();
    e.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, later).unwrap();
    e.add_certificate(&w.ca.cert).unwrap();
    let r = verify(&e, Some(DOC), &w.policy(), later);
    assert!(!r.is_accepted());
    assert!(matches!(first_failure(&r, 0), Some(Failure::Chain(ChainError::Expired { depth: 0, .. }))), "{r}");
    let early = T0 - 200 * DAY;
    let mut e2 = Envelope::new("application/pdf", DOC, false, &DocumentLimits::default()).unwrap();
    e2.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, early).unwrap();
    e2.add_certificate(&w.ca.cert).unwrap();
    let r = verify(&e2, Some(DOC), &w.policy(), early);
    assert!(matches!(first_failure(&r, 0), Some(Failure::Chain(ChainError::NotYetValid { depth: 0, .. }))), "{r}");
    // Required timestamp missing.
    let r = verify(&e, Some(DOC), &w.policy().with_required_timestamp(true), T0);
    assert!(matches!(first_failure(&r, 0), Some(Failure::NoValidTimestamp(None))), "{r}");
}

#[test]
fn wrong_key_usage_and_path_length() {
    let w = World::new();
    let key = vestnik::crypto::sig::SigningKey::generate(&mut rand::rng());
    let cert = Certificate::issue(
        &w.ca.key,
        &request(&key, "x", "X", Role::Teacher, KeyUsage::CREDENTIAL_ISSUING, 0, T0 * 2, 9),
    )
    .unwrap();
    let mut e = Envelope::new("text/plain", DOC, false, &DocumentLimits::default()).unwrap();
    e.sign(&key, &cert, Commitment::Authored, T0).unwrap();
    e.add_certificate(&w.ca.cert).unwrap();
    let r = verify(&e, Some(DOC), &w.policy(), T0);
    assert_eq!(
        first_failure(&r, 0),
        Some(Failure::Chain(ChainError::UsageNotAllowed { depth: 0, needed: KeyUsage::DOCUMENT_SIGNING }))
    );
    // A sub-CA below the citizens' CA (path_len 0): too deep.
    let sub = vestnik::crypto::sig::SigningKey::generate(&mut rand::rng());
    let mut sub_req = request(&sub, "SUB", "Sub CA", Role::Issuer, KeyUsage::CERTIFICATE_ISSUING, 0, T0 * 2, 10);
    sub_req.path_len = 5;
    let sub_cert = Certificate::issue(&w.ca.key, &sub_req).unwrap();
    let leaf =
        Certificate::issue(&sub, &request(&key, "y", "Y", Role::Teacher, KeyUsage::DOCUMENT_SIGNING, 0, T0 * 2, 1))
            .unwrap();
    let mut e = Envelope::new("text/plain", DOC, false, &DocumentLimits::default()).unwrap();
    e.sign(&key, &leaf, Commitment::Authored, T0).unwrap();
    e.add_certificate(&sub_cert).unwrap();
    e.add_certificate(&w.ca.cert).unwrap();
    let r = verify(&e, Some(DOC), &w.policy(), T0);
    assert!(matches!(first_failure(&r, 0), Some(Failure::Chain(ChainError::PathLength { .. }))), "{r}");
    // A TSA certificate cannot sign documents, and a document certificate cannot stamp.
    let mut e = Envelope::new("text/plain", DOC, false, &DocumentLimits::default()).unwrap();
    e.sign(&w.tsa.key, &w.tsa.cert, Commitment::Approved, T0).unwrap();
    let r = verify(&e, Some(DOC), &w.policy(), T0);
    assert!(matches!(first_failure(&r, 0), Some(Failure::Chain(ChainError::UsageNotAllowed { .. }))), "{r}");
}

#[test]
fn broken_chain_and_untrusted_anchor() {
    let w = World::new();
    let mut e = Envelope::new("application/pdf", DOC, false, &DocumentLimits::default()).unwrap();
    e.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, T0).unwrap();
    let r = verify(&e, Some(DOC), &w.policy(), T0);
    assert_eq!(first_failure(&r, 0), Some(Failure::Chain(ChainError::NoIssuer { depth: 0 })));
    let other = World::new();
    let r = verify(&w.signed(DOC), Some(DOC), &other.policy(), T0);
    assert_eq!(first_failure(&r, 0), Some(Failure::Chain(ChainError::NoIssuer { depth: 1 })));
    // A CA certificate that the root did not sign (same key id, other issuer).
    let forged_ca = Certificate::issue(
        &other.root,
        &request(&w.ca.key, "CA-CITIZENS", "fake", Role::Issuer, KeyUsage::CERTIFICATE_ISSUING, 0, T0 * 2, 1),
    )
    .unwrap();
    let mut e = Envelope::new("application/pdf", DOC, false, &DocumentLimits::default()).unwrap();
    e.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, T0).unwrap();
    e.add_certificate(&forged_ca).unwrap();
    let r = verify(&e, Some(DOC), &w.policy(), T0);
    assert_eq!(first_failure(&r, 0), Some(Failure::Chain(ChainError::NoIssuer { depth: 1 })));
}

#[test]
fn revoked_stale_and_missing_status() {
    let w = World::new();
    let fresh = |revoked: &[u64]| w.status_lists(revoked, T0 - DAY, T0 + 7 * DAY);
    // Not revoked, fresh, required: accepted.
    let mut e = w.signed(DOC);
    for l in fresh(&[]) {
        e.add_status_list(&l).unwrap();
    }
    let r = verify(&roundtrip(&e), Some(DOC), &w.policy().with_fresh_status(true), T0);
    assert!(r.is_accepted(), "{r}");
    // Revoked (citizen serial 7).
    let mut e = w.signed(DOC);
    for l in fresh(&[7]) {
        e.add_status_list(&l).unwrap();
    }
    let r = verify(&e, Some(DOC), &w.policy(), T0);
    assert!(
        matches!(first_failure(&r, 0), Some(Failure::Chain(ChainError::Revoked { depth: 0, serial: 7, .. }))),
        "{r}"
    );
    // Stale list: fine unless the policy needs freshness.
    let mut e = w.signed(DOC);
    for l in w.status_lists(&[], T0 - 30 * DAY, T0 - 20 * DAY) {
        e.add_status_list(&l).unwrap();
    }
    assert!(verify(&e, Some(DOC), &w.policy(), T0).is_accepted());
    let r = verify(&e, Some(DOC), &w.policy().with_fresh_status(true), T0);
    assert!(matches!(first_failure(&r, 0), Some(Failure::Chain(ChainError::StatusStale { depth: 0, .. }))), "{r}");
    // Missing list.
    let r = verify(&w.signed(DOC), Some(DOC), &w.policy().with_fresh_status(true), T0);
    assert!(
        matches!(first_failure(&r, 0), Some(Failure::Chain(ChainError::StatusMissing { depth: 0, serial: 7 }))),
        "{r}"
    );
    // A revocation list signed by someone else is ignored.
    let mut e = w.signed(DOC);
    let bogus = StatusList::issue(
        &w.citizen.key,
        StatusType::Certificates,
        T0 - DAY,
        T0 + DAY,
        64,
        &[7],
        &DocumentLimits::default(),
    )
    .unwrap();
    e.add_status_list(&bogus).unwrap();
    assert!(verify(&e, Some(DOC), &w.policy(), T0).is_accepted());
}

#[test]
fn wrong_truncated_or_missing_document_and_swapped_payload_type() {
    let w = World::new();
    let e = w.signed(DOC);
    let r = verify(&e, Some(b"another document"), &w.policy(), T0);
    assert!(matches!(r.document, Err(DocumentFailure::Length { .. })));
    let mut same_len = DOC.to_vec();
    same_len[3] ^= 1;
    assert_eq!(verify(&e, Some(&same_len), &w.policy(), T0).document, Err(DocumentFailure::Digest));
    let r = verify(&e, Some(&DOC[..DOC.len() - 1]), &w.policy(), T0);
    assert!(!r.is_accepted());
    assert_eq!(r.document, Err(DocumentFailure::Length { expected: DOC.len() as u64, got: DOC.len() as u64 - 1 }));
    assert_eq!(verify(&e, None, &w.policy(), T0).document, Err(DocumentFailure::Missing));
    // Swap the payload type (same length) in the encoding: the signature fails.
    let bytes = e.to_bytes();
    let pos = bytes.windows(15).position(|x| x == b"application/pdf").unwrap();
    let mut swapped = bytes.clone();
    swapped[pos..pos + 15].copy_from_slice(b"application/xml");
    let e2 = Envelope::from_bytes(&swapped, &DocumentLimits::default()).unwrap();
    let r = verify(&e2, Some(DOC), &w.policy(), T0);
    assert_eq!(first_failure(&r, 0), Some(Failure::BadSignature));
}

#[test]
fn duplicated_signer_counts_once() {
    let w = World::new();
    let mut e = w.signed(DOC);
    e.sign(&w.citizen.key, &w.citizen.cert, Commitment::Authored, T0).unwrap();
    let r = verify(&e, Some(DOC), &w.policy().with_min_signers(2), T0);
    assert_eq!(r.signatures.iter().filter(|s| s.is_valid()).count(), 2);
    assert_eq!(r.distinct_valid_signers, 1);
    assert_eq!(r.policy_failures, vec![PolicyFailure::TooFewSigners { found: 1, required: 2 }]);
    assert!(!r.is_accepted());
}

#[test]
fn timestamp_failures() {
    let w = World::new();
    let mut e = w.signed(DOC);
    e.sign(&w.school.key, &w.school.cert, Commitment::Approved, T0).unwrap();
    // A token for signature 1 attached to signature 0.
    let mut rng = rand::rng();
    let req1 = e.timestamp_request(1, &mut rng).unwrap();
    let req0 = e.timestamp_request(0, &mut rng).unwrap();
    let tok1 = TimestampToken::issue(&w.tsa.key, &req1, T0, 1);
    assert_eq!(tok1.matches_request(&req0), Err(TimestampError::ImprintMismatch));
    e.add_timestamp(0, tok1).unwrap();
    e.add_certificate(&w.tsa.cert).unwrap();
    let r = verify(&e, Some(DOC), &w.policy(), T0);
    assert_eq!(first_failure(&r, 0), Some(Failure::NoValidTimestamp(Some(TimestampFailure::WrongImprint))));
    // A "TSA" whose certificate lacks the timestamping usage.
    let mut e = w.signed(DOC);
    let req = e.timestamp_request(0, &mut rng).unwrap();
    e.add_timestamp(0, TimestampToken::issue(&w.school.key, &req, T0, 1)).unwrap();
    e.add_certificate(&w.school.cert).unwrap();
    let r = verify(&e, Some(DOC), &w.policy(), T0);
    assert!(
        matches!(
            first_failure(&r, 0),
            Some(Failure::NoValidTimestamp(Some(TimestampFailure::Tsa(ChainError::UsageNotAllowed { .. }))))
        ),
        "{r}"
    );
    // A token dated in the future.
    let mut e = w.signed(DOC);
    w.stamp(&mut e, 0, T0 + DAY);
    let r = verify(&e, Some(DOC), &w.policy(), T0);
    assert_eq!(first_failure(&r, 0), Some(Failure::NoValidTimestamp(Some(TimestampFailure::Future))));
    // Claimed time far after the proven time.
    let mut e = Envelope::new("application/pdf", DOC, false, &DocumentLimits::default()).unwrap();
    e.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, T0 + DAY).unwrap();
    e.add_certificate(&w.ca.cert).unwrap();
    w.stamp(&mut e, 0, T0);
    let r = verify(&e, Some(DOC), &w.policy(), T0 + 2 * DAY);
    assert!(matches!(first_failure(&r, 0), Some(Failure::ClaimedTimeTooLate { .. })), "{r}");
}

#[test]
fn device_identity_key_can_be_certified_and_sign() {
    let w = World::new();
    let device = vestnik::DeviceIdentity::generate(&mut rand::rng());
    let req = CertificateRequest {
        subject_key: *device.public().signing_key(),
        subject_id: "RU-9".into(),
        display_name: "Иван".into(),
        role: Role::Student,
        usage: KeyUsage::DOCUMENT_SIGNING,
        not_before: 0,
        not_after: T0 * 2,
        path_len: 0,
        serial: 11,
        credential_types: Vec::new(),
    };
    let cert = Certificate::issue(&w.ca.key, &req).unwrap();
    let mut e = Envelope::new("text/plain", DOC, true, &DocumentLimits::default()).unwrap();
    e.sign_with_identity(&device, &cert, Commitment::Authored, T0).unwrap();
    e.add_certificate(&w.ca.cert).unwrap();
    assert_eq!(e.sign(&w.citizen.key, &cert, Commitment::Authored, T0), Err(EnvelopeError::KeyMismatch));
    let r = verify(&roundtrip(&e), None, &w.policy(), T0);
    assert!(r.is_accepted(), "{r}");
    assert!(r.to_string().contains("Иван"));
}
