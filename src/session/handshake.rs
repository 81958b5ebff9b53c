//! The X3DH-style handshake (SPEC.md §5.4): from a bundle (initiator) or a
//! prekey message (responder) to the first root key and chain key.
//!
//! ```text
//! DH1 = DH(IK_A, SPK_B)   DH2 = DH(EK_A, IK_B)   DH3 = DH(EK_A, SPK_B)   DH4 = DH(EK_A, OPK_B)
//! ikm  = 0xFF * 32 || DH1 || DH2 || DH3 [|| DH4]
//! info = "vestnik/v1/kdf/x3dh" || ID_A (128) || ID_B (128) || EK_A || SPK_B [|| OPK_B]
//! RK || CK0 = HKDF-SHA256(salt = 0 * 32, ikm, info)            (64 bytes)
//! ```
//! `ID` is the 128-byte public identity (Ed25519 key, X25519 key, certificate),
//! so the output binds both identities. The initiator's ephemeral key `EK_A`
//! is also its first ratchet key: `CK0` is the chain of its first messages.
//!
//! Post-quantum (PQXDH with ML-KEM-768, SPEC.md §5.4): with a KEM prekey
//! `PQPK_B` the initiator encapsulates to it, and
//!
//! ```text
//! ikm  = 0xFF * 32 || DH1 || DH2 || DH3 [|| DH4] || SS
//! info = "vestnik/v1/kdf/pqxdh" || ID_A || ID_B || EK_A || SPK_B [|| OPK_B] || SHA-256(PQPK_B) || id(PQPK_B) (4, BE)
//! ```
//! The ratchet starts from [`HandshakeOutput`] whatever produced it.

use crate::crypto::Secret32;
use crate::crypto::kem::{KemCiphertext, KemDecapsulationKey, KemEncapsulationKey};
use crate::crypto::x25519::{X25519PublicKey, X25519Secret};
use crate::identity::{DeviceIdentity, IdentityPublic};
use crate::labels;
use crate::session::SessionError;
use crate::session::keys::{ChainKey, RootKey, SESSION_CHAIN};
use zeroize::Zeroizing;

/// What a handshake hands to the Double Ratchet.
pub(crate) struct HandshakeOutput {
    pub(crate) root_key: RootKey,
    pub(crate) chain_key: ChainKey,
}

/// The public values both sides feed into the KDF's `info`.
pub(crate) struct Transcript<'a> {
    pub(crate) initiator: &'a IdentityPublic,
    pub(crate) responder: &'a IdentityPublic,
    pub(crate) base_key: &'a X25519PublicKey,
    pub(crate) signed_prekey: &'a X25519PublicKey,
    pub(crate) one_time_prekey: Option<&'a X25519PublicKey>,
    /// The KEM prekey and its id, for a post-quantum handshake.
    pub(crate) kem_prekey: Option<(&'a KemEncapsulationKey, u32)>,
}

fn dh(ours: &X25519Secret, theirs: &X25519PublicKey) -> Result<Secret32, SessionError> {
    ours.diffie_hellman(theirs).map_err(|_| SessionError::NonContributory)
}

/// `shared` holds the DH outputs and, last, the KEM shared secret of a
/// post-quantum handshake (exactly when `t.kem_prekey` is set).
fn derive(shared: &[Secret32], t: &Transcript<'_>) -> HandshakeOutput {
    let mut ikm = Zeroizing::new(Vec::with_capacity(32 * 6));
    ikm.extend_from_slice(&[0xFF; 32]);
    for s in shared {
        ikm.extend_from_slice(s.as_bytes());
    }
    let label = if t.kem_prekey.is_some() { labels::KDF_PQXDH } else { labels::KDF_X3DH };
    let mut info = Vec::with_capacity(label.len() + 128 * 2 + 32 * 4 + 4);
    info.extend_from_slice(label.as_bytes());
    info.extend_from_slice(&t.initiator.to_fixed_bytes());
    info.extend_from_slice(&t.responder.to_fixed_bytes());
    info.extend_from_slice(t.base_key.as_bytes());
    info.extend_from_slice(t.signed_prekey.as_bytes());
    if let Some(o) = t.one_time_prekey {
        info.extend_from_slice(o.as_bytes());
    }
    if let Some((k, id)) = t.kem_prekey {
        info.extend_from_slice(k.digest());
        info.extend_from_slice(&id.to_be_bytes());
    }
    let mut okm = Zeroizing::new([0u8; 64]);
    crate::crypto::kdf::hkdf_sha256(&[0u8; 32], &ikm, &info, okm.as_mut_slice());
    let (rk, ck) = okm.split_at(32);
    HandshakeOutput {
        root_key: RootKey::new(Secret32::from_slice(rk).unwrap_or_else(|| Secret32::new([0; 32]))),
        chain_key: ChainKey::new(Secret32::from_slice(ck).unwrap_or_else(|| Secret32::new([0; 32])), &SESSION_CHAIN),
    }
}

/// Initiator side. `ephemeral` is the fresh base key `EK_A`; for a
/// post-quantum handshake (`t.kem_prekey` set) a fresh KEM shared secret is
/// encapsulated with `rng` and its ciphertext returned.
pub(crate) fn initiate<R: rand_core::CryptoRng + ?Sized>(
    local: &DeviceIdentity,
    ephemeral: &X25519Secret,
    t: &Transcript<'_>,
    rng: &mut R,
) -> Result<(HandshakeOutput, Option<KemCiphertext>), SessionError> {
    let mut shared = Vec::with_capacity(5);
    shared.push(dh(local.dh_secret(), t.signed_prekey)?);
    shared.push(dh(ephemeral, t.responder.dh_key())?);
    shared.push(dh(ephemeral, t.signed_prekey)?);
    if let Some(opk) = t.one_time_prekey {
        shared.push(dh(ephemeral, opk)?);
    }
    let ciphertext = t.kem_prekey.map(|(k, _)| {
        let (ct, ss) = k.encapsulate(rng);
        shared.push(ss);
        ct
    });
    Ok((derive(&shared, t), ciphertext))
}

/// Responder side, with the secrets of the prekeys the message names and,
/// for a post-quantum handshake, the KEM prekey's secret and the ciphertext.
/// Decapsulation cannot fail: a tampered ciphertext gives the implicit
/// rejection secret, so the first message fails to authenticate.
pub(crate) fn respond(
    local: &DeviceIdentity,
    signed_prekey: &X25519Secret,
    one_time_prekey: Option<&X25519Secret>,
    kem: Option<(&KemDecapsulationKey, &KemCiphertext)>,
    t: &Transcript<'_>,
) -> Result<HandshakeOutput, SessionError> {
    let mut shared = Vec::with_capacity(5);
    shared.push(dh(signed_prekey, t.initiator.dh_key())?);
    shared.push(dh(local.dh_secret(), t.base_key)?);
    shared.push(dh(signed_prekey, t.base_key)?);
    if let Some(opk) = one_time_prekey {
        shared.push(dh(opk, t.base_key)?);
    }
    if let Some((dk, ct)) = kem {
        shared.push(dk.decapsulate(ct));
    }
    Ok(derive(&shared, t))
}
