// Fuzz target: loading serialized and sealed state from arbitrary bytes.

pub fn run(data: &[u8]) {
    let _ = vestnik::PeerSessions::from_bytes(data);
    if let Ok(id) = vestnik::DeviceIdentity::from_bytes(data) {
        let _ = vestnik::PreKeyStore::from_bytes(data, &id.public());
    }
    static IDENTITY: std::sync::OnceLock<vestnik::IdentityPublic> = std::sync::OnceLock::new();
    let identity = IDENTITY.get_or_init(|| {
        use rand::SeedableRng;
        vestnik::DeviceIdentity::generate(&mut rand::rngs::StdRng::seed_from_u64(3)).public()
    });
    let _ = vestnik::PreKeyStore::from_bytes(data, identity);
    let key = vestnik::storage::StorageKey::from_bytes([9; 32]);
    for format in [vestnik::wire::format::STATE_SESSIONS, vestnik::wire::format::STATE_IDENTITY] {
        if let Ok(plain) = vestnik::storage::unseal(&key, format, data) {
            let _ = vestnik::PeerSessions::from_bytes(&plain);
        }
    }
}
