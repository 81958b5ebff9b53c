//! Multi-device accounts (SPEC.md §16): signed device lists and the
//! tracker (forged, rolled-back, equivocating and stale lists; a server that
//! hides or adds a device), linking (replayed, tampered, expired codes),
//! fan-out exactness over random device sets, groups following device
//! changes, a network simulation with devices linked and unlinked
//! mid-stream and restarts from sealed state, and the limits at MAX and
//! MAX+1.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::needless_range_loop
)] // tests may panic

use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::collections::{BTreeMap, BTreeSet};
use vestnik::account::*;
use vestnik::group::{GroupError, GroupSession, PayloadKind};
use vestnik::safety_number::SafetyNumber;
use vestnik::storage::{Sealable, StorageKey};
use vestnik::wire::DecodeError;
use vestnik::{ContentType, DeviceIdentity, IdentityPublic, PreKeyBundle, PreKeyStore, SessionLimits};

const T0: u64 = 1_764_000_000;

fn lim() -> AccountLimits {
    AccountLimits::default()
}

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

// ---- Protobuf helpers to forge lists byte by byte --------------------------

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn field(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    varint(u64::from(tag << 3 | 2), &mut f);
    varint(value.len() as u64, &mut f);
    f.extend_from_slice(value);
    f
}

/// Splits a DeviceList into (tbs, signature) by reading its two fields.
fn parts(list: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut rest = &list[3..]; // 08 81 e2 01 is 4 bytes: format 0x7101
    while rest[0] != 0x12 {
        rest = &rest[1..];
    }
    let mut i = 1;
    let mut len = 0usize;
    let mut shift = 0;
    loop {
        let b = rest[i];
        len |= usize::from(b & 0x7f) << shift;
        shift += 7;
        i += 1;
        if b & 0x80 == 0 {
            break;
        }
    }
    let tbs = rest[i..i + len].to_vec();
    let sig = rest[i + len + 2..].to_vec();
    assert_eq!(sig.len(), 64);
    (tbs, sig)
}

fn assemble(tbs: &[u8], sig: &[u8]) -> Vec<u8> {
    let mut b = vec![0x08];
    varint(u64::from(vestnik::wire::format::DEVICE_LIST), &mut b);
    [b, field(2, tbs), field(3, sig)].concat()
}

// ---- Device lists and the tracker -------------------------------------------

#[test]
fn lists_verify_with_no_secret_and_round_trip_byte_exactly() {
    let mut r = rng(1);
    let phone = DeviceIdentity::generate(&mut r);
    let tablet = DeviceIdentity::generate(&mut r);
    let (bob, v1) = AccountKey::create(&phone.public(), T0, &mut r).unwrap();
    let v2 = bob.add_device(&v1, &tablet.public(), Some([7; 32]), T0 + 10, &lim()).unwrap();
    // A server holds only bytes and validates them as any client does.
    let at_server = DeviceList::from_bytes(v2.to_bytes(), &lim()).unwrap();
    assert_eq!(at_server, v2);
    assert_eq!(at_server.version(), 2);
    assert_eq!(at_server.account(), &bob.public());
    assert_eq!(at_server.primary().unwrap().identity(), &phone.public());
    let ids: Vec<u32> = at_server.devices().iter().map(|d| d.device_id()).collect();
    assert_eq!(ids, [1, 2]);
    assert_eq!(at_server.devices()[1].name_hash(), Some(&[7; 32]));
    assert_eq!(at_server.devices()[1].added_at(), T0 + 10);
    // Unlinking the tablet, then linking a laptop: ids are never reused.
    let v3 = bob.remove_device(&v2, &tablet.public(), T0 + 20).unwrap();
    let laptop = DeviceIdentity::generate(&mut r);
    let v4 = bob.add_device(&v3, &laptop.public(), None, T0 + 30, &lim()).unwrap();
    assert_eq!(v4.entry(&laptop.public()).unwrap().device_id(), 3);
    assert!(!v4.contains(&tablet.public()));
    assert_eq!(bob.remove_device(&v4, &phone.public(), T0), Err(AccountError::CannotRemovePrimary));
    assert_eq!(bob.add_device(&v4, &laptop.public(), None, T0, &lim()).unwrap_err(), AccountError::AlreadyLinked);
    // Another account's key cannot extend this list.
    let (mallory, _) = AccountKey::create(&phone.public(), T0, &mut r).unwrap();
    assert_eq!(mallory.add_device(&v4, &tablet.public(), None, T0, &lim()).unwrap_err(), AccountError::WrongAccount);
}

#[test]
fn forged_lists_are_refused_a_server_cannot_add_or_hide_a_device() {
    let mut r = rng(2);
    let phone = DeviceIdentity::generate(&mut r);
    let tablet = DeviceIdentity::generate(&mut r);
    let ghost = DeviceIdentity::generate(&mut r);
    let (bob, v1) = AccountKey::create(&phone.public(), T0, &mut r).unwrap();
    let v2 = bob.add_device(&v1, &tablet.public(), None, T0, &lim()).unwrap();
    let (tbs, sig) = parts(v2.to_bytes());
    assert_eq!(assemble(&tbs, &sig), v2.to_bytes());
    // Any flipped bit of the signed bytes or the signature.
    for i in (0..tbs.len()).step_by(7) {
        let mut t = tbs.clone();
        t[i] ^= 0x10;
        let e = DeviceList::from_bytes(&assemble(&t, &sig), &lim()).unwrap_err();
        assert!(matches!(e, AccountError::BadSignature | AccountError::Decode(_)), "byte {i}: {e:?}");
    }
    let mut s = sig.clone();
    s[5] ^= 1;
    assert_eq!(DeviceList::from_bytes(&assemble(&tbs, &s), &lim()), Err(AccountError::BadSignature));
    // The server adds a ghost device: it must sign with a key of its own,
    // which is then not Bob's (the tracker refuses another account), or
    // keep Bob's key in the list and fail the signature.
    let (server, server_list) = AccountKey::create(&phone.public(), T0, &mut r).unwrap();
    let forged = server.add_device(&server_list, &tablet.public(), None, T0, &lim()).unwrap();
    let forged = server.add_device(&forged, &ghost.public(), None, T0, &lim()).unwrap();
    let mut at_alice = DeviceListTracker::new(bob.public());
    at_alice.observe(v2.clone()).unwrap();
    let before = at_alice.to_bytes();
    assert_eq!(at_alice.observe(forged.clone()), Err(AccountError::WrongAccount));
    let (ftbs, _) = parts(forged.to_bytes());
    let mut spliced = ftbs.clone();
    let at = spliced.windows(32).position(|w| w == server.public().as_bytes()).unwrap();
    spliced[at..at + 32].copy_from_slice(bob.public().as_bytes());
    assert_eq!(DeviceList::from_bytes(&assemble(&spliced, &sig), &lim()), Err(AccountError::BadSignature));
    // The server hides the tablet: re-serving v1 after v2 is a rollback,
    // and a v2 with the entry cut out no longer verifies.
    assert_eq!(at_alice.observe(v1.clone()), Err(AccountError::Rollback { version: 1, current: 2 }));
    assert_eq!(at_alice.to_bytes(), before, "a refused list changes nothing");
    // Not canonical: an unknown field appended to the signed bytes.
    let mut t = tbs.clone();
    t.extend(field(15, b"x"));
    assert_eq!(
        DeviceList::from_bytes(&assemble(&t, &sig), &lim()),
        Err(AccountError::Decode(DecodeError::NonCanonical))
    );
    // A signature made in another context (a device's identity key signing
    // the same bytes) does not verify.
    assert!(DeviceList::from_bytes(&assemble(&tbs, &[0u8; 64]), &lim()).is_err());
}

#[test]
fn rollback_equivocation_stale_and_wrong_account() {
    let mut r = rng(3);
    let phone = DeviceIdentity::generate(&mut r);
    let (tablet, laptop) = (DeviceIdentity::generate(&mut r), DeviceIdentity::generate(&mut r));
    let (bob, v1) = AccountKey::create(&phone.public(), T0, &mut r).unwrap();
    let v2 = bob.add_device(&v1, &tablet.public(), None, T0 + 100, &lim()).unwrap();
    // A fork: another version 2, signed from the same v1.
    let fork = bob.add_device(&v1, &laptop.public(), None, T0 + 100, &lim()).unwrap();
    let mut t = DeviceListTracker::new(bob.public());
    assert!(t.is_stale(T0, 1000), "no list yet");
    assert_eq!(
        t.observe(v1.clone()).unwrap(),
        DeviceListUpdate::Changed(DeviceDelta { added: vec![phone.public()], removed: vec![] })
    );
    assert_eq!(
        t.observe(v2.clone()).unwrap(),
        DeviceListUpdate::Changed(DeviceDelta { added: vec![tablet.public()], removed: vec![] })
    );
    assert_eq!(t.observe(v2.clone()).unwrap(), DeviceListUpdate::Unchanged);
    let saved = t.to_bytes();
    assert_eq!(t.observe(fork.clone()), Err(AccountError::Equivocation { version: 2 }));
    assert_eq!(t.observe(v1.clone()), Err(AccountError::Rollback { version: 1, current: 2 }));
    assert_eq!(t.to_bytes(), saved);
    assert_eq!(DeviceDelta::between(Some(&v2), &fork), Err(AccountError::Equivocation { version: 2 }));
    // Stale: the newest list is old; a server may be withholding a newer one.
    assert!(!t.is_stale(T0 + 200, 1000));
    assert!(t.is_stale(T0 + 2000, 1000));
    // Another account's (validly signed) list.
    let (alice, alist) = AccountKey::create(&laptop.public(), T0, &mut r).unwrap();
    assert_eq!(t.observe(alist.clone()), Err(AccountError::WrongAccount));
    assert_eq!(DeviceDelta::between(Some(&v2), &alist), Err(AccountError::WrongAccount));
    // The tracker survives a restart and keeps refusing the rollback.
    let mut again = DeviceListTracker::from_bytes(&saved, &lim()).unwrap();
    assert_eq!(again, t);
    assert_eq!(again.observe(v1), Err(AccountError::Rollback { version: 1, current: 2 }));
    // Unlinking is a delta with the device removed.
    let v3 = bob.remove_device(&v2, &tablet.public(), T0 + 300).unwrap();
    assert_eq!(
        again.observe(v3).unwrap(),
        DeviceListUpdate::Changed(DeviceDelta { added: vec![], removed: vec![tablet.public()] })
    );
    let _ = alice;
}

#[test]
fn device_count_at_max_and_max_plus_one() {
    let mut r = rng(4);
    let phone = DeviceIdentity::generate(&mut r);
    let (acct, mut list) = AccountKey::create(&phone.public(), T0, &mut r).unwrap();
    let big = lim().with_max_devices(MAX_DEVICES + 1);
    for _ in 1..MAX_DEVICES {
        list = acct.add_device(&list, &DeviceIdentity::generate(&mut r).public(), None, T0, &lim()).unwrap();
    }
    assert_eq!(list.devices().len(), MAX_DEVICES);
    assert!(DeviceList::from_bytes(list.to_bytes(), &lim()).is_ok());
    let extra = DeviceIdentity::generate(&mut r).public();
    assert_eq!(
        acct.add_device(&list, &extra, None, T0, &lim()),
        Err(AccountError::TooManyDevices { max: MAX_DEVICES })
    );
    let over = acct.add_device(&list, &extra, None, T0, &big).unwrap();
    assert_eq!(
        DeviceList::from_bytes(over.to_bytes(), &lim()),
        Err(AccountError::Decode(DecodeError::TooMany { field: "devices", count: MAX_DEVICES + 1, max: MAX_DEVICES }))
    );
    assert!(DeviceList::from_bytes(over.to_bytes(), &big).is_ok());
    // The size cap: a list padded to one byte over its limit's length.
    assert_eq!(lim().max_device_list_len(), 256 + 192 * MAX_DEVICES);
    let blob = vec![0x08, 0x81, 0xe2, 0x01]
        .into_iter()
        .chain(std::iter::repeat_n(0, lim().max_device_list_len()))
        .collect::<Vec<_>>();
    assert!(matches!(DeviceList::from_bytes(&blob, &lim()), Err(AccountError::Decode(DecodeError::TooLarge { .. }))));
}

// ---- Linking ---------------------------------------------------------------

struct Linking {
    phone: DeviceIdentity,
    tablet: DeviceIdentity,
    account: AccountKey,
    list: DeviceList,
    pending: PendingLink,
    code: Vec<u8>,
}

fn linking(seed: u64) -> Linking {
    let mut r = rng(seed);
    let phone = DeviceIdentity::generate(&mut r);
    let tablet = DeviceIdentity::generate(&mut r);
    let (account, list) = AccountKey::create(&phone.public(), T0, &mut r).unwrap();
    let (pending, code) = PendingLink::new(&tablet.public(), T0, 300, &mut r);
    Linking { phone, tablet, account, list, pending, code: code.to_bytes().to_vec() }
}

#[test]
fn linking_end_to_end_and_replay() {
    let mut l = linking(5);
    let mut r = rng(55);
    let code = LinkingCode::from_bytes(&l.code).unwrap();
    assert_eq!(code.expires_at(), T0 + 300);
    assert_eq!(code.code_hash(), *l.pending.code_hash());
    let p = l
        .account
        .provision(&l.phone.public(), &l.list, &code, &ProvisionOptions::new(), T0 + 10, &lim(), &mut r)
        .unwrap();
    // What a server sees: the code hash (its routing), the sender, a length.
    let header = ProvisioningHeader::read(p.message(), &lim()).unwrap();
    assert_eq!(header.code_hash(), l.pending.code_hash());
    assert_eq!(header.sender(), &l.phone.public());
    let linked = l.pending.accept(p.message(), T0 + 11, &lim()).unwrap();
    assert_eq!(linked.account(), &l.account.public());
    assert_eq!(linked.list().unwrap(), p.list());
    assert_eq!(linked.sender(), &l.phone.public());
    assert!(linked.history().is_none(), "no history unless opted in");
    assert!(l.pending.is_consumed());
    // Replay of the provisioning message: Duplicate; the consumed state
    // keeps no secret and survives a restart as consumed.
    assert_eq!(l.pending.accept(p.message(), T0 + 12, &lim()).unwrap_err(), AccountError::Duplicate);
    let mut reloaded = PendingLink::from_bytes(&l.pending.to_bytes()).unwrap();
    assert!(reloaded.is_consumed());
    assert_eq!(reloaded.accept(p.message(), T0 + 12, &lim()).unwrap_err(), AccountError::Duplicate);
    // The code scanned again by the primary, once the device is linked.
    assert_eq!(
        l.account
            .provision(&l.phone.public(), p.list(), &code, &ProvisionOptions::new(), T0 + 20, &lim(), &mut r)
            .unwrap_err(),
        AccountError::AlreadyLinked
    );
    // The new device holds no account key: it cannot sign a list (there is
    // no API for it), and its tracker refuses what it would have to forge.
    let _ = &l.tablet;
}

#[test]
fn linking_tampered_wrong_or_expired_codes_fail_and_change_nothing() {
    let mut l = linking(6);
    let mut r = rng(66);
    let code = LinkingCode::from_bytes(&l.code).unwrap();
    let opts = ProvisionOptions::new();
    // Expired at the primary, and a code claiming more than the limit.
    assert_eq!(
        l.account.provision(&l.phone.public(), &l.list, &code, &opts, T0 + 301, &lim(), &mut r).unwrap_err(),
        AccountError::Expired { expires_at: T0 + 300 }
    );
    assert_eq!(
        l.account.provision(&l.phone.public(), &l.list, &code, &opts, T0 - 400, &lim(), &mut r).unwrap_err(),
        AccountError::Expired { expires_at: T0 + 300 }
    );
    // A device not on the list cannot be the sender.
    let stranger = DeviceIdentity::generate(&mut r).public();
    assert!(matches!(
        l.account.provision(&stranger, &l.list, &code, &opts, T0, &lim(), &mut r),
        Err(AccountError::UnlistedDevice { .. })
    ));
    let p = l.account.provision(&l.phone.public(), &l.list, &code, &opts, T0 + 10, &lim(), &mut r).unwrap();
    let msg = p.message().to_vec();
    let saved = l.pending.to_bytes().to_vec();
    // Every flipped byte fails (header bytes as decode, AD or code errors;
    // ciphertext bytes as DecryptionFailed) and changes nothing.
    for i in 0..msg.len() {
        let mut m = msg.clone();
        m[i] ^= 0x01;
        assert!(l.pending.accept(&m, T0 + 11, &lim()).is_err(), "byte {i}");
        assert_eq!(l.pending.to_bytes().to_vec(), saved, "byte {i}");
    }
    let last = msg.len() - 1;
    let mut m = msg.clone();
    m[last] ^= 0x80;
    assert_eq!(l.pending.accept(&m, T0 + 11, &lim()).unwrap_err(), AccountError::DecryptionFailed);
    // A message for another device's code.
    let (mut other, _) = PendingLink::new(&l.tablet.public(), T0, 300, &mut r);
    assert_eq!(other.accept(&msg, T0 + 11, &lim()).unwrap_err(), AccountError::WrongCode);
    // Expired at the new device.
    assert_eq!(l.pending.accept(&msg, T0 + 301, &lim()).unwrap_err(), AccountError::Expired { expires_at: T0 + 300 });
    // A provisioning message for this code made by someone who saw only the
    // code's public parts: impossible without the secret. One from a
    // different account's primary that scanned the same code verifies as
    // that account (the user scanned it), which the user sees.
    assert!(!l.pending.is_consumed());
    // The pending link survives a sealed restart and then accepts.
    let key = StorageKey::generate(&mut r);
    let sealed = l.pending.seal(&key, &mut r);
    let mut back = PendingLink::unseal(&key, &sealed, &()).unwrap();
    assert!(back.accept(&msg, T0 + 12, &lim()).is_ok());
}

#[test]
fn history_is_opt_in_and_bounded_at_max_and_max_plus_one() {
    let mut r = rng(7);
    let small = lim().with_max_history_len(1000);
    for (len, ok) in [(1000usize, true), (1001, false)] {
        let mut l = linking(70 + len as u64);
        let code = LinkingCode::from_bytes(&l.code).unwrap();
        let opts = ProvisionOptions::new().with_history(zeroize::Zeroizing::new(vec![0x42; len]));
        assert!(opts.sends_history());
        let p = l.account.provision(&l.phone.public(), &l.list, &code, &opts, T0, &small, &mut r);
        if ok {
            let linked = l.pending.accept(p.unwrap().message(), T0, &small).unwrap();
            assert_eq!(linked.history(), Some(&[0x42; 1000][..]));
        } else {
            assert_eq!(p.unwrap_err(), AccountError::HistoryTooLarge { len: 1001, max: 1000 });
        }
    }
}

#[test]
fn account_key_exports_only_sealed() {
    let mut r = rng(8);
    let phone = DeviceIdentity::generate(&mut r);
    let (acct, list) = AccountKey::create(&phone.public(), T0, &mut r).unwrap();
    let key = StorageKey::generate(&mut r);
    let sealed = acct.seal(&key, &mut r);
    let back = AccountKey::unseal(&key, &sealed, &()).unwrap();
    assert_eq!(back.public(), acct.public());
    let tablet = DeviceIdentity::generate(&mut r).public();
    assert!(back.add_device(&list, &tablet, None, T0, &lim()).is_ok());
    assert!(DeviceIdentity::unseal(&key, &sealed, &()).is_err());
    let printed = format!("{acct:?}");
    assert!(printed.starts_with("AccountKey { public: AccountPublic("), "{printed}");
    let code = PendingLink::new(&tablet, T0, 60, &mut r).1;
    let printed = format!("{code:?}");
    assert!(printed.starts_with("LinkingCode { device: IdentityPublic(") && !printed.contains("secret"), "{printed}");
}

// ---- Account safety numbers --------------------------------------------------

#[test]
fn account_safety_number_is_stable_across_device_changes() {
    let mut r = rng(9);
    let (ap, bp) = (DeviceIdentity::generate(&mut r), DeviceIdentity::generate(&mut r));
    let (alice, _) = AccountKey::create(&ap.public(), T0, &mut r).unwrap();
    let (bob, bl) = AccountKey::create(&bp.public(), T0, &mut r).unwrap();
    let before = SafetyNumber::for_accounts(&alice.public(), &bob.public());
    let tablet = DeviceIdentity::generate(&mut r).public();
    let bl2 = bob.add_device(&bl, &tablet, None, T0, &lim()).unwrap();
    let _ = bob.remove_device(&bl2, &tablet, T0).unwrap();
    let after = SafetyNumber::for_accounts(&alice.public(), &bob.public());
    assert_eq!(before.display(), after.display());
    let at_bob = SafetyNumber::for_accounts(&bob.public(), &alice.public());
    assert_eq!(at_bob.display(), before.display());
    assert_eq!(at_bob.verify_scanned(&before.scannable()), Ok(()));
    // A device-level code never verifies as an account code, nor the reverse.
    let devices = SafetyNumber::new(&ap.public(), &bp.public());
    assert_ne!(devices.display(), before.display());
    assert!(at_bob.verify_scanned(&SafetyNumber::new(&bp.public(), &ap.public()).scannable()).is_err());
    assert!(SafetyNumber::new(&bp.public(), &ap.public()).verify_scanned(&before.scannable()).is_err());
    assert_eq!(before.scannable()[0], vestnik::safety_number::ACCOUNT_SCANNABLE_VERSION);
}

// ---- A small world: accounts, devices, a server ----------------------------

struct Dev {
    id: DeviceIdentity,
    pre: PreKeyStore,
    sessions: DeviceSessions,
    /// Trackers by account key: own account and contacts.
    trackers: BTreeMap<[u8; 32], DeviceListTracker>,
}

struct Acct {
    key: AccountKey,
    devices: Vec<Dev>,
}

struct World {
    accounts: Vec<Acct>,
    /// The server's newest list per account.
    lists: BTreeMap<[u8; 32], Vec<u8>>,
    rng: StdRng,
    now: u64,
}

impl World {
    fn new(seed: u64, sizes: &[usize]) -> Self {
        let mut w = World { accounts: Vec::new(), lists: BTreeMap::new(), rng: rng(seed), now: T0 };
        for &n in sizes {
            let primary = DeviceIdentity::generate(&mut w.rng);
            let (key, mut list) = AccountKey::create(&primary.public(), T0, &mut w.rng).unwrap();
            let mut ids = vec![primary];
            for _ in 1..n {
                let d = DeviceIdentity::generate(&mut w.rng);
                list = key.add_device(&list, &d.public(), None, T0, &lim()).unwrap();
                ids.push(d);
            }
            w.lists.insert(*key.public().as_bytes(), list.to_bytes().to_vec());
            let devices = ids.into_iter().map(|id| w.device(id, key.public())).collect();
            w.accounts.push(Acct { key, devices });
        }
        w
    }

    fn device(&mut self, id: DeviceIdentity, account: AccountPublic) -> Dev {
        let pre = PreKeyStore::new(&id, T0, &mut self.rng);
        Dev { id, pre, sessions: DeviceSessions::new(account), trackers: BTreeMap::new() }
    }

    fn list(&self, a: usize) -> DeviceList {
        DeviceList::from_bytes(&self.lists[self.accounts[a].key.public().as_bytes()], &lim()).unwrap()
    }

    /// Every device fetches every account's newest list.
    fn refresh(&mut self, a: usize, d: usize) {
        let accounts: Vec<AccountPublic> = self.accounts.iter().map(|x| x.key.public()).collect();
        let lists = self.lists.clone();
        let dev = &mut self.accounts[a].devices[d];
        for acct in accounts {
            let t = dev.trackers.entry(*acct.as_bytes()).or_insert_with(|| DeviceListTracker::new(acct));
            let _ = t.observe_bytes(&lists[acct.as_bytes()]).unwrap();
        }
    }

    fn bundles(&self) -> Vec<PreKeyBundle> {
        self.accounts.iter().flat_map(|a| a.devices.iter()).map(|d| d.pre.bundle(&d.id, None)).collect()
    }

    /// Account `a`'s device `d` fans out to `to` accounts; returns the copies.
    fn send(&mut self, a: usize, d: usize, to: &[usize], text: &[u8]) -> Fanout {
        self.refresh(a, d);
        let bundles = self.bundles();
        let own = *self.accounts[a].key.public().as_bytes();
        let recips: Vec<[u8; 32]> = to.iter().map(|&i| *self.accounts[i].key.public().as_bytes()).collect();
        let now = self.now;
        let dev = &mut self.accounts[a].devices[d];
        let trackers = dev.trackers.clone();
        let rs: Vec<&DeviceListTracker> = recips.iter().map(|k| &trackers[k]).collect();
        let targets = FanoutTargets::new(&trackers[&own], &rs);
        dev.sessions.encrypt(&dev.id, &targets, &bundles, text, now, &mut self.rng).unwrap()
    }

    /// Delivers one copy from account `from` (device identity `sender`).
    fn deliver(
        &mut self,
        from: usize,
        sender: &IdentityPublic,
        copy: &FanoutCopy,
    ) -> Result<AccountMessage, AccountError> {
        let (a, d) = self.find(copy.device()).expect("recipient exists");
        self.refresh(a, d);
        let acct = *self.accounts[from].key.public().as_bytes();
        let now = self.now;
        let dev = &mut self.accounts[a].devices[d];
        let t = dev.trackers[&acct].clone();
        dev.sessions.decrypt(&dev.id, &mut dev.pre, &t, sender, copy.bytes(), now)
    }

    fn find(&self, device: &IdentityPublic) -> Option<(usize, usize)> {
        for (a, acct) in self.accounts.iter().enumerate() {
            for (d, dev) in acct.devices.iter().enumerate() {
                if dev.id.public() == *device {
                    return Some((a, d));
                }
            }
        }
        None
    }

    /// The primary (device 0) of account `a` links a new device by code.
    fn link(&mut self, a: usize) -> IdentityPublic {
        let new = DeviceIdentity::generate(&mut self.rng);
        let (mut pending, code) = PendingLink::new(&new.public(), self.now, 300, &mut self.rng);
        let list = self.list(a);
        let acct = &self.accounts[a];
        let primary = acct.devices[0].id.public();
        let code = LinkingCode::from_bytes(&code.to_bytes()).unwrap();
        let p = acct
            .key
            .provision(&primary, &list, &code, &ProvisionOptions::new(), self.now, &lim(), &mut self.rng)
            .unwrap();
        self.lists.insert(*acct.key.public().as_bytes(), p.list().to_bytes().to_vec());
        let linked = pending.accept(p.message(), self.now, &lim()).unwrap();
        let public = new.public();
        let mut dev = self.device(new, *linked.account());
        dev.trackers.insert(*linked.account().as_bytes(), linked.tracker().clone());
        self.accounts[a].devices.push(dev);
        public
    }

    /// The primary unlinks device `d` (not the primary); returns it, still
    /// holding its state, as an outsider would.
    fn unlink(&mut self, a: usize, d: usize) -> Dev {
        let list = self.list(a);
        let dev = self.accounts[a].devices.remove(d);
        let next = self.accounts[a].key.remove_device(&list, &dev.id.public(), self.now).unwrap();
        self.lists.insert(*self.accounts[a].key.public().as_bytes(), next.to_bytes().to_vec());
        dev
    }

    /// A device restarts from sealed state.
    fn restart(&mut self, a: usize, d: usize) {
        let key = StorageKey::generate(&mut self.rng);
        let dev = &self.accounts[a].devices[d];
        let id = dev.id.seal(&key, &mut self.rng);
        let pre = dev.pre.seal(&key, &mut self.rng);
        let sessions = dev.sessions.seal(&key, &mut self.rng);
        let trackers: Vec<Vec<u8>> = dev.trackers.values().map(|t| t.to_bytes()).collect();
        let id = DeviceIdentity::unseal(&key, &id, &()).unwrap();
        let pre = PreKeyStore::unseal(&key, &pre, &id.public()).unwrap();
        let sessions = DeviceSessions::unseal(&key, &sessions, &SessionLimits::default()).unwrap();
        let trackers = trackers
            .iter()
            .map(|b| {
                let t = DeviceListTracker::from_bytes(b, &lim()).unwrap();
                (*t.account().as_bytes(), t)
            })
            .collect();
        self.accounts[a].devices[d] = Dev { id, pre, sessions, trackers };
    }

    fn expected_targets(&self, a: usize, d: usize, to: &[usize]) -> BTreeSet<[u8; 32]> {
        let me = self.accounts[a].devices[d].id.public();
        core::iter::once(a)
            .chain(to.iter().copied())
            .flat_map(|i| self.list(i).devices().iter().map(|e| *e.identity()).collect::<Vec<_>>())
            .filter(|x| *x != me)
            .map(|x| *x.signing_key().as_bytes())
            .collect()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Fan-out exactness: every device on the recipients' lists and every
    /// other device of the sender's own list gets exactly one copy, which
    /// decrypts to the plaintext (sync copies marked as such); a device on
    /// no list gets none.
    #[test]
    fn fanout_reaches_each_listed_device_exactly_once(
        seed in any::<u64>(),
        own in 1usize..4,
        recipients in proptest::collection::vec(1usize..5, 1..3),
        unlink_mask in any::<u8>(),
    ) {
        let mut sizes = vec![own];
        sizes.extend(&recipients);
        let mut w = World::new(seed, &sizes);
        let to: Vec<usize> = (1..sizes.len()).collect();
        // Some non-primary devices are unlinked before the send.
        let mut outsiders = Vec::new();
        for a in 0..sizes.len() {
            if sizes[a] > 1 && unlink_mask & (1 << a) != 0 {
                outsiders.push(w.unlink(a, 1).id.public());
            }
        }
        let sender = w.accounts[0].devices[0].id.public();
        let out = w.send(0, 0, &to, b"exactly once");
        prop_assert!(out.missing_bundles.is_empty() && out.failed.is_empty());
        let got: Vec<[u8; 32]> = out.copies.iter().map(|c| *c.device().signing_key().as_bytes()).collect();
        let unique: BTreeSet<[u8; 32]> = got.iter().copied().collect();
        prop_assert_eq!(got.len(), unique.len(), "a device got two copies");
        prop_assert_eq!(&unique, &w.expected_targets(0, 0, &to));
        for o in &outsiders {
            prop_assert!(!unique.contains(o.signing_key().as_bytes()), "an unlisted device got a copy");
        }
        let own_account = w.accounts[0].key.public();
        for c in &out.copies {
            prop_assert_eq!(c.is_sync(), c.account() == &own_account);
            let m = w.deliver(0, &sender, c).unwrap();
            prop_assert_eq!(m.received().plaintext(), b"exactly once");
            prop_assert_eq!(m.is_sync(), c.is_sync());
            prop_assert_eq!(m.received().sender(), &sender);
        }
    }
}

#[test]
fn fanout_reports_missing_bundles_drops_unlisted_and_refuses_unlisted_senders() {
    let mut w = World::new(10, &[2, 3]);
    w.refresh(0, 0);
    // No bundles: every target is missing, nothing is sent.
    let (own, bob) = (*w.accounts[0].key.public().as_bytes(), *w.accounts[1].key.public().as_bytes());
    let dev = &mut w.accounts[0].devices[0];
    let trackers = dev.trackers.clone();
    let targets = FanoutTargets::new(&trackers[&own], &[&trackers[&bob]]);
    let out = dev.sessions.encrypt(&dev.id, &targets, &[], b"hi", T0, &mut w.rng).unwrap();
    assert!(out.copies.is_empty());
    assert_eq!(out.missing_bundles.len(), 4);
    // The retry for exactly the missing devices.
    let bundles = w.bundles();
    let dev = &mut w.accounts[0].devices[0];
    let retry = FanoutTargets::new(&trackers[&own], &[&trackers[&bob]]).only(&out.missing_bundles[..2]);
    let out2 = dev.sessions.encrypt(&dev.id, &retry, &bundles, b"hi", T0, &mut w.rng).unwrap();
    assert_eq!(out2.copies.len(), 2);
    // Bob unlinks his device 2: Alice's next fan-out drops its session and
    // sends it nothing; its messages are refused.
    let sent = w.send(0, 0, &[1], b"before");
    assert_eq!(sent.copies.len(), 4);
    let gone = w.unlink(1, 2);
    let out = w.send(0, 0, &[1], b"after");
    assert_eq!(out.copies.len(), 3);
    assert_eq!(out.dropped, vec![gone.id.public()]);
    assert!(w.accounts[0].devices[0].sessions.peer(&gone.id.public()).is_none());
    // The unlinked device tries to write to Alice: refused before decryption.
    let alice = &mut w.accounts[0].devices[0];
    let t = alice.trackers[&bob].clone();
    assert!(matches!(
        alice.sessions.decrypt(&alice.id, &mut alice.pre, &t, &gone.id.public(), b"\x08\x81\x06", T0),
        Err(AccountError::UnlistedDevice { .. })
    ));
    // A device that is not on its own account's list cannot fan out.
    let mut bogus = DeviceSessions::new(w.accounts[1].key.public());
    let targets = FanoutTargets::new(&t, &[]);
    assert!(matches!(
        bogus.encrypt(&gone.id, &targets, &[], b"x", T0, &mut w.rng),
        Err(AccountError::UnlistedDevice { .. })
    ));
    // The tracker of another account as "own": refused.
    let mut alice_sessions = DeviceSessions::new(w.accounts[0].key.public());
    assert_eq!(
        alice_sessions.encrypt(&w.accounts[0].devices[0].id, &targets, &[], b"x", T0, &mut w.rng).unwrap_err(),
        AccountError::WrongAccount
    );
}

// ---- Groups follow device lists --------------------------------------------

/// Delivers a group plan's sends from `from` to each recipient device over
/// the 1:1 sessions, and has each apply it (join, or receive).
fn deliver_plan(
    w: &mut World,
    from: (usize, usize),
    plan: &vestnik::group::MembershipPlan,
    groups: &mut BTreeMap<[u8; 32], GroupSession>,
) {
    for send in plan.sends() {
        for r in send.recipients() {
            w.refresh(from.0, from.1);
            let bundles = w.bundles();
            let (ra, _) = w.find(r).unwrap();
            let own = *w.accounts[from.0].key.public().as_bytes();
            let to = *w.accounts[ra].key.public().as_bytes();
            let now = w.now;
            let dev = &mut w.accounts[from.0].devices[from.1];
            let trackers = dev.trackers.clone();
            let targets = FanoutTargets::new(&trackers[&own], &[&trackers[&to]]).only(&[*r]);
            let out = dev
                .sessions
                .encrypt_typed(
                    &dev.id,
                    &targets,
                    &bundles,
                    ContentType::SenderKeyDistribution,
                    send.payload(),
                    now,
                    &mut w.rng,
                )
                .unwrap();
            assert_eq!(out.copies.len(), 1);
            let sender = dev.id.public();
            let m = w.deliver(from.0, &sender, &out.copies[0]).unwrap();
            let (a, d) = w.find(r).unwrap();
            let key = *r.signing_key().as_bytes();
            match send.kind() {
                PayloadKind::RosterLog => {
                    let dev = &w.accounts[a].devices[d];
                    let (g, _) = GroupSession::join(&dev.id, m.received(), false, &mut w.rng).unwrap();
                    groups.insert(key, g);
                }
                _ => {
                    let g = groups.get_mut(&key).unwrap();
                    g.receive(m.received(), now, &mut w.rng).unwrap();
                }
            }
        }
    }
}

#[test]
fn groups_follow_device_changes() {
    // Alice: phone (admin) and laptop; Bob: phone.
    let mut w = World::new(11, &[2, 1]);
    for a in 0..2 {
        for d in 0..w.accounts[a].devices.len() {
            w.refresh(a, d);
        }
    }
    let members = |w: &World| {
        let t = &w.accounts[0].devices[0].trackers;
        let ts: Vec<&DeviceListTracker> = t.values().collect();
        AccountMembers::new(&ts, &[]).unwrap()
    };
    let m = members(&w);
    assert_eq!(m.devices().len(), 3);
    let alice_phone = &w.accounts[0].devices[0];
    let others: Vec<IdentityPublic> = m.devices().into_iter().filter(|d| *d != alice_phone.id.public()).collect();
    let (admin_group, plan) = GroupSession::create(b"class-7b", &alice_phone.id, &others, false, &mut w.rng).unwrap();
    let mut groups = BTreeMap::new();
    groups.insert(*alice_phone.id.public().signing_key().as_bytes(), admin_group);
    deliver_plan(&mut w, (0, 0), &plan, &mut groups);
    let admin_key = *w.accounts[0].devices[0].id.public().signing_key().as_bytes();
    {
        let g = &groups[&admin_key];
        assert!(m.check_roster(g, &w.accounts[0].devices[0].id).is_ok());
        assert!(m.roster_change(g, &w.accounts[0].devices[0].id).added.is_empty());
    }
    // Alice links a tablet: the admin sees the new list, the roster change
    // adds exactly the tablet, and the tablet joins.
    let tablet = w.link(0);
    w.refresh(0, 0);
    let m = members(&w);
    let change = m.roster_change(&groups[&admin_key], &w.accounts[0].devices[0].id);
    assert_eq!((change.added.clone(), change.removed.clone()), (vec![tablet], vec![]));
    let g = groups.get_mut(&admin_key).unwrap();
    let plan = g.change_roster(&w.accounts[0].devices[0].id, &change, T0, &mut w.rng).unwrap();
    deliver_plan(&mut w, (0, 0), &plan, &mut groups);
    assert!(groups.contains_key(tablet.signing_key().as_bytes()), "the tablet joined");
    let msg = groups.get_mut(&admin_key).unwrap().encrypt(b"to all four").unwrap();
    for k in groups.keys().copied().collect::<Vec<_>>() {
        if k != admin_key {
            let r = groups.get_mut(&k).unwrap().decrypt(&msg, T0).unwrap();
            assert_eq!(r.plaintext(), b"to all four");
            assert!(m.check_sender(&r).is_ok());
        }
    }
    // Alice unlinks the laptop: the change removes exactly it, the group
    // rotates, and the laptop's copy of the group reads nothing after.
    let laptop = w.accounts[0].devices[1].id.public();
    let _gone = w.unlink(0, 1);
    w.refresh(0, 0);
    let m = members(&w);
    assert!(matches!(
        m.check_roster(&groups[&admin_key], &w.accounts[0].devices[0].id),
        Err(AccountError::UnlistedDevice { .. })
    ));
    let change = m.roster_change(&groups[&admin_key], &w.accounts[0].devices[0].id);
    assert_eq!((change.added.clone(), change.removed.clone()), (vec![], vec![laptop]));
    let g = groups.get_mut(&admin_key).unwrap();
    let plan = g.change_roster(&w.accounts[0].devices[0].id, &change, T0, &mut w.rng).unwrap();
    let mut laptop_group = groups.remove(laptop.signing_key().as_bytes()).unwrap();
    deliver_plan(&mut w, (0, 0), &plan, &mut groups);
    assert!(m.check_roster(&groups[&admin_key], &w.accounts[0].devices[0].id).is_ok());
    let after = groups.get_mut(&admin_key).unwrap().encrypt(b"not for the laptop").unwrap();
    assert!(matches!(laptop_group.decrypt(&after, T0), Err(GroupError::UnknownChain { .. })));
    for k in groups.keys().copied().collect::<Vec<_>>() {
        if k != admin_key {
            assert_eq!(groups.get_mut(&k).unwrap().decrypt(&after, T0).unwrap().plaintext(), b"not for the laptop");
        }
    }
    // An admin slipping a ghost device into the roster is caught by every
    // member that checks the roster against the lists.
    let ghost = DeviceIdentity::generate(&mut w.rng).public();
    let g = groups.get_mut(&admin_key).unwrap();
    let _ = g
        .change_roster(&w.accounts[0].devices[0].id, &vestnik::group::RosterChange::add(&[ghost]), T0, &mut w.rng)
        .unwrap();
    assert_eq!(
        m.check_roster(&groups[&admin_key], &w.accounts[0].devices[0].id),
        Err(AccountError::UnlistedDevice { device: *ghost.signing_key().as_bytes() })
    );
    assert_eq!(m.roster_change(&groups[&admin_key], &w.accounts[0].devices[0].id).removed, vec![ghost]);
}

// ---- Network simulation ----------------------------------------------------

#[derive(Debug, Clone)]
enum Action {
    Send { from_account: usize, from_device: usize, text: u16 },
    Link { account: usize },
    Unlink { account: usize, device: usize },
    Restart { account: usize, device: usize },
    DeliverSome { n: usize },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (0usize..2, 0usize..8, any::<u16>()).prop_map(|(a, d, t)| Action::Send { from_account: a, from_device: d, text: t }),
        1 => (0usize..2).prop_map(|a| Action::Link { account: a }),
        1 => (0usize..2, 1usize..8).prop_map(|(a, d)| Action::Unlink { account: a, device: d }),
        1 => (0usize..2, 0usize..8).prop_map(|(a, d)| Action::Restart { account: a, device: d }),
        2 => (1usize..6).prop_map(|n| Action::DeliverSome { n }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// Two accounts send to each other while devices are linked, unlinked
    /// and restarted from sealed state. Every copy to a device that is
    /// still listed when it is delivered decrypts exactly once to its
    /// plaintext; a device unlinked before a send gets no copy of it; a
    /// copy from a device unlinked before delivery is refused.
    #[test]
    fn network_with_links_unlinks_and_restarts(seed in any::<u64>(), actions in proptest::collection::vec(action(), 1..24)) {
        let mut w = World::new(seed, &[2, 2]);
        // In flight: (from account, sender identity, copy, text).
        let mut flight: Vec<(usize, IdentityPublic, FanoutCopy, Vec<u8>)> = Vec::new();
        let mut unlinked: BTreeSet<[u8; 32]> = BTreeSet::new();
        let mut delivered = 0usize;
        let deliver_one = |w: &mut World, f: (usize, IdentityPublic, FanoutCopy, Vec<u8>), unlinked: &BTreeSet<[u8; 32]>| -> Result<bool, TestCaseError> {
            let (from, sender, copy, text) = f;
            if w.find(copy.device()).is_none() {
                // The recipient was unlinked and left the world: nothing to check.
                return Ok(false);
            }
            let r = w.deliver(from, &sender, &copy);
            if unlinked.contains(sender.signing_key().as_bytes()) {
                prop_assert!(matches!(r, Err(AccountError::UnlistedDevice { .. })), "{:?}", r.err());
                return Ok(false);
            }
            let m = r.map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(m.received().plaintext(), &text[..]);
            // Exactly once: the same copy again is a replay.
            let again = w.deliver(from, &sender, &copy);
            prop_assert!(again.is_err());
            Ok(true)
        };
        for a in actions {
            match a {
                Action::Send { from_account, from_device, text } => {
                    let n = w.accounts[from_account].devices.len();
                    let d = from_device % n;
                    let to = 1 - from_account;
                    let text = format!("сообщение {text}").into_bytes();
                    let expected = w.expected_targets(from_account, d, &[to]);
                    let out = w.send(from_account, d, &[to], &text);
                    let got: BTreeSet<[u8; 32]> = out.copies.iter().map(|c| *c.device().signing_key().as_bytes()).collect();
                    prop_assert_eq!(got.len(), out.copies.len());
                    prop_assert_eq!(&got, &expected);
                    prop_assert!(got.is_disjoint(&unlinked));
                    let sender = w.accounts[from_account].devices[d].id.public();
                    for c in out.copies {
                        flight.push((from_account, sender, c, text.clone()));
                    }
                }
                Action::Link { account } => {
                    if w.accounts[account].devices.len() < 6 {
                        w.link(account);
                    }
                }
                Action::Unlink { account, device } => {
                    let n = w.accounts[account].devices.len();
                    if n > 1 {
                        let d = 1 + device % (n - 1);
                        let gone = w.unlink(account, d);
                        unlinked.insert(*gone.id.public().signing_key().as_bytes());
                    }
                }
                Action::Restart { account, device } => {
                    let n = w.accounts[account].devices.len();
                    w.restart(account, device % n);
                }
                Action::DeliverSome { n } => {
                    // Out of order: from the back.
                    for _ in 0..n {
                        if let Some(f) = flight.pop()
                            && deliver_one(&mut w, f, &unlinked)?
                        {
                            delivered += 1;
                        }
                    }
                }
            }
        }
        while let Some(f) = flight.pop() {
            if deliver_one(&mut w, f, &unlinked)? {
                delivered += 1;
            }
        }
        let _ = delivered;
    }
}
