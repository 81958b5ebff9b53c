//! Session management for one peer device (SPEC.md §5.8): several sessions,
//! the newest used to send, older ones tried on decrypt and promoted on
//! success, and a deterministic tie-break when both sides initiate at once.

use crate::identity::{DeviceIdentity, IdentityPublic};
use crate::limits::{HandshakePolicy, SessionLimits};
use crate::prekey::{BaseKeyStatus, PreKeyBundle, PreKeyStore};
use crate::session::message::{self, Incoming, ParsedPreKey, ParsedRatchet};
use crate::session::ratchet::Plan;
use crate::session::state::{Session, prekey_binding};
use crate::session::{ContentType, MessageInfo, Received, SessionError};
use core::fmt;

/// All sessions with one peer device. A value type: the app stores it (see
/// [`PeerSessions::to_bytes`]) and passes its own identity and prekeys in.
pub struct PeerSessions {
    pub(crate) remote: IdentityPublic,
    /// Newest (the one used to send) first.
    pub(crate) sessions: Vec<Session>,
    pub(crate) limits: SessionLimits,
}

impl PeerSessions {
    /// No sessions yet with the device whose identity is `remote`. The app is
    /// responsible for trusting `remote` (safety numbers, key transparency).
    pub fn new(remote: IdentityPublic) -> Self {
        Self::with_limits(remote, SessionLimits::default())
    }

    /// Like [`PeerSessions::new`] with other limits.
    pub fn with_limits(remote: IdentityPublic, limits: SessionLimits) -> Self {
        Self { remote, sessions: Vec::new(), limits }
    }

    /// The peer device's identity.
    pub fn remote_identity(&self) -> &IdentityPublic {
        &self.remote
    }

    /// The limits in force.
    pub fn limits(&self) -> &SessionLimits {
        &self.limits
    }

    /// Changes the limits (state loaded from storage keeps its own caps
    /// checked at load; tightening takes effect at the next message).
    pub fn set_limits(&mut self, limits: SessionLimits) {
        self.limits = limits;
    }

    /// Number of sessions held.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Skipped message keys held across all sessions (bounded by
    /// [`SessionLimits::max_skipped_keys`] per session).
    pub fn skipped_key_count(&self) -> usize {
        self.sessions.iter().map(|s| s.ratchet.skipped_count()).sum()
    }

    /// The base key naming the session used to send (public; for logs,
    /// diagnostics and tests that check both sides converged).
    pub fn current_session_id(&self) -> Option<[u8; 32]> {
        self.sessions.first().map(|s| *s.base_key.as_bytes())
    }

    /// True when a message can be encrypted now.
    pub fn has_session(&self) -> bool {
        !self.sessions.is_empty()
    }

    /// True while the newest session is an unanswered initiation.
    pub fn awaiting_reply(&self) -> bool {
        self.sessions.first().is_some_and(|s| s.pending.is_some())
    }

    /// The identity that claims to have sent a prekey message, validated
    /// (certificate checked) but not authenticated: use it to find or create
    /// the right `PeerSessions`, then decrypt there. `Ok(None)` for a
    /// ratchet message, which names no identity.
    pub fn claimed_sender(bytes: &[u8]) -> Result<Option<IdentityPublic>, SessionError> {
        match message::decode(bytes, SessionLimits::default().max_message_len())? {
            Incoming::Ratchet(_) => Ok(None),
            Incoming::PreKey(p) => Ok(Some(IdentityPublic::from_wire(&p.initiator)?)),
        }
    }

    /// Reads a message's public header without decrypting it: its type,
    /// counters and ratchet key and, for a prekey message, the handshake and
    /// claimed sender. Nothing secret, nothing authenticated.
    ///
    /// ```
    /// # use vestnik::{DeviceIdentity, PeerSessions, PreKeyStore};
    /// # use vestnik::session::MessageKind;
    /// # let mut rng = rand::rng();
    /// # let (alice, bob) = (DeviceIdentity::generate(&mut rng), DeviceIdentity::generate(&mut rng));
    /// # let bob_prekeys = PreKeyStore::new(&bob, 0, &mut rng);
    /// # let mut to_bob = PeerSessions::new(bob.public());
    /// # to_bob.initiate(&alice, &bob_prekeys.bundle(&bob, None), 0, &mut rng)?;
    /// let wire = to_bob.encrypt(b"hi", &mut rng)?;
    /// let info = PeerSessions::inspect(&wire)?;
    /// assert_eq!((info.kind(), info.counter()), (MessageKind::PreKey, 0));
    /// assert_eq!(info.session_id(), to_bob.current_session_id());
    /// # Ok::<(), vestnik::SessionError>(())
    /// ```
    pub fn inspect(bytes: &[u8]) -> Result<MessageInfo, SessionError> {
        MessageInfo::read(bytes)
    }

    /// The session (named by its base key) a message belongs to, if this
    /// state holds it: for a prekey message the session of its handshake;
    /// for a ratchet message the session that holds a chain for its ratchet
    /// key. `None` for a message that would start a new session or a new
    /// ratchet step (it is tried against the sessions on decrypt).
    pub fn session_for(&self, info: &MessageInfo) -> Option<[u8; 32]> {
        let found = match info.session_id() {
            Some(id) => self.sessions.iter().find(|s| !s.initiator && s.base_key.as_bytes() == &id),
            None => self.sessions.iter().find(|s| s.ratchet.knows(info.ratchet_key())),
        };
        found.map(|s| *s.base_key.as_bytes())
    }

    /// Starts a new session from a bundle (validated by
    /// [`PreKeyBundle::from_bytes`]) and makes it the one used to send. A
    /// version-2 bundle gives a post-quantum session (PQXDH, SPEC.md §5.4);
    /// a bundle without a KEM prekey is refused
    /// ([`SessionError::ClassicalRefused`]) unless the limits'
    /// [`HandshakePolicy`] is `AcceptClassical`.
    pub fn initiate<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        local: &DeviceIdentity,
        bundle: &PreKeyBundle,
        now: u64,
        rng: &mut R,
    ) -> Result<(), SessionError> {
        if bundle.identity() != self.remote {
            return Err(SessionError::WrongPeer);
        }
        if !bundle.is_post_quantum() && self.limits.handshake_policy == HandshakePolicy::PostQuantumRequired {
            return Err(SessionError::ClassicalRefused);
        }
        let session = Session::initiate(local, bundle, now, rng)?;
        self.sessions.insert(0, session);
        self.trim();
        Ok(())
    }

    /// Encrypts application data with the newest session.
    pub fn encrypt<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        plaintext: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>, SessionError> {
        self.encrypt_typed(ContentType::Application, plaintext, rng)
    }

    /// Encrypts a typed payload (a sender-key distribution, a call key, ...).
    pub fn encrypt_typed<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        content_type: ContentType,
        body: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>, SessionError> {
        let max = self.limits.max_plaintext_len;
        if body.len() > max {
            return Err(SessionError::PlaintextTooLarge { len: body.len(), max });
        }
        let session = self.sessions.first_mut().ok_or(SessionError::NoSession)?;
        session.encrypt(content_type, body, rng)
    }

    /// Decrypts a message from this peer. On any error nothing changes: not
    /// the sessions, not `prekeys`. A message delivered twice gives
    /// [`SessionError::Duplicate`]. A prekey message consumes its one-time
    /// prekey from `prekeys` once it has decrypted.
    pub fn decrypt(
        &mut self,
        local: &DeviceIdentity,
        prekeys: &mut PreKeyStore,
        bytes: &[u8],
        now: u64,
    ) -> Result<Received, SessionError> {
        match message::decode(bytes, self.limits.max_message_len())? {
            Incoming::Ratchet(m) => self.decrypt_ratchet(&m),
            Incoming::PreKey(p) => self.decrypt_prekey(local, prekeys, &p, now),
        }
    }

    fn decrypt_ratchet(&mut self, m: &ParsedRatchet) -> Result<Received, SessionError> {
        // A session that holds the chain gives the definitive answer
        // (Duplicate, discarded, or the plaintext).
        if let Some(i) = self.sessions.iter().position(|s| s.knows(m)) {
            let s = self.sessions.get(i).ok_or(SessionError::DecryptionFailed)?;
            let (received, plan) = s.prepare(m, None, &self.limits)?;
            self.commit(i, plan);
            return Ok(received);
        }
        // Otherwise each session tries it as a new ratchet step, newest first.
        // One hostile message must not cost 41 maximal walks: the chain
        // steps of all attempts share a budget of two maximal jumps.
        let cost = u64::from(m.header.counter) + u64::from(m.header.previous_counter) + 1;
        let mut budget = 2 * u64::from(self.limits.max_forward_jump);
        let mut last = SessionError::DecryptionFailed;
        for i in 0..self.sessions.len() {
            if cost > budget {
                return Err(SessionError::TooFarAhead { jump: cost, max: self.limits.max_forward_jump });
            }
            budget -= cost;
            let Some(s) = self.sessions.get(i) else { break };
            match s.prepare(m, None, &self.limits) {
                Ok((received, plan)) => {
                    self.commit(i, plan);
                    return Ok(received);
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn decrypt_prekey(
        &mut self,
        local: &DeviceIdentity,
        prekeys: &mut PreKeyStore,
        p: &ParsedPreKey,
        now: u64,
    ) -> Result<Received, SessionError> {
        // Cheap rejection first: the claimed identity must be this peer's.
        if p.initiator != self.remote.to_wire() {
            return Err(SessionError::WrongPeer);
        }
        let binding = prekey_binding(&p.base_key, &p.ids());
        if let Some(i) = self.sessions.iter().position(|s| s.base_key == p.base_key && !s.initiator) {
            let s = self.sessions.get(i).ok_or(SessionError::DecryptionFailed)?;
            let (received, plan) = s.prepare(&p.message, Some(&binding), &self.limits)?;
            self.commit(i, plan);
            return Ok(received);
        }
        // A new handshake. A device that publishes KEM prekeys starts no
        // classical session unless the app accepts them (SPEC.md §5.9).
        if p.kem.is_none()
            && prekeys.publishes_kem_prekeys()
            && self.limits.handshake_policy == HandshakePolicy::PostQuantumRequired
        {
            return Err(SessionError::ClassicalRefused);
        }
        // No session holds it: a handshake accepted before is a replay, even
        // when its session is gone (SPEC.md §5.8).
        match prekeys.check_base_key(p.signed_prekey_id, &p.base_key, self.limits.max_accepted_base_keys) {
            None => return Err(SessionError::UnknownSignedPreKey(p.signed_prekey_id)),
            Some(BaseKeyStatus::Seen) => return Err(SessionError::Duplicate),
            Some(BaseKeyStatus::Full) => {
                return Err(SessionError::ReplayMemoryFull { signed_prekey_id: p.signed_prekey_id });
            }
            Some(BaseKeyStatus::New) => {}
        }
        let mut session = Session::respond(local, prekeys, self.remote, p, now)?;
        let (received, plan) = session.prepare(&p.message, Some(&binding), &self.limits)?;
        session.commit(plan, &self.limits);
        if let Some(id) = p.one_time_prekey_id {
            prekeys.consume_one_time(id);
        }
        // A one-time KEM prekey goes too; a last-resort one stays (the
        // replay memory below covers its handshakes).
        if let Some(k) = &p.kem {
            prekeys.consume_kem_one_time(k.kem_prekey_id);
        }
        prekeys.remember_base_key(p.signed_prekey_id, &p.base_key);
        self.insert_inbound(session, local);
        Ok(received.with_prekeys_changed())
    }

    fn commit(&mut self, i: usize, plan: Plan) {
        let Some(s) = self.sessions.get_mut(i) else { return };
        s.commit(plan, &self.limits);
        // A message from the peer on a session we initiated is the peer's
        // answer: the peer chose it, so a tie-break loss (or a replayed
        // first message that took its place) no longer holds it back.
        if s.initiator {
            s.superseded = false;
        }
        if i > 0 && !s.superseded {
            let s = self.sessions.remove(i);
            self.sessions.insert(0, s);
        }
    }

    /// A new inbound session goes first, except against our own unanswered
    /// initiation when both sides initiated at once: then the session started
    /// by the identity with the smaller Ed25519 key wins on both sides, and
    /// the loser is kept (it still decrypts) but never promoted.
    fn insert_inbound(&mut self, mut session: Session, local: &DeviceIdentity) {
        let simultaneous = self.sessions.first().is_some_and(|s| s.initiator && s.pending.is_some() && !s.superseded);
        if simultaneous && local.public().signing_key().as_bytes() < self.remote.signing_key().as_bytes() {
            session.superseded = true;
            self.sessions.insert(1, session);
        } else {
            if let Some(s) = self.sessions.first_mut().filter(|_| simultaneous) {
                s.superseded = true;
            }
            self.sessions.insert(0, session);
        }
        self.trim();
    }

    fn trim(&mut self) {
        self.sessions.truncate(self.limits.max_previous_sessions.saturating_add(1));
    }

    /// Drops initiations that got no answer within `max_age` seconds of `now`
    /// (the caller's clock). Returns how many were dropped. If the newest
    /// session goes, the next send needs a new bundle.
    pub fn drop_stale(&mut self, now: u64, max_age: u64) -> usize {
        let before = self.sessions.len();
        self.sessions.retain(|s| !(s.pending.is_some() && now.saturating_sub(s.created_at) > max_age));
        before - self.sessions.len()
    }
}

impl fmt::Debug for PeerSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerSessions")
            .field("remote", &self.remote)
            .field("sessions", &self.sessions.len())
            .field("awaiting_reply", &self.awaiting_reply())
            .finish()
    }
}
