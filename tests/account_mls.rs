//! MLS groups whose members are accounts (SPEC.md §16.7): the group's devices
//! follow the members' verified device lists. A linked tablet is added by
//! one commit, an unlinked laptop removed by one commit and reads nothing
//! after, and a ghost device a member slips in is caught by every member.
#![cfg(feature = "mls")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use vestnik::DeviceIdentity;
use vestnik::account::{AccountError, AccountKey, AccountLimits, AccountMembers, DeviceListTracker};
use vestnik::mls::{
    MlsCommit, MlsConfig, MlsGroup, MlsKeyPackageStore, MlsLimits, MlsReceived, MlsSuite, TrustedIdentities,
};

const NOW: u64 = 1_764_000_000;

struct Device {
    id: DeviceIdentity,
    kps: MlsKeyPackageStore,
    group: Option<MlsGroup>,
}

fn config() -> MlsConfig {
    MlsConfig::new(TrustedIdentities::any_valid_identity())
}

fn device(rng: &mut impl rand::CryptoRng) -> Device {
    Device { id: DeviceIdentity::generate(rng), kps: MlsKeyPackageStore::new(MlsLimits::default()), group: None }
}

fn key_package(d: &mut Device, rng: &mut impl rand::CryptoRng) -> vestnik::mls::MlsKeyPackageEnvelope {
    d.kps.generate(&d.id, MlsSuite::default(), NOW, false, rng).unwrap()
}

/// Delivers a confirmed commit to every active member but the author, and
/// joins the given devices from its Welcome.
fn deliver(devices: &mut [Device], author: usize, c: &MlsCommit, joiners: &[usize]) {
    let bytes = c.commit.to_bytes();
    for (i, d) in devices.iter_mut().enumerate() {
        let Some(g) = d.group.as_mut() else { continue };
        if !g.is_active() || i == author {
            continue;
        }
        match g.process(&bytes, NOW).unwrap() {
            MlsReceived::Commit(_) => {}
            other => panic!("expected a commit, got {other:?}"),
        }
    }
    devices[author].group.as_mut().unwrap().confirm_pending_commit().unwrap();
    for &j in joiners {
        let d = &mut devices[j];
        let g =
            MlsGroup::join(&mut d.kps, c.welcome.as_ref().unwrap(), c.ratchet_tree.as_ref().unwrap(), config(), NOW)
                .unwrap();
        d.group = Some(g);
    }
}

fn index_of(devices: &[Device], id: &vestnik::IdentityPublic) -> usize {
    devices.iter().position(|d| d.id.public() == *id).unwrap()
}

#[test]
fn mls_group_follows_device_lists_and_catches_a_ghost_device() {
    let mut rng = rand::rng();
    let limits = AccountLimits::default();
    // Devices: 0 Alice's phone (primary), 1 Alice's laptop, 2 Bob's phone,
    // 3 Alice's tablet (linked later), 4 a ghost device nobody lists.
    let mut devices: Vec<Device> = (0..5).map(|_| device(&mut rng)).collect();
    let (alice, a1) = AccountKey::create(&devices[0].id.public(), NOW, &mut rng).unwrap();
    let a2 = alice.add_device(&a1, &devices[1].id.public(), None, NOW, &limits).unwrap();
    let (bob, b1) = AccountKey::create(&devices[2].id.public(), NOW, &mut rng).unwrap();
    let mut alice_t = DeviceListTracker::new(alice.public());
    let mut bob_t = DeviceListTracker::new(bob.public());
    alice_t.observe(a2.clone()).unwrap();
    bob_t.observe(b1).unwrap();
    let members = |a: &DeviceListTracker, b: &DeviceListTracker| AccountMembers::new(&[a, b], &[]).unwrap();

    // Alice's phone creates the group and adds exactly the listed devices.
    devices[0].group =
        Some(MlsGroup::create(&devices[0].id, MlsSuite::default(), b"7b", config(), NOW, &mut rng).unwrap());
    let m = members(&alice_t, &bob_t);
    let change = m.mls_change(devices[0].group.as_ref().unwrap()).unwrap();
    assert!(change.removed.is_empty());
    let mut to_add: Vec<usize> = change.added.iter().map(|id| index_of(&devices, id)).collect();
    to_add.sort_unstable();
    assert_eq!(to_add, vec![1, 2]);
    let kps: Vec<_> = to_add.iter().map(|&i| key_package(&mut devices[i], &mut rng)).collect();
    let c = devices[0].group.as_mut().unwrap().add(&kps, NOW).unwrap();
    deliver(&mut devices, 0, &c, &to_add);
    for i in [0, 1, 2] {
        m.check_mls_members(devices[i].group.as_ref().unwrap()).unwrap();
        assert!(m.mls_change(devices[i].group.as_ref().unwrap()).unwrap().added.is_empty());
    }

    // Alice links her tablet: the change adds exactly the tablet.
    let a3 = alice.add_device(&a2, &devices[3].id.public(), None, NOW + 10, &limits).unwrap();
    alice_t.observe(a3.clone()).unwrap();
    let m = members(&alice_t, &bob_t);
    let change = m.mls_change(devices[2].group.as_ref().unwrap()).unwrap();
    assert_eq!(change.added, vec![devices[3].id.public()]);
    assert!(change.removed.is_empty());
    let kp = key_package(&mut devices[3], &mut rng);
    let c = devices[2].group.as_mut().unwrap().add(&[kp], NOW + 10).unwrap();
    deliver(&mut devices, 2, &c, &[3]);
    let msg = devices[3].group.as_mut().unwrap().encrypt("Планшет на связи".as_bytes()).unwrap().to_bytes();
    for i in [0, 1, 2] {
        match devices[i].group.as_mut().unwrap().process(&msg, NOW + 11).unwrap() {
            MlsReceived::Application(a) => {
                assert_eq!(m.check_mls_sender(&a).unwrap(), Some(alice.public()));
                assert_eq!(&a.plaintext[..], "Планшет на связи".as_bytes());
            }
            other => panic!("{other:?}"),
        }
    }

    // Alice unlinks the laptop: the change removes exactly the laptop, in one
    // commit, and the laptop reads nothing sent after it.
    let a4 = alice.remove_device(&a3, &devices[1].id.public(), NOW + 20).unwrap();
    alice_t.observe(a4).unwrap();
    let m = members(&alice_t, &bob_t);
    let change = m.mls_change(devices[0].group.as_ref().unwrap()).unwrap();
    assert!(change.added.is_empty());
    assert_eq!(change.removed, vec![devices[1].id.public()]);
    let c = devices[0].group.as_mut().unwrap().remove(&change.removed, NOW + 20).unwrap();
    deliver(&mut devices, 0, &c, &[]);
    assert!(!devices[1].group.as_ref().unwrap().is_active());
    let secret = devices[2].group.as_mut().unwrap().encrypt("после отвязки".as_bytes()).unwrap().to_bytes();
    assert!(devices[1].group.as_mut().unwrap().process(&secret, NOW + 21).is_err());
    let epoch = devices[0].group.as_ref().unwrap().epoch();
    for i in [0, 2, 3] {
        m.check_mls_members(devices[i].group.as_ref().unwrap()).unwrap();
        assert_eq!(devices[i].group.as_ref().unwrap().epoch(), epoch);
    }
    for i in [0, 3] {
        assert!(matches!(
            devices[i].group.as_mut().unwrap().process(&secret, NOW + 21).unwrap(),
            MlsReceived::Application(_)
        ));
    }

    // Bob's phone adds a ghost device that no list names (MLS itself lets
    // any member add any KeyPackage): every member that checks the commit
    // catches it, and refuses the ghost's messages.
    let kp = key_package(&mut devices[4], &mut rng);
    let c = devices[2].group.as_mut().unwrap().add(&[kp], NOW + 30).unwrap();
    let bytes = c.commit.to_bytes();
    for i in [0, 3] {
        let MlsReceived::Commit(change) = devices[i].group.as_mut().unwrap().process(&bytes, NOW + 30).unwrap() else {
            panic!("expected a commit");
        };
        let ghost = *devices[4].id.public().signing_key().as_bytes();
        assert!(matches!(m.check_mls_commit(&change), Err(AccountError::UnlistedDevice { device }) if device == ghost));
        assert!(matches!(
            m.check_mls_members(devices[i].group.as_ref().unwrap()),
            Err(AccountError::UnlistedDevice { device }) if device == ghost
        ));
        // The next change an honest member computes removes it again.
        assert_eq!(m.mls_change(devices[i].group.as_ref().unwrap()).unwrap().removed, vec![devices[4].id.public()]);
    }
    devices[2].group.as_mut().unwrap().confirm_pending_commit().unwrap();
    let g = MlsGroup::join(
        &mut devices[4].kps,
        c.welcome.as_ref().unwrap(),
        c.ratchet_tree.as_ref().unwrap(),
        config(),
        NOW + 30,
    )
    .unwrap();
    devices[4].group = Some(g);
    let from_ghost = devices[4].group.as_mut().unwrap().encrypt(b"hello").unwrap().to_bytes();
    for i in [0, 2, 3] {
        let MlsReceived::Application(a) = devices[i].group.as_mut().unwrap().process(&from_ghost, NOW + 31).unwrap()
        else {
            panic!("expected an application message");
        };
        assert!(matches!(m.check_mls_sender(&a), Err(AccountError::UnlistedDevice { .. })));
    }
}
