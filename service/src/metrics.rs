//! Prometheus metrics in the text exposition format, kept per [`AppState`]
//! (no global recorder: every test app counts alone).
//!
//! Requests by route and status, screenings by verdict, a screening-time
//! histogram, shed requests, and the queue's occupancy at scrape time.
//!
//! [`AppState`]: crate::AppState

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds of the screening-time histogram, seconds.
const BUCKETS: [f64; 10] = [0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Debug, Default)]
pub(crate) struct Metrics {
    inner: Mutex<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    requests: BTreeMap<(String, String, u16), u64>,
    screenings: BTreeMap<String, u64>,
    shed: u64,
    seconds_buckets: [u64; BUCKETS.len()],
    seconds_sum: f64,
    seconds_count: u64,
}

impl Metrics {
    fn with(&self, f: impl FnOnce(&mut Counters)) {
        match self.inner.lock() {
            Ok(mut c) => f(&mut c),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    pub(crate) fn request(&self, method: &str, route: &str, status: u16) {
        self.with(|c| {
            *c.requests
                .entry((method.to_owned(), route.to_owned(), status))
                .or_default() += 1;
        });
    }

    pub(crate) fn screening(&self, outcome: &str, seconds: f64) {
        self.with(|c| {
            *c.screenings.entry(outcome.to_owned()).or_default() += 1;
            for (i, b) in BUCKETS.iter().enumerate() {
                if seconds <= *b {
                    c.seconds_buckets[i] += 1;
                }
            }
            c.seconds_sum += seconds;
            c.seconds_count += 1;
        });
    }

    pub(crate) fn shed(&self) {
        self.with(|c| c.shed += 1);
    }

    pub(crate) fn render(&self, in_flight: usize, capacity: usize) -> String {
        let mut s = String::new();
        self.with(|c| {
            let _ = writeln!(s, "# HELP docscreen_http_requests_total HTTP requests by route and status.");
            let _ = writeln!(s, "# TYPE docscreen_http_requests_total counter");
            for ((method, route, status), n) in &c.requests {
                let _ = writeln!(
                    s,
                    "docscreen_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
            let _ = writeln!(s, "# HELP docscreen_screenings_total Files screened, by verdict (`error`: not screenable).");
            let _ = writeln!(s, "# TYPE docscreen_screenings_total counter");
            for (outcome, n) in &c.screenings {
                let _ = writeln!(s, "docscreen_screenings_total{{outcome=\"{outcome}\"}} {n}");
            }
            let _ = writeln!(s, "# HELP docscreen_screening_seconds Time on a CPU worker per file.");
            let _ = writeln!(s, "# TYPE docscreen_screening_seconds histogram");
            for (b, n) in BUCKETS.iter().zip(c.seconds_buckets) {
                let _ = writeln!(s, "docscreen_screening_seconds_bucket{{le=\"{b}\"}} {n}");
            }
            let _ = writeln!(
                s,
                "docscreen_screening_seconds_bucket{{le=\"+Inf\"}} {}",
                c.seconds_count
            );
            let _ = writeln!(s, "docscreen_screening_seconds_sum {}", c.seconds_sum);
            let _ = writeln!(s, "docscreen_screening_seconds_count {}", c.seconds_count);
            let _ = writeln!(s, "# HELP docscreen_shed_total Requests refused with 503 because the queue was full.");
            let _ = writeln!(s, "# TYPE docscreen_shed_total counter");
            let _ = writeln!(s, "docscreen_shed_total {}", c.shed);
        });
        let _ = writeln!(
            s,
            "# HELP docscreen_queue_in_flight Files admitted and not finished."
        );
        let _ = writeln!(s, "# TYPE docscreen_queue_in_flight gauge");
        let _ = writeln!(s, "docscreen_queue_in_flight {in_flight}");
        let _ = writeln!(
            s,
            "# HELP docscreen_queue_capacity Admission slots (workers + queue)."
        );
        let _ = writeln!(s, "# TYPE docscreen_queue_capacity gauge");
        let _ = writeln!(s, "docscreen_queue_capacity {capacity}");
        s
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters() {
        let m = Metrics::default();
        m.request("GET", "/healthz", 200);
        m.screening("fail", 0.07);
        m.shed();
        let text = m.render(1, 34);
        assert!(text.contains(
            "docscreen_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ));
        assert!(text.contains("docscreen_screenings_total{outcome=\"fail\"} 1"));
        assert!(text.contains("docscreen_screening_seconds_bucket{le=\"0.1\"} 1"));
        assert!(text.contains("docscreen_screening_seconds_bucket{le=\"0.05\"} 0"));
        assert!(text.contains("docscreen_shed_total 1"));
        assert!(text.contains("docscreen_queue_capacity 34"));
    }
}
