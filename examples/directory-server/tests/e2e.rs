//! End to end: the reference directory server on a loopback port, several
//! devices (alice, bob, carol) through registration, uploads, bundles, a 1:1
//! conversation in Russian and Tatar relayed through the mailboxes, a
//! sender-key group, a signed-document batch, a server restart on the same
//! SQLite file with the conversation continuing, and a shutdown. Every loop
//! is bounded and the whole run sits under a timeout, so it exits by itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use vestnik::crypto::sig::SigningKey;
use vestnik::document::*;
use vestnik::group::GroupSession;
use vestnik::mls::{MlsKeyPackageStore, MlsLimits, MlsSuite};
use vestnik::{ContentType, DeviceIdentity, IdentityPublic, PeerSessions, PreKeyBundle, PreKeyStore};
use vestnik_directory_server::client::{Client, Response};
use vestnik_directory_server::framing;
use vestnik_directory_server::{Config, DocumentVerdict, HandedOut, Server, SqliteStore, StoreCaps};

/// The whole scenario's bound.
const TIMEOUT: Duration = Duration::from_secs(240);
/// Mailbox pump rounds before giving up.
const MAX_ROUNDS: usize = 20;

/// Mailbox framing of the app (the server never looks inside): one tag byte.
const TAG_SESSION: u8 = 1;
const TAG_GROUP: u8 = 2;

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn temp_db(name: &str) -> PathBuf {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    std::env::temp_dir().join(format!("vestnik-e2e-{name}-{}-{nanos}.db", std::process::id()))
}

fn key(p: &IdentityPublic) -> [u8; 32] {
    *p.signing_key().as_bytes()
}

struct Device {
    name: &'static str,
    id: DeviceIdentity,
    prekeys: PreKeyStore,
    hex: String,
    auth: String,
    sessions: BTreeMap<[u8; 32], PeerSessions>,
    group: Option<GroupSession>,
    inbox: Vec<(&'static str, String)>,
}

async fn call(c: &mut Client, method: &str, path: &str, auth: Option<&str>, body: &[u8]) -> Response {
    tokio::time::timeout(Duration::from_secs(30), c.request(method, path, auth, body))
        .await
        .expect("request timed out")
        .expect("request failed")
}

fn json(r: &Response) -> serde_json::Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|_| panic!("not JSON: {:?}", String::from_utf8_lossy(&r.body)))
}

impl Device {
    async fn register(c: &mut Client, name: &'static str) -> Self {
        let mut rng = rand::rng();
        let id = DeviceIdentity::generate(&mut rng);
        let prekeys = PreKeyStore::new(&id, now(), &mut rng);
        let r = call(c, "POST", "/v1/devices", None, &id.public().to_fixed_bytes()).await;
        assert_eq!(r.status, 201, "{name} registers: {:?}", r.error_code());
        let v = json(&r);
        let hex = v["device"].as_str().unwrap().to_owned();
        assert_eq!(hex, hex::encode(key(&id.public())));
        let auth = format!("{hex}.{}", v["token"].as_str().unwrap());
        Self { name, id, prekeys, hex, auth, sessions: BTreeMap::new(), group: None, inbox: Vec::new() }
    }

    async fn upload(&self, c: &mut Client, bytes: &[u8]) -> serde_json::Value {
        let r = call(c, "POST", &format!("/v1/devices/{}/uploads", self.hex), Some(&self.auth), bytes).await;
        assert_eq!(r.status, 200, "{} upload: {:?}", self.name, String::from_utf8_lossy(&r.body));
        json(&r)
    }

    /// The device's first uploads: signed prekey, one-time and KEM batches.
    async fn publish(&mut self, c: &mut Client, one_time: usize, kem: usize) {
        let mut rng = rand::rng();
        let signed = self.prekeys.signed_prekey_upload(&self.id).to_bytes();
        assert_eq!(self.upload(c, &signed).await["stored"], "signed_prekey");
        let batch = self.prekeys.upload_one_time_prekeys(&self.id, one_time, now(), &mut rng).unwrap().to_bytes();
        let v = self.upload(c, &batch).await;
        assert_eq!((v["stored"].as_str(), v["count"].as_u64()), (Some("one_time_prekeys"), Some(one_time as u64)));
        let batch = self.prekeys.upload_kem_prekeys(&self.id, kem, now(), &mut rng).unwrap().to_bytes();
        assert_eq!(self.upload(c, &batch).await["stored"], "kem_prekeys");
    }

    async fn bundle_of(&self, c: &mut Client, other: &Device) -> PreKeyBundle {
        let r = call(c, "GET", &format!("/v1/devices/{}/bundle", other.hex), Some(&self.auth), &[]).await;
        assert_eq!(r.status, 200, "{} fetches {}'s bundle: {:?}", self.name, other.name, r.error_code());
        // The client verifies what the server assembled: it is trusted for nothing.
        PreKeyBundle::from_bytes(&r.body).unwrap()
    }

    async fn send(&mut self, c: &mut Client, to: &Device, kind: ContentType, plaintext: &[u8]) {
        let wire =
            self.sessions.get_mut(&key(&to.id.public())).unwrap().encrypt_typed(kind, plaintext, &mut rand::rng());
        let mut body = vec![TAG_SESSION];
        body.extend_from_slice(&wire.unwrap());
        deposit(c, self, &to.hex, &body).await;
    }
}

async fn deposit(c: &mut Client, from: &Device, to_hex: &str, body: &[u8]) -> u64 {
    let r = call(c, "POST", &format!("/v1/devices/{to_hex}/messages"), Some(&from.auth), body).await;
    assert_eq!(r.status, 201, "{} deposits: {:?}", from.name, r.error_code());
    json(&r)["seq"].as_u64().unwrap()
}

/// Starts a 1:1 session from `a` to `b` through the directory: a fetches b's
/// bundle, and sends a first message.
async fn connect(c: &mut Client, devices: &mut [Device], a: usize, b: usize, hello: &str) {
    let bundle = devices[a].bundle_of(c, &devices[b]).await;
    assert!(bundle.is_post_quantum(), "the directory hands out a KEM prekey");
    let mut s = PeerSessions::new(bundle.identity());
    s.initiate(&devices[a].id, &bundle, now(), &mut rand::rng()).unwrap();
    devices[a].sessions.insert(key(&bundle.identity()), s);
    let (da, db) = pair(devices, a, b);
    da.send(c, db, ContentType::Application, hello.as_bytes()).await;
}

fn pair(devices: &mut [Device], a: usize, b: usize) -> (&mut Device, &mut Device) {
    assert_ne!(a, b);
    if a < b {
        let (x, y) = devices.split_at_mut(b);
        (&mut x[a], &mut y[0])
    } else {
        let (x, y) = devices.split_at_mut(a);
        (&mut y[0], &mut x[b])
    }
}

/// Every device reads its mailbox and handles what it finds (answering
/// sender-key plans over its 1:1 sessions) until all mailboxes are empty.
async fn pump(c: &mut Client, devices: &mut [Device]) -> usize {
    let names: Vec<(&'static str, [u8; 32], String)> =
        devices.iter().map(|d| (d.name, key(&d.id.public()), d.hex.clone())).collect();
    let mut handled = 0;
    for _ in 0..MAX_ROUNDS {
        let mut round = 0;
        for d in devices.iter_mut() {
            let r = call(c, "GET", &format!("/v1/devices/{}/messages?after=0", d.hex), Some(&d.auth), &[]).await;
            assert_eq!(r.status, 200);
            let messages = framing::decode_messages(&r.body).unwrap();
            let mut outgoing: Vec<([u8; 32], Vec<u8>)> = Vec::new();
            for m in &messages {
                let from = names.iter().find(|n| n.1 == m.sender).expect("a known sender").0;
                let (tag, body) = m.body.split_first().unwrap();
                match *tag {
                    TAG_SESSION => {
                        let session = d.sessions.entry(m.sender).or_insert_with(|| {
                            let claimed = PeerSessions::claimed_sender(body).unwrap().expect("a first message");
                            assert_eq!(key(&claimed), m.sender, "the server's sender matches the message's");
                            PeerSessions::new(claimed)
                        });
                        let got = session.decrypt(&d.id, &mut d.prekeys, body, now()).unwrap();
                        match got.content_type() {
                            ContentType::SenderKeyDistribution => {
                                let plan = match d.group.as_mut() {
                                    Some(g) => g.receive(&got, now(), &mut rand::rng()).unwrap(),
                                    None => {
                                        let (g, plan) =
                                            GroupSession::join(&d.id, &got, false, &mut rand::rng()).unwrap();
                                        d.group = Some(g);
                                        plan
                                    }
                                };
                                for s in plan.sends() {
                                    for r in s.recipients() {
                                        let wire = d
                                            .sessions
                                            .get_mut(&key(r))
                                            .expect("a 1:1 session with every member")
                                            .encrypt_typed(
                                                ContentType::SenderKeyDistribution,
                                                s.payload(),
                                                &mut rand::rng(),
                                            )
                                            .unwrap();
                                        let mut out = vec![TAG_SESSION];
                                        out.extend_from_slice(&wire);
                                        outgoing.push((key(r), out));
                                    }
                                }
                            }
                            _ => d.inbox.push((from, String::from_utf8(got.plaintext().to_vec()).unwrap())),
                        }
                    }
                    TAG_GROUP => {
                        let got = d.group.as_mut().expect("in the group").decrypt(body, now()).unwrap();
                        d.inbox
                            .push((from, format!("[group] {}", String::from_utf8(got.plaintext().to_vec()).unwrap())));
                    }
                    other => panic!("unknown tag {other}"),
                }
            }
            if let Some(last) = messages.last() {
                let r = call(
                    c,
                    "DELETE",
                    &format!("/v1/devices/{}/messages?up_to={}", d.hex, last.seq),
                    Some(&d.auth),
                    &[],
                )
                .await;
                assert_eq!(json(&r)["deleted"].as_u64(), Some(messages.len() as u64));
            }
            round += messages.len();
            for (to, body) in outgoing {
                let to_hex = names.iter().find(|n| n.1 == to).unwrap().2.clone();
                deposit(c, d, &to_hex, &body).await;
            }
        }
        handled += round;
        if round == 0 {
            return handled;
        }
    }
    panic!("mailboxes did not drain in {MAX_ROUNDS} rounds");
}

fn take_inbox(d: &mut Device) -> Vec<(&'static str, String)> {
    std::mem::take(&mut d.inbox)
}

/// The PKI of the signed-document step: a root (the server's trust anchor),
/// a signer certified by it, and a status list.
struct Pki {
    root: SigningKey,
    anchor: TrustAnchor,
    signer: SigningKey,
    cert: Certificate,
    status: StatusList,
}

fn pki() -> Pki {
    pki_with(SigningKey::generate(&mut rand::rng()))
}

fn pki_with(root: SigningKey) -> Pki {
    let mut rng = rand::rng();
    let t = now();
    let anchor = TrustAnchor::new(root.verifying_key(), "Министерство образования", KeyUsage::ALL, 1);
    let signer = SigningKey::generate(&mut rng);
    let cert = Certificate::issue(
        &root,
        &CertificateRequest {
            subject_key: signer.verifying_key(),
            subject_id: "school-57".into(),
            display_name: "Школа № 57".into(),
            role: Role::Organisation,
            usage: KeyUsage::DOCUMENT_SIGNING,
            not_before: t - 86_400,
            not_after: t + 86_400 * 365,
            path_len: 0,
            serial: 1,
            credential_types: vec![],
        },
    )
    .unwrap();
    let status =
        StatusList::issue(&root, StatusType::Certificates, t - 60, t + 86_400, 16, &[], &DocumentLimits::default())
            .unwrap();
    Pki { root, anchor, signer, cert, status }
}

fn config(pki: &Pki) -> Config {
    Config {
        document_policy: Some(
            VerificationPolicy::new(vec![pki.anchor.clone()]).with_status_lists(vec![pki.status.clone()]),
        ),
        ..Config::default()
    }
}

async fn start(db: &PathBuf, pki: &Pki) -> (Server, SocketAddr) {
    let store = Arc::new(SqliteStore::open(db, StoreCaps::default()).unwrap());
    let server = Server::start("127.0.0.1:0".parse().unwrap(), store, config(pki)).await.unwrap();
    let addr = server.addr();
    (server, addr)
}

async fn scenario() {
    let db = temp_db("scenario");
    let pki = pki();
    let (server, addr) = start(&db, &pki).await;
    let mut c = Client::new(addr);
    assert_eq!(call(&mut c, "GET", "/v1/health", None, &[]).await.body, b"ok");

    // 1. Registration and uploads.
    let mut devices = vec![
        Device::register(&mut c, "alice").await,
        Device::register(&mut c, "bob").await,
        Device::register(&mut c, "carol").await,
    ];
    for d in devices.iter_mut() {
        d.publish(&mut c, 10, 5).await;
    }
    const ALICE: usize = 0;
    const BOB: usize = 1;
    const CAROL: usize = 2;

    // 2. A 1:1 conversation in Russian and Tatar through the mailboxes.
    connect(&mut c, &mut devices, BOB, ALICE, "Привет, как дела?").await;
    pump(&mut c, &mut devices).await;
    assert_eq!(take_inbox(&mut devices[ALICE]), [("bob", "Привет, как дела?".to_owned())]);
    {
        let (a, b) = pair(&mut devices, ALICE, BOB);
        a.send(&mut c, b, ContentType::Application, "Исәнме! Хәлләр ничек?".as_bytes()).await;
    }
    pump(&mut c, &mut devices).await;
    assert_eq!(take_inbox(&mut devices[BOB]), [("alice", "Исәнме! Хәлләр ничек?".to_owned())]);

    // The directory tells alice which prekeys it handed out; her store has
    // already used them, so pruning by id removes nothing more.
    let r = call(
        &mut c,
        "POST",
        &format!("/v1/devices/{}/handed-out", devices[ALICE].hex),
        Some(&devices[ALICE].auth),
        &[],
    )
    .await;
    let report: HandedOut = serde_json::from_slice(&r.body).unwrap();
    assert_eq!((report.one_time.len(), report.kem.len()), (1, 1));
    assert_eq!((report.one_time_remaining, report.kem_remaining, report.has_last_resort_kem), (9, 4, true));
    assert_eq!(devices[ALICE].prekeys.one_time_prekeys_remaining(), 9);
    assert_eq!(devices[ALICE].prekeys.remove_one_time_prekeys(&report.one_time), 0);
    // Asked again: nothing new was handed out.
    let r = call(
        &mut c,
        "POST",
        &format!("/v1/devices/{}/handed-out", devices[ALICE].hex),
        Some(&devices[ALICE].auth),
        &[],
    )
    .await;
    let again: HandedOut = serde_json::from_slice(&r.body).unwrap();
    assert!(again.one_time.is_empty() && again.kem.is_empty());

    // 3. Sessions for the group: carol with alice and with bob.
    connect(&mut c, &mut devices, CAROL, ALICE, "Сәлам, Алиса!").await;
    connect(&mut c, &mut devices, CAROL, BOB, "Привет, Боб!").await;
    pump(&mut c, &mut devices).await;
    assert_eq!(take_inbox(&mut devices[ALICE]), [("carol", "Сәлам, Алиса!".to_owned())]);
    assert_eq!(take_inbox(&mut devices[BOB]), [("carol", "Привет, Боб!".to_owned())]);

    // MLS KeyPackages: carol uploads two (a re-upload is refused), bob takes
    // one, exactly as uploaded, and each is handed out once.
    let mut kp_store = MlsKeyPackageStore::new(MlsLimits::default());
    let kps: Vec<Vec<u8>> = (0..2)
        .map(|_| {
            kp_store
                .generate(&devices[CAROL].id, MlsSuite::default(), now(), false, &mut rand::rng())
                .unwrap()
                .to_bytes()
        })
        .collect();
    for kp in &kps {
        assert_eq!(devices[CAROL].upload(&mut c, kp).await["stored"], "mls_key_package");
    }
    let r = call(
        &mut c,
        "POST",
        &format!("/v1/devices/{}/uploads", devices[CAROL].hex),
        Some(&devices[CAROL].auth),
        &kps[0],
    )
    .await;
    assert_eq!((r.status, r.error_code().as_deref()), (409, Some("duplicate_key_package")));
    // Bob cannot upload carol's KeyPackage as his own.
    let r =
        call(&mut c, "POST", &format!("/v1/devices/{}/uploads", devices[BOB].hex), Some(&devices[BOB].auth), &kps[0])
            .await;
    assert_eq!((r.status, r.error_code().as_deref()), (422, Some("invalid_upload")));
    let path = format!("/v1/devices/{}/key-package", devices[CAROL].hex);
    let mut taken = Vec::new();
    for _ in 0..2 {
        let r = call(&mut c, "GET", &path, Some(&devices[BOB].auth), &[]).await;
        assert_eq!(r.status, 200);
        taken.push(r.body);
    }
    taken.sort();
    let mut sorted = kps.clone();
    sorted.sort();
    assert_eq!(taken, sorted);
    let r = call(&mut c, "GET", &path, Some(&devices[BOB].auth), &[]).await;
    assert_eq!((r.status, r.error_code().as_deref()), (404, Some("no_key_package")));

    // 4. A sender-key group: the roster and sender keys go over the 1:1
    // sessions (through the mailboxes), group messages through the mailboxes.
    let members = [devices[BOB].id.public(), devices[CAROL].id.public()];
    let (group, plan) =
        GroupSession::create("7Б".as_bytes(), &devices[ALICE].id, &members, false, &mut rand::rng()).unwrap();
    devices[ALICE].group = Some(group);
    for s in plan.sends() {
        for r in s.recipients() {
            let to = devices.iter().position(|d| d.id.public() == *r).unwrap();
            let (a, b) = pair(&mut devices, ALICE, to);
            a.send(&mut c, b, ContentType::SenderKeyDistribution, s.payload()).await;
        }
    }
    let handled = pump(&mut c, &mut devices).await;
    assert!(handled >= 4, "roster and sender keys reached everyone ({handled} messages)");
    assert!(devices.iter().all(|d| d.group.is_some()));
    group_round(&mut c, &mut devices, ALICE, "Завтра контрольная по алгебре.").await;
    group_round(&mut c, &mut devices, CAROL, "Яхшы, әзерләнербез!").await;

    // 5. A signed-document batch: three good envelopes and one signed by a
    // key the certificate does not name.
    let t = now();
    let limits = DocumentLimits::default();
    let mut envelopes = Vec::new();
    for (i, text) in ["Справка № 1", "Белешмә № 2", "Справка № 3"].iter().enumerate() {
        let mut e = Envelope::new("text/plain", text.as_bytes(), true, &limits).unwrap();
        e.sign(&pki.signer, &pki.cert, Commitment::Approved, t - 10 - i as u64).unwrap();
        envelopes.push(e.to_bytes());
    }
    // The forger's certificate comes from a root the server does not trust.
    let forger = pki_with(SigningKey::generate(&mut rand::rng()));
    let mut forged = Envelope::new("text/plain", "Поддельная справка".as_bytes(), true, &limits).unwrap();
    forged.sign(&forger.signer, &forger.cert, Commitment::Approved, t - 10).unwrap();
    envelopes.push(forged.to_bytes());
    let entries: Vec<(&[u8], Option<&[u8]>)> = envelopes.iter().map(|e| (e.as_slice(), None)).collect();
    let r = call(
        &mut c,
        "POST",
        "/v1/documents/verify",
        Some(&devices[BOB].auth),
        &framing::encode_document_batch(&entries),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", String::from_utf8_lossy(&r.body));
    let verdicts: Vec<DocumentVerdict> = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(verdicts.iter().map(|v| v.accepted).collect::<Vec<_>>(), [true, true, true, false]);
    let _ = &pki.root;

    // 6. Bob writes while alice is offline; the server restarts on the same
    // SQLite file; the message waits, and the conversation continues.
    {
        let (b, a) = pair(&mut devices, BOB, ALICE);
        b.send(&mut c, a, ContentType::Application, "Ты дома? Я зайду вечером.".as_bytes()).await;
    }
    drop(c);
    tokio::time::timeout(Duration::from_secs(30), server.shutdown()).await.unwrap().unwrap();
    let (server, addr) = start(&db, &pki).await;
    let mut c = Client::new(addr);
    // Registrations, tokens and prekeys survived: carol's bundle still has
    // one-time keys and a KEM prekey.
    pump(&mut c, &mut devices).await;
    assert_eq!(take_inbox(&mut devices[ALICE]), [("bob", "Ты дома? Я зайду вечером.".to_owned())]);
    {
        let (a, b) = pair(&mut devices, ALICE, BOB);
        a.send(&mut c, b, ContentType::Application, "Әйе, көтәм! Рәхмәт.".as_bytes()).await;
    }
    pump(&mut c, &mut devices).await;
    assert_eq!(take_inbox(&mut devices[BOB]), [("alice", "Әйе, көтәм! Рәхмәт.".to_owned())]);
    group_round(&mut c, &mut devices, BOB, "После перезапуска всё работает.").await;
    let bundle = devices[ALICE].bundle_of(&mut c, &devices[CAROL]).await;
    assert!(bundle.one_time_prekey().is_some() && bundle.is_post_quantum());

    drop(c);
    tokio::time::timeout(Duration::from_secs(30), server.shutdown()).await.unwrap().unwrap();
    let _ = std::fs::remove_file(&db);
}

/// One group message from `from`, deposited in every other member's mailbox.
async fn group_round(c: &mut Client, devices: &mut [Device], from: usize, text: &str) {
    let wire = devices[from].group.as_mut().unwrap().encrypt(text.as_bytes()).unwrap();
    let mut body = vec![TAG_GROUP];
    body.extend_from_slice(&wire);
    for to in 0..devices.len() {
        if to != from {
            let hex = devices[to].hex.clone();
            deposit(c, &devices[from], &hex, &body).await;
        }
    }
    pump(c, devices).await;
    let name = devices[from].name;
    for (i, d) in devices.iter_mut().enumerate() {
        if i != from {
            assert_eq!(take_inbox(d), [(name, format!("[group] {text}"))], "{} reads the group", d.name);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_talk_through_the_directory_across_a_restart() {
    tokio::time::timeout(TIMEOUT, scenario()).await.expect("the scenario finished in time");
}
