// Fuzz target: a member of a small MLS group processes arbitrary bytes; on
// any error its serialized state is unchanged, and an application message
// never decrypts twice. Inputs starting with 0 become a real application
// message of the other member with one byte edited, 1 a real commit.

use vestnik::DeviceIdentity;
use vestnik::mls::{MlsConfig, MlsError, MlsGroup, MlsKeyPackageStore, MlsLimits, MlsReceived, MlsSuite, TrustedIdentities};

struct MlsFixture {
    alice: Vec<u8>,
    alice_identity: Vec<u8>,
    bob: Vec<u8>,
}

fn config() -> MlsConfig {
    MlsConfig::new(TrustedIdentities::any_valid_identity())
}

fn mls_fixture() -> &'static MlsFixture {
    static F: std::sync::OnceLock<MlsFixture> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let mut rng = rand::rng();
        let alice = DeviceIdentity::generate(&mut rng);
        let bob = DeviceIdentity::generate(&mut rng);
        let mut store = MlsKeyPackageStore::new(MlsLimits::default());
        let (a, b) = (|| {
            let kp = store.generate(&bob, MlsSuite::default(), 0, false, &mut rng).ok()?;
            let mut a = MlsGroup::create(&alice, MlsSuite::default(), b"fuzz", config(), 0, &mut rng).ok()?;
            let c = a.add(&[kp], 0).ok()?;
            a.confirm_pending_commit().ok()?;
            let b = MlsGroup::join(&mut store, c.welcome.as_ref()?, c.ratchet_tree.as_ref()?, config(), 0).ok()?;
            Some((a.to_bytes().to_vec(), b.to_bytes().to_vec()))
        })()
        .unwrap_or_default();
        MlsFixture { alice: a, alice_identity: alice.to_bytes().to_vec(), bob: b }
    })
}

pub fn run(data: &[u8]) {
    let f = mls_fixture();
    let Ok(mut bob) = MlsGroup::from_bytes(&f.bob, config()) else { return };
    let input: Vec<u8> = match data.split_first() {
        Some((k @ (0 | 1), rest)) => {
            let Ok(mut alice) = MlsGroup::from_bytes(&f.alice, config()) else { return };
            let m = if *k == 0 {
                alice.encrypt(rest).map(|m| m.to_bytes())
            } else {
                let Ok(id) = DeviceIdentity::from_bytes(&f.alice_identity) else { return };
                alice.self_update(&id, 0, &mut rand::rng()).map(|c| c.commit.to_bytes())
            };
            let Ok(mut m) = m else { return };
            let at = rest.first().map_or(0, |&b| usize::from(b) * 7) % m.len().max(1);
            if let Some(x) = m.get_mut(at) {
                *x ^= rest.get(1).copied().unwrap_or(0);
            }
            m
        }
        _ => data.to_vec(),
    };
    let before = bob.to_bytes().to_vec();
    match bob.process(&input, 0) {
        Ok(MlsReceived::Application(_)) => {
            assert!(bob.process(&input, 0).err() == Some(MlsError::Duplicate), "decrypted twice");
        }
        Ok(_) => {}
        Err(_) => assert!(bob.to_bytes().to_vec() == before, "failed processing changed state"),
    }
}
