//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use vestnik::group::GroupSession;
use vestnik::{DeviceIdentity, IdentityPublic, PeerSessions, PreKeyBundle, PreKeyStore};

/// One device: identity, prekeys and its sessions with the other party.
pub(crate) struct Device {
    pub(crate) identity: DeviceIdentity,
    pub(crate) prekeys: PreKeyStore,
    pub(crate) peer: PeerSessions,
}

/// Alice and Bob, with Alice having started a session from Bob's bundle
/// (with a one-time prekey) and Bob knowing Alice's identity.
pub(crate) fn pair() -> (Device, Device) {
    let mut rng = rand::rng();
    let a = DeviceIdentity::generate(&mut rng);
    let b = DeviceIdentity::generate(&mut rng);
    let a_pre = PreKeyStore::new(&a, 0, &mut rng);
    let mut b_pre = PreKeyStore::new(&b, 0, &mut rng);
    let otk = b_pre.generate_one_time_prekeys(5, &mut rng).unwrap();
    let bundle = PreKeyBundle::from_bytes(&b_pre.bundle(&b, Some(otk[0].id())).to_bytes()).unwrap();
    let mut a_peer = PeerSessions::new(b.public());
    a_peer.initiate(&a, &bundle, 0, &mut rng).unwrap();
    let b_peer = PeerSessions::new(a.public());
    (Device { identity: a, prekeys: a_pre, peer: a_peer }, Device { identity: b, prekeys: b_pre, peer: b_peer })
}

impl Device {
    pub(crate) fn send(&mut self, text: &[u8]) -> Vec<u8> {
        self.peer.encrypt(text, &mut rand::rng()).unwrap()
    }

    pub(crate) fn recv(&mut self, wire: &[u8]) -> Result<Vec<u8>, vestnik::SessionError> {
        self.peer.decrypt(&self.identity, &mut self.prekeys, wire, 0).map(|r| r.plaintext().to_vec())
    }

    /// Serialized state of everything this device holds.
    pub(crate) fn snapshot(&self) -> Vec<u8> {
        let mut v = self.peer.to_bytes().to_vec();
        v.extend_from_slice(&self.prekeys.to_bytes());
        v
    }

    /// Save and reload through bytes (identity, prekeys, sessions).
    pub(crate) fn restart(&mut self) {
        let id = DeviceIdentity::from_bytes(&self.identity.to_bytes()).unwrap();
        let pre = PreKeyStore::from_bytes(&self.prekeys.to_bytes(), &id.public()).unwrap();
        let peer = PeerSessions::from_bytes(&self.peer.to_bytes()).unwrap();
        self.identity = id;
        self.prekeys = pre;
        self.peer = peer;
    }
}

/// The crate's generated protobuf types (committed under src/wire/generated/),
/// for crafting adversarial inputs.
#[allow(dead_code, unreachable_pub, missing_docs, clippy::all)]
pub(crate) mod pb {
    pub(crate) mod vestnik {
        pub(crate) mod session {
            pub(crate) mod v1 {
                include!("../../src/wire/generated/vestnik.session.v1.rs");
            }
        }
        pub(crate) mod state {
            pub(crate) mod v1 {
                include!("../../src/wire/generated/vestnik.state.v1.rs");
            }
        }
        pub(crate) mod group {
            pub(crate) mod v1 {
                include!("../../src/wire/generated/vestnik.group.v1.rs");
            }
        }
        // Upload formats (issue 17, SPEC §17).
        pub(crate) mod upload {
            pub(crate) mod v1 {
                include!("../../src/wire/generated/vestnik.upload.v1.rs");
            }
        }
    }
    #[allow(unused_imports)]
    pub(crate) use vestnik::group::v1 as group;
    #[allow(unused_imports)]
    pub(crate) use vestnik::session::v1 as session;
    #[allow(unused_imports)]
    pub(crate) use vestnik::state::v1 as state;
    #[allow(unused_imports)]
    pub(crate) use vestnik::upload::v1 as upload;
}

/// Small-order and non-canonical X25519 encodings (RFC 7748, Wycheproof).
pub(crate) fn bad_x25519_keys() -> Vec<[u8; 32]> {
    let hex_keys = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "cdeb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
        "4c9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
        "d9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "daffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "dbffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ];
    hex_keys.iter().map(|h| hex::decode(h).unwrap().try_into().unwrap()).collect()
}

/// A device of a group test: identity, prekeys, a 1:1 session with every
/// other device (by signing key) and its group state.
pub(crate) struct MeshDevice {
    pub(crate) id: DeviceIdentity,
    pub(crate) pre: PreKeyStore,
    pub(crate) peers: BTreeMap<[u8; 32], PeerSessions>,
    pub(crate) group: Option<GroupSession>,
}

/// The key a device's sessions are filed under.
pub(crate) fn key(p: &IdentityPublic) -> [u8; 32] {
    *p.signing_key().as_bytes()
}

/// `n` devices with a session between every pair (the lower index
/// initiates; nothing sent yet, so only the initiator can send first).
pub(crate) fn mesh(n: usize) -> Vec<MeshDevice> {
    let mut rng = rand::rng();
    let mut devs: Vec<MeshDevice> = (0..n)
        .map(|_| {
            let id = DeviceIdentity::generate(&mut rng);
            let pre = PreKeyStore::new(&id, 0, &mut rng);
            MeshDevice { id, pre, peers: BTreeMap::new(), group: None }
        })
        .collect();
    for i in 0..n {
        for j in i + 1..n {
            let bundle = devs[j].pre.bundle(&devs[j].id, None);
            let mut s = PeerSessions::new(devs[j].id.public());
            s.initiate(&devs[i].id, &bundle, 0, &mut rng).unwrap();
            let (pi, pj) = (devs[i].id.public(), devs[j].id.public());
            devs[i].peers.insert(key(&pj), s);
            devs[j].peers.insert(key(&pi), PeerSessions::new(pi));
        }
    }
    devs
}
