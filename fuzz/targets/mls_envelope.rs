// Fuzz target: every MLS envelope and state decoder on arbitrary bytes; a
// decoded envelope re-encodes to the input (one encoding per object).

pub fn run(data: &[u8]) {
    use vestnik::mls::*;
    let l = MlsLimits::default();
    if let Ok(e) = MlsKeyPackageEnvelope::from_bytes(data, &l) {
        assert!(e.to_bytes() == data, "key package envelope not canonical");
        let _ = validate_key_package(&e, &vestnik::DeviceIdentity::generate(&mut rand::rng()).public(), 0);
    }
    if let Ok(e) = MlsMessageEnvelope::from_bytes(data, &l) {
        assert!(e.to_bytes() == data, "message envelope not canonical");
    }
    if let Ok(e) = MlsWelcomeEnvelope::from_bytes(data, &l) {
        assert!(e.to_bytes() == data, "welcome envelope not canonical");
    }
    if let Ok(e) = MlsRatchetTreeEnvelope::from_bytes(data, &l) {
        assert!(e.to_bytes() == data, "tree envelope not canonical");
    }
    if let Ok(e) = MlsGroupInfoEnvelope::from_bytes(data, &l) {
        assert!(e.to_bytes() == data, "group info envelope not canonical");
    }
    if let Ok(s) = MlsKeyPackageStore::from_bytes(data, l) {
        assert!(MlsKeyPackageStore::from_bytes(&s.to_bytes(), l).is_ok(), "a loaded store must reload");
    }
    let config = MlsConfig::new(TrustedIdentities::any_valid_identity());
    if let Ok(g) = MlsGroup::from_bytes(data, config.clone()) {
        assert!(MlsGroup::from_bytes(&g.to_bytes(), config).is_ok(), "a loaded group must reload");
    }
}
