//! Credential benches: issue a 12-claim credential, present 3 of its 12
//! claims, and verify that presentation under a 2-certificate issuer chain
//! (anchor -> intermediate CA -> issuer) with one fresh status list, without
//! and with a warm `ChainCache`.
//!
//! Each workload has a *floor*: the signatures, key imports, hashes and
//! random bytes the operation cannot avoid, timed here from the primitive
//! crates vestnik uses (ed25519-dalek, curve25519-dalek, sha2, rand) over the
//! exact bytes the workload signs, verifies and hashes.
//!
//! After criterion, the binary prints (from its own interleaved timing loop,
//! vestnik first, medians of the rounds):
//! - `ratio <workload> <measured / floor> (floor F µs, measured M µs)`
//! - `size <object> <bytes>`
//! - `component <name> <µs>`: single primitives, to explain the ratios.
//!
//! Run: `cargo bench --bench credential`.

// A bench that cannot set up its workload should stop loudly: unwrap/expect
// here are not reachable by any input an attacker controls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(missing_docs)]

mod common;

use common::{criterion, interleaved, plan};
use criterion::Criterion;
use sha2::{Digest, Sha256};
use std::hint::black_box;
use vestnik::credential::*;
use vestnik::crypto::sig::SigningKey;
use vestnik::document::{
    Certificate, CertificateRequest, ChainCache, DocumentLimits, KeyUsage, Role, StatusList, StatusType, TrustAnchor,
};
use vestnik::labels;

/// The verifier's clock.
const NOW: u64 = 1_780_000_000;
/// The credential's status-list index.
const SERIAL: u64 = 17;
/// The claims a verifier asks for (3 of the 12).
const ASKED: &[&str] = &["age_over_18", "family_name", "portrait"];

/// An issuer under a 2-certificate chain, a 12-claim template, one issued and
/// held credential, a request for 3 claims, its presentation, a fresh status
/// list and a policy trusting the root.
struct Fixture {
    root_key: [u8; 32],
    issuer: CredentialIssuer,
    template: CredentialTemplate,
    holder_public: vestnik::crypto::sig::VerifyingKey,
    held: HeldCredential,
    request: PresentationRequest,
    presentation: Vec<u8>,
    status: StatusList,
    policy: CredentialPolicy,
}

fn cert_request(key: &SigningKey, id: &str, name: &str, usage: KeyUsage, serial: u64) -> CertificateRequest {
    CertificateRequest::new(key.verifying_key(), id, name, Role::Issuer, usage, 0, 2_000_000_000)
        .serial(serial)
        .credential_types(&["ru.gov.passport"])
}

fn passport_claims() -> Vec<Claim> {
    let photo: [u8; 32] = Sha256::digest([0x5au8; 24_000]).into();
    vec![
        Claim::text("family_name", "Петрова"),
        Claim::text("given_name", "Анна"),
        Claim::text("patronymic", "Сергеевна"),
        Claim::date("birth_date", 2008, 3, 14).unwrap(),
        Claim::text("birth_place", "гор. Нижний Новгород"),
        Claim::text("number", "4510 123456"),
        Claim::date("issue_date", 2022, 4, 2).unwrap(),
        Claim::integer("issuer_code", 520_008),
        Claim::text("issuing_authority", "ГУ МВД России по Нижегородской области"),
        Claim::boolean("age_over_14", true),
        Claim::boolean("age_over_18", false),
        Claim::new("portrait", ClaimValue::Sha256(photo)),
    ]
}

impl Fixture {
    fn new() -> Self {
        let mut rng = rand::rng();
        let root = SigningKey::generate(&mut rng);
        let anchor = TrustAnchor::new(
            root.verifying_key(),
            "Госуслуги",
            KeyUsage::CERTIFICATE_ISSUING | KeyUsage::CREDENTIAL_ISSUING,
            1,
        );
        let ca = SigningKey::generate(&mut rng);
        let ca_cert = Certificate::issue(
            &root,
            &cert_request(&ca, "ru.gov.mvd.ca", "УЦ МВД России", KeyUsage::CERTIFICATE_ISSUING, 1),
        )
        .unwrap();
        let key = SigningKey::generate(&mut rng);
        let cert =
            Certificate::issue(&ca, &cert_request(&key, "ru.gov.mvd", "МВД России", KeyUsage::CREDENTIAL_ISSUING, 2))
                .unwrap();
        let issuer = CredentialIssuer::new(key, vec![cert, ca_cert]).unwrap();
        let template = CredentialTemplate {
            doc_type: "ru.gov.passport".into(),
            claims: passport_claims(),
            not_before: 0,
            not_after: 2_000_000_000,
        };
        assert_eq!(template.claims.len(), 12);
        let holder = SigningKey::generate(&mut rng);
        let holder_public = holder.verifying_key();
        let issued = issuer.issue(&template, &holder_public, SERIAL, &mut rng).unwrap();
        let held = HeldCredential::new(issued, holder).unwrap();
        let request = PresentationRequest::new(
            &RequestSpec {
                audience: "bot.school57",
                doc_type: "ru.gov.passport",
                claims: ASKED,
                expires: NOW + 600,
                purpose: "Проверка возраста",
            },
            &mut rng,
        )
        .unwrap();
        let presentation = held.present(&request, NOW).unwrap().to_bytes().to_vec();
        let status = StatusList::issue(
            issuer.signing_key(),
            StatusType::Credentials,
            NOW - 60,
            NOW + 86_400,
            1024,
            &[],
            &DocumentLimits::default(),
        )
        .unwrap();
        let policy = CredentialPolicy::new(vec![IssuerRule::new(anchor, &["ru.gov.passport"])]);
        let f = Self {
            root_key: *root.verifying_key().as_bytes(),
            issuer,
            template,
            holder_public,
            held,
            request,
            presentation,
            status,
            policy,
        };
        let v = f.verify_uncached();
        assert_eq!(v.claim("age_over_18"), Some(&ClaimValue::Bool(false)));
        assert!(v.claim("family_name").is_some() && v.claim("portrait").is_some() && v.claim("birth_date").is_none());
        assert_eq!(v.claims().len(), 3);
        f
    }

    fn issue(&self) -> IssuedCredential {
        self.issuer.issue(&self.template, &self.holder_public, SERIAL, &mut rand::rng()).unwrap()
    }

    fn present(&self) -> Presentation {
        self.held.present(&self.request, NOW).unwrap()
    }

    fn verify_uncached(&self) -> VerifiedPresentation {
        verify_presentation(&self.presentation, &self.request, &self.policy, std::slice::from_ref(&self.status), NOW)
            .unwrap()
    }

    fn verify_cached(&self, cache: &ChainCache) -> VerifiedPresentation {
        verify_presentation_with_cache(
            &self.presentation,
            &self.request,
            &self.policy,
            std::slice::from_ref(&self.status),
            NOW,
            cache,
        )
        .unwrap()
    }

    fn warm_cache(&self) -> ChainCache {
        let cache = ChainCache::new();
        self.verify_cached(&cache);
        let hits = cache.hits();
        self.verify_cached(&cache);
        assert!(cache.hits() > hits, "the second cached verification hits the cache");
        cache
    }
}

/// The length-delimited fields numbered `n` of a protobuf message (the bench
/// reads the exact signed and hashed bytes out of the encodings).
fn fields(mut buf: &[u8], n: u64) -> Vec<&[u8]> {
    fn varint(buf: &mut &[u8]) -> u64 {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (b, rest) = buf.split_first().expect("varint");
            *buf = rest;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
        }
        v
    }
    let mut out = Vec::new();
    while !buf.is_empty() {
        let key = varint(&mut buf);
        match key & 7 {
            0 => {
                varint(&mut buf);
            }
            2 => {
                let len = usize::try_from(varint(&mut buf)).unwrap();
                let (v, rest) = buf.split_at(len);
                if key >> 3 == n {
                    out.push(v);
                }
                buf = rest;
            }
            w => panic!("wire type {w} not used by these messages"),
        }
    }
    out
}

fn field(buf: &[u8], n: u64) -> &[u8] {
    let f = fields(buf, n);
    assert_eq!(f.len(), 1);
    f[0]
}

/// The primitive floors: the same dependency crates vestnik uses, doing only
/// the cryptographic work each operation needs, over the exact bytes.
mod floor {
    use super::{field, fields};
    use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
    use curve25519_dalek::scalar::Scalar;
    use curve25519_dalek::traits::IsIdentity;
    use ed25519_dalek::Signer;
    use rand::Rng;
    use sha2::{Digest, Sha256, Sha512};
    use vestnik::labels::{self, SigContext};

    /// `len(label) || label || message`, as every vestnik signature covers.
    pub(crate) fn signing_input(context: SigContext, message: &[u8]) -> Vec<u8> {
        let label = context.as_bytes();
        let mut v = vec![u8::try_from(label.len()).unwrap()];
        v.extend_from_slice(label);
        v.extend_from_slice(message);
        v
    }

    /// `SHA-256(len(label) || label || parts...)`, streamed.
    pub(crate) fn labelled_sha256(label: &str, parts: &[&[u8]]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update([u8::try_from(label.len()).unwrap()]);
        h.update(label.as_bytes());
        for p in parts {
            h.update(p);
        }
        h.finalize().into()
    }

    /// True when the 255-bit y of an encoding is below p = 2^255 - 19. With
    /// the small-order check that follows every decompression, this is the
    /// canonical-encoding rule (the only other non-canonical encodings are
    /// x = 0 with the sign bit set, i.e. y = +-1, both of small order), so the
    /// floor needs no re-compression (a field inversion).
    fn y_canonical(enc: &[u8; 32]) -> bool {
        let high = enc[31] & 0x7f == 0x7f && enc[1..31].iter().all(|&b| b == 0xff);
        !(high && enc[0] >= 0xed)
    }

    /// Key import as SPEC.md §2.2 states it: canonical encoding of a curve
    /// point, not of small order, torsion-free (checked with
    /// `is_torsion_free`, as vestnik does).
    pub(crate) fn import(enc: &[u8; 32]) -> Option<EdwardsPoint> {
        if !y_canonical(enc) {
            return None;
        }
        let p = CompressedEdwardsY(*enc).decompress()?;
        (!p.is_small_order() && p.is_torsion_free()).then_some(p)
    }

    /// One signature under vestnik's acceptance rule (src/crypto/sig.rs):
    /// canonical S, canonical R not of small order, k = SHA-512(R || A ||
    /// len || label || message), and [8]([S]B - [k]A - R) = identity with
    /// the same `vartime_double_scalar_mul_basepoint` vestnik uses. The input
    /// is hashed streaming, with no copy.
    pub(crate) fn verify(
        key: &EdwardsPoint,
        key_enc: &[u8; 32],
        context: SigContext,
        message: &[u8],
        sig: &[u8; 64],
    ) -> bool {
        let r_enc: [u8; 32] = sig[..32].try_into().unwrap();
        let s_enc: [u8; 32] = sig[32..].try_into().unwrap();
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_enc)) else { return false };
        if !y_canonical(&r_enc) {
            return false;
        }
        let Some(r) = CompressedEdwardsY(r_enc).decompress() else { return false };
        if r.is_small_order() {
            return false;
        }
        let label = context.as_bytes();
        let mut h = Sha512::new();
        h.update(r_enc);
        h.update(key_enc);
        h.update([u8::try_from(label.len()).unwrap()]);
        h.update(label);
        h.update(message);
        let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
        let sb_minus_ka = EdwardsPoint::vartime_double_scalar_mul_basepoint(&(-k), key, &s);
        (sb_minus_ka - r).mul_by_cofactor().is_identity()
    }

    /// A signed message: its key (encoded), context, message and signature.
    pub(crate) struct Signed {
        key: [u8; 32],
        context: SigContext,
        message: Vec<u8>,
        sig: [u8; 64],
    }

    impl Signed {
        /// The signed bytes (field `tbs_field`) and signature (field
        /// `sig_field`) of an encoded message signed by `key`.
        fn new(key: [u8; 32], context: SigContext, bytes: &[u8], tbs_field: u64, sig_field: u64) -> Self {
            Self {
                key,
                context,
                message: field(bytes, tbs_field).to_vec(),
                sig: field(bytes, sig_field).try_into().unwrap(),
            }
        }

        fn check(&self, key: &EdwardsPoint) -> bool {
            verify(key, &self.key, self.context, &self.message, &self.sig)
        }
    }

    /// Issuance floor: 16 random bytes of salt and one SHA-256 digest per
    /// claim (over the disclosure, as encoded), 32 random bytes per decoy,
    /// one Ed25519 signature over the label-prefixed tbs.
    pub(crate) struct Issue {
        key: ed25519_dalek::SigningKey,
        input: Vec<u8>,
        disclosures: Vec<Vec<u8>>,
        decoys: usize,
    }

    impl Issue {
        pub(crate) fn new(issued: &vestnik::credential::IssuedCredential) -> Self {
            let tbs = field(issued.credential().to_bytes(), 2);
            let disclosures: Vec<Vec<u8>> = issued.disclosures().iter().map(|d| d.to_bytes().to_vec()).collect();
            let decoys = issued.credential().digests().len() - disclosures.len();
            Self {
                key: ed25519_dalek::SigningKey::generate(&mut rand::rng()),
                input: signing_input(labels::SIG_CREDENTIAL, tbs),
                disclosures,
                decoys,
            }
        }

        pub(crate) fn decoys(&self) -> usize {
            self.decoys
        }

        pub(crate) fn run(&self) -> (ed25519_dalek::Signature, Vec<[u8; 32]>) {
            let mut rng = rand::rng();
            let mut digests = Vec::with_capacity(self.disclosures.len() + self.decoys);
            for d in &self.disclosures {
                let mut salt = [0u8; 16];
                rng.fill_bytes(&mut salt);
                std::hint::black_box(&salt);
                digests.push(labelled_sha256(labels::HASH_CREDENTIAL_CLAIM, &[d]));
            }
            for _ in 0..self.decoys {
                let mut decoy = [0u8; 32];
                rng.fill_bytes(&mut decoy);
                digests.push(decoy);
            }
            (self.key.sign(&self.input), digests)
        }
    }

    /// Presentation floor: the disclosed-set digest over the 3 disclosed
    /// claim digests and one Ed25519 signature over the label-prefixed tbs.
    /// (The credential and request hashes are computed when those objects
    /// are made or decoded, not per presentation.)
    pub(crate) struct Present {
        key: ed25519_dalek::SigningKey,
        input: Vec<u8>,
        digests: Vec<[u8; 32]>,
    }

    impl Present {
        pub(crate) fn new(p: &vestnik::credential::Presentation) -> Self {
            Self {
                key: ed25519_dalek::SigningKey::generate(&mut rand::rng()),
                input: signing_input(labels::SIG_PRESENTATION, field(p.to_bytes(), 4)),
                digests: p.disclosures().iter().map(|d| *d.digest()).collect(),
            }
        }

        pub(crate) fn run(&self) -> ([u8; 32], ed25519_dalek::Signature) {
            let parts: Vec<&[u8]> = self.digests.iter().map(|d| d.as_slice()).collect();
            (labelled_sha256(labels::HASH_DISCLOSED_SET, &parts), self.key.sign(&self.input))
        }
    }

    /// Verification floor, on the real presentation, certificates and status
    /// list (their real signatures under their real keys).
    ///
    /// uncached: import the 3 keys that arrive on the wire (issuer and
    /// intermediate from the certificates, the holder key from the
    /// credential); verify 5 signatures (intermediate certificate under the
    /// anchor key, issuer certificate under the intermediate key, credential
    /// and status list under the issuer key, presentation under the holder
    /// key); hash the credential (its hash is signed by the holder), each of
    /// the 3 disclosures (claim digests) and the disclosed set.
    ///
    /// cached: the chain and the status-list signature are remembered, so
    /// import the holder key, verify the credential and the presentation,
    /// and the same hashes.
    ///
    /// Not counted: the request's hash (the verifier holds the decoded
    /// request, hashed once when made), and SHA-512 fingerprints of
    /// certificates, lists and anchors (cache keys and key-id hints).
    pub(crate) struct Verify {
        root: EdwardsPoint,
        issuer_key: [u8; 32],
        issuer_point: EdwardsPoint,
        ca_key: [u8; 32],
        holder_key: [u8; 32],
        ca_cert: Signed,
        issuer_cert: Signed,
        credential: Signed,
        presentation: Signed,
        status: Signed,
        credential_bytes: Vec<u8>,
        disclosures: Vec<Vec<u8>>,
        credential_hash: [u8; 32],
        disclosed_digest: [u8; 32],
    }

    impl Verify {
        pub(crate) fn new(root_key: [u8; 32], presentation: &[u8], status: &[u8]) -> Self {
            let credential_bytes = field(presentation, 2).to_vec();
            let chain = fields(&credential_bytes, 4);
            let (issuer_cert, ca_cert) = (chain[0], chain[1]);
            let subject_key = |cert: &[u8]| -> [u8; 32] { field(field(cert, 2), 4).try_into().unwrap() };
            let (issuer_key, ca_key) = (subject_key(issuer_cert), subject_key(ca_cert));
            let holder_key: [u8; 32] = field(field(&credential_bytes, 2), 5).try_into().unwrap();
            let ptbs = field(presentation, 4);
            let v = Self {
                root: import(&root_key).unwrap(),
                issuer_key,
                issuer_point: import(&issuer_key).unwrap(),
                ca_key,
                holder_key,
                ca_cert: Signed::new(root_key, labels::SIG_CERTIFICATE, ca_cert, 2, 3),
                issuer_cert: Signed::new(ca_key, labels::SIG_CERTIFICATE, issuer_cert, 2, 3),
                credential: Signed::new(issuer_key, labels::SIG_CREDENTIAL, &credential_bytes, 2, 3),
                presentation: Signed::new(holder_key, labels::SIG_PRESENTATION, presentation, 4, 5),
                status: Signed::new(issuer_key, labels::SIG_STATUS_LIST, status, 2, 3),
                disclosures: fields(presentation, 3).iter().map(|d| d.to_vec()).collect(),
                credential_hash: field(ptbs, 2).try_into().unwrap(),
                disclosed_digest: field(ptbs, 7).try_into().unwrap(),
                credential_bytes,
            };
            assert_eq!(v.disclosures.len(), 3);
            assert!(v.uncached() && v.cached(), "the floor accepts the real presentation");
            v
        }

        fn hashes(&self) -> bool {
            let h = labelled_sha256(labels::HASH_CREDENTIAL_BYTES, &[&self.credential_bytes]);
            let mut digests = [[0u8; 32]; 3];
            for (d, bytes) in digests.iter_mut().zip(&self.disclosures) {
                *d = labelled_sha256(labels::HASH_CREDENTIAL_CLAIM, &[bytes]);
            }
            let set = labelled_sha256(labels::HASH_DISCLOSED_SET, &[&digests[0], &digests[1], &digests[2]]);
            h == self.credential_hash && set == self.disclosed_digest
        }

        pub(crate) fn uncached(&self) -> bool {
            let (Some(issuer), Some(ca), Some(holder)) =
                (import(&self.issuer_key), import(&self.ca_key), import(&self.holder_key))
            else {
                return false;
            };
            self.hashes()
                && self.presentation.check(&holder)
                && self.ca_cert.check(&self.root)
                && self.issuer_cert.check(&ca)
                && self.credential.check(&issuer)
                && self.status.check(&issuer)
        }

        pub(crate) fn cached(&self) -> bool {
            let Some(holder) = import(&self.holder_key) else { return false };
            self.hashes() && self.presentation.check(&holder) && self.credential.check(&self.issuer_point)
        }

        /// One signature check and one key import alone, for the components.
        pub(crate) fn one_verify(&self) -> bool {
            self.credential.check(&self.issuer_point)
        }
        pub(crate) fn one_import(&self) -> bool {
            import(&self.holder_key).is_some()
        }
        pub(crate) fn only_hashes(&self) -> bool {
            self.hashes()
        }
    }
}

fn bench(c: &mut Criterion, f: &Fixture, issue_floor: &floor::Issue, present_floor: &floor::Present) {
    let verify_floor = floor::Verify::new(f.root_key, &f.presentation, f.status.to_bytes());
    let mut g = c.benchmark_group("credential");
    g.bench_function("issue_12", |b| b.iter(|| f.issue()));
    g.bench_function("present_3_of_12", |b| b.iter(|| f.present()));
    g.bench_function("verify_2cert_uncached", |b| b.iter(|| f.verify_uncached()));
    let cache = f.warm_cache();
    g.bench_function("verify_2cert_cached", |b| b.iter(|| f.verify_cached(&cache)));
    g.finish();
    let mut g = c.benchmark_group("floor");
    g.bench_function("issue_12", |b| b.iter(|| issue_floor.run()));
    g.bench_function("present_3_of_12", |b| b.iter(|| present_floor.run()));
    g.bench_function("verify_2cert_uncached", |b| b.iter(|| assert!(verify_floor.uncached())));
    g.bench_function("verify_2cert_cached", |b| b.iter(|| assert!(verify_floor.cached())));
    g.finish();
}

/// Nanoseconds per call of `routine`, run `n` times, each output dropped
/// inside the timing as criterion's `iter` does (dropping is part of the
/// cost: issued credentials and disclosures are wiped on drop). Unlike
/// `common::loop_ns`, no output is kept, so a 1,000-call round of issuance
/// does not hold ~10 MB of credentials and pay for fresh memory.
fn loop_ns<O>(n: usize, mut routine: impl FnMut() -> O) -> f64 {
    let start = std::time::Instant::now();
    for _ in 0..n {
        drop(black_box(routine()));
    }
    start.elapsed().as_nanos() as f64 / n.max(1) as f64
}

fn ratio(name: &str, measured_ns: f64, floor_ns: f64) {
    println!(
        "ratio {name} {:.2} (floor {:.1} µs, measured {:.1} µs)",
        measured_ns / floor_ns,
        floor_ns / 1e3,
        measured_ns / 1e3
    );
}

/// Measured / floor, interleaved (vestnik first), medians of the rounds.
fn print_ratios(f: &Fixture, issue_floor: &floor::Issue, present_floor: &floor::Present) {
    let verify_floor = floor::Verify::new(f.root_key, &f.presentation, f.status.to_bytes());

    let (rounds, n) = plan(1000);
    let (m, fl) = interleaved(rounds, || loop_ns(n, || f.issue()), || loop_ns(n, || issue_floor.run()));
    ratio("credential_issue_12", m, fl);

    let (rounds, n) = plan(1500);
    let (m, fl) = interleaved(rounds, || loop_ns(n, || f.present()), || loop_ns(n, || present_floor.run()));
    ratio("credential_present_3_of_12", m, fl);

    let (rounds, n) = plan(100);
    let (m, fl) =
        interleaved(rounds, || loop_ns(n, || f.verify_uncached()), || loop_ns(n, || assert!(verify_floor.uncached())));
    ratio("credential_verify_2cert_uncached", m, fl);

    let cache = f.warm_cache();
    let (rounds, n) = plan(250);
    let (m, fl) = interleaved(
        rounds,
        || loop_ns(n, || f.verify_cached(&cache)),
        || loop_ns(n, || assert!(verify_floor.cached())),
    );
    ratio("credential_verify_2cert_cached", m, fl);
}

fn print_sizes(f: &Fixture, issue_floor: &floor::Issue) {
    let issued = f.issue();
    let credential = f.held.credential();
    println!(
        "size credential {} bytes ({} digests: 12 claims + {} decoys, 2 certificates)",
        credential.to_bytes().len(),
        credential.digests().len(),
        issue_floor.decoys()
    );
    println!("size issued_credential {} bytes (credential and 12 disclosures)", issued.to_bytes().len());
    println!("size presentation_3_of_12 {} bytes", f.presentation.len());
    println!("size request_3_claims {} bytes", f.request.to_bytes().len());
    println!("size status_list_1024 {} bytes", f.status.to_bytes().len());
}

/// The floors' building blocks and a few vestnik steps alone, to read the
/// ratios against.
fn print_components(f: &Fixture) {
    use curve25519_dalek::edwards::CompressedEdwardsY;
    let verify_floor = floor::Verify::new(f.root_key, &f.presentation, f.status.to_bytes());
    let report = |name: &str, ns: f64| println!("component {name} {:.2} µs", ns / 1e3);
    let (rounds, n) = plan(2000);
    let (v, i) = interleaved(
        rounds,
        || loop_ns(n, || assert!(black_box(&verify_floor).one_verify())),
        || loop_ns(n, || assert!(black_box(&verify_floor).one_import())),
    );
    report("floor_ed25519_verify_cofactored (credential tbs)", v);
    report("floor_key_import", i);
    let holder = f.holder_public;
    let (vi, h) = interleaved(
        rounds,
        || loop_ns(n, || vestnik::crypto::sig::VerifyingKey::from_bytes(black_box(holder.as_bytes())).unwrap()),
        || loop_ns(n, || assert!(black_box(&verify_floor).only_hashes())),
    );
    report("vestnik_verifying_key_import", vi);
    report("floor_verify_hashes (credential, 3 disclosures, disclosed set)", h);
    // vestnik checks canonical encodings by re-compressing the point it
    // decompressed (at each key import and each signature's R).
    let compressed = CompressedEdwardsY(*holder.as_bytes());
    let point = compressed.decompress().unwrap();
    let (dec, com) = interleaved(
        rounds,
        || loop_ns(n, || black_box(compressed).decompress()),
        || loop_ns(n, || black_box(point).compress()),
    );
    report("edwards_decompress", dec);
    report("edwards_compress (one field inversion)", com);

    let issued = f.issue();
    let disclosures: Vec<Vec<u8>> = issued.disclosures().iter().map(|d| d.to_bytes().to_vec()).collect();
    let (rounds, n) = plan(200);
    let (decode, hash) = interleaved(
        rounds,
        || loop_ns(n, || disclosures.iter().map(|d| Disclosure::from_bytes(black_box(d)).unwrap()).collect::<Vec<_>>()),
        || {
            loop_ns(n, || {
                disclosures
                    .iter()
                    .map(|d| floor::labelled_sha256(labels::HASH_CREDENTIAL_CLAIM, &[black_box(d)]))
                    .collect::<Vec<_>>()
            })
        },
    );
    report("vestnik_disclosure_from_bytes x12 (decode, canonical re-encode, digest)", decode);
    report("floor_claim_digest x12", hash);

    let chain = f.held.credential().chain();
    let cert = chain[0].to_bytes().to_vec();
    let (rounds, n) = plan(500);
    let (cd, pd) = interleaved(
        rounds,
        || loop_ns(n, || Certificate::from_bytes(black_box(&cert)).unwrap()),
        || loop_ns(n, || Presentation::from_bytes(black_box(&f.presentation)).unwrap()),
    );
    report("vestnik_certificate_from_bytes (1 key import)", cd);
    report("vestnik_presentation_from_bytes (3 key imports)", pd);
}

fn main() {
    let mut c = criterion();
    let f = Fixture::new();
    let issue_floor = floor::Issue::new(&f.issue());
    let present_floor = floor::Present::new(&f.present());
    bench(&mut c, &f, &issue_floor, &present_floor);
    c.final_summary();
    if !common::profiling() {
        print_ratios(&f, &issue_floor, &present_floor);
        print_sizes(&f, &issue_floor);
        print_components(&f);
    }
}
