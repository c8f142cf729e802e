//! The web UI, embedded at compile time from `web/dist` (built by `npm run build` in
//! `web/`). Hashed assets under `/assets/` are cached for a year; `index.html` is never
//! cached; any other path that is not a file is the single-page app's route and gets
//! `index.html`. When the bundle was not built, a page says how to build it.

use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../web/dist"]
#[allow_missing = true]
struct Assets;

const NOT_BUILT: &str = concat!(
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>Cartographus</title></head>",
    "<body><h1>Cartographus</h1><p>The API is running under <code>/api/v1</code>. ",
    "The web UI is not built: run <code>npm ci &amp;&amp; npm run build</code> in ",
    "<code>web/</code>, then rebuild the server (<code>./scripts/demo.sh</code> does both).</p>",
    "</body></html>"
);

/// Whether the UI bundle was embedded.
pub fn is_built() -> bool {
    Assets::get("index.html").is_some()
}

fn file(path: &str) -> Option<Response> {
    let asset = Assets::get(path)?;
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut resp = (StatusCode::OK, asset.data.into_owned()).into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Some(resp)
}

/// Serves the UI for any path outside the API.
pub(super) async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    if let Some(resp) = file(path) {
        return resp;
    }
    // A missing hashed asset is a real 404; anything else is an app route.
    if path.starts_with("assets/") {
        return StatusCode::NOT_FOUND.into_response();
    }
    file("index.html").unwrap_or_else(|| Html(NOT_BUILT).into_response())
}
