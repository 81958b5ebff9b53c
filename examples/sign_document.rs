//! A citizen signs a PDF-like file, her school countersigns, a timestamping
//! authority stamps both signatures, and a verifier checks the envelope now
//! and again two years later, after the citizen's certificate has expired.
//!
//! Run: `cargo run --example sign_document`

use vestnik::crypto::sig::SigningKey;
use vestnik::document::*;

const DAY: u64 = 86_400;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = rand::rng();
    let now = 1_750_000_000; // the caller owns the clock: 2025-06-15

    // The PKI: a ministry root (trusted by configuration), a citizens' CA, a TSA.
    let root = SigningKey::generate(&mut rng);
    let anchor = TrustAnchor::new(root.verifying_key(), "Ministry of Digital Affairs", KeyUsage::ALL, 1);
    let ca = SigningKey::generate(&mut rng);
    let tsa = SigningKey::generate(&mut rng);
    let cert = |issuer: &SigningKey, key, id: &str, name: &str, role, usage, until, serial| {
        Certificate::issue(
            issuer,
            &CertificateRequest {
                subject_key: key,
                subject_id: id.into(),
                display_name: name.into(),
                role,
                usage,
                not_before: now - 100 * DAY,
                not_after: until,
                path_len: 0,
                serial,
                credential_types: Vec::new(),
            },
        )
    };
    let ca_cert = cert(
        &root,
        ca.verifying_key(),
        "CA-1",
        "Citizens' CA",
        Role::Issuer,
        KeyUsage::CERTIFICATE_ISSUING,
        now + 3650 * DAY,
        1,
    )?;
    let tsa_cert = cert(
        &root,
        tsa.verifying_key(),
        "TSA-1",
        "National Timestamping Service",
        Role::TimestampAuthority,
        KeyUsage::TIMESTAMPING,
        now + 3650 * DAY,
        2,
    )?;

    // The citizen's messenger identity key is what gets certified.
    let citizen = vestnik::DeviceIdentity::generate(&mut rng);
    let citizen_cert = cert(
        &ca,
        *citizen.public().signing_key(),
        "RU-1234-567890",
        "Анна Петрова",
        Role::Citizen,
        KeyUsage::DOCUMENT_SIGNING,
        now + 365 * DAY,
        7,
    )?;
    let school = SigningKey::generate(&mut rng);
    let school_cert = cert(
        &ca,
        school.verifying_key(),
        "SCHOOL-57",
        "Школа № 57",
        Role::Organisation,
        KeyUsage::DOCUMENT_SIGNING,
        now + 3 * 365 * DAY,
        8,
    )?;

    // Sign, countersign, timestamp.
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n(Application for enrolment)\n%%EOF\n".to_vec();
    let mut env = Envelope::new("application/pdf", &pdf, false, &DocumentLimits::default())?;
    let s = env.sign_with_identity(&citizen, &citizen_cert, Commitment::Authored, now)?;
    let c = env.countersign(s, &school, &school_cert, Commitment::Approved, now + 120)?;
    env.add_certificate(&ca_cert)?;
    env.add_certificate(&tsa_cert)?;
    for (i, at) in [(s, now + 10), (c, now + 130)] {
        let request = env.timestamp_request(i, &mut rng).ok_or("no such signer")?;
        let token = TimestampToken::issue(&tsa, &request, at, 100 + i as u64); // the TSA's side
        token.matches_request(&request)?; // the requester checks the answer
        env.add_timestamp(i, token)?;
    }
    // Status lists (v2, type certificates) of the CA and the root, carried
    // for offline validation. Serial 3 was superseded a day ago.
    let limits = DocumentLimits::default();
    let revoked = [Revocation::new(3, now - DAY, RevocationReason::Superseded)];
    let lists = |at: u64| -> Result<Vec<StatusList>, StatusError> {
        Ok(vec![
            StatusList::issue_with_entries(&ca, StatusType::Certificates, at, at + 7 * DAY, 1024, &revoked, &limits)?,
            StatusList::issue(&root, StatusType::Certificates, at, at + 7 * DAY, 1024, &[], &limits)?,
        ])
    };
    for list in lists(now)? {
        env.add_status_list(&list)?;
    }
    let wire = env.to_bytes();
    println!("Envelope: {} bytes for a {}-byte document, {} signatures\n", wire.len(), pdf.len(), env.signers().len());

    // Verify now: two distinct signers, timestamps and (the default) fresh
    // revocation status required; the verifier passes the lists it fetched
    // from the issuers itself, which decide over whatever the envelope carries.
    let received = Envelope::from_bytes(&wire, &DocumentLimits::default())?;
    let policy = VerificationPolicy::new(vec![anchor]).with_min_signers(2).with_required_timestamp(true);
    let policy_now = policy.clone().with_status_lists(lists(now + 3000)?);
    let report = verify(&received, Some(&pdf), &policy_now, now + 3600);
    println!("--- Checked an hour after signing ---\n{report}");

    // Two years later the citizen's certificate has expired; the timestamp
    // proves the signature was made while it was valid.
    // The verifier fetches the issuers' lists current then.
    let later = now + 2 * 365 * DAY;
    let report = verify(&received, Some(&pdf), &policy.clone().with_status_lists(lists(later - 60)?), later);
    println!("--- Checked two years later (citizen's certificate expired) ---\n{report}");

    // A tampered document is caught.
    let mut tampered = pdf.clone();
    if let Some(b) = tampered.get_mut(20) {
        *b ^= 1;
    }
    let report = verify(&received, Some(&tampered), &policy_now, now + 3600);
    println!("--- A tampered copy ---\nVerdict accepted: {}; document: {:?}", report.is_accepted(), report.document);
    Ok(())
}
