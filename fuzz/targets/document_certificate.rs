// Certificate and trust-anchor decoding on arbitrary bytes: a decoded value
// re-encodes exactly, and an anchor made from it round-trips.

use vestnik::document::{Certificate, TrustAnchor};

pub fn run(data: &[u8]) {
    if let Ok(cert) = Certificate::from_bytes(data) {
        assert_eq!(cert.to_bytes(), data);
        assert!(cert.not_before() < cert.not_after());
        let anchor = TrustAnchor::from_certificate(&cert);
        assert_eq!(TrustAnchor::from_bytes(&anchor.to_bytes()).ok(), Some(anchor));
    }
    if let Ok(anchor) = TrustAnchor::from_bytes(data) {
        assert_eq!(anchor.to_bytes(), data);
    }
}
