//! The officers' web page: three files compiled into the binary and served
//! with a strict Content-Security-Policy (no external assets, no inline
//! script). They are public; the page asks for a key and sends it with
//! every API call.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

const INDEX: &str = include_str!("../static/index.html");
const APP_JS: &str = include_str!("../static/app.js");
const APP_CSS: &str = include_str!("../static/app.css");

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn page(body: &'static str, content_type: &'static str) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// `GET /`.
pub(crate) async fn index() -> Response {
    page(INDEX, "text/html; charset=utf-8")
}

/// `GET /static/{file}`.
pub(crate) async fn asset(Path(file): Path<String>) -> Result<Response, AppError> {
    match file.as_str() {
        "app.js" => Ok(page(APP_JS, "text/javascript; charset=utf-8")),
        "app.css" => Ok(page(APP_CSS, "text/css; charset=utf-8")),
        _ => Err(AppError::NotFound("no such file".into())),
    }
}
