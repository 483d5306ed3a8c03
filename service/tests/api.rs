//! The API through `oneshot`: screening end to end, cases, evidence,
//! paging and filters, keys, metrics, the `OpenAPI` document, load shedding, the
//! asynchronous path, and bad inputs that must give 4xx problem+json
//! while the service stays up.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::header;
use common::{ALTERED_MRZ_VERDICT, Harness, body_bytes, json, multipart, problem, request, sample};
use docscreen_service::ServiceConfig;

#[tokio::test]
async fn public_routes_answer_without_a_key() {
    let h = Harness::new().await;
    let r = h.get("/healthz", None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["status"], "ok");
    let r = h.get("/readyz", None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["status"], "ready");
    let r = h.get("/", None).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let html = String::from_utf8(body_bytes(r).await).unwrap();
    assert!(
        html.contains("/static/app.js") && !html.contains("http://") && !html.contains("https://")
    );
    for f in ["app.js", "app.css"] {
        assert_eq!(h.get(&format!("/static/{f}"), None).await.status(), 200);
    }
    problem(h.get("/static/../Cargo.toml", None).await, 404).await;
    problem(h.get("/nowhere", None).await, 404).await;
    problem(
        h.send(request("PUT", "/healthz", None, None, Body::empty()))
            .await,
        405,
    )
    .await;
}

#[tokio::test]
async fn screens_a_forged_scan_and_keeps_the_case() {
    let h = Harness::new().await;
    let r = h
        .post_scan(&h.officer, "000006.jpg", sample("synth_sample/000006.jpg"))
        .await;
    assert_eq!(r.status(), 200);
    let location = r.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let batch = json(r).await;
    let s = &batch["screenings"][0];
    assert_eq!(s["verdict"], ALTERED_MRZ_VERDICT, "{s:#}");
    assert_eq!(s["status"], "done");
    assert_eq!(s["file_name"], "000006.jpg");
    assert_eq!(s["report"]["verdict"], ALTERED_MRZ_VERDICT);
    assert_eq!(s["report"]["path"], "000006.jpg");
    let id = s["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/v1/screenings/{id}"));

    // The case, as its owner and as a lab; not as another officer.
    let r = h.get(&location, Some(&h.officer)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["report"]["verdict"], ALTERED_MRZ_VERDICT);
    assert_eq!(h.get(&location, Some(&h.lab)).await.status(), 200);
    problem(h.get(&location, Some(&h.officer2)).await, 404).await;

    // Evidence: a PNG.
    let ev = s["evidence"].as_str().unwrap();
    let r = h.get(ev, Some(&h.officer)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "image/png");
    assert!(body_bytes(r).await.starts_with(b"\x89PNG"));
    problem(h.get(ev, Some(&h.officer2)).await, 404).await;

    // Lists: by verdict and date; officers see their own only.
    let by_verdict = format!("/v1/screenings?verdict={ALTERED_MRZ_VERDICT}");
    let page = json(h.get(&by_verdict, Some(&h.lab)).await).await;
    assert_eq!(page["total"], 1);
    assert!(page["items"][0].get("report").is_none());
    let page = json(h.get("/v1/screenings?verdict=pass", Some(&h.lab)).await).await;
    assert_eq!(page["total"], 0);
    let page = json(
        h.get(
            "/v1/screenings?since=2000-01-01&until=2999-12-31",
            Some(&h.officer),
        )
        .await,
    )
    .await;
    assert_eq!(page["total"], 1);
    let page = json(
        h.get("/v1/screenings?until=2000-01-01", Some(&h.officer))
            .await,
    )
    .await;
    assert_eq!(page["total"], 0);
    let page = json(h.get("/v1/screenings", Some(&h.officer2)).await).await;
    assert_eq!(page["total"], 0);
    problem(
        h.get("/v1/screenings?verdict=maybe", Some(&h.lab)).await,
        400,
    )
    .await;
    problem(
        h.get("/v1/screenings?since=yesterday", Some(&h.lab)).await,
        400,
    )
    .await;
    problem(h.get("/v1/screenings?limit=0", Some(&h.lab)).await, 400).await;
    problem(h.get("/v1/screenings?limit=abc", Some(&h.lab)).await, 400).await;

    // The audit log saw it; an admin deletes it.
    let audit = json(h.get("/v1/audit", Some(&h.admin)).await).await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"screen") && actions.contains(&"evidence"),
        "{actions:?}"
    );
    let r = h
        .send(request(
            "DELETE",
            &location,
            Some(&h.admin),
            None,
            Body::empty(),
        ))
        .await;
    assert_eq!(r.status(), 204);
    problem(h.get(&location, Some(&h.admin)).await, 404).await;
    let audit = json(h.get("/v1/audit", Some(&h.admin)).await).await;
    assert_eq!(audit[0]["action"], "delete");
}

#[tokio::test]
async fn several_files_in_one_multipart_request() {
    let h = Harness::new().await;
    let (ct, body) = multipart(&[
        ("a.jpg", &sample("synth_sample/000006.jpg")),
        ("b.jpg", b"this is not an image"),
    ]);
    let r = h
        .send(request(
            "POST",
            "/v1/screenings",
            Some(&h.lab),
            Some(&ct),
            Body::from(body),
        ))
        .await;
    assert_eq!(r.status(), 200);
    let batch = json(r).await;
    let s = batch["screenings"].as_array().unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0]["verdict"], ALTERED_MRZ_VERDICT);
    assert!(s[1]["verdict"].is_null());
    assert!(s[1]["report"]["error"].is_string());
    assert!(s[1]["evidence"].is_null());
}

#[tokio::test]
async fn bad_inputs_are_problems_and_the_service_stays_up() {
    let h = Harness::with(ServiceConfig {
        workers: 2,
        max_upload: 4 << 20,
        ..ServiceConfig::default()
    })
    .await;
    for bad in [
        "bad/wrong_magic.jpg",
        "bad/truncated_30.jpg",
        "bad/truncated_header.jpg",
        "bad/bomb_60000.png",
        "bad/empty.jpg",
        "bad/corrupt.tiff",
        "bad/encrypted.pdf",
    ] {
        let r = h.post_scan(&h.officer, bad, sample(bad)).await;
        let p = problem(r, 422).await;
        assert!(
            p["instance"]
                .as_str()
                .unwrap()
                .starts_with("/v1/screenings/"),
            "{bad}"
        );
        // The detail says what is wrong, without internals.
        let detail = p["detail"].as_str().unwrap();
        assert!(
            !detail.contains("src/") && !detail.contains("panicked"),
            "{detail}"
        );
    }
    // Oversize (raw and multipart), wrong content type, broken multipart.
    let big = vec![0u8; 5 << 20];
    problem(h.post_scan(&h.officer, "big.jpg", big.clone()).await, 413).await;
    let (ct, body) = multipart(&[("big.jpg", &big)]);
    problem(
        h.send(request(
            "POST",
            "/v1/screenings",
            Some(&h.officer),
            Some(&ct),
            Body::from(body),
        ))
        .await,
        413,
    )
    .await;
    problem(
        h.send(request(
            "POST",
            "/v1/screenings",
            Some(&h.officer),
            Some("text/plain"),
            Body::from("hi"),
        ))
        .await,
        415,
    )
    .await;
    problem(
        h.send(request(
            "POST",
            "/v1/screenings",
            Some(&h.officer),
            None,
            Body::from("hi"),
        ))
        .await,
        415,
    )
    .await;
    problem(
        h.send(request(
            "POST",
            "/v1/screenings",
            Some(&h.officer),
            Some("multipart/form-data; boundary=x"),
            Body::from(
                "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc",
            ),
        ))
        .await,
        400,
    )
    .await;
    let (ct, body) = multipart(&[]);
    problem(
        h.send(request(
            "POST",
            "/v1/screenings",
            Some(&h.officer),
            Some(&ct),
            Body::from(body),
        ))
        .await,
        400,
    )
    .await;
    // Keys: bad JSON and bad role.
    problem(
        h.send(request(
            "POST",
            "/v1/keys",
            Some(&h.admin),
            Some("application/json"),
            Body::from("{\"role\":\"king\"}"),
        ))
        .await,
        400,
    )
    .await;
    // Still up, still screening.
    assert_eq!(h.get("/healthz", None).await.status(), 200);
    let r = h
        .post_scan(&h.officer, "ok.jpg", sample("synth_sample/000006.jpg"))
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_full_queue_sheds_load_with_retry_after() {
    // One worker, no queue: one admission slot; three files cannot fit.
    let h = Harness::with(ServiceConfig {
        workers: 1,
        queue: 0,
        ..ServiceConfig::default()
    })
    .await;
    let jpg = sample("synth_sample/000006.jpg");
    let (ct, body) = multipart(&[("a.jpg", &jpg), ("b.jpg", &jpg), ("c.jpg", &jpg)]);
    let r = h
        .send(request(
            "POST",
            "/v1/screenings",
            Some(&h.officer),
            Some(&ct),
            Body::from(body),
        ))
        .await;
    let retry: u32 = r.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    problem(r, 503).await;
    let metrics =
        String::from_utf8(body_bytes(h.get("/metrics", Some(&h.lab)).await).await).unwrap();
    assert!(metrics.contains("docscreen_shed_total 1"), "{metrics}");
}

#[tokio::test]
async fn respond_async_gives_202_and_a_location_to_poll() {
    let h = Harness::new().await;
    let mut req = request(
        "POST",
        "/v1/screenings",
        Some(&h.officer),
        Some("image/jpeg"),
        Body::from(sample("synth_sample/000006.jpg")),
    );
    req.headers_mut()
        .insert("prefer", "respond-async".parse().unwrap());
    let r = h.send(req).await;
    assert_eq!(r.status(), 202);
    let location = r.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let mut last = serde_json::Value::Null;
    for _ in 0..200 {
        last = json(h.get(&location, Some(&h.officer)).await).await;
        if last["status"] != "pending" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(last["status"], "done");
    assert_eq!(last["verdict"], ALTERED_MRZ_VERDICT);
}

#[tokio::test]
async fn drain_waits_for_accepted_screenings() {
    let h = Harness::new().await;
    let mut req = request(
        "POST",
        "/v1/screenings",
        Some(&h.officer),
        Some("image/jpeg"),
        Body::from(sample("synth_sample/000006.jpg")),
    );
    req.headers_mut()
        .insert("prefer", "respond-async".parse().unwrap());
    let r = h.send(req).await;
    assert_eq!(r.status(), 202);
    let location = r.headers()[header::LOCATION].to_str().unwrap().to_owned();
    h.state.drain().await.unwrap();
    let case = json(h.get(&location, Some(&h.officer)).await).await;
    assert_eq!(
        case["status"], "done",
        "accepted work finished before shutdown"
    );
    // After drain, no new work is accepted and readiness says so.
    problem(h.get("/readyz", None).await, 503).await;
    problem(
        h.post_scan(&h.officer, "x.jpg", sample("synth_sample/000006.jpg"))
            .await,
        503,
    )
    .await;
}

#[tokio::test]
async fn keys_through_the_api() {
    let h = Harness::new().await;
    let r = h
        .send(request(
            "POST",
            "/v1/keys",
            Some(&h.admin),
            Some("application/json"),
            Body::from(r#"{"role":"lab","label":"lab 2"}"#),
        ))
        .await;
    assert_eq!(r.status(), 201);
    let created = json(r).await;
    let key = created["key"].as_str().unwrap().to_owned();
    assert_eq!(h.get("/metrics", Some(&key)).await.status(), 200);
    let keys = json(h.get("/v1/keys", Some(&h.admin)).await).await;
    assert!(
        keys.as_array()
            .unwrap()
            .iter()
            .all(|k| k.get("hash").is_none())
    );
    let id = created["id"].as_str().unwrap();
    let r = h
        .send(request(
            "DELETE",
            &format!("/v1/keys/{id}"),
            Some(&h.admin),
            None,
            Body::empty(),
        ))
        .await;
    assert_eq!(r.status(), 204);
    problem(h.get("/metrics", Some(&key)).await, 401).await;
}

#[tokio::test]
async fn openapi_and_metrics() {
    let h = Harness::new().await;
    let doc = json(h.get("/openapi.json", Some(&h.officer)).await).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for p in [
        "/v1/screenings",
        "/v1/screenings/{id}",
        "/v1/screenings/{id}/evidence.png",
        "/v1/templates",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    h.get("/healthz", None).await;
    let text =
        String::from_utf8(body_bytes(h.get("/metrics", Some(&h.admin)).await).await).unwrap();
    assert!(
        text.contains(
            "docscreen_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("docscreen_queue_capacity"));
}

#[tokio::test]
async fn templates_are_listed() {
    let h = Harness::with_templates().await;
    let r = h.get("/v1/templates", Some(&h.officer)).await;
    assert_eq!(r.status(), 200);
    let list = json(r).await;
    let shipped = std::fs::read_dir(common::repo().join("testdata/templates"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("template.json").is_file())
        .count();
    assert_eq!(list.as_array().unwrap().len(), shipped, "{list:#}");
    let first = &list[0];
    assert!(first["id"].is_string() && first["name"].is_string());
    assert_eq!(first["size_mm"].as_array().unwrap().len(), 2);
    assert!(first["zones"]["static"].as_u64().unwrap() > 0, "{first:#}");
}

#[tokio::test]
async fn retention_none_keeps_reports_but_no_scans() {
    use docscreen_service::{AppState, Role, Store, StoreConfig};
    use tower::ServiceExt;
    let dir = common::temp_dir("noscan");
    let store = Store::open(&StoreConfig::local(&dir, false)).await.unwrap();
    let (_, key) = docscreen_service::create_key(&store, Role::Lab, "t")
        .await
        .unwrap();
    let state = AppState::with_screener(ServiceConfig::default(), store, common::screener());
    let router = docscreen_service::app(state);
    let r = router
        .clone()
        .oneshot(request(
            "POST",
            "/v1/screenings",
            Some(&key),
            Some("image/jpeg"),
            Body::from(sample("synth_sample/000006.jpg")),
        ))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let s = json(r).await["screenings"][0].clone();
    assert_eq!(s["verdict"], ALTERED_MRZ_VERDICT);
    assert!(s["evidence"].is_null());
    let ev = format!("/v1/screenings/{}/evidence.png", s["id"].as_str().unwrap());
    let r = router
        .oneshot(request("GET", &ev, Some(&key), None, Body::empty()))
        .await
        .unwrap();
    let p = problem(r, 404).await;
    assert!(p["detail"].as_str().unwrap().contains("not kept"));
    assert!(!dir.join("scans").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_request_over_its_time_limit_is_a_504_problem() {
    let h = Harness::with(ServiceConfig {
        workers: 1,
        request_timeout: std::time::Duration::from_millis(1),
        ..ServiceConfig::default()
    })
    .await;
    let r = h
        .post_scan(&h.officer, "slow.jpg", sample("synth_sample/000006.jpg"))
        .await;
    problem(r, 504).await;
    // The public probes have no time limit and answer.
    assert_eq!(h.get("/healthz", None).await.status(), 200);
}
