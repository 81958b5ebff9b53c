//! Every KDF label, signature context and associated-data prefix in the crate,
//! in one place, each unique and version-prefixed (SPEC.md §3 lists them).
//!
//! A unit test checks that no label repeats and that none is a prefix of
//! another, so no derivation in one context can collide with another.

/// A signature context: the label that every signature is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigContext(&'static str);

impl SigContext {
    /// The label bytes.
    pub fn as_bytes(&self) -> &'static [u8] {
        self.0.as_bytes()
    }

    /// The label text.
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

// ---- Signature contexts ----------------------------------------------------

/// Ed25519 identity key certifying the device's X25519 identity key.
pub const SIG_IDENTITY_DH_KEY: SigContext = SigContext("vestnik/v1/sig/identity-dh-key");
/// Ed25519 identity key signing a signed prekey.
pub const SIG_SIGNED_PREKEY: SigContext = SigContext("vestnik/v1/sig/signed-prekey");
/// Ed25519 identity key signing an ML-KEM-768 prekey (SPEC.md §5.2).
pub const SIG_KEM_PREKEY: SigContext = SigContext("vestnik/v1/sig/kem-prekey");
/// Issuer signing a certificate's to-be-signed bytes (SPEC.md §11.3).
pub const SIG_CERTIFICATE: SigContext = SigContext("vestnik/v1/sig/certificate");
/// Issuer signing a version-1 (untyped) status list (SPEC.md §11.4). Retired:
/// v1 lists still decode, but never count as status, so nothing verifies
/// under this context any more; it stays reserved.
pub const SIG_STATUS_LIST: SigContext = SigContext("vestnik/v1/sig/status-list");
/// Issuer signing a v2 status list of certificates (SPEC.md §11.4).
pub const SIG_STATUS_CERTIFICATES: SigContext = SigContext("vestnik/v1/sig/status/certificates");
/// Issuer signing a v2 status list of credentials (SPEC.md §11.4, §14.6).
pub const SIG_STATUS_CREDENTIALS: SigContext = SigContext("vestnik/v1/sig/status/credentials");
/// Timestamping authority signing a timestamp token (SPEC.md §11.5).
pub const SIG_TIMESTAMP: SigContext = SigContext("vestnik/v1/sig/timestamp");
/// A signer signing a document in an envelope (SPEC.md §11.6).
pub const SIG_DOCUMENT: SigContext = SigContext("vestnik/v1/sig/document");
/// A signer countersigning another signature in an envelope (SPEC.md §11.6).
pub const SIG_COUNTERSIGNATURE: SigContext = SigContext("vestnik/v1/sig/countersignature");

/// Credential issuer signing a credential's to-be-signed bytes (SPEC.md §14.3).
pub const SIG_CREDENTIAL: SigContext = SigContext("vestnik/v1/sig/credential");
/// Holder key signing a presentation's to-be-signed bytes (SPEC.md §14.5).
pub const SIG_PRESENTATION: SigContext = SigContext("vestnik/v1/sig/presentation");

// ---- KDF labels (HKDF info strings, hash prefixes, AD prefixes) ------------

/// X3DH: HKDF info deriving the first root key and chain key.
pub const KDF_X3DH: &str = "vestnik/v1/kdf/x3dh";
/// PQXDH: HKDF info prefix of the post-quantum handshake (SPEC.md §5.4).
pub const KDF_PQXDH: &str = "vestnik/v1/kdf/pqxdh";
/// Double Ratchet: HKDF info of the root-key step (KDF_RK).
pub const KDF_ROOT: &str = "vestnik/v1/kdf/ratchet-root";
/// Double Ratchet: HKDF-Expand info turning a message key into key and nonce.
pub const KDF_MESSAGE_KEY: &str = "vestnik/v1/kdf/message-key";
/// Double Ratchet: prefix of every message's AEAD associated data.
pub const AD_SESSION_MESSAGE: &str = "vestnik/v1/ad/session-message";
/// Safety numbers: prefix of the iterated fingerprint hash.
pub const HASH_SAFETY_NUMBER: &str = "vestnik/v1/hash/safety-number";
/// Sealed storage: prefix of the associated data.
pub const AD_SEALED_STATE: &str = "vestnik/v1/ad/sealed-state";

/// Group sender chain: HMAC input deriving a message key from the chain key.
pub const KDF_GROUP_CHAIN_MESSAGE: &str = "vestnik/v1/kdf/group-chain-message";
/// Group sender chain: HMAC input deriving the next chain key.
pub const KDF_GROUP_CHAIN_NEXT: &str = "vestnik/v1/kdf/group-chain-next";
/// Group: HKDF-Expand info turning a message key into key and nonce.
pub const KDF_GROUP_MESSAGE_KEY: &str = "vestnik/v1/kdf/group-message-key";
/// Group: prefix of every group message's AEAD associated data.
pub const AD_GROUP_MESSAGE: &str = "vestnik/v1/ad/group-message";
/// Group: a sender chain's signing key over a group message body.
pub const SIG_GROUP_MESSAGE: SigContext = SigContext("vestnik/v1/sig/group-message");
/// Group: an admin's identity key over a roster log entry body.
pub const SIG_GROUP_ROSTER_ENTRY: SigContext = SigContext("vestnik/v1/sig/group-roster-entry");
/// Group: prefix of the hash of a roster log entry body (the chain link).
pub const HASH_GROUP_ROSTER_ENTRY: &str = "vestnik/v1/hash/group-roster-entry";
/// Group: prefix of the hash of a roster's sorted member identity keys.
pub const HASH_GROUP_ROSTER_MEMBERS: &str = "vestnik/v1/hash/group-roster-members";
/// Group: HMAC input committing a group message to its message key.
pub const KDF_GROUP_KEY_COMMITMENT: &str = "vestnik/v1/kdf/group-key-commitment";

/// Documents: prefix of an envelope's archive imprint (SPEC.md §11.5).
pub const HASH_ARCHIVE_TIMESTAMP: &str = "vestnik/v1/hash/archive-timestamp";
/// Credentials: prefix of a claim digest over a disclosure (SPEC.md §14.2).
pub const HASH_CREDENTIAL_CLAIM: &str = "vestnik/v1/hash/credential-claim";
/// Credentials: prefix of the digest of the disclosed set (SPEC.md §14.5).
pub const HASH_DISCLOSED_SET: &str = "vestnik/v1/hash/disclosed-set";
/// Credentials: prefix of the hash of a credential's bytes (SPEC.md §14.5).
pub const HASH_CREDENTIAL_BYTES: &str = "vestnik/v1/hash/credential-bytes";
/// Credentials: prefix of the hash of a presentation request (SPEC.md §14.4).
pub const HASH_PRESENTATION_REQUEST: &str = "vestnik/v1/hash/presentation-request";
/// Credentials over a 1:1 session: prefix of the session binding (SPEC.md §14.8).
pub const HASH_CREDENTIAL_SESSION: &str = "vestnik/v1/hash/credential-session";

/// Calls: prefix of the hash of a call's whole roster, which every call key
/// is bound to (SPEC.md §13.9).
pub const HASH_CALL_ROSTER: &str = "vestnik/v1/hash/call-roster";

/// Accounts: the account key signing a device list's to-be-signed bytes (SPEC.md §16.2).
pub const SIG_ACCOUNT_DEVICE_LIST: SigContext = SigContext("vestnik/v1/sig/account/device-list");
/// Accounts: prefix of the iterated account fingerprint hash (SPEC.md §9, §16.6).
pub const HASH_ACCOUNT_SAFETY_NUMBER: &str = "vestnik/v1/hash/account-safety-number";
/// Accounts: prefix of the hash of a linking code, which names it (SPEC.md §16.4).
pub const HASH_ACCOUNT_LINKING_CODE: &str = "vestnik/v1/hash/account-linking-code";
/// Accounts: HKDF info of the provisioning key and nonce (SPEC.md §16.4).
pub const KDF_ACCOUNT_PROVISIONING: &str = "vestnik/v1/kdf/account-provisioning";
/// Accounts: prefix of a provisioning message's associated data (SPEC.md §16.4).
pub const AD_ACCOUNT_PROVISIONING: &str = "vestnik/v1/ad/account-provisioning";
/// MLS (SPEC.md §15.2): a device's identity key certifying the per-leaf
/// Ed25519 key that signs its MLS messages.
pub const SIG_MLS_LEAF_KEY: SigContext = SigContext("vestnik/v1/sig/mls/leaf-key");
/// Uploads (SPEC.md §2.3, §17.3): a device's identity key signing a batch
/// of one-time prekeys (its own identity key is inside the signed bytes).
pub const SIG_ONE_TIME_PREKEY_BATCH: SigContext = SigContext("vestnik/v1/sig/one-time-prekey-batch");

// Channels and advertising (SPEC.md §18).
/// A channel post's `PostTbs` bytes, by a publisher key (§18.2).
pub const SIG_CHANNEL_POST: SigContext = SigContext("vestnik/v1/sig/channel/post");
/// A channel tombstone's `TombstoneTbs` bytes, by an owner key (§18.3).
pub const SIG_CHANNEL_TOMBSTONE: SigContext = SigContext("vestnik/v1/sig/channel/tombstone");
/// An ad's `AdTbs` bytes, by the advertiser's (or agency's) key (§18.4).
pub const SIG_CHANNEL_SPONSORED_ADVERTISER: SigContext = SigContext("vestnik/v1/sig/channel/sponsored-advertiser");
/// The platform's registration countersignature over an ad (§18.4).
pub const SIG_CHANNEL_SPONSORED_PLATFORM: SigContext = SigContext("vestnik/v1/sig/channel/sponsored-platform");
/// A platform's `CatalogueTbs` bytes (§18.5).
pub const SIG_CHANNEL_CATALOGUE: SigContext = SigContext("vestnik/v1/sig/channel/catalogue");

/// Chain-key step input for the next message key (Double Ratchet spec §5.2).
pub const CHAIN_MESSAGE_KEY_BYTE: u8 = 0x01;
/// Chain-key step input for the next chain key.
pub const CHAIN_NEXT_KEY_BYTE: u8 = 0x02;

/// All string labels, for the uniqueness test and SPEC.md.
pub const ALL: &[&str] = &[
    SIG_IDENTITY_DH_KEY.0,
    SIG_SIGNED_PREKEY.0,
    SIG_CERTIFICATE.0,
    SIG_STATUS_LIST.0,
    SIG_STATUS_CERTIFICATES.0,
    SIG_STATUS_CREDENTIALS.0,
    SIG_TIMESTAMP.0,
    SIG_DOCUMENT.0,
    SIG_COUNTERSIGNATURE.0,
    KDF_X3DH,
    KDF_ROOT,
    KDF_MESSAGE_KEY,
    AD_SESSION_MESSAGE,
    HASH_SAFETY_NUMBER,
    AD_SEALED_STATE,
    KDF_GROUP_CHAIN_MESSAGE,
    KDF_GROUP_CHAIN_NEXT,
    KDF_GROUP_MESSAGE_KEY,
    AD_GROUP_MESSAGE,
    SIG_GROUP_MESSAGE.0,
    SIG_GROUP_ROSTER_ENTRY.0,
    HASH_GROUP_ROSTER_ENTRY,
    HASH_GROUP_ROSTER_MEMBERS,
    KDF_GROUP_KEY_COMMITMENT,
    SIG_CREDENTIAL.0,
    SIG_PRESENTATION.0,
    HASH_ARCHIVE_TIMESTAMP,
    HASH_CREDENTIAL_CLAIM,
    HASH_DISCLOSED_SET,
    HASH_CREDENTIAL_BYTES,
    HASH_PRESENTATION_REQUEST,
    HASH_CREDENTIAL_SESSION,
    HASH_CALL_ROSTER,
    SIG_ACCOUNT_DEVICE_LIST.0,
    HASH_ACCOUNT_SAFETY_NUMBER,
    HASH_ACCOUNT_LINKING_CODE,
    KDF_ACCOUNT_PROVISIONING,
    AD_ACCOUNT_PROVISIONING,
    // Post-quantum handshake (SPEC.md §5.2, §5.4).
    SIG_KEM_PREKEY.0,
    KDF_PQXDH,
    SIG_MLS_LEAF_KEY.0,
    // Uploads (issue 17, SPEC.md §17).
    SIG_ONE_TIME_PREKEY_BATCH.0,
    // Channels and advertising (SPEC.md §18).
    SIG_CHANNEL_POST.0,
    SIG_CHANNEL_TOMBSTONE.0,
    SIG_CHANNEL_SPONSORED_ADVERTISER.0,
    SIG_CHANNEL_SPONSORED_PLATFORM.0,
    SIG_CHANNEL_CATALOGUE.0,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_unique_versioned_and_prefix_free() {
        for (i, a) in ALL.iter().enumerate() {
            assert!(a.starts_with("vestnik/v1/"), "{a} is not version-prefixed");
            assert!(a.is_ascii() && a.len() < 100, "{a}");
            for (j, b) in ALL.iter().enumerate() {
                if i != j {
                    assert_ne!(a, b, "duplicate label");
                    assert!(!b.starts_with(a), "{a} is a prefix of {b}");
                }
            }
        }
        assert_ne!(CHAIN_MESSAGE_KEY_BYTE, CHAIN_NEXT_KEY_BYTE);
    }

    #[test]
    fn spec_lists_every_label() {
        let spec = include_str!("../SPEC.md");
        for l in ALL {
            assert!(spec.contains(l), "SPEC.md does not list {l}");
        }
    }
}
