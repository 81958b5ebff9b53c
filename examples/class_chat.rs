//! A class chat: a teacher and 30 students, messages in Russian and Bashkir,
//! a student leaves, and the departed student's device can no longer read.
//!
//! Run with `cargo run --example class_chat`.

use std::collections::BTreeMap;
use vestnik::group::{GroupSession, MembershipPlan, RosterChange};
use vestnik::{ContentType, DeviceIdentity, IdentityPublic, PeerSessions, PreKeyStore};

struct Device {
    name: String,
    id: DeviceIdentity,
    prekeys: PreKeyStore,
    sessions: BTreeMap<[u8; 32], PeerSessions>,
    group: Option<GroupSession>,
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn key(p: &IdentityPublic) -> [u8; 32] {
    *p.signing_key().as_bytes()
}

fn device(devices: &mut [Device], who: &IdentityPublic) -> Result<usize> {
    devices.iter().position(|d| d.id.public() == *who).ok_or_else(|| "unknown device".into())
}

/// Sends a membership plan over the 1:1 sessions; returns how many 1:1 messages it took.
fn deliver(devices: &mut [Device], from: usize, plan: &MembershipPlan) -> Result<usize> {
    let mut rng = rand::rng();
    let sender = devices.get(from).ok_or("no sender")?.id.public();
    for r in plan.recipients() {
        let to = device(devices, r)?;
        let wire = devices.get_mut(from).and_then(|d| d.sessions.get_mut(&key(r))).ok_or("no session")?.encrypt_typed(
            ContentType::SenderKeyDistribution,
            plan.distribution(),
            &mut rng,
        )?;
        let d = devices.get_mut(to).ok_or("no recipient")?;
        let received =
            d.sessions.get_mut(&key(&sender)).ok_or("no session")?.decrypt(&d.id, &mut d.prekeys, &wire, 0)?;
        d.group.as_mut().ok_or("no group")?.process_distribution(&received)?;
    }
    Ok(plan.recipients().len())
}

fn main() -> Result<()> {
    let mut rng = rand::rng();
    let mut devices: Vec<Device> = (0..31)
        .map(|i| {
            let id = DeviceIdentity::generate(&mut rng);
            let prekeys = PreKeyStore::new(&id, 0, &mut rng);
            let name = if i == 0 { "Учитель".to_string() } else { format!("ученик {i}") };
            Device { name, id, prekeys, sessions: BTreeMap::new(), group: None }
        })
        .collect();
    let publics: Vec<IdentityPublic> = devices.iter().map(|d| d.id.public()).collect();

    println!("1. 31 devices set up 1:1 sessions with each other (the lower number initiates).");
    for i in 0..devices.len() {
        for j in i + 1..devices.len() {
            let (pi, pj) = (publics.get(i).ok_or("i")?, publics.get(j).ok_or("j")?);
            let bundle = devices.get(j).ok_or("j")?.prekeys.bundle(&devices.get(j).ok_or("j")?.id, None);
            let mut s = PeerSessions::new(*pj);
            s.initiate(&devices.get(i).ok_or("i")?.id, &bundle, 0, &mut rng)?;
            devices.get_mut(i).ok_or("i")?.sessions.insert(key(pj), s);
            devices.get_mut(j).ok_or("j")?.sessions.insert(key(pi), PeerSessions::new(*pi));
        }
    }

    println!("2. Everyone creates the group \"7Б\" and sends their sender key to the others.");
    let mut plans = Vec::new();
    for d in devices.iter_mut() {
        let (g, plan) = GroupSession::create("7Б".as_bytes(), &d.id, &publics, false, &mut rng)?;
        d.group = Some(g);
        plans.push(plan);
    }
    let mut setup = 0;
    for (i, plan) in plans.iter().enumerate() {
        setup += deliver(&mut devices, i, plan)?;
    }
    println!("   {setup} sender-key distributions went out over 1:1 sessions.");

    println!("3. The teacher writes in Russian, a student answers in Bashkir.");
    let teacher_msg = "Завтра контрольная по математике, повторите дроби.";
    let wire = devices.first_mut().and_then(|d| d.group.as_mut()).ok_or("teacher")?.encrypt(teacher_msg.as_bytes())?;
    println!("   one group message of {} bytes, the same for all 30 students", wire.len());
    let mut read = 0;
    for d in devices.iter_mut().skip(1) {
        let got = d.group.as_mut().ok_or("group")?.decrypt(&wire)?;
        if got.plaintext() == teacher_msg.as_bytes() {
            read += 1;
        }
    }
    println!("   {read} students read: {teacher_msg}");
    let reply = "Яҡшы, уҡытыусы! Беҙ әҙерләнәбеҙ.";
    let wire = devices.get_mut(7).and_then(|d| d.group.as_mut()).ok_or("student 7")?.encrypt(reply.as_bytes())?;
    let got = devices.first_mut().and_then(|d| d.group.as_mut()).ok_or("teacher")?.decrypt(&wire)?;
    println!(
        "   the teacher reads from {}: {}",
        devices.get(7).ok_or("7")?.name,
        String::from_utf8_lossy(got.plaintext())
    );

    println!("4. Student 30 leaves the class. Every remaining device rotates its sender key.");
    let leaver = *publics.get(30).ok_or("30")?;
    let change = RosterChange { added: vec![], removed: vec![leaver] };
    let mut cost = 0;
    for i in 0..30 {
        let plan = devices.get_mut(i).and_then(|d| d.group.as_mut()).ok_or("group")?.apply_change(&change, &mut rng)?;
        cost += deliver(&mut devices, i, &plan)?;
    }
    println!("   the removal cost {cost} 1:1 messages (30 remaining devices x 29 recipients).");

    println!("5. The teacher's next message.");
    let next = "Ученик 30 перешёл в другой класс. Контрольная остаётся в силе.";
    let wire = devices.first_mut().and_then(|d| d.group.as_mut()).ok_or("teacher")?.encrypt(next.as_bytes())?;
    let got = devices.get_mut(1).and_then(|d| d.group.as_mut()).ok_or("1")?.decrypt(&wire)?;
    println!("   student 1 reads: {}", String::from_utf8_lossy(got.plaintext()));
    match devices.get_mut(30).and_then(|d| d.group.as_mut()).ok_or("30")?.decrypt(&wire) {
        Err(e) => println!("   the departed student's device fails: {e}"),
        Ok(_) => return Err("the departed student read a new message".into()),
    }
    Ok(())
}
