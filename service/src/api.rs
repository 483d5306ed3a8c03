//! The routes, their handlers and the OpenAPI document generated from them.
//!
//! Public: the page (`/`, `/static/*`), `/healthz`, `/readyz`. Everything
//! else needs a bearer key (see [`crate::auth`]); what each role may do is
//! the table in `service/README.md`, enforced by [`Caller::require`] at the
//! top of each handler and tested as a matrix.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{
    DefaultBodyLimit, FromRequest, MatchedPath, Multipart, Path, Query, Request, State,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Extension, Json};
use docscreen_screen::Report;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::AppState;
use crate::auth::{Caller, Permission, Role};
use crate::error::{AppError, Problem};
use crate::store::{AuditEntry, Case, CaseFilter, CaseStatus, KeyRecord};
use crate::templates::{TemplateInfo, ZoneCounts};

/// Request bodies of routes that take small JSON (keys).
const SMALL_BODY: usize = 16 << 10;

pub(crate) fn router(state: AppState) -> Router {
    let upload_limit = state.config().max_upload;
    let protected = Router::new()
        .route(
            "/v1/screenings",
            axum::routing::post(create_screenings)
                .layer(DefaultBodyLimit::max(upload_limit))
                .get(list_screenings),
        )
        .route(
            "/v1/screenings/{id}",
            get(get_screening).delete(delete_screening),
        )
        .route("/v1/screenings/{id}/evidence.png", get(get_evidence))
        .route("/v1/templates", get(list_templates))
        .route("/v1/audit", get(audit_log))
        .route("/v1/keys", get(list_keys).post(add_key))
        .route("/v1/keys/{id}", delete(revoke_key))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::require_key,
        ))
        .route_layer(middleware::from_fn_with_state(state.clone(), timeout));
    Router::new()
        .route("/", get(crate::page::index))
        .route("/static/{file}", get(crate::page::asset))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(protected)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(SMALL_BODY))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Counts every request and adds the security headers every answer carries.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let mut resp = next.run(req).await;
    state
        .metrics()
        .request(method.as_str(), &route, resp.status().as_u16());
    let h = resp.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    resp
}

async fn timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(state.config().request_timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => AppError::Timeout.into_response(),
    }
}

async fn not_found() -> AppError {
    AppError::NotFound("no such resource".into())
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

// ---- types ----

/// One case: a file accepted for screening, and its report once screened.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct Screening {
    /// The case id.
    pub id: String,
    /// `pending` (accepted, not screened yet), `done`, or `failed` (the
    /// service stopped first; `error` says why).
    pub status: CaseStatus,
    /// When it was accepted (RFC 3339, UTC).
    pub created_at: String,
    /// The key id that sent it.
    pub created_by: String,
    /// The file name as sent.
    pub file_name: String,
    /// sha256 of the file.
    pub sha256: String,
    /// Its size, bytes.
    pub size_bytes: i64,
    /// `pass`, `review` or `fail`; null while pending or for a file that
    /// could not be screened.
    pub verdict: Option<String>,
    /// The report (the report contract, `DESIGN.md` §4); left out of lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub report: Option<serde_json::Value>,
    /// Why the case failed (status `failed`).
    pub error: Option<String>,
    /// The evidence image's URL, when the scan is kept and was screened.
    pub evidence: Option<String>,
}

impl Screening {
    fn from_case(c: Case, with_report: bool) -> Self {
        let report: Option<serde_json::Value> = c
            .report
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok());
        let screened = report
            .as_ref()
            .is_some_and(|r| r.get("error").is_none_or(serde_json::Value::is_null));
        Self {
            evidence: (c.scan_kept && screened)
                .then(|| format!("/v1/screenings/{}/evidence.png", c.id)),
            id: c.id,
            status: c.status,
            created_at: c.created_at,
            created_by: c.created_by,
            file_name: c.file_name,
            sha256: c.sha256,
            size_bytes: c.size_bytes,
            verdict: c.verdict,
            report: if with_report { report } else { None },
            error: c.error,
        }
    }
}

/// The cases created by one `POST /v1/screenings`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct ScreeningBatch {
    /// One per file, in the order sent.
    pub screenings: Vec<Screening>,
}

/// A page of cases, newest first (reports left out).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct ScreeningPage {
    /// The cases.
    pub items: Vec<Screening>,
    /// Cases matching the filter, all pages.
    pub total: i64,
    /// Page size.
    pub limit: i64,
    /// Cases skipped.
    pub offset: i64,
    /// The next page's URL, if any.
    pub next: Option<String>,
}

/// Filters of `GET /v1/screenings`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Only this verdict: `pass`, `review` or `fail`.
    verdict: Option<String>,
    /// Created on or after: `YYYY-MM-DD` or an RFC 3339 UTC time.
    since: Option<String>,
    /// Created on or before: `YYYY-MM-DD` (the whole day) or an RFC 3339
    /// UTC time.
    until: Option<String>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<i64>,
    /// Cases to skip (default 0).
    offset: Option<i64>,
}

/// `GET /healthz` and `/readyz` answers.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Health {
    /// `ok` or `ready`.
    status: &'static str,
    /// Files admitted and not finished (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    in_flight: Option<usize>,
    /// Admission slots (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity: Option<usize>,
}

/// A new key's request.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct NewKey {
    /// `officer`, `lab` or `admin`.
    role: Role,
    /// A label (who or what holds it).
    #[serde(default)]
    label: String,
}

/// A created key: `key` is shown once and never stored.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct CreatedKey {
    /// The key's id.
    pub id: String,
    /// Its role.
    pub role: Role,
    /// The key itself, to send as `Authorization: Bearer KEY`.
    pub key: String,
}

/// A scan's bytes.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // documentation only
pub(crate) struct ScanBytes(Vec<u8>);

/// A multipart upload: one or several parts carrying files.
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub(crate) struct UploadForm {
    /// The scans (any part with a file name is screened).
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
}

// ---- OpenAPI ----

/// The OpenAPI 3.1 description of the service, generated from the
/// handlers' annotations (served at `/openapi.json`).
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "docscreen", description = "Document-forgery screening: the HTTP API of `docscreen serve`."),
    paths(
        create_screenings, list_screenings, get_screening, delete_screening, get_evidence,
        list_templates, audit_log, list_keys, add_key, revoke_key, healthz, readyz, metrics, openapi
    ),
    components(schemas(Screening, ScreeningBatch, ScreeningPage, Problem, Health, NewKey, CreatedKey, KeyRecord, AuditEntry, TemplateInfo, ZoneCounts, Role, CaseStatus)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key: `docscreen keys add --role ROLE`"))
                    .build(),
            ),
        );
    }
}

// ---- probes ----

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "probes", security(()),
    responses((status = 200, description = "Alive", body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        in_flight: None,
        capacity: None,
    })
}

/// Readiness: the store answers and the service is not shutting down.
#[utoipa::path(get, path = "/readyz", tag = "probes", security(()),
    responses((status = 200, description = "Ready", body = Health),
        (status = 503, description = "Not ready", body = Problem, content_type = "application/problem+json")))]
async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    if state.is_shutting_down() {
        return Err(AppError::ShuttingDown);
    }
    state.store().ping().await?;
    Ok(Json(Health {
        status: "ready",
        in_flight: Some(state.pool().in_flight()),
        capacity: Some(state.pool().capacity()),
    }))
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Metrics", body = String, content_type = "text/plain"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn metrics(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, AppError> {
    caller.require(Permission::Metrics)?;
    let text = state
        .metrics()
        .render(state.pool().in_flight(), state.pool().capacity());
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1", body = Object),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn openapi(Extension(caller): Extension<Caller>) -> Result<Response, AppError> {
    caller.require(Permission::Read)?;
    let text = ApiDoc::openapi()
        .to_pretty_json()
        .map_err(|e| AppError::Internal(format!("openapi: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
}

// ---- screenings ----

/// Media types accepted as a raw body.
const RAW_TYPES: [&str; 7] = [
    "image/jpeg",
    "image/png",
    "image/tiff",
    "image/webp",
    "application/pdf",
    "application/octet-stream",
    "image/jpg",
];

/// Screens one or several scans.
///
/// The body is either `multipart/form-data` (every part with a file name
/// is a scan) or one scan as a raw body (`image/jpeg`, `image/png`,
/// `image/tiff`, `image/webp`, `application/pdf`,
/// `application/octet-stream`; name it with `X-File-Name`). Small uploads
/// are screened before the answer (`200`, the cases with their reports);
/// uploads over the asynchronous threshold, or sent with
/// `Prefer: respond-async`, get `202` with a `Location` to poll. When no
/// file could be read as a scan the answer is `422` (the cases are kept,
/// each with its report's `error`).
#[utoipa::path(post, path = "/v1/screenings", tag = "screenings",
    request_body(content(
        (UploadForm = "multipart/form-data"),
        (ScanBytes = "image/jpeg"), (ScanBytes = "image/png"), (ScanBytes = "image/tiff"),
        (ScanBytes = "image/webp"), (ScanBytes = "application/pdf"), (ScanBytes = "application/octet-stream"),
    )),
    responses(
        (status = 200, description = "Screened", body = ScreeningBatch),
        (status = 202, description = "Accepted; poll `Location`", body = ScreeningBatch),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Queue full: see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_screenings(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Result<Response, AppError> {
    caller.require(Permission::Screen)?;
    if state.is_shutting_down() {
        return Err(AppError::ShuttingDown);
    }
    let respond_async = req
        .headers()
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("respond-async"))
        });
    let files = read_files(&state, req).await?;
    if files.is_empty() {
        return Err(AppError::BadRequest(
            "no file: send a scan as the body, or as multipart parts with file names".into(),
        ));
    }
    let total: usize = files.iter().map(|(_, b)| b.len()).sum();
    let respond_async = respond_async || total > state.config().async_threshold;
    let Some(admissions) = state.pool().admit(files.len()) else {
        state.metrics().shed();
        return Err(AppError::Busy {
            retry_after_s: state.pool().retry_after_s(),
        });
    };
    let mut accepted = Vec::with_capacity(files.len());
    let mut jobs = Vec::with_capacity(files.len());
    for ((name, bytes), admission) in files.into_iter().zip(admissions) {
        let id = crate::store::new_id().map_err(|e| AppError::Internal(format!("random: {e}")))?;
        let case = Case {
            id: id.clone(),
            created_at: crate::time::now(),
            created_by: caller.key_id.clone(),
            file_name: name.clone(),
            sha256: crate::auth::hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
            size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            status: CaseStatus::Pending,
            verdict: None,
            report: None,
            error: None,
            scan_kept: false,
        };
        state.store().insert_case(&case, &bytes).await?;
        state
            .store()
            .audit(&caller.key_id, "screen", &id, &caller.remote)
            .await?;
        let job_state = state.clone();
        let bytes: Arc<[u8]> = Arc::from(bytes.as_ref());
        jobs.push(tokio::spawn(async move {
            screen_job(job_state, admission, id, name, bytes).await
        }));
        accepted.push(case);
    }
    if respond_async {
        let location = format!("/v1/screenings/{}", accepted[0].id);
        let scan_kept = state.store().keeps_scans();
        let body = ScreeningBatch {
            screenings: accepted
                .into_iter()
                .map(|mut c| {
                    c.scan_kept = scan_kept;
                    Screening::from_case(c, false)
                })
                .collect(),
        };
        return Ok((
            StatusCode::ACCEPTED,
            [(header::LOCATION, location)],
            Json(body),
        )
            .into_response());
    }
    let mut screenings = Vec::with_capacity(jobs.len());
    for job in jobs {
        let id = job
            .await
            .map_err(|e| AppError::Internal(format!("screening task: {e}")))??;
        let case = state
            .store()
            .case(&id)
            .await?
            .ok_or_else(|| AppError::Internal("a case vanished".into()))?;
        screenings.push(Screening::from_case(case, true));
    }
    let unreadable: Vec<&Screening> = screenings.iter().filter(|s| s.verdict.is_none()).collect();
    if unreadable.len() == screenings.len() {
        let first = &screenings[0];
        let why = first
            .report
            .as_ref()
            .and_then(|r| r.get("error"))
            .and_then(serde_json::Value::as_str)
            .or(first.error.as_deref())
            .unwrap_or("the file could not be screened");
        let detail = if screenings.len() == 1 {
            format!("{}: {why}", first.file_name)
        } else {
            format!(
                "none of the {} files could be screened; {}: {why}",
                screenings.len(),
                first.file_name
            )
        };
        return Err(AppError::Unprocessable {
            detail,
            instance: Some(format!("/v1/screenings/{}", first.id)),
        });
    }
    let location = format!("/v1/screenings/{}", screenings[0].id);
    Ok((
        StatusCode::OK,
        [(header::LOCATION, location)],
        Json(ScreeningBatch { screenings }),
    )
        .into_response())
}

/// Screens one accepted file and records its report; returns the case id.
async fn screen_job(
    state: AppState,
    admission: crate::pool::Admission,
    id: String,
    name: String,
    bytes: Arc<[u8]>,
) -> Result<String, AppError> {
    // The admission is held until the report is stored, so that shutdown's
    // drain waits for the store write too.
    let _admission = admission;
    let (report, secs) = state.pool().screen(name, bytes).await;
    let json = serde_json::to_string(&report)
        .map_err(|e| AppError::Internal(format!("report json: {e}")))?;
    let verdict = report.verdict.map(docscreen_screen::Verdict::as_str);
    state.store().finish_case(&id, verdict, &json).await?;
    state.metrics().screening(verdict.unwrap_or("error"), secs);
    // Ids and verdicts only: MRZ contents and names stay out of the logs.
    tracing::info!(case = %id, verdict = verdict.unwrap_or("error"), ms = secs * 1e3, "screened");
    Ok(id)
}

/// The files of a screening request: multipart parts with file names, or
/// one raw body.
async fn read_files(state: &AppState, req: Request) -> Result<Vec<(String, Bytes)>, AppError> {
    let max_files = state.config().max_files;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    if essence == "multipart/form-data" {
        let mut multipart = Multipart::from_request(req, &()).await.map_err(|e| {
            AppError::BadRequest(format!("malformed multipart body: {}", e.body_text()))
        })?;
        let mut files = Vec::new();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return Err(multipart_error(&e, state)),
            };
            let Some(name) = field.file_name().map(clean_name) else {
                continue;
            };
            let data = field
                .bytes()
                .await
                .map_err(|e| multipart_error(&e, state))?;
            files.push((name, data));
            if files.len() > max_files {
                return Err(AppError::BadRequest(format!(
                    "more than {max_files} files in one request: send them in several"
                )));
            }
        }
        Ok(files)
    } else if RAW_TYPES.contains(&essence.as_str()) {
        let name = req
            .headers()
            .get("x-file-name")
            .and_then(|v| v.to_str().ok())
            .map_or_else(|| "upload".to_owned(), clean_name);
        let body = Bytes::from_request(req, &()).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge {
                    limit: state.config().max_upload,
                }
            } else {
                AppError::BadRequest("the request body could not be read".into())
            }
        })?;
        Ok(vec![(name, body)])
    } else {
        Err(AppError::UnsupportedMediaType(format!(
            "content type {:?} is not accepted: send multipart/form-data, or one scan as {}",
            if essence.is_empty() {
                "(none)"
            } else {
                essence.as_str()
            },
            RAW_TYPES[..6].join(", ")
        )))
    }
}

fn multipart_error(e: &axum::extract::multipart::MultipartError, state: &AppState) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge {
            limit: state.config().max_upload,
        }
    } else {
        AppError::BadRequest(format!("malformed multipart body: {}", e.body_text()))
    }
}

/// A file name kept for the report: the last path component, printable,
/// at most 200 characters.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.is_empty() {
        "upload".to_owned()
    } else {
        clean
    }
}

/// A case this caller may see, else 404 (officers see only their own; the
/// answer does not say whether someone else's exists).
async fn visible_case(state: &AppState, caller: &Caller, id: &str) -> Result<Case, AppError> {
    let case = state.store().case(id).await?;
    match case {
        Some(c) if caller.role.reads_all() || c.created_by == caller.key_id => Ok(c),
        _ => Err(AppError::NotFound(format!("no screening {id:?}"))),
    }
}

/// Lists cases, newest first, filtered by verdict and date (officers see
/// their own).
#[utoipa::path(get, path = "/v1/screenings", tag = "screenings", params(ListQuery),
    responses((status = 200, description = "A page of cases", body = ScreeningPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn list_screenings(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ScreeningPage>, AppError> {
    caller.require(Permission::ReadOwn)?;
    let Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    if let Some(v) = &q.verdict
        && !matches!(v.as_str(), "pass" | "review" | "fail")
    {
        return Err(AppError::BadRequest(format!(
            "verdict {v:?}: use pass, review or fail"
        )));
    }
    let bound = |v: &Option<String>, upper: bool, what: &str| -> Result<Option<String>, AppError> {
        v.as_deref()
            .map(|t| {
                crate::time::bound(t, upper).ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "{what} {t:?}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"
                    ))
                })
            })
            .transpose()
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::BadRequest("limit: use 1 to 200".into()));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(AppError::BadRequest("offset: use 0 or more".into()));
    }
    let filter = CaseFilter {
        verdict: q.verdict.clone(),
        since: bound(&q.since, false, "since")?,
        until: bound(&q.until, true, "until")?,
        created_by: (!caller.role.reads_all()).then(|| caller.key_id.clone()),
        limit,
        offset,
    };
    let (cases, total) = state.store().cases(&filter).await?;
    let next = (offset + limit < total).then(|| {
        use std::fmt::Write;
        let mut url = format!("/v1/screenings?limit={limit}&offset={}", offset + limit);
        for (k, v) in [
            ("verdict", &q.verdict),
            ("since", &q.since),
            ("until", &q.until),
        ] {
            if let Some(v) = v {
                let _ = write!(url, "&{k}={}", percent(v));
            }
        }
        url
    });
    Ok(Json(ScreeningPage {
        items: cases
            .into_iter()
            .map(|c| Screening::from_case(c, false))
            .collect(),
        total,
        limit,
        offset,
        next,
    }))
}

fn percent(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// One case with its report.
#[utoipa::path(get, path = "/v1/screenings/{id}", tag = "screenings",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "The case", body = Screening),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_screening(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Screening>, AppError> {
    caller.require(Permission::ReadOwn)?;
    let case = visible_case(&state, &caller, &id).await?;
    state
        .store()
        .audit(&caller.key_id, "read", &id, &caller.remote)
        .await?;
    Ok(Json(Screening::from_case(case, true)))
}

/// Deletes a case and its scan (admin).
#[utoipa::path(delete, path = "/v1/screenings/{id}", tag = "screenings",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 204, description = "Deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn delete_screening(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    caller.require(Permission::Delete)?;
    if !state.store().delete_case(&id).await? {
        return Err(AppError::NotFound(format!("no screening {id:?}")));
    }
    state
        .store()
        .audit(&caller.key_id, "delete", &id, &caller.remote)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The scan with the flagged regions drawn (PNG; red: failing checks,
/// amber: warnings, blue: the document's outline).
#[utoipa::path(get, path = "/v1/screenings/{id}/evidence.png", tag = "screenings",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "The evidence image", content_type = "image/png", body = ScanBytes),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or its scan was not kept", body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn get_evidence(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    caller.require(Permission::ReadOwn)?;
    let case = visible_case(&state, &caller, &id).await?;
    let report: Report = case
        .report
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .filter(|r: &Report| r.error.is_none())
        .ok_or_else(|| AppError::NotFound("this case has no screened scan".into()))?;
    let scan = state.store().scan(&id).await?.ok_or_else(|| {
        AppError::NotFound("the scan was not kept (retention): no evidence image".into())
    })?;
    let Some(mut admission) = state.pool().admit(1) else {
        state.metrics().shed();
        return Err(AppError::Busy {
            retry_after_s: state.pool().retry_after_s(),
        });
    };
    let limits = state.pool().screener().config().limits;
    let admission = admission
        .pop()
        .ok_or_else(|| AppError::Internal("admission".into()))?;
    let png = state
        .pool()
        .run_blocking(admission, move || {
            docscreen_screen::evidence::render_png(&scan, &report, &limits)
        })
        .await
        .ok_or_else(|| AppError::Internal("evidence task failed".into()))?
        .map_err(|e| AppError::Internal(format!("evidence: {e}")))?;
    state
        .store()
        .audit(&caller.key_id, "evidence", &id, &caller.remote)
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        png,
    )
        .into_response())
}

// ---- templates, audit, keys ----

/// The document models the screener was given (`--templates`).
#[utoipa::path(get, path = "/v1/templates", tag = "templates",
    responses((status = 200, description = "The templates", body = Vec<TemplateInfo>),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn list_templates(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Vec<TemplateInfo>>, AppError> {
    caller.require(Permission::Read)?;
    Ok(Json(crate::templates::list(state.pool().screener())))
}

/// Audit query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// Entries, newest first (1 to 1000, default 100).
    limit: Option<i64>,
}

/// The audit log, newest first (admin).
#[utoipa::path(get, path = "/v1/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, description = "Entries", body = Vec<AuditEntry>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn audit_log(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<AuditEntry>>, AppError> {
    caller.require(Permission::Audit)?;
    let Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(state.store().audit_log(limit).await?))
}

/// Every key (never the keys themselves) (admin).
#[utoipa::path(get, path = "/v1/keys", tag = "admin",
    responses((status = 200, description = "Keys", body = Vec<KeyRecord>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_keys(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Vec<KeyRecord>>, AppError> {
    caller.require(Permission::Keys)?;
    Ok(Json(state.store().keys().await?))
}

/// Creates a key (admin); the answer is the only place it appears.
#[utoipa::path(post, path = "/v1/keys", tag = "admin", request_body = NewKey,
    responses((status = 201, description = "Created", body = CreatedKey),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn add_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    caller.require(Permission::Keys)?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(AppError::UnsupportedMediaType(
            "send the new key's role as application/json".into(),
        ));
    }
    let new: NewKey = serde_json::from_slice(&body).map_err(|e| {
        AppError::BadRequest(format!(
            "expected {{\"role\": \"officer\"|\"lab\"|\"admin\", \"label\": \"…\"}}: {e}"
        ))
    })?;
    let created = crate::create_key(state.store(), new.role, &new.label)
        .await
        .map_err(|e| AppError::Internal(format!("{e:#}")))?;
    state
        .store()
        .audit(&caller.key_id, "key.add", &created.0, &caller.remote)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKey {
            id: created.0,
            role: new.role,
            key: created.1,
        }),
    )
        .into_response())
}

/// Revokes a key (admin).
#[utoipa::path(delete, path = "/v1/keys/{id}", tag = "admin",
    params(("id" = String, Path, description = "Key id")),
    responses((status = 204, description = "Revoked"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn revoke_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    caller.require(Permission::Keys)?;
    if !state.store().revoke_key(&id).await? {
        return Err(AppError::NotFound(format!("no active key {id:?}")));
    }
    state
        .store()
        .audit(&caller.key_id, "key.revoke", &id, &caller.remote)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
