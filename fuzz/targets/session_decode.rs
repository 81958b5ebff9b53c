// Fuzz target: every 1:1 wire decoder on arbitrary bytes (PreKeyBundle,
// PreKeyMessage/RatchetMessage through claimed_sender and inspect, the
// scannable safety number). Must never panic.

pub fn run(data: &[u8]) {
    let _ = vestnik::PreKeyBundle::from_bytes(data);
    let claimed = vestnik::PeerSessions::claimed_sender(data);
    let info = vestnik::PeerSessions::inspect(data);
    // Both read the same header: they agree on whether it decodes and on the sender.
    assert_eq!(claimed.is_ok(), info.is_ok());
    if let (Ok(c), Ok(i)) = (&claimed, &info) {
        assert_eq!(c.as_ref(), i.claimed_sender());
    }
    let _ = fixture_safety_number().verify_scanned(data);
}

fn fixture_safety_number() -> &'static vestnik::safety_number::SafetyNumber {
    static SN: std::sync::OnceLock<vestnik::safety_number::SafetyNumber> = std::sync::OnceLock::new();
    SN.get_or_init(|| {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let a = vestnik::DeviceIdentity::generate(&mut rng).public();
        let b = vestnik::DeviceIdentity::generate(&mut rng).public();
        vestnik::safety_number::SafetyNumber::new(&a, &b)
    })
}
