//! The screening pool: a bounded admission queue in front of a fixed number
//! of CPU workers. Screening (decode, ONNX inference) runs on
//! `spawn_blocking` threads under a worker permit, never on tokio workers.
//!
//! A request first takes one admission slot per file without waiting
//! ([`ScreeningPool::admit`]); when there are none left it is shed with
//! `503` + `Retry-After`. Admitted jobs then wait for a worker permit.
//! Jobs run as their own tasks, tracked so that shutdown can wait for them
//! ([`ScreeningPool::drain`]); a client that goes away does not cancel the
//! screening of what it sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use docscreen_screen::{Report, Screener};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

/// Workers, queue and the screener.
#[derive(Debug)]
pub struct ScreeningPool {
    screener: Arc<Screener>,
    workers: Arc<Semaphore>,
    admission: Arc<Semaphore>,
    capacity: usize,
    worker_count: usize,
    in_flight: Arc<InFlight>,
}

#[derive(Debug, Default)]
struct InFlight {
    count: AtomicUsize,
    idle: Notify,
}

/// A job's place in the queue; released when the job ends.
#[derive(Debug)]
pub struct Admission {
    _permit: OwnedSemaphorePermit,
    _tracked: Tracked,
}

#[derive(Debug)]
struct Tracked(Arc<InFlight>);

impl Drop for Tracked {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl ScreeningPool {
    /// `workers` scans at once; `queue` more waiting.
    #[must_use]
    pub fn new(screener: Arc<Screener>, workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        let capacity = workers + queue;
        Self {
            screener,
            workers: Arc::new(Semaphore::new(workers)),
            admission: Arc::new(Semaphore::new(capacity)),
            capacity,
            worker_count: workers,
            in_flight: Arc::default(),
        }
    }

    /// The screener.
    #[must_use]
    pub fn screener(&self) -> &Arc<Screener> {
        &self.screener
    }

    /// Jobs admitted and not finished.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.capacity - self.admission.available_permits()
    }

    /// Admission slots in all.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Seconds a shed client should wait: about one round of the queue at
    /// a conservative second per scan per worker.
    #[must_use]
    pub fn retry_after_s(&self) -> u32 {
        u32::try_from(self.capacity.div_ceil(self.worker_count))
            .unwrap_or(60)
            .clamp(1, 60)
    }

    /// One admission per file, all or none, without waiting.
    #[must_use]
    pub fn admit(&self, files: usize) -> Option<Vec<Admission>> {
        let n = u32::try_from(files).ok()?;
        let permit = Arc::clone(&self.admission).try_acquire_many_owned(n).ok()?;
        let mut permit = permit;
        let mut out = Vec::with_capacity(files);
        for _ in 1..files {
            let one = permit.split(1)?;
            out.push(self.admission_from(one));
        }
        out.push(self.admission_from(permit));
        Some(out)
    }

    fn admission_from(&self, permit: OwnedSemaphorePermit) -> Admission {
        self.in_flight.count.fetch_add(1, Ordering::AcqRel);
        Admission {
            _permit: permit,
            _tracked: Tracked(Arc::clone(&self.in_flight)),
        }
    }

    /// Screens `bytes` on a blocking thread once a worker is free (the
    /// caller holds the file's [`Admission`] meanwhile). Returns the report
    /// and the seconds spent screening.
    pub async fn screen(&self, name: String, bytes: Arc<[u8]>) -> (Report, f64) {
        let Ok(_worker) = Arc::clone(&self.workers).acquire_owned().await else {
            return (failed(&name, "the screening pool is closed"), 0.0);
        };
        let screener = Arc::clone(&self.screener);
        let t = Instant::now();
        let job_name = name.clone();
        let job = tokio::task::spawn_blocking(move || screener.screen(&job_name, &bytes)).await;
        let secs = t.elapsed().as_secs_f64();
        match job {
            Ok(report) => (report, secs),
            Err(e) => {
                tracing::error!(error = %e, "a screening panicked");
                (
                    failed(&name, "the screening failed inside the service"),
                    secs,
                )
            }
        }
    }

    /// Runs a CPU-bound closure (evidence rendering) under a worker permit
    /// on a blocking thread.
    pub async fn run_blocking<T: Send + 'static>(
        &self,
        admission: Admission,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let _admission = admission;
        let _worker = Arc::clone(&self.workers).acquire_owned().await.ok()?;
        tokio::task::spawn_blocking(f).await.ok()
    }

    /// Waits until no job is in flight or `grace` passes; returns how many
    /// are still running.
    pub async fn drain(&self, grace: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + grace;
        loop {
            let idle = self.in_flight.idle.notified();
            let n = self.in_flight.count.load(Ordering::Acquire);
            if n == 0 {
                return 0;
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                return self.in_flight.count.load(Ordering::Acquire);
            }
        }
    }
}

fn failed(name: &str, why: &str) -> Report {
    Report::failed(name, String::new(), why.to_owned(), 0.0)
}
