//! Every bad request gets a 4xx with a typed reason and changes nothing
//! (the whole database, row by row, is the same before and after); bundle
//! hand-outs consume each one-time prekey exactly once, even under
//! concurrent requests, and fall back to the last-resort KEM prekey; the
//! hand-out rate limits hold.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use vestnik::prekey::KemPreKeyKind;
use vestnik::{DeviceIdentity, PreKeyBundle, PreKeyStore};
use vestnik_directory_server::client::{Client, Response};
use vestnik_directory_server::framing;
use vestnik_directory_server::{Config, HandoutLimits, Server, ServerLimits, SqliteStore, StoreCaps};

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

struct Dev {
    id: DeviceIdentity,
    prekeys: PreKeyStore,
    hex: String,
    auth: String,
}

async fn call(c: &mut Client, method: &str, path: &str, auth: Option<&str>, body: &[u8]) -> Response {
    tokio::time::timeout(Duration::from_secs(30), c.request(method, path, auth, body)).await.unwrap().unwrap()
}

async fn register(c: &mut Client) -> Dev {
    let mut rng = rand::rng();
    let id = DeviceIdentity::generate(&mut rng);
    let prekeys = PreKeyStore::new(&id, now(), &mut rng);
    let r = call(c, "POST", "/v1/devices", None, &id.public().to_fixed_bytes()).await;
    assert_eq!(r.status, 201);
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let hex = v["device"].as_str().unwrap().to_owned();
    let auth = format!("{hex}.{}", v["token"].as_str().unwrap());
    Dev { id, prekeys, hex, auth }
}

async fn upload(c: &mut Client, d: &Dev, bytes: &[u8]) -> Response {
    call(c, "POST", &format!("/v1/devices/{}/uploads", d.hex), Some(&d.auth), bytes).await
}

async fn publish(c: &mut Client, d: &mut Dev, one_time: usize, kem: usize) {
    let mut rng = rand::rng();
    let b = d.prekeys.signed_prekey_upload(&d.id).to_bytes();
    assert_eq!(upload(c, d, &b).await.status, 200);
    let b = d.prekeys.upload_one_time_prekeys(&d.id, one_time, now(), &mut rng).unwrap().to_bytes();
    assert_eq!(upload(c, d, &b).await.status, 200);
    let b = d.prekeys.upload_kem_prekeys(&d.id, kem, now(), &mut rng).unwrap().to_bytes();
    assert_eq!(upload(c, d, &b).await.status, 200);
}

/// What, method, path, credentials, body, expected status, expected code.
type Case = (&'static str, &'static str, String, Option<String>, Vec<u8>, u16, &'static str);

fn small_limits() -> ServerLimits {
    ServerLimits { max_deposit_len: 1_000, max_body_len: 64 * 1024, max_fetch: 10, ..ServerLimits::default() }
}

async fn start(limits: ServerLimits) -> (Server, Arc<SqliteStore>, Client) {
    let store = Arc::new(SqliteStore::in_memory(StoreCaps::default()).unwrap());
    let config = Config { limits, document_policy: None };
    let server = Server::start("127.0.0.1:0".parse().unwrap(), store.clone(), config).await.unwrap();
    let c = Client::new(server.addr());
    (server, store, c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_request_is_refused_with_a_reason_and_changes_nothing() {
    let (server, store, mut c) = start(small_limits()).await;
    let mut alice = register(&mut c).await;
    let mut bob = register(&mut c).await;
    publish(&mut c, &mut alice, 5, 2).await;
    publish(&mut c, &mut bob, 5, 2).await;
    let mut rng = rand::rng();

    // Material for the refusals.
    let alice_batch = alice.prekeys.upload_one_time_prekeys(&alice.id, 3, now(), &mut rng).unwrap().to_bytes();
    let bob_batch = bob.prekeys.upload_one_time_prekeys(&bob.id, 3, now(), &mut rng).unwrap().to_bytes();
    assert_eq!(upload(&mut c, &alice, &alice_batch).await.status, 200);
    let mut tampered = bob.prekeys.upload_one_time_prekeys(&bob.id, 3, now(), &mut rng).unwrap().to_bytes();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let wrong_token = format!("{}.{}", alice.hex, "00".repeat(32));
    let unknown = hex::encode([7u8; 32]);
    let alice_fixed = alice.id.public().to_fixed_bytes();
    let mut bad_identity = alice_fixed;
    bad_identity[100] ^= 1;
    let upload_path = format!("/v1/devices/{}/uploads", alice.hex);
    let bob_upload_path = format!("/v1/devices/{}/uploads", bob.hex);
    let alice_mail = format!("/v1/devices/{}/messages", alice.hex);
    let big = vec![1u8; 1_001];
    let huge = vec![0u8; 64 * 1024 + 1];

    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        ("register: short identity", "POST", "/v1/devices".into(), None, alice_fixed[..127].to_vec(), 400, "bad_identity"),
        ("register: bad identity signature", "POST", "/v1/devices".into(), None, bad_identity.to_vec(), 400, "bad_identity"),
        ("register: twice", "POST", "/v1/devices".into(), None, alice_fixed.to_vec(), 409, "already_registered"),
        ("upload: no credentials", "POST", upload_path.clone(), None, alice_batch.clone(), 401, "unauthorized"),
        ("upload: wrong token", "POST", upload_path.clone(), Some(wrong_token.clone()), alice_batch.clone(), 401, "unauthorized"),
        ("upload: malformed credentials", "POST", upload_path.clone(), Some("xyz".into()), alice_batch.clone(), 401, "unauthorized"),
        ("upload: under another device's name", "POST", bob_upload_path.clone(), Some(alice.auth.clone()), alice_batch.clone(), 403, "not_owner"),
        ("upload: another device's keys under mine", "POST", upload_path.clone(), Some(alice.auth.clone()), bob_batch.clone(), 422, "invalid_upload"),
        ("upload: tampered batch", "POST", bob_upload_path.clone(), Some(bob.auth.clone()), tampered, 422, "invalid_upload"),
        ("upload: garbage", "POST", upload_path.clone(), Some(alice.auth.clone()), b"garbage".to_vec(), 422, "invalid_upload"),
        ("upload: empty", "POST", upload_path.clone(), Some(alice.auth.clone()), vec![], 422, "invalid_upload"),
        ("upload: the same batch again", "POST", upload_path.clone(), Some(alice.auth.clone()), alice_batch.clone(), 409, "duplicate_prekey_id"),
        ("upload: body over the cap", "POST", upload_path.clone(), Some(alice.auth.clone()), huge, 413, "body_too_large"),
        ("upload: bad device id", "POST", "/v1/devices/zz/uploads".into(), Some(alice.auth.clone()), alice_batch.clone(), 400, "bad_device_id"),
        ("bundle: unknown device", "GET", format!("/v1/devices/{unknown}/bundle"), Some(bob.auth.clone()), vec![], 404, "unknown_device"),
        ("bundle: no credentials", "GET", format!("/v1/devices/{}/bundle", alice.hex), None, vec![], 401, "unauthorized"),
        ("deposit: empty", "POST", alice_mail.clone(), Some(bob.auth.clone()), vec![], 400, "empty_message"),
        ("deposit: over the cap", "POST", alice_mail.clone(), Some(bob.auth.clone()), big, 413, "message_too_large"),
        ("deposit: unknown recipient", "POST", format!("/v1/devices/{unknown}/messages"), Some(bob.auth.clone()), b"x".to_vec(), 404, "unknown_device"),
        ("deposit: no credentials", "POST", alice_mail.clone(), None, b"x".to_vec(), 401, "unauthorized"),
        ("fetch: someone else's mailbox", "GET", alice_mail.clone(), Some(bob.auth.clone()), vec![], 403, "not_owner"),
        ("fetch: limit 0", "GET", format!("{alice_mail}?limit=0"), Some(alice.auth.clone()), vec![], 400, "bad_limit"),
        ("fetch: limit over max", "GET", format!("{alice_mail}?limit=11"), Some(alice.auth.clone()), vec![], 400, "bad_limit"),
        ("fetch: bad query", "GET", format!("{alice_mail}?after=minus"), Some(alice.auth.clone()), vec![], 400, "bad_query"),
        ("ack: someone else's mailbox", "DELETE", format!("{alice_mail}?up_to=99"), Some(bob.auth.clone()), vec![], 403, "not_owner"),
        ("ack: no up_to", "DELETE", alice_mail.clone(), Some(alice.auth.clone()), vec![], 400, "bad_query"),
        ("handed-out: someone else's", "POST", format!("/v1/devices/{}/handed-out", alice.hex), Some(bob.auth.clone()), vec![], 403, "not_owner"),
        ("documents: off on this server", "POST", "/v1/documents/verify".into(), Some(bob.auth.clone()), vec![1], 404, "documents_disabled"),
        ("key package: none uploaded", "GET", format!("/v1/devices/{}/key-package", alice.hex), Some(bob.auth.clone()), vec![], 404, "no_key_package"),
        ("device list: none uploaded", "GET", format!("/v1/devices/{}/device-list", alice.hex), Some(bob.auth.clone()), vec![], 404, "no_device_list"),
        ("no such endpoint", "GET", "/v1/nothing".into(), None, vec![], 404, "no_such_endpoint"),
    ];
    // A deposit to have a mailbox that refusals must not disturb.
    let r = call(&mut c, "POST", &alice_mail, Some(&bob.auth), b"ciphertext").await;
    assert_eq!(r.status, 201);
    for (what, method, path, auth, body, status, code) in cases {
        let before = store.snapshot().unwrap();
        let r = call(&mut c, method, &path, auth.as_deref(), &body).await;
        assert_eq!(
            (r.status, r.error_code().as_deref()),
            (status, Some(code)),
            "{what}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(store.snapshot().unwrap(), before, "{what} changed the database");
    }
    // The mailbox still holds the one message.
    let r = call(&mut c, "GET", &alice_mail, Some(&alice.auth), &[]).await;
    assert_eq!(framing::decode_messages(&r.body).unwrap().len(), 1);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_outs_consume_each_one_time_key_once_then_fall_back_to_last_resort() {
    let limits = ServerLimits {
        handouts: HandoutLimits {
            burst: 1_000,
            per_hour: 1_000,
            pair_fetches: 1_000,
            pair_window: Duration::from_secs(86_400),
            target_one_time: 1_000,
            target_window: Duration::from_secs(3600),
        },
        ..ServerLimits::default()
    };
    let (server, _store, mut c) = start(limits).await;
    let mut alice = register(&mut c).await;
    publish(&mut c, &mut alice, 10, 4).await;
    let bob = register(&mut c).await;
    let addr = server.addr();
    // 16 concurrent requests on their own connections for 10 one-time keys.
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (path, auth) = (format!("/v1/devices/{}/bundle", alice.hex), bob.auth.clone());
        tasks.push(tokio::spawn(async move {
            let mut c = Client::new(addr);
            let r = call(&mut c, "GET", &path, Some(&auth), &[]).await;
            assert_eq!(r.status, 200);
            PreKeyBundle::from_bytes(&r.body).unwrap()
        }));
    }
    let mut bundles = Vec::new();
    for t in tasks {
        bundles.push(t.await.unwrap());
    }
    let one_time: Vec<u32> = bundles.iter().filter_map(|b| b.one_time_prekey().map(|k| k.id())).collect();
    assert_eq!(one_time.len(), 10, "every one-time key handed out, then none");
    assert_eq!(one_time.iter().collect::<BTreeSet<_>>().len(), 10, "no one-time key handed out twice");
    let kem_one_time: Vec<u32> = bundles
        .iter()
        .filter_map(|b| b.kem_prekey())
        .filter(|k| k.kind() == KemPreKeyKind::OneTime)
        .map(|k| k.id())
        .collect();
    assert_eq!(kem_one_time.iter().collect::<BTreeSet<_>>().len(), 4);
    assert_eq!(kem_one_time.len(), 4, "no one-time KEM key handed out twice");
    assert!(bundles.iter().all(|b| b.is_post_quantum()), "the last-resort KEM key answers once they ran out");
    assert_eq!(
        bundles.iter().filter(|b| b.kem_prekey().map(|k| k.kind()) == Some(KemPreKeyKind::LastResort)).count(),
        12
    );
    // The handed-out report names exactly those ids.
    let r = call(&mut c, "POST", &format!("/v1/devices/{}/handed-out", alice.hex), Some(&alice.auth), &[]).await;
    let report: vestnik_directory_server::HandedOut = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(report.one_time.iter().collect::<BTreeSet<_>>(), one_time.iter().collect::<BTreeSet<_>>());
    assert_eq!(report.kem.iter().collect::<BTreeSet<_>>(), kem_one_time.iter().collect::<BTreeSet<_>>());
    assert_eq!((report.one_time_remaining, report.kem_remaining), (0, 0));
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_outs_are_rate_limited_per_requester_pair_and_target() {
    let limits = ServerLimits {
        handouts: HandoutLimits {
            burst: 4,
            per_hour: 1,
            pair_fetches: 3,
            pair_window: Duration::from_secs(86_400),
            target_one_time: 2,
            target_window: Duration::from_secs(3600),
        },
        ..ServerLimits::default()
    };
    let (server, store, mut c) = start(limits).await;
    let mut alice = register(&mut c).await;
    publish(&mut c, &mut alice, 10, 5).await;
    let mut bob = register(&mut c).await;
    publish(&mut c, &mut bob, 10, 5).await;
    let mallory = register(&mut c).await;
    let carol = register(&mut c).await;
    let to_alice = format!("/v1/devices/{}/bundle", alice.hex);
    let to_bob = format!("/v1/devices/{}/bundle", bob.hex);
    let fetch = |r: &Response| {
        assert_eq!(r.status, 200, "{:?}", r.error_code());
        let b = PreKeyBundle::from_bytes(&r.body).unwrap();
        (b.one_time_prekey().is_some(), b.kem_prekey().map(|k| k.kind()))
    };
    let (one, last) = (Some(KemPreKeyKind::OneTime), Some(KemPreKeyKind::LastResort));
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(fetch(&call(&mut c, "GET", &to_alice, Some(&mallory.auth), &[]).await));
    }
    // Two one-time keys for alice this hour (the target cap), then the
    // last-resort path: no one-time key, the last-resort KEM key.
    assert_eq!(got, [(true, one), (true, one), (false, last)]);
    // The pair cap: a fourth fetch of alice by mallory today is refused.
    let before = store.snapshot().unwrap();
    let r = call(&mut c, "GET", &to_alice, Some(&mallory.auth), &[]).await;
    assert_eq!((r.status, r.error_code().as_deref()), (429, Some("rate_limited")));
    assert_eq!(store.snapshot().unwrap(), before, "a refused hand-out consumed nothing");
    // Carol is served, but alice's one-time keys stay protected this hour.
    assert_eq!(fetch(&call(&mut c, "GET", &to_alice, Some(&carol.auth), &[]).await), (false, last));
    // Mallory's burst (4) runs out on bob: one more fetch, then 429.
    assert_eq!(fetch(&call(&mut c, "GET", &to_bob, Some(&mallory.auth), &[]).await), (true, one));
    let r = call(&mut c, "GET", &to_bob, Some(&mallory.auth), &[]).await;
    assert_eq!((r.status, r.error_code().as_deref()), (429, Some("rate_limited")));
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_mailbox_refuses_and_keeps_what_it_has() {
    let store = Arc::new(SqliteStore::in_memory(StoreCaps { max_mailbox: 3, ..StoreCaps::default() }).unwrap());
    let server = Server::start("127.0.0.1:0".parse().unwrap(), store.clone(), Config::default()).await.unwrap();
    let mut c = Client::new(server.addr());
    let alice = register(&mut c).await;
    let bob = register(&mut c).await;
    let mail = format!("/v1/devices/{}/messages", alice.hex);
    for i in 1..=3u8 {
        let r = call(&mut c, "POST", &mail, Some(&bob.auth), &[i]).await;
        assert_eq!(r.status, 201);
    }
    let before = store.snapshot().unwrap();
    let r = call(&mut c, "POST", &mail, Some(&bob.auth), &[4]).await;
    assert_eq!((r.status, r.error_code().as_deref()), (409, Some("full")));
    assert_eq!(store.snapshot().unwrap(), before);
    // Fetch pages in order; ack frees room; sequence numbers keep growing.
    let r = call(&mut c, "GET", &format!("{mail}?after=1&limit=1"), Some(&alice.auth), &[]).await;
    let m = framing::decode_messages(&r.body).unwrap();
    assert_eq!((m.len(), m[0].seq, m[0].body.as_slice()), (1, 2, &[2u8][..]));
    assert_eq!(m[0].sender.to_vec(), hex::decode(&bob.hex).unwrap());
    let r = call(&mut c, "DELETE", &format!("{mail}?up_to=2"), Some(&alice.auth), &[]).await;
    assert_eq!(r.status, 200);
    let r = call(&mut c, "POST", &mail, Some(&bob.auth), &[5]).await;
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["seq"], 4);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_binds_loopback_only() {
    let store = Arc::new(SqliteStore::in_memory(StoreCaps::default()).unwrap());
    let err = Server::start("0.0.0.0:0".parse().unwrap(), store, Config::default()).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_document_batch_is_refused_whole() {
    use vestnik::crypto::sig::SigningKey;
    use vestnik::document::{KeyUsage, TrustAnchor, VerificationPolicy};
    let root = SigningKey::generate(&mut rand::rng());
    let policy = VerificationPolicy::new(vec![TrustAnchor::new(root.verifying_key(), "root", KeyUsage::ALL, 1)]);
    let limits = ServerLimits { max_document_batch: 2, ..ServerLimits::default() };
    let store = Arc::new(SqliteStore::in_memory(StoreCaps::default()).unwrap());
    let config = Config { limits, document_policy: Some(policy) };
    let server = Server::start("127.0.0.1:0".parse().unwrap(), store.clone(), config).await.unwrap();
    let mut c = Client::new(server.addr());
    let bob = register(&mut c).await;
    let garbage: &[u8] = b"not an envelope";
    for (what, body, code) in [
        ("empty", Vec::new(), "bad_batch"),
        ("truncated", vec![0, 0, 0, 9, 1, 2], "bad_batch"),
        ("over the entry cap", framing::encode_document_batch(&[(garbage, None); 3]), "bad_batch"),
        ("an envelope that does not decode", framing::encode_document_batch(&[(garbage, None)]), "bad_envelope"),
    ] {
        let before = store.snapshot().unwrap();
        let r = call(&mut c, "POST", "/v1/documents/verify", Some(&bob.auth), &body).await;
        assert_eq!((r.status, r.error_code().as_deref()), (400, Some(code)), "{what}");
        assert_eq!(store.snapshot().unwrap(), before);
    }
    let r = call(&mut c, "POST", "/v1/documents/verify", None, garbage).await;
    assert_eq!(r.status, 401);
    server.shutdown().await.unwrap();
}
