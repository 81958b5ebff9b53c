//! `PeerSessions` at rest (SPEC.md §8): versioned protobuf, every count capped
//! by the limits before use, every key re-validated on load.

use crate::chain::SkippedKeys;
use crate::crypto::Secret32;
use crate::crypto::kem::{CIPHERTEXT_LEN, KemCiphertext};
use crate::crypto::x25519::{X25519PublicKey, X25519Secret};
use crate::identity::IdentityPublic;
use crate::limits::{MAX_STATE_LEN, SessionLimits};
use crate::session::chain::{ReceiverChain, SendingChain};
use crate::session::keys::{ChainKey, MessageKey, RootKey, SESSION_CHAIN};
use crate::session::peer::PeerSessions;
use crate::session::ratchet::DoubleRatchet;
use crate::session::state::{PendingKem, PendingPreKey, Session};
use crate::wire::{self, Cap, DecodeError, format, session as pb, state as st};
use std::collections::VecDeque;
use zeroize::{Zeroize, Zeroizing};

fn secret(field: &'static str, b: &[u8]) -> Result<Secret32, DecodeError> {
    Secret32::from_slice(b).ok_or(DecodeError::WrongLength { field, len: b.len(), expected: 32 })
}

fn public(field: &'static str, b: &[u8]) -> Result<X25519PublicKey, DecodeError> {
    wire::fixed::<32>(field, b)?;
    X25519PublicKey::from_bytes(b).map_err(|_| DecodeError::Invalid(field))
}

fn chain_to_state(c: &ReceiverChain) -> st::ReceiverChainState {
    st::ReceiverChainState {
        ratchet_key: c.ratchet_key.as_bytes().to_vec(),
        chain_key: c.chain_key.as_ref().map(|k| k.secret().as_bytes().to_vec()).unwrap_or_default(),
        next: c.next,
        skipped: c
            .skipped
            .keys
            .iter()
            .map(|(n, k)| st::SkippedKeyState { counter: *n, key: k.secret().as_bytes().to_vec() })
            .collect(),
        discarded_up_to: c.skipped.discarded_up_to,
    }
}

fn chain_from_state(c: &st::ReceiverChainState, live: bool) -> Result<ReceiverChain, DecodeError> {
    let chain_key = match (live, c.chain_key.is_empty()) {
        (true, false) => Some(ChainKey::new(secret("chain_key", &c.chain_key)?, &SESSION_CHAIN)),
        (false, true) => None,
        _ => return Err(DecodeError::Invalid("chain_key")),
    };
    let mut skipped = VecDeque::with_capacity(c.skipped.len());
    let mut last: Option<u32> = None;
    for k in &c.skipped {
        // Ascending, all below `next`.
        if last.is_some_and(|l| k.counter <= l) || k.counter >= c.next {
            return Err(DecodeError::Invalid("skipped.counter"));
        }
        last = Some(k.counter);
        skipped.push_back((k.counter, MessageKey::new(secret("skipped.key", &k.key)?, &SESSION_CHAIN)));
    }
    Ok(ReceiverChain {
        ratchet_key: public("ratchet_key", &c.ratchet_key)?,
        chain_key,
        next: c.next,
        skipped: SkippedKeys { keys: skipped, discarded_up_to: c.discarded_up_to },
    })
}

fn session_to_state(s: &Session) -> st::SessionState {
    let r = &s.ratchet;
    st::SessionState {
        local_identity: Some(s.local.to_wire()),
        remote_identity: Some(s.remote.to_wire()),
        initiator: s.initiator,
        base_key: s.base_key.as_bytes().to_vec(),
        pending: s.pending.as_ref().map(|p| st::PendingPreKeyState {
            signed_prekey_id: p.signed_prekey_id,
            one_time_prekey_id: p.one_time_prekey_id,
            kem_ciphertext: p.kem.as_ref().map(|k| k.ciphertext.as_bytes().to_vec()).unwrap_or_default(),
            kem_prekey_id: p.kem.as_ref().map_or(0, |k| k.kem_prekey_id),
        }),
        created_at: s.created_at,
        superseded: s.superseded,
        root_key: r.root_key.secret().as_bytes().to_vec(),
        our_ratchet_secret: r.our_ratchet.as_ref().map(|k| k.to_secret().as_bytes().to_vec()).unwrap_or_default(),
        sending: r
            .sending
            .as_ref()
            .map(|c| st::SendingChainState { chain_key: c.chain_key.secret().as_bytes().to_vec(), counter: c.counter }),
        previous_counter: r.previous_counter,
        receiving: r.receiving.iter().map(chain_to_state).collect(),
        post_quantum: s.post_quantum,
    }
}

/// The pending handshake header: the KEM fields are both absent (classical)
/// or both present, and present exactly in a post-quantum session.
fn pending_from_state(p: &st::PendingPreKeyState, post_quantum: bool) -> Result<PendingPreKey, DecodeError> {
    let kem = match (p.kem_ciphertext.is_empty(), p.kem_prekey_id) {
        (true, 0) => None,
        (false, id) if id != 0 => {
            wire::fixed::<CIPHERTEXT_LEN>("pending.kem_ciphertext", &p.kem_ciphertext)?;
            let ciphertext =
                KemCiphertext::from_bytes(&p.kem_ciphertext).ok_or(DecodeError::Invalid("pending.kem_ciphertext"))?;
            Some(PendingKem::new(id, ciphertext))
        }
        _ => return Err(DecodeError::Invalid("pending.kem_prekey_id")),
    };
    if kem.is_some() != post_quantum {
        return Err(DecodeError::Invalid("pending.kem_ciphertext"));
    }
    Ok(PendingPreKey { signed_prekey_id: p.signed_prekey_id, one_time_prekey_id: p.one_time_prekey_id, kem })
}

/// Identities already validated while loading this state, so that forty
/// sessions with one peer cost two certificate checks, not eighty.
struct Validated {
    remote: IdentityPublic,
    remote_wire: pb::IdentityPublic,
    local: Option<(pb::IdentityPublic, IdentityPublic)>,
    /// The local identity was given by the app: any other is refused.
    local_fixed: bool,
}

fn session_from_state(
    s: &st::SessionState,
    known: &mut Validated,
    limits: &SessionLimits,
) -> Result<Session, DecodeError> {
    let max_chains = limits.max_receiver_chains.saturating_add(limits.max_retired_chains);
    wire::cap_count("receiving", &s.receiving, max_chains)?;
    let local_wire = s.local_identity.as_ref().ok_or(DecodeError::Missing("local_identity"))?;
    let local = match &known.local {
        Some((w, id)) if w == local_wire => *id,
        Some(_) if known.local_fixed => return Err(DecodeError::Invalid("local_identity")),
        _ => {
            let id = IdentityPublic::from_wire(local_wire)?;
            known.local = Some((local_wire.clone(), id));
            id
        }
    };
    if s.remote_identity.as_ref() != Some(&known.remote_wire) {
        return Err(DecodeError::Invalid("remote_identity"));
    }
    let this_remote = known.remote;
    let mut receiving = Vec::with_capacity(s.receiving.len());
    for (i, c) in s.receiving.iter().enumerate() {
        let chain = chain_from_state(c, i < limits.max_receiver_chains && !c.chain_key.is_empty())?;
        if chain.chain_key.is_none() && i < limits.max_receiver_chains && i == 0 {
            return Err(DecodeError::Invalid("receiving[0].chain_key"));
        }
        receiving.push(chain);
    }
    let skipped_here: usize = receiving.iter().map(|c| c.skipped.len()).sum();
    if skipped_here > limits.max_skipped_keys {
        return Err(DecodeError::TooMany { field: "skipped", count: skipped_here, max: limits.max_skipped_keys });
    }
    let our_ratchet = if s.our_ratchet_secret.is_empty() {
        None
    } else {
        Some(X25519Secret::from_bytes(&secret("our_ratchet_secret", &s.our_ratchet_secret)?))
    };
    let sending = s
        .sending
        .as_ref()
        .map(|c| -> Result<SendingChain, DecodeError> {
            Ok(SendingChain {
                chain_key: ChainKey::new(secret("sending.chain_key", &c.chain_key)?, &SESSION_CHAIN),
                counter: c.counter,
            })
        })
        .transpose()?;
    // Consistency: a sending chain needs our ratchet key; a session with
    // neither a sending chain nor a receiving chain could never send.
    if (sending.is_some() && our_ratchet.is_none()) || (sending.is_none() && receiving.is_empty()) {
        return Err(DecodeError::Invalid("ratchet"));
    }
    Ok(Session {
        local,
        remote: this_remote,
        initiator: s.initiator,
        base_key: public("base_key", &s.base_key)?,
        pending: s.pending.as_ref().map(|p| pending_from_state(p, s.post_quantum)).transpose()?,
        created_at: s.created_at,
        superseded: s.superseded,
        post_quantum: s.post_quantum,
        ratchet: DoubleRatchet {
            root_key: RootKey::new(secret("root_key", &s.root_key)?),
            our_ratchet,
            sending,
            previous_counter: s.previous_counter,
            receiving,
        },
    })
}

fn wipe(s: &mut st::PeerSessionsState) {
    for x in &mut s.sessions {
        x.root_key.zeroize();
        x.our_ratchet_secret.zeroize();
        if let Some(c) = x.sending.as_mut() {
            c.chain_key.zeroize();
        }
        for c in &mut x.receiving {
            c.chain_key.zeroize();
            for k in &mut c.skipped {
                k.key.zeroize();
            }
        }
    }
}

/// The loader's entry point: size, format, then sessions, their chains and
/// the chains' skipped keys counted (and entries too short to be valid
/// refused) before anything is decoded (SPEC.md §4.1, §8.1).
fn decode_state(
    bytes: &[u8],
    limits: &SessionLimits,
    convert: impl FnOnce(&st::PeerSessionsState) -> Result<PeerSessions, DecodeError>,
) -> Result<PeerSessions, DecodeError> {
    let sessions = limits.max_previous_sessions.saturating_add(1);
    // A skipped key is {counter, 32-byte key}: at least 34 bytes, and a
    // session holds at most `max_skipped_keys` over all its chains. A chain
    // holds at least its 32-byte ratchet key; a session two identities (two
    // 32-byte keys and a 64-byte signature each), a base key and a root key.
    let skipped = [Cap::new(4, "skipped", limits.max_skipped_keys)
        .total(sessions.saturating_mul(limits.max_skipped_keys))
        .min_len(34)];
    let chains = limits.max_receiver_chains.saturating_add(limits.max_retired_chains);
    let receiving = [Cap::new(12, "receiving", chains).min_len(34).within(&skipped)];
    let caps = [Cap::new(3, "sessions", sessions).min_len(300).within(&receiving)];
    wire::decode_secret(bytes, MAX_STATE_LEN, format::STATE_SESSIONS, &caps, wipe, convert)
}

impl PeerSessions {
    /// Serializes every session with this peer (format 0x1201). The result
    /// holds secrets: keep it in encrypted storage, or seal the sessions
    /// themselves with [`crate::storage::Sealable::seal`].
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let s = st::PeerSessionsState {
            format: format::STATE_SESSIONS,
            remote_identity: Some(self.remote.to_wire()),
            sessions: self.sessions.iter().map(session_to_state).collect(),
        };
        wire::encode_secret(s, wipe)
    }

    /// Loads state written by [`PeerSessions::to_bytes`] with default limits.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::from_bytes_with_limits(bytes, SessionLimits::default())
    }

    /// Loads state, enforcing `limits` as caps on every count.
    pub fn from_bytes_with_limits(bytes: &[u8], limits: SessionLimits) -> Result<Self, DecodeError> {
        decode_state(bytes, &limits, |s| Self::from_state(s, limits))
    }

    /// Loads state for identities the app already holds validated (its own
    /// and the peer's): every identity stored in the state must equal one of
    /// them byte for byte, so no certificate is checked again. A load costs
    /// microseconds instead of two key imports and two signature checks.
    /// Default limits; see [`PeerSessions::from_bytes_trusted_with_limits`].
    ///
    /// ```
    /// # use vestnik::{DeviceIdentity, PeerSessions};
    /// # let mut rng = rand::rng();
    /// # let (me, peer) = (DeviceIdentity::generate(&mut rng), DeviceIdentity::generate(&mut rng));
    /// let stored = PeerSessions::new(peer.public()).to_bytes();
    /// let loaded = PeerSessions::from_bytes_trusted(&stored, &me.public(), &peer.public())?;
    /// assert_eq!(loaded.remote_identity(), &peer.public());
    /// # Ok::<(), vestnik::wire::DecodeError>(())
    /// ```
    pub fn from_bytes_trusted(
        bytes: &[u8],
        local: &IdentityPublic,
        remote: &IdentityPublic,
    ) -> Result<Self, DecodeError> {
        Self::from_bytes_trusted_with_limits(bytes, local, remote, SessionLimits::default())
    }

    /// [`PeerSessions::from_bytes_trusted`] enforcing `limits` as caps on every count.
    pub fn from_bytes_trusted_with_limits(
        bytes: &[u8],
        local: &IdentityPublic,
        remote: &IdentityPublic,
        limits: SessionLimits,
    ) -> Result<Self, DecodeError> {
        let trusted = Validated {
            remote: *remote,
            remote_wire: remote.to_wire(),
            local: Some((local.to_wire(), *local)),
            local_fixed: true,
        };
        decode_state(bytes, &limits, |s| Self::from_state_with(s, limits, Some(trusted)))
    }

    fn from_state(s: &st::PeerSessionsState, limits: SessionLimits) -> Result<Self, DecodeError> {
        Self::from_state_with(s, limits, None)
    }

    fn from_state_with(
        s: &st::PeerSessionsState,
        limits: SessionLimits,
        trusted: Option<Validated>,
    ) -> Result<Self, DecodeError> {
        wire::cap_count("sessions", &s.sessions, limits.max_previous_sessions.saturating_add(1))?;
        let remote_wire = s.remote_identity.as_ref().ok_or(DecodeError::Missing("remote_identity"))?;
        let mut known = match trusted {
            Some(t) if &t.remote_wire == remote_wire => t,
            Some(_) => return Err(DecodeError::Invalid("remote_identity")),
            None => {
                let remote = IdentityPublic::from_wire(remote_wire)?;
                Validated { remote, remote_wire: remote_wire.clone(), local: None, local_fixed: false }
            }
        };
        let sessions =
            s.sessions.iter().map(|x| session_from_state(x, &mut known, &limits)).collect::<Result<_, _>>()?;
        Ok(Self { remote: known.remote, sessions, limits })
    }
}
