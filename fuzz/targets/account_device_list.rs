// Device lists, trackers and the account states on arbitrary bytes: a
// decoded list re-encodes exactly, holds at most the cap of distinct
// devices and its primary; a tracker observing it ends with a list of its
// own account; refused input changes no tracker. Inputs starting with 0x71
// become a real signed list with one byte edited, so the fuzzer reaches the
// checks past the size and format.

use rand::SeedableRng;
use vestnik::account::{AccountKey, AccountLimits, DeviceList, DeviceListTracker, DeviceSessions};
use vestnik::DeviceIdentity;

fn list_fixture() -> &'static (Vec<u8>, Vec<u8>) {
    static F: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let mut rng = rand::rngs::StdRng::seed_from_u64(71);
        let phone = DeviceIdentity::generate(&mut rng);
        let tablet = DeviceIdentity::generate(&mut rng);
        let Ok((key, v1)) = AccountKey::create(&phone.public(), 1_764_000_000, &mut rng) else {
            return (Vec::new(), Vec::new());
        };
        let Ok(v2) = key.add_device(&v1, &tablet.public(), None, 1_764_000_010, &AccountLimits::default()) else {
            return (Vec::new(), Vec::new());
        };
        let mut t = DeviceListTracker::new(key.public());
        let _ = t.observe(v1);
        (v2.to_bytes().to_vec(), t.to_bytes())
    })
}

pub fn run(data: &[u8]) {
    let limits = AccountLimits::default();
    let (v2, tracker) = list_fixture();
    let input: Vec<u8> = match data.split_first() {
        Some((0x71, rest)) if !v2.is_empty() => {
            let mut l = v2.clone();
            let at = rest.first().map_or(0, |&b| usize::from(b)) * 7 % l.len();
            if let Some(x) = l.get_mut(at) {
                *x ^= rest.get(1).copied().unwrap_or(1);
            }
            l
        }
        _ => data.to_vec(),
    };
    if let Ok(list) = DeviceList::from_bytes(&input, &limits) {
        assert_eq!(list.to_bytes(), input.as_slice());
        assert!(!list.devices().is_empty() && list.devices().len() <= limits.max_devices);
        assert!(list.primary().is_some());
        assert!(list.devices().windows(2).all(|w| matches!(w, [a, b] if a.device_id() < b.device_id())));
        let mut t = DeviceListTracker::new(*list.account());
        assert!(t.observe(list.clone()).is_ok());
        assert_eq!(t.current(), Some(&list));
    }
    if let Ok(mut t) = DeviceListTracker::from_bytes(tracker, &limits) {
        let before = t.to_bytes();
        if t.observe_bytes(&input).is_err() {
            assert_eq!(t.to_bytes(), before, "a refused list changed the tracker");
        }
    }
    if let Ok(t) = DeviceListTracker::from_bytes(&input, &limits) {
        assert_eq!(t.to_bytes(), input);
    }
    let _ = vestnik::account::load_account_key_state(&input);
    if let Ok(s) = DeviceSessions::from_bytes(&input) {
        assert_eq!(s.to_bytes().as_slice(), input.as_slice());
    }
}
