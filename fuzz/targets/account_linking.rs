// Linking on arbitrary bytes: linking codes and pending-link states decode
// strictly and re-encode exactly; provisioning messages are read as a
// header and opened by a real pending link, which on any failure is left
// byte-for-byte unchanged. Inputs starting with 0x73 become the real
// provisioning message for that link with one byte edited.

use rand::SeedableRng;
use vestnik::account::{
    AccountKey, AccountLimits, LinkingCode, PendingLink, ProvisionOptions, ProvisioningHeader,
};
use vestnik::DeviceIdentity;

const T0: u64 = 1_764_000_000;

/// A pending link (serialized) and the primary's answer to its code.
fn link_fixture() -> &'static (Vec<u8>, Vec<u8>) {
    static F: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let mut rng = rand::rngs::StdRng::seed_from_u64(73);
        let phone = DeviceIdentity::generate(&mut rng);
        let tablet = DeviceIdentity::generate(&mut rng);
        let Ok((key, v1)) = AccountKey::create(&phone.public(), T0, &mut rng) else {
            return (Vec::new(), Vec::new());
        };
        let (pending, code) = PendingLink::new(&tablet.public(), T0, 300, &mut rng);
        let limits = AccountLimits::default();
        let opts = ProvisionOptions::new();
        match key.provision(&phone.public(), &v1, &code, &opts, T0 + 1, &limits, &mut rng) {
            Ok(p) => (pending.to_bytes().to_vec(), p.message().to_vec()),
            Err(_) => (Vec::new(), Vec::new()),
        }
    })
}

pub fn run(data: &[u8]) {
    let limits = AccountLimits::default();
    if let Ok(code) = LinkingCode::from_bytes(data) {
        assert_eq!(code.to_bytes().as_slice(), data);
    }
    if let Ok(p) = PendingLink::from_bytes(data) {
        assert_eq!(p.to_bytes().as_slice(), data);
    }
    let _ = ProvisioningHeader::read(data, &limits);
    let (pending, message) = link_fixture();
    let Ok(mut link) = PendingLink::from_bytes(pending) else { return };
    let input: Vec<u8> = match data.split_first() {
        Some((0x73, rest)) if !message.is_empty() => {
            let mut m = message.clone();
            let at = (usize::from(rest.first().copied().unwrap_or(0)) << 8 | usize::from(rest.get(1).copied().unwrap_or(0)))
                % m.len();
            if let Some(x) = m.get_mut(at) {
                *x ^= rest.get(2).copied().unwrap_or(1).max(1);
            }
            m
        }
        _ => data.to_vec(),
    };
    let before = link.to_bytes().to_vec();
    match link.accept(&input, T0 + 2, &limits) {
        Ok(p) => {
            assert!(link.is_consumed());
            assert!(p.list().is_some_and(|l| l.contains(link.device())));
        }
        Err(_) => assert_eq!(link.to_bytes().as_slice(), before.as_slice(), "a refused message changed the link"),
    }
}
