//! The observer follows a real group (members are mls-rs clients with the
//! crate's provider and identity rules) and orders its commits.

use super::*;
use crate::DeviceIdentity;
use crate::mls::MlsSuite;
use crate::mls::identity::LeafKey;
use mls_rs::client_builder::{BaseConfig, WithCryptoProvider as CWithCrypto, WithIdentityProvider as CWithIdentity};
use mls_rs::{CipherSuite, Client, ExtensionList, Group};

type MemberConfig = CWithIdentity<VestnikIdentityProvider, CWithCrypto<VestnikCryptoProvider, BaseConfig>>;

struct Member {
    id: DeviceIdentity,
    client: Client<MemberConfig>,
}

fn member() -> Member {
    let mut rng = rand::rng();
    let id = DeviceIdentity::generate(&mut rng);
    let suite = MlsSuite::default();
    let leaf = LeafKey::generate(&id, suite, &mut rng);
    let client = Client::builder()
        .crypto_provider(VestnikCryptoProvider::new())
        .identity_provider(VestnikIdentityProvider::new(TrustedIdentities::any_valid_identity(), Some(suite)))
        .signing_identity(leaf.signing_identity(), LeafKey::mls_secret(&leaf.signer), CipherSuite::CURVE25519_CHACHA)
        .build();
    Member { id, client }
}

fn kind_of(m: &MlsMessage) -> MlsContentKind {
    match m.description() {
        MlsMessageDescription::PublicProtocolMessage { content_type, .. }
        | MlsMessageDescription::PrivateProtocolMessage { content_type, .. } => match content_type {
            ContentType::Application => MlsContentKind::Application,
            ContentType::Proposal => MlsContentKind::Proposal,
            ContentType::Commit => MlsContentKind::Commit,
        },
        _ => panic!("not a group message"),
    }
}

/// The envelope a member hands the server.
fn env(m: &MlsMessage) -> Vec<u8> {
    MlsMessageEnvelope::new(m.group_id().unwrap().to_vec(), m.epoch().unwrap(), kind_of(m), m.to_bytes().unwrap())
        .to_bytes()
}

fn observer_of(g: &Group<MemberConfig>) -> MlsObserver {
    let gi = g.group_info_message(false).unwrap();
    let gi = MlsGroupInfoEnvelope::new(g.group_id().to_vec(), g.current_epoch(), gi.to_bytes().unwrap()).to_bytes();
    let tree =
        MlsRatchetTreeEnvelope::new(g.group_id().to_vec(), g.current_epoch(), g.export_tree().to_bytes().unwrap())
            .to_bytes();
    MlsObserver::from_group_info(&gi, Some(&tree), TrustedIdentities::any_valid_identity(), &MlsLimits::default())
        .unwrap()
}

fn identities(g: &Group<MemberConfig>) -> Vec<[u8; 128]> {
    g.roster().members_iter().map(|m| leaf_identity(&m.signing_identity).unwrap().to_fixed_bytes()).collect()
}

fn observed_ids(o: &MlsObserver) -> Vec<[u8; 128]> {
    o.members().iter().map(IdentityPublic::to_fixed_bytes).collect()
}

/// A small group (alice, bob, carol) with its observer.
struct Net {
    members: Vec<Member>,
    groups: Vec<Group<MemberConfig>>,
    observer: MlsObserver,
}

impl Net {
    fn new(n: usize) -> Self {
        let alice = member();
        let g = alice.client.create_group(ExtensionList::default(), ExtensionList::default(), None).unwrap();
        let observer = observer_of(&g);
        let mut net = Net { members: vec![alice], groups: vec![g], observer };
        for _ in 1..n {
            net.add(0);
        }
        net
    }

    /// Member `by` adds a fresh member; everyone and the observer follow.
    fn add(&mut self, by: usize) -> usize {
        let new = member();
        let kp =
            new.client.generate_key_package_message(ExtensionList::default(), ExtensionList::default(), None).unwrap();
        let out = self.groups[by].commit_builder().add_member(kp).unwrap().build().unwrap();
        let got = self.observer.process(&env(out.commit_message())).unwrap();
        let Observed::Commit { added, .. } = &got else { panic!("{got:?}") };
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].to_fixed_bytes(), new.id.public().to_fixed_bytes());
        self.deliver_commit(by, out.commit_message());
        let (g, _) = new.client.join_group(None, &out.welcome_messages()[0], None).unwrap();
        self.members.push(new);
        self.groups.push(g);
        self.check();
        self.groups.len() - 1
    }

    /// The committer applies its pending commit, everyone else processes it.
    fn deliver_commit(&mut self, by: usize, commit: &MlsMessage) {
        for (i, g) in self.groups.iter_mut().enumerate() {
            if i == by {
                g.apply_pending_commit().unwrap();
            } else {
                g.process_incoming_message(commit.clone()).unwrap();
            }
        }
    }

    fn check(&self) {
        for g in &self.groups {
            assert_eq!(g.current_epoch(), self.observer.epoch());
            assert_eq!(identities(g), observed_ids(&self.observer));
            assert_eq!(g.export_tree().to_bytes().unwrap(), self.observer.group.export_tree().unwrap());
        }
    }
}

/// `f` must fail and leave the observer byte-for-byte unchanged.
fn refused(o: &mut MlsObserver, input: &[u8]) -> ObserverError {
    let before = o.to_bytes().unwrap();
    let e = o.process(input).unwrap_err();
    assert_eq!(o.to_bytes().unwrap(), before, "state changed on {e:?}");
    e
}

#[test]
fn follows_adds_updates_proposals_and_removes() {
    let mut net = Net::new(4);
    assert_eq!(net.observer.member_count(), 4);
    // A self-update (empty commit with path) by bob.
    let out = net.groups[1].commit(vec![]).unwrap();
    assert!(matches!(net.observer.process(&env(out.commit_message())).unwrap(), Observed::Commit { committer: 1, .. }));
    net.deliver_commit(1, out.commit_message());
    net.check();
    // An update proposal by reference from carol, committed by alice.
    let p = net.groups[2].propose_update(vec![]).unwrap();
    assert_eq!(net.observer.process(&env(&p)).unwrap(), Observed::Proposal { epoch: net.observer.epoch(), sender: 2 });
    assert_eq!(refused(&mut net.observer, &env(&p)), ObserverError::Duplicate);
    for i in [0, 1, 3] {
        net.groups[i].process_incoming_message(p.clone()).unwrap();
    }
    let out = net.groups[0].commit(vec![]).unwrap();
    net.observer.process(&env(out.commit_message())).unwrap();
    net.deliver_commit(0, out.commit_message());
    net.check();
    // Alice removes carol.
    let carol = net.members[2].id.public();
    let out = net.groups[0].commit_builder().remove_member(2).unwrap().build().unwrap();
    let got = net.observer.process(&env(out.commit_message())).unwrap();
    let Observed::Commit { removed, .. } = got else { panic!() };
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].to_fixed_bytes(), carol.to_fixed_bytes());
    net.deliver_commit(0, out.commit_message());
    let carol_group = net.groups.remove(2);
    net.members.remove(2);
    net.check();
    assert_eq!(net.observer.member_count(), 3);
    // Carol (removed, her state still at the old epoch) commits: refused.
    let mut carol_group = carol_group;
    let out = carol_group.commit(vec![]).unwrap();
    assert!(matches!(refused(&mut net.observer, &env(out.commit_message())), ObserverError::CommitConflict { .. }));
    // A joiner gets the observer's tree and joins with it.
    let tree =
        MlsRatchetTreeEnvelope::from_bytes(&net.observer.ratchet_tree().unwrap(), &MlsLimits::default()).unwrap();
    assert_eq!(tree.epoch(), net.observer.epoch());
    assert_eq!(tree.tree_bytes(), net.groups[0].export_tree().to_bytes().unwrap());
    // Application messages are routed, never decrypted.
    let app = net.groups[1].encrypt_application_message(b"hello", vec![]).unwrap();
    assert_eq!(net.observer.process(&env(&app)).unwrap(), Observed::Application { epoch: net.observer.epoch() });
}

#[test]
fn one_commit_per_epoch_first_wins_loser_rebases() {
    let mut net = Net::new(3);
    let epoch = net.observer.epoch();
    let a = net.groups[0].commit(vec![]).unwrap();
    let b = net.groups[1].commit(vec![]).unwrap();
    net.observer.process(&env(a.commit_message())).unwrap();
    assert_eq!(refused(&mut net.observer, &env(b.commit_message())), ObserverError::CommitConflict { epoch });
    // Bob drops his commit, processes alice's and retries in the new epoch.
    net.groups[1].clear_pending_commit();
    net.deliver_commit(0, a.commit_message());
    net.check();
    let b2 = net.groups[1].commit(vec![]).unwrap();
    net.observer.process(&env(b2.commit_message())).unwrap();
    net.deliver_commit(1, b2.commit_message());
    net.check();
    // Replays of accepted commits are `Duplicate`; the losing one stays a
    // conflict.
    assert_eq!(refused(&mut net.observer, &env(a.commit_message())), ObserverError::Duplicate);
    assert_eq!(refused(&mut net.observer, &env(b2.commit_message())), ObserverError::Duplicate);
    assert_eq!(refused(&mut net.observer, &env(b.commit_message())), ObserverError::CommitConflict { epoch });
}

#[test]
fn future_epoch_refused_then_accepted_in_order() {
    let mut net = Net::new(2);
    let c1 = net.groups[0].commit(vec![]).unwrap();
    net.groups[0].apply_pending_commit().unwrap();
    let c2 = net.groups[0].commit(vec![]).unwrap();
    net.groups[0].apply_pending_commit().unwrap();
    let e = net.observer.epoch();
    assert_eq!(
        refused(&mut net.observer, &env(c2.commit_message())),
        ObserverError::FutureEpoch { epoch: e + 1, current: e }
    );
    net.observer.process(&env(c1.commit_message())).unwrap();
    net.observer.process(&env(c2.commit_message())).unwrap();
    assert_eq!(net.observer.epoch(), e + 2);
}

/// Eve runs her own group under the same group id, brought to the same
/// epoch; her commits name leaf 0 of the real group.
fn eve_commit_at(net: &Net, epoch: u64) -> MlsMessage {
    let eve = member();
    let mut g = eve.client.group_builder().unwrap().with_group_id(net.groups[0].group_id().to_vec()).build().unwrap();
    while g.current_epoch() < epoch {
        g.commit(vec![]).unwrap();
        g.apply_pending_commit().unwrap();
    }
    g.commit(vec![]).unwrap().commit_message().clone()
}

#[test]
fn forged_and_non_member_commits_refused() {
    let mut net = Net::new(3);
    // Leaf 0 is alice: eve's signature does not verify under alice's key.
    let forged = eve_commit_at(&net, net.observer.epoch());
    assert!(matches!(refused(&mut net.observer, &env(&forged)), ObserverError::Mls(MlsError::BadSignature)));
    // A bit flipped in a real commit's signature. A PublicMessage commit
    // ends with signature<V> (1 + 64 bytes), confirmation_tag<V> (1 + 32)
    // and membership_tag<V> (1 + 32).
    let good = net.groups[1].commit(vec![]).unwrap();
    let bytes = good.commit_message().to_bytes().unwrap();
    let n = bytes.len();
    let (gid, epoch) = (net.groups[1].group_id().to_vec(), net.observer.epoch());
    let flipped = |at: usize| {
        let mut b = bytes.clone();
        b[at] ^= 1;
        MlsMessageEnvelope::new(gid.clone(), epoch, MlsContentKind::Commit, b).to_bytes()
    };
    let bad_sig = flipped(n - 66 - 20);
    assert_eq!(refused(&mut net.observer, &bad_sig), ObserverError::Mls(MlsError::BadSignature));
    // The confirmation and membership tags are MACs under epoch secrets the
    // observer does not have (SPEC §15.12): it cannot check them; members
    // do, and refuse such a commit.
    for at in [n - 40, n - 10] {
        let m = MlsMessageEnvelope::from_bytes(&flipped(at), &MlsLimits::default()).unwrap();
        let msg = MlsMessage::from_bytes(m.mls_bytes()).unwrap();
        assert!(net.groups[0].process_incoming_message(msg).is_err(), "member accepted a bad tag at {at}");
        let mut copy = MlsObserver::from_bytes(
            &net.observer.to_bytes().unwrap(),
            TrustedIdentities::any_valid_identity(),
            &MlsLimits::default(),
        )
        .unwrap();
        assert!(copy.process(&flipped(at)).is_ok(), "the observer cannot check tags");
    }
    // Bob removes alice: leaf 0 is blank, and eve's commit from "leaf 0"
    // comes from a non-member.
    net.groups[1].clear_pending_commit();
    let out = net.groups[1].commit_builder().remove_member(0).unwrap().build().unwrap();
    net.observer.process(&env(out.commit_message())).unwrap();
    let mut alice = net.groups.remove(0);
    net.members.remove(0);
    net.deliver_commit(0, out.commit_message());
    net.check();
    let eve = eve_commit_at(&net, net.observer.epoch());
    assert_eq!(refused(&mut net.observer, &env(&eve)), ObserverError::NotMember);
    // Alice, removed, at her old epoch.
    let stale = alice.commit(vec![]).unwrap();
    assert!(matches!(refused(&mut net.observer, &env(stale.commit_message())), ObserverError::CommitConflict { .. }));
}

#[test]
fn envelope_header_must_match_the_framing() {
    let mut net = Net::new(2);
    let c = net.groups[0].commit(vec![]).unwrap();
    let m = c.commit_message();
    let id = m.group_id().unwrap().to_vec();
    let bytes = m.to_bytes().unwrap();
    let e = net.observer.epoch();
    let lim = MlsLimits::default();
    net.groups[0].clear_pending_commit();
    let wrong_epoch = MlsMessageEnvelope::new(id.clone(), e + 1, MlsContentKind::Commit, bytes.clone()).to_bytes();
    assert_eq!(refused(&mut net.observer, &wrong_epoch), ObserverError::Mls(MlsError::HeaderMismatch));
    let wrong_kind = MlsMessageEnvelope::new(id.clone(), e, MlsContentKind::Proposal, bytes.clone()).to_bytes();
    assert_eq!(refused(&mut net.observer, &wrong_kind), ObserverError::Mls(MlsError::HeaderMismatch));
    let wrong_group = MlsMessageEnvelope::new(vec![9; 16], e, MlsContentKind::Commit, bytes.clone()).to_bytes();
    assert_eq!(refused(&mut net.observer, &wrong_group), ObserverError::WrongGroup);
    let mut trailing = bytes.clone();
    trailing.push(0);
    let trailing = MlsMessageEnvelope::new(id.clone(), e, MlsContentKind::Commit, trailing).to_bytes();
    assert_eq!(refused(&mut net.observer, &trailing), ObserverError::Mls(MlsError::MalformedMls));
    // Not an envelope at all, or another format.
    assert!(matches!(refused(&mut net.observer, &bytes), ObserverError::Mls(MlsError::Decode(_))));
    let tree = net.observer.ratchet_tree().unwrap();
    assert!(matches!(refused(&mut net.observer, &tree), ObserverError::Mls(MlsError::Decode(_))));
    let _ = lim;
    // An application message older than the kept prior epochs is stale,
    // and the observer's own state is untouched by all of the above.
    let app = net.groups[1].encrypt_application_message(b"old", vec![]).unwrap();
    for _ in 0..=MlsLimits::default().max_prior_epochs {
        let c = net.groups[0].commit(vec![]).unwrap();
        net.observer.process(&env(c.commit_message())).unwrap();
        net.deliver_commit(0, c.commit_message());
    }
    assert!(matches!(refused(&mut net.observer, &env(&app)), ObserverError::StaleEpoch { .. }));
    net.check();
}

#[test]
fn restart_from_serialized_state() {
    let mut net = Net::new(3);
    let p = net.groups[2].propose_update(vec![]).unwrap();
    net.observer.process(&env(&p)).unwrap();
    let old = net.groups[0].commit(vec![]).unwrap();
    net.groups[0].clear_pending_commit();
    net.groups[1].process_incoming_message(p.clone()).unwrap();
    net.groups[0].process_incoming_message(p.clone()).unwrap();
    let _ = old;
    let saved = net.observer.to_bytes().unwrap();
    let lim = MlsLimits::default();
    let mut back = MlsObserver::from_bytes(&saved, TrustedIdentities::any_valid_identity(), &lim).unwrap();
    assert_eq!(back.to_bytes().unwrap(), saved);
    assert_eq!(back.epoch(), net.observer.epoch());
    assert_eq!(observed_ids(&back), observed_ids(&net.observer));
    // The pending proposal survived: a replay is still `Duplicate`, and a
    // commit by reference to it is accepted after the restart.
    assert_eq!(refused(&mut back, &env(&p)), ObserverError::Duplicate);
    let c = net.groups[0].commit(vec![]).unwrap();
    net.observer = back;
    net.observer.process(&env(c.commit_message())).unwrap();
    net.deliver_commit(0, c.commit_message());
    net.check();
    // Restart again: the accepted commit's replay is still `Duplicate`.
    let mut again =
        MlsObserver::from_bytes(&net.observer.to_bytes().unwrap(), TrustedIdentities::any_valid_identity(), &lim)
            .unwrap();
    assert_eq!(refused(&mut again, &env(c.commit_message())), ObserverError::Duplicate);
}

#[test]
fn state_loading_is_capped_and_strict() {
    let net = Net::new(2);
    let saved = net.observer.to_bytes().unwrap();
    let trust = TrustedIdentities::any_valid_identity;
    // Size cap at MAX and MAX + 1 (a small limit so the test stays small).
    let lim = MlsLimits::with_max_members(2);
    let max = MlsObserver::max_state_len(&lim);
    let mut at_max = saved.clone();
    // Pad with an unknown-free filler: a longer snapshot does not decode,
    // but the size check comes first and answers TooLarge only past MAX.
    at_max.resize(max, 0);
    assert!(!matches!(
        MlsObserver::from_bytes(&at_max, trust(), &lim),
        Err(ObserverError::Mls(MlsError::Decode(DecodeError::TooLarge { .. })))
    ));
    at_max.push(0);
    assert!(matches!(
        MlsObserver::from_bytes(&at_max, trust(), &lim),
        Err(ObserverError::Mls(MlsError::Decode(DecodeError::TooLarge { .. })))
    ));
    // Another format is refused before decoding.
    assert!(matches!(
        MlsObserver::from_bytes(&net.observer.ratchet_tree().unwrap(), trust(), &lim),
        Err(ObserverError::Mls(MlsError::Decode(_)))
    ));
    // Count caps: MAX remembered commits load, MAX + 1 do not.
    let mut m = pb::MlsObserverState::decode(saved.as_slice()).unwrap();
    let entry = pb::MlsObservedCommit { epoch: 0, digest: vec![7; 32] };
    m.commits = vec![entry.clone(); MLS_OBSERVER_REMEMBERED_COMMITS];
    let ok = MlsObserver::from_bytes(&m.encode_to_vec(), trust(), &MlsLimits::default());
    assert!(ok.is_ok(), "{ok:?}");
    m.commits.push(entry);
    assert!(matches!(
        MlsObserver::from_bytes(&m.encode_to_vec(), trust(), &MlsLimits::default()),
        Err(ObserverError::Mls(MlsError::Decode(DecodeError::TooMany { .. })))
    ));
    // A digest of the wrong length, and a garbage snapshot.
    let mut m = pb::MlsObserverState::decode(saved.as_slice()).unwrap();
    m.proposals = vec![vec![1; 31]];
    assert!(MlsObserver::from_bytes(&m.encode_to_vec(), trust(), &MlsLimits::default()).is_err());
    let mut m = pb::MlsObserverState::decode(saved.as_slice()).unwrap();
    m.snapshot.truncate(m.snapshot.len() / 2);
    assert!(MlsObserver::from_bytes(&m.encode_to_vec(), trust(), &MlsLimits::default()).is_err());
}

#[test]
fn untrusted_members_refused_at_observe() {
    let net = Net::new(2);
    let g = &net.groups[0];
    let gi = g.group_info_message(false).unwrap();
    let gi = MlsGroupInfoEnvelope::new(g.group_id().to_vec(), g.current_epoch(), gi.to_bytes().unwrap()).to_bytes();
    let tree =
        MlsRatchetTreeEnvelope::new(g.group_id().to_vec(), g.current_epoch(), g.export_tree().to_bytes().unwrap())
            .to_bytes();
    // Trusting only alice: bob's leaf is refused.
    let mut only_alice = TrustedIdentities::new();
    only_alice.insert(&net.members[0].id.public());
    let e = MlsObserver::from_group_info(&gi, Some(&tree), only_alice, &MlsLimits::default()).unwrap_err();
    assert!(matches!(e, ObserverError::Mls(MlsError::Credential(_))), "{e:?}");
    // Over the member limit.
    let e = MlsObserver::from_group_info(
        &gi,
        Some(&tree),
        TrustedIdentities::any_valid_identity(),
        &MlsLimits::with_max_members(1),
    )
    .unwrap_err();
    assert!(matches!(e, ObserverError::Mls(MlsError::TooManyMembers { .. })), "{e:?}");
}

fn vector_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/mls_observer")
}

/// Writes the frozen observer state (format `0x6A01`) of a three-member
/// group and the fuzz seeds made against it: a commit, a proposal and an
/// application message of that epoch. Run once with `--ignored` if the
/// format changes (then bump the format number).
#[test]
#[ignore]
fn write_observer_vectors_and_seeds() {
    let mut net = Net::new(3);
    let dir = vector_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("observer-v1.bin"), net.observer.to_bytes().unwrap()).unwrap();
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/mls_observer");
    std::fs::create_dir_all(&seeds).unwrap();
    let c = net.groups[1].commit(vec![]).unwrap();
    std::fs::write(seeds.join("seed-commit"), env(c.commit_message())).unwrap();
    net.groups[1].clear_pending_commit();
    let p = net.groups[2].propose_update(vec![]).unwrap();
    std::fs::write(seeds.join("seed-proposal"), env(&p)).unwrap();
    let a = net.groups[0].encrypt_application_message("Привет".as_bytes(), vec![]).unwrap();
    std::fs::write(seeds.join("seed-application"), env(&a)).unwrap();
    let _ = &mut net;
}

#[test]
fn frozen_observer_state_loads_byte_exactly() {
    let bytes = std::fs::read(vector_dir().join("observer-v1.bin")).unwrap();
    let lim = MlsLimits::default();
    let o = MlsObserver::from_bytes(&bytes, TrustedIdentities::any_valid_identity(), &lim).unwrap();
    assert_eq!(o.to_bytes().unwrap(), bytes);
    assert_eq!(o.member_count(), 3);
    assert_eq!(o.epoch(), 2);
    // The seeds made against it are accepted (and each leaves the frozen
    // state where it was on a second, duplicate, try for the proposal).
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/mls_observer");
    for (name, expect_commit) in [("seed-commit", true), ("seed-proposal", false), ("seed-application", false)] {
        let mut o = MlsObserver::from_bytes(&bytes, TrustedIdentities::any_valid_identity(), &lim).unwrap();
        let got = o.process(&std::fs::read(seeds.join(name)).unwrap()).unwrap();
        assert_eq!(matches!(got, Observed::Commit { epoch: 3, .. }), expect_commit, "{name}: {got:?}");
    }
}
