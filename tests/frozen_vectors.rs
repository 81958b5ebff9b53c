//! ASSURANCE row 19: state and messages frozen under `tests/vectors/session/`
//! and `tests/vectors/group/` must load in every later version. The session
//! files were written once by `VESTNIK_REGEN_VECTORS=1 cargo test --test
//! frozen_vectors` and are never regenerated for a released format. The
//! version-1 group files (`tests/vectors/group/`, `.../complete/`) were
//! written by generators of the version-1 code, removed with version 2;
//! `tests/vectors/group/v2/` is written by `VESTNIK_REGEN_VECTORS=group-v2
//! cargo test --test frozen_vectors generate_group_v2`, which refuses to
//! overwrite an existing file. SPEC.md §10 says what every file is, which
//! state decrypts which message, and what the version-1 group files do now.
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

/// The caller's clock for group decrypts (no removal happened in these groups).
const NOW: u64 = 1_764_000_100;

// The version-1 group files were written by a generator of the version-1
// code (`regenerate_group_when_asked`, `generate_group_complete`, removed
// when version 2 came: the current code writes only version 2). They stay
// frozen; the tests below say what each does now.

#[test]
fn v1_group_state_loads_and_decrypts() {
    use vestnik::group::{GroupError, GroupSession};
    let teacher = DeviceIdentity::from_bytes(&read_group("teacher_identity.bin")).unwrap();
    let mut sg = GroupSession::from_bytes(&read_group("student_group_after_g0.bin")).unwrap();
    let got = sg.decrypt(&read_group("g2.bin"), NOW).unwrap();
    assert_eq!(got.plaintext(), GROUP_TEXTS[2].as_bytes());
    assert_eq!(*got.sender(), teacher.public());
    assert_eq!(sg.decrypt(&read_group("g1.bin"), NOW).unwrap().plaintext(), GROUP_TEXTS[1].as_bytes());
    assert_eq!(sg.decrypt(&read_group("g0.bin"), NOW).map(|_| ()), Err(GroupError::Duplicate));
    let sealed = unseal(
        &StorageKey::from_bytes(STORAGE_KEY),
        format::STATE_GROUP_V1,
        &read_group("student_group_after_g0.sealed"),
    )
    .unwrap();
    let mut sg2 = GroupSession::from_bytes(&sealed).unwrap();
    assert_eq!(sg2.decrypt(&read_group("g1.bin"), NOW).unwrap().plaintext(), GROUP_TEXTS[1].as_bytes());
    // Version 1 has no signed roster: a v1 state loads as a legacy group
    // that reads its chains' v1 messages and refuses everything else.
    let mut tg = GroupSession::from_bytes(&read_group("teacher_group.bin")).unwrap();
    assert_eq!(tg.encrypt(b"next"), Err(GroupError::LegacyGroup));
    assert_eq!(tg.roster_epoch(), None);
    assert!(tg.rotate(&mut rand::rng()).is_empty());
    // Saved again it is a version-2 state without a log, and still reads.
    let resaved = sg2.to_bytes();
    assert_eq!(&resaved[..3], &[0x08, 0x82, 0x46]);
    let mut sg3 = GroupSession::from_bytes(&resaved).unwrap();
    assert_eq!(sg3.decrypt(&read_group("g2.bin"), NOW).unwrap().plaintext(), GROUP_TEXTS[2].as_bytes());
}

const COMPLETE_DIR: &str = "tests/vectors/group/complete";

fn read_complete(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(COMPLETE_DIR).join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{name}: {e}"))
}

const V2_DIR: &str = "tests/vectors/group/v2";

fn read_v2(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(V2_DIR).join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The version-2 group set (SPEC.md §10): a teacher creates the group with
/// a student (signed roster log), the student joins from the log, installs
/// the distribution, and the teacher sends g0–g2. Generated once from a
/// fixed seed by `VESTNIK_REGEN_VECTORS=group-v2`; never overwrites.
#[test]
fn generate_group_v2() {
    use rand::SeedableRng;
    use vestnik::group::{GroupSession, PayloadKind};
    if std::env::var("VESTNIK_REGEN_VECTORS").as_deref() != Ok("group-v2") {
        return;
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x6772_6f75_7076_3201); // "groupv2"
    let teacher = DeviceIdentity::generate(&mut rng);
    let student = DeviceIdentity::generate(&mut rng);
    let mut s_pre = PreKeyStore::new(&student, 1_764_000_000, &mut rng);
    let mut t_to_s = PeerSessions::new(student.public());
    let mut s_to_t = PeerSessions::new(teacher.public());
    t_to_s.initiate(&teacher, &s_pre.bundle(&student, None), 1_764_000_000, &mut rng).unwrap();
    let (mut tg, plan) = GroupSession::create(b"class-7b", &teacher, &[student.public()], false, &mut rng).unwrap();
    let payload = |k: PayloadKind| plan.sends().iter().find(|s| s.kind() == k).unwrap().payload().to_vec();
    let (log, dist) = (payload(PayloadKind::RosterLog), payload(PayloadKind::Distribution));
    let mut send = |p: &[u8], rng: &mut rand::rngs::StdRng| {
        let w = t_to_s.encrypt_typed(vestnik::ContentType::SenderKeyDistribution, p, rng).unwrap();
        s_to_t.decrypt(&student, &mut s_pre, &w, 1_764_000_010).unwrap()
    };
    let (mut sg, _) = GroupSession::join(&student, &send(&log, &mut rng), false, &mut rng).unwrap();
    sg.process_distribution(&send(&dist, &mut rng)).unwrap();
    let before = sg.to_bytes().to_vec();
    let msgs: Vec<Vec<u8>> = GROUP_TEXTS.iter().map(|t| tg.encrypt(t.as_bytes()).unwrap()).collect();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(V2_DIR);
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("teacher_identity.bin", teacher.to_bytes().to_vec()),
        ("student_identity.bin", student.to_bytes().to_vec()),
        ("roster_log.bin", log),
        ("distribution.bin", dist),
        ("student_group_before_g0.bin", before),
        ("teacher_group_after_g2.bin", tg.to_bytes().to_vec()),
        ("g0.bin", msgs[0].clone()),
        ("g1.bin", msgs[1].clone()),
        ("g2.bin", msgs[2].clone()),
    ];
    write_frozen(&dir, files);
}

/// The version-2 set decrypts from its frozen state in any order; the
/// frozen roster log verifies and names both devices, the teacher as
/// creator and admin; the teacher's frozen state still encrypts.
#[test]
fn v2_group_vectors_load_verify_and_decrypt() {
    use vestnik::group::{GroupError, GroupSession};
    let teacher = DeviceIdentity::from_bytes(&read_v2("teacher_identity.bin")).unwrap();
    let student = DeviceIdentity::from_bytes(&read_v2("student_identity.bin")).unwrap();
    let texts = GROUP_TEXTS.map(str::as_bytes);
    let before = read_v2("student_group_before_g0.bin");
    let msgs = ["g0.bin", "g1.bin", "g2.bin"].map(read_v2);
    for order in [[0usize, 1, 2], [2, 0, 1]] {
        let mut sg = GroupSession::from_bytes(&before).unwrap();
        assert_eq!(sg.members(), [teacher.public()]);
        assert_eq!(sg.creator(), Some(*teacher.public().signing_key().as_bytes()));
        assert_eq!(sg.admins(), [*teacher.public().signing_key().as_bytes()]);
        assert_eq!(sg.roster_epoch().unwrap().0, 0);
        for i in order {
            let r = sg.decrypt(&msgs[i], NOW).unwrap();
            assert_eq!((r.plaintext(), r.sender()), (texts[i], &teacher.public()));
        }
        for m in &msgs {
            assert_eq!(sg.decrypt(m, NOW).map(|_| ()), Err(GroupError::Duplicate));
        }
    }
    let mut tg = GroupSession::from_bytes(&read_v2("teacher_group_after_g2.bin")).unwrap();
    assert_eq!((tg.own_chain().1, tg.chain_count()), (3, 0));
    assert_eq!(tg.roster_log().unwrap(), read_v2("roster_log.bin"));
    let next = tg.encrypt(b"next").unwrap();
    let mut sg = GroupSession::from_bytes(&before).unwrap();
    assert_eq!(sg.decrypt(&next, NOW).unwrap().plaintext(), b"next");
    assert_ne!(student.public(), teacher.public());
}

/// Every group vector message, decrypted from the frozen states to the
/// plaintexts SPEC.md §10 states.
#[test]
fn every_group_vector_message_decrypts_from_a_frozen_state() {
    use vestnik::group::{GroupError, GroupSession};
    let texts = GROUP_TEXTS.map(str::as_bytes);
    // The original set: no frozen state holds iteration 0 of the teacher's
    // chain, so g0 is only ever a replay there; g1 and g2 decrypt.
    let after_g0 = read_group("student_group_after_g0.bin");
    let mut sg = GroupSession::from_bytes(&after_g0).unwrap();
    assert_eq!(sg.decrypt(&read_group("g0.bin"), NOW).map(|_| ()), Err(GroupError::Duplicate));
    assert_eq!(sg.decrypt(&read_group("g1.bin"), NOW).unwrap().plaintext(), texts[1]);
    assert_eq!(sg.decrypt(&read_group("g2.bin"), NOW).unwrap().plaintext(), texts[2]);
    // The teacher's state lists the student with no chain: it never got the
    // student's distribution.
    let tg = GroupSession::from_bytes(&read_group("teacher_group.bin")).unwrap();
    assert_eq!((tg.chain_count(), tg.members().len(), tg.own_chain().1), (0, 1, 3));

    // The complete set, in order and out of order, each from a fresh load.
    let teacher = DeviceIdentity::from_bytes(&read_complete("teacher_identity.bin")).unwrap();
    let student = DeviceIdentity::from_bytes(&read_complete("student_identity.bin")).unwrap();
    let before = read_complete("student_group_before_g0.bin");
    let msgs = ["g0.bin", "g1.bin", "g2.bin"].map(read_complete);
    for order in [[0usize, 1, 2], [2, 0, 1], [1, 2, 0]] {
        let mut sg = GroupSession::from_bytes(&before).unwrap();
        assert_eq!(sg.members(), [teacher.public()]);
        for i in order {
            let r = sg.decrypt(&msgs[i], NOW).unwrap();
            assert_eq!((r.plaintext(), r.sender()), (texts[i], &teacher.public()), "g{i} in order {order:?}");
        }
        for m in &msgs {
            assert_eq!(sg.decrypt(m, NOW).map(|_| ()), Err(GroupError::Duplicate));
        }
    }
    let tg = GroupSession::from_bytes(&read_complete("teacher_group_after_g2.bin")).unwrap();
    assert_eq!((tg.own_chain().1, tg.chain_count()), (3, 0));
    let sg = GroupSession::from_bytes(&before).unwrap();
    assert_eq!((sg.own_chain().1, sg.chain_count(), sg.members().len()), (0, 1, 1));
    assert_ne!(student.public(), teacher.public());
}

/// A second implementation's path through §12.2–§12.3, written against the
/// spec with the primitives alone: the distribution's chain key, the chain
/// step, HKDF-Expand, the AD and the AEAD give the frozen plaintexts.
#[test]
fn complete_group_vectors_follow_the_spec_from_the_distribution() {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    use hmac::Mac;
    use prost::Message;
    #[derive(Clone, PartialEq, prost::Message)]
    struct Distribution {
        #[prost(uint32, tag = "1")]
        format: u32,
        #[prost(bytes = "vec", tag = "2")]
        group_id: Vec<u8>,
        #[prost(uint32, tag = "3")]
        chain_id: u32,
        #[prost(uint32, tag = "4")]
        iteration: u32,
        #[prost(bytes = "vec", tag = "5")]
        chain_key: Vec<u8>,
        #[prost(bytes = "vec", tag = "6")]
        signing_key: Vec<u8>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct GroupMessage {
        #[prost(uint32, tag = "1")]
        format: u32,
        #[prost(bytes = "vec", tag = "2")]
        body: Vec<u8>,
        #[prost(bytes = "vec", tag = "3")]
        signature: Vec<u8>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct Body {
        #[prost(bytes = "vec", tag = "1")]
        group_id: Vec<u8>,
        #[prost(bytes = "vec", tag = "2")]
        sender: Vec<u8>,
        #[prost(uint32, tag = "3")]
        chain_id: u32,
        #[prost(uint32, tag = "4")]
        iteration: u32,
        #[prost(bytes = "vec", tag = "5")]
        ciphertext: Vec<u8>,
    }
    type Hmac = hmac::Hmac<sha2::Sha256>;
    let hmac = |k: &[u8], d: &[u8]| -> Vec<u8> {
        let mut m = <Hmac as KeyInit>::new_from_slice(k).unwrap();
        m.update(d);
        m.finalize().into_bytes().to_vec()
    };
    let d = Distribution::decode(&read_complete("distribution.bin")[..]).unwrap();
    assert_eq!((d.format, d.group_id.as_slice(), d.iteration), (0x2201, &b"class-7b"[..], 0));
    let teacher = DeviceIdentity::from_bytes(&read_complete("teacher_identity.bin")).unwrap();
    let mut ck = d.chain_key.clone();
    for (i, name) in ["g0.bin", "g1.bin", "g2.bin"].iter().enumerate() {
        let m = GroupMessage::decode(&read_complete(name)[..]).unwrap();
        let b = Body::decode(&m.body[..]).unwrap();
        assert_eq!((m.format, b.chain_id, b.iteration as usize), (0x2101, d.chain_id, i));
        assert_eq!(b.sender, teacher.public().signing_key().as_bytes());
        // Signature: Ed25519 under the distributed key over 0x1c || label || body.
        let mut signed = vec![28u8];
        signed.extend_from_slice(b"vestnik/v1/sig/group-message");
        signed.extend_from_slice(&m.body);
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&d.signing_key.clone().try_into().unwrap()).unwrap();
        let sig = ed25519_dalek::Signature::from_slice(&m.signature).unwrap();
        vk.verify_strict(&signed, &sig).unwrap();
        // Chain step (labels without a length byte), then HKDF-Expand.
        let mk = hmac(&ck, b"vestnik/v1/kdf/group-chain-message");
        ck = hmac(&ck, b"vestnik/v1/kdf/group-chain-next");
        let mut okm = [0u8; 44];
        hkdf::Hkdf::<sha2::Sha256>::from_prk(&mk)
            .unwrap()
            .expand(b"vestnik/v1/kdf/group-message-key", &mut okm)
            .unwrap();
        let mut ad = b"vestnik/v1/ad/group-message".to_vec();
        ad.push(u8::try_from(b.group_id.len()).unwrap());
        ad.extend_from_slice(&b.group_id);
        ad.extend_from_slice(&b.sender);
        ad.extend_from_slice(&b.chain_id.to_be_bytes());
        ad.extend_from_slice(&b.iteration.to_be_bytes());
        let cipher = chacha20poly1305::ChaCha20Poly1305::new_from_slice(&okm[..32]).unwrap();
        let nonce = chacha20poly1305::Nonce::try_from(&okm[32..]).unwrap();
        let padded = cipher.decrypt(&nonce, Payload { msg: &b.ciphertext, aad: &ad }).unwrap();
        // §6: a bucket length, trailing zeros, the 0x80 marker, content type 0.
        assert_eq!(padded.len(), 256);
        let end = padded.iter().rposition(|&x| x != 0).unwrap();
        assert_eq!((padded[end], padded[0]), (0x80, 0));
        assert_eq!(&padded[1..end], GROUP_TEXTS[i].as_bytes());
    }
}

// ---- Post-quantum 1:1 session, version 2 (issue 16) -------------------------

const SESSION_V2_DIR: &str = "tests/vectors/session/v2";
const V2_TEXTS: [&str; 3] = ["Квант компьютеры укый алмый.", "Hello, post-quantum Bob", "Сәләм, Алиса! (PQ)"];

fn read_session_v2(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SESSION_V2_DIR).join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Writes the version-2 session set once: `VESTNIK_REGEN_VECTORS=session-v2
/// cargo test --test frozen_vectors generate_session_v2` (never overwrites).
#[test]
fn generate_session_v2() {
    if std::env::var("VESTNIK_REGEN_VECTORS").as_deref() != Ok("session-v2") {
        return;
    }
    let mut rng = rand::rng();
    let alice = DeviceIdentity::generate(&mut rng);
    let bob = DeviceIdentity::generate(&mut rng);
    // Signed prekey 1, last-resort KEM prekey 1, one-time prekeys 1-3,
    // one-time KEM prekeys 2-4.
    let mut bob_pre = PreKeyStore::new(&bob, 1_764_000_000, &mut rng);
    let otk = bob_pre.generate_one_time_prekeys(3, &mut rng).unwrap();
    let kem = bob_pre.generate_kem_prekeys(&bob, 3, 1_764_000_000, &mut rng).unwrap();
    let bundle = bob_pre.bundle_with_kem(&bob, Some(otk[1].id()), Some(kem[1].id())).to_bytes();
    let mut a = PeerSessions::new(bob.public());
    a.initiate(&alice, &PreKeyBundle::from_bytes(&bundle).unwrap(), 1_764_000_100, &mut rng).unwrap();
    let m0 = a.encrypt(V2_TEXTS[0].as_bytes(), &mut rng).unwrap();
    let m1 = a.encrypt(V2_TEXTS[1].as_bytes(), &mut rng).unwrap();
    let mut b = PeerSessions::new(alice.public());
    let mut bob_pre_live = PreKeyStore::from_bytes(&bob_pre.to_bytes(), &bob.public()).unwrap();
    b.decrypt(&bob, &mut bob_pre_live, &m0, 1_764_000_200).unwrap();
    let r0 = b.encrypt(V2_TEXTS[2].as_bytes(), &mut rng).unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SESSION_V2_DIR);
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("alice_identity.bin", alice.to_bytes().to_vec()),
        ("bob_identity.bin", bob.to_bytes().to_vec()),
        ("bob_prekeys.bin", bob_pre.to_bytes().to_vec()),
        ("bob_bundle.bin", bundle),
        ("alice_sessions.bin", a.to_bytes().to_vec()),
        ("bob_sessions_after_m0.bin", b.to_bytes().to_vec()),
        ("m0_prekey.bin", m0),
        ("m1.bin", m1),
        ("r0.bin", r0),
    ];
    write_frozen(&dir, files);
}

/// The version-2 (post-quantum) set: every state and the bundle re-encode
/// byte-exactly; the frozen store decrypts the frozen v2 prekey messages in
/// any order as a post-quantum session and consumes one-time KEM prekey 3
/// (and nothing else of the KEM prekeys); the frozen sessions answer.
#[test]
fn v2_post_quantum_vectors_load_byte_exactly_and_decrypt() {
    use vestnik::session::{Handshake, MessageKind};
    let alice = DeviceIdentity::from_bytes(&read_session_v2("alice_identity.bin")).unwrap();
    let bob = DeviceIdentity::from_bytes(&read_session_v2("bob_identity.bin")).unwrap();
    assert_eq!(alice.to_bytes().to_vec(), read_session_v2("alice_identity.bin"));
    let pre_bytes = read_session_v2("bob_prekeys.bin");
    assert_eq!(&pre_bytes[..3], [0x08, 0x82, 0x22], "PreKeyStoreState 0x1102");
    let pre = PreKeyStore::from_bytes(&pre_bytes, &bob.public()).unwrap();
    // Written back as 0x1103 (SPEC §17.6): the same bytes but the format,
    // since every one-time prekey's creation time is unknown (0, omitted).
    let again = pre.to_bytes();
    assert_eq!((&again[..3], &again[3..]), (&[0x08, 0x83, 0x22][..], &pre_bytes[3..]));
    assert_eq!(pre.last_resort_kem_prekey().map(|k| k.id()), Some(1));
    assert_eq!(pre.kem_prekeys().iter().map(|k| k.id()).collect::<Vec<_>>(), [2, 3, 4]);
    let bundle_bytes = read_session_v2("bob_bundle.bin");
    assert_eq!(&bundle_bytes[..3], [0x08, 0x82, 0x02], "PreKeyBundle 0x0102");
    let bundle = PreKeyBundle::from_bytes(&bundle_bytes).unwrap();
    assert_eq!(bundle.to_bytes(), bundle_bytes);
    assert_eq!(bundle.identity(), bob.public());
    assert_eq!(bundle.kem_prekey().map(|k| (k.id(), k.kind())), Some((3, vestnik::prekey::KemPreKeyKind::OneTime)));
    assert_eq!(bundle.one_time_prekey().map(|o| o.id()), Some(2));
    for name in ["m0_prekey.bin", "m1.bin"] {
        let m = read_session_v2(name);
        assert_eq!(&m[..3], [0x08, 0x82, 0x04], "{name}: PreKeyMessage 0x0202");
        let info = PeerSessions::inspect(&m).unwrap();
        assert_eq!(
            (info.kind(), info.kem_prekey_id(), info.one_time_prekey_id()),
            (MessageKind::PreKey, Some(3), Some(2))
        );
    }
    for order in [["m0_prekey.bin", "m1.bin"], ["m1.bin", "m0_prekey.bin"]] {
        let mut pre = PreKeyStore::from_bytes(&pre_bytes, &bob.public()).unwrap();
        let mut b = PeerSessions::new(alice.public());
        for name in order {
            let r = b.decrypt(&bob, &mut pre, &read_session_v2(name), 0).unwrap();
            let want = if name == "m1.bin" { V2_TEXTS[1] } else { V2_TEXTS[0] };
            assert_eq!((r.plaintext(), r.handshake()), (want.as_bytes(), Handshake::PostQuantum));
        }
        assert_eq!(pre.kem_prekeys().iter().map(|k| k.id()).collect::<Vec<_>>(), [2, 4]);
        assert_eq!(pre.last_resort_kem_prekey().map(|k| k.id()), Some(1));
        assert_eq!(b.decrypt(&bob, &mut pre, &read_session_v2("m1.bin"), 0).map(|_| ()), Err(SessionError::Duplicate));
    }
    let sessions = read_session_v2("bob_sessions_after_m0.bin");
    let mut b = PeerSessions::from_bytes(&sessions).unwrap();
    assert_eq!(b.to_bytes().to_vec(), sessions);
    let mut pre = PreKeyStore::from_bytes(&pre_bytes, &bob.public()).unwrap();
    let r = b.decrypt(&bob, &mut pre, &read_session_v2("m1.bin"), 0).unwrap();
    assert_eq!((r.plaintext(), r.handshake()), (V2_TEXTS[1].as_bytes(), Handshake::PostQuantum));
    let alice_sessions = read_session_v2("alice_sessions.bin");
    let mut a = PeerSessions::from_bytes(&alice_sessions).unwrap();
    assert_eq!(a.to_bytes().to_vec(), alice_sessions);
    assert!(a.awaiting_reply());
    let mut a_pre = PreKeyStore::new(&alice, 0, &mut rand::rng());
    let r = a.decrypt(&alice, &mut a_pre, &read_session_v2("r0.bin"), 0).unwrap();
    assert_eq!((r.plaintext(), r.handshake()), (V2_TEXTS[2].as_bytes(), Handshake::PostQuantum));
    assert!(!a.awaiting_reply());
}

/// Writes a generator's files; a frozen file is never overwritten.
fn write_frozen(dir: &std::path::Path, files: impl IntoIterator<Item = (&'static str, Vec<u8>)>) {
    use std::io::Write;
    for (name, bytes) in files {
        let mut f = std::fs::File::create_new(dir.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e} (frozen: never overwritten)"));
        f.write_all(&bytes).unwrap();
    }
}
