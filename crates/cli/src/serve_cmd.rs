//! `docscreen serve`: the HTTP service and the officers' web page
//! (`docscreen-service`) on a socket, with graceful shutdown on Ctrl-C and
//! SIGTERM. On first start (no key in the data directory) it creates an
//! admin key and prints it with the URL, so that the README's one command
//! gives a working page.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, ValueEnum};
use docscreen_service::{AppState, Role, ServiceConfig, Store, StoreConfig};

use crate::Failure;
use crate::screen_cmd::ScreenOptions;

/// What happens to scan bytes after screening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Retention {
    /// Keep them (under DATA/scans) until the case is deleted: evidence
    /// images can be drawn.
    Keep,
    /// Keep no scan: only reports, hashes and the audit log are stored (no
    /// evidence images).
    None,
}

/// Serve the API and the web page.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on (keep it on loopback unless a TLS proxy is in
    /// front).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    addr: SocketAddr,
    /// Data directory: the case database, keys, audit log and kept scans.
    #[arg(long, default_value = "docscreen-data", value_name = "DIR")]
    data: PathBuf,
    /// What to do with scan bytes after screening.
    #[arg(long, value_enum, default_value = "keep")]
    retention: Retention,
    /// Scans screened at once (default: the number of cores).
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Scans waiting for a worker before requests are refused (503).
    #[arg(long, default_value_t = 32, value_name = "N")]
    queue: usize,
    #[command(flatten)]
    options: ScreenOptions,
}

pub(crate) fn run(args: &ServeArgs) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::io(e.into()))?;
    runtime.block_on(serve(args))
}

async fn serve(args: &ServeArgs) -> Result<(), Failure> {
    let store = Store::open(&StoreConfig::local(
        &args.data,
        args.retention == Retention::Keep,
    ))
    .await
    .with_context(|| format!("cannot open the data directory {}", args.data.display()))
    .map_err(Failure::usage)?;
    let mut config = ServiceConfig {
        queue: args.queue,
        ..ServiceConfig::default()
    };
    if let Some(w) = args.workers {
        config.workers = w.max(1);
    }
    // One ONNX session per worker, one inference thread each: the workers
    // are the parallelism.
    let screener = args.options.screener(1, config.worker_count())?;
    config.screening = screener.config().clone();
    let state = AppState::with_screener(config, store.clone(), Arc::new(screener));
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))
        .map_err(Failure::usage)?;
    let addr = listener.local_addr().map_err(|e| Failure::io(e.into()))?;
    let first_key = if store
        .keys()
        .await
        .map_err(|e| Failure::io(e.into()))?
        .is_empty()
    {
        let (_, key) =
            docscreen_service::create_key(&store, Role::Admin, "first admin key (serve)")
                .await
                .map_err(Failure::io)?;
        store
            .audit("cli", "key.add", "first admin key", "local")
            .await
            .map_err(|e| Failure::io(e.into()))?;
        Some(key)
    } else {
        None
    };
    let mut text = format!(
        "docscreen serving on http://{addr}/ (data: {}, {} workers; Ctrl-C stops)\n",
        args.data.display(),
        state.config().worker_count()
    );
    if let Some(key) = first_key {
        text.push_str(
            "first start: an admin key was created; paste it into the page (shown once):\n",
        );
        text.push_str(&key);
        text.push('\n');
    } else {
        text.push_str("keys: docscreen keys add --role officer --data ");
        text.push_str(&args.data.display().to_string());
        text.push('\n');
    }
    crate::out(&text)?;
    docscreen_service::run(state, listener, docscreen_service::shutdown_signal())
        .await
        .map_err(Failure::io)?;
    crate::out("docscreen stopped\n")
}
