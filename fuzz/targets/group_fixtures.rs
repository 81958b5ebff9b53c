// Deterministic group fixtures shared by the group fuzz targets (included, not a module file).

use rand::SeedableRng;
use vestnik::group::GroupSession;
use vestnik::{ContentType, DeviceIdentity, PeerSessions, PreKeyStore};

fn fixture_rng(seed: u64) -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(seed)
}

/// A teacher and a student in a group with each other's chains installed,
/// plus their 1:1 sessions, all serialized once per process.
pub(crate) struct GroupFixture {
    pub(crate) teacher_group: Vec<u8>,
    pub(crate) student_group: Vec<u8>,
    pub(crate) student: Vec<u8>,
    pub(crate) student_prekeys: Vec<u8>,
    pub(crate) teacher_sessions: Vec<u8>,
    pub(crate) student_sessions: Vec<u8>,
    /// A `RosterUpdate` the teacher (the admin) signed adding a third
    /// device: the student has not applied it.
    pub(crate) roster_update: Vec<u8>,
}

pub(crate) fn group_fixture() -> &'static GroupFixture {
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
        // The student joins from the teacher's signed roster log.
        let log = tplan.sends().first().map(|s| s.payload().to_vec()).unwrap_or_default();
        let joined = t_to_s
            .encrypt_typed(ContentType::SenderKeyDistribution, &log, &mut rng)
            .ok()
            .and_then(|w| s_to_t.decrypt(&student, &mut s_pre, &w, 0).ok())
            .and_then(|r| GroupSession::join(&student, &r, false, &mut rng).ok());
        let Some((mut sg, _)) = joined else { unreachable!("fixture group") };
        if let Ok(w) = t_to_s.encrypt_typed(ContentType::SenderKeyDistribution, tplan.distribution(), &mut rng)
            && let Ok(r) = s_to_t.decrypt(&student, &mut s_pre, &w, 0)
        {
            let _ = sg.process_distribution(&r);
        }
        let _ = tg.encrypt(b"first");
        let third = DeviceIdentity::generate(&mut rng).public();
        let roster_update = GroupSession::from_bytes(&tg.to_bytes())
            .ok()
            .and_then(|mut copy| {
                copy.change_roster(&teacher, &vestnik::group::RosterChange::add(&[third]), 0, &mut rng).ok()
            })
            .and_then(|plan| {
                plan.sends()
                    .iter()
                    .find(|s| s.kind() == vestnik::group::PayloadKind::RosterEntries)
                    .map(|s| s.payload().to_vec())
            })
            .unwrap_or_default();
        GroupFixture {
            teacher_group: tg.to_bytes().to_vec(),
            student_group: sg.to_bytes().to_vec(),
            student: student.to_bytes().to_vec(),
            student_prekeys: s_pre.to_bytes().to_vec(),
            teacher_sessions: t_to_s.to_bytes().to_vec(),
            student_sessions: s_to_t.to_bytes().to_vec(),
            roster_update,
        }
    })
}
