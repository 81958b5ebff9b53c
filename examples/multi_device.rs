//! Multi-device accounts (SPEC.md §16): Alice has a phone and a laptop, Bob
//! a phone. Alice links a tablet by code; every message reaches every
//! device, sync copies included; a class chat follows the change; Alice
//! unlinks the laptop, which cannot read what follows; the safety number
//! Bob checked never changes.
//!
//! Run with `cargo run --example multi_device`.

// The example indexes its own small tables of devices and trackers, which
// it built itself: a miss is a bug in the example, and should stop it.
#![allow(clippy::indexing_slicing, clippy::unwrap_used)]

use std::collections::BTreeMap;
use vestnik::account::{
    AccountKey, AccountLimits, AccountMembers, AccountPublic, DeviceList, DeviceListTracker, DeviceSessions,
    FanoutTargets, LinkingCode, PendingLink, ProvisionOptions,
};
use vestnik::group::{GroupSession, MembershipPlan, PayloadKind};
use vestnik::safety_number::SafetyNumber;
use vestnik::{ContentType, DeviceIdentity, IdentityPublic, PreKeyBundle, PreKeyStore};

type Error = Box<dyn std::error::Error>;

struct Device {
    name: &'static str,
    id: DeviceIdentity,
    prekeys: PreKeyStore,
    sessions: DeviceSessions,
    trackers: BTreeMap<[u8; 32], DeviceListTracker>,
    group: Option<GroupSession>,
}

/// What the server holds: each account's newest list and each device's bundle.
#[derive(Default)]
struct Server {
    lists: BTreeMap<[u8; 32], Vec<u8>>,
}

fn device(name: &'static str, id: DeviceIdentity, account: AccountPublic, now: u64) -> Device {
    let prekeys = PreKeyStore::new(&id, now, &mut rand::rng());
    Device { name, id, prekeys, sessions: DeviceSessions::new(account), trackers: BTreeMap::new(), group: None }
}

fn refresh(d: &mut Device, server: &Server) -> Result<(), Error> {
    for (acct, bytes) in &server.lists {
        let t =
            d.trackers.entry(*acct).or_insert_with(|| DeviceListTracker::new(AccountPublic::from_bytes(acct).unwrap()));
        t.observe_bytes(bytes)?;
    }
    Ok(())
}

fn bundles(devices: &[&Device]) -> Vec<PreKeyBundle> {
    devices.iter().map(|d| d.prekeys.bundle(&d.id, None)).collect()
}

/// `from` sends `text` to account `to`: one fan-out, every copy delivered.
fn send(devices: &mut [Device], from: usize, to: [u8; 32], server: &Server, text: &str, now: u64) -> Result<(), Error> {
    for d in devices.iter_mut() {
        refresh(d, server)?;
    }
    let all = bundles(&devices.iter().collect::<Vec<_>>());
    let d = &mut devices[from];
    let own = *d.sessions.own_account().as_bytes();
    let targets = FanoutTargets::new(&d.trackers[&own], &[&d.trackers[&to]]);
    let out = d.sessions.encrypt(&d.id, &targets, &all, text.as_bytes(), now, &mut rand::rng())?;
    let sender = d.id.public();
    let sender_name = d.name;
    println!("{sender_name} -> {} copies: {text:?}", out.copies.len());
    for copy in out.copies {
        let r = devices.iter_mut().find(|x| x.id.public() == *copy.device()).ok_or("no such device")?;
        let t = r.trackers[&own].clone();
        let m = r.sessions.decrypt(&r.id, &mut r.prekeys, &t, &sender, copy.bytes(), now)?;
        let kind = if m.is_sync() { "sync copy" } else { "message" };
        println!("   {:<13} reads {kind}: {}", r.name, String::from_utf8_lossy(m.received().plaintext()));
    }
    Ok(())
}

/// Delivers a group plan from `from` over the 1:1 sessions, then the plans
/// the receivers make in turn (a joiner's distribution, rotations).
fn deliver_plan(
    devices: &mut [Device],
    from: usize,
    plan: MembershipPlan,
    server: &Server,
    now: u64,
) -> Result<(), Error> {
    let all = bundles(&devices.iter().collect::<Vec<_>>());
    let mut queue = vec![(devices[from].id.public(), plan)];
    while !queue.is_empty() {
        let (from, plan) = queue.remove(0);
        for s in plan.sends() {
            for r in s.recipients() {
                let d = devices.iter_mut().find(|x| x.id.public() == from).ok_or("no sender")?;
                refresh(d, server)?;
                let own = *d.sessions.own_account().as_bytes();
                let to = *server
                    .lists
                    .iter()
                    .find(|(_, l)| DeviceList::from_bytes(l, &AccountLimits::default()).is_ok_and(|l| l.contains(r)))
                    .ok_or("recipient on no list")?
                    .0;
                let targets = FanoutTargets::new(&d.trackers[&own], &[&d.trackers[&to]]).only(&[*r]);
                let kind = ContentType::SenderKeyDistribution;
                let out = d.sessions.encrypt_typed(&d.id, &targets, &all, kind, s.payload(), now, &mut rand::rng())?;
                let rd = devices.iter_mut().find(|x| x.id.public() == *r).ok_or("no such device")?;
                refresh(rd, server)?;
                let t = rd.trackers[&own].clone();
                let m = rd.sessions.decrypt(&rd.id, &mut rd.prekeys, &t, &from, out.copies[0].bytes(), now)?;
                let next = match s.kind() {
                    PayloadKind::RosterLog => {
                        let (g, plan) = GroupSession::join(&rd.id, m.received(), false, &mut rand::rng())?;
                        rd.group = Some(g);
                        plan
                    }
                    _ => rd.group.as_mut().ok_or("not in the group")?.receive(m.received(), now, &mut rand::rng())?,
                };
                if !next.is_empty() {
                    queue.push((rd.id.public(), next));
                }
            }
        }
    }
    Ok(())
}

fn group_says(devices: &mut [Device], from: usize, text: &str, now: u64) -> Result<(), Error> {
    let wire = devices[from].group.as_mut().ok_or("not in the group")?.encrypt(text.as_bytes())?;
    println!("{} -> class chat: {text:?}", devices[from].name);
    for (i, d) in devices.iter_mut().enumerate() {
        if i == from {
            continue;
        }
        match d.group.as_mut().map(|g| g.decrypt(&wire, now)) {
            Some(Ok(r)) => println!("   {:<13} reads: {}", d.name, String::from_utf8_lossy(r.plaintext())),
            Some(Err(e)) => println!("   {:<13} cannot read it ({e})", d.name),
            None => println!("   {:<13} is not in the chat", d.name),
        }
    }
    Ok(())
}

fn main() -> Result<(), Error> {
    let mut rng = rand::rng();
    let limits = AccountLimits::default();
    let mut now = 1_764_000_000;
    let mut server = Server::default();

    // Accounts: Alice (phone is her primary; laptop linked), Bob (phone).
    let alice_phone = DeviceIdentity::generate(&mut rng);
    let alice_laptop = DeviceIdentity::generate(&mut rng);
    let bob_phone = DeviceIdentity::generate(&mut rng);
    let (alice, list) = AccountKey::create(&alice_phone.public(), now, &mut rng)?;
    let alice_list = alice.add_device(&list, &alice_laptop.public(), None, now, &limits)?;
    let (bob, bob_list) = AccountKey::create(&bob_phone.public(), now, &mut rng)?;
    let (a, b) = (*alice.public().as_bytes(), *bob.public().as_bytes());
    server.lists.insert(a, alice_list.to_bytes().to_vec());
    server.lists.insert(b, bob_list.to_bytes().to_vec());
    let mut devices = vec![
        device("Alice phone", alice_phone, alice.public(), now),
        device("Alice laptop", alice_laptop, alice.public(), now),
        device("Bob phone", bob_phone, bob.public(), now),
    ];

    let checked = SafetyNumber::for_accounts(&bob.public(), &alice.public());
    println!("Bob checks Alice's safety number: {}", checked.display_grouped());

    send(&mut devices, 2, a, &server, "Привет, Алиса!", now)?;
    send(&mut devices, 0, b, &server, "Сәләм, Боб!", now)?;

    // A class chat of both accounts, created by Alice's phone from the lists.
    for d in devices.iter_mut() {
        refresh(d, &server)?;
    }
    let members = |d: &Device| AccountMembers::new(&d.trackers.values().collect::<Vec<_>>(), &[]);
    let m = members(&devices[0])?;
    let others: Vec<IdentityPublic> = m.devices().into_iter().filter(|x| *x != devices[0].id.public()).collect();
    let (g, plan) = GroupSession::create(b"class-7b", &devices[0].id, &others, false, &mut rng)?;
    devices[0].group = Some(g);
    deliver_plan(&mut devices, 0, plan, &server, now)?;
    group_says(&mut devices, 2, "Завтра контрольная", now)?;

    // Alice links a tablet: it shows a code, the phone scans and answers.
    now += 60;
    let tablet = DeviceIdentity::generate(&mut rng);
    let (mut pending, code) = PendingLink::new(&tablet.public(), now, 300, &mut rng);
    let scanned = LinkingCode::from_bytes(&code.to_bytes())?;
    let current = DeviceList::from_bytes(&server.lists[&a], &limits)?;
    let p = alice.provision(
        &devices[0].id.public(),
        &current,
        &scanned,
        &ProvisionOptions::new(),
        now,
        &limits,
        &mut rng,
    )?;
    server.lists.insert(a, p.list().to_bytes().to_vec());
    let linked = pending.accept(p.message(), now, &limits)?;
    println!("Alice links a tablet: her list is now version {}", p.list().version());
    let mut t = device("Alice tablet", tablet, *linked.account(), now);
    t.trackers.insert(a, linked.tracker().clone());
    devices.push(t);

    send(&mut devices, 2, a, &server, "Алиса, ты на планшете?", now)?;
    send(&mut devices, 3, b, &server, "Да, пишу с планшета", now)?;

    // The class chat follows: the admin applies the change the lists imply.
    refresh(&mut devices[0], &server)?;
    let change = members(&devices[0])?.roster_change(devices[0].group.as_ref().ok_or("no group")?, &devices[0].id);
    let admin = &mut devices[0];
    let plan = admin.group.as_mut().ok_or("no group")?.change_roster(&admin.id, &change, now, &mut rng)?;
    deliver_plan(&mut devices, 0, plan, &server, now)?;
    group_says(&mut devices, 2, "Планшет тоже в чате", now)?;

    // Alice unlinks the laptop: a new list without it; the chat removes it.
    now += 60;
    let current = DeviceList::from_bytes(&server.lists[&a], &limits)?;
    let next = alice.remove_device(&current, &devices[1].id.public(), now)?;
    server.lists.insert(a, next.to_bytes().to_vec());
    println!("Alice unlinks the laptop: her list is now version {}", next.version());
    refresh(&mut devices[0], &server)?;
    let change = members(&devices[0])?.roster_change(devices[0].group.as_ref().ok_or("no group")?, &devices[0].id);
    let admin = &mut devices[0];
    let plan = admin.group.as_mut().ok_or("no group")?.change_roster(&admin.id, &change, now, &mut rng)?;
    let laptop = devices.remove(1);
    deliver_plan(&mut devices, 0, plan, &server, now)?;
    let mut all = devices;
    all.push(laptop);
    group_says(&mut all, 1, "Ноутбук больше не читает", now)?;
    let laptop = all.pop().ok_or("no laptop")?;
    let mut devices = all;
    send(&mut devices, 1, a, &server, "Только телефону и планшету", now)?;
    let laptop_tracker = &laptop.trackers[&a];
    println!(
        "   (the laptop got no copy: its own last list, v{}, is no longer the account's)",
        laptop_tracker.current().map_or(0, |l| l.version())
    );

    let later = SafetyNumber::for_accounts(&bob.public(), &alice.public());
    println!("Alice's safety number at Bob's:    {}", later.display_grouped());
    assert_eq!(checked.display(), later.display());
    println!("unchanged across the tablet link and the laptop unlink");
    Ok(())
}
