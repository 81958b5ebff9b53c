//! The directory server's throughput on loopback (issue 17): bundle
//! hand-outs per second (each consuming a one-time prekey, in one SQLite
//! transaction, assembled with `PreKeyBundle::assemble`) and mailbox
//! deposits per second, from a few concurrent keep-alive clients.
//!
//! `cargo bench -p vestnik-directory-server --bench throughput` prints
//! `figure directory_bundle_handouts_per_s <v>` and
//! `figure directory_deposits_per_s <v>`. A quick run (a few seconds); set
//! `VESTNIK_BENCH_N` to change the request count per figure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use vestnik::{DeviceIdentity, PreKeyStore};
use vestnik_directory_server::client::Client;
use vestnik_directory_server::{Config, HandoutLimits, Server, ServerLimits, SqliteStore, StoreCaps};

const CLIENTS: usize = 4;
const BATCH: usize = 100;

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

async fn register(c: &mut Client, id: &DeviceIdentity) -> (String, String) {
    let r = c.request("POST", "/v1/devices", None, &id.public().to_fixed_bytes()).await.unwrap();
    assert_eq!(r.status, 201);
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let hex = v["device"].as_str().unwrap().to_owned();
    let auth = format!("{hex}.{}", v["token"].as_str().unwrap());
    (hex, auth)
}

async fn run(n: usize) -> (f64, f64) {
    let db = std::env::temp_dir().join(format!("vestnik-bench-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let store = Arc::new(SqliteStore::open(&db, StoreCaps::default()).unwrap());
    let limits = ServerLimits {
        handouts: HandoutLimits {
            burst: u32::MAX,
            per_hour: u32::MAX,
            pair_fetches: u32::MAX,
            pair_window: Duration::from_secs(86_400),
            target_one_time: u32::MAX,
            target_window: Duration::from_secs(3600),
        },
        ..ServerLimits::default()
    };
    let server =
        Server::start("127.0.0.1:0".parse().unwrap(), store, Config { limits, document_policy: None }).await.unwrap();
    let addr = server.addr();
    let mut c = Client::new(addr);
    let mut rng = rand::rng();

    // The target: a signed prekey, `n` one-time prekeys, some KEM prekeys.
    let target = DeviceIdentity::generate(&mut rng);
    let mut prekeys = PreKeyStore::new(&target, now(), &mut rng);
    let (target_hex, target_auth) = register(&mut c, &target).await;
    let up = format!("/v1/devices/{target_hex}/uploads");
    let r =
        c.request("POST", &up, Some(&target_auth), &prekeys.signed_prekey_upload(&target).to_bytes()).await.unwrap();
    assert_eq!(r.status, 200);
    let mut uploaded = 0;
    while uploaded < n {
        let count = BATCH.min(n - uploaded);
        let b = prekeys.upload_one_time_prekeys(&target, count, now(), &mut rng).unwrap().to_bytes();
        // The device's own store is capped; the bench drops what it uploaded.
        let ids: Vec<u32> = prekeys.one_time_prekeys().iter().map(|k| k.id()).collect();
        prekeys.remove_one_time_prekeys(&ids);
        let r = c.request("POST", &up, Some(&target_auth), &b).await.unwrap();
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        uploaded += count;
    }
    let b = prekeys.upload_kem_prekeys(&target, 10, now(), &mut rng).unwrap().to_bytes();
    assert_eq!(c.request("POST", &up, Some(&target_auth), &b).await.unwrap().status, 200);

    let mut requesters = Vec::new();
    for _ in 0..CLIENTS {
        let id = DeviceIdentity::generate(&mut rng);
        requesters.push(register(&mut c, &id).await);
    }

    // Hand-outs.
    let path = format!("/v1/devices/{target_hex}/bundle");
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (_, auth) in requesters.clone() {
        let path = path.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = Client::new(addr);
            for _ in 0..n / CLIENTS {
                let r = c.request("GET", &path, Some(&auth), &[]).await.unwrap();
                assert_eq!(r.status, 200);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let handouts = (n / CLIENTS * CLIENTS) as f64 / start.elapsed().as_secs_f64();

    // Deposits: each client writes 200-byte ciphertexts to the target's mailbox.
    let mail = format!("/v1/devices/{target_hex}/messages");
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (_, auth) in requesters.clone() {
        let mail = mail.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = Client::new(addr);
            let body = [0x5a; 200];
            for _ in 0..n / CLIENTS {
                let r = c.request("POST", &mail, Some(&auth), &body).await.unwrap();
                assert_eq!(r.status, 201);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let deposits = (n / CLIENTS * CLIENTS) as f64 / start.elapsed().as_secs_f64();
    drop(c);
    server.shutdown().await.unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    (handouts, deposits)
}

fn main() {
    // `cargo test --benches` runs benches with `--test`-like args; a quick
    // run either way.
    let n: usize = std::env::var("VESTNIK_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (handouts, deposits) = rt.block_on(run(n));
    println!("figure directory_bundle_handouts_per_s {handouts:.0}");
    println!("figure directory_deposits_per_s {deposits:.0}");
}
