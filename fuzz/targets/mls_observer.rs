// Fuzz target: the delivery service's MLS observer (SPEC §15.12) fed
// arbitrary bytes, loaded from the frozen state of a three-member group
// (tests/vectors/mls_observer/observer-v1.bin). An accepted input must not
// be accepted twice (replay), and a refused one leaves the serialized state
// byte-for-byte unchanged. Inputs starting with 0 are spliced into the
// frozen seeds' commit: byte 1 picks the position, byte 2 the XOR mask, so
// the fuzzer reaches signature, tree and proposal validation.

use vestnik::mls::{MlsLimits, MlsObserver, ObserverError, TrustedIdentities};

const STATE: &[u8] = include_bytes!("../../tests/vectors/mls_observer/observer-v1.bin");
const COMMIT: &[u8] = include_bytes!("../corpus/mls_observer/seed-commit");

pub fn run(data: &[u8]) {
    let limits = MlsLimits::default();
    let Ok(mut observer) = MlsObserver::from_bytes(STATE, TrustedIdentities::any_valid_identity(), &limits) else {
        return;
    };
    let input: Vec<u8> = match data.split_first() {
        Some((0, rest)) => {
            let mut m = COMMIT.to_vec();
            let at = rest.first().map_or(0, |&b| usize::from(b)) * 4 % m.len();
            if let Some(x) = m.get_mut(at) {
                *x ^= rest.get(1).copied().unwrap_or(1);
            }
            m
        }
        _ => data.to_vec(),
    };
    let Ok(before) = observer.to_bytes() else { return };
    match observer.process(&input) {
        Ok(_) => {
            let again = observer.process(&input);
            assert!(
                matches!(again, Err(ObserverError::Duplicate | ObserverError::StaleEpoch { .. }) | Ok(vestnik::mls::Observed::Application { .. })),
                "accepted twice: {again:?}"
            );
        }
        Err(_) => assert!(observer.to_bytes().ok().as_deref() == Some(&before[..]), "refused input changed state"),
    }
}
