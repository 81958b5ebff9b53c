// Fuzz target: group message decoding and decryption of arbitrary bytes in an
// established group; on any error the group state must be unchanged. Inputs
// starting with 0 become a real teacher message with the rest spliced in, so
// the fuzzer reaches signature, key and AEAD paths.

include!("group_fixtures.rs");

pub fn run(data: &[u8]) {
    let f = group_fixture();
    let Ok(mut student) = GroupSession::from_bytes(&f.student_group) else { return };
    let input: Vec<u8> = match data.split_first() {
        Some((0, rest)) => {
            let Ok(mut teacher) = GroupSession::from_bytes(&f.teacher_group) else { return };
            let Ok(mut m) = teacher.encrypt(rest) else { return };
            let at = rest.first().map_or(0, |&b| usize::from(b)) % m.len().max(1);
            if let Some(x) = m.get_mut(at) {
                *x ^= rest.get(1).copied().unwrap_or(0);
            }
            m
        }
        _ => data.to_vec(),
    };
    let before = student.to_bytes().to_vec();
    match student.decrypt(&input, 0) {
        Ok(_) => {
            let again = student.decrypt(&input, 0).map(|_| ());
            assert!(again == Err(vestnik::group::GroupError::Duplicate), "decrypted twice");
        }
        Err(_) => assert!(student.to_bytes().to_vec() == before, "failed decrypt changed state"),
    }
}
