//! One participant's view of a call: its own sender key, the keys of the
//! others, and what changes when someone joins or leaves (SPEC.md §13.5).
//!
//! ```text
//! start        fresh base key, generation 0, step 0  -> key to every other participant
//! joined(p)    own base key ratcheted one step       -> key to p only
//! left(p, now) p's keys wiped; the others' keys sealed -> key to every remaining participant
//!              (retire after the overlap); fresh base
//!              key, generation + 1, step 0
//! ```
//! A newcomer gets only the ratcheted key, from which earlier keys cannot be
//! computed, so it cannot read earlier media; the others derive the step
//! themselves from the KID. After a departure every sender moves to a key
//! the departed participant never receives. Receivers keep the previous key
//! of each sender for the overlap window, so frames in flight still decrypt.
//!
//! The departed device still holds every key from before its departure, so
//! when a receiver applies a departure, every other sender's keys start the
//! overlap window at once and then retire, whether or not that sender's new
//! key has arrived (frames may be lost; a forgery is not accepted). Every key
//! is bound to its sender's roster (`roster_hash`, SPEC.md §13.9): a key from
//! a sender that has not applied the same joins and leaves is refused
//! ([`CallError::RosterMismatch`]), so a sender that never learnt of a
//! departure cannot hand out a key the departed device also holds.

use crate::call::CallError;
use crate::call::header::SFrameHeader;
use crate::call::key::BaseKey;
use crate::call::kid::{KeyId, MAX_GENERATION, MAX_PARTICIPANT_INDEX, MAX_RATCHET_STEP};
use crate::call::message::ROSTER_HASH_LEN;
use crate::call::message::{CallId, CallKeyMessage};
use crate::call::receiver::{FrameInfo, ReceiverContext};
use crate::call::sender::SenderContext;
use crate::call::suite::CipherSuite;
use crate::identity::IdentityPublic;
use crate::labels;
use crate::limits::CallLimits;
use crate::session::{ContentType, Received};
use core::fmt;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// A call key the app must send to one participant, as a
/// [`ContentType::CallKey`] payload of the 1:1 session with that device
/// (`PeerSessions::encrypt_typed`). Holds a base key: zeroized on drop.
pub struct CallKeyDelivery {
    to: IdentityPublic,
    index: u16,
    body: Zeroizing<Vec<u8>>,
}

impl CallKeyDelivery {
    /// The device to send it to.
    pub fn to(&self) -> &IdentityPublic {
        &self.to
    }

    /// That device's participant index.
    pub fn index(&self) -> u16 {
        self.index
    }

    /// The payload (send it only inside the 1:1 session with [`Self::to`]).
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// The body is `Zeroizing`: the base key it holds is wiped on drop.
impl zeroize::ZeroizeOnDrop for CallKeyDelivery {}

impl fmt::Debug for CallKeyDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallKeyDelivery").field("to", &self.to).field("index", &self.index).finish_non_exhaustive()
    }
}

/// This device's part in one call. Not `Clone`; zeroizes every key on drop.
pub struct Call {
    id: CallId,
    suite: CipherSuite,
    limits: CallLimits,
    own_index: u16,
    own_identity: IdentityPublic,
    sender: SenderContext,
    receiver: ReceiverContext,
    /// The other participants, by index.
    roster: BTreeMap<u16, IdentityPublic>,
    /// Joins and leaves applied since [`Call::start`].
    roster_epoch: u64,
}

impl Call {
    /// Joins or starts call `id` as participant `own_index` (this device,
    /// `own_identity`), with the others already in it. Returns the call and
    /// the key deliveries to send, one per other participant. Indexes come
    /// from the app's call signaling; each must be unique in the call and at
    /// most 1023, and each device (the own one included) may appear once.
    /// Every key is bound to the whole roster, the own entry included, so a
    /// newcomer must list exactly the participants the others will have once
    /// they apply its join.
    ///
    /// ```
    /// use vestnik::call::{Call, CallId, CipherSuite, MAX_OVERHEAD};
    /// use vestnik::{CallLimits, ContentType, DeviceIdentity, PeerSessions, PreKeyStore};
    /// let mut rng = rand::rng();
    /// let (alice, bob) = (DeviceIdentity::generate(&mut rng), DeviceIdentity::generate(&mut rng));
    /// let mut bob_prekeys = PreKeyStore::new(&bob, 0, &mut rng);
    /// let mut alice_to_bob = PeerSessions::new(bob.public());
    /// alice_to_bob.initiate(&alice, &bob_prekeys.bundle(&bob, None), 0, &mut rng)?;
    /// let mut bob_to_alice = PeerSessions::new(alice.public());
    ///
    /// // Both learn the call id and the indexes from the app's call signaling.
    /// let id = CallId::random(&mut rng);
    /// let suite = CipherSuite::recommended();
    /// let (mut a_call, keys) =
    ///     Call::start(id, suite, 0, alice.public(), &[(1, bob.public())], CallLimits::default(), &mut rng)?;
    /// let (mut b_call, _keys_for_alice) =
    ///     Call::start(id, suite, 1, bob.public(), &[(0, alice.public())], CallLimits::default(), &mut rng)?;
    ///
    /// // Alice's key travels inside the 1:1 session, typed as a call key.
    /// let wire = alice_to_bob.encrypt_typed(ContentType::CallKey, keys[0].body(), &mut rng)?;
    /// let received = bob_to_alice.decrypt(&bob, &mut bob_prekeys, &wire, 0)?;
    /// b_call.receive_key(&received, 0)?;
    ///
    /// // 20 ms of audio, through a server that sees only the SFrame header.
    /// let mut frame = [0u8; 80 + MAX_OVERHEAD];
    /// let len = a_call.protect(b"", &[0x11; 80], &mut frame)?;
    /// let mut audio = [0u8; 80 + MAX_OVERHEAD];
    /// let info = b_call.unprotect(b"", &frame[..len], &mut audio, 0)?;
    /// assert_eq!(&audio[..info.plaintext_len], &[0x11; 80]);
    /// assert_eq!(b_call.participant(info.key_id.index), Some(&alice.public()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start<R: rand_core::CryptoRng + ?Sized>(
        id: CallId,
        suite: CipherSuite,
        own_index: u16,
        own_identity: IdentityPublic,
        others: &[(u16, IdentityPublic)],
        limits: CallLimits,
        rng: &mut R,
    ) -> Result<(Self, Vec<CallKeyDelivery>), CallError> {
        let limits = limits.clamped();
        let kid = KeyId::new(own_index, 0, 0).ok_or(CallError::InvalidIndex(own_index))?;
        let base = BaseKey::random(suite, rng);
        let sender = SenderContext::from_base_key(suite, kid.to_kid(), base, limits);
        let receiver = ReceiverContext::new(suite, limits);
        let mut call = Self {
            id,
            suite,
            limits,
            own_index,
            own_identity,
            sender,
            receiver,
            roster: BTreeMap::new(),
            roster_epoch: 0,
        };
        for (index, identity) in others {
            call.add_to_roster(*index, *identity)?;
        }
        let deliveries = call.deliveries(call.roster.keys().copied());
        Ok((call, deliveries))
    }

    fn add_to_roster(&mut self, index: u16, identity: IdentityPublic) -> Result<(), CallError> {
        // One index per device: a device at two indexes could have its key
        // installed under either.
        if index > MAX_PARTICIPANT_INDEX
            || index == self.own_index
            || identity == self.own_identity
            || self.roster.contains_key(&index)
            || self.roster.values().any(|p| *p == identity)
        {
            return Err(CallError::InvalidIndex(index));
        }
        if self.roster.len().saturating_add(1) >= self.limits.max_participants {
            return Err(CallError::TooManyParticipants { max: self.limits.max_participants });
        }
        self.receiver.forget_sender(index);
        self.roster.insert(index, identity);
        Ok(())
    }

    /// The current own key, encoded for each participant in `to`.
    fn deliveries(&self, to: impl Iterator<Item = u16>) -> Vec<CallKeyDelivery> {
        let Some(key_id) = KeyId::from_kid(self.sender.kid()) else { return Vec::new() };
        let msg = CallKeyMessage {
            call_id: self.id,
            suite: self.suite,
            key_id,
            base_key: self.sender.base_key().duplicate(),
            roster_epoch: self.roster_epoch,
            roster_hash: self.roster_hash(),
        };
        let body = msg.encode();
        to.filter_map(|index| {
            let to = *self.roster.get(&index)?;
            Some(CallKeyDelivery { to, index, body: body.clone() })
        })
        .collect()
    }

    /// Participant `index` joined: the own key is ratcheted one step, and the
    /// returned delivery gives the newcomer that key. At the last ratchet
    /// step the key is replaced instead, and everyone gets the new one.
    pub fn participant_joined<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        index: u16,
        identity: IdentityPublic,
        rng: &mut R,
    ) -> Result<Vec<CallKeyDelivery>, CallError> {
        let own = KeyId::from_kid(self.sender.kid()).ok_or(CallError::InvalidIndex(self.own_index))?;
        // Refuse before changing anything.
        if own.step == MAX_RATCHET_STEP && own.generation == MAX_GENERATION {
            return Err(CallError::GenerationExhausted);
        }
        self.add_to_roster(index, identity)?;
        self.roster_epoch = self.roster_epoch.saturating_add(1);
        if own.step == MAX_RATCHET_STEP {
            return self.rotate_key(rng);
        }
        self.sender.ratchet()?;
        Ok(self.deliveries(core::iter::once(index)))
    }

    /// Participant `index` left, applied at `now_ms` (the caller's clock):
    /// its keys are wiped, its frames refused, and the own key is replaced
    /// by a fresh one sent to everyone remaining. Every other sender's keys
    /// held now are known to the departed device: they decrypt for
    /// `key_overlap_ms` more (frames in flight) and are then retired,
    /// whether or not that sender's new key has arrived; no later ratchet
    /// step of them is derived or installed (SPEC.md §13.5).
    pub fn participant_left<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        index: u16,
        now_ms: u64,
        rng: &mut R,
    ) -> Result<Vec<CallKeyDelivery>, CallError> {
        let own = KeyId::from_kid(self.sender.kid()).ok_or(CallError::InvalidIndex(self.own_index))?;
        if own.generation == MAX_GENERATION {
            return Err(CallError::GenerationExhausted);
        }
        self.roster.remove(&index).ok_or(CallError::InvalidIndex(index))?;
        self.roster_epoch = self.roster_epoch.saturating_add(1);
        self.receiver.remove_sender(index, now_ms);
        self.rotate_key(rng)
    }

    /// Replaces the own key with a fresh one (next generation) and returns
    /// its deliveries to every participant. Also the answer to
    /// [`CallError::CounterExhausted`].
    pub fn rotate_key<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
    ) -> Result<Vec<CallKeyDelivery>, CallError> {
        let own = KeyId::from_kid(self.sender.kid()).ok_or(CallError::InvalidIndex(self.own_index))?;
        let generation = own.generation.checked_add(1).ok_or(CallError::GenerationExhausted)?;
        let next = KeyId { generation, step: 0, ..own };
        self.sender.rekey(next.to_kid(), BaseKey::random(self.suite, rng));
        Ok(self.deliveries(self.roster.keys().copied()))
    }

    /// Installs a call key that arrived in a 1:1 session. Anything but a
    /// [`ContentType::CallKey`] payload is refused, as is a key from a device
    /// that is not the participant it names, for another call or suite,
    /// bound to another roster than this device's current one
    /// ([`CallError::RosterMismatch`]: apply pending joins and leaves, then
    /// retry), or older than the one held. Returns the installed key's id.
    ///
    /// ```no_run
    /// # fn f(call: &mut vestnik::call::Call, received: &vestnik::Received) -> Result<(), vestnik::call::CallError> {
    /// // `received` came from `PeerSessions::decrypt`.
    /// let key_id = call.receive_key(received, 0)?;
    /// println!("participant {} sends under generation {}", key_id.index, key_id.generation);
    /// # Ok(()) }
    /// ```
    pub fn receive_key(&mut self, received: &Received, now_ms: u64) -> Result<KeyId, CallError> {
        if received.content_type() != ContentType::CallKey {
            return Err(CallError::NotACallKey);
        }
        let msg = CallKeyMessage::decode(received.plaintext())?;
        self.install_key(received.sender(), msg, now_ms)
    }

    /// The core of [`Call::receive_key`], for a sender the session layer has
    /// authenticated.
    pub(crate) fn install_key(
        &mut self,
        sender: &IdentityPublic,
        msg: CallKeyMessage,
        now_ms: u64,
    ) -> Result<KeyId, CallError> {
        if msg.call_id != self.id {
            return Err(CallError::WrongCall);
        }
        if msg.suite != self.suite {
            return Err(CallError::SuiteMismatch { found: msg.suite.id(), expected: self.suite.id() });
        }
        let index = msg.key_id.index;
        if self.roster.get(&index) != Some(sender) {
            return Err(CallError::NotAParticipant(index));
        }
        if msg.roster_hash != self.roster_hash() {
            return Err(CallError::RosterMismatch { index, epoch: msg.roster_epoch });
        }
        self.receiver.insert(msg.key_id, msg.base_key, now_ms)?;
        Ok(msg.key_id)
    }

    /// Protects a frame into `out`; see [`SenderContext::protect`].
    pub fn protect(&mut self, metadata: &[u8], payload: &[u8], out: &mut [u8]) -> Result<usize, CallError> {
        self.sender.protect(metadata, payload, out)
    }

    /// Unprotects a frame into `out`; see [`ReceiverContext::unprotect`].
    /// [`FrameInfo::key_id`] names the sender's index ([`Call::participant`]).
    pub fn unprotect(
        &mut self,
        metadata: &[u8],
        frame: &[u8],
        out: &mut [u8],
        now_ms: u64,
    ) -> Result<FrameInfo, CallError> {
        self.receiver.unprotect(metadata, frame, out, now_ms)
    }

    /// The sending half, for the media thread (in-place protect and more).
    pub fn sender_mut(&mut self) -> &mut SenderContext {
        &mut self.sender
    }

    /// The receiving half.
    pub fn receiver_mut(&mut self) -> &mut ReceiverContext {
        &mut self.receiver
    }

    /// The device at participant `index`, if it is in the call.
    pub fn participant(&self, index: u16) -> Option<&IdentityPublic> {
        self.roster.get(&index)
    }

    /// Other participants in the call.
    pub fn participant_count(&self) -> usize {
        self.roster.len()
    }

    /// Joins and leaves this device has applied since [`Call::start`]; sent
    /// with every own key, so a [`CallError::RosterMismatch`] names how far
    /// the sender had got. Counts differ between devices (a newcomer starts
    /// at 0): only the roster hash is compared.
    pub fn roster_epoch(&self) -> u64 {
        self.roster_epoch
    }

    /// The hash every own key is bound to and every received key must carry
    /// (SPEC.md §13.9): SHA-256 over the label `vestnik/v1/hash/call-roster`
    /// and every participant, this device included, as `(index, Ed25519
    /// identity key)` sorted by index. Two devices that applied the same
    /// joins and leaves, in any order, have the same hash.
    pub fn roster_hash(&self) -> [u8; ROSTER_HASH_LEN] {
        let own = core::iter::once((self.own_index, &self.own_identity));
        let mut all: Vec<(u16, &IdentityPublic)> = self.roster.iter().map(|(i, p)| (*i, p)).chain(own).collect();
        all.sort_unstable_by_key(|(i, _)| *i);
        roster_hash(&all)
    }

    /// The cipher suite.
    pub fn suite(&self) -> CipherSuite {
        self.suite
    }

    /// The call id.
    pub fn id(&self) -> CallId {
        self.id
    }

    /// This device's participant index.
    pub fn own_index(&self) -> u16 {
        self.own_index
    }

    /// The key id this device currently sends under.
    pub fn own_key_id(&self) -> Option<KeyId> {
        KeyId::from_kid(self.sender.kid())
    }

    /// The SFrame header the next own frame will carry.
    pub fn next_header(&self) -> Option<SFrameHeader> {
        self.sender.next_counter().map(|ctr| SFrameHeader::new(self.sender.kid(), ctr))
    }
}

/// SHA-256(len(label) || label || count (u16 BE) || per participant in
/// index order: index (u16 BE) || Ed25519 key (32 bytes)); SPEC.md §13.9.
fn roster_hash(sorted: &[(u16, &IdentityPublic)]) -> [u8; ROSTER_HASH_LEN] {
    let label = labels::HASH_CALL_ROSTER;
    let mut h = Sha256::new();
    h.update([u8::try_from(label.len()).unwrap_or(u8::MAX)]);
    h.update(label.as_bytes());
    // At most 1024 participants, so the count fits.
    h.update(u16::try_from(sorted.len()).unwrap_or(u16::MAX).to_be_bytes());
    for (index, identity) in sorted {
        h.update(index.to_be_bytes());
        h.update(identity.signing_key().as_bytes());
    }
    h.finalize().into()
}

/// Its secrets live in the sender and receiver, which wipe them on drop.
impl zeroize::ZeroizeOnDrop for Call {}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("id", &self.id)
            .field("suite", &self.suite)
            .field("own_index", &self.own_index)
            .field("participants", &self.roster.len())
            .field("roster_epoch", &self.roster_epoch)
            .field("sender", &self.sender)
            .field("receiver", &self.receiver)
            .finish()
    }
}
