//! Load test of a running `docscreen serve`, from a second process on
//! loopback: POSTs one scan over and over at 1, 4 and 16 concurrent
//! clients (each level bounded by a request count and a time limit), and
//! prints throughput, p50/p99 latency, shed requests (503) and the
//! server's peak RSS (from `/proc/PID/status`). Figures, not assertions.
//!
//! ```sh
//! docscreen serve --data /tmp/lt --addr 127.0.0.1:8090 &   # prints a key
//! cargo run --release -p docscreen-service --example loadtest -- \
//!     --addr 127.0.0.1:8090 --key KEY --pid $! [--scan FILE] [--requests 200] [--seconds 30]
//! ```
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::cast_precision_loss)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Args {
    addr: String,
    key: String,
    pid: Option<u32>,
    scan: String,
    requests: u64,
    seconds: u64,
}

fn args() -> Args {
    let mut a = Args {
        addr: "127.0.0.1:8080".into(),
        key: String::new(),
        pid: None,
        scan: "testdata/synth_sample/000006.jpg".into(),
        requests: 200,
        seconds: 30,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let v = it.next().unwrap_or_default();
        match flag.as_str() {
            "--addr" => a.addr = v,
            "--key" => a.key = v,
            "--pid" => a.pid = v.parse().ok(),
            "--scan" => a.scan = v,
            "--requests" => a.requests = v.parse().unwrap(),
            "--seconds" => a.seconds = v.parse().unwrap(),
            _ => panic!("unknown flag {flag}"),
        }
    }
    assert!(!a.key.is_empty(), "--key KEY is required");
    a
}

/// One POST over a fresh connection; the status code.
fn post(addr: &str, key: &str, scan: &[u8]) -> std::io::Result<u16> {
    let mut s = TcpStream::connect(addr)?;
    let head = format!(
        "POST /v1/screenings HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nContent-Type: image/jpeg\r\nX-File-Name: load.jpg\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        scan.len()
    );
    s.write_all(head.as_bytes())?;
    s.write_all(scan)?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    Ok(std::str::from_utf8(out.get(9..12).unwrap_or(b"000"))
        .unwrap_or("0")
        .parse()
        .unwrap_or(0))
}

fn rss_kib(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn main() {
    let a = args();
    let scan = Arc::new(std::fs::read(&a.scan).unwrap());
    if let Some(pid) = a.pid {
        println!(
            "server RSS before: {} MiB",
            rss_kib(pid).unwrap_or(0) / 1024
        );
    }
    println!("clients  requests  ok  shed  other  req/s   p50 ms  p99 ms  peak RSS MiB");
    for clients in [1u64, 4, 16] {
        let sent = Arc::new(AtomicU64::new(0));
        let lat = Arc::new(Mutex::new(Vec::new()));
        let counts = Arc::new(Mutex::new([0u64; 3]));
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let sampler = a.pid.map(|pid| {
            let (stop, peak) = (Arc::clone(&stop), Arc::clone(&peak));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    peak.fetch_max(rss_kib(pid).unwrap_or(0), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        });
        let deadline = Instant::now() + Duration::from_secs(a.seconds);
        let t0 = Instant::now();
        let workers: Vec<_> = (0..clients)
            .map(|_| {
                let (sent, lat, counts) =
                    (Arc::clone(&sent), Arc::clone(&lat), Arc::clone(&counts));
                let (addr, key, scan) = (a.addr.clone(), a.key.clone(), Arc::clone(&scan));
                let limit = a.requests;
                std::thread::spawn(move || {
                    while Instant::now() < deadline && sent.fetch_add(1, Ordering::Relaxed) < limit
                    {
                        let t = Instant::now();
                        let status = post(&addr, &key, &scan).unwrap_or(0);
                        let ms = t.elapsed().as_secs_f64() * 1e3;
                        let slot = match status {
                            200 => 0,
                            503 => 1,
                            _ => 2,
                        };
                        counts.lock().unwrap()[slot] += 1;
                        if status == 200 {
                            lat.lock().unwrap().push(ms);
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        let elapsed = t0.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        if let Some(s) = sampler {
            s.join().unwrap();
        }
        let mut lat = lat.lock().unwrap().clone();
        lat.sort_by(f64::total_cmp);
        let [ok, shed, other] = *counts.lock().unwrap();
        println!(
            "{clients:>7}  {:>8}  {ok:>3}  {shed:>4}  {other:>5}  {:>5.1}  {:>7.1}  {:>6.1}  {:>12}",
            ok + shed + other,
            ok as f64 / elapsed,
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
            a.pid.map_or_else(
                || "-".into(),
                |_| (peak.load(Ordering::Relaxed) / 1024).to_string()
            ),
        );
    }
}
