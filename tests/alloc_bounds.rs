//! ASSURANCE row 23: every state loader and every decoder with repeated
//! fields, fed a blob at its size cap made of empty repeated entries, or a
//! foreign object, allocates at most a small constant times the input and
//! answers with the cap error (SPEC.md §4.1: format, size, nested counts
//! and minimum entry sizes are all checked before prost allocates).
//!
//! A counting global allocator measures every byte allocated during each
//! call. Everything runs in one `#[test]` so no other test allocates
//! concurrently in this binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::alloc::System;
use vestnik::credential::{CredentialError, HeldCredential, IssuedCredential, Presentation, limits as cl};
use vestnik::document::{DocumentLimits, Envelope, EnvelopeError, StatusError, StatusList};
use vestnik::group::GroupSession;
use vestnik::limits::{GROUP_MAX_STATE_LEN, MAX_STATE_LEN};
use vestnik::prekey::MAX_PREKEY_STATE_LEN;
use vestnik::wire::{DecodeError, format};
use vestnik::{DeviceIdentity, PeerSessions, PreKeyStore};

#[global_allocator]
static ALLOC: cap::Cap<System> = cap::Cap::new(System, usize::MAX);

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// `format` then `entry` (a whole field: key, length, value) repeated until
/// the blob is `len` bytes long (padded with one last filler field).
fn flood(format: u32, entry: &[u8], len: usize) -> Vec<u8> {
    let mut b = vec![0x08];
    varint(u64::from(format), &mut b);
    while b.len() + entry.len() <= len {
        b.extend_from_slice(entry);
    }
    b
}

/// A length-delimited field `tag` holding `value`.
fn field(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    varint(u64::from(tag << 3 | 2), &mut f);
    varint(value.len() as u64, &mut f);
    f.extend_from_slice(value);
    f
}

/// Bytes allocated while `f` runs, and its result.
fn measured<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOC.total_allocated();
    let r = f();
    (ALLOC.total_allocated() - before, r)
}

struct Case {
    what: &'static str,
    input_len: usize,
    allocated: usize,
}

#[test]
fn loaders_allocate_a_small_constant_times_their_input() {
    let identity = DeviceIdentity::generate(&mut rand::rng()).public();
    let mut cases = Vec::new();
    let mut check = |what: &'static str, blob: &[u8], run: &dyn Fn(&[u8]) -> Option<DecodeError>, want: DecodeError| {
        let (allocated, got) = measured(|| run(blob));
        assert_eq!(got, Some(want), "{what}");
        cases.push(Case { what, input_len: blob.len(), allocated });
    };
    let sessions = |b: &[u8]| PeerSessions::from_bytes(b).err();
    let group = |b: &[u8]| GroupSession::from_bytes(b).err();
    let prekeys = |b: &[u8]| PreKeyStore::from_bytes(b, &identity).err();
    let envelope = |b: &[u8]| match Envelope::from_bytes(b, &DocumentLimits::default()) {
        Err(EnvelopeError::Decode(e)) => Some(e),
        other => panic!("{other:?}"),
    };
    let credential_err = |r: Result<(), CredentialError>| match r {
        Err(CredentialError::Decode(e)) => Some(e),
        other => panic!("{other:?}"),
    };
    let presentation = |b: &[u8]| credential_err(Presentation::from_bytes(b).map(|_| ()));
    let issued = |b: &[u8]| credential_err(IssuedCredential::from_bytes(b).map(|_| ()));
    let held = |b: &[u8]| credential_err(HeldCredential::from_bytes(b).map(|_| ()));

    // The MLS observer state (SPEC §15.12) at its size cap, full of empty
    // remembered commits, then of empty proposal digests: the count and
    // length caps answer before prost allocates.
    #[cfg(feature = "mls")]
    {
        use vestnik::mls::{MlsError, MlsLimits, MlsObserver, ObserverError, TrustedIdentities};
        let limits = MlsLimits::with_max_members(100);
        let observer = |b: &[u8]| match MlsObserver::from_bytes(b, TrustedIdentities::any_valid_identity(), &limits) {
            Err(ObserverError::Mls(MlsError::Decode(e))) => Some(e),
            other => panic!("{other:?}"),
        };
        let max = MlsObserver::max_state_len(&limits);
        let blob = flood(format::STATE_MLS_OBSERVER, &[0x1a, 0x00], max);
        check("mls observer: empty commits at the cap", &blob, &observer, DecodeError::Invalid("commits"));
        let blob = flood(format::STATE_MLS_OBSERVER, &[0x22, 0x00], max);
        check("mls observer: empty proposals at the cap", &blob, &observer, DecodeError::Invalid("proposals"));
        let mut over = blob.clone();
        over.resize(max + 1, 0);
        check("mls observer: one byte over the cap", &over, &observer, DecodeError::TooLarge { len: max + 1, max });
    }
    // The issue's blob: `08 81 24` then `1a 00` to the size cap. Each empty
    // session is shorter than any valid one, so the first is refused.
    let blob = flood(format::STATE_SESSIONS, &[0x1a, 0x00], MAX_STATE_LEN);
    check("sessions: empty sessions at 64 MiB", &blob, &sessions, DecodeError::Invalid("sessions"));
    // Sessions long enough to pass the size check: the count cap (41) stops them.
    let blob = flood(format::STATE_SESSIONS, &field(3, &[0u8; 300]), MAX_STATE_LEN);
    check(
        "sessions: 300-byte sessions at 64 MiB",
        &blob,
        &sessions,
        DecodeError::TooMany { field: "sessions", count: 42, max: 41 },
    );
    // One session full of empty receiving chains, then of empty skipped keys.
    let mut inner = vec![0u8; 300];
    inner.extend(std::iter::repeat_n([0x62, 0x00], 200_000).flatten());
    let blob = flood(format::STATE_SESSIONS, &field(3, &inner), 1 << 20);
    check("sessions: empty chains", &blob, &sessions, DecodeError::Invalid("receiving"));
    let mut chain = vec![0u8; 34];
    chain.extend(std::iter::repeat_n([0x22, 0x00], 200_000).flatten());
    let mut inner = vec![0u8; 300];
    inner.extend(field(12, &chain));
    let blob = flood(format::STATE_SESSIONS, &field(3, &inner), 1 << 20);
    check("sessions: empty skipped keys", &blob, &sessions, DecodeError::Invalid("skipped"));
    let mut chain = vec![0u8; 34];
    chain.extend(std::iter::repeat_n(field(4, &[0u8; 34]), 2_001).flatten());
    let mut inner = vec![0u8; 300];
    inner.extend(field(12, &chain));
    let blob = flood(format::STATE_SESSIONS, &field(3, &inner), 1 << 20);
    check(
        "sessions: skipped keys past the cap",
        &blob,
        &sessions,
        DecodeError::TooMany { field: "skipped", count: 2_001, max: 2_000 },
    );
    // A foreign object (a credential-shaped blob of 160 KB).
    let blob = flood(format::PRESENTATION, &[0x1a, 0x00], 160 * 1024);
    check(
        "sessions: a 160 KB presentation-shaped blob",
        &blob,
        &sessions,
        DecodeError::WrongType { found: format::PRESENTATION, expected: format::STATE_SESSIONS },
    );

    // Group state: members, their chains, the chains' skipped keys.
    let blob = flood(format::STATE_GROUP, &[0x2a, 0x00], GROUP_MAX_STATE_LEN);
    check("group: empty members at 256 MiB", &blob, &group, DecodeError::Invalid("members"));
    let blob = flood(format::STATE_GROUP, &field(5, &[0u8; 136]), GROUP_MAX_STATE_LEN);
    check(
        "group: 136-byte members at 256 MiB",
        &blob,
        &group,
        DecodeError::TooMany { field: "members", count: 10_001, max: 10_000 },
    );
    let mut chain = vec![0u8; 34];
    chain.extend(std::iter::repeat_n([0x2a, 0x00], 100_000).flatten());
    let mut member = vec![0u8; 136];
    member.extend(field(2, &chain));
    let blob = flood(format::STATE_GROUP, &field(5, &member), 1 << 20);
    check("group: empty skipped keys", &blob, &group, DecodeError::Invalid("skipped"));
    let blob = flood(format::SENDER_KEY_DISTRIBUTION, &[0x2a, 0x00], 1 << 20);
    check(
        "group: a distribution-shaped blob",
        &blob,
        &group,
        DecodeError::WrongType { found: format::SENDER_KEY_DISTRIBUTION, expected: format::STATE_GROUP },
    );

    // Prekey store: one-time prekeys and the replay memory.
    let blob = flood(format::STATE_PREKEYS, &[0x22, 0x00], MAX_PREKEY_STATE_LEN);
    check("prekeys: empty one-time prekeys", &blob, &prekeys, DecodeError::Invalid("one_time"));
    let blob = flood(format::STATE_PREKEYS, &field(4, &[0u8; 36]), MAX_PREKEY_STATE_LEN);
    check(
        "prekeys: one-time prekeys past the cap",
        &blob,
        &prekeys,
        DecodeError::TooMany { field: "one_time", count: 10_001, max: 10_000 },
    );
    let current: Vec<u8> = std::iter::repeat_n([0x32, 0x00], 500_000).flatten().collect();
    let blob = flood(format::STATE_PREKEYS, &field(2, &current), MAX_PREKEY_STATE_LEN);
    check("prekeys: empty remembered base keys", &blob, &prekeys, DecodeError::Invalid("accepted_base_keys"));
    // Version 2 (post-quantum, issue 16): one-time KEM prekeys, empty and
    // past their cap; the version-1 store keeps its caps.
    let blob = flood(format::STATE_PREKEYS, &[0x3a, 0x00], MAX_PREKEY_STATE_LEN);
    check("prekeys v2: empty one-time KEM prekeys", &blob, &prekeys, DecodeError::Invalid("kem_one_time"));
    let blob = flood(format::STATE_PREKEYS, &field(7, &[0u8; 132]), MAX_PREKEY_STATE_LEN);
    check(
        "prekeys v2: one-time KEM prekeys past the cap",
        &blob,
        &prekeys,
        DecodeError::TooMany { field: "kem_one_time", count: 501, max: 500 },
    );
    let blob = flood(format::STATE_PREKEYS_V1, &field(4, &[0u8; 36]), MAX_PREKEY_STATE_LEN);
    check(
        "prekeys v1: one-time prekeys past the cap",
        &blob,
        &prekeys,
        DecodeError::TooMany { field: "one_time", count: 10_001, max: 10_000 },
    );
    // A bundle (v2, 2 KiB cap) flooded with empty KEM prekey fields.
    let bundle = |b: &[u8]| match vestnik::PreKeyBundle::from_bytes(b) {
        Err(vestnik::prekey::BundleError::Decode(e)) => Some(e),
        other => panic!("{other:?}"),
    };
    let blob = flood(format::PREKEY_BUNDLE, &[0x2a, 0x00], vestnik::prekey::MAX_BUNDLE_LEN);
    check("bundle v2: repeated empty KEM prekeys", &blob, &bundle, DecodeError::NonCanonical);
    let blob = flood(format::STATE_SESSIONS, &[0x22, 0x00], MAX_PREKEY_STATE_LEN);
    check(
        "prekeys: a sessions-shaped blob",
        &blob,
        &prekeys,
        DecodeError::WrongType { found: format::STATE_SESSIONS, expected: format::STATE_PREKEYS },
    );

    // Uploads (issue 17, SPEC §17): one-time and KEM batches at their size
    // caps, full of empty entries, then of minimal entries past the count
    // cap; a signed prekey upload one byte over its cap.
    {
        use vestnik::upload::{UploadError, UploadLimits, validate};
        let l = UploadLimits::default();
        let upload = |b: &[u8]| match validate(b, &identity, 1_764_000_000, &UploadLimits::default()) {
            Err(UploadError::Decode(e)) => Some(e),
            other => panic!("{other:?}"),
        };
        let blob = flood(format::ONE_TIME_PREKEY_BATCH, &[0x22, 0x00], l.max_one_time_batch_len());
        check("upload: empty one-time prekeys", &blob, &upload, DecodeError::Invalid("keys"));
        let blob = flood(format::ONE_TIME_PREKEY_BATCH, &field(4, &[0u8; 34]), l.max_one_time_batch_len());
        check(
            "upload: one-time prekeys past the cap",
            &blob,
            &upload,
            DecodeError::TooMany { field: "keys", count: l.max_one_time_batch + 2, max: l.max_one_time_batch + 1 },
        );
        let blob = flood(format::KEM_PREKEY_BATCH, &[0x1a, 0x00], l.max_kem_batch_len());
        check("upload: empty KEM prekeys", &blob, &upload, DecodeError::Invalid("keys"));
        let mut blob = flood(format::SIGNED_PREKEY_UPLOAD, &[0x12, 0x00], 256);
        blob.resize(257, 0);
        check("upload: signed prekey over its cap", &blob, &upload, DecodeError::TooLarge { len: 257, max: 256 });
    }

    // Envelopes, presentations, issued and held credentials.
    let limits = DocumentLimits::default();
    let blob = flood(format::ENVELOPE, &[0x32, 0x00], limits.max_envelope_len);
    check(
        "envelope: empty signers",
        &blob,
        &envelope,
        DecodeError::TooMany { field: "signers", count: limits.max_signers + 1, max: limits.max_signers },
    );
    // A v2 status list whose `tbs` is full of empty (then minimal) entries:
    // refused by the scan inside the outer message, before it is decoded.
    let status = |b: &[u8]| match StatusList::from_bytes(b, &DocumentLimits::default()) {
        Err(StatusError::Decode(e)) => Some(e),
        other => panic!("{other:?}"),
    };
    let status_blob = |tbs: &[u8]| {
        let mut b = vec![0x08];
        varint(u64::from(format::STATUS_LIST), &mut b);
        [b, field(2, tbs), field(3, &[0u8; 64])].concat()
    };
    let blob = status_blob(&flood(format::STATUS_LIST_TBS, &[0x42, 0x00], 150_000));
    check("status list: empty entries", &blob, &status, DecodeError::Invalid("status_list.entries"));
    let entry = field(8, &[0x10, 0x01, 0x18, 0x01]);
    let blob = status_blob(&flood(format::STATUS_LIST_TBS, &entry, 150_000));
    let max = vestnik::document::limits::MAX_STATUS_ENTRIES;
    check(
        "status list: entries past the cap",
        &blob,
        &status,
        DecodeError::TooMany { field: "status_list.entries", count: max + 1, max },
    );
    let blob = flood(format::PRESENTATION, &[0x1a, 0x00], cl::MAX_PRESENTATION_LEN);
    check(
        "presentation: empty disclosures",
        &blob,
        &presentation,
        DecodeError::TooMany { field: "presentation.disclosures", count: cl::MAX_CLAIMS + 1, max: cl::MAX_CLAIMS },
    );
    let blob = flood(format::ISSUED_CREDENTIAL, &[0x1a, 0x00], cl::MAX_ISSUED_LEN);
    check(
        "issued: empty disclosures",
        &blob,
        &issued,
        DecodeError::TooMany { field: "issued.disclosures", count: cl::MAX_CLAIMS + 1, max: cl::MAX_CLAIMS },
    );
    let blob = flood(format::STATE_SESSIONS, &[0x1a, 0x00], cl::MAX_HELD_LEN);
    check(
        "held: a sessions-shaped blob",
        &blob,
        &held,
        DecodeError::WrongType { found: format::STATE_SESSIONS, expected: format::STATE_HELD_CREDENTIAL },
    );

    // Accounts: device lists (devices counted inside the signed bytes before
    // the outer list is decoded), trackers, pending links and device sessions.
    let alim = vestnik::account::AccountLimits::default();
    let account_err = |r: Result<(), vestnik::account::AccountError>| match r {
        Err(vestnik::account::AccountError::Decode(e)) => Some(e),
        other => panic!("{other:?}"),
    };
    let list = |b: &[u8]| account_err(vestnik::account::DeviceList::from_bytes(b, &alim).map(|_| ()));
    let tracker = |b: &[u8]| account_err(vestnik::account::DeviceListTracker::from_bytes(b, &alim).map(|_| ()));
    let list_blob = |tbs: &[u8]| {
        let mut b = vec![0x08];
        varint(u64::from(format::DEVICE_LIST), &mut b);
        [b, field(2, tbs)].concat()
    };
    let max = alim.max_device_list_len();
    let blob = list_blob(&flood(format::DEVICE_LIST_TBS, &[0x3a, 0x00], max - 8));
    check("device list: empty devices", &blob, &list, DecodeError::Invalid("devices"));
    let blob = list_blob(&flood(format::DEVICE_LIST_TBS, &field(7, &[0u8; 133]), max - 8));
    check(
        "device list: minimal devices past the cap",
        &blob,
        &list,
        DecodeError::TooMany { field: "devices", count: alim.max_devices + 1, max: alim.max_devices },
    );
    let mut tb = vec![0x08];
    varint(u64::from(format::STATE_DEVICE_LIST_TRACKER), &mut tb);
    let tblob = [tb, field(3, &list_blob(&flood(format::DEVICE_LIST_TBS, &[0x3a, 0x00], max - 16)))].concat();
    check("tracker: empty devices", &tblob, &tracker, DecodeError::Invalid("devices"));
    let blob = flood(format::DEVICE_LIST, &[0x1a, 0x00], max);
    check(
        "tracker: a list-shaped blob",
        &blob,
        &tracker,
        DecodeError::WrongType { found: format::DEVICE_LIST, expected: format::STATE_DEVICE_LIST_TRACKER },
    );
    let device_sessions = |b: &[u8]| vestnik::account::DeviceSessions::from_bytes(b).err();
    let blob = flood(format::STATE_DEVICE_SESSIONS, &[0x1a, 0x00], MAX_STATE_LEN);
    check("device sessions: empty entries at 64 MiB", &blob, &device_sessions, DecodeError::Invalid("entries"));
    let blob = flood(format::STATE_DEVICE_SESSIONS, &field(3, &[0u8; 40]), MAX_STATE_LEN);
    check(
        "device sessions: entries past the cap",
        &blob,
        &device_sessions,
        DecodeError::TooMany { field: "entries", count: alim.max_peer_devices + 1, max: alim.max_peer_devices },
    );
    let pending = |b: &[u8]| vestnik::account::PendingLink::from_bytes(b).err();
    let blob = flood(format::STATE_SESSIONS, &[0x1a, 0x00], 1 << 20);
    check(
        "pending link: a sessions-shaped blob",
        &blob,
        &pending,
        DecodeError::WrongType { found: format::STATE_SESSIONS, expected: format::STATE_PENDING_LINK },
    );
    // MLS states (SPEC §15.8): prior epochs and KeyPackage entries are
    // counted before decoding; a foreign object is refused by its format.
    #[cfg(feature = "mls")]
    {
        use vestnik::mls::{MlsConfig, MlsGroup, MlsKeyPackageStore, MlsLimits, TrustedIdentities};
        let mls_group = |b: &[u8]| MlsGroup::from_bytes(b, MlsConfig::new(TrustedIdentities::new())).err();
        let l = MlsLimits::default();
        let blob = flood(format::STATE_MLS_GROUP, &[0x2a, 0x00], l.max_state_len);
        check(
            "mls group: empty prior epochs at 64 MiB",
            &blob,
            &mls_group,
            DecodeError::TooMany { field: "prior_epochs", count: l.max_prior_epochs + 1, max: l.max_prior_epochs },
        );
        let blob = flood(format::MLS_GROUP_INFO, &[0x22, 0x00], 1 << 20);
        check(
            "mls group: a group-info-shaped blob",
            &blob,
            &mls_group,
            DecodeError::WrongType { found: format::MLS_GROUP_INFO, expected: format::STATE_MLS_GROUP },
        );
        let store = |b: &[u8]| MlsKeyPackageStore::from_bytes(b, l).err();
        let cap = l.max_stored_key_packages * l.max_key_package_len * 2 + 64;
        let blob = flood(format::STATE_MLS_KEY_PACKAGES, &[0x12, 0x00], cap);
        check(
            "mls key packages: empty entries at the cap",
            &blob,
            &store,
            DecodeError::TooMany {
                field: "entries",
                count: l.max_stored_key_packages + 1,
                max: l.max_stored_key_packages,
            },
        );
    }

    // Control: the counter sees what a real decode allocates, and input that
    // passes the scan (entries at the count caps, of the minimum size)
    // costs a small multiple of its size before it is refused.
    let real = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/session/alice_sessions.bin")).unwrap();
    let (allocated, r) = measured(|| PeerSessions::from_bytes(&real).map(|p| p.session_count()));
    assert_eq!(r, Ok(1));
    assert!(allocated > real.len(), "the counting allocator counts ({allocated} B)");
    let mut at_caps = Vec::new();
    let mut cap_case = |what: &str, blob: Vec<u8>, run: &dyn Fn(&[u8]) -> Option<DecodeError>| {
        let (allocated, got) = measured(|| run(&blob));
        assert!(got.is_some(), "{what}");
        let ratio = allocated as f64 / blob.len() as f64;
        println!("{what:<48} {:>10} B in {allocated:>8} B allocated ({ratio:.2}x)", blob.len());
        at_caps.push((what.to_string(), ratio));
    };
    // 41 sessions whose base key is 298 bytes (decodes, then fails validation).
    let session = field(4, &[7u8; 298]);
    let blob: Vec<u8> =
        [vec![0x08, 0x81, 0x24], std::iter::repeat_n(field(3, &session), 41).flatten().collect()].concat();
    cap_case("sessions: 41 minimal sessions", blob, &sessions);
    // One session whose chain holds 2,000 minimal skipped keys.
    let mut chain = field(1, &[9u8; 32]);
    chain.extend(std::iter::repeat_n(field(4, &field(2, &[0u8; 32])), 2_000).flatten());
    let session = [field(4, &[7u8; 298]), field(12, &chain)].concat();
    let blob = [vec![0x08, 0x81, 0x24], field(3, &session)].concat();
    cap_case("sessions: 2,000 minimal skipped keys", blob, &sessions);
    // 10,000 one-time prekeys of the minimum size.
    let blob: Vec<u8> =
        [vec![0x08, 0x81, 0x22], std::iter::repeat_n(field(4, &field(2, &[1u8; 34])), 10_000).flatten().collect()]
            .concat();
    cap_case("prekeys: 10,000 minimal one-time prekeys", blob, &prekeys);
    // A v2 status list with 4,096 minimal entries (revoked at 1, reason 1,
    // ascending serials 0..4096); it decodes, then its signature is bad.
    let mut tbs = vec![0x08];
    varint(u64::from(format::STATUS_LIST_TBS), &mut tbs);
    tbs.extend(field(2, &[0u8; 16]));
    tbs.extend([0x18, 0x02, 0x20, 0x03, 0x28, 0x80, 0x40, 0x38, 0x01]);
    for serial in 0..4096u64 {
        let mut e = Vec::new();
        if serial > 0 {
            e.push(0x08);
            varint(serial, &mut e);
        }
        e.extend([0x10, 0x01, 0x18, 0x01]);
        tbs.extend(field(8, &e));
    }
    let mut blob = vec![0x08];
    varint(u64::from(format::STATUS_LIST), &mut blob);
    let blob = [blob, field(2, &tbs), field(3, &[0u8; 64])].concat();
    let decoded = StatusList::from_bytes(&blob, &DocumentLimits::default()).map(|l| l.entries().len());
    assert_eq!(decoded, Ok(4096));
    cap_case("status list: 4,096 minimal entries", blob, &|b: &[u8]| {
        StatusList::from_bytes(b, &DocumentLimits::default()).ok().map(|_| DecodeError::Malformed)
    });
    for (what, ratio) in &at_caps {
        // A revocation entry is at least 6 bytes on the wire and 32 in memory
        // (twice, while prost's vector grows): status lists get a wider bound.
        let bound = if what.starts_with("status list") { 16.0 } else { 8.0 };
        assert!(*ratio < bound, "{what}: {ratio:.2} times its input");
    }

    // Channels (SPEC §18).
    channel_loaders_answer_before_allocating();

    for c in &cases {
        println!("{:<48} {:>10} B in {:>8} B allocated", c.what, c.input_len, c.allocated);
        // Refused before prost ran: at most a few hundred bytes of error
        // and bookkeeping, whatever the input size.
        assert!(c.allocated <= 4096, "{}: {} bytes allocated for {} of input", c.what, c.allocated, c.input_len);
    }
}

/// Channels (SPEC §18): the catalogue's ads and the feed's entries are
/// counted (and each checked for its minimum size) before prost allocates;
/// a foreign object at a decoder's size cap is refused by its format.
/// Called from the one test above: the counting allocator is global.
fn channel_loaders_answer_before_allocating() {
    use vestnik::channel::{Catalogue, ChannelError, ChannelLimits, Feed, Post, Tombstone, limits::MIN_AD_LEN};
    let lim = ChannelLimits::default();
    let err = |r: Result<(), ChannelError>| match r {
        Err(ChannelError::Decode(e)) => Some(e),
        other => panic!("{other:?}"),
    };
    let catalogue = |b: &[u8]| err(Catalogue::from_bytes(b).map(|_| ()));
    let feed = |b: &[u8]| err(Feed::from_bytes(b, lim).map(|_| ()));
    let post = |b: &[u8]| err(Post::from_bytes(b).map(|_| ()));
    let tombstone = |b: &[u8]| err(Tombstone::from_bytes(b).map(|_| ()));
    let signed = |format: u32, tbs: &[u8]| {
        let mut b = vec![0x08];
        varint(u64::from(format), &mut b);
        [b, field(2, tbs), field(3, &[0u8; 64])].concat()
    };
    let max = lim.max_catalogue_len();
    let over = flood(format::CHANNEL_POST, &[0x12, 0x00], lim.max_post_len() + 2);
    assert!(over.len() > lim.max_post_len());
    type Loader<'a> = &'a dyn Fn(&[u8]) -> Option<DecodeError>;
    let cases: Vec<(&str, Vec<u8>, Loader<'_>, DecodeError)> = vec![
        (
            "catalogue: empty ads at its cap",
            signed(format::CHANNEL_CATALOGUE, &flood(format::CHANNEL_CATALOGUE_TBS, &[0x3a, 0x00], max - 80)),
            &catalogue,
            DecodeError::Invalid("catalogue.ads"),
        ),
        (
            "catalogue: minimal ads past the count cap",
            signed(
                format::CHANNEL_CATALOGUE,
                &flood(format::CHANNEL_CATALOGUE_TBS, &field(7, &[0u8; MIN_AD_LEN]), max - 80),
            ),
            &catalogue,
            DecodeError::TooMany {
                field: "catalogue.ads",
                count: lim.max_catalogue_ads + 1,
                max: lim.max_catalogue_ads,
            },
        ),
        (
            "feed: empty entries at its cap",
            flood(format::STATE_CHANNEL_FEED, &[0x1a, 0x00], lim.max_feed_state_len()),
            &feed,
            DecodeError::Invalid("feed.entries"),
        ),
        (
            "feed: minimal entries past the count cap",
            flood(format::STATE_CHANNEL_FEED, &field(3, &[0u8; 18]), lim.max_feed_state_len()),
            &feed,
            DecodeError::TooMany { field: "feed.entries", count: lim.max_feed_posts + 1, max: lim.max_feed_posts },
        ),
        (
            "post: a catalogue-shaped blob at its cap",
            flood(format::CHANNEL_CATALOGUE, &[0x12, 0x00], lim.max_post_len()),
            &post,
            DecodeError::WrongType { found: format::CHANNEL_CATALOGUE, expected: format::CHANNEL_POST },
        ),
        (
            "post: just over its cap",
            over.clone(),
            &post,
            DecodeError::TooLarge { len: over.len(), max: lim.max_post_len() },
        ),
        (
            "tombstone: a post-shaped blob",
            flood(format::CHANNEL_POST, &[0x12, 0x00], 4096),
            &tombstone,
            DecodeError::WrongType { found: format::CHANNEL_POST, expected: format::CHANNEL_TOMBSTONE },
        ),
    ];
    for (what, blob, run, want) in cases {
        let (allocated, got) = measured(|| run(&blob));
        assert_eq!(got, Some(want), "{what}");
        println!("{what:<48} {:>10} B in {allocated:>8} B allocated", blob.len());
        assert!(allocated <= 4096, "{what}: {allocated} bytes allocated for {} of input", blob.len());
    }
}
