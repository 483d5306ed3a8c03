//! The auth matrix: every endpoint × every role × no key (and revoked,
//! malformed and forged keys). One table says who may do what; the test
//! walks it.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::header;
use common::{Harness, json, problem, request, sample};

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy)]
enum Who {
    Public,
    AnyRole,
    LabOrAdmin,
    AdminOnly,
}

#[tokio::test]
async fn every_endpoint_every_role() {
    let h = Harness::new().await;
    // A case owned by the officer, for the per-case routes.
    let r = h
        .post_scan(&h.officer, "000006.jpg", sample("synth_sample/000006.jpg"))
        .await;
    assert_eq!(r.status(), 200);
    let id = json(r).await["screenings"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let scan = sample("synth_sample/000006.jpg");
    let case = format!("/v1/screenings/{id}");
    let evidence = format!("{case}/evidence.png");
    let table: Vec<(&str, String, Who)> = vec![
        ("GET", "/healthz".into(), Who::Public),
        ("GET", "/readyz".into(), Who::Public),
        ("GET", "/".into(), Who::Public),
        ("GET", "/static/app.js".into(), Who::Public),
        ("GET", "/static/app.css".into(), Who::Public),
        ("POST", "/v1/screenings".into(), Who::AnyRole),
        ("GET", "/v1/screenings".into(), Who::AnyRole),
        ("GET", case.clone(), Who::AnyRole),
        ("GET", evidence, Who::AnyRole),
        (
            "DELETE",
            "/v1/screenings/0000000000000000".into(),
            Who::AdminOnly,
        ),
        ("GET", "/v1/templates".into(), Who::AnyRole),
        ("GET", "/openapi.json".into(), Who::AnyRole),
        ("GET", "/metrics".into(), Who::LabOrAdmin),
        ("GET", "/v1/audit".into(), Who::AdminOnly),
        ("GET", "/v1/keys".into(), Who::AdminOnly),
        ("POST", "/v1/keys".into(), Who::AdminOnly),
        ("DELETE", "/v1/keys/00000000".into(), Who::AdminOnly),
    ];
    let forged = {
        // The officer's id with another secret.
        let (prefix, _) = h.officer.rsplit_once('_').unwrap();
        format!("{prefix}_{}", "0".repeat(64))
    };
    let callers: Vec<(&str, Option<String>)> = vec![
        ("none", None),
        ("officer", Some(h.officer.clone())),
        ("lab", Some(h.lab.clone())),
        ("admin", Some(h.admin.clone())),
        ("revoked", Some(h.revoked.clone())),
        ("malformed", Some("not-a-key".into())),
        ("forged", Some(forged)),
    ];
    for (method, path, who) in &table {
        for (name, key) in &callers {
            let (ct, body) = match (*method, path.as_str()) {
                ("POST", "/v1/screenings") => ("image/jpeg", Body::from(scan.clone())),
                ("POST", "/v1/keys") => ("application/json", Body::from(r#"{"role":"officer"}"#)),
                _ => ("application/octet-stream", Body::empty()),
            };
            let req = request(method, path, key.as_deref(), Some(ct), body);
            let resp = h.send(req).await;
            let status = resp.status().as_u16();
            let valid = matches!(*name, "officer" | "lab" | "admin");
            let allowed = match who {
                Who::Public => true,
                Who::AnyRole => valid,
                Who::LabOrAdmin => matches!(*name, "lab" | "admin"),
                Who::AdminOnly => *name == "admin",
            };
            let what = format!("{method} {path} as {name}: {status}");
            if allowed {
                assert!(status < 400 || status == 404, "{what}");
            } else if valid {
                problem(resp, 403).await;
            } else {
                assert!(
                    resp.headers().contains_key(header::WWW_AUTHENTICATE),
                    "{what}"
                );
                problem(resp, 401).await;
            }
        }
    }
    // The officer's case is still there for the owner; another officer
    // cannot tell it exists.
    assert_eq!(h.get(&case, Some(&h.officer)).await.status(), 200);
    problem(h.get(&case, Some(&h.officer2)).await, 404).await;
}
