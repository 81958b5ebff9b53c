//! The vestnik side of every workload, shared by both bench binaries so the
//! numbers they print measure the same code.

use super::{Device, MSG_100, vestnik_pair};
use vestnik::{DeviceIdentity, HandshakePolicy, PeerSessions, PreKeyBundle, PreKeyStore, Received, SessionLimits};
use zeroize::Zeroizing;

/// Session setup: "bundle bytes to first decrypted message". Classical
/// (X25519 only, the workload vodozemac and the classical floor compare
/// with) unless made by [`Setup::post_quantum`].
pub(crate) struct Setup {
    alice: DeviceIdentity,
    bob: DeviceIdentity,
    post_quantum: bool,
    limits: SessionLimits,
}

/// What one setup iteration starts from (made outside the timing): Bob's
/// fresh prekey store holding one one-time prekey, and the bundle bytes a
/// server would hand Alice.
pub(crate) type SetupInput = (Vec<u8>, PreKeyStore);

impl Setup {
    pub(crate) fn new() -> Self {
        let mut rng = rand::rng();
        let mut limits = SessionLimits::default();
        limits.handshake_policy = HandshakePolicy::AcceptClassical;
        Self {
            alice: DeviceIdentity::generate(&mut rng),
            bob: DeviceIdentity::generate(&mut rng),
            post_quantum: false,
            limits,
        }
    }

    /// The post-quantum setup (PQXDH, the default of the crate): the bundle
    /// carries a one-time KEM prekey.
    pub(crate) fn post_quantum() -> Self {
        Self { post_quantum: true, limits: SessionLimits::default(), ..Self::new() }
    }

    /// Untimed part. A fresh store per iteration, because decrypting the
    /// first message consumes the one-time prekey (and the one-time KEM prekey).
    pub(crate) fn input(&self) -> SetupInput {
        let mut rng = rand::rng();
        let mut store = if self.post_quantum {
            PreKeyStore::new(&self.bob, 0, &mut rng)
        } else {
            PreKeyStore::new_classical(&self.bob, 0, &mut rng)
        };
        let otk = store.generate_one_time_prekeys(1, &mut rng).expect("one-time prekey");
        let kem = if self.post_quantum {
            store.generate_kem_prekeys(&self.bob, 1, 0, &mut rng).expect("KEM prekey")
        } else {
            Vec::new()
        };
        let bytes =
            store.bundle_with_kem(&self.bob, otk.first().map(|o| o.id()), kem.first().map(|k| k.id())).to_bytes();
        (bytes, store)
    }

    /// Timed part: Alice validates the bundle, initiates and encrypts 100 B;
    /// Bob (who knows Alice's identity) decrypts the prekey message. Returns
    /// everything it made so dropping happens outside the timing.
    pub(crate) fn run(&self, (bytes, mut store): SetupInput) -> (PeerSessions, PeerSessions, PreKeyStore, Received) {
        let mut rng = rand::rng();
        let bundle = PreKeyBundle::from_bytes(&bytes).expect("bundle");
        let mut a = PeerSessions::with_limits(bundle.identity(), self.limits);
        a.initiate(&self.alice, &bundle, 0, &mut rng).expect("initiate");
        let wire = a.encrypt(&MSG_100, &mut rng).expect("encrypt");
        let mut b = PeerSessions::with_limits(self.alice.public(), self.limits);
        let got = b.decrypt(&self.bob, &mut store, &wire, 0).expect("decrypt");
        (a, b, store, got)
    }
}

/// A pair for the ping-pong round trip: Bob has just answered, so Alice's
/// next send, and every send after a receive, takes a DH ratchet step.
pub(crate) fn round_trip_pair() -> (Device, Device) {
    let (mut a, mut b) = vestnik_pair();
    let w = b.send(b"your turn");
    a.recv(&w);
    (a, b)
}

/// A sends, B decrypts, B sends, A decrypts; each send starts a DH step.
pub(crate) fn round_trip(a: &mut Device, b: &mut Device) -> (Received, Received) {
    let w = a.send(&MSG_100);
    let r1 = b.recv(&w);
    let w = b.send(&MSG_100);
    let r2 = a.recv(&w);
    (r1, r2)
}

/// Decrypt of message #`skip` of a new sending chain of Alice's when
/// messages `0..skip` were never delivered: Bob's state before it is kept as
/// bytes and reloaded (untimed) for every iteration.
pub(crate) struct Skipped {
    bob: Device,
    snapshot: Zeroizing<Vec<u8>>,
    wire: Vec<u8>,
}

impl Skipped {
    pub(crate) fn new(skip: u32) -> Self {
        let (mut a, b) = round_trip_pair();
        let snapshot = b.peer.to_bytes();
        for _ in 0..skip {
            a.send(&MSG_100);
        }
        let wire = a.send(&MSG_100);
        Self { bob: b, snapshot, wire }
    }

    /// The untimed setup (Bob's sessions as they were before Alice's chain
    /// started, reloaded from bytes) and the timed routine (the decrypt: a DH
    /// step, then `skip` skipped keys derived and stored).
    #[allow(clippy::type_complexity)]
    pub(crate) fn parts(
        &mut self,
    ) -> (impl FnMut() -> PeerSessions + '_, impl FnMut(PeerSessions) -> (PeerSessions, Received) + '_) {
        let Self { bob, snapshot, wire } = self;
        let snapshot = &*snapshot;
        let setup = move || PeerSessions::from_bytes(snapshot).expect("snapshot");
        let run = move |mut peer: PeerSessions| {
            let got = peer.decrypt(&bob.identity, &mut bob.prekeys, wire, 0).expect("decrypt");
            (peer, got)
        };
        (setup, run)
    }
}
