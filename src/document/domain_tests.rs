//! ASSURANCE row 12: a signature made in one context never verifies in
//! another: envelope, countersignature, certificate, status list, timestamp,
//! and the 1:1 layer's prekey and identity signatures.

use crate::crypto::sig::SigningKey;
use crate::labels::{self, SigContext};

const CONTEXTS: [SigContext; 9] = [
    labels::SIG_IDENTITY_DH_KEY,
    labels::SIG_SIGNED_PREKEY,
    labels::SIG_CERTIFICATE,
    labels::SIG_STATUS_LIST,
    labels::SIG_STATUS_CERTIFICATES,
    labels::SIG_STATUS_CREDENTIALS,
    labels::SIG_TIMESTAMP,
    labels::SIG_DOCUMENT,
    labels::SIG_COUNTERSIGNATURE,
];

#[test]
fn a_signature_from_one_context_fails_in_every_other() {
    let sk = SigningKey::generate(&mut rand::rng());
    let vk = sk.verifying_key();
    let msg = b"the same bytes in every context";
    for a in CONTEXTS {
        let sig = sk.sign(a, msg);
        for b in CONTEXTS {
            assert_eq!(vk.verify(b, msg, &sig).is_ok(), a == b, "{} -> {}", a.as_str(), b.as_str());
        }
    }
}

#[test]
fn envelope_signature_is_no_certificate_or_timestamp_signature() {
    use super::*;
    let mut rng = rand::rng();
    let root = SigningKey::generate(&mut rng);
    let alice = SigningKey::generate(&mut rng);
    let req = CertificateRequest {
        subject_key: alice.verifying_key(),
        subject_id: "a".into(),
        display_name: "A".into(),
        role: Role::Citizen,
        usage: KeyUsage::DOCUMENT_SIGNING,
        not_before: 0,
        not_after: 10,
        path_len: 0,
        serial: 1,
        credential_types: Vec::new(),
    };
    let cert = Certificate::issue(&root, &req).expect("issue");
    let mut env = Envelope::new("text/plain", b"x", true, &DocumentLimits::default()).expect("env");
    env.sign(&alice, &cert, Commitment::Approved, 1).expect("sign");
    let (ctx, msg) = env.signing_input_of(0).expect("input");
    let sig = *env.signers().first().expect("signer").signature();
    assert!(alice.verifying_key().verify(ctx, &msg, &sig).is_ok());
    for other in [
        labels::SIG_CERTIFICATE,
        labels::SIG_TIMESTAMP,
        labels::SIG_STATUS_LIST,
        labels::SIG_SIGNED_PREKEY,
        labels::SIG_COUNTERSIGNATURE,
    ] {
        assert!(alice.verifying_key().verify(other, &msg, &sig).is_err());
    }
    // The certificate's signature presented as a document signature over its TBS.
    let (tbs_ctx_ok, tbs) = (cert.verify_signature(&root.verifying_key()).is_ok(), cert.to_bytes());
    assert!(tbs_ctx_ok);
    let outer_sig = crate::crypto::sig::Signature::from_slice(tbs.get(tbs.len() - 64..).expect("sig")).expect("sig");
    for other in [labels::SIG_DOCUMENT, labels::SIG_TIMESTAMP, labels::SIG_SIGNED_PREKEY] {
        let inner = tbs.get(..tbs.len() - 66).expect("tbs");
        assert!(root.verifying_key().verify(other, inner, &outer_sig).is_err());
    }
    // A prekey signature over an envelope's signing input is not an envelope signature.
    let prekey_sig = alice.sign(labels::SIG_SIGNED_PREKEY, &msg);
    assert!(alice.verifying_key().verify(ctx, &msg, &prekey_sig).is_err());
}
