//! The government portal issues a student ID and a passport into the app.
//! The student proves to a school chat bot, over their 1:1 session, that they
//! are over 14 and enrolled at school 57, without revealing the birth date
//! or the passport number. The portal then revokes the student ID, and the
//! same proof fails.
//!
//! Run: `cargo run --example student_id`

use vestnik::credential::*;
use vestnik::crypto::sig::SigningKey;
use vestnik::document::{
    Certificate, CertificateRequest, DocumentLimits, KeyUsage, Role, StatusList, StatusType, TrustAnchor,
};
use vestnik::{ContentType, DeviceIdentity, IdentityPublic, PeerSessions, PreKeyBundle, PreKeyStore};

const DAY: u64 = 86_400;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = rand::rng();
    let now = 1_780_000_000; // the caller owns the clock

    // The portal's PKI: a root the bot trusts, an intermediate CA, and two
    // issuing keys (the passport office and the education registry). Every
    // certificate names the document types its key may issue or certify
    // below it: the registry's key cannot issue a passport, whatever a
    // verifier's rules say.
    let root = SigningKey::generate(&mut rng);
    let anchor = TrustAnchor::new(
        root.verifying_key(),
        "Госуслуги",
        KeyUsage::CERTIFICATE_ISSUING | KeyUsage::CREDENTIAL_ISSUING,
        1,
    );
    let ca = SigningKey::generate(&mut rng);
    let cert = |by: &SigningKey, key: &SigningKey, id: &str, name: &str, usage, types: &[&str]| {
        Certificate::issue(
            by,
            &CertificateRequest::new(
                key.verifying_key(),
                id,
                name,
                Role::Issuer,
                usage,
                now - 365 * DAY,
                now + 5 * 365 * DAY,
            )
            .serial(1)
            .credential_types(types),
        )
    };
    let (passport, student_id) = ("ru.gov.passport", "ru.edu.student_id");
    let ca_cert =
        cert(&root, &ca, "ru.gosuslugi.ca", "УЦ Госуслуг", KeyUsage::CERTIFICATE_ISSUING, &[passport, student_id])?;
    let mvd_key = SigningKey::generate(&mut rng);
    let edu_key = SigningKey::generate(&mut rng);
    let mvd_cert = cert(&ca, &mvd_key, "ru.mvd", "МВД России", KeyUsage::CREDENTIAL_ISSUING, &[passport])?;
    let edu_cert =
        cert(&ca, &edu_key, "ru.edu.registry", "Реестр обучающихся", KeyUsage::CREDENTIAL_ISSUING, &[student_id])?;
    let passports = CredentialIssuer::new(mvd_key, vec![mvd_cert, ca_cert.clone()])?;
    let students = CredentialIssuer::new(edu_key, vec![edu_cert, ca_cert])?;
    let fake = CredentialTemplate { doc_type: passport.into(), claims: vec![], not_before: now, not_after: now + DAY };
    let refused = students.issue(&fake, &SigningKey::generate(&mut rng).verifying_key(), 1, &mut rng);
    assert!(matches!(refused, Err(CredentialError::DocTypeNotCertified(_))), "the registry issues no passports");

    // The student's device makes one fresh key per credential; the portal
    // issues both (in a real app: a batch of each, one per presentation).
    let passport_key = SigningKey::generate(&mut rng);
    let student_key = SigningKey::generate(&mut rng);
    let passport = passports.issue(
        &CredentialTemplate {
            doc_type: "ru.gov.passport".into(),
            claims: vec![
                Claim::text("family_name", "Смирнов"),
                Claim::text("given_name", "Илья"),
                Claim::text("family_name_latin", "Smirnov"),
                Claim::date("birth_date", 2011, 9, 1).ok_or("date")?,
                Claim::text("number", "4524 987654"),
                Claim::new("photo", ClaimValue::Sha256([0x5a; 32])),
                Claim::boolean("age_over_14", true),
                Claim::boolean("age_over_18", false),
            ],
            not_before: now - 30 * DAY,
            not_after: now + 3650 * DAY,
        },
        &passport_key.verifying_key(),
        40_117,
        &mut rng,
    )?;
    let student_id = students.issue(
        &CredentialTemplate {
            doc_type: "ru.edu.student_id".into(),
            claims: vec![
                Claim::text("family_name", "Смирнов"),
                Claim::text("school", "ГБОУ Школа № 57"),
                Claim::text("school_id", "57"),
                Claim::integer("grade", 8),
                Claim::boolean("enrolled", true),
            ],
            not_before: now - 30 * DAY,
            not_after: now + 365 * DAY,
        },
        &student_key.verifying_key(),
        9_301,
        &mut rng,
    )?;
    // Delivered over a confidential channel, stored sealed in the wallet.
    let wallet = [
        HeldCredential::new(IssuedCredential::from_bytes(&passport.to_bytes())?, passport_key)?,
        HeldCredential::new(IssuedCredential::from_bytes(&student_id.to_bytes())?, student_key)?,
    ];
    println!(
        "portal issued: passport ({} bytes, {} digests for {} claims), student ID ({} bytes)",
        wallet[0].credential().to_bytes().len(),
        wallet[0].credential().digests().len(),
        wallet[0].disclosures().len(),
        wallet[1].credential().to_bytes().len(),
    );

    // The student and the school bot have a 1:1 session.
    let student = DeviceIdentity::generate(&mut rng);
    let bot = DeviceIdentity::generate(&mut rng);
    let mut student_prekeys = PreKeyStore::new(&student, now, &mut rng);
    let mut bot_prekeys = PreKeyStore::new(&bot, now, &mut rng);
    let otk = bot_prekeys.generate_one_time_prekeys(1, &mut rng)?;
    let bundle =
        PreKeyBundle::from_bytes(&bot_prekeys.bundle(&bot, Some(otk.first().ok_or("no prekey")?.id())).to_bytes())?;
    let mut to_bot = PeerSessions::new(bundle.identity());
    to_bot.initiate(&student, &bundle, now, &mut rng)?;
    let mut to_student = PeerSessions::new(student.public());
    let hello = to_bot.encrypt("Здравствуйте! Хочу в чат 8 «Б»".as_bytes(), &mut rng)?;
    to_student.decrypt(&bot, &mut bot_prekeys, &hello, now)?;

    // The bot asks for two proofs, each bound to this session.
    let ask = |doc_type, claims, purpose, rng: &mut rand::rngs::ThreadRng| {
        PresentationRequest::for_session(
            &RequestSpec { audience: "bot.school57", doc_type, claims, expires: now + 600, purpose },
            &bot.public(),
            &student.public(),
            rng,
        )
    };
    let requests = [
        ask("ru.gov.passport", &["age_over_14"], "Чат для учащихся старше 14 лет", &mut rng)?,
        ask("ru.edu.student_id", &["enrolled", "school_id"], "Чат только для учащихся школы № 57", &mut rng)?,
    ];
    let mut answers = Vec::new();
    for request in &requests {
        let wire = to_student.encrypt_typed(ContentType::Credential, request.to_bytes(), &mut rng)?;
        // On the student's device.
        let received = to_bot.decrypt(&student, &mut student_prekeys, &wire, now)?;
        let CredentialMessage::Request(req) = CredentialMessage::from_received(&received, &student.public())? else {
            return Err("expected a request".into());
        };
        let held = wallet.iter().find(|h| h.credential().doc_type() == req.doc_type()).ok_or("no such document")?;
        println!("student is asked: {:?} for {:?}: «{}»", req.doc_type(), req.claims(), req.purpose());
        let answer = held.present_in_session(&req, &student.public(), received.sender(), now)?;
        let wire = to_bot.encrypt_typed(ContentType::Credential, answer.to_bytes(), &mut rng)?;
        // Back on the bot.
        answers.push(to_student.decrypt(&bot, &mut bot_prekeys, &wire, now)?);
    }

    // The bot trusts the portal's root for passports and student IDs. The
    // certificates already confine each issuer to its types; the rules pin
    // the issuer ids as well, and the bot fetches status lists.
    let policy = CredentialPolicy::new(vec![
        IssuerRule::new(anchor.clone(), &["ru.gov.passport"]).for_issuer("ru.mvd"),
        IssuerRule::new(anchor, &["ru.edu.student_id"]).for_issuer("ru.edu.registry"),
    ]);
    let list = |issuer: &CredentialIssuer, revoked: &[u64]| {
        StatusList::issue(
            issuer.signing_key(),
            StatusType::Credentials,
            now - 3600,
            now + DAY,
            65_536,
            revoked,
            &DocumentLimits::default(),
        )
    };
    let lists = [list(&passports, &[])?, list(&students, &[])?];
    let me: IdentityPublic = bot.public();
    for (answer, request) in answers.iter().zip(&requests) {
        let v = verify_session_presentation(answer, &me, request, &policy, &lists, now)?;
        let shown: Vec<String> = v.claims().iter().map(|c| format!("{} = {}", c.name, c.value)).collect();
        println!("bot verified {} from «{}»: {}", v.doc_type(), v.issuer_name(), shown.join(", "));
        assert!(v.claim("birth_date").is_none() && v.claim("number").is_none());
    }
    println!("the bot never saw the birth date or the passport number");

    // The student leaves school 57: the registry revokes the student ID.
    let lists = [list(&passports, &[])?, list(&students, &[9_301])?];
    let (answer, request) = answers.get(1).zip(requests.get(1)).ok_or("two answers")?;
    match verify_session_presentation(answer, &me, request, &policy, &lists, now) {
        Err(e @ VerifyError::Revoked(_)) => println!("after revocation: {e}"),
        other => return Err(format!("a revoked credential must fail, got {other:?}").into()),
    }
    Ok(())
}
