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
}
