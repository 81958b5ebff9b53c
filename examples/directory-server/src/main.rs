//! `vestnik-directory-server --db PATH --port PORT [--anchor FILE]... [--status FILE]...`
//!
//! Serves the reference key directory and mailbox on 127.0.0.1:PORT (0: any
//! free port; the bound address is printed as `listening on ADDR`) until
//! Ctrl-C or SIGTERM. `--anchor` adds a trust anchor (`TrustAnchor::to_bytes`)
//! and turns on document batch verification; `--status` adds a status list.

#![forbid(unsafe_code)]

use std::sync::Arc;

use vestnik::document::{StatusList, TrustAnchor, VerificationPolicy};
use vestnik_directory_server::{Config, Server, SqliteStore, StoreCaps};

const USAGE: &str =
    "usage: vestnik-directory-server --db PATH [--port PORT] [--anchor FILE]... [--status FILE]... [--no-fresh-status]";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut db = None;
    let mut port: u16 = 8080;
    let mut anchors = Vec::new();
    let mut statuses = Vec::new();
    let mut fresh_status = true;
    let mut config = Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--db" => db = Some(args.next().ok_or(USAGE)?),
            "--port" => port = args.next().ok_or(USAGE)?.parse()?,
            "--anchor" => anchors.push(TrustAnchor::from_bytes(&std::fs::read(args.next().ok_or(USAGE)?)?)?),
            "--status" => statuses
                .push(StatusList::from_bytes(&std::fs::read(args.next().ok_or(USAGE)?)?, &config.limits.document)?),
            "--no-fresh-status" => fresh_status = false,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}").into()),
        }
    }
    let db = db.ok_or(USAGE)?;
    if !anchors.is_empty() {
        config.document_policy =
            Some(VerificationPolicy::new(anchors).with_status_lists(statuses).with_fresh_status(fresh_status));
    }
    let store = Arc::new(SqliteStore::open(&db, StoreCaps::default())?);
    let server = Server::start(std::net::SocketAddr::from(([127, 0, 0, 1], port)), store, config).await?;
    println!("listening on {} (database {db})", server.addr());
    shutdown_signal().await;
    println!("shutting down");
    server.shutdown().await?;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
