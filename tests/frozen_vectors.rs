//! ASSURANCE row 19: state and messages frozen under `tests/vectors/session/`
//! by version 1 must load and decrypt in every later version. The files are
//! written once by `VESTNIK_REGEN_VECTORS=1 cargo test --test frozen_vectors`
//! and never regenerated for a released format.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::path::PathBuf;
use vestnik::storage::{StorageKey, unseal};
use vestnik::wire::format;
use vestnik::{DeviceIdentity, PeerSessions, PreKeyBundle, PreKeyStore, SessionError};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/session")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

const STORAGE_KEY: [u8; 32] = [0x42; 32];
const TEXTS: [&str; 4] = ["Привет, Боб! Урок в 9:00.", "Исәнме! Бүген дәрес юк.", "Hello from v1", "Сәләм, Алиса!"];

#[test]
fn regenerate_when_asked() {
    if std::env::var("VESTNIK_REGEN_VECTORS").as_deref() != Ok("1") {
        return;
    }
    let mut rng = rand::rng();
    let alice = DeviceIdentity::generate(&mut rng);
    let bob = DeviceIdentity::generate(&mut rng);
    let mut bob_pre = PreKeyStore::new(&bob, 1_764_000_000, &mut rng);
    let otk = bob_pre.generate_one_time_prekeys(3, &mut rng).unwrap();
    let bundle = bob_pre.bundle(&bob, Some(otk[1].id())).to_bytes();
    let mut a = PeerSessions::new(bob.public());
    a.initiate(&alice, &PreKeyBundle::from_bytes(&bundle).unwrap(), 1_764_000_100, &mut rng).unwrap();
    let m0 = a.encrypt(TEXTS[0].as_bytes(), &mut rng).unwrap();
    let m1 = a.encrypt(TEXTS[1].as_bytes(), &mut rng).unwrap();
    let m2 = a.encrypt(TEXTS[2].as_bytes(), &mut rng).unwrap();
    // Bob's state after m0 only, and his reply (which Alice's frozen state reads).
    let mut b = PeerSessions::new(alice.public());
    let mut bob_pre_live = PreKeyStore::from_bytes(&bob_pre.to_bytes(), &bob.public()).unwrap();
    b.decrypt(&bob, &mut bob_pre_live, &m0, 1_764_000_200).unwrap();
    let r0 = b.encrypt(TEXTS[3].as_bytes(), &mut rng).unwrap();
    std::fs::create_dir_all(dir()).unwrap();
    let key = StorageKey::from_bytes(STORAGE_KEY);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("alice_identity.bin", alice.to_bytes().to_vec()),
        ("bob_identity.bin", bob.to_bytes().to_vec()),
        ("bob_prekeys.bin", bob_pre.to_bytes().to_vec()),
        ("bob_bundle.bin", bundle),
        ("alice_sessions.bin", a.to_bytes().to_vec()),
        ("bob_sessions_after_m0.bin", b.to_bytes().to_vec()),
        ("bob_sessions_after_m0.sealed", vestnik::storage::seal(&key, format::STATE_SESSIONS, &b.to_bytes(), &mut rng)),
        ("m0_prekey.bin", m0),
        ("m1.bin", m1),
        ("m2.bin", m2),
        ("r0.bin", r0),
    ];
    for (name, bytes) in files {
        std::fs::write(dir().join(name), bytes).unwrap();
    }
}

#[test]
fn v1_prekeys_and_messages_load_and_decrypt() {
    let alice = DeviceIdentity::from_bytes(&read("alice_identity.bin")).unwrap();
    let bob = DeviceIdentity::from_bytes(&read("bob_identity.bin")).unwrap();
    let mut pre = PreKeyStore::from_bytes(&read("bob_prekeys.bin"), &bob.public()).unwrap();
    let bundle = PreKeyBundle::from_bytes(&read("bob_bundle.bin")).unwrap();
    assert_eq!(bundle.identity(), bob.public());
    let mut b = PeerSessions::new(alice.public());
    // Out of order: m2 first (every message before the reply is a prekey message).
    let got = |b: &mut PeerSessions, pre: &mut PreKeyStore, name: &str| {
        b.decrypt(&bob, pre, &read(name), 0).map(|r| String::from_utf8(r.plaintext().to_vec()).unwrap())
    };
    assert_eq!(got(&mut b, &mut pre, "m2.bin").unwrap(), TEXTS[2]);
    assert_eq!(got(&mut b, &mut pre, "m0_prekey.bin").unwrap(), TEXTS[0]);
    assert_eq!(got(&mut b, &mut pre, "m1.bin").unwrap(), TEXTS[1]);
    assert_eq!(got(&mut b, &mut pre, "m1.bin"), Err(SessionError::Duplicate));
}

#[test]
fn v1_session_state_loads_and_decrypts() {
    let alice = DeviceIdentity::from_bytes(&read("alice_identity.bin")).unwrap();
    let bob = DeviceIdentity::from_bytes(&read("bob_identity.bin")).unwrap();
    let mut pre = PreKeyStore::from_bytes(&read("bob_prekeys.bin"), &bob.public()).unwrap();
    let mut b = PeerSessions::from_bytes(&read("bob_sessions_after_m0.bin")).unwrap();
    let r = b.decrypt(&bob, &mut pre, &read("m2.bin"), 0).unwrap();
    assert_eq!(r.plaintext(), TEXTS[2].as_bytes());
    assert_eq!(b.decrypt(&bob, &mut pre, &read("m0_prekey.bin"), 0).map(|_| ()), Err(SessionError::Duplicate));
    let sealed =
        unseal(&StorageKey::from_bytes(STORAGE_KEY), format::STATE_SESSIONS, &read("bob_sessions_after_m0.sealed"))
            .unwrap();
    let mut b2 = PeerSessions::from_bytes(&sealed).unwrap();
    assert_eq!(b2.decrypt(&bob, &mut pre, &read("m1.bin"), 0).unwrap().plaintext(), TEXTS[1].as_bytes());
    // Alice's frozen state reads Bob's frozen reply.
    let mut a = PeerSessions::from_bytes(&read("alice_sessions.bin")).unwrap();
    let mut a_pre = PreKeyStore::new(&alice, 0, &mut rand::rng());
    assert!(a.awaiting_reply());
    assert_eq!(a.decrypt(&alice, &mut a_pre, &read("r0.bin"), 0).unwrap().plaintext(), TEXTS[3].as_bytes());
    assert!(!a.awaiting_reply());
}

fn group_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/group")
}

fn read_group(name: &str) -> Vec<u8> {
    std::fs::read(group_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

const GROUP_TEXTS: [&str; 3] = ["Контрольная в пятницу.", "Һаумыһығыҙ, уҡыусылар!", "Room 12, 9:00"];

#[test]
fn regenerate_group_when_asked() {
    use vestnik::group::GroupSession;
    if std::env::var("VESTNIK_REGEN_VECTORS").as_deref() != Ok("1") {
        return;
    }
    let mut rng = rand::rng();
    let teacher = DeviceIdentity::generate(&mut rng);
    let student = DeviceIdentity::generate(&mut rng);
    let mut s_pre = PreKeyStore::new(&student, 0, &mut rng);
    let mut t_to_s = PeerSessions::new(student.public());
    let mut s_to_t = PeerSessions::new(teacher.public());
    t_to_s.initiate(&teacher, &s_pre.bundle(&student, None), 0, &mut rng).unwrap();
    let (mut tg, plan) = GroupSession::create(b"class-7b", &teacher, &[student.public()], false, &mut rng).unwrap();
    let (mut sg, _) = GroupSession::create(b"class-7b", &student, &[teacher.public()], false, &mut rng).unwrap();
    let w = t_to_s.encrypt_typed(vestnik::ContentType::SenderKeyDistribution, plan.distribution(), &mut rng).unwrap();
    sg.process_distribution(&s_to_t.decrypt(&student, &mut s_pre, &w, 0).unwrap()).unwrap();
    let msgs: Vec<Vec<u8>> = GROUP_TEXTS.iter().map(|t| tg.encrypt(t.as_bytes()).unwrap()).collect();
    sg.decrypt(&msgs[0]).unwrap();
    std::fs::create_dir_all(group_dir()).unwrap();
    let key = StorageKey::from_bytes(STORAGE_KEY);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("teacher_identity.bin", teacher.to_bytes().to_vec()),
        ("student_group_after_g0.bin", sg.to_bytes().to_vec()),
        ("student_group_after_g0.sealed", vestnik::storage::seal(&key, format::STATE_GROUP, &sg.to_bytes(), &mut rng)),
        ("teacher_group.bin", tg.to_bytes().to_vec()),
        ("g0.bin", msgs[0].clone()),
        ("g1.bin", msgs[1].clone()),
        ("g2.bin", msgs[2].clone()),
    ];
    for (name, bytes) in files {
        std::fs::write(group_dir().join(name), bytes).unwrap();
    }
}

#[test]
fn v1_group_state_loads_and_decrypts() {
    use vestnik::group::{GroupError, GroupSession};
    let teacher = DeviceIdentity::from_bytes(&read_group("teacher_identity.bin")).unwrap();
    let mut sg = GroupSession::from_bytes(&read_group("student_group_after_g0.bin")).unwrap();
    let got = sg.decrypt(&read_group("g2.bin")).unwrap();
    assert_eq!(got.plaintext(), GROUP_TEXTS[2].as_bytes());
    assert_eq!(*got.sender(), teacher.public());
    assert_eq!(sg.decrypt(&read_group("g1.bin")).unwrap().plaintext(), GROUP_TEXTS[1].as_bytes());
    assert_eq!(sg.decrypt(&read_group("g0.bin")).map(|_| ()), Err(GroupError::Duplicate));
    let sealed =
        unseal(&StorageKey::from_bytes(STORAGE_KEY), format::STATE_GROUP, &read_group("student_group_after_g0.sealed"))
            .unwrap();
    let mut sg2 = GroupSession::from_bytes(&sealed).unwrap();
    assert_eq!(sg2.decrypt(&read_group("g1.bin")).unwrap().plaintext(), GROUP_TEXTS[1].as_bytes());
    // The teacher's frozen state still encrypts, and its messages follow g2.
    let mut tg = GroupSession::from_bytes(&read_group("teacher_group.bin")).unwrap();
    let next = tg.encrypt(b"next").unwrap();
    assert_eq!(sg.decrypt(&next).unwrap().plaintext(), b"next");
}
