// Credential-layer decoding on arbitrary bytes: credentials, disclosures,
// issued credentials, presentation requests, presentations and held
// credentials. Whatever decodes re-encodes to exactly the input, decodes
// again to the same value, and keeps the decoders' invariants (digests and
// request claims strictly ascending, non-empty validity, nonce of 16..=64
// bytes, valid names and dates...). A decoded held credential must be able
// to answer a request for everything it holds, with a presentation that
// decodes back to itself.

use rand::SeedableRng;
use vestnik::credential::limits::{
    MAX_AUDIENCE_LEN, MAX_CHAIN_CERTS, MAX_CLAIM_NAME_LEN, MAX_CLAIM_TEXT_LEN, MAX_CLAIMS, MAX_DIGESTS,
    MAX_DOC_TYPE_LEN, MAX_NONCE_LEN, MAX_PURPOSE_LEN, MAX_REQUESTED_CLAIMS, MIN_NONCE_LEN,
};
use vestnik::document::limits::MAX_CREDENTIAL_TYPES;
use vestnik::credential::{
    ClaimValue, Credential, Date, Disclosure, HeldCredential, IssuedCredential, Presentation, PresentationRequest,
    RequestSpec,
};

pub fn run(data: &[u8]) {
    if let Ok(c) = Credential::from_bytes(data) {
        assert_eq!(c.to_bytes(), data, "credential re-encodes exactly");
        check_credential(&c);
    }
    if let Ok(d) = Disclosure::from_bytes(data) {
        assert_eq!(d.to_bytes(), data, "disclosure re-encodes exactly");
        check_disclosure(&d);
    }
    if let Ok(i) = IssuedCredential::from_bytes(data) {
        assert!(i.to_bytes().as_slice() == data, "issued credential re-encodes exactly");
        assert_eq!(IssuedCredential::from_bytes(&i.to_bytes()).as_ref(), Ok(&i));
        check_credential(i.credential());
        check_disclosures(i.credential(), i.disclosures());
        let _ = format!("{i:?}");
    }
    if let Ok(r) = PresentationRequest::from_bytes(data) {
        assert_eq!(r.to_bytes(), data, "request re-encodes exactly");
        check_request(&r);
    }
    if let Ok(p) = Presentation::from_bytes(data) {
        assert_eq!(p.to_bytes(), data, "presentation re-encodes exactly");
        check_presentation(&p);
    }
    if let Ok(h) = HeldCredential::from_bytes(data) {
        assert!(h.to_bytes().as_slice() == data, "held credential re-encodes exactly");
        check_credential(h.credential());
        check_disclosures(h.credential(), h.disclosures());
        check_can_present(&h);
    }
}

fn is_name(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b))
}

fn strictly_ascending<T: Ord>(items: &[T]) -> bool {
    items.windows(2).all(|w| matches!(w, [a, b] if a < b))
}

fn check_credential(c: &Credential) {
    assert!(c.not_before() < c.not_after(), "empty validity accepted");
    assert!(is_name(c.doc_type(), MAX_DOC_TYPE_LEN), "bad doc type accepted");
    assert!(c.digests().len() <= MAX_DIGESTS);
    assert!(strictly_ascending(c.digests()), "digests not strictly ascending");
    for d in c.digests() {
        assert!(c.commits_to(d));
        let mut other = *d;
        other[31] ^= 1;
        assert_eq!(c.commits_to(&other), c.digests().contains(&other));
    }
    assert!(!c.chain().is_empty() && c.chain().len() <= MAX_CHAIN_CERTS, "chain length");
    for cert in c.chain() {
        assert!(cert.not_before() < cert.not_after());
        let types = cert.credential_types();
        assert!(types.len() <= MAX_CREDENTIAL_TYPES, "too many credential types accepted");
        assert!(strictly_ascending(types), "credential types not strictly ascending");
        assert!(types.iter().all(|t| is_name(t, MAX_DOC_TYPE_LEN)), "bad credential type accepted");
        assert!(types.iter().all(|t| cert.names_credential_type(t)));
    }
    assert_eq!(Credential::from_bytes(c.to_bytes()).as_ref(), Ok(c), "credential decodes again to itself");
    let _ = format!("{c:?}");
}

fn check_disclosure(d: &Disclosure) {
    assert!(is_name(d.name(), MAX_CLAIM_NAME_LEN), "bad claim name accepted");
    assert_eq!(d.claim().name, d.name());
    match d.value() {
        ClaimValue::Text(s) => assert!(s.len() <= MAX_CLAIM_TEXT_LEN, "over-long text accepted"),
        ClaimValue::Date(date) => {
            assert_eq!(Date::new(date.year(), date.month(), date.day()), Some(*date), "invalid date accepted");
            assert_eq!(Date::from_u32(date.to_u32()), Some(*date));
        }
        _ => {}
    }
    assert_eq!(Disclosure::from_bytes(d.to_bytes()).as_ref(), Ok(d), "disclosure decodes again to itself");
    let _ = d.value().to_string();
    let _ = format!("{d:?}");
}

/// An issued or held credential's disclosures: each well formed and
/// committed, names strictly ascending (so distinct).
fn check_disclosures(c: &Credential, ds: &[Disclosure]) {
    assert!(ds.len() <= MAX_CLAIMS);
    for d in ds {
        check_disclosure(d);
        assert!(c.commits_to(d.digest()), "uncommitted disclosure accepted");
    }
    let names: Vec<&str> = ds.iter().map(Disclosure::name).collect();
    assert!(strictly_ascending(&names), "disclosure names not distinct and ordered");
}

fn check_request(r: &PresentationRequest) {
    assert!((MIN_NONCE_LEN..=MAX_NONCE_LEN).contains(&r.nonce().len()), "nonce length");
    assert!(!r.audience().is_empty() && r.audience().len() <= MAX_AUDIENCE_LEN);
    assert!(r.purpose().len() <= MAX_PURPOSE_LEN);
    assert!(is_name(r.doc_type(), MAX_DOC_TYPE_LEN));
    assert!(!r.claims().is_empty() && r.claims().len() <= MAX_REQUESTED_CLAIMS);
    assert!(r.claims().iter().all(|c| is_name(c, MAX_CLAIM_NAME_LEN)));
    assert!(strictly_ascending(r.claims()), "request claims not strictly ascending");
    assert_eq!(PresentationRequest::from_bytes(r.to_bytes()).as_ref(), Ok(r), "request decodes again to itself");
}

fn check_presentation(p: &Presentation) {
    check_credential(p.credential());
    assert!(p.disclosures().len() <= MAX_CLAIMS);
    for d in p.disclosures() {
        check_disclosure(d);
    }
    let digests: Vec<&[u8; 32]> = p.disclosures().iter().map(Disclosure::digest).collect();
    assert!(strictly_ascending(&digests), "disclosures not in ascending digest order");
    assert!(p.nonce().len() <= MAX_NONCE_LEN);
    assert!(p.audience().len() <= MAX_AUDIENCE_LEN);
    assert_eq!(Presentation::from_bytes(p.to_bytes()).as_ref(), Ok(p), "presentation decodes again to itself");
    let _ = format!("{p:?}");
}

/// A held credential answers a request for (up to the request cap of) the
/// claims it holds; the presentation decodes to exactly what was made.
fn check_can_present(h: &HeldCredential) {
    let names: Vec<&str> = h.disclosures().iter().map(Disclosure::name).take(MAX_REQUESTED_CLAIMS).collect();
    if names.is_empty() {
        return;
    }
    let spec = RequestSpec {
        audience: "fuzz.verifier",
        doc_type: h.credential().doc_type(),
        claims: &names,
        expires: u64::MAX,
        purpose: "fuzz",
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let request = PresentationRequest::new(&spec, &mut rng).expect("a request for held claims");
    let p = h.present(&request, h.credential().not_before()).expect("a held credential answers for what it holds");
    let back = Presentation::from_bytes(p.to_bytes()).expect("a presentation the holder made decodes");
    assert_eq!(back, p, "decoding gives what the holder made");
    let disclosed: Vec<&str> = p.disclosures().iter().map(Disclosure::name).collect();
    assert_eq!(disclosed.len(), names.len());
    assert!(names.iter().all(|n| disclosed.contains(n)));
    check_presentation(&p);
}
