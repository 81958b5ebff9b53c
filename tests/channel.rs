//! Channels and advertising (SPEC.md §18): forged, re-attributed and
//! cross-channel posts; rollback of revisions and deletions; roles from the
//! certificate; sponsored posts whose marking is changed, removed or moved;
//! revoked publishers and advertisers; catalogues; limits at MAX and MAX+1;
//! canonical encodings; batch equals single (ASSURANCE rows 2, 7, 12, 15, 21).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

#[path = "common/channel_world.rs"]
mod channel_world;

use channel_world::*;
use prost::Message;
use vestnik::channel::*;
use vestnik::crypto::sig::SigningKey;
use vestnik::document::{
    Certificate, CertificateRequest, ChainCache, ChainError, KeyUsage, Revocation, RevocationReason, Role,
};
use vestnik::wire::DecodeError;

#[allow(dead_code, unreachable_pub, missing_docs, clippy::all)]
mod pb {
    include!("../src/wire/generated/vestnik.channel.v1.rs");
}

const NOW: u64 = T0 + 600;

/// An edit of an ad's signed part.
type Edit = Box<dyn Fn(&mut pb::AdTbs)>;

fn accept(w: &ChannelWorld, feed: &mut Feed, post: &Post) -> Result<FeedUpdate, ChannelError> {
    feed.receive(post.to_bytes(), &w.policy(), NOW, &mut ChainCache::new())
}

/// Replaces the `tbs` of a `Signed` or `Ad` object, keeping its signatures.
fn with_tbs(bytes: &[u8], f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut s = pb::Signed::decode(bytes).unwrap();
    f(&mut s.tbs);
    s.encode_to_vec()
}

fn edit_post_tbs(post: &Post, f: impl FnOnce(&mut pb::PostTbs)) -> Vec<u8> {
    with_tbs(post.to_bytes(), |tbs| {
        let mut t = pb::PostTbs::decode(tbs.as_slice()).unwrap();
        f(&mut t);
        *tbs = t.encode_to_vec();
    })
}

fn edit_ad(ad: &Ad, f: impl FnOnce(&mut pb::AdTbs)) -> Vec<u8> {
    let mut a = pb::Ad::decode(ad.to_bytes()).unwrap();
    let mut t = pb::AdTbs::decode(a.tbs.as_slice()).unwrap();
    f(&mut t);
    a.tbs = t.encode_to_vec();
    a.encode_to_vec()
}

#[test]
fn posts_in_tatar_and_russian_verify_and_show() {
    let w = ChannelWorld::new();
    let mut feed = Feed::new(w.channel, ChannelLimits::default());
    let tt = w.post(&w.owner, 1, 1, "tt", "Казанда яңа мәктәп ачылды.");
    let ru = w.post(&w.editor, 2, 1, "ru", "В Казани открылась новая школа.");
    assert_eq!(accept(&w, &mut feed, &tt), Ok(FeedUpdate::New));
    assert_eq!(accept(&w, &mut feed, &ru), Ok(FeedUpdate::New));
    let shown = feed.post(ru.post_id()).unwrap();
    assert_eq!(shown.publisher().role(), PublisherRole::Editor);
    assert_eq!(shown.publisher().name(), "Гөлнара Хәсәнова, редактор");
    assert_eq!(shown.post().language().as_str(), "ru");
    assert_eq!(feed.posts().len(), 2);
    // Canonical: decoding the bytes gives the same post, byte-exact.
    assert_eq!(Post::from_bytes(tt.to_bytes()).unwrap().to_bytes(), tt.to_bytes());
}

#[test]
fn the_republics_language_tags() {
    for t in ["ru", "tt", "ba", "ce", "sah", "tt-Cyrl"] {
        let w = ChannelWorld::new();
        let p = w.post(&w.owner, 1, 1, t, "текст");
        assert_eq!(p.language().as_str(), t);
    }
    for bad in ["", "TT", "tatar", "tt_RU", "tt-cyrl", "x"] {
        let w = ChannelWorld::new();
        let p = w.post(&w.owner, 1, 1, "tt", "текст");
        let forged = edit_post_tbs(&p, |t| t.language = bad.into());
        assert_eq!(Post::from_bytes(&forged), Err(ChannelError::Language(bad.into())), "{bad}");
    }
}

#[test]
fn forged_and_altered_posts_are_refused() {
    let w = ChannelWorld::new();
    let policy = w.policy();
    let mut cache = ChainCache::new();
    let p = w.post(&w.editor, 1, 1, "tt", "Дөрес хәбәр");
    // A key that is not the certificate's signs in its name.
    let mallory = SigningKey::generate(&mut rand::rng());
    let forged = Post::sign(&mallory, &w.editor.cert, p.draft()).unwrap();
    assert_eq!(policy.verify_post(&forged, NOW, &mut cache), Err(ChannelError::BadSignature("post")));
    // The content changed after signing.
    let altered = Post::from_bytes(&edit_post_tbs(&p, |t| t.content = "Ялган хәбәр".as_bytes().to_vec())).unwrap();
    assert_eq!(policy.verify_post(&altered, NOW, &mut cache), Err(ChannelError::BadSignature("post")));
    // A post signed under another context (a tombstone's signature) fails.
    let t = Tombstone::sign(&w.owner.key, &w.owner.cert, w.channel, *p.post_id(), 1, T0).unwrap();
    let mixed = pb::Signed {
        format: 0x8101,
        tbs: pb::Signed::decode(p.to_bytes()).unwrap().tbs,
        signature: pb::Signed::decode(t.to_bytes()).unwrap().signature,
    };
    let mixed = Post::from_bytes(&mixed.encode_to_vec()).unwrap();
    assert_eq!(policy.verify_post(&mixed, NOW, &mut cache), Err(ChannelError::BadSignature("post")));
    assert!(policy.verify_post(&p, NOW, &mut cache).is_ok());
}

#[test]
fn re_attributed_and_cross_channel_posts_are_refused() {
    let w = ChannelWorld::new();
    let policy = w.policy();
    let mut cache = ChainCache::new();
    let p = w.post(&w.editor, 1, 1, "ru", "Новости");
    // Re-attributed to the owner: the signature is the editor's.
    let to_owner =
        Post::from_bytes(&edit_post_tbs(&p, |t| t.publisher_certificate_hash = w.owner.cert.hash().to_vec())).unwrap();
    assert_eq!(policy.verify_post(&to_owner, NOW, &mut cache), Err(ChannelError::BadSignature("post")));
    // Attributed to a certificate that is not a publisher's.
    let to_ads = Post::sign(&w.advertiser.key, &w.advertiser.cert, p.draft()).unwrap();
    assert_eq!(policy.verify_post(&to_ads, NOW, &mut cache), Err(ChannelError::NotAPublisher));
    // An unknown certificate.
    let stranger = SigningKey::generate(&mut rand::rng());
    let cert = Certificate::issue(
        &stranger,
        &CertificateRequest::new(
            stranger.verifying_key(),
            publisher_subject_id(&w.channel, PublisherRole::Owner),
            "Самозванец",
            Role::Organisation,
            KeyUsage::CHANNEL_PUBLISHING,
            0,
            T0 + DAY,
        ),
    )
    .unwrap();
    let self_signed = Post::sign(&stranger, &cert, p.draft()).unwrap();
    assert_eq!(policy.verify_post(&self_signed, NOW, &mut cache), Err(ChannelError::UnknownCertificate));
    let trusting = w.policy().with_certificates([cert]);
    assert!(matches!(
        trusting.verify_post(&self_signed, NOW, &mut cache),
        Err(ChannelError::Chain(ChainError::NoIssuer { depth: 0 }))
    ));
    // Cross-channel: the other channel's owner posts into this channel...
    let cross = Post::sign(&w.other_owner.key, &w.other_owner.cert, p.draft()).unwrap();
    assert_eq!(
        policy.verify_post(&cross, NOW, &mut cache),
        Err(ChannelError::WrongChannel { expected: w.other_channel, found: w.channel })
    );
    // ...and its own valid post is refused by this channel's feed.
    let mut d = p.draft().clone();
    d.channel = w.other_channel;
    let theirs = Post::sign(&w.other_owner.key, &w.other_owner.cert, &d).unwrap();
    let mut feed = Feed::new(w.channel, ChannelLimits::default());
    assert_eq!(
        accept(&w, &mut feed, &theirs),
        Err(ChannelError::WrongChannel { expected: w.channel, found: w.other_channel })
    );
    assert!(feed.is_empty());
}

#[test]
fn edits_replace_and_rollback_is_refused() {
    let w = ChannelWorld::new();
    let mut feed = Feed::new(w.channel, ChannelLimits::default());
    let r1 = w.post(&w.editor, 1, 1, "tt", "Ике мең кеше");
    let r2 = w.post(&w.owner, 1, 2, "tt", "Ике мең биш йөз кеше");
    assert_eq!(accept(&w, &mut feed, &r1), Ok(FeedUpdate::New));
    assert_eq!(accept(&w, &mut feed, &r2), Ok(FeedUpdate::Edited { previous: 1 }));
    let before = feed.clone();
    assert_eq!(accept(&w, &mut feed, &r1), Err(ChannelError::Rollback { have: 2, got: 1 }));
    assert_eq!(accept(&w, &mut feed, &r2), Err(ChannelError::Duplicate));
    // The same revision with other contents: equivocation.
    let other = w.post(&w.owner, 1, 2, "tt", "Өч мең кеше");
    assert_eq!(accept(&w, &mut feed, &other), Err(ChannelError::Equivocation { revision: 2 }));
    assert_eq!(feed, before, "refusals leave the feed unchanged");
    assert_eq!(feed.post(r1.post_id()).unwrap().post(), &r2);
    // Rollback stays refused after a restart from the stored marks.
    let mut loaded = Feed::from_bytes(&feed.to_bytes(), ChannelLimits::default()).unwrap();
    assert_eq!(loaded.to_bytes(), feed.to_bytes());
    assert_eq!(accept(&w, &mut loaded, &r1), Err(ChannelError::Rollback { have: 2, got: 1 }));
    assert_eq!(accept(&w, &mut loaded, &other), Err(ChannelError::Equivocation { revision: 2 }));
    assert!(loaded.post(r1.post_id()).is_none());
    assert_eq!(accept(&w, &mut loaded, &r2), Ok(FeedUpdate::Restored));
    assert_eq!(accept(&w, &mut loaded, &r2), Err(ChannelError::Duplicate));
}

#[test]
fn tombstones_are_final_and_only_owners_delete() {
    let w = ChannelWorld::new();
    let policy = w.policy();
    let mut cache = ChainCache::new();
    let mut feed = Feed::new(w.channel, ChannelLimits::default());
    let r1 = w.post(&w.editor, 1, 1, "ru", "Ошибочная новость");
    let r2 = w.post(&w.editor, 1, 2, "ru", "Ошибочная новость (исправлено)");
    let r3 = w.post(&w.editor, 1, 3, "ru", "Воскрешение");
    accept(&w, &mut feed, &r1).unwrap();
    accept(&w, &mut feed, &r2).unwrap();
    // An editor may not delete.
    let by_editor = Tombstone::sign(&w.editor.key, &w.editor.cert, w.channel, *r1.post_id(), 2, T0 + 10).unwrap();
    assert_eq!(
        feed.receive(by_editor.to_bytes(), &policy, NOW, &mut cache),
        Err(ChannelError::RoleNotAllowed { role: PublisherRole::Editor, action: Action::Delete })
    );
    // A forged tombstone.
    let mallory = SigningKey::generate(&mut rand::rng());
    let forged = Tombstone::sign(&mallory, &w.owner.cert, w.channel, *r1.post_id(), 2, T0 + 10).unwrap();
    assert_eq!(feed.receive(forged.to_bytes(), &policy, NOW, &mut cache), Err(ChannelError::BadSignature("tombstone")));
    // Cross-channel tombstone.
    let cross = Tombstone::sign(&w.other_owner.key, &w.other_owner.cert, w.channel, *r1.post_id(), 2, T0 + 10).unwrap();
    assert!(matches!(feed.receive(cross.to_bytes(), &policy, NOW, &mut cache), Err(ChannelError::WrongChannel { .. })));
    assert!(!feed.is_deleted(r1.post_id()));
    // The owner deletes as of revision 2.
    let t = Tombstone::sign(&w.owner.key, &w.owner.cert, w.channel, *r1.post_id(), 2, T0 + 10).unwrap();
    assert_eq!(feed.receive(t.to_bytes(), &policy, NOW, &mut cache), Ok(FeedUpdate::Deleted));
    assert!(feed.post(r1.post_id()).is_none());
    assert_eq!(feed.receive(t.to_bytes(), &policy, NOW, &mut cache), Err(ChannelError::Duplicate));
    // Every revision, older or newer, is refused: nothing revives the post.
    for p in [&r1, &r2, &r3] {
        assert_eq!(accept(&w, &mut feed, p), Err(ChannelError::Deleted { revision: 2 }));
    }
    // Rolling the deletion back by restarting from an older state is what
    // the stored marks prevent: after a reload it is still deleted.
    let mut loaded = Feed::from_bytes(&feed.to_bytes(), ChannelLimits::default()).unwrap();
    assert!(loaded.is_deleted(r1.post_id()));
    assert_eq!(accept(&w, &mut loaded, &r3), Err(ChannelError::Deleted { revision: 2 }));
    // A tombstone for a post never seen is remembered too.
    let unseen = Tombstone::sign(&w.owner.key, &w.owner.cert, w.channel, PostId::from_bytes([9; 16]), 1, T0).unwrap();
    assert_eq!(loaded.receive(unseen.to_bytes(), &policy, NOW, &mut cache), Ok(FeedUpdate::Deleted));
    assert_eq!(accept(&w, &mut loaded, &w.post(&w.owner, 9, 5, "ru", "x")), Err(ChannelError::Deleted { revision: 1 }));
}

#[test]
fn revoked_or_expired_publishers_are_refused() {
    let w = ChannelWorld::new();
    let mut cache = ChainCache::new();
    let p = w.post(&w.editor, 1, 1, "tt", "Хәбәр");
    for reason in [RevocationReason::KeyCompromise { invalid_since: 0 }, RevocationReason::CessationOfOperation] {
        let revoked = w.policy_revoking(&[Revocation::new(2, T0 - 3600, reason)]);
        assert!(matches!(
            revoked.verify_post(&p, NOW, &mut cache),
            Err(ChannelError::Chain(ChainError::Revoked { depth: 0, serial: 2, .. }))
        ));
        // The owner is unaffected.
        assert!(revoked.verify_post(&w.post(&w.owner, 1, 1, "tt", "x"), NOW, &mut cache).is_ok());
    }
    // No status list: refused (fresh status is required by default).
    let no_status = ChannelPolicy::new(vec![w.anchor.clone()]).with_certificates(w.certificates());
    assert!(matches!(
        no_status.verify_post(&p, NOW, &mut cache),
        Err(ChannelError::Chain(ChainError::StatusMissing { .. }))
    ));
    assert!(no_status.with_fresh_status(false).verify_post(&p, NOW, &mut cache).is_ok());
    // After the certificate expires, its posts no longer show.
    let late = T0 + 366 * DAY;
    assert!(matches!(
        w.policy().with_fresh_status(false).verify_post(&p, late, &mut cache),
        Err(ChannelError::Chain(ChainError::Expired { .. }))
    ));
    // A post dated too far in the future.
    let mut d = p.draft().clone();
    d.created_at = NOW + 301;
    let future = Post::sign(&w.editor.key, &w.editor.cert, &d).unwrap();
    assert_eq!(
        w.policy().verify_post(&future, NOW, &mut cache),
        Err(ChannelError::FutureTime { at: NOW + 301, now: NOW })
    );
    d.created_at = NOW + 300;
    let edge = Post::sign(&w.editor.key, &w.editor.cert, &d).unwrap();
    assert!(w.policy().verify_post(&edge, NOW, &mut cache).is_ok());
}

#[test]
fn a_sponsored_post_in_bashkir_shows_its_verified_marking() {
    let w = ChannelWorld::new();
    let mut cache = ChainCache::new();
    let ad = w.ad(1, "ba");
    let post = w.sponsored(&w.owner, 1, &ad).unwrap();
    let v = w.policy().verify_post(&post, NOW, &mut cache).unwrap();
    let shown = v.ad().unwrap();
    let m = shown.marking();
    assert_eq!(
        (m.label.as_str(), m.advertiser.as_str(), m.inn.as_str(), m.erid.as_str()),
        ("Реклама", "ПАО Сбербанк", INN, "2SDnjcVm7Md1")
    );
    assert_eq!(shown.signer(), &AdSigner::Advertiser { name: "ПАО Сбербанк".into() });
    assert_eq!(shown.platform(), "Рекламная платформа «Вестник»");
    // Signed by an agency for the advertiser: the signer says so.
    let by_agency = w.ad_by(&w.agency, 2, "ba");
    let v = w.policy().verify_ad(&by_agency, NOW, &mut cache).unwrap();
    assert!(matches!(v.signer(), AdSigner::Agency { name, .. } if name == "Агентство «Урал»"));
    // An editor may not post sponsored content.
    let by_editor = w.sponsored(&w.editor, 2, &ad).unwrap();
    assert_eq!(
        w.policy().verify_post(&by_editor, NOW, &mut cache),
        Err(ChannelError::RoleNotAllowed { role: PublisherRole::Editor, action: Action::PostSponsored })
    );
    // A sponsored post's language must be its ad's.
    let mut d = post.draft().clone();
    d.language = LanguageTag::parse("ru").unwrap();
    assert!(matches!(Post::sign(&w.owner.key, &w.owner.cert, &d), Err(ChannelError::Decode(DecodeError::Invalid(_)))));
}

#[test]
fn marking_changed_is_refused_by_both_signatures() {
    let w = ChannelWorld::new();
    let mut cache = ChainCache::new();
    let ad = w.ad(1, "ba");
    let changes: Vec<(&str, Edit)> = vec![
        ("advertiser", Box::new(|t| t.advertiser_name = "ООО Ромашка".into())),
        ("inn", Box::new(|t| t.advertiser_inn = OTHER_INN.into())),
        ("erid", Box::new(|t| t.erid = "Kra23XYZ".into())),
        ("content", Box::new(|t| t.content = b"other".to_vec())),
    ];
    for (what, change) in &changes {
        let changed = Ad::from_bytes(&edit_ad(&ad, change)).unwrap();
        assert_eq!(
            w.policy().verify_ad(&changed, NOW, &mut cache),
            Err(ChannelError::BadSignature("advertiser")),
            "{what}"
        );
        // Re-signed by the advertiser, the platform's countersignature still refuses it.
        let mut a = pb::Ad::decode(changed.to_bytes()).unwrap();
        let draft = changed.draft().clone();
        let resubmitted = Ad::submit(&w.advertiser.key, &w.advertiser.cert, &draft).unwrap();
        let fresh = resubmitted.register(&w.advertiser.cert, &w.platform.key, &w.platform.cert, T0 - 3600).unwrap();
        a.advertiser_signature = pb::Ad::decode(fresh.to_bytes()).unwrap().advertiser_signature;
        let replayed_registration = Ad::from_bytes(&a.encode_to_vec()).unwrap();
        assert_eq!(
            w.policy().verify_ad(&replayed_registration, NOW, &mut cache),
            Err(ChannelError::BadSignature("platform registration")),
            "{what}"
        );
    }
    // Invalid values are refused by the decoder with the reason.
    let invalid: Vec<(MarkingError, Edit)> = vec![
        (MarkingError::Label, Box::new(|t| t.label = "Реклама ".into())),
        (MarkingError::Label, Box::new(|t| t.label = "Sponsored".into())),
        (MarkingError::Inn, Box::new(|t| t.advertiser_inn = "7707083894".into())),
        (MarkingError::Inn, Box::new(|t| t.advertiser_inn = "770708389".into())),
        (MarkingError::Erid, Box::new(|t| t.erid = "erid with spaces".into())),
        (MarkingError::Erid, Box::new(|t| t.erid = "x".repeat(65))),
        (MarkingError::Advertiser, Box::new(|t| t.advertiser_name = "a\nb".into())),
    ];
    for (err, change) in &invalid {
        assert_eq!(Ad::from_bytes(&edit_ad(&ad, change)), Err(ChannelError::Marking(*err)));
    }
    // The erid at its maximum length is fine.
    let mut d = w.ad_draft(3, "ba");
    d.marking.erid = "x".repeat(64);
    assert!(Ad::submit(&w.advertiser.key, &w.advertiser.cert, &d).is_ok());
    d.marking.erid = "x".repeat(65);
    assert_eq!(
        Ad::submit(&w.advertiser.key, &w.advertiser.cert, &d).err(),
        Some(ChannelError::Marking(MarkingError::Erid))
    );
}

#[test]
fn marking_removed_is_refused_with_the_reason() {
    let w = ChannelWorld::new();
    let ad = w.ad(1, "ba");
    let removals: Vec<(MarkingError, Edit)> = vec![
        (MarkingError::Label, Box::new(|t| t.label.clear())),
        (MarkingError::Advertiser, Box::new(|t| t.advertiser_name.clear())),
        (MarkingError::Inn, Box::new(|t| t.advertiser_inn.clear())),
        (MarkingError::Erid, Box::new(|t| t.erid.clear())),
    ];
    for (err, remove) in &removals {
        let stripped = edit_ad(&ad, remove);
        assert_eq!(Ad::from_bytes(&stripped), Err(ChannelError::Marking(*err)));
        // Inside a sponsored post, the post is refused for the same reason.
        let post = w.sponsored(&w.owner, 1, &ad).unwrap();
        let in_post = edit_post_tbs(&post, |t| t.content = stripped.clone());
        assert_eq!(Post::from_bytes(&in_post), Err(ChannelError::Marking(*err)));
    }
    assert_eq!(
        ChannelError::Marking(MarkingError::Erid).to_string(),
        "marking: the erid token is missing or malformed"
    );
}

#[test]
fn marking_moved_to_another_ad_is_refused() {
    let w = ChannelWorld::new();
    let mut cache = ChainCache::new();
    let a = w.ad(1, "ba");
    let b = w.ad(2, "ru");
    let ta = pb::AdTbs::decode(pb::Ad::decode(a.to_bytes()).unwrap().tbs.as_slice()).unwrap();
    // B with A's marking.
    let moved = Ad::from_bytes(&edit_ad(&b, |t| {
        t.erid = ta.erid.clone();
        t.advertiser_inn = ta.advertiser_inn.clone();
    }))
    .unwrap();
    assert_eq!(w.policy().verify_ad(&moved, NOW, &mut cache), Err(ChannelError::BadSignature("advertiser")));
    // A's tbs and advertiser signature with B's registration.
    let mut spliced = pb::Ad::decode(a.to_bytes()).unwrap();
    spliced.platform_signature = pb::Ad::decode(b.to_bytes()).unwrap().platform_signature;
    let spliced = Ad::from_bytes(&spliced.encode_to_vec()).unwrap();
    assert_eq!(
        w.policy().verify_ad(&spliced, NOW, &mut cache),
        Err(ChannelError::BadSignature("platform registration"))
    );
    // A registration time changed after countersigning.
    let mut retimed = pb::Ad::decode(a.to_bytes()).unwrap();
    retimed.registered_at += 1;
    let retimed = Ad::from_bytes(&retimed.encode_to_vec()).unwrap();
    assert_eq!(
        w.policy().verify_ad(&retimed, NOW, &mut cache),
        Err(ChannelError::BadSignature("platform registration"))
    );
    // An ad in a post swapped for another ad: the post signature refuses it.
    let post = w.sponsored(&w.owner, 1, &a).unwrap();
    let swapped = Post::from_bytes(&edit_post_tbs(&post, |t| {
        t.content = b.to_bytes().to_vec();
        t.language = "ru".into();
    }))
    .unwrap();
    assert_eq!(w.policy().verify_post(&swapped, NOW, &mut cache), Err(ChannelError::BadSignature("post")));
}

#[test]
fn revoked_advertiser_or_platform_and_withdrawn_ads_are_refused() {
    let w = ChannelWorld::new();
    let mut cache = ChainCache::new();
    let ad = w.ad(1, "ba");
    let post = w.sponsored(&w.owner, 1, &ad).unwrap();
    for serial in [4, 6] {
        let revoked = w.policy_revoking(&[Revocation::new(serial, T0 - 60, RevocationReason::Unspecified)]);
        assert!(
            matches!(revoked.verify_post(&post, NOW, &mut cache), Err(ChannelError::Chain(ChainError::Revoked { serial: s, .. })) if s == serial)
        );
    }
    // The campaign is over.
    assert!(matches!(w.policy().verify_ad(&ad, T0 + 30 * DAY, &mut cache), Err(ChannelError::NotCurrent { .. })));
    // A signer without advertiser signing.
    let not_adv = Ad::submit(&w.editor.key, &w.editor.cert, &w.ad_draft(2, "ba"))
        .unwrap()
        .register(&w.editor.cert, &w.platform.key, &w.platform.cert, T0)
        .unwrap();
    assert!(matches!(
        w.policy().verify_ad(&not_adv, NOW, &mut cache),
        Err(ChannelError::Chain(ChainError::UsageNotAllowed { depth: 0, .. }))
    ));
    // A "platform" without ad registration.
    let fake_platform = Ad::submit(&w.advertiser.key, &w.advertiser.cert, &w.ad_draft(3, "ba"))
        .unwrap()
        .register(&w.advertiser.cert, &w.advertiser.key, &w.advertiser.cert, T0)
        .unwrap();
    assert!(matches!(
        w.policy().verify_ad(&fake_platform, NOW, &mut cache),
        Err(ChannelError::Chain(ChainError::UsageNotAllowed { depth: 0, .. }))
    ));
    // Withdrawal by tombstone.
    let mut feed = Feed::new(w.channel, ChannelLimits::default());
    assert_eq!(accept(&w, &mut feed, &post), Ok(FeedUpdate::New));
    let t = Tombstone::sign(&w.owner.key, &w.owner.cert, w.channel, *post.post_id(), 1, T0 + 1).unwrap();
    assert_eq!(feed.receive(t.to_bytes(), &w.policy(), NOW, &mut cache), Ok(FeedUpdate::Deleted));
    assert!(feed.post(post.post_id()).is_none());
}

#[test]
fn catalogue_is_verified_and_ads_are_chosen_on_the_device() {
    let w = ChannelWorld::new();
    let mut cache = ChainCache::new();
    let region = Region::parse("RU-BA").unwrap();
    let ads = vec![w.ad(1, "ru"), w.ad(2, "ba"), w.ad(3, "tt-Cyrl"), w.ad_by(&w.agency, 4, "ba")];
    let cat = Catalogue::issue(&w.platform.key, &w.platform.cert, &region, 7, T0, T0 + DAY, &ads).unwrap();
    assert_eq!(Catalogue::from_bytes(cat.to_bytes()).unwrap(), cat);
    let v = w.policy().verify_catalogue(&cat, NOW, 7, &mut cache).unwrap();
    assert_eq!(v.ads().len(), 4);
    let ids = |sel: Vec<&VerifiedAd>| sel.iter().map(|a| a.ad().ad_id().as_bytes()[0]).collect::<Vec<_>>();
    let ba_ru = [LanguageTag::parse("ba").unwrap(), LanguageTag::parse("ru").unwrap()];
    assert_eq!(ids(select_ads(&v, &ba_ru, 10)), [2, 4, 1]);
    assert_eq!(ids(select_ads(&v, &ba_ru, 2)), [2, 4]);
    assert_eq!(ids(select_ads(&v, &[LanguageTag::parse("tt").unwrap()], 10)), [3]);
    assert!(select_ads(&v, &[LanguageTag::parse("ce").unwrap()], 10).is_empty());
    // Rollback to an older sequence, a catalogue outside its window.
    assert_eq!(w.policy().verify_catalogue(&cat, NOW, 8, &mut cache), Err(ChannelError::Rollback { have: 8, got: 7 }));
    assert!(matches!(w.policy().verify_catalogue(&cat, T0 + DAY, 7, &mut cache), Err(ChannelError::NotCurrent { .. })));
    // A forged catalogue signature.
    let mallory = SigningKey::generate(&mut rand::rng());
    let forged = Catalogue::issue(&mallory, &w.platform.cert, &region, 7, T0, T0 + DAY, &ads).unwrap();
    assert_eq!(w.policy().verify_catalogue(&forged, NOW, 0, &mut cache), Err(ChannelError::BadSignature("catalogue")));
    // A revoked advertiser's ads are dropped, the others still chosen.
    let revoked = w.policy_revoking(&[Revocation::new(4, T0 - 60, RevocationReason::Unspecified)]);
    let v = revoked.verify_catalogue(&cat, NOW, 0, &mut cache).unwrap();
    assert_eq!(ids(select_ads(&v, &ba_ru, 10)), [4]);
    assert_eq!(v.refused().len(), 3);
    // Duplicate ad ids, validity too long.
    let dup = Catalogue::issue(
        &w.platform.key,
        &w.platform.cert,
        &region,
        7,
        T0,
        T0 + DAY,
        &[ads[0].clone(), ads[0].clone()],
    );
    assert_eq!(dup.err(), Some(ChannelError::CatalogueEntry { index: 1 }));
    let long = Catalogue::issue(&w.platform.key, &w.platform.cert, &region, 7, T0, T0 + DAY + 1, &ads);
    assert_eq!(long.err(), Some(ChannelError::ValidityTooLong { secs: DAY + 1 }));
    assert!(Catalogue::issue(&w.platform.key, &w.platform.cert, &region, 7, T0, T0 + DAY, &[]).is_ok());
}

#[test]
fn limits_at_max_and_max_plus_one() {
    let w = ChannelWorld::new();
    let limits = ChannelLimits::default();
    // Inline content.
    let mut d = w.draft(1, 1, "ru", "");
    d.body = PostBody::text("text/plain", &vec![b'a'; limits.max_content_len]);
    let at_max = Post::sign(&w.owner.key, &w.owner.cert, &d).unwrap();
    assert!(at_max.to_bytes().len() <= limits.max_post_len());
    d.body = PostBody::text("text/plain", &vec![b'a'; limits.max_content_len + 1]);
    assert_eq!(
        Post::sign(&w.owner.key, &w.owner.cert, &d).err(),
        Some(ChannelError::ContentTooLong { len: limits.max_content_len + 1, max: limits.max_content_len })
    );
    // Input above the size cap is refused before decoding.
    let mut big = at_max.to_bytes().to_vec();
    big.resize(limits.max_post_len() + 1, 0);
    assert!(matches!(Post::from_bytes(&big), Err(ChannelError::Decode(DecodeError::TooLarge { .. }))));
    // A smaller configured content limit applies to decoding.
    let small = ChannelLimits::default().with_max_content_len(100);
    assert!(matches!(
        Post::from_bytes_with(at_max.to_bytes(), &small),
        Err(ChannelError::Decode(DecodeError::TooLarge { .. }))
    ));
    // Ad content.
    let mut ad = w.ad_draft(1, "ba");
    ad.content = vec![b'a'; limits.max_ad_content_len];
    let sub = Ad::submit(&w.advertiser.key, &w.advertiser.cert, &ad).unwrap();
    assert!(sub.register(&w.advertiser.cert, &w.platform.key, &w.platform.cert, T0).is_ok());
    ad.content.push(b'a');
    let sub = Ad::submit(&w.advertiser.key, &w.advertiser.cert, &ad).unwrap();
    assert!(matches!(
        sub.register(&w.advertiser.cert, &w.platform.key, &w.platform.cert, T0),
        Err(ChannelError::ContentTooLong { .. })
    ));
    // Catalogue ads.
    let lim = ChannelLimits::default().with_max_catalogue_ads(3);
    let region = Region::parse("RU").unwrap();
    let ads: Vec<Ad> = (0..4).map(|i| w.ad(i, "ru")).collect();
    let three = Catalogue::issue(&w.platform.key, &w.platform.cert, &region, 1, T0, T0 + 60, &ads[..3]).unwrap();
    assert!(Catalogue::from_bytes_with(three.to_bytes(), &lim).is_ok());
    let four = Catalogue::issue(&w.platform.key, &w.platform.cert, &region, 1, T0, T0 + 60, &ads).unwrap();
    assert_eq!(
        Catalogue::from_bytes_with(four.to_bytes(), &lim),
        Err(ChannelError::Decode(DecodeError::TooMany { field: "catalogue.ads", count: 4, max: 3 }))
    );
    // Posts in a feed.
    let lim = ChannelLimits::default().with_max_feed_posts(2);
    let mut feed = Feed::new(w.channel, lim);
    let policy = w.policy();
    let mut cache = ChainCache::new();
    for i in 0..2 {
        let p = w.post(&w.owner, i, 1, "ru", "x");
        feed.accept_post(policy.verify_post(&p, NOW, &mut cache).unwrap()).unwrap();
    }
    let third = policy.verify_post(&w.post(&w.owner, 2, 1, "ru", "x"), NOW, &mut cache).unwrap();
    assert_eq!(feed.accept_post(third), Err(ChannelError::FeedFull { max: 2 }));
    assert!(Feed::from_bytes(&feed.to_bytes(), lim).is_ok());
    let mut one = Feed::new(w.channel, ChannelLimits::default());
    for i in 0..3 {
        one.accept_post(policy.verify_post(&w.post(&w.owner, i, 1, "ru", "x"), NOW, &mut cache).unwrap()).unwrap();
    }
    assert_eq!(
        Feed::from_bytes(&one.to_bytes(), lim),
        Err(ChannelError::Decode(DecodeError::TooMany { field: "feed.entries", count: 3, max: 2 }))
    );
}

#[test]
fn encodings_are_canonical() {
    let w = ChannelWorld::new();
    let post = w.post(&w.owner, 1, 1, "tt", "Сәлам");
    let ad = w.ad(1, "ba");
    let t = Tombstone::sign(&w.owner.key, &w.owner.cert, w.channel, PostId::from_bytes([1; 16]), 1, T0).unwrap();
    let cat = Catalogue::issue(
        &w.platform.key,
        &w.platform.cert,
        &Region::parse("RU").unwrap(),
        1,
        T0,
        T0 + 60,
        std::slice::from_ref(&ad),
    )
    .unwrap();
    let mut feed = Feed::new(w.channel, ChannelLimits::default());
    accept(&w, &mut feed, &post).unwrap();
    type Dec = Box<dyn Fn(&[u8]) -> Option<ChannelError>>;
    let objects: Vec<(Vec<u8>, Dec)> = vec![
        (post.to_bytes().to_vec(), Box::new(|b| Post::from_bytes(b).err())),
        (ad.to_bytes().to_vec(), Box::new(|b| Ad::from_bytes(b).err())),
        (t.to_bytes().to_vec(), Box::new(|b| Tombstone::from_bytes(b).err())),
        (cat.to_bytes().to_vec(), Box::new(|b| Catalogue::from_bytes(b).err())),
        (feed.to_bytes(), Box::new(|b| Feed::from_bytes(b, ChannelLimits::default()).err())),
    ];
    for (bytes, decode) in &objects {
        assert_eq!(decode(bytes), None);
        // An unknown field, a duplicated field, an over-long length.
        let mut unknown = bytes.clone();
        unknown.extend_from_slice(&[0xf8, 0x07, 0x01]);
        let end = 1 + bytes[1..].iter().position(|b| b & 0x80 == 0).unwrap();
        let mut dup = bytes.clone();
        dup.extend_from_slice(&bytes[..=end]);
        // The format varint with a redundant continuation byte.
        let overlong = {
            let mut o = bytes[..=end].to_vec();
            o[end] |= 0x80;
            o.push(0x00);
            o.extend_from_slice(&bytes[end + 1..]);
            o
        };
        for bad in [unknown, dup, overlong] {
            assert_eq!(decode(&bad), Some(ChannelError::Decode(DecodeError::NonCanonical)));
        }
    }
    // Inside the signed part too.
    let unknown_in_tbs = with_tbs(post.to_bytes(), |tbs| tbs.extend_from_slice(&[0xf8, 0x07, 0x01]));
    assert_eq!(Post::from_bytes(&unknown_in_tbs), Err(ChannelError::Decode(DecodeError::NonCanonical)));
}

#[test]
fn a_page_of_posts_batch_equals_single() {
    let w = ChannelWorld::new();
    let policy = w.policy();
    let mut posts: Vec<Post> = (0..100u8)
        .map(|i| {
            w.post(if i % 2 == 0 { &w.owner } else { &w.editor }, i, 1, if i % 3 == 0 { "tt" } else { "ru" }, "хәбәр")
        })
        .collect();
    posts.push(w.sponsored(&w.owner, 200, &w.ad(1, "ba")).unwrap());
    let mut cache = ChainCache::new();
    let batch = policy.verify_posts(&posts, NOW, &mut cache, &mut rand::rng());
    assert!(batch.iter().all(Result::is_ok));
    // One forged, one altered, one cross-channel, one with a forged ad inside.
    let mallory = SigningKey::generate(&mut rand::rng());
    posts[10] = Post::sign(&mallory, &w.owner.cert, posts[10].draft()).unwrap();
    posts[20] = Post::from_bytes(&edit_post_tbs(&posts[20], |t| t.revision = 9)).unwrap();
    posts[30] = Post::sign(&w.other_owner.key, &w.other_owner.cert, posts[30].draft()).unwrap();
    let bad_ad = Ad::from_bytes(&edit_ad(&w.ad(2, "ba"), |t| t.erid = "forged".into())).unwrap();
    posts[40] = w.sponsored(&w.owner, 40, &bad_ad).unwrap();
    let batch = policy.verify_posts(&posts, NOW, &mut cache, &mut rand::rng());
    let single: Vec<_> = posts.iter().map(|p| policy.verify_post(p, NOW, &mut cache)).collect();
    assert_eq!(batch, single);
    assert_eq!(batch.iter().filter(|r| r.is_err()).count(), 4);
    assert_eq!(batch[40], Err(ChannelError::BadSignature("advertiser")));
    // Through a feed.
    let mut feed = Feed::new(w.channel, ChannelLimits::default());
    let results = feed.receive_page(&posts, &policy, NOW, &mut cache, &mut rand::rng());
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 97);
    assert_eq!(feed.len(), 97);
}

#[test]
fn inn_check_digits() {
    for ok in ["7707083893", "7736207543", "500100732259"] {
        assert!(is_valid_inn(ok), "{ok}");
    }
    for bad in ["7707083890", "500100732258", "500100732249", "77070838931", "", "770708389a", "７707083893"] {
        assert!(!is_valid_inn(bad), "{bad}");
    }
}
