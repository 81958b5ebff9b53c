// Timestamp token decoding on arbitrary bytes: a decoded token re-encodes
// exactly and never matches a request it was not made for.

use vestnik::document::TimestampToken;

pub fn run(data: &[u8]) {
    let Ok(token) = TimestampToken::from_bytes(data) else { return };
    assert_eq!(token.to_bytes(), data);
    assert!(token.nonce().len() <= vestnik::document::limits::MAX_NONCE_LEN);
}
