//! Credentials over 1:1 sessions (SPEC.md §14.8): a chat partner asks "show
//! me you are over 14 and a student of school 57" and gets a verifiable
//! answer; a man in the middle can relay neither the request nor the answer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/credential_world.rs"]
mod credential_world;

use credential_world::*;
use vestnik::credential::*;
use vestnik::{ContentType, DeviceIdentity, PeerSessions, PreKeyBundle, PreKeyStore, Received};

struct Person {
    id: DeviceIdentity,
    prekeys: PreKeyStore,
}

impl Person {
    fn new() -> Self {
        let mut rng = rand::rng();
        let id = DeviceIdentity::generate(&mut rng);
        let prekeys = PreKeyStore::new(&id, 0, &mut rng);
        Self { id, prekeys }
    }
}

/// A session from `a` to `b` and back, established by one message.
fn connect(a: &mut Person, b: &mut Person) -> (PeerSessions, PeerSessions) {
    let mut rng = rand::rng();
    let otk = b.prekeys.generate_one_time_prekeys(1, &mut rng).unwrap();
    let bundle = PreKeyBundle::from_bytes(&b.prekeys.bundle(&b.id, Some(otk[0].id())).to_bytes()).unwrap();
    let mut ab = PeerSessions::new(bundle.identity());
    ab.initiate(&a.id, &bundle, 0, &mut rng).unwrap();
    let mut ba = PeerSessions::new(a.id.public());
    let hello = ab.encrypt(b"hello", &mut rng).unwrap();
    ba.decrypt(&b.id, &mut b.prekeys, &hello, 0).unwrap();
    (ab, ba)
}

fn send(from: &mut PeerSessions, body: &[u8]) -> Vec<u8> {
    from.encrypt_typed(ContentType::Credential, body, &mut rand::rng()).unwrap()
}

fn recv(to: &mut PeerSessions, me: &mut Person, wire: &[u8]) -> Received {
    to.decrypt(&me.id, &mut me.prekeys, wire, 0).unwrap()
}

fn spec() -> RequestSpec<'static> {
    RequestSpec {
        audience: "teacher-chat",
        doc_type: "ru.gov.passport",
        claims: &["age_over_14", "family_name"],
        expires: NOW + 600,
        purpose: "Покажите, что вам есть 14",
    }
}

#[test]
fn a_chat_partner_asks_and_verifies() {
    let w = CredWorld::new();
    let (mut student, mut teacher) = (Person::new(), Person::new());
    let (mut s2t, mut t2s) = connect(&mut student, &mut teacher);
    let held = w.held(3);

    let request =
        PresentationRequest::for_session(&spec(), &teacher.id.public(), &student.id.public(), &mut rand::rng())
            .unwrap();
    let wire = send(&mut t2s, request.to_bytes());
    let got = recv(&mut s2t, &mut student, &wire);
    let CredentialMessage::Request(req) = CredentialMessage::from_received(&got, &student.id.public()).unwrap() else {
        panic!("not a request")
    };
    assert_eq!(req.purpose(), "Покажите, что вам есть 14");
    // A bound request is answered only through the session-aware call.
    assert_eq!(held.present(&req, NOW).unwrap_err(), CredentialError::SessionMismatch);
    let answer = held.present_in_session(&req, &student.id.public(), got.sender(), NOW).unwrap();
    let wire = send(&mut s2t, answer.to_bytes());
    let got = recv(&mut t2s, &mut teacher, &wire);
    assert!(matches!(
        CredentialMessage::from_received(&got, &teacher.id.public()).unwrap(),
        CredentialMessage::Presentation(_)
    ));
    let v = verify_session_presentation(&got, &teacher.id.public(), &request, &w.policy, &w.lists, NOW).unwrap();
    assert!(v.proves("age_over_14"));
    assert_eq!(v.claim("family_name"), Some(&ClaimValue::Text("Петрова".into())));

    // The same bytes as application data are not a credential payload.
    let wire = s2t.encrypt(answer.to_bytes(), &mut rand::rng()).unwrap();
    let got = recv(&mut t2s, &mut teacher, &wire);
    assert_eq!(
        verify_session_presentation(&got, &teacher.id.public(), &request, &w.policy, &w.lists, NOW).unwrap_err(),
        VerifyError::Format(CredentialError::NotCredentialContent)
    );
}

#[test]
fn a_man_in_the_middle_can_relay_neither_request_nor_answer() {
    let w = CredWorld::new();
    let (mut alice, mut bob, mut mallory) = (Person::new(), Person::new(), Person::new());
    let (mut a2m, mut m2a) = connect(&mut alice, &mut mallory);
    let (mut m2b, mut b2m) = connect(&mut mallory, &mut bob);
    let (mut a2b, mut b2a) = connect(&mut alice, &mut bob);
    let held = w.held(4);

    // Bob asks Mallory; Mallory relays the request to Alice (a teacher, say).
    let to_mallory =
        PresentationRequest::for_session(&spec(), &bob.id.public(), &mallory.id.public(), &mut rand::rng()).unwrap();
    let wire = send(&mut b2m, to_mallory.to_bytes());
    let at_mallory = recv(&mut m2b, &mut mallory, &wire);
    let wire = send(&mut m2a, at_mallory.plaintext());
    let at_alice = recv(&mut a2m, &mut alice, &wire);
    assert_eq!(
        CredentialMessage::from_received(&at_alice, &alice.id.public()).unwrap_err(),
        CredentialError::SessionMismatch
    );
    let relayed = PresentationRequest::from_bytes(at_alice.plaintext()).unwrap();
    assert_eq!(
        held.present_in_session(&relayed, &alice.id.public(), at_alice.sender(), NOW).unwrap_err(),
        CredentialError::SessionMismatch
    );

    // Bob asks Alice directly; Mallory somehow holds Alice's answer and
    // sends it to Bob over her own session: refused.
    let to_alice =
        PresentationRequest::for_session(&spec(), &bob.id.public(), &alice.id.public(), &mut rand::rng()).unwrap();
    let wire = send(&mut b2a, to_alice.to_bytes());
    let got = recv(&mut a2b, &mut alice, &wire);
    let CredentialMessage::Request(req) = CredentialMessage::from_received(&got, &alice.id.public()).unwrap() else {
        panic!()
    };
    let answer = held.present_in_session(&req, &alice.id.public(), got.sender(), NOW).unwrap();
    let wire = send(&mut m2b, answer.to_bytes());
    let from_mallory = recv(&mut b2m, &mut bob, &wire);
    assert_eq!(
        verify_session_presentation(&from_mallory, &bob.id.public(), &to_alice, &w.policy, &w.lists, NOW).unwrap_err(),
        VerifyError::WrongRequest("session binding")
    );
    // Over the right session it verifies.
    let wire = send(&mut a2b, answer.to_bytes());
    let from_alice = recv(&mut b2a, &mut bob, &wire);
    assert!(verify_session_presentation(&from_alice, &bob.id.public(), &to_alice, &w.policy, &w.lists, NOW).is_ok());
    // An answer to a plain (unbound) request is not accepted as a session answer.
    let plain = CredWorld::request("teacher-chat", &["age_over_14"]);
    let p = held.present(&plain, NOW).unwrap();
    let wire = send(&mut a2b, p.to_bytes());
    let got = recv(&mut b2a, &mut bob, &wire);
    assert_eq!(
        verify_session_presentation(&got, &bob.id.public(), &plain, &w.policy, &w.lists, NOW).unwrap_err(),
        VerifyError::WrongRequest("session binding")
    );
}

#[test]
fn other_formats_typed_as_credential_are_not_credential_messages() {
    let w = CredWorld::new();
    let (mut a, mut b) = (Person::new(), Person::new());
    let (mut ab, mut ba) = connect(&mut a, &mut b);
    let held = w.held(1);
    for body in [held.credential().to_bytes().to_vec(), held.disclosures()[0].to_bytes().to_vec()] {
        let wire = send(&mut ab, &body);
        let got = recv(&mut ba, &mut b, &wire);
        assert_eq!(
            CredentialMessage::from_received(&got, &b.id.public()).unwrap_err(),
            CredentialError::NotCredentialContent
        );
    }
}
