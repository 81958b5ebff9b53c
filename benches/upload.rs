//! Uploads and bundle assembly on the server (issue 17, SPEC §17):
//!
//! - `upload_one_time_validate_1`: `validate` of a one-time batch of 1
//! - `upload_one_time_validate_batch_100`: of a batch of 100 (per key: / 100)
//! - `upload_kem_validate_batch_10`: a KEM batch of 10 one-time + last-resort
//! - `bundle_assemble`: `PreKeyBundle::assemble` from stored forms' values
//! - `bundle_assemble_and_encode`: the same and `to_bytes` (what is sent)
//!
//! Prints, besides criterion's report (targets: under 10 µs per key in a
//! batch of 100, under 5 µs per assembly):
//!
//! - `figure upload_one_time_per_key_us <v>`
//! - `figure bundle_assemble_us <v>`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // benches may panic

mod common;

use common::{criterion, loop_ns, plan, profiling};
use std::hint::black_box;
use vestnik::prekey::{KemPreKeyPublic, OneTimePreKeyPublic, SignedPreKeyPublic};
use vestnik::upload::{UploadLimits, Validated, validate};
use vestnik::{DeviceIdentity, PreKeyBundle, PreKeyStore};

const NOW: u64 = 1_764_000_000;

struct Fixture {
    id: DeviceIdentity,
    batch_1: Vec<u8>,
    batch_100: Vec<u8>,
    kem_10: Vec<u8>,
    spk: SignedPreKeyPublic,
    otk: OneTimePreKeyPublic,
    kem: KemPreKeyPublic,
}

fn fixture() -> Fixture {
    let mut rng = rand::rng();
    let id = DeviceIdentity::generate(&mut rng);
    let mut store = PreKeyStore::new(&id, NOW, &mut rng);
    let batch_1 = store.upload_one_time_prekeys(&id, 1, NOW, &mut rng).unwrap().to_bytes();
    let batch_100 = store.upload_one_time_prekeys(&id, 100, NOW, &mut rng).unwrap().to_bytes();
    let kem_batch = store.upload_kem_prekeys(&id, 10, NOW, &mut rng).unwrap();
    let spk = SignedPreKeyPublic::from_stored_bytes(&store.signed_prekey().to_stored_bytes()).unwrap();
    let otk = OneTimePreKeyPublic::from_stored_bytes(&store.one_time_prekeys()[0].to_stored_bytes()).unwrap();
    let kem = KemPreKeyPublic::from_stored_bytes(&kem_batch.keys()[0].to_stored_bytes()).unwrap();
    Fixture { id, batch_1, batch_100, kem_10: kem_batch.to_bytes(), spk, otk, kem }
}

fn check(bytes: &[u8], f: &Fixture) -> usize {
    match validate(bytes, &f.id.public(), NOW, &UploadLimits::default()).unwrap() {
        Validated::OneTimePreKeys(k) => k.len(),
        Validated::KemPreKeys(k) => k.len(),
        _ => unreachable!(),
    }
}

fn main() {
    let f = fixture();
    let p = f.id.public();
    let mut c = criterion();
    c.bench_function("upload_one_time_validate_1", |b| b.iter(|| check(black_box(&f.batch_1), &f)));
    c.bench_function("upload_one_time_validate_batch_100", |b| b.iter(|| check(black_box(&f.batch_100), &f)));
    c.bench_function("upload_kem_validate_batch_10", |b| b.iter(|| check(black_box(&f.kem_10), &f)));
    c.bench_function("bundle_assemble", |b| {
        b.iter(|| PreKeyBundle::assemble(black_box(&p), &f.spk, Some(&f.otk), Some(&f.kem)))
    });
    c.bench_function("bundle_assemble_and_encode", |b| {
        b.iter(|| PreKeyBundle::assemble(black_box(&p), &f.spk, Some(&f.otk), Some(&f.kem)).to_bytes())
    });
    if profiling() {
        return;
    }
    let (_, n) = plan(2_000);
    let per_batch = loop_ns(n, || check(black_box(&f.batch_100), &f));
    println!("figure upload_one_time_per_key_us {:.3}", per_batch / 100.0 / 1_000.0);
    let (_, n) = plan(200_000);
    let assemble = loop_ns(n, || PreKeyBundle::assemble(black_box(&p), &f.spk, Some(&f.otk), Some(&f.kem)));
    println!("figure bundle_assemble_us {:.3}", assemble / 1_000.0);
    c.final_summary();
}
