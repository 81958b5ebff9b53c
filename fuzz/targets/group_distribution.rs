// Fuzz target: sender-key distribution decoding, delivered the only way it
// can be: as a typed payload through a real 1:1 session from a member.

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
    let Ok(wire) = teacher.encrypt_typed(ty, data, &mut rng) else { return };
    let Ok(received) = student_sessions.decrypt(&student, &mut pre, &wire, 0) else { return };
    let before = group.to_bytes().to_vec();
    if group.process_distribution(&received).is_err() {
        assert!(group.to_bytes().to_vec() == before, "refused distribution changed state");
    }
}
