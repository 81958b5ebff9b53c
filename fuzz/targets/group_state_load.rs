// Fuzz target: loading group state from arbitrary bytes.

pub fn run(data: &[u8]) {
    if let Ok(g) = vestnik::group::GroupSession::from_bytes(data) {
        let again = vestnik::group::GroupSession::from_bytes(&g.to_bytes());
        assert!(again.is_ok(), "a loaded state must reload");
    }
}
