//! Typed sealing (`storage::Sealable`): every state type round-trips sealed,
//! and a blob sealed as one type never opens as another.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/credential_world.rs"]
mod credential_world;

use credential_world::CredWorld;
use vestnik::credential::{CredentialError, HeldCredential};
use vestnik::crypto::sig::SigningKey;
use vestnik::group::GroupSession;
use vestnik::storage::{self, Sealable, StorageError, StorageKey};
use vestnik::wire::{DecodeError, format};
use vestnik::{DeviceIdentity, GroupLimits, PeerSessions, PreKeyBundle, PreKeyStore, SessionLimits};

struct Sealed {
    identity: Vec<u8>,
    prekeys: Vec<u8>,
    sessions: Vec<u8>,
    group: Vec<u8>,
    held: Vec<u8>,
    signing_key: Vec<u8>,
}

#[test]
fn every_state_type_round_trips_sealed() {
    let mut rng = rand::rng();
    let key = StorageKey::generate(&mut rng);
    let alice = DeviceIdentity::generate(&mut rng);
    let bob = DeviceIdentity::generate(&mut rng);
    let mut bob_prekeys = PreKeyStore::new(&bob, 0, &mut rng);
    let otk = bob_prekeys.generate_one_time_prekeys(3, &mut rng).unwrap();
    let bundle = PreKeyBundle::from_bytes(&bob_prekeys.bundle(&bob, Some(otk[0].id())).to_bytes()).unwrap();
    let mut alice_to_bob = PeerSessions::new(bundle.identity());
    alice_to_bob.initiate(&alice, &bundle, 0, &mut rng).unwrap();
    let wire = alice_to_bob.encrypt(b"first", &mut rng).unwrap();
    let (mut group, _plan) = GroupSession::create(b"class-7b", &alice, &[bob.public()], false, &mut rng).unwrap();
    group.encrypt(b"homework").unwrap();
    let held = CredWorld::new().held(7);
    let ca = SigningKey::generate(&mut rng);

    let sealed = Sealed {
        identity: bob.seal(&key, &mut rng),
        prekeys: bob_prekeys.seal(&key, &mut rng),
        sessions: alice_to_bob.seal(&key, &mut rng),
        group: group.seal(&key, &mut rng),
        held: held.seal(&key, &mut rng),
        signing_key: ca.seal(&key, &mut rng),
    };

    // The identity first, then the prekeys it signed.
    let bob2 = DeviceIdentity::unseal(&key, &sealed.identity, &()).unwrap();
    assert_eq!(bob2.public(), bob.public());
    let mut bob_prekeys2 = PreKeyStore::unseal(&key, &sealed.prekeys, &bob2.public()).unwrap();
    assert_eq!(bob_prekeys2.to_bytes().as_slice(), bob_prekeys.to_bytes().as_slice());
    // The restored prekeys still answer Alice's first message.
    let mut bob_to_alice = PeerSessions::new(alice.public());
    assert_eq!(bob_to_alice.decrypt(&bob2, &mut bob_prekeys2, &wire, 0).unwrap().plaintext(), b"first");

    let mut alice_to_bob2 = PeerSessions::unseal(&key, &sealed.sessions, &SessionLimits::default()).unwrap();
    assert_eq!(alice_to_bob2.to_bytes().as_slice(), alice_to_bob.to_bytes().as_slice());
    let next = alice_to_bob2.encrypt(b"second", &mut rng).unwrap();
    assert_eq!(bob_to_alice.decrypt(&bob2, &mut bob_prekeys2, &next, 0).unwrap().plaintext(), b"second");

    let group2 = GroupSession::unseal(&key, &sealed.group, &GroupLimits::default()).unwrap();
    assert_eq!(group2.to_bytes().as_slice(), group.to_bytes().as_slice());
    assert_eq!(group2.group_id(), b"class-7b");
    assert_eq!(group2.own_chain(), group.own_chain());

    let held2 = HeldCredential::unseal(&key, &sealed.held, &()).unwrap();
    assert_eq!(held2.to_bytes().as_slice(), held.to_bytes().as_slice());

    let ca2 = SigningKey::unseal(&key, &sealed.signing_key, &()).unwrap();
    assert_eq!(ca2.verifying_key(), ca.verifying_key());

    // The typed path writes what the untyped one reads, under the type's format.
    let opened = storage::unseal(&key, format::STATE_SIGNING_KEY, &sealed.signing_key).unwrap();
    assert_eq!(opened.as_slice(), ca.to_bytes().as_slice());
    assert_eq!(<SigningKey as Sealable>::FORMAT, format::STATE_SIGNING_KEY);

    // Wrong context: another identity's prekeys do not verify under Bob's key.
    assert!(matches!(
        PreKeyStore::unseal(&key, &sealed.prekeys, &alice.public()),
        Err(StorageError::Decode(DecodeError::Invalid(_)))
    ));
    // The limits passed are the limits the loaded sessions enforce.
    let mut tight = SessionLimits::default();
    tight.max_plaintext_len = 4;
    let mut limited = PeerSessions::unseal(&key, &sealed.sessions, &tight).unwrap();
    assert!(matches!(
        limited.encrypt(b"too long", &mut rng),
        Err(vestnik::SessionError::PlaintextTooLarge { len: 8, max: 4 })
    ));

    cross_type_blobs_are_refused(&key, &sealed, &bob.public());
}

/// Each blob, opened as each other type, fails as `WrongContent` naming both.
fn cross_type_blobs_are_refused(key: &StorageKey, s: &Sealed, owner: &vestnik::IdentityPublic) {
    let blobs: [(&[u8], u32); 6] = [
        (&s.identity, format::STATE_IDENTITY),
        (&s.prekeys, format::STATE_PREKEYS),
        (&s.sessions, format::STATE_SESSIONS),
        (&s.group, format::STATE_GROUP),
        (&s.held, format::STATE_HELD_CREDENTIAL),
        (&s.signing_key, format::STATE_SIGNING_KEY),
    ];
    let mut refusals = 0;
    for (blob, found) in blobs {
        let attempts: [(u32, Result<(), StorageError>); 6] = [
            (format::STATE_IDENTITY, DeviceIdentity::unseal(key, blob, &()).map(drop)),
            (format::STATE_PREKEYS, PreKeyStore::unseal(key, blob, owner).map(drop)),
            (format::STATE_SESSIONS, PeerSessions::unseal(key, blob, &SessionLimits::default()).map(drop)),
            (format::STATE_GROUP, GroupSession::unseal(key, blob, &GroupLimits::default()).map(drop)),
            (format::STATE_HELD_CREDENTIAL, HeldCredential::unseal(key, blob, &()).map(drop)),
            (format::STATE_SIGNING_KEY, SigningKey::unseal(key, blob, &()).map(drop)),
        ];
        for (expected, r) in attempts {
            if expected == found {
                assert_eq!(r, Ok(()), "{found:#06x} opens as itself");
                continue;
            }
            let e = r.unwrap_err();
            assert_eq!(e, StorageError::WrongContent { found, expected });
            let text = e.to_string();
            assert!(text.contains(&format!("{found:#06x}")) && text.contains(&format!("{expected:#06x}")), "{text}");
            refusals += 1;
        }
    }
    assert_eq!(refusals, 30);
    let msg =
        StorageError::WrongContent { found: format::STATE_SESSIONS, expected: format::STATE_IDENTITY }.to_string();
    assert_eq!(msg, "sealed state holds format 0x1201 (PeerSessionsState), expected 0x1001 (IdentityState)");
}

#[test]
fn authentic_blob_with_bad_content_is_a_typed_error() {
    let mut rng = rand::rng();
    let key = StorageKey::generate(&mut rng);
    // The untyped layer can seal anything under any format; the typed loader
    // still refuses what does not decode, with the type's own error.
    let junk_identity = storage::seal(&key, format::STATE_IDENTITY, &[0x08, 0x81, 0x20], &mut rng);
    assert!(matches!(
        DeviceIdentity::unseal(&key, &junk_identity, &()),
        Err(StorageError::Decode(DecodeError::WrongLength { field: "signing_seed", len: 0, expected: 32 }))
    ));
    // format 0x5702: a later version of the held-credential state.
    let junk_held = storage::seal(&key, format::STATE_HELD_CREDENTIAL, &[0x08, 0x82, 0xae, 0x01], &mut rng);
    assert!(matches!(
        HeldCredential::unseal(&key, &junk_held, &()),
        Err(StorageError::Credential(CredentialError::Decode(DecodeError::UnsupportedVersion {
            found: 0x5702,
            expected: format::STATE_HELD_CREDENTIAL
        })))
    ));
    let junk_key = storage::seal(&key, format::STATE_SIGNING_KEY, &[0x08, 0x81, 0x28], &mut rng);
    assert!(matches!(
        SigningKey::unseal(&key, &junk_key, &()),
        Err(StorageError::Decode(DecodeError::WrongLength { field: "seed", len: 0, expected: 32 }))
    ));
    // Under another key nothing opens.
    let ca = SigningKey::generate(&mut rng);
    let blob = ca.seal(&key, &mut rng);
    let other = StorageKey::generate(&mut rng);
    assert_eq!(SigningKey::unseal(&other, &blob, &()).map(|k| k.verifying_key()), Err(StorageError::Authentication));
}
