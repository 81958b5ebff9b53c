//! Encoding: canonicality of every signed structure (ASSURANCE row 15), each
//! type fed to every other decoder (row 12), and decode limits (rows 7, 14).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/encoding.rs"]
mod encoding;
#[path = "common/world.rs"]
mod world;

use encoding::*;
use vestnik::document::*;
use world::*;

/// Re-wraps a signed structure with a modified `tbs` (field 2), keeping the signature.
fn rewrap(outer: &[u8], format: u64, tbs: &[u8], signature: &[u8]) -> Vec<u8> {
    let _ = outer;
    let mut out = vec![0x08];
    varint(format, &mut out);
    out.push(0x12);
    varint(tbs.len() as u64, &mut out);
    out.extend_from_slice(tbs);
    out.push(0x1a);
    varint(signature.len() as u64, &mut out);
    out.extend_from_slice(signature);
    out
}

#[test]
fn non_canonical_signed_structures_are_rejected() {
    let w = World::new();
    let l = DocumentLimits::default();
    let mut e = w.signed(b"doc");
    w.stamp(&mut e, 0, T0);
    let [list, _] = w.status_lists(&[], T0, T0 + DAY);
    let env = e.to_bytes();
    for (name, v) in variants(&env) {
        assert!(
            matches!(
                Envelope::from_bytes(&v, &l),
                Err(EnvelopeError::Decode(vestnik::wire::DecodeError::NonCanonical))
            ),
            "envelope {name}"
        );
    }
    let cert = w.citizen.cert.to_bytes();
    for (name, v) in variants(cert) {
        assert!(Certificate::from_bytes(&v).is_err(), "certificate {name}");
    }
    for (name, v) in variants(list.to_bytes()) {
        assert!(StatusList::from_bytes(&v, &l).is_err(), "status list {name}");
    }
    let tok = e.signers()[0].timestamps()[0].to_bytes().to_vec();
    for (name, v) in variants(&tok) {
        assert!(TimestampToken::from_bytes(&v).is_err(), "timestamp {name}");
    }
    // The signed inner parts: a non-canonical TBS under the original signature.
    for (outer, fmt) in [(cert.to_vec(), 0x4101u64), (list.to_bytes().to_vec(), 0x4302), (tok.clone(), 0x4501)] {
        let tbs = extract_ld(&outer, 2);
        let sig = extract_ld(&outer, 3);
        assert_eq!(rewrap(&outer, fmt, &tbs, &sig), outer, "rewrap is exact");
        for (name, v) in variants(&tbs) {
            let bad = rewrap(&outer, fmt, &v, &sig);
            let refused = match fmt {
                0x4101 => Certificate::from_bytes(&bad).is_err(),
                0x4302 => StatusList::from_bytes(&bad, &l).is_err(),
                _ => TimestampToken::from_bytes(&bad).is_err(),
            };
            assert!(refused, "inner tbs {fmt:#x} {name}");
        }
    }
}

#[test]
fn every_type_into_every_other_decoder() {
    let w = World::new();
    let l = DocumentLimits::default();
    let mut e = w.signed(b"doc");
    w.stamp(&mut e, 0, T0);
    let [list, _] = w.status_lists(&[], T0, T0 + DAY);
    let samples: Vec<(&str, Vec<u8>)> = vec![
        ("envelope", e.to_bytes()),
        ("certificate", w.citizen.cert.to_bytes().to_vec()),
        ("status list", list.to_bytes().to_vec()),
        ("timestamp", e.signers()[0].timestamps()[0].to_bytes().to_vec()),
        ("anchor", w.anchor.to_bytes()),
        ("identity", vestnik::DeviceIdentity::generate(&mut rand::rng()).to_bytes().to_vec()),
    ];
    for (name, b) in &samples {
        let accepted = [
            ("envelope", Envelope::from_bytes(b, &l).is_ok()),
            ("certificate", Certificate::from_bytes(b).is_ok()),
            ("status list", StatusList::from_bytes(b, &l).is_ok()),
            ("timestamp", TimestampToken::from_bytes(b).is_ok()),
            ("anchor", TrustAnchor::from_bytes(b).is_ok()),
        ];
        for (decoder, ok) in accepted {
            assert_eq!(ok, decoder == *name, "{name} bytes into the {decoder} decoder");
        }
    }
    assert_eq!(TrustAnchor::from_bytes(&w.anchor.to_bytes()).unwrap(), w.anchor);
}

#[test]
fn limits_at_max_and_max_plus_one() {
    let w = World::new();
    let mut l = DocumentLimits::default();
    l.max_signers = 3;
    l.max_timestamps = 1;
    l.max_inline_payload = 100;
    // Signers: 3 fit, the 4th is refused; a 4-signer envelope does not decode under the cap.
    let mut e = Envelope::new("text/plain", &[0; 100], true, &l).unwrap();
    for _ in 0..3 {
        e.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, T0).unwrap();
    }
    assert_eq!(
        e.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, T0),
        Err(EnvelopeError::TooManySigners(3))
    );
    assert!(Envelope::from_bytes(&e.to_bytes(), &l).is_ok());
    let mut big = Envelope::new("text/plain", &[0; 100], true, &DocumentLimits::default()).unwrap();
    for _ in 0..4 {
        big.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, T0).unwrap();
    }
    assert!(matches!(
        Envelope::from_bytes(&big.to_bytes(), &l),
        Err(EnvelopeError::Decode(vestnik::wire::DecodeError::TooMany { field: "signers", count: 4, max: 3 }))
    ));
    // Inline payload.
    assert!(matches!(
        Envelope::new("text/plain", &[0; 101], true, &l),
        Err(EnvelopeError::InlineTooLarge { len: 101, max: 100 })
    ));
    // Timestamps per signer.
    w.stamp(&mut e, 0, T0);
    let mut rng = rand::rng();
    let req = e.timestamp_request(0, &mut rng).unwrap();
    assert_eq!(
        e.add_timestamp(0, TimestampToken::issue(&w.tsa.key, &req, T0, 2)),
        Err(EnvelopeError::TooMany("timestamps"))
    );
    // Envelope size.
    l.max_envelope_len = e.to_bytes().len();
    assert!(Envelope::from_bytes(&e.to_bytes(), &l).is_ok());
    l.max_envelope_len -= 1;
    assert!(matches!(
        Envelope::from_bytes(&e.to_bytes(), &l),
        Err(EnvelopeError::Decode(vestnik::wire::DecodeError::TooLarge { .. }))
    ));
    // Status list size.
    let mut l = DocumentLimits::default();
    l.max_status_list_serials = 64;
    assert!(StatusList::issue(&w.ca.key, StatusType::Certificates, T0, T0 + 1, 64, &[63], &l).is_ok());
    assert!(matches!(
        StatusList::issue(&w.ca.key, StatusType::Certificates, T0, T0 + 1, 65, &[], &l),
        Err(StatusError::TooManySerials { size: 65, max: 64 })
    ));
    let big = StatusList::issue(&w.ca.key, StatusType::Certificates, T0, T0 + 1, 65, &[64], &DocumentLimits::default())
        .unwrap();
    assert!(StatusList::from_bytes(big.to_bytes(), &l).is_err());
    assert_eq!(big.is_revoked(64), Some(true));
    assert_eq!(big.is_revoked(63), Some(false));
    assert_eq!(big.is_revoked(65), None);
}

#[test]
fn huge_repeated_counts_refused_before_decoding() {
    // 100,000 empty certificate entries (2 bytes each on the wire).
    let mut b = vec![0x08, 0x81, 0x8e, 0x01];
    for _ in 0..100_000 {
        b.extend_from_slice(&[0x3a, 0x00]);
    }
    assert!(matches!(
        Envelope::from_bytes(&b, &DocumentLimits::default()),
        Err(EnvelopeError::Decode(vestnik::wire::DecodeError::TooMany { field: "certificates", .. }))
    ));
    // Deep nesting is bounded by the size cap and prost's recursion limit.
    let mut nested = Vec::new();
    for _ in 0..200 {
        let mut n = vec![0x32];
        varint(nested.len() as u64, &mut n);
        n.extend_from_slice(&nested);
        nested = n;
    }
    assert!(Envelope::from_bytes(&nested, &DocumentLimits::default()).is_err());
}

#[test]
fn chain_length_at_max_and_max_plus_one() {
    use vestnik::crypto::sig::SigningKey;
    let mut rng = rand::rng();
    let root = SigningKey::generate(&mut rng);
    let anchor = TrustAnchor::new(root.verifying_key(), "root", KeyUsage::ALL, 10);
    // root -> ca1 -> ca2 -> ca3 -> ca4 -> leaf : 5 certificates below the anchor.
    let keys: Vec<SigningKey> = (0..5).map(|_| SigningKey::generate(&mut rng)).collect();
    let mut certs = Vec::new();
    let mut issuer = &root;
    for (i, k) in keys.iter().enumerate() {
        let leaf = i == keys.len() - 1;
        let usage = if leaf { KeyUsage::DOCUMENT_SIGNING } else { KeyUsage::CERTIFICATE_ISSUING };
        let mut r = request(k, "s", "S", Role::Issuer, usage, 0, T0 * 2, i as u64);
        r.path_len = 10;
        certs.push(Certificate::issue(issuer, &r).unwrap());
        issuer = k;
    }
    let mut e = Envelope::new("text/plain", b"x", true, &DocumentLimits::default()).unwrap();
    e.sign(&keys[4], &certs[4], Commitment::Approved, T0).unwrap();
    for c in &certs[..4] {
        e.add_certificate(c).unwrap();
    }
    let mut p = VerificationPolicy::new(vec![anchor]).with_fresh_status(false);
    p.limits.max_chain_len = 5;
    assert!(verify(&e, None, &p, T0).is_accepted());
    p.limits.max_chain_len = 4;
    let r = verify(&e, None, &p, T0);
    assert_eq!(first_failure(&r, 0), Some(Failure::Chain(ChainError::TooLong { max: 4 })));
}

// ---- Mutation-testing gaps (tests/MUTANTS.md) --------------------------------

/// The payload type rules, the accessors, signer indices, countersignature
/// targets, certificate de-duplication and the carried-item caps at MAX and
/// MAX + 1.
#[test]
fn envelope_building_rules_at_max_and_max_plus_one() {
    use vestnik::document::limits::MAX_PAYLOAD_TYPE_LEN;
    let w = World::new();
    let l = DocumentLimits::default();
    let at_max = format!("a/{}", "b".repeat(MAX_PAYLOAD_TYPE_LEN - 2));
    assert_eq!(Envelope::new(&at_max, b"doc", false, &l).unwrap().payload_type(), at_max);
    let over = format!("a/{}", "b".repeat(MAX_PAYLOAD_TYPE_LEN - 1));
    let cases = [
        (over.as_str(), PayloadTypeError::TooLong { len: MAX_PAYLOAD_TYPE_LEN + 1, max: MAX_PAYLOAD_TYPE_LEN }),
        ("", PayloadTypeError::Empty),
        ("textplain", PayloadTypeError::NoSlash),
        ("text/pla\u{ef}n", PayloadTypeError::NotPrintable { offset: 8, byte: 0xc3 }),
        ("text/\tplain", PayloadTypeError::NotPrintable { offset: 5, byte: 0x09 }),
    ];
    for (bad, why) in cases {
        assert_eq!(Envelope::new(bad, b"doc", false, &l).err(), Some(EnvelopeError::PayloadType(why)), "{bad:?}");
    }
    // A space is printable ASCII (SPEC.md §11.6), so parameters are allowed.
    assert_eq!(Envelope::new("text/ plain", b"doc", false, &l).unwrap().payload_type(), "text/ plain");
    let doc = b"the document";
    let detached = Envelope::new("text/plain", doc, false, &l).unwrap();
    assert_eq!(detached.inline_payload(), None);
    assert_eq!(detached.document_length(), doc.len() as u64);
    let mut e = Envelope::new("text/plain", doc, true, &l).unwrap();
    assert_eq!(e.inline_payload(), Some(&doc[..]));
    assert_eq!(
        e.countersign(0, &w.school.key, &w.school.cert, Commitment::Witnessed, T0),
        Err(EnvelopeError::BadTarget(0))
    );
    assert_eq!(e.sign(&w.citizen.key, &w.citizen.cert, Commitment::Authored, T0), Ok(0));
    assert_eq!(e.countersign(0, &w.school.key, &w.school.cert, Commitment::Witnessed, T0), Ok(1));
    assert_eq!(
        e.countersign(2, &w.school.key, &w.school.cert, Commitment::Witnessed, T0),
        Err(EnvelopeError::BadTarget(2))
    );
    assert_eq!(e.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, T0), Ok(2));
    assert_eq!(e.signers().len(), 3);
    assert_eq!(e.signers()[1].attributes().countersigns, Some(0));
    assert_eq!(e.signers()[2].attributes().countersigns, None);
    // A certificate is carried once however often it signs.
    assert_eq!(e.certificates().len(), 2);
    assert_eq!(e.certificates()[0], w.citizen.cert);
    assert_eq!(e.certificates()[1], w.school.cert);
    let back = Envelope::from_bytes(&e.to_bytes(), &l).unwrap();
    assert_eq!(back, e);
    assert_eq!(back.signers()[1].attributes().countersigns, Some(0));
    // Certificates and status lists at MAX and MAX + 1.
    let mut small = DocumentLimits::default();
    small.max_certificates = 2;
    small.max_status_lists = 1;
    let mut e = Envelope::new("text/plain", doc, false, &small).unwrap();
    e.add_certificate(&w.citizen.cert).unwrap();
    e.add_certificate(&w.school.cert).unwrap();
    assert_eq!(e.add_certificate(&w.citizen.cert), Ok(()));
    assert_eq!(e.add_certificate(&w.ca.cert), Err(EnvelopeError::TooMany("certificates")));
    assert_eq!(e.certificates().len(), 2);
    let [ca_list, root_list] = w.status_lists(&[], T0, T0 + DAY);
    e.add_status_list(&ca_list).unwrap();
    assert_eq!(e.add_status_list(&root_list), Err(EnvelopeError::TooMany("status lists")));
    assert_eq!(e.status_lists(), &[ca_list]);
    assert_eq!(Envelope::from_bytes(&e.to_bytes(), &small).unwrap().status_lists().len(), 1);
}

/// An inline payload at the decoder's inline limit is accepted, one byte over
/// is refused, and a payload that does not match the digest or the length is
/// refused.
#[test]
fn inline_payload_limits_and_binding_on_decode() {
    let l = DocumentLimits::default();
    let doc = [7u8; 50];
    let e = Envelope::new("text/plain", &doc, true, &l).unwrap();
    let bytes = e.to_bytes();
    let mut at = DocumentLimits::default();
    at.max_inline_payload = 50;
    assert_eq!(Envelope::from_bytes(&bytes, &at).unwrap().inline_payload(), Some(&doc[..]));
    at.max_inline_payload = 49;
    assert_eq!(Envelope::from_bytes(&bytes, &at).err(), Some(EnvelopeError::InlineTooLarge { len: 50, max: 49 }));
    // The same digest with another declared length (field 4, document_length).
    let i = bytes.windows(64).position(|p| p == e.document_digest()).unwrap() + 64;
    assert_eq!(bytes[i..i + 2], [0x20, 50]);
    let mut other_len = bytes.clone();
    other_len[i + 1] = 51;
    assert_eq!(Envelope::from_bytes(&other_len, &l).err(), Some(EnvelopeError::InlineMismatch));
    // The same length with another payload.
    let mut other_doc = bytes.clone();
    let last = other_doc.len() - 1;
    let pos = other_doc.windows(50).position(|p| p == doc).unwrap();
    other_doc[pos] ^= 1;
    assert_ne!(pos, last);
    assert_eq!(Envelope::from_bytes(&other_doc, &l).err(), Some(EnvelopeError::InlineMismatch));
}

/// SPEC.md §11.6: a payload type is 1..=127 printable ASCII bytes
/// (0x20..=0x7e) with a '/', so a media type with parameters is accepted,
/// survives encoding, and verifies; anything else is refused with the byte.
#[test]
fn payload_type_is_exactly_printable_ascii() {
    use vestnik::document::limits::MAX_PAYLOAD_TYPE_LEN;
    let w = World::new();
    let l = DocumentLimits::default();
    let doc = b"\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82";
    let media = "text/plain; charset=utf-8";
    let mut e = Envelope::new(media, doc, false, &l).unwrap();
    e.sign(&w.citizen.key, &w.citizen.cert, Commitment::Approved, T0).unwrap();
    e.add_certificate(&w.ca.cert).unwrap();
    let back = roundtrip(&e);
    assert_eq!(back.payload_type(), media);
    assert_eq!(back, e);
    let r = verify(&back, Some(doc), &w.policy(), T0 + 60);
    assert!(r.is_accepted(), "{r}");
    assert_eq!(r.payload_type, media);
    // The payload type is signed: another one under the same signature fails.
    let encoded = e.to_bytes();
    let at = encoded.windows(media.len()).position(|win| win == media.as_bytes()).unwrap();
    let edit = |offset: usize, byte: u8| {
        let mut v = encoded.clone();
        v[at + offset] = byte;
        v
    };
    let swapped = Envelope::from_bytes(&edit(20, b'U'), &l).unwrap();
    assert_eq!(swapped.payload_type(), "text/plain; charset=Utf-8");
    assert!(!verify(&swapped, Some(doc), &w.policy(), T0 + 60).is_accepted());

    // Every printable byte is accepted, every other byte refused with its offset.
    let all_printable: String = (0x20u8..=0x7e).map(char::from).collect();
    assert_eq!(Envelope::new(&all_printable, doc, false, &l).unwrap().payload_type(), all_printable);
    for byte in (0u8..0x20).chain([0x7f]) {
        let t = format!("text/x{}", char::from(byte));
        assert_eq!(
            Envelope::new(&t, doc, false, &l).err(),
            Some(EnvelopeError::PayloadType(PayloadTypeError::NotPrintable { offset: 6, byte })),
            "{byte:#04x}"
        );
    }
    let cases = [
        ("text/plain; charset=\u{444}", PayloadTypeError::NotPrintable { offset: 20, byte: 0xd1 }),
        ("", PayloadTypeError::Empty),
        (&*"x".repeat(MAX_PAYLOAD_TYPE_LEN + 1), PayloadTypeError::TooLong { len: 128, max: MAX_PAYLOAD_TYPE_LEN }),
    ];
    for (t, why) in cases {
        let err = Envelope::new(t, doc, false, &l).unwrap_err();
        assert_eq!(err, EnvelopeError::PayloadType(why), "{t:?}");
    }
    assert_eq!(
        EnvelopeError::PayloadType(PayloadTypeError::NotPrintable { offset: 5, byte: 0x09 }).to_string(),
        "invalid payload type: byte 0x09 at offset 5 is not printable ASCII (0x20..=0x7e)"
    );
    // Decoding applies the same rule: a control byte smuggled into an
    // encoded envelope is refused with its offset.
    assert_eq!(
        Envelope::from_bytes(&edit(11, b'\t'), &l).err(),
        Some(EnvelopeError::PayloadType(PayloadTypeError::NotPrintable { offset: 11, byte: 0x09 }))
    );
}
