//! The main demo: Alice and Bob start a post-quantum conversation (PQXDH:
//! X25519 and ML-KEM-768) through an untrusted server, exchange messages in
//! Russian and Tatar, lose and reorder some of them, save and restore their
//! state, and compare safety numbers.
//!
//! Run with `cargo run --example demo`.

use vestnik::safety_number::SafetyNumber;
use vestnik::storage::{Sealable, StorageKey};
use vestnik::{DeviceIdentity, PeerSessions, PreKeyBundle, PreKeyStore, SessionLimits};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = rand::rng();
    let now = 1_764_320_000; // the app's clock, in seconds

    println!("1. Alice publishes her keys.");
    let alice = DeviceIdentity::generate(&mut rng);
    let mut alice_prekeys = PreKeyStore::new(&alice, now, &mut rng);
    let uploaded = alice_prekeys.generate_one_time_prekeys(20, &mut rng)?;
    let kem_uploaded = alice_prekeys.generate_kem_prekeys(&alice, 10, now, &mut rng)?;
    println!(
        "   identity key, a signed prekey, {} one-time prekeys, {} signed one-time ML-KEM-768 prekeys and a \
         last-resort one go to the server",
        uploaded.len(),
        kem_uploaded.len()
    );

    // The server assembles a bundle from what Alice uploaded (a one-time KEM
    // prekey first, the last-resort one only when they run out), and
    // validates it without any secret (it never sees plaintext).
    let bundle_bytes = alice_prekeys
        .bundle_with_kem(&alice, uploaded.first().map(|k| k.id()), kem_uploaded.first().map(|k| k.id()))
        .to_bytes();
    let bundle = PreKeyBundle::from_bytes(&bundle_bytes)?;
    println!(
        "   the server checked the bundle's signatures and keys, the KEM key by FIPS 203 ({} bytes, post-quantum: {})",
        bundle_bytes.len(),
        bundle.is_post_quantum()
    );

    println!("2. Bob fetches the bundle and starts a session.");
    let bob = DeviceIdentity::generate(&mut rng);
    let mut bob_prekeys = PreKeyStore::new(&bob, now, &mut rng);
    let mut bob_to_alice = PeerSessions::new(bundle.identity());
    bob_to_alice.initiate(&bob, &bundle, now, &mut rng)?;

    let first = bob_to_alice.encrypt("Привет, Алиса! Завтра контрольная по алгебре.".as_bytes(), &mut rng)?;
    let kem_id = PeerSessions::inspect(&first)?.kem_prekey_id();
    println!(
        "   Bob's first message carries the handshake and a 1,088-byte ML-KEM ciphertext (KEM prekey {:?}): {} bytes",
        kem_id.ok_or("a post-quantum first message names its KEM prekey")?,
        first.len()
    );

    println!("3. Alice receives it and answers in Tatar.");
    let claimed = PeerSessions::claimed_sender(&first)?.ok_or("a first message names its sender")?;
    let mut alice_to_bob = PeerSessions::new(claimed);
    let got = alice_to_bob.decrypt(&alice, &mut alice_prekeys, &first, now)?;
    println!("   Alice reads: {}", String::from_utf8_lossy(got.plaintext()));
    println!("   handshake: {:?} (a recording of it stays secret from a future quantum computer)", got.handshake());
    println!(
        "   one-time prekeys left: {}, one-time KEM prekeys left: {}",
        alice_prekeys.one_time_count(),
        alice_prekeys.kem_prekey_count()
    );
    let reply = alice_to_bob.encrypt("Сәлам, Боб! Әзерләнергә кирәк.".as_bytes(), &mut rng)?;
    let got = bob_to_alice.decrypt(&bob, &mut bob_prekeys, &reply, now)?;
    println!("   Bob reads: {}", String::from_utf8_lossy(got.plaintext()));
    println!(
        "   sizes: the reply is {} bytes; a post-quantum bundle {} bytes, its first message {} bytes",
        reply.len(),
        bundle_bytes.len(),
        first.len()
    );

    println!("4. Bob sends three messages; the network reorders them and repeats one.");
    let texts = ["Первое: задача 5.", "Икенче: мәсьәлә 7.", "Третье: до встречи!"];
    let wires: Vec<Vec<u8>> =
        texts.iter().map(|t| bob_to_alice.encrypt(t.as_bytes(), &mut rng)).collect::<Result<_, _>>()?;
    for i in [2, 0, 1] {
        let wire = wires.get(i).ok_or("three messages were sent")?;
        let got = alice_to_bob.decrypt(&alice, &mut alice_prekeys, wire, now)?;
        println!("   message {} arrives: {}", i + 1, String::from_utf8_lossy(got.plaintext()));
    }
    let replayed = wires.first().ok_or("three messages were sent")?;
    match alice_to_bob.decrypt(&alice, &mut alice_prekeys, replayed, now) {
        Err(e) => println!("   message 1 again: refused ({e})"),
        Ok(_) => return Err("a replay decrypted".into()),
    }

    println!("5. Both apps save their state, sealed under a storage key, and restart.");
    let alice_key = StorageKey::generate(&mut rng);
    let sealed = alice_to_bob.seal(&alice_key, &mut rng);
    let sealed_prekeys = alice_prekeys.seal(&alice_key, &mut rng);
    let sealed_identity = alice.seal(&alice_key, &mut rng);
    let bob_saved = bob_to_alice.to_bytes();
    println!("   Alice's sealed sessions: {} bytes; Bob's plain state: {} bytes", sealed.len(), bob_saved.len());
    drop((alice_to_bob, alice_prekeys, alice));
    let alice = DeviceIdentity::unseal(&alice_key, &sealed_identity, &())?;
    let alice_prekeys = PreKeyStore::unseal(&alice_key, &sealed_prekeys, &alice.public())?;
    println!("   Alice restored her identity and {} unused one-time prekeys", alice_prekeys.one_time_count());
    let mut alice_to_bob = PeerSessions::unseal(&alice_key, &sealed, &SessionLimits::default())?;
    let mut bob_to_alice = PeerSessions::from_bytes(&bob_saved)?;
    let m = alice_to_bob.encrypt("Рәхмәт! Спасибо!".as_bytes(), &mut rng)?;
    let got = bob_to_alice.decrypt(&bob, &mut bob_prekeys, &m, now)?;
    println!("   after the restart Bob reads: {}", String::from_utf8_lossy(got.plaintext()));
    // A hostile server replays Bob's first message to a device of Alice's
    // that lost the session: her prekey store remembers the handshake.
    let mut alice_prekeys = alice_prekeys;
    let mut lost = PeerSessions::new(claimed);
    match lost.decrypt(&alice, &mut alice_prekeys, &first, now) {
        Err(e) => println!("   the server replays Bob's first message to a fresh session: refused ({e})"),
        Ok(_) => return Err("a replayed first message decrypted".into()),
    }

    println!("6. They compare safety numbers in person.");
    let at_alice = SafetyNumber::new(&alice.public(), &bob.public());
    let at_bob = SafetyNumber::new(&bob.public(), &alice.public());
    println!("   Alice's screen: {}", at_alice.display_grouped());
    println!("   Bob's screen:   {}", at_bob.display_grouped());
    at_bob.verify_scanned(&at_alice.scannable())?;
    println!("   Bob scanned Alice's code: the numbers match, no one is in the middle.");
    Ok(())
}
