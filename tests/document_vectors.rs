//! Frozen vectors (ASSURANCE row 19): an envelope with a countersignature,
//! timestamps, carried chain and status lists, generated once and committed
//! under `tests/vectors/document/`. Later versions must keep verifying them.
//! Regenerate only on purpose: `VESTNIK_REGEN_VECTORS=1 cargo test --test document_vectors`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/world.rs"]
mod world;

use std::path::Path;
use vestnik::document::*;
use world::*;

const DIR: &str = "tests/vectors/document";
/// The fixed verification time of the frozen vectors (T0 + 1 hour).
const CHECK_AT: u64 = T0 + 3600;
const DOC: &[u8] = b"%PDF-1.7\n% frozen vector: certificate of enrolment, school No. 57\n%%EOF\n";

#[test]
fn generate_vectors_when_asked() {
    if std::env::var("VESTNIK_REGEN_VECTORS").as_deref() != Ok("1") {
        return;
    }
    let w = World::new();
    let mut e = w.signed(DOC);
    let c = e.countersign(0, &w.school.key, &w.school.cert, Commitment::Witnessed, T0 + 60).unwrap();
    w.stamp(&mut e, 0, T0 + 5);
    w.stamp(&mut e, c, T0 + 65);
    for l in w.status_lists(&[3], T0 - DAY, T0 + 7 * DAY) {
        e.add_status_list(&l).unwrap();
    }
    std::fs::create_dir_all(DIR).unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(Path::new(DIR).join(name), bytes).unwrap();
    write("envelope.bin", &e.to_bytes());
    write("document.pdf", DOC);
    write("anchor.bin", &w.anchor.to_bytes());
    write("ca.cert", w.ca.cert.to_bytes());
    write("citizen.cert", w.citizen.cert.to_bytes());
    write("school.cert", w.school.cert.to_bytes());
    write("tsa.cert", w.tsa.cert.to_bytes());
    // Fuzz seeds: small valid encodings of each decoded type.
    let seed = |target: &str, n: usize, bytes: &[u8]| {
        let dir = Path::new("fuzz/corpus").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("seed-{n}")), bytes).unwrap();
    };
    seed("document_envelope", 0, &e.to_bytes());
    seed("document_envelope", 1, &w.signed(b"x").to_bytes());
    seed("document_certificate", 0, w.citizen.cert.to_bytes());
    seed("document_certificate", 1, w.ca.cert.to_bytes());
    seed("document_timestamp", 0, e.signers()[0].timestamps()[0].to_bytes());
    seed("document_status_list", 0, e.status_lists()[0].to_bytes());
}

#[test]
fn frozen_vectors_still_verify() {
    let read = |name: &str| std::fs::read(Path::new(DIR).join(name)).unwrap();
    let env = Envelope::from_bytes(&read("envelope.bin"), &DocumentLimits::default()).unwrap();
    assert_eq!(env.to_bytes(), read("envelope.bin"), "re-encoding is byte-exact");
    let anchor = TrustAnchor::from_bytes(&read("anchor.bin")).unwrap();
    for c in ["ca.cert", "citizen.cert", "school.cert", "tsa.cert"] {
        let cert = Certificate::from_bytes(&read(c)).unwrap();
        assert!(env.certificates().contains(&cert), "{c}");
    }
    let policy =
        VerificationPolicy::new(vec![anchor]).with_min_signers(2).with_required_timestamp(true).with_fresh_status(true);
    let doc = read("document.pdf");
    let r = verify(&env, Some(&doc), &policy, CHECK_AT);
    assert!(r.is_accepted(), "{r}");
    assert_eq!(r.signatures[0].proven_time, Some(T0 + 5));
    assert_eq!(r.signatures[1].countersigns, Some(0));
    // Years later, after the citizen's certificate and the status lists expired:
    // still accepted without the freshness requirement (long-term validation).
    let later = T0 + 2 * 365 * DAY;
    let lenient = VerificationPolicy::new(policy.anchors.clone()).with_min_signers(2).with_required_timestamp(true);
    assert!(verify(&env, Some(&doc), &lenient, later).is_accepted());
}
