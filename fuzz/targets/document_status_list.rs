// Status list decoding on arbitrary bytes: a decoded list re-encodes
// exactly, answers every lookup without panicking, and covers no serial at
// or past its size.

use vestnik::document::{DocumentLimits, StatusList};

pub fn run(data: &[u8]) {
    let Ok(list) = StatusList::from_bytes(data, &DocumentLimits::default()) else { return };
    assert_eq!(list.to_bytes(), data);
    assert!(list.this_update() < list.next_update());
    assert_eq!(list.is_revoked(list.size()), None);
    for serial in [0, 1, 7, 8, list.size().saturating_sub(1), u64::MAX] {
        let _ = list.is_revoked(serial);
    }
    let _ = list.fresh_for(list.this_update(), list.next_update());
    // Version 2: entries strictly ascending, inside the list, revoked by
    // `this_update`; each is found by lookup. Version 1 has no type.
    assert_eq!(list.status_type().is_some(), list.version() == 2);
    for pair in list.entries().windows(2) {
        if let [a, b] = pair {
            assert!(a.serial < b.serial);
        }
    }
    for e in list.entries() {
        assert!(e.serial < list.size() && e.revoked_at <= list.this_update());
        assert!(e.effective_from() <= e.revoked_at);
        assert_eq!(list.revocation(e.serial), Some(e));
        assert_eq!(list.is_revoked(e.serial), Some(true));
    }
}
