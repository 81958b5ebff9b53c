//! A school chat on MLS: 2,000 devices, the principal's announcement in
//! Russian and Bashkir, a class of 30 joins, devices self-update, a pupil
//! leaves and cannot read the next message. The removal's bytes and time are printed beside what
//! sender keys would cost the same group (measured per message here, then
//! multiplied: (n-1)(n-2) 1:1 distributions).
//!
//! Run with `cargo run --release --example school_chat`.

use std::time::Instant;
use vestnik::group::{GroupSession, PayloadKind};
use vestnik::mls::{
    MlsConfig, MlsError, MlsGroup, MlsKeyPackageEnvelope, MlsKeyPackageStore, MlsLimits, MlsReceived, MlsSuite,
    TrustedIdentities,
};
use vestnik::{ContentType, DeviceIdentity, PeerSessions, PreKeyStore};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const NOW: u64 = 1_764_000_000;
const SCHOOL: usize = 1_970;
const CLASS: usize = 30;

fn config() -> MlsConfig {
    // A real app trusts the identities its directory vouches for.
    MlsConfig::new(TrustedIdentities::any_valid_identity())
}

/// A device: its identity and the KeyPackage secrets it keeps.
struct Device {
    name: String,
    id: DeviceIdentity,
    store: MlsKeyPackageStore,
    group: Option<MlsGroup>,
}

fn device(name: String, uploads: &mut Vec<MlsKeyPackageEnvelope>) -> Result<Device> {
    let mut rng = rand::rng();
    let id = DeviceIdentity::generate(&mut rng);
    let mut store = MlsKeyPackageStore::new(MlsLimits::default());
    uploads.push(store.generate(&id, MlsSuite::default(), NOW, false, &mut rng)?);
    Ok(Device { name, id, store, group: None })
}

/// The first leaf of each subtree on `leaf`'s copath above the leaf level,
/// where one exists among `n` leaves.
fn copath_subtree_starts(leaf: usize, n: usize) -> Vec<usize> {
    let levels = usize::BITS - (n.saturating_sub(1)).leading_zeros();
    (1..levels).map(|k| ((leaf >> k) ^ 1) << k).filter(|&start| start < n).collect()
}

fn at<T>(v: &mut [T], i: usize) -> Result<&mut T> {
    v.get_mut(i).ok_or_else(|| format!("no device {i}").into())
}

fn group(d: &mut Device) -> Result<&mut MlsGroup> {
    d.group.as_mut().ok_or_else(|| format!("{} is not in the group", d.name).into())
}

fn read(d: &mut Device, wire: &[u8]) -> Result<String> {
    match group(d)?.process(wire, NOW)? {
        MlsReceived::Application(m) => Ok(String::from_utf8(m.plaintext.to_vec())?),
        other => Err(format!("expected a message, got {other:?}").into()),
    }
}

/// Sender keys, measured: the bytes of one 1:1 message carrying a
/// distribution and the CPU of its encrypt, decrypt and installation.
fn sender_keys_distribution() -> Result<(usize, f64)> {
    let mut rng = rand::rng();
    let (a, b) = (DeviceIdentity::generate(&mut rng), DeviceIdentity::generate(&mut rng));
    let mut b_pre = PreKeyStore::new(&b, 0, &mut rng);
    let mut ab = PeerSessions::new(b.public());
    ab.initiate(&a, &b_pre.bundle(&b, None), 0, &mut rng)?;
    let mut ba = PeerSessions::new(a.public());
    let (mut ga, plan) = GroupSession::create(b"school", &a, &[b.public()], false, &mut rng)?;
    let log = plan.sends().iter().find(|s| s.kind() == PayloadKind::RosterLog).ok_or("no log")?.payload().to_vec();
    let w = ab.encrypt_typed(ContentType::SenderKeyDistribution, &log, &mut rng)?;
    let (mut gb, _) = GroupSession::join(&b, &ba.decrypt(&b, &mut b_pre, &w, 0)?, false, &mut rng)?;
    // b answers once, so a's later messages are ordinary ratchet messages.
    let w = ba.encrypt(b"ok", &mut rng)?;
    ab.decrypt(&a, &mut PreKeyStore::new(&a, 0, &mut rng), &w, 0)?;
    let dists: Vec<Vec<u8>> = (0..200).map(|_| ga.rotate(&mut rand::rng()).distribution().to_vec()).collect();
    let mut len = 0;
    let t = Instant::now();
    for d in &dists {
        let w = ab.encrypt_typed(ContentType::SenderKeyDistribution, d, &mut rng)?;
        len = w.len();
        gb.process_distribution(&ba.decrypt(&b, &mut b_pre, &w, 0)?)?;
    }
    Ok((len, t.elapsed().as_secs_f64() / dists.len() as f64))
}

fn main() -> Result<()> {
    let start = Instant::now();
    let mut rng = rand::rng();
    println!("1. {SCHOOL} devices of School No. 1 each make an MLS KeyPackage and upload it.");
    let mut uploads = Vec::new();
    let mut principal = device("Директор".into(), &mut Vec::new())?;
    let mut devices = Vec::with_capacity(SCHOOL - 1);
    for i in 1..SCHOOL {
        devices.push(device(format!("device {i}"), &mut uploads)?);
    }
    println!(
        "   {} KeyPackages, {} bytes each ({:.1} s)",
        uploads.len(),
        uploads.first().ok_or("no upload")?.to_bytes().len(),
        start.elapsed().as_secs_f64()
    );

    println!("2. The principal creates the school group and adds everyone in one commit.");
    let t = Instant::now();
    let mut school =
        MlsGroup::create(&principal.id, MlsSuite::default(), "Школа №1".as_bytes(), config(), NOW, &mut rng)?;
    let commit = school.add(&uploads, NOW)?;
    school.confirm_pending_commit()?;
    principal.group = Some(school);
    let (welcome, tree) = (commit.welcome.ok_or("no welcome")?, commit.ratchet_tree.ok_or("no tree")?);
    let school_join = (welcome.clone(), tree.clone());
    println!(
        "   commit {} bytes, one Welcome of {} bytes for all, the tree ({} bytes) fetched from the server ({:.2} s)",
        commit.commit.to_bytes().len(),
        welcome.to_bytes().len(),
        tree.to_bytes().len(),
        t.elapsed().as_secs_f64()
    );
    // We follow three devices from here on; every other device joins the same way.
    let followed = [1usize, SCHOOL / 2, SCHOOL - 2];
    for &i in &followed {
        let d = at(&mut devices, i - 1)?;
        let t = Instant::now();
        d.group = Some(MlsGroup::join(&mut d.store, &welcome, &tree, config(), NOW)?);
        d.name = if i == 1 { "учитель математики".into() } else { format!("ученик {i}") };
        println!("   {} joins from the Welcome and the tree in {:.0} ms", d.name, t.elapsed().as_secs_f64() * 1e3);
    }

    println!("3. The principal's announcement, in Russian and in Bashkir.");
    for text in [
        "Уважаемые ученики и родители! Завтра, 1 сентября, в 9:00 торжественная линейка.",
        "Хөрмәтле уҡыусылар һәм ата-әсәләр! Иртәгә, 1 сентябрҙә, сәғәт 9:00-дә тантаналы линейка.",
    ] {
        let wire = group(&mut principal)?.encrypt(text.as_bytes())?.to_bytes();
        print!("   one message of {} bytes for all {SCHOOL};", wire.len());
        for &i in &followed {
            let got = read(at(&mut devices, i - 1)?, &wire)?;
            if got != text {
                return Err("wrong plaintext".into());
            }
        }
        println!(" read: {text}");
    }

    println!("4. Class 5В ({CLASS} pupils' devices) joins: one commit adds them all.");
    let mut class_uploads = Vec::new();
    let mut class: Vec<Device> = Vec::new();
    for i in 0..CLASS {
        class.push(device(format!("ученик 5В-{}", i + 1), &mut class_uploads)?);
    }
    let t = Instant::now();
    let add = group(&mut principal)?.add(&class_uploads, NOW)?;
    group(&mut principal)?.confirm_pending_commit()?;
    let add_bytes = add.commit.to_bytes();
    for &i in &followed {
        group(at(&mut devices, i - 1)?)?.process(&add_bytes, NOW)?;
    }
    let (welcome, tree) = (add.welcome.ok_or("no welcome")?, add.ratchet_tree.ok_or("no tree")?);
    let class_join = (welcome.clone(), tree.clone());
    for d in class.iter_mut().take(2) {
        d.group = Some(MlsGroup::join(&mut d.store, &welcome, &tree, config(), NOW)?);
    }
    let members = group(&mut principal)?.member_count();
    println!(
        "   commit {} bytes, Welcome {} bytes; now {members} members at epoch {} ({:.2} s)",
        add_bytes.len(),
        welcome.to_bytes().len(),
        group(&mut principal)?.epoch(),
        t.elapsed().as_secs_f64()
    );
    let hello = "Сәләм, 5В! Рәхим итегеҙ! (Привет, 5В! Добро пожаловать!)";
    let wire = group(&mut principal)?.encrypt(hello.as_bytes())?.to_bytes();
    println!("   {} reads: {}", at(&mut class, 1)?.name.clone(), read(at(&mut class, 1)?, &wire)?);
    let epoch_key = group(&mut principal)?.epoch_authenticator()?;
    for d in devices.iter_mut().filter(|d| d.group.is_some()).chain(class.iter_mut().take(2)) {
        if group(d)?.epoch_authenticator()? != epoch_key {
            return Err("members disagree on the epoch".into());
        }
    }
    println!("   every followed device agrees on the epoch authenticator and the {members} members");

    println!("5. Devices self-update soon after they join (post-compromise security; it also fills the tree, so");
    println!("   later commits stay small). Here: one device in each subtree this removal's path will cross.");
    let t = Instant::now();
    let leaver_leaf = SCHOOL; // 5В-1, the first leaf after the school's
    let mut updaters = copath_subtree_starts(0, members);
    updaters.extend(copath_subtree_starts(leaver_leaf, members));
    updaters.sort_unstable();
    updaters.dedup();
    updaters.retain(|&l| l != 0 && l != leaver_leaf);
    let mut updating = Vec::new();
    for &leaf in &updaters {
        let (d, join) = if leaf < SCHOOL {
            (at(&mut devices, leaf - 1)?, &school_join)
        } else {
            (at(&mut class, leaf - SCHOOL)?, &class_join)
        };
        if d.group.is_none() {
            let mut g = MlsGroup::join(&mut d.store, &join.0, &join.1, config(), NOW)?;
            if leaf < SCHOOL {
                g.process(&add_bytes, NOW)?;
            }
            d.group = Some(g);
        }
        updating.push(leaf);
    }
    for leaf in updating {
        let d = if leaf < SCHOOL { at(&mut devices, leaf - 1)? } else { at(&mut class, leaf - SCHOOL)? };
        let id = d.id.public();
        let update = d.group.as_mut().ok_or("not joined")?.self_update(&d.id, NOW, &mut rng)?.commit.to_bytes();
        group(d)?.confirm_pending_commit()?;
        for other in std::iter::once(&mut principal).chain(devices.iter_mut()).chain(class.iter_mut()) {
            if let Some(g) = other.group.as_mut().filter(|_| other.id.public() != id) {
                g.process(&update, NOW)?;
            }
        }
    }
    println!(
        "   {} self-update commits, each processed by every device followed ({:.1} s)",
        updaters.len(),
        t.elapsed().as_secs_f64()
    );

    println!("6. {} leaves the school: the principal removes that device.", at(&mut class, 0)?.name);
    let leaver = at(&mut class, 0)?.id.public();
    let t = Instant::now();
    let removal = group(&mut principal)?.remove(&[leaver], NOW)?;
    group(&mut principal)?.confirm_pending_commit()?;
    let commit_s = t.elapsed().as_secs_f64();
    let removal_bytes = removal.commit.to_bytes();
    let mut member_s = Vec::new();
    for d in devices.iter_mut().filter(|d| d.group.is_some()).chain(class.iter_mut().skip(1).take(1)) {
        let t = Instant::now();
        match group(d)?.process(&removal_bytes, NOW)? {
            MlsReceived::Commit(ch) if ch.removed == vec![leaver] => {}
            other => return Err(format!("expected the removal, got {other:?}").into()),
        }
        member_s.push(t.elapsed().as_secs_f64());
    }
    let member_s = member_s.iter().sum::<f64>() / member_s.len() as f64;
    let before = at(&mut class, 0)?.group.as_ref().map(|g| g.to_bytes());

    println!("7. The principal's next message.");
    let next = "Ученик 5В-1 переведён в другую школу. / 5В-1 уҡыусыһы башҡа мәктәпкә күсте.";
    let wire = group(&mut principal)?.encrypt(next.as_bytes())?.to_bytes();
    println!("   {} reads: {}", at(&mut devices, 0)?.name.clone(), read(at(&mut devices, 0)?, &wire)?);
    match group(at(&mut class, 0)?)?.process(&wire, NOW) {
        Err(e) => println!("   the departed pupil's device, before it learns of the removal, fails: {e}"),
        Ok(_) => return Err("the removed pupil read the next message".into()),
    }
    if let Some(bytes) = before {
        let mut g = MlsGroup::from_bytes(&bytes, config())?;
        if let MlsReceived::Commit(ch) = g.process(&removal_bytes, NOW)? {
            println!("   after the removal commit: removed = {}, active = {}", ch.removed_self, g.is_active());
        }
        match g.process(&wire, NOW) {
            Err(MlsError::Removed) | Err(_) => println!("   and still cannot read: the group is closed on that device"),
            Ok(_) => return Err("the removed pupil read the next message".into()),
        }
    }

    let n = members;
    let receivers = (n - 2) as f64;
    let mls_bytes = removal_bytes.len() as f64 * (1.0 + receivers);
    let mls_cpu = commit_s + receivers * member_s;
    let (dist_len, dist_s) = sender_keys_distribution()?;
    let dists = ((n - 1) * (n - 2)) as f64;
    let sk_bytes = 2.0 * dists * dist_len as f64;
    let sk_cpu = dists * dist_s;
    println!("8. What the removal cost the whole group of {n} (bytes: each message once up and once down the server):");
    println!(
        "   MLS:         1 commit of {} bytes to {} members = {:.1} MB; CPU {:.2} ms to commit + {:.2} ms per member = {:.1} s in all",
        removal_bytes.len(),
        n - 2,
        mls_bytes / 1e6,
        commit_s * 1e3,
        member_s * 1e3,
        mls_cpu
    );
    println!(
        "   sender keys: (n-1)(n-2) = {dists:.0} 1:1 distributions of {dist_len} bytes = {:.0} MB; CPU {:.1} us each = {:.0} s in all (at least)",
        sk_bytes / 1e6,
        dist_s * 1e6,
        sk_cpu
    );
    println!("   sender keys / MLS: {:.0}x the bytes, {:.0}x the CPU", sk_bytes / mls_bytes, sk_cpu / mls_cpu);
    println!("(whole run {:.1} s)", start.elapsed().as_secs_f64());
    Ok(())
}
