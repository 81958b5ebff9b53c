// Certificate and trust-anchor decoding on arbitrary bytes: a decoded value
// re-encodes exactly, its credential types are capped, well-formed and
// strictly ascending, and an anchor made from it round-trips.

use vestnik::document::limits::{MAX_CREDENTIAL_TYPE_LEN, MAX_CREDENTIAL_TYPES};
use vestnik::document::{Certificate, KeyUsage, TrustAnchor};

pub fn run(data: &[u8]) {
    if let Ok(cert) = Certificate::from_bytes(data) {
        assert_eq!(cert.to_bytes(), data);
        assert!(cert.not_before() < cert.not_after());
        let types = cert.credential_types();
        assert!(types.len() <= MAX_CREDENTIAL_TYPES);
        assert!(types.windows(2).all(|w| matches!(w, [a, b] if a < b)), "credential types not strictly ascending");
        for t in types {
            assert!(!t.is_empty() && t.len() <= MAX_CREDENTIAL_TYPE_LEN);
            assert!(t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b)));
            assert!(cert.names_credential_type(t));
        }
        let issuing = KeyUsage::CREDENTIAL_ISSUING | KeyUsage::CERTIFICATE_ISSUING;
        assert!(types.is_empty() || cert.usage().bits() & issuing.bits() != 0, "types on a non-issuing key");
        let anchor = TrustAnchor::from_certificate(&cert);
        assert_eq!(TrustAnchor::from_bytes(&anchor.to_bytes()).ok(), Some(anchor));
    }
    if let Ok(anchor) = TrustAnchor::from_bytes(data) {
        assert_eq!(anchor.to_bytes(), data);
    }
}
