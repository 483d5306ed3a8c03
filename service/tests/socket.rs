//! The real thing on a socket: `docscreen_service::run` on 127.0.0.1, raw
//! HTTP/1.1 over a `TcpStream`, and a graceful shutdown that finishes a
//! screening accepted just before the signal.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use common::{ALTERED_MRZ_VERDICT, Harness, sample};

/// One request over a fresh connection; returns (status, headers+body text).
fn http(addr: std::net::SocketAddr, head: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let status = std::str::from_utf8(&out[9..12]).unwrap().parse().unwrap();
    (status, out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_on_loopback_and_shuts_down_gracefully() {
    let h = Harness::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(docscreen_service::run(h.state.clone(), listener, async {
        let _ = stopped.await;
    }));
    let key = h.officer.clone();
    let scan = sample("synth_sample/000006.jpg");
    let (post_status, accepted) = tokio::task::spawn_blocking(move || {
        let (status, _) = http(
            addr,
            "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"",
        );
        assert_eq!(status, 200);
        let (status, text) = http(
            addr,
            "GET /v1/screenings HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"",
        );
        assert_eq!(status, 401);
        assert!(String::from_utf8_lossy(&text).contains("application/problem+json"));
        let head = format!(
            "POST /v1/screenings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: image/jpeg\r\nX-File-Name: 000006.jpg\r\nPrefer: respond-async\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            scan.len()
        );
        let (status, text) = http(addr, &head, &scan);
        (status, String::from_utf8(text).unwrap())
    })
    .await
    .unwrap();
    assert_eq!(post_status, 202, "{accepted}");
    let location = accepted
        .lines()
        .find_map(|l| l.strip_prefix("location: "))
        .unwrap()
        .to_owned();
    // Stop right away: the accepted screening must still finish.
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    let id = location.rsplit('/').next().unwrap();
    let case = h.state.store().case(id).await.unwrap().unwrap();
    assert_eq!(case.verdict.as_deref(), Some(ALTERED_MRZ_VERDICT));
    // The socket is closed.
    assert!(TcpStream::connect(addr).is_err());
}
