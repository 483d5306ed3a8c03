//! The docscreen HTTP service and the officers' web page (`docscreen serve`).
//!
//! [`app`] builds the axum [`Router`] from an [`AppState`]: the JSON API
//! under `/v1/`, health and readiness probes, Prometheus metrics, the
//! OpenAPI document generated from the handlers, and the web page (served
//! from the binary, no external assets). [`run`] serves it on a socket with
//! graceful shutdown.
//!
//! *Architecture Invariant*: only this crate knows HTTP. Screening never
//! runs on tokio worker threads: every scan goes through the bounded
//! [`pool::ScreeningPool`] (admission queue → worker permit →
//! `spawn_blocking`), which sheds load with `503` + `Retry-After` when full.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use docscreen_service::{AppState, ServiceConfig, Store, StoreConfig};
//! let store = Store::open(&StoreConfig::local("data".as_ref(), true)).await?;
//! let state = AppState::new(ServiceConfig::default(), store)?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! docscreen_service::run(state, listener, std::future::pending()).await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
// Product names (OpenAPI, SQLite, PostgreSQL) read better without backticks.
#![allow(clippy::doc_markdown)]

mod api;
pub mod auth;
mod error;
mod metrics;
mod page;
pub mod pool;
pub mod store;
mod templates;
mod time;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use docscreen_screen::{Screener, ScreeningConfig};

pub use api::ApiDoc;
pub use auth::{Caller, Role};
pub use error::{AppError, PROBLEM_JSON, Problem};
pub use store::{Store, StoreConfig, StoreError};

/// Everything the service is built from; plain data with defaults.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The screening pipeline's configuration (templates, limits…).
    pub screening: ScreeningConfig,
    /// Scans screened at once (CPU workers); the number of cores when 0.
    pub workers: usize,
    /// Scans admitted but waiting for a worker; beyond it requests are
    /// shed with `503` + `Retry-After`.
    pub queue: usize,
    /// Largest request body of `POST /v1/screenings`, bytes (all files).
    pub max_upload: usize,
    /// Most files in one request.
    pub max_files: usize,
    /// Uploads larger than this (all files) are answered `202 Accepted`
    /// with a `Location` and screened in the background; so is any upload
    /// sent with `Prefer: respond-async`.
    pub async_threshold: usize,
    /// Time limit of one request (a synchronous screening included).
    pub request_timeout: Duration,
    /// How long shutdown waits for screenings in flight before recording
    /// them as failed.
    pub shutdown_grace: Duration,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        let screening = ScreeningConfig::default();
        Self {
            max_upload: screening.limits.max_bytes.saturating_mul(2),
            screening,
            workers: 0,
            queue: 32,
            max_files: 16,
            async_threshold: 16 << 20,
            request_timeout: Duration::from_mins(1),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

impl ServiceConfig {
    /// The number of CPU workers this configuration asks for.
    #[must_use]
    pub fn worker_count(&self) -> usize {
        if self.workers == 0 {
            std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
        } else {
            self.workers
        }
    }
}

/// The shared state of every request: cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ServiceConfig,
    store: Store,
    pool: pool::ScreeningPool,
    metrics: metrics::Metrics,
    shutting_down: AtomicBool,
}

impl AppState {
    /// Builds the screener (once) and the screening pool.
    ///
    /// # Errors
    /// The screener could not be built (ONNX Runtime missing, templates
    /// folder unusable…).
    pub fn new(config: ServiceConfig, store: Store) -> anyhow::Result<Self> {
        let workers = config.worker_count();
        let mut screening = config.screening.clone();
        screening.parallel_scans = workers;
        screening.inference_threads = screening.inference_threads.max(1);
        let screener = Screener::new(screening)?;
        Ok(Self::with_screener(config, store, Arc::new(screener)))
    }

    /// The same with a screener built elsewhere (tests share one).
    #[must_use]
    pub fn with_screener(config: ServiceConfig, store: Store, screener: Arc<Screener>) -> Self {
        let workers = config.worker_count();
        let pool = pool::ScreeningPool::new(screener, workers, config.queue);
        Self {
            inner: Arc::new(Inner {
                config,
                store,
                pool,
                metrics: metrics::Metrics::default(),
                shutting_down: AtomicBool::new(false),
            }),
        }
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }

    pub(crate) fn pool(&self) -> &pool::ScreeningPool {
        &self.inner.pool
    }

    pub(crate) fn metrics(&self) -> &metrics::Metrics {
        &self.inner.metrics
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        self.inner.shutting_down.load(Ordering::Relaxed)
    }

    /// Stops admitting screenings, waits up to the grace period for those in
    /// flight, and records what is left as failed. Called by [`run`] after
    /// the listener stopped; call it yourself when serving another way.
    ///
    /// # Errors
    /// The store could not record the unfinished cases.
    pub async fn drain(&self) -> Result<(), StoreError> {
        self.inner.shutting_down.store(true, Ordering::Relaxed);
        let left = self.pool().drain(self.config().shutdown_grace).await;
        if left > 0 {
            tracing::warn!(
                left,
                "shutdown grace over: screenings in flight recorded as failed"
            );
        }
        let failed = self
            .store()
            .fail_pending("the service stopped before this screening finished: send it again")
            .await?;
        if failed > 0 {
            tracing::warn!(
                failed,
                "cases left pending at shutdown were recorded as failed"
            );
        }
        Ok(())
    }
}

/// Creates and stores a key with `role`; returns its id and the key text
/// (shown once, never stored).
///
/// # Errors
/// The random source or the store failed.
pub async fn create_key(
    store: &Store,
    role: Role,
    label: &str,
) -> anyhow::Result<(String, String)> {
    let (id, key, hash) = auth::generate_key()?;
    store
        .add_key(&store::KeyRecord {
            id: id.clone(),
            role,
            label: label.to_owned(),
            hash,
            created_at: time::now(),
            revoked_at: None,
        })
        .await?;
    Ok((id, key))
}

/// The whole service as one router (tested with `oneshot`, served by
/// [`run`]).
pub fn app(state: AppState) -> Router {
    api::router(state)
}

/// Serves `state` on `listener` until `shutdown` resolves, then finishes
/// the requests in flight, drains the screening pool (see
/// [`AppState::drain`]) and returns.
///
/// # Errors
/// The socket failed, or the store could not record unfinished cases.
pub async fn run(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let failed = state
        .store()
        .fail_pending("the service stopped before this screening finished: send it again")
        .await?;
    if failed > 0 {
        tracing::warn!(
            failed,
            "cases left pending by an earlier run were recorded as failed"
        );
    }
    let router = app(state.clone());
    let flag = state.clone();
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        flag.inner.shutting_down.store(true, Ordering::Relaxed);
        tracing::info!("shutting down: finishing requests in flight");
    })
    .await?;
    state.drain().await?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM (the signal `docscreen serve` stops on).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
