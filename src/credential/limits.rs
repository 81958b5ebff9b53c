//! Credential limits (SPEC.md §14.9). Every decoder checks the input size
//! first and the count of every repeated field before prost allocates it.

/// Most claims one credential may carry (decoys not counted).
pub const MAX_CLAIMS: usize = 64;
/// Most digests (claims plus decoys) in one credential.
pub const MAX_DIGESTS: usize = 128;
/// Longest claim name, in bytes.
pub const MAX_CLAIM_NAME_LEN: usize = 64;
/// Longest text claim value, in bytes of UTF-8.
pub const MAX_CLAIM_TEXT_LEN: usize = 1024;
/// Largest encoded disclosure.
pub const MAX_DISCLOSURE_LEN: usize = MAX_CLAIM_TEXT_LEN + 256;
/// Shortest salt: 128 bits.
pub const MIN_SALT_LEN: usize = 16;
/// Longest salt.
pub const MAX_SALT_LEN: usize = 32;
/// Length of the salts this crate makes.
pub const SALT_LEN: usize = 16;
/// Most issuer certificates a credential carries.
pub const MAX_CHAIN_CERTS: usize = 4;
/// Longest document type, in bytes.
pub const MAX_DOC_TYPE_LEN: usize = 64;
/// Largest encoded credential.
pub const MAX_CREDENTIAL_LEN: usize = 16 * 1024;
/// Largest encoded presentation.
pub const MAX_PRESENTATION_LEN: usize = 160 * 1024;
/// Largest encoded issued credential (credential plus every disclosure).
pub const MAX_ISSUED_LEN: usize = 160 * 1024;
/// Largest serialized held credential: an issued credential and a seed.
pub const MAX_HELD_LEN: usize = MAX_ISSUED_LEN + 64;
/// Largest encoded presentation request.
pub const MAX_REQUEST_LEN: usize = 4 * 1024;
/// Most claim names one request may ask for.
pub const MAX_REQUESTED_CLAIMS: usize = 32;
/// Shortest request nonce.
pub const MIN_NONCE_LEN: usize = 16;
/// Longest request nonce.
pub const MAX_NONCE_LEN: usize = 64;
/// Longest audience (verifier identifier), in bytes.
pub const MAX_AUDIENCE_LEN: usize = 256;
/// Longest purpose text, in bytes.
pub const MAX_PURPOSE_LEN: usize = 512;
/// Digests are padded with decoys up to a multiple of this, so the digest
/// count tells only the claim count rounded up.
pub const DEFAULT_DIGEST_BUCKET: usize = 8;
/// Most credentials one batch issuance makes.
pub const MAX_BATCH: usize = 64;
/// Allowed distance between a presentation's time and the verifier's clock.
pub const DEFAULT_PRESENTATION_SKEW: u64 = 300;

/// The configurable limits of the credential layer; `Default` gives the
/// constants above. Decoders cap sizes and counts before allocating whatever
/// the values; raising one past its constant is the caller's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CredentialLimits {
    /// See [`MAX_CLAIMS`].
    pub max_claims: usize,
    /// See [`MAX_DIGESTS`].
    pub max_digests: usize,
    /// See [`MAX_CHAIN_CERTS`].
    pub max_chain_certs: usize,
    /// See [`MAX_CREDENTIAL_LEN`].
    pub max_credential_len: usize,
    /// See [`MAX_PRESENTATION_LEN`].
    pub max_presentation_len: usize,
    /// See [`MAX_REQUEST_LEN`].
    pub max_request_len: usize,
    /// See [`MAX_REQUESTED_CLAIMS`].
    pub max_requested_claims: usize,
    /// See [`DEFAULT_DIGEST_BUCKET`] (0 or 1: no decoys).
    pub digest_bucket: usize,
    /// See [`MAX_BATCH`].
    pub max_batch: usize,
}

impl Default for CredentialLimits {
    fn default() -> Self {
        Self {
            max_claims: MAX_CLAIMS,
            max_digests: MAX_DIGESTS,
            max_chain_certs: MAX_CHAIN_CERTS,
            max_credential_len: MAX_CREDENTIAL_LEN,
            max_presentation_len: MAX_PRESENTATION_LEN,
            max_request_len: MAX_REQUEST_LEN,
            max_requested_claims: MAX_REQUESTED_CLAIMS,
            digest_bucket: DEFAULT_DIGEST_BUCKET,
            max_batch: MAX_BATCH,
        }
    }
}
