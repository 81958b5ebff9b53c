//! `Debug` snapshots of every internal secret-holding type (ASSURANCE row 16):
//! each prints a fixed redacted form, and never any byte of its secret. The
//! public types (identities, prekey stores, sessions, group and call state,
//! storage keys) have their snapshots in the integration tests.

use crate::chain::{ChainKey, GROUP_CHAIN, MessageKey, SESSION_CHAIN};
use crate::crypto::Secret32;
use crate::crypto::sig::SigningKey;
use crate::crypto::x25519::X25519Secret;
use crate::session::keys::RootKey;

/// Whether `printed` shows the secret: a 6-byte hex prefix (either case) or
/// the first four bytes as a decimal list.
fn leaks(printed: &str, secret: &[u8]) -> bool {
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    let hex_upper = hex.to_uppercase();
    let decimal = format!("{:?}", secret.get(..4).unwrap_or_default());
    let decimal = decimal.trim_matches(|c| c == '[' || c == ']');
    printed.contains(&hex[..12]) || printed.contains(&hex_upper[..12]) || printed.contains(decimal)
}

#[test]
fn secret_types_print_redacted_and_leak_nothing() {
    let bytes = [0x5au8, 0xc3, 0x17, 0x99, 0x01, 0xfe, 0x42, 0x24, 0x77, 0x13, 0x88, 0x31, 0x0d, 0xe0, 0xb6, 0x6b]
        .repeat(2)
        .try_into()
        .unwrap();
    let s = Secret32::new(bytes);
    let cases: Vec<(String, &str)> = vec![
        (format!("{s:?}"), "Secret32(..)"),
        (format!("{:?}", RootKey::new(s.duplicate())), "RootKey(Secret32(..))"),
        (format!("{:?}", ChainKey::new(s.duplicate(), &SESSION_CHAIN)), "ChainKey(..)"),
        (format!("{:?}", ChainKey::new(s.duplicate(), &GROUP_CHAIN)), "ChainKey(..)"),
        (format!("{:?}", MessageKey::new(s.duplicate(), &SESSION_CHAIN)), "MessageKey(..)"),
        (format!("{:?}", crate::call::BaseKey::from_slice(&bytes).unwrap()), "BaseKey(..)"),
    ];
    for (printed, want) in &cases {
        assert_eq!(printed, want);
    }

    // Keys with a public half print only the public half.
    let x = X25519Secret::from_bytes(&s);
    let printed = format!("{x:?}");
    let public = format!("{:?}", x.public());
    assert_eq!(printed, format!("X25519Secret {{ public: {public}, .. }}"));
    assert!(!leaks(&printed, &bytes), "{printed}");

    let k = SigningKey::from_seed(&s);
    let printed = format!("{k:?}");
    assert_eq!(printed, format!("SigningKey {{ public: {:?}, .. }}", k.verifying_key()));
    assert!(!leaks(&printed, &bytes), "{printed}");

    // The leak check itself can fail.
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    assert!(leaks(&format!("{bytes:?}"), &bytes) && leaks(&hex, &bytes));
}

#[cfg(feature = "mls")]
#[test]
fn mls_secret_types_print_redacted() {
    use crate::mls::{MlsConfig, MlsGroup, MlsKeyPackageStore, MlsLimits, MlsSuite, TrustedIdentities};
    let mut rng = rand::rng();
    let alice = crate::DeviceIdentity::generate(&mut rng);
    let mut store = MlsKeyPackageStore::new(MlsLimits::default());
    store.generate(&alice, MlsSuite::default(), 0, false, &mut rng).unwrap();
    assert_eq!(format!("{store:?}"), "MlsKeyPackageStore(1 key packages, ..)");
    let g = MlsGroup::create(&alice, MlsSuite::default(), b"g", MlsConfig::new(TrustedIdentities::new()), 0, &mut rng)
        .unwrap();
    let printed = format!("{g:?}");
    assert_eq!(printed, format!("MlsGroup {{ epoch: 0, members: 1, own: {:?}, .. }}", alice.public()));
    // Nothing of the serialized secrets appears.
    let state = g.to_bytes();
    for w in state.windows(6).step_by(97) {
        assert!(!leaks(&printed, w) || w.iter().all(|b| *b == 0), "{printed}");
    }
}
