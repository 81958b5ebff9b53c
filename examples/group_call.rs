//! A group call: three devices talk through a forwarding server that cannot
//! read the media, a fourth joins and cannot hear what was said before, one
//! leaves and cannot hear what is said after.
//!
//! Run with `cargo run --example group_call`.

use std::collections::BTreeMap;
use vestnik::call::{Call, CallError, CallId, CallKeyDelivery, CipherSuite, FrameInfo, MAX_OVERHEAD};
use vestnik::{CallLimits, ContentType, DeviceIdentity, IdentityPublic, PeerSessions, PreKeyStore};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

struct Device {
    name: &'static str,
    id: DeviceIdentity,
    prekeys: PreKeyStore,
    sessions: BTreeMap<[u8; 32], PeerSessions>,
    call: Option<Call>,
}

fn key(p: &IdentityPublic) -> [u8; 32] {
    *p.signing_key().as_bytes()
}

fn get(devices: &mut [Device], i: usize) -> Result<&mut Device> {
    devices.get_mut(i).ok_or_else(|| "no such device".into())
}

fn call_of(d: &mut Device) -> Result<&mut Call> {
    d.call.as_mut().ok_or_else(|| "not in the call".into())
}

/// Sends each call key inside the 1:1 session with its recipient, as a
/// `CallKey` payload; the recipient decrypts it and installs the key.
fn deliver(devices: &mut [Device], from: usize, deliveries: &[CallKeyDelivery], now_ms: u64) -> Result<()> {
    let mut rng = rand::rng();
    let sender = get(devices, from)?.id.public();
    for d in deliveries {
        let to = devices.iter().position(|x| x.id.public() == *d.to()).ok_or("unknown recipient")?;
        let session = get(devices, from)?.sessions.get_mut(&key(d.to())).ok_or("no session")?;
        let wire = session.encrypt_typed(ContentType::CallKey, d.body(), &mut rng)?;
        let r = get(devices, to)?;
        let received =
            r.sessions.get_mut(&key(&sender)).ok_or("no session")?.decrypt(&r.id, &mut r.prekeys, &wire, 0)?;
        call_of(r)?.receive_key(&received, now_ms)?;
    }
    Ok(())
}

/// The forwarding server: it sees each frame's SFrame header (to route it),
/// never a key.
#[derive(Default)]
struct ForwardingServer {
    recorded: Vec<Vec<u8>>,
}

impl ForwardingServer {
    /// Routes one frame from `from` to every other device in the call.
    fn forward(
        &mut self,
        devices: &mut [Device],
        from: usize,
        frame: &[u8],
        now_ms: u64,
    ) -> Vec<(usize, std::result::Result<FrameInfo, CallError>)> {
        self.recorded.push(frame.to_vec());
        let mut results = Vec::new();
        for (i, d) in devices.iter_mut().enumerate() {
            if i == from {
                continue;
            }
            if let Some(call) = d.call.as_mut() {
                let mut out = vec![0u8; frame.len()];
                results.push((i, call.unprotect(b"", frame, &mut out, now_ms)));
            }
        }
        results
    }
}

/// One 20 ms audio frame (80 bytes of codec output, here a recognisable pattern).
fn audio(speaker: usize, n: usize) -> [u8; 80] {
    let mut f = [0u8; 80];
    for (i, b) in f.iter_mut().enumerate() {
        *b = (speaker * 31 + n * 7 + i) as u8;
    }
    f
}

fn speak(
    devices: &mut [Device],
    server: &mut ForwardingServer,
    who: usize,
    frames: usize,
    now_ms: u64,
) -> Result<Vec<Vec<u8>>> {
    let mut sent = Vec::new();
    for n in 0..frames {
        let payload = audio(who, n);
        let mut frame = [0u8; 80 + MAX_OVERHEAD];
        let len = call_of(get(devices, who)?)?.protect(b"", &payload, &mut frame)?;
        let frame = frame.get(..len).ok_or("frame")?.to_vec();
        if frame.windows(16).any(|w| payload.windows(16).any(|p| p == w)) {
            return Err("the server could see audio".into());
        }
        for (i, r) in server.forward(devices, who, &frame, now_ms + 20 * n as u64) {
            if let Err(e) = r {
                println!(
                    "   {} could not decrypt a frame from {}: {e}",
                    devices.get(i).map_or("?", |d| d.name),
                    devices.get(who).map_or("?", |d| d.name)
                );
            }
        }
        sent.push(frame);
    }
    Ok(sent)
}

fn main() -> Result<()> {
    let mut rng = rand::rng();
    let names = ["Айгуль", "Борис", "Вера", "Гата"];
    let [aigul, boris, vera, gata] = names;
    let mut devices: Vec<Device> = names
        .iter()
        .map(|&name| {
            let id = DeviceIdentity::generate(&mut rng);
            let prekeys = PreKeyStore::new(&id, 0, &mut rng);
            Device { name, id, prekeys, sessions: BTreeMap::new(), call: None }
        })
        .collect();
    let publics: Vec<IdentityPublic> = devices.iter().map(|d| d.id.public()).collect();

    println!("1. Four devices have 1:1 sessions with each other (the call keys travel inside them).");
    for i in 0..devices.len() {
        for j in i + 1..devices.len() {
            let (pi, pj) = (*publics.get(i).ok_or("i")?, *publics.get(j).ok_or("j")?);
            let bundle = {
                let dj = get(&mut devices, j)?;
                dj.prekeys.bundle(&dj.id, None)
            };
            let mut s = PeerSessions::new(pj);
            s.initiate(&get(&mut devices, i)?.id, &bundle, 0, &mut rng)?;
            get(&mut devices, i)?.sessions.insert(key(&pj), s);
            get(&mut devices, j)?.sessions.insert(key(&pi), PeerSessions::new(pi));
        }
    }

    let call_id = CallId::random(&mut rng);
    let suite = CipherSuite::recommended();
    println!("2. {aigul}, {boris} and {vera} start a call (cipher suite {suite:?}).");
    let mut outboxes = Vec::new();
    for i in 0..3 {
        let others: Vec<(u16, IdentityPublic)> =
            (0..3u16).zip(publics.iter().copied()).filter(|(j, _)| usize::from(*j) != i).collect();
        let (call, deliveries) = Call::start(
            call_id,
            suite,
            i as u16,
            *publics.get(i).ok_or("own")?,
            &others,
            CallLimits::default(),
            &mut rng,
        )?;
        get(&mut devices, i)?.call = Some(call);
        outboxes.push(deliveries);
    }
    for (i, d) in outboxes.iter().enumerate() {
        deliver(&mut devices, i, d, 0)?;
    }
    println!("   Each sent its own media key to the two others: 6 messages over 1:1 sessions.");

    let mut server = ForwardingServer::default();
    println!("3. Everyone speaks for 100 ms (five 20 ms frames of 80 bytes each).");
    let mut before_join = Vec::new();
    for who in 0..3 {
        before_join.extend(speak(&mut devices, &mut server, who, 5, 100)?);
    }
    println!(
        "   The server forwarded {} frames; it sees only who sends (KID) and a counter, never the audio.",
        server.recorded.len()
    );

    println!("4. {gata} joins. The others ratchet their keys one step and send her the new one.");
    let others: Vec<(u16, IdentityPublic)> = (0..3u16).zip(publics.iter().copied()).collect();
    let gata_public = *publics.get(3).ok_or("gata")?;
    let (call, newcomer_keys) = Call::start(call_id, suite, 3, gata_public, &others, CallLimits::default(), &mut rng)?;
    get(&mut devices, 3)?.call = Some(call);
    for i in 0..3 {
        let d = call_of(get(&mut devices, i)?)?.participant_joined(3, gata_public, &mut rng)?;
        deliver(&mut devices, i, &d, 200)?;
    }
    deliver(&mut devices, 3, &newcomer_keys, 200)?;
    let mut readable = 0;
    for frame in &before_join {
        let mut out = vec![0u8; frame.len()];
        if call_of(get(&mut devices, 3)?)?.unprotect(b"", frame, &mut out, 200).is_ok() {
            readable += 1;
        }
    }
    println!(
        "   {gata} replays the {} frames the server recorded before she joined: she can read {readable}.",
        before_join.len()
    );
    for who in 0..4 {
        speak(&mut devices, &mut server, who, 5, 300)?;
    }
    println!("   Now all four hear each other (no error above means every frame decrypted).");

    println!("5. {boris} leaves. The three others switch to fresh keys and send them only to each other.");
    let remaining = [0usize, 2, 3];
    // Each applies the departure before installing the others' new keys,
    // which are bound to the roster without him.
    let mut outboxes = Vec::new();
    for &i in &remaining {
        outboxes.push((i, call_of(get(&mut devices, i)?)?.participant_left(1, 500, &mut rng)?));
    }
    for (i, d) in &outboxes {
        deliver(&mut devices, *i, d, 500)?;
    }
    // Boris's device is out of the call, but a server could still send it frames.
    let departed = get(&mut devices, 1)?.call.take();
    let mut after_leave = Vec::new();
    for &who in &remaining {
        after_leave.extend(speak(&mut devices, &mut server, who, 5, 600)?);
    }
    let mut departed_call = departed.ok_or("departed call")?;
    let mut readable = 0;
    for frame in &after_leave {
        let mut out = vec![0u8; frame.len()];
        if departed_call.unprotect(b"", frame, &mut out, 600).is_ok() {
            readable += 1;
        }
    }
    println!(
        "   {boris}'s old call state tries the {} frames sent after he left: it can read {readable}.",
        after_leave.len()
    );
    println!("   The others keep each old key for 2 s, so frames still in flight at the switch decrypt.");
    println!("6. Done: the server routed {} frames without reading one.", server.recorded.len());
    Ok(())
}
