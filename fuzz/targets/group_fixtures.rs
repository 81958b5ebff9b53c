// Deterministic group fixtures shared by the group fuzz targets (included, not a module file).

use rand::SeedableRng;
use vestnik::group::GroupSession;
use vestnik::{ContentType, DeviceIdentity, PeerSessions, PreKeyStore};

fn fixture_rng(seed: u64) -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(seed)
}

/// A teacher and a student in a group with each other's chains installed,
/// plus their 1:1 sessions, all serialized once per process.
struct GroupFixture {
    teacher_group: Vec<u8>,
    student_group: Vec<u8>,
    student: Vec<u8>,
    student_prekeys: Vec<u8>,
    teacher_sessions: Vec<u8>,
    student_sessions: Vec<u8>,
}

fn group_fixture() -> &'static GroupFixture {
    static F: std::sync::OnceLock<GroupFixture> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let mut rng = fixture_rng(21);
        let teacher = DeviceIdentity::generate(&mut rng);
        let student = DeviceIdentity::generate(&mut rng);
        let mut s_pre = PreKeyStore::new(&student, 0, &mut rng);
        let mut t_to_s = PeerSessions::new(student.public());
        let mut s_to_t = PeerSessions::new(teacher.public());
        let _ = t_to_s.initiate(&teacher, &s_pre.bundle(&student, None), 0, &mut rng);
        let (mut tg, tplan) = match GroupSession::create(b"class-5a", &teacher, &[student.public()], false, &mut rng) {
            Ok(x) => x,
            Err(_) => unreachable!("fixture group"),
        };
        let (sg, _) = match GroupSession::create(b"class-5a", &student, &[teacher.public()], false, &mut rng) {
            Ok(x) => x,
            Err(_) => unreachable!("fixture group"),
        };
        let mut sg = sg;
        if let Ok(w) = t_to_s.encrypt_typed(ContentType::SenderKeyDistribution, tplan.distribution(), &mut rng)
            && let Ok(r) = s_to_t.decrypt(&student, &mut s_pre, &w, 0)
        {
            let _ = sg.process_distribution(&r);
        }
        let _ = tg.encrypt(b"first");
        GroupFixture {
            teacher_group: tg.to_bytes().to_vec(),
            student_group: sg.to_bytes().to_vec(),
            student: student.to_bytes().to_vec(),
            student_prekeys: s_pre.to_bytes().to_vec(),
            teacher_sessions: t_to_s.to_bytes().to_vec(),
            student_sessions: s_to_t.to_bytes().to_vec(),
        }
    })
}
