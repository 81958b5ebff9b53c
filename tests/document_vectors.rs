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
    // Its status lists are version 1 (untyped, no revocation times): they
    // still decode but no longer count as status (SPEC §10, §11.4), so with
    // fresh status required the verdict is now StatusMissing for the
    // citizen (serial 7); without the requirement it is still accepted.
    assert!(env.status_lists().iter().all(|l| l.version() == 1));
    let r = verify(&env, Some(&doc), &policy, CHECK_AT);
    assert!(!r.is_accepted(), "{r}");
    let missing = Err(Failure::Chain(ChainError::StatusMissing { depth: 0, serial: 7 }));
    assert!(r.signatures[0].checks.iter().any(|c| c.kind == CheckKind::CertificatePath && c.result == missing), "{r}");
    let policy = policy.with_fresh_status(false);
    let r = verify(&env, Some(&doc), &policy, CHECK_AT);
    assert!(r.is_accepted(), "{r}");
    assert_eq!(r.signatures[0].proven_time, Some(T0 + 5));
    assert_eq!(r.signatures[1].countersigns, Some(0));
    // Years later, after the citizen's certificate and the status lists expired:
    // still accepted without the freshness requirement (long-term validation).
    let later = T0 + 2 * 365 * DAY;
    let lenient = VerificationPolicy::new(policy.anchors.clone())
        .with_min_signers(2)
        .with_required_timestamp(true)
        .with_fresh_status(false);
    assert!(verify(&env, Some(&doc), &lenient, later).is_accepted());
}

const DIR_V2: &str = "tests/vectors/document/v2";
const YEAR: u64 = 365 * DAY;
/// The fixed verification time of the v2 vectors (T0 + 12 years + 1 hour).
const CHECK_V2_AT: u64 = T0 + 12 * YEAR + 3600;

/// Writes the v2 vectors (SPEC §10): `VESTNIK_REGEN_VECTORS=2 cargo test --test document_vectors`.
#[test]
fn generate_v2_vectors_when_asked() {
    if std::env::var("VESTNIK_REGEN_VECTORS").as_deref() != Ok("2") {
        return;
    }
    let l = DocumentLimits::default();
    let w = World::new();
    let mut e = w.signed(DOC);
    let c = e.countersign(0, &w.school.key, &w.school.cert, Commitment::Witnessed, T0 + 60).unwrap();
    w.stamp(&mut e, 0, T0 + 5);
    w.stamp(&mut e, c, T0 + 65);
    let ca_rev = [Revocation::new(3, T0 - DAY, RevocationReason::Superseded)];
    let ca =
        StatusList::issue_with_entries(&w.ca.key, StatusType::Certificates, T0 - DAY, T0 + 6 * DAY, 64, &ca_rev, &l);
    e.add_status_list(&ca.unwrap()).unwrap();
    let root = StatusList::issue(&w.root, StatusType::Certificates, T0 - DAY, T0 + 6 * DAY, 64, &[], &l).unwrap();
    e.add_status_list(&root).unwrap();
    // Re-stamped at T0 + 5 years by a second TSA, validation material first.
    let at = T0 + 5 * YEAR;
    let tsa2 = vestnik::crypto::sig::SigningKey::generate(&mut rand::rng());
    let tsa2_cert = Certificate::issue(
        &w.root,
        &request(
            &tsa2,
            "TSA-2",
            "Служба времени 2",
            Role::TimestampAuthority,
            KeyUsage::TIMESTAMPING,
            T0 + 4 * YEAR,
            T0 + 14 * YEAR,
            21,
        ),
    )
    .unwrap();
    e.add_certificate(&tsa2_cert).unwrap();
    let root_at = StatusList::issue(&w.root, StatusType::Certificates, at - DAY, at + 6 * DAY, 64, &[], &l).unwrap();
    e.add_status_list(&root_at).unwrap();
    let req = e.archive_timestamp_request(&mut rand::rng());
    e.add_archive_timestamp(TimestampToken::issue(&tsa2, &req, at, 5000)).unwrap();
    let now_list =
        StatusList::issue(&w.root, StatusType::Certificates, T0 + 12 * YEAR, T0 + 12 * YEAR + 7 * DAY, 64, &[], &l)
            .unwrap();
    std::fs::create_dir_all(DIR_V2).unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(Path::new(DIR_V2).join(name), bytes).unwrap();
    write("envelope.bin", &e.to_bytes());
    write("document.pdf", DOC);
    write("anchor.bin", &w.anchor.to_bytes());
    write("root_status.bin", now_list.to_bytes());
    // Fuzz seeds of the v2 formats, reaching the archive and entry decoders.
    let seed = |target: &str, n: usize, bytes: &[u8]| {
        std::fs::write(Path::new("fuzz/corpus").join(target).join(format!("seed-{n}")), bytes).unwrap();
    };
    seed("document_envelope", 2, &e.to_bytes());
    seed("document_status_list", 1, e.status_lists()[0].to_bytes());
    seed("document_status_list", 2, root_at.to_bytes());
    seed("document_timestamp", 1, e.archive_timestamps()[0].token().to_bytes());
}

#[test]
fn frozen_v2_vectors_verify() {
    let read = |name: &str| std::fs::read(Path::new(DIR_V2).join(name)).unwrap();
    let l = DocumentLimits::default();
    let env = Envelope::from_bytes(&read("envelope.bin"), &l).unwrap();
    assert_eq!(env.to_bytes(), read("envelope.bin"), "re-encoding is byte-exact");
    assert_eq!(env.version(), 2);
    assert_eq!(env.archive_timestamps().len(), 1);
    assert!(env.status_lists().iter().all(|l| l.version() == 2 && l.status_type() == Some(StatusType::Certificates)));
    let anchor = TrustAnchor::from_bytes(&read("anchor.bin")).unwrap();
    let root_status = StatusList::from_bytes(&read("root_status.bin"), &l).unwrap();
    let doc = read("document.pdf");
    let policy = VerificationPolicy::new(vec![anchor]).with_min_signers(2).with_required_timestamp(true);
    let r = verify(&env, Some(&doc), &policy.clone().with_status_lists(vec![root_status]), CHECK_V2_AT);
    assert!(r.is_accepted(), "{r}");
    assert_eq!(r.signatures[0].proven_time, Some(T0 + 5));
    assert_eq!(r.signatures[1].proven_time, Some(T0 + 65));
    assert_eq!(r.archive_times, vec![T0 + 5 * YEAR]);
    let r = verify(&env, Some(&doc), &policy, CHECK_V2_AT);
    assert!(!r.is_accepted(), "no status fresh for now for the second TSA: {r}");
}
