//! `docscreen keys` and `docscreen serve` end to end: `keys add` prints the
//! key as its last line, `list` and `revoke`; `serve` prints its URL and a
//! first admin key on an empty data directory, answers on loopback, and
//! stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn docscreen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_docscreen"))
        .args(args)
        .output()
        .expect("docscreen runs")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("docscreen-serve-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

#[test]
fn keys_add_list_revoke() {
    let data = tmp("keys");
    let d = data.to_str().expect("path");
    let out = stdout(&docscreen(&[
        "keys", "add", "--role", "lab", "--label", "lab one", "--data", d,
    ]));
    let key = out.lines().last().expect("a last line");
    assert!(
        key.starts_with("dsk_") && key.len() == 4 + 8 + 1 + 64,
        "{out}"
    );
    let id = &key[4..12];
    let list = stdout(&docscreen(&["keys", "list", "--data", d]));
    assert!(
        list.contains(id) && list.contains("lab one") && !list.contains(key),
        "{list}"
    );
    stdout(&docscreen(&["keys", "revoke", id, "--data", d]));
    let again = docscreen(&["keys", "revoke", id, "--data", d]);
    assert_eq!(again.status.code(), Some(2));
    let bad = docscreen(&["keys", "add", "--role", "king", "--data", d]);
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&data);
}

fn get(addr: &str, path: &str, key: Option<&str>) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    let auth = key
        .map(|k| format!("Authorization: Bearer {k}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

#[test]
fn serve_prints_url_and_first_key_and_stops_on_sigterm() {
    let data = tmp("serve");
    let mut child = Command::new(env!("CARGO_BIN_EXE_docscreen"))
        .args(["serve", "--addr", "127.0.0.1:0", "--workers", "1", "--data"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("the URL");
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let _ = lines.next();
    let key = lines.next().expect("the key line").expect("utf-8");
    assert!(key.starts_with("dsk_"), "{key}");
    assert!(get(&addr, "/healthz", None).starts_with("HTTP/1.1 200"));
    assert!(get(&addr, "/v1/audit", None).starts_with("HTTP/1.1 401"));
    assert!(
        get(&addr, "/v1/audit", Some(&key)).starts_with("HTTP/1.1 200"),
        "the first key is an admin key"
    );
    assert!(get(&addr, "/", None).contains("<title>docscreen"));
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(term.success());
    let status = child.wait().expect("serve exits");
    assert!(status.success(), "{status:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        rest.iter().any(|l| l.contains("docscreen stopped")),
        "{rest:?}"
    );
    // A second start finds the key and does not print another.
    let out = Command::new(env!("CARGO_BIN_EXE_docscreen"))
        .args(["keys", "list", "--data"])
        .arg(&data)
        .output()
        .expect("list");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        2,
        "header + one key"
    );
    let _ = std::fs::remove_dir_all(&data);
}
