//! The web page in headless Chromium: start the real server on loopback,
//! open the page, enter a key, upload `testdata/synth_sample/000006.jpg`
//! (an altered MRZ) through the file input, wait for the rendered verdict
//! and the evidence image, assert on them, and keep a screenshot under
//! `target/ci-artifacts/` (CI keeps it as an artefact).
//!
//! Chromium is driven over the DevTools protocol with a few lines of
//! WebSocket (tungstenite) instead of a browser-automation crate. Without a
//! Chromium binary the test FAILS; set `DOCSCREEN_SKIP_BROWSER=1` (never
//! set in CI) to skip it on a machine without one.
// Product names (Chromium, DevTools) read better without backticks.
#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::doc_markdown)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Harness;
use serde_json::{Value, json};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("DOCSCREEN_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

/// Chromium with the flags that keep it off the network; killed on drop.
struct Browser {
    child: Child,
    profile: PathBuf,
    devtools_port: u16,
}

impl Browser {
    fn launch(binary: &Path) -> Self {
        let profile = common::temp_dir("chromium");
        let mut child = Command::new(binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1280,1800",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = tx.send(url.to_owned());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_mins(1))
            .expect("chromium did not announce its DevTools endpoint within 60 s");
        let port = url
            .trim_start_matches("ws://127.0.0.1:")
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        Self {
            child,
            profile,
            devtools_port: port,
        }
    }

    /// The first page target's WebSocket URL (from `/json/list`).
    fn page_ws(&self) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.devtools_port)).unwrap();
        // The answer's URLs take their host from `Host`: give the port.
        let head = format!(
            "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.devtools_port
        );
        s.write_all(head.as_bytes()).unwrap();
        // DevTools' HTTP server may keep the connection open: read the
        // headers, then exactly Content-Length bytes.
        let mut reader = BufReader::new(s);
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).unwrap();
        let body = String::from_utf8(body).unwrap();
        let targets: Vec<Value> = serde_json::from_str(&body).unwrap();
        targets
            .iter()
            .find(|t| t["type"] == "page")
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .unwrap()
            .to_owned()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Chromium's helper processes may still be writing the profile
        // for a moment after the browser exits.
        for _ in 0..20 {
            if std::fs::remove_dir_all(&self.profile).is_ok() || !self.profile.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// A DevTools protocol session on one page.
struct Cdp {
    ws: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

impl Cdp {
    fn connect(url: &str) -> Self {
        let (ws, _) = tungstenite::connect(url).unwrap();
        Self { ws, next_id: 0 }
    }

    fn call(&mut self, method: &str, params: &Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let msg = json!({ "id": id, "method": method, "params": params });
        self.ws
            .send(tungstenite::Message::text(msg.to_string()))
            .unwrap();
        loop {
            let m = self.ws.read().unwrap();
            let tungstenite::Message::Text(t) = m else {
                continue;
            };
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["id"] == id {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            &json!({ "expression": expr, "returnByValue": true, "awaitPromise": true }),
        );
        assert!(r.get("exceptionDetails").is_none(), "{expr}: {r}");
        r["result"]["value"].clone()
    }

    fn wait_for(&mut self, expr: &str, timeout: Duration) -> Value {
        let t0 = Instant::now();
        loop {
            let v = self.eval(expr);
            if !v.is_null() && v != Value::Bool(false) {
                return v;
            }
            assert!(t0.elapsed() < timeout, "timed out waiting for {expr}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let clean: Vec<u8> = s
        .bytes()
        .filter(|&c| c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c) << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

#[test]
fn base64_decodes() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGk="), b"hi");
    assert_eq!(base64_decode("YWJj"), b"abc");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_a_scan_in_chromium_and_shows_the_verdict() {
    let Some(binary) = chromium() else {
        if std::env::var_os("DOCSCREEN_SKIP_BROWSER").is_some() {
            eprintln!("skipped: no chromium and DOCSCREEN_SKIP_BROWSER is set");
            return;
        }
        panic!(
            "chromium not found: run scripts/setup.sh (apt install chromium), or set DOCSCREEN_CHROMIUM"
        );
    };
    let h = Harness::with_templates().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(docscreen_service::run(h.state.clone(), listener, async {
        let _ = stopped.await;
    }));
    let key = h.officer.clone();
    let scan = common::repo()
        .join("testdata/synth_sample/000006.jpg")
        .canonicalize()
        .unwrap();
    let artifacts = common::repo().join("target/ci-artifacts");
    let outcome = tokio::task::spawn_blocking(move || {
        let browser = Browser::launch(&binary);
        let mut cdp = Cdp::connect(&browser.page_ws());
        cdp.call(
            "Page.navigate",
            &json!({ "url": format!("http://{addr}/") }),
        );
        cdp.wait_for(
            "document.readyState === 'complete' && !!document.getElementById('file')",
            Duration::from_secs(30),
        );
        // Enter the key as an officer would: type it, submit the form.
        cdp.eval("document.getElementById('key').focus()");
        cdp.call("Input.insertText", &json!({ "text": key }));
        cdp.eval("document.getElementById('key-form').requestSubmit(); true");
        // Pick the scan in the file input.
        let root = cdp.call("DOM.getDocument", &json!({ "depth": 0 }));
        let node = cdp.call(
            "DOM.querySelector",
            &json!({ "nodeId": root["root"]["nodeId"], "selector": "#file" }),
        );
        cdp.call(
            "DOM.setFileInputFiles",
            &json!({ "nodeId": node["nodeId"], "files": [scan.display().to_string()] }),
        );
        let seen = cdp.wait_for(
            "(() => { const v = document.querySelector('.verdict[data-verdict]');
                      const img = document.querySelector('.evidence img');
                      const problem = document.querySelector('.problem');
                      if (problem) return { problem: problem.textContent };
                      if (!v || !img || !img.complete || img.naturalWidth === 0) return null;
                      return { verdict: v.dataset.verdict, text: v.textContent,
                               reasons: document.querySelectorAll('.reasons li').length,
                               checks: document.querySelectorAll('tbody tr').length }; })()",
            Duration::from_secs(90),
        );
        // Open the list of checks for the screenshot.
        cdp.eval("document.querySelectorAll('details').forEach(d => d.open = true); true");
        let shot = cdp.call(
            "Page.captureScreenshot",
            &json!({ "format": "png", "captureBeyondViewport": true }),
        );
        std::fs::create_dir_all(&artifacts).unwrap();
        let png = base64_decode(shot["data"].as_str().unwrap());
        std::fs::write(artifacts.join("browser-verdict.png"), &png).unwrap();
        seen
    })
    .await
    .unwrap();
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    assert!(outcome.get("problem").is_none(), "{outcome}");
    assert_eq!(outcome["verdict"], "fail", "{outcome}");
    assert!(
        outcome["text"].as_str().unwrap().starts_with("FAIL"),
        "{outcome}"
    );
    assert!(outcome["reasons"].as_u64().unwrap() >= 1, "{outcome}");
    assert!(outcome["checks"].as_u64().unwrap() >= 5, "{outcome}");
}
