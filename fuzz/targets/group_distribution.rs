// Fuzz target: group payloads over 1:1 sessions (sender-key distributions
// and roster updates, told apart by format), delivered the only way they can
// be: as a typed payload through a real 1:1 session from a member. Inputs
// starting with 0x52 become the admin's real roster update with the rest
// spliced in, so the fuzzer reaches the entry checks past the signature.

include!("group_fixtures.rs");

pub fn run(data: &[u8]) {
    let f = group_fixture();
    let (Ok(mut teacher), Ok(mut student_sessions), Ok(student)) = (
        PeerSessions::from_bytes(&f.teacher_sessions),
        PeerSessions::from_bytes(&f.student_sessions),
        DeviceIdentity::from_bytes(&f.student),
    ) else {
        return;
    };
    let Ok(mut pre) = PreKeyStore::from_bytes(&f.student_prekeys, &student.public()) else { return };
    let Ok(mut group) = GroupSession::from_bytes(&f.student_group) else { return };
    let mut rng = fixture_rng(5);
    let ty = if data.first() == Some(&0xA5) { ContentType::Application } else { ContentType::SenderKeyDistribution };
    let payload: Vec<u8> = match data.split_first() {
        Some((0x52, rest)) => {
            let mut u = f.roster_update.clone();
            let at = rest.first().map_or(0, |&b| usize::from(b)) % u.len().max(1);
            if let Some(x) = u.get_mut(at) {
                *x ^= rest.get(1).copied().unwrap_or(0);
            }
            u
        }
        _ => data.to_vec(),
    };
    let Ok(wire) = teacher.encrypt_typed(ty, &payload, &mut rng) else { return };
    let Ok(received) = student_sessions.decrypt(&student, &mut pre, &wire, 0) else { return };
    let before = group.to_bytes().to_vec();
    if group.receive(&received, 0, &mut rng).is_err() {
        assert!(group.to_bytes().to_vec() == before, "refused group payload changed state");
    }
}
