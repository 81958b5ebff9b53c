//! Private channels (SPEC.md §18.9): a sender-key group with one sender. The
//! group layer lets every member read, and would also let any member send;
//! the app refuses every message whose authenticated sender is not the
//! publisher device.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

mod common;
use common::key;
use vestnik::channel::{ChannelError, PrivateChannel};
use vestnik::group::{GroupSession, MembershipPlan, PayloadKind};
use vestnik::{ContentType, DeviceIdentity, IdentityPublic};

const NOW: u64 = 1_764_000_000;

type Dev = common::MeshDevice;

/// Devices with 1:1 sessions between every pair, a first message each way.
fn devices(n: usize) -> Vec<Dev> {
    let mut devs = common::mesh(n);
    for i in 0..n {
        for j in i + 1..n {
            one_to_one(&mut devs, i, j, ContentType::Application, b"hi");
            one_to_one(&mut devs, j, i, ContentType::Application, b"hi");
        }
    }
    devs
}

fn one_to_one(devs: &mut [Dev], from: usize, to: usize, ty: ContentType, body: &[u8]) -> vestnik::Received {
    let (kf, kt) = (key(&devs[from].id.public()), key(&devs[to].id.public()));
    let wire = devs[from].peers.get_mut(&kt).unwrap().encrypt_typed(ty, body, &mut rand::rng()).unwrap();
    let d = &mut devs[to];
    d.peers.get_mut(&kf).unwrap().decrypt(&d.id, &mut d.pre, &wire, 0).unwrap()
}

/// Delivers a plan (and the plans it causes) over the 1:1 sessions.
fn deliver(devs: &mut [Dev], from: usize, plan: &MembershipPlan) {
    let mut rng = rand::rng();
    let sends = |p: &MembershipPlan| -> Vec<(PayloadKind, Vec<u8>, Vec<IdentityPublic>)> {
        p.sends().iter().map(|s| (s.kind(), s.payload().to_vec(), s.recipients().to_vec())).collect()
    };
    let mut queue = std::collections::VecDeque::from([(from, sends(plan))]);
    while let Some((from, items)) = queue.pop_front() {
        for (kind, payload, recipients) in items {
            for r in recipients {
                let to = devs.iter().position(|d| d.id.public() == r).unwrap();
                let received = one_to_one(devs, from, to, ContentType::SenderKeyDistribution, &payload);
                let d = &mut devs[to];
                let next = if kind == PayloadKind::RosterLog {
                    let (g, p) = GroupSession::join(&d.id, &received, false, &mut rng).unwrap();
                    d.group = Some(g);
                    p
                } else {
                    d.group.as_mut().unwrap().receive(&received, NOW, &mut rng).unwrap()
                };
                queue.push_back((to, sends(&next)));
            }
        }
    }
}

#[test]
fn only_the_publisher_device_posts_in_a_private_channel() {
    // Device 0 publishes to the parents of class 7B (devices 1 to 3).
    let mut devs = devices(4);
    let readers: Vec<IdentityPublic> = devs[1..].iter().map(|d| d.id.public()).collect();
    let (g, plan) = GroupSession::create(b"7b-parents", &devs[0].id, &readers, false, &mut rand::rng()).unwrap();
    devs[0].group = Some(g);
    deliver(&mut devs, 0, &plan);
    let channel = PrivateChannel::new(devs[0].id.public());

    let notice = "Родительское собрание в четверг в 18:00. Ата-аналар җыелышы пәнҗешәмбе көнне.";
    let wire = devs[0].group.as_mut().unwrap().encrypt(notice.as_bytes()).unwrap();
    for reader in &mut devs[1..] {
        let got = reader.group.as_mut().unwrap().decrypt(&wire, NOW).unwrap();
        assert_eq!(channel.check_sender(got.sender()), Ok(()));
        assert_eq!(got.plaintext(), notice.as_bytes());
    }

    // A parent's device can still produce a group message the group layer
    // decrypts (it is a member with a chain of its own), so the app must
    // refuse it by its authenticated sender.
    let reply = devs[1].group.as_mut().unwrap().encrypt("Отменяется!".as_bytes()).unwrap();
    for r in [0usize, 2, 3] {
        let got = devs[r].group.as_mut().unwrap().decrypt(&reply, NOW).unwrap();
        assert_eq!(*got.sender(), devs[1].id.public());
        assert_eq!(channel.check_sender(got.sender()), Err(ChannelError::NotThePublisher));
    }
    // And a stranger's identity is refused as well.
    let stranger = DeviceIdentity::generate(&mut rand::rng()).public();
    assert_eq!(channel.check_sender(&stranger), Err(ChannelError::NotThePublisher));
    assert_eq!(channel.publisher(), &devs[0].id.public());
}
