// The server's upload check on arbitrary bytes (SPEC §17.1): no panic; an
// accepted one-time batch holds 1 to the cap of distinct non-zero ids; an
// accepted KEM batch at most one last-resort key; every accepted value's
// stored form loads back to it; a bundle assembled from accepted parts
// passes the client's `PreKeyBundle::from_bytes`. Inputs starting with
// 0x90, 0x91 or 0x92 become a real signed upload with one byte edited, so
// the fuzzer reaches the checks past the size and format.

use rand::SeedableRng;
use vestnik::prekey::{KemPreKeyPublic, OneTimePreKeyPublic, SignedPreKeyPublic};
use vestnik::upload::{UploadLimits, Validated, validate};
use vestnik::{DeviceIdentity, IdentityPublic, PreKeyBundle, PreKeyStore};

const T: u64 = 1_764_000_000;

struct Fixture {
    device: IdentityPublic,
    uploads: [Vec<u8>; 3],
    spk: SignedPreKeyPublic,
}

fn fixture() -> &'static Option<Fixture> {
    static F: std::sync::OnceLock<Option<Fixture>> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let mut rng = rand::rngs::StdRng::seed_from_u64(90);
        let id = DeviceIdentity::generate(&mut rng);
        let mut store = PreKeyStore::new(&id, T, &mut rng);
        let otk = store.upload_one_time_prekeys(&id, 4, T, &mut rng).ok()?;
        let kem = store.upload_kem_prekeys(&id, 1, T, &mut rng).ok()?;
        let spk = store.signed_prekey_upload(&id);
        Some(Fixture {
            device: id.public(),
            uploads: [spk.to_bytes(), otk.to_bytes(), kem.to_bytes()],
            spk: *spk.prekey(),
        })
    })
}

pub fn run(data: &[u8]) {
    let Some(f) = fixture() else { return };
    let input: Vec<u8> = match data.split_first() {
        Some((&t @ 0x90..=0x92, rest)) => {
            let mut u = f.uploads[usize::from(t - 0x90)].clone();
            let at = rest.first().map_or(0, |&b| usize::from(b)) * 13 % u.len();
            if let Some(x) = u.get_mut(at) {
                *x ^= rest.get(1).copied().unwrap_or(1);
            }
            u
        }
        _ => data.to_vec(),
    };
    let limits = UploadLimits::default();
    match validate(&input, &f.device, T, &limits) {
        Ok(Validated::SignedPreKey(s)) => {
            assert_eq!(SignedPreKeyPublic::from_stored_bytes(&s.to_stored_bytes()).ok(), Some(s));
            let b = PreKeyBundle::assemble(&f.device, &s, None, None);
            assert!(PreKeyBundle::from_bytes(&b.to_bytes()).is_ok(), "an accepted signed prekey makes a valid bundle");
        }
        Ok(Validated::OneTimePreKeys(keys)) => {
            assert!(!keys.is_empty() && keys.len() <= limits.max_one_time_batch);
            let mut ids: Vec<u32> = keys.iter().map(|k| k.id()).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), keys.len());
            assert!(ids.first().is_some_and(|&i| i != 0));
            for k in &keys {
                assert_eq!(OneTimePreKeyPublic::from_stored_bytes(&k.to_stored_bytes()).ok(), Some(*k));
            }
            let b = PreKeyBundle::assemble(&f.device, &f.spk, keys.first(), None);
            assert!(PreKeyBundle::from_bytes(&b.to_bytes()).is_ok());
        }
        Ok(Validated::KemPreKeys(keys)) => {
            assert!(!keys.is_empty());
            let lr = keys.iter().filter(|k| k.kind() == vestnik::prekey::KemPreKeyKind::LastResort).count();
            assert!(lr <= 1);
            for k in &keys {
                assert_eq!(KemPreKeyPublic::from_stored_bytes(&k.to_stored_bytes()).ok().as_ref(), Some(k));
            }
            let b = PreKeyBundle::assemble(&f.device, &f.spk, None, keys.first());
            assert!(PreKeyBundle::from_bytes(&b.to_bytes()).is_ok(), "an accepted KEM prekey makes a valid bundle");
        }
        Ok(_) | Err(_) => {}
    }
    // The stored-form loaders on the raw input.
    let _ = SignedPreKeyPublic::from_stored_bytes(data);
    let _ = OneTimePreKeyPublic::from_stored_bytes(data);
    let _ = KemPreKeyPublic::from_stored_bytes(data);
}
