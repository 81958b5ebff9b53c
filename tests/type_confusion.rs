//! Every decoder answers `WrongType` for every other type's object and
//! `UnsupportedVersion` for a later version of its own (SPEC.md §4.1, §4.2;
//! ASSURANCE rows 12 and 23): the format field is checked before anything
//! else is decoded, messages and stored state alike. One test over all
//! pairs: the samples are the frozen vectors plus the few types that only
//! travel inside other objects or inside a 1:1 session.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use vestnik::call::{Call, CallId, CipherSuite};
use vestnik::credential::{
    Credential, Disclosure, HeldCredential, IssuedCredential, Presentation, PresentationRequest,
};
use vestnik::document::{Certificate, DocumentLimits, Envelope, StatusList, TimestampToken, TrustAnchor};
use vestnik::group::GroupSession;
use vestnik::limits::CallLimits;
use vestnik::wire::{DecodeError, format};
use vestnik::{ContentType, DeviceIdentity, PeerSessions, PreKeyBundle, PreKeyStore, Received, storage};

fn vector(dir: &str, name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/vectors/{dir}/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Reads field 1 (`format`) of a top-level object.
fn format_of(bytes: &[u8]) -> u32 {
    assert_eq!(bytes[0], 0x08, "format is the first field");
    let mut v = 0u32;
    for (i, b) in bytes[1..].iter().enumerate() {
        v |= u32::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return v;
        }
    }
    panic!("unterminated varint")
}

/// The same object with its format replaced by `f` (the rest unchanged).
fn with_format(bytes: &[u8], f: u32) -> Vec<u8> {
    let mut rest = &bytes[1..];
    while rest[0] & 0x80 != 0 {
        rest = &rest[1..];
    }
    rest = &rest[1..];
    let mut out = vec![0x08];
    let mut v = f;
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out.extend_from_slice(rest);
    out
}

/// A 1:1 session pair that turns any bytes into a `Received` of a content
/// type, as the decoders of session payloads take them.
struct Carrier {
    alice: DeviceIdentity,
    bob: DeviceIdentity,
    bob_pre: PreKeyStore,
    to_bob: PeerSessions,
    at_bob: PeerSessions,
}

impl Carrier {
    fn new() -> Self {
        let mut rng = rand::rng();
        let alice = DeviceIdentity::generate(&mut rng);
        let bob = DeviceIdentity::generate(&mut rng);
        let bob_pre = PreKeyStore::new(&bob, 0, &mut rng);
        let mut to_bob = PeerSessions::new(bob.public());
        to_bob.initiate(&alice, &bob_pre.bundle(&bob, None), 0, &mut rng).unwrap();
        let at_bob = PeerSessions::new(alice.public());
        Self { alice, bob, bob_pre, to_bob, at_bob }
    }

    fn carry(&mut self, ty: ContentType, body: &[u8]) -> Received {
        let m = self.to_bob.encrypt_typed(ty, body, &mut rand::rng()).unwrap();
        self.at_bob.decrypt(&self.bob, &mut self.bob_pre, &m, 0).unwrap()
    }
}

type Decoder<'a> = Box<dyn Fn(&[u8]) -> Option<DecodeError> + 'a>;

/// Runs a decoder and returns its decode error, if it failed with one.
macro_rules! decode_err {
    ($r:expr, $($p:path)|+) => {
        match $r {
            $(Err($p(e)) => Some(e),)+
            Err(e) => panic!("not a decode error: {e:?}"),
            Ok(_) => None,
        }
    };
}

#[test]
fn every_decoder_refuses_every_other_type_and_later_versions() {
    let mut rng = rand::rng();
    let alice = DeviceIdentity::from_bytes(&vector("session", "alice_identity.bin")).unwrap();
    let bob = DeviceIdentity::from_bytes(&vector("session", "bob_identity.bin")).unwrap();
    let bob_public = bob.public();
    let env = Envelope::from_bytes(&vector("document", "envelope.bin"), &DocumentLimits::default()).unwrap();
    let issued = IssuedCredential::from_bytes(&vector("credential", "issued.bin")).unwrap();
    let (_group, plan) = GroupSession::create(b"class-7b", &alice, &[bob.public()], false, &mut rng).unwrap();
    let (_, deliveries) = Call::start(
        CallId::from_bytes([9; 16]),
        CipherSuite::default(),
        0,
        alice.public(),
        &[(1, bob.public())],
        CallLimits::default(),
        &mut rng,
    )
    .unwrap();
    let key = storage::StorageKey::from_bytes([7; 32]);
    let mut samples: Vec<Vec<u8>> = vec![
        vector("session", "bob_bundle.bin"),
        vector("session", "m0_prekey.bin"),
        vector("session", "r0.bin"),
        vector("session", "alice_identity.bin"),
        vector("session", "bob_prekeys.bin"),
        // Post-quantum (issue 16): the version-2 bundle, prekey message and
        // prekey store beside the version-1 ones.
        vector("session", "v2/bob_bundle.bin"),
        vector("session", "v2/m0_prekey.bin"),
        vector("session", "v2/bob_prekeys.bin"),
        vector("session", "alice_sessions.bin"),
        vector("session", "bob_sessions_after_m0.sealed"),
        vector("group", "v2/g0.bin"),
        plan.distribution().to_vec(),
        vector("group", "v2/teacher_group_after_g2.bin"),
        vector("group", "v2/roster_log.bin"),
        deliveries[0].body().to_vec(),
        vector("document", "ca.cert"),
        vector("credential", "status_v2.bin"),
        env.signers().iter().flat_map(|s| s.timestamps()).next().unwrap().to_bytes().to_vec(),
        vector("document", "v2/envelope.bin"),
        vector("document", "anchor.bin"),
        issued.credential().to_bytes().to_vec(),
        issued.disclosures()[0].to_bytes().to_vec(),
        vector("credential", "request.bin"),
        vector("credential", "presentation.bin"),
        vector("credential", "issued.bin"),
        vector("credential", "held.bin"),
        vestnik::crypto::sig::SigningKey::generate(&mut rng).to_bytes().to_vec(),
        // Accounts (SPEC §16).
        vector("account", "device_list_v2.bin"),
        vector("account", "linking_code.bin"),
        vector("account", "provisioning.bin"),
        vector("account", "tracker.bin"),
        vector("account", "pending_link.bin"),
        vestnik::account::DeviceSessions::new(
            vestnik::account::AccountPublic::from_bytes(&vector("account", "peer_account.bin")).unwrap(),
        )
        .to_bytes()
        .to_vec(),
        // MLS (SPEC §15.6, §15.8).
        vector("mls", "bob_key_package.bin"),
        vector("mls", "commit_add_bob.bin"),
        vector("mls", "welcome_bob.bin"),
        vector("mls", "tree_epoch1.bin"),
        vector("mls", "group_info_epoch1.bin"),
        vector("mls", "bob_group_epoch1.bin"),
        vector("mls", "bob_key_packages.bin"),
    ];
    let carrier = std::cell::RefCell::new(Carrier::new());
    let limits = DocumentLimits::default();
    let mls = vestnik::mls::MlsLimits::default();
    let mut decoders: Vec<(u32, Decoder<'_>)> = vec![
        (
            format::PREKEY_BUNDLE,
            Box::new(|b| decode_err!(PreKeyBundle::from_bytes(b), vestnik::prekey::BundleError::Decode)),
        ),
        (format::PREKEY_MESSAGE, Box::new(|b| decode_err!(PeerSessions::inspect(b), vestnik::SessionError::Decode))),
        (format::STATE_IDENTITY, Box::new(|b| DeviceIdentity::from_bytes(b).err())),
        (format::STATE_PREKEYS, Box::new(move |b| PreKeyStore::from_bytes(b, &bob_public).err())),
        (format::STATE_SESSIONS, Box::new(|b| PeerSessions::from_bytes(b).err())),
        (
            format::STATE_SEALED,
            Box::new(move |b| {
                decode_err!(storage::unseal(&key, format::STATE_SESSIONS, b), storage::StorageError::Decode)
            }),
        ),
        (
            format::GROUP_MESSAGE,
            Box::new(|b| {
                let (mut g, _) = GroupSession::create(
                    b"g",
                    &DeviceIdentity::generate(&mut rand::rng()),
                    &[],
                    false,
                    &mut rand::rng(),
                )
                .unwrap();
                decode_err!(g.decrypt(b, 0), vestnik::group::GroupError::Decode)
            }),
        ),
        (
            format::SENDER_KEY_DISTRIBUTION,
            Box::new(|b| {
                let mut c = carrier.borrow_mut();
                let r = c.carry(ContentType::SenderKeyDistribution, b);
                let me = DeviceIdentity::generate(&mut rand::rng());
                let (mut g, _) = GroupSession::create(b"g", &me, &[c.alice.public()], false, &mut rand::rng()).unwrap();
                decode_err!(g.process_distribution(&r), vestnik::group::GroupError::Decode)
            }),
        ),
        (
            format::SENDER_KEY_DISTRIBUTION,
            Box::new(|b| {
                let r = carrier.borrow_mut().carry(ContentType::SenderKeyDistribution, b);
                decode_err!(vestnik::group::DistributionInfo::peek(&r), vestnik::group::GroupError::Decode)
            }),
        ),
        (format::STATE_GROUP, Box::new(|b| GroupSession::from_bytes(b).err())),
        (
            format::ROSTER_UPDATE,
            Box::new(|b| {
                let r = carrier.borrow_mut().carry(ContentType::SenderKeyDistribution, b);
                let me = DeviceIdentity::generate(&mut rand::rng());
                decode_err!(GroupSession::join(&me, &r, false, &mut rand::rng()), vestnik::group::GroupError::Decode)
            }),
        ),
        (format::STATE_SIGNING_KEY, Box::new(|b| vestnik::crypto::sig::SigningKey::from_bytes(b).err())),
        (
            format::CALL_KEY,
            Box::new(|b| {
                let mut c = carrier.borrow_mut();
                let r = c.carry(ContentType::CallKey, b);
                let (alice, bob) = (c.alice.public(), c.bob.public());
                let (mut call, _) = Call::start(
                    CallId::from_bytes([9; 16]),
                    CipherSuite::default(),
                    1,
                    bob,
                    &[(0, alice)],
                    CallLimits::default(),
                    &mut rand::rng(),
                )
                .unwrap();
                decode_err!(call.receive_key(&r, 0), vestnik::call::CallError::Decode)
            }),
        ),
        (
            format::CERTIFICATE,
            Box::new(|b| decode_err!(Certificate::from_bytes(b), vestnik::document::CertError::Decode)),
        ),
        (
            format::STATUS_LIST,
            Box::new(move |b| decode_err!(StatusList::from_bytes(b, &limits), vestnik::document::StatusError::Decode)),
        ),
        (
            format::TIMESTAMP_TOKEN,
            Box::new(|b| decode_err!(TimestampToken::from_bytes(b), vestnik::document::TimestampError::Decode)),
        ),
        (
            format::ENVELOPE,
            Box::new(move |b| decode_err!(Envelope::from_bytes(b, &limits), vestnik::document::EnvelopeError::Decode)),
        ),
        (format::TRUST_ANCHOR, Box::new(|b| TrustAnchor::from_bytes(b).err())),
        (
            format::CREDENTIAL,
            Box::new(|b| decode_err!(Credential::from_bytes(b), vestnik::credential::CredentialError::Decode)),
        ),
        (
            format::DISCLOSURE,
            Box::new(|b| decode_err!(Disclosure::from_bytes(b), vestnik::credential::CredentialError::Decode)),
        ),
        (
            format::PRESENTATION_REQUEST,
            Box::new(|b| decode_err!(PresentationRequest::from_bytes(b), vestnik::credential::CredentialError::Decode)),
        ),
        (
            format::PRESENTATION,
            Box::new(|b| decode_err!(Presentation::from_bytes(b), vestnik::credential::CredentialError::Decode)),
        ),
        (
            format::ISSUED_CREDENTIAL,
            Box::new(|b| decode_err!(IssuedCredential::from_bytes(b), vestnik::credential::CredentialError::Decode)),
        ),
        (
            format::STATE_HELD_CREDENTIAL,
            Box::new(|b| decode_err!(HeldCredential::from_bytes(b), vestnik::credential::CredentialError::Decode)),
        ),
        // Accounts (SPEC §16).
        (
            format::DEVICE_LIST,
            Box::new(|b| {
                decode_err!(
                    vestnik::account::DeviceList::from_bytes(b, &Default::default()),
                    vestnik::account::AccountError::Decode
                )
            }),
        ),
        (
            format::LINKING_CODE,
            Box::new(|b| {
                decode_err!(vestnik::account::LinkingCode::from_bytes(b), vestnik::account::AccountError::Decode)
            }),
        ),
        (
            format::PROVISIONING_MESSAGE,
            Box::new(|b| {
                decode_err!(
                    vestnik::account::ProvisioningHeader::read(b, &Default::default()),
                    vestnik::account::AccountError::Decode
                )
            }),
        ),
        (
            format::STATE_DEVICE_LIST_TRACKER,
            Box::new(|b| {
                decode_err!(
                    vestnik::account::DeviceListTracker::from_bytes(b, &Default::default()),
                    vestnik::account::AccountError::Decode
                )
            }),
        ),
        (format::STATE_PENDING_LINK, Box::new(|b| vestnik::account::PendingLink::from_bytes(b).err())),
        (format::STATE_DEVICE_SESSIONS, Box::new(|b| vestnik::account::DeviceSessions::from_bytes(b).err())),
        (format::STATE_ACCOUNT_KEY, Box::new(|b| vestnik::account::load_account_key_state(b).err())),
    ];
    decoders.extend([
        (
            format::MLS_KEY_PACKAGE,
            Box::new(move |b: &[u8]| vestnik::mls::MlsKeyPackageEnvelope::from_bytes(b, &mls).err()) as Decoder<'_>,
        ),
        (format::MLS_MESSAGE, Box::new(move |b: &[u8]| vestnik::mls::MlsMessageEnvelope::from_bytes(b, &mls).err())),
        (format::MLS_WELCOME, Box::new(move |b: &[u8]| vestnik::mls::MlsWelcomeEnvelope::from_bytes(b, &mls).err())),
        (
            format::MLS_RATCHET_TREE,
            Box::new(move |b: &[u8]| vestnik::mls::MlsRatchetTreeEnvelope::from_bytes(b, &mls).err()),
        ),
        (
            format::MLS_GROUP_INFO,
            Box::new(move |b: &[u8]| vestnik::mls::MlsGroupInfoEnvelope::from_bytes(b, &mls).err()),
        ),
    ]);
    #[cfg(feature = "mls")]
    decoders.extend([
        (
            format::STATE_MLS_GROUP,
            Box::new(|b: &[u8]| {
                let c = vestnik::mls::MlsConfig::new(vestnik::mls::TrustedIdentities::any_valid_identity());
                vestnik::mls::MlsGroup::from_bytes(b, c).err()
            }) as Decoder<'_>,
        ),
        (
            format::STATE_MLS_KEY_PACKAGES,
            Box::new(move |b: &[u8]| vestnik::mls::MlsKeyPackageStore::from_bytes(b, mls).err()),
        ),
        (
            format::MLS_MESSAGE,
            Box::new(|b: &[u8]| {
                let c = vestnik::mls::MlsConfig::new(vestnik::mls::TrustedIdentities::any_valid_identity());
                let me = DeviceIdentity::generate(&mut rand::rng());
                let mut g = vestnik::mls::MlsGroup::create(
                    &me,
                    vestnik::mls::MlsSuite::default(),
                    b"g",
                    c,
                    0,
                    &mut rand::rng(),
                )
                .unwrap();
                decode_err!(g.process(b, 0), vestnik::mls::MlsError::Decode)
            }),
        ),
    ]);
    // The MLS delivery-service observer state (SPEC §15.12).
    #[cfg(feature = "mls")]
    {
        use vestnik::mls::{MlsError, MlsLimits, MlsObserver, ObserverError, TrustedIdentities};
        samples.push(vector("mls_observer", "observer-v1.bin"));
        decoders.push((
            format::STATE_MLS_OBSERVER,
            Box::new(|b| {
                match MlsObserver::from_bytes(b, TrustedIdentities::any_valid_identity(), &MlsLimits::default()) {
                    Err(ObserverError::Mls(MlsError::Decode(e))) => Some(e),
                    Err(e) => panic!("not a decode error: {e:?}"),
                    Ok(_) => None,
                }
            }),
        ));
    }
    // Uploads (issue 17, SPEC §17): the three formats and the 0x1103 store,
    // each per-format validator and the dispatching `validate` (which
    // answers `NotAnUpload` for what is no upload, so only its own types
    // are checked through it, in tests/upload.rs).
    {
        use vestnik::upload::{KemPreKeyBatch, OneTimePreKeyBatch, SignedPreKeyUpload, UploadError, UploadLimits};
        samples.extend([
            vector("upload", "signed_prekey_upload.bin"),
            vector("upload", "one_time_batch.bin"),
            vector("upload", "kem_batch.bin"),
            vector("upload", "bob_prekeys.bin"),
        ]);
        let up = DeviceIdentity::from_bytes(&vector("upload", "bob_identity.bin")).unwrap().public();
        let t = 1_764_000_000;
        decoders.extend([
            (
                format::SIGNED_PREKEY_UPLOAD,
                Box::new(move |b: &[u8]| {
                    decode_err!(SignedPreKeyUpload::validate(b, &up, t, &UploadLimits::default()), UploadError::Decode)
                }) as Decoder<'_>,
            ),
            (
                format::ONE_TIME_PREKEY_BATCH,
                Box::new(move |b: &[u8]| {
                    decode_err!(OneTimePreKeyBatch::validate(b, &up, t, &UploadLimits::default()), UploadError::Decode)
                }),
            ),
            (
                format::KEM_PREKEY_BATCH,
                Box::new(move |b: &[u8]| {
                    decode_err!(KemPreKeyBatch::validate(b, &up, t, &UploadLimits::default()), UploadError::Decode)
                }),
            ),
        ]);
    }
    // Channels and advertising (SPEC §18).
    {
        use vestnik::channel::{Ad, Catalogue, ChannelError, ChannelLimits, Feed, Post, Tombstone};
        fn channel_err<T>(r: Result<T, ChannelError>) -> Option<DecodeError> {
            match r {
                Err(ChannelError::Decode(e)) => Some(e),
                Err(e) => panic!("not a decode error: {e:?}"),
                Ok(_) => None,
            }
        }
        for name in ["post.bin", "tombstone.bin", "ad.bin", "catalogue.bin", "feed.bin"] {
            samples.push(vector("channel", name));
        }
        decoders.extend([
            (format::CHANNEL_POST, Box::new(|b: &[u8]| channel_err(Post::from_bytes(b))) as Decoder<'_>),
            (format::CHANNEL_TOMBSTONE, Box::new(|b: &[u8]| channel_err(Tombstone::from_bytes(b)))),
            (format::CHANNEL_AD, Box::new(|b: &[u8]| channel_err(Ad::from_bytes(b)))),
            (format::CHANNEL_CATALOGUE, Box::new(|b: &[u8]| channel_err(Catalogue::from_bytes(b)))),
            (
                format::STATE_CHANNEL_FEED,
                Box::new(|b: &[u8]| channel_err(Feed::from_bytes(b, ChannelLimits::default()))),
            ),
        ]);
    }
    // Every top-level format of SPEC §4.2 has a sample, except the signed
    // parts that only exist inside their outer object.
    let inner_only = [
        format::ROSTER_ENTRY, // only inside a RosterUpdate or a GroupState
        format::CERTIFICATE_TBS,
        format::STATUS_LIST_TBS,
        format::TIMESTAMP_TBS,
        format::SIGNED_ATTRIBUTES,
        format::CREDENTIAL_TBS,
        format::PRESENTATION_TBS,
        format::DEVICE_LIST_TBS,      // only inside a DeviceList
        format::PROVISIONING_PAYLOAD, // only inside a provisioning message's AEAD
        format::STATE_ACCOUNT_KEY,    // exported only sealed
        format::MLS_LEAF_CREDENTIAL,  // only inside an MLS KeyPackage or leaf
        // Channels (SPEC §18): the signed parts, only inside their objects.
        format::CHANNEL_POST_TBS,
        format::CHANNEL_TOMBSTONE_TBS,
        format::CHANNEL_AD_TBS,
        format::CHANNEL_CATALOGUE_TBS,
    ];
    let sample_formats: Vec<u32> = samples.iter().map(|s| format_of(s)).collect();
    for (f, name) in format::ALL {
        assert!(sample_formats.contains(f) || inner_only.contains(f), "no sample of {name}");
    }
    let mut pairs = 0;
    for (expected, decode) in &decoders {
        // The ratchet message shares the 1:1 decoder with the prekey message.
        let own: &[u32] = if *expected == format::PREKEY_MESSAGE {
            &[format::PREKEY_MESSAGE, format::RATCHET_MESSAGE]
        } else {
            std::slice::from_ref(expected)
        };
        for sample in &samples {
            let found = format_of(sample);
            if own.contains(&found) || found >> 8 == expected >> 8 {
                // Its own type at the version after the newest the decoder
                // reads (an older version's sample, v1 of a type now at v2,
                // is refused at the same next version).
                let newest = if found >> 8 == expected >> 8 { *expected } else { found };
                let later = with_format(sample, newest + 1);
                assert_eq!(
                    decode(&later),
                    Some(DecodeError::UnsupportedVersion { found: newest + 1, expected: newest }),
                    "{found:#06x} at {:#06x}",
                    newest + 1
                );
                continue;
            }
            let want = if *expected == format::PREKEY_MESSAGE { format::RATCHET_MESSAGE } else { *expected };
            assert_eq!(
                decode(sample),
                Some(DecodeError::WrongType { found, expected: want }),
                "{found:#06x} into the {expected:#06x} decoder"
            );
            pairs += 1;
        }
    }
    assert!(pairs > 400, "{pairs}");
}
