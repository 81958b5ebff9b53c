//! The vestnik reference key directory and mailbox server (issue 17):
//! axum and tokio on 127.0.0.1, SQLite by default behind the [`Store`]
//! trait. It registers devices, validates their uploads with
//! `vestnik::upload::validate` and stores them in their stored forms, hands
//! out bundles assembled with `PreKeyBundle::assemble` (consuming a one-time
//! prekey and a one-time KEM prekey in the same transaction), stores and
//! forwards opaque ciphertexts per device, and validates signed document
//! envelopes in batches. See `README.md` next to this crate for the
//! endpoints, the schema and what the server is never trusted for.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use vestnik_directory_server::{Config, Server, SqliteStore, StoreCaps};
//! let store = Arc::new(SqliteStore::open("/tmp/vestnik.db", StoreCaps::default())?);
//! let server = Server::start("127.0.0.1:0".parse()?, store, Config::default()).await?;
//! println!("listening on {}", server.addr());
//! server.shutdown().await?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod api;
pub mod client;
mod error;
pub mod framing;
mod keys;
mod ratelimit;
mod sqlite;
mod store;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use error::ApiError;
pub use keys::DocumentVerdict;
pub use ratelimit::HandoutLimits;
pub use sqlite::{SCHEMA, SqliteStore};
pub use store::{
    BundleParts, DeviceId, DeviceRecord, HandedOut, MAX_MAILBOX_MESSAGES, MAX_STORED_KEM_PREKEYS,
    MAX_STORED_KEY_PACKAGES, MAX_STORED_ONE_TIME_PREKEYS, Store, StoreCaps, StoreError, StoredKey, StoredMessage,
};

/// Default cap on a request body (a full KEM batch of 100 is ~130 KB; a
/// document batch may carry documents).
pub const MAX_BODY_LEN: usize = 8 * 1024 * 1024;
/// Default cap on one deposited ciphertext: the crate's largest message.
pub const MAX_DEPOSIT_LEN: usize = vestnik::limits::MAX_MESSAGE_LEN;
/// Default and maximum number of messages one mailbox fetch returns.
pub const MAX_FETCH: usize = 100;
/// Default cap on envelopes in one document batch.
pub const MAX_DOCUMENT_BATCH: usize = 256;
/// Default bundle fetches a requester may burst (SPEC.md §17.7).
pub const HANDOUT_BURST: u32 = 100;
/// Default bundle fetches a requester regains per hour (SPEC.md §17.7).
pub const HANDOUTS_PER_HOUR: u32 = 100;
/// Default fetches one requester may make for one target per day (SPEC.md §17.7).
pub const FETCHES_PER_PAIR_PER_DAY: u32 = 5;
/// Default one-time prekeys handed out per target per hour; past it, bundles
/// go out without one (SPEC.md §17.7).
pub const ONE_TIME_PER_TARGET_PER_HOUR: u32 = 50;

/// The server's limits; every one a named default above.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// Largest request body.
    pub max_body_len: usize,
    /// Largest deposited ciphertext.
    pub max_deposit_len: usize,
    /// Most messages one fetch returns.
    pub max_fetch: usize,
    /// Most envelopes in one document batch.
    pub max_document_batch: usize,
    /// Hand-out rate limits (Prekey Pogo).
    pub handouts: HandoutLimits,
    /// What `vestnik::upload::validate` accepts.
    pub upload: vestnik::upload::UploadLimits,
    /// What envelopes may carry.
    pub document: vestnik::document::DocumentLimits,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_body_len: MAX_BODY_LEN,
            max_deposit_len: MAX_DEPOSIT_LEN,
            max_fetch: MAX_FETCH,
            max_document_batch: MAX_DOCUMENT_BATCH,
            handouts: HandoutLimits {
                burst: HANDOUT_BURST,
                per_hour: HANDOUTS_PER_HOUR,
                pair_fetches: FETCHES_PER_PAIR_PER_DAY,
                pair_window: Duration::from_secs(86_400),
                target_one_time: ONE_TIME_PER_TARGET_PER_HOUR,
                target_window: Duration::from_secs(3600),
            },
            upload: vestnik::upload::UploadLimits::default(),
            document: vestnik::document::DocumentLimits::default(),
        }
    }
}

/// How the server runs.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Its limits.
    pub limits: ServerLimits,
    /// The policy document batches are verified under (trust anchors,
    /// status lists); `None` turns the endpoint off (`documents_disabled`).
    pub document_policy: Option<vestnik::document::VerificationPolicy>,
}

/// Shared by every handler.
pub(crate) struct AppState {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) config: Config,
    /// One chain cache for every document worker.
    pub(crate) chains: Arc<vestnik::document::ChainCache>,
    pub(crate) rate: Mutex<ratelimit::RateLimiter>,
}

/// The router over a store (for embedding in a larger axum app).
pub fn router(store: Arc<dyn Store>, config: Config) -> axum::Router {
    let state = Arc::new(AppState {
        store,
        config,
        chains: Arc::new(vestnik::document::ChainCache::new()),
        rate: Mutex::new(ratelimit::RateLimiter::default()),
    });
    api::routes(state)
}

/// Serves on `listener` until `shutdown` resolves, then finishes the
/// requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(store, config)).with_graceful_shutdown(shutdown).await
}

/// A running server with a graceful-shutdown handle.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Binds `addr` (port 0: any free port) and serves in a background task.
    /// Only loopback addresses are accepted: this is a reference server.
    pub async fn start(addr: SocketAddr, store: Arc<dyn Store>, config: Config) -> std::io::Result<Self> {
        if !addr.ip().is_loopback() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the reference server binds loopback addresses only",
            ));
        }
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, store, config, async move {
            let _ = stopped.await;
        }));
        Ok(Self { addr, stop, task })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, finishes requests in flight and returns.
    pub async fn shutdown(self) -> std::io::Result<()> {
        let _ = self.stop.send(());
        self.task.await.map_err(std::io::Error::other)?
    }
}
