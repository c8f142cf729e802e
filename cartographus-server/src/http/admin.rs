//! Exports, backups and imports: `/export/*` (streamed downloads under the filter
//! parameters), `/backup` (create with retention, list, download as tar.gz, validate,
//! restore into a new file; admin only) and `/import/tautulli` with `/import/status`
//! (a Tautulli database by path or upload, imported through the single store writer,
//! progress on the hub).

mod backup;
mod export;
mod import;

use std::io::Write;

use axum::body::{Body, Bytes};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use tokio::sync::mpsc;

use super::error::{ApiError, ErrorBody};
use super::AppState;
use crate::auth::{Principal, Role};

/// The routes of this module, relative to `/api/v1`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/export/playbacks.csv", get(export::csv))
        .route("/export/playbacks.parquet", get(export::parquet))
        .route("/export/locations.geojson", get(export::geojson))
        .route("/backup", get(backup::list).post(backup::create))
        .route("/backup/{name}/download", get(backup::download))
        .route("/backup/{name}/validate", post(backup::validate))
        .route("/backup/{name}/restore", post(backup::restore))
        // Uploads are bounded by `max_upload_bytes` while they are written to disk,
        // not by the general body limit.
        .route(
            "/import/tautulli",
            post(import::tautulli).layer(DefaultBodyLimit::disable()),
        )
        .route("/import/status", get(import::status_route))
}

/// An error of these routes: an [`ApiError`], or a status the shared type lacks
/// (413 for an oversized upload, 415, 422 for a damaged backup or database).
#[derive(Debug)]
pub(super) enum AdminError {
    /// One of the shared API errors.
    Api(ApiError),
    /// Another status with a message safe to show.
    Status(StatusCode, String),
}

impl From<ApiError> for AdminError {
    fn from(e: ApiError) -> Self {
        AdminError::Api(e)
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        match self {
            AdminError::Api(e) => e.into_response(),
            AdminError::Status(status, error) => (
                status,
                Json(ErrorBody {
                    error,
                    parameter: None,
                }),
            )
                .into_response(),
        }
    }
}

/// Refuses anyone but an admin (the middleware checks roles too; this keeps the
/// routes safe wherever they are mounted).
pub(super) fn require_admin(who: Option<Extension<Principal>>) -> Result<Principal, ApiError> {
    match who {
        Some(Extension(p)) if p.role == Role::Admin => Ok(p),
        Some(_) => Err(ApiError::Forbidden(
            "this route needs the admin role".into(),
        )),
        None => Err(ApiError::Unauthorized),
    }
}

/// Bytes per chunk of a streamed response.
const CHUNK: usize = 64 * 1024;
/// Chunks in flight between the producing thread and the connection.
const CHUNKS_IN_FLIGHT: usize = 8;

/// Why a streamed download stopped.
#[derive(Debug)]
pub(super) enum Failure {
    /// Every reader connection is busy (503 before the first byte).
    NoReader,
    /// Anything else (logged; 500 before the first byte, an aborted body after).
    Failed(String),
}

impl Failure {
    /// A failure from any error.
    pub(super) fn of(e: impl std::fmt::Display) -> Self {
        Failure::Failed(e.to_string())
    }
}

type Chunk = Result<Bytes, Failure>;

/// A blocking [`Write`] that sends 64 KiB chunks over a bounded channel to a response
/// body: the producer waits while the client is slow, and fails with `BrokenPipe`
/// once the client is gone. Call [`Write::flush`] at the end: dropping it sends
/// nothing (it may be dropped on an async thread, where it must not block).
pub(super) struct ChunkWriter {
    tx: mpsc::Sender<Chunk>,
    buf: Vec<u8>,
}

impl ChunkWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone"))
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// Streams what `produce` writes as a download named `filename`. `produce` gets the
/// writer and returns a future that writes (on a blocking thread) and flushes it; an
/// error before the first byte is answered as such, an error later aborts the body
/// (the client sees a broken transfer, never a silently truncated file).
pub(super) async fn stream_download<Fut>(
    content_type: &'static str,
    filename: &str,
    produce: impl FnOnce(ChunkWriter) -> Fut,
) -> Result<Response, AdminError>
where
    Fut: std::future::Future<Output = Result<(), Failure>> + Send + 'static,
{
    let (tx, mut rx) = mpsc::channel::<Chunk>(CHUNKS_IN_FLIGHT);
    let errors = tx.clone();
    let job = produce(ChunkWriter {
        tx,
        buf: Vec::with_capacity(CHUNK),
    });
    tokio::spawn(async move {
        if let Err(e) = job.await {
            if let Failure::Failed(detail) = &e {
                tracing::warn!(error = %detail, "a download failed");
            }
            let _ = errors.send(Err(e)).await;
        }
    });
    let first = match rx.recv().await {
        Some(Ok(chunk)) => chunk,
        Some(Err(Failure::NoReader)) | None => {
            return Err(ApiError::Unavailable("no reader free".into()).into())
        }
        Some(Err(Failure::Failed(e))) => return Err(ApiError::internal(e).into()),
    };
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let body = futures_util::StreamExt::map(
        futures_util::StreamExt::chain(futures_util::stream::once(async move { Ok(first) }), rest),
        |item| {
            item.map_err(|e| match e {
                Failure::NoReader => std::io::Error::other("no reader free"),
                Failure::Failed(d) => std::io::Error::other(d),
            })
        },
    );
    Ok(attachment(
        Response::new(Body::from_stream(body)),
        content_type,
        filename,
    ))
}

/// Adds `Content-Type` and `Content-Disposition: attachment` to `resp`.
pub(super) fn attachment(
    mut resp: Response,
    content_type: &'static str,
    filename: &str,
) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let safe: String = filename
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
