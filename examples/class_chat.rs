//! A class chat: a teacher and 30 students, messages in Russian and Bashkir,
//! a student leaves, and the departed student's device can no longer read.
//!
//! Run with `cargo run --example class_chat`.

use std::collections::BTreeMap;
use vestnik::group::{GroupSession, MembershipPlan, PayloadKind, RosterChange};
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

const NOW: u64 = 1_764_000_000;

/// Sends a membership plan over the 1:1 sessions, has each recipient handle
/// it (a newcomer joins from the roster log), and sends whatever that makes
/// them send in turn; returns how many 1:1 messages it took.
fn deliver(devices: &mut [Device], from: usize, plan: &MembershipPlan) -> Result<usize> {
    let mut rng = rand::rng();
    let copy = |p: &MembershipPlan| -> Vec<(PayloadKind, Vec<u8>, Vec<IdentityPublic>)> {
        p.sends().iter().map(|s| (s.kind(), s.payload().to_vec(), s.recipients().to_vec())).collect()
    };
    let mut queue = std::collections::VecDeque::from([(from, copy(plan))]);
    let mut count = 0;
    while let Some((from, sends)) = queue.pop_front() {
        let sender = devices.get(from).ok_or("no sender")?.id.public();
        for (kind, payload, recipients) in sends {
            for r in &recipients {
                let to = device(devices, r)?;
                let wire = devices
                    .get_mut(from)
                    .and_then(|d| d.sessions.get_mut(&key(r)))
                    .ok_or("no session")?
                    .encrypt_typed(ContentType::SenderKeyDistribution, &payload, &mut rng)?;
                count += 1;
                let d = devices.get_mut(to).ok_or("no recipient")?;
                let received =
                    d.sessions.get_mut(&key(&sender)).ok_or("no session")?.decrypt(&d.id, &mut d.prekeys, &wire, 0)?;
                let next = if kind == PayloadKind::RosterLog {
                    let (g, next) = GroupSession::join(&d.id, &received, false, &mut rng)?;
                    d.group = Some(g);
                    next
                } else {
                    d.group.as_mut().ok_or("no group")?.receive(&received, NOW, &mut rng)?
                };
                queue.push_back((to, copy(&next)));
            }
        }
    }
    Ok(count)
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

    for i in 0..devices.len() {
        for j in i + 1..devices.len() {
            // A first message each way, so either side can send.
            let pj = *publics.get(j).ok_or("j")?;
            let pi = *publics.get(i).ok_or("i")?;
            let w =
                devices.get_mut(i).and_then(|d| d.sessions.get_mut(&key(&pj))).ok_or("s")?.encrypt(b"hi", &mut rng)?;
            let d = devices.get_mut(j).ok_or("j")?;
            d.sessions.get_mut(&key(&pi)).ok_or("s")?.decrypt(&d.id, &mut d.prekeys, &w, 0)?;
        }
    }

    println!("2. The teacher creates the group \"7Б\": a signed roster log naming all 31 devices,");
    println!("   the teacher its admin. Everyone joins from the log and sends their sender key.");
    let students: Vec<IdentityPublic> = publics.iter().skip(1).copied().collect();
    let teacher_id = &devices.first().ok_or("teacher")?.id;
    let (g, plan) = GroupSession::create("7Б".as_bytes(), teacher_id, &students, false, &mut rng)?;
    devices.first_mut().ok_or("teacher")?.group = Some(g);
    let setup = deliver(&mut devices, 0, &plan)?;
    println!("   {setup} roster and sender-key messages went out over 1:1 sessions.");

    println!("3. The teacher writes in Russian, a student answers in Bashkir.");
    let teacher_msg = "Завтра контрольная по математике, повторите дроби.";
    let wire = devices.first_mut().and_then(|d| d.group.as_mut()).ok_or("teacher")?.encrypt(teacher_msg.as_bytes())?;
    println!("   one group message of {} bytes, the same for all 30 students", wire.len());
    let mut read = 0;
    for d in devices.iter_mut().skip(1) {
        let got = d.group.as_mut().ok_or("group")?.decrypt(&wire, NOW)?;
        if got.plaintext() == teacher_msg.as_bytes() {
            read += 1;
        }
    }
    println!("   {read} students read: {teacher_msg}");
    let reply = "Яҡшы, уҡытыусы! Беҙ әҙерләнәбеҙ.";
    let wire = devices.get_mut(7).and_then(|d| d.group.as_mut()).ok_or("student 7")?.encrypt(reply.as_bytes())?;
    let got = devices.first_mut().and_then(|d| d.group.as_mut()).ok_or("teacher")?.decrypt(&wire, NOW)?;
    println!(
        "   the teacher reads from {}: {}",
        devices.get(7).ok_or("7")?.name,
        String::from_utf8_lossy(got.plaintext())
    );

    println!("4. The teacher removes student 30: one signed roster entry. Every remaining device");
    println!("   verifies it, then rotates its sender key for the remaining devices only.");
    let leaver = *publics.get(30).ok_or("30")?;
    let d = devices.first_mut().ok_or("teacher")?;
    let plan =
        d.group.as_mut().ok_or("group")?.change_roster(&d.id, &RosterChange::remove(&[leaver]), NOW, &mut rng)?;
    let cost = deliver(&mut devices, 0, &plan)?;
    println!("   the removal cost {cost} 1:1 messages (29 entries + 30 remaining devices x 29 recipients).");

    println!("5. The teacher's next message.");
    let next = "Ученик 30 перешёл в другой класс. Контрольная остаётся в силе.";
    let wire = devices.first_mut().and_then(|d| d.group.as_mut()).ok_or("teacher")?.encrypt(next.as_bytes())?;
    let got = devices.get_mut(1).and_then(|d| d.group.as_mut()).ok_or("1")?.decrypt(&wire, NOW)?;
    println!("   student 1 reads: {}", String::from_utf8_lossy(got.plaintext()));
    match devices.get_mut(30).and_then(|d| d.group.as_mut()).ok_or("30")?.decrypt(&wire, NOW) {
        Err(e) => println!("   the departed student's device fails: {e}"),
        Ok(_) => return Err("the departed student read a new message".into()),
    }
    Ok(())
}
