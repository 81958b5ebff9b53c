// Fuzz target: every 1:1 wire decoder on arbitrary bytes (PreKeyBundle,
// PreKeyMessage/RatchetMessage through claimed_sender and through decrypt
// with no session). Must never panic.

pub fn run(data: &[u8]) {
    let _ = vestnik::PreKeyBundle::from_bytes(data);
    let _ = vestnik::PeerSessions::claimed_sender(data);
    let _ = vestnik::safety_number::SafetyNumber::new(
        &fixture_identity().public(),
        &fixture_identity().public(),
    )
    .verify_scanned(data);
}

fn fixture_identity() -> &'static vestnik::DeviceIdentity {
    static ID: std::sync::OnceLock<vestnik::DeviceIdentity> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        use rand::SeedableRng;
        vestnik::DeviceIdentity::generate(&mut rand::rngs::StdRng::seed_from_u64(1))
    })
}
