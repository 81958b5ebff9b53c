//! Format numbers: field 1 of every top-level message and of every serialized
//! state. The high byte names the type, the low byte its version, so a message
//! fed to the wrong decoder fails with [`super::DecodeError::WrongType`] and a
//! future version with [`super::DecodeError::UnsupportedVersion`]. SPEC.md §4.2
//! lists them; a unit test checks they are distinct.

/// `PreKeyBundle` v2 (with a signed ML-KEM-768 prekey).
pub const PREKEY_BUNDLE: u32 = 0x0102;
/// `PreKeyBundle` v1 (classical: no KEM prekey); still decodes.
pub const PREKEY_BUNDLE_V1: u32 = 0x0101;
/// `PreKeyMessage` v2 (first messages of a post-quantum session: the KEM
/// ciphertext and KEM prekey id in fields 7 and 8).
pub const PREKEY_MESSAGE: u32 = 0x0202;
/// `PreKeyMessage` v1 (first messages of a classical session); still decodes.
pub const PREKEY_MESSAGE_V1: u32 = 0x0201;
/// `RatchetMessage` v1 (every later 1:1 message).
pub const RATCHET_MESSAGE: u32 = 0x0301;
/// Serialized `DeviceIdentity` v1.
pub const STATE_IDENTITY: u32 = 0x1001;
/// Serialized `PreKeyStore` v3 (one-time prekeys carry their creation
/// time, for age pruning, SPEC.md §17.6).
pub const STATE_PREKEYS: u32 = 0x1103;
/// Serialized `PreKeyStore` v2 (with KEM prekeys); still loads.
pub const STATE_PREKEYS_V2: u32 = 0x1102;
/// Serialized `PreKeyStore` v1 (no KEM prekeys); still loads.
pub const STATE_PREKEYS_V1: u32 = 0x1101;
/// Serialized `PeerSessions` v1.
pub const STATE_SESSIONS: u32 = 0x1201;
/// A sealed (encrypted) state blob v1.
pub const STATE_SEALED: u32 = 0x1301;
/// Serialized `SigningKey` v1 (an Ed25519 signing key on its own: secret).
pub const STATE_SIGNING_KEY: u32 = 0x1401;
/// `CertificateTbs` v1 (the signed part of a certificate).
pub const CERTIFICATE_TBS: u32 = 0x4001;
/// `Certificate` v1.
pub const CERTIFICATE: u32 = 0x4101;
/// `StatusListTbs` v1 (untyped bitstring; decoded for archives, never counts as status).
pub const STATUS_LIST_TBS_V1: u32 = 0x4201;
/// `StatusList` v1 (decoded for archives, never counts as status).
pub const STATUS_LIST_V1: u32 = 0x4301;
/// `StatusListTbs` v2 (typed, with timed revocation entries).
pub const STATUS_LIST_TBS: u32 = 0x4202;
/// `StatusList` v2.
pub const STATUS_LIST: u32 = 0x4302;
/// `TimestampTbs` v1.
pub const TIMESTAMP_TBS: u32 = 0x4401;
/// `TimestampToken` v1.
pub const TIMESTAMP_TOKEN: u32 = 0x4501;
/// `SignedAttributes` v1 (the per-signer signed part of an envelope).
pub const SIGNED_ATTRIBUTES: u32 = 0x4601;
/// `Envelope` v1 (a signed document envelope, no archive timestamps).
pub const ENVELOPE_V1: u32 = 0x4701;
/// `Envelope` v2 (with archive timestamps).
pub const ENVELOPE: u32 = 0x4702;
/// `TrustAnchor` v1 (a trust anchor file).
pub const TRUST_ANCHOR: u32 = 0x4801;

/// `CredentialTbs` v1 (the signed part of a credential).
pub const CREDENTIAL_TBS: u32 = 0x5001;
/// `Credential` v1.
pub const CREDENTIAL: u32 = 0x5101;
/// `Disclosure` v1 (one salted claim).
pub const DISCLOSURE: u32 = 0x5201;
/// `PresentationRequest` v1.
pub const PRESENTATION_REQUEST: u32 = 0x5301;
/// `PresentationTbs` v1 (the holder-signed part of a presentation).
pub const PRESENTATION_TBS: u32 = 0x5401;
/// `Presentation` v1.
pub const PRESENTATION: u32 = 0x5501;
/// `IssuedCredential` v1 (credential and all disclosures, issuer to holder).
pub const ISSUED_CREDENTIAL: u32 = 0x5601;
/// Serialized `HeldCredential` v1 (holds the holder key: secret).
pub const STATE_HELD_CREDENTIAL: u32 = 0x5701;

/// `GroupMessage` v2 (roster epoch and key commitment in the signed body).
pub const GROUP_MESSAGE: u32 = 0x2102;
/// `GroupMessage` v1: still decrypted on the chains of a version-1 state.
pub const GROUP_MESSAGE_V1: u32 = 0x2101;
/// `SenderKeyDistribution` v2 (inside a 1:1 session only).
pub const SENDER_KEY_DISTRIBUTION: u32 = 0x2202;
/// Serialized `GroupSession` v2 (with the roster log).
pub const STATE_GROUP: u32 = 0x2302;
/// Serialized `GroupSession` v1: still loads, as a read-only legacy group.
pub const STATE_GROUP_V1: u32 = 0x2301;
/// `RosterEntry` v1 (one signed entry of a group's roster log).
pub const ROSTER_ENTRY: u32 = 0x2401;
/// `RosterUpdate` v1 (roster log entries, inside a 1:1 session only).
pub const ROSTER_UPDATE: u32 = 0x2501;

/// `CallKeyMessage` v1 (inside a 1:1 session only).
pub const CALL_KEY: u32 = 0x3001;

/// `DeviceListTbs` v1 (the account-signed part of a device list).
pub const DEVICE_LIST_TBS: u32 = 0x7001;
/// `DeviceList` v1 (an account's signed list of its devices).
pub const DEVICE_LIST: u32 = 0x7101;
/// `LinkingCode` v1 (the QR payload a new device shows; holds a secret).
pub const LINKING_CODE: u32 = 0x7201;
/// `ProvisioningMessage` v1 (the primary's answer to a linking code).
pub const PROVISIONING_MESSAGE: u32 = 0x7301;
/// Serialized `AccountKey` v1 (secret).
pub const STATE_ACCOUNT_KEY: u32 = 0x7401;
/// Serialized `DeviceListTracker` v1.
pub const STATE_DEVICE_LIST_TRACKER: u32 = 0x7501;
/// `ProvisioningPayload` v1 (the plaintext inside a provisioning message).
pub const PROVISIONING_PAYLOAD: u32 = 0x7601;
/// Serialized `PendingLink` v1 (a new device waiting to be linked; secret).
pub const STATE_PENDING_LINK: u32 = 0x7701;
/// Serialized `DeviceSessions` v1 (1:1 sessions with other devices, by account; secret).
pub const STATE_DEVICE_SESSIONS: u32 = 0x7801;
/// `MlsKeyPackageEnvelope` v1 (an MLS KeyPackage upload, SPEC.md §15.3).
pub const MLS_KEY_PACKAGE: u32 = 0x6001;
/// `MlsMessageEnvelope` v1 (an MLS commit, proposal or application message).
pub const MLS_MESSAGE: u32 = 0x6101;
/// `MlsWelcomeEnvelope` v1 (an MLS Welcome, tree out of band).
pub const MLS_WELCOME: u32 = 0x6201;
/// `MlsRatchetTreeEnvelope` v1 (a group's public ratchet tree).
pub const MLS_RATCHET_TREE: u32 = 0x6301;
/// Serialized `MlsGroup` v1 (a member's MLS group state: secret).
pub const STATE_MLS_GROUP: u32 = 0x6401;
/// Serialized `MlsKeyPackageStore` v1 (a device's KeyPackage secrets).
pub const STATE_MLS_KEY_PACKAGES: u32 = 0x6501;
/// `MlsLeafCredential` v1 (the identity bytes of an MLS BasicCredential).
pub const MLS_LEAF_CREDENTIAL: u32 = 0x6601;
/// `MlsGroupInfoEnvelope` v1 (a signed MLS GroupInfo, for the observer).
pub const MLS_GROUP_INFO: u32 = 0x6701;
/// Serialized `MlsObserver` v1 (the delivery service's public view of one
/// MLS group, SPEC.md §15.12: no secret).
pub const STATE_MLS_OBSERVER: u32 = 0x6A01;

/// `SignedPreKeyUpload` v1 (a device's signed prekey for its server, SPEC.md §17.2).
pub const SIGNED_PREKEY_UPLOAD: u32 = 0x9001;
/// `OneTimePreKeyBatch` v1 (one-time prekeys signed once, bound to the
/// device's identity key, SPEC.md §17.3).
pub const ONE_TIME_PREKEY_BATCH: u32 = 0x9101;
/// `KemPreKeyBatch` v1 (individually signed ML-KEM-768 prekeys, SPEC.md §17.4).
pub const KEM_PREKEY_BATCH: u32 = 0x9201;
// Channels and advertising (SPEC.md §18): type bytes 0x80-0x8F.
/// `PostTbs` v1 (the publisher-signed part of a channel post).
pub const CHANNEL_POST_TBS: u32 = 0x8001;
/// `Post` v1 (a signed channel post or revision).
pub const CHANNEL_POST: u32 = 0x8101;
/// `TombstoneTbs` v1 (the signed part of a deletion).
pub const CHANNEL_TOMBSTONE_TBS: u32 = 0x8201;
/// `Tombstone` v1 (a signed deletion of a channel post).
pub const CHANNEL_TOMBSTONE: u32 = 0x8301;
/// `AdTbs` v1 (the advertiser-signed part of an ad, with its marking).
pub const CHANNEL_AD_TBS: u32 = 0x8401;
/// `Ad` v1 (an advertiser-signed, platform-countersigned ad).
pub const CHANNEL_AD: u32 = 0x8501;
/// `CatalogueTbs` v1 (the platform-signed part of an ad catalogue).
pub const CHANNEL_CATALOGUE_TBS: u32 = 0x8601;
/// `Catalogue` v1 (a platform's signed catalogue of current ads).
pub const CHANNEL_CATALOGUE: u32 = 0x8701;
/// Serialized `Feed` v1 (a client's per-post revision marks of one channel; no secret).
pub const STATE_CHANNEL_FEED: u32 = 0x8801;

/// Every format number, for the uniqueness test and SPEC.md.
pub const ALL: &[(u32, &str)] = &[
    (PREKEY_BUNDLE, "PreKeyBundle"),
    (PREKEY_MESSAGE, "PreKeyMessage"),
    (RATCHET_MESSAGE, "RatchetMessage"),
    (STATE_IDENTITY, "IdentityState"),
    (STATE_PREKEYS, "PreKeyStoreState"),
    (STATE_SESSIONS, "PeerSessionsState"),
    (STATE_SEALED, "SealedState"),
    (STATE_SIGNING_KEY, "SigningKeyState"),
    (GROUP_MESSAGE, "GroupMessage"),
    (SENDER_KEY_DISTRIBUTION, "SenderKeyDistribution"),
    (STATE_GROUP, "GroupState"),
    (ROSTER_ENTRY, "RosterEntry"),
    (ROSTER_UPDATE, "RosterUpdate"),
    (CALL_KEY, "CallKeyMessage"),
    (CERTIFICATE_TBS, "CertificateTbs"),
    (CERTIFICATE, "Certificate"),
    (STATUS_LIST_TBS, "StatusListTbs"),
    (STATUS_LIST, "StatusList"),
    (TIMESTAMP_TBS, "TimestampTbs"),
    (TIMESTAMP_TOKEN, "TimestampToken"),
    (SIGNED_ATTRIBUTES, "SignedAttributes"),
    (ENVELOPE, "Envelope"),
    (TRUST_ANCHOR, "TrustAnchor"),
    (CREDENTIAL_TBS, "CredentialTbs"),
    (CREDENTIAL, "Credential"),
    (DISCLOSURE, "Disclosure"),
    (PRESENTATION_REQUEST, "PresentationRequest"),
    (PRESENTATION_TBS, "PresentationTbs"),
    (PRESENTATION, "Presentation"),
    (ISSUED_CREDENTIAL, "IssuedCredential"),
    (STATE_HELD_CREDENTIAL, "HeldCredentialState"),
    (DEVICE_LIST_TBS, "DeviceListTbs"),
    (DEVICE_LIST, "DeviceList"),
    (LINKING_CODE, "LinkingCode"),
    (PROVISIONING_MESSAGE, "ProvisioningMessage"),
    (STATE_ACCOUNT_KEY, "AccountKeyState"),
    (STATE_DEVICE_LIST_TRACKER, "DeviceListTrackerState"),
    (PROVISIONING_PAYLOAD, "ProvisioningPayload"),
    (STATE_PENDING_LINK, "PendingLinkState"),
    (STATE_DEVICE_SESSIONS, "DeviceSessionsState"),
    (MLS_KEY_PACKAGE, "MlsKeyPackageEnvelope"),
    (MLS_MESSAGE, "MlsMessageEnvelope"),
    (MLS_WELCOME, "MlsWelcomeEnvelope"),
    (MLS_RATCHET_TREE, "MlsRatchetTreeEnvelope"),
    (STATE_MLS_GROUP, "MlsGroupState"),
    (STATE_MLS_KEY_PACKAGES, "MlsKeyPackageStoreState"),
    (MLS_LEAF_CREDENTIAL, "MlsLeafCredential"),
    (MLS_GROUP_INFO, "MlsGroupInfoEnvelope"),
    (STATE_MLS_OBSERVER, "MlsObserverState"),
    // Uploads (issue 17, SPEC.md §17).
    (SIGNED_PREKEY_UPLOAD, "SignedPreKeyUpload"),
    (ONE_TIME_PREKEY_BATCH, "OneTimePreKeyBatch"),
    (KEM_PREKEY_BATCH, "KemPreKeyBatch"),
    // Channels and advertising (SPEC.md §18).
    (CHANNEL_POST_TBS, "PostTbs"),
    (CHANNEL_POST, "Post"),
    (CHANNEL_TOMBSTONE_TBS, "TombstoneTbs"),
    (CHANNEL_TOMBSTONE, "Tombstone"),
    (CHANNEL_AD_TBS, "AdTbs"),
    (CHANNEL_AD, "Ad"),
    (CHANNEL_CATALOGUE_TBS, "CatalogueTbs"),
    (CHANNEL_CATALOGUE, "Catalogue"),
    (STATE_CHANNEL_FEED, "FeedState"),
];

#[cfg(test)]
mod tests {
    #[test]
    fn formats_are_distinct_types() {
        for (i, (a, _)) in super::ALL.iter().enumerate() {
            for (b, _) in super::ALL.iter().skip(i + 1) {
                assert_ne!(a >> 8, b >> 8, "two formats share a type byte");
            }
        }
    }
}
